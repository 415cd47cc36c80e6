// SPDX-License-Identifier: GPL-2.0

//! The kernel's way of stepping with the rate policy (its search made
//! without the lock, from a copy: `Building::rate_plan`, `RatePlan::decide`,
//! `Building::step_planned`) does exactly what `Building::step` does, even
//! when requests arrive between the copy and the step; and in a saturated
//! building the copy's decision is almost always the one used.

use elevator_logic::{issue_growing, Building, Event, HostBuilding, PolicyKind, Step, Timing};
use elevator_logic::{Profile, PROFILES};
use elevsim::{Request, Workload, HORIZON_MS, TEST_SEEDS};

/// Runs `requests` twice in lockstep, one building stepped by `step`, the
/// other by `step_planned` with a plan taken before the requests of the
/// step's time are issued (`late`: they all arrive between the copy and
/// the step) or after (the usual case: they arrived while the car slept).
/// Returns (steps that consulted a plan, steps that used its decision).
fn lockstep(p: &'static Profile, requests: &[Request], late: bool) -> (u64, u64) {
    let mut a: HostBuilding = Building::new(p, Timing::COURSE, PolicyKind::Rate);
    let mut b: HostBuilding = Building::new(p, Timing::COURSE, PolicyKind::Rate);
    a.start().unwrap();
    b.start().unwrap();
    let (mut next, mut now) = (0, 0u64);
    let (mut planned, mut used) = (0, 0);
    let issue = |x: &mut HostBuilding, next: usize, now: u64| {
        let mut n = next;
        while n < requests.len() && requests[n].at_ms <= now {
            let r = requests[n];
            let _ = issue_growing(x, r.start, r.dest, r.kind, r.at_ms);
            n += 1;
        }
        n
    };
    while now <= HORIZON_MS {
        let mut plan = if late { b.rate_plan(now) } else { None };
        let n = issue(&mut a, next, now);
        issue(&mut b, next, now);
        next = n;
        if !late {
            plan = b.rate_plan(now);
        }
        if let Some(plan) = plan.as_mut() {
            plan.decide();
            planned += 1;
            used += u64::from(b.plan_holds(plan, now));
        }
        let (mut ea, mut eb): (Vec<Event>, Vec<Event>) = (Vec::new(), Vec::new());
        let sa = a.step(now, &mut |e| ea.push(e));
        let sb = b.step_planned(now, plan.as_ref(), &mut |e| eb.push(e));
        assert_eq!(sa, sb, "step at {now} ms");
        assert_eq!(ea, eb, "events at {now} ms");
        let (mut ta, mut tb) = (String::new(), String::new());
        a.render(&mut ta).unwrap();
        b.render(&mut tb).unwrap();
        assert_eq!(ta, tb, "building at {now} ms");
        now = match sa {
            Step::Sleep(ms) => now + u64::from(ms),
            Step::Wait => match requests.get(next) {
                Some(r) => r.at_ms,
                None => break,
            },
        };
    }
    (planned, used)
}

#[test]
fn planned_steps_are_the_steps() {
    for w in Workload::ALL {
        for p in PROFILES {
            for seed in TEST_SEEDS.take(10) {
                let reqs = w.requests(p, seed);
                lockstep(p, &reqs, true);
                lockstep(p, &reqs, false);
            }
        }
    }
}

#[test]
fn a_saturated_building_uses_the_plan() {
    let p = &elevator_logic::profile::PETS;
    let (mut planned, mut used) = (0, 0);
    for seed in TEST_SEEDS.take(10) {
        let reqs = Workload::Saturated.requests(p, seed);
        let (a, b) = lockstep(p, &reqs, true);
        planned += a;
        used += b;
    }
    // Arrivals land behind the first 40 riders of long lines, but the
    // building's waiting count and aged heads are looked at too.
    assert!(
        planned > 0 && used * 10 >= planned * 9,
        "{used} of {planned}"
    );
}

/// A stop between the copy and the step: boarding is over, so a decision
/// made for boarding must not be used.
#[test]
fn a_stop_between_copy_and_step_is_seen() {
    for p in PROFILES {
        for seed in TEST_SEEDS.take(20) {
            let reqs = Workload::Bursts.requests(p, seed);
            let mut a: HostBuilding = Building::new(p, Timing::COURSE, PolicyKind::Rate);
            a.start().unwrap();
            for r in reqs.iter().take(30) {
                let _ = issue_growing(&mut a, r.start, r.dest, r.kind, 0);
            }
            let mut now = 0;
            // A few steps in, with riders aboard and waiting.
            for _ in 0..(seed % 7 + 3) {
                match a.step(now, &mut |_| {}) {
                    Step::Sleep(ms) => now += u64::from(ms),
                    Step::Wait => break,
                }
            }
            let mut b = a.try_clone().unwrap();
            let mut plan = b.rate_plan(now).expect("rate with work");
            plan.decide();
            a.stop().unwrap();
            b.stop().unwrap();
            assert!(!b.plan_holds(&plan, now));
            let (mut ea, mut eb): (Vec<Event>, Vec<Event>) = (Vec::new(), Vec::new());
            assert_eq!(
                a.step(now, &mut |e| ea.push(e)),
                b.step_planned(now, Some(&plan), &mut |e| eb.push(e))
            );
            assert_eq!(ea, eb);
        }
    }
}

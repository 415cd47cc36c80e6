// SPDX-License-Identifier: GPL-2.0

//! How often the kthread's copy goes stale: the rate policy searches on a
//! copy without the building's mutex (`Building::rate_plan`,
//! `RatePlan::decide`), and the step decides again, holding the mutex,
//! when a request changed what the policy looks at meanwhile
//! (`Building::step_planned`). This model of the kthread lets the search
//! take `SEARCH_MS` of virtual time (argument; the host's slowest decision
//! is under 0.5 ms, `docs/bench-sim.md`), issues the requests that arrive
//! meanwhile between the copy and the step, and spreads each batch of
//! requests issued at the same time (a `producer` run, the saturated
//! start) over a few ms, 10 per ms, as a program's system calls are.
//! Prints, per row on the first 100 held-out seeds, the steps that
//! searched on a copy and how many of those decided again under the mutex.
//!
//! `cargo run --release -p elevsim --example stale_plans -- 10`

use elevator_logic::{issue_growing, Building, HostBuilding, PolicyKind, Step, Timing, PROFILES};
use elevsim::{Workload, HELD_OUT_SEEDS, HORIZON_MS};

fn main() {
    let search_ms: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let seeds = HELD_OUT_SEEDS.start..HELD_OUT_SEEDS.start + 100;
    println!("search takes {search_ms} ms; seeds {seeds:?}");
    for w in Workload::ALL {
        for p in PROFILES {
            let (mut planned, mut stale) = (0u64, 0u64);
            for seed in seeds.clone() {
                let mut reqs = w.requests(p, seed);
                // A batch issued at one time: 10 requests per ms.
                let (mut k, mut batch_at) = (0, u64::MAX);
                for r in reqs.iter_mut() {
                    if r.at_ms == batch_at {
                        k += 1;
                    } else {
                        (k, batch_at) = (0, r.at_ms);
                    }
                    r.at_ms += k / 10;
                }
                reqs.sort_by_key(|r| r.at_ms);
                let mut b: HostBuilding = Building::new(p, Timing::COURSE, PolicyKind::Rate);
                b.start().expect("fresh building starts");
                let (mut next, mut now) = (0, 0u64);
                let mut issue = |b: &mut HostBuilding, until: u64| {
                    while next < reqs.len() && reqs[next].at_ms <= until {
                        let r = reqs[next];
                        let _ = issue_growing(b, r.start, r.dest, r.kind, r.at_ms);
                        next += 1;
                    }
                    reqs.get(next).map(|r| r.at_ms)
                };
                while now <= HORIZON_MS {
                    issue(&mut b, now);
                    let mut plan = b.rate_plan(now);
                    // The search runs; requests arrive meanwhile.
                    let coming = issue(&mut b, now + search_ms);
                    if let Some(plan) = plan.as_mut() {
                        plan.decide();
                        planned += 1;
                        stale += u64::from(!b.plan_holds(plan, now));
                    }
                    now = match b.step_planned(now, plan.as_ref(), &mut |_| {}) {
                        Step::Sleep(ms) => now + u64::from(ms) + search_ms,
                        Step::Wait => match coming {
                            Some(at) => at,
                            None => break,
                        },
                    };
                }
            }
            println!(
                "{:10} {:7} searched {:6}  decided again {:4} ({:.2} %, {:.2} per run)",
                w.name(),
                p.name,
                planned,
                stale,
                100.0 * stale as f64 / planned.max(1) as f64,
                stale as f64 / 100.0
            );
        }
    }
}

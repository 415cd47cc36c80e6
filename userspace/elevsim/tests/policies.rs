// SPDX-License-Identifier: GPL-2.0

//! The project's policy against the baselines on held-out seeds (SPEC.md,
//! Behaviour rule 10), with 95 % confidence intervals on paired per-seed
//! differences.
//!
//! The claims below were fixed from the tuning seeds ([`TUNING_SEEDS`]) and
//! are checked on seeds never used for tuning ([`TEST_SEEDS`], 200 seeds of
//! the held-out block `make bench-sim` reports on). Two kinds of claim:
//!
//! * **strict**: rate is better, the whole interval of the difference is on
//!   rate's side of zero;
//! * **no worse**: the interval reaches zero or rate's side of it (rate is
//!   not shown to be worse).
//!
//! A claim on delivered riders is strict where the interval on the tuning
//! seeds had its lower end at +0.1 rider per run or more, "no worse"
//! elsewhere: against LOOK, nearest and peer on `steady-8s` (a light load,
//! where rate's margin is a tenth of a rider, within the noise), and
//! against LOOK and nearest on `steady-4s` office (tuning: +0.24
//! [+0.09, +0.39] and +0.23 [+0.06, +0.40]; on these 200 test seeds the
//! margin over nearest is +0.08 [−0.09, +0.24], on all 1,000 held-out seeds
//! +0.25 [+0.16, +0.33]: 200 seeds cannot resolve it). Every wait claim
//! had its interval at least 0.1 s clear of zero on the tuning seeds and is
//! strict.

use elevator_logic::{PolicyKind, Profile, Timing, PROFILES};
use elevsim::{paired, summarize, Interval, PerRun, Summary, Workload, TEST_SEEDS, TUNING_SEEDS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Claim {
    Strict,
    NoWorse,
}

/// What is claimed for rate's delivered riders against `k` on `w`.
fn delivered_claim(w: Workload, p: &Profile, k: PolicyKind) -> Claim {
    match (w, p.name, k) {
        (Workload::Steady8, _, PolicyKind::Look | PolicyKind::Nearest | PolicyKind::Peer) => {
            Claim::NoWorse
        }
        (Workload::Steady4, "office", PolicyKind::Look | PolicyKind::Nearest) => Claim::NoWorse,
        _ => Claim::Strict,
    }
}

/// Checks `i` (rate minus other, positive when rate is ahead if
/// `ahead_positive`) against `claim`; describes a failure.
fn check(i: Interval, claim: Claim, ahead_positive: bool) -> Result<(), String> {
    let (ahead, behind) = if ahead_positive {
        (i.above_zero(), i.below_zero())
    } else {
        (i.below_zero(), i.above_zero())
    };
    match claim {
        Claim::Strict if !ahead => Err(format!("not strictly ahead: {i:.3}")),
        Claim::NoWorse if behind => Err(format!("worse: {i:.3}")),
        _ => Ok(()),
    }
}

fn delivered(r: &PerRun) -> f64 {
    r.delivered
}

fn wait_all(r: &PerRun) -> f64 {
    r.wait_all
}

fn wait(r: &PerRun) -> f64 {
    r.wait
}

fn runs(p: &'static Profile, w: Workload) -> Vec<(PolicyKind, Summary)> {
    PolicyKind::ALL
        .into_iter()
        .map(|k| (k, summarize(p, Timing::COURSE, k, w, TEST_SEEDS)))
        .collect()
}

#[test]
fn test_seeds_are_held_out() {
    assert!(elevsim::disjoint(&TEST_SEEDS, &TUNING_SEEDS));
    assert!(elevsim::disjoint(&elevsim::HELD_OUT_SEEDS, &TUNING_SEEDS));
    assert!(!elevsim::disjoint(&TEST_SEEDS, &(150..10_001)));
}

#[test]
fn rate_against_every_baseline_on_held_out_seeds() {
    let mut failures = Vec::new();
    let mut strict = 0;
    // The rows' runs, two rows at a time.
    let rows: Vec<(Workload, &'static Profile)> = Workload::ALL
        .into_iter()
        .flat_map(|w| PROFILES.into_iter().map(move |p| (w, p)))
        .collect();
    let mut results = Vec::new();
    for pair in rows.chunks(2) {
        std::thread::scope(|s| {
            let handles: Vec<_> = pair
                .iter()
                .map(|&(w, p)| s.spawn(move || (w, p, runs(p, w))))
                .collect();
            results.extend(handles.into_iter().map(|h| h.join().unwrap()));
        });
    }
    for (w, p, all) in results {
        let rate = &all[0].1;
        assert_eq!(all[0].0, PolicyKind::Rate);
        for (k, other) in &all[1..] {
            let at = format!("{} on {} vs {}", w.name(), p.name, k.name());
            // Riders delivered in 180 s.
            let claim = delivered_claim(w, p, *k);
            strict += usize::from(claim == Claim::Strict);
            if let Err(e) = check(rate.minus(other, delivered), claim, true) {
                failures.push(format!("{at}: delivered {e}"));
            }
            // Mean wait of every rider: shorter than every baseline's.
            if let Err(e) = check(rate.minus(other, wait_all), Claim::Strict, false) {
                failures.push(format!("{at}: wait (all) {e}"));
            }
            // Mean wait of delivered riders, against LOOK, where the
            // building is not saturated (see docs/bench-sim.md on why
            // that measure rewards delivering fewer when it is).
            if *k == PolicyKind::Look && w != Workload::Saturated {
                if let Err(e) = check(rate.minus(other, wait), Claim::Strict, false) {
                    failures.push(format!("{at}: wait {e}"));
                }
            }
        }
    }
    assert_eq!(strict, 61, "strict delivered claims");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The course's bursts (`producer 30` three times on the pets building):
/// rate's riders wait (all riders) at least 10 % less than LOOK's, with the
/// interval of `rate − 0.9 × look` per seed below zero.
#[test]
fn course_bursts_wait_ten_percent_below_look() {
    let p = &elevator_logic::profile::PETS;
    let run = |k| summarize(p, Timing::COURSE, k, Workload::Bursts, TEST_SEEDS);
    let (rate, look) = (run(PolicyKind::Rate), run(PolicyKind::Look));
    let r: Vec<f64> = rate.per_run.iter().map(wait_all).collect();
    let l: Vec<f64> = look.per_run.iter().map(|x| 0.9 * x.wait_all).collect();
    let i = paired(&r, &l);
    assert!(i.below_zero(), "rate − 0.9 × look = {i:.3} s");
    assert!(
        rate.mean_wait_all() <= 0.9 * look.mean_wait_all(),
        "pooled {:.2} s vs look {:.2} s",
        rate.mean_wait_all(),
        look.mean_wait_all()
    );
}

#[test]
fn bound_is_never_beaten() {
    for w in Workload::ALL {
        for p in PROFILES {
            for k in PolicyKind::ALL {
                for seed in TEST_SEEDS.take(5) {
                    let reqs = w.requests(p, seed);
                    let s = elevsim::run(p, Timing::COURSE, k, &reqs, elevsim::HORIZON_MS);
                    assert!(
                        s.delivered <= s.bound,
                        "{} {} {} {seed}",
                        w.name(),
                        p.name,
                        k.name()
                    );
                    assert_eq!(s.issued + s.rejected, reqs.len() as u64);
                }
            }
        }
    }
}

/// Rate against the offline planner (`src/offline.rs`) on the busy rows,
/// on the first 20 test seeds with a beam of 32 (the report uses 100
/// seeds and a beam of 128; see the offline table of `docs/bench-sim.md`).
/// The claimed share is what the report's 100 held-out seeds (of which
/// these 20 are the first) show: 95 % (rate at 97 % on pets and office,
/// 95.6 % on steady-4s dorm, 95.5 % on saturated dorm), except on bursts
/// dorm where rate reaches 94.2 % (short of the 95 % aimed at; the planner
/// knows where the next burst lands and that counting stops at 180 s;
/// told only the requests, it delivers 77.8, of which rate reaches
/// 96.6 %; minute by minute, with the future hidden, rate delivers as
/// many as the planner not told when counting stops: `tests/stretches.rs`):
/// 93 % there. With 20 seeds the check is "no worse within the
/// interval": the interval of `rate − share × offline` per seed must not
/// lie below zero (it is about ±1.3 riders wide on bursts dorm, so it
/// cannot tell 93.8 % from 94.2 %).
#[test]
fn rate_near_the_offline_planner_on_busy_rows() {
    use elevator_logic::profile::{DORM, OFFICE, PETS};
    let seeds = TEST_SEEDS.start..TEST_SEEDS.start + 20;
    let rows: [(Workload, &'static Profile, f64); 7] = [
        (Workload::Saturated, &PETS, 0.95),
        (Workload::Saturated, &DORM, 0.95),
        (Workload::Saturated, &OFFICE, 0.95),
        (Workload::Bursts, &DORM, 0.93),
        (Workload::Steady4, &PETS, 0.95),
        (Workload::Steady4, &DORM, 0.95),
        (Workload::Steady4, &OFFICE, 0.95),
    ];
    let mut failures = Vec::new();
    for (w, p, share) in rows {
        let plans = elevsim::offline::plan_seeds(p, Timing::COURSE, w, seeds.clone(), 32);
        let offline: Vec<f64> = plans.iter().map(|x| share * x.delivered as f64).collect();
        let rate = summarize(p, Timing::COURSE, PolicyKind::Rate, w, seeds.clone());
        let r: Vec<f64> = rate.per_run.iter().map(delivered).collect();
        let i = paired(&r, &offline);
        if i.below_zero() {
            failures.push(format!(
                "{} on {}: rate − {share} × offline = {i:.2}",
                w.name(),
                p.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// SPDX-License-Identifier: GPL-2.0

//! The project's policy against the baselines, on the simulator's workloads
//! (SPEC.md, Behaviour rule 10): `rate` delivers more riders in 180 s than
//! every other policy on every workload and profile, and beats LOOK on mean
//! wait (every rider, still-waiting ones counted until 180 s) everywhere, and
//! on the delivered riders' mean wait wherever the building is not saturated.

use elevator_logic::{PolicyKind, Timing, PROFILES};
use elevsim::{summarize, Workload};

/// The seeds `make bench-sim` uses.
const SEEDS: u64 = 200;

#[test]
fn rate_beats_every_baseline_everywhere() {
    let mut failures = Vec::new();
    for w in Workload::ALL {
        for p in PROFILES {
            let run = |k| summarize(p, Timing::COURSE, k, w, 0..SEEDS);
            let rate = run(PolicyKind::Rate);
            for k in PolicyKind::ALL
                .into_iter()
                .filter(|&k| k != PolicyKind::Rate)
            {
                let other = run(k);
                let at = format!("{} on {} vs {}", w.name(), p.name, k.name());
                if rate.delivered <= other.delivered {
                    failures.push(format!(
                        "{at}: delivered {} <= {}",
                        rate.delivered, other.delivered
                    ));
                }
                if k != PolicyKind::Look {
                    continue;
                }
                if rate.mean_wait_all() >= other.mean_wait_all() {
                    failures.push(format!(
                        "{at}: wait (all) {:.2} >= {:.2}",
                        rate.mean_wait_all(),
                        other.mean_wait_all()
                    ));
                }
                if w != Workload::Saturated && rate.mean_wait() >= other.mean_wait() {
                    failures.push(format!(
                        "{at}: wait {:.2} >= {:.2}",
                        rate.mean_wait(),
                        other.mean_wait()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn bound_is_never_beaten() {
    for w in Workload::ALL {
        for p in PROFILES {
            for k in PolicyKind::ALL {
                for seed in 0..5 {
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

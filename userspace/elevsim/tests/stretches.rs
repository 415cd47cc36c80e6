// SPDX-License-Identifier: GPL-2.0

//! Where rate's gap to the offline planner on dorm bursts comes from
//! (`docs/bench-sim.md`, "Dorm bursts minute by minute"): each minute of
//! the run, from rate's own state at its start and with the requests to
//! come hidden, rate delivers no fewer than the offline planner that is
//! not told when counting stops (the window-blind planner, planning a
//! minute beyond). The planner that is told delivers more: that knowledge,
//! and knowing the next burst, are what rate lacks, not its search.
//!
//! Fixed from the tuning seeds (0..100, beam 128: rate 24.16, 24.68 and
//! 25.13 per minute against 23.74, 24.24 and 24.52 window-blind, and
//! 25.24, 25.82 and 26.23 told when counting stops), checked on the first
//! 100 held-out test seeds (those of the report's offline table) with the
//! same beam as "no worse within the interval": the interval of `rate −
//! blind` per seed must not lie below zero. A rate that plans only 3 stops
//! ahead fails it (−0.54 [−0.89, −0.19] in the first minute, −0.67
//! [−1.10, −0.24] in the last); 20 seeds could not tell (intervals of
//! ±1.2 riders). (With a beam of 32 the window-blind planner does a little
//! better: it aims at the minute after, so which of its plans it keeps
//! says little about the count at the cut; on 200 tuning seeds rate −
//! blind is then +0.32, +0.22 and +0.30 riders per minute.)

use elevator_logic::{profile::DORM, PolicyKind, Timing};
use elevsim::offline::stretch_seeds;
use elevsim::{paired, Workload, TEST_SEEDS};

#[test]
fn rate_matches_the_window_blind_planner_each_minute_of_dorm_bursts() {
    let seeds = TEST_SEEDS.start..TEST_SEEDS.start + 100;
    let mut failures = Vec::new();
    for (from, to) in [(0, 60_000), (60_000, 120_000), (120_000, 180_000)] {
        let s = stretch_seeds(
            &DORM,
            Timing::COURSE,
            PolicyKind::Rate,
            Workload::Bursts,
            seeds.clone(),
            from,
            to,
            128,
        );
        let rate: Vec<f64> = s.iter().map(|x| x.policy as f64).collect();
        let blind: Vec<f64> = s.iter().map(|x| x.cut_blind as f64).collect();
        let known: Vec<f64> = s.iter().map(|x| x.cut_known as f64).collect();
        let i = paired(&rate, &blind);
        if i.below_zero() {
            failures.push(format!("{from}..{to} ms: rate − blind = {i:.2}"));
        }
        // Told when counting stops, the planner does better than rate.
        assert!(paired(&known, &rate).above_zero(), "{from}..{to} ms");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

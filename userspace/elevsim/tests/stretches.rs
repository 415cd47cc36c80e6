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

/// The offline planner used online (`offline::online`): knowing only the
/// requests issued so far, and re-planning with a beam of 32 at every step,
/// it delivers more than rate on dorm bursts only when told when counting
/// stops, and then only in the last minute; planning the next 180 s at
/// every step instead, it delivers no more than rate. So rate's gap to 95 %
/// of the offline column there is that knowledge, not its search.
///
/// Fixed from the tuning seeds (0..200: rate 24.00, 25.34, 26.11 per minute,
/// 75.45 in all; told 23.38, 25.28, 27.84, 76.50; not told 74.75), checked
/// on the first 60 held-out test seeds: told − rate above zero in all and
/// not above zero over the first two minutes, and rate − not told not
/// below zero.
#[test]
fn the_planner_online_beats_rate_only_when_told_when_counting_stops() {
    use elevsim::offline::{online_seeds, Driver};
    let seeds = TEST_SEEDS.start..TEST_SEEDS.start + 60;
    let run = |d| online_seeds(&DORM, Timing::COURSE, Workload::Bursts, seeds.clone(), d);
    let rate = run(Driver::Policy(PolicyKind::Rate));
    let told = run(Driver::Planner {
        width: 32,
        told: true,
    });
    let blind = run(Driver::Planner {
        width: 32,
        told: false,
    });
    let sum = |v: &[Vec<u64>], minutes: core::ops::Range<usize>| -> Vec<f64> {
        v.iter()
            .map(|m| m[minutes.clone()].iter().sum::<u64>() as f64)
            .collect()
    };
    let all = |v: &[Vec<u64>]| sum(v, 0..3);
    let early = |v: &[Vec<u64>]| sum(v, 0..2);
    let gain = paired(&all(&told), &all(&rate));
    assert!(gain.above_zero(), "told − rate = {gain:.2}");
    let early_gain = paired(&early(&told), &early(&rate));
    assert!(
        !early_gain.above_zero(),
        "told − rate over the first two minutes = {early_gain:.2}"
    );
    let lead = paired(&all(&rate), &all(&blind));
    assert!(!lead.below_zero(), "rate − not told = {lead:.2}");
}

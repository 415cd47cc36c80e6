// SPDX-License-Identifier: GPL-2.0

//! The cost of one step of the elevator (the policy's decision included),
//! as the kthread takes it, measured on the host with many riders waiting;
//! and how much of it holds the building's mutex: the kthread copies what the
//! rate policy looks at (`Building::rate_plan`) and steps
//! (`Building::step_planned`) holding it, but searches (`RatePlan::decide`)
//! without it.

use crate::random_request;
use elevator_logic::{
    issue_growing, Building, HostBuilding, Policy, PolicyKind, Profile, Step, Timing,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

/// Step times of one policy at one number of riders waiting, ns.
#[derive(Debug, Clone)]
pub struct Cost {
    /// Riders kept waiting.
    pub waiting: usize,
    /// Steps timed.
    pub steps: usize,
    /// Mean of the whole step, ns.
    pub mean_ns: f64,
    /// 99th percentile of the whole step, ns.
    pub p99_ns: u64,
    /// Mean of the part of the step that holds the mutex, ns.
    pub locked_mean_ns: f64,
    /// 99th percentile of that part, ns.
    pub locked_p99_ns: u64,
    /// Mean of the decision alone, ns: each state's fastest of [`REPEATS`]
    /// runs, in this thread's CPU time (so the host's preemptions do not
    /// count; this machine is shared), less the clock's own cost.
    pub decide_mean_ns: f64,
    /// Slowest decision, ns: the largest of those over all states.
    pub decide_max_ns: u64,
}

/// Runs of each decision, the fastest counting.
pub const REPEATS: usize = 5;

/// This thread's CPU time, ns: unlike the wall clock, it does not run while
/// the thread is preempted.
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// What reading [`thread_cpu_ns`] twice costs by itself, ns (the fastest
/// of many tries), subtracted from each decision's time.
fn clock_overhead_ns() -> u64 {
    (0..1_000)
        .map(|_| {
            let t0 = thread_cpu_ns();
            thread_cpu_ns() - t0
        })
        .min()
        .unwrap_or(0)
}

/// Times `steps` steps of `policy` on `profile` with about `waiting` riders
/// waiting throughout: the building starts with `waiting` random riders and
/// one new random rider is issued after each step (outside the timing), so
/// the lines stay as long while the car works.
pub fn measure(
    profile: &'static Profile,
    policy: PolicyKind,
    waiting: usize,
    steps: usize,
    seed: u64,
) -> Cost {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let floors = i32::from(profile.floors);
    let mut b: HostBuilding = Building::new(profile, Timing::COURSE, policy);
    for _ in 0..waiting {
        let r = random_request(&mut rng, floors, 0);
        issue_growing(&mut b, r.start, r.dest, r.kind, 0).expect("valid request");
    }
    b.start().expect("fresh building starts");
    let mut now = 0u64;
    let mut times = Vec::with_capacity(steps);
    let mut decide = Vec::with_capacity(steps);
    let mut locked = Vec::with_capacity(steps);
    let overhead = clock_overhead_ns();
    for _ in 0..steps {
        // The decision alone, on the state the step is about to see (after
        // the move in progress; a fresh policy, as the rate policy keeps
        // only a direction for its fallback).
        let mut fastest = u64::MAX;
        for _ in 0..REPEATS {
            let mut p = Policy::new(policy);
            let t0 = thread_cpu_ns();
            std::hint::black_box(p.choose(std::hint::black_box(&b), now));
            fastest = fastest.min((thread_cpu_ns() - t0).saturating_sub(overhead));
        }
        decide.push(fastest);
        // The step as the kthread takes it: copy (locked), search
        // (unlocked), step with the search's decision (locked).
        let t0 = Instant::now();
        let mut plan = b.rate_plan(now);
        let t1 = Instant::now();
        if let Some(p) = plan.as_mut() {
            p.decide();
        }
        let t2 = Instant::now();
        let step = std::hint::black_box(b.step_planned(now, plan.as_ref(), &mut |_| {}));
        let t3 = Instant::now();
        times.push((t3 - t0).as_nanos() as u64);
        locked.push(((t1 - t0) + (t3 - t2)).as_nanos() as u64);
        now += match step {
            Step::Sleep(ms) => u64::from(ms),
            Step::Wait => 1_000,
        };
        while (b.waiting() as usize) < waiting {
            let r = random_request(&mut rng, floors, now);
            issue_growing(&mut b, r.start, r.dest, r.kind, now).expect("valid request");
        }
    }
    times.sort_unstable();
    locked.sort_unstable();
    let n = times.len().max(1);
    let p99 = |v: &[u64]| {
        v.get((n * 99).div_ceil(100).saturating_sub(1))
            .copied()
            .unwrap_or(0)
    };
    Cost {
        waiting,
        steps,
        mean_ns: times.iter().sum::<u64>() as f64 / n as f64,
        p99_ns: p99(&times),
        locked_mean_ns: locked.iter().sum::<u64>() as f64 / n as f64,
        locked_p99_ns: p99(&locked),
        decide_mean_ns: decide.iter().sum::<u64>() as f64 / n as f64,
        decide_max_ns: decide.iter().copied().max().unwrap_or(0),
    }
}

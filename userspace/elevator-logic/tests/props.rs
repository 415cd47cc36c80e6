// SPDX-License-Identifier: GPL-2.0

//! Property tests of the module's logic: random sequences of requests (valid
//! and invalid), starts, stops, steps and pauses on every profile, policy and
//! timing, checked against a model after every operation; liveness of every
//! policy; and the rate policy's starvation bound on adversarial workloads.

use elevator_logic::policy::{starvation_bound_ms, AGE_LIMIT_STOPS};
use elevator_logic::*;
use proptest::prelude::*;
use std::collections::VecDeque;

/// One thing that can happen to the elevator.
#[derive(Debug, Clone)]
enum Op {
    /// `issue_request(start, dest, type)`, possibly invalid.
    Issue(i32, i32, i32),
    /// `start_elevator()`.
    Start,
    /// `stop_elevator()`.
    Stop,
    /// One step of the elevator thread.
    Step,
    /// Time passes without a step (the thread sleeps longer, or is blocked).
    Pause(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (-1i32..=8, -1i32..=8, -1i32..=4).prop_map(|(s, d, k)| Op::Issue(s, d, k)),
        1 => Just(Op::Start),
        1 => Just(Op::Stop),
        10 => Just(Op::Step),
        1 => (0u32..5_000).prop_map(Op::Pause),
    ]
}

/// A profile and a timing (each test runs every policy on them).
fn setup() -> impl Strategy<Value = (usize, u32, u32)> {
    (0..PROFILES.len(), 1u32..=3_000, 1u32..=2_000)
}

/// The building plus a model of what it must contain, checked after every
/// operation.
struct Checked {
    b: HostBuilding,
    now: u64,
    /// Each floor's line as it must be: issued riders in arrival order, minus
    /// those who boarded (always from the front).
    lines: Vec<VecDeque<Rider>>,
    /// The riders aboard, in boarding order.
    car: Vec<Rider>,
    issued: u64,
    delivered: u64,
}

impl Checked {
    fn new(profile: &'static Profile, policy: PolicyKind, timing: Timing) -> Checked {
        Checked {
            b: Building::new(profile, timing, policy),
            now: 0,
            lines: vec![VecDeque::new(); usize::from(profile.floors) + 1],
            car: Vec::new(),
            issued: 0,
            delivered: 0,
        }
    }

    fn apply(&mut self, op: &Op) {
        let floors = i32::from(self.b.profile().floors);
        match *op {
            Op::Issue(s, d, k) => {
                let valid = (1..=floors).contains(&s)
                    && (1..=floors).contains(&d)
                    && s != d
                    && (0..=3).contains(&k);
                let r = issue_growing(&mut self.b, s, d, k, self.now);
                assert_eq!(r.is_ok(), valid, "issue({s}, {d}, {k})");
                if valid {
                    self.issued += 1;
                    self.lines[s as usize].push_back(Rider {
                        arrival_ms: self.now,
                        start: s as u8,
                        dest: d as u8,
                        kind: k as u8,
                    });
                }
            }
            Op::Start => {
                let was_active = self.b.is_active();
                assert_eq!(self.b.start().is_ok(), !was_active);
                if !was_active {
                    assert_eq!(self.b.state(), State::Idle);
                    assert_eq!(self.b.floor(), 1);
                    assert!(self.b.car().is_empty());
                }
            }
            Op::Stop => {
                let ok = self.b.is_active() && !self.b.is_deactivating();
                assert_eq!(self.b.stop().is_ok(), ok);
                if ok {
                    assert!(self.b.is_deactivating());
                }
            }
            Op::Step => {
                self.step();
            }
            Op::Pause(ms) => self.now += u64::from(ms),
        }
        self.check();
    }

    /// One step; returns what it asked for.
    fn step(&mut self) -> Step {
        let deactivating = self.b.is_deactivating();
        let now = self.now;
        let mut events = Vec::new();
        let st = self.b.step(now, &mut |e| events.push(e));
        for e in &events {
            match *e {
                Event::Boarded { rider, at_ms } => {
                    assert!(!deactivating, "boarding while deactivating");
                    assert_eq!(at_ms, now);
                    assert_eq!(rider.start, self.b.floor(), "boarded away from its floor");
                    let head = self.lines[usize::from(rider.start)].pop_front();
                    assert_eq!(head, Some(rider), "boarding out of queue order");
                    self.car.push(rider);
                }
                Event::Delivered { rider, at_ms, .. } => {
                    assert_eq!(at_ms, now);
                    assert_eq!(
                        rider.dest,
                        self.b.floor(),
                        "rider left away from its destination"
                    );
                    let i = self
                        .car
                        .iter()
                        .position(|r| *r == rider)
                        .expect("delivered rider was aboard");
                    self.car.remove(i);
                    self.delivered += 1;
                }
            }
        }
        if self.b.state() == State::Loading {
            assert!(!events.is_empty(), "stopped where nobody got off or on");
        } else {
            assert!(events.is_empty());
        }
        match st {
            Step::Sleep(ms) => self.now += u64::from(ms),
            Step::Wait => {
                assert!(
                    !self.b.has_work() || !self.b.is_active(),
                    "idles with work left"
                );
                assert!(matches!(self.b.state(), State::Idle | State::Offline));
            }
        }
        st
    }

    fn check(&self) {
        let b = &self.b;
        let p = b.profile();
        assert_eq!(b.issued(), self.issued);
        assert_eq!(b.serviced(), self.delivered);
        assert_eq!(
            b.issued(),
            b.waiting() + b.car().len() as u64 + b.serviced(),
            "issued = waiting + aboard + serviced"
        );
        assert!(b.car().len() <= p.max_riders, "count limit");
        assert!(b.car().half_lbs() <= p.max_half_lbs, "weight limit");
        let w: u32 = b.car().riders().iter().map(|r| b.weight(r)).sum();
        assert_eq!(w, b.car().half_lbs());
        assert_eq!(b.car().riders(), &self.car[..], "car content and order");
        let mut waiting = 0;
        for f in 1..=p.floors {
            let q: Vec<Rider> = b.queue(f).iter().copied().collect();
            assert!(
                q.iter().eq(self.lines[usize::from(f)].iter()),
                "floor {f}: queue order"
            );
            assert!(
                q.windows(2).all(|w| w[0].arrival_ms <= w[1].arrival_ms),
                "FIFO by arrival"
            );
            assert!(q.iter().all(|r| r.start == f));
            waiting += q.len() as u64;
        }
        assert_eq!(waiting, b.waiting());
        assert!((1..=p.floors).contains(&b.floor()));
        // Five states, OFFLINE exactly when inactive; deactivating only while active.
        assert_eq!(
            b.state() == State::Offline,
            !b.is_active(),
            "OFFLINE iff inactive"
        );
        assert!(!b.is_deactivating() || b.is_active());
    }

    /// Steps until the thread would block; panics after `max` steps.
    fn run_until_wait(&mut self, max: usize) {
        for _ in 0..max {
            if self.step() == Step::Wait {
                self.check();
                return;
            }
            self.check();
        }
        panic!("{}: no wait after {max} steps", self.b.policy().name());
    }
}

/// A checked building of `setup` with `policy` after `ops`.
fn checked(setup: (usize, u32, u32), policy: PolicyKind, ops: &[Op]) -> Checked {
    let (p, floor_ms, load_ms) = setup;
    let mut c = Checked::new(PROFILES[p], policy, Timing::new(floor_ms, load_ms).unwrap());
    for op in ops {
        c.apply(op);
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every rule that holds at every moment, after every operation.
    #[test]
    fn invariants_hold_after_every_operation(s in setup(), ops in prop::collection::vec(op(), 0..300)) {
        for policy in PolicyKind::ALL {
            checked(s, policy, &ops);
        }
    }

    /// After a stop, everyone aboard is delivered, nobody boards, then OFFLINE.
    #[test]
    fn stop_delivers_everyone_aboard_then_offline(s in setup(), ops in prop::collection::vec(op(), 0..200)) {
        for policy in PolicyKind::ALL {
        let mut c = checked(s, policy, &ops);
        if !c.b.is_active() {
            c.apply(&Op::Start);
        }
        let _ = c.b.stop();
        let aboard = c.b.car().len() as u64;
        let (waiting, delivered) = (c.b.waiting(), c.delivered);
        c.run_until_wait(1_000);
        prop_assert_eq!(c.b.state(), State::Offline);
        prop_assert!(!c.b.is_active() && !c.b.is_deactivating());
        prop_assert!(c.b.car().is_empty());
        prop_assert_eq!(c.delivered, delivered + aboard);
        prop_assert_eq!(c.b.waiting(), waiting, "nobody boarded while deactivating");
        }
    }

    /// Started with work, every policy eventually delivers every rider.
    #[test]
    fn every_rider_is_delivered(s in setup(), ops in prop::collection::vec(op(), 0..300)) {
        for policy in PolicyKind::ALL {
        let mut c = checked(s, policy, &ops);
        if c.b.is_deactivating() {
            c.run_until_wait(1_000);
        }
        if !c.b.is_active() {
            c.apply(&Op::Start);
        }
        c.run_until_wait(20_000);
        prop_assert_eq!(c.b.waiting(), 0);
        prop_assert!(c.b.car().is_empty());
        prop_assert_eq!(c.b.serviced(), c.b.issued());
        prop_assert_eq!(c.b.state(), State::Idle);
        }
    }
}

/// A small deterministic generator for the workloads below.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
    /// Exponential gap with mean `mean_ms` (at least 1 ms).
    fn gap(&mut self, mean_ms: u64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((-(1.0 - u).ln()) * mean_ms as f64).max(1.0) as u64
    }
}

/// Adversarial workloads for the starvation bound.
#[derive(Debug, Clone, Copy)]
enum Adversary {
    /// Busy short hops between two adjacent floors (the best rate there is),
    /// plus occasional riders elsewhere that a greedy policy would skip.
    Bait,
    /// Hundreds waiting at t=0 plus a stream: every line stays long.
    Flood,
    /// A stream of the lightest riders everywhere keeps the car full, while
    /// the heaviest riders wait at the heads of lines.
    Heavy,
}

/// Requests `(at_ms, start, dest, type)` of an adversarial workload.
fn adversarial(
    kind: Adversary,
    profile: &Profile,
    seed: u64,
    rate_ms: u64,
    until_ms: u64,
) -> Vec<(u64, i32, i32, i32)> {
    let mut g = XorShift(seed | 1);
    let floors = u64::from(profile.floors);
    let light = (0..4).min_by_key(|&k| profile.types[k].half_lbs).unwrap() as i32;
    let heavy = (0..4).max_by_key(|&k| profile.types[k].half_lbs).unwrap() as i32;
    let mut v = Vec::new();
    let any = |g: &mut XorShift, t: u64, kind: i32, v: &mut Vec<(u64, i32, i32, i32)>| {
        let s = g.range(1, floors);
        let mut d = g.range(1, floors);
        while d == s {
            d = g.range(1, floors);
        }
        v.push((t, s as i32, d as i32, kind));
    };
    match kind {
        Adversary::Bait => {
            let a = g.range(1, floors - 1) as i32;
            let mut t = 0;
            while t < until_ms {
                let up = g.next() & 1 == 0;
                let k = (g.next() % 4) as i32;
                v.push(if up {
                    (t, a, a + 1, k)
                } else {
                    (t, a + 1, a, k)
                });
                t += g.gap(rate_ms);
            }
            let mut t = 0;
            while t < until_ms {
                let k = (g.next() % 4) as i32;
                any(&mut g, t, k, &mut v);
                t += g.gap(rate_ms * 15);
            }
        }
        Adversary::Flood => {
            for _ in 0..g.range(100, 400) {
                let k = (g.next() % 4) as i32;
                any(&mut g, 0, k, &mut v);
            }
            let mut t = 0;
            while t < until_ms {
                let k = (g.next() % 4) as i32;
                any(&mut g, t, k, &mut v);
                t += g.gap(rate_ms);
            }
        }
        Adversary::Heavy => {
            let mut t = 0;
            while t < until_ms {
                any(&mut g, t, light, &mut v);
                t += g.gap(rate_ms);
            }
            let mut t = 0;
            while t < until_ms {
                any(&mut g, t, heavy, &mut v);
                t += g.gap(rate_ms * 10);
            }
        }
    }
    v.sort_by_key(|r| r.0);
    v
}

/// Runs a workload and returns the longest time any rider spent at the head
/// of its line (until boarding, or until the end for those still waiting).
fn longest_head_wait(
    profile: &'static Profile,
    timing: Timing,
    policy: PolicyKind,
    reqs: &[(u64, i32, i32, i32)],
    until_ms: u64,
) -> u64 {
    let mut b: HostBuilding = Building::new(profile, timing, policy);
    b.start().unwrap();
    let mut now = 0;
    let mut next = 0;
    let mut longest = 0;
    while now <= until_ms {
        while next < reqs.len() && reqs[next].0 <= now {
            let (t, s, d, k) = reqs[next];
            issue_growing(&mut b, s, d, k, t).unwrap();
            next += 1;
        }
        for f in 1..=profile.floors {
            if !b.queue(f).is_empty() {
                longest = longest.max(now - b.head_since(f));
            }
        }
        match b.step(now, &mut |_| {}) {
            Step::Sleep(ms) => now += u64::from(ms),
            Step::Wait => match reqs.get(next) {
                Some(r) => now = r.0,
                None => break,
            },
        }
    }
    longest
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// The rate policy's stated starvation bound: no rider stays at the head
    /// of its floor's line longer than `starvation_bound_ms`, on workloads
    /// built to make a throughput-greedy policy skip floors.
    #[test]
    fn rate_policy_starvation_bound(
        p in 0..PROFILES.len(),
        kind in prop_oneof![Just(Adversary::Bait), Just(Adversary::Flood), Just(Adversary::Heavy)],
        seed in any::<u64>(),
        rate_ms in 700u64..8_000,
        course in any::<bool>(),
        floor_ms in 50u32..4_000,
        load_ms in 50u32..4_000,
    ) {
        let profile = PROFILES[p];
        let timing = if course { Timing::COURSE } else { Timing::new(floor_ms, load_ms).unwrap() };
        // Arrival rates are for the course's timing (3 s per floor and stop);
        // scale them with the timing.
        let scale = |ms: u64| ms * u64::from(timing.floor_ms + timing.load_ms) / 3_000;
        let until = scale(900_000);
        // The bait's hops must not overload the car by themselves: that
        // blocks every policy (see `overload_can_block_every_policy`).
        let rate_ms = scale(if matches!(kind, Adversary::Bait) { rate_ms.max(1_500) } else { rate_ms }).max(1);
        let reqs = adversarial(kind, profile, seed, rate_ms, until);
        let bound = starvation_bound_ms(profile.floors, timing);
        let longest = longest_head_wait(profile, timing, PolicyKind::Rate, &reqs, until);
        prop_assert!(longest <= bound, "{:?} on {} {:?}: a head waited {} ms > bound {} ms", kind, profile.name, timing, longest, bound);
    }
}

/// The bait really is bait: the lone rider on the top floor is skipped while
/// the short hops pay better, until ageing sends the car for it, well within
/// the bound.
#[test]
fn ageing_rescues_the_skipped_floor() {
    let profile = &profile::PETS;
    let timing = Timing::COURSE;
    let mut reqs = vec![(0, 5, 4, 0)];
    for i in 0..600u64 {
        let (s, d) = if i % 2 == 0 { (1, 2) } else { (2, 1) };
        reqs.push((i * 1_000, s, d, 0));
    }
    let longest = longest_head_wait(profile, timing, PolicyKind::Rate, &reqs, 600_000);
    let limit = AGE_LIMIT_STOPS * u64::from(timing.floor_ms + timing.load_ms);
    assert!(
        longest > limit,
        "the top floor was not skipped ({longest} ms): not adversarial"
    );
    assert!(
        longest <= starvation_bound_ms(profile.floors, timing),
        "{longest} ms"
    );
}

#[test]
fn stated_bounds_with_course_timing() {
    assert_eq!(starvation_bound_ms(5, Timing::COURSE), 237_000);
    assert_eq!(starvation_bound_ms(6, Timing::COURSE), 320_000);
}

/// Why the bound is conditional: when the arrivals keep two lines long and
/// all go between those two floors, every stop refills the car with them
/// (head-of-line boarding), so no policy can ever make room for a rider on
/// another floor. Every policy leaves the floor-5 rider waiting here.
#[test]
fn overload_can_block_every_policy() {
    let profile = &profile::PETS;
    let timing = Timing::COURSE;
    let mut reqs = vec![(0, 5, 4, 0)];
    for i in 0..1_200u64 {
        let (s, d) = if i % 2 == 0 { (1, 2) } else { (2, 1) };
        reqs.push((i * 500, s, d, 0));
    }
    let bound = starvation_bound_ms(profile.floors, timing);
    for policy in PolicyKind::ALL {
        let longest = longest_head_wait(profile, timing, policy, &reqs, 600_000);
        assert!(
            longest > bound,
            "{} served the blocked floor ({longest} ms)",
            policy.name()
        );
    }
}

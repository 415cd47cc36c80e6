// SPDX-License-Identifier: GPL-2.0

//! The elevator simulator: runs the kernel module's own logic
//! ([`elevator_logic::Building::step`]) in virtual time against seeded
//! workloads, and measures what the course measures.
//!
//! # Virtual time
//!
//! The clock starts at 0 with the elevator started (`IDLE` on floor 1). Every
//! step returns either `Sleep(ms)` (a one-floor move or a stop: the clock jumps
//! by `ms`) or `Wait` (nothing to do: the clock jumps to the next arrival).
//! A request is issued with its own arrival time as soon as the clock reaches
//! it, so a request arriving during a sleep waits in its floor's queue with its
//! true arrival time and is seen by the next step, as in the kernel where the
//! thread sleeps without the lock. The run ends after the last step that
//! starts at or before the horizon (180 s, the course's extra-credit window).
//!
//! # Statistics
//!
//! Every number comes from the step function's events: `Boarded` (wait =
//! boarding time − arrival time) and `Delivered` (trip = delivery time −
//! arrival time). A rider counts as delivered in the window when its
//! `Delivered` event is at or before the horizon. Riders still waiting at the
//! horizon are counted in the "wait incl. waiting" mean and in the max wait
//! with their age at the horizon, so a policy cannot look good by starving.
//!
//! # Upper bound
//!
//! [`upper_bound`] is a bound on the riders *any* policy could deliver in the
//! window; see its documentation.
//!
//! # Seeds and intervals
//!
//! The policies were tuned on [`TUNING_SEEDS`]; the report and the tests
//! use other seeds ([`HELD_OUT_SEEDS`], and its first [`TEST_SEEDS`] in the
//! tests). Every run of every policy on a seed sees the same requests, so
//! differences between two policies are paired per seed; [`paired`] gives
//! their mean with a 95 % t-interval.

pub mod cost;
pub mod offline;

use elevator_logic::{
    issue_growing, Building, Event, HostBuilding, PolicyKind, Profile, Step, Timing,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The course's extra-credit window: 3 minutes.
pub const HORIZON_MS: u64 = 180_000;

/// The seeds the policies' constants were tuned on (and the only ones
/// looked at while tuning).
pub const TUNING_SEEDS: core::ops::Range<u64> = 0..200;

/// The held-out seeds of `make bench-sim`'s report: disjoint from
/// [`TUNING_SEEDS`].
pub const HELD_OUT_SEEDS: core::ops::Range<u64> = 10_000..11_000;

/// The held-out seeds of the tests (`tests/policies.rs`): the first fifth
/// of [`HELD_OUT_SEEDS`], so `cargo test` stays fast.
pub const TEST_SEEDS: core::ops::Range<u64> = 10_000..10_200;

/// One request as the producer or a user issues it (possibly invalid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// Arrival (issue) time in ms.
    pub at_ms: u64,
    /// Start floor as issued.
    pub start: i32,
    /// Destination floor as issued.
    pub dest: i32,
    /// Rider type as issued.
    pub kind: i32,
}

/// The workloads the simulator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// The course's `producer 30` at 0 s, 60 s and 120 s: floors 1–6 (start
    /// != destination), types 0–3; on a 5-floor building about a third are
    /// rejected by `issue_request`, as in the kernel.
    Bursts,
    /// A steady Poisson stream, one request every 8 s on average, floors of
    /// the building.
    Steady8,
    /// A steady Poisson stream, one request every 4 s on average.
    Steady4,
    /// A saturated building: 300 waiting at t=0 spread over the floors, plus
    /// a Poisson stream of one request every 4 s.
    Saturated,
}

impl Workload {
    /// Every workload, in table order.
    pub const ALL: [Workload; 4] = [
        Workload::Bursts,
        Workload::Steady8,
        Workload::Steady4,
        Workload::Saturated,
    ];

    /// Short name for the command line and the table.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Bursts => "bursts",
            Workload::Steady8 => "steady-8s",
            Workload::Steady4 => "steady-4s",
            Workload::Saturated => "saturated",
        }
    }

    /// One-line description for the table.
    pub fn describe(self) -> &'static str {
        match self {
            Workload::Bursts => "`producer 30` at 0 s, 60 s and 120 s (floors 1–6, types 0–3)",
            Workload::Steady8 => "Poisson arrivals, mean one request every 8 s",
            Workload::Steady4 => "Poisson arrivals, mean one request every 4 s",
            Workload::Saturated => "300 waiting at t=0 plus Poisson arrivals every 4 s",
        }
    }

    /// Looks a workload up by name.
    pub fn by_name(name: &str) -> Option<Workload> {
        Self::ALL.iter().copied().find(|w| w.name() == name)
    }

    /// The requests of this workload for `profile` and `seed`, sorted by time.
    pub fn requests(self, profile: &Profile, seed: u64) -> Vec<Request> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ ((self as u64) << 32));
        let floors = i32::from(profile.floors);
        let mut v = Vec::new();
        match self {
            Workload::Bursts => {
                for t in [0, 60_000, 120_000] {
                    producer(&mut rng, 30, t, &mut v);
                }
            }
            Workload::Steady8 => poisson(&mut rng, floors, 8_000.0, &mut v),
            Workload::Steady4 => poisson(&mut rng, floors, 4_000.0, &mut v),
            Workload::Saturated => {
                for _ in 0..300 {
                    v.push(random_request(&mut rng, floors, 0));
                }
                poisson(&mut rng, floors, 4_000.0, &mut v);
            }
        }
        v.sort_by_key(|r| r.at_ms);
        v
    }
}

/// `producer n` at time `at_ms`: like the course's program, floors from 1–6.
pub fn producer<R: Rng>(rng: &mut R, n: usize, at_ms: u64, out: &mut Vec<Request>) {
    for _ in 0..n {
        let kind = rng.gen_range(0..4);
        let start = rng.gen_range(1..=6);
        let mut dest = rng.gen_range(1..=6);
        while dest == start {
            dest = rng.gen_range(1..=6);
        }
        out.push(Request {
            at_ms,
            start,
            dest,
            kind,
        });
    }
}

/// A valid random request on a building of `floors` floors.
pub fn random_request<R: Rng>(rng: &mut R, floors: i32, at_ms: u64) -> Request {
    let start = rng.gen_range(1..=floors);
    let mut dest = rng.gen_range(1..=floors);
    while dest == start {
        dest = rng.gen_range(1..=floors);
    }
    Request {
        at_ms,
        start,
        dest,
        kind: rng.gen_range(0..4),
    }
}

/// Poisson arrivals with mean gap `mean_ms` over the window.
pub fn poisson<R: Rng>(rng: &mut R, floors: i32, mean_ms: f64, out: &mut Vec<Request>) {
    let mut t = 0.0;
    loop {
        let u: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
        t += -mean_ms * u.ln();
        if t > HORIZON_MS as f64 {
            break;
        }
        out.push(random_request(rng, floors, t as u64));
    }
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
pub struct RunStats {
    /// Requests issued (valid ones).
    pub issued: u64,
    /// Requests rejected as invalid.
    pub rejected: u64,
    /// Riders delivered at or before the horizon.
    pub delivered: u64,
    /// Wait (arrival → boarding) of each rider delivered in the window, ms.
    pub waits: Vec<u64>,
    /// Trip (arrival → delivery) of each rider delivered in the window, ms.
    pub trips: Vec<u64>,
    /// Wait of every rider issued in the window: boarding time − arrival for
    /// those who boarded, horizon − arrival for those still waiting, ms.
    pub waits_all: Vec<u64>,
    /// Longest time any rider spent at the head of its floor's line before
    /// boarding (or until the horizon), ms.
    pub max_head_ms: u64,
    /// The upper bound of [`upper_bound`] for this run's requests.
    pub bound: u64,
}

/// Runs `requests` on a fresh building with `policy` until `horizon_ms`.
pub fn run(
    profile: &'static Profile,
    timing: Timing,
    policy: PolicyKind,
    requests: &[Request],
    horizon_ms: u64,
) -> RunStats {
    let mut b: HostBuilding = Building::new(profile, timing, policy);
    b.start().expect("fresh building starts");
    let mut st = RunStats::default();
    let mut events: Vec<Event> = Vec::new();
    let mut valid: Vec<Request> = Vec::new();
    let mut next = 0;
    let mut now = 0u64;
    // Time each floor's current head became head, to measure head-of-line waits.
    let mut max_head = 0u64;
    loop {
        while next < requests.len() && requests[next].at_ms <= now.min(horizon_ms) {
            let r = requests[next];
            next += 1;
            match issue_growing(&mut b, r.start, r.dest, r.kind, r.at_ms) {
                Ok(()) => {
                    st.issued += 1;
                    valid.push(r);
                }
                Err(_) => st.rejected += 1,
            }
        }
        if now > horizon_ms {
            break;
        }
        for f in 1..=profile.floors {
            if !b.queue(f).is_empty() {
                max_head = max_head.max(now - b.head_since(f));
            }
        }
        match b.step(now, &mut |e| events.push(e)) {
            Step::Sleep(ms) => now += u64::from(ms),
            Step::Wait => match requests.get(next) {
                Some(r) if r.at_ms <= horizon_ms => now = r.at_ms,
                _ => break,
            },
        }
    }
    let end = horizon_ms;
    for f in 1..=profile.floors {
        if !b.queue(f).is_empty() {
            max_head = max_head.max(end.saturating_sub(b.head_since(f)));
        }
        for r in b.queue(f).iter() {
            st.waits_all.push(end - r.arrival_ms);
        }
    }
    for e in &events {
        match *e {
            Event::Boarded { rider, at_ms } if at_ms <= end => {
                st.waits_all.push(at_ms - rider.arrival_ms);
            }
            Event::Delivered {
                rider,
                boarded_ms,
                at_ms,
            } if at_ms <= end => {
                st.delivered += 1;
                st.waits.push(boarded_ms - rider.arrival_ms);
                st.trips.push(at_ms - rider.arrival_ms);
            }
            _ => {}
        }
    }
    st.max_head_ms = max_head;
    st.bound = upper_bound(profile, timing, &valid, horizon_ms);
    st
}

/// An upper bound on the riders that any policy can deliver by `horizon_ms`
/// (delivery event at or before it), for these valid requests.
///
/// It is the smallest of four bounds, each sound on its own:
///
/// 1. **Individual**: a rider arriving at `a` needs a boarding stop (at or
///    after `a`, lasting `load`) and `|dest − start|` one-floor moves before
///    its delivery stop starts, so only riders with
///    `a + load + floor·|dest − start| <= horizon` can count.
/// 2. **Seats**: each such rider is aboard for at least
///    `dur = load + floor·|dest − start|` within `[0, horizon]`, and at most
///    `max_riders` are aboard at any moment, so the delivered riders' `dur`
///    sum to at most `max_riders · horizon`: at most as many riders as the
///    smallest durations that fit.
/// 3. **Weight**: likewise `weight · dur` sums to at most
///    `max_weight · horizon`.
/// 4. **Stops**: a delivery stop delivers at most `max_riders`; the first
///    starts no earlier than `load + floor` (a boarding stop and a move), and
///    two delivery stops are at least `load + floor` apart (a second stop on
///    the same floor delivers nobody), so at most
///    `max_riders · ⌊horizon / (load + floor)⌋`.
pub fn upper_bound(profile: &Profile, timing: Timing, valid: &[Request], horizon_ms: u64) -> u64 {
    let load = u64::from(timing.load_ms);
    let floor = u64::from(timing.floor_ms);
    let mut durs = Vec::new();
    let mut wdurs = Vec::new();
    for r in valid {
        let dur = load + floor * u64::from(r.start.abs_diff(r.dest));
        if r.at_ms + dur <= horizon_ms {
            durs.push(dur);
            let w = u64::from(profile.types[r.kind as usize].half_lbs);
            wdurs.push(w * dur);
        }
    }
    let individual = durs.len() as u64;
    let greedy = |mut v: Vec<u64>, budget: u64| {
        v.sort_unstable();
        let mut sum = 0;
        let mut n = 0;
        for d in v {
            sum += d;
            if sum > budget {
                break;
            }
            n += 1;
        }
        n
    };
    let seats = greedy(durs, profile.max_riders as u64 * horizon_ms);
    let weight = greedy(wdurs, u64::from(profile.max_half_lbs) * horizon_ms);
    let stops = profile.max_riders as u64 * (horizon_ms / (load + floor));
    individual.min(seats).min(weight).min(stops)
}

/// Mean of `v` in seconds (0 when empty).
pub fn mean_s(v: &[u64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<u64>() as f64 / v.len() as f64 / 1000.0
    }
}

/// The `p`-th percentile of `v` in seconds (nearest rank; 0 when empty).
pub fn percentile_s(v: &[u64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_unstable();
    let rank = ((p / 100.0) * s.len() as f64).ceil().max(1.0) as usize;
    s[rank.min(s.len()) - 1] as f64 / 1000.0
}

/// Whether two blocks of seeds have no seed in common.
pub fn disjoint(a: &core::ops::Range<u64>, b: &core::ops::Range<u64>) -> bool {
    a.is_empty() || b.is_empty() || a.start >= b.end || b.start >= a.end
}

/// One run's numbers that differences are taken of (paired by seed).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PerRun {
    /// The seed.
    pub seed: u64,
    /// Delivered in the window.
    pub delivered: f64,
    /// Mean wait of every rider (still-waiting ones until the horizon), s.
    pub wait_all: f64,
    /// Mean wait of the riders delivered in the window, s (0 when none).
    pub wait: f64,
}

impl PerRun {
    /// The numbers of `r`, run on `seed`.
    pub fn of(seed: u64, r: &RunStats) -> PerRun {
        PerRun {
            seed,
            delivered: r.delivered as f64,
            wait_all: mean_s(&r.waits_all),
            wait: mean_s(&r.waits),
        }
    }
}

/// A mean difference with its 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Pairs.
    pub n: usize,
    /// Mean of the differences.
    pub mean: f64,
    /// Lower end of the 95 % t-interval.
    pub lo: f64,
    /// Upper end of the 95 % t-interval.
    pub hi: f64,
}

impl Interval {
    /// Whether the whole interval is above zero.
    pub fn above_zero(&self) -> bool {
        self.lo > 0.0
    }

    /// Whether the whole interval is below zero.
    pub fn below_zero(&self) -> bool {
        self.hi < 0.0
    }
}

impl core::fmt::Display for Interval {
    /// `+8.31 [+7.90, +8.72]`
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let p = f.precision().unwrap_or(2);
        write!(f, "{:+.p$} [{:+.p$}, {:+.p$}]", self.mean, self.lo, self.hi)
    }
}

/// The 97.5 % quantile of Student's t distribution with `df` degrees of
/// freedom (exact to 3 decimals from a table up to 30, then the
/// Cornish–Fisher expansion around the normal quantile).
pub fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    if df == 0 {
        return f64::INFINITY;
    }
    if df <= T.len() {
        return T[df - 1];
    }
    let z: f64 = 1.959_964;
    let n = df as f64;
    z + (z.powi(3) + z) / (4.0 * n)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
}

/// Mean of `a[i] − b[i]` with its 95 % t-interval. The two slices are runs
/// on the same seeds, in the same order.
pub fn paired(a: &[f64], b: &[f64]) -> Interval {
    assert_eq!(a.len(), b.len(), "paired samples of different sizes");
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let n = d.len();
    if n == 0 {
        return Interval {
            n,
            mean: 0.0,
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
        };
    }
    let mean = d.iter().sum::<f64>() / n as f64;
    let var = if n > 1 {
        d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64
    } else {
        f64::INFINITY
    };
    let half = t975(n - 1) * (var / n as f64).sqrt();
    Interval {
        n,
        mean,
        lo: mean - half,
        hi: mean + half,
    }
}

/// Statistics of one policy on one workload, over several seeds.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Each run's numbers, in seed order.
    pub per_run: Vec<PerRun>,
    /// Runs merged.
    pub runs: u64,
    /// Requests rejected, summed.
    pub rejected: u64,
    /// Requests issued, summed.
    pub issued: u64,
    /// Delivered in the window, summed.
    pub delivered: u64,
    /// Upper bounds, summed.
    pub bound: u64,
    /// Waits of delivered riders, pooled.
    pub waits: Vec<u64>,
    /// Trips of delivered riders, pooled.
    pub trips: Vec<u64>,
    /// Waits of all riders (still-waiting ones until the horizon), pooled.
    pub waits_all: Vec<u64>,
    /// Longest head-of-line time seen, ms.
    pub max_head_ms: u64,
}

impl Summary {
    /// Adds the run on `seed`.
    pub fn add(&mut self, seed: u64, r: RunStats) {
        self.per_run.push(PerRun::of(seed, &r));
        self.runs += 1;
        self.rejected += r.rejected;
        self.issued += r.issued;
        self.delivered += r.delivered;
        self.bound += r.bound;
        self.waits.extend(r.waits);
        self.trips.extend(r.trips);
        self.waits_all.extend(r.waits_all);
        self.max_head_ms = self.max_head_ms.max(r.max_head_ms);
    }

    /// Mean delivered per run.
    pub fn delivered_per_run(&self) -> f64 {
        self.delivered as f64 / self.runs.max(1) as f64
    }

    /// Mean bound per run.
    pub fn bound_per_run(&self) -> f64 {
        self.bound as f64 / self.runs.max(1) as f64
    }

    /// Mean wait of delivered riders, s.
    pub fn mean_wait(&self) -> f64 {
        mean_s(&self.waits)
    }

    /// Mean wait of every rider, still-waiting ones counted until the horizon, s.
    pub fn mean_wait_all(&self) -> f64 {
        mean_s(&self.waits_all)
    }

    /// Longest wait of any rider (still-waiting ones until the horizon), s.
    pub fn max_wait(&self) -> f64 {
        self.waits_all.iter().copied().max().unwrap_or(0) as f64 / 1000.0
    }
}

/// Runs `workload` on `profile` with `policy` for each of `seeds`.
pub fn summarize(
    profile: &'static Profile,
    timing: Timing,
    policy: PolicyKind,
    workload: Workload,
    seeds: core::ops::Range<u64>,
) -> Summary {
    let mut s = Summary::default();
    for seed in seeds {
        let reqs = workload.requests(profile, seed);
        s.add(seed, run(profile, timing, policy, &reqs, HORIZON_MS));
    }
    s
}

impl Summary {
    /// `self`'s per-run `metric` minus `other`'s, paired by seed, with its
    /// 95 % interval. Panics unless both ran on the same seeds.
    pub fn minus(&self, other: &Summary, metric: fn(&PerRun) -> f64) -> Interval {
        let seeds = |s: &Summary| s.per_run.iter().map(|r| r.seed).collect::<Vec<_>>();
        assert_eq!(seeds(self), seeds(other), "not the same seeds");
        let m = |s: &Summary| s.per_run.iter().map(metric).collect::<Vec<_>>();
        paired(&m(self), &m(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles() {
        assert_eq!(t975(1), 12.706);
        assert_eq!(t975(30), 2.042);
        // Tabulated: 1.984 (100), 1.972 (199), 1.962 (999).
        assert!((t975(100) - 1.984).abs() < 0.001, "{}", t975(100));
        assert!((t975(199) - 1.972).abs() < 0.001, "{}", t975(199));
        assert!((t975(999) - 1.962).abs() < 0.001, "{}", t975(999));
        assert!((t975(31) - 2.040).abs() < 0.001, "{}", t975(31));
    }

    #[test]
    fn paired_interval_by_hand() {
        // Differences 1, 2, 3, 4: mean 2.5, sd sqrt(5/3), t(3) = 3.182.
        let i = paired(&[2.0, 4.0, 6.0, 8.0], &[1.0, 2.0, 3.0, 4.0]);
        let half = 3.182 * (5.0f64 / 3.0 / 4.0).sqrt();
        assert_eq!(i.n, 4);
        assert!((i.mean - 2.5).abs() < 1e-12);
        assert!((i.lo - (2.5 - half)).abs() < 1e-12 && (i.hi - (2.5 + half)).abs() < 1e-12);
        assert!(i.above_zero() && !i.below_zero());
        // Pairing matters: the same values unpaired would straddle zero.
        let j = paired(&[1.0, 5.0, 9.0], &[0.0, 4.0, 8.0]);
        assert_eq!((j.lo, j.hi), (1.0, 1.0));
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The offline planner: a yardstick for the policies.
//!
//! It knows every request of the run in advance and searches over the car's
//! sequences of stops for one that delivers many riders in the window. It
//! plays every candidate with the module's own step function
//! ([`elevator_logic::Building::step_as`]: the same unloading, head-of-line
//! boarding, limits and timing as every policy), so what it finds is a
//! schedule the elevator can really run, and its count is a lower bound on
//! the best any policy could do on that run.
//!
//! # Search
//!
//! A time-synchronous beam search. A node is a building after some sequence
//! of decisions, with its clock. The clock is cut into slices of
//! min(floor, stop) time; slices are taken in order, and in each the best
//! `width` nodes (by [`score`]; duplicates of the same car and lines
//! dropped) are expanded, each into one child per *move*:
//!
//! * **serve f** for every floor `f` where a stop would move somebody now:
//!   go there without stopping and stop (riders get off, the head of the
//!   line boards);
//! * with nothing to do anywhere: **wait** for the next request where the
//!   car stands, or **move one floor** towards the floor of the next
//!   request (the planner knows it).
//!
//! Every move takes at least one slice, so children land in later slices.
//! A node whose clock passes the window is finished; the answer is the
//! finished node with the most deliveries (delivery stop starting at or
//! before the end of the window, as for the policies).
//!
//! The planner does not pass floors where a stop would help without
//! stopping only because "serve f" ends at `f`: any stop on the way is the
//! sequence "serve g, serve f", also searched. It does not anticipate riders
//! who arrive while the car travels to `f` (they are seen at the next
//! decision).

use crate::{Request, HORIZON_MS};
use elevator_logic::policy::Choice;
use elevator_logic::{
    issue_growing, Building, Event, HostBuilding, PolicyKind, Profile, State, Step, Timing,
};
use std::collections::HashMap;

/// A building part-way through a plan.
struct Node {
    b: HostBuilding,
    /// The clock of the next step.
    now: u64,
    /// Where the car stands at the next step (after the move in progress).
    pos: u8,
    /// Requests issued so far.
    next: usize,
    /// Riders delivered at or before the horizon.
    delivered: u64,
    /// Riders delivered at or before the end of the window counted
    /// (the course's, [`HORIZON_MS`], unless [`plan_from`] says otherwise),
    /// when the search looks further.
    in_window: u64,
    /// The clock passed the horizon.
    done: bool,
    /// The first decision of the plan that led here (none at the root).
    first: Option<Choice>,
}

/// What the planner found on one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Riders the best plan found delivers in the window.
    pub delivered: u64,
    /// Of those, riders the same plan delivers within the course's window
    /// ([`HORIZON_MS`]): the same number unless the search looked further
    /// ([`plan_beyond`]).
    pub in_window: u64,
    /// Nodes expanded.
    pub expanded: u64,
    /// The best plan's first decision.
    pub first: Option<Choice>,
}

struct Search<'a> {
    requests: &'a [Request],
    horizon: u64,
    /// The end of the window counted in [`Node::in_window`].
    window: u64,
}

impl Search<'_> {
    /// Issues the requests that have arrived by the node's clock.
    fn arrive(&self, n: &mut Node) {
        issue_until(
            &mut n.b,
            self.requests,
            &mut n.next,
            n.now.min(self.horizon),
        );
        if n.now > self.horizon {
            n.done = true;
        }
    }

    /// One step with `choice` (none when the node finishes first).
    fn step(&self, n: &mut Node, choice: Choice) {
        self.arrive(n);
        if n.done {
            return;
        }
        let (horizon, window) = (self.horizon, self.window);
        let (mut delivered, mut in_window) = (0, 0);
        let step = n.b.step_as(choice, n.now, &mut |e| {
            if let Event::Delivered { at_ms, .. } = e {
                if at_ms <= horizon {
                    delivered += 1;
                }
                if at_ms <= window {
                    in_window += 1;
                }
            }
        });
        n.delivered += delivered;
        n.in_window += in_window;
        match step {
            Step::Sleep(ms) => {
                if let Choice::Go(t) = choice {
                    n.pos = if t > n.pos { n.pos + 1 } else { n.pos - 1 };
                }
                n.now += u64::from(ms);
            }
            Step::Wait => match self.requests.get(n.next) {
                Some(r) if r.at_ms <= self.horizon => n.now = r.at_ms,
                _ => n.done = true,
            },
        }
        self.arrive(n);
    }

    /// The children of `n`: one per move.
    fn children(&self, n: &Node, out: &mut Vec<Node>) {
        let floors = n.b.profile().floors;
        let copy = |n: &Node| Node {
            b: n.b.try_clone().expect("host allocation"),
            now: n.now,
            pos: n.pos,
            next: n.next,
            delivered: n.delivered,
            in_window: n.in_window,
            done: n.done,
            first: n.first,
        };
        if n.b.has_work() {
            for f in (1..=floors).filter(|&f| n.b.work_at(f)) {
                let mut c = copy(n);
                c.first.get_or_insert(if c.pos == f {
                    Choice::Stop
                } else {
                    Choice::Go(f)
                });
                while c.pos != f && !c.done {
                    self.step(&mut c, Choice::Go(f));
                }
                if !c.done {
                    // Riders only join lines while the car travels, and the
                    // car's load is unchanged, so the stop still moves somebody.
                    debug_assert!(c.b.work_at(f));
                    self.step(&mut c, Choice::Stop);
                }
                out.push(c);
            }
            return;
        }
        let mut c = copy(n);
        c.first.get_or_insert(Choice::Idle);
        self.step(&mut c, Choice::Idle);
        out.push(c);
        if let Some(r) = self.requests.get(n.next) {
            let g = r.start;
            if (1..=i32::from(floors)).contains(&g) && g != i32::from(n.pos) {
                let mut c = copy(n);
                c.first.get_or_insert(Choice::Go(g as u8));
                self.step(&mut c, Choice::Go(g as u8));
                out.push(c);
            }
        }
    }
}

/// A node's promise, to rank nodes of the same time slice: riders
/// delivered, plus part of a rider for each one aboard (more the closer to
/// its floor), less the time the node has used beyond the slice's start
/// (about one delivery per 2 s when busy).
pub fn score(delivered: u64, aboard_floors_to_go: &[u8], late_ms: u64) -> f64 {
    let aboard: f64 = aboard_floors_to_go
        .iter()
        .map(|&d| 0.6 - 0.1 * f64::from(d))
        .sum();
    delivered as f64 + aboard - late_ms as f64 / 2000.0
}

fn node_score(n: &Node, slice_start: u64) -> f64 {
    let mut togo = [0u8; elevator_logic::MAX_ABOARD];
    let riders = n.b.car().riders();
    for (t, r) in togo.iter_mut().zip(riders) {
        *t = r.dest.abs_diff(n.pos);
    }
    score(
        n.delivered,
        &togo[..riders.len()],
        n.now.saturating_sub(slice_start),
    )
}

/// What makes two nodes the same for the rest of the run: the car's
/// floor and riders, every line, the requests issued. (The clock is within
/// one slice.)
fn signature(n: &Node) -> Vec<u64> {
    let b = &n.b;
    let mut v = vec![u64::from(n.pos), n.next as u64, b.serviced(), b.waiting()];
    let mut car: Vec<u64> = b
        .car()
        .riders()
        .iter()
        .map(|r| r.arrival_ms << 16 | u64::from(r.start) << 8 | u64::from(r.dest))
        .collect();
    car.sort_unstable();
    v.extend(car);
    for f in 1..=b.profile().floors {
        v.push(b.queue(f).len() as u64);
    }
    v
}

/// Plans `requests` on `profile` with beam width `width`.
pub fn plan(profile: &'static Profile, timing: Timing, requests: &[Request], width: usize) -> Plan {
    plan_beyond(profile, timing, requests, width, HORIZON_MS)
}

/// Like [`plan`], but searching for the plan that delivers most by
/// `horizon_ms` instead of by the end of the course's window; its
/// [`Plan::in_window`] is what that plan delivers within the window. With
/// a horizon past the window, the planner knows every request but not when
/// counting stops, as a policy does not: the difference shows what knowing
/// the window's end is worth.
pub fn plan_beyond(
    profile: &'static Profile,
    timing: Timing,
    requests: &[Request],
    width: usize,
    horizon_ms: u64,
) -> Plan {
    // The policy of the building is never consulted: every step is forced.
    let mut b: HostBuilding = Building::new(profile, timing, PolicyKind::Look);
    b.start().expect("fresh building starts");
    plan_from(b, 0, requests, 0, width, horizon_ms, HORIZON_MS)
}

/// Like [`plan_beyond`], from a building part-way through a run: `b` at
/// `now` (its next step, which finishes any move in progress), after the
/// first `issued` of `requests` were issued; the search looks
/// for the plan that delivers most by `horizon_ms`, and
/// [`Plan::delivered`] and [`Plan::in_window`] count deliveries from `now`
/// on, by `horizon_ms` and by `window_ms`.
pub fn plan_from(
    b: HostBuilding,
    now: u64,
    requests: &[Request],
    issued: usize,
    width: usize,
    horizon_ms: u64,
    window_ms: u64,
) -> Plan {
    let timing = b.timing();
    let search = Search {
        requests,
        horizon: horizon_ms,
        window: window_ms,
    };
    let pos = b.floor_after_move();
    let mut root = Node {
        b,
        now,
        pos,
        next: issued,
        delivered: 0,
        in_window: 0,
        done: false,
        first: None,
    };
    search.arrive(&mut root);
    let slice = u64::from(timing.floor_ms.min(timing.load_ms)).max(1);
    let mut buckets: Vec<Vec<Node>> = Vec::new();
    // The best finished plan: (delivered, in_window, first decision), the
    // first found of the most delivered (any finished plan beats none).
    let mut best = (0, 0, None);
    let mut expanded = 0;
    let put = |n: Node,
               buckets: &mut Vec<Vec<Node>>,
               best: &mut (u64, u64, Option<Choice>),
               min_bucket: usize| {
        if n.done {
            if n.delivered > best.0 || best.2.is_none() {
                *best = (n.delivered, n.in_window, n.first);
            }
            return;
        }
        let k = ((n.now / slice) as usize).max(min_bucket);
        if buckets.len() <= k {
            buckets.resize_with(k + 1, Vec::new);
        }
        buckets[k].push(n);
    };
    put(root, &mut buckets, &mut best, 0);
    let mut k = 0;
    let mut kids = Vec::new();
    while k < buckets.len() {
        let mut nodes = std::mem::take(&mut buckets[k]);
        let start = k as u64 * slice;
        let mut ranked: Vec<(f64, usize)> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (node_score(n, start), i))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut seen = HashMap::new();
        let mut keep = Vec::new();
        for (_, i) in ranked {
            if keep.len() == width {
                break;
            }
            if seen.insert(signature(&nodes[i]), ()).is_none() {
                keep.push(i);
            }
        }
        keep.sort_unstable();
        for (j, n) in nodes.drain(..).enumerate() {
            if keep.binary_search(&j).is_err() {
                continue;
            }
            expanded += 1;
            search.children(&n, &mut kids);
            for c in kids.drain(..) {
                put(c, &mut buckets, &mut best, k + 1);
            }
        }
        k += 1;
    }
    Plan {
        delivered: best.0,
        in_window: best.1,
        expanded,
        first: best.2,
    }
}

/// Issues to `b` the requests from `requests[*next]` on that arrive by
/// `until_ms`, moving `next` past them; invalid ones are refused, as in
/// `run`.
fn issue_until(b: &mut HostBuilding, requests: &[Request], next: &mut usize, until_ms: u64) {
    while let Some(r) = requests.get(*next).filter(|r| r.at_ms <= until_ms) {
        *next += 1;
        let _ = issue_growing(b, r.start, r.dest, r.kind, r.at_ms);
    }
}

/// One stretch of a run, the future hidden: what a policy delivers from
/// its own state at `from_ms` to `to_ms`, against the planner from the same
/// state (see [`stretch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretch {
    /// The policy's deliveries in the stretch.
    pub policy: u64,
    /// The planner's, told that counting stops at `to_ms`.
    pub cut_known: u64,
    /// The planner's within the stretch when it plans [`BLIND_EXTRA_MS`]
    /// beyond `to_ms` (not told when counting stops).
    pub cut_blind: u64,
}

/// How far beyond the end of the counted window the window-blind planner
/// plans (as the report's, which plans to 240 s and counts at 180 s).
pub const BLIND_EXTRA_MS: u64 = 60_000;

/// Runs `policy` on the requests of `requests` that arrive by `to_ms`
/// and takes the building at its first step at or after `from_ms` with
/// the car standing at a floor; from there, counts the deliveries by
/// `to_ms` of the policy and of the planner (beam `width`), which knows
/// the requests the policy has seen and none to come (requests after
/// `to_ms` are left out: they cannot be delivered in the stretch, and the
/// window-blind plan would otherwise know them). So the two differ only in
/// the search and in knowing when counting stops.
pub fn stretch(
    profile: &'static Profile,
    timing: Timing,
    policy: PolicyKind,
    requests: &[Request],
    from_ms: u64,
    to_ms: u64,
    width: usize,
) -> Stretch {
    let requests: Vec<Request> = requests
        .iter()
        .copied()
        .filter(|r| r.at_ms <= to_ms)
        .collect();
    let mut b: HostBuilding = Building::new(profile, timing, policy);
    b.start().expect("fresh building starts");
    let (mut next, mut now) = (0, 0u64);
    let mut snapshot = None;
    let mut delivered = 0;
    loop {
        issue_until(&mut b, &requests, &mut next, now.min(to_ms));
        if now > to_ms {
            break;
        }
        if snapshot.is_none() && now >= from_ms && !matches!(b.state(), State::Up | State::Down) {
            snapshot = Some((b.try_clone().expect("host allocation"), now, next));
        }
        let step = b.step(now, &mut |e| {
            if let Event::Delivered { at_ms, .. } = e {
                if snapshot.is_some() && at_ms <= to_ms {
                    delivered += 1;
                }
            }
        });
        match step {
            Step::Sleep(ms) => now += u64::from(ms),
            Step::Wait => match requests.get(next) {
                Some(r) => now = r.at_ms,
                None => break,
            },
        }
    }
    let Some((b, at, issued)) = snapshot else {
        // Idle from before `from_ms` to the end: nothing to deliver.
        return Stretch {
            policy: delivered,
            cut_known: 0,
            cut_blind: 0,
        };
    };
    let blind = b.try_clone().expect("host allocation");
    Stretch {
        policy: delivered,
        cut_known: plan_from(b, at, &requests, issued, width, to_ms, to_ms).delivered,
        cut_blind: plan_from(
            blind,
            at,
            &requests,
            issued,
            width,
            to_ms + BLIND_EXTRA_MS,
            to_ms,
        )
        .in_window,
    }
}

/// [`stretch`] on every seed of `seeds` (in order), spread over the CPUs.
#[allow(clippy::too_many_arguments)]
pub fn stretch_seeds(
    profile: &'static Profile,
    timing: Timing,
    policy: PolicyKind,
    workload: crate::Workload,
    seeds: core::ops::Range<u64>,
    from_ms: u64,
    to_ms: u64,
    width: usize,
) -> Vec<Stretch> {
    per_seed(seeds, |seed| {
        let reqs = workload.requests(profile, seed);
        stretch(profile, timing, policy, &reqs, from_ms, to_ms, width)
    })
}

/// `f` on every seed of `seeds`, in order, spread over the CPUs.
fn per_seed<T: Send>(seeds: core::ops::Range<u64>, f: impl Fn(u64) -> T + Sync) -> Vec<T> {
    let seeds: Vec<u64> = seeds.collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = seeds.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = seeds
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(|&seed| f(seed)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("per-seed thread"))
            .collect()
    })
}

/// [`plan`] on every seed of `seeds` (in order), spread over the CPUs.
pub fn plan_seeds(
    profile: &'static Profile,
    timing: Timing,
    workload: crate::Workload,
    seeds: core::ops::Range<u64>,
    width: usize,
) -> Vec<Plan> {
    plan_seeds_beyond(profile, timing, workload, seeds, width, HORIZON_MS)
}

/// [`plan_beyond`] on every seed of `seeds` (in order), spread over the CPUs.
pub fn plan_seeds_beyond(
    profile: &'static Profile,
    timing: Timing,
    workload: crate::Workload,
    seeds: core::ops::Range<u64>,
    width: usize,
    horizon_ms: u64,
) -> Vec<Plan> {
    per_seed(seeds, |seed| {
        let reqs = workload.requests(profile, seed);
        plan_beyond(profile, timing, &reqs, width, horizon_ms)
    })
}

/// Who drives the car in [`online`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    /// The policy of the building.
    Policy(PolicyKind),
    /// The planner (beam `width`) used as a policy: it knows the requests
    /// issued so far and none to come, and at every step makes the first
    /// decision of its best plan. `told`: the plan is for the deliveries
    /// by the end of the window (it is told when counting stops);
    /// otherwise for those in the next [`ONLINE_LOOKAHEAD_MS`] at every step
    /// (as far ahead as a told planner at the start).
    Planner {
        /// Beam width.
        width: usize,
        /// Told when counting stops.
        told: bool,
    },
}

/// How far ahead the planner used online and not told when counting stops
/// plans at every step: the window's length.
pub const ONLINE_LOOKAHEAD_MS: u64 = HORIZON_MS;

/// Runs `requests` with `driver` at the wheel and returns the riders
/// delivered in each minute of the window (a delivery counts in the
/// minute its stop starts in; a stop starting on a minute's last
/// millisecond counts in that minute).
pub fn online(
    profile: &'static Profile,
    timing: Timing,
    requests: &[Request],
    driver: Driver,
) -> Vec<u64> {
    let kind = match driver {
        Driver::Policy(k) => k,
        // Never consulted: every step is forced.
        Driver::Planner { .. } => PolicyKind::Look,
    };
    let mut b: HostBuilding = Building::new(profile, timing, kind);
    b.start().expect("fresh building starts");
    let mut per_minute = vec![0; HORIZON_MS.div_ceil(60_000) as usize];
    let (mut next, mut now) = (0, 0u64);
    loop {
        issue_until(&mut b, requests, &mut next, now.min(HORIZON_MS));
        if now > HORIZON_MS {
            break;
        }
        let mut count = |e: Event| {
            if let Event::Delivered { at_ms, .. } = e {
                if at_ms <= HORIZON_MS {
                    per_minute[(at_ms.saturating_sub(1) / 60_000) as usize] += 1;
                }
            }
        };
        let step = match driver {
            Driver::Planner { width, told } if b.has_work() => {
                let horizon = if told {
                    HORIZON_MS
                } else {
                    now + ONLINE_LOOKAHEAD_MS
                };
                let copy = b.try_clone().expect("host allocation");
                let plan = plan_from(copy, now, &requests[..next], next, width, horizon, horizon);
                // With work to do, every plan makes a first decision.
                let first = plan.first.expect("a plan with work to do decides");
                b.step_as(first, now, &mut count)
            }
            _ => b.step(now, &mut count),
        };
        match step {
            Step::Sleep(ms) => now += u64::from(ms),
            Step::Wait => match requests.get(next) {
                Some(r) => now = r.at_ms,
                None => break,
            },
        }
    }
    per_minute
}

/// [`online`] on every seed of `seeds` (in order), spread over the CPUs.
pub fn online_seeds(
    profile: &'static Profile,
    timing: Timing,
    workload: crate::Workload,
    seeds: core::ops::Range<u64>,
    driver: Driver,
) -> Vec<Vec<u64>> {
    per_seed(seeds, |seed| {
        let reqs = workload.requests(profile, seed);
        online(profile, timing, &reqs, driver)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{run, upper_bound, Workload};
    use elevator_logic::{profile, PROFILES};

    /// A rider who arrives 6 s before the end on the top floor can only be
    /// delivered by a car already waiting there: every policy waits on
    /// floor 1 and misses it, the planner, knowing the future, does not.
    #[test]
    fn uses_its_knowledge_of_the_future() {
        let p = &profile::PETS;
        let reqs = [Request {
            at_ms: HORIZON_MS - 6_000,
            start: 5,
            dest: 4,
            kind: 0,
        }];
        for k in PolicyKind::ALL {
            assert_eq!(run(p, Timing::COURSE, k, &reqs, HORIZON_MS).delivered, 0);
        }
        assert_eq!(plan(p, Timing::COURSE, &reqs, 4).delivered, 1);
    }

    #[test]
    fn never_beats_the_bound_and_beats_look_when_saturated() {
        for w in Workload::ALL {
            for p in PROFILES {
                for seed in 0..2 {
                    let reqs = w.requests(p, seed);
                    let valid: Vec<Request> = reqs
                        .iter()
                        .copied()
                        .filter(|r| elevator_logic::validate(p, r.start, r.dest, r.kind).is_ok())
                        .collect();
                    let planned = plan(p, Timing::COURSE, &reqs, 8).delivered;
                    let bound = upper_bound(p, Timing::COURSE, &valid, HORIZON_MS);
                    assert!(planned <= bound, "{} {} {seed}", w.name(), p.name);
                    if w == Workload::Saturated {
                        let look = run(p, Timing::COURSE, PolicyKind::Look, &reqs, HORIZON_MS);
                        assert!(planned > look.delivered, "{} {seed}", p.name);
                    }
                }
            }
        }
    }
}

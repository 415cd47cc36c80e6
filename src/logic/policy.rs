// SPDX-License-Identifier: GPL-2.0

//! Scheduling policies: where the car goes next and where it stops.
//!
//! A policy is consulted once per step, with the car standing at a floor. It
//! answers [`Choice::Stop`] (stop here: riders for this floor get off, then
//! the head of this floor's line boards), [`Choice::Go`] (move one floor
//! towards a target) or [`Choice::Idle`]. A policy only stops where a stop
//! moves somebody, and only idles when nothing is left to do.
//!
//! The baselines are what peers write: [`PolicyKind::Fifo`],
//! [`PolicyKind::Scan`], [`PolicyKind::Look`] and [`PolicyKind::Nearest`].
//! The project's own policy is [`PolicyKind::Rate`]; see its documentation.

use super::{Building, Dir, Slots};

/// The available policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Serve the oldest request, one destination at a time: deliver the
    /// oldest rider aboard, or fetch the oldest waiting rider. Stops only at
    /// its target.
    Fifo,
    /// Sweep from floor 1 to the top and back, stopping wherever somebody
    /// gets off or on.
    Scan,
    /// Like SCAN, but reverse as soon as nothing is ahead.
    Look,
    /// Go to the nearest floor where somebody gets off or on.
    Nearest,
    /// The project's policy: rate-greedy stops with ageing (the default).
    ///
    /// At every floor it scores each floor `f` where a stop would move
    /// somebody by `gain(f) / time(f)`: `gain` counts the riders delivered
    /// there plus half of those who would board, `time` is the travel time
    /// plus one stop. It stops here when here scores best, else it moves
    /// towards the best floor. With head-of-line boarding, that stops where
    /// the car delivers most per second and never carries wrong-way riders
    /// around a sweep for nothing.
    ///
    /// Ageing: when the head of a floor's line has been at the head for
    /// longer than [`AGE_LIMIT_STOPS`] stop-and-move times, the policy
    /// serves that floor first (oldest head first): it goes straight there
    /// and stops whenever the head fits, and when the car is too full it
    /// delivers the nearest riders first. So a floor's head is served
    /// within a bounded time once the car can take them.
    Rate,
}

impl PolicyKind {
    /// Every policy, the project's first.
    pub const ALL: [PolicyKind; 5] = [
        PolicyKind::Rate,
        PolicyKind::Look,
        PolicyKind::Scan,
        PolicyKind::Fifo,
        PolicyKind::Nearest,
    ];

    /// Name used by the module parameter `policy=` and the simulator.
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Fifo => "fifo",
            PolicyKind::Scan => "scan",
            PolicyKind::Look => "look",
            PolicyKind::Nearest => "nearest",
            PolicyKind::Rate => "rate",
        }
    }

    /// Looks a policy up by name.
    pub fn by_name(name: &[u8]) -> Option<PolicyKind> {
        Self::ALL
            .iter()
            .copied()
            .find(|p| p.name().as_bytes() == name)
    }
}

/// A policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Stop at the current floor.
    Stop,
    /// Move one floor towards this floor.
    Go(u8),
    /// Nothing to do.
    Idle,
}

/// A floor's head is served first once it has waited this many
/// "stop plus one floor" times at the head of its line (the rate policy's
/// ageing threshold; with the course's timing, 20 × 3 s = 60 s).
pub const AGE_LIMIT_STOPS: u64 = 20;

/// A policy and the little state it keeps between steps.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    kind: PolicyKind,
    dir: Dir,
    target: Option<u8>,
}

impl Policy {
    /// A fresh policy heading up.
    pub fn new(kind: PolicyKind) -> Policy {
        Policy {
            kind,
            dir: Dir::Up,
            target: None,
        }
    }

    /// Which policy this is.
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// Forgets direction and target (on start and on going offline).
    pub fn reset(&mut self) {
        *self = Policy::new(self.kind);
    }

    /// Decides the next action for the car standing at `b.floor()`.
    pub fn choose<S: Slots>(&mut self, b: &Building<S>, now: u64) -> Choice {
        if !b.has_work() {
            return Choice::Idle;
        }
        let c = match self.kind {
            PolicyKind::Fifo => self.fifo(b),
            PolicyKind::Scan => self.sweep(b, false),
            PolicyKind::Look => self.sweep(b, true),
            PolicyKind::Nearest => self.nearest(b),
            PolicyKind::Rate => self.rate(b, now),
        };
        if let Choice::Go(t) = c {
            self.dir = if t > b.floor() { Dir::Up } else { Dir::Down };
        }
        c
    }

    fn fifo<S: Slots>(&mut self, b: &Building<S>) -> Choice {
        let here = b.floor();
        let target = if let Some(r) = b.car().riders().iter().min_by_key(|r| r.arrival_ms) {
            Some(r.dest)
        } else {
            // The oldest waiting rider is at the head of its floor's line.
            (1..=b.profile().floors)
                .filter_map(|f| b.queue(f).front().map(|r| (r.arrival_ms, f)))
                .min()
                .map(|(_, f)| f)
        };
        self.target = target;
        match target {
            Some(t) if t == here && b.work_at(here) => Choice::Stop,
            Some(t) if t != here => Choice::Go(t),
            _ => nearest_work(b, self.dir).map_or(Choice::Idle, Choice::Go),
        }
    }

    fn sweep<S: Slots>(&mut self, b: &Building<S>, look: bool) -> Choice {
        let here = b.floor();
        let top = b.profile().floors;
        if b.work_at(here) {
            return Choice::Stop;
        }
        let wanted =
            |f: u8| b.aboard_for(f) > 0 || (!b.is_deactivating() && !b.queue(f).is_empty());
        let ahead = |d: Dir| match d {
            Dir::Up => (here + 1..=top).any(wanted),
            Dir::Down => (1..here).any(wanted),
        };
        let mut dir = self.dir;
        if look {
            if !ahead(dir) {
                dir = flip(dir);
                if !ahead(dir) {
                    return nearest_work(b, self.dir).map_or(Choice::Idle, Choice::Go);
                }
            }
        } else if (dir == Dir::Up && here == top) || (dir == Dir::Down && here == 1) {
            dir = flip(dir);
        }
        Choice::Go(match dir {
            Dir::Up => top,
            Dir::Down => 1,
        })
    }

    fn nearest<S: Slots>(&mut self, b: &Building<S>) -> Choice {
        if b.work_at(b.floor()) {
            return Choice::Stop;
        }
        nearest_work(b, self.dir).map_or(Choice::Idle, Choice::Go)
    }

    fn rate<S: Slots>(&mut self, b: &Building<S>, now: u64) -> Choice {
        let here = b.floor();
        let t = b.timing();
        let cost =
            |f: u8| u64::from(here.abs_diff(f)) * u64::from(t.floor_ms) + u64::from(t.load_ms);
        // Ageing: the floor whose head has waited longest, if over the limit.
        let limit = AGE_LIMIT_STOPS * (u64::from(t.floor_ms) + u64::from(t.load_ms));
        if !b.is_deactivating() {
            let oldest = (1..=b.profile().floors)
                .filter(|&f| !b.queue(f).is_empty())
                .map(|f| (b.head_since(f), f))
                .min();
            if let Some((since, f)) = oldest {
                if now.saturating_sub(since) > limit {
                    if let Some(c) = self.rescue(b, f) {
                        return c;
                    }
                }
            }
        }
        // Score = gain / time, compared exactly as gain_a * time_b > gain_b * time_a,
        // with gain in half riders (a delivery counts 2, a boarding 1).
        let mut best: Option<(u64, u64, u8)> = None;
        for f in 1..=b.profile().floors {
            let gain = 2 * b.aboard_for(f) as u64 + b.would_board(f) as u64;
            if gain == 0 {
                continue;
            }
            let time = cost(f);
            let better = match best {
                None => true,
                Some((g, c, bf)) => {
                    let lhs = gain * c;
                    let rhs = g * time;
                    lhs > rhs || (lhs == rhs && here.abs_diff(f) < here.abs_diff(bf))
                }
            };
            if better {
                best = Some((gain, time, f));
            }
        }
        match best {
            Some((_, _, f)) if f == here => Choice::Stop,
            Some((_, _, f)) => Choice::Go(f),
            None => nearest_work(b, self.dir).map_or(Choice::Idle, Choice::Go),
        }
    }

    /// Serves the aged head of floor `f`: go there and stop if it would board;
    /// otherwise make room by delivering at the nearest destination. `None`
    /// when there is nothing sensible to do for it right now.
    fn rescue<S: Slots>(&mut self, b: &Building<S>, f: u8) -> Option<Choice> {
        let here = b.floor();
        if b.would_board(f) > 0 || b.aboard_for(f) > 0 {
            return Some(if f == here {
                Choice::Stop
            } else {
                Choice::Go(f)
            });
        }
        // The head does not fit even after unloading at `f`: deliver the
        // nearest riders aboard first.
        let d = b
            .car()
            .riders()
            .iter()
            .map(|r| r.dest)
            .min_by_key(|&d| (here.abs_diff(d), d.abs_diff(f)))?;
        Some(if d == here {
            Choice::Stop
        } else {
            Choice::Go(d)
        })
    }
}

fn flip(d: Dir) -> Dir {
    match d {
        Dir::Up => Dir::Down,
        Dir::Down => Dir::Up,
    }
}

/// The nearest other floor where a stop would move somebody, preferring the
/// current direction on ties.
fn nearest_work<S: Slots>(b: &Building<S>, dir: Dir) -> Option<u8> {
    let here = b.floor();
    (1..=b.profile().floors)
        .filter(|&f| f != here && b.work_at(f))
        .min_by_key(|&f| {
            let along = match dir {
                Dir::Up => f > here,
                Dir::Down => f < here,
            };
            (here.abs_diff(f), !along)
        })
}

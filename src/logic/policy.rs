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
//! [`PolicyKind::FifoOff`], [`PolicyKind::Scan`], [`PolicyKind::Look`],
//! [`PolicyKind::Nearest`] and [`PolicyKind::Peer`]. The project's own
//! policy is [`PolicyKind::Rate`]; see its documentation.
//!
//! Offline planners (the simulator's) drive the same step function with
//! their own choices through [`Building::step_as`] and copy buildings with
//! [`Building::try_clone`]; the module never calls either.

use super::queue::{Queue, INITIAL_CAPACITY};
use super::{AllocError, Building, Dir, Event, Slots, Step, Timing, MAX_ABOARD, MAX_FLOORS};

/// The available policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Serve the oldest request, one destination at a time: deliver the
    /// oldest rider aboard, or fetch the oldest waiting rider. Stops only at
    /// its target.
    Fifo,
    /// FIFO as peers usually write it: serve the oldest request like
    /// [`PolicyKind::Fifo`], but also stop wherever a rider aboard gets off
    /// (and, since boarding is head-of-line at every stop, let that floor's
    /// line board).
    FifoOff,
    /// Sweep from floor 1 to the top and back, stopping wherever somebody
    /// gets off or on.
    Scan,
    /// Like SCAN, but reverse as soon as nothing is ahead.
    Look,
    /// Go to the nearest floor where somebody gets off or on.
    Nearest,
    /// The peers' common policy: when the car is empty, go to the nearest
    /// floor where somebody waits; otherwise go to the destination of the
    /// first rider aboard; stop wherever somebody gets off or on.
    Peer,
    /// The project's policy (the default): plan stops ahead, exactly as
    /// head-of-line boarding will play them out, and go to the first stop
    /// of the best plan; with ageing.
    ///
    /// **Planning.** The policy sees the car and the lines, so it can
    /// simulate any sequence of stops exactly: who gets off, and who boards
    /// (the head of each line, in order, while they fit, whatever their
    /// direction). The car then stops here or moves one floor towards the
    /// best plan's first stop, and plans again at the next floor.
    ///
    /// *Quiet building* (fewer than [`BUSY_WAITING`] waiting): it tries
    /// every sequence of up to [`PLAN_STOPS`] stops at floors where a stop
    /// moves somebody, and values each one by its deliveries
    /// ([`DELIVER_GAIN`]) and boardings ([`BOARD_GAIN`]), each discounted
    /// by when it happens (`tau / (tau + t)`, `tau` = [`DISCOUNT_STOPS`] ×
    /// (floor + stop) / 3), plus what the plan leaves for later:
    /// [`HORIZON_GAIN`] plus, per rider still aboard, [`SEAT_GAIN`] less
    /// [`SEAT_FLOOR_COST`] per floor they still have to go, discounted by
    /// the plan's length. Early deliveries keep waits short.
    ///
    /// *Busy building*: what matters is the pace of deliveries over the
    /// next minutes, not the next few stops, so it beam-searches plans up
    /// to [`BEAM_HORIZON_STOPS`] (floor + stop) times long (2 minutes with
    /// the course's timing), keeping at each depth the [`BEAM`] plans of
    /// best pace: deliveries plus what is aboard, per unit of time (see
    /// `Planner::pace`). Long plans keep the car from carrying
    /// wrong-way riders around whole sweeps as LOOK does, and pick the
    /// lines whose heads make good loads together. With fewer than
    /// [`AREA_WAITING`] waiting (a building that can be cleared, such as
    /// after a `producer` burst), it ranks plans instead by the area under
    /// their curve of deliveries over the next [`AREA_HORIZON_STOPS`]
    /// (floor + stop) times, so that riders are delivered early as well as
    /// fast (see `Planner::area`).
    ///
    /// Both searches are bounded (at most 6^`PLAN_STOPS` plans, or
    /// (`BEAM_HORIZON_STOPS` + 1) × `BEAM` × floors extensions), allocate
    /// nothing and look only at the first 40 riders of each line, so a
    /// decision costs the same with 10 or 100,000 waiting
    /// (`docs/bench-sim.md` measures it).
    ///
    /// **Ageing and the starvation bound.** A rider who has been at the
    /// head of its floor's line for `L` = [`AGE_LIMIT_STOPS`] × (floor +
    /// stop) (60 s with the course's timing) is *aged*. The aged head that
    /// has been at the head longest is then served before anything else,
    /// by a *rescue* of at most [`RESCUE_STOPS`] stops that ends with that
    /// head boarding (the stops before the last one make room by
    /// delivering riders, with the boarding each of them forces): at its
    /// start and after each of its stops, the car takes, of the sequences
    /// of at most the stops the rescue has left that end with the head
    /// boarding, the one of best pace, and travels to its first stop
    /// without changing its mind, each stop after at most `F − 1` floors.
    /// Heads younger than it never come first, so with `F` floors
    /// a head waits behind at most `F - 1` older ones, and each rescue
    /// takes at most `R` = (`RESCUE_STOPS` − 1) × ((`F` − 1) × floor +
    /// stop) + (`F` − 1) × floor. The policy notices an aged head at its
    /// next step, at most max(floor, stop) later. Hence, while the elevator
    /// runs, every rider boards at most [`starvation_bound_ms`] = `L` +
    /// max(floor, stop) + `F` × `R` after reaching the head of its line
    /// (237 s on 5 floors, 320 s on 6 floors with the course's timing), and
    /// a rider with `k` riders ahead of it boards within `(k + 1)` times
    /// that. The bound needs a sequence of at most
    /// `RESCUE_STOPS` stops that makes room: with head-of-line boarding at
    /// every stop, an overloaded building whose arrivals keep every line
    /// long and never go to the head's floor can keep any car full forever
    /// whatever the policy; then the car makes the stop that leaves most
    /// room for the head until a rescue sequence appears. The property
    /// tests check the bound on adversarial workloads
    /// (`userspace/elevator-logic/tests/props.rs`).
    Rate,
}

impl PolicyKind {
    /// Every policy, the project's first.
    pub const ALL: [PolicyKind; 7] = [
        PolicyKind::Rate,
        PolicyKind::Look,
        PolicyKind::Scan,
        PolicyKind::Fifo,
        PolicyKind::FifoOff,
        PolicyKind::Nearest,
        PolicyKind::Peer,
    ];

    /// Name used by the module parameter `policy=` and the simulator.
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Fifo => "fifo",
            PolicyKind::FifoOff => "fifo-off",
            PolicyKind::Scan => "scan",
            PolicyKind::Look => "look",
            PolicyKind::Nearest => "nearest",
            PolicyKind::Peer => "peer",
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

/// Stops the rate policy plans ahead.
pub const PLAN_STOPS: usize = 4;

/// Most stops of a rescue of an aged head (the last one boards the head).
pub const RESCUE_STOPS: usize = 4;

/// Value of a delivery in a plan.
pub const DELIVER_GAIN: u64 = 4;

/// Value of a boarding in a plan.
pub const BOARD_GAIN: u64 = 2;

/// Value of what a plan leaves for later (the elevator goes on after it).
pub const HORIZON_GAIN: u64 = 20;

/// Value of a rider still aboard at the end of a plan...
pub const SEAT_GAIN: u64 = 4;

/// ...less this much per floor that rider still has to travel.
pub const SEAT_FLOOR_COST: u64 = 2;

/// Discount time constant, in "stop plus one floor" times divided by 3
/// (10 s with the course's timing): an event `t` ahead is worth
/// `tau / (tau + t)`.
pub const DISCOUNT_STOPS: u64 = 10;

/// With at least this many riders waiting, the building is busy and the
/// rate policy plans with its beam search ([`BEAM`] plans,
/// [`BEAM_HORIZON_STOPS`] ahead); below, with its exhaustive
/// [`PLAN_STOPS`]-stop search.
pub const BUSY_WAITING: u64 = 10;

/// Plans the busy search keeps at each depth (32: on the tuning seeds,
/// 0.4 to 0.7 more riders delivered per run in a saturated building than
/// 16; the kthread runs the search without the building's mutex).
pub const BEAM: usize = 32;

/// How far the busy search plans, in "stop plus one floor" times (120 s
/// with the course's timing).
pub const BEAM_HORIZON_STOPS: u64 = 40;

/// With fewer than this many waiting (but at least [`BUSY_WAITING`]), the
/// busy search ranks plans by the area under their curve of deliveries
/// (see `Planner::area`) instead of by their pace; with more, the
/// building is saturated and pace ranks them. (Tuning seeds: +0.65 riders
/// per run on dorm bursts, the same on every other busy row.)
pub const AREA_WAITING: u64 = 60;

/// The span of that area, in "stop plus one floor" times (90 s with the
/// course's timing).
pub const AREA_HORIZON_STOPS: u64 = 30;

/// The busy search ranks plans by their pace: value per unit of time,
/// time counted from this many "stop plus one floor" times before the plan
/// starts (so that a lucky first stop does not rank as an infinite pace).
pub const PACE_OFFSET_STOPS: u64 = 1;

/// Value of a delivery in the pace...
pub const PACE_DELIVER: u64 = 10;

/// ...of a rider aboard at the end of the plan...
pub const PACE_SEAT: u64 = 6;

/// ...less this much per floor that rider still has to travel.
pub const PACE_SEAT_FLOOR: u64 = 1;

/// The rate policy's starvation bound in ms (see [`PolicyKind::Rate`]): a
/// rider boards at most this long after reaching the head of its floor's
/// line while the elevator runs, provided the car can make room for it
/// within [`RESCUE_STOPS`] stops.
pub fn starvation_bound_ms(floors: u8, timing: Timing) -> u64 {
    let floor = u64::from(timing.floor_ms);
    let load = u64::from(timing.load_ms);
    let span = u64::from(floors.saturating_sub(1)) * floor;
    let limit = AGE_LIMIT_STOPS * (floor + load);
    let rescue = (RESCUE_STOPS as u64 - 1) * (span + load) + span;
    limit + floor.max(load) + u64::from(floors) * rescue
}

/// A policy and the little state it keeps between steps.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    kind: PolicyKind,
    dir: Dir,
    target: Option<u8>,
    /// The next decision, when an offline planner makes it
    /// ([`Building::step_as`]); always `None` in the module.
    forced: Option<Choice>,
    /// The rate policy's rescue in progress.
    rescue: Option<Rescue>,
}

/// A rescue of an aged head in progress (rate policy): its floor, the stops
/// the rescue may still make, and the stop the car is travelling to (0 when
/// it chooses at its next decision).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rescue {
    floor: u8,
    left: u8,
    next: u8,
}

impl Policy {
    /// A fresh policy heading up.
    pub fn new(kind: PolicyKind) -> Policy {
        Policy {
            kind,
            dir: Dir::Up,
            target: None,
            forced: None,
            rescue: None,
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
        let c = match self.forced.take() {
            Some(c) => c,
            None if !b.has_work() => return Choice::Idle,
            None => match self.kind {
                PolicyKind::Fifo => self.fifo(b),
                PolicyKind::FifoOff => self.fifo_off(b),
                PolicyKind::Scan => self.sweep(b, false),
                PolicyKind::Look => self.sweep(b, true),
                PolicyKind::Nearest => self.nearest(b),
                PolicyKind::Peer => self.peer(b),
                PolicyKind::Rate => self.rate(b, now),
            },
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

    fn fifo_off<S: Slots>(&mut self, b: &Building<S>) -> Choice {
        if b.aboard_for(b.floor()) > 0 {
            return Choice::Stop;
        }
        self.fifo(b)
    }

    fn peer<S: Slots>(&mut self, b: &Building<S>) -> Choice {
        if b.work_at(b.floor()) {
            return Choice::Stop;
        }
        // Nobody aboard gets off here, so the first rider's floor is another.
        match b.car().riders().first() {
            Some(r) => Choice::Go(r.dest),
            // With the car empty, a floor where somebody waits is a floor
            // where somebody boards.
            None => nearest_work(b, self.dir).map_or(Choice::Idle, Choice::Go),
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
        self.rate_from(&RateView::new(b, b.floor(), now))
    }

    /// The rate policy's decision from what it looks at (see [`RateView`]):
    /// a function of the view and of the policy's own state only, so it
    /// can be made from a copy of the view without the building
    /// ([`RatePlan`]).
    fn rate_from(&mut self, v: &RateView) -> Choice {
        let planner = &v.planner;
        let here = planner.start.floor;
        if v.aged.is_none() {
            self.rescue = None;
        }
        let first = match v.aged {
            Some(f) => self.rescue(planner, f),
            None if v.busy => planner.beam_first_stop(),
            None => planner.best_first_stop(),
        };
        match first {
            Some(f) if f == here => Choice::Stop,
            Some(f) => Choice::Go(f),
            None => planner
                .nearest_work(self.dir)
                .map_or(Choice::Idle, Choice::Go),
        }
    }
}

impl Policy {
    /// The next stop of the rescue of `f`'s aged head. A rescue may make at
    /// most [`RESCUE_STOPS`] stops: at its start and after each of its
    /// stops, it picks, of the sequences of at most the stops it has left
    /// that end with the head boarding, the one of best pace, and travels
    /// to its first stop without changing its mind. So it ends, with the
    /// head boarding, at most `RESCUE_STOPS` stops, each after at most
    /// `F − 1` floors, after it began. With no such sequence, it makes the
    /// stop that leaves the most room for the head, and starts afresh.
    fn rescue(&mut self, planner: &Planner, f: u8) -> Option<u8> {
        let here = planner.start.floor;
        let mut r = match self.rescue {
            Some(r) if r.floor == f => r,
            _ => Rescue {
                floor: f,
                left: RESCUE_STOPS as u8,
                next: 0,
            },
        };
        // The stop travelled to still moves somebody (the car's load has
        // not changed on the way and lines only grow); check all the same.
        if r.next != 0 && planner.stop(&planner.start, r.next).is_none() {
            r.next = 0;
        }
        if r.next == 0 {
            match planner.rescue_first(f, usize::from(r.left)) {
                Some(g) => r.next = g,
                None => {
                    self.rescue = None;
                    return planner.make_room(f);
                }
            }
        }
        let next = r.next;
        if next == here {
            r.left = r.left.saturating_sub(1);
            r.next = 0;
        }
        self.rescue = Some(r);
        Some(next)
    }
}

/// The floor whose head has been at the head of its line longest, if that
/// is longer than the ageing limit (and riders may board at all).
fn aged_head<S: Slots>(b: &Building<S>, now: u64) -> Option<u8> {
    if b.is_deactivating() {
        return None;
    }
    let t = b.timing();
    let limit = AGE_LIMIT_STOPS * (u64::from(t.floor_ms) + u64::from(t.load_ms));
    let (since, f) = (1..=b.profile().floors)
        .filter(|&f| !b.queue(f).is_empty())
        .map(|f| (b.head_since(f), f))
        .min()?;
    (now.saturating_sub(since) > limit).then_some(f)
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

/// Riders of each line the planner looks at (the busy search's plans board
/// a few dozen riders in all).
pub const LINE: usize = 40;

/// A rider as the planner sees it: destination and weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seat {
    dest: u8,
    half_lbs: u16,
}

impl Seat {
    fn new<S: Slots>(b: &Building<S>, r: &super::Rider) -> Seat {
        Seat {
            dest: r.dest,
            // Weights are at most a few hundred half pounds.
            half_lbs: u16::try_from(b.weight(r)).unwrap_or(u16::MAX),
        }
    }
}

const NOBODY: Seat = Seat {
    dest: 0,
    half_lbs: 0,
};

/// The car and the lines as a plan leaves them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    floor: u8,
    seats: [Seat; MAX_ABOARD],
    len: usize,
    half_lbs: u32,
    /// Riders boarded so far from each line (they were at its head).
    taken: [u8; MAX_FLOORS],
    /// Time since the plan began, ms.
    time: u64,
    /// Discounted value so far, in 1/65536.
    value: u64,
    /// The plan's first stop (0 before it has one).
    first: u8,
    /// Stops so far.
    stops: usize,
    /// Riders delivered so far.
    delivered: u16,
    /// Each delivery so far weighted by the time left from its stop to
    /// the end of the area's span (`Planner::area`), ms.
    early: u64,
}

/// A snapshot of the building for planning: everything a stop's outcome
/// depends on. About 1 KiB (40 riders of 4 bytes per line); the quiet search
/// recurses at most [`PLAN_STOPS`] deep.
#[derive(Clone, PartialEq, Eq)]
struct Planner {
    floors: u8,
    max_riders: usize,
    max_half_lbs: u32,
    floor_ms: u64,
    load_ms: u64,
    tau_ms: u64,
    boarding: bool,
    /// The busy search ranks plans by `area`, not `pace`.
    by_area: bool,
    lines: [[Seat; LINE]; MAX_FLOORS],
    line_len: [u8; MAX_FLOORS],
    start: State,
}

impl Planner {
    /// The snapshot of `b` with the car at `floor` (the floor it stands on
    /// once the move in progress, if any, is over).
    fn new<S: Slots>(b: &Building<S>, floor: u8) -> Planner {
        let p = b.profile();
        let t = b.timing();
        let mut lines = [[NOBODY; LINE]; MAX_FLOORS];
        let mut line_len = [0; MAX_FLOORS];
        for (f, (line, len)) in (1..=p.floors).zip(lines.iter_mut().zip(line_len.iter_mut())) {
            for (seat, r) in line.iter_mut().zip(b.queue(f).iter()) {
                *seat = Seat::new(b, r);
                *len += 1;
            }
        }
        let mut seats = [NOBODY; MAX_ABOARD];
        for (seat, r) in seats.iter_mut().zip(b.car().riders()) {
            *seat = Seat::new(b, r);
        }
        let floor_ms = u64::from(t.floor_ms);
        let load_ms = u64::from(t.load_ms);
        Planner {
            floors: p.floors,
            max_riders: p.max_riders,
            max_half_lbs: p.max_half_lbs,
            floor_ms,
            load_ms,
            tau_ms: (DISCOUNT_STOPS * (floor_ms + load_ms) / 3).max(1),
            boarding: !b.is_deactivating(),
            by_area: b.waiting() < AREA_WAITING,
            lines,
            line_len,
            start: State {
                floor,
                seats,
                len: b.car().len(),
                half_lbs: b.car().half_lbs(),
                taken: [0; MAX_FLOORS],
                time: 0,
                value: 0,
                first: 0,
                stops: 0,
                delivered: 0,
                early: 0,
            },
        }
    }

    /// Weight of an event `t` ms ahead, in 1/65536.
    fn discount(&self, t: u64) -> u64 {
        // `tau_ms >= 1`, so the division never fails; `checked_div` keeps a
        // panic path out of the kernel build all the same.
        (self.tau_ms << 16)
            .checked_div(self.tau_ms.saturating_add(t))
            .unwrap_or(0)
    }

    /// A stop at `f` after `s`, or `None` when nobody would get off or on.
    fn stop(&self, s: &State, f: u8) -> Option<State> {
        let mut n = *s;
        n.time += self.floor_ms * u64::from(s.floor.abs_diff(f));
        let disc = self.discount(n.time);
        n.time += self.load_ms;
        n.floor = f;
        n.stops += 1;
        let mut kept = 0;
        for i in 0..s.len {
            let seat = s.seats[i];
            if seat.dest == f {
                n.half_lbs -= u32::from(seat.half_lbs);
            } else {
                n.seats[kept] = seat;
                kept += 1;
            }
        }
        let off = s.len - kept;
        n.len = kept;
        n.delivered += off as u16;
        let span = AREA_HORIZON_STOPS * (self.floor_ms + self.load_ms);
        // The riders get off as the stop begins.
        let at = n.time - self.load_ms;
        n.early += off as u64 * span.saturating_sub(at);
        let mut on = 0;
        if self.boarding {
            let i = usize::from(f - 1);
            while n.taken[i] < self.line_len[i] {
                let w = self.lines[i][usize::from(n.taken[i])];
                let wl = u32::from(w.half_lbs);
                if n.len >= self.max_riders || n.half_lbs + wl > self.max_half_lbs {
                    break;
                }
                n.seats[n.len] = w;
                n.len += 1;
                n.half_lbs += wl;
                n.taken[i] += 1;
                on += 1;
            }
        }
        if off + on == 0 {
            return None;
        }
        n.value += (off as u64 * DELIVER_GAIN + on as u64 * BOARD_GAIN) * disc;
        if n.first == 0 {
            n.first = f;
        }
        Some(n)
    }

    /// A finished plan's value: its own, plus what it leaves for later.
    fn worth(&self, s: &State) -> u64 {
        let mut later = HORIZON_GAIN;
        for seat in &s.seats[..s.len] {
            later +=
                SEAT_GAIN.saturating_sub(SEAT_FLOOR_COST * u64::from(seat.dest.abs_diff(s.floor)));
        }
        s.value + later * self.discount(s.time)
    }

    /// A plan's pace: its value per unit of time, to compare plans of
    /// different lengths. The value counts deliveries ([`PACE_DELIVER`])
    /// and riders aboard at the end, more the closer to their floor
    /// ([`PACE_SEAT`], [`PACE_SEAT_FLOOR`]); time is the plan's plus
    /// [`PACE_OFFSET_STOPS`].
    fn pace(&self, s: &State) -> u64 {
        let v = PACE_DELIVER * u64::from(s.delivered) + self.seats_value(s);
        let t0 = PACE_OFFSET_STOPS * (self.floor_ms + self.load_ms);
        (v << 20).checked_div(s.time + t0.max(1)).unwrap_or(0)
    }

    /// A plan's area: the area under its curve of deliveries over the
    /// span `A` = [`AREA_HORIZON_STOPS`] (floor + stop) times, each
    /// delivery at `t` counting `A − t` ([`PACE_DELIVER`] per ms), plus the
    /// riders aboard at the end as in `pace`, counted for the time left
    /// `A − T` after the plan's end `T`, plus the plan's pace (`pace`'s
    /// value per unit of time) carried on over that time left (the area of
    /// a curve rising at that pace: `pace × (A − T)² / 2`). Plans are
    /// valued early as well as fast: of two plans of the same pace, the one
    /// that delivers sooner is worth more.
    fn area(&self, s: &State) -> u64 {
        let unit = self.floor_ms + self.load_ms;
        let span = AREA_HORIZON_STOPS * unit;
        let left = span.saturating_sub(s.time);
        let seats = self.seats_value(s);
        let v = PACE_DELIVER * u64::from(s.delivered) + seats;
        let t0 = (PACE_OFFSET_STOPS * unit).max(1);
        // Every factor is at most a few hundred times `span`: no overflow
        // with any timing the module accepts; saturate all the same, and
        // `checked_div` keeps a panic path out of the kernel build.
        let carried = v
            .saturating_mul(left)
            .checked_div(s.time.saturating_add(t0))
            .unwrap_or(0)
            .saturating_mul(left)
            / 2;
        (PACE_DELIVER.saturating_mul(s.early))
            .saturating_add(seats.saturating_mul(left))
            .saturating_add(carried)
    }

    /// How the busy search ranks `s`: by `area` or by `pace`.
    fn rank(&self, s: &State) -> u64 {
        if self.by_area {
            self.area(s)
        } else {
            self.pace(s)
        }
    }

    /// What the riders aboard at the end of `s` add to `pace`'s value.
    fn seats_value(&self, s: &State) -> u64 {
        let mut v = 0;
        for seat in &s.seats[..s.len] {
            v += PACE_SEAT.saturating_sub(PACE_SEAT_FLOOR * u64::from(seat.dest.abs_diff(s.floor)));
        }
        v
    }

    /// The first stop of the best plan a beam search finds: starting from
    /// the present, every plan kept is extended by one stop at each floor
    /// where a stop moves somebody, and the [`BEAM`] extensions of best
    /// rank (`rank`: pace, or area) are kept (one of several reaching the
    /// same floor at the same time with the same boardings); a plan stops
    /// growing at [`BEAM_HORIZON_STOPS`] or when nobody is left to move. At
    /// most `BEAM_HORIZON_STOPS + 1` rounds (each stop takes a floor and a
    /// stop) of at most `BEAM` × floors extensions: bounded time, and about
    /// 6 KiB of stack (two beams of plans of under 100 bytes).
    fn beam_first_stop(&self) -> Option<u8> {
        let horizon = BEAM_HORIZON_STOPS * (self.floor_ms + self.load_ms);
        let mut beam = [self.start; BEAM];
        let mut len = 1;
        let max_depth = (horizon / (self.floor_ms + self.load_ms).max(1)) as usize + 1;
        for _ in 0..max_depth {
            let mut next = [self.start; BEAM];
            let mut scores = [0u64; BEAM];
            let mut n = 0;
            let mut grew = false;
            for s in &beam[..len] {
                let mut any = false;
                if s.time < horizon {
                    for f in 1..=self.floors {
                        if let Some(c) = self.stop(s, f) {
                            any = true;
                            grew = true;
                            insert(&mut next, &mut scores, &mut n, c, self.rank(&c));
                        }
                    }
                }
                if !any && s.first != 0 {
                    insert(&mut next, &mut scores, &mut n, *s, self.rank(s));
                }
            }
            if n == 0 {
                break;
            }
            beam = next;
            len = n;
            if !grew {
                break;
            }
        }
        beam[..len].first().map(|s| s.first).filter(|&f| f != 0)
    }

    /// The nearest other floor where a stop would move somebody,
    /// preferring the direction `dir` on ties: [`nearest_work`] on the
    /// snapshot (a stop moves somebody exactly where `stop` says so).
    fn nearest_work(&self, dir: Dir) -> Option<u8> {
        let here = self.start.floor;
        (1..=self.floors)
            .filter(|&f| f != here && self.stop(&self.start, f).is_some())
            .min_by_key(|&f| {
                let along = match dir {
                    Dir::Up => f > here,
                    Dir::Down => f < here,
                };
                (here.abs_diff(f), !along)
            })
    }

    /// The first stop of the plan worth most.
    fn best_first_stop(&self) -> Option<u8> {
        let mut best = None;
        self.search(&self.start, &mut best);
        best.map(|(_, f)| f)
    }

    fn search(&self, s: &State, best: &mut Option<(u64, u8)>) {
        let mut leaf = true;
        if s.stops < PLAN_STOPS {
            for f in 1..=self.floors {
                if let Some(n) = self.stop(s, f) {
                    leaf = false;
                    self.search(&n, best);
                }
            }
        }
        if leaf && s.first != 0 {
            let v = self.worth(s);
            let here = self.start.floor;
            // Ties go to the nearer first stop, then the lower floor.
            let better = match *best {
                None => true,
                Some((bv, bf)) => v > bv || (v == bv && here.abs_diff(s.first) < here.abs_diff(bf)),
            };
            if better {
                *best = Some((v, s.first));
            }
        }
    }

    /// The first stop of the sequence of best pace (see `pace`) among
    /// those of at most `max_stops` stops after which the head of `f`'s
    /// line has boarded.
    fn rescue_first(&self, f: u8, max_stops: usize) -> Option<u8> {
        let mut best = None;
        self.rescue_search(&self.start, f, max_stops.min(RESCUE_STOPS), &mut best);
        best.map(|(_, first)| first)
    }

    /// The stop that leaves the car most room for the head of `f`'s line:
    /// count first, then weight, of the riders who would still be aboard at
    /// `f`, then distance.
    fn make_room(&self, f: u8) -> Option<u8> {
        let here = self.start.floor;
        (1..=self.floors)
            .filter_map(|g| self.stop(&self.start, g))
            .min_by_key(|n| {
                let (len, half_lbs) = n.seats[..n.len]
                    .iter()
                    .filter(|seat| seat.dest != f)
                    .fold((0, 0), |(l, w), seat| (l + 1, w + u32::from(seat.half_lbs)));
                (len, half_lbs, here.abs_diff(n.floor))
            })
            .map(|n| n.floor)
    }

    fn rescue_search(&self, s: &State, f: u8, max_stops: usize, best: &mut Option<(u64, u8)>) {
        if s.stops >= max_stops {
            return;
        }
        let i = usize::from(f - 1);
        for g in 1..=self.floors {
            let Some(n) = self.stop(s, g) else {
                continue;
            };
            if g == f && n.taken[i] > 0 {
                let v = self.pace(&n);
                let better = match *best {
                    None => true,
                    Some((bv, _)) => v > bv,
                };
                if better {
                    *best = Some((v, n.first));
                }
            } else {
                self.rescue_search(&n, f, max_stops, best);
            }
        }
    }
}

/// Everything the rate policy's decision depends on besides its own state
/// (see [`Policy::rate_from`]): the planner's snapshot of the car and of
/// the first [`LINE`] riders of each line, the aged head, and whether the
/// building is busy. About 1 KiB.
#[derive(Clone, PartialEq, Eq)]
struct RateView {
    planner: Planner,
    aged: Option<u8>,
    busy: bool,
}

impl RateView {
    /// The view of `b` at `now` with the car at `floor`.
    fn new<S: Slots>(b: &Building<S>, floor: u8, now: u64) -> RateView {
        RateView {
            planner: Planner::new(b, floor),
            aged: aged_head(b, now),
            busy: b.waiting() >= BUSY_WAITING,
        }
    }
}

/// The rate policy's next decision, made from a copy of what it looks at,
/// so that its search can run without the building's lock: take it with
/// [`Building::rate_plan`] (holding the lock, cheap: a copy of about
/// 1 KiB), [`RatePlan::decide`] (without the lock: the search), and pass it
/// to [`Building::step_planned`] (holding the lock again). The step uses the
/// decision only if the building still looks exactly the same to the policy
/// (same view, same policy state: requests that arrived meanwhile behind the
/// first [`LINE`] riders of a line change nothing); otherwise it decides
/// again, locked, as [`Building::step`] does. Either way the step does
/// exactly what [`Building::step`] would have done.
#[derive(Clone)]
pub struct RatePlan {
    view: RateView,
    now: u64,
    /// The policy's state the decision starts from (direction, rescue).
    before: (Dir, Option<Rescue>),
    /// The decision and the policy's state after it, once decided.
    after: Option<(Choice, Dir, Option<Rescue>)>,
}

impl RatePlan {
    /// Makes the decision: the rate policy's search, on the copy. Bounded
    /// like every decision of the policy; touches nothing shared.
    pub fn decide(&mut self) {
        let mut p = Policy::new(PolicyKind::Rate);
        (p.dir, p.rescue) = self.before;
        let c = p.rate_from(&self.view);
        if let Choice::Go(t) = c {
            p.dir = if t > self.view.planner.start.floor {
                Dir::Up
            } else {
                Dir::Down
            };
        }
        self.after = Some((c, p.dir, p.rescue));
    }
}

impl<S: Slots> Building<S> {
    /// The floor the car stands on once the move in progress, if any, is
    /// over: where the next step's decision is made.
    pub fn floor_after_move(&self) -> u8 {
        match self.moving {
            Some(Dir::Up) => self.floor + 1,
            Some(Dir::Down) => self.floor - 1,
            None => self.floor,
        }
    }

    /// The copy the rate policy's next decision would look at if the next
    /// step began at `now` (see [`RatePlan`]); `None` unless the policy is
    /// `rate` and that step will consult it.
    pub fn rate_plan(&self, now: u64) -> Option<RatePlan> {
        if self.policy.kind != PolicyKind::Rate
            || !self.active
            || !self.has_work()
            || self.policy.forced.is_some()
        {
            return None;
        }
        Some(RatePlan {
            view: RateView::new(self, self.floor_after_move(), now),
            now,
            before: (self.policy.dir, self.policy.rescue),
            after: None,
        })
    }

    /// One step exactly like [`Building::step`] at `now`, taking the
    /// policy's decision from `plan` when `plan` was decided from what this
    /// step's decision looks at (see [`RatePlan`]).
    pub fn step_planned<F: FnMut(Event)>(
        &mut self,
        now: u64,
        plan: Option<&RatePlan>,
        events: &mut F,
    ) -> Step {
        let decided = plan.and_then(|p| self.plan_decision(p, now));
        if let Some((c, _, _)) = decided {
            self.policy.forced = Some(c);
        }
        let step = self.step(now, events);
        self.policy.forced = None;
        if let Some((_, dir, rescue)) = decided {
            self.policy.dir = dir;
            self.policy.rescue = rescue;
        }
        step
    }

    /// Whether [`Building::step_planned`] at `now` would use `plan`'s
    /// decision (for tests and measurements).
    pub fn plan_holds(&self, plan: &RatePlan, now: u64) -> bool {
        self.plan_decision(plan, now).is_some()
    }

    /// `plan`'s decision, if this step's would be the same: the step at
    /// `now` consults the rate policy (the car is active, and not going
    /// offline) with the same view and the same state.
    fn plan_decision(&self, plan: &RatePlan, now: u64) -> Option<(Choice, Dir, Option<Rescue>)> {
        let decided = plan.after?;
        let consults = self.policy.kind == PolicyKind::Rate
            && self.active
            && !(self.deactivating && self.car.is_empty())
            && self.has_work()
            && self.policy.forced.is_none();
        let same = consults
            && plan.now == now
            && plan.before == (self.policy.dir, self.policy.rescue)
            && plan.view == RateView::new(self, self.floor_after_move(), now);
        same.then_some(decided)
    }
}

/// Hooks for offline planners (the simulator's): they are generic and the
/// module never calls them, so they are not compiled into it.
impl<S: Slots> Building<S> {
    /// One step exactly like [`Building::step`], with `choice` in place of
    /// the policy's decision for the car at the floor it stands on after
    /// finishing the move in progress. `choice` must be one the step allows:
    /// [`Choice::Stop`] only where [`Building::work_at`] holds,
    /// [`Choice::Go`] to another floor (a move happens even with nothing to
    /// do), [`Choice::Idle`] only without work.
    pub fn step_as<F: FnMut(Event)>(&mut self, choice: Choice, now: u64, events: &mut F) -> Step {
        self.policy.forced = Some(choice);
        let step = self.step(now, events);
        // The step may end before consulting the policy (going offline).
        self.policy.forced = None;
        step
    }

    /// A copy of the building (queues in new storage of their own).
    pub fn try_clone(&self) -> Result<Self, AllocError> {
        let mut queues: [Queue<S>; MAX_FLOORS] = core::array::from_fn(|_| Queue::new());
        for (q, src) in queues.iter_mut().zip(self.queues.iter()) {
            if src.is_empty() {
                continue;
            }
            drop(q.grow(S::try_with_len(src.len() + INITIAL_CAPACITY)?));
            for r in src.iter() {
                q.push(*r).map_err(|_| AllocError)?;
            }
        }
        Ok(Building {
            profile: self.profile,
            timing: self.timing,
            policy: self.policy,
            queues,
            head_since: self.head_since,
            car: self.car,
            state: self.state,
            floor: self.floor,
            moving: self.moving,
            active: self.active,
            deactivating: self.deactivating,
            issued: self.issued,
            waiting: self.waiting,
            serviced: self.serviced,
        })
    }
}

/// Puts `c` (of pace `v`) into the best-first list `beam[..*n]` (paces in
/// `scores`), dropping the worst when full; of two plans at the same
/// floor at the same time with the same boardings, keeps the better.
fn insert(beam: &mut [State; BEAM], scores: &mut [u64; BEAM], n: &mut usize, c: State, v: u64) {
    for i in 0..*n {
        let o = &beam[i];
        if o.floor == c.floor && o.taken == c.taken && o.len == c.len && o.time == c.time {
            if v > scores[i] {
                beam[i] = c;
                scores[i] = v;
            }
            return;
        }
    }
    let mut i = *n;
    if i == BEAM {
        if v <= scores[BEAM - 1] {
            return;
        }
        i = BEAM - 1;
    } else {
        *n += 1;
    }
    while i > 0 && scores[i - 1] < v {
        beam[i] = beam[i - 1];
        scores[i] = scores[i - 1];
        i -= 1;
    }
    beam[i] = c;
    scores[i] = v;
}

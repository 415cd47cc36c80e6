// SPDX-License-Identifier: GPL-2.0

//! The elevator's logic: building profiles, per-floor FIFO queues, the car, the
//! rules of SPEC.md, the step function the kthread drives, the scheduling
//! policies and the `/proc/elevator` rendering.
//!
//! This is safe, `no_std` Rust with no allocation of its own: the kernel module
//! compiles it against `KVec` storage and runs it under a mutex, and the host
//! crate `userspace/elevator-logic` compiles the very same files against `Vec`
//! for unit tests, property tests and the simulator.
//!
//! Time is an input: every call that needs it takes `now` in milliseconds
//! (the kernel passes milliseconds since the module was loaded, the simulator
//! its virtual clock). The step function returns how long the caller must
//! sleep before the next step; the caller sleeps without holding any lock.

#![forbid(unsafe_code)]

pub mod command;
pub mod policy;
pub mod profile;
pub mod queue;
pub mod render;

pub use command::{Command, ParseError};
pub use policy::{Policy, PolicyKind};
pub use profile::{Profile, RiderType, MAX_ABOARD, MAX_FLOORS, PROFILES};
pub use queue::{AllocError, Queue, Rider, Slots};

/// The five states shown in `/proc/elevator`. Deactivation is a flag, not a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Not running (after load, and after a stop has delivered everyone).
    Offline,
    /// Running with nothing to do.
    Idle,
    /// Stopped at a floor, riders getting off and on.
    Loading,
    /// Moving up one floor.
    Up,
    /// Moving down one floor.
    Down,
}

impl State {
    /// Every state, in the order SPEC.md lists them.
    pub const ALL: [State; 5] = [
        State::Offline,
        State::Idle,
        State::Loading,
        State::Up,
        State::Down,
    ];

    /// The word shown in `/proc/elevator`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Offline => "OFFLINE",
            State::Idle => "IDLE",
            State::Loading => "LOADING",
            State::Up => "UP",
            State::Down => "DOWN",
        }
    }
}

impl core::fmt::Display for State {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A word that is not one of [`State::as_str`]'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownState;

impl core::fmt::Display for UnknownState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("expected OFFLINE, IDLE, LOADING, UP or DOWN")
    }
}

/// Reads the word shown in `/proc/elevator` back (for `/proc` parsers).
impl core::str::FromStr for State {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        State::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or(UnknownState)
    }
}

/// Costs of the two timed actions, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Moving one floor (module parameter `floor_ms`, default 2000).
    pub floor_ms: u32,
    /// A stop where anyone gets off or on (module parameter `load_ms`, default 1000).
    pub load_ms: u32,
}

impl Timing {
    /// The course's timing: 2 s per floor, 1 s per stop.
    pub const COURSE: Timing = Timing {
        floor_ms: 2000,
        load_ms: 1000,
    };

    /// Largest accepted value of either parameter (one minute).
    pub const MAX_MS: u32 = 60_000;

    /// Checks module parameters: both times in `1..=MAX_MS`.
    pub fn new(floor_ms: u32, load_ms: u32) -> Option<Timing> {
        let ok = |v: u32| (1..=Self::MAX_MS).contains(&v);
        if ok(floor_ms) && ok(load_ms) {
            Some(Timing { floor_ms, load_ms })
        } else {
            None
        }
    }
}

/// `start_elevator` refused: the elevator is active (or still deactivating).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyActive;

/// `stop_elevator` refused: the elevator is offline or already deactivating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotRunning;

/// Why a request was refused (`issue_request` returns 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// The start floor is outside the profile's floors.
    StartFloor,
    /// The destination floor is outside the profile's floors.
    DestFloor,
    /// Start and destination are the same floor.
    SameFloor,
    /// The type is not 0..=3.
    Type,
}

impl Invalid {
    /// A short explanation for logs and proc-write errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Invalid::StartFloor => "start floor out of range",
            Invalid::DestFloor => "destination floor out of range",
            Invalid::SameFloor => "start and destination are the same floor",
            Invalid::Type => "type out of range 0-3",
        }
    }
}

/// Checks a request against a profile: floors in range, different, type
/// 0..=3. Needs no building, so callers can reject bad requests lock-free.
pub fn validate(
    profile: &Profile,
    start: i32,
    dest: i32,
    kind: i32,
) -> Result<(u8, u8, u8), Invalid> {
    let floors = i32::from(profile.floors);
    if !(1..=floors).contains(&start) {
        return Err(Invalid::StartFloor);
    }
    if !(1..=floors).contains(&dest) {
        return Err(Invalid::DestFloor);
    }
    if start == dest {
        return Err(Invalid::SameFloor);
    }
    if !(0..=3).contains(&kind) {
        return Err(Invalid::Type);
    }
    // The ranges were checked above, so these conversions are exact.
    Ok((start as u8, dest as u8, kind as u8))
}

/// Result of [`Building::issue`] other than success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueError {
    /// The request is invalid; nothing changed.
    Invalid(Invalid),
    /// The floor's queue is full: allocate `capacity` slots (without holding the
    /// lock), install them with [`Building::grow`] and issue again. Nothing changed.
    Full {
        /// Floor whose queue must grow.
        floor: u8,
        /// Slots to allocate.
        capacity: usize,
    },
}

/// What happened to a rider, for the simulator's statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A rider boarded at `floor`.
    Boarded {
        /// The rider.
        rider: Rider,
        /// When.
        at_ms: u64,
    },
    /// A rider got off at their destination.
    Delivered {
        /// The rider.
        rider: Rider,
        /// When they boarded.
        boarded_ms: u64,
        /// When they got off.
        at_ms: u64,
    },
}

/// What the caller of [`Building::step`] does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Sleep this long (without the lock), then step again.
    Sleep(u32),
    /// Nothing to do: block until a request, a start/stop or unload wakes you.
    Wait,
}

/// Direction of travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Towards the top floor.
    Up,
    /// Towards floor 1.
    Down,
}

/// The riders aboard, in boarding order.
///
/// # Invariants
///
/// `len <= MAX_ABOARD`; `half_lbs` is the sum of the weights of `riders[..len]`.
#[derive(Debug, Clone, Copy)]
pub struct Car {
    riders: [Rider; MAX_ABOARD],
    boarded_ms: [u64; MAX_ABOARD],
    len: usize,
    half_lbs: u32,
}

impl Car {
    const fn new() -> Car {
        Car {
            riders: [Rider::EMPTY; MAX_ABOARD],
            boarded_ms: [0; MAX_ABOARD],
            len: 0,
            half_lbs: 0,
        }
    }

    /// Riders aboard in boarding order.
    pub fn riders(&self) -> &[Rider] {
        &self.riders[..self.len]
    }

    /// Number aboard.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nobody is aboard.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Weight aboard in half pounds.
    pub fn half_lbs(&self) -> u32 {
        self.half_lbs
    }
}

/// The whole building: queues, car, state and counters.
///
/// # Invariants
///
/// * `issued == waiting + car.len + serviced` at all times;
/// * `waiting` is the sum of the queue lengths of floors `1..=profile.floors`;
/// * the car is within both limits of the profile;
/// * `active == false` implies `state == Offline` once stepped, an empty car
///   and `deactivating == false`;
/// * `moving` is `Some` exactly while a one-floor move is in progress.
pub struct Building<S: Slots> {
    profile: &'static Profile,
    timing: Timing,
    policy: Policy,
    queues: [Queue<S>; MAX_FLOORS],
    head_since: [u64; MAX_FLOORS],
    car: Car,
    state: State,
    floor: u8,
    moving: Option<Dir>,
    active: bool,
    deactivating: bool,
    issued: u64,
    waiting: u64,
    serviced: u64,
}

impl<S: Slots> Building<S> {
    /// A building after `insmod`: `OFFLINE` on floor 1, empty. Allocates nothing.
    pub fn new(profile: &'static Profile, timing: Timing, policy: PolicyKind) -> Self {
        Building {
            profile,
            timing,
            policy: Policy::new(policy),
            queues: core::array::from_fn(|_| Queue::new()),
            head_since: [0; MAX_FLOORS],
            car: Car::new(),
            state: State::Offline,
            floor: 1,
            moving: None,
            active: false,
            deactivating: false,
            issued: 0,
            waiting: 0,
            serviced: 0,
        }
    }

    /// The profile in use.
    pub fn profile(&self) -> &'static Profile {
        self.profile
    }
    /// The timing in use.
    pub fn timing(&self) -> Timing {
        self.timing
    }
    /// The policy in use.
    pub fn policy(&self) -> PolicyKind {
        self.policy.kind()
    }
    /// The state shown in `/proc/elevator`.
    pub fn state(&self) -> State {
        self.state
    }
    /// The car's floor.
    pub fn floor(&self) -> u8 {
        self.floor
    }
    /// The car.
    pub fn car(&self) -> &Car {
        &self.car
    }
    /// Whether the elevator has been started and not yet gone offline.
    pub fn is_active(&self) -> bool {
        self.active
    }
    /// Whether a stop is in progress (no boarding, deliver, then `OFFLINE`).
    pub fn is_deactivating(&self) -> bool {
        self.deactivating
    }
    /// Requests accepted since load.
    pub fn issued(&self) -> u64 {
        self.issued
    }
    /// Riders waiting on all floors.
    pub fn waiting(&self) -> u64 {
        self.waiting
    }
    /// Riders delivered since load.
    pub fn serviced(&self) -> u64 {
        self.serviced
    }
    /// The queue of `floor` (1-based). Panics on a floor outside the profile.
    pub fn queue(&self, floor: u8) -> &Queue<S> {
        assert!(floor >= 1 && floor <= self.profile.floors);
        &self.queues[usize::from(floor - 1)]
    }
    /// Since when the head of `floor`'s queue has been at the head (ms).
    pub fn head_since(&self, floor: u8) -> u64 {
        self.head_since[usize::from(floor - 1)]
    }

    /// `start_elevator`: `Ok` when started, `Err` when already active (also
    /// while deactivating). A started elevator is `IDLE` on floor 1 with no load.
    pub fn start(&mut self) -> Result<(), AlreadyActive> {
        if self.active {
            return Err(AlreadyActive);
        }
        debug_assert!(self.car.is_empty() && self.moving.is_none());
        self.active = true;
        self.deactivating = false;
        self.state = State::Idle;
        self.floor = 1;
        self.policy.reset();
        Ok(())
    }

    /// `stop_elevator`: `Ok` when deactivation begins, `Err` when already
    /// deactivating or offline.
    pub fn stop(&mut self) -> Result<(), NotRunning> {
        if !self.active || self.deactivating {
            return Err(NotRunning);
        }
        self.deactivating = true;
        Ok(())
    }

    /// Checks a request against the profile.
    pub fn validate(&self, start: i32, dest: i32, kind: i32) -> Result<(u8, u8, u8), Invalid> {
        validate(self.profile, start, dest, kind)
    }

    /// `issue_request`: queues a rider on their start floor, in every state.
    /// On error nothing changed.
    pub fn issue(&mut self, start: i32, dest: i32, kind: i32, now: u64) -> Result<(), IssueError> {
        let (start, dest, kind) = self
            .validate(start, dest, kind)
            .map_err(IssueError::Invalid)?;
        let i = usize::from(start - 1);
        let rider = Rider {
            arrival_ms: now,
            start,
            dest,
            kind,
        };
        let q = &mut self.queues[i];
        let was_empty = q.is_empty();
        if q.push(rider).is_err() {
            return Err(IssueError::Full {
                floor: start,
                capacity: q.next_capacity(),
            });
        }
        if was_empty {
            self.head_since[i] = now;
        }
        self.issued += 1;
        self.waiting += 1;
        Ok(())
    }

    /// Gives `floor`'s queue bigger storage; returns the storage to free
    /// (the old one, or `bigger` itself if it is not bigger).
    pub fn grow(&mut self, floor: u8, bigger: S) -> S {
        if floor < 1 || floor > self.profile.floors {
            return bigger;
        }
        self.queues[usize::from(floor - 1)].grow(bigger)
    }

    /// Whether `r` fits in the car as it is now.
    pub fn fits(&self, r: &Rider) -> bool {
        self.fits_in(&self.car, r)
    }

    fn fits_in(&self, car: &Car, r: &Rider) -> bool {
        car.len < self.profile.max_riders
            && car.half_lbs + self.weight(r) <= self.profile.max_half_lbs
    }

    /// Weight of a rider in half pounds.
    pub fn weight(&self, r: &Rider) -> u32 {
        self.profile.types[usize::from(r.kind & 3)].half_lbs
    }

    /// Number aboard whose destination is `floor`.
    pub fn aboard_for(&self, floor: u8) -> usize {
        self.car.riders().iter().filter(|r| r.dest == floor).count()
    }

    /// Number of riders a stop at `floor` would board (after that stop's
    /// unloading), following head-of-line boarding. 0 while deactivating.
    pub fn would_board(&self, floor: u8) -> usize {
        if self.deactivating {
            return 0;
        }
        let mut car = self.car;
        let mut len = 0;
        let mut half_lbs = 0;
        for r in car.riders().iter().filter(|r| r.dest != floor) {
            len += 1;
            half_lbs += self.weight(r);
        }
        car.len = len;
        car.half_lbs = half_lbs;
        let mut n = 0;
        for r in self.queue(floor).iter() {
            if !self.fits_in(&car, r) {
                break;
            }
            car.len += 1;
            car.half_lbs += self.weight(r);
            n += 1;
        }
        n
    }

    /// Whether a stop at `floor` would move anyone (off or on).
    pub fn work_at(&self, floor: u8) -> bool {
        self.aboard_for(floor) > 0 || self.would_board(floor) > 0
    }

    /// Whether anything is left to do: riders aboard, or riders who may board.
    pub fn has_work(&self) -> bool {
        !self.car.is_empty() || (!self.deactivating && self.waiting > 0)
    }

    /// One step of the elevator thread: finishes the move in progress, decides
    /// the next action with the policy, applies its immediate effects (state,
    /// unloading, boarding) and says how long to sleep. `events` hears every
    /// boarding and delivery.
    pub fn step<F: FnMut(Event)>(&mut self, now: u64, events: &mut F) -> Step {
        if let Some(dir) = self.moving.take() {
            self.floor = match dir {
                Dir::Up => self.floor + 1,
                Dir::Down => self.floor - 1,
            };
        }
        if !self.active {
            self.state = State::Offline;
            return Step::Wait;
        }
        if self.deactivating && self.car.is_empty() {
            self.active = false;
            self.deactivating = false;
            self.state = State::Offline;
            self.policy.reset();
            return Step::Wait;
        }
        let mut policy = self.policy;
        let choice = policy.choose(self, now);
        self.policy = policy;
        match choice {
            policy::Choice::Stop => {
                let moved = self.unload(now, events) + self.board(now, events);
                debug_assert!(moved > 0, "policy stopped where nobody moves");
                self.state = State::Loading;
                Step::Sleep(self.timing.load_ms)
            }
            policy::Choice::Go(target) if target != self.floor => {
                let dir = if target > self.floor {
                    Dir::Up
                } else {
                    Dir::Down
                };
                self.state = match dir {
                    Dir::Up => State::Up,
                    Dir::Down => State::Down,
                };
                self.moving = Some(dir);
                Step::Sleep(self.timing.floor_ms)
            }
            policy::Choice::Go(_) | policy::Choice::Idle => {
                debug_assert!(!self.has_work(), "policy idles with work left");
                self.state = State::Idle;
                Step::Wait
            }
        }
    }

    fn unload<F: FnMut(Event)>(&mut self, now: u64, events: &mut F) -> usize {
        let mut kept = 0;
        let mut off = 0;
        for i in 0..self.car.len {
            let r = self.car.riders[i];
            if r.dest == self.floor {
                self.car.half_lbs -= self.weight(&r);
                self.serviced += 1;
                off += 1;
                events(Event::Delivered {
                    rider: r,
                    boarded_ms: self.car.boarded_ms[i],
                    at_ms: now,
                });
            } else {
                self.car.riders[kept] = r;
                self.car.boarded_ms[kept] = self.car.boarded_ms[i];
                kept += 1;
            }
        }
        self.car.len = kept;
        off
    }

    fn board<F: FnMut(Event)>(&mut self, now: u64, events: &mut F) -> usize {
        if self.deactivating {
            return 0;
        }
        let i = usize::from(self.floor - 1);
        let mut on = 0;
        while let Some(r) = self.queues[i].front().copied() {
            if !self.fits(&r) {
                break;
            }
            self.queues[i].pop();
            self.waiting -= 1;
            self.car.riders[self.car.len] = r;
            self.car.boarded_ms[self.car.len] = now;
            self.car.len += 1;
            self.car.half_lbs += self.weight(&r);
            on += 1;
            events(Event::Boarded {
                rider: r,
                at_ms: now,
            });
        }
        if on > 0 {
            self.head_since[i] = now;
        }
        on
    }
}

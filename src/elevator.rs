// SPDX-License-Identifier: GPL-2.0

//! The elevator of the operating-systems course project (kernel module
//! programming, part 3), in Rust.
//!
//! One kthread runs the elevator's logic (`logic`, safe code shared with the
//! host tests and the simulator). Riders are queued through syscalls 548-550
//! (via the kernel's `STUB_*` pointers) or by writing `start`, `stop` or
//! `issue S D T` to `/proc/elevator`, which also shows the building.
//!
//! Locking: one mutex guards the whole [`Building`]. The kthread holds it only
//! to take a step, and not during the rate policy's search, which works on a
//! copy (`Building::rate_plan`); it sleeps between floors and while idle on
//! condition variables, which release the mutex while sleeping. Memory for queued riders
//! is allocated before taking the mutex. So reading `/proc/elevator` or
//! issuing a request never waits for a move, and an idle elevator sleeps until
//! a request, a start or stop, or unload wakes it.

use kernel::alloc::{flags::GFP_KERNEL, KVVec};
use kernel::prelude::*;
use kernel::sync::{new_condvar, new_mutex, Arc, CondVar, Mutex};

pub mod clock;
pub mod cstr;
pub mod kthread;
pub mod logic;
pub mod params;
pub mod procfs;
pub mod stubs;

use logic::{
    AllocError, Building, Command, IssueError, PolicyKind, Profile, Rider, Slots, Step, Timing,
};

elevator_module! {
    type: ElevatorModule,
    name: "elevator",
    author: "elevator developers",
    description: "Elevator scheduling (OS course project, part 3) with syscalls 548-550 and /proc/elevator",
    license: "GPL",
    uint_params: {
        floor_ms: 2000, "Milliseconds to move one floor, 1-60000 (default 2000)";
        load_ms: 1000, "Milliseconds of a stop, 1-60000 (default 1000)";
    },
    charp_params: {
        profile: c"pets", "Building profile: pets (default), dorm or office";
        policy: c"rate", "Scheduling policy: rate (default), look, scan, fifo, fifo-off, nearest, peer";
    },
}

/// Rider queues live in `KVVec`s: a backlog of many thousands of riders on
/// one floor outgrows what `kmalloc` gives comfortably, and `kvmalloc` falls
/// back to `vmalloc` there.
impl Slots for KVVec<Rider> {
    fn empty() -> Self {
        KVVec::new()
    }

    fn try_with_len(len: usize) -> Result<Self, AllocError> {
        KVVec::from_elem(Rider::EMPTY, len, GFP_KERNEL).map_err(|_| AllocError)
    }
}

/// What the mutex guards.
struct Inner {
    building: Building<KVVec<Rider>>,
    /// The kthread is blocked on `Shared::work` (so requests must wake it).
    thread_waiting: bool,
    /// The module is being unloaded: the kthread must return.
    unloading: bool,
}

/// Everything the kthread, the syscalls and `/proc/elevator` share.
#[pin_data]
struct Shared {
    #[pin]
    inner: Mutex<Inner>,
    /// The idle kthread waits here for work.
    #[pin]
    work: CondVar,
    /// The kthread sleeps here between floors and during stops; only unload
    /// wakes it early.
    #[pin]
    nap: CondVar,
    /// Time of load; the logic's clock counts milliseconds from it.
    epoch: clock::Epoch,
    /// The building's profile (fixed at load), for lock-free validation.
    profile: &'static Profile,
}

impl Shared {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed_ms()
    }

    /// Wakes the kthread if it is blocked for lack of work (once: later
    /// callers see it no longer waiting).
    fn kick(&self, inner: &mut Inner) {
        if inner.thread_waiting {
            inner.thread_waiting = false;
            self.work.notify_one();
        }
    }

    fn do_start(&self) -> Result<(), logic::AlreadyActive> {
        let inner = &mut *self.inner.lock();
        inner.building.start()?;
        self.kick(inner);
        Ok(())
    }

    fn do_stop(&self) -> Result<(), logic::NotRunning> {
        let inner = &mut *self.inner.lock();
        inner.building.stop()?;
        self.kick(inner);
        Ok(())
    }

    /// Queues a rider.
    fn do_issue(&self, start: i32, dest: i32, kind: i32) -> Result<(), IssueFailure> {
        // Invalid requests never take the lock.
        if logic::validate(self.profile, start, dest, kind).is_err() {
            return Err(IssueFailure::Invalid);
        }
        loop {
            let now = self.now_ms();
            let (floor, capacity) = {
                let inner = &mut *self.inner.lock();
                match inner.building.issue(start, dest, kind, now) {
                    Ok(()) => {
                        // An offline elevator has nothing to do with it yet.
                        if inner.building.is_active() {
                            self.kick(inner);
                        }
                        return Ok(());
                    }
                    Err(IssueError::Invalid(_)) => return Err(IssueFailure::Invalid),
                    Err(IssueError::Full { floor, capacity }) => (floor, capacity),
                }
            };
            // The floor's queue is full: allocate outside the lock, install,
            // free whatever comes back outside the lock, and try again.
            let bigger =
                KVVec::<Rider>::try_with_len(capacity).map_err(|_| IssueFailure::NoMemory)?;
            let old = self.inner.lock().building.grow(floor, bigger);
            drop(old);
        }
    }

    /// The kthread's body.
    fn run(&self, thread: &kthread::ThreadContext) {
        let mut guard = self.inner.lock();
        loop {
            if guard.unloading || thread.should_stop() {
                break;
            }
            let now = self.now_ms();
            // The rate policy's search runs without the lock, on a copy of
            // what it looks at; the step uses its decision only if nothing
            // it looked at changed meanwhile (else decides again, locked).
            let mut plan = guard.building.rate_plan(now);
            if let Some(plan) = plan.as_mut() {
                drop(guard);
                plan.decide();
                guard = self.inner.lock();
                if guard.unloading || thread.should_stop() {
                    break;
                }
            }
            match guard.building.step_planned(now, plan.as_ref(), &mut |_| {}) {
                Step::Wait => {
                    guard.thread_waiting = true;
                    // Releases the mutex while blocked. Spurious wake-ups
                    // just take another step, which waits again.
                    let _ = self.work.wait_interruptible(&mut guard);
                    guard.thread_waiting = false;
                }
                Step::Sleep(ms) => {
                    // One jiffy more, as `msleep` does: the first tick may
                    // come at once, and a move must never be shorter.
                    let mut left = kernel::time::msecs_to_jiffies(ms).saturating_add(1);
                    while left > 0 && !guard.unloading {
                        // Releases the mutex while sleeping.
                        left = match self.nap.wait_interruptible_timeout(&mut guard, left) {
                            kernel::sync::CondVarTimeoutResult::Timeout => 0,
                            kernel::sync::CondVarTimeoutResult::Woken { jiffies }
                            | kernel::sync::CondVarTimeoutResult::Signal { jiffies } => jiffies,
                        };
                    }
                }
            }
        }
    }
}

/// Why a request was not queued.
enum IssueFailure {
    /// A floor outside the profile, start == destination, or an unknown type.
    Invalid,
    /// The floor's queue could not grow.
    NoMemory,
}

impl stubs::Handlers for Shared {
    fn start(&self) -> Result<stubs::Answer> {
        Ok(match self.do_start() {
            Ok(()) => stubs::Answer::Done,
            Err(logic::AlreadyActive) => stubs::Answer::Refused,
        })
    }

    fn issue(&self, start: i32, dest: i32, kind: i32) -> Result<stubs::Answer> {
        match self.do_issue(start, dest, kind) {
            Ok(()) => Ok(stubs::Answer::Done),
            Err(IssueFailure::Invalid) => Ok(stubs::Answer::Refused),
            Err(IssueFailure::NoMemory) => Err(ENOMEM),
        }
    }

    fn stop(&self) -> Result<stubs::Answer> {
        Ok(match self.do_stop() {
            Ok(()) => stubs::Answer::Done,
            Err(logic::NotRunning) => stubs::Answer::Refused,
        })
    }
}

impl procfs::ProcHandler for Shared {
    fn show(&self, out: &mut procfs::SeqWriter<'_>) -> core::fmt::Result {
        self.inner.lock().building.render(out)
    }

    fn size_hint(&self) -> usize {
        let inner = self.inner.lock();
        let b = &inner.building;
        // Fixed lines, plus at most 4 bytes (" C5" and slack) per rider shown.
        let riders = usize::try_from(b.waiting()).unwrap_or(usize::MAX / 8) + b.car().len();
        512usize.saturating_add(riders.saturating_mul(4))
    }

    fn write(&self, input: &[u8]) -> Result {
        match Command::parse(input).map_err(|_| EINVAL)? {
            Command::Start => self.do_start().map_err(|_| EBUSY),
            Command::Stop => self
                .do_stop()
                .map_err(|_| Error::from_errno(-(kernel::bindings::EALREADY as i32))),
            Command::Issue(s, d, t) => self.do_issue(s, d, t).map_err(|e| match e {
                IssueFailure::Invalid => EINVAL,
                IssueFailure::NoMemory => ENOMEM,
            }),
        }
    }
}

struct ElevatorModule {
    stubs: Option<stubs::Registration<Shared>>,
    proc_entry: Option<procfs::ProcEntry<Shared>>,
    thread: Option<kthread::KThread<Shared>>,
    /// Dropped after `Drop::drop` has run (fields drop after it, in order):
    /// the last wait of unload, for syscalls still leaving our code.
    _unload_barrier: stubs::UnloadBarrier,
}

fn config() -> Result<(&'static Profile, Timing, PolicyKind)> {
    let name = param_values::profile();
    let Some(profile) = Profile::by_name(name.to_bytes()) else {
        pr_err!(
            "unknown profile={} (expected pets, dorm or office)\n",
            name.to_str().unwrap_or("(not UTF-8)")
        );
        return Err(EINVAL);
    };
    let (floor_ms, load_ms) = (param_values::floor_ms(), param_values::load_ms());
    let Some(timing) = Timing::new(floor_ms, load_ms) else {
        // Name only the parameter(s) out of range, in plain words.
        for (name, value) in [("floor_ms", floor_ms), ("load_ms", load_ms)] {
            if Timing::new(value, value).is_none() {
                pr_err!(
                    "{}={}: must be 1 to {} milliseconds\n",
                    name,
                    value,
                    Timing::MAX_MS
                );
            }
        }
        return Err(EINVAL);
    };
    let name = param_values::policy();
    let Some(policy) = PolicyKind::by_name(name.to_bytes()) else {
        pr_err!(
            "unknown policy={} (expected rate, look, scan, fifo, fifo-off, nearest or peer)\n",
            name.to_str().unwrap_or("(not UTF-8)")
        );
        return Err(EINVAL);
    };
    Ok((profile, timing, policy))
}

impl kernel::Module for ElevatorModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let (profile, timing, policy) = config()?;
        let shared = Arc::pin_init(
            pin_init!(Shared {
                inner <- new_mutex!(
                    Inner {
                        building: Building::new(profile, timing, policy),
                        thread_waiting: false,
                        unloading: false,
                    },
                    "elevator:building"
                ),
                work <- new_condvar!(),
                nap <- new_condvar!(),
                epoch: clock::Epoch::now(),
                profile,
            }),
            GFP_KERNEL,
        )?;
        let mut module = ElevatorModule {
            stubs: None,
            proc_entry: None,
            thread: None,
            _unload_barrier: stubs::UnloadBarrier::new(),
        };
        module.thread = Some(kthread::KThread::run(
            c"elevator",
            shared.clone(),
            Shared::run,
        )?);
        module.proc_entry = Some(procfs::ProcEntry::new(c"elevator", 0o644, shared.clone())?);
        module.stubs = Some(stubs::Registration::new(shared)?);
        pr_info!(
            "loaded: profile={} floor_ms={} load_ms={} policy={} syscalls={}\n",
            profile.name,
            timing.floor_ms,
            timing.load_ms,
            policy.name(),
            stubs::INTERFACE
        );
        Ok(module)
    }
}

impl Drop for ElevatorModule {
    fn drop(&mut self) {
        // No new syscalls, and none still running our code.
        drop(self.stubs.take());
        // No new proc reads or writes, and none still running.
        drop(self.proc_entry.take());
        if let Some(thread) = self.thread.take() {
            let shared = thread.data().clone();
            shared.inner.lock().unloading = true;
            shared.work.notify_all();
            shared.nap.notify_all();
            // Waits for the kthread to return (promptly: it was woken above).
            drop(thread);
            // The last reference frees the building and every rider in it.
        }
        pr_info!("unloaded\n");
    }
}

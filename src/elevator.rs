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
//! to take a step; it sleeps between floors and while idle on condition
//! variables, which release the mutex while sleeping. Memory for queued riders
//! is allocated before taking the mutex. So reading `/proc/elevator` or
//! issuing a request never waits for a move, and an idle elevator sleeps until
//! a request, a start or stop, or unload wakes it.

use kernel::alloc::{flags::GFP_KERNEL, KVec};
use kernel::c_str;
use kernel::prelude::*;
use kernel::sync::{new_condvar, new_mutex, Arc, CondVar, Mutex};
use kernel::time::Ktime;

pub mod kthread;
pub mod logic;
pub mod params;
pub mod procfs;
pub mod stubs;

use logic::{
    AllocError, Building, Command, IssueError, PolicyKind, Profile, Rider, Slots, Step, Timing,
};

module! {
    type: ElevatorModule,
    name: "elevator",
    author: "elevator developers",
    description: "Elevator scheduling (OS course project, part 3) with syscalls 548-550 and /proc/elevator",
    license: "GPL",
}

module_param!(
    PROFILE,
    "profile",
    charp,
    c"pets",
    "Building profile: pets (default), dorm or office"
);
module_param!(
    FLOOR_MS,
    "floor_ms",
    uint,
    2000,
    "Milliseconds to move one floor, 1-60000 (default 2000)"
);
module_param!(
    LOAD_MS,
    "load_ms",
    uint,
    1000,
    "Milliseconds of a stop, 1-60000 (default 1000)"
);
module_param!(
    POLICY,
    "policy",
    charp,
    c"rate",
    "Scheduling policy: rate (default), look, scan, fifo, nearest"
);

impl Slots for KVec<Rider> {
    fn empty() -> Self {
        KVec::new()
    }

    fn try_with_len(len: usize) -> Result<Self, AllocError> {
        KVec::from_elem(Rider::EMPTY, len, GFP_KERNEL).map_err(|_| AllocError)
    }
}

/// What the mutex guards.
struct Inner {
    building: Building<KVec<Rider>>,
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
    epoch: Ktime,
    /// The building's profile (fixed at load), for lock-free validation.
    profile: &'static Profile,
}

impl Shared {
    fn now_ms(&self) -> u64 {
        let ms = kernel::time::ktime_ms_delta(Ktime::ktime_get(), self.epoch);
        u64::try_from(ms).unwrap_or(0)
    }

    /// Wakes the kthread if it is blocked for lack of work (once: later
    /// callers see it no longer waiting).
    fn kick(&self, inner: &mut Inner) {
        if inner.thread_waiting {
            inner.thread_waiting = false;
            self.work.notify_one();
        }
    }

    fn do_start(&self) -> i32 {
        let inner = &mut *self.inner.lock();
        match inner.building.start() {
            Ok(()) => {
                self.kick(inner);
                0
            }
            Err(logic::AlreadyActive) => 1,
        }
    }

    fn do_stop(&self) -> i32 {
        let inner = &mut *self.inner.lock();
        match inner.building.stop() {
            Ok(()) => {
                self.kick(inner);
                0
            }
            Err(logic::NotRunning) => 1,
        }
    }

    /// Queues a rider: 0, 1 for an invalid request, or `-ENOMEM`.
    fn do_issue(&self, start: i32, dest: i32, kind: i32) -> i32 {
        // Invalid requests never take the lock.
        if logic::validate(self.profile, start, dest, kind).is_err() {
            return 1;
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
                        return 0;
                    }
                    Err(IssueError::Invalid(_)) => return 1,
                    Err(IssueError::Full { floor, capacity }) => (floor, capacity),
                }
            };
            // The floor's queue is full: allocate outside the lock, install,
            // free whatever comes back outside the lock, and try again.
            let Ok(bigger) = KVec::<Rider>::try_with_len(capacity) else {
                return ENOMEM.to_errno();
            };
            let old = self.inner.lock().building.grow(floor, bigger);
            drop(old);
        }
    }

    /// The kthread's body.
    fn run(&self) {
        let mut guard = self.inner.lock();
        loop {
            if guard.unloading || kthread::should_stop() {
                break;
            }
            let now = self.now_ms();
            match guard.building.step(now, &mut |_| {}) {
                Step::Wait => {
                    guard.thread_waiting = true;
                    // Releases the mutex while blocked. Spurious wake-ups
                    // just take another step, which waits again.
                    let _ = self.work.wait_interruptible(&mut guard);
                    guard.thread_waiting = false;
                }
                Step::Sleep(ms) => {
                    let mut left = kernel::time::msecs_to_jiffies(ms);
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

impl stubs::Handlers for Shared {
    fn start(&self) -> i32 {
        self.do_start()
    }

    fn issue(&self, start: i32, dest: i32, kind: i32) -> i32 {
        self.do_issue(start, dest, kind)
    }

    fn stop(&self) -> i32 {
        self.do_stop()
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
        let cmd = Command::parse(input).map_err(|_| EINVAL)?;
        let r = match cmd {
            Command::Start => match self.do_start() {
                0 => 0,
                _ => EBUSY.to_errno(),
            },
            Command::Stop => match self.do_stop() {
                0 => 0,
                _ => -(kernel::bindings::EALREADY as i32),
            },
            Command::Issue(s, d, t) => match self.do_issue(s, d, t) {
                1 => EINVAL.to_errno(),
                r => r,
            },
        };
        if r == 0 {
            Ok(())
        } else {
            Err(Error::from_errno(r))
        }
    }
}

struct ElevatorModule {
    stubs: Option<stubs::Registration<Shared>>,
    proc_entry: Option<procfs::ProcEntry<Shared>>,
    thread: Option<kthread::KThread<Shared>>,
}

fn config() -> Result<(&'static Profile, Timing, PolicyKind)> {
    let name = PROFILE.get();
    let Some(profile) = Profile::by_name(name.as_bytes()) else {
        pr_err!("unknown profile={} (expected pets, dorm or office)\n", name);
        return Err(EINVAL);
    };
    let (floor_ms, load_ms) = (FLOOR_MS.get(), LOAD_MS.get());
    let Some(timing) = Timing::new(floor_ms, load_ms) else {
        pr_err!(
            "floor_ms={} load_ms={}: both must be 1..={} milliseconds\n",
            floor_ms,
            load_ms,
            Timing::MAX_MS
        );
        return Err(EINVAL);
    };
    let name = POLICY.get();
    let Some(policy) = PolicyKind::by_name(name.as_bytes()) else {
        pr_err!(
            "unknown policy={} (expected rate, look, scan, fifo or nearest)\n",
            name
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
                inner <- new_mutex!(Inner {
                    building: Building::new(profile, timing, policy),
                    thread_waiting: false,
                    unloading: false,
                }),
                work <- new_condvar!(),
                nap <- new_condvar!(),
                epoch: Ktime::ktime_get(),
                profile,
            }),
            GFP_KERNEL,
        )?;
        let mut module = ElevatorModule {
            stubs: None,
            proc_entry: None,
            thread: None,
        };
        module.thread = Some(kthread::KThread::run(
            c_str!("elevator"),
            shared.clone(),
            Shared::run,
        )?);
        module.proc_entry = Some(procfs::ProcEntry::new(
            c_str!("elevator"),
            0o644,
            shared.clone(),
        )?);
        module.stubs = Some(stubs::Registration::new(shared)?);
        pr_info!(
            "loaded: profile={} floor_ms={} load_ms={} policy={} syscalls={}\n",
            profile.name,
            timing.floor_ms,
            timing.load_ms,
            policy.name(),
            if stubs::ENABLED {
                "548-550"
            } else {
                "none (proc only)"
            }
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

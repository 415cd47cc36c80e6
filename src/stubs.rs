// SPDX-License-Identifier: GPL-2.0

//! Registration of the handlers of syscalls 548-550 in the kernel's exported
//! `STUB_start_elevator`, `STUB_issue_request` and `STUB_stop_elevator`
//! pointers (the course's names and C signatures).
//!
//! Three kinds of kernel, told apart by Kbuild from the target's
//! `Module.symvers`:
//!
//! - **The project's patch** (`kernel/patches/6.12`, `cfg(elevator_stubs_srcu)`):
//!   each syscall calls through the pointer inside an SRCU read-side section;
//!   [`Registration`]'s `Drop` clears the pointers and calls
//!   `elevator_stubs_synchronize()`, so once it returns no syscall runs our
//!   code or uses our data any more.
//! - **The course's plain patch** (`kernel/patches/7.3`, `cfg(elevator_syscalls)`
//!   only): the syscall does `if (STUB_x) return STUB_x(...);` with nothing
//!   around it, so the kernel cannot wait for a caller that has read a
//!   pointer but not yet returned from the module. The module closes that
//!   window itself:
//!   1. it raises `CLOSING` and clears the pointers (new calls answer
//!      `-ENOSYS`);
//!   2. it waits for `INFLIGHT`, the count of callers inside a handler, to
//!      drop to zero (handlers may sleep on the building's mutex; unload
//!      polls with 1 ms naps here, and only here). A handler counts itself
//!      first and then checks `CLOSING` (both sequentially consistent, as
//!      unload's store and load): either unload sees it counted and waits,
//!      or it sees `CLOSING` and leaves at once, without sleeping or
//!      touching the building;
//!   3. at the very end of module exit, when [`UnloadBarrier`] (the
//!      module's last field) is dropped, after `/proc/elevator` and the
//!      kthread are gone (so callers that kept retrying are idle and the
//!      grace period is short): with RCU Tasks (`CONFIG_TASKS_RCU`, which
//!      distribution kernels have), `synchronize_rcu_tasks()` waits until every task has passed
//!      through a voluntary context switch, user mode or idle. What is left
//!      of a syscall that read an old pointer (the C between reading it and
//!      entering our handler, a handler leaving through `CLOSING`, and a
//!      handler's last instructions after its decrement) contains none of
//!      those, preemption included, so after that grace period no task runs
//!      our code.
//!
//!   Without RCU Tasks, step 3 uses `synchronize_rcu()`, which covers a
//!   caller that is not preempted in that window but not one that is; the
//!   module says so in the kernel log at load. What no module can close: C
//!   that reads `STUB_x` twice (once for the test, once for the call) could
//!   call a pointer cleared in between; the compiler reads it once in
//!   practice, and the project's patch uses `READ_ONCE`.
//! - **No patch** (or `ELEVATOR_PROC_ONLY=1`): [`Registration`] does nothing;
//!   the elevator is driven through `/proc/elevator` only.

use kernel::error::Result;

/// The course's non-error answers of the three syscalls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 0: started, queued, or deactivation begun.
    Done,
    /// 1: already active; invalid request; already deactivating or offline.
    Refused,
}

impl Answer {
    /// The syscall's return value.
    pub fn code(self) -> i32 {
        match self {
            Answer::Done => 0,
            Answer::Refused => 1,
        }
    }
}

/// What the three syscalls do. An `Err` becomes the syscall's `-errno`.
pub trait Handlers: Send + Sync + 'static {
    /// `start_elevator()`.
    fn start(&self) -> Result<Answer>;
    /// `issue_request(start, dest, type)`.
    fn issue(&self, start: i32, dest: i32, kind: i32) -> Result<Answer>;
    /// `stop_elevator()`.
    fn stop(&self) -> Result<Answer>;
}

/// Which syscall interface this build has, for the load message.
pub const INTERFACE: &str = if cfg!(elevator_stubs_srcu) {
    "548-550 (project patch: SRCU-protected STUB_*)"
} else if cfg!(all(elevator_syscalls, CONFIG_TASKS_RCU)) {
    "548-550 (course patch: plain STUB_*, unload waits with RCU Tasks)"
} else if cfg!(elevator_syscalls) {
    "548-550 (course patch: plain STUB_*, no RCU Tasks: unload covers only callers not preempted before entering the module)"
} else {
    "none (proc only)"
};

#[cfg(elevator_syscalls)]
mod imp {
    use super::{Answer, Handlers};
    use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
    use kernel::error::{code::EBUSY, from_result, Error, Result};
    use kernel::ffi::c_int;
    use kernel::sync::Arc;

    type StartFn = unsafe extern "C" fn() -> c_int;
    type IssueFn = unsafe extern "C" fn(c_int, c_int, c_int) -> c_int;

    extern "C" {
        static mut STUB_start_elevator: Option<StartFn>;
        static mut STUB_issue_request: Option<IssueFn>;
        static mut STUB_stop_elevator: Option<StartFn>;
        #[cfg(elevator_stubs_srcu)]
        fn elevator_stubs_synchronize();
    }

    /// The registered handler (an `Arc<T>`'s pointer), NULL when none. Only
    /// one registration exists at a time, so the trampolines installed always
    /// match the type stored here.
    static CURRENT: AtomicPtr<core::ffi::c_void> = AtomicPtr::new(core::ptr::null_mut());

    /// Syscalls inside one of our handlers (course patch: what unload waits
    /// for; counted on the project's patch too, where it costs two atomics).
    static INFLIGHT: AtomicUsize = AtomicUsize::new(0);

    /// Unload has begun: a handler entered now leaves at once.
    static CLOSING: AtomicBool = AtomicBool::new(false);

    /// Runs `f` on the registered handler, counted in `INFLIGHT`, and turns
    /// its result into the syscall's return value.
    ///
    /// # Safety
    ///
    /// Must be called from a stub installed by `Registration::<T>::new`, by a
    /// syscall that read the stub's pointer while the registration was live.
    unsafe fn call<T: Handlers>(f: impl FnOnce(&T) -> Result<Answer>) -> c_int {
        let enosys = -(kernel::bindings::ENOSYS as c_int);
        INFLIGHT.fetch_add(1, Ordering::SeqCst);
        if CLOSING.load(Ordering::SeqCst) {
            // Unload has begun and may not wait for us: touch nothing, do
            // not sleep, leave (see the module documentation, step 2).
            INFLIGHT.fetch_sub(1, Ordering::SeqCst);
            return enosys;
        }
        let p = CURRENT.load(Ordering::SeqCst).cast::<T>();
        // SAFETY: A non-NULL `p` is the `T` of the live registration: its
        // `Drop` keeps the `T` alive until no syscall that read a stub
        // pointer can still be here (SRCU on the project's patch; on the
        // course patch, we are counted in `INFLIGHT` and saw `CLOSING`
        // false, so unload waits for our decrement).
        let handler = unsafe { p.as_ref() };
        let r = from_result(|| match handler {
            Some(h) => f(h).map(Answer::code),
            // 6.12 has no `ENOSYS` constant.
            None => Err(Error::from_errno(enosys)),
        });
        INFLIGHT.fetch_sub(1, Ordering::SeqCst);
        r
    }

    /// The `STUB_start_elevator` handler installed for `T`.
    ///
    /// # Safety
    ///
    /// Called only by the syscall, through the pointer `Registration` set.
    unsafe extern "C" fn start<T: Handlers>() -> c_int {
        // SAFETY: Installed by `Registration::<T>::new`; called by the syscall.
        unsafe { call::<T>(|h| h.start()) }
    }

    /// The `STUB_issue_request` handler installed for `T`.
    ///
    /// # Safety
    ///
    /// Called only by the syscall, through the pointer `Registration` set.
    unsafe extern "C" fn issue<T: Handlers>(s: c_int, d: c_int, t: c_int) -> c_int {
        // SAFETY: As in `start`.
        unsafe { call::<T>(|h| h.issue(s, d, t)) }
    }

    /// The `STUB_stop_elevator` handler installed for `T`.
    ///
    /// # Safety
    ///
    /// Called only by the syscall, through the pointer `Registration` set.
    unsafe extern "C" fn stop<T: Handlers>() -> c_int {
        // SAFETY: As in `start`.
        unsafe { call::<T>(|h| h.stop()) }
    }

    /// Waits until every task has passed a quiescent state of RCU Tasks (or,
    /// without it, of RCU).
    #[cfg(not(elevator_stubs_srcu))]
    fn synchronize_callers() {
        #[cfg(CONFIG_TASKS_RCU)]
        // SAFETY: Process context, no locks held (module unload).
        unsafe {
            kernel::bindings::synchronize_rcu_tasks()
        };
        #[cfg(not(CONFIG_TASKS_RCU))]
        // SAFETY: Process context, no locks held (module unload).
        unsafe {
            kernel::bindings::synchronize_rcu()
        };
    }

    /// The handlers installed in the `STUB_*` pointers; cleared on drop.
    pub struct Registration<T: Handlers> {
        /// Keeps the handler alive while `CURRENT` points to it.
        _handler: Arc<T>,
    }

    impl<T: Handlers> Registration<T> {
        /// Installs `handler`; `EBUSY` if another registration exists.
        pub fn new(handler: Arc<T>) -> Result<Self> {
            let p: *const T = &*handler;
            CURRENT
                .compare_exchange(
                    core::ptr::null_mut(),
                    p.cast_mut().cast(),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .map_err(|_| EBUSY)?;
            // SAFETY: The pointers are written only here and in `Drop`, by the
            // single registration; a volatile store of a whole pointer is
            // what C's `WRITE_ONCE` does, so a syscall reads the old or the
            // new pointer, never a torn one.
            unsafe {
                core::ptr::write_volatile(&raw mut STUB_start_elevator, Some(start::<T>));
                core::ptr::write_volatile(&raw mut STUB_issue_request, Some(issue::<T>));
                core::ptr::write_volatile(&raw mut STUB_stop_elevator, Some(stop::<T>));
            }
            Ok(Registration { _handler: handler })
        }
    }

    impl<T: Handlers> Drop for Registration<T> {
        fn drop(&mut self) {
            CLOSING.store(true, Ordering::SeqCst);
            // SAFETY: See `new`; storing `None` makes new syscalls answer
            // `-ENOSYS`.
            unsafe {
                core::ptr::write_volatile(&raw mut STUB_start_elevator, None);
                core::ptr::write_volatile(&raw mut STUB_issue_request, None);
                core::ptr::write_volatile(&raw mut STUB_stop_elevator, None);
            }
            #[cfg(elevator_stubs_srcu)]
            // SAFETY: Always safe to call from process context without locks;
            // it waits for every syscall that may have read the old pointers.
            unsafe {
                elevator_stubs_synchronize()
            };
            // Callers counted before `CLOSING` finish their work (they may
            // sleep on the building's mutex, held only briefly); what is
            // left of any caller touches no data and runs without sleeping
            // (`UnloadBarrier` waits for it).
            #[cfg(not(elevator_stubs_srcu))]
            while INFLIGHT.load(Ordering::SeqCst) != 0 {
                // SAFETY: Sleeping is allowed here (module unload, no locks
                // held).
                unsafe { kernel::bindings::msleep(1) };
            }
            CURRENT.store(core::ptr::null_mut(), Ordering::SeqCst);
        }
    }

    /// Keeps the module's code until no syscall can still run it (course
    /// patch); must be the last thing module exit drops.
    pub struct UnloadBarrier(());

    impl UnloadBarrier {
        /// The barrier for this module's handlers.
        pub fn new() -> Self {
            UnloadBarrier(())
        }
    }

    impl Drop for UnloadBarrier {
        fn drop(&mut self) {
            // Step 3 of the module documentation.
            #[cfg(not(elevator_stubs_srcu))]
            synchronize_callers();
        }
    }
}

#[cfg(not(elevator_syscalls))]
mod imp {
    use super::Handlers;
    use kernel::error::Result;
    use kernel::sync::Arc;

    /// Without a syscall patch nothing runs our code from a syscall.
    pub struct UnloadBarrier(());

    impl UnloadBarrier {
        /// Nothing to wait for.
        pub fn new() -> Self {
            UnloadBarrier(())
        }
    }

    /// Without a syscall patch there is nothing to register.
    pub struct Registration<T: Handlers> {
        _handler: Arc<T>,
    }

    impl<T: Handlers> Registration<T> {
        /// Keeps `handler`; the syscalls do not exist on this kernel.
        pub fn new(handler: Arc<T>) -> Result<Self> {
            Ok(Registration { _handler: handler })
        }
    }
}

/// The syscall handlers' registration: installed by `new`, removed on drop
/// (after which no syscall uses the handler's data).
pub type Registration<T> = imp::Registration<T>;

/// Dropped last in module exit: after it no syscall runs the module's code.
pub type UnloadBarrier = imp::UnloadBarrier;

// SPDX-License-Identifier: GPL-2.0

//! Registration of the handlers of syscalls 548-550 in the kernel's exported
//! `STUB_start_elevator`, `STUB_issue_request` and `STUB_stop_elevator`
//! pointers (the course's names and C signatures).
//!
//! On the project's kernel (`kernel/0001-*.patch`) each syscall calls through
//! the pointer inside an SRCU read-side section; [`Registration`]'s `Drop`
//! clears the pointers and calls `elevator_stubs_synchronize()`, so once it
//! returns no syscall runs our code or uses our data any more.
//!
//! Built against a kernel without the patch (no `elevator_stubs_synchronize`
//! in its `Module.symvers`), the module is compiled without
//! `cfg(elevator_syscalls)` and [`Registration`] does nothing: the elevator is
//! then driven through `/proc/elevator` only.

/// What the three syscalls do. Return values are the syscalls' results.
pub trait Handlers: Send + Sync + 'static {
    /// `start_elevator()`.
    fn start(&self) -> i32;
    /// `issue_request(start, dest, type)`.
    fn issue(&self, start: i32, dest: i32, kind: i32) -> i32;
    /// `stop_elevator()`.
    fn stop(&self) -> i32;
}

/// Whether this build calls the syscall stubs (else it is `/proc` only).
pub const ENABLED: bool = cfg!(elevator_syscalls);

#[cfg(elevator_syscalls)]
mod imp {
    use super::Handlers;
    use core::sync::atomic::{AtomicPtr, Ordering};
    use kernel::error::{code::EBUSY, Result};
    use kernel::ffi::c_int;
    use kernel::sync::Arc;

    type StartFn = unsafe extern "C" fn() -> c_int;
    type IssueFn = unsafe extern "C" fn(c_int, c_int, c_int) -> c_int;

    extern "C" {
        static mut STUB_start_elevator: Option<StartFn>;
        static mut STUB_issue_request: Option<IssueFn>;
        static mut STUB_stop_elevator: Option<StartFn>;
        fn elevator_stubs_synchronize();
    }

    /// The registered handler (an `Arc<T>`'s pointer), NULL when none. Only
    /// one registration exists at a time, so the trampolines installed always
    /// match the type stored here.
    static CURRENT: AtomicPtr<core::ffi::c_void> = AtomicPtr::new(core::ptr::null_mut());

    /// Returns the registered handler.
    ///
    /// # Safety
    ///
    /// Must be called from a stub installed by `Registration::<T>::new`,
    /// inside the kernel's SRCU section, so `CURRENT` holds a live `T`.
    unsafe fn current<'a, T: Handlers>() -> Option<&'a T> {
        let p = CURRENT.load(Ordering::Acquire).cast::<T>();
        // SAFETY: Per the function's contract, a non-NULL `p` points to the
        // `T` of the live registration, which `Drop` keeps alive until after
        // `elevator_stubs_synchronize()`.
        unsafe { p.as_ref() }
    }

    /// The `STUB_*` handler installed for `T`.
    ///
    /// # Safety
    ///
    /// Called only by the syscall, inside the kernel's SRCU read section.
    unsafe extern "C" fn start<T: Handlers>() -> c_int {
        // SAFETY: Installed by `Registration::<T>::new`; called by the syscall
        // inside its SRCU section.
        unsafe { current::<T>() }.map_or(-(kernel::bindings::ENOSYS as c_int), |h| h.start())
    }

    /// The `STUB_*` handler installed for `T`.
    ///
    /// # Safety
    ///
    /// Called only by the syscall, inside the kernel's SRCU read section.
    unsafe extern "C" fn issue<T: Handlers>(s: c_int, d: c_int, t: c_int) -> c_int {
        // SAFETY: As in `start`.
        unsafe { current::<T>() }.map_or(-(kernel::bindings::ENOSYS as c_int), |h| h.issue(s, d, t))
    }

    /// The `STUB_*` handler installed for `T`.
    ///
    /// # Safety
    ///
    /// Called only by the syscall, inside the kernel's SRCU read section.
    unsafe extern "C" fn stop<T: Handlers>() -> c_int {
        // SAFETY: As in `start`.
        unsafe { current::<T>() }.map_or(-(kernel::bindings::ENOSYS as c_int), |h| h.stop())
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
            // single registration; syscalls read them with `READ_ONCE`, so a
            // volatile store of a whole pointer is what C's `WRITE_ONCE` does.
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
            // SAFETY: See `new`; storing `None` makes new syscalls answer
            // `-ENOSYS`.
            unsafe {
                core::ptr::write_volatile(&raw mut STUB_start_elevator, None);
                core::ptr::write_volatile(&raw mut STUB_issue_request, None);
                core::ptr::write_volatile(&raw mut STUB_stop_elevator, None);
            }
            // SAFETY: Always safe to call from process context without locks;
            // it waits for every syscall that may have read the old pointers.
            unsafe { elevator_stubs_synchronize() };
            CURRENT.store(core::ptr::null_mut(), Ordering::Release);
        }
    }
}

#[cfg(not(elevator_syscalls))]
mod imp {
    use super::Handlers;
    use kernel::error::Result;
    use kernel::sync::Arc;

    /// Without the syscall patch there is nothing to register.
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

/// The syscall handlers' registration: installed by `new`, removed on drop.
pub type Registration<T> = imp::Registration<T>;

// SPDX-License-Identifier: GPL-2.0

//! A kernel thread. Neither 6.12's nor 7.3's Rust has a kthread abstraction,
//! so this wraps the C API (`kthread_create_on_node`, `wake_up_process`,
//! `kthread_should_stop`, `kthread_stop_put`) the same way on both.
//!
//! [`KThread::run`] is C's `kthread_run()`: it creates the thread and wakes it.
//! Dropping the handle is `kthread_stop()`: it asks the thread to stop, wakes
//! it, and waits for it to return. That is correct in every case: the thread
//! may still be running, may have returned on its own, or may never have run
//! its function at all (then `kthread()` skips it), because the handle holds a
//! reference on the task and owns the data the thread borrows.
//!
//! Only the thread itself may ask whether it should stop (C's
//! `kthread_should_stop()` oopses on a task that is not a kthread): the
//! function it runs receives a [`ThreadContext`], which nothing else can
//! create, and only that context answers [`ThreadContext::should_stop`].

use core::ffi::CStr;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::ffi::{c_int, c_long, c_void};

use kernel::alloc::{flags::GFP_KERNEL, KBox};
use kernel::bindings;
use kernel::error::{from_err_ptr, Result};
use kernel::sync::Arc;

/// What the thread borrows: the shared data and the function to run.
struct Context<T: Send + Sync + 'static> {
    data: Arc<T>,
    func: fn(&T, &ThreadContext),
}

/// What the thread's function gets besides its data: the right to ask
/// whether it should stop, which only a kthread may ask.
///
/// # Invariants
///
/// Created only by `trampoline`, on the kthread it is given to, and never
/// leaves it (it is neither `Send` nor `Sync`).
pub struct ThreadContext {
    _not_send: PhantomData<*mut ()>,
}

impl ThreadContext {
    /// Whether `kthread_stop` has been called on this thread.
    pub fn should_stop(&self) -> bool {
        // SAFETY: By the type invariants we run on a kthread, where
        // `kthread_should_stop` reads a flag of `current`.
        unsafe { bindings::kthread_should_stop() }
    }

    /// Sleeps about `ms` milliseconds in an interruptible state:
    /// `kthread_stop` (which wakes the thread) ends the sleep early, except
    /// when it lands just before the sleep starts, which costs at most one
    /// sleep.
    pub fn sleep_interruptible_ms(&self, ms: u32) {
        let jiffies = kernel::time::msecs_to_jiffies(ms);
        let jiffies = c_long::try_from(jiffies).unwrap_or(c_long::MAX);
        // SAFETY: Sleeping is allowed in a kthread; the thread's function
        // holds no spinlock while it has only `&self` to call this with.
        unsafe { bindings::schedule_timeout_interruptible(jiffies) };
    }
}

/// A running kernel thread, stopped when dropped.
///
/// # Invariants
///
/// `task` is a kthread created with `trampoline::<T>` and `context` as its
/// data, on which this handle holds a reference (`get_task_struct`), and
/// which has not been stopped yet.
pub struct KThread<T: Send + Sync + 'static> {
    task: NonNull<bindings::task_struct>,
    context: KBox<Context<T>>,
}

// SAFETY: The handle only calls `kthread_stop_put` on the task, which may be
// done from any thread, and owns `Context<T>` whose fields are `Send + Sync`.
unsafe impl<T: Send + Sync + 'static> Send for KThread<T> {}
// SAFETY: `&KThread` gives no access to anything.
unsafe impl<T: Send + Sync + 'static> Sync for KThread<T> {}

/// The thread function given to `kthread_create_on_node`.
///
/// # Safety
///
/// `data` must point to a `Context<T>` that stays valid until this returns.
unsafe extern "C" fn trampoline<T: Send + Sync + 'static>(data: *mut c_void) -> c_int {
    // SAFETY: `data` is the `Context<T>` owned by the `KThread<T>` handle,
    // which frees it only after `kthread_stop` has waited for this function.
    let context = unsafe { &*data.cast::<Context<T>>() };
    // INVARIANT: This runs on the new kthread, which the context never leaves.
    let thread = ThreadContext {
        _not_send: PhantomData,
    };
    (context.func)(&context.data, &thread);
    0
}

impl<T: Send + Sync + 'static> KThread<T> {
    /// Creates a thread named `name` that runs `func(&data)`, and wakes it.
    ///
    /// `func` should return when [`ThreadContext::should_stop`] is true (or
    /// sooner).
    pub fn run(name: &CStr, data: Arc<T>, func: fn(&T, &ThreadContext)) -> Result<Self> {
        let context = KBox::new(Context { data, func }, GFP_KERNEL)?;
        let ptr: *const Context<T> = &*context;
        // SAFETY: `trampoline::<T>` has the C signature `kthread` expects and
        // receives a pointer to `context`, which outlives the thread (see
        // `Drop`). `"%s"` with a NUL-terminated `name` is a valid format.
        let task = unsafe {
            bindings::kthread_create_on_node(
                Some(trampoline::<T>),
                ptr.cast_mut().cast(),
                bindings::NUMA_NO_NODE,
                crate::cstr::as_char_ptr(c"%s"),
                crate::cstr::as_char_ptr(name),
            )
        };
        let task = from_err_ptr(task)?;
        // `from_err_ptr` returned a valid pointer, never NULL.
        let task = NonNull::new(task).ok_or(kernel::error::code::ENOMEM)?;
        // SAFETY: `task` is a live task just created; the reference taken
        // keeps it valid until `kthread_stop_put` in `Drop`.
        unsafe { bindings::get_task_struct(task.as_ptr()) };
        // SAFETY: `task` is a valid, newly created (sleeping) kthread.
        unsafe { bindings::wake_up_process(task.as_ptr()) };
        Ok(KThread { task, context })
    }

    /// The shared data the thread runs on.
    pub fn data(&self) -> &Arc<T> {
        &self.context.data
    }
}

impl<T: Send + Sync + 'static> Drop for KThread<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariants `task` is a kthread we hold a
        // reference on and have not stopped; `kthread_stop_put` stops it,
        // waits for `trampoline` to return (or for the thread to exit if it
        // never ran it), then drops our reference. `context` is freed after.
        unsafe { bindings::kthread_stop_put(self.task.as_ptr()) };
    }
}

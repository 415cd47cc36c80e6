// SPDX-License-Identifier: GPL-2.0

//! The course's Example5, in Rust: the bare pattern the elevator grows from.
//!
//! On `insmod` a kthread starts; it sleeps a second and increments a counter,
//! until `rmmod` stops it. `/proc/example5` shows the counter. It uses the
//! elevator's own kthread and proc wrappers.

use core::sync::atomic::{AtomicU64, Ordering};
use kernel::prelude::*;
use kernel::sync::Arc;

#[path = "cstr.rs"]
pub mod cstr;
#[path = "kthread.rs"]
pub mod kthread;
#[path = "params.rs"]
pub mod params;
#[path = "procfs.rs"]
pub mod procfs;

elevator_module! {
    type: Example5,
    name: "example5",
    author: "elevator developers",
    description: "A kthread counting seconds, shown in /proc/example5",
    license: "GPL",
    uint_params: {},
    charp_params: {},
}

/// The counter the thread increments and the proc file shows.
struct Counter {
    seconds: AtomicU64,
}

impl Counter {
    fn run(&self, thread: &kthread::ThreadContext) {
        while !thread.should_stop() {
            thread.sleep_interruptible_ms(1000);
            if thread.should_stop() {
                break;
            }
            self.seconds.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl procfs::ProcHandler for Counter {
    fn show(&self, out: &mut procfs::SeqWriter<'_>) -> core::fmt::Result {
        use core::fmt::Write;
        writeln!(out, "counter: {}", self.seconds.load(Ordering::Relaxed))
    }

    fn size_hint(&self) -> usize {
        64
    }

    fn write(&self, _input: &[u8]) -> Result {
        Err(EPERM)
    }
}

struct Example5 {
    _proc_entry: procfs::ProcEntry<Counter>,
    _thread: kthread::KThread<Counter>,
}

impl kernel::Module for Example5 {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let counter = Arc::new(
            Counter {
                seconds: AtomicU64::new(0),
            },
            GFP_KERNEL,
        )?;
        // Fields drop in order: the proc file goes first, then the thread stops.
        let thread = kthread::KThread::run(c"example5", counter.clone(), Counter::run)?;
        let proc_entry = procfs::ProcEntry::new(c"example5", 0o444, counter)?;
        Ok(Example5 {
            _proc_entry: proc_entry,
            _thread: thread,
        })
    }
}

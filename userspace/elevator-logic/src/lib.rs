// SPDX-License-Identifier: GPL-2.0

//! The kernel module's elevator logic, compiled for the host.
//!
//! The source files are the module's own (`src/logic/` at the top of the
//! repository); this crate only adds `Vec` storage for the per-floor queues so
//! that unit tests, property tests and the simulator run the exact code the
//! kernel runs.

#![no_std]

extern crate alloc;

#[path = "../../../src/logic/mod.rs"]
mod logic;

pub use logic::*;

use alloc::vec::Vec;

impl Slots for Vec<Rider> {
    fn empty() -> Self {
        Vec::new()
    }

    fn try_with_len(len: usize) -> Result<Self, AllocError> {
        let mut v = Vec::new();
        v.try_reserve_exact(len).map_err(|_| AllocError)?;
        v.resize(len, Rider::EMPTY);
        Ok(v)
    }
}

/// The building as the host uses it.
pub type HostBuilding = Building<Vec<Rider>>;

/// Issues a request, growing the floor's queue as the kernel does (allocate,
/// then install) when it is full.
pub fn issue_growing(
    b: &mut HostBuilding,
    start: i32,
    dest: i32,
    kind: i32,
    now: u64,
) -> Result<(), Invalid> {
    loop {
        match b.issue(start, dest, kind, now) {
            Ok(()) => return Ok(()),
            Err(IssueError::Invalid(e)) => return Err(e),
            Err(IssueError::Full { floor, capacity }) => {
                let bigger = Vec::try_with_len(capacity).expect("host allocation");
                drop(b.grow(floor, bigger));
            }
        }
    }
}

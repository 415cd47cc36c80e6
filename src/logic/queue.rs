// SPDX-License-Identifier: GPL-2.0

//! A floor's FIFO queue of waiting riders: a ring buffer over storage that the
//! caller allocates.
//!
//! The queue never allocates by itself. When it is full, [`Queue::push`] hands
//! the rider back and the caller allocates a bigger buffer *without holding any
//! lock* (the kernel may sleep in the allocator), then installs it with
//! [`Queue::grow`]. The old buffer comes back to be freed after the lock is
//! dropped. That keeps every allocation fallible and outside the lock.

use core::ops::DerefMut;

/// A waiting or travelling rider. 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rider {
    /// When the request was issued, in the building's milliseconds.
    pub arrival_ms: u64,
    /// Floor the rider came from.
    pub start: u8,
    /// Floor the rider wants to go to.
    pub dest: u8,
    /// Index into the profile's rider types (0..=3).
    pub kind: u8,
}

impl Rider {
    /// Filler for unused slots.
    pub const EMPTY: Rider = Rider {
        arrival_ms: 0,
        start: 0,
        dest: 0,
        kind: 0,
    };
}

/// Allocation failed; nothing was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocError;

/// Storage for a queue: a slice of riders whose length is the capacity.
///
/// The kernel implements it for `KVec<Rider>`, the host for `Vec<Rider>`.
pub trait Slots: DerefMut<Target = [Rider]> + Sized {
    /// Storage of no capacity; must not allocate.
    fn empty() -> Self;
    /// Storage of exactly `len` slots, or [`AllocError`].
    fn try_with_len(len: usize) -> Result<Self, AllocError>;
}

/// First capacity given to a queue.
pub const INITIAL_CAPACITY: usize = 8;

/// A FIFO of riders in a ring buffer.
///
/// # Invariants
///
/// `len <= buf.len()`, and when `buf.len() > 0`, `head < buf.len()`. The
/// riders in queue order are `buf[(head + i) % buf.len()]` for `i < len`.
pub struct Queue<S: Slots> {
    buf: S,
    head: usize,
    len: usize,
}

impl<S: Slots> Queue<S> {
    /// An empty queue that owns no memory.
    pub fn new() -> Self {
        Queue {
            buf: S::empty(),
            head: 0,
            len: 0,
        }
    }

    /// Number of riders waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nobody waits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots allocated.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The capacity to allocate when the queue is full.
    pub fn next_capacity(&self) -> usize {
        if self.buf.len() == 0 {
            INITIAL_CAPACITY
        } else {
            self.buf.len().saturating_mul(2)
        }
    }

    /// The rider at the head of the line.
    pub fn front(&self) -> Option<&Rider> {
        if self.len == 0 {
            None
        } else {
            Some(&self.buf[self.head])
        }
    }

    /// Appends a rider, or gives it back when there is no free slot.
    pub fn push(&mut self, r: Rider) -> Result<(), Rider> {
        let cap = self.buf.len();
        if self.len == cap {
            return Err(r);
        }
        let i = (self.head + self.len) % cap;
        self.buf[i] = r;
        self.len += 1;
        Ok(())
    }

    /// Removes the rider at the head of the line.
    pub fn pop(&mut self) -> Option<Rider> {
        if self.len == 0 {
            return None;
        }
        let r = self.buf[self.head];
        self.head = (self.head + 1) % self.buf.len();
        self.len -= 1;
        if self.len == 0 {
            self.head = 0;
        }
        Some(r)
    }

    /// Moves the riders into `bigger` (which must hold them all) and returns
    /// the old storage, to be freed by the caller. If `bigger` is not bigger,
    /// it is returned unused.
    pub fn grow(&mut self, mut bigger: S) -> S {
        if bigger.len() <= self.buf.len() {
            return bigger;
        }
        for i in 0..self.len {
            bigger[i] = self.buf[(self.head + i) % self.buf.len()];
        }
        self.head = 0;
        core::mem::swap(&mut self.buf, &mut bigger);
        bigger
    }

    /// Riders in queue order.
    pub fn iter(&self) -> impl Iterator<Item = &Rider> + '_ {
        let cap = self.buf.len();
        (0..self.len).map(move |i| &self.buf[(self.head + i) % cap])
    }
}

impl<S: Slots> Default for Queue<S> {
    fn default() -> Self {
        Self::new()
    }
}

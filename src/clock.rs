// SPDX-License-Identifier: GPL-2.0

//! The elevator's clock: milliseconds since the module was loaded, from the
//! kernel's monotonic clock. 6.12's Rust has `Ktime`; 7.x replaced it by
//! `Instant<Monotonic>` and `Delta`, which this file uses there.

/// A point on the monotonic clock, from which [`Epoch::elapsed_ms`] counts.
pub struct Epoch {
    #[cfg(not(elevator_rust_7))]
    start: kernel::time::Ktime,
    #[cfg(elevator_rust_7)]
    start: kernel::time::Instant<kernel::time::Monotonic>,
}

impl Epoch {
    /// Now.
    pub fn now() -> Self {
        Epoch {
            #[cfg(not(elevator_rust_7))]
            start: kernel::time::Ktime::ktime_get(),
            #[cfg(elevator_rust_7)]
            start: kernel::time::Instant::now(),
        }
    }

    /// Whole milliseconds since `self` (0 if the clock went backwards, which
    /// the monotonic clock never does).
    pub fn elapsed_ms(&self) -> u64 {
        #[cfg(not(elevator_rust_7))]
        let ms = kernel::time::ktime_ms_delta(kernel::time::Ktime::ktime_get(), self.start);
        #[cfg(elevator_rust_7)]
        let ms = self.start.elapsed().as_millis();
        u64::try_from(ms).unwrap_or(0)
    }
}

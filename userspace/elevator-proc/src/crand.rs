// SPDX-License-Identifier: GPL-2.0
//! glibc's `srand()`/`rand()` in plain Rust, so that a seeded run draws exactly what
//! the course's C producer draws (`srand(time(0))`, then `rand() % n + min`), on any
//! libc and in tests.
//!
//! This is glibc's default generator (`TYPE_3`: an additive feedback generator with
//! 31 words of state, seeded by a Park-Miller sequence, 310 outputs discarded).

/// Words of state (glibc's `DEG_3`).
const DEG: usize = 31;
/// Distance between the two taps (glibc's `SEP_3`).
const SEP: usize = 3;

/// glibc's `rand()` state.
#[derive(Debug, Clone)]
pub struct GlibcRand {
    state: [i32; DEG],
    f: usize,
    r: usize,
}

impl GlibcRand {
    /// The generator after `srand(seed)`.
    pub fn new(seed: u32) -> Self {
        let seed = if seed == 0 { 1 } else { seed };
        let mut state = [0i32; DEG];
        state[0] = seed as i32;
        let mut word = seed as i32;
        for slot in state.iter_mut().skip(1) {
            let hi = i64::from(word) / 127_773;
            let lo = i64::from(word) % 127_773;
            word = (16_807 * lo - 2_836 * hi) as i32;
            if word < 0 {
                word = word.wrapping_add(2_147_483_647);
            }
            *slot = word;
        }
        let mut g = GlibcRand {
            state,
            f: SEP,
            r: 0,
        };
        for _ in 0..DEG * 10 {
            g.next_raw();
        }
        g
    }

    /// The next `rand()`: a number in `0..=RAND_MAX` (2^31 - 1).
    pub fn next_raw(&mut self) -> i32 {
        let val = (self.state[self.f] as u32).wrapping_add(self.state[self.r] as u32);
        self.state[self.f] = val as i32;
        self.f += 1;
        self.r += 1;
        if self.f >= DEG {
            self.f = 0;
        } else if self.r >= DEG {
            self.r = 0;
        }
        (val >> 1) as i32
    }

    /// The course's `rnd(min, max)`: `rand() % (max - min + 1) + min`.
    ///
    /// `max` must not be below `min`.
    pub fn rnd(&mut self, min: i32, max: i32) -> i32 {
        let span = i64::from(max) - i64::from(min) + 1;
        assert!(span > 0, "rnd({min}, {max}): empty range");
        (i64::from(self.next_raw()) % span + i64::from(min)) as i32
    }

    /// One request drawn the way the course's `producer.c` draws it: type from 0-3,
    /// then start from `lo..=hi`, then destinations until one differs from the start.
    /// Returns `(start, dest, type)`. `lo` must be below `hi`.
    pub fn request(&mut self, lo: i32, hi: i32) -> (i32, i32, i32) {
        assert!(lo < hi, "a request needs two floors at least");
        let kind = self.rnd(0, 3);
        let start = self.rnd(lo, hi);
        let dest = loop {
            let d = self.rnd(lo, hi);
            if d != start {
                break d;
            }
        };
        (start, dest, kind)
    }
}

/// The seed the C producer uses: `srand(time(0))`, the seconds since the epoch
/// truncated to `unsigned int`.
pub fn time_seed() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known first outputs of glibc's `srand(1)` (the sequence every C programmer sees).
    #[test]
    fn seed_one_matches_glibc() {
        let mut g = GlibcRand::new(1);
        let got: Vec<i32> = (0..5).map(|_| g.next_raw()).collect();
        assert_eq!(
            got,
            [1804289383, 846930886, 1681692777, 1714636915, 1957747793]
        );
        // srand(0) is srand(1).
        let mut z = GlibcRand::new(0);
        assert_eq!(z.next_raw(), 1804289383);
    }

    /// Against the real `rand()` of the C library this is linked with, when it is glibc.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn matches_libc_rand() {
        for seed in [1u32, 2, 42, 1_700_000_000, 0x8000_0005, u32::MAX] {
            // SAFETY: srand/rand are plain libc calls; this is the only test that
            // touches the C library's generator.
            unsafe { libc::srand(seed) };
            let mut g = GlibcRand::new(seed);
            for i in 0..1000 {
                let c = unsafe { libc::rand() };
                assert_eq!(g.next_raw(), c, "seed {seed}, draw {i}");
            }
        }
    }

    #[test]
    fn requests_are_valid() {
        let mut g = GlibcRand::new(7);
        for _ in 0..10_000 {
            let (s, d, t) = g.request(1, 6);
            assert!((1..=6).contains(&s) && (1..=6).contains(&d) && s != d);
            assert!((0..=3).contains(&t));
        }
    }
}

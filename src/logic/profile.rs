// SPDX-License-Identifier: GPL-2.0

//! The building profiles: floors, limits and rider types of each semester.
//!
//! Weights are kept in half pounds (`office` has 0.5 and 1.5 lb riders), so all
//! arithmetic is exact integer arithmetic.

/// One kind of rider: its name, the letter shown in `/proc/elevator`, its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiderType {
    /// Human name, e.g. `Chihuahua`.
    pub name: &'static str,
    /// Letter shown in `/proc/elevator`.
    pub letter: u8,
    /// Weight in half pounds.
    pub half_lbs: u32,
}

/// A building: its floors, the car's limits and the four rider types.
#[derive(Debug, PartialEq, Eq)]
pub struct Profile {
    /// Name given to `insmod elevator.ko profile=NAME`.
    pub name: &'static str,
    /// Top floor; floors are numbered `1..=floors`.
    pub floors: u8,
    /// Most riders aboard at once.
    pub max_riders: usize,
    /// Most weight aboard at once, in half pounds (inclusive).
    pub max_half_lbs: u32,
    /// The four rider types, indexed by the `type` argument of `issue_request`.
    pub types: [RiderType; 4],
    /// Plural noun used in `/proc/elevator` ("pets", "passengers").
    pub noun: &'static str,
}

const fn t(name: &'static str, letter: u8, half_lbs: u32) -> RiderType {
    RiderType {
        name,
        letter,
        half_lbs,
    }
}

/// The newest course profile and the default.
pub static PETS: Profile = Profile {
    name: "pets",
    floors: 5,
    max_riders: 5,
    max_half_lbs: 100,
    types: [
        t("Chihuahua", b'C', 6),
        t("Pug", b'P', 28),
        t("Pughuahua", b'H', 20),
        t("Dachshund", b'D', 32),
    ],
    noun: "pets",
};

/// The dormitory profile: six floors, heavy riders.
pub static DORM: Profile = Profile {
    name: "dorm",
    floors: 6,
    max_riders: 5,
    max_half_lbs: 1500,
    types: [
        t("freshman", b'F', 200),
        t("sophomore", b'O', 300),
        t("junior", b'J', 400),
        t("senior", b'S', 500),
    ],
    noun: "passengers",
};

/// The office profile: fractional weights.
pub static OFFICE: Profile = Profile {
    name: "office",
    floors: 5,
    max_riders: 5,
    max_half_lbs: 14,
    types: [
        t("part-timer", b'P', 2),
        t("lawyer", b'L', 3),
        t("boss", b'B', 4),
        t("visitor", b'V', 1),
    ],
    noun: "passengers",
};

/// Every profile, default first.
pub static PROFILES: [&Profile; 3] = [&PETS, &DORM, &OFFICE];

/// Most floors of any profile (sizes the per-floor arrays).
pub const MAX_FLOORS: usize = 6;

/// Most riders aboard in any profile (sizes the car's array).
pub const MAX_ABOARD: usize = 5;

impl Profile {
    /// Looks a profile up by name (exact, case-sensitive).
    pub fn by_name(name: &[u8]) -> Option<&'static Profile> {
        PROFILES.iter().copied().find(|p| p.name.as_bytes() == name)
    }
}

/// Writes a weight in half pounds as `30` or `4.5`.
pub fn write_half_lbs<W: core::fmt::Write>(w: &mut W, half_lbs: u32) -> core::fmt::Result {
    if half_lbs & 1 == 0 {
        write!(w, "{}", half_lbs / 2)
    } else {
        write!(w, "{}.5", half_lbs / 2)
    }
}

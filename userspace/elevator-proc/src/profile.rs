// SPDX-License-Identifier: GPL-2.0
//! The module's profiles (`insmod elevator.ko profile=NAME`) and their constants.
//!
//! The parser never needs these; they serve the tools that want to show a load against
//! its limit or check a snapshot against the building it claims to be. A profile is
//! inferred from what `/proc/elevator` shows: the noun, the floor count and the letters.

use crate::{format_load_x10, Rider, Snapshot};
use serde::Serialize;
use std::fmt;

/// One rider type of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RiderType {
    /// The letter printed in `/proc/elevator`.
    pub letter: char,
    /// What the course calls it.
    pub name: &'static str,
    /// Its weight in tenths of a pound.
    pub weight_x10: u32,
}

/// A building: floors, limits and rider types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// The name given to `insmod ... profile=NAME`.
    pub name: &'static str,
    /// Floors are numbered 1 to `floors`.
    pub floors: u32,
    /// Most riders aboard at once.
    pub max_riders: u32,
    /// Most weight aboard at once, in tenths of a pound.
    pub max_load_x10: u32,
    /// The noun printed on the counter lines.
    pub noun: &'static str,
    /// Types 0 to 3, as passed to `issue_request`.
    pub types: [RiderType; 4],
}

/// Converts the module's own profile (`src/logic/profile.rs`, half pounds) so
/// that the tools and the module share one definition of each building.
const fn from_module(p: &elevator_logic::Profile) -> Profile {
    let mut types = [RiderType {
        letter: ' ',
        name: "",
        weight_x10: 0,
    }; 4];
    let mut i = 0;
    while i < 4 {
        let t = &p.types[i];
        types[i] = RiderType {
            letter: t.letter as char,
            name: t.name,
            weight_x10: t.half_lbs * 5,
        };
        i += 1;
    }
    Profile {
        name: p.name,
        floors: p.floors as u32,
        max_riders: p.max_riders as u32,
        max_load_x10: p.max_half_lbs * 5,
        noun: p.noun,
        types,
    }
}

/// The default profile: pets, floors 1-5, 5 riders and 50 lbs.
pub const PETS: Profile = from_module(&elevator_logic::profile::PETS);

/// The dorm: floors 1-6, 5 riders and 750 lbs.
pub const DORM: Profile = from_module(&elevator_logic::profile::DORM);

/// The office: floors 1-5, 5 riders and 7 lbs (with half pounds).
pub const OFFICE: Profile = from_module(&elevator_logic::profile::OFFICE);

/// Every profile, the default first.
pub const ALL: [&Profile; 3] = [&PETS, &DORM, &OFFICE];

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// A way a snapshot does not fit a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProfileProblem {
    /// The noun is not the profile's.
    Noun { found: String },
    /// The floors printed are not 1 to `floors`.
    Floors { top: u32 },
    /// A letter that is none of the profile's types.
    Letter { rider: Rider },
    /// The load printed is not the sum of the weights aboard.
    Load { printed_x10: u32, sum_x10: u32 },
    /// More weight aboard than the limit.
    Overweight { load_x10: u32 },
    /// More riders aboard than the limit.
    Crowded { aboard: u32 },
}

impl ProfileProblem {
    /// Describes the problem, with the profile's constants.
    pub fn describe(&self, p: &Profile) -> String {
        match self {
            ProfileProblem::Noun { found } => {
                format!("noun `{found}` is not `{}` ({p})", p.noun)
            }
            ProfileProblem::Floors { top } => {
                format!("floors go up to {top}, {p} has floors 1-{}", p.floors)
            }
            ProfileProblem::Letter { rider } => {
                format!("rider {rider} has a letter that {p} does not use")
            }
            ProfileProblem::Load {
                printed_x10,
                sum_x10,
            } => format!(
                "load is {} lbs but the riders aboard weigh {} lbs",
                format_load_x10(*printed_x10),
                format_load_x10(*sum_x10)
            ),
            ProfileProblem::Overweight { load_x10 } => format!(
                "load {} lbs is over the limit of {} lbs",
                format_load_x10(*load_x10),
                format_load_x10(p.max_load_x10)
            ),
            ProfileProblem::Crowded { aboard } => {
                format!("{aboard} riders aboard, over the limit of {}", p.max_riders)
            }
        }
    }
}

impl Profile {
    /// The profile with this name.
    pub fn by_name(name: &str) -> Option<&'static Profile> {
        ALL.into_iter().find(|p| p.name == name)
    }

    /// The type with this letter.
    pub fn rider_type(&self, letter: char) -> Option<&RiderType> {
        self.types.iter().find(|t| t.letter == letter)
    }

    /// The letters of types 0 to 3.
    pub fn letters(&self) -> [char; 4] {
        self.types.map(|t| t.letter)
    }

    /// The weight of these riders, if every letter is one of the profile's.
    pub fn weight_x10(&self, riders: &[Rider]) -> Option<u32> {
        riders
            .iter()
            .map(|r| self.rider_type(r.kind).map(|t| t.weight_x10))
            .sum()
    }

    /// Whether a floor number is in the building.
    pub fn has_floor(&self, floor: i64) -> bool {
        (1..=i64::from(self.floors)).contains(&floor)
    }

    fn all_riders(snap: &Snapshot) -> impl Iterator<Item = &Rider> {
        snap.aboard
            .iter()
            .chain(snap.floors.iter().flat_map(|f| f.riders.iter()))
    }

    /// The profile a snapshot shows: same noun, same floors, every letter known.
    /// When the letters cannot tell (nobody in the building), the noun and the floor
    /// count decide (`pets` / 5 floors, `passengers` / 6 floors, `passengers` / 5
    /// floors).
    pub fn infer(snap: &Snapshot) -> Option<&'static Profile> {
        let top = snap.top_floor();
        ALL.into_iter().find(|p| {
            p.noun == snap.noun
                && p.floors == top
                && Self::all_riders(snap).all(|r| p.rider_type(r.kind).is_some())
        })
    }

    /// Every way the snapshot does not fit this profile (empty when it fits).
    pub fn problems(&self, snap: &Snapshot) -> Vec<ProfileProblem> {
        let mut out = Vec::new();
        if snap.noun != self.noun {
            out.push(ProfileProblem::Noun {
                found: snap.noun.clone(),
            });
        }
        let top = snap.top_floor();
        if top != self.floors || snap.floor_range().map(|(lo, _)| lo) != Some(1) {
            out.push(ProfileProblem::Floors { top });
        }
        for r in Self::all_riders(snap) {
            if self.rider_type(r.kind).is_none() {
                out.push(ProfileProblem::Letter { rider: *r });
            }
        }
        if let Some(sum) = self.weight_x10(&snap.aboard) {
            if sum != snap.load_x10 {
                out.push(ProfileProblem::Load {
                    printed_x10: snap.load_x10,
                    sum_x10: sum,
                });
            }
        }
        if snap.load_x10 > self.max_load_x10 {
            out.push(ProfileProblem::Overweight {
                load_x10: snap.load_x10,
            });
        }
        if snap.aboard_count() > self.max_riders {
            out.push(ProfileProblem::Crowded {
                aboard: snap.aboard_count(),
            });
        }
        out
    }
}

// SPDX-License-Identifier: GPL-2.0
//! One parser of `/proc/elevator` for every profile of the elevator module.
//!
//! The parser does not hard-code a profile: it reads the floors, the rider letters and
//! the noun ("pets", "passengers", ...) from the text itself, so the same code reads the
//! `pets`, `dorm` and `office` buildings. The layout it reads is the one in SPEC.md:
//!
//! ```text
//! Elevator state: LOADING
//! Current floor: 4
//! Current load: 43 lbs
//! Elevator status: C5 D2 P3 H1
//!
//! [ ] Floor 5: 1 H3
//! [*] Floor 4: 0
//! [ ] Floor 3: 2 P5 C1
//! [ ] Floor 2: 1 D4
//! [ ] Floor 1: 0
//!
//! Number of pets: 4
//! Number of pets waiting: 4
//! Number of pets serviced: 27
//! ```
//!
//! [`parse`] is lenient about blank lines, trailing spaces and `\r\n` line ends, but
//! strict about every field. [`Snapshot`]'s `Display` prints the canonical layout back,
//! so `parse(text)?.to_string() == text` checks a text byte for byte.
//! [`Snapshot::problems`] checks the counters against each other (for example that
//! "Number of ... waiting" is the sum of the floor counts), and
//! [`profile::Profile::problems`] checks a snapshot against a profile's constants.
//!
//! Besides the parser, the crate holds what every userspace client of the module
//! shares: [`sys`] (the course's syscalls 548-550 and the `/proc/elevator` commands)
//! and [`crand`] (glibc's `rand()`, so that a seeded run draws what the C producer
//! draws).

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

pub mod crand;
pub mod guest;
pub mod profile;
pub mod sys;

pub use profile::Profile;

/// The elevator's state, as printed on the `Elevator state:` line: the
/// module's own type, so the parser reads exactly the words it renders.
pub use elevator_logic::{State, UnknownState};

/// Serializes a [`State`] as its `/proc/elevator` word (`"IDLE"`).
fn state_word<S: serde::Serializer>(state: &State, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(state.as_str())
}

/// One rider: a type letter and a destination floor, printed as `C5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Rider {
    /// The type letter (`C`, `P`, `H`, `D` for pets; `F`, `O`, `J`, `S` for dorm; ...).
    pub kind: char,
    /// The destination floor.
    pub dest: u32,
}

impl fmt::Display for Rider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.kind, self.dest)
    }
}

impl FromStr for Rider {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "bad rider `{}` (expected a type letter and a destination floor, like C5)",
                shorten(s, 20)
            )
        };
        let mut chars = s.chars();
        let kind = chars.next().ok_or_else(bad)?;
        let digits = chars.as_str();
        if !kind.is_ascii_uppercase()
            || digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let dest = digits.parse().map_err(|_| bad())?;
        Ok(Rider { kind, dest })
    }
}

/// One floor line: `[*] Floor 4: 2 P5 C1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Floor {
    /// The floor's number.
    pub number: u32,
    /// True on the elevator's floor (`[*]`).
    pub is_current: bool,
    /// The count printed after the colon.
    pub waiting: u32,
    /// The riders listed after the count, head of the queue first.
    pub riders: Vec<Rider>,
}

/// A fixed-point load in tenths of a pound (`45` is 4.5 lbs).
///
/// Formats the way the module prints it: `4.5`, `30`, `0`.
pub fn format_load_x10(load_x10: u32) -> String {
    if load_x10.is_multiple_of(10) {
        format!("{}", load_x10 / 10)
    } else {
        format!("{}.{}", load_x10 / 10, load_x10 % 10)
    }
}

/// Parses a load in pounds (`4.5`, `30`, `0`, at most one decimal) into tenths.
pub fn parse_load_x10(s: &str) -> Result<u32, String> {
    let bad = || format!("bad load `{s}` (expected pounds like 30 or 4.5)");
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: u32 = whole.parse().map_err(|_| bad())?;
    let tenths = match frac {
        None => 0,
        Some(f) if f.len() == 1 && f.as_bytes()[0].is_ascii_digit() => {
            u32::from(f.as_bytes()[0] - b'0')
        }
        Some(_) => return Err(bad()),
    };
    whole
        .checked_mul(10)
        .and_then(|w| w.checked_add(tenths))
        .ok_or_else(bad)
}

/// Everything one read of `/proc/elevator` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// `Elevator state:`.
    #[serde(serialize_with = "state_word")]
    pub state: State,
    /// `Current floor:`.
    pub current_floor: u32,
    /// `Current load:` in tenths of a pound (`Current load: 4.5 lbs` is 45).
    pub load_x10: u32,
    /// `Elevator status:`: the riders aboard, in boarding order.
    pub aboard: Vec<Rider>,
    /// The floor lines, as printed: top floor first.
    pub floors: Vec<Floor>,
    /// The profile's noun: `pets` or `passengers`.
    pub noun: String,
    /// `Number of <noun>:` (riders aboard).
    pub number_aboard: u32,
    /// `Number of <noun> waiting:`.
    pub number_waiting: u64,
    /// `Number of <noun> serviced:`.
    pub number_serviced: u64,
}

/// An inconsistency between the fields of one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// `Number of <noun> waiting` differs from the sum of the floor counts.
    WaitingTotal { reported: u64, sum_of_floors: u64 },
    /// `Number of <noun>` differs from the riders listed on `Elevator status:`.
    AboardTotal { reported: u32, listed: u32 },
    /// A floor's count differs from the riders listed on its line.
    FloorCount { floor: u32, count: u32, listed: u32 },
    /// No floor, or more than one, carries `[*]`, or it is not the current floor.
    Marker {
        current_floor: u32,
        marked: Vec<u32>,
    },
    /// The floors are not printed top first as N, N-1, ..., 1.
    FloorOrder { printed: Vec<u32> },
    /// A rider's destination is not one of the building's floors.
    DestinationOutOfRange { rider: Rider, on_floor: Option<u32> },
    /// A waiting rider's destination is the floor they wait on.
    DestinationIsStart { rider: Rider, on_floor: u32 },
    /// The elevator is OFFLINE or IDLE but has riders aboard.
    RidersWhileStill {
        #[serde(serialize_with = "state_word")]
        state: State,
        aboard: u32,
    },
    /// The load is not zero while nobody is aboard.
    LoadWithoutRiders { load_x10: u32 },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::WaitingTotal {
                reported,
                sum_of_floors,
            } => write!(
                f,
                "number waiting is {reported} but the floors add up to {sum_of_floors}"
            ),
            Problem::AboardTotal { reported, listed } => write!(
                f,
                "number aboard is {reported} but the status line lists {listed} riders"
            ),
            Problem::FloorCount {
                floor,
                count,
                listed,
            } => write!(
                f,
                "floor {floor} says {count} waiting but lists {listed} riders"
            ),
            Problem::Marker {
                current_floor,
                marked,
            } => write!(
                f,
                "current floor is {current_floor} but [*] marks floors {marked:?}"
            ),
            Problem::FloorOrder { printed } => {
                write!(f, "floors are not printed top first down to 1: {printed:?}")
            }
            Problem::DestinationOutOfRange { rider, on_floor } => match on_floor {
                Some(n) => write!(f, "rider {rider} waiting on floor {n} goes to no floor"),
                None => write!(f, "rider {rider} aboard goes to no floor"),
            },
            Problem::DestinationIsStart { rider, on_floor } => write!(
                f,
                "rider {rider} waits on floor {on_floor}, its own destination"
            ),
            Problem::RidersWhileStill { state, aboard } => {
                write!(f, "state is {state} with {aboard} riders aboard")
            }
            Problem::LoadWithoutRiders { load_x10 } => write!(
                f,
                "load is {} lbs with nobody aboard",
                format_load_x10(*load_x10)
            ),
        }
    }
}

impl Snapshot {
    /// The load as the module prints it (`4.5`, `30`).
    pub fn load_display(&self) -> String {
        format_load_x10(self.load_x10)
    }

    /// The lowest and highest floor numbers printed.
    pub fn floor_range(&self) -> Option<(u32, u32)> {
        let lo = self.floors.iter().map(|f| f.number).min()?;
        let hi = self.floors.iter().map(|f| f.number).max()?;
        Some((lo, hi))
    }

    /// The highest floor (the building's floor count when floors start at 1).
    pub fn top_floor(&self) -> u32 {
        self.floor_range().map_or(0, |(_, hi)| hi)
    }

    /// The floor line with this number.
    pub fn floor(&self, number: u32) -> Option<&Floor> {
        self.floors.iter().find(|f| f.number == number)
    }

    /// The floor line marked `[*]` (the first one, if several are).
    pub fn marked_floor(&self) -> Option<&Floor> {
        self.floors.iter().find(|f| f.is_current)
    }

    /// Sum of the floor counts (what `Number of ... waiting` must equal).
    pub fn total_waiting(&self) -> u64 {
        self.floors.iter().map(|f| u64::from(f.waiting)).sum()
    }

    /// Riders listed on the floor lines.
    pub fn total_listed_waiting(&self) -> u64 {
        self.floors.iter().map(|f| f.riders.len() as u64).sum()
    }

    /// Riders listed on the status line.
    pub fn aboard_count(&self) -> u32 {
        self.aboard.len() as u32
    }

    /// Riders in the building: waiting plus aboard (from the counters).
    pub fn in_building(&self) -> u64 {
        self.number_waiting + u64::from(self.number_aboard)
    }

    /// Requests issued since the module was loaded, by conservation:
    /// `issued = waiting + aboard + serviced` (spec, behaviour 9).
    pub fn issued(&self) -> u64 {
        self.in_building() + self.number_serviced
    }

    /// Every inconsistency between the snapshot's own fields (empty when consistent).
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let sum = self.total_waiting();
        if sum != self.number_waiting {
            out.push(Problem::WaitingTotal {
                reported: self.number_waiting,
                sum_of_floors: sum,
            });
        }
        if self.aboard_count() != self.number_aboard {
            out.push(Problem::AboardTotal {
                reported: self.number_aboard,
                listed: self.aboard_count(),
            });
        }
        for fl in &self.floors {
            if fl.riders.len() as u64 != u64::from(fl.waiting) {
                out.push(Problem::FloorCount {
                    floor: fl.number,
                    count: fl.waiting,
                    listed: fl.riders.len() as u32,
                });
            }
        }
        let marked: Vec<u32> = self
            .floors
            .iter()
            .filter(|f| f.is_current)
            .map(|f| f.number)
            .collect();
        if marked != [self.current_floor] {
            out.push(Problem::Marker {
                current_floor: self.current_floor,
                marked,
            });
        }
        let printed: Vec<u32> = self.floors.iter().map(|f| f.number).collect();
        let expected: Vec<u32> = (1..=printed.len() as u32).rev().collect();
        if printed != expected {
            out.push(Problem::FloorOrder { printed });
        }
        let in_range = |d: u32| self.floors.iter().any(|f| f.number == d);
        for r in &self.aboard {
            if !in_range(r.dest) {
                out.push(Problem::DestinationOutOfRange {
                    rider: *r,
                    on_floor: None,
                });
            }
        }
        for fl in &self.floors {
            for r in &fl.riders {
                if !in_range(r.dest) {
                    out.push(Problem::DestinationOutOfRange {
                        rider: *r,
                        on_floor: Some(fl.number),
                    });
                } else if r.dest == fl.number {
                    out.push(Problem::DestinationIsStart {
                        rider: *r,
                        on_floor: fl.number,
                    });
                }
            }
        }
        if matches!(self.state, State::Offline | State::Idle) && !self.aboard.is_empty() {
            out.push(Problem::RidersWhileStill {
                state: self.state,
                aboard: self.aboard_count(),
            });
        }
        if self.aboard.is_empty() && self.load_x10 != 0 {
            out.push(Problem::LoadWithoutRiders {
                load_x10: self.load_x10,
            });
        }
        out
    }

    /// `Ok` when [`Snapshot::problems`] finds nothing.
    pub fn validate(&self) -> Result<(), Vec<Problem>> {
        let p = self.problems();
        if p.is_empty() {
            Ok(())
        } else {
            Err(p)
        }
    }
}

impl fmt::Display for Snapshot {
    /// Prints the canonical `/proc/elevator` layout (`Elevator status:` with no
    /// trailing space when nobody is aboard).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Elevator state: {}", self.state)?;
        writeln!(f, "Current floor: {}", self.current_floor)?;
        writeln!(f, "Current load: {} lbs", self.load_display())?;
        write!(f, "Elevator status:")?;
        for r in &self.aboard {
            write!(f, " {r}")?;
        }
        writeln!(f)?;
        writeln!(f)?;
        for fl in &self.floors {
            let mark = if fl.is_current { '*' } else { ' ' };
            write!(f, "[{mark}] Floor {}: {}", fl.number, fl.waiting)?;
            for r in &fl.riders {
                write!(f, " {r}")?;
            }
            writeln!(f)?;
        }
        writeln!(f)?;
        writeln!(f, "Number of {}: {}", self.noun, self.number_aboard)?;
        writeln!(
            f,
            "Number of {} waiting: {}",
            self.noun, self.number_waiting
        )?;
        writeln!(
            f,
            "Number of {} serviced: {}",
            self.noun, self.number_serviced
        )
    }
}

/// Why a text is not a `/proc/elevator` snapshot: names the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number (one past the last line for a text that ends too early).
    pub line: usize,
    /// The line's text (empty at the end of the text).
    pub text: String,
    /// What was wrong with it.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.text.is_empty() {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            write!(
                f,
                "line {}: {}: \"{}\"",
                self.line,
                self.message,
                shorten(&self.text, 60)
            )
        }
    }
}

impl std::error::Error for ParseError {}

impl FromStr for Snapshot {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let head: String = s.chars().take(max).collect();
        format!("{head}...")
    }
}

/// The non-blank lines of a text, with their 1-based numbers.
struct Lines<'a> {
    inner: std::iter::Peekable<std::iter::Enumerate<std::str::Lines<'a>>>,
    last: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines {
            inner: text.lines().enumerate().peekable(),
            last: 0,
        }
    }

    fn skip_blank(&mut self) {
        while let Some((i, l)) = self.inner.peek() {
            if l.trim().is_empty() {
                self.last = *i + 1;
                self.inner.next();
            } else {
                break;
            }
        }
    }

    fn peek(&mut self) -> Option<&'a str> {
        self.skip_blank();
        self.inner.peek().map(|(_, l)| l.trim_end())
    }

    /// The next non-blank line, or an error saying what was expected instead.
    fn next(&mut self, expected: &str) -> Result<(usize, &'a str), ParseError> {
        self.skip_blank();
        match self.inner.next() {
            Some((i, l)) => {
                self.last = i + 1;
                Ok((i + 1, l.trim_end()))
            }
            None => Err(ParseError {
                line: self.last + 1,
                text: String::new(),
                message: format!("the text ends where {expected} was expected"),
            }),
        }
    }
}

fn err(line: usize, text: &str, message: impl Into<String>) -> ParseError {
    ParseError {
        line,
        text: text.to_string(),
        message: message.into(),
    }
}

/// The value after `prefix` on a header line.
fn field<'a>(line: usize, text: &'a str, prefix: &str) -> Result<&'a str, ParseError> {
    text.strip_prefix(prefix)
        .map(str::trim)
        .ok_or_else(|| err(line, text, format!("expected `{prefix} ...`")))
}

fn number<T: FromStr>(line: usize, text: &str, s: &str, what: &str) -> Result<T, ParseError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(line, text, format!("bad {what} `{}`", shorten(s, 20))));
    }
    s.parse().map_err(|_| {
        err(
            line,
            text,
            format!("{what} `{}` is too large", shorten(s, 20)),
        )
    })
}

fn riders<'a>(
    line: usize,
    text: &str,
    tokens: impl Iterator<Item = &'a str>,
) -> Result<Vec<Rider>, ParseError> {
    tokens
        .map(|t| t.parse::<Rider>().map_err(|m| err(line, text, m)))
        .collect()
}

fn parse_floor(line: usize, text: &str) -> Result<Floor, ParseError> {
    let is_current = if text.starts_with("[*]") {
        true
    } else if text.starts_with("[ ]") {
        false
    } else {
        return Err(err(
            line,
            text,
            "expected a floor line like `[ ] Floor 5: 0`",
        ));
    };
    let rest = text[3..].trim_start();
    let rest = rest
        .strip_prefix("Floor")
        .ok_or_else(|| err(line, text, "expected `Floor` after the marker"))?;
    let (num, rest) = rest
        .split_once(':')
        .ok_or_else(|| err(line, text, "expected `:` after the floor number"))?;
    let floor_number = number(line, text, num.trim(), "floor number")?;
    let mut tokens = rest.split_whitespace();
    let count = tokens
        .next()
        .ok_or_else(|| err(line, text, "expected the number waiting after `:`"))?;
    let waiting = number(line, text, count, "number waiting")?;
    let riders = riders(line, text, tokens)?;
    Ok(Floor {
        number: floor_number,
        is_current,
        waiting,
        riders,
    })
}

/// Parses one counter line `Number of <noun><suffix>: N`, returning the noun and N.
fn counter<'a>(line: usize, text: &'a str, suffix: &str) -> Result<(&'a str, u64), ParseError> {
    let expected = || {
        let s = if suffix.is_empty() {
            String::new()
        } else {
            format!(" {suffix}")
        };
        err(line, text, format!("expected `Number of <noun>{s}: N`"))
    };
    let rest = text.strip_prefix("Number of ").ok_or_else(expected)?;
    let (left, n) = rest.rsplit_once(':').ok_or_else(expected)?;
    let noun = if suffix.is_empty() {
        left
    } else {
        left.strip_suffix(suffix)
            .and_then(|l| l.strip_suffix(' '))
            .ok_or_else(expected)?
    };
    let noun = noun.trim();
    if noun.is_empty() || noun.ends_with(" waiting") || noun.ends_with(" serviced") {
        return Err(expected());
    }
    let n = number(line, text, n.trim(), "count")?;
    Ok((noun, n))
}

/// Parses the text of `/proc/elevator`.
///
/// Errors name the line that could not be parsed. The counters are not checked against
/// each other here: see [`Snapshot::problems`].
pub fn parse(text: &str) -> Result<Snapshot, ParseError> {
    let mut lines = Lines::new(text);

    let (n, l) = lines.next("`Elevator state: ...`")?;
    let word = field(n, l, "Elevator state:")?;
    let state = word.parse().map_err(|e: elevator_logic::UnknownState| {
        err(n, l, format!("unknown state `{word}` ({e})"))
    })?;

    let (n, l) = lines.next("`Current floor: ...`")?;
    let current_floor = number(n, l, field(n, l, "Current floor:")?, "floor number")?;

    let (n, l) = lines.next("`Current load: ... lbs`")?;
    let load = field(n, l, "Current load:")?;
    let load = load
        .strip_suffix("lbs")
        .map(str::trim_end)
        .ok_or_else(|| err(n, l, "expected the load in `lbs`"))?;
    let load_x10 = parse_load_x10(load).map_err(|m| err(n, l, m))?;

    let (n, l) = lines.next("`Elevator status: ...`")?;
    let aboard = riders(n, l, field(n, l, "Elevator status:")?.split_whitespace())?;

    let mut floors = Vec::new();
    while let Some(l) = lines.peek() {
        if !l.starts_with('[') {
            break;
        }
        let (n, l) = lines.next("a floor line")?;
        floors.push(parse_floor(n, l)?);
    }
    if floors.is_empty() {
        let (n, l) = lines.next("a floor line like `[ ] Floor 5: 0`")?;
        return Err(err(n, l, "expected a floor line like `[ ] Floor 5: 0`"));
    }

    let (n, l) = lines.next("`Number of <noun>: N`")?;
    let (noun, number_aboard) = counter(n, l, "")?;
    let number_aboard =
        u32::try_from(number_aboard).map_err(|_| err(n, l, "number aboard is too large"))?;

    let (n, l) = lines.next("`Number of <noun> waiting: N`")?;
    let (noun2, number_waiting) = counter(n, l, "waiting")?;
    if noun2 != noun {
        return Err(err(
            n,
            l,
            format!("noun `{noun2}` differs from `{noun}` on the line before"),
        ));
    }

    let (n, l) = lines.next("`Number of <noun> serviced: N`")?;
    let (noun3, number_serviced) = counter(n, l, "serviced")?;
    if noun3 != noun {
        return Err(err(
            n,
            l,
            format!("noun `{noun3}` differs from `{noun}` two lines before"),
        ));
    }

    if lines.peek().is_some() {
        let (n, l) = lines.next("nothing")?;
        return Err(err(n, l, "unexpected line after the counters"));
    }

    Ok(Snapshot {
        state,
        current_floor,
        load_x10,
        aboard,
        floors,
        noun: noun.to_string(),
        number_aboard,
        number_waiting,
        number_serviced,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_round_trip() {
        for (s, x10) in [
            ("0", 0),
            ("30", 300),
            ("4.5", 45),
            ("0.5", 5),
            ("750", 7500),
        ] {
            assert_eq!(parse_load_x10(s), Ok(x10));
            assert_eq!(format_load_x10(x10), s);
        }
        assert_eq!(parse_load_x10("4.0"), Ok(40));
        for bad in ["", ".5", "4.", "4.25", "-1", "x", "4,5", "99999999999"] {
            assert!(parse_load_x10(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn riders_parse() {
        assert_eq!("C5".parse(), Ok(Rider { kind: 'C', dest: 5 }));
        assert_eq!(
            "S12".parse(),
            Ok(Rider {
                kind: 'S',
                dest: 12
            })
        );
        for bad in ["", "C", "5", "c5", "C5x", "CC5", "C-1"] {
            assert!(bad.parse::<Rider>().is_err(), "{bad}");
        }
    }

    #[test]
    fn states_parse() {
        for st in State::ALL {
            assert_eq!(st.as_str().parse(), Ok(st));
        }
        assert!("Idle".parse::<State>().is_err());
    }
}

// SPDX-License-Identifier: GPL-2.0
//! `elevctl status`: one snapshot of `/proc/elevator`, as a summary or as JSON, with
//! the profile it shows and every inconsistency found in it.

use crate::{fail, read_snapshot, Res};
use elevator_proc::{format_load_x10, Profile, Snapshot};
use serde::Serialize;
use std::path::Path;

/// A snapshot with what can be worked out from it.
#[derive(Serialize)]
pub struct Report<'a> {
    #[serde(flatten)]
    pub snapshot: &'a Snapshot,
    /// The load in pounds, as a number (`4.5`).
    pub load: f64,
    /// The inferred profile, if any fits.
    pub profile: Option<&'static str>,
    /// The profile's weight limit in pounds, as a number (`50`).
    pub max_load: Option<f64>,
    /// The profile's rider limit.
    pub max_riders: Option<u32>,
    /// waiting + aboard + serviced.
    pub issued: u64,
    /// Inconsistencies, in words (empty when none).
    pub problems: Vec<String>,
}

impl<'a> Report<'a> {
    /// Works out the report of a snapshot.
    pub fn new(snapshot: &'a Snapshot) -> Self {
        let profile = Profile::infer(snapshot);
        let mut problems: Vec<String> = snapshot.problems().iter().map(|p| p.to_string()).collect();
        if let Some(p) = profile {
            problems.extend(p.problems(snapshot).iter().map(|q| q.describe(p)));
        }
        Report {
            snapshot,
            load: f64::from(snapshot.load_x10) / 10.0,
            profile: profile.map(|p| p.name),
            max_load: profile.map(|p| f64::from(p.max_load_x10) / 10.0),
            max_riders: profile.map(|p| p.max_riders),
            issued: snapshot.issued(),
            problems,
        }
    }
}

impl Report<'_> {
    /// The weight limit as `/proc/elevator` would print it (`50`, `7`).
    fn max_load_display(&self) -> Option<String> {
        let p = Profile::infer(self.snapshot)?;
        Some(format_load_x10(p.max_load_x10))
    }
}

fn riders(list: &[elevator_proc::Rider]) -> String {
    list.iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The human summary.
pub fn summary(r: &Report) -> String {
    let s = r.snapshot;
    let noun = &s.noun;
    let (lo, hi) = s.floor_range().unwrap_or((0, 0));
    let mut out = String::new();
    out += &format!(
        "state     {} on floor {} (floors {lo}-{hi})\n",
        s.state, s.current_floor
    );
    let load = match r.max_load {
        Some(_) => format!(
            "{} / {} lbs",
            s.load_display(),
            r.max_load_display().unwrap_or_default()
        ),
        None => format!("{} lbs", s.load_display()),
    };
    let count = match r.max_riders {
        Some(max) => format!("{} / {max}", s.number_aboard),
        None => s.number_aboard.to_string(),
    };
    out += &format!("load      {load}, {count} {noun} aboard");
    if !s.aboard.is_empty() {
        out += &format!(": {}", riders(&s.aboard));
    }
    out += "\n";
    let per_floor: Vec<String> = s
        .floors
        .iter()
        .filter(|f| f.waiting > 0)
        .map(|f| format!("floor {}: {}", f.number, f.waiting))
        .collect();
    out += &format!("waiting   {} {noun}", s.number_waiting);
    if !per_floor.is_empty() {
        out += &format!(" ({})", per_floor.join(", "));
    }
    out += "\n";
    out += &format!("serviced  {} {noun}\n", s.number_serviced);
    out += &format!("issued    {} (waiting + aboard + serviced)\n", r.issued);
    match r.profile {
        Some(p) => out += &format!("profile   {p}\n"),
        None => out += &format!("profile   unknown ({noun}, floors {lo}-{hi})\n"),
    }
    for p in &r.problems {
        out += &format!("problem   {p}\n");
    }
    out
}

/// `elevctl status`.
pub fn status(proc_file: &Path, json: bool, check: bool) -> Res<()> {
    let snap = read_snapshot(proc_file)?;
    let report = Report::new(&snap);
    if json {
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| fail!("cannot write JSON: {e}"))?;
        println!("{text}");
    } else {
        print!("{}", summary(&report));
    }
    if check && !report.problems.is_empty() {
        return Err(fail!(
            "{} is inconsistent: {}",
            proc_file.display(),
            report.problems.join("; ")
        ));
    }
    Ok(())
}

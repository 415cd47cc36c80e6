// SPDX-License-Identifier: GPL-2.0

//! The grade report: one JSON file per graded module (the data), a Markdown
//! rendering for a TA to hand back, the riders-over-time data as CSV and its
//! plot as SVG (beside the reference module's), and the class table over
//! several reports.

use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// Every check, in report order.
pub const CHECKS: [&str; 16] = [
    "loads",
    "proc_layout",
    "syscall_codes",
    "stream_limits",
    "stream_conservation",
    "stream_fifo_boarding",
    "stream_boards_at_stop",
    "stream_unloads_at_destination",
    "stream_floor_time",
    "stop_drains",
    "restart",
    "idle_wakeups",
    "proc_latency",
    "rmmod_states",
    "log_clean",
    "riders_180s",
];

/// One check's outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResult {
    pub name: String,
    pub pass: bool,
    /// What decided it: numbers, snapshots (multi-line strings).
    pub evidence: Vec<String>,
}

/// The module's timing: what it was given or shows, and what was measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TimingReport {
    pub floor_ms: f64,
    pub load_ms: f64,
    /// Where floor_ms/load_ms came from.
    pub source: String,
    pub measured_floor_ms: Option<f64>,
    pub measured_load_ms: Option<f64>,
}

/// A riders-over-time curve: (seconds at course timing, riders serviced).
pub type Curve = Vec<(f64, u64)>;

/// The whole report of one module.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub name: String,
    pub module_file: String,
    pub module_name: String,
    pub kernel: String,
    pub profile: String,
    pub params: String,
    pub timing: TimingReport,
    pub seed: u32,
    pub riders: Option<u64>,
    pub reference_riders: Option<u64>,
    pub reference_note: String,
    pub curve: Curve,
    pub reference_curve: Curve,
    pub checks: Vec<CheckResult>,
    pub passed: usize,
    pub failed: usize,
    pub grading_seconds: f64,
}

impl Report {
    /// The one-line summary.
    pub fn summary(&self) -> String {
        format!(
            "grade: {} passed, {} failed, {} riders in 180 s",
            self.passed,
            self.failed,
            self.riders.map_or("no".into(), |r| r.to_string())
        )
    }

    /// The names of the failed checks.
    pub fn failed_checks(&self) -> Vec<&str> {
        self.checks
            .iter()
            .filter(|c| !c.pass)
            .map(|c| c.name.as_str())
            .collect()
    }

    /// Writes report.json, report.md, riders.csv and riders.svg into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), String> {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let json = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        fs::write(dir.join("report.json"), json + "\n").map_err(|e| e.to_string())?;
        fs::write(dir.join("report.md"), self.markdown()).map_err(|e| e.to_string())?;
        self.write_csv(&dir.join("riders.csv"))?;
        self.plot(&dir.join("riders.svg"))
    }

    /// The Markdown report.
    pub fn markdown(&self) -> String {
        let mut m = String::new();
        let _ = writeln!(m, "# Grade: {}\n", self.name);
        let _ = writeln!(m, "`{}`\n", self.summary());
        let _ = writeln!(
            m,
            "- module: `{}` (loaded as `{}`{})",
            self.module_file,
            self.module_name,
            if self.params.is_empty() {
                String::new()
            } else {
                format!(", parameters `{}`", self.params)
            }
        );
        let _ = writeln!(m, "- kernel: {}", self.kernel);
        let _ = writeln!(m, "- profile: {}", self.profile);
        let t = &self.timing;
        let _ = writeln!(
            m,
            "- timing: {} ms per floor, {} ms per stop ({}); measured {} per floor, {} per stop",
            t.floor_ms,
            t.load_ms,
            t.source,
            t.measured_floor_ms
                .map_or("-".into(), |v| format!("{v:.0} ms")),
            t.measured_load_ms
                .map_or("-".into(), |v| format!("{v:.0} ms"))
        );
        let _ = writeln!(
            m,
            "- riders serviced in 180 s (seed {}): {}; reference module: {}{}",
            self.seed,
            self.riders.map_or("-".into(), |r| r.to_string()),
            self.reference_riders.map_or("-".into(), |r| r.to_string()),
            if self.reference_note.is_empty() {
                String::new()
            } else {
                format!(" ({})", self.reference_note)
            }
        );
        let _ = writeln!(m, "- graded in {:.0} s\n", self.grading_seconds);
        let _ = writeln!(m, "| check | result | evidence |");
        let _ = writeln!(m, "|---|---|---|");
        for c in &self.checks {
            let first = c
                .evidence
                .first()
                .map(|e| e.lines().next().unwrap_or("").replace('|', "\\|"))
                .unwrap_or_default();
            let _ = writeln!(
                m,
                "| `{}` | {} | {} |",
                c.name,
                if c.pass { "PASS" } else { "**FAIL**" },
                first
            );
        }
        let _ = writeln!(m, "\n![riders serviced over time](riders.svg)\n");
        let _ = writeln!(m, "## Evidence\n");
        for c in &self.checks {
            let _ = writeln!(
                m,
                "### `{}`: {}\n",
                c.name,
                if c.pass { "PASS" } else { "FAIL" }
            );
            for e in &c.evidence {
                let mut lines = e.lines();
                let _ = writeln!(m, "- {}", lines.next().unwrap_or(""));
                let rest: Vec<&str> = lines.collect();
                if !rest.is_empty() {
                    let _ = writeln!(m, "\n  ```");
                    for l in rest {
                        let _ = writeln!(m, "  {}", l.trim_start_matches("    "));
                    }
                    let _ = writeln!(m, "  ```\n");
                }
            }
            let _ = writeln!(m);
        }
        m
    }

    fn write_csv(&self, path: &Path) -> Result<(), String> {
        let mut w = csv::Writer::from_path(path).map_err(|e| e.to_string())?;
        w.write_record(["module", "seconds", "serviced"])
            .map_err(|e| e.to_string())?;
        for (who, curve) in [
            (self.name.as_str(), &self.curve),
            ("reference", &self.reference_curve),
        ] {
            for (t, n) in curve {
                w.write_record([who.to_string(), format!("{t:.2}"), n.to_string()])
                    .map_err(|e| e.to_string())?;
            }
        }
        w.flush().map_err(|e| e.to_string())
    }

    fn plot(&self, path: &Path) -> Result<(), String> {
        let ymax = self
            .curve
            .iter()
            .chain(&self.reference_curve)
            .map(|p| p.1)
            .max()
            .unwrap_or(0)
            .max(1) as f64
            * 1.1;
        let root = SVGBackend::new(path, (800, 420)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("riders serviced: {} vs the reference", self.name),
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..180f64, 0f64..ymax)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("seconds (at course timing)")
            .y_desc("riders serviced")
            .draw()
            .map_err(|e| e.to_string())?;
        for (label, curve, color) in [
            (self.name.clone(), &self.curve, RED),
            ("reference".to_string(), &self.reference_curve, BLUE),
        ] {
            if curve.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(
                    curve.iter().map(|&(t, n)| (t, n as f64)),
                    color.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())
    }
}

/// The class table: one row per report.
pub fn table(reports: &[Report]) -> String {
    let mut m = String::new();
    let _ = writeln!(
        m,
        "| module | passed | failed | riders in 180 s | reference | failed checks |"
    );
    let _ = writeln!(m, "|---|---|---|---|---|---|");
    for r in reports {
        let failed = r.failed_checks();
        let _ = writeln!(
            m,
            "| {} | {} | {} | {} | {} | {} |",
            r.name,
            r.passed,
            r.failed,
            r.riders.map_or("-".into(), |v| v.to_string()),
            r.reference_riders.map_or("-".into(), |v| v.to_string()),
            if failed.is_empty() {
                "-".to_string()
            } else {
                failed.join(", ")
            }
        );
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_file_and_a_table() {
        let dir = std::env::temp_dir().join(format!("elevgrade-report-{}", std::process::id()));
        let r = Report {
            name: "m".into(),
            checks: vec![
                CheckResult {
                    name: "loads".into(),
                    pass: true,
                    evidence: vec!["insmod took 3 ms".into()],
                },
                CheckResult {
                    name: "proc_layout".into(),
                    pass: false,
                    evidence: vec!["bad | layout\n    Elevator state: X".into()],
                },
            ],
            passed: 1,
            failed: 1,
            riders: Some(7),
            curve: vec![(0.0, 0), (90.0, 3), (180.0, 7)],
            reference_curve: vec![(0.0, 0), (180.0, 9)],
            ..Report::default()
        };
        r.write(&dir).unwrap();
        let md = fs::read_to_string(dir.join("report.md")).unwrap();
        assert!(
            md.contains("| `proc_layout` | **FAIL** | bad \\| layout |"),
            "{md}"
        );
        assert!(fs::read_to_string(dir.join("riders.svg"))
            .unwrap()
            .contains("<svg"));
        assert!(fs::read_to_string(dir.join("riders.csv"))
            .unwrap()
            .contains("reference,180.00,9"));
        let back: Report =
            serde_json::from_str(&fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
        assert_eq!(
            back.summary(),
            "grade: 1 passed, 1 failed, 7 riders in 180 s"
        );
        assert!(table(&[back]).contains("| m | 1 | 1 | 7 | - | proc_layout |"));
        fs::remove_dir_all(&dir).unwrap();
    }
}

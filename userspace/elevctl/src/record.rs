// SPDX-License-Identifier: GPL-2.0
//! `elevctl record`: samples `/proc/elevator` at a steady interval into CSV, one row a
//! sample, `time_ms,state,floor,load,aboard,waiting,serviced`; and the reader of that
//! CSV that `plot` uses.

use crate::{fail, read_snapshot, Res};
use clap::Args;
use elevator_proc::{parse_load_x10, Snapshot, State};
use serde::Serialize;
use std::path::Path;
use std::time::{Duration, Instant};

/// The CSV header.
pub const HEADER: &str = "time_ms,state,floor,load,aboard,waiting,serviced";

/// Arguments of `elevctl record`.
#[derive(Args, Debug)]
pub struct RecordArgs {
    /// The CSV file to write.
    #[arg(long, value_name = "FILE.csv")]
    pub out: std::path::PathBuf,
    /// Milliseconds between samples.
    #[arg(long, value_name = "MS", default_value_t = 200,
          value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub interval: u64,
    /// Seconds to record (fractions allowed; default: until interrupted).
    #[arg(long, value_name = "S", value_parser = parse_duration, allow_negative_numbers = true)]
    pub duration: Option<f64>,
}

fn parse_duration(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(d) if d.is_finite() && d > 0.0 => Ok(d),
        _ => Err(format!("expected a positive number of seconds, got `{s}`")),
    }
}

/// One CSV row.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub time_ms: u64,
    pub state: State,
    pub floor: u32,
    pub load_x10: u32,
    pub aboard: u32,
    pub waiting: u64,
    pub serviced: u64,
}

impl Sample {
    /// The row of a snapshot taken `time_ms` after the start.
    pub fn of(time_ms: u64, s: &Snapshot) -> Self {
        Sample {
            time_ms,
            state: s.state,
            floor: s.current_floor,
            load_x10: s.load_x10,
            aboard: s.number_aboard,
            waiting: s.number_waiting,
            serviced: s.number_serviced,
        }
    }

    /// The CSV row's fields, in the order of [`HEADER`].
    pub fn row(&self) -> Row {
        Row {
            time_ms: self.time_ms,
            state: self.state.to_string(),
            floor: self.floor,
            load: elevator_proc::format_load_x10(self.load_x10),
            aboard: self.aboard,
            waiting: self.waiting,
            serviced: self.serviced,
        }
    }
}

/// One CSV row as written: the fields of [`HEADER`], load in pounds as printed.
#[derive(Debug, Serialize)]
pub struct Row {
    pub time_ms: u64,
    pub state: String,
    pub floor: u32,
    pub load: String,
    pub aboard: u32,
    pub waiting: u64,
    pub serviced: u64,
}

/// `elevctl record`.
pub fn record(proc_file: &Path, a: &RecordArgs) -> Res<()> {
    // A first read, so that a missing module fails before the file is created.
    read_snapshot(proc_file)?;
    let file = std::fs::File::create(&a.out)
        .map_err(|e| fail!("cannot create {}: {}", a.out.display(), crate::io_text(&e)))?;
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(file);
    let werr =
        |e: std::io::Error| fail!("cannot write {}: {}", a.out.display(), crate::io_text(&e));
    let cerr = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => werr(e),
        k => fail!("cannot write {}: {k:?}", a.out.display()),
    };
    w.write_record(HEADER.split(',')).map_err(cerr)?;
    let interval = Duration::from_millis(a.interval);
    let end = a.duration.map(Duration::from_secs_f64);
    let began = Instant::now();
    let (mut rows, mut skipped) = (0u64, 0u64);
    let mut last_error = String::new();
    let mut k = 0u32;
    loop {
        let mut due = interval * k;
        let now = began.elapsed();
        // After a stall (a slow read, a busy machine) the missed slots are
        // skipped, not taken in a burst at the same instant: each row is a
        // later moment than the one before.
        if k > 0 && due <= now && !interval.is_zero() {
            let slot = now.as_nanos() / interval.as_nanos() + 1;
            k = u32::try_from(slot).unwrap_or(u32::MAX);
            due = interval * k;
        }
        k = k.saturating_add(1);
        if end.is_some_and(|e| due > e) {
            break;
        }
        let now = began.elapsed();
        if due > now {
            std::thread::sleep(due - now);
        }
        let t = began.elapsed().as_millis() as u64;
        match read_snapshot(proc_file) {
            Ok(s) => {
                w.serialize(Sample::of(t, &s).row()).map_err(cerr)?;
                // Rows reach the file as they come, so an interrupted run keeps them.
                w.flush().map_err(werr)?;
                rows += 1;
            }
            Err(e) => {
                skipped += 1;
                last_error = e.0;
            }
        }
    }
    w.flush().map_err(werr)?;
    println!("recorded {rows} samples to {}", a.out.display());
    if skipped > 0 {
        eprintln!("elevctl: warning: {skipped} samples skipped; last error: {last_error}");
    }
    Ok(())
}

/// Reads a CSV written by `record` (columns found by name; extra columns ignored).
pub fn read_csv(path: &Path) -> Res<Vec<Sample>> {
    let file = std::fs::File::open(path)
        .map_err(|e| fail!("cannot read {}: {}", path.display(), crate::io_text(&e)))?;
    let mut rd = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(file);
    let rerr = |e: csv::Error| {
        let line = e
            .position()
            .map_or(String::new(), |p| format!("line {}: ", p.line()));
        match e.into_kind() {
            csv::ErrorKind::Io(e) => {
                fail!("cannot read {}: {}", path.display(), crate::io_text(&e))
            }
            csv::ErrorKind::Utf8 { .. } => fail!("{}: {line}not UTF-8 text", path.display()),
            k => fail!("{}: {line}{k:?}", path.display()),
        }
    };
    let cols = rd.headers().map_err(rerr)?.clone();
    if cols.iter().all(str::is_empty) {
        return Err(fail!(
            "{} is empty (expected the header `{HEADER}`)",
            path.display()
        ));
    }
    let col = |name: &str| {
        cols.iter().position(|c| c == name).ok_or_else(|| {
            fail!(
                "{}: line 1: no `{name}` column (expected the header `{HEADER}`)",
                path.display()
            )
        })
    };
    let idx = [
        col("time_ms")?,
        col("state")?,
        col("floor")?,
        col("load")?,
        col("aboard")?,
        col("waiting")?,
        col("serviced")?,
    ];
    let mut out = Vec::new();
    for rec in rd.records() {
        let rec = rec.map_err(rerr)?;
        let line = rec.position().map_or(0, csv::Position::line);
        let text = rec.iter().collect::<Vec<_>>().join(",");
        let bad = |what: &str| fail!("{}: line {line}: {what}: \"{text}\"", path.display());
        let get = |k: usize| rec.get(idx[k]).ok_or_else(|| bad("missing column"));
        let num = |k: usize, what: &str| -> Res<u64> {
            get(k)?.parse().map_err(|_| bad(&format!("bad {what}")))
        };
        out.push(Sample {
            time_ms: num(0, "time_ms")?,
            state: {
                let word = get(1)?;
                word.parse().map_err(|e: elevator_proc::UnknownState| {
                    bad(&format!("unknown state `{word}` ({e})"))
                })?
            },
            floor: num(2, "floor")? as u32,
            load_x10: parse_load_x10(get(3)?).map_err(|m| bad(&m))?,
            aboard: num(4, "aboard")? as u32,
            waiting: num(5, "waiting")?,
            serviced: num(6, "serviced")?,
        });
    }
    Ok(out)
}

// SPDX-License-Identifier: GPL-2.0
//! `elevctl`: one tool to drive and observe the elevator kernel module.
//!
//! - `start`, `stop`, `issue START DEST TYPE`: through the course's syscalls 548-550, or
//!   with `--proc` through commands written to `/proc/elevator`;
//! - `produce N`: a seeded, optionally paced stream of random requests (the same draws
//!   as the course's `producer` for the same seed);
//! - `status [--json]`: one parsed snapshot of `/proc/elevator`;
//! - `watch`: a live terminal view of the shaft;
//! - `record` and `plot`: sample `/proc/elevator` into CSV, and draw the car's floor and
//!   the waiting riders over time as SVG.
//!
//! Every reading command takes `--proc-file PATH`, so it can be tried on any file.
//! Errors print one line on stderr (`elevctl: ...`) and exit 1; bad arguments exit 2.

mod control;
mod plot;
mod record;
mod status;
mod watch;

use clap::{Parser, Subcommand};
use elevator_proc::{parse, Snapshot};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A failure, told in one line.
#[derive(Debug)]
pub struct Fail(pub String);

/// What every command returns.
pub type Res<T> = Result<T, Fail>;

/// Builds a [`Fail`] from a format string.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => { $crate::Fail(format!($($arg)*)) };
}

#[derive(Parser, Debug)]
#[command(
    name = "elevctl",
    version,
    about = "Drive and observe the elevator kernel module",
    long_about = "Drive and observe the elevator kernel module.\n\n\
                  Control commands use the course's syscalls 548-550 (start_elevator, \
                  issue_request, stop_elevator), or with --proc write commands to \
                  /proc/elevator. Reading commands parse /proc/elevator (or --proc-file)."
)]
struct Cli {
    /// The elevator's proc file (read by status, watch, record; written with --proc).
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        default_value = "/proc/elevator"
    )]
    proc_file: PathBuf,

    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Start the elevator (syscall 548, or `start` written to the proc file).
    Start {
        /// Write `start` to the proc file instead of calling the syscall.
        #[arg(long)]
        proc: bool,
    },
    /// Stop the elevator (syscall 550, or `stop` written to the proc file).
    ///
    /// The elevator stops boarding, delivers everyone aboard, then goes OFFLINE.
    Stop {
        /// Write `stop` to the proc file instead of calling the syscall.
        #[arg(long)]
        proc: bool,
    },
    /// Issue one request (syscall 549, or `issue START DEST TYPE` written to the proc file).
    ///
    /// The module decides whether the request is valid; when it is not, the reason is
    /// worked out from the floors that /proc/elevator shows.
    #[command(allow_negative_numbers = true)]
    Issue {
        /// The floor the rider waits on.
        start: i32,
        /// The floor the rider goes to.
        dest: i32,
        /// The rider type, 0-3 (pets: C P H D; dorm: F O J S; office: P L B V).
        #[arg(value_name = "TYPE")]
        kind: i32,
        /// Write the command to the proc file instead of calling the syscall.
        #[arg(long)]
        proc: bool,
    },
    /// Issue N random requests, drawn like the course's producer.
    ///
    /// Each request has a type from 0-3 and a start and a destination that differ,
    /// drawn with glibc's rand() seeded by --seed: the same seed draws the same
    /// requests as the course's producer started in that second. Output: one
    /// `Issue (START, DEST, TYPE) returned RET` line per request (RET 0 queued,
    /// 1 invalid), then a summary.
    Produce(control::ProduceArgs),
    /// Show one snapshot of /proc/elevator, as a summary or as JSON.
    ///
    /// Also shows the profile the snapshot fits (from its noun, floors and letters) and
    /// every inconsistency found: counters that do not add up, a [*] on the wrong
    /// floor, a load that is not the weight of the riders aboard, and so on.
    Status {
        /// Print JSON (the parsed snapshot, the inferred profile and any problems).
        #[arg(long)]
        json: bool,
        /// Exit 1 when the snapshot is inconsistent (counters that do not add up, a
        /// load that is not the weight aboard, ...).
        #[arg(long)]
        check: bool,
    },
    /// Live view of the shaft, the car, the riders and the counters.
    ///
    /// Keys: q, Esc or Ctrl-C quit; r reads the proc file again at once. On a terminal
    /// that reports no size (a serial console), $COLUMNS x $LINES (else 80x24) is used.
    Watch {
        /// Milliseconds between reads of the proc file.
        #[arg(long, value_name = "MS", default_value_t = 250,
              value_parser = clap::value_parser!(u64).range(10..=60_000))]
        interval: u64,
    },
    /// Sample the proc file into CSV.
    ///
    /// Columns: time_ms,state,floor,load,aboard,waiting,serviced (load in pounds as
    /// printed, e.g. 4.5). Rows are flushed as they come, so an interrupted run keeps
    /// them.
    Record(record::RecordArgs),
    /// Draw a recorded CSV as SVG: the car's floor and the riders waiting over time.
    ///
    /// The SVG is self-contained: a step line of the car's floor (left axis), a step line
    /// of the riders waiting (right axis) and a dot at each LOADING sample.
    Plot {
        /// The CSV written by `elevctl record`.
        #[arg(long = "in", value_name = "FILE.csv")]
        input: PathBuf,
        /// The SVG to write.
        #[arg(long, value_name = "FILE.svg")]
        out: PathBuf,
    },
}

/// Reads and parses the proc file, with errors that say what to do.
pub fn read_snapshot(path: &Path) -> Res<Snapshot> {
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => fail!(
            "cannot read {}: no such file (is the elevator module loaded?)",
            path.display()
        ),
        _ => fail!("cannot read {}: {}", path.display(), io_text(&e)),
    })?;
    parse(&text).map_err(|e| fail!("cannot parse {}: {e}", path.display()))
}

fn run(cli: Cli) -> Res<()> {
    let pf = cli.proc_file.as_path();
    match cli.cmd {
        Cmd::Start { proc } => control::start(pf, proc),
        Cmd::Stop { proc } => control::stop(pf, proc),
        Cmd::Issue {
            start,
            dest,
            kind,
            proc,
        } => control::issue(pf, start, dest, kind, proc),
        Cmd::Produce(args) => control::produce(pf, &args),
        Cmd::Status { json, check } => status::status(pf, json, check),
        Cmd::Watch { interval } => watch::watch(pf, interval),
        Cmd::Record(args) => record::record(pf, &args),
        Cmd::Plot { input, out } => plot::plot(&input, &out),
    }
}

/// An I/O error in words, without Rust's ` (os error N)` suffix.
pub fn io_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

/// clap's message for bad arguments in the tool's own words: `elevctl:` instead
/// of `error:`, and ranges as `10 to 60000` instead of Rust's `10..=60000`.
fn usage_error_text(rendered: &str) -> String {
    let text = rendered.strip_prefix("error: ").unwrap_or(rendered);
    let mut out = String::from("elevctl: ");
    let mut rest = text;
    while let Some(at) = rest.find("..=") {
        let (head, tail) = (&rest[..at], &rest[at + 3..]);
        let before = head.len() - head.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let after = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if before > 0 && after > 0 {
            out += head;
            out += " to ";
        } else {
            out += &rest[..at + 3];
        }
        rest = tail;
    }
    out += rest;
    out
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if !e.use_stderr() {
                // --help and --version: clap prints them and exits 0.
                e.exit();
            }
            eprint!("{}", usage_error_text(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Fail(msg)) => {
            eprintln!("elevctl: {msg}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn usage_errors_in_the_tools_words() {
        assert_eq!(
            usage_error_text(
                "error: invalid value '0' for '--interval <MS>': 0 is not in 10..=60000\n"
            ),
            "elevctl: invalid value '0' for '--interval <MS>': 0 is not in 10 to 60000\n"
        );
        assert_eq!(
            usage_error_text("error: a..=b 1..=2"),
            "elevctl: a..=b 1 to 2"
        );
        let e = std::io::Error::from_raw_os_error(libc::ENOENT);
        assert_eq!(io_text(&e), "No such file or directory");
    }

    #[test]
    fn issue_takes_negative_numbers() {
        let cli = Cli::try_parse_from(["elevctl", "issue", "-1", "2", "0"]).unwrap();
        assert!(matches!(
            cli.cmd,
            Cmd::Issue {
                start: -1,
                dest: 2,
                kind: 0,
                proc: false
            }
        ));
    }
}

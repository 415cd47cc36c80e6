// SPDX-License-Identifier: GPL-2.0
//! `producer N`: a drop-in replacement for the course's `producer.c`.
//!
//! Like the C program it seeds glibc's generator with `time(0)`, then for each of the
//! N requests draws a type from 0-3, a start floor from 1-6 and destinations from 1-6
//! until one differs from the start, calls `issue_request(start, dest, type)` (syscall
//! 549 through libc `syscall()`) and prints `Issue (START, DEST, TYPE) returned RET`.
//! The draws are glibc's `rand()` (see `elevator_proc::crand`), so a run started in the
//! same second as the C program issues the same requests.
//!
//! Wrong arguments behave as in the C program: anything but exactly one argument
//! prints `wrong number of args. producer.x num_of_requests` and exits with status 255
//! (`return -1`); the count is read like `sscanf("%d")` (leading digits, 0 if none).
//! The one addition: `--help` (or `-h`) prints the usage and exits 0.

use elevator_proc::crand::{time_seed, GlibcRand};
use elevator_proc::sys::issue_request;
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "\
Usage: producer NUM_OF_REQUESTS

Issues NUM_OF_REQUESTS random elevator requests through syscall 549
(issue_request), each with a type from 0-3 and start and destination floors
from 1-6 that differ, and prints one line per request:

    Issue (START, DEST, TYPE) returned RET

RET is what issue_request() returned: 0 queued, 1 invalid, -1 on a syscall error
(for example when the elevator module is not loaded).
";

/// What glibc's `sscanf(s, "%d", &n)` stores: optional spaces and sign, then the
/// leading digits (a `long` from strtol, saturated, then truncated to `int`);
/// `None` when no digits match (the C program then reads an uninitialised `num`;
/// we take 0).
fn scan_int(s: &str) -> Option<i32> {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    let mut v: i128 = 0;
    for b in digits[..end].bytes() {
        v = (v * 10 + i128::from(b - b'0')).min(1 << 64);
    }
    let v = if neg { -v } else { v };
    let long = v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    Some(long as i32)
}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE; the C program dies of it (`producer 100 | head -1`).
    // SAFETY: restoring the default disposition of a signal before any thread starts.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() == 1 && (args[0] == "--help" || args[0] == "-h") {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    // srand(time(0)) comes before the argument check in the C program.
    let mut rng = GlibcRand::new(time_seed());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.len() != 1 {
        let _ = writeln!(out, "wrong number of args. producer.x num_of_requests");
        return ExitCode::from(255);
    }
    let num = scan_int(&args[0]).unwrap_or(0);
    for _ in 0..num.max(0) {
        let (start, dest, kind) = rng.request(1, 6);
        let ret = issue_request(start, dest, kind);
        let line = format!(
            "Issue ({start}, {dest}, {kind}) returned {}",
            i64::from(ret.c_int())
        );
        // Like printf, a failed write is ignored (a closed pipe kills us with
        // SIGPIPE first, as it kills the C program).
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::scan_int;

    #[test]
    fn scans_like_sscanf_d() {
        assert_eq!(scan_int("10"), Some(10));
        assert_eq!(scan_int("  7"), Some(7));
        assert_eq!(scan_int("5abc"), Some(5));
        assert_eq!(scan_int("-3"), Some(-3));
        assert_eq!(scan_int("+4"), Some(4));
        assert_eq!(scan_int("abc"), None);
        assert_eq!(scan_int(""), None);
        assert_eq!(scan_int("-"), None);
        // strtol saturates at LONG_MAX, then the store to int truncates: -1.
        assert_eq!(scan_int("99999999999999999999"), Some(-1));
        assert_eq!(scan_int("4294967297"), Some(1));
        // LONG_MIN truncates to 0.
        assert_eq!(scan_int("-99999999999999999999"), Some(0));
    }
}

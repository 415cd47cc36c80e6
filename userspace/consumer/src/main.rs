// SPDX-License-Identifier: GPL-2.0
//! `consumer --start|--stop`: a drop-in replacement for the course's `consumer.c`.
//!
//! `--start` calls `start_elevator()` (syscall 548) and prints
//! `Start elevator returned RET`; `--stop` calls `stop_elevator()` (syscall 550) and
//! prints `Stop elevator returned RET`. RET is the `int` the course's wrapper returns
//! (0, 1, or -1 when the syscall fails, e.g. with ENOSYS when the module is not
//! loaded), printed with `%ld` as in the C program.
//!
//! Wrong arguments behave as in the C program: not exactly one argument prints
//! `wrong number of args` and exits with status 255 (`return -1`); one unknown
//! argument exits with status 255 silently. The one addition: `--help` (or `-h`)
//! prints the usage and exits 0.

use elevator_proc::sys::{start_elevator, stop_elevator};
use std::io::Write;
use std::process::ExitCode;

/// One line on stdout; like printf, a failed write is ignored.
fn say(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

const USAGE: &str = "\
Usage: consumer --start|--stop

  --start   start the elevator (syscall 548), print `Start elevator returned RET`
  --stop    stop the elevator (syscall 550), print `Stop elevator returned RET`

RET: 0 done, 1 already active (start) or already stopping/offline (stop),
-1 on a syscall error (for example when the elevator module is not loaded).
";

fn main() -> ExitCode {
    // Rust ignores SIGPIPE; the C program dies of it.
    // SAFETY: restoring the default disposition of a signal before any thread starts.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 1 {
        say("wrong number of args");
        return ExitCode::from(255);
    }
    match args[0].as_str() {
        "--start" => {
            let ret = start_elevator();
            say(&format!(
                "Start elevator returned {}",
                i64::from(ret.c_int())
            ));
        }
        "--stop" => {
            let ret = stop_elevator();
            say(&format!(
                "Stop elevator returned {}",
                i64::from(ret.c_int())
            ));
        }
        "--help" | "-h" => say(USAGE.trim_end()),
        _ => return ExitCode::from(255),
    }
    ExitCode::SUCCESS
}

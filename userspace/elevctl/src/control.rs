// SPDX-License-Identifier: GPL-2.0
//! `start`, `stop`, `issue` and `produce`: the module's control side, through the
//! syscalls or through commands written to the proc file, with errors that name
//! their cause (module not loaded, not root, invalid request and why).

use crate::{fail, read_snapshot, Fail, Res};
use clap::Args;
use elevator_proc::crand::{time_seed, GlibcRand};
use elevator_proc::sys::{self, Command, SysRet};
use elevator_proc::Profile;
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// Arguments of `elevctl produce`.
#[derive(Args, Debug)]
pub struct ProduceArgs {
    /// How many requests to issue.
    #[arg(value_name = "N")]
    pub count: u64,
    /// Seed of glibc's rand() (default: the current time in seconds, like the course's
    /// producer; the same seed draws the same requests as `producer` run in that second).
    #[arg(long)]
    pub seed: Option<u32>,
    /// Floors to draw start and destination from (the course's producer uses 1-6, so
    /// on a 5-floor profile about a third of the requests are invalid).
    #[arg(long, value_name = "LO-HI", default_value = "1-6", value_parser = parse_floors)]
    pub floors: (i32, i32),
    /// Requests per second: a steady stream, sleeping between requests (default: all
    /// at once).
    #[arg(long, value_name = "PER_SEC", value_parser = parse_rate, allow_negative_numbers = true)]
    pub rate: Option<f64>,
    /// Write `issue S D T` commands to the proc file instead of calling syscall 549.
    #[arg(long)]
    pub proc: bool,
    /// Print only the summary, not one line per request.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Parses `LO-HI` (two floors, LO below HI).
pub fn parse_floors(s: &str) -> Result<(i32, i32), String> {
    let bad = || format!("expected LO-HI with LO below HI, like 1-6, got `{s}`");
    // Skip a leading sign so that `-1-6` splits after `-1`.
    let cut = s
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c == '-')
        .map(|(i, _)| i)
        .ok_or_else(bad)?;
    let lo: i32 = s[..cut].trim().parse().map_err(|_| bad())?;
    let hi: i32 = s[cut + 1..].trim().parse().map_err(|_| bad())?;
    if lo >= hi {
        return Err(bad());
    }
    Ok((lo, hi))
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => Err(format!(
            "expected a positive number of requests per second, got `{s}`"
        )),
    }
}

/// The symbolic name of an errno.
pub fn errno_name(e: i32) -> String {
    let name = match e {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENODEV => "ENODEV",
        libc::EISDIR => "EISDIR",
        libc::EINVAL => "EINVAL",
        libc::ENOSPC => "ENOSPC",
        libc::EROFS => "EROFS",
        libc::ERANGE => "ERANGE",
        libc::ENOSYS => "ENOSYS",
        libc::EALREADY => "EALREADY",
        libc::ECANCELED => "ECANCELED",
        libc::ESHUTDOWN => "ESHUTDOWN",
        _ => return format!("errno {e}"),
    };
    name.to_string()
}

/// Why a syscall answered ENOSYS: no module, or (when the proc file exists) a kernel
/// without the course's syscall patch.
fn enosys(nr: i64, proc_file: &Path) -> Fail {
    if proc_file.exists() {
        fail!(
            "this kernel has no elevator syscalls (syscall {nr} returned ENOSYS) but {} \
             exists: use --proc",
            proc_file.display()
        )
    } else {
        fail!("elevator module not loaded (syscall {nr} returned ENOSYS)")
    }
}

fn syscall_error(name: &str, nr: i64, ret: SysRet, proc_file: &Path) -> Fail {
    match ret.errno {
        Some(libc::ENOSYS) => enosys(nr, proc_file),
        Some(e) => fail!(
            "{name} failed: syscall {nr} returned {} ({})",
            errno_name(e),
            crate::io_text(&io::Error::from_raw_os_error(e))
        ),
        None => fail!("{name} returned an unexpected {}", ret.raw),
    }
}

/// Explains a failed write of `cmd` to the proc file. `invalid` explains EINVAL.
fn proc_write_error(
    proc_file: &Path,
    cmd: Command,
    e: &io::Error,
    invalid: &dyn Fn() -> String,
) -> Fail {
    let word = cmd.text().trim_end().to_string();
    let path = proc_file.display();
    match e.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EPERM) => fail!("must be root to write {path}"),
        Some(libc::ENOENT) => {
            fail!("elevator module not loaded ({path} does not exist)")
        }
        Some(libc::EINVAL) => fail!(
            "{} (write of `{word}` to {path} returned EINVAL)",
            invalid()
        ),
        Some(c @ (libc::EBUSY | libc::EALREADY)) => {
            let what = match cmd {
                Command::Start => {
                    "elevator is already active, or still stopping (deactivating): if you \
                     stopped it, try again when /proc/elevator shows OFFLINE"
                }
                Command::Stop => "elevator is already stopping or offline",
                Command::Issue { .. } => "the module is busy",
            };
            fail!(
                "{what} (write of `{word}` to {path} returned {})",
                errno_name(c)
            )
        }
        Some(c) => fail!(
            "writing `{word}` to {path} failed: {} ({})",
            errno_name(c),
            crate::io_text(e)
        ),
        None => fail!("writing `{word}` to {path} failed: {}", crate::io_text(e)),
    }
}

/// `elevctl start`.
pub fn start(proc_file: &Path, proc: bool) -> Res<()> {
    if proc {
        sys::write_command(proc_file, Command::Start).map_err(|e| {
            proc_write_error(proc_file, Command::Start, &e, &|| {
                "invalid command `start`".to_string()
            })
        })?;
        println!("elevator started");
        return Ok(());
    }
    let ret = sys::start_elevator();
    match ret.raw {
        0 => {
            println!("elevator started");
            Ok(())
        }
        1 => Err(fail!(
            "elevator is already active, or still stopping (deactivating): if you stopped \
             it, try again when /proc/elevator shows OFFLINE (start_elevator returned 1)"
        )),
        _ => Err(syscall_error(
            "start_elevator",
            sys::NR_START_ELEVATOR,
            ret,
            proc_file,
        )),
    }
}

/// `elevctl stop`.
pub fn stop(proc_file: &Path, proc: bool) -> Res<()> {
    if proc {
        sys::write_command(proc_file, Command::Stop).map_err(|e| {
            proc_write_error(proc_file, Command::Stop, &e, &|| {
                "invalid command `stop`".to_string()
            })
        })?;
        println!("elevator stopping");
        return Ok(());
    }
    let ret = sys::stop_elevator();
    match ret.raw {
        0 => {
            println!("elevator stopping");
            Ok(())
        }
        1 => Err(fail!(
            "elevator is already stopping or offline (stop_elevator returned 1)"
        )),
        _ => Err(syscall_error(
            "stop_elevator",
            sys::NR_STOP_ELEVATOR,
            ret,
            proc_file,
        )),
    }
}

/// What is wrong with a request, given the building's floors when known
/// (`Err` carries why they are unknown).
pub fn diagnose(start: i32, dest: i32, kind: i32, floors: Result<u32, String>) -> String {
    let mut why = Vec::new();
    if !(0..=3).contains(&kind) {
        why.push(format!("type {kind} is not 0-3"));
    }
    match &floors {
        Ok(top) => {
            let range = 1..=i64::from(*top);
            for (what, f) in [("start", start), ("destination", dest)] {
                if !range.contains(&i64::from(f)) {
                    why.push(format!("{what} floor {f} is outside floors 1-{top}"));
                }
            }
        }
        Err(_) => {
            for (what, f) in [("start", start), ("destination", dest)] {
                if f < 1 {
                    why.push(format!("{what} floor {f} is below floor 1"));
                }
            }
        }
    }
    if start == dest {
        why.push(format!("start and destination are both floor {start}"));
    }
    if why.is_empty() {
        match floors {
            Ok(top) => format!(
                "the module rejected ({start}, {dest}, {kind}) though it looks valid for \
                 floors 1-{top} and types 0-3"
            ),
            Err(e) => format!(
                "the module rejected ({start}, {dest}, {kind}); a floor may be outside \
                 this profile's floors, which are unknown ({e})"
            ),
        }
    } else {
        why.join("; ")
    }
}

fn floors_of(proc_file: &Path) -> Result<u32, String> {
    read_snapshot(proc_file)
        .map(|s| s.top_floor())
        .map_err(|Fail(m)| m)
}

/// `elevctl issue START DEST TYPE`.
pub fn issue(proc_file: &Path, start: i32, dest: i32, kind: i32, proc: bool) -> Res<()> {
    let invalid = || {
        format!(
            "invalid request: {}",
            diagnose(start, dest, kind, floors_of(proc_file))
        )
    };
    if proc {
        let cmd = Command::Issue { start, dest, kind };
        sys::write_command(proc_file, cmd)
            .map_err(|e| proc_write_error(proc_file, cmd, &e, &invalid))?;
    } else {
        let ret = sys::issue_request(start, dest, kind);
        match ret.raw {
            0 => {}
            1 => return Err(Fail(invalid())),
            _ => {
                return Err(syscall_error(
                    "issue_request",
                    sys::NR_ISSUE_REQUEST,
                    ret,
                    proc_file,
                ))
            }
        }
    }
    let who = read_snapshot(proc_file)
        .ok()
        .and_then(|s| Profile::infer(&s))
        .and_then(|p| p.types.get(kind as usize).map(|t| (p, t)))
        .map(|(p, t)| format!(" ({} {}, {p} profile)", t.letter, t.name))
        .unwrap_or_default();
    println!("queued: type {kind}{who} from floor {start} to floor {dest}");
    Ok(())
}

/// One request's outcome in `produce`.
enum Outcome {
    Queued,
    Invalid,
}

/// `elevctl produce N`.
pub fn produce(proc_file: &Path, a: &ProduceArgs) -> Res<()> {
    let seed = a.seed.unwrap_or_else(time_seed);
    let mut rng = GlibcRand::new(seed);
    let (lo, hi) = a.floors;
    let began = Instant::now();
    let (mut queued, mut invalid) = (0u64, 0u64);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for i in 0..a.count {
        if let Some(rate) = a.rate {
            let due = began + Duration::from_secs_f64(i as f64 / rate);
            let now = Instant::now();
            if due > now {
                let _ = out.flush();
                std::thread::sleep(due - now);
            }
        }
        let (start, dest, kind) = rng.request(lo, hi);
        let stopped = |f: Fail| fail!("{} (after {i} of {} requests)", f.0, a.count);
        let outcome = if a.proc {
            let cmd = Command::Issue { start, dest, kind };
            match sys::write_command(proc_file, cmd) {
                Ok(()) => Outcome::Queued,
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Outcome::Invalid,
                Err(e) => {
                    return Err(stopped(proc_write_error(proc_file, cmd, &e, &|| {
                        String::new()
                    })))
                }
            }
        } else {
            let ret = sys::issue_request(start, dest, kind);
            match ret.raw {
                0 => Outcome::Queued,
                1 => Outcome::Invalid,
                _ => {
                    return Err(stopped(syscall_error(
                        "issue_request",
                        sys::NR_ISSUE_REQUEST,
                        ret,
                        proc_file,
                    )))
                }
            }
        };
        let ret = match outcome {
            Outcome::Queued => {
                queued += 1;
                0
            }
            Outcome::Invalid => {
                invalid += 1;
                1
            }
        };
        if !a.quiet {
            let _ = writeln!(out, "Issue ({start}, {dest}, {kind}) returned {ret}");
        }
    }
    let _ = writeln!(
        out,
        "produced {} requests (seed {seed}, floors {lo}-{hi}): {queued} queued, {invalid} invalid",
        a.count
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_parse() {
        assert_eq!(parse_floors("1-6"), Ok((1, 6)));
        assert_eq!(parse_floors("2 - 5"), Ok((2, 5)));
        assert_eq!(parse_floors("-1-6"), Ok((-1, 6)));
        for bad in ["6", "3-3", "6-1", "a-b", "1-", "-6", ""] {
            assert!(parse_floors(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rates_parse() {
        assert_eq!(parse_rate("2.5"), Ok(2.5));
        for bad in ["0", "-1", "nan", "inf", "x"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn diagnoses_invalid_requests() {
        assert_eq!(
            diagnose(6, 2, 0, Ok(5)),
            "start floor 6 is outside floors 1-5"
        );
        assert_eq!(
            diagnose(2, 2, 4, Ok(5)),
            "type 4 is not 0-3; start and destination are both floor 2"
        );
        assert_eq!(
            diagnose(0, 7, 1, Ok(6)),
            "start floor 0 is outside floors 1-6; destination floor 7 is outside floors 1-6"
        );
        assert!(diagnose(1, 2, 0, Ok(5)).contains("looks valid"));
        assert!(diagnose(6, 2, 0, Err("no file".into())).contains("unknown (no file)"));
        assert_eq!(
            diagnose(-1, 2, 0, Err("x".into())),
            "start floor -1 is below floor 1"
        );
    }

    #[test]
    fn proc_errors_name_the_cause() {
        let p = Path::new("/proc/elevator");
        let msg = |errno: i32, cmd: Command| {
            proc_write_error(p, cmd, &io::Error::from_raw_os_error(errno), &|| {
                "invalid request: why".to_string()
            })
            .0
        };
        assert_eq!(
            msg(libc::EACCES, Command::Start),
            "must be root to write /proc/elevator"
        );
        assert_eq!(
            msg(libc::EPERM, Command::Stop),
            "must be root to write /proc/elevator"
        );
        assert_eq!(
            msg(libc::ENOENT, Command::Start),
            "elevator module not loaded (/proc/elevator does not exist)"
        );
        let issue = Command::Issue {
            start: 1,
            dest: 1,
            kind: 0,
        };
        assert_eq!(
            msg(libc::EINVAL, issue),
            "invalid request: why (write of `issue 1 1 0` to /proc/elevator returned EINVAL)"
        );
        let busy = msg(libc::EBUSY, Command::Start);
        assert!(busy.starts_with("elevator is already active"), "{busy}");
        assert!(busy.contains("still stopping (deactivating)"), "{busy}");
        assert!(
            busy.contains("try again when /proc/elevator shows OFFLINE"),
            "{busy}"
        );
        assert!(msg(libc::ENOMEM, Command::Start).contains("ENOMEM"));
    }

    #[test]
    fn syscall_errors_name_the_cause() {
        let none = Path::new("/nonexistent/elevator");
        let r = SysRet {
            raw: -1,
            errno: Some(libc::ENOSYS),
        };
        assert_eq!(
            syscall_error("issue_request", 549, r, none).0,
            "elevator module not loaded (syscall 549 returned ENOSYS)"
        );
        let here = std::env::current_exe().unwrap();
        assert!(syscall_error("issue_request", 549, r, &here)
            .0
            .contains("use --proc"));
        let r = SysRet {
            raw: -1,
            errno: Some(libc::ENOMEM),
        };
        assert!(syscall_error("start_elevator", 548, r, none)
            .0
            .starts_with("start_elevator failed: syscall 548 returned ENOMEM"));
    }
}

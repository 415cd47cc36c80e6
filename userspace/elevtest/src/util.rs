// SPDX-License-Identifier: GPL-2.0

//! Helpers of the VM suite: loading the module, syscalls, `/proc/elevator`,
//! waiting for states, and reading the kernel log.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::time::{Duration, Instant};

pub use elevator_proc::profile::RiderType;
pub use elevator_proc::sys::SysRet;
pub use elevator_proc::{Profile, Snapshot, State};
// Shared with the grader: `sh`, running as nobody, and the one list of
// kernel problem patterns (also the one tests/vm-tests.sh scans with).
pub use elevator_proc::guest::{as_nobody, clear_kernel_log, problem_lines, sh};

/// Where the suite finds the modules.
pub const MODULE: &str = "/lib/modules/elevator.ko";
/// The sample module.
pub const EXAMPLE5: &str = "/lib/modules/example5.ko";
/// The proc file.
pub const PROC: &str = "/proc/elevator";

/// A test result.
pub type R = Result<(), String>;

/// Fails with a message unless `cond`.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)*) => {
        if !$cond {
            return Err(format!($($fmt)*));
        }
    };
}

/// Compares two values, failing with both shown.
#[macro_export]
macro_rules! ensure_eq {
    ($a:expr, $b:expr, $($fmt:tt)*) => {{
        let (a, b) = (&$a, &$b);
        if a != b {
            return Err(format!("{}: {:?} != {:?}", format!($($fmt)*), a, b));
        }
    }};
}

/// `insmod elevator.ko ARGS`.
pub fn insmod(args: &str) -> R {
    let (ok, out) = sh(&format!("insmod {} {}", MODULE, args));
    ensure!(ok, "insmod {} failed: {}", args, out.trim());
    Ok(())
}

/// `insmod` by `finit_module(2)` directly (no fork/exec: the unload-race
/// cycles run a thousand of these).
pub fn insmod_fast(args: &str) -> R {
    finit_module(args).map_err(|e| format!("finit_module: {}", e))
}

/// `finit_module(2)` of elevator.ko with `args`: Ok, or the error (its errno
/// in `raw_os_error()`).
pub fn finit_module(args: &str) -> Result<(), std::io::Error> {
    let f = fs::File::open(MODULE)?;
    let params = std::ffi::CString::new(args)?;
    // SAFETY: finit_module reads the open module file and the NUL-terminated
    // parameter string, both valid for the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_finit_module,
            std::os::fd::AsRawFd::as_raw_fd(&f),
            params.as_ptr(),
            0,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// `rmmod` by `delete_module(2)` directly.
pub fn rmmod_fast() -> R {
    // SAFETY: delete_module reads the NUL-terminated module name.
    let r = unsafe {
        libc::syscall(
            libc::SYS_delete_module,
            c"elevator".as_ptr(),
            libc::O_NONBLOCK,
        )
    };
    ensure!(r == 0, "delete_module: {}", std::io::Error::last_os_error());
    Ok(())
}

/// `rmmod elevator`, returning how long it took.
pub fn rmmod() -> Result<Duration, String> {
    let t = Instant::now();
    let (ok, out) = sh("rmmod elevator");
    ensure!(ok, "rmmod failed: {}", out.trim());
    Ok(t.elapsed())
}

/// Whether elevator.ko is loaded.
pub fn loaded() -> bool {
    fs::read_to_string("/proc/modules")
        .map(|m| m.lines().any(|l| l.starts_with("elevator ")))
        .unwrap_or(false)
}

/// Unloads the modules if a case left them loaded.
pub fn cleanup_module() {
    if loaded() {
        let _ = sh("rmmod elevator");
    }
    let _ = sh("rmmod example5 2>/dev/null");
}

/// Syscall 548.
pub fn start() -> SysRet {
    elevator_proc::sys::start_elevator()
}
/// Syscall 549.
pub fn issue(s: i32, d: i32, t: i32) -> SysRet {
    elevator_proc::sys::issue_request(s, d, t)
}
/// Syscall 550.
pub fn stop() -> SysRet {
    elevator_proc::sys::stop_elevator()
}

/// Reads /proc/elevator in one go, checked like every snapshot (see [`check`]).
pub fn read_proc() -> Result<String, String> {
    let (text, _) = read_checked()?;
    Ok(text)
}

/// Reads and parses /proc/elevator, checked like every snapshot (see [`check`]).
pub fn snap() -> Result<Snapshot, String> {
    let (_, s) = read_checked()?;
    Ok(s)
}

/// The one place the suite reads /proc/elevator as a snapshot ([`read_proc`],
/// [`snap`], and through them [`wait_for`] and the stress reader).
fn read_checked() -> Result<(String, Snapshot), String> {
    // The profile first: the module cannot be replaced between the two reads
    // without the proc read failing (no case reloads it concurrently).
    let param = fs::read_to_string(PROFILE_PARAM).ok();
    let text = fs::read_to_string(PROC).map_err(|e| format!("read {}: {}", PROC, e))?;
    let s = check(&text, param.as_deref().map(str::trim))?;
    Ok((text, s))
}

/// Where the loaded module shows its `profile` parameter.
pub const PROFILE_PARAM: &str = "/sys/module/elevator/parameters/profile";

const fn rt(letter: char, name: &'static str, weight_x10: u32) -> RiderType {
    RiderType {
        letter,
        name,
        weight_x10,
    }
}

/// The buildings of SPEC.md's table, copied from the table itself and not
/// taken from the module's code (`elevator_proc::profile` is): a weight,
/// limit, letter or noun the module gets wrong makes its snapshots fail
/// [`check`]. Weights in tenths of a pound.
pub const SPEC_PROFILES: [Profile; 3] = [
    Profile {
        name: "pets",
        floors: 5,
        max_riders: 5,
        max_load_x10: 500,
        noun: "pets",
        types: [
            rt('C', "Chihuahua", 30),
            rt('P', "Pug", 140),
            rt('H', "Pughuahua", 100),
            rt('D', "Dachshund", 160),
        ],
    },
    Profile {
        name: "dorm",
        floors: 6,
        max_riders: 5,
        max_load_x10: 7500,
        noun: "passengers",
        types: [
            rt('F', "freshman", 1000),
            rt('O', "sophomore", 1500),
            rt('J', "junior", 2000),
            rt('S', "senior", 2500),
        ],
    },
    Profile {
        name: "office",
        floors: 5,
        max_riders: 5,
        max_load_x10: 70,
        noun: "passengers",
        types: [
            rt('P', "part-timer", 10),
            rt('L', "lawyer", 15),
            rt('B', "boss", 20),
            rt('V', "visitor", 5),
        ],
    },
];

/// SPEC.md's profile with this name.
pub fn spec_profile(name: &str) -> Option<&'static Profile> {
    SPEC_PROFILES.iter().find(|p| p.name == name)
}

/// Checks one `/proc/elevator` text: it parses, it is the canonical layout
/// byte for byte (`Display` of the parsed snapshot gives the text back), its
/// fields agree with each other ([`Snapshot::validate`]: counts, the `[*]`
/// marker, floors top first, ...), and it fits its building in SPEC.md's
/// table: floors 1 to N and noun of the profile, only its letters, `Current
/// load` equal to the sum of the weights aboard, no more riders or weight
/// aboard than the limits. The building is the module's `profile` parameter
/// when given (read from sysfs), else the one SPEC profile whose noun, floor
/// count and letters the text shows.
pub fn check(text: &str, profile_param: Option<&str>) -> Result<Snapshot, String> {
    let s = elevator_proc::parse(text).map_err(|e| format!("parse: {} in:\n{}", e, text))?;
    if let Err(p) = s.validate() {
        return Err(format!("inconsistent snapshot {:?}:\n{}", p, text));
    }
    let canonical = s.to_string();
    if canonical != text {
        return Err(format!(
            "not the canonical layout; read:\n{}\nexpected:\n{}",
            text, canonical
        ));
    }
    let p = match profile_param {
        Some(name) => spec_profile(name)
            .ok_or_else(|| format!("profile parameter {:?} not in SPEC.md", name))?,
        None => SPEC_PROFILES
            .iter()
            .find(|p| {
                p.noun == s.noun
                    && p.floors == s.top_floor()
                    && s.aboard
                        .iter()
                        .chain(s.floors.iter().flat_map(|f| f.riders.iter()))
                        .all(|r| p.rider_type(r.kind).is_some())
            })
            .ok_or_else(|| format!("no SPEC.md profile fits this snapshot:\n{}", text))?,
    };
    let problems = p.problems(&s);
    if !problems.is_empty() {
        let why: Vec<String> = problems.iter().map(|q| q.describe(p)).collect();
        return Err(format!(
            "snapshot does not fit profile {} of SPEC.md: {}:\n{}",
            p.name,
            why.join("; "),
            text
        ));
    }
    Ok(s)
}

/// Writes raw bytes to /proc/elevator in one write(); Ok or the errno.
pub fn proc_write(bytes: &[u8]) -> Result<(), i32> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .custom_flags(0)
        .open(PROC)
        .map_err(|e| e.raw_os_error().unwrap_or(-1))?;
    match f.write(bytes) {
        Ok(n) if n == bytes.len() => Ok(()),
        Ok(_) => Err(-2),
        Err(e) => Err(e.raw_os_error().unwrap_or(-1)),
    }
}

/// Polls /proc/elevator until `pred` holds, or fails after `timeout`.
pub fn wait_for(
    what: &str,
    timeout: Duration,
    mut pred: impl FnMut(&Snapshot) -> bool,
) -> Result<Snapshot, String> {
    let t = Instant::now();
    loop {
        let read = Instant::now();
        let s = snap()?;
        if pred(&s) {
            return Ok(s);
        }
        if t.elapsed() > timeout {
            return Err(format!(
                "timed out after {:?} waiting for {}; last:\n{:?}",
                timeout, what, s
            ));
        }
        // Reading a long queue holds the elevator's lock while it renders:
        // poll often enough, but leave the kthread most of the time. At most
        // 100 ms: a read slowed by a host stall (not by the queue) once
        // made the next sleep outlast two 400 ms LOADING windows.
        std::thread::sleep(
            (read.elapsed() * 4).clamp(Duration::from_millis(5), Duration::from_millis(100)),
        );
    }
}

/// Waits until the elevator is OFFLINE.
pub fn wait_offline(timeout: Duration) -> Result<Snapshot, String> {
    wait_for("OFFLINE", timeout, |s| s.state == State::Offline)
}

/// Waits until nobody waits or rides.
pub fn wait_drained(timeout: Duration) -> Result<Snapshot, String> {
    wait_for("everyone delivered", timeout, |s| {
        s.number_waiting == 0 && s.number_aboard == 0
    })
}

/// The elevator kthread's pid.
pub fn kthread_pid(name: &str) -> Option<u32> {
    for e in fs::read_dir("/proc").ok()?.flatten() {
        let pid: u32 = match e.file_name().to_string_lossy().parse() {
            Ok(p) => p,
            Err(_) => continue,
        };
        if let Ok(comm) = fs::read_to_string(format!("/proc/{}/comm", pid)) {
            if comm.trim() == name {
                return Some(pid);
            }
        }
    }
    None
}

/// `voluntary_ctxt_switches + nonvoluntary_ctxt_switches` of a task.
pub fn ctxt_switches(pid: u32) -> Result<(u64, u64), String> {
    let st = fs::read_to_string(format!("/proc/{}/status", pid)).map_err(|e| e.to_string())?;
    let get = |key: &str| -> u64 {
        st.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(u64::MAX)
    };
    Ok((
        get("voluntary_ctxt_switches:"),
        get("nonvoluntary_ctxt_switches:"),
    ))
}

fn kmemleak(cmd: &str) {
    if let Ok(mut f) = fs::OpenOptions::new()
        .write(true)
        .open("/sys/kernel/debug/kmemleak")
    {
        let _ = f.write_all(cmd.as_bytes());
    }
}

fn kmemleak_report() -> String {
    let mut s = String::new();
    if let Ok(mut f) = fs::File::open("/sys/kernel/debug/kmemleak") {
        let _ = f.read_to_string(&mut s);
    }
    s
}

/// Forgets what was in the log and in kmemleak before the suite.
pub fn prepare_suite() {
    kmemleak("scan");
    kmemleak("clear");
    clear_kernel_log();
}

/// Returns the first problem lines of the kernel log ([`problem_lines`]),
/// if any; with `scan`, kmemleak's report after a scan comes first.
pub fn kernel_log_problems(scan: bool) -> Option<String> {
    let leaks = if scan {
        kmemleak("scan");
        kmemleak_report()
    } else {
        String::new()
    };
    let (_, log) = sh("dmesg");
    let bad: Vec<&str> = problem_lines(&log).into_iter().take(5).collect();
    if !leaks.trim().is_empty() {
        kmemleak("clear");
        return Some(format!(
            "kmemleak: {}",
            leaks.lines().take(12).collect::<Vec<_>>().join(" | ")
        ));
    }
    if bad.is_empty() {
        None
    } else {
        Some(bad.join(" | "))
    }
}

/// Waits for kmemleak's minimum object age, then scans for leaks.
pub fn final_leak_check() -> Option<String> {
    if !std::path::Path::new("/sys/kernel/debug/kmemleak").exists() {
        return None;
    }
    std::thread::sleep(Duration::from_secs(6));
    kmemleak("scan");
    kmemleak("scan");
    let leaks = kmemleak_report();
    if leaks.trim().is_empty() {
        None
    } else {
        Some(leaks.lines().take(20).collect::<Vec<_>>().join(" | "))
    }
}

/// Whether kmemleak is there and working: `Err` says what is wrong (no
/// `/sys/kernel/debug/kmemleak`, or kmemleak disabled itself, e.g. when it
/// could not allocate its own metadata).
pub fn kmemleak_available() -> Result<(), String> {
    let path = "/sys/kernel/debug/kmemleak";
    let mut f = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| format!("{} missing: {}", path, e))?;
    // Stack scanning is on by default, so this changes nothing; the write
    // fails with EPERM once kmemleak is disabled.
    f.write_all(b"stack=on")
        .map_err(|e| format!("kmemleak disabled ({}: {})", path, e))
}

/// The running kernel's major version (6 or 7 in the project's matrix), for
/// the few checks where upstream Rust behaves differently across kernels.
pub fn kernel_major() -> Result<u32, String> {
    fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_err(|e| e.to_string())?
        .split('.')
        .next()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| "no kernel version".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The check after every case and take_kernel_log's check of the fault
    // cases read the log through problem_lines.
    #[test]
    fn problem_lines_catch_reports_not_boot_lines() {
        let log = "[    0.4] rcu: \tRCU lockdep checking is enabled.\n\
                   [    6.5] kmemleak: Automatic memory scanning thread started\n\
                   [   12.0] elevator: loaded: profile pets\n\
                   [   12.1] BUG: KASAN: slab-use-after-free in elevator_thread+0x1c/0x80 [elevator]\n\
                   [   12.2] Call Trace:\n\
                   [   13.0] WARNING: possible circular locking dependency detected\n";
        assert_eq!(
            problem_lines(log),
            [
                "[   12.1] BUG: KASAN: slab-use-after-free in elevator_thread+0x1c/0x80 [elevator]",
                "[   13.0] WARNING: possible circular locking dependency detected",
            ]
        );
    }
}

// SPDX-License-Identifier: GPL-2.0

//! Helpers of the VM suite: loading the module, syscalls, `/proc/elevator`,
//! waiting for states, and reading the kernel log.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::process::Command;
use std::time::{Duration, Instant};

pub use elevator_proc::sys::SysRet;
pub use elevator_proc::{Snapshot, State};

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

/// Runs a shell command, returning (success, stdout+stderr).
pub fn sh(cmd: &str) -> (bool, String) {
    match Command::new("sh").arg("-c").arg(cmd).output() {
        Ok(o) => {
            let mut s = String::from_utf8_lossy(&o.stdout).into_owned();
            s.push_str(&String::from_utf8_lossy(&o.stderr));
            (o.status.success(), s)
        }
        Err(e) => (false, e.to_string()),
    }
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
    let f = fs::File::open(MODULE).map_err(|e| format!("open {}: {}", MODULE, e))?;
    let params = std::ffi::CString::new(args).map_err(|e| e.to_string())?;
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
    ensure!(r == 0, "finit_module: {}", std::io::Error::last_os_error());
    Ok(())
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

/// Reads /proc/elevator in one go.
pub fn read_proc() -> Result<String, String> {
    fs::read_to_string(PROC).map_err(|e| format!("read {}: {}", PROC, e))
}

/// Reads and parses /proc/elevator, checking its internal consistency.
pub fn snap() -> Result<Snapshot, String> {
    let text = read_proc()?;
    let s = elevator_proc::parse(&text).map_err(|e| format!("parse: {} in:\n{}", e, text))?;
    if let Err(p) = s.validate() {
        return Err(format!("inconsistent snapshot {:?}:\n{}", p, text));
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
        // poll often enough, but leave the kthread most of the time.
        std::thread::sleep(Duration::from_millis(5).max(read.elapsed() * 4));
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

/// Empties the kernel ring buffer (`dmesg -c`).
pub fn clear_kernel_log() {
    let _ = sh("dmesg -c >/dev/null");
}

const BAD: &[&str] = &[
    "BUG:",
    "WARNING:",
    "Oops",
    "general protection",
    "KASAN",
    "kmemleak",
    "lockdep",
    "possible circular locking",
    "possible recursive locking",
    "inconsistent lock state",
    "suspicious RCU usage",
    "sleeping function called from invalid context",
    "scheduling while atomic",
    "Call Trace",
    "rust_panic",
    "panicked at",
    "hung_task",
    "blocked for more than",
    "stall",
    "leaked",
];

/// Scans kmemleak, then returns the first bad lines of the kernel log, if any.
pub fn kernel_log_problems() -> Option<String> {
    kmemleak("scan");
    let leaks = kmemleak_report();
    let (_, log) = sh("dmesg");
    let bad: Vec<&str> = log
        .lines()
        .filter(|l| BAD.iter().any(|b| l.contains(b)))
        .take(5)
        .collect();
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

/// Runs `f` with the real uid/gid of `nobody` in a child process; returns its exit code.
pub fn as_nobody(f: impl FnOnce() -> i32) -> i32 {
    // SAFETY: fork() in a process whose other threads (if any) hold no locks the
    // child needs: the child only calls setgid/setuid, `f` and _exit.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: plain syscalls in the child.
        unsafe {
            if libc::setgid(65534) != 0 || libc::setuid(65534) != 0 {
                libc::_exit(99);
            }
        }
        let code = f();
        // SAFETY: ends the child without running the parent's atexit handlers.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waits for the child forked above.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    libc::WEXITSTATUS(status)
}

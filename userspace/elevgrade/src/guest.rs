// SPDX-License-Identifier: GPL-2.0

//! What the grader does to the guest kernel: loading and unloading the graded
//! module (whatever its name), finding its kernel threads and their context
//! switches, reading `/proc/elevator` with its latency, the kernel log and
//! kmemleak.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::process::Command;
use std::time::{Duration, Instant};

/// The proc file every elevator module of the course creates.
pub const PROC: &str = "/proc/elevator";

/// Runs a shell command, returning (success, stdout+stderr).
pub fn sh(cmd: &str) -> (bool, String) {
    match Command::new("sh").arg("-c").arg(cmd).output() {
        Ok(o) => {
            let mut s = String::from_utf8_lossy(&o.stdout).into_owned();
            s.push_str(&String::from_utf8_lossy(&o.stderr));
            (o.status.success(), s.trim().to_string())
        }
        Err(e) => (false, e.to_string()),
    }
}

/// The names of the loaded modules (`/proc/modules`).
pub fn modules() -> BTreeSet<String> {
    fs::read_to_string("/proc/modules")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// `insmod KO PARAMS`: the name of the module it added, or why it failed.
pub fn insmod(ko: &str, params: &str) -> Result<(String, Duration), String> {
    let before = modules();
    let t = Instant::now();
    let (ok, out) = sh(&format!("insmod {ko} {params}"));
    let took = t.elapsed();
    if !ok {
        return Err(format!("insmod {ko} {params} failed: {out}"));
    }
    let added: Vec<String> = modules().difference(&before).cloned().collect();
    match added.as_slice() {
        [name] => Ok((name.clone(), took)),
        _ => Err(format!(
            "insmod succeeded but /proc/modules gained {added:?}, not one module"
        )),
    }
}

/// `rmmod NAME`, returning how long it took.
pub fn rmmod(name: &str) -> Result<Duration, String> {
    let t = Instant::now();
    let (ok, out) = sh(&format!("rmmod {name}"));
    let took = t.elapsed();
    if ok {
        Ok(took)
    } else {
        Err(format!("rmmod {name} failed after {took:.2?}: {out}"))
    }
}

/// Kernel threads that belong to no module: the kernel starts and ends
/// these on its own, so they are never counted as the graded module's.
const KERNEL_THREADS: &[&str] = &[
    "kworker",
    "ksoftirqd",
    "migration",
    "rcu",
    "cpuhp",
    "irq/",
    "kthreadd",
    "idle_inject",
];

/// Kernel threads (children of kthreadd, pid 2) by pid, with their names.
pub fn kthreads() -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let Ok(dir) = fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(status) = fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue;
        };
        let field = |k: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(k))
                .map(|v| v.trim().to_string())
        };
        if field("PPid:").as_deref() != Some("2") {
            continue;
        }
        let name = field("Name:").unwrap_or_default();
        if KERNEL_THREADS.iter().any(|k| name.starts_with(k)) {
            continue;
        }
        out.push((pid, name));
    }
    out
}

/// Kernel threads now that were not there `before`: the module's threads.
pub fn new_kthreads(before: &[(u32, String)]) -> Vec<(u32, String)> {
    kthreads()
        .into_iter()
        .filter(|t| !before.iter().any(|b| b.0 == t.0))
        .collect()
}

/// Whether a task still exists.
pub fn alive(pid: u32) -> bool {
    fs::metadata(format!("/proc/{pid}")).is_ok()
}

/// Voluntary + involuntary context switches of a task (None once it is gone).
pub fn ctxt_switches(pid: u32) -> Option<u64> {
    let st = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let get = |key: &str| -> Option<u64> {
        st.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().parse().ok())
    };
    Some(get("voluntary_ctxt_switches:")? + get("nonvoluntary_ctxt_switches:")?)
}

/// One read of `/proc/elevator`: the text and how long the read took.
pub fn read_proc() -> Result<(String, Duration), String> {
    let t = Instant::now();
    let text = fs::read_to_string(PROC).map_err(|e| format!("read {PROC}: {e}"))?;
    Ok((text, t.elapsed()))
}

/// The permission bits of `/proc/elevator`.
pub fn proc_mode() -> Option<u32> {
    fs::metadata(PROC).ok().map(|m| m.mode() & 0o7777)
}

/// Whether `/proc/elevator` exists.
pub fn proc_exists() -> bool {
    fs::metadata(PROC).is_ok()
}

/// Reads `/proc/elevator` in a child process running as `nobody` (fork,
/// setgid, setuid): Ok(text) or the error the child saw.
pub fn read_as_nobody() -> Result<String, String> {
    let mut fds = [0i32; 2];
    // SAFETY: pipe() fills the two descriptors of the array it is given.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err("pipe failed".into());
    }
    // SAFETY: the child only calls async-signal-safe functions (setgid,
    // setuid, open, read, write, _exit) before it exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: plain system calls in the child, on buffers it owns.
        unsafe {
            libc::close(fds[0]);
            if libc::setgid(65534) != 0 || libc::setuid(65534) != 0 {
                libc::_exit(99);
            }
            let fd = libc::open(c"/proc/elevator".as_ptr(), libc::O_RDONLY);
            if fd < 0 {
                let e = *libc::__errno_location();
                libc::_exit(100 + e.min(100));
            }
            let mut buf = [0u8; 4096];
            loop {
                let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
                if n <= 0 {
                    break;
                }
                libc::write(fds[1], buf.as_ptr().cast(), n as usize);
            }
            libc::_exit(0);
        }
    }
    // SAFETY: the parent closes its copy of the write end and reads the pipe.
    unsafe { libc::close(fds[1]) };
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        // SAFETY: reads into a buffer the parent owns.
        let n = unsafe { libc::read(fds[0], buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            break;
        }
        text.extend_from_slice(&buf[..n as usize]);
    }
    let mut status = 0;
    // SAFETY: closes the read end and reaps the child forked above.
    unsafe {
        libc::close(fds[0]);
        libc::waitpid(pid, &mut status, 0);
    }
    match libc::WEXITSTATUS(status) {
        0 => Ok(String::from_utf8_lossy(&text).into_owned()),
        99 => Err("could not become nobody".into()),
        c => Err(format!(
            "open as nobody failed: {}",
            std::io::Error::from_raw_os_error(c - 100)
        )),
    }
}

fn kmemleak_write(cmd: &str) -> bool {
    fs::OpenOptions::new()
        .write(true)
        .open("/sys/kernel/debug/kmemleak")
        .and_then(|mut f| f.write_all(cmd.as_bytes()))
        .is_ok()
}

/// Whether kmemleak is there and on.
pub fn kmemleak_available() -> bool {
    kmemleak_write("stack=on")
}

/// Scans for leaks and hides what is already known, before a module is graded.
/// The automatic scans go off: the first would come 60 s after boot, in the
/// middle of a timed run (a scan takes seconds of CPU on the debug kernel).
pub fn kmemleak_prepare() {
    kmemleak_write("scan=off");
    kmemleak_write("scan");
    kmemleak_write("clear");
}

/// Two scans (an object is reported once it was found unreferenced, and
/// unchanged, by two scans), then the report: empty when nothing leaked.
pub fn kmemleak_scan_report() -> String {
    kmemleak_write("scan");
    kmemleak_write("scan");
    let report = fs::read_to_string("/sys/kernel/debug/kmemleak").unwrap_or_default();
    kmemleak_write("clear");
    report
}

/// Empties the kernel ring buffer, so that the log read after grading is
/// the graded module's.
pub fn clear_kernel_log() {
    let _ = sh("dmesg -c >/dev/null");
}

/// The kernel log since [`clear_kernel_log`].
pub fn kernel_log() -> String {
    sh("dmesg").1
}

/// Kernel reports: the patterns of tests/vm-tests.sh's scan_console.
const PROBLEMS: &[&str] = &[
    "BUG:",
    "WARNING:",
    "Oops",
    "KASAN",
    "possible recursive locking",
    "circular locking",
    "inconsistent lock state",
    "sleeping function called",
    "scheduling while atomic",
    "suspicious RCU usage",
    "general protection fault",
    "Kernel panic",
    "kernel BUG",
    "UBSAN",
    "panicked at",
    "rust_panic",
    "blocked for more than",
    "soft lockup",
    "hard LOCKUP",
    "detected stall",
    "self-detected stall",
    "list_add corruption",
    "list_del corruption",
    "unreferenced object",
    "kmemleak: ",
];

/// kmemleak's lines that report no problem (as in scan_console).
const FINE: &[&str] = &[
    "kmemleak: Kernel memory leak detector initialized",
    "kmemleak: Automatic memory scanning thread started",
    "kmemleak: Automatic memory scanning thread ended",
    "kmemleak: Cannot allocate a scan area, scanning the full object",
];

/// The lines of a kernel log that report a problem.
pub fn problem_lines(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| PROBLEMS.iter().any(|p| l.contains(p)) && !FINE.iter().any(|f| l.contains(f)))
        .map(str::to_string)
        .collect()
}

/// Sleeps for a number of seconds.
pub fn sleep_s(s: f64) {
    if s > 0.0 {
        std::thread::sleep(Duration::from_secs_f64(s));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_lines_skip_fine_kmemleak_lines() {
        let log =
            "[    1.0] kmemleak: Kernel memory leak detector initialized (mempool available: 1)\n\
                   [    2.0] elevator: loaded\n\
                   [    3.0] BUG: sleeping function called from invalid context\n\
                   [    4.0] kmemleak: 2 new suspected memory leaks\n";
        let p = problem_lines(log);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("BUG:"));
        assert!(p[1].contains("suspected"));
    }
}

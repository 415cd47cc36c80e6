// SPDX-License-Identifier: GPL-2.0

//! What the grader does to the guest kernel: loading and unloading the graded
//! module (whatever its name), finding its kernel threads and their context
//! switches, reading `/proc/elevator` with its latency, the kernel log and
//! kmemleak.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

// Shared with the VM suite (elevtest): `sh`, reading as nobody, and the one
// list of kernel problem patterns (also the one tests/vm-tests.sh scans with).
pub use elevator_proc::guest::{clear_kernel_log, problem_lines, read_as_nobody, sh};

/// The proc file every elevator module of the course creates.
pub const PROC: &str = "/proc/elevator";

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
        return Err(format!("insmod {ko} {params} failed: {}", out.trim()));
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
        Err(format!(
            "rmmod {name} failed after {took:.2?}: {}",
            out.trim()
        ))
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

/// The kernel log since [`clear_kernel_log`].
pub fn kernel_log() -> String {
    sh("dmesg").1
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

    // The grader's log_clean check reads the log through these.
    #[test]
    fn problem_lines_catch_reports_and_skip_fine_kmemleak_lines() {
        let log =
            "[    1.0] kmemleak: Kernel memory leak detector initialized (mempool available: 1)\n\
                   [    2.0] elevator: loaded\n\
                   [    3.0] BUG: KASAN: slab-use-after-free in elevator_thread+0x1c/0x80 [elevator]\n\
                   [    3.5] rcu: \tRCU lockdep checking is enabled.\n\
                   [    4.0] kmemleak: 2 new suspected memory leaks\n";
        let p = problem_lines(log);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("BUG: KASAN"));
        assert!(p[1].contains("suspected"));
    }
}

// SPDX-License-Identifier: GPL-2.0
//! What the two in-guest tools share (`elevtest`, the VM suite, and `elevgrade`,
//! the grader): running a shell command, running code as the user `nobody`, and
//! telling which kernel log lines report a problem.
//!
//! [`PROBLEMS`] and [`FINE`] are the one list of kernel problem reports of the
//! project: the Rust tools check `dmesg` with it, and `tests/vm-tests.sh` checks
//! each guest's whole console log with the same patterns, written again in its
//! `problems=`/`fine=` lines (the shell script runs on the host, where no Rust
//! binary of the guest runs). The host test `shell_list_is_the_rust_list`
//! compares the two, pattern for pattern, and runs the script's own scanner
//! (`tests/vm-tests.sh --scan-console`) on each pattern, so that the two
//! cannot drift apart.

use std::ffi::CString;
use std::process::Command;

/// Runs a shell command, returning (success, stdout then stderr), untrimmed.
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

/// Empties the kernel ring buffer (`dmesg -c`), so that the next read of the
/// log shows only what came after.
pub fn clear_kernel_log() {
    let _ = sh("dmesg -c >/dev/null");
}

/// The uid and gid of `nobody`.
pub const NOBODY: u32 = 65534;

/// The exit code of a child that could not become `nobody`.
pub const NOT_NOBODY: i32 = 99;

/// Forks; the child sets its gid and uid to [`NOBODY`] (real, effective and
/// saved: it runs as root), runs `child` and exits with what it returned
/// ([`NOT_NOBODY`] when it could not drop root). The parent runs `parent`
/// meanwhile (e.g. reads a pipe the child writes), then reaps the child and
/// returns its exit code, or -1 when fork failed.
fn fork_as_nobody(child: impl FnOnce() -> i32, parent: impl FnOnce()) -> i32 {
    // SAFETY: fork() duplicates the calling thread only. The child calls
    // setgid/setuid, `child` and _exit: callers pass code that takes no lock
    // another thread of the parent could hold at the fork (glibc's malloc
    // resets its own locks in the child).
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return -1;
    }
    if pid == 0 {
        // SAFETY: plain system calls in the child, no memory passed.
        let dropped = unsafe { libc::setgid(NOBODY) == 0 && libc::setuid(NOBODY) == 0 };
        let code = if dropped { child() } else { NOT_NOBODY };
        // SAFETY: ends the child without running the parent's atexit handlers
        // or flushing buffers it inherited.
        unsafe { libc::_exit(code) };
    }
    parent();
    let mut status = 0;
    // SAFETY: waits for the child forked above, writing its status to a local.
    let r = unsafe { libc::waitpid(pid, &mut status, 0) };
    if r == pid && libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    }
}

/// Runs `f` as the user `nobody` in a child process and returns its exit
/// code: what `f` returned, [`NOT_NOBODY`] when the child could not become
/// nobody, -1 when there was no child or it did not exit.
pub fn as_nobody(f: impl FnOnce() -> i32) -> i32 {
    fork_as_nobody(f, || {})
}

/// Reads a file as the user `nobody` (a child process, see [`as_nobody`]):
/// its text, or the error the child saw. The child only makes system calls
/// (open, read, write, close), so this is safe in a process with threads.
pub fn read_as_nobody(path: &str) -> Result<String, String> {
    let cpath = CString::new(path).map_err(|e| e.to_string())?;
    let mut fds = [0i32; 2];
    // SAFETY: pipe() fills the two descriptors of the array it is given.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(format!("pipe: {}", std::io::Error::last_os_error()));
    }
    let [rd, wr] = fds;
    let child = || -> i32 {
        let mut buf = [0u8; 4096];
        // SAFETY: system calls on descriptors the child owns, a NUL-terminated
        // path made before the fork and a buffer on the child's stack.
        unsafe {
            libc::close(rd);
            let fd = libc::open(cpath.as_ptr(), libc::O_RDONLY);
            if fd < 0 {
                return 100 + (*libc::__errno_location()).min(100);
            }
            loop {
                let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
                if n <= 0 {
                    break;
                }
                libc::write(wr, buf.as_ptr().cast(), n as usize);
            }
            libc::close(fd);
        }
        0
    };
    let mut text = Vec::new();
    let parent = || {
        // SAFETY: the parent closes its copy of the write end (so the read
        // below ends when the child exits) and reads into a buffer it owns.
        unsafe { libc::close(wr) };
        let mut buf = [0u8; 4096];
        loop {
            // SAFETY: as above.
            let n = unsafe { libc::read(rd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                break;
            }
            text.extend_from_slice(&buf[..n as usize]);
        }
    };
    let code = fork_as_nobody(child, parent);
    // SAFETY: closes the read end, which nothing uses any more. (When fork
    // failed the write end is still open: close it too.)
    unsafe {
        libc::close(rd);
        if code == -1 {
            libc::close(wr);
        }
    }
    match code {
        0 => Ok(String::from_utf8_lossy(&text).into_owned()),
        NOT_NOBODY => Err("could not become nobody".into()),
        c if c > 100 => Err(format!(
            "open {path} as nobody failed: {}",
            std::io::Error::from_raw_os_error(c - 100)
        )),
        c => Err(format!("reading {path} as nobody: child exit status {c}")),
    }
}

/// Kernel problem reports: a kernel log line that contains one of these
/// (and none of [`FINE`]) reports a problem. Plain substrings, no regular
/// expression characters: `tests/vm-tests.sh` joins them with `|` for `grep -E`.
///
/// One list for the VM suite, the grader and the console scan: the union of
/// the lists the two tools had, less what matches harmless lines. Left out:
/// `lockdep` (every debug boot logs "rcu: RCU lockdep checking is enabled.",
/// and stack dumps show frames such as `lockdep_init_map_type+0x147/0x6b0`;
/// lockdep's own reports start with `WARNING:` or `BUG:`), `Call Trace`
/// (the stack dump of every injected fault has one: 175 in one VM suite run;
/// a real report's header line is caught itself) and a bare `kmemleak` (its
/// start-up lines, see [`FINE`]); all three seen in the clean guest logs of
/// `tests/data/guest-console-clean.txt`. Narrowed: `stall` to RCU's stall
/// reports, "detected stalls", "self-detected stall" and "detected expedited
/// stalls" (the guests boot with `rcu_expedited=1`), as the grader reads a
/// student module's own messages too and "Elevator module installed" holds
/// "stall"; `general protection` to `general protection fault`, the kernel's
/// words.
pub const PROBLEMS: &[&str] = &[
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
    "hung_task",
    "blocked for more than",
    "soft lockup",
    "hard LOCKUP",
    "detected stall",
    "detected expedited stall",
    "list_add corruption",
    "list_del corruption",
    "leaked",
    "unreferenced object",
    "kmemleak: ",
];

/// kmemleak's lines that report no problem: its start-up and scan-thread
/// lines, and its fallback to scanning a whole object when fault injection
/// fails its own allocation.
pub const FINE: &[&str] = &[
    "kmemleak: Kernel memory leak detector initialized",
    "kmemleak: Automatic memory scanning thread started",
    "kmemleak: Automatic memory scanning thread ended",
    "kmemleak: Cannot allocate a scan area, scanning the full object",
];

/// Whether one kernel log line reports a problem.
pub fn is_problem(line: &str) -> bool {
    PROBLEMS.iter().any(|p| line.contains(p)) && !FINE.iter().any(|f| line.contains(f))
}

/// The lines of a kernel log that report a problem.
pub fn problem_lines(log: &str) -> Vec<&str> {
    log.lines().filter(|l| is_problem(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn repo_file(rel: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(rel)
    }

    /// The patterns of a `NAME='...'` line and its `NAME+='...'` lines in a
    /// shell script, split at `|`.
    fn shell_list(script: &str, name: &str) -> Vec<String> {
        let mut joined = String::new();
        for line in script.lines() {
            let rest = line
                .strip_prefix(&format!("{name}="))
                .or_else(|| line.strip_prefix(&format!("{name}+=")));
            if let Some(rest) = rest {
                let inner = rest
                    .strip_prefix('\'')
                    .and_then(|r| r.strip_suffix('\''))
                    .unwrap_or_else(|| panic!("{name}: not one single-quoted string: {line}"));
                joined.push_str(inner);
            }
        }
        assert!(!joined.is_empty(), "no {name}= line");
        joined.split('|').map(str::to_string).collect()
    }

    // The shell copy of the list: tests/vm-tests.sh scans the guests'
    // console logs on the host with `grep -E "...($problems)" | grep -vE
    // "...|$fine"`. It must name exactly the patterns of PROBLEMS and FINE
    // (a pattern added on one side only fails here), and since the shell
    // takes them as extended regular expressions, none may hold one of
    // ERE's special characters (then `grep -E` and `contains` agree).
    #[test]
    fn shell_list_is_the_rust_list() {
        let path = repo_file("tests/vm-tests.sh");
        let script =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            shell_list(&script, "problems"),
            PROBLEMS,
            "tests/vm-tests.sh problems="
        );
        assert_eq!(shell_list(&script, "fine"), FINE, "tests/vm-tests.sh fine=");
        for p in PROBLEMS.iter().chain(FINE) {
            assert!(
                !p.contains(|c| "\\^$.|?*+()[]{}".contains(c)),
                "{p:?}: an ERE special character"
            );
        }
    }

    /// Runs `tests/vm-tests.sh --scan-console` on a log: how many problem
    /// lines it reported.
    fn shell_scan(log: &str) -> usize {
        // One folder a call: the tests run in parallel threads.
        static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("guest-scan-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("console.log");
        std::fs::write(&file, log).unwrap();
        let out = Command::new("bash")
            .arg(repo_file("tests/vm-tests.sh"))
            .arg("--scan-console")
            .arg(&file)
            .output()
            .expect("bash tests/vm-tests.sh");
        let _ = std::fs::remove_dir_all(&dir);
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines().filter(|l| l.starts_with("FAIL ")).count()
    }

    // Every pattern is caught by both scanners, the shell's and the Rust
    // one, in a kernel line that holds it; each FINE line by neither.
    #[test]
    fn both_scanners_catch_each_pattern() {
        for p in PROBLEMS {
            let line = format!("[   12.345678] elevator: {p} something");
            assert_eq!(problem_lines(&line), [line.as_str()], "Rust scanner, {p:?}");
            assert_eq!(shell_scan(&format!("{line}\n")), 1, "shell scanner, {p:?}");
        }
        for f in FINE {
            let line = format!("[    6.555452] {f} (mem pool available: 14939)");
            assert!(problem_lines(&line).is_empty(), "{f:?}");
            assert_eq!(shell_scan(&format!("{line}\n")), 0, "shell scanner, {f:?}");
        }
    }

    #[test]
    fn reports_are_caught() {
        let log = "[    1.0] kmemleak: Kernel memory leak detector initialized (mempool available: 1)\n\
                   [    2.0] elevator: loaded\n\
                   [    3.0] BUG: KASAN: slab-use-after-free in elevator_thread+0x1c/0x80 [elevator]\n\
                   [    3.1] BUG: sleeping function called from invalid context at kernel/time/sleep_timeout.c:1\n\
                   [    4.0] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)\n\
                   [    5.0] rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: {\n\
                   [    6.0] INFO: task elevator:82 blocked for more than 120 seconds.\n";
        let p = problem_lines(log);
        assert_eq!(p.len(), 5, "{p:?}");
        assert!(p[0].contains("BUG: KASAN"));
        assert!(p[2].contains("suspected"));
        assert!(p[3].contains("expedited stalls"));
        assert_eq!(shell_scan(log), 5);
    }

    // Real console logs of clean guest runs (eight: the VM suite's two
    // guests on the 7.3 and 6.12 debug kernels and again on 7.3, fault
    // injection included, and two runs of tests/grade/run-tests.sh, broken
    // test modules included): one copy of each distinct kernel line, time
    // stamp dropped. No pattern may match a line of them.
    #[test]
    fn clean_guest_logs_have_no_problem() {
        let log = include_str!("../tests/data/guest-console-clean.txt");
        assert!(log.lines().count() > 100);
        assert_eq!(problem_lines(log), Vec::<&str>::new());
        let stamped: String = log
            .lines()
            .map(|l| format!("[    1.000000] {l}\n"))
            .collect();
        assert_eq!(shell_scan(&stamped), 0);
    }

    #[test]
    fn as_nobody_runs_as_nobody_or_says_it_could_not() {
        // SAFETY: getuid() only returns the caller's uid.
        let root = unsafe { libc::getuid() } == 0;
        // SAFETY: as above, in the child.
        let code = as_nobody(|| (unsafe { libc::getuid() } == NOBODY) as i32 + 40);
        assert_eq!(code, if root { 41 } else { NOT_NOBODY });
        let r = read_as_nobody("/proc/self/status");
        if root {
            let text = r.unwrap();
            assert!(
                text.lines()
                    .any(|l| l.starts_with("Uid:") && l.contains("65534")),
                "{text}"
            );
            // What the grader's proc_layout sees of a /proc/elevator made
            // without read permission for others.
            use std::os::unix::fs::PermissionsExt;
            let secret = std::env::temp_dir().join(format!("guest-0600-{}", std::process::id()));
            std::fs::write(&secret, "Elevator state: OFFLINE\n").unwrap();
            std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
            let denied = read_as_nobody(secret.to_str().unwrap());
            let _ = std::fs::remove_file(&secret);
            assert!(denied.unwrap_err().contains("Permission denied"));
            assert!(read_as_nobody("/nonexistent/x")
                .unwrap_err()
                .contains("No such file"));
        } else {
            assert_eq!(r.unwrap_err(), "could not become nobody");
        }
    }
}

// SPDX-License-Identifier: GPL-2.0

//! Fault injection on the debug kernel (`CONFIG_FAILSLAB`,
//! `CONFIG_FAIL_PAGE_ALLOC`, driven through debugfs): allocations fail on
//! purpose, only in the test's own thread, and every failure must be a clean
//! error that changes nothing and leaks nothing (the suite's kmemleak check
//! after each case).
//!
//! Two ways of injecting:
//! - `task-filter=Y`, `probability=100`, `times=N` and this thread's
//!   `make-it-fail`, around one `issue_request` or `write()` whose only
//!   allocation is the module's (a floor queue growing: the first 8 slots
//!   come from the slab, the growth from 512 to 1,024 slots, 16 KB, from the
//!   page allocator). `verbose=2` dumps the stack of each injected failure,
//!   which must show the module's code.
//! - `fail-nth` (systematic): the n-th allocation of an operation fails, for
//!   n = 1, 2, ... until the operation gets through without reaching an n-th
//!   one, so each allocation on its path fails once: opening and writing
//!   `/proc/elevator`, opening and reading it, and `insmod` (the loader's
//!   allocations, then the module's own in its init).
//!
//! GFP_KERNEL allocations may sleep, and both fault types skip those by
//! default (`ignore-gfp-wait=Y`): the cases set it to N.

use std::ffi::CString;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::path::Path;

use crate::util::*;
use crate::{ensure, ensure_eq};

const FAILSLAB: &str = "/sys/kernel/debug/failslab";
const FAIL_PAGE_ALLOC: &str = "/sys/kernel/debug/fail_page_alloc";

fn knob(dir: &str, name: &str, value: &str) -> R {
    fs::write(format!("{}/{}", dir, name), value)
        .map_err(|e| format!("{}/{} <- {}: {}", dir, name, value, e))
}

fn read_knob(dir: &str, name: &str) -> Result<i64, String> {
    let path = format!("{}/{}", dir, name);
    let v = fs::read_to_string(&path).map_err(|e| format!("{}: {}", path, e))?;
    v.trim()
        .parse()
        .map_err(|e| format!("{}: {:?}: {}", path, v, e))
}

/// A result as the kernel gave it: the value, or the errno.
type Ret = Result<i64, i32>;

fn sys(r: SysRet) -> Ret {
    match r.errno {
        Some(e) => Err(e),
        None => Ok(r.raw),
    }
}

fn io<T>(r: std::io::Result<T>) -> Result<T, i32> {
    r.map_err(|e| e.raw_os_error().unwrap_or(-1))
}

/// Both fault types set up for this thread alone; disarmed and back to the
/// kernel's defaults when dropped.
struct Injector {
    /// `/proc/thread-self/make-it-fail`, opened beforehand: opening it while
    /// allocations fail would fail.
    make_it_fail: File,
    /// `/proc/thread-self/fail-nth`.
    fail_nth: File,
}

impl Injector {
    fn new(verbose: u32) -> Result<Self, String> {
        for dir in [FAILSLAB, FAIL_PAGE_ALLOC] {
            ensure!(
                Path::new(dir).exists(),
                "{} missing: the debug kernel needs CONFIG_FAULT_INJECTION_DEBUG_FS, \
                 CONFIG_FAILSLAB and CONFIG_FAIL_PAGE_ALLOC",
                dir
            );
            // Disarmed first, then the rest.
            knob(dir, "times", "0")?;
            knob(dir, "task-filter", "Y")?;
            knob(dir, "probability", "100")?;
            knob(dir, "interval", "1")?;
            knob(dir, "space", "0")?;
            knob(dir, "verbose", &verbose.to_string())?;
            knob(dir, "verbose_ratelimit_interval_ms", "0")?;
            knob(dir, "ignore-gfp-wait", "N")?;
        }
        knob(FAILSLAB, "cache-filter", "N")?;
        // Order 0 (single pages, page faults included) stays out.
        knob(FAIL_PAGE_ALLOC, "min-order", "1")?;
        // vmalloc's pages may come from high memory.
        knob(FAIL_PAGE_ALLOC, "ignore-gfp-highmem", "N")?;
        let open = |name: &str| {
            let path = format!("/proc/thread-self/{}", name);
            OpenOptions::new()
                .read(true)
                .write(true)
                .open(&path)
                .map_err(|e| format!("{}: {}", path, e))
        };
        Ok(Injector {
            make_it_fail: open("make-it-fail")?,
            fail_nth: open("fail-nth")?,
        })
    }

    /// Gives `dir` `times` failures to inject, runs `op` with this thread's
    /// `make-it-fail` set, and returns what it returned and how many
    /// failures were injected.
    fn with_failures<T>(
        &self,
        dir: &str,
        times: u32,
        op: impl FnOnce() -> T,
    ) -> Result<(T, u32), String> {
        knob(dir, "times", &times.to_string())?;
        let set = |v: &[u8]| {
            self.make_it_fail
                .write_at(v, 0)
                .map_err(|e| format!("make-it-fail: {}", e))
        };
        set(b"1")?;
        let r = op();
        set(b"0")?;
        let left = read_knob(dir, "times")?;
        knob(dir, "times", "0")?;
        Ok((r, (i64::from(times) - left) as u32))
    }

    /// Runs `op` with this thread's `fail-nth` set to `n` (its n-th
    /// fault-injection point fails): returns what `op` returned and how many
    /// points were left (0: the n-th was reached and failed).
    fn nth<T>(&self, n: u32, op: impl FnOnce() -> T) -> Result<(T, u32), String> {
        let arm = n.to_string();
        self.fail_nth
            .write_at(arm.as_bytes(), 0)
            .map_err(|e| format!("fail-nth: {}", e))?;
        let r = op();
        let mut buf = [0u8; 16];
        let len = self.fail_nth.read_at(&mut buf, 0);
        self.fail_nth
            .write_at(b"0", 0)
            .map_err(|e| format!("fail-nth: {}", e))?;
        let len = len.map_err(|e| format!("fail-nth: {}", e))?;
        let left = String::from_utf8_lossy(&buf[..len]);
        let left = left
            .trim()
            .parse()
            .map_err(|e| format!("fail-nth: {:?}: {}", left, e))?;
        Ok((r, left))
    }

    /// Runs `op` with its n-th fault-injection point failing, for n =
    /// `from`, `from` + 1, ... until a run ends before its n-th point.
    /// `check(injected, result)` judges each run. Returns the number of runs
    /// with a failure injected.
    fn sweep_from<T>(
        &self,
        from: u32,
        mut op: impl FnMut() -> T,
        mut check: impl FnMut(bool, T) -> R,
    ) -> Result<u32, String> {
        const MAX: u32 = 2000;
        for n in from..from + MAX {
            let (r, left) = self.nth(n, &mut op)?;
            check(left == 0, r).map_err(|e| format!("with allocation {} failing: {}", n, e))?;
            if left != 0 {
                return Ok(n - from);
            }
        }
        Err(format!("{} runs and still an allocation to fail", MAX))
    }

    /// [`Self::sweep_from`] the first point.
    fn sweep<T>(
        &self,
        op: impl FnMut() -> T,
        check: impl FnMut(bool, T) -> R,
    ) -> Result<u32, String> {
        self.sweep_from(1, op, check)
    }
}

impl Drop for Injector {
    fn drop(&mut self) {
        let _ = self.make_it_fail.write_at(b"0", 0);
        let _ = self.fail_nth.write_at(b"0", 0);
        for dir in [FAILSLAB, FAIL_PAGE_ALLOC] {
            let _ = knob(dir, "times", "0");
            let _ = knob(dir, "probability", "0");
            let _ = knob(dir, "task-filter", "N");
            let _ = knob(dir, "ignore-gfp-wait", "Y");
            let _ = knob(dir, "verbose", "2");
            let _ = knob(dir, "times", "1");
        }
        let _ = knob(FAIL_PAGE_ALLOC, "min-order", "1");
        let _ = knob(FAIL_PAGE_ALLOC, "ignore-gfp-highmem", "Y");
    }
}

/// A symbol of a stack trace, readable: Rust's v0 mangling
/// (`_RNvMs0_NtNtCs..._6kernel5alloc4kvecINtB5_3Vec...E7reserveB..._`)
/// becomes `kernel::alloc::kvec::Vec<elevator::logic::queue::Rider,
/// kernel::alloc::allocator::Kmalloc>::reserve`; C symbols stay as they are.
fn demangle(sym: &str) -> String {
    let sym = sym.split('.').next().unwrap_or(sym);
    match sym.strip_prefix("_R") {
        Some(rest) => {
            let mut d = Demangler {
                s: rest.as_bytes(),
                pos: 0,
                depth: 0,
            };
            d.skip_decimal();
            d.path().unwrap_or_else(|| sym.to_string())
        }
        None => sym.to_string(),
    }
}

/// Enough of Rust's v0 symbol grammar for the kernel's stack traces.
struct Demangler<'a> {
    s: &'a [u8],
    pos: usize,
    depth: u32,
}

impl Demangler<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn skip_decimal(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    /// `[0-9a-zA-Z]* _`: 0 for `_`, else the number + 1.
    fn base62(&mut self) -> Option<usize> {
        if self.eat(b'_') {
            return Some(0);
        }
        let mut n = 0usize;
        loop {
            let c = self.next()?;
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'z' => c - b'a' + 10,
                b'A'..=b'Z' => c - b'A' + 36,
                b'_' => return n.checked_add(1),
                _ => return None,
            };
            n = n.checked_mul(62)?.checked_add(usize::from(d))?;
        }
    }

    fn disambiguator(&mut self) -> Option<()> {
        if self.eat(b's') {
            self.base62()?;
        }
        Some(())
    }

    fn ident(&mut self) -> Option<String> {
        self.disambiguator()?;
        let punycode = self.eat(b'u');
        let start = self.pos;
        self.skip_decimal();
        let len: usize = std::str::from_utf8(&self.s[start..self.pos])
            .ok()?
            .parse()
            .ok()?;
        self.eat(b'_');
        let bytes = self.s.get(self.pos..self.pos + len)?;
        self.pos += len;
        let id = String::from_utf8_lossy(bytes).into_owned();
        Some(if punycode {
            format!("{}(punycode)", id)
        } else {
            id
        })
    }

    /// Runs `f` at a back-reference's target, then comes back.
    fn backref(&mut self, f: fn(&mut Self) -> Option<String>) -> Option<String> {
        let target = self.base62()?;
        if target >= self.pos || self.depth > 64 {
            return None;
        }
        let saved = self.pos;
        self.pos = target;
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        self.pos = saved;
        r
    }

    fn path(&mut self) -> Option<String> {
        match self.next()? {
            b'C' => self.ident(),
            b'M' => {
                self.disambiguator()?;
                self.path()?;
                Some(format!("<{}>", self.ty()?))
            }
            b'X' => {
                self.disambiguator()?;
                self.path()?;
                let ty = self.ty()?;
                Some(format!("<{} as {}>", ty, self.path()?))
            }
            b'Y' => {
                let ty = self.ty()?;
                Some(format!("<{} as {}>", ty, self.path()?))
            }
            b'N' => {
                let ns = self.next()?;
                let parent = self.path()?;
                let id = self.ident()?;
                Some(match ns {
                    b'C' => format!("{}::{{closure}}", parent),
                    b'S' => format!("{}::{{shim}}", parent),
                    _ if id.is_empty() => parent,
                    _ => format!("{}::{}", parent, id),
                })
            }
            b'I' => {
                let p = self.path()?;
                let mut args = Vec::new();
                while !self.eat(b'E') {
                    if self.eat(b'L') {
                        self.base62()?;
                    } else if self.eat(b'K') {
                        args.push(self.konst()?);
                    } else {
                        args.push(self.ty()?);
                    }
                }
                Some(format!("{}<{}>", p, args.join(", ")))
            }
            b'B' => self.backref(Self::path),
            _ => None,
        }
    }

    fn konst(&mut self) -> Option<String> {
        if self.eat(b'p') {
            return Some("_".into());
        }
        if self.eat(b'B') {
            return self.backref(Self::konst);
        }
        self.next()?;
        let neg = self.eat(b'n');
        let start = self.pos;
        while self.peek()? != b'_' {
            self.pos += 1;
        }
        let hex = std::str::from_utf8(&self.s[start..self.pos]).ok()?;
        self.pos += 1;
        let v = u128::from_str_radix(if hex.is_empty() { "0" } else { hex }, 16).ok()?;
        Some(format!("{}{}", if neg { "-" } else { "" }, v))
    }

    fn ty(&mut self) -> Option<String> {
        let c = self.peek()?;
        let basic = match c {
            b'a' => "i8",
            b'b' => "bool",
            b'c' => "char",
            b'd' => "f64",
            b'e' => "str",
            b'f' => "f32",
            b'h' => "u8",
            b'i' => "isize",
            b'j' => "usize",
            b'l' => "i32",
            b'm' => "u32",
            b'n' => "i128",
            b'o' => "u128",
            b'p' => "_",
            b's' => "i16",
            b't' => "u16",
            b'u' => "()",
            b'v' => "...",
            b'x' => "i64",
            b'y' => "u64",
            b'z' => "!",
            _ => "",
        };
        if !basic.is_empty() {
            self.pos += 1;
            return Some(basic.into());
        }
        self.pos += 1;
        match c {
            b'R' | b'Q' => {
                if self.eat(b'L') {
                    self.base62()?;
                }
                let m = if c == b'Q' { "mut " } else { "" };
                Some(format!("&{}{}", m, self.ty()?))
            }
            b'P' => Some(format!("*const {}", self.ty()?)),
            b'O' => Some(format!("*mut {}", self.ty()?)),
            b'S' => Some(format!("[{}]", self.ty()?)),
            b'A' => {
                let t = self.ty()?;
                Some(format!("[{}; {}]", t, self.konst()?))
            }
            b'T' => {
                let mut ts = Vec::new();
                while !self.eat(b'E') {
                    ts.push(self.ty()?);
                }
                Some(format!("({})", ts.join(", ")))
            }
            b'B' => self.backref(Self::ty),
            b'C' | b'M' | b'X' | b'Y' | b'N' | b'I' => {
                self.pos -= 1;
                self.path()
            }
            // fn pointers and dyn types: not in these traces.
            _ => None,
        }
    }
}

/// A frame worth showing in a path: no `?` (unreliable) frames.
fn frame_of(t: &str) -> Option<String> {
    if t.starts_with('?') || !t.contains("+0x") {
        return None;
    }
    let f = t.split('+').next()?;
    let module = if t.ends_with("[elevator]") {
        " [elevator]"
    } else {
        ""
    };
    Some(format!("{}{}", demangle(f), module))
}

/// Whether a kernel log line is part of a stack trace (its header line,
/// which says what happened, is checked on its own).
fn trace_line(t: &str) -> bool {
    t == "Call Trace:"
        || t == "<TASK>"
        || t == "</TASK>"
        || (t.contains("+0x") && t.contains("/0x"))
}

/// Takes (reads and clears) the kernel log of a case that injected
/// failures: returns the stack dumps of the injected failures (`verbose=2`:
/// each frame's function, innermost first, module frames marked
/// `[elevator]`) and fails on any problem in the log. Stack traces
/// themselves are no problem here (the kernel reports allocation failures
/// with one, as it should), nor is kmemleak falling back to scanning a whole
/// object when its own allocation failed; every other line is checked like
/// after every case (the suite's check after the case would take the call
/// traces for problems).
fn take_kernel_log() -> Result<Vec<Vec<String>>, String> {
    let (_, log) = sh("dmesg");
    clear_kernel_log();
    let (dumps, other) = split_dumps(log.lines());
    let bad = problem_lines(&other);
    ensure!(bad.is_empty(), "kernel log: {}", bad.join(" | "));
    Ok(dumps)
}

/// Splits kernel log lines into the stack dumps of injected failures (and
/// of the kernel's reports of failed allocations) and the other lines (without stack traces and kmemleak's fallback message).
fn split_dumps<'a>(lines: impl Iterator<Item = &'a str>) -> (Vec<Vec<String>>, String) {
    let mut dumps: Vec<Vec<String>> = Vec::new();
    let mut other = String::new();
    let mut in_dump = false;
    for line in lines {
        // Without the "[   12.345678] " time stamp.
        let text = match line.find("] ") {
            Some(i) if line.starts_with('[') => &line[i + 2..],
            _ => line,
        };
        let t = text.trim();
        // An injected failure's dump, or the kernel's own report of an
        // allocation that failed (kvmalloc's kmalloc attempt fails quietly,
        // its vmalloc fallback with this report).
        if t.contains("FAULT_INJECTION: forcing a failure")
            || t.contains("vmalloc error:")
            || t.contains("page allocation failure:")
        {
            dumps.push(Vec::new());
            in_dump = true;
            continue;
        }
        if in_dump {
            if t == "</TASK>" {
                in_dump = false;
            } else if let (Some(f), Some(d)) = (frame_of(t), dumps.last_mut()) {
                d.push(f);
            }
        }
        if trace_line(t) || t.contains("kmemleak: Cannot allocate a scan area") {
            continue;
        }
        other.push_str(line);
        other.push('\n');
    }
    (dumps, other)
}

/// New kernel log records as they come (`/dev/kmsg`), without forking
/// `dmesg` after each of hundreds of runs.
struct Kmsg(File);

impl Kmsg {
    fn open() -> Result<Self, String> {
        use std::io::{Seek, SeekFrom};
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open("/dev/kmsg")
            .map_err(|e| format!("/dev/kmsg: {}", e))?;
        f.seek(SeekFrom::End(0))
            .map_err(|e| format!("/dev/kmsg: {}", e))?;
        Ok(Kmsg(f))
    }

    /// The messages logged since the last call.
    fn take(&mut self) -> Vec<String> {
        use std::io::Read;
        let mut out = Vec::new();
        let mut buf = vec![0u8; 8192];
        loop {
            match self.0.read(&mut buf) {
                // "prio,seq,time,flags;message\n" and " KEY=value" lines.
                Ok(n) if n > 0 => {
                    let rec = String::from_utf8_lossy(&buf[..n]);
                    if let Some((_, msg)) = rec.lines().next().and_then(|l| l.split_once(';')) {
                        out.push(msg.to_string());
                    }
                }
                // EPIPE: records overwritten before they were read; go on.
                Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
                _ => return out,
            }
        }
    }
}

/// The path of one injected failure, for the report: from the fault type's
/// check to the first module frame, e.g. `should_failslab < __kmalloc... <
/// krealloc < ... < elevator::...::do_issue [elevator]`.
fn fault_path(dump: &[String]) -> Option<String> {
    let start = dump
        .iter()
        .position(|f| f.starts_with("should_fail") || f == "warn_alloc")?;
    let start = dump[start..]
        .iter()
        .position(|f| f != "should_fail_ex" && f != "warn_alloc")
        .map_or(start, |i| start + i);
    let first = dump.iter().position(|f| f.ends_with("[elevator]"))?;
    // The module's own function that allocated, rather than the kernel
    // crate's generic code compiled into it.
    let end = dump[first..]
        .iter()
        .position(|f| {
            f.starts_with("elevator::")
                || f.starts_with("<elevator::")
                || f.contains(" as elevator::")
        })
        .map_or(first, |i| first + i);
    if end < start {
        return None;
    }
    // The fault type's function, the first caller that is not allocator
    // code, and the module's function; "…" where frames are left out.
    let path = &dump[start..=end];
    let caller = (1..path.len())
        .find(|&i| {
            let f = path[i].to_lowercase();
            !["alloc", "kmem_cache", "slab"]
                .iter()
                .any(|a| f.contains(a))
        })
        .unwrap_or(path.len() - 1);
    let mut shown = String::new();
    let mut last = 0;
    for i in [0, caller, path.len() - 1] {
        if i == 0 {
            shown.push_str(&path[0]);
        } else if i > last {
            shown.push_str(if i == last + 1 { " < " } else { " < … < " });
            shown.push_str(&path[i]);
        } else {
            continue;
        }
        last = i;
    }
    Some(shown)
}

/// Every allocation through `dir` fails around `op` (`times` large enough:
/// a kvmalloc that falls back to vmalloc when kmalloc fails, as 7.3's
/// `KVVec` does, must see both fail): `op` must fail with ENOMEM,
/// `/proc/elevator` must read as before, and with `traced`, a stack dump of
/// a failure must show the module (page allocations of kvmalloc fail
/// quietly, and the kernel reports the failed vmalloc once per 10 s at most).
/// Returns the failure's path and the number of failures injected.
fn one_failure(
    inj: &Injector,
    what: &str,
    dir: &str,
    traced: bool,
    op: impl FnOnce() -> Ret,
) -> Result<(String, u32), String> {
    let before = read_proc()?;
    let (r, n) = inj.with_failures(dir, 50, op)?;
    ensure!(n >= 1, "{}: no failure injected through {}", what, dir);
    ensure_eq!(
        r,
        Err(libc::ENOMEM),
        "{} with its allocations failing",
        what
    );
    ensure_eq!(read_proc()?, before, "/proc/elevator after {} failed", what);
    let dumps = take_kernel_log()?;
    let path = match dumps.iter().find_map(|d| fault_path(d)) {
        Some(p) => p,
        None if !traced => "(no stack dump)".to_string(),
        None => {
            return Err(format!(
                "{}: no stack dump of the {} injected failures shows the module: {:?}",
                what, n, dumps
            ))
        }
    };
    Ok((path, n))
}

/// The riders listed on `floor`.
fn floor_riders(s: &Snapshot, floor: u32) -> Result<Vec<String>, String> {
    let f = s
        .floor(floor)
        .ok_or_else(|| format!("no floor {}", floor))?;
    Ok(f.riders
        .iter()
        .map(|r| format!("{}{}", r.kind, r.dest))
        .collect())
}

/// Checks that a request accepted after failures was queued once, at the end
/// of its floor's line, and nothing else changed.
fn appended(before: &Snapshot, after: &Snapshot, floor: u32, rider: &str) -> R {
    let mut want = floor_riders(before, floor)?;
    want.push(rider.to_string());
    ensure_eq!(
        floor_riders(after, floor)?,
        want,
        "floor {} after the request went through",
        floor
    );
    ensure_eq!(after.number_waiting, before.number_waiting + 1, "waiting");
    ensure_eq!(
        after.issued(),
        before.issued() + 1,
        "issued = waiting + aboard + serviced"
    );
    Ok(())
}

/// The module's parameters in these cases (it never runs: timing is moot).
const PARAMS: &str = "floor_ms=1 load_ms=1";

/// A fresh module: every floor's queue empty, with no slots.
fn reload() -> R {
    if loaded() {
        rmmod_fast()?;
    }
    insmod(PARAMS)
}

pub fn fault_injection_issue_and_proc_write(quick: bool) -> R {
    let inj = Injector::new(2)?;
    let mut survived = 0u32;

    // Systematic (fail-nth): every allocation of opening /proc/elevator and
    // writing a request for an empty floor (whose queue must allocate), then
    // of opening and reading it, fails once. A failure may be survived (in
    // kmemleak's own allocation, or where kvmalloc falls back to vmalloc);
    // the stack dumps tell the runs whose failure was in the module.
    reload()?;
    let (mut at_open, mut at_write, mut reloads, mut in_module) = (0, 0, 0, 0);
    let mut expected = read_proc()?;
    let mut kmsg = Kmsg::open()?;
    let n = inj.sweep(
        || {
            let mut f = match OpenOptions::new().write(true).open(PROC) {
                Ok(f) => f,
                Err(e) => return (true, io::<()>(Err(e))),
            };
            (false, io(f.write(b"issue 1 5 2")).map(|_| ()))
        },
        |hit, (failed_open, r)| {
            let msgs = kmsg.take();
            let (dumps, _) = split_dumps(msgs.iter().map(String::as_str));
            if dumps.iter().any(|d| fault_path(d).is_some()) {
                in_module += 1;
            }
            match r {
                Ok(()) => {
                    let after = snap()?;
                    ensure_eq!(floor_riders(&after, 1)?, ["H5"], "floor 1 after the write");
                    ensure_eq!(after.issued(), 1, "issued = waiting + aboard + serviced");
                    if hit {
                        // Gone through in spite of a failure (in kmemleak's
                        // own allocation, say): a fresh module, so that the
                        // next write needs a queue again.
                        reload()?;
                        reloads += 1;
                        expected = read_proc()?;
                    }
                }
                Err(e) => {
                    ensure!(hit, "failed ({}) with no failure injected", e);
                    ensure_eq!(e, libc::ENOMEM, "errno of open + write");
                    if failed_open {
                        at_open += 1;
                    } else {
                        at_write += 1;
                    }
                    ensure_eq!(
                        read_proc()?,
                        expected,
                        "/proc/elevator after a failed request"
                    );
                }
            }
            Ok(())
        },
    )?;
    println!(
        "  open + write of /proc/elevator: {} allocations failed one at a time: {} failed \
         the open, {} the write, {} went through; {} in the module's allocation",
        n, at_open, at_write, reloads, in_module
    );
    ensure!(
        in_module > 0,
        "no failure was injected into the module's allocation"
    );
    survived += n;

    let text = read_proc()?;
    let mut failed_reads = 0;
    let n = inj.sweep(
        || io(fs::read_to_string(PROC)),
        |hit, r| {
            match r {
                Ok(t) => ensure_eq!(t, text, "/proc/elevator read"),
                Err(e) => {
                    ensure!(hit, "read failed ({}) with no failure injected", e);
                    ensure_eq!(e, libc::ENOMEM, "errno of open + read");
                    failed_reads += 1;
                }
            }
            Ok(())
        },
    )?;
    println!(
        "  open + read of /proc/elevator: {} allocations failed one at a time, {} reads failed",
        n, failed_reads
    );
    survived += n;

    // task-filter, probability=100, times=N.
    reload()?;
    clear_kernel_log();
    let mut issued = 0u64;
    let mut w = OpenOptions::new()
        .write(true)
        .open(PROC)
        .map_err(|e| format!("open {}: {}", PROC, e))?;

    // The first request on a floor allocates its queue's first slots (slab).
    let (path, n) = one_failure(&inj, "issue_request(2, 3, 0)", FAILSLAB, true, || {
        sys(issue(2, 3, 0))
    })?;
    println!("  issue_request: {} ({} injected)", path, n);
    survived += n;
    let s0 = snap()?;
    ensure_eq!(
        issue(2, 3, 0).raw,
        0,
        "issue_request(2, 3, 0) without failures"
    );
    issued += 1;
    appended(&s0, &snap()?, 2, "C3")?;

    // The same through a write to an open /proc/elevator.
    let (path, n) = one_failure(&inj, "write(issue 3 1 1)", FAILSLAB, true, || {
        io((&w).write(b"issue 3 1 1")).map(|n| n as i64)
    })?;
    println!("  /proc/elevator write: {} ({} injected)", path, n);
    survived += n;
    let s0 = snap()?;
    ensure_eq!(
        io(w.write(b"issue 3 1 1")),
        Ok(11),
        "write(issue 3 1 1) without failures"
    );
    issued += 1;
    appended(&s0, &snap()?, 3, "P1")?;

    // 512 riders fill floor 4's queue; the next one needs 1,024 slots, 16 KB:
    // a page allocation of order 2.
    for i in 0..512 {
        let r = issue(4, 1 + i % 3, i % 4);
        ensure_eq!(
            r.raw,
            0,
            "issue_request(4, {}, {}) #{}",
            1 + i % 3,
            i % 4,
            i + 1
        );
        issued += 1;
    }
    // Order 0 too: a kvmalloc falls back to vmalloc's single pages.
    knob(FAIL_PAGE_ALLOC, "min-order", "0")?;
    let (path, n) = one_failure(
        &inj,
        "issue_request(4, 5, 3) at 512 riders",
        FAIL_PAGE_ALLOC,
        false,
        || sys(issue(4, 5, 3)),
    )?;
    println!(
        "  issue_request, queue growing to 16 KB: {} ({} injected)",
        path, n
    );
    survived += n;
    let (path, n) = one_failure(
        &inj,
        "write(issue 4 5 3) at 512 riders",
        FAIL_PAGE_ALLOC,
        false,
        || io((&w).write(b"issue 4 5 3")).map(|n| n as i64),
    )?;
    println!(
        "  /proc/elevator write, queue growing to 16 KB: {} ({} injected)",
        path, n
    );
    survived += n;
    knob(FAIL_PAGE_ALLOC, "min-order", "1")?;
    let s0 = snap()?;
    ensure_eq!(
        issue(4, 5, 3).raw,
        0,
        "issue_request(4, 5, 3) without failures"
    );
    issued += 1;
    appended(&s0, &snap()?, 4, "D5")?;

    // times=K: requests on an empty floor fail (each takes one failure, or
    // two where kmalloc falls back to vmalloc) until the K failures are
    // used up; then one goes through, queued once.
    let k: u32 = if quick { 4 } else { 12 };
    let s0 = snap()?;
    let mut results = Vec::with_capacity(k as usize + 1);
    let ((), n) = inj.with_failures(FAILSLAB, k, || {
        for _ in 0..=k {
            let r = issue(5, 2, 2);
            results.push(r);
            if r.raw == 0 {
                break;
            }
        }
    })?;
    ensure_eq!(n, k, "failures injected with times={}", k);
    let results: Vec<Ret> = results.into_iter().map(sys).collect();
    let failed = results.len() - 1;
    ensure!(
        failed >= 1
            && results[..failed].iter().all(|r| *r == Err(libc::ENOMEM))
            && results[failed] == Ok(0),
        "requests with times={}: {:?}, expected ENOMEM until one returns 0",
        k,
        results
    );
    issued += 1;
    appended(&s0, &snap()?, 5, "H2")?;
    let dumps = take_kernel_log()?;
    ensure!(
        dumps.iter().any(|d| fault_path(d).is_some()),
        "with times={}: no injected failure in the module",
        k
    );
    println!(
        "  times={}: {} requests failed with ENOMEM, then one went through",
        k, failed
    );
    survived += k;
    drop(inj);

    // Nothing lost or duplicated.
    let s = snap()?;
    ensure_eq!(s.issued(), issued, "issued = waiting + aboard + serviced");
    ensure_eq!(s.number_waiting, issued, "waiting (the elevator never ran)");
    println!(
        "  {} injected allocation failures survived; {} riders queued and accounted for",
        survived, issued
    );
    Ok(())
}

/// `finit_module(2)` of an open module file.
fn finit(ko: &File, params: &CString) -> Result<(), i32> {
    // SAFETY: finit_module reads the open file and the NUL-terminated
    // parameter string, both valid for the call.
    let r = unsafe { libc::syscall(libc::SYS_finit_module, ko.as_raw_fd(), params.as_ptr(), 0) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(-1))
    }
}

/// How many of an `insmod`'s last fault-injection points (the module's own
/// init, and the loader's last steps) fail one by one; the loader's earlier
/// ones are sampled.
const INSMOD_TAIL: u32 = 60;

pub fn fault_injection_insmod(quick: bool) -> R {
    let inj = Injector::new(2)?;
    // Slab allocations only: whether one needs a new slab page (a page
    // allocation, a point of its own) varies from run to run, and would
    // shift the points after it.
    knob(FAIL_PAGE_ALLOC, "min-order", "11")?;
    let ko = File::open(MODULE).map_err(|e| format!("open {}: {}", MODULE, e))?;
    let params = CString::new(PARAMS).map_err(|e| e.to_string())?;
    // A loaded module must work; a failed insmod must leave nothing.
    let (mut failed, mut tolerated) = (0, 0);
    let mut check = |hit: bool, r: Result<(), i32>| -> R {
        match r {
            Ok(()) => {
                if hit {
                    tolerated += 1;
                }
                let s = snap()?;
                ensure_eq!(s.state, State::Offline, "state after insmod");
                ensure_eq!(issue(2, 3, 0).raw, 0, "issue_request after insmod");
                ensure_eq!(snap()?.number_waiting, 1, "waiting after one request");
                rmmod_fast()?;
            }
            Err(e) => {
                ensure!(hit, "insmod failed ({}) with no failure injected", e);
                ensure_eq!(e, libc::ENOMEM, "errno of insmod");
                failed += 1;
                ensure!(!loaded(), "module loaded after a failed insmod");
                ensure!(
                    !Path::new(PROC).exists(),
                    "/proc/elevator after a failed insmod"
                );
                let r = issue(2, 3, 0);
                ensure_eq!(
                    r.errno,
                    Some(libc::ENOSYS),
                    "issue_request after a failed insmod"
                );
            }
        }
        Ok(())
    };
    // How many points an insmod passes (nothing fails with n this large).
    const FAR: u32 = 1_000_000;
    let (r, left) = inj.nth(FAR, || finit(&ko, &params))?;
    check(false, r)?;
    let points = FAR - left;
    let tail_from = points.saturating_sub(INSMOD_TAIL).max(1);
    let stride = if quick { 40 } else { 10 };
    let mut runs = 0;
    for n in (1..tail_from).step_by(stride) {
        let (r, left) = inj.nth(n, || finit(&ko, &params))?;
        check(left == 0, r).map_err(|e| format!("with allocation {} failing: {}", n, e))?;
        if left == 0 {
            runs += 1;
        }
    }
    // Then each point to the end. The points of one insmod shift a little
    // from one run to the next (when a kernfs node's id needs a new radix
    // tree node, say), so one pass can miss a point: the runs that failed in
    // the module's init (their stack dumps show the module) are followed by
    // two more passes over that stretch.
    let mut kmsg = Kmsg::open()?;
    let mut in_init: Vec<(u32, String)> = Vec::new();
    let mut run = |n: u32, check: &mut dyn FnMut(bool, Result<(), i32>) -> R| {
        kmsg.take();
        let (r, left) = inj.nth(n, || finit(&ko, &params))?;
        check(left == 0, r).map_err(|e| format!("with allocation {} failing: {}", n, e))?;
        let msgs = kmsg.take();
        let (dumps, _) = split_dumps(msgs.iter().map(String::as_str));
        let paths: Vec<(u32, String)> = dumps
            .iter()
            .filter_map(|d| fault_path(d))
            .map(|p| (n, p))
            .collect();
        Ok::<_, String>((left == 0, paths))
    };
    let mut n = tail_from;
    loop {
        let (hit, paths) = run(n, &mut check)?;
        in_init.extend(paths);
        if !hit {
            break;
        }
        runs += 1;
        n += 1;
        ensure!(
            n < tail_from + 2000,
            "2000 runs and still an allocation to fail"
        );
    }
    let first_pass = in_init.len();
    if let (Some(lo), Some(hi)) = (in_init.first().map(|x| x.0), in_init.last().map(|x| x.0)) {
        for _ in 0..2 {
            for n in lo.saturating_sub(3).max(1)..=hi + 3 {
                let (hit, paths) = run(n, &mut check)?;
                in_init.extend(paths);
                if hit {
                    runs += 1;
                }
            }
        }
    }
    drop(inj);
    take_kernel_log()?;
    let module_failures = in_init.len();
    let mut sites: Vec<String> = in_init.into_iter().map(|x| x.1).collect();
    sites.sort();
    sites.dedup();
    println!(
        "  insmod passes {} slab allocations; {} failed one at a time (each of the \
         last {}, every {}th before): {} insmods failed with ENOMEM, {} loaded anyway and \
         worked",
        points, runs, INSMOD_TAIL, stride, failed, tolerated
    );
    println!(
        "  {} of them in the module's init ({} in the first pass):\n    {}",
        module_failures,
        first_pass,
        sites.join("\n    ")
    );
    ensure!(failed > 0, "no insmod failed");
    ensure!(
        module_failures > 0,
        "no failure was injected into the module's init"
    );
    // A later insmod works.
    insmod("")?;
    ensure_eq!(issue(2, 3, 0).raw, 0, "issue_request after the failures");
    ensure_eq!(snap()?.number_waiting, 1, "waiting");
    rmmod()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demangles_the_kernels_rust_symbols() {
        assert_eq!(
            demangle(
                "_RNvMs0_NtNtCsl7L7n58I0Vr_6kernel5alloc4kvecINtB5_3VecNtNtNtCskNxUjKR03nc_\
                 8elevator5logic5queue5RiderNtNtB7_9allocator7KmallocE7reserveBV_"
            ),
            "<kernel::alloc::kvec::Vec<elevator::logic::queue::Rider, \
             kernel::alloc::allocator::Kmalloc>>::reserve"
        );
        assert_eq!(
            demangle("_RNvMNtNtCsl7L7n58I0Vr_6kernel5alloc9allocatorNtB2_11ReallocFunc4call"),
            "<kernel::alloc::allocator::ReallocFunc>::call"
        );
        assert_eq!(demangle("krealloc_noprof"), "krealloc_noprof");
        assert_eq!(demangle("_RNvXbogus"), "_RNvXbogus");
    }
}

// SPDX-License-Identifier: GPL-2.0

//! `elevtest --bench`: the module's speed and memory numbers, measured in the
//! VM (plain kernel). Prints Markdown tables, each line prefixed with `@@ `
//! (`tests/bench.sh` keeps those lines of the console); no pass/fail
//! thresholds here.
//!
//! Three parts (`--bench-part=NAME` runs one): `module` (syscall cost,
//! `/proc/elevator` read time by size, memory per rider, idle wake-ups),
//! `steps` (the kthread's CPU time per step, decision included, with 10,
//! 300 and 100,000 riders waiting) and `latency` (`/proc/elevator` reads
//! and `issue_request` calls while the car works a saturated building,
//! against the same calls with the car not running).

use std::fs;
use std::io::Read;
use std::time::{Duration, Instant};

use crate::util::*;

fn ns_per_call(n: u32, mut f: impl FnMut()) -> f64 {
    // Warm up, then take the best of three rounds.
    for _ in 0..n / 10 {
        f();
    }
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / f64::from(n));
    }
    best
}

fn read_time(reps: u32) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut len = 0;
    let mut buf = Vec::with_capacity(1 << 20);
    for _ in 0..reps {
        buf.clear();
        let t = Instant::now();
        let mut f = fs::File::open(PROC).expect("open /proc/elevator");
        f.read_to_end(&mut buf).expect("read /proc/elevator");
        best = best.min(t.elapsed());
        len = buf.len();
    }
    (best, len)
}

fn mem_free_kb() -> i64 {
    let m = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    m.lines()
        .find(|l| l.starts_with("MemFree:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Prints one line of the report (see the module documentation).
fn out(line: &str) {
    println!("@@ {}", line);
}

/// Runs the benchmarks (all parts, or only the one named by
/// `--bench-part=NAME` on the command line) and prints the tables.
pub fn run(idle_secs: u64) -> Result<(), String> {
    let part = std::env::args().find_map(|a| a.strip_prefix("--bench-part=").map(String::from));
    let wanted = |p: &str| part.as_deref().is_none_or(|x| x == p);
    if wanted("module") {
        module(idle_secs)?;
    }
    if wanted("steps") {
        steps(idle_secs)?;
    }
    if wanted("latency") {
        latency(idle_secs)?;
    }
    Ok(())
}

/// Syscall cost, read time by size, memory per rider, idle wake-ups.
fn module(idle_secs: u64) -> Result<(), String> {
    let mut rows: Vec<(String, String, String)> = Vec::new();
    insmod("")?;

    let null = ns_per_call(200_000, || {
        // SAFETY: getppid has no arguments and cannot fail.
        unsafe { libc::getppid() };
    });
    let invalid = ns_per_call(200_000, || {
        issue(9, 1, 0);
    });
    let valid = ns_per_call(100_000, || {
        issue(2, 4, 1);
    });
    rows.push((
        "null syscall (getppid)".into(),
        format!("{:.0} ns", null),
        "".into(),
    ));
    rows.push((
        "issue_request, queued".into(),
        format!("{:.0} ns", valid),
        format!("{:.2}x null (goal <= 3x)", valid / null),
    ));
    rows.push((
        "issue_request, invalid".into(),
        format!("{:.0} ns", invalid),
        format!("{:.2}x null", invalid / null),
    ));
    rmmod()?;

    for n in [10u32, 1000, 100_000] {
        insmod("")?;
        for i in 0..n {
            let s = (i % 5) as i32 + 1;
            issue(s, if s == 1 { 5 } else { 1 }, (i % 4) as i32);
        }
        let (t, len) = read_time(if n > 10_000 { 5 } else { 50 });
        rows.push((
            format!("read /proc/elevator, {} waiting", n),
            format!("{:.1} us", t.as_secs_f64() * 1e6),
            format!(
                "{} bytes, {:.1} ns/rider",
                len,
                t.as_nanos() as f64 / f64::from(n)
            ),
        ));
        rmmod()?;
    }

    // Memory: MemFree before and after queueing riders (module loaded, offline).
    insmod("")?;
    let n = 200_000u32;
    let before = mem_free_kb();
    for i in 0..n {
        let s = (i % 5) as i32 + 1;
        issue(s, if s == 1 { 5 } else { 1 }, (i % 4) as i32);
    }
    std::thread::sleep(Duration::from_millis(200));
    let after = mem_free_kb();
    let per = (before - after) as f64 * 1024.0 / f64::from(n);
    rows.push((
        format!("kernel memory per waiting rider ({} queued)", n),
        format!("{:.1} bytes", per),
        "goal <= 64; 16-byte riders in doubling ring buffers".into(),
    ));
    rmmod()?;

    insmod("")?;
    let pid = kthread_pid("elevator").ok_or("no kthread")?;
    ok0(start())?;
    std::thread::sleep(Duration::from_millis(200));
    let (v0, n0) = ctxt_switches(pid)?;
    std::thread::sleep(Duration::from_secs(idle_secs));
    let (v1, n1) = ctxt_switches(pid)?;
    rows.push((
        format!("idle kthread wake-ups over {} s", idle_secs),
        format!("{}", (v1 - v0) + (n1 - n0)),
        "goal 0 (voluntary + involuntary context switches)".into(),
    ));
    rmmod()?;

    out("## Module");
    out("");
    out("| measure | value | notes |");
    out("|---|---|---|");
    for (a, b, c) in rows {
        out(&format!("| {} | {} | {} |", a, b, c));
    }
    out("");
    Ok(())
}

fn ok0(r: SysRet) -> Result<(), String> {
    if r.raw == 0 {
        Ok(())
    } else {
        Err(format!("start returned {:?}", r))
    }
}

/// A small deterministic generator of requests (pets: floors 1-5, types 0-3).
struct Riders(u64);

impl Riders {
    fn below(&mut self, n: u64) -> i32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n) as i32
    }

    /// Issues one valid random request.
    fn issue(&mut self) {
        let s = self.below(5) + 1;
        let mut d = self.below(5) + 1;
        while d == s {
            d = self.below(5) + 1;
        }
        let t = self.below(4);
        issue(s, d, t);
    }
}

/// Riders waiting, from /proc/elevator.
fn waiting_now() -> Option<u64> {
    let text = fs::read_to_string(PROC).ok()?;
    text.lines()
        .find(|l| l.starts_with("Number of") && l.contains("waiting:"))?
        .rsplit(' ')
        .next()?
        .parse()
        .ok()
}

/// A thread that keeps at least `n` riders waiting (checks every 10 ms)
/// until `stop` is set.
fn top_up(
    n: u64,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut riders = Riders(n);
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            if let Some(w) = waiting_now() {
                for _ in w..n {
                    riders.issue();
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    })
}

/// CPU time of process `pid` (the kthread is a process of its own), ns:
/// its POSIX process CPU clock, `(~pid << 3) | CPUCLOCK_SCHED`, which the
/// kernel keeps in nanoseconds (the scheduler's runtime).
fn cpu_ns(pid: u32) -> Result<u64, String> {
    let clock = (!(pid as libc::clockid_t) << 3) | 2;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call's duration.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    if rc != 0 {
        return Err(format!(
            "clock_gettime(CPU clock of {}): {}",
            pid,
            std::io::Error::last_os_error()
        ));
    }
    Ok(ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

/// Mean, median, 99th percentile and maximum of `v` (ns), in µs.
struct Stats {
    n: usize,
    mean: f64,
    /// Mean of the fastest 99 %.
    mean99: f64,
    p50: f64,
    p99: f64,
    max: f64,
}

impl Stats {
    fn of(v: &mut [u64]) -> Stats {
        v.sort_unstable();
        let n = v.len();
        let at = |q: usize| {
            v.get((n * q).div_ceil(100).saturating_sub(1))
                .copied()
                .unwrap_or(0)
        };
        let fast = &v[..(n * 99).div_ceil(100)];
        Stats {
            n,
            mean: v.iter().sum::<u64>() as f64 / n.max(1) as f64 / 1000.0,
            mean99: fast.iter().sum::<u64>() as f64 / fast.len().max(1) as f64 / 1000.0,
            p50: at(50) as f64 / 1000.0,
            p99: at(99) as f64 / 1000.0,
            max: v.last().copied().unwrap_or(0) as f64 / 1000.0,
        }
    }
}

/// The kthread's CPU time per step, decision included, with `waiting`
/// riders kept waiting, over `secs` seconds: each step is one run of the
/// kthread between two sleeps, seen as a rise of its CPU clock, which this
/// thread polls every 20 µs (rises less than 5 ms apart belong to the same
/// step; steps are at least 14 ms apart with `floor_ms=10 load_ms=10`).
fn step_times(waiting: u64, secs: u64) -> Result<Vec<u64>, String> {
    insmod("floor_ms=10 load_ms=10")?;
    let mut riders = Riders(waiting + 7);
    for _ in 0..waiting {
        riders.issue();
    }
    let pid = kthread_pid("elevator").ok_or("no kthread")?;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // 100,000 waiting stay about 100,000 for a few seconds on their own.
    let helper = (waiting <= 1000).then(|| top_up(waiting, stop.clone()));
    ok0(start())?;
    let t0 = Instant::now();
    let mut last = cpu_ns(pid)?;
    let mut last_rise = t0;
    let mut current = 0u64;
    let mut steps = Vec::new();
    while t0.elapsed() < Duration::from_secs(secs) {
        let spin = Instant::now();
        while spin.elapsed() < Duration::from_micros(20) {}
        let c = cpu_ns(pid)?;
        if c > last {
            let now = Instant::now();
            if now - last_rise > Duration::from_millis(5) && current > 0 {
                steps.push(current);
                current = 0;
            }
            current += c - last;
            last = c;
            last_rise = now;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    if let Some(h) = helper {
        let _ = h.join();
    }
    rmmod()?;
    // The first step starts the car; the last may be cut short.
    if steps.len() > 2 {
        steps.remove(0);
    }
    Ok(steps)
}

/// The cost of a step in the kernel, at 10, 300 and 100,000 waiting.
fn steps(idle_secs: u64) -> Result<(), String> {
    let secs = idle_secs.max(3);
    out("## Cost of a step in the kernel");
    out("");
    out(&format!(
        "The elevator kthread's CPU time per step (finish the move, the rate policy's \
         decision, unloading and boarding, plus its wake-up and going back to sleep; it \
         holds the building's mutex for all of it but the policy's search, which runs on a \
         copy), from its CPU clock polled every 20 µs for {} s (`floor_ms=10 load_ms=10`, \
         pets, the waiting count kept up by a helper thread), in µs. The guest's clocks run \
         on while the host preempts a vCPU (qemu's threads share the machine with other \
         work), so the tail (p99, worst) is mostly the host's; the median is the step's.",
        secs
    ));
    out("");
    out("| waiting | steps | mean | median | p99 | worst |");
    out("|---:|---:|---:|---:|---:|---:|");
    for n in [10u64, 300, 100_000] {
        let mut v = step_times(n, secs)?;
        let s = Stats::of(&mut v);
        out(&format!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            n, s.n, s.mean, s.p50, s.p99, s.max
        ));
    }
    out("");
    Ok(())
}

/// Per-call times (ns) of `f`, one call every `every`, for `secs` seconds.
fn paced(secs: u64, every: Duration, mut f: impl FnMut()) -> Vec<u64> {
    let t0 = Instant::now();
    let mut v = Vec::new();
    while t0.elapsed() < Duration::from_secs(secs) {
        let t = Instant::now();
        f();
        let took = t.elapsed();
        v.push(took.as_nanos() as u64);
        while t.elapsed() < every {}
    }
    v
}

fn proc_read(buf: &mut Vec<u8>) {
    buf.clear();
    let mut f = fs::File::open(PROC).expect("open /proc/elevator");
    f.read_to_end(buf).expect("read /proc/elevator");
}

/// Whether /proc/elevator says OFFLINE.
fn offline_now() -> bool {
    fs::read_to_string(PROC).is_ok_and(|t| t.starts_with("Elevator state: OFFLINE"))
}

/// `/proc/elevator` reads and `issue_request` calls with the car working a
/// saturated building, against the same with the car not running. The two
/// alternate on one module, one second each, so that the host's load (the
/// guest's vCPUs are threads of a shared machine) falls on both alike.
fn latency(idle_secs: u64) -> Result<(), String> {
    let rounds = idle_secs.max(3);
    let timing = "floor_ms=1 load_ms=1";
    let mut buf = Vec::with_capacity(1 << 16);
    let read_every = Duration::from_micros(1000);
    let issue_every = Duration::from_micros(500);
    let (mut empty, mut reads_off, mut reads_on) = (Vec::new(), Vec::new(), Vec::new());
    let (mut issues_off, mut issues_on) = (Vec::new(), Vec::new());

    insmod(timing)?;
    empty.extend(paced(1, read_every, || proc_read(&mut buf)));
    let mut riders = Riders(1);
    for _ in 0..300 {
        riders.issue();
    }
    let pid = kthread_pid("elevator").ok_or("no kthread")?;
    let (v0, n0) = ctxt_switches(pid)?;
    // Reads first, with 300 waiting (kept up while the car runs), then
    // requests (which add riders: a read prints every one).
    for phase in ["reads", "requests"] {
        for _ in 0..rounds {
            // Not running: offline, so nothing else takes the mutex.
            if phase == "reads" {
                reads_off.extend(paced(1, read_every, || proc_read(&mut buf)));
            } else {
                issues_off.extend(paced(1, issue_every, || riders.issue()));
            }
            // Running: 300 waiting or more, the car stepping as often as
            // it can.
            ok0(start())?;
            let stop_flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let helper = (phase == "reads").then(|| top_up(300, stop_flag.clone()));
            std::thread::sleep(Duration::from_millis(50));
            if phase == "reads" {
                reads_on.extend(paced(1, read_every, || proc_read(&mut buf)));
            } else {
                issues_on.extend(paced(1, issue_every, || riders.issue()));
            }
            stop_flag.store(true, std::sync::atomic::Ordering::Relaxed);
            if let Some(h) = helper {
                let _ = h.join();
            }
            let r = stop();
            if r.raw != 0 {
                return Err(format!("stop returned {:?}", r));
            }
            let t = Instant::now();
            while !offline_now() {
                if t.elapsed() > Duration::from_secs(10) {
                    return Err("not offline 10 s after stop".into());
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
    let (v1, n1) = ctxt_switches(pid)?;
    rmmod()?;

    let rows = [
        (
            "read /proc/elevator",
            "empty, offline",
            Stats::of(&mut empty),
            None,
        ),
        (
            "read /proc/elevator",
            "300 waiting, offline",
            Stats::of(&mut reads_off),
            None,
        ),
        (
            "read /proc/elevator",
            "300 waiting, car running",
            Stats::of(&mut reads_on),
            Some(1),
        ),
        (
            "issue_request",
            "300+ waiting, offline",
            Stats::of(&mut issues_off),
            None,
        ),
        (
            "issue_request",
            "300+ waiting, car running",
            Stats::of(&mut issues_on),
            Some(3),
        ),
    ];
    out("## Latency under a saturated building");
    out("");
    out(&format!(
        "Each call timed alone in µs, one every {} µs (reads of the whole file) or {} µs \
         (requests), in {} rounds of one second offline then one second with the car \
         running, reads first (300 waiting), then requests (which add riders), on one module \
         loaded with `{}` (the kthread steps every 2 jiffies, 8 ms at \
         HZ=250: the most often it can take the mutex). *Offline*: the car not running, so \
         nothing else takes the mutex; *car running*: started with 300 waiting (kept at 300 or \
         more), the rate policy planning at every step ({} kthread context switches in all). \
         *fastest 99 %*: the mean without the slowest 1 % of calls (the host's preemptions of \
         the guest's vCPUs land there, in both columns). *vs offline*: median and fastest-99 % \
         mean against the same call's offline ones, with the same riders waiting.",
        read_every.as_micros(),
        issue_every.as_micros(),
        rounds,
        timing,
        (v1 - v0) + (n1 - n0)
    ));
    out("");
    out("| call | building | calls | mean | median | fastest 99 % | p99 | worst | vs offline |");
    out("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for (call, building, s, base) in &rows {
        let ratio = match base {
            Some(b) => {
                let o = &rows[*b].2;
                format!(
                    "{:.2}x median, {:.2}x fastest 99 %",
                    s.p50 / o.p50,
                    s.mean99 / o.mean99
                )
            }
            None => String::new(),
        };
        out(&format!(
            "| {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
            call, building, s.n, s.mean, s.p50, s.mean99, s.p99, s.max, ratio
        ));
    }
    out("");
    Ok(())
}

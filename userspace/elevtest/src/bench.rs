// SPDX-License-Identifier: GPL-2.0

//! `elevtest --bench`: the module's speed and memory numbers, measured in the
//! VM (plain kernel). Prints a Markdown table; no pass/fail thresholds here.

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

/// Runs the benchmarks and prints the table.
pub fn run(idle_secs: u64) -> Result<(), String> {
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

    println!("| measure | value | notes |");
    println!("|---|---|---|");
    for (a, b, c) in rows {
        println!("| {} | {} | {} |", a, b, c);
    }
    Ok(())
}

fn ok0(r: SysRet) -> Result<(), String> {
    if r.raw == 0 {
        Ok(())
    } else {
        Err(format!("start returned {:?}", r))
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The VM test suite: runs inside the guest (as root, on the debug kernel),
//! loads `elevator.ko` with scaled timing for each case, drives it through the
//! syscalls and `/proc/elevator`, and checks every rule of SPEC.md, the
//! course's sequence, concurrency, bad input and unload races. After every
//! case the kernel log must be free of oopses, BUGs, WARNINGs, lockdep, KASAN
//! and kmemleak reports. kmemleak scans explicitly, every 30 s of suite
//! time ([`LEAK_SCAN_EVERY`]; a scan costs 1.3-2 s of guest CPU under TCG, a
//! scan after each of 40 cases was a fifth of a guest's work). kmemleak
//! reports an object at the second scan that finds it unreferenced, so a
//! leak fails the case at which that scan falls, naming the cases since the
//! scan before the last; the final check scans twice after the last case. With
//! `--require-kmemleak` (the debug kernel, which has kmemleak), a missing or
//! disabled kmemleak fails every case and the final leak check instead of
//! passing unnoticed.
//!
//! Output: `RUN name` as each case starts, then its `PASS name` /
//! `FAIL name: reason` line, and at the end
//! `elevtest: N passed, M failed`. Exit status 1 if any case failed.
//!
//! Usage: `elevtest [--list] [--quick] [--require-kmemleak] [--skip=NAME_SUBSTRING]...
//! [NAME_SUBSTRING...]`, or
//! `elevtest --bench [--quick]` for the benchmarks (see `bench.rs`).

mod bench;
mod cases;
mod faults;
mod util;

use std::time::{Duration, Instant};

/// How often (in suite time, after a case) kmemleak scans. Its reports were
/// never exact per case: an object is reported only when 5 s old and at the
/// second scan that finds it unreferenced; the report's backtrace says
/// which code leaked.
const LEAK_SCAN_EVERY: Duration = Duration::from_secs(30);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "usage: elevtest [--list] [--quick] [--require-kmemleak] [--skip=NAME_SUBSTRING]... \
             [NAME_SUBSTRING...] | --bench [--quick]"
        );
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let require_kmemleak = args.iter().any(|a| a == "--require-kmemleak");
    // kmemleak missing or disabled where it must be: the reason, if so.
    let kmemleak_missing = || {
        if require_kmemleak {
            util::kmemleak_available()
                .err()
                .map(|e| format!("kmemleak required (debug kernel): {}", e))
        } else {
            None
        }
    };
    if args.iter().any(|a| a == "--bench") {
        match bench::run(if quick { 3 } else { 10 }) {
            Ok(()) => return,
            Err(e) => {
                eprintln!("elevtest --bench: {}", e);
                std::process::exit(1);
            }
        }
    }
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let skips: Vec<&str> = args
        .iter()
        .filter_map(|a| a.strip_prefix("--skip="))
        .collect();
    let selected: Vec<&cases::Case> = cases::ALL
        .iter()
        .filter(|c| filters.is_empty() || filters.iter().any(|f| c.name.contains(f.as_str())))
        .filter(|c| !skips.iter().any(|s| c.name.contains(s)))
        .collect();
    if args.iter().any(|a| a == "--list") {
        for c in selected {
            println!("{}", c.name);
        }
        return;
    }
    util::prepare_suite();
    let (mut passed, mut failed) = (0, 0);
    // The cases run since the scan before the last one: kmemleak reports an
    // object only when a second scan finds it unreferenced and unchanged, so
    // a leak shows at the second scan after it (a leak report names these).
    let mut last_scan = Instant::now();
    let mut unscanned: Vec<&str> = Vec::new();
    let mut scanned_once = 0;
    for case in selected {
        // A start marker on the console: if the guest dies inside a case
        // (an oops that stops it), the console says which case was running.
        println!("RUN {}", case.name);
        let start = Instant::now();
        util::cleanup_module();
        util::clear_kernel_log();
        let result = std::panic::catch_unwind(|| (case.run)(quick));
        let result = match result {
            Ok(r) => r,
            Err(e) => Err(format!(
                "panicked: {}",
                e.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            )),
        };
        util::cleanup_module();
        unscanned.push(case.name);
        let scan = last_scan.elapsed() >= LEAK_SCAN_EVERY;
        let log = util::kernel_log_problems(scan)
            .map(|r| match r.strip_prefix("kmemleak: ") {
                Some(leak) if unscanned.len() > 1 => format!(
                    "kmemleak (a leak of one of the cases since the scan before the last: {}): {}",
                    unscanned.join(", "),
                    leak
                ),
                _ => r,
            })
            .or_else(kmemleak_missing);
        if scan {
            last_scan = Instant::now();
            unscanned.drain(..scanned_once);
            scanned_once = unscanned.len();
        }
        let ms = start.elapsed().as_millis();
        match (result, log) {
            (Ok(()), None) => {
                passed += 1;
                println!("PASS {} ({} ms)", case.name, ms);
            }
            (Err(e), _) => {
                failed += 1;
                println!("FAIL {}: {} ({} ms)", case.name, e, ms);
            }
            (Ok(()), Some(report)) => {
                failed += 1;
                println!("FAIL {}: kernel log: {} ({} ms)", case.name, report, ms);
            }
        }
    }
    // Leaks show in kmemleak only once objects are a few seconds old.
    if let Some(report) = kmemleak_missing().or_else(util::final_leak_check) {
        failed += 1;
        println!("FAIL kmemleak_after_suite: {}", report);
    } else {
        passed += 1;
        println!("PASS kmemleak_after_suite");
    }
    println!("elevtest: {} passed, {} failed", passed, failed);
    std::process::exit(if failed == 0 { 0 } else { 1 });
}

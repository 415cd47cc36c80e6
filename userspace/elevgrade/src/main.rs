// SPDX-License-Identifier: GPL-2.0

//! `elevgrade`: grades an elevator kernel module as a black box, inside the
//! VM (as root, on the debug kernel): a student's C module or this project's.
//!
//! It loads the module, then drives it only through the course's interfaces
//! (syscalls 548-550, `/proc/elevator`) and watches it from outside (its
//! kernel threads' context switches, `rmmod`, the kernel log, kmemleak). The
//! checks, by name: `loads`, `proc_layout`, `syscall_codes`,
//! `stream_limits`, `stream_conservation`, `stream_fifo_boarding`,
//! `stream_boards_at_stop`, `stream_unloads_at_destination`,
//! `stream_floor_time`, `stop_drains`, `restart`, `idle_wakeups`,
//! `proc_latency`, `rmmod_states`, `log_clean`, `riders_180s`. The timing is
//! the module's own: `--floor-ms`/`--load-ms` when the grader set them, else
//! its `floor_ms`/`load_ms` in sysfs, else the course's 2000/1000; every
//! window scales with it (the 180 s workload is 90 floor times), and the
//! move and stop times are measured from the snapshots.
//!
//! Usage (in the guest):
//!
//! ```text
//! elevgrade --ko FILE.ko [--name NAME] [--params "floor_ms=100 load_ms=50"]
//!           [--floor-ms N] [--load-ms N] [--profile pets|dorm|office] [--seed N]
//!           [--reference REF.ko [--reference-params "..."]] [--reference-json REPORT.json]
//!           [--no-kmemleak-prepare] [--require-kmemleak] [--label HOST_PATH] --out DIR
//! elevgrade table REPORT.json...      (the class table, on the host or the guest)
//! elevgrade failed REPORT.json        (the failed checks, one a line)
//! ```
//!
//! Writes `DIR/report.json`, `report.md`, `riders.csv`, `riders.svg` and
//! prints `grade: N passed, M failed, K riders in 180 s`. Exit status 0 when
//! every check passed, 1 when one failed, 2 on bad arguments.

mod guest;
mod report;
mod stream;

use elevator_proc::crand::GlibcRand;
use elevator_proc::sys;
use elevator_proc::{parse, Profile, Snapshot, State};
use report::{CheckResult, Curve, Report, TimingReport, CHECKS};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use stream::{Counters, Finding, Issued, Sampler, StreamFindings, Timing};

const ENOSYS: i64 = -(libc::ENOSYS as i64);

/// Command-line options.
#[derive(Debug, Default)]
struct Args {
    ko: String,
    name: String,
    params: String,
    floor_ms: Option<f64>,
    load_ms: Option<f64>,
    profile: Option<String>,
    seed: u32,
    reference: Option<String>,
    reference_params: String,
    reference_json: Option<PathBuf>,
    kmemleak_prepare: bool,
    require_kmemleak: bool,
    out: PathBuf,
    /// What the report calls the module file (the host's path).
    label: Option<String>,
}

fn usage() -> ! {
    eprintln!(
        "usage: elevgrade --ko FILE.ko [--name NAME] [--params STR] [--floor-ms N] [--load-ms N]\n\
         \x20                [--profile pets|dorm|office] [--seed N] [--reference REF.ko]\n\
         \x20                [--reference-params STR] [--reference-json REPORT.json]\n\
         \x20                [--no-kmemleak-prepare] [--require-kmemleak] [--label HOST_PATH] --out DIR\n\
         \x20      elevgrade table REPORT.json..."
    );
    std::process::exit(2)
}

fn parse_args(argv: &[String]) -> Args {
    let mut a = Args {
        seed: 1,
        kmemleak_prepare: true,
        ..Args::default()
    };
    let mut it = argv.iter();
    while let Some(k) = it.next() {
        let mut val = || it.next().cloned().unwrap_or_else(|| usage());
        match k.as_str() {
            "--ko" => a.ko = val(),
            "--name" => a.name = val(),
            "--params" => a.params = val(),
            "--floor-ms" => a.floor_ms = Some(val().parse().unwrap_or_else(|_| usage())),
            "--load-ms" => a.load_ms = Some(val().parse().unwrap_or_else(|_| usage())),
            "--profile" => a.profile = Some(val()),
            "--seed" => a.seed = val().parse().unwrap_or_else(|_| usage()),
            "--reference" => a.reference = Some(val()),
            "--reference-params" => a.reference_params = val(),
            "--reference-json" => a.reference_json = Some(PathBuf::from(val())),
            "--no-kmemleak-prepare" => a.kmemleak_prepare = false,
            "--require-kmemleak" => a.require_kmemleak = true,
            "--out" => a.out = PathBuf::from(val()),
            "--label" => a.label = Some(val()),
            _ => usage(),
        }
    }
    if a.ko.is_empty() || a.out.as_os_str().is_empty() {
        usage();
    }
    if a.name.is_empty() {
        a.name = std::path::Path::new(&a.ko)
            .file_stem()
            .map_or("module".into(), |s| s.to_string_lossy().into_owned());
    }
    a
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("table") {
        let mut reports = Vec::new();
        for p in &argv[1..] {
            match std::fs::read_to_string(p)
                .map_err(|e| e.to_string())
                .and_then(|s| serde_json::from_str::<Report>(&s).map_err(|e| e.to_string()))
            {
                Ok(r) => reports.push(r),
                Err(e) => eprintln!("elevgrade: {p}: {e}"),
            }
        }
        print!("{}", report::table(&reports));
        return;
    }
    if argv.first().map(String::as_str) == Some("failed") && argv.len() == 2 {
        // The failed checks of one report, one a line (for scripts).
        match std::fs::read_to_string(&argv[1])
            .map_err(|e| e.to_string())
            .and_then(|s| serde_json::from_str::<Report>(&s).map_err(|e| e.to_string()))
        {
            Ok(r) => {
                for c in r.failed_checks() {
                    println!("{c}");
                }
                return;
            }
            Err(e) => {
                eprintln!("elevgrade: {}: {e}", argv[1]);
                std::process::exit(2);
            }
        }
    }
    if argv.is_empty() || argv.iter().any(|a| a == "-h" || a == "--help") {
        usage();
    }
    let args = parse_args(&argv);
    let report = Grader::new(&args).run();
    if let Err(e) = report.write(&args.out) {
        eprintln!("elevgrade: writing the report: {e}");
    }
    for c in &report.checks {
        let first = c
            .evidence
            .first()
            .map_or("", |e| e.lines().next().unwrap_or(""));
        println!(
            "{} {}: {}",
            if c.pass { "PASS" } else { "FAIL" },
            c.name,
            first
        );
    }
    println!("{}", report.summary());
    std::process::exit(if report.failed == 0 { 0 } else { 1 });
}

/// The evidence gathered for each check.
#[derive(Default)]
struct Evidence {
    map: BTreeMap<&'static str, (bool, Vec<String>)>,
}

impl Evidence {
    fn note(&mut self, check: &'static str, line: String) {
        self.map
            .entry(check)
            .or_insert((true, Vec::new()))
            .1
            .push(line);
    }
    fn fail(&mut self, check: &'static str, line: String) {
        let e = self.map.entry(check).or_insert((true, Vec::new()));
        if e.0 {
            // Failures first in the evidence.
            e.1.insert(0, line);
        } else {
            let at = e.1.iter().position(|l| !l.starts_with("FAIL")).unwrap_or(0);
            e.1.insert(at.max(1), line);
        }
        e.0 = false;
    }
    fn finding(&mut self, check: &'static str, f: &Finding) {
        for n in &f.notes {
            self.note(check, n.clone());
        }
        for x in f.failures.iter().rev() {
            self.fail(check, x.clone());
        }
        if f.failure_count > f.failures.len() {
            self.fail(
                check,
                format!(
                    "{} violations in all (the first {} shown)",
                    f.failure_count,
                    f.failures.len()
                ),
            );
        }
    }
}

struct Grader<'a> {
    args: &'a Args,
    clock: Instant,
    ev: Evidence,
    /// Nominal floor and stop times, seconds.
    t: Timing,
    timing_source: String,
    profile: &'static Profile,
    counters: Arc<Counters>,
    issued: Vec<Issued>,
    /// The module's name in /proc/modules.
    name: String,
    /// Texts read outside the stream, checked for the layout.
    texts: Vec<(f64, String)>,
    threads: Vec<(u32, String)>,
    threads_before: Vec<(u32, String)>,
    /// Why the workload's own schedule could not be kept (a starved guest).
    starved: Option<String>,
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

impl<'a> Grader<'a> {
    fn new(args: &'a Args) -> Self {
        Grader {
            args,
            clock: Instant::now(),
            ev: Evidence::default(),
            t: Timing {
                floor: 2.0,
                load: 1.0,
            },
            timing_source: String::new(),
            profile: &elevator_proc::profile::PETS,
            counters: Arc::new(Counters::default()),
            issued: Vec::new(),
            name: String::new(),
            texts: Vec::new(),
            threads: Vec::new(),
            threads_before: Vec::new(),
            starved: None,
        }
    }

    fn now(&self) -> f64 {
        self.clock.elapsed().as_secs_f64()
    }

    /// The course's 10 s windows, scaled with the module's floor time.
    fn scale(&self) -> f64 {
        self.t.floor / 2.0
    }

    /// A /proc read outside the stream, kept for the layout check.
    fn snap(&mut self) -> Option<Snapshot> {
        match guest::read_proc() {
            Ok((text, _)) => {
                let s = parse(&text).ok();
                let t = self.now();
                if self.texts.len() < 2000 {
                    self.texts.push((t, text));
                }
                s
            }
            Err(e) => {
                self.ev
                    .fail("proc_layout", format!("at t={:.3}s: {e}", self.now()));
                None
            }
        }
    }

    /// Polls /proc/elevator until `pred` or `timeout` seconds of the time
    /// the guest had. Time it lost to a starved host (a poll's sleep that
    /// overslept by more than 50 ms; the module's thread lost it too) moves
    /// the deadline by as much, up to three more timeouts: a module is judged
    /// on the time it had, and one that never gets there still fails.
    fn wait_for(&mut self, timeout: f64, pred: impl Fn(&Snapshot) -> bool) -> Option<Snapshot> {
        let start = self.now();
        let mut end = start + timeout;
        let pace = secs((self.t.floor.min(self.t.load) / 10.0).clamp(0.002, 0.05));
        loop {
            if let Some(s) = self.snap() {
                if pred(&s) {
                    return Some(s);
                }
            }
            if self.now() > end {
                return None;
            }
            let before = self.now();
            std::thread::sleep(pace);
            let lost = self.now() - before - pace.as_secs_f64();
            if lost > 0.05 {
                end = (end + lost).min(start + 4.0 * timeout);
            }
        }
    }

    fn find_threads(&mut self) {
        for t in guest::new_kthreads(&self.threads_before) {
            if !self.threads.iter().any(|x| x.0 == t.0) {
                self.threads.push(t);
            }
        }
    }

    fn syscall(&mut self, what: &str, expected: i64, got: i64) {
        let line = format!("{what}: returned {got}, expected {expected}");
        if got == expected {
            self.ev.note("syscall_codes", line);
        } else {
            self.ev.fail("syscall_codes", format!("FAIL {line}"));
        }
    }

    /// Nominal timing: given, else sysfs, else the course's.
    fn timing(&mut self) {
        let sysfs = |p: &str| {
            std::fs::read_to_string(format!("/sys/module/{}/parameters/{p}", self.name))
                .ok()
                .and_then(|s| s.trim().parse::<f64>().ok())
        };
        let param = |p: &str| {
            self.args.params.split_whitespace().find_map(|kv| {
                kv.strip_prefix(p)
                    .and_then(|v| v.strip_prefix('='))
                    .and_then(|v| v.parse::<f64>().ok())
            })
        };
        let pick = |given: Option<f64>, p: &str, course: f64| match (given, param(p), sysfs(p)) {
            (Some(v), _, _) => (v, "given"),
            (None, Some(v), _) => (v, "its insmod parameter"),
            (None, None, Some(v)) => (v, "its sysfs parameter"),
            (None, None, None) => (course, "the course's default"),
        };
        let (f, fs) = pick(self.args.floor_ms, "floor_ms", 2000.0);
        let (l, ls) = pick(self.args.load_ms, "load_ms", 1000.0);
        self.t = Timing {
            floor: f / 1000.0,
            load: l / 1000.0,
        };
        self.timing_source = if fs == ls {
            fs.to_string()
        } else {
            format!("floor: {fs}, stop: {ls}")
        };
    }

    /// Idle wake-ups of the module's threads over one window.
    fn idle_window(&mut self, phase: &str) {
        self.find_threads();
        let window = (10.0 * self.scale()).max(1.0);
        let before: Vec<(u32, Option<u64>)> = self
            .threads
            .iter()
            .map(|t| (t.0, guest::ctxt_switches(t.0)))
            .collect();
        guest::sleep_s(window);
        let mut total = 0;
        let mut per = Vec::new();
        for (pid, c0) in before {
            let (Some(c0), Some(c1)) = (c0, guest::ctxt_switches(pid)) else {
                continue;
            };
            let name = self
                .threads
                .iter()
                .find(|t| t.0 == pid)
                .map_or(String::new(), |t| t.1.clone());
            per.push(format!("{name} (pid {pid}): {}", c1 - c0));
            total += c1 - c0;
        }
        let line = format!(
            "{phase}, {window:.1} s ({:.0} s at course timing): {total} context switches of the module's threads [{}]",
            window / self.scale().max(1e-9),
            if per.is_empty() {
                "no kernel thread of the module found".to_string()
            } else {
                per.join(", ")
            }
        );
        if total > 2 {
            self.ev.fail(
                "idle_wakeups",
                format!("FAIL {line}: it wakes up while it has nothing to do (allowed: 2)"),
            );
        } else {
            self.ev.note("idle_wakeups", line);
        }
    }

    /// The settle time before an idle window: the thread goes to sleep.
    fn settle(&self) {
        guest::sleep_s((0.1 * self.t.floor).clamp(0.1, 0.3));
    }

    fn run(mut self) -> Report {
        let a = self.args;
        if a.kmemleak_prepare {
            guest::kmemleak_prepare();
        }
        guest::clear_kernel_log();
        let kernel = guest::sh("uname -r").1.trim().to_string();
        self.threads_before = guest::kthreads();
        let mut rep = Report {
            name: a.name.clone(),
            module_file: a.label.clone().unwrap_or_else(|| a.ko.clone()),
            params: a.params.clone(),
            kernel,
            seed: a.seed,
            ..Report::default()
        };
        println!("elevgrade: grading {} ({})", a.name, a.ko);
        match guest::insmod(&a.ko, &a.params) {
            Ok((name, took)) => {
                self.ev.note(
                    "loads",
                    format!(
                        "insmod took {:.0} ms; loaded as `{name}`",
                        took.as_secs_f64() * 1e3
                    ),
                );
                self.name = name;
            }
            Err(e) => {
                self.ev.fail("loads", e);
                return self.finish(rep);
            }
        }
        rep.module_name = self.name.clone();
        self.timing();
        if !guest::proc_exists() {
            self.ev
                .fail("loads", format!("no {} after insmod", guest::PROC));
            let _ = guest::rmmod(&self.name);
            return self.finish(rep);
        }
        self.ev.note("loads", format!("{} exists", guest::PROC));
        self.find_threads();
        self.first_look(&mut rep);
        // Offline and idle: the thread must sleep.
        self.settle();
        self.idle_window("offline");
        self.syscalls_and_first_stop();
        // The workload: the stream, the riders, the stop.
        let (samples, stop_at) = self.workload(&mut rep);
        self.analyse(&samples, stop_at, &mut rep);
        self.restart();
        self.rmmod_states();
        self.log_check();
        self.reference(&mut rep);
        self.finish(rep)
    }

    /// The first read: the layout, OFFLINE, permissions, the profile.
    fn first_look(&mut self, rep: &mut Report) {
        let mode = guest::proc_mode().unwrap_or(0);
        let first = self.snap();
        match &a_profile(self.args, first.as_ref()) {
            Ok(p) => self.profile = p,
            Err(e) => self.ev.fail("proc_layout", e.clone()),
        }
        rep.profile = self.profile.name.to_string();
        if mode & 0o004 == 0 {
            self.ev.fail(
                "proc_layout",
                format!(
                    "FAIL {} has mode {mode:o}: not readable by all",
                    guest::PROC
                ),
            );
        }
        match guest::read_as_nobody(guest::PROC) {
            Ok(text) => {
                self.ev.note(
                    "proc_layout",
                    format!("mode {mode:o}; read by the user nobody"),
                );
                self.texts.push((self.now(), text));
            }
            Err(e) => self.ev.fail(
                "proc_layout",
                format!("FAIL reading {} as nobody: {e}", guest::PROC),
            ),
        }
        match first {
            Some(s)
                if s.state == State::Offline && s.aboard.is_empty() && s.number_waiting == 0 =>
            {
                self.ev.note(
                    "proc_layout",
                    format!("OFFLINE at load, floor {}", s.current_floor),
                );
            }
            Some(s) => self.ev.fail(
                "proc_layout",
                format!(
                    "FAIL not OFFLINE and empty at load:\n{}",
                    stream::indent(&s.to_string())
                ),
            ),
            None => self
                .ev
                .fail("proc_layout", "FAIL the first read did not parse".into()),
        }
    }

    /// Return codes: stop while offline, invalid requests, start, start
    /// again, the idle window, stop, stop again, then OFFLINE and stop while
    /// offline after a stop.
    fn syscalls_and_first_stop(&mut self) {
        let n = self.profile.floors as i32;
        self.syscall(
            "stop_elevator while OFFLINE after load",
            1,
            stream::ret_value(sys::stop_elevator()),
        );
        let bad = [
            (0, 2, 0),
            (n + 1, 1, 0),
            (1, n + 1, 0),
            (2, 2, 1),
            (1, 2, -1),
            (1, 2, 4),
            (-1, 2, 0),
            (i32::MIN, 1, 0),
            (1, i32::MAX, 2),
            (1, 2, i32::MAX),
            (i32::MAX, i32::MIN, i32::MIN),
        ];
        for (s, d, k) in bad {
            let r = stream::issue(&self.counters, self.clock, s, d, k);
            self.syscall(&format!("issue_request({s}, {d}, {k}) (invalid)"), 1, r.ret);
            self.issued.push(r);
        }
        match self.snap() {
            Some(s) if s.number_waiting == 0 => self
                .ev
                .note("syscall_codes", "the invalid requests queued nobody".into()),
            Some(s) => self.ev.fail(
                "syscall_codes",
                format!(
                    "FAIL invalid requests queued riders: {} waiting",
                    s.number_waiting
                ),
            ),
            None => {}
        }
        self.syscall(
            "start_elevator while OFFLINE",
            0,
            stream::ret_value(sys::start_elevator()),
        );
        self.syscall(
            "start_elevator again while active",
            1,
            stream::ret_value(sys::start_elevator()),
        );
        if self
            .wait_for(2.0 * self.t.floor + 1.0, |s| s.state == State::Idle)
            .is_none()
        {
            self.ev.note(
                "idle_wakeups",
                "not IDLE after start with nothing to do".into(),
            );
        }
        self.find_threads();
        self.settle();
        self.idle_window("idle");
        self.syscall(
            "stop_elevator while IDLE",
            0,
            stream::ret_value(sys::stop_elevator()),
        );
        self.syscall(
            "stop_elevator again (deactivating or OFFLINE)",
            1,
            stream::ret_value(sys::stop_elevator()),
        );
        let t0 = self.now();
        match self.wait_for(3.0 * self.t.floor + 1.0, |s| s.state == State::Offline) {
            Some(_) => {
                self.ev.note(
                    "stop_drains",
                    format!("empty car: OFFLINE {:.2} s after the stop", self.now() - t0),
                );
                self.syscall(
                    "stop_elevator while OFFLINE after a stop",
                    1,
                    stream::ret_value(sys::stop_elevator()),
                );
            }
            None => self.ev.fail(
                "stop_drains",
                format!(
                    "FAIL stop with an empty car: not OFFLINE after {:.1} s",
                    self.now() - t0
                ),
            ),
        }
    }

    /// Starts the elevator, issues the seeded workload for 90 floor times
    /// (180 s at course timing) while the reader streams snapshots, stops
    /// it and streams until OFFLINE. Returns the samples and when the stop
    /// returned.
    fn workload(&mut self, rep: &mut Report) -> (Vec<stream::Sample>, f64) {
        let pace = secs((self.t.floor.min(self.t.load) / 10.0).clamp(0.002, 0.02));
        let sampler = Sampler::start(self.clock, pace, self.counters.clone());
        let ret = stream::ret_value(sys::start_elevator());
        self.syscall("start_elevator after a completed stop (workload)", 0, ret);
        let (issued, curve, riders, on_schedule) = run_workload(
            &self.counters,
            self.clock,
            self.profile.floors as i32,
            self.args.seed,
            self.t.floor,
        );
        // 20 at once, then one per floor time for 89 floor times: when the
        // grader itself could not keep that schedule, the guest was starved
        // (a loaded host) and the riders count says nothing of the module.
        // Requests issued late count: after a stall the loop catches up at
        // once, so all 109 are issued even when the guest lost seconds.
        let planned = 109;
        if on_schedule * 100 < planned * 95 {
            self.starved = Some(format!(
                "the guest was starved: the workload issued {on_schedule} of its {planned} requests on schedule (within a floor time)"
            ));
        }
        let bad: Vec<&Issued> = issued.iter().filter(|q| q.ret != 0).collect();
        if bad.is_empty() {
            self.ev.note(
                "syscall_codes",
                format!("{} valid requests of the workload (incl. 1->{} type 0 and {}->1 type 3) returned 0", issued.len(), self.profile.floors, self.profile.floors),
            );
        } else {
            for q in bad.iter().take(3) {
                self.ev.fail(
                    "syscall_codes",
                    format!(
                        "FAIL issue_request({}, {}, {}) (valid) returned {}",
                        q.start, q.dest, q.kind, q.ret
                    ),
                );
            }
        }
        self.issued.extend(issued);
        rep.curve = curve;
        rep.riders = riders;
        self.find_threads();
        let ret = stream::ret_value(sys::stop_elevator());
        let stop_at = self.now();
        self.syscall("stop_elevator while running (workload end)", 0, ret);
        // Drain: every rider aboard delivered, one sweep of the building at most.
        let drain =
            (2.0 * self.profile.floors as f64 * self.t.floor + 6.0 * self.t.load) * 2.0 + 1.0;
        let end = self.now() + drain;
        let mut offline_seen = 0;
        while self.now() < end {
            std::thread::sleep(secs(self.t.floor / 4.0));
            if let Ok((text, _)) = guest::read_proc() {
                if parse(&text).is_ok_and(|s| s.state == State::Offline) {
                    offline_seen += 1;
                    if offline_seen >= 2 {
                        break;
                    }
                }
            }
        }
        (sampler.finish(), stop_at)
    }

    fn analyse(&mut self, samples: &[stream::Sample], stop_at: f64, rep: &mut Report) {
        let mut f = StreamFindings::default();
        let parsed = stream::per_snapshot(samples, self.profile, &mut f);
        stream::pairwise(&parsed, &self.issued, self.t, &mut f);
        let mut drain = Finding::default();
        stream::drain(&parsed, stop_at, &mut drain);
        // Layout: the stream's and every other read.
        for (t, text) in std::mem::take(&mut self.texts) {
            let p = stream::layout_problems(&text, self.profile);
            if !p.is_empty() {
                f.layout.fail(format!(
                    "snapshot at t={t:.3}s: {}:\n{}",
                    p.join("; "),
                    stream::indent(&text)
                ));
            }
        }
        let states: Vec<String> = f.states.iter().cloned().collect();
        f.layout.notes.push(format!(
            "{} snapshots streamed; states seen: {}",
            f.samples,
            states.join(", ")
        ));
        f.limits.notes.push(format!(
            "{} snapshots against {} (at most {} riders, {} lbs)",
            f.samples,
            self.profile.name,
            self.profile.max_riders,
            elevator_proc::format_load_x10(self.profile.max_load_x10)
        ));
        f.conservation.notes.push(format!(
            "{} snapshots, {} requests issued",
            f.samples,
            self.issued.iter().filter(|q| q.ret == 0).count()
        ));
        self.ev.finding("proc_layout", &f.layout);
        self.ev.finding("stream_limits", &f.limits);
        self.ev.finding("stream_conservation", &f.conservation);
        self.ev.finding("stream_fifo_boarding", &f.fifo);
        self.ev.finding("stream_boards_at_stop", &f.at_stop);
        self.ev.finding("stream_unloads_at_destination", &f.unload);
        self.ev.finding("stream_floor_time", &f.floor_time);
        self.ev.finding("proc_latency", &f.latency);
        self.ev.finding("stop_drains", &drain);
        rep.timing = TimingReport {
            floor_ms: self.t.floor * 1e3,
            load_ms: self.t.load * 1e3,
            source: self.timing_source.clone(),
            measured_floor_ms: f.measured_floor.map(|v| (v * 1e3).round()),
            measured_load_ms: f.measured_load.map(|v| (v * 1e3).round()),
        };
    }

    /// Start after the stop: it works and serves the riders left waiting.
    fn restart(&mut self) {
        let before = self.snap();
        let ret = stream::ret_value(sys::start_elevator());
        if ret != 0 {
            self.ev.fail(
                "restart",
                format!("FAIL start_elevator after the stop returned {ret}"),
            );
            return;
        }
        let serviced = before.as_ref().map_or(0, |s| s.number_serviced);
        if before.as_ref().is_none_or(|s| s.number_waiting == 0) {
            let r = stream::issue(&self.counters, self.clock, 1, 2, 0);
            self.issued.push(r);
        }
        let timeout = (2.0 * self.profile.floors as f64 * (self.t.floor + self.t.load)) * 2.0 + 1.0;
        let t0 = self.now();
        match self.wait_for(timeout, |s| {
            s.state != State::Offline && s.number_serviced > serviced
        }) {
            Some(s) => self.ev.note(
                "restart",
                format!(
                    "start_elevator returned 0; {} {} serviced {:.2} s later",
                    s.number_serviced - serviced,
                    if s.number_serviced - serviced == 1 {
                        "rider"
                    } else {
                        "riders"
                    },
                    self.now() - t0
                ),
            ),
            None => self.ev.fail(
                "restart",
                format!("FAIL start_elevator returned 0 but nobody was serviced in {timeout:.1} s"),
            ),
        }
    }

    /// One rmmod and what must hold after it.
    fn unload(&mut self, state: &str) {
        self.find_threads();
        // Prompt: the thread may finish its move and stop; the kernel's own
        // part (RCU grace periods on the debug kernel under TCG, 4.4 s once on
        // a loaded host) gets 5 s.
        let limit = 5.0 + self.t.floor + self.t.load;
        let threads = std::mem::take(&mut self.threads);
        let took = match guest::rmmod(&self.name) {
            Ok(t) => t.as_secs_f64(),
            Err(e) => {
                self.ev.fail("rmmod_states", format!("FAIL {state}: {e}"));
                return;
            }
        };
        let mut problems = Vec::new();
        if took > limit {
            problems.push(format!(
                "took {took:.2} s (allowed {limit:.2} s: one floor and one stop + 5 s)"
            ));
        }
        let t = Instant::now();
        while threads.iter().any(|x| guest::alive(x.0)) && t.elapsed() < Duration::from_secs(1) {
            std::thread::sleep(Duration::from_millis(10));
        }
        let left: Vec<String> = threads
            .iter()
            .filter(|x| guest::alive(x.0))
            .map(|x| format!("{} (pid {})", x.1, x.0))
            .collect();
        if !left.is_empty() {
            problems.push(format!("threads left: {}", left.join(", ")));
        }
        if guest::proc_exists() {
            problems.push(format!("{} still there", guest::PROC));
        }
        if guest::modules().contains(&self.name) {
            problems.push("still in /proc/modules".into());
        }
        for (what, r) in [
            ("start_elevator", sys::start_elevator()),
            ("issue_request", sys::issue_request(1, 2, 0)),
            ("stop_elevator", sys::stop_elevator()),
        ] {
            let r = stream::ret_value(r);
            if r != ENOSYS {
                problems.push(format!("{what} returned {r}, not -ENOSYS"));
            }
        }
        if problems.is_empty() {
            self.ev.note(
                "rmmod_states",
                format!(
                    "{state}: rmmod took {:.0} ms; {} thread(s) gone, {} gone, syscalls -ENOSYS",
                    took * 1e3,
                    threads.len(),
                    guest::PROC
                ),
            );
        } else {
            self.ev.fail(
                "rmmod_states",
                format!("FAIL {state}: {}", problems.join("; ")),
            );
        }
    }

    fn reload(&mut self, state: &str) -> bool {
        self.threads_before = guest::kthreads();
        match guest::insmod(&self.args.ko, &self.args.params) {
            Ok(_) => {
                self.find_threads();
                true
            }
            Err(e) => {
                self.ev.fail(
                    "rmmod_states",
                    format!("FAIL insmod again for {state}: {e}"),
                );
                false
            }
        }
    }

    /// rmmod moving with riders, offline, idle.
    fn rmmod_states(&mut self) {
        // Moving with riders (after the restart): give it riders to carry.
        let n = self.profile.floors as i32;
        for (s, d) in [(1, n), (n, 1)] {
            let r = stream::issue(&self.counters, self.clock, s, d, 0);
            self.issued.push(r);
        }
        let timeout = 4.0 * self.profile.floors as f64 * (self.t.floor + self.t.load) + 1.0;
        let moving = self
            .wait_for(timeout, |s| {
                matches!(s.state, State::Up | State::Down) && !s.aboard.is_empty()
            })
            .is_some();
        self.unload(if moving {
            "moving with riders aboard"
        } else {
            "running (never seen moving with riders)"
        });
        if self.reload("offline") {
            let r = stream::issue(&self.counters, self.clock, 2, 1, 0);
            self.issued.push(r);
            self.unload("OFFLINE with a rider waiting (after insmod)");
        }
        if self.reload("idle") {
            let _ = sys::start_elevator();
            let idle = self
                .wait_for(2.0 * self.t.floor + 1.0, |s| s.state == State::Idle)
                .is_some();
            self.unload(if idle {
                "IDLE"
            } else {
                "started (never seen IDLE)"
            });
        }
    }

    fn log_check(&mut self) {
        let kmemleak = guest::kmemleak_available();
        let t = Instant::now();
        let leaks = if kmemleak {
            guest::kmemleak_scan_report()
        } else {
            String::new()
        };
        let scan_s = t.elapsed().as_secs_f64();
        let log = guest::kernel_log();
        let problems = guest::problem_lines(&log);
        if !kmemleak && self.args.require_kmemleak {
            self.ev.fail(
                "log_clean",
                "FAIL kmemleak required (debug kernel) but missing or off".into(),
            );
        }
        if !leaks.trim().is_empty() {
            self.ev.fail(
                "log_clean",
                format!(
                    "FAIL kmemleak found leaks:\n{}",
                    stream::indent(&leaks.lines().take(25).collect::<Vec<_>>().join("\n"))
                ),
            );
        }
        if !problems.is_empty() {
            let first = &problems[0];
            let at = log.lines().position(|l| l == *first).unwrap_or(0);
            let ctx: Vec<&str> = log.lines().skip(at.saturating_sub(2)).take(14).collect();
            self.ev.fail(
                "log_clean",
                format!(
                    "FAIL {} problem line(s) in the kernel log, the first:\n{}",
                    problems.len(),
                    stream::indent(&ctx.join("\n"))
                ),
            );
        }
        self.ev.note(
            "log_clean",
            format!(
                "{} kernel log lines since the grade began; kmemleak {}",
                log.lines().count(),
                if kmemleak {
                    format!("scanned twice after the last rmmod ({scan_s:.1} s)")
                } else {
                    "not available".to_string()
                }
            ),
        );
    }

    /// The reference module on the same workload and seed, at the same
    /// timing scaled to at most 200 ms per floor; or an earlier report.
    fn reference(&mut self, rep: &mut Report) {
        if let Some(p) = &self.args.reference_json {
            match std::fs::read_to_string(p)
                .map_err(|e| e.to_string())
                .and_then(|s| serde_json::from_str::<Report>(&s).map_err(|e| e.to_string()))
            {
                Ok(r) if r.seed == rep.seed && r.profile == rep.profile => {
                    rep.reference_riders = r.riders;
                    rep.reference_curve = r.curve;
                    rep.reference_note = format!("{} on the same seed", r.name);
                }
                Ok(r) => {
                    rep.reference_note = format!("{} was graded on another seed or profile", r.name)
                }
                Err(e) => rep.reference_note = format!("{}: {e}", p.display()),
            }
            return;
        }
        let Some(ko) = &self.args.reference else {
            return;
        };
        let floor_ms = (self.t.floor * 1e3).min(200.0).round().max(1.0);
        let load_ms = (self.t.load * 1e3 * floor_ms / (self.t.floor * 1e3))
            .round()
            .max(1.0);
        let params = format!(
            "floor_ms={floor_ms} load_ms={load_ms} {}",
            self.args.reference_params
        );
        let name = match guest::insmod(ko, &params) {
            Ok((n, _)) => n,
            Err(e) => {
                rep.reference_note = e;
                return;
            }
        };
        let counters = Arc::new(Counters::default());
        let _ = sys::start_elevator();
        let (_, curve, riders, on_schedule) = run_workload(
            &counters,
            self.clock,
            self.profile.floors as i32,
            self.args.seed,
            floor_ms / 1e3,
        );
        let _ = guest::rmmod(&name);
        rep.reference_riders = riders;
        rep.reference_curve = curve;
        rep.reference_note = format!("this project's module at floor_ms={floor_ms} load_ms={load_ms}, the workload scaled alike");
        if on_schedule * 100 < 109 * 95 {
            rep.reference_note += &format!(
                "; its guest was starved: {on_schedule} of 109 requests issued on schedule"
            );
        }
    }

    fn finish(mut self, mut rep: Report) -> Report {
        // The riders: at least a third of the reference's, and some.
        match (rep.riders, rep.reference_riders) {
            (Some(r), x) if (r == 0 || x.is_some_and(|x| r * 3 < x)) && self.starved.is_some() => {
                self.ev.note(
                    "riders_180s",
                    format!(
                        "not judged: {} riders serviced in 180 s (reference: {}), but {}; grade it again",
                        r,
                        x.map_or("not run".into(), |x| x.to_string()),
                        self.starved.clone().unwrap_or_default()
                    ),
                )
            }
            (Some(0), _) => self
                .ev
                .fail("riders_180s", "FAIL no rider serviced in 180 s".into()),
            (Some(r), Some(x)) if r * 3 < x => self.ev.fail(
                "riders_180s",
                format!("FAIL {r} riders serviced in 180 s, under a third of the reference's {x}"),
            ),
            (Some(r), x) => self.ev.note(
                "riders_180s",
                format!(
                    "{r} riders serviced in 180 s (90 floor times) on seed {}; reference: {}",
                    rep.seed,
                    x.map_or("not run".into(), |x| x.to_string())
                ),
            ),
            (None, _) => {}
        }
        for name in CHECKS {
            let (pass, evidence) = match self.ev.map.remove(name) {
                Some((pass, ev)) => (pass, ev),
                None => (
                    false,
                    vec!["not reached: an earlier step failed".to_string()],
                ),
            };
            rep.checks.push(CheckResult {
                name: name.to_string(),
                pass,
                evidence: evidence
                    .into_iter()
                    .map(|e| e.strip_prefix("FAIL ").map(str::to_string).unwrap_or(e))
                    .collect(),
            });
        }
        rep.passed = rep.checks.iter().filter(|c| c.pass).count();
        rep.failed = rep.checks.len() - rep.passed;
        rep.grading_seconds = self.now().round();
        if rep.profile.is_empty() {
            rep.profile = self.profile.name.to_string();
        }
        rep
    }
}

/// The profile: given, or the one the first snapshot shows.
fn a_profile(args: &Args, first: Option<&Snapshot>) -> Result<&'static Profile, String> {
    if let Some(name) = &args.profile {
        return Profile::by_name(name).ok_or_else(|| format!("FAIL unknown profile {name}"));
    }
    first
        .and_then(Profile::infer)
        .ok_or_else(|| "FAIL no profile of the course fits the first snapshot".to_string())
}

/// The seeded workload: 20 riders at once (the first two the extremes 1->top
/// type 0 and top->1 type 3), then one per floor time, for 90 floor times
/// (180 s at course timing). Returns the requests, the riders-serviced
/// curve (seconds at course timing), the riders serviced at the end and
/// how many requests were issued on schedule: at most one floor time after
/// their planned time. After a stall the loop issues the missed requests
/// at once, so a starved guest still issues all 109, late, and
/// its module ran for part of the window only.
fn run_workload(
    counters: &Counters,
    clock: Instant,
    floors: i32,
    seed: u32,
    floor: f64,
) -> (Vec<Issued>, Curve, Option<u64>, usize) {
    let mut rng = GlibcRand::new(seed);
    let mut issued = Vec::new();
    let serviced = || {
        guest::read_proc()
            .ok()
            .and_then(|(t, _)| parse(&t).ok())
            .map(|s| s.number_serviced)
    };
    let base = serviced().unwrap_or(0);
    let t0 = clock.elapsed().as_secs_f64();
    let course = |t: f64| (t - t0) / floor * 2.0;
    let mut curve = vec![(0.0, 0)];
    issued.push(stream::issue(counters, clock, 1, floors, 0));
    issued.push(stream::issue(counters, clock, floors, 1, 3));
    for _ in 0..18 {
        let (s, d, k) = rng.request(1, floors);
        issued.push(stream::issue(counters, clock, s, d, k));
    }
    let mut on_schedule = issued.iter().filter(|q| q.t0 - t0 <= floor).count();
    let end = t0 + 90.0 * floor;
    let mut next = t0 + floor;
    let mut last_sample = t0;
    loop {
        let now = clock.elapsed().as_secs_f64();
        if now >= end {
            break;
        }
        if now >= next {
            let (s, d, k) = rng.request(1, floors);
            issued.push(stream::issue(counters, clock, s, d, k));
            if now - next <= floor {
                on_schedule += 1;
            }
            next += floor;
        }
        if now - last_sample >= floor / 2.0 {
            if let Some(n) = serviced() {
                curve.push((course(now), n.saturating_sub(base)));
            }
            last_sample = now;
        }
        let wake = next.min(last_sample + floor / 2.0).min(end);
        std::thread::sleep(secs(wake - clock.elapsed().as_secs_f64()));
    }
    let riders = serviced().map(|n| n.saturating_sub(base));
    if let Some(r) = riders {
        curve.push((180.0, r));
    }
    (issued, curve, riders, on_schedule)
}

// SPDX-License-Identifier: GPL-2.0

//! The continuous stream of `/proc/elevator` snapshots and what it shows.
//!
//! A reader thread reads the file every few milliseconds while the workload
//! issues requests; each sample keeps its text, when the read began and
//! ended, and how many requests were surely issued before it (`lo`) and at
//! most issued when it ended (`hi`). The analyses compare each snapshot with
//! the profile and each consecutive pair with the rules: who left which queue
//! (the head, in order), who got on (only at a `LOADING` stop on that floor),
//! who got off (only at their destination), how long the moves between floor
//! changes took. A pair too far apart in time to tell (a slow read) is
//! counted as unverifiable, never as a failure.

use elevator_proc::{parse, Profile, Rider, Snapshot, State};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How many requests were issued, as seen by the reader: `lo` counts
/// requests that returned 0, `hi` those started and not refused.
#[derive(Default)]
pub struct Counters {
    lo: AtomicU64,
    hi: AtomicU64,
}

/// One request the grader issued.
#[derive(Debug, Clone)]
pub struct Issued {
    /// When the call began and returned (seconds since the grade began).
    pub t0: f64,
    pub t1: f64,
    pub start: i32,
    pub dest: i32,
    pub kind: i32,
    /// The call's return value (-errno for an error).
    pub ret: i64,
}

/// Issues one request, keeping the counters right for a concurrent reader.
pub fn issue(c: &Counters, clock: Instant, start: i32, dest: i32, kind: i32) -> Issued {
    c.hi.fetch_add(1, Ordering::SeqCst);
    let t0 = clock.elapsed().as_secs_f64();
    let r = elevator_proc::sys::issue_request(start, dest, kind);
    let t1 = clock.elapsed().as_secs_f64();
    if r.raw == 0 {
        c.lo.fetch_add(1, Ordering::SeqCst);
    } else {
        c.hi.fetch_sub(1, Ordering::SeqCst);
    }
    Issued {
        t0,
        t1,
        start,
        dest,
        kind,
        ret: ret_value(r),
    }
}

/// A syscall's return as the C function returns it: the value, or -errno.
pub fn ret_value(r: elevator_proc::sys::SysRet) -> i64 {
    match r.errno {
        Some(e) => -i64::from(e),
        None => r.raw,
    }
}

/// One read of `/proc/elevator`.
#[derive(Debug, Clone)]
pub struct Sample {
    /// When the read began and ended (seconds since the grade began).
    pub t0: f64,
    pub t1: f64,
    /// The text (empty when the read failed).
    pub text: String,
    /// Requests surely issued before the read began.
    pub lo: u64,
    /// Requests at most issued when the read ended.
    pub hi: u64,
}

/// The reader thread.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Vec<Sample>>,
}

impl Sampler {
    /// Starts reading every `pace`.
    pub fn start(clock: Instant, pace: Duration, counters: Arc<Counters>) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut out = Vec::new();
            while !flag.load(Ordering::SeqCst) {
                let lo = counters.lo.load(Ordering::SeqCst);
                let t0 = clock.elapsed().as_secs_f64();
                let text = std::fs::read_to_string(crate::guest::PROC).unwrap_or_default();
                let t1 = clock.elapsed().as_secs_f64();
                let hi = counters.hi.load(Ordering::SeqCst);
                out.push(Sample {
                    t0,
                    t1,
                    text,
                    lo,
                    hi,
                });
                std::thread::sleep(pace);
            }
            out
        });
        Sampler { stop, handle }
    }

    /// Stops the reader and returns its samples.
    pub fn finish(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().unwrap_or_default()
    }
}

/// A sample that parsed.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub t0: f64,
    pub t1: f64,
    pub snap: Snapshot,
}

/// The outcome of one check: pass or not, and the evidence.
#[derive(Debug, Clone, Default)]
pub struct Finding {
    pub failures: Vec<String>,
    pub failure_count: usize,
    pub notes: Vec<String>,
}

impl Finding {
    /// Records a failure (the first few with their evidence).
    pub fn fail(&mut self, msg: String) {
        self.failure_count += 1;
        if self.failures.len() < 3 {
            self.failures.push(msg);
        }
    }
    #[cfg(test)]
    pub fn ok(&self) -> bool {
        self.failure_count == 0
    }
}

/// The layout problems of one text against the profile (parse, canonical
/// layout byte for byte, counts consistent, floors/noun/letters of the
/// profile); empty when the text is right.
pub fn layout_problems(text: &str, p: &Profile) -> Vec<String> {
    let s = match parse(text) {
        Ok(s) => s,
        Err(e) => return vec![format!("does not parse: {e}")],
    };
    let mut out = Vec::new();
    let canonical = s.to_string();
    if canonical != text {
        out.push(format!(
            "not the course's exact layout; expected:\n{}",
            indent(&canonical)
        ));
    }
    for q in s.problems() {
        out.push(q.to_string());
    }
    for q in p.problems(&s) {
        use elevator_proc::profile::ProfileProblem as PP;
        if matches!(q, PP::Noun { .. } | PP::Floors { .. } | PP::Letter { .. }) {
            out.push(q.describe(p));
        }
    }
    out
}

/// Indents a text for a Markdown code block inside a list.
pub fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Timing the analyses use (seconds): the module's floor and stop times as
/// it was given them or shows them.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub floor: f64,
    pub load: f64,
}

fn multiset(r: &[Rider]) -> HashMap<Rider, i32> {
    let mut m = HashMap::new();
    for x in r {
        *m.entry(*x).or_insert(0) += 1;
    }
    m
}

/// `a - b` as multisets (what is in `a` and not in `b`).
fn minus(a: &HashMap<Rider, i32>, b: &HashMap<Rider, i32>) -> Vec<Rider> {
    let mut out = Vec::new();
    for (r, n) in a {
        for _ in 0..(n - b.get(r).copied().unwrap_or(0)).max(0) {
            out.push(*r);
        }
    }
    out.sort_by_key(|r| (r.kind, r.dest));
    out
}

/// Who got on and off if `after` lists the riders kept, in their order,
/// then the new ones: the longest head of `after` that is a subsequence of
/// `before` stayed aboard.
fn by_order(before: &[Rider], after: &[Rider]) -> (Vec<Rider>, Vec<Rider>) {
    let mut i = 0;
    let mut kept = 0;
    for r in after {
        match before[i..].iter().position(|x| x == r) {
            Some(p) => {
                i += p + 1;
                kept += 1;
            }
            None => break,
        }
    }
    let on = after[kept..].to_vec();
    let off = minus(&multiset(before), &multiset(&after[..kept]));
    (on, off)
}

fn queue(s: &Snapshot, f: u32) -> &[Rider] {
    s.floor(f).map_or(&[], |fl| fl.riders.as_slice())
}

fn show(s: &[Rider]) -> String {
    if s.is_empty() {
        return "nobody".into();
    }
    s.iter().map(Rider::to_string).collect::<Vec<_>>().join(" ")
}

fn brief(p: &Parsed) -> String {
    let s = &p.snap;
    let mut q = String::new();
    for f in &s.floors {
        if !f.riders.is_empty() {
            q.push_str(&format!(" {}:[{}]", f.number, show(&f.riders)));
        }
    }
    format!(
        "t={:.3}s {} floor {} aboard [{}] queues{} serviced {}",
        p.t0,
        s.state,
        s.current_floor,
        show(&s.aboard),
        if q.is_empty() { " empty".into() } else { q },
        s.number_serviced
    )
}

fn loading_at(p: &Parsed, f: u32) -> bool {
    p.snap.state == State::Loading && p.snap.current_floor == f
}

/// Whether a whole stop at floor `at` fits between two reads at most `span`
/// apart that show the car at floors `from` and `to`: the stop (LOADING
/// lasts a stop's time) and every move of the way from `from` to `at` to
/// `to` but the first and the last (which may have been under way at the
/// reads), at the floor-time check's 75 %. When it does not fit, nobody got
/// on or off at `at` between the reads in a stop the reads missed.
fn stop_fits(span: f64, from: u32, at: u32, to: u32, t: Timing) -> bool {
    let moves = from.abs_diff(at) + at.abs_diff(to);
    span >= 0.75 * (f64::from(moves.saturating_sub(2)) * t.floor + t.load)
}

/// Everything the stream shows, one finding per check.
#[derive(Debug, Default)]
pub struct StreamFindings {
    pub layout: Finding,
    pub limits: Finding,
    pub conservation: Finding,
    pub fifo: Finding,
    pub at_stop: Finding,
    pub unload: Finding,
    pub floor_time: Finding,
    pub latency: Finding,
    /// Measured floor and stop times (median seconds), when seen.
    pub measured_floor: Option<f64>,
    pub measured_load: Option<f64>,
    pub states: BTreeSet<String>,
    pub samples: usize,
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Some(v[v.len() / 2])
}

/// Parses the samples, checking each one's layout and limits and the count
/// (conservation); returns the samples that parsed.
pub fn per_snapshot(samples: &[Sample], p: &Profile, out: &mut StreamFindings) -> Vec<Parsed> {
    let mut parsed = Vec::new();
    for s in samples {
        if s.text.is_empty() {
            continue;
        }
        out.samples += 1;
        let lp = layout_problems(&s.text, p);
        if !lp.is_empty() {
            out.layout.fail(format!(
                "snapshot at t={:.3}s: {}:\n{}",
                s.t0,
                lp.join("; "),
                indent(&s.text)
            ));
        }
        let Ok(snap) = parse(&s.text) else { continue };
        out.states.insert(snap.state.to_string());
        for q in p.problems(&snap) {
            use elevator_proc::profile::ProfileProblem as PP;
            if matches!(
                q,
                PP::Load { .. } | PP::Overweight { .. } | PP::Crowded { .. }
            ) {
                out.limits.fail(format!(
                    "snapshot at t={:.3}s: {}:\n{}",
                    s.t0,
                    q.describe(p),
                    indent(&s.text)
                ));
            }
        }
        let total = snap.issued();
        if total < s.lo || total > s.hi {
            out.conservation.fail(format!(
                "snapshot at t={:.3}s: waiting {} + aboard {} + serviced {} = {}, but {} issued{}:\n{}",
                s.t0,
                snap.number_waiting,
                snap.number_aboard,
                snap.number_serviced,
                total,
                s.lo,
                if s.hi > s.lo { format!(" (up to {} in flight)", s.hi) } else { String::new() },
                indent(&s.text)
            ));
        }
        parsed.push(Parsed {
            t0: s.t0,
            t1: s.t1,
            snap,
        });
    }
    parsed
}

/// The pairwise rules over consecutive snapshots: FIFO boarding, boarding at
/// a stop, getting off at the destination, move times, read latency.
pub fn pairwise(parsed: &[Parsed], issued: &[Issued], t: Timing, out: &mut StreamFindings) {
    // Two reads closer than this cannot have a whole stop between them.
    let tight = 0.5 * t.load.min(t.floor);
    let (mut unverified_board, mut unverified_off) = (0, 0);
    let (mut boardings, mut offs) = (0, 0);
    let mut changes: Vec<(usize, usize)> = Vec::new();
    for (i, w) in parsed.windows(2).enumerate() {
        let (a, b) = (&w[0], &w[1]);
        // Each read shows one instant of its own duration: between the two
        // instants at most `span` passed.
        let span = b.t1 - a.t0;
        let close = span < tight;
        let ma = multiset(&a.snap.aboard);
        let mb = multiset(&b.snap.aboard);
        let mut boarded = minus(&mb, &ma);
        let mut got_off = minus(&ma, &mb);
        // Who left each floor's queue: the shortest head whose removal
        // leaves a prefix of the new queue (arrivals join at the tail).
        let mut left: Vec<(u32, Vec<Rider>)> = Vec::new();
        for fl in &a.snap.floors {
            let qa = queue(&a.snap, fl.number);
            let qb = queue(&b.snap, fl.number);
            let k = (0..=qa.len())
                .find(|&k| qb.starts_with(&qa[k..]))
                .unwrap_or(qa.len());
            if k > 0 {
                left.push((fl.number, qa[..k].to_vec()));
            }
        }
        let left_all: Vec<Rider> = left.iter().flat_map(|(_, r)| r.iter().copied()).collect();
        let ml = multiset(&left_all);
        // Riders of the same type and destination cannot be told apart by
        // counting (one gets off, a twin gets on): when the car lists its
        // riders in boarding order and that order explains who left the
        // queues, read who got on and off from it.
        let (ord_on, ord_off) = by_order(&a.snap.aboard, &b.snap.aboard);
        if multiset(&ord_on) == ml {
            boarded = ord_on;
            got_off = ord_off;
        }
        // FIFO: everyone who left a queue is aboard now (or, across a long
        // gap, may have got off again).
        let mboarded = multiset(&boarded);
        let lost = minus(&ml, &mboarded);
        let extra = minus(&mboarded, &ml);
        if !left_all.is_empty() || !boarded.is_empty() {
            boardings += 1;
        }
        if !lost.is_empty() {
            if close {
                out.fifo.fail(format!(
                    "the queue lost {} but {} boarded (head of line first, in queue order):\n      before: {}\n      after:  {}",
                    show(&lost),
                    show(&boarded),
                    brief(a),
                    brief(b)
                ));
            } else {
                unverified_board += 1;
            }
        }
        // Riders aboard who left no queue: arrivals that boarded between the
        // two reads, or riders from nowhere.
        for r in &extra {
            let arrived = issued.iter().any(|q| {
                q.ret == 0
                    && q.t1 >= a.t0
                    && q.t0 <= b.t1
                    && q.dest == r.dest as i32
                    && (q.start as u32 == a.snap.current_floor
                        || q.start as u32 == b.snap.current_floor)
            });
            if !arrived && close {
                out.fifo.fail(format!(
                    "{r} is aboard but left no queue's head:\n      before: {}\n      after:  {}",
                    brief(a),
                    brief(b)
                ));
            }
        }
        // Boarding only at a stop on that floor.
        for (f, riders) in &left {
            if loading_at(a, *f) || loading_at(b, *f) {
                continue;
            }
            if !stop_fits(span, a.snap.current_floor, *f, b.snap.current_floor, t) {
                out.at_stop.fail(format!(
                    "{} left floor {f}'s queue with no LOADING stop at floor {f}:\n      before: {}\n      after:  {}",
                    show(riders),
                    brief(a),
                    brief(b)
                ));
            } else {
                unverified_board += 1;
            }
        }
        if !extra.is_empty()
            && close
            && a.snap.state != State::Loading
            && b.snap.state != State::Loading
        {
            out.at_stop.fail(format!(
                "{} got on with no LOADING stop:\n      before: {}\n      after:  {}",
                show(&extra),
                brief(a),
                brief(b)
            ));
        }
        // Getting off only at the destination.
        for r in &got_off {
            offs += 1;
            if r.dest == a.snap.current_floor || r.dest == b.snap.current_floor {
                continue;
            }
            // The car may have stopped at the rider's floor between the
            // reads (on its way, or on a detour there and back) if the stop
            // fits.
            if !stop_fits(span, a.snap.current_floor, r.dest, b.snap.current_floor, t) {
                out.unload.fail(format!(
                    "{r} got off away from floor {}:\n      before: {}\n      after:  {}",
                    r.dest,
                    brief(a),
                    brief(b)
                ));
            } else {
                unverified_off += 1;
            }
        }
        // Floor changes, for the move times.
        if a.snap.current_floor != b.snap.current_floor {
            let d = a.snap.current_floor.abs_diff(b.snap.current_floor);
            // d floors are d moves, of which d - 1 fit between the reads.
            if d > 1 && span < 0.75 * (d - 1) as f64 * t.floor {
                out.floor_time.fail(format!(
                    "the car went {d} floors in {:.3} s:\n      before: {}\n      after:  {}",
                    b.t1 - a.t0,
                    brief(a),
                    brief(b)
                ));
            }
            changes.push((i, i + 1));
        }
    }
    out.fifo.notes.push(format!(
        "{boardings} snapshot pairs with riders leaving a queue or boarding; {unverified_board} too far apart to judge"
    ));
    out.at_stop.notes.push(out.fifo.notes[0].clone());
    out.unload.notes.push(format!(
        "{offs} riders seen getting off; {unverified_off} too far apart to judge"
    ));
    move_times(parsed, &changes, t, out);
    stop_times(parsed, out);
    latency(parsed, t, out);
}

/// Intervals between consecutive floor changes: each at least one move.
fn move_times(parsed: &[Parsed], changes: &[(usize, usize)], t: Timing, out: &mut StreamFindings) {
    let min_move = 0.75 * t.floor;
    let mut pure = Vec::new();
    let mut all = Vec::new();
    for w in changes.windows(2) {
        let ((a1, b1), (a2, b2)) = (w[0], w[1]);
        let (a1, b1, a2, b2) = (&parsed[a1], &parsed[b1], &parsed[a2], &parsed[b2]);
        let longest = b2.t1 - a1.t0;
        let estimate = (a2.t1 + b2.t0) / 2.0 - (a1.t1 + b1.t0) / 2.0;
        all.push(estimate);
        if longest < min_move {
            out.floor_time.fail(format!(
                "two floor changes {:.3} s apart at most, under 0.75 x {:.3} s:\n      {} -> {}\n      {} -> {}",
                longest,
                t.floor,
                brief(a1),
                brief(b1),
                brief(a2),
                brief(b2)
            ));
        }
        // A move with no stop or idle time in it: the same direction, no
        // LOADING or IDLE snapshot between the two changes.
        let s1 = w[0].1;
        let s2 = w[1].0;
        let between = &parsed[s1..=s2];
        if between
            .iter()
            .all(|p| matches!(p.snap.state, State::Up | State::Down))
            && b1.snap.current_floor as i64 - a1.snap.current_floor as i64
                == b2.snap.current_floor as i64 - a2.snap.current_floor as i64
        {
            pure.push(estimate);
        }
    }
    if changes.len() < 3 {
        out.floor_time.fail(format!(
            "only {} floor changes seen: too few moves to time",
            changes.len()
        ));
    }
    let n_pure = pure.len();
    out.measured_floor = median(&mut pure);
    let min_all = all.iter().copied().fold(f64::INFINITY, f64::min);
    out.floor_time.notes.push(format!(
        "{} floor changes; between two changes with no stop: median {} ({} moves); shortest between any two: {}; required at least 0.75 x {:.3} s = {:.3} s",
        changes.len(),
        out.measured_floor.map_or("-".into(), |m| format!("{m:.3} s")),
        n_pure,
        if min_all.is_finite() { format!("{min_all:.3} s") } else { "-".into() },
        t.floor,
        min_move
    ));
}

/// Durations of the LOADING stops seen (first to last snapshot of a run at
/// one floor, plus half the reads around it).
fn stop_times(parsed: &[Parsed], out: &mut StreamFindings) {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < parsed.len() {
        if parsed[i].snap.state != State::Loading || i == 0 {
            i += 1;
            continue;
        }
        let f = parsed[i].snap.current_floor;
        let begin = (parsed[i - 1].t1 + parsed[i].t0) / 2.0;
        let mut j = i;
        while j < parsed.len() && loading_at(&parsed[j], f) {
            j += 1;
        }
        if j < parsed.len() {
            let end = (parsed[j - 1].t1 + parsed[j].t0) / 2.0;
            runs.push(end - begin);
        }
        i = j;
    }
    out.measured_load = median(&mut runs);
}

/// Read latency across the car's moves. A read that returns a floor change
/// spanned the end of a move: with a lock held across the move's sleep it
/// waited for the move (most such reads are slow); without, it is as fast as
/// any other read. A loaded host slows every read alike, so the reads
/// across a floor change are compared with all the others.
fn latency(parsed: &[Parsed], t: Timing, out: &mut StreamFindings) {
    let slow_at = (0.5 * t.floor).max(0.05);
    let mut across: Vec<f64> = Vec::new();
    let mut other: Vec<f64> = Vec::new();
    let mut moving = 0;
    let mut worst: Option<&Parsed> = None;
    for w in parsed.windows(2) {
        let l = w[1].t1 - w[1].t0;
        if matches!(w[0].snap.state, State::Up | State::Down) {
            moving += 1;
        }
        if w[0].snap.current_floor != w[1].snap.current_floor {
            across.push(l);
            if worst.is_none_or(|x| x.t1 - x.t0 < l) {
                worst = Some(&w[1]);
            }
        } else {
            other.push(l);
        }
    }
    let slow = across.iter().filter(|&&l| l >= slow_at).count();
    let slow_other = other.iter().filter(|&&l| l >= slow_at).count();
    let n = across.len();
    let frac = slow as f64 / n.max(1) as f64;
    let frac_other = slow_other as f64 / other.len().max(1) as f64;
    let max = across.iter().copied().fold(0.0, f64::max);
    let mut sorted = across.clone();
    let p50 = median(&mut sorted).unwrap_or(0.0);
    out.latency.notes.push(format!(
        "{n} reads across the end of a move: median {:.1} ms, max {:.1} ms, {slow} ({:.0}%) took {:.0} ms or more, against {slow_other} of {} other reads ({:.0}%); {moving} reads began while moving",
        p50 * 1e3,
        max * 1e3,
        frac * 100.0,
        slow_at * 1e3,
        other.len(),
        frac_other * 100.0
    ));
    if n < 3 {
        out.latency
            .fail(format!("only {n} reads across a move: too few to judge"));
    } else if slow >= 3 && frac >= 0.4 && frac >= 2.0 * frac_other + 0.1 {
        out.latency.fail(format!(
            "{slow} of {n} reads that returned a floor change ({:.0}%, against {:.0}% of the other reads) waited {:.0} ms or more: a lock held across the move's sleep; slowest {:.1} ms, ending at {}",
            frac * 100.0,
            frac_other * 100.0,
            slow_at * 1e3,
            max * 1e3,
            worst.map_or(String::new(), brief)
        ));
    }
}

/// The stop: from the first snapshot read after `stop_elevator` returned,
/// nobody boards, the riders aboard are delivered, then OFFLINE.
pub fn drain(parsed: &[Parsed], stop_returned: f64, out: &mut Finding) -> Option<f64> {
    let after: Vec<&Parsed> = parsed.iter().filter(|p| p.t0 >= stop_returned).collect();
    let Some(base) = after.first() else {
        out.fail("no snapshot after the stop".into());
        return None;
    };
    for w in after.windows(2) {
        let (a, b) = (w[0], w[1]);
        if b.snap.number_waiting < a.snap.number_waiting
            || b.snap.number_aboard > a.snap.number_aboard
        {
            out.fail(format!(
                "boarding after stop_elevator returned:\n      before: {}\n      after:  {}",
                brief(a),
                brief(b)
            ));
        }
    }
    let offline = after.iter().find(|p| p.snap.state == State::Offline);
    match offline {
        None => {
            let last = after.last().unwrap_or(base);
            out.fail(format!(
                "not OFFLINE {:.1} s after the stop; last snapshot: {}",
                last.t1 - stop_returned,
                brief(last)
            ));
            None
        }
        Some(off) => {
            let (s0, s1) = (&base.snap, &off.snap);
            if s1.number_aboard != 0
                || s1.number_serviced != s0.number_serviced + u64::from(s0.number_aboard)
                || s1.number_waiting != s0.number_waiting
            {
                out.fail(format!(
                    "OFFLINE without delivering exactly the riders aboard at the stop:\n      at the stop: {}\n      OFFLINE:     {}",
                    brief(base),
                    brief(off)
                ));
            }
            out.notes.push(format!(
                "stop with {} aboard and {} waiting: OFFLINE {:.2} s later, {} delivered, {} still waiting",
                s0.number_aboard,
                s0.number_waiting,
                off.t0 - stop_returned,
                s1.number_serviced.saturating_sub(s0.number_serviced),
                s1.number_waiting
            ));
            Some(off.t0 - stop_returned)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(
        state: &str,
        floor: u32,
        aboard: &str,
        queues: &[(u32, &str)],
        serviced: u64,
    ) -> String {
        let aboard_r: Vec<&str> = aboard.split_whitespace().collect();
        let mut s = format!(
            "Elevator state: {state}\nCurrent floor: {floor}\nCurrent load: {} lbs\nElevator status:{}\n\n",
            aboard_r
                .iter()
                .map(|r| match &r[..1] {
                    "C" => 3,
                    "P" => 14,
                    "H" => 10,
                    _ => 16,
                })
                .sum::<u32>(),
            aboard_r.iter().map(|r| format!(" {r}")).collect::<String>()
        );
        let mut waiting = 0;
        for f in (1..=5).rev() {
            let q: Vec<&str> = queues
                .iter()
                .find(|(n, _)| *n == f)
                .map_or(vec![], |(_, q)| q.split_whitespace().collect());
            waiting += q.len();
            s.push_str(&format!(
                "[{}] Floor {f}: {}{}\n",
                if f == floor { '*' } else { ' ' },
                q.len(),
                q.iter().map(|r| format!(" {r}")).collect::<String>()
            ));
        }
        s.push_str(&format!(
            "\nNumber of pets: {}\nNumber of pets waiting: {waiting}\nNumber of pets serviced: {serviced}\n",
            aboard_r.len()
        ));
        s
    }

    fn sample(t: f64, text: String, issued: u64) -> Sample {
        Sample {
            t0: t,
            t1: t + 0.001,
            text,
            lo: issued,
            hi: issued,
        }
    }

    const T: Timing = Timing {
        floor: 0.2,
        load: 0.1,
    };

    fn run(samples: &[Sample]) -> StreamFindings {
        let mut f = StreamFindings::default();
        let p = elevator_proc::profile::PETS;
        let parsed = per_snapshot(samples, &p, &mut f);
        pairwise(&parsed, &[], T, &mut f);
        f
    }

    #[test]
    fn fifo_boarding_passes_and_lifo_fails() {
        let before = text("UP", 1, "", &[(2, "C3 D5 P4")], 0);
        let fifo = text("LOADING", 2, "C3 D5", &[(2, "P4")], 0);
        let lifo = text("LOADING", 2, "P4 D5", &[(2, "C3")], 0);
        let f = run(&[sample(0.0, before.clone(), 3), sample(0.01, fifo, 3)]);
        assert!(
            f.fifo.ok() && f.at_stop.ok() && f.conservation.ok(),
            "{f:?}"
        );
        let f = run(&[sample(0.0, before, 3), sample(0.01, lifo, 3)]);
        assert!(!f.fifo.ok(), "{f:?}");
    }

    #[test]
    fn a_twin_boarding_does_not_hide_a_wrong_exit() {
        // H5 gets off at floor 4 while another H5 boards there.
        let before = text("UP", 3, "H5 P1 D4", &[(4, "P2 H5")], 0);
        let after = text("LOADING", 4, "P1 P2 H5", &[], 2);
        let f = run(&[sample(0.0, before, 5), sample(0.01, after, 5)]);
        assert!(f.fifo.ok(), "{f:?}");
        assert!(!f.unload.ok(), "{f:?}");
    }

    #[test]
    fn boarding_while_moving_fails() {
        let before = text("UP", 1, "", &[(2, "C3")], 0);
        let after = text("UP", 2, "C3", &[], 0);
        let f = run(&[sample(0.0, before, 1), sample(0.01, after, 1)]);
        assert!(!f.at_stop.ok(), "{f:?}");
        assert!(f.fifo.ok(), "{f:?}");
    }

    #[test]
    fn boarding_without_a_stop_is_unverifiable_only_when_a_stop_fits() {
        // C3 left floor 2's queue while the car went from floor 1 to floor 2,
        // moving up at both reads: a stop at 2 between them takes a whole
        // stop (at 75 %: 75 ms here).
        let before = text("UP", 1, "", &[(2, "C3")], 0);
        let after = text("UP", 2, "C3", &[], 0);
        let f = run(&[
            sample(0.0, before.clone(), 1),
            sample(0.06, after.clone(), 1),
        ]);
        assert!(!f.at_stop.ok(), "{f:?}");
        let f = run(&[sample(0.0, before, 1), sample(0.09, after, 1)]);
        assert!(f.at_stop.ok(), "{f:?}");
        assert!(f.at_stop.notes[0].contains("1 too far apart"), "{f:?}");
        // From floor 1 to floor 3, boarding at 5: a stop there and the 6
        // moves of the detour but two, 0.75 x (4 x 0.2 + 0.1) = 0.675 s.
        let before = text("UP", 1, "", &[(5, "C3")], 0);
        let after = text("UP", 3, "C3", &[], 0);
        let f = run(&[
            sample(0.0, before.clone(), 1),
            sample(0.6, after.clone(), 1),
        ]);
        assert!(!f.at_stop.ok(), "{f:?}");
        let f = run(&[sample(0.0, before, 1), sample(0.7, after, 1)]);
        assert!(f.at_stop.ok(), "{f:?}");
    }

    #[test]
    fn getting_off_elsewhere_fails_and_conservation_counts() {
        let before = text("UP", 3, "C5", &[], 0);
        let after = text("LOADING", 4, "", &[], 1);
        let f = run(&[sample(0.0, before, 1), sample(0.01, after, 1)]);
        assert!(!f.unload.ok(), "{f:?}");
        let lost = text("LOADING", 4, "", &[], 0);
        let f = run(&[sample(0.0, lost, 1)]);
        assert!(!f.conservation.ok(), "{f:?}");
    }

    #[test]
    fn getting_off_on_a_detour_is_unverifiable_only_when_it_fits() {
        // H4 is gone between two reads at floor 3: the car went to 4 and came
        // back, which takes a stop at 4 (at 75 %: 75 ms here).
        let before = text("UP", 3, "H4", &[], 0);
        let after = text("DOWN", 3, "", &[], 1);
        let f = run(&[
            sample(0.0, before.clone(), 1),
            sample(0.5, after.clone(), 1),
        ]);
        assert!(f.unload.ok(), "{f:?}");
        assert!(f.unload.notes[0].contains("1 too far apart"), "{f:?}");
        // 60 ms apart: too short for the detour, and not close (50 ms).
        let f = run(&[sample(0.0, before, 1), sample(0.06, after, 1)]);
        assert!(!f.unload.ok(), "{f:?}");
        // A rider for floor 1 gone between reads at floors 3 and 4: a
        // detour of 2 + 3 moves, 3 of them whole, and a stop at floor 1:
        // 0.75 x (3 x 0.2 + 0.1) = 0.525 s.
        let before = text("UP", 3, "C1", &[], 0);
        let after = text("UP", 4, "", &[], 1);
        let f = run(&[
            sample(0.0, before.clone(), 1),
            sample(0.4, after.clone(), 1),
        ]);
        assert!(!f.unload.ok(), "{f:?}");
        let f = run(&[sample(0.0, before, 1), sample(0.6, after, 1)]);
        assert!(f.unload.ok(), "{f:?}");
    }

    #[test]
    fn fast_moves_fail() {
        let s: Vec<Sample> = (0..6)
            .map(|i| sample(i as f64 * 0.05, text("UP", 1 + i / 2, "", &[], 0), 0))
            .collect();
        let f = run(&s);
        assert!(!f.floor_time.ok(), "{f:?}");
        let s: Vec<Sample> = (0..40)
            .map(|i| {
                sample(
                    i as f64 * 0.05,
                    text("UP", 1 + (i / 4).min(4), "", &[], 0),
                    0,
                )
            })
            .collect();
        let f = run(&s);
        assert!(f.floor_time.ok(), "{f:?}");
        assert!((f.measured_floor.unwrap() - 0.2).abs() < 0.02, "{f:?}");
    }

    #[test]
    fn reads_blocked_by_moves_fail_latency() {
        // Floor changes every 0.25 s; reads 10 ms apart, fast ones 1 ms.
        let mk = |blocked: bool| -> Vec<Sample> {
            let mut v = Vec::new();
            let mut t = 0.0;
            while t < 3.0 {
                let floor = 1 + ((t / 0.25) as u32 % 4);
                let mut s = sample(t, text("UP", floor, "", &[], 0), 0);
                let next_change = ((t / 0.25).floor() + 1.0) * 0.25;
                if blocked && floor != 1 + (((t - 0.01) / 0.25) as u32 % 4) {
                    s.t0 = t - 0.12;
                }
                s.t1 = if blocked && next_change - t < 0.01 {
                    next_change
                } else {
                    t + 0.001
                };
                v.push(s);
                t += 0.01;
            }
            v
        };
        let f = run(&mk(false));
        assert!(f.latency.failure_count == 0, "{:?}", f.latency);
        let f = run(&mk(true));
        assert!(f.latency.failure_count > 0, "{:?}", f.latency);
    }

    #[test]
    fn boarding_after_stop_fails_drain() {
        let p = elevator_proc::profile::PETS;
        let mut f = StreamFindings::default();
        let s = [
            sample(1.0, text("LOADING", 2, "", &[(2, "C3 D5")], 0), 2),
            sample(1.1, text("LOADING", 2, "C3", &[(2, "D5")], 0), 2),
            sample(1.5, text("LOADING", 3, "", &[(2, "D5")], 1), 2),
            sample(1.6, text("OFFLINE", 3, "", &[(2, "D5")], 1), 2),
        ];
        let parsed = per_snapshot(&s, &p, &mut f);
        let mut d = Finding::default();
        drain(&parsed, 0.9, &mut d);
        assert!(!d.ok(), "{d:?}");
        let mut d = Finding::default();
        drain(&parsed, 1.05, &mut d);
        assert!(d.ok(), "{d:?}");
    }
}

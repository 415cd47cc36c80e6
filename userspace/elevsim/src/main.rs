// SPDX-License-Identifier: GPL-2.0

//! `elevsim`: compares the elevator's scheduling policies in virtual time.
//!
//! Runs the kernel module's own logic on seeded workloads for every profile
//! and policy, and prints a Markdown report: riders delivered in 180 s (the
//! course's extra-credit measure) against an upper bound, waits and trip
//! times. `--table FILE` also writes the report to FILE (absolute, or relative
//! to the current directory). See the library documentation for the method.

use clap::Parser;
use elevator_logic::{PolicyKind, Profile, Timing, PROFILES};
use elevsim::offline::plan_seeds;
use elevsim::{
    percentile_s, summarize, Interval, PerRun, Summary, Workload, HELD_OUT_SEEDS, HORIZON_MS,
    TUNING_SEEDS,
};
use std::fmt::Write as _;
use std::process::ExitCode;

/// Compare the elevator's scheduling policies in virtual time.
#[derive(Parser, Debug)]
#[command(name = "elevsim", version)]
struct Args {
    /// Write the Markdown report to this file as well as printing it.
    #[arg(long, value_name = "FILE")]
    table: Option<std::path::PathBuf>,
    /// Seeds per workload (runs FIRST_SEED..FIRST_SEED+SEEDS); default the
    /// held-out block.
    #[arg(long, default_value_t = HELD_OUT_SEEDS.end - HELD_OUT_SEEDS.start)]
    seeds: u64,
    /// First seed.
    #[arg(long, default_value_t = HELD_OUT_SEEDS.start)]
    first_seed: u64,
    /// Run the tuning seeds instead (0..200), for tuning.
    #[arg(long)]
    tuning: bool,
    /// Only these profiles (pets, dorm, office); default all.
    #[arg(long = "profile", value_name = "NAME")]
    profiles: Vec<String>,
    /// Only these workloads (bursts, steady-8s, steady-4s, saturated); default all.
    #[arg(long = "workload", value_name = "NAME")]
    workloads: Vec<String>,
    /// Only these policies (rate, look, scan, fifo, nearest); default all.
    #[arg(long = "policy", value_name = "NAME")]
    policies: Vec<String>,
    /// Milliseconds per floor.
    #[arg(long, default_value_t = Timing::COURSE.floor_ms)]
    floor_ms: u32,
    /// Milliseconds per stop.
    #[arg(long, default_value_t = Timing::COURSE.load_ms)]
    load_ms: u32,
    /// Print only the summary (one line per workload), for tuning.
    #[arg(long)]
    brief: bool,
    /// Seeds (the first of the block) the offline planner runs on; 0: none.
    #[arg(long, default_value_t = 100)]
    offline_seeds: u64,
    /// Skip the cost-of-a-step measurement.
    #[arg(long)]
    no_cost: bool,
    /// The offline planner's beam width (it also runs with twice this).
    #[arg(long, default_value_t = 64)]
    offline_width: usize,
}

fn pick<T: Copy>(
    names: &[String],
    all: &[T],
    find: impl Fn(&str) -> Option<T>,
    what: &str,
) -> Result<Vec<T>, String> {
    if names.is_empty() {
        return Ok(all.to_vec());
    }
    names
        .iter()
        .map(|n| find(n).ok_or_else(|| format!("unknown {what} `{n}`")))
        .collect()
}

struct Row {
    workload: Workload,
    profile: &'static Profile,
    results: Vec<(PolicyKind, Summary)>,
    offline: Option<Offline>,
}

/// The offline planner's results on the first seeds of a row.
struct Offline {
    width: usize,
    /// Delivered per seed with beam width `width`.
    base: Vec<f64>,
    /// Delivered per seed with beam width `2 × width`.
    doubled: Vec<f64>,
    /// Rate's delivered on the same seeds.
    rate: Vec<f64>,
    /// Busy rows: delivered within the window by the `2 × width` plan that
    /// delivers most by [`BLIND_HORIZON_MS`] (the planner not told when
    /// counting stops).
    blind: Option<Vec<f64>>,
    /// Seconds of planning per run with `2 × width`.
    secs_per_run: f64,
    /// Dorm bursts: each minute from rate's own state, the future hidden
    /// ([`elevsim::offline::stretch`] with `2 × width`).
    minutes: Option<Vec<(u64, u64, Vec<elevsim::offline::Stretch>)>>,
    /// Dorm bursts: rate, then the planner used online told and not told
    /// when counting stops ([`elevsim::offline::online`] with `width`),
    /// deliveries per minute per seed.
    online: Option<[Vec<Vec<u64>>; 3]>,
}

impl Offline {
    fn mean(v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / v.len().max(1) as f64
    }

    /// The yardstick: the wider beam.
    fn best(&self) -> f64 {
        Self::mean(&self.doubled)
    }

    /// Rate's share of the yardstick (ratio of the means).
    fn fraction(&self) -> f64 {
        Self::mean(&self.rate) / self.best().max(1e-9)
    }

    /// `rate − 0.95 × offline` per seed.
    fn margin_95(&self) -> Interval {
        let o: Vec<f64> = self.doubled.iter().map(|x| 0.95 * x).collect();
        elevsim::paired(&self.rate, &o)
    }

    fn convergence(&self) -> Interval {
        elevsim::paired(&self.doubled, &self.base)
    }
}

/// How far the window-blind offline planner plans (it knows the requests,
/// not that counting stops at 180 s).
const BLIND_HORIZON_MS: u64 = 240_000;

/// The rows the issue calls busy: where the policy's choices matter most.
fn busy(w: Workload, p: &Profile) -> bool {
    matches!(w, Workload::Saturated | Workload::Steady4)
        || (w == Workload::Bursts && p.name == "dorm")
}

fn main() -> ExitCode {
    let args = Args::parse();
    let parsed = (|| {
        let profiles = pick(
            &args.profiles,
            &PROFILES,
            |n| Profile::by_name(n.as_bytes()),
            "profile",
        )?;
        let workloads = pick(
            &args.workloads,
            &Workload::ALL,
            Workload::by_name,
            "workload",
        )?;
        let policies = pick(
            &args.policies,
            &PolicyKind::ALL,
            |n| PolicyKind::by_name(n.as_bytes()),
            "policy",
        )?;
        let timing = Timing::new(args.floor_ms, args.load_ms)
            .ok_or_else(|| format!("times must be 1..={} ms", Timing::MAX_MS))?;
        if args.seeds == 0 {
            return Err("--seeds must be at least 1".to_string());
        }
        Ok((profiles, workloads, policies, timing))
    })();
    let (profiles, workloads, policies, timing) = match parsed {
        Ok(p) => p,
        Err(e) => {
            eprintln!("elevsim: {e}");
            return ExitCode::from(2);
        }
    };
    let seeds = if args.tuning {
        TUNING_SEEDS
    } else {
        args.first_seed..args.first_seed + args.seeds
    };
    let mut rows = Vec::new();
    for &workload in &workloads {
        for &profile in &profiles {
            let results = policies
                .iter()
                .map(|&p| (p, summarize(profile, timing, p, workload, seeds.clone())))
                .collect();
            let offline = (args.offline_seeds > 0 && !args.brief).then(|| {
                let n = args.offline_seeds.min(seeds.end - seeds.start);
                let first = seeds.start..seeds.start + n;
                let delivered = |plans: Vec<elevsim::offline::Plan>| {
                    plans.iter().map(|p| p.delivered as f64).collect::<Vec<_>>()
                };
                let w = args.offline_width;
                let base = delivered(plan_seeds(profile, timing, workload, first.clone(), w));
                let t0 = std::time::Instant::now();
                let doubled =
                    delivered(plan_seeds(profile, timing, workload, first.clone(), 2 * w));
                let secs_per_run = t0.elapsed().as_secs_f64() / n as f64;
                let blind = busy(workload, profile).then(|| {
                    elevsim::offline::plan_seeds_beyond(
                        profile,
                        timing,
                        workload,
                        first.clone(),
                        2 * w,
                        BLIND_HORIZON_MS,
                    )
                    .iter()
                    .map(|p| p.in_window as f64)
                    .collect()
                });
                let rate = first
                    .clone()
                    .map(|seed| {
                        let reqs = workload.requests(profile, seed);
                        elevsim::run(profile, timing, PolicyKind::Rate, &reqs, HORIZON_MS).delivered
                            as f64
                    })
                    .collect();
                let minutes = (workload == Workload::Bursts && profile.name == "dorm").then(|| {
                    [(0, 60_000), (60_000, 120_000), (120_000, HORIZON_MS)]
                        .into_iter()
                        .map(|(from, to)| {
                            let s = elevsim::offline::stretch_seeds(
                                profile,
                                timing,
                                PolicyKind::Rate,
                                workload,
                                first.clone(),
                                from,
                                to,
                                2 * w,
                            );
                            (from, to, s)
                        })
                        .collect()
                });
                let online = (workload == Workload::Bursts && profile.name == "dorm").then(|| {
                    use elevsim::offline::{online_seeds, Driver};
                    let run = |d| online_seeds(profile, timing, workload, first.clone(), d);
                    [
                        run(Driver::Policy(PolicyKind::Rate)),
                        run(Driver::Planner {
                            width: w,
                            told: true,
                        }),
                        run(Driver::Planner {
                            width: w,
                            told: false,
                        }),
                    ]
                });
                Offline {
                    width: w,
                    base,
                    doubled,
                    rate,
                    blind,
                    secs_per_run,
                    minutes,
                    online,
                }
            });
            rows.push(Row {
                workload,
                profile,
                results,
                offline,
            });
        }
    }
    let mut report = if args.brief {
        brief(&rows)
    } else {
        report(&rows, &policies, timing, seeds)
    };
    if !args.brief && !args.no_cost {
        cost_table(&mut report, &policies);
    }
    print!("{report}");
    if let Some(path) = &args.table {
        if let Err(e) = std::fs::write(path, &report) {
            eprintln!("elevsim: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

impl Row {
    fn get(&self, k: PolicyKind) -> Option<&Summary> {
        self.results.iter().find(|(p, _)| *p == k).map(|(_, s)| s)
    }

    /// The baseline (any policy but rate) that delivers most.
    fn best_baseline(&self) -> Option<(PolicyKind, &Summary)> {
        self.results
            .iter()
            .filter(|(p, _)| *p != PolicyKind::Rate)
            .max_by(|a, b| a.1.delivered.cmp(&b.1.delivered))
            .map(|(p, s)| (*p, s))
    }

    /// Rate's `metric` minus `k`'s, paired by seed.
    fn rate_minus(&self, k: PolicyKind, metric: fn(&PerRun) -> f64) -> Option<Interval> {
        Some(self.get(PolicyKind::Rate)?.minus(self.get(k)?, metric))
    }
}

fn delivered(r: &PerRun) -> f64 {
    r.delivered
}

fn wait_all(r: &PerRun) -> f64 {
    r.wait_all
}

fn wait(r: &PerRun) -> f64 {
    r.wait
}

/// An interval in a table cell: bold when it excludes zero in rate's
/// favour, italic when it excludes zero against rate.
fn cell(i: Interval, rate_ahead_when_positive: bool, prec: usize) -> String {
    let text = format!("{i:.prec$}");
    let (good, bad) = if rate_ahead_when_positive {
        (i.above_zero(), i.below_zero())
    } else {
        (i.below_zero(), i.above_zero())
    };
    if good {
        format!("**{text}**")
    } else if bad {
        format!("*{text}*")
    } else {
        text
    }
}

fn brief(rows: &[Row]) -> String {
    let mut o = String::new();
    for row in rows {
        let _ = write!(o, "{:<10} {:<7}", row.workload.name(), row.profile.name);
        for (p, s) in &row.results {
            let _ = write!(
                o,
                " {}={:.2}/{:.2}s/{:.2}",
                p.name(),
                s.delivered_per_run(),
                s.mean_wait(),
                s.mean_wait_all()
            );
        }
        o.push('\n');
        for (p, _) in row.results.iter().filter(|(p, _)| *p != PolicyKind::Rate) {
            if let (Some(d), Some(w)) =
                (row.rate_minus(*p, delivered), row.rate_minus(*p, wait_all))
            {
                let _ = writeln!(
                    o,
                    "    rate − {:<8} delivered {d:.3}  wait (all) {w:.3} s",
                    p.name()
                );
            }
        }
    }
    o
}

/// One row per workload and profile, one column per policy, of a mean wait;
/// the best in bold, and LOOK's minus rate's with its interval.
fn wait_table(
    o: &mut String,
    rows: &[Row],
    policies: &[PolicyKind],
    metric: fn(&Summary) -> f64,
    per_run: fn(&PerRun) -> f64,
) {
    let _ = write!(o, "| workload | profile |");
    for p in policies {
        let _ = write!(o, " {} |", p.name());
    }
    let _ = writeln!(o, " rate − look [95 % CI] |");
    let _ = write!(o, "|---|---|");
    for _ in policies {
        let _ = write!(o, "---:|");
    }
    let _ = writeln!(o, "---:|");
    for row in rows {
        let _ = write!(o, "| {} | {} |", row.workload.name(), row.profile.name);
        let best = row
            .results
            .iter()
            .map(|(_, s)| metric(s))
            .fold(f64::INFINITY, f64::min);
        for (_, s) in &row.results {
            if metric(s) == best {
                let _ = write!(o, " **{:.1}** |", metric(s));
            } else {
                let _ = write!(o, " {:.1} |", metric(s));
            }
        }
        match row.rate_minus(PolicyKind::Look, per_run) {
            Some(i) => {
                let _ = writeln!(o, " {} |", cell(i, false, 2));
            }
            None => {
                let _ = writeln!(o, " – |");
            }
        }
    }
}

/// Rate minus every baseline on every row, with intervals.
fn difference_table(
    o: &mut String,
    rows: &[Row],
    policies: &[PolicyKind],
    per_run: fn(&PerRun) -> f64,
    rate_ahead_when_positive: bool,
) {
    let others: Vec<PolicyKind> = policies
        .iter()
        .copied()
        .filter(|&p| p != PolicyKind::Rate)
        .collect();
    let _ = write!(o, "| workload | profile |");
    for p in &others {
        let _ = write!(o, " rate − {} |", p.name());
    }
    let _ = write!(o, "\n|---|---|");
    for _ in &others {
        let _ = write!(o, "---:|");
    }
    o.push('\n');
    for row in rows {
        let _ = write!(o, "| {} | {} |", row.workload.name(), row.profile.name);
        for &p in &others {
            match row.rate_minus(p, per_run) {
                Some(i) => {
                    let _ = write!(o, " {} |", cell(i, rate_ahead_when_positive, 2));
                }
                None => {
                    let _ = write!(o, " – |");
                }
            }
        }
        o.push('\n');
    }
}

fn cost_table(o: &mut String, policies: &[PolicyKind]) {
    let _ = writeln!(
        o,
        "## Cost of a step\n\nOne step of the elevator (finish the move, the policy's \
         decision, unloading and boarding) as the kthread takes it, timed on the host \
         (`userspace/elevsim/src/cost.rs`, release build, this machine) on the pets building \
         with 10, 300 and 100,000 riders kept waiting (one new random rider after each step): \
         20,000 steps each, in µs. The kthread holds the building's mutex for a step except \
         during the rate policy's search, which it runs on a copy of what the policy looks \
         at (`Building::rate_plan`, about 1 KiB, copied under the mutex) and whose decision \
         the step then uses if the building still looks the same to the policy (otherwise it \
         decides again, holding the mutex; the simulator's own runs step without the copy, \
         with the same decisions: `tests/planned.rs`). *step* is the whole step, copy and \
         search included, *locked* the part that holds the mutex (copy, then the step with \
         the decision), both timed once per state (their p99 includes the host's preemptions: \
         this machine is shared with kernel builds); *decision* is the policy's decision alone \
         on the same states, the fastest of {} runs per state in the thread's CPU time \
         (preemptions do not count), and *worst decision* the largest of those over all \
         states. The VM's numbers are in `docs/bench.md`. Nothing here grows with the number \
         waiting: the policies look at the head of each line only (rate at its first {} \
         riders).\n",
        elevsim::cost::REPEATS,
        elevator_logic::policy::LINE,
    );
    let _ = writeln!(
        o,
        "| policy | waiting | step mean | step p99 | locked mean | locked p99 | decision mean | \
         worst decision |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for &p in policies {
        for waiting in [10, 300, 100_000] {
            let c = elevsim::cost::measure(&elevator_logic::profile::PETS, p, waiting, 20_000, 1);
            let _ = writeln!(
                o,
                "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
                p.name(),
                waiting,
                c.mean_ns / 1000.0,
                c.p99_ns as f64 / 1000.0,
                c.locked_mean_ns / 1000.0,
                c.locked_p99_ns as f64 / 1000.0,
                c.decide_mean_ns / 1000.0,
                c.decide_max_ns as f64 / 1000.0,
            );
        }
    }
    o.push('\n');
}

fn offline_table(o: &mut String, rows: &[Row]) {
    let Some(first) = rows.iter().find_map(|r| r.offline.as_ref()) else {
        return;
    };
    let (n, w) = (first.base.len(), first.width);
    let _ = writeln!(
        o,
        "\n## The offline yardstick\n\nThe offline planner (`userspace/elevsim/src/offline.rs`) \
         knows every request in advance and beam-searches the car's sequences of stops, playing \
         each with the module's own step function (same rules, limits and timing), so each count \
         is a schedule the elevator could run: a lower bound on the optimum. It runs on the first \
         {n} seeds of the block with beam width {w} and {w2}; *offline* is the {w2}-wide result, \
         *doubling* what doubling the width from {w} to {w2} added (a small interval around zero \
         means the search has about converged at this kind of width; it is still only a lower \
         bound). *rate* is rate on the same {n} seeds, *rate / offline* the ratio of the means, \
         the next column the interval of `rate − 0.95 × offline` per seed (above zero: rate \
         is shown to reach 95 %; below: shown not to). Busy rows (saturated, steady-4s, bursts \
         on dorm) are marked. The planner knows what no policy can: the requests to come, and \
         that counting stops at 180 s (at the end it takes only riders it can deliver in time). \
         *window-blind* (busy rows): what the {w2}-wide search's best plan to {blind} s \
         delivers within the 180 s window, a planner that knows every request but not when \
         counting stops, as no policy does; *rate / blind* rate's share of it, with the interval of `rate − 0.95 × blind` per seed. \
         *wall s per plan*: wall-clock seconds per run of the {w2}-wide search (two threads on a \
         machine shared with other work, so only indicative).\n",
        w2 = 2 * w,
        blind = BLIND_HORIZON_MS / 1000,
    );
    let _ = writeln!(
        o,
        "| workload | profile | busy | offline | doubling [95 % CI] | rate | rate / offline | \
         rate − 0.95 × offline [95 % CI] | window-blind | rate / blind | wall s per plan |"
    );
    let _ = writeln!(o, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let Some(off) = &row.offline else { continue };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {:.1} | {:.2} | {:.1} | {:.1} % | {} | {} | {} | {:.2} |",
            row.workload.name(),
            row.profile.name,
            if busy(row.workload, row.profile) {
                "yes"
            } else {
                ""
            },
            off.best(),
            off.convergence(),
            Offline::mean(&off.rate),
            100.0 * off.fraction(),
            cell(off.margin_95(), true, 2),
            off.blind
                .as_ref()
                .map_or(String::new(), |b| format!("{:.1}", Offline::mean(b))),
            off.blind.as_ref().map_or(String::new(), |b| {
                let b95: Vec<f64> = b.iter().map(|x| 0.95 * x).collect();
                format!(
                    "{:.1} %, {}",
                    100.0 * Offline::mean(&off.rate) / Offline::mean(b).max(1e-9),
                    cell(elevsim::paired(&off.rate, &b95), true, 2)
                )
            }),
            off.secs_per_run,
        );
    }
    for row in rows {
        if let Some(minutes) = row.offline.as_ref().and_then(|o| o.minutes.as_ref()) {
            minutes_table(o, row, minutes, 2 * w);
        }
        if let Some(off) = &row.offline {
            if let Some(online) = &off.online {
                online_table(o, row, off, online);
            }
        }
    }
}

/// Dorm bursts minute by minute: where rate's gap to the offline planner
/// comes from.
fn minutes_table(
    o: &mut String,
    row: &Row,
    minutes: &[(u64, u64, Vec<elevsim::offline::Stretch>)],
    width: usize,
) {
    let n = minutes.first().map_or(0, |m| m.2.len());
    let _ = writeln!(
        o,
        "\n### {} {} minute by minute\n\nEach minute of the run on the first {n} seeds, from \
         rate's own state at the minute's start (its first step then with the car at a floor), \
         with the requests of later minutes hidden: *rate* is what rate delivers by the \
         minute's end, *told* what the {width}-wide offline planner delivers from the same \
         state when told that counting stops at the minute's end, *blind* what its best plan \
         to a minute later delivers by then (`userspace/elevsim/src/offline.rs`, `stretch`). \
         Knowing neither the requests to come nor the cut, rate delivers as many as the blind \
         planner (the interval of `rate − blind` per seed); told the cut, the planner delivers \
         more each minute, and the three minutes' differences add up to about the row's gap \
         to the offline column, which also knows where the next burst lands.\n",
        row.workload.name(),
        row.profile.name,
    );
    let _ = writeln!(
        o,
        "| minute | rate | told | rate / told | blind | rate − blind [95 % CI] |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|");
    for (from, to, s) in minutes {
        let col = |f: fn(&elevsim::offline::Stretch) -> u64| -> Vec<f64> {
            s.iter().map(|x| f(x) as f64).collect()
        };
        let (rate, told, blind) = (
            col(|x| x.policy),
            col(|x| x.cut_known),
            col(|x| x.cut_blind),
        );
        let _ = writeln!(
            o,
            "| {}–{} s | {:.2} | {:.2} | {:.1} % | {:.2} | {} |",
            from / 1000,
            to / 1000,
            Offline::mean(&rate),
            Offline::mean(&told),
            100.0 * Offline::mean(&rate) / Offline::mean(&told).max(1e-9),
            Offline::mean(&blind),
            cell(elevsim::paired(&rate, &blind), true, 2),
        );
    }
}

/// Dorm bursts: the planner used online, told and not told when counting
/// stops, against rate.
fn online_table(o: &mut String, row: &Row, off: &Offline, online: &[Vec<Vec<u64>>; 3]) {
    let n = online[0].len();
    let _ = writeln!(
        o,
        "\n### {} {}: the planner used online\n\nThe offline planner used as a policy on the \
         first {n} seeds (`userspace/elevsim/src/offline.rs`, `online`): at every step it knows \
         the requests issued so far and none to come, plans with a beam of {}, and makes its \
         best plan's first decision. *Told*: it plans for the deliveries by 180 s (it is told \
         when counting stops); *not told*: at every step it plans for the deliveries in the \
         next {} s (as far ahead as the told planner at the start). Riders delivered in each \
         minute (by the minute their stop starts in), in all, as a share of the offline \
         column (which also knows the requests to come), and the interval of the total's \
         difference from rate's per seed. Told when counting stops, the planner gains on rate \
         in the last minute only; not told, it does not gain at all: what separates rate from \
         95 % of the offline column here is knowing when counting stops (or the requests to \
         come), not its search.\n",
        row.workload.name(),
        row.profile.name,
        off.width,
        elevsim::offline::ONLINE_LOOKAHEAD_MS / 1000,
    );
    let _ = writeln!(
        o,
        "| driver | 0–60 s | 60–120 s | 120–180 s | in all | of offline | − rate [95 % CI] |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|");
    let total = |v: &Vec<Vec<u64>>| -> Vec<f64> {
        v.iter().map(|m| m.iter().sum::<u64>() as f64).collect()
    };
    let rate = total(&online[0]);
    let names = [
        "rate",
        "planner, told when counting stops",
        "planner, not told",
    ];
    for (name, v) in names.iter().zip(online) {
        let minute = |k: usize| Offline::mean(&v.iter().map(|m| m[k] as f64).collect::<Vec<_>>());
        let t = total(v);
        let diff = if *name == "rate" {
            String::new()
        } else {
            format!("{:.2}", elevsim::paired(&t, &rate))
        };
        let _ = writeln!(
            o,
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} % | {diff} |",
            minute(0),
            minute(1),
            minute(2),
            Offline::mean(&t),
            100.0 * Offline::mean(&t) / off.best().max(1e-9),
        );
    }
}

fn report(
    rows: &[Row],
    policies: &[PolicyKind],
    timing: Timing,
    seeds: core::ops::Range<u64>,
) -> String {
    let mut o = String::new();
    let n = seeds.end - seeds.start;
    let held_out = elevsim::disjoint(&seeds, &TUNING_SEEDS);
    let _ = writeln!(o, "# Simulated scheduling policies\n");
    let _ = writeln!(
        o,
        "Generated by `make bench-sim` (`userspace/elevsim`): the module's own logic \
         (`src/logic`) stepped in virtual time, {} ms per floor and {} ms per stop, \
         the elevator started at t=0 on floor 1, requests issued at their arrival times, \
         {HORIZON_MS} ms window. Each workload runs with the {n} seeds {}..={} on each profile; \
         counts are means per run, waits are pooled over all runs.\n",
        timing.floor_ms,
        timing.load_ms,
        seeds.start,
        seeds.end - 1,
    );
    let _ = writeln!(
        o,
        "**Seeds.** The policies' constants were tuned on seeds {}..={} only. {}\n",
        TUNING_SEEDS.start,
        TUNING_SEEDS.end - 1,
        if held_out {
            "These seeds are disjoint from them (held out): nothing was tuned on them."
        } else {
            "**These seeds overlap the tuning seeds: the numbers below are in-sample.**"
        }
    );
    let _ = writeln!(
        o,
        "**Intervals.** Every policy runs on the same requests for a given seed, so a \
         difference between two policies is taken per seed and averaged: `+8.31 [+7.90, +8.72]` \
         is the mean difference over the {n} seeds with its 95 % confidence interval \
         (Student's t on the paired differences). **Bold**: the interval excludes zero in \
         rate's favour; *italic*: it excludes zero against rate; plain: no difference shown \
         at this sample size.\n"
    );
    let _ = writeln!(o, "Workloads:\n");
    for w in Workload::ALL {
        let _ = writeln!(o, "- `{}`: {}.", w.name(), w.describe());
    }
    let _ = writeln!(
        o,
        "\nMeasures: *delivered* = riders whose delivery (the stop where they get off) \
         starts within the 180 s window; *wait* = arrival to boarding and *trip* = arrival \
         to delivery, over the riders delivered in the window; *wait (all)* also counts \
         every rider who boarded in the window and every rider still waiting at 180 s with \
         their age then, so starving riders cannot hide; *max wait* is the longest such \
         wait; *max head* is the longest time a rider spent at the head of its floor's line.\n"
    );
    let _ = writeln!(
        o,
        "*Bound* is an upper bound on what any policy can deliver in the window (mean \
         per run), the smallest of: riders who could individually be delivered in time \
         (arrival + one stop + the floors between start and destination); the riders with \
         the shortest such minimal ride times whose sum fits in 5 seats × 180 s; the same \
         with weight × ride time against the weight limit × 180 s; and 5 riders per \
         delivery stop with delivery stops at least one stop plus one floor (3 s) apart.\n"
    );
    let _ = writeln!(
        o,
        "Policies (`src/logic/policy.rs`): `rate` is the project's (plans stops ahead by simulating \
         head-of-line boarding exactly: every sequence of up to {} stops when fewer than {} wait, \
         a beam of {} plans up to {} (floor + stop) times long when busier, ranked by the area \
         under their curve of deliveries over {} (floor + stop) times while fewer than {} wait \
         and by delivery pace beyond; with ageing; see its documentation); `look` and `scan` sweep, stopping \
         wherever someone gets off or on; `fifo` serves the oldest rider (aboard first) and stops \
         only at its target; `fifo-off` is the same but also stops wherever a rider aboard gets \
         off; `nearest` goes to the nearest floor where someone gets off or on; `peer` is the \
         peers' common policy (nearest waiting floor when the car is empty, else the first aboard \
         rider's destination, stopping wherever someone gets off or on). \
         `rate`'s stated starvation bound (a rider boards at most this long after reaching the \
         head of its line): {} s on 5 floors, {} s on 6 floors; compare the *max head* column.\n",
        elevator_logic::policy::PLAN_STOPS,
        elevator_logic::policy::BUSY_WAITING,
        elevator_logic::policy::BEAM,
        elevator_logic::policy::BEAM_HORIZON_STOPS,
        elevator_logic::policy::AREA_HORIZON_STOPS,
        elevator_logic::policy::AREA_WAITING,
        elevator_logic::policy::starvation_bound_ms(5, timing) / 1000,
        elevator_logic::policy::starvation_bound_ms(6, timing) / 1000,
    );
    let _ = writeln!(o, "## Riders delivered in 180 s\n");
    let _ = write!(o, "| workload | profile | bound |");
    for p in policies {
        let _ = write!(o, " {} |", p.name());
    }
    let _ = writeln!(o, " rate − best baseline [95 % CI] |");
    let _ = write!(o, "|---|---|---:|");
    for _ in policies {
        let _ = write!(o, "---:|");
    }
    let _ = writeln!(o, "---|");
    for row in rows {
        let bound = row.results.first().map_or(0.0, |(_, s)| s.bound_per_run());
        let _ = write!(
            o,
            "| {} | {} | {bound:.1} |",
            row.workload.name(),
            row.profile.name
        );
        let best = row
            .results
            .iter()
            .map(|(_, s)| s.delivered)
            .max()
            .unwrap_or(0);
        for (_, s) in &row.results {
            if s.delivered == best {
                let _ = write!(o, " **{:.1}** |", s.delivered_per_run());
            } else {
                let _ = write!(o, " {:.1} |", s.delivered_per_run());
            }
        }
        match row
            .best_baseline()
            .and_then(|(k, _)| Some((k, row.rate_minus(k, delivered)?)))
        {
            Some((k, i)) => {
                let _ = writeln!(o, " {} ({}) |", cell(i, true, 2), k.name());
            }
            None => {
                let _ = writeln!(o, " – |");
            }
        }
    }
    let _ = writeln!(
        o,
        "\n### Rate minus each baseline, riders delivered per run [95 % CI]\n"
    );
    difference_table(&mut o, rows, policies, delivered, true);
    offline_table(&mut o, rows);
    let _ = writeln!(
        o,
        "\n## Mean wait of every rider (s)\n\nArrival to boarding for every rider who boarded \
         in the window, and arrival to 180 s for every rider still waiting then: the fair \
         measure when a policy cannot serve everyone. The interval is on the per-seed means \
         (negative: rate's riders wait less).\n"
    );
    wait_table(&mut o, rows, policies, Summary::mean_wait_all, wait_all);
    let _ = writeln!(
        o,
        "\n### Rate minus each baseline, mean wait of every rider per run (s) [95 % CI]\n"
    );
    difference_table(&mut o, rows, policies, wait_all, false);
    let _ = writeln!(
        o,
        "\n## Mean wait of delivered riders (s)\n\nArrival to boarding, over the riders \
         delivered in the window. In a saturated building this measure rewards delivering \
         fewer: every policy delivers at a steady pace through the window, so the delivered \
         riders' mean trip is about the same (~91 s, see the details), and wait = trip − ride: \
         the policy with the shorter rides shows the longer waits, and riders never served \
         do not count at all. Compare the table above there.\n"
    );
    wait_table(&mut o, rows, policies, Summary::mean_wait, wait);
    let _ = writeln!(o, "\n## Details\n");
    for row in rows {
        let first = row.results.first().map(|(_, s)| s);
        let _ = writeln!(
            o,
            "### {} on {}\n\n{:.1} requests issued per run, {:.1} rejected as invalid; bound {:.1}.\n",
            row.workload.name(),
            row.profile.name,
            first.map_or(0.0, |s| s.issued as f64 / s.runs.max(1) as f64),
            first.map_or(0.0, |s| s.rejected as f64 / s.runs.max(1) as f64),
            first.map_or(0.0, |s| s.bound_per_run()),
        );
        let _ = writeln!(
            o,
            "| policy | delivered | of bound | mean wait | p95 wait | mean trip | p95 trip | \
             mean wait (all) | max wait | max head |"
        );
        let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (p, s) in &row.results {
            let _ = writeln!(
                o,
                "| {} | {:.1} | {:.0}% | {:.1} s | {:.1} s | {:.1} s | {:.1} s | {:.1} s | {:.1} s | {:.1} s |",
                p.name(),
                s.delivered_per_run(),
                100.0 * s.delivered as f64 / s.bound.max(1) as f64,
                s.mean_wait(),
                percentile_s(&s.waits, 95.0),
                elevsim::mean_s(&s.trips),
                percentile_s(&s.trips, 95.0),
                s.mean_wait_all(),
                s.max_wait(),
                s.max_head_ms as f64 / 1000.0,
            );
        }
        o.push('\n');
    }
    o
}

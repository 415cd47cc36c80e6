// SPDX-License-Identifier: GPL-2.0
//! `elevctl` from the outside: help, bad arguments, `status` (summary, JSON, checks)
//! against fixture files, control commands written to a file with `--proc`, the
//! syscall path on a kernel without the module, and `record` + `plot` producing a CSV
//! and a valid SVG.

use assert_cmd::Command;
use elevator_proc::crand::GlibcRand;
use std::path::{Path, PathBuf};

fn elevctl() -> Command {
    Command::cargo_bin("elevctl").unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Out {
    let o = elevctl().args(args).output().unwrap();
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn ps(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn every_command_has_help() {
    let top = run(&["--help"]);
    assert_eq!(top.code, Some(0));
    for sub in [
        "start", "stop", "issue", "produce", "status", "watch", "record", "plot",
    ] {
        assert!(top.stdout.contains(sub), "{sub} missing from --help");
        let h = run(&[sub, "--help"]);
        assert_eq!(h.code, Some(0), "{sub} --help");
        assert!(h.stdout.contains("Usage: elevctl"), "{sub}: {}", h.stdout);
        assert!(h.stdout.contains("--proc-file"), "{sub} lacks --proc-file");
    }
}

#[test]
fn bad_arguments_fail_with_a_reason() {
    // No command at all: the usage, on stderr, and a failure.
    let o = run(&[]);
    assert_eq!(o.code, Some(2));
    assert!(o.stderr.contains("Usage: elevctl"), "{}", o.stderr);

    let cases: &[(&[&str], &str)] = &[
        (&["fly"], "unrecognized subcommand"),
        (&["issue", "1", "2"], "TYPE"),
        (&["issue", "1", "2", "x"], "invalid value 'x'"),
        (&["produce"], "<N>"),
        (&["produce", "-3"], "N"),
        (&["produce", "5", "--floors", "3-3"], "LO below HI"),
        (&["produce", "5", "--floors", "1"], "LO-HI"),
        (&["produce", "5", "--rate", "0"], "positive"),
        (&["produce", "5", "--rate", "-2"], "positive"),
        (&["watch", "--interval", "0"], "0 is not in 10 to 60000"),
        (&["record", "--interval", "10"], "--out"),
        (
            &["record", "--out", "x.csv", "--duration", "-1"],
            "positive",
        ),
        (&["plot", "--in", "a.csv"], "--out"),
        (&["status", "--jsn"], "--jsn"),
    ];
    for (args, needle) in cases {
        let o = run(args);
        assert_eq!(o.code, Some(2), "{args:?}: {}", o.stderr);
        let first = o.stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with("elevctl: "), "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains(needle), "{args:?}: {}", o.stderr);
    }
}

#[test]
fn status_json_against_a_fixture() {
    let o = run(&["status", "--json", "--proc-file", ps(&fixture("pets.txt"))]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["state"], "LOADING");
    assert_eq!(v["current_floor"], 4);
    assert_eq!(v["load_x10"], 430);
    assert_eq!(v["load"], 43.0);
    assert_eq!(v["max_load"], 50.0);
    assert_eq!(v["max_riders"], 5);
    assert_eq!(v["profile"], "pets");
    assert_eq!(v["noun"], "pets");
    assert_eq!(v["aboard"].as_array().unwrap().len(), 4);
    assert_eq!(v["aboard"][1]["kind"], "D");
    assert_eq!(v["aboard"][1]["dest"], 2);
    assert_eq!(v["floors"].as_array().unwrap().len(), 5);
    assert_eq!(v["floors"][1]["number"], 4);
    assert_eq!(v["floors"][1]["is_current"], true);
    assert_eq!(v["floors"][2]["riders"][0]["kind"], "P");
    assert_eq!(v["number_aboard"], 4);
    assert_eq!(v["number_waiting"], 4);
    assert_eq!(v["number_serviced"], 27);
    assert_eq!(v["issued"], 35);
    assert_eq!(v["problems"].as_array().unwrap().len(), 0);

    let o = run(&[
        "status",
        "--json",
        "--proc-file",
        ps(&fixture("office.txt")),
    ]);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["profile"], "office");
    assert_eq!(v["load"], 4.5);
    assert_eq!(v["max_load"], 7.0);
}

#[test]
fn status_summary() {
    let o = run(&["status", "--proc-file", ps(&fixture("dorm.txt"))]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    for want in [
        "state     UP on floor 2 (floors 1-6)",
        "load      550 / 750 lbs, 3 / 5 passengers aboard: F6 S4 J5",
        "waiting   6 passengers (floor 5: 2, floor 3: 1, floor 1: 3)",
        "serviced  112 passengers",
        "issued    121",
        "profile   dorm",
    ] {
        assert!(o.stdout.contains(want), "{want} not in\n{}", o.stdout);
    }
}

#[test]
fn status_check_and_errors() {
    let bad = fixture("pets-inconsistent.txt");
    // Without --check the problems are shown and the exit is 0.
    let o = run(&["status", "--proc-file", ps(&bad)]);
    assert_eq!(o.code, Some(0));
    assert!(o
        .stdout
        .contains("problem   number waiting is 5 but the floors add up to 4"));
    let o = run(&["status", "--check", "--proc-file", ps(&bad)]);
    assert_eq!(o.code, Some(1));
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(o.stderr.contains("is inconsistent"), "{}", o.stderr);
    let o = run(&["status", "--check", "--proc-file", ps(&fixture("pets.txt"))]);
    assert_eq!(o.code, Some(0));

    let o = run(&["status", "--proc-file", ps(&fixture("pets-broken.txt"))]);
    assert_eq!(o.code, Some(1));
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("line 3: bad load `forty`"),
        "{}",
        o.stderr
    );

    let o = run(&["status", "--proc-file", "/nonexistent/elevator"]);
    assert_eq!(o.code, Some(1));
    assert_eq!(
        o.stderr.trim_end(),
        "elevctl: cannot read /nonexistent/elevator: no such file (is the elevator module loaded?)"
    );
}

#[test]
fn proc_commands_are_written_to_the_proc_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("elevator");
    for (args, written, said) in [
        (vec!["start", "--proc"], "start\n", "elevator started"),
        (vec!["stop", "--proc"], "stop\n", "elevator stopping"),
        (
            vec!["issue", "1", "5", "2", "--proc"],
            "issue 1 5 2\n",
            "queued: type 2 from floor 1 to floor 5",
        ),
    ] {
        std::fs::write(&p, "").unwrap();
        let mut a = args.clone();
        a.extend(["--proc-file", ps(&p)]);
        let o = run(&a);
        assert_eq!(o.code, Some(0), "{args:?}: {}", o.stderr);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), written);
        assert!(o.stdout.contains(said), "{args:?}: {}", o.stdout);
    }
    // No proc file: the module is not loaded.
    let gone = dir.path().join("none");
    let o = run(&["start", "--proc", "--proc-file", ps(&gone)]);
    assert_eq!(o.code, Some(1));
    assert_eq!(
        o.stderr.trim_end(),
        format!(
            "elevctl: elevator module not loaded ({} does not exist)",
            gone.display()
        )
    );
}

#[test]
fn produce_draws_like_the_course_producer() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("elevator");
    std::fs::write(&p, "").unwrap();
    let o = run(&[
        "produce",
        "20",
        "--seed",
        "1234",
        "--proc",
        "--proc-file",
        ps(&p),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let mut g = GlibcRand::new(1234);
    let want: Vec<String> = (0..20)
        .map(|_| {
            let (s, d, t) = g.request(1, 6);
            format!("Issue ({s}, {d}, {t}) returned 0")
        })
        .collect();
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines[..20], want[..]);
    assert_eq!(
        lines[20],
        "produced 20 requests (seed 1234, floors 1-6): 20 queued, 0 invalid"
    );
    // The last command written is the last request.
    let last = want[19].replace("Issue (", "").replace(") returned 0", "");
    let last: Vec<&str> = last.split(", ").collect();
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        format!("issue {} {} {}\n", last[0], last[1], last[2])
    );

    // A paced stream takes its time: 5 requests at 20 per second take 200 ms.
    let t = std::time::Instant::now();
    let o = run(&[
        "produce",
        "5",
        "--rate",
        "20",
        "--quiet",
        "--floors",
        "2-3",
        "--proc",
        "--proc-file",
        ps(&p),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert!(t.elapsed() >= std::time::Duration::from_millis(200));
    assert_eq!(o.stdout.lines().count(), 1, "{}", o.stdout);
    let w = std::fs::read_to_string(&p).unwrap();
    assert!(
        w.starts_with("issue 2 3 ") || w.starts_with("issue 3 2 "),
        "{w}"
    );
}

/// On this host the course's syscalls do not exist (no patched kernel, no module):
/// the error must say so in one line.
#[test]
fn syscalls_without_the_module() {
    if Path::new("/proc/elevator").exists() {
        eprintln!("skipped: an elevator module is loaded here");
        return;
    }
    let none = "/nonexistent/elevator";
    for (args, nr) in [
        (vec!["start"], 548),
        (vec!["stop"], 550),
        (vec!["issue", "1", "2", "0"], 549),
        (vec!["produce", "3", "--seed", "1"], 549),
    ] {
        let mut a = args.clone();
        a.extend(["--proc-file", none]);
        let o = run(&a);
        assert_eq!(o.code, Some(1), "{args:?}");
        assert_eq!(o.stderr.lines().count(), 1, "{args:?}: {}", o.stderr);
        assert!(
            o.stderr.starts_with(&format!(
                "elevctl: elevator module not loaded (syscall {nr} returned ENOSYS)"
            )),
            "{args:?}: {}",
            o.stderr
        );
    }
    // With a proc file but no syscalls: an unpatched kernel; --proc is the way.
    let o = run(&["start", "--proc-file", ps(&fixture("pets.txt"))]);
    assert_eq!(o.code, Some(1));
    assert!(o.stderr.contains("use --proc"), "{}", o.stderr);
}

// The plot's colours (plotters writes them in upper case): the car's floor,
// the riders waiting and the LOADING dots.
const FLOOR_COLOR: &str = "#1F77B4";
const WAITING_COLOR: &str = "#D62728";
const LOADING_COLOR: &str = "#2CA02C";

/// The points of the SVG's polylines drawn in `color`, one list per line.
fn lines_in(doc: &roxmltree::Document, color: &str) -> Vec<usize> {
    doc.descendants()
        .filter(|n| n.tag_name().name() == "polyline" && n.attribute("stroke") == Some(color))
        .map(|n| n.attribute("points").unwrap().split_whitespace().count())
        .collect()
}

fn svg_ok(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    // The floor and waiting step lines, each with its legend's line.
    for color in [FLOOR_COLOR, WAITING_COLOR] {
        assert_eq!(lines_in(&doc, color).len(), 2, "{color} lines in {text}");
    }
    text
}

#[test]
fn record_then_plot() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("run.csv");
    let svg = dir.path().join("run.svg");
    let o = run(&[
        "record",
        "--proc-file",
        ps(&fixture("pets.txt")),
        "--out",
        ps(&csv),
        "--interval",
        "20",
        "--duration",
        "0.2",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("time_ms,state,floor,load,aboard,waiting,serviced")
    );
    let rows: Vec<&str> = lines.collect();
    // 11 slots in 0.2 s at 20 ms; slots missed while the machine is busy
    // are skipped, so fewer rows are fine, more are not.
    assert!(
        (2..=11).contains(&rows.len()),
        "{} rows:\n{text}",
        rows.len()
    );
    let mut last_t = -1i64;
    for r in &rows {
        let f: Vec<&str> = r.split(',').collect();
        assert_eq!(f[1..], ["LOADING", "4", "43", "4", "4", "27"], "{r}");
        let t: i64 = f[0].parse().unwrap();
        assert!(t > last_t, "time goes forward: {text}");
        last_t = t;
    }
    assert!(o
        .stdout
        .contains(&format!("recorded {} samples", rows.len())));

    let o = run(&["plot", "--in", ps(&csv), "--out", ps(&svg)]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    svg_ok(&svg);
}

#[test]
fn plot_a_moving_car() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("moving.svg");
    let o = run(&[
        "plot",
        "--in",
        ps(&fixture("floors.csv")),
        "--out",
        ps(&svg),
    ]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    let text = svg_ok(&svg);
    // Seven samples: a step line of 1 + 2 * 6 points (one move and six steps),
    // three LOADING dots (and the legend's).
    let doc = roxmltree::Document::parse(&text).unwrap();
    assert!(lines_in(&doc, FLOOR_COLOR).contains(&13), "{text}");
    let dots = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "circle" && n.attribute("fill") == Some(LOADING_COLOR))
        .count();
    assert_eq!(dots, 3 + 1);
    assert!(text.contains("riders waiting"));
    assert!(text.contains("2 riders serviced"));

    // Broken input names the file and line.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "time_ms,state,floor,load,aboard,waiting,serviced\n0,IDLE,x,0,0,0,0\n",
    )
    .unwrap();
    let o = run(&["plot", "--in", ps(&bad), "--out", ps(&svg)]);
    assert_eq!(o.code, Some(1));
    assert!(o.stderr.contains("line 2: bad floor"), "{}", o.stderr);
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "time_ms,state,floor,load,aboard,waiting,serviced\n").unwrap();
    let o = run(&["plot", "--in", ps(&empty), "--out", ps(&svg)]);
    assert_eq!(o.code, Some(1));
    assert!(o.stderr.contains("no samples"), "{}", o.stderr);
}

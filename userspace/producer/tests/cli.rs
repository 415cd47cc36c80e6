// SPDX-License-Identifier: GPL-2.0
//! `producer` behaves like the course's producer.c: its wrong-argument message and
//! exit status, one `Issue (START, DEST, TYPE) returned RET` line per request with
//! type 0-3 and distinct floors 1-6, and a draw that is glibc's for `time(0)`.

use assert_cmd::Command;
use elevator_proc::crand::{time_seed, GlibcRand};

fn producer(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("producer")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn wrong_arguments_like_the_c_program() {
    for args in [&[][..], &["1", "2"][..]] {
        let o = producer(args);
        assert_eq!(o.status.code(), Some(255), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            "wrong number of args. producer.x num_of_requests\n"
        );
        assert!(o.stderr.is_empty());
    }
    // sscanf("%d") semantics: no digits, zero or a negative count issue nothing.
    for arg in ["x", "0", "-4"] {
        let o = producer(&[arg]);
        assert_eq!(o.status.code(), Some(0), "{arg}");
        assert!(o.stdout.is_empty(), "{arg}");
    }
}

#[test]
fn help_prints_usage() {
    let o = producer(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("Usage: producer NUM_OF_REQUESTS"));
}

fn parse_line(l: &str) -> (i32, i32, i32, i64) {
    let rest = l
        .strip_prefix("Issue (")
        .unwrap_or_else(|| panic!("bad line {l:?}"));
    let (triple, ret) = rest.split_once(") returned ").unwrap();
    let v: Vec<i32> = triple.split(", ").map(|x| x.parse().unwrap()).collect();
    (v[0], v[1], v[2], ret.parse().unwrap())
}

#[test]
fn issues_random_requests_drawn_like_glibc() {
    // Retry if the second changed during the run (the seed is time(0)).
    for _ in 0..5 {
        let before = time_seed();
        let o = producer(&["50"]);
        let after = time_seed();
        assert_eq!(o.status.code(), Some(0));
        let out = String::from_utf8_lossy(&o.stdout);
        let lines: Vec<_> = out.lines().map(parse_line).collect();
        assert_eq!(lines.len(), 50);
        for &(s, d, t, r) in &lines {
            assert!((1..=6).contains(&s) && (1..=6).contains(&d) && s != d);
            assert!((0..=3).contains(&t));
            // 0 queued, 1 invalid, -1 when the syscall does not exist here.
            assert!([-1, 0, 1].contains(&r), "returned {r}");
        }
        if before != after {
            continue;
        }
        let mut g = GlibcRand::new(before);
        let want: Vec<_> = (0..50).map(|_| g.request(1, 6)).collect();
        let got: Vec<_> = lines.iter().map(|&(s, d, t, _)| (s, d, t)).collect();
        assert_eq!(got, want);
        return;
    }
    panic!("the clock kept changing second during five runs");
}

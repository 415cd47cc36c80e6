// SPDX-License-Identifier: GPL-2.0
//! `consumer` behaves like the course's consumer.c: `Start elevator returned RET`,
//! `Stop elevator returned RET`, its wrong-argument message and exit statuses.

use assert_cmd::Command;

fn consumer(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("consumer")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn wrong_arguments_like_the_c_program() {
    for args in [&[][..], &["--start", "--stop"][..]] {
        let o = consumer(args);
        assert_eq!(o.status.code(), Some(255), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&o.stdout), "wrong number of args\n");
    }
    // One unknown flag: status 255 and nothing printed.
    let o = consumer(&["--go"]);
    assert_eq!(o.status.code(), Some(255));
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
}

#[test]
fn help_prints_usage() {
    let o = consumer(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("Usage: consumer --start|--stop"));
}

#[test]
fn start_and_stop_print_the_return_value() {
    // Without the module (this host) the syscalls fail and the C program prints -1;
    // with it they return 0 or 1. Either way the line has the C program's words.
    for (flag, words) in [
        ("--start", "Start elevator returned "),
        ("--stop", "Stop elevator returned "),
    ] {
        let o = consumer(&[flag]);
        assert_eq!(o.status.code(), Some(0));
        let out = String::from_utf8_lossy(&o.stdout);
        let ret = out
            .strip_prefix(words)
            .and_then(|r| r.strip_suffix('\n'))
            .unwrap_or_else(|| panic!("{flag}: {out:?}"));
        assert!(["-1", "0", "1"].contains(&ret), "{flag}: {out:?}");
        if !std::path::Path::new("/proc/elevator").exists() {
            assert_eq!(ret, "-1");
        }
    }
}

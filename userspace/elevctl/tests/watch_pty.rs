// SPDX-License-Identifier: GPL-2.0
//! `elevctl watch` in a real pseudo-terminal: the program runs on the slave side of a
//! PTY as its controlling terminal, its output goes through a VT100 emulator, and the
//! tests read the screen as a person would, then press `q` (or Ctrl-C) and check that
//! it exits cleanly and leaves the alternate screen.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const ROWS: u16 = 30;
const COLS: u16 = 100;

struct Pty {
    child: Child,
    master: File,
    screen: Arc<Mutex<vt100::Parser>>,
    reader: Option<JoinHandle<()>>,
}

impl Pty {
    /// Runs `elevctl ARGS` with a PTY of ROWS x COLS as its terminal.
    fn spawn(args: &[&str]) -> Pty {
        Pty::spawn_sized(args, ROWS, COLS, &[])
    }

    /// Runs `elevctl ARGS` with a PTY that reports `rows` x `cols` (the screen read
    /// back is always ROWS x COLS) and extra environment variables.
    fn spawn_sized(args: &[&str], rows: u16, cols: u16, envs: &[(&str, &str)]) -> Pty {
        let (mut m, mut s) = (0, 0);
        let ws = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: openpty fills two descriptors that we then own.
        let rc =
            unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors are fresh and owned by nobody else.
        let (master, slave) = unsafe { (File::from_raw_fd(m), File::from_raw_fd(s)) };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_elevctl"));
        cmd.args(args)
            .env("TERM", "xterm-256color")
            .envs(envs.iter().copied())
            .stdin(slave.try_clone().unwrap())
            .stdout(slave.try_clone().unwrap())
            .stderr(slave);
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn elevctl");
        drop(cmd); // closes our copies of the slave side
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            std::num::NonZeroU16::new(ROWS).unwrap(),
            std::num::NonZeroU16::new(COLS).unwrap(),
            0,
        )));
        let mut rd = master.try_clone().unwrap();
        let sc = Arc::clone(&screen);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once the child and its terminal are gone.
            while let Ok(n) = rd.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sc.lock().unwrap().process(&buf[..n]);
            }
        });
        Pty {
            child,
            master,
            screen,
            reader: Some(reader),
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows every one of `wants`, or panics with the screen.
    fn wait_for(&self, wants: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let c = self.contents();
            if wants.iter().all(|w| c.contains(w)) {
                return c;
            }
            if Instant::now() > deadline {
                let missing: Vec<_> = wants.iter().filter(|w| !c.contains(*w)).collect();
                panic!("screen never showed {missing:?}; screen:\n{c}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
        self.master.flush().unwrap();
    }

    /// Waits for the child to exit (killing it after a timeout, then failing).
    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                // Let the reader drain what the child wrote last.
                if let Some(r) = self.reader.take() {
                    let _ = r.join();
                }
                return st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("elevctl watch did not exit; screen:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn watch_shows_the_building_and_quits_on_q() {
    let f = fixture("pets.txt");
    let mut pty = Pty::spawn(&["watch", "--interval", "50", "--proc-file", &f]);
    let screen = pty.wait_for(&[
        // the floors, top first, with their queues
        "5 │",
        "4 │",
        "1 │",
        "P5 C1",
        "H3",
        // the car on floor 4 with its state
        "LOADING 4/5",
        "on floor 4",
        // the load against the limit and the riders aboard
        "43 / 50 lbs",
        "C5 D2 P3 H1",
        // the counters
        "waiting   4 pets",
        "serviced  27 pets",
        "issued    35",
        "pets profile",
    ]);
    // Top floor first: floor 5's row comes before floor 1's.
    assert!(screen.find("5 │").unwrap() < screen.find("1 │").unwrap());
    assert!(pty.screen.lock().unwrap().screen().alternate_screen());
    pty.send(b"q");
    let st = pty.wait_exit();
    assert!(st.success(), "exit status {st}");
    assert!(
        !pty.screen.lock().unwrap().screen().alternate_screen(),
        "the alternate screen was not left"
    );
}

#[test]
fn watch_follows_the_file_and_quits_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("elevator");
    std::fs::copy(fixture("office.txt"), &p).unwrap();
    let ps = p.to_string_lossy().into_owned();
    let mut pty = Pty::spawn(&["watch", "--interval", "50", "--proc-file", &ps]);
    pty.wait_for(&["office profile", "DOWN 3/5", "4.5 / 7 lbs", "passengers"]);
    // The module moves on: the view follows.
    let next = std::fs::read_to_string(fixture("office.txt"))
        .unwrap()
        .replace("Elevator state: DOWN", "Elevator state: LOADING")
        .replace("serviced: 9", "serviced: 10");
    std::fs::write(&p, next).unwrap();
    pty.wait_for(&["LOADING 3/5", "serviced  10 passengers"]);
    // A failed read keeps the last frame and says why.
    std::fs::remove_file(&p).unwrap();
    pty.wait_for(&["read failed", "LOADING 3/5"]);
    pty.send(b"\x03");
    let st = pty.wait_exit();
    assert!(st.success(), "exit status {st}");
}

/// A serial console (a VM's ttyS0) reports a size of 0x0: the view then takes
/// `$COLUMNS` x `$LINES` instead of drawing nothing.
#[test]
fn watch_draws_on_a_terminal_without_a_size() {
    let f = fixture("dorm.txt");
    let mut pty = Pty::spawn_sized(
        &["watch", "--interval", "50", "--proc-file", &f],
        0,
        0,
        &[("COLUMNS", "100"), ("LINES", "30")],
    );
    pty.wait_for(&["dorm profile", "6 │", "UP 3/5", "550 / 750 lbs", "J6 J3 F2"]);
    pty.send(b"q");
    assert!(pty.wait_exit().success());
}

/// Output to a terminal but no terminal to read keys from (stdin is /dev/null and the
/// process has no controlling terminal, like a VM's boot script): a clear error
/// before the screen is taken over.
#[test]
fn watch_refuses_to_run_without_keys() {
    let (mut m, mut s) = (0, 0);
    // SAFETY: openpty fills two descriptors that we then own.
    let rc = unsafe {
        libc::openpty(
            &mut m,
            &mut s,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0);
    // SAFETY: both descriptors are fresh and owned by nobody else.
    let (master, slave) = unsafe { (File::from_raw_fd(m), File::from_raw_fd(s)) };
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_elevctl"));
    cmd.args(["watch", "--proc-file", &fixture("pets.txt")])
        .stdin(std::process::Stdio::null())
        .stdout(slave)
        .stderr(std::process::Stdio::piped());
    // SAFETY: setsid is async-signal-safe; the new session has no controlling tty.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    drop(master);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("watch needs a terminal for its keys"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn watch_refuses_a_non_terminal() {
    let out = Command::new(env!("CARGO_BIN_EXE_elevctl"))
        .args(["watch", "--proc-file", &fixture("pets.txt")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("watch needs a terminal"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

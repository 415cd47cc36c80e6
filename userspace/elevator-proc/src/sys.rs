// SPDX-License-Identifier: GPL-2.0
//! The module's two control interfaces: the course's system calls 548-550 (called
//! through libc `syscall()`, exactly like the course's `wrappers.h`) and the commands
//! written to `/proc/elevator` (`start`, `stop`, `issue START DEST TYPE`).

use std::io::{self, Write};
use std::path::Path;

/// `int start_elevator(void)`.
pub const NR_START_ELEVATOR: i64 = 548;
/// `int issue_request(int start_floor, int destination_floor, int type)`.
pub const NR_ISSUE_REQUEST: i64 = 549;
/// `int stop_elevator(void)`.
pub const NR_STOP_ELEVATOR: i64 = 550;

/// What libc `syscall()` gave back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SysRet {
    /// The `long` that `syscall()` returned: the kernel's value, or -1 on error.
    pub raw: i64,
    /// `errno` when `raw` is -1.
    pub errno: Option<i32>,
}

impl SysRet {
    /// The value the course's wrappers return: their functions are declared `int`, so
    /// the `long` from `syscall()` is truncated to `int` (then printed with `%ld`).
    pub fn c_int(self) -> i32 {
        self.raw as i32
    }

    /// Whether the call failed with this errno.
    pub fn is_errno(self, e: i32) -> bool {
        self.errno == Some(e)
    }
}

fn call(nr: i64, a: i64, b: i64, c: i64) -> SysRet {
    // SAFETY: syscalls 548-550 take at most three integer arguments and touch no
    // memory of ours; on a kernel without them the call fails with ENOSYS.
    let raw = unsafe {
        libc::syscall(
            nr as libc::c_long,
            a as libc::c_long,
            b as libc::c_long,
            c as libc::c_long,
        )
    } as i64;
    let errno = if raw == -1 {
        io::Error::last_os_error().raw_os_error()
    } else {
        None
    };
    SysRet { raw, errno }
}

/// Syscall 548.
pub fn start_elevator() -> SysRet {
    call(NR_START_ELEVATOR, 0, 0, 0)
}

/// Syscall 549. Arguments in the course's order: start floor, destination, type.
pub fn issue_request(start_floor: i32, destination_floor: i32, kind: i32) -> SysRet {
    call(
        NR_ISSUE_REQUEST,
        i64::from(start_floor),
        i64::from(destination_floor),
        i64::from(kind),
    )
}

/// Syscall 550.
pub fn stop_elevator() -> SysRet {
    call(NR_STOP_ELEVATOR, 0, 0, 0)
}

/// A command for `/proc/elevator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `start`.
    Start,
    /// `stop`.
    Stop,
    /// `issue START DEST TYPE`.
    Issue { start: i32, dest: i32, kind: i32 },
}

impl Command {
    /// The text written, with the newline `echo` would add.
    pub fn text(&self) -> String {
        match self {
            Command::Start => "start\n".to_string(),
            Command::Stop => "stop\n".to_string(),
            Command::Issue { start, dest, kind } => format!("issue {start} {dest} {kind}\n"),
        }
    }
}

/// Writes one command to the proc file in a single `write()`, as the module expects.
/// A rejected command comes back as the write's error (`EINVAL` for an invalid one).
pub fn write_command(path: &Path, cmd: Command) -> io::Result<()> {
    let text = cmd.text();
    let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
    let n = f.write(text.as_bytes())?;
    if n != text.len() {
        return Err(io::Error::new(
            io::ErrorKind::WriteZero,
            format!("short write: {n} of {} bytes taken", text.len()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_text() {
        assert_eq!(Command::Start.text(), "start\n");
        assert_eq!(Command::Stop.text(), "stop\n");
        assert_eq!(
            Command::Issue {
                start: 1,
                dest: 5,
                kind: 3
            }
            .text(),
            "issue 1 5 3\n"
        );
    }

    #[test]
    fn c_int_truncates_like_the_wrappers() {
        let r = SysRet {
            raw: -1,
            errno: Some(libc::ENOSYS),
        };
        assert_eq!(r.c_int(), -1);
        assert!(r.is_errno(libc::ENOSYS));
        let big = SysRet {
            raw: 1 << 32 | 1,
            errno: None,
        };
        assert_eq!(big.c_int(), 1);
    }

    #[test]
    fn writes_commands_to_a_file() {
        let dir = std::env::temp_dir().join(format!("elevator-proc-sys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("elevator");
        std::fs::write(&p, "").unwrap();
        write_command(
            &p,
            Command::Issue {
                start: 2,
                dest: 4,
                kind: 0,
            },
        )
        .unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "issue 2 4 0\n");
        let missing = write_command(&dir.join("nope"), Command::Start).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

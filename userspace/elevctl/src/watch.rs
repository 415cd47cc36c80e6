// SPDX-License-Identifier: GPL-2.0
//! `elevctl watch`: a live terminal view of `/proc/elevator` (ratatui on crossterm).
//!
//! The shaft is drawn top floor first, with the car on its floor showing its state and
//! how many ride in it, and each floor's queue beside it; below, the riders aboard, the
//! load against the profile's limit, and the counters. The proc file is read every
//! `--interval` ms; a failed read keeps the last good frame and says why at the bottom.
//! `q`, `Esc` or Ctrl-C quits; `r` reads again at once. Keys are read with `poll(2)`
//! (see [`Keys`]), so the view also runs on a minimal kernel without networking.

use crate::{fail, read_snapshot, Res};
use elevator_proc::{format_load_x10, Floor, Profile, Rider, Snapshot, State};
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, LineGauge, Paragraph, Wrap};
use ratatui::Frame;
use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

/// Width of the shaft between its walls.
const CAR_W: usize = 18;

/// What the loop knows: the last good snapshot and the last error.
struct View<'a> {
    path: &'a Path,
    interval: u64,
    snap: Option<Snapshot>,
    error: Option<String>,
    reads: u64,
    /// How long the view has been running (the footer's clock).
    elapsed: Duration,
}

fn state_style(st: State) -> Style {
    let c = match st {
        State::Offline => Color::DarkGray,
        State::Idle => Color::Blue,
        State::Loading => Color::Yellow,
        State::Up | State::Down => Color::Green,
    };
    Style::new()
        .fg(Color::Black)
        .bg(c)
        .add_modifier(Modifier::BOLD)
}

fn arrow(st: State) -> &'static str {
    match st {
        State::Up => "▲ ",
        State::Down => "▼ ",
        _ => "",
    }
}

fn join(riders: &[Rider]) -> String {
    riders
        .iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The riders that fit in `width` columns, with `… +K` for the rest.
fn fit_riders(riders: &[Rider], width: usize) -> String {
    let mut out = String::new();
    for (i, r) in riders.iter().enumerate() {
        let t = r.to_string();
        let rest = riders.len() - i;
        let tail = format!(" … +{rest}");
        let need = out.len() + usize::from(!out.is_empty()) + t.len();
        let reserve = if rest > 1 { tail.chars().count() } else { 0 };
        if need + reserve > width {
            if out.is_empty() {
                return format!("… +{rest}");
            }
            out.push_str(&tail);
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&t);
    }
    out
}

fn floor_line(s: &Snapshot, f: &Floor, max_riders: Option<u32>, width: u16) -> Line<'static> {
    let mut spans = vec![Span::raw(format!(" {:>3} │", f.number))];
    if f.number == s.current_floor {
        let count = match max_riders {
            Some(m) => format!("{}/{m}", s.aboard.len()),
            None => s.aboard.len().to_string(),
        };
        let label = format!("{}{} {count}", arrow(s.state), s.state);
        spans.push(Span::styled(
            format!("[{label:^w$}]", w = CAR_W - 2),
            state_style(s.state),
        ));
    } else {
        spans.push(Span::raw(" ".repeat(CAR_W)));
    }
    spans.push(Span::raw("│ "));
    let count_style = if f.waiting > 0 {
        Style::new().add_modifier(Modifier::BOLD)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    spans.push(Span::styled(format!("{:>4}", f.waiting), count_style));
    // 5 + 1 + CAR_W + 2 + 4 + 2 columns used before the riders, plus the border.
    let used = 5 + 1 + CAR_W + 2 + 4 + 2 + 2;
    let room = usize::from(width).saturating_sub(used);
    spans.push(Span::raw("  "));
    spans.push(Span::raw(fit_riders(&f.riders, room)));
    Line::from(spans)
}

fn draw(frame: &mut Frame, v: &View) {
    let area = frame.area();
    let floors = v.snap.as_ref().map_or(1, |s| s.floors.len() as u16);
    // A failed read gets a footer of up to three lines, wrapped, not cut.
    let foot_h = if v.error.is_some() { 3 } else { 1 };
    let [shaft, info, footer, _] = Layout::vertical([
        Constraint::Length(floors + 3),
        Constraint::Length(6),
        Constraint::Length(foot_h),
        Constraint::Min(0),
    ])
    .areas(area);

    let profile = v.snap.as_ref().and_then(Profile::infer);
    let title = format!(
        " elevator · {} · {} ",
        profile.map_or("unknown profile".to_string(), |p| format!("{p} profile")),
        v.path.display()
    );
    let block = match &v.error {
        // A failed read shows in the top border, over the last good snapshot.
        Some(_) => Block::bordered().title(
            Line::from(format!(
                " READ FAILED · showing the last good read · {} ",
                v.path.display()
            ))
            .style(Style::new().bold().fg(Color::White).bg(Color::Red)),
        ),
        None => Block::bordered().title(Line::from(title).style(Style::new().bold())),
    };

    let Some(s) = &v.snap else {
        let msg = v.error.clone().unwrap_or_else(|| "reading...".into());
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(msg, Style::new().fg(Color::Red))),
                Line::from(format!("retrying every {} ms; q quits", v.interval)),
            ])
            .block(block),
            area,
        );
        return;
    };

    // The shaft, top floor first (as printed).
    let mut lines = vec![Line::from(Span::styled(
        format!(
            " {:>3} │{:^w$}│ {:>4}  {}",
            "flr",
            "car",
            "wait",
            "queue (head first)",
            w = CAR_W
        ),
        Style::new().fg(Color::DarkGray),
    ))];
    let max_riders = profile.map(|p| p.max_riders);
    for f in &s.floors {
        lines.push(floor_line(s, f, max_riders, shaft.width));
    }
    frame.render_widget(Paragraph::new(lines).block(block), shaft);

    // The car and the counters.
    let [car, counters] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(info);
    let car_block = Block::bordered().title(" car ");
    let inner = car_block.inner(car);
    frame.render_widget(car_block, car);
    let [r0, r1, r2, r3] = Layout::vertical([Constraint::Length(1); 4]).areas(inner);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw("state  "),
            Span::styled(
                format!(" {}{} ", arrow(s.state), s.state),
                state_style(s.state),
            ),
            Span::raw(format!(" on floor {}", s.current_floor)),
        ])),
        r0,
    );
    let aboard = if s.aboard.is_empty() {
        "nobody".to_string()
    } else {
        join(&s.aboard)
    };
    frame.render_widget(Paragraph::new(format!("aboard {aboard}")), r1);
    let (load_ratio, load_label) = match profile {
        Some(p) => (
            f64::from(s.load_x10) / f64::from(p.max_load_x10),
            format!(
                "load   {} / {} lbs",
                s.load_display(),
                format_load_x10(p.max_load_x10)
            ),
        ),
        None => (0.0, format!("load   {} lbs", s.load_display())),
    };
    let gauge = |ratio: f64, label: String| {
        let over = ratio > 1.0;
        LineGauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .label(label)
            .filled_style(Style::new().fg(if over { Color::Red } else { Color::Cyan }))
            .unfilled_style(Style::new().fg(Color::DarkGray))
    };
    frame.render_widget(gauge(load_ratio, load_label), r2);
    let (count_ratio, count_label) = match profile {
        Some(p) => (
            f64::from(s.number_aboard) / f64::from(p.max_riders),
            format!("riders {} / {}", s.number_aboard, p.max_riders),
        ),
        None => (0.0, format!("riders {}", s.number_aboard)),
    };
    frame.render_widget(gauge(count_ratio, count_label), r3);

    let noun = &s.noun;
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(format!("aboard    {} {noun}", s.number_aboard)),
            Line::from(format!("waiting   {} {noun}", s.number_waiting)),
            Line::from(format!("serviced  {} {noun}", s.number_serviced)),
            Line::from(format!("issued    {}", s.issued())),
        ])
        .block(Block::bordered().title(" counters ")),
        counters,
    );

    // The footer: keys, and what is wrong if anything is.
    let mut problems: Vec<String> = s.problems().iter().map(|p| p.to_string()).collect();
    if let Some(p) = profile {
        problems.extend(p.problems(s).iter().map(|q| q.describe(p)));
    }
    let foot = if let Some(e) = &v.error {
        Line::from(Span::styled(
            format!(" read failed: {e}"),
            Style::new().fg(Color::Red),
        ))
    } else if let Some(first) = problems.first() {
        Line::from(Span::styled(
            format!(" ⚠ {} problem(s): {first}", problems.len()),
            Style::new().fg(Color::Red),
        ))
    } else {
        Line::from(Span::styled(
            format!(
                " q quit · r refresh · every {} ms · watching {}:{:02}",
                v.interval,
                v.elapsed.as_secs() / 60,
                v.elapsed.as_secs() % 60
            ),
            Style::new().fg(Color::DarkGray),
        ))
    };
    frame.render_widget(Paragraph::new(foot).wrap(Wrap { trim: false }), footer);
}

/// What a key press asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Quit,
    Refresh,
}

/// Decodes the bytes of one read from the terminal in raw mode: `q`, `Q`, Ctrl-C,
/// Ctrl-D or a lone Esc quit; `r` refreshes; the rest (arrows and other escape
/// sequences included) is ignored.
fn decode(bytes: &[u8]) -> Option<Key> {
    if bytes == [0x1b] {
        return Some(Key::Quit);
    }
    let mut out = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'q' | b'Q' | 0x03 | 0x04 => return Some(Key::Quit),
            b'r' | b'R' => out = Some(Key::Refresh),
            // An escape sequence: skip it (ESC [ ... final byte, or ESC + one byte).
            0x1b => {
                i += 1;
                if bytes.get(i) == Some(&b'[') {
                    while i + 1 < bytes.len() && !(0x40..=0x7e).contains(&bytes[i + 1]) {
                        i += 1;
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The terminal the keys come from: stdin when it is a terminal, else `/dev/tty`.
///
/// Read with plain `poll(2)` and `read(2)` rather than crossterm's event reader, which
/// needs epoll and a socketpair (for SIGWINCH), and so a kernel with networking: the
/// project's minimal VM kernel has none. Resizes are seen anyway, since every frame
/// asks the terminal for its size.
struct Keys {
    /// `/dev/tty` when opened (kept open while reading from its descriptor).
    tty: Option<std::fs::File>,
}

impl Keys {
    fn open() -> std::io::Result<Keys> {
        if std::io::stdin().is_terminal() {
            Ok(Keys { tty: None })
        } else {
            Ok(Keys {
                tty: Some(std::fs::File::open("/dev/tty")?),
            })
        }
    }

    fn fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.tty.as_ref().map_or(0, |f| f.as_raw_fd())
    }

    /// Waits up to `timeout` for a key. End of input (a hung-up terminal) quits.
    fn wait(&self, timeout: Duration) -> std::io::Result<Option<Key>> {
        let mut pfd = libc::pollfd {
            fd: self.fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd for the duration of the call.
        let n = unsafe { libc::poll(&mut pfd, 1, ms) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            return if e.kind() == std::io::ErrorKind::Interrupted {
                Ok(None)
            } else {
                Err(e)
            };
        }
        if n == 0 {
            return Ok(None);
        }
        let mut buf = [0u8; 64];
        // SAFETY: reads at most buf.len() bytes into buf.
        let got = unsafe { libc::read(self.fd(), buf.as_mut_ptr().cast(), buf.len()) };
        match got {
            0 => Ok(Some(Key::Quit)),
            n if n < 0 => {
                let e = std::io::Error::last_os_error();
                match e.kind() {
                    std::io::ErrorKind::Interrupted | std::io::ErrorKind::WouldBlock => Ok(None),
                    _ => Err(e),
                }
            }
            n => Ok(decode(&buf[..n as usize])),
        }
    }
}

fn run(terminal: &mut ratatui::DefaultTerminal, keys: &Keys, v: &mut View) -> std::io::Result<()> {
    let interval = Duration::from_millis(v.interval);
    let started = Instant::now();
    let mut next_read = Instant::now();
    loop {
        v.elapsed = started.elapsed();
        if Instant::now() >= next_read {
            match read_snapshot(v.path) {
                Ok(s) => {
                    v.snap = Some(s);
                    v.error = None;
                }
                Err(e) => v.error = Some(e.0),
            }
            v.reads += 1;
            next_read = Instant::now() + interval;
        }
        terminal.draw(|f| draw(f, v))?;
        let timeout = next_read.saturating_duration_since(Instant::now());
        match keys.wait(timeout)? {
            Some(Key::Quit) => return Ok(()),
            Some(Key::Refresh) => next_read = Instant::now(),
            None => {}
        }
    }
}

/// A size from `$COLUMNS` and `$LINES`, else 80x24: for terminals that report 0x0,
/// like a VM's serial console.
fn fallback_size() -> (u16, u16) {
    let env = |k: &str, d: u16| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.trim().parse::<u16>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(d)
    };
    (env("COLUMNS", 80), env("LINES", 24))
}

/// Raw mode, the alternate screen, a panic hook that restores the terminal, and a
/// viewport of the terminal's size (or [`fallback_size`] when it reports none).
fn setup_terminal() -> std::io::Result<ratatui::DefaultTerminal> {
    let (cols, rows) = ratatui::crossterm::terminal::size().unwrap_or((0, 0));
    if cols > 0 && rows > 0 {
        return ratatui::try_init();
    }
    let (cols, rows) = fallback_size();
    let t = ratatui::try_init_with_options(ratatui::TerminalOptions {
        viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, cols, rows)),
    })?;
    // Not Terminal::clear(), which asks the terminal where its cursor is.
    use ratatui::crossterm::terminal::{Clear, ClearType, EnterAlternateScreen};
    ratatui::crossterm::execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        Clear(ClearType::All)
    )?;
    Ok(t)
}

/// `elevctl watch`.
pub fn watch(path: &Path, interval: u64) -> Res<()> {
    if !std::io::stdout().is_terminal() {
        return Err(fail!(
            "watch needs a terminal (stdout is not one); use status or record instead"
        ));
    }
    // Without a terminal to read keys from, fail before taking over the screen.
    let keys = Keys::open().map_err(|_| {
        fail!("watch needs a terminal for its keys (stdin is not one and there is no /dev/tty)")
    })?;
    let mut terminal = setup_terminal().map_err(|e| {
        ratatui::restore();
        fail!("cannot set up the terminal: {e}")
    })?;
    let mut view = View {
        path,
        interval,
        snap: None,
        error: None,
        reads: 0,
        elapsed: Duration::ZERO,
    };
    let res = run(&mut terminal, &keys, &mut view);
    ratatui::restore();
    res.map_err(|e| fail!("terminal error: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    fn r(kind: char, dest: u32) -> Rider {
        Rider { kind, dest }
    }

    #[test]
    fn keys_decode() {
        assert_eq!(decode(b"q"), Some(Key::Quit));
        assert_eq!(decode(b"Q"), Some(Key::Quit));
        assert_eq!(decode(b"\x03"), Some(Key::Quit));
        assert_eq!(decode(b"\x1b"), Some(Key::Quit));
        assert_eq!(decode(b"r"), Some(Key::Refresh));
        assert_eq!(decode(b"xr"), Some(Key::Refresh));
        assert_eq!(decode(b"rq"), Some(Key::Quit));
        // Arrows and function keys are escape sequences, not Esc.
        assert_eq!(decode(b"\x1b[A"), None);
        assert_eq!(decode(b"\x1b[15~"), None);
        assert_eq!(decode(b"\x1b[Aq"), Some(Key::Quit));
        assert_eq!(decode(b"\x1bOP"), None);
        assert_eq!(decode(b"x"), None);
    }

    #[test]
    fn riders_fit_their_room() {
        let rs: Vec<Rider> = (0..10).map(|i| r('C', i % 5 + 1)).collect();
        assert_eq!(fit_riders(&rs[..2], 40), "C1 C2");
        assert_eq!(fit_riders(&rs, 14), "C1 C2 C3 … +7");
        assert!(fit_riders(&rs, 14).chars().count() <= 14);
        assert_eq!(fit_riders(&rs, 3), "… +10");
        assert_eq!(fit_riders(&[], 3), "");
    }

    #[test]
    fn draws_a_frame() {
        let text = include_str!("../tests/fixtures/pets.txt");
        let view = View {
            path: Path::new("/proc/elevator"),
            interval: 250,
            snap: Some(elevator_proc::parse(text).unwrap()),
            error: None,
            reads: 1,
            elapsed: Duration::from_secs(83),
        };
        let screen = screen_of(&view);
        for want in [
            "watching 1:23",
            "pets profile",
            "LOADING 4/5",
            "P5 C1",
            "load   43 / 50 lbs",
            "serviced  27 pets",
            "C5 D2 P3 H1",
        ] {
            assert!(screen.contains(want), "{want} not in\n{screen}");
        }
    }

    fn screen_of(view: &View) -> String {
        let mut t = Terminal::new(TestBackend::new(80, 20)).unwrap();
        t.draw(|f| draw(f, view)).unwrap();
        let buf = t.backend().buffer().clone();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
                    + "\n"
            })
            .collect()
    }

    #[test]
    fn a_failed_read_shows_at_the_top_and_in_full() {
        let text = include_str!("../tests/fixtures/pets.txt");
        let error = "cannot read /proc/elevator: no such file (is the elevator module loaded?) \
                     and then some more words so that it needs a second line";
        let view = View {
            path: Path::new("/proc/elevator"),
            interval: 250,
            snap: Some(elevator_proc::parse(text).unwrap()),
            error: Some(error.to_string()),
            reads: 2,
            elapsed: Duration::from_secs(5),
        };
        let screen = screen_of(&view);
        let first = screen.lines().next().unwrap();
        assert!(first.contains("READ FAILED"), "{screen}");
        // The whole message, wrapped over the footer's lines.
        let flat: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("so that it needs a second line"), "{screen}");
        assert!(screen.contains("LOADING 4/5"), "{screen}");
    }
}

// SPDX-License-Identifier: GPL-2.0
//! `elevctl plot`: draws a CSV from `record` as a self-contained SVG: the car's floor
//! over time (a step line, left axis) and the number of riders waiting (a step line,
//! right axis), with the car's LOADING stops marked.

use crate::record::{read_csv, Sample};
use crate::{fail, Res};
use elevator_proc::State;
use std::fmt::Write as _;
use std::path::Path;

const W: f64 = 960.0;
const H: f64 = 480.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 80.0;
const TOP: f64 = 60.0;
const BOTTOM: f64 = 60.0;
const FLOOR_COLOR: &str = "#1f77b4";
const WAITING_COLOR: &str = "#d62728";
const LOADING_COLOR: &str = "#2ca02c";

/// A step of 1, 2 or 5 times a power of ten giving about `ticks` ticks over `span`.
fn nice_step(span: f64, ticks: f64) -> f64 {
    let raw = (span / ticks).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let m = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r}")
    }
}

/// The SVG document for these samples.
pub fn render(samples: &[Sample], title: &str) -> String {
    let t_end = samples.last().map_or(0, |s| s.time_ms) as f64 / 1000.0;
    let t_span = if t_end > 0.0 { t_end } else { 1.0 };
    let f_lo = samples.iter().map(|s| s.floor).min().unwrap_or(1).min(1) as f64;
    let f_hi = samples.iter().map(|s| s.floor).max().unwrap_or(1).max(2) as f64;
    let w_max_seen = samples.iter().map(|s| s.waiting).max().unwrap_or(0) as f64;
    let w_step = nice_step(w_max_seen.max(1.0), 5.0).max(1.0);
    let w_top = ((w_max_seen / w_step).ceil() * w_step).max(w_step);

    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let x = |t: f64| LEFT + t / t_span * pw;
    let yf = |f: f64| TOP + (f_hi - f) / (f_hi - f_lo) * ph;
    let yw = |w: f64| TOP + (1.0 - w / w_top) * ph;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">
<title>{}</title>
<rect x="0" y="0" width="{W}" height="{H}" fill="white"/>
<text x="{}" y="24" font-size="16" text-anchor="middle">{}</text>"#,
        esc(title),
        W / 2.0,
        esc(title)
    );
    let served = match (samples.first(), samples.last()) {
        (Some(a), Some(b)) => b.serviced.saturating_sub(a.serviced),
        _ => 0,
    };
    let _ = writeln!(
        s,
        r##"<text x="{}" y="42" text-anchor="middle" fill="#555">{} samples over {} s, {served} riders serviced</text>"##,
        W / 2.0,
        samples.len(),
        num(t_end)
    );

    // Grid and axes.
    let _ = writeln!(s, r##"<g id="axes" stroke="#ccc" stroke-width="1">"##);
    let mut f = f_lo;
    while f <= f_hi {
        let _ = writeln!(
            s,
            r#"<line x1="{LEFT}" y1="{y}" x2="{x2}" y2="{y}"/>"#,
            y = num(yf(f)),
            x2 = W - RIGHT
        );
        f += 1.0;
    }
    let _ = writeln!(s, "</g>");
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>"##
    );
    // Floor ticks (left).
    let mut f = f_lo;
    while f <= f_hi {
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" fill="{FLOOR_COLOR}">{}</text>"#,
            LEFT - 8.0,
            num(yf(f) + 4.0),
            f as i64
        );
        f += 1.0;
    }
    // Waiting ticks (right).
    let mut w = 0.0;
    while w <= w_top + w_step / 2.0 {
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" fill="{WAITING_COLOR}">{}</text>"#,
            W - RIGHT + 8.0,
            num(yw(w) + 4.0),
            num(w)
        );
        w += w_step;
    }
    // Time ticks (bottom).
    let t_step = nice_step(t_span, 8.0);
    let mut t = 0.0;
    while t <= t_span + t_step / 1000.0 {
        let _ = writeln!(
            s,
            r##"<line x1="{xt}" y1="{y0}" x2="{xt}" y2="{y1}" stroke="#333"/><text x="{xt}" y="{ty}" text-anchor="middle">{}</text>"##,
            num(t),
            xt = num(x(t)),
            y0 = H - BOTTOM,
            y1 = H - BOTTOM + 5.0,
            ty = H - BOTTOM + 18.0
        );
        t += t_step;
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">time (s)</text>"#,
        LEFT + pw / 2.0,
        H - 18.0
    );
    let _ = writeln!(
        s,
        r#"<text x="18" y="{cy}" text-anchor="middle" fill="{FLOOR_COLOR}" transform="rotate(-90 18 {cy})">car floor</text>"#,
        cy = TOP + ph / 2.0
    );
    let _ = writeln!(
        s,
        r#"<text x="{cx}" y="{cy}" text-anchor="middle" fill="{WAITING_COLOR}" transform="rotate(90 {cx} {cy})">riders waiting</text>"#,
        cx = W - 22.0,
        cy = TOP + ph / 2.0
    );

    // LOADING stops as dots on the floor line.
    let _ = writeln!(s, r#"<g id="loading" fill="{LOADING_COLOR}">"#);
    for smp in samples.iter().filter(|s| s.state == State::Loading) {
        let _ = writeln!(
            s,
            r#"<circle cx="{}" cy="{}" r="2.5"/>"#,
            num(x(smp.time_ms as f64 / 1000.0)),
            num(yf(f64::from(smp.floor)))
        );
    }
    let _ = writeln!(s, "</g>");

    // The car's floor: a step line (it holds its floor until the next sample).
    if let Some(first) = samples.first() {
        let mut d = format!(
            "M{} {}",
            num(x(first.time_ms as f64 / 1000.0)),
            num(yf(f64::from(first.floor)))
        );
        for smp in &samples[1..] {
            let _ = write!(
                d,
                " H{} V{}",
                num(x(smp.time_ms as f64 / 1000.0)),
                num(yf(f64::from(smp.floor)))
            );
        }
        let _ = writeln!(
            s,
            r#"<path id="floor" d="{d}" fill="none" stroke="{FLOOR_COLOR}" stroke-width="2"/>"#
        );
        let mut w = format!(
            "M{} {}",
            num(x(first.time_ms as f64 / 1000.0)),
            num(yw(first.waiting as f64))
        );
        for smp in &samples[1..] {
            let _ = write!(
                w,
                " H{} V{}",
                num(x(smp.time_ms as f64 / 1000.0)),
                num(yw(smp.waiting as f64))
            );
        }
        let _ = writeln!(
            s,
            r#"<path id="waiting" d="{w}" fill="none" stroke="{WAITING_COLOR}" stroke-width="1.5"/>"#
        );
    }

    // Legend.
    let ly = TOP - 8.0;
    let _ = writeln!(
        s,
        r#"<g id="legend"><line x1="{LEFT}" y1="{ly}" x2="{}" y2="{ly}" stroke="{FLOOR_COLOR}" stroke-width="2"/><text x="{}" y="{}">car floor</text><line x1="{}" y1="{ly}" x2="{}" y2="{ly}" stroke="{WAITING_COLOR}" stroke-width="1.5"/><text x="{}" y="{}">riders waiting</text><circle cx="{}" cy="{ly}" r="3" fill="{LOADING_COLOR}"/><text x="{}" y="{}">LOADING</text></g>"#,
        LEFT + 20.0,
        LEFT + 25.0,
        ly + 4.0,
        LEFT + 110.0,
        LEFT + 130.0,
        LEFT + 135.0,
        ly + 4.0,
        LEFT + 250.0,
        LEFT + 258.0,
        ly + 4.0
    );
    s.push_str("</svg>\n");
    s
}

/// `elevctl plot`.
pub fn plot(input: &Path, out: &Path) -> Res<()> {
    let samples = read_csv(input)?;
    if samples.is_empty() {
        return Err(fail!("{} has no samples to plot", input.display()));
    }
    let name = input
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let svg = render(
        &samples,
        &format!("Elevator: car floor and riders waiting ({name})"),
    );
    std::fs::write(out, svg)
        .map_err(|e| fail!("cannot write {}: {}", out.display(), crate::io_text(&e)))?;
    println!("plotted {} samples to {}", samples.len(), out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_nice() {
        assert_eq!(nice_step(10.0, 5.0), 2.0);
        assert_eq!(nice_step(100.0, 5.0), 20.0);
        assert_eq!(nice_step(7.0, 8.0), 1.0);
        assert_eq!(nice_step(3.0, 8.0), 0.5);
        assert_eq!(nice_step(1000.0, 5.0), 200.0);
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(1.23456), "1.23");
        assert_eq!(num(-0.5), "-0.5");
    }

    #[test]
    fn escapes_text() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}

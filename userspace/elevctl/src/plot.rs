// SPDX-License-Identifier: GPL-2.0
//! `elevctl plot`: draws a CSV from `record` as a self-contained SVG: the car's floor
//! over time (a step line, left axis) and the number of riders waiting (a step line,
//! right axis), with the car's LOADING stops marked.

use crate::record::{read_csv, Sample};
use crate::{fail, Res};
use elevator_proc::State;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

const W: u32 = 960;
const H: u32 = 480;
/// The car's floor (a step line on the left axis).
pub const FLOOR_COLOR: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
/// The riders waiting (a step line on the right axis).
pub const WAITING_COLOR: RGBColor = RGBColor(0xd6, 0x27, 0x28);
/// A dot at each LOADING sample, on the floor line.
pub const LOADING_COLOR: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);
const NOTE_COLOR: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// A step line through `(t, v)` points: each value holds until the next sample.
fn steps<V: Copy>(points: impl IntoIterator<Item = (f64, V)>) -> Vec<(f64, V)> {
    let mut out: Vec<(f64, V)> = Vec::new();
    for (t, v) in points {
        if let Some(&(_, prev)) = out.last() {
            out.push((t, prev));
        }
        out.push((t, v));
    }
    out
}

fn secs(s: &Sample) -> f64 {
    s.time_ms as f64 / 1000.0
}

/// The SVG document for these samples.
pub fn render(samples: &[Sample], title: &str) -> Result<String, String> {
    let mut svg = String::new();
    draw(&mut svg, samples, title).map_err(|e| format!("cannot draw the plot: {e}"))?;
    Ok(svg)
}

fn draw(
    svg: &mut String,
    samples: &[Sample],
    title: &str,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let t_end = samples.last().map_or(0.0, secs);
    let t_span = if t_end > 0.0 { t_end } else { 1.0 };
    let f_lo = samples.iter().map(|s| s.floor).min().unwrap_or(1).min(1);
    let f_hi = samples.iter().map(|s| s.floor).max().unwrap_or(1).max(2);
    let w_top = samples.iter().map(|s| s.waiting).max().unwrap_or(0).max(1);
    let served = match (samples.first(), samples.last()) {
        (Some(a), Some(b)) => b.serviced.saturating_sub(a.serviced),
        _ => 0,
    };

    let root = SVGBackend::with_string(svg, (W, H)).into_drawing_area();
    root.fill(&WHITE)?;
    let (head, body) = root.split_vertically(64);
    let font = |size: f64, color: &RGBColor| ("sans-serif", size).into_font().color(color);
    let centre = Pos::new(HPos::Center, VPos::Center);
    let left = Pos::new(HPos::Left, VPos::Center);
    head.draw(&Text::new(
        title.to_string(),
        (W as i32 / 2, 16),
        font(20.0, &BLACK).pos(centre),
    ))?;
    head.draw(&Text::new(
        format!(
            "{} samples over {} s, {served} riders serviced",
            samples.len(),
            (t_end * 100.0).round() / 100.0
        ),
        (W as i32 / 2, 34),
        font(15.0, &NOTE_COLOR).pos(centre),
    ))?;
    // The legend, above the plot so that it never hides a line.
    let (x, y) = (70, 54);
    head.draw(&PathElement::new(
        [(x, y), (x + 20, y)],
        FLOOR_COLOR.stroke_width(2),
    ))?;
    head.draw(&Text::new(
        "car floor",
        (x + 25, y),
        font(15.0, &BLACK).pos(left),
    ))?;
    head.draw(&PathElement::new(
        [(x + 110, y), (x + 130, y)],
        WAITING_COLOR.stroke_width(2),
    ))?;
    head.draw(&Text::new(
        "riders waiting",
        (x + 135, y),
        font(15.0, &BLACK).pos(left),
    ))?;
    head.draw(&Circle::new((x + 250, y), 3, LOADING_COLOR.filled()))?;
    head.draw(&Text::new(
        "LOADING",
        (x + 258, y),
        font(15.0, &BLACK).pos(left),
    ))?;

    let mut chart = ChartBuilder::on(&body)
        .margin_right(10)
        .margin_bottom(10)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .right_y_label_area_size(60)
        .build_cartesian_2d(0f64..t_span, f_lo..f_hi)?
        .set_secondary_coord(0f64..t_span, 0u64..w_top);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_labels((f_hi - f_lo + 1) as usize)
        .x_label_formatter(&|t| format!("{t}"))
        .x_desc("time (s)")
        .y_desc("car floor")
        .axis_desc_style(font(15.0, &BLACK))
        .x_label_style(font(15.0, &BLACK))
        .y_label_style(font(15.0, &FLOOR_COLOR))
        .draw()?;
    chart
        .configure_secondary_axes()
        .y_desc("riders waiting")
        .axis_desc_style(font(15.0, &WAITING_COLOR))
        .label_style(font(15.0, &WAITING_COLOR))
        .draw()?;

    chart.draw_series(LineSeries::new(
        steps(samples.iter().map(|s| (secs(s), s.floor))),
        FLOOR_COLOR.stroke_width(2),
    ))?;
    chart.draw_secondary_series(LineSeries::new(
        steps(samples.iter().map(|s| (secs(s), s.waiting))),
        WAITING_COLOR.stroke_width(2),
    ))?;
    chart.draw_series(
        samples
            .iter()
            .filter(|s| s.state == State::Loading)
            .map(|s| Circle::new((secs(s), s.floor), 3, LOADING_COLOR.filled())),
    )?;
    root.present()?;
    Ok(())
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
    )
    .map_err(|e| fail!("{e}"))?;
    std::fs::write(out, svg)
        .map_err(|e| fail!("cannot write {}: {}", out.display(), crate::io_text(&e)))?;
    println!("plotted {} samples to {}", samples.len(), out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_lines_hold_each_value() {
        assert_eq!(
            steps([(0.0, 1), (2.0, 2), (3.0, 2)]),
            [(0.0, 1), (2.0, 1), (2.0, 2), (3.0, 2), (3.0, 2)]
        );
        assert!(steps::<u32>([]).is_empty());
    }
}

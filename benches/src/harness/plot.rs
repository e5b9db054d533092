//! The PNG of a run: the latency percentile curve (top) and throughput per second (bottom).
//!
//! Rendered with plotters' bitmap backend; text uses a bundled ASCII subset of DejaVu Sans
//! (`assets/DejaVuSans-ascii.ttf`, Bitstream Vera license, see `assets/README.md`) through
//! plotters' `ab_glyph` feature, so no system font or fontconfig is needed.

use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

use super::error::BenchError;

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans-ascii.ttf");
static REGISTER: Once = Once::new();

/// What one PNG shows.
pub struct PlotInput<'a> {
    /// The title line.
    pub title: String,
    /// (percentile, latency us) points.
    pub curve: &'a [(f64, f64)],
    /// Operations completed in each second since the start.
    pub timeline: &'a [u64],
    /// Where the measured window starts, seconds.
    pub warmup_seconds: f64,
    /// What the operations are called ("adds", "reads").
    pub operation: &'a str,
    /// What the latency measures (caption of the top chart).
    pub latency_measures: &'a str,
    /// Warm-up plus measured seconds: the timeline is drawn up to here (the drain after it
    /// is a partial second).
    pub run_seconds: f64,
}

fn register_font() -> Result<(), BenchError> {
    let mut result = Ok(());
    REGISTER.call_once(|| {
        result = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .map_err(|_| BenchError::Other("the bundled font is not a valid TTF".to_owned()));
    });
    result
}

/// Writes the PNG to `path`.
pub fn render(path: &Path, input: &PlotInput<'_>) -> Result<(), BenchError> {
    register_font()?;
    draw(path, input)
        .map_err(|error| BenchError::Other(format!("plot {}: {error}", path.display())))
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Percentile `p` as "nines": 0 at 0 %, 1 at 90 %, 2 at 99 %, 3 at 99.9 %...
fn nines(percentile: f64) -> f64 {
    -(1.0 - percentile / 100.0).max(1e-7).log10()
}

fn percentile_label(nines: f64) -> String {
    let percentile = 100.0 * (1.0 - 10f64.powf(-nines));
    if nines < 0.5 {
        "0%".to_owned()
    } else {
        let digits = (nines.round() as usize).saturating_sub(2);
        format!("{percentile:.digits$}%")
    }
}

fn draw(path: &Path, input: &PlotInput<'_>) -> DrawResult {
    let root = BitMapBackend::new(path, (800, 640)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(&input.title, ("sans-serif", 17))?;
    let (top, bottom) = root.split_vertically(350);

    let x_max = input
        .curve
        .iter()
        .map(|(percentile, _)| nines(*percentile))
        .fold(2.0f64, f64::max)
        .ceil()
        .min(6.0);
    let y_min = input
        .curve
        .iter()
        .map(|(_, us)| *us)
        .fold(f64::INFINITY, f64::min)
        .max(1.0)
        / 1.5;
    let y_max = input
        .curve
        .iter()
        .map(|(_, us)| *us)
        .fold(10.0f64, f64::max)
        * 1.5;
    let mut chart = ChartBuilder::on(&top)
        .caption(
            format!("latency by percentile ({})", input.latency_measures),
            ("sans-serif", 14),
        )
        .margin(12)
        .margin_right(40)
        .x_label_area_size(36)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..x_max, (y_min..y_max).log_scale())?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .x_labels(x_max as usize + 1)
        .x_label_formatter(&|x| percentile_label(*x))
        .y_label_formatter(&|us| super::stats::human_us(*us))
        .x_desc("percentile")
        .y_desc("latency")
        .label_style(("sans-serif", 13))
        .draw()?;
    chart.draw_series(LineSeries::new(
        input
            .curve
            .iter()
            .map(|(percentile, us)| (nines(*percentile), *us)),
        ShapeStyle::from(&BLUE).stroke_width(2),
    ))?;

    let whole_seconds = (input.run_seconds.floor() as usize).max(1);
    let timeline = input
        .timeline
        .get(..whole_seconds)
        .unwrap_or(input.timeline);
    let seconds = timeline.len().max(1) as f64;
    let peak = timeline.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.15;
    let mut chart = ChartBuilder::on(&bottom)
        .caption(
            format!(
                "{} per second (warm-up before the red line)",
                input.operation
            ),
            ("sans-serif", 14),
        )
        .margin(12)
        .margin_right(40)
        .x_label_area_size(36)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..seconds, 0f64..peak)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .x_desc("seconds")
        .y_desc(format!("{}/s", input.operation))
        .y_label_formatter(&|value| format!("{value:.0}"))
        .label_style(("sans-serif", 13))
        .draw()?;
    chart.draw_series(LineSeries::new(
        timeline
            .iter()
            .enumerate()
            .map(|(second, count)| (second as f64 + 0.5, *count as f64)),
        ShapeStyle::from(&BLUE).stroke_width(2),
    ))?;
    chart.draw_series(LineSeries::new(
        [(input.warmup_seconds, 0.0), (input.warmup_seconds, peak)],
        ShapeStyle::from(&RED).stroke_width(1),
    ))?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn percentile_axis_labels_count_nines() {
        assert_eq!(percentile_label(0.0), "0%");
        assert_eq!(percentile_label(1.0), "90%");
        assert_eq!(percentile_label(2.0), "99%");
        assert_eq!(percentile_label(3.0), "99.9%");
        assert_eq!(percentile_label(4.0), "99.99%");
        assert!((nines(99.9) - 3.0).abs() < 1e-9);
    }
}

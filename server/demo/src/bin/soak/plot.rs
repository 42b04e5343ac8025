//! The samples drawn as a PNG (plotters, bitmap backend): six panels over
//! time. Text needs a TrueType font: DejaVu Sans (Debian's
//! `fonts-dejavu-core`), or the file in `SOAK_FONT`.

use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use crate::sample::Row;

const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
];

/// Registers the font once; an error says where it was looked for.
fn font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let paths: Vec<String> = std::env::var("SOAK_FONT")
                .into_iter()
                .chain(FONT_PATHS.iter().map(|p| p.to_string()))
                .collect();
            let bytes = paths
                .iter()
                .find_map(|path| std::fs::read(path).ok())
                .ok_or_else(|| {
                    format!(
                        "no font at {} (apt-get install fonts-dejavu-core, or set SOAK_FONT)",
                        paths.join(", ")
                    )
                })?;
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            register_font("sans-serif", FontStyle::Normal, bytes)
                .map_err(|_| "the font file does not parse".to_string())
        })
        .clone()
}

/// A labelled series: its value in a sample.
type Series = (&'static str, fn(&Row) -> f64);

/// One panel: a title and up to three series, drawn in blue, orange and
/// green.
struct Panel {
    title: &'static str,
    lines: &'static [Series],
}

const PANELS: [Panel; 6] = [
    Panel {
        title: "resident memory (MB)",
        lines: &[("RSS", |r| r.server.rss_kb as f64 / 1024.0)],
    },
    Panel {
        title: "open files and OS threads",
        lines: &[
            ("open files", |r| r.server.open_files as f64),
            ("threads", |r| r.server.threads as f64),
        ],
    },
    Panel {
        title: "live tokio tasks",
        lines: &[("tasks", |r| r.server.tasks as f64)],
    },
    Panel {
        title: "sockets, channels, presence entries",
        lines: &[
            ("sockets", |r| r.server.sockets as f64),
            ("channels", |r| r.server.channels as f64),
            ("presences", |r| r.server.presences as f64),
        ],
    },
    Panel {
        title: "queued frames (outbound, all sockets) and runtime queue",
        lines: &[
            ("outbound", |r| r.server.out_queued as f64),
            ("largest", |r| r.server.out_queue_max as f64),
            ("runtime", |r| r.server.runtime_queue as f64),
        ],
    },
    Panel {
        title: "load per second",
        lines: &[
            ("HTTP", |r| r.load.http_ok as f64),
            ("joins", |r| r.load.joins as f64),
            ("frames/100", |r| r.load.frames_in as f64 / 100.0),
        ],
    },
];

const COLORS: [RGBColor; 3] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
];

/// Draws the run's samples to `path`.
pub fn draw(path: &Path, title: &str, rows: &[Row]) -> Result<(), String> {
    font()?;
    if rows.is_empty() {
        return Err("no samples".into());
    }
    let root = BitMapBackend::new(path, (1400, 1000)).into_drawing_area();
    let err = |e: DrawingAreaErrorKind<_>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let root = root.titled(title, ("sans-serif", 26)).map_err(err)?;
    let minutes = rows.last().map_or(1.0, |r| r.t / 60.0).max(0.1);
    for (area, panel) in root.split_evenly((3, 2)).iter().zip(&PANELS) {
        let lines: Vec<_> = panel
            .lines
            .iter()
            .zip(COLORS)
            .map(|((label, value), color)| {
                let points: Vec<(f64, f64)> = rows.iter().map(|r| (r.t / 60.0, value(r))).collect();
                (*label, color, points)
            })
            .collect();
        let top = lines
            .iter()
            .flat_map(|(_, _, points)| points.iter().map(|(_, v)| *v))
            .fold(1.0f64, f64::max)
            * 1.15;
        let mut chart = ChartBuilder::on(area)
            .caption(panel.title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..minutes, 0.0..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("minutes")
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        for (label, color, points) in lines {
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 16, y)], color.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 12))
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

//! Overview: headline cards and plots of the last minutes of stats.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{Corner, Legend, Line, Plot, PlotPoint, PlotPoints};

use super::{human_count, human_us, BLUE, GREEN, GREY, PURPLE, RED, YELLOW};
use crate::model::{Model, StatsPoint};

/// One plotted series: its name, colour and how to read it from a point.
struct Series {
    name: &'static str,
    color: Color32,
    value: fn(&StatsPoint) -> f64,
}

/// One plot: a title and its series.
struct Chart {
    title: &'static str,
    series: &'static [Series],
}

const CHARTS: &[Chart] = &[
    Chart {
        title: "Messages / s",
        series: &[
            Series {
                name: "in",
                color: GREEN,
                value: |p| p.messages_in as f64,
            },
            Series {
                name: "out",
                color: BLUE,
                value: |p| p.messages_out as f64,
            },
        ],
    },
    Chart {
        title: "Broadcasts / s",
        series: &[Series {
            name: "broadcasts",
            color: PURPLE,
            value: |p| p.broadcasts as f64,
        }],
    },
    Chart {
        title: "HTTP requests / s",
        series: &[Series {
            name: "requests",
            color: YELLOW,
            value: |p| p.http_requests as f64,
        }],
    },
    Chart {
        title: "HTTP latency (ms)",
        series: &[
            Series {
                name: "avg",
                color: GREEN,
                value: |p| p.http_avg_us as f64 / 1000.0,
            },
            Series {
                name: "max",
                color: RED,
                value: |p| p.http_max_us as f64 / 1000.0,
            },
        ],
    },
    Chart {
        title: "Sockets & channels",
        series: &[
            Series {
                name: "sockets",
                color: BLUE,
                value: |p| p.sockets as f64,
            },
            Series {
                name: "channels",
                color: PURPLE,
                value: |p| p.channels as f64,
            },
        ],
    },
    Chart {
        title: "Dropped events (server counter)",
        series: &[Series {
            name: "dropped",
            color: GREY,
            value: |p| p.events_dropped as f64,
        }],
    },
];

/// The overview's state: plot points, rebuilt only when a new stats point
/// arrives (once a second), not every frame.
#[derive(Default)]
pub struct OverviewView {
    /// `(at_ms of the newest point, number of points)` the cache was built for.
    built_for: Option<(i64, usize)>,
    /// Per chart, per series: points with x = seconds before the newest.
    points: Vec<Vec<Vec<PlotPoint>>>,
}

impl OverviewView {
    fn rebuild(&mut self, model: &Model) {
        let key = model.series.back().map(|p| (p.at_ms, model.series.len()));
        if key == self.built_for && !self.points.is_empty() {
            return;
        }
        self.built_for = key;
        let newest = model.series.back().map_or(0, |p| p.at_ms);
        self.points = CHARTS
            .iter()
            .map(|chart| {
                chart
                    .series
                    .iter()
                    .map(|series| {
                        model
                            .series
                            .iter()
                            .map(|p| {
                                PlotPoint::new(
                                    (p.at_ms - newest) as f64 / 1000.0,
                                    (series.value)(p),
                                )
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
    }

    /// Shows the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, model: &Model) {
        self.rebuild(model);
        cards(ui, model);
        ui.add_space(8.0);
        if model.series.is_empty() {
            ui.label(RichText::new("Waiting for the first stats (sent every second)…").color(GREY));
            return;
        }
        let spacing = ui.spacing().item_spacing;
        let width = ((ui.available_width() - spacing.x) / 2.0).max(200.0);
        let rows = CHARTS.len().div_ceil(2) as f32;
        let height = ((ui.available_height() - rows * (spacing.y + 22.0)) / rows).max(110.0);
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for (pair_index, pair) in CHARTS.chunks(2).enumerate() {
                    ui.horizontal(|ui| {
                        for (offset, chart) in pair.iter().enumerate() {
                            let index = pair_index * 2 + offset;
                            ui.vertical(|ui| {
                                ui.set_width(width);
                                ui.label(RichText::new(chart.title).strong());
                                self.plot(ui, index, chart, width, height);
                            });
                        }
                    });
                }
            });
    }

    fn plot(&self, ui: &mut egui::Ui, index: usize, chart: &Chart, width: f32, height: f32) {
        let Some(lines) = self.points.get(index) else {
            return;
        };
        // Headroom above the highest point keeps lines clear of the legend
        // and gives the y axis labelled ticks.
        let top = lines.iter().flatten().map(|p| p.y).fold(1.0_f64, f64::max);
        Plot::new(("overview-plot", index))
            .width(width)
            .height(height)
            .legend(Legend::default().position(Corner::LeftTop))
            .include_y(top * 1.3)
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .include_y(0.0)
            .include_y(1.0)
            .include_x(-60.0)
            .include_x(0.0)
            .x_axis_formatter(|mark, _range| relative_seconds(mark.value))
            .y_axis_min_width(36.0)
            .show(ui, |plot| {
                for (series, points) in chart.series.iter().zip(lines) {
                    plot.line(
                        Line::new(series.name, PlotPoints::Borrowed(points))
                            .color(series.color)
                            .width(1.5),
                    );
                }
            });
    }
}

/// An x-axis label: seconds before now, as `-30s`, `-2m`, `now`.
fn relative_seconds(x: f64) -> String {
    let s = x.round() as i64;
    if s == 0 {
        "now".into()
    } else if s % 60 == 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

fn card(ui: &mut egui::Ui, title: &str, value: String, sub: Option<String>, color: Color32) {
    egui::Frame::group(ui.style())
        .inner_margin(egui::Margin::symmetric(12, 8))
        .show(ui, |ui| {
            ui.set_min_width(118.0);
            ui.vertical(|ui| {
                ui.label(RichText::new(title).small().color(GREY));
                ui.label(RichText::new(value).size(22.0).strong().color(color));
                if let Some(sub) = sub {
                    ui.label(RichText::new(sub).small().color(GREY));
                }
            });
        });
}

fn cards(ui: &mut egui::Ui, model: &Model) {
    let last = model.last_stats().copied().unwrap_or_default();
    let text = ui.visuals().strong_text_color();
    ui.horizontal_wrapped(|ui| {
        card(
            ui,
            "Sockets",
            human_count(model.sockets.len() as u64),
            Some(format!("{} on the server", human_count(last.sockets))),
            text,
        );
        card(
            ui,
            "Channels",
            human_count(last.channels),
            Some(format!("{} topics", human_count(model.topics.len() as u64))),
            text,
        );
        card(
            ui,
            "Messages in / s",
            human_count(last.messages_in),
            None,
            GREEN,
        );
        card(
            ui,
            "Messages out / s",
            human_count(last.messages_out),
            None,
            BLUE,
        );
        card(
            ui,
            "Broadcasts / s",
            human_count(last.broadcasts),
            None,
            PURPLE,
        );
        card(
            ui,
            "HTTP req / s",
            human_count(last.http_requests),
            None,
            YELLOW,
        );
        card(
            ui,
            "HTTP avg latency",
            if last.http_requests == 0 {
                "–".into()
            } else {
                human_us(last.http_avg_us)
            },
            (last.http_requests > 0).then(|| format!("max {}", human_us(last.http_max_us))),
            text,
        );
        card(
            ui,
            "Dropped events",
            human_count(model.dropped),
            Some(format!("{} received", human_count(model.events_received))),
            if model.dropped > 0 { RED } else { text },
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_labels_are_relative() {
        assert_eq!(relative_seconds(0.0), "now");
        assert_eq!(relative_seconds(-30.0), "-30s");
        assert_eq!(relative_seconds(-120.0), "-2m");
    }

    #[test]
    fn charts_read_their_series() {
        let point = StatsPoint {
            messages_in: 3,
            http_avg_us: 1500,
            ..StatsPoint::default()
        };
        assert_eq!((CHARTS[0].series[0].value)(&point), 3.0);
        assert_eq!((CHARTS[3].series[0].value)(&point), 1.5);
    }
}

//! Whether a series grew without bound over the run.
//!
//! The samples after the warm-up (a fifth of the run, at least 20 s) are
//! cut into three equal spans and each span's median is taken, so a spike
//! or a sawtooth (a queue filling and draining, the allocator keeping
//! memory) does not count. A series grew without bound if it rose from the
//! first span to the second and the last span is above the first by more
//! than its allowance: a fraction of the first span's level plus an
//! absolute amount (memory: 10 % + 16 MB; open files and sockets: 5 % +
//! 100; queued frames: 50 % + 10,000; ...). A leak keeps rising through
//! all three spans; a level that settles does not. The slope (least
//! squares over the judged samples, per minute) is printed with each series.

use crate::sample::{Row, ServerSample};

/// How much a series may rise before it counts as growing.
struct Allowance {
    name: &'static str,
    unit: &'static str,
    value: fn(&ServerSample) -> f64,
    relative: f64,
    absolute: f64,
}

const SERIES: &[Allowance] = &[
    Allowance {
        name: "resident memory",
        unit: "MB",
        value: |s| s.rss_kb as f64 / 1024.0,
        relative: 0.10,
        absolute: 16.0,
    },
    Allowance {
        name: "open files",
        unit: "",
        value: |s| s.open_files as f64,
        relative: 0.05,
        absolute: 100.0,
    },
    Allowance {
        name: "threads",
        unit: "",
        value: |s| s.threads as f64,
        relative: 0.0,
        absolute: 8.0,
    },
    Allowance {
        name: "tokio tasks",
        unit: "",
        value: |s| s.tasks as f64,
        relative: 0.05,
        absolute: 200.0,
    },
    Allowance {
        name: "runtime queue",
        unit: "tasks",
        value: |s| s.runtime_queue as f64,
        relative: 0.5,
        absolute: 1000.0,
    },
    Allowance {
        name: "sockets",
        unit: "",
        value: |s| s.sockets as f64,
        relative: 0.05,
        absolute: 100.0,
    },
    Allowance {
        name: "joined channels",
        unit: "",
        value: |s| s.channels as f64,
        relative: 0.05,
        absolute: 200.0,
    },
    Allowance {
        name: "outbound queues",
        unit: "frames",
        value: |s| s.out_queued as f64,
        relative: 0.5,
        // Slow consumers fill theirs to 1,024 frames before they are cut
        // off: a sawtooth of up to 20,000 frames with the default 20.
        absolute: 10_000.0,
    },
    Allowance {
        name: "PubSub topics",
        unit: "",
        value: |s| s.topics as f64,
        relative: 0.05,
        absolute: 100.0,
    },
    Allowance {
        name: "PubSub subscriptions",
        unit: "",
        value: |s| s.subscriptions as f64,
        relative: 0.05,
        absolute: 200.0,
    },
    Allowance {
        name: "presence entries",
        unit: "",
        value: |s| s.presences as f64,
        relative: 0.1,
        absolute: 100.0,
    },
];

/// The judgement of one series.
#[derive(Debug, Clone)]
pub struct Finding {
    /// What was measured.
    pub name: &'static str,
    /// Its unit ("" for a count).
    pub unit: &'static str,
    /// The medians of the three spans.
    pub spans: [f64; 3],
    /// The largest sample after the warm-up.
    pub peak: f64,
    /// Least-squares slope per minute over the judged samples.
    pub slope_per_minute: f64,
    /// How far the last span may be above the first.
    pub allowed: f64,
    /// Whether it grew without bound.
    pub grew: bool,
}

impl Finding {
    /// The figures behind the judgement, in one line.
    pub fn describe(&self) -> String {
        let [a, b, c] = self.spans;
        format!(
            "medians {a:.1} → {b:.1} → {c:.1} {unit} (allowed +{allowed:.1}), slope {slope:+.2}/min",
            unit = self.unit,
            allowed = self.allowed,
            slope = self.slope_per_minute
        )
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(x, y), (px, py)| (x + px / n, y + py / n));
    let (num, den) = points.iter().fold((0.0, 0.0), |(num, den), (x, y)| {
        (num + (x - mx) * (y - my), den + (x - mx) * (x - mx))
    });
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// The samples judged: those after the warm-up (a fifth of the run, at
/// least 20 s); `None` if fewer than nine are left.
fn judged(rows: &[Row]) -> Option<&[Row]> {
    let end = rows.last()?.t;
    let warm_up = (end / 5.0).max(20.0);
    let first = rows.iter().position(|r| r.t >= warm_up)?;
    let rest = &rows[first..];
    (rest.len() >= 9).then_some(rest)
}

/// Judges one series of `(seconds, value)` samples.
fn judge(
    name: &'static str,
    unit: &'static str,
    points: &[(f64, f64)],
    relative: f64,
    absolute: f64,
) -> Finding {
    let values: Vec<f64> = points.iter().map(|(_, v)| *v).collect();
    let third = values.len() / 3;
    let spans = [
        median(&values[..third]),
        median(&values[third..values.len() - third]),
        median(&values[values.len() - third..]),
    ];
    let allowed = spans[0].abs() * relative + absolute;
    let grew = spans[1] > spans[0] && spans[2] - spans[0] > allowed;
    Finding {
        name,
        unit,
        spans,
        peak: values.iter().copied().fold(f64::MIN, f64::max),
        slope_per_minute: slope(points) * 60.0,
        allowed,
        grew,
    }
}

/// Judges every series of the run; empty if the run was too short to judge.
pub fn judge_all(rows: &[Row]) -> Vec<Finding> {
    let Some(rows) = judged(rows) else {
        return Vec::new();
    };
    SERIES
        .iter()
        .map(|series| {
            let points: Vec<(f64, f64)> = rows
                .iter()
                .map(|r| (r.t, (series.value)(&r.server)))
                .collect();
            judge(
                series.name,
                series.unit,
                &points,
                series.relative,
                series.absolute,
            )
        })
        .collect()
}

/// The findings as a table.
pub fn table(findings: &[Finding]) -> String {
    if findings.is_empty() {
        return "too few samples after the warm-up to judge (run at least 45 s)".to_string();
    }
    let mut out = format!(
        "{:<22} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}  verdict\n",
        "series", "span 1", "span 2", "span 3", "peak", "allowed", "slope/min"
    );
    for f in findings {
        out.push_str(&format!(
            "{:<22} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>+12.2}  {}\n",
            format!("{} {}", f.name, f.unit).trim_end(),
            f.spans[0],
            f.spans[1],
            f.spans[2],
            f.peak,
            f.allowed,
            f.slope_per_minute,
            if f.grew { "GREW" } else { "bounded" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
        (0..120).map(|t| (t as f64, f(t as f64))).collect()
    }

    #[test]
    fn a_steady_rise_grows() {
        // 1 MB a second: a leak.
        let points = series(|t| 100.0 + t);
        assert!(judge("memory", "MB", &points, 0.1, 16.0).grew);
    }

    #[test]
    fn noise_around_a_level_is_bounded() {
        let points = series(|t| 200.0 + 30.0 * ((t * 1.7).sin()));
        assert!(!judge("memory", "MB", &points, 0.1, 16.0).grew);
    }

    #[test]
    fn a_sawtooth_is_bounded() {
        // A queue filling for 20 s and draining at once.
        let points = series(|t| (t % 20.0) * 500.0);
        assert!(!judge("queue", "frames", &points, 0.5, 5000.0).grew);
    }

    #[test]
    fn a_level_that_settles_is_bounded() {
        // Rises quickly, then stays (a cache warming up, sockets reaching
        // their idle timeout).
        let points = series(|t| 5000.0 + 60.0 * t.min(30.0));
        let finding = judge("sockets", "", &points[20..], 0.05, 100.0);
        assert!(!finding.grew, "{}", finding.describe());
    }

    #[test]
    fn a_slow_rise_within_the_allowance_is_bounded_and_its_slope_is_shown() {
        let points = series(|t| 1000.0 + t * 0.5);
        let finding = judge("files", "", &points, 0.05, 100.0);
        assert!(!finding.grew);
        assert!((finding.slope_per_minute - 30.0).abs() < 0.01);
    }

    #[test]
    fn too_short_a_run_is_not_judged() {
        let rows: Vec<Row> = (0..25)
            .map(|t| Row {
                t: t as f64,
                server: ServerSample::default(),
                load: Default::default(),
            })
            .collect();
        assert!(judge_all(&rows).is_empty());
    }
}

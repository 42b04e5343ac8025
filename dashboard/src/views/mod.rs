//! The six views of the dashboard, and what they share: human formatting
//! of numbers and times, colours, and small table helpers.

pub mod overview;
pub mod requests;
pub mod routes;
pub mod sockets;
pub mod topics;
pub mod traffic;

use eframe::egui::{self, Color32, RichText};
use phoenix_dashboard_protocol::PubSubStatus;

/// Height of a table row.
pub const ROW_HEIGHT: f32 = 20.0;

/// Green: live, 2xx, ok.
pub const GREEN: Color32 = Color32::from_rgb(0x4c, 0xc3, 0x6b);
/// Yellow: connecting, 4xx, warnings.
pub const YELLOW: Color32 = Color32::from_rgb(0xe8, 0xb9, 0x3c);
/// Red: disconnected, 5xx, crashes.
pub const RED: Color32 = Color32::from_rgb(0xe5, 0x53, 0x4b);
/// Blue: 3xx, outgoing traffic.
pub const BLUE: Color32 = Color32::from_rgb(0x5a, 0x9b, 0xe6);
/// Purple: broadcasts.
pub const PURPLE: Color32 = Color32::from_rgb(0xb0, 0x7c, 0xe8);
/// Grey: secondary information.
pub const GREY: Color32 = Color32::from_rgb(0x9a, 0x9a, 0x9a);

/// A duration in ms for humans: `850ms`, `42s`, `3m 12s`, `2h 05m`, `3d 4h`.
pub fn human_duration_ms(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        _ if ms < 1000 => format!("{ms}ms"),
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// A duration in µs for humans: `850µs`, `4.1ms`, `1.20s`.
pub fn human_us(us: u64) -> String {
    if us < 1000 {
        format!("{us}µs")
    } else if us < 10_000 {
        format!("{:.2}ms", us as f64 / 1000.0)
    } else if us < 1_000_000 {
        format!("{:.1}ms", us as f64 / 1000.0)
    } else {
        format!("{:.2}s", us as f64 / 1_000_000.0)
    }
}

/// A size in bytes for humans: `512 B`, `1.5 KB`, `2.3 MB`.
pub fn human_bytes(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else if b < KB * KB * KB {
        format!("{:.1} MB", b / (KB * KB))
    } else {
        format!("{:.1} GB", b / (KB * KB * KB))
    }
}

/// A count with thousands separators: `12,345`.
pub fn human_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    // Digits left in the current group (the first group may be shorter).
    let mut left = match digits.len() % 3 {
        0 => 3,
        short => short,
    };
    for c in digits.chars() {
        if left == 0 {
            out.push(',');
            left = 3;
        }
        out.push(c);
        left -= 1;
    }
    out
}

/// The UTC time of day of a Unix ms timestamp: `14:03:07.250`.
pub fn clock_ms(at_ms: i64) -> String {
    let ms = at_ms.rem_euclid(86_400_000);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        (ms / 60_000) % 60,
        (ms / 1000) % 60,
        ms % 1000
    )
}

/// The colour of an HTTP status class.
pub fn status_color(status: u16) -> Color32 {
    match status / 100 {
        2 => GREEN,
        3 => BLUE,
        4 => YELLOW,
        5 => RED,
        _ => GREY,
    }
}

/// The colour of a PubSub status: red while the link to the other nodes
/// is down, yellow once broadcasts were lost, grey when all is well.
pub fn pubsub_color(status: &PubSubStatus) -> Color32 {
    if !status.connected {
        RED
    } else if status.lost > 0 {
        YELLOW
    } else {
        GREY
    }
}

/// The hover text of a PubSub status: traffic counts and the other nodes.
pub fn pubsub_details(status: &PubSubStatus) -> String {
    let nodes = if status.nodes.is_empty() {
        "none known".to_string()
    } else {
        status.nodes.join(", ")
    };
    let mut text = format!(
        "PubSub adapter: {}\nbroadcasts sent to other nodes: {}\nreceived from them: {}\n\
         lost (not sent to other nodes): {}\noutages: {}\nother nodes: {nodes}",
        status.adapter,
        human_count(status.sent),
        human_count(status.received),
        human_count(status.lost),
        human_count(status.outages),
    );
    if !status.connected {
        text.push_str("\n\nThe link is down: broadcasts reach this node's subscribers only.");
    }
    text
}

/// A monospace cell text.
pub fn mono(text: impl Into<String>) -> RichText {
    RichText::new(text).monospace()
}

/// Adds a right-aligned label filling the cell (for numbers).
pub fn right(ui: &mut egui::Ui, text: impl Into<RichText>) {
    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
        ui.label(text.into().monospace());
    });
}

/// Adds a label that is cut with `…` when it does not fit (full text on hover).
pub fn cell(ui: &mut egui::Ui, text: impl Into<egui::WidgetText>) {
    ui.add(egui::Label::new(text).truncate());
}

/// Column widths scaled down (never up) so that they, a remainder column
/// of at least `rest` and the spacing between columns fit in `available`.
pub fn fit_widths<const N: usize>(
    widths: [f32; N],
    rest: f32,
    available: f32,
    spacing: f32,
) -> [f32; N] {
    let wanted: f32 = widths.iter().sum::<f32>();
    let room = available - rest - spacing * N as f32;
    let scale = if wanted > 0.0 && room < wanted {
        (room / wanted).max(0.5)
    } else {
        1.0
    };
    widths.map(|w| (w * scale).floor())
}

/// Pretty JSON of a value.
pub fn pretty_json(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// The first line of a details panel: `title`, then on the right a Close
/// button (true when clicked) and any `buttons` left of it.
pub fn details_header(
    ui: &mut egui::Ui,
    title: impl FnOnce(&mut egui::Ui),
    buttons: impl FnOnce(&mut egui::Ui),
) -> bool {
    let mut close = false;
    ui.horizontal(|ui| {
        title(ui);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            close = ui
                .button("Close")
                .on_hover_text("Close the details")
                .clicked();
            buttons(ui);
        });
    });
    close
}

/// A read-only, selectable block of monospace text.
pub fn code_block(ui: &mut egui::Ui, text: &str) {
    let mut text = text;
    ui.add(
        egui::TextEdit::multiline(&mut text)
            .code_editor()
            .desired_width(f32::INFINITY)
            .desired_rows(1),
    );
}

/// A text field with a hint, of a given width.
pub fn search_field(
    ui: &mut egui::Ui,
    text: &mut String,
    hint: &str,
    width: f32,
) -> egui::Response {
    ui.add(
        egui::TextEdit::singleline(text)
            .hint_text(hint)
            .desired_width(width),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(human_duration_ms(850), "850ms");
        assert_eq!(human_duration_ms(42_000), "42s");
        assert_eq!(human_duration_ms(192_000), "3m 12s");
        assert_eq!(human_duration_ms(7_500_000), "2h 05m");
        assert_eq!(human_duration_ms(3 * 86_400_000 + 4 * 3_600_000), "3d 4h");
        assert_eq!(human_us(850), "850µs");
        assert_eq!(human_us(4100), "4.10ms");
        assert_eq!(human_us(41_000), "41.0ms");
        assert_eq!(human_us(1_200_000), "1.20s");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KB");
        assert_eq!(human_bytes(5 * 1024 * 1024), "5.0 MB");
        assert_eq!(human_count(0), "0");
        assert_eq!(human_count(999), "999");
        assert_eq!(human_count(12_345), "12,345");
        assert_eq!(human_count(1_234_567), "1,234,567");
        assert_eq!(clock_ms(1_764_258_007_250), "15:40:07.250");
        assert_eq!(status_color(204), GREEN);
        assert_eq!(status_color(503), RED);
        let mut pubsub = PubSubStatus {
            adapter: "redis".into(),
            connected: true,
            nodes: vec!["node-b".into()],
            ..PubSubStatus::default()
        };
        assert_eq!(pubsub_color(&pubsub), GREY);
        assert!(pubsub_details(&pubsub).contains("other nodes: node-b"));
        pubsub.lost = 4;
        assert_eq!(pubsub_color(&pubsub), YELLOW);
        pubsub.connected = false;
        assert_eq!(pubsub_color(&pubsub), RED);
        assert!(pubsub_details(&pubsub).contains("The link is down"));
        assert_eq!(
            fit_widths([100.0, 100.0], 50.0, 1000.0, 10.0),
            [100.0, 100.0]
        );
        assert_eq!(fit_widths([100.0, 100.0], 50.0, 170.0, 10.0), [50.0, 50.0]);
    }
}

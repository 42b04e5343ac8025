//! PubSub traffic: the live log of messages, broadcasts, joins and socket
//! events, newest at the bottom (auto-scrolling unless paused), filtered by
//! topic and event patterns; a click shows the row's payload.
//!
//! The filtered list is kept incrementally: each frame only the rows that
//! arrived since the last frame are tested, so a full 10,000-row buffer
//! costs nothing per frame.

use std::collections::VecDeque;

use eframe::egui::{self, Color32, RichText};
use egui_extras::{Column, TableBuilder};

use super::{
    cell, clock_ms, code_block, details_header, human_bytes, human_count, mono, right,
    search_field, BLUE, GREEN, GREY, PURPLE, RED, ROW_HEIGHT, YELLOW,
};
use crate::client::ClientHandle;
use crate::model::{traffic_matches, Model, TrafficFilter, TrafficKind, TrafficRow, TRAFFIC_CAP};

/// The colour of a row's kind.
pub fn kind_color(row: &TrafficRow) -> Color32 {
    if row.error {
        return RED;
    }
    match row.kind {
        TrafficKind::MessageIn => GREEN,
        TrafficKind::MessageOut => BLUE,
        TrafficKind::Broadcast => PURPLE,
        TrafficKind::ChannelJoined | TrafficKind::ChannelLeft => YELLOW,
        TrafficKind::SocketConnected | TrafficKind::SocketDisconnected => GREY,
    }
}

/// The colour of a row's node: another node's stands out (purple, like
/// broadcasts), this server's own is grey.
pub fn node_color(node: &str, own: &str) -> Color32 {
    if node.is_empty() || node == own {
        GREY
    } else {
        PURPLE
    }
}

/// The rows a filter lets through, kept up to date incrementally.
#[derive(Debug, Default)]
pub struct LiveMatches {
    filter: TrafficFilter,
    /// Sequence numbers of matching rows, oldest first.
    seqs: VecDeque<u64>,
    /// The next sequence number to test.
    scanned: u64,
}

impl LiveMatches {
    /// Brings the list up to date with `model` and `filter`.
    pub fn update(&mut self, model: &Model, filter: &TrafficFilter) {
        if *filter != self.filter {
            self.filter = filter.clone();
            self.seqs.clear();
            self.scanned = 0;
        }
        let next = model.next_traffic_seq();
        let front = model.traffic.front().map_or(next, |row| row.seq);
        while self.seqs.front().is_some_and(|&seq| seq < front) {
            self.seqs.pop_front();
        }
        let start = self.scanned.max(front);
        let skip = ((start - front) as usize).min(model.traffic.len());
        for row in model.traffic.range(skip..) {
            if traffic_matches(row, &self.filter) {
                self.seqs.push_back(row.seq);
            }
        }
        self.scanned = next;
    }

    /// The matching sequence numbers, oldest first.
    pub fn seqs(&self) -> &VecDeque<u64> {
        &self.seqs
    }
}

/// The traffic view's state.
#[derive(Default)]
pub struct TrafficView {
    /// The topic and event patterns.
    pub filter: TrafficFilter,
    /// Whether the view is frozen.
    pub paused: bool,
    /// Whether payloads are captured (mirrors the server setting).
    pub payloads: bool,
    /// The selected row (a copy, so it survives being dropped from the buffer).
    pub selected: Option<TrafficRow>,
    /// The selected row's payload, pretty-printed when it is JSON.
    selected_payload: Option<String>,
    live: LiveMatches,
    /// While paused: the rows as they were, and the indices matching the filter.
    frozen: Vec<TrafficRow>,
    frozen_matches: Vec<usize>,
    frozen_filter: Option<TrafficFilter>,
    /// Rows received since the pause.
    paused_at_seq: u64,
}

impl TrafficView {
    /// Selects the newest row passing the filter (screenshot mode).
    pub fn select_newest(&mut self, model: &Model) {
        self.live.update(model, &self.filter);
        let newest = self
            .live
            .seqs()
            .back()
            .and_then(|&seq| model.traffic_by_seq(seq))
            .cloned();
        if let Some(row) = newest {
            self.select(row);
        }
    }

    fn select(&mut self, row: TrafficRow) {
        self.selected_payload = row.payload.as_deref().map(|text| {
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(value) => super::pretty_json(&value),
                Err(_) => format!("{text}\n\n(not valid JSON: truncated?)"),
            }
        });
        self.selected = Some(row);
    }

    fn set_paused(&mut self, paused: bool, model: &Model) {
        self.paused = paused;
        if paused {
            self.frozen = model.traffic.iter().cloned().collect();
            self.frozen_filter = None;
            self.paused_at_seq = model.next_traffic_seq();
        } else {
            self.frozen = Vec::new();
            self.frozen_matches = Vec::new();
        }
    }

    fn toolbar(&mut self, ui: &mut egui::Ui, model: &Model, client: &ClientHandle, shown: usize) {
        ui.horizontal(|ui| {
            let label = if self.paused { "Resume" } else { "Pause" };
            if ui.button(label).clicked() {
                self.set_paused(!self.paused, model);
            }
            ui.separator();
            ui.label("Topic");
            search_field(ui, &mut self.filter.topic, "rooms:*", 160.0);
            ui.label("Event");
            search_field(ui, &mut self.filter.event, "new_*", 120.0);
            if !self.filter.is_empty()
                && ui
                    .small_button("Clear")
                    .on_hover_text("Clear the filter")
                    .clicked()
            {
                self.filter = TrafficFilter::default();
            }
            ui.separator();
            if ui
                .checkbox(&mut self.payloads, "capture payloads")
                .on_hover_text("Ask the server for payloads (truncated to 2 KB)")
                .changed()
            {
                client.set_payloads(self.payloads);
            }
            ui.separator();
            let mut status = format!(
                "{} shown · {} buffered (max {})",
                human_count(shown as u64),
                human_count(model.traffic.len() as u64),
                human_count(TRAFFIC_CAP as u64)
            );
            if self.paused {
                let new = model.next_traffic_seq().saturating_sub(self.paused_at_seq);
                status.push_str(&format!(" · paused, {} new", human_count(new)));
            }
            ui.label(RichText::new(status).color(GREY));
        });
    }

    /// Shows the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, model: &Model, client: &ClientHandle) {
        if self.paused {
            if self.frozen_filter.as_ref() != Some(&self.filter) {
                self.frozen_matches = self
                    .frozen
                    .iter()
                    .enumerate()
                    .filter(|(_, row)| traffic_matches(row, &self.filter))
                    .map(|(i, _)| i)
                    .collect();
                self.frozen_filter = Some(self.filter.clone());
            }
        } else {
            self.live.update(model, &self.filter);
        }
        if self.selected.is_some() {
            egui::Panel::right("traffic-details")
                .resizable(true)
                .default_size(380.0)
                .min_size(260.0)
                .show(ui, |ui| self.details(ui));
        }
        let shown = if self.paused {
            self.frozen_matches.len()
        } else {
            self.live.seqs().len()
        };
        self.toolbar(ui, model, client, shown);
        ui.separator();
        if shown == 0 {
            let text = if model.traffic.is_empty() {
                "No traffic yet."
            } else {
                "No row matches the filter."
            };
            ui.label(RichText::new(text).color(GREY));
            return;
        }
        let selected_seq = self.selected.as_ref().map(|row| row.seq);
        let mut clicked: Option<TrafficRow> = None;
        let paused = self.paused;
        let frozen = &self.frozen;
        let frozen_matches = &self.frozen_matches;
        let live = self.live.seqs();
        let row_at = |index: usize| -> Option<&TrafficRow> {
            if paused {
                frozen.get(*frozen_matches.get(index)?)
            } else {
                model.traffic_by_seq(*live.get(index)?)
            }
        };
        TableBuilder::new(ui)
            .id_salt("traffic")
            .striped(true)
            .resizable(true)
            .sense(egui::Sense::click())
            .stick_to_bottom(!paused)
            .auto_shrink([false, false])
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(92.0).at_least(60.0))
            .column(Column::initial(76.0).at_least(50.0))
            .column(Column::initial(64.0).at_least(40.0).clip(true))
            .column(Column::initial(96.0).at_least(40.0).clip(true))
            .column(Column::initial(170.0).at_least(60.0).clip(true))
            .column(Column::initial(140.0).at_least(60.0).clip(true))
            .column(Column::initial(70.0).at_least(50.0))
            .column(Column::remainder().at_least(80.0).clip(true))
            .header(ROW_HEIGHT + 2.0, |mut header| {
                for title in [
                    "Time (UTC)",
                    "Kind",
                    "Socket",
                    "Node",
                    "Topic",
                    "Event",
                    "Size",
                    "Detail",
                ] {
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, shown, |mut row| {
                    let Some(traffic) = row_at(row.index()) else {
                        return;
                    };
                    row.set_selected(selected_seq == Some(traffic.seq));
                    row.col(|ui| {
                        ui.label(mono(clock_ms(traffic.at_ms)).color(GREY));
                    });
                    row.col(|ui| {
                        ui.label(RichText::new(traffic.kind.label()).color(kind_color(traffic)));
                    });
                    row.col(|ui| cell(ui, mono(traffic.socket_id.as_deref().unwrap_or(""))));
                    row.col(|ui| {
                        let node = traffic.node.as_deref().unwrap_or("");
                        cell(ui, mono(node).color(node_color(node, &model.app.node)));
                    });
                    row.col(|ui| cell(ui, mono(traffic.topic.as_deref().unwrap_or(""))));
                    row.col(|ui| cell(ui, mono(&traffic.event)));
                    row.col(|ui| {
                        right(ui, traffic.size.map(human_bytes).unwrap_or_default());
                    });
                    row.col(|ui| cell(ui, RichText::new(&traffic.detail).color(GREY)));
                    if row.response().clicked() {
                        clicked = Some(traffic.clone());
                    }
                });
            });
        if let Some(row) = clicked {
            self.select(row);
        }
    }

    fn details(&mut self, ui: &mut egui::Ui) {
        let Some(row) = &self.selected else {
            return;
        };
        let close = details_header(
            ui,
            |ui| {
                ui.heading(RichText::new(row.kind.label()).color(kind_color(row)));
                ui.label(mono(&row.event));
            },
            |_| {},
        );
        egui::Grid::new("traffic-facts")
            .num_columns(2)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                let mut fact = |name: &str, value: RichText| {
                    ui.label(RichText::new(name).color(GREY));
                    ui.label(value);
                    ui.end_row();
                };
                fact("time", mono(format!("{} UTC", clock_ms(row.at_ms))));
                if let Some(socket) = &row.socket_id {
                    fact("socket", mono(socket));
                }
                if let Some(node) = &row.node {
                    fact("node", mono(node));
                }
                if let Some(topic) = &row.topic {
                    fact("topic", mono(topic));
                }
                if let Some(size) = row.size {
                    fact(
                        "size",
                        mono(format!("{} ({size} bytes)", human_bytes(size))),
                    );
                }
                if !row.detail.is_empty() {
                    let text = RichText::new(&row.detail);
                    fact("detail", if row.error { text.color(RED) } else { text });
                }
            });
        ui.separator();
        ui.label(RichText::new("Payload").strong());
        match &self.selected_payload {
            Some(payload) => {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| code_block(ui, payload));
            }
            None => {
                let hint = if matches!(
                    row.kind,
                    TrafficKind::MessageIn | TrafficKind::MessageOut | TrafficKind::Broadcast
                ) {
                    "not captured: turn on \"capture payloads\" (or --payloads)"
                } else {
                    "this kind of event has no payload"
                };
                ui.label(RichText::new(hint).color(GREY));
            }
        }
        if close {
            self.selected = None;
            self.selected_payload = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::wire;
    use serde_json::json;

    fn push(model: &mut Model, from: usize, to: usize) {
        let events: Vec<_> = (from..to)
            .map(|n| {
                json!({"kind": "message_in", "at_ms": n, "socket_id": "s1",
                       "topic": if n % 2 == 0 { "rooms:even" } else { "rooms:odd" },
                       "event": "new_msg", "size": 10, "payload": null})
            })
            .collect();
        let push = wire::push("events", json!({"events": events, "dropped": 0}));
        model.apply(push.expect("an events push"));
    }

    #[test]
    fn live_matches_follow_the_buffer_incrementally() {
        let mut model = Model::default();
        let filter = TrafficFilter {
            topic: "rooms:even".into(),
            event: String::new(),
        };
        let mut live = LiveMatches::default();
        push(&mut model, 0, 10);
        live.update(&model, &filter);
        assert_eq!(live.seqs().len(), 5);
        push(&mut model, 10, 20);
        live.update(&model, &filter);
        assert_eq!(live.seqs().len(), 10);
        assert_eq!(live.seqs().back(), Some(&18));
        // Overflow the buffer: old matches go, new ones come.
        push(&mut model, 20, 20 + TRAFFIC_CAP);
        live.update(&model, &filter);
        assert_eq!(live.seqs().len(), TRAFFIC_CAP / 2);
        let front = model.traffic.front().expect("row").seq;
        assert!(live.seqs().iter().all(|&seq| seq >= front));
        // A new filter rescans everything.
        live.update(&model, &TrafficFilter::default());
        assert_eq!(live.seqs().len(), TRAFFIC_CAP);
    }
}

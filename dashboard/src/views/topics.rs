//! Topics: subscribers per topic; the selected topic's presence list and a
//! form to send it a test broadcast.

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};
use serde_json::Value;

use super::{
    cell, details_header, human_count, mono, right, search_field, GREEN, GREY, RED, ROW_HEIGHT,
};
use crate::client::ClientHandle;
use crate::model::{metas_json, metas_of, pattern_matches, Model};
use phoenix_dashboard_protocol::{Reply, RequestKind};

/// The topics view's state.
pub struct TopicsView {
    /// The selected topic.
    pub selected: Option<String>,
    /// The filter on topic names (substring or `*` pattern).
    pub filter: String,
    /// The test broadcast's event name.
    pub event: String,
    /// The test broadcast's payload (JSON text).
    pub payload: String,
    /// Topics in display order (most subscribed first), for the cache key.
    order: Vec<(String, u64)>,
    order_key: Option<(u64, String)>,
    /// The number of broadcast replies when the last broadcast was sent
    /// (to show "sending…" until its reply arrives).
    sent: Option<u64>,
}

impl Default for TopicsView {
    fn default() -> Self {
        TopicsView {
            selected: None,
            filter: String::new(),
            event: "dashboard_test".into(),
            payload: "{\"hello\": \"from the dashboard\"}".into(),
            order: Vec::new(),
            order_key: None,
            sent: None,
        }
    }
}

/// Parses the broadcast form's payload: it must be a JSON object.
pub fn parse_payload(text: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err("the payload must be a JSON object".into()),
        Err(e) => Err(format!("invalid JSON: {e}")),
    }
}

impl TopicsView {
    /// Selects the most subscribed topic (screenshot mode).
    pub fn select_busiest(&mut self, model: &Model) {
        self.selected = model
            .topics_by_subscribers()
            .first()
            .map(|(topic, _)| topic.to_string());
    }

    fn refresh_order(&mut self, model: &Model) {
        let key = (model.revision, self.filter.clone());
        if self.order_key.as_ref() == Some(&key) {
            return;
        }
        self.order = model
            .topics_by_subscribers()
            .into_iter()
            .filter(|(topic, _)| pattern_matches(&self.filter, topic))
            .map(|(topic, n)| (topic.to_string(), n))
            .collect();
        self.order_key = Some(key);
    }

    /// Shows the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, model: &Model, client: &ClientHandle) {
        self.refresh_order(model);
        if let Some(topic) = self.selected.clone() {
            egui::Panel::right("topic-details")
                .resizable(true)
                .default_size(460.0)
                .min_size(320.0)
                .show(ui, |ui| self.details(ui, model, client, &topic));
        }
        ui.horizontal(|ui| {
            ui.label("Filter");
            search_field(ui, &mut self.filter, "rooms:*", 220.0);
            ui.label(
                RichText::new(format!(
                    "{} of {} topics",
                    human_count(self.order.len() as u64),
                    human_count(model.topics.len() as u64)
                ))
                .color(GREY),
            );
        });
        ui.separator();
        if self.order.is_empty() {
            ui.label(RichText::new("No topic has subscribers.").color(GREY));
            return;
        }
        let mut clicked = None;
        TableBuilder::new(ui)
            .id_salt("topics")
            .striped(true)
            .resizable(true)
            .sense(egui::Sense::click())
            .auto_shrink([false, false])
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(320.0).at_least(120.0).clip(true))
            .column(Column::initial(100.0).at_least(60.0))
            .column(Column::remainder().at_least(80.0))
            .header(ROW_HEIGHT + 2.0, |mut header| {
                header.col(|ui| {
                    ui.strong("Topic");
                });
                header.col(|ui| {
                    ui.strong("Subscribers");
                });
                header.col(|ui| {
                    ui.strong("Presences");
                });
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, self.order.len(), |mut row| {
                    let (topic, subscribers) = &self.order[row.index()];
                    row.set_selected(self.selected.as_deref() == Some(topic.as_str()));
                    row.col(|ui| cell(ui, mono(topic)));
                    row.col(|ui| right(ui, human_count(*subscribers)));
                    row.col(|ui| {
                        let n = model.presence_of(topic).map_or(0, |p| p.len());
                        right(
                            ui,
                            if n == 0 {
                                "–".to_string()
                            } else {
                                human_count(n as u64)
                            },
                        );
                    });
                    if row.response().clicked() {
                        clicked = Some(topic.clone());
                    }
                });
            });
        if let Some(topic) = clicked {
            self.selected = Some(topic);
        }
    }

    fn details(&mut self, ui: &mut egui::Ui, model: &Model, client: &ClientHandle, topic: &str) {
        let closed = details_header(
            ui,
            |ui| {
                ui.label(mono(topic).size(18.0).strong());
            },
            |_| {},
        );
        if closed {
            self.selected = None;
        }
        let subscribers = model.topics.get(topic).copied().unwrap_or(0);
        ui.label(RichText::new(format!("{} subscribers", human_count(subscribers))).color(GREY));
        ui.separator();
        self.broadcast_form(ui, model, client, topic);
        ui.separator();
        let presence = model.presence_of(topic);
        let count = presence.map_or(0, |p| p.len());
        ui.label(RichText::new(format!("Presence ({count})")).strong());
        let Some(presence) = presence else {
            ui.label(RichText::new("Nobody is tracked on this topic.").color(GREY));
            return;
        };
        let keys: Vec<&String> = presence.keys().collect();
        TableBuilder::new(ui)
            .id_salt("presence")
            .striped(true)
            .resizable(true)
            .auto_shrink([false, false])
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(130.0).at_least(60.0).clip(true))
            .column(Column::initial(50.0).at_least(40.0))
            .column(Column::remainder().at_least(100.0).clip(true))
            .header(ROW_HEIGHT + 2.0, |mut header| {
                header.col(|ui| {
                    ui.strong("Key");
                });
                header.col(|ui| {
                    ui.strong("Metas");
                });
                header.col(|ui| {
                    ui.strong("Metas JSON");
                });
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, keys.len(), |mut row| {
                    let key = keys[row.index()];
                    let entry = &presence[key];
                    row.col(|ui| cell(ui, mono(key)));
                    row.col(|ui| right(ui, metas_of(entry).len().to_string()));
                    row.col(|ui| cell(ui, mono(metas_json(entry)).small()));
                });
            });
    }

    fn broadcast_form(
        &mut self,
        ui: &mut egui::Ui,
        model: &Model,
        client: &ClientHandle,
        topic: &str,
    ) {
        ui.label(RichText::new("Send a test broadcast").strong());
        let read_only = model.app.read_only;
        let parsed = parse_payload(&self.payload);
        ui.add_enabled_ui(!read_only, |ui| {
            ui.horizontal(|ui| {
                ui.label("event");
                ui.add(
                    egui::TextEdit::singleline(&mut self.event)
                        .desired_width(200.0)
                        .font(egui::TextStyle::Monospace),
                );
            });
            ui.add(
                egui::TextEdit::multiline(&mut self.payload)
                    .code_editor()
                    .desired_rows(3)
                    .desired_width(f32::INFINITY),
            );
            ui.horizontal(|ui| {
                let ready = parsed.is_ok() && !self.event.trim().is_empty();
                if ui.add_enabled(ready, egui::Button::new("Send")).clicked() {
                    if let Ok(payload) = &parsed {
                        client.broadcast(topic, self.event.trim(), payload.clone());
                        self.sent = Some(
                            model
                                .reply_counts
                                .get(&RequestKind::Broadcast)
                                .copied()
                                .unwrap_or(0),
                        );
                    }
                }
                if let Err(e) = &parsed {
                    ui.label(RichText::new(e).color(RED).small());
                }
            });
        });
        if read_only {
            ui.label(
                RichText::new("Read-only: the server does not accept broadcasts from dashboards.")
                    .color(GREY),
            );
        }
        if let Some(before) = self.sent {
            let now = model
                .reply_counts
                .get(&RequestKind::Broadcast)
                .copied()
                .unwrap_or(0);
            let reply = if now > before {
                model.replies.get(&RequestKind::Broadcast)
            } else {
                None
            };
            match reply {
                Some(Ok(reply)) => {
                    let n = match reply {
                        Reply::Broadcast(reply) => reply.subscribers,
                        _ => 0,
                    };
                    ui.label(RichText::new(format!("sent to {n} subscribers")).color(GREEN));
                }
                Some(Err(e)) => {
                    ui.label(RichText::new(format!("refused: {e}")).color(RED));
                }
                None => {
                    ui.label(RichText::new("sending…").color(GREY));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_must_be_objects() {
        assert_eq!(parse_payload("{\"a\": 1}"), Ok(serde_json::json!({"a": 1})));
        assert!(parse_payload("[1]").is_err());
        assert!(parse_payload("{").is_err());
    }
}

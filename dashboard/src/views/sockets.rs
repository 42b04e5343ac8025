//! Sockets: every connected socket, and the details of the selected one
//! (assigns, topics, counters, recent traffic, a Disconnect button).

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};

use super::{
    cell, clock_ms, code_block, details_header, fit_widths, human_count, human_duration_ms, mono,
    pretty_json, right, GREY, RED, ROW_HEIGHT, YELLOW,
};
use crate::client::ClientHandle;
use crate::model::{natural_cmp, Model, SocketRow};
use phoenix_dashboard_protocol::RequestKind;

/// How many recent traffic rows the details panel shows.
const RECENT_ROWS: usize = 40;

/// The sockets view's state.
#[derive(Default)]
pub struct SocketsView {
    /// The selected socket's id.
    pub selected: Option<String>,
    /// The id whose details were last requested from the server.
    requested: Option<String>,
    /// Socket ids in display order, and the model revision they are for.
    order: Vec<String>,
    order_rev: Option<u64>,
}

impl SocketsView {
    /// Selects the first socket of the table (screenshot mode).
    pub fn select_first(&mut self, model: &Model) {
        self.refresh_order(model);
        self.selected = self.order.first().cloned();
    }

    fn refresh_order(&mut self, model: &Model) {
        if self.order_rev == Some(model.revision) {
            return;
        }
        let mut rows: Vec<&SocketRow> = model.sockets.values().collect();
        rows.sort_by(|a, b| {
            a.connected_at_ms
                .cmp(&b.connected_at_ms)
                .then_with(|| natural_cmp(&a.id, &b.id))
        });
        self.order = rows.into_iter().map(|s| s.id.clone()).collect();
        self.order_rev = Some(model.revision);
    }

    /// Shows the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, model: &Model, client: &ClientHandle) {
        self.refresh_order(model);
        if self.selected != self.requested {
            if let Some(id) = &self.selected {
                client.request_socket(id);
            }
            self.requested = self.selected.clone();
        }
        if let Some(id) = self.selected.clone() {
            egui::Panel::right("socket-details")
                .resizable(true)
                .default_size(400.0)
                .min_size(300.0)
                .show(ui, |ui| self.details(ui, model, client, &id));
        }
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(format!("{} sockets", human_count(self.order.len() as u64))).strong(),
            );
            ui.label(RichText::new("click a row for details").color(GREY));
        });
        ui.separator();
        if self.order.is_empty() {
            ui.label(RichText::new("No socket is connected.").color(GREY));
            return;
        }
        let now = model.server_time_ms;
        let mut clicked = None;
        // Id, user id, transport, vsn, peer, node, connected | topics | in, out, queue.
        let w = fit_widths(
            [
                44.0, 130.0, 76.0, 44.0, 130.0, 110.0, 72.0, 60.0, 60.0, 76.0,
            ],
            110.0,
            ui.available_width(),
            ui.spacing().item_spacing.x,
        );
        TableBuilder::new(ui)
            .id_salt(("sockets", self.selected.is_some()))
            .striped(true)
            .resizable(true)
            .sense(egui::Sense::click())
            .auto_shrink([false, false])
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(w[0]).at_least(30.0).clip(true))
            .column(Column::initial(w[1]).at_least(50.0).clip(true))
            .column(Column::initial(w[2]).at_least(40.0).clip(true))
            .column(Column::initial(w[3]).at_least(30.0).clip(true))
            .column(Column::initial(w[4]).at_least(50.0).clip(true))
            .column(Column::initial(w[5]).at_least(40.0).clip(true))
            .column(Column::initial(w[6]).at_least(40.0).clip(true))
            .column(Column::remainder().at_least(60.0).clip(true))
            .column(Column::initial(w[7]).at_least(36.0).clip(true))
            .column(Column::initial(w[8]).at_least(36.0).clip(true))
            .column(Column::initial(w[9]).at_least(40.0).clip(true))
            .header(ROW_HEIGHT + 2.0, |mut header| {
                for title in [
                    "Id",
                    "User id",
                    "Transport",
                    "Vsn",
                    "Peer",
                    "Node",
                    "Connected",
                    "Topics",
                    "In",
                    "Out",
                    "Queue",
                ] {
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, self.order.len(), |mut row| {
                    let id = &self.order[row.index()];
                    let Some(socket) = model.sockets.get(id) else {
                        return;
                    };
                    row.set_selected(self.selected.as_deref() == Some(id.as_str()));
                    row.col(|ui| cell(ui, mono(&socket.id)));
                    row.col(|ui| cell(ui, mono(socket.user_id.as_deref().unwrap_or("–"))));
                    row.col(|ui| cell(ui, socket.transport.as_str()));
                    row.col(|ui| cell(ui, mono(&socket.vsn)));
                    row.col(|ui| cell(ui, mono(&socket.peer)));
                    row.col(|ui| cell(ui, mono(node_text(socket))));
                    row.col(|ui| {
                        right(ui, connected_for(now, socket.connected_at_ms));
                    });
                    row.col(|ui| cell(ui, topics_summary(&socket.topics)));
                    row.col(|ui| right(ui, human_count(socket.messages_in)));
                    row.col(|ui| right(ui, human_count(socket.messages_out)));
                    row.col(|ui| {
                        let text = RichText::new(queue_text(socket));
                        right(
                            ui,
                            if socket.queue > 0 {
                                text.color(YELLOW)
                            } else {
                                text
                            },
                        );
                    });
                    if row.response().clicked() {
                        clicked = Some(id.clone());
                    }
                });
            });
        if let Some(id) = clicked {
            self.selected = Some(id);
        }
    }

    fn details(&mut self, ui: &mut egui::Ui, model: &Model, client: &ClientHandle, id: &str) {
        let closed = details_header(
            ui,
            |ui| {
                ui.label(mono(id).size(18.0).strong());
            },
            |ui| {
                if ui.button("Refresh").clicked() {
                    client.request_socket(id);
                }
            },
        );
        if closed {
            self.selected = None;
        }
        let Some(socket) = model.sockets.get(id) else {
            ui.label(RichText::new("This socket is gone (disconnected).").color(GREY));
            return;
        };
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                egui::Grid::new("socket-facts")
                    .num_columns(2)
                    .spacing([12.0, 4.0])
                    .show(ui, |ui| {
                        let fact = |ui: &mut egui::Ui, name: &str, value: RichText| {
                            ui.label(RichText::new(name).color(GREY));
                            ui.label(value);
                            ui.end_row();
                        };
                        fact(
                            ui,
                            "user id",
                            mono(socket.user_id.as_deref().unwrap_or("–")),
                        );
                        fact(ui, "endpoint", mono(&socket.socket));
                        fact(
                            ui,
                            "transport",
                            RichText::new(format!("{} (vsn {})", socket.transport, socket.vsn)),
                        );
                        fact(ui, "peer", mono(&socket.peer));
                        fact(ui, "node", mono(node_text(socket)));
                        fact(
                            ui,
                            "connected",
                            RichText::new(format!(
                                "{} UTC, {} ago",
                                clock_ms(socket.connected_at_ms),
                                connected_for(model.server_time_ms, socket.connected_at_ms)
                            )),
                        );
                        fact(ui, "messages in", mono(human_count(socket.messages_in)));
                        fact(ui, "messages out", mono(human_count(socket.messages_out)));
                        fact(ui, "queue", mono(queue_text(socket)));
                    });
                ui.add_space(6.0);
                if model.app.read_only {
                    ui.add_enabled(false, egui::Button::new("Disconnect"))
                        .on_disabled_hover_text("The server is read-only for dashboards");
                } else if ui
                    .button(RichText::new("Disconnect").color(RED))
                    .on_hover_text("Close this socket on the server")
                    .clicked()
                {
                    client.disconnect_socket(id);
                }
                if let Some(reply) = model.replies.get(&RequestKind::Disconnect) {
                    match reply {
                        Ok(_) => ui.label(RichText::new("disconnect: ok").color(GREY)),
                        Err(e) => {
                            ui.label(RichText::new(format!("disconnect failed: {e}")).color(RED))
                        }
                    };
                }
                ui.separator();
                ui.label(RichText::new(format!("Topics ({})", socket.topics.len())).strong());
                if socket.topics.is_empty() {
                    ui.label(RichText::new("none").color(GREY));
                }
                for topic in &socket.topics {
                    ui.label(mono(topic));
                }
                ui.separator();
                ui.label(RichText::new("Assigns").strong());
                code_block(ui, &pretty_json(&socket.assigns));
                ui.separator();
                ui.label(RichText::new("Recent traffic").strong());
                let recent = model.socket_traffic(id, RECENT_ROWS);
                if recent.is_empty() {
                    ui.label(RichText::new("nothing buffered for this socket").color(GREY));
                }
                egui::Grid::new("socket-traffic")
                    .num_columns(4)
                    .striped(true)
                    .spacing([10.0, 2.0])
                    .show(ui, |ui| {
                        for row in recent {
                            ui.label(mono(clock_ms(row.at_ms)).color(GREY));
                            ui.label(row.kind.label());
                            ui.label(mono(row.topic.as_deref().unwrap_or("")));
                            ui.label(mono(&row.event));
                            ui.end_row();
                        }
                    });
            });
    }
}

fn connected_for(now_ms: i64, connected_at_ms: i64) -> String {
    if now_ms <= 0 || connected_at_ms <= 0 {
        return "–".into();
    }
    human_duration_ms(now_ms.saturating_sub(connected_at_ms).max(0) as u64)
}

/// The socket's node, `–` when the server does not say.
fn node_text(socket: &SocketRow) -> &str {
    if socket.node.is_empty() {
        "–"
    } else {
        &socket.node
    }
}

fn queue_text(socket: &SocketRow) -> String {
    if socket.queue_capacity > 0 {
        format!("{}/{}", socket.queue, socket.queue_capacity)
    } else {
        socket.queue.to_string()
    }
}

fn topics_summary(topics: &[String]) -> String {
    match topics {
        [] => "–".into(),
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} +{}", rest.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries() {
        assert_eq!(topics_summary(&[]), "–");
        assert_eq!(
            topics_summary(&["a".into(), "b".into(), "c".into()]),
            "a +2"
        );
        assert_eq!(connected_for(192_000 + 5, 5), "3m 12s");
        assert_eq!(connected_for(0, 5), "–");
    }
}

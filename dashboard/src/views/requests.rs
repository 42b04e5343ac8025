//! Requests: the live HTTP log, newest at the bottom, with a filter and a
//! summary (count, average, p95) of what is buffered.

use std::collections::VecDeque;

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};

use super::{
    cell, clock_ms, human_count, human_us, mono, right, search_field, status_color, GREY, RED,
    ROW_HEIGHT, YELLOW,
};
use crate::model::{request_matches, request_summary, Model, RequestSummary, REQUESTS_CAP};

/// How often the summary is recomputed, in seconds.
const SUMMARY_EVERY_S: f64 = 0.25;

/// The requests view's state.
#[derive(Default)]
pub struct RequestsView {
    /// The filter (words over method, path, status; `5xx` classes).
    pub filter: String,
    applied: String,
    /// Sequence numbers of matching rows, oldest first.
    seqs: VecDeque<u64>,
    scanned: u64,
    summary: RequestSummary,
    summary_at: f64,
    summary_for: Option<(u64, String)>,
}

impl RequestsView {
    fn update_matches(&mut self, model: &Model) {
        if self.filter != self.applied {
            self.applied = self.filter.clone();
            self.seqs.clear();
            self.scanned = 0;
        }
        let next = model.next_request_seq();
        let front = model.requests.front().map_or(next, |row| row.seq);
        while self.seqs.front().is_some_and(|&seq| seq < front) {
            self.seqs.pop_front();
        }
        let skip = ((self.scanned.max(front) - front) as usize).min(model.requests.len());
        for row in model.requests.range(skip..) {
            if request_matches(row, &self.applied) {
                self.seqs.push_back(row.seq);
            }
        }
        self.scanned = next;
    }

    fn update_summary(&mut self, model: &Model, now: f64) {
        let key = (model.next_request_seq(), self.applied.clone());
        let filter_changed = self.summary_for.as_ref().map(|(_, f)| f) != Some(&self.applied);
        if self.summary_for.as_ref() == Some(&key)
            || (!filter_changed && now - self.summary_at < SUMMARY_EVERY_S)
        {
            return;
        }
        self.summary = request_summary(
            self.seqs
                .iter()
                .filter_map(|&seq| model.request_by_seq(seq)),
        );
        self.summary_at = now;
        self.summary_for = Some(key);
    }

    /// Shows the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, model: &Model) {
        self.update_matches(model);
        let now = ui.input(|i| i.time);
        self.update_summary(model, now);
        ui.horizontal(|ui| {
            ui.label("Filter");
            search_field(ui, &mut self.filter, "GET /api 5xx…", 240.0);
            if !self.filter.is_empty() && ui.small_button("Clear").clicked() {
                self.filter.clear();
            }
            ui.separator();
            let s = self.summary;
            ui.label(RichText::new(format!("{} requests", human_count(s.count as u64))).strong());
            if s.count > 0 {
                ui.label(format!("avg {}", human_us(s.avg_us)));
                ui.label(format!("p95 {}", human_us(s.p95_us)));
                ui.label(format!("max {}", human_us(s.max_us)));
                if s.client_errors > 0 {
                    ui.label(RichText::new(format!("{} 4xx", s.client_errors)).color(YELLOW));
                }
                if s.server_errors > 0 {
                    ui.label(RichText::new(format!("{} 5xx", s.server_errors)).color(RED));
                }
            }
            ui.label(
                RichText::new(format!(
                    "(of {} buffered, max {})",
                    human_count(model.requests.len() as u64),
                    human_count(REQUESTS_CAP as u64)
                ))
                .color(GREY),
            );
        });
        ui.separator();
        if self.seqs.is_empty() {
            let text = if model.requests.is_empty() {
                "No HTTP request yet."
            } else {
                "No request matches the filter."
            };
            ui.label(RichText::new(text).color(GREY));
            return;
        }
        let seqs = &self.seqs;
        TableBuilder::new(ui)
            .id_salt("requests")
            .striped(true)
            .resizable(true)
            .stick_to_bottom(true)
            .auto_shrink([false, false])
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(92.0).at_least(60.0))
            .column(Column::initial(70.0).at_least(50.0))
            .column(Column::remainder().at_least(120.0).clip(true))
            .column(Column::exact(56.0))
            .column(Column::exact(96.0))
            .header(ROW_HEIGHT + 2.0, |mut header| {
                for title in ["Time (UTC)", "Method", "Path", "Status", "Duration"] {
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, seqs.len(), |mut row| {
                    let Some(request) = seqs
                        .get(row.index())
                        .and_then(|&seq| model.request_by_seq(seq))
                    else {
                        return;
                    };
                    row.col(|ui| {
                        ui.label(mono(clock_ms(request.at_ms)).color(GREY));
                    });
                    row.col(|ui| {
                        ui.label(mono(&request.method).strong());
                    });
                    row.col(|ui| cell(ui, mono(&request.path)));
                    row.col(|ui| {
                        right(
                            ui,
                            RichText::new(request.status.to_string())
                                .color(status_color(request.status))
                                .strong(),
                        );
                    });
                    row.col(|ui| right(ui, human_us(request.duration_us)));
                });
            });
    }
}

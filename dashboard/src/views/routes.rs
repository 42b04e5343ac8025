//! Routes: the router's table, with a filter.

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};

use super::{cell, mono, search_field, BLUE, GREEN, GREY, PURPLE, RED, ROW_HEIGHT, YELLOW};
use crate::model::{route_matches, Model};

/// The routes view's state: the filter and the indices it matches (cached
/// until the filter or the routes change).
#[derive(Default)]
pub struct RoutesView {
    /// The filter text.
    pub filter: String,
    cache_key: Option<(String, u64)>,
    matching: Vec<usize>,
}

fn verb_color(verb: &str) -> egui::Color32 {
    match verb {
        "GET" | "HEAD" => GREEN,
        "POST" => BLUE,
        "PUT" | "PATCH" => YELLOW,
        "DELETE" => RED,
        _ => PURPLE,
    }
}

impl RoutesView {
    /// Shows the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, model: &Model) {
        let key = (self.filter.clone(), model.revision);
        if self.cache_key.as_ref() != Some(&key) {
            self.matching = model
                .routes
                .iter()
                .enumerate()
                .filter(|(_, r)| route_matches(r, &self.filter))
                .map(|(i, _)| i)
                .collect();
            self.cache_key = Some(key);
        }
        ui.horizontal(|ui| {
            ui.label("Filter");
            search_field(
                ui,
                &mut self.filter,
                "verb, path, controller#action, helper…",
                320.0,
            );
            if !self.filter.is_empty() && ui.small_button("Clear").clicked() {
                self.filter.clear();
            }
            ui.label(
                RichText::new(format!(
                    "{} of {} routes",
                    self.matching.len(),
                    model.routes.len()
                ))
                .color(GREY),
            );
        });
        ui.separator();
        if model.routes.is_empty() {
            ui.label(RichText::new("No routes (yet).").color(GREY));
            return;
        }
        TableBuilder::new(ui)
            .id_salt("routes")
            .striped(true)
            .resizable(true)
            .auto_shrink([false, false])
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::exact(64.0))
            .column(Column::initial(300.0).at_least(120.0).clip(true))
            .column(Column::initial(280.0).at_least(120.0).clip(true))
            .column(Column::initial(170.0).at_least(80.0).clip(true))
            .column(Column::remainder().at_least(80.0).clip(true))
            .header(ROW_HEIGHT + 2.0, |mut header| {
                for title in ["Verb", "Path", "Controller#action", "Helper", "Pipelines"] {
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, self.matching.len(), |mut row| {
                    let route = &model.routes[self.matching[row.index()]];
                    row.col(|ui| {
                        ui.label(mono(&route.verb).strong().color(verb_color(&route.verb)));
                    });
                    row.col(|ui| cell(ui, mono(&route.path)));
                    row.col(|ui| cell(ui, format!("{}#{}", route.controller, route.action)));
                    row.col(|ui| cell(ui, mono(&route.helper).color(GREY)));
                    row.col(|ui| cell(ui, route.pipelines.join(", ")));
                });
            });
    }
}

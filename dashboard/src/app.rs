//! The eframe application: a top bar (app, uptime, connection state, view
//! tabs), the current view, and a status bar. Updates from the client are
//! drained each frame within a budget, so a flood of events never stalls
//! the UI.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use eframe::egui::{self, Color32, RichText};

use crate::client::{self, ClientConfig, ClientHandle};
use crate::model::{pubsub_summary, ConnState, Model, TrafficFilter, Update};
use crate::screenshot::{Action, Outcome, ScreenshotOptions, ScreenshotRunner};
use crate::views::overview::OverviewView;
use crate::views::requests::RequestsView;
use crate::views::routes::RoutesView;
use crate::views::sockets::SocketsView;
use crate::views::topics::TopicsView;
use crate::views::traffic::TrafficView;
use crate::views::{
    human_count, human_duration_ms, mono, pubsub_color, pubsub_details, GREEN, GREY, RED, YELLOW,
};

/// At most this many updates are applied per frame…
const MAX_UPDATES_PER_FRAME: usize = 200;
/// …and for at most this long.
const UPDATE_BUDGET: Duration = Duration::from_millis(8);
/// Repaint at least this often when idle (uptime, "connected for").
const IDLE_REPAINT: Duration = Duration::from_millis(250);

/// The dashboard's views, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// Cards and plots.
    Overview,
    /// The router's routes.
    Routes,
    /// Connected sockets.
    Sockets,
    /// Topics and presence.
    Topics,
    /// The PubSub traffic log.
    Traffic,
    /// The HTTP request log.
    Requests,
}

impl View {
    /// Every view, in tab order.
    pub const ALL: [View; 6] = [
        View::Overview,
        View::Routes,
        View::Sockets,
        View::Topics,
        View::Traffic,
        View::Requests,
    ];

    /// The view's name on the command line and in screenshot file names.
    pub fn name(self) -> &'static str {
        match self {
            View::Overview => "overview",
            View::Routes => "routes",
            View::Sockets => "sockets",
            View::Topics => "topics",
            View::Traffic => "traffic",
            View::Requests => "requests",
        }
    }

    /// The view's tab title.
    pub fn title(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Routes => "Routes",
            View::Sockets => "Sockets",
            View::Topics => "Topics",
            View::Traffic => "PubSub traffic",
            View::Requests => "Requests",
        }
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for View {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        View::ALL
            .into_iter()
            .find(|view| view.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let names: Vec<&str> = View::ALL.iter().map(|v| v.name()).collect();
                format!("unknown view {s:?} (expected one of {})", names.join(", "))
            })
    }
}

/// The colour and words of a connection state, for people.
pub fn describe_state(state: &ConnState) -> (Color32, String) {
    match state {
        ConnState::Joined => (GREEN, "live".into()),
        ConnState::Connecting => (YELLOW, "connecting…".into()),
        ConnState::Connected => (YELLOW, "connecting… (joining)".into()),
        ConnState::Refused(reason) if reason == "unauthorized" => {
            (RED, "refused: unauthorized (check --token)".into())
        }
        ConnState::Refused(reason) => (RED, format!("refused: {reason}")),
        ConnState::Disconnected(reason) => (RED, format!("disconnected — retrying ({reason})")),
    }
}

/// How the app starts.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// The connection.
    pub config: ClientConfig,
    /// The view shown first.
    pub view: View,
    /// The screenshot mode, if on.
    pub screenshots: Option<ScreenshotOptions>,
}

/// The dashboard application.
pub struct DashboardApp {
    model: Model,
    client: ClientHandle,
    url: String,
    view: View,
    overview: OverviewView,
    routes: RoutesView,
    sockets: SocketsView,
    topics: TopicsView,
    traffic: TrafficView,
    requests: RequestsView,
    screenshots: Option<ScreenshotRunner>,
}

impl DashboardApp {
    /// Starts the client (waking `ctx` on updates) and builds the app; a
    /// screenshot run reports into `outcome`.
    pub fn new(ctx: &egui::Context, options: AppOptions, outcome: Outcome) -> Self {
        let repaint = ctx.clone();
        let url = options.config.url.clone();
        let payloads = options.config.payloads;
        let client = client::spawn(options.config, move || repaint.request_repaint());
        let mut app = DashboardApp::with_client(client, url, options.view);
        app.traffic.payloads = payloads;
        app.screenshots = options
            .screenshots
            .map(|shots| ScreenshotRunner::new(shots, outcome));
        app
    }

    /// An app over an existing connection.
    pub fn with_client(client: ClientHandle, url: String, view: View) -> Self {
        DashboardApp {
            model: Model::default(),
            client,
            url,
            view,
            overview: OverviewView::default(),
            routes: RoutesView::default(),
            sockets: SocketsView::default(),
            topics: TopicsView::default(),
            traffic: TrafficView::default(),
            requests: RequestsView::default(),
            screenshots: None,
        }
    }

    /// The model (read-only).
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Switches to `view` (as clicking its tab does).
    pub fn set_view(&mut self, view: View) {
        self.view = view;
    }

    /// Applies one update to the model, as if it came from the client
    /// (benchmarks and tests feed the app this way, without a server).
    pub fn apply(&mut self, update: Update) {
        self.model.apply(update);
    }

    /// Sets the traffic view's topic and event patterns (as typing them in
    /// its toolbar does).
    pub fn set_traffic_filter(&mut self, filter: TrafficFilter) {
        self.traffic.filter = filter;
    }

    /// Sets the requests view's filter (as typing it in its toolbar does).
    pub fn set_requests_filter(&mut self, filter: &str) {
        self.requests.filter = filter.to_string();
    }

    /// Applies pending updates within the frame's budget; true if some are
    /// left for the next frame.
    fn drain(&mut self) -> bool {
        let start = Instant::now();
        for _ in 0..MAX_UPDATES_PER_FRAME {
            match self.client.updates.try_recv() {
                Ok(update) => self.model.apply(update),
                Err(_) => return false,
            }
            if start.elapsed() > UPDATE_BUDGET {
                return true;
            }
        }
        true
    }

    /// Switches to `view` and selects its showcase row, which opens its
    /// details panel: the first socket, the busiest topic, the newest
    /// traffic row (screenshot mode, benchmarks).
    pub fn show_showcase(&mut self, view: View) {
        self.view = view;
        match view {
            View::Sockets => self.sockets.select_first(&self.model),
            View::Topics => self.topics.select_busiest(&self.model),
            View::Traffic => self.traffic.select_newest(&self.model),
            _ => {}
        }
    }

    /// Draws the whole app into `ui` (top bar, current view, status bar):
    /// everything [`eframe::App::ui`] shows, without needing an
    /// [`eframe::Frame`], so it also runs in a headless [`egui::Context`].
    pub fn show(&mut self, ui: &mut egui::Ui) {
        egui::Panel::top("top-bar").show(ui, |ui| self.top_bar(ui));
        egui::Panel::bottom("status-bar").show(ui, |ui| self.status_bar(ui));
        egui::CentralPanel::default().show(ui, |ui| match self.view {
            View::Overview => self.overview.ui(ui, &self.model),
            View::Routes => self.routes.ui(ui, &self.model),
            View::Sockets => self.sockets.ui(ui, &self.model, &self.client),
            View::Topics => self.topics.ui(ui, &self.model, &self.client),
            View::Traffic => self.traffic.ui(ui, &self.model, &self.client),
            View::Requests => self.requests.ui(ui, &self.model),
        });
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) {
        let app = &self.model.app;
        ui.horizontal(|ui| {
            let name = if app.name.is_empty() {
                "phoenix"
            } else {
                app.name.as_str()
            };
            ui.heading(RichText::new(name).strong());
            if !app.env.is_empty() {
                let color = if app.env == "prod" { RED } else { YELLOW };
                egui::Frame::new()
                    .stroke(egui::Stroke::new(1.0, color))
                    .corner_radius(4)
                    .inner_margin(egui::Margin::symmetric(6, 1))
                    .show(ui, |ui| ui.label(RichText::new(&app.env).color(color)));
            }
            if !app.node.is_empty() {
                ui.label(mono(&app.node).color(GREY))
                    .on_hover_text("This server's PubSub node");
            }
            if let Some(status) = &self.model.pubsub {
                ui.label(RichText::new("·").color(GREY));
                let text = RichText::new(pubsub_summary(status)).color(pubsub_color(status));
                let text = if status.is_degraded() {
                    text.strong()
                } else {
                    text
                };
                ui.label(text).on_hover_text(pubsub_details(status));
            }
            if !app.version.is_empty() {
                ui.label(RichText::new(format!("v{}", app.version)).color(GREY));
            }
            if self.model.has_snapshot {
                ui.separator();
                ui.label(format!("up {}", human_duration_ms(app.uptime_ms)));
            }
            if app.read_only {
                ui.label(RichText::new("read-only").color(YELLOW))
                    .on_hover_text(
                        "The server does not let dashboards disconnect sockets or broadcast",
                    );
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let (color, text) = describe_state(&self.model.conn_state);
                let hover = match &self.model.conn_state {
                    ConnState::Disconnected(reason) | ConnState::Refused(reason) => reason.clone(),
                    _ => self.url.clone(),
                };
                ui.label(RichText::new(text).color(color).strong())
                    .on_hover_text(hover);
                let (rect, _) =
                    ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
                ui.painter().circle_filled(rect.center(), 5.0, color);
            });
        });
        ui.horizontal(|ui| {
            for view in View::ALL {
                let text = RichText::new(view.title()).size(15.0);
                ui.selectable_value(&mut self.view, view, text);
            }
        });
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let model = &self.model;
            ui.label(RichText::new(&self.url).monospace().small().color(GREY));
            ui.separator();
            ui.label(
                RichText::new(format!(
                    "{} events received · {} dropped · {} snapshots",
                    human_count(model.events_received),
                    human_count(model.dropped),
                    model.snapshots
                ))
                .small()
                .color(GREY),
            );
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .small_button("Refresh snapshot")
                    .on_hover_text("Ask the server for a fresh snapshot")
                    .clicked()
                {
                    self.client.refresh();
                }
            });
        });
    }
}

impl eframe::App for DashboardApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if self.drain() {
            ctx.request_repaint();
        } else {
            ctx.request_repaint_after(IDLE_REPAINT);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
        if let Some(runner) = self.screenshots.as_mut() {
            match runner.step(ui.ctx(), &self.model) {
                Action::None => {}
                Action::Show(view) => self.show_showcase(view),
                Action::Close => ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::wire;
    use serde_json::json;

    #[test]
    fn every_view_draws_headless() {
        let config = ClientConfig {
            url: "http://127.0.0.1:1".into(),
            ..ClientConfig::default()
        };
        let client = client::spawn(config.clone(), || ());
        let mut app = DashboardApp::with_client(client, config.url, View::Overview);
        let snapshot = wire::snapshot(json!({
            "app": {"name": "demo", "env": "dev"},
            "sockets": [{"id": "s1", "topics": ["rooms:lobby"]}],
            "topics": [{"topic": "rooms:lobby", "subscribers": 1}],
        }));
        app.apply(snapshot.expect("a snapshot"));
        let events = wire::push(
            "events",
            json!({"events": [
            {"kind": "message_in", "at_ms": 1, "socket_id": "s1", "topic": "rooms:lobby",
             "event": "new_msg", "size": 10, "payload": "{}"},
            {"kind": "http_request", "at_ms": 2, "method": "GET", "path": "/",
             "status": 200, "duration_us": 300},
        ], "dropped": 0}),
        );
        app.apply(events.expect("an events push"));
        let stats = wire::push("stats", json!({"at_ms": 1000, "sockets": 1}));
        app.apply(stats.expect("a stats push"));
        app.set_traffic_filter(TrafficFilter {
            topic: "rooms:*".into(),
            event: String::new(),
        });
        app.set_requests_filter("GET");
        let ctx = egui::Context::default();
        for (frame, view) in View::ALL.into_iter().enumerate() {
            app.show_showcase(view);
            let input = egui::RawInput {
                screen_rect: Some(egui::Rect::from_min_size(
                    egui::Pos2::ZERO,
                    egui::vec2(1280.0, 800.0),
                )),
                time: Some(frame as f64 / 60.0),
                ..Default::default()
            };
            let mut output = ctx.run_ui(input, |ui| app.show(ui));
            let shapes = std::mem::take(&mut output.shapes);
            output.drop_without_applying_deltas();
            assert!(
                !ctx.tessellate(shapes, 1.0).is_empty(),
                "{view} drew nothing"
            );
        }
    }

    #[test]
    fn views_parse_by_name() {
        for view in View::ALL {
            assert_eq!(view.name().parse::<View>(), Ok(view));
        }
        assert_eq!("Traffic".parse::<View>(), Ok(View::Traffic));
        assert!("nope".parse::<View>().is_err());
    }

    #[test]
    fn states_read_well() {
        assert_eq!(
            describe_state(&ConnState::Joined),
            (GREEN, "live".to_string())
        );
        assert_eq!(
            describe_state(&ConnState::Refused("unauthorized".into())).1,
            "refused: unauthorized (check --token)"
        );
        assert!(describe_state(&ConnState::Disconnected("x".into()))
            .1
            .starts_with("disconnected — retrying"));
    }
}

//! What every conn of an application shares: configuration, views, templates, routes.

use std::sync::Arc;

use crate::config::Config;
use crate::observer::Observers;
use crate::presence::Presence;
use crate::pubsub::PubSub;
use crate::router::{RouteInfo, RoutePath};
use crate::state::StateMap;
use crate::template::Templates;
use crate::view::View;

/// The shared, read-only state of a running application.
pub struct App {
    /// The configuration (absent only in conns built by hand for unit tests).
    pub config: Option<Arc<Config>>,
    /// `scheme://host[:port]` used by [`App::url`].
    pub url_base: String,
    /// Render the debugging error page.
    pub debug_errors: bool,
    /// The route table.
    pub routes: Vec<RouteInfo>,
    /// Compiled file templates.
    pub templates: Templates,
    /// The view that renders layouts.
    pub layout_view: Option<Arc<dyn View>>,
    /// The view that renders error pages.
    pub error_view: Option<Arc<dyn View>>,
    /// Formats the error view renders (the first is the fallback).
    pub error_formats: Vec<String>,
    /// The application's PubSub.
    pub pubsub: PubSub,
    /// The application's presence tracker.
    pub presence: Presence,
    /// Turns true when the server starts shutting down: sockets drain.
    pub shutdown: tokio::sync::watch::Sender<bool>,
    /// The observers the framework reports lifecycle events to (none by
    /// default; see [`crate::observer`]).
    pub observers: Observers,
    /// The application's own state (see [`crate::state`]).
    pub state: StateMap,
    /// The cache manifest of digested static files, when
    /// `static.cache_manifest` is set (see [`crate::digest`]).
    pub static_manifest: Option<Arc<crate::digest::Manifest>>,
    /// The endpoint's open socket connections (`[limits]`).
    pub(crate) socket_slots: Arc<crate::limits::SocketSlots>,
}

impl App {
    /// The full URL of a path (`user_comment_path::index(99)` →
    /// `http://example.com/users/99/comments`).
    pub fn url(&self, path: &RoutePath) -> String {
        format!("{}{path}", self.url_base)
    }

    /// Resolves once the server is shutting down.
    pub async fn shutting_down(&self) {
        let mut rx = self.shutdown.subscribe();
        let _ = rx.wait_for(|down| *down).await;
    }

    /// The environment name (`dev`, `test`, `prod`), `test` without a config.
    pub fn env(&self) -> &str {
        self.config
            .as_ref()
            .map(|c| c.env.as_str())
            .unwrap_or("test")
    }
}

impl Default for App {
    fn default() -> Self {
        let pubsub = PubSub::local();
        App {
            config: None,
            url_base: String::new(),
            debug_errors: false,
            routes: Vec::new(),
            templates: Templates::default(),
            layout_view: None,
            error_view: None,
            error_formats: Vec::new(),
            presence: Presence::new(pubsub.clone()),
            pubsub,
            shutdown: tokio::sync::watch::Sender::new(false),
            observers: Observers::default(),
            state: StateMap::default(),
            static_manifest: None,
            socket_slots: crate::limits::SocketSlots::new(&Default::default()),
        }
    }
}

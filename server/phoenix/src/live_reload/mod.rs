//! Live reload: open pages follow changes of assets and of the code
//! (Phoenix.LiveReloader's behaviour).
//!
//! [`EndpointBuilder::live_reload`] installs it when `[live_reload]` enables
//! it (by default in `dev` only):
//!
//! - a socket at `live_reload.path` (default `/phoenix/live_reload/socket`,
//!   WebSocket and LongPoll, V1 and V2 serializers) with one channel,
//!   [`TOPIC`] = `phoenix:live_reload`;
//! - its client script at [`SCRIPT_PATH`] = `/phoenix/live_reload/live_reload.js`
//!   (plain JavaScript, no dependency, [`SCRIPT`]);
//! - `<script src="/phoenix/live_reload/live_reload.js" defer></script>`
//!   inserted before the last `</body>` of every `text/html` response of the
//!   app (not JSON, not static files; `Content-Length` follows);
//! - a watcher of `live_reload.paths` (default `priv/static` and
//!   `templates.root`), debounced by `live_reload.debounce_ms`;
//! - a watcher of the build status file named by [`BUILD_STATUS_ENV`]
//!   (`PHX_BUILD_STATUS`), which `phx server` writes.
//!
//! # Events pushed on `phoenix:live_reload`
//!
//! | event | payload | what the script does |
//! |---|---|---|
//! | `assets_change` | `{"asset_type": "css"}` | re-requests every `<link rel=stylesheet>` with a cache-busting query (no reload) |
//! | `assets_change` | `{"asset_type": "js"}` (any other extension) | `location.reload()` |
//! | `compile_error` | `{"output": "<compiler text, ANSI codes stripped>", "build": n}` | shows a full-page overlay, the element with id [`ERROR_ELEMENT_ID`] = `phx-live-reload-error` |
//! | `building` | `{"build": n}` | shows a small badge, id `phx-live-reload-building` |
//! | `compile_ok` | `{"build": n}` | removes the overlay and the badge |
//!
//! The join reply is `{"boot": "<random id of this server process>"}`; if the
//! build status says `error` at join time, `compile_error` is pushed right
//! after the reply. The script remembers the boot id of its first join; when
//! the connection drops it reconnects and rejoins, and a different boot id
//! (a restarted server, so new code) makes it `location.reload()`.
//!
//! # The build status file
//!
//! When `PHX_BUILD_STATUS` names a file, it is watched; it holds
//! `{"status": "building" | "error" | "ok", "output": "<compiler text>", "build": n}`
//! (`output` and `build` optional). A change of status, build or output is
//! pushed as `building`, `compile_error` or `compile_ok`. Write it whole
//! (ideally to a temporary file renamed over it): a partial write that is
//! not valid JSON is ignored until the next change.

mod watch;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use phoenix_protocol::Payload;
use poem::http::{header, HeaderValue, Method, StatusCode};
use poem::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::broadcast;

use crate::channel::{Channel, ChannelSocket, Event, JoinResult, Reason, Reply};
use crate::config::Config;
use crate::endpoint::EndpointBuilder;
use crate::params::Params;
use crate::socket::{ChannelRoutes, ConnectError, ConnectInfo, Mount, Socket};

/// The live reload channel's topic.
pub const TOPIC: &str = "phoenix:live_reload";

/// Where the client script is served.
pub const SCRIPT_PATH: &str = "/phoenix/live_reload/live_reload.js";

/// The client script (plain JavaScript).
pub const SCRIPT: &str = include_str!("live_reload.js");

/// The id of the overlay element that shows a compile error.
pub const ERROR_ELEMENT_ID: &str = "phx-live-reload-error";

/// The environment variable naming the build status file.
pub const BUILD_STATUS_ENV: &str = "PHX_BUILD_STATUS";

/// The default mount path of the socket.
pub const DEFAULT_SOCKET_PATH: &str = "/phoenix/live_reload/socket";

/// The events pushed on [`TOPIC`].
pub mod events {
    /// An asset changed: `{"asset_type": "css" | "<extension>"}`.
    pub const ASSETS_CHANGE: &str = "assets_change";
    /// The build failed: `{"output": "...", "build": n}`.
    pub const COMPILE_ERROR: &str = "compile_error";
    /// A build started: `{"build": n}`.
    pub const BUILDING: &str = "building";
    /// A build succeeded: `{"build": n}`.
    pub const COMPILE_OK: &str = "compile_ok";
}

/// The state of the last build, as `phx server` writes it to the file
/// named by `PHX_BUILD_STATUS`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildStatus {
    /// `building`, `error` or `ok`.
    pub status: String,
    /// The compiler's output (for `error`).
    #[serde(default)]
    pub output: String,
    /// The build's number.
    #[serde(default)]
    pub build: u64,
}

impl BuildStatus {
    /// The event and payload telling pages about this status, if any.
    fn push(&self) -> Option<Push> {
        let (event, payload) = match self.status.as_str() {
            "error" => (
                events::COMPILE_ERROR,
                json!({"output": strip_ansi(&self.output), "build": self.build}),
            ),
            "building" => (events::BUILDING, json!({"build": self.build})),
            "ok" => (events::COMPILE_OK, json!({"build": self.build})),
            _ => return None,
        };
        Some(Push { event, payload })
    }
}

/// Removes ANSI escape sequences (colours, cursor moves, OSC hyperlinks)
/// from compiler output.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            // CSI: parameters and intermediates, then one final byte.
            Some('[') => {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC: up to BEL or ESC \.
            Some(']') => {
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' {
                        if chars.peek() == Some(&'\\') {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            // Two-character sequences (ESC c, ESC 7, ...).
            Some(_) => {
                chars.next();
            }
            None => {}
        }
    }
    out
}

/// One push to every joined page.
#[derive(Debug, Clone)]
pub(crate) struct Push {
    event: &'static str,
    payload: Value,
}

/// What live reload watches and where it mounts, from the config (and the
/// environment for the build status file). Give it to
/// [`EndpointBuilder::live_reload_with`] to install it regardless of
/// `live_reload.enabled`, or with another status file.
#[derive(Debug, Clone)]
pub struct LiveReload {
    paths: Vec<PathBuf>,
    debounce: Duration,
    socket_path: String,
    status_file: Option<PathBuf>,
}

impl LiveReload {
    /// The settings of `config`'s `[live_reload]`: `paths` resolved against
    /// the app root (default `priv/static` and `templates.root`), and the
    /// build status file named by `PHX_BUILD_STATUS`, if set.
    pub fn new(config: &Config) -> LiveReload {
        let settings = &config.live_reload;
        let paths = if settings.paths.is_empty() {
            let mut paths = vec![config.path("priv/static")];
            if let Some(templates) = &config.templates.root {
                paths.push(config.path(templates));
            }
            paths
        } else {
            settings.paths.iter().map(|p| config.path(p)).collect()
        };
        LiveReload {
            paths,
            debounce: Duration::from_millis(settings.debounce_ms),
            socket_path: settings.path.clone(),
            status_file: std::env::var_os(BUILD_STATUS_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }

    /// Watches this build status file instead (or none).
    pub fn status_file(mut self, file: Option<impl Into<PathBuf>>) -> Self {
        self.status_file = file.map(Into::into);
        self
    }

    /// The folders and files watched.
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// The `<script>` tag injected into pages.
    pub fn script_tag(&self) -> String {
        if self.socket_path == DEFAULT_SOCKET_PATH {
            format!(r#"<script src="{SCRIPT_PATH}" defer></script>"#)
        } else {
            let socket = self
                .socket_path
                .replace('&', "&amp;")
                .replace('"', "&quot;");
            format!(r#"<script src="{SCRIPT_PATH}" data-socket="{socket}" defer></script>"#)
        }
    }
}

/// What the socket, its channels and the watchers share.
pub(crate) struct Hub {
    boot: String,
    events: broadcast::Sender<Push>,
    status: Arc<Mutex<Option<BuildStatus>>>,
    /// Dropping it stops the watcher and its thread.
    _watcher: Option<watch::Watcher>,
}

impl Hub {
    fn start(settings: &LiveReload) -> Arc<Hub> {
        let (events, _) = broadcast::channel(64);
        let status = Arc::new(Mutex::new(
            settings.status_file.as_deref().and_then(watch::read_status),
        ));
        let watcher = match watch::Watcher::start(settings, events.clone(), status.clone()) {
            Ok(watcher) => Some(watcher),
            Err(err) => {
                tracing::warn!("live reload: file watching is off: {err}");
                None
            }
        };
        Arc::new(Hub {
            boot: format!("{:016x}", rand::random::<u64>()),
            events,
            status,
            _watcher: watcher,
        })
    }

    fn current_error(&self) -> Option<Push> {
        let status = self.status.lock().unwrap_or_else(|e| e.into_inner());
        status
            .as_ref()
            .filter(|s| s.status == "error")
            .and_then(BuildStatus::push)
    }
}

/// The script route and the injection into HTML responses, run by the
/// endpoint around the app.
#[derive(Clone)]
pub(crate) struct Injector {
    tag: Arc<str>,
}

impl Injector {
    /// The script, for `GET`/`HEAD` [`SCRIPT_PATH`].
    pub(crate) fn script(&self, req: &Request) -> Option<Response> {
        if req.uri().path() != SCRIPT_PATH
            || !(req.method() == Method::GET || req.method() == Method::HEAD)
        {
            return None;
        }
        Some(
            Response::builder()
                .status(StatusCode::OK)
                .content_type("text/javascript; charset=utf-8")
                .header(header::CACHE_CONTROL, "no-cache")
                .body(SCRIPT),
        )
    }

    /// `response` with the script tag before its last `</body>`, if it is
    /// an uncompressed `text/html` response of a non-HEAD request.
    pub(crate) async fn inject(&self, head: bool, response: Response) -> Response {
        let html = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
        if head || !html || response.headers().contains_key(header::CONTENT_ENCODING) {
            return response;
        }
        let (mut parts, body) = response.into_parts();
        let bytes = match body.into_bytes().await {
            Ok(bytes) => bytes,
            Err(err) => {
                tracing::warn!("live reload: could not read an HTML response: {err}");
                parts.status = StatusCode::INTERNAL_SERVER_ERROR;
                parts.headers.remove(header::CONTENT_LENGTH);
                return Response::from_parts(parts, Body::empty());
            }
        };
        let Some(at) = find_last_body_close(&bytes) else {
            return Response::from_parts(parts, Body::from(bytes));
        };
        let mut out = Vec::with_capacity(bytes.len() + self.tag.len());
        out.extend_from_slice(&bytes[..at]);
        out.extend_from_slice(self.tag.as_bytes());
        out.extend_from_slice(&bytes[at..]);
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(out.len()));
        Response::from_parts(parts, Body::from(out))
    }
}

/// The position of the last `</body>` (any case).
fn find_last_body_close(bytes: &[u8]) -> Option<usize> {
    const CLOSE: &[u8] = b"</body>";
    (0..=bytes.len().checked_sub(CLOSE.len())?)
        .rev()
        .find(|&i| bytes[i..i + CLOSE.len()].eq_ignore_ascii_case(CLOSE))
}

/// The live reload socket: one channel, [`TOPIC`]; anyone may connect.
pub struct LiveReloadSocket {
    hub: Arc<Hub>,
}

impl Socket for LiveReloadSocket {
    type Assigns = ();

    fn channels(&self, routes: &mut ChannelRoutes<()>) {
        let hub = self.hub.clone();
        routes.channel_fn(TOPIC, move || LiveReloadChannel {
            hub: hub.clone(),
            forwarder: None,
        });
    }

    async fn connect(&self, _params: &Params, _info: &ConnectInfo) -> Result<(), ConnectError> {
        Ok(())
    }
}

struct Aborting(tokio::task::JoinHandle<()>);

impl Drop for Aborting {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(crate) struct LiveReloadChannel {
    hub: Arc<Hub>,
    forwarder: Option<Aborting>,
}

impl Channel for LiveReloadChannel {
    type Assigns = ();
    type In = Event;
    type Info = Push;

    async fn join(
        &mut self,
        _topic: &str,
        _payload: Payload,
        socket: &mut ChannelSocket<Self>,
    ) -> JoinResult {
        let me = socket.channel_ref();
        let mut events = self.hub.events.subscribe();
        let forward = me.clone();
        self.forwarder = Some(Aborting(tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(push) => {
                        if !forward.send(push) {
                            return;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        })));
        // Handled after the join reply is sent: a page opened while the
        // build is broken shows the error at once.
        if let Some(error) = self.hub.current_error() {
            me.send(error);
        }
        Ok(Payload::Json(json!({"boot": self.hub.boot})))
    }

    async fn handle_in(&mut self, _event: Event, _socket: &mut ChannelSocket<Self>) -> Reply {
        Reply::none()
    }

    async fn handle_info(
        &mut self,
        push: Push,
        socket: &mut ChannelSocket<Self>,
    ) -> Option<Reason> {
        let _ = socket.push(push.event, push.payload);
        None
    }
}

impl EndpointBuilder {
    /// Installs live reload (see [`crate::live_reload`]) when the config
    /// enables it (`live_reload.enabled`, by default in `dev` only); does
    /// nothing otherwise.
    pub fn live_reload(self) -> Self {
        if !self.config().live_reload_enabled() {
            return self;
        }
        let settings = LiveReload::new(self.config());
        self.live_reload_with(settings)
    }

    /// Installs live reload with these settings, whatever
    /// `live_reload.enabled` says: the socket, the script route, the
    /// injection into HTML responses and the watchers.
    pub fn live_reload_with(mut self, settings: LiveReload) -> Self {
        let hub = Hub::start(&settings);
        tracing::info!(
            "live reload: socket at {}, watching {}{}",
            settings.socket_path,
            settings
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            match &settings.status_file {
                Some(file) => format!(" and the build status in {}", file.display()),
                None => String::new(),
            }
        );
        self.injector = Some(Injector {
            tag: settings.script_tag().into(),
        });
        let path = settings.socket_path.clone();
        self.socket(
            &path,
            Mount::new(&path, LiveReloadSocket { hub }).unobserved(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_codes_are_stripped() {
        let text = "\u{1b}[0m\u{1b}[1m\u{1b}[38;5;9merror[E0308]\u{1b}[0m: mismatched \
                    \u{1b}]8;;file:///x.rs\u{1b}\\types\u{1b}]8;;\u{1b}\\\n  --> src/main.rs";
        assert_eq!(
            strip_ansi(text),
            "error[E0308]: mismatched types\n  --> src/main.rs"
        );
    }

    #[test]
    fn the_last_body_close_is_found_in_any_case() {
        assert_eq!(find_last_body_close(b"<body></BODY>"), Some(6));
        assert_eq!(find_last_body_close(b"</body>x</body>"), Some(8));
        assert_eq!(find_last_body_close(b"<p>"), None);
        assert_eq!(find_last_body_close(b""), None);
    }
}

//! The introspection socket and its one channel, `phoenix:dashboard`.

use std::sync::Arc;
use std::time::Duration;

use phoenix_protocol::Payload;
use serde_json::{json, Map, Value};
use tokio::sync::broadcast::error::RecvError;

use super::{Event, Introspect, Watch};
use crate::app::App;
use crate::channel::{
    Channel, ChannelRef, ChannelSocket, Event as ChannelEvent, JoinResult, Reason, Reply,
};
use crate::config::DashboardConfig;
use crate::params::Params;
use crate::socket::{ChannelRoutes, ConnectError, ConnectInfo, Mount, Socket};

/// The dashboard's topic.
pub const TOPIC: &str = "phoenix:dashboard";

/// Events in one `events` push at most; more are counted as dropped.
const MAX_BATCH: usize = 2000;

/// Topics listed in `stats` and the snapshot at most.
const MAX_TOPICS: usize = 1000;

/// The socket the endpoint mounts at `dashboard.path`.
pub(crate) fn mount(app: &Arc<App>, config: &DashboardConfig) -> Mount {
    let socket = DashboardSocket {
        app: app.clone(),
        token: Arc::from(config.token.clone().unwrap_or_default()),
        read_only: config.read_only,
    };
    Mount::new(&config.path, socket).unobserved()
}

struct DashboardSocket {
    app: Arc<App>,
    token: Arc<str>,
    read_only: bool,
}

impl Socket for DashboardSocket {
    type Assigns = ();

    fn channels(&self, routes: &mut ChannelRoutes<()>) {
        let (app, token, read_only) = (self.app.clone(), self.token.clone(), self.read_only);
        routes.channel_fn(TOPIC, move || DashboardChannel {
            app: app.clone(),
            token: token.clone(),
            read_only,
            watch: None,
            forwarder: None,
        });
    }

    /// Anyone may connect; the token is checked on join, where a refusal
    /// can say why.
    async fn connect(&self, _params: &Params, _info: &ConnectInfo) -> Result<(), ConnectError> {
        Ok(())
    }
}

/// Compares without an early exit, so timing does not reveal the token.
fn same_token(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    let mut diff = a.len() ^ b.len();
    for (i, byte) in b.iter().enumerate() {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ byte);
    }
    diff == 0 && !expected.is_empty()
}

struct Aborting(tokio::task::JoinHandle<()>);

impl Drop for Aborting {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What the forwarder hands the channel.
pub(crate) enum Push {
    Events(Vec<Arc<Event>>, u64),
    Stats(Value),
}

struct DashboardChannel {
    app: Arc<App>,
    token: Arc<str>,
    read_only: bool,
    watch: Option<Watch>,
    forwarder: Option<Aborting>,
}

fn json_of(payload: &Payload) -> Value {
    match payload {
        Payload::Json(value) => value.clone(),
        _ => Value::Null,
    }
}

fn error(reason: &str) -> Reply {
    Reply::error(json!({ "reason": reason }))
}

/// Topics by subscribers, most subscribed first.
fn topics(app: &App) -> Value {
    let mut topics = app.pubsub.topics();
    topics.retain(|(topic, _)| topic != TOPIC);
    topics.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    topics.truncate(MAX_TOPICS);
    topics
        .into_iter()
        .map(|(topic, subscribers)| json!({ "topic": topic, "subscribers": subscribers }))
        .collect()
}

/// The join reply: everything a dashboard shows, as of now.
fn snapshot(app: &App, read_only: bool) -> Value {
    let hub = &app.introspect;
    let config = app.config.as_deref();
    let presence: Map<String, Value> = app
        .presence
        .topics()
        .into_iter()
        .map(|topic| {
            let list = app.presence.list(&topic);
            (topic, list)
        })
        .collect();
    json!({
        "app": {
            "name": config.map(|c| c.app_name.as_str()).unwrap_or("app"),
            "env": app.env(),
            "node": app.pubsub.node(),
            "version": env!("CARGO_PKG_VERSION"),
            "started_at_ms": hub.started_at_ms(),
            "uptime_ms": hub.uptime_ms(),
            "read_only": read_only,
            "max_events_per_second": hub.max_per_second,
        },
        "routes": app.routes,
        "sockets": hub.registry.all().iter().map(|e| e.to_json()).collect::<Vec<_>>(),
        "topics": topics(app),
        "presence": presence,
        "stats": current_stats(app),
    })
}

/// Gauges as of now; the per-second counts are those of no time at all (0).
fn current_stats(app: &App) -> Value {
    let mut last = [0; 5];
    app.introspect.stats(&mut last);
    stats(app, &mut last)
}

fn stats(app: &App, last: &mut [u64; 5]) -> Value {
    let mut stats = app.introspect.stats(last);
    stats["topics"] = topics(app);
    stats
}

/// Batches events every 100 ms and counters every second, until the
/// channel is gone.
async fn forward(
    mut events: tokio::sync::broadcast::Receiver<Arc<Event>>,
    me: ChannelRef<Push>,
    app: Arc<App>,
) {
    let mut last = [0u64; 5];
    app.introspect.stats(&mut last);
    let mut flush = tokio::time::interval(Duration::from_millis(100));
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let mut batch = Vec::new();
    let mut dropped = 0u64;
    loop {
        tokio::select! {
            received = events.recv() => match received {
                Ok(event) if batch.len() < MAX_BATCH => batch.push(event),
                Ok(_) => dropped += 1,
                Err(RecvError::Lagged(n)) => dropped += n,
                Err(RecvError::Closed) => return,
            },
            _ = flush.tick() => {
                if (!batch.is_empty() || dropped > 0)
                    && !me.send(Push::Events(std::mem::take(&mut batch), std::mem::take(&mut dropped)))
                {
                    return;
                }
            }
            _ = tick.tick() => {
                if !me.send(Push::Stats(stats(&app, &mut last))) {
                    return;
                }
            }
        }
    }
}

impl Channel for DashboardChannel {
    type Assigns = ();
    type In = ChannelEvent;
    type Info = Push;

    async fn join(
        &mut self,
        _topic: &str,
        payload: Payload,
        socket: &mut ChannelSocket<Self>,
    ) -> JoinResult {
        let params = json_of(&payload);
        let token = params.get("token").and_then(Value::as_str).unwrap_or("");
        if !same_token(token, &self.token) {
            tracing::info!("dashboard join refused: wrong or missing token");
            return Err(json!({ "reason": "unauthorized" }).into());
        }
        let payloads = params
            .get("payloads")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let mut watch = self.app.introspect.attach(payloads);
        if let Some(events) = watch.take_receiver() {
            let task = tokio::spawn(forward(events, socket.channel_ref(), self.app.clone()));
            self.forwarder = Some(Aborting(task));
        }
        self.watch = Some(watch);
        Ok(snapshot(&self.app, self.read_only).into())
    }

    async fn handle_in(&mut self, event: ChannelEvent, _socket: &mut ChannelSocket<Self>) -> Reply {
        let ChannelEvent { event, payload } = event;
        let event = event.as_str();
        let params = json_of(&payload);
        let str_param = |key: &str| params.get(key).and_then(Value::as_str).unwrap_or("");
        let hub: &Introspect = &self.app.introspect;
        match event {
            "snapshot" => Reply::ok(snapshot(&self.app, self.read_only)),
            "socket" => match hub.registry.get(str_param("id")) {
                Some(entry) => Reply::ok(entry.to_json()),
                None => error("no such socket"),
            },
            "payloads" => {
                let on = params
                    .get("enabled")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                if let Some(watch) = &mut self.watch {
                    watch.set_payloads(on);
                }
                Reply::ok(json!({}))
            }
            "disconnect" if self.read_only => error("read only"),
            "disconnect" => {
                if hub.registry.disconnect(str_param("id")) {
                    Reply::ok(json!({}))
                } else {
                    error("no such socket")
                }
            }
            "broadcast" if self.read_only => error("read only"),
            "broadcast" => {
                let (topic, event) = (str_param("topic"), str_param("event"));
                if topic.is_empty() || event.is_empty() {
                    return error("topic and event are required");
                }
                let body = params.get("payload").cloned().unwrap_or_else(|| json!({}));
                let subscribers = self.app.pubsub.subscriber_count(topic);
                match self.app.pubsub.broadcast_as_dashboard(topic, event, body) {
                    Ok(()) => Reply::ok(json!({ "subscribers": subscribers })),
                    Err(_) => error("payload must be an object"),
                }
            }
            _ => error("unknown request"),
        }
    }

    async fn handle_info(
        &mut self,
        push: Push,
        socket: &mut ChannelSocket<Self>,
    ) -> Option<Reason> {
        let _ = match push {
            Push::Events(events, dropped) => {
                let events: Vec<Value> = events
                    .iter()
                    .filter_map(|e| serde_json::to_value(&**e).ok())
                    .collect();
                socket.push("events", json!({ "events": events, "dropped": dropped }))
            }
            Push::Stats(stats) => socket.push("stats", stats),
        };
        None
    }
}

#[cfg(test)]
mod tests {
    use super::same_token;

    #[test]
    fn tokens_must_match_exactly_and_not_be_empty() {
        assert!(same_token("s3cret", "s3cret"));
        assert!(!same_token("s3cre", "s3cret"));
        assert!(!same_token("s3crett", "s3cret"));
        assert!(!same_token("", "s3cret"));
        assert!(!same_token("", ""));
    }
}

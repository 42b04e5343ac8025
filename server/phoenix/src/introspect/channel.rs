//! The introspection socket and its one channel, `phoenix:dashboard`.

use std::sync::Arc;
use std::time::Duration;

use phoenix_dashboard_protocol::{self as wire, reasons, Request};
use phoenix_protocol::Payload;
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::broadcast::error::RecvError;

use super::{Introspect, Watch};
use crate::channel::{Channel, ChannelRef, ChannelSocket, Event, JoinResult, Reason, Reply};
use crate::config::Config;
use crate::params::Params;
use crate::presence::Presence;
use crate::pubsub::PubSub;
use crate::router::RouteInfo;
use crate::socket::{ChannelRoutes, ConnectError, ConnectInfo, Socket};

/// The dashboard's topic.
pub const TOPIC: &str = wire::TOPIC;

/// The origin of the dashboard's test broadcasts, for observers.
pub(super) const ORIGIN: &str = "dashboard";

/// Events in one `events` push at most; more are counted as dropped.
const MAX_BATCH: usize = 2000;

/// Topics listed in `stats` and the snapshot at most.
const MAX_TOPICS: usize = 1000;

/// What every dashboard channel shares.
struct Shared {
    hub: Arc<Introspect>,
    token: String,
    read_only: bool,
    name: String,
    env: String,
    routes: Vec<wire::Route>,
}

/// The socket dashboards connect to: one channel, `phoenix:dashboard`, joined with
/// the config's `dashboard.token`. Mount it unobserved (as
/// `EndpointBuilder::dashboard` does), so a dashboard does not watch itself.
pub struct DashboardSocket {
    shared: Arc<Shared>,
}

impl DashboardSocket {
    /// The socket of `hub`, with the token, `read_only`, app name and
    /// environment of `config`, and the route table `routes`.
    pub fn new(hub: Arc<Introspect>, config: &Config, routes: Vec<RouteInfo>) -> Self {
        let routes = routes
            .into_iter()
            .map(|r| wire::Route {
                verb: r.verb,
                path: r.path,
                controller: r.controller,
                action: r.action,
                helper: r.helper,
                pipelines: r.pipelines,
            })
            .collect();
        DashboardSocket {
            shared: Arc::new(Shared {
                hub,
                token: config.dashboard.token.clone().unwrap_or_default(),
                read_only: config.dashboard.read_only,
                name: config.app_name.clone(),
                env: config.env.clone(),
                routes,
            }),
        }
    }
}

impl Socket for DashboardSocket {
    type Assigns = ();

    fn channels(&self, routes: &mut ChannelRoutes<()>) {
        let shared = self.shared.clone();
        routes.channel_fn(TOPIC, move || DashboardChannel {
            shared: shared.clone(),
            watch: None,
            forwarder: None,
            node: None,
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
    Events(wire::EventsPush),
    Stats(wire::Stats),
}

/// What the channel reads of the node it runs on.
#[derive(Clone)]
struct Node {
    pubsub: PubSub,
    presence: Presence,
}

struct DashboardChannel {
    shared: Arc<Shared>,
    watch: Option<Watch>,
    forwarder: Option<Aborting>,
    node: Option<Node>,
}

fn json_of(payload: Payload) -> Value {
    match payload {
        Payload::Json(value) => value,
        _ => Value::Null,
    }
}

/// A wire value as a payload.
fn payload(value: &impl Serialize) -> Payload {
    Payload::Json(serde_json::to_value(value).unwrap_or(Value::Null))
}

fn error(reason: &str) -> Reply {
    Reply::error(payload(&wire::ErrorReply::new(reason)))
}

/// Topics by subscribers, most subscribed first.
fn topics(pubsub: &PubSub) -> Vec<wire::TopicInfo> {
    let mut topics = pubsub.topics();
    topics.retain(|(topic, _)| topic != TOPIC);
    topics.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    topics.truncate(MAX_TOPICS);
    topics
        .into_iter()
        .map(|(topic, subscribers)| wire::TopicInfo {
            topic,
            subscribers: subscribers as u64,
        })
        .collect()
}

/// How the node's PubSub reaches the other nodes, as of now.
fn pubsub_status(node: &Node) -> wire::PubSubStatus {
    let status = node.pubsub.adapter_status();
    let mut nodes = node.presence.nodes();
    nodes.sort();
    wire::PubSubStatus {
        adapter: status.adapter.to_string(),
        connected: status.connected,
        outages: status.outages,
        lost: status.lost,
        sent: status.sent,
        received: status.received,
        nodes,
    }
}

fn stats(hub: &Introspect, node: &Node, last: &mut [u64; 5]) -> wire::Stats {
    let mut stats = hub.stats(last);
    stats.topics = topics(&node.pubsub);
    stats.pubsub = Some(pubsub_status(node));
    stats
}

/// Everything a dashboard shows, as of now.
fn snapshot(shared: &Shared, node: &Node) -> wire::Snapshot {
    let hub = &shared.hub;
    let presence = node
        .presence
        .topics()
        .into_iter()
        .map(|topic| {
            let list = node.presence.list(&topic);
            (topic, serde_json::from_value(list).unwrap_or_default())
        })
        .collect();
    // Gauges as of now; the per-second counts are those of no time at all.
    let mut last = [0; 5];
    hub.stats(&mut last);
    wire::Snapshot {
        app: wire::AppInfo {
            name: shared.name.clone(),
            env: shared.env.clone(),
            node: node.pubsub.node().to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            started_at_ms: hub.started_at_ms(),
            uptime_ms: hub.uptime_ms(),
            read_only: shared.read_only,
            max_events_per_second: hub.max_per_second,
        },
        routes: shared.routes.clone(),
        sockets: hub
            .registry
            .all()
            .iter()
            .map(|e| hub.socket_info(e))
            .collect(),
        topics: topics(&node.pubsub),
        presence,
        stats: stats(hub, node, &mut last),
    }
}

/// Batches events every 100 ms and counters (with the PubSub status)
/// every second, until the channel is gone.
async fn forward(
    mut events: tokio::sync::broadcast::Receiver<Arc<wire::Event>>,
    me: ChannelRef<Push>,
    hub: Arc<Introspect>,
    node: Node,
) {
    let mut last = [0u64; 5];
    hub.stats(&mut last);
    let mut flush = tokio::time::interval(Duration::from_millis(100));
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    let mut batch: Vec<wire::Event> = Vec::new();
    let mut dropped = 0u64;
    loop {
        tokio::select! {
            received = events.recv() => match received {
                Ok(event) if batch.len() < MAX_BATCH => batch.push(Arc::unwrap_or_clone(event)),
                Ok(_) => dropped += 1,
                Err(RecvError::Lagged(n)) => dropped += n,
                Err(RecvError::Closed) => return,
            },
            _ = flush.tick() => {
                if batch.is_empty() && dropped == 0 {
                    continue;
                }
                let push = wire::EventsPush {
                    events: std::mem::take(&mut batch),
                    dropped: std::mem::take(&mut dropped),
                };
                if !me.send(Push::Events(push)) {
                    return;
                }
            }
            _ = tick.tick() => {
                if !me.send(Push::Stats(stats(&hub, &node, &mut last))) {
                    return;
                }
            }
        }
    }
}

impl DashboardChannel {
    fn node(&self) -> &Node {
        self.node.as_ref().expect("the node is set on join")
    }

    fn handle(&mut self, request: Request) -> Reply {
        let shared = self.shared.clone();
        let hub = &shared.hub;
        match request {
            Request::Snapshot => Reply::ok(payload(&snapshot(&shared, self.node()))),
            Request::Socket(socket) => match hub.registry.get(&socket.id) {
                Some(entry) => Reply::ok(payload(&hub.socket_info(&entry))),
                None => error(reasons::NO_SUCH_SOCKET),
            },
            Request::Payloads(request) => {
                if let Some(watch) = &mut self.watch {
                    watch.set_payloads(request.enabled);
                }
                Reply::ok(payload(&wire::Empty {}))
            }
            Request::Disconnect(_) | Request::Broadcast(_) if shared.read_only => {
                error(reasons::READ_ONLY)
            }
            Request::Disconnect(socket) => match hub.registry.get(&socket.id) {
                Some(entry) if entry.disconnect() => Reply::ok(payload(&wire::Empty {})),
                _ => error(reasons::NO_SUCH_SOCKET),
            },
            Request::Broadcast(request) => {
                if request.topic.is_empty() || request.event.is_empty() {
                    return error(reasons::TOPIC_AND_EVENT_REQUIRED);
                }
                let body = request.payload.unwrap_or_else(|| Value::Object(Map::new()));
                let pubsub = &self.node().pubsub;
                let subscribers = pubsub.subscriber_count(&request.topic) as u64;
                match pubsub.broadcast_with_origin(ORIGIN, &request.topic, &request.event, body) {
                    Ok(()) => Reply::ok(payload(&wire::BroadcastReply { subscribers })),
                    Err(_) => error(reasons::PAYLOAD_NOT_AN_OBJECT),
                }
            }
        }
    }
}

impl Channel for DashboardChannel {
    type Assigns = ();
    /// Requests are decoded by the shared protocol crate, which names a bad one.
    type In = Event;
    type Info = Push;

    async fn join(
        &mut self,
        _topic: &str,
        join: Payload,
        socket: &mut ChannelSocket<Self>,
    ) -> JoinResult {
        let params: wire::JoinParams = serde_json::from_value(json_of(join)).unwrap_or_default();
        if !same_token(&params.token, &self.shared.token) {
            tracing::info!("dashboard join refused: wrong or missing token");
            return Err(payload(&wire::ErrorReply::new(reasons::UNAUTHORIZED)));
        }
        let node = Node {
            pubsub: socket.pubsub().clone(),
            presence: socket.presence().clone(),
        };
        let hub = self.shared.hub.clone();
        // Before attaching: events name this node from the first one on.
        hub.set_node(node.pubsub.node());
        let mut watch = hub.attach(params.payloads);
        if let Some(events) = watch.take_receiver() {
            let task = tokio::spawn(forward(events, socket.channel_ref(), hub, node.clone()));
            self.forwarder = Some(Aborting(task));
        }
        self.watch = Some(watch);
        let reply = payload(&snapshot(&self.shared, &node));
        self.node = Some(node);
        Ok(reply)
    }

    async fn handle_in(&mut self, event: Event, _socket: &mut ChannelSocket<Self>) -> Reply {
        match Request::decode(&event.event, json_of(event.payload)) {
            Ok(request) => self.handle(request),
            Err(err) => error(err.reason()),
        }
    }

    async fn handle_info(
        &mut self,
        push: Push,
        socket: &mut ChannelSocket<Self>,
    ) -> Option<Reason> {
        let _ = match push {
            Push::Events(events) => socket.push(wire::push::EVENTS, payload(&events)),
            Push::Stats(stats) => socket.push(wire::push::STATS, payload(&stats)),
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

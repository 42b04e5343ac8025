//! An observer that feeds the [`metrics`](https://docs.rs/metrics) crate, so
//! an application exports the framework's figures to its own monitoring
//! (Prometheus, StatsD... through any `metrics` exporter).
//!
//! ```no_run
//! # fn build(config: phoenix::config::Config, router: phoenix::router::Router) {
//! use phoenix::endpoint::Endpoint;
//! use phoenix::observer::metrics::MetricsObserver;
//!
//! // Install your exporter's recorder first (e.g. metrics-exporter-prometheus),
//! // then build the observer: its handles bind to the recorder installed then.
//! let endpoint = Endpoint::builder(config, router)
//!     .observer(MetricsObserver::new())
//!     .build();
//! # }
//! ```
//!
//! | metric | kind | labels | what |
//! |---|---|---|---|
//! | `phoenix_http_requests_total` | counter | `status_class` (`2xx`...) | HTTP requests answered |
//! | `phoenix_http_request_duration_seconds` | histogram | `status_class` | time to the response |
//! | `phoenix_sockets_connected` | gauge | | live socket connections |
//! | `phoenix_channels_joined` | gauge | | joined channels |
//! | `phoenix_channel_joins_total` | counter | `status` (`ok`, `error`) | joins answered |
//! | `phoenix_channel_crashes_total` | counter | | channels that crashed (panic or error stop) |
//! | `phoenix_messages_in_total` | counter | | messages from clients (heartbeats included) |
//! | `phoenix_messages_out_total` | counter | | messages encoded for one client (replies, pushes) |
//! | `phoenix_broadcasts_total` | counter | | broadcasts delivered on this node |
//! | `phoenix_broadcast_deliveries_total` | counter | | subscribers those broadcasts went to |
//!
//! Topics and paths are not labels: they would make one series per topic or
//! URL. Gauges are changed by increments, so several endpoints in one
//! process add up.

use metrics::{Counter, Gauge, Histogram, Unit};

use super::{
    Broadcast, ChannelCrashed, ChannelJoined, ChannelLeft, Kind, MessageIn, MessageOut, Observer,
    RequestStop, SocketConnected, SocketDisconnected,
};

/// `phoenix_http_requests_total`.
pub const HTTP_REQUESTS: &str = "phoenix_http_requests_total";
/// `phoenix_http_request_duration_seconds`.
pub const HTTP_DURATION: &str = "phoenix_http_request_duration_seconds";
/// `phoenix_sockets_connected`.
pub const SOCKETS: &str = "phoenix_sockets_connected";
/// `phoenix_channels_joined`.
pub const CHANNELS: &str = "phoenix_channels_joined";
/// `phoenix_channel_joins_total`.
pub const JOINS: &str = "phoenix_channel_joins_total";
/// `phoenix_channel_crashes_total`.
pub const CRASHES: &str = "phoenix_channel_crashes_total";
/// `phoenix_messages_in_total`.
pub const MESSAGES_IN: &str = "phoenix_messages_in_total";
/// `phoenix_messages_out_total`.
pub const MESSAGES_OUT: &str = "phoenix_messages_out_total";
/// `phoenix_broadcasts_total`.
pub const BROADCASTS: &str = "phoenix_broadcasts_total";
/// `phoenix_broadcast_deliveries_total`.
pub const DELIVERIES: &str = "phoenix_broadcast_deliveries_total";

const CLASSES: [&str; 6] = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"];

/// Feeds the `metrics` crate (see the [module](self) for the metrics).
pub struct MetricsObserver {
    requests: [Counter; 6],
    durations: [Histogram; 6],
    sockets: Gauge,
    channels: Gauge,
    joins_ok: Counter,
    joins_refused: Counter,
    crashes: Counter,
    messages_in: Counter,
    messages_out: Counter,
    broadcasts: Counter,
    deliveries: Counter,
}

impl Default for MetricsObserver {
    fn default() -> Self {
        MetricsObserver::new()
    }
}

impl MetricsObserver {
    /// Registers (and describes) the metrics with the recorder installed
    /// now; build it after installing yours.
    pub fn new() -> Self {
        metrics::describe_counter!(HTTP_REQUESTS, Unit::Count, "HTTP requests answered");
        metrics::describe_histogram!(HTTP_DURATION, Unit::Seconds, "Time to the response");
        metrics::describe_gauge!(SOCKETS, Unit::Count, "Live socket connections");
        metrics::describe_gauge!(CHANNELS, Unit::Count, "Joined channels");
        metrics::describe_counter!(JOINS, Unit::Count, "Channel joins answered");
        metrics::describe_counter!(CRASHES, Unit::Count, "Channels that crashed");
        metrics::describe_counter!(MESSAGES_IN, Unit::Count, "Messages from clients");
        metrics::describe_counter!(MESSAGES_OUT, Unit::Count, "Messages to one client");
        metrics::describe_counter!(BROADCASTS, Unit::Count, "Broadcasts on this node");
        metrics::describe_counter!(DELIVERIES, Unit::Count, "Broadcast deliveries");
        MetricsObserver {
            requests: CLASSES
                .map(|class| metrics::counter!(HTTP_REQUESTS, "status_class" => class)),
            durations: CLASSES
                .map(|class| metrics::histogram!(HTTP_DURATION, "status_class" => class)),
            sockets: metrics::gauge!(SOCKETS),
            channels: metrics::gauge!(CHANNELS),
            joins_ok: metrics::counter!(JOINS, "status" => "ok"),
            joins_refused: metrics::counter!(JOINS, "status" => "error"),
            crashes: metrics::counter!(CRASHES),
            messages_in: metrics::counter!(MESSAGES_IN),
            messages_out: metrics::counter!(MESSAGES_OUT),
            broadcasts: metrics::counter!(BROADCASTS),
            deliveries: metrics::counter!(DELIVERIES),
        }
    }
}

/// The index in [`CLASSES`] of a status.
fn class(status: u16) -> usize {
    match status {
        100..=599 => usize::from(status / 100 - 1),
        _ => 5,
    }
}

impl Observer for MetricsObserver {
    fn wants(&self, kind: Kind) -> bool {
        kind != Kind::RequestStart
    }

    fn request_stop(&self, event: &RequestStop<'_>) {
        let class = class(event.status);
        self.requests[class].increment(1);
        self.durations[class].record(event.duration.as_secs_f64());
    }

    fn socket_connected(&self, _event: &SocketConnected<'_>) {
        self.sockets.increment(1.0);
    }

    fn socket_disconnected(&self, _event: &SocketDisconnected<'_>) {
        self.sockets.decrement(1.0);
    }

    fn channel_joined(&self, event: &ChannelJoined<'_>) {
        if event.ok {
            self.joins_ok.increment(1);
            self.channels.increment(1.0);
        } else {
            self.joins_refused.increment(1);
        }
    }

    fn channel_left(&self, _event: &ChannelLeft<'_>) {
        self.channels.decrement(1.0);
    }

    fn channel_crashed(&self, _event: &ChannelCrashed<'_>) {
        self.crashes.increment(1);
    }

    fn message_in(&self, _event: &MessageIn<'_>) {
        self.messages_in.increment(1);
    }

    fn message_out(&self, _event: &MessageOut<'_>) {
        self.messages_out.increment(1);
    }

    fn broadcast(&self, event: &Broadcast<'_>) {
        self.broadcasts.increment(1);
        self.deliveries.increment(event.subscribers as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::class;

    #[test]
    fn statuses_fall_in_classes() {
        assert_eq!(
            [class(101), class(200), class(302), class(404), class(503)],
            [0, 1, 2, 3, 4]
        );
        assert_eq!((class(42), class(600)), (5, 5));
    }
}

//! One client connection: its channel table and its outbound queue, whatever
//! the transport.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use phoenix_protocol::{events, DecodeError, Frame, Message, Payload, Vsn};
use serde_json::json;
use tokio::sync::Notify;

use crate::app::App;
use crate::channel::{ChannelMsg, ConnectionRef, Info, Reason, SocketCore};
use crate::limits::{SocketSlot, TokenBucket};
use crate::mailbox;
use crate::observer::{ObservedSocket, SocketConnectedOwned, SocketControl};
use crate::presence::Presence;
use crate::pubsub::{Broadcast, PubSub, Subscriber, SubscriberId};
use crate::socket::{Mount, Start};
use crate::state::StateMap;
use crate::transport::Accepted;

/// What goes to the transport's writer.
#[derive(Debug)]
pub(crate) enum Outbound {
    Frame(Arc<Frame>),
    Close(u16, String),
}

/// The bounded queue of frames waiting for one client. A client that does not
/// read fills it; the connection is then closed rather than let memory grow.
#[derive(Clone)]
pub(crate) struct Outbox {
    tx: mailbox::Sender<Outbound>,
    overflowed: Arc<(AtomicBool, Notify)>,
    /// The observers following the connection, if any.
    observed: Option<Arc<ObservedSocket>>,
}

impl Outbox {
    pub(crate) fn new(capacity: usize) -> (Outbox, mailbox::Receiver<Outbound>) {
        // A mailbox rather than tokio's channel: that one allocates a block
        // of 32 slots up front, about 1.5 KB for each idle socket.
        let (tx, rx) = mailbox::channel(capacity);
        (
            Outbox {
                tx,
                overflowed: Arc::new((AtomicBool::new(false), Notify::new())),
                observed: None,
            },
            rx,
        )
    }

    /// Queues a frame; a full queue marks the connection as too slow.
    pub(crate) fn send_frame(&self, frame: Arc<Frame>) {
        if let Some(observed) = &self.observed {
            observed.frame_out();
        }
        match self.tx.try_send(Outbound::Frame(frame)) {
            Ok(()) => {}
            Err(mailbox::SendError::Full(_)) => {
                if !self.overflowed.0.swap(true, Ordering::SeqCst) {
                    self.overflowed.1.notify_one();
                }
            }
            Err(mailbox::SendError::Closed(_)) => {}
        }
    }

    /// Encodes and queues a message.
    pub(crate) fn send_message(&self, vsn: Vsn, message: &Message) {
        match vsn.encode_to_client(message) {
            Ok(frame) => {
                if let Some(observed) = &self.observed {
                    observed.message_out(message, &frame);
                }
                self.send_frame(Arc::new(frame))
            }
            Err(err) => {
                tracing::warn!(topic = %message.topic, event = %message.event, "not sent: {err}")
            }
        }
    }

    /// The observers following the connection, if any.
    pub(crate) fn observed(&self) -> Option<&Arc<ObservedSocket>> {
        self.observed.as_ref()
    }

    /// Asks the writer to close the transport (after the frames already
    /// queued; a full queue does not refuse it).
    pub(crate) fn close(&self, code: u16, reason: &str) {
        let _ = self
            .tx
            .send_control(Outbound::Close(code, reason.to_string()));
    }

    /// Resolves when the queue overflowed.
    pub(crate) async fn overflowed(&self) {
        loop {
            if self.overflowed.0.load(Ordering::SeqCst) {
                return;
            }
            self.overflowed.1.notified().await;
        }
    }
}

/// Requests from the application (`ConnectionRef::send_info`) one
/// connection holds at most; lifecycle events from its channels always pass.
const CONNECTION_MAILBOX: usize = 256;

/// How a channel task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Stopped cleanly: `phx_close`.
    Closed,
    /// Crashed or stopped with an error: `phx_error`.
    Crashed,
    /// Nothing to tell the client (join refused, socket closing, replaced).
    Quiet,
}

/// What channel tasks and subscriptions tell the connection (boxed, to keep
/// the per-connection queue's slots small).
pub(crate) enum ConnEvent {
    Joined(Box<(String, Option<String>, bool)>),
    Exited(Box<(String, Option<String>, Exit)>),
    InfoAll(Box<dyn Fn() -> Info + Send + Sync>),
    Disconnect,
}

/// Whether the transport should go on.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Control {
    Continue,
    Disconnect,
}

struct Joined {
    join_ref: Option<String>,
    tx: mailbox::Sender<ChannelMsg>,
}

/// Listens on the socket id topic for `"disconnect"`.
struct IdListener(mailbox::Sender<ConnEvent>);

impl Subscriber for IdListener {
    fn deliver(&self, broadcast: &Arc<Broadcast>) {
        if broadcast.event == "disconnect" {
            let _ = self.0.send_control(ConnEvent::Disconnect);
        }
    }
}

/// What observers may do with a connection: read its queue, close it.
struct ConnectionControl {
    queue: mailbox::Gauge,
    events: mailbox::Sender<ConnEvent>,
}

impl SocketControl for ConnectionControl {
    fn queue(&self) -> (usize, usize) {
        self.queue.read().unwrap_or((0, 0))
    }

    fn disconnect(&self) -> bool {
        self.events.send_control(ConnEvent::Disconnect).is_ok()
    }
}

/// The state of one connection.
pub(crate) struct Connection {
    vsn: Vsn,
    mount: Mount,
    assigns: Arc<dyn std::any::Any + Send + Sync>,
    state: StateMap,
    pubsub: PubSub,
    presence: Presence,
    outbox: Outbox,
    channels: HashMap<String, Joined>,
    /// Old join refs to close once the new join of the topic has replied.
    pending_close: HashMap<String, Option<String>>,
    events: mailbox::Sender<ConnEvent>,
    id_subscription: Option<(String, SubscriberId)>,
    observed: Option<Arc<ObservedSocket>>,
    /// Its place among the endpoint's connections (`limits.max_sockets`).
    slot: SocketSlot,
    /// `messages_per_second` and `joins_per_second`.
    messages: TokenBucket,
    joins: TokenBucket,
}

impl Connection {
    /// The connection of an accepted client, on the app's PubSub and presence.
    pub(crate) fn open(
        mount: Mount,
        accepted: Accepted,
        transport: &'static str,
        app: &App,
        mut outbox: Outbox,
    ) -> (Connection, mailbox::Receiver<ConnEvent>) {
        let (events, rx) = mailbox::channel(CONNECTION_MAILBOX);
        let pubsub = app.pubsub.clone();
        let assigns = accepted.connected.assigns;
        let observed = if mount.observed {
            let control = ConnectionControl {
                queue: outbox.tx.gauge(),
                events: events.clone(),
            };
            app.observers.connect(control, |_| SocketConnectedOwned {
                mount: mount.name.clone(),
                transport,
                vsn: accepted.vsn.as_str(),
                peer: accepted.peer,
                user_id: accepted.connected.id.clone(),
                // Serialized only for observers that follow connections.
                assigns: Arc::new((accepted.connected.json)(assigns.as_ref())),
            })
        } else {
            None
        };
        outbox.observed = observed.clone();
        let id_subscription = accepted.connected.id.map(|id| {
            let sub = pubsub.subscribe_with(&id, Arc::new(IdListener(events.clone())));
            (id, sub)
        });
        (
            Connection {
                vsn: accepted.vsn,
                assigns,
                state: app.state.clone(),
                pubsub,
                presence: app.presence.clone(),
                outbox,
                channels: HashMap::new(),
                pending_close: HashMap::new(),
                events,
                id_subscription,
                observed,
                messages: TokenBucket::new(mount.limits.messages_per_second),
                joins: TokenBucket::new(mount.limits.joins_per_second),
                mount,
                slot: accepted.slot,
            },
            rx,
        )
    }

    fn send(&self, message: &Message) {
        self.outbox.send_message(self.vsn, message);
    }

    fn reply_error(&self, join_ref: Option<String>, to: &Message, reason: &str) {
        let message = Message::reply_to(
            join_ref,
            to.msg_ref.clone(),
            &to.topic,
            "error",
            json!({ "reason": reason }).into(),
        );
        self.send(&message);
    }

    /// Handles one inbound frame; a frame that does not decode is a protocol error.
    pub(crate) fn handle_frame(&mut self, frame: &Frame) -> Result<(), DecodeError> {
        let message = self.vsn.decode_from_client(frame)?;
        if let Some(observed) = &self.observed {
            observed.message_in(&message, frame);
        }
        self.handle_message(message);
        Ok(())
    }

    fn handle_message(&mut self, message: Message) {
        if message.is_heartbeat() {
            self.send(&Message::reply(&message, "ok", Payload::empty()));
            return;
        }
        let join = message.event == events::JOIN;
        if !self.within_rate(join, &message) {
            return;
        }
        if join {
            self.join(message);
            return;
        }
        match self.channels.get(&message.topic) {
            Some(joined) => {
                let current = message.join_ref.is_none() || message.join_ref == joined.join_ref;
                if !current {
                    return; // a stale incarnation: dropped, no reply
                }
                let msg = if message.event == events::LEAVE {
                    ChannelMsg::Leave(Box::new(message))
                } else {
                    ChannelMsg::In(Box::new(message))
                };
                // A full mailbox stops the channel (phx_error), not the socket.
                let _ = joined.tx.try_send(msg);
            }
            None if message.event == events::LEAVE => {
                self.send(&Message::reply(&message, "ok", Payload::empty()));
            }
            None => self.reply_error(None, &message, "unmatched topic"),
        }
    }

    /// Takes a token of the join or message rate; without one, warns (at
    /// most once a second) and refuses the message with an error reply.
    fn within_rate(&mut self, join: bool, message: &Message) -> bool {
        let limits = &self.mount.limits;
        let slots = self.slot.slots();
        let (taken, rate, warning, what, key, reason) = if join {
            let taken = self.joins.take();
            let rate = limits.joins_per_second;
            (
                taken,
                rate,
                &slots.joins_limited,
                "joins",
                "joins_per_second",
                "too many joins",
            )
        } else {
            let taken = self.messages.take();
            let rate = limits.messages_per_second;
            (
                taken,
                rate,
                &slots.messages_limited,
                "messages",
                "messages_per_second",
                "rate limited",
            )
        };
        if !taken {
            warning.warn(|held_back| {
                tracing::warn!(
                    socket = %self.mount.name,
                    topic = %message.topic,
                    held_back,
                    "{what} refused: over {rate} {what} a second (`{key}`)"
                );
            });
            self.reply_error(message.join_ref.clone(), message, reason);
        }
        taken
    }

    fn join(&mut self, message: Message) {
        let Some(spawn) = self.mount.routes.find(&message.topic) else {
            self.reply_error(None, &message, "unmatched topic");
            return;
        };
        let topic = message.topic.clone();
        if let Some(old) = self.channels.remove(&topic) {
            let _ = old
                .tx
                .send_control(ChannelMsg::Shutdown(Reason::DuplicateJoin));
            self.pending_close.insert(topic.clone(), old.join_ref);
        } else if self.channels.len() >= self.mount.limits.max_channels {
            self.reply_error(
                message.join_ref.clone(),
                &message,
                "too many channels joined",
            );
            return;
        }
        let (tx, inbox) = mailbox::channel(self.mount.limits.channel_mailbox);
        let core = SocketCore {
            topic: topic.clone(),
            join_ref: message.join_ref.clone(),
            msg_ref: message.msg_ref.clone(),
            vsn: self.vsn,
            outbox: self.outbox.clone(),
            pubsub: self.pubsub.clone(),
            subscriber: None,
            joined: false,
            pending: Vec::new(),
            me: tx.clone(),
            connection: ConnectionRef {
                events: self.events.clone(),
            },
            presence: self.presence.clone(),
            tracked: Vec::new(),
            state: self.state.clone(),
        };
        self.channels.insert(
            topic,
            Joined {
                join_ref: message.join_ref.clone(),
                tx,
            },
        );
        spawn(Start {
            join: message,
            core,
            assigns: self.assigns.clone(),
            mailbox: inbox,
            events: self.events.clone(),
        });
    }

    fn close_frame(&self, topic: &str, join_ref: Option<String>, exit: Exit) {
        let (event, payload) = match exit {
            Exit::Closed => (events::CLOSE, Payload::empty()),
            Exit::Crashed => (events::ERROR, json!({ "reason": "channel_crash" }).into()),
            Exit::Quiet => return,
        };
        self.send(&Message::new(
            join_ref.clone(),
            join_ref,
            topic,
            event,
            payload,
        ));
    }

    /// Handles what channel tasks report.
    pub(crate) fn handle_event(&mut self, event: ConnEvent) -> Control {
        match event {
            ConnEvent::Joined(joined) => {
                let (topic, join_ref, ok) = *joined;
                if !ok
                    && self
                        .channels
                        .get(&topic)
                        .is_some_and(|j| j.join_ref == join_ref)
                {
                    self.channels.remove(&topic);
                }
                if let Some(old) = self.pending_close.remove(&topic) {
                    self.close_frame(&topic, old, Exit::Closed);
                }
            }
            ConnEvent::Exited(exited) => {
                let (topic, join_ref, exit) = *exited;
                if self
                    .channels
                    .get(&topic)
                    .is_some_and(|j| j.join_ref == join_ref)
                {
                    self.channels.remove(&topic);
                    self.close_frame(&topic, join_ref, exit);
                }
            }
            ConnEvent::InfoAll(make) => {
                for joined in self.channels.values() {
                    let _ = joined.tx.try_send(ChannelMsg::Info(make()));
                }
            }
            ConnEvent::Disconnect => return Control::Disconnect,
        }
        Control::Continue
    }

    /// Stops every channel: the connection is gone.
    pub(crate) fn shutdown(&mut self) {
        for (_, joined) in self.channels.drain() {
            let _ = joined.tx.send_control(ChannelMsg::Shutdown(Reason::Closed));
        }
        if let Some((id, sub)) = self.id_subscription.take() {
            self.pubsub.unsubscribe(&id, sub);
        }
        if let Some(observed) = self.observed.take() {
            observed.disconnected();
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.shutdown();
    }
}

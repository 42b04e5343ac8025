//! The task that runs one joined channel.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use phoenix_protocol::{Message, Payload};
use serde_json::json;

use super::{decode_event, Channel, ChannelMsg, ChannelSocket, Reason, Reply};
use crate::mailbox;
use crate::pubsub::{Broadcast, Subscriber};
use crate::socket::connection::{ConnEvent, Exit};

/// Delivers broadcasts to a channel's socket: fast lane unless intercepted.
struct FastLane {
    vsn: phoenix_protocol::Vsn,
    outbox: crate::socket::connection::Outbox,
    intercepts: &'static [&'static str],
    channel: mailbox::Sender<ChannelMsg>,
}

impl Subscriber for FastLane {
    fn deliver(&self, broadcast: &Arc<Broadcast>) {
        if self.intercepts.contains(&broadcast.event.as_str()) {
            // A full mailbox stops the channel: see `serve`.
            let _ = self.channel.try_send(ChannelMsg::Out(broadcast.clone()));
            return;
        }
        match broadcast.encoded(self.vsn) {
            Ok(frame) => self.outbox.send_frame(frame),
            Err(err) => {
                tracing::warn!(topic = %broadcast.topic, "broadcast not sent to a socket: {err}")
            }
        }
    }
}

use crate::plug::panic_text;

/// Runs a channel: join, then its mailbox until it stops.
///
/// An idle channel is this task waiting on its mailbox, one per joined
/// topic, so its size counts at tens of thousands of sockets: the join and
/// each callback of the user's channel run in boxed futures, freed when they
/// end, instead of reserving their largest state inside every task.
#[allow(clippy::manual_async_fn)] // on purpose: see the comment in the body
pub(crate) fn run<C: Channel>(
    mut channel: C,
    join: Box<Message>,
    mut socket: ChannelSocket<C>,
    mut mailbox: mailbox::Receiver<ChannelMsg>,
    events: mailbox::Sender<ConnEvent>,
) -> impl std::future::Future<Output = ()> {
    // An async block rather than an async fn: it uses what it captures in
    // place, where an async fn keeps its arguments and a moved copy of them.
    async move {
        if !Box::pin(join_phase(&mut channel, *join, &mut socket, &events)).await {
            let (topic, join_ref) = (socket.core.topic.clone(), socket.core.join_ref.clone());
            socket.core.untrack_all();
            let _ =
                events.send_control(ConnEvent::Exited(Box::new((topic, join_ref, Exit::Quiet))));
            return;
        }
        let (exit, reason, detail) = serve(&mut channel, &mut socket, &mut mailbox).await;
        let (topic, join_ref) = (socket.core.topic.clone(), socket.core.join_ref.clone());
        if let Some(observed) = socket.core.outbox.observed() {
            let crashed = exit == Exit::Crashed;
            observed.left(
                &topic,
                join_ref.as_deref(),
                reason,
                crashed,
                detail.as_deref(),
            );
        }
        if let Some(id) = socket.core.subscriber.take() {
            socket.core.pubsub.unsubscribe(&topic, id);
        }
        socket.core.untrack_all();
        let _ = events.send_control(ConnEvent::Exited(Box::new((topic, join_ref, exit))));
    }
}

/// The join: the channel's `join`, the subscription, the reply and what the
/// channel pushed meanwhile. `true` if it joined.
async fn join_phase<C: Channel>(
    channel: &mut C,
    join: Message,
    socket: &mut ChannelSocket<C>,
    events: &mailbox::Sender<ConnEvent>,
) -> bool {
    let topic = socket.core.topic.clone();
    let join_ref = socket.core.join_ref.clone();
    let joined = AssertUnwindSafe(channel.join(&topic, join.payload.clone(), socket))
        .catch_unwind()
        .await;
    let (status, response, ok) = match joined {
        Ok(Ok(response)) => ("ok", response, true),
        Ok(Err(response)) => ("error", response, false),
        Err(panic) => {
            tracing::error!(%topic, "join crashed: {}", panic_text(panic.as_ref()));
            ("error", json!({"reason": "join crashed"}).into(), false)
        }
    };
    if ok {
        // Subscribe before replying, as Phoenix does: a broadcast made the
        // moment the client sees its `ok` must reach it.
        let lane = FastLane {
            vsn: socket.core.vsn,
            outbox: socket.core.outbox.clone(),
            intercepts: channel.intercept(),
            channel: socket.core.me.clone(),
        };
        socket.core.subscriber = Some(socket.core.pubsub.subscribe_with(&topic, Arc::new(lane)));
    }
    let reply = Message::reply_to(join.join_ref, join.msg_ref, &topic, status, response);
    socket.core.outbox.send_message(socket.core.vsn, &reply);
    if let Some(observed) = socket.core.outbox.observed() {
        observed.joined(&topic, join_ref.as_deref(), ok);
    }
    let _ = events.send_control(ConnEvent::Joined(Box::new((topic, join_ref, ok))));
    if ok {
        socket.core.joined = true;
        for message in std::mem::take(&mut socket.core.pending) {
            socket.core.outbox.send_message(socket.core.vsn, &message);
        }
    }
    ok
}

/// The name of a stop reason, for observers.
fn reason_name(reason: &Reason) -> &'static str {
    match reason {
        Reason::Normal => "normal",
        Reason::Shutdown => "shutdown",
        Reason::Left => "left",
        Reason::Closed => "closed",
        Reason::DuplicateJoin => "rejoined",
        Reason::Error(_) => "error",
    }
}

/// How the channel ended: the exit, a reason name and any detail (a panic
/// message or an error reason).
type Ending = (Exit, &'static str, Option<String>);

async fn serve<C: Channel>(
    channel: &mut C,
    socket: &mut ChannelSocket<C>,
    mailbox: &mut mailbox::Receiver<ChannelMsg>,
) -> Ending {
    loop {
        let message = match mailbox.next().await {
            mailbox::Next::Message(message) => message,
            mailbox::Next::Overflowed => {
                let detail = format!(
                    "its mailbox of {} messages overflowed: messages arrive faster than the \
                     channel handles them",
                    mailbox_capacity(socket)
                );
                tracing::warn!(topic = %socket.core.topic, "channel stopped: {detail}");
                let reason = Reason::Error(detail.clone());
                let _ = AssertUnwindSafe(Box::pin(channel.terminate(&reason, socket)))
                    .catch_unwind()
                    .await;
                return (Exit::Crashed, "overflow", Some(detail));
            }
            mailbox::Next::Closed => return (Exit::Quiet, "closed", None),
        };
        let step = match message {
            ChannelMsg::In(message) => {
                let message = *message;
                socket.core.msg_ref = message.msg_ref;
                let event = match decode_event::<C::In>(&message.event, message.payload) {
                    Ok(event) => event,
                    Err(err) => {
                        // A bad event is the client's mistake: it is told, the
                        // channel goes on.
                        socket
                            .core
                            .reply_ref()
                            .reply("error", json!({ "reason": err.to_string() }));
                        continue;
                    }
                };
                let result = AssertUnwindSafe(Box::pin(channel.handle_in(event, socket)))
                    .catch_unwind()
                    .await;
                match result {
                    Ok(Reply::Status(status, response)) => {
                        socket.core.reply_ref().reply(&status, response);
                        None
                    }
                    Ok(Reply::None) => None,
                    Ok(Reply::Stop { reason, reply }) => {
                        if let Some((status, response)) = reply {
                            socket.core.reply_ref().reply(&status, response);
                        }
                        Some(Ok(reason))
                    }
                    Err(panic) => Some(Err(panic_text(panic.as_ref()))),
                }
            }
            ChannelMsg::Leave(message) => {
                socket.core.msg_ref = message.msg_ref.clone();
                socket.core.reply_ref().reply("ok", Payload::empty());
                Some(Ok(Reason::Left))
            }
            ChannelMsg::Info(info) => match info.downcast::<C::Info>() {
                Ok(info) => match AssertUnwindSafe(Box::pin(channel.handle_info(*info, socket)))
                    .catch_unwind()
                    .await
                {
                    Ok(stop) => stop.map(Ok),
                    Err(panic) => Some(Err(panic_text(panic.as_ref()))),
                },
                Err(_) => {
                    tracing::debug!(topic = %socket.core.topic, "a connection-wide info of another type than the channel's Info was ignored");
                    None
                }
            },
            ChannelMsg::Out(broadcast) => {
                let result = AssertUnwindSafe(Box::pin(channel.handle_out(
                    &broadcast.event,
                    broadcast.payload.clone(),
                    socket,
                )))
                .catch_unwind()
                .await;
                result.err().map(|panic| Err(panic_text(panic.as_ref())))
            }
            ChannelMsg::Shutdown(Reason::DuplicateJoin) => return (Exit::Quiet, "rejoined", None),
            ChannelMsg::Shutdown(reason) => {
                let _ = AssertUnwindSafe(Box::pin(channel.terminate(&reason, socket)))
                    .catch_unwind()
                    .await;
                return (Exit::Quiet, reason_name(&reason), None);
            }
        };
        match step {
            None => continue,
            Some(Ok(reason)) => {
                let _ = AssertUnwindSafe(Box::pin(channel.terminate(&reason, socket)))
                    .catch_unwind()
                    .await;
                let detail = match &reason {
                    Reason::Error(text) => Some(text.clone()),
                    _ => None,
                };
                let exit = if reason.is_clean() {
                    Exit::Closed
                } else {
                    Exit::Crashed
                };
                return (exit, reason_name(&reason), detail);
            }
            Some(Err(panic)) => {
                tracing::error!(topic = %socket.core.topic, "channel crashed: {panic}");
                return (Exit::Crashed, "crashed", Some(panic));
            }
        }
    }
}

fn mailbox_capacity<C: Channel>(socket: &ChannelSocket<C>) -> usize {
    socket.core.me.capacity()
}

//! The task that runs one joined channel.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use phoenix_protocol::{Message, Payload};
use serde_json::json;

use super::{ChannelMsg, ChannelSocket, DynChannel, Reason, Reply};
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
            let _ = self.channel.send(ChannelMsg::Out(broadcast.clone()));
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

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

/// Runs a channel: join, then its mailbox until it stops.
pub(crate) async fn run(
    mut channel: Box<dyn DynChannel>,
    join: Message,
    mut socket: ChannelSocket,
    mut mailbox: mailbox::Receiver<ChannelMsg>,
    events: mailbox::Sender<ConnEvent>,
) {
    let topic = socket.topic.clone();
    let join_ref = socket.join_ref.clone();
    let joined = AssertUnwindSafe(channel.join(&topic, join.payload.clone(), &mut socket))
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
    let reply = Message::reply_to(
        join.join_ref.clone(),
        join.msg_ref.clone(),
        &topic,
        status,
        response,
    );
    socket.outbox.send_message(socket.vsn, &reply);
    if let Some(observed) = socket.outbox.observed() {
        observed.joined(&topic, join_ref.as_deref(), ok);
    }
    let _ = events.send(ConnEvent::Joined(Box::new((
        topic.clone(),
        join_ref.clone(),
        ok,
    ))));
    if !ok {
        socket.untrack_all();
        let _ = events.send(ConnEvent::Exited(Box::new((topic, join_ref, Exit::Quiet))));
        return;
    }
    socket.joined = true;
    for message in std::mem::take(&mut socket.pending) {
        socket.outbox.send_message(socket.vsn, &message);
    }
    let lane = FastLane {
        vsn: socket.vsn,
        outbox: socket.outbox.clone(),
        intercepts: channel.intercept(),
        channel: socket.me.clone(),
    };
    socket.subscriber = Some(socket.pubsub.subscribe_with(&topic, Arc::new(lane)));

    let (exit, reason, detail) = serve(&mut channel, &mut socket, &mut mailbox).await;
    if let Some(observed) = socket.outbox.observed() {
        let crashed = exit == Exit::Crashed;
        observed.left(
            &topic,
            join_ref.as_deref(),
            reason,
            crashed,
            detail.as_deref(),
        );
    }
    if let Some(id) = socket.subscriber.take() {
        socket.pubsub.unsubscribe(&topic, id);
    }
    socket.untrack_all();
    let _ = events.send(ConnEvent::Exited(Box::new((topic, join_ref, exit))));
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

async fn serve(
    channel: &mut Box<dyn DynChannel>,
    socket: &mut ChannelSocket,
    mailbox: &mut mailbox::Receiver<ChannelMsg>,
) -> Ending {
    while let Some(message) = mailbox.recv().await {
        let step = match message {
            ChannelMsg::In(message) => {
                socket.msg_ref = message.msg_ref.clone();
                let result =
                    AssertUnwindSafe(channel.handle_in(&message.event, message.payload, socket))
                        .catch_unwind()
                        .await;
                match result {
                    Ok(Reply::Status(status, response)) => {
                        socket.reply_ref().reply(&status, response);
                        None
                    }
                    Ok(Reply::None) => None,
                    Ok(Reply::Stop { reason, reply }) => {
                        if let Some((status, response)) = reply {
                            socket.reply_ref().reply(&status, response);
                        }
                        Some(Ok(reason))
                    }
                    Err(panic) => Some(Err(panic_text(panic.as_ref()))),
                }
            }
            ChannelMsg::Leave(message) => {
                socket.msg_ref = message.msg_ref.clone();
                socket.reply_ref().reply("ok", Payload::empty());
                Some(Ok(Reason::Left))
            }
            ChannelMsg::Info(info) => match AssertUnwindSafe(channel.handle_info(info, socket))
                .catch_unwind()
                .await
            {
                Ok(stop) => stop.map(Ok),
                Err(panic) => Some(Err(panic_text(panic.as_ref()))),
            },
            ChannelMsg::Out(broadcast) => {
                let result = AssertUnwindSafe(channel.handle_out(
                    &broadcast.event,
                    broadcast.payload.clone(),
                    socket,
                ))
                .catch_unwind()
                .await;
                result.err().map(|panic| Err(panic_text(panic.as_ref())))
            }
            ChannelMsg::Shutdown(Reason::DuplicateJoin) => return (Exit::Quiet, "rejoined", None),
            ChannelMsg::Shutdown(reason) => {
                let _ = AssertUnwindSafe(channel.terminate(&reason, socket))
                    .catch_unwind()
                    .await;
                return (Exit::Quiet, reason_name(&reason), None);
            }
        };
        match step {
            None => continue,
            Some(Ok(reason)) => {
                let _ = AssertUnwindSafe(channel.terminate(&reason, socket))
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
                tracing::error!(topic = %socket.topic, "channel crashed: {panic}");
                return (Exit::Crashed, "crashed", Some(panic));
            }
        }
    }
    (Exit::Quiet, "closed", None)
}

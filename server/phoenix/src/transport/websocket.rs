//! The WebSocket transport: `<mount>/websocket`.

use futures_util::future::BoxFuture;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use phoenix_protocol::Frame;
use poem::http::StatusCode;
use poem::web::websocket::{
    CloseCode, Message as WsMessage, WebSocket, WebSocketConfig, WebSocketStream,
};
use poem::{FromRequest, IntoResponse};

use std::sync::Arc;

use crate::app::App;
use crate::conn::Conn;
use crate::error::Result;
use crate::mailbox;
use crate::plug::Plug;
use crate::socket::connection::{ConnEvent, Connection, Control, Outbound, Outbox};
use crate::socket::{ConnectInfo, Mount, SocketLimits};
use crate::transport::{authorize, Accepted};

/// The route that upgrades `<mount>/websocket` requests and serves the connection.
pub struct WebSocketRoute {
    mount: Mount,
}

impl WebSocketRoute {
    /// A route for a mounted socket.
    pub fn new(mount: Mount) -> Self {
        WebSocketRoute { mount }
    }
}

fn refuse(conn: Conn, status: StatusCode) -> Result<Conn> {
    conn.send_resp(status, "").map(Conn::halt)
}

impl Plug for WebSocketRoute {
    fn call(&self, conn: Conn) -> BoxFuture<'_, Result<Conn>> {
        Box::pin(async move {
            if conn.method() != poem::http::Method::GET {
                return refuse(conn, StatusCode::BAD_REQUEST);
            }
            let auth_token = ConnectInfo::auth_token(conn.req_headers());
            let accepted = match authorize(&self.mount, &conn, auth_token).await {
                Ok(accepted) => accepted,
                Err(status) => return refuse(conn, status),
            };
            let Ok(ws) = WebSocket::from_request_without_body(conn.request()).await else {
                return refuse(conn, StatusCode::BAD_REQUEST);
            };
            let limits = self.mount.limits;
            let config = WebSocketConfig::default()
                .max_message_size(Some(limits.max_frame_size))
                .max_frame_size(Some(limits.max_frame_size))
                .read_buffer_size(4096);
            let mount = self.mount.clone();
            let app = conn.app().clone();
            let response = ws
                .protocols(["phoenix"])
                .config(config)
                .on_upgrade(move |stream| serve(stream, mount, accepted, app))
                .into_response();
            let mut conn = conn;
            conn.set_sent_response(response);
            Ok(conn)
        })
    }
}

fn to_ws(frame: &Frame) -> WsMessage {
    match frame {
        Frame::Text(text) => WsMessage::Text(text.clone()),
        Frame::Binary(bytes) => WsMessage::Binary(bytes.clone()),
    }
}

/// Frames written before one flush, at most: with `TCP_NODELAY` every
/// flush is a packet, so a queue of broadcasts goes out in a few writes
/// instead of one system call and one packet per frame.
const FRAMES_PER_FLUSH: usize = 64;

/// The connection's writer: each wake-up writes every frame already queued
/// (up to [`FRAMES_PER_FLUSH`]) and flushes once.
#[allow(clippy::manual_async_fn)] // on purpose: see the comment in the body
fn write(
    mut sink: SplitSink<WebSocketStream, WsMessage>,
    mut outbound: mailbox::Receiver<Outbound>,
) -> impl std::future::Future<Output = ()> {
    // An async block: see `run`.
    async move {
        'wake: while let Some(first) = outbound.recv().await {
            let mut next = Some(first);
            let mut written = 0;
            while let Some(item) = next.take() {
                match item {
                    Outbound::Frame(frame) => {
                        if sink.feed(to_ws(&frame)).await.is_err() {
                            break 'wake;
                        }
                    }
                    Outbound::Close(code, reason) => {
                        let _ = sink
                            .send(WsMessage::Close(Some((CloseCode::from(code), reason))))
                            .await;
                        break 'wake;
                    }
                }
                written += 1;
                if written < FRAMES_PER_FLUSH {
                    next = outbound.try_recv();
                }
            }
            if sink.flush().await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    }
}

/// What a connection's loop holds while it waits: an idle socket is this
/// task, so it is set up by a plain function and the loop's future holds
/// only these (not the upgrade's arguments as well).
struct Session {
    connection: Connection,
    source: SplitStream<WebSocketStream>,
    events: mailbox::Receiver<ConnEvent>,
    outbox: Outbox,
    app: Arc<App>,
    limits: SocketLimits,
    writer: tokio::task::JoinHandle<()>,
}

/// The future that serves an upgraded connection (its writer starts now).
fn serve(
    stream: WebSocketStream,
    mount: Mount,
    accepted: Accepted,
    app: Arc<App>,
) -> impl std::future::Future<Output = ()> {
    let limits = mount.limits;
    let (outbox, outbound) = Outbox::new(limits.outbound_queue);
    let (connection, events) = Connection::open(mount, accepted, "websocket", &app, outbox.clone());
    let (sink, source) = stream.split();
    let writer = tokio::spawn(write(sink, outbound));
    run(Session {
        connection,
        source,
        events,
        outbox,
        app,
        limits,
        writer,
    })
}

#[allow(clippy::manual_async_fn)] // on purpose: see the comment in the body
fn run(mut s: Session) -> impl std::future::Future<Output = ()> {
    // An async block rather than an async fn: it uses what it captures in
    // place, where an async fn keeps its arguments and a moved copy of them.
    async move {
        let idle = tokio::time::sleep(s.limits.idle_timeout);
        tokio::pin!(idle);
        loop {
            tokio::select! {
                inbound = s.source.next() => {
                    let frame = match inbound {
                        Some(Ok(WsMessage::Text(text))) => Frame::Text(text),
                        Some(Ok(WsMessage::Binary(bytes))) => Frame::Binary(bytes),
                        Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {
                            idle.as_mut().reset(tokio::time::Instant::now() + s.limits.idle_timeout);
                            continue;
                        }
                        Some(Ok(WsMessage::Close(_))) | None => break,
                        Some(Err(err)) => {
                            tracing::info!("closing a socket: {err}");
                            s.outbox.close(1009, "message too big or malformed");
                            break;
                        }
                    };
                    idle.as_mut().reset(tokio::time::Instant::now() + s.limits.idle_timeout);
                    if let Err(err) = s.connection.handle_frame(&frame) {
                        tracing::info!("closing a socket after a protocol error: {err}");
                        s.outbox.close(1011, "protocol error");
                        break;
                    }
                }
                Some(event) = s.events.recv() => {
                    if s.connection.handle_event(event) == Control::Disconnect {
                        s.outbox.close(1001, "disconnected");
                        break;
                    }
                }
                () = s.outbox.overflowed() => {
                    tracing::warn!("closing a socket whose client does not read fast enough ({} frames queued)", s.limits.outbound_queue);
                    s.writer.abort();
                    break;
                }
                () = s.app.shutting_down() => {
                    s.outbox.close(1012, "server restart");
                    break;
                }
                () = &mut idle => {
                    tracing::info!("closing a socket idle for {:?}", s.limits.idle_timeout);
                    s.outbox.close(1000, "idle timeout");
                    break;
                }
            }
        }
        // In a block, so that only the writer's handle is kept across the wait.
        let writer = {
            let Session {
                mut connection,
                outbox,
                writer,
                ..
            } = s;
            connection.shutdown();
            drop(connection);
            drop(outbox);
            writer
        };
        // The writer ends once every channel has let go of the queue.
        let _ = writer.await;
    }
}

#[cfg(test)]
mod tests {
    /// The size of the future an `fn(A) -> F` returns, without calling it.
    fn future_size<A, F>(_: fn(A) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    fn future_size2<A, B, F>(_: fn(A, B) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    fn future_size5<A, B, C, D, E, F>(_: fn(A, B, C, D, E) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    /// An idle joined socket is these three tasks; at 20,000 sockets every
    /// 100 bytes is 2 MB. As async fns (arguments kept beside a moved copy)
    /// they measured 1,440, 328 and 1,080 bytes. The connection's limits
    /// (its slot among the endpoint's sockets, two rate buckets) are 80.
    #[test]
    fn the_tasks_of_an_idle_socket_stay_small() {
        let connection = future_size(super::run);
        let writer = future_size2(super::write);
        let channel =
            future_size5(crate::channel::server::run::<crate::live_reload::LiveReloadChannel>);
        assert!(
            connection <= 1000 + 24,
            "connection task: {connection} bytes"
        );
        assert!(writer <= 300, "writer task: {writer} bytes");
        assert!(channel <= 700, "channel task: {channel} bytes");
    }
}

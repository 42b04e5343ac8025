//! The WebSocket transport: `<mount>/websocket`.

use futures_util::future::BoxFuture;
use futures_util::stream::SplitSink;
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
use crate::plug::Plug;
use crate::socket::connection::{Connection, Control, Outbound, Outbox};
use crate::socket::{ConnectInfo, Mount};
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
async fn write(
    mut sink: SplitSink<WebSocketStream, WsMessage>,
    mut outbound: tokio::sync::mpsc::Receiver<Outbound>,
) {
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
                next = outbound.try_recv().ok();
            }
        }
        if sink.flush().await.is_err() {
            break;
        }
    }
    let _ = sink.close().await;
}

async fn serve(stream: WebSocketStream, mount: Mount, accepted: Accepted, app: Arc<App>) {
    let limits = mount.limits;
    let (outbox, outbound) = Outbox::new(limits.outbound_queue);
    let (mut connection, mut events) =
        Connection::open(mount, accepted, "websocket", &app, outbox.clone());
    let (sink, mut source) = stream.split();
    let writer = tokio::spawn(write(sink, outbound));
    let idle = tokio::time::sleep(limits.idle_timeout);
    tokio::pin!(idle);
    loop {
        tokio::select! {
            inbound = source.next() => {
                let frame = match inbound {
                    Some(Ok(WsMessage::Text(text))) => Frame::Text(text),
                    Some(Ok(WsMessage::Binary(bytes))) => Frame::Binary(bytes),
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {
                        idle.as_mut().reset(tokio::time::Instant::now() + limits.idle_timeout);
                        continue;
                    }
                    Some(Ok(WsMessage::Close(_))) | None => break,
                    Some(Err(err)) => {
                        tracing::info!("closing a socket: {err}");
                        outbox.close(1009, "message too big or malformed");
                        break;
                    }
                };
                idle.as_mut().reset(tokio::time::Instant::now() + limits.idle_timeout);
                if let Err(err) = connection.handle_frame(&frame) {
                    tracing::info!("closing a socket after a protocol error: {err}");
                    outbox.close(1011, "protocol error");
                    break;
                }
            }
            Some(event) = events.recv() => {
                if connection.handle_event(event) == Control::Disconnect {
                    outbox.close(1001, "disconnected");
                    break;
                }
            }
            () = outbox.overflowed() => {
                tracing::warn!("closing a socket whose client does not read fast enough ({} frames queued)", limits.outbound_queue);
                writer.abort();
                break;
            }
            () = app.shutting_down() => {
                outbox.close(1012, "server restart");
                break;
            }
            () = &mut idle => {
                tracing::info!("closing a socket idle for {:?}", limits.idle_timeout);
                outbox.close(1000, "idle timeout");
                break;
            }
        }
    }
    connection.shutdown();
    drop(connection);
    drop(outbox);
    // The writer ends once every channel has let go of the queue.
    let _ = writer.await;
}

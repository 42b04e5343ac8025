//! The native driver: runs the client on tokio, over a WebSocket
//! (tokio-tungstenite) or over LongPoll ([`longpoll`], reqwest), whichever
//! the core asks for.

mod longpoll;

use std::time::Duration;

use futures_channel::mpsc;
use futures_util::{SinkExt, StreamExt};
use phoenix_protocol::Frame;
use tokio::sync::mpsc as tokio_mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::api::{Command, Dispatcher, Io};
use crate::Transport;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
type Connecting = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Ws, ()>> + Send>>;

/// How long an attempt to open the WebSocket may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What a LongPoll session reports, like a WebSocket would.
pub(crate) enum LpEvent {
    Open,
    Message(Frame),
    Close(u16),
}

pub(crate) fn spawn(dispatcher: Dispatcher, commands: mpsc::UnboundedReceiver<Command>) {
    tokio::spawn(drive(dispatcher, commands));
}

async fn drive(mut d: Dispatcher, mut commands: mpsc::UnboundedReceiver<Command>) {
    let start = Instant::now();
    let now = move || start.elapsed().as_millis() as u64;
    let http = reqwest::Client::new();
    let long_poll_timeout = Duration::from_millis(d.core.options().long_poll_timeout_ms);
    let (lp_tx, mut lp_events) = tokio_mpsc::unbounded_channel::<(u64, LpEvent)>();
    // Tags LongPoll sessions, so that an abandoned one's last words are ignored.
    let mut generation = 0u64;
    let mut connecting: Option<Connecting> = None;
    let mut ws: Option<Ws> = None;
    let mut lp: Option<longpoll::LongPoll> = None;
    loop {
        // Frames for LongPoll go out together, in one POST.
        let mut batch = Vec::new();
        for io in d.io() {
            match io {
                Io::Connect(Transport::WebSocket, url) => {
                    // A connect that hangs (a server going down mid-handshake)
                    // must not stop the reconnect cycle.
                    connecting = Some(Box::pin(async move {
                        let attempt = tokio_tungstenite::connect_async(url);
                        match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
                            Ok(Ok((ws, _))) => Ok(ws),
                            _ => Err(()),
                        }
                    }));
                }
                Io::Connect(Transport::LongPoll, url) => {
                    generation += 1;
                    lp = Some(longpoll::LongPoll::open(
                        http.clone(),
                        url,
                        long_poll_timeout,
                        generation,
                        lp_tx.clone(),
                    ));
                }
                Io::Send(frame) => {
                    if let Some(socket) = ws.as_mut() {
                        let message = match frame {
                            Frame::Text(text) => WsMessage::text(text),
                            Frame::Binary(bytes) => WsMessage::binary(bytes),
                        };
                        let _ = socket.send(message).await;
                    } else if lp.is_some() {
                        batch.push(frame);
                    }
                }
                Io::Close => {
                    if let Some(mut socket) = ws.take() {
                        let _ = socket.close(None).await;
                    }
                    if let Some(session) = lp.take() {
                        session.close();
                    }
                    batch.clear();
                    generation += 1;
                    connecting = None;
                }
                Io::RememberLongPoll => {} // nowhere to keep it beyond this socket
            }
        }
        if let Some(session) = lp.as_ref() {
            session.send(batch);
        }
        let deadline = d.core.next_deadline();
        tokio::select! {
            command = commands.next() => {
                let Some(command) = command else {
                    // Every handle is gone: close and stop.
                    if let Some(mut socket) = ws.take() {
                        let _ = socket.close(None).await;
                    }
                    if let Some(session) = lp.take() {
                        session.close();
                    }
                    return;
                };
                d.command(now(), command);
            }
            result = async { connecting.as_mut().expect("guarded").await }, if connecting.is_some() => {
                connecting = None;
                match result {
                    Ok(socket) => {
                        ws = Some(socket);
                        d.core.opened(now());
                    }
                    Err(()) => d.core.closed(now(), 1006),
                }
            }
            message = async { ws.as_mut().expect("guarded").next().await }, if ws.is_some() => {
                match message {
                    Some(Ok(WsMessage::Text(text))) => d.core.received(now(), &Frame::Text(text.to_string())),
                    Some(Ok(WsMessage::Binary(bytes))) => d.core.received(now(), &Frame::Binary(bytes.to_vec())),
                    Some(Ok(WsMessage::Close(frame))) => {
                        ws = None;
                        d.core.closed(now(), frame.map(|f| u16::from(f.code)).unwrap_or(1005));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => {
                        ws = None;
                        d.core.closed(now(), 1006);
                    }
                }
            }
            Some((tag, event)) = lp_events.recv() => {
                if tag == generation && lp.is_some() {
                    match event {
                        LpEvent::Open => d.core.opened(now()),
                        LpEvent::Message(frame) => d.core.received(now(), &frame),
                        LpEvent::Close(code) => {
                            lp = None;
                            d.core.closed(now(), code);
                        }
                    }
                }
            }
            () = sleep_until(start, deadline) => d.core.poll(now()),
        }
    }
}

async fn sleep_until(start: Instant, deadline: Option<u64>) {
    match deadline {
        Some(ms) => tokio::time::sleep_until(start + Duration::from_millis(ms)).await,
        None => std::future::pending().await,
    }
}

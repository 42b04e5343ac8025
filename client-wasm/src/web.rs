//! The browser driver: runs the client over web-sys's WebSocket, with
//! `setTimeout` for time, on the page's event loop.

use futures_channel::mpsc;
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use phoenix_protocol::Frame;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use crate::api::{Command, Dispatcher, Io};

/// What the WebSocket's callbacks report, tagged with the connection's generation.
enum WsEvent {
    Open,
    Message(Frame),
    Close(u16),
}

struct Connection {
    socket: WebSocket,
    // The callbacks live as long as the socket.
    _callbacks: Vec<Box<dyn std::any::Any>>,
}

pub(crate) fn spawn(dispatcher: Dispatcher, commands: mpsc::UnboundedReceiver<Command>) {
    wasm_bindgen_futures::spawn_local(drive(dispatcher, commands));
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

fn open(
    url: &str,
    generation: u64,
    events: &mpsc::UnboundedSender<(u64, WsEvent)>,
) -> Option<Connection> {
    let socket = WebSocket::new(url).ok()?;
    socket.set_binary_type(BinaryType::Arraybuffer);
    let tx = events.clone();
    let on_open = Closure::<dyn FnMut()>::new(move || {
        let _ = tx.unbounded_send((generation, WsEvent::Open));
    });
    let tx = events.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        let frame = if let Some(text) = data.as_string() {
            Frame::Text(text)
        } else if let Ok(buffer) = data.dyn_into::<js_sys::ArrayBuffer>() {
            Frame::Binary(js_sys::Uint8Array::new(&buffer).to_vec())
        } else {
            return;
        };
        let _ = tx.unbounded_send((generation, WsEvent::Message(frame)));
    });
    let tx = events.clone();
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
        let _ = tx.unbounded_send((generation, WsEvent::Close(event.code())));
    });
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    Some(Connection {
        socket,
        _callbacks: vec![Box::new(on_open), Box::new(on_message), Box::new(on_close)],
    })
}

/// Resolves after `ms` milliseconds (`setTimeout`).
async fn sleep(ms: u64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                ms.min(i32::MAX as u64) as i32,
            );
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

async fn drive(mut d: Dispatcher, mut commands: mpsc::UnboundedReceiver<Command>) {
    let (events_tx, mut events) = mpsc::unbounded::<(u64, WsEvent)>();
    let mut connection: Option<Connection> = None;
    let mut generation = 0u64;
    loop {
        // Carry out what the core asked for; a failed open is reported back
        // to the core, which may ask for more, hence the loop.
        loop {
            let io = d.io();
            if io.is_empty() {
                break;
            }
            for item in io {
                match item {
                    Io::Connect(url) => {
                        generation += 1;
                        connection = open(&url, generation, &events_tx);
                        if connection.is_none() {
                            d.core.closed(now(), 1006);
                        }
                    }
                    Io::Send(frame) => {
                        if let Some(c) = &connection {
                            let _ = match frame {
                                Frame::Text(text) => c.socket.send_with_str(&text),
                                Frame::Binary(bytes) => c.socket.send_with_u8_array(&bytes),
                            };
                        }
                    }
                    Io::Close => {
                        if let Some(c) = connection.take() {
                            let _ = c.socket.close();
                        }
                    }
                }
            }
        }
        let wait = match d.core.next_deadline() {
            Some(deadline) => Either::Left(sleep(deadline.saturating_sub(now()))),
            None => Either::Right(std::future::pending::<()>()),
        };
        let next = select(Box::pin(commands.next()), Box::pin(events.next()));
        match select(next, Box::pin(wait)).await {
            Either::Left((Either::Left((Some(command), _)), _)) => d.command(now(), command),
            Either::Left((Either::Left((None, _)), _)) => {
                if let Some(c) = connection.take() {
                    let _ = c.socket.close();
                }
                return;
            }
            Either::Left((Either::Right((Some((gen, event)), _)), _)) => {
                if gen != generation {
                    continue; // a previous connection's last words
                }
                match event {
                    WsEvent::Open => d.core.opened(now()),
                    WsEvent::Message(frame) => d.core.received(now(), &frame),
                    WsEvent::Close(code) => {
                        connection = None;
                        d.core.closed(now(), code);
                    }
                }
            }
            Either::Left((Either::Right((None, _)), _)) => return,
            Either::Right(((), _)) => d.core.poll(now()),
        }
    }
}

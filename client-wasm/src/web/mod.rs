//! The browser driver: runs the client over web-sys's WebSocket, or over
//! LongPoll ([`longpoll`]) when the core asks for it (the transport option,
//! or the fallback of spec §6.9, remembered in sessionStorage), with
//! `setTimeout` for time, on the page's event loop.

mod longpoll;

use futures_channel::mpsc;
use futures_util::future::{select, Either};
use futures_util::{FutureExt, StreamExt};
use phoenix_protocol::Frame;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use crate::api::{Command, Dispatcher, Io};

/// What a transport reports, tagged with the connection's generation.
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

/// The live connection, whichever transport it uses.
enum Transport {
    WebSocket(Connection),
    LongPoll(longpoll::LongPoll),
}

impl Transport {
    fn send(&self, frame: Frame) {
        match self {
            Transport::WebSocket(c) => {
                let _ = match frame {
                    Frame::Text(text) => c.socket.send_with_str(&text),
                    Frame::Binary(bytes) => c.socket.send_with_u8_array(&bytes),
                };
            }
            Transport::LongPoll(lp) => lp.send(frame),
        }
    }

    fn close(self) {
        match self {
            Transport::WebSocket(c) => {
                let _ = c.socket.close();
            }
            Transport::LongPoll(lp) => lp.close(),
        }
    }
}

/// The sessionStorage key phoenix.js uses to remember a fallback (§6.9).
const FALLBACK_KEY: &str = "phx:fallback:LongPoll";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

async fn drive(mut d: Dispatcher, mut commands: mpsc::UnboundedReceiver<Command>) {
    let (events_tx, mut events) = mpsc::unbounded::<(u64, WsEvent)>();
    let (page_tx, mut page_events) = mpsc::unbounded::<PageEvent>();
    let _page_listeners = watch_page(page_tx);
    let mut suspended = false;
    let mut connection: Option<Transport> = None;
    let mut generation = 0u64;
    let long_poll_timeout = d.core.options().long_poll_timeout_ms;
    // The core decides the transport (§6.9); the tab's memory lives here.
    if session_storage()
        .and_then(|s| s.get_item(FALLBACK_KEY).ok().flatten())
        .is_some()
    {
        d.core.recall_long_poll();
    }
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
                    Io::Connect(transport, url) => {
                        generation += 1;
                        connection = match transport {
                            crate::Transport::LongPoll => longpoll::LongPoll::open(
                                url,
                                long_poll_timeout,
                                generation,
                                &events_tx,
                            )
                            .map(Transport::LongPoll),
                            crate::Transport::WebSocket => {
                                open(&url, generation, &events_tx).map(Transport::WebSocket)
                            }
                        };
                        if connection.is_none() {
                            d.core.closed(now(), 1006);
                        }
                    }
                    Io::Send(frame) => {
                        if let Some(c) = &connection {
                            c.send(frame);
                        }
                    }
                    Io::Close => {
                        // Whatever the closed connection still says is stale.
                        generation += 1;
                        if let Some(c) = connection.take() {
                            c.close();
                        }
                    }
                    Io::RememberLongPoll => {
                        if let Some(storage) = session_storage() {
                            let _ = storage.set_item(FALLBACK_KEY, "true");
                        }
                    }
                }
            }
        }
        let wait = match d.core.next_deadline() {
            Some(deadline) => Either::Left(sleep(deadline.saturating_sub(now()))),
            None => Either::Right(std::future::pending::<()>()),
        };
        let transport_or_page = select(
            events.next().map(Wake::Transport),
            page_events.next().map(Wake::Page),
        )
        .map(|either| either.factor_first().0);
        let woken = select(commands.next().map(Wake::Command), transport_or_page)
            .map(|either| either.factor_first().0);
        let wake = match select(Box::pin(woken), Box::pin(wait)).await {
            Either::Left((wake, _)) => wake,
            Either::Right(((), _)) => Wake::Timer,
        };
        match wake {
            Wake::Command(Some(command)) => d.command(now(), command),
            Wake::Command(None) | Wake::Transport(None) => {
                if let Some(c) = connection.take() {
                    c.close();
                }
                return;
            }
            Wake::Page(Some(event)) => match event {
                PageEvent::Hide if d.core.is_active() => {
                    suspended = true;
                    d.core.disconnect();
                }
                PageEvent::Show if suspended => {
                    suspended = false;
                    d.core.connect(now());
                }
                PageEvent::Visible(visible) => d.core.set_visible(now(), visible),
                _ => {}
            },
            Wake::Page(None) => {}
            Wake::Transport(Some((gen, event))) => {
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
            Wake::Timer => d.core.poll(now()),
        }
    }
}

/// What woke the driver up.
enum Wake {
    Command(Option<Command>),
    Transport(Option<(u64, WsEvent)>),
    Page(Option<PageEvent>),
    Timer,
}

/// Page lifecycle events (spec §6.10).
enum PageEvent {
    /// `pagehide`: the page may go into the back/forward cache.
    Hide,
    /// `pageshow`: it is back.
    Show,
    /// `visibilitychange`: whether the document is visible now.
    Visible(bool),
}

/// Listens to the page's lifecycle; the listeners live as long as the result.
fn watch_page(tx: mpsc::UnboundedSender<PageEvent>) -> Vec<Box<dyn std::any::Any>> {
    let Some(window) = web_sys::window() else {
        return Vec::new();
    };
    let mut kept: Vec<Box<dyn std::any::Any>> = Vec::new();
    let listen = |target: &web_sys::EventTarget,
                  name: &str,
                  make: fn() -> Option<PageEvent>,
                  kept: &mut Vec<Box<dyn std::any::Any>>| {
        let tx = tx.clone();
        let callback = Closure::<dyn FnMut()>::new(move || {
            if let Some(event) = make() {
                let _ = tx.unbounded_send(event);
            }
        });
        let _ = target.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
        kept.push(Box::new(callback));
    };
    listen(&window, "pagehide", || Some(PageEvent::Hide), &mut kept);
    listen(&window, "pageshow", || Some(PageEvent::Show), &mut kept);
    if let Some(document) = window.document() {
        listen(
            &document,
            "visibilitychange",
            || {
                let document = web_sys::window()?.document()?;
                Some(PageEvent::Visible(!document.hidden()))
            },
            &mut kept,
        );
    }
    kept
}

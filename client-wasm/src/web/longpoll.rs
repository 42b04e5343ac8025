//! The LongPoll transport (spec §7.5): a GET loop that collects frames and
//! ndjson POSTs that send them, reporting the same events as the WebSocket.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures_channel::mpsc;
use futures_util::future::{select, Either};
use phoenix_protocol::Frame;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortController, Response};

use super::{sleep, WsEvent};

/// At most this many frames go in one POST (the server reads no more).
const BATCH: usize = 100;

struct Shared {
    url: String,
    /// Each request's timeout (phoenix.js `longpollerTimeout`).
    timeout_ms: u64,
    generation: u64,
    events: mpsc::UnboundedSender<(u64, WsEvent)>,
    token: RefCell<Option<String>>,
    outbox: RefCell<Vec<String>>,
    posting: Cell<bool>,
    closed: Cell<bool>,
    abort: AbortController,
}

impl Shared {
    fn report(&self, event: WsEvent) {
        if !self.closed.get() {
            let _ = self.events.unbounded_send((self.generation, event));
        }
    }

    /// Ends the session from our side with a close `code` (reported).
    fn fail(&self, code: u16) {
        self.report(WsEvent::Close(code));
        self.closed.set(true);
        self.abort.abort();
    }

    fn request_url(&self) -> String {
        match &*self.token.borrow() {
            Some(token) => {
                let sep = if self.url.contains('?') { '&' } else { '?' };
                format!("{}{sep}token={}", self.url, encode(token))
            }
            None => self.url.clone(),
        }
    }
}

/// Percent-encodes what a token may hold that a query value must not.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One LongPoll session.
pub(crate) struct LongPoll {
    shared: Rc<Shared>,
}

impl LongPoll {
    /// Starts polling `url` (already the `/longpoll` URL); each request may
    /// take `timeout_ms`.
    pub(crate) fn open(
        url: String,
        timeout_ms: u64,
        generation: u64,
        events: &mpsc::UnboundedSender<(u64, WsEvent)>,
    ) -> Option<LongPoll> {
        let shared = Rc::new(Shared {
            url,
            timeout_ms,
            generation,
            events: events.clone(),
            token: RefCell::new(None),
            outbox: RefCell::new(Vec::new()),
            posting: Cell::new(false),
            closed: Cell::new(false),
            abort: AbortController::new().ok()?,
        });
        wasm_bindgen_futures::spawn_local(poll_loop(shared.clone()));
        Some(LongPoll { shared })
    }

    /// Queues a frame; frames queued in one turn go out in one POST.
    pub(crate) fn send(&self, frame: Frame) {
        let line = match frame {
            Frame::Text(text) => text,
            Frame::Binary(bytes) => {
                let binary: String = bytes.iter().map(|&b| b as char).collect();
                match web_sys::window().and_then(|w| w.btoa(&binary).ok()) {
                    Some(line) => line,
                    None => return,
                }
            }
        };
        self.shared.outbox.borrow_mut().push(line);
        if !self.shared.posting.replace(true) {
            wasm_bindgen_futures::spawn_local(post_loop(self.shared.clone()));
        }
    }

    /// Ends the session without reporting a close (the caller asked for it).
    pub(crate) fn close(&self) {
        self.shared.closed.set(true);
        self.shared.abort.abort();
    }
}

impl Drop for LongPoll {
    fn drop(&mut self) {
        self.close();
    }
}

/// What a request came to.
enum Outcome {
    Body(Value),
    Timeout,
    Failed,
}

async fn request(shared: &Shared, method: &str, body: Option<&str>) -> Outcome {
    let Some(window) = web_sys::window() else {
        return Outcome::Failed;
    };
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_signal(Some(&shared.abort.signal()));
    let headers = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&headers, &"accept".into(), &"application/json".into());
    if let Some(body) = body {
        let _ = js_sys::Reflect::set(
            &headers,
            &"content-type".into(),
            &"application/x-ndjson".into(),
        );
        init.set_body(&body.into());
    }
    init.set_headers(&headers);
    let promise = window.fetch_with_str_and_init(&shared.request_url(), &init);
    let fetch = async move {
        let response: Response = wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .ok()?
            .dyn_into()
            .ok()?;
        if response.status() != 200 {
            return None;
        }
        let text = wasm_bindgen_futures::JsFuture::from(response.text().ok()?)
            .await
            .ok()?;
        serde_json::from_str::<Value>(&text.as_string()?).ok()
    };
    match select(Box::pin(fetch), Box::pin(sleep(shared.timeout_ms))).await {
        Either::Left((Some(body), _)) => Outcome::Body(body),
        Either::Left((None, _)) => Outcome::Failed,
        Either::Right(_) => Outcome::Timeout,
    }
}

async fn poll_loop(shared: Rc<Shared>) {
    while !shared.closed.get() {
        let body = match request(&shared, "GET", None).await {
            _ if shared.closed.get() => return,
            Outcome::Body(body) => body,
            Outcome::Timeout => return shared.fail(1005),
            Outcome::Failed => return shared.fail(1011),
        };
        let token = body["token"].as_str().map(str::to_string);
        match body["status"].as_u64() {
            Some(410) if shared.token.borrow().is_none() && token.is_some() => {
                *shared.token.borrow_mut() = token;
                shared.report(WsEvent::Open);
            }
            // C17: the session is gone; the socket reconnects and rejoins.
            Some(410) => return shared.fail(3410),
            Some(200) => {
                *shared.token.borrow_mut() = token;
                for message in body["messages"].as_array().into_iter().flatten() {
                    if let Some(text) = message.as_str() {
                        shared.report(WsEvent::Message(Frame::Text(text.to_string())));
                    }
                }
            }
            Some(204) => *shared.token.borrow_mut() = token,
            Some(403) => return shared.fail(1008),
            _ => return shared.fail(1011),
        }
    }
}

async fn post_loop(shared: Rc<Shared>) {
    // Let the rest of this turn's frames join the batch.
    let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await;
    loop {
        let batch: Vec<String> = {
            let mut outbox = shared.outbox.borrow_mut();
            let n = outbox.len().min(BATCH);
            outbox.drain(..n).collect()
        };
        if batch.is_empty() || shared.closed.get() {
            shared.posting.set(false);
            return;
        }
        let ok = matches!(
            request(&shared, "POST", Some(&batch.join("\n"))).await,
            Outcome::Body(body) if body["status"] == 200
        );
        if !ok {
            shared.posting.set(false);
            return shared.fail(1011);
        }
    }
}

//! The LongPoll transport for the native driver (spec §7.5), over reqwest:
//! a GET loop that collects frames and ndjson POSTs that send them, reporting
//! the same events as a WebSocket. It behaves like the browser's
//! (`web/longpoll.rs`) and phoenix.js's.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use phoenix_protocol::Frame;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::LpEvent;

/// At most this many frames go in one POST (the server reads no more).
const BATCH: usize = 100;

struct Shared {
    http: reqwest::Client,
    url: String,
    timeout: Duration,
    generation: u64,
    events: mpsc::UnboundedSender<(u64, LpEvent)>,
    token: Mutex<Option<String>>,
    /// Set once the session has failed (and said so) or was closed.
    done: AtomicBool,
}

impl Shared {
    fn report(&self, event: LpEvent) {
        if !self.done.load(Ordering::SeqCst) {
            let _ = self.events.send((self.generation, event));
        }
    }

    /// Ends the session from our side with a close `code` (reported once).
    fn fail(&self, code: u16) {
        if !self.done.swap(true, Ordering::SeqCst) {
            let _ = self.events.send((self.generation, LpEvent::Close(code)));
        }
    }

    fn token(&self) -> Option<String> {
        self.token.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set_token(&self, token: Option<String>) {
        *self.token.lock().unwrap_or_else(|e| e.into_inner()) = token;
    }

    fn request_url(&self) -> String {
        match self.token() {
            Some(token) => {
                let sep = if self.url.contains('?') { '&' } else { '?' };
                format!("{}{sep}token={}", self.url, crate::core::encode(&token))
            }
            None => self.url.clone(),
        }
    }
}

/// One LongPoll session: a polling task and a posting task.
pub(crate) struct LongPoll {
    shared: Arc<Shared>,
    outbox: mpsc::UnboundedSender<Vec<Frame>>,
    tasks: [JoinHandle<()>; 2],
}

impl LongPoll {
    /// Starts polling `url` (already the `/longpoll` URL); each request may
    /// take `timeout`. Events come tagged with `generation`.
    pub(crate) fn open(
        http: reqwest::Client,
        url: String,
        timeout: Duration,
        generation: u64,
        events: mpsc::UnboundedSender<(u64, LpEvent)>,
    ) -> LongPoll {
        let shared = Arc::new(Shared {
            http,
            url,
            timeout,
            generation,
            events,
            token: Mutex::new(None),
            done: AtomicBool::new(false),
        });
        let (outbox, frames) = mpsc::unbounded_channel();
        let tasks = [
            tokio::spawn(poll_loop(shared.clone())),
            tokio::spawn(post_loop(shared.clone(), frames)),
        ];
        LongPoll {
            shared,
            outbox,
            tasks,
        }
    }

    /// Sends frames: together in one POST (or more, 100 frames each), after
    /// the POST in flight if there is one.
    pub(crate) fn send(&self, frames: Vec<Frame>) {
        if !frames.is_empty() {
            let _ = self.outbox.send(frames);
        }
    }

    /// Ends the session without reporting a close (the caller asked for it).
    pub(crate) fn close(&self) {
        self.shared.done.store(true, Ordering::SeqCst);
        for task in &self.tasks {
            task.abort();
        }
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

async fn request(shared: &Shared, body: Option<String>) -> Outcome {
    let url = shared.request_url();
    let request = match body {
        None => shared.http.get(url),
        Some(body) => shared
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/x-ndjson")
            .body(body),
    }
    .header(ACCEPT, "application/json")
    .timeout(shared.timeout);
    let response = match request.send().await {
        Ok(response) if response.status() == reqwest::StatusCode::OK => response,
        Ok(_) => return Outcome::Failed,
        Err(err) if err.is_timeout() => return Outcome::Timeout,
        Err(_) => return Outcome::Failed,
    };
    match response.bytes().await {
        Ok(bytes) => serde_json::from_slice(&bytes).map_or(Outcome::Failed, Outcome::Body),
        Err(err) if err.is_timeout() => Outcome::Timeout,
        Err(_) => Outcome::Failed,
    }
}

async fn poll_loop(shared: Arc<Shared>) {
    while !shared.done.load(Ordering::SeqCst) {
        let body = match request(&shared, None).await {
            Outcome::Body(body) => body,
            Outcome::Timeout => return shared.fail(1005),
            Outcome::Failed => return shared.fail(1011),
        };
        let token = body["token"].as_str().map(str::to_string);
        match body["status"].as_u64() {
            Some(410) if shared.token().is_none() && token.is_some() => {
                shared.set_token(token);
                shared.report(LpEvent::Open);
            }
            // C17: the session is gone; the socket reconnects and rejoins.
            Some(410) => return shared.fail(3410),
            Some(200) => {
                shared.set_token(token);
                for message in body["messages"].as_array().into_iter().flatten() {
                    if let Some(text) = message.as_str() {
                        shared.report(LpEvent::Message(Frame::Text(text.to_string())));
                    }
                }
            }
            Some(204) => shared.set_token(token),
            Some(403) => return shared.fail(1008),
            _ => return shared.fail(1011),
        }
    }
}

/// One ndjson line: a text frame as is, a binary one in base64 (spec §7.4).
fn line(frame: Frame) -> String {
    match frame {
        Frame::Text(text) => text,
        Frame::Binary(bytes) => STANDARD.encode(bytes),
    }
}

async fn post_loop(shared: Arc<Shared>, mut frames: mpsc::UnboundedReceiver<Vec<Frame>>) {
    let mut pending = VecDeque::new();
    loop {
        if pending.is_empty() {
            match frames.recv().await {
                Some(batch) => pending.extend(batch),
                None => return,
            }
        }
        // What came while the last POST was out goes in the next one.
        while let Ok(batch) = frames.try_recv() {
            pending.extend(batch);
        }
        let n = pending.len().min(BATCH);
        let body: Vec<String> = pending.drain(..n).map(line).collect();
        let ok = matches!(
            request(&shared, Some(body.join("\n"))).await,
            Outcome::Body(body) if body["status"] == 200
        );
        if !ok {
            return shared.fail(1011);
        }
    }
}

//! Test helpers for applications (Phoenix's `ConnTest`).
//!
//! [`ConnTest`] runs requests through a built [`Endpoint`] without a network,
//! keeps cookies between requests like a browser, and lets tests look at the
//! status, headers, body, redirect, flash, assigns and session of each
//! response.
//!
//! ```ignore
//! let client = ConnTest::new(endpoint);
//! let resp = client.post("/users").form(&[("user[name]", "Jo")]).send().await;
//! assert_eq!(resp.redirected_to(), Some("/users"));
//! assert_eq!(resp.flash("notice"), ["Created successfully"]);
//! let page = client.get("/users").send().await;
//! assert!(page.text().contains("Created successfully"));
//! ```

mod log;
mod socket;

pub use log::CapturedLog;
pub use socket::{ChannelReply, Pushed, SocketClient, TestServer};

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use poem::http::{HeaderMap, Method, StatusCode};
use poem::{Endpoint as _, Request};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tower_sessions::Session;

use crate::assigns::{Assigns, Key};
use crate::conn::Conn;
use crate::endpoint::Endpoint;
use crate::plug::Flash;

/// What a conn looked like when its response was sent.
#[derive(Clone, Default)]
struct Snapshot {
    assigns: Assigns,
    flash: BTreeMap<String, Vec<String>>,
    session: Option<Session>,
}

/// Asks the conn of a request to leave a snapshot of itself.
#[derive(Clone, Default)]
pub(crate) struct Capture(Arc<Mutex<Option<Snapshot>>>);

impl Conn {
    pub(crate) fn capture_for_tests(&self) {
        if let Some(capture) = self.request().extensions().get::<Capture>() {
            let snapshot = Snapshot {
                assigns: self.assigns().clone(),
                flash: Flash::all(self).clone(),
                session: self.session().ok().cloned(),
            };
            *capture.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(snapshot);
        }
    }
}

/// A client that sends requests straight to an endpoint and keeps cookies.
pub struct ConnTest {
    endpoint: Endpoint,
    cookies: Mutex<BTreeMap<String, String>>,
}

impl ConnTest {
    /// A client of this endpoint.
    pub fn new(endpoint: Endpoint) -> Self {
        ConnTest {
            endpoint,
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    /// The endpoint under test.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Starts a request.
    pub fn request(&self, method: Method, uri: &str) -> TestRequest<'_> {
        TestRequest {
            client: self,
            method,
            uri: uri.to_string(),
            headers: HeaderMap::new(),
            body: Vec::new(),
        }
    }

    /// Starts a GET request.
    pub fn get(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::GET, uri)
    }

    /// Starts a POST request.
    pub fn post(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::POST, uri)
    }

    /// Starts a PUT request.
    pub fn put(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::PUT, uri)
    }

    /// Starts a PATCH request.
    pub fn patch(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::PATCH, uri)
    }

    /// Starts a DELETE request.
    pub fn delete(&self, uri: &str) -> TestRequest<'_> {
        self.request(Method::DELETE, uri)
    }

    /// Forgets every cookie (a new browser).
    pub fn clear_cookies(&self) {
        self.cookies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The value of a cookie the client holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// Replaces a cookie's value (to test tampering).
    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), value.to_string());
    }

    fn store_cookies(&self, headers: &HeaderMap) {
        let mut jar = self.cookies.lock().unwrap_or_else(|e| e.into_inner());
        for value in headers.get_all("set-cookie") {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or("");
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let expired = text.to_ascii_lowercase().contains("max-age=0");
            if expired || value.is_empty() {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_string(), value.trim().to_string());
            }
        }
    }
}

/// A request being built by [`ConnTest`].
pub struct TestRequest<'a> {
    client: &'a ConnTest,
    method: Method,
    uri: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl TestRequest<'_> {
    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(value) = value.parse() {
            self.headers.append(name, value);
        }
        self
    }

    /// Sends a urlencoded form body.
    pub fn form<K: Serialize, V: Serialize>(mut self, fields: &[(K, V)]) -> Self {
        self.body = serde_urlencoded::to_string(fields)
            .unwrap_or_default()
            .into_bytes();
        self.header("content-type", "application/x-www-form-urlencoded")
    }

    /// Sends a JSON body.
    pub fn json(mut self, value: &impl Serialize) -> Self {
        self.body = serde_json::to_vec(value).unwrap_or_default();
        self.header("content-type", "application/json")
    }

    /// Sends raw bytes with a content type.
    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self.header("content-type", content_type)
    }

    /// Runs the request through the endpoint.
    pub async fn send(self) -> TestResponse {
        let mut req = Request::builder()
            .method(self.method)
            .uri_str(&self.uri)
            .body(self.body);
        *req.headers_mut() = self.headers;
        let cookie_header = {
            let jar = self
                .client
                .cookies
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        if !cookie_header.is_empty() {
            if let Ok(value) = cookie_header.parse() {
                req.headers_mut().insert("cookie", value);
            }
        }
        let capture = Capture::default();
        req.extensions_mut().insert(capture.clone());
        let response = self.client.endpoint.get_response(req).await;
        self.client.store_cookies(response.headers());
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().into_vec().await.unwrap_or_default();
        let snapshot = capture.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        TestResponse {
            status,
            headers,
            body,
            snapshot: snapshot.unwrap_or_default(),
        }
    }
}

/// A response received by [`ConnTest`].
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    snapshot: Snapshot,
}

impl TestResponse {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// One header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// All headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics with the body if it is not.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("response is not the expected JSON ({e}): {}", self.text()))
    }

    /// Where the response redirects to, if it is a redirect.
    pub fn redirected_to(&self) -> Option<&str> {
        if self.status.is_redirection() {
            self.header("location")
        } else {
            None
        }
    }

    /// The flash messages under `key` when the response was sent.
    pub fn flash(&self, key: &str) -> Vec<String> {
        self.snapshot.flash.get(key).cloned().unwrap_or_default()
    }

    /// An assign of the conn when the response was sent.
    pub fn assign<T: Send + Sync + 'static>(&self, key: Key<T>) -> Option<&T> {
        self.snapshot.assigns.get(key)
    }

    /// A session value after the request.
    pub async fn session<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let session = self.snapshot.session.as_ref()?;
        session.get(key).await.ok().flatten()
    }
}

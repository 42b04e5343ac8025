//! The connection: one request, and the response being built for it.
//!
//! A [`Conn`] flows by value through the endpoint's plugs, the route's
//! pipelines, the controller's plugs and the action. Builder-style methods
//! consume and return it, so code reads like an Elixir pipe:
//!
//! ```
//! use phoenix::assigns::Key;
//! use phoenix::prelude::*;
//!
//! const TITLE: Key<String> = Key::new("title");
//!
//! async fn show(conn: Conn, Path(page): Path<String>) -> Result<Conn> {
//!     conn.assign(TITLE, format!("Showing page {page}"))
//!         .put_status(StatusCode::OK)
//!         .text(page)
//! }
//! ```

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use poem::http::header::{self, HeaderName, HeaderValue};
use poem::http::{HeaderMap, Method, StatusCode, Uri};
use poem::{Body, Request, Response};
use serde::Serialize;

use crate::app::App;
use crate::assigns::{Assigns, Key, MissingAssignError};
use crate::error::{Error, Result};
use crate::params::Params;
use crate::plug::Flash;
use crate::router::{RouteInfo, RoutePath};
use crate::view::{Layout, View};
use tower_sessions::Session;

type BeforeSend = Box<dyn FnOnce(Conn) -> BoxFuture<'static, Result<Conn>> + Send + Sync>;

/// Where the response of a conn is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    /// Nothing set yet.
    Unset,
    /// A response body is set and will be sent when the pipeline ends.
    Set,
}

/// One HTTP request and the response being built for it.
///
/// The data lives in one box so that passing a conn from plug to plug moves a
/// pointer, not the whole structure.
pub struct Conn(Box<ConnData>);

struct ConnData {
    req: Request,
    params: Params,
    path_params: Params,
    query_params: Params,
    body_params: Params,
    assigns: Assigns,
    private: http::Extensions,
    status: Option<StatusCode>,
    resp_headers: HeaderMap,
    resp_body: Option<Body>,
    state: ConnState,
    halted: bool,
    before_send: Vec<BeforeSend>,
    internals: Internals,
    app: Arc<App>,
}

/// What the framework's own plugs keep on a conn (Phoenix keeps these in
/// `conn.private`): typed fields, so that the common path allocates nothing
/// for them.
#[derive(Clone, Default)]
pub(crate) struct Internals {
    pub(crate) route: Option<Arc<RouteInfo>>,
    pub(crate) format: Option<Arc<str>>,
    pub(crate) view: Option<Arc<dyn View>>,
    pub(crate) layout: Option<Layout>,
    pub(crate) inner_content: Option<Arc<str>>,
    pub(crate) session: Option<Session>,
    pub(crate) flash: Option<Flash>,
    pub(crate) csrf_protected: bool,
    pub(crate) csrf_secret: Option<[u8; 32]>,
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conn")
            .field("method", self.0.req.method())
            .field("path", &self.0.req.uri().path())
            .field("params", &self.0.params)
            .field("assigns", &self.0.assigns)
            .field("status", &self.0.status)
            .field("state", &self.0.state)
            .field("halted", &self.0.halted)
            .finish()
    }
}

impl Conn {
    /// A conn for a request, served by the application `app`.
    pub fn new(req: Request, app: Arc<App>) -> Self {
        Conn(Box::new(ConnData {
            req,
            params: Params::new(),
            path_params: Params::new(),
            query_params: Params::new(),
            body_params: Params::new(),
            assigns: Assigns::default(),
            private: http::Extensions::new(),
            status: None,
            resp_headers: HeaderMap::new(),
            resp_body: None,
            state: ConnState::Unset,
            halted: false,
            before_send: Vec::new(),
            internals: Internals::default(),
            app,
        }))
    }

    // ---- request ----

    /// The request method (after method override).
    pub fn method(&self) -> &Method {
        self.0.req.method()
    }

    /// The request path, percent-encoded as received.
    pub fn path(&self) -> &str {
        self.0.req.uri().path()
    }

    /// The request URI.
    pub fn uri(&self) -> &Uri {
        self.0.req.uri()
    }

    /// The raw query string (without `?`).
    pub fn query_string(&self) -> &str {
        self.0.req.uri().query().unwrap_or("")
    }

    /// The request headers.
    pub fn req_headers(&self) -> &HeaderMap {
        self.0.req.headers()
    }

    /// One request header as text, if present and valid UTF-8.
    pub fn req_header(&self, name: impl poem::http::header::AsHeaderName) -> Option<&str> {
        self.0.req.headers().get(name).and_then(|v| v.to_str().ok())
    }

    /// The peer's address, when served over TCP.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.0.req.remote_addr().as_socket_addr().copied()
    }

    /// The underlying poem request (extensions set by tower layers live here).
    pub fn request(&self) -> &Request {
        &self.0.req
    }

    /// The underlying poem request, mutably.
    pub fn request_mut(&mut self) -> &mut Request {
        &mut self.0.req
    }

    pub(crate) fn set_method(&mut self, method: Method) {
        self.0.req.set_method(method);
    }

    pub(crate) fn take_request(&mut self) -> Request {
        std::mem::replace(&mut self.0.req, Request::builder().finish())
    }

    pub(crate) fn restore_request(&mut self, req: Request) {
        self.0.req = req;
    }

    /// The application this conn is served by (configuration, views, routes).
    pub fn app(&self) -> &Arc<App> {
        &self.0.app
    }

    /// The application's PubSub (to broadcast from a controller).
    pub fn pubsub(&self) -> &crate::pubsub::PubSub {
        &self.0.app.pubsub
    }

    // ---- params ----

    /// Path, query and body parameters merged (path wins over body, body over query).
    pub fn params(&self) -> &Params {
        &self.0.params
    }

    /// The merged parameters, mutably (plugs may normalise them).
    pub fn params_mut(&mut self) -> &mut Params {
        &mut self.0.params
    }

    /// Parameters from the route's path (`:id`, `*path`).
    pub fn path_params(&self) -> &Params {
        &self.0.path_params
    }

    /// Parameters from the query string.
    pub fn query_params(&self) -> &Params {
        &self.0.query_params
    }

    /// Parameters from the body (form or JSON).
    pub fn body_params(&self) -> &Params {
        &self.0.body_params
    }

    pub(crate) fn set_query_and_body(&mut self, query: Params, body: Params) {
        let mut merged = query.clone();
        merged.merge(body.clone());
        self.0.query_params = query;
        self.0.body_params = body;
        self.0.params = merged;
    }

    pub(crate) fn set_path_params(&mut self, path: Params) {
        self.0.params.merge(path.clone());
        self.0.path_params = path;
    }

    // ---- assigns and private data ----

    /// Stores a typed value for later plugs, the action and the layout
    /// (`@name` in Phoenix templates); see [`crate::assigns`].
    pub fn assign<T: Send + Sync + 'static>(mut self, key: Key<T>, value: impl Into<T>) -> Self {
        self.put_assign(key, value);
        self
    }

    /// [`Conn::assign`] through a mutable reference.
    pub fn put_assign<T: Send + Sync + 'static>(&mut self, key: Key<T>, value: impl Into<T>) {
        self.0.assigns.insert(key, value.into());
    }

    /// An assign; `None` if it is not set.
    pub fn get_assign<T: Send + Sync + 'static>(&self, key: Key<T>) -> Option<&T> {
        self.0.assigns.get(key)
    }

    /// An assign, or a 500 error naming the key if it is not set.
    pub fn fetch_assign<T: Send + Sync + 'static>(
        &self,
        key: Key<T>,
    ) -> Result<&T, MissingAssignError> {
        self.0.assigns.fetch(key)
    }

    /// All assigns.
    pub fn assigns(&self) -> &Assigns {
        &self.0.assigns
    }

    /// What the error page needs to know of this conn if a step fails.
    pub(crate) fn error_context(&self) -> ErrorContext {
        ErrorContext {
            format: self.0.internals.format.clone(),
            layout: self.0.internals.layout.clone(),
            assigns: self.0.assigns.clone(),
            flash: self.0.internals.flash.clone(),
            route: self.0.internals.route.clone(),
        }
    }

    /// Puts back what an error page needs of the conn an error came from.
    pub(crate) fn restore_context(&mut self, context: ErrorContext) {
        self.0.internals.format = context.format;
        self.0.internals.layout = context.layout;
        self.0.internals.flash = context.flash;
        self.0.assigns = context.assigns;
        self.0.internals.route = context.route;
    }

    pub(crate) fn internals(&self) -> &Internals {
        &self.0.internals
    }

    pub(crate) fn internals_mut(&mut self) -> &mut Internals {
        &mut self.0.internals
    }

    /// Stores typed data for libraries and plugs (Phoenix's `conn.private`).
    pub fn put_private<T: Any + Send + Sync + Clone>(&mut self, value: T) {
        self.0.private.insert(value);
    }

    /// Typed private data.
    pub fn private<T: Any + Send + Sync + Clone>(&self) -> Option<&T> {
        self.0.private.get::<T>()
    }

    /// Typed private data, mutably.
    pub fn private_mut<T: Any + Send + Sync + Clone>(&mut self) -> Option<&mut T> {
        self.0.private.get_mut::<T>()
    }

    // ---- response ----

    /// Sets the response status.
    pub fn put_status(mut self, status: StatusCode) -> Self {
        self.0.status = Some(status);
        self
    }

    /// The response status set so far.
    pub fn status(&self) -> Option<StatusCode> {
        self.0.status
    }

    /// Sets a response header (replacing earlier values). Invalid values are ignored
    /// with a warning in the log.
    pub fn put_resp_header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.set_resp_header(name.as_ref(), value.as_ref());
        self
    }

    pub(crate) fn set_resp_header(&mut self, name: &str, value: &str) {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                self.0.resp_headers.insert(name, value);
            }
            _ => tracing::warn!(header = name, "ignored an invalid response header"),
        }
    }

    /// The response headers set so far.
    pub fn resp_headers(&self) -> &HeaderMap {
        &self.0.resp_headers
    }

    /// The response headers, mutably.
    pub fn resp_headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.0.resp_headers
    }

    /// Sets the response content type; `render("sitemap")` then picks the
    /// template of that format (`text/xml` → `sitemap.xml`). A charset is added
    /// to textual types.
    pub fn put_resp_content_type(mut self, content_type: &str) -> Self {
        // The common types need no formatting or validation.
        let known = match content_type {
            "text/html" => Some("text/html; charset=utf-8"),
            "text/plain" => Some("text/plain; charset=utf-8"),
            "application/json" => Some("application/json"),
            "text/xml" => Some("text/xml; charset=utf-8"),
            _ => None,
        };
        if let Some(value) = known {
            self.0
                .resp_headers
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            return self;
        }
        let value = if content_type.starts_with("text/") && !content_type.contains("charset") {
            format!("{content_type}; charset=utf-8")
        } else {
            content_type.to_string()
        };
        self.put_resp_header("content-type", value)
    }

    /// The response content type without parameters, if set.
    pub fn resp_content_type(&self) -> Option<&str> {
        self.0
            .resp_headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or(v).trim())
    }

    /// Stops the pipeline after this plug: later plugs and the action do not run.
    pub fn halt(mut self) -> Self {
        self.0.halted = true;
        self
    }

    /// Whether the pipeline was halted.
    pub fn halted(&self) -> bool {
        self.0.halted
    }

    /// Whether a response is set.
    pub fn resp_state(&self) -> ConnState {
        self.0.state
    }

    /// Sets the response body with a status (Plug's `send_resp`).
    pub fn send_resp(mut self, status: StatusCode, body: impl Into<Body>) -> Result<Self> {
        self.0.status = Some(status);
        self.0.resp_body = Some(body.into());
        self.0.state = ConnState::Set;
        Ok(self)
    }

    fn send_with_type(self, content_type: &str, body: impl Into<Body>) -> Result<Self> {
        let conn = if self.0.resp_headers.contains_key(header::CONTENT_TYPE) {
            self
        } else {
            self.put_resp_content_type(content_type)
        };
        let status = conn.0.status.unwrap_or(StatusCode::OK);
        conn.send_resp(status, body)
    }

    /// Sends plain text.
    pub fn text(self, body: impl Into<String>) -> Result<Self> {
        self.send_with_type("text/plain", body.into())
    }

    /// Sends HTML.
    pub fn html(self, body: impl Into<String>) -> Result<Self> {
        self.send_with_type("text/html", body.into())
    }

    /// Sends a value as JSON.
    pub fn json(self, value: &impl Serialize) -> Result<Self> {
        let body = serde_json::to_vec(value)?;
        self.send_with_type("application/json", body)
    }

    /// Redirects (302) to a path of this application, such as a route helper's.
    /// Anything that is not a local path (`//evil.com`, `http://...`) is refused
    /// with a 500 error: use [`Conn::redirect_external`] for other sites.
    pub fn redirect_to(self, to: impl fmt::Display) -> Result<Self> {
        let to = to.to_string();
        if !to.starts_with('/') || to.starts_with("//") || to.starts_with("/\\") {
            return Err(Error::msg(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("redirect_to expects a local path starting with `/`, got {to:?}; use redirect_external for other sites"),
            ));
        }
        self.redirect_location(&to)
    }

    /// Redirects (302) to a full URL on any site.
    pub fn redirect_external(self, url: impl fmt::Display) -> Result<Self> {
        self.redirect_location(&url.to_string())
    }

    fn redirect_location(self, location: &str) -> Result<Self> {
        let status = match self.0.status {
            Some(s) if s.is_redirection() => s,
            _ => StatusCode::FOUND,
        };
        let escaped = maud::html! { "You are being " a href=(location) { "redirected" } "." };
        self.put_resp_header("location", location)
            .put_resp_content_type("text/html")
            .send_resp(status, escaped.into_string())
    }

    /// The full URL of a path, from the endpoint's `url` configuration
    /// (scheme, host, port: the proxy case of the seed README).
    pub fn url(&self, path: &RoutePath) -> String {
        self.0.app.url(path)
    }

    /// Registers a callback run just before the response is sent (Plug's
    /// `register_before_send`); callbacks run in reverse order of registration.
    pub fn register_before_send<F, Fut>(&mut self, callback: F)
    where
        F: FnOnce(Conn) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Conn>> + Send + 'static,
    {
        self.0
            .before_send
            .push(Box::new(move |conn| Box::pin(callback(conn))));
    }

    /// Runs the before-send callbacks and turns the conn into a response.
    /// A conn without a response is an error: the action sent nothing.
    pub(crate) async fn into_response(mut self) -> Result<Response> {
        let callbacks = std::mem::take(&mut self.0.before_send);
        for callback in callbacks.into_iter().rev() {
            self = callback(self).await?;
        }
        self.capture_for_tests();
        let Some(body) = self.0.resp_body.take() else {
            return Err(Error::msg(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!(
                    "no response was sent for {} {}: the action or a plug must call text, html, json, render, redirect_to or send_resp",
                    self.method(),
                    self.path()
                ),
            ));
        };
        let mut response = Response::builder()
            .status(self.0.status.unwrap_or(StatusCode::OK))
            .body(body);
        *response.headers_mut() = std::mem::take(&mut self.0.resp_headers);
        Ok(response)
    }

    /// Splits off what a response-producing step below an around-plug needs to
    /// carry back (everything but the request).
    pub(crate) fn into_parts(mut self) -> (Request, ConnParts) {
        let req = self.take_request();
        (req, ConnParts(self))
    }

    /// A copy of the request line and headers, without the body.
    pub(crate) fn request_head(&self) -> Request {
        let mut req = Request::builder()
            .method(self.0.req.method().clone())
            .uri(self.0.req.uri().clone())
            .version(self.0.req.version())
            .finish();
        req.headers_mut().extend(self.0.req.headers().clone());
        req
    }

    /// A copy of this conn (request head, params, assigns, private data), without
    /// its response and callbacks.
    pub(crate) fn snapshot(&self) -> Conn {
        let mut copy = Conn::new(self.request_head(), self.0.app.clone());
        copy.0.params = self.0.params.clone();
        copy.0.path_params = self.0.path_params.clone();
        copy.0.query_params = self.0.query_params.clone();
        copy.0.body_params = self.0.body_params.clone();
        copy.0.assigns = self.0.assigns.clone();
        copy.0.private = self.0.private.clone();
        copy.0.internals = self.0.internals.clone();
        copy
    }

    pub(crate) fn set_sent_response(&mut self, response: Response) {
        let (parts, body) = response.into_parts();
        self.0.status = Some(parts.status);
        self.0.resp_headers = parts.headers;
        self.0.resp_body = Some(body);
        self.0.state = ConnState::Set;
        self.0.halted = true;
    }
}

/// What the error page keeps of the conn an error came from: the format
/// negotiated by `accepts`, the layout, the assigns and the flash.
#[derive(Clone, Default)]
pub(crate) struct ErrorContext {
    pub(crate) format: Option<Arc<str>>,
    pub(crate) layout: Option<Layout>,
    pub(crate) assigns: Assigns,
    pub(crate) flash: Option<Flash>,
    pub(crate) route: Option<Arc<RouteInfo>>,
}

/// A conn without its request, carried through a tower layer or poem middleware.
pub(crate) struct ConnParts(Conn);

impl ConnParts {
    pub(crate) fn with_request(self, req: Request) -> Conn {
        let mut conn = self.0;
        conn.restore_request(req);
        conn
    }
}

//! Plugs: the steps a [`Conn`] goes through, and pipelines of them.
//!
//! A plug is anything implementing [`Plug`]: an `async fn(Conn) -> Result<Conn>`,
//! a type with options (the seed's `plug :locale, default: "en"` is
//! [`Pipeline::plug_with`]), a tower layer built for `http::Request`
//! ([`Pipeline::layer`]) or a poem middleware ([`Pipeline::middleware`]).
//! A plug that halts the conn stops the pipeline.
//!
//! ```
//! use phoenix::prelude::*;
//!
//! #[derive(Clone)]
//! struct Locale { default: &'static str }
//!
//! const LOCALE: Key<String> = Key::new("locale");
//!
//! async fn locale(conn: Conn, opts: Locale) -> Result<Conn> {
//!     let chosen = match conn.params().get_str("locale") {
//!         Some(l @ ("en" | "fr" | "de")) => l.to_string(),
//!         _ => opts.default.to_string(),
//!     };
//!     Ok(conn.assign(LOCALE, chosen))
//! }
//!
//! let pipeline = Pipeline::new()
//!     .plug(phoenix::plug::accepts(["html"]))
//!     .plug_with(locale, Locale { default: "en" });
//! assert_eq!(pipeline.len(), 2);
//! ```

mod accepts;
mod csrf;
mod flash;
mod logger;
mod method_override;
mod parsers;
mod secure_headers;
mod session;
mod tower;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;

use futures_util::future::BoxFuture;
use poem::endpoint::BoxEndpoint;
use poem::{Endpoint, EndpointExt, IntoResponse, Middleware, Request, Response};

use crate::conn::{Conn, ConnParts};
use crate::error::{Error, PanicError, Result};

/// The text of a panic's payload.
pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".into()
    }
}

pub use accepts::{accepts, Accepts};
pub use csrf::{csrf_token, fetch_csrf_token, protect_from_forgery};
pub use flash::{fetch_flash, Flash};
pub use logger::{request_logger, RequestLogger};
pub use method_override::method_override;
pub use parsers::{parse_body, Parsers};
pub use secure_headers::{put_secure_browser_headers, CONTENT_SECURITY_POLICY};
pub use session::fetch_session;
pub use tower::TowerLayer;

/// One step a conn goes through.
pub trait Plug: Send + Sync + 'static {
    /// Transforms the conn (or halts it, or fails).
    fn call(&self, conn: Conn) -> BoxFuture<'_, Result<Conn>>;
}

impl<F, Fut> Plug for F
where
    F: Fn(Conn) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Conn>> + Send + 'static,
{
    fn call(&self, conn: Conn) -> BoxFuture<'_, Result<Conn>> {
        Box::pin(self(conn))
    }
}

/// A function plug with options, built by [`Pipeline::plug_with`].
pub struct WithOpts<F, O> {
    f: F,
    opts: O,
}

impl<F, O, Fut> Plug for WithOpts<F, O>
where
    F: Fn(Conn, O) -> Fut + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Conn>> + Send + 'static,
{
    fn call(&self, conn: Conn) -> BoxFuture<'_, Result<Conn>> {
        Box::pin((self.f)(conn, self.opts.clone()))
    }
}

type WrapFn = Arc<dyn Fn(NextEndpoint) -> BoxEndpoint<'static, Response> + Send + Sync>;

#[derive(Clone)]
enum Step {
    Plug(Arc<dyn Plug>),
    /// A middleware that wraps the rest of the chain.
    Around(WrapFn),
}

/// An ordered list of plugs (Phoenix's `pipeline :browser do ... end`).
#[derive(Clone, Default)]
pub struct Pipeline {
    steps: Vec<Step>,
}

impl Pipeline {
    /// An empty pipeline.
    pub fn new() -> Self {
        Pipeline::default()
    }

    /// Adds a plug.
    pub fn plug(mut self, plug: impl Plug) -> Self {
        self.steps.push(Step::Plug(Arc::new(plug)));
        self
    }

    /// Adds a function plug that receives options (`plug :locale, default: "en"`).
    pub fn plug_with<F, O, Fut>(self, f: F, opts: O) -> Self
    where
        F: Fn(Conn, O) -> Fut + Send + Sync + 'static,
        O: Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<Conn>> + Send + 'static,
    {
        self.plug(WithOpts { f, opts })
    }

    /// Adds a tower layer built for `http::Request` (tower-http, tower-sessions,
    /// ...): it wraps the rest of the pipeline and the action.
    pub fn layer<L>(self, layer: L) -> Self
    where
        TowerLayer<L>: Middleware<NextEndpoint> + Send + Sync + 'static,
        <TowerLayer<L> as Middleware<NextEndpoint>>::Output: 'static,
    {
        self.middleware(TowerLayer::new(layer))
    }

    /// Adds a poem middleware: it wraps the rest of the pipeline and the action.
    pub fn middleware<M>(mut self, middleware: M) -> Self
    where
        M: Middleware<NextEndpoint> + Send + Sync + 'static,
        M::Output: 'static,
    {
        let wrap: WrapFn =
            Arc::new(move |next| middleware.transform(next).map_to_response().boxed());
        self.steps.push(Step::Around(wrap));
        self
    }

    /// Appends another pipeline's plugs.
    pub fn then(mut self, other: &Pipeline) -> Self {
        self.steps.extend(other.steps.iter().cloned());
        self
    }

    /// The number of steps.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether the pipeline has no steps.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Compiles the pipeline followed by `last` into a runnable chain.
    /// Around-steps are built here, once, not per request.
    pub fn into_chain(self, last: Arc<dyn Plug>) -> Chain {
        build_chain(&self.steps, last)
    }
}

enum Compiled {
    Plug(Arc<dyn Plug>),
    Around(BoxEndpoint<'static, Response>),
}

/// A compiled pipeline ending in an action: what a route runs.
#[derive(Clone)]
pub struct Chain {
    steps: Arc<Vec<Compiled>>,
}

fn build_chain(steps: &[Step], last: Arc<dyn Plug>) -> Chain {
    let mut compiled = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Plug(plug) => compiled.push(Compiled::Plug(plug.clone())),
            Step::Around(wrap) => {
                let rest = build_chain(&steps[i + 1..], last);
                compiled.push(Compiled::Around(wrap(NextEndpoint { rest })));
                return Chain {
                    steps: Arc::new(compiled),
                };
            }
        }
    }
    compiled.push(Compiled::Plug(last));
    Chain {
        steps: Arc::new(compiled),
    }
}

impl Chain {
    /// Runs the conn through every step until one halts it.
    pub async fn run(&self, mut conn: Conn) -> Result<Conn> {
        for step in self.steps.iter() {
            if conn.halted() {
                break;
            }
            match step {
                Compiled::Plug(plug) => {
                    // An error (or a panic) keeps what the error page needs of
                    // the conn it came from.
                    let context = conn.error_context();
                    conn = match AssertUnwindSafe(plug.call(conn)).catch_unwind().await {
                        Ok(Ok(conn)) => conn,
                        Ok(Err(err)) => return Err(err.or_context(context)),
                        Err(panic) => {
                            let err = Error::exception(PanicError(panic_text(panic.as_ref())));
                            return Err(err.or_context(context));
                        }
                    }
                }
                Compiled::Around(endpoint) => {
                    let head = conn.request_head();
                    let (mut req, parts) = conn.into_parts();
                    let carried = Carried::new(parts);
                    req.extensions_mut().insert(carried.clone());
                    let response = endpoint.get_response(req).await;
                    // The inner chain puts the conn (or its error) back for us; a
                    // middleware that answered by itself leaves it waiting.
                    return match carried.take() {
                        Some(CarriedState::Error(err)) => Err(err),
                        Some(CarriedState::Sent(mut conn)) => {
                            conn.set_sent_response(response);
                            Ok(conn)
                        }
                        Some(CarriedState::Waiting(parts)) => {
                            let mut conn = parts.with_request(head);
                            conn.set_sent_response(response);
                            Ok(conn)
                        }
                        None => Err(Error::msg(
                            poem::http::StatusCode::INTERNAL_SERVER_ERROR,
                            "a middleware lost the connection state of the pipeline",
                        )),
                    };
                }
            }
        }
        Ok(conn)
    }
}

enum CarriedState {
    Waiting(ConnParts),
    Sent(Conn),
    Error(Error),
}

/// The conn's state carried through a middleware inside the request's extensions.
#[derive(Clone)]
struct Carried(Arc<std::sync::Mutex<Option<CarriedState>>>);

impl Carried {
    fn new(parts: ConnParts) -> Self {
        Carried(Arc::new(std::sync::Mutex::new(Some(
            CarriedState::Waiting(parts),
        ))))
    }

    fn take(&self) -> Option<CarriedState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn put(&self, state: CarriedState) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(state);
    }
}

/// The rest of a pipeline, as a poem endpoint that a middleware wraps.
pub struct NextEndpoint {
    rest: Chain,
}

impl Endpoint for NextEndpoint {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let Some(carried) = req.extensions_mut().remove::<Carried>() else {
            return Ok(poem::http::StatusCode::INTERNAL_SERVER_ERROR.into_response());
        };
        let Some(CarriedState::Waiting(parts)) = carried.take() else {
            return Ok(poem::http::StatusCode::INTERNAL_SERVER_ERROR.into_response());
        };
        let conn = parts.with_request(req);
        match self.rest.run(conn).await {
            Ok(conn) => {
                // Run before-send callbacks here, inside the middleware, so that
                // what they do (session writes) is seen by the layer.
                let snapshot = conn.snapshot();
                match conn.into_response().await {
                    Ok(response) => {
                        carried.put(CarriedState::Sent(snapshot));
                        Ok(response)
                    }
                    Err(err) => {
                        let status = err.status();
                        carried.put(CarriedState::Error(err));
                        Ok(status.into_response())
                    }
                }
            }
            Err(err) => {
                let status = err.status();
                carried.put(CarriedState::Error(err));
                Ok(status.into_response())
            }
        }
    }
}

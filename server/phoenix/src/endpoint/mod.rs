//! The endpoint: where every request enters the application.
//!
//! Like a Phoenix endpoint it runs, in order: static files, the request
//! logger, body parsers, method override, the session (a tower-sessions layer),
//! the app's own endpoint plugs, then the router. Errors and panics anywhere
//! below become error pages rendered by the error view (or the debug page);
//! the server keeps serving.
//!
//! ```no_run
//! use phoenix::prelude::*;
//!
//! mod router {
//!     use phoenix::prelude::*;
//!     pub struct PageController;
//!     impl Controller for PageController { type View = PageView; }
//!     #[derive(Default)]
//!     pub struct PageView;
//!     impl View for PageView { fn name(&self) -> &'static str { "page" } }
//!     impl PageController {
//!         pub async fn index(conn: Conn) -> Result<Conn> { conn.text("hi") }
//!     }
//!     phoenix::router! { get "/", PageController, index; }
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::load(".")?;
//! let endpoint = Endpoint::builder(config, router::router()).build()?;
//! endpoint.serve().await?;
//! # Ok(()) }
//! ```

mod error_page;
mod force_ssl;
mod log_writer;
pub mod request_id;
mod server;
mod session;
mod static_files;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use poem::endpoint::BoxEndpoint;
use poem::{Request, Response};
use tracing::Instrument;

use crate::app::App;
use crate::config::{Config, ConfigError};
use crate::conn::Conn;
use crate::error::{Error, PanicError};
use crate::observer::{Kind, Observer, Observers, RequestStart, RequestStop};
use crate::plug::{method_override, parse_body, Chain, Parsers, Pipeline, Plug, RequestLogger};
use crate::presence::Presence;
use crate::pubsub::PubSub;
use crate::router::{RouteInfo, RoutePath, Router};
use crate::socket::Mount;
use crate::state::StateMap;
use crate::template::{default_engines, EngineFactory, TemplateEngine, Templates};
use crate::view::View;
use request_id::RequestId;

pub use server::{init_logging, init_logging_for, shutdown_signal, Listening, LogGuard};

/// Assembles an [`Endpoint`] from a configuration and a router.
pub struct EndpointBuilder {
    config: Config,
    router: Router,
    plugs: Pipeline,
    views: HashMap<&'static str, Arc<dyn View>>,
    layout_view: Option<Arc<dyn View>>,
    engines: Vec<(String, EngineFactory)>,
    /// Set by `.pubsub(..)`; otherwise made from `[pubsub]` when built.
    pubsub: Option<PubSub>,
    state: StateMap,
    observers: Vec<Arc<dyn Observer>>,
    sockets: Vec<(String, Mount)>,
    /// Set by [`EndpointBuilder::live_reload`].
    pub(crate) injector: Option<crate::live_reload::Injector>,
}

impl EndpointBuilder {
    /// Gives the application a value of any type, read back by type with the
    /// [`State`](crate::state::State) extractor or `conn.state::<T>()`, and
    /// from sockets and channels (see [`crate::state`]). Call it once per
    /// type; a second value of the same type replaces the first.
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.state = self.state.with(value);
        self
    }

    /// [`EndpointBuilder::state`] for a value already shared.
    pub fn state_arc<T: Send + Sync + 'static>(mut self, value: Arc<T>) -> Self {
        self.state = self.state.with_arc(value);
        self
    }

    /// The configuration the endpoint is built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The router's route table.
    pub fn routes(&self) -> Vec<RouteInfo> {
        self.router.routes()
    }

    /// Adds an observer of requests, sockets, channels, messages and
    /// broadcasts (see [`crate::observer`]); none by default. Observers are
    /// called in the order they were added.
    pub fn observer(mut self, observer: impl Observer) -> Self {
        self.observers.push(Arc::new(observer));
        self
    }

    /// Mounts a socket at `path` in front of the router's routes, as
    /// `socket "/path", MySocket;` in the router would (Phoenix declares
    /// sockets in the endpoint): for sockets that are part of the
    /// framework or a library rather than of the app's router.
    pub fn socket(mut self, path: &str, mount: Mount) -> Self {
        self.sockets.push((path.to_string(), mount));
        self
    }

    /// Uses this PubSub (an in-process one by default).
    pub fn pubsub(mut self, pubsub: PubSub) -> Self {
        self.pubsub = Some(pubsub);
        self
    }

    /// Sets the view that renders layouts (Phoenix's `LayoutView`).
    pub fn layout_view(mut self, view: impl View) -> Self {
        self.layout_view = Some(Arc::new(view));
        self
    }

    /// Registers a view by name, for `render_errors.view` in the config.
    pub fn view(mut self, view: impl View) -> Self {
        let view: Arc<dyn View> = Arc::new(view);
        self.views.insert(view.name(), view);
        self
    }

    /// Adds a plug run for every request, before the router.
    pub fn plug(mut self, plug: impl Plug) -> Self {
        self.plugs = self.plugs.plug(plug);
        self
    }

    /// Registers a template engine for files ending in `.{ext}` (the seed's
    /// `config :phoenix, :template_engines, haml: PhoenixHaml.Engine`).
    pub fn template_engine<F, T>(mut self, ext: &str, factory: F) -> Self
    where
        F: Fn() -> T + Send + Sync + 'static,
        T: TemplateEngine + 'static,
    {
        let factory: EngineFactory = Arc::new(move || Box::new(factory()));
        self.engines.retain(|(e, _)| e != ext);
        self.engines.push((ext.to_string(), factory));
        self
    }

    /// Checks the configuration against the app (error view, templates) and
    /// builds the endpoint.
    pub fn build(self) -> Result<Endpoint, ConfigError> {
        let config = Arc::new(self.config);
        let dev_tools = config.dev_tools_in_prod();
        if !dev_tools.is_empty() {
            tracing::warn!(
                "allow_dev_tools_in_prod: {} enabled in prod; anyone who reaches this \
                 server can see the application's internals",
                dev_tools.join(" and ")
            );
        }
        let error_view = self.views.get(config.render_errors.view.as_str()).cloned();
        if error_view.is_none() {
            let mut known: Vec<&str> = self.views.keys().copied().collect();
            known.sort();
            return Err(ConfigError(format!(
                "key `render_errors.view` names {:?}, but no view of that name is registered \
                 (registered: {})",
                config.render_errors.view,
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
        let templates_root = config.templates.root.as_ref().map(|r| config.path(r));
        let templates = Templates::load(templates_root, config.templates.reload, self.engines)
            .map_err(|e| ConfigError(format!("templates: {e}")))?;
        let static_manifest = match &config.static_files.cache_manifest {
            Some(file) => Some(Arc::new(
                crate::digest::Manifest::load(&config.path(file))
                    .map_err(|e| ConfigError(format!("key `static.cache_manifest`: {e}")))?,
            )),
            None => None,
        };
        let pubsub = match self.pubsub {
            Some(pubsub) => pubsub,
            None => PubSub::from_config(&config)?,
        };
        let observers = Observers::new(self.observers);
        if !observers.is_empty() {
            pubsub.observe(observers.clone());
        }
        let app = Arc::new(App {
            url_base: config.url_base(),
            debug_errors: config.debug_errors,
            routes: self.router.routes(),
            templates,
            layout_view: self.layout_view,
            error_view,
            error_formats: config.render_errors.accepts.clone(),
            presence: Presence::with_config(pubsub.clone(), &config.presence),
            pubsub,
            shutdown: tokio::sync::watch::Sender::new(false),
            observers,
            state: self.state,
            config: Some(config.clone()),
            static_manifest: static_manifest.clone(),
            socket_slots: crate::limits::SocketSlots::new(&config.limits),
        });

        let mut router = self.router;
        for (path, mount) in self.sockets {
            router = router.with_socket(&path, mount);
        }
        // WebSocket upgrades skip the session, the request log and the
        // endpoint's plugs, as sockets do in Phoenix's endpoint: a socket
        // authenticates in its `connect` (params, token, origin check).
        let upgrades = router
            .upgrades()
            .into_iter()
            .map(|(path, chain)| {
                let serve: Arc<dyn Plug> = Arc::new(move |conn: Conn| {
                    let chain = chain.clone();
                    async move { chain.run(conn).await }
                });
                // The query's params (`vsn`, the socket's own) still parse.
                let chain = Pipeline::new().plug(parse_body).into_chain(serve);
                let core = Core {
                    app: app.clone(),
                    chain,
                };
                (path, Arc::new(core))
            })
            .collect();
        let route: Arc<dyn Plug> = Arc::new(move |conn: Conn| {
            let router = router.clone();
            async move { router.call(conn).await }
        });
        let chain = Pipeline::new()
            .plug(RequestLogger)
            .plug(Parsers::from_limits(&config.limits))
            .plug(method_override)
            .then(&self.plugs)
            .into_chain(route);
        let core = Core {
            app: app.clone(),
            chain,
        };
        let inner = session::with_session(core, &config)?;
        let statics = static_files::StaticFiles::from_config(&config, static_manifest);
        Ok(Endpoint {
            app,
            inner: Arc::new(inner),
            upgrades,
            statics,
            live_reload: self.injector,
            force_ssl: force_ssl::ForceSsl::from_config(&config),
            max_header_bytes: config.limits.max_header_bytes,
            headers_refused: Arc::default(),
        })
    }
}

/// The application behind the session layer: conn, plugs, router, error pages.
struct Core {
    app: Arc<App>,
    chain: Chain,
}

impl poem::Endpoint for Core {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let request_id = RequestId::of(&req);
        req.extensions_mut().insert(request_id.clone());
        // Every log line of this request names its id (when something logs
        // at info: otherwise the span is not even made).
        let span = tracing::info_span!("request", id = %request_id);
        let mut response = self.respond(req).instrument(span).await?;
        response
            .headers_mut()
            .insert(request_id::HEADER, request_id.header_value());
        Ok(response)
    }
}

impl Core {
    async fn respond(&self, req: Request) -> poem::Result<Response> {
        let head = error_page::RequestHead::of(&req, self.app.debug_errors);
        let conn = Conn::new(req, self.app.clone());
        let observed = self.app.observers.wants(Kind::RequestStop);
        let run = async {
            let conn = self.chain.run(conn).await?;
            let route = observed.then(|| conn.internals().route.clone()).flatten();
            let mut response = conn.into_response().await?;
            if let Some(route) = route {
                response.extensions_mut().insert(MatchedRoute(route));
            }
            Ok(response)
        };
        let result = match AssertUnwindSafe(run).catch_unwind().await {
            Ok(result) => result,
            Err(panic) => Err(Error::exception(PanicError(crate::plug::panic_text(
                panic.as_ref(),
            )))),
        };
        Ok(match result {
            Ok(response) => response,
            Err(err) => {
                // The route an error came from, for observers, as for a response.
                let route = observed.then(|| err.route()).flatten();
                let mut response = error_page::render(&self.app, &head, err).await;
                if let Some(route) = route {
                    response.extensions_mut().insert(MatchedRoute(route));
                }
                response
            }
        })
    }
}

/// The route a response came from, for observers.
#[derive(Clone)]
struct MatchedRoute(Arc<RouteInfo>);

/// A built application, ready to serve (it is a poem endpoint too).
#[derive(Clone)]
pub struct Endpoint {
    app: Arc<App>,
    inner: Arc<BoxEndpoint<'static, Response>>,
    /// The sockets' WebSocket paths, served straight from the endpoint.
    upgrades: Vec<(String, Arc<Core>)>,
    statics: Option<static_files::StaticFiles>,
    live_reload: Option<crate::live_reload::Injector>,
    force_ssl: Option<force_ssl::ForceSsl>,
    /// `limits.max_header_bytes`, and the warning of requests over it.
    max_header_bytes: usize,
    headers_refused: Arc<crate::limits::Throttled>,
}

impl Endpoint {
    /// Starts assembling an endpoint.
    pub fn builder(config: Config, router: Router) -> EndpointBuilder {
        EndpointBuilder {
            config,
            router,
            plugs: Pipeline::new(),
            views: HashMap::new(),
            layout_view: None,
            engines: default_engines(),
            pubsub: None,
            state: StateMap::new(),
            observers: Vec::new(),
            sockets: Vec::new(),
            injector: None,
        }
    }

    /// The application state shared by all conns.
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// The application's PubSub.
    pub fn pubsub(&self) -> &PubSub {
        &self.app.pubsub
    }

    /// The full URL of a path (the seed's `MyApp.Endpoint.url`).
    pub fn url(&self, path: &RoutePath) -> String {
        self.app.url(path)
    }

    async fn respond(&self, req: Request) -> poem::Result<Response> {
        let header_bytes: usize = req
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        if header_bytes > self.max_header_bytes {
            self.headers_refused.warn(|held_back| {
                tracing::warn!(
                    path = req.uri().path(),
                    held_back,
                    "request refused with 431: {header_bytes} bytes of headers, over \
                     `limits.max_header_bytes` ({})",
                    self.max_header_bytes
                );
            });
            return Ok(poem::IntoResponse::into_response(
                poem::http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ));
        }
        let path = req.uri().path();
        if let Some((_, socket)) = self.upgrades.iter().find(|(p, _)| p == path) {
            return socket.respond(req).await;
        }
        let Some(ssl) = &self.force_ssl else {
            return self.answer(req).await;
        };
        if let Some(redirect) = ssl.redirect(&req) {
            return Ok(redirect);
        }
        let https = ssl.is_https(&req);
        let mut response = self.answer(req).await?;
        ssl.add_hsts(https, &mut response);
        Ok(response)
    }

    /// Live reload's script, static files, then the application.
    async fn answer(&self, req: Request) -> poem::Result<Response> {
        if let Some(live_reload) = &self.live_reload {
            if let Some(script) = live_reload.script(&req) {
                return Ok(script);
            }
        }
        if let Some(statics) = &self.statics {
            if let Some(response) = statics.serve(&req).await {
                return Ok(response);
            }
        }
        match &self.live_reload {
            None => poem::Endpoint::call(&*self.inner, req).await,
            Some(live_reload) => {
                let head = req.method() == poem::http::Method::HEAD;
                let response = poem::Endpoint::call(&*self.inner, req).await?;
                Ok(live_reload.inject(head, response).await)
            }
        }
    }
}

impl poem::Endpoint for Endpoint {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let observers = &self.app.observers;
        let start = observers.wants(Kind::RequestStart);
        if !start && !observers.wants(Kind::RequestStop) {
            return self.respond(req).await;
        }
        let started = std::time::Instant::now();
        let (method, path) = (req.method().clone(), req.uri().path().to_string());
        let method = method.as_str();
        if start {
            let event = RequestStart {
                method,
                path: &path,
            };
            observers.each(Kind::RequestStart, |o| o.request_start(&event));
        }
        let response = self.respond(req).await;
        let status = match &response {
            Ok(response) => response.status().as_u16(),
            Err(err) => err.status().as_u16(),
        };
        let route = response
            .as_ref()
            .ok()
            .and_then(|r| r.extensions().get::<MatchedRoute>())
            .map(|r| r.0.path.as_str());
        let event = RequestStop {
            method,
            path: &path,
            status,
            duration: started.elapsed(),
            route,
        };
        observers.each(Kind::RequestStop, |o| o.request_stop(&event));
        response
    }
}

//! The router: routes declared with [`router!`](crate::router!), matched in
//! declaration order, and the route table they form.

pub(crate) mod path;
mod table;

use std::collections::HashMap;
use std::sync::Arc;

use poem::http::Method;
use serde::Serialize;

use crate::conn::Conn;
use crate::error::{Error, NoRouteError, Result};
use crate::params::Params;
use crate::plug::{Chain, Pipeline, Plug};

use path::Pattern;
pub use path::RoutePath;
pub use table::format_routes;

/// What the `router!` macro knows about a route.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    /// Upper-case HTTP method.
    pub verb: &'static str,
    /// Full path pattern, e.g. `/users/:user_id/comments/:id`.
    pub path: &'static str,
    /// Controller as written (alias included, `crate::` dropped).
    pub controller: &'static str,
    /// Action name.
    pub action: &'static str,
    /// Helper module name, e.g. `user_comment_path`.
    pub helper: &'static str,
    /// Pipelines the route goes through, in order.
    pub pipelines: &'static [&'static str],
}

/// One row of the route table (the `routes` command and the dashboard show these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteInfo {
    /// HTTP method.
    pub verb: String,
    /// Path pattern.
    pub path: String,
    /// Controller name.
    pub controller: String,
    /// Action name.
    pub action: String,
    /// Helper module name.
    pub helper: String,
    /// Pipelines.
    pub pipelines: Vec<String>,
}

#[derive(Clone)]
struct Route {
    /// `None` matches any method (socket transports answer other methods themselves).
    method: Option<Method>,
    pattern: Pattern,
    info: Arc<RouteInfo>,
    chain: Chain,
    /// A socket's WebSocket transport: the endpoint dispatches it before its
    /// own plugs, as Phoenix's endpoint does its sockets.
    upgrade: bool,
}

/// Collects pipelines and routes; used by the code `router!` generates.
#[derive(Default)]
pub struct RouterBuilder {
    pipelines: HashMap<&'static str, Pipeline>,
    routes: Vec<Route>,
}

impl RouterBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        RouterBuilder::default()
    }

    /// Declares a pipeline.
    pub fn pipeline(&mut self, name: &'static str, pipeline: Pipeline) {
        self.pipelines.insert(name, pipeline);
    }

    /// Adds a route handled by `action` after the route's pipelines.
    ///
    /// # Panics
    /// If the spec names a pipeline that was not declared or an invalid verb:
    /// `router!` checks both at compile time.
    pub fn route(&mut self, spec: RouteSpec, action: impl Plug) {
        let mut pipeline = Pipeline::new();
        for name in spec.pipelines {
            let declared = self
                .pipelines
                .get(name)
                .unwrap_or_else(|| panic!("pipeline `{name}` is not declared"));
            pipeline = pipeline.then(declared);
        }
        let method = Method::from_bytes(spec.verb.as_bytes())
            .unwrap_or_else(|_| panic!("invalid HTTP verb {:?}", spec.verb));
        self.routes.push(Route {
            method: Some(method),
            pattern: Pattern::parse(spec.path),
            info: Arc::new(RouteInfo {
                verb: spec.verb.to_string(),
                path: spec.path.to_string(),
                controller: spec.controller.to_string(),
                action: spec.action.to_string(),
                helper: spec.helper.to_string(),
                pipelines: spec.pipelines.iter().map(|p| p.to_string()).collect(),
            }),
            upgrade: false,
            chain: pipeline.into_chain(Arc::new(action)),
        });
    }

    /// Mounts a socket at `path`: its transports are served at
    /// `path/websocket` and `path/longpoll`.
    pub fn socket(&mut self, path: &str, mount: crate::socket::Mount) {
        let base = path.trim_end_matches('/');
        let transports: [(&str, &str, Arc<dyn Plug>); 2] = [
            (
                "websocket",
                "GET",
                Arc::new(crate::transport::WebSocketRoute::new(mount.clone())),
            ),
            (
                "longpoll",
                "GET/POST",
                Arc::new(crate::transport::LongPollRoute::new(mount.clone())),
            ),
        ];
        for (transport, verbs, plug) in transports {
            let full = format!("{base}/{transport}");
            let info = RouteInfo {
                verb: verbs.into(),
                path: full.clone(),
                controller: mount.name.clone(),
                action: transport.into(),
                helper: String::new(),
                pipelines: Vec::new(),
            };
            self.routes.push(Route {
                method: None,
                pattern: Pattern::parse(&full),
                info: Arc::new(info),
                chain: Pipeline::new().into_chain(plug),
                upgrade: transport == "websocket",
            });
        }
    }

    /// Finishes the router.
    pub fn build(self) -> Router {
        Router {
            routes: Arc::new(self.routes),
        }
    }
}

/// The routes of an application, matched in the order they were declared.
#[derive(Clone)]
pub struct Router {
    routes: Arc<Vec<Route>>,
}

impl Router {
    /// This router with a socket mounted in front of its routes (the
    /// endpoint's own sockets, see `EndpointBuilder::socket`).
    pub(crate) fn with_socket(self, path: &str, mount: crate::socket::Mount) -> Router {
        let mut builder = RouterBuilder::new();
        builder.socket(path, mount);
        let mut routes = builder.routes;
        match Arc::try_unwrap(self.routes) {
            Ok(own) => routes.extend(own),
            Err(shared) => routes.extend(shared.iter().map(Route::clone)),
        }
        Router {
            routes: Arc::new(routes),
        }
    }

    /// The WebSocket transports of its sockets at fixed paths (a socket
    /// path with parameters is routed as usual): path and the chain that
    /// serves it.
    pub(crate) fn upgrades(&self) -> Vec<(String, Chain)> {
        self.routes
            .iter()
            .filter(|r| r.upgrade && !r.info.path.contains([':', '*']))
            .map(|r| (r.info.path.clone(), r.chain.clone()))
            .collect()
    }

    /// The route table.
    pub fn routes(&self) -> Vec<RouteInfo> {
        self.routes
            .iter()
            .map(|r| RouteInfo::clone(&r.info))
            .collect()
    }

    /// Routes the conn: the first route whose method and path match runs its
    /// pipelines and action. HEAD falls back to GET routes. No match is a 404
    /// [`NoRouteError`].
    pub async fn call(&self, mut conn: Conn) -> Result<Conn> {
        let Some((route, params)) = self.lookup(conn.method(), conn.path()) else {
            return Err(Error::exception(NoRouteError {
                method: conn.method().to_string(),
                path: conn.path().to_string(),
            }));
        };
        conn.set_path_params(params);
        conn.internals_mut().route = Some(route.info.clone());
        route.chain.run(conn).await
    }

    /// The route a request for `method path` goes to and its path
    /// parameters; HEAD falls back to GET routes.
    fn lookup(&self, method: &Method, path: &str) -> Option<(&Route, Params)> {
        let segments = path::split_path(path);
        self.find(method, &segments).or_else(|| {
            (*method == Method::HEAD)
                .then(|| self.find(&Method::GET, &segments))
                .flatten()
        })
    }

    /// The route a request for `method path` would take and its path
    /// parameters, without running it (Phoenix's `Router.route_info/4`).
    pub fn route_info(&self, method: &Method, path: &str) -> Option<(&RouteInfo, Params)> {
        self.lookup(method, path)
            .map(|(route, params)| (&*route.info, params))
    }

    fn find(
        &self,
        method: &Method,
        segments: &[std::borrow::Cow<'_, str>],
    ) -> Option<(&Route, Params)> {
        self.routes.iter().find_map(|route| {
            if route.method.as_ref().is_some_and(|m| m != method) {
                return None;
            }
            route
                .pattern
                .matches(segments)
                .map(|params| (route, params))
        })
    }
}

impl Conn {
    /// The route that matched this request, once routed.
    pub fn route(&self) -> Option<&RouteInfo> {
        self.internals().route.as_deref()
    }
}

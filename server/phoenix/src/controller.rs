//! Controllers: plugs of their own, then an action.
//!
//! A controller is a type implementing [`Controller`]; its actions are
//! `async fn(Conn, Params) -> Result<Conn>` associated functions named in the
//! router. Actions match on params the way the seed's multi-clause functions do:
//!
//! ```
//! use phoenix::prelude::*;
//!
//! pub struct PageController;
//!
//! impl Controller for PageController {
//!     type View = PageView;
//! }
//!
//! impl PageController {
//!     pub async fn show(conn: Conn, params: Params) -> Result<Conn> {
//!         match params.get_str("page") {
//!             Some("admin") => conn.redirect_to("/pages/unauthorized"),
//!             Some(page) => {
//!                 let title = format!("Showing page {page}");
//!                 conn.assign("title", title).render("show.html").await
//!             }
//!             None => Err(Error::msg(StatusCode::BAD_REQUEST, "missing page")),
//!         }
//!     }
//! }
//!
//! #[derive(Default)]
//! pub struct PageView;
//! impl View for PageView { fn name(&self) -> &'static str { "page" } }
//! ```

use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::conn::Conn;
use crate::error::Result;
use crate::params::Params;
use crate::plug::{Chain, Pipeline, Plug};
use crate::view::View;

/// A controller: its view and the plugs that run before each of its actions.
pub trait Controller: Send + Sync + 'static {
    /// The view that renders this controller's templates.
    type View: View + Default;

    /// Plugs run before every action (the seed's `plug :locale, default: "en"`).
    fn plugs() -> Pipeline {
        Pipeline::new()
    }
}

struct ActionFn<F>(F);

impl<F, Fut> Plug for ActionFn<F>
where
    F: Fn(Conn, Params) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Conn>> + Send + 'static,
{
    fn call(&self, conn: Conn) -> BoxFuture<'_, Result<Conn>> {
        let params = conn.params().clone();
        Box::pin((self.0)(conn, params))
    }
}

/// A controller action with the controller's plugs in front of it.
pub struct Action {
    view: Arc<dyn View>,
    chain: Chain,
}

/// Wraps an action of controller `C` (used by the code `router!` generates).
pub fn action<C, F, Fut>(f: F) -> Action
where
    C: Controller,
    F: Fn(Conn, Params) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Conn>> + Send + 'static,
{
    Action {
        view: Arc::new(C::View::default()),
        chain: C::plugs().into_chain(Arc::new(ActionFn(f))),
    }
}

impl Plug for Action {
    fn call(&self, mut conn: Conn) -> BoxFuture<'_, Result<Conn>> {
        conn.internals_mut().view = Some(self.view.clone());
        Box::pin(self.chain.run(conn))
    }
}

//! Controllers: plugs of their own, then an action.
//!
//! A controller is a type implementing [`Controller`]; its actions are async
//! functions named in the router that take the conn and what they need from
//! it as [extractors](crate::extract), and give the conn back:
//!
//! ```
//! use phoenix::prelude::*;
//! use maud::html;
//!
//! pub struct PageController;
//!
//! impl Controller for PageController {
//!     type View = PageView;
//! }
//!
//! impl PageController {
//!     /// `get "/pages/:page", PageController, show;`
//!     pub async fn show(conn: Conn, Path(page): Path<String>) -> Result<Conn> {
//!         match page.as_str() {
//!             "admin" => conn.redirect_to("/pages/unauthorized"),
//!             page => {
//!                 let title = format!("Showing page {page}");
//!                 conn.render(|_conn: &Conn| html! { h1 { (title) } }).await
//!             }
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
use crate::extract::FromConn;
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

/// An action: an async function of the conn and up to eight extractors,
/// `async fn(Conn, E1, ..., En) -> Result<Conn>`. The extractors run in
/// order before the function; the first that fails answers the request
/// with its error (a 400 naming the bad field, for instance).
pub trait Handler<Args>: Send + Sync + 'static {
    /// Extracts the arguments and runs the action.
    fn call(&self, conn: Conn) -> BoxFuture<'static, Result<Conn>>;
}

macro_rules! handler {
    ($($arg:ident),*) => {
        impl<F, Fut, $($arg,)*> Handler<($($arg,)*)> for F
        where
            F: Fn(Conn, $($arg,)*) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = Result<Conn>> + Send + 'static,
            $($arg: FromConn,)*
        {
            #[allow(non_snake_case)]
            fn call(&self, conn: Conn) -> BoxFuture<'static, Result<Conn>> {
                $(
                    let $arg = match $arg::from_conn(&conn) {
                        Ok(value) => value,
                        Err(err) => return Box::pin(std::future::ready(Err(err))),
                    };
                )*
                Box::pin(self(conn, $($arg,)*))
            }
        }
    };
}

handler!();
handler!(A1);
handler!(A1, A2);
handler!(A1, A2, A3);
handler!(A1, A2, A3, A4);
handler!(A1, A2, A3, A4, A5);
handler!(A1, A2, A3, A4, A5, A6);
handler!(A1, A2, A3, A4, A5, A6, A7);
handler!(A1, A2, A3, A4, A5, A6, A7, A8);

struct ActionFn<H, Args> {
    handler: H,
    _args: std::marker::PhantomData<fn() -> Args>,
}

impl<H: Handler<Args>, Args: 'static> Plug for ActionFn<H, Args> {
    fn call(&self, conn: Conn) -> BoxFuture<'_, Result<Conn>> {
        self.handler.call(conn)
    }
}

/// A controller action with the controller's plugs in front of it.
pub struct Action {
    view: Arc<dyn View>,
    chain: Chain,
}

/// Wraps an action of controller `C` (used by the code `router!` generates).
pub fn action<C, Args, H>(handler: H) -> Action
where
    C: Controller,
    Args: 'static,
    H: Handler<Args>,
{
    let action = ActionFn {
        handler,
        _args: std::marker::PhantomData,
    };
    Action {
        view: Arc::new(C::View::default()),
        chain: C::plugs().into_chain(Arc::new(action)),
    }
}

impl Plug for Action {
    fn call(&self, mut conn: Conn) -> BoxFuture<'_, Result<Conn>> {
        conn.internals_mut().view = Some(self.view.clone());
        Box::pin(self.chain.run(conn))
    }
}

//! What an application module usually needs: `use phoenix::prelude::*;`.

pub use crate::assigns::Key;
pub use crate::config::Config;
pub use crate::conn::Conn;
pub use crate::controller::Controller;
pub use crate::digest::static_path;
pub use crate::endpoint::Endpoint;
pub use crate::error::{Error, Exception, Result, WithStatus};
pub use crate::extract::{Form, Json, Path, Query};
pub use crate::i18n::{html_lang, t, t_args, Translations};
pub use crate::params::Params;
pub use crate::plug::{
    accepts, csrf_token, fetch_flash, fetch_session, protect_from_forgery,
    put_secure_browser_headers, Flash, Pipeline, Plug,
};
pub use crate::router::RoutePath;
pub use crate::state::State;
pub use crate::token::Token;
pub use crate::view::{Layout, Rendered, View};
pub use poem::http::StatusCode;

//! The demo's controllers.

pub mod api;
mod comment;
mod file;
mod page;
mod sitemap;
mod user;

pub use comment::CommentController;
pub use file::FileController;
pub use page::PageController;
pub use sitemap::SitemapController;
pub use user::UserController;

use phoenix::error::{register_exception, register_status, Exception};
use phoenix::prelude::*;

/// No user has the requested id: a 404 (the seed's `plug_status: 404`).
#[derive(Debug, thiserror::Error)]
#[error("no user with id {0}")]
pub struct UserNotFound(pub u64);

impl Exception for UserNotFound {
    fn status(&self) -> StatusCode {
        StatusCode::NOT_FOUND
    }
}

/// Maps the demo's errors to statuses, once: its own `UserNotFound`, and a
/// foreign type (the seed's `defimpl Plug.Exception, for: Ecto.NotSingleResult`):
/// an id that is not a number is a bad request.
pub fn register_exceptions() {
    register_exception::<UserNotFound>();
    register_status::<std::num::ParseIntError>(|_| StatusCode::BAD_REQUEST);
}

/// The `id`-like path parameter `key` as a number (a 400 if it is not one).
pub(crate) fn id_param(params: &Params, key: &str) -> Result<u64> {
    Ok(params.get_str(key).unwrap_or_default().parse::<u64>()?)
}

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

use phoenix::prelude::*;

/// No user has the requested id: a 404 (the seed's `plug_status: 404`).
/// `?` gives it its status; nothing is registered anywhere.
#[derive(Debug, thiserror::Error)]
#[error("no user with id {0}")]
pub struct UserNotFound(pub u64);

impl Exception for UserNotFound {
    fn status(&self) -> StatusCode {
        StatusCode::NOT_FOUND
    }
}

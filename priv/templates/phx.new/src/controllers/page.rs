//! `PageController`: the home page.

use phoenix::prelude::*;

use crate::views::page::{self as view, PageView};

/// Static pages.
pub struct PageController;

impl Controller for PageController {
    type View = PageView;
}

impl PageController {
    /// `GET /`
    pub async fn index(conn: Conn) -> Result<Conn> {
        conn.render(view::index).await
    }
}

//! `SitemapController`: the seed's sitemap, rendered by response content type.

use phoenix::prelude::*;

use crate::repo;
use crate::router::helpers::{page_path, user_path};
use crate::views::SitemapView;

/// `/sitemap.xml`
pub struct SitemapController;

impl Controller for SitemapController {
    type View = SitemapView;
}

impl SitemapController {
    /// `put_resp_content_type("text/xml")` then `render("sitemap")` picks
    /// `sitemap.xml` (a MiniJinja template).
    pub async fn sitemap(conn: Conn, _params: Params) -> Result<Conn> {
        let mut urls = vec![
            conn.url(&RoutePath::root()),
            conn.url(&page_path::show("about")),
            conn.url(&user_path::index()),
        ];
        urls.extend(
            repo::list_users()
                .iter()
                .map(|u| conn.url(&user_path::show(u.id))),
        );
        conn.assign("urls", urls)
            .put_resp_content_type("text/xml")
            .render("sitemap")
            .await
    }
}

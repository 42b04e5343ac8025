//! `SitemapController`: the seed's sitemap, rendered by response content type.

use phoenix::prelude::*;
use phoenix::view::File;
use serde::Serialize;

use crate::repo::{self, Repo};
use crate::router::helpers::{page_path, user_path};
use crate::views::SitemapView;

/// `/sitemap.xml`
pub struct SitemapController;

impl Controller for SitemapController {
    type View = SitemapView;
}

/// The variables of `sitemap/sitemap.xml.jinja`.
#[derive(Serialize)]
struct Sitemap {
    urls: Vec<String>,
}

impl SitemapController {
    /// `put_resp_content_type("text/xml")` then rendering `"sitemap"` picks
    /// `sitemap.xml` (a MiniJinja template).
    pub async fn sitemap(conn: Conn, State(repo): State<Repo>) -> Result<Conn> {
        let mut urls = vec![
            conn.url(&RoutePath::root()),
            conn.url(&page_path::show("about")),
            conn.url(&user_path::index()),
        ];
        urls.extend(
            repo::list_users(&repo)
                .await?
                .iter()
                .map(|u| conn.url(&user_path::show(u.id))),
        );
        conn.put_resp_content_type("text/xml")
            .render(File::new("sitemap", &Sitemap { urls }))
            .await
    }
}

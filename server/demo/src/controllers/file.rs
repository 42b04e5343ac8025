//! `FileController`: the seed's glob route `/files/*path`.

use phoenix::prelude::*;
use phoenix::view::File;
use serde::Serialize;

use crate::views::base::{html, t_markup_args};
use crate::views::FileView;

/// Shows the segments a glob captured.
pub struct FileController;

impl Controller for FileController {
    type View = FileView;
}

/// The variables of `file/show.html.j2`.
#[derive(Serialize)]
struct ShowPage {
    path: String,
    segments: Vec<String>,
    /// The heading, in the conn's locale.
    title: String,
    /// "The glob `*path` captured 3 segments:", as escaped HTML.
    captured: String,
}

impl FileController {
    /// `GET /files/*path`
    pub async fn show(conn: Conn, Path(segments): Path<Vec<String>>) -> Result<Conn> {
        let path = segments.join("/");
        let title = t_args(&conn, "file-title", &[("path", path.as_str().into())]);
        let captured = t_markup_args(
            &conn,
            "file-captured",
            &[("glob", html! { code { "*path" } })],
            &[("count", segments.len().into())],
        )
        .into_string();
        let page = ShowPage {
            path,
            segments,
            title,
            captured,
        };
        conn.render(File::new("show.html", &page)).await
    }
}

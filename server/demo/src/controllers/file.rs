//! `FileController`: the seed's glob route `/files/*path`.

use phoenix::prelude::*;
use phoenix::view::File;
use serde::Serialize;

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
}

impl FileController {
    /// `GET /files/*path`
    pub async fn show(conn: Conn, Path(segments): Path<Vec<String>>) -> Result<Conn> {
        let page = ShowPage {
            path: segments.join("/"),
            segments,
        };
        conn.render(File::new("show.html", &page)).await
    }
}

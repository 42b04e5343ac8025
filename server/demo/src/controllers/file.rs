//! `FileController`: the seed's glob route `/files/*path`.

use phoenix::prelude::*;

use crate::views::FileView;

/// Shows the segments a glob captured.
pub struct FileController;

impl Controller for FileController {
    type View = FileView;
}

impl FileController {
    /// `GET /files/*path`
    pub async fn show(conn: Conn, params: Params) -> Result<Conn> {
        let segments: Vec<String> = params.extract_at("path")?;
        conn.assign("segments", &segments)
            .assign("path", segments.join("/"))
            .render("show.html")
            .await
    }
}

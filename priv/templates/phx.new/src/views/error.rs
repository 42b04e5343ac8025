//! `ErrorView`: the 404 and 500 pages, in HTML and JSON.

use serde_json::json;

use super::base::*;

/// Renders `404.html`, `500.json`, ... (`render_errors.view = "error"`).
#[derive(Default)]
pub struct ErrorView;

impl View for ErrorView {
    fn name(&self) -> &'static str {
        "error"
    }

    fn render(&self, template: &str, conn: &Conn) -> Option<Result<Rendered>> {
        let error = conn.get_assign(phoenix::error::ERROR)?;
        let status = error.status;
        if template.ends_with(".json") {
            return Some(Ok(Rendered::json(
                &json!({ "errors": { "detail": error.reason } }),
            )));
        }
        let markup = html! {
            (DOCTYPE)
            html lang=(html_lang(conn)) {
                head {
                    meta charset="utf-8";
                    title { (status.as_u16()) " · " (error.reason) }
                    link rel="stylesheet" href=(static_path(conn, "/css/app.css"));
                }
                body {
                    main.container {
                        h1 { (status.as_u16()) " " (error.reason) }
                        @if status == StatusCode::NOT_FOUND {
                            p { (t(conn, "not-found")) }
                        } @else if status.is_client_error() {
                            p { (error.message) }
                        } @else {
                            p { (t(conn, "server-error")) }
                        }
                        p { a href="/" { (t(conn, "back-home")) } }
                    }
                }
            }
        };
        Some(Ok(markup.into()))
    }
}

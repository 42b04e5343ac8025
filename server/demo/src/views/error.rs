//! `ErrorView`: custom 404 and 500 pages in HTML and JSON.

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
        let page = |code: &str, heading: &str, text: &str| -> Rendered {
            html! {
                (DOCTYPE)
                html lang="en" {
                    head {
                        meta charset="utf-8";
                        title { (code) " · " (heading) }
                        link rel="stylesheet" href="/css/app.css";
                    }
                    body.error-page {
                        main {
                            p.code { (code) }
                            h1 { (heading) }
                            p { (text) }
                            p { a.button href="/" { "Back to the home page" } }
                        }
                    }
                }
            }
            .into()
        };
        Some(Ok(match template {
            "404.html" => page(
                "404",
                "Page not found",
                "Sorry, there is nothing at this address.",
            ),
            "500.html" => page(
                "500",
                "Something went wrong",
                "The error was logged; please try again in a moment.",
            ),
            "404.json" => Rendered::json(&json!({ "errors": { "detail": "Not Found" } })),
            "500.json" => {
                Rendered::json(&json!({ "errors": { "detail": "Internal Server Error" } }))
            }
            // Other client errors say what was wrong with the request.
            other => {
                let error = conn.get_assign(phoenix::error::ERROR)?;
                if !error.status.is_client_error() {
                    return None;
                }
                let code = error.status.as_u16().to_string();
                if other.ends_with(".json") {
                    Rendered::json(&json!({
                        "errors": { "detail": error.reason, "message": error.message }
                    }))
                } else {
                    page(&code, error.reason, &error.message)
                }
            }
        }))
    }
}

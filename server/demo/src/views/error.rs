//! `ErrorView`: custom 404 and 500 pages in HTML and JSON.

use serde_json::json;

use super::base::*;
use phoenix::i18n::FluentValue;

/// Renders `404.html`, `500.json`, ... (`render_errors.view = "error"`).
#[derive(Default)]
pub struct ErrorView;

impl View for ErrorView {
    fn name(&self) -> &'static str {
        "error"
    }

    fn render(&self, template: &str, conn: &Conn) -> Option<Result<Rendered>> {
        let translations = conn.state::<Translations>().ok();
        // The `locale` plug's choice; when no route matched (no pipeline
        // ran), the framework's from `?locale=` and Accept-Language.
        let locale = conn.locale().to_string();
        // A message in the page's locale; `fallback` without translations.
        let tr = |key: &str, fallback: &str| -> String {
            match translations {
                Some(translations) if translations.has(&locale, key) => {
                    translations.t(&locale, key, &[] as &[(&str, FluentValue<'_>)])
                }
                _ => fallback.to_string(),
            }
        };
        let back = tr("error-back-home", "Back to the home page");
        let page = |code: &str, heading: &str, text: &str| -> Rendered {
            html! {
                (DOCTYPE)
                html lang=(locale) {
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
                            p { a.button href="/" { (back) } }
                        }
                    }
                }
            }
            .into()
        };
        Some(Ok(match template {
            "404.html" => page(
                "404",
                &tr("error-404-title", "Page not found"),
                &tr("error-404-text", "Sorry, there is nothing at this address."),
            ),
            "500.html" => page(
                "500",
                &tr("error-500-title", "Something went wrong"),
                &tr(
                    "error-500-text",
                    "The error was logged; please try again in a moment.",
                ),
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
                    // The heading in the page's locale; the detail is the
                    // framework's (English) explanation.
                    let heading = tr(&format!("error-{code}"), error.reason);
                    page(&code, &heading, &error.message)
                }
            }
        }))
    }
}

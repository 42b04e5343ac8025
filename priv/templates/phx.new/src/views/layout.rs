//! `LayoutView`: the `application` layout around every page.

use super::base::*;

/// Renders layouts; the page is `conn.inner_content()`.
#[derive(Default)]
pub struct LayoutView;

impl View for LayoutView {
    fn name(&self) -> &'static str {
        "layout"
    }

    fn render(&self, template: &str, conn: &Conn) -> Option<Result<Rendered>> {
        if template != "application.html" {
            return None;
        }
        let title = match conn.get_assign(TITLE) {
            Some(title) => format!("{title} · {{ app_module }}"),
            None => "{{ app_module }}".to_string(),
        };
        let markup = html! {
            (DOCTYPE)
            html lang=(html_lang(conn)) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="csrf-token" content=(csrf_token(conn));
                    title { (title) }
                    link rel="stylesheet" href=(static_path(conn, "/css/app.css"));
                }
                body {
                    header.site {
                        a.brand href="/" { "{{ app_module }}" }
                        nav {
                            a href="/" { (t(conn, "nav-home")) }
                        }
                    }
                    main.container {
                        (flash_messages(conn))
                        (conn.inner_content())
                    }
                    script src=(static_path(conn, "/js/phoenix.js")) {}
                    script src=(static_path(conn, "/js/app.js")) {}
                }
            }
        };
        Some(Ok(markup.into()))
    }
}

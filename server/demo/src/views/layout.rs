//! `LayoutView`: the `application` and `plain` layouts.

use super::base::*;

/// Renders layouts; the page is `conn.inner_content()` (the seed's `@inner`).
#[derive(Default)]
pub struct LayoutView;

fn nav_link(conn: &Conn, path: &str, label: &str) -> Markup {
    let current = conn.path() == path || (path != "/" && conn.path().starts_with(path));
    html! { a href=(path) aria-current=[current.then_some("page")] { (label) } }
}

impl View for LayoutView {
    fn name(&self) -> &'static str {
        "layout"
    }

    fn render(&self, template: &str, conn: &Conn) -> Option<Result<Rendered>> {
        let page_title = match conn.get_assign(TITLE) {
            Some(t) => format!("{t} · Phoenix demo"),
            None => "Phoenix demo".to_string(),
        };
        let markup = match template {
            "application.html" => html! {
                (DOCTYPE)
                html lang="en" {
                    head {
                        meta charset="utf-8";
                        meta name="viewport" content="width=device-width, initial-scale=1";
                        title { (page_title) }
                        link rel="stylesheet" href="/css/app.css";
                    }
                    body {
                        header.site {
                            a.brand href="/" { span.logo aria-hidden="true" {} "Phoenix" span.rust { " in Rust" } }
                            nav {
                                (nav_link(conn, "/", "Home"))
                                (nav_link(conn, &page_path::show("about").to_string(), "About"))
                                (nav_link(conn, &user_path::index().to_string(), "Users"))
                                (nav_link(conn, "/chat", "Chat"))
                                (nav_link(conn, "/session", "Session"))
                            }
                        }
                        main {
                            // Every message of every key: the seed's
                            // `for notice <- Flash.get_all(@conn, :notice)` for all keys.
                            (flash_messages(conn))
                            (conn.inner_content())
                        }
                        footer.site { (title()) " · served by the phoenix framework for Rust" }
                    }
                }
            },
            "plain.html" => html! {
                (DOCTYPE)
                html lang="en" {
                    head { meta charset="utf-8"; title { (page_title) } }
                    body.plain { (flash_messages(conn)) (conn.inner_content()) }
                }
            },
            _ => return None,
        };
        Some(Ok(markup.into()))
    }
}

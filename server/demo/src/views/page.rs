//! `PageView`: the seed's view example, with `display` and `render("show.json")`.

use serde_json::json;

use super::base::*;

/// Pages.
#[derive(Default)]
pub struct PageView;

/// The seed's `display(something)`.
pub fn display(something: &str) -> String {
    something.to_uppercase()
}

impl View for PageView {
    fn name(&self) -> &'static str {
        "page"
    }

    fn render(&self, template: &str, conn: &Conn) -> Option<Result<Rendered>> {
        let rendered = match template {
            "index.html" => html! {
                section.hero {
                    h1 { (title()) }
                    p.lead { "The message is " strong { (display(conn.assign_str("message"))) } "." }
                    p { "Every page here is a piece of the Phoenix 0.7 README, rebuilt in Rust." }
                }
                section.cards {
                    article.card {
                        h2 { "Routing" }
                        ul {
                            li { a href=(page_path::show("about")) { "A page" } " · " a href=(page_path::show("admin")) { "an admin page" } " (redirects)" }
                            li { a href=(file_path::show("docs/guide/intro.md")) { "A glob route" } }
                            li { a href=(user_path::index()) { "Users" } ", with nested comments" }
                        }
                    }
                    article.card {
                        h2 { "Formats" }
                        ul {
                            li { a href=(page_path::show("about").query([("format", "json")])) { "A page as JSON" } }
                            li { a href=(api_user_path::index()) { "The JSON API" } }
                            li { a href="/sitemap.xml" { "The sitemap" } }
                        }
                    }
                    article.card {
                        h2 { "Layouts and errors" }
                        ul {
                            li { a href="/plain" { "The plain layout" } " · " a href="/bare" { "no layout" } }
                            li { a href="/no/such/page" { "A 404 page" } " · " a href="/crash" { "a crash" } }
                            li { a href="/session" { "The session" } }
                        }
                    }
                }
            }
            .into(),
            "show.html" => html! {
                h1 { (conn.assign_str("title")) }
                p { "This page's full URL is " code { (conn.assign_str("url")) } "." }
                p { a href=(page_path::show("about").query([("format", "json")])) { "See it as JSON" } }
            }
            .into(),
            // The seed's `def render("show.json", %{page: page})`.
            "show.json" => Rendered::json(&json!({
                "title": conn.assign_str("title"),
                "url": conn.assign_str("url"),
            })),
            _ => return None,
        };
        Some(Ok(rendered))
    }
}

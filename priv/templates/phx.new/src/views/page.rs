//! `PageView`: the home page.

use super::base::*;

/// Pages.
#[derive(Default)]
pub struct PageView;

impl View for PageView {
    fn name(&self) -> &'static str {
        "page"
    }
}

/// `GET /`: a welcome, and a live room over the `/socket` channel.
pub fn index(conn: &Conn) -> Markup {
    html! {
        section.hero {
            h1 { (t(conn, "welcome")) }
            p { (t(conn, "tagline")) }
        }
        section.room {
            h2 { "room:lobby " span #room-state data-state="connecting" { "connecting…" } }
            ul #messages aria-live="polite" {}
            form #shout autocomplete="off" {
                input #shout-body type="text" placeholder=(t(conn, "room-placeholder")) aria-label=(t(conn, "room-message-label"));
                button type="submit" { (t(conn, "room-shout")) }
            }
        }
        section.next {
            h2 { (t(conn, "next-steps")) }
            ul {
                li { "Edit " code { "src/views/page.rs" } " or " code { "priv/locales/en/main.ftl" } ": with " code { "phx server" } " running, this page reloads by itself." }
                li { "Generate a resource: " code { "phx gen.html Blog Post posts title:string body:text" } }
                li { "List the routes: " code { "phx routes" } }
            }
        }
    }
}

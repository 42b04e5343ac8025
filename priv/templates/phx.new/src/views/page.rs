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
pub fn index(_conn: &Conn) -> Markup {
    html! {
        section.hero {
            h1 { "Welcome to {{ app_module }}!" }
            p { "A productive web framework that does not compromise speed and maintainability." }
        }
        section.room {
            h2 { "room:lobby " span #room-state data-state="connecting" { "connecting…" } }
            ul #messages aria-live="polite" {}
            form #shout autocomplete="off" {
                input #shout-body type="text" placeholder="Say something to everyone here" aria-label="Message";
                button type="submit" { "Shout" }
            }
        }
        section.next {
            h2 { "Next steps" }
            ul {
                li { "Edit " code { "src/views/page.rs" } ": with " code { "phx server" } " running, this page reloads by itself." }
                li { "Generate a resource: " code { "phx gen.html Blog Post posts title:string body:text" } }
                li { "List the routes: " code { "phx routes" } }
            }
        }
    }
}

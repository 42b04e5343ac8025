//! `PageView`: the seed's view example, with `display` and `render("show.json")`.

use serde::Serialize;

use super::base::*;

/// Pages.
#[derive(Default)]
pub struct PageView;

/// The chat's interface strings its script shows, in the conn's locale
/// (`data-i18n` on the chat; `{user}` and `{reason}` are filled in by the
/// script).
fn chat_strings(conn: &Conn) -> String {
    serde_json::json!({
        "you": t(conn, "chat-you"),
        "longPolling": t(conn, "chat-long-polling"),
        "connectedAs": t_args(conn, "chat-connected-as", &[("user", "{user}".into())]),
        "reconnecting": t(conn, "chat-reconnecting"),
        "couldNotJoin": t_args(conn, "chat-could-not-join", &[("reason", "{reason}".into())]),
        // The wasm chat names its client.
        "viaRust": t(conn, "chat-via-rust"),
        "viaRustLongPolling": t(conn, "chat-via-rust-long-polling"),
    })
    .to_string()
}

/// The chat's markup, shared by the phoenix.js and the wasm pages.
fn chat_box(conn: &Conn, room: &str) -> Markup {
    html! {
        section.chat data-i18n=(chat_strings(conn)) {
            header.chat-head {
                h1 { (t_args(conn, "chat-room", &[("room", room.into())])) }
                span #state.state data-state="connecting" { (t(conn, "chat-connecting")) }
            }
            div.chat-body {
                ol #messages.messages aria-live="polite" {}
                aside.people {
                    h2 { (t(conn, "chat-here-now")) }
                    ul #presence {}
                }
            }
            form #composer.composer autocomplete="off" {
                input #body type="text" placeholder=(t(conn, "chat-placeholder")) maxlength="500" aria-label=(t(conn, "chat-message"));
                button type="submit" { (t(conn, "chat-send")) }
            }
        }
    }
}

/// The seed's `display(something)`.
pub fn display(something: &str) -> String {
    something.to_uppercase()
}

impl View for PageView {
    fn name(&self) -> &'static str {
        "page"
    }
}

/// The seed's `index.html` with its `message`.
pub fn index(conn: &Conn, message: &str) -> Markup {
    let t = |key: &str| t(conn, key);
    html! {
        section.hero {
            h1 { (title(conn)) }
            p.lead { (t_markup(conn, "home-message", &[("message", html! { strong { (display(message)) } })])) }
            p { (t("home-intro")) }
        }
        section.cards {
            article.card {
                h2 { (t("home-routing")) }
                ul {
                    li { a href=(page_path::show("about")) { (t("home-a-page")) } " · " a href=(page_path::show("admin")) { (t("home-admin-page")) } " " (t("home-redirects")) }
                    li { a href=(file_path::show("docs/guide/intro.md")) { (t("home-glob")) } }
                    li { a href=(user_path::index()) { (t("nav-users")) } (t("home-users-nested")) }
                }
            }
            article.card {
                h2 { (t("home-formats")) }
                ul {
                    li { a href=(page_path::show("about").query([("format", "json")])) { (t("home-page-json")) } }
                    li { a href=(api_user_path::index()) { (t("home-json-api")) } }
                    li { a href="/sitemap.xml" { (t("home-sitemap")) } }
                }
            }
            article.card {
                h2 { (t("home-layouts")) }
                ul {
                    li { a href="/plain" { (t("home-plain")) } " · " a href="/bare" { (t("home-bare")) } }
                    li { a href="/no/such/page" { (t("home-404")) } " · " a href="/crash" { (t("home-crash")) } }
                    li { a href="/session" { (t("home-session")) } }
                }
            }
        }
    }
}

/// A page of the seed's `show` action.
pub fn show(conn: &Conn, title: &str, url: &str) -> Markup {
    html! {
        h1 { (title) }
        p { (t_markup(conn, "page-url", &[("url", html! { code { (url) } })])) }
        p { a href=(page_path::show("about").query([("format", "json")])) { (t(conn, "page-see-json")) } }
    }
}

/// The seed's `def render("show.json", %{page: page})`.
#[derive(Debug, Serialize)]
pub struct PageJson {
    /// The page's title.
    pub title: String,
    /// Its full URL.
    pub url: String,
}

/// The chat on phoenix.js, as `user`, whom `token` vouches for to the socket.
pub fn chat(conn: &Conn, user: &str, token: &str, room: &str) -> Markup {
    html! {
        (chat_box(conn, room))
        input #user type="hidden" value=(user);
        input #user-token type="hidden" value=(token);
        input #room type="hidden" value=(room);
        script src="/js/phoenix.js" {}
        script src="/js/demo/chat.js" {}
    }
}

/// The same chat, run by the Rust client compiled to wasm.
pub fn wasm(conn: &Conn, user: &str, token: &str) -> Markup {
    html! {
        (chat_box(conn, "lobby"))
        input #user type="hidden" value=(user);
        input #user-token type="hidden" value=(token);
        script type="module" src="/js/demo/wasm.js" {}
    }
}

/// The seed's JavaScript API at work.
pub fn seed_api(conn: &Conn) -> Markup {
    html! {
        h1 { (t(conn, "seed-api-title")) }
        p { (t_markup(conn, "seed-api-text", &[
            ("call", html! { code { "socket.join(\"room\", \"lobby\", params, callback)" } }),
            ("path", html! { code { "/ws" } }),
        ])) }
        ol #log.log {}
        script src="/js/phoenix.js" {}
        script src="/js/demo/seed.js" {}
    }
}

/// The modern JavaScript API at work.
pub fn modern_api(conn: &Conn) -> Markup {
    html! {
        h1 { (t(conn, "modern-api-title")) }
        p { (t_markup(conn, "modern-api-text", &[
            ("module", html! { code { "/js/phoenix.mjs" } }),
            ("call", html! { code { "socket.channel(...).join()" } }),
        ])) }
        ol #log.log {}
        script type="module" src="/js/demo/modern.js" {}
    }
}

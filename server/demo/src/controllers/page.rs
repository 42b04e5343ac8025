//! `PageController`: the seed's controller example, layouts and sessions.

use phoenix::prelude::*;
use serde_json::json;

use crate::router::helpers::page_path;
use crate::views::PageView;

/// Static pages.
pub struct PageController;

impl Controller for PageController {
    type View = PageView;
}

impl PageController {
    /// The seed's `render conn, "index", message: "hello"`.
    pub async fn index(conn: Conn, _params: Params) -> Result<Conn> {
        // The seed's `PubSub.broadcast "logging", {:action, controller: "pages", action: "index"}`.
        let _ = conn.pubsub().broadcast(
            "logging",
            "action",
            json!({ "controller": "pages", "action": "index" }),
        );
        conn.render_with("index.html", json!({ "message": "hello" }))
            .await
    }

    /// The chat: `room:lobby` over `/socket`, through `/js/phoenix.js`.
    pub async fn chat(conn: Conn, params: Params) -> Result<Conn> {
        let user = params.get_str("user").unwrap_or("").trim().to_string();
        let room = params.get_str("room").unwrap_or("lobby").to_string();
        conn.assign("title", "Chat")
            .assign("user", user)
            .assign("room", room)
            .render("chat.html")
            .await
    }

    /// The chat again, run by the Rust client compiled to wasm (`client-wasm/example`).
    pub async fn wasm(conn: Conn, params: Params) -> Result<Conn> {
        let user = params.get_str("user").unwrap_or("").trim().to_string();
        conn.assign("title", "Chat (Rust)")
            .assign("user", user)
            .assign("room", "lobby")
            .render("wasm.html")
            .await
    }

    /// The seed's JavaScript API at work (`socket.join("rooms", "lobby", ...)`).
    pub async fn seed_api(conn: Conn, _params: Params) -> Result<Conn> {
        conn.assign("title", "Seed API")
            .render("seed_api.html")
            .await
    }

    /// The modern JavaScript API at work (ES module, `socket.channel(...)`).
    pub async fn modern_api(conn: Conn, _params: Params) -> Result<Conn> {
        conn.assign("title", "Modern API")
            .render("modern_api.html")
            .await
    }

    /// Plain text through the whole browser pipeline (the benchmark's route).
    pub async fn ping(conn: Conn, _params: Params) -> Result<Conn> {
        conn.text("pong")
    }

    /// The same page in the `plain` layout (`put_layout("plain")`).
    pub async fn plain(conn: Conn, _params: Params) -> Result<Conn> {
        conn.put_layout("plain")
            .render_with("index.html", json!({ "message": "hello" }))
            .await
    }

    /// The same page without a layout (`put_layout(:none)`).
    pub async fn bare(conn: Conn, _params: Params) -> Result<Conn> {
        conn.put_layout(false)
            .render_with("index.html", json!({ "message": "hello" }))
            .await
    }

    /// The seed's session example, plus a visit counter; `?clear=1` empties
    /// the session and `?forget=visits` deletes one key.
    pub async fn session(conn: Conn, params: Params) -> Result<Conn> {
        if params.get_str("clear") == Some("1") {
            conn.clear_session().await?;
        }
        if let Some(key) = params.get_str("forget") {
            conn.delete_session(key).await?;
        }
        conn.put_session("foo", "bar").await?;
        let value: String = conn.get_session("foo").await?.unwrap_or_default();
        let visits: u64 = conn.get_session("visits").await?.unwrap_or(0) + 1;
        conn.put_session("visits", visits).await?;
        conn.text(format!("{value} (visit {visits})"))
    }

    /// Panics, to show that a crashing action gets a 500 page and the server
    /// goes on. Only in dev and test.
    pub async fn crash(conn: Conn, _params: Params) -> Result<Conn> {
        if matches!(conn.app().env(), "dev" | "test") {
            panic!("this action crashes on purpose");
        }
        Err(Error::msg(StatusCode::NOT_FOUND, "not found"))
    }

    /// The seed's `show`, matching on the `page` param.
    pub async fn show(conn: Conn, params: Params) -> Result<Conn> {
        match params.get_str("page") {
            Some("admin") => conn.redirect_to(page_path::show("unauthorized")),
            Some(page) => {
                let title = format!("Showing page {page}");
                let url = conn.url(&page_path::show(page));
                conn.assign("title", title)
                    .assign("url", url)
                    .render("show")
                    .await
            }
            None => Err(Error::msg(StatusCode::BAD_REQUEST, "missing page")),
        }
    }
}

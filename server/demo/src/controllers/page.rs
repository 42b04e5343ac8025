//! `PageController`: the seed's controller example, layouts and sessions.

use phoenix::prelude::*;
use serde::Deserialize;
use serde_json::json;

use crate::channels::USER_TOKEN_SALT;
use crate::router::helpers::page_path;
use crate::views::page::{self as view, PageJson};
use crate::views::{PageView, TITLE};
use crate::DemoSettings;

/// Static pages.
pub struct PageController;

impl Controller for PageController {
    type View = PageView;
}

/// `?user=...&room=...` of the chat pages.
#[derive(Deserialize)]
pub struct ChatQuery {
    #[serde(default)]
    user: String,
    room: Option<String>,
}

/// The session key of the chat's user.
const CHAT_USER: &str = "chat_user";

/// The chat's user: the `?user=` query, else the session's, else a new
/// `<prefix>-NNNN`; kept in the session for the next page.
async fn chat_user(conn: &Conn, query: &str, prefix: &str) -> Result<String> {
    let user = match query.trim() {
        "" => match conn.get_session::<String>(CHAT_USER).await? {
            Some(user) if !user.is_empty() => user,
            _ => format!("{prefix}-{}", 1000 + random_u64() % 9000),
        },
        user => user.to_string(),
    };
    conn.put_session(CHAT_USER, &user).await?;
    Ok(user)
}

/// A random number (std's randomly keyed hasher; enough for a guest's name).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

/// `?clear=1` and `?forget=<key>` of the session page.
#[derive(Deserialize)]
pub struct SessionQuery {
    #[serde(default)]
    clear: bool,
    forget: Option<String>,
}

impl PageController {
    /// The seed's `render conn, "index", message: "hello"`.
    pub async fn index(conn: Conn) -> Result<Conn> {
        // The seed's `PubSub.broadcast "logging", {:action, controller: "pages", action: "index"}`.
        let _ = conn.pubsub().broadcast(
            "logging",
            "action",
            json!({ "controller": "pages", "action": "index" }),
        );
        conn.render(|conn: &Conn| view::index(conn, "hello")).await
    }

    /// The chat: `room:lobby` over `/socket`, through `/js/phoenix.js`. The
    /// page hands the script a token signed for the session's user, which
    /// the socket trusts.
    pub async fn chat(conn: Conn, Query(query): Query<ChatQuery>) -> Result<Conn> {
        let room = query.room.unwrap_or_else(|| "lobby".into());
        let user = chat_user(&conn, &query.user, "guest").await?;
        let token = Token::sign(&conn, USER_TOKEN_SALT, &user);
        let title = t(&conn, "chat-title");
        conn.assign(TITLE, title)
            .render(|conn: &Conn| view::chat(conn, &user, &token, &room))
            .await
    }

    /// The chat again, run by the Rust client compiled to wasm (`client-wasm/example`).
    pub async fn wasm(conn: Conn, Query(query): Query<ChatQuery>) -> Result<Conn> {
        let user = chat_user(&conn, &query.user, "rustacean").await?;
        let token = Token::sign(&conn, USER_TOKEN_SALT, &user);
        let title = t(&conn, "chat-wasm-title");
        conn.assign(TITLE, title)
            .render(|conn: &Conn| view::wasm(conn, &user, &token))
            .await
    }

    /// The seed's JavaScript API at work (`socket.join("rooms", "lobby", ...)`).
    pub async fn seed_api(conn: Conn) -> Result<Conn> {
        let title = t(&conn, "seed-api-short");
        conn.assign(TITLE, title).render(view::seed_api).await
    }

    /// The modern JavaScript API at work (ES module, `socket.channel(...)`).
    pub async fn modern_api(conn: Conn) -> Result<Conn> {
        let title = t(&conn, "modern-api-short");
        conn.assign(TITLE, title).render(view::modern_api).await
    }

    /// Plain text through the whole browser pipeline (the benchmark's route).
    pub async fn ping(conn: Conn) -> Result<Conn> {
        conn.text("pong")
    }

    /// The same page in the `plain` layout (`put_layout("plain")`).
    pub async fn plain(conn: Conn) -> Result<Conn> {
        conn.put_layout("plain")
            .render(|conn: &Conn| view::index(conn, "hello"))
            .await
    }

    /// The same page without a layout (`put_layout(:none)`).
    pub async fn bare(conn: Conn) -> Result<Conn> {
        conn.put_layout(false)
            .render(|conn: &Conn| view::index(conn, "hello"))
            .await
    }

    /// The seed's session example, plus a visit counter; `?clear=1` empties
    /// the session and `?forget=visits` deletes one key.
    pub async fn session(conn: Conn, Query(query): Query<SessionQuery>) -> Result<Conn> {
        if query.clear {
            conn.clear_session().await?;
        }
        if let Some(key) = &query.forget {
            conn.delete_session(key).await?;
        }
        conn.put_session("foo", "bar").await?;
        let value: String = conn.get_session("foo").await?.unwrap_or_default();
        let visits: u64 = conn.get_session("visits").await?.unwrap_or(0) + 1;
        conn.put_session("visits", visits).await?;
        let text = t_args(
            &conn,
            "session-visit",
            &[("value", value.into()), ("visits", visits.into())],
        );
        conn.text(text)
    }

    /// Panics, to show that a crashing action gets a 500 page and the server
    /// goes on. Only where the settings allow it (dev and test).
    pub async fn crash(conn: Conn, State(settings): State<DemoSettings>) -> Result<Conn> {
        if settings.crash_allowed {
            panic!("this action crashes on purpose");
        }
        let _ = conn;
        Err(Error::msg(StatusCode::NOT_FOUND, "not found"))
    }

    /// The seed's `show`, matching on the `page` param: HTML or, with
    /// `?format=json`, the seed's `render("show.json", %{page: page})`.
    pub async fn show(conn: Conn, Path(page): Path<String>) -> Result<Conn> {
        if page == "admin" {
            return conn.redirect_to(page_path::show("unauthorized"));
        }
        let title = t_args(&conn, "page-showing", &[("page", page.as_str().into())]);
        let url = conn.url(&page_path::show(&page));
        if conn.format() == "json" {
            return conn.json(&PageJson { title, url });
        }
        conn.assign(TITLE, title.clone())
            .render(|conn: &Conn| view::show(conn, &title, &url))
            .await
    }
}

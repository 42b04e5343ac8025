//! The demo's router: the seed README's example, plus the pages around it.

use phoenix::i18n;
use phoenix::prelude::*;

phoenix::router! {
    // The seed mounted its socket at `/ws`; Phoenix's generator uses `/socket`.
    socket "/socket", crate::channels::UserSocket;
    socket "/ws", crate::channels::UserSocket;

    pipeline browser {
        plug accepts(["html", "json"]);
        plug fetch_session;
        plug i18n::locale;
        plug fetch_flash;
        plug protect_from_forgery;
        plug put_secure_browser_headers;
    }

    pipeline api {
        plug accepts(["json"]);
    }

    scope "/", alias crate::controllers {
        pipe_through browser;

        get "/", PageController, index;
        get "/ping", PageController, ping;
        get "/chat", PageController, chat;
        get "/wasm", PageController, wasm;
        get "/seed-api", PageController, seed_api;
        get "/modern-api", PageController, modern_api;
        get "/plain", PageController, plain;
        get "/bare", PageController, bare;
        get "/session", PageController, session;
        get "/crash", PageController, crash;
        get "/pages/:page", PageController, show;
        get "/files/*path", FileController, show;

        resources "/users", UserController {
            resources "/comments", CommentController, only [index, create, destroy];
        }
    }

    // No `accepts` here: crawlers ask for XML with all sorts of headers.
    scope "/", alias crate::controllers {
        get "/sitemap.xml", SitemapController, sitemap;
    }

    scope "/api", alias crate::controllers::api, as api {
        pipe_through api;

        resources "/users", UserController, except [new, edit];
    }
}

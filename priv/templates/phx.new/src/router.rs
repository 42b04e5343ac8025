//! The router: pipelines of plugs, scopes, and the socket at `/socket`.

use phoenix::i18n::locale;
use phoenix::prelude::*;

phoenix::router! {
    socket "/socket", crate::channels::UserSocket;

    pipeline browser {
        plug accepts(["html"]);
        plug fetch_session;
        plug fetch_flash;
        plug locale;
        plug protect_from_forgery;
        plug put_secure_browser_headers;
    }

    pipeline api {
        plug accepts(["json"]);
    }

    scope "/", alias crate::controllers {
        pipe_through browser;

        get "/", PageController, index;
    }

    // JSON resources (`phx gen.json`) go in a scope such as:
    // scope "/api", alias crate::controllers, as api {
    //     pipe_through api;
    //
    //     resources "/posts", PostController, except [new, edit];
    // }
}

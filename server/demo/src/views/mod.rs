//! The demo's views.
//!
//! Every view starts with `use super::base::*;`: the Rust counterpart of the
//! seed's `MyApp.View` `using` block, giving all templates the route helpers,
//! the HTML helpers, flash and the shared functions defined there.

pub mod api;
mod error;
mod layout;
pub mod page;
pub mod user;

pub use error::ErrorView;
pub use layout::LayoutView;
pub use page::{display, PageView};
pub use user::UserView;

use phoenix::assigns::Key;

/// The page's title, shown by the layout (set by actions).
pub const TITLE: Key<String> = Key::new("title");

/// What every view and template can use (the seed's `using do ... end`).
pub mod base {
    pub use crate::router::helpers::*;
    pub use maud::{html, Markup, PreEscaped, DOCTYPE};
    pub use phoenix::html::{button_to, csrf_input_tag, flash_messages, method_input_tag};
    pub use phoenix::prelude::*;

    pub use super::TITLE;
    pub use phoenix::i18n::{number, FluentValue, LOCALE};

    /// Available to all templates (the seed's `def title`), in the conn's
    /// locale.
    pub fn title(conn: &Conn) -> String {
        t(conn, "welcome")
    }

    /// Greeting in the conn's locale (`greeting` in `priv/locales`).
    pub fn greeting(conn: &Conn) -> String {
        t(conn, "greeting")
    }

    /// A translated sentence with markup in it: `key`'s text is escaped and
    /// each `$name` placeable of `parts` replaced by its markup (`The
    /// message is <strong>HELLO</strong>.`).
    pub fn t_markup(conn: &Conn, key: &str, parts: &[(&str, Markup)]) -> Markup {
        t_markup_args(conn, key, parts, &[])
    }

    /// [`t_markup`] with plain arguments too (`$count` for a plural).
    pub fn t_markup_args(
        conn: &Conn,
        key: &str,
        parts: &[(&str, Markup)],
        args: &[(&str, FluentValue<'_>)],
    ) -> Markup {
        let slots: Vec<String> = (0..parts.len()).map(|i| format!("\u{1}{i}\u{2}")).collect();
        let mut all: Vec<(&str, FluentValue<'_>)> = args.to_vec();
        for ((name, _), slot) in parts.iter().zip(&slots) {
            all.push((name, slot.as_str().into()));
        }
        let mut out = html! { (t_args(conn, key, &all)) }.into_string();
        for ((_, markup), slot) in parts.iter().zip(&slots) {
            out = out.replace(slot.as_str(), &markup.0);
        }
        PreEscaped(out)
    }
}

/// Declares a view that renders only file templates.
macro_rules! file_view {
    ($(#[$doc:meta])* $name:ident, $folder:literal) => {
        $(#[$doc])*
        #[derive(Default)]
        pub struct $name;

        impl phoenix::view::View for $name {
            fn name(&self) -> &'static str {
                $folder
            }
        }
    };
}

file_view!(
    /// Comments: `templates/comment/*.html.jinja`.
    CommentView,
    "comment"
);
file_view!(
    /// The sitemap: `templates/sitemap/sitemap.xml.jinja`.
    SitemapView,
    "sitemap"
);
file_view!(
    /// Files: `templates/file/show.html.j2`.
    FileView,
    "file"
);

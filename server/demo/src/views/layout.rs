//! `LayoutView`: the `application` and `plain` layouts.

use super::base::*;

/// Renders layouts; the page is `conn.inner_content()` (the seed's `@inner`).
#[derive(Default)]
pub struct LayoutView;

fn nav_link(conn: &Conn, path: &str, label: &str) -> Markup {
    let current = conn.path() == path || (path != "/" && conn.path().starts_with(path));
    html! { a href=(path) aria-current=[current.then_some("page")] { (label) } }
}

/// The locales the switcher offers, each named in its own language.
const LANGUAGES: [(&str, &str); 3] = [("en", "English"), ("fr", "Français"), ("de", "Deutsch")];

/// The language switcher: the current path with `?locale=...`; the
/// `locale` plug remembers the choice in the session.
fn language_switcher(conn: &Conn) -> Markup {
    let current = conn.locale();
    html! {
        nav.languages aria-label=(t(conn, "nav-language")) {
            @for (locale, name) in LANGUAGES {
                a href={ (conn.path()) "?locale=" (locale) } hreflang=(locale) lang=(locale)
                    aria-current=[(locale == current).then_some("true")] { (name) }
            }
        }
    }
}

impl View for LayoutView {
    fn name(&self) -> &'static str {
        "layout"
    }

    fn render(&self, template: &str, conn: &Conn) -> Option<Result<Rendered>> {
        let page_title = match conn.get_assign(TITLE) {
            Some(title) => t_args(conn, "page-title", &[("title", title.as_str().into())]),
            None => t(conn, "app-name"),
        };
        let lang = html_lang(conn);
        let markup = match template {
            "application.html" => html! {
                (DOCTYPE)
                html lang=(lang) {
                    head {
                        meta charset="utf-8";
                        meta name="viewport" content="width=device-width, initial-scale=1";
                        title { (page_title) }
                        link rel="stylesheet" href="/css/app.css";
                    }
                    body {
                        header.site {
                            a.brand href="/" { span.logo aria-hidden="true" {} "Phoenix" span.rust { " " (t(conn, "brand-suffix")) } }
                            nav {
                                (nav_link(conn, "/", &t(conn, "nav-home")))
                                (nav_link(conn, &page_path::show("about").to_string(), &t(conn, "nav-about")))
                                (nav_link(conn, &user_path::index().to_string(), &t(conn, "nav-users")))
                                (nav_link(conn, "/chat", &t(conn, "nav-chat")))
                                (nav_link(conn, "/session", &t(conn, "nav-session")))
                            }
                            (language_switcher(conn))
                        }
                        main {
                            // Every message of every key: the seed's
                            // `for notice <- Flash.get_all(@conn, :notice)` for all keys.
                            (flash_messages(conn))
                            (conn.inner_content())
                        }
                        footer.site { (t_args(conn, "footer", &[("title", title(conn).into())])) }
                    }
                }
            },
            "plain.html" => html! {
                (DOCTYPE)
                html lang=(lang) {
                    head { meta charset="utf-8"; title { (page_title) } }
                    body.plain { (flash_messages(conn)) (conn.inner_content()) }
                }
            },
            _ => return None,
        };
        Some(Ok(markup.into()))
    }
}

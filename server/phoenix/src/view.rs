//! Views render templates.
//!
//! A view is a type implementing [`View`]. Templates written in Rust (maud
//! markup, or a function returning JSON for `"show.json"`) are arms of its
//! [`View::render`] match; anything it does not render is looked up among the
//! file templates of the app's template engines (`<view name>/<template>.<engine ext>`,
//! see [`crate::template`]). HTML is wrapped in the layout chosen with
//! [`Conn::put_layout`] (`application` by default), rendered by the app's
//! layout view, which places the page with [`Conn::inner_content`].
//!
//! ```
//! use phoenix::prelude::*;
//! use phoenix::view::Rendered;
//! use maud::html;
//!
//! #[derive(Default)]
//! struct PageView;
//!
//! fn display(something: &str) -> String { something.to_uppercase() }
//!
//! impl View for PageView {
//!     fn name(&self) -> &'static str { "page" }
//!     fn render(&self, template: &str, conn: &Conn) -> Option<Result<Rendered>> {
//!         Some(Ok(match template {
//!             "index.html" => html! { p { (display(conn.assign_str("message"))) } }.into(),
//!             "show.json" => Rendered::json(&serde_json::json!({ "title": conn.assign_str("title") })),
//!             _ => return None,
//!         }))
//!     }
//! }
//! ```

use std::sync::Arc;

use maud::{Markup, PreEscaped};
use poem::http::StatusCode;
use serde::Serialize;

use crate::conn::Conn;
use crate::error::{Error, Result, TemplateError};
use crate::format::{ext_for, mime_for};

/// The output of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered(pub String);

impl Rendered {
    /// Serializes a value as the output of a `*.json` template.
    pub fn json(value: &impl Serialize) -> Rendered {
        Rendered(serde_json::to_string(value).unwrap_or_else(|e| {
            serde_json::json!({ "error": format!("could not encode JSON: {e}") }).to_string()
        }))
    }
}

impl From<Markup> for Rendered {
    fn from(markup: Markup) -> Self {
        Rendered(markup.into_string())
    }
}

impl From<String> for Rendered {
    fn from(text: String) -> Self {
        Rendered(text)
    }
}

impl From<&str> for Rendered {
    fn from(text: &str) -> Self {
        Rendered(text.to_string())
    }
}

/// A view: renders the templates of one controller (or of layouts, or errors).
pub trait View: Send + Sync + 'static {
    /// The folder of this view's file templates, e.g. `"page"` for `PageView`.
    fn name(&self) -> &'static str;

    /// Renders a template such as `"show.html"` or `"show.json"` that this view
    /// defines in Rust; `None` lets the file templates have a go.
    fn render(&self, template: &str, conn: &Conn) -> Option<Result<Rendered>> {
        let _ = (template, conn);
        None
    }
}

/// The layout of a conn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// A template of the layout view, e.g. `"application"` (`application.html`).
    Name(String),
    /// No layout.
    None,
}

impl From<&str> for Layout {
    fn from(name: &str) -> Self {
        Layout::Name(name.to_string())
    }
}

impl From<bool> for Layout {
    /// `false` is no layout (Phoenix's `put_layout(conn, false)`); `true` the default one.
    fn from(on: bool) -> Self {
        if on {
            Layout::Name(DEFAULT_LAYOUT.into())
        } else {
            Layout::None
        }
    }
}

/// The layout used when none is chosen.
pub const DEFAULT_LAYOUT: &str = "application";

impl Conn {
    /// Renders a template of the conn's view with the conn's assigns.
    ///
    /// `"show.html"` names the format; `"sitemap"` takes it from the response
    /// content type set with [`Conn::put_resp_content_type`], else from the
    /// request's format. HTML is wrapped in the layout.
    pub async fn render(mut self, template: &str) -> Result<Conn> {
        let name = if template.contains('.') {
            template.to_string()
        } else {
            let format = self
                .resp_content_type()
                .and_then(ext_for)
                .unwrap_or_else(|| self.format());
            format!("{template}.{format}")
        };
        let format = name.rsplit('.').next().unwrap_or("html").to_string();
        if format == "html" {
            // Pages may hold forms: make `csrf_token` work in them.
            crate::plug::fetch_csrf_token(&mut self).await?;
        }
        let view = self.internals().view.clone().ok_or_else(|| {
            Error::msg(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot render {name:?}: the conn has no view (call put_view)"),
            )
        })?;
        let mut body = render_template(view.as_ref(), &name, &self)?;
        let layout = self
            .internals()
            .layout
            .clone()
            .unwrap_or_else(|| Layout::Name(DEFAULT_LAYOUT.into()));
        if let (Layout::Name(layout), "html") = (&layout, format.as_str()) {
            if let Some(layout_view) = self.app().layout_view.clone() {
                self.internals_mut().inner_content = Some(Arc::from(body.0));
                let layout_name = format!("{layout}.html");
                body = render_template(layout_view.as_ref(), &layout_name, &self)?;
            }
        }
        if self.resp_content_type().is_none() {
            let mime = mime_for(&format).unwrap_or("application/octet-stream");
            self = self.put_resp_content_type(mime);
        }
        let status = self.status().unwrap_or(StatusCode::OK);
        self.send_resp(status, body.0)
    }

    /// Adds assigns then renders (the seed's `render conn, "index", message: "hello"`).
    pub async fn render_with(mut self, template: &str, assigns: impl Serialize) -> Result<Conn> {
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(assigns) {
            for (k, v) in map {
                self.put_assign(k, v);
            }
        }
        self.render(template).await
    }

    /// Chooses the layout: a name, or `false` for none.
    pub fn put_layout(mut self, layout: impl Into<Layout>) -> Self {
        self.internals_mut().layout = Some(layout.into());
        self
    }

    /// Chooses the view that renders this conn's templates.
    pub fn put_view(mut self, view: impl View) -> Self {
        self.internals_mut().view = Some(Arc::new(view));
        self
    }

    /// In a layout: the page rendered inside it (the seed's `@inner`).
    pub fn inner_content(&self) -> PreEscaped<&str> {
        PreEscaped(self.internals().inner_content.as_deref().unwrap_or(""))
    }
}

/// Renders `name` with a view, then with the file templates.
pub(crate) fn render_template(view: &dyn View, name: &str, conn: &Conn) -> Result<Rendered> {
    if let Some(result) = view.render(name, conn) {
        return result;
    }
    let templates = &conn.app().templates;
    let key = format!("{}/{name}", view.name());
    let inner = conn.internals().inner_content.as_deref();
    match templates.render(&key, conn, inner) {
        Some(result) => result
            .map(Rendered)
            .map_err(|e| Error::exception(TemplateError(e))),
        None => Err(Error::exception(TemplateError(format!(
            "could not render {name:?} for view {:?}: the view does not define it and there is no \
             file template {key}.<ext> (engines: {}){}",
            view.name(),
            templates.extensions().join(", "),
            templates.describe_root()
        )))),
    }
}

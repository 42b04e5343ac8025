//! Views: templates as functions of typed data, and the layouts around them.
//!
//! A page is a function of what it shows, written with maud; the action
//! hands it to [`Conn::render`], which wraps HTML in the layout chosen with
//! [`Conn::put_layout`] (`application` by default, rendered by the app's
//! layout view, which places the page with [`Conn::inner_content`]):
//!
//! ```
//! use maud::{html, Markup};
//! use phoenix::prelude::*;
//!
//! pub struct User { pub id: u64, pub name: String }
//!
//! /// The seed's `render conn, "show", user: user`: `show.html` of `UserView`.
//! pub fn show(_conn: &Conn, user: &User) -> Markup {
//!     html! { h1 { "Hello, " (user.name) } p { "User #" (user.id) } }
//! }
//!
//! async fn action(conn: Conn) -> Result<Conn> {
//!     let user = User { id: 1, name: "José".into() };
//!     conn.render(|conn: &Conn| show(conn, &user)).await
//! }
//! ```
//!
//! File templates (`<templates>/<view name>/<name>.<format>.<engine>`, see
//! [`crate::template`]) are rendered from a `Serialize` value whose fields
//! are the template's variables: `conn.render(File::new("index.html", &page))`.
//! JSON is a serialized value: `conn.json(&user)`.
//!
//! A [`View`] names the folder of a controller's file templates and renders
//! templates by name where Phoenix dispatches on names: layouts
//! (`application.html`) and error pages (`404.html`, `500.json`).

use std::sync::Arc;

use maud::{Markup, PreEscaped};
use poem::http::StatusCode;
use serde::Serialize;
use serde_json::Value;

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

/// A view: the folder of a controller's file templates, and templates
/// rendered by name (layouts, error pages).
pub trait View: Send + Sync + 'static {
    /// The folder of this view's file templates, e.g. `"page"` for `PageView`.
    fn name(&self) -> &'static str;

    /// Renders a template such as `"application.html"` or `"404.json"` that
    /// this view defines in Rust; `None` lets the file templates have a go.
    fn render(&self, template: &str, conn: &Conn) -> Option<Result<Rendered>> {
        let _ = (template, conn);
        None
    }
}

/// What [`Conn::render`] renders: a page (maud markup, or a function of the
/// conn that returns it) or a [`File`] template.
pub trait Template: Send {
    /// The format produced (`html`, `xml`, ...), given the conn.
    fn format(&self, conn: &Conn) -> String;

    /// Renders the template for the conn in `format` (what
    /// [`Template::format`] gave).
    fn render(self, conn: &Conn, format: &str) -> Result<Rendered>;

    /// The variables a file layout sees besides `inner` (a JSON object),
    /// if the template has any.
    fn layout_context(&self) -> Option<Arc<Value>> {
        None
    }
}

impl Template for Markup {
    fn format(&self, _conn: &Conn) -> String {
        "html".into()
    }

    fn render(self, _conn: &Conn, _format: &str) -> Result<Rendered> {
        Ok(self.into())
    }
}

impl<F> Template for F
where
    F: FnOnce(&Conn) -> Markup + Send,
{
    fn format(&self, _conn: &Conn) -> String {
        "html".into()
    }

    fn render(self, conn: &Conn, _format: &str) -> Result<Rendered> {
        Ok(self(conn).into())
    }
}

/// A template of the conn's view by name (one its [`View::render`] defines,
/// else a file template) rendered from a `Serialize` value:
/// `File::new("index.html", &page)`. Without a format in the name
/// (`File::new("sitemap", &urls)`) the format comes from the response's
/// content type, else from the request's format.
pub struct File {
    name: String,
    context: Result<Arc<Value>, String>,
}

impl File {
    /// The template `name` of the conn's view with the fields of `context`
    /// as its variables (a struct or a map).
    pub fn new(name: impl Into<String>, context: &impl Serialize) -> File {
        File {
            name: name.into(),
            context: serde_json::to_value(context)
                .map(Arc::new)
                .map_err(|e| e.to_string()),
        }
    }
}

impl Template for File {
    fn format(&self, conn: &Conn) -> String {
        match self.name.rsplit_once('.') {
            Some((_, ext)) => ext.to_string(),
            None => conn
                .resp_content_type()
                .and_then(ext_for)
                .unwrap_or_else(|| conn.format())
                .to_string(),
        }
    }

    fn render(self, conn: &Conn, format: &str) -> Result<Rendered> {
        let name = if self.name.contains('.') {
            self.name
        } else {
            format!("{}.{format}", self.name)
        };
        let context = self.context.map_err(|e| {
            Error::exception(TemplateError(format!(
                "the variables of template {name:?} cannot be serialized: {e}"
            )))
        })?;
        let view = conn.internals().view.clone().ok_or_else(|| {
            Error::msg(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot render {name:?}: the conn has no view (call put_view)"),
            )
        })?;
        render_by_name(view.as_ref(), &name, conn, &context)
    }

    fn layout_context(&self) -> Option<Arc<Value>> {
        self.context.as_ref().ok().cloned()
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
    /// Renders a page (see [`Template`]) and sends it with the conn's status
    /// (200 by default). HTML is wrapped in the layout; a page is rendered
    /// after the session's CSRF token is loaded, so its forms can use
    /// [`csrf_token`](crate::plug::csrf_token).
    pub async fn render(mut self, template: impl Template) -> Result<Conn> {
        let format = template.format(&self);
        if format == "html" {
            // Pages may hold forms: make `csrf_token` work in them.
            crate::plug::fetch_csrf_token(&mut self).await?;
        }
        let layout_context = template.layout_context();
        let mut body = template.render(&self, &format)?;
        let layout = self
            .internals()
            .layout
            .clone()
            .unwrap_or_else(|| Layout::Name(DEFAULT_LAYOUT.into()));
        if let (Layout::Name(layout), "html") = (&layout, format.as_str()) {
            if let Some(layout_view) = self.app().layout_view.clone() {
                self.internals_mut().inner_content = Some(Arc::from(body.0));
                let layout_name = format!("{layout}.html");
                let variables = layout_context.as_deref().unwrap_or(&Value::Null);
                body = render_by_name(layout_view.as_ref(), &layout_name, &self, variables)?;
            }
        }
        if self.resp_content_type().is_none() {
            let mime = mime_for(&format).unwrap_or("application/octet-stream");
            self = self.put_resp_content_type(mime);
        }
        let status = self.status().unwrap_or(StatusCode::OK);
        self.send_resp(status, body.0)
    }

    /// Chooses the layout: a name, or `false` for none.
    pub fn put_layout(mut self, layout: impl Into<Layout>) -> Self {
        self.internals_mut().layout = Some(layout.into());
        self
    }

    /// Chooses the view whose folder holds this conn's file templates.
    pub fn put_view(mut self, view: impl View) -> Self {
        self.internals_mut().view = Some(Arc::new(view));
        self
    }

    /// In a layout: the page rendered inside it (the seed's `@inner`).
    pub fn inner_content(&self) -> PreEscaped<&str> {
        PreEscaped(self.internals().inner_content.as_deref().unwrap_or(""))
    }
}

/// Renders `name` with a view's Rust templates, then with its file templates
/// (whose variables are those of `context`).
pub(crate) fn render_by_name(
    view: &dyn View,
    name: &str,
    conn: &Conn,
    context: &Value,
) -> Result<Rendered> {
    if let Some(result) = view.render(name, conn) {
        return result;
    }
    render_file(view, name, conn, context)
}

fn render_file(view: &dyn View, name: &str, conn: &Conn, context: &Value) -> Result<Rendered> {
    let templates = &conn.app().templates;
    let key = format!("{}/{name}", view.name());
    let inner = conn.internals().inner_content.as_deref();
    match templates.render(&key, conn, context, inner) {
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

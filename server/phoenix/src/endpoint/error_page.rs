//! Error pages: the error view in production, the debug page with `debug_errors`.

use maud::{html, Markup, DOCTYPE};
use poem::http::header::{self, HeaderMap, HeaderValue};
use poem::http::{Method, StatusCode, Uri};
use poem::{Request, Response};
use serde_json::json;

use crate::app::App;
use crate::conn::Conn;
use crate::conn::ErrorContext;
use crate::error::Error;
use crate::error::{ErrorInfo, ERROR};
use crate::format::{mime_for, negotiate};
use crate::router::format_routes;
use crate::view::render_by_name;

/// What is kept of a request to describe it on an error page. Taken for every
/// request, so it is cheap: the headers are copied only for the debug page.
pub(crate) struct RequestHead {
    method: Method,
    uri: Uri,
    accept: Option<HeaderValue>,
    /// For the error page's language when no pipeline chose one.
    accept_language: Option<HeaderValue>,
    headers: Option<HeaderMap>,
    /// The request's session (a shared handle, read only if an error page
    /// needs it): the error view's conn has it as if `fetch_session` ran.
    session: Option<tower_sessions::Session>,
}

impl RequestHead {
    pub(crate) fn of(req: &Request, debug: bool) -> Self {
        RequestHead {
            method: req.method().clone(),
            uri: req.uri().clone(),
            accept: req.headers().get(header::ACCEPT).cloned(),
            accept_language: req.headers().get(header::ACCEPT_LANGUAGE).cloned(),
            headers: debug.then(|| req.headers().clone()),
            session: req.extensions().get::<tower_sessions::Session>().cloned(),
        }
    }

    fn path(&self) -> &str {
        self.uri.path()
    }

    fn query(&self) -> &str {
        self.uri.query().unwrap_or("")
    }

    /// The format to answer in, negotiated as the `accepts` plug does;
    /// the first accepted format when nothing else fits.
    fn format<'a>(&self, accepted: &'a [String]) -> &'a str {
        let format = serde_urlencoded::from_str::<Vec<(String, String)>>(self.query())
            .ok()
            .and_then(|q| q.into_iter().find(|(k, _)| k == "format").map(|(_, v)| v));
        let accept = self.accept.as_ref().and_then(|v| v.to_str().ok());
        negotiate(format.as_deref(), accept, accepted)
            .or_else(|_| negotiate(None, accept, accepted))
            .unwrap_or_else(|_| accepted.first().map(String::as_str).unwrap_or("html"))
    }
}

/// Renders an error as a response; never fails.
pub(crate) async fn render(
    app: &std::sync::Arc<App>,
    head: &RequestHead,
    mut err: Error,
) -> Response {
    let context = err.take_context().unwrap_or_default();
    let status = err.status();
    if status.is_server_error() {
        tracing::error!(target: "phoenix::request", "{} {} failed with {}: {err}", head.method, head.path(), status.as_u16());
    } else {
        tracing::info!(target: "phoenix::request", "{} {} answered {}: {err}", head.method, head.path(), status.as_u16());
    }
    let accepted = if app.error_formats.is_empty() {
        vec!["html".to_string(), "json".to_string()]
    } else {
        app.error_formats.clone()
    };
    // The format the pipeline negotiated, when the error came after `accepts`.
    let format = match context.format.as_deref() {
        Some(f) if accepted.iter().any(|a| a == f) => f.to_string(),
        _ => head.format(&accepted).to_string(),
    };
    let (body, format) = if app.debug_errors {
        debug_page(app, head, &err, status, &format)
    } else {
        (
            error_view(app, head, context, &err, status, &format).await,
            format,
        )
    };
    let mime = mime_for(&format).unwrap_or("text/plain");
    let content_type = if mime.starts_with("text/") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body)
}

async fn error_view(
    app: &std::sync::Arc<App>,
    head: &RequestHead,
    context: ErrorContext,
    err: &Error,
    status: StatusCode,
    format: &str,
) -> String {
    let reason = status.canonical_reason().unwrap_or("Error");
    if let Some(view) = &app.error_view {
        let mut req = Request::builder()
            .method(head.method.clone())
            .uri(head.uri.clone())
            .finish();
        if let Some(headers) = &head.headers {
            *req.headers_mut() = headers.clone();
        } else {
            for (name, value) in [
                (header::ACCEPT, &head.accept),
                (header::ACCEPT_LANGUAGE, &head.accept_language),
            ] {
                if let Some(value) = value {
                    req.headers_mut().insert(name, value.clone());
                }
            }
        }
        // The conn the error came from, as far as it was kept: its
        // assigns, layout and flash; and what went wrong.
        let mut conn = Conn::new(req, app.clone());
        conn.restore_context(context);
        conn.internals_mut().session = head.session.clone();
        // A request no route matched ran no `locale` plug: its error page
        // still speaks the visitor's language (`?locale=`, the session's
        // choice, Accept-Language).
        crate::i18n::locale_for_error_page(&mut conn).await;
        let message = err.to_string();
        // File templates of the error view see the same as variables.
        let variables = json!({
            "status": status.as_u16(),
            "reason": reason,
            "message": message,
        });
        let conn = conn.assign(
            ERROR,
            ErrorInfo {
                status,
                reason,
                message,
            },
        );
        let name = format!("{}.{format}", status.as_u16());
        match render_by_name(view.as_ref(), &name, &conn, &variables) {
            Ok(rendered) => return rendered.0,
            Err(render_err) => {
                tracing::debug!(error = %render_err, "error view cannot render {name}; using the default text");
            }
        }
    }
    // A client error says what was wrong with the request (a field that did
    // not parse, a missing parameter); a server error says nothing more.
    let told = status.is_client_error().then(|| err.to_string());
    match format {
        "json" => match &told {
            Some(message) => json!({ "errors": { "detail": reason, "message": message } }),
            None => json!({ "errors": { "detail": reason } }),
        }
        .to_string(),
        "html" => html! {
            (DOCTYPE)
            html { head { title { (reason) } } body { h1 { (reason) } @if let Some(m) = &told { p { (m) } } } }
        }
        .into_string(),
        _ => reason.to_string(),
    }
}

fn debug_page(
    app: &App,
    head: &RequestHead,
    err: &Error,
    status: StatusCode,
    format: &str,
) -> (String, String) {
    if format == "json" {
        let body = json!({
            "errors": {
                "detail": status.canonical_reason().unwrap_or("Error"),
                "status": status.as_u16(),
                "error": err.type_name(),
                "message": err.to_string(),
                "request": { "method": head.method.as_str(), "path": head.path(), "query": head.query() },
            }
        });
        return (body.to_string(), "json".into());
    }
    (
        debug_html(app, head, err, status).into_string(),
        "html".into(),
    )
}

fn debug_html(app: &App, head: &RequestHead, err: &Error, status: StatusCode) -> Markup {
    let title = format!("{} at {} {}", err.type_name(), head.method, head.path());
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) }
                style { (DEBUG_CSS) }
            }
            body {
                header {
                    p.status { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
                    h1 { (err.type_name()) }
                    p.message { (err.to_string()) }
                }
                section {
                    h2 { "Request" }
                    table {
                        tr { th { "Method" } td { code { (head.method) } } }
                        tr { th { "Path" } td { code { (head.path()) } } }
                        @if !head.query().is_empty() {
                            tr { th { "Query" } td { code { (head.query()) } } }
                        }
                        @for (k, v) in head.headers.iter().flatten() {
                            @if k != header::COOKIE {
                                tr { th { (k.as_str()) } td { code { (String::from_utf8_lossy(v.as_bytes())) } } }
                            }
                        }
                    }
                }
                section {
                    h2 { "Routes" }
                    pre { (format_routes(&app.routes)) }
                }
                footer { "This page is shown because " code { "debug_errors" } " is on. Turn it off in production." }
            }
        }
    }
}

const DEBUG_CSS: &str = "
body { font-family: system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { background: #7d2222; color: white; padding: 1.5rem 2rem; }
header h1 { margin: .2rem 0; font-size: 1.6rem; }
.status { margin: 0; opacity: .8; }
.message { font-family: ui-monospace, monospace; white-space: pre-wrap; }
section { padding: 1rem 2rem; }
table { border-collapse: collapse; }
th { text-align: left; padding: .2rem 1rem .2rem 0; color: #555; font-weight: 500;
  white-space: nowrap; vertical-align: top; }
td code { word-break: break-all; }
pre { background: #fff; border: 1px solid #ddd; padding: 1rem; overflow-x: auto; }
footer { padding: 1rem 2rem; color: #777; }
";

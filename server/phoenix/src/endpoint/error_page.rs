//! Error pages: the error view in production, the debug page with `debug_errors`.

use maud::{html, Markup, DOCTYPE};
use poem::http::header::{self, HeaderMap, HeaderValue};
use poem::http::{Method, StatusCode, Uri};
use poem::{Request, Response};
use serde_json::json;

use crate::app::App;
use crate::conn::Conn;
use crate::error::Error;
use crate::format::{ext_for, mime_for, parse_accept};
use crate::router::format_routes;
use crate::view::render_template;

/// What is kept of a request to describe it on an error page. Taken for every
/// request, so it is cheap: the headers are copied only for the debug page.
pub(crate) struct RequestHead {
    method: Method,
    uri: Uri,
    accept: Option<HeaderValue>,
    headers: Option<HeaderMap>,
}

impl RequestHead {
    pub(crate) fn of(req: &Request, debug: bool) -> Self {
        RequestHead {
            method: req.method().clone(),
            uri: req.uri().clone(),
            accept: req.headers().get(header::ACCEPT).cloned(),
            headers: debug.then(|| req.headers().clone()),
        }
    }

    fn path(&self) -> &str {
        self.uri.path()
    }

    fn query(&self) -> &str {
        self.uri.query().unwrap_or("")
    }

    /// The format to answer in: `?format=`, then `accept`, then the first accepted.
    fn format(&self, accepted: &[String]) -> String {
        let first = accepted.first().cloned().unwrap_or_else(|| "html".into());
        let is_accepted = |f: &str| accepted.iter().any(|a| a == f);
        if let Ok(query) = serde_urlencoded::from_str::<Vec<(String, String)>>(self.query()) {
            if let Some((_, f)) = query.iter().find(|(k, _)| k == "format") {
                if is_accepted(f) {
                    return f.clone();
                }
            }
        }
        if let Some(accept) = self.accept.as_ref().and_then(|v| v.to_str().ok()) {
            for range in parse_accept(accept) {
                if let Some(ext) = ext_for(range) {
                    if is_accepted(ext) {
                        return ext.to_string();
                    }
                }
            }
        }
        first
    }
}

/// Renders an error as a response; never fails.
pub(crate) fn render(
    app: &std::sync::Arc<App>,
    head: &RequestHead,
    negotiated: Option<String>,
    err: Error,
) -> Response {
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
    let format = match negotiated {
        Some(f) if accepted.contains(&f) => f,
        _ => head.format(&accepted),
    };
    let (body, format) = if app.debug_errors {
        debug_page(app, head, &err, status, &format)
    } else {
        (error_view(app, head, &err, status, &format), format)
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

fn error_view(
    app: &std::sync::Arc<App>,
    head: &RequestHead,
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
        } else if let Some(accept) = &head.accept {
            req.headers_mut().insert(header::ACCEPT, accept.clone());
        }
        let conn = Conn::new(req, app.clone())
            .assign("status", status.as_u16())
            .assign("reason", reason)
            .assign("message", err.to_string());
        let name = format!("{}.{format}", status.as_u16());
        match render_template(view.as_ref(), &name, &conn) {
            Ok(rendered) => return rendered.0,
            Err(render_err) => {
                tracing::debug!(error = %render_err, "error view cannot render {name}; using the default text");
            }
        }
    }
    match format {
        "json" => json!({ "errors": { "detail": reason } }).to_string(),
        "html" => html! { (DOCTYPE) html { head { title { (reason) } } body { h1 { (reason) } } } }
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

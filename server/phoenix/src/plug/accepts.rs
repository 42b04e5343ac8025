//! The `accepts` plug: content negotiation in the seed README's order.

use futures_util::future::BoxFuture;

use crate::conn::Conn;
use crate::error::{Error, NotAcceptableError, Result};
use std::sync::Arc;

use crate::format::{ext_for, parse_accept, ErrorFormat};
use crate::plug::Plug;

/// Accepts only the given formats and records the chosen one in the conn
/// (see [`Conn::format`]): `?format=` first, then the `accept` header, then the
/// first format of the list. Anything else is a 406 error.
#[derive(Debug, Clone)]
pub struct Accepts {
    formats: Vec<Arc<str>>,
}

/// Builds an [`Accepts`] plug (`plug :accepts, ~w(html)`).
pub fn accepts<I, S>(formats: I) -> Accepts
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Accepts {
        formats: formats.into_iter().map(|f| Arc::from(f.into())).collect(),
    }
}

impl Accepts {
    fn choose(&self, conn: &Conn) -> std::result::Result<Arc<str>, NotAcceptableError> {
        let not_acceptable = |requested: &str| NotAcceptableError {
            requested: requested.to_string(),
            accepted: self.formats.iter().map(|f| f.to_string()).collect(),
        };
        if let Some(format) = conn.query_params().get_str("format") {
            return match self.formats.iter().find(|f| f.as_ref() == format) {
                Some(found) => Ok(found.clone()),
                None => Err(not_acceptable(format)),
            };
        }
        let first = self
            .formats
            .first()
            .cloned()
            .unwrap_or_else(|| "html".into());
        let Some(header) = conn.req_header("accept") else {
            return Ok(first);
        };
        let ranges = parse_accept(header);
        if ranges.is_empty() {
            return Ok(first);
        }
        for range in &ranges {
            if *range == "*/*" {
                return Ok(first);
            }
            if let Some(prefix) = range.strip_suffix("/*") {
                let found = self.formats.iter().find(|f| {
                    crate::format::mime_for(f).is_some_and(|m| m.starts_with(&format!("{prefix}/")))
                });
                if let Some(found) = found {
                    return Ok(found.clone());
                }
                continue;
            }
            if let Some(ext) = ext_for(range) {
                if let Some(found) = self.formats.iter().find(|f| {
                    f.as_ref() == ext
                        || crate::format::mime_for(f).is_some_and(|m| m.eq_ignore_ascii_case(range))
                }) {
                    return Ok(found.clone());
                }
            }
        }
        Err(not_acceptable(header))
    }
}

impl Plug for Accepts {
    fn call(&self, mut conn: Conn) -> BoxFuture<'_, Result<Conn>> {
        Box::pin(async move {
            let format = self.choose(&conn).map_err(Error::exception)?;
            if let Some(slot) = conn.request().extensions().get::<ErrorFormat>() {
                slot.set(format.clone());
            }
            conn.internals_mut().format = Some(format);
            Ok(conn)
        })
    }
}

impl Conn {
    /// The request's format chosen by [`accepts`], else `?format=`, else `html`.
    pub fn format(&self) -> &str {
        match &self.internals().format {
            Some(format) => format,
            None => self.query_params().get_str("format").unwrap_or("html"),
        }
    }
}

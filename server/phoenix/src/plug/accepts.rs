//! The `accepts` plug: content negotiation in the seed README's order.

use futures_util::future::BoxFuture;

use crate::conn::Conn;
use crate::error::{Error, NotAcceptableError, Result};
use std::sync::Arc;

use crate::format::negotiate;
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
        let chosen = negotiate(
            conn.query_params().get_str("format"),
            conn.req_header("accept"),
            &self.formats,
        );
        match chosen {
            Ok(format) => Ok(self
                .formats
                .iter()
                .find(|f| f.as_ref() == format)
                .cloned()
                .unwrap_or_else(|| Arc::from(format))),
            Err(requested) => Err(NotAcceptableError {
                requested,
                accepted: self.formats.iter().map(|f| f.to_string()).collect(),
            }),
        }
    }
}

impl Plug for Accepts {
    fn call(&self, mut conn: Conn) -> BoxFuture<'_, Result<Conn>> {
        Box::pin(async move {
            let format = self.choose(&conn).map_err(Error::exception)?;
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

//! Errors that travel through plugs and controllers, and the statuses they map to.
//!
//! Any error type can be returned with `?` from a plug or an action; the
//! framework renders it through the error view with a status found this way
//! (the counterpart of Elixir's `Plug.Exception`):
//!
//! 1. a status given explicitly with [`Error::with_status`];
//! 2. the [`Exception`] implementation of a type registered with
//!    [`register_exception`] (own error types: the seed's `plug_status` field);
//! 3. a status registered for a foreign type with [`register_status`]
//!    (the seed's `defimpl Plug.Exception, for: Ecto.NotSingleResult`);
//! 4. otherwise 500.
//!
//! ```
//! use phoenix::error::{register_status, Error};
//! use poem::http::StatusCode;
//!
//! #[derive(Debug, thiserror::Error)]
//! #[error("no such record")]
//! struct NotSingleResult;
//!
//! register_status::<NotSingleResult>(|_| StatusCode::NOT_FOUND);
//! assert_eq!(Error::from(NotSingleResult).status(), StatusCode::NOT_FOUND);
//! ```

use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::sync::{OnceLock, RwLock};

use poem::http::StatusCode;

/// The result type of plugs and actions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

type StatusFn = Box<dyn Fn(&(dyn std::error::Error + 'static)) -> StatusCode + Send + Sync>;

fn registry() -> &'static RwLock<HashMap<TypeId, StatusFn>> {
    static REGISTRY: OnceLock<RwLock<HashMap<TypeId, StatusFn>>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut map: HashMap<TypeId, StatusFn> = HashMap::new();
        map.insert(
            TypeId::of::<serde_json::Error>(),
            Box::new(|_| StatusCode::BAD_REQUEST),
        );
        map.insert(
            TypeId::of::<serde_urlencoded::de::Error>(),
            Box::new(|_| StatusCode::BAD_REQUEST),
        );
        RwLock::new(map)
    })
}

/// An error type that knows its HTTP status (Elixir's `Plug.Exception`).
pub trait Exception: std::error::Error + Send + Sync + 'static {
    /// The status the error page is rendered with.
    fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

/// Registers an [`Exception`] type so that errors of this type, however they
/// were converted into [`Error`], are rendered with their own status.
pub fn register_exception<E: Exception>() {
    register_status::<E>(|e| e.status());
}

/// Registers the status of a foreign error type (one the app cannot implement
/// [`Exception`] for).
pub fn register_status<E>(status: impl Fn(&E) -> StatusCode + Send + Sync + 'static)
where
    E: std::error::Error + 'static,
{
    let f: StatusFn = Box::new(move |err| match err.downcast_ref::<E>() {
        Some(e) => status(e),
        None => StatusCode::INTERNAL_SERVER_ERROR,
    });
    registry()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(TypeId::of::<E>(), f);
}

/// An error raised by a plug, a controller or the framework.
pub struct Error {
    status: Option<StatusCode>,
    source: Box<dyn std::error::Error + Send + Sync>,
    type_id: TypeId,
    type_name: &'static str,
}

impl Error {
    /// Wraps any error; its status comes from the registry (or 500).
    pub fn new<E: std::error::Error + Send + Sync + 'static>(err: E) -> Self {
        Error {
            status: None,
            type_id: TypeId::of::<E>(),
            type_name: std::any::type_name::<E>(),
            source: Box::new(err),
        }
    }

    /// Wraps an [`Exception`]: its own status is used.
    pub fn exception<E: Exception>(err: E) -> Self {
        let status = err.status();
        Error::new(err).with_status(status)
    }

    /// An error with a status and a message.
    pub fn msg(status: StatusCode, message: impl Into<String>) -> Self {
        Error::new(Message(message.into())).with_status(status)
    }

    /// Forces the status this error is rendered with.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// The HTTP status of this error (see the module docs for the order).
    pub fn status(&self) -> StatusCode {
        if let Some(status) = self.status {
            return status;
        }
        let registry = registry().read().unwrap_or_else(|e| e.into_inner());
        match registry.get(&self.type_id) {
            Some(f) => f(self.source.as_ref()),
            None => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The short name of the wrapped error's type (`NoRouteError`), or `Error`
    /// for [`Error::msg`].
    pub fn type_name(&self) -> &'static str {
        if self.type_id == TypeId::of::<Message>() {
            return "Error";
        }
        let name = self.type_name.split('<').next().unwrap_or(self.type_name);
        name.rsplit("::").next().unwrap_or(name)
    }

    /// The wrapped error.
    pub fn source(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self.source.as_ref()
    }

    /// The wrapped error, if it is of type `E`.
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.source.downcast_ref::<E>()
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Error {
    fn from(err: E) -> Self {
        Error::new(err)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({}: {:?})", self.status(), self.source)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

/// A plain message used by [`Error::msg`].
#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Message {}

/// No route matched the request (404).
#[derive(Debug, thiserror::Error)]
#[error("no route found for {method} {path}")]
pub struct NoRouteError {
    /// The request method (after method override).
    pub method: String,
    /// The request path.
    pub path: String,
}

impl Exception for NoRouteError {
    fn status(&self) -> StatusCode {
        StatusCode::NOT_FOUND
    }
}

/// The request's body or parameters could not be read (400).
#[derive(Debug, thiserror::Error)]
#[error("bad request: {0}")]
pub struct BadRequestError(pub String);

impl Exception for BadRequestError {
    fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }
}

/// The request body is larger than the configured limit (413).
#[derive(Debug, thiserror::Error)]
#[error("request body is larger than {limit} bytes")]
pub struct PayloadTooLargeError {
    /// The limit in bytes.
    pub limit: usize,
}

impl Exception for PayloadTooLargeError {
    fn status(&self) -> StatusCode {
        StatusCode::PAYLOAD_TOO_LARGE
    }
}

/// The request asks for a format the pipeline does not accept (406).
#[derive(Debug, thiserror::Error)]
#[error("unknown format {requested:?}, expected one of {accepted:?}")]
pub struct NotAcceptableError {
    /// What the client asked for (`?format=` or the `accept` header).
    pub requested: String,
    /// The formats the pipeline accepts.
    pub accepted: Vec<String>,
}

impl Exception for NotAcceptableError {
    fn status(&self) -> StatusCode {
        StatusCode::NOT_ACCEPTABLE
    }
}

/// A form was posted without a valid CSRF token (403).
#[derive(Debug, thiserror::Error)]
#[error(
    "invalid CSRF (Cross Site Request Forgery) token: make sure that all your non-GET \
     forms include the token given by `csrf_token(&conn)` as `_csrf_token`, or send it in \
     the `x-csrf-token` header"
)]
pub struct InvalidCsrfTokenError;

impl Exception for InvalidCsrfTokenError {
    fn status(&self) -> StatusCode {
        StatusCode::FORBIDDEN
    }
}

/// A controller action or plug panicked (500).
#[derive(Debug, thiserror::Error)]
#[error("panic: {0}")]
pub struct PanicError(pub String);

impl Exception for PanicError {}

/// A template could not be found or rendered (500).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(pub String);

impl Exception for TemplateError {}

pub(crate) fn register_builtin_exceptions() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        register_exception::<NoRouteError>();
        register_exception::<BadRequestError>();
        register_exception::<PayloadTooLargeError>();
        register_exception::<NotAcceptableError>();
        register_exception::<InvalidCsrfTokenError>();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_errors_carry_their_status() {
        register_builtin_exceptions();
        let err = Error::from(NoRouteError {
            method: "GET".into(),
            path: "/x".into(),
        });
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            Error::from(InvalidCsrfTokenError).status(),
            StatusCode::FORBIDDEN
        );
        let json_err = serde_json::from_str::<u8>("x").unwrap_err();
        assert_eq!(Error::from(json_err).status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn unknown_errors_are_500_and_explicit_status_wins() {
        let io = std::io::Error::other("disk");
        assert_eq!(Error::from(io).status(), StatusCode::INTERNAL_SERVER_ERROR);
        let io = std::io::Error::other("disk");
        let err = Error::from(io).with_status(StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}

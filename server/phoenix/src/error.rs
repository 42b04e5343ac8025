//! Errors that travel through plugs and controllers, and the statuses they map to.
//!
//! An error type that knows its status implements [`Exception`] (the seed's
//! `Plug.Exception`: `plug_status: 404`); `?` then turns it into an [`Error`]
//! rendered with that status, with nothing to register:
//!
//! ```
//! use phoenix::prelude::*;
//!
//! #[derive(Debug, thiserror::Error)]
//! #[error("no user with id {0}")]
//! struct UserNotFound(u64);
//!
//! impl Exception for UserNotFound {
//!     fn status(&self) -> StatusCode { StatusCode::NOT_FOUND }
//! }
//!
//! fn find(id: u64) -> Result<&'static str> {
//!     match id {
//!         1 => Ok("José"),
//!         other => Err(UserNotFound(other))?,
//!     }
//! }
//! assert_eq!(find(2).unwrap_err().status(), StatusCode::NOT_FOUND);
//! ```
//!
//! An error type of another crate gets its status with one call at the `?`
//! (the seed's `defimpl Plug.Exception, for: Ecto.NotSingleResult`), and so
//! does a missing value:
//!
//! ```
//! use phoenix::prelude::*;
//!
//! fn page(n: &str, pages: &[&'static str]) -> Result<&'static str> {
//!     let index: usize = n.parse().status(StatusCode::BAD_REQUEST)?;
//!     let page = pages.get(index).copied().status(404)?;
//!     Ok(page)
//! }
//! assert_eq!(page("x", &[]).unwrap_err().status(), StatusCode::BAD_REQUEST);
//! assert_eq!(page("3", &[]).unwrap_err().status(), StatusCode::NOT_FOUND);
//! ```
//!
//! Common foreign errors already are exceptions: malformed JSON or numbers
//! are 400, I/O errors 500.

use std::any::TypeId;
use std::fmt;

use poem::http::StatusCode;

/// The result type of plugs and actions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error type that knows its HTTP status (Elixir's `Plug.Exception`).
pub trait Exception: std::error::Error + Send + Sync + 'static {
    /// The status the error page is rendered with.
    fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

/// Common errors of other crates, with the status they are rendered with.
macro_rules! foreign_exceptions {
    ($($ty:ty => $status:ident),* $(,)?) => {
        $(
            impl Exception for $ty {
                fn status(&self) -> StatusCode {
                    StatusCode::$status
                }
            }
        )*
    };
}

foreign_exceptions! {
    serde_json::Error => BAD_REQUEST,
    serde_urlencoded::de::Error => BAD_REQUEST,
    std::num::ParseIntError => BAD_REQUEST,
    std::num::ParseFloatError => BAD_REQUEST,
    std::str::ParseBoolError => BAD_REQUEST,
    std::str::Utf8Error => BAD_REQUEST,
    std::string::FromUtf8Error => BAD_REQUEST,
    std::io::Error => INTERNAL_SERVER_ERROR,
    std::fmt::Error => INTERNAL_SERVER_ERROR,
    serde_urlencoded::ser::Error => INTERNAL_SERVER_ERROR,
    tower_sessions::session::Error => INTERNAL_SERVER_ERROR,
    tokio::task::JoinError => INTERNAL_SERVER_ERROR,
}

/// Gives a status to an error of another crate, or to a missing value, at
/// the `?`: `.status(404)?`.
pub trait WithStatus<T> {
    /// The error (or `None`) becomes an [`Error`] rendered with `status`
    /// (a [`StatusCode`] or a number; an invalid number is 500).
    fn status<S: TryInto<StatusCode>>(self, status: S) -> Result<T>;
}

fn to_status<S: TryInto<StatusCode>>(status: S) -> StatusCode {
    status
        .try_into()
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl<T, E: std::error::Error + Send + Sync + 'static> WithStatus<T> for std::result::Result<T, E> {
    fn status<S: TryInto<StatusCode>>(self, status: S) -> Result<T> {
        self.map_err(|err| Error::new(err).with_status(to_status(status)))
    }
}

impl<T> WithStatus<T> for Option<T> {
    fn status<S: TryInto<StatusCode>>(self, status: S) -> Result<T> {
        self.ok_or_else(|| {
            let status = to_status(status);
            Error::msg(status, status.canonical_reason().unwrap_or("Error"))
        })
    }
}

/// An error raised by a plug, a controller or the framework.
pub struct Error {
    status: StatusCode,
    source: Box<dyn std::error::Error + Send + Sync>,
    type_id: TypeId,
    type_name: &'static str,
    context: Option<Box<crate::conn::ErrorContext>>,
}

impl Error {
    /// Wraps any error with status 500 (an [`Exception`] converted with `?`
    /// or [`Error::exception`] keeps its own status).
    pub fn new<E: std::error::Error + Send + Sync + 'static>(err: E) -> Self {
        Error {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            type_id: TypeId::of::<E>(),
            type_name: std::any::type_name::<E>(),
            source: Box::new(err),
            context: None,
        }
    }

    /// Wraps an [`Exception`] with its own status (what `?` does).
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
        self.status = status;
        self
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        self.status
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

    /// What the conn knew when the error was raised (format, layout,
    /// assigns), for the error page; the first step that sees it keeps it.
    pub(crate) fn or_context(mut self, context: crate::conn::ErrorContext) -> Self {
        if self.context.is_none() {
            self.context = Some(Box::new(context));
        }
        self
    }

    /// The route the failed request had matched, if it got that far.
    pub(crate) fn route(&self) -> Option<std::sync::Arc<crate::router::RouteInfo>> {
        self.context.as_ref().and_then(|c| c.route.clone())
    }

    pub(crate) fn take_context(&mut self) -> Option<crate::conn::ErrorContext> {
        self.context.take().map(|c| *c)
    }
}

impl<E: Exception> From<E> for Error {
    fn from(err: E) -> Self {
        Error::exception(err)
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

/// What the error view is given (under [`ERROR`]) to render an error page.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    /// The status of the response.
    pub status: StatusCode,
    /// The status's reason phrase (`Not Found`).
    pub reason: &'static str,
    /// The error's message (shown only by debug pages, usually).
    pub message: String,
}

/// The assign holding the [`ErrorInfo`] when the error view renders.
pub const ERROR: crate::assigns::Key<ErrorInfo> = crate::assigns::Key::new("error");

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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("gone")]
    struct Gone;

    impl Exception for Gone {
        fn status(&self) -> StatusCode {
            StatusCode::GONE
        }
    }

    fn question_mark() -> Result<()> {
        Err(Gone)?;
        Ok(())
    }

    #[test]
    fn question_mark_gives_an_exception_its_status_without_registration() {
        assert_eq!(question_mark().unwrap_err().status(), StatusCode::GONE);
        let err = Error::from(NoRouteError {
            method: "GET".into(),
            path: "/x".into(),
        });
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
        assert_eq!(err.type_name(), "NoRouteError");
        assert_eq!(
            Error::from(InvalidCsrfTokenError).status(),
            StatusCode::FORBIDDEN
        );
        let json_err = serde_json::from_str::<u8>("x").unwrap_err();
        assert_eq!(Error::from(json_err).status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn foreign_errors_and_missing_values_get_a_status_at_the_question_mark() {
        #[derive(Debug)]
        struct Foreign;
        impl fmt::Display for Foreign {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("foreign")
            }
        }
        impl std::error::Error for Foreign {}
        let err = Err::<(), _>(Foreign).status(404).unwrap_err();
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
        assert_eq!(err.to_string(), "foreign");
        let err = None::<u8>.status(StatusCode::GONE).unwrap_err();
        assert_eq!(
            (err.status(), err.to_string().as_str()),
            (StatusCode::GONE, "Gone")
        );
        assert_eq!(
            Err::<(), _>(Foreign).status(1000).unwrap_err().status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "an invalid status is 500"
        );
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

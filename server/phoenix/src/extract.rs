//! Extractors: what an action takes in its signature, the way axum handlers do.
//!
//! An action is `async fn(Conn, E1, E2, ...) -> Result<Conn>` where each `Ei`
//! implements [`FromConn`]: [`Path`], [`Query`], [`Form`], [`Json`],
//! [`State`](crate::state::State), [`Params`] (the merged map, for the truly
//! dynamic case), `Option<E>` (absent or invalid is `None`).
//!
//! Path, query and form values arrive as text; they are parsed into the
//! numbers, booleans and options the target type asks for, and nested keys
//! (`user[name]=Jo`) become nested structs. A value that does not parse is a
//! 400 error, rendered in the request's format, that names the field:
//!
//! ```
//! use phoenix::extract::{Form, Path, Query};
//! use phoenix::prelude::*;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Paging { page: Option<u32> }
//!
//! #[derive(Deserialize)]
//! struct NewUser { user: UserParams }
//! #[derive(Deserialize)]
//! struct UserParams { name: String, age: u8 }
//!
//! async fn show(conn: Conn, Path(id): Path<u64>, Query(paging): Query<Paging>) -> Result<Conn> {
//!     conn.text(format!("user {id}, page {}", paging.page.unwrap_or(1)))
//! }
//!
//! async fn create(conn: Conn, Form(form): Form<NewUser>) -> Result<Conn> {
//!     conn.text(format!("{} ({})", form.user.name, form.user.age))
//! }
//!
//! // Both are actions (`phoenix::controller::Handler`), usable in `router!`.
//! fn is_action<A>(_: impl phoenix::controller::Handler<A>) {}
//! is_action(show);
//! is_action(create);
//! ```

mod de;

use std::ops::{Deref, DerefMut};

use poem::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::conn::Conn;
use crate::error::{BadRequestError, Error, Exception, Result};
use crate::params::Params;

/// A value an action takes from the conn before it runs.
pub trait FromConn: Sized + Send + 'static {
    /// Extracts the value; an error is rendered instead of running the action.
    fn from_conn(conn: &Conn) -> Result<Self>;
}

impl FromConn for Params {
    fn from_conn(conn: &Conn) -> Result<Self> {
        Ok(conn.params().clone())
    }
}

impl<T: FromConn> FromConn for Option<T> {
    fn from_conn(conn: &Conn) -> Result<Self> {
        Ok(T::from_conn(conn).ok())
    }
}

/// The request is not in a format an extractor can read (415).
#[derive(Debug, thiserror::Error)]
#[error("unsupported media type: {0}")]
pub struct UnsupportedMediaTypeError(pub String);

impl Exception for UnsupportedMediaTypeError {
    fn status(&self) -> StatusCode {
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    }
}

macro_rules! wrapper {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name<T>(pub T);

        impl<T> Deref for $name<T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.0
            }
        }

        impl<T> DerefMut for $name<T> {
            fn deref_mut(&mut self) -> &mut T {
                &mut self.0
            }
        }
    };
}

wrapper!(
    /// The route's path parameters (`:id`, `*path`): one value
    /// (`Path<u64>`), a tuple in the order of the path, or a struct by name.
    Path
);
wrapper!(
    /// The query string, deserialized (`?page=2&tags[]=a`).
    Query
);
wrapper!(
    /// The form body (or JSON body), deserialized with text values parsed:
    /// `user[name]=Jo&user[age]=7` fills `struct { user: User }`.
    Form
);
wrapper!(
    /// The JSON body, deserialized as is; a request that is not JSON is a 415.
    Json
);

fn bad_request(what: &str, err: serde_path_to_error::Error<de::Error>) -> Error {
    let path = err.path().to_string();
    let inner = err.into_inner();
    let message = if path.is_empty() || path == "." {
        format!("invalid {what}: {inner}")
    } else {
        format!("invalid {what} `{path}`: {inner}")
    };
    Error::exception(BadRequestError(message))
}

fn from_text<T: DeserializeOwned>(what: &str, value: &Value) -> Result<T> {
    serde_path_to_error::deserialize(de::Text(value)).map_err(|e| bad_request(what, e))
}

impl<T: DeserializeOwned + Send + 'static> FromConn for Path<T> {
    fn from_conn(conn: &Conn) -> Result<Self> {
        let params = conn.path_params().as_map();
        // The route's parameters in path order, for tuples and single values.
        let ordered: Vec<(&str, &Value)> = match conn.route() {
            Some(route) => route
                .path
                .split('/')
                .filter_map(|seg| seg.strip_prefix(':').or_else(|| seg.strip_prefix('*')))
                .filter_map(|name| params.get_key_value(name))
                .map(|(k, v)| (k.as_str(), v))
                .collect(),
            None => params.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        };
        // Errors of path parameters name the parameter themselves.
        serde_path_to_error::deserialize(de::PathParams(&ordered))
            .map(Path)
            .map_err(|e| {
                let inner = e.into_inner().to_string();
                let message = match inner.starts_with('`') {
                    true => format!("invalid path parameter {inner}"),
                    false => format!("invalid path parameter: {inner}"),
                };
                Error::exception(BadRequestError(message))
            })
    }
}

impl<T: DeserializeOwned + Send + 'static> FromConn for Query<T> {
    fn from_conn(conn: &Conn) -> Result<Self> {
        let value = Value::Object(conn.query_params().as_map().clone());
        from_text("query parameter", &value).map(Query)
    }
}

impl<T: DeserializeOwned + Send + 'static> FromConn for Form<T> {
    fn from_conn(conn: &Conn) -> Result<Self> {
        let value = Value::Object(conn.body_params().as_map().clone());
        from_text("form field", &value).map(Form)
    }
}

fn is_json(conn: &Conn) -> bool {
    conn.req_header("content-type")
        .and_then(|ct| ct.split(';').next())
        .map(|ct| {
            let ct = ct.trim();
            ct == "application/json" || (ct.starts_with("application/") && ct.ends_with("+json"))
        })
        .unwrap_or(false)
}

impl<T: DeserializeOwned + Send + 'static> FromConn for Json<T> {
    fn from_conn(conn: &Conn) -> Result<Self> {
        if !is_json(conn) {
            return Err(Error::exception(UnsupportedMediaTypeError(
                "expected a JSON body (content-type: application/json)".into(),
            )));
        }
        let body = conn.body_params().as_map();
        let value = match body.get("_json") {
            Some(value) if body.len() == 1 => value.clone(),
            _ => Value::Object(body.clone()),
        };
        serde_path_to_error::deserialize(value)
            .map(Json)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                Error::exception(BadRequestError(if path.is_empty() || path == "." {
                    format!("invalid JSON body: {inner}")
                } else {
                    format!("invalid JSON field `{path}`: {inner}")
                }))
            })
    }
}

/// Parses text parameters (such as [`Params`]) into `T` the way [`Form`]
/// does: `"42"` into numbers, `"true"`/`"on"` into booleans, `""` into `None`.
pub fn from_params<T: DeserializeOwned>(params: &Map<String, Value>) -> Result<T> {
    from_text("parameter", &Value::Object(params.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct User {
        name: String,
        age: u8,
        admin: bool,
        nickname: Option<String>,
        score: Option<f64>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Create {
        user: User,
        tags: Vec<String>,
    }

    fn params(query: &str) -> Map<String, Value> {
        Params::from_urlencoded(query).unwrap().as_map().clone()
    }

    #[test]
    fn text_values_become_the_types_asked_for_nested() {
        let got: Create = from_params(&params(
            "user[name]=Jo&user[age]=7&user[admin]=on&user[nickname]=&tags[]=a&tags[]=b",
        ))
        .unwrap();
        assert_eq!(
            got,
            Create {
                user: User {
                    name: "Jo".into(),
                    age: 7,
                    admin: true,
                    nickname: None,
                    score: None,
                },
                tags: vec!["a".into(), "b".into()],
            }
        );
        let one: Create = from_params(&params(
            "user[name]=Jo&user[age]=7&user[admin]=false&tags=solo",
        ))
        .unwrap();
        assert_eq!(
            one.tags,
            vec!["solo".to_string()],
            "a single value is a list of one"
        );
    }

    #[test]
    fn a_bad_value_is_a_400_naming_the_field() {
        let err = from_params::<Create>(&params("user[name]=Jo&user[age]=old&tags=a")).unwrap_err();
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert!(err.to_string().contains("`user.age`"), "{err}");
        let err = from_params::<Create>(&params("user[age]=3&tags=a")).unwrap_err();
        assert!(err.to_string().contains("missing field `name`"), "{err}");
        assert!(err.to_string().contains("`user`"), "{err}");
    }

    #[test]
    fn path_params_as_one_value_a_tuple_or_a_struct() {
        let (id, name) = (Value::String("42".into()), Value::String("jo".into()));
        let one = [("id", &id)];
        let n: u64 = serde_path_to_error::deserialize(de::PathParams(&one)).unwrap();
        assert_eq!(n, 42);
        let two = [("id", &id), ("name", &name)];
        let pair: (u64, String) = serde_path_to_error::deserialize(de::PathParams(&two)).unwrap();
        assert_eq!(pair, (42, "jo".to_string()));
        #[derive(Deserialize)]
        struct Both {
            name: String,
            id: u32,
        }
        let both: Both = serde_path_to_error::deserialize(de::PathParams(&two)).unwrap();
        assert_eq!((both.id, both.name.as_str()), (42, "jo"));
        let err = serde_path_to_error::deserialize::<_, u64>(de::PathParams(&two)).unwrap_err();
        assert!(err.to_string().contains("2 path parameters"), "{err}");
        let bad = [("id", &name)];
        let err = serde_path_to_error::deserialize::<_, u64>(de::PathParams(&bad)).unwrap_err();
        assert!(err.to_string().contains("jo"), "{err}");
    }
}

//! Application state: values given to the endpoint once and read back by
//! type from controllers, plugs, sockets and channels (instead of statics).
//!
//! ```
//! use std::sync::Mutex;
//! use phoenix::prelude::*;
//!
//! #[derive(Default)]
//! struct Counter(Mutex<u64>);
//!
//! // An action reads it with the `State` extractor...
//! async fn hit(conn: Conn, State(counter): State<Counter>) -> Result<Conn> {
//!     let mut n = counter.0.lock().unwrap();
//!     *n += 1;
//!     conn.text(format!("{n} hits"))
//! }
//!
//! // ...and any code holding a conn with `conn.state::<T>()`.
//! async fn hits(conn: Conn) -> Result<Conn> {
//!     let n = *conn.state::<Counter>()?.0.lock().unwrap();
//!     conn.text(n.to_string())
//! }
//!
//! let state = phoenix::state::StateMap::new().with(Counter::default());
//! assert!(state.get::<Counter>().is_ok());
//! assert!(state.get::<String>().is_err());
//! ```
//!
//! The endpoint takes any number of values of distinct types:
//! `Endpoint::builder(config, router).state(repo).state(mailer)`.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use poem::http::StatusCode;

use crate::conn::Conn;
use crate::error::{Error, Exception, Result};
use crate::extract::FromConn;

/// A value and the name of its type.
type Entry = (Arc<dyn Any + Send + Sync>, &'static str);

/// Hashes a [`TypeId`], which is a hash already, by keeping its bits (the
/// state is read on every request, often several times).
#[derive(Default)]
struct TypeIdHasher(u64);

impl Hasher for TypeIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = self.0.rotate_left(5) ^ n;
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(5) ^ u64::from(b);
            self.0 = self.0.wrapping_mul(0x100_0000_01b3);
        }
    }
}

/// Values of distinct types, each shared behind an [`Arc`].
#[derive(Clone, Default)]
pub struct StateMap {
    values: Arc<HashMap<TypeId, Entry, BuildHasherDefault<TypeIdHasher>>>,
}

impl fmt::Debug for StateMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.values.values().map(|(_, name)| *name).collect();
        names.sort_unstable();
        f.debug_tuple("StateMap").field(&names).finish()
    }
}

/// No value of the asked type was given to the endpoint (500).
#[derive(Debug, thiserror::Error)]
#[error(
    "no application state of type `{0}`: give one to the endpoint with \
     `Endpoint::builder(..).state(value)`"
)]
pub struct MissingStateError(pub &'static str);

impl Exception for MissingStateError {
    fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

impl StateMap {
    /// No values.
    pub fn new() -> Self {
        StateMap::default()
    }

    /// Adds a value (replacing one of the same type).
    pub fn with<T: Send + Sync + 'static>(self, value: T) -> Self {
        self.with_arc(Arc::new(value))
    }

    /// Adds a value that is already shared.
    pub fn with_arc<T: Send + Sync + 'static>(mut self, value: Arc<T>) -> Self {
        Arc::make_mut(&mut self.values).insert(
            TypeId::of::<T>(),
            (
                value as Arc<dyn Any + Send + Sync>,
                std::any::type_name::<T>(),
            ),
        );
        self
    }

    /// The value of type `T`, or an error naming the type.
    pub fn get<T: Send + Sync + 'static>(&self) -> Result<&T, MissingStateError> {
        self.values
            .get(&TypeId::of::<T>())
            .and_then(|(value, _)| value.downcast_ref::<T>())
            .ok_or(MissingStateError(std::any::type_name::<T>()))
    }

    /// The value of type `T`, shared.
    pub fn get_arc<T: Send + Sync + 'static>(&self) -> Result<Arc<T>, MissingStateError> {
        self.values
            .get(&TypeId::of::<T>())
            .and_then(|(value, _)| value.clone().downcast::<T>().ok())
            .ok_or(MissingStateError(std::any::type_name::<T>()))
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Extracts application state of type `T` (axum's `State`): derefs to `T`.
pub struct State<T>(pub Arc<T>);

impl<T> Deref for State<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Clone for State<T> {
    fn clone(&self) -> Self {
        State(self.0.clone())
    }
}

impl<T: fmt::Debug> fmt::Debug for State<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("State").field(&self.0).finish()
    }
}

impl<T: Send + Sync + 'static> FromConn for State<T> {
    fn from_conn(conn: &Conn) -> Result<Self> {
        Ok(State(conn.app().state.get_arc::<T>()?))
    }
}

impl Conn {
    /// Application state of type `T` (see [`crate::state`]); a 500 error
    /// naming the type if the endpoint has none.
    pub fn state<T: Send + Sync + 'static>(&self) -> Result<&T> {
        self.app().state.get::<T>().map_err(Error::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_type_and_a_missing_one_is_named() {
        let state = StateMap::new().with(7u32).with(String::from("x"));
        assert_eq!(*state.get::<u32>().unwrap(), 7);
        assert_eq!(state.get::<String>().unwrap(), "x");
        let err = state.get::<u64>().unwrap_err();
        assert!(err.to_string().contains("`u64`"), "{err}");
        let replaced = state.clone().with(8u32);
        assert_eq!(*replaced.get::<u32>().unwrap(), 8);
        assert_eq!(
            *state.get::<u32>().unwrap(),
            7,
            "copies do not share additions"
        );
        assert_eq!(state.len(), 2);
    }
}

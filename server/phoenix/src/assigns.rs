//! Typed assigns: values a plug leaves on the conn for later plugs, the
//! action and the layout (Phoenix's `conn.assigns`), named by a [`Key`]
//! that also fixes their type, so a typo does not compile and a value of
//! another type is never taken for the one asked.
//!
//! ```
//! use phoenix::assigns::Key;
//! use phoenix::prelude::*;
//!
//! /// The locale chosen by the `locale` plug.
//! pub const LOCALE: Key<String> = Key::new("locale");
//!
//! async fn locale(conn: Conn) -> Result<Conn> {
//!     Ok(conn.assign(LOCALE, "fr"))
//! }
//!
//! async fn greet(conn: Conn) -> Result<Conn> {
//!     let hello = match conn.get_assign(LOCALE).map(String::as_str) {
//!         Some("fr") => "Bonjour",
//!         _ => "Hello",
//!     };
//!     conn.text(hello)
//! }
//! ```

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use poem::http::StatusCode;

use crate::error::Exception;

/// The name and type of an assign: `const TITLE: Key<String> = Key::new("title");`
pub struct Key<T> {
    name: &'static str,
    _type: PhantomData<fn() -> T>,
}

impl<T> Key<T> {
    /// A key named `name` for values of type `T`.
    pub const fn new(name: &'static str) -> Self {
        Key {
            name,
            _type: PhantomData,
        }
    }

    /// The key's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<T> Clone for Key<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Key<T> {}

impl<T> fmt::Debug for Key<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key<{}>({:?})", std::any::type_name::<T>(), self.name)
    }
}

type Value = (Arc<dyn Any + Send + Sync>, &'static str);

/// The assigns of a conn; copies share their values until one is changed.
///
/// A conn has a handful of assigns, and the pipeline keeps a copy of them
/// before every plug (for the error page): a short list is cheaper to copy
/// on write and to search than a hash map.
#[derive(Clone, Default)]
pub struct Assigns {
    values: Arc<Vec<(&'static str, Value)>>,
}

impl fmt::Debug for Assigns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut entries: Vec<(&str, &str)> = self
            .values
            .iter()
            .map(|(name, (_, ty))| (*name, *ty))
            .collect();
        entries.sort_unstable();
        f.debug_map().entries(entries).finish()
    }
}

/// An assign that a template or action needs is missing or of another type (500).
#[derive(Debug, thiserror::Error)]
#[error("assign `{name}` ({ty}) {problem}")]
pub struct MissingAssignError {
    /// The key's name.
    pub name: &'static str,
    /// The type asked for.
    pub ty: &'static str,
    /// What is wrong: not set, or set with another type.
    pub problem: String,
}

impl Exception for MissingAssignError {
    fn status(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

impl Assigns {
    /// The value named `name`.
    fn find(&self, name: &str) -> Option<&Value> {
        self.values
            .iter()
            .find(|(n, _)| std::ptr::eq(*n, name) || *n == name)
            .map(|(_, value)| value)
    }

    /// Sets an assign, replacing any value of that name.
    pub fn insert<T: Send + Sync + 'static>(&mut self, key: Key<T>, value: T) {
        let value: Value = (
            Arc::new(value) as Arc<dyn Any + Send + Sync>,
            std::any::type_name::<T>(),
        );
        let values = Arc::make_mut(&mut self.values);
        match values.iter_mut().find(|(n, _)| *n == key.name) {
            Some((_, slot)) => *slot = value,
            None => values.push((key.name, value)),
        }
    }

    /// An assign; `None` if it is not set (or holds another type).
    pub fn get<T: Send + Sync + 'static>(&self, key: Key<T>) -> Option<&T> {
        self.find(key.name)
            .and_then(|(value, _)| value.downcast_ref::<T>())
    }

    /// An assign, or an error saying whether it is missing or of another type.
    pub fn fetch<T: Send + Sync + 'static>(&self, key: Key<T>) -> Result<&T, MissingAssignError> {
        let ty = std::any::type_name::<T>();
        match self.find(key.name) {
            None => Err(MissingAssignError {
                name: key.name,
                ty,
                problem: "is not set".into(),
            }),
            Some((value, stored)) => value.downcast_ref::<T>().ok_or(MissingAssignError {
                name: key.name,
                ty,
                problem: format!("holds a {stored}"),
            }),
        }
    }

    /// Removes an assign.
    pub fn remove<T>(&mut self, key: Key<T>) {
        if self.contains(key) {
            Arc::make_mut(&mut self.values).retain(|(n, _)| *n != key.name);
        }
    }

    /// Whether an assign of that name is set.
    pub fn contains<T>(&self, key: Key<T>) -> bool {
        self.find(key.name).is_some()
    }

    /// The names set, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.values.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        names
    }

    /// The number of assigns.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no assign is set.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TITLE: Key<String> = Key::new("title");
    const COUNT: Key<u32> = Key::new("count");
    const TITLE_AS_NUMBER: Key<u32> = Key::new("title");

    #[test]
    fn typed_values_by_key() {
        let mut assigns = Assigns::default();
        assert_eq!(assigns.get(TITLE), None);
        assigns.insert(TITLE, "Hi".to_string());
        assigns.insert(COUNT, 3);
        assert_eq!(assigns.get(TITLE).map(String::as_str), Some("Hi"));
        assert_eq!(assigns.get(COUNT), Some(&3));
        assert_eq!(
            assigns.get(TITLE_AS_NUMBER),
            None,
            "another type is not taken"
        );
        let err = assigns.fetch(TITLE_AS_NUMBER).unwrap_err();
        assert!(
            err.to_string().contains("holds a alloc::string::String"),
            "{err}"
        );
        let copy = assigns.clone();
        assigns.remove(COUNT);
        assert_eq!(copy.get(COUNT), Some(&3), "copies are independent");
        assert_eq!(assigns.names(), vec!["title"]);
        let err = assigns.fetch(COUNT).unwrap_err();
        assert!(
            err.to_string().contains("`count` (u32) is not set"),
            "{err}"
        );
    }
}

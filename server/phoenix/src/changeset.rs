//! Casting and validating submitted fields (a small Ecto.Changeset).
//!
//! Forms send text and JSON sends typed values; a [`Changeset`] takes either
//! (a map of field → JSON value), casts each field to the type the schema
//! wants, and collects what is wrong per field, so a form can be shown again
//! with the values typed so far and a message next to each bad field.
//!
//! ```
//! use phoenix::changeset::Changeset;
//! use serde_json::json;
//!
//! let params = json!({ "title": "Hello", "views": "twelve" });
//! let mut changeset = Changeset::cast(params.as_object().unwrap());
//! let title = changeset.string("title");
//! let views = changeset.integer("views");
//! assert_eq!(title.as_deref(), Some("Hello"));
//! assert_eq!(views, None);
//! assert!(!changeset.is_valid());
//! assert_eq!(changeset.errors("views"), ["is invalid"]);
//! assert_eq!(changeset.value("views"), "twelve"); // shown again in the form
//! ```

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

/// Submitted fields, cast and checked one by one.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Changeset {
    params: Map<String, Value>,
    errors: BTreeMap<String, Vec<String>>,
}

/// The message for a required field that is missing or blank.
pub const BLANK: &str = "can't be blank";
/// The message for a field that does not cast to its type.
pub const INVALID: &str = "is invalid";

impl Changeset {
    /// Starts from submitted fields (a form's `post[...]` map or a JSON object).
    pub fn cast(params: &Map<String, Value>) -> Changeset {
        Changeset {
            params: params.clone(),
            errors: BTreeMap::new(),
        }
    }

    /// A changeset showing a record's current values (the edit form).
    pub fn from_record(record: &impl Serialize) -> Changeset {
        let params = match serde_json::to_value(record) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        Changeset {
            params,
            errors: BTreeMap::new(),
        }
    }

    fn present(&mut self, field: &str) -> Option<Value> {
        match self.params.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(value) => Some(value.clone()),
        }
        .or_else(|| {
            self.add_error(field, BLANK);
            None
        })
    }

    /// A required text field (trimmed).
    pub fn string(&mut self, field: &str) -> Option<String> {
        match self.present(field)? {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => self.invalid(field),
        }
    }

    /// A required integer field (`"42"` or `42`).
    pub fn integer(&mut self, field: &str) -> Option<i64> {
        match self.present(field)? {
            Value::Number(n) => n.as_i64().or_else(|| self.invalid(field)),
            Value::String(s) => s.trim().parse().ok().or_else(|| self.invalid(field)),
            _ => self.invalid(field),
        }
    }

    /// A required decimal field (`"1.5"` or `1.5`).
    pub fn float(&mut self, field: &str) -> Option<f64> {
        match self.present(field)? {
            Value::Number(n) => n.as_f64().or_else(|| self.invalid(field)),
            Value::String(s) => match s.trim().parse::<f64>() {
                Ok(f) if f.is_finite() => Some(f),
                _ => self.invalid(field),
            },
            _ => self.invalid(field),
        }
    }

    /// A required boolean field (`true`/`false`, or a form's `"true"`, `"false"`, `"on"`).
    pub fn boolean(&mut self, field: &str) -> Option<bool> {
        match self.present(field)? {
            Value::Bool(b) => Some(b),
            Value::String(s) => match s.trim() {
                "true" | "on" | "1" => Some(true),
                "false" | "off" | "0" => Some(false),
                _ => self.invalid(field),
            },
            _ => self.invalid(field),
        }
    }

    fn invalid<T>(&mut self, field: &str) -> Option<T> {
        self.add_error(field, INVALID);
        None
    }

    /// Records a problem with a field.
    pub fn add_error(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .entry(field.to_string())
            .or_default()
            .push(message.into());
    }

    /// Whether no field has a problem.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// The problems of one field.
    pub fn errors(&self, field: &str) -> &[String] {
        self.errors.get(field).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every problem, by field (a JSON API's `{"errors": {...}}`).
    pub fn all_errors(&self) -> &BTreeMap<String, Vec<String>> {
        &self.errors
    }

    /// The submitted value of a field as text, to show it again in a form.
    pub fn value(&self, field: &str) -> String {
        match self.params.get(field) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        }
    }

    /// Whether a boolean field is on (a checkbox's `checked`).
    pub fn checked(&self, field: &str) -> bool {
        matches!(self.params.get(field), Some(Value::Bool(true)))
            || matches!(self.params.get(field), Some(Value::String(s)) if matches!(s.as_str(), "true" | "on" | "1"))
    }

    /// `Ok(value)` when every field was valid, else the changeset.
    pub fn apply<T>(self, value: T) -> Result<T, Changeset> {
        if self.is_valid() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cast(value: Value) -> Changeset {
        Changeset::cast(value.as_object().unwrap())
    }

    #[test]
    fn form_text_and_json_values_cast_alike() {
        for params in [
            json!({"n": "42", "f": "1.5", "b": "true", "s": " hi "}),
            json!({"n": 42, "f": 1.5, "b": true, "s": "hi"}),
        ] {
            let mut cs = cast(params);
            assert_eq!(cs.integer("n"), Some(42));
            assert_eq!(cs.float("f"), Some(1.5));
            assert_eq!(cs.boolean("b"), Some(true));
            assert_eq!(cs.string("s").as_deref(), Some("hi"));
            assert!(cs.is_valid());
            assert_eq!(cs.apply(7), Ok(7));
        }
    }

    #[test]
    fn blank_and_invalid_fields_are_named() {
        let mut cs = cast(json!({"s": "  ", "n": "4x", "f": "nan", "b": "maybe"}));
        assert_eq!(cs.string("s"), None);
        assert_eq!(cs.integer("n"), None);
        assert_eq!(cs.float("f"), None);
        assert_eq!(cs.boolean("b"), None);
        assert_eq!(cs.string("missing"), None);
        assert_eq!(cs.errors("s"), [BLANK]);
        assert_eq!(cs.errors("missing"), [BLANK]);
        assert_eq!(cs.errors("n"), [INVALID]);
        assert_eq!(cs.errors("f"), [INVALID]);
        assert_eq!(cs.errors("b"), [INVALID]);
        assert_eq!(cs.value("n"), "4x");
        assert!(cs.apply(()).is_err());
    }

    #[test]
    fn a_record_fills_the_edit_form() {
        #[derive(Serialize)]
        struct Post {
            title: String,
            views: i64,
            published: bool,
        }
        let cs = Changeset::from_record(&Post {
            title: "T".into(),
            views: 3,
            published: true,
        });
        assert_eq!(cs.value("title"), "T");
        assert_eq!(cs.value("views"), "3");
        assert!(cs.checked("published"));
    }
}

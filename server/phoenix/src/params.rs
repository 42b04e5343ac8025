//! Request parameters: path, query string and body merged into one map.
//!
//! Form and query keys with brackets nest, as in Phoenix and Rails:
//! `user[name]=jo&tags[]=a&tags[]=b` becomes
//! `{"user": {"name": "jo"}, "tags": ["a", "b"]}`.
//!
//! ```
//! use phoenix::params::Params;
//!
//! let params = Params::from_urlencoded("user[name]=Jo&page=5").unwrap();
//! assert_eq!(params.get_str("page"), Some("5"));
//! assert_eq!(params.get("user").and_then(|u| u["name"].as_str()), Some("Jo"));
//! ```

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{BadRequestError, Error};

/// The deepest nesting of a bracketed key (`a[b][c]` is 2 deep). Deeper
/// keys are refused with a 400 error, as Rack refuses them: nesting is
/// recursive, and a form body of a few hundred kilobytes nesting one key
/// 100,000 deep overflowed the stack of the thread decoding it.
pub const MAX_DEPTH: usize = 32;

/// Parameters of a request, as a JSON object.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Params(Map<String, Value>);

impl Params {
    /// No parameters.
    pub fn new() -> Self {
        Params::default()
    }

    /// Decodes `application/x-www-form-urlencoded` data (query strings and
    /// forms). A key nested deeper than [`MAX_DEPTH`] is a 400 error.
    pub fn from_urlencoded(input: &str) -> Result<Self, Error> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(input)
            .map_err(|e| Error::exception(BadRequestError(format!("malformed form data: {e}"))))?;
        let mut params = Params::new();
        for (key, value) in pairs {
            params.insert_nested(&key, Value::String(value))?;
        }
        Ok(params)
    }

    /// Takes a JSON body; a non-object body is kept under `"_json"` as Phoenix does.
    pub fn from_json(value: Value) -> Self {
        match value {
            Value::Object(map) => Params(map),
            other => {
                let mut map = Map::new();
                map.insert("_json".into(), other);
                Params(map)
            }
        }
    }

    /// The value of a parameter.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// The value of a parameter if it is a string.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    /// Sets a parameter (path parameters override query and body ones).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        self.0.insert(key.into(), value.into());
    }

    /// Removes a parameter.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.0.remove(key)
    }

    /// Adds every parameter of `other`, replacing those with the same key.
    pub fn merge(&mut self, other: Params) {
        self.0.extend(other.0);
    }

    /// Deserializes the parameters (or a nested object of them, see [`Params::extract_at`]).
    /// A mismatch is a 400 error naming the problem.
    pub fn extract<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_value(Value::Object(self.0.clone()))
            .map_err(|e| Error::exception(BadRequestError(format!("invalid parameters: {e}"))))
    }

    /// Deserializes the nested object under `key` (`user[name]` → `extract_at("user")`).
    pub fn extract_at<T: DeserializeOwned>(&self, key: &str) -> Result<T, Error> {
        let value = self.0.get(key).cloned().ok_or_else(|| {
            Error::exception(BadRequestError(format!("missing parameter `{key}`")))
        })?;
        serde_json::from_value(value).map_err(|e| {
            Error::exception(BadRequestError(format!("invalid parameter `{key}`: {e}")))
        })
    }

    /// The parameters as a JSON map.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn insert_nested(&mut self, key: &str, value: Value) -> Result<(), Error> {
        let (head, rest) = match key.find('[') {
            Some(i) if key.ends_with(']') => (&key[..i], Some(&key[i..])),
            _ => (key, None),
        };
        match rest {
            None => {
                self.0.insert(head.to_string(), value);
            }
            Some(rest) => {
                let path: Vec<&str> = rest
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .split("][")
                    .take(MAX_DEPTH + 1)
                    .collect();
                if path.len() > MAX_DEPTH {
                    let start: String = key.chars().take(40).collect();
                    return Err(Error::exception(BadRequestError(format!(
                        "malformed form data: the key `{start}…` is nested deeper than {MAX_DEPTH} levels"
                    ))));
                }
                let slot = self.0.entry(head.to_string()).or_insert(Value::Null);
                put_path(slot, &path, value);
            }
        }
        Ok(())
    }
}

fn put_path(slot: &mut Value, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        *slot = value;
        return;
    };
    if first.is_empty() {
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        if let Value::Array(items) = slot {
            if rest.is_empty() {
                items.push(value);
            } else {
                let mut child = Value::Null;
                put_path(&mut child, rest, value);
                items.push(child);
            }
        }
        return;
    }
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(map) = slot {
        let child = map.entry(first.to_string()).or_insert(Value::Null);
        put_path(child, rest, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nests_bracketed_keys() {
        let params =
            Params::from_urlencoded("user[name]=Jo&user[address][city]=Lyon&tags[]=a&tags[]=b&x=1")
                .unwrap();
        assert_eq!(
            Value::Object(params.as_map().clone()),
            json!({"user": {"name": "Jo", "address": {"city": "Lyon"}}, "tags": ["a", "b"], "x": "1"})
        );
    }

    #[test]
    fn decodes_percent_and_plus() {
        let params = Params::from_urlencoded("q=a+b%26c").unwrap();
        assert_eq!(params.get_str("q"), Some("a b&c"));
    }

    #[test]
    fn extract_reports_the_problem_as_400() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct User {
            name: String,
        }
        let params = Params::from_urlencoded("user[nom]=x").unwrap();
        let err = params.extract_at::<User>("user").unwrap_err();
        assert_eq!(err.status(), poem::http::StatusCode::BAD_REQUEST);
        assert!(err.to_string().contains("missing field `name`"), "{err}");
    }

    #[test]
    fn keys_nested_too_deep_are_refused_not_a_stack_overflow() {
        // Found while writing the `params` fuzz target (server/fuzz): one key
        // nested 100,000 deep (a 200 KB form body) overflowed the stack; a
        // tokio worker's stack is 2 MiB, as here.
        let deep = format!("a{}=1", "[]".repeat(100_000));
        let decoded = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || Params::from_urlencoded(&deep).map(|_| ()))
            .unwrap()
            .join()
            .expect("no stack overflow");
        let err = decoded.unwrap_err();
        assert_eq!(err.status(), poem::http::StatusCode::BAD_REQUEST);
        assert!(err.to_string().contains("nested deeper than 32"), "{err}");

        let limit = format!("a{}=1", "[b]".repeat(MAX_DEPTH));
        let params = Params::from_urlencoded(&limit).unwrap();
        let mut value = params.get("a").unwrap();
        for _ in 1..MAX_DEPTH {
            value = &value["b"];
        }
        assert_eq!(value["b"], "1");
        let over = format!("a{}=1", "[b]".repeat(MAX_DEPTH + 1));
        assert!(Params::from_urlencoded(&over).is_err());
    }

    #[test]
    fn non_object_json_goes_under_json_key() {
        let params = Params::from_json(json!([1, 2]));
        assert_eq!(params.get("_json"), Some(&json!([1, 2])));
    }
}

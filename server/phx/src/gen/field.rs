//! A schema's fields: `name:type` parsed into what the templates need.

use serde::Serialize;

use crate::Failure;

/// A field of a generated schema and everything the templates need of it.
#[derive(Debug, Serialize, Clone)]
pub(super) struct Field {
    pub(super) name: String,
    label: String,
    kind: &'static str,
    pub(super) rust_type: &'static str,
    sqlite_type: &'static str,
    postgres_type: &'static str,
    /// The `Changeset` method casting it.
    cast: &'static str,
    /// `text`, `textarea`, `number`, `checkbox`.
    input: &'static str,
    /// Test values: as Rust literal, as form text, as JSON.
    create_rust: String,
    create_form: String,
    create_json: String,
    update_rust: String,
    update_form: String,
    update_json: String,
}

pub(super) const TYPES: &str = "string, text, integer, float, boolean";

pub(super) const RESERVED_FIELDS: &[&str] = &[
    "id",
    "inserted_at",
    "updated_at",
    "type",
    "fn",
    "struct",
    "enum",
    "impl",
    "match",
    "mod",
    "ref",
    "self",
    "use",
    "where",
    "async",
    "await",
    "move",
    "loop",
    "let",
    "return",
];

pub(super) fn is_snake(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

pub(super) fn is_pascal(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `BlogPost` → `blog_post`.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub(super) fn humanize(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

pub(super) fn parse_field(spec: &str) -> Result<Field, Failure> {
    let (name, kind) = spec.split_once(':').ok_or_else(|| {
        Failure::new(format!(
            "field {spec:?} has no type: write it as name:type, e.g. title:string (types: {TYPES})"
        ))
    })?;
    if !is_snake(name) || RESERVED_FIELDS.contains(&name) {
        return Err(Failure::new(format!(
            "field name {name:?} is invalid or reserved: use lower case letters, digits and `_` \
             (id, inserted_at and updated_at are added for you)"
        )));
    }
    let words = name.replace('_', " ");
    let (rust_type, sqlite_type, postgres_type, cast, input) = match kind {
        "string" => ("String", "TEXT", "TEXT", "string", "text"),
        "text" => ("String", "TEXT", "TEXT", "string", "textarea"),
        "integer" => ("i64", "INTEGER", "BIGINT", "integer", "number"),
        "float" => ("f64", "REAL", "DOUBLE PRECISION", "float", "number"),
        // SQLite booleans are integers (sqlx's Any driver reads them with `db::get_bool`).
        "boolean" => ("bool", "INTEGER", "BOOLEAN", "boolean", "checkbox"),
        other => {
            return Err(Failure::new(format!(
                "field {name} has unknown type {other:?}: the types are {TYPES}"
            )))
        }
    };
    let (create, update): ((String, String, String), (String, String, String)) = match kind {
        "integer" => (
            ("42".into(), "42".into(), "42".into()),
            ("43".into(), "43".into(), "43".into()),
        ),
        "float" => (
            ("120.5".into(), "120.5".into(), "120.5".into()),
            ("456.7".into(), "456.7".into(), "456.7".into()),
        ),
        "boolean" => (
            ("true".into(), "true".into(), "true".into()),
            ("false".into(), "false".into(), "false".into()),
        ),
        _ => {
            let first = format!("some {words}");
            let second = format!("some updated {words}");
            (
                (
                    format!("{first:?}.to_string()"),
                    first.clone(),
                    format!("{first:?}"),
                ),
                (
                    format!("{second:?}.to_string()"),
                    second.clone(),
                    format!("{second:?}"),
                ),
            )
        }
    };
    Ok(Field {
        name: name.to_string(),
        label: humanize(name),
        kind: match kind {
            "string" => "string",
            "text" => "text",
            "integer" => "integer",
            "float" => "float",
            _ => "boolean",
        },
        rust_type,
        sqlite_type,
        postgres_type,
        cast,
        input,
        create_rust: create.0,
        create_form: create.1,
        create_json: create.2,
        update_rust: update.0,
        update_form: update.1,
        update_json: update.2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("BlogPost"), "blog_post");
        assert_eq!(humanize("blog_posts"), "Blog posts");
        assert!(is_pascal("Blog") && !is_pascal("blog"));
    }

    #[test]
    fn fields_parse_or_say_why() {
        let f = parse_field("views:integer").unwrap();
        assert_eq!(
            (f.rust_type, f.postgres_type, f.cast),
            ("i64", "BIGINT", "integer")
        );
        let f = parse_field("title:string").unwrap();
        assert_eq!(f.create_rust, "\"some title\".to_string()");
        assert!(parse_field("title").unwrap_err().0.contains("name:type"));
        assert!(parse_field("x:date")
            .unwrap_err()
            .0
            .contains("string, text"));
        assert!(parse_field("id:integer").is_err());
        assert!(parse_field("Title:string").is_err());
    }
}

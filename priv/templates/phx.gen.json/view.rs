//! The JSON of {{ schema.plural }} (Phoenix's `{{ schema.module }}JSON`).

use serde_json::{json, Value};

use crate::{{ context.snake }}::{{ schema.module }};

/// The JSON controller's view (its functions below build the bodies).
#[derive(Default)]
pub struct {{ schema.module }}Json;

impl phoenix::view::View for {{ schema.module }}Json {
    fn name(&self) -> &'static str {
        "{{ schema.singular }}_json"
    }
}

/// `{"data": [...]}`: every {{ schema.human|lower }}.
pub fn index({{ schema.plural }}: &[{{ schema.module }}]) -> Value {
    json!({ "data": {{ schema.plural }}.iter().map(data).collect::<Vec<_>>() })
}

/// `{"data": {...}}`: one {{ schema.human|lower }}.
pub fn show({{ schema.singular }}: &{{ schema.module }}) -> Value {
    json!({ "data": data({{ schema.singular }}) })
}

fn data({{ schema.singular }}: &{{ schema.module }}) -> Value {
    json!({
        "id": {{ schema.singular }}.id,
{% for f in fields %}
        "{{ f.name }}": {{ schema.singular }}.{{ f.name }},
{% endfor %}
    })
}

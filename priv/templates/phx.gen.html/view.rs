//! `{{ schema.module }}View`: the {{ schema.plural }} pages and form.

use phoenix::changeset::Changeset;

use super::base::*;
use crate::{{ context.snake }}::{{ schema.module }};

/// {{ schema.human_plural }}' pages.
#[derive(Default)]
pub struct {{ schema.module }}View;

impl View for {{ schema.module }}View {
    fn name(&self) -> &'static str {
        "{{ schema.singular }}"
    }
}

fn field_errors(changeset: &Changeset, field: &str) -> Markup {
    html! {
        @for error in changeset.errors(field) {
            p.error-text { (error) }
        }
    }
}

fn {{ schema.singular }}_form(conn: &Conn, changeset: &Changeset, action: &RoutePath, method: Option<&str>) -> Markup {
    html! {
        form.resource action=(action) method="post" {
            @if let Some(method) = method { (method_input_tag(method)) }
            (csrf_input_tag(conn))
            @if !changeset.is_valid() {
                p.error-text role="alert" { "Oops, something went wrong! Please check the errors below." }
            }
{% for f in fields %}
{% if f.input == "checkbox" %}
            label for="{{ schema.singular }}_{{ f.name }}" {
                input type="hidden" name="{{ schema.singular }}[{{ f.name }}]" value="false";
                input #{{ schema.singular }}_{{ f.name }} type="checkbox" name="{{ schema.singular }}[{{ f.name }}]" value="true" checked[changeset.checked("{{ f.name }}")];
                " {{ f.label }}"
            }
{% elif f.input == "textarea" %}
            label for="{{ schema.singular }}_{{ f.name }}" { "{{ f.label }}" }
            textarea #{{ schema.singular }}_{{ f.name }} name="{{ schema.singular }}[{{ f.name }}]" { (changeset.value("{{ f.name }}")) }
{% elif f.input == "number" %}
            label for="{{ schema.singular }}_{{ f.name }}" { "{{ f.label }}" }
            input #{{ schema.singular }}_{{ f.name }} type="number" step="{% if f.kind == "float" %}any{% else %}1{% endif %}" name="{{ schema.singular }}[{{ f.name }}]" value=(changeset.value("{{ f.name }}"));
{% else %}
            label for="{{ schema.singular }}_{{ f.name }}" { "{{ f.label }}" }
            input #{{ schema.singular }}_{{ f.name }} type="text" name="{{ schema.singular }}[{{ f.name }}]" value=(changeset.value("{{ f.name }}"));
{% endif %}
            (field_errors(changeset, "{{ f.name }}"))
{% endfor %}
            div { button type="submit" { "Save {{ schema.human }}" } }
        }
    }
}

/// `index.html`: every {{ schema.human|lower }}.
pub fn index(conn: &Conn, {{ schema.plural }}: &[{{ schema.module }}]) -> Markup {
    html! {
        h1 { "Listing {{ schema.human_plural }}" }
        table.{{ schema.plural }} {
            thead {
                tr {
{% for f in fields %}
                    th { "{{ f.label }}" }
{% endfor %}
                    th {}
                }
            }
            tbody {
                @for {{ schema.singular }} in {{ schema.plural }} {
                    tr id=(format!("{{ schema.singular }}-{}", {{ schema.singular }}.id)) {
{% for f in fields %}
                        td { ({{ schema.singular }}.{{ f.name }}) }
{% endfor %}
                        td {
                            div.actions {
                                a href=({{ schema.singular }}_path::show({{ schema.singular }}.id)) { "Show" }
                                a href=({{ schema.singular }}_path::edit({{ schema.singular }}.id)) { "Edit" }
                                (button_to(conn, "delete", &{{ schema.singular }}_path::destroy({{ schema.singular }}.id).to_string(), "Delete"))
                            }
                        }
                    }
                }
            }
        }
        @if {{ schema.plural }}.is_empty() {
            p.empty { "No {{ schema.human_plural|lower }} yet." }
        }
        p { a.button href=({{ schema.singular }}_path::new()) { "New {{ schema.human }}" } }
    }
}

/// `show.html`: one {{ schema.human|lower }}.
pub fn show(conn: &Conn, {{ schema.singular }}: &{{ schema.module }}) -> Markup {
    html! {
        h1 { "{{ schema.human }} " ({{ schema.singular }}.id) }
        dl {
{% for f in fields %}
            dt { "{{ f.label }}" }
            dd { ({{ schema.singular }}.{{ f.name }}) }
{% endfor %}
        }
        div.actions {
            a href=({{ schema.singular }}_path::edit({{ schema.singular }}.id)) { "Edit {{ schema.human|lower }}" }
            (button_to(conn, "delete", &{{ schema.singular }}_path::destroy({{ schema.singular }}.id).to_string(), "Delete"))
            a href=({{ schema.singular }}_path::index()) { "Back to {{ schema.human_plural|lower }}" }
        }
    }
}

/// `new.html`: the form to create a {{ schema.human|lower }}.
pub fn new(conn: &Conn, changeset: &Changeset) -> Markup {
    html! {
        h1 { "New {{ schema.human }}" }
        ({{ schema.singular }}_form(conn, changeset, &{{ schema.singular }}_path::create(), None))
        p { a href=({{ schema.singular }}_path::index()) { "Back to {{ schema.human_plural|lower }}" } }
    }
}

/// `edit.html`: the form to change a {{ schema.human|lower }}.
pub fn edit(conn: &Conn, {{ schema.singular }}: &{{ schema.module }}, changeset: &Changeset) -> Markup {
    html! {
        h1 { "Edit {{ schema.human }} " ({{ schema.singular }}.id) }
        ({{ schema.singular }}_form(conn, changeset, &{{ schema.singular }}_path::update({{ schema.singular }}.id), Some("patch")))
        p { a href=({{ schema.singular }}_path::index()) { "Back to {{ schema.human_plural|lower }}" } }
    }
}

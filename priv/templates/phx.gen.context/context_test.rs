//! The {{ context.module }} context's {{ schema.plural }}, on a database of
//! this test's own (SQLite by default; `DATABASE_URL=postgres://...` for PostgreSQL).

mod support;

use {{ app_name }}::{{ context.snake }};
use serde_json::{json, Map, Value};

fn params(value: Value) -> Map<String, Value> {
    value.as_object().cloned().expect("an object")
}

fn valid() -> Map<String, Value> {
    params(json!({ {% for f in fields %}"{{ f.name }}": {{ f.create_json }}{% if not loop.last %}, {% endif %}{% endfor %} }))
}

fn updated() -> Map<String, Value> {
    params(json!({ {% for f in fields %}"{{ f.name }}": {{ f.update_json }}{% if not loop.last %}, {% endif %}{% endfor %} }))
}

#[tokio::test]
async fn create_then_list_and_get() {
    let app = support::TestApp::start().await;
    let repo = app.db.repo();
    let {{ schema.singular }} = {{ context.snake }}::create_{{ schema.singular }}(repo, &valid())
        .await
        .unwrap()
        .expect("valid fields");
{% for f in fields %}
{% if f.kind == "boolean" %}
    assert!({% if f.create_rust == "false" %}!{% endif %}{{ schema.singular }}.{{ f.name }});
{% else %}
    assert_eq!({{ schema.singular }}.{{ f.name }}, {{ f.create_rust }});
{% endif %}
{% endfor %}
    assert_eq!(
        {{ context.snake }}::list_{{ schema.plural }}(repo).await.unwrap(),
        std::slice::from_ref(&{{ schema.singular }})
    );
    assert_eq!({{ context.snake }}::get_{{ schema.singular }}(repo, {{ schema.singular }}.id).await.unwrap(), {{ schema.singular }});
}

#[tokio::test]
async fn invalid_fields_are_refused_and_named() {
    let app = support::TestApp::start().await;
    let repo = app.db.repo();
    let changeset = {{ context.snake }}::create_{{ schema.singular }}(repo, &Map::new())
        .await
        .unwrap()
        .expect_err("nothing given");
{% for f in fields %}
    assert_eq!(changeset.errors("{{ f.name }}"), ["can't be blank"]);
{% endfor %}
    assert!({{ context.snake }}::list_{{ schema.plural }}(repo).await.unwrap().is_empty());
}

#[tokio::test]
async fn update_changes_the_fields() {
    let app = support::TestApp::start().await;
    let repo = app.db.repo();
    let {{ schema.singular }} = {{ context.snake }}::create_{{ schema.singular }}(repo, &valid()).await.unwrap().unwrap();
    let changed = {{ context.snake }}::update_{{ schema.singular }}(repo, &{{ schema.singular }}, &updated())
        .await
        .unwrap()
        .expect("valid fields");
{% for f in fields %}
{% if f.kind == "boolean" %}
    assert!({% if f.update_rust == "false" %}!{% endif %}changed.{{ f.name }});
{% else %}
    assert_eq!(changed.{{ f.name }}, {{ f.update_rust }});
{% endif %}
{% endfor %}
    assert_eq!(changed.id, {{ schema.singular }}.id);
    assert_eq!(changed.inserted_at, {{ schema.singular }}.inserted_at);
}

#[tokio::test]
async fn delete_removes_it() {
    let app = support::TestApp::start().await;
    let repo = app.db.repo();
    let {{ schema.singular }} = {{ context.snake }}::create_{{ schema.singular }}(repo, &valid()).await.unwrap().unwrap();
    {{ context.snake }}::delete_{{ schema.singular }}(repo, {{ schema.singular }}.id).await.unwrap();
    let gone = {{ context.snake }}::get_{{ schema.singular }}(repo, {{ schema.singular }}.id).await;
    assert!(matches!(gone, Err(phoenix::db::sqlx::Error::RowNotFound)), "{gone:?}");
    assert!({{ context.snake }}::delete_{{ schema.singular }}(repo, {{ schema.singular }}.id).await.is_err());
}

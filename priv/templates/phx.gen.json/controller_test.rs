//! `{{ schema.module }}Controller`'s JSON API (ConnTest), on a database of this test's own.

mod support;

use phoenix::prelude::*;
use serde_json::{json, Value};

fn create_attrs() -> Value {
    json!({ "{{ schema.singular }}": { {% for f in fields %}"{{ f.name }}": {{ f.create_json }}{% if not loop.last %}, {% endif %}{% endfor %} } })
}

fn update_attrs() -> Value {
    json!({ "{{ schema.singular }}": { {% for f in fields %}"{{ f.name }}": {{ f.update_json }}{% if not loop.last %}, {% endif %}{% endfor %} } })
}

#[tokio::test]
async fn index_lists_nothing_at_first() {
    let app = support::TestApp::start().await;
    let resp = app.client.get("/api/{{ schema.plural }}").send().await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>(), json!({ "data": [] }));
}

#[tokio::test]
async fn create_renders_the_{{ schema.singular }}_when_valid() {
    let app = support::TestApp::start().await;
    let created = app.client.post("/api/{{ schema.plural }}").json(&create_attrs()).send().await;
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text());
    let location = created.header("location").expect("a location").to_string();
    let id = created.json::<Value>()["data"]["id"].as_i64().expect("an id");
    assert_eq!(location, format!("/api/{{ schema.plural }}/{id}"));
    let shown = app.client.get(&location).send().await.json::<Value>();
{% for f in fields %}
    assert_eq!(shown["data"]["{{ f.name }}"], json!({{ f.create_json }}));
{% endfor %}
}

#[tokio::test]
async fn create_names_the_invalid_fields() {
    let app = support::TestApp::start().await;
    let resp = app.client.post("/api/{{ schema.plural }}").json(&json!({ "{{ schema.singular }}": {} })).send().await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = resp.json::<Value>();
{% for f in fields %}
    assert_eq!(errors["errors"]["{{ f.name }}"], json!(["can't be blank"]));
{% endfor %}
}

#[tokio::test]
async fn update_and_delete() {
    let app = support::TestApp::start().await;
    let created = app.client.post("/api/{{ schema.plural }}").json(&create_attrs()).send().await;
    let location = created.header("location").expect("a location").to_string();
    let updated = app.client.put(&location).json(&update_attrs()).send().await;
    assert_eq!(updated.status(), StatusCode::OK, "{}", updated.text());
{% for f in fields %}
    assert_eq!(updated.json::<Value>()["data"]["{{ f.name }}"], json!({{ f.update_json }}));
{% endfor %}
    let deleted = app.client.delete(&location).send().await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.client.get(&location).send().await.status(), StatusCode::NOT_FOUND);
}

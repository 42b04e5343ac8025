//! `{{ schema.module }}Controller` through the browser pipeline (ConnTest), on a
//! database of this test's own.

mod support;

use phoenix::prelude::*;

const CREATE: &[(&str, &str)] = &[
{% for f in fields %}
    ("{{ schema.singular }}[{{ f.name }}]", "{{ f.create_form }}"),
{% endfor %}
];

const UPDATE: &[(&str, &str)] = &[
{% for f in fields %}
    ("{{ schema.singular }}[{{ f.name }}]", "{{ f.update_form }}"),
{% endfor %}
];

const INVALID: &[(&str, &str)] = &[
{% for f in fields %}
    ("{{ schema.singular }}[{{ f.name }}]", ""),
{% endfor %}
];

/// Posts a form with the page's CSRF token.
async fn submit(
    app: &support::TestApp,
    method: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> phoenix::test::TestResponse {
    let token = app.csrf_token("/{{ schema.plural }}/new").await;
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("_csrf_token", &token));
    if method != "post" {
        form.push(("_method", method));
    }
    app.client.post(path).form(&form).send().await
}

/// Creates a {{ schema.human|lower }} through the form; its page's path.
async fn create(app: &support::TestApp) -> String {
    let created = submit(app, "post", "/{{ schema.plural }}", CREATE).await;
    assert_eq!(created.status(), StatusCode::FOUND, "{}", created.text());
    created.redirected_to().expect("a redirect").to_string()
}

#[tokio::test]
async fn index_lists_{{ schema.plural }}() {
    let app = support::TestApp::start().await;
    let page = app.client.get("/{{ schema.plural }}").send().await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().contains("Listing {{ schema.human_plural }}"), "{}", page.text());
}

#[tokio::test]
async fn create_redirects_to_show_when_the_fields_are_valid() {
    let app = support::TestApp::start().await;
    let path = create(&app).await;
    let page = app.client.get(&path).send().await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().contains("{{ schema.human }} created successfully."), "{}", page.text());
{% if title_field %}
    assert!(page.text().contains("{{ (fields|selectattr("name", "equalto", title_field)|first).create_form }}"));
{% endif %}
}

#[tokio::test]
async fn create_shows_the_errors_when_the_fields_are_invalid() {
    let app = support::TestApp::start().await;
    let page = submit(&app, "post", "/{{ schema.plural }}", INVALID).await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().contains("New {{ schema.human }}"));
    assert!(page.text().contains("can&#39;t be blank") || page.text().contains("can't be blank"), "{}", page.text());
}

#[tokio::test]
async fn update_redirects_when_the_fields_are_valid() {
    let app = support::TestApp::start().await;
    let path = create(&app).await;
    let edit = app.client.get(&format!("{path}/edit")).send().await;
    assert_eq!(edit.status(), StatusCode::OK);
    let updated = submit(&app, "patch", &path, UPDATE).await;
    assert_eq!(updated.status(), StatusCode::FOUND, "{}", updated.text());
    let page = app.client.get(&path).send().await;
    assert!(page.text().contains("{{ schema.human }} updated successfully."));
{% if title_field %}
    assert!(page.text().contains("{{ (fields|selectattr("name", "equalto", title_field)|first).update_form }}"));
{% endif %}
}

#[tokio::test]
async fn update_shows_the_errors_when_the_fields_are_invalid() {
    let app = support::TestApp::start().await;
    let path = create(&app).await;
    let page = submit(&app, "patch", &path, INVALID).await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().contains("Edit {{ schema.human }}"));
}

#[tokio::test]
async fn delete_removes_it() {
    let app = support::TestApp::start().await;
    let path = create(&app).await;
    let deleted = submit(&app, "delete", &path, &[]).await;
    assert_eq!(deleted.redirected_to(), Some("/{{ schema.plural }}"));
    assert_eq!(app.client.get(&path).send().await.status(), StatusCode::NOT_FOUND);
}

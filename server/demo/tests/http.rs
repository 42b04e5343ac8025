//! The demo app through its endpoint, without a network (ConnTest).
//! Sections follow the numbered features of the HTTP core.

mod support;

use phoenix::prelude::*;
use serde_json::{json, Value};
use support::{client, client_with, config, csrf_token};

// ---- 2. Router ----

#[tokio::test]
async fn router_matches_in_declaration_order_new_before_show() {
    let client = client().await;
    let new = client.get("/users/new").send().await;
    assert_eq!(new.status(), StatusCode::OK);
    assert!(new.text().contains("New user"));
    let show = client.get("/users/1").send().await;
    assert!(show.text().contains("José"), "{}", show.text());
}

#[tokio::test]
async fn router_captures_globs_and_ignores_trailing_slashes() {
    let client = client().await;
    let resp = client.get("/files/docs/guide/intro%20one.md/").send().await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.text().contains("<code>intro one.md</code>"),
        "{}",
        resp.text()
    );
    assert!(resp.text().contains("captured 3 segments"));
}

#[tokio::test]
async fn router_nested_resources_get_parent_id() {
    let client = client().await;
    let resp = client.get("/users/2/comments").send().await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.text().contains("Comments for Chris"),
        "{}",
        resp.text()
    );
}

#[tokio::test]
async fn router_head_is_routed_as_get() {
    let client = client().await;
    let resp = client
        .request(poem::http::Method::HEAD, "/pages/about")
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn router_unknown_path_and_wrong_method_are_404() {
    let client = client().await;
    assert_eq!(
        client.get("/nope").send().await.status(),
        StatusCode::NOT_FOUND
    );
    // `only [index, create, destroy]`: there is no comment `show` route.
    assert_eq!(
        client.get("/users/1/comments/5").send().await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client.put("/pages/about").send().await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn router_helpers_build_full_urls_from_url_config() {
    use demo::router::helpers::user_comment_path;
    let (endpoint, _db) = support::endpoint(config(|c| {
        c.url.host = "example.com".into();
        c.url.port = Some(80);
    }))
    .await;
    assert_eq!(
        endpoint.url(&user_comment_path::index(99)),
        "http://example.com/users/99/comments"
    );
    // Behind a proxy: the url port, not the http port, is used.
    let (endpoint, _db) = support::endpoint(config(|c| {
        c.url.host = "myurlhost".into();
        c.url.port = Some(8080);
    }))
    .await;
    assert_eq!(
        endpoint.url(&user_comment_path::index(88)),
        "http://myurlhost:8080/users/88/comments"
    );
}

// ---- 3. Method override ----

#[tokio::test]
async fn method_override_form_field_turns_post_into_delete() {
    let client = client().await;
    let token = csrf_token(&client, "/users/new").await;
    let created = client
        .post("/users")
        .form(&[
            ("_csrf_token", token.as_str()),
            ("user[name]", "Override Me"),
        ])
        .send()
        .await;
    assert_eq!(created.status(), StatusCode::FOUND);
    let users: Value = client.get("/api/users").send().await.json();
    let id = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "Override Me")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let deleted = client
        .post(&format!("/users/{id}"))
        .form(&[("_method", "DELETE"), ("_csrf_token", token.as_str())])
        .send()
        .await;
    assert_eq!(deleted.redirected_to(), Some("/users"));
    // The create's flash was never shown (the JSON API does not fetch the
    // flash), so it is still there, followed by the new one.
    assert_eq!(
        deleted.flash("notice"),
        ["Created successfully", "Deleted Override Me"]
    );
    let gone = client.get(&format!("/users/{id}")).send().await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn method_override_header_and_only_for_post() {
    let client = client().await;
    let created = client
        .post("/api/users")
        .json(&json!({"user": {"name": "Header Override"}}))
        .send()
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>()["data"]["id"].as_u64().unwrap();
    let patched = client
        .post(&format!("/api/users/{id}"))
        .header("x-http-method-override", "PATCH")
        .json(&json!({"user": {"name": "Patched"}}))
        .send()
        .await;
    assert_eq!(patched.status(), StatusCode::OK, "{}", patched.text());
    assert_eq!(patched.json::<Value>()["data"]["name"], "Patched");
    // A GET is never overridden.
    let get = client
        .get(&format!("/api/users/{id}?_method=DELETE"))
        .header("x-http-method-override", "DELETE")
        .send()
        .await;
    assert_eq!(get.status(), StatusCode::OK);
    assert_eq!(get.json::<Value>()["data"]["name"], "Patched");
}

// ---- 4. Conn and plugs ----

#[tokio::test]
async fn params_merge_path_query_and_json_body() {
    let client = client().await;
    let resp = client
        .post("/api/users?ignored=1")
        .json(&json!({"user": {"name": "  Json Body  "}}))
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(resp.json::<Value>()["data"]["name"], "Json Body");
}

#[tokio::test]
async fn malformed_bodies_are_400_with_the_reason() {
    let client = client().await;
    let resp = client
        .post("/api/users")
        .body("application/json", "{\"user\": ")
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let missing = client
        .post("/api/users")
        .json(&json!({"nobody": 1}))
        .send()
        .await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn accepts_refuses_unknown_formats_with_406() {
    let client = client().await;
    let resp = client
        .get("/api/users")
        .header("accept", "text/html")
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
    let resp = client.get("/pages/about?format=xml").send().await;
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn csrf_protection_refuses_forms_without_a_valid_token() {
    let client = client().await;
    let _ = csrf_token(&client, "/users/new").await;
    let resp = client
        .post("/users")
        .form(&[("user[name]", "Mallory")])
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = client
        .post("/users")
        .form(&[("user[name]", "Mallory"), ("_csrf_token", "forged")])
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // A token from another session does not work either.
    let other = support::client().await;
    let foreign = csrf_token(&other, "/users/new").await;
    let resp = client
        .post("/users")
        .form(&[("user[name]", "Mallory"), ("_csrf_token", foreign.as_str())])
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // The header works as well as the field.
    let token = csrf_token(&client, "/users/new").await;
    let resp = client
        .post("/users")
        .header("x-csrf-token", &token)
        .form(&[("user[name]", "Header Token")])
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn csrf_refusal_renders_a_clear_page_in_debug_mode() {
    let client = client_with(config(|c| c.debug_errors = true)).await;
    let _ = csrf_token(&client, "/users/new").await;
    let resp = client
        .post("/users")
        .form(&[("user[name]", "x")])
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.text().contains("InvalidCsrfTokenError"));
    assert!(resp.text().contains("_csrf_token"));
}

#[tokio::test]
async fn browser_pipeline_sets_secure_headers() {
    let resp = client().await.get("/").send().await;
    assert_eq!(resp.header("x-frame-options"), Some("SAMEORIGIN"));
    assert_eq!(resp.header("x-content-type-options"), Some("nosniff"));
    assert!(resp.header("content-security-policy").is_some());
    // The API pipeline does not.
    let api = client().await.get("/api/users").send().await;
    assert_eq!(api.header("x-frame-options"), None);
}

// ---- 5. Controllers ----

#[tokio::test]
async fn page_controller_matches_on_params() {
    let client = client().await;
    let admin = client.get("/pages/admin").send().await;
    assert_eq!(admin.redirected_to(), Some("/pages/unauthorized"));
    let page = client.get("/pages/about").send().await;
    assert!(
        page.text().contains("<h1>Showing page about</h1>"),
        "{}",
        page.text()
    );
    assert_eq!(
        page.assign(demo::views::TITLE).map(String::as_str),
        Some("Showing page about")
    );
}

#[tokio::test]
async fn locale_plug_runs_before_user_actions() {
    use phoenix::i18n::LOCALE;
    let client = client().await;
    let fr = client.get("/users?locale=fr").send().await;
    assert!(fr.text().contains("Bonjour, utilisateurs"), "{}", fr.text());
    assert_eq!(fr.assign(LOCALE).map(String::as_str), Some("fr"));
    // An unsupported locale is ignored: a new visitor gets the default.
    let unknown = support::client().await.get("/users?locale=xx").send().await;
    assert_eq!(unknown.assign(LOCALE).map(String::as_str), Some("en"));
    assert!(unknown.text().contains("Hello, users"));
    let de = client.get("/users/1?locale=de").send().await;
    assert!(de.text().contains("Hallo, José"));
}

#[tokio::test]
async fn format_comes_from_param_then_accept_then_html() {
    let client = client().await;
    let by_param = client.get("/pages/about?format=json").send().await;
    assert_eq!(by_param.header("content-type"), Some("application/json"));
    assert_eq!(by_param.json::<Value>()["title"], "Showing page about");
    let by_accept = client
        .get("/pages/about")
        .header("accept", "application/json")
        .send()
        .await;
    assert_eq!(
        by_accept.json::<Value>()["url"],
        "http://localhost:4000/pages/about"
    );
    let default = client
        .get("/pages/about")
        .header("accept", "*/*")
        .send()
        .await;
    assert_eq!(
        default.header("content-type"),
        Some("text/html; charset=utf-8")
    );
}

#[tokio::test]
async fn sitemap_is_rendered_by_response_content_type() {
    let resp = client()
        .await
        .get("/sitemap.xml")
        .header("accept", "application/xml")
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.header("content-type"), Some("text/xml; charset=utf-8"));
    let text = resp.text();
    assert!(text.starts_with("<?xml"), "{text}");
    assert!(
        text.contains("<loc>http://localhost:4000/users/1</loc>"),
        "{text}"
    );
}

#[tokio::test]
async fn create_with_blank_name_shows_the_form_again() {
    let client = client().await;
    let token = csrf_token(&client, "/users/new").await;
    let resp = client
        .post("/users")
        .form(&[("_csrf_token", token.as_str()), ("user[name]", "  ")])
        .send()
        .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text().contains("Name can&#39;t be blank")
            || resp.text().contains("Name can't be blank")
    );
}

// ---- 6. Views, layouts, template engines ----

#[tokio::test]
async fn layouts_wrap_html_and_can_be_changed_or_dropped() {
    let client = client().await;
    let app = client.get("/").send().await.text();
    assert!(app.contains("<header class=\"site\">"), "{app}");
    assert!(app.contains("The message is <strong>HELLO</strong>"));
    let plain = client.get("/plain").send().await.text();
    assert!(
        plain.contains("<body class=\"plain\">") && !plain.contains("<header"),
        "{plain}"
    );
    let bare = client.get("/bare").send().await.text();
    assert!(bare.starts_with("<section class=\"hero\">"), "{bare}");
}

#[tokio::test]
async fn file_templates_render_through_minijinja_with_escaping() {
    let client = client().await;
    let token = csrf_token(&client, "/users/1/comments").await;
    let resp = client
        .post("/users/1/comments")
        .form(&[
            ("_csrf_token", token.as_str()),
            ("comment[body]", "<b>bold</b> claim"),
        ])
        .send()
        .await;
    assert_eq!(resp.redirected_to(), Some("/users/1/comments"));
    let page = client.get("/users/1/comments").send().await.text();
    assert!(
        page.contains("&lt;b&gt;bold&lt;&#x2f;b&gt; claim"),
        "{page}"
    );
    assert!(
        page.contains("Comment added"),
        "flash shown in a jinja page's layout"
    );
    // `.j2` is a second registered extension (the file view).
    let file = client.get("/files/a").send().await.text();
    assert!(file.contains("captured 1 segment:"), "{file}");
}

// ---- 7. Flash ----

#[tokio::test]
async fn flash_survives_exactly_one_redirect() {
    let client = client().await;
    let token = csrf_token(&client, "/users/new").await;
    let created = client
        .post("/users")
        .form(&[("_csrf_token", token.as_str()), ("user[name]", "Flashy")])
        .send()
        .await;
    assert_eq!(created.redirected_to(), Some("/users"));
    assert_eq!(created.flash("notice"), ["Created successfully"]);
    let next = client.get("/users").send().await;
    assert!(next.text().contains("Created successfully"));
    assert!(next.text().contains("Flashy"));
    let after = client.get("/users").send().await;
    assert!(
        !after.text().contains("Created successfully"),
        "shown only once"
    );
}

#[tokio::test]
async fn several_flash_messages_under_one_key() {
    use phoenix::plug::Flash;
    let conn = Conn::new(
        poem::Request::builder().finish(),
        std::sync::Arc::new(phoenix::app::App::default()),
    );
    let conn = Flash::put(conn, "notice", "one").put_flash("notice", "two");
    assert_eq!(Flash::get(&conn, "notice"), Some("one"));
    assert_eq!(Flash::get_all(&conn, "notice"), ["one", "two"]);
    assert!(Flash::get_all(&conn, "error").is_empty());
}

// ---- 8. Sessions ----

#[tokio::test]
async fn session_cookie_store_keeps_values_across_requests() {
    let client = client().await;
    let first = client.get("/session").send().await;
    assert_eq!(first.text(), "bar (visit 1)");
    assert_eq!(first.session::<String>("foo").await.as_deref(), Some("bar"));
    let second = client.get("/session").send().await;
    assert_eq!(second.text(), "bar (visit 2)");
    let cookie = client
        .cookie("_demo_key")
        .expect("cookie named from config");
    assert!(!cookie.contains("visits"), "the cookie is encrypted");
}

#[tokio::test]
async fn session_values_can_be_deleted_and_the_session_cleared() {
    let client = client().await;
    client.get("/session").send().await;
    assert_eq!(client.get("/session").send().await.text(), "bar (visit 2)");
    let forgot = client.get("/session?forget=visits").send().await;
    assert_eq!(forgot.text(), "bar (visit 1)");
    client.get("/session").send().await;
    let cleared = client.get("/session?clear=1").send().await;
    assert_eq!(cleared.text(), "bar (visit 1)");
}

#[tokio::test]
async fn tampered_or_foreign_cookie_gives_an_empty_session() {
    let client = client().await;
    client.get("/session").send().await;
    client.get("/session").send().await;
    let cookie = client.cookie("_demo_key").unwrap();
    let mut tampered = cookie.into_bytes();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    client.set_cookie("_demo_key", std::str::from_utf8(&tampered).unwrap());
    let resp = client.get("/session").send().await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text(), "bar (visit 1)");
    client.set_cookie("_demo_key", "not-even-base64!!");
    let resp = client.get("/session").send().await;
    assert_eq!(resp.text(), "bar (visit 1)");
    // A cookie made with another secret is refused the same way.
    let other = client_with(config(|c| c.secret_key_base = Some("x".repeat(64)))).await;
    other.get("/session").send().await;
    let foreign = other.cookie("_demo_key").unwrap();
    client.set_cookie("_demo_key", &foreign);
    assert_eq!(client.get("/session").send().await.text(), "bar (visit 1)");
}

#[tokio::test]
async fn server_side_session_store_works_too() {
    let client = client_with(config(|c| {
        c.session.store = phoenix::config::SessionStore::Server;
        c.session.key = "_server_key".into();
    }))
    .await;
    assert_eq!(client.get("/session").send().await.text(), "bar (visit 1)");
    assert_eq!(client.get("/session").send().await.text(), "bar (visit 2)");
    let id = client.cookie("_server_key").unwrap();
    assert!(id.len() < 200, "only an id travels: {id}");
}

// ---- 9. Errors ----

#[tokio::test]
async fn custom_error_pages_by_status_and_format() {
    let client = client().await;
    let html = client.get("/no/such/page").send().await;
    assert_eq!(html.status(), StatusCode::NOT_FOUND);
    assert!(html.text().contains("Page not found"), "{}", html.text());
    let json = client
        .get("/no/such/page")
        .header("accept", "application/json")
        .send()
        .await;
    assert_eq!(
        json.json::<Value>(),
        json!({"errors": {"detail": "Not Found"}})
    );
    // The API pipeline negotiated JSON, so its errors are JSON.
    let api = client.get("/api/users/999999").send().await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        api.json::<Value>(),
        json!({"errors": {"detail": "Not Found"}})
    );
    // A client error the view has no own page for says what was wrong.
    let bad = client.get("/users/abc").send().await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("Bad Request"));
}

#[tokio::test]
async fn a_value_that_does_not_parse_is_a_400_naming_the_field_in_the_requests_format() {
    let client = client().await;
    let html = client.get("/users/abc").send().await;
    assert_eq!(html.status(), StatusCode::BAD_REQUEST);
    assert!(
        html.text().contains("`id`") && html.text().contains("&quot;abc&quot; is not a number"),
        "{}",
        html.text()
    );
    let json = client
        .get("/users/abc")
        .header("accept", "application/json")
        .send()
        .await;
    assert_eq!(json.status(), StatusCode::BAD_REQUEST);
    let body = json.json::<Value>();
    assert_eq!(body["errors"]["detail"], "Bad Request", "{body}");
    let message = body["errors"]["message"].as_str().unwrap();
    assert!(message.contains("`id`"), "{message}");
    // A JSON body with a field of the wrong type.
    let api = client
        .post("/api/users")
        .json(&json!({"user": {"name": 5}}))
        .send()
        .await;
    assert_eq!(api.status(), StatusCode::BAD_REQUEST);
    let message = api.json::<Value>()["errors"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("`user.name`"), "{message}");
    // A form posted to the JSON API is refused as such, not as a crash.
    let form = client
        .post("/api/users")
        .form(&[("user[name]", "Formy")])
        .send()
        .await;
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // The comment's nested resource: both path parameters are checked.
    let nested = client.get("/users/1/comments/x").send().await;
    assert_eq!(
        nested.status(),
        StatusCode::NOT_FOUND,
        "no GET route: {}",
        nested.text()
    );
    let token = csrf_token(&client, "/users/1/comments").await;
    let nested = client
        .post("/users/1/comments/x")
        .form(&[("_method", "DELETE"), ("_csrf_token", token.as_str())])
        .send()
        .await;
    assert_eq!(nested.status(), StatusCode::BAD_REQUEST);
    assert!(nested.text().contains("`id`"), "{}", nested.text());
}

#[tokio::test]
async fn a_panicking_action_gives_500_and_the_app_goes_on() {
    let client = client().await;
    let crash = client.get("/crash").send().await;
    assert_eq!(crash.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(crash.text().contains("Something went wrong"));
    assert!(
        !crash.text().contains("on purpose"),
        "no details in the error view"
    );
    let after = client.get("/").send().await;
    assert_eq!(after.status(), StatusCode::OK);
}

#[tokio::test]
async fn debug_errors_show_the_error_request_and_routes() {
    let client = client_with(config(|c| c.debug_errors = true)).await;
    let crash = client.get("/crash").send().await;
    assert_eq!(crash.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let text = crash.text();
    assert!(text.contains("PanicError at GET /crash"), "{text}");
    assert!(text.contains("this action crashes on purpose"));
    assert!(text.contains("user_comment_path"), "route table shown");
    let missing = client.get("/nothing?format=json").send().await;
    let body: Value = missing.json();
    assert_eq!(body["errors"]["error"], "NoRouteError");
    assert_eq!(body["errors"]["message"], "no route found for GET /nothing");
}

// ---- 10. Static files (served before the router) ----

#[tokio::test]
async fn static_files_with_types_and_conditional_requests() {
    let client = client().await;
    let js = client.get("/js/phoenix.js").send().await;
    assert_eq!(js.status(), StatusCode::OK);
    assert!(js
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    let etag = js.header("etag").unwrap().to_string();
    assert!(js.header("last-modified").is_some());
    let again = client
        .get("/js/phoenix.js")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let css = client.get("/css/app.css").send().await;
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    // Missing files fall through to the router (and its 404 page).
    assert_eq!(
        client.get("/js/missing.js").send().await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn static_files_can_be_moved_or_turned_off() {
    let moved = client_with(config(|c| c.static_files.at = "/assets".into())).await;
    assert_eq!(
        moved.get("/assets/robots.txt").send().await.status(),
        StatusCode::OK
    );
    assert_eq!(
        moved.get("/robots.txt").send().await.status(),
        StatusCode::NOT_FOUND
    );
    let off = client_with(config(|c| c.static_files.enabled = false)).await;
    assert_eq!(
        off.get("/robots.txt").send().await.status(),
        StatusCode::NOT_FOUND
    );
}

// ---- 11. Test helpers ----

#[tokio::test]
async fn conn_test_keeps_cookies_like_a_browser() {
    let client = client().await;
    client.get("/session").send().await;
    assert!(client.cookie("_demo_key").is_some());
    client.clear_cookies();
    assert_eq!(client.get("/session").send().await.text(), "bar (visit 1)");
}

#[tokio::test]
async fn chat_page_loads_the_client_and_joins_the_lobby() {
    let page = client().await.get("/chat?user=ann").send().await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains(r#"<script src="/js/phoenix.js"></script>"#),
        "{html}"
    );
    // The chat's script is a file (the CSP allows no inline script).
    assert!(
        html.contains(r#"<script src="/js/demo/chat.js"></script>"#),
        "{html}"
    );
    assert!(
        !html.contains("socket.channel("),
        "no inline script: {html}"
    );
    let script = client().await.get("/js/demo/chat.js").send().await;
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.text().contains(r#"socket.channel("room:" + room"#));
    assert!(
        html.contains(r#"id="room" type="hidden" value="lobby""#),
        "{html}"
    );
    assert!(html.contains(r#"value="ann""#));
}

#[tokio::test]
async fn the_home_page_broadcasts_to_the_seeds_logging_topic() {
    let client = client().await;
    let mut logging = client.endpoint().pubsub().subscribe("logging");
    client.get("/").send().await;
    let message = logging.recv().await.unwrap();
    assert_eq!(message.event, "action");
    assert_eq!(
        message.payload.as_json().unwrap(),
        &json!({"controller": "pages", "action": "index"})
    );
}

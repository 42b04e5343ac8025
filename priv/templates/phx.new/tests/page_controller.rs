//! The pages, through the whole browser pipeline (Phoenix's ConnTest).

mod support;

use phoenix::prelude::*;

#[tokio::test]
async fn the_home_page_welcomes() {
    let app = support::TestApp::start().await;
    let page = app.client.get("/").send().await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().contains("Welcome to {{ app_module }}!"), "{}", page.text());
    assert!(page.text().contains("/js/phoenix.js"));
}

#[tokio::test]
async fn an_unknown_page_is_a_404() {
    let app = support::TestApp::start().await;
    let page = app.client.get("/no/such/page").send().await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
}

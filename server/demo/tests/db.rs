//! The demo's repo functions and migrations on SQLite and, when
//! `PHOENIX_TEST_POSTGRES_URL` names a server (`bash .ci/postgres.sh`), on
//! PostgreSQL; without it the PostgreSQL test says so and passes, unless
//! `PHOENIX_REQUIRE_POSTGRES=1`.

mod support;

use demo::repo;
use phoenix::db::{Backend, TestDatabase};

async fn crud(db: &TestDatabase) {
    let repo = db.repo();
    let names: Vec<String> = repo::list_users(repo)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["José", "Chris"], "the seed migration");
    let jose = repo::get_user(repo, 1).await.unwrap().unwrap();
    assert_eq!(jose.name, "José");
    assert!(repo::get_user(repo, 999).await.unwrap().is_none());
    assert!(repo::get_user(repo, u64::MAX).await.unwrap().is_none());

    let ann = repo::create_user(repo, "Ann").await.unwrap();
    assert_eq!(ann.name, "Ann");
    let renamed = repo::update_user(repo, ann.id, "Anne").await.unwrap();
    assert_eq!(renamed.unwrap().name, "Anne");
    assert!(repo::update_user(repo, 999, "x").await.unwrap().is_none());

    let first = repo::create_comment(repo, ann.id, "first").await.unwrap();
    let second = repo::create_comment(repo, ann.id, "second").await.unwrap();
    repo::create_comment(repo, jose.id, "José's").await.unwrap();
    let bodies: Vec<String> = repo::list_comments(repo, ann.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.body)
        .collect();
    assert_eq!(bodies, ["first", "second"]);
    assert!(
        !repo::delete_comment(repo, jose.id, first.id).await.unwrap(),
        "another user's comment"
    );
    assert!(repo::delete_comment(repo, ann.id, first.id).await.unwrap());
    assert!(!repo::delete_comment(repo, ann.id, first.id).await.unwrap());

    let deleted = repo::delete_user(repo, ann.id).await.unwrap().unwrap();
    assert_eq!(deleted.name, "Anne");
    assert!(repo::delete_user(repo, ann.id).await.unwrap().is_none());
    assert!(repo::list_comments(repo, ann.id).await.unwrap().is_empty());
    assert!(!repo::delete_comment(repo, ann.id, second.id).await.unwrap());
    assert_eq!(repo::list_comments(repo, jose.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn repo_on_sqlite() {
    let config = support::config(|c| c.database.url = "sqlite://priv/db/demo_test.sqlite3".into());
    let db = TestDatabase::new(&config).await.unwrap();
    assert_eq!(db.repo().backend(), Backend::Sqlite);
    crud(&db).await;
}

#[tokio::test]
async fn repo_on_postgres() {
    let Ok(server) = std::env::var("PHOENIX_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("PHOENIX_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "PHOENIX_REQUIRE_POSTGRES=1 but PHOENIX_TEST_POSTGRES_URL is unset"
        );
        eprintln!("repo_on_postgres: skipped (PHOENIX_TEST_POSTGRES_URL is unset)");
        return;
    };
    let config = support::config(|c| c.database.url = server.clone());
    let db = TestDatabase::new(&config).await.unwrap();
    assert_eq!(db.repo().backend(), Backend::Postgres);
    crud(&db).await;
}

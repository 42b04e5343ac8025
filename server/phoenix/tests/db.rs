//! `phoenix::db` on SQLite and on PostgreSQL: the same CRUD, migrations,
//! lifecycle and `TestDatabase` isolation checks on both backends.
//!
//! PostgreSQL runs when `PHOENIX_TEST_POSTGRES_URL` names a server
//! (`bash .ci/postgres.sh` starts one and prints its URL); without it those
//! tests say so and pass, unless `PHOENIX_REQUIRE_POSTGRES=1`.
#![cfg(feature = "db")]

use std::path::{Path, PathBuf};

use phoenix::config::Config;
use phoenix::db::sqlx::{self, Row};
use phoenix::db::{self, Backend, Repo, TestDatabase};

const SQLITE_MIGRATIONS: &[(&str, &str)] = &[
    (
        "20240101000000_create_items.sql",
        "CREATE TABLE items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            count BIGINT NOT NULL,
            price REAL NOT NULL,
            done INTEGER NOT NULL,
            inserted_at TEXT NOT NULL
        );",
    ),
    (
        "20240102000000_seed_items.sql",
        "INSERT INTO items (name, count, price, done, inserted_at)
         VALUES ('seed', 1, 0.5, 1, '2024-01-02T00:00:00Z');",
    ),
];

const POSTGRES_MIGRATIONS: &[(&str, &str)] = &[
    (
        "20240101000000_create_items.sql",
        "CREATE TABLE items (
            id BIGSERIAL PRIMARY KEY,
            name TEXT NOT NULL,
            count BIGINT NOT NULL,
            price DOUBLE PRECISION NOT NULL,
            done BOOLEAN NOT NULL,
            inserted_at TEXT NOT NULL
        );",
    ),
    (
        "20240102000000_seed_items.sql",
        "INSERT INTO items (name, count, price, done, inserted_at)
         VALUES ('seed', 1, 0.5, TRUE, '2024-01-02T00:00:00Z');",
    ),
];

/// A temporary app root with a config and both migration folders.
struct App {
    root: PathBuf,
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl App {
    fn new() -> App {
        let root = std::env::temp_dir().join(format!("phx-db-it-{:016x}", rand_u64()));
        std::fs::create_dir_all(root.join("config")).unwrap();
        std::fs::write(
            root.join("config/config.toml"),
            "app_name = \"itest\"\ndebug_errors = false\nlog_level = \"info\"\n\
             [http]\nip = \"127.0.0.1\"\nport = 4000\n[url]\nhost = \"localhost\"\n\
             [session]\nstore = \"cookie\"\nkey = \"_t\"\n\
             [render_errors]\nview = \"error\"\naccepts = [\"html\"]\n\
             [static]\nat = \"/\"\nfrom = \"priv/static\"\n",
        )
        .unwrap();
        for (backend, files) in [
            ("sqlite", SQLITE_MIGRATIONS),
            ("postgres", POSTGRES_MIGRATIONS),
        ] {
            let dir = root.join("priv/migrations").join(backend);
            std::fs::create_dir_all(&dir).unwrap();
            for (name, sql) in files {
                std::fs::write(dir.join(name), sql).unwrap();
            }
        }
        App { root }
    }

    fn config(&self, url: &str) -> Config {
        let mut config = Config::load_env(&self.root, "test").unwrap();
        config.database.url = url.to_string();
        config
    }

    fn migrations(&self, backend: Backend) -> PathBuf {
        self.root.join("priv/migrations").join(backend.name())
    }
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
}

/// The PostgreSQL server's URL, or `None` (and a line saying so) when the
/// tests run without one.
fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("PHOENIX_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("PHOENIX_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "{test}: PHOENIX_REQUIRE_POSTGRES=1 but PHOENIX_TEST_POSTGRES_URL is unset \
                 (bash .ci/postgres.sh prints it)"
            );
            eprintln!("{test}: skipped on PostgreSQL (PHOENIX_TEST_POSTGRES_URL is unset)");
            None
        }
    }
}

/// A database of the server at `server_url` with a name of its own.
fn postgres_database(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (server_url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    format!("{server}/{name}_{:08x}{query}", rand_u64() as u32)
}

/// Every column type both backends decode through `Any`, `$n` placeholders
/// and `INSERT ... RETURNING id`.
async fn round_trip(repo: &Repo) {
    let inserted_at = db::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO items (name, count, price, done, inserted_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind("José's ünïcode")
    .bind(9_007_199_254_740_993_i64)
    .bind(2.25_f64)
    .bind(false)
    .bind(&inserted_at)
    .fetch_one(repo.pool())
    .await
    .expect("insert returning id");
    assert!(id > 1, "the seed row has id 1, got {id}");

    let row = sqlx::query(
        "SELECT id, name, count, price, done, inserted_at FROM items WHERE id = $1 AND name = $2",
    )
    .bind(id)
    .bind("José's ünïcode")
    .fetch_one(repo.pool())
    .await
    .expect("select by id");
    assert_eq!(row.try_get::<i64, _>("id").unwrap(), id);
    assert_eq!(row.try_get::<String, _>("name").unwrap(), "José's ünïcode");
    assert_eq!(
        row.try_get::<i64, _>("count").unwrap(),
        9_007_199_254_740_993
    );
    assert_eq!(row.try_get::<f64, _>("price").unwrap(), 2.25);
    assert!(!db::get_bool(&row, "done").unwrap());
    assert_eq!(
        row.try_get::<String, _>("inserted_at").unwrap(),
        inserted_at
    );
    if repo.backend() == Backend::Postgres {
        assert!(!row.try_get::<bool, _>("done").unwrap(), "BOOLEAN decodes");
    }

    // Update with a boolean parameter, then read it back.
    let changed = sqlx::query("UPDATE items SET done = $1, price = price * $2 WHERE id = $3")
        .bind(true)
        .bind(2.0_f64)
        .bind(id)
        .execute(repo.pool())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(changed, 1);
    let row = sqlx::query("SELECT done, price FROM items WHERE id = $1")
        .bind(id)
        .fetch_one(repo.pool())
        .await
        .unwrap();
    assert!(db::get_bool(&row, "done").unwrap());
    assert_eq!(row.try_get::<f64, _>("price").unwrap(), 4.5);

    // A boolean parameter in a WHERE clause.
    let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items WHERE done = $1")
        .bind(true)
        .fetch_one(repo.pool())
        .await
        .unwrap();
    assert_eq!(done, 2, "the seed row and ours");

    // The seed migration ran; NULLs come back as None.
    let seed: (i64, String) = sqlx::query_as("SELECT id, name FROM items WHERE id = 1")
        .fetch_one(repo.pool())
        .await
        .unwrap();
    assert_eq!(seed, (1, "seed".to_string()));
    let nothing: Option<String> = sqlx::query_scalar("SELECT MAX(name) FROM items WHERE id < 0")
        .fetch_one(repo.pool())
        .await
        .unwrap();
    assert_eq!(nothing, None);

    // Delete, then the row is gone: RowNotFound, the 404 of `?` in an action.
    sqlx::query("DELETE FROM items WHERE id = $1")
        .bind(id)
        .execute(repo.pool())
        .await
        .unwrap();
    let gone = sqlx::query_scalar::<_, i64>("SELECT id FROM items WHERE id = $1")
        .bind(id)
        .fetch_one(repo.pool())
        .await
        .unwrap_err();
    assert!(matches!(gone, sqlx::Error::RowNotFound), "{gone}");
    let err: phoenix::error::Error = gone.into();
    assert_eq!(err.status(), poem::http::StatusCode::NOT_FOUND);
}

/// Migrations: counted, not re-run, a new file applied, a broken one named.
async fn migrations(app: &App, config: &Config, repo: &Repo) {
    assert_eq!(repo.migrate(config).await.unwrap(), 0, "nothing pending");
    let dir = app.migrations(repo.backend());
    let extra = dir.join("20240103000000_add_note.sql");
    std::fs::write(&extra, "ALTER TABLE items ADD COLUMN note TEXT;").unwrap();
    assert_eq!(repo.migrate(config).await.unwrap(), 1);
    assert_eq!(repo.migrate(config).await.unwrap(), 0);
    let note: Option<String> = sqlx::query_scalar("SELECT note FROM items WHERE id = 1")
        .fetch_one(repo.pool())
        .await
        .unwrap();
    assert_eq!(note, None);
    let broken = dir.join("20240104000000_broken.sql");
    std::fs::write(&broken, "CREATE TABLE (;").unwrap();
    let err = repo.migrate(config).await.unwrap_err().to_string();
    assert!(err.contains("20240104000000_broken.sql"), "{err}");
    std::fs::remove_file(&broken).unwrap();
}

/// Two test databases of one config see none of each other's rows.
async fn isolation(config: &Config) {
    let (a, b) = tokio::join!(TestDatabase::new(config), TestDatabase::new(config));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(a.url(), b.url());
    sqlx::query(
        "INSERT INTO items (name, count, price, done, inserted_at) VALUES ($1, 1, 1.0, $2, $3)",
    )
    .bind("only in a")
    .bind(true)
    .bind(db::now())
    .execute(a.repo().pool())
    .await
    .unwrap();
    let count = |repo: Repo| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM items")
            .fetch_one(repo.pool())
            .await
            .unwrap()
    };
    assert_eq!(count(a.repo().clone()).await, 2, "seed + one");
    assert_eq!(count(b.repo().clone()).await, 1, "seed only");
    let url = a.url().to_string();
    std::mem::drop(a);
    assert!(
        Repo::connect_url(&url.replace("mode=rwc", "mode=rw"), 1)
            .await
            .is_err(),
        "a dropped test database is gone: {url}"
    );
    std::mem::drop(b);
}

/// create / drop / setup / reset through a config.
async fn lifecycle(config: &Config, exists: impl AsyncFn() -> bool) {
    let _ = db::drop(config).await.unwrap();
    assert!(!exists().await);
    assert!(db::create(config).await.unwrap(), "created");
    assert!(!db::create(config).await.unwrap(), "already there");
    assert!(exists().await);
    assert_eq!(db::migrate(config).await.unwrap(), 2);
    assert_eq!(db::migrate(config).await.unwrap(), 0);
    assert_eq!(db::reset(config).await.unwrap(), 2, "reset migrates again");
    assert!(db::drop(config).await.unwrap());
    assert!(!db::drop(config).await.unwrap(), "already gone");
    assert_eq!(db::setup(config).await.unwrap(), 2);
    let repo = Repo::start(config).await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM items ORDER BY id")
        .fetch_all(repo.pool())
        .await
        .unwrap();
    assert_eq!(names, ["seed"]);
    repo.close().await;
    assert!(db::drop(config).await.unwrap());
}

#[tokio::test]
async fn sqlite_crud_migrations_and_types() {
    let app = App::new();
    let config = app.config("sqlite://priv/db/itest_test.sqlite3");
    let repo = Repo::start(&config).await.unwrap();
    assert_eq!(repo.backend(), Backend::Sqlite);
    assert!(app.root.join("priv/db/itest_test.sqlite3").is_file());
    round_trip(&repo).await;
    migrations(&app, &config, &repo).await;
    repo.close().await;
}

#[tokio::test]
async fn sqlite_test_databases_are_isolated_and_removed() {
    let app = App::new();
    let config = app.config("sqlite://priv/db/itest_test.sqlite3");
    isolation(&config).await;
    let db = TestDatabase::new(&config).await.unwrap();
    round_trip(db.repo()).await;
    let file = db
        .url()
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert!(Path::new(&file).is_file());
    std::mem::drop(db);
    assert!(!Path::new(&file).exists(), "{file} removed");
}

#[tokio::test]
async fn sqlite_lifecycle() {
    let app = App::new();
    let config = app.config("sqlite://priv/db/life.sqlite3");
    let file = app.root.join("priv/db/life.sqlite3");
    lifecycle(&config, async || file.is_file()).await;
}

#[tokio::test]
async fn postgres_crud_migrations_and_types() {
    let Some(server) = postgres_url("postgres_crud_migrations_and_types") else {
        return;
    };
    let app = App::new();
    let config = app.config(&postgres_database(&server, "itest_crud"));
    db::create(&config).await.unwrap();
    let repo = Repo::start(&config).await.unwrap();
    assert_eq!(repo.backend(), Backend::Postgres);
    round_trip(&repo).await;
    migrations(&app, &config, &repo).await;
    repo.close().await;
    assert!(db::drop(&config).await.unwrap());
}

#[tokio::test]
async fn postgres_test_databases_are_isolated_and_dropped() {
    let Some(server) = postgres_url("postgres_test_databases_are_isolated_and_dropped") else {
        return;
    };
    let app = App::new();
    let config = app.config(&postgres_database(&server, "itest_iso"));
    isolation(&config).await;
    // Dropped even while its pool still holds connections (WITH (FORCE)).
    let db = TestDatabase::new(&config).await.unwrap();
    round_trip(db.repo()).await;
    let repo = db.repo().clone();
    let name = db.url().rsplit('/').next().unwrap().to_string();
    let started = std::time::Instant::now();
    std::mem::drop(db);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    std::mem::drop(repo);
    let server_repo = Repo::connect_url(&server, 1).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_one(server_repo.pool())
        .await
        .unwrap();
    assert_eq!(left, 0, "{name} dropped");
}

#[tokio::test]
async fn postgres_lifecycle() {
    let Some(server) = postgres_url("postgres_lifecycle") else {
        return;
    };
    let app = App::new();
    let url = postgres_database(&server, "itest_life");
    let config = app.config(&url);
    let name = url.rsplit('/').next().unwrap().to_string();
    let server_repo = Repo::connect_url(&server, 1).await.unwrap();
    let exists = async || {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
            .bind(&name)
            .fetch_one(server_repo.pool())
            .await
            .unwrap()
            == 1
    };
    lifecycle(&config, exists).await;
}

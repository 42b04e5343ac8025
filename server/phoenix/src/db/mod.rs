//! A real database through [sqlx](https://docs.rs/sqlx): SQLite by default
//! (a file, nothing to install), PostgreSQL by URL (the `db` feature).
//!
//! The pool is a [`Repo`], given to the endpoint as application state and
//! read back with `State<Repo>`. Its URL comes from `[database]` in the
//! configuration (or `DATABASE_URL`); migrations are plain SQL files under
//! `priv/migrations/sqlite/` and `priv/migrations/postgres/`, named
//! `<version>_<name>.sql`, the folder matching the URL's backend. In `dev`
//! and `test`, [`Repo::start`] applies pending migrations.
//!
//! Queries go through sqlx's `Any` driver, so one query text serves both
//! backends: write placeholders as `$1, $2, ...` (SQLite accepts them too),
//! and use only the column types both decode: `i64` (`BIGINT`/`INTEGER`),
//! `f64` (`DOUBLE PRECISION`/`REAL`), `String` (`TEXT`) and booleans, read
//! with [`get_bool`] (SQLite has no boolean values: declare the column
//! `INTEGER` there, `BOOLEAN` in PostgreSQL). Timestamps are RFC 3339 text
//! from [`now`].
//!
//! ```no_run
//! use phoenix::config::Config;
//! use phoenix::db::{self, sqlx, Repo};
//! use phoenix::db::sqlx::Row;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::load(".")?;
//! // Connects (creating the SQLite file if needed) and migrates in dev/test.
//! let repo = Repo::start(&config).await?;
//! let id: i64 = sqlx::query_scalar(
//!     "INSERT INTO users (name, inserted_at) VALUES ($1, $2) RETURNING id",
//! )
//! .bind("José")
//! .bind(db::now())
//! .fetch_one(repo.pool())
//! .await?;
//! let row = sqlx::query("SELECT name FROM users WHERE id = $1")
//!     .bind(id)
//!     .fetch_one(repo.pool())
//!     .await?;
//! assert_eq!(row.try_get::<String, _>("name")?, "José");
//! # Ok(())
//! # }
//! ```
//!
//! In an action, `?` on a query renders `sqlx::Error::RowNotFound` as a 404
//! and any other database error as a 500 (`sqlx::Error` is an
//! [`Exception`]). Tests get a fresh, migrated
//! database each with [`TestDatabase`], so they run in parallel. The
//! `phx db.*` commands are [`create`], [`drop`], [`migrate`], [`setup`] and
//! [`reset`].

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use poem::http::StatusCode;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migrate, MigrateError, Migrator};
use sqlx::{AnyPool, Connection, Row};

use crate::config::Config;
use crate::error::Exception;

pub use sqlx;

mod error;
mod lifecycle;
mod repo;
mod test_database;
mod url;

pub use error::DbError;
pub use lifecycle::{create, drop, migrate, reset, setup};
pub use repo::Repo;
pub use test_database::TestDatabase;
pub use url::{redact, resolve_url};
// The submodules reach each other's helpers through `use super::*`.
use {lifecycle::*, repo::*, url::*};

/// The database server a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// `sqlite://path` or `sqlite::memory:`: an embedded file.
    Sqlite,
    /// `postgres://user:password@host:port/database`.
    Postgres,
}

impl Backend {
    /// The backend of a database URL, by its scheme.
    pub fn of_url(url: &str) -> Result<Backend, DbError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(DbError::Url {
                url: redact(url),
                reason: "the scheme must be sqlite: or postgres://".into(),
            })
        }
    }

    /// The name of its migrations folder (`sqlite`, `postgres`).
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The current UTC time as RFC 3339 text to the second
/// (`2026-12-02T09:30:00Z`), for `inserted_at`/`updated_at` `TEXT` columns:
/// it sorts as text and reads the same on both backends.
pub fn now() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Reads a boolean column on both backends: PostgreSQL's `BOOLEAN`, and
/// SQLite's integers (0 is false), which the `Any` driver will not decode as
/// `bool` itself.
pub fn get_bool(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    match row.try_get::<bool, _>(column) {
        Ok(value) => Ok(value),
        Err(err @ sqlx::Error::ColumnNotFound(_)) => Err(err),
        Err(err) => row.try_get::<i64, _>(column).map(|i| i != 0).or(Err(err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> Config {
        let root = std::env::temp_dir().join(format!("phx-db-{:x}", rand::random::<u64>()));
        std::fs::create_dir_all(root.join("config")).unwrap();
        std::fs::write(
            root.join("config/config.toml"),
            "app_name = \"t\"\ndebug_errors = false\nlog_level = \"info\"\n\
             [http]\nip = \"127.0.0.1\"\nport = 4000\n[url]\nhost = \"localhost\"\n\
             [session]\nstore = \"cookie\"\nkey = \"_t\"\n\
             [render_errors]\nview = \"error\"\naccepts = [\"html\"]\n\
             [static]\nat = \"/\"\nfrom = \"priv/static\"\n",
        )
        .unwrap();
        let mut config = Config::load_env(&root, "test").unwrap();
        config.database.url = url.into();
        config
    }

    #[test]
    fn backends_by_scheme() {
        assert_eq!(Backend::of_url("sqlite://a.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("sqlite::memory:").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::of_url("postgres://u@h/d").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::of_url("postgresql://u@h/d").unwrap(),
            Backend::Postgres
        );
        let err = Backend::of_url("mysql://u:secret@h/d")
            .unwrap_err()
            .to_string();
        assert!(err.contains("mysql://u:***@h/d"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn relative_sqlite_paths_resolve_against_the_root() {
        let config = config("sqlite://priv/db/t_dev.sqlite3");
        let url = resolve_url(&config).unwrap();
        let expected = format!(
            "sqlite://{}?mode=rwc",
            config.root.join("priv/db/t_dev.sqlite3").display()
        );
        assert_eq!(url, expected);
        assert_eq!(
            sqlite_file(&url).unwrap(),
            config.root.join("priv/db/t_dev.sqlite3")
        );
        let config2 = self::config("sqlite:///abs/x.db?mode=ro");
        assert_eq!(resolve_url(&config2).unwrap(), "sqlite:///abs/x.db?mode=ro");
        let memory = self::config("sqlite::memory:");
        assert_eq!(resolve_url(&memory).unwrap(), "sqlite::memory:");
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        let _ = std::fs::remove_dir_all(&config.root);
        let _ = std::fs::remove_dir_all(&config2.root);
        let _ = std::fs::remove_dir_all(&memory.root);
    }

    #[test]
    fn postgres_urls_change_database_and_hide_passwords() {
        let url = "postgres://me:pw@127.0.0.1:5499/app_dev?sslmode=disable";
        assert_eq!(database_name(url).unwrap(), "app_dev");
        assert_eq!(
            with_database(url, "postgres").unwrap(),
            "postgres://me:pw@127.0.0.1:5499/postgres?sslmode=disable"
        );
        assert_eq!(
            redact(url),
            "postgres://me:***@127.0.0.1:5499/app_dev?sslmode=disable"
        );
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
        assert!(database_name("postgres://h").is_err());
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn now_is_rfc3339_utc_to_the_second() {
        let now = now();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.ends_with('Z') && now.as_bytes()[10] == b'T', "{now}");
        assert!(now.as_str() > "2024-01-01T00:00:00Z");
    }

    #[test]
    fn row_not_found_is_a_404_other_errors_500() {
        assert_eq!(sqlx::Error::RowNotFound.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            sqlx::Error::PoolTimedOut.status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        let err: crate::error::Error = sqlx::Error::RowNotFound.into();
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn sqlite_file_and_folder_are_created_and_migrations_counted() {
        let config = config("sqlite://priv/db/nested/t.sqlite3");
        let dir = config.root.join("priv/migrations/sqlite");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("1_items.sql"),
            "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);",
        )
        .unwrap();
        let repo = Repo::start(&config).await.unwrap();
        assert_eq!(repo.backend(), Backend::Sqlite);
        assert!(config.root.join("priv/db/nested/t.sqlite3").is_file());
        assert_eq!(repo.migrate(&config).await.unwrap(), 0, "already applied");
        std::fs::write(
            dir.join("2_more.sql"),
            "ALTER TABLE items ADD COLUMN n INTEGER NOT NULL DEFAULT 0;",
        )
        .unwrap();
        assert_eq!(repo.migrate(&config).await.unwrap(), 1);
        std::fs::write(dir.join("3_broken.sql"), "CREATE TABLE nope (;").unwrap();
        let err = repo.migrate(&config).await.unwrap_err().to_string();
        assert!(err.contains("3_broken.sql"), "{err}");
        repo.close().await;
        assert!(drop(&config).await.unwrap());
        assert!(!config.root.join("priv/db/nested/t.sqlite3").exists());
        assert!(!drop(&config).await.unwrap());
        let _ = std::fs::remove_dir_all(&config.root);
    }

    #[tokio::test]
    async fn no_migrations_folder_means_no_migrations() {
        let config = config("sqlite::memory:");
        let repo = Repo::start(&config).await.unwrap();
        assert_eq!(repo.migrate(&config).await.unwrap(), 0);
        let one: i64 = sqlx::query_scalar("SELECT 1")
            .fetch_one(repo.pool())
            .await
            .unwrap();
        assert_eq!(one, 1);
        let _ = std::fs::remove_dir_all(&config.root);
    }

    /// The `Any` driver's quirk that [`get_bool`] works around: SQLite
    /// stores booleans as integers, and `Any` decodes `bool` from its own
    /// boolean values only.
    #[tokio::test]
    async fn sqlite_booleans_read_with_get_bool() {
        let repo = Repo::connect_url("sqlite::memory:", 1).await.unwrap();
        sqlx::query("CREATE TABLE t (a INTEGER NOT NULL, b BOOLEAN NOT NULL)")
            .execute(repo.pool())
            .await
            .unwrap();
        sqlx::query("INSERT INTO t (a, b) VALUES ($1, $2)")
            .bind(true)
            .bind(false)
            .execute(repo.pool())
            .await
            .unwrap();
        let row = sqlx::query("SELECT a FROM t")
            .fetch_one(repo.pool())
            .await
            .unwrap();
        assert!(
            row.try_get::<bool, _>("a").is_err(),
            "Any: no bool from INTEGER"
        );
        assert!(get_bool(&row, "a").unwrap());
        // A column declared BOOLEAN cannot even be selected through `Any`
        // ("Any driver does not support the SQLite type Bool"): declare it
        // INTEGER in SQLite migrations.
        let b = sqlx::query("SELECT b FROM t").fetch_one(repo.pool()).await;
        assert!(b.is_err());
        assert!(matches!(
            get_bool(&row, "nope"),
            Err(sqlx::Error::ColumnNotFound(_))
        ));
    }

    #[tokio::test]
    async fn a_bad_url_names_itself_without_its_password() {
        let config = config("postgres://me:hunter2@127.0.0.1:1/app");
        let err = Repo::connect(&config).await.unwrap_err().to_string();
        assert!(err.contains("postgres://me:***@127.0.0.1:1/app"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let _ = std::fs::remove_dir_all(&config.root);
    }
}

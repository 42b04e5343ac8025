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

/// What failed in the database layer: which URL (without its password),
/// which file or which migration.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL cannot be used.
    #[error("database URL {url}: {reason}")]
    Url {
        /// The URL, password removed.
        url: String,
        /// Why.
        reason: String,
    },
    /// Connecting failed.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The URL, password removed.
        url: String,
        /// sqlx's error.
        #[source]
        source: sqlx::Error,
    },
    /// A statement of the database layer itself failed (`CREATE DATABASE`, ...).
    #[error("{what} on {url}: {source}")]
    Query {
        /// The statement or step.
        what: String,
        /// The URL, password removed.
        url: String,
        /// sqlx's error.
        #[source]
        source: sqlx::Error,
    },
    /// A file or folder could not be created or removed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The migrations folder could not be read.
    #[error("cannot read the migrations in {path}: {source}")]
    Migrations {
        /// The folder.
        path: PathBuf,
        /// sqlx's error.
        #[source]
        source: MigrateError,
    },
    /// A migration failed (or does not match what was applied).
    #[error("migration {file} on {url}: {source}")]
    Migration {
        /// The migration's file (or its version when the file is gone).
        file: String,
        /// The URL, password removed.
        url: String,
        /// sqlx's error.
        #[source]
        source: MigrateError,
    },
}

/// `?` on a query in an action: no row is a 404, anything else a 500.
impl Exception for sqlx::Error {
    fn status(&self) -> StatusCode {
        match self {
            sqlx::Error::RowNotFound => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A database layer failure in an action is a 500.
impl Exception for DbError {}

/// The application's connection pool: cheap to clone, given to the
/// endpoint as state (`.state(repo)`) and read with `State<Repo>`.
#[derive(Clone, Debug)]
pub struct Repo {
    pool: AnyPool,
    backend: Backend,
    url: String,
}

impl Repo {
    /// Connects to `config.database.url` (creating a SQLite file and its
    /// folder if missing) and applies pending migrations when
    /// [`Config::database_migrate`] says so (by default in `dev` and `test`).
    pub async fn start(config: &Config) -> Result<Repo, DbError> {
        let repo = Repo::connect(config).await?;
        if config.database_migrate() {
            repo.migrate(config).await?;
        }
        Ok(repo)
    }

    /// Connects to `config.database.url` without migrating.
    pub async fn connect(config: &Config) -> Result<Repo, DbError> {
        let url = resolve_url(config)?;
        Repo::connect_url(&url, config.database.pool_size).await
    }

    /// Connects to a URL (a relative SQLite path is relative to the current
    /// folder), with at most `pool_size` connections.
    pub async fn connect_url(url: &str, pool_size: u32) -> Result<Repo, DbError> {
        install_drivers();
        let backend = Backend::of_url(url)?;
        let mut options = AnyPoolOptions::new()
            .max_connections(pool_size.max(1))
            .acquire_timeout(Duration::from_secs(30));
        if backend == Backend::Sqlite {
            match sqlite_file(url) {
                // Each connection to `:memory:` is its own database: keep one.
                None => {
                    options = options
                        .max_connections(1)
                        .min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None)
                }
                Some(path) => {
                    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                        std::fs::create_dir_all(parent).map_err(|source| DbError::Io {
                            path: parent.to_path_buf(),
                            source,
                        })?;
                    }
                }
            }
        }
        let failed = |source| DbError::Connect {
            url: redact(url),
            source,
        };
        // One direct attempt first: a refused connection is reported at
        // once, where the pool would retry until its acquire timeout.
        sqlx::AnyConnection::connect(url)
            .await
            .map_err(failed)?
            .close()
            .await
            .map_err(failed)?;
        let pool = options.connect(url).await.map_err(failed)?;
        Ok(Repo {
            pool,
            backend,
            url: url.to_string(),
        })
    }

    /// The sqlx pool, for queries: `sqlx::query(..).fetch_all(repo.pool())`.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// SQLite or PostgreSQL.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL connected to, password removed.
    pub fn url(&self) -> String {
        redact(&self.url)
    }

    /// Applies the pending migrations of `config.database.migrations`
    /// (its `sqlite/` or `postgres/` folder); returns how many ran. A
    /// missing folder means no migrations.
    pub async fn migrate(&self, config: &Config) -> Result<usize, DbError> {
        self.migrate_from(&config.path(&config.database.migrations))
            .await
    }

    /// Applies the pending migrations of `folder/<backend>/`; returns how
    /// many ran.
    pub async fn migrate_from(&self, folder: &Path) -> Result<usize, DbError> {
        let dir = folder.join(self.backend.name());
        if !dir.is_dir() {
            return Ok(0);
        }
        let migrator =
            Migrator::new(dir.as_path())
                .await
                .map_err(|source| DbError::Migrations {
                    path: dir.clone(),
                    source,
                })?;
        let url = redact(&self.url);
        let failed = |source: MigrateError| {
            let file = match &source {
                MigrateError::ExecuteMigration(_, v)
                | MigrateError::VersionMismatch(v)
                | MigrateError::VersionMissing(v)
                | MigrateError::VersionNotPresent(v)
                | MigrateError::VersionTooOld(v, _)
                | MigrateError::VersionTooNew(v, _)
                | MigrateError::Dirty(v) => migration_file(&dir, *v),
                _ => dir.display().to_string(),
            };
            DbError::Migration {
                file,
                url: url.clone(),
                source,
            }
        };
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|source| DbError::Connect {
                url: url.clone(),
                source,
            })?;
        conn.ensure_migrations_table().await.map_err(failed)?;
        let applied = conn.list_applied_migrations().await.map_err(failed)?;
        let pending = migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .filter(|m| !applied.iter().any(|a| a.version == m.version))
            .count();
        migrator.run_direct(&mut *conn).await.map_err(failed)?;
        Ok(pending)
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        self.pool.close().await
    }
}

/// The file of migration `version` in `dir` (its version if none matches).
fn migration_file(dir: &Path, version: i64) -> String {
    let prefix = format!("{version}_");
    std::fs::read_dir(dir)
        .ok()
        .and_then(|entries| {
            entries.filter_map(|e| e.ok()).map(|e| e.path()).find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&prefix))
            })
        })
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| format!("{} (version {version})", dir.display()))
}

fn install_drivers() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(sqlx::any::install_default_drivers);
}

/// The URL `config.database.url` means: a relative SQLite path made
/// absolute against the app root, and `mode=rwc` (create if missing) unless
/// the URL sets a mode.
pub fn resolve_url(config: &Config) -> Result<String, DbError> {
    let url = config.database.url.trim();
    if Backend::of_url(url)? == Backend::Postgres {
        url::Url::parse(url).map_err(|e| DbError::Url {
            url: redact(url),
            reason: e.to_string(),
        })?;
        return Ok(url.to_string());
    }
    let (path, query) = split_sqlite(url);
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_string());
    }
    let path = Path::new(path);
    let path = if path.is_relative() {
        config.path(path)
    } else {
        path.to_path_buf()
    };
    Ok(sqlite_url(&path, query))
}

/// `sqlite://<path>?<query>`, adding `mode=rwc` when no mode is given.
fn sqlite_url(path: &Path, query: Option<&str>) -> String {
    let encoded = path
        .to_string_lossy()
        .replace('%', "%25")
        .replace('?', "%3F")
        .replace('#', "%23");
    let mut params: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    if !params.iter().any(|p| p.starts_with("mode=")) {
        params.push("mode=rwc");
    }
    format!("sqlite://{encoded}?{}", params.join("&"))
}

/// The path and query of a SQLite URL.
fn split_sqlite(url: &str) -> (&str, Option<&str>) {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    }
}

/// The file of a SQLite URL (`None` for an in-memory database).
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let (path, query) = split_sqlite(url);
    if path.is_empty() || path == ":memory:" || query.is_some_and(|q| q.contains("mode=memory")) {
        return None;
    }
    let decoded = path
        .replace("%3F", "?")
        .replace("%23", "#")
        .replace("%25", "%");
    Some(PathBuf::from(decoded))
}

/// The URL without its password (for messages and logs).
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// The same PostgreSQL server, another database.
fn with_database(url: &str, database: &str) -> Result<String, DbError> {
    let mut parsed = url::Url::parse(url).map_err(|e| DbError::Url {
        url: redact(url),
        reason: e.to_string(),
    })?;
    parsed.set_path(&format!("/{database}"));
    Ok(parsed.to_string())
}

/// The database a PostgreSQL URL names.
fn database_name(url: &str) -> Result<String, DbError> {
    let parsed = url::Url::parse(url).map_err(|e| DbError::Url {
        url: redact(url),
        reason: e.to_string(),
    })?;
    let name = parsed.path().trim_start_matches('/');
    if name.is_empty() {
        return Err(DbError::Url {
            url: redact(url),
            reason: "no database name in the path".into(),
        });
    }
    Ok(percent_encoding::percent_decode_str(name)
        .decode_utf8_lossy()
        .into_owned())
}

/// A quoted SQL identifier.
fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// Runs one statement on the `postgres` maintenance database of `url`'s server.
async fn on_server(url: &str, sql: &str, what: &str) -> Result<u64, DbError> {
    install_drivers();
    let maintenance = with_database(url, "postgres")?;
    let mut conn = sqlx::AnyConnection::connect(&maintenance)
        .await
        .map_err(|source| DbError::Connect {
            url: redact(&maintenance),
            source,
        })?;
    let result = sqlx::query(sql)
        .execute(&mut conn)
        .await
        .map_err(|source| DbError::Query {
            what: what.to_string(),
            url: redact(url),
            source,
        });
    let _ = conn.close().await;
    Ok(result?.rows_affected())
}

/// Whether the database of a PostgreSQL URL exists.
async fn pg_exists(url: &str) -> Result<bool, DbError> {
    install_drivers();
    let name = database_name(url)?;
    let maintenance = with_database(url, "postgres")?;
    let mut conn = sqlx::AnyConnection::connect(&maintenance)
        .await
        .map_err(|source| DbError::Connect {
            url: redact(&maintenance),
            source,
        })?;
    let found = sqlx::query("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut conn)
        .await
        .map_err(|source| DbError::Query {
            what: format!("looking for database {name}"),
            url: redact(url),
            source,
        });
    let _ = conn.close().await;
    Ok(found?.is_some())
}

async fn create_url(url: &str) -> Result<bool, DbError> {
    match Backend::of_url(url)? {
        Backend::Sqlite => {
            let Some(path) = sqlite_file(url) else {
                return Ok(false);
            };
            if path.exists() {
                return Ok(false);
            }
            let repo = Repo::connect_url(url, 1).await?;
            repo.close().await;
            Ok(true)
        }
        Backend::Postgres => {
            if pg_exists(url).await? {
                return Ok(false);
            }
            let name = database_name(url)?;
            on_server(
                url,
                &format!("CREATE DATABASE {}", quote(&name)),
                &format!("CREATE DATABASE {name}"),
            )
            .await?;
            Ok(true)
        }
    }
}

async fn drop_url(url: &str) -> Result<bool, DbError> {
    match Backend::of_url(url)? {
        Backend::Sqlite => {
            let Some(path) = sqlite_file(url) else {
                return Ok(false);
            };
            let existed = path.exists();
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut file = path.clone().into_os_string();
                file.push(suffix);
                match std::fs::remove_file(&file) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(source) => {
                        return Err(DbError::Io {
                            path: file.into(),
                            source,
                        })
                    }
                }
            }
            Ok(existed)
        }
        Backend::Postgres => {
            if !pg_exists(url).await? {
                return Ok(false);
            }
            let name = database_name(url)?;
            on_server(
                url,
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote(&name)),
                &format!("DROP DATABASE {name}"),
            )
            .await?;
            Ok(true)
        }
    }
}

/// `phx db.create`: creates the configured database (the SQLite file and
/// its folder, or `CREATE DATABASE` through the server's `postgres`
/// database). `false` when it already existed.
pub async fn create(config: &Config) -> Result<bool, DbError> {
    create_url(&resolve_url(config)?).await
}

/// `phx db.drop`: removes the configured database (the SQLite file, or
/// `DROP DATABASE ... WITH (FORCE)`). `false` when there was none.
pub async fn drop(config: &Config) -> Result<bool, DbError> {
    drop_url(&resolve_url(config)?).await
}

/// `phx db.migrate`: applies pending migrations; returns how many ran.
pub async fn migrate(config: &Config) -> Result<usize, DbError> {
    let repo = Repo::connect(config).await?;
    let applied = repo.migrate(config).await;
    repo.close().await;
    applied
}

/// `phx db.setup`: creates the database and migrates it; returns how many
/// migrations ran.
pub async fn setup(config: &Config) -> Result<usize, DbError> {
    create(config).await?;
    migrate(config).await
}

/// `phx db.reset`: drops the database, then sets it up again.
pub async fn reset(config: &Config) -> Result<usize, DbError> {
    drop(config).await?;
    setup(config).await
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

/// A fresh, migrated database for one test, removed when dropped, so tests
/// run in parallel without seeing each other's rows.
///
/// The backend is the one of `config.database.url` (`config/test.toml`,
/// or `DATABASE_URL`): SQLite gets a temporary file; PostgreSQL gets
/// `CREATE DATABASE <name>_t<random>` on the configured server, dropped
/// with `WITH (FORCE)` on a short-lived thread when the test ends.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let config = phoenix::config::Config::load_env(".", "test")?;
/// let db = phoenix::db::TestDatabase::new(&config).await?;
/// let repo = db.repo().clone(); // give it to the endpoint under test
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TestDatabase {
    repo: Repo,
    url: String,
}

impl TestDatabase {
    /// Creates and migrates a database of its own, on the configured backend.
    pub async fn new(config: &Config) -> Result<TestDatabase, DbError> {
        let configured = resolve_url(config)?;
        let suffix = format!("{:016x}", rand::random::<u64>());
        let url = match Backend::of_url(&configured)? {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join("phoenix-test-db");
                std::fs::create_dir_all(&dir).map_err(|source| DbError::Io {
                    path: dir.clone(),
                    source,
                })?;
                sqlite_url(
                    &dir.join(format!("{}_t{suffix}.sqlite3", config.app_name)),
                    None,
                )
            }
            Backend::Postgres => {
                let base = database_name(&configured).unwrap_or_else(|_| config.app_name.clone());
                // PostgreSQL names are at most 63 bytes.
                let base: String = base.chars().take(40).collect();
                with_database(&configured, &format!("{base}_t{suffix}"))?
            }
        };
        create_url(&url).await?;
        let repo = match Repo::connect_url(&url, config.database.pool_size).await {
            Ok(repo) => repo,
            Err(err) => {
                remove_test_database(url);
                return Err(err);
            }
        };
        let db = TestDatabase { repo, url };
        db.repo.migrate(config).await?;
        Ok(db)
    }

    /// Its pool.
    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    /// Its URL (a temporary SQLite file, or a database of its own).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        remove_test_database(std::mem::take(&mut self.url));
    }
}

/// Drops a test database without an async context: on a thread with its own
/// runtime, waited for 10 seconds at most.
fn remove_test_database(url: String) {
    let (done, wait) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("phoenix-test-db-drop".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                let result = runtime.block_on(async {
                    tokio::time::timeout(Duration::from_secs(10), drop_url(&url)).await
                });
                if let Ok(Err(err)) = result {
                    eprintln!("phoenix::db::TestDatabase: {err}");
                }
            }
            let _ = done.send(());
        });
    if spawned.is_ok() {
        let _ = wait.recv_timeout(Duration::from_secs(11));
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

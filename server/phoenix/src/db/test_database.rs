//! A database of its own for each test.

use super::*;

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
pub(super) fn remove_test_database(url: String) {
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

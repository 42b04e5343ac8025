//! The connection pool and its migrations.

use super::*;

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
pub(super) fn migration_file(dir: &Path, version: i64) -> String {
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

pub(super) fn install_drivers() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(sqlx::any::install_default_drivers);
}

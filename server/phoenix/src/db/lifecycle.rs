//! Creating, dropping, migrating and resetting the configured database
//! (the `phx db.*` commands).

use super::*;

/// Runs one statement on the `postgres` maintenance database of `url`'s server.
pub(super) async fn on_server(url: &str, sql: &str, what: &str) -> Result<u64, DbError> {
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
pub(super) async fn pg_exists(url: &str) -> Result<bool, DbError> {
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

pub(super) async fn create_url(url: &str) -> Result<bool, DbError> {
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

pub(super) async fn drop_url(url: &str) -> Result<bool, DbError> {
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

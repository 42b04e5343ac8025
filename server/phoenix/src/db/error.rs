//! What fails in the database layer, and how actions render it.

use super::*;

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

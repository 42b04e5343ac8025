//! The demo's data: users and their comments in the database
//! (`priv/migrations/{sqlite,postgres}/`), through typed functions over the
//! application's [`Repo`] (application state, read with `State<Repo>`).
//!
//! Every function is one query text for both backends (`$n` placeholders,
//! sqlx's `Any` driver); `?` on its `sqlx::Error` in an action renders a 500.

use phoenix::db::sqlx::{self, any::AnyRow, Row};
use serde::Serialize;

pub use phoenix::db::Repo;

/// A user.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// Identifier.
    pub id: u64,
    /// Display name.
    pub name: String,
}

/// A comment on a user's page.
#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    /// Identifier.
    pub id: u64,
    /// The user it belongs to.
    pub user_id: u64,
    /// Text.
    pub body: String,
}

/// An id column (`BIGINT`/`INTEGER`), never negative here.
fn id(row: &AnyRow, column: &str) -> Result<u64, sqlx::Error> {
    let id: i64 = row.try_get(column)?;
    u64::try_from(id).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: Box::new(e),
    })
}

fn user(row: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: id(row, "id")?,
        name: row.try_get("name")?,
    })
}

fn comment(row: &AnyRow) -> Result<Comment, sqlx::Error> {
    Ok(Comment {
        id: id(row, "id")?,
        user_id: id(row, "user_id")?,
        body: row.try_get("body")?,
    })
}

/// An id from a path: one beyond `i64` names no row.
fn key(id: u64) -> Option<i64> {
    i64::try_from(id).ok()
}

/// Every user, oldest first.
pub async fn list_users(repo: &Repo) -> Result<Vec<User>, sqlx::Error> {
    sqlx::query("SELECT id, name FROM users ORDER BY id")
        .fetch_all(repo.pool())
        .await?
        .iter()
        .map(user)
        .collect()
}

/// One user, if there is one with this id.
pub async fn get_user(repo: &Repo, id: u64) -> Result<Option<User>, sqlx::Error> {
    let Some(id) = key(id) else { return Ok(None) };
    sqlx::query("SELECT id, name FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(repo.pool())
        .await?
        .as_ref()
        .map(user)
        .transpose()
}

/// Adds a user.
pub async fn create_user(repo: &Repo, name: &str) -> Result<User, sqlx::Error> {
    let now = phoenix::db::now();
    let row = sqlx::query(
        "INSERT INTO users (name, inserted_at, updated_at) VALUES ($1, $2, $2) RETURNING id, name",
    )
    .bind(name)
    .bind(&now)
    .fetch_one(repo.pool())
    .await?;
    user(&row)
}

/// Renames a user; `None` if there is no such user.
pub async fn update_user(repo: &Repo, id: u64, name: &str) -> Result<Option<User>, sqlx::Error> {
    let Some(id) = key(id) else { return Ok(None) };
    sqlx::query("UPDATE users SET name = $1, updated_at = $2 WHERE id = $3 RETURNING id, name")
        .bind(name)
        .bind(phoenix::db::now())
        .bind(id)
        .fetch_optional(repo.pool())
        .await?
        .as_ref()
        .map(user)
        .transpose()
}

/// Removes a user and their comments; the removed user, or `None`.
pub async fn delete_user(repo: &Repo, id: u64) -> Result<Option<User>, sqlx::Error> {
    let Some(id) = key(id) else { return Ok(None) };
    let mut tx = repo.pool().begin().await?;
    sqlx::query("DELETE FROM comments WHERE user_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let deleted = sqlx::query("DELETE FROM users WHERE id = $1 RETURNING id, name")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(user)
        .transpose()?;
    tx.commit().await?;
    Ok(deleted)
}

/// A user's comments, oldest first.
pub async fn list_comments(repo: &Repo, user_id: u64) -> Result<Vec<Comment>, sqlx::Error> {
    let Some(user_id) = key(user_id) else {
        return Ok(Vec::new());
    };
    sqlx::query("SELECT id, user_id, body FROM comments WHERE user_id = $1 ORDER BY id")
        .bind(user_id)
        .fetch_all(repo.pool())
        .await?
        .iter()
        .map(comment)
        .collect()
}

/// Adds a comment to a user's page.
pub async fn create_comment(repo: &Repo, user_id: u64, body: &str) -> Result<Comment, sqlx::Error> {
    let user_id = key(user_id).ok_or(sqlx::Error::RowNotFound)?;
    let row = sqlx::query(
        "INSERT INTO comments (user_id, body, inserted_at, updated_at) \
         VALUES ($1, $2, $3, $3) RETURNING id, user_id, body",
    )
    .bind(user_id)
    .bind(body)
    .bind(phoenix::db::now())
    .fetch_one(repo.pool())
    .await?;
    comment(&row)
}

/// Removes a comment of a user; whether there was one.
pub async fn delete_comment(repo: &Repo, user_id: u64, id: u64) -> Result<bool, sqlx::Error> {
    let (Some(user_id), Some(id)) = (key(user_id), key(id)) else {
        return Ok(false);
    };
    let result = sqlx::query("DELETE FROM comments WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(repo.pool())
        .await?;
    Ok(result.rows_affected() > 0)
}

//! `{{ schema.module }}`: the `{{ schema.plural }}` table of the {{ context.module }} context.

use phoenix::changeset::Changeset;
use phoenix::db::sqlx::{self, any::AnyRow, Row};
{% if fields|selectattr("kind", "equalto", "boolean")|list %}
use phoenix::db::{get_bool, now, Repo};
{% else %}
use phoenix::db::{now, Repo};
{% endif %}
use serde::Serialize;
use serde_json::{Map, Value};

/// A {{ schema.human|lower }}.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct {{ schema.module }} {
    /// Identifier.
    pub id: i64,
{% for f in fields %}
    /// {{ f.label }}.
    pub {{ f.name }}: {{ f.rust_type }},
{% endfor %}
    /// When it was created (UTC, RFC 3339).
    pub inserted_at: String,
    /// When it last changed (UTC, RFC 3339).
    pub updated_at: String,
}

impl {{ schema.module }} {
    fn from_row(row: &AnyRow) -> Result<{{ schema.module }}, sqlx::Error> {
        Ok({{ schema.module }} {
            id: row.try_get("id")?,
{% for f in fields %}
{% if f.kind == "boolean" %}
            {{ f.name }}: get_bool(row, "{{ f.name }}")?,
{% else %}
            {{ f.name }}: row.try_get("{{ f.name }}")?,
{% endif %}
{% endfor %}
            inserted_at: row.try_get("inserted_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

/// The fields of a {{ schema.human|lower }}, cast and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct {{ schema.module }}Attrs {
{% for f in fields %}
    /// {{ f.label }}.
    pub {{ f.name }}: {{ f.rust_type }},
{% endfor %}
}

impl {{ schema.module }}Attrs {
    /// Casts submitted fields (a form's text or JSON values); every field is
    /// required. Add your own checks here with `changeset.add_error(..)`.
    pub fn cast(params: &Map<String, Value>) -> Result<{{ schema.module }}Attrs, Changeset> {
        let mut changeset = Changeset::cast(params);
        let attrs = {{ schema.module }}Attrs {
{% for f in fields %}
            {{ f.name }}: changeset.{{ f.cast }}("{{ f.name }}").unwrap_or_default(),
{% endfor %}
        };
        changeset.apply(attrs)
    }
}

const COLUMNS: &str = "id, {% for f in fields %}{{ f.name }}, {% endfor %}inserted_at, updated_at";

/// Every {{ schema.human|lower }}, oldest first.
pub async fn list_{{ schema.plural }}(repo: &Repo) -> Result<Vec<{{ schema.module }}>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM {{ schema.plural }} ORDER BY id");
    let rows = sqlx::query(&sql).fetch_all(repo.pool()).await?;
    rows.iter().map({{ schema.module }}::from_row).collect()
}

/// One {{ schema.human|lower }}; `RowNotFound` (a 404 page in a controller) if there is none.
pub async fn get_{{ schema.singular }}(repo: &Repo, id: i64) -> Result<{{ schema.module }}, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM {{ schema.plural }} WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_one(repo.pool()).await?;
    {{ schema.module }}::from_row(&row)
}

/// Creates a {{ schema.human|lower }} from submitted fields; `Ok(Err(changeset))` says
/// which fields are wrong.
pub async fn create_{{ schema.singular }}(
    repo: &Repo,
    params: &Map<String, Value>,
) -> Result<Result<{{ schema.module }}, Changeset>, sqlx::Error> {
    let attrs = match {{ schema.module }}Attrs::cast(params) {
        Ok(attrs) => attrs,
        Err(changeset) => return Ok(Err(changeset)),
    };
    let sql = format!(
        "INSERT INTO {{ schema.plural }} ({% for f in fields %}{{ f.name }}, {% endfor %}inserted_at, updated_at) \
         VALUES ({% for f in fields %}${{ loop.index }}, {% endfor %}${{ fields|length + 1 }}, ${{ fields|length + 1 }}) RETURNING {COLUMNS}"
    );
    let row = sqlx::query(&sql)
{% for f in fields %}
        .bind(attrs.{{ f.name }})
{% endfor %}
        .bind(now())
        .fetch_one(repo.pool())
        .await?;
    Ok(Ok({{ schema.module }}::from_row(&row)?))
}

/// Changes a {{ schema.human|lower }}; `Ok(Err(changeset))` says which fields are wrong.
pub async fn update_{{ schema.singular }}(
    repo: &Repo,
    {{ schema.singular }}: &{{ schema.module }},
    params: &Map<String, Value>,
) -> Result<Result<{{ schema.module }}, Changeset>, sqlx::Error> {
    let attrs = match {{ schema.module }}Attrs::cast(params) {
        Ok(attrs) => attrs,
        Err(changeset) => return Ok(Err(changeset)),
    };
    let sql = format!(
        "UPDATE {{ schema.plural }} SET {% for f in fields %}{{ f.name }} = ${{ loop.index }}, {% endfor %}updated_at = ${{ fields|length + 1 }} \
         WHERE id = ${{ fields|length + 2 }} RETURNING {COLUMNS}"
    );
    let row = sqlx::query(&sql)
{% for f in fields %}
        .bind(attrs.{{ f.name }})
{% endfor %}
        .bind(now())
        .bind({{ schema.singular }}.id)
        .fetch_one(repo.pool())
        .await?;
    Ok(Ok({{ schema.module }}::from_row(&row)?))
}

/// Deletes a {{ schema.human|lower }}; `RowNotFound` if there was none.
pub async fn delete_{{ schema.singular }}(repo: &Repo, id: i64) -> Result<(), sqlx::Error> {
    let done = sqlx::query("DELETE FROM {{ schema.plural }} WHERE id = $1")
        .bind(id)
        .execute(repo.pool())
        .await?;
    if done.rows_affected() == 0 {
        return Err(sqlx::Error::RowNotFound);
    }
    Ok(())
}

//! `{{ schema.module }}Controller`: {{ schema.plural }} as a JSON API.

use phoenix::db::Repo;
use phoenix::prelude::*;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::router::helpers::api_{{ schema.singular }}_path;
use crate::views::{{ schema.singular }}_json as view;
use crate::{{ context.snake }};

/// {{ schema.human_plural }}, as JSON.
pub struct {{ schema.module }}Controller;

impl Controller for {{ schema.module }}Controller {
    type View = view::{{ schema.module }}Json;
}

/// The request body: `{"{{ schema.singular }}": {...}}`.
#[derive(Deserialize)]
pub struct {{ schema.module }}Body {
    /// The submitted fields, cast by the context.
    #[serde(default)]
    pub {{ schema.singular }}: Map<String, Value>,
}

fn invalid(conn: Conn, changeset: &phoenix::changeset::Changeset) -> Result<Conn> {
    conn.put_status(StatusCode::UNPROCESSABLE_ENTITY)
        .json(&json!({ "errors": changeset.all_errors() }))
}

impl {{ schema.module }}Controller {
    /// `GET /api/{{ schema.plural }}`
    pub async fn index(conn: Conn, State(repo): State<Repo>) -> Result<Conn> {
        let {{ schema.plural }} = {{ context.snake }}::list_{{ schema.plural }}(&repo).await?;
        conn.json(&view::index(&{{ schema.plural }}))
    }

    /// `POST /api/{{ schema.plural }}`: 201 with a `location`, or 422 naming the bad fields.
    pub async fn create(
        conn: Conn,
        State(repo): State<Repo>,
        Json(body): Json<{{ schema.module }}Body>,
    ) -> Result<Conn> {
        match {{ context.snake }}::create_{{ schema.singular }}(&repo, &body.{{ schema.singular }}).await? {
            Ok({{ schema.singular }}) => conn
                .put_status(StatusCode::CREATED)
                .put_resp_header("location", api_{{ schema.singular }}_path::show({{ schema.singular }}.id).to_string())
                .json(&view::show(&{{ schema.singular }})),
            Err(changeset) => invalid(conn, &changeset),
        }
    }

    /// `GET /api/{{ schema.plural }}/:id`
    pub async fn show(conn: Conn, Path(id): Path<i64>, State(repo): State<Repo>) -> Result<Conn> {
        let {{ schema.singular }} = {{ context.snake }}::get_{{ schema.singular }}(&repo, id).await?;
        conn.json(&view::show(&{{ schema.singular }}))
    }

    /// `PATCH/PUT /api/{{ schema.plural }}/:id`
    pub async fn update(
        conn: Conn,
        Path(id): Path<i64>,
        State(repo): State<Repo>,
        Json(body): Json<{{ schema.module }}Body>,
    ) -> Result<Conn> {
        let {{ schema.singular }} = {{ context.snake }}::get_{{ schema.singular }}(&repo, id).await?;
        match {{ context.snake }}::update_{{ schema.singular }}(&repo, &{{ schema.singular }}, &body.{{ schema.singular }}).await? {
            Ok({{ schema.singular }}) => conn.json(&view::show(&{{ schema.singular }})),
            Err(changeset) => invalid(conn, &changeset),
        }
    }

    /// `DELETE /api/{{ schema.plural }}/:id`: 204.
    pub async fn destroy(conn: Conn, Path(id): Path<i64>, State(repo): State<Repo>) -> Result<Conn> {
        {{ context.snake }}::delete_{{ schema.singular }}(&repo, id).await?;
        conn.send_resp(StatusCode::NO_CONTENT, "")
    }
}

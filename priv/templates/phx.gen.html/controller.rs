//! `{{ schema.module }}Controller`: {{ schema.plural }} as pages and forms.

use phoenix::changeset::Changeset;
use phoenix::db::Repo;
use phoenix::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::router::helpers::{{ schema.singular }}_path;
use crate::views::{{ schema.singular }}::{self as view, {{ schema.module }}View};
use crate::{{ context.snake }};

/// {{ schema.human_plural }}, as HTML pages.
pub struct {{ schema.module }}Controller;

impl Controller for {{ schema.module }}Controller {
    type View = {{ schema.module }}View;
}

/// The form's `{{ schema.singular }}[...]` fields.
#[derive(Deserialize)]
pub struct {{ schema.module }}Form {
    /// The submitted fields, cast by the context.
    #[serde(default)]
    pub {{ schema.singular }}: Map<String, Value>,
}

// `new` is the resource action of Phoenix's vocabulary, not a constructor.
#[allow(clippy::new_ret_no_self)]
impl {{ schema.module }}Controller {
    /// `GET /{{ schema.plural }}`
    pub async fn index(conn: Conn, State(repo): State<Repo>) -> Result<Conn> {
        let {{ schema.plural }} = {{ context.snake }}::list_{{ schema.plural }}(&repo).await?;
        conn.render(|conn: &Conn| view::index(conn, &{{ schema.plural }})).await
    }

    /// `GET /{{ schema.plural }}/:id`
    pub async fn show(conn: Conn, Path(id): Path<i64>, State(repo): State<Repo>) -> Result<Conn> {
        let {{ schema.singular }} = {{ context.snake }}::get_{{ schema.singular }}(&repo, id).await?;
        conn.render(|conn: &Conn| view::show(conn, &{{ schema.singular }})).await
    }

    /// `GET /{{ schema.plural }}/new`
    pub async fn new(conn: Conn) -> Result<Conn> {
        conn.render(|conn: &Conn| view::new(conn, &Changeset::default())).await
    }

    /// `POST /{{ schema.plural }}`
    pub async fn create(
        conn: Conn,
        State(repo): State<Repo>,
        Form(form): Form<{{ schema.module }}Form>,
    ) -> Result<Conn> {
        match {{ context.snake }}::create_{{ schema.singular }}(&repo, &form.{{ schema.singular }}).await? {
            Ok({{ schema.singular }}) => conn
                .put_flash("info", "{{ schema.human }} created successfully.")
                .redirect_to({{ schema.singular }}_path::show({{ schema.singular }}.id)),
            Err(changeset) => {
                conn.put_status(StatusCode::UNPROCESSABLE_ENTITY)
                    .render(|conn: &Conn| view::new(conn, &changeset))
                    .await
            }
        }
    }

    /// `GET /{{ schema.plural }}/:id/edit`
    pub async fn edit(conn: Conn, Path(id): Path<i64>, State(repo): State<Repo>) -> Result<Conn> {
        let {{ schema.singular }} = {{ context.snake }}::get_{{ schema.singular }}(&repo, id).await?;
        let changeset = Changeset::from_record(&{{ schema.singular }});
        conn.render(|conn: &Conn| view::edit(conn, &{{ schema.singular }}, &changeset))
            .await
    }

    /// `PATCH/PUT /{{ schema.plural }}/:id`
    pub async fn update(
        conn: Conn,
        Path(id): Path<i64>,
        State(repo): State<Repo>,
        Form(form): Form<{{ schema.module }}Form>,
    ) -> Result<Conn> {
        let {{ schema.singular }} = {{ context.snake }}::get_{{ schema.singular }}(&repo, id).await?;
        match {{ context.snake }}::update_{{ schema.singular }}(&repo, &{{ schema.singular }}, &form.{{ schema.singular }}).await? {
            Ok({{ schema.singular }}) => conn
                .put_flash("info", "{{ schema.human }} updated successfully.")
                .redirect_to({{ schema.singular }}_path::show({{ schema.singular }}.id)),
            Err(changeset) => {
                conn.put_status(StatusCode::UNPROCESSABLE_ENTITY)
                    .render(|conn: &Conn| view::edit(conn, &{{ schema.singular }}, &changeset))
                    .await
            }
        }
    }

    /// `DELETE /{{ schema.plural }}/:id` (a form with `_method=delete`).
    pub async fn destroy(conn: Conn, Path(id): Path<i64>, State(repo): State<Repo>) -> Result<Conn> {
        {{ context.snake }}::delete_{{ schema.singular }}(&repo, id).await?;
        conn.put_flash("info", "{{ schema.human }} deleted successfully.")
            .redirect_to({{ schema.singular }}_path::index())
    }
}

//! `Api.UserController`: users as JSON.

use phoenix::prelude::*;
use serde::Deserialize;

use crate::controllers::UserNotFound;
use crate::repo::{self, Repo};
use crate::views::api::{self as view, UserView};

/// Users, as JSON.
pub struct UserController;

impl Controller for UserController {
    type View = UserView;
}

/// `{"user": {"name": ...}}`
#[derive(Deserialize)]
pub struct UserBody {
    user: NameJson,
}

#[derive(Deserialize)]
struct NameJson {
    name: String,
}

impl UserBody {
    /// The trimmed name; blank is a 422.
    fn name(&self) -> Result<&str> {
        let name = self.user.name.trim();
        if name.is_empty() {
            return Err(Error::msg(
                StatusCode::UNPROCESSABLE_ENTITY,
                "user.name can't be blank",
            ));
        }
        Ok(name)
    }
}

impl UserController {
    /// `GET /api/users`
    pub async fn index(conn: Conn, State(repo): State<Repo>) -> Result<Conn> {
        conn.json(&view::index(&repo::list_users(&repo).await?))
    }

    /// `GET /api/users/:id`
    pub async fn show(conn: Conn, Path(id): Path<u64>, State(repo): State<Repo>) -> Result<Conn> {
        let user = repo::get_user(&repo, id).await?.ok_or(UserNotFound(id))?;
        conn.json(&view::show(&user))
    }

    /// `POST /api/users` with `{"user": {"name": ...}}`
    pub async fn create(
        conn: Conn,
        State(repo): State<Repo>,
        Json(body): Json<UserBody>,
    ) -> Result<Conn> {
        let user = repo::create_user(&repo, body.name()?).await?;
        conn.put_status(StatusCode::CREATED)
            .json(&view::show(&user))
    }

    /// `PATCH/PUT /api/users/:id`
    pub async fn update(
        conn: Conn,
        Path(id): Path<u64>,
        State(repo): State<Repo>,
        Json(body): Json<UserBody>,
    ) -> Result<Conn> {
        let user = repo::update_user(&repo, id, body.name()?)
            .await?
            .ok_or(UserNotFound(id))?;
        conn.json(&view::show(&user))
    }

    /// `DELETE /api/users/:id`
    pub async fn destroy(
        conn: Conn,
        Path(id): Path<u64>,
        State(repo): State<Repo>,
    ) -> Result<Conn> {
        repo::delete_user(&repo, id)
            .await?
            .ok_or(UserNotFound(id))?;
        conn.send_resp(StatusCode::NO_CONTENT, "")
    }
}

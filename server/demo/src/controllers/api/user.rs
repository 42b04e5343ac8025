//! `Api.UserController`: users as JSON.

use phoenix::prelude::*;
use serde::Deserialize;

use crate::controllers::{id_param, UserNotFound};
use crate::repo;
use crate::views::api::UserView;

/// Users, as JSON.
pub struct UserController;

impl Controller for UserController {
    type View = UserView;
}

#[derive(Deserialize)]
struct UserJson {
    name: String,
}

fn user(params: &Params) -> Result<repo::User> {
    let id = id_param(params, "id")?;
    repo::get_user(id).ok_or_else(|| Error::from(UserNotFound(id)))
}

fn name(params: &Params) -> Result<String> {
    let user: UserJson = params.extract_at("user")?;
    let name = user.name.trim().to_string();
    if name.is_empty() {
        return Err(Error::msg(
            StatusCode::UNPROCESSABLE_ENTITY,
            "user.name can't be blank",
        ));
    }
    Ok(name)
}

impl UserController {
    /// `GET /api/users`
    pub async fn index(conn: Conn, _params: Params) -> Result<Conn> {
        conn.assign("users", repo::list_users())
            .render("index.json")
            .await
    }

    /// `GET /api/users/:id`
    pub async fn show(conn: Conn, params: Params) -> Result<Conn> {
        let user = user(&params)?;
        conn.assign("user", user).render("show.json").await
    }

    /// `POST /api/users` with `{"user": {"name": ...}}`
    pub async fn create(conn: Conn, params: Params) -> Result<Conn> {
        let user = repo::create_user(&name(&params)?);
        conn.put_status(StatusCode::CREATED)
            .assign("user", user)
            .render("show.json")
            .await
    }

    /// `PATCH/PUT /api/users/:id`
    pub async fn update(conn: Conn, params: Params) -> Result<Conn> {
        let id = user(&params)?.id;
        let user = repo::update_user(id, &name(&params)?).ok_or(UserNotFound(id))?;
        conn.assign("user", user).render("show.json").await
    }

    /// `DELETE /api/users/:id`
    pub async fn destroy(conn: Conn, params: Params) -> Result<Conn> {
        let user = user(&params)?;
        repo::delete_user(user.id);
        conn.send_resp(StatusCode::NO_CONTENT, "")
    }
}

//! `UserController`: resources, the seed's `locale` plug, forms and flash.

use phoenix::prelude::*;
use serde::Deserialize;

use super::{id_param, UserNotFound};
use crate::repo;
use crate::router::helpers::user_path;
use crate::views::UserView;

/// Users, as HTML pages.
pub struct UserController;

/// Options of the `locale` plug.
#[derive(Debug, Clone)]
pub struct Locale {
    /// Used when `?locale=` is absent or not one of en, fr, de.
    pub default: &'static str,
}

/// The seed's `plug :locale, default: "en"`.
pub async fn locale(conn: Conn, opts: Locale) -> Result<Conn> {
    let locale = match conn.params().get_str("locale") {
        Some(l @ ("en" | "fr" | "de")) => l.to_string(),
        _ => opts.default.to_string(),
    };
    Ok(conn.assign("locale", locale))
}

impl Controller for UserController {
    type View = UserView;

    fn plugs() -> Pipeline {
        Pipeline::new().plug_with(locale, Locale { default: "en" })
    }
}

#[derive(Deserialize)]
struct UserForm {
    #[serde(default)]
    name: String,
}

fn user(params: &Params) -> Result<repo::User> {
    let id = id_param(params, "id")?;
    repo::get_user(id).ok_or_else(|| Error::from(UserNotFound(id)))
}

// `new` is the resource action of Phoenix's vocabulary, not a constructor.
#[allow(clippy::new_ret_no_self)]
impl UserController {
    /// `GET /users`
    pub async fn index(conn: Conn, _params: Params) -> Result<Conn> {
        conn.assign("users", repo::list_users())
            .render("index.html")
            .await
    }

    /// `GET /users/:id`
    pub async fn show(conn: Conn, params: Params) -> Result<Conn> {
        let user = user(&params)?;
        conn.assign("user_id", user.id)
            .assign("user", user)
            .render("show.html")
            .await
    }

    /// `GET /users/new`
    pub async fn new(conn: Conn, _params: Params) -> Result<Conn> {
        conn.assign("name", "").render("new.html").await
    }

    /// `POST /users`: puts the seed's flash and redirects; a blank name
    /// shows the form again with an error (422).
    pub async fn create(conn: Conn, params: Params) -> Result<Conn> {
        let form: UserForm = params.extract_at("user")?;
        let name = form.name.trim();
        if name.is_empty() {
            return conn
                .put_status(StatusCode::UNPROCESSABLE_ENTITY)
                .assign("error", "Name can't be blank")
                .assign("name", name)
                .render("new.html")
                .await;
        }
        repo::create_user(name);
        conn.put_flash("notice", "Created successfully")
            .redirect_to(user_path::index())
    }

    /// `GET /users/:id/edit`
    pub async fn edit(conn: Conn, params: Params) -> Result<Conn> {
        let user = user(&params)?;
        conn.assign("name", &user.name)
            .assign("user", user)
            .render("edit.html")
            .await
    }

    /// `PATCH/PUT /users/:id`
    pub async fn update(conn: Conn, params: Params) -> Result<Conn> {
        let user = user(&params)?;
        let form: UserForm = params.extract_at("user")?;
        let name = form.name.trim();
        if name.is_empty() {
            return conn
                .put_status(StatusCode::UNPROCESSABLE_ENTITY)
                .assign("error", "Name can't be blank")
                .assign("name", name)
                .assign("user", user)
                .render("edit.html")
                .await;
        }
        repo::update_user(user.id, name);
        conn.put_flash("notice", "Updated successfully")
            .redirect_to(user_path::show(user.id))
    }

    /// `DELETE /users/:id` (a POST form with `_method=DELETE`).
    pub async fn destroy(conn: Conn, params: Params) -> Result<Conn> {
        let user = user(&params)?;
        repo::delete_user(user.id);
        conn.put_flash("notice", format!("Deleted {}", user.name))
            .redirect_to(user_path::index())
    }
}

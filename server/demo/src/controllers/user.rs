//! `UserController`: resources, the seed's `locale` plug, forms and flash.

use phoenix::prelude::*;
use serde::Deserialize;

use super::UserNotFound;
use crate::repo::{self, Repo};
use crate::router::helpers::user_path;
use crate::views::user::{self as view, UserForm};
use crate::views::LOCALE;

/// Users, as HTML pages.
pub struct UserController;

/// Options of the `locale` plug.
#[derive(Debug, Clone)]
pub struct Locale {
    /// Used when `?locale=` is absent or not one of en, fr, de.
    pub default: &'static str,
}

/// The seed's `plug :locale, default: "en"`: the `LOCALE` assign.
pub async fn locale(conn: Conn, opts: Locale) -> Result<Conn> {
    let locale = match conn.query_params().get_str("locale") {
        Some(l @ ("en" | "fr" | "de")) => l.to_string(),
        _ => opts.default.to_string(),
    };
    Ok(conn.assign(LOCALE, locale))
}

impl Controller for UserController {
    type View = view::UserView;

    fn plugs() -> Pipeline {
        Pipeline::new().plug_with(locale, Locale { default: "en" })
    }
}

/// The form's fields: `user[name]`.
#[derive(Deserialize)]
pub struct UserParams {
    /// The posted `user[...]` fields.
    pub user: NameField,
}

/// `user[name]`, blank if absent.
#[derive(Deserialize)]
pub struct NameField {
    #[serde(default)]
    name: String,
}

// `new` is the resource action of Phoenix's vocabulary, not a constructor.
#[allow(clippy::new_ret_no_self)]
impl UserController {
    /// `GET /users`
    pub async fn index(conn: Conn, State(repo): State<Repo>) -> Result<Conn> {
        let users = repo::list_users(&repo).await?;
        conn.render(|conn: &Conn| view::index(conn, &users)).await
    }

    /// `GET /users/:id`
    pub async fn show(conn: Conn, Path(id): Path<u64>, State(repo): State<Repo>) -> Result<Conn> {
        let user = repo::get_user(&repo, id).await?.ok_or(UserNotFound(id))?;
        conn.render(|conn: &Conn| view::show(conn, &user)).await
    }

    /// `GET /users/new`
    pub async fn new(conn: Conn) -> Result<Conn> {
        conn.render(|conn: &Conn| view::new(conn, &UserForm::default()))
            .await
    }

    /// `POST /users`: puts the seed's flash and redirects; a blank name
    /// shows the form again with an error (422).
    pub async fn create(
        conn: Conn,
        State(repo): State<Repo>,
        Form(form): Form<UserParams>,
    ) -> Result<Conn> {
        let name = form.user.name.trim();
        if name.is_empty() {
            let form = UserForm::blank(name);
            return conn
                .put_status(StatusCode::UNPROCESSABLE_ENTITY)
                .render(|conn: &Conn| view::new(conn, &form))
                .await;
        }
        repo::create_user(&repo, name).await?;
        conn.put_flash("notice", "Created successfully")
            .redirect_to(user_path::index())
    }

    /// `GET /users/:id/edit`
    pub async fn edit(conn: Conn, Path(id): Path<u64>, State(repo): State<Repo>) -> Result<Conn> {
        let user = repo::get_user(&repo, id).await?.ok_or(UserNotFound(id))?;
        let form = UserForm::filled(&user.name);
        conn.render(|conn: &Conn| view::edit(conn, &user, &form))
            .await
    }

    /// `PATCH/PUT /users/:id`
    pub async fn update(
        conn: Conn,
        Path(id): Path<u64>,
        State(repo): State<Repo>,
        Form(form): Form<UserParams>,
    ) -> Result<Conn> {
        let user = repo::get_user(&repo, id).await?.ok_or(UserNotFound(id))?;
        let name = form.user.name.trim();
        if name.is_empty() {
            let form = UserForm::blank(name);
            return conn
                .put_status(StatusCode::UNPROCESSABLE_ENTITY)
                .render(|conn: &Conn| view::edit(conn, &user, &form))
                .await;
        }
        repo::update_user(&repo, user.id, name).await?;
        conn.put_flash("notice", "Updated successfully")
            .redirect_to(user_path::show(user.id))
    }

    /// `DELETE /users/:id` (a POST form with `_method=DELETE`).
    pub async fn destroy(
        conn: Conn,
        Path(id): Path<u64>,
        State(repo): State<Repo>,
    ) -> Result<Conn> {
        let user = repo::delete_user(&repo, id)
            .await?
            .ok_or(UserNotFound(id))?;
        conn.put_flash("notice", format!("Deleted {}", user.name))
            .redirect_to(user_path::index())
    }
}

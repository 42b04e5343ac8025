//! `UserController`: resources, the seed's `locale` plug, forms and flash.
//!
//! The browser pipeline already picks a locale; the controller's plug is
//! the seed's example, on the framework's `phoenix::i18n::locale_with`.

use phoenix::i18n::{self, LocaleOptions};
use phoenix::prelude::*;
use serde::Deserialize;

use super::UserNotFound;
use crate::repo::{self, Repo};
use crate::router::helpers::user_path;
use crate::views::user::{self as view, UserForm};

/// Users, as HTML pages.
pub struct UserController;

impl Controller for UserController {
    type View = view::UserView;

    /// The seed's `plug :locale, default: "en"`: the `LOCALE` assign.
    fn plugs() -> Pipeline {
        Pipeline::new().plug_with(i18n::locale_with, LocaleOptions::new("en"))
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
        let message = t(&conn, "user-created");
        conn.put_flash("notice", message)
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
        let message = t(&conn, "user-updated");
        conn.put_flash("notice", message)
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
        let message = t_args(&conn, "user-deleted", &[("name", user.name.into())]);
        conn.put_flash("notice", message)
            .redirect_to(user_path::index())
    }
}

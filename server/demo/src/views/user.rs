//! `UserView`: user pages and forms, as functions of the data they show.

use super::base::*;
use crate::repo::User;

/// Users (no file templates).
#[derive(Default)]
pub struct UserView;

impl View for UserView {
    fn name(&self) -> &'static str {
        "user"
    }
}

/// What the user form shows: the name typed so far and an error.
#[derive(Debug, Default)]
pub struct UserForm {
    /// The name field's value.
    pub name: String,
    /// Why the last submission was refused: a message key of
    /// `priv/locales` (translated when shown).
    pub error: Option<&'static str>,
}

impl UserForm {
    /// The form filled with a name.
    pub fn filled(name: &str) -> UserForm {
        UserForm {
            name: name.to_string(),
            error: None,
        }
    }

    /// The form refused for a blank name.
    pub fn blank(name: &str) -> UserForm {
        UserForm {
            name: name.to_string(),
            error: Some("error-name-blank"),
        }
    }
}

fn user_form(
    conn: &Conn,
    form: &UserForm,
    action: &RoutePath,
    method: Option<&str>,
    submit: &str,
) -> Markup {
    html! {
        form.user-form action=(action) method="post" {
            @if let Some(method) = method { (method_input_tag(method)) }
            (csrf_input_tag(conn))
            @if let Some(error) = form.error {
                p.field-error role="alert" { (t(conn, error)) }
            }
            label for="user_name" { (t(conn, "users-name")) }
            input #user_name type="text" name="user[name]" value=(form.name) autofocus;
            button type="submit" { (submit) }
        }
    }
}

/// `index.html`: every user.
pub fn index(conn: &Conn, users: &[User]) -> Markup {
    html! {
        h1 { (t_args(conn, "users-heading", &[("greeting", greeting(conn).into())])) }
        p.count {
            (t_args(conn, "users-count", &[("count", users.len().into())])) " "
            (t_args(conn, "users-as-of", &[("date", phoenix::i18n::date_long(conn, phoenix::i18n::today()).into())]))
        }
        @if users.is_empty() {
            p.empty { (t(conn, "users-empty")) }
        } @else {
            table.users {
                thead { tr { th { (t(conn, "users-name")) } th {} } }
                tbody {
                    @for user in users {
                        tr {
                            td { a href=(user_path::show(user.id)) { (user.name) } }
                            td {
                                div.actions {
                                    a href=(user_path::edit(user.id)) { (t(conn, "users-edit")) }
                                    (button_to(conn, "delete", &user_path::destroy(user.id).to_string(), &t(conn, "users-delete")))
                                }
                            }
                        }
                    }
                }
            }
        }
        p { a.button href=(user_path::new()) { (t(conn, "users-new")) } }
    }
}

/// `show.html`: one user (the seed's `render conn, "show", user: user`).
pub fn show(conn: &Conn, user: &User) -> Markup {
    html! {
        h1 { (greeting(conn)) ", " (user.name) }
        p.muted { (t_args(conn, "user-number", &[("id", user.id.into())])) }
        p {
            a href=(user_comment_path::index(user.id)) { (t(conn, "user-comments")) } " · "
            a href=(user_path::edit(user.id)) { (t(conn, "users-edit")) } " · "
            a href=(user_path::index()) { (t(conn, "user-all")) }
        }
        (button_to(conn, "delete", &user_path::destroy(user.id).to_string(), &t(conn, "user-delete-this")))
    }
}

/// `new.html`: the form to create a user.
pub fn new(conn: &Conn, form: &UserForm) -> Markup {
    html! {
        h1 { (t(conn, "users-new")) }
        (user_form(conn, form, &user_path::create(), None, &t(conn, "user-create")))
        p { a href=(user_path::index()) { (t(conn, "user-back")) } }
    }
}

/// `edit.html`: the form to rename a user.
pub fn edit(conn: &Conn, user: &User, form: &UserForm) -> Markup {
    html! {
        h1 { (t_args(conn, "user-edit-title", &[("name", user.name.as_str().into())])) }
        (user_form(conn, form, &user_path::update(user.id), Some("patch"), &t(conn, "user-save")))
        p { a href=(user_path::show(user.id)) { (t(conn, "user-back")) } }
    }
}

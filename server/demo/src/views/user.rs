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
    /// Why the last submission was refused.
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
            error: Some("Name can't be blank"),
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
                p.field-error role="alert" { (error) }
            }
            label for="user_name" { "Name" }
            input #user_name type="text" name="user[name]" value=(form.name) autofocus;
            button type="submit" { (submit) }
        }
    }
}

/// `index.html`: every user.
pub fn index(conn: &Conn, users: &[User]) -> Markup {
    html! {
        h1 { (greeting(conn)) ", users" }
        p.locales { "Language: "
            @for l in ["en", "fr", "de"] {
                a href=(user_path::index().query([("locale", l)])) { (l) } " "
            }
        }
        @if users.is_empty() {
            p.empty { "No users yet." }
        } @else {
            table.users {
                thead { tr { th { "Name" } th {} } }
                tbody {
                    @for user in users {
                        tr {
                            td { a href=(user_path::show(user.id)) { (user.name) } }
                            td {
                                div.actions {
                                    a href=(user_path::edit(user.id)) { "Edit" }
                                    (button_to(conn, "delete", &user_path::destroy(user.id).to_string(), "Delete"))
                                }
                            }
                        }
                    }
                }
            }
        }
        p { a.button href=(user_path::new()) { "New user" } }
    }
}

/// `show.html`: one user (the seed's `render conn, "show", user: user`).
pub fn show(conn: &Conn, user: &User) -> Markup {
    html! {
        h1 { (greeting(conn)) ", " (user.name) }
        p.muted { "User #" (user.id) }
        p {
            a href=(user_comment_path::index(user.id)) { "Comments" } " · "
            a href=(user_path::edit(user.id)) { "Edit" } " · "
            a href=(user_path::index()) { "All users" }
        }
        (button_to(conn, "delete", &user_path::destroy(user.id).to_string(), "Delete this user"))
    }
}

/// `new.html`: the form to create a user.
pub fn new(conn: &Conn, form: &UserForm) -> Markup {
    html! {
        h1 { "New user" }
        (user_form(conn, form, &user_path::create(), None, "Create user"))
        p { a href=(user_path::index()) { "Back" } }
    }
}

/// `edit.html`: the form to rename a user.
pub fn edit(conn: &Conn, user: &User, form: &UserForm) -> Markup {
    html! {
        h1 { "Edit " (user.name) }
        (user_form(conn, form, &user_path::update(user.id), Some("patch"), "Save"))
        p { a href=(user_path::show(user.id)) { "Back" } }
    }
}

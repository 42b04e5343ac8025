//! `UserView`: user pages and forms.

use super::base::*;
use crate::repo::User;

/// Users.
#[derive(Default)]
pub struct UserView;

fn user_form(conn: &Conn, action: &RoutePath, method: Option<&str>, submit: &str) -> Markup {
    html! {
        form.user-form action=(action) method="post" {
            @if let Some(method) = method { (method_input_tag(method)) }
            (csrf_input_tag(conn))
            @if let Some(error) = conn.get_assign_value("error").and_then(|e| e.as_str()) {
                p.field-error role="alert" { (error) }
            }
            label for="user_name" { "Name" }
            input #user_name type="text" name="user[name]" value=(conn.assign_str("name")) autofocus;
            button type="submit" { (submit) }
        }
    }
}

impl View for UserView {
    fn name(&self) -> &'static str {
        "user"
    }

    fn render(&self, template: &str, conn: &Conn) -> Option<Result<Rendered>> {
        let user: Option<User> = conn.get_assign_value("user").and_then(|u| {
            Some(User {
                id: u["id"].as_u64()?,
                name: u["name"].as_str()?.to_string(),
            })
        });
        let markup = match template {
            "index.html" => {
                let users: Vec<(u64, String)> = conn
                    .get_assign_value("users")
                    .and_then(|v| v.as_array())
                    .map(|list| {
                        list.iter()
                            .filter_map(|u| {
                                Some((u["id"].as_u64()?, u["name"].as_str()?.to_string()))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
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
                                @for (id, name) in &users {
                                    tr {
                                        td { a href=(user_path::show(id)) { (name) } }
                                        td {
                                            div.actions {
                                                a href=(user_path::edit(id)) { "Edit" }
                                                (button_to(conn, "delete", &user_path::destroy(id).to_string(), "Delete"))
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
            "show.html" => {
                let user = user?;
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
            "new.html" => html! {
                h1 { "New user" }
                (user_form(conn, &user_path::create(), None, "Create user"))
                p { a href=(user_path::index()) { "Back" } }
            },
            "edit.html" => {
                let user = user?;
                html! {
                    h1 { "Edit " (user.name) }
                    (user_form(conn, &user_path::update(user.id), Some("patch"), "Save"))
                    p { a href=(user_path::show(user.id)) { "Back" } }
                }
            }
            _ => return None,
        };
        Some(Ok(markup.into()))
    }
}

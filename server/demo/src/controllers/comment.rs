//! `CommentController`: a nested resource rendered with MiniJinja file templates.

use phoenix::prelude::*;
use serde::Deserialize;

use super::{id_param, UserNotFound};
use crate::repo;
use crate::router::helpers::user_comment_path;
use crate::views::CommentView;

/// Comments on a user's page (`/users/:user_id/comments`).
pub struct CommentController;

impl Controller for CommentController {
    type View = CommentView;
}

#[derive(Deserialize)]
struct CommentForm {
    #[serde(default)]
    body: String,
}

fn user(params: &Params) -> Result<repo::User> {
    let id = id_param(params, "user_id")?;
    repo::get_user(id).ok_or_else(|| Error::from(UserNotFound(id)))
}

impl CommentController {
    /// `GET /users/:user_id/comments`
    pub async fn index(conn: Conn, params: Params) -> Result<Conn> {
        let user = user(&params)?;
        let action = user_comment_path::create(user.id).to_string();
        conn.assign("comments", repo::list_comments(user.id))
            .assign("action", action)
            .assign("user", user)
            .render("index.html")
            .await
    }

    /// `POST /users/:user_id/comments`
    pub async fn create(conn: Conn, params: Params) -> Result<Conn> {
        let user = user(&params)?;
        let form: CommentForm = params.extract_at("comment")?;
        let conn = if form.body.trim().is_empty() {
            conn.put_flash("error", "A comment can't be blank")
        } else {
            repo::create_comment(user.id, form.body.trim());
            conn.put_flash("notice", "Comment added")
        };
        conn.redirect_to(user_comment_path::index(user.id))
    }

    /// `DELETE /users/:user_id/comments/:id`
    pub async fn destroy(conn: Conn, params: Params) -> Result<Conn> {
        let user = user(&params)?;
        let id = id_param(&params, "id")?;
        let conn = if repo::delete_comment(user.id, id) {
            conn.put_flash("notice", "Comment deleted")
        } else {
            conn.put_flash("error", "That comment was already gone")
        };
        conn.redirect_to(user_comment_path::index(user.id))
    }
}

//! `CommentController`: a nested resource rendered with MiniJinja file templates.

use phoenix::prelude::*;
use phoenix::view::File;
use serde::{Deserialize, Serialize};

use super::UserNotFound;
use crate::repo::{self, Comment, Repo, User};
use crate::router::helpers::user_comment_path;
use crate::views::CommentView;

/// Comments on a user's page (`/users/:user_id/comments`).
pub struct CommentController;

impl Controller for CommentController {
    type View = CommentView;
}

/// `comment[body]`, blank if absent.
#[derive(Deserialize)]
pub struct CommentParams {
    comment: CommentField,
}

#[derive(Deserialize)]
struct CommentField {
    #[serde(default)]
    body: String,
}

/// The variables of `comment/index.html.jinja`.
#[derive(Serialize)]
struct IndexPage {
    user: User,
    comments: Vec<Comment>,
    action: String,
    /// The page's text in the conn's locale (`{{ t.title }}`, ...).
    t: IndexText,
}

/// The translated text of `comment/index.html.jinja`.
#[derive(Serialize)]
struct IndexText {
    title: String,
    empty: String,
    delete: String,
    add: String,
    post: String,
    back: String,
}

impl IndexText {
    fn new(conn: &Conn, user: &User) -> IndexText {
        let name = || [("name", user.name.as_str().into())];
        IndexText {
            title: t_args(conn, "comments-title", &name()),
            empty: t(conn, "comments-empty"),
            delete: t(conn, "comments-delete"),
            add: t(conn, "comments-add"),
            post: t(conn, "comments-post"),
            back: t_args(conn, "comments-back", &name()),
        }
    }
}

impl CommentController {
    /// `GET /users/:user_id/comments`
    pub async fn index(
        conn: Conn,
        Path(user_id): Path<u64>,
        State(repo): State<Repo>,
    ) -> Result<Conn> {
        let user = repo::get_user(&repo, user_id)
            .await?
            .ok_or(UserNotFound(user_id))?;
        let page = IndexPage {
            t: IndexText::new(&conn, &user),
            comments: repo::list_comments(&repo, user.id).await?,
            action: user_comment_path::create(user.id).to_string(),
            user,
        };
        conn.render(File::new("index.html", &page)).await
    }

    /// `POST /users/:user_id/comments`
    pub async fn create(
        conn: Conn,
        Path(user_id): Path<u64>,
        State(repo): State<Repo>,
        Form(form): Form<CommentParams>,
    ) -> Result<Conn> {
        let user = repo::get_user(&repo, user_id)
            .await?
            .ok_or(UserNotFound(user_id))?;
        let body = form.comment.body.trim();
        let conn = if body.is_empty() {
            let message = t(&conn, "comment-blank");
            conn.put_flash("error", message)
        } else {
            repo::create_comment(&repo, user.id, body).await?;
            let message = t(&conn, "comment-added");
            conn.put_flash("notice", message)
        };
        conn.redirect_to(user_comment_path::index(user.id))
    }

    /// `DELETE /users/:user_id/comments/:id`
    pub async fn destroy(
        conn: Conn,
        Path((user_id, id)): Path<(u64, u64)>,
        State(repo): State<Repo>,
    ) -> Result<Conn> {
        let user = repo::get_user(&repo, user_id)
            .await?
            .ok_or(UserNotFound(user_id))?;
        let conn = if repo::delete_comment(&repo, user.id, id).await? {
            let message = t(&conn, "comment-deleted");
            conn.put_flash("notice", message)
        } else {
            let message = t(&conn, "comment-gone");
            conn.put_flash("error", message)
        };
        conn.redirect_to(user_comment_path::index(user.id))
    }
}

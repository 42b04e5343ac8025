//! Views of the `/api` scope: the JSON documents, as typed values.

use serde::Serialize;

use crate::repo::User;

/// The API's user controller's view (no file templates).
#[derive(Default)]
pub struct UserView;

impl phoenix::view::View for UserView {
    fn name(&self) -> &'static str {
        "api/user"
    }
}

/// `{"data": ...}`, the envelope of every answer.
#[derive(Serialize)]
pub struct Data<T> {
    /// The document.
    pub data: T,
}

/// The seed's `render("index.json", %{users: users})`.
pub fn index(users: &[User]) -> Data<&[User]> {
    Data { data: users }
}

/// The seed's `render("show.json", %{user: user})`.
pub fn show(user: &User) -> Data<&User> {
    Data { data: user }
}

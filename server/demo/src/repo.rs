//! An in-memory store of users and comments for the demo.

use std::sync::{Mutex, OnceLock};

use serde::Serialize;

/// A user.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// Identifier.
    pub id: u64,
    /// Display name.
    pub name: String,
}

/// A comment on a user's page.
#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    /// Identifier.
    pub id: u64,
    /// The user it belongs to.
    pub user_id: u64,
    /// Text.
    pub body: String,
}

#[derive(Default)]
struct Store {
    next_id: u64,
    users: Vec<User>,
    comments: Vec<Comment>,
}

fn store() -> &'static Mutex<Store> {
    static STORE: OnceLock<Mutex<Store>> = OnceLock::new();
    STORE.get_or_init(|| {
        let mut store = Store::default();
        for name in ["José", "Chris"] {
            store.next_id += 1;
            store.users.push(User {
                id: store.next_id,
                name: name.into(),
            });
        }
        Mutex::new(store)
    })
}

fn with<T>(f: impl FnOnce(&mut Store) -> T) -> T {
    f(&mut store().lock().unwrap_or_else(|e| e.into_inner()))
}

/// Every user, oldest first.
pub fn list_users() -> Vec<User> {
    with(|s| s.users.clone())
}

/// One user.
pub fn get_user(id: u64) -> Option<User> {
    with(|s| s.users.iter().find(|u| u.id == id).cloned())
}

/// Adds a user.
pub fn create_user(name: &str) -> User {
    with(|s| {
        s.next_id += 1;
        let user = User {
            id: s.next_id,
            name: name.to_string(),
        };
        s.users.push(user.clone());
        user
    })
}

/// Renames a user.
pub fn update_user(id: u64, name: &str) -> Option<User> {
    with(|s| {
        let user = s.users.iter_mut().find(|u| u.id == id)?;
        user.name = name.to_string();
        Some(user.clone())
    })
}

/// Removes a user and their comments.
pub fn delete_user(id: u64) -> Option<User> {
    with(|s| {
        let index = s.users.iter().position(|u| u.id == id)?;
        s.comments.retain(|c| c.user_id != id);
        Some(s.users.remove(index))
    })
}

/// A user's comments.
pub fn list_comments(user_id: u64) -> Vec<Comment> {
    with(|s| {
        s.comments
            .iter()
            .filter(|c| c.user_id == user_id)
            .cloned()
            .collect()
    })
}

/// Adds a comment.
pub fn create_comment(user_id: u64, body: &str) -> Comment {
    with(|s| {
        s.next_id += 1;
        let comment = Comment {
            id: s.next_id,
            user_id,
            body: body.to_string(),
        };
        s.comments.push(comment.clone());
        comment
    })
}

/// Removes a comment.
pub fn delete_comment(user_id: u64, id: u64) -> bool {
    with(|s| {
        let before = s.comments.len();
        s.comments.retain(|c| !(c.user_id == user_id && c.id == id));
        s.comments.len() != before
    })
}

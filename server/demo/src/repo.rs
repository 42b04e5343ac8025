//! The demo's data: an in-memory store of users and comments, kept as
//! application state.

use std::sync::Mutex;

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

/// The demo's data: users and their comments, in memory. It is application
/// state (`Endpoint::builder(..).state(Repo::seeded())`), read by actions
/// with the `State<Repo>` extractor; each endpoint has its own.
#[derive(Default)]
pub struct Repo {
    store: Mutex<Store>,
}

impl Repo {
    /// A store holding the seed's two users, José and Chris.
    pub fn seeded() -> Repo {
        let repo = Repo::default();
        for name in ["José", "Chris"] {
            repo.create_user(name);
        }
        repo
    }

    fn with<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        f(&mut self.store.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Every user, oldest first.
    pub fn list_users(&self) -> Vec<User> {
        self.with(|s| s.users.clone())
    }

    /// One user.
    pub fn get_user(&self, id: u64) -> Option<User> {
        self.with(|s| s.users.iter().find(|u| u.id == id).cloned())
    }

    /// Adds a user.
    pub fn create_user(&self, name: &str) -> User {
        self.with(|s| {
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
    pub fn update_user(&self, id: u64, name: &str) -> Option<User> {
        self.with(|s| {
            let user = s.users.iter_mut().find(|u| u.id == id)?;
            user.name = name.to_string();
            Some(user.clone())
        })
    }

    /// Removes a user and their comments.
    pub fn delete_user(&self, id: u64) -> Option<User> {
        self.with(|s| {
            let index = s.users.iter().position(|u| u.id == id)?;
            s.comments.retain(|c| c.user_id != id);
            Some(s.users.remove(index))
        })
    }

    /// A user's comments.
    pub fn list_comments(&self, user_id: u64) -> Vec<Comment> {
        self.with(|s| {
            s.comments
                .iter()
                .filter(|c| c.user_id == user_id)
                .cloned()
                .collect()
        })
    }

    /// Adds a comment.
    pub fn create_comment(&self, user_id: u64, body: &str) -> Comment {
        self.with(|s| {
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
    pub fn delete_comment(&self, user_id: u64, id: u64) -> bool {
        self.with(|s| {
            let before = s.comments.len();
            s.comments.retain(|c| !(c.user_id == user_id && c.id == id));
            s.comments.len() != before
        })
    }
}

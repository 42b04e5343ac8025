//! Controllers of the `/api` scope (the seed's `alias: MyApp.Api`).

mod user;

pub use user::UserController;

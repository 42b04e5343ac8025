//! The demo application: the seed README's router, controllers, views,
//! flash, sessions, error pages and static files, on the phoenix framework.
//!
//! The repository's README follows; its Rust examples run as doctests here.
#![doc = include_str!("../../../README.md")]

pub mod channels;
pub mod controllers;
pub mod logger;
pub mod repo;
pub mod router;
pub mod views;
pub mod watcher;

use std::path::PathBuf;

use phoenix::config::ConfigError;
use phoenix::prelude::*;
use phoenix::template::MiniJinjaEngine;

/// The app's root folder (holds `config/`, `priv/`): `PHX_ROOT`, else the
/// current folder if it has `config/config.toml`, else the repository root.
pub fn app_root() -> PathBuf {
    if let Ok(root) = std::env::var("PHX_ROOT") {
        return PathBuf::from(root);
    }
    if let Ok(cwd) = std::env::current_dir() {
        if cwd.join("config/config.toml").is_file() {
            return cwd;
        }
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Settings of the demo that actions and channels read as application state.
#[derive(Debug, Clone)]
pub struct DemoSettings {
    /// Whether `/crash` and the chat's `crash` event may panic (dev and test).
    pub crash_allowed: bool,
}

/// Builds the demo's endpoint from a configuration, with the seed's users.
pub fn endpoint(config: Config) -> Result<Endpoint, ConfigError> {
    endpoint_with(config, repo::Repo::seeded())
}

/// Builds the demo's endpoint with its own store: every endpoint (every
/// test) has its own state, nothing is shared through statics.
pub fn endpoint_with(config: Config, repo: repo::Repo) -> Result<Endpoint, ConfigError> {
    let settings = DemoSettings {
        crash_allowed: matches!(config.env.as_str(), "dev" | "test"),
    };
    Endpoint::builder(config, router::router())
        .state(repo)
        .state(settings)
        .layout_view(views::LayoutView)
        .view(views::ErrorView)
        // The seed's `config :phoenix, :template_engines, ...`: `.jinja` is
        // registered by default; `.j2` files use the same engine here.
        .template_engine("j2", MiniJinjaEngine::default)
        // The dev dashboard's socket, when `[dashboard]` enables it.
        .dashboard()
        .build()
}

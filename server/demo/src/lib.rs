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
use phoenix::endpoint::EndpointBuilder;
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

/// Why the demo could not start: its configuration or its database.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A configuration problem.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Db(#[from] phoenix::db::DbError),
}

/// Builds the demo's endpoint from a configuration: connects to its
/// database (`[database]`; in dev and test, creating and migrating it, so a
/// fresh checkout shows the seed's users).
pub async fn endpoint(config: Config) -> Result<Endpoint, StartError> {
    let repo = phoenix::db::Repo::start(&config).await?;
    Ok(endpoint_with(config, repo)?)
}

/// Builds the demo's endpoint on a database pool of its own choosing (tests
/// give each endpoint a `phoenix::db::TestDatabase`): nothing is shared
/// through statics. Loads the translations of `[i18n]` (`priv/locales`); a
/// `.ftl` file that does not parse stops startup, naming its file and line.
pub fn endpoint_with(config: Config, repo: repo::Repo) -> Result<Endpoint, ConfigError> {
    builder_with(config, repo)?.build()
}

/// The demo's endpoint builder before [`EndpointBuilder::build`], for a
/// program that adds to it (the `soak` program adds an observer).
pub fn builder_with(config: Config, repo: repo::Repo) -> Result<EndpointBuilder, ConfigError> {
    let settings = DemoSettings {
        crash_allowed: matches!(config.env.as_str(), "dev" | "test"),
    };
    let translations = Translations::from_config(&config)
        .map_err(|err| ConfigError(format!("translations: {err}")))?;
    Ok(Endpoint::builder(config, router::router())
        .state(repo)
        .state(settings)
        .state(translations)
        .layout_view(views::LayoutView)
        .view(views::ErrorView)
        // The seed's `config :phoenix, :template_engines, ...`: `.jinja` is
        // registered by default; `.j2` files use the same engine here.
        .template_engine("j2", MiniJinjaEngine::default)
        // The dev dashboard's socket, when `[dashboard]` enables it.
        .dashboard()
        // Open pages reload when templates or static files change (dev).
        .live_reload())
}

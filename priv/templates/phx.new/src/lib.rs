//! {{ app_module }}: a phoenix application.
//!
//! `router` maps requests to `controllers`, which render `views`; `channels`
//! hold the socket at `/socket` and its channels.{% if db %} Data lives in the
//! database configured under `[database]` (migrations in `priv/migrations`).{% endif %}

pub mod channels;
pub mod controllers;
pub mod router;
pub mod views;

use std::path::PathBuf;

use phoenix::prelude::*;

/// The app's root folder (holds `config/` and `priv/`): `PHX_ROOT`, else the
/// current folder if it has `config/config.toml`, else this crate's folder.
pub fn app_root() -> PathBuf {
    if let Ok(root) = std::env::var("PHX_ROOT") {
        return PathBuf::from(root);
    }
    if let Ok(cwd) = std::env::current_dir() {
        if cwd.join("config/config.toml").is_file() {
            return cwd;
        }
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Why the application could not start.
pub type StartError = Box<dyn std::error::Error + Send + Sync>;

/// Builds the endpoint: {% if db %}connects to the database (migrating it in
/// dev and test), {% endif %}loads the translations, mounts the router, views
/// and live reload (in dev).
pub async fn endpoint(config: Config) -> Result<Endpoint, StartError> {
{% if db %}
    let repo = phoenix::db::Repo::start(&config).await?;
    Ok(endpoint_with(config, repo)?)
{% else %}
    let translations = phoenix::i18n::Translations::from_config(&config)?;
    Ok(Endpoint::builder(config, router::router())
        .state(translations)
        .layout_view(views::LayoutView)
        .view(views::ErrorView)
        .live_reload()
        .build()?)
{% endif %}
}
{% if db %}

/// Builds the endpoint on a given database (tests give each their own), with
/// the translations of `priv/locales`.
pub fn endpoint_with(
    config: Config,
    repo: phoenix::db::Repo,
) -> Result<Endpoint, phoenix::config::ConfigError> {
    let translations = phoenix::i18n::Translations::from_config(&config)
        .map_err(|e| phoenix::config::ConfigError(e.to_string()))?;
    Endpoint::builder(config, router::router())
        .state(repo)
        .state(translations)
        .layout_view(views::LayoutView)
        .view(views::ErrorView)
        .live_reload()
        .build()
}
{% endif %}

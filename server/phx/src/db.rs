//! `phx db.*`: the application's database (Phoenix's `mix ecto.*`), as
//! configured under `[database]` for `PHX_ENV` (default dev), or `DATABASE_URL`.

use phoenix::config::Config;
use phoenix::db;

use crate::project::Project;
use crate::{ui, Failure, Outcome};

/// Which database task.
#[derive(Clone, Copy)]
pub enum Task {
    /// Create the database, then migrate it.
    Setup,
    /// Run pending migrations.
    Migrate,
    /// Drop, create and migrate.
    Reset,
    /// Create the database.
    Create,
    /// Drop the database.
    Drop,
}

/// Runs a database task for the application in the current folder.
pub fn run(task: Task) -> Outcome {
    let project = Project::find()?;
    let config = project.config()?;
    let url = db::resolve_url(&config)
        .map(|u| db::redact(&u))
        .map_err(|e| Failure::new(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(perform(task, &config, &url))
}

fn failed(what: &str, url: &str, err: db::DbError) -> Failure {
    Failure::new(format!(
        "{what} {url} failed: {err}\n(check [database] url in config/ or DATABASE_URL; \
         for PostgreSQL the server must be running)"
    ))
}

async fn perform(task: Task, config: &Config, url: &str) -> Outcome {
    let env = &config.env;
    match task {
        Task::Create => {
            let created = db::create(config)
                .await
                .map_err(|e| failed("creating", url, e))?;
            ui::step(
                if created { "created" } else { "exists" },
                &format!("{url} ({env})"),
            );
        }
        Task::Drop => {
            let dropped = db::drop(config)
                .await
                .map_err(|e| failed("dropping", url, e))?;
            ui::step(
                if dropped { "dropped" } else { "absent" },
                &format!("{url} ({env})"),
            );
        }
        Task::Migrate => {
            let applied = db::migrate(config)
                .await
                .map_err(|e| failed("migrating", url, e))?;
            ui::step(
                "migrated",
                &format!("{url} ({env}): {applied} migration(s) applied"),
            );
        }
        Task::Setup => {
            let applied = db::setup(config)
                .await
                .map_err(|e| failed("setting up", url, e))?;
            ui::step(
                "set up",
                &format!("{url} ({env}): {applied} migration(s) applied"),
            );
        }
        Task::Reset => {
            let applied = db::reset(config)
                .await
                .map_err(|e| failed("resetting", url, e))?;
            ui::step(
                "reset",
                &format!("{url} ({env}): {applied} migration(s) applied"),
            );
        }
    }
    Ok(())
}

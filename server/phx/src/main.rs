//! `phx`: the phoenix command (the seed's `mix phoenix.*` tasks).
//!
//! ```text
//! phx new blog                 # a new application in ./blog
//! phx server                   # serve it, rebuilding and reloading on changes
//! phx routes                   # its route table
//! phx gen.html Blog Post posts title:string body:text
//! phx gen.json Blog Post posts title:string
//! phx gen.channel Room
//! phx gen.secret
//! phx digest                   # fingerprinted static files
//! phx i18n.check               # translations missing per locale
//! phx db.setup | db.migrate | db.reset
//! ```

mod build;
mod db;
mod digest;
mod gen;
mod i18n;
mod new;
mod project;
mod routes;
mod server;
mod templates;
mod ui;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// What a command reports when it cannot go on: what happened and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Failure(pub String);

/// The result of a command.
pub type Outcome = Result<(), Failure>;

impl Failure {
    /// A failure with its message.
    pub fn new(message: impl Into<String>) -> Failure {
        Failure(message.into())
    }
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Failure {
        Failure(err.to_string())
    }
}

#[derive(Parser)]
#[command(
    name = "phx",
    version,
    about = "The phoenix command: new applications, generators, a live-reloading dev server",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates a new application (Phoenix's `mix phx.new`).
    New(new::NewArgs),
    /// Serves the application in dev, rebuilding and restarting it when its
    /// code changes and reloading open pages (the seed's `mix phoenix.start`).
    Server(server::ServerArgs),
    /// Prints the application's routes.
    Routes,
    /// Generates pages, a context, a migration and tests for a resource.
    #[command(name = "gen.html")]
    GenHtml(gen::ResourceArgs),
    /// Generates a JSON API, a context, a migration and tests for a resource.
    #[command(name = "gen.json")]
    GenJson(gen::ResourceArgs),
    /// Generates a channel and its test.
    #[command(name = "gen.channel")]
    GenChannel(gen::ChannelArgs),
    /// Prints a new random secret for `secret_key_base`.
    #[command(name = "gen.secret")]
    GenSecret {
        /// Length in characters (at least 64).
        #[arg(default_value_t = 64)]
        length: usize,
    },
    /// Lists the messages each locale lacks (fails if any does).
    #[command(name = "i18n.check")]
    I18nCheck,
    /// Fingerprints the static files and writes their manifest.
    Digest {
        /// The folder to digest (default: the app's `priv/static`).
        path: Option<PathBuf>,
    },
    /// Creates the database and runs the migrations.
    #[command(name = "db.setup")]
    DbSetup,
    /// Runs pending migrations.
    #[command(name = "db.migrate")]
    DbMigrate,
    /// Drops the database, then sets it up again.
    #[command(name = "db.reset")]
    DbReset,
    /// Creates the database.
    #[command(name = "db.create")]
    DbCreate,
    /// Drops the database.
    #[command(name = "db.drop")]
    DbDrop,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::New(args) => new::run(args),
        Command::Server(args) => server::run(args),
        Command::Routes => routes::run(),
        Command::GenHtml(args) => gen::resource(args, gen::Kind::Html),
        Command::GenJson(args) => gen::resource(args, gen::Kind::Json),
        Command::GenChannel(args) => gen::channel(args),
        Command::GenSecret { length } => gen::secret(length),
        Command::I18nCheck => i18n::check(),
        Command::Digest { path } => digest::run(path),
        Command::DbSetup => db::run(db::Task::Setup),
        Command::DbMigrate => db::run(db::Task::Migrate),
        Command::DbReset => db::run(db::Task::Reset),
        Command::DbCreate => db::run(db::Task::Create),
        Command::DbDrop => db::run(db::Task::Drop),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            ui::error(&failure.0);
            ExitCode::FAILURE
        }
    }
}

//! `demo`: run the demo server, or print its routes.

use clap::{Parser, Subcommand};
use phoenix::prelude::*;
use phoenix::router::format_routes;

#[derive(Parser)]
#[command(name = "demo", about = "The phoenix demo application")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (the default).
    Server,
    /// Print the route table: helper, verb, path, controller#action.
    Routes,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Routes) = cli.command {
        print!("{}", format_routes(&demo::router::router().routes()));
        return std::process::ExitCode::SUCCESS;
    }
    let config = match Config::load(demo::app_root()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return std::process::ExitCode::from(78);
        }
    };
    // Held until main returns: the log writer runs until then.
    let _logs = phoenix::endpoint::init_logging_for(&config);
    let endpoint = match demo::endpoint(config).await {
        Ok(endpoint) => endpoint,
        Err(err) => {
            eprintln!("{err}");
            return std::process::ExitCode::from(78);
        }
    };
    demo::logger::start(endpoint.pubsub());
    match endpoint.serve().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("server error: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

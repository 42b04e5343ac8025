//! `{{ app_name }}`: serves the application; `{{ app_name }} routes` prints its routes.

use std::process::ExitCode;

use phoenix::prelude::*;

#[tokio::main]
async fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        None | Some("server") => {}
        Some("routes") => {
            let routes = {{ app_name }}::router::router().routes();
            print!("{}", phoenix::router::format_routes(&routes));
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("unknown command {other:?}: run `{{ app_name }}` to serve, `{{ app_name }} routes` for the routes");
            return ExitCode::from(64);
        }
    }
    let config = match Config::load({{ app_name }}::app_root()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(78);
        }
    };
    // Held until main returns: the log writer runs until then.
    let _logs = phoenix::endpoint::init_logging_for(&config);
    let endpoint = match {{ app_name }}::endpoint(config).await {
        Ok(endpoint) => endpoint,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(78);
        }
    };
    match endpoint.serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("server error: {err}");
            ExitCode::FAILURE
        }
    }
}

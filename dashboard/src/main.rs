//! `phoenix-dashboard`: the desktop dashboard of a running phoenix server.
//!
//! ```text
//! phoenix-dashboard [--url http://127.0.0.1:4000] [--token T] [--path /phoenix/dashboard]
//!                   [--payloads] [--view overview|routes|sockets|topics|traffic|requests]
//!                   [--screenshots DIR] [--screenshot-delay-ms 3000]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{CommandFactory, Parser, ValueEnum};
use eframe::egui;
use phoenix_dashboard::app::{AppOptions, DashboardApp, View};
use phoenix_dashboard::client::ClientConfig;
use phoenix_dashboard::screenshot::{Outcome, ScreenshotOptions};

/// How long `--screenshots` waits for the join.
const JOIN_TIMEOUT: Duration = Duration::from_secs(30);

/// The views, as command-line values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CliView {
    Overview,
    Routes,
    Sockets,
    Topics,
    Traffic,
    Requests,
}

impl From<CliView> for View {
    fn from(view: CliView) -> View {
        match view {
            CliView::Overview => View::Overview,
            CliView::Routes => View::Routes,
            CliView::Sockets => View::Sockets,
            CliView::Topics => View::Topics,
            CliView::Traffic => View::Traffic,
            CliView::Requests => View::Requests,
        }
    }
}

/// The desktop dashboard of a running phoenix server.
#[derive(Debug, Parser)]
#[command(name = "phoenix-dashboard", version, about)]
struct Cli {
    /// The server's base URL (http, https, ws or wss).
    #[arg(
        long,
        env = "PHOENIX_DASHBOARD_URL",
        default_value = "http://127.0.0.1:4000"
    )]
    url: String,

    /// The dashboard token of the server's config.
    #[arg(
        long,
        env = "PHOENIX_DASHBOARD_TOKEN",
        default_value = "phoenix-dev",
        hide_env_values = true
    )]
    token: String,

    /// Where the server mounts the introspection socket.
    #[arg(long, default_value = "/phoenix/dashboard")]
    path: String,

    /// Capture message and broadcast payloads from the start.
    #[arg(long)]
    payloads: bool,

    /// The view shown first.
    #[arg(long, value_enum, default_value_t = CliView::Overview)]
    view: CliView,

    /// Save a screenshot of each view into DIR (as <view>.png) once joined, then exit.
    #[arg(long, value_name = "DIR")]
    screenshots: Option<PathBuf>,

    /// With --screenshots: how long to wait after joining before the first screenshot.
    #[arg(long, value_name = "MS", default_value_t = 3000)]
    screenshot_delay_ms: u64,
}

/// Exits with code 2 and clap's usage error format.
fn usage_error(message: String) -> ! {
    Cli::command()
        .error(clap::error::ErrorKind::ValueValidation, message)
        .exit()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let url = cli.url.trim().to_string();
    let has_scheme = ["http://", "https://", "ws://", "wss://"]
        .iter()
        .any(|scheme| url.starts_with(scheme));
    if !has_scheme || url.len() <= url.find("://").map_or(0, |i| i + 3) {
        usage_error(format!(
            "invalid --url {url:?}: expected http(s)://HOST:PORT or ws(s)://HOST:PORT"
        ));
    }
    if !cli.path.starts_with('/') {
        usage_error(format!(
            "invalid --path {:?}: it must start with /",
            cli.path
        ));
    }
    let screenshots = match cli.screenshots {
        Some(dir) => {
            if let Err(e) = std::fs::create_dir_all(&dir) {
                usage_error(format!(
                    "cannot create --screenshots {}: {e}",
                    dir.display()
                ));
            }
            Some(ScreenshotOptions {
                dir,
                delay: Duration::from_millis(cli.screenshot_delay_ms),
                join_timeout: JOIN_TIMEOUT,
            })
        }
        None => None,
    };
    let screenshot_mode = screenshots.is_some();
    let options = AppOptions {
        config: ClientConfig {
            url: url.clone(),
            token: cli.token,
            path: cli.path,
            payloads: cli.payloads,
        },
        view: cli.view.into(),
        screenshots,
    };
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([720.0, 480.0])
            .with_title(format!("phoenix dashboard — {url}")),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let outcome: Outcome = Arc::new(Mutex::new(None));
    let app_outcome = outcome.clone();
    let result = eframe::run_native(
        "phoenix-dashboard",
        native,
        Box::new(move |cc| {
            Ok(Box::new(DashboardApp::new(
                &cc.egui_ctx,
                options,
                app_outcome,
            )))
        }),
    );
    if let Err(e) = result {
        eprintln!("phoenix-dashboard: cannot open the window: {e}");
        return ExitCode::FAILURE;
    }
    if !screenshot_mode {
        return ExitCode::SUCCESS;
    }
    let outcome = outcome.lock().map(|o| o.clone()).unwrap_or(None);
    match outcome {
        Some(Ok(())) => ExitCode::SUCCESS,
        Some(Err(_)) => ExitCode::FAILURE, // already reported
        None => {
            eprintln!("phoenix-dashboard: the window closed before the screenshots were taken");
            ExitCode::FAILURE
        }
    }
}

//! Helpers for the framework's tests: an app folder with a config and templates.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use phoenix::prelude::*;

/// An application folder in the temp dir, removed when dropped.
pub struct TempApp(PathBuf);

impl TempApp {
    pub fn new(templates: &[(&str, &str)]) -> TempApp {
        static N: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "phx-framework-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(root.join("config")).unwrap();
        std::fs::write(
            root.join("config/config.toml"),
            r#"
app_name = "t"
debug_errors = true
log_level = "warn"
[http]
ip = "127.0.0.1"
port = 0
[url]
host = "localhost"
[session]
store = "cookie"
key = "_t"
[render_errors]
view = "error"
accepts = ["html"]
[static]
at = "/"
from = "priv/static"
[templates]
root = "templates"
"#,
        )
        .unwrap();
        let app = TempApp(root);
        for (name, text) in templates {
            app.write(name, text);
        }
        app
    }

    pub fn write(&self, name: &str, text: &str) {
        let path = self.0.join("templates").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn config(&self) -> Config {
        Config::load_env(&self.0, "test").unwrap()
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The error view the test configuration names (`render_errors.view = "error"`),
/// with no templates of its own.
#[derive(Default)]
pub struct ErrorView;

impl View for ErrorView {
    fn name(&self) -> &'static str {
        "error"
    }
}

/// Serves `endpoint` on its configured address (a free port in tests);
/// it stops when the returned sender is dropped.
pub async fn listen(
    endpoint: Endpoint,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listening = endpoint.listen().await.expect("the endpoint binds");
    let addr = listening.http_addr;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(listening.run(async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

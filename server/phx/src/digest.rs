//! `phx digest`: fingerprinted copies of the static files and their manifest
//! (Phoenix's `mix phx.digest`). With `static.cache_manifest` set (the
//! generated `config/prod.toml` sets it), `static_path` links the digested
//! names and they are served with far-future cache headers.

use std::path::PathBuf;

use crate::project::Project;
use crate::{ui, Failure, Outcome};

/// Digests `path`, or the application's `static.from` folder.
pub fn run(path: Option<PathBuf>) -> Outcome {
    let dir = match path {
        Some(path) => path,
        None => {
            let project = Project::find()?;
            let config = project.config()?;
            config.path(&config.static_files.from)
        }
    };
    if !dir.is_dir() {
        return Err(Failure::new(format!(
            "{} is not a folder: give the static folder to digest (`phx digest priv/static`)",
            dir.display()
        )));
    }
    let spinner = ui::Spinner::start(&format!("digesting {}", dir.display()));
    let manifest = phoenix::digest::digest(&dir)
        .map_err(|e| Failure::new(format!("digesting {}: {e}", dir.display())))?;
    spinner.finish(&format!(
        "digested {} files into {}",
        manifest.latest.len(),
        dir.join(phoenix::digest::MANIFEST).display()
    ));
    for (logical, digested) in &manifest.latest {
        ui::step("digested", &format!("{logical} → {digested}"));
    }
    Ok(())
}

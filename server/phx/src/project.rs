//! The application `phx` runs in: its folder, its name, its configuration.

use std::path::{Path, PathBuf};

use crate::Failure;

/// An application folder: `Cargo.toml` and `config/config.toml`.
pub struct Project {
    /// The folder.
    pub root: PathBuf,
    /// The package (and binary, and crate) name.
    pub name: String,
}

impl Project {
    /// The application in the current folder or one of its parents.
    pub fn find() -> Result<Project, Failure> {
        let cwd = std::env::current_dir()?;
        let mut dir: Option<&Path> = Some(&cwd);
        while let Some(candidate) = dir {
            if candidate.join("Cargo.toml").is_file()
                && candidate.join("config/config.toml").is_file()
            {
                return Project::at(candidate);
            }
            dir = candidate.parent();
        }
        Err(Failure::new(format!(
            "no phoenix application here: {} and its parents have no Cargo.toml next to \
             config/config.toml. Run phx inside an application, or create one with `phx new NAME`",
            cwd.display()
        )))
    }

    /// The application at `root`.
    pub fn at(root: &Path) -> Result<Project, Failure> {
        let manifest = root.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest)
            .map_err(|e| Failure::new(format!("cannot read {}: {e}", manifest.display())))?;
        let parsed: toml::Table = text
            .parse()
            .map_err(|e| Failure::new(format!("{} is not valid TOML: {e}", manifest.display())))?;
        let name = parsed
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .ok_or_else(|| {
                Failure::new(format!(
                    "{} has no [package] name: phx needs the application's package",
                    manifest.display()
                ))
            })?;
        Ok(Project {
            root: root.to_path_buf(),
            name: name.to_string(),
        })
    }

    /// The crate name as Rust code spells it (`my-app` → `my_app`).
    pub fn crate_name(&self) -> String {
        self.name.replace('-', "_")
    }

    /// The application's configuration for the environment `PHX_ENV` (default dev).
    pub fn config(&self) -> Result<phoenix::config::Config, Failure> {
        phoenix::config::Config::load(&self.root).map_err(|e| Failure::new(e.to_string()))
    }

    /// A path inside the application.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }
}

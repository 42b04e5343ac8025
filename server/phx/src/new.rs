//! `phx new NAME`: a complete application that builds, runs and passes its
//! own tests right away.

use std::path::{Path, PathBuf};

use clap::Args;
use serde::Serialize;

use crate::gen::random_secret;
use crate::{templates, ui, Failure, Outcome};

/// Arguments of `phx new`.
#[derive(Args)]
pub struct NewArgs {
    /// The application's name: lower case letters, digits and `_`, starting
    /// with a letter (it names the crate and the binary).
    pub name: String,
    /// Where to create it (default: `./NAME`).
    #[arg(long)]
    pub path: Option<PathBuf>,
    /// No database (no sqlx, no migrations).
    #[arg(long)]
    pub no_db: bool,
    /// Depend on the framework at this path (default: the checkout `phx` was built from).
    #[arg(long, conflicts_with = "phoenix_git")]
    pub phoenix_path: Option<PathBuf>,
    /// Depend on the framework from this git repository.
    #[arg(long)]
    pub phoenix_git: Option<String>,
    /// Build the application after creating it (`cargo build`).
    #[arg(long)]
    pub build: bool,
}

/// What the `phx.new` templates see.
#[derive(Serialize)]
struct Context {
    app_name: String,
    app_module: String,
    db: bool,
    phoenix_dep: String,
    dev_secret: String,
    test_secret: String,
}

/// Names that cannot be an application's crate.
const RESERVED: &[&str] = &[
    "phoenix",
    "phx",
    "std",
    "core",
    "alloc",
    "test",
    "proc_macro",
    "self",
    "super",
    "crate",
    "tokio",
    "serde",
    "maud",
    "poem",
    "sqlx",
];

/// Checks an application name, saying what a valid one looks like.
pub fn check_name(name: &str) -> Outcome {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(Failure::new(format!(
            "application name {name:?} is invalid: use lower case letters, digits and `_`, \
             starting with a letter (for example `blog` or `my_app`)"
        )));
    }
    if RESERVED.contains(&name) {
        return Err(Failure::new(format!(
            "application name {name:?} is taken by a crate the application uses: pick another"
        )));
    }
    Ok(())
}

/// `my_app` → `MyApp`.
pub fn pascal(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The framework checkout `phx` was built from.
fn own_checkout() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../phoenix")
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// Creates the application.
pub fn run(args: NewArgs) -> Outcome {
    check_name(&args.name)?;
    let target = args
        .path
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    if target.exists()
        && std::fs::read_dir(&target)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Failure::new(format!(
            "{} already exists and is not empty: choose another name or --path",
            target.display()
        )));
    }
    let (phoenix_dep, lock) = match (&args.phoenix_path, &args.phoenix_git) {
        (_, Some(git)) => (format!("git = {}", toml_string(git)), None),
        (path, None) => {
            let path = path.clone().unwrap_or_else(own_checkout);
            let path = path.canonicalize().map_err(|_| {
                Failure::new(format!(
                    "the framework is not at {}: pass --phoenix-path to the folder of the \
                     `phoenix` crate (server/phoenix in its repository) or --phoenix-git",
                    path.display()
                ))
            })?;
            if !path.join("Cargo.toml").is_file() {
                return Err(Failure::new(format!(
                    "{} has no Cargo.toml: --phoenix-path must name the `phoenix` crate's folder",
                    path.display()
                )));
            }
            // The versions the framework is tested with, when its checkout has them.
            let lock = path.join("../../Cargo.lock");
            let lock = lock.is_file().then_some(lock);
            let shown = path.to_string_lossy().into_owned();
            (format!("path = {}", toml_string(&shown)), lock)
        }
    };
    let context = Context {
        app_name: args.name.clone(),
        app_module: pascal(&args.name),
        db: !args.no_db,
        phoenix_dep,
        dev_secret: random_secret(64),
        test_secret: random_secret(64),
    };
    generate(&target, &context, lock.as_deref())?;
    templates::format_written();

    if args.build {
        crate::build::cargo_build(&target, &args.name).map_err(|failure| {
            Failure::new(format!(
                "the new application does not build:\n{}\nplease report this",
                failure.0
            ))
        })?;
    }
    let shown = target.display();
    ui::info(&format!(
        "\nYour application is ready in {shown}. Run it:\n\n    cd {shown}\n    phx server      # \
         http://localhost:4000\n\nand test it:\n\n    cargo test\n"
    ));
    if context.db {
        ui::info(
            "Its database is SQLite (priv/db/), created and migrated when it starts in dev;\n\
             set DATABASE_URL=postgres://... to use PostgreSQL.\n",
        );
    }
    Ok(())
}

fn generate(target: &Path, context: &Context, lock: Option<&Path>) -> Outcome {
    std::fs::create_dir_all(target)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", target.display())))?;
    for (relative, source) in templates::tree("phx.new")? {
        let shown = relative.to_string_lossy();
        let text = templates::render(&format!("phx.new/{shown}"), source, context)?;
        let relative = match shown.as_ref() {
            "gitignore" => PathBuf::from(".gitignore"),
            _ => relative,
        };
        templates::write(target, &relative, &text, false)?;
    }
    templates::write(
        target,
        Path::new("priv/static/js/phoenix.js"),
        templates::PHOENIX_JS,
        false,
    )?;
    templates::write(
        target,
        Path::new("priv/static/js/phoenix.d.ts"),
        templates::PHOENIX_D_TS,
        false,
    )?;
    if context.db {
        for backend in ["sqlite", "postgres"] {
            let keep = PathBuf::from(format!("priv/migrations/{backend}/.gitkeep"));
            templates::write(target, &keep, "", false)?;
        }
    }
    if let Some(lock) = lock {
        std::fs::copy(lock, target.join("Cargo.lock"))
            .map_err(|e| Failure::new(format!("cannot copy {}: {e}", lock.display())))?;
        ui::step("creating", "Cargo.lock (the framework's tested versions)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(check_name("blog").is_ok());
        assert!(check_name("my_app2").is_ok());
        for bad in ["Blog", "2blog", "my-app", "", "phoenix", "a b"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pascal_case() {
        assert_eq!(pascal("blog"), "Blog");
        assert_eq!(pascal("my_app"), "MyApp");
    }

    #[test]
    fn generates_every_file_without_db() {
        let dir = std::env::temp_dir().join(format!("phx-new-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let context = Context {
            app_name: "blog".into(),
            app_module: "Blog".into(),
            db: false,
            phoenix_dep: "path = \"/x\"".into(),
            dev_secret: random_secret(64),
            test_secret: random_secret(64),
        };
        generate(&dir, &context, None).unwrap();
        let cargo = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(cargo.contains("phoenix = { path = \"/x\" }"), "{cargo}");
        let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
        assert!(!lib.contains("db::"), "{lib}");
        assert!(dir.join(".gitignore").is_file());
        assert!(dir.join("priv/static/js/phoenix.js").is_file());
        assert!(!dir.join("priv/migrations").exists());
        let dev = std::fs::read_to_string(dir.join("config/dev.toml")).unwrap();
        assert!(!dev.contains("[database]"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}

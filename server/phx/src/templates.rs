//! The files `phx` generates: templates under the repository's
//! `priv/templates/`, built into the binary and rendered with minijinja.

use std::path::{Path, PathBuf};

use include_dir::{include_dir, Dir};
use minijinja::Environment;
use serde::Serialize;

use crate::{ui, Failure, Outcome};

/// `priv/templates/`: `phx.new/`, `phx.gen.html/`, `phx.gen.json/`, `phx.gen.channel/`.
static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../priv/templates");

/// The JavaScript channels client every application serves (`/js/phoenix.js`).
pub const PHOENIX_JS: &str = include_str!("../../../priv/static/js/phoenix.js");

/// The TypeScript declarations of `phoenix.js`.
pub const PHOENIX_D_TS: &str = include_str!("../../../priv/static/js/phoenix.d.ts");

/// Renders template text with a context.
pub fn render(name: &str, source: &str, context: &impl Serialize) -> Result<String, Failure> {
    let mut env = Environment::new();
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .map_err(|e| Failure::new(format!("template syntax: {e}")))?;
    env.set_syntax(syntax);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_template(name, source)
        .and_then(|_| {
            env.get_template(name)?
                .render(minijinja::value::Serde(context))
        })
        .map_err(|e| Failure::new(format!("template {name}: {e:#}")))
}

/// The text of one template file, e.g. `phx.gen.html/controller.rs`.
pub fn source(path: &str) -> Result<&'static str, Failure> {
    TEMPLATES
        .get_file(path)
        .and_then(|f| f.contents_utf8())
        .ok_or_else(|| Failure::new(format!("phx is missing its template {path}")))
}

/// Renders one template file.
pub fn render_file(path: &str, context: &impl Serialize) -> Result<String, Failure> {
    render(path, source(path)?, context)
}

/// Every file under a template folder, as (path relative to it, text).
pub fn tree(folder: &str) -> Result<Vec<(PathBuf, &'static str)>, Failure> {
    let dir = TEMPLATES
        .get_dir(folder)
        .ok_or_else(|| Failure::new(format!("phx is missing its templates {folder}/")))?;
    let mut files = Vec::new();
    collect(dir, Path::new(folder), &mut files)?;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

fn collect(
    dir: &'static Dir<'static>,
    base: &Path,
    files: &mut Vec<(PathBuf, &'static str)>,
) -> Result<(), Failure> {
    for file in dir.files() {
        let text = file.contents_utf8().ok_or_else(|| {
            Failure::new(format!("template {} is not UTF-8", file.path().display()))
        })?;
        let relative = file.path().strip_prefix(base).unwrap_or(file.path());
        files.push((relative.to_path_buf(), text));
    }
    for sub in dir.dirs() {
        collect(sub, base, files)?;
    }
    Ok(())
}

/// Writes a generated file, creating its folder; refuses to overwrite unless
/// `force`. Prints `* creating path`.
pub fn write(root: &Path, relative: &Path, text: &str, force: bool) -> Result<(), Failure> {
    let path = root.join(relative);
    if path.exists() && !force {
        return Err(Failure::new(format!(
            "{} already exists: remove it, or pass --force to overwrite it",
            path.display()
        )));
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::new(format!("cannot create {}: {e}", parent.display())))?;
    }
    std::fs::write(&path, text)
        .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))?;
    ui::step("creating", &relative.display().to_string());
    if path.extension().is_some_and(|e| e == "rs") {
        written().push(path);
    }
    Ok(())
}

/// The Rust files written by this run of `phx`, to format them.
fn written() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    static WRITTEN: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    WRITTEN.lock().unwrap_or_else(|e| e.into_inner())
}

/// Formats the Rust files written so far with `rustfmt` (skipped, with a
/// note, when rustfmt is not installed).
pub fn format_written() {
    let files = std::mem::take(&mut *written());
    if files.is_empty() {
        return;
    }
    let status = std::process::Command::new("rustfmt")
        .args(["--edition", "2021"])
        .args(&files)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    if !status.is_ok_and(|s| s.success()) {
        ui::warn("rustfmt did not run: the generated files are not formatted (rustup component add rustfmt)");
    }
}

/// Adds `line` to a file after the last one-line declaration starting with
/// `after_prefix` (e.g. `mod x;`, not `mod x {`), or at the end, unless the file already has it. Prints `* updating path`.
pub fn insert_line(root: &Path, relative: &str, line: &str, after_prefix: &str) -> Outcome {
    let path = root.join(relative);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Failure::new(format!(
            "cannot read {}: {e} (add `{line}` to it yourself)",
            path.display()
        ))
    })?;
    if text.lines().any(|l| l.trim() == line.trim()) {
        return Ok(());
    }
    let mut lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .rposition(|l| l.starts_with(after_prefix) && l.trim_end().ends_with(';'))
        .map(|i| i + 1)
        .unwrap_or(lines.len());
    lines.insert(at, line);
    let mut out = lines.join("\n");
    out.push('\n');
    std::fs::write(&path, out)
        .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))?;
    ui::step("updating", relative);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_renders_with_its_context() {
        let files = tree("phx.new").unwrap();
        assert!(files.iter().any(|(p, _)| p == Path::new("src/main.rs")));
        assert!(files.iter().any(|(p, _)| p == Path::new("Cargo.toml")));
    }

    #[test]
    fn strict_undefined_names_the_template() {
        let err = render("x.rs", "{{ missing }}", &serde_json::json!({})).unwrap_err();
        assert!(err.0.contains("x.rs"), "{}", err.0);
    }

    #[test]
    fn insert_line_is_idempotent() {
        let dir = std::env::temp_dir().join(format!("phx-insert-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("mod.rs"),
            "mod a;\nmod b;\n\npub use a::A;\n\nmod base {\n}\n",
        )
        .unwrap();
        insert_line(&dir, "mod.rs", "mod c;", "mod ").unwrap();
        insert_line(&dir, "mod.rs", "mod c;", "mod ").unwrap();
        let text = std::fs::read_to_string(dir.join("mod.rs")).unwrap();
        assert_eq!(
            text,
            "mod a;\nmod b;\nmod c;\n\npub use a::A;\n\nmod base {\n}\n"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}

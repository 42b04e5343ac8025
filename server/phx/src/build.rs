//! Building the application with cargo: its binary, or the compiler's errors.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{ui, Failure};

/// The cargo to run: `CARGO` when phx runs under cargo, else `cargo`.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Builds the application's binary; on success its path, on failure the
/// compiler's errors (with colours, as printed).
pub fn cargo_build(root: &Path, bin: &str) -> Result<PathBuf, Failure> {
    let spinner = ui::Spinner::start(&format!("compiling {bin}"));
    let mut child = Command::new(cargo())
        .args([
            "build",
            "--bin",
            bin,
            "--message-format=json-diagnostic-rendered-ansi",
        ])
        .current_dir(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::new(format!("cannot run cargo: {e} (is Rust installed?)")))?;
    // Cargo's own lines ("Compiling x", errors of its own) come on stderr.
    let mut stderr = child.stderr.take().expect("piped");
    let cargo_lines = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut executable = None;
    let mut errors = Vec::new();
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        match message["reason"].as_str() {
            Some("compiler-artifact") if message["target"]["name"] == bin => {
                if let Some(path) = message["executable"].as_str() {
                    executable = Some(PathBuf::from(path));
                }
            }
            Some("compiler-message") => {
                if let Some(rendered) = message["message"]["rendered"].as_str() {
                    spinner.println(rendered.trim_end());
                    if message["message"]["level"] == "error" {
                        errors.push(rendered.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    let status = child
        .wait()
        .map_err(|e| Failure::new(format!("cargo did not finish: {e}")))?;
    let cargo_text = cargo_lines.join().unwrap_or_default();
    match (status.success(), executable) {
        (true, Some(path)) => {
            spinner.finish(&format!("compiled {bin}"));
            Ok(path)
        }
        (true, None) => {
            spinner.clear();
            Err(Failure::new(format!(
                "cargo built no binary named {bin}: check [[bin]] in Cargo.toml"
            )))
        }
        (false, _) => {
            spinner.clear();
            let mut output = errors.join("\n");
            if output.is_empty() {
                output = cargo_text;
            }
            Err(Failure::new(output))
        }
    }
}

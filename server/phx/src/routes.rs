//! `phx routes`: the application's route table, printed by the application
//! itself (`cargo run -- routes`), as `mix phx.routes` compiles and asks the router.

use std::process::Command;

use crate::project::Project;
use crate::{ui, Failure, Outcome};

/// Builds the application and prints its routes.
pub fn run() -> Outcome {
    let project = Project::find()?;
    let spinner = ui::Spinner::start(&format!("compiling {}", project.name));
    let output = Command::new(crate::build::cargo())
        .args(["run", "--quiet", "--bin", &project.name, "--", "routes"])
        .current_dir(&project.root)
        .output()
        .map_err(|e| Failure::new(format!("cannot run cargo: {e} (is Rust installed?)")))?;
    spinner.clear();
    if !output.status.success() {
        return Err(Failure::new(format!(
            "`cargo run -- routes` failed in {}:\n{}",
            project.root.display(),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    print!("{}", String::from_utf8_lossy(&output.stdout));
    Ok(())
}

//! placeholder
use crate::Outcome;
pub fn run(_p: Option<std::path::PathBuf>) -> Outcome {
    Ok(())
}

//! `phx gen.*`: resources (HTML pages or a JSON API, with their context,
//! migration and tests), channels, secrets.

use std::path::Path;

use clap::Args;
use rand::distr::{Alphanumeric, SampleString};
use serde::Serialize;

use crate::project::Project;
use crate::templates::{render_file, write};
use crate::{Failure, Outcome};

mod channel;
mod field;
mod resource;

pub use channel::channel;
pub use resource::resource;

/// A random secret of `length` letters and digits (from the OS's generator).
pub fn random_secret(length: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), length)
}

/// `phx gen.secret`.
pub fn secret(length: usize) -> Outcome {
    if length < 64 {
        return Err(Failure::new(format!(
            "a secret_key_base must be at least 64 characters long, not {length}"
        )));
    }
    println!("{}", random_secret(length));
    Ok(())
}

/// Which resource generator.
#[derive(Clone, Copy, PartialEq)]
pub enum Kind {
    /// Pages and forms.
    Html,
    /// A JSON API.
    Json,
}

/// Arguments of `phx gen.html` and `phx gen.json`.
#[derive(Args)]
pub struct ResourceArgs {
    /// The context module, e.g. `Blog` (a module grouping related schemas).
    pub context: String,
    /// The schema, singular, e.g. `Post`.
    pub schema: String,
    /// The table and URL path, plural, e.g. `posts`.
    pub plural: String,
    /// Fields as `name:type`; types: string, text, integer, float, boolean.
    #[arg(required = true)]
    pub fields: Vec<String>,
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `phx gen.channel`.
#[derive(Args)]
pub struct ChannelArgs {
    /// The channel's name, e.g. `Room` (its topics are `room:*`).
    pub name: String,
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
}

pub(super) fn out(
    project: &Project,
    file: &str,
    template: &str,
    ctx: &impl Serialize,
    force: bool,
) -> Outcome {
    let text = render_file(template, ctx)?;
    write(&project.root, Path::new(file), &text, force)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_and_random() {
        let (a, b) = (random_secret(64), random_secret(64));
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(secret(10).is_err());
    }
}

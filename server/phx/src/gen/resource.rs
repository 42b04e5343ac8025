//! `phx gen.html` and `phx gen.json`: a context, a schema, its migrations,
//! a controller, views and tests.

use std::path::Path;

use serde::Serialize;

use super::field::{humanize, is_pascal, is_snake, parse_field, snake, Field};
use super::{out, Kind, ResourceArgs};
use crate::project::Project;
use crate::templates::{insert_line, write};
use crate::{ui, Failure, Outcome};

#[derive(Serialize)]
pub(super) struct Names {
    /// `Blog`
    module: String,
    /// `blog`
    snake: String,
}

#[derive(Serialize)]
pub(super) struct SchemaNames {
    /// `Post`
    module: String,
    /// `post`
    singular: String,
    /// `posts`
    plural: String,
    /// `Post`
    human: String,
    /// `Posts`
    human_plural: String,
}

#[derive(Serialize)]
pub(super) struct ResourceContext {
    app_name: String,
    context: Names,
    schema: SchemaNames,
    fields: Vec<Field>,
    /// The first text field, shown as the record's title.
    title_field: Option<String>,
    version: String,
}

pub(super) fn migration_version() -> String {
    // `2026-12-02T07:30:00Z` → `20261202073000`, the UTC time's digits.
    phoenix::db::now()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// A version after every migration already in `folder` (two generators run
/// within a second must not share one): now, or the latest plus one.
pub(super) fn next_version(folder: &Path) -> String {
    let now = migration_version();
    let latest = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|backend| {
            std::fs::read_dir(backend.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .filter_map(|file| {
            let name = file.file_name().to_string_lossy().into_owned();
            name.split('_').next()?.parse::<u64>().ok()
        })
        .max();
    match (latest, now.parse::<u64>()) {
        (Some(latest), Ok(now_number)) if latest >= now_number => (latest + 1).to_string(),
        _ => now,
    }
}

pub(super) fn resource_context(
    project: &Project,
    args: &ResourceArgs,
) -> Result<ResourceContext, Failure> {
    if !is_pascal(&args.context) {
        return Err(Failure::new(format!(
            "context {:?} must be a module name such as Blog or Accounts",
            args.context
        )));
    }
    if !is_pascal(&args.schema) {
        return Err(Failure::new(format!(
            "schema {:?} must be a singular module name such as Post or User",
            args.schema
        )));
    }
    if !is_snake(&args.plural) {
        return Err(Failure::new(format!(
            "plural {:?} must be lower case, such as posts",
            args.plural
        )));
    }
    if args.context == args.schema {
        return Err(Failure::new(format!(
            "the context and the schema are both named {}: give the context a name of its own \
             (e.g. `phx gen.html Blog {} {}`)",
            args.context, args.schema, args.plural
        )));
    }
    let fields = args
        .fields
        .iter()
        .map(|f| parse_field(f))
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen = std::collections::HashSet::new();
    for field in &fields {
        if !seen.insert(field.name.clone()) {
            return Err(Failure::new(format!("field {} is given twice", field.name)));
        }
    }
    let singular = snake(&args.schema);
    Ok(ResourceContext {
        app_name: project.crate_name(),
        context: Names {
            module: args.context.clone(),
            snake: snake(&args.context),
        },
        schema: SchemaNames {
            module: args.schema.clone(),
            human: humanize(&singular),
            human_plural: humanize(&args.plural),
            singular,
            plural: args.plural.clone(),
        },
        title_field: fields
            .iter()
            .find(|f| f.rust_type == "String")
            .map(|f| f.name.clone()),
        fields,
        version: next_version(&project.path("priv/migrations")),
    })
}

/// `phx gen.html` / `phx gen.json`.
pub fn resource(args: ResourceArgs, kind: Kind) -> Outcome {
    let project = Project::find()?;
    if !project.path("priv/migrations").is_dir() {
        return Err(Failure::new(
            "this application has no database (priv/migrations is missing; was it created with \
             --no-db?): resources need one",
        ));
    }
    let ctx = resource_context(&project, &args)?;
    let (c, s) = (&ctx.context.snake, &ctx.schema);
    let force = args.force;

    // The context: a module per context, a file per schema.
    let context_mod = format!("src/{c}/mod.rs");
    if !project.path(&context_mod).exists() {
        out(
            &project,
            &context_mod,
            "phx.gen.context/context.rs",
            &ctx,
            false,
        )?;
        insert_line(
            &project.root,
            "src/lib.rs",
            &format!("pub mod {c};"),
            "pub mod ",
        )?;
    }
    out(
        &project,
        &format!("src/{c}/{}.rs", s.singular),
        "phx.gen.context/schema.rs",
        &ctx,
        force,
    )?;
    insert_line(
        &project.root,
        &context_mod,
        &format!("pub mod {};", s.singular),
        "pub mod ",
    )?;
    insert_line(
        &project.root,
        &context_mod,
        &format!("pub use {}::*;", s.singular),
        "pub use ",
    )?;
    for backend in ["sqlite", "postgres"] {
        let file = format!(
            "priv/migrations/{backend}/{}_create_{}.sql",
            ctx.version, s.plural
        );
        out(
            &project,
            &file,
            &format!("phx.gen.context/migration.{backend}.sql"),
            &ctx,
            force,
        )?;
    }
    out(
        &project,
        &format!("tests/{c}_{}.rs", s.plural),
        "phx.gen.context/context_test.rs",
        &ctx,
        force,
    )?;

    let route = match kind {
        Kind::Html => {
            out(
                &project,
                &format!("src/controllers/{}.rs", s.singular),
                "phx.gen.html/controller.rs",
                &ctx,
                force,
            )?;
            insert_line(
                &project.root,
                "src/controllers/mod.rs",
                &format!("mod {};", s.singular),
                "mod ",
            )?;
            insert_line(
                &project.root,
                "src/controllers/mod.rs",
                &format!("pub use {}::{}Controller;", s.singular, s.module),
                "pub use ",
            )?;
            out(
                &project,
                &format!("src/views/{}.rs", s.singular),
                "phx.gen.html/view.rs",
                &ctx,
                force,
            )?;
            insert_line(
                &project.root,
                "src/views/mod.rs",
                &format!("pub mod {};", s.singular),
                "pub mod ",
            )?;
            out(
                &project,
                &format!("tests/{}_controller.rs", s.singular),
                "phx.gen.html/controller_test.rs",
                &ctx,
                force,
            )?;
            format!(
                "Add the resource to the browser scope in src/router.rs:\n\n        \
                 resources \"/{}\", {}Controller;\n",
                s.plural, s.module
            )
        }
        Kind::Json => {
            let api_mod = "src/controllers/api/mod.rs";
            if !project.path(api_mod).exists() {
                write(
                    &project.root,
                    Path::new(api_mod),
                    "//! Controllers of the JSON API (`scope \"/api\"` in the router).\n",
                    false,
                )?;
                insert_line(
                    &project.root,
                    "src/controllers/mod.rs",
                    "pub mod api;",
                    "mod ",
                )?;
            }
            out(
                &project,
                &format!("src/controllers/api/{}.rs", s.singular),
                "phx.gen.json/controller.rs",
                &ctx,
                force,
            )?;
            insert_line(
                &project.root,
                api_mod,
                &format!("mod {};", s.singular),
                "mod ",
            )?;
            insert_line(
                &project.root,
                api_mod,
                &format!("pub use {}::{}Controller;", s.singular, s.module),
                "pub use ",
            )?;
            out(
                &project,
                &format!("src/views/{}_json.rs", s.singular),
                "phx.gen.json/view.rs",
                &ctx,
                force,
            )?;
            insert_line(
                &project.root,
                "src/views/mod.rs",
                &format!("pub mod {}_json;", s.singular),
                "pub mod ",
            )?;
            out(
                &project,
                &format!("tests/api_{}_controller.rs", s.singular),
                "phx.gen.json/controller_test.rs",
                &ctx,
                force,
            )?;
            format!(
                "Add the resource to an api scope in src/router.rs:\n\n    \
                 scope \"/api\", alias crate::controllers::api, as api {{\n        \
                 pipe_through api;\n\n        \
                 resources \"/{}\", {}Controller, except [new, edit];\n    }}\n",
                s.plural, s.module
            )
        }
    };
    crate::templates::format_written();
    ui::info(&format!(
        "\n{route}\nThe migration runs when the app starts in dev (or run `phx db.migrate`)."
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_versions_sort_by_time() {
        let version = migration_version();
        assert_eq!(version.len(), 14, "{version}");
        assert!(version.starts_with("20"), "{version}");
    }

    #[test]
    fn versions_never_collide() {
        let dir = std::env::temp_dir().join(format!("phx-versions-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sqlite")).unwrap();
        let first = next_version(&dir);
        std::fs::write(dir.join("sqlite").join(format!("{first}_a.sql")), "").unwrap();
        let second = next_version(&dir);
        assert!(second.parse::<u64>().unwrap() > first.parse::<u64>().unwrap());
        std::fs::write(dir.join("sqlite/99990101000000_future.sql"), "").unwrap();
        assert_eq!(next_version(&dir), "99990101000001");
        std::fs::remove_dir_all(dir).unwrap();
    }
}

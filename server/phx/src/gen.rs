//! `phx gen.*`: resources (HTML pages or a JSON API, with their context,
//! migration and tests), channels, secrets.

use std::path::Path;

use clap::Args;
use rand::distr::{Alphanumeric, SampleString};
use serde::Serialize;

use crate::project::Project;
use crate::templates::{insert_line, render_file, write};
use crate::{ui, Failure, Outcome};

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

/// A field of a generated schema and everything the templates need of it.
#[derive(Debug, Serialize, Clone)]
struct Field {
    name: String,
    label: String,
    kind: &'static str,
    rust_type: &'static str,
    sqlite_type: &'static str,
    postgres_type: &'static str,
    /// The `Changeset` method casting it.
    cast: &'static str,
    /// `text`, `textarea`, `number`, `checkbox`.
    input: &'static str,
    /// Test values: as Rust literal, as form text, as JSON.
    create_rust: String,
    create_form: String,
    create_json: String,
    update_rust: String,
    update_form: String,
    update_json: String,
}

const TYPES: &str = "string, text, integer, float, boolean";

const RESERVED_FIELDS: &[&str] = &[
    "id",
    "inserted_at",
    "updated_at",
    "type",
    "fn",
    "struct",
    "enum",
    "impl",
    "match",
    "mod",
    "ref",
    "self",
    "use",
    "where",
    "async",
    "await",
    "move",
    "loop",
    "let",
    "return",
];

fn is_snake(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_pascal(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `BlogPost` → `blog_post`.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn humanize(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn parse_field(spec: &str) -> Result<Field, Failure> {
    let (name, kind) = spec.split_once(':').ok_or_else(|| {
        Failure::new(format!(
            "field {spec:?} has no type: write it as name:type, e.g. title:string (types: {TYPES})"
        ))
    })?;
    if !is_snake(name) || RESERVED_FIELDS.contains(&name) {
        return Err(Failure::new(format!(
            "field name {name:?} is invalid or reserved: use lower case letters, digits and `_` \
             (id, inserted_at and updated_at are added for you)"
        )));
    }
    let words = name.replace('_', " ");
    let (rust_type, sqlite_type, postgres_type, cast, input) = match kind {
        "string" => ("String", "TEXT", "TEXT", "string", "text"),
        "text" => ("String", "TEXT", "TEXT", "string", "textarea"),
        "integer" => ("i64", "INTEGER", "BIGINT", "integer", "number"),
        "float" => ("f64", "REAL", "DOUBLE PRECISION", "float", "number"),
        // SQLite booleans are integers (sqlx's Any driver reads them with `db::get_bool`).
        "boolean" => ("bool", "INTEGER", "BOOLEAN", "boolean", "checkbox"),
        other => {
            return Err(Failure::new(format!(
                "field {name} has unknown type {other:?}: the types are {TYPES}"
            )))
        }
    };
    let (create, update): ((String, String, String), (String, String, String)) = match kind {
        "integer" => (
            ("42".into(), "42".into(), "42".into()),
            ("43".into(), "43".into(), "43".into()),
        ),
        "float" => (
            ("120.5".into(), "120.5".into(), "120.5".into()),
            ("456.7".into(), "456.7".into(), "456.7".into()),
        ),
        "boolean" => (
            ("true".into(), "true".into(), "true".into()),
            ("false".into(), "false".into(), "false".into()),
        ),
        _ => {
            let first = format!("some {words}");
            let second = format!("some updated {words}");
            (
                (
                    format!("{first:?}.to_string()"),
                    first.clone(),
                    format!("{first:?}"),
                ),
                (
                    format!("{second:?}.to_string()"),
                    second.clone(),
                    format!("{second:?}"),
                ),
            )
        }
    };
    Ok(Field {
        name: name.to_string(),
        label: humanize(name),
        kind: match kind {
            "string" => "string",
            "text" => "text",
            "integer" => "integer",
            "float" => "float",
            _ => "boolean",
        },
        rust_type,
        sqlite_type,
        postgres_type,
        cast,
        input,
        create_rust: create.0,
        create_form: create.1,
        create_json: create.2,
        update_rust: update.0,
        update_form: update.1,
        update_json: update.2,
    })
}

#[derive(Serialize)]
struct Names {
    /// `Blog`
    module: String,
    /// `blog`
    snake: String,
}

#[derive(Serialize)]
struct SchemaNames {
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
struct ResourceContext {
    app_name: String,
    context: Names,
    schema: SchemaNames,
    fields: Vec<Field>,
    /// The first text field, shown as the record's title.
    title_field: Option<String>,
    version: String,
}

fn migration_version() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = now / 86_400;
    let secs = now % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// A version after every migration already in `folder` (two generators run
/// within a second must not share one): now, or the latest plus one.
fn next_version(folder: &Path) -> String {
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

fn resource_context(project: &Project, args: &ResourceArgs) -> Result<ResourceContext, Failure> {
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

fn out(
    project: &Project,
    file: &str,
    template: &str,
    ctx: &impl Serialize,
    force: bool,
) -> Outcome {
    let text = render_file(template, ctx)?;
    write(&project.root, Path::new(file), &text, force)
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

#[derive(Serialize)]
struct ChannelContext {
    app_name: String,
    module: String,
    snake: String,
}

/// `phx gen.channel Name`.
pub fn channel(args: ChannelArgs) -> Outcome {
    let project = Project::find()?;
    if !is_pascal(&args.name) {
        return Err(Failure::new(format!(
            "channel name {:?} must be a module name such as Room or Game",
            args.name
        )));
    }
    let name = args.name.strip_suffix("Channel").unwrap_or(&args.name);
    let ctx = ChannelContext {
        app_name: project.crate_name(),
        module: name.to_string(),
        snake: snake(name),
    };
    let file = format!("src/channels/{}.rs", ctx.snake);
    out(
        &project,
        &file,
        "phx.gen.channel/channel.rs",
        &ctx,
        args.force,
    )?;
    insert_line(
        &project.root,
        "src/channels/mod.rs",
        &format!("mod {};", ctx.snake),
        "mod ",
    )?;
    insert_line(
        &project.root,
        "src/channels/mod.rs",
        &format!("pub use {}::{}Channel;", ctx.snake, ctx.module),
        "pub use ",
    )?;
    out(
        &project,
        &format!("tests/{}_channel.rs", ctx.snake),
        "phx.gen.channel/channel_test.rs",
        &ctx,
        args.force,
    )?;
    crate::templates::format_written();
    ui::info(&format!(
        "\nAdd the channel to your socket in src/channels/mod.rs (UserSocket::channels):\n\n    \
         routes.channel::<{}Channel>(\"{}:*\");\n",
        ctx.module, ctx.snake
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("BlogPost"), "blog_post");
        assert_eq!(humanize("blog_posts"), "Blog posts");
        assert!(is_pascal("Blog") && !is_pascal("blog"));
    }

    #[test]
    fn fields_parse_or_say_why() {
        let f = parse_field("views:integer").unwrap();
        assert_eq!(
            (f.rust_type, f.postgres_type, f.cast),
            ("i64", "BIGINT", "integer")
        );
        let f = parse_field("title:string").unwrap();
        assert_eq!(f.create_rust, "\"some title\".to_string()");
        assert!(parse_field("title").unwrap_err().0.contains("name:type"));
        assert!(parse_field("x:date")
            .unwrap_err()
            .0
            .contains("string, text"));
        assert!(parse_field("id:integer").is_err());
        assert!(parse_field("Title:string").is_err());
    }

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

    #[test]
    fn secrets_are_long_and_random() {
        let (a, b) = (random_secret(64), random_secret(64));
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(secret(10).is_err());
    }
}

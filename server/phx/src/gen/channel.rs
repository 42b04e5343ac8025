//! `phx gen.channel`: a channel and its test.

use serde::Serialize;

use super::field::{is_pascal, snake};
use super::{out, ChannelArgs};
use crate::project::Project;
use crate::templates::insert_line;
use crate::{ui, Failure, Outcome};

#[derive(Serialize)]
pub(super) struct ChannelContext {
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

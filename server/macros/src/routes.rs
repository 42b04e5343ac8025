//! Flattening of the DSL tree into a list of concrete routes.

use proc_macro2::Span;
use syn::{Ident, Path, Result};

use crate::dsl::{Item, ResourcesDef, RouterDsl};

/// A socket mount after scopes are expanded.
pub struct FlatSocket {
    pub path: String,
    pub socket: Path,
}

/// One route after scopes and resources are expanded.
pub struct FlatRoute {
    pub verb: String,
    pub path: String,
    pub controller: Path,
    pub action: Ident,
    /// Helper module name, e.g. `user_comment_path`.
    pub helper: String,
    pub pipelines: Vec<Ident>,
    pub span: Span,
}

impl FlatRoute {
    /// Path parameters in order, with a flag telling whether each is a glob.
    pub fn params(&self) -> Vec<(String, bool)> {
        self.path
            .split('/')
            .filter_map(|seg| {
                if let Some(name) = seg.strip_prefix(':') {
                    Some((name.to_string(), false))
                } else {
                    seg.strip_prefix('*').map(|name| (name.to_string(), true))
                }
            })
            .collect()
    }
}

#[derive(Clone, Default)]
struct Ctx {
    prefix: String,
    alias: Option<Path>,
    helper_prefix: Vec<String>,
    pipelines: Vec<Ident>,
}

/// The seven resource actions, in matching order (`new` before `show`).
const RESOURCE_ACTIONS: &[(&str, &str, &str)] = &[
    ("index", "get", ""),
    ("edit", "get", "/:id/edit"),
    ("new", "get", "/new"),
    ("show", "get", "/:id"),
    ("create", "post", ""),
    ("update", "patch", "/:id"),
    ("update", "put", "/:id"),
    ("destroy", "delete", "/:id"),
];

/// Routes and socket mounts of a router.
#[derive(Default)]
pub struct Table {
    pub routes: Vec<FlatRoute>,
    pub sockets: Vec<FlatSocket>,
}

/// Expands scopes and resources into routes, checking pipelines and paths.
pub fn flatten(dsl: &RouterDsl) -> Result<Table> {
    let mut out = Table::default();
    let known: Vec<String> = dsl.pipelines.iter().map(|p| p.name.to_string()).collect();
    flatten_items(&dsl.items, Ctx::default(), &known, &mut out)?;
    Ok(out)
}

fn flatten_items(items: &[Item], mut ctx: Ctx, known: &[String], out: &mut Table) -> Result<()> {
    for item in items {
        match item {
            Item::PipeThrough(names) => {
                for name in names {
                    if !known.contains(&name.to_string()) {
                        return Err(syn::Error::new(
                            name.span(),
                            format!("no pipeline named `{name}` is declared in this router"),
                        ));
                    }
                    ctx.pipelines.push(name.clone());
                }
            }
            Item::Scope(scope) => {
                let mut inner = ctx.clone();
                inner.prefix = join_paths(&ctx.prefix, &scope.path.value());
                if let Some(alias) = &scope.alias {
                    inner.alias = Some(with_alias(ctx.alias.as_ref(), alias));
                }
                if let Some(prefix) = &scope.helper_prefix {
                    inner.helper_prefix.push(prefix.to_string());
                }
                flatten_items(&scope.items, inner, known, out)?;
            }
            Item::Route(route) => {
                check_path(&route.path.value(), route.path.span())?;
                let base = match &route.helper {
                    Some(helper) => helper.to_string(),
                    None => resource_name(&route.controller),
                };
                out.routes.push(FlatRoute {
                    verb: route.verb.to_string(),
                    path: join_paths(&ctx.prefix, &route.path.value()),
                    controller: with_alias(ctx.alias.as_ref(), &route.controller),
                    action: route.action.clone(),
                    helper: helper_name(&ctx.helper_prefix, &base),
                    pipelines: ctx.pipelines.clone(),
                    span: route.path.span(),
                });
            }
            Item::Resources(res) => {
                flatten_resources(res, &ctx, &ctx.prefix, &[], &mut out.routes)?
            }
            Item::Socket(socket) => {
                check_path(&socket.path.value(), socket.path.span())?;
                out.sockets.push(FlatSocket {
                    path: join_paths(&ctx.prefix, &socket.path.value()),
                    socket: with_alias(ctx.alias.as_ref(), &socket.socket),
                });
            }
        }
    }
    Ok(())
}

fn flatten_resources(
    res: &ResourcesDef,
    ctx: &Ctx,
    prefix: &str,
    parents: &[String],
    out: &mut Vec<FlatRoute>,
) -> Result<()> {
    check_path(&res.path.value(), res.path.span())?;
    let name = match &res.name {
        Some(name) => name.to_string(),
        None => resource_name(&res.controller),
    };
    let base_path = join_paths(prefix, &res.path.value());
    let mut chain = parents.to_vec();
    chain.push(name.clone());
    let helper = helper_name(&ctx.helper_prefix, &chain.join("_"));
    let controller = with_alias(ctx.alias.as_ref(), &res.controller);
    let span = res.path.span();

    let valid: Vec<&str> = RESOURCE_ACTIONS.iter().map(|(a, _, _)| *a).collect();
    for list in [&res.only, &res.except].into_iter().flatten() {
        for action in list {
            if !valid.contains(&action.to_string().as_str()) {
                return Err(syn::Error::new(
                    action.span(),
                    "unknown resource action; expected index, show, new, create, edit, update or destroy",
                ));
            }
        }
    }
    let wanted = |action: &str| {
        let in_only = res
            .only
            .as_ref()
            .is_none_or(|only| only.iter().any(|a| a == action));
        let in_except = res
            .except
            .as_ref()
            .is_some_and(|except| except.iter().any(|a| a == action));
        in_only && !in_except
    };
    let push = |out: &mut Vec<FlatRoute>, verb: &str, path: String, action: Ident| {
        out.push(FlatRoute {
            verb: verb.to_string(),
            path,
            controller: controller.clone(),
            action,
            helper: helper.clone(),
            pipelines: ctx.pipelines.clone(),
            span,
        });
    };
    // Collection routes come first so that `/users/search` is not taken for `/users/:id`.
    for extra in &res.collection {
        let path = join_paths(&base_path, &extra.path.value());
        push(out, &extra.verb.to_string(), path, extra.action.clone());
    }
    for (action, verb, suffix) in RESOURCE_ACTIONS {
        if wanted(action) {
            let path = format!("{base_path}{suffix}");
            push(out, verb, path, Ident::new(action, span));
        }
    }
    for extra in &res.member {
        let path = join_paths(&format!("{base_path}/:id"), &extra.path.value());
        push(out, &extra.verb.to_string(), path, extra.action.clone());
    }
    let nested_prefix = format!("{base_path}/:{name}_id");
    for nested in &res.nested {
        flatten_resources(nested, ctx, &nested_prefix, &chain, out)?;
    }
    Ok(())
}

fn check_path(path: &str, span: Span) -> Result<()> {
    if !path.starts_with('/') && !path.is_empty() {
        // Member and collection paths may be relative; route paths may not.
        if path.contains("//") {
            return Err(syn::Error::new(span, "a route path must not contain `//`"));
        }
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for (i, seg) in segments.iter().enumerate() {
        if seg.starts_with('*') && i + 1 != segments.len() {
            return Err(syn::Error::new(
                span,
                "a glob (`*name`) must be the last segment of a path",
            ));
        }
        if (seg.starts_with(':') || seg.starts_with('*')) && seg.len() == 1 {
            return Err(syn::Error::new(
                span,
                "a path parameter needs a name, as in `:id` or `*path`",
            ));
        }
    }
    Ok(())
}

fn join_paths(prefix: &str, path: &str) -> String {
    let segments: Vec<&str> = prefix
        .split('/')
        .chain(path.split('/'))
        .filter(|s| !s.is_empty())
        .collect();
    format!("/{}", segments.join("/"))
}

fn with_alias(alias: Option<&Path>, path: &Path) -> Path {
    match alias {
        Some(alias) if path.leading_colon.is_none() => {
            let mut full = alias.clone();
            full.segments.extend(path.segments.iter().cloned());
            full
        }
        _ => path.clone(),
    }
}

fn helper_name(prefix: &[String], base: &str) -> String {
    let mut parts = prefix.to_vec();
    parts.push(base.to_string());
    format!("{}_path", parts.join("_"))
}

/// `UserController` → `user`, `Api.UserController` → `user`, `BlogPostController` → `blog_post`.
pub fn resource_name(controller: &Path) -> String {
    let last = controller
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    let stem = last.strip_suffix("Controller").unwrap_or(&last);
    snake_case(stem)
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resources_from_controllers() {
        let path: Path = syn::parse_str("crate::web::BlogPostController").unwrap();
        assert_eq!(resource_name(&path), "blog_post");
    }

    #[test]
    fn joins_paths_without_double_slashes() {
        assert_eq!(join_paths("/", "/users"), "/users");
        assert_eq!(join_paths("/api", "users/"), "/api/users");
        assert_eq!(join_paths("", "/"), "/");
    }

    #[test]
    fn expands_nested_resources_with_parent_id() {
        let dsl: RouterDsl = syn::parse_str(
            r#"resources "/users", UserController, except [destroy] {
                   collection { get "search", search; }
                   resources "/comments", CommentController, only [show];
               }"#,
        )
        .unwrap();
        let routes = flatten(&dsl).unwrap().routes;
        let table: Vec<String> = routes
            .iter()
            .map(|r| format!("{} {} {} {}", r.helper, r.verb, r.path, r.action))
            .collect();
        assert_eq!(
            table,
            [
                "user_path get /users/search search",
                "user_path get /users index",
                "user_path get /users/:id/edit edit",
                "user_path get /users/new new",
                "user_path get /users/:id show",
                "user_path post /users create",
                "user_path patch /users/:id update",
                "user_path put /users/:id update",
                "user_comment_path get /users/:user_id/comments/:id show",
            ]
        );
    }

    #[test]
    fn rejects_unknown_pipelines() {
        let dsl: RouterDsl = syn::parse_str(r#"scope "/" { pipe_through nope; }"#).unwrap();
        let err = flatten(&dsl).err().unwrap();
        assert!(err.to_string().contains("no pipeline named `nope`"));
    }
}

//! Parsing of the router DSL into a syntax tree.

use syn::parse::{Parse, ParseStream};
use syn::{braced, bracketed, Expr, Ident, LitStr, Path, Result, Token};

mod kw {
    syn::custom_keyword!(pipeline);
    syn::custom_keyword!(plug);
    syn::custom_keyword!(layer);
    syn::custom_keyword!(middleware);
    syn::custom_keyword!(scope);
    syn::custom_keyword!(alias);
    syn::custom_keyword!(pipe_through);
    syn::custom_keyword!(resources);
    syn::custom_keyword!(only);
    syn::custom_keyword!(except);
    syn::custom_keyword!(member);
    syn::custom_keyword!(collection);
    syn::custom_keyword!(socket);
}

/// HTTP verbs accepted as route keywords.
pub const VERBS: &[&str] = &["get", "post", "put", "patch", "delete", "options", "head"];

/// The whole macro input.
pub struct RouterDsl {
    pub pipelines: Vec<PipelineDef>,
    pub items: Vec<Item>,
}

/// `pipeline name { plug expr; layer expr; middleware expr; }`
pub struct PipelineDef {
    pub name: Ident,
    pub steps: Vec<Step>,
}

/// One step of a pipeline.
pub struct Step {
    pub kind: StepKind,
    pub expr: Expr,
}

/// Which kind of value a pipeline step holds.
#[derive(Clone, Copy)]
pub enum StepKind {
    Plug,
    Layer,
    Middleware,
}

/// Items allowed in a scope (and at the top level).
pub enum Item {
    Scope(ScopeDef),
    PipeThrough(Vec<Ident>),
    Route(RouteDef),
    Resources(ResourcesDef),
    Socket(SocketDef),
}

/// `socket "/socket", UserSocket;`
pub struct SocketDef {
    pub path: LitStr,
    pub socket: Path,
}

/// `scope "/path", alias some::module, as prefix { ... }`
pub struct ScopeDef {
    pub path: LitStr,
    pub alias: Option<Path>,
    pub helper_prefix: Option<Ident>,
    pub items: Vec<Item>,
}

/// `get "/path", Controller, action, as helper;`
pub struct RouteDef {
    pub verb: Ident,
    pub path: LitStr,
    pub controller: Path,
    pub action: Ident,
    pub helper: Option<Ident>,
}

/// `resources "/users", UserController, only [..], except [..], as name { ... }`
pub struct ResourcesDef {
    pub path: LitStr,
    pub controller: Path,
    pub only: Option<Vec<Ident>>,
    pub except: Option<Vec<Ident>>,
    pub name: Option<Ident>,
    pub nested: Vec<ResourcesDef>,
    pub member: Vec<ExtraRoute>,
    pub collection: Vec<ExtraRoute>,
}

/// A member or collection route: `get "activate", activate;`
pub struct ExtraRoute {
    pub verb: Ident,
    pub path: LitStr,
    pub action: Ident,
}

impl Parse for RouterDsl {
    fn parse(input: ParseStream) -> Result<Self> {
        let mut pipelines = Vec::new();
        let mut items = Vec::new();
        while !input.is_empty() {
            if input.peek(kw::pipeline) {
                pipelines.push(input.parse()?);
            } else {
                items.push(input.parse()?);
            }
        }
        Ok(RouterDsl { pipelines, items })
    }
}

impl Parse for PipelineDef {
    fn parse(input: ParseStream) -> Result<Self> {
        input.parse::<kw::pipeline>()?;
        let name: Ident = input.parse()?;
        let body;
        braced!(body in input);
        let mut steps = Vec::new();
        while !body.is_empty() {
            let kind = if body.peek(kw::plug) {
                body.parse::<kw::plug>()?;
                StepKind::Plug
            } else if body.peek(kw::layer) {
                body.parse::<kw::layer>()?;
                StepKind::Layer
            } else if body.peek(kw::middleware) {
                body.parse::<kw::middleware>()?;
                StepKind::Middleware
            } else {
                return Err(body.error("expected `plug`, `layer` or `middleware` in a pipeline"));
            };
            let expr: Expr = body.parse()?;
            body.parse::<Token![;]>()?;
            steps.push(Step { kind, expr });
        }
        Ok(PipelineDef { name, steps })
    }
}

fn parse_items(input: ParseStream) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    while !input.is_empty() {
        if input.peek(kw::pipeline) {
            return Err(input.error("pipelines are declared at the top level of `router!`"));
        }
        items.push(input.parse()?);
    }
    Ok(items)
}

fn parse_ident_list(input: ParseStream) -> Result<Vec<Ident>> {
    let content;
    bracketed!(content in input);
    let list = content.parse_terminated(Ident::parse, Token![,])?;
    Ok(list.into_iter().collect())
}

impl Parse for Item {
    fn parse(input: ParseStream) -> Result<Self> {
        if input.peek(kw::scope) {
            return input.parse().map(Item::Scope);
        }
        if input.peek(kw::pipe_through) {
            input.parse::<kw::pipe_through>()?;
            let names = if input.peek(syn::token::Bracket) {
                parse_ident_list(input)?
            } else {
                vec![input.parse()?]
            };
            input.parse::<Token![;]>()?;
            return Ok(Item::PipeThrough(names));
        }
        if input.peek(kw::resources) {
            return input.parse().map(Item::Resources);
        }
        if input.peek(kw::socket) {
            input.parse::<kw::socket>()?;
            let path: LitStr = input.parse()?;
            input.parse::<Token![,]>()?;
            let socket = Path::parse_mod_style(input)?;
            input.parse::<Token![;]>()?;
            return Ok(Item::Socket(SocketDef { path, socket }));
        }
        let verb: Ident = input.parse()?;
        if !VERBS.contains(&verb.to_string().as_str()) {
            return Err(syn::Error::new(
                verb.span(),
                "expected `scope`, `pipe_through`, `resources` or a verb (get, post, put, patch, delete, options, head)",
            ));
        }
        let path: LitStr = input.parse()?;
        input.parse::<Token![,]>()?;
        let controller = Path::parse_mod_style(input)?;
        input.parse::<Token![,]>()?;
        let action: Ident = input.parse()?;
        let mut helper = None;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            input.parse::<Token![as]>()?;
            helper = Some(input.parse()?);
        }
        input.parse::<Token![;]>()?;
        Ok(Item::Route(RouteDef {
            verb,
            path,
            controller,
            action,
            helper,
        }))
    }
}

impl Parse for ScopeDef {
    fn parse(input: ParseStream) -> Result<Self> {
        input.parse::<kw::scope>()?;
        let path: LitStr = input.parse()?;
        let mut alias = None;
        let mut helper_prefix = None;
        while input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            if input.peek(kw::alias) {
                input.parse::<kw::alias>()?;
                alias = Some(Path::parse_mod_style(input)?);
            } else if input.peek(Token![as]) {
                input.parse::<Token![as]>()?;
                helper_prefix = Some(input.parse()?);
            } else {
                return Err(input.error("expected `alias path` or `as name` after a scope's path"));
            }
        }
        let body;
        braced!(body in input);
        let items = parse_items(&body)?;
        Ok(ScopeDef {
            path,
            alias,
            helper_prefix,
            items,
        })
    }
}

impl Parse for ResourcesDef {
    fn parse(input: ParseStream) -> Result<Self> {
        input.parse::<kw::resources>()?;
        let path: LitStr = input.parse()?;
        input.parse::<Token![,]>()?;
        let controller = Path::parse_mod_style(input)?;
        let mut def = ResourcesDef {
            path,
            controller,
            only: None,
            except: None,
            name: None,
            nested: Vec::new(),
            member: Vec::new(),
            collection: Vec::new(),
        };
        while input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            if input.peek(kw::only) {
                input.parse::<kw::only>()?;
                def.only = Some(parse_ident_list(input)?);
            } else if input.peek(kw::except) {
                input.parse::<kw::except>()?;
                def.except = Some(parse_ident_list(input)?);
            } else if input.peek(Token![as]) {
                input.parse::<Token![as]>()?;
                def.name = Some(input.parse()?);
            } else {
                return Err(input.error("expected `only [..]`, `except [..]` or `as name`"));
            }
        }
        if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            return Ok(def);
        }
        let body;
        braced!(body in input);
        while !body.is_empty() {
            if body.peek(kw::resources) {
                def.nested.push(body.parse()?);
            } else if body.peek(kw::member) || body.peek(kw::collection) {
                let is_member = body.peek(kw::member);
                if is_member {
                    body.parse::<kw::member>()?;
                } else {
                    body.parse::<kw::collection>()?;
                }
                let inner;
                braced!(inner in body);
                while !inner.is_empty() {
                    let verb: Ident = inner.parse()?;
                    if !VERBS.contains(&verb.to_string().as_str()) {
                        return Err(syn::Error::new(verb.span(), "expected an HTTP verb"));
                    }
                    let path: LitStr = inner.parse()?;
                    inner.parse::<Token![,]>()?;
                    let action: Ident = inner.parse()?;
                    inner.parse::<Token![;]>()?;
                    let route = ExtraRoute { verb, path, action };
                    if is_member {
                        def.member.push(route);
                    } else {
                        def.collection.push(route);
                    }
                }
            } else {
                return Err(
                    body.error("expected `resources`, `member { .. }` or `collection { .. }`")
                );
            }
        }
        Ok(def)
    }
}

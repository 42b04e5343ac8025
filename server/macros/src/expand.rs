//! Code generation: the `router()` function and the `helpers` modules.

use std::collections::BTreeMap;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Ident, Result};

use crate::dsl::{RouterDsl, StepKind};
use crate::routes::{FlatRoute, Table};

/// Generates the router function and the helper modules.
pub fn expand(dsl: &RouterDsl, table: &Table) -> Result<TokenStream> {
    let routes = &table.routes;
    let sockets = table.sockets.iter().map(|mount| {
        let path = &mount.path;
        let ty = &mount.socket;
        let name = mount
            .socket
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        quote! {
            builder.socket(
                #path,
                ::phoenix::socket::Mount::new(#name, <#ty as ::core::default::Default>::default()),
            );
        }
    });
    let pipelines = dsl.pipelines.iter().map(|pipeline| {
        let name = pipeline.name.to_string();
        let steps = pipeline.steps.iter().map(|step| {
            let expr = &step.expr;
            match step.kind {
                StepKind::Plug => quote! { let pipeline = pipeline.plug(#expr); },
                StepKind::Layer => quote! { let pipeline = pipeline.layer(#expr); },
                StepKind::Middleware => quote! { let pipeline = pipeline.middleware(#expr); },
            }
        });
        quote! {
            builder.pipeline(#name, {
                let pipeline = ::phoenix::plug::Pipeline::new();
                #(#steps)*
                pipeline
            });
        }
    });
    let route_calls = routes.iter().map(|route| {
        let verb = route.verb.to_uppercase();
        let path = &route.path;
        let controller = &route.controller;
        let controller_name = controller_display(route);
        let action = &route.action;
        let action_name = action.to_string();
        let helper = &route.helper;
        let pipes = route.pipelines.iter().map(|p| p.to_string());
        quote::quote_spanned! {route.span=>
            builder.route(
                ::phoenix::router::RouteSpec {
                    verb: #verb,
                    path: #path,
                    controller: #controller_name,
                    action: #action_name,
                    helper: #helper,
                    pipelines: &[#(#pipes),*],
                },
                ::phoenix::controller::action::<#controller, _, _>(#controller::#action),
            );
        }
    });
    let helpers = expand_helpers(routes)?;
    Ok(quote! {
        /// Builds the application's router from the routes declared in `router!`.
        pub fn router() -> ::phoenix::router::Router {
            let mut builder = ::phoenix::router::RouterBuilder::new();
            #(#pipelines)*
            #(#sockets)*
            #(#route_calls)*
            builder.build()
        }

        /// Named route helpers, one module per helper and one function per action.
        ///
        /// Each function takes the route's path parameters in order and returns a
        /// [`phoenix::router::RoutePath`], which can take a query string and be
        /// turned into a full URL by the endpoint.
        pub mod helpers {
            #helpers
        }
    })
}

fn controller_display(route: &FlatRoute) -> String {
    let segments: Vec<String> = route
        .controller
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .filter(|s| s != "crate" && s != "self" && s != "super")
        .collect();
    segments.join("::")
}

fn param_ident(name: &str, span: Span) -> Result<Ident> {
    match syn::parse_str::<Ident>(name) {
        Ok(mut ident) => {
            ident.set_span(span);
            Ok(ident)
        }
        Err(_) if name.chars().all(|c| c.is_alphanumeric() || c == '_') => {
            Ok(Ident::new_raw(name, span))
        }
        Err(_) => Err(syn::Error::new(
            span,
            format!("path parameter `{name}` must be a valid identifier"),
        )),
    }
}

fn expand_helpers(routes: &[FlatRoute]) -> Result<TokenStream> {
    // helper → action → routes, in declaration order.
    let mut grouped: BTreeMap<&str, Vec<(String, Vec<&FlatRoute>)>> = BTreeMap::new();
    for route in routes {
        let actions = grouped.entry(&route.helper).or_default();
        let action = route.action.to_string();
        match actions.iter_mut().find(|(a, _)| *a == action) {
            Some((_, list)) => {
                let first = list[0];
                if first.params() != route.params() {
                    return Err(syn::Error::new(
                        route.span,
                        format!(
                            "route helper `{}::{}` is already defined for `{}`, whose path \
                             parameters differ; give this route another name with `as`",
                            route.helper, action, first.path
                        ),
                    ));
                }
                if first.controller != route.controller && first.path != route.path {
                    return Err(syn::Error::new(
                        route.span,
                        format!(
                            "route helper `{}::{}` is already defined for `{}`; give this route \
                             (or its scope) another name with `as`",
                            route.helper, action, first.path
                        ),
                    ));
                }
                list.push(route);
            }
            None => actions.push((action, vec![route])),
        }
    }
    let mut modules = Vec::new();
    for (helper, actions) in grouped {
        let module = format_ident!("{}", helper);
        let mut fns = Vec::new();
        for (action, list) in actions {
            let first = list[0];
            let fn_name = param_ident(&action, first.span)?;
            let mut args = Vec::new();
            let mut body = Vec::new();
            // Mixed-site hygiene: the builder variable never clashes with a
            // parameter of the same name (`*path`).
            let path = Ident::new("path", Span::mixed_site());
            for seg in first.path.split('/').filter(|s| !s.is_empty()) {
                if let Some(name) = seg.strip_prefix(':') {
                    let ident = param_ident(name, first.span)?;
                    args.push(quote! { #ident: impl ::std::fmt::Display });
                    body.push(quote! { #path.push_param(&#ident); });
                } else if let Some(name) = seg.strip_prefix('*') {
                    let ident = param_ident(name, first.span)?;
                    args.push(quote! { #ident: impl ::std::fmt::Display });
                    body.push(quote! { #path.push_glob(&#ident); });
                } else {
                    body.push(quote! { #path.push_static(#seg); });
                }
            }
            let doc = list
                .iter()
                .map(|r| format!("`{} {}`", r.verb.to_uppercase(), r.path))
                .collect::<Vec<_>>()
                .join(", ");
            let doc = format!("Path of {doc} (`{}::{action}`).", controller_display(first));
            fns.push(quote! {
                #[doc = #doc]
                pub fn #fn_name(#(#args),*) -> ::phoenix::router::RoutePath {
                    let mut #path = ::phoenix::router::RoutePath::root();
                    #(#body)*
                    #path
                }
            });
        }
        let doc = format!("Helpers of the `{helper}` routes.");
        modules.push(quote! {
            #[doc = #doc]
            #[allow(clippy::new_ret_no_self, clippy::module_name_repetitions)]
            pub mod #module {
                #(#fns)*
            }
        });
    }
    Ok(quote! { #(#modules)* })
}

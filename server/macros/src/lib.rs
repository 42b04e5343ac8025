//! Procedural macros of the `phoenix` framework.
//!
//! The only macro is [`router!`], re-exported as `phoenix::router!`; its
//! documentation lives there. The macro is thin: it expands to a plain
//! `pub fn router() -> phoenix::router::Router` built with
//! `phoenix::router::RouterBuilder`, and a `pub mod helpers` with one module
//! per named route helper (`helpers::user_path::show(123)`), so a wrong helper
//! or a wrong number of path segments is a compile error.

mod dsl;
mod expand;
mod routes;

use proc_macro::TokenStream;

/// Declares the application's routes. See `phoenix::router!` for the DSL.
#[proc_macro]
pub fn router(input: TokenStream) -> TokenStream {
    let parsed = syn::parse_macro_input!(input as dsl::RouterDsl);
    match routes::flatten(&parsed).and_then(|table| expand::expand(&parsed, &table)) {
        Ok(tokens) => tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}

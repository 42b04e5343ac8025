//! Views: templates are functions of the data they show (maud's `html!`).
//!
//! Every view starts with `use super::base::*;`: route helpers, HTML helpers
//! and what all templates share.

mod error;
mod layout;
pub mod page;

pub use error::ErrorView;
pub use layout::LayoutView;

use phoenix::assigns::Key;

/// The page's title, shown by the layout (actions may set it).
pub const TITLE: Key<String> = Key::new("title");

/// What every view and template can use.
pub mod base {
    #[allow(unused_imports)]
    pub use crate::router::helpers::*;
    pub use maud::{html, Markup, PreEscaped, DOCTYPE};
    #[allow(unused_imports)]
    pub use phoenix::html::{button_to, csrf_input_tag, flash_messages, method_input_tag};
    pub use phoenix::prelude::*;

    pub use super::TITLE;
}

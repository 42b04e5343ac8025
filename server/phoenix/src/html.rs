//! HTML helpers shared by every view (the seed's `use Phoenix.HTML`).
//!
//! ```
//! use phoenix::html::method_input_tag;
//! assert_eq!(
//!     method_input_tag("delete").into_string(),
//!     r#"<input type="hidden" name="_method" value="DELETE">"#
//! );
//! ```

use maud::{html, Markup};

use crate::conn::Conn;
use crate::plug::{csrf_token, Flash};

/// A hidden `_csrf_token` input for a form of this page.
pub fn csrf_input_tag(conn: &Conn) -> Markup {
    html! { input type="hidden" name="_csrf_token" value=(csrf_token(conn)); }
}

/// A hidden `_method` input, so that a POST form is routed as PATCH, PUT or DELETE.
pub fn method_input_tag(method: &str) -> Markup {
    html! { input type="hidden" name="_method" value=(method.to_ascii_uppercase()); }
}

/// A one-button form that sends `method` to `action` with the CSRF token
/// (the seed's delete-post form).
pub fn button_to(conn: &Conn, method: &str, action: &str, label: &str) -> Markup {
    html! {
        form.button-to action=(action) method="post" {
            (method_input_tag(method))
            (csrf_input_tag(conn))
            button type="submit" { (label) }
        }
    }
}

/// Every flash message of the conn, as `<p class="flash flash-KEY">` elements.
pub fn flash_messages(conn: &Conn) -> Markup {
    html! {
        @for (key, messages) in Flash::all(conn) {
            @for message in messages {
                p class=(format!("flash flash-{key}")) role="alert" { (message) }
            }
        }
    }
}

//! Views of the `/api` scope.

use serde_json::{json, Value};

use super::base::*;

/// Users as JSON.
#[derive(Default)]
pub struct UserView;

impl View for UserView {
    fn name(&self) -> &'static str {
        "api/user"
    }

    fn render(&self, template: &str, conn: &Conn) -> Option<Result<Rendered>> {
        let data = match template {
            "index.json" => {
                json!({ "data": conn.get_assign_value("users").cloned().unwrap_or(Value::Array(vec![])) })
            }
            "show.json" => {
                json!({ "data": conn.get_assign_value("user").cloned().unwrap_or(Value::Null) })
            }
            _ => return None,
        };
        Some(Ok(Rendered::json(&data)))
    }
}

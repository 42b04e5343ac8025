//! The method override plug: HTML forms can only POST.

use crate::conn::Conn;
use crate::error::Result;
use poem::http::Method;

/// Turns a POST into PATCH, PUT or DELETE when the body has a `_method` field
/// or the request an `x-http-method-override` header. Only POST is overridden,
/// and only to those three methods. It runs in the endpoint, before routing.
pub async fn method_override(mut conn: Conn) -> Result<Conn> {
    if conn.method() != Method::POST {
        return Ok(conn);
    }
    let wanted = conn
        .body_params()
        .get_str("_method")
        .map(str::to_string)
        .or_else(|| {
            conn.req_header("x-http-method-override")
                .map(str::to_string)
        });
    if let Some(wanted) = wanted {
        let method = match wanted.to_ascii_uppercase().as_str() {
            "PATCH" => Some(Method::PATCH),
            "PUT" => Some(Method::PUT),
            "DELETE" => Some(Method::DELETE),
            _ => None,
        };
        if let Some(method) = method {
            conn.set_method(method);
        }
    }
    Ok(conn)
}

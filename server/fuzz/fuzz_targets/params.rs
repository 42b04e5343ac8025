//! Parameters: query strings and form bodies (`application/x-www-form-
//! urlencoded`, bracketed keys nesting: `user[name]`, `tags[]`,
//! `a[][b]`), JSON bodies, and the typed extraction of both
//! (`phoenix::extract::from_params`, the text deserializer behind `Form` and
//! `Query`; `Params::extract`, serde_json's behind `Json`).

#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use phoenix::extract::from_params;
use phoenix::params::Params;
use phoenix_fuzz::app::{Page, UserForm, UserParams};
use serde_json::Value;

fn exercise(params: &Params) {
    let map = params.as_map();
    let _ = from_params::<UserParams>(map);
    let _ = from_params::<Page>(map);
    let _ = from_params::<HashMap<String, Value>>(map);
    let _ = from_params::<HashMap<String, Vec<Option<u16>>>>(map);
    let _ = from_params::<(String, u8)>(map);
    let _ = params.extract::<UserParams>();
    let _ = params.extract_at::<UserForm>("user");
    let _ = params.extract_at::<Vec<String>>("tags");
    // What a page shows back, and the merge every request does.
    let shown = serde_json::to_string(params).expect("params serialize");
    let mut merged = params.clone();
    merged.merge(params.clone());
    assert_eq!(&merged, params);
    assert!(shown.starts_with('{'));
}

/// How deeply a value nests (a string is 0, `{"a": "x"}` 1).
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(params) = Params::from_urlencoded(text) {
            // Nesting is bounded: decoding, extracting and dropping recurse.
            for value in params.as_map().values() {
                assert!(depth(value) <= phoenix::params::MAX_DEPTH, "{text}");
            }
            exercise(&params);
        }
    }
    if let Ok(value) = serde_json::from_slice::<Value>(data) {
        exercise(&Params::from_json(value));
    }
});

//! What events carry of payloads.

use phoenix_dashboard_protocol::PresenceDiff;
use phoenix_protocol::Payload;
use serde::Deserialize;

use super::PAYLOAD_LIMIT;

/// A payload as text, cut at [`PAYLOAD_LIMIT`] bytes.
pub(super) fn payload_text(payload: &Payload) -> String {
    let mut text = match payload {
        Payload::Json(value) => value.to_string(),
        Payload::Binary(bytes) => format!("<{} bytes of binary>", bytes.len()),
        Payload::BinaryReply { status, response } => {
            format!("<{status} reply: {} bytes of binary>", response.len())
        }
    };
    if text.len() > PAYLOAD_LIMIT {
        let mut cut = PAYLOAD_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// The diff of a `presence_diff` broadcast (none if it is not one).
pub(super) fn presence_diff(payload: &Payload) -> Option<PresenceDiff> {
    match payload {
        Payload::Json(value) => PresenceDiff::deserialize(value).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_payloads_are_cut() {
        let text = payload_text(&Payload::Json(json!({ "body": "é".repeat(3000) })));
        assert!(text.len() <= PAYLOAD_LIMIT + '…'.len_utf8());
        assert!(text.ends_with('…'));
        assert_eq!(payload_text(&Payload::Json(json!({"a": 1}))), r#"{"a":1}"#);
    }

    #[test]
    fn presence_diffs_are_read_whole() {
        let diff = presence_diff(&Payload::Json(json!({
            "joins": {"bob": {"metas": [{"phx_ref": "F1"}]}}, "leaves": {}
        })))
        .unwrap();
        assert_eq!(diff.joins["bob"]["metas"][0]["phx_ref"], "F1");
        assert!(diff.leaves.is_empty());
        assert!(presence_diff(&Payload::Binary(vec![1])).is_none());
    }
}

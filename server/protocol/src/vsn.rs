//! Serializer versions and the JSON encodings.

use serde_json::{Map, Value};

use crate::binary;
use crate::error::{DecodeError, EncodeError};
use crate::message::{Message, Payload};
use crate::Frame;

/// A serializer, chosen by the `vsn` connect parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vsn {
    /// `vsn=1.0.0` (and no `vsn`): JSON objects, no binary.
    V1,
    /// `vsn=2.0.0`: JSON arrays and binary frames.
    V2,
}

impl Vsn {
    /// The serializer for a `vsn` parameter: `~> 1.0.0` or `~> 2.0.0`
    /// (absent means 1.0.0); anything else is refused.
    pub fn negotiate(vsn: Option<&str>) -> Option<Vsn> {
        let Some(vsn) = vsn else {
            return Some(Vsn::V1);
        };
        let parts: Vec<&str> = vsn.split('.').collect();
        if parts.len() != 3 {
            return None;
        }
        let numbers: Option<Vec<u64>> = parts
            .iter()
            .map(|p| {
                let core = p.split(['-', '+']).next().unwrap_or(p);
                core.parse().ok()
            })
            .collect();
        match numbers?.as_slice() {
            [1, 0, _] => Some(Vsn::V1),
            [2, 0, _] => Some(Vsn::V2),
            _ => None,
        }
    }

    /// The version string clients send.
    pub fn as_str(self) -> &'static str {
        match self {
            Vsn::V1 => "1.0.0",
            Vsn::V2 => "2.0.0",
        }
    }

    /// Encodes a server → client message.
    pub fn encode_to_client(self, msg: &Message) -> Result<Frame, EncodeError> {
        match (self, &msg.payload) {
            (Vsn::V2, Payload::Json(payload)) => Ok(Frame::Text(v2_text(msg, payload))),
            (Vsn::V2, _) => binary::encode_to_client(msg).map(Frame::Binary),
            // Servers never send `join_ref` in V1.
            (Vsn::V1, Payload::Json(payload)) => Ok(Frame::Text(v1_text(msg, payload, false))),
            (Vsn::V1, _) => Err(EncodeError(
                "the V1 serializer cannot carry binary payloads".into(),
            )),
        }
    }

    /// Decodes a client → server frame.
    pub fn decode_from_client(self, frame: &Frame) -> Result<Message, DecodeError> {
        match (self, frame) {
            (Vsn::V2, Frame::Text(text)) => decode_v2_text(text),
            (Vsn::V2, Frame::Binary(bytes)) => binary::decode_from_client(bytes),
            (Vsn::V1, Frame::Text(text)) => decode_v1_text(text),
            (Vsn::V1, Frame::Binary(_)) => Err(DecodeError("binary frames need vsn 2.0.0".into())),
        }
    }

    /// Encodes a client → server message (for clients).
    pub fn encode_to_server(self, msg: &Message) -> Result<Frame, EncodeError> {
        match (self, &msg.payload) {
            (Vsn::V2, Payload::Json(payload)) => Ok(Frame::Text(v2_text(msg, payload))),
            (Vsn::V2, Payload::Binary(_)) => binary::encode_to_server(msg).map(Frame::Binary),
            (Vsn::V1, Payload::Json(payload)) => Ok(Frame::Text(v1_text(msg, payload, true))),
            _ => Err(EncodeError(
                "this payload cannot be sent with this serializer".into(),
            )),
        }
    }

    /// Decodes a server → client frame (for clients).
    pub fn decode_from_server(self, frame: &Frame) -> Result<Message, DecodeError> {
        match (self, frame) {
            (Vsn::V2, Frame::Text(text)) => decode_v2_text(text),
            (Vsn::V2, Frame::Binary(bytes)) => binary::decode_from_server(bytes),
            (Vsn::V1, Frame::Text(text)) => decode_v1_text(text),
            (Vsn::V1, Frame::Binary(_)) => Err(DecodeError("binary frames need vsn 2.0.0".into())),
        }
    }
}

fn opt(value: &Option<String>) -> Value {
    value.clone().map(Value::String).unwrap_or(Value::Null)
}

fn v1_text(msg: &Message, payload: &Value, with_join_ref: bool) -> String {
    let mut object = Map::new();
    object.insert("topic".into(), Value::String(msg.topic.clone()));
    object.insert("event".into(), Value::String(msg.event.clone()));
    object.insert("payload".into(), payload.clone());
    object.insert("ref".into(), opt(&msg.msg_ref));
    if with_join_ref {
        object.insert("join_ref".into(), opt(&msg.join_ref));
    }
    Value::Object(object).to_string()
}

fn v2_text(msg: &Message, payload: &Value) -> String {
    Value::Array(vec![
        opt(&msg.join_ref),
        opt(&msg.msg_ref),
        Value::String(msg.topic.clone()),
        Value::String(msg.event.clone()),
        payload.clone(),
    ])
    .to_string()
}

fn ref_field(value: &Value, name: &str) -> Result<Option<String>, DecodeError> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        // Some clients send numeric refs; they are opaque, keep their text.
        Value::Number(n) => Ok(Some(n.to_string())),
        _ => Err(DecodeError(format!("`{name}` must be a string or null"))),
    }
}

fn string_field(value: &Value, name: &str) -> Result<String, DecodeError> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| DecodeError(format!("`{name}` must be a string")))
}

fn decode_v2_text(text: &str) -> Result<Message, DecodeError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| DecodeError(format!("invalid JSON: {e}")))?;
    let Value::Array(mut items) = value else {
        return Err(DecodeError("a V2 frame is a JSON array".into()));
    };
    if items.len() < 5 {
        return Err(DecodeError(format!(
            "a V2 frame has 5 elements [join_ref, ref, topic, event, payload], this one has {}",
            items.len()
        )));
    }
    items.truncate(5);
    let payload = items.pop().unwrap_or(Value::Null);
    Ok(Message {
        join_ref: ref_field(&items[0], "join_ref")?,
        msg_ref: ref_field(&items[1], "ref")?,
        topic: string_field(&items[2], "topic")?,
        event: string_field(&items[3], "event")?,
        payload: Payload::Json(payload),
    })
}

fn decode_v1_text(text: &str) -> Result<Message, DecodeError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| DecodeError(format!("invalid JSON: {e}")))?;
    let Value::Object(mut object) = value else {
        return Err(DecodeError("a V1 frame is a JSON object".into()));
    };
    for key in ["topic", "event", "payload", "ref"] {
        if !object.contains_key(key) {
            return Err(DecodeError(format!("a V1 frame needs the key `{key}`")));
        }
    }
    let payload = object.remove("payload").unwrap_or(Value::Null);
    Ok(Message {
        join_ref: match object.get("join_ref") {
            Some(v) => ref_field(v, "join_ref")?,
            None => None,
        },
        msg_ref: ref_field(&object["ref"], "ref")?,
        topic: string_field(&object["topic"], "topic")?,
        event: string_field(&object["event"], "event")?,
        payload: Payload::Json(payload),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn negotiates_versions_like_phoenix() {
        assert_eq!(Vsn::negotiate(None), Some(Vsn::V1));
        assert_eq!(Vsn::negotiate(Some("2.0.0")), Some(Vsn::V2));
        assert_eq!(Vsn::negotiate(Some("1.0.5")), Some(Vsn::V1));
        for bad in ["123.1.1", "2", "2.1.0", "3.0.0", "x"] {
            assert_eq!(Vsn::negotiate(Some(bad)), None, "{bad}");
        }
    }

    #[test]
    fn s40_v2_extra_elements_ignored_four_refused() {
        let six = Frame::Text(r#"["1","2","t","e",{},"extra"]"#.into());
        assert_eq!(Vsn::V2.decode_from_client(&six).unwrap().event, "e");
        let four = Frame::Text(r#"["1","2","t","e"]"#.into());
        assert!(Vsn::V2.decode_from_client(&four).is_err());
    }

    #[test]
    fn s41_v1_needs_the_ref_key_but_accepts_null() {
        let missing = Frame::Text(r#"{"topic":"t","event":"e","payload":{}}"#.into());
        assert!(Vsn::V1.decode_from_client(&missing).is_err());
        let null = Frame::Text(r#"{"topic":"t","event":"e","payload":{},"ref":null}"#.into());
        let msg = Vsn::V1.decode_from_client(&null).unwrap();
        assert_eq!(msg.msg_ref, None);
    }

    #[test]
    fn s2_v1_replies_have_no_join_ref_key() {
        let msg = Message::new(
            Some("1".into()),
            Some("2".into()),
            "t",
            "phx_reply",
            json!({}).into(),
        );
        let Frame::Text(text) = Vsn::V1.encode_to_client(&msg).unwrap() else {
            panic!()
        };
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value,
            json!({"topic":"t","event":"phx_reply","payload":{},"ref":"2"})
        );
    }

    #[test]
    fn numbers_survive_decode_encode_decode() {
        // Found by the `protocol_text` fuzz target (server/fuzz): an integer
        // too large for 64 bits became a float 1 ULP off its nearest value,
        // so re-encoding and decoding again changed the payload.
        let payload = "[0.5e300,-567890,-9223720789012345678890,-0]";
        let frames = [
            (Vsn::V2, format!(r#"["1","2","t","e",{payload}]"#)),
            (
                Vsn::V1,
                format!(r#"{{"topic":"t","event":"e","ref":"2","payload":{payload}}}"#),
            ),
        ];
        for (vsn, text) in frames {
            let msg = vsn.decode_from_client(&Frame::Text(text)).unwrap();
            let again = vsn
                .decode_from_client(&vsn.encode_to_server(&msg).unwrap())
                .unwrap();
            assert_eq!(again, msg);
            assert_eq!(
                msg.payload.as_json().unwrap()[2].as_f64(),
                Some(-9.223720789012346e21)
            );
        }
    }

    #[test]
    fn v1_cannot_carry_binary() {
        let msg = Message::broadcast("t", "e", Payload::Binary(vec![1]));
        assert!(Vsn::V1.encode_to_client(&msg).is_err());
    }
}

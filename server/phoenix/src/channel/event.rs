//! Incoming events as typed values: an event name and its payload
//! deserialize into an enum whose variants are the events.
//!
//! A unit variant ignores the payload, a newtype variant takes the whole
//! payload (JSON or binary), a struct variant takes the payload's fields:
//!
//! ```
//! use phoenix::channel::{decode_event, Event};
//! use phoenix::protocol::Payload;
//! use serde::Deserialize;
//! use serde_json::json;
//!
//! #[derive(Debug, Deserialize, PartialEq)]
//! #[serde(rename_all = "snake_case")]
//! enum RoomIn {
//!     Ping(Payload),
//!     NewMsg { body: String },
//!     Leave,
//! }
//!
//! let msg: RoomIn = decode_event("new_msg", json!({"body": "hi"}).into()).unwrap();
//! assert_eq!(msg, RoomIn::NewMsg { body: "hi".into() });
//! let err = decode_event::<RoomIn>("new_msg", json!({"text": "hi"}).into()).unwrap_err();
//! assert_eq!(err.to_string(), r#"invalid "new_msg" event: missing field `body`"#);
//! let err = decode_event::<RoomIn>("shout", json!({}).into()).unwrap_err();
//! assert!(err.to_string().starts_with(r#"unknown event "shout""#), "{err}");
//!
//! // The untyped form, for topics whose events are truly dynamic.
//! let any: Event = decode_event("anything", Payload::Binary(vec![1])).unwrap();
//! assert_eq!(any.payload, Payload::Binary(vec![1]));
//! ```

use std::fmt;

use phoenix_protocol::Payload;
use serde::de::value::{BytesDeserializer, Error as ValueError};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

/// Any event with its payload: the untyped form of [`Channel::In`](super::Channel::In).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event's name.
    pub event: String,
    /// Its payload, JSON or binary.
    pub payload: Payload,
}

impl<'de> de::Deserialize<'de> for Event {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Any;
        impl<'de> Visitor<'de> for Any {
            type Value = Event;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an event and its payload")
            }
            fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Event, A::Error> {
                use de::VariantAccess;
                let (event, variant): (String, A::Variant) = data.variant()?;
                let payload = variant.newtype_variant::<Payload>()?;
                Ok(Event { event, payload })
            }
        }
        deserializer.deserialize_enum("Event", &[], Any)
    }
}

/// An event that could not be decoded; the client gets it as the reason of
/// an `error` reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EventError(String);

/// Decodes an event name and payload into `T` (an enum of events, or [`Event`]).
pub fn decode_event<T: DeserializeOwned>(event: &str, payload: Payload) -> Result<T, EventError> {
    let deserializer = EventDeserializer {
        event: event.to_string(),
        payload,
    };
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner().to_string();
        if inner.starts_with("unknown variant") {
            let expected = inner
                .split_once(", expected ")
                .map(|(_, rest)| format!(", expected {rest}"))
                .unwrap_or_default();
            return EventError(format!("unknown event {event:?}{expected}"));
        }
        // The path starts with the variant; name the field after it.
        let field = path
            .split_once('.')
            .map(|(_, field)| field)
            .filter(|f| !f.is_empty() && *f != "?");
        match field {
            Some(field) => EventError(format!("invalid {event:?} event, field `{field}`: {inner}")),
            None => EventError(format!("invalid {event:?} event: {inner}")),
        }
    })
}

struct EventDeserializer {
    event: String,
    payload: Payload,
}

impl<'de> de::Deserializer<'de> for EventDeserializer {
    type Error = ValueError;

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_enum(self)
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_enum(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

impl<'de> de::EnumAccess<'de> for EventDeserializer {
    type Error = ValueError;
    type Variant = PayloadAccess;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, PayloadAccess), ValueError> {
        let name = seed.deserialize(self.event.into_deserializer())?;
        Ok((name, PayloadAccess(self.payload)))
    }
}

struct PayloadAccess(Payload);

fn json_only(payload: Payload) -> Result<serde_json::Value, ValueError> {
    match payload {
        Payload::Json(value) => Ok(value),
        _ => Err(de::Error::custom("expected a JSON payload, got binary")),
    }
}

impl<'de> de::VariantAccess<'de> for PayloadAccess {
    type Error = ValueError;

    fn unit_variant(self) -> Result<(), ValueError> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, ValueError> {
        match self.0 {
            Payload::Json(value) => seed.deserialize(value).map_err(de::Error::custom),
            Payload::Binary(bytes)
            | Payload::BinaryReply {
                response: bytes, ..
            } => seed.deserialize(BytesDeserializer::new(&bytes)),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        de::Deserializer::deserialize_seq(json_only(self.0)?, visitor).map_err(de::Error::custom)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        de::Deserializer::deserialize_map(json_only(self.0)?, visitor).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum In {
        Ping(Payload),
        NewMsg { body: String, n: Option<u8> },
        Pair(String, u8),
        Crash,
    }

    #[test]
    fn variants_take_the_payload_their_way() {
        let bin = Payload::Binary(vec![9]);
        assert_eq!(decode_event::<In>("ping", bin.clone()), Ok(In::Ping(bin)));
        assert_eq!(
            decode_event::<In>("new_msg", json!({"body": "x", "n": 2}).into()),
            Ok(In::NewMsg {
                body: "x".into(),
                n: Some(2)
            })
        );
        assert_eq!(
            decode_event::<In>("pair", json!(["a", 1]).into()),
            Ok(In::Pair("a".into(), 1))
        );
        assert_eq!(
            decode_event::<In>("crash", json!({"ignored": 1}).into()),
            Ok(In::Crash)
        );
    }

    #[test]
    fn errors_name_the_event_and_the_field() {
        let err =
            decode_event::<In>("new_msg", json!({"body": "x", "n": "many"}).into()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(r#"invalid "new_msg" event, field `n`"#),
            "{err}"
        );
        let err = decode_event::<In>("nope", json!({}).into()).unwrap_err();
        assert!(err.to_string().contains("expected one of"), "{err}");
        let err = decode_event::<In>("new_msg", Payload::Binary(vec![1])).unwrap_err();
        assert!(err.to_string().contains("binary"), "{err}");
    }
}

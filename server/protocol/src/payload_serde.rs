//! `Payload` as a serde value: JSON as JSON, binary as bytes, so typed
//! events can hold a payload of either kind.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};
use serde_json::{Map, Number, Value};

use crate::error::EncodeError;
use crate::message::Payload;

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Payload::Json(value) => value.serialize(serializer),
            Payload::Binary(bytes) => serializer.serialize_bytes(bytes),
            Payload::BinaryReply { response, .. } => serializer.serialize_bytes(response),
        }
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PayloadVisitor)
    }
}

struct PayloadVisitor;

impl<'de> Visitor<'de> for PayloadVisitor {
    type Value = Payload;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value or bytes")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Payload, E> {
        Ok(Payload::Json(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Payload, E> {
        Ok(Payload::Json(Value::Number(v.into())))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Payload, E> {
        Ok(Payload::Json(Value::Number(v.into())))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Payload, E> {
        Ok(Payload::Json(
            Number::from_f64(v).map_or(Value::Null, Value::Number),
        ))
    }

    fn visit_str<E>(self, v: &str) -> Result<Payload, E> {
        Ok(Payload::Json(Value::String(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Payload, E> {
        Ok(Payload::Json(Value::String(v)))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Payload, E> {
        Ok(Payload::Binary(v.to_vec()))
    }

    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Payload, E> {
        Ok(Payload::Binary(v))
    }

    fn visit_unit<E>(self) -> Result<Payload, E> {
        Ok(Payload::Json(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Payload, E> {
        Ok(Payload::Json(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Payload, D::Error> {
        Payload::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Payload, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Payload::Json(Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Payload, A::Error> {
        let mut out = Map::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            out.insert(k, v);
        }
        Ok(Payload::Json(Value::Object(out)))
    }
}

impl Payload {
    /// The payload of any serializable value: bytes (`serialize_bytes`,
    /// a binary [`Payload`]) as binary, anything else as JSON.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Payload, EncodeError> {
        let mut bytes = None;
        let json = value
            .serialize(Top { bytes: &mut bytes })
            .map_err(|err| EncodeError(format!("cannot encode the payload: {err}")))?;
        Ok(match bytes {
            Some(bytes) => Payload::Binary(bytes),
            None => Payload::Json(json),
        })
    }
}

/// serde_json's value serializer, except that bytes at the top are kept
/// aside as a binary payload.
struct Top<'a> {
    bytes: &'a mut Option<Vec<u8>>,
}

use serde_json::value::Serializer as Json;

macro_rules! delegate {
    ($($method:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(
            fn $method(self, $($arg: $ty),*) -> Result<$ret, serde_json::Error> {
                Json.$method($($arg),*)
            }
        )*
    };
}

impl Serializer for Top<'_> {
    type Ok = Value;
    type Error = serde_json::Error;
    type SerializeSeq = <Json as Serializer>::SerializeSeq;
    type SerializeTuple = <Json as Serializer>::SerializeTuple;
    type SerializeTupleStruct = <Json as Serializer>::SerializeTupleStruct;
    type SerializeTupleVariant = <Json as Serializer>::SerializeTupleVariant;
    type SerializeMap = <Json as Serializer>::SerializeMap;
    type SerializeStruct = <Json as Serializer>::SerializeStruct;
    type SerializeStructVariant = <Json as Serializer>::SerializeStructVariant;

    fn serialize_bytes(self, v: &[u8]) -> Result<Value, serde_json::Error> {
        *self.bytes = Some(v.to_vec());
        Ok(Value::Null)
    }

    delegate! {
        serialize_bool(v: bool) -> Value;
        serialize_i8(v: i8) -> Value;
        serialize_i16(v: i16) -> Value;
        serialize_i32(v: i32) -> Value;
        serialize_i64(v: i64) -> Value;
        serialize_i128(v: i128) -> Value;
        serialize_u8(v: u8) -> Value;
        serialize_u16(v: u16) -> Value;
        serialize_u32(v: u32) -> Value;
        serialize_u64(v: u64) -> Value;
        serialize_u128(v: u128) -> Value;
        serialize_f32(v: f32) -> Value;
        serialize_f64(v: f64) -> Value;
        serialize_char(v: char) -> Value;
        serialize_str(v: &str) -> Value;
        serialize_none() -> Value;
        serialize_unit() -> Value;
        serialize_unit_struct(name: &'static str) -> Value;
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str) -> Value;
        serialize_seq(len: Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(len: usize) -> Self::SerializeTuple;
        serialize_tuple_struct(name: &'static str, len: usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(name: &'static str, index: u32, variant: &'static str, len: usize) -> Self::SerializeTupleVariant;
        serialize_map(len: Option<usize>) -> Self::SerializeMap;
        serialize_struct(name: &'static str, len: usize) -> Self::SerializeStruct;
        serialize_struct_variant(name: &'static str, index: u32, variant: &'static str, len: usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, serde_json::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, serde_json::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, serde_json::Error> {
        Json.serialize_newtype_variant(name, index, variant, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payloads_keep_their_kind_through_serde() {
        let json = Payload::Json(json!({"a": [1, 2.5, "x", null, true]}));
        let value = serde_json::to_value(&json).unwrap();
        assert_eq!(Payload::deserialize(value).unwrap(), json);
        let binary = Payload::Binary(vec![1, 2, 3]);
        let bytes = serde::de::value::BytesDeserializer::<serde::de::value::Error>::new(&[1, 2, 3]);
        assert_eq!(Payload::deserialize(bytes).unwrap(), binary);
        assert_eq!(Payload::from_serialize(&binary).unwrap(), binary);
        assert_eq!(
            Payload::from_serialize(&json!({"n": 1})).unwrap(),
            Payload::Json(json!({"n": 1}))
        );
        #[derive(serde::Serialize)]
        struct Typed {
            n: u8,
        }
        assert_eq!(
            Payload::from_serialize(&Typed { n: 2 }).unwrap(),
            Payload::Json(json!({"n": 2}))
        );
    }
}

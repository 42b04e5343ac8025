//! Deserializers for parameters that arrive as text: query strings, forms
//! and path segments. A string is parsed into the number, boolean, option,
//! list or enum the target type asks for; objects and arrays nest.

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::Value;

/// The error of these deserializers.
pub(crate) type Error = de::value::Error;

/// A parameter value, possibly nested, whose strings are parsed on demand.
#[derive(Clone, Copy)]
pub(crate) struct Text<'a>(pub(crate) &'a Value);

impl<'de> IntoDeserializer<'de, Error> for Text<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

fn parse<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, Error>
where
    T::Err: std::fmt::Display,
{
    text.trim()
        .parse::<T>()
        .map_err(|e| de::Error::custom(format!("{text:?} is not {what} ({e})")))
}

macro_rules! numbers {
    ($($method:ident $visit:ident $ty:ty, $what:literal;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                match self.0 {
                    Value::String(text) => visitor.$visit(parse::<$ty>(text, $what)?),
                    _ => self.deserialize_any(visitor),
                }
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Text<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => n.deserialize_any(visitor).map_err(de::Error::custom),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => {
                let mut seq = SeqDeserializer::new(items.iter().map(Text));
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Value::Object(map) => {
                let mut entries =
                    MapDeserializer::new(map.iter().map(|(k, v)| (k.as_str(), Text(v))));
                let value = visitor.visit_map(&mut entries)?;
                entries.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(text) => match text.trim() {
                "true" | "on" | "1" | "yes" => visitor.visit_bool(true),
                "false" | "off" | "0" | "no" | "" => visitor.visit_bool(false),
                other => Err(de::Error::custom(format!("{other:?} is not a boolean"))),
            },
            _ => self.deserialize_any(visitor),
        }
    }

    numbers! {
        deserialize_i8 visit_i8 i8, "a number";
        deserialize_i16 visit_i16 i16, "a number";
        deserialize_i32 visit_i32 i32, "a number";
        deserialize_i64 visit_i64 i64, "a number";
        deserialize_i128 visit_i128 i128, "a number";
        deserialize_u8 visit_u8 u8, "a number";
        deserialize_u16 visit_u16 u16, "a number";
        deserialize_u32 visit_u32 u32, "a number";
        deserialize_u64 visit_u64 u64, "a number";
        deserialize_u128 visit_u128 u128, "a number";
        deserialize_f32 visit_f32 f32, "a number";
        deserialize_f64 visit_f64 f64, "a number";
        deserialize_char visit_char char, "one character";
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            // An empty form field is no value.
            Value::String(text) if text.is_empty() => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            // `tags=a` where a list is expected: a list of one.
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                let mut seq = SeqDeserializer::new(std::iter::once(self));
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(text) => visitor.visit_enum(text.as_str().into_deserializer()),
            Value::Object(map) if map.len() == 1 => {
                let (variant, value) = map.iter().next().expect("one entry");
                visitor.visit_enum(Variant { variant, value })
            }
            _ => Err(de::Error::custom(
                "expected a variant name or an object with one key",
            )),
        }
    }

    forward_to_deserialize_any! {
        str string bytes byte_buf unit unit_struct tuple tuple_struct map struct
        identifier ignored_any
    }
}

struct Variant<'a> {
    variant: &'a str,
    value: &'a Value,
}

impl<'de> de::EnumAccess<'de> for Variant<'de> {
    type Error = Error;
    type Variant = Text<'de>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Text<'de>), Error> {
        let name = seed.deserialize(self.variant.into_deserializer())?;
        Ok((name, Text(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for Text<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}

/// One path parameter: errors name it.
#[derive(Clone, Copy)]
pub(crate) struct Named<'a>(&'a str, Text<'a>);

impl<'de> IntoDeserializer<'de, Error> for Named<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// `deserialize_*` methods that hand the value to a [`Named`] parameter,
/// whose errors name it; `$named` turns `self` into one (or fails).
macro_rules! to_named {
    ($named:expr; $($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                let Named(name, value) = ($named)(self)?;
                value
                    .$method(visitor)
                    .map_err(|e| de::Error::custom(format!("`{name}`: {e}")))
            }
        )*
    };
}

/// The methods a single named value answers, for both deserializers.
macro_rules! single_value_methods {
    ($named:expr) => {
        to_named! {
            $named;
            deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
            deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
            deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
            deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
            deserialize_option deserialize_unit deserialize_identifier deserialize_ignored_any
        }
    };
}

impl<'de> de::Deserializer<'de> for Named<'de> {
    type Error = Error;

    single_value_methods!(|named: Self| Ok::<_, Error>(named));
    to_named! { |named: Self| Ok::<_, Error>(named); deserialize_seq deserialize_map }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.1.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let Named(param, value) = self;
        value
            .deserialize_enum(name, variants, visitor)
            .map_err(|e| de::Error::custom(format!("`{param}`: {e}")))
    }
}

/// A route's path parameters in path order: a single value when the target
/// is one, a sequence for tuples, a map for structs.
pub(crate) struct PathParams<'a, 'b>(pub(crate) &'b [(&'a str, &'a Value)]);

impl<'a> PathParams<'a, '_> {
    fn named(&self) -> impl Iterator<Item = Named<'a>> + '_ {
        self.0.iter().map(|(k, v)| Named(k, Text(v)))
    }

    fn single(&self) -> Result<(&'a str, Text<'a>), Error> {
        match self.0 {
            [(name, value)] => Ok((name, Text(value))),
            other => Err(de::Error::custom(format!(
                "the route has {} path parameters, the action asks for one value (use a tuple or a struct)",
                other.len()
            ))),
        }
    }

    fn map(&self) -> MapDeserializer<'a, impl Iterator<Item = (&'a str, Named<'a>)> + '_, Error> {
        MapDeserializer::new(self.0.iter().map(|(k, v)| (*k, Named(k, Text(v)))))
    }
}

impl<'de> de::Deserializer<'de> for PathParams<'de, '_> {
    type Error = Error;

    single_value_methods!(|params: Self| params.single().map(|(name, value)| Named(name, value)));

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        // One parameter (a glob's segments): its items.
        if let Ok((name, value)) = self.single() {
            return value
                .deserialize_seq(visitor)
                .map_err(|e| de::Error::custom(format!("`{name}`: {e}")));
        }
        let mut seq = SeqDeserializer::new(self.named());
        let value = visitor.visit_seq(&mut seq)?;
        seq.end()?;
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        if len != self.0.len() {
            return Err(de::Error::custom(format!(
                "the route has {} path parameters, the action asks for {len}",
                self.0.len()
            )));
        }
        let mut seq = SeqDeserializer::new(self.named());
        let value = visitor.visit_seq(&mut seq)?;
        seq.end()?;
        Ok(value)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut map = self.map();
        let value = visitor.visit_map(&mut map)?;
        map.end()?;
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let (_, value) = self.single()?;
        value.deserialize_enum(name, variants, visitor)
    }
}

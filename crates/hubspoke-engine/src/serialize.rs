//! Any `Serialize` type straight into a regorus value, as serde_json would
//! write it and regorus read it back, without the JSON text in between. The
//! repository model went through text: formatting and re-parsing it was a
//! tenth of the repository rules' time on the generated 1,000-file repository
//! (benches/README.md). Strings are shared through the [`Sharer`].

use std::collections::BTreeMap;
use std::fmt;

use regorus::Value;
use serde::ser::{self, Serialize};

use crate::convert::Sharer;

/// Why a value could not be serialized (a map key that is not a string or number).
#[derive(Debug)]
pub(crate) struct SerializeError(String);

impl fmt::Display for SerializeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerializeError {}

impl ser::Error for SerializeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        SerializeError(message.to_string())
    }
}

/// `value` as regorus reads `serde_json::to_string(value)`.
pub(crate) fn to_value<T: Serialize + ?Sized>(
    value: &T,
    sharer: &mut Sharer,
) -> Result<Value, SerializeError> {
    value.serialize(ValueSerializer { sharer })
}

struct ValueSerializer<'s> {
    sharer: &'s mut Sharer,
}

/// An array being built.
struct Items<'s> {
    sharer: &'s mut Sharer,
    items: Vec<Value>,
    /// The enum variant wrapping it (`{"Variant": [...]}`), as serde_json writes one.
    variant: Option<&'static str>,
}

/// An object being built.
struct Fields<'s> {
    sharer: &'s mut Sharer,
    fields: BTreeMap<Value, Value>,
    key: Option<Value>,
    variant: Option<&'static str>,
}

fn wrapped(sharer: &mut Sharer, variant: Option<&'static str>, value: Value) -> Value {
    match variant {
        Some(name) => Value::from(BTreeMap::from([(sharer.string_value(name), value)])),
        None => value,
    }
}

impl<'s> ser::Serializer for ValueSerializer<'s> {
    type Ok = Value;
    type Error = SerializeError;
    type SerializeSeq = Items<'s>;
    type SerializeTuple = Items<'s>;
    type SerializeTupleStruct = Items<'s>;
    type SerializeTupleVariant = Items<'s>;
    type SerializeMap = Fields<'s>;
    type SerializeStruct = Fields<'s>;
    type SerializeStructVariant = Fields<'s>;

    fn serialize_bool(self, v: bool) -> Result<Value, SerializeError> {
        Ok(Value::from(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, SerializeError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, SerializeError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, SerializeError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, SerializeError> {
        // serde_json reads a non-negative integer back as u64.
        Ok(u64::try_from(v).map_or_else(|_| Value::from(v), Value::from))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, SerializeError> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, SerializeError> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, SerializeError> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, SerializeError> {
        Ok(Value::from(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, SerializeError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, SerializeError> {
        // serde_json writes non-finite numbers as null.
        Ok(if v.is_finite() {
            Value::from(v)
        } else {
            Value::Null
        })
    }
    fn serialize_char(self, v: char) -> Result<Value, SerializeError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<Value, SerializeError> {
        Ok(self.sharer.string_value(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, SerializeError> {
        Ok(Value::from(
            v.iter()
                .map(|b| Value::from(u64::from(*b)))
                .collect::<Vec<_>>(),
        ))
    }
    fn serialize_none(self) -> Result<Value, SerializeError> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, SerializeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, SerializeError> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, SerializeError> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, SerializeError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, SerializeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, SerializeError> {
        let inner = value.serialize(ValueSerializer {
            sharer: &mut *self.sharer,
        })?;
        Ok(wrapped(self.sharer, Some(variant), inner))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Items<'s>, SerializeError> {
        Ok(Items {
            sharer: self.sharer,
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Items<'s>, SerializeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Items<'s>, SerializeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Items<'s>, SerializeError> {
        let mut items = self.serialize_seq(Some(len))?;
        items.variant = Some(variant);
        Ok(items)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Fields<'s>, SerializeError> {
        Ok(Fields {
            sharer: self.sharer,
            fields: BTreeMap::new(),
            key: None,
            variant: None,
        })
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Fields<'s>, SerializeError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Fields<'s>, SerializeError> {
        let mut fields = self.serialize_map(Some(len))?;
        fields.variant = Some(variant);
        Ok(fields)
    }
}

impl Items<'_> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerializeError> {
        let value = to_value(value, self.sharer)?;
        self.items.push(value);
        Ok(())
    }

    fn finish(self) -> Value {
        wrapped(self.sharer, self.variant, Value::from(self.items))
    }
}

/// The four array-building traits serde splits one shape into: a sequence, a
/// tuple, a tuple struct and a tuple variant all push elements.
macro_rules! serialize_items {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Items<'_> {
            type Ok = Value;
            type Error = SerializeError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
                self.push(value)
            }
            fn end(self) -> Result<Value, SerializeError> {
                Ok(self.finish())
            }
        }
    )*};
}

serialize_items!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl Fields<'_> {
    fn insert<T: Serialize + ?Sized>(
        &mut self,
        key: Value,
        value: &T,
    ) -> Result<(), SerializeError> {
        let value = to_value(value, self.sharer)?;
        self.fields.insert(key, value);
        Ok(())
    }

    fn finish(self) -> Value {
        wrapped(self.sharer, self.variant, Value::from(self.fields))
    }
}

impl ser::SerializeMap for Fields<'_> {
    type Ok = Value;
    type Error = SerializeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Self::Error> {
        // JSON object keys are strings: serde_json writes numbers and bools as text.
        let key = match to_value(key, self.sharer)? {
            key @ Value::String(_) => key,
            key @ (Value::Number(_) | Value::Bool(_)) => {
                let text = key.to_string();
                self.sharer.string_value(&text)
            }
            other => {
                return Err(SerializeError(format!(
                    "a map key must be a string, not {other}"
                )))
            }
        };
        self.key = Some(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Self::Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| SerializeError("a map value without a key".to_owned()))?;
        self.insert(key, value)
    }
    fn end(self) -> Result<Value, SerializeError> {
        Ok(self.finish())
    }
}

/// A struct and a struct variant both insert named fields.
macro_rules! serialize_fields {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Fields<'_> {
            type Ok = Value;
            type Error = SerializeError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Self::Error> {
                let key = self.sharer.string_value(key);
                self.insert(key, value)
            }
            fn end(self) -> Result<Value, SerializeError> {
                Ok(self.finish())
            }
        }
    )*};
}

serialize_fields!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    enum Shape {
        Unit,
        Newtype(u32),
        Tuple(i32, bool),
        Struct { side: f64 },
    }

    #[derive(serde::Serialize)]
    struct Sample {
        name: &'static str,
        negative: i64,
        big: u64,
        ratio: f64,
        infinite: f64,
        missing: Option<u8>,
        letter: char,
        shapes: Vec<Shape>,
        by_number: BTreeMap<u32, &'static str>,
        pair: (u8, &'static str),
    }

    #[test]
    fn values_equal_a_json_text_round_trip() {
        let sample = Sample {
            name: "web \"quoted\" ✓",
            negative: -7,
            big: u64::MAX,
            ratio: 0.25,
            infinite: f64::INFINITY,
            missing: None,
            letter: 'x',
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(3),
                Shape::Tuple(-1, true),
                Shape::Struct { side: 2.5 },
            ],
            by_number: BTreeMap::from([(1, "one"), (20, "twenty")]),
            pair: (9, "nine"),
        };
        let text = serde_json::to_string(&sample).expect("json");
        let expected = Value::from_json_str(&text).expect("parses");
        let actual = to_value(&sample, &mut Sharer::default()).expect("serializes");
        assert_eq!(actual, expected, "{text}");
    }

    #[test]
    fn a_map_keyed_by_arrays_is_refused() {
        let map = BTreeMap::from([(vec![1], 2)]);
        let error = to_value(&map, &mut Sharer::default()).expect_err("refused");
        assert_eq!(error.to_string(), "a map key must be a string, not [1]");
    }
}

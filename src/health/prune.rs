//! A serde `Deserializer` over a JSON value that shows only the fields a rule reads, so
//! that the built-in rules convert exactly those fields into k8s-openapi types (see
//! [`super::convert`]). Conversion costs what the rule reads, not what the object holds:
//! a Pod's status carries a dozen timestamps and image digests that Argo CD's Pod check
//! never looks at.
//!
//! [`Keep`] describes the fields: `Keep::All` passes a value through untouched (it is
//! deserialized as `&Value` deserializes it), `Keep::Fields` shows an object's listed keys
//! only — and applies to every element of a list. Hidden fields read as absent.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde_json::{Map, Value};

/// Which parts of a value a rule reads.
#[derive(Debug)]
pub enum Keep {
    /// The whole value.
    All,
    /// These keys of an object (of each element, for a list), each with what to keep of it.
    Fields(&'static [(&'static str, Keep)]),
}

/// `value` as seen through `keep`.
#[derive(Debug, Clone, Copy)]
pub struct Pruned<'a> {
    value: &'a Value,
    keep: &'static Keep,
}

impl<'a> Pruned<'a> {
    /// A view of `value`.
    pub fn new(value: &'a Value, keep: &'static Keep) -> Self {
        Pruned { value, keep }
    }
}

type Error = serde_json::Error;

fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

struct Fields<'a> {
    map: &'a Map<String, Value>,
    fields: &'static [(&'static str, Keep)],
    next: usize,
    pending: Option<(&'a Value, &'static Keep)>,
}

impl<'de> MapAccess<'de> for Fields<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        while let Some((name, keep)) = self.fields.get(self.next) {
            self.next += 1;
            if let Some((key, value)) = self.map.get_key_value(*name) {
                self.pending = Some((value, keep));
                return seed
                    .deserialize(BorrowedStrDeserializer::<Error>::new(key.as_str()))
                    .map(Some);
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.pending.take() {
            Some((value, keep)) => seed.deserialize(Pruned { value, keep }),
            None => Err(de::Error::custom("value requested before key")),
        }
    }
}

struct Elements<'a> {
    items: std::slice::Iter<'a, Value>,
    keep: &'static Keep,
}

impl<'de> SeqAccess<'de> for Elements<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            Some(value) => seed
                .deserialize(Pruned {
                    value,
                    keep: self.keep,
                })
                .map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

impl<'de> Pruned<'de> {
    fn visit_map<V: Visitor<'de>>(
        self,
        fields: &'static [(&'static str, Keep)],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.value {
            Value::Object(map) => visitor.visit_map(Fields {
                map,
                fields,
                next: 0,
                pending: None,
            }),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }

    fn visit_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Array(items) => visitor.visit_seq(Elements {
                items: items.iter(),
                keep: self.keep,
            }),
            other => Err(de::Error::invalid_type(unexpected(other), &visitor)),
        }
    }
}

macro_rules! forward {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.value.$method(visitor)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Pruned<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match (self.keep, self.value) {
            (Keep::Fields(f), Value::Object(_)) => self.visit_map(f, visitor),
            (Keep::Fields(_), Value::Array(_)) => self.visit_seq(visitor),
            (_, v) => v.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.keep {
            Keep::All => self.value.deserialize_seq(visitor),
            Keep::Fields(_) => self.visit_seq(visitor),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.keep {
            Keep::All => self.value.deserialize_map(visitor),
            Keep::Fields(f) => self.visit_map(f, visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match (self.keep, self.value) {
            // A list is never a struct (Go: "cannot restore struct from: slice").
            (_, v @ Value::Array(_)) => Err(de::Error::invalid_type(unexpected(v), &visitor)),
            (Keep::All, v) => v.deserialize_struct(name, fields, visitor),
            (Keep::Fields(f), _) => self.visit_map(f, visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.value.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        self.value.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.value.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.value.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    forward! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f32
        deserialize_f64 deserialize_char deserialize_str deserialize_string deserialize_bytes
        deserialize_byte_buf deserialize_unit deserialize_identifier
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::PodStatus;
    use serde::Deserialize;
    use serde_json::json;

    static POD_STATUS: Keep = Keep::Fields(&[
        ("phase", Keep::All),
        (
            "conditions",
            Keep::Fields(&[("type", Keep::All), ("status", Keep::All)]),
        ),
    ]);

    #[test]
    fn shows_only_kept_fields() {
        let v = json!({"phase": "Running", "podIP": "10.0.0.1",
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "not even a time"}]});
        let s = PodStatus::deserialize(Pruned::new(&v, &POD_STATUS));
        let s = s.unwrap_or_default();
        assert_eq!(s.phase.as_deref(), Some("Running"));
        assert_eq!(s.pod_ip, None);
        let c = s.conditions.unwrap_or_default();
        assert_eq!(
            (c[0].type_.as_str(), c[0].status.as_str()),
            ("Ready", "True")
        );
        assert!(c[0].last_transition_time.is_none());
    }

    #[test]
    fn type_errors_in_kept_fields_remain() {
        for bad in [
            json!({"phase": 1}),
            json!({"conditions": {}}),
            json!({"conditions": ["x"]}),
            json!([]),
        ] {
            let e = PodStatus::deserialize(Pruned::new(&bad, &POD_STATUS)).err();
            assert!(
                e.is_some_and(|e| e.to_string().starts_with("invalid type")),
                "{bad}"
            );
        }
        let hidden = json!({"podIP": 1});
        assert!(PodStatus::deserialize(Pruned::new(&hidden, &POD_STATUS)).is_ok());
    }
}

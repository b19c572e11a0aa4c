//! `input.context`: the caller's own JSON, bounded while it is parsed (and the same bounded
//! reader for a bundle's `data.yaml`).
//!
//! The context is deserialized by a visitor that keeps a budget ([`MAX_CONTEXT_BYTES`]) and a
//! depth ([`MAX_CONTEXT_DEPTH`]): every key and string is charged its length before it is
//! copied, every other value and every container 8 bytes, so a context over the budget fails at
//! the first value past it instead of after the whole tree is in memory.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::input::{MAX_CONTEXT_BYTES, MAX_CONTEXT_DEPTH};

/// What a scalar or container costs against the budget.
const NODE_COST: usize = 8;

/// Deserializes `input.context` (a JSON object) within the bounds.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Map<String, Value>, D::Error> {
    match bounded_value(d, "input.context", MAX_CONTEXT_BYTES, MAX_CONTEXT_DEPTH)? {
        Value::Object(map) => Ok(map),
        _ => Err(de::Error::custom("input.context must be a JSON object")),
    }
}

/// Deserializes any self-describing value (JSON, YAML) into a JSON value within a byte budget
/// and a depth, refusing duplicate object keys (which `serde_json::Value` would silently keep
/// the last of). `what` names the value in errors.
pub(crate) fn bounded_value<'de, D: Deserializer<'de>>(
    d: D,
    what: &'static str,
    max_bytes: usize,
    max_depth: usize,
) -> Result<Value, D::Error> {
    let mut budget = Budget {
        left: max_bytes,
        max_bytes,
        max_depth,
        what,
    };
    Bounded {
        budget: &mut budget,
        depth: 1,
    }
    .deserialize(d)
}

struct Budget {
    left: usize,
    max_bytes: usize,
    max_depth: usize,
    what: &'static str,
}

impl Budget {
    fn charge<E: de::Error>(&mut self, bytes: usize) -> Result<(), E> {
        match self.left.checked_sub(bytes) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(E::custom(format_args!(
                "{} is larger than {} bytes",
                self.what, self.max_bytes
            ))),
        }
    }
}

/// A value at `depth` (1 = the context object).
struct Bounded<'b> {
    budget: &'b mut Budget,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Bounded<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl Bounded<'_> {
    fn enter<E: de::Error>(&mut self) -> Result<(), E> {
        if self.depth > self.budget.max_depth {
            return Err(E::custom(format_args!(
                "{} nests deeper than {} levels",
                self.budget.what, self.budget.max_depth
            )));
        }
        self.budget.charge(NODE_COST)
    }
}

impl<'de> Visitor<'de> for Bounded<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.budget.charge(NODE_COST)?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.budget.charge(NODE_COST)?;
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.budget.charge(NODE_COST)?;
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.budget.charge(NODE_COST)?;
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| {
                E::custom(format_args!(
                    "{} holds a number JSON cannot represent",
                    self.budget.what
                ))
            })
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.budget.charge(v.len().max(NODE_COST))?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.budget.charge(v.len().max(NODE_COST))?;
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.budget.charge(NODE_COST)?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(Bounded {
            budget: self.budget,
            depth: self.depth + 1,
        })? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Value, A::Error> {
        self.enter()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(Key {
            budget: self.budget,
        })? {
            let value = map.next_value_seed(Bounded {
                budget: self.budget,
                depth: self.depth + 1,
            })?;
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "{} has the key {key:?} twice",
                    self.budget.what
                )));
            }
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// An object key, charged its length before it is copied.
struct Key<'b> {
    budget: &'b mut Budget,
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for Key<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        self.budget.charge(v.len().max(NODE_COST))?;
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        self.budget.charge(v.len().max(NODE_COST))?;
        Ok(v)
    }
}

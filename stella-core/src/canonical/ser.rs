//! A `serde::Serializer` that writes RFC 8785 canonical JSON directly, without building an
//! intermediate tree.

use serde::ser::{self, Serialize};

use super::writer::{Key, ObjectFrame, Writer};
use crate::error::JsonError;

impl ser::Error for JsonError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        JsonError::Serde {
            message: msg.to_string(),
        }
    }
}

pub(crate) struct Serializer<'w> {
    pub(crate) w: Writer<'w>,
}

type Result<T> = std::result::Result<T, JsonError>;

impl<'a, 'w> ser::Serializer for &'a mut Serializer<'w> {
    type Ok = ();
    type Error = JsonError;
    type SerializeSeq = Seq<'a, 'w>;
    type SerializeTuple = Seq<'a, 'w>;
    type SerializeTupleStruct = Seq<'a, 'w>;
    type SerializeTupleVariant = Seq<'a, 'w>;
    type SerializeMap = Map<'a, 'w>;
    type SerializeStruct = Map<'a, 'w>;
    type SerializeStructVariant = Map<'a, 'w>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.w
            .out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<()> {
        self.w.write_i64(v.into());
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Result<()> {
        self.w.write_i64(v.into());
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Result<()> {
        self.w.write_i64(v.into());
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<()> {
        self.w.write_i64(v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<()> {
        self.w.write_i128(v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<()> {
        self.w.write_u64(v.into());
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Result<()> {
        self.w.write_u64(v.into());
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> Result<()> {
        self.w.write_u64(v.into());
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        self.w.write_u64(v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<()> {
        self.w.write_u128(v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<()> {
        self.w.write_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        self.w.write_f64(v)
    }
    fn serialize_char(self, v: char) -> Result<()> {
        let mut buf = [0u8; 4];
        self.w.write_str(v.encode_utf8(&mut buf));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        self.w.write_str(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        // As serde_json does: an array of numbers.
        self.w.out.push(b'[');
        for (i, b) in v.iter().enumerate() {
            if i > 0 {
                self.w.out.push(b',');
            }
            self.w.write_u64((*b).into());
        }
        self.w.out.push(b']');
        Ok(())
    }
    fn serialize_none(self) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        self.w.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<()> {
        self.w.write_str(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        let frame = self.w.begin_object();
        let member = self.w.begin_member(&frame, Key::Borrowed(variant), 0);
        value.serialize(&mut *self)?;
        self.w.end_member(member);
        self.w.end_object(frame)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        self.w.out.push(b'[');
        Ok(Seq {
            ser: self,
            first: true,
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        let frame = self.w.begin_object();
        let member = self.w.begin_member(&frame, Key::Borrowed(variant), 0);
        self.w.out.push(b'[');
        Ok(Seq {
            ser: self,
            first: true,
            variant: Some((frame, member)),
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        let frame = self.w.begin_object();
        Ok(Map {
            ser: self,
            frame: Some(frame),
            pending: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Self::SerializeStruct> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        let outer = self.w.begin_object();
        let member = self.w.begin_member(&outer, Key::Borrowed(variant), 0);
        let frame = self.w.begin_object();
        Ok(Map {
            ser: self,
            frame: Some(frame),
            pending: None,
            variant: Some((outer, member)),
        })
    }
    fn collect_str<T: ?Sized + std::fmt::Display>(self, value: &T) -> Result<()> {
        self.w.write_str(&value.to_string());
        Ok(())
    }
}

pub(crate) struct Seq<'a, 'w> {
    ser: &'a mut Serializer<'w>,
    first: bool,
    variant: Option<(ObjectFrame, usize)>,
}

impl Seq<'_, '_> {
    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        if !self.first {
            self.ser.w.out.push(b',');
        }
        self.first = false;
        value.serialize(&mut *self.ser)
    }
    fn finish(self) -> Result<()> {
        self.ser.w.out.push(b']');
        if let Some((frame, member)) = self.variant {
            self.ser.w.end_member(member);
            self.ser.w.end_object(frame)?;
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Seq<'_, '_> {
    type Ok = ();
    type Error = JsonError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}
impl ser::SerializeTuple for Seq<'_, '_> {
    type Ok = ();
    type Error = JsonError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}
impl ser::SerializeTupleStruct for Seq<'_, '_> {
    type Ok = ();
    type Error = JsonError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}
impl ser::SerializeTupleVariant for Seq<'_, '_> {
    type Ok = ();
    type Error = JsonError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

pub(crate) struct Map<'a, 'w> {
    ser: &'a mut Serializer<'w>,
    frame: Option<ObjectFrame>,
    pending: Option<usize>,
    variant: Option<(ObjectFrame, usize)>,
}

impl<'w> Map<'_, 'w> {
    fn key(&mut self, key: Key<'w>) -> Result<()> {
        let frame = self.frame.as_ref().ok_or(JsonError::KeyMustBeString)?;
        self.pending = Some(self.ser.w.begin_member(frame, key, 0));
        Ok(())
    }
    fn value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        value.serialize(&mut *self.ser)?;
        if let Some(member) = self.pending.take() {
            self.ser.w.end_member(member);
        }
        Ok(())
    }
    fn finish(mut self) -> Result<()> {
        if let Some(frame) = self.frame.take() {
            self.ser.w.end_object(frame)?;
        }
        if let Some((frame, member)) = self.variant.take() {
            self.ser.w.end_member(member);
            self.ser.w.end_object(frame)?;
        }
        Ok(())
    }
}

impl ser::SerializeMap for Map<'_, '_> {
    type Ok = ();
    type Error = JsonError;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        let start = self.ser.w.keys.len();
        key.serialize(KeySerializer(&mut self.ser.w.keys))?;
        let end = self.ser.w.keys.len();
        self.key(Key::Arena { start, end })
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.value(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}
impl ser::SerializeStruct for Map<'_, '_> {
    type Ok = ();
    type Error = JsonError;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.key(Key::Borrowed(key))?;
        self.value(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}
impl ser::SerializeStructVariant for Map<'_, '_> {
    type Ok = ();
    type Error = JsonError;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.key(Key::Borrowed(key))?;
        self.value(value)
    }
    fn end(self) -> Result<()> {
        self.finish()
    }
}

/// Turns a map key into a string the way serde_json does: strings and chars as they are,
/// integers and booleans as their decimal / literal text; anything else is an error.
struct KeySerializer<'a>(&'a mut String);

impl ser::Serializer for KeySerializer<'_> {
    type Ok = ();
    type Error = JsonError;
    type SerializeSeq = ser::Impossible<(), JsonError>;
    type SerializeTuple = ser::Impossible<(), JsonError>;
    type SerializeTupleStruct = ser::Impossible<(), JsonError>;
    type SerializeTupleVariant = ser::Impossible<(), JsonError>;
    type SerializeMap = ser::Impossible<(), JsonError>;
    type SerializeStruct = ser::Impossible<(), JsonError>;
    type SerializeStructVariant = ser::Impossible<(), JsonError>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.push(v)
    }
    fn serialize_i8(self, v: i8) -> Result<()> {
        self.push(v)
    }
    fn serialize_i16(self, v: i16) -> Result<()> {
        self.push(v)
    }
    fn serialize_i32(self, v: i32) -> Result<()> {
        self.push(v)
    }
    fn serialize_i64(self, v: i64) -> Result<()> {
        self.push(v)
    }
    fn serialize_i128(self, v: i128) -> Result<()> {
        self.push(v)
    }
    fn serialize_u8(self, v: u8) -> Result<()> {
        self.push(v)
    }
    fn serialize_u16(self, v: u16) -> Result<()> {
        self.push(v)
    }
    fn serialize_u32(self, v: u32) -> Result<()> {
        self.push(v)
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        self.push(v)
    }
    fn serialize_u128(self, v: u128) -> Result<()> {
        self.push(v)
    }
    fn serialize_f32(self, _v: f32) -> Result<()> {
        Err(JsonError::KeyMustBeString)
    }
    fn serialize_f64(self, _v: f64) -> Result<()> {
        Err(JsonError::KeyMustBeString)
    }
    fn serialize_char(self, v: char) -> Result<()> {
        self.push(v)
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        self.0.push_str(v);
        Ok(())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<()> {
        Err(JsonError::KeyMustBeString)
    }
    fn serialize_none(self) -> Result<()> {
        Err(JsonError::KeyMustBeString)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _value: &T) -> Result<()> {
        Err(JsonError::KeyMustBeString)
    }
    fn serialize_unit(self) -> Result<()> {
        Err(JsonError::KeyMustBeString)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        Err(JsonError::KeyMustBeString)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<()> {
        self.0.push_str(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<()> {
        Err(JsonError::KeyMustBeString)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(JsonError::KeyMustBeString)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(JsonError::KeyMustBeString)
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(JsonError::KeyMustBeString)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(JsonError::KeyMustBeString)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(JsonError::KeyMustBeString)
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(JsonError::KeyMustBeString)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(JsonError::KeyMustBeString)
    }
}

impl KeySerializer<'_> {
    fn push(self, v: impl std::fmt::Display) -> Result<()> {
        use std::fmt::Write;
        write!(self.0, "{v}").map_err(|_| JsonError::KeyMustBeString)
    }
}

//! The strict RFC 8259 parser that canonicalizes raw bytes in one pass.

use super::JsonLimits;
use super::writer::{Key, Writer};
use crate::error::JsonError;

pub(crate) struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
    depth: usize,
    max_depth: usize,
}

type Result<T> = std::result::Result<T, JsonError>;

impl<'a> Parser<'a> {
    pub(crate) fn new(input: &'a [u8], limits: &JsonLimits) -> Result<Self> {
        if input.len() > limits.max_bytes {
            return Err(JsonError::TooLarge {
                length: input.len(),
                max_bytes: limits.max_bytes,
            });
        }
        if let Err(e) = std::str::from_utf8(input) {
            return Err(JsonError::Syntax {
                offset: e.valid_up_to(),
                reason: "invalid UTF-8",
            });
        }
        Ok(Self {
            input,
            pos: 0,
            depth: 0,
            max_depth: limits.effective_max_depth(),
        })
    }

    /// Parses one complete JSON text (nothing but whitespace may follow) into `out`.
    pub(crate) fn parse_document(&mut self, out: &mut Writer<'a>) -> Result<()> {
        self.skip_ws();
        self.value(out)?;
        self.skip_ws();
        if self.pos != self.input.len() {
            return Err(self.syntax("trailing data after the JSON value"));
        }
        Ok(())
    }

    fn syntax(&self, reason: &'static str) -> JsonError {
        JsonError::Syntax {
            offset: self.pos,
            reason,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect_literal(&mut self, literal: &'static [u8], out: &mut Writer<'a>) -> Result<()> {
        if self.input.get(self.pos..self.pos + literal.len()) == Some(literal) {
            self.pos += literal.len();
            out.out.extend_from_slice(literal);
            Ok(())
        } else {
            Err(self.syntax("invalid literal"))
        }
    }

    fn value(&mut self, out: &mut Writer<'a>) -> Result<()> {
        match self.peek() {
            Some(b'{') => self.object(out),
            Some(b'[') => self.array(out),
            Some(b'"') => {
                let s = self.string()?;
                match s {
                    Str::Raw(body) => out.write_raw_str(body),
                    Str::Decoded(text) => out.write_str(&text),
                }
                Ok(())
            }
            Some(b't') => self.expect_literal(b"true", out),
            Some(b'f') => self.expect_literal(b"false", out),
            Some(b'n') => self.expect_literal(b"null", out),
            Some(b'-' | b'0'..=b'9') => self.number(out),
            Some(_) => Err(self.syntax("expected a JSON value")),
            None => Err(self.syntax("unexpected end of input")),
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return Err(JsonError::TooDeep {
                offset: self.pos,
                max_depth: self.max_depth,
            });
        }
        Ok(())
    }

    fn object(&mut self, out: &mut Writer<'a>) -> Result<()> {
        self.enter()?;
        self.pos += 1; // '{'
        let frame = out.begin_object();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                if self.peek() != Some(b'"') {
                    return Err(self.syntax("expected a string key"));
                }
                let key_offset = self.pos;
                let key = match self.string()? {
                    Str::Raw(body) => {
                        // Validated as UTF-8 when the parser was made.
                        Key::Borrowed(std::str::from_utf8(body).map_err(|_| JsonError::Syntax {
                            offset: key_offset,
                            reason: "invalid UTF-8",
                        })?)
                    }
                    Str::Decoded(text) => {
                        let start = out.keys.len();
                        out.keys.push_str(&text);
                        Key::Arena {
                            start,
                            end: out.keys.len(),
                        }
                    }
                };
                self.skip_ws();
                if self.peek() != Some(b':') {
                    return Err(self.syntax("expected ':' after an object key"));
                }
                self.pos += 1;
                self.skip_ws();
                let member = out.begin_member(&frame, key, key_offset);
                self.value(out)?;
                out.end_member(member);
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.syntax("expected ',' or '}' in an object")),
                }
            }
        }
        out.end_object(frame)?;
        self.depth -= 1;
        Ok(())
    }

    fn array(&mut self, out: &mut Writer<'a>) -> Result<()> {
        self.enter()?;
        self.pos += 1; // '['
        out.out.push(b'[');
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            let mut first = true;
            loop {
                if !first {
                    out.out.push(b',');
                }
                first = false;
                self.skip_ws();
                self.value(out)?;
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.syntax("expected ',' or ']' in an array")),
                }
            }
        }
        out.out.push(b']');
        self.depth -= 1;
        Ok(())
    }

    /// Parses a string starting at the opening quote. Strings without escapes are returned as a
    /// borrowed slice that is already in canonical form.
    fn string(&mut self) -> Result<Str<'a>> {
        self.pos += 1; // opening quote
        let start = self.pos;
        loop {
            match self.peek() {
                Some(b'"') => {
                    let body = self.input.get(start..self.pos).unwrap_or_default();
                    self.pos += 1;
                    return Ok(Str::Raw(body));
                }
                Some(b'\\') => break,
                Some(0x00..=0x1f) => {
                    return Err(self.syntax("unescaped control character in a string"));
                }
                Some(_) => self.pos += 1,
                None => return Err(self.syntax("unterminated string")),
            }
        }
        // Slow path: the string has escapes; decode into an owned buffer.
        let mut text = String::from(
            std::str::from_utf8(self.input.get(start..self.pos).unwrap_or_default())
                .map_err(|_| self.syntax("invalid UTF-8"))?,
        );
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Str::Decoded(text));
                }
                Some(b'\\') => {
                    let escape_at = self.pos;
                    self.pos += 1;
                    let c = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let unit = self.hex4()?;
                            let c = match unit {
                                0xD800..=0xDBFF => {
                                    if self.input.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                        return Err(JsonError::LoneSurrogate { offset: escape_at });
                                    }
                                    self.pos += 2;
                                    let low = self.hex4()?;
                                    if !(0xDC00..=0xDFFF).contains(&low) {
                                        return Err(JsonError::LoneSurrogate { offset: escape_at });
                                    }
                                    0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                                }
                                0xDC00..=0xDFFF => {
                                    return Err(JsonError::LoneSurrogate { offset: escape_at });
                                }
                                other => other,
                            };
                            text.push(
                                char::from_u32(c)
                                    .ok_or(JsonError::LoneSurrogate { offset: escape_at })?,
                            );
                            continue;
                        }
                        _ => return Err(self.syntax("invalid escape")),
                    };
                    self.pos += 1;
                    text.push(c);
                }
                Some(0x00..=0x1f) => {
                    return Err(self.syntax("unescaped control character in a string"));
                }
                Some(_) => {
                    let run_start = self.pos;
                    while let Some(b) = self.peek() {
                        if b == b'"' || b == b'\\' || b < 0x20 {
                            break;
                        }
                        self.pos += 1;
                    }
                    let run = self.input.get(run_start..self.pos).unwrap_or_default();
                    text.push_str(
                        std::str::from_utf8(run).map_err(|_| self.syntax("invalid UTF-8"))?,
                    );
                }
                None => return Err(self.syntax("unterminated string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self
            .input
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.syntax("truncated \\u escape"))?;
        let mut value = 0u32;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(self.syntax("invalid hex digit in \\u escape")),
            };
            value = value * 16 + u32::from(v);
        }
        self.pos += 4;
        Ok(value)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self, out: &mut Writer<'a>) -> Result<()> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.syntax("leading zero in a number"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.syntax("expected a digit")),
        }
        let int_len = self.pos - int_start;
        let mut plain_integer = true;
        if self.peek() == Some(b'.') {
            plain_integer = false;
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.syntax("expected a digit after '.'"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            plain_integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.syntax("expected a digit in the exponent"));
            }
        }
        let literal = self.input.get(start..self.pos).unwrap_or_default();
        // Integers of up to 15 digits are exact doubles and print as themselves; "-0" prints "0".
        if plain_integer && int_len <= 15 && literal != b"-0" {
            out.out.extend_from_slice(literal);
            return Ok(());
        }
        let text = std::str::from_utf8(literal).map_err(|_| self.syntax("invalid number"))?;
        // `str::parse::<f64>` rounds correctly to nearest, as ECMAScript's ToNumber does.
        let value: f64 = text.parse().map_err(|_| self.syntax("invalid number"))?;
        if !value.is_finite() {
            return Err(JsonError::NumberOutOfRange {
                literal: text.chars().take(80).collect(),
                offset: start,
            });
        }
        out.write_f64(value)
    }
}

enum Str<'a> {
    /// The exact bytes between the quotes; they contain no escapes and no control characters.
    Raw(&'a [u8]),
    /// The decoded text of a string that had escapes.
    Decoded(String),
}

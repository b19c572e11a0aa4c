//! The output side shared by both canonicalizers: RFC 8785 string escaping, ECMAScript number
//! formatting, and objects whose members are sorted by UTF-16 code units when they close.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::error::JsonError;

/// Largest integer magnitude every IEEE-754 double represents exactly (2^53).
const EXACT_INT: u64 = 1 << 53;

/// One member of an object being written: its raw key and the byte range of `"key":value`.
struct Entry<'k> {
    key: Cow<'k, str>,
    start: usize,
    end: usize,
    /// Input offset of the key, for error messages (0 when serializing a value).
    offset: usize,
}

/// An object that has been opened and not yet closed.
pub(crate) struct ObjectFrame {
    start: usize,
    base: usize,
}

/// Canonical JSON output buffer.
pub(crate) struct Writer<'k> {
    pub(crate) out: Vec<u8>,
    entries: Vec<Entry<'k>>,
    scratch: Vec<u8>,
}

impl<'k> Writer<'k> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            out: Vec::with_capacity(capacity),
            entries: Vec::new(),
            scratch: Vec::new(),
        }
    }

    pub(crate) fn begin_object(&mut self) -> ObjectFrame {
        self.out.push(b'{');
        ObjectFrame {
            start: self.out.len(),
            base: self.entries.len(),
        }
    }

    /// Writes `"key":` (with a leading comma when needed) and returns the entry's index, to be
    /// passed to [`Self::end_member`] once the value is written.
    pub(crate) fn begin_member(
        &mut self,
        frame: &ObjectFrame,
        key: Cow<'k, str>,
        offset: usize,
    ) -> usize {
        if self.entries.len() > frame.base {
            self.out.push(b',');
        }
        let start = self.out.len();
        self.write_str(&key);
        self.out.push(b':');
        self.entries.push(Entry {
            key,
            start,
            end: start,
            offset,
        });
        self.entries.len() - 1
    }

    pub(crate) fn end_member(&mut self, index: usize) {
        let end = self.out.len();
        if let Some(entry) = self.entries.get_mut(index) {
            entry.end = end;
        }
    }

    /// Closes the object: sorts its members by UTF-16 code units (moving bytes only when they
    /// were not already in order) and rejects duplicate keys.
    pub(crate) fn end_object(&mut self, frame: ObjectFrame) -> Result<(), JsonError> {
        let members = self.entries.get_mut(frame.base..).unwrap_or_default();
        let mut sorted = true;
        for pair in members.windows(2) {
            if let [a, b] = pair {
                match cmp_utf16(&a.key, &b.key) {
                    Ordering::Less => {}
                    Ordering::Equal => return Err(duplicate(b)),
                    Ordering::Greater => sorted = false,
                }
            }
        }
        if !sorted {
            members.sort_unstable_by(|a, b| cmp_utf16(&a.key, &b.key));
            for pair in members.windows(2) {
                if let [a, b] = pair
                    && a.key == b.key
                {
                    let later = if a.offset > b.offset { a } else { b };
                    return Err(duplicate(later));
                }
            }
            self.scratch.clear();
            self.scratch
                .extend_from_slice(self.out.get(frame.start..).unwrap_or_default());
            self.out.truncate(frame.start);
            for (i, member) in members.iter().enumerate() {
                if i > 0 {
                    self.out.push(b',');
                }
                let range = member.start - frame.start..member.end - frame.start;
                self.out
                    .extend_from_slice(self.scratch.get(range).unwrap_or_default());
            }
        }
        self.entries.truncate(frame.base);
        self.out.push(b'}');
        Ok(())
    }

    /// Writes a string with exactly RFC 8785's escapes: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
    /// `\t`, other controls as `\u00xx` (lowercase hex), everything else as literal UTF-8.
    pub(crate) fn write_str(&mut self, s: &str) {
        self.out.push(b'"');
        let bytes = s.as_bytes();
        let mut run_start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if b >= 0x20 && b != b'"' && b != b'\\' {
                continue;
            }
            self.out
                .extend_from_slice(bytes.get(run_start..i).unwrap_or_default());
            run_start = i + 1;
            match b {
                b'"' => self.out.extend_from_slice(b"\\\""),
                b'\\' => self.out.extend_from_slice(b"\\\\"),
                0x08 => self.out.extend_from_slice(b"\\b"),
                0x0c => self.out.extend_from_slice(b"\\f"),
                b'\n' => self.out.extend_from_slice(b"\\n"),
                b'\r' => self.out.extend_from_slice(b"\\r"),
                b'\t' => self.out.extend_from_slice(b"\\t"),
                _ => {
                    // A control character: `b < 0x20`, so the high nibble is 0 or 1.
                    let low = b & 0xf;
                    self.out.extend_from_slice(b"\\u00");
                    self.out.push(b'0' + (b >> 4));
                    self.out.push(if low < 10 {
                        b'0' + low
                    } else {
                        b'a' + low - 10
                    });
                }
            }
        }
        self.out
            .extend_from_slice(bytes.get(run_start..).unwrap_or_default());
        self.out.push(b'"');
    }

    /// Appends bytes known to be a canonical string body (no escapes needed).
    pub(crate) fn write_raw_str(&mut self, body: &[u8]) {
        self.out.push(b'"');
        self.out.extend_from_slice(body);
        self.out.push(b'"');
    }

    /// Writes a double as ECMAScript's `Number.prototype.toString` does (RFC 8785 §3.2.2.3).
    pub(crate) fn write_f64(&mut self, value: f64) -> Result<(), JsonError> {
        if !value.is_finite() {
            return Err(JsonError::NumberOutOfRange {
                literal: format!("{value:?}"),
                offset: 0,
            });
        }
        if value == 0.0 {
            // Both +0 and -0 print as "0".
            self.out.push(b'0');
            return Ok(());
        }
        let mut buf = ryu_js::Buffer::new();
        self.out
            .extend_from_slice(buf.format_finite(value).as_bytes());
        Ok(())
    }

    pub(crate) fn write_u64(&mut self, value: u64) {
        if value <= EXACT_INT {
            let mut buf = itoa_buf();
            self.out.extend_from_slice(format_u64(&mut buf, value));
        } else {
            // RFC 8785 numbers are doubles: a larger integer is written as the double nearest
            // to it, exactly as a JavaScript implementation would.
            #[allow(clippy::cast_precision_loss)]
            let as_double = value as f64;
            let _ = self.write_f64(as_double);
        }
    }

    pub(crate) fn write_i64(&mut self, value: i64) {
        if value < 0 {
            let magnitude = value.unsigned_abs();
            if magnitude <= EXACT_INT {
                self.out.push(b'-');
                let mut buf = itoa_buf();
                self.out.extend_from_slice(format_u64(&mut buf, magnitude));
            } else {
                #[allow(clippy::cast_precision_loss)]
                let as_double = value as f64;
                let _ = self.write_f64(as_double);
            }
        } else {
            self.write_u64(value.unsigned_abs());
        }
    }

    pub(crate) fn write_u128(&mut self, value: u128) {
        match u64::try_from(value) {
            Ok(v) => self.write_u64(v),
            Err(_) => {
                #[allow(clippy::cast_precision_loss)]
                let as_double = value as f64;
                let _ = self.write_f64(as_double);
            }
        }
    }

    pub(crate) fn write_i128(&mut self, value: i128) {
        match i64::try_from(value) {
            Ok(v) => self.write_i64(v),
            Err(_) => {
                #[allow(clippy::cast_precision_loss)]
                let as_double = value as f64;
                let _ = self.write_f64(as_double);
            }
        }
    }
}

fn duplicate(entry: &Entry<'_>) -> JsonError {
    JsonError::DuplicateKey {
        key: entry.key.chars().take(80).collect(),
        offset: entry.offset,
    }
}

fn itoa_buf() -> [u8; 20] {
    [0u8; 20]
}

fn format_u64(buf: &mut [u8; 20], mut value: u64) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            // `value % 10` is a single digit, so the cast cannot truncate.
            *slot = b'0' + (value % 10) as u8;
        }
        value /= 10;
        if value == 0 || i == 0 {
            break;
        }
    }
    buf.get(i..).unwrap_or_default()
}

/// Orders two strings by their UTF-16 code units, as RFC 8785 §3.2.3 requires.
///
/// UTF-8 byte order equals code point order, which differs from UTF-16 order only where a
/// supplementary-plane character (a surrogate pair, 0xD800..) meets one in U+E000..=U+FFFF; so the
/// bytes decide unless the first differing characters need that correction.
pub(crate) fn cmp_utf16(a: &str, b: &str) -> Ordering {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    let Some(i) = ab.iter().zip(bb).position(|(x, y)| x != y) else {
        return ab.len().cmp(&bb.len());
    };
    // Both strings agree up to `i`, so a char boundary at or before `i` is shared.
    let mut start = i;
    while start > 0 && !a.is_char_boundary(start) {
        start -= 1;
    }
    let ca = a.get(start..).and_then(|s| s.chars().next());
    let cb = b.get(start..).and_then(|s| s.chars().next());
    match (ca, cb) {
        (Some(ca), Some(cb)) => {
            let ua = first_utf16_unit(ca);
            let ub = first_utf16_unit(cb);
            ua.cmp(&ub).then((ca as u32).cmp(&(cb as u32)))
        }
        _ => ab.cmp(bb),
    }
}

fn first_utf16_unit(c: char) -> u32 {
    let c = c as u32;
    if c >= 0x10000 {
        0xD800 + ((c - 0x10000) >> 10)
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_order_differs_from_code_point_order() {
        // U+1F600 (surrogates D83D DE00) sorts before U+FB01 in UTF-16 but after it by code point.
        assert_eq!(cmp_utf16("\u{1F600}", "\u{FB01}"), Ordering::Less);
        assert_eq!(cmp_utf16("\u{FB01}", "\u{1F600}"), Ordering::Greater);
        assert_eq!(cmp_utf16("a", "ab"), Ordering::Less);
        assert_eq!(cmp_utf16("b", "ab"), Ordering::Greater);
        assert_eq!(cmp_utf16("é", "é"), Ordering::Equal);
        assert_eq!(cmp_utf16("\u{10000}", "\u{10001}"), Ordering::Less);
        // Shared prefix inside a multi-byte char.
        assert_eq!(cmp_utf16("\u{00e9}", "\u{00ea}"), Ordering::Less);
    }

    #[test]
    fn u64_formatting() {
        let mut w = Writer::with_capacity(0);
        for v in [0u64, 7, 10, 1_000_000, EXACT_INT] {
            w.out.clear();
            w.write_u64(v);
            assert_eq!(String::from_utf8(w.out.clone()).unwrap(), v.to_string());
        }
    }
}

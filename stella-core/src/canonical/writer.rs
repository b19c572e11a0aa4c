//! The output side shared by both canonicalizers: RFC 8785 string escaping, ECMAScript number
//! formatting, and objects whose members are sorted by UTF-16 code units when they close.

use std::cmp::Ordering;

use crate::error::JsonError;

/// Largest integer magnitude every IEEE-754 double represents exactly (2^53).
const EXACT_INT: u64 = 1 << 53;

/// The raw (unescaped) key of a member: borrowed from the input or a `&'static` field name, or
/// held in the writer's key arena (map keys built by `serde`, keys that had escapes).
#[derive(Clone, Copy)]
pub(crate) enum Key<'k> {
    Borrowed(&'k str),
    Arena { start: usize, end: usize },
}

/// One member of an object being written: its raw key and the byte range of `"key":value`.
struct Entry<'k> {
    key: Key<'k>,
    start: usize,
    end: usize,
    /// Input offset of the key, for error messages (0 when serializing a value).
    offset: usize,
}

/// An object that has been opened and not yet closed.
pub(crate) struct ObjectFrame {
    start: usize,
    base: usize,
    key_base: usize,
}

/// Canonical JSON output buffer.
pub(crate) struct Writer<'k> {
    pub(crate) out: Vec<u8>,
    entries: Vec<Entry<'k>>,
    /// Keys that are not borrowed, for the objects currently open (a stack, like `entries`).
    pub(crate) keys: String,
    scratch: Vec<u8>,
}

fn resolve<'a>(keys: &'a str, key: &'a Key<'_>) -> &'a str {
    match key {
        Key::Borrowed(s) => s,
        Key::Arena { start, end } => keys.get(*start..*end).unwrap_or_default(),
    }
}

impl<'k> Writer<'k> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            out: Vec::with_capacity(capacity),
            entries: Vec::new(),
            keys: String::new(),
            scratch: Vec::new(),
        }
    }

    pub(crate) fn begin_object(&mut self) -> ObjectFrame {
        self.out.push(b'{');
        ObjectFrame {
            start: self.out.len(),
            base: self.entries.len(),
            key_base: self.keys.len(),
        }
    }

    /// Writes `"key":` (with a leading comma when needed) and returns the entry's index, to be
    /// passed to [`Self::end_member`] once the value is written.
    pub(crate) fn begin_member(
        &mut self,
        frame: &ObjectFrame,
        key: Key<'k>,
        offset: usize,
    ) -> usize {
        if self.entries.len() > frame.base {
            self.out.push(b',');
        }
        let start = self.out.len();
        write_escaped(&mut self.out, resolve(&self.keys, &key));
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
        let keys = self.keys.as_str();
        let members = self.entries.get_mut(frame.base..).unwrap_or_default();
        let mut sorted = true;
        for pair in members.windows(2) {
            if let [a, b] = pair {
                match cmp_utf16(resolve(keys, &a.key), resolve(keys, &b.key)) {
                    Ordering::Less => {}
                    Ordering::Equal => return Err(duplicate(keys, b)),
                    Ordering::Greater => sorted = false,
                }
            }
        }
        if !sorted {
            members
                .sort_unstable_by(|a, b| cmp_utf16(resolve(keys, &a.key), resolve(keys, &b.key)));
            for pair in members.windows(2) {
                if let [a, b] = pair
                    && resolve(keys, &a.key) == resolve(keys, &b.key)
                {
                    let later = if a.offset > b.offset { a } else { b };
                    return Err(duplicate(keys, later));
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
        self.keys.truncate(frame.key_base);
        self.out.push(b'}');
        Ok(())
    }

    /// Writes a string with exactly RFC 8785's escapes: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
    /// `\t`, other controls as `\u00xx` (lowercase hex), everything else as literal UTF-8.
    pub(crate) fn write_str(&mut self, s: &str) {
        write_escaped(&mut self.out, s);
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
            let mut buf = itoa::Buffer::new();
            self.out.extend_from_slice(buf.format(value).as_bytes());
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
                let mut buf = itoa::Buffer::new();
                self.out.extend_from_slice(buf.format(magnitude).as_bytes());
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

fn duplicate(keys: &str, entry: &Entry<'_>) -> JsonError {
    JsonError::DuplicateKey {
        key: resolve(keys, &entry.key).chars().take(80).collect(),
        offset: entry.offset,
    }
}

/// True for the bytes a JSON string cannot hold literally: controls, `"` and `\`.
#[inline]
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Position of the first byte in `bytes` that needs escaping, scanning eight bytes at a time
/// (SWAR: a word has a byte below 0x20, or equal to `"` or `\`, exactly when these masks fire).
#[inline]
fn first_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let below_space = x.wrapping_sub(ONES * 0x20) & !x;
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        let hits = (below_space
            | (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash))
            & HIGH;
        if hits != 0 {
            // The masks can flag a byte after a true hit, never miss one: find it exactly.
            if let Some(i) = chunk.iter().position(|&b| needs_escape(b)) {
                return Some(base + i);
            }
        }
        base += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| needs_escape(b))
        .map(|i| base + i)
}

/// Writes `s` as a JSON string with exactly RFC 8785's escapes: `\"`, `\\`, `\b`, `\f`, `\n`,
/// `\r`, `\t`, other controls as `\u00xx` (lowercase hex), everything else as literal UTF-8.
fn write_escaped(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let mut rest = s.as_bytes();
    while let Some(i) = first_escape(rest) {
        let (head, tail) = rest.split_at(i);
        out.extend_from_slice(head);
        let Some((&b, after)) = tail.split_first() else {
            break;
        };
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => {
                // A control character: `b < 0x20`, so the high nibble is 0 or 1.
                let low = b & 0xf;
                out.extend_from_slice(b"\\u00");
                out.push(b'0' + (b >> 4));
                out.push(if low < 10 {
                    b'0' + low
                } else {
                    b'a' + low - 10
                });
            }
        }
        rest = after;
    }
    out.extend_from_slice(rest);
    out.push(b'"');
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
    fn word_at_a_time_scan_matches_bytewise_scan() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for len in 0..200usize {
            for _ in 0..20 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        // Mostly printable, sometimes a byte that needs escaping or is high.
                        match state % 16 {
                            0 => b'"',
                            1 => b'\\',
                            2 => (state >> 8) as u8 % 0x20,
                            3 => 0x80 | (state >> 8) as u8,
                            _ => b'a' + (state >> 8) as u8 % 26,
                        }
                    })
                    .collect();
                assert_eq!(
                    first_escape(&bytes),
                    bytes.iter().position(|&b| needs_escape(b)),
                    "{bytes:?}"
                );
            }
        }
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

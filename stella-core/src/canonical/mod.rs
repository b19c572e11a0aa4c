//! RFC 8785 JSON Canonicalization Scheme (JCS), and a strict JSON parser.
//!
//! Canonical JSON is what every signature and content address over JSON in Stella Ops is taken
//! of, so two implementations must write it byte for byte alike:
//!
//! - object members sorted by the UTF-16 code units of their keys, with no duplicates;
//! - no whitespace;
//! - strings with only the escapes RFC 8785 §3.2.2.2 allows (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
//!   `\t`, other controls as `\u00xx`), everything else as literal UTF-8;
//! - numbers as IEEE-754 doubles printed the way ECMAScript's `Number.prototype.toString` does
//!   (via `ryu-js`). Integers beyond 2^53 therefore print as the double nearest to them, as in
//!   every RFC 8785 implementation; a value that must keep more precision belongs in a string.
//!
//! Two entry points produce it: [`to_canonical_vec`] from any `serde::Serialize` value (written
//! directly, no intermediate tree) and [`canonicalize`] from raw bytes. The raw path is also the
//! strict parser: it rejects what RFC 8259 forbids and what RFC 8785 cannot represent — duplicate
//! keys (parsers disagree on which one wins, a classic signature bypass), lone surrogate escapes,
//! numbers outside the double range, invalid UTF-8, a byte-order mark, trailing data — and input
//! deeper or larger than [`JsonLimits`]. [`from_slice_strict`] runs that check before handing the
//! bytes to `serde_json`, so typed parsing gets the same protection.
//!
//! ```
//! use stella_core::canonical;
//!
//! let raw = br#"{ "b": [1.0, 2e1, "\u00e9"], "a": -0 }"#;
//! assert_eq!(canonical::canonicalize(raw)?, r#"{"a":0,"b":[1,20,"é"]}"#.as_bytes());
//! assert!(canonical::canonicalize(br#"{"a":1,"a":2}"#).is_err());
//!
//! #[derive(serde::Serialize)]
//! struct Subject { name: &'static str, digest: u32 }
//! assert_eq!(
//!     canonical::to_canonical_vec(&Subject { name: "x", digest: 7 })?,
//!     br#"{"digest":7,"name":"x"}"#
//! );
//! # Ok::<(), stella_core::CoreError>(())
//! ```

mod parse;
mod ser;
mod writer;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{CoreError, JsonError};

/// Bounds on what the strict parser accepts.
///
/// ```
/// use stella_core::canonical::{canonicalize_with, JsonLimits};
///
/// let tight = JsonLimits { max_depth: 2, ..JsonLimits::default() };
/// assert!(canonicalize_with(b"[[1]]", &tight).is_ok());
/// assert!(canonicalize_with(b"[[[1]]]", &tight).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonLimits {
    /// Deepest nesting of arrays and objects. Default 128 (SBOMs, envelopes and VEX need well
    /// under 32). Values above [`JsonLimits::MAX_DEPTH_CAP`] are treated as the cap, because the
    /// parser recurses once per level.
    pub max_depth: usize,
    /// Largest input in bytes. Default 256 MiB.
    pub max_bytes: usize,
}

impl JsonLimits {
    /// The hard ceiling on `max_depth`, which keeps the parser's recursion well inside a 2 MiB
    /// thread stack.
    pub const MAX_DEPTH_CAP: usize = 1024;

    fn effective_max_depth(&self) -> usize {
        self.max_depth.min(Self::MAX_DEPTH_CAP)
    }
}

impl Default for JsonLimits {
    fn default() -> Self {
        Self {
            max_depth: 128,
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

/// Serializes `value` as RFC 8785 canonical JSON.
///
/// Fails on NaN or infinite floats, on map keys that are not strings (integers and chars are
/// turned into strings as `serde_json` does), on duplicate keys, and on errors the value's
/// `Serialize` implementation reports.
pub fn to_canonical_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CoreError> {
    let mut serializer = ser::Serializer {
        w: writer::Writer::with_capacity(256),
    };
    value.serialize(&mut serializer)?;
    Ok(serializer.w.out)
}

/// Serializes `value` as canonical JSON into a `String`.
pub fn to_canonical_string<T: Serialize + ?Sized>(value: &T) -> Result<String, CoreError> {
    let bytes = to_canonical_vec(value)?;
    // The writer emits only valid UTF-8: literal UTF-8 from `&str` values and ASCII otherwise.
    String::from_utf8(bytes).map_err(|e| {
        CoreError::Json(JsonError::Syntax {
            offset: e.utf8_error().valid_up_to(),
            reason: "invalid UTF-8",
        })
    })
}

/// Parses `bytes` strictly and returns their RFC 8785 canonical form, with default limits.
pub fn canonicalize(bytes: &[u8]) -> Result<Vec<u8>, CoreError> {
    canonicalize_with(bytes, &JsonLimits::default())
}

/// [`canonicalize`] with caller-chosen limits.
pub fn canonicalize_with(bytes: &[u8], limits: &JsonLimits) -> Result<Vec<u8>, CoreError> {
    let mut parser = parse::Parser::new(bytes, limits)?;
    let mut out = writer::Writer::with_capacity(bytes.len());
    parser.parse_document(&mut out)?;
    Ok(out.out)
}

/// Checks that `bytes` are strictly valid JSON within the default limits (see the module docs for
/// what strict rejects), without keeping the canonical form.
pub fn validate_strict(bytes: &[u8]) -> Result<(), CoreError> {
    canonicalize_with(bytes, &JsonLimits::default()).map(drop)
}

/// True when `bytes` are strictly valid JSON already in canonical form.
pub fn is_canonical(bytes: &[u8]) -> bool {
    ensure_canonical(bytes).is_ok()
}

/// Like [`is_canonical`], but says why not: a parse error, or the first differing byte.
pub fn ensure_canonical(bytes: &[u8]) -> Result<(), CoreError> {
    let canonical = canonicalize(bytes)?;
    if canonical == bytes {
        return Ok(());
    }
    let offset = canonical
        .iter()
        .zip(bytes)
        .position(|(a, b)| a != b)
        .unwrap_or(canonical.len().min(bytes.len()));
    Err(JsonError::NotCanonical { offset }.into())
}

/// Deserializes `bytes` into `T` after the strict check with default limits, so duplicate keys,
/// lone surrogates and out-of-range numbers are rejected before `serde_json` sees them.
pub fn from_slice_strict<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CoreError> {
    from_slice_strict_with(bytes, &JsonLimits::default())
}

/// [`from_slice_strict`] with caller-chosen limits.
pub fn from_slice_strict_with<T: DeserializeOwned>(
    bytes: &[u8],
    limits: &JsonLimits,
) -> Result<T, CoreError> {
    canonicalize_with(bytes, limits)?;
    serde_json::from_slice(bytes).map_err(|e| {
        CoreError::Json(JsonError::Serde {
            message: e.to_string(),
        })
    })
}

#[cfg(test)]
mod tests;

//! OLPC canonical JSON as securesystemslib's `encode_canonical` writes it — the bytes TUF
//! signatures cover. Not RFC 8785 (stella-core's writer): object keys are sorted by code point,
//! no whitespace, strings escape only `"` and `\` (every other character, control characters
//! and non-ASCII included, is written as is, UTF-8), integers are written in decimal, and
//! floating-point numbers are refused (securesystemslib raises on them).

use serde_json::Value;

use super::TufError;

/// The OLPC canonical form of `value`.
///
/// ```
/// use stella_attest::tuf::encode_canonical;
///
/// let value = serde_json::json!({"b": [1, true, null], "a": "x\"\\\n"});
/// assert_eq!(encode_canonical(&value)?, b"{\"a\":\"x\\\"\\\\\n\",\"b\":[1,true,null]}");
/// # Ok::<(), stella_attest::tuf::TufError>(())
/// ```
pub fn encode_canonical(value: &Value) -> Result<Vec<u8>, TufError> {
    let mut out = Vec::with_capacity(256);
    write(value, &mut out)?;
    Ok(out)
}

fn write(value: &Value, out: &mut Vec<u8>) -> Result<(), TufError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.extend_from_slice(i.to_string().as_bytes());
            } else if let Some(u) = n.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else {
                return Err(TufError::NotCanonicalizable {
                    reason: "a floating-point number (OLPC canonical JSON has integers only)",
                });
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // Sort explicitly: serde_json's map may preserve insertion order when another crate
            // in the build turns on `preserve_order`. Byte order of UTF-8 is code point order,
            // which is how Python sorts `str` keys.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write(item, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for b in s.bytes() {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_refused_and_big_integers_written() {
        assert!(encode_canonical(&serde_json::json!({"a": 1.5})).is_err());
        assert_eq!(
            encode_canonical(&serde_json::json!([u64::MAX, i64::MIN])).unwrap(),
            format!("[{},{}]", u64::MAX, i64::MIN).into_bytes()
        );
    }
}

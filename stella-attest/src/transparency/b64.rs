//! Standard base64 (RFC 4648 §4, padded), as C2SP notes, Rekor and proto3 JSON use it. On input
//! `\r` and `\n` are ignored wherever they are, as Go's `encoding/base64` and Python's
//! `base64.b64decode` ignore them (bodies written with line breaks by those clients); nothing
//! else outside the alphabet is.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::TransparencyError;

/// Encodes with padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes padded standard base64; `field` names the input in the error.
pub(crate) fn decode(text: &str, field: &'static str) -> Result<Vec<u8>, TransparencyError> {
    STANDARD
        .decode(crate::dsse::strip_line_breaks(text).as_bytes())
        .map_err(|_| TransparencyError::Base64 { field })
}

/// Decodes a 32-byte hash.
pub(crate) fn decode_hash(
    text: &str,
    field: &'static str,
) -> Result<stella_core::MerkleHash, TransparencyError> {
    let bytes = decode(text, field)?;
    let arr: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| TransparencyError::HashLength {
            field,
            length: bytes.len(),
        })?;
    Ok(stella_core::MerkleHash(arr))
}

/// Serde adapter for `bytes` fields in proto3 JSON (standard base64; the proto3 JSON mapping
/// also accepts URL-safe and unpadded forms on input, so those are accepted too).
pub(crate) mod serde_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn decode_lenient(text: &str) -> Option<Vec<u8>> {
        let text = crate::dsse::strip_line_breaks(text);
        let text = text.as_ref();
        STANDARD
            .decode(text)
            .or_else(|_| STANDARD_NO_PAD.decode(text))
            .or_else(|_| URL_SAFE.decode(text))
            .or_else(|_| URL_SAFE_NO_PAD.decode(text))
            .ok()
    }

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        decode_lenient(&text).ok_or_else(|| serde::de::Error::custom("invalid base64"))
    }

    /// For `repeated bytes`.
    pub(crate) mod list {
        use serde::ser::SerializeSeq;
        use serde::{Deserialize, Deserializer, Serializer};

        pub(crate) fn serialize<S: Serializer>(items: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(items.len()))?;
            for item in items {
                seq.serialize_element(&base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    item,
                ))?;
            }
            seq.end()
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Vec<Vec<u8>>, D::Error> {
            let texts = Vec::<String>::deserialize(d)?;
            texts
                .iter()
                .map(|t| {
                    super::decode_lenient(t)
                        .ok_or_else(|| serde::de::Error::custom("invalid base64"))
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    /// Go's `encoding/base64` StdEncoding and Python's `base64.b64decode` on the same inputs
    /// (tests/interop/base64/oracle.sh): accepted by both ⇒ accepted here with the same bytes,
    /// refused by either ⇒ refused here. One deliberate exception: `YR==` (non-zero bits after
    /// the last byte), which both decode and no encoder writes.
    #[test]
    fn accepts_exactly_what_go_and_python_both_accept() {
        let oracle: Vec<serde_json::Value> =
            serde_json::from_str(include_str!("../../tests/data/base64_oracle.json")).unwrap();
        assert!(oracle.len() >= 30);
        let mut both = 0;
        for case in oracle {
            let input = case["input"].as_str().unwrap();
            let got = super::decode(input, "test").ok().map(hex::encode);
            let agreed = match (case["go"].as_str(), case["python"].as_str()) {
                (Some(g), Some(p)) if g == p => Some(g.to_owned()),
                _ => None,
            };
            if input == "YR==" {
                assert!(agreed.is_some() && got.is_none());
                continue;
            }
            both += usize::from(agreed.is_some());
            assert_eq!(got, agreed, "{input:?}");
            // The proto3 `bytes` reader is as lenient on line breaks.
            if agreed.is_some() {
                assert_eq!(
                    super::serde_bytes::decode_lenient(input).map(hex::encode),
                    agreed
                );
            }
        }
        assert!(both >= 15);
    }
}

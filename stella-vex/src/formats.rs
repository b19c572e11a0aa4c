//! Which VEX format a document is, and reading or writing any of them as OpenVEX: OpenVEX
//! (v0.2.0, or older shapes read as go-vex reads them), CSAF 2.0 ([`crate::import_csaf`]),
//! CycloneDX 1.4–1.6 VEX ([`crate::from_cyclonedx`]) and SPDX 3.0.1 VEX ([`crate::spdx`]).

use std::fmt;

use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};

use crate::compat::Upgrade;
use crate::csaf::{CsafOptions, import_csaf};
use crate::cyclonedx::{from_cyclonedx, to_cyclonedx};
use crate::error::VexError;
use crate::model::Document;

/// A VEX format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VexFormat {
    /// OpenVEX.
    OpenVex,
    /// CSAF 2.0 (read only).
    Csaf,
    /// CycloneDX VEX.
    CycloneDx,
    /// SPDX 3.0.1 security-profile VEX.
    Spdx3,
}

impl VexFormat {
    /// The name used on the command line (`openvex`, `csaf`, `cyclonedx`, `spdx3`).
    pub fn as_str(&self) -> &'static str {
        match self {
            VexFormat::OpenVex => "openvex",
            VexFormat::Csaf => "csaf",
            VexFormat::CycloneDx => "cyclonedx",
            VexFormat::Spdx3 => "spdx3",
        }
    }

    /// Parses a command-line name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::OpenVex, Self::Csaf, Self::CycloneDx, Self::Spdx3]
            .into_iter()
            .find(|f| f.as_str() == name)
    }
}

impl fmt::Display for VexFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tells the format by the top-level keys alone (values are skipped, not kept): `bomFormat` is
/// CycloneDX, `document` with `product_tree` or `vulnerabilities` is CSAF, `@graph` is SPDX 3;
/// anything else (including what is not a JSON object) is read as OpenVEX, whose parser then
/// says what is wrong.
///
/// ```
/// use stella_vex::{VexFormat, detect_format};
///
/// assert_eq!(detect_format(br#"{"bomFormat":"CycloneDX"}"#), VexFormat::CycloneDx);
/// assert_eq!(detect_format(br#"{"document":{},"vulnerabilities":[]}"#), VexFormat::Csaf);
/// assert_eq!(detect_format(br#"{"@context":"https://openvex.dev/ns/v0.2.0"}"#), VexFormat::OpenVex);
/// ```
pub fn detect_format(bytes: &[u8]) -> VexFormat {
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = [bool; 5];
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut seen = [false; 5];
            let names = [
                "bomFormat",
                "document",
                "product_tree",
                "vulnerabilities",
                "@graph",
            ];
            while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if let Some(slot) = names
                    .iter()
                    .position(|n| *n == k)
                    .and_then(|i| seen.get_mut(i))
                {
                    *slot = true;
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(seen)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match de.deserialize_map(Keys) {
        Ok([true, ..]) => VexFormat::CycloneDx,
        Ok([_, true, tree, vulns, _]) if tree || vulns => VexFormat::Csaf,
        Ok([.., true]) => VexFormat::Spdx3,
        _ => VexFormat::OpenVex,
    }
}

/// Reads VEX in any supported format as OpenVEX, with the upgrades assumed and the format
/// found.
pub fn read_any(bytes: &[u8]) -> Result<(Document, Vec<Upgrade>, VexFormat), VexError> {
    let format = detect_format(bytes);
    let (doc, upgrades) = match format {
        VexFormat::OpenVex => Document::parse_compat(bytes)?,
        VexFormat::Csaf => (
            import_csaf(bytes, &CsafOptions::default())?.document,
            Vec::new(),
        ),
        VexFormat::CycloneDx => from_cyclonedx(bytes)?,
        VexFormat::Spdx3 => {
            let value: serde_json::Value = stella_core::canonical::from_slice_strict_with(
                bytes,
                &crate::model::ParseOptions::default().json,
            )
            .map_err(|source| VexError::Json {
                what: "SPDX 3 document",
                source,
            })?;
            (crate::spdx::from_spdx(&value)?, Vec::new())
        }
    };
    Ok((doc, upgrades, format))
}

/// Writes an OpenVEX document in `format`. CSAF output is not built: a typed
/// [`VexError::Unsupported`] says so.
pub fn write_as(doc: &Document, format: VexFormat) -> Result<Vec<u8>, VexError> {
    match format {
        VexFormat::OpenVex => doc.to_json(),
        VexFormat::CycloneDx => to_cyclonedx(doc),
        VexFormat::Spdx3 => {
            let mut out = serde_json::to_vec_pretty(&crate::spdx::to_spdx(doc)).map_err(|e| {
                VexError::Shape {
                    what: "SPDX 3 document",
                    message: e.to_string(),
                }
            })?;
            out.push(b'\n');
            Ok(out)
        }
        VexFormat::Csaf => Err(VexError::Unsupported {
            what: "writing CSAF (Stella reads CSAF 2.0; it writes OpenVEX, CycloneDX and SPDX 3 VEX)",
        }),
    }
}

/// The elements of the array at `key` of a JSON object (none when it is missing or not an
/// array): how the importers walk the lists of untrusted documents.
pub(crate) fn items<'a>(
    v: &'a serde_json::Value,
    key: &str,
) -> std::slice::Iter<'a, serde_json::Value> {
    v.get(key)
        .and_then(serde_json::Value::as_array)
        .map_or([].iter(), |a| a.iter())
}

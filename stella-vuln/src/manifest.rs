//! Scan manifests and replay.
//!
//! A manifest pins what a scan's result depends on — image digest, SBOM digest, scanner
//! version, DB snapshot digest and date, config hash — plus the digest of the result bytes.
//! Replaying reruns the scan with the same inputs and either proves the bytes identical or
//! reports the first difference. A snapshot whose digest differs from the pin is refused
//! before anything runs ([`ScanManifest::check_snapshot`]).

use serde::{Deserialize, Serialize};
use stella_core::Digest;

use crate::error::{ManifestProblem, VulnError};
use crate::report::{OutputFormat, SCANNER_NAME, SCANNER_VERSION};
use crate::snapshot::Snapshot;

/// The manifest's format id.
pub const MANIFEST_FORMAT: &str = "stella-ops/scan-manifest@v1";

/// The scan configuration that can change the result; its canonical JSON's digest is the
/// config hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanConfig {
    /// The output format.
    pub format: OutputFormat,
}

impl ScanConfig {
    /// SHA-256 of the configuration's canonical JSON.
    pub fn hash(&self) -> Result<Digest, VulnError> {
        stella_core::canonical::to_canonical_vec(self)
            .map(|b| Digest::of(&b))
            .map_err(|e| VulnError::Manifest {
                reason: ManifestProblem::Canonical(e),
            })
    }
}

/// Where the inputs were found (hints for `stella replay`; the digests are what is pinned).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputLocations {
    /// The image as given.
    pub image: Option<String>,
    /// The SBOM file as given.
    pub sbom: Option<String>,
    /// The snapshot file as given.
    pub db: Option<String>,
    /// The result file as written.
    pub result: Option<String>,
}

/// A scan manifest.
///
/// ```
/// use stella_core::Digest;
/// use stella_vuln::manifest::{ScanConfig, ScanManifest};
/// use stella_vuln::report::OutputFormat;
/// let cfg = ScanConfig { format: OutputFormat::Json };
/// let m = ScanManifest::new(None, Some(Digest::of(b"sbom")), Digest::of(b"db"),
///     "2024-06-01T00:00:00Z".into(), &cfg, b"result", Default::default()).unwrap();
/// let again = ScanManifest::parse(&m.to_json().unwrap()).unwrap();
/// assert_eq!(again, m);
/// assert!(m.verify_result(b"result").is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanManifest {
    /// [`MANIFEST_FORMAT`].
    pub format: String,
    /// Scanner name.
    pub scanner: String,
    /// Scanner version.
    pub scanner_version: String,
    /// Image manifest digest.
    pub image_digest: Option<Digest>,
    /// SBOM digest.
    pub sbom_digest: Option<Digest>,
    /// Snapshot digest.
    pub db_digest: Digest,
    /// Snapshot date.
    pub db_date: String,
    /// The configuration.
    pub config: ScanConfig,
    /// Its hash.
    pub config_hash: Digest,
    /// Digest of the result bytes.
    pub result_digest: Digest,
    /// Input locations (not pinned).
    pub inputs: InputLocations,
}

/// Where two results first differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    /// Byte offset.
    pub offset: u64,
    /// 1-based line.
    pub line: u64,
    /// Up to 80 bytes of the expected result from the offset (lossy UTF-8).
    pub expected: String,
    /// Up to 80 bytes of the actual result from the offset.
    pub actual: String,
}

/// The first difference between two byte strings, `None` when equal.
pub fn first_difference(expected: &[u8], actual: &[u8]) -> Option<Difference> {
    let offset = expected
        .iter()
        .zip(actual)
        .position(|(a, b)| a != b)
        .or_else(|| (expected.len() != actual.len()).then(|| expected.len().min(actual.len())))?;
    let line = 1 + expected
        .get(..offset)
        .unwrap_or(&[])
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64;
    let excerpt = |b: &[u8]| {
        let end = (offset + 80).min(b.len());
        String::from_utf8_lossy(b.get(offset.min(b.len())..end).unwrap_or(&[])).into_owned()
    };
    Some(Difference {
        offset: offset as u64,
        line,
        expected: excerpt(expected),
        actual: excerpt(actual),
    })
}

impl ScanManifest {
    /// A manifest for a finished scan.
    pub fn new(
        image_digest: Option<Digest>,
        sbom_digest: Option<Digest>,
        db_digest: Digest,
        db_date: String,
        config: &ScanConfig,
        result: &[u8],
        inputs: InputLocations,
    ) -> Result<Self, VulnError> {
        Ok(Self {
            format: MANIFEST_FORMAT.to_owned(),
            scanner: SCANNER_NAME.to_owned(),
            scanner_version: SCANNER_VERSION.to_owned(),
            image_digest,
            sbom_digest,
            db_digest,
            db_date,
            config: config.clone(),
            config_hash: config.hash()?,
            result_digest: Digest::of(result),
            inputs,
        })
    }

    /// Canonical JSON.
    pub fn to_json(&self) -> Result<Vec<u8>, VulnError> {
        stella_core::canonical::to_canonical_vec(self).map_err(|e| VulnError::Manifest {
            reason: ManifestProblem::Canonical(e),
        })
    }

    /// Parses and checks a manifest (format, config hash).
    pub fn parse(bytes: &[u8]) -> Result<Self, VulnError> {
        let m: Self = serde_json::from_slice(bytes).map_err(|e| VulnError::Manifest {
            reason: ManifestProblem::Json(e),
        })?;
        if m.format != MANIFEST_FORMAT {
            return Err(VulnError::Manifest {
                reason: ManifestProblem::UnknownFormat { format: m.format },
            });
        }
        if m.config.hash()? != m.config_hash {
            return Err(VulnError::Manifest {
                reason: ManifestProblem::ConfigHashMismatch,
            });
        }
        Ok(m)
    }

    /// Refuses a snapshot that is not the pinned one.
    pub fn check_snapshot(&self, snapshot: &Snapshot) -> Result<(), VulnError> {
        if snapshot.digest() != self.db_digest {
            return Err(VulnError::SnapshotPin {
                pinned: self.db_digest.to_string(),
                actual: snapshot.digest().to_string(),
            });
        }
        Ok(())
    }

    /// Checks replayed result bytes against the pinned result digest.
    pub fn verify_result(&self, result: &[u8]) -> Result<(), Digest> {
        let d = Digest::of(result);
        if d == self.result_digest {
            Ok(())
        } else {
            Err(d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_are_located() {
        assert_eq!(first_difference(b"abc", b"abc"), None);
        let d = first_difference(b"a\nbc", b"a\nbd").unwrap();
        assert_eq!((d.offset, d.line), (3, 2));
        assert_eq!((d.expected.as_str(), d.actual.as_str()), ("c", "d"));
        let d = first_difference(b"abc", b"abcd").unwrap();
        assert_eq!(d.offset, 3);
    }

    #[test]
    fn tampered_config_is_refused() {
        let cfg = ScanConfig {
            format: OutputFormat::Json,
        };
        let m = ScanManifest::new(
            None,
            None,
            Digest::of(b"db"),
            "2024-01-01T00:00:00Z".into(),
            &cfg,
            b"r",
            InputLocations::default(),
        )
        .unwrap();
        let text = String::from_utf8(m.to_json().unwrap()).unwrap();
        let bad = text.replace("\"json\"", "\"sarif\"");
        assert!(ScanManifest::parse(bad.as_bytes()).is_err());
        assert!(m.verify_result(b"x").is_err());
    }
}

//! Reading back what one run of the pipeline left in a store, for `stella report`: the run
//! report (`stella run --json`) and the artifacts it lists, by digest.
//!
//! With a run report file, its artifact list names the blobs to read. Without one, the last
//! complete run in the store's audit log (its `sbom` … `decision` records) is turned back into
//! a run report: every artifact the audit records name (SBOMs, envelopes, findings, SARIF,
//! OpenVEX, gate input, decision record). The audit log does not record the log receipts'
//! digests, so a report built from it shows the receipts as missing; pass the run report for
//! them.
//!
//! ```
//! use stella::run_record::{LoadRunError, load_run};
//!
//! let dir = tempfile::tempdir()?;
//! assert!(matches!(load_run(dir.path(), None), Err(LoadRunError::NoRun { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use stella_core::{BlobStore, CoreError, Digest};

use crate::files::{MAX_INPUT_BYTES, read_regular, read_regular_no_follow};
use crate::store::{AuditError, AuditLog, AuditRecord, FsBlobStore};

/// A run read back from a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedRun {
    /// The run report as JSON (the file given, or one rebuilt from the audit log).
    pub run_report: Vec<u8>,
    /// The artifacts the report lists that the store holds, by digest (`sha256:<hex>`). A blob
    /// whose bytes no longer match its digest is included as read, so the report shows it as
    /// failed rather than missing.
    pub blobs: BTreeMap<String, Vec<u8>>,
}

/// Why a run could not be read back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadRunError {
    /// The run report file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The run report is not JSON with an `artifacts` list.
    #[error("{path}: not a run report: {reason}")]
    NotARunReport {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The store's blobs or audit log could not be opened.
    #[error("{store}: {reason}")]
    Store {
        /// The store directory.
        store: PathBuf,
        /// Why.
        reason: String,
    },
    /// The audit log holds no complete run (`sbom` through `decision`).
    #[error("{store}: the audit log holds no complete run (sbom … decision records)")]
    NoRun {
        /// The store directory.
        store: PathBuf,
    },
}

#[derive(Deserialize)]
struct Listed {
    artifacts: Vec<ListedArtifact>,
}

#[derive(Deserialize)]
struct ListedArtifact {
    digest: String,
}

/// Reads the run of `run_report` (a `stella run --json` file) from the store at `store`, or,
/// without one, the last complete run of the store's audit log.
pub fn load_run(store: &Path, run_report: Option<&Path>) -> Result<LoadedRun, LoadRunError> {
    let store_err = |reason: String| LoadRunError::Store {
        store: store.to_owned(),
        reason,
    };
    let run_report = match run_report {
        Some(path) => read_regular(path, MAX_INPUT_BYTES).map_err(|source| LoadRunError::Read {
            path: path.to_owned(),
            source,
        })?,
        None => {
            if !store.join("audit").is_dir() {
                return Err(LoadRunError::NoRun {
                    store: store.to_owned(),
                });
            }
            let audit = AuditLog::open(store).map_err(|e: AuditError| store_err(e.to_string()))?;
            from_audit(audit.records()).ok_or_else(|| LoadRunError::NoRun {
                store: store.to_owned(),
            })?
        }
    };
    let listed: Listed =
        serde_json::from_slice(&run_report).map_err(|e| LoadRunError::NotARunReport {
            path: PathBuf::from("run report"),
            reason: e.to_string(),
        })?;
    let blobs_store = FsBlobStore::open(store).map_err(|e| store_err(e.to_string()))?;
    let mut blobs = BTreeMap::new();
    for a in listed.artifacts {
        let Ok(digest) = Digest::parse(&a.digest) else {
            continue;
        };
        match blobs_store.get(&digest) {
            Ok(bytes) => {
                blobs.insert(a.digest, bytes);
            }
            // Changed on disk: hand over what is there, so the report says so.
            Err(CoreError::DigestMismatch { .. }) => {
                if let Ok(bytes) =
                    read_regular_no_follow(&blobs_store.path_of(&digest), MAX_INPUT_BYTES)
                {
                    blobs.insert(a.digest, bytes);
                }
            }
            Err(_) => {}
        }
    }
    Ok(LoadedRun { run_report, blobs })
}

/// The run report of the last complete run in `records`, rebuilt from what its audit records
/// name.
fn from_audit(records: &[AuditRecord]) -> Option<Vec<u8>> {
    let end = records.iter().rposition(|r| r.kind == "decision")?;
    let start = records.get(..end)?.iter().rposition(|r| r.kind == "sbom")?;
    let run = records.get(start..=end)?;
    let mut artifacts: Vec<(&str, &str)> = Vec::new();
    let mut attests = 0;
    let get = |r: &'_ AuditRecord, key: &str| r.result.get(key).cloned();
    let mut owned: Vec<(&'static str, String)> = Vec::new();
    for r in run {
        match r.kind.as_str() {
            "sbom" => {
                owned.extend(get(r, "cyclonedx").map(|d| ("sbom-cyclonedx", d)));
                owned.extend(get(r, "spdx").map(|d| ("sbom-spdx", d)));
            }
            "attest" => {
                let kind = if attests == 0 {
                    "sbom-cyclonedx-attestation"
                } else {
                    "sbom-spdx-attestation"
                };
                attests += 1;
                owned.extend(get(r, "envelope").map(|d| (kind, d)));
            }
            "scan" => {
                owned.extend(get(r, "findings").map(|d| ("findings", d)));
                owned.extend(get(r, "sarif").map(|d| ("sarif", d)));
                owned.extend(get(r, "attestation").map(|d| ("scan-attestation", d)));
            }
            "vex" => {
                owned.extend(
                    get(r, "openvex")
                        .filter(|d| d.starts_with("sha256:"))
                        .map(|d| ("openvex", d)),
                );
            }
            "decision" => {
                owned.extend(r.inputs.get("input").cloned().map(|d| ("gate-input", d)));
                owned.extend(get(r, "record").map(|d| ("decision-record", d)));
                owned.extend(get(r, "envelope").map(|d| ("decision-attestation", d)));
            }
            _ => {}
        }
    }
    artifacts.extend(owned.iter().map(|(k, d)| (*k, d.as_str())));
    let first = run.first()?;
    let report = serde_json::json!({
        "image_digest": first.inputs.get("image")?,
        "image_name": first.inputs.get("name").cloned().unwrap_or_default(),
        "artifacts": artifacts
            .iter()
            .map(|(kind, digest)| serde_json::json!({"kind": kind, "digest": digest}))
            .collect::<Vec<_>>(),
        "source": "audit log",
    });
    serde_json::to_vec(&report).ok()
}

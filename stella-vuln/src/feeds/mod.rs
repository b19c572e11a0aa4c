//! Feed importers: the published vulnerability feeds beyond single OSV documents, each read
//! into the one internal model (OSV records, [`crate::osv::OsvRecord`]) that the snapshot
//! stores and the matcher reads.
//!
//! | feed | [`FeedKind`] | module | published at |
//! |---|---|---|---|
//! | osv.dev per-ecosystem export (`<Ecosystem>/all.zip`: one OSV JSON per record) | `osv` | [`osv_zip`] | `https://osv-vulnerabilities.storage.googleapis.com/<Ecosystem>/all.zip` |
//! | GitHub Advisory Database (OSV tree `advisories/github-reviewed/YYYY/MM/GHSA-…/GHSA-….json`) | `ghsa` | [`ghsa`] | `https://github.com/github/advisory-database` |
//! | Debian Security Tracker JSON | `debian` | [`debian`] | `https://security-tracker.debian.org/tracker/data/json` |
//! | Alpine secdb (`secfixes` per branch and repository) | `alpine` | [`alpine`] | `https://secdb.alpinelinux.org/<branch>/<repo>.json` |
//! | CSAF 2.0 VEX / advisories (Red Hat, SUSE, …) | `csaf` | [`csaf`] | provider metadata, e.g. `https://security.access.redhat.com/data/csaf/v2/provider-metadata.json` |
//!
//! Every importer is pure (bytes in, records out), bounded ([`FeedLimits`]) and returns a typed
//! [`FeedError`]. Records go into a [`FeedRecords`] set, which merges the records several files
//! of one feed give under one id (the same CVE fixed on two Alpine branches is one record with
//! two `affected` entries), validates each record as the OSV importer does, and counts what was
//! skipped and why ([`FeedStats`]).
//!
//! ```
//! use stella_vuln::feeds::{FeedLimits, FeedRecords, alpine};
//! let secdb = br#"{"distroversion":"v3.20","reponame":"main","packages":[
//!   {"pkg":{"name":"openssl","secfixes":{"3.3.2-r0":["CVE-2024-6119"],"0":["CVE-2023-1"]}}}]}"#;
//! let mut set = FeedRecords::new();
//! alpine::import("v3.20/main.json", secdb, "2024-09-01T00:00:00Z", &FeedLimits::default(), &mut set)?;
//! let recs = set.into_records()?;
//! assert_eq!(recs.len(), 1);
//! assert_eq!(recs[0].id, "ALPINE-CVE-2024-6119");
//! assert_eq!(recs[0].affected[0].package.as_ref().unwrap().ecosystem, "Alpine:v3.20");
//! # Ok::<(), stella_vuln::feeds::FeedError>(())
//! ```

pub mod alpine;
pub mod csaf;
pub mod debian;
pub mod ghsa;
pub mod osv_zip;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::VulnError;
use crate::osv::{Affected, OsvRecord};

/// Which published feed a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedKind {
    /// OSV documents, directories of them or an osv.dev `all.zip` export.
    Osv,
    /// The GitHub Advisory Database's OSV tree.
    Ghsa,
    /// The Debian Security Tracker JSON.
    Debian,
    /// An Alpine secdb file.
    Alpine,
    /// CSAF 2.0 documents (VEX or advisories).
    Csaf,
}

impl FeedKind {
    /// Every kind, in order.
    pub const ALL: [FeedKind; 5] = [
        FeedKind::Osv,
        FeedKind::Ghsa,
        FeedKind::Debian,
        FeedKind::Alpine,
        FeedKind::Csaf,
    ];

    /// The name used on the command line and in snapshot manifests.
    pub fn name(self) -> &'static str {
        match self {
            FeedKind::Osv => "osv",
            FeedKind::Ghsa => "ghsa",
            FeedKind::Debian => "debian",
            FeedKind::Alpine => "alpine",
            FeedKind::Csaf => "csaf",
        }
    }

    /// The kind of a name ([`FeedKind::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl std::fmt::Display for FeedKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Bounds on feed input, checked before allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedLimits {
    /// Largest single feed file (Debian's tracker JSON is about 80 MB today). Default 512 MiB.
    pub max_document_bytes: u64,
    /// Most entries in one zip archive. Default 2,000,000.
    pub max_entries: u64,
    /// Most uncompressed bytes of one archive. Default 8 GiB.
    pub max_total_bytes: u64,
    /// Largest ratio of an archive entry's uncompressed to compressed size (zip bombs).
    /// Default 200 (OSV JSON deflates about 5:1).
    pub max_ratio: u64,
    /// Most records a feed set holds. Default 4,000,000.
    pub max_records: usize,
    /// Deepest JSON nesting accepted. Default 64.
    pub max_depth: usize,
}

impl Default for FeedLimits {
    fn default() -> Self {
        Self {
            max_document_bytes: 512 << 20,
            max_entries: 2_000_000,
            max_total_bytes: 8 << 30,
            max_ratio: 200,
            max_records: 4_000_000,
            max_depth: 64,
        }
    }
}

impl FeedLimits {
    pub(crate) fn json(&self) -> stella_core::canonical::JsonLimits {
        stella_core::canonical::JsonLimits {
            max_depth: self.max_depth,
            max_bytes: usize::try_from(self.max_document_bytes).unwrap_or(usize::MAX),
        }
    }

    pub(crate) fn check_size(&self, what: &'static str, len: usize) -> Result<(), FeedError> {
        if len as u64 > self.max_document_bytes {
            return Err(FeedError::TooLarge {
                what,
                limit: self.max_document_bytes,
            });
        }
        Ok(())
    }
}

/// Why a feed could not be imported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// A bound of [`FeedLimits`] was passed.
    #[error("{what} is over the limit of {limit}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// The document is not JSON (or YAML) of the feed's shape.
    #[error("{feed} document {source_name}: {message}")]
    Shape {
        /// The feed.
        feed: FeedKind,
        /// The document.
        source_name: String,
        /// What is wrong (the parser's message or ours).
        message: String,
    },
    /// The zip archive could not be read.
    #[error("{source_name}: zip: {source}")]
    Zip {
        /// The archive.
        source_name: String,
        /// The zip crate's error.
        source: zip::result::ZipError,
    },
    /// An archive entry inflates far more than its compressed size: a zip bomb.
    #[error(
        "{source_name}!{entry}: {uncompressed} bytes from {compressed} compressed (ratio over {limit})"
    )]
    ZipBomb {
        /// The archive.
        source_name: String,
        /// The entry.
        entry: String,
        /// Stated or read uncompressed size.
        uncompressed: u64,
        /// Compressed size.
        compressed: u64,
        /// The ratio limit.
        limit: u64,
    },
    /// A file sits where the feed's published layout puts another (a GHSA file whose id is not
    /// its name, …).
    #[error("{path}: {reason}")]
    Layout {
        /// The path.
        path: String,
        /// What does not fit.
        reason: String,
    },
    /// A record made from the feed (or read from it) breaks the OSV rules.
    #[error(transparent)]
    Record(#[from] VulnError),
    /// The CSAF document could not be read (the VEX crate's CSAF reader).
    #[error("CSAF document {source_name}: {source}")]
    Csaf {
        /// The document.
        source_name: String,
        /// The VEX crate's error (boxed: it is large).
        source: Box<stella_vex::VexError>,
    },
}

/// What a feed import kept and skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedStats {
    /// Documents read.
    pub documents: u64,
    /// Statements (package × release × vulnerability) turned into `affected` entries.
    pub statements: u64,
    /// Statements saying a package was never affected (Debian `fixed_version` `0`, Alpine
    /// `"0"`, CSAF `known_not_affected`): no record matches them.
    pub not_affected: u64,
    /// Statements skipped, by reason (sorted).
    pub skipped: BTreeMap<String, u64>,
}

impl FeedStats {
    pub(crate) fn skip(&mut self, reason: impl Into<String>) {
        *self.skipped.entry(reason.into()).or_default() += 1;
    }
}

/// The records of one or more feed files, merged by id.
#[derive(Debug, Default)]
pub struct FeedRecords {
    records: BTreeMap<String, OsvRecord>,
    stats: FeedStats,
}

impl FeedRecords {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// What was kept and skipped so far.
    pub fn stats(&self) -> &FeedStats {
        &self.stats
    }

    pub(crate) fn stats_mut(&mut self) -> &mut FeedStats {
        &mut self.stats
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Adds a record; a record with an id already held is merged into it: its `affected`
    /// entries and aliases are added (each once), and the later `modified` is kept.
    pub fn add(&mut self, record: OsvRecord, limits: &FeedLimits) -> Result<(), FeedError> {
        if let Some(held) = self.records.get_mut(&record.id) {
            for a in record.affected {
                push_affected(&mut held.affected, a);
            }
            for alias in record.aliases {
                if !held.aliases.contains(&alias) {
                    held.aliases.push(alias);
                }
            }
            held.aliases.sort();
            if record.modified > held.modified {
                held.modified = record.modified;
            }
            return Ok(());
        }
        if self.records.len() >= limits.max_records {
            return Err(FeedError::TooLarge {
                what: "feed record count",
                limit: limits.max_records as u64,
            });
        }
        self.records.insert(record.id.clone(), record);
        Ok(())
    }

    /// The latest `modified` among the records held (RFC 3339 as written), if any parses.
    pub fn latest_modified(&self) -> Option<String> {
        self.records
            .values()
            .filter_map(|r| {
                stella_core::Timestamp::parse_rfc3339(&r.modified)
                    .ok()
                    .map(|t| (t.unix_nanos(), r.modified.clone()))
            })
            .max()
            .map(|(_, m)| m)
    }

    /// The records, sorted by id, each validated (an invalid record is an error naming it).
    pub fn into_records(self) -> Result<Vec<OsvRecord>, FeedError> {
        let mut out = Vec::with_capacity(self.records.len());
        for (id, r) in self.records {
            r.validate(&id)?;
            out.push(r);
        }
        Ok(out)
    }
}

/// Adds `a` unless an equal entry is there.
pub(crate) fn push_affected(list: &mut Vec<Affected>, a: Affected) {
    if !list.contains(&a) {
        list.push(a);
    }
}

/// Whether `s` looks like a vulnerability id (`CVE-2024-1`, `GHSA-…`, `XSA-248`,
/// `TEMP-0000000-1`): letters, a dash, then letters, digits, dashes, dots, colons or underscores.
pub(crate) fn is_vuln_id(s: &str) -> bool {
    let Some((prefix, rest)) = s.split_once('-') else {
        return false;
    };
    !prefix.is_empty()
        && prefix.chars().all(|c| c.is_ascii_uppercase())
        && !rest.is_empty()
        && s.len() <= 128
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vuln_ids() {
        for ok in [
            "CVE-2024-1",
            "XSA-252",
            "TEMP-0000000-1F2A",
            "GHSA-abcd-efgh-ijkl",
        ] {
            assert!(is_vuln_id(ok), "{ok}");
        }
        for bad in ["", "CVE", "-1", "CVE-", "C1-2", "CVE-1 XSA-2", "CVE-1/2"] {
            assert!(!is_vuln_id(bad), "{bad}");
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in FeedKind::ALL {
            assert_eq!(FeedKind::from_name(k.name()), Some(k));
        }
        assert_eq!(FeedKind::from_name("nvd"), None);
    }
}

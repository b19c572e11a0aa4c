//! The error type of `stella-vuln`.

/// What went wrong in vulnerability matching (this crate): OSV records, snapshots, version
/// ordering, severity vectors and scan manifests.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VulnError {
    /// An OSV document could not be parsed at all (not JSON/YAML, or not an OSV record).
    #[error("OSV document {source_name}: cannot parse: {reason}")]
    OsvParse {
        /// Where the document came from (file name inside the source).
        source_name: String,
        /// What was wrong.
        reason: String,
    },
    /// An OSV record broke the schema.
    #[error("OSV record {id} ({source_name}): {reason}")]
    OsvInvalid {
        /// The record's `id`.
        id: String,
        /// Where the record came from.
        source_name: String,
        /// What was wrong.
        reason: String,
    },
    /// A zip or tar archive of OSV records could not be read.
    #[error("OSV archive {source_name}: {reason}")]
    Archive {
        /// The archive.
        source_name: String,
        /// What was wrong.
        reason: String,
    },
    /// An input went over a configured limit.
    #[error("{what} exceeds the limit of {limit}")]
    Limit {
        /// What was too large.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// A snapshot file is malformed.
    #[error("vulnerability snapshot: {reason}")]
    Snapshot {
        /// What was wrong.
        reason: String,
    },
    /// A snapshot's bytes do not match the digest it carries (corruption or tampering).
    #[error("vulnerability snapshot digest mismatch: trailer says {stated}, content is {actual}")]
    SnapshotDigest {
        /// The digest written in the snapshot's trailer.
        stated: String,
        /// The digest of the content.
        actual: String,
    },
    /// A snapshot is not the one a scan manifest pins.
    #[error("vulnerability snapshot {actual} is not the pinned snapshot {pinned}")]
    SnapshotPin {
        /// The pinned snapshot digest.
        pinned: String,
        /// The digest of the snapshot given.
        actual: String,
    },
    /// No version ordering is known for an ecosystem.
    #[error("no version ordering for ecosystem {ecosystem:?}")]
    UnknownEcosystem {
        /// The ecosystem.
        ecosystem: String,
    },
    /// A version string does not parse under its ecosystem's rules.
    #[error("{ecosystem} version {version:?} does not parse: {reason}")]
    Version {
        /// The ecosystem.
        ecosystem: String,
        /// The version string.
        version: String,
        /// What was wrong.
        reason: String,
    },
    /// A CVSS vector does not parse.
    #[error("CVSS vector {vector:?}: {reason}")]
    Cvss {
        /// The vector.
        vector: String,
        /// What was wrong.
        reason: String,
    },
    /// A scan manifest is malformed.
    #[error("scan manifest: {reason}")]
    Manifest {
        /// What was wrong.
        reason: String,
    },
    /// Writing an output document failed.
    #[error("writing {format}: {reason}")]
    Write {
        /// The output format.
        format: &'static str,
        /// What went wrong.
        reason: String,
    },
}

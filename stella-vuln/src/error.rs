//! The error type of `stella-vuln`.
//!
//! Causes are typed where callers may branch on them: where our code picks the cause from a
//! fixed set (an OSV schema rule broken, a version longer than allowed, a manifest whose
//! config hash does not match, an unknown output format), the variant carries a
//! `#[non_exhaustive]` cause enum ([`OsvProblem`], [`ArchiveProblem`], [`VersionProblem`],
//! [`ManifestProblem`], [`WriteProblem`], [`SnapshotFault`]) whose `Display` is the message
//! text; match on the enum, never on the text. Where the text is another library's message
//! passed through (serde_json, serde_norway, zip, tar, flate2, cvss), the cause carries that
//! library's error type, or, where the type cannot be carried (several parsers meet in one
//! field, or the enum derives `Clone`/`PartialEq`), a `String` named for what it is
//! (`parser_message`, `inflater_message`): the underlying library's message, for people, not
//! for matching.

/// What went wrong in vulnerability matching (this crate): OSV records, snapshots, version
/// ordering, severity vectors and scan manifests.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VulnError {
    /// An OSV document could not be parsed at all (not JSON/YAML, or not an OSV record).
    #[error("OSV document {source_name}: cannot parse: {parser_message}")]
    OsvParse {
        /// Where the document came from (file name inside the source).
        source_name: String,
        /// The underlying parser's message (serde_json or serde_norway), for people, not for
        /// matching.
        parser_message: String,
    },
    /// An OSV record broke the schema.
    #[error("OSV record {id} ({source_name}): {reason}")]
    OsvInvalid {
        /// The record's `id`.
        id: String,
        /// Where the record came from.
        source_name: String,
        /// Which rule was broken.
        reason: OsvProblem,
    },
    /// A zip or tar archive of OSV records could not be read.
    #[error("OSV archive {source_name}: {reason}")]
    Archive {
        /// The archive.
        source_name: String,
        /// What was wrong.
        reason: ArchiveProblem,
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
    #[error("vulnerability snapshot: {fault}")]
    Snapshot {
        /// What is wrong with it.
        fault: SnapshotFault,
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
        reason: VersionProblem,
    },
    /// A CVSS vector does not parse.
    #[error("CVSS vector {vector:?}: {source}")]
    Cvss {
        /// The vector.
        vector: String,
        /// What the cvss parser reported.
        source: cvss::Error,
    },
    /// An NVD CVE document or record was refused (see [`crate::nvd`]).
    #[error("NVD document {source_name}: {reason}")]
    Nvd {
        /// Where the document came from.
        source_name: String,
        /// What was wrong.
        reason: crate::nvd::NvdProblem,
    },
    /// A scan manifest is malformed.
    #[error("scan manifest: {reason}")]
    Manifest {
        /// What was wrong.
        reason: ManifestProblem,
    },
    /// Writing an output document failed.
    #[error("writing {format}: {reason}")]
    Write {
        /// The output format.
        format: &'static str,
        /// What went wrong.
        reason: WriteProblem,
    },
}

/// What is wrong with a malformed snapshot file ([`VulnError::Snapshot`]). A snapshot's digest
/// covers its bytes, but anyone can write a snapshot with a valid digest, so each of these is
/// reachable by a crafted file; the text (`Display`) is the one error messages show.
///
/// ```
/// use stella_vuln::VulnError;
/// use stella_vuln::snapshot::Snapshot;
///
/// match Snapshot::load(vec![0u8; 8]) {
///     Err(VulnError::Snapshot { fault }) => {
///         assert_eq!(fault.to_string(), "not a Stella OSV snapshot (bad magic or too short)")
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotFault {
    /// The file does not start with the snapshot magic, or is shorter than magic and trailer.
    #[error("not a Stella OSV snapshot (bad magic or too short)")]
    NotASnapshot,
    /// The file ends inside the named section.
    #[error("truncated in {0}")]
    Truncated(&'static str),
    /// The named section's stated size does not fit in memory.
    #[error("{0} too large")]
    TooLarge(&'static str),
    /// The JSON header does not parse.
    #[error("header: {0}")]
    Header(String),
    /// The header names a format version this code does not read.
    #[error("unsupported format {0}")]
    UnsupportedFormat(u32),
    /// Bytes between the last section and the digest trailer.
    #[error("trailing bytes before the digest")]
    TrailingBytes,
    /// The header's record count is not the record table's.
    #[error("header record count differs from the record table")]
    RecordCountMismatch,
    /// An entry of the named table (a key, its string, a posting) points outside its table.
    #[error("{0} out of bounds")]
    OutOfBounds(&'static str),
    /// An entry of the named table cannot be read.
    #[error("{0}")]
    Unreadable(&'static str),
    /// A record or chunk index past its table.
    #[error("{what} {index} out of range")]
    OutOfRange {
        /// `record` or `chunk`.
        what: &'static str,
        /// The index asked for.
        index: u32,
    },
    /// A record's or chunk's stated bytes lie outside the data they point into.
    #[error("{what} {index} out of bounds")]
    EntryOutOfBounds {
        /// `record` or `chunk`.
        what: &'static str,
        /// The record or chunk index.
        index: u32,
    },
    /// A chunk states an inflated size over the chunk limit.
    #[error("chunk {chunk} states {stated} bytes (limit {limit})")]
    ChunkTooLarge {
        /// The chunk index.
        chunk: u32,
        /// The inflated size it states.
        stated: usize,
        /// The limit.
        limit: usize,
    },
    /// A chunk does not inflate (not a deflate stream).
    #[error("chunk {chunk}: {inflater_message}")]
    Inflate {
        /// The chunk index.
        chunk: u32,
        /// The inflater's (flate2) message, for people, not for matching.
        inflater_message: String,
    },
    /// A chunk inflates to another size than it states, or does not end where stated.
    #[error("chunk {chunk} does not inflate to its stated {stated} bytes")]
    InflatedSize {
        /// The chunk index.
        chunk: u32,
        /// The inflated size it states.
        stated: usize,
    },
    /// A record's JSON does not parse as an OSV record.
    #[error("record {index}: {parser_message}")]
    Record {
        /// The record index.
        index: u32,
        /// The JSON parser's (serde_json) message, for people, not for matching.
        parser_message: String,
    },
}

/// Which OSV schema rule a record broke ([`VulnError::OsvInvalid`]).
///
/// ```
/// use stella_vuln::{OsvProblem, VulnError};
/// let doc = br#"{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":
///   {"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1"}]}]}]}"#;
/// let record = stella_vuln::osv::parse_record("x.json", doc).unwrap();
/// match record.validate("x.json") {
///     Err(VulnError::OsvInvalid { reason: OsvProblem::Range { affected: 0, range: 0, problem }, .. }) => {
///         assert_eq!(problem.to_string(), "has no introduced event")
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OsvProblem {
    /// The `id` is empty, too long or has characters outside `[A-Za-z0-9-_.:]`.
    #[error("id {id:?} is not a valid OSV id")]
    InvalidId {
        /// The id.
        id: String,
    },
    /// A time field is not RFC 3339.
    #[error("{field} {value:?} is not an RFC 3339 time: {source}")]
    BadTime {
        /// `modified`, `published` or `withdrawn`.
        field: &'static str,
        /// The value.
        value: String,
        /// What the timestamp parser reported.
        source: stella_core::TimestampError,
    },
    /// A severity entry of a type the schema does not define.
    #[error("unknown severity type {kind:?}")]
    UnknownSeverityType {
        /// The type.
        kind: String,
    },
    /// A severity entry with an empty score.
    #[error("empty severity score")]
    EmptySeverityScore,
    /// An `affected[i].package` with an empty ecosystem or name.
    #[error("affected[{affected}].package has an empty ecosystem or name")]
    EmptyPackage {
        /// The index in `affected`.
        affected: usize,
    },
    /// An `affected[i]` with version (non-GIT) ranges but no package.
    #[error("affected[{affected}] has version ranges but no package")]
    RangesWithoutPackage {
        /// The index in `affected`.
        affected: usize,
    },
    /// A range of an `affected` entry broke a rule.
    #[error("affected[{affected}].ranges[{range}] {problem}")]
    Range {
        /// The index in `affected`.
        affected: usize,
        /// The index in its `ranges`.
        range: usize,
        /// Which rule.
        problem: OsvRangeProblem,
    },
}

/// Which rule an OSV range broke ([`OsvProblem::Range`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OsvRangeProblem {
    /// The range has no events.
    #[error("has no events")]
    NoEvents,
    /// The range has no `introduced` event.
    #[error("has no introduced event")]
    NoIntroduced,
    /// An event's version is empty.
    #[error("has an event with an empty version")]
    EmptyEventVersion,
    /// A GIT range without `repo`.
    #[error("is a GIT range without repo")]
    GitWithoutRepo,
    /// A `limit` event outside a GIT range.
    #[error("uses limit outside a GIT range")]
    LimitOutsideGit,
}

/// Why an archive of OSV records could not be read ([`VulnError::Archive`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveProblem {
    /// The zip reader refused the archive.
    #[error(transparent)]
    Zip(zip::result::ZipError),
    /// The zip reader cannot name an entry.
    #[error("entry {index}: {source}")]
    ZipEntryName {
        /// The entry's index.
        index: usize,
        /// What the zip reader reported.
        source: zip::result::ZipError,
    },
    /// The zip reader cannot open an entry.
    #[error("{name}: {source}")]
    ZipEntry {
        /// The entry's name.
        name: String,
        /// What the zip reader reported.
        source: zip::result::ZipError,
    },
    /// The tar reader (or the gzip decoder under it) failed.
    #[error(transparent)]
    Tar(std::io::Error),
    /// An entry's contents could not be read.
    #[error("{name}: {source}")]
    ReadEntry {
        /// The entry's name.
        name: String,
        /// What the reader reported.
        source: std::io::Error,
    },
}

/// Why a version string does not parse ([`VulnError::Version`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VersionProblem {
    /// The string is longer than any version is allowed to be.
    #[error("longer than {max} bytes")]
    TooLong {
        /// The most bytes allowed.
        max: usize,
    },
    /// Two versions of different schemes were compared.
    #[error("versions of different schemes")]
    DifferentSchemes,
    /// The ecosystem's version grammar refused it.
    #[error("{parser_message}")]
    Grammar {
        /// The ecosystem parser's message (ours or a library's, e.g. semver), for people,
        /// not for matching.
        parser_message: String,
    },
}

/// Why a scan manifest is refused or cannot be written ([`VulnError::Manifest`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestProblem {
    /// The manifest (or its config) could not be written as canonical JSON.
    #[error(transparent)]
    Canonical(stella_core::CoreError),
    /// The bytes do not parse as a manifest.
    #[error(transparent)]
    Json(serde_json::Error),
    /// The manifest names another format than this version reads.
    #[error("unknown format {format:?}")]
    UnknownFormat {
        /// The manifest's `format`.
        format: String,
    },
    /// The manifest's `config_hash` is not the hash of its `config`.
    #[error("config_hash does not match config")]
    ConfigHashMismatch,
}

/// Why an output document could not be written ([`VulnError::Write`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteProblem {
    /// JSON serialization failed.
    #[error(transparent)]
    Json(serde_json::Error),
    /// Canonical JSON serialization failed.
    #[error(transparent)]
    Canonical(stella_core::CoreError),
    /// The deflate encoder failed.
    #[error(transparent)]
    Deflate(std::io::Error),
    /// An output format name that is not one of `json`, `sarif`, `table`.
    #[error("unknown output format {name:?} (json, sarif, table)")]
    UnknownOutputFormat {
        /// The name given.
        name: String,
    },
}

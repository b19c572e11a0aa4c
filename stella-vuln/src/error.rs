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
    #[error("chunk {chunk}: {reason}")]
    Inflate {
        /// The chunk index.
        chunk: u32,
        /// The inflater's message.
        reason: String,
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
    #[error("record {index}: {reason}")]
    Record {
        /// The record index.
        index: u32,
        /// The JSON parser's message.
        reason: String,
    },
}

//! The error type of `stella-core`.

use crate::digest::Digest;

/// Everything that can go wrong in `stella-core` and in the traits it defines.
///
/// Variants carry structured fields so callers can match on them; messages name the input that
/// was wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A digest string was not `sha256:<64 lowercase hex>`.
    #[error(transparent)]
    Digest(#[from] DigestError),
    /// Bytes did not hash to the digest they were stored or named under.
    #[error("content does not match its digest: expected {expected}, got {actual}")]
    DigestMismatch {
        /// The digest the bytes were supposed to have.
        expected: Digest,
        /// The digest the bytes actually have.
        actual: Digest,
    },
    /// JSON could not be parsed strictly or canonicalized.
    #[error(transparent)]
    Json(#[from] JsonError),
    /// A blob store or image source does not hold this digest.
    #[error("{digest} not found")]
    NotFound {
        /// The digest that was asked for.
        digest: Digest,
    },
    /// A transparency log was asked about an index or size it does not have.
    #[error("log has no {what} {requested}: tree size is {tree_size}")]
    LogRange {
        /// Which argument was out of range (`index`, `tree size`, …).
        what: &'static str,
        /// The value asked for.
        requested: u64,
        /// The log's current size.
        tree_size: u64,
    },
    /// A signer (a local key, a KMS, an HSM) failed to sign.
    #[error("signer {key_id} failed: {source}")]
    Sign {
        /// The key id of the signer.
        key_id: String,
        /// What the signer reported.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A signature did not verify under the named key.
    #[error("signature does not verify under key {key_id}")]
    BadSignature {
        /// The key id of the verifier.
        key_id: String,
    },
    /// A size or count limit was exceeded.
    #[error("{limit} exceeded: {actual} > {max}")]
    LimitExceeded {
        /// Which limit.
        limit: &'static str,
        /// The configured maximum.
        max: u64,
        /// The value seen (may be a lower bound when counting stopped early).
        actual: u64,
    },
    /// An IO operation of a backend (filesystem store, archive reader, network) failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, and on what.
        context: String,
        /// The underlying IO error.
        source: std::io::Error,
    },
    /// Any other failure reported by a backend implementation of one of the traits.
    #[error("{backend}: {source}")]
    Backend {
        /// Which backend (e.g. `oci-layout`, `kms`).
        backend: &'static str,
        /// What it reported.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Why a digest string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DigestError {
    /// No `algorithm:` prefix.
    #[error("digest {input:?} has no algorithm prefix (expected sha256:<hex>)")]
    MissingAlgorithm {
        /// The input (truncated).
        input: String,
    },
    /// An algorithm other than `sha256` (case-sensitive).
    #[error("digest algorithm {algorithm:?} is not supported (only sha256)")]
    UnsupportedAlgorithm {
        /// The algorithm named (truncated).
        algorithm: String,
    },
    /// The hex part is not 64 characters long.
    #[error("sha256 digest {input:?} has {length} hex digits, expected 64")]
    WrongLength {
        /// The hex part (truncated).
        input: String,
        /// Its length in bytes.
        length: usize,
    },
    /// A character other than `0-9a-f`.
    #[error("sha256 digest {input:?} has a character other than lowercase hex at {position}")]
    InvalidHex {
        /// The hex part (truncated).
        input: String,
        /// Byte offset of the first bad character.
        position: usize,
    },
}

/// Why JSON was rejected by the strict parser or could not be canonicalized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// Not well-formed JSON (RFC 8259).
    #[error("invalid JSON at byte {offset}: {reason}")]
    Syntax {
        /// Byte offset of the problem.
        offset: usize,
        /// What was expected or found.
        reason: &'static str,
    },
    /// An object has the same key twice; parsers disagree on which one wins, so it is refused.
    #[error("duplicate object key {key:?} at byte {offset}")]
    DuplicateKey {
        /// The repeated key (truncated).
        key: String,
        /// Byte offset of the second occurrence (0 when serializing a value).
        offset: usize,
    },
    /// A `\uD800`–`\uDFFF` escape that is not part of a surrogate pair.
    #[error("lone surrogate escape at byte {offset}")]
    LoneSurrogate {
        /// Byte offset of the escape.
        offset: usize,
    },
    /// A number outside the IEEE-754 double range, or NaN / Infinity when serializing.
    #[error("number {literal:?} at byte {offset} is not a finite IEEE-754 double")]
    NumberOutOfRange {
        /// The literal (truncated), or the value's debug form when serializing.
        literal: String,
        /// Byte offset (0 when serializing a value).
        offset: usize,
    },
    /// Nesting deeper than the configured limit.
    #[error("JSON nested deeper than {max_depth} at byte {offset}")]
    TooDeep {
        /// Byte offset where the limit was crossed.
        offset: usize,
        /// The configured limit.
        max_depth: usize,
    },
    /// The input is longer than the configured limit.
    #[error("JSON input of {length} bytes exceeds the limit of {max_bytes}")]
    TooLarge {
        /// Input length.
        length: usize,
        /// The configured limit.
        max_bytes: usize,
    },
    /// A map key that is not a string (or a number or char serde can turn into one).
    #[error("object keys must be strings")]
    KeyMustBeString,
    /// Valid JSON that is not in RFC 8785 canonical form (from [`crate::canonical::ensure_canonical`]).
    #[error("JSON is not canonical (RFC 8785): first difference at byte {offset}")]
    NotCanonical {
        /// First byte where input and canonical form differ.
        offset: usize,
    },
    /// A `Serialize` or `Deserialize` implementation reported an error of its own.
    #[error("serde: {message}")]
    Serde {
        /// The implementation's message.
        message: String,
    },
}

//! [`TransparencyError`]: what can go wrong with proofs, checkpoints, logs, Rekor entries and
//! Sigstore bundles.

use stella_core::{CoreError, Digest, MerkleHash};

/// What can go wrong verifying or building transparency data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransparencyError {
    /// A proof or root was asked for, or given, for a tree of zero leaves.
    #[error("{what}: tree size 0 is not allowed")]
    EmptyTree {
        /// What was being computed or verified.
        what: &'static str,
    },
    /// A leaf index at or beyond the tree size.
    #[error("leaf index {index} is out of range for tree size {size}")]
    IndexOutOfRange {
        /// The index given.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A tree size beyond what a log or tree holds.
    #[error("tree size {requested} is beyond the current size {size}")]
    SizeBeyondTree {
        /// The size asked for.
        requested: u64,
        /// The current size.
        size: u64,
    },
    /// A consistency proof from a larger to a smaller tree.
    #[error("consistency proof from size {old_size} to smaller size {new_size}")]
    SizesOutOfOrder {
        /// The earlier size.
        old_size: u64,
        /// The later size.
        new_size: u64,
    },
    /// A proof with the wrong number of hashes for its index and size.
    #[error("{what} has {actual} hashes, expected {expected}")]
    ProofLength {
        /// Which proof.
        what: &'static str,
        /// The length the index and sizes require.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// A proof recomputed to a root other than the expected one.
    #[error("{what} does not match: expected root {expected:?}, computed {computed:?}")]
    RootMismatch {
        /// Which proof or comparison.
        what: &'static str,
        /// The root that was expected (from a checkpoint or a caller).
        expected: MerkleHash,
        /// The root the proof leads to.
        computed: MerkleHash,
    },
    /// A hash field that is not 32 bytes.
    #[error("{field} is {length} bytes, expected a 32-byte SHA-256 hash")]
    HashLength {
        /// Which field.
        field: &'static str,
        /// Its decoded length.
        length: usize,
    },
    /// A signed note or checkpoint whose text is not well framed.
    #[error("signed note, line {line}: {reason}")]
    NoteFormat {
        /// 1-based line number (0 when the problem concerns the whole note).
        line: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// The same key (name and key id) signed a note twice.
    #[error("signed note has two signatures from key {name} (id {key_id:08x})")]
    DuplicateSignature {
        /// The key name.
        name: String,
        /// The 4-byte key id.
        key_id: u32,
    },
    /// No signature on a note is from a key the caller trusts.
    #[error("signed note has no signature from a trusted key (signed by: {signers:?})")]
    NoTrustedSignature {
        /// The key names that did sign, sorted.
        signers: Vec<String>,
    },
    /// A signature from a trusted key failed to verify.
    #[error("signature by {name} on the {what} does not verify")]
    BadSignature {
        /// The key name, key id or log id.
        name: String,
        /// What was signed (note, signed entry timestamp, artifact, envelope).
        what: &'static str,
    },
    /// A note key name that is empty or has spaces or `+`.
    #[error("note key name {name:?} is invalid: {reason}")]
    BadKeyName {
        /// The name (truncated).
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// A public key of a kind this operation does not support.
    #[error("unsupported key for {what}: {reason}")]
    UnsupportedKey {
        /// What the key was for.
        what: &'static str,
        /// Why it is not usable.
        reason: &'static str,
    },
    /// A checkpoint's origin, size or root disagrees with the proof or entry being checked.
    #[error("checkpoint {field} {checkpoint} disagrees with the {against} value {other}")]
    CheckpointMismatch {
        /// Which field (`origin`, `tree size`, `root hash`).
        field: &'static str,
        /// The checkpoint's value.
        checkpoint: String,
        /// What it was compared with.
        against: &'static str,
        /// That value.
        other: String,
    },
    /// An ECDSA signature with a high S value, refused by strict verification.
    #[error("the {what} signature under key {key_id} has a high S value (not canonical low-S)")]
    HighS {
        /// The key id.
        key_id: String,
        /// What was signed (artifact, DSSE envelope).
        what: &'static str,
    },
    /// The artifact the caller named is not a subject of the bundle's in-toto statement.
    #[error(
        "artifact {artifact} is not a subject of the bundle's statement (subjects: {subjects:?})"
    )]
    ArtifactNotSubject {
        /// The artifact's SHA-256.
        artifact: Digest,
        /// The statement's subject sha256 digests.
        subjects: Vec<String>,
    },
    /// A base64 field that does not decode.
    #[error("{field} is not valid base64")]
    Base64 {
        /// Which field.
        field: &'static str,
    },
    /// A JSON document (bundle, Rekor body or entry) that is malformed or misses required fields.
    #[error("{what}: {reason}")]
    Json {
        /// Which document.
        what: &'static str,
        /// The parser's message.
        reason: String,
    },
    /// A required field is absent.
    #[error("{what} has no {field}")]
    MissingField {
        /// Which document.
        what: &'static str,
        /// The missing field.
        field: &'static str,
    },
    /// A field holds a value that is not allowed.
    #[error("{field} is {value:?}: {reason}")]
    InvalidField {
        /// Which field.
        field: &'static str,
        /// The value (truncated).
        value: String,
        /// What was expected.
        reason: &'static str,
    },
    /// A Rekor entry kind or version this crate does not model.
    #[error("Rekor entry kind {kind} version {version} is not supported")]
    UnsupportedEntryKind {
        /// The kind.
        kind: String,
        /// The API version.
        version: String,
    },
    /// A Sigstore bundle media type other than v0.1, v0.2 or v0.3 JSON.
    #[error("bundle media type {media_type:?} is not supported")]
    UnsupportedMediaType {
        /// The media type (truncated).
        media_type: String,
    },
    /// Bytes that must be canonical JSON (a Rekor body) are not in canonical form.
    #[error("{what} is not in canonical JSON form")]
    NotCanonical {
        /// Which document.
        what: &'static str,
    },
    /// A Rekor entry body, or a bundle field, does not match the artifact or envelope at hand.
    #[error("{what}: {field} does not match")]
    Mismatch {
        /// What was compared.
        what: &'static str,
        /// The field that differs.
        field: &'static str,
    },
    /// A log entry from a log the trust root does not know.
    #[error("log id {log_id} is not a trusted log")]
    UnknownLog {
        /// The log id (hex).
        log_id: String,
    },
    /// A verification feature this crate does not implement; returned instead of passing.
    #[error("not supported: {feature}")]
    NotSupported {
        /// What is not supported.
        feature: &'static str,
    },
    /// A size or count limit was exceeded.
    #[error("{what} exceeds the limit: {actual} > {max}")]
    LimitExceeded {
        /// What was counted.
        what: &'static str,
        /// The limit.
        max: usize,
        /// The value seen.
        actual: usize,
    },
    /// An X.509 certificate or chain was refused (see [`super::x509`]).
    #[error("{what}: {problem}")]
    Certificate {
        /// Which certificate or chain.
        what: &'static str,
        /// Why.
        problem: super::x509::CertificateProblem,
    },
    /// An RFC 3161 timestamp was refused (see [`super::timestamp`]).
    #[error("RFC 3161 timestamp: {problem}")]
    Timestamp {
        /// Why.
        problem: super::timestamp::TimestampProblem,
    },
    /// A trusted log whose validity window excludes the time the entry is checked at.
    #[error("log {log_id} is not valid at {at} (Unix seconds)")]
    LogNotValidAt {
        /// The log id (hex).
        log_id: String,
        /// The time checked.
        at: i64,
    },
    /// A signer or verifier backend failed.
    #[error("{context}: {source}")]
    Key {
        /// What was being done.
        context: &'static str,
        /// The backend's error.
        source: Box<CoreError>,
    },
    /// The signing certificate is not valid at a verified signing time.
    #[error(
        "the signing certificate is not valid at the {timestamp} time {time} (valid {not_before} to {not_after})"
    )]
    CertificateNotValidAt {
        /// Which timestamp (`transparency log integrated time`, `RFC 3161 timestamp`).
        timestamp: &'static str,
        /// The signing time.
        time: String,
        /// The certificate's `notBefore`.
        not_before: String,
        /// The certificate's `notAfter`.
        not_after: String,
    },
    /// The leaf certificate's embedded Signed Certificate Timestamps do not verify against the
    /// trusted root's CT logs.
    #[error("signed certificate timestamp: {reason}")]
    Sct {
        /// What is wrong.
        reason: String,
    },
    /// The certificate's identity does not satisfy the caller's identity policy.
    #[error("certificate {field} {actual:?} does not match the policy's {expected}")]
    IdentityMismatch {
        /// Which claim (`subject alternative name`, `OIDC issuer`, an extension name).
        field: &'static str,
        /// What the policy wanted (exact value or `/regexp/`).
        expected: String,
        /// What the certificate says (empty when absent).
        actual: String,
    },
    /// Keyless verification was asked without an identity policy (the choice of
    /// "insecure: any identity" must be explicit).
    #[error(
        "keyless bundles need an identity policy (certificate identity and OIDC issuer), or an explicit insecure-ignore-identity"
    )]
    MissingIdentityPolicy,
    /// Fewer verified items (transparency log entries, SCTs) than the verification policy's
    /// threshold.
    #[error("{what}: {found} verified, the policy requires at least {required}")]
    BelowThreshold {
        /// What was counted (`transparency log entries`, `SCTs`).
        what: &'static str,
        /// How many verified.
        found: usize,
        /// The policy's threshold.
        required: usize,
    },
    /// No signing time could be verified (no signed entry timestamp, no trusted RFC 3161
    /// timestamp), so the certificate cannot be checked at signing time.
    #[error("no verified timestamp: {reason}")]
    NoVerifiedTimestamp {
        /// What was tried.
        reason: String,
    },
    /// A trusted-root key or authority used outside its validity window.
    #[error("{what} is not valid at {time} (trusted root validity {window})")]
    OutsideValidity {
        /// Which key or authority.
        what: &'static str,
        /// The time it was used at.
        time: String,
        /// Its validity window.
        window: String,
    },
    /// The verification material does not fit the policy (a key given for a keyless bundle,
    /// or an identity policy for a key-based one).
    #[error("verification material: {reason}")]
    WrongVerificationMaterial {
        /// What does not fit.
        reason: &'static str,
    },
}

impl TransparencyError {
    /// [`TransparencyError::LimitExceeded`] when `actual > max`.
    pub(crate) fn check_limit(
        what: &'static str,
        max: usize,
        actual: usize,
    ) -> Result<(), TransparencyError> {
        if actual > max {
            return Err(TransparencyError::LimitExceeded { what, max, actual });
        }
        Ok(())
    }
}

impl From<TransparencyError> for CoreError {
    fn from(e: TransparencyError) -> Self {
        match e {
            TransparencyError::IndexOutOfRange { index, size } => CoreError::LogRange {
                what: "index",
                requested: index,
                tree_size: size,
            },
            TransparencyError::SizeBeyondTree { requested, size } => CoreError::LogRange {
                what: "tree size",
                requested,
                tree_size: size,
            },
            TransparencyError::EmptyTree { .. } => CoreError::LogRange {
                what: "tree size",
                requested: 0,
                tree_size: 0,
            },
            TransparencyError::Key { source, .. } => *source,
            other => CoreError::Backend {
                backend: "stella-attest transparency",
                source: Box::new(other),
            },
        }
    }
}

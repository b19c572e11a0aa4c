//! TUF (The Update Framework) metadata verification, pure: the client workflow of the TUF
//! specification (§5 "Detailed client workflow", v1.0.x), over bytes the caller fetched from a
//! repository it mirrors — no clock read, no IO. This is how a Sigstore `trusted_root.json` is
//! refreshed from Sigstore's TUF repository (`tuf-repo-cdn.sigstore.dev`) or an air-gapped copy
//! of it.
//!
//! What is verified:
//! - **Root chain** (§5.3): starting from a root trusted out of band, which must be signed by a
//!   threshold of its own keys, each `N.root.json` must have version N exactly (trusted + 1) and
//!   be signed by a threshold of the previous root's root keys *and* of its own. At most
//!   [`TufLimits::max_root_rotations`] steps; the final root must not be expired.
//! - **Timestamp → snapshot → targets** (§5.4–5.6): each signed by a threshold of the role's keys
//!   in the trusted root; versions never lower than the kept ones (rollback), the snapshot and
//!   targets versions exactly those the timestamp and snapshot name (mix-and-match), lengths and
//!   hashes where recorded, expiry against the caller's `now` (expired when `now ≥ expires`).
//! - **Targets** (§5.7): the length and every hash (sha256, sha384, sha512 — any other algorithm
//!   is refused) of a top-level target such as `trusted_root.json`, fetched as
//!   `targets/<sha256>.<name>` when the repository uses consistent snapshots.
//! - **Thresholds**: a key counts once however many signatures it made or key ids name it (two
//!   key ids holding the same key material count once). Signatures cover the OLPC canonical
//!   JSON of `signed` ([`encode_canonical`]), as securesystemslib makes it.
//! - **Keys**: `ed25519` (hex), `ecdsa` / `ecdsa-sha2-nistp256` (PEM SubjectPublicKeyInfo — the
//!   form Sigstore's root uses — or a hex SEC1 point), `rsa` / `rsassa-pss-sha256` (PEM SPKI;
//!   PSS with a 32-byte salt, what securesystemslib signs with).
//!
//! Not supported, with a typed error rather than a silent pass: delegated targets (Sigstore's
//! repository has no delegation for `trusted_root.json`; a name not among the top-level
//! targets of a repository that delegates is [`TufError::DelegationsNotSupported`]), hash
//! algorithms other than the SHA-2 ones, and key types other than the three above. Key ids are
//! taken as the metadata names them (as python-tuf and go-tuf do), not recomputed.
//!
//! A module of this crate rather than a `stella-tuf` crate: it verifies with this crate's keys
//! (Ed25519, ECDSA P-256), its strict JSON parsing (stella-core) and the same `ring` / `sha2`,
//! and its only consumer is the Sigstore trusted root beside it; a crate would add a workspace
//! member and nothing else.
//!
//! Bounds: every document's size ([`TufLimits`]) is checked before it is parsed, the JSON
//! nesting depth is capped, and the number of keys, signatures and targets is bounded.
//!
//! ```
//! use stella_attest::tuf::{TrustedMetadata, TufLimits};
//! use stella_core::Timestamp;
//!
//! // Sigstore's production TUF root (v15): self-signed by 3 of its 5 root keys.
//! let root = include_bytes!("../../tests/data/tuf/sigstore-production.root.json");
//! let trusted = TrustedMetadata::from_trusted_root(root, TufLimits::default())?;
//! assert_eq!(trusted.root_version(), 15);
//! assert!(trusted.check_root_expiry(Timestamp::parse_rfc3339("2026-01-01T00:00:00Z")?).is_ok());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod canonical;
mod key;
mod metadata;
mod trusted;

pub use canonical::encode_canonical;
pub use metadata::{FileInfo, Role};
pub use trusted::{TimestampUpdate, TrustedMetadata};

use stella_core::Timestamp;

/// Bounds on what a repository may make the client read and hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TufLimits {
    /// Largest root metadata, in bytes (default 512 KiB; Sigstore's is about 7 KiB).
    pub max_root_bytes: usize,
    /// Largest timestamp metadata (default 16 KiB, python-tuf's default).
    pub max_timestamp_bytes: usize,
    /// Largest snapshot metadata (default 2 MiB, python-tuf's default).
    pub max_snapshot_bytes: usize,
    /// Largest targets metadata (default 5 MiB, python-tuf's default).
    pub max_targets_bytes: usize,
    /// Largest target file (default 16 MiB; a trusted root is tens of KiB).
    pub max_target_bytes: usize,
    /// Most root versions walked in one update (default 256, python-tuf's default).
    pub max_root_rotations: u64,
    /// Most keys in a root, and key ids in a role (default 256).
    pub max_keys: usize,
    /// Most signatures on one document (default 256).
    pub max_signatures: usize,
    /// Most targets or `meta` entries in one document (default 100 000).
    pub max_targets: usize,
}

impl Default for TufLimits {
    fn default() -> Self {
        Self {
            max_root_bytes: 512 << 10,
            max_timestamp_bytes: 16 << 10,
            max_snapshot_bytes: 2 << 20,
            max_targets_bytes: 5 << 20,
            max_target_bytes: 16 << 20,
            max_root_rotations: 256,
            max_keys: 256,
            max_signatures: 256,
            max_targets: 100_000,
        }
    }
}

/// Why TUF metadata or a target was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TufError {
    /// A document or file larger than its limit.
    #[error("{what} is {size} bytes, over the limit of {max}")]
    TooLarge {
        /// What (role name or `target`).
        what: &'static str,
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// More keys, signatures or targets than the limits allow.
    #[error("{count} {what}, over the limit of {max}")]
    TooMany {
        /// What was counted.
        what: &'static str,
        /// How many.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Not strictly valid JSON, or without the shape of the role's metadata.
    #[error("{role} metadata is malformed: {reason}")]
    Shape {
        /// The role.
        role: Role,
        /// What is wrong.
        reason: String,
    },
    /// `signed._type` is not the role expected.
    #[error("expected {expected} metadata, found _type {found:?}")]
    WrongType {
        /// The role expected.
        expected: Role,
        /// The `_type` found (truncated).
        found: String,
    },
    /// A `spec_version` whose major version is not 1.
    #[error("{role} metadata has unsupported spec_version {spec_version:?}")]
    SpecVersion {
        /// The role.
        role: Role,
        /// The version found (truncated).
        spec_version: String,
    },
    /// Signed content canonical JSON cannot represent (a float).
    #[error("signed content is not OLPC canonical JSON: {reason}")]
    NotCanonicalizable {
        /// Why.
        reason: &'static str,
    },
    /// A key that does not parse.
    #[error("key {keyid}: {reason}")]
    Key {
        /// Its key id (truncated).
        keyid: String,
        /// Why.
        reason: String,
    },
    /// A key type or scheme not supported.
    #[error("key {keyid}: unsupported keytype {keytype:?} / scheme {scheme:?}")]
    UnsupportedKey {
        /// Its key id (truncated).
        keyid: String,
        /// The keytype (truncated).
        keytype: String,
        /// The scheme (truncated).
        scheme: String,
    },
    /// Fewer valid signatures from distinct keys than the threshold.
    #[error(
        "{role} metadata: {valid} valid signature(s) from {signer} keys, threshold {threshold}"
    )]
    Threshold {
        /// The role of the document.
        role: Role,
        /// Whose keys: `its own` or `the trusted root's`.
        signer: &'static str,
        /// Distinct keys that signed validly.
        valid: u64,
        /// The threshold.
        threshold: u64,
    },
    /// A next root whose version is not trusted + 1.
    #[error("root version {found}, expected {expected}")]
    RootVersion {
        /// Trusted version + 1.
        expected: u64,
        /// The version found.
        found: u64,
    },
    /// Metadata expired at the caller's `now` (a freeze attack, or a stale mirror).
    #[error("{role} metadata expired at {expires}")]
    Expired {
        /// The role.
        role: Role,
        /// Its expiry.
        expires: Timestamp,
    },
    /// A version lower than the trusted one.
    #[error("rollback of {role}: version {new} is older than trusted version {trusted}")]
    Rollback {
        /// The role whose version went back.
        role: Role,
        /// The trusted version.
        trusted: u64,
        /// The repository's version.
        new: u64,
    },
    /// A document whose version is not the one the referring metadata names.
    #[error("{role} metadata version {found}, but {expected} is referenced (mix-and-match)")]
    VersionMismatch {
        /// The role.
        role: Role,
        /// The version referenced.
        expected: u64,
        /// The version found.
        found: u64,
    },
    /// A `meta` entry that is needed but absent.
    #[error("{role} metadata does not list {name}")]
    MissingMeta {
        /// The role whose `meta` lacks it.
        role: Role,
        /// The entry.
        name: String,
    },
    /// A file whose length is not the recorded one.
    #[error("{name}: {found} bytes, expected {expected}")]
    LengthMismatch {
        /// The file (truncated).
        name: String,
        /// The recorded length.
        expected: u64,
        /// The length found.
        found: u64,
    },
    /// A file whose hash is not the recorded one.
    #[error("{name}: {algorithm} hash does not match")]
    HashMismatch {
        /// The file (truncated).
        name: String,
        /// The algorithm.
        algorithm: String,
    },
    /// A recorded hash algorithm not supported (or no SHA-2 hash for a target).
    #[error("{name}: unsupported hash algorithm {algorithm:?}")]
    UnsupportedHash {
        /// The file (truncated).
        name: String,
        /// The algorithm (truncated).
        algorithm: String,
    },
    /// The target is not among the top-level targets.
    #[error("target {name:?} is not in the targets metadata")]
    TargetNotFound {
        /// The name (truncated).
        name: String,
    },
    /// The target is not top-level and the repository delegates: delegations are not
    /// supported.
    #[error("target {name:?} is not a top-level target and delegated targets are not supported")]
    DelegationsNotSupported {
        /// The name (truncated).
        name: String,
    },
    /// A step called before the ones it depends on.
    #[error("TUF update step {step} called out of order")]
    OutOfOrder {
        /// The step.
        step: &'static str,
    },
    /// The repository does not have a document the workflow needs.
    #[error("the repository has no {path}")]
    Missing {
        /// Its path in the repository.
        path: String,
    },
    /// Fetching from the repository failed (the [`TufRepository`] implementation's error).
    #[error("fetching {path}: {source}")]
    Fetch {
        /// Its path in the repository.
        path: String,
        /// What the repository reported.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Where the TUF workflow gets its documents: a mirrored directory, an HTTPS repository, or
/// memory. Implemented by the caller (the `stella` crate has the directory and HTTPS ones).
pub trait TufRepository {
    /// The bytes at `path` (relative to the repository's metadata root, e.g. `2.root.json`,
    /// `timestamp.json`, `targets/<hash>.trusted_root.json`), at most `max_bytes` of them (a
    /// larger file is an error, not a truncation); `Ok(None)` when the repository has no such
    /// file.
    fn fetch(
        &mut self,
        path: &str,
        max_bytes: u64,
    ) -> Result<Option<Vec<u8>>, Box<dyn std::error::Error + Send + Sync>>;
}

/// What the caller kept from its last update: the trusted root (or the one shipped with the
/// program) and, when it has them, the last timestamp and snapshot (rollback references).
#[derive(Debug, Clone, Copy)]
pub struct KeptMetadata<'a> {
    /// The root trusted now.
    pub root: &'a [u8],
    /// The last trusted timestamp, if any.
    pub timestamp: Option<&'a [u8]>,
    /// The last trusted snapshot, if any.
    pub snapshot: Option<&'a [u8]>,
}

/// A verified target and the metadata the caller should keep for its next update.
#[derive(Debug, Clone)]
pub struct RefreshedTarget {
    /// The target file's bytes, verified against the targets metadata.
    pub target: Vec<u8>,
    /// The metadata now trusted (root, timestamp, snapshot bytes to keep).
    pub trusted: TrustedMetadata,
}

fn fetch(
    repo: &mut dyn TufRepository,
    path: &str,
    max: usize,
) -> Result<Option<Vec<u8>>, TufError> {
    let bytes = repo
        .fetch(path, max as u64)
        .map_err(|source| TufError::Fetch {
            path: key::truncate(path),
            source,
        })?;
    if let Some(b) = &bytes
        && b.len() > max
    {
        return Err(TufError::TooLarge {
            what: "fetched file",
            size: b.len() as u64,
            max: max as u64,
        });
    }
    Ok(bytes)
}

fn fetch_required(
    repo: &mut dyn TufRepository,
    path: &str,
    max: usize,
) -> Result<Vec<u8>, TufError> {
    fetch(repo, path, max)?.ok_or_else(|| TufError::Missing {
        path: key::truncate(path),
    })
}

/// The whole client workflow: update the root chain from `kept.root`, then timestamp,
/// snapshot and targets, then fetch and verify the target `name` — all against `now`.
///
/// A kept timestamp or snapshot that no longer verifies under the updated root (its role's
/// keys rotated) is dropped, as the specification's fast-forward recovery requires; one that
/// does is the rollback reference.
///
/// ```
/// use stella_attest::tuf::{KeptMetadata, TufError, TufLimits, TufRepository, refresh_target};
/// use stella_core::Timestamp;
///
/// struct Empty;
/// impl TufRepository for Empty {
///     fn fetch(&mut self, _: &str, _: u64) -> Result<Option<Vec<u8>>, Box<dyn std::error::Error + Send + Sync>> {
///         Ok(None)
///     }
/// }
/// let root = include_bytes!("../../tests/data/tuf/sigstore-production.root.json");
/// let kept = KeptMetadata { root, timestamp: None, snapshot: None };
/// let now = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z")?;
/// let err = refresh_target(kept, &mut Empty, now, "trusted_root.json", TufLimits::default()).unwrap_err();
/// assert!(matches!(err, TufError::Missing { path } if path == "timestamp.json"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn refresh_target(
    kept: KeptMetadata<'_>,
    repo: &mut dyn TufRepository,
    now: Timestamp,
    name: &str,
    limits: TufLimits,
) -> Result<RefreshedTarget, TufError> {
    let mut trusted = TrustedMetadata::from_trusted_root(kept.root, limits)?;
    for _ in 0..limits.max_root_rotations {
        let path = format!("{}.root.json", trusted.root_version().saturating_add(1));
        match fetch(repo, &path, limits.max_root_bytes)? {
            Some(bytes) => trusted.update_root(&bytes)?,
            None => break,
        }
    }
    trusted.check_root_expiry(now)?;
    if let Some(ts) = kept.timestamp
        && trusted.load_kept_timestamp(ts).is_ok()
        && let Some(snap) = kept.snapshot
    {
        // Dropped when it no longer verifies (see above).
        let _ = trusted.load_kept_snapshot(snap);
    }
    let ts = fetch_required(repo, "timestamp.json", limits.max_timestamp_bytes)?;
    trusted.update_timestamp(&ts, now)?;
    let path = trusted.snapshot_path()?;
    let snap = fetch_required(repo, &path, limits.max_snapshot_bytes)?;
    trusted.update_snapshot(&snap, now)?;
    let path = trusted.targets_path()?;
    let targets = fetch_required(repo, &path, limits.max_targets_bytes)?;
    trusted.update_targets(&targets, now)?;
    let path = trusted.target_path(name)?;
    let target = fetch_required(repo, &path, limits.max_target_bytes)?;
    trusted.verify_target(name, &target)?;
    Ok(RefreshedTarget { target, trusted })
}

//! Signed snapshots: a DSSE envelope holding an in-toto Statement v1 about the snapshot file,
//! with the predicate [`DbSnapshotPredicate`] (`https://stella-ops.org/attestations/vuln-db-snapshot/1`).
//!
//! The statement's one subject is the snapshot file (name `stella-vuln-db`, `sha256` of the
//! whole file as `sha256sum` prints it); the predicate repeats what the header says — the
//! digest scans pin (SHA-256 without the 32-byte trailer), the date, the record count and every
//! source (feed, name, digest, date, records) — so a verifier reads them from signed bytes.
//! [`verify_snapshot`] checks the envelope against a keyring (any configured key's signature
//! suffices; an envelope signed by no configured key is refused), the predicate type, the
//! subject against the file, and the predicate against the header: a snapshot swapped under a
//! valid envelope, or an envelope whose predicate disagrees with the snapshot, is refused.
//!
//! The envelope sits beside the snapshot as `<snapshot>.dsse.json` ([`envelope_path`]).
//!
//! ```
//! use stella::db::sign::{sign_snapshot, verify_snapshot};
//! use stella_attest::dsse::Keyring;
//! use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
//! use stella_core::{SignatureAlgorithm, Timestamp};
//! use stella_vuln::snapshot::{Snapshot, SnapshotBuilder};
//!
//! let snap = Snapshot::load(SnapshotBuilder::new().build(&Timestamp::parse_rfc3339("2024-06-01T00:00:00Z")?)?)?;
//! let key = PrivateKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())?;
//! let mut keyring = Keyring::new();
//! keyring.add(key.public_key().clone())?;
//! let envelope = sign_snapshot(&snap, &LocalSigner::new(key, SystemRandom::new())?)?;
//! let verified = verify_snapshot(&snap, &envelope, &keyring)?;
//! assert_eq!(verified.predicate.date, "2024-06-01T00:00:00Z");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use stella_attest::AttestError;
use stella_attest::dsse::{Envelope, Keyring};
use stella_attest::predicates::Predicate;
use stella_attest::statement::{Statement, StatementPolicy};
use stella_core::{Digest, Signer};
use stella_vuln::snapshot::{Snapshot, SnapshotSource};

/// The statement subject's name.
pub const SUBJECT_NAME: &str = "stella-vuln-db";

/// `https://stella-ops.org/attestations/vuln-db-snapshot/1`: what a vulnerability DB snapshot
/// is, signed by whoever built (or mirrored) it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DbSnapshotPredicate {
    /// The digest scans pin: SHA-256 of the file without its 32-byte trailer.
    pub snapshot_digest: Digest,
    /// The snapshot date (RFC 3339).
    pub date: String,
    /// Number of records.
    pub records: u64,
    /// The sources, as in the header, sorted (feed, name).
    pub sources: Vec<SnapshotSource>,
}

impl Predicate for DbSnapshotPredicate {
    const PREDICATE_TYPE: &'static str = "https://stella-ops.org/attestations/vuln-db-snapshot/1";
}

impl DbSnapshotPredicate {
    /// The predicate of a loaded snapshot.
    pub fn of(snapshot: &Snapshot) -> Self {
        let info = snapshot.info();
        Self {
            snapshot_digest: snapshot.digest(),
            date: info.date.clone(),
            records: info.records,
            sources: info.sources.clone(),
        }
    }
}

/// Why a snapshot's signature does not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbTrustError {
    /// Keys are configured but the snapshot has no envelope.
    #[error("the snapshot is not signed ({path} does not exist) and DB keys are configured")]
    Unsigned {
        /// Where the envelope was looked for.
        path: String,
    },
    /// The envelope or its statement does not verify (no configured key signed it, a wrong
    /// predicate type, a subject that is not this file, …).
    #[error("the snapshot's envelope does not verify: {0}")]
    Envelope(#[from] AttestError),
    /// The signed predicate disagrees with the snapshot's header.
    #[error("the signed predicate does not describe this snapshot: {field} differs")]
    PredicateMismatch {
        /// The field that differs.
        field: &'static str,
    },
}

/// What a verified snapshot signature says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDb {
    /// The signed predicate.
    pub predicate: DbSnapshotPredicate,
    /// Ids of the keys whose signatures verified.
    pub key_ids: Vec<String>,
}

/// Where the envelope of a snapshot file is kept: `<snapshot>.dsse.json`.
pub fn envelope_path(snapshot: &Path) -> PathBuf {
    let mut s = snapshot.as_os_str().to_owned();
    s.push(".dsse.json");
    PathBuf::from(s)
}

/// Signs a snapshot: the DSSE envelope's JSON bytes.
pub fn sign_snapshot(snapshot: &Snapshot, signer: &dyn Signer) -> Result<Vec<u8>, AttestError> {
    Statement::builder()
        .subject(SUBJECT_NAME, Digest::of(snapshot.bytes()))
        .predicate(&DbSnapshotPredicate::of(snapshot))?
        .build()?
        .sign(&[signer])?
        .to_json()
}

/// Verifies a snapshot's envelope against `keyring` (see the module docs).
pub fn verify_snapshot(
    snapshot: &Snapshot,
    envelope: &[u8],
    keyring: &Keyring,
) -> Result<VerifiedDb, DbTrustError> {
    let verified = StatementPolicy::new()
        .allow_predicate_type(DbSnapshotPredicate::PREDICATE_TYPE)
        .expect_subject(Digest::of(snapshot.bytes()))
        .verify(&Envelope::from_json(envelope)?, keyring)?;
    let predicate: DbSnapshotPredicate = verified.statement().predicate_as()?;
    let want = DbSnapshotPredicate::of(snapshot);
    let field = if predicate.snapshot_digest != want.snapshot_digest {
        Some("snapshotDigest")
    } else if predicate.date != want.date {
        Some("date")
    } else if predicate.records != want.records {
        Some("records")
    } else if predicate.sources != want.sources {
        Some("sources")
    } else {
        None
    };
    if let Some(field) = field {
        return Err(DbTrustError::PredicateMismatch { field });
    }
    Ok(VerifiedDb {
        predicate,
        key_ids: verified.key_ids().to_vec(),
    })
}

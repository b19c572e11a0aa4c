//! What [`Bundle::verify`](super::Bundle::verify) is asked ([`VerificationPolicy`],
//! [`ArtifactInput`]) and what it answers ([`Verification`], [`VerificationReport`]).

use serde::Serialize;
use stella_core::Digest;

use super::{BundleVersion, VerifiedContent};
use crate::keys::PublicKey;
use crate::transparency::TransparencyError;
use crate::transparency::fulcio::FulcioIdentity;
use crate::transparency::identity::IdentityPolicy;
use crate::transparency::rekor::VerifiedEntry;
use crate::transparency::rekor_v2::VerifiedV2Entry;
use crate::transparency::sct::VerifiedSct;

/// Who must have signed: a key (key-based bundles) or an identity (keyless bundles). There is
/// no "anything goes": a keyless bundle needs an [`IdentityPolicy`], whose
/// [`IdentityPolicy::InsecureIgnoreIdentity`] must be chosen by name.
///
/// The thresholds are sigstore-go's: by default at least one transparency log entry
/// ([`VerificationPolicy::with_tlog_threshold`]) and at least one embedded SCT
/// ([`VerificationPolicy::with_sct_threshold`]); a signing time (a Rekor integrated time or an
/// RFC 3161 timestamp) is always required.
#[derive(Debug, Clone)]
pub struct VerificationPolicy {
    pub(super) signer: SignerPolicy,
    pub(super) tlog_threshold: usize,
    pub(super) sct_threshold: usize,
}

#[derive(Debug, Clone)]
pub(super) enum SignerPolicy {
    Key(PublicKey),
    Identity(IdentityPolicy),
}

impl VerificationPolicy {
    /// A key-based bundle signed by `key` (a keyless bundle is refused with
    /// [`TransparencyError::WrongVerificationMaterial`]).
    pub fn key(key: PublicKey) -> Self {
        Self {
            signer: SignerPolicy::Key(key),
            tlog_threshold: 1,
            sct_threshold: 1,
        }
    }

    /// A keyless bundle whose certificate identity satisfies `policy` (a key-based bundle is
    /// refused with [`TransparencyError::WrongVerificationMaterial`]).
    pub fn identity(policy: impl Into<IdentityPolicy>) -> Self {
        Self {
            signer: SignerPolicy::Identity(policy.into()),
            tlog_threshold: 1,
            sct_threshold: 1,
        }
    }

    /// At least `n` transparency log entries (default 1, as sigstore-go's
    /// `WithTransparencyLog(1)`); every entry a bundle carries is verified whatever `n` is.
    /// `0` accepts a bundle without any log entry when an RFC 3161 timestamp gives its signing
    /// time (sigstore-go's `WithSignedTimestamps(1)` without `WithTransparencyLog`; GitHub's
    /// timestamp-only attestations): the signature was then never made public in a log, so a
    /// stolen signing key or certificate could sign unseen — choose it only for an issuer that
    /// does not log (a private Sigstore instance). Fewer entries than `n` is
    /// [`TransparencyError::BelowThreshold`].
    ///
    /// ```
    /// use stella_attest::transparency::bundle::VerificationPolicy;
    /// use stella_attest::transparency::identity::IdentityPolicy;
    ///
    /// // GitHub's private-repository attestations: an RFC 3161 timestamp, no log, no CT log.
    /// let policy = VerificationPolicy::identity(IdentityPolicy::InsecureIgnoreIdentity)
    ///     .with_tlog_threshold(0)
    ///     .with_sct_threshold(0);
    /// # let _ = policy;
    /// ```
    pub fn with_tlog_threshold(mut self, n: usize) -> Self {
        self.tlog_threshold = n;
        self
    }

    /// At least `n` embedded SCTs of a keyless certificate verify under the trusted root's CT
    /// logs (default 1, as sigstore-go's `WithSignedCertificateTimestamps(1)`). `0` skips the
    /// SCT check (a Fulcio instance without a CT log, such as GitHub's). Fewer than `n` is an
    /// SCT error. No effect on key-based bundles.
    pub fn with_sct_threshold(mut self, n: usize) -> Self {
        self.sct_threshold = n;
        self
    }

    /// The transparency log threshold ([`VerificationPolicy::with_tlog_threshold`]).
    pub fn tlog_threshold(&self) -> usize {
        self.tlog_threshold
    }

    /// The SCT threshold ([`VerificationPolicy::with_sct_threshold`]).
    pub fn sct_threshold(&self) -> usize {
        self.sct_threshold
    }

    /// From optional parts, as a command line gives them: a key, or an identity policy;
    /// neither is [`TransparencyError::MissingIdentityPolicy`], both is
    /// [`TransparencyError::WrongVerificationMaterial`].
    pub fn from_parts(
        key: Option<PublicKey>,
        identity: Option<IdentityPolicy>,
    ) -> Result<Self, TransparencyError> {
        match (key, identity) {
            (Some(k), None) => Ok(Self::key(k)),
            (None, Some(i)) => Ok(Self::identity(i)),
            (None, None) => Err(TransparencyError::MissingIdentityPolicy),
            (Some(_), Some(_)) => Err(TransparencyError::WrongVerificationMaterial {
                reason: "give either a key or a certificate identity policy, not both",
            }),
        }
    }
}

/// The artifact a bundle is verified against.
#[derive(Debug, Clone, Copy)]
pub enum ArtifactInput<'a> {
    /// The artifact's bytes.
    Bytes(&'a [u8]),
    /// Only the artifact's SHA-256 (`--artifact-digest`).
    Sha256(Digest),
    /// No artifact: allowed for a DSSE envelope only (its statement is then checked by the
    /// caller's [`crate::statement::StatementPolicy`]).
    None,
}

impl ArtifactInput<'_> {
    /// The artifact's SHA-256, if one was given.
    pub fn digest(&self) -> Option<Digest> {
        match self {
            Self::Bytes(b) => Some(Digest::of(b)),
            Self::Sha256(d) => Some(*d),
            Self::None => None,
        }
    }
}

/// Who signed, as verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum VerifiedSigner {
    /// The caller's key.
    Key {
        /// Its key id.
        key_id: String,
    },
    /// A Fulcio certificate that chains to the trusted root.
    Certificate {
        /// The identity (SAN, issuer, claims) — what a policy on "who signed" uses.
        identity: FulcioIdentity,
        /// The SCTs that verified.
        scts: Vec<VerifiedSct>,
    },
}

impl VerifiedSigner {
    /// Who signed, as a policy names a signer: the key id, or the certificate identity (SAN).
    pub fn id(&self) -> &str {
        match self {
            Self::Key { key_id } => key_id,
            Self::Certificate { identity, .. } => &identity.san,
        }
    }

    /// The OIDC issuer that vouched for a keyless signer's identity; `None` for a key.
    pub fn issuer(&self) -> Option<&str> {
        match self {
            Self::Key { .. } => None,
            Self::Certificate { identity, .. } => Some(&identity.issuer),
        }
    }
}

/// Where a verified signing time comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TimestampSource {
    /// A Rekor v1 entry's integrated time, signed by its SET.
    TransparencyLog {
        /// The entry's log index.
        log_index: u64,
    },
    /// An RFC 3161 timestamp from a trusted timestamp authority.
    Rfc3161 {
        /// Index of the authority in the trusted root.
        authority: usize,
    },
}

/// A signing time that verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedTimestamp {
    /// Where it comes from.
    pub source: TimestampSource,
    /// Unix seconds.
    pub unix_seconds: i64,
}

/// A bundle that verified under a [`VerificationPolicy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The bundle version.
    pub version: BundleVersion,
    /// What was signed.
    pub content: VerifiedContent,
    /// Who signed.
    pub signer: VerifiedSigner,
    /// The verified Rekor v1 log entries, in bundle order.
    pub log_entries: Vec<VerifiedEntry>,
    /// The verified Rekor v2 log entries, in bundle order.
    pub rekor_v2_entries: Vec<VerifiedV2Entry>,
    /// The verified signing times (at least one).
    pub timestamps: Vec<VerifiedTimestamp>,
}

/// One check [`Bundle::verify_report`](super::Bundle::verify_report) ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// A stable name (`bundle`, `signature`, `tlog`, `certificate chain`, …).
    pub name: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// What was checked, or why it failed.
    pub detail: String,
}

/// Every check run, in order, and the outcome. Verification stops at the first failure, so the
/// last check of a failed report is the one that failed.
#[derive(Debug)]
pub struct VerificationReport {
    /// The checks run.
    pub checks: Vec<Check>,
    /// The outcome.
    pub result: Result<Verification, TransparencyError>,
}

/// Collects checks as they run.
#[derive(Debug, Default)]
pub(super) struct Checks(pub(super) Vec<Check>);

impl Checks {
    /// Runs one check: records its name, result and detail (the `Ok` detail or the error).
    pub(super) fn run<T>(
        &mut self,
        name: &'static str,
        f: impl FnOnce() -> Result<(T, String), TransparencyError>,
    ) -> Result<T, TransparencyError> {
        match f() {
            Ok((v, detail)) => {
                self.0.push(Check {
                    name,
                    passed: true,
                    detail,
                });
                Ok(v)
            }
            Err(e) => {
                self.0.push(Check {
                    name,
                    passed: false,
                    detail: e.to_string(),
                });
                Err(e)
            }
        }
    }
}

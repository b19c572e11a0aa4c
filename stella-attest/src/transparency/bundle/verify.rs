//! Offline verification of a bundle: its signature under the caller's key, and its log entries
//! against a [`TrustRoot`] and against the bundle's own content (what the Rekor body records is
//! checked by [`EntryBody`], the one implementation shared with the Rekor log-entry path).

use stella_core::Digest;

use super::{
    ArtifactInput, Bundle, BundleVersion, Envelope, HashOutput, MessageSignature,
    TransparencyLogEntry, TrustRoot,
};
use crate::dsse::{PAYLOAD_TYPE_IN_TOTO, VerifiedEnvelope, pae};
use crate::keys::{KeyError, PublicKey};
use crate::statement::Statement;
use crate::transparency::TransparencyError;
use crate::transparency::fulcio::verify_spki_prehashed;
use crate::transparency::rekor::{BodySigner, EntryBody, RekorLogKey, VerifiedEntry};

/// What a bundle signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifiedContent {
    /// An artifact, by digest.
    Artifact {
        /// The artifact's SHA-256.
        digest: Digest,
    },
    /// A DSSE envelope whose signature verified under the caller's key: apply a
    /// [`crate::statement::StatementPolicy`] to it with
    /// [`crate::statement::StatementPolicy::check`] (its key ids hold the bundle's key id).
    Dsse(VerifiedEnvelope),
}

/// A bundle whose signature and log entries verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBundle {
    /// The bundle version.
    pub version: BundleVersion,
    /// What was signed.
    pub content: VerifiedContent,
    /// The id of the key the signature verified under.
    pub key_id: String,
    /// The verified log entries, in bundle order.
    pub log_entries: Vec<VerifiedEntry>,
}

/// A bundle whose log entries verified (without the signer's identity; see
/// [`Bundle::verify_transparency`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTransparency {
    /// The bundle version.
    pub version: BundleVersion,
    /// The verified log entries, in bundle order.
    pub log_entries: Vec<VerifiedEntry>,
}

/// A signature check: (message, signature, what) under the signer's key.
pub(super) type SignatureCheck<'a> =
    dyn Fn(&[u8], &[u8], &'static str) -> Result<(), TransparencyError> + 'a;

impl Bundle {
    /// Verifies a key-based bundle offline: the signature (over `artifact` for a message
    /// signature, over the DSSE PAE for an envelope) under `key`, and every log entry against
    /// `trust` (log id, SET, inclusion proof, checkpoint) and against the bundle (the body
    /// records this signature, digest or payload, and this key). At least one log entry is
    /// required.
    ///
    /// `artifact` is required for a message signature. For a DSSE envelope it is optional and,
    /// when given, must be a subject of the envelope's in-toto statement (as
    /// `cosign verify-blob-attestation` checks): an envelope of another payload type, or a
    /// statement without a subject of the artifact's SHA-256, does not verify
    /// ([`TransparencyError::ArtifactNotSubject`]). It is never ignored.
    ///
    /// High-S ECDSA signatures are accepted (as cosign does); see
    /// [`Bundle::verify_with_key_strict`].
    ///
    /// Keyless bundles (a certificate instead of a key) return
    /// [`TransparencyError::NotSupported`]: Fulcio chain and identity verification is not
    /// implemented.
    pub fn verify_with_key(
        &self,
        key: &PublicKey,
        artifact: Option<&[u8]>,
        trust: &TrustRoot,
    ) -> Result<VerifiedBundle, TransparencyError> {
        self.verify_key_based(key, artifact, trust, false)
    }

    /// As [`Bundle::verify_with_key`], but a high-S ECDSA signature over the artifact or
    /// envelope is refused ([`TransparencyError::HighS`]).
    pub fn verify_with_key_strict(
        &self,
        key: &PublicKey,
        artifact: Option<&[u8]>,
        trust: &TrustRoot,
    ) -> Result<VerifiedBundle, TransparencyError> {
        self.verify_key_based(key, artifact, trust, true)
    }

    fn verify_key_based(
        &self,
        key: &PublicKey,
        artifact: Option<&[u8]>,
        trust: &TrustRoot,
        reject_high_s: bool,
    ) -> Result<VerifiedBundle, TransparencyError> {
        let version = self.check_structure()?;
        if !self.is_key_based() {
            return Err(TransparencyError::NotSupported {
                feature: "keyless bundle verification (Fulcio certificate chain and identity)",
            });
        }
        let content = self.verify_signature(
            key,
            artifact.map_or(ArtifactInput::None, ArtifactInput::Bytes),
            reject_high_s,
        )?;
        let log_entries = self.verify_entries(
            version,
            Some(BodySigner::Key(key.spki_der())),
            artifact.map(Digest::of),
            &|id| trust.find(id).cloned(),
        )?;
        Ok(VerifiedBundle {
            version,
            content,
            key_id: key.key_id().to_owned(),
            log_entries,
        })
    }

    /// Verifies only the transparency log part, for key-based and keyless bundles: every entry
    /// is from a trusted log and its SET / inclusion proof / checkpoint verify, and its body
    /// records this bundle's signature (and artifact digest, if `artifact` is given, or
    /// payload) and the bundle's certificate. For a DSSE envelope, a given `artifact` must be a
    /// subject of the envelope's in-toto statement, as in [`Bundle::verify_with_key`]. This
    /// does **not** verify the signature itself or who made it; use
    /// [`Bundle::verify_with_key`] for a full verification.
    pub fn verify_transparency(
        &self,
        artifact: Option<&[u8]>,
        trust: &TrustRoot,
    ) -> Result<VerifiedTransparency, TransparencyError> {
        let version = self.check_structure()?;
        let cert = self
            .leaf_certificate()
            .ok_or(TransparencyError::NotSupported {
                feature: "transparency-only verification of a key-based bundle without its key",
            })?;
        let log_entries = self.verify_entries(
            version,
            Some(BodySigner::Certificate(cert)),
            artifact.map(Digest::of),
            &|id| trust.find(id).cloned(),
        )?;
        if let (Some(env), Some(artifact)) = (&self.dsse_envelope, artifact) {
            check_artifact_is_subject(env, &Digest::of(artifact), Some(artifact))?;
        }
        Ok(VerifiedTransparency {
            version,
            log_entries,
        })
    }

    /// Checks the signature under `key` (see [`Bundle::check_content`]).
    pub(super) fn verify_signature(
        &self,
        key: &PublicKey,
        artifact: ArtifactInput<'_>,
        reject_high_s: bool,
    ) -> Result<VerifiedContent, TransparencyError> {
        let check = |message: &[u8], signature: &[u8], what: &'static str| {
            key.verify_with(message, signature, reject_high_s)
                .map_err(|e| match e {
                    KeyError::HighS { key_id } => TransparencyError::HighS { key_id, what },
                    _ => TransparencyError::BadSignature {
                        name: key.key_id().to_owned(),
                        what,
                    },
                })
        };
        self.check_content(artifact, &check, key.spki_der(), key.key_id())
    }

    /// Checks the signature over the content (`verify` over whole messages; a P-256 prehash
    /// check under `spki_der` when only the artifact's digest is given) and the artifact
    /// against the content (message digest, or in-toto subject).
    pub(super) fn check_content(
        &self,
        artifact: ArtifactInput<'_>,
        verify: &SignatureCheck<'_>,
        spki_der: &[u8],
        key_id: &str,
    ) -> Result<VerifiedContent, TransparencyError> {
        if let Some(ms) = &self.message_signature {
            // The message digest (an unauthenticated hint) is compared first, then the
            // signature over the artifact, or over its digest alone.
            let digest = match artifact {
                ArtifactInput::Bytes(bytes) => {
                    let digest = Digest::of(bytes);
                    check_message_digest(ms, &digest)?;
                    verify(bytes, &ms.signature, "artifact")?;
                    digest
                }
                ArtifactInput::Sha256(digest) => {
                    check_message_digest(ms, &digest)?;
                    verify_spki_prehashed(spki_der, digest.as_bytes(), &ms.signature, "artifact")?;
                    digest
                }
                ArtifactInput::None => {
                    return Err(TransparencyError::MissingField {
                        what: "message signature verification",
                        field: "artifact bytes",
                    });
                }
            };
            return Ok(VerifiedContent::Artifact { digest });
        }
        let env = self
            .dsse_envelope
            .as_ref()
            .ok_or(TransparencyError::MissingField {
                what: "Sigstore bundle",
                field: "messageSignature or dsseEnvelope",
            })?;
        let [sig] = env.signatures.as_slice() else {
            return Err(TransparencyError::InvalidField {
                field: "dsseEnvelope.signatures",
                value: env.signatures.len().to_string(),
                reason: "a Sigstore bundle's envelope has exactly one signature",
            });
        };
        verify(
            &pae(&env.payload_type, &env.payload),
            &sig.sig,
            "DSSE envelope",
        )?;
        if let Some(digest) = artifact.digest() {
            // With the bytes, every algorithm a subject may name (npm provenance names only
            // sha512) is matched on the strongest both sides have; with a digest, sha256.
            let bytes = match artifact {
                ArtifactInput::Bytes(b) => Some(b),
                _ => None,
            };
            check_artifact_is_subject(env, &digest, bytes)?;
        }
        Ok(VerifiedContent::Dsse(VerifiedEnvelope::from_verified(
            env.payload_type.clone(),
            env.payload.clone(),
            key_id.to_owned(),
        )))
    }

    /// Verifies every log entry: its log (found by `log` from the entry's log id), SET,
    /// inclusion proof and checkpoint, and (when `signer` is given) that its body records this
    /// bundle's content and `signer` (keyless verification checks the bodies later, with
    /// [`Bundle::check_body`], after the certificate).
    pub(super) fn verify_entries(
        &self,
        version: BundleVersion,
        signer: Option<BodySigner<'_>>,
        artifact: Option<Digest>,
        log: &dyn Fn(&[u8; 32]) -> Result<RekorLogKey, TransparencyError>,
    ) -> Result<Vec<VerifiedEntry>, TransparencyError> {
        let entries = &self.verification_material.tlog_entries;
        if entries.is_empty() {
            return Err(TransparencyError::MissingField {
                what: "Sigstore bundle",
                field: "tlogEntries",
            });
        }
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            out.push(self.verify_v1_entry(entry, version, signer, artifact, log)?);
        }
        Ok(out)
    }

    /// Verifies one Rekor v1 entry (see [`Bundle::verify_entries`]).
    pub(super) fn verify_v1_entry(
        &self,
        entry: &TransparencyLogEntry,
        version: BundleVersion,
        signer: Option<BodySigner<'_>>,
        artifact: Option<Digest>,
        log: &dyn Fn(&[u8; 32]) -> Result<RekorLogKey, TransparencyError>,
    ) -> Result<VerifiedEntry, TransparencyError> {
        let log_entry = entry.to_log_entry()?;
        let log = log(&log_entry.log_id)?;
        let verified = log_entry.verify(&log, version >= BundleVersion::V0_2)?;
        if verified.body.kind() != entry.kind_version.kind
            || verified.body.api_version() != entry.kind_version.version
        {
            return Err(TransparencyError::Mismatch {
                what: "bundle log entry",
                field: "kindVersion (differs from the body)",
            });
        }
        if let Some(signer) = signer {
            self.check_body(&verified.body, signer, artifact)?;
        }
        Ok(verified)
    }

    /// Checks that a log entry body records this bundle's content and signer.
    pub(super) fn check_body(
        &self,
        body: &EntryBody,
        signer: BodySigner<'_>,
        artifact: Option<Digest>,
    ) -> Result<(), TransparencyError> {
        if let Some(ms) = &self.message_signature {
            body.hashed_rekord()?;
            // The digest the body must record: the artifact's, or (when no artifact is given
            // to a transparency-only check) the bundle's own message digest.
            let digest = match (artifact, &ms.message_digest) {
                (Some(d), _) => {
                    check_message_digest(ms, &d)?;
                    d
                }
                (None, Some(md)) => digest_from_hash_output(md)?,
                (None, None) => {
                    return Err(TransparencyError::MissingField {
                        what: "message signature",
                        field: "messageDigest (or the artifact)",
                    });
                }
            };
            return body.check_artifact_by(&digest, &ms.signature, signer);
        }
        let env = self
            .dsse_envelope
            .as_ref()
            .ok_or(TransparencyError::MissingField {
                what: "Sigstore bundle",
                field: "messageSignature or dsseEnvelope",
            })?;
        let sigs: Vec<&[u8]> = env.signatures.iter().map(|s| s.sig.as_slice()).collect();
        body.check_envelope_by(&env.payload_type, &env.payload, &sigs, signer)
    }
}

/// For a DSSE bundle checked against an artifact: the envelope holds an in-toto statement one
/// of whose subjects has the artifact's SHA-256.
pub(super) fn check_artifact_is_subject(
    env: &Envelope,
    digest: &Digest,
    bytes: Option<&[u8]>,
) -> Result<(), TransparencyError> {
    if env.payload_type != PAYLOAD_TYPE_IN_TOTO {
        return Err(TransparencyError::Mismatch {
            what: "DSSE bundle checked against an artifact",
            field: "payloadType (only an in-toto statement names subjects)",
        });
    }
    let statement = Statement::from_json(&env.payload).map_err(|e| TransparencyError::Json {
        what: "in-toto statement in the bundle's envelope",
        reason: e.to_string().chars().take(200).collect(),
    })?;
    let is_subject = match bytes {
        Some(b) => statement.matches_artifact(&crate::statement::ArtifactDigests::of(b)),
        None => statement.has_subject(digest),
    };
    if !is_subject {
        return Err(TransparencyError::ArtifactNotSubject {
            artifact: *digest,
            subjects: statement
                .subjects()
                .iter()
                .filter_map(|s| s.sha256().map(|d| d.to_string()))
                .collect(),
        });
    }
    Ok(())
}

fn digest_from_hash_output(md: &HashOutput) -> Result<Digest, TransparencyError> {
    if md.algorithm != "SHA2_256" {
        return Err(TransparencyError::InvalidField {
            field: "messageDigest.algorithm",
            value: md.algorithm.chars().take(32).collect(),
            reason: "only SHA2_256 is supported",
        });
    }
    let hex_text = hex::encode(&md.digest);
    Digest::parse_hex(&hex_text).map_err(|_| TransparencyError::HashLength {
        field: "messageDigest.digest",
        length: md.digest.len(),
    })
}

pub(super) fn check_message_digest(
    ms: &MessageSignature,
    digest: &Digest,
) -> Result<(), TransparencyError> {
    if let Some(md) = &ms.message_digest
        && digest_from_hash_output(md)? != *digest
    {
        return Err(TransparencyError::Mismatch {
            what: "message signature",
            field: "messageDigest (differs from the artifact's SHA-256)",
        });
    }
    Ok(())
}

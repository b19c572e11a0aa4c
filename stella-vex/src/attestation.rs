//! Signed VEX and signed waivers: DSSE envelopes around in-toto Statement v1, built and verified
//! with `stella-attest` ([`Statement`], [`StatementPolicy`]).
//!
//! Nothing here returns a document or waiver before the envelope verified against the caller's
//! [`Keyring`]; the key ids that verified become the source's signers, which the trust policy
//! maps to issuers.
//!
//! Three predicate types are read:
//! - OpenVEX ([`OPENVEX_PREDICATE_TYPES`]): the predicate is the document;
//! - our VEX waiver ([`WAIVER_PREDICATE_TYPE`]): a [`Waiver`] (artifact, ids, status and
//!   justification or action statement, approver, created, expires);
//! - `stella-attest`'s waiver ([`ATTEST_WAIVER_PREDICATE_TYPE`], one vulnerability, optional
//!   packages, free-text justification): read as a `not_affected` waiver whose impact statement
//!   is that justification, for the statement's first subject; its `packages` are not modelled
//!   (the waiver then covers every package of the image) — a documented narrowing loss.

use stella_attest::dsse::{Envelope, Keyring};
use stella_attest::predicates::{Predicate, Waiver as AttestWaiver};
use stella_attest::statement::{Statement, StatementPolicy};
use stella_core::{Digest, Signer};

use crate::error::VexError;
use crate::model::{CONTEXT_V0_2_0, Document, ParseOptions, Status};
use crate::trust::VexSource;
use crate::waiver::{WAIVER_PREDICATE_TYPE, Waiver};

/// Predicate types accepted as OpenVEX (`vexctl attest` writes the document's context).
pub const OPENVEX_PREDICATE_TYPES: [&str; 2] = [CONTEXT_V0_2_0, crate::model::CONTEXT_UNVERSIONED];

/// The predicate type of `stella-attest`'s waiver, also accepted.
pub const ATTEST_WAIVER_PREDICATE_TYPE: &str = AttestWaiver::PREDICATE_TYPE;

fn sig(source: stella_attest::AttestError) -> VexError {
    VexError::Signature { source }
}

fn sign_raw(
    subjects: &[(String, Digest)],
    predicate_type: &str,
    predicate: serde_json::Value,
    signer: &dyn Signer,
) -> Result<Vec<u8>, VexError> {
    let mut builder = Statement::builder();
    for (name, digest) in subjects {
        builder = builder.subject(name.clone(), *digest);
    }
    let statement = builder
        .raw_predicate(predicate_type, predicate)
        .build()
        .map_err(sig)?;
    statement
        .sign(&[signer])
        .map_err(sig)?
        .to_json()
        .map_err(sig)
}

/// Signs an OpenVEX document as an in-toto attestation about `subjects` (name, digest; at least
/// one) and returns the DSSE envelope JSON.
pub fn sign_document(
    document: &Document,
    subjects: &[(String, Digest)],
    signer: &dyn Signer,
) -> Result<Vec<u8>, VexError> {
    let predicate = serde_json::to_value(document).map_err(|e| VexError::Shape {
        what: "OpenVEX document",
        message: e.to_string(),
    })?;
    sign_raw(subjects, CONTEXT_V0_2_0, predicate, signer)
}

/// Signs a waiver as an in-toto attestation whose subject is the waived artifact.
pub fn sign_waiver(waiver: &Waiver, signer: &dyn Signer) -> Result<Vec<u8>, VexError> {
    let predicate = serde_json::to_value(waiver).map_err(|e| VexError::Shape {
        what: "waiver",
        message: e.to_string(),
    })?;
    sign_raw(
        &[(waiver.artifact.to_string(), waiver.artifact)],
        WAIVER_PREDICATE_TYPE,
        predicate,
        signer,
    )
}

/// The largest envelope that can carry a document within `options`' byte limit: base64 (4/3)
/// of the document plus 64 KiB for the in-toto statement and the signatures.
fn max_envelope_bytes(options: &ParseOptions) -> usize {
    (options.json.max_bytes / 3)
        .saturating_mul(4)
        .saturating_add(64 * 1024)
}

/// Parses an envelope (verification follows in [`StatementPolicy::verify`]).
fn open(envelope: &[u8]) -> Result<Envelope, VexError> {
    Envelope::from_json(envelope).map_err(sig)
}

fn waiver_from(statement: &Statement) -> Result<Waiver, VexError> {
    if statement.predicate_type() == WAIVER_PREDICATE_TYPE {
        return Waiver::from_predicate(statement.predicate());
    }
    // stella-attest's waiver: one vulnerability, free-text justification.
    let w: AttestWaiver = statement.predicate_as().map_err(sig)?;
    let artifact = statement
        .subjects()
        .first()
        .and_then(|s| s.sha256())
        .ok_or_else(|| VexError::Shape {
            what: "waiver",
            message: "the waiver statement has no sha256 subject".into(),
        })?;
    // Not affected, with the free text as the impact statement (a justification label is not
    // in that predicate).
    let waiver = Waiver {
        artifact,
        vulnerabilities: vec![w.vulnerability],
        reason: w.justification.clone(),
        approver: w.author,
        created: w.issued_at,
        expires: w.expires_at,
        status: Status::NotAffected,
        justification: None,
        impact_statement: Some(w.justification),
        action_statement: None,
    };
    waiver.check()?;
    Ok(waiver)
}

impl VexSource {
    /// A signed OpenVEX or waiver attestation: the DSSE envelope is verified against `keyring`
    /// (payload type in-toto, predicate type OpenVEX or a waiver) before anything is read; the
    /// verified key ids become the signers the trust policy judges. The source digest is that
    /// of the verified in-toto statement.
    pub fn signed(envelope: &[u8], keyring: &Keyring) -> Result<Self, VexError> {
        // The cheapest rejection first: an envelope whose base64 payload cannot hold a
        // document within the OpenVEX byte limit (plus the in-toto wrapper) is not opened.
        let max = max_envelope_bytes(&ParseOptions::default());
        if envelope.len() > max {
            return Err(VexError::Limit {
                what: "bytes of a signed VEX envelope",
                max,
                actual: envelope.len(),
            });
        }
        let env = open(envelope)?;
        let mut policy = StatementPolicy::new()
            .allow_predicate_type(WAIVER_PREDICATE_TYPE)
            .allow_predicate_type(ATTEST_WAIVER_PREDICATE_TYPE);
        for t in OPENVEX_PREDICATE_TYPES {
            policy = policy.allow_predicate_type(t);
        }
        let verified = policy.verify(&env, keyring).map_err(sig)?;
        let key_ids = verified.key_ids().to_vec();
        let statement = verified.into_statement();
        let payload = statement.to_payload().map_err(sig)?;
        let pt = statement.predicate_type();
        let mut source = if pt == WAIVER_PREDICATE_TYPE || pt == ATTEST_WAIVER_PREDICATE_TYPE {
            VexSource::waiver(waiver_from(&statement)?)?
        } else {
            let (document, upgrades) =
                Document::from_value_compat(statement.predicate(), &ParseOptions::default())?;
            let mut source = VexSource::from_document(document, Digest::of(&payload));
            source.upgrades = upgrades;
            source
        };
        source.signers = key_ids;
        Ok(source)
    }
}

impl Waiver {
    /// A signed waiver (ours or `stella-attest`'s): verified against `keyring` first, then read
    /// from the predicate. Returns the waiver and the key ids that signed it.
    pub fn from_signed(
        envelope: &[u8],
        keyring: &Keyring,
    ) -> Result<(Self, Vec<String>), VexError> {
        let env = open(envelope)?;
        let verified = StatementPolicy::new()
            .allow_predicate_type(WAIVER_PREDICATE_TYPE)
            .allow_predicate_type(ATTEST_WAIVER_PREDICATE_TYPE)
            .verify(&env, keyring)
            .map_err(sig)?;
        let key_ids = verified.key_ids().to_vec();
        Ok((waiver_from(verified.statement())?, key_ids))
    }
}

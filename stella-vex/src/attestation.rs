//! Signed VEX and signed waivers: DSSE envelopes (from `stella-attest`) around in-toto
//! Statement v1 with an OpenVEX or waiver predicate.
//!
//! Nothing here returns a document or waiver before the envelope verified against the caller's
//! [`Keyring`]; the key ids that verified become the source's signers, which the trust policy
//! maps to issuers.

use serde_json::{Value, json};
use stella_attest::dsse::{Envelope, Keyring, PAYLOAD_TYPE_IN_TOTO};
use stella_core::canonical::{JsonLimits, from_slice_strict_with, to_canonical_vec};
use stella_core::{Digest, Signer};

use crate::error::VexError;
use crate::model::{CONTEXT_V0_2_0, Document, ParseOptions};
use crate::trust::VexSource;
use crate::waiver::{WAIVER_PREDICATE_TYPE, Waiver};

/// The in-toto Statement v1 `_type`.
pub const IN_TOTO_STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";

/// Predicate types accepted as OpenVEX (`vexctl attest` writes the document's context).
pub const OPENVEX_PREDICATE_TYPES: [&str; 2] = [CONTEXT_V0_2_0, crate::model::CONTEXT_UNVERSIONED];

fn statement_json(subjects: &[(String, Digest)], predicate_type: &str, predicate: Value) -> Value {
    let subject: Vec<Value> = subjects
        .iter()
        .map(|(name, d)| json!({"name": name, "digest": {"sha256": d.hex()}}))
        .collect();
    json!({
        "_type": IN_TOTO_STATEMENT_V1,
        "subject": subject,
        "predicateType": predicate_type,
        "predicate": predicate,
    })
}

fn sign_statement(statement: &Value, signer: &dyn Signer) -> Result<Vec<u8>, VexError> {
    let payload = to_canonical_vec(statement).map_err(|source| VexError::Json {
        what: "in-toto statement",
        source,
    })?;
    let envelope = Envelope::sign(PAYLOAD_TYPE_IN_TOTO, payload, &[signer])
        .map_err(|source| VexError::Signature { source })?;
    envelope
        .to_json()
        .map_err(|source| VexError::Signature { source })
}

/// Signs an OpenVEX document as an in-toto attestation about `subjects` (name, digest) and
/// returns the DSSE envelope JSON.
pub fn sign_document(
    document: &Document,
    subjects: &[(String, Digest)],
    signer: &dyn Signer,
) -> Result<Vec<u8>, VexError> {
    let predicate = serde_json::to_value(document).map_err(|e| VexError::Shape {
        what: "OpenVEX document",
        message: e.to_string(),
    })?;
    sign_statement(&statement_json(subjects, CONTEXT_V0_2_0, predicate), signer)
}

/// Signs a waiver as an in-toto attestation whose subject is the waived artifact.
pub fn sign_waiver(waiver: &Waiver, signer: &dyn Signer) -> Result<Vec<u8>, VexError> {
    let predicate = serde_json::to_value(waiver).map_err(|e| VexError::Shape {
        what: "waiver",
        message: e.to_string(),
    })?;
    sign_statement(
        &statement_json(
            &[(waiver.artifact.to_string(), waiver.artifact)],
            WAIVER_PREDICATE_TYPE,
            predicate,
        ),
        signer,
    )
}

/// A verified in-toto statement: its JSON and the key ids that signed it.
struct Verified {
    statement: Value,
    payload_digest: Digest,
    key_ids: Vec<String>,
}

fn open(envelope: &[u8], keyring: &Keyring) -> Result<Verified, VexError> {
    let env = Envelope::from_json(envelope).map_err(|source| VexError::Signature { source })?;
    let verified = env
        .verify(keyring, &[PAYLOAD_TYPE_IN_TOTO])
        .map_err(|source| VexError::Signature { source })?;
    let key_ids = verified.key_ids().to_vec();
    let payload = verified.into_payload();
    let statement: Value =
        from_slice_strict_with(&payload, &JsonLimits::default()).map_err(|source| {
            VexError::Json {
                what: "in-toto statement",
                source,
            }
        })?;
    let t = statement
        .get("_type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if t != IN_TOTO_STATEMENT_V1 && t != "https://in-toto.io/Statement/v0.1" {
        return Err(VexError::Shape {
            what: "in-toto statement",
            message: format!(
                "_type {:?} is not an in-toto statement",
                t.chars().take(100).collect::<String>()
            ),
        });
    }
    Ok(Verified {
        statement,
        payload_digest: Digest::of(&payload),
        key_ids,
    })
}

impl VexSource {
    /// A signed OpenVEX attestation: the DSSE envelope is verified against `keyring` (payload
    /// type in-toto) before anything is read; the predicate type must be OpenVEX; the verified
    /// key ids become the signers the trust policy judges. The source digest is that of the
    /// verified in-toto statement.
    pub fn signed(envelope: &[u8], keyring: &Keyring) -> Result<Self, VexError> {
        let v = open(envelope, keyring)?;
        let pt = v
            .statement
            .get("predicateType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if pt == WAIVER_PREDICATE_TYPE {
            let w = Waiver::from_statement(&v.statement)?;
            let mut source = VexSource::waiver(w)?;
            source.signers = v.key_ids;
            return Ok(source);
        }
        if !OPENVEX_PREDICATE_TYPES.contains(&pt) {
            return Err(VexError::Shape {
                what: "in-toto statement",
                message: format!(
                    "predicateType {:?} is neither OpenVEX nor a waiver",
                    pt.chars().take(100).collect::<String>()
                ),
            });
        }
        let predicate = v.statement.get("predicate").cloned().unwrap_or_default();
        let document = Document::from_value(&predicate, &ParseOptions::default())?;
        let mut source = VexSource::from_document(document, v.payload_digest);
        source.signers = v.key_ids;
        Ok(source)
    }
}

impl Waiver {
    /// A signed waiver: verified against `keyring` first, then read from the waiver predicate.
    /// Returns the waiver and the key ids that signed it.
    pub fn from_signed(
        envelope: &[u8],
        keyring: &Keyring,
    ) -> Result<(Self, Vec<String>), VexError> {
        let v = open(envelope, keyring)?;
        Ok((Waiver::from_statement(&v.statement)?, v.key_ids))
    }
}

//! DSSE v1: the Dead Simple Signing Envelope (secure-systems-lab/dsse, protocol 1.0.0).
//!
//! - [`pae`] is the Pre-Authentication Encoding, exactly as the spec defines it:
//!   `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal bytes.
//! - [`Envelope`] is a parsed or freshly signed envelope. It never hands out its payload: the
//!   only way to the payload bytes is [`Envelope::verify`], which returns a [`VerifiedEnvelope`].
//! - [`Keyring`] holds the trusted keys and the threshold: `k` of `n` *distinct* keys (one key
//!   signing twice, or registered under two ids, counts once).
//!
//! Envelope JSON is written with standard base64 (padded) and keys in RFC 8785 order; on input
//! both the standard and the URL-safe alphabet are accepted, padded or not (the spec requires
//! verifiers to accept either), but not a mixture of the two in one value.
//!
//! ## Key ids
//!
//! A signature's `keyid` is an unauthenticated hint (the spec forbids basing decisions on it).
//! A signature whose `keyid` names a keyring entry is checked against that key only. A
//! signature with an empty or unknown `keyid` is checked against every key (peers such as
//! securesystemslib or in-toto write key ids of their own scheme); when none verifies, an
//! unknown `keyid` is reported as [`DsseError::UnknownKeyId`]. Signing writes the signer's key id
//! (for local keys: `sha256:` of the SPKI DER, see [`crate::keys`]).
//!
//! ## Errors
//!
//! When the threshold is not met and the envelope carried exactly one signature, that
//! signature's own error is returned ([`DsseError::UnknownKeyId`], [`DsseError::Signature`]
//! wrapping [`KeyError::BadSignature`], [`KeyError::HighS`], [`KeyError::MalformedSignature`],
//! ...); otherwise [`DsseError::ThresholdNotMet`] lists every rejection.
//!
//! ```
//! use stella_attest::dsse::{Envelope, Keyring};
//! use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
//! use stella_core::SignatureAlgorithm;
//!
//! let key = PrivateKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())?;
//! let public = key.public_key().clone();
//! let signer = LocalSigner::new(key, SystemRandom::new())?;
//!
//! let envelope = Envelope::sign("application/vnd.example+json", b"{}".to_vec(), &[&signer])?;
//! let json = envelope.to_json()?;
//!
//! let mut keyring = Keyring::new();
//! keyring.add(public)?;
//! let verified = Envelope::from_json(&json)?.verify(&keyring, &["application/vnd.example+json"])?;
//! assert_eq!(verified.payload(), b"{}");
//! # Ok::<(), stella_attest::AttestError>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use serde::{Deserialize, Serialize};
use stella_core::{CoreError, Signer, Verifier};

use crate::AttestError;
use crate::keys::{KeyError, PublicKey};

/// The payload type of in-toto statements.
pub const PAYLOAD_TYPE_IN_TOTO: &str = "application/vnd.in-toto+json";

/// What can be wrong with an envelope, its signatures or a keyring.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DsseError {
    /// The envelope is not valid JSON of the DSSE shape (missing or duplicate fields, unknown
    /// fields, wrong types, lone surrogates, nesting).
    #[error("envelope JSON is invalid: {reason}")]
    EnvelopeJson {
        /// What the parser reported.
        reason: String,
    },
    /// The envelope is larger than the configured limit.
    #[error("envelope of {length} bytes exceeds the limit of {max}")]
    TooLarge {
        /// Input length.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// A base64 field could not be decoded with either alphabet.
    #[error("{field} is not valid base64: {reason}")]
    Base64 {
        /// Which field (`payload`, `signatures[2].sig`).
        field: String,
        /// What was wrong.
        reason: Base64Problem,
    },
    /// The envelope's payload type is not one the caller accepts.
    #[error("payload type {payload_type:?} is not allowed (allowed: {allowed:?})")]
    PayloadTypeNotAllowed {
        /// The envelope's payload type (truncated).
        payload_type: String,
        /// What the caller allowed.
        allowed: Vec<String>,
    },
    /// The envelope has no signatures (or signing was asked with no signer).
    #[error("envelope has no signatures")]
    NoSignatures,
    /// More signatures than the configured limit.
    #[error("envelope has {count} signatures, more than the limit of {max}")]
    TooManySignatures {
        /// How many.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A signature names a key id that is not in the keyring, and no keyring key verifies it.
    #[error("signature {index} names key id {keyid:?}, which is not in the keyring")]
    UnknownKeyId {
        /// Index of the signature in the envelope.
        index: usize,
        /// The key id (truncated).
        keyid: String,
    },
    /// A signature without a key id that no keyring key verifies.
    #[error("signature {index} (no key id) does not verify under any of the {tried} keyring keys")]
    NoKeyVerified {
        /// Index of the signature in the envelope.
        index: usize,
        /// How many keys were tried.
        tried: usize,
    },
    /// A signature failed under the key it was checked with: bad, high-S or malformed.
    #[error("signature {index} (key id {keyid:?}): {source}")]
    Signature {
        /// Index of the signature in the envelope.
        index: usize,
        /// The keyring id of the key.
        keyid: String,
        /// Why.
        source: KeyError,
    },
    /// A signature failed under a caller-supplied [`Verifier`] (KMS, HSM, ...).
    #[error("signature {index} (key id {keyid:?}): {source}")]
    Verifier {
        /// Index of the signature in the envelope.
        index: usize,
        /// The keyring id of the key.
        keyid: String,
        /// What the verifier reported.
        source: CoreError,
    },
    /// Fewer distinct keyring keys verified than the threshold requires.
    #[error("{verified} distinct keys verified, threshold is {threshold}; rejected: {}", list(.rejections))]
    ThresholdNotMet {
        /// The threshold.
        threshold: usize,
        /// Distinct keys that verified.
        verified: usize,
        /// Why each other signature was rejected.
        rejections: Vec<DsseError>,
    },
    /// A threshold of 0, or more than the number of distinct keys in the keyring.
    #[error("threshold {threshold} is invalid for a keyring of {keys} distinct keys")]
    InvalidThreshold {
        /// The threshold asked.
        threshold: usize,
        /// Distinct keys in the keyring.
        keys: usize,
    },
    /// A key id added to a keyring twice.
    #[error("key id {keyid:?} is already in the keyring")]
    DuplicateKeyId {
        /// The key id.
        keyid: String,
    },
}

/// Why a base64 field of an envelope did not decode ([`DsseError::Base64`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Base64Problem {
    /// The value uses characters of both the standard (`+`, `/`) and the URL-safe (`-`, `_`)
    /// alphabet.
    #[error("mixes the standard and URL-safe alphabets")]
    MixedAlphabets,
    /// The value does not decode in its alphabet (bad character, length or padding).
    #[error(transparent)]
    Decode(#[from] base64::DecodeError),
}

fn list(errors: &[DsseError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn truncate(s: &str) -> String {
    s.chars().take(120).collect()
}

/// `PAE(type, body)` of DSSE v1.
///
/// ```
/// assert_eq!(
///     stella_attest::dsse::pae("http://example.com/HelloWorld", b"hello world"),
///     b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
/// );
/// ```
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let type_len = payload_type.len().to_string();
    let body_len = payload.len().to_string();
    let mut out = Vec::with_capacity(
        7 + type_len.len() + 1 + payload_type.len() + 1 + body_len.len() + 1 + payload.len(),
    );
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(type_len.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(body_len.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_IN: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE_IN: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

/// `text` without its `\r` and `\n` characters, which Go's `encoding/base64` (every
/// alphabet) skips wherever they are and Python's `base64.b64decode` discards: the only
/// characters outside the alphabet both ignore, so the only ones we ignore (a space, a tab or
/// any other character is still an error, as Go makes it).
pub(crate) fn strip_line_breaks(text: &str) -> std::borrow::Cow<'_, str> {
    if text.bytes().any(|b| b == b'\r' || b == b'\n') {
        std::borrow::Cow::Owned(text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Decodes standard or URL-safe base64 (padding optional; one alphabet per value; line
/// breaks ignored, see [`strip_line_breaks`]).
fn decode_base64(field: impl FnOnce() -> String, text: &str) -> Result<Vec<u8>, DsseError> {
    let text = strip_line_breaks(text);
    let text = text.as_ref();
    let url = text.bytes().any(|b| b == b'-' || b == b'_');
    let standard = text.bytes().any(|b| b == b'+' || b == b'/');
    let fail = |reason: Base64Problem| DsseError::Base64 {
        field: field(),
        reason,
    };
    if url && standard {
        return Err(fail(Base64Problem::MixedAlphabets));
    }
    let engine = if url { &URL_SAFE_IN } else { &STANDARD_IN };
    engine
        .decode(text)
        .map_err(|e| fail(Base64Problem::Decode(e)))
}

/// Bounds on envelopes read from untrusted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeLimits {
    /// Largest envelope JSON in bytes. Default 64 MiB (an embedded SBOM can be large).
    pub max_bytes: usize,
    /// Most signatures. Default 32.
    pub max_signatures: usize,
}

impl Default for EnvelopeLimits {
    fn default() -> Self {
        Self {
            max_bytes: 64 * 1024 * 1024,
            max_signatures: 32,
        }
    }
}

/// One signature of an envelope.
#[derive(Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    keyid: String,
    sig: Vec<u8>,
}

impl fmt::Debug for EnvelopeSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvelopeSignature")
            .field("keyid", &self.keyid)
            .field("sig", &STANDARD.encode(&self.sig))
            .finish()
    }
}

impl EnvelopeSignature {
    /// A signature with its key id hint (empty when none).
    pub fn new(keyid: impl Into<String>, sig: Vec<u8>) -> Self {
        Self {
            keyid: keyid.into(),
            sig,
        }
    }

    /// The key id hint (empty when the envelope gave none).
    pub fn keyid(&self) -> &str {
        &self.keyid
    }

    /// The signature bytes.
    pub fn sig(&self) -> &[u8] {
        &self.sig
    }
}

/// A DSSE envelope, parsed or signed, *not* verified: its payload is reachable only through
/// [`Envelope::verify`].
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope {
    payload_type: String,
    payload: Vec<u8>,
    signatures: Vec<EnvelopeSignature>,
}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("payload_type", &self.payload_type)
            .field("payload_len", &self.payload.len())
            .field("signatures", &self.signatures)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEnvelope {
    payload: String,
    #[serde(rename = "payloadType")]
    payload_type: String,
    signatures: Vec<WireSignature>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSignature {
    #[serde(default)]
    keyid: Option<String>,
    sig: String,
}

#[derive(Serialize)]
struct WireOut<'a> {
    payload: String,
    #[serde(rename = "payloadType")]
    payload_type: &'a str,
    signatures: Vec<WireSigOut<'a>>,
}

#[derive(Serialize)]
struct WireSigOut<'a> {
    keyid: &'a str,
    sig: String,
}

impl Envelope {
    /// An unsigned envelope from its parts (for tests, and for callers that collect signatures
    /// made elsewhere with [`Envelope::add_signature_bytes`]).
    pub fn from_parts(
        payload_type: impl Into<String>,
        payload: Vec<u8>,
        signatures: Vec<EnvelopeSignature>,
    ) -> Self {
        Self {
            payload_type: payload_type.into(),
            payload,
            signatures,
        }
    }

    /// Signs `payload` as `payload_type` with every signer (at least one), in the order given.
    pub fn sign(
        payload_type: &str,
        payload: Vec<u8>,
        signers: &[&dyn Signer],
    ) -> Result<Self, AttestError> {
        if signers.is_empty() {
            return Err(DsseError::NoSignatures.into());
        }
        let mut envelope = Self::from_parts(payload_type, payload, Vec::new());
        for signer in signers {
            envelope.add_signature(*signer)?;
        }
        Ok(envelope)
    }

    /// Adds one more signature (co-signing), over this envelope's PAE.
    pub fn add_signature(&mut self, signer: &dyn Signer) -> Result<(), AttestError> {
        let sig = signer.sign(&self.pae())?;
        self.signatures
            .push(EnvelopeSignature::new(signer.key_id(), sig));
        Ok(())
    }

    /// Adds a signature made elsewhere over [`pae`] of this envelope's payload type and payload.
    pub fn add_signature_bytes(&mut self, keyid: impl Into<String>, sig: Vec<u8>) {
        self.signatures.push(EnvelopeSignature::new(keyid, sig));
    }

    /// Parses envelope JSON with default [`EnvelopeLimits`].
    pub fn from_json(bytes: &[u8]) -> Result<Self, AttestError> {
        Self::from_json_with(bytes, &EnvelopeLimits::default())
    }

    /// Parses envelope JSON. Duplicate and unknown fields are refused; base64 may be standard or
    /// URL-safe.
    pub fn from_json_with(bytes: &[u8], limits: &EnvelopeLimits) -> Result<Self, AttestError> {
        if bytes.len() > limits.max_bytes {
            return Err(DsseError::TooLarge {
                length: bytes.len(),
                max: limits.max_bytes,
            }
            .into());
        }
        // serde's derive refuses duplicate and (with deny_unknown_fields) unknown fields, and
        // serde_json refuses lone surrogates in strings; the envelope has no numbers, so this is
        // as strict as stella-core's parser at a fraction of the cost.
        let wire: WireEnvelope =
            serde_json::from_slice(bytes).map_err(|e| DsseError::EnvelopeJson {
                reason: truncate(&e.to_string()),
            })?;
        if wire.signatures.len() > limits.max_signatures {
            return Err(DsseError::TooManySignatures {
                count: wire.signatures.len(),
                max: limits.max_signatures,
            }
            .into());
        }
        let payload = decode_base64(|| "payload".into(), &wire.payload)?;
        let signatures = wire
            .signatures
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let sig = decode_base64(|| format!("signatures[{i}].sig"), &s.sig)?;
                Ok(EnvelopeSignature::new(s.keyid.unwrap_or_default(), sig))
            })
            .collect::<Result<Vec<_>, DsseError>>()?;
        Ok(Self {
            payload_type: wire.payload_type,
            payload,
            signatures,
        })
    }

    /// The envelope as JSON: standard padded base64, keys in RFC 8785 order, `keyid` always
    /// present (empty when unknown, as cosign writes it), no whitespace.
    pub fn to_json(&self) -> Result<Vec<u8>, AttestError> {
        let out = WireOut {
            payload: STANDARD.encode(&self.payload),
            payload_type: &self.payload_type,
            signatures: self
                .signatures
                .iter()
                .map(|s| WireSigOut {
                    keyid: &s.keyid,
                    sig: STANDARD.encode(&s.sig),
                })
                .collect(),
        };
        Ok(stella_core::canonical::to_canonical_vec(&out)?)
    }

    /// The payload type the envelope claims (unauthenticated until verified).
    pub fn payload_type(&self) -> &str {
        &self.payload_type
    }

    /// The signatures.
    pub fn signatures(&self) -> &[EnvelopeSignature] {
        &self.signatures
    }

    /// The PAE bytes the signatures are over. Not public: the PAE contains the payload, which
    /// leaves this type only through [`Envelope::verify`]. A caller signing elsewhere has the
    /// payload and computes [`pae`] itself.
    pub(crate) fn pae(&self) -> Vec<u8> {
        pae(&self.payload_type, &self.payload)
    }

    /// `sha256:` of the (unverified) payload bytes, as transparency log entries record it. A
    /// digest, not the payload: nothing here can be read as if it were verified.
    pub fn payload_digest(&self) -> stella_core::Digest {
        stella_core::Digest::of(&self.payload)
    }

    /// Verifies the envelope: its payload type must be one of `allowed_payload_types`, and at
    /// least the keyring's threshold of distinct keys must have signed its PAE.
    pub fn verify(
        &self,
        keyring: &Keyring,
        allowed_payload_types: &[&str],
    ) -> Result<VerifiedEnvelope, AttestError> {
        if !allowed_payload_types.contains(&self.payload_type.as_str()) {
            return Err(DsseError::PayloadTypeNotAllowed {
                payload_type: truncate(&self.payload_type),
                allowed: allowed_payload_types
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
            }
            .into());
        }
        let threshold = keyring.threshold;
        let distinct = keyring.distinct_keys();
        if threshold == 0 || threshold > distinct {
            return Err(DsseError::InvalidThreshold {
                threshold,
                keys: distinct,
            }
            .into());
        }
        if self.signatures.is_empty() {
            return Err(DsseError::NoSignatures.into());
        }
        let message = self.pae();
        let mut accepted: BTreeSet<&str> = BTreeSet::new();
        let mut accepted_ids: Vec<String> = Vec::new();
        let mut rejections = Vec::new();
        for (index, signature) in self.signatures.iter().enumerate() {
            match keyring.verify_one(index, signature, &message) {
                Ok(entry) => {
                    if accepted.insert(entry.identity.as_str()) {
                        accepted_ids.push(entry.id.clone());
                    }
                }
                Err(e) => rejections.push(e),
            }
        }
        if accepted.len() < threshold {
            if accepted.is_empty() && rejections.len() == 1 {
                if let Some(only) = rejections.pop() {
                    return Err(only.into());
                }
            }
            return Err(DsseError::ThresholdNotMet {
                threshold,
                verified: accepted.len(),
                rejections,
            }
            .into());
        }
        accepted_ids.sort();
        Ok(VerifiedEnvelope {
            payload_type: self.payload_type.clone(),
            payload: self.payload.clone(),
            key_ids: accepted_ids,
        })
    }
}

/// An envelope whose signatures verified: the only way to its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedEnvelope {
    payload_type: String,
    payload: Vec<u8>,
    key_ids: Vec<String>,
}

impl VerifiedEnvelope {
    /// An envelope whose signature another verifier checked (a Sigstore bundle's, under
    /// `key_id`). Crate-internal: only code that verified the signature makes one.
    pub(crate) fn from_verified(payload_type: String, payload: Vec<u8>, key_id: String) -> Self {
        Self {
            payload_type,
            payload,
            key_ids: vec![key_id],
        }
    }

    /// The (verified) payload type.
    pub fn payload_type(&self) -> &str {
        &self.payload_type
    }

    /// The verified payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The verified payload, owned.
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }

    /// Keyring ids of the distinct keys whose signatures verified, sorted.
    pub fn key_ids(&self) -> &[String] {
        &self.key_ids
    }
}

#[derive(Debug, Clone)]
enum KeyringKey {
    Local(PublicKey),
    External(Arc<dyn Verifier>),
}

#[derive(Debug, Clone)]
struct KeyringEntry {
    /// The id signatures name it by.
    id: String,
    /// What makes two entries the same key (the public key id, or the verifier's key id).
    identity: String,
    key: KeyringKey,
}

/// The keys an envelope may be signed with, and how many distinct ones must have signed.
///
/// Threshold defaults to 1. High-S ECDSA signatures are accepted unless
/// [`Keyring::reject_high_s`] is set (see [`PublicKey::verify`] for why).
#[derive(Debug, Clone)]
pub struct Keyring {
    entries: Vec<KeyringEntry>,
    threshold: usize,
    reject_high_s: bool,
}

impl Default for Keyring {
    fn default() -> Self {
        Self::new()
    }
}

impl Keyring {
    /// An empty keyring with threshold 1.
    pub fn new() -> Self {
        Self {
            entries: Vec::new(),
            threshold: 1,
            reject_high_s: false,
        }
    }

    fn push(&mut self, entry: KeyringEntry) -> Result<(), DsseError> {
        if self.entries.iter().any(|e| e.id == entry.id) {
            return Err(DsseError::DuplicateKeyId { keyid: entry.id });
        }
        self.entries.push(entry);
        Ok(())
    }

    /// Adds a public key under its own key id.
    pub fn add(&mut self, key: PublicKey) -> Result<(), DsseError> {
        let id = key.key_id().to_owned();
        self.add_as(id, key)
    }

    /// Adds a public key under another id (e.g. the key id a peer tool writes for it). The same
    /// key under several ids still counts once toward the threshold.
    pub fn add_as(&mut self, id: impl Into<String>, key: PublicKey) -> Result<(), DsseError> {
        self.push(KeyringEntry {
            id: id.into(),
            identity: key.key_id().to_owned(),
            key: KeyringKey::Local(key),
        })
    }

    /// Adds a caller-supplied verifier (KMS, HSM) under its key id.
    pub fn add_verifier(&mut self, verifier: Arc<dyn Verifier>) -> Result<(), DsseError> {
        let id = verifier.key_id().to_owned();
        self.push(KeyringEntry {
            identity: id.clone(),
            id,
            key: KeyringKey::External(verifier),
        })
    }

    /// Sets the threshold: how many distinct keys must have signed.
    pub fn set_threshold(&mut self, threshold: usize) -> &mut Self {
        self.threshold = threshold;
        self
    }

    /// Refuses high-S ECDSA signatures ([`KeyError::HighS`]).
    pub fn reject_high_s(&mut self, reject: bool) -> &mut Self {
        self.reject_high_s = reject;
        self
    }

    /// The keyring ids, in insertion order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.id.as_str())
    }

    /// How many distinct keys the keyring holds.
    pub fn distinct_keys(&self) -> usize {
        self.entries
            .iter()
            .map(|e| e.identity.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }

    fn check(
        &self,
        entry: &KeyringEntry,
        index: usize,
        message: &[u8],
        sig: &[u8],
    ) -> Result<(), DsseError> {
        match &entry.key {
            KeyringKey::Local(key) => {
                key.verify_with(message, sig, self.reject_high_s)
                    .map_err(|source| DsseError::Signature {
                        index,
                        keyid: entry.id.clone(),
                        source,
                    })
            }
            KeyringKey::External(verifier) => {
                verifier
                    .verify(message, sig)
                    .map_err(|source| DsseError::Verifier {
                        index,
                        keyid: entry.id.clone(),
                        source,
                    })
            }
        }
    }

    fn verify_one(
        &self,
        index: usize,
        signature: &EnvelopeSignature,
        message: &[u8],
    ) -> Result<&KeyringEntry, DsseError> {
        if !signature.keyid.is_empty()
            && let Some(entry) = self.entries.iter().find(|e| e.id == signature.keyid)
        {
            return self
                .check(entry, index, message, &signature.sig)
                .map(|()| entry);
        }
        let mut last = None;
        for entry in &self.entries {
            match self.check(entry, index, message, &signature.sig) {
                Ok(()) => return Ok(entry),
                Err(e) => last = Some(e),
            }
        }
        if !signature.keyid.is_empty() {
            return Err(DsseError::UnknownKeyId {
                index,
                keyid: truncate(&signature.keyid),
            });
        }
        match (self.entries.len(), last) {
            (1, Some(only)) => Err(only),
            (tried, _) => Err(DsseError::NoKeyVerified { index, tried }),
        }
    }
}

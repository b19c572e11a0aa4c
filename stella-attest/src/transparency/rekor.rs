//! Rekor (v1) entries: the bodies we write and read, log entries with their inclusion proofs and
//! signed entry timestamps, and their offline verification.
//!
//! - Bodies: [`EntryBody`] — `hashedrekord` v0.0.1, `intoto` v0.0.2, `dsse` v0.0.1 — parsed
//!   only from RFC 8785 canonical JSON (Rekor canonicalizes bodies before it hashes and signs
//!   them, so any other form is a different entry) and written canonically.
//! - Entries: [`LogEntry`] (`logIndex`, `logID`, `integratedTime`, body, inclusion proof with
//!   checkpoint, signed entry timestamp), from Rekor's API JSON or a Sigstore bundle.
//! - Verification: [`LogEntry::verify`] with a [`RekorLogKey`] checks the log id, the body's
//!   canonical form, the SET (the log's signature over the canonical JSON of `{body,
//!   integratedTime, logID, logIndex}`), the RFC 9162 inclusion proof of the body's leaf hash, and
//!   the checkpoint's note signature, size and root.
//!
//! A Rekor v1 log id is the SHA-256 of the log key's DER SubjectPublicKeyInfo.
//!
//! ```
//! use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
//! use stella_attest::transparency::rekor::{EntryBody, HashedRekord, RekorLogKey};
//! use stella_core::{Digest, SignatureAlgorithm};
//!
//! let rng = SystemRandom::new();
//! let author = LocalSigner::new(PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &rng)?, SystemRandom::new())?;
//! let artifact = b"release.tar.gz bytes";
//! let signature = author.sign(artifact)?;
//! let body = EntryBody::HashedRekord(HashedRekord::new(
//!     Digest::of(artifact),
//!     signature.clone(),
//!     author.public_key().to_pem().into_bytes(),
//! ));
//! let bytes = body.to_canonical_bytes()?;
//! let parsed = EntryBody::parse(&bytes)?;
//! parsed.check_artifact(&Digest::of(artifact), &signature, author.public_key().spki_der())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use stella_core::{Digest, MerkleHash, Verifier, canonical};

use super::note::{Checkpoint, NoteVerifier, SignedNote, note_key_id};
use super::{TransparencyError, b64, merkle};

/// The largest Rekor body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 16 << 20;

/// A Rekor log's public key and its log id.
#[derive(Debug, Clone)]
pub struct RekorLogKey {
    log_id: [u8; 32],
    spki_der: Vec<u8>,
    verifier: Arc<dyn Verifier>,
}

impl RekorLogKey {
    /// The log whose key is `spki_der` (DER SubjectPublicKeyInfo), verified by `verifier`; the
    /// log id is `SHA-256(spki_der)`.
    pub fn new(spki_der: &[u8], verifier: Arc<dyn Verifier>) -> Self {
        Self {
            log_id: Sha256::digest(spki_der).into(),
            spki_der: spki_der.to_vec(),
            verifier,
        }
    }

    /// From a public key of [`crate::keys`].
    pub fn from_public_key(key: &crate::keys::PublicKey) -> Self {
        Self::new(key.spki_der(), Arc::new(key.clone()))
    }

    /// The log id: SHA-256 of the key's DER SPKI.
    pub fn log_id(&self) -> &[u8; 32] {
        &self.log_id
    }

    /// The key's DER SPKI.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The verifier of the log's signatures.
    pub fn verifier(&self) -> &Arc<dyn Verifier> {
        &self.verifier
    }

    /// Verifies a checkpoint note signed by this log. Rekor signs its checkpoints under its
    /// host name (not known to the trust root), so signature lines are matched by the key id
    /// this key has under that line's name; at least one must verify.
    pub fn verify_checkpoint(&self, note: &[u8]) -> Result<Checkpoint, TransparencyError> {
        let (checkpoint, parsed) = Checkpoint::parse_unverified(note)?;
        let algorithm = self.verifier.algorithm();
        let mut candidates: Vec<NoteVerifier> = Vec::new();
        for sig in parsed.signatures() {
            if candidates.iter().any(|c| c.name() == sig.name) {
                continue;
            }
            let Ok(id) = note_key_id(&sig.name, algorithm, &self.spki_der) else {
                continue;
            };
            if id == sig.key_id {
                candidates.push(NoteVerifier::with_key_id(
                    &sig.name,
                    id,
                    Arc::clone(&self.verifier),
                )?);
            }
        }
        verify_note_with(&parsed, &candidates)?;
        Ok(checkpoint)
    }
}

fn verify_note_with(note: &SignedNote, keys: &[NoteVerifier]) -> Result<(), TransparencyError> {
    note.verify(keys).map(|_| ())
}

/// `{"algorithm": "sha256", "value": "<hex>"}` as Rekor writes hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RekorHash {
    /// Hash algorithm (`sha256`; others are refused when checked).
    pub algorithm: String,
    /// Lowercase hex.
    pub value: String,
}

impl RekorHash {
    /// A SHA-256 hash.
    pub fn sha256(digest: &Digest) -> Self {
        Self {
            algorithm: "sha256".to_owned(),
            value: digest.hex(),
        }
    }

    fn check(&self, expected: &Digest, what: &'static str) -> Result<(), TransparencyError> {
        if self.algorithm != "sha256" {
            return Err(TransparencyError::InvalidField {
                field: "hash algorithm",
                value: self.algorithm.chars().take(32).collect(),
                reason: "only sha256 is supported",
            });
        }
        if self.value != expected.hex() {
            return Err(TransparencyError::Mismatch {
                what,
                field: "hash value",
            });
        }
        Ok(())
    }
}

/// `hashedrekord` v0.0.1: a signature over an artifact's SHA-256 digest, with the public key or
/// certificate (PEM) that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedRekord {
    /// The artifact's digest.
    pub data_hash: RekorHash,
    /// The signature bytes.
    pub signature: Vec<u8>,
    /// The PEM of the public key or certificate.
    pub public_key_pem: Vec<u8>,
}

impl HashedRekord {
    /// A body for `signature` over the artifact with `digest`, by the key or certificate in
    /// `public_key_pem`.
    pub fn new(digest: Digest, signature: Vec<u8>, public_key_pem: Vec<u8>) -> Self {
        Self {
            data_hash: RekorHash::sha256(&digest),
            signature,
            public_key_pem,
        }
    }
}

/// `intoto` v0.0.2: a DSSE envelope (without its payload) and the payload's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntotoV002 {
    /// The payload type of the envelope.
    pub payload_type: String,
    /// The envelope's signatures: signature bytes and the signer's PEM key or certificate.
    pub signatures: Vec<BodySignature>,
    /// Hash of the envelope as submitted.
    pub envelope_hash: Option<RekorHash>,
    /// Hash of the DSSE payload.
    pub payload_hash: Option<RekorHash>,
}

/// `dsse` v0.0.1: hashes of a DSSE envelope and its payload, and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsseV001 {
    /// Hash of the envelope as submitted.
    pub envelope_hash: Option<RekorHash>,
    /// Hash of the DSSE payload.
    pub payload_hash: Option<RekorHash>,
    /// The envelope's signatures.
    pub signatures: Vec<BodySignature>,
}

/// One signature recorded in an `intoto` or `dsse` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodySignature {
    /// The signature bytes.
    pub signature: Vec<u8>,
    /// The PEM of the verifying key or certificate.
    pub verifier_pem: Vec<u8>,
}

/// A Rekor entry body of one of the kinds Stella Ops reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntryBody {
    /// `hashedrekord` v0.0.1.
    HashedRekord(HashedRekord),
    /// `intoto` v0.0.2.
    Intoto(IntotoV002),
    /// `dsse` v0.0.1.
    Dsse(DsseV001),
}

// --- wire forms -------------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireBody {
    api_version: String,
    kind: String,
    spec: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
struct WireHashedRekordSpec {
    data: WireHashedRekordData,
    signature: WireHashedRekordSig,
}
#[derive(Serialize, Deserialize)]
struct WireHashedRekordData {
    hash: RekorHash,
}
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireHashedRekordSig {
    content: String,
    public_key: WireContent,
}
#[derive(Serialize, Deserialize)]
struct WireContent {
    content: String,
}

#[derive(Serialize, Deserialize)]
struct WireIntotoSpec {
    content: WireIntotoContent,
}
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireIntotoContent {
    envelope: WireIntotoEnvelope,
    #[serde(skip_serializing_if = "Option::is_none")]
    hash: Option<RekorHash>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_hash: Option<RekorHash>,
}
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireIntotoEnvelope {
    payload_type: String,
    signatures: Vec<WireIntotoSig>,
}
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireIntotoSig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keyid: Option<String>,
    public_key: String,
    sig: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireDsseSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    envelope_hash: Option<RekorHash>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_hash: Option<RekorHash>,
    signatures: Vec<WireDsseSig>,
}
#[derive(Serialize, Deserialize)]
struct WireDsseSig {
    signature: String,
    verifier: String,
}

fn json_err(what: &'static str) -> impl Fn(serde_json::Error) -> TransparencyError {
    move |e| TransparencyError::Json {
        what,
        reason: e.to_string(),
    }
}

fn core_json(what: &'static str) -> impl Fn(stella_core::CoreError) -> TransparencyError {
    move |e| TransparencyError::Json {
        what,
        reason: e.to_string(),
    }
}

/// Checks that a body is within [`MAX_BODY_BYTES`], strict JSON (no duplicate keys) and in
/// RFC 8785 canonical form, as Rekor v1 and v2 store bodies.
pub(crate) fn check_canonical_body(
    bytes: &[u8],
    what: &'static str,
) -> Result<(), TransparencyError> {
    TransparencyError::check_limit("Rekor body bytes", MAX_BODY_BYTES, bytes.len())?;
    canonical::validate_strict(bytes).map_err(core_json(what))?;
    if !canonical::is_canonical(bytes) {
        return Err(TransparencyError::NotCanonical { what });
    }
    Ok(())
}

impl EntryBody {
    /// Parses a canonicalized body. The bytes must be RFC 8785 canonical JSON (as Rekor stores
    /// them), of a supported kind and API version.
    pub fn parse(bytes: &[u8]) -> Result<Self, TransparencyError> {
        check_canonical_body(bytes, "Rekor entry body")?;
        let wire: WireBody = serde_json::from_slice(bytes).map_err(json_err("Rekor entry body"))?;
        match (wire.kind.as_str(), wire.api_version.as_str()) {
            ("hashedrekord", "0.0.1") => {
                let spec: WireHashedRekordSpec =
                    serde_json::from_value(wire.spec).map_err(json_err("hashedrekord body"))?;
                Ok(Self::HashedRekord(HashedRekord {
                    data_hash: spec.data.hash,
                    signature: b64::decode(&spec.signature.content, "hashedrekord signature")?,
                    public_key_pem: b64::decode(
                        &spec.signature.public_key.content,
                        "hashedrekord public key",
                    )?,
                }))
            }
            ("intoto", "0.0.2") => {
                let spec: WireIntotoSpec =
                    serde_json::from_value(wire.spec).map_err(json_err("intoto body"))?;
                let mut signatures = Vec::new();
                for s in spec.content.envelope.signatures {
                    // intoto v0.0.2 stores the signature base64-encoded twice.
                    let once = b64::decode(&s.sig, "intoto signature")?;
                    let text =
                        std::str::from_utf8(&once).map_err(|_| TransparencyError::Base64 {
                            field: "intoto signature",
                        })?;
                    signatures.push(BodySignature {
                        signature: b64::decode(text, "intoto signature")?,
                        verifier_pem: b64::decode(&s.public_key, "intoto public key")?,
                    });
                }
                Ok(Self::Intoto(IntotoV002 {
                    payload_type: spec.content.envelope.payload_type,
                    signatures,
                    envelope_hash: spec.content.hash,
                    payload_hash: spec.content.payload_hash,
                }))
            }
            ("dsse", "0.0.1") => {
                let spec: WireDsseSpec =
                    serde_json::from_value(wire.spec).map_err(json_err("dsse body"))?;
                let mut signatures = Vec::new();
                for s in spec.signatures {
                    signatures.push(BodySignature {
                        signature: b64::decode(&s.signature, "dsse signature")?,
                        verifier_pem: b64::decode(&s.verifier, "dsse verifier")?,
                    });
                }
                Ok(Self::Dsse(DsseV001 {
                    envelope_hash: spec.envelope_hash,
                    payload_hash: spec.payload_hash,
                    signatures,
                }))
            }
            (kind, version) => Err(TransparencyError::UnsupportedEntryKind {
                kind: kind.chars().take(64).collect(),
                version: version.chars().take(64).collect(),
            }),
        }
    }

    /// The kind (`hashedrekord`, `intoto`, `dsse`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::HashedRekord(_) => "hashedrekord",
            Self::Intoto(_) => "intoto",
            Self::Dsse(_) => "dsse",
        }
    }

    /// The API version (`0.0.1`, `0.0.2`, `0.0.1`).
    pub fn api_version(&self) -> &'static str {
        match self {
            Self::HashedRekord(_) | Self::Dsse(_) => "0.0.1",
            Self::Intoto(_) => "0.0.2",
        }
    }

    /// The canonical JSON bytes of the body (what Rekor hashes into its tree).
    pub fn to_canonical_bytes(&self) -> Result<Vec<u8>, TransparencyError> {
        let spec = match self {
            Self::HashedRekord(h) => serde_json::to_value(WireHashedRekordSpec {
                data: WireHashedRekordData {
                    hash: h.data_hash.clone(),
                },
                signature: WireHashedRekordSig {
                    content: b64::encode(&h.signature),
                    public_key: WireContent {
                        content: b64::encode(&h.public_key_pem),
                    },
                },
            }),
            Self::Intoto(i) => serde_json::to_value(WireIntotoSpec {
                content: WireIntotoContent {
                    envelope: WireIntotoEnvelope {
                        payload_type: i.payload_type.clone(),
                        signatures: i
                            .signatures
                            .iter()
                            .map(|s| WireIntotoSig {
                                keyid: None,
                                public_key: b64::encode(&s.verifier_pem),
                                sig: b64::encode(b64::encode(&s.signature).as_bytes()),
                            })
                            .collect(),
                    },
                    hash: i.envelope_hash.clone(),
                    payload_hash: i.payload_hash.clone(),
                },
            }),
            Self::Dsse(d) => serde_json::to_value(WireDsseSpec {
                envelope_hash: d.envelope_hash.clone(),
                payload_hash: d.payload_hash.clone(),
                signatures: d
                    .signatures
                    .iter()
                    .map(|s| WireDsseSig {
                        signature: b64::encode(&s.signature),
                        verifier: b64::encode(&s.verifier_pem),
                    })
                    .collect(),
            }),
        }
        .map_err(json_err("Rekor entry body"))?;
        let wire = WireBody {
            api_version: self.api_version().to_owned(),
            kind: self.kind().to_owned(),
            spec,
        };
        canonical::to_canonical_vec(&wire).map_err(core_json("Rekor entry body"))
    }

    /// Checks that this body records `signature` over the artifact with `digest`, made by the
    /// key `spki_der` (a `hashedrekord` whose PEM is that public key).
    pub fn check_artifact(
        &self,
        digest: &Digest,
        signature: &[u8],
        spki_der: &[u8],
    ) -> Result<(), TransparencyError> {
        self.check_artifact_by(digest, signature, BodySigner::Key(spki_der))
    }

    /// Checks that this body records `signature` over the artifact with `digest`, made by
    /// `signer`: a `hashedrekord` with that digest, that signature, and the signer's PEM.
    pub(crate) fn check_artifact_by(
        &self,
        digest: &Digest,
        signature: &[u8],
        signer: BodySigner<'_>,
    ) -> Result<(), TransparencyError> {
        let h = self.hashed_rekord()?;
        h.data_hash.check(digest, "hashedrekord artifact digest")?;
        if h.signature != signature {
            return Err(TransparencyError::Mismatch {
                what: "hashedrekord",
                field: "signature",
            });
        }
        signer.check_pem(&h.public_key_pem, "hashedrekord")
    }

    /// The `hashedrekord` body, or the error of a body of another kind where a message
    /// signature is expected.
    pub(crate) fn hashed_rekord(&self) -> Result<&HashedRekord, TransparencyError> {
        match self {
            Self::HashedRekord(h) => Ok(h),
            Self::Intoto(_) | Self::Dsse(_) => Err(TransparencyError::Mismatch {
                what: "Rekor entry for a message signature",
                field: "kind (expected hashedrekord)",
            }),
        }
    }

    /// Checks that this body records the DSSE envelope with `payload_type`, `payload` and
    /// `signatures` (each made by the key `spki_der`): the payload hash, and every envelope
    /// signature with the same key.
    pub fn check_envelope(
        &self,
        payload_type: &str,
        payload: &[u8],
        signatures: &[&[u8]],
        spki_der: &[u8],
    ) -> Result<(), TransparencyError> {
        self.check_envelope_by(payload_type, payload, signatures, BodySigner::Key(spki_der))
    }

    /// Checks that this body records the DSSE envelope with `payload_type`, `payload` and
    /// `signatures`, made by `signer`: an `intoto` (same payload type) or `dsse` body with the
    /// payload's SHA-256, exactly as many signatures, each envelope signature among them, and
    /// every recorded signature verified by the signer's PEM.
    pub(crate) fn check_envelope_by(
        &self,
        payload_type: &str,
        payload: &[u8],
        signatures: &[&[u8]],
        signer: BodySigner<'_>,
    ) -> Result<(), TransparencyError> {
        let (payload_hash, recorded, what) = match self {
            Self::Intoto(i) => {
                if i.payload_type != payload_type {
                    return Err(TransparencyError::Mismatch {
                        what: "intoto entry",
                        field: "payloadType",
                    });
                }
                (&i.payload_hash, &i.signatures, "intoto entry")
            }
            Self::Dsse(d) => (&d.payload_hash, &d.signatures, "dsse entry"),
            Self::HashedRekord(_) => {
                return Err(TransparencyError::Mismatch {
                    what: "Rekor entry for a DSSE envelope",
                    field: "kind (expected intoto or dsse)",
                });
            }
        };
        let payload_hash = payload_hash
            .as_ref()
            .ok_or(TransparencyError::MissingField {
                what,
                field: "payloadHash",
            })?;
        payload_hash.check(&Digest::of(payload), what)?;
        if recorded.len() != signatures.len() {
            return Err(TransparencyError::Mismatch {
                what,
                field: "number of signatures",
            });
        }
        if recorded.is_empty() {
            return Err(TransparencyError::MissingField {
                what,
                field: "signatures",
            });
        }
        for sig in signatures {
            if !recorded.iter().any(|r| r.signature == *sig) {
                return Err(TransparencyError::Mismatch {
                    what,
                    field: "signature",
                });
            }
        }
        for r in recorded {
            signer.check_pem(&r.verifier_pem, what)?;
        }
        Ok(())
    }
}

/// Who a body must record as the signer, and how its PEM is compared.
#[derive(Debug, Clone, Copy)]
pub(crate) enum BodySigner<'a> {
    /// A public key (DER SubjectPublicKeyInfo), recorded as a PEM `PUBLIC KEY`.
    Key(&'a [u8]),
    /// A certificate (DER), recorded as a PEM `CERTIFICATE`.
    Certificate(&'a [u8]),
}

impl BodySigner<'_> {
    /// Compares the PEM a body records with the signer's DER.
    fn check_pem(&self, pem: &[u8], what: &'static str) -> Result<(), TransparencyError> {
        let (der, label, pem_field, field) = match *self {
            Self::Key(der) => (der, "PUBLIC KEY", "PEM public key", "public key"),
            Self::Certificate(der) => (der, "CERTIFICATE", "PEM certificate", "certificate"),
        };
        let text = std::str::from_utf8(pem).map_err(|_| TransparencyError::InvalidField {
            field: pem_field,
            value: String::new(),
            reason: "not UTF-8",
        })?;
        if pem_decode(text, label)? != der {
            return Err(TransparencyError::Mismatch { what, field });
        }
        Ok(())
    }
}

/// Decodes the first PEM block with the given label.
fn pem_decode(text: &str, label: &'static str) -> Result<Vec<u8>, TransparencyError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin).ok_or(TransparencyError::InvalidField {
        field: "PEM",
        value: text.chars().take(40).collect(),
        reason: "no BEGIN line of the expected label",
    })?;
    let rest = text.get(start + begin.len()..).unwrap_or_default();
    let stop = rest.find(&end).ok_or(TransparencyError::InvalidField {
        field: "PEM",
        value: String::new(),
        reason: "no END line",
    })?;
    let body: String = rest
        .get(..stop)
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    b64::decode(&body, "PEM body")
}

/// An inclusion proof as Rekor returns it, with its checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekorInclusionProof {
    /// Index of the entry in the tree the proof is for (for sharded logs, within the shard).
    pub log_index: u64,
    /// The tree's root.
    pub root_hash: MerkleHash,
    /// The tree's size.
    pub tree_size: u64,
    /// Sibling hashes, leaf level first.
    pub hashes: Vec<MerkleHash>,
    /// The signed checkpoint (note text) for this tree, if present.
    pub checkpoint: Option<String>,
}

/// A Rekor log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// The canonicalized body bytes (the Merkle leaf's data).
    pub body: Vec<u8>,
    /// Seconds since the Unix epoch when the log integrated the entry.
    pub integrated_time: i64,
    /// The log id (SHA-256 of the log key's SPKI).
    pub log_id: [u8; 32],
    /// The entry's index in the log (global across shards).
    pub log_index: u64,
    /// The inclusion proof, if any.
    pub inclusion_proof: Option<RekorInclusionProof>,
    /// The signed entry timestamp, if any.
    pub signed_entry_timestamp: Option<Vec<u8>>,
}

/// What [`LogEntry::verify`] checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedEntry {
    /// The entry's index in the log.
    pub log_index: u64,
    /// When the log integrated it (Unix seconds). Only the SET signs this value: trust it only
    /// when `set_verified` is true.
    pub integrated_time: i64,
    /// The parsed body.
    pub body: EntryBody,
    /// Whether a signed entry timestamp verified.
    pub set_verified: bool,
    /// The checkpoint whose tree the inclusion proof verified against, if there was one.
    pub checkpoint: Option<Checkpoint>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiEntry {
    body: String,
    integrated_time: i64,
    #[serde(rename = "logID")]
    log_id: String,
    log_index: u64,
    #[serde(default)]
    verification: Option<ApiVerification>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiVerification {
    #[serde(default)]
    inclusion_proof: Option<ApiInclusionProof>,
    #[serde(default)]
    signed_entry_timestamp: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiInclusionProof {
    #[serde(default)]
    checkpoint: Option<String>,
    hashes: Vec<MerkleHash>,
    log_index: u64,
    root_hash: MerkleHash,
    tree_size: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SetPayload<'a> {
    body: &'a str,
    integrated_time: i64,
    #[serde(rename = "logID")]
    log_id: &'a str,
    log_index: u64,
}

impl LogEntry {
    /// Parses an entry as Rekor's API returns it: `{"<uuid>": {"body": …, "integratedTime": …,
    /// "logID": …, "logIndex": …, "verification": {…}}}` (exactly one entry), or the inner object
    /// alone.
    pub fn from_api_json(bytes: &[u8]) -> Result<Self, TransparencyError> {
        let value: serde_json::Value =
            canonical::from_slice_strict(bytes).map_err(core_json("Rekor log entry"))?;
        let inner = match &value {
            serde_json::Value::Object(map) if map.contains_key("body") => value,
            serde_json::Value::Object(map) if map.len() == 1 => {
                map.values().next().cloned().unwrap_or_default()
            }
            _ => {
                return Err(TransparencyError::Json {
                    what: "Rekor log entry",
                    reason: "expected one entry object".to_owned(),
                });
            }
        };
        let api: ApiEntry = serde_json::from_value(inner).map_err(json_err("Rekor log entry"))?;
        let mut log_id = [0u8; 32];
        hex::decode_to_slice(&api.log_id, &mut log_id).map_err(|_| {
            TransparencyError::InvalidField {
                field: "logID",
                value: api.log_id.chars().take(80).collect(),
                reason: "expected 64 hex digits",
            }
        })?;
        let verification = api.verification;
        let (proof, set) = match verification {
            Some(v) => (v.inclusion_proof, v.signed_entry_timestamp),
            None => (None, None),
        };
        Ok(Self {
            body: b64::decode(&api.body, "Rekor entry body")?,
            integrated_time: api.integrated_time,
            log_id,
            log_index: api.log_index,
            inclusion_proof: proof.map(|p| RekorInclusionProof {
                log_index: p.log_index,
                root_hash: p.root_hash,
                tree_size: p.tree_size,
                hashes: p.hashes,
                checkpoint: p.checkpoint,
            }),
            signed_entry_timestamp: set
                .map(|s| b64::decode(&s, "signedEntryTimestamp"))
                .transpose()?,
        })
    }

    /// The bytes the signed entry timestamp signs: the canonical JSON of `{body (base64),
    /// integratedTime, logID (hex), logIndex}`.
    pub fn set_payload(&self) -> Result<Vec<u8>, TransparencyError> {
        let body = b64::encode(&self.body);
        let log_id = hex::encode(self.log_id);
        canonical::to_canonical_vec(&SetPayload {
            body: &body,
            integrated_time: self.integrated_time,
            log_id: &log_id,
            log_index: self.log_index,
        })
        .map_err(core_json("signed entry timestamp payload"))
    }

    /// The RFC 9162 leaf hash of the entry (of its canonicalized body).
    pub fn leaf_hash(&self) -> MerkleHash {
        merkle::leaf_hash(&self.body)
    }

    /// Verifies the entry against the log's key: the log id matches; the body is canonical
    /// and of a supported kind; the SET, if present, verifies; the inclusion proof, if present,
    /// verifies, and its checkpoint, if present, is signed by the log and commits to the proof's
    /// size and root. `require_proof` demands an inclusion proof with a checkpoint (as bundles
    /// v0.2+ do); otherwise at least a SET or a proof must be there.
    pub fn verify(
        &self,
        log: &RekorLogKey,
        require_proof: bool,
    ) -> Result<VerifiedEntry, TransparencyError> {
        if self.log_id != *log.log_id() {
            return Err(TransparencyError::UnknownLog {
                log_id: hex::encode(self.log_id),
            });
        }
        let body = EntryBody::parse(&self.body)?;
        let mut set_verified = false;
        if let Some(set) = &self.signed_entry_timestamp {
            let payload = self.set_payload()?;
            log.verifier()
                .verify(&payload, set)
                .map_err(|_| TransparencyError::BadSignature {
                    name: hex::encode(self.log_id),
                    what: "signed entry timestamp",
                })?;
            set_verified = true;
        }
        let mut checkpoint = None;
        match &self.inclusion_proof {
            Some(proof) => {
                merkle::verify_inclusion(
                    &self.leaf_hash(),
                    proof.log_index,
                    proof.tree_size,
                    &proof.hashes,
                    &proof.root_hash,
                )?;
                match &proof.checkpoint {
                    Some(note) => {
                        let cp = log.verify_checkpoint(note.as_bytes())?;
                        cp.check_matches(proof.tree_size, &proof.root_hash, "inclusion proof")?;
                        checkpoint = Some(cp);
                    }
                    None if require_proof => {
                        return Err(TransparencyError::MissingField {
                            what: "inclusion proof",
                            field: "checkpoint",
                        });
                    }
                    None => {}
                }
            }
            None if require_proof => {
                return Err(TransparencyError::MissingField {
                    what: "log entry",
                    field: "inclusionProof",
                });
            }
            None => {}
        }
        if !set_verified && checkpoint.is_none() {
            return Err(TransparencyError::MissingField {
                what: "log entry",
                field: "signedEntryTimestamp or inclusion proof with a signed checkpoint",
            });
        }
        Ok(VerifiedEntry {
            log_index: self.log_index,
            integrated_time: self.integrated_time,
            body,
            set_verified,
            checkpoint,
        })
    }
}

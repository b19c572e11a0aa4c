//! Sigstore bundles (`application/vnd.dev.sigstore.bundle+json;version=0.1|0.2|0.3` and
//! `application/vnd.dev.sigstore.bundle.v0.3+json`): parse, write and verify offline.
//!
//! The JSON form is the proto3 JSON mapping of `sigstore_bundle.proto` (protobuf-specs):
//! lowerCamelCase names, `bytes` as base64, `int64` as decimal strings (numbers are accepted on
//! input, and omitted fields take their proto3 defaults). Parsing is strict about duplicate
//! keys, about the `oneof`s (exactly one verification material and one content) and about
//! what each version requires (v0.1: every log entry has a signed entry timestamp; v0.2 and
//! later: every log entry has an inclusion proof with a checkpoint; v0.3: a single leaf
//! certificate rather than a chain).
//!
//! Verification is offline, against a caller-given [`TrustRoot`] (the Rekor log keys):
//! - key-based bundles ([`Bundle::verify_with_key`]): the signature over the artifact or the
//!   DSSE envelope verifies under the caller's key; every log entry comes from a trusted log,
//!   its SET / inclusion proof / checkpoint verify, and its body records exactly this
//!   signature, artifact digest or payload, and key; an artifact given with a DSSE envelope
//!   must be a subject of its in-toto statement. What the envelope's statement must say
//!   (predicate type, subjects, signer) is checked by applying a
//!   [`crate::statement::StatementPolicy`] to the [`VerifiedContent::Dsse`] envelope;
//! - keyless bundles (a Fulcio certificate): certificate-chain and identity verification are
//!   **not implemented**; [`Bundle::verify_with_key`] returns
//!   [`TransparencyError::NotSupported`] for them, never a pass.
//!   [`Bundle::verify_transparency`] still checks their log entries (and that the entries record
//!   this bundle's signature and certificate), which proves the signature was logged but says
//!   nothing about who made it.
//!
//! ```
//! use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
//! use stella_attest::transparency::bundle::{Bundle, TrustRoot};
//! use stella_attest::transparency::rekor::RekorLogKey;
//! use stella_core::SignatureAlgorithm;
//! # use stella_attest::transparency::bundle::doc_example_bundle;
//!
//! # let ex = doc_example_bundle()?;
//! # let (bundle_json, artifact, signer_key, rekor_key) = (ex.bundle_json, ex.artifact, ex.signer_key, ex.log_key);
//! // bundle_json: a key-based bundle; signer_key: the signer's public key; rekor_key: the log's.
//! let bundle = Bundle::parse(&bundle_json)?;
//! let trust = TrustRoot::new(vec![RekorLogKey::from_public_key(&rekor_key)]);
//! let verified = bundle.verify_with_key(&signer_key, Some(&artifact), &trust)?;
//! assert_eq!(verified.log_entries.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};
use stella_core::{Digest, MerkleHash, canonical};

use super::TransparencyError;
use super::rekor::{self, EntryBody, LogEntry, RekorInclusionProof, RekorLogKey, VerifiedEntry};
use crate::dsse::{PAYLOAD_TYPE_IN_TOTO, VerifiedEnvelope};
use crate::keys::{KeyError, PublicKey};
use crate::statement::Statement;

/// The largest bundle accepted by [`Bundle::parse`], in bytes.
pub const MAX_BUNDLE_BYTES: usize = 32 << 20;

/// Media type of bundle v0.1.
pub const MEDIA_TYPE_V0_1: &str = "application/vnd.dev.sigstore.bundle+json;version=0.1";
/// Media type of bundle v0.2.
pub const MEDIA_TYPE_V0_2: &str = "application/vnd.dev.sigstore.bundle+json;version=0.2";
/// Media type of bundle v0.3 (older spelling).
pub const MEDIA_TYPE_V0_3_LEGACY: &str = "application/vnd.dev.sigstore.bundle+json;version=0.3";
/// Media type of bundle v0.3.
pub const MEDIA_TYPE_V0_3: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// A bundle format version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BundleVersion {
    /// v0.1: log entries need a signed entry timestamp.
    V0_1,
    /// v0.2: log entries need an inclusion proof with a checkpoint.
    V0_2,
    /// v0.3: as v0.2, and a single leaf certificate instead of a chain.
    V0_3,
}

impl BundleVersion {
    /// Recognizes a media type.
    pub fn from_media_type(media_type: &str) -> Result<Self, TransparencyError> {
        match media_type {
            MEDIA_TYPE_V0_1 => Ok(Self::V0_1),
            MEDIA_TYPE_V0_2 => Ok(Self::V0_2),
            MEDIA_TYPE_V0_3 | MEDIA_TYPE_V0_3_LEGACY => Ok(Self::V0_3),
            other => Err(TransparencyError::UnsupportedMediaType {
                media_type: other.chars().take(100).collect(),
            }),
        }
    }

    /// The media type written for this version.
    pub fn media_type(&self) -> &'static str {
        match self {
            Self::V0_1 => MEDIA_TYPE_V0_1,
            Self::V0_2 => MEDIA_TYPE_V0_2,
            Self::V0_3 => MEDIA_TYPE_V0_3,
        }
    }
}

/// proto3 JSON `int64`: written as a decimal string, read from a string or a number.
mod int64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Text(String),
            Number(i64),
        }
        match Wire::deserialize(d)? {
            Wire::Number(n) => Ok(n),
            Wire::Text(t) => t
                .parse::<i64>()
                .map_err(|_| serde::de::Error::custom("int64 string is not a decimal integer")),
        }
    }
}

use super::b64::serde_bytes;

/// `dev.sigstore.bundle.v1.Bundle`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    /// The media type (selects the version).
    #[serde(default)]
    pub media_type: String,
    /// Key or certificate, log entries and timestamps.
    pub verification_material: VerificationMaterial,
    /// A signature over an artifact's digest (oneof `content`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_signature: Option<MessageSignature>,
    /// A DSSE envelope (oneof `content`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dsse_envelope: Option<Envelope>,
}

/// `VerificationMaterial`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationMaterial {
    /// A key hint (oneof `content`): key-based signing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PublicKeyIdentifier>,
    /// A certificate chain, leaf first (oneof `content`; v0.1 / v0.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x509_certificate_chain: Option<X509CertificateChain>,
    /// A leaf certificate (oneof `content`; v0.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<X509Certificate>,
    /// Transparency log entries.
    #[serde(default)]
    pub tlog_entries: Vec<TransparencyLogEntry>,
    /// RFC 3161 timestamps (parsed and kept; not verified here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp_verification_data: Option<TimestampVerificationData>,
}

/// `PublicKeyIdentifier`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyIdentifier {
    /// An opaque hint naming the key.
    #[serde(default)]
    pub hint: String,
}

/// `X509Certificate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct X509Certificate {
    /// DER bytes.
    #[serde(with = "serde_bytes", default)]
    pub raw_bytes: Vec<u8>,
}

/// `X509CertificateChain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct X509CertificateChain {
    /// Leaf first.
    #[serde(default)]
    pub certificates: Vec<X509Certificate>,
}

/// `TimestampVerificationData`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimestampVerificationData {
    /// RFC 3161 signed timestamps.
    #[serde(default)]
    pub rfc3161_timestamps: Vec<Rfc3161SignedTimestamp>,
}

/// `RFC3161SignedTimestamp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rfc3161SignedTimestamp {
    /// DER `TimeStampResponse` bytes.
    #[serde(with = "serde_bytes", default)]
    pub signed_timestamp: Vec<u8>,
}

/// `MessageSignature`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSignature {
    /// The artifact's digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_digest: Option<HashOutput>,
    /// The signature bytes.
    #[serde(with = "serde_bytes", default)]
    pub signature: Vec<u8>,
}

/// `HashOutput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HashOutput {
    /// `SHA2_256` (others are refused when verifying).
    #[serde(default)]
    pub algorithm: String,
    /// The digest bytes.
    #[serde(with = "serde_bytes", default)]
    pub digest: Vec<u8>,
}

/// `io.intoto.Envelope` (DSSE).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// The payload bytes.
    #[serde(with = "serde_bytes", default)]
    pub payload: Vec<u8>,
    /// The payload type.
    #[serde(default)]
    pub payload_type: String,
    /// The signatures.
    #[serde(default)]
    pub signatures: Vec<EnvelopeSignature>,
}

/// `io.intoto.Signature`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    /// The signature bytes.
    #[serde(with = "serde_bytes", default)]
    pub sig: Vec<u8>,
    /// The key id (unauthenticated hint).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub keyid: String,
}

/// `TransparencyLogEntry`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransparencyLogEntry {
    /// The global index of the entry.
    #[serde(with = "int64", default)]
    pub log_index: i64,
    /// The log id.
    pub log_id: LogId,
    /// Kind and version of the body.
    pub kind_version: KindVersion,
    /// Unix seconds when the entry was integrated.
    #[serde(with = "int64", default)]
    pub integrated_time: i64,
    /// The signed entry timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_promise: Option<InclusionPromise>,
    /// The inclusion proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_proof: Option<InclusionProof>,
    /// The canonicalized body.
    #[serde(with = "serde_bytes", default)]
    pub canonicalized_body: Vec<u8>,
}

/// `LogId`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogId {
    /// SHA-256 of the log key's SPKI.
    #[serde(with = "serde_bytes", default)]
    pub key_id: Vec<u8>,
}

/// `KindVersion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindVersion {
    /// The entry kind.
    #[serde(default)]
    pub kind: String,
    /// The entry API version.
    #[serde(default)]
    pub version: String,
}

/// `InclusionPromise`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionPromise {
    /// The SET bytes.
    #[serde(with = "serde_bytes", default)]
    pub signed_entry_timestamp: Vec<u8>,
}

/// `InclusionProof` (bundle form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProof {
    /// Index of the entry in the proof's tree.
    #[serde(with = "int64", default)]
    pub log_index: i64,
    /// The root hash.
    #[serde(with = "serde_bytes", default)]
    pub root_hash: Vec<u8>,
    /// The tree size.
    #[serde(with = "int64", default)]
    pub tree_size: i64,
    /// Sibling hashes, leaf level first.
    #[serde(with = "serde_bytes::list", default)]
    pub hashes: Vec<Vec<u8>>,
    /// The signed checkpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<CheckpointEnvelope>,
}

/// `Checkpoint` (bundle form): the note text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointEnvelope {
    /// The signed note.
    #[serde(default)]
    pub envelope: String,
}

fn non_negative(v: i64, field: &'static str) -> Result<u64, TransparencyError> {
    u64::try_from(v).map_err(|_| TransparencyError::InvalidField {
        field,
        value: v.to_string(),
        reason: "must not be negative",
    })
}

fn hash32(bytes: &[u8], field: &'static str) -> Result<MerkleHash, TransparencyError> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| TransparencyError::HashLength {
            field,
            length: bytes.len(),
        })?;
    Ok(MerkleHash(arr))
}

impl TransparencyLogEntry {
    /// Converts to a [`LogEntry`] for verification (checking field sizes and signs).
    pub fn to_log_entry(&self) -> Result<LogEntry, TransparencyError> {
        if self.canonicalized_body.is_empty() {
            return Err(TransparencyError::MissingField {
                what: "bundle log entry",
                field: "canonicalizedBody",
            });
        }
        let log_id: [u8; 32] = self.log_id.key_id.as_slice().try_into().map_err(|_| {
            TransparencyError::HashLength {
                field: "logId.keyId",
                length: self.log_id.key_id.len(),
            }
        })?;
        let inclusion_proof = match &self.inclusion_proof {
            None => None,
            Some(p) => Some(RekorInclusionProof {
                log_index: non_negative(p.log_index, "inclusionProof.logIndex")?,
                root_hash: hash32(&p.root_hash, "inclusionProof.rootHash")?,
                tree_size: non_negative(p.tree_size, "inclusionProof.treeSize")?,
                hashes: p
                    .hashes
                    .iter()
                    .map(|h| hash32(h, "inclusionProof.hashes"))
                    .collect::<Result<_, _>>()?,
                checkpoint: p.checkpoint.as_ref().map(|c| c.envelope.clone()),
            }),
        };
        Ok(LogEntry {
            body: self.canonicalized_body.clone(),
            integrated_time: self.integrated_time,
            log_id,
            log_index: non_negative(self.log_index, "logIndex")?,
            inclusion_proof,
            signed_entry_timestamp: self
                .inclusion_promise
                .as_ref()
                .map(|p| p.signed_entry_timestamp.clone()),
        })
    }

    /// The bundle form of a Rekor log entry whose body has the given kind and version.
    pub fn from_log_entry(entry: &LogEntry) -> Result<Self, TransparencyError> {
        let body = EntryBody::parse(&entry.body)?;
        let to_i64 = |v: u64, field: &'static str| {
            i64::try_from(v).map_err(|_| TransparencyError::InvalidField {
                field,
                value: v.to_string(),
                reason: "exceeds int64",
            })
        };
        Ok(Self {
            log_index: to_i64(entry.log_index, "logIndex")?,
            log_id: LogId {
                key_id: entry.log_id.to_vec(),
            },
            kind_version: KindVersion {
                kind: body.kind().to_owned(),
                version: body.api_version().to_owned(),
            },
            integrated_time: entry.integrated_time,
            inclusion_promise: entry
                .signed_entry_timestamp
                .as_ref()
                .map(|s| InclusionPromise {
                    signed_entry_timestamp: s.clone(),
                }),
            inclusion_proof: match &entry.inclusion_proof {
                None => None,
                Some(p) => Some(InclusionProof {
                    log_index: to_i64(p.log_index, "inclusionProof.logIndex")?,
                    root_hash: p.root_hash.0.to_vec(),
                    tree_size: to_i64(p.tree_size, "inclusionProof.treeSize")?,
                    hashes: p.hashes.iter().map(|h| h.0.to_vec()).collect(),
                    checkpoint: p.checkpoint.as_ref().map(|c| CheckpointEnvelope {
                        envelope: c.clone(),
                    }),
                }),
            },
            canonicalized_body: entry.body.clone(),
        })
    }
}

/// The Rekor logs a verifier trusts.
#[derive(Debug, Clone, Default)]
pub struct TrustRoot {
    logs: Vec<RekorLogKey>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireTrustedRoot {
    #[serde(default)]
    media_type: String,
    #[serde(default)]
    tlogs: Vec<WireTlog>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireTlog {
    #[serde(default)]
    public_key: Option<WirePublicKey>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePublicKey {
    #[serde(with = "serde_bytes", default)]
    raw_bytes: Vec<u8>,
    #[serde(default)]
    key_details: String,
}

impl TrustRoot {
    /// Trusts exactly these logs.
    pub fn new(logs: Vec<RekorLogKey>) -> Self {
        Self { logs }
    }

    /// The Rekor logs (`tlogs`) of a Sigstore `trusted_root.json`
    /// (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`) whose keys are ECDSA P-256
    /// or Ed25519; other entries (RSA keys, empty keys) are skipped. Certificate authorities, CT
    /// logs and timestamp authorities are not read (keyless verification is not implemented).
    /// Key validity periods are not enforced.
    pub fn from_trusted_root_json(bytes: &[u8]) -> Result<Self, TransparencyError> {
        let wire: WireTrustedRoot =
            canonical::from_slice_strict(bytes).map_err(|e| TransparencyError::Json {
                what: "trusted root",
                reason: e.to_string(),
            })?;
        if !wire
            .media_type
            .starts_with("application/vnd.dev.sigstore.trustedroot")
        {
            return Err(TransparencyError::UnsupportedMediaType {
                media_type: wire.media_type.chars().take(100).collect(),
            });
        }
        let mut logs = Vec::new();
        for tlog in wire.tlogs {
            let Some(key) = tlog.public_key else {
                continue;
            };
            if key.raw_bytes.is_empty()
                || !matches!(
                    key.key_details.as_str(),
                    "PKIX_ECDSA_P256_SHA_256" | "PKIX_ED25519"
                )
            {
                continue;
            }
            if let Ok(public) = PublicKey::from_spki_der(&key.raw_bytes) {
                logs.push(RekorLogKey::from_public_key(&public));
            }
        }
        if logs.is_empty() {
            return Err(TransparencyError::MissingField {
                what: "trusted root",
                field: "a Rekor log with an ECDSA P-256 or Ed25519 key",
            });
        }
        Ok(Self { logs })
    }

    /// The trusted logs.
    pub fn logs(&self) -> &[RekorLogKey] {
        &self.logs
    }

    fn find(&self, log_id: &[u8; 32]) -> Result<&RekorLogKey, TransparencyError> {
        self.logs
            .iter()
            .find(|l| l.log_id() == log_id)
            .ok_or_else(|| TransparencyError::UnknownLog {
                log_id: hex::encode(log_id),
            })
    }
}

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

/// DSSE v1 pre-authentication encoding.
fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// The signer's key material as a bundle holds it.
enum Signer<'a> {
    /// A key the caller supplies.
    Key(&'a PublicKey),
    /// The bundle's leaf certificate (DER): only compared with log entry bodies.
    Certificate(&'a [u8]),
}

impl Bundle {
    /// Parses a bundle from JSON and checks its structure (see the module docs).
    pub fn parse(bytes: &[u8]) -> Result<Self, TransparencyError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(TransparencyError::LimitExceeded {
                what: "bundle bytes",
                max: MAX_BUNDLE_BYTES,
                actual: bytes.len(),
            });
        }
        let bundle: Self =
            canonical::from_slice_strict(bytes).map_err(|e| TransparencyError::Json {
                what: "Sigstore bundle",
                reason: e.to_string(),
            })?;
        bundle.check_structure()?;
        Ok(bundle)
    }

    /// The bundle's version (from its media type).
    pub fn version(&self) -> Result<BundleVersion, TransparencyError> {
        BundleVersion::from_media_type(&self.media_type)
    }

    /// Checks the `oneof`s and the version's requirements.
    pub fn check_structure(&self) -> Result<BundleVersion, TransparencyError> {
        let version = self.version()?;
        let vm = &self.verification_material;
        let materials = usize::from(vm.public_key.is_some())
            + usize::from(vm.x509_certificate_chain.is_some())
            + usize::from(vm.certificate.is_some());
        if materials != 1 {
            return Err(TransparencyError::InvalidField {
                field: "verificationMaterial",
                value: materials.to_string(),
                reason: "needs exactly one of publicKey, x509CertificateChain, certificate",
            });
        }
        if version == BundleVersion::V0_3 && vm.x509_certificate_chain.is_some() {
            return Err(TransparencyError::InvalidField {
                field: "verificationMaterial.x509CertificateChain",
                value: String::new(),
                reason: "bundle v0.3 carries a single certificate, not a chain",
            });
        }
        if let Some(chain) = &vm.x509_certificate_chain
            && chain.certificates.is_empty()
        {
            return Err(TransparencyError::MissingField {
                what: "x509CertificateChain",
                field: "certificates",
            });
        }
        match (&self.message_signature, &self.dsse_envelope) {
            (Some(_), None) | (None, Some(_)) => {}
            _ => {
                return Err(TransparencyError::InvalidField {
                    field: "bundle content",
                    value: String::new(),
                    reason: "needs exactly one of messageSignature, dsseEnvelope",
                });
            }
        }
        for entry in &vm.tlog_entries {
            if version == BundleVersion::V0_1 && entry.inclusion_promise.is_none() {
                return Err(TransparencyError::MissingField {
                    what: "bundle v0.1 log entry",
                    field: "inclusionPromise",
                });
            }
            if version >= BundleVersion::V0_2 {
                let proof =
                    entry
                        .inclusion_proof
                        .as_ref()
                        .ok_or(TransparencyError::MissingField {
                            what: "bundle v0.2+ log entry",
                            field: "inclusionProof",
                        })?;
                if proof.checkpoint.is_none() {
                    return Err(TransparencyError::MissingField {
                        what: "bundle v0.2+ inclusion proof",
                        field: "checkpoint",
                    });
                }
            }
        }
        Ok(version)
    }

    /// The bundle as JSON (proto3 JSON mapping; pretty-printed, fields in schema order).
    pub fn to_json(&self) -> Result<Vec<u8>, TransparencyError> {
        serde_json::to_vec_pretty(self).map_err(|e| TransparencyError::Json {
            what: "Sigstore bundle",
            reason: e.to_string(),
        })
    }

    /// Whether the bundle is key-based (a public key hint, no certificate).
    pub fn is_key_based(&self) -> bool {
        self.verification_material.public_key.is_some()
    }

    fn leaf_certificate(&self) -> Option<&[u8]> {
        let vm = &self.verification_material;
        vm.certificate
            .as_ref()
            .map(|c| c.raw_bytes.as_slice())
            .or_else(|| {
                vm.x509_certificate_chain
                    .as_ref()
                    .and_then(|c| c.certificates.first())
                    .map(|c| c.raw_bytes.as_slice())
            })
    }

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
        let content = self.verify_signature(key, artifact, reject_high_s)?;
        let log_entries = self.verify_entries(version, Signer::Key(key), artifact, trust)?;
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
        let log_entries =
            self.verify_entries(version, Signer::Certificate(cert), artifact, trust)?;
        if let (Some(env), Some(artifact)) = (&self.dsse_envelope, artifact) {
            check_artifact_is_subject(env, artifact)?;
        }
        Ok(VerifiedTransparency {
            version,
            log_entries,
        })
    }

    fn verify_signature(
        &self,
        key: &PublicKey,
        artifact: Option<&[u8]>,
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
        if let Some(ms) = &self.message_signature {
            let artifact = artifact.ok_or(TransparencyError::MissingField {
                what: "message signature verification",
                field: "artifact bytes",
            })?;
            let digest = Digest::of(artifact);
            check_message_digest(ms, &digest)?;
            check(artifact, &ms.signature, "artifact")?;
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
        check(
            &pae(&env.payload_type, &env.payload),
            &sig.sig,
            "DSSE envelope",
        )?;
        if let Some(artifact) = artifact {
            check_artifact_is_subject(env, artifact)?;
        }
        Ok(VerifiedContent::Dsse(VerifiedEnvelope::from_verified(
            env.payload_type.clone(),
            env.payload.clone(),
            key.key_id().to_owned(),
        )))
    }

    fn verify_entries(
        &self,
        version: BundleVersion,
        signer: Signer<'_>,
        artifact: Option<&[u8]>,
        trust: &TrustRoot,
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
            let log_entry = entry.to_log_entry()?;
            let log = trust.find(&log_entry.log_id)?;
            let verified = log_entry.verify(log, version >= BundleVersion::V0_2)?;
            if verified.body.kind() != entry.kind_version.kind
                || verified.body.api_version() != entry.kind_version.version
            {
                return Err(TransparencyError::Mismatch {
                    what: "bundle log entry",
                    field: "kindVersion (differs from the body)",
                });
            }
            self.check_body(&verified.body, &signer, artifact)?;
            out.push(verified);
        }
        Ok(out)
    }

    /// Checks that a log entry body records this bundle's content and signer.
    fn check_body(
        &self,
        body: &EntryBody,
        signer: &Signer<'_>,
        artifact: Option<&[u8]>,
    ) -> Result<(), TransparencyError> {
        if let Some(ms) = &self.message_signature {
            let EntryBody::HashedRekord(h) = body else {
                return Err(TransparencyError::Mismatch {
                    what: "Rekor entry for a message signature",
                    field: "kind (expected hashedrekord)",
                });
            };
            // The digest the body must record: the artifact's, or (when no artifact is given
            // to a transparency-only check) the bundle's own message digest.
            let digest = match (artifact, &ms.message_digest) {
                (Some(a), _) => {
                    let d = Digest::of(a);
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
            return match signer {
                Signer::Key(key) => body.check_artifact(&digest, &ms.signature, key.spki_der()),
                Signer::Certificate(cert) => {
                    if h.signature != ms.signature {
                        return Err(TransparencyError::Mismatch {
                            what: "hashedrekord",
                            field: "signature",
                        });
                    }
                    check_digest_field(h, &digest)?;
                    check_pem_certificate(&h.public_key_pem, cert)
                }
            };
        }
        let env = self
            .dsse_envelope
            .as_ref()
            .ok_or(TransparencyError::MissingField {
                what: "Sigstore bundle",
                field: "messageSignature or dsseEnvelope",
            })?;
        let sigs: Vec<&[u8]> = env.signatures.iter().map(|s| s.sig.as_slice()).collect();
        match signer {
            Signer::Key(key) => {
                body.check_envelope(&env.payload_type, &env.payload, &sigs, key.spki_der())
            }
            Signer::Certificate(cert) => {
                let recorded = match body {
                    EntryBody::Intoto(i) => &i.signatures,
                    EntryBody::Dsse(d) => &d.signatures,
                    _ => {
                        return Err(TransparencyError::Mismatch {
                            what: "Rekor entry for a DSSE envelope",
                            field: "kind (expected intoto or dsse)",
                        });
                    }
                };
                if recorded.is_empty() {
                    return Err(TransparencyError::MissingField {
                        what: "Rekor DSSE entry",
                        field: "signatures",
                    });
                }
                for r in recorded {
                    check_pem_certificate(&r.verifier_pem, cert)?;
                }
                check_envelope_without_key(body, env, &sigs)
            }
        }
    }
}

fn check_envelope_without_key(
    body: &EntryBody,
    env: &Envelope,
    sigs: &[&[u8]],
) -> Result<(), TransparencyError> {
    let (payload_hash, recorded, what) = match body {
        EntryBody::Intoto(i) => {
            if i.payload_type != env.payload_type {
                return Err(TransparencyError::Mismatch {
                    what: "intoto entry",
                    field: "payloadType",
                });
            }
            (&i.payload_hash, &i.signatures, "intoto entry")
        }
        EntryBody::Dsse(d) => (&d.payload_hash, &d.signatures, "dsse entry"),
        _ => {
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
    if payload_hash.algorithm != "sha256" || payload_hash.value != Digest::of(&env.payload).hex() {
        return Err(TransparencyError::Mismatch {
            what,
            field: "payloadHash",
        });
    }
    if recorded.len() != sigs.len()
        || !sigs
            .iter()
            .all(|s| recorded.iter().any(|r| r.signature == *s))
    {
        return Err(TransparencyError::Mismatch {
            what,
            field: "signatures",
        });
    }
    Ok(())
}

/// For a DSSE bundle checked against an artifact: the envelope holds an in-toto statement one
/// of whose subjects has the artifact's SHA-256.
fn check_artifact_is_subject(env: &Envelope, artifact: &[u8]) -> Result<(), TransparencyError> {
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
    let digest = Digest::of(artifact);
    if !statement.has_subject(&digest) {
        return Err(TransparencyError::ArtifactNotSubject {
            artifact: digest,
            subjects: statement
                .subjects()
                .iter()
                .filter_map(|s| s.sha256().map(|d| d.to_string()))
                .collect(),
        });
    }
    Ok(())
}

fn check_digest_field(h: &rekor::HashedRekord, digest: &Digest) -> Result<(), TransparencyError> {
    if h.data_hash.algorithm != "sha256" || h.data_hash.value != digest.hex() {
        return Err(TransparencyError::Mismatch {
            what: "hashedrekord",
            field: "artifact digest",
        });
    }
    Ok(())
}

fn check_pem_certificate(pem: &[u8], cert_der: &[u8]) -> Result<(), TransparencyError> {
    let text = std::str::from_utf8(pem).map_err(|_| TransparencyError::InvalidField {
        field: "PEM certificate",
        value: String::new(),
        reason: "not UTF-8",
    })?;
    let der = rekor::pem_decode(text, "CERTIFICATE")?;
    if der != cert_der {
        return Err(TransparencyError::Mismatch {
            what: "Rekor entry",
            field: "certificate",
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

fn check_message_digest(ms: &MessageSignature, digest: &Digest) -> Result<(), TransparencyError> {
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

/// Builds a bundle (v0.3, key-based) from its parts.
pub fn key_based_bundle(
    hint: &str,
    content: BundleContent,
    entries: Vec<TransparencyLogEntry>,
) -> Bundle {
    let (message_signature, dsse_envelope) = match content {
        BundleContent::MessageSignature(m) => (Some(m), None),
        BundleContent::Dsse(e) => (None, Some(e)),
    };
    Bundle {
        media_type: MEDIA_TYPE_V0_3.to_owned(),
        verification_material: VerificationMaterial {
            public_key: Some(PublicKeyIdentifier {
                hint: hint.to_owned(),
            }),
            tlog_entries: entries,
            ..VerificationMaterial::default()
        },
        message_signature,
        dsse_envelope,
    }
}

/// A bundle's signed content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleContent {
    /// A signature over an artifact.
    MessageSignature(MessageSignature),
    /// A DSSE envelope.
    Dsse(Envelope),
}

/// The example of the module docs. Not part of the supported API.
#[doc(hidden)]
#[derive(Debug)]
pub struct DocExample {
    /// Bundle JSON.
    pub bundle_json: Vec<u8>,
    /// The signed artifact.
    pub artifact: Vec<u8>,
    /// The signer's public key.
    pub signer_key: PublicKey,
    /// The log's public key.
    pub log_key: PublicKey,
}

/// Builds the example used in the module docs: a key-based bundle for a small artifact, logged
/// in a one-entry log. Not part of the supported API.
#[doc(hidden)]
pub fn doc_example_bundle() -> Result<DocExample, Box<dyn std::error::Error>> {
    use crate::keys::{LocalSigner, PrivateKey, SystemRandom};
    use crate::transparency::merkle::{self, MerkleTree};
    use crate::transparency::note::{Checkpoint, NoteSigner};
    use stella_core::SignatureAlgorithm;

    let rng = SystemRandom::new();
    let signer = LocalSigner::new(
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &rng)?,
        SystemRandom::new(),
    )?;
    let log_key = LocalSigner::new(
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &rng)?,
        SystemRandom::new(),
    )?;
    let artifact = b"hello, bundle".to_vec();
    let signature = signer.sign(&artifact)?;
    let body = EntryBody::HashedRekord(rekor::HashedRekord::new(
        Digest::of(&artifact),
        signature.clone(),
        signer.public_key().to_pem().into_bytes(),
    ))
    .to_canonical_bytes()?;
    let mut tree = MerkleTree::new();
    tree.push(merkle::leaf_hash(&body));
    let root = tree.root(1)?;
    let log = RekorLogKey::from_public_key(log_key.public_key());
    let checkpoint = Checkpoint::new("rekor.example - 1", 1, root)
        .sign(&[NoteSigner::new("rekor.example", &log_key)?])?;
    let mut entry = LogEntry {
        body,
        integrated_time: 1_700_000_000,
        log_id: *log.log_id(),
        log_index: 0,
        inclusion_proof: Some(RekorInclusionProof {
            log_index: 0,
            root_hash: root,
            tree_size: 1,
            hashes: Vec::new(),
            checkpoint: Some(checkpoint.0),
        }),
        signed_entry_timestamp: None,
    };
    entry.signed_entry_timestamp = Some(log_key.sign(&entry.set_payload()?)?);
    let bundle = key_based_bundle(
        "",
        BundleContent::MessageSignature(MessageSignature {
            message_digest: Some(HashOutput {
                algorithm: "SHA2_256".to_owned(),
                digest: Digest::of(&artifact).as_bytes().to_vec(),
            }),
            signature,
        }),
        vec![TransparencyLogEntry::from_log_entry(&entry)?],
    );
    Ok(DocExample {
        bundle_json: bundle.to_json()?,
        artifact,
        signer_key: signer.public_key().clone(),
        log_key: log_key.public_key().clone(),
    })
}

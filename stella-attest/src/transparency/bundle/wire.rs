//! The bundle's wire form: media types and versions, the proto3 JSON messages of
//! `sigstore_bundle.proto`, their conversion to and from Rekor [`LogEntry`]s, and the structural
//! checks of [`Bundle::parse`].

use serde::{Deserialize, Serialize};
use stella_core::{MerkleHash, canonical};

use crate::transparency::TransparencyError;
use crate::transparency::b64::serde_bytes;
use crate::transparency::rekor::{EntryBody, LogEntry, RekorInclusionProof};

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

    pub(super) fn leaf_certificate(&self) -> Option<&[u8]> {
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

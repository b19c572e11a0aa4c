//! Rekor v2 (rekor-tiles) log entries: `hashedrekord` v0.0.2 and `dsse` v0.0.2 bodies, their
//! checkpoint-only inclusion proofs, and their offline verification.
//!
//! A Rekor v2 log is a tile-based C2SP log: it signs no entry timestamp (no SET, no integrated
//! time — the signing time must come from an RFC 3161 timestamp, see [`super::timestamp`]); an
//! entry is proved by an RFC 9162 inclusion proof up to a checkpoint that the log signs as a
//! C2SP signed note under its **origin**, the host name of its base URL (as sigstore-go derives
//! it). Checkpoints may carry other signatures — witness cosignatures, other keys of the same
//! origin — which are ignored unless they claim to be the log's key (same name and key id) and
//! fail.
//!
//! **Log id.** A v2 log is identified by the rekor-tiles key hash of its checkpoint key, which
//! is also the C2SP note key hash ([`super::note::note_key_hash`]): for Ed25519,
//! `SHA-256(origin || 0x0A || 0x01 || key)`; for ECDSA P-256, `SHA-256(SPKI DER)`. The first four
//! bytes are the key hint of the log's checkpoint signature lines.
//!
//! **Bodies** are the proto3 JSON of protobuf-specs' `rekor.v2` entry types, RFC 8785
//! canonicalized (as rekor-tiles stores them; other forms are refused):
//! `{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":{"algorithm",
//! "digest"},"signature":{"content","verifier":{"keyDetails", "x509Certificate"|"publicKey":
//! {"rawBytes"}}}}}}` and `{…"kind":"dsse","spec":{"dsseV002":{"payloadHash":{…},
//! "signatures":[{"content","verifier"}]}}}`.
//!
//! [`verify_entry`] checks, in this order: the kind and version (and that the body says the
//! same); the log (by log id; its `validFor` window at the signing time when one is given); the
//! inclusion proof and its checkpoint are present; the checkpoint is well formed, has the log's
//! origin and a valid signature by the log's key; the proof's index, size and root agree with
//! the entry and the checkpoint, and the proof leads from the body's leaf hash to the root; the
//! body is canonical; and the body records what the bundle holds — the artifact digest (message
//! signatures) or `SHA-256(PAE(payloadType, payload))` (a DSSE envelope logged as
//! `hashedrekord`, Rekor v2 spec §6.1.4) or the payload hash (`dsse`), the signature bytes, and
//! the certificate or public key.
//!
//! ```
//! use stella_attest::transparency::rekor_v2::{EntryBodyV2, origin_of_base_url};
//!
//! assert_eq!(origin_of_base_url("https://log2025-alpha1.rekor.sigstage.dev")?, "log2025-alpha1.rekor.sigstage.dev");
//! assert!(EntryBodyV2::parse(br#"{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{}}"#).is_err());
//! # Ok::<(), stella_attest::transparency::TransparencyError>(())
//! ```

use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use stella_core::Verifier;

use super::note::{Checkpoint, NoteVerifier, note_key_hash};
use super::rekor::{RekorInclusionProof, check_canonical_body};
use super::x509::TimeWindow;
use super::{TransparencyError, b64, merkle};
use crate::keys::PublicKey;

/// The largest number of signatures a `dsse` v0.0.2 body may list.
pub const MAX_BODY_SIGNATURES: usize = 32;

const WHAT_BODY: &str = "Rekor v2 entry body";

/// A hash algorithm of a Rekor v2 body (protobuf-specs `HashAlgorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoggedHashAlgorithm {
    /// `SHA2_256`.
    Sha256,
    /// `SHA2_384`.
    Sha384,
    /// `SHA2_512`.
    Sha512,
}

impl LoggedHashAlgorithm {
    /// From the protobuf-specs enum name (`SHA2_256`, `SHA2_384`, `SHA2_512`).
    pub fn from_proto_name(name: &str) -> Result<Self, TransparencyError> {
        match name {
            "SHA2_256" => Ok(Self::Sha256),
            "SHA2_384" => Ok(Self::Sha384),
            "SHA2_512" => Ok(Self::Sha512),
            other => Err(TransparencyError::InvalidField {
                field: "hash algorithm",
                value: other.chars().take(64).collect(),
                reason: "expected SHA2_256, SHA2_384 or SHA2_512",
            }),
        }
    }

    /// The digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
            Self::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

/// A hash recorded in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedHash {
    /// The algorithm.
    pub algorithm: LoggedHashAlgorithm,
    /// The digest (of the algorithm's length).
    pub digest: Vec<u8>,
}

/// The verification material a body records for a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoggedVerifier {
    /// `publicKey.rawBytes`: a DER SubjectPublicKeyInfo.
    PublicKey(Vec<u8>),
    /// `x509Certificate.rawBytes`: a DER certificate.
    Certificate(Vec<u8>),
}

/// A signature with its verifier, as a body records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedSignature {
    /// The signature bytes.
    pub content: Vec<u8>,
    /// The key or certificate.
    pub verifier: LoggedVerifier,
    /// The protobuf-specs `PublicKeyDetails` name (e.g. `PKIX_ECDSA_P256_SHA_256`).
    pub key_details: String,
}

/// A parsed Rekor v2 body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryBodyV2 {
    /// `hashedrekord` v0.0.2: a digest and one signature over it.
    HashedRekord {
        /// The signed digest (of the artifact, or of the DSSE PAE).
        data: LoggedHash,
        /// The signature.
        signature: LoggedSignature,
    },
    /// `dsse` v0.0.2: the payload hash and the envelope's signatures.
    Dsse {
        /// The hash of the envelope's payload.
        payload_hash: LoggedHash,
        /// The envelope's signatures with their verifiers.
        signatures: Vec<LoggedSignature>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WireBody {
    api_version: String,
    kind: String,
    spec: WireSpec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WireSpec {
    #[serde(default)]
    hashed_rekord_v002: Option<WireHashedRekord>,
    #[serde(default)]
    dsse_v002: Option<WireDsse>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireHashedRekord {
    data: WireHash,
    signature: WireSignature,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WireDsse {
    payload_hash: WireHash,
    signatures: Vec<WireSignature>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireHash {
    algorithm: String,
    digest: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSignature {
    content: String,
    verifier: WireVerifier,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WireVerifier {
    #[serde(default)]
    public_key: Option<WireRaw>,
    #[serde(default)]
    x509_certificate: Option<WireRaw>,
    key_details: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WireRaw {
    raw_bytes: String,
}

fn invalid(field: &'static str, value: &str, reason: &'static str) -> TransparencyError {
    TransparencyError::InvalidField {
        field,
        value: value.chars().take(80).collect(),
        reason,
    }
}

impl WireHash {
    fn parse(self, field: &'static str) -> Result<LoggedHash, TransparencyError> {
        let algorithm = LoggedHashAlgorithm::from_proto_name(&self.algorithm)?;
        let digest = b64::decode(&self.digest, field)?;
        if digest.len() != algorithm.digest_len() {
            return Err(TransparencyError::HashLength {
                field,
                length: digest.len(),
            });
        }
        Ok(LoggedHash { algorithm, digest })
    }
}

impl WireSignature {
    fn parse(self) -> Result<LoggedSignature, TransparencyError> {
        let content = b64::decode(&self.content, "Rekor v2 signature content")?;
        if content.is_empty() {
            return Err(TransparencyError::MissingField {
                what: WHAT_BODY,
                field: "signature content",
            });
        }
        let v = self.verifier;
        let verifier = match (v.public_key, v.x509_certificate) {
            (Some(k), None) => LoggedVerifier::PublicKey(b64::decode(
                &k.raw_bytes,
                "Rekor v2 verifier public key",
            )?),
            (None, Some(c)) => LoggedVerifier::Certificate(b64::decode(
                &c.raw_bytes,
                "Rekor v2 verifier certificate",
            )?),
            (None, None) => {
                return Err(TransparencyError::MissingField {
                    what: WHAT_BODY,
                    field: "verifier publicKey or x509Certificate",
                });
            }
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "verifier",
                    "publicKey and x509Certificate",
                    "a verifier holds exactly one of them",
                ));
            }
        };
        if matches!(&verifier, LoggedVerifier::PublicKey(b) | LoggedVerifier::Certificate(b) if b.is_empty())
        {
            return Err(TransparencyError::MissingField {
                what: WHAT_BODY,
                field: "verifier rawBytes",
            });
        }
        if v.key_details.is_empty() || v.key_details == "PUBLIC_KEY_DETAILS_UNSPECIFIED" {
            return Err(invalid(
                "verifier keyDetails",
                &v.key_details,
                "must name the key type",
            ));
        }
        Ok(LoggedSignature {
            content,
            verifier,
            key_details: v.key_details,
        })
    }
}

impl EntryBodyV2 {
    /// Parses a Rekor v2 body: canonical JSON (RFC 8785, no duplicate keys, no unknown fields)
    /// of kind `hashedrekord` or `dsse`, API version `0.0.2`.
    pub fn parse(bytes: &[u8]) -> Result<Self, TransparencyError> {
        check_canonical_body(bytes, WHAT_BODY)?;
        let wire: WireBody =
            serde_json::from_slice(bytes).map_err(|e| TransparencyError::Json {
                what: WHAT_BODY,
                reason: e.to_string(),
            })?;
        let spec = wire.spec;
        match (wire.kind.as_str(), wire.api_version.as_str()) {
            ("hashedrekord", "0.0.2") => {
                let (Some(h), None) = (spec.hashed_rekord_v002, spec.dsse_v002) else {
                    return Err(TransparencyError::MissingField {
                        what: WHAT_BODY,
                        field: "spec.hashedRekordV002 (and only it)",
                    });
                };
                Ok(Self::HashedRekord {
                    data: h.data.parse("hashedrekord v0.0.2 digest")?,
                    signature: h.signature.parse()?,
                })
            }
            ("dsse", "0.0.2") => {
                let (None, Some(d)) = (spec.hashed_rekord_v002, spec.dsse_v002) else {
                    return Err(TransparencyError::MissingField {
                        what: WHAT_BODY,
                        field: "spec.dsseV002 (and only it)",
                    });
                };
                if d.signatures.is_empty() {
                    return Err(TransparencyError::MissingField {
                        what: WHAT_BODY,
                        field: "dsseV002 signatures",
                    });
                }
                TransparencyError::check_limit(
                    "dsse v0.0.2 signatures",
                    MAX_BODY_SIGNATURES,
                    d.signatures.len(),
                )?;
                Ok(Self::Dsse {
                    payload_hash: d.payload_hash.parse("dsse v0.0.2 payload hash")?,
                    signatures: d
                        .signatures
                        .into_iter()
                        .map(WireSignature::parse)
                        .collect::<Result<_, _>>()?,
                })
            }
            (kind, version) => Err(TransparencyError::UnsupportedEntryKind {
                kind: kind.chars().take(64).collect(),
                version: version.chars().take(64).collect(),
            }),
        }
    }

    /// The kind: `hashedrekord` or `dsse`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::HashedRekord { .. } => "hashedrekord",
            Self::Dsse { .. } => "dsse",
        }
    }
}

/// Whether a bundle entry's `kindVersion` is a Rekor v2 one (`hashedrekord` or `dsse` at
/// `0.0.2`; note that `intoto` `0.0.2` is a Rekor v1 kind).
pub fn is_v2_kind(kind: &str, version: &str) -> bool {
    version == "0.0.2" && matches!(kind, "hashedrekord" | "dsse")
}

/// The checkpoint origin of a Rekor v2 log: the host name of its base URL (scheme, user
/// information, port, path, query and fragment removed, IPv6 brackets stripped), as sigstore-go
/// takes `url.Hostname()`.
pub fn origin_of_base_url(base_url: &str) -> Result<String, TransparencyError> {
    let bad = |reason| invalid("baseUrl", base_url, reason);
    let (_, rest) = base_url
        .split_once("://")
        .ok_or_else(|| bad("not an absolute URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split_once(']')
            .map(|(h, _)| h)
            .ok_or_else(|| bad("unclosed IPv6 bracket"))?
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        return Err(bad("no host name"));
    }
    if host.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(bad("the host name is not a valid note key name"));
    }
    Ok(host.to_owned())
}

/// A trusted Rekor v2 log: its checkpoint origin, key and validity window.
#[derive(Debug, Clone)]
pub struct RekorV2Log {
    origin: String,
    log_id: [u8; 32],
    spki_der: Vec<u8>,
    note_verifier: NoteVerifier,
    valid_for: TimeWindow,
}

impl RekorV2Log {
    /// The log signing checkpoints as `origin` with the key `spki_der` (Ed25519 or ECDSA
    /// P-256), verified by `verifier`, trusted during `valid_for`. The log id is derived
    /// (module docs).
    pub fn new(
        origin: &str,
        spki_der: &[u8],
        verifier: Arc<dyn Verifier>,
        valid_for: TimeWindow,
    ) -> Result<Self, TransparencyError> {
        let log_id = note_key_hash(origin, verifier.algorithm(), spki_der)?;
        let note_verifier = NoteVerifier::new(origin, spki_der, verifier)?;
        Ok(Self {
            origin: origin.to_owned(),
            log_id,
            spki_der: spki_der.to_vec(),
            note_verifier,
            valid_for,
        })
    }

    /// From a trusted root's transparency log: its `baseUrl` (whose host is the origin) and
    /// public key.
    pub fn from_base_url(
        base_url: &str,
        key: &PublicKey,
        valid_for: TimeWindow,
    ) -> Result<Self, TransparencyError> {
        let origin = origin_of_base_url(base_url)?;
        Self::new(&origin, key.spki_der(), Arc::new(key.clone()), valid_for)
    }

    /// The checkpoint origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The log id (see the module docs); a trusted root's `logId.keyId` for this log should
    /// equal it.
    pub fn log_id(&self) -> &[u8; 32] {
        &self.log_id
    }

    /// The key's DER SPKI.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The validity window.
    pub fn valid_for(&self) -> TimeWindow {
        self.valid_for
    }
}

/// A Rekor v2 transparency log entry as a bundle carries it (`tlogEntries[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekorV2Entry {
    /// `kindVersion.kind`.
    pub kind: String,
    /// `kindVersion.version`.
    pub version: String,
    /// `logId.keyId`.
    pub log_id: Vec<u8>,
    /// `logIndex`.
    pub log_index: u64,
    /// `canonicalizedBody`.
    pub body: Vec<u8>,
    /// `inclusionProof` (with its `checkpoint.envelope`).
    pub inclusion_proof: Option<RekorInclusionProof>,
}

/// What the bundle says was logged: the entry's body must record it.
#[derive(Debug, Clone, Copy)]
pub enum LoggedContent<'a> {
    /// A message signature: the bundle's message digest and signature.
    MessageSignature {
        /// The digest algorithm of the bundle's `messageDigest`.
        algorithm: LoggedHashAlgorithm,
        /// The artifact digest.
        digest: &'a [u8],
        /// The signature bytes.
        signature: &'a [u8],
    },
    /// A DSSE envelope.
    Envelope {
        /// `payloadType`.
        payload_type: &'a str,
        /// The decoded payload.
        payload: &'a [u8],
        /// The envelope's signatures (decoded), in order.
        signatures: &'a [&'a [u8]],
    },
}

/// The signer material of the bundle, which the body's verifier must be.
#[derive(Debug, Clone, Copy)]
pub enum LoggedSigner<'a> {
    /// The signing certificate (DER).
    Certificate(&'a [u8]),
    /// A public key (DER SPKI).
    PublicKey(&'a [u8]),
}

/// An entry [`verify_entry`] accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedV2Entry {
    /// Index, in the logs given, of the log it is in.
    pub log: usize,
    /// The entry's index in that log.
    pub log_index: u64,
    /// The parsed body.
    pub body: EntryBodyV2,
    /// The verified checkpoint the entry is included under.
    pub checkpoint: Checkpoint,
}

fn mismatch(field: &'static str) -> TransparencyError {
    TransparencyError::Mismatch {
        what: WHAT_BODY,
        field,
    }
}

/// Whether the body's verifier is the bundle's signer: the same certificate bytes, or the same
/// public key (compared in canonical SPKI form when the bytes differ).
fn same_signer(logged: &LoggedVerifier, signer: &LoggedSigner<'_>) -> bool {
    match (logged, signer) {
        (LoggedVerifier::Certificate(a), LoggedSigner::Certificate(b)) => a.as_slice() == *b,
        (LoggedVerifier::PublicKey(a), LoggedSigner::PublicKey(b)) => {
            a.as_slice() == *b
                || matches!(
                    (PublicKey::from_spki_der(a), PublicKey::from_spki_der(b)),
                    (Ok(x), Ok(y)) if x.spki_der() == y.spki_der()
                )
        }
        _ => false,
    }
}

/// Checks that the body records `content` signed by `signer`.
fn check_body(
    body: &EntryBodyV2,
    content: &LoggedContent<'_>,
    signer: &LoggedSigner<'_>,
) -> Result<(), TransparencyError> {
    match (body, content) {
        (
            EntryBodyV2::HashedRekord { data, signature },
            LoggedContent::MessageSignature {
                algorithm,
                digest,
                signature: sig,
            },
        ) => {
            if data.algorithm != *algorithm {
                return Err(mismatch("digest algorithm"));
            }
            if data.digest.as_slice() != *digest {
                return Err(mismatch("digest"));
            }
            if signature.content.as_slice() != *sig {
                return Err(mismatch("signature"));
            }
            if !same_signer(&signature.verifier, signer) {
                return Err(mismatch("verifier"));
            }
            Ok(())
        }
        (
            EntryBodyV2::HashedRekord { data, signature },
            LoggedContent::Envelope {
                payload_type,
                payload,
                signatures,
            },
        ) => {
            // Rekor v2 spec §6.1.4: a DSSE envelope logged as hashedrekord over its PAE.
            let pae = crate::dsse::pae(payload_type, payload);
            if data.digest != data.algorithm.digest(&pae) {
                return Err(mismatch("digest of the envelope's PAE"));
            }
            let [sig] = signatures else {
                return Err(mismatch(
                    "signature count (a hashedrekord records one envelope signature)",
                ));
            };
            if signature.content.as_slice() != *sig {
                return Err(mismatch("signature"));
            }
            if !same_signer(&signature.verifier, signer) {
                return Err(mismatch("verifier"));
            }
            Ok(())
        }
        (
            EntryBodyV2::Dsse {
                payload_hash,
                signatures: logged,
            },
            LoggedContent::Envelope {
                payload,
                signatures,
                ..
            },
        ) => {
            if payload_hash.digest != payload_hash.algorithm.digest(payload) {
                return Err(mismatch("payload hash"));
            }
            if logged.len() != signatures.len() {
                return Err(mismatch("signature count"));
            }
            for sig in signatures.iter() {
                if !logged.iter().any(|l| l.content.as_slice() == *sig) {
                    return Err(mismatch("signature"));
                }
            }
            let first = signatures
                .first()
                .and_then(|s| logged.iter().find(|l| l.content.as_slice() == *s))
                .ok_or(mismatch("signature"))?;
            if !same_signer(&first.verifier, signer) {
                return Err(mismatch("verifier"));
            }
            Ok(())
        }
        (EntryBodyV2::Dsse { .. }, LoggedContent::MessageSignature { .. }) => Err(mismatch(
            "kind (a dsse entry cannot record a message signature)",
        )),
    }
}

/// Verifies a Rekor v2 entry against the trusted v2 logs and what the bundle holds (see the
/// module docs for every check and their order). `signing_time`, when given (a verified RFC
/// 3161 time), must lie in the log's validity window.
pub fn verify_entry(
    entry: &RekorV2Entry,
    content: &LoggedContent<'_>,
    signer: &LoggedSigner<'_>,
    logs: &[RekorV2Log],
    signing_time: Option<i64>,
) -> Result<VerifiedV2Entry, TransparencyError> {
    if !is_v2_kind(&entry.kind, &entry.version) {
        return Err(TransparencyError::UnsupportedEntryKind {
            kind: entry.kind.chars().take(64).collect(),
            version: entry.version.chars().take(64).collect(),
        });
    }
    let (index, log) = logs
        .iter()
        .enumerate()
        .find(|(_, l)| l.log_id.as_slice() == entry.log_id.as_slice())
        .ok_or_else(|| TransparencyError::UnknownLog {
            log_id: hex::encode(&entry.log_id),
        })?;
    if let Some(at) = signing_time {
        if !log.valid_for.contains(at) {
            return Err(TransparencyError::LogNotValidAt {
                log_id: hex::encode(log.log_id),
                at,
            });
        }
    }
    let proof = entry
        .inclusion_proof
        .as_ref()
        .ok_or(TransparencyError::MissingField {
            what: "Rekor v2 entry",
            field: "inclusionProof (required: Rekor v2 signs no entry timestamp)",
        })?;
    let note = proof
        .checkpoint
        .as_deref()
        .ok_or(TransparencyError::MissingField {
            what: "Rekor v2 inclusion proof",
            field: "checkpoint",
        })?;
    let (unverified, _) = Checkpoint::parse_unverified(note.as_bytes())?;
    if unverified.origin != log.origin {
        return Err(TransparencyError::CheckpointMismatch {
            field: "origin",
            checkpoint: unverified.origin.chars().take(200).collect(),
            against: "trusted log",
            other: log.origin.clone(),
        });
    }
    let checkpoint =
        Checkpoint::verify(note.as_bytes(), std::slice::from_ref(&log.note_verifier))?.checkpoint;
    if proof.log_index != entry.log_index {
        return Err(TransparencyError::Mismatch {
            what: "Rekor v2 entry",
            field: "inclusion proof logIndex",
        });
    }
    checkpoint.check_matches(proof.tree_size, &proof.root_hash, "inclusion proof")?;
    merkle::verify_inclusion(
        &merkle::leaf_hash(&entry.body),
        proof.log_index,
        checkpoint.size,
        &proof.hashes,
        &checkpoint.root_hash,
    )?;
    let body = EntryBodyV2::parse(&entry.body)?;
    if body.kind() != entry.kind {
        return Err(TransparencyError::Mismatch {
            what: "Rekor v2 entry",
            field: "kindVersion (the body has another kind)",
        });
    }
    check_body(&body, content, signer)?;
    Ok(VerifiedV2Entry {
        log: index,
        log_index: entry.log_index,
        body,
        checkpoint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        for (url, host) in [
            ("https://rekor.sigstore.dev", "rekor.sigstore.dev"),
            (
                "https://log2025-1.rekor.sigstore.dev/",
                "log2025-1.rekor.sigstore.dev",
            ),
            ("http://u:p@host.example:8080/path?q#f", "host.example"),
            ("https://[::1]:3000/x", "::1"),
        ] {
            assert_eq!(origin_of_base_url(url).unwrap(), host);
        }
        for bad in [
            "rekor.sigstore.dev",
            "https://",
            "https:///path",
            "https://[::1",
            "https://a b/",
        ] {
            assert!(origin_of_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kinds() {
        assert!(is_v2_kind("hashedrekord", "0.0.2"));
        assert!(is_v2_kind("dsse", "0.0.2"));
        assert!(!is_v2_kind("intoto", "0.0.2"));
        assert!(!is_v2_kind("hashedrekord", "0.0.1"));
    }

    #[test]
    fn hash_algorithms() {
        for (name, len) in [("SHA2_256", 32), ("SHA2_384", 48), ("SHA2_512", 64)] {
            let a = LoggedHashAlgorithm::from_proto_name(name).unwrap();
            assert_eq!(a.digest_len(), len);
            assert_eq!(a.digest(b"x").len(), len);
        }
        assert!(LoggedHashAlgorithm::from_proto_name("SHA1").is_err());
    }
}

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
//!   [`TransparencyError::NotSupported`](super::TransparencyError::NotSupported) for them, never
//!   a pass.
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

mod keyless;
pub use keyless::MAX_RFC3161_TIMESTAMPS;
mod policy;
mod trust_root;
mod verify;
mod wire;

use stella_core::Digest;

use super::rekor::{self, EntryBody, LogEntry, RekorInclusionProof, RekorLogKey};
use crate::keys::PublicKey;

pub use policy::{
    ArtifactInput, Check, TimestampSource, Verification, VerificationPolicy, VerificationReport,
    VerifiedSigner, VerifiedTimestamp,
};
pub use trust_root::{
    LogInstance, MAX_TRUSTED_ROOT_BYTES, MAX_TRUSTED_ROOT_ENTRIES, TRUSTED_ROOT_MEDIA_TYPE_V0_1,
    TRUSTED_ROOT_MEDIA_TYPE_V0_2, TrustRoot, TrustedRoot,
};
pub use verify::{VerifiedBundle, VerifiedContent, VerifiedTransparency};
pub use wire::{
    Bundle, BundleContent, BundleVersion, CheckpointEnvelope, Envelope, EnvelopeSignature,
    HashOutput, InclusionPromise, InclusionProof, KindVersion, LogId, MAX_BUNDLE_BYTES,
    MEDIA_TYPE_V0_1, MEDIA_TYPE_V0_2, MEDIA_TYPE_V0_3, MEDIA_TYPE_V0_3_LEGACY, MessageSignature,
    PublicKeyIdentifier, Rfc3161SignedTimestamp, TimestampVerificationData, TransparencyLogEntry,
    VerificationMaterial, X509Certificate, X509CertificateChain, key_based_bundle,
};

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

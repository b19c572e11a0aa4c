//! Test helpers (cargo feature `testing`, off by default): [`ContractVerifier`], the
//! [`LogVerifier`] the transparency log contract suite (`stella_core::testing`) needs, built on
//! this crate's RFC 9162 proofs and C2SP checkpoints; [`TestRekor`], a one-log Rekor v1
//! stand-in, with the key-based bundle builders [`dsse_bundle`] and [`message_bundle`] the
//! tests of this crate, the CLI, the VEX reader and the bindings share.

use stella_core::testing::{LogVerifier, VerifyError};
use stella_core::{
    ConsistencyProof, Digest, InclusionProof, MerkleHash, SignatureAlgorithm, SignedCheckpoint,
};

use super::bundle::{
    Bundle, BundleContent, Envelope, EnvelopeSignature, HashOutput, MessageSignature,
    TransparencyLogEntry, key_based_bundle,
};
use super::merkle::{self, MerkleTree};
use super::note::{Checkpoint, NoteSigner, NoteVerifier};
use super::rekor::{
    BodySignature, DsseV001, EntryBody, HashedRekord, LogEntry, RekorHash, RekorInclusionProof,
    RekorLogKey,
};
use crate::dsse::pae;
use crate::keys::{LocalSigner, PrivateKey, SystemRandom};

/// Verifies a log's proofs with [`merkle`] and its checkpoints against trusted note keys, so
/// `stella_core::testing::check_transparency_log` can run on any log that signs C2SP
/// checkpoints.
///
/// ```
/// use std::sync::Arc;
/// use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
/// use stella_attest::transparency::MemoryLog;
/// use stella_attest::transparency::note::NoteVerifier;
/// use stella_attest::transparency::testing::ContractVerifier;
/// use stella_core::SignatureAlgorithm;
///
/// let rng = SystemRandom::new();
/// let key = LocalSigner::new(PrivateKey::generate(SignatureAlgorithm::Ed25519, &rng)?, rng)?;
/// let public = key.public_key().clone();
/// let log = MemoryLog::new("stella.example/log", Arc::new(key))?;
/// let note = NoteVerifier::new("stella.example/log", public.spki_der(), Arc::new(public.clone()))?;
/// stella_core::testing::check_transparency_log(&log, &ContractVerifier::new(vec![note]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ContractVerifier {
    trusted: Vec<NoteVerifier>,
}

impl ContractVerifier {
    /// A verifier that accepts checkpoints signed by any of `trusted`.
    pub fn new(trusted: Vec<NoteVerifier>) -> Self {
        Self { trusted }
    }
}

impl LogVerifier for ContractVerifier {
    fn leaf_hash(&self, entry: &[u8]) -> MerkleHash {
        merkle::leaf_hash(entry)
    }

    fn verify_checkpoint(
        &self,
        checkpoint: &SignedCheckpoint,
    ) -> Result<(u64, MerkleHash), VerifyError> {
        let verified = Checkpoint::verify(checkpoint.0.as_bytes(), &self.trusted)?;
        Ok((verified.checkpoint.size, verified.checkpoint.root_hash))
    }

    fn verify_inclusion(
        &self,
        leaf_hash: &MerkleHash,
        proof: &InclusionProof,
    ) -> Result<(), VerifyError> {
        Ok(merkle::verify_inclusion(
            leaf_hash,
            proof.log_index,
            proof.tree_size,
            &proof.hashes,
            &proof.root_hash,
        )?)
    }

    fn verify_consistency(
        &self,
        proof: &ConsistencyProof,
        old_root: &MerkleHash,
        new_root: &MerkleHash,
    ) -> Result<(), VerifyError> {
        Ok(merkle::verify_consistency(
            proof.old_size,
            proof.new_size,
            &proof.hashes,
            old_root,
            new_root,
        )?)
    }
}

/// What the bundle builders of this module return on failure.
pub type BuildError = Box<dyn std::error::Error + Send + Sync>;

/// A one-log Rekor v1 stand-in for tests: appends entry bodies to a Merkle tree and returns
/// each entry with a signed entry timestamp, an inclusion proof against the tree at that moment
/// and a signed checkpoint (origin `rekor.test`), as Rekor v1 does.
///
/// ```
/// use stella_attest::transparency::bundle::TrustRoot;
/// use stella_attest::transparency::testing::{TestRekor, dsse_bundle, test_signer};
/// use stella_core::SignatureAlgorithm;
///
/// let author = test_signer(SignatureAlgorithm::EcdsaP256Sha256)?;
/// let mut rekor = TestRekor::generate(SignatureAlgorithm::EcdsaP256Sha256)?;
/// let payload = br#"{"_type":"https://in-toto.io/Statement/v1"}"#;
/// let bundle = dsse_bundle(&author, &mut rekor, "application/vnd.in-toto+json", payload, |s| s)?;
/// let trust = TrustRoot::new(vec![rekor.log_key()]);
/// bundle.verify_with_key(author.public_key(), None, &trust)?;
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
#[derive(Debug)]
pub struct TestRekor {
    key: LocalSigner<SystemRandom>,
    tree: MerkleTree,
    integrated_time: i64,
}

/// A fresh local signing key of `alg`.
pub fn test_signer(alg: SignatureAlgorithm) -> Result<LocalSigner<SystemRandom>, BuildError> {
    let rng = SystemRandom::new();
    Ok(LocalSigner::new(PrivateKey::generate(alg, &rng)?, rng)?)
}

impl TestRekor {
    /// A log signing with `key`; entries are integrated at 1 750 000 000 (2025-06-15).
    pub fn new(key: LocalSigner<SystemRandom>) -> Self {
        Self {
            key,
            tree: MerkleTree::new(),
            integrated_time: 1_750_000_000,
        }
    }

    /// A log with a fresh key of `alg`.
    pub fn generate(alg: SignatureAlgorithm) -> Result<Self, BuildError> {
        Ok(Self::new(test_signer(alg)?))
    }

    /// Integrates the next entries at `unix_seconds`.
    pub fn with_integrated_time(mut self, unix_seconds: i64) -> Self {
        self.integrated_time = unix_seconds;
        self
    }

    /// The log's signing key.
    pub fn signer(&self) -> &LocalSigner<SystemRandom> {
        &self.key
    }

    /// The log's key as a verifier trusts it.
    pub fn log_key(&self) -> RekorLogKey {
        RekorLogKey::from_public_key(self.key.public_key())
    }

    /// Appends `before` unrelated leaves, then `body`, then `after` unrelated leaves; returns
    /// the entry for `body` with its SET, and an inclusion proof and checkpoint for the tree
    /// as it then is.
    pub fn log(&mut self, body: Vec<u8>, before: u64, after: u64) -> Result<LogEntry, BuildError> {
        for i in 0..before {
            self.tree.push(merkle::leaf_hash(&i.to_be_bytes()));
        }
        let index = self.tree.push(merkle::leaf_hash(&body));
        for i in 0..after {
            self.tree
                .push(merkle::leaf_hash(&(i.saturating_add(1000)).to_be_bytes()));
        }
        let size = self.tree.size();
        let root = self.tree.root(size)?;
        let checkpoint = Checkpoint::new("rekor.test - 42", size, root)
            .sign(&[NoteSigner::new("rekor.test", &self.key)?])?;
        let mut entry = LogEntry {
            body,
            integrated_time: self.integrated_time,
            log_id: *self.log_key().log_id(),
            log_index: index,
            inclusion_proof: Some(RekorInclusionProof {
                log_index: index,
                root_hash: root,
                tree_size: size,
                hashes: self.tree.inclusion_proof(index, size)?,
                checkpoint: Some(checkpoint.0),
            }),
            signed_entry_timestamp: None,
        };
        entry.signed_entry_timestamp = Some(self.key.sign(&entry.set_payload()?)?);
        Ok(entry)
    }
}

/// A key-based DSSE bundle (v0.3) of `payload` signed by `author` (the signature passed through
/// `adjust`, for tampering tests), logged in `rekor` as a `dsse` v0.0.1 entry between unrelated
/// ones.
pub fn dsse_bundle(
    author: &LocalSigner<SystemRandom>,
    rekor: &mut TestRekor,
    payload_type: &str,
    payload: &[u8],
    adjust: impl FnOnce(Vec<u8>) -> Vec<u8>,
) -> Result<Bundle, BuildError> {
    let sig = adjust(author.sign(&pae(payload_type, payload))?);
    let body = EntryBody::Dsse(DsseV001 {
        envelope_hash: None,
        payload_hash: Some(RekorHash::sha256(&Digest::of(payload))),
        signatures: vec![BodySignature {
            signature: sig.clone(),
            verifier_pem: author.public_key().to_pem().into_bytes(),
        }],
    })
    .to_canonical_bytes()?;
    let entry = rekor.log(body, 1, 1)?;
    Ok(key_based_bundle(
        "",
        BundleContent::Dsse(Envelope {
            payload: payload.to_vec(),
            payload_type: payload_type.into(),
            signatures: vec![EnvelopeSignature {
                sig,
                keyid: String::new(),
            }],
        }),
        vec![TransparencyLogEntry::from_log_entry(&entry)?],
    ))
}

/// A key-based message-signature bundle (v0.3) of `artifact` signed by `author` (the signature
/// passed through `adjust`), logged in `rekor` as a `hashedrekord` entry between unrelated
/// ones.
pub fn message_bundle(
    author: &LocalSigner<SystemRandom>,
    rekor: &mut TestRekor,
    artifact: &[u8],
    adjust: impl FnOnce(Vec<u8>) -> Vec<u8>,
) -> Result<Bundle, BuildError> {
    let signature = adjust(author.sign(artifact)?);
    let body = EntryBody::HashedRekord(HashedRekord::new(
        Digest::of(artifact),
        signature.clone(),
        author.public_key().to_pem().into_bytes(),
    ))
    .to_canonical_bytes()?;
    let entry = rekor.log(body, 2, 1)?;
    Ok(key_based_bundle(
        "",
        BundleContent::MessageSignature(MessageSignature {
            message_digest: Some(HashOutput {
                algorithm: "SHA2_256".into(),
                digest: Digest::of(artifact).as_bytes().to_vec(),
            }),
            signature,
        }),
        vec![TransparencyLogEntry::from_log_entry(&entry)?],
    ))
}

//! [`ContractVerifier`]: the [`LogVerifier`] the transparency log contract suite
//! (`stella_core::testing`) needs, built on this crate's RFC 9162 proofs and C2SP checkpoints
//! (cargo feature `testing`, off by default).

use stella_core::testing::{LogVerifier, VerifyError};
use stella_core::{ConsistencyProof, InclusionProof, MerkleHash, SignedCheckpoint};

use super::merkle;
use super::note::{Checkpoint, NoteVerifier};

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

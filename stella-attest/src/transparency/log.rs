//! [`MemoryLog`]: the embedded append-only Merkle log.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use stella_core::{
    ConsistencyProof, CoreError, InclusionProof, LogReceipt, SignedCheckpoint, Signer,
    TransparencyLog,
};

use super::TransparencyError;
use super::merkle::{self, MerkleTree};
use super::note::{Checkpoint, NoteSigner, NoteVerifier, VerifiedCheckpoint};

/// An append-only, in-memory RFC 9162 Merkle log whose checkpoints are C2SP signed notes.
///
/// The log keeps the leaf hashes and every complete subtree hash (about two hashes per entry;
/// the entry bytes themselves are not kept — store them in a `BlobStore`). Appending costs
/// O(log n) hashing (the new leaf's proof and root) plus one checkpoint signature; proofs for any
/// earlier size cost O(log n). The checkpoint's origin line is also the note key name, so it must have no spaces
/// or `+` (for example `stella.example/log`).
///
/// ```
/// use std::sync::Arc;
/// use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
/// use stella_attest::transparency::{merkle, MemoryLog};
/// use stella_attest::transparency::note::{Checkpoint, NoteVerifier};
/// use stella_core::{SignatureAlgorithm, TransparencyLog};
///
/// let rng = SystemRandom::new();
/// let key = LocalSigner::new(PrivateKey::generate(SignatureAlgorithm::Ed25519, &rng)?, rng)?;
/// let public = key.public_key().clone();
/// let log = MemoryLog::new("stella.example/log", Arc::new(key))?;
/// let receipt = log.append(b"first entry")?;
/// assert_eq!(receipt.log_index, 0);
///
/// // Anyone holding the log's public key checks the receipt offline.
/// let trusted = [NoteVerifier::new("stella.example/log", public.spki_der(), Arc::new(public.clone()))?];
/// let cp = Checkpoint::verify(receipt.checkpoint.0.as_bytes(), &trusted)?.checkpoint;
/// let proof = &receipt.inclusion_proof;
/// cp.check_matches(proof.tree_size, &proof.root_hash, "inclusion proof")?;
/// merkle::verify_inclusion(
///     &merkle::leaf_hash(b"first entry"),
///     proof.log_index,
///     proof.tree_size,
///     &proof.hashes,
///     &proof.root_hash,
/// )?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct MemoryLog {
    origin: String,
    signer: Arc<dyn Signer>,
    key_id: u32,
    tree: Mutex<MerkleTree>,
}

impl fmt::Debug for MemoryLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryLog")
            .field("origin", &self.origin)
            .field("signer", &self.signer.key_id())
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

fn poisoned() -> CoreError {
    CoreError::Backend {
        backend: "memory-log",
        source: "the log's lock was poisoned by a panic in another thread".into(),
    }
}

impl MemoryLog {
    /// An empty log named `origin` that signs its checkpoints with `signer` (Ed25519 or ECDSA
    /// P-256) under the note key name `origin`.
    pub fn new(origin: &str, signer: Arc<dyn Signer>) -> Result<Self, TransparencyError> {
        let key_id = NoteSigner::new(origin, signer.as_ref())?.key_id();
        Ok(Self {
            origin: origin.to_owned(),
            signer,
            key_id,
            tree: Mutex::new(MerkleTree::new()),
        })
    }

    /// The origin line (and note key name) of the log's checkpoints.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The note key id of the log's checkpoint signatures.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The number of entries.
    pub fn size(&self) -> Result<u64, CoreError> {
        Ok(self.lock()?.size())
    }

    fn lock(&self) -> Result<MutexGuard<'_, MerkleTree>, CoreError> {
        self.tree.lock().map_err(|_| poisoned())
    }

    fn sign_checkpoint(&self, tree: &MerkleTree) -> Result<SignedCheckpoint, TransparencyError> {
        let size = tree.size();
        let root = if size == 0 {
            merkle::empty_root()
        } else {
            tree.root(size)?
        };
        let signer = NoteSigner::new(&self.origin, self.signer.as_ref())?;
        Checkpoint::new(&self.origin, size, root).sign(&[signer])
    }
}

impl TransparencyLog for MemoryLog {
    fn append(&self, entry: &[u8]) -> Result<LogReceipt, CoreError> {
        let leaf_hash = merkle::leaf_hash(entry);
        let mut tree = self.lock()?;
        let log_index = tree.push(leaf_hash);
        let tree_size = tree.size();
        let hashes = tree.inclusion_proof(log_index, tree_size)?;
        let root_hash = tree.root(tree_size)?;
        let checkpoint = self.sign_checkpoint(&tree)?;
        Ok(LogReceipt {
            log_index,
            leaf_hash,
            inclusion_proof: InclusionProof {
                log_index,
                tree_size,
                root_hash,
                hashes,
            },
            checkpoint,
        })
    }

    fn checkpoint(&self) -> Result<SignedCheckpoint, CoreError> {
        let tree = self.lock()?;
        Ok(self.sign_checkpoint(&tree)?)
    }

    fn inclusion_proof(&self, log_index: u64, tree_size: u64) -> Result<InclusionProof, CoreError> {
        self.lock()?.log_inclusion_proof(log_index, tree_size)
    }

    fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<ConsistencyProof, CoreError> {
        self.lock()?.log_consistency_proof(old_size, new_size)
    }
}

/// Verifies a log receipt offline for the entry bytes it was issued for: the checkpoint is
/// signed by a trusted log key, the receipt's leaf hash is the entry's RFC 9162 leaf hash, its
/// index is the proof's, the checkpoint commits to the proof's tree size and root, and the
/// inclusion proof leads from the leaf to that root. Every field of the receipt is checked, so
/// a receipt changed anywhere (or presented for other entry bytes) is an error.
///
/// ```
/// use std::sync::Arc;
/// use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
/// use stella_attest::transparency::{verify_receipt, MemoryLog, TransparencyError};
/// use stella_attest::transparency::note::NoteVerifier;
/// use stella_core::{SignatureAlgorithm, TransparencyLog};
///
/// let rng = SystemRandom::new();
/// let key = LocalSigner::new(PrivateKey::generate(SignatureAlgorithm::Ed25519, &rng)?, rng)?;
/// let public = key.public_key().clone();
/// let log = MemoryLog::new("stella.example/log", Arc::new(key))?;
/// let receipt = log.append(b"entry")?;
/// let trusted = [NoteVerifier::new("stella.example/log", public.spki_der(), Arc::new(public.clone()))?];
/// let checkpoint = verify_receipt(b"entry", &receipt, &trusted)?;
/// assert_eq!(checkpoint.checkpoint.size, 1);
/// assert!(matches!(
///     verify_receipt(b"other entry", &receipt, &trusted),
///     Err(TransparencyError::Mismatch { field: "leaf hash", .. })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_receipt(
    entry: &[u8],
    receipt: &LogReceipt,
    trusted: &[NoteVerifier],
) -> Result<VerifiedCheckpoint, TransparencyError> {
    let verified = Checkpoint::verify(receipt.checkpoint.0.as_bytes(), trusted)?;
    let leaf = merkle::leaf_hash(entry);
    if receipt.leaf_hash != leaf {
        return Err(TransparencyError::Mismatch {
            what: "log receipt",
            field: "leaf hash",
        });
    }
    let proof = &receipt.inclusion_proof;
    if receipt.log_index != proof.log_index {
        return Err(TransparencyError::Mismatch {
            what: "log receipt",
            field: "log index",
        });
    }
    verified
        .checkpoint
        .check_matches(proof.tree_size, &proof.root_hash, "inclusion proof")?;
    merkle::verify_inclusion(
        &leaf,
        proof.log_index,
        proof.tree_size,
        &proof.hashes,
        &proof.root_hash,
    )?;
    Ok(verified)
}

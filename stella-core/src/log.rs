//! The transparency log seen from the pure crates: append, prove, checkpoint.
//!
//! The types here are plain data in the shapes RFC 9162 and C2SP tlog-checkpoint define;
//! verifying them (Merkle proofs, note signatures) is `stella-attest`'s job, which also provides
//! the in-memory Merkle log (signing a checkpoint needs its keys), and the `stella` crate persists
//! it to disk.

use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// A SHA-256 Merkle tree hash (RFC 9162 §2.1), written as 64 lowercase hex digits in JSON.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MerkleHash(pub [u8; 32]);

impl Debug for MerkleHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MerkleHash({})", hex::encode(self.0))
    }
}

impl Serialize for MerkleHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for MerkleHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        // Lowercase only, as written: accepting `A`-`F` too would let a hash be re-spelled
        // without changing its value (a changed byte that verification cannot see).
        if !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(serde::de::Error::custom("expected 64 lowercase hex digits"));
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(text.as_bytes(), &mut out)
            .map_err(|_| serde::de::Error::custom("expected 64 hex digits"))?;
        Ok(Self(out))
    }
}

/// An inclusion (audit) proof: the sibling hashes from a leaf up to the root of a tree of
/// `tree_size` leaves (RFC 9162 §2.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProof {
    /// Zero-based index of the leaf.
    pub log_index: u64,
    /// Size of the tree the proof is for.
    pub tree_size: u64,
    /// Root hash of that tree.
    pub root_hash: MerkleHash,
    /// Sibling hashes, leaf level first.
    pub hashes: Vec<MerkleHash>,
}

/// A consistency proof between two tree sizes (RFC 9162 §2.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsistencyProof {
    /// The earlier tree size.
    pub old_size: u64,
    /// The later tree size.
    pub new_size: u64,
    /// The proof hashes.
    pub hashes: Vec<MerkleHash>,
}

/// A signed checkpoint: the full text of a C2SP signed note whose body is a tlog checkpoint
/// (origin line, tree size, base64 root hash, optional extension lines, a blank line, signature
/// lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SignedCheckpoint(pub String);

/// What appending to a log gives back: where the entry landed and the proof that it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogReceipt {
    /// The entry's index in the log.
    pub log_index: u64,
    /// RFC 9162 leaf hash of the entry bytes.
    pub leaf_hash: MerkleHash,
    /// Proof of inclusion in the tree the checkpoint commits to.
    pub inclusion_proof: InclusionProof,
    /// The checkpoint signed after the append.
    pub checkpoint: SignedCheckpoint,
}

/// An append-only, verifiable log (the embedded Merkle log, a file-backed one, or Rekor).
///
/// All methods take `&self`; implementations synchronize internally so one log can be shared.
///
/// Contract (every implementation keeps it; `stella_core::testing::check_transparency_log`,
/// cargo feature `testing`, checks it):
/// - every append adds a leaf (bytes appended before too) at the next index, and its receipt
///   carries that index, the entry's leaf hash, an inclusion proof in the tree of that size and
///   a checkpoint signed for that size and root;
/// - `checkpoint` returns the latest tree (size 0 for a new log), so checkpoints only grow;
/// - `inclusion_proof` and `consistency_proof` answer for every earlier size (consistency from
///   size 1 up) with proofs that verify against the roots the checkpoints signed, and a request
///   past the tree is [`CoreError::LogRange`];
/// - concurrent appends get distinct indices.
pub trait TransparencyLog: Send + Sync + Debug {
    /// Appends `entry` (its bytes become an RFC 9162 leaf) and returns the receipt.
    fn append(&self, entry: &[u8]) -> Result<LogReceipt, CoreError>;

    /// The latest signed checkpoint.
    fn checkpoint(&self) -> Result<SignedCheckpoint, CoreError>;

    /// The inclusion proof of entry `log_index` in the tree of size `tree_size`.
    fn inclusion_proof(&self, log_index: u64, tree_size: u64) -> Result<InclusionProof, CoreError>;

    /// The consistency proof between two tree sizes.
    fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<ConsistencyProof, CoreError>;
}

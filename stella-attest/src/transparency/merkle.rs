//! RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.
//!
//! A leaf hash is `SHA-256(0x00 || data)` and an interior node `SHA-256(0x01 || left || right)`;
//! a tree of `n` leaves splits at the largest power of two below `n` (RFC 9162 §2.1.1). Proof
//! verification follows the algorithms of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
//! (consistency), with the proof length checked up front so that a proof that is too short or
//! too long is reported as such rather than as a root mismatch.
//!
//! [`MerkleTree`] keeps every complete subtree hash (about `2n` hashes for `n` leaves), so
//! appending costs O(log n) (one hash on average) and a root or proof for any size up to the
//! current one costs O(log n) lookups and hashes (the right edge of the requested tree is folded
//! once per request).
//!
//! ```
//! use stella_attest::transparency::merkle::{self, MerkleTree};
//!
//! let mut tree = MerkleTree::new();
//! for entry in [&b"a"[..], b"b", b"c"] {
//!     tree.push(merkle::leaf_hash(entry));
//! }
//! let root = tree.root(3)?;
//! let proof = tree.inclusion_proof(1, 3)?;
//! merkle::verify_inclusion(&merkle::leaf_hash(b"b"), 1, 3, &proof, &root)?;
//!
//! let old_root = tree.root(2)?;
//! let consistency = tree.consistency_proof(2, 3)?;
//! merkle::verify_consistency(2, 3, &consistency, &old_root, &root)?;
//! # Ok::<(), stella_attest::transparency::TransparencyError>(())
//! ```

use sha2::{Digest as _, Sha256};
use stella_core::{ConsistencyProof, CoreError, InclusionProof, MerkleHash};

use super::TransparencyError;

/// The hash of an empty tree, `SHA-256("")` (RFC 9162 §2.1.1).
pub fn empty_root() -> MerkleHash {
    MerkleHash(Sha256::digest([]).into())
}

/// The RFC 9162 leaf hash of `data`: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> MerkleHash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    MerkleHash(h.finalize().into())
}

/// The RFC 9162 interior node hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &MerkleHash, right: &MerkleHash) -> MerkleHash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left.0);
    h.update(right.0);
    MerkleHash(h.finalize().into())
}

/// The root hash of the tree whose leaves have the given leaf hashes (the empty-tree hash for no
/// leaves).
pub fn root_from_leaf_hashes(leaves: &[MerkleHash]) -> MerkleHash {
    // A stack of complete subtrees, merged as in the tree's own append.
    let mut stack: Vec<(MerkleHash, u32)> = Vec::new();
    for leaf in leaves {
        let mut node = (*leaf, 0u32);
        while let Some(&(top, height)) = stack.last() {
            if height != node.1 {
                break;
            }
            stack.pop();
            node = (node_hash(&top, &node.0), height + 1);
        }
        stack.push(node);
    }
    let mut root: Option<MerkleHash> = None;
    while let Some((hash, _)) = stack.pop() {
        root = Some(match root {
            None => hash,
            Some(right) => node_hash(&hash, &right),
        });
    }
    root.unwrap_or_else(empty_root)
}

/// The root hash of the tree over the given leaf data.
pub fn root_from_leaves<D: AsRef<[u8]>>(leaves: &[D]) -> MerkleHash {
    let hashes: Vec<MerkleHash> = leaves.iter().map(|d| leaf_hash(d.as_ref())).collect();
    root_from_leaf_hashes(&hashes)
}

/// Number of bits needed to write `x` (0 for 0).
fn bit_len(x: u64) -> u32 {
    u64::BITS - x.leading_zeros()
}

/// Splits the inclusion proof of `index` in a tree of `size` into the part below the point
/// where the path meets the right border (`inner`) and the part along the border (`border`).
fn decompose_inclusion(index: u64, size: u64) -> (u32, u32) {
    let inner = bit_len(index ^ (size - 1));
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner, border)
}

/// The length an inclusion proof of `index` in a tree of `size` (`index < size`) must have.
pub fn inclusion_proof_len(index: u64, size: u64) -> usize {
    if index >= size {
        return 0;
    }
    let (inner, border) = decompose_inclusion(index, size);
    (inner + border) as usize
}

/// The length a consistency proof between `old_size` and `new_size` (`0 < old_size <
/// new_size`) must have; 0 when the sizes are equal.
pub fn consistency_proof_len(old_size: u64, new_size: u64) -> usize {
    if old_size == 0 || old_size >= new_size {
        return 0;
    }
    let (inner, border) = decompose_inclusion(old_size - 1, new_size);
    let shift = old_size.trailing_zeros();
    let seed = usize::from(!old_size.is_power_of_two());
    seed + (inner - shift) as usize + border as usize
}

/// Verifies that the leaf with hash `leaf` is at `index` in the tree of `size` leaves whose root
/// is `root` (RFC 9162 §2.1.3.2).
///
/// Errors: [`TransparencyError::EmptyTree`] for size 0, [`TransparencyError::IndexOutOfRange`],
/// [`TransparencyError::ProofLength`] when the proof has the wrong number of hashes, and
/// [`TransparencyError::RootMismatch`] when the recomputed root differs.
pub fn verify_inclusion(
    leaf: &MerkleHash,
    index: u64,
    size: u64,
    proof: &[MerkleHash],
    root: &MerkleHash,
) -> Result<(), TransparencyError> {
    let computed = root_from_inclusion_proof(leaf, index, size, proof)?;
    if computed != *root {
        return Err(TransparencyError::RootMismatch {
            what: "inclusion proof",
            expected: *root,
            computed,
        });
    }
    Ok(())
}

/// Recomputes the root of a tree of `size` leaves from the leaf at `index` and its inclusion
/// proof; [`verify_inclusion`] compares it with the expected root.
pub fn root_from_inclusion_proof(
    leaf: &MerkleHash,
    index: u64,
    size: u64,
    proof: &[MerkleHash],
) -> Result<MerkleHash, TransparencyError> {
    if size == 0 {
        return Err(TransparencyError::EmptyTree {
            what: "inclusion proof",
        });
    }
    if index >= size {
        return Err(TransparencyError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_proof_len(index, size);
    if proof.len() != expected {
        return Err(TransparencyError::ProofLength {
            what: "inclusion proof",
            expected,
            actual: proof.len(),
        });
    }
    // RFC 9162 §2.1.3.2.
    let mut fnode = index;
    let mut snode = size - 1;
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            // Unreachable given the length check; kept so the loop never walks past the root.
            return Err(TransparencyError::ProofLength {
                what: "inclusion proof",
                expected,
                actual: proof.len(),
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(TransparencyError::ProofLength {
            what: "inclusion proof",
            expected,
            actual: proof.len(),
        });
    }
    Ok(r)
}

/// Verifies that the tree of `new_size` leaves with root `new_root` extends the tree of
/// `old_size` leaves with root `old_root` (RFC 9162 §2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots. `old_size` 0 is refused
/// ([`TransparencyError::EmptyTree`]): RFC 9162 defines consistency proofs only from a non-empty
/// tree.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    proof: &[MerkleHash],
    old_root: &MerkleHash,
    new_root: &MerkleHash,
) -> Result<(), TransparencyError> {
    if old_size == 0 {
        return Err(TransparencyError::EmptyTree {
            what: "consistency proof",
        });
    }
    if old_size > new_size {
        return Err(TransparencyError::SizesOutOfOrder { old_size, new_size });
    }
    let expected = consistency_proof_len(old_size, new_size);
    if proof.len() != expected {
        return Err(TransparencyError::ProofLength {
            what: "consistency proof",
            expected,
            actual: proof.len(),
        });
    }
    if old_size == new_size {
        if old_root != new_root {
            return Err(TransparencyError::RootMismatch {
                what: "consistency proof (equal sizes)",
                expected: *old_root,
                computed: *new_root,
            });
        }
        return Ok(());
    }
    // RFC 9162 §2.1.4.2.
    let mut path: Vec<MerkleHash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let mut fnode = old_size - 1;
    let mut snode = new_size - 1;
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let mut iter = path.iter();
    let Some(first) = iter.next() else {
        return Err(TransparencyError::ProofLength {
            what: "consistency proof",
            expected,
            actual: proof.len(),
        });
    };
    let mut fr = *first;
    let mut sr = *first;
    for c in iter {
        if snode == 0 {
            return Err(TransparencyError::ProofLength {
                what: "consistency proof",
                expected,
                actual: proof.len(),
            });
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(TransparencyError::ProofLength {
            what: "consistency proof",
            expected,
            actual: proof.len(),
        });
    }
    if fr != *old_root {
        return Err(TransparencyError::RootMismatch {
            what: "consistency proof (old root)",
            expected: *old_root,
            computed: fr,
        });
    }
    if sr != *new_root {
        return Err(TransparencyError::RootMismatch {
            what: "consistency proof (new root)",
            expected: *new_root,
            computed: sr,
        });
    }
    Ok(())
}

/// An append-only Merkle tree that keeps every complete subtree hash, so it can give the root,
/// inclusion proofs and consistency proofs for any size up to its current one.
///
/// `levels[h][i]` is the hash of the complete subtree of `2^h` leaves starting at leaf
/// `i * 2^h`; level 0 holds the leaf hashes. Memory is about two hashes per leaf.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MerkleTree {
    levels: Vec<Vec<MerkleHash>>,
}

impl MerkleTree {
    /// The inclusion proof of leaf `log_index` in the tree's first `tree_size` leaves, as a
    /// [`stella_core::TransparencyLog`] returns it (a request past the tree is
    /// [`CoreError::LogRange`] naming the tree's size). Shared by every log built on this tree.
    pub fn log_inclusion_proof(
        &self,
        log_index: u64,
        tree_size: u64,
    ) -> Result<InclusionProof, CoreError> {
        let range = |e| self.range_error(e);
        Ok(InclusionProof {
            log_index,
            tree_size,
            hashes: self.inclusion_proof(log_index, tree_size).map_err(range)?,
            root_hash: self.root(tree_size).map_err(range)?,
        })
    }

    /// The consistency proof from `old_size` to `new_size`, as a
    /// [`stella_core::TransparencyLog`] returns it.
    pub fn log_consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<ConsistencyProof, CoreError> {
        Ok(ConsistencyProof {
            old_size,
            new_size,
            hashes: self
                .consistency_proof(old_size, new_size)
                .map_err(|e| self.range_error(e))?,
        })
    }

    /// Maps a tree error to the trait's error, naming the tree's actual size.
    fn range_error(&self, e: TransparencyError) -> CoreError {
        match e {
            TransparencyError::EmptyTree { .. } => CoreError::LogRange {
                what: "tree size",
                requested: 0,
                tree_size: self.size(),
            },
            other => other.into(),
        }
    }

    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree over the given leaf hashes.
    pub fn from_leaf_hashes(leaves: impl IntoIterator<Item = MerkleHash>) -> Self {
        let mut tree = Self::new();
        for leaf in leaves {
            tree.push(leaf);
        }
        tree
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash and returns its index. O(log n).
    pub fn push(&mut self, leaf: MerkleHash) -> u64 {
        let index = self.size();
        let mut node = leaf;
        let mut height = 0usize;
        loop {
            if self.levels.len() <= height {
                self.levels.push(Vec::new());
            }
            let Some(level) = self.levels.get_mut(height) else {
                break;
            };
            level.push(node);
            let len = level.len();
            if len % 2 != 0 {
                break;
            }
            let (Some(left), Some(right)) = (level.get(len - 2), level.get(len - 1)) else {
                break;
            };
            node = node_hash(left, right);
            height += 1;
        }
        index
    }

    /// The hash of the leaves `[lo, hi)`, `lo < hi <= size`, where `lo` is the start of a
    /// subtree in the RFC 9162 decomposition of a tree that ends at or after `hi`.
    fn complete_hash(&self, lo: u64, n: u64) -> Option<MerkleHash> {
        let height = n.trailing_zeros() as usize;
        self.levels
            .get(height)
            .and_then(|level| {
                usize::try_from(lo >> height)
                    .ok()
                    .and_then(|i| level.get(i))
            })
            .copied()
    }

    /// The right edge of the tree of the first `size` leaves: for each complete subtree of its
    /// RFC 9162 decomposition (largest first), its start and the hash of the leaves from there
    /// to `size`. O(log n) to build; it makes every right-edge range an O(1) lookup, so a proof
    /// costs O(log n).
    fn right_edge(&self, size: u64) -> Result<Vec<(u64, MerkleHash)>, TransparencyError> {
        let mut subtrees: Vec<(u64, MerkleHash)> = Vec::with_capacity(64);
        let mut start = 0u64;
        for bit in (0..u64::BITS).rev() {
            let n = 1u64 << bit;
            if size & n != 0 {
                let h = self
                    .complete_hash(start, n)
                    .ok_or(TransparencyError::SizeBeyondTree {
                        requested: size,
                        size: self.size(),
                    })?;
                subtrees.push((start, h));
                start += n;
            }
        }
        let mut acc: Option<MerkleHash> = None;
        for entry in subtrees.iter_mut().rev() {
            let folded = match acc {
                None => entry.1,
                Some(right) => node_hash(&entry.1, &right),
            };
            entry.1 = folded;
            acc = Some(folded);
        }
        Ok(subtrees)
    }

    /// The hash of the leaves `[lo, hi)` (`lo < hi <= size`), using the right edge of the tree
    /// ending at `hi` when the range is not one complete subtree.
    fn range_hash(
        &self,
        lo: u64,
        hi: u64,
        edge: &[(u64, MerkleHash)],
    ) -> Result<MerkleHash, TransparencyError> {
        let n = hi - lo;
        if n.is_power_of_two() && lo % n == 0 {
            return self
                .complete_hash(lo, n)
                .ok_or(TransparencyError::IndexOutOfRange {
                    index: hi - 1,
                    size: self.size(),
                });
        }
        if let Ok(i) = edge.binary_search_by_key(&lo, |(start, _)| *start)
            && let Some((_, h)) = edge.get(i)
        {
            return Ok(*h);
        }
        let k = largest_power_of_two_below(n);
        let left = self.range_hash(lo, lo + k, edge)?;
        let right = self.range_hash(lo + k, hi, edge)?;
        Ok(node_hash(&left, &right))
    }

    fn check_size(&self, size: u64, what: &'static str) -> Result<(), TransparencyError> {
        if size == 0 {
            return Err(TransparencyError::EmptyTree { what });
        }
        if size > self.size() {
            return Err(TransparencyError::SizeBeyondTree {
                requested: size,
                size: self.size(),
            });
        }
        Ok(())
    }

    /// The root hash of the first `size` leaves (`0 < size <= self.size()`).
    pub fn root(&self, size: u64) -> Result<MerkleHash, TransparencyError> {
        self.check_size(size, "root")?;
        let edge = self.right_edge(size)?;
        self.range_hash(0, size, &edge)
    }

    /// The leaf hash at `index`.
    pub fn leaf(&self, index: u64) -> Result<MerkleHash, TransparencyError> {
        self.levels
            .first()
            .and_then(|l| usize::try_from(index).ok().and_then(|i| l.get(i)))
            .copied()
            .ok_or(TransparencyError::IndexOutOfRange {
                index,
                size: self.size(),
            })
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves (RFC 9162
    /// §2.1.3.1), leaf level first.
    pub fn inclusion_proof(
        &self,
        index: u64,
        size: u64,
    ) -> Result<Vec<MerkleHash>, TransparencyError> {
        self.check_size(size, "inclusion proof")?;
        if index >= size {
            return Err(TransparencyError::IndexOutOfRange { index, size });
        }
        let mut out = Vec::with_capacity(inclusion_proof_len(index, size));
        let edge = self.right_edge(size)?;
        self.path(index, 0, size, &edge, &mut out)?;
        Ok(out)
    }

    /// PATH(m, D[lo:hi]) of RFC 9162, appended leaf level first.
    fn path(
        &self,
        m: u64,
        lo: u64,
        hi: u64,
        edge: &[(u64, MerkleHash)],
        out: &mut Vec<MerkleHash>,
    ) -> Result<(), TransparencyError> {
        let n = hi - lo;
        if n <= 1 {
            return Ok(());
        }
        let k = largest_power_of_two_below(n);
        if m < k {
            self.path(m, lo, lo + k, edge, out)?;
            out.push(self.range_hash(lo + k, hi, edge)?);
        } else {
            self.path(m - k, lo + k, hi, edge, out)?;
            out.push(self.range_hash(lo, lo + k, edge)?);
        }
        Ok(())
    }

    /// The consistency proof between the first `old_size` and the first `new_size` leaves (RFC
    /// 9162 §2.1.4.1); empty when the sizes are equal.
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<Vec<MerkleHash>, TransparencyError> {
        self.check_size(old_size, "consistency proof")?;
        self.check_size(new_size, "consistency proof")?;
        if old_size > new_size {
            return Err(TransparencyError::SizesOutOfOrder { old_size, new_size });
        }
        let mut out = Vec::with_capacity(consistency_proof_len(old_size, new_size));
        if old_size < new_size {
            let edge = self.right_edge(new_size)?;
            self.subproof(old_size, 0, new_size, true, &edge, &mut out)?;
        }
        Ok(out)
    }

    /// SUBPROOF(m, D[lo:hi], b) of RFC 9162.
    fn subproof(
        &self,
        m: u64,
        lo: u64,
        hi: u64,
        complete: bool,
        edge: &[(u64, MerkleHash)],
        out: &mut Vec<MerkleHash>,
    ) -> Result<(), TransparencyError> {
        let n = hi - lo;
        if m == n {
            if !complete {
                out.push(self.range_hash(lo, hi, edge)?);
            }
            return Ok(());
        }
        let k = largest_power_of_two_below(n);
        if m <= k {
            self.subproof(m, lo, lo + k, complete, edge, out)?;
            out.push(self.range_hash(lo + k, hi, edge)?);
        } else {
            self.subproof(m - k, lo + k, hi, false, edge, out)?;
            out.push(self.range_hash(lo, lo + k, edge)?);
        }
        Ok(())
    }
}

/// The largest power of two strictly below `n` (`n >= 2`).
fn largest_power_of_two_below(n: u64) -> u64 {
    1u64 << (bit_len(n - 1) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u64) -> Vec<MerkleHash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    /// MTH(D[n]) written straight from RFC 9162 §2.1.1, as an independent reference.
    fn reference_root(leaves: &[MerkleHash]) -> MerkleHash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = largest_power_of_two_below(n as u64) as usize;
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    #[test]
    fn empty_tree_hash_is_sha256_of_nothing() {
        assert_eq!(
            hex::encode(empty_root().0),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn roots_agree_with_reference() {
        for n in 0..70u64 {
            let l = leaves(n);
            assert_eq!(root_from_leaf_hashes(&l), reference_root(&l), "n={n}");
            if n > 0 {
                let t = MerkleTree::from_leaf_hashes(l.clone());
                for s in 1..=n {
                    assert_eq!(
                        t.root(s).unwrap(),
                        reference_root(&l[..s as usize]),
                        "n={n} s={s}"
                    );
                }
            }
        }
    }

    #[test]
    fn largest_power() {
        assert_eq!(largest_power_of_two_below(2), 1);
        assert_eq!(largest_power_of_two_below(3), 2);
        assert_eq!(largest_power_of_two_below(4), 2);
        assert_eq!(largest_power_of_two_below(5), 4);
        assert_eq!(largest_power_of_two_below(1 << 40), 1 << 39);
    }
}

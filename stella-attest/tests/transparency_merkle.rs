#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! RFC 9162 Merkle proofs: exhaustive checks on small trees, the transparency-dev edge sizes,
//! property tests on random trees, known-answer vectors, and bad input.

use proptest::prelude::*;
use stella_attest::transparency::TransparencyError;
use stella_attest::transparency::merkle::{self, MerkleTree};
use stella_core::MerkleHash;

fn tree(n: u64) -> MerkleTree {
    MerkleTree::from_leaf_hashes((0..n).map(|i| merkle::leaf_hash(&i.to_le_bytes())))
}

fn flip(h: &MerkleHash, bit: usize) -> MerkleHash {
    let mut out = *h;
    out.0[bit / 8 % 32] ^= 1 << (bit % 8);
    out
}

fn check_all_inclusion(t: &MerkleTree, size: u64) {
    let root = t.root(size).unwrap();
    for i in 0..size {
        let proof = t.inclusion_proof(i, size).unwrap();
        assert_eq!(proof.len(), merkle::inclusion_proof_len(i, size));
        let leaf = t.leaf(i).unwrap();
        merkle::verify_inclusion(&leaf, i, size, &proof, &root)
            .unwrap_or_else(|e| panic!("index {i} size {size}: {e}"));
        // Every single altered hash fails.
        assert!(merkle::verify_inclusion(&flip(&leaf, 3), i, size, &proof, &root).is_err());
        assert!(merkle::verify_inclusion(&leaf, i, size, &proof, &flip(&root, 200)).is_err());
        for j in 0..proof.len() {
            let mut bad = proof.clone();
            bad[j] = flip(&bad[j], j * 7);
            assert!(
                merkle::verify_inclusion(&leaf, i, size, &bad, &root).is_err(),
                "tampered hash {j} accepted for index {i} size {size}"
            );
        }
        // A proof for another index does not pass (unless the paths coincide, impossible for
        // distinct leaves with distinct hashes).
        if size > 1 {
            let other = (i + 1) % size;
            assert!(merkle::verify_inclusion(&leaf, other, size, &proof, &root).is_err());
        }
    }
}

fn check_all_consistency(t: &MerkleTree, new: u64) {
    let new_root = t.root(new).unwrap();
    for old in 1..=new {
        let old_root = t.root(old).unwrap();
        let proof = t.consistency_proof(old, new).unwrap();
        assert_eq!(proof.len(), merkle::consistency_proof_len(old, new));
        merkle::verify_consistency(old, new, &proof, &old_root, &new_root)
            .unwrap_or_else(|e| panic!("{old} -> {new}: {e}"));
        assert!(
            merkle::verify_consistency(old, new, &proof, &flip(&old_root, 1), &new_root).is_err()
        );
        assert!(
            merkle::verify_consistency(old, new, &proof, &old_root, &flip(&new_root, 9)).is_err()
        );
        for j in 0..proof.len() {
            let mut bad = proof.clone();
            bad[j] = flip(&bad[j], 77);
            assert!(
                merkle::verify_consistency(old, new, &bad, &old_root, &new_root).is_err(),
                "tampered hash {j} accepted for {old} -> {new}"
            );
        }
    }
}

#[test]
fn exhaustive_small_trees() {
    let t = tree(70);
    for size in 1..=70 {
        check_all_inclusion(&t, size);
        check_all_consistency(&t, size);
    }
}

#[test]
fn edge_sizes_1_2_3_and_powers_of_two_plus_minus_one() {
    let mut sizes = vec![1u64, 2, 3];
    for k in 2..=10 {
        sizes.extend([(1u64 << k) - 1, 1 << k, (1 << k) + 1]);
    }
    let t = tree(1025);
    for &size in &sizes {
        let root = t.root(size).unwrap();
        for i in [0, size / 2, size - 1] {
            let proof = t.inclusion_proof(i, size).unwrap();
            merkle::verify_inclusion(&t.leaf(i).unwrap(), i, size, &proof, &root).unwrap();
        }
        for &old in &sizes {
            if old <= size {
                let proof = t.consistency_proof(old, size).unwrap();
                merkle::verify_consistency(old, size, &proof, &t.root(old).unwrap(), &root)
                    .unwrap();
            }
        }
    }
    // Size 1: the root is the leaf and the proof is empty.
    assert_eq!(t.root(1).unwrap(), t.leaf(0).unwrap());
    assert!(t.inclusion_proof(0, 1).unwrap().is_empty());
}

/// Known answers: the RFC 6962 test tree of transparency-dev/merkle and certificate-transparency-go
/// (leaves "", 0x00, 0x10, 0x2021, 0x3031, 0x40414243, 0x5051525354555657,
/// 0x606162636465666768696a6b6c6d6e6f), whose roots for sizes 1..=8 are published there.
#[test]
fn rfc6962_reference_roots() {
    let leaves: Vec<Vec<u8>> = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|h| hex::decode(h).unwrap())
    .collect();
    let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];
    let hashes: Vec<MerkleHash> = leaves.iter().map(|l| merkle::leaf_hash(l)).collect();
    let t = MerkleTree::from_leaf_hashes(hashes.clone());
    for (i, want) in roots.iter().enumerate() {
        let size = i + 1;
        assert_eq!(
            hex::encode(t.root(size as u64).unwrap().0),
            *want,
            "size {size}"
        );
        assert_eq!(
            hex::encode(merkle::root_from_leaves(&leaves[..size]).0),
            *want
        );
    }
    // Published inclusion proof: leaf 0 in the tree of 8.
    let proof = t.inclusion_proof(0, 8).unwrap();
    let want = [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ];
    let got: Vec<String> = proof.iter().map(|h| hex::encode(h.0)).collect();
    assert_eq!(got, want);
    // Published consistency proof: 1 -> 8.
    let proof = t.consistency_proof(1, 8).unwrap();
    let got: Vec<String> = proof.iter().map(|h| hex::encode(h.0)).collect();
    assert_eq!(got, want);
    // 6 -> 8.
    let proof = t.consistency_proof(6, 8).unwrap();
    let got: Vec<String> = proof.iter().map(|h| hex::encode(h.0)).collect();
    assert_eq!(
        got,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]
    );
}

#[test]
fn bad_input_is_a_typed_error() {
    let t = tree(10);
    let root = t.root(10).unwrap();
    let leaf = t.leaf(3).unwrap();
    let proof = t.inclusion_proof(3, 10).unwrap();
    assert!(matches!(
        merkle::verify_inclusion(&leaf, 3, 0, &proof, &root),
        Err(TransparencyError::EmptyTree { .. })
    ));
    assert!(matches!(
        merkle::verify_inclusion(&leaf, 10, 10, &proof, &root),
        Err(TransparencyError::IndexOutOfRange {
            index: 10,
            size: 10
        })
    ));
    assert!(matches!(
        merkle::verify_inclusion(&leaf, u64::MAX - 1, u64::MAX, &proof, &root),
        Err(TransparencyError::ProofLength { .. })
    ));
    let mut long = proof.clone();
    long.push(root);
    assert!(matches!(
        merkle::verify_inclusion(&leaf, 3, 10, &long, &root),
        Err(TransparencyError::ProofLength {
            expected: 4,
            actual: 5,
            ..
        })
    ));
    assert!(matches!(
        merkle::verify_inclusion(&leaf, 3, 10, &proof[..3], &root),
        Err(TransparencyError::ProofLength { .. })
    ));
    assert!(matches!(
        merkle::verify_inclusion(&leaf, 3, 10, &proof, &t.root(9).unwrap()),
        Err(TransparencyError::RootMismatch { .. })
    ));
    // Consistency.
    let c = t.consistency_proof(4, 10).unwrap();
    let r4 = t.root(4).unwrap();
    assert!(matches!(
        merkle::verify_consistency(0, 10, &c, &r4, &root),
        Err(TransparencyError::EmptyTree { .. })
    ));
    assert!(matches!(
        merkle::verify_consistency(10, 4, &c, &root, &r4),
        Err(TransparencyError::SizesOutOfOrder { .. })
    ));
    assert!(matches!(
        merkle::verify_consistency(4, 10, &c[..1], &r4, &root),
        Err(TransparencyError::ProofLength { .. })
    ));
    assert!(matches!(
        merkle::verify_consistency(10, 10, &c, &root, &root),
        Err(TransparencyError::ProofLength { expected: 0, .. })
    ));
    merkle::verify_consistency(10, 10, &[], &root, &root).unwrap();
    assert!(matches!(
        merkle::verify_consistency(10, 10, &[], &root, &r4),
        Err(TransparencyError::RootMismatch { .. })
    ));
    // Tree queries beyond the tree.
    assert!(matches!(
        t.root(0),
        Err(TransparencyError::EmptyTree { .. })
    ));
    assert!(matches!(
        t.root(11),
        Err(TransparencyError::SizeBeyondTree { .. })
    ));
    assert!(matches!(
        t.inclusion_proof(5, 5),
        Err(TransparencyError::IndexOutOfRange { .. })
    ));
    assert!(matches!(
        t.consistency_proof(5, 4),
        Err(TransparencyError::SizesOutOfOrder { .. })
    ));
    assert!(matches!(
        t.consistency_proof(5, 11),
        Err(TransparencyError::SizeBeyondTree { .. })
    ));
    assert!(matches!(
        MerkleTree::new().inclusion_proof(0, 1),
        Err(TransparencyError::SizeBeyondTree { .. })
    ));
}

#[test]
fn proof_lengths_for_huge_trees() {
    // A 2^30-leaf tree needs 30 hashes for any index; the formulas never overflow.
    assert_eq!(merkle::inclusion_proof_len(0, 1 << 30), 30);
    assert_eq!(merkle::inclusion_proof_len((1 << 30) - 1, 1 << 30), 30);
    assert_eq!(merkle::inclusion_proof_len(u64::MAX - 1, u64::MAX), 63);
    assert_eq!(merkle::inclusion_proof_len(0, u64::MAX), 64);
    assert_eq!(merkle::consistency_proof_len(1, u64::MAX), 64);
    assert_eq!(merkle::consistency_proof_len(1 << 62, u64::MAX), 2);
    assert_eq!(merkle::consistency_proof_len(3, u64::MAX), 65);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn random_trees_every_inclusion_proof_verifies(n in 1u64..3000, seed in any::<u64>()) {
        let t = MerkleTree::from_leaf_hashes(
            (0..n).map(|i| merkle::leaf_hash(&(i ^ seed).to_le_bytes())),
        );
        let root = t.root(n).unwrap();
        prop_assert_eq!(root, merkle::root_from_leaf_hashes(
            &(0..n).map(|i| t.leaf(i).unwrap()).collect::<Vec<_>>()));
        for i in 0..n {
            let proof = t.inclusion_proof(i, n).unwrap();
            let leaf = t.leaf(i).unwrap();
            prop_assert!(merkle::verify_inclusion(&leaf, i, n, &proof, &root).is_ok());
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let j = (seed as usize ^ i as usize) % bad.len();
                bad[j] = flip(&bad[j], (seed % 256) as usize);
                prop_assert!(merkle::verify_inclusion(&leaf, i, n, &bad, &root).is_err());
            }
        }
    }

    #[test]
    fn random_trees_every_consistency_proof_verifies(n in 1u64..3000, seed in any::<u64>()) {
        let t = MerkleTree::from_leaf_hashes(
            (0..n).map(|i| merkle::leaf_hash(&(i ^ seed).to_le_bytes())),
        );
        let new_root = t.root(n).unwrap();
        for old in 1..=n {
            let old_root = t.root(old).unwrap();
            let proof = t.consistency_proof(old, n).unwrap();
            prop_assert!(merkle::verify_consistency(old, n, &proof, &old_root, &new_root).is_ok());
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let j = (seed as usize ^ old as usize) % bad.len();
                bad[j] = flip(&bad[j], (seed % 256) as usize);
                prop_assert!(
                    merkle::verify_consistency(old, n, &bad, &old_root, &new_root).is_err()
                );
            }
        }
    }

    #[test]
    fn random_pairs_of_sizes(a in 1u64..5000, b in 1u64..5000) {
        let (old, new) = if a <= b { (a, b) } else { (b, a) };
        let t = tree(new);
        let proof = t.consistency_proof(old, new).unwrap();
        prop_assert!(merkle::verify_consistency(
            old, new, &proof, &t.root(old).unwrap(), &t.root(new).unwrap()).is_ok());
        // Swapping the roots never verifies unless the sizes are equal.
        if old != new {
            prop_assert!(merkle::verify_consistency(
                old, new, &proof, &t.root(new).unwrap(), &t.root(old).unwrap()).is_err());
        }
    }
}

//! RFC 9162 Merkle proofs and the in-memory log.
//!
//! - `verify_inclusion/2^30`: verifying an inclusion proof of 30 hashes in a tree of 2^30
//!   leaves (a valid proof made from a synthetic path; no tree is built). Target: ≥ 1 M proof
//!   hashes per second per core, i.e. a proof in well under 50 µs. Throughput is reported in
//!   proof hashes.
//! - `verify_consistency/2^30-1→2^30`: a 60-hash consistency proof from an actual tree would need
//!   2^30 leaves, so this uses a 2^20-leaf tree (proof between 2^20 - 1 and 2^20 leaves).
//! - `tree_push`: appending a leaf hash to `MerkleTree` (O(log n) amortized 2 hashes).
//! - `log_append/ed25519`: `MemoryLog::append` — leaf hash, tree push, inclusion proof, root and a
//!   freshly signed Ed25519 checkpoint per entry.
//! - `inclusion_proof/2^20`: generating a proof from a 2^20-leaf tree.
//!
//! Run: `cargo bench -p stella-benches --bench merkle`

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_attest::transparency::MemoryLog;
use stella_attest::transparency::merkle::{self, MerkleTree};
use stella_core::{MerkleHash, SignatureAlgorithm, TransparencyLog};

fn synthetic_hash(i: u64) -> MerkleHash {
    merkle::leaf_hash(&i.to_le_bytes())
}

fn bench(c: &mut Criterion) {
    // Inclusion proof in a 2^30-leaf tree: any 30 sibling hashes form a valid proof for the
    // root they lead to.
    let size: u64 = 1 << 30;
    let index: u64 = 0x2aaa_aaab; // an index whose path mixes left and right turns
    let proof: Vec<MerkleHash> = (0..30).map(|i| synthetic_hash(1000 + i)).collect();
    let leaf = synthetic_hash(7);
    let root = merkle::root_from_inclusion_proof(&leaf, index, size, &proof).unwrap();
    merkle::verify_inclusion(&leaf, index, size, &proof, &root).unwrap();

    let mut g = c.benchmark_group("merkle");
    g.throughput(Throughput::Elements(proof.len() as u64));
    g.bench_function("verify_inclusion/2^30", |b| {
        b.iter(|| {
            merkle::verify_inclusion(
                black_box(&leaf),
                black_box(index),
                black_box(size),
                black_box(&proof),
                black_box(&root),
            )
            .unwrap()
        })
    });

    let tree = MerkleTree::from_leaf_hashes((0..(1u64 << 20)).map(synthetic_hash));
    let (old, new) = ((1u64 << 20) - 1, 1u64 << 20);
    let cproof = tree.consistency_proof(old, new).unwrap();
    let (old_root, new_root) = (tree.root(old).unwrap(), tree.root(new).unwrap());
    g.throughput(Throughput::Elements(cproof.len() as u64));
    g.bench_function("verify_consistency/2^20-1->2^20", |b| {
        b.iter(|| {
            merkle::verify_consistency(
                black_box(old),
                black_box(new),
                black_box(&cproof),
                &old_root,
                &new_root,
            )
            .unwrap()
        })
    });

    g.throughput(Throughput::Elements(1));
    g.bench_function("inclusion_proof/2^20", |b| {
        let mut i = 0u64;
        b.iter(|| {
            i = (i + 7919) % new;
            black_box(tree.inclusion_proof(i, new).unwrap())
        })
    });

    g.bench_function("tree_push", |b| {
        b.iter_batched_ref(
            || MerkleTree::from_leaf_hashes((0..1000).map(synthetic_hash)),
            |t| t.push(black_box(leaf)),
            BatchSize::SmallInput,
        )
    });

    let rng = SystemRandom::new();
    let key = LocalSigner::new(
        PrivateKey::generate(SignatureAlgorithm::Ed25519, &rng).unwrap(),
        rng,
    )
    .unwrap();
    let log = MemoryLog::new("bench.example/log", Arc::new(key)).unwrap();
    let entry = [0x5au8; 512];
    g.bench_function("log_append/ed25519", |b| {
        b.iter(|| black_box(log.append(black_box(&entry)).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

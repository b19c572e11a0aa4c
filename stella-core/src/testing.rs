//! Contract tests for every implementation of the core traits (cargo feature `testing`, off by
//! default): one function per trait that drives an implementation through the properties its
//! documentation promises and panics with a message naming the broken property.
//!
//! - [`check_blob_store`]: the [`BlobStore`] contract (round trip, idempotent `put`, streaming
//!   `put_reader`, `NotFound` for a missing digest, a failed reader stores nothing, concurrent
//!   puts of one blob agree, bytes edited behind the store's back are a `DigestMismatch`);
//! - [`check_image_source`] and [`check_image_source_rejects`]: the [`ImageSource`] contract
//!   (the root and everything reachable from it is served, by `blob` and by `open_blob` alike,
//!   matching its digest and size; a digest the source does not hold is an error; bytes that do
//!   not match their digest are refused, by `blob` and by the stream, every time);
//! - [`check_transparency_log`]: the [`TransparencyLog`] contract (receipts whose inclusion
//!   proofs verify against their signed checkpoints, sequential indices, monotonic checkpoints,
//!   inclusion and consistency proofs for every earlier size, range errors, concurrent appends).
//!   Verifying Merkle proofs and checkpoint signatures is `stella-attest`'s job, so the caller
//!   passes a [`LogVerifier`] (`stella-attest` provides one with its own `testing` feature).
//!
//! Every implementation in the workspace runs these from its crate's tests; a new
//! implementation should too:
//!
//! ```
//! use stella_core::MemoryBlobStore;
//!
//! let store = MemoryBlobStore::new();
//! stella_core::testing::check_blob_store(&store, &|digest, bytes| store.tamper(digest, bytes));
//! ```

// Test support: a contract check that fails must stop the test with a message, so this module
// panics (and indexes and unwraps in its assertions) where library code may not.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::error::Error;
use std::io::{self, Read};

use crate::{
    BlobStore, ConsistencyProof, CoreError, Descriptor, Digest, ImageSource, InclusionProof,
    MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST_LIST, MEDIA_TYPE_OCI_INDEX,
    MEDIA_TYPE_OCI_MANIFEST, MerkleHash, SignedCheckpoint, TransparencyLog,
};

/// What a [`LogVerifier`] method returns when a proof or checkpoint does not verify.
pub type VerifyError = Box<dyn Error + Send + Sync>;

/// Verifies what a [`TransparencyLog`] hands out, for [`check_transparency_log`]: RFC 9162 leaf
/// hashes and proofs, and the log's signed checkpoints.
pub trait LogVerifier {
    /// The RFC 9162 leaf hash of `entry`.
    fn leaf_hash(&self, entry: &[u8]) -> MerkleHash;

    /// Checks the checkpoint's signature (by the log's key) and returns the tree size and root
    /// hash it commits to.
    fn verify_checkpoint(
        &self,
        checkpoint: &SignedCheckpoint,
    ) -> Result<(u64, MerkleHash), VerifyError>;

    /// Checks that `proof` leads from `leaf_hash` to `proof.root_hash`.
    fn verify_inclusion(
        &self,
        leaf_hash: &MerkleHash,
        proof: &InclusionProof,
    ) -> Result<(), VerifyError>;

    /// Checks that the tree with `new_root` extends the tree with `old_root`.
    fn verify_consistency(
        &self,
        proof: &ConsistencyProof,
        old_root: &MerkleHash,
        new_root: &MerkleHash,
    ) -> Result<(), VerifyError>;
}

/// Blobs the store contract writes: empty, small, every byte value, and one over a megabyte
/// (larger than any streaming buffer).
fn contract_blobs() -> Vec<(&'static str, Vec<u8>)> {
    let large: Vec<u8> = (0..(1usize << 20) + 17)
        .map(|i| (i.wrapping_mul(31) % 251) as u8)
        .collect();
    vec![
        ("empty blob", Vec::new()),
        ("small blob", b"stella blob store contract: small".to_vec()),
        ("every byte value", (0..=255u8).collect()),
        ("1 MiB + 17 bytes blob", large),
    ]
}

/// A reader that hands out at most 7 bytes per call, then (optionally) fails.
struct Trickle<'a> {
    bytes: &'a [u8],
    fail_at_end: bool,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.bytes.is_empty() {
            if self.fail_at_end {
                return Err(io::Error::other("contract: the reader fails mid-blob"));
            }
            return Ok(0);
        }
        let n = buf.len().min(7).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

fn expect_not_found(store: &dyn BlobStore, digest: &Digest, what: &str) {
    match store.get(digest) {
        Err(CoreError::NotFound { digest: d }) if d == *digest => {}
        other => panic!(
            "BlobStore contract: get of a missing {what} ({digest}) must be NotFound naming that \
             digest, got {other:?}"
        ),
    }
}

/// Checks the [`BlobStore`] contract on an empty `store`.
///
/// `tamper` replaces the bytes the store holds under a digest behind its back (as an edit on
/// disk would) so that the check can see `get` refuse them.
///
/// # Panics
/// On the first property the store breaks, with a message naming it.
pub fn check_blob_store(store: &dyn BlobStore, tamper: &dyn Fn(&Digest, &[u8])) {
    let blobs = contract_blobs();
    for (what, bytes) in &blobs {
        let digest = Digest::of(bytes);
        assert!(
            !store.contains(&digest).expect("contains"),
            "BlobStore contract: an empty store claims to hold the {what}"
        );
        expect_not_found(store, &digest, what);
        let put = store
            .put(bytes)
            .unwrap_or_else(|e| panic!("BlobStore contract: put of the {what} failed: {e}"));
        assert_eq!(
            put, digest,
            "BlobStore contract: put must return the SHA-256 of the {what}"
        );
        assert!(
            store.contains(&digest).expect("contains"),
            "BlobStore contract: contains is false right after put of the {what}"
        );
        let got = store
            .get(&digest)
            .unwrap_or_else(|e| panic!("BlobStore contract: get of the {what} failed: {e}"));
        assert!(
            got == *bytes,
            "BlobStore contract: get returned other bytes than put stored for the {what}"
        );
        let again = store.put(bytes).unwrap_or_else(|e| {
            panic!("BlobStore contract: a second put of the {what} (a no-op) failed: {e}")
        });
        assert_eq!(
            again, digest,
            "BlobStore contract: a second put of the {what} returned another digest"
        );
        assert!(
            store.get(&digest).expect("get after second put") == *bytes,
            "BlobStore contract: a second put of the {what} changed its bytes"
        );
        let streamed = store
            .put_reader(&mut Trickle {
                bytes,
                fail_at_end: false,
            })
            .unwrap_or_else(|e| panic!("BlobStore contract: put_reader of the stored {what}: {e}"));
        assert_eq!(
            streamed, digest,
            "BlobStore contract: put_reader of content already stored must return its digest"
        );
    }

    // put_reader streams new content in small reads.
    let new: Vec<u8> = blobs[3].1.iter().rev().copied().collect();
    let digest = Digest::of(&new);
    let streamed = store
        .put_reader(&mut Trickle {
            bytes: &new,
            fail_at_end: false,
        })
        .unwrap_or_else(|e| panic!("BlobStore contract: put_reader of a new blob failed: {e}"));
    assert_eq!(
        streamed, digest,
        "BlobStore contract: put_reader must return the SHA-256 of what the reader yielded"
    );
    assert!(
        store.get(&digest).expect("get after put_reader") == new,
        "BlobStore contract: get returned other bytes than put_reader stored"
    );

    // A reader that fails stores nothing: not the bytes read so far, under any name.
    let partial = b"stella blob store contract: a reader that fails after these bytes";
    assert!(
        store
            .put_reader(&mut Trickle {
                bytes: partial,
                fail_at_end: true,
            })
            .is_err(),
        "BlobStore contract: put_reader must fail when its reader fails"
    );
    assert!(
        !store.contains(&Digest::of(partial)).expect("contains"),
        "BlobStore contract: a failed put_reader stored the bytes it had read"
    );

    // Concurrent puts of one blob all succeed with its digest.
    let shared = b"stella blob store contract: put from four threads at once";
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4).map(|_| scope.spawn(|| store.put(shared))).collect();
        for handle in handles {
            let result = handle.join().expect("put thread panicked");
            match result {
                Ok(d) => assert_eq!(
                    d,
                    Digest::of(shared),
                    "BlobStore contract: a concurrent put returned another digest"
                ),
                Err(e) => panic!("BlobStore contract: a concurrent put of one blob failed: {e}"),
            }
        }
    });
    assert!(
        store
            .get(&Digest::of(shared))
            .expect("get after concurrent puts")
            == shared,
        "BlobStore contract: concurrent puts left other bytes"
    );

    // Bytes edited behind the store's back are never returned.
    let (what, bytes) = &blobs[1];
    let digest = Digest::of(bytes);
    tamper(&digest, b"stella blob store contract: edited bytes");
    match store.get(&digest) {
        Err(CoreError::DigestMismatch { expected, .. }) if expected == digest => {}
        other => panic!(
            "BlobStore contract: get of the {what} after its bytes were edited must be \
             DigestMismatch naming {digest}, got {other:?}"
        ),
    }
}

const MANIFEST_TYPES: [&str; 4] = [
    MEDIA_TYPE_OCI_INDEX,
    MEDIA_TYPE_OCI_MANIFEST,
    MEDIA_TYPE_DOCKER_MANIFEST_LIST,
    MEDIA_TYPE_DOCKER_MANIFEST,
];

/// The most blobs [`check_image_source`] walks (a fixture is a handful).
const MAX_WALK: usize = 1000;

fn read_stream(source: &dyn ImageSource, digest: &Digest) -> io::Result<Vec<u8>> {
    let mut reader = source
        .open_blob(digest)
        .map_err(|e| io::Error::other(format!("open_blob failed: {e}")))?;
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn check_bytes(digest: &Digest, size: u64, bytes: &[u8], how: &str) {
    assert_eq!(
        Digest::of(bytes),
        *digest,
        "ImageSource contract: {how} {digest} returned bytes of another digest"
    );
    assert_eq!(
        bytes.len() as u64,
        size,
        "ImageSource contract: {how} {digest} returned {} bytes, its descriptor says {size}",
        bytes.len()
    );
}

/// The descriptors a JSON index (`manifests`) or manifest (`config`, `layers`) names.
fn children(bytes: &[u8], digest: &Digest) -> Vec<(Descriptor, &'static str)> {
    let value: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_else(|e| {
        panic!("ImageSource contract: index or manifest {digest} is not JSON: {e}")
    });
    let descriptor = |v: &serde_json::Value| -> Descriptor {
        serde_json::from_value(v.clone()).unwrap_or_else(|e| {
            panic!("ImageSource contract: {digest} names a malformed descriptor: {e}")
        })
    };
    let mut out = Vec::new();
    for m in value
        .get("manifests")
        .and_then(|v| v.as_array())
        .into_iter()
    {
        out.extend(m.iter().map(|v| (descriptor(v), "manifest")));
    }
    if let Some(config) = value.get("config") {
        out.push((descriptor(config), "config"));
    }
    for l in value.get("layers").and_then(|v| v.as_array()).into_iter() {
        out.extend(l.iter().map(|v| (descriptor(v), "layer")));
    }
    out
}

/// Checks the [`ImageSource`] contract on an honest `source` and returns the digests of every
/// blob it reached from the root (the root included), so the caller can check the walk covered
/// the image it built.
///
/// From [`ImageSource::root`] (stable across calls), every index and manifest is fetched with
/// `blob` (and `index`/`manifest`), every config with `blob` (and `config`), every layer with
/// `open_blob`, and each must match its descriptor's digest and size; `open_blob` and `blob`
/// must serve the same bytes for every one of them (`blob` may refuse a layer only with
/// [`CoreError::LimitExceeded`]). A digest the source does not hold is an error from `blob` and
/// from `open_blob` (on open or while reading).
///
/// # Panics
/// On the first property the source breaks, with a message naming it.
pub fn check_image_source(source: &dyn ImageSource) -> BTreeSet<Digest> {
    let root = source
        .root()
        .unwrap_or_else(|e| panic!("ImageSource contract: root() failed: {e}"));
    assert_eq!(
        source.root().expect("second root()"),
        root,
        "ImageSource contract: root() changed between calls"
    );
    assert!(
        MANIFEST_TYPES.contains(&root.media_type.as_str()),
        "ImageSource contract: the root is a {}, not an index or manifest",
        root.media_type
    );
    let mut seen = BTreeSet::new();
    let mut pending = vec![(root, "root")];
    while let Some((descriptor, kind)) = pending.pop() {
        let digest = descriptor.digest;
        if !seen.insert(digest) {
            continue;
        }
        assert!(
            seen.len() <= MAX_WALK,
            "ImageSource contract: more than {MAX_WALK} blobs reachable"
        );
        // The named accessor first, as consumers call it (a registry learns from `manifest`
        // which endpoint serves a digest), then `blob` must agree with it.
        let named = if descriptor.media_type == MEDIA_TYPE_OCI_INDEX
            || descriptor.media_type == MEDIA_TYPE_DOCKER_MANIFEST_LIST
        {
            Some(("index", source.index(&digest)))
        } else if MANIFEST_TYPES.contains(&descriptor.media_type.as_str()) {
            Some(("manifest", source.manifest(&digest)))
        } else if kind == "config" {
            Some(("config", source.config(&digest)))
        } else {
            None
        };
        let whole = source.blob(&digest);
        let bytes = match (&whole, kind) {
            (Ok(bytes), _) => {
                check_bytes(&digest, descriptor.size, bytes, &format!("blob of {kind}"));
                bytes.clone()
            }
            (Err(CoreError::LimitExceeded { .. }), "layer") => Vec::new(),
            (Err(e), _) => panic!("ImageSource contract: blob of {kind} {digest} failed: {e}"),
        };
        if let Some((accessor, named)) = named {
            assert!(
                named.as_ref().ok() == Some(&bytes),
                "ImageSource contract: {accessor}() of {digest} differs from blob(): {:?}",
                named.map(|b| format!("{} bytes", b.len()))
            );
        }
        let streamed = read_stream(source, &digest)
            .unwrap_or_else(|e| panic!("ImageSource contract: open_blob of {kind} {digest}: {e}"));
        check_bytes(
            &digest,
            descriptor.size,
            &streamed,
            &format!("open_blob of {kind}"),
        );
        if MANIFEST_TYPES.contains(&descriptor.media_type.as_str()) {
            pending.extend(children(&bytes, &digest));
        }
    }

    let missing = Digest::of(b"stella image source contract: a blob no image holds");
    assert!(
        !seen.contains(&missing),
        "ImageSource contract: the image holds the contract's missing blob"
    );
    if let Ok(bytes) = source.blob(&missing) {
        panic!(
            "ImageSource contract: blob of a digest the source does not hold returned {} bytes",
            bytes.len()
        );
    }
    if let Ok(bytes) = read_stream(source, &missing) {
        panic!(
            "ImageSource contract: open_blob of a digest the source does not hold streamed {} \
             bytes",
            bytes.len()
        );
    }
    seen
}

/// Checks that `source`, which serves bytes that do not match their digest under `tampered`,
/// refuses them: `blob` is [`CoreError::DigestMismatch`] naming `tampered`, and `open_blob`
/// either fails or its stream fails with [`io::ErrorKind::InvalidData`] before its end, on
/// every request (a refused blob is never cached as good).
///
/// # Panics
/// When the source hands out the mismatching bytes.
pub fn check_image_source_rejects(source: &dyn ImageSource, tampered: &Digest) {
    for attempt in ["first", "second"] {
        match source.blob(tampered) {
            Err(CoreError::DigestMismatch { expected, .. }) if expected == *tampered => {}
            other => panic!(
                "ImageSource contract: {attempt} blob of tampered {tampered} must be \
                 DigestMismatch naming it, got {:?}",
                other.map(|b| format!("{} bytes", b.len()))
            ),
        }
        match source.open_blob(tampered) {
            Err(_) => {}
            Ok(mut reader) => {
                let mut bytes = Vec::new();
                match reader.read_to_end(&mut bytes) {
                    Err(e) if e.kind() == io::ErrorKind::InvalidData => {}
                    other => panic!(
                        "ImageSource contract: {attempt} open_blob stream of tampered {tampered} \
                         must fail with InvalidData, got {other:?}"
                    ),
                }
            }
        }
    }
}

/// Entries the log contract appends: distinct bytes, then a repeat of an earlier entry (every
/// append is a new leaf).
fn contract_entries() -> Vec<Vec<u8>> {
    let mut entries: Vec<Vec<u8>> = (0..8)
        .map(|i| format!("stella transparency log contract entry {i}").into_bytes())
        .collect();
    entries.push(entries[2].clone());
    entries
}

fn verified<T>(what: &str, result: Result<T, VerifyError>) -> T {
    result.unwrap_or_else(|e| panic!("TransparencyLog contract: {what} does not verify: {e}"))
}

fn expect_range<T: std::fmt::Debug>(what: &str, result: Result<T, CoreError>) {
    match result {
        Err(CoreError::LogRange { .. }) => {}
        other => panic!("TransparencyLog contract: {what} must be LogRange, got {other:?}"),
    }
}

/// Checks the [`TransparencyLog`] contract on an empty `log`, verifying what it returns with
/// `verifier`.
///
/// The empty log's checkpoint is signed for size 0; each append returns a receipt with the next
/// index, the entry's leaf hash, an inclusion proof in the tree of that size and a signed
/// checkpoint committing to that size and root, and [`TransparencyLog::checkpoint`] then
/// returns the same tree. For every size reached, inclusion proofs of every earlier entry and
/// consistency proofs from every earlier non-empty size verify against the recorded roots;
/// requests past the tree are [`CoreError::LogRange`]; concurrent appends get distinct indices.
///
/// # Panics
/// On the first property the log breaks, with a message naming it.
pub fn check_transparency_log(log: &dyn TransparencyLog, verifier: &dyn LogVerifier) {
    let empty = log
        .checkpoint()
        .unwrap_or_else(|e| panic!("TransparencyLog contract: checkpoint of the empty log: {e}"));
    let (size, _) = verified(
        "the empty log's checkpoint",
        verifier.verify_checkpoint(&empty),
    );
    assert_eq!(size, 0, "TransparencyLog contract: a new log is not empty");

    let entries = contract_entries();
    let mut leaves = Vec::new();
    // roots[n] is the root of the tree of n entries (roots[0] is never used).
    let mut roots = vec![MerkleHash([0; 32])];
    for (i, entry) in entries.iter().enumerate() {
        let index = i as u64;
        let receipt = log
            .append(entry)
            .unwrap_or_else(|e| panic!("TransparencyLog contract: append {i} failed: {e}"));
        let leaf = verifier.leaf_hash(entry);
        assert_eq!(
            receipt.log_index, index,
            "TransparencyLog contract: append {i} landed at another index"
        );
        assert_eq!(
            receipt.leaf_hash, leaf,
            "TransparencyLog contract: receipt {i} names another leaf hash"
        );
        let proof = &receipt.inclusion_proof;
        assert_eq!(
            (proof.log_index, proof.tree_size),
            (index, index + 1),
            "TransparencyLog contract: receipt {i}'s proof is for another index or size"
        );
        verified(
            &format!("receipt {i}'s inclusion proof"),
            verifier.verify_inclusion(&leaf, proof),
        );
        let committed = verified(
            &format!("receipt {i}'s checkpoint"),
            verifier.verify_checkpoint(&receipt.checkpoint),
        );
        assert_eq!(
            committed,
            (index + 1, proof.root_hash),
            "TransparencyLog contract: receipt {i}'s checkpoint commits to another tree than its \
             proof"
        );
        let latest = log.checkpoint().expect("checkpoint after append");
        assert_eq!(
            verified("the latest checkpoint", verifier.verify_checkpoint(&latest)),
            committed,
            "TransparencyLog contract: checkpoint() after append {i} is not the appended tree"
        );
        leaves.push(leaf);
        roots.push(proof.root_hash);
    }

    let n = entries.len() as u64;
    for size in 1..=n {
        for index in 0..size {
            let proof = log.inclusion_proof(index, size).unwrap_or_else(|e| {
                panic!("TransparencyLog contract: inclusion_proof({index}, {size}) failed: {e}")
            });
            assert_eq!(
                (proof.log_index, proof.tree_size, proof.root_hash),
                (index, size, roots[size as usize]),
                "TransparencyLog contract: inclusion_proof({index}, {size}) is for another tree"
            );
            verified(
                &format!("inclusion_proof({index}, {size})"),
                verifier.verify_inclusion(&leaves[index as usize], &proof),
            );
        }
        for old in 1..=size {
            let proof = log.consistency_proof(old, size).unwrap_or_else(|e| {
                panic!("TransparencyLog contract: consistency_proof({old}, {size}) failed: {e}")
            });
            assert_eq!(
                (proof.old_size, proof.new_size),
                (old, size),
                "TransparencyLog contract: consistency_proof({old}, {size}) is for other sizes"
            );
            verified(
                &format!("consistency_proof({old}, {size})"),
                verifier.verify_consistency(&proof, &roots[old as usize], &roots[size as usize]),
            );
        }
    }
    expect_range("inclusion_proof(n, n)", log.inclusion_proof(n, n));
    expect_range("inclusion_proof(0, n + 1)", log.inclusion_proof(0, n + 1));
    expect_range("inclusion_proof(0, 0)", log.inclusion_proof(0, 0));
    expect_range(
        "consistency_proof(1, n + 1)",
        log.consistency_proof(1, n + 1),
    );
    assert!(
        log.consistency_proof(2, 1).is_err(),
        "TransparencyLog contract: a consistency proof from a larger to a smaller size"
    );

    // Concurrent appends: distinct indices past the end, every one provable in the final tree.
    let receipts = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                scope.spawn(move || {
                    (0..2)
                        .map(|k| {
                            let entry = format!("stella log contract thread {t} entry {k}");
                            (log.append(entry.as_bytes()), entry)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("append thread panicked"))
            .collect::<Vec<_>>()
    });
    let final_size = n + receipts.len() as u64;
    let (size, root) = verified(
        "the checkpoint after concurrent appends",
        verifier.verify_checkpoint(&log.checkpoint().expect("checkpoint")),
    );
    assert_eq!(
        size, final_size,
        "TransparencyLog contract: concurrent appends lost entries"
    );
    let mut indices = BTreeSet::new();
    for (receipt, entry) in receipts {
        let receipt = receipt
            .unwrap_or_else(|e| panic!("TransparencyLog contract: a concurrent append: {e}"));
        assert!(
            (n..final_size).contains(&receipt.log_index) && indices.insert(receipt.log_index),
            "TransparencyLog contract: concurrent appends share or skip index {}",
            receipt.log_index
        );
        let proof = log
            .inclusion_proof(receipt.log_index, final_size)
            .expect("inclusion proof after concurrent appends");
        assert_eq!(
            proof.root_hash, root,
            "TransparencyLog contract: a proof in the final tree names another root than its \
             checkpoint"
        );
        verified(
            "an inclusion proof after concurrent appends",
            verifier.verify_inclusion(&verifier.leaf_hash(entry.as_bytes()), &proof),
        );
    }
    let proof = log
        .consistency_proof(n, final_size)
        .expect("consistency proof after concurrent appends");
    verified(
        "the consistency proof across concurrent appends",
        verifier.verify_consistency(&proof, &roots[n as usize], &root),
    );
}

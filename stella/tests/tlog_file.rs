#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The file-backed transparency log: restart, same receipts as the in-memory log, crash
//! recovery of a torn tail, tamper and truncation detection, one writer at a time.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use stella::store::{FileLog, HEAD_FILE, LOG_FILE, TlogError, TornTail};
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_attest::transparency::note::Checkpoint;
use stella_attest::transparency::{MemoryLog, merkle};
use stella_core::{LogReceipt, SignatureAlgorithm, TransparencyLog};

const ORIGIN: &str = "stella.test/log";

fn key(alg: SignatureAlgorithm) -> Arc<LocalSigner<SystemRandom>> {
    let rng = SystemRandom::new();
    Arc::new(LocalSigner::new(PrivateKey::generate(alg, &rng).unwrap(), rng).unwrap())
}

fn entry(i: u64) -> Vec<u8> {
    format!("entry number {i}").into_bytes()
}

/// Verifies a receipt the way a relying party does: the checkpoint's note signature with the
/// log's key, the checkpoint against the proof, the proof against the entry's leaf hash.
fn verify_receipt(log: &FileLog, entry: &[u8], receipt: &LogReceipt) {
    let cp = Checkpoint::verify(
        receipt.checkpoint.0.as_bytes(),
        std::slice::from_ref(log.note_verifier()),
    )
    .unwrap()
    .checkpoint;
    let p = &receipt.inclusion_proof;
    cp.check_matches(p.tree_size, &p.root_hash, "inclusion proof")
        .unwrap();
    assert_eq!(receipt.leaf_hash, merkle::leaf_hash(entry));
    merkle::verify_inclusion(
        &merkle::leaf_hash(entry),
        p.log_index,
        p.tree_size,
        &p.hashes,
        &p.root_hash,
    )
    .unwrap();
}

fn open(dir: &Path, key: &Arc<LocalSigner<SystemRandom>>) -> Result<FileLog, TlogError> {
    FileLog::open(dir, ORIGIN, key.clone())
}

#[test]
fn survives_restart_with_the_same_root_proofs_and_receipts_as_memory_log() {
    let dir = tempfile::tempdir().unwrap();
    // Ed25519 signatures are deterministic, so the two logs' checkpoints are byte-identical.
    let key = key(SignatureAlgorithm::Ed25519);
    let memory = MemoryLog::new(ORIGIN, key.clone()).unwrap();
    let mut receipts = Vec::new();
    {
        let log = open(dir.path(), &key).unwrap();
        assert_eq!(log.size().unwrap(), 0);
        assert_eq!(log.checkpoint().unwrap(), memory.checkpoint().unwrap());
        for i in 0..13 {
            let r = log.append(&entry(i)).unwrap();
            assert_eq!(r, memory.append(&entry(i)).unwrap(), "receipt {i}");
            verify_receipt(&log, &entry(i), &r);
            receipts.push(r);
        }
    }
    let log = open(dir.path(), &key).unwrap();
    assert_eq!(log.size().unwrap(), 13);
    assert_eq!(log.torn_tail().unwrap(), None);
    assert_eq!(log.checkpoint().unwrap(), memory.checkpoint().unwrap());
    for (i, r) in receipts.iter().enumerate() {
        let i = i as u64;
        // The proof for the tree the receipt was issued at is reproduced exactly.
        assert_eq!(
            log.inclusion_proof(i, i + 1).unwrap(),
            r.inclusion_proof,
            "proof {i}"
        );
        assert_eq!(
            log.inclusion_proof(i, 13).unwrap(),
            memory.inclusion_proof(i, 13).unwrap()
        );
        // And the old checkpoint is consistent with the current one.
        let proof = log.consistency_proof(i + 1, 13).unwrap();
        let now = log.inclusion_proof(0, 13).unwrap().root_hash;
        merkle::verify_consistency(i + 1, 13, &proof.hashes, &r.inclusion_proof.root_hash, &now)
            .unwrap();
    }
    // Appending after the restart continues the same tree.
    let r = log.append(&entry(13)).unwrap();
    assert_eq!(r, memory.append(&entry(13)).unwrap());
    assert!(log.inclusion_proof(14, 14).is_err());
    assert!(log.inclusion_proof(0, 15).is_err());
}

#[test]
fn ecdsa_keys_work_too() {
    let dir = tempfile::tempdir().unwrap();
    let key = key(SignatureAlgorithm::EcdsaP256Sha256);
    let r = open(dir.path(), &key).unwrap().append(b"x").unwrap();
    let log = open(dir.path(), &key).unwrap();
    verify_receipt(&log, b"x", &r);
    assert_eq!(log.checkpoint().unwrap(), r.checkpoint);
}

/// Builds a log with `n` entries and returns (log bytes, head bytes) after each append.
fn history(dir: &Path, key: &Arc<LocalSigner<SystemRandom>>, n: u64) -> Vec<(Vec<u8>, Vec<u8>)> {
    let log = open(dir, key).unwrap();
    let snap = || {
        (
            fs::read(dir.join(LOG_FILE)).unwrap(),
            fs::read(dir.join(HEAD_FILE)).unwrap(),
        )
    };
    let mut out = vec![snap()];
    for i in 0..n {
        log.append(&entry(i)).unwrap();
        out.push(snap());
    }
    out
}

#[test]
fn a_torn_final_record_is_never_a_leaf_and_is_cut_by_the_next_append() {
    let dir = tempfile::tempdir().unwrap();
    let key = key(SignatureAlgorithm::Ed25519);
    let states = history(dir.path(), &key, 3);
    let (before, head_before) = &states[2];
    let (after, _) = &states[3];
    assert!(after.starts_with(before));
    // A crash mid-append leaves any prefix of the last append's records (and the head file is
    // only replaced after the log is durable, so it still commits to 2 entries).
    for cut in before.len()..after.len() {
        fs::write(dir.path().join(LOG_FILE), &after[..cut]).unwrap();
        fs::write(dir.path().join(HEAD_FILE), head_before).unwrap();
        let log = open(dir.path(), &key).unwrap();
        assert_eq!(log.size().unwrap(), 2, "cut at {cut}");
        let torn = (cut > before.len()).then(|| TornTail {
            offset: before.len() as u64,
            bytes: (cut - before.len()) as u64,
        });
        assert_eq!(log.torn_tail().unwrap(), torn, "cut at {cut}");
        assert_eq!(log.checkpoint().unwrap().0.as_bytes(), &head_before[..]);
        // The next append cuts the torn bytes and writes a clean record in their place.
        let r = log.append(&entry(2)).unwrap();
        assert_eq!(r.log_index, 2);
        drop(log);
        assert_eq!(fs::read(dir.path().join(LOG_FILE)).unwrap(), *after);
        assert_eq!(open(dir.path(), &key).unwrap().size().unwrap(), 3);
    }
    // Zero fill after the last record (a filesystem that extended the file before the crash).
    let mut zeros = after.clone();
    zeros.extend_from_slice(&[0u8; 100]);
    fs::write(dir.path().join(LOG_FILE), &zeros).unwrap();
    let log = open(dir.path(), &key).unwrap();
    assert_eq!(log.size().unwrap(), 3);
    assert_eq!(
        log.torn_tail().unwrap(),
        Some(TornTail {
            offset: after.len() as u64,
            bytes: 100
        })
    );
}

#[test]
fn a_complete_leaf_record_without_its_checkpoint_is_not_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let key = key(SignatureAlgorithm::Ed25519);
    let states = history(dir.path(), &key, 2);
    let (before, head) = &states[1];
    let (after, _) = &states[2];
    // The leaf record of the second append is 5 + 32 + 8 bytes.
    let leaf_only = &after[..before.len() + 45];
    fs::write(dir.path().join(LOG_FILE), leaf_only).unwrap();
    fs::write(dir.path().join(HEAD_FILE), head).unwrap();
    let log = open(dir.path(), &key).unwrap();
    assert_eq!(log.size().unwrap(), 1);
    assert!(log.inclusion_proof(1, 2).is_err());
    assert_eq!(
        log.torn_tail().unwrap(),
        Some(TornTail {
            offset: before.len() as u64,
            bytes: 45
        })
    );
}

#[test]
fn every_edited_byte_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let key = key(SignatureAlgorithm::Ed25519);
    let states = history(dir.path(), &key, 3);
    let (bytes, head) = states.last().unwrap().clone();
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80] {
            let mut edited = bytes.clone();
            edited[i] ^= flip;
            fs::write(dir.path().join(LOG_FILE), &edited).unwrap();
            fs::write(dir.path().join(HEAD_FILE), &head).unwrap();
            let result = open(dir.path(), &key);
            assert!(
                result.is_err(),
                "edit of byte {i} (xor {flip:#x}) was not detected"
            );
        }
    }
    // An edited head checkpoint is detected too.
    fs::write(dir.path().join(LOG_FILE), &bytes).unwrap();
    let mut bad_head = head.clone();
    let at = bad_head.iter().position(|&b| b == b'\n').unwrap() + 1;
    bad_head[at] = if bad_head[at] == b'2' { b'1' } else { b'2' };
    fs::write(dir.path().join(HEAD_FILE), &bad_head).unwrap();
    assert!(matches!(
        open(dir.path(), &key),
        Err(TlogError::Checkpoint { offset: 0, .. })
    ));
    // A deleted head checkpoint is detected.
    fs::remove_file(dir.path().join(HEAD_FILE)).unwrap();
    assert!(matches!(
        open(dir.path(), &key),
        Err(TlogError::HeadMissing { .. })
    ));
    fs::write(dir.path().join(HEAD_FILE), &head).unwrap();
    assert_eq!(open(dir.path(), &key).unwrap().size().unwrap(), 3);
}

#[test]
fn a_leaf_hash_rewritten_with_a_valid_checksum_breaks_the_signed_root() {
    let dir = tempfile::tempdir().unwrap();
    let key = key(SignatureAlgorithm::Ed25519);
    let states = history(dir.path(), &key, 2);
    let (bytes, _) = states.last().unwrap().clone();
    // Rebuild the file record by record, replacing the first leaf with another valid record.
    let mut out = Vec::new();
    let mut at = 0;
    let mut replaced = false;
    while at < bytes.len() {
        let kind = bytes[at];
        let len = u32::from_be_bytes(bytes[at + 1..at + 5].try_into().unwrap()) as usize;
        let payload = &bytes[at + 5..at + 5 + len];
        let payload = if kind == b'L' && !replaced {
            replaced = true;
            merkle::leaf_hash(b"forged").0.to_vec()
        } else {
            payload.to_vec()
        };
        out.push(kind);
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&payload);
        let mut h = <sha2::Sha256 as sha2::Digest>::new();
        sha2::Digest::update(&mut h, [kind]);
        sha2::Digest::update(&mut h, (payload.len() as u32).to_be_bytes());
        sha2::Digest::update(&mut h, &payload);
        out.extend_from_slice(&sha2::Digest::finalize(h)[..8]);
        at += 5 + len + 8;
    }
    assert_eq!(out.len(), bytes.len());
    assert_ne!(out, bytes);
    fs::write(dir.path().join(LOG_FILE), &out).unwrap();
    assert!(matches!(
        open(dir.path(), &key),
        Err(TlogError::Checkpoint { .. })
    ));
}

#[test]
fn truncation_below_the_head_checkpoint_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let key = key(SignatureAlgorithm::Ed25519);
    let states = history(dir.path(), &key, 4);
    let head = states.last().unwrap().1.clone();
    // Whole records cut off: each earlier state is a well-formed log, but shorter than the
    // head checkpoint.
    for (n, (bytes, _)) in states.iter().enumerate().take(4) {
        fs::write(dir.path().join(LOG_FILE), bytes).unwrap();
        fs::write(dir.path().join(HEAD_FILE), &head).unwrap();
        match open(dir.path(), &key) {
            Err(TlogError::Truncated {
                head_size: 4,
                log_size,
            }) => assert_eq!(log_size, n as u64),
            other => panic!("cut to {n} entries: {other:?}"),
        }
    }
    // Cut mid-record below the head: the torn-tail rule does not hide it.
    let full = &states[4].0;
    fs::write(dir.path().join(LOG_FILE), &full[..full.len() - 3]).unwrap();
    assert!(matches!(
        open(dir.path(), &key),
        Err(TlogError::Truncated { head_size: 4, .. })
    ));
}

#[test]
fn wrong_key_or_origin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key1 = key(SignatureAlgorithm::Ed25519);
    history(dir.path(), &key1, 2);
    let other = key(SignatureAlgorithm::Ed25519);
    assert!(matches!(
        open(dir.path(), &other),
        Err(TlogError::Checkpoint { .. })
    ));
    assert!(matches!(
        FileLog::open(dir.path(), "other.test/log", key1.clone()),
        Err(TlogError::OriginMismatch { .. })
    ));
    assert!(open(dir.path(), &key1).is_ok());
}

#[test]
fn one_writer_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let key = key(SignatureAlgorithm::Ed25519);
    let first = open(dir.path(), &key).unwrap();
    assert!(matches!(
        open(dir.path(), &key),
        Err(TlogError::Locked { .. })
    ));
    first.append(b"a").unwrap();
    drop(first);
    let again = open(dir.path(), &key).unwrap();
    assert_eq!(again.size().unwrap(), 1);
    // Within a process the one log is shared by reference across threads.
    let shared = Arc::new(again);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let log = shared.clone();
            std::thread::spawn(move || {
                for i in 0..5 {
                    log.append(format!("{t}-{i}").as_bytes()).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(shared.size().unwrap(), 21);
    drop(shared);
    assert_eq!(open(dir.path(), &key).unwrap().size().unwrap(), 21);
}

#[test]
fn open_in_store_uses_the_tlog_directory() {
    let dir = tempfile::tempdir().unwrap();
    let key = key(SignatureAlgorithm::Ed25519);
    let log = FileLog::open_in_store(dir.path(), ORIGIN, key).unwrap();
    assert_eq!(log.path(), dir.path().join("tlog").join(LOG_FILE));
}

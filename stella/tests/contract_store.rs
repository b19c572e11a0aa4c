#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The contract suite (`stella_core::testing`) on the filesystem blob store and the
//! file-backed transparency log.

use std::sync::Arc;

use stella::store::{FileLog, FsBlobStore};
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_attest::transparency::testing::ContractVerifier;
use stella_core::SignatureAlgorithm;
use stella_core::testing::{check_blob_store, check_transparency_log};

#[test]
fn fs_blob_store_keeps_the_blob_store_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = FsBlobStore::open(dir.path()).unwrap();
    check_blob_store(&store, &|digest, bytes| {
        // An edit on disk: the published file is read-only, so replace it.
        let path = store.path_of(digest);
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, bytes).unwrap();
    });
}

fn check_file_log(alg: SignatureAlgorithm) {
    let dir = tempfile::tempdir().unwrap();
    let rng = SystemRandom::new();
    let key = LocalSigner::new(PrivateKey::generate(alg, &rng).unwrap(), rng).unwrap();
    let log = FileLog::open(dir.path(), "stella.test/contract", Arc::new(key)).unwrap();
    let verifier = ContractVerifier::new(vec![log.note_verifier().clone()]);
    check_transparency_log(&log, &verifier);
}

#[test]
fn file_log_keeps_the_transparency_log_contract_ed25519() {
    check_file_log(SignatureAlgorithm::Ed25519);
}

#[test]
fn file_log_keeps_the_transparency_log_contract_ecdsa_p256() {
    check_file_log(SignatureAlgorithm::EcdsaP256Sha256);
}

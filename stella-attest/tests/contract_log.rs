#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The transparency log contract suite (`stella_core::testing`) on the in-memory Merkle log,
//! with both note key algorithms.

use std::sync::Arc;

use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_attest::transparency::MemoryLog;
use stella_attest::transparency::note::NoteVerifier;
use stella_attest::transparency::testing::ContractVerifier;
use stella_core::SignatureAlgorithm;
use stella_core::testing::check_transparency_log;

const ORIGIN: &str = "stella.test/contract";

fn check(alg: SignatureAlgorithm) {
    let rng = SystemRandom::new();
    let key = LocalSigner::new(PrivateKey::generate(alg, &rng).unwrap(), rng).unwrap();
    let public = key.public_key().clone();
    let log = MemoryLog::new(ORIGIN, Arc::new(key)).unwrap();
    let note = NoteVerifier::new(ORIGIN, public.spki_der(), Arc::new(public.clone())).unwrap();
    check_transparency_log(&log, &ContractVerifier::new(vec![note]));
}

#[test]
fn memory_log_keeps_the_transparency_log_contract_ed25519() {
    check(SignatureAlgorithm::Ed25519);
}

#[test]
fn memory_log_keeps_the_transparency_log_contract_ecdsa_p256() {
    check(SignatureAlgorithm::EcdsaP256Sha256);
}

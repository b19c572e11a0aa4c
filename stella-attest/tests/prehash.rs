#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Digest-only signature checks (`--artifact-digest`, `ArtifactInput::Sha256`):
//! `verify_spki_prehashed` verifies ECDSA P-256, P-384 and P-521 signatures over SHA-256,
//! SHA-384 and SHA-512 prehashes, made here by RustCrypto's signers with fixed test keys (and
//! for P-256 by `ring`, the crate's own signer), and refuses every wrong digest, key or
//! signature; Ed25519 keys, which sign whole messages, are a typed "not supported".

use p384::ecdsa::signature::hazmat::PrehashSigner;
use p384::pkcs8::EncodePublicKey;
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_attest::transparency::TransparencyError;
use stella_attest::transparency::fulcio::verify_spki_prehashed;
use stella_core::SignatureAlgorithm;

const MESSAGE: &[u8] = b"stella release 1.0";

fn prehashes(message: &[u8]) -> [Vec<u8>; 3] {
    [
        Sha256::digest(message).to_vec(),
        Sha384::digest(message).to_vec(),
        Sha512::digest(message).to_vec(),
    ]
}

/// (SPKI DER, DER signature over each prehash of `MESSAGE`) for one curve.
type Signed = (Vec<u8>, Vec<Vec<u8>>);

fn p384_signed() -> Signed {
    let key = p384::ecdsa::SigningKey::from_slice(&[0x5a; 48]).unwrap();
    let spki = key.verifying_key().to_public_key_der().unwrap().to_vec();
    let sigs = prehashes(MESSAGE)
        .iter()
        .map(|h| {
            let sig: p384::ecdsa::Signature = key.sign_prehash(h).unwrap();
            sig.to_der().as_bytes().to_vec()
        })
        .collect();
    (spki, sigs)
}

fn p521_signed() -> Signed {
    let mut secret = [0x33u8; 66];
    secret[0] = 0x01;
    let key = p521::ecdsa::SigningKey::from_slice(&secret).unwrap();
    let spki = p521::ecdsa::VerifyingKey::from(&key)
        .to_public_key_der()
        .unwrap()
        .to_vec();
    let sigs = prehashes(MESSAGE)
        .iter()
        .map(|h| {
            let sig: p521::ecdsa::Signature = key.sign_prehash(h).unwrap();
            sig.to_der().as_bytes().to_vec()
        })
        .collect();
    (spki, sigs)
}

#[test]
fn p384_and_p521_signatures_verify_from_each_sha2_prehash_and_nothing_else() {
    for (curve, (spki, sigs)) in [("P-384", p384_signed()), ("P-521", p521_signed())] {
        let hashes = prehashes(MESSAGE);
        let other = prehashes(b"another release");
        for (i, (hash, sig)) in hashes.iter().zip(&sigs).enumerate() {
            verify_spki_prehashed(&spki, hash, sig, "artifact")
                .unwrap_or_else(|e| panic!("{curve} prehash {i}: {e}"));
            // Another message's digest of the same algorithm.
            assert!(
                matches!(
                    verify_spki_prehashed(&spki, &other[i], sig, "artifact"),
                    Err(TransparencyError::BadSignature { .. })
                ),
                "{curve} {i}"
            );
            // The signature over another algorithm's digest of the same message.
            let j = (i + 1) % 3;
            assert!(
                verify_spki_prehashed(&spki, &hashes[j], sig, "artifact").is_err(),
                "{curve} {i} vs {j}"
            );
            // A flipped signature byte.
            let mut bad = sig.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(verify_spki_prehashed(&spki, hash, &bad, "artifact").is_err());
        }
        // Under another curve's key.
        let (other_spki, _) = if curve == "P-384" {
            p521_signed()
        } else {
            p384_signed()
        };
        assert!(verify_spki_prehashed(&other_spki, &hashes[1], &sigs[1], "artifact").is_err());
        // A prehash shorter than half the curve order's size is refused, not padded.
        assert!(verify_spki_prehashed(&spki, &hashes[0][..16], &sigs[0], "artifact").is_err());
    }
}

#[test]
fn p256_keys_of_this_crate_verify_from_their_sha256_prehash() {
    let rng = SystemRandom::new();
    let signer = LocalSigner::new(
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &rng).unwrap(),
        rng,
    )
    .unwrap();
    let sig = signer.sign(MESSAGE).unwrap();
    let spki = signer.public_key().spki_der();
    let [sha256, sha384, _] = prehashes(MESSAGE);
    verify_spki_prehashed(spki, &sha256, &sig, "artifact").unwrap();
    assert!(verify_spki_prehashed(spki, &sha384, &sig, "artifact").is_err());
}

#[test]
fn ed25519_keys_cannot_be_verified_from_a_digest() {
    let rng = SystemRandom::new();
    let signer = LocalSigner::new(
        PrivateKey::generate(SignatureAlgorithm::Ed25519, &rng).unwrap(),
        rng,
    )
    .unwrap();
    let sig = signer.sign(MESSAGE).unwrap();
    let [sha256, ..] = prehashes(MESSAGE);
    assert!(matches!(
        verify_spki_prehashed(signer.public_key().spki_der(), &sha256, &sig, "artifact"),
        Err(TransparencyError::NotSupported { .. })
    ));
}

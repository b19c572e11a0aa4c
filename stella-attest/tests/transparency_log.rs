#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! C2SP signed notes / checkpoints and the in-memory Merkle log.

use std::sync::Arc;

use stella_attest::keys::{LocalSigner, PrivateKey, PublicKey, SystemRandom};
use stella_attest::transparency::note::{
    Checkpoint, NoteSigner, NoteVerifier, SignedNote, note_key_id,
};
use stella_attest::transparency::{MemoryLog, TransparencyError, merkle};
use stella_core::{CoreError, SignatureAlgorithm, TransparencyLog};

fn signer(alg: SignatureAlgorithm) -> LocalSigner<SystemRandom> {
    let rng = SystemRandom::new();
    LocalSigner::new(PrivateKey::generate(alg, &rng).unwrap(), rng).unwrap()
}

fn verifier(name: &str, key: &PublicKey) -> NoteVerifier {
    NoteVerifier::new(name, key.spki_der(), Arc::new(key.clone())).unwrap()
}

/// The C2SP signed-note spec's Ed25519 example: key `PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`
/// (the vkey format of golang.org/x/mod/sumdb/note: name, key id, 0x01 || 32-byte key).
#[test]
fn go_sumdb_note_example_verifies() {
    use base64::Engine as _;
    let vkey = base64::engine::general_purpose::STANDARD
        .decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        .unwrap();
    assert_eq!(vkey[0], 0x01);
    let key = PublicKey::from_ed25519_raw(&vkey[1..]).unwrap();
    assert_eq!(
        note_key_id("PeterNeumann", SignatureAlgorithm::Ed25519, key.spki_der()).unwrap(),
        0xc74f20a3
    );
    let note = "If you think cryptography is the answer to your problem,\n\
                then you don't know what your problem is.\n\
                \n\
                \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    let parsed = SignedNote::parse(note.as_bytes()).unwrap();
    let signers = parsed.verify(&[verifier("PeterNeumann", &key)]).unwrap();
    assert_eq!(signers, ["PeterNeumann"]);
    assert_eq!(parsed.to_text(), note, "writing reproduces the note");
    // Tampered text.
    let bad = note.replace("cryptography", "Cryptography");
    assert!(matches!(
        SignedNote::parse(bad.as_bytes())
            .unwrap()
            .verify(&[verifier("PeterNeumann", &key)]),
        Err(TransparencyError::BadSignature { .. })
    ));
    // Same key under another name: unknown, so no trusted signature.
    assert!(matches!(
        parsed.verify(&[verifier("Someone", &key)]),
        Err(TransparencyError::NoTrustedSignature { .. })
    ));
}

#[test]
fn checkpoints_sign_and_verify_with_ed25519_and_ecdsa() {
    for alg in [
        SignatureAlgorithm::Ed25519,
        SignatureAlgorithm::EcdsaP256Sha256,
    ] {
        let key = signer(alg);
        let other = signer(alg);
        let mut cp = Checkpoint::new("example.com/log", 7, merkle::leaf_hash(b"x"));
        cp.extensions.push("Timestamp: 1700000000".into());
        let signed = cp
            .sign(&[
                NoteSigner::new("example.com/log", &key).unwrap(),
                NoteSigner::new("witness.example", &other).unwrap(),
            ])
            .unwrap();
        let v = Checkpoint::verify(
            signed.0.as_bytes(),
            &[verifier("example.com/log", key.public_key())],
        )
        .unwrap();
        assert_eq!(v.checkpoint, cp);
        // Both trusted: both reported, sorted.
        let v = Checkpoint::verify(
            signed.0.as_bytes(),
            &[
                verifier("witness.example", other.public_key()),
                verifier("example.com/log", key.public_key()),
            ],
        )
        .unwrap();
        assert_eq!(v.signers, ["example.com/log", "witness.example"]);
        // Only an unknown key.
        let stranger = signer(alg);
        assert!(matches!(
            Checkpoint::verify(
                signed.0.as_bytes(),
                &[verifier("example.com/log", stranger.public_key())]
            ),
            Err(TransparencyError::NoTrustedSignature { .. })
        ));
        // Size/root disagreement with a proof.
        assert!(matches!(
            cp.check_matches(8, &cp.root_hash, "proof"),
            Err(TransparencyError::CheckpointMismatch {
                field: "tree size",
                ..
            })
        ));
        assert!(matches!(
            cp.check_matches(7, &merkle::leaf_hash(b"y"), "proof"),
            Err(TransparencyError::CheckpointMismatch {
                field: "root hash",
                ..
            })
        ));
    }
}

#[test]
fn bad_note_framing_is_a_typed_error() {
    let key = signer(SignatureAlgorithm::Ed25519);
    let good = Checkpoint::new("o", 1, merkle::leaf_hash(b"a"))
        .sign(&[NoteSigner::new("o", &key).unwrap()])
        .unwrap()
        .0;
    let sig_line = good.lines().last().unwrap().to_owned();
    let cases: Vec<(String, &str)> = vec![
        (format!("{good}trailing garbage"), "trailing garbage"),
        (format!("{good}garbage\n"), "a non-signature line"),
        (format!("{good}{sig_line}\n"), "duplicate signature"),
        (good.replace("\n\n", "\n"), "no blank line"),
        (good.trim_end().to_owned(), "no final newline"),
        (good.replace("\u{2014} ", "- "), "hyphen for em dash"),
        (good.replace("\u{2014} o ", "\u{2014} o  "), "double space"),
        (good.replace("\u{2014} o ", "\u{2014}  "), "empty key name"),
        (good.replace("o\n1\n", "o\r\n1\n"), "carriage return"),
        (
            format!("{}\n\n", good.split("\n\n").next().unwrap()),
            "no signatures",
        ),
        (
            good.replace(&sig_line[sig_line.len() - 8..], "!!!!!!!!"),
            "bad base64",
        ),
        (
            "o\n1\nAAAA\n\n\u{2014} o AAAA\n".to_owned(),
            "signature shorter than key id",
        ),
    ];
    for (bad, what) in cases {
        let r = SignedNote::parse(bad.as_bytes());
        assert!(r.is_err(), "{what} accepted: {bad:?}");
        if what == "duplicate signature" {
            assert!(matches!(
                r,
                Err(TransparencyError::DuplicateSignature { .. })
            ));
        }
    }
    assert!(SignedNote::parse(&[0xff, 0xfe, b'\n']).is_err());
    // Checkpoint bodies.
    for body in [
        "o\n01\nAAAA\n",
        "o\n-1\n",
        "o\n1\n",
        "o\n1\nAAAA\n",
        "\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "o\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n",
        "o\n18446744073709551616\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
    ] {
        assert!(Checkpoint::parse_body(body).is_err(), "{body:?} accepted");
    }
    let ok =
        Checkpoint::parse_body("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n").unwrap();
    assert_eq!(ok.root_hash, merkle::empty_root());
    // Key names.
    assert!(NoteSigner::new("has space", &key).is_err());
    assert!(NoteSigner::new("has+plus", &key).is_err());
    assert!(NoteSigner::new("", &key).is_err());
}

#[test]
fn memory_log_appends_proves_and_checkpoints() {
    let key = Arc::new(signer(SignatureAlgorithm::Ed25519));
    let public = key.public_key().clone();
    let log = MemoryLog::new("stella.test/log", key).unwrap();
    let trusted = [verifier("stella.test/log", &public)];

    // Empty log: a signed size-0 checkpoint with the empty root.
    let cp0 = Checkpoint::verify(log.checkpoint().unwrap().0.as_bytes(), &trusted).unwrap();
    assert_eq!(cp0.checkpoint.size, 0);
    assert_eq!(cp0.checkpoint.root_hash, merkle::empty_root());

    let mut checkpoints = Vec::new();
    for i in 0..40u32 {
        let entry = format!("entry {i}");
        let r = log.append(entry.as_bytes()).unwrap();
        assert_eq!(r.log_index, u64::from(i));
        assert_eq!(r.leaf_hash, merkle::leaf_hash(entry.as_bytes()));
        let cp = Checkpoint::verify(r.checkpoint.0.as_bytes(), &trusted)
            .unwrap()
            .checkpoint;
        let p = &r.inclusion_proof;
        cp.check_matches(p.tree_size, &p.root_hash, "receipt")
            .unwrap();
        merkle::verify_inclusion(
            &r.leaf_hash,
            p.log_index,
            p.tree_size,
            &p.hashes,
            &p.root_hash,
        )
        .unwrap();
        checkpoints.push(cp);
    }
    assert_eq!(log.size().unwrap(), 40);
    // Old entries are provable in the current tree, and any two checkpoints are consistent.
    let latest = checkpoints.last().unwrap().clone();
    for i in [0u64, 17, 39] {
        let p = log.inclusion_proof(i, 40).unwrap();
        let leaf = merkle::leaf_hash(format!("entry {i}").as_bytes());
        merkle::verify_inclusion(&leaf, i, 40, &p.hashes, &latest.root_hash).unwrap();
    }
    for old in &checkpoints {
        for new in &checkpoints {
            if old.size <= new.size {
                let c = log.consistency_proof(old.size, new.size).unwrap();
                merkle::verify_consistency(
                    old.size,
                    new.size,
                    &c.hashes,
                    &old.root_hash,
                    &new.root_hash,
                )
                .unwrap();
            }
        }
    }
    // Out-of-range requests are the trait's range error.
    assert!(matches!(
        log.inclusion_proof(40, 40),
        Err(CoreError::LogRange { .. })
    ));
    assert!(matches!(
        log.inclusion_proof(0, 41),
        Err(CoreError::LogRange { .. })
    ));
    assert!(matches!(
        log.consistency_proof(0, 10),
        Err(CoreError::LogRange { .. })
    ));
    assert!(log.consistency_proof(20, 10).is_err());
}

#[test]
fn memory_log_is_shareable_across_threads() {
    let key = Arc::new(signer(SignatureAlgorithm::EcdsaP256Sha256));
    let log = Arc::new(MemoryLog::new("stella.test/mt", key).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for i in 0..25 {
                    log.append(format!("{t}-{i}").as_bytes()).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(log.size().unwrap(), 100);
    let c = log.consistency_proof(1, 100).unwrap();
    assert_eq!(c.hashes.len(), merkle::consistency_proof_len(1, 100));
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Differential oracle: sigstore-rust's `sigstore-verify` (0.15) and our bundle verification
//! must agree on every bundle both can verify — key-based message-signature bundles written by
//! our own code (ECDSA P-256 and Ed25519 signers, P-256 Rekor key), and tampered variants of
//! them. Both run offline: sigstore-verify gets a trusted root holding only our test Rekor key.
//!
//! Keyless bundles: every keyless case of the sigstore-conformance suite
//! (tests/vectors/sigstore/conformance/) is verified by both, with the case's trusted root,
//! artifact, identity and issuer; the answers are compared case by case (see
//! `keyless_conformance_cases_agree_with_sigstore_rust`).

use base64::Engine as _;
use sigstore_verify::PublicKeyVerificationPolicy;
use sigstore_verify::trust_root::TrustedRoot;
use sigstore_verify::types::{Bundle as TheirBundle, DerPublicKey};
use stella_attest::keys::{LocalSigner, PrivateKey, PublicKey, SystemRandom};
use stella_attest::transparency::bundle::{
    Bundle, BundleContent, HashOutput, MessageSignature, TransparencyLogEntry, TrustRoot,
    key_based_bundle,
};
use stella_attest::transparency::merkle::{self, MerkleTree};
use stella_attest::transparency::note::{Checkpoint, NoteSigner};
use stella_attest::transparency::rekor::{
    EntryBody, HashedRekord, LogEntry, RekorInclusionProof, RekorLogKey,
};
use stella_core::{Digest, SignatureAlgorithm};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn signer(alg: SignatureAlgorithm) -> LocalSigner<SystemRandom> {
    let rng = SystemRandom::new();
    LocalSigner::new(PrivateKey::generate(alg, &rng).unwrap(), rng).unwrap()
}

/// A Sigstore trusted root with one Rekor log (our test key) and nothing else.
fn their_trusted_root(log: &PublicKey) -> TrustedRoot {
    let spki = log.spki_der();
    let json = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [{
            "baseUrl": "https://rekor.test",
            "hashAlgorithm": "SHA2_256",
            "publicKey": {
                "rawBytes": b64(spki),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "validFor": {"start": "2020-01-01T00:00:00Z"}
            },
            "logId": {"keyId": b64(&hex::decode(Digest::of(spki).hex()).unwrap())}
        }],
        "certificateAuthorities": [],
        "ctlogs": [],
        "timestampAuthorities": []
    });
    TrustedRoot::from_json(&json.to_string()).unwrap()
}

/// A key-based v0.3 bundle for `artifact`, logged at `before` in a tree of `before + 1 + after`
/// entries, with SET and checkpoint by `log`.
fn bundle_for(
    author: &LocalSigner<SystemRandom>,
    log: &LocalSigner<SystemRandom>,
    artifact: &[u8],
    before: u64,
    after: u64,
) -> Vec<u8> {
    let signature = author.sign(artifact).unwrap();
    let body = EntryBody::HashedRekord(HashedRekord::new(
        Digest::of(artifact),
        signature.clone(),
        author.public_key().to_pem().into_bytes(),
    ))
    .to_canonical_bytes()
    .unwrap();
    let mut tree = MerkleTree::new();
    for i in 0..before {
        tree.push(merkle::leaf_hash(&i.to_be_bytes()));
    }
    let index = tree.push(merkle::leaf_hash(&body));
    for i in 0..after {
        tree.push(merkle::leaf_hash(&(i + 99).to_be_bytes()));
    }
    let size = tree.size();
    let root = tree.root(size).unwrap();
    let checkpoint = Checkpoint::new("rekor.test - 7", size, root)
        .sign(&[NoteSigner::new("rekor.test", log).unwrap()])
        .unwrap();
    let mut entry = LogEntry {
        body,
        integrated_time: 1_760_000_000,
        log_id: *RekorLogKey::from_public_key(log.public_key()).log_id(),
        log_index: index,
        inclusion_proof: Some(RekorInclusionProof {
            log_index: index,
            root_hash: root,
            tree_size: size,
            hashes: tree.inclusion_proof(index, size).unwrap(),
            checkpoint: Some(checkpoint.0),
        }),
        signed_entry_timestamp: None,
    };
    entry.signed_entry_timestamp = Some(log.sign(&entry.set_payload().unwrap()).unwrap());
    key_based_bundle(
        "",
        BundleContent::MessageSignature(MessageSignature {
            message_digest: Some(HashOutput {
                algorithm: "SHA2_256".into(),
                digest: hex::decode(Digest::of(artifact).hex()).unwrap(),
            }),
            signature,
        }),
        vec![TransparencyLogEntry::from_log_entry(&entry).unwrap()],
    )
    .to_json()
    .unwrap()
}

fn theirs(json: &[u8], artifact: &[u8], key: &PublicKey, root: &TrustedRoot) -> Result<(), String> {
    let bundle = TheirBundle::from_json(std::str::from_utf8(json).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let policy = PublicKeyVerificationPolicy::new(DerPublicKey::from_pem(&key.to_pem()).unwrap());
    sigstore_verify::verify(artifact, &bundle, &policy, root)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn ours(json: &[u8], artifact: &[u8], key: &PublicKey, trust: &TrustRoot) -> Result<(), String> {
    Bundle::parse(json)
        .and_then(|b| b.verify_with_key(key, Some(artifact), trust))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Textual edits of the bundle JSON that must make both verifiers refuse.
fn tamperings(json: &str) -> Vec<(&'static str, String)> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let entry = &v["verificationMaterial"]["tlogEntries"][0];
    let mut out = Vec::new();
    let time = entry["integratedTime"].as_str().unwrap().to_owned();
    out.push((
        "integratedTime",
        json.replace(&format!("\"{time}\""), "\"1760000001\""),
    ));
    let index = entry["logIndex"].as_str().unwrap().to_owned();
    out.push((
        "logIndex",
        json.replacen(
            &format!("\"logIndex\": \"{index}\""),
            "\"logIndex\": \"123456\"",
            1,
        ),
    ));
    let sig = v["messageSignature"]["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut raw = base64::engine::general_purpose::STANDARD
        .decode(&sig)
        .unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    out.push(("signature", json.replace(&sig, &b64(&raw))));
    let root = entry["inclusionProof"]["rootHash"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut r = base64::engine::general_purpose::STANDARD
        .decode(&root)
        .unwrap();
    r[0] ^= 1;
    out.push(("rootHash", json.replace(&root, &b64(&r))));
    if let Some(h) = entry["inclusionProof"]["hashes"][0].as_str() {
        let mut x = base64::engine::general_purpose::STANDARD.decode(h).unwrap();
        x[5] ^= 1;
        out.push(("proof hash", json.replace(h, &b64(&x))));
    }
    out
}

#[test]
fn sigstore_verify_agrees_with_us_on_key_based_bundles() {
    let log = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let their_root = their_trusted_root(log.public_key());
    let our_trust = TrustRoot::new(vec![RekorLogKey::from_public_key(log.public_key())]);
    for (alg, before, after) in [
        (SignatureAlgorithm::EcdsaP256Sha256, 0, 0),
        (SignatureAlgorithm::EcdsaP256Sha256, 5, 2),
        (SignatureAlgorithm::EcdsaP256Sha256, 6, 0),
        (SignatureAlgorithm::Ed25519, 12, 3),
    ] {
        let author = signer(alg);
        let artifact = format!("artifact {before} {after}").into_bytes();
        let json = bundle_for(&author, &log, &artifact, before, after);
        let key = author.public_key();

        let t = theirs(&json, &artifact, key, &their_root);
        let o = ours(&json, &artifact, key, &our_trust);
        if alg == SignatureAlgorithm::EcdsaP256Sha256 {
            assert!(t.is_ok(), "sigstore-verify refused our bundle: {t:?}");
        }
        if t.is_ok() {
            assert!(o.is_ok(), "we refuse what sigstore-verify accepts: {o:?}");
        }
        assert!(o.is_ok(), "{alg:?}: {o:?}");

        // Wrong artifact, wrong key, untrusted log: both refuse.
        assert!(theirs(&json, b"other", key, &their_root).is_err());
        assert!(ours(&json, b"other", key, &our_trust).is_err());
        let stranger = signer(alg);
        assert!(theirs(&json, &artifact, stranger.public_key(), &their_root).is_err());
        assert!(ours(&json, &artifact, stranger.public_key(), &our_trust).is_err());
        let other_log = signer(SignatureAlgorithm::EcdsaP256Sha256);
        assert!(
            theirs(
                &json,
                &artifact,
                key,
                &their_trusted_root(other_log.public_key())
            )
            .is_err()
        );
        assert!(
            ours(
                &json,
                &artifact,
                key,
                &TrustRoot::new(vec![RekorLogKey::from_public_key(other_log.public_key())])
            )
            .is_err()
        );

        // Tampered bundles: both refuse.
        let text = String::from_utf8(json.clone()).unwrap();
        for (what, bad) in tamperings(&text) {
            assert_ne!(bad, text, "{what}: the edit did not apply");
            let t = theirs(bad.as_bytes(), &artifact, key, &their_root);
            let o = ours(bad.as_bytes(), &artifact, key, &our_trust);
            assert!(
                t.is_err(),
                "{what}: sigstore-verify accepted a tampered bundle"
            );
            assert!(o.is_err(), "{what}: we accepted a tampered bundle");
        }
    }
}

const CONFORMANCE_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const CONFORMANCE_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// Cases where sigstore-rust 0.15 gives another answer than the suite expects, and why; on
/// every other keyless case both verifiers must agree (and the answer must be the suite's).
const THEIR_KNOWN_DISAGREEMENTS: &[(&str, &str)] = &[];

#[test]
fn keyless_conformance_cases_agree_with_sigstore_rust() {
    use stella_attest::transparency::bundle::{
        ArtifactInput, TrustedRoot as OurRoot, VerificationPolicy,
    };
    use stella_attest::transparency::identity::{CertificateIdentity, StringMatcher};
    let suite = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/sigstore/conformance");
    let mut dirs: Vec<_> = std::fs::read_dir(suite.join("bundle-verify"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.join("key.pub").exists())
        .collect();
    dirs.sort();
    let (mut compared, mut disagreements) = (0, Vec::new());
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let text = |f: &str, default: &str| {
            std::fs::read_to_string(dir.join(f))
                .map(|s| s.trim().to_owned())
                .unwrap_or_else(|_| default.to_owned())
        };
        let identity = text("identity", CONFORMANCE_IDENTITY);
        let issuer = text("issuer", CONFORMANCE_ISSUER);
        let root_json = std::fs::read(dir.join("trusted_root.json"))
            .unwrap_or_else(|_| std::fs::read(suite.join("production.trusted_root.json")).unwrap());
        let artifact = std::fs::read(dir.join("artifact"))
            .unwrap_or_else(|_| std::fs::read(suite.join("a.txt")).unwrap());
        let bundle_json = std::fs::read(dir.join("bundle.sigstore.json")).unwrap();
        let ours = (|| {
            let root = OurRoot::from_json(&root_json).map_err(|e| e.to_string())?;
            let bundle = Bundle::parse(&bundle_json).map_err(|e| e.to_string())?;
            let policy = VerificationPolicy::identity(CertificateIdentity::new(
                StringMatcher::exact(identity.clone()),
                StringMatcher::exact(issuer.clone()),
            ));
            bundle
                .verify(&policy, ArtifactInput::Bytes(&artifact), &root)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })();
        let theirs = (|| {
            let root =
                TrustedRoot::from_json(std::str::from_utf8(&root_json).map_err(|e| e.to_string())?)
                    .map_err(|e| e.to_string())?;
            let bundle = TheirBundle::from_json(
                std::str::from_utf8(&bundle_json).map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?;
            let policy =
                sigstore_verify::VerificationPolicy::new(identity.as_str(), issuer.as_str());
            sigstore_verify::verify(artifact.as_slice(), &bundle, &policy, &root)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })();
        compared += 1;
        if ours.is_ok() != theirs.is_ok() {
            println!("DISAGREE {name}: ours {ours:?}, sigstore-rust {theirs:?}");
            disagreements.push(name);
        }
    }
    println!(
        "keyless conformance cases compared with sigstore-rust: {compared}, disagreements: {}",
        disagreements.len()
    );
    let known: Vec<&str> = THEIR_KNOWN_DISAGREEMENTS.iter().map(|(n, _)| *n).collect();
    assert!(compared >= 60, "{compared}");
    assert_eq!(disagreements, known);
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Sigstore bundles and Rekor entries: real bundles from sigstore-python (verbatim, under
//! tests/vectors/sigstore/), bundles written by our own code (round trip + full offline
//! verification), and tampering.

use std::sync::Arc;

use stella_attest::keys::{LocalSigner, PrivateKey, PublicKey, SystemRandom};
use stella_attest::transparency::TransparencyError;
use stella_attest::transparency::bundle::{
    Bundle, BundleContent, BundleVersion, MessageSignature, TransparencyLogEntry, TrustRoot,
    VerifiedContent, key_based_bundle,
};
use stella_attest::transparency::merkle;
use stella_attest::transparency::note::{Checkpoint, NoteSigner};
use stella_attest::transparency::rekor::{
    BodySignature, DsseV001, EntryBody, HashedRekord, LogEntry, RekorHash, RekorLogKey,
};
use stella_attest::transparency::testing::{self, TestRekor};
use stella_core::{Digest, SignatureAlgorithm};

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/sigstore/").to_owned() + name,
    )
    .unwrap()
}

fn signer(alg: SignatureAlgorithm) -> LocalSigner<SystemRandom> {
    let rng = SystemRandom::new();
    LocalSigner::new(PrivateKey::generate(alg, &rng).unwrap(), rng).unwrap()
}

// ---------------------------------------------------------------- real bundles

#[test]
fn sigstore_python_bundle_parses_and_its_log_entry_verifies_offline() {
    let bytes = vector("new_bundle.txt.sigstore.json");
    let artifact = vector("new_bundle.txt");
    let bundle = Bundle::parse(&bytes).unwrap();
    assert_eq!(bundle.version().unwrap(), BundleVersion::V0_3);
    assert!(!bundle.is_key_based());
    let entry = &bundle.verification_material.tlog_entries[0];
    assert_eq!(entry.log_index, 2_574_120_827);
    assert_eq!(entry.kind_version.kind, "hashedrekord");
    let proof = entry.inclusion_proof.as_ref().unwrap();
    assert_eq!(proof.tree_size, 2_452_216_574);
    assert_eq!(proof.hashes.len(), 19);

    let trust = TrustRoot::from_trusted_root_json(&vector("trustedroot.v1.json")).unwrap();
    assert_eq!(trust.logs().len(), 1, "the empty Ed25519 key is skipped");
    // The production Rekor log id is the SHA-256 of its key's SPKI.
    assert_eq!(
        trust.logs()[0].log_id().as_slice(),
        entry.log_id.key_id.as_slice()
    );

    let verified = bundle.verify_transparency(Some(&artifact), &trust).unwrap();
    assert_eq!(verified.log_entries.len(), 1);
    let e = &verified.log_entries[0];
    assert!(e.set_verified);
    let cp = e.checkpoint.as_ref().unwrap();
    assert_eq!(cp.origin, "rekor.sigstore.dev - 1193050959916656506");
    assert_eq!(cp.size, 2_452_216_574);
    // Without the artifact, the bundle's own message digest is what the body must record.
    bundle.verify_transparency(None, &trust).unwrap();

    // Keyless: never a pass from the full verification.
    let some_key = signer(SignatureAlgorithm::EcdsaP256Sha256);
    assert!(matches!(
        bundle.verify_with_key(some_key.public_key(), Some(&artifact), &trust),
        Err(TransparencyError::NotSupported { .. })
    ));
}

#[test]
fn sigstore_rs_dsse_bundle_parses_and_its_log_entry_verifies_offline() {
    let bundle = Bundle::parse(&vector("dsse_v001_bundle.sigstore.json")).unwrap();
    assert_eq!(bundle.version().unwrap(), BundleVersion::V0_3);
    let env = bundle.dsse_envelope.as_ref().unwrap();
    assert_eq!(env.payload_type, "application/vnd.in-toto+json");
    assert_eq!(
        bundle.verification_material.tlog_entries[0]
            .kind_version
            .kind,
        "dsse"
    );
    let trust = TrustRoot::from_trusted_root_json(&vector("trustedroot.v1.json")).unwrap();
    let v = bundle.verify_transparency(None, &trust).unwrap();
    let e = &v.log_entries[0];
    assert_eq!(e.log_index, 456_061_810);
    assert!(e.set_verified);
    assert!(matches!(e.body, EntryBody::Dsse(_)));
    assert_eq!(e.checkpoint.as_ref().unwrap().size, 334_157_555);

    // A payload other than the logged one.
    let mut b = bundle.clone();
    b.dsse_envelope.as_mut().unwrap().payload.push(b' ');
    assert!(matches!(
        b.verify_transparency(None, &trust),
        Err(TransparencyError::Mismatch { .. })
    ));
    // Keyless: never a pass.
    let key = signer(SignatureAlgorithm::EcdsaP256Sha256);
    assert!(matches!(
        bundle.verify_with_key(key.public_key(), None, &trust),
        Err(TransparencyError::NotSupported { .. })
    ));
}

#[test]
fn sigstore_python_v0_2_bundle_without_checkpoint_is_refused() {
    // sigstore-python's negative vector: a v0.2 bundle (certificate chain, staging Rekor) whose
    // inclusion proof has no checkpoint, which v0.2 requires.
    let bytes = vector("bundle_no_checkpoint.txt.sigstore");
    assert!(matches!(
        Bundle::parse(&bytes),
        Err(TransparencyError::MissingField {
            field: "checkpoint",
            ..
        })
    ));
    // Read as v0.1 (SET only) the same content parses, with its chain and proof intact.
    let as_v01 = String::from_utf8(bytes)
        .unwrap()
        .replace("version=0.2", "version=0.1");
    let b = Bundle::parse(as_v01.as_bytes()).unwrap();
    assert_eq!(b.version().unwrap(), BundleVersion::V0_1);
    let chain = b
        .verification_material
        .x509_certificate_chain
        .as_ref()
        .unwrap();
    assert_eq!(chain.certificates.len(), 1);
    let entry = b.verification_material.tlog_entries[0]
        .to_log_entry()
        .unwrap();
    let proof = entry.inclusion_proof.as_ref().unwrap();
    // The proof is genuine: it leads to the recorded root.
    merkle::verify_inclusion(
        &entry.leaf_hash(),
        proof.log_index,
        proof.tree_size,
        &proof.hashes,
        &proof.root_hash,
    )
    .unwrap();
    // The staging log is not in the production trust root.
    let trust = TrustRoot::from_trusted_root_json(&vector("trustedroot.v1.json")).unwrap();
    assert!(matches!(
        b.verify_transparency(None, &trust),
        Err(TransparencyError::UnknownLog { .. })
    ));
}

#[test]
fn sigstore_python_bundle_tampering_fails() {
    let bytes = vector("new_bundle.txt.sigstore.json");
    let artifact = vector("new_bundle.txt");
    let trust = TrustRoot::from_trusted_root_json(&vector("trustedroot.v1.json")).unwrap();
    let good = Bundle::parse(&bytes).unwrap();

    // Another artifact.
    assert!(good.verify_transparency(Some(b"other"), &trust).is_err());

    // A flipped inclusion proof hash.
    let mut b = good.clone();
    b.verification_material.tlog_entries[0]
        .inclusion_proof
        .as_mut()
        .unwrap()
        .hashes[3][0] ^= 1;
    assert!(matches!(
        b.verify_transparency(Some(&artifact), &trust),
        Err(TransparencyError::RootMismatch { .. })
    ));

    // A different integrated time breaks the SET.
    let mut b = good.clone();
    b.verification_material.tlog_entries[0].integrated_time += 1;
    assert!(matches!(
        b.verify_transparency(Some(&artifact), &trust),
        Err(TransparencyError::BadSignature {
            what: "signed entry timestamp",
            ..
        })
    ));

    // A checkpoint for another size.
    let mut b = good.clone();
    let cp = b.verification_material.tlog_entries[0]
        .inclusion_proof
        .as_mut()
        .unwrap()
        .checkpoint
        .as_mut()
        .unwrap();
    cp.envelope = cp.envelope.replace("\n2452216574\n", "\n2452216575\n");
    assert!(matches!(
        b.verify_transparency(Some(&artifact), &trust),
        Err(TransparencyError::BadSignature {
            what: "signed note",
            ..
        })
    ));

    // A signature other than the logged one.
    let mut b = good.clone();
    b.message_signature.as_mut().unwrap().signature[10] ^= 1;
    assert!(matches!(
        b.verify_transparency(Some(&artifact), &trust),
        Err(TransparencyError::Mismatch { .. })
    ));

    // An untrusted log.
    let other_log = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let other_trust = TrustRoot::new(vec![RekorLogKey::from_public_key(other_log.public_key())]);
    assert!(matches!(
        good.verify_transparency(Some(&artifact), &other_trust),
        Err(TransparencyError::UnknownLog { .. })
    ));

    // A body re-encoded non-canonically (the same JSON with a space) is a different entry.
    let mut b = good.clone();
    let body = &mut b.verification_material.tlog_entries[0].canonicalized_body;
    body.splice(1..1, *b" ");
    assert!(matches!(
        b.verify_transparency(Some(&artifact), &trust),
        Err(TransparencyError::NotCanonical { .. })
    ));
}

#[test]
fn bad_bundles_are_typed_errors() {
    let good = String::from_utf8(vector("new_bundle.txt.sigstore.json")).unwrap();
    for (bad, what) in [
        (
            good.replace("bundle.v0.3+json", "bundle.v9+json"),
            "media type",
        ),
        (
            good.replace(
                "\"messageSignature\"",
                "\"dsseEnvelope\":{},\"messageSignature\"",
            ),
            "two contents",
        ),
        (
            good.replace(
                "\"certificate\":{",
                "\"publicKey\":{\"hint\":\"x\"},\"certificate\":{",
            ),
            "two materials",
        ),
        (
            good.replace("\"mediaType\"", "\"mediaType\":\"x\",\"mediaType\""),
            "duplicate key",
        ),
        (
            good.replace("\"logIndex\":\"2574120827\"", "\"logIndex\":\"-1\""),
            "negative index",
        ),
        (
            good.replace("\"logIndex\":\"2574120827\"", "\"logIndex\":\"x\""),
            "non-numeric int64",
        ),
        (
            good.replace(",\"checkpoint\":{", ",\"checkpointX\":{"),
            "v0.3 without checkpoint",
        ),
        (good[..good.len() / 2].to_owned(), "truncated"),
    ] {
        let r = Bundle::parse(bad.as_bytes()).and_then(|b| {
            b.verification_material.tlog_entries[0]
                .to_log_entry()
                .map(|_| b)
        });
        assert!(r.is_err(), "{what} accepted");
    }
}

// ---------------------------------------------------------------- our own bundles

fn message_bundle(
    author: &LocalSigner<SystemRandom>,
    rekor: &mut TestRekor,
    artifact: &[u8],
) -> Bundle {
    testing::message_bundle(author, rekor, artifact, |s| s).unwrap()
}

fn dsse_bundle(
    author: &LocalSigner<SystemRandom>,
    rekor: &mut TestRekor,
    payload: &[u8],
) -> Bundle {
    dsse_bundle_with(
        author,
        rekor,
        "application/vnd.in-toto+json",
        payload,
        |s| s,
    )
}

fn dsse_bundle_with(
    author: &LocalSigner<SystemRandom>,
    rekor: &mut TestRekor,
    payload_type: &str,
    payload: &[u8],
    adjust: fn(Vec<u8>) -> Vec<u8>,
) -> Bundle {
    testing::dsse_bundle(author, rekor, payload_type, payload, adjust).unwrap()
}

#[test]
fn our_message_signature_bundle_round_trips_and_verifies() {
    for (author_alg, log_alg) in [
        (
            SignatureAlgorithm::EcdsaP256Sha256,
            SignatureAlgorithm::EcdsaP256Sha256,
        ),
        (
            SignatureAlgorithm::Ed25519,
            SignatureAlgorithm::EcdsaP256Sha256,
        ),
        (
            SignatureAlgorithm::EcdsaP256Sha256,
            SignatureAlgorithm::Ed25519,
        ),
    ] {
        let author = signer(author_alg);
        let mut rekor = TestRekor::generate(log_alg).unwrap();
        let artifact = b"stella release 1.0";
        let bundle = message_bundle(&author, &mut rekor, artifact);
        let json = bundle.to_json().unwrap();
        // proto3 JSON: lowerCamelCase and int64 as strings.
        let text = String::from_utf8(json.clone()).unwrap();
        assert!(text.contains("\"logIndex\": \"2\""), "{text}");
        assert!(text.contains("\"verificationMaterial\""));
        let parsed = Bundle::parse(&json).unwrap();
        assert_eq!(parsed, bundle);
        assert_eq!(parsed.to_json().unwrap(), json, "writing is deterministic");

        let trust = TrustRoot::new(vec![rekor.log_key()]);
        let v = parsed
            .verify_with_key(author.public_key(), Some(artifact), &trust)
            .unwrap();
        assert_eq!(
            v.content,
            VerifiedContent::Artifact {
                digest: Digest::of(artifact)
            }
        );
        assert_eq!(v.log_entries[0].log_index, 2);
        assert!(v.log_entries[0].set_verified);

        // Wrong artifact, wrong key, missing artifact.
        assert!(
            parsed
                .verify_with_key(author.public_key(), Some(b"x"), &trust)
                .is_err()
        );
        let other = signer(author_alg);
        assert!(matches!(
            parsed.verify_with_key(other.public_key(), Some(artifact), &trust),
            Err(TransparencyError::BadSignature { .. })
        ));
        assert!(matches!(
            parsed.verify_with_key(author.public_key(), None, &trust),
            Err(TransparencyError::MissingField { .. })
        ));
        // No log entry: refused.
        let mut bare = parsed.clone();
        bare.verification_material.tlog_entries.clear();
        assert!(matches!(
            bare.verify_with_key(author.public_key(), Some(artifact), &trust),
            Err(TransparencyError::MissingField {
                field: "tlogEntries",
                ..
            })
        ));
    }
}

#[test]
fn a_logged_entry_for_another_key_is_refused() {
    // The signature verifies under the caller's key, but the log entry records another key:
    // the bundle must not verify.
    let author = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let impostor = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let mut rekor = TestRekor::generate(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let artifact = b"a";
    let signature = author.sign(artifact).unwrap();
    let body = EntryBody::HashedRekord(HashedRekord::new(
        Digest::of(artifact),
        signature.clone(),
        impostor.public_key().to_pem().into_bytes(),
    ))
    .to_canonical_bytes()
    .unwrap();
    let entry = rekor.log(body, 1, 1).unwrap();
    let bundle = key_based_bundle(
        "",
        BundleContent::MessageSignature(MessageSignature {
            message_digest: None,
            signature,
        }),
        vec![TransparencyLogEntry::from_log_entry(&entry).unwrap()],
    );
    let trust = TrustRoot::new(vec![rekor.log_key()]);
    assert!(matches!(
        bundle.verify_with_key(author.public_key(), Some(artifact), &trust),
        Err(TransparencyError::Mismatch {
            field: "public key",
            ..
        })
    ));
}

#[test]
fn our_dsse_bundle_round_trips_and_verifies() {
    let author = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let mut rekor = TestRekor::generate(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let payload = br#"{"_type":"https://in-toto.io/Statement/v1"}"#;
    let bundle = dsse_bundle(&author, &mut rekor, payload);
    let parsed = Bundle::parse(&bundle.to_json().unwrap()).unwrap();
    let trust = TrustRoot::new(vec![rekor.log_key()]);
    let v = parsed
        .verify_with_key(author.public_key(), None, &trust)
        .unwrap();
    assert!(
        matches!(v.content, VerifiedContent::Dsse(ref e) if e.payload_type() == "application/vnd.in-toto+json" && e.key_ids() == [author.key_id().to_owned()])
    );

    // Payload swapped after logging: the signature fails first.
    let mut b = parsed.clone();
    b.dsse_envelope.as_mut().unwrap().payload = b"{}".to_vec();
    assert!(
        b.verify_with_key(author.public_key(), None, &trust)
            .is_err()
    );
    // Two signatures: a Sigstore bundle has exactly one.
    let mut b = parsed.clone();
    let s = b.dsse_envelope.as_ref().unwrap().signatures[0].clone();
    b.dsse_envelope.as_mut().unwrap().signatures.push(s);
    assert!(matches!(
        b.verify_with_key(author.public_key(), None, &trust),
        Err(TransparencyError::InvalidField { .. })
    ));
}

#[test]
fn bundle_versions_enforce_their_requirements() {
    let author = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let mut rekor = TestRekor::generate(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let artifact = b"versions";
    let bundle = message_bundle(&author, &mut rekor, artifact);
    let trust = TrustRoot::new(vec![rekor.log_key()]);

    // v0.1 with only the SET (no proof) verifies.
    let mut v01 = bundle.clone();
    v01.media_type = "application/vnd.dev.sigstore.bundle+json;version=0.1".into();
    v01.verification_material.tlog_entries[0].inclusion_proof = None;
    let v01 = Bundle::parse(&v01.to_json().unwrap()).unwrap();
    v01.verify_with_key(author.public_key(), Some(artifact), &trust)
        .unwrap();

    // v0.2 without an inclusion proof is refused at parse time.
    let mut v02 = v01.clone();
    v02.media_type = "application/vnd.dev.sigstore.bundle+json;version=0.2".into();
    assert!(matches!(
        Bundle::parse(&v02.to_json().unwrap()),
        Err(TransparencyError::MissingField {
            field: "inclusionProof",
            ..
        })
    ));

    // v0.1 without a SET is refused at parse time.
    let mut no_set = bundle.clone();
    no_set.media_type = "application/vnd.dev.sigstore.bundle+json;version=0.1".into();
    no_set.verification_material.tlog_entries[0].inclusion_promise = None;
    assert!(Bundle::parse(&no_set.to_json().unwrap()).is_err());

    // v0.3 with only the proof + checkpoint (no SET) verifies.
    let mut no_set = bundle.clone();
    no_set.verification_material.tlog_entries[0].inclusion_promise = None;
    let no_set = Bundle::parse(&no_set.to_json().unwrap()).unwrap();
    let v = no_set
        .verify_with_key(author.public_key(), Some(artifact), &trust)
        .unwrap();
    assert!(!v.log_entries[0].set_verified);
}

#[test]
fn rekor_api_entry_json_parses_and_verifies() {
    let author = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let mut rekor = TestRekor::generate(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let artifact = b"api";
    let sig = author.sign(artifact).unwrap();
    let body = EntryBody::HashedRekord(HashedRekord::new(
        Digest::of(artifact),
        sig.clone(),
        author.public_key().to_pem().into_bytes(),
    ))
    .to_canonical_bytes()
    .unwrap();
    let entry = rekor.log(body.clone(), 3, 3).unwrap();
    let proof = entry.inclusion_proof.as_ref().unwrap();
    let api = serde_json::json!({
        "24296fb24b8ad77a": {
            "body": base64_encode(&body),
            "integratedTime": entry.integrated_time,
            "logID": hex::encode(entry.log_id),
            "logIndex": entry.log_index,
            "verification": {
                "inclusionProof": {
                    "checkpoint": proof.checkpoint,
                    "hashes": proof.hashes.iter().map(|h| hex::encode(h.0)).collect::<Vec<_>>(),
                    "logIndex": proof.log_index,
                    "rootHash": hex::encode(proof.root_hash.0),
                    "treeSize": proof.tree_size,
                },
                "signedEntryTimestamp": base64_encode(entry.signed_entry_timestamp.as_ref().unwrap()),
            }
        }
    });
    let parsed = LogEntry::from_api_json(serde_json::to_vec(&api).unwrap().as_slice()).unwrap();
    assert_eq!(parsed, entry);
    let v = parsed.verify(&rekor.log_key(), true).unwrap();
    v.body
        .check_artifact(&Digest::of(artifact), &sig, author.public_key().spki_der())
        .unwrap();
    // The SET covers logIndex.
    let mut moved = parsed.clone();
    moved.log_index += 1;
    assert!(moved.verify(&rekor.log_key(), true).is_err());
    // A checkpoint signed by another key.
    let other = TestRekor::generate(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let mut forged = parsed.clone();
    let p = forged.inclusion_proof.as_mut().unwrap();
    p.checkpoint = Some(
        Checkpoint::new("rekor.test - 42", p.tree_size, p.root_hash)
            .sign(&[NoteSigner::new("rekor.test", other.signer()).unwrap()])
            .unwrap()
            .0,
    );
    assert!(matches!(
        forged.verify(&rekor.log_key(), true),
        Err(TransparencyError::NoTrustedSignature { .. })
    ));
}

#[test]
fn rekor_bodies_round_trip_canonically() {
    let pem = b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".to_vec();
    let bodies = [
        EntryBody::HashedRekord(HashedRekord::new(
            Digest::of(b"x"),
            vec![1, 2, 3],
            pem.clone(),
        )),
        EntryBody::Dsse(DsseV001 {
            envelope_hash: Some(RekorHash::sha256(&Digest::of(b"e"))),
            payload_hash: Some(RekorHash::sha256(&Digest::of(b"p"))),
            signatures: vec![BodySignature {
                signature: vec![9; 64],
                verifier_pem: pem.clone(),
            }],
        }),
        EntryBody::Intoto(stella_attest::transparency::rekor::IntotoV002 {
            payload_type: "application/vnd.in-toto+json".into(),
            signatures: vec![BodySignature {
                signature: vec![7; 70],
                verifier_pem: pem,
            }],
            envelope_hash: Some(RekorHash::sha256(&Digest::of(b"e"))),
            payload_hash: Some(RekorHash::sha256(&Digest::of(b"p"))),
        }),
    ];
    for body in bodies {
        let bytes = body.to_canonical_bytes().unwrap();
        assert!(stella_core::canonical::is_canonical(&bytes));
        assert_eq!(EntryBody::parse(&bytes).unwrap(), body);
    }
    // Unsupported kinds and versions.
    let rekord = br#"{"apiVersion":"0.0.1","kind":"rekord","spec":{}}"#;
    assert!(matches!(
        EntryBody::parse(rekord),
        Err(TransparencyError::UnsupportedEntryKind { .. })
    ));
    let old = br#"{"apiVersion":"0.0.1","kind":"intoto","spec":{}}"#;
    assert!(matches!(
        EntryBody::parse(old),
        Err(TransparencyError::UnsupportedEntryKind { .. })
    ));
    // Not canonical.
    let spaced = br#"{"kind":"rekord","apiVersion":"0.0.1","spec":{}}"#;
    assert!(matches!(
        EntryBody::parse(spaced),
        Err(TransparencyError::NotCanonical { .. })
    ));
}

#[test]
fn log_key_from_public_key_matches_spki_hash() {
    let k = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let pk: &PublicKey = k.public_key();
    let log = RekorLogKey::new(pk.spki_der(), Arc::new(pk.clone()));
    assert_eq!(hex::encode(log.log_id()), Digest::of(pk.spki_der()).hex());
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn high_s(sig: Vec<u8>) -> Vec<u8> {
    use p256::elliptic_curve::PrimeField as _;
    let parsed = p256::ecdsa::Signature::from_der(&sig).unwrap();
    let (r, s) = parsed.split_scalars();
    let neg = -*s;
    let flipped = p256::ecdsa::Signature::from_scalars(r.to_repr(), neg.to_repr()).unwrap();
    assert_ne!(flipped.normalize_s(), flipped);
    flipped.to_der().as_bytes().to_vec()
}

fn in_toto_statement(subject: &[u8]) -> Vec<u8> {
    stella_attest::statement::Statement::builder()
        .subject("app", Digest::of(subject))
        .raw_predicate("https://example.com/p/v1", serde_json::json!({}))
        .build()
        .unwrap()
        .to_payload()
        .unwrap()
}

#[test]
fn an_artifact_given_with_a_dsse_bundle_must_be_a_subject_never_ignored() {
    let author = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let mut rekor = TestRekor::generate(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let artifact = b"the artifact";
    let bundle = dsse_bundle(&author, &mut rekor, &in_toto_statement(artifact));
    let trust = TrustRoot::new(vec![rekor.log_key()]);
    bundle
        .verify_with_key(author.public_key(), Some(artifact), &trust)
        .unwrap();
    // Another artifact: not a subject.
    assert!(matches!(
        bundle.verify_with_key(author.public_key(), Some(b"another"), &trust),
        Err(TransparencyError::ArtifactNotSubject { artifact, .. }) if artifact == Digest::of(b"another")
    ));
    // The same on the transparency-only path (a real keyless DSSE bundle, sigstore-rs).
    let keyless = Bundle::parse(&vector("dsse_v001_bundle.sigstore.json")).unwrap();
    let production = TrustRoot::from_trusted_root_json(&vector("trustedroot.v1.json")).unwrap();
    keyless.verify_transparency(None, &production).unwrap();
    assert!(matches!(
        keyless.verify_transparency(Some(b"another"), &production),
        Err(TransparencyError::ArtifactNotSubject { .. })
    ));
    // An envelope of another payload type names no subjects: an artifact cannot be checked.
    let other = dsse_bundle_with(
        &author,
        &mut rekor,
        "application/vnd.example+json",
        &in_toto_statement(artifact),
        |s| s,
    );
    other
        .verify_with_key(author.public_key(), None, &trust)
        .unwrap();
    assert!(matches!(
        other.verify_with_key(author.public_key(), Some(artifact), &trust),
        Err(TransparencyError::Mismatch { .. })
    ));
}

#[test]
fn a_dsse_bundle_content_takes_the_statement_policy() {
    use stella_attest::AttestError;
    use stella_attest::statement::{StatementError, StatementPolicy};
    let author = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let other = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let mut rekor = TestRekor::generate(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let bundle = dsse_bundle(&author, &mut rekor, &in_toto_statement(b"a"));
    let trust = TrustRoot::new(vec![rekor.log_key()]);
    let v = bundle
        .verify_with_key(author.public_key(), None, &trust)
        .unwrap();
    assert_eq!(v.key_id, author.key_id());
    let VerifiedContent::Dsse(envelope) = &v.content else {
        panic!("not a DSSE content: {:?}", v.content);
    };
    let base = || StatementPolicy::new().allow_predicate_type("https://example.com/p/v1");
    let ok = base()
        .expect_subject(Digest::of(b"a"))
        .require_signer(author.key_id())
        .check(envelope)
        .unwrap();
    assert_eq!(ok.key_ids(), [author.key_id().to_owned()]);
    assert!(matches!(
        base().expect_subject(Digest::of(b"b")).check(envelope),
        Err(AttestError::Statement(
            StatementError::SubjectMismatch { .. }
        ))
    ));
    assert!(matches!(
        base().require_signer(other.key_id()).check(envelope),
        Err(AttestError::Statement(StatementError::MissingSigner { .. }))
    ));
    assert!(matches!(
        StatementPolicy::new()
            .allow_predicate_type("https://slsa.dev/provenance/v1")
            .check(envelope),
        Err(AttestError::Statement(
            StatementError::PredicateTypeNotAllowed { .. }
        ))
    ));
}

#[test]
fn strict_bundle_verification_refuses_high_s() {
    let author = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let mut rekor = TestRekor::generate(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let trust = TrustRoot::new(vec![rekor.log_key()]);
    let low = dsse_bundle(&author, &mut rekor, &in_toto_statement(b"a"));
    low.verify_with_key_strict(author.public_key(), None, &trust)
        .unwrap();
    let high = dsse_bundle_with(
        &author,
        &mut rekor,
        "application/vnd.in-toto+json",
        &in_toto_statement(b"a"),
        high_s,
    );
    high.verify_with_key(author.public_key(), None, &trust)
        .unwrap();
    assert!(matches!(
        high.verify_with_key_strict(author.public_key(), None, &trust),
        Err(TransparencyError::HighS {
            what: "DSSE envelope",
            ..
        })
    ));
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! in-toto subjects with any DigestSet algorithm, matching on the strongest common algorithm,
//! and predicates that must be objects.

use stella_attest::AttestError;
use stella_attest::dsse::{Envelope, Keyring};
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_attest::statement::{
    ArtifactDigests, MATCH_ALGORITHMS, Statement, StatementError, StatementPolicy, Subject,
};
use stella_core::{Digest, SignatureAlgorithm};

fn statement(
    subjects: serde_json::Value,
    predicate: Option<serde_json::Value>,
) -> Result<Statement, AttestError> {
    let mut v = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": subjects,
        "predicateType": "https://slsa.dev/provenance/v1",
    });
    if let Some(p) = predicate {
        v["predicate"] = p;
    }
    Statement::from_json(&serde_json::to_vec(&v).unwrap())
}

fn err(r: Result<Statement, AttestError>) -> StatementError {
    match r {
        Err(AttestError::Statement(e)) => e,
        other => panic!("expected a statement error, got {other:?}"),
    }
}

#[test]
fn every_specified_algorithm_parses_and_unknown_ones_are_kept() {
    let h = |n: usize| "a1".repeat(n / 2);
    let set = serde_json::json!({
        "sha224": h(56), "sha256": h(64), "sha384": h(96), "sha512": h(128),
        "sha512_224": h(56), "sha512_256": h(64), "sha3_224": h(56), "sha3_256": h(64),
        "sha3_384": h(96), "sha3_512": h(128), "shake128": h(64), "shake256": h(128),
        "blake2b": h(128), "blake2s": h(64), "ripemd160": h(40), "sm3": h(64), "gost": h(64),
        "sha1": h(40), "md5": h(32), "dirHash": h(64), "goModuleH1": h(64),
        "gitCommit": h(40), "gitTree": h(64), "gitBlob": h(40), "gitTag": h(64),
        "somecoolhash": "Not-Hex/Any+Thing=",
    });
    let st = statement(serde_json::json!([{"name": "x", "digest": set}]), None).unwrap();
    assert_eq!(st.subjects()[0].digest.len(), 26);
    assert_eq!(
        st.subjects()[0].digest["somecoolhash"],
        "Not-Hex/Any+Thing="
    );
    // Round trip keeps every entry.
    let again = Statement::from_json(&st.to_payload().unwrap()).unwrap();
    assert_eq!(again.subjects(), st.subjects());
}

#[test]
fn specified_algorithms_need_lowercase_hex_of_their_length() {
    for (alg, value) in [
        ("sha512", "ab".repeat(32)),    // sha256's length
        ("sha384", "AB".repeat(48)),    // uppercase
        ("sha3_256", "zz".repeat(32)),  // not hex
        ("gitCommit", "ab".repeat(21)), // neither SHA-1 nor SHA-256 length
        ("shake256", "abc".to_owned()), // odd
        ("dirHash", String::new()),     // empty
        ("sha1", "ab".repeat(32)),
    ] {
        let e = err(statement(
            serde_json::json!([{"digest": {alg: value}}]),
            None,
        ));
        assert!(
            matches!(e, StatementError::BadDigest { index: 0, .. }),
            "{alg}: {e}"
        );
    }
    assert!(matches!(
        err(statement(serde_json::json!([{"digest": {}}]), None)),
        StatementError::EmptyDigestSet { index: 0 }
    ));
}

#[test]
fn predicate_must_be_an_object() {
    let subjects = serde_json::json!([{"digest": {"sha256": "ab".repeat(32)}}]);
    for (p, kind) in [
        (serde_json::json!("text"), "string"),
        (serde_json::json!([1]), "array"),
        (serde_json::json!(3), "number"),
        (serde_json::json!(true), "boolean"),
    ] {
        assert_eq!(
            err(statement(subjects.clone(), Some(p))),
            StatementError::PredicateNotObject { kind }
        );
    }
    statement(subjects.clone(), Some(serde_json::json!({}))).unwrap();
    statement(subjects.clone(), Some(serde_json::Value::Null)).unwrap();
    statement(subjects, None).unwrap();
    // The builder refuses it too.
    let built = Statement::builder()
        .subject("x", Digest::of(b"x"))
        .raw_predicate("https://p/1", serde_json::json!("text"))
        .build();
    assert!(matches!(
        built,
        Err(AttestError::Statement(StatementError::PredicateNotObject {
            kind: "string"
        }))
    ));
}

#[test]
fn matching_uses_the_strongest_common_algorithm_only() {
    let bytes = b"the artifact";
    let a = ArtifactDigests::of(bytes);
    let sha256 = a.get("sha256").unwrap().to_owned();
    let sha512 = a.get("sha512").unwrap().to_owned();
    let other512 = ArtifactDigests::of(b"other")
        .get("sha512")
        .unwrap()
        .to_owned();
    let subject = |digest: serde_json::Value| -> Subject {
        serde_json::from_value(serde_json::json!({"digest": digest})).unwrap()
    };
    // sha512 only (npm provenance).
    let npm = subject(serde_json::json!({"sha512": sha512}));
    assert!(npm.matches(&a));
    assert_eq!(npm.strongest_common(&a), Some("sha512"));
    assert!(!npm.matches(&ArtifactDigests::from(Digest::of(bytes))));
    // Both, consistent: matches on sha512.
    assert!(subject(serde_json::json!({"sha256": sha256, "sha512": sha512})).matches(&a));
    // Both, the sha512 of another artifact: no match, even though sha256 agrees.
    let mixed = subject(serde_json::json!({"sha256": sha256, "sha512": other512}));
    assert!(!mixed.matches(&a));
    // ...but an artifact known by sha256 only is compared on sha256.
    assert!(mixed.matches(&ArtifactDigests::from(Digest::of(bytes))));
    // Weak and unknown algorithms are never matched on.
    let sha1 = subject(serde_json::json!({"sha1": "ab".repeat(20), "x-custom": "abc"}));
    assert_eq!(sha1.strongest_common(&a), None);
    assert!(!sha1.matches(&a));
    // The order.
    assert_eq!(MATCH_ALGORITHMS.first(), Some(&"sha512"));
    assert!(
        MATCH_ALGORITHMS.iter().position(|a| *a == "sha384")
            < MATCH_ALGORITHMS.iter().position(|a| *a == "sha256")
    );
}

#[test]
fn artifact_digests_parse() {
    let d = Digest::of(b"x");
    let a = ArtifactDigests::parse(&format!("sha256:{}", d.hex().to_uppercase())).unwrap();
    assert_eq!(a, ArtifactDigests::from(d));
    assert_eq!(a.strongest(), d.to_string());
    for bad in [
        "sha256",
        "md5:00112233445566778899aabbccddeeff",
        "sha512:abcd",
        "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "sha3_256:",
    ] {
        assert!(matches!(
            ArtifactDigests::parse(bad),
            Err(StatementError::BadArtifactDigest { .. })
        ));
    }
}

#[test]
fn policy_expects_an_artifact_by_sha512() {
    let tarball = b"npm package tarball";
    let a = ArtifactDigests::of(tarball);
    let signer = LocalSigner::new(
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &SystemRandom::new()).unwrap(),
        SystemRandom::new(),
    )
    .unwrap();
    let mut keyring = Keyring::new();
    keyring.add(signer.public_key().clone()).unwrap();
    let subject: Subject = serde_json::from_value(serde_json::json!({
        "name": "pkg:npm/example@1.0.0",
        "digest": {"sha512": a.get("sha512").unwrap()},
    }))
    .unwrap();
    let st = Statement::builder()
        .subject_digests(subject)
        .raw_predicate(
            "https://slsa.dev/provenance/v1",
            serde_json::json!({"buildDefinition": {}}),
        )
        .build()
        .unwrap();
    let env = Envelope::from_json(&st.sign(&[&signer]).unwrap().to_json().unwrap()).unwrap();
    let policy = StatementPolicy::new().allow_predicate_type("https://slsa.dev/provenance/v1");
    policy
        .clone()
        .expect_artifact(a)
        .verify(&env, &keyring)
        .unwrap();
    let e = policy
        .clone()
        .expect_artifact(ArtifactDigests::of(b"tampered tarball"))
        .verify(&env, &keyring)
        .unwrap_err();
    assert!(
        matches!(
            e,
            AttestError::Statement(StatementError::ArtifactMismatch { .. })
        ),
        "{e}"
    );
    // expect_subject (sha256) has nothing to compare with a sha512-only subject.
    let e = policy
        .expect_subject(Digest::of(tarball))
        .verify(&env, &keyring)
        .unwrap_err();
    assert!(
        matches!(
            e,
            AttestError::Statement(StatementError::SubjectMismatch { .. })
        ),
        "{e}"
    );
}

#[test]
fn sha256_subjects_behave_as_before() {
    let d = Digest::of(b"image");
    let st = Statement::builder()
        .subject("b", Digest::of(b"other"))
        .subject("a", d)
        .raw_predicate("https://p/1", serde_json::json!({}))
        .build()
        .unwrap();
    assert!(st.has_subject(&d));
    assert!(!st.has_subject(&Digest::of(b"nope")));
    assert_eq!(st.subjects()[0].name.as_deref(), Some("a"));
    assert_eq!(st.subjects()[0].sha256(), Some(d));
}

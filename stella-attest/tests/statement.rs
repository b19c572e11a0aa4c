#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! in-toto statements: builder, canonical payload, legacy v0.1, predicates, verification policy.

use stella_attest::AttestError;
use stella_attest::dsse::{DsseError, Envelope, Keyring, PAYLOAD_TYPE_IN_TOTO};
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_attest::predicates::*;
use stella_attest::statement::{
    STATEMENT_V01, Statement, StatementError, StatementPolicy, StatementVersion, Subject,
};
use stella_core::{Digest, JsonError, SignatureAlgorithm, Timestamp};

fn signer(alg: SignatureAlgorithm) -> LocalSigner<SystemRandom> {
    let key = PrivateKey::generate(alg, &SystemRandom::new()).unwrap();
    LocalSigner::new(key, SystemRandom::new()).unwrap()
}

fn keyring(s: &LocalSigner<SystemRandom>) -> Keyring {
    let mut k = Keyring::new();
    k.add(s.public_key().clone()).unwrap();
    k
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn sbom() -> SbomReference {
    SbomReference {
        sbom_format: "CycloneDX".into(),
        sbom_version: "1.6".into(),
        media_type: "application/vnd.cyclonedx+json".into(),
        location: SbomLocation {
            digest: Digest::of(b"sbom"),
            uri: Some("blob:sha256".into()),
        },
    }
}

fn statement_err(r: Result<impl std::fmt::Debug, AttestError>) -> StatementError {
    match r {
        Err(AttestError::Statement(e)) => e,
        other => panic!("expected a statement error, got {other:?}"),
    }
}

/// Signs arbitrary payload bytes as an in-toto envelope.
fn sign_raw(s: &LocalSigner<SystemRandom>, payload: &[u8]) -> Envelope {
    Envelope::sign(PAYLOAD_TYPE_IN_TOTO, payload.to_vec(), &[s]).unwrap()
}

#[test]
fn builder_writes_canonical_sorted_v1() {
    let a = Digest::of(b"a");
    let b = Digest::of(b"b");
    let st = Statement::builder()
        .subject("zeta", a)
        .subject("alpha", b)
        .predicate(&sbom())
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(st.version(), StatementVersion::V1);
    assert_eq!(st.subjects()[0].name.as_deref(), Some("alpha"));
    let payload = st.to_payload().unwrap();
    assert!(stella_core::canonical::is_canonical(&payload));
    let text = String::from_utf8(payload.clone()).unwrap();
    assert!(text.starts_with(r#"{"_type":"https://in-toto.io/Statement/v1","predicate":{"#));
    assert!(text.contains(&format!(
        r#"{{"digest":{{"sha256":"{}"}},"name":"alpha"}}"#,
        b.hex()
    )));
    let back = Statement::from_json(&payload).unwrap();
    assert_eq!(back, st);
    assert_eq!(back.to_payload().unwrap(), payload);
}

#[test]
fn every_predicate_round_trips_through_sign_and_verify() {
    let s = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let image = Digest::of(b"image");
    let scan = ScanResult {
        scanner: Tool {
            name: "stella".into(),
            version: "0.1.0".into(),
        },
        database: DatabaseSnapshot {
            digest: Digest::of(b"db"),
            snapshot_date: ts("2026-01-02T03:04:05Z"),
        },
        sbom_digest: Digest::of(b"sbom"),
        config_digest: Digest::of(b"{}"),
        findings_digest: Digest::of(b"sarif"),
        findings_media_type: "application/sarif+json".into(),
        summary: SeverityCounts {
            critical: 1,
            high: 2,
            medium: 3,
            low: 4,
            unknown: 5,
            under_investigation: 6,
        },
        scanned_at: ts("2026-01-02T03:04:06Z"),
    };
    let mut decision = PolicyDecision {
        verdict: Verdict::Deny,
        policy_digest: Digest::of(b"policy"),
        engine: Tool {
            name: "regorus".into(),
            version: "0.14.1".into(),
        },
        inputs: vec![
            DecisionInput {
                name: "vex".into(),
                digest: Digest::of(b"v"),
            },
            DecisionInput {
                name: "findings".into(),
                digest: Digest::of(b"f"),
            },
        ],
        reasons: vec!["z".into(), "critical CVE-2024-1".into()],
        decided_at: ts("2026-01-02T03:04:07Z"),
    };
    decision.normalize();
    assert_eq!(decision.inputs[0].name, "findings");
    assert_eq!(decision.reasons[0], "critical CVE-2024-1");
    let waiver = Waiver {
        vulnerability: "CVE-2024-1234".into(),
        packages: vec!["pkg:apk/alpine/openssl@3.1.0".into()],
        justification: "not reachable".into(),
        author: "security@example.com".into(),
        issued_at: ts("2026-01-01T00:00:00Z"),
        expires_at: ts("2026-02-01T00:00:00Z"),
    };
    assert!(waiver.is_active_at(&ts("2026-01-15T00:00:00Z")));
    assert!(!waiver.is_active_at(&ts("2026-02-01T00:00:00Z")));
    let slsa: SlsaProvenanceV1 = serde_json::from_value(serde_json::json!({
        "buildDefinition": {
            "buildType": "https://actions.github.io/buildtypes/workflow/v1",
            "externalParameters": {"workflow": {"ref": "refs/heads/main"}},
            "resolvedDependencies": [{"uri": "git+https://github.com/x/y", "digest": {"gitCommit": "abcd"}}]
        },
        "runDetails": {
            "builder": {"id": "https://github.com/actions/runner"},
            "metadata": {"invocationId": "1", "startedOn": "2026-01-01T00:00:00Z"},
            "someFutureField": true
        }
    }))
    .unwrap();

    fn check<P: Predicate + PartialEq + std::fmt::Debug>(
        s: &LocalSigner<SystemRandom>,
        image: Digest,
        p: &P,
    ) {
        let st = Statement::builder()
            .subject("img", image)
            .predicate(p)
            .unwrap()
            .build()
            .unwrap();
        let json = st.sign(&[s]).unwrap().to_json().unwrap();
        let verified = StatementPolicy::new()
            .allow_predicate_type(P::PREDICATE_TYPE)
            .expect_subject(image)
            .require_signer(s.key_id())
            .verify(&Envelope::from_json(&json).unwrap(), &keyring(s))
            .unwrap();
        assert_eq!(verified.key_ids(), [s.key_id().to_owned()]);
        assert_eq!(verified.statement().predicate_type(), P::PREDICATE_TYPE);
        assert_eq!(&verified.statement().predicate_as::<P>().unwrap(), p);
    }
    check(&s, image, &sbom());
    check(&s, image, &scan);
    check(&s, image, &decision);
    check(&s, image, &waiver);
    check(&s, image, &slsa);
    check(
        &s,
        image,
        &CycloneDxBom(serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6"})),
    );
    check(
        &s,
        image,
        &SpdxDocument(serde_json::json!({"spdxVersion": "SPDX-2.3"})),
    );
    check(
        &s,
        image,
        &OpenVexDocument(serde_json::json!({"@context": "https://openvex.dev/ns/v0.2.0"})),
    );
}

#[test]
fn legacy_v01_is_read() {
    let payload = format!(
        r#"{{"_type":"{STATEMENT_V01}","subject":[{{"name":"x","digest":{{"sha256":"{}"}}}}],"predicateType":"https://slsa.dev/provenance/v0.2","predicate":{{"builder":{{"id":"b"}}}}}}"#,
        Digest::of(b"x").hex()
    );
    let st = Statement::from_json(payload.as_bytes()).unwrap();
    assert_eq!(st.version(), StatementVersion::V01);
    let s = signer(SignatureAlgorithm::Ed25519);
    let env = sign_raw(&s, payload.as_bytes());
    let policy = StatementPolicy::new().allow_predicate_type("https://slsa.dev/provenance/v0.2");
    assert_eq!(
        policy
            .verify(&env, &keyring(&s))
            .unwrap()
            .statement()
            .version(),
        StatementVersion::V01
    );
    assert_eq!(
        statement_err(policy.allow_legacy_v01(false).verify(&env, &keyring(&s))),
        StatementError::LegacyNotAllowed
    );
}

#[test]
fn subject_matching_considers_every_subject() {
    let s = signer(SignatureAlgorithm::Ed25519);
    let wanted = Digest::of(b"wanted");
    let st = Statement::builder()
        .subject("a", Digest::of(b"first"))
        .subject("b", wanted)
        .predicate(&sbom())
        .unwrap()
        .build()
        .unwrap();
    let env = st.sign(&[&s]).unwrap();
    let policy = StatementPolicy::new().allow_predicate_type(SbomReference::PREDICATE_TYPE);
    policy
        .clone()
        .expect_subject(wanted)
        .verify(&env, &keyring(&s))
        .unwrap();
    let other = Digest::of(b"other");
    assert!(matches!(
        statement_err(policy.expect_subject(other).verify(&env, &keyring(&s))),
        StatementError::SubjectMismatch { expected, found } if expected == other && found.len() == 2
    ));
}

#[test]
fn disallowed_types_are_errors_never_skips() {
    let s = signer(SignatureAlgorithm::Ed25519);
    let st = Statement::builder()
        .subject("a", Digest::of(b"a"))
        .predicate(&sbom())
        .unwrap()
        .build()
        .unwrap();
    let env = st.sign(&[&s]).unwrap();
    // Nothing allowed: an error, not an empty result.
    assert!(matches!(
        statement_err(StatementPolicy::new().verify(&env, &keyring(&s))),
        StatementError::PredicateTypeNotAllowed { .. }
    ));
    assert!(matches!(
        statement_err(
            StatementPolicy::new()
                .allow_predicate_type(ScanResult::PREDICATE_TYPE)
                .verify(&env, &keyring(&s))
        ),
        StatementError::PredicateTypeNotAllowed { predicate_type, .. }
            if predicate_type == SbomReference::PREDICATE_TYPE
    ));
    let other = Envelope::sign("application/json", st.to_payload().unwrap(), &[&s]).unwrap();
    assert!(matches!(
        StatementPolicy::new()
            .allow_predicate_type(SbomReference::PREDICATE_TYPE)
            .verify(&other, &keyring(&s)),
        Err(AttestError::Dsse(DsseError::PayloadTypeNotAllowed { .. }))
    ));
    assert!(matches!(
        statement_err(st.predicate_as::<ScanResult>()),
        StatementError::PredicateTypeMismatch { .. }
    ));
}

#[test]
fn required_signers() {
    let a = signer(SignatureAlgorithm::Ed25519);
    let b = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let st = Statement::builder()
        .subject("a", Digest::of(b"a"))
        .predicate(&sbom())
        .unwrap()
        .build()
        .unwrap();
    let env = st.sign(&[&a]).unwrap();
    let mut ring = keyring(&a);
    ring.add(b.public_key().clone()).unwrap();
    let policy = StatementPolicy::new().allow_predicate_type(SbomReference::PREDICATE_TYPE);
    policy
        .clone()
        .require_signer(a.key_id())
        .verify(&env, &ring)
        .unwrap();
    assert!(matches!(
        statement_err(policy.require_signer(b.key_id()).verify(&env, &ring)),
        StatementError::MissingSigner { key_id, .. } if key_id == b.key_id()
    ));
}

#[test]
fn bad_statements_are_typed_errors() {
    let hex = Digest::of(b"x").hex();
    let with = |subject: &str, ty: &str| {
        format!(
            r#"{{"_type":"{ty}","subject":{subject},"predicateType":"https://p/1","predicate":{{}}}}"#
        )
    };
    let v1 = "https://in-toto.io/Statement/v1";
    let ok = with(&format!(r#"[{{"digest":{{"sha256":"{hex}"}}}}]"#), v1);
    Statement::from_json(ok.as_bytes()).unwrap();
    // Duplicate keys in the payload JSON.
    let dup = ok.replacen(
        r#""predicate":{}"#,
        r#""predicate":{},"predicate":{"x":1}"#,
        1,
    );
    assert!(matches!(
        statement_err(Statement::from_json(dup.as_bytes())),
        StatementError::Json {
            source: JsonError::DuplicateKey { .. }
        }
    ));
    // ...also through the policy, after the signature verified.
    let s = signer(SignatureAlgorithm::Ed25519);
    assert!(matches!(
        statement_err(
            StatementPolicy::new()
                .allow_predicate_type("https://p/1")
                .verify(&sign_raw(&s, dup.as_bytes()), &keyring(&s))
        ),
        StatementError::Json { .. }
    ));
    assert!(matches!(
        statement_err(Statement::from_json(with("[]", v1).as_bytes())),
        StatementError::NoSubjects
    ));
    assert!(matches!(
        statement_err(Statement::from_json(
            with(
                &format!(r#"[{{"digest":{{"sha256":"{}"}}}}]"#, hex.to_uppercase()),
                v1
            )
            .as_bytes()
        )),
        StatementError::BadDigest { index: 0, .. }
    ));
    assert!(matches!(
        statement_err(Statement::from_json(
            with(r#"[{"digest":{"sha256":"abcd"}}]"#, v1).as_bytes()
        )),
        StatementError::BadDigest { .. }
    ));
    // A subject without sha256 is fine (npm provenance has sha512 only); an empty set is not,
    // nor a sha512 of the wrong length.
    assert!(matches!(
        statement_err(Statement::from_json(
            with(
                &format!(r#"[{{"digest":{{"sha256":"{hex}"}}}},{{"digest":{{"sha512":"ab"}}}}]"#),
                v1
            )
            .as_bytes()
        )),
        StatementError::BadDigest { index: 1, .. }
    ));
    assert!(matches!(
        statement_err(Statement::from_json(
            with(
                &format!(r#"[{{"digest":{{"sha256":"{hex}"}}}},{{"digest":{{}}}}]"#),
                v1
            )
            .as_bytes()
        )),
        StatementError::EmptyDigestSet { index: 1 }
    ));
    assert!(matches!(
        statement_err(Statement::from_json(
            with(
                &format!(r#"[{{"digest":{{"sha256":"{hex}"}}}}]"#),
                "https://in-toto.io/Statement/v2"
            )
            .as_bytes()
        )),
        StatementError::UnknownType { .. }
    ));
    assert!(matches!(
        statement_err(Statement::from_json(
            ok.replace("https://p/1", "not a uri").as_bytes()
        )),
        StatementError::PredicateTypeNotUri { .. }
    ));
    assert!(matches!(
        statement_err(Statement::from_json(br#"{"_type":"x"}"#)),
        StatementError::Shape { .. }
    ));
    // Unknown fields are ignored (in-toto parsing rules).
    let extra = ok.replacen('{', r#"{"future":[1,2],"#, 1);
    Statement::from_json(extra.as_bytes()).unwrap();
    // Builder checks too.
    assert!(matches!(
        statement_err(Statement::builder().subject("a", Digest::of(b"a")).build()),
        StatementError::MissingPredicateType
    ));
    assert!(matches!(
        statement_err(
            Statement::builder()
                .raw_predicate("https://p", serde_json::json!({}))
                .build()
        ),
        StatementError::NoSubjects
    ));
    let mut subject = Subject::new("a", Digest::of(b"a"));
    subject.digest.insert("sha512".into(), "XY".into());
    assert!(matches!(
        statement_err(
            Statement::builder()
                .subject_digests(subject)
                .raw_predicate("https://p", serde_json::json!({}))
                .build()
        ),
        StatementError::BadDigest { .. }
    ));
    // A predicate that does not have its type's shape.
    let wrong = Statement::builder()
        .subject("a", Digest::of(b"a"))
        .raw_predicate(
            SbomReference::PREDICATE_TYPE,
            serde_json::json!({"sbomFormat": 1}),
        )
        .build()
        .unwrap();
    assert!(matches!(
        statement_err(wrong.predicate_as::<SbomReference>()),
        StatementError::Predicate { .. }
    ));
}

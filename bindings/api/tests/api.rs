#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! API tests of `stella-bindings-api`: every error kind is reachable from the public surface,
//! panics become `Internal` errors, option defaults mean what their docs say, and the
//! randomized (P-256) and path-based functions round-trip.

use std::collections::BTreeSet;
use std::path::Path;

use stella_bindings_api::*;

fn vectors(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/conformance")
            .join(name),
    )
    .unwrap()
}

fn text(name: &str) -> String {
    String::from_utf8(vectors(name)).unwrap()
}

fn kind<T: std::fmt::Debug>(r: Result<T, ApiError>) -> ErrorKind {
    r.unwrap_err().kind
}

#[test]
fn codes_are_stable_and_distinct() {
    let codes: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
    assert_eq!(
        codes,
        [
            "E_INVALID_ARGUMENT",
            "E_PARSE",
            "E_VERIFICATION",
            "E_POLICY",
            "E_LIMIT",
            "E_IO",
            "E_UNSUPPORTED",
            "E_INTERNAL"
        ]
    );
    assert_eq!(codes.iter().collect::<BTreeSet<_>>().len(), codes.len());
    let e = ApiError::new(ErrorKind::Parse, "bad");
    assert_eq!(e.to_string(), "E_PARSE: bad");
}

#[test]
fn invalid_argument_is_reachable() {
    assert_eq!(
        kind(dsse_verify(b"{}", &DsseVerifyOptions::default())),
        ErrorKind::InvalidArgument
    );
    let bad_time = vex_validate(
        &vectors("vex/team.openvex.json"),
        &VexValidateOptions {
            now: "yesterday".into(),
        },
    );
    assert_eq!(kind(bad_time), ErrorKind::InvalidArgument);
    let bad_platform = sbom_from_image_bytes(
        &vectors("image/image.tar"),
        &SbomOptions {
            platform: "not a platform!".into(),
            ..SbomOptions::default()
        },
    );
    assert_eq!(kind(bad_platform), ErrorKind::InvalidArgument);
}

#[test]
fn parse_is_reachable() {
    assert_eq!(kind(canonicalize_json(b"{")), ErrorKind::Parse);
    assert_eq!(
        kind(canonicalize_json(br#"{"a":1,"a":2}"#)),
        ErrorKind::Parse
    );
    assert_eq!(kind(statement_parse(b"{}")), ErrorKind::Parse);
    assert_eq!(kind(public_key_from_pem("not pem")), ErrorKind::Parse);
    // A tar without image metadata is not an image archive.
    let k = kind(sbom_from_image_bytes(&[0u8; 1024], &SbomOptions::default()));
    assert_eq!(k, ErrorKind::Unsupported);
}

#[test]
fn verification_is_reachable() {
    let options = DsseVerifyOptions {
        public_keys_pem: vec![text("keys/ed25519-test.pub.pem")],
        ..DsseVerifyOptions::default()
    };
    assert_eq!(
        kind(dsse_verify(
            &vectors("dsse/envelope-tampered.json"),
            &options
        )),
        ErrorKind::Verification
    );
    // Threshold 2 with one signer does not verify.
    let two = DsseVerifyOptions {
        public_keys_pem: vec![
            text("keys/ed25519-test.pub.pem"),
            generate_key(&GenerateKeyOptions::default())
                .unwrap()
                .public_pem,
        ],
        threshold: 2,
        ..DsseVerifyOptions::default()
    };
    assert_eq!(
        kind(dsse_verify(&vectors("dsse/envelope.json"), &two)),
        ErrorKind::Verification
    );
    assert_eq!(
        kind(merkle_verify_inclusion(
            b"not a leaf",
            &vectors("merkle/proof-3-of-7.json")
        )),
        ErrorKind::Verification
    );
}

#[test]
fn policy_is_reachable_and_a_deny_is_not_an_error() {
    let bad = PolicyOptions {
        bundle_files: vec![NamedBytes {
            name: "bad.rego".into(),
            bytes: vectors("policy/bad.rego"),
        }],
        time: "2024-06-01T00:00:00Z".into(),
        ..PolicyOptions::default()
    };
    assert_eq!(
        kind(policy_evaluate(
            &vectors("policy/input-affected.json"),
            &bad
        )),
        ErrorKind::Policy
    );
    let deny = policy_evaluate(
        &vectors("policy/input-affected.json"),
        &PolicyOptions {
            time: "2024-06-01T00:00:00Z".into(),
            ..PolicyOptions::default()
        },
    )
    .unwrap();
    assert!(!deny.allow);
}

#[test]
fn limit_is_reachable() {
    let deep = "[".repeat(100_000);
    assert_eq!(kind(canonicalize_json(deep.as_bytes())), ErrorKind::Limit);
    // A Rego loop stopped by the instruction limit.
    let spin = NamedBytes {
        name: "spin.rego".into(),
        bytes: b"package stella.policy\n\nimport rego.v1\n\nallow if {\n\tcount([x | some x in numbers.range(1, 100000000)]) > 0\n}\n".to_vec(),
    };
    let limited = PolicyOptions {
        bundle_files: vec![spin],
        time: "2024-06-01T00:00:00Z".into(),
        max_instructions: 1_000,
        ..PolicyOptions::default()
    };
    assert_eq!(
        kind(policy_evaluate(
            &vectors("policy/input-affected.json"),
            &limited
        )),
        ErrorKind::Limit
    );
}

#[test]
fn io_is_reachable() {
    let missing =
        sbom_from_image_path("does-not-exist/anywhere/image.tar", &SbomOptions::default());
    assert_eq!(kind(missing), ErrorKind::Io);
}

#[test]
fn unsupported_is_reachable() {
    let encrypted = import_private_key(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMA==\n-----END ENCRYPTED PRIVATE KEY-----\n",
    );
    assert_eq!(kind(encrypted), ErrorKind::Unsupported);
    // A registry reference that does not parse is the caller's error, not an internal one.
    let registry = sbom_from_image_path(
        "registry:example.com/app@sha256:00",
        &SbomOptions::default(),
    );
    assert_eq!(kind(registry), ErrorKind::InvalidArgument);
}

#[test]
fn a_panic_becomes_internal_and_the_api_still_works() {
    let err = force_panic_for_tests().unwrap_err();
    assert_eq!(err.kind, ErrorKind::Internal);
    assert_eq!(err.kind.code(), "E_INTERNAL");
    assert!(
        err.message.contains("forced panic for tests"),
        "{}",
        err.message
    );
    // Nothing is poisoned: the next calls work.
    assert_eq!(canonicalize_json(b"[1.0]").unwrap(), b"[1]");
    assert!(force_panic_for_tests().is_err());
}

#[test]
fn option_defaults_are_the_documented_ones() {
    assert_eq!(
        GenerateKeyOptions::default().algorithm,
        KeyAlgorithm::EcdsaP256
    );
    assert_eq!(SbomOptions::default().format, SbomFormat::CycloneDxJson);
    assert_eq!(ScanOptions::default().format, ScanFormat::Json);
    assert_eq!(KeyAlgorithm::parse("ed25519"), Some(KeyAlgorithm::Ed25519));
    assert_eq!(
        KeyAlgorithm::parse(KeyAlgorithm::EcdsaP256.name()),
        Some(KeyAlgorithm::EcdsaP256)
    );

    // Default payload type is in-toto; threshold 0 means 1; default verify accepts in-toto only.
    let key = generate_key(&GenerateKeyOptions::default()).unwrap();
    assert_eq!(key.algorithm, KeyAlgorithm::EcdsaP256);
    let envelope = dsse_sign(
        b"{}",
        std::slice::from_ref(&key.private_pem),
        &DsseSignOptions::default(),
    )
    .unwrap();
    let verify = DsseVerifyOptions {
        public_keys_pem: vec![key.public_pem.clone()],
        ..DsseVerifyOptions::default()
    };
    assert_eq!(
        dsse_verify(&envelope, &verify).unwrap().payload_type,
        "application/vnd.in-toto+json"
    );
    let other = dsse_sign(
        b"x",
        std::slice::from_ref(&key.private_pem),
        &DsseSignOptions {
            payload_type: "text/plain".into(),
        },
    )
    .unwrap();
    assert_eq!(kind(dsse_verify(&other, &verify)), ErrorKind::Verification);
    let allowed = DsseVerifyOptions {
        payload_types: vec!["text/plain".into()],
        ..verify
    };
    assert_eq!(dsse_verify(&other, &allowed).unwrap().payload, b"x");

    // Default policy options: the built-in bundle, query data.stella.policy, actor
    // stella-bindings.
    let d = policy_evaluate(
        &vectors("policy/input-not-affected.json"),
        &PolicyOptions {
            time: "2024-06-01T00:00:00Z".into(),
            ..PolicyOptions::default()
        },
    )
    .unwrap();
    let record: serde_json::Value = serde_json::from_slice(&d.record).unwrap();
    assert_eq!(record["actor"], "stella-bindings");
    assert_eq!(record["policy"]["query"], "data.stella.policy");
    assert!(
        record["policy"]["revision"]
            .as_str()
            .unwrap()
            .ends_with("/builtin")
    );

    // The seed's minimal hand-written input is accepted (defaults for every other field): a
    // critical affected finding waived by a not_affected statement with a justification. It
    // names no image, so the built-in policy cannot bind its attestation and says so (a missing
    // image never makes the binding rule pass); without the attestation it allows.
    let minimal = br#"{"findings":[{"id":"CVE-2024-3094","severity":"CRITICAL","exploitability":"affected"}],
        "vex":[{"vuln_id":"CVE-2024-3094","status":"not_affected","justification":"component_not_present"}],
        "attestations":[{"id":"sbom-1","rekor":{"inclusion_proof":{}}}]}"#;
    let d = policy_evaluate(
        minimal,
        &PolicyOptions {
            time: "2024-06-01T00:00:00Z".into(),
            ..PolicyOptions::default()
        },
    )
    .unwrap();
    assert!(!d.allow, "{:?}", d.violations);
    assert_eq!(
        d.violations,
        ["Attestation sbom-1 cannot be bound: the input names no image"]
    );
    let record: serde_json::Value = serde_json::from_slice(&d.record).unwrap();
    assert!(record.get("image_digest").is_none());
    let no_attestation = br#"{"findings":[{"id":"CVE-2024-3094","severity":"CRITICAL","exploitability":"affected"}],
        "vex":[{"vuln_id":"CVE-2024-3094","status":"not_affected","justification":"component_not_present"}]}"#;
    let d = policy_evaluate(
        no_attestation,
        &PolicyOptions {
            time: "2024-06-01T00:00:00Z".into(),
            ..PolicyOptions::default()
        },
    )
    .unwrap();
    assert!(d.allow && d.violations.is_empty(), "{:?}", d.violations);

    // An SBOM without a timestamp option uses the image config's `created`.
    let sbom = sbom_from_image_bytes(&vectors("image/image.tar"), &SbomOptions::default()).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&sbom).unwrap();
    assert_eq!(doc["metadata"]["timestamp"], "1970-01-01T00:00:00Z");
}

#[test]
fn p256_keys_round_trip_through_pem() {
    let key = generate_key(&GenerateKeyOptions::default()).unwrap();
    let again = import_private_key(&key.private_pem).unwrap();
    assert_eq!(again, key);
    let public = public_key_from_pem(&key.private_pem).unwrap();
    assert_eq!(public.public_pem, key.public_pem);
    assert_eq!(public.key_id, key.key_id);
}

#[test]
fn path_and_bytes_variants_agree() {
    let dir = std::env::temp_dir().join(format!("stella-bindings-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("image.tar");
    std::fs::write(&path, vectors("image/image.tar")).unwrap();
    let path = path.to_str().unwrap();
    let sbom = SbomOptions {
        timestamp: "2024-06-01T00:00:00Z".into(),
        name: "registry.example/app".into(),
        ..SbomOptions::default()
    };
    assert_eq!(
        sbom_from_image_path(path, &sbom).unwrap(),
        vectors("image/sbom.cdx.json")
    );
    let scan = ScanOptions {
        name: "registry.example/app".into(),
        ..ScanOptions::default()
    };
    assert_eq!(
        scan_image_path(path, &vectors("db/snapshot.db"), &scan).unwrap(),
        vectors("scan/findings.json")
    );
    assert_eq!(
        entry_trace_image_path(path, &EntryTraceOptions::default()).unwrap(),
        vectors("scan/entry-trace.json")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sigstore_bundles_verify_offline() {
    let example = stella_attest::transparency::bundle::doc_example_bundle().unwrap();
    let options = BundleVerifyOptions {
        public_keys_pem: vec![example.signer_key.to_pem()],
        rekor_keys_pem: vec![example.log_key.to_pem()],
        artifact: example.artifact.clone(),
        ..BundleVerifyOptions::default()
    };
    let verified = sigstore_bundle_verify(&example.bundle_json, &options).unwrap();
    assert_eq!(verified.artifact_digest, digest_of(&example.artifact));
    assert_eq!(verified.key_id, example.signer_key.key_id());
    assert_eq!(verified.log_indexes.len(), 1);
    assert!(
        verified
            .media_type
            .starts_with("application/vnd.dev.sigstore.bundle")
    );

    let wrong_artifact = BundleVerifyOptions {
        artifact: b"another artifact".to_vec(),
        ..options.clone()
    };
    assert_eq!(
        kind(sigstore_bundle_verify(
            &example.bundle_json,
            &wrong_artifact
        )),
        ErrorKind::Verification
    );
    let wrong_signer = BundleVerifyOptions {
        public_keys_pem: vec![
            generate_key(&GenerateKeyOptions::default())
                .unwrap()
                .public_pem,
        ],
        ..options.clone()
    };
    assert_eq!(
        kind(sigstore_bundle_verify(&example.bundle_json, &wrong_signer)),
        ErrorKind::Verification
    );
    let untrusted_log = BundleVerifyOptions {
        rekor_keys_pem: vec![
            generate_key(&GenerateKeyOptions::default())
                .unwrap()
                .public_pem,
        ],
        ..options
    };
    assert_eq!(
        kind(sigstore_bundle_verify(&example.bundle_json, &untrusted_log)),
        ErrorKind::Verification
    );
}

#[test]
fn run_keeps_a_store_and_matches_the_in_memory_run() {
    let dir = std::env::temp_dir().join(format!("stella-api-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let in_memory = run(&RunOptions::default()).unwrap();
    let stored = run(&RunOptions {
        store_dir: dir.display().to_string(),
        ..RunOptions::default()
    })
    .unwrap();
    // Same demo, same clock and key, a fresh log in both: the same report but for the audit
    // record digests (the store's audit log chains each record to the one before).
    let without_audit = |bytes: &[u8]| {
        let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        v.as_object_mut().unwrap().remove("audit");
        v
    };
    assert!(
        without_audit(&in_memory.report_json) == without_audit(&stored.report_json),
        "reports differ beyond the audit digests"
    );
    assert!(stored.allow);
    for a in &stored.artifacts {
        let hex = a.digest.strip_prefix("sha256:").unwrap();
        let on_disk = std::fs::read(dir.join("blobs/sha256").join(hex)).unwrap();
        assert_eq!(on_disk, a.bytes, "{}", a.kind);
        assert_eq!(digest_of(&a.bytes), a.digest);
    }
    assert!(dir.join("audit").is_dir() && dir.join("tlog").is_dir());
    // An image run needs a key and a snapshot; a missing image is an I/O error.
    let image = RunOptions {
        image_path: dir.join("no-such-image").display().to_string(),
        ..RunOptions::default()
    };
    assert_eq!(kind(run(&image)), ErrorKind::InvalidArgument);
    let key = generate_key(&GenerateKeyOptions::default()).unwrap();
    let with_key = RunOptions {
        private_key_pem: key.private_pem,
        ..image.clone()
    };
    assert_eq!(
        kind(run(&with_key)),
        ErrorKind::InvalidArgument,
        "no snapshot"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A key-based DSSE bundle of an in-toto statement about `subject`, logged in a test Rekor.
fn dsse_bundle_about(subject: &[u8]) -> (Vec<u8>, String, String) {
    use stella_attest::transparency::testing::{TestRekor, dsse_bundle, test_signer};
    use stella_core::{Digest, SignatureAlgorithm};
    let author = test_signer(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let mut rekor = TestRekor::generate(SignatureAlgorithm::EcdsaP256Sha256).unwrap();
    let payload = stella_attest::statement::Statement::builder()
        .subject("app", Digest::of(subject))
        .raw_predicate("https://example.com/p/v1", serde_json::json!({}))
        .build()
        .unwrap()
        .to_payload()
        .unwrap();
    let payload_type = stella_attest::dsse::PAYLOAD_TYPE_IN_TOTO;
    let bundle = dsse_bundle(&author, &mut rekor, payload_type, &payload, |s| s).unwrap();
    (
        bundle.to_json().unwrap(),
        author.public_key().to_pem(),
        rekor.signer().public_key().to_pem(),
    )
}

#[test]
fn sigstore_bundle_artifact_is_checked_for_a_dsse_bundle_never_ignored() {
    let (bundle, author, log) = dsse_bundle_about(b"the artifact");
    let options = BundleVerifyOptions {
        public_keys_pem: vec![author],
        rekor_keys_pem: vec![log],
        ..BundleVerifyOptions::default()
    };
    let verified = sigstore_bundle_verify(&bundle, &options).unwrap();
    assert_eq!(verified.payload_type, "application/vnd.in-toto+json");
    let subject = BundleVerifyOptions {
        artifact: b"the artifact".to_vec(),
        ..options.clone()
    };
    sigstore_bundle_verify(&bundle, &subject).unwrap();
    let not_subject = BundleVerifyOptions {
        artifact: b"another artifact".to_vec(),
        ..options
    };
    assert_eq!(
        kind(sigstore_bundle_verify(&bundle, &not_subject)),
        ErrorKind::Verification
    );
}

#[test]
fn a_pem_with_two_keys_is_refused_everywhere_keys_are_read() {
    let a = generate_key(&GenerateKeyOptions::default()).unwrap();
    let b = generate_key(&GenerateKeyOptions::default()).unwrap();
    let two_public = format!("{}{}", a.public_pem, b.public_pem);
    let two_private = format!("{}{}", a.private_pem, b.private_pem);
    assert_eq!(kind(public_key_from_pem(&two_public)), ErrorKind::Parse);
    assert_eq!(kind(public_key_from_pem(&two_private)), ErrorKind::Parse);
    assert_eq!(kind(import_private_key(&two_private)), ErrorKind::Parse);
    assert_eq!(
        kind(dsse_sign(
            b"{}",
            std::slice::from_ref(&two_private),
            &DsseSignOptions::default()
        )),
        ErrorKind::Parse
    );
    let envelope = dsse_sign(
        b"{}",
        std::slice::from_ref(&a.private_pem),
        &DsseSignOptions::default(),
    )
    .unwrap();
    assert_eq!(
        kind(dsse_verify(
            &envelope,
            &DsseVerifyOptions {
                public_keys_pem: vec![two_public],
                ..DsseVerifyOptions::default()
            }
        )),
        ErrorKind::Parse
    );
}

/// GitHub's timestamp-only attestation (tests/vectors/sigstore/real, sigstore-go's
/// `bundle-github-staging.json`: no log entry, a GitHub Fulcio without a CT log, one RFC 3161
/// timestamp) verifies through the API only with `tlog_threshold` and `sct_threshold` at 0,
/// as sigstore-go verifies it with a transparency-log threshold of 0.
#[test]
fn sigstore_bundle_thresholds_admit_a_timestamp_only_attestation_by_name() {
    let real = |name: &str| {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/vectors/sigstore/real")
                .join(name),
        )
        .unwrap()
    };
    let bundle = real("sigstore-go-bundle-github-staging.json");
    let options = BundleVerifyOptions {
        trusted_root_json: real("sigstore-go-trusted-root-github-staging.json"),
        certificate_identity: "cody@soyland.com".into(),
        certificate_oidc_issuer: "https://github.com/login/oauth".into(),
        ..BundleVerifyOptions::default()
    };
    // Refused: the bundle lacks what the default policy requires (kind Parse, as every
    // missing bundle field is).
    let refused = sigstore_bundle_verify(&bundle, &options).unwrap_err();
    assert!(refused.message.contains("tlogEntries"), "{refused:?}");
    let lowered = BundleVerifyOptions {
        tlog_threshold: Some(0),
        sct_threshold: Some(0),
        ..options.clone()
    };
    let v = sigstore_bundle_verify(&bundle, &lowered).unwrap();
    assert_eq!(v.signer_identity, "cody@soyland.com");
    assert!(v.log_indexes.is_empty());
    assert_eq!(v.signing_times, [1_684_267_129]);
    // A threshold needs the trusted root it applies to.
    let no_root = BundleVerifyOptions {
        trusted_root_json: Vec::new(),
        ..lowered
    };
    assert_eq!(
        kind(sigstore_bundle_verify(&bundle, &no_root)),
        ErrorKind::InvalidArgument
    );
}

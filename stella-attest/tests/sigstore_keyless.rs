#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Keyless (Fulcio) bundle verification: what a verified bundle reports (identity, issuer,
//! signing times, checks), and tampering — every change of one field of a real keyless bundle
//! (or of the trust it is checked against) is refused with its own error variant.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use stella_attest::keys::PublicKey;
use stella_attest::transparency::TransparencyError;
use stella_attest::transparency::bundle::{
    ArtifactInput, Bundle, TimestampSource, TrustedRoot, VerificationPolicy, VerifiedSigner,
};
use stella_attest::transparency::fulcio::{FulcioExtension, SanKind};
use stella_attest::transparency::identity::{CertificateIdentity, IdentityPolicy, StringMatcher};
use stella_attest::transparency::x509::CertificateProblem;

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/sigstore/conformance")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(suite().join(rel)).unwrap()
}

fn json(rel: &str) -> Value {
    serde_json::from_slice(&read(rel)).unwrap()
}

fn production_root() -> Value {
    json("production.trusted_root.json")
}

/// happy-path-v0.3: a keyless v0.3 bundle, message signature over a.txt, one production Rekor
/// v1 entry with SET, inclusion proof and checkpoint.
fn happy() -> Value {
    json("bundle-verify/happy-path-v0.3/bundle.sigstore.json")
}

fn policy() -> VerificationPolicy {
    VerificationPolicy::identity(CertificateIdentity::new(
        StringMatcher::exact(IDENTITY),
        StringMatcher::exact(ISSUER),
    ))
}

fn verify_with(
    bundle: &Value,
    root: &Value,
    policy: &VerificationPolicy,
) -> Result<stella_attest::transparency::bundle::Verification, TransparencyError> {
    let bundle = Bundle::parse(&serde_json::to_vec(bundle).unwrap())?;
    let root = TrustedRoot::from_json(&serde_json::to_vec(root).unwrap())?;
    let artifact = read("a.txt");
    bundle.verify(policy, ArtifactInput::Bytes(&artifact), &root)
}

fn verify(bundle: &Value) -> Result<(), TransparencyError> {
    verify_with(bundle, &production_root(), &policy()).map(|_| ())
}

/// Removes the first log entry's signed entry timestamp.
fn strip_set(b: &mut Value) {
    b["verificationMaterial"]["tlogEntries"][0]
        .as_object_mut()
        .unwrap()
        .remove("inclusionPromise");
}

fn assert_bad_artifact_signature(err: &TransparencyError) {
    assert!(
        matches!(
            err,
            TransparencyError::BadSignature {
                what: "artifact",
                ..
            }
        ),
        "{err}"
    );
}

fn b64(v: &Value) -> Vec<u8> {
    STANDARD.decode(v.as_str().unwrap()).unwrap()
}

fn set_b64(v: &mut Value, bytes: &[u8]) {
    *v = Value::String(STANDARD.encode(bytes));
}

fn flip(v: &mut Value, index_from_end: usize) {
    let mut bytes = b64(v);
    let i = bytes.len() - 1 - index_from_end;
    bytes[i] ^= 0x01;
    set_b64(v, &bytes);
}

#[test]
fn the_happy_bundle_verifies_and_reports_identity_issuer_time_and_every_check() {
    let bundle =
        Bundle::parse(&read("bundle-verify/happy-path-v0.3/bundle.sigstore.json")).unwrap();
    let root = TrustedRoot::from_json(&read("production.trusted_root.json")).unwrap();
    let artifact = read("a.txt");
    let report = bundle.verify_report(&policy(), ArtifactInput::Bytes(&artifact), &root);
    let verified = report.result.as_ref().unwrap();
    let VerifiedSigner::Certificate { identity, scts } = &verified.signer else {
        panic!("not keyless: {:?}", verified.signer)
    };
    assert_eq!(identity.san, IDENTITY);
    assert_eq!(identity.san_kind, SanKind::Uri);
    assert_eq!(identity.issuer, ISSUER);
    assert_eq!(
        identity.extension(FulcioExtension::GITHUB_WORKFLOW_REPOSITORY),
        Some("sigstore-conformance/extremely-dangerous-public-oidc-beacon")
    );
    assert_eq!(scts.len(), 1);
    assert_eq!(verified.timestamps.len(), 1);
    assert!(matches!(
        verified.timestamps[0].source,
        TimestampSource::TransparencyLog { .. }
    ));
    let names: Vec<&str> = report.checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "bundle",
            "verification material",
            "certificate",
            "tlog",
            "timestamps",
            "certificate validity",
            "certificate chain",
            "sct",
            "signature",
            "tlog entry content",
            "identity"
        ]
    );
    assert!(report.checks.iter().all(|c| c.passed));
    // Deterministic: the same inputs give the same report.
    let again = bundle.verify_report(&policy(), ArtifactInput::Bytes(&artifact), &root);
    assert_eq!(again.checks, report.checks);
}

#[test]
fn a_dsse_bundle_with_a_tsa_timestamp_verifies_with_both_times() {
    let dir = "bundle-verify/intoto-with-custom-trust-root";
    let bundle = Bundle::parse(&read(&format!("{dir}/bundle.sigstore.json"))).unwrap();
    let root = TrustedRoot::from_json(&read(&format!("{dir}/trusted_root.json"))).unwrap();
    let artifact = read(&format!("{dir}/artifact"));
    let verified = bundle
        .verify(&policy(), ArtifactInput::Bytes(&artifact), &root)
        .unwrap();
    let sources: Vec<_> = verified.timestamps.iter().map(|t| &t.source).collect();
    assert!(
        sources
            .iter()
            .any(|s| matches!(s, TimestampSource::Rfc3161 { .. }))
    );
    assert!(
        sources
            .iter()
            .any(|s| matches!(s, TimestampSource::TransparencyLog { .. }))
    );
    // The subject digest alone is enough for a DSSE bundle.
    let digest = stella_core::Digest::of(&artifact);
    bundle
        .verify(&policy(), ArtifactInput::Sha256(digest), &root)
        .unwrap();
    // Another artifact is not a subject.
    let err = bundle
        .verify(&policy(), ArtifactInput::Bytes(b"other"), &root)
        .unwrap_err();
    assert!(
        matches!(err, TransparencyError::ArtifactNotSubject { .. }),
        "{err}"
    );
}

#[test]
fn tampered_certificate_signature_is_refused_by_the_chain_check() {
    let mut b = happy();
    flip(&mut b["verificationMaterial"]["certificate"]["rawBytes"], 2);
    let err = verify(&b).unwrap_err();
    assert!(
        matches!(
            err,
            TransparencyError::Certificate {
                problem: CertificateProblem::BadSignature { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn another_certificate_is_refused_as_not_valid_at_the_signing_time() {
    let mut b = happy();
    let other = json("bundle-verify/happy-path-v0.2/bundle.sigstore.json");
    b["verificationMaterial"]["certificate"]["rawBytes"] =
        other["verificationMaterial"]["x509CertificateChain"]["certificates"][0]["rawBytes"]
            .clone();
    let err = verify(&b).unwrap_err();
    assert!(
        matches!(err, TransparencyError::CertificateNotValidAt { .. }),
        "{err}"
    );
}

#[test]
fn a_ct_log_key_that_did_not_sign_the_sct_is_refused() {
    let mut root = production_root();
    let rekor_key = root["tlogs"][0]["publicKey"]["rawBytes"].clone();
    for ctlog in root["ctlogs"].as_array_mut().unwrap() {
        ctlog["publicKey"]["rawBytes"] = rekor_key.clone();
        ctlog["publicKey"]["keyDetails"] = Value::String("PKIX_ECDSA_P256_SHA_256".into());
    }
    let err = verify_with(&happy(), &root, &policy()).unwrap_err();
    assert!(matches!(err, TransparencyError::Sct { .. }), "{err}");
    // No CT log at all: no SCT can verify either.
    let mut root = production_root();
    root["ctlogs"] = Value::Array(vec![]);
    let err = verify_with(&happy(), &root, &policy()).unwrap_err();
    assert!(matches!(err, TransparencyError::Sct { .. }), "{err}");
}

#[test]
fn a_chain_to_another_ca_is_refused() {
    // A test instance's CA (another name) did not issue this production certificate.
    let staging = json("bundle-verify/bundle-with-sct-with-extensions/trusted_root.json");
    let mut root = production_root();
    root["certificateAuthorities"] = staging["certificateAuthorities"].clone();
    let err = verify_with(&happy(), &root, &policy()).unwrap_err();
    assert!(
        matches!(
            err,
            TransparencyError::Certificate {
                problem: CertificateProblem::UnknownIssuer,
                ..
            }
        ),
        "{err}"
    );
    // The right CA, but its trusted-root window closed before the signing time.
    let mut root = production_root();
    for ca in root["certificateAuthorities"].as_array_mut().unwrap() {
        ca["validFor"]["end"] = Value::String("2022-04-14T00:00:00Z".into());
        ca["validFor"]["start"] = Value::String("2021-01-01T00:00:00Z".into());
    }
    let err = verify_with(&happy(), &root, &policy()).unwrap_err();
    assert!(
        matches!(
            err,
            TransparencyError::Certificate {
                problem: CertificateProblem::AuthorityNotValidAt { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_root_certificate_carried_in_the_bundle_chain_is_refused() {
    let b = json("bundle-verify/bundle-with-root-cert_fail/bundle.sigstore.json");
    let err = Bundle::parse(&serde_json::to_vec(&b).unwrap())
        .unwrap()
        .verify(
            &policy(),
            ArtifactInput::Bytes(&read("bundle-verify/bundle-with-root-cert_fail/artifact")),
            &TrustedRoot::from_json(&read("production.trusted_root.json")).unwrap(),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            TransparencyError::InvalidField {
                field: "x509CertificateChain",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn identity_mismatches_are_refused_naming_the_claim() {
    let cases: Vec<(IdentityPolicy, &str)> = vec![
        (
            CertificateIdentity::new(
                StringMatcher::exact(
                    "https://github.com/someone/else/.github/workflows/x.yml@refs/heads/main",
                ),
                StringMatcher::exact(ISSUER),
            )
            .into(),
            "subject alternative name",
        ),
        (
            CertificateIdentity::new(
                StringMatcher::exact(IDENTITY),
                StringMatcher::exact("https://accounts.google.com"),
            )
            .into(),
            "OIDC issuer",
        ),
        (
            // Anchored regexp: a prefix of the real SAN does not match the whole value.
            CertificateIdentity::new(
                StringMatcher::regexp("^https://github\\.com/sigstore-conformance/$").unwrap(),
                StringMatcher::exact(ISSUER),
            )
            .into(),
            "subject alternative name",
        ),
        (
            CertificateIdentity::new(StringMatcher::exact(IDENTITY), StringMatcher::exact(ISSUER))
                .with_extension(
                    FulcioExtension::GITHUB_WORKFLOW_TRIGGER,
                    "workflow_dispatch",
                )
                .with_extension(FulcioExtension::GITHUB_WORKFLOW_REF, "refs/heads/evil")
                .into(),
            "github_workflow_ref",
        ),
    ];
    for (identity, field) in cases {
        let err = verify_with(
            &happy(),
            &production_root(),
            &VerificationPolicy::identity(identity),
        )
        .unwrap_err();
        assert!(
            matches!(&err, TransparencyError::IdentityMismatch { field: f, .. } if *f == field),
            "{field}: {err}"
        );
    }
    // Unanchored regexps match anywhere, as cosign's; the matching claims pass.
    let ok = CertificateIdentity::new(
        StringMatcher::regexp("sigstore-conformance/extremely-dangerous").unwrap(),
        StringMatcher::regexp("^https://token\\.actions\\.githubusercontent\\.com$").unwrap(),
    )
    .with_extension(FulcioExtension::GITHUB_WORKFLOW_REF, "refs/heads/main");
    verify_with(
        &happy(),
        &production_root(),
        &VerificationPolicy::identity(ok),
    )
    .unwrap();
}

#[test]
fn keyless_without_an_identity_policy_is_refused_and_insecure_ignore_is_explicit() {
    assert!(matches!(
        VerificationPolicy::from_parts(None, None),
        Err(TransparencyError::MissingIdentityPolicy)
    ));
    // A key for a keyless bundle is the wrong material.
    let key =
        PublicKey::from_pem_or_der(&read("bundle-verify/managed-key-happy-path/key.pub")).unwrap();
    let err = verify_with(&happy(), &production_root(), &VerificationPolicy::key(key)).unwrap_err();
    assert!(
        matches!(err, TransparencyError::WrongVerificationMaterial { .. }),
        "{err}"
    );
    // The insecure policy accepts any identity, and says it did not check it.
    let bundle = Bundle::parse(&serde_json::to_vec(&happy()).unwrap()).unwrap();
    let root = TrustedRoot::from_json(&read("production.trusted_root.json")).unwrap();
    let report = bundle.verify_report(
        &VerificationPolicy::identity(IdentityPolicy::InsecureIgnoreIdentity),
        ArtifactInput::Bytes(&read("a.txt")),
        &root,
    );
    assert!(report.result.is_ok());
    let identity = report.checks.iter().find(|c| c.name == "identity").unwrap();
    assert!(
        identity.detail.contains("NOT CHECKED"),
        "{}",
        identity.detail
    );
    // ... but still every cryptographic check: a bad signature fails under it too.
    let mut b = happy();
    flip(&mut b["messageSignature"]["signature"], 10);
    let err = verify_with(
        &b,
        &production_root(),
        &VerificationPolicy::identity(IdentityPolicy::InsecureIgnoreIdentity),
    )
    .unwrap_err();
    assert_bad_artifact_signature(&err);
}

#[test]
fn tampered_integrated_time_is_refused_by_the_set() {
    let mut b = happy();
    let t: i64 = b["verificationMaterial"]["tlogEntries"][0]["integratedTime"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    b["verificationMaterial"]["tlogEntries"][0]["integratedTime"] =
        Value::String((t + 1).to_string());
    let err = verify(&b).unwrap_err();
    assert!(
        matches!(
            err,
            TransparencyError::BadSignature {
                what: "signed entry timestamp",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn without_a_signed_time_the_bundle_is_refused() {
    let mut b = happy();
    strip_set(&mut b);
    let err = verify(&b).unwrap_err();
    assert!(
        matches!(err, TransparencyError::NoVerifiedTimestamp { .. }),
        "{err}"
    );
}

#[test]
fn tampered_rfc3161_timestamp_is_refused() {
    let dir = "bundle-verify/intoto-with-custom-trust-root";
    let mut b = json(&format!("{dir}/bundle.sigstore.json"));
    flip(
        &mut b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]["signedTimestamp"],
        5,
    );
    let root = json(&format!("{dir}/trusted_root.json"));
    let bundle = Bundle::parse(&serde_json::to_vec(&b).unwrap()).unwrap();
    let err = bundle
        .verify(
            &policy(),
            ArtifactInput::Bytes(&read(&format!("{dir}/artifact"))),
            &TrustedRoot::from_json(&serde_json::to_vec(&root).unwrap()).unwrap(),
        )
        .unwrap_err();
    assert!(matches!(err, TransparencyError::Timestamp { .. }), "{err}");
}

#[test]
fn tampered_inclusion_proof_is_refused() {
    let mut b = happy();
    flip(
        &mut b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["hashes"][0],
        0,
    );
    let err = verify(&b).unwrap_err();
    assert!(
        matches!(err, TransparencyError::RootMismatch { .. }),
        "{err}"
    );
}

#[test]
fn tampered_checkpoint_is_refused() {
    let mut b = happy();
    let cp = &mut b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"];
    let text = cp.as_str().unwrap().to_owned();
    // Another tree size in the signed note: the log's signature no longer verifies.
    let lines: Vec<&str> = text.split('\n').collect();
    let size: u64 = lines[1].parse().unwrap();
    let tampered = text.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size + 1), 1);
    *cp = Value::String(tampered);
    let err = verify(&b).unwrap_err();
    assert!(
        matches!(
            err,
            TransparencyError::BadSignature { .. } | TransparencyError::NoTrustedSignature { .. }
        ),
        "{err}"
    );
}

#[test]
fn tampered_body_is_refused() {
    // With the SET: the SET no longer signs the body.
    let mut b = happy();
    let entry = &mut b["verificationMaterial"]["tlogEntries"][0];
    let body = String::from_utf8(b64(&entry["canonicalizedBody"])).unwrap();
    let tampered = body.replacen("\"sha256\",\"value\":\"", "\"sha256\",\"value\":\"0", 1);
    assert_ne!(body, tampered);
    set_b64(&mut entry["canonicalizedBody"], tampered.as_bytes());
    let err = verify(&b).unwrap_err();
    assert!(
        matches!(
            err,
            TransparencyError::BadSignature {
                what: "signed entry timestamp",
                ..
            }
        ),
        "{err}"
    );
    // Without the SET: the inclusion proof no longer leads to the checkpoint's root.
    strip_set(&mut b);
    let err = verify(&b).unwrap_err();
    assert!(
        matches!(err, TransparencyError::RootMismatch { .. }),
        "{err}"
    );
}

#[test]
fn tampered_signature_is_refused() {
    let mut b = happy();
    flip(&mut b["messageSignature"]["signature"], 10);
    let err = verify(&b).unwrap_err();
    assert_bad_artifact_signature(&err);
    // Another artifact: its signature does not verify either.
    // Another artifact: the bundle's message digest (a hint, compared first) differs ...
    let bundle = Bundle::parse(&serde_json::to_vec(&happy()).unwrap()).unwrap();
    let root = TrustedRoot::from_json(&read("production.trusted_root.json")).unwrap();
    let err = bundle
        .verify(&policy(), ArtifactInput::Bytes(b"not a.txt"), &root)
        .unwrap_err();
    assert!(
        matches!(
            err,
            TransparencyError::Mismatch {
                what: "message signature",
                ..
            }
        ),
        "{err}"
    );
    // ... and without the hint, the signature does not verify over it.
    let mut b = happy();
    b["messageSignature"]
        .as_object_mut()
        .unwrap()
        .remove("messageDigest");
    let bundle = Bundle::parse(&serde_json::to_vec(&b).unwrap()).unwrap();
    let err = bundle
        .verify(&policy(), ArtifactInput::Bytes(b"not a.txt"), &root)
        .unwrap_err();
    assert_bad_artifact_signature(&err);
    let err = bundle
        .verify(
            &policy(),
            ArtifactInput::Sha256(stella_core::Digest::of(b"not a.txt")),
            &root,
        )
        .unwrap_err();
    assert_bad_artifact_signature(&err);
}

#[test]
fn a_log_key_outside_its_validity_is_refused() {
    let mut root = production_root();
    root["tlogs"][0]["publicKey"]["validFor"]["end"] = Value::String("2022-01-01T00:00:00Z".into());
    let err = verify_with(&happy(), &root, &policy()).unwrap_err();
    assert!(
        matches!(err, TransparencyError::OutsideValidity { .. }),
        "{err}"
    );
}

#[test]
fn trusted_root_parsing_is_strict() {
    let bad = |v: &Value| TrustedRoot::from_json(&serde_json::to_vec(v).unwrap()).unwrap_err();
    let mut root = production_root();
    root["mediaType"] = Value::String("application/json".into());
    assert!(matches!(
        bad(&root),
        TransparencyError::UnsupportedMediaType { .. }
    ));
    let mut root = production_root();
    root["ctlogs"][0]["publicKey"]["validFor"]
        .as_object_mut()
        .unwrap()
        .remove("start");
    assert!(matches!(
        bad(&root),
        TransparencyError::MissingField { field: "start", .. }
    ));
    let mut root = production_root();
    root["certificateAuthorities"][0]["certChain"]["certificates"][0]["rawBytes"] =
        Value::String(STANDARD.encode(b"not a certificate"));
    assert!(matches!(bad(&root), TransparencyError::Certificate { .. }));
    let mut root = production_root();
    root["tlogs"][0]["logId"]["keyId"] = Value::String(STANDARD.encode([0u8; 31]));
    assert!(matches!(bad(&root), TransparencyError::HashLength { .. }));
    // Duplicate keys are refused.
    let text = String::from_utf8(read("production.trusted_root.json")).unwrap();
    let dup = text.replacen("\"tlogs\":", "\"ctlogs\": [], \"tlogs\":", 1);
    let dup = dup.replacen("\"ctlogs\": [], ", "\"ctlogs\": [], \"ctlogs\": [], ", 1);
    assert!(TrustedRoot::from_json(dup.as_bytes()).is_err());
    // The production root reads whole.
    let root = TrustedRoot::from_json(&read("production.trusted_root.json")).unwrap();
    assert!(root.tlogs().len() >= 2);
    assert!(!root.ctlogs().is_empty());
    assert!(!root.certificate_authorities().is_empty());
    assert!(!root.timestamp_authorities().is_empty());
}

#[test]
fn a_tsa_time_outside_the_certificate_validity_is_refused() {
    // rekor2-timestamp-with-incorrect-time_fail wraps its token's base64 at 76 columns; with the
    // line breaks removed it parses, and fails for the reason the suite gives: the TSA time is
    // outside the signing certificate's validity.
    let dir = "bundle-verify/rekor2-timestamp-with-incorrect-time_fail";
    let mut b = json(&format!("{dir}/bundle.sigstore.json"));
    let token = &mut b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]
        ["signedTimestamp"];
    *token = Value::String(token.as_str().unwrap().replace('\n', ""));
    let err = verify_with(&b, &json(&format!("{dir}/trusted_root.json")), &policy()).unwrap_err();
    assert!(
        matches!(
            err,
            TransparencyError::CertificateNotValidAt {
                timestamp: "RFC 3161 timestamp",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn rekor_v2_bundles_need_their_timestamp_and_a_valid_checkpoint() {
    let dir = "bundle-verify/rekor2-happy-path";
    let root = json(&format!("{dir}/trusted_root.json"));
    let happy = json(&format!("{dir}/bundle.sigstore.json"));
    let verified = verify_with(&happy, &root, &policy()).unwrap();
    assert_eq!(verified.rekor_v2_entries.len(), 1);
    assert!(verified.log_entries.is_empty());
    assert!(matches!(
        verified.timestamps.as_slice(),
        [stella_attest::transparency::bundle::VerifiedTimestamp {
            source: TimestampSource::Rfc3161 { .. },
            ..
        }]
    ));
    // Without the TSA timestamp there is no signing time (Rekor v2 signs none).
    let mut b = happy.clone();
    b["verificationMaterial"]
        .as_object_mut()
        .unwrap()
        .remove("timestampVerificationData");
    let err = verify_with(&b, &root, &policy()).unwrap_err();
    assert!(
        matches!(err, TransparencyError::NoVerifiedTimestamp { .. }),
        "{err}"
    );
    // A tampered inclusion proof hash.
    let mut b = happy.clone();
    flip(
        &mut b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["hashes"][0],
        0,
    );
    let err = verify_with(&b, &root, &policy()).unwrap_err();
    assert!(
        matches!(err, TransparencyError::RootMismatch { .. }),
        "{err}"
    );
    // The v2 log's key outside its trusted-root window at the TSA time.
    let mut r = root.clone();
    for log in r["tlogs"].as_array_mut().unwrap() {
        log["publicKey"]["validFor"]["start"] = Value::String("2030-01-01T00:00:00Z".into());
    }
    let err = verify_with(&happy, &r, &policy()).unwrap_err();
    assert!(
        matches!(err, TransparencyError::OutsideValidity { .. }),
        "{err}"
    );
}

#[test]
fn a_message_signature_verifies_from_the_artifact_digest_alone() {
    let bundle =
        Bundle::parse(&read("bundle-verify/happy-path-v0.3/bundle.sigstore.json")).unwrap();
    let root = TrustedRoot::from_json(&read("production.trusted_root.json")).unwrap();
    let digest = stella_core::Digest::of(&read("a.txt"));
    let verified = bundle
        .verify(&policy(), ArtifactInput::Sha256(digest), &root)
        .unwrap();
    assert!(matches!(
        verified.content,
        stella_attest::transparency::bundle::VerifiedContent::Artifact { digest: d } if d == digest
    ));
    // Another digest: it is not the bundle's message digest.
    let other = stella_core::Digest::of(b"something else");
    let err = bundle
        .verify(&policy(), ArtifactInput::Sha256(other), &root)
        .unwrap_err();
    assert!(matches!(err, TransparencyError::Mismatch { .. }), "{err}");
    // No artifact at all: a message signature cannot be checked.
    let err = bundle
        .verify(&policy(), ArtifactInput::None, &root)
        .unwrap_err();
    assert!(
        matches!(err, TransparencyError::MissingField { .. }),
        "{err}"
    );
}

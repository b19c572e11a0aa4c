#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! OpenVEX attached as an in-toto attestation in a Sigstore bundle (as `vexctl attest` /
//! `cosign attest --type openvex` make it): read only after the bundle verifies under a key of
//! the trust policy and its log entry verifies under a trusted Rekor key; the trust policy then
//! judges the verified key id. Forged, mis-typed and keyless bundles are typed errors.

mod common;

use common::*;
use serde_json::json;
use stella_attest::dsse::PAYLOAD_TYPE_IN_TOTO;
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_attest::statement::Statement;
use stella_attest::transparency::bundle::TrustRoot;
use stella_attest::transparency::testing::{TestRekor, dsse_bundle};
use stella_core::{Digest, SignatureAlgorithm};
use stella_vex::{
    FindingRef, Issuer, KeyVerifier, Status, TrustPolicy, VexError, VexSet, VexSource,
    is_sigstore_bundle,
};

fn key() -> LocalSigner<SystemRandom> {
    let rng = SystemRandom::new();
    LocalSigner::new(
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &rng).unwrap(),
        SystemRandom::new(),
    )
    .unwrap()
}

/// The in-toto statement vexctl attests: the image as subject, the OpenVEX document as the
/// predicate under its context's predicate type.
fn openvex_statement(predicate_type: &str) -> Vec<u8> {
    let vex: serde_json::Value = serde_json::from_slice(&doc(
        "https://example.com/vex/attested",
        "vendor",
        "2024-01-01T00:00:00Z",
        json!([{"vulnerability":{"name":"CVE-2023-27103"},
            "products":[{"@id":"pkg:oci/nginx@sha256%3A13d22ec63300e16014d4a42aed735207a8b33c223cff19627dd3042e5a10a3a0"}],
            "status":"not_affected","justification":"component_not_present"}]),
    ))
    .unwrap();
    Statement::builder()
        .subject(
            "nginx",
            Digest::parse(
                "sha256:13d22ec63300e16014d4a42aed735207a8b33c223cff19627dd3042e5a10a3a0",
            )
            .unwrap(),
        )
        .raw_predicate(predicate_type, vex)
        .build()
        .unwrap()
        .to_payload()
        .unwrap()
}

/// The bundle for `payload`, signed by `author`, logged by `log` (a Rekor stand-in).
fn bundle(author: &LocalSigner<SystemRandom>, log: &mut TestRekor, payload: &[u8]) -> Vec<u8> {
    dsse_bundle(author, log, PAYLOAD_TYPE_IN_TOTO, payload, |s| s)
        .unwrap()
        .to_json()
        .unwrap()
}

#[test]
fn a_verified_openvex_bundle_is_read_and_judged_by_its_key() {
    let (author, mut log) = (key(), TestRekor::new(key()));
    let bytes = bundle(
        &author,
        &mut log,
        &openvex_statement("https://openvex.dev/ns/v0.2.0"),
    );
    assert!(is_sigstore_bundle(&bytes));
    let trust = TrustRoot::new(vec![log.log_key()]);
    let keys = [author.public_key().clone()];
    let source = VexSource::from_bundle(
        &bytes,
        &KeyVerifier {
            keys: &keys,
            trust: &trust,
        },
    )
    .unwrap();
    assert_eq!(source.document.id, "https://example.com/vex/attested");
    assert_eq!(source.signers(), [author.public_key().key_id().to_owned()]);
    // The trust policy names the key: the statement applies to every finding of the image.
    let policy = TrustPolicy {
        issuers: vec![Issuer {
            name: "vendor".into(),
            key_ids: vec![author.public_key().key_id().to_owned()],
            precedence: 100,
            ..Issuer::default()
        }],
        ..TrustPolicy::default()
    };
    let set = VexSet::build(vec![source.clone()], &policy, ts("2026-12-07T00:00:00Z"));
    let applied = set.apply(&[FindingRef {
        vulnerability: "CVE-2023-27103".into(),
        purl: Some("pkg:deb/debian/libde265-0@1.0.11-1".into()),
        artifact: Some(
            "sha256:13d22ec63300e16014d4a42aed735207a8b33c223cff19627dd3042e5a10a3a0".into(),
        ),
        ..FindingRef::default()
    }]);
    assert_eq!(applied.findings[0].status, Status::NotAffected);
    assert_eq!(
        applied.findings[0]
            .decided_by
            .as_ref()
            .unwrap()
            .source
            .issuer,
        "vendor"
    );
    // A policy that does not name the key does not count it.
    let set = VexSet::build(
        vec![source],
        &TrustPolicy::default(),
        ts("2026-12-07T00:00:00Z"),
    );
    assert_eq!(set.untrusted().len(), 1);
}

#[test]
fn unverifiable_or_foreign_bundles_are_refused() {
    let (author, mut log, stranger) = (key(), TestRekor::new(key()), key());
    let mut stranger_log = TestRekor::new(key());
    let payload = openvex_statement("https://openvex.dev/ns/v0.2.0");
    let trust = TrustRoot::new(vec![log.log_key()]);
    let keys = [author.public_key().clone()];
    let verifier = KeyVerifier {
        keys: &keys,
        trust: &trust,
    };
    // Signed by a key the policy does not have.
    let e = VexSource::from_bundle(&bundle(&stranger, &mut log, &payload), &verifier).unwrap_err();
    assert!(matches!(e, VexError::Signature { .. }), "{e}");
    // Logged by a log nobody trusts.
    let e = VexSource::from_bundle(&bundle(&author, &mut stranger_log, &payload), &verifier)
        .unwrap_err();
    assert!(matches!(e, VexError::Signature { .. }), "{e}");
    // A payload changed after signing.
    let mut forged: serde_json::Value =
        serde_json::from_slice(&bundle(&author, &mut log, &payload)).unwrap();
    let b64 = forged["dsseEnvelope"]["payload"]
        .as_str()
        .unwrap()
        .to_owned();
    forged["dsseEnvelope"]["payload"] = json!(format!("{}A", &b64[..b64.len() - 1]));
    let e = VexSource::from_bundle(&serde_json::to_vec(&forged).unwrap(), &verifier).unwrap_err();
    assert!(matches!(e, VexError::Signature { .. }), "{e}");
    // Verified, but not OpenVEX (another predicate type): not read.
    let other = bundle(
        &author,
        &mut log,
        &openvex_statement("https://slsa.dev/provenance/v1"),
    );
    let e = VexSource::from_bundle(&other, &verifier).unwrap_err();
    assert!(matches!(e, VexError::Signature { .. }), "{e}");
    // Keyless (a certificate instead of a key): said not built, never a pass.
    let mut keyless: serde_json::Value =
        serde_json::from_slice(&bundle(&author, &mut log, &payload)).unwrap();
    keyless["verificationMaterial"]
        .as_object_mut()
        .unwrap()
        .remove("publicKey");
    keyless["verificationMaterial"]["certificate"] = json!({"rawBytes": "AAAA"});
    let e = VexSource::from_bundle(&serde_json::to_vec(&keyless).unwrap(), &verifier).unwrap_err();
    assert!(e.to_string().contains("keyless"), "{e}");
}

/// A real keyless bundle (sigstore-conformance `happy-path-intoto-in-dsse-v3`: a Fulcio
/// certificate from GitHub Actions, a SLSA provenance statement) through [`KeylessVerifier`]:
/// the right identity verifies it (and, not being OpenVEX, it is then refused unread); a
/// wrong identity or a missing trusted root fails at verification.
#[test]
fn keyless_bundles_verify_under_the_identity_policy_before_anything_is_read() {
    use stella_attest::transparency::bundle::{Bundle, TrustedRoot, VerificationPolicy};
    use stella_attest::transparency::identity::{CertificateIdentity, StringMatcher};
    use stella_vex::{AttestationVerifier, KeylessVerifier};

    let suite = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/sigstore/conformance");
    let bundle_json = std::fs::read(
        suite.join("bundle-verify/happy-path-intoto-in-dsse-v3/bundle.sigstore.json"),
    )
    .unwrap();
    let root =
        TrustedRoot::from_json(&std::fs::read(suite.join("production.trusted_root.json")).unwrap())
            .unwrap();
    let workflow = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
    let policy = |san: &str| {
        VerificationPolicy::identity(CertificateIdentity::new(
            StringMatcher::exact(san),
            StringMatcher::exact("https://token.actions.githubusercontent.com"),
        ))
    };
    let good = policy(workflow);
    let verifier = KeylessVerifier {
        policy: &good,
        root: &root,
    };
    let (envelope, signers) = verifier
        .verify(&Bundle::parse(&bundle_json).unwrap())
        .unwrap();
    assert_eq!(signers, [workflow]);
    assert_eq!(envelope.payload_type(), PAYLOAD_TYPE_IN_TOTO);
    // Verified, but a SLSA provenance statement, not OpenVEX: refused before reading.
    let e = VexSource::from_bundle(&bundle_json, &verifier).unwrap_err();
    assert!(matches!(e, VexError::Signature { .. }), "{e}");
    assert!(!e.to_string().contains("keyless"), "{e}");
    // Another workflow signed nothing here.
    let other =
        policy("https://github.com/someone-else/repo/.github/workflows/vex.yml@refs/heads/main");
    let e = KeylessVerifier {
        policy: &other,
        root: &root,
    }
    .verify(&Bundle::parse(&bundle_json).unwrap())
    .unwrap_err();
    assert!(matches!(e, VexError::Signature { .. }), "{e}");
    // A trusted root without the Fulcio CA: the chain cannot verify.
    let mut bare: serde_json::Value =
        serde_json::from_slice(&std::fs::read(suite.join("production.trusted_root.json")).unwrap())
            .unwrap();
    bare["certificateAuthorities"] = json!([]);
    let bare = TrustedRoot::from_json(&serde_json::to_vec(&bare).unwrap()).unwrap();
    let e = KeylessVerifier {
        policy: &good,
        root: &bare,
    }
    .verify(&Bundle::parse(&bundle_json).unwrap())
    .unwrap_err();
    assert!(matches!(e, VexError::Signature { .. }), "{e}");
}

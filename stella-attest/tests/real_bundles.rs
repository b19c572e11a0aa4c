#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Real Sigstore bundles (tests/vectors/sigstore/real, see its PROVENANCE.md): npm provenance
//! (sha512-only subjects), a GitHub attestation, sigstore-go's examples. What this branch can
//! check of them: they parse, their statements parse, their subjects match an artifact given
//! by sha512, and the key-based ones verify end to end. Keyless verification (Fulcio chains,
//! identities) is the keyless verifier's; PROVENANCE.md lists what each bundle needs for it.

use stella_attest::keys::PublicKey;
use stella_attest::statement::{ArtifactDigests, Statement, StatementPolicy, StatementVersion};
use stella_attest::transparency::bundle::{Bundle, TrustRoot, VerifiedContent};

const REAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/sigstore/real/"
);

fn read(name: &str) -> Vec<u8> {
    std::fs::read(format!("{REAL}{name}")).unwrap()
}

/// The two bundles of an npm `dist.attestations` document: npm's publish attestation
/// (key-based, npm registry key) and the SLSA provenance (keyless, GitHub Actions).
fn npm_bundles() -> Vec<(String, Vec<u8>)> {
    let doc: serde_json::Value =
        serde_json::from_slice(&read("npm-gundam-visor-1.0.1.attestations.json")).unwrap();
    doc["attestations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["predicateType"].as_str().unwrap().to_owned(),
                serde_json::to_vec(&a["bundle"]).unwrap(),
            )
        })
        .collect()
}

fn statement_of(bundle: &Bundle) -> Statement {
    Statement::from_json(&bundle.dsse_envelope.as_ref().unwrap().payload).unwrap()
}

const GUNDAM_SHA512: &str = "8d9d7972f676516c75014aa074e11ae604d98f0b64ec6725a61e2838ff3dab162118fa71433fb31e1550d30bd0dec9d086ce032b94457b583900c507acf39c40";

#[test]
fn npm_provenance_statements_parse_and_match_by_sha512() {
    let bundles = npm_bundles();
    assert_eq!(bundles.len(), 2);
    let tarball = ArtifactDigests::parse(&format!("sha512:{GUNDAM_SHA512}")).unwrap();
    let other = ArtifactDigests::parse(&format!("sha512:{}", "0".repeat(128))).unwrap();
    for (predicate_type, bytes) in &bundles {
        let bundle = Bundle::parse(bytes).unwrap();
        let st = statement_of(&bundle);
        assert_eq!(st.predicate_type(), predicate_type);
        assert_eq!(st.subjects().len(), 1);
        assert_eq!(
            st.subjects()[0].name.as_deref(),
            Some("pkg:npm/gundam-visor@1.0.1")
        );
        assert_eq!(
            st.subjects()[0].digest.keys().collect::<Vec<_>>(),
            ["sha512"]
        );
        assert!(st.predicate().is_object());
        assert!(st.matches_artifact(&tarball));
        assert!(!st.matches_artifact(&other));
        // Nothing to compare an artifact known by sha256 only with.
        assert!(!st.has_subject(&stella_core::Digest::of(b"tarball")));
    }
    // The publish attestation is a legacy v0.1 statement, the provenance a v1 one.
    assert_eq!(
        statement_of(&Bundle::parse(&bundles[0].1).unwrap()).version(),
        StatementVersion::V01
    );
    assert_eq!(
        statement_of(&Bundle::parse(&bundles[1].1).unwrap()).version(),
        StatementVersion::V1
    );
}

#[test]
fn npm_publish_attestation_verifies_with_the_npm_registry_key() {
    let (_, bytes) = &npm_bundles()[0];
    let bundle = Bundle::parse(bytes).unwrap();
    let key = PublicKey::from_pem_or_der(&read("npm-registry-2023.pub.pem")).unwrap();
    let trust = TrustRoot::from_trusted_root_json(&read("../trustedroot.v1.json")).unwrap();
    let verified = bundle.verify_with_key(&key, None, &trust).unwrap();
    assert_eq!(verified.log_entries.len(), 1);
    assert_eq!(verified.log_entries[0].log_index, 99_434_465);
    let VerifiedContent::Dsse(envelope) = &verified.content else {
        panic!("a DSSE bundle");
    };
    let tarball = ArtifactDigests::parse(&format!("sha512:{GUNDAM_SHA512}")).unwrap();
    let st = StatementPolicy::new()
        .allow_predicate_type("https://github.com/npm/attestation/tree/main/specs/publish/v0.1")
        .expect_artifact(tarball)
        .check(envelope)
        .unwrap();
    assert_eq!(st.statement().predicate()["name"], "gundam-visor");
    // Another key (sigstore-go's example key) does not verify it.
    let wrong = PublicKey::from_pem_or_der(&read("sigstore-go-public-key.pem")).unwrap();
    assert!(bundle.verify_with_key(&wrong, None, &trust).is_err());
}

#[test]
fn github_staging_attestation_parses_with_an_npm_subject() {
    let bundle = Bundle::parse(&read("sigstore-go-bundle-github-staging.json")).unwrap();
    let st = statement_of(&bundle);
    assert_eq!(st.version(), StatementVersion::V01);
    assert_eq!(st.predicate_type(), "https://slsa.dev/provenance/v0.2");
    assert_eq!(
        st.subjects()[0].name.as_deref(),
        Some("pkg:npm/sigstore@1.3.0")
    );
    let sha512 = &st.subjects()[0].digest["sha512"];
    assert!(st.matches_artifact(&ArtifactDigests::parse(&format!("sha512:{sha512}")).unwrap()));
    // The predicate's materials use sha1 (kept, never matched on).
    assert_eq!(
        st.predicate()["materials"][0]["digest"]["sha1"],
        "dae8bd8eb433a4147b4655c00fe73e0f22bc0fb1"
    );
}

#[test]
fn sigstore_go_public_key_bundle_verifies_its_text_payload() {
    let bundle = Bundle::parse(&read("sigstore-go-bundle-public-key.json")).unwrap();
    let env = bundle.dsse_envelope.as_ref().unwrap();
    assert_eq!(env.payload, b"hello, world!");
    let key = PublicKey::from_pem_or_der(&read("sigstore-go-public-key.pem")).unwrap();
    // The envelope alone (the bundle has no log entry) verifies as plain DSSE of type
    // text/plain.
    let json = serde_json::json!({
        "payload": "aGVsbG8sIHdvcmxkIQ==",
        "payloadType": env.payload_type,
        "signatures": [{"sig": base64_sig(&bundle), "keyid": ""}],
    });
    let envelope =
        stella_attest::dsse::Envelope::from_json(&serde_json::to_vec(&json).unwrap()).unwrap();
    let mut keyring = stella_attest::dsse::Keyring::new();
    keyring.add(key).unwrap();
    let verified = envelope.verify(&keyring, &["text/plain"]).unwrap();
    assert_eq!(verified.payload(), b"hello, world!");
}

fn base64_sig(bundle: &Bundle) -> String {
    let v: serde_json::Value = serde_json::to_value(bundle).unwrap();
    v["dsseEnvelope"]["signatures"][0]["sig"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn production_trusted_root_parses() {
    // (The GitHub staging root has no Rekor log, only a Fulcio CA and a TSA: today's key-based
    // TrustRoot refuses it; it is for the keyless verifier.)
    TrustRoot::from_trusted_root_json(&read("sigstore-production.trusted_root.json")).unwrap();
}

/// GitHub's timestamp-only attestation (sigstore-go's `bundle-github-staging.json`: a GitHub
/// staging Fulcio certificate, no transparency log entry, one RFC 3161 timestamp; its trusted
/// root has no Rekor and no CT log). sigstore-go verifies it with a signed-timestamp threshold
/// of 1 and no transparency log (`WithSignedTimestamps(1)` without `WithTransparencyLog`); so
/// does Stella with both thresholds lowered by name — and refuses it by default, as before.
#[test]
fn github_timestamp_only_attestation_verifies_only_with_the_thresholds_lowered() {
    use stella_attest::transparency::TransparencyError;
    use stella_attest::transparency::bundle::{
        ArtifactInput, TimestampSource, TrustedRoot, VerificationPolicy,
    };
    use stella_attest::transparency::identity::{CertificateIdentity, StringMatcher};

    let bundle = Bundle::parse(&read("sigstore-go-bundle-github-staging.json")).unwrap();
    assert!(bundle.verification_material.tlog_entries.is_empty());
    let root =
        TrustedRoot::from_json(&read("sigstore-go-trusted-root-github-staging.json")).unwrap();
    let identity = |san: &str| {
        VerificationPolicy::identity(CertificateIdentity::new(
            StringMatcher::exact(san),
            StringMatcher::exact("https://github.com/login/oauth"),
        ))
    };
    let lowered = |p: VerificationPolicy| p.with_tlog_threshold(0).with_sct_threshold(0);

    let v = bundle
        .verify(
            &lowered(identity("cody@soyland.com")),
            ArtifactInput::None,
            &root,
        )
        .unwrap();
    assert_eq!(v.signer.id(), "cody@soyland.com");
    assert_eq!(v.signer.issuer(), Some("https://github.com/login/oauth"));
    assert!(v.log_entries.is_empty() && v.rekor_v2_entries.is_empty());
    assert_eq!(v.timestamps.len(), 1);
    assert!(matches!(
        v.timestamps[0].source,
        TimestampSource::Rfc3161 { .. }
    ));
    // 2023-05-16T19:58:49Z, as PROVENANCE.md records.
    assert_eq!(v.timestamps[0].unix_seconds, 1_684_267_129);

    // The default policy still requires a log entry.
    let e = bundle
        .verify(&identity("cody@soyland.com"), ArtifactInput::None, &root)
        .unwrap_err();
    assert!(e.to_string().contains("tlogEntries"), "{e}");
    // Only the log threshold lowered: the certificate's SCT cannot verify (no CT log).
    let e = bundle
        .verify(
            &identity("cody@soyland.com").with_tlog_threshold(0),
            ArtifactInput::None,
            &root,
        )
        .unwrap_err();
    assert!(e.to_string().contains("SCT"), "{e}");
    // Lowered thresholds relax nothing else: the identity is still checked…
    let e = bundle
        .verify(
            &lowered(identity("someone@example.com")),
            ArtifactInput::None,
            &root,
        )
        .unwrap_err();
    assert!(
        matches!(e, TransparencyError::IdentityMismatch { .. }),
        "{e}"
    );
    // …a threshold above what the bundle carries is refused…
    let e = bundle
        .verify(
            &identity("cody@soyland.com")
                .with_tlog_threshold(0)
                .with_sct_threshold(2),
            ArtifactInput::None,
            &root,
        )
        .unwrap_err();
    assert!(e.to_string().contains("SCT"), "{e}");
    // …and without its timestamp nothing dates the signature.
    let mut json: serde_json::Value =
        serde_json::from_slice(&read("sigstore-go-bundle-github-staging.json")).unwrap();
    json["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"] =
        serde_json::json!([]);
    let untimed = Bundle::parse(&serde_json::to_vec(&json).unwrap()).unwrap();
    let e = untimed
        .verify(
            &lowered(identity("cody@soyland.com")),
            ArtifactInput::None,
            &root,
        )
        .unwrap_err();
    assert!(
        matches!(e, TransparencyError::NoVerifiedTimestamp { .. }),
        "{e}"
    );
}

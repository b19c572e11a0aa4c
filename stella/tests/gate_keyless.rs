#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Keyless evidence reaches the gate: a Sigstore bundle verified with an identity policy
//! becomes a gate-input attestation whose signer is the certificate identity and whose
//! `signer_issuer` is the OIDC issuer, so a Rego policy can require "signed by this workflow".

use std::path::{Path, PathBuf};

use stella::gate_input::GateInputBuilder;
use stella_attest::transparency::bundle::{ArtifactInput, Bundle, TrustedRoot, VerificationPolicy};
use stella_attest::transparency::identity::{CertificateIdentity, StringMatcher};
use stella_core::Digest;
use stella_policy::{Bundle as PolicyBundle, Gate, GateOptions};

const WORKFLOW: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const GITHUB: &str = "https://token.actions.githubusercontent.com";

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/sigstore/conformance")
}

/// The gate's policy: allow only when an attestation about the image was signed by `workflow`
/// as GitHub's OIDC issuer says.
fn policy(workflow: &str) -> PolicyBundle {
    let rego = format!(
        r#"package stella.policy

import rego.v1

default allow := false

allow if {{
	some a in input.attestations
	a.signer == "{workflow}"
	a.signer_issuer == "{GITHUB}"
	input.image.digest in a.subject_digests
}}
"#
    );
    PolicyBundle::from_files([("signed_by.rego", rego.as_bytes())], Some("test".into())).unwrap()
}

#[test]
fn a_policy_can_require_the_signing_workflow() {
    let bundle_json = std::fs::read(
        suite().join("bundle-verify/happy-path-intoto-in-dsse-v3/bundle.sigstore.json"),
    )
    .unwrap();
    let root = TrustedRoot::from_json(
        &std::fs::read(suite().join("production.trusted_root.json")).unwrap(),
    )
    .unwrap();
    let artifact = std::fs::read(suite().join("a.txt")).unwrap();
    let verification = Bundle::parse(&bundle_json)
        .unwrap()
        .verify(
            &VerificationPolicy::identity(CertificateIdentity::new(
                StringMatcher::exact(WORKFLOW),
                StringMatcher::exact(GITHUB),
            )),
            ArtifactInput::Bytes(&artifact),
            &root,
        )
        .unwrap();

    // The "image" of this test is the artifact the statement is about.
    let image = Digest::of(&artifact);
    let input = GateInputBuilder::new(image, Some("a.txt".into()))
        .sigstore_bundle(Digest::of(&bundle_json), &verification)
        .unwrap()
        .build();
    let attestation = &input.attestations[0];
    assert_eq!(attestation.signer.as_deref(), Some(WORKFLOW));
    assert_eq!(attestation.signer_issuer.as_deref(), Some(GITHUB));
    assert_eq!(attestation.subject_digests, [image.to_string()]);
    assert_eq!(
        attestation.predicate_type.as_deref(),
        Some("https://slsa.dev/provenance/v1")
    );
    assert!(
        attestation
            .rekor
            .as_ref()
            .and_then(|r| r.log_index)
            .is_some()
    );

    let allow = Gate::new(&policy(WORKFLOW), GateOptions::default())
        .unwrap()
        .evaluate(&input)
        .unwrap();
    assert!(allow.allow, "{allow:?}");
    let other =
        "https://github.com/someone-else/repo/.github/workflows/release.yml@refs/heads/main";
    let deny = Gate::new(&policy(other), GateOptions::default())
        .unwrap()
        .evaluate(&input)
        .unwrap();
    assert!(!deny.allow, "{deny:?}");

    // The same attestation bound to another image does not satisfy the policy.
    let elsewhere = GateInputBuilder::new(Digest::of(b"another image"), None)
        .sigstore_bundle(Digest::of(&bundle_json), &verification)
        .unwrap()
        .build();
    let v = Gate::new(&policy(WORKFLOW), GateOptions::default())
        .unwrap()
        .evaluate(&elsewhere)
        .unwrap();
    assert!(!v.allow, "{v:?}");

    // The field round-trips through the gate input's JSON form.
    let json = input.to_canonical_json().unwrap();
    let text = String::from_utf8(json.clone()).unwrap();
    assert!(
        text.contains(r#""signer_issuer":"https://token.actions.githubusercontent.com""#),
        "{text}"
    );
    assert_eq!(stella_policy::GateInput::from_json(&json).unwrap(), input);
}

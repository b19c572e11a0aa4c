#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Every sigstore-conformance bundle-verify case (`tests/vectors/sigstore/conformance`, 70
//! cases) through [`sigstore_bundle_verify`], the function every binding calls: a case named
//! `*_fail` must be refused, every other case must verify (keyless ones with the suite's
//! identity and issuer, managed-key ones with the case's key). The
//! Python, Node and Swift (FFI) suites run the same cases through their bindings.

use std::path::{Path, PathBuf};

use stella_bindings_api::*;
use stella_core::Digest;

const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/sigstore/conformance")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn options(case: &Path) -> BundleVerifyOptions {
    let or = |name: &str, default: PathBuf| {
        let p = case.join(name);
        if p.exists() { p } else { default }
    };
    let artifact = read(&or("artifact", suite().join("a.txt")));
    let mut o = BundleVerifyOptions {
        trusted_root_json: read(&or(
            "trusted_root.json",
            suite().join("production.trusted_root.json"),
        )),
        ..Default::default()
    };
    if case.join("key.pub").exists() {
        o.public_keys_pem = vec![String::from_utf8(read(&case.join("key.pub"))).unwrap()];
        o.artifact = artifact;
    } else {
        let text = |name: &str, default: &str| {
            let p = case.join(name);
            if p.exists() {
                String::from_utf8(read(&p)).unwrap().trim().to_owned()
            } else {
                default.to_owned()
            }
        };
        o.artifact = artifact;
        o.certificate_identity = text("identity", IDENTITY);
        o.certificate_oidc_issuer = text("issuer", ISSUER);
    }
    o
}

#[test]
fn every_conformance_case_gives_the_expected_answer() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(suite().join("bundle-verify"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 70);
    let mut wrong = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let result =
            sigstore_bundle_verify(&read(&case.join("bundle.sigstore.json")), &options(case));
        match (&result, name.ends_with("_fail")) {
            (Ok(v), false) => {
                assert!(
                    !v.signing_times.is_empty(),
                    "{name}: a verified signing time"
                );
                if case.join("key.pub").exists() {
                    assert!(
                        !v.key_id.is_empty() && v.signer_identity.is_empty(),
                        "{name}"
                    );
                } else {
                    assert!(v.key_id.is_empty(), "{name}");
                    assert!(
                        !v.signer_identity.is_empty() && !v.signer_issuer.is_empty(),
                        "{name}"
                    );
                }
            }
            (Err(_), true) => {}
            (r, _) => wrong.push(format!("{name}: {r:?}")),
        }
    }
    assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
}

#[test]
fn keyless_identity_policy_options_are_checked_before_the_bundle_is_read() {
    let case = suite().join("bundle-verify/happy-path-v0.3");
    let bundle = read(&case.join("bundle.sigstore.json"));
    let good = options(&case);
    let verified = sigstore_bundle_verify(&bundle, &good).unwrap();
    assert_eq!(verified.signer_identity, IDENTITY);
    assert_eq!(verified.signer_issuer, ISSUER);

    let invalid = |o: BundleVerifyOptions, why: &str| {
        let e = sigstore_bundle_verify(b"not even json", &o).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument, "{why}: {e:?}");
    };
    // No policy at all.
    invalid(
        BundleVerifyOptions {
            trusted_root_json: good.trusted_root_json.clone(),
            ..Default::default()
        },
        "no key and no identity",
    );
    // Half a policy: an identity without an issuer, and the reverse.
    invalid(
        BundleVerifyOptions {
            certificate_oidc_issuer: String::new(),
            ..good.clone()
        },
        "identity without issuer",
    );
    invalid(
        BundleVerifyOptions {
            certificate_identity: String::new(),
            ..good.clone()
        },
        "issuer without identity",
    );
    // Exact and regexp for the same field.
    invalid(
        BundleVerifyOptions {
            certificate_identity_regexp: "^https://github.com/".into(),
            ..good.clone()
        },
        "identity and identity regexp",
    );
    // The insecure opt-out does not mix with a policy.
    invalid(
        BundleVerifyOptions {
            insecure_ignore_identity: true,
            ..good.clone()
        },
        "insecure with an identity",
    );
    // Keyless needs a trusted root.
    invalid(
        BundleVerifyOptions {
            trusted_root_json: Vec::new(),
            ..good.clone()
        },
        "no trusted root",
    );
}

#[test]
fn keyless_identity_mismatch_and_insecure_opt_out() {
    let case = suite().join("bundle-verify/happy-path-v0.3");
    let bundle = read(&case.join("bundle.sigstore.json"));
    let good = options(&case);
    let other = BundleVerifyOptions {
        certificate_identity:
            "https://github.com/someone-else/repo/.github/workflows/x.yml@refs/heads/main".into(),
        ..good.clone()
    };
    let e = sigstore_bundle_verify(&bundle, &other).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Verification, "{e:?}");
    let regexp = BundleVerifyOptions {
        certificate_identity: String::new(),
        certificate_identity_regexp: "^https://github\\.com/sigstore-conformance/".into(),
        ..good.clone()
    };
    assert_eq!(
        sigstore_bundle_verify(&bundle, &regexp)
            .unwrap()
            .signer_identity,
        IDENTITY
    );
    let insecure = BundleVerifyOptions {
        certificate_identity: String::new(),
        certificate_oidc_issuer: String::new(),
        insecure_ignore_identity: true,
        ..good
    };
    assert_eq!(
        sigstore_bundle_verify(&bundle, &insecure)
            .unwrap()
            .signer_identity,
        IDENTITY
    );
}

#[test]
fn artifact_digest_stands_for_the_artifact() {
    // A DSSE bundle: the digest must be a subject of the statement.
    let case = suite().join("bundle-verify/happy-path-intoto-in-dsse-v3");
    let bundle = read(&case.join("bundle.sigstore.json"));
    let with_bytes = options(&case);
    let by_digest = BundleVerifyOptions {
        artifact: Vec::new(),
        artifact_digest: Digest::of(&with_bytes.artifact).to_string(),
        ..with_bytes.clone()
    };
    let a = sigstore_bundle_verify(&bundle, &with_bytes).unwrap();
    let b = sigstore_bundle_verify(&bundle, &by_digest).unwrap();
    assert_eq!(a, b);
    let wrong = BundleVerifyOptions {
        artifact_digest: Digest::of(b"another artifact").to_string(),
        ..by_digest.clone()
    };
    assert_eq!(
        sigstore_bundle_verify(&bundle, &wrong).unwrap_err().kind,
        ErrorKind::Verification
    );
    let both = BundleVerifyOptions {
        artifact: with_bytes.artifact.clone(),
        ..by_digest
    };
    assert_eq!(
        sigstore_bundle_verify(&bundle, &both).unwrap_err().kind,
        ErrorKind::InvalidArgument
    );
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! sigstore-conformance's bundle-verify suite (tests/vectors/sigstore/conformance/, see its
//! PROVENANCE.md), data-driven: every case is run through `Bundle::verify` as the
//! conformance harness runs a client — the case's `trusted_root.json` or the production one,
//! the case's `artifact` or `a.txt`, `key.pub` for managed-key cases, otherwise the certificate
//! identity and issuer (the case's `identity` / `issuer` files or the suite's defaults). A case
//! whose name ends in `_fail` must fail; every other must pass.

use std::path::{Path, PathBuf};

use stella_attest::keys::PublicKey;
use stella_attest::transparency::bundle::{ArtifactInput, Bundle, TrustedRoot, VerificationPolicy};
use stella_attest::transparency::identity::{CertificateIdentity, StringMatcher};

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/sigstore/conformance")
}

fn read_text(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
}

/// Runs one case; `Ok(())` when it verified, `Err(reason)` when it did not.
fn run_case(dir: &Path) -> Result<(), String> {
    let bundle_json = std::fs::read(dir.join("bundle.sigstore.json")).map_err(|e| e.to_string())?;
    let root_path = if dir.join("trusted_root.json").exists() {
        dir.join("trusted_root.json")
    } else {
        suite().join("production.trusted_root.json")
    };
    let root_json = std::fs::read(root_path).map_err(|e| e.to_string())?;
    let artifact_path = if dir.join("artifact").exists() {
        dir.join("artifact")
    } else {
        suite().join("a.txt")
    };
    let artifact = std::fs::read(artifact_path).map_err(|e| e.to_string())?;
    let policy = if dir.join("key.pub").exists() {
        let pem = std::fs::read(dir.join("key.pub")).map_err(|e| e.to_string())?;
        VerificationPolicy::key(PublicKey::from_pem_or_der(&pem).map_err(|e| e.to_string())?)
    } else {
        let identity =
            read_text(&dir.join("identity")).unwrap_or_else(|| DEFAULT_IDENTITY.to_owned());
        let issuer = read_text(&dir.join("issuer")).unwrap_or_else(|| DEFAULT_ISSUER.to_owned());
        VerificationPolicy::identity(CertificateIdentity::new(
            StringMatcher::exact(identity),
            StringMatcher::exact(issuer),
        ))
    };
    let root = TrustedRoot::from_json(&root_json).map_err(|e| format!("trusted root: {e}"))?;
    let bundle = Bundle::parse(&bundle_json).map_err(|e| format!("bundle: {e}"))?;
    let report = bundle.verify_report(&policy, ArtifactInput::Bytes(&artifact), &root);
    // The report's last check is the failing one, and only a passing run has all checks passed.
    match &report.result {
        Ok(_) => {
            assert!(
                report.checks.iter().all(|c| c.passed),
                "{:?}",
                report.checks
            );
            Ok(())
        }
        Err(e) => {
            let last = report.checks.last().map(|c| (c.name, c.passed));
            assert!(matches!(last, Some((_, false))), "{:?}", report.checks);
            Err(format!("{}: {e}", last.map(|l| l.0).unwrap_or_default()))
        }
    }
}

#[test]
fn every_bundle_verify_case_gives_the_expected_answer() {
    let dir = suite().join("bundle-verify");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let (mut right, mut wrong_accept, mut wrong_reject) = (0, Vec::new(), Vec::new());
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let must_fail = name.ends_with("_fail");
        let outcome = run_case(case);
        match (must_fail, outcome) {
            (true, Err(reason)) => {
                println!("ok   {name}: refused ({reason})");
                right += 1;
            }
            (false, Ok(())) => {
                println!("ok   {name}: verified");
                right += 1;
            }
            (true, Ok(())) => {
                println!("FAIL {name}: accepted but must fail");
                wrong_accept.push(name);
            }
            (false, Err(reason)) => {
                println!("FAIL {name}: refused but must pass: {reason}");
                wrong_reject.push(format!("{name}: {reason}"));
            }
        }
    }
    println!(
        "sigstore-conformance bundle-verify: {right}/{} right, {} accepted that must fail, {} refused that must pass",
        cases.len(),
        wrong_accept.len(),
        wrong_reject.len()
    );
    assert_eq!(cases.len(), 70, "the suite has 70 cases");
    assert!(
        wrong_accept.is_empty(),
        "accepted but must fail: {wrong_accept:#?}"
    );
    assert!(
        wrong_reject.is_empty(),
        "refused but must pass: {wrong_reject:#?}"
    );
}

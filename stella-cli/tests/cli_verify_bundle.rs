#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella verify BUNDLE --key K --rekor-key R --artifact F`: Sigstore bundles offline.

use assert_cmd::Command;
use stella_attest::transparency::bundle::doc_example_bundle;

fn stella() -> Command {
    Command::cargo_bin("stella").unwrap()
}

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let ex = doc_example_bundle().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.sigstore.json"), &ex.bundle_json).unwrap();
        std::fs::write(dir.path().join("artifact"), &ex.artifact).unwrap();
        std::fs::write(dir.path().join("signer.pub"), ex.signer_key.to_pem()).unwrap();
        std::fs::write(dir.path().join("rekor.pub"), ex.log_key.to_pem()).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

#[test]
fn key_based_bundle_verifies() {
    let f = Fixture::new();
    let out = stella()
        .args(["verify", &f.path("b.sigstore.json")])
        .args(["--key", &f.path("signer.pub")])
        .args(["--rekor-key", &f.path("rekor.pub")])
        .args(["--artifact", &f.path("artifact")])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("Verified OK:"), "{text}");
    assert!(text.contains("log entry:      index 0"), "{text}");

    let out = stella()
        .args(["verify", &f.path("b.sigstore.json"), "--json"])
        .args(["--key", &f.path("signer.pub")])
        .args(["--rekor-key", &f.path("rekor.pub")])
        .args(["--artifact", &f.path("artifact")])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["verified"], true);
    assert_eq!(v["kind"], "sigstore-bundle");
    assert_eq!(v["logEntries"][0]["setVerified"], true);
}

#[test]
fn tampered_or_untrusted_bundle_does_not_verify() {
    let f = Fixture::new();
    std::fs::write(f.path("other"), b"another artifact").unwrap();
    // Wrong artifact: exit 1.
    let out = stella()
        .args(["verify", &f.path("b.sigstore.json")])
        .args(["--key", &f.path("signer.pub")])
        .args(["--rekor-key", &f.path("rekor.pub")])
        .args(["--artifact", &f.path("other")])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    assert_stderr(&out, "verification failed");
    // The signer's key as the log key: the log is not trusted, exit 1.
    stella()
        .args(["verify", &f.path("b.sigstore.json")])
        .args(["--key", &f.path("signer.pub")])
        .args(["--rekor-key", &f.path("signer.pub")])
        .args(["--artifact", &f.path("artifact")])
        .assert()
        .code(1);
    // The log key as the signer: exit 1.
    stella()
        .args(["verify", &f.path("b.sigstore.json")])
        .args(["--key", &f.path("rekor.pub")])
        .args(["--rekor-key", &f.path("rekor.pub")])
        .args(["--artifact", &f.path("artifact")])
        .assert()
        .code(1);
}

#[test]
fn usage_errors_exit_2() {
    let f = Fixture::new();
    // No log key.
    let out = stella()
        .args(["verify", &f.path("b.sigstore.json")])
        .args(["--key", &f.path("signer.pub")])
        .args(["--artifact", &f.path("artifact")])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert_stderr(&out, "--rekor-key");
    // No artifact for a message signature.
    let out = stella()
        .args(["verify", &f.path("b.sigstore.json")])
        .args(["--key", &f.path("signer.pub")])
        .args(["--rekor-key", &f.path("rekor.pub")])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert_stderr(&out, "--artifact");
}

#[test]
fn keyless_bundle_with_a_key_is_refused_never_a_pass() {
    let f = Fixture::new();
    let vectors = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/sigstore/");
    let out = stella()
        .args(["verify", &format!("{vectors}new_bundle.txt.sigstore.json")])
        .args(["--key", &f.path("signer.pub")])
        .args(["--trusted-root", &format!("{vectors}trustedroot.v1.json")])
        .args(["--artifact", &format!("{vectors}new_bundle.txt")])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert_stderr(&out, "keyless");
}

const CONFORMANCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/sigstore/conformance/"
);
const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

/// `--artifact a.txt` and the suite's default identity and issuer.
fn conformance_identity() -> [String; 6] {
    [
        "--artifact".into(),
        format!("{CONFORMANCE}a.txt"),
        "--certificate-identity".into(),
        IDENTITY.into(),
        "--certificate-oidc-issuer".into(),
        ISSUER.into(),
    ]
}

fn keyless(case: &str) -> Command {
    let mut cmd = stella();
    cmd.args([
        "verify",
        &format!("{CONFORMANCE}bundle-verify/{case}/bundle.sigstore.json"),
    ])
    .args([
        "--trusted-root",
        &format!("{CONFORMANCE}production.trusted_root.json"),
    ]);
    cmd
}

#[test]
fn keyless_bundle_verifies_with_identity_and_issuer() {
    let out = keyless("happy-path-v0.3")
        .args(conformance_identity())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("Verified OK"), "{text}");
    assert!(text.contains(IDENTITY), "{text}");
    assert!(text.contains(ISSUER), "{text}");
    // By digest, with regexps and a GitHub claim, and the JSON report.
    let digest = stella_core::Digest::of(&std::fs::read(format!("{CONFORMANCE}a.txt")).unwrap());
    let out = keyless("happy-path-v0.3")
        .args(["--artifact-digest", &digest.to_string()])
        .args([
            "--certificate-identity-regexp",
            "^https://github\\.com/sigstore-conformance/",
        ])
        .args(["--certificate-oidc-issuer-regexp", "githubusercontent"])
        .args(["--certificate-github-workflow-ref", "refs/heads/main"])
        .arg("--json")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["verified"], true);
    assert_eq!(report["signer"]["identity"]["san"], IDENTITY);
    assert_eq!(report["signer"]["identity"]["issuer"], ISSUER);
    let checks = report["checks"].as_array().unwrap();
    assert!(checks.len() >= 10);
    assert!(checks.iter().all(|c| c["passed"] == true));
}

#[test]
fn keyless_failures_exit_1_and_the_json_report_names_the_failed_check() {
    let out = keyless("happy-path-v0.3")
        .args(["--artifact", &format!("{CONFORMANCE}a.txt")])
        .args([
            "--certificate-identity",
            "https://github.com/evil/repo/.github/workflows/x.yml@refs/heads/main",
        ])
        .args(["--certificate-oidc-issuer", ISSUER])
        .arg("--json")
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["verified"], false);
    let last = report["checks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["name"], "identity");
    assert_eq!(last["passed"], false);
    assert!(
        report["error"]
            .as_str()
            .unwrap()
            .contains("subject alternative name")
    );
    // A conformance case that must fail: exit 1.
    keyless("signature-mismatch_fail")
        .args(conformance_identity())
        .assert()
        .code(1);
}

#[test]
fn keyless_without_an_identity_policy_is_refused_unless_insecure_is_explicit() {
    let out = keyless("happy-path-v0.3")
        .args(["--artifact", &format!("{CONFORMANCE}a.txt")])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert_stderr(&out, "identity policy");
    // Only one half of the identity.
    let out = keyless("happy-path-v0.3")
        .args(["--artifact", &format!("{CONFORMANCE}a.txt")])
        .args(["--certificate-identity", IDENTITY])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert_stderr(&out, "OIDC issuer");
    let out = keyless("happy-path-v0.3")
        .args(["--artifact", &format!("{CONFORMANCE}a.txt")])
        .arg("--insecure-ignore-identity")
        .arg("--json")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let identity = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "identity")
        .unwrap()
        .clone();
    assert!(identity["detail"].as_str().unwrap().contains("NOT CHECKED"));
    // No trusted root: a usage error.
    stella()
        .args([
            "verify",
            &format!("{CONFORMANCE}bundle-verify/happy-path-v0.3/bundle.sigstore.json"),
        ])
        .args(conformance_identity())
        .assert()
        .code(2);
}

#[test]
fn keyless_dsse_bundle_checks_the_statement() {
    let dir = format!("{CONFORMANCE}bundle-verify/intoto-with-custom-trust-root/");
    let run = |artifact: &str| {
        stella()
            .args(["verify", &format!("{dir}bundle.sigstore.json")])
            .args(["--trusted-root", &format!("{dir}trusted_root.json")])
            .args(["--artifact", artifact])
            .args(["--certificate-identity", IDENTITY])
            .args(["--certificate-oidc-issuer", ISSUER])
            .arg("--json")
            .assert()
    };
    let out = run(&format!("{dir}artifact"))
        .code(0)
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["payloadType"], "application/vnd.in-toto+json");
    assert!(report["subjects"].as_array().is_some_and(|s| !s.is_empty()));
    // An artifact that is not a subject: exit 1.
    run(&format!("{CONFORMANCE}a.txt")).code(1);
}

fn assert_stderr(stderr: &[u8], needle: &str) {
    let text = String::from_utf8_lossy(stderr);
    assert!(text.contains(needle), "stderr lacks {needle:?}: {text}");
}

/// GitHub's timestamp-only attestation (tests/vectors/sigstore/real): refused by default (no
/// log entry, no CT log), verified with `--tlog-threshold 0 --sct-threshold 0`, as sigstore-go
/// verifies it with a transparency-log threshold of 0; the thresholds do not apply to a
/// key-based bundle.
#[test]
fn timestamp_only_attestation_verifies_with_the_thresholds_lowered_by_name() {
    let real = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/sigstore/real/"
    );
    let run = |extra: &[&str]| {
        stella()
            .args([
                "verify",
                &format!("{real}sigstore-go-bundle-github-staging.json"),
                "--trusted-root",
                &format!("{real}sigstore-go-trusted-root-github-staging.json"),
                "--certificate-identity",
                "cody@soyland.com",
                "--certificate-oidc-issuer",
                "https://github.com/login/oauth",
                "--json",
            ])
            .args(extra)
            .assert()
    };
    let out = run(&[]).code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("tlogEntries"), "{stdout}");
    run(&["--tlog-threshold", "0"]).code(1);
    let out = run(&["--tlog-threshold", "0", "--sct-threshold", "0"]).code(0);
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let sct = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "sct")
        .unwrap()
        .clone();
    assert!(
        sct["detail"].as_str().unwrap().contains("NOT CHECKED"),
        "{sct}"
    );

    let f = Fixture::new();
    stella()
        .args(["verify", &f.path("b.sigstore.json")])
        .args(["--key", &f.path("signer.pub")])
        .args(["--rekor-key", &f.path("rekor.pub")])
        .args(["--artifact", &f.path("artifact")])
        .args(["--tlog-threshold", "0"])
        .assert()
        .code(2);
}

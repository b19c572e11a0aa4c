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
fn keyless_bundle_is_not_supported_never_a_pass() {
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
    assert_stderr(&out, "not supported");
}

fn assert_stderr(stderr: &[u8], needle: &str) {
    let text = String::from_utf8_lossy(stderr);
    assert!(text.contains(needle), "stderr lacks {needle:?}: {text}");
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella verify`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use stella_core::Digest;

fn stella() -> Command {
    Command::cargo_bin("stella").unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    key: PathBuf,
    public: PathBuf,
    other_public: PathBuf,
    envelope: PathBuf,
    image: Digest,
    key_id: String,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let out = stella()
        .args(["key", "generate", "--output-file"])
        .arg(p("k.key"))
        .arg("--public-file")
        .arg(p("k.pub"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let key_id = stderr.trim().strip_prefix("key id: ").unwrap().to_owned();
    stella()
        .args(["key", "generate", "--algorithm", "ed25519", "--output-file"])
        .arg(p("o.key"))
        .arg("--public-file")
        .arg(p("o.pub"))
        .assert()
        .success();
    std::fs::write(
        p("pred.json"),
        br#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#,
    )
    .unwrap();
    let image = Digest::of(b"manifest");
    stella()
        .args(["attest", "--type", "cyclonedx", "--predicate"])
        .arg(p("pred.json"))
        .arg("--key")
        .arg(p("k.key"))
        .arg("--output-file")
        .arg(p("env.json"))
        .arg(format!("app@{image}"))
        .assert()
        .success();
    Fixture {
        key: p("k.key"),
        public: p("k.pub"),
        other_public: p("o.pub"),
        envelope: p("env.json"),
        image,
        key_id,
        _dir: dir,
    }
}

fn verify(f: &Fixture, envelope: &Path, key: &Path) -> Command {
    let mut c = stella();
    c.arg("verify").arg(envelope).arg("--key").arg(key);
    let _ = f;
    c
}

#[test]
fn verified_envelope_exits_0_and_prints_summary() {
    let f = fixture();
    let out = verify(&f, &f.envelope, &f.public)
        .args(["--type", "cyclonedx", "--subject"])
        .arg(f.image.to_string())
        .arg("--require-signer")
        .arg(&f.key_id)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.starts_with("Verified OK"), "{text}");
    assert!(text.contains("https://cyclonedx.org/bom"), "{text}");
    assert!(text.contains(&format!("app {}", f.image)), "{text}");
    assert!(text.contains(&f.key_id), "{text}");
    // The private key file also works (its public half is used).
    verify(&f, &f.envelope, &f.key).assert().success();
}

#[test]
fn json_summary() {
    let f = fixture();
    let out = verify(&f, &f.envelope, &f.public)
        .arg("--json")
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["verified"], true);
    assert_eq!(v["predicateType"], "https://cyclonedx.org/bom");
    assert_eq!(v["statementType"], "https://in-toto.io/Statement/v1");
    assert_eq!(v["subjects"][0]["digest"]["sha256"], f.image.hex());
    assert_eq!(v["keyIds"][0], f.key_id.as_str());
}

#[test]
fn not_verified_exits_1() {
    let f = fixture();
    // Wrong key.
    let out = verify(&f, &f.envelope, &f.other_public).assert().code(1);
    assert!(out.get_output().stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("verification failed") && stderr.contains("env.json"),
        "{stderr}"
    );
    // Wrong predicate type, subject or signer.
    verify(&f, &f.envelope, &f.public)
        .args(["--type", "spdx"])
        .assert()
        .code(1);
    verify(&f, &f.envelope, &f.public)
        .arg("--subject")
        .arg(Digest::of(b"other").to_string())
        .assert()
        .code(1);
    verify(&f, &f.envelope, &f.public)
        .args(["--require-signer", "sha256:0000"])
        .assert()
        .code(1);
    // Tampered payload.
    let mut env: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&f.envelope).unwrap()).unwrap();
    env["payload"] = serde_json::Value::String("e30=".into());
    let tampered = f.envelope.with_file_name("tampered.json");
    std::fs::write(&tampered, serde_json::to_vec(&env).unwrap()).unwrap();
    verify(&f, &tampered, &f.public).assert().code(1);
    // Threshold above the number of keys is a usage problem, not a verdict.
    verify(&f, &f.envelope, &f.public)
        .args(["--threshold", "2"])
        .assert()
        .code(2);
    // Two keys, threshold 2, one signature: not verified.
    verify(&f, &f.envelope, &f.public)
        .arg("--key")
        .arg(&f.other_public)
        .args(["--threshold", "2"])
        .assert()
        .code(1);
}

#[test]
fn malformed_input_exits_2() {
    let f = fixture();
    let bad = f.envelope.with_file_name("bad.json");
    std::fs::write(&bad, b"{\"payload\":").unwrap();
    let out = verify(&f, &bad, &f.public).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("bad.json"), "{stderr}");
    verify(&f, &f.envelope.with_file_name("missing.json"), &f.public)
        .assert()
        .code(2);
    stella().args(["verify"]).arg(&f.envelope).assert().code(2);
}

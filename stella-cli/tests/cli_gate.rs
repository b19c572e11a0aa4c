#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella gate --policy DIR | --builtin --input F [--json]`: exit 0 allow, 1 deny, 2 error.

use std::path::Path;

use assert_cmd::Command;
use serde_json::{Value, json};

const IMG: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

fn stella() -> Command {
    Command::cargo_bin("stella").unwrap()
}

fn write_input(dir: &Path, findings: Value, vex: Value, attestations: Value) -> std::path::PathBuf {
    let path = dir.join("input.json");
    let v = json!({"image": {"digest": IMG}, "scan": {}, "findings": findings, "vex": vex,
                   "attestations": attestations, "waivers": []});
    std::fs::write(&path, v.to_string()).unwrap();
    path
}

fn critical() -> Value {
    json!([{"id": "CVE-2024-0001", "aliases": [], "severity": "CRITICAL", "exploitability": "affected",
            "package": {"purl": "pkg:npm/a@1"}, "fixed_versions": [], "reachability": "reachable"}])
}

fn seed_policy_dir(dir: &Path) -> std::path::PathBuf {
    let policy = dir.join("policy");
    std::fs::create_dir_all(policy.join("sub")).unwrap();
    std::fs::write(policy.join("gate.rego"), stella_policy::SEED_EXPLOITABLE).unwrap();
    std::fs::write(policy.join("sub/rekor.rego"), stella_policy::SEED_REKOR).unwrap();
    std::fs::write(policy.join("README.md"), "ignored").unwrap();
    std::fs::write(policy.join(".manifest"), r#"{"revision":"abc123"}"#).unwrap();
    policy
}

#[test]
fn allow_exits_0_and_deny_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let policy = seed_policy_dir(dir.path());
    let waived = json!([{"vuln_id": "CVE-2024-0001", "product": "pkg:npm/a@1",
                         "status": "not_affected", "justification": "component_not_present"}]);
    let input = write_input(dir.path(), critical(), waived, json!([]));
    let out = stella()
        .args(["gate", "--policy"])
        .arg(&policy)
        .arg("--input")
        .arg(&input)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("ALLOW: sha256:1111"), "{text}");
    assert!(text.contains("@ abc123"), "{text}");

    let input = write_input(dir.path(), critical(), json!([]), json!([]));
    let out = stella()
        .args(["gate", "--policy"])
        .arg(&policy)
        .arg("--input")
        .arg(&input)
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("DENY: "));
}

#[test]
fn json_prints_the_decision_record_and_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    let policy = seed_policy_dir(dir.path());
    let input = write_input(
        dir.path(),
        json!([]),
        json!([]),
        json!([{"id": "att-1", "predicateType": "https://slsa.dev/provenance/v1", "subject_digests": [IMG]}]),
    );
    let run = || {
        stella()
            .args([
                "gate",
                "--json",
                "--time",
                "2026-11-26T12:00:00Z",
                "--actor",
                "ci",
                "--policy",
            ])
            .arg(&policy)
            .arg("--input")
            .arg(&input)
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone()
    };
    let first = run();
    assert_eq!(first, run());
    let record: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(record["result"]["allow"], json!(false));
    assert_eq!(
        record["result"]["violations"],
        json!(["Attestation att-1 lacks Rekor inclusion proof"])
    );
    assert_eq!(record["policy"]["revision"], json!("abc123"));
    assert_eq!(record["decided_at"], json!("2026-11-26T12:00:00Z"));
    assert_eq!(record["actor"], json!("ci"));
    assert_eq!(record["engine"]["name"], json!("regorus"));
    // The record is canonical JSON (plus a newline).
    assert!(stella_core::canonical::is_canonical(
        &first[..first.len() - 1]
    ));
}

#[test]
fn builtin_bundle_and_signing() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), json!([]), json!([]), json!([]));
    stella()
        .args(["gate", "--builtin", "--input"])
        .arg(&input)
        .assert()
        .code(0);

    let key = dir.path().join("k.pem");
    stella()
        .args(["key", "generate", "--algorithm", "ed25519", "--output-file"])
        .arg(&key)
        .assert()
        .success();
    let envelope = dir.path().join("decision.dsse.json");
    stella()
        .args(["gate", "--builtin", "--input"])
        .arg(&input)
        .arg("--key")
        .arg(&key)
        .arg("--envelope-file")
        .arg(&envelope)
        .assert()
        .code(0);
    stella()
        .arg("verify")
        .arg(&envelope)
        .arg("--key")
        .arg(&key)
        .args(["--type", "policy-decision", "--subject", IMG])
        .assert()
        .code(0);
}

#[test]
fn errors_exit_2_with_the_input_named() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("bad");
    std::fs::create_dir(&policy).unwrap();
    std::fs::write(
        policy.join("bad.rego"),
        "package stella.policy\n\nallow {\n  1 +\n}\n",
    )
    .unwrap();
    let input = write_input(dir.path(), json!([]), json!([]), json!([]));
    let out = stella()
        .args(["gate", "--policy"])
        .arg(&policy)
        .arg("--input")
        .arg(&input)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.rego:3:7: expecting }"), "{err}");

    // Input missing a field the policy decides on (absent lists are the empty list, but a
    // finding without a severity is refused).
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        json!({"image": {"digest": IMG}, "findings": [{"id": "CVE-1", "exploitability": "affected"}]})
            .to_string(),
    )
    .unwrap();
    let out = stella()
        .args(["gate", "--builtin", "--input"])
        .arg(&broken)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("broken.json") && err.contains("missing field"),
        "{err}"
    );

    // A policy dir with no decision rules, and a missing input file.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("x.rego"), "package stella.policy\nfoo := 1\n").unwrap();
    stella()
        .args(["gate", "--policy"])
        .arg(&empty)
        .arg("--input")
        .arg(&input)
        .assert()
        .code(2);
    stella()
        .args(["gate", "--builtin", "--input"])
        .arg(dir.path().join("nope.json"))
        .assert()
        .code(2);

    // A runaway policy stops at the instruction limit.
    let slow = dir.path().join("slow");
    std::fs::create_dir(&slow).unwrap();
    std::fs::write(
        slow.join("loop.rego"),
        "package stella.policy\n\nallow {\n  r := numbers.range(1, 100000)\n  some x in r\n  some y in r\n  x * y == -1\n}\n",
    )
    .unwrap();
    let out = stella()
        .args(["gate", "--max-instructions", "10000", "--policy"])
        .arg(&slow)
        .arg("--input")
        .arg(&input)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("exceeded 10000 instructions"), "{err}");
}

#[test]
fn a_recursive_policy_or_a_random_builtin_exits_2_naming_it() {
    // Before, the recursive policy aborted `stella gate` with a stack overflow (exit by
    // SIGABRT), and rand.intn made the same input decide differently from run to run.
    let dir = tempfile::tempdir().unwrap();
    let input = write_input(dir.path(), json!([]), json!([]), json!([]));
    for (name, text, expected) in [
        (
            "recursive",
            "package stella.policy\nimport rego.v1\nf(x) := y if { y := g(x) }\ng(x) := y if { y := f(x) }\nallow if { f(1) }\n",
            "p.rego:3:21: recursion: data.stella.policy.f -> data.stella.policy.g -> data.stella.policy.f",
        ),
        (
            "random",
            "package stella.policy\nimport rego.v1\nallow if { rand.intn(\"k\", 2) == 1 }\n",
            "p.rego:3:12: builtin rand.intn is not allowed in a policy",
        ),
    ] {
        let policy = dir.path().join(name);
        std::fs::create_dir(&policy).unwrap();
        std::fs::write(policy.join("p.rego"), text).unwrap();
        let out = stella()
            .args(["gate", "--policy"])
            .arg(&policy)
            .arg("--input")
            .arg(&input)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(expected), "{name}: {err}");
    }
}

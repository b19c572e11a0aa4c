#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella gate` with what OPA users write: the seed's minimal input, `input.context`, data
//! files, `.tar.gz` bundles, `--explain`, and `stella gate test`.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

fn stella() -> Command {
    Command::cargo_bin("stella").unwrap()
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

/// Runs `stella gate FLAGS --policy POLICY --input INPUT`, expects `code`, returns stdout.
fn gate(flags: &[&str], policy: &Path, input: &Path, code: i32) -> Vec<u8> {
    stella()
        .arg("gate")
        .args(flags)
        .arg("--policy")
        .arg(policy)
        .arg("--input")
        .arg(input)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone()
}

/// The seed's example input, exactly the fields the seed names.
const SEED_INPUT: &str = r#"{"findings":[{"id":"CVE-2024-3094","severity":"CRITICAL","exploitability":"affected"}],
"vex":[{"vuln_id":"CVE-2024-3094","status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}],
"attestations":[{"id":"sbom-1","rekor":{"inclusion_proof":{"tree_size":1,"hashes":[]}}}]}"#;

fn seed_policy(dir: &Path) -> PathBuf {
    let policy = dir.join("policy");
    write(
        &policy.join("exploitable.rego"),
        stella_policy::SEED_EXPLOITABLE,
    );
    write(&policy.join("rekor.rego"), stella_policy::SEED_REKOR);
    policy
}

#[test]
fn the_seed_minimal_input_passes_the_seed_policies_and_explain_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let policy = seed_policy(dir.path());
    let input = write(&dir.path().join("input.json"), SEED_INPUT);
    let text = String::from_utf8(gate(&["--explain"], &policy, &input, 0)).unwrap();
    assert!(text.starts_with("ALLOW: (no image)"), "{text}");
    assert!(text.contains("  allow = true\n"), "{text}");
    assert!(
        text.contains("    vex[0] (CVE-2024-3094 not_affected -): without it: false"),
        "{text}"
    );
    // Without the VEX statement: deny, and the explanation names the finding.
    let v: Value = serde_json::from_str(SEED_INPUT).unwrap();
    let mut denied = v.clone();
    denied["vex"] = json!([]);
    let input = write(&dir.path().join("denied.json"), &denied.to_string());
    let out = stella()
        .args([
            "gate",
            "--explain",
            "--json",
            "--time",
            "2026-12-07T00:00:00Z",
            "--policy",
        ])
        .arg(&policy)
        .arg("--input")
        .arg(&input)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["record"]["result"]["allow"], false);
    assert!(j["record"].get("image_digest").is_none());
    let allow = j["explanation"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "allow")
        .unwrap();
    assert_eq!(allow["items"][0]["item"], "findings[0]");
    assert_eq!(allow["items"][0]["alone"], false);
    // Deterministic bytes.
    let again = stella()
        .args([
            "gate",
            "--explain",
            "--json",
            "--time",
            "2026-12-07T00:00:00Z",
            "--policy",
        ])
        .arg(&policy)
        .arg("--input")
        .arg(&input)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert_eq!(out.stdout, again);
}

const ENV_POLICY: &str = r#"package stella.policy
import rego.v1

default allow := false
allow if input.context.environment in data.gate.relaxed
allow if count(input.findings) == 0
"#;

const ENV_TESTS: &str = r#"package stella.policy_test
import rego.v1
import data.stella.policy

test_dev_is_relaxed if policy.allow with input as {"context": {"environment": "dev"}, "findings": [{"id": "x"}]}
test_prod_with_findings_denied if not policy.allow with input as {"context": {"environment": "prod"}, "findings": [{"id": "x"}]}
"#;

fn env_bundle(dir: &Path) -> PathBuf {
    let policy = dir.join("env");
    write(&policy.join("stella/policy/gate.rego"), ENV_POLICY);
    write(&policy.join("stella/policy/gate_test.rego"), ENV_TESTS);
    write(
        &policy.join("gate/data.yaml"),
        "relaxed:\n  - dev\n  - staging\n",
    );
    write(
        &policy.join(".manifest"),
        r#"{"revision":"9e8d7c6","roots":["stella","gate"]}"#,
    );
    policy
}

#[test]
fn context_environment_data_yaml_and_the_manifest_revision() {
    let dir = tempfile::tempdir().unwrap();
    let policy = env_bundle(dir.path());
    for (env, code) in [("dev", 0), ("staging", 0), ("prod", 1)] {
        let input = write(
            &dir.path().join(format!("{env}.json")),
            &json!({"findings": [{"id": "CVE-1", "severity": "HIGH", "exploitability": "affected"}],
                    "context": {"environment": env}})
            .to_string(),
        );
        let record: Value =
            serde_json::from_slice(&gate(&["--json"], &policy, &input, code)).unwrap();
        assert_eq!(record["policy"]["revision"], "9e8d7c6", "{env}");
    }
    // A typo in a typed field is refused (exit 2), naming the field.
    let input = write(
        &dir.path().join("typo.json"),
        r#"{"findings":[{"id":"C","severity":"LOW","exploitability":"affected","reachabilty":"reachable"}]}"#,
    );
    let out = stella()
        .args(["gate", "--policy"])
        .arg(&policy)
        .arg("--input")
        .arg(&input)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8_lossy(&out).contains("reachabilty"),
        "{}",
        String::from_utf8_lossy(&out)
    );
}

fn targz_of_dir(dir: &Path, out: &Path) {
    let mut b = tar::Builder::new(Vec::new());
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    for p in files {
        let rel = p.strip_prefix(dir).unwrap().to_str().unwrap().to_owned();
        let body = std::fs::read(&p).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, &rel, body.as_slice()).unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&b.into_inner().unwrap()).unwrap();
    std::fs::write(out, gz.finish().unwrap()).unwrap();
}

#[test]
fn gate_test_runs_policy_tests_from_a_directory_and_a_tar_gz() {
    let dir = tempfile::tempdir().unwrap();
    let policy = env_bundle(dir.path());
    let bundle = dir.path().join("bundle.tar.gz");
    targz_of_dir(&policy, &bundle);
    for target in [&policy, &bundle] {
        let out = stella()
            .args(["gate", "test"])
            .arg(target)
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("data.stella.policy_test.test_dev_is_relaxed: PASS\n"),
            "{text}"
        );
        assert!(text.ends_with("PASS: 2/2\n"), "{text}");
    }
    // A failing test: exit 1, reported per test, and as JSON.
    write(
        &policy.join("stella/policy/more_test.rego"),
        "package stella.policy_test\nimport rego.v1\nimport data.stella.policy\ntest_wrong if policy.allow with input as {\"context\": {\"environment\": \"prod\"}, \"findings\": [1]}\n",
    );
    let out = stella()
        .args(["gate", "test", "--json"])
        .arg(&policy)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let results: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        results,
        json!([
            {"package": "data.stella.policy_test", "name": "test_dev_is_relaxed", "outcome": "pass"},
            {"package": "data.stella.policy_test", "name": "test_prod_with_findings_denied", "outcome": "pass"},
            {"package": "data.stella.policy_test", "name": "test_wrong", "outcome": "fail", "message": "undefined"}
        ])
    );
    // The gate over the .tar.gz: the manifest's revision is recorded.
    let input = write(
        &dir.path().join("dev.json"),
        r#"{"context":{"environment":"dev"},"findings":[]}"#,
    );
    let record: Value = serde_json::from_slice(&gate(&["--json"], &bundle, &input, 0)).unwrap();
    assert_eq!(record["policy"]["revision"], "9e8d7c6");
    // A bundle that does not load: exit 2.
    stella()
        .args(["gate", "test"])
        .arg(dir.path().join("missing"))
        .assert()
        .code(2);
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella vex validate | merge | apply | create`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_core::{Digest, SignatureAlgorithm, Timestamp};
use stella_vex::{Document, Justification, Status, ValidationOptions, Waiver, validate};

const NOW: &str = "2026-11-26T12:00:00Z";

fn stella() -> Command {
    Command::cargo_bin("stella").unwrap()
}

fn vector(name: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/openvex"
    ))
    .join(name)
}

fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    p
}

fn vex_doc(id: &str, author: &str, ts: &str, status: &str) -> Value {
    let mut s = json!({"vulnerability": {"name": "CVE-2024-1000", "aliases": ["GHSA-aaaa-bbbb-cccc"]},
        "products": [{"@id": "pkg:npm/left-pad"}], "status": status});
    if status == "not_affected" {
        s["justification"] = json!("vulnerable_code_not_present");
    }
    if status == "affected" {
        s["action_statement"] = json!("upgrade to 2.0.0");
    }
    json!({"@context": "https://openvex.dev/ns/v0.2.0", "@id": id, "author": author,
           "timestamp": ts, "version": 1, "statements": [s]})
}

fn stdout(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&out.get_output().stdout).into_owned()
}

fn stderr(out: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

#[test]
fn validate_accepts_spec_examples_and_names_the_bad_statement() {
    let out = stella()
        .args(["vex", "validate", "--now", NOW])
        .arg(vector("spec-v0.2.0-minimal.json"))
        .arg(vector("spec-v0.2.0-spring-log4j.repaired.json"))
        .assert()
        .success();
    let text = stdout(&out);
    assert!(
        text.contains("spec-v0.2.0-minimal.json: valid OpenVEX (1 statement)"),
        "{text}"
    );

    let dir = tempfile::tempdir().unwrap();
    let mut bad = vex_doc(
        "https://example.com/bad",
        "a",
        "2024-01-01T00:00:00Z",
        "fixed",
    );
    bad["statements"][0]["status"] = json!("not_affected");
    let bad = write(dir.path(), "bad.json", &bad);
    let out = stella()
        .args(["vex", "validate", "--now", NOW])
        .arg(&bad)
        .assert()
        .code(2);
    let err = stderr(&out);
    assert!(
        err.contains("bad.json") && err.contains("statement #0") && err.contains("justification"),
        "{err}"
    );

    // The verbatim spec example with upstream JSON typos is refused, not guessed at.
    stella()
        .args(["vex", "validate", "--now", NOW])
        .arg(vector("spec-v0.2.0-spring-log4j.json"))
        .assert()
        .code(2);
}

#[test]
fn merge_explains_and_needs_trust() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.json",
        &vex_doc(
            "https://example.com/a",
            "alice",
            "2024-01-01T00:00:00Z",
            "affected",
        ),
    );
    let b = write(
        dir.path(),
        "b.json",
        &vex_doc(
            "https://example.com/b",
            "bob",
            "2024-03-01T00:00:00Z",
            "not_affected",
        ),
    );

    let out = stella()
        .args(["vex", "merge", "--now", NOW])
        .arg(&a)
        .arg(&b)
        .assert()
        .code(2);
    assert!(
        stderr(&out).contains("no trusted statements"),
        "{}",
        stderr(&out)
    );

    let merged = dir.path().join("merged.json");
    let out = stella()
        .args([
            "vex",
            "merge",
            "--allow-unsigned",
            "--explain",
            "--now",
            NOW,
            "--output-file",
        ])
        .arg(&merged)
        .arg(&a)
        .arg(&b)
        .assert()
        .success();
    let err = stderr(&out);
    assert!(
        err.contains("CVE-2024-1000 on pkg:npm/left-pad: not_affected"),
        "{err}"
    );
    assert!(
        err.contains("decided by: not_affected") && err.contains("\"bob\""),
        "{err}"
    );
    assert!(
        err.contains("superseded: affected") && err.contains("\"alice\""),
        "{err}"
    );
    let doc = Document::parse(&std::fs::read(&merged).unwrap()).unwrap();
    validate(&doc, &ValidationOptions::default()).unwrap();
    assert_eq!(doc.statements.len(), 1);
    assert_eq!(doc.statements[0].status, Status::NotAffected);
    assert_eq!(doc.timestamp.to_string(), NOW);

    // Same inputs, other order, same bytes.
    let again = stella()
        .args([
            "vex",
            "merge",
            "--allow-unsigned",
            "--explain",
            "--now",
            NOW,
        ])
        .arg(&b)
        .arg(&a)
        .assert()
        .success();
    assert_eq!(again.get_output().stdout, std::fs::read(&merged).unwrap());
}

#[test]
fn apply_counts_and_expired_waivers_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let image = Digest::of(b"image");
    let vex = write(
        dir.path(),
        "vex.json",
        &vex_doc(
            "https://example.com/a",
            "vendor",
            "2024-01-01T00:00:00Z",
            "not_affected",
        ),
    );
    let waiver = Waiver::new(
        image,
        vec!["CVE-2024-2000".into()],
        "firewalled",
        "ciso@example.com",
        Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
        Timestamp::parse_rfc3339("2026-02-01T00:00:00Z").unwrap(),
        Status::NotAffected,
        Some(Justification::InlineMitigationsAlreadyExist),
        None,
    )
    .unwrap();
    let waiver_path = dir.path().join("waiver.json");
    std::fs::write(&waiver_path, waiver.to_json().unwrap()).unwrap();
    let sarif = write(
        dir.path(),
        "findings.sarif",
        &json!({
            "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "scanner"}},
                      "properties": {"imageDigest": image.to_string()},
                      "results": [
                {"ruleId": "GHSA-aaaa-bbbb-cccc", "message": {"text": "x"}, "properties": {"purl": "pkg:npm/left-pad@1.3.0"}},
                {"ruleId": "CVE-2024-2000", "message": {"text": "y"}, "properties": {"purl": "pkg:npm/express@4.0.0"}},
                {"ruleId": "CVE-2024-3000", "message": {"text": "z"}, "properties": {"purl": "pkg:npm/qs@6.0.0"}}
            ]}]
        }),
    );
    let out = stella()
        .args([
            "vex",
            "apply",
            "--allow-unsigned",
            "--now",
            NOW,
            "--findings",
        ])
        .arg(&sarif)
        .arg("--vex")
        .arg(&vex)
        .arg("--vex")
        .arg(&waiver_path)
        .assert()
        .success();
    let result: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        result["counts"],
        json!({"affected": 0, "fixed": 0, "not_affected": 1, "under_investigation": 2})
    );
    assert_eq!(result["expired_waivers"][0]["approver"], "ciso@example.com");
    assert!(stderr(&out).contains("expired"), "{}", stderr(&out));
    let left_pad = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["finding"]["purl"] == "pkg:npm/left-pad@1.3.0")
        .unwrap();
    assert_eq!(left_pad["status"], "not_affected");
    assert_eq!(left_pad["decided_by"]["document"], "https://example.com/a");
}

#[test]
fn create_from_findings_under_a_policy() {
    let dir = tempfile::tempdir().unwrap();
    let findings = write(
        dir.path(),
        "findings.json",
        &json!({
            "format": "stella-ops/findings@v1",
            "target": {"name": "app", "image_digest": Digest::of(b"img").to_string()},
            "findings": [
                {"id": "CVE-2024-1", "ids": ["CVE-2024-1"], "package": {"purl": "pkg:npm/a@1.0.0"}, "reachability": "unreachable"},
                {"id": "CVE-2024-2", "ids": ["CVE-2024-2"], "package": {"purl": "pkg:npm/b@1.0.0"}, "reachability": "reachable"}
            ]
        }),
    );
    let policy = dir.path().join("vex-policy.yaml");
    std::fs::write(&policy, "author: Example Security\nrules:\n  - name: unreachable\n    when: {reachability: not_found_on_entry_paths}\n    status: not_affected\n    justification: vulnerable_code_not_in_execute_path\n").unwrap();
    let out = stella()
        .args(["vex", "create", "--now", NOW, "--from"])
        .arg(&findings)
        .arg("--policy")
        .arg(&policy)
        .assert()
        .success();
    let doc = Document::parse(&out.get_output().stdout).unwrap();
    assert_eq!(doc.author, "Example Security");
    assert_eq!(doc.statements[0].status, Status::NotAffected);
    assert_eq!(doc.statements[1].status, Status::UnderInvestigation);
    // The package is a subcomponent of the scanned image.
    assert_eq!(
        doc.statements[0].products[0].component.id.as_deref(),
        Some(Digest::of(b"img").to_string().as_str())
    );

    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "author: x\nrules:\n  - name: r\n    status: not_affected\n",
    )
    .unwrap();
    let out = stella()
        .args(["vex", "create", "--now", NOW, "--from"])
        .arg(&findings)
        .arg("--policy")
        .arg(&bad)
        .assert()
        .code(2);
    assert!(stderr(&out).contains("bad.yaml"), "{}", stderr(&out));
}

#[test]
fn signed_vex_is_verified_with_the_given_key() {
    let dir = tempfile::tempdir().unwrap();
    let key =
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &SystemRandom::new()).unwrap();
    let public = dir.path().join("k.pub");
    std::fs::write(&public, key.public_key().to_pem()).unwrap();
    let other = PrivateKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new()).unwrap();
    let other_public = dir.path().join("o.pub");
    std::fs::write(&other_public, other.public_key().to_pem()).unwrap();
    let signer = LocalSigner::new(key, SystemRandom::new()).unwrap();
    let doc = Document::parse(
        &serde_json::to_vec(&vex_doc(
            "https://example.com/s",
            "vendor",
            "2024-01-01T00:00:00Z",
            "fixed",
        ))
        .unwrap(),
    )
    .unwrap();
    let env =
        stella_vex::sign_document(&doc, &[("img".into(), Digest::of(b"img"))], &signer).unwrap();
    let env_path = dir.path().join("signed.dsse.json");
    std::fs::write(&env_path, env).unwrap();

    let out = stella()
        .args(["vex", "merge", "--now", NOW, "--key"])
        .arg(&public)
        .arg(&env_path)
        .assert()
        .success();
    let merged = Document::parse(&out.get_output().stdout).unwrap();
    assert_eq!(merged.statements[0].status, Status::Fixed);
    // Signed and unsigned together: --allow-unsigned lets the unsigned one count as well.
    let later = dir.path().join("later.json");
    std::fs::write(
        &later,
        serde_json::to_vec(&vex_doc(
            "https://example.com/l",
            "team",
            "2025-01-01T00:00:00Z",
            "affected",
        ))
        .unwrap(),
    )
    .unwrap();
    let out = stella()
        .args([
            "vex",
            "merge",
            "--allow-unsigned",
            "--explain",
            "--now",
            NOW,
            "--key",
        ])
        .arg(&public)
        .arg(&env_path)
        .arg(&later)
        .assert()
        .success();
    let merged = Document::parse(&out.get_output().stdout).unwrap();
    assert_eq!(merged.statements[0].status, Status::Affected);
    assert!(
        stderr(&out).contains("superseded: fixed"),
        "{}",
        stderr(&out)
    );
    // Without --allow-unsigned the unsigned one is reported, not applied.
    let out = stella()
        .args(["vex", "merge", "--now", NOW, "--key"])
        .arg(&public)
        .arg(&env_path)
        .arg(&later)
        .assert()
        .success();
    assert_eq!(
        Document::parse(&out.get_output().stdout)
            .unwrap()
            .statements[0]
            .status,
        Status::Fixed
    );
    assert!(
        stderr(&out).contains("untrusted") && stderr(&out).contains("unsigned"),
        "{}",
        stderr(&out)
    );
    // No key: a usage error naming the file.
    let out = stella()
        .args(["vex", "merge", "--now", NOW])
        .arg(&env_path)
        .assert()
        .code(2);
    assert!(
        stderr(&out).contains("signed.dsse.json"),
        "{}",
        stderr(&out)
    );
    // The wrong key: verification fails, exit 2.
    stella()
        .args(["vex", "merge", "--now", NOW, "--key"])
        .arg(&other_public)
        .arg(&env_path)
        .assert()
        .code(2);
}

/// A VEX document far over the limit is refused by its length before it is read into memory
/// or parsed (a 157 MB document used to need 5.9 GB); an unsigned document the trust policy
/// would ignore is not parsed at all.
#[test]
fn oversized_and_untrusted_unsigned_vex_are_refused_before_parsing() {
    let t = tempfile::tempdir().unwrap();
    let big = t.path().join("big.json");
    {
        use std::io::Write as _;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        let doc = serde_json::to_vec(&vex_doc(
            "https://example.com/big",
            "a",
            "2026-01-01T00:00:00Z",
            "fixed",
        ))
        .unwrap();
        f.write_all(&doc).unwrap();
        // Whitespace keeps it valid JSON: only its size is wrong.
        let pad = vec![b' '; 1 << 20];
        for _ in 0..(stella::vex::MAX_VEX_INPUT_BYTES >> 20) + 1 {
            f.write_all(&pad).unwrap();
        }
    }
    let start = std::time::Instant::now();
    let out = stella()
        .args(["vex", "merge", "--now", NOW, "--allow-unsigned"])
        .arg(&big)
        .assert()
        .code(2);
    assert!(stderr(&out).contains("limit exceeded"), "{}", stderr(&out));
    assert!(start.elapsed() < std::time::Duration::from_secs(10));

    // Not JSON at all, unsigned, and no --allow-unsigned: the trust policy would ignore it, so
    // it is reported and never parsed (it used to fail the whole command with a parse error).
    let junk = t.path().join("junk.json");
    std::fs::write(
        &junk,
        br#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [1, 2"#,
    )
    .unwrap();
    let good = write(
        t.path(),
        "good.json",
        &vex_doc(
            "https://example.com/good",
            "a",
            "2026-01-01T00:00:00Z",
            "fixed",
        ),
    );
    let out = stella()
        .args(["vex", "merge", "--now", NOW])
        .arg(&junk)
        .arg(&good)
        .assert()
        .code(2);
    let err = stderr(&out);
    assert!(err.contains("unsigned VEX is not read"), "{err}");
    assert!(!err.contains("not acceptable JSON"), "{err}");
}

/// Keyless Sigstore bundles reach `stella vex` through the identity flags of `stella verify`
/// (one rule set: `IdentityPolicy::from_flags`) and `--trusted-root`. A real keyless bundle
/// (sigstore-conformance `happy-path-intoto-in-dsse-v3`, a GitHub Actions certificate over a
/// SLSA provenance statement): with the right identity it verifies and is then refused as not
/// OpenVEX; with another identity it fails at the certificate identity; without identity flags
/// the key-based verifier says it is keyless; half an identity or no trusted root is a usage
/// error.
#[test]
fn keyless_bundles_are_verified_under_the_identity_flags() {
    let suite = vector("../sigstore/conformance/");
    let bundle = suite.join("bundle-verify/happy-path-intoto-in-dsse-v3/bundle.sigstore.json");
    let root = suite.join("production.trusted_root.json");
    let workflow = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
    let issuer = "https://token.actions.githubusercontent.com";
    let merge = || {
        let mut cmd = stella();
        cmd.args(["vex", "merge", "--now", NOW]).arg(&bundle);
        cmd
    };
    let out = merge()
        .arg("--trusted-root")
        .arg(&root)
        .args(["--certificate-identity", workflow])
        .args(["--certificate-oidc-issuer", issuer])
        .assert()
        .failure();
    let text = stderr(&out);
    assert!(text.contains("slsa.dev/provenance"), "{text}");
    assert!(!text.contains("does not match"), "{text}");
    assert!(!text.contains("keyless"), "{text}");

    let out = merge()
        .arg("--trusted-root")
        .arg(&root)
        .args([
            "--certificate-identity",
            "https://github.com/someone-else/repo/.github/workflows/vex.yml@refs/heads/main",
        ])
        .args(["--certificate-oidc-issuer", issuer])
        .assert()
        .failure();
    let text = stderr(&out);
    assert!(text.contains("subject alternative name"), "{text}");
    assert!(text.contains("does not match"), "{text}");

    let out = merge().arg("--trusted-root").arg(&root).assert().failure();
    assert!(stderr(&out).contains("keyless"), "{}", stderr(&out));

    let out = merge()
        .arg("--trusted-root")
        .arg(&root)
        .args(["--certificate-identity", workflow])
        .assert()
        .code(2);
    assert!(stderr(&out).contains("OIDC issuer"), "{}", stderr(&out));
    let out = merge()
        .args(["--certificate-identity", workflow])
        .args(["--certificate-oidc-issuer", issuer])
        .assert()
        .code(2);
    assert!(stderr(&out).contains("--trusted-root"), "{}", stderr(&out));
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella vex` against what people publish, end to end: vexctl's legacy documents merge (and
//! the explanation says what was upgraded), `--product`/`--vuln` filter, `validate` refuses what
//! the OpenVEX 0.2.0 schema refuses, `filter` removes from real scanner SARIF what vexctl
//! removes, `convert` reads CSAF and writes CycloneDX/SPDX 3. (VEX inputs that are FIFOs:
//! `fifo_inputs.rs`.)

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const NOW: &str = "2026-12-07T00:00:00Z";

fn stella() -> Command {
    Command::cargo_bin("stella").unwrap()
}

fn vector(name: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors")).join(name)
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = stella().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn path(name: &str) -> String {
    vector(name).display().to_string()
}

#[test]
fn legacy_documents_merge_and_the_explanation_says_what_was_upgraded() {
    let (ok, out, err) = run(&[
        "vex",
        "merge",
        "--allow-unsigned",
        "--explain",
        "--now",
        NOW,
        &path("openvex/vexctl-testdata/v001-1.vex.json"),
        &path("openvex/vexctl-testdata/v001-2.vex.json"),
    ]);
    assert!(ok, "{err}");
    let merged: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(merged["statements"].as_array().unwrap().len(), 1);
    assert_eq!(merged["statements"][0]["status"], "fixed");
    for needle in [
        "upgraded: my-vexdoc2",
        "no document timestamp",
        "superseded: under_investigation",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    // Filters, as vexctl merge --product / --vuln.
    for (flag, value, expect) in [
        ("--product", "pkg:apk/wolfi/git@2.41.0-1", "CVE-1234-5678"),
        ("--vuln", "CVE-9876-54321", "CVE-9876-54321"),
    ] {
        let (ok, out, err) = run(&[
            "vex",
            "merge",
            "--allow-unsigned",
            "--now",
            NOW,
            flag,
            value,
            &path("openvex/vexctl-testdata/v020-1.vex.json"),
            &path("openvex/vexctl-testdata/v020-2.vex.json"),
        ]);
        assert!(ok, "{err}");
        let merged: Value = serde_json::from_str(&out).unwrap();
        let statements = merged["statements"].as_array().unwrap();
        assert_eq!(statements.len(), 1, "{flag}");
        assert_eq!(statements[0]["vulnerability"]["name"], expect, "{flag}");
    }
}

#[test]
fn validate_is_strict_where_the_schema_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(vector("openvex/spec-v0.2.0-minimal.json")).unwrap())
            .unwrap();
    let (ok, _, err) = run(&[
        "vex",
        "validate",
        "--now",
        NOW,
        &path("openvex/spec-v0.2.0-minimal.json"),
    ]);
    assert!(ok, "{err}");
    doc["version"] = "1".into();
    doc["format"] = "text/vex+json".into();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, serde_json::to_vec(&doc).unwrap()).unwrap();
    let (ok, _, err) = run(&["vex", "validate", "--now", NOW, bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("is a string") && err.contains("\"format\""),
        "{err}"
    );
    let (ok, _, _) = run(&[
        "vex",
        "validate",
        "--now",
        NOW,
        &path("openvex/vexctl-testdata/v001-1.vex.json"),
    ]);
    assert!(!ok, "legacy documents are not valid v0.2.0");
}

#[test]
fn filter_removes_what_vexctl_removes_from_real_sarif() {
    for (tool, removed, suppressed_left) in [("grype", 96, 99), ("trivy", 96, 99), ("snyk", 63, 65)]
    {
        let sarif = path(&format!(
            "openvex/vexctl-sarif-filter/nginx-{tool}.sarif.json"
        ));
        let vex = path("openvex/vexctl-sarif-filter/sample-2vulns.openvex.json");
        let count = |args: &[&str]| {
            let (ok, out, err) = run(args);
            assert!(ok, "{tool}: {err}");
            let v: Value = serde_json::from_str(&out).unwrap();
            v["runs"][0]["results"].as_array().unwrap().len()
        };
        let base = [
            "vex",
            "filter",
            "--allow-unsigned",
            "--now",
            NOW,
            &sarif,
            "--vex",
            &vex,
        ];
        let mut with_remove = base.to_vec();
        with_remove.push("--remove");
        assert_eq!(count(&with_remove), removed, "{tool}");
        assert_eq!(count(&base), suppressed_left, "{tool}");
    }
}

#[test]
fn convert_reads_csaf_and_writes_every_format() {
    let csaf = path("csaf/suse-vex-cve-2024-7264.json");
    let (ok, out, err) = run(&["vex", "convert", &csaf, "--to", "openvex"]);
    assert!(ok, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["@id"], "CVE-2024-7264");
    assert_eq!(doc["statements"].as_array().unwrap().len(), 5);
    // `--product` keeps CSAF product ids; one that keeps nothing is an error, not an empty
    // (invalid) document.
    for (product, kept) in [
        ("SUSE Linux Enterprise Server 15 SP6:curl", Some(1)),
        ("nothing", None),
    ] {
        let (ok, out, err) = run(&[
            "vex",
            "convert",
            &csaf,
            "--to",
            "openvex",
            "--product",
            product,
        ]);
        match kept {
            Some(n) => {
                assert!(ok, "{err}");
                let doc: Value = serde_json::from_str(&out).unwrap();
                assert_eq!(doc["statements"].as_array().unwrap().len(), n, "{out}");
            }
            None => assert!(!ok && err.contains("matches the filter"), "{err}"),
        }
    }
    let (ok, out, err) = run(&["vex", "convert", &csaf, "--to", "cyclonedx"]);
    assert!(ok, "{err}");
    let bom: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["vulnerabilities"].as_array().unwrap().len(), 5);
    let (ok, out, err) = run(&[
        "vex",
        "convert",
        &path("cyclonedx-vex/valid-vulnerability-1.5.json"),
        "--to",
        "spdx3",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("security_VexNotAffectedVulnAssessmentRelationship"),
        "{out}"
    );
    let (ok, _, err) = run(&[
        "vex",
        "convert",
        &path("openvex/spec-v0.2.0-minimal.json"),
        "--to",
        "csaf",
    ]);
    assert!(!ok);
    assert!(err.contains("csaf"), "{err}");
}

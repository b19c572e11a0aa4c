#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Severity scores reach the gate: a finding's chosen score (`severity_source`) and every score
//! of its alias group (`scores`), with record and feed, in a gate input that the strict parser
//! and the JSON schema accept and that a Rego policy can read.

use serde_json::json;
use stella::gate_input::GateInputBuilder;
use stella_core::{Digest, Timestamp};
use stella_policy::input::ScoreKind;
use stella_policy::{Bundle, GATE_INPUT_SCHEMA, Gate, GateInput, GateOptions, Severity};
use stella_scan::PackageKind;
use stella_vuln::import::{ImportMode, Importer};
use stella_vuln::matcher::match_packages;
use stella_vuln::snapshot::Snapshot;

/// PYSEC record (no CVSS) matching `a 1.0`; the GHSA of the same CVE (not matching: fixed
/// earlier) with a v3.1 vector and a rating; the NVD record of the CVE with a v3.1 vector.
fn findings() -> Vec<stella_vuln::matcher::Finding> {
    let mut imp = Importer::new(ImportMode::Strict);
    imp.add_document(
        "PYSEC-2099-1.json",
        br#"{"id":"PYSEC-2099-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2099-0001","GHSA-aaaa-bbbb-cccc"],
        "affected":[{"package":{"ecosystem":"PyPI","name":"a"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0"}]}]}]}"#,
    )
    .unwrap();
    imp.add_document(
        "GHSA-aaaa-bbbb-cccc.json",
        br#"{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2099-0001"],
        "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "database_specific":{"severity":"CRITICAL"},
        "affected":[{"package":{"ecosystem":"PyPI","name":"a"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0.5"},{"fixed":"0.9"}]}]}]}"#,
    )
    .unwrap();
    imp.add_nvd(
        "nvd.json",
        br#"{"format":"NVD_CVE","version":"2.0","vulnerabilities":[{"cve":{"id":"CVE-2099-0001",
        "lastModified":"2024-01-02T00:00:00.000","vulnStatus":"Analyzed",
        "metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1",
        "vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N","baseScore":5.3}}]}}}]}"#,
    )
    .unwrap();
    let date = Timestamp::parse_rfc3339("2024-06-01T00:00:00Z").unwrap();
    let snap = Snapshot::load(imp.builder().build(&date).unwrap()).unwrap();
    let mut pkg = stella_scan::testing::package(PackageKind::Python, "a", "1.0", "pkg:pypi/a@1.0");
    pkg.cataloger = "python".into();
    match_packages(&snap, &[pkg], None).unwrap().findings
}

/// (kind, record, feed, severity, score, rating) of a gate score.
type ScoreRow<'a> = (
    ScoreKind,
    &'a str,
    &'a str,
    Severity,
    Option<f64>,
    Option<&'a str>,
);

fn input() -> GateInput {
    GateInputBuilder::new(Digest::of(b"image"), Some("app:1".into()))
        .findings(&findings(), &[])
        .build()
}

#[test]
fn every_score_and_the_chosen_one_are_in_the_input() {
    let input = input();
    let f = &input.findings[0];
    assert_eq!(f.id, "CVE-2099-0001");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.score, Some(9.8));
    let chosen = f.severity_source.as_ref().unwrap();
    assert_eq!(
        (chosen.kind, chosen.record.as_str(), chosen.feed.as_str()),
        (ScoreKind::Cvss, "GHSA-aaaa-bbbb-cccc", "ghsa")
    );
    assert_eq!(chosen.version.as_deref(), Some("3.1"));
    let got: Vec<ScoreRow<'_>> = f
        .scores
        .iter()
        .map(|s| {
            (
                s.kind,
                s.record.as_str(),
                s.feed.as_str(),
                s.severity,
                s.score,
                s.rating.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                ScoreKind::Cvss,
                "GHSA-aaaa-bbbb-cccc",
                "ghsa",
                Severity::Critical,
                Some(9.8),
                None
            ),
            (
                ScoreKind::Cvss,
                "CVE-2099-0001",
                "nvd",
                Severity::Medium,
                Some(5.3),
                None
            ),
            (
                ScoreKind::Rating,
                "GHSA-aaaa-bbbb-cccc",
                "ghsa",
                Severity::Critical,
                None,
                Some("CRITICAL")
            ),
        ]
    );
}

#[test]
fn the_input_passes_the_strict_parser_and_the_schema() {
    let value = serde_json::to_value(input()).unwrap();
    let schema: serde_json::Value = serde_json::from_str(GATE_INPUT_SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let back = GateInput::from_json(value.to_string().as_bytes()).unwrap();
    assert_eq!(back, input());
    // A score the schema does not know is refused by both.
    let mut bad = value.clone();
    bad["findings"][0]["scores"][0]["weight"] = json!(1);
    assert!(validator.iter_errors(&bad).next().is_some());
    assert!(GateInput::from_json(bad.to_string().as_bytes()).is_err());
}

#[test]
fn a_policy_reads_the_scores() {
    let policy = br#"package stella.policy

default allow := false

nvd_medium_or_worse {
  some f in input.findings
  some s in f.scores
  s.feed == "nvd"
  s.score >= 5
}

decided_by_ghsa {
  some f in input.findings
  f.severity_source.feed == "ghsa"
}

allow {
  not nvd_medium_or_worse
}

violation[msg] {
  nvd_medium_or_worse
  decided_by_ghsa
  msg := "NVD scores it medium or worse; GitHub decided the level"
}
"#;
    let bundle = Bundle::from_files([("scores.rego", &policy[..])], None).unwrap();
    let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
    let v = gate.evaluate(&input()).unwrap();
    assert!(!v.allow, "{v:?}");
    assert_eq!(
        v.violations,
        vec!["NVD scores it medium or worse; GitHub decided the level"]
    );
}

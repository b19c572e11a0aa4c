#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The OpenVEX specification's own examples (tests/vectors/openvex, verbatim) parse and validate,
//! and everything we write validates against the OpenVEX JSON schema.

mod common;

use common::*;
use stella_vex::{Document, Status, ValidationOptions, VexError, validate};

fn read(name: &str) -> Vec<u8> {
    std::fs::read(vectors(name)).unwrap()
}

#[test]
fn valid_spec_examples_parse_validate_and_match_the_schema() {
    let schema = openvex_validator();
    for name in [
        "spec-v0.2.0-minimal.json",
        "spec-v0.2.0-inheritance-before.json",
        "spec-v0.2.0-inheritance-after.repaired.json",
        "spec-v0.2.0-spring-log4j.repaired.json",
    ] {
        let bytes = read(name);
        assert_schema_valid(&schema, &bytes);
        let doc = Document::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        validate(&doc, &ValidationOptions::at(ts("2026-11-26T00:00:00Z")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // Our output of it validates too, and reads back to the same model.
        let out = doc.to_json().unwrap();
        assert_schema_valid(&schema, &out);
        assert_eq!(Document::parse(&out).unwrap(), doc, "{name}");
    }
}

#[test]
fn spec_examples_keep_their_content() {
    let spring = Document::parse(&read("spec-v0.2.0-spring-log4j.repaired.json")).unwrap();
    let s = &spring.statements[0];
    assert_eq!(s.vulnerability.name, "CVE-2021-44228");
    assert_eq!(s.vulnerability.aliases, vec!["GHSA-jfh8-c2jp-5v3q"]);
    assert_eq!(s.status, Status::NotAffected);
    assert_eq!(
        s.justification.map(|j| j.as_str()),
        Some("vulnerable_code_not_in_execute_path")
    );
    assert_eq!(
        s.products[0]
            .component
            .hashes
            .get("sha-256")
            .map(String::as_str),
        Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    // The document timestamp keeps its instant (stored in UTC).
    assert_eq!(spring.timestamp, ts("2023-01-17T01:07:16.853479631Z"));

    let after = Document::parse(&read("spec-v0.2.0-inheritance-after.repaired.json")).unwrap();
    // The first statement keeps its own timestamp; the second inherits the document's.
    assert_eq!(
        after.statement_time(&after.statements[0]),
        ts("2023-01-09T00:02:03Z")
    );
    assert_eq!(
        after.statement_time(&after.statements[1]),
        ts("2023-01-09T15:08:42Z")
    );
}

#[test]
fn verbatim_examples_with_upstream_typos_are_refused_as_json() {
    for name in [
        "spec-v0.2.0-inheritance-after.json",
        "spec-v0.2.0-spring-log4j.json",
    ] {
        match Document::parse(&read(name)) {
            Err(VexError::Json { .. }) => {}
            other => panic!("{name}: expected a JSON syntax error, got {other:?}"),
        }
    }
}

#[test]
fn v0_0_1_readme_example_reads_and_upgrades() {
    let doc = Document::parse(&read("readme-v0.0.1-document.json")).unwrap();
    validate(&doc, &ValidationOptions::default()).unwrap();
    assert_eq!(doc.version, 1);
    assert_eq!(doc.statements[0].vulnerability.name, "CVE-2014-123456");
    assert_eq!(doc.statements[0].products.len(), 2);
    assert_eq!(
        doc.statements[0].products[1].component.effective_purl(),
        Some("pkg:apk/distro/git@2.39.0-r1?arch=x86_64")
    );
    let out = doc.to_json().unwrap();
    assert_schema_valid(&openvex_validator(), &out);
    assert!(
        String::from_utf8(out)
            .unwrap()
            .contains("https://openvex.dev/ns/v0.2.0")
    );
}

#[test]
fn v0_0_1_statement_level_subcomponents_apply_to_each_product() {
    let bytes = br#"{"@context":"https://openvex.dev/ns","@id":"https://example.com/v1",
      "author":"vexctl","timestamp":"2023-05-01T00:00:00Z","version":"2","statements":[
      {"vulnerability":"CVE-2023-1","vuln_description":"bad","products":["pkg:oci/app","pkg:oci/worker"],
       "subcomponents":["pkg:golang/example.com/lib@v1.0.0"],"status":"not_affected",
       "justification":"component_not_present"}]}"#;
    let doc = Document::parse(bytes).unwrap();
    assert_eq!(doc.version, 2);
    let s = &doc.statements[0];
    assert_eq!(s.vulnerability.description.as_deref(), Some("bad"));
    for p in &s.products {
        assert_eq!(p.subcomponents.len(), 1);
    }
    assert_schema_valid(&openvex_validator(), &doc.to_json().unwrap());
}

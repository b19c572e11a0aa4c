#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! CycloneDX VEX in and out, and the format conversions of `stella vex convert`: the official
//! CycloneDX 1.4–1.6 vulnerability examples read as OpenVEX; every OpenVEX vector written as
//! CycloneDX 1.6 (valid against the official schema) and SPDX 3.0.1 (valid against its schema)
//! and read back to the same statements.

mod common;

use common::*;
use serde_json::Value;
use stella_vex::{
    CsafOptions, Document, FindingRef, Justification, Status, TrustPolicy, Upgrade,
    ValidationOptions, VexFormat, VexSet, VexSource, detect_format, from_cyclonedx, import_csaf,
    read_any, to_cyclonedx, validate, write_as,
};

fn load(path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(test_data(path)).unwrap()).unwrap()
}

fn cdx(name: &str) -> Vec<u8> {
    vector_bytes(&format!("cyclonedx-vex/{name}"))
}

fn cyclonedx_validator() -> jsonschema::Validator {
    let base = "http://cyclonedx.org/schema/";
    let registry = jsonschema::Registry::new()
        .add(
            format!("{base}spdx.schema.json"),
            load("schemas/cyclonedx-1.6/spdx.schema.json"),
        )
        .unwrap()
        .add(
            format!("{base}jsf-0.82.schema.json"),
            load("schemas/cyclonedx-1.6/jsf-0.82.schema.json"),
        )
        .unwrap()
        .prepare()
        .unwrap();
    jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&load("schemas/cyclonedx-1.6/bom-1.6.schema.json"))
        .unwrap()
}

fn spdx_validator() -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&load("schemas/spdx-3.0.1/spdx-json-schema.json"))
        .unwrap()
}

fn errors(v: &jsonschema::Validator, bytes: &[u8]) -> Vec<String> {
    let doc: Value = serde_json::from_slice(bytes).unwrap();
    v.iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .take(10)
        .collect()
}

/// The official examples: the Snyk id with its CVE reference as an alias, `not_affected` with
/// `code_not_reachable` → `vulnerable_code_not_in_execute_path`, the component's purl as the
/// product; no `metadata.timestamp`, so the statement's `firstIssued` is the assumed one.
#[test]
fn official_cyclonedx_examples_read_as_openvex() {
    for v in ["1.4", "1.5", "1.6"] {
        let bytes = cdx(&format!("valid-vulnerability-{v}.json"));
        assert_eq!(detect_format(&bytes), VexFormat::CycloneDx);
        let (doc, upgrades) = from_cyclonedx(&bytes).unwrap();
        assert_eq!(doc.statements.len(), 1, "{v}");
        let s = &doc.statements[0];
        assert_eq!(
            s.vulnerability.name,
            "SNYK-JAVA-COMFASTERXMLJACKSONCORE-32111"
        );
        assert_eq!(s.vulnerability.aliases, ["CVE-2018-7489"]);
        assert_eq!(s.status, Status::NotAffected);
        assert_eq!(
            s.justification,
            Some(Justification::VulnerableCodeNotInExecutePath)
        );
        assert_eq!(
            s.products[0].component.id.as_deref(),
            Some("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4")
        );
        assert!(
            upgrades
                .iter()
                .any(|u| matches!(u, Upgrade::MissingTimestamp { .. })),
            "{v}"
        );
        validate(&doc, &ValidationOptions::at(ts("2026-12-07T00:00:00Z"))).unwrap();
        // Applied to a finding by its CVE alias.
        let set = VexSet::build(
            vec![VexSource::unsigned(&bytes).unwrap()],
            &TrustPolicy::permissive(),
            ts("2026-12-07T00:00:00Z"),
        );
        let applied = set.apply(&[FindingRef::new(
            "CVE-2018-7489",
            "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4",
        )]);
        assert_eq!(applied.findings[0].status, Status::NotAffected, "{v}");
    }
}

fn openvex_inputs() -> Vec<(String, Document)> {
    let mut out = Vec::new();
    for name in [
        "spec-v0.2.0-minimal.json",
        "spec-v0.2.0-spring-log4j.repaired.json",
        "spec-v0.2.0-inheritance-after.repaired.json",
        "go-vex-testdata/v0.2.0.json",
        "vexctl-sarif-filter/sample-2vulns.openvex.json",
        "vexctl-testdata/v001-2.vex.json",
    ] {
        let (doc, _) = Document::parse_compat(&std::fs::read(vectors(name)).unwrap()).unwrap();
        out.push((name.to_owned(), doc));
    }
    let csaf = vector_bytes("csaf/suse-vex-cve-2024-7264.json");
    out.push((
        "csaf/suse".into(),
        import_csaf(&csaf, &CsafOptions::default())
            .unwrap()
            .document,
    ));
    out
}

/// What a round trip must keep of a statement: everything OpenVEX says about it, with the
/// statement's effective time.
fn essence(doc: &Document) -> Vec<String> {
    doc.statements
        .iter()
        .map(|s| {
            let mut v = serde_json::to_value(s).unwrap();
            v["timestamp"] = serde_json::to_value(doc.statement_time(s)).unwrap();
            if let Some(o) = v.as_object_mut() {
                o.remove("last_updated");
            }
            v.to_string()
        })
        .collect()
}

/// OpenVEX → CycloneDX 1.6 (schema-valid, deterministic) → OpenVEX keeps every statement.
#[test]
fn openvex_round_trips_through_cyclonedx() {
    let schema = cyclonedx_validator();
    for (name, doc) in openvex_inputs() {
        let bom = to_cyclonedx(&doc).unwrap();
        assert_eq!(bom, to_cyclonedx(&doc).unwrap(), "{name}: deterministic");
        assert_eq!(errors(&schema, &bom), Vec::<String>::new(), "{name}");
        let (back, upgrades) = from_cyclonedx(&bom).unwrap();
        assert!(upgrades.is_empty(), "{name}: {upgrades:?}");
        assert_eq!(back.id, doc.id, "{name}");
        assert_eq!(back.author, doc.author, "{name}");
        assert_eq!(essence(&back), essence(&doc), "{name}");
    }
}

/// OpenVEX → SPDX 3.0.1 (schema-valid) through the same `write_as` that `stella vex convert`
/// uses, and back through `read_any`.
#[test]
fn openvex_converts_to_spdx3_and_back() {
    let schema = spdx_validator();
    for (name, doc) in openvex_inputs() {
        let out = write_as(&doc, VexFormat::Spdx3).unwrap();
        assert_eq!(errors(&schema, &out), Vec::<String>::new(), "{name}");
        let (back, _, format) = read_any(&out).unwrap();
        assert_eq!(format, VexFormat::Spdx3);
        let statuses = |d: &Document| {
            let mut v: Vec<(String, Status)> = d
                .statements
                .iter()
                .flat_map(|s| {
                    s.products
                        .iter()
                        .map(move |p| (s.vulnerability.name.clone(), p.component.key(), s.status))
                })
                .map(|(v, _, st)| (v, st))
                .collect();
            v.sort();
            v
        };
        assert_eq!(statuses(&back), statuses(&doc), "{name}");
    }
    let e = write_as(&openvex_inputs()[0].1, VexFormat::Csaf).unwrap_err();
    assert!(e.to_string().contains("not supported"), "{e}");
}

/// Subcomponents survive as nested components; a CycloneDX-only justification is kept in
/// the impact statement; hostile BOMs are typed errors.
#[test]
fn nesting_lossy_labels_and_hostile_boms() {
    let (doc, _) =
        Document::parse_compat(&std::fs::read(vectors("go-vex-testdata/v0.2.0.json")).unwrap())
            .unwrap();
    let bom = to_cyclonedx(&doc).unwrap();
    let v: Value = serde_json::from_slice(&bom).unwrap();
    assert_eq!(
        v["components"][0]["components"].as_array().map(Vec::len),
        Some(2)
    );
    let (back, _) = from_cyclonedx(&bom).unwrap();
    assert_eq!(back.statements[0].products[0].subcomponents.len(), 2);

    let bom = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
      "metadata":{"timestamp":"2024-01-01T00:00:00Z"},
      "components":[{"bom-ref":"a","type":"library","name":"a","purl":"pkg:npm/a@1"}],
      "vulnerabilities":[{"id":"CVE-1","affects":[{"ref":"a"}],
        "analysis":{"state":"not_affected","justification":"protected_at_runtime","detail":"WAF"}}]}"#;
    let (doc, _) = from_cyclonedx(bom).unwrap();
    let s = &doc.statements[0];
    assert_eq!(
        s.justification,
        Some(Justification::InlineMitigationsAlreadyExist)
    );
    assert_eq!(
        s.impact_statement.as_deref(),
        Some("CycloneDX justification: protected_at_runtime; WAF")
    );

    for (bad, what) in [
        (&br#"{"bomFormat":"CycloneDX","specVersion":"1.3"}"#[..], "specVersion"),
        (
            &br#"{"bomFormat":"CycloneDX","specVersion":"1.6","vulnerabilities":[{"id":"X","affects":[{"ref":"a"}],"analysis":{"state":"pwned"}}]}"#[..],
            "analysis.state",
        ),
        (&br#"{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"timestamp":"yesterday"}}"#[..], "RFC 3339"),
    ] {
        let e = from_cyclonedx(bad).unwrap_err();
        assert!(e.to_string().contains(what), "{what}: {e}");
    }
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! OpenVEX → SPDX 3.0.1 → OpenVEX keeps every mapped field; the SPDX output passes the official
//! schema; the documented losses are what is lost.

mod common;

use common::*;
use serde_json::{Value, json};
use stella_vex::{Document, spdx};

fn rich() -> Document {
    let bytes = serde_json::to_vec(&json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.com/vex/rich",
        "author": "Example Security <security@example.com>",
        "role": "Vendor PSIRT",
        "timestamp": "2024-01-02T03:04:05Z",
        "version": 3,
        "tooling": "stella-vex tests",
        "statements": [
            {"vulnerability": {"@id": "https://nvd.nist.gov/vuln/detail/CVE-2021-44228", "name": "CVE-2021-44228",
                               "description": "Log4Shell", "aliases": ["GHSA-jfh8-c2jp-5v3q"]},
             "timestamp": "2024-01-01T00:00:00Z", "last_updated": "2024-01-02T00:00:00Z",
             "products": [{"@id": "pkg:oci/app@sha256%3Aabcd",
                           "identifiers": {"purl": "pkg:oci/app@sha256%3Aabcd", "cpe23": "cpe:2.3:a:example:app:1.0:*:*:*:*:*:*:*"},
                           "hashes": {"sha-256": "abcd", "sha3-256": "ef01"},
                           "subcomponents": [{"@id": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                                              "identifiers": {"cpe22": "cpe:/a:apache:log4j:2.14.1"}},
                                             {"identifiers": {"purl": "pkg:maven/org.apache.logging.log4j/log4j-api@2.14.1"}}]}],
             "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
             "impact_statement": "JNDI lookups disabled", "status_notes": "checked by hand", "supplier": "Example Corp"},
            {"vulnerability": {"name": "CVE-2024-0001"},
             "products": [{"@id": "pkg:npm/a@1"}, {"@id": "pkg:npm/b@2"}],
             "status": "affected", "action_statement": "upgrade to 2.0", "action_statement_timestamp": "2024-01-02T00:00:00Z"},
            {"vulnerability": {"name": "CVE-2024-0002"}, "products": [{"hashes": {"sha-512": "99"}}], "status": "fixed"},
            {"vulnerability": {"name": "GHSA-aaaa-bbbb-cccc", "aliases": ["CVE-2024-0003"]},
             "products": [{"@id": "pkg:npm/a@1"}], "status": "under_investigation"}
        ]
    }))
    .unwrap();
    Document::parse(&bytes).unwrap()
}

#[test]
fn round_trip_keeps_every_mapped_field() {
    let doc = rich();
    let graph = spdx::to_spdx(&doc);
    let back = spdx::from_spdx(&graph).unwrap();
    assert_eq!(back, doc);
    // Deterministic.
    assert_eq!(
        serde_json::to_vec(&spdx::to_spdx(&back)).unwrap(),
        serde_json::to_vec(&graph).unwrap()
    );
}

#[test]
fn spdx_output_passes_the_official_schema() {
    let schema: Value = serde_json::from_slice(
        &std::fs::read(test_data("schemas/spdx-3.0.1/spdx-json-schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let graph = spdx::to_spdx(&rich());
    let errors: Vec<String> = validator
        .iter_errors(&graph)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let types: Vec<&str> = graph["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    for t in [
        "security_VexNotAffectedVulnAssessmentRelationship",
        "security_VexAffectedVulnAssessmentRelationship",
        "security_VexFixedVulnAssessmentRelationship",
        "security_VexUnderInvestigationVulnAssessmentRelationship",
    ] {
        assert!(types.contains(&t), "{t}");
    }
    // The validator does bite: a wrong relationship type is refused.
    let mut broken = graph.clone();
    for e in broken["@graph"].as_array_mut().unwrap() {
        if e["type"] == "security_VexFixedVulnAssessmentRelationship" {
            e["relationshipType"] = json!("fixedInVersion");
        }
    }
    assert!(!validator.is_valid(&broken));
    let na = graph["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "security_VexNotAffectedVulnAssessmentRelationship")
        .unwrap();
    assert_eq!(
        na["security_justificationType"],
        "vulnerableCodeNotInExecutePath"
    );
    assert_eq!(na["relationshipType"], "doesNotAffect");
}

#[test]
fn documented_losses_are_the_only_losses() {
    let mut doc = rich();
    doc.statements[0].id = Some("https://example.com/s/1".into());
    doc.statements[0].version = Some(2);
    doc.last_updated = Some(ts("2024-01-03T00:00:00Z"));
    doc.statements[1].action_statement_timestamp = Some(ts("2024-01-02T00:00:00.75Z"));
    doc.statements[2].products[0]
        .component
        .hashes
        .insert("blake2s-256".into(), "77".into());
    let back = spdx::from_spdx(&spdx::to_spdx(&doc)).unwrap();
    assert_eq!(back.statements[0].id, None);
    assert_eq!(back.statements[0].version, None);
    assert_eq!(back.last_updated, None);
    assert_eq!(
        back.statements[1].action_statement_timestamp,
        Some(ts("2024-01-02T00:00:00Z"))
    );
    assert!(
        !back.statements[2].products[0]
            .component
            .hashes
            .contains_key("blake2s-256")
    );
    // Everything else survived.
    let mut expected = doc.clone();
    expected.statements[0].id = None;
    expected.statements[0].version = None;
    expected.last_updated = None;
    expected.statements[1].action_statement_timestamp = Some(ts("2024-01-02T00:00:00Z"));
    expected.statements[2].products[0]
        .component
        .hashes
        .remove("blake2s-256");
    assert_eq!(back, expected);
}

#[test]
fn foreign_spdx_relationships_map_one_to_one_and_bad_graphs_are_errors() {
    let graph = json!({"@context": spdx::SPDX_CONTEXT, "@graph": [
        {"type": "CreationInfo", "@id": "_:c", "created": "2024-01-01T00:00:00Z", "createdBy": ["urn:a"], "specVersion": "3.0.1"},
        {"type": "Person", "spdxId": "urn:a", "creationInfo": "_:c", "name": "Someone"},
        {"type": "SpdxDocument", "spdxId": "urn:doc", "creationInfo": "_:c"},
        {"type": "security_Vulnerability", "spdxId": "urn:v", "creationInfo": "_:c", "name": "CVE-9",
         "externalIdentifier": [{"type": "ExternalIdentifier", "externalIdentifierType": "securityOther", "identifier": "GHSA-9"}]},
        {"type": "software_Package", "spdxId": "urn:p1", "creationInfo": "_:c", "software_packageUrl": "pkg:npm/a@1"},
        {"type": "software_Package", "spdxId": "urn:p2", "creationInfo": "_:c", "software_packageUrl": "pkg:npm/b@1"},
        {"type": "security_VexFixedVulnAssessmentRelationship", "spdxId": "urn:r1", "creationInfo": "_:c",
         "from": "urn:v", "to": ["urn:p1", "urn:p2"], "relationshipType": "fixedIn"},
        {"type": "Relationship", "spdxId": "urn:r2", "creationInfo": "_:c", "from": "urn:p1", "to": ["urn:p2"], "relationshipType": "dependsOn"}
    ]});
    let doc = spdx::from_spdx(&graph).unwrap();
    assert_eq!(doc.id, "urn:doc");
    assert_eq!(doc.author, "Someone");
    assert_eq!(doc.statements.len(), 1);
    assert_eq!(doc.statements[0].products.len(), 2);
    assert_eq!(doc.statements[0].vulnerability.aliases, ["GHSA-9"]);
    assert!(spdx::from_spdx(&json!({"@graph": [{"type": "SpdxDocument"}]})).is_err());
    assert!(spdx::from_spdx(&json!([])).is_err());
}

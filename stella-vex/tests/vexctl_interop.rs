#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Every case of vexctl's and go-vex's own test data (tests/vectors/openvex/{vexctl-*,go-vex-*},
//! see the README there) against their tests' expectations: what they read, what their merge
//! keeps (with `--product`/`--vuln` filters), and how many results `vexctl filter` removes from
//! real Grype, Trivy and Snyk SARIF. Where Stella differs on purpose the test says so and checks
//! Stella's answer.

mod common;

use common::*;
use serde_json::Value;
use stella_vex::{
    Document, FilterOptions, FindingRef, MergeFilter, MergeOptions, Status, TrustPolicy, Upgrade,
    ValidationOptions, VexError, VexSet, VexSource, filter_sarif, validate_compat, validate_strict,
};

fn read(path: &str) -> Vec<u8> {
    std::fs::read(vectors(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn now() -> stella_core::Timestamp {
    ts("2026-12-07T00:00:00Z")
}

fn source(path: &str) -> VexSource {
    let s = VexSource::unsigned(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    validate_compat(&s.document, s.upgrades(), &ValidationOptions::at(now()))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    s
}

fn set(paths: &[&str]) -> VexSet {
    VexSet::build(
        paths.iter().map(|p| source(p)).collect(),
        &TrustPolicy::permissive(),
        now(),
    )
}

fn options() -> MergeOptions {
    MergeOptions {
        now: now(),
        author: "test".into(),
        explain: true,
    }
}

// --- go-vex functions_files_test.go -------------------------------------------------------

/// `TestOpen`: v0.0.1, v0.0.1 without version and v0.2.0 all open (the CSAF case is in
/// csaf_vex.rs).
#[test]
fn go_vex_open_reads_every_openvex_vector() {
    for path in [
        "go-vex-testdata/v0.0.1.json",
        "go-vex-testdata/v0.0.1-noversion.json",
        "go-vex-testdata/v0.2.0.json",
    ] {
        let (doc, upgrades) = Document::parse_compat(&read(path)).unwrap();
        assert!(!doc.statements.is_empty(), "{path}");
        // Only v0.2.0 needs no upgrade.
        assert_eq!(upgrades.is_empty(), path.ends_with("v0.2.0.json"), "{path}");
    }
    // v0.0.1: two string products become two products of the upgraded statement.
    let (doc, upgrades) = Document::parse_compat(&read("go-vex-testdata/v0.0.1.json")).unwrap();
    assert_eq!(doc.statements[0].products.len(), 2);
    assert_eq!(doc.statements[0].status, Status::Fixed);
    assert!(upgrades.contains(&Upgrade::StringVersion { value: "1".into() }));
}

/// `TestParse`: the strict parser refuses v0.0.1 and reads v0.2.0's five statements, each about
/// the alpine image.
#[test]
fn go_vex_parse_is_strict() {
    let e = validate_strict(
        &read("go-vex-testdata/v0.0.1.json"),
        &ValidationOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, VexError::Invalid(_)), "{e}");
    let doc = validate_strict(
        &read("go-vex-testdata/v0.2.0.json"),
        &ValidationOptions::default(),
    )
    .unwrap();
    assert_eq!(doc.statements.len(), 5);
    let mut vulns: Vec<&str> = doc
        .statements
        .iter()
        .map(|s| s.vulnerability.name.as_str())
        .collect();
    vulns.sort();
    assert_eq!(
        vulns,
        [
            "CVE-2023-1255",
            "CVE-2023-2650",
            "CVE-2023-2975",
            "CVE-2023-3446",
            "CVE-2023-3817"
        ]
    );
    for s in &doc.statements {
        assert_eq!(
            s.products[0].component.id.as_deref(),
            Some(
                "pkg:oci/alpine@sha256%3A124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126"
            )
        );
    }
}

/// `TestLoadYAML`: go-vex reads `vex.yaml` (a pre-OpenVEX "vex_attestation" in YAML: no
/// `@context`, an empty `id`, statements without products) as two statements. **Stella differs
/// on purpose**: it reads OpenVEX as JSON only, and a document without a context or an id has
/// nothing a merge could name as its provenance, and statements without products apply to
/// nothing. The file is refused with a typed error.
#[test]
fn go_vex_yaml_is_refused_with_a_typed_error() {
    let e = VexSource::unsigned(&read("go-vex-testdata/vex.yaml")).unwrap_err();
    assert!(matches!(e, VexError::Json { .. }), "{e}");
}

// --- strictness where the OpenVEX 0.2.0 schema is strict -----------------------------------

/// `stella vex validate` (validate_strict) accepts exactly what the OpenVEX 0.2.0 JSON schema
/// accepts among the vectors, plus two hand-made breaks (a string version, an unknown
/// top-level field) — the schema is the oracle.
#[test]
fn strict_validation_agrees_with_the_openvex_schema() {
    let schema = openvex_validator();
    let mut paths: Vec<String> = Vec::new();
    for dir in [
        "vexctl-testdata",
        "vexctl-examples",
        "go-vex-testdata",
        "vexctl-sarif-filter",
    ] {
        for e in std::fs::read_dir(vectors(dir)).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".json") && !name.contains("sarif") && name != "csaf.json" {
                paths.push(format!("{dir}/{name}"));
            }
        }
    }
    paths.sort();
    let base = doc(
        "https://example.com/v",
        "a",
        "2024-01-01T00:00:00Z",
        serde_json::json!([{"vulnerability":{"name":"CVE-2024-1"},
            "products":[{"@id":"pkg:npm/x"}],"status":"fixed"}]),
    );
    let mut string_version: Value = serde_json::from_slice(&base).unwrap();
    string_version["version"] = "1".into();
    let mut unknown_field: Value = serde_json::from_slice(&base).unwrap();
    unknown_field["format"] = "text/vex+json".into();
    let mut cases: Vec<(String, Vec<u8>)> = paths.iter().map(|p| (p.clone(), read(p))).collect();
    cases.push(("hand-made: valid".into(), base));
    cases.push((
        "hand-made: string version".into(),
        serde_json::to_vec(&string_version).unwrap(),
    ));
    cases.push((
        "hand-made: unknown top-level field".into(),
        serde_json::to_vec(&unknown_field).unwrap(),
    ));
    let mut accepted = 0;
    for (name, bytes) in &cases {
        let v: Value = serde_json::from_slice(bytes).unwrap();
        let schema_ok = schema.is_valid(&v);
        let stella = validate_strict(bytes, &ValidationOptions::default());
        assert_eq!(
            stella.is_ok(),
            schema_ok,
            "{name}: schema says {schema_ok}, stella says {:?}",
            stella.err().map(|e| e.to_string())
        );
        accepted += usize::from(schema_ok);
    }
    // Not vacuous: both sides accept some and refuse some.
    assert!(accepted >= 4 && accepted < cases.len(), "{accepted}");
}

// --- vexctl implementation_test.go / go-vex functions_documents_test.go: merge ------------

/// Zero documents: an error (vexctl: "at least one vex document is required").
#[test]
fn merge_of_nothing_fails() {
    let e = VexSet::build(Vec::new(), &TrustPolicy::permissive(), now())
        .merge(&options())
        .unwrap_err();
    assert!(matches!(e, VexError::NoTrustedStatements { .. }), "{e}");
}

/// One document: its statement (v0.0.1, no timestamp, no version: upgraded, and the
/// explanation says so).
#[test]
fn merge_of_one_legacy_document_is_that_document() {
    let merged = set(&["vexctl-testdata/v001-1.vex.json"])
        .merge(&options())
        .unwrap();
    assert_eq!(merged.document.statements.len(), 1);
    let s = &merged.document.statements[0];
    assert_eq!(s.vulnerability.name, "CVE-1234-5678");
    assert_eq!(s.status, Status::UnderInvestigation);
    assert_eq!(
        s.products[0].component.id.as_deref(),
        Some("pkg:apk/wolfi/bash@1.0.0")
    );
    // The statement's own timestamp is kept.
    assert_eq!(s.timestamp, Some(ts("2022-12-22T16:36:43-05:00")));
    assert_eq!(merged.upgraded.len(), 1);
    let explain = merged.explain();
    for needle in [
        "upgraded: my-vexdoc2",
        "no document version: version 1 assumed",
        "no document timestamp",
        "unknown top-level field \"format\"",
        "v0.0.1 shape",
    ] {
        assert!(explain.contains(needle), "{needle}: {explain}");
    }
}

/// Two documents, "as they are": vexctl keeps both statements (under_investigation, then fixed)
/// in its merged document. **Stella differs on purpose**: a merge decides, so the document holds
/// one statement per (vulnerability, product) — the later `fixed` — and the earlier
/// `under_investigation` is kept as superseded in the decision and the explanation.
#[test]
fn merge_of_two_versions_keeps_the_newer_and_records_the_older() {
    let merged = set(&[
        "vexctl-testdata/v001-1.vex.json",
        "vexctl-testdata/v001-2.vex.json",
    ])
    .merge(&options())
    .unwrap();
    assert_eq!(merged.document.statements.len(), 1);
    assert_eq!(merged.document.statements[0].status, Status::Fixed);
    let d = &merged.decisions[0];
    assert_eq!(d.decided_by.status, Status::Fixed);
    assert_eq!(d.superseded.len(), 1);
    assert_eq!(d.superseded[0].status, Status::UnderInvestigation);
    assert!(
        merged.document.statements[0]
            .status_notes
            .as_deref()
            .unwrap()
            .contains("superseded under_investigation")
    );
    // The same with vexctl's examples (v0.2.0 documents): the later fixed wins.
    let merged = set(&[
        "vexctl-examples/document1.vex.json",
        "vexctl-examples/document2.vex.json",
    ])
    .merge(&options())
    .unwrap();
    assert_eq!(merged.decisions[0].decided_by.status, Status::Fixed);
    assert_eq!(merged.decisions[0].superseded.len(), 1);
}

/// "Two docs, filter product" and "filter vulnerability": exactly the one statement vexctl
/// keeps (v0.2.0 documents without timestamp or version).
#[test]
fn merge_filters_as_vexctl() {
    let docs = set(&[
        "vexctl-testdata/v020-1.vex.json",
        "vexctl-testdata/v020-2.vex.json",
    ]);
    let merged = docs.merge(&options()).unwrap();
    assert_eq!(merged.document.statements.len(), 2);
    let by_product = merged
        .clone()
        .filtered(&MergeFilter {
            products: vec!["pkg:apk/wolfi/git@2.41.0-1".into()],
            ..MergeFilter::default()
        })
        .unwrap();
    assert_eq!(by_product.document.statements.len(), 1);
    assert_eq!(
        by_product.document.statements[0].vulnerability.name,
        "CVE-1234-5678"
    );
    assert_eq!(
        by_product.document.statements[0].products[0]
            .component
            .id
            .as_deref(),
        Some("pkg:apk/wolfi/git@2.41.0-1")
    );
    let by_vuln = merged
        .clone()
        .filtered(&MergeFilter {
            vulnerabilities: vec!["CVE-9876-54321".into()],
            ..MergeFilter::default()
        })
        .unwrap();
    assert_eq!(by_vuln.document.statements.len(), 1);
    assert_eq!(
        by_vuln.document.statements[0].products[0]
            .component
            .id
            .as_deref(),
        Some("pkg:apk/wolfi/bash@1.0.0")
    );
    // A filter nothing matches: a typed error, not an empty (invalid) document.
    let e = merged
        .filtered(&MergeFilter {
            vulnerabilities: vec!["CVE-0000-0000".into()],
            ..MergeFilter::default()
        })
        .unwrap_err();
    assert!(matches!(e, VexError::NothingMatchesFilter { .. }), "{e}");
}

/// `TestListDocumentProducts`: the products of images.vex.json, v001-1 and v020-1.
#[test]
fn documents_list_the_products_vexctl_lists() {
    let products = |path: &str| {
        let (doc, _) = Document::parse_compat(&read(path)).unwrap();
        let mut p: Vec<String> = doc
            .statements
            .iter()
            .flat_map(|s| s.products.iter().map(|p| p.component.key()))
            .collect();
        p.sort();
        p.dedup();
        p
    };
    assert_eq!(
        products("vexctl-testdata/images.vex.json"),
        [
            "nginx",
            "pkg:oci/alpine@sha256%3Af271e74b17ced29b915d351685fd4644785c6d1559dd1f2d4189a5e851ef753a",
            "pkg:oci/kube-apiserver?repository_url=registry.k8s.io&tag=v1.26.0",
            "registry.k8s.io/kube-apiserver:v1.26.0",
        ]
    );
    assert_eq!(
        products("vexctl-testdata/v001-1.vex.json"),
        ["pkg:apk/wolfi/bash@1.0.0"]
    );
    assert_eq!(
        products("vexctl-testdata/v020-1.vex.json"),
        ["pkg:apk/wolfi/bash@1.0.0"]
    );
}

/// `TestReadGoldenData`: the oci-vexctl template's statement applies to `pkg:oci/vexctl` and to
/// a digest-versioned `pkg:oci/vexctl@sha256:…`, not to another image.
#[test]
fn template_statements_apply_to_the_image_they_name() {
    let set = set(&["vexctl-testdata/oci-vexctl.openvex.json"]);
    let finding = |artifact: &str| FindingRef {
        vulnerability: "CVE-2014-12345678".into(),
        artifact: Some(artifact.into()),
        ..FindingRef::default()
    };
    let applied = set.apply(&[
        finding("pkg:oci/vexctl"),
        finding("pkg:oci/otherimage"),
        finding(
            "pkg:oci/vexctl@sha256%3Af87abf1735e79b70407288f665316644d414dbf7bdf38c2f1c8e3a541d304d84",
        ),
    ]);
    let status = |a: &str| {
        applied
            .findings
            .iter()
            .find(|f| f.finding.artifact.as_deref() == Some(a))
            .unwrap()
            .status
    };
    assert_eq!(status("pkg:oci/vexctl"), Status::NotAffected);
    assert_eq!(status("pkg:oci/otherimage"), Status::UnderInvestigation);
    assert_eq!(
        status(
            "pkg:oci/vexctl@sha256%3Af87abf1735e79b70407288f665316644d414dbf7bdf38c2f1c8e3a541d304d84"
        ),
        Status::NotAffected
    );
}

/// vexctl's old `TestVexReport` read `test.vex.json` (v0.0.1, statements without products).
/// Stella reads it; a statement naming no product applies to nothing and is a warning, not an
/// error, for such legacy documents.
#[test]
fn legacy_statements_without_products_are_read_and_apply_to_nothing() {
    let s = VexSource::unsigned(&read("vexctl-testdata/test.vex.json")).unwrap();
    assert_eq!(s.document.statements.len(), 2);
    let warnings =
        validate_compat(&s.document, s.upgrades(), &ValidationOptions::at(now())).unwrap();
    assert_eq!(warnings.len(), 2);
    // The same document in the v0.2.0 shape is still refused.
    let strict = validate_strict(
        &read("vexctl-testdata/test.vex.json"),
        &ValidationOptions::default(),
    );
    assert!(strict.is_err());
}

// --- vexctl ctl_test.go TestVexReport: SARIF filtering ------------------------------------

fn results(sarif: &[u8]) -> Vec<usize> {
    let v: Value = serde_json::from_slice(sarif).unwrap();
    v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["results"].as_array().map_or(0, Vec::len))
        .collect()
}

fn accepted_suppressions(sarif: &[u8]) -> usize {
    let v: Value = serde_json::from_slice(sarif).unwrap();
    v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["results"].as_array().cloned().unwrap_or_default())
        .filter(|r| {
            r["suppressions"]
                .as_array()
                .is_some_and(|s| s.iter().any(|x| x["status"] == "accepted"))
        })
        .count()
}

/// The nine cases of vexctl's `TestVexReport` (runs, results before, results after), with the
/// image read from each log, then again with `--image`. Default mode suppresses the same
/// results (SARIF §3.35, accepted, external) and keeps them all.
#[test]
fn sarif_filtering_counts_match_vexctl() {
    let cases = [
        ("sample-1statement", "grype", 1, 99, 98),
        ("sample-1statement", "trivy", 1, 99, 98),
        ("sample-1statement", "snyk", 2, 65, 64),
        ("sample-history", "grype", 1, 99, 98),
        ("sample-history", "trivy", 1, 99, 98),
        ("sample-history", "snyk", 2, 65, 64),
        ("sample-2vulns", "grype", 1, 99, 96),
        ("sample-2vulns", "trivy", 1, 99, 96),
        ("sample-2vulns", "snyk", 2, 65, 63),
    ];
    let image = "nginx@sha256:13d22ec63300e16014d4a42aed735207a8b33c223cff19627dd3042e5a10a3a0";
    for (vex, tool, runs, before, after) in cases {
        let set = set(&[&format!("vexctl-sarif-filter/{vex}.openvex.json")]);
        let sarif = read(&format!("vexctl-sarif-filter/nginx-{tool}.sarif.json"));
        assert_eq!(results(&sarif).len(), runs);
        assert_eq!(results(&sarif)[0], before);
        for given in [None, Some(image.to_owned())] {
            let removed = filter_sarif(
                &sarif,
                &set,
                &FilterOptions {
                    image: given.clone(),
                    remove: true,
                    ..FilterOptions::default()
                },
            )
            .unwrap();
            let counts = results(&removed.sarif);
            assert_eq!(counts.len(), runs, "{vex} {tool}");
            assert_eq!(counts[0], after, "{vex} {tool} image {given:?}");
            let marked = filter_sarif(
                &sarif,
                &set,
                &FilterOptions {
                    image: given.clone(),
                    ..FilterOptions::default()
                },
            )
            .unwrap();
            assert_eq!(results(&marked.sarif)[0], before, "{vex} {tool}");
            assert_eq!(
                accepted_suppressions(&marked.sarif),
                before - after,
                "{vex} {tool}"
            );
            assert_eq!(marked.report.suppressed, before - after);
        }
    }
}

/// The filtered log still matches the SARIF 2.1.0 schema, and carries the VEX justification in
/// the suppression; the output is byte-for-byte deterministic.
#[test]
fn filtered_sarif_is_valid_deterministic_and_justified() {
    let schema: Value = serde_json::from_slice(
        &std::fs::read(test_data("schemas/sarif-2.1.0/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let sarif_schema = jsonschema::validator_for(&schema).unwrap();
    let set = set(&["vexctl-sarif-filter/sample-2vulns.openvex.json"]);
    for tool in ["grype", "trivy", "snyk"] {
        let sarif = read(&format!("vexctl-sarif-filter/nginx-{tool}.sarif.json"));
        let a = filter_sarif(&sarif, &set, &FilterOptions::default()).unwrap();
        let b = filter_sarif(&sarif, &set, &FilterOptions::default()).unwrap();
        assert_eq!(a.sarif, b.sarif, "{tool}: deterministic");
        let v: Value = serde_json::from_slice(&a.sarif).unwrap();
        let errors: Vec<String> = sarif_schema
            .iter_errors(&v)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{tool}: {errors:?}");
        let text = String::from_utf8(a.sarif).unwrap();
        assert!(
            text.contains("\"justification\": \"VEX not_affected: component_not_present\""),
            "{tool}"
        );
        assert!(text.contains("\"kind\": \"external\""), "{tool}");
    }
}

/// Grype's rule ids carry the package: a VEX statement about the image *and* one package
/// (subcomponent) suppresses only that package's result, not the other results of the same
/// vulnerability (CVE-2007-5686 is reported for `login` and for `passwd`).
#[test]
fn package_scoped_statements_suppress_only_that_package() {
    let vex = doc(
        "https://example.com/vex/pkg",
        "a",
        "2024-01-01T00:00:00Z",
        serde_json::json!([{
            "vulnerability": {"name": "CVE-2007-5686"},
            "products": [{
                "@id": "pkg:oci/nginx@sha256%3A13d22ec63300e16014d4a42aed735207a8b33c223cff19627dd3042e5a10a3a0",
                "subcomponents": [{"@id": "pkg:deb/debian/passwd"}]
            }],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path"
        }]),
    );
    let set = VexSet::build(
        vec![VexSource::unsigned(&vex).unwrap()],
        &TrustPolicy::permissive(),
        now(),
    );
    for (tool, expected) in [("grype", 1), ("snyk", 1), ("trivy", 0)] {
        let sarif = read(&format!("vexctl-sarif-filter/nginx-{tool}.sarif.json"));
        let out = filter_sarif(&sarif, &set, &FilterOptions::default()).unwrap();
        // Trivy's SARIF names the package only in free text (no type, no purl): a
        // package-scoped statement cannot be matched there, and the results stay visible.
        assert_eq!(out.report.suppressed, expected, "{tool}");
        for d in out.report.decided.iter().filter(|d| d.suppressed) {
            assert!(
                d.package
                    .as_deref()
                    .is_some_and(|p| p.starts_with("pkg:deb/debian/passwd@")),
                "{tool}: {d:?}"
            );
        }
    }
}

/// `under_investigation` stays visible (an underReview suppression, which does not suppress);
/// `affected` is left alone; another image's VEX does not apply.
#[test]
fn under_investigation_stays_visible_and_other_images_do_not_match() {
    let image =
        "pkg:oci/nginx@sha256%3A13d22ec63300e16014d4a42aed735207a8b33c223cff19627dd3042e5a10a3a0";
    let other =
        "pkg:oci/nginx@sha256%3A0000000000000000000000000000000000000000000000000000000000000000";
    let vex = doc(
        "https://example.com/vex/ui",
        "a",
        "2024-01-01T00:00:00Z",
        serde_json::json!([
            {"vulnerability": {"name": "CVE-2023-27103"}, "products": [{"@id": image}],
             "status": "under_investigation"},
            {"vulnerability": {"name": "CVE-2011-3374"}, "products": [{"@id": image}],
             "status": "affected", "action_statement": "upgrade apt"},
            {"vulnerability": {"name": "CVE-2005-2541"}, "products": [{"@id": other}],
             "status": "not_affected", "justification": "component_not_present"}
        ]),
    );
    let set = VexSet::build(
        vec![VexSource::unsigned(&vex).unwrap()],
        &TrustPolicy::permissive(),
        now(),
    );
    let sarif = read("vexctl-sarif-filter/nginx-grype.sarif.json");
    let out = filter_sarif(
        &sarif,
        &set,
        &FilterOptions {
            remove: true,
            ..FilterOptions::default()
        },
    )
    .unwrap();
    assert_eq!(out.report.suppressed, 0);
    assert_eq!(results(&out.sarif)[0], 99);
    let v: Value = serde_json::from_slice(&out.sarif).unwrap();
    let result = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "CVE-2023-27103-libde265-0")
        .unwrap();
    assert_eq!(result["suppressions"][0]["status"], "underReview");
    let statuses: Vec<Status> = out.report.decided.iter().map(|d| d.status).collect();
    assert!(statuses.contains(&Status::UnderInvestigation));
    assert!(statuses.contains(&Status::Affected));
}

/// `TestApplySingleVEXNoDocumentTimestamp`: a document without a timestamp is read, and a
/// result whose rule id is not a vulnerability id is kept as it is.
#[test]
fn documents_without_timestamp_filter_and_foreign_rules_are_kept() {
    let vex = br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1","author":"test","version":1,"statements":[{"vulnerability":{"name":"CVE-2024-0001"},"products":[{"@id":"pkg:oci/test"}],"status":"not_affected","justification":"component_not_present"}]}"#;
    let source = VexSource::unsigned(vex).unwrap();
    assert!(
        source
            .upgrades()
            .iter()
            .any(|u| matches!(u, Upgrade::MissingTimestamp { .. }))
    );
    // No timestamp anywhere: the epoch, the oldest possible.
    assert_eq!(source.document.timestamp, ts("1970-01-01T00:00:00Z"));
    let set = VexSet::build(vec![source], &TrustPolicy::permissive(), now());
    let sarif = br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"test"}},"results":[{"ruleId":"gosec-G101","message":{"text":"x"}}]}]}"#;
    let out = filter_sarif(sarif, &set, &FilterOptions::default()).unwrap();
    assert_eq!(results(&out.sarif), [1]);
    assert_eq!(out.report.suppressed, 0);
}

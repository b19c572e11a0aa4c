#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Entry-trace into findings: an image built in code is scanned, traced and matched; the
//! reachable finding carries its chain in the findings JSON and as a SARIF code flow (validated
//! against the official SARIF 2.1.0 schema), the other is `unreachable`.

use stella_core::Timestamp;
use stella_scan::catalog::default_catalogers;
use stella_scan::engine::{ScanOptions, scan_image_detailed};
use stella_scan::entrytrace::{TraceCollector, TraceLimits, build_test_elf, trace_scan};
use stella_scan::image::ContainerConfig;
use stella_scan::testing::{TestImage, TestLayer};
use stella_vuln::matcher::{Reachability, match_packages};
use stella_vuln::osv::parse_record;
use stella_vuln::reachability::{apply_to_findings, explain_finding};
use stella_vuln::report::{DbRef, FindingsDocument, OutputFormat, ScanTarget};
use stella_vuln::snapshot::{Snapshot, SnapshotBuilder};

const SITE: &str = "usr/local/lib/python3.11/site-packages";

fn dist(layer: TestLayer, name: &str, version: &str, module: &str, body: &str) -> TestLayer {
    let info = format!("{SITE}/{name}-{version}.dist-info");
    layer
        .file(
            &format!("{info}/METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n").as_bytes(),
        )
        .file(&format!("{SITE}/{module}"), body.as_bytes())
        .file(
            &format!("{info}/RECORD"),
            format!("{module},,\n{name}-{version}.dist-info/METADATA,,\n").as_bytes(),
        )
}

fn record(id: &str, name: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"PyPI","name":"{name}"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"99"}}]}}]}}]}}"#
    )
}

#[test]
fn findings_carry_the_trace_in_json_and_sarif() {
    let mut layer = TestLayer::new()
        .file_mode(
            "usr/bin/python3.11",
            &build_test_elf(None, &[], None, None),
            0o755,
        )
        .symlink("usr/bin/python3", "python3.11")
        .file("app/main.py", b"import requests\n");
    layer = dist(layer, "requests", "2.19.1", "requests/__init__.py", "\n");
    layer = dist(layer, "flask", "3.0.0", "flask/__init__.py", "\n");
    let image = TestImage::new()
        .layer(layer)
        .config(ContainerConfig {
            entrypoint: Some(vec!["python3".into(), "/app/main.py".into()]),
            ..ContainerConfig::default()
        })
        .build();
    let collector = TraceCollector::new();
    let mut catalogers = default_catalogers();
    catalogers.push(collector.cataloger());
    let scan = scan_image_detailed(&image.source, &catalogers, &ScanOptions::default()).unwrap();
    let trace = trace_scan(&scan, &collector, &TraceLimits::default()).unwrap();

    let mut b = SnapshotBuilder::new();
    for (id, name) in [("PYSEC-0001", "requests"), ("PYSEC-0002", "flask")] {
        b.add(
            id,
            parse_record(&format!("{id}.json"), record(id, name).as_bytes()).unwrap(),
        );
    }
    let date = Timestamp::parse_rfc3339("2024-06-01T00:00:00Z").unwrap();
    let snap = Snapshot::load(b.build(&date).unwrap()).unwrap();
    let mut report = match_packages(&snap, &scan.sbom.packages, None).unwrap();
    assert_eq!(report.findings.len(), 2);
    apply_to_findings(&mut report.findings, &trace);

    let requests = report
        .findings
        .iter()
        .find(|f| f.id == "PYSEC-0001")
        .unwrap();
    assert_eq!(requests.reachability, Reachability::Reachable);
    assert_eq!(
        requests.trace,
        vec![
            "/usr/bin/python3.11 (entrypoint python3)".to_string(),
            "/app/main.py (python3 /app/main.py)".to_string(),
            format!("/{SITE}/requests/__init__.py (line 1: import requests)"),
        ]
    );
    let flask = report
        .findings
        .iter()
        .find(|f| f.id == "PYSEC-0002")
        .unwrap();
    assert_eq!(flask.reachability, Reachability::Unreachable);
    assert!(flask.trace.is_empty());
    let text = explain_finding(requests);
    assert!(text.contains("reachable from the entrypoint"), "{text}");
    assert!(
        text.contains("  2. /app/main.py (python3 /app/main.py)"),
        "{text}"
    );

    let doc = FindingsDocument::new(
        ScanTarget {
            name: "test".into(),
            image_digest: None,
            sbom_digest: None,
            os: None,
        },
        DbRef::of(&snap),
        report,
    );
    let json: serde_json::Value =
        serde_json::from_slice(&doc.render(OutputFormat::Json).unwrap()).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings[0]["reachability"], "reachable");
    assert_eq!(findings[0]["trace"].as_array().unwrap().len(), 3);
    assert_eq!(findings[1]["reachability"], "unreachable");
    assert!(findings[1].get("trace").is_none());

    let sarif: serde_json::Value =
        serde_json::from_slice(&doc.render(OutputFormat::Sarif).unwrap()).unwrap();
    let schema_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/schemas/sarif-2.1.0/sarif-schema-2.1.0.json"
    );
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let flow = &results[0]["codeFlows"][0]["threadFlows"][0]["locations"];
    let uris: Vec<&str> = flow
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["location"]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris,
        vec![
            "usr/bin/python3.11".to_string(),
            "app/main.py".to_string(),
            format!("{SITE}/requests/__init__.py")
        ]
    );
    assert_eq!(
        flow[2]["location"]["message"]["text"],
        "line 1: import requests"
    );
    assert!(results[1].get("codeFlows").is_none());
}

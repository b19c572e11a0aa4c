#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! CSAF 2.0 import: real vendor documents (tests/vectors/csaf, see its PROVENANCE.md) checked
//! against the CSAF 2.0 JSON schema, imported as OpenVEX with provenance, and applied to the
//! findings of a matching scan; go-vex's own CSAF expectations (`TestLoadCSAF`, `TestOpenCSAF`).

mod common;

use common::*;
use serde_json::Value;
use stella_vex::{
    CsafOptions, FindingRef, Status, TrustPolicy, ValidationOptions, VexError, VexSet, VexSource,
    import_csaf, validate,
};

fn csaf(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/csaf"
        ))
        .join(name),
    )
    .unwrap()
}

fn load(path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(test_data(path)).unwrap()).unwrap()
}

/// The CSAF 2.0 schema with the three FIRST CVSS schemas it references by URL.
fn csaf_validator() -> jsonschema::Validator {
    let mut registry = jsonschema::Registry::new();
    for (file, url) in [
        (
            "cvss_v2_0.json",
            "https://www.first.org/cvss/cvss-v2.0.json",
        ),
        (
            "cvss_v3_0.json",
            "https://www.first.org/cvss/cvss-v3.0.json",
        ),
        (
            "cvss_v3_1.json",
            "https://www.first.org/cvss/cvss-v3.1.json",
        ),
    ] {
        registry = registry
            .add(url, load(&format!("schemas/csaf-2.0/{file}")))
            .unwrap();
    }
    let registry = registry.prepare().unwrap();
    jsonschema::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&load("schemas/csaf-2.0/csaf_2_0.json"))
        .unwrap()
}

fn schema_errors(v: &jsonschema::Validator, bytes: &[u8]) -> Vec<String> {
    let doc: Value = serde_json::from_slice(bytes).unwrap();
    v.iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn now() -> stella_core::Timestamp {
    ts("2026-12-07T00:00:00Z")
}

/// The fixtures against the CSAF 2.0 schema: SUSE's and go-vex's are valid; Beckhoff's real
/// advisory names its file hashes `file_name` where CSAF 2.0 says `filename` (4 errors, one per
/// hash) — the importer reads it anyway (the hash values are what matter). A broken document
/// is caught by the schema, so the check is not vacuous.
#[test]
fn fixtures_against_the_csaf_schema() {
    let v = csaf_validator();
    assert_eq!(
        schema_errors(&v, &csaf("suse-vex-cve-2024-7264.json")),
        Vec::<String>::new()
    );
    assert_eq!(
        schema_errors(
            &v,
            &std::fs::read(vectors("go-vex-testdata/csaf.json")).unwrap()
        ),
        Vec::<String>::new()
    );
    let beckhoff = schema_errors(&v, &csaf("beckhoff-vde-2025-106.json"));
    assert_eq!(beckhoff.len(), 4, "{beckhoff:#?}");
    assert!(
        beckhoff
            .iter()
            .all(|e| e.contains("\"filename\" is a required property")),
        "{beckhoff:#?}"
    );
    let mut broken: Value = serde_json::from_slice(&csaf("suse-vex-cve-2024-7264.json")).unwrap();
    broken["document"]["category"] = Value::Null;
    assert!(!v.is_valid(&broken));
}

/// go-vex `TestLoadCSAF` / `TestOpenCSAF`: one statement, one product, CVE-2009-4487,
/// not_affected, document id `2022-EVD-UC-01-NA-001`; filtering by the product id or its purl
/// keeps it, by anything else drops it.
#[test]
fn go_vex_csaf_expectations() {
    let bytes = std::fs::read(vectors("go-vex-testdata/csaf.json")).unwrap();
    let imported = import_csaf(&bytes, &CsafOptions::default()).unwrap();
    let doc = &imported.document;
    assert_eq!(doc.id, "2022-EVD-UC-01-NA-001");
    assert_eq!(doc.statements.len(), 1);
    let s = &doc.statements[0];
    assert_eq!(s.products.len(), 1);
    assert_eq!(s.vulnerability.name, "CVE-2009-4487");
    assert_eq!(s.status, Status::NotAffected);
    // The threat's impact is the impact statement.
    assert_eq!(
        s.impact_statement.as_deref(),
        Some("Class with vulnerable code was removed before shipping.")
    );
    validate(doc, &ValidationOptions::at(now())).unwrap();
    assert_schema_valid(&openvex_validator(), &doc.to_json().unwrap());
    for (filter, expected) in [
        ("CSAFPID-0001", Some(1)),
        ("pkg:golang/github.com/go-homedir@v1.2.0", Some(1)),
        // go-vex returns an empty document; an empty OpenVEX document is invalid, so Stella
        // says nothing matched.
        ("CSAFPID-9999", None),
    ] {
        let only = import_csaf(
            &bytes,
            &CsafOptions {
                products: vec![filter.into()],
                ..CsafOptions::default()
            },
        );
        match expected {
            Some(n) => assert_eq!(only.unwrap().document.statements.len(), n, "{filter}"),
            None => assert!(
                matches!(only, Err(VexError::NothingMatchesFilter { .. })),
                "{filter}"
            ),
        }
    }
}

/// SUSE (csaf_vex): relationships resolve to the component's purl, the statuses map, every
/// statement carries its CSAF product id, and the result is valid OpenVEX.
#[test]
fn suse_vex_imports_with_provenance() {
    let imported = import_csaf(
        &csaf("suse-vex-cve-2024-7264.json"),
        &CsafOptions::default(),
    )
    .unwrap();
    let doc = &imported.document;
    assert_eq!(imported.category, "csaf_vex");
    assert_eq!(doc.id, "CVE-2024-7264");
    assert_eq!(doc.author, "SUSE Product Security Team");
    assert_eq!(doc.timestamp, ts("2024-09-05T03:01:10Z"));
    validate(doc, &ValidationOptions::at(now())).unwrap();
    assert_schema_valid(&openvex_validator(), &doc.to_json().unwrap());
    let by_status = |st: Status| {
        doc.statements
            .iter()
            .filter(|s| s.status == st)
            .map(|s| s.products[0].component.id.clone().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        by_status(Status::Fixed),
        [
            "pkg:rpm/suse/curl@8.6.0-150600.4.3.1?upstream=curl-8.6.0-150600.4.3.1.src.rpm",
            "pkg:rpm/suse/libcurl4@8.6.0-150600.4.3.1?upstream=curl-8.6.0-150600.4.3.1.src.rpm",
            "pkg:rpm/suse/libcurl-devel@8.6.0-150600.4.3.1?upstream=curl-8.6.0-150600.4.3.1.src.rpm",
        ]
    );
    // `pkg:rpm/suse/curl@?upstream=…`: the empty version is dropped so the purl parses.
    assert_eq!(
        by_status(Status::Affected),
        [
            "pkg:rpm/suse/curl?upstream=curl.src.rpm",
            "pkg:rpm/suse/libcurl4?upstream=curl.src.rpm"
        ]
    );
    // Statements follow the CSAF lists in order: known_affected, then fixed.
    let p = &imported.provenance[0];
    assert_eq!(p.csaf_document, "CVE-2024-7264");
    assert_eq!(p.product_id, "SUSE Linux Enterprise Server 15 SP6:curl");
    assert_eq!(p.csaf_status, "known_affected");
    assert_eq!(
        p.platform.as_deref(),
        Some("SUSE Linux Enterprise Server 15 SP6")
    );
    assert!(
        doc.statements[0]
            .status_notes
            .as_deref()
            .unwrap()
            .contains("component of SUSE Linux Enterprise Server 15 SP6")
    );
}

fn set_of(import: stella_vex::CsafImport, bytes: &[u8]) -> VexSet {
    VexSet::build(
        vec![VexSource::from_document(
            import.document,
            stella_core::Digest::of(bytes),
        )],
        &TrustPolicy::permissive(),
        now(),
    )
}

fn finding(vuln: &str, purl: &str) -> FindingRef {
    FindingRef::new(vuln, purl)
}

/// The SUSE document applied to the findings a scan of SLES 15 SP6 reports (purls as
/// stella-scan and syft write them for rpm: with arch and distro qualifiers): the fixed build
/// is fixed — the versioned statement is more specific than SUSE's versionless
/// `known_affected` one — an older build is affected, other packages and vulnerabilities are
/// untouched.
#[test]
fn suse_vex_applies_to_a_matching_scan() {
    let bytes = csaf("suse-vex-cve-2024-7264.json");
    let set = set_of(
        import_csaf(&bytes, &CsafOptions::default()).unwrap(),
        &bytes,
    );
    let findings = [
        finding(
            "CVE-2024-7264",
            "pkg:rpm/suse/curl@8.6.0-150600.4.3.1?arch=x86_64&distro=sles-15.6",
        ),
        finding(
            "CVE-2024-7264",
            "pkg:rpm/suse/libcurl4@8.6.0-150600.3.1?arch=x86_64&distro=sles-15.6",
        ),
        finding(
            "CVE-2024-7264",
            "pkg:rpm/suse/openssl-3@3.1.4-150600.5.7.1?arch=x86_64",
        ),
        finding(
            "CVE-2024-0000",
            "pkg:rpm/suse/curl@8.6.0-150600.4.3.1?arch=x86_64",
        ),
    ];
    let applied = set.apply(&findings);
    let status = |purl: &str, vuln: &str| {
        let f = applied
            .findings
            .iter()
            .find(|f| f.finding.purl.as_deref() == Some(purl) && f.finding.vulnerability == vuln)
            .unwrap();
        (f.status, f.decided_by.as_ref().map(|d| d.statement))
    };
    let (fixed, by) = status(
        "pkg:rpm/suse/curl@8.6.0-150600.4.3.1?arch=x86_64&distro=sles-15.6",
        "CVE-2024-7264",
    );
    assert_eq!(fixed, Status::Fixed);
    assert_eq!(by, Some(2));
    let (old, _) = status(
        "pkg:rpm/suse/libcurl4@8.6.0-150600.3.1?arch=x86_64&distro=sles-15.6",
        "CVE-2024-7264",
    );
    assert_eq!(old, Status::Affected);
    assert_eq!(
        status(
            "pkg:rpm/suse/openssl-3@3.1.4-150600.5.7.1?arch=x86_64",
            "CVE-2024-7264"
        )
        .0,
        Status::UnderInvestigation
    );
    assert_eq!(
        status(
            "pkg:rpm/suse/curl@8.6.0-150600.4.3.1?arch=x86_64",
            "CVE-2024-0000"
        )
        .0,
        Status::UnderInvestigation
    );
    assert_eq!(applied.counts.fixed, 1);
    assert_eq!(applied.counts.affected, 1);
}

/// Beckhoff via CERT@VDE (a csaf_security_advisory with product groups, remediations by group,
/// hashes and architecture branches): the fixed package matches by purl and by its file hash;
/// the affected products (a `vers` range qualifier on the purl) keep the remediation as the
/// action statement; a scanned older version is not matched — Stella has no `vers` ranges —
/// and stays under investigation.
#[test]
fn beckhoff_advisory_imports_and_applies() {
    let bytes = csaf("beckhoff-vde-2025-106.json");
    let imported = import_csaf(&bytes, &CsafOptions::default()).unwrap();
    let doc = &imported.document;
    assert_eq!(imported.category, "csaf_security_advisory");
    assert_eq!(doc.id, "VDE-2025-106");
    assert_eq!(doc.author, "Beckhoff Automation GmbH & Co. KG");
    // tracking.version "1.0.1" is not an integer: the number of revisions.
    assert_eq!(doc.version, 2);
    assert_eq!(doc.statements.len(), 8);
    validate(doc, &ValidationOptions::at(now())).unwrap();
    assert_schema_valid(&openvex_validator(), &doc.to_json().unwrap());
    for s in doc
        .statements
        .iter()
        .filter(|s| s.status == Status::Affected)
    {
        assert_eq!(
            s.action_statement.as_deref(),
            Some("vendor_fix: Please update to a recent version of the affected components.")
        );
    }
    let amd64 = doc
        .statements
        .iter()
        .find(|s| s.id.as_deref() == Some("VDE-2025-106#CVE-2025-41768/CSAFPID-52031"))
        .unwrap();
    assert_eq!(
        amd64.products[0]
            .component
            .hashes
            .get("sha-256")
            .map(String::as_str),
        Some("cb9fbc60ed97dffa9f71542b49a95d607c09e241210a69e83d8643e475d4256e")
    );
    let set = set_of(imported, &bytes);
    let mut by_hash = FindingRef {
        vulnerability: "CVE-2025-41768".into(),
        ..FindingRef::default()
    };
    by_hash.hashes.insert(
        "sha-256".into(),
        "CB9FBC60ED97DFFA9F71542B49A95D607C09E241210A69E83D8643E475D4256E".into(),
    );
    let applied = set.apply(&[
        finding(
            "CVE-2025-41768",
            "pkg:deb/beckhoff/tf2000-hmi-server@14.4.267?arch=amd64&distro=rtlinux",
        ),
        finding(
            "CVE-2025-41768",
            "pkg:deb/beckhoff/tf2000-hmi-server@14.4.100?arch=amd64",
        ),
        by_hash,
    ]);
    let statuses: Vec<Status> = applied.findings.iter().map(|f| f.status).collect();
    // Sorted by (vulnerability, purl): the hash-only finding (no purl) first.
    assert_eq!(
        statuses,
        [Status::Fixed, Status::UnderInvestigation, Status::Fixed]
    );
}

/// Hostile input: not CSAF, another CSAF version, a product tree nested past the depth limit,
/// more statements than allowed — each a typed error, none a panic.
#[test]
fn hostile_csaf_is_refused_with_typed_errors() {
    let e = import_csaf(br#"{"a":1}"#, &CsafOptions::default()).unwrap_err();
    assert!(matches!(e, VexError::Shape { .. }), "{e}");
    let mut v21: Value = serde_json::from_slice(&csaf("suse-vex-cve-2024-7264.json")).unwrap();
    v21["document"]["csaf_version"] = "2.1".into();
    let e = import_csaf(&serde_json::to_vec(&v21).unwrap(), &CsafOptions::default()).unwrap_err();
    assert!(e.to_string().contains("only CSAF 2.0"), "{e}");
    let mut deep = String::from(r#"{"document":{},"product_tree":"#);
    for _ in 0..100 {
        deep.push_str(r#"{"branches":["#);
    }
    for _ in 0..100 {
        deep.push_str("]}");
    }
    deep.push('}');
    let e = import_csaf(deep.as_bytes(), &CsafOptions::default()).unwrap_err();
    assert!(matches!(e, VexError::Json { .. }), "{e}");
    let e = import_csaf(
        &csaf("suse-vex-cve-2024-7264.json"),
        &CsafOptions {
            max_statements: 2,
            ..CsafOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, VexError::Limit { max: 2, .. }), "{e}");
    // Fuzz finding (csaf_vex): a document whose `vulnerabilities` key is misspelled imported
    // as an OpenVEX document without statements, which is not OpenVEX. Now a typed error; so
    // is a vulnerability with an empty `cve`.
    let mut none: Value = serde_json::from_slice(&csaf("suse-vex-cve-2024-7264.json")).unwrap();
    let vulns = none["vulnerabilities"].take();
    none["statusabilities"] = vulns;
    let e = import_csaf(&serde_json::to_vec(&none).unwrap(), &CsafOptions::default()).unwrap_err();
    assert!(e.to_string().contains("no vulnerability"), "{e}");
    let mut empty_cve: Value =
        serde_json::from_slice(&csaf("suse-vex-cve-2024-7264.json")).unwrap();
    empty_cve["vulnerabilities"][0]["cve"] = "".into();
    let e = import_csaf(
        &serde_json::to_vec(&empty_cve).unwrap(),
        &CsafOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, VexError::Shape { .. }), "{e}");
    // Amplification: one 2 KB remediation named (through a group) for 2,000 products would be
    // copied into 2,000 statements (4 MB from 30 KB): refused by the text budget.
    let ids: Vec<String> = (0..2000).map(|i| format!("P{i}")).collect();
    let amplified = serde_json::json!({
        "document": {"category": "csaf_vex", "csaf_version": "2.0",
            "publisher": {"category": "vendor", "name": "x", "namespace": "https://x.example"},
            "title": "t", "tracking": {"id": "X-1", "status": "final", "version": "1",
            "initial_release_date": "2024-01-01T00:00:00Z",
            "current_release_date": "2024-01-01T00:00:00Z",
            "revision_history": [{"date": "2024-01-01T00:00:00Z", "number": "1", "summary": "s"}]}},
        "product_tree": {"product_groups": [{"group_id": "G", "product_ids": ids}]},
        "vulnerabilities": [{"cve": "CVE-2024-1",
            "product_status": {"known_affected": ids},
            "remediations": [{"category": "vendor_fix", "details": "x".repeat(2000),
                "group_ids": ["G"]}]}]
    });
    let bytes = serde_json::to_vec(&amplified).unwrap();
    let e = import_csaf(&bytes, &CsafOptions::default()).unwrap_err();
    assert!(
        matches!(e, VexError::Limit { what, .. } if what.contains("statement text")),
        "{e}"
    );
}

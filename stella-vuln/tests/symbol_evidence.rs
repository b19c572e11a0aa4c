#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Symbol-level evidence: each Go/Rust binary finding's present / absent / unknown from the
//! records' vulnerable symbols and the binaries' tables, the SARIF code flows to the symbol, and
//! the explanation.

use stella_core::Timestamp;
use stella_scan::symbols::{BinarySymbols, SymbolLanguage, SymbolMap};
use stella_scan::{Evidence, Package, PackageKind};
use stella_vuln::matcher::{Finding, match_packages};
use stella_vuln::osv::parse_record;
use stella_vuln::reachability::explain_finding;
use stella_vuln::report::{DbRef, FindingsDocument, OutputFormat, ScanTarget};
use stella_vuln::snapshot::{Snapshot, SnapshotBuilder};
use stella_vuln::symbols::{SymbolStatus, apply_symbols, count_statuses};

fn go_record(id: &str, imports: &str) -> String {
    format!(
        r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"Go","name":"stdlib"}},
        "ranges":[{{"type":"SEMVER","events":[{{"introduced":"0"}},{{"fixed":"1.22.1"}}]}}],
        "ecosystem_specific":{{"imports":{imports}}}}}]}}"#
    )
}

fn snapshot() -> Snapshot {
    let mut b = SnapshotBuilder::new();
    let records = [
        go_record(
            "GO-1",
            r#"[{"path":"net/http","symbols":["Client.Do","Transport.RoundTrip"]}]"#,
        ),
        go_record(
            "GO-2",
            r#"[{"path":"encoding/xml","symbols":["Decoder.Token"]}]"#,
        ),
        go_record("GO-3", r#"[{"path":"crypto/tls"}]"#),
        go_record(
            "GO-4",
            r#"[{"path":"path/filepath","goos":["windows"],"symbols":["Clean"]}]"#,
        ),
        // A record without ecosystem_specific: nothing to check.
        r#"{"id":"GO-5","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"stdlib"},
          "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.22.1"}]}]}]}"#
            .to_owned(),
        r#"{"id":"RUSTSEC-2021-0003","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"crates.io","name":"smallvec"},
          "ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"1.6.1"}]}],
          "ecosystem_specific":{"affects":{"arch":[],"os":[],"functions":["smallvec::SmallVec::insert_many"]}}}]}"#
            .to_owned(),
    ];
    for (i, r) in records.iter().enumerate() {
        b.add(
            &format!("r{i}"),
            parse_record("r.json", r.as_bytes()).unwrap(),
        );
    }
    Snapshot::load(
        b.build(&Timestamp::parse_rfc3339("2024-06-01T00:00:00Z").unwrap())
            .unwrap(),
    )
    .unwrap()
}

fn package(kind: PackageKind, name: &str, version: &str, purl: &str, path: &str) -> Package {
    let mut p = stella_scan::testing::package(kind, name, version, purl);
    p.evidence = vec![Evidence {
        path: path.into(),
        layer: None,
    }];
    p.cataloger = "go-binary".into();
    p
}

fn stdlib(path: &str) -> Package {
    package(
        PackageKind::GoModule,
        "stdlib",
        "v1.21.0",
        "pkg:golang/stdlib@v1.21.0",
        path,
    )
}

fn go_table(functions: &[&str], inlined: &[&str]) -> BinarySymbols {
    let mut functions: Vec<String> = functions.iter().map(|s| s.to_string()).collect();
    functions.sort();
    BinarySymbols {
        language: SymbolLanguage::Go,
        tables: "gopclntab go1.20".into(),
        functions,
        inlined: inlined.iter().map(|s| s.to_string()).collect(),
        goos: Some("linux".into()),
        goarch: Some("amd64".into()),
        unreadable: None,
        absence_unknown: None,
    }
}

fn findings(packages: &[Package], map: &SymbolMap) -> Vec<Finding> {
    let snap = snapshot();
    let mut report = match_packages(&snap, packages, None).unwrap();
    apply_symbols(&mut report.findings, &snap, map).unwrap();
    report.findings
}

fn status_of<'a>(fs: &'a [Finding], record: &str, path: &str) -> &'a Finding {
    fs.iter()
        .find(|f| f.records.iter().any(|r| *r == record) && f.evidence.locations[0].path == path)
        .unwrap_or_else(|| panic!("no finding {record} in {path}"))
}

#[test]
fn go_present_absent_and_unknown_per_record() {
    let map = SymbolMap::from_tables([
        (
            "usr/bin/client".to_owned(),
            go_table(
                &[
                    "main.main",
                    "net/http.(*Client).Do",
                    "crypto/tls.(*Conn).Handshake",
                    "path/filepath.Clean",
                ],
                &["encoding/xml.(*Decoder).Token"],
            ),
        ),
        (
            "usr/bin/hello".to_owned(),
            go_table(&["main.main", "fmt.Println"], &[]),
        ),
        (
            "usr/bin/broken".to_owned(),
            BinarySymbols::unreadable(SymbolLanguage::Go, "no Go pclntab found"),
        ),
    ]);
    let fs = findings(
        &[
            stdlib("usr/bin/client"),
            stdlib("usr/bin/hello"),
            stdlib("usr/bin/broken"),
            stdlib("usr/bin/untabled"),
        ],
        &map,
    );
    let s = |rec: &str, path: &str| status_of(&fs, rec, path).symbols.clone().unwrap();

    // A method on *T is `T.Method`; found lists what is linked.
    let g1 = s("GO-1", "usr/bin/client");
    assert_eq!(g1.status, SymbolStatus::Present);
    assert_eq!(g1.found, ["net/http.Client.Do"]);
    assert_eq!(
        g1.vulnerable,
        ["net/http.Client.Do", "net/http.Transport.RoundTrip"]
    );
    // Inlined-only functions are code in the binary.
    assert_eq!(s("GO-2", "usr/bin/client").status, SymbolStatus::Present);
    // A whole-package import: any function of the package.
    let g3 = s("GO-3", "usr/bin/client");
    assert_eq!(g3.status, SymbolStatus::Present);
    assert_eq!(g3.found, ["crypto/tls.Conn.Handshake"]);
    // An import for windows only does not apply to a linux binary that links the symbol.
    assert_eq!(s("GO-4", "usr/bin/client").status, SymbolStatus::Absent);
    // A record that names no symbols: unknown, always.
    let g5 = s("GO-5", "usr/bin/client");
    assert_eq!(g5.status, SymbolStatus::Unknown);
    assert!(
        g5.reason
            .unwrap()
            .contains("GO-5 lists no vulnerable symbols")
    );

    for rec in ["GO-1", "GO-2", "GO-3", "GO-4"] {
        assert_eq!(
            s(rec, "usr/bin/hello").status,
            SymbolStatus::Absent,
            "{rec}"
        );
        let broken = s(rec, "usr/bin/broken");
        assert_eq!(broken.status, SymbolStatus::Unknown, "{rec}");
        assert!(broken.reason.unwrap().contains("no Go pclntab found"));
        let untabled = s(rec, "usr/bin/untabled");
        assert_eq!(untabled.status, SymbolStatus::Unknown);
        assert!(
            untabled
                .reason
                .unwrap()
                .contains("no symbol table was collected")
        );
    }
    let (present, absent, unknown, none) = count_statuses(&fs);
    assert_eq!((present, absent, unknown, none), (3, 5, 12, 0));
}

#[test]
fn rust_paths_present_absent_and_stripped_unknown() {
    let rust_with = |functions: &[&str], inlined: &[&str], dwarf: bool| BinarySymbols {
        language: SymbolLanguage::Rust,
        tables: "symtab".into(),
        functions: functions.iter().map(|s| s.to_string()).collect(),
        inlined: inlined.iter().map(|s| s.to_string()).collect(),
        goos: None,
        goarch: None,
        unreadable: None,
        absence_unknown: (!dwarf).then(|| "no DWARF debug information".to_owned()),
    };
    let rust = |functions: &[&str]| rust_with(functions, &[], true);
    let map = SymbolMap::from_tables([
        (
            "bin/calls".to_owned(),
            rust(&[
                "main",
                "smallvec::SmallVec::insert_many",
                "smallvec::SmallVec::push",
            ]),
        ),
        (
            "bin/nocall".to_owned(),
            rust(&[
                "smallvec::SmallVec::insert_many_other",
                "smallvec::SmallVec::push",
            ]),
        ),
        (
            "bin/stripped".to_owned(),
            BinarySymbols::unreadable(SymbolLanguage::Rust, "no symbol table (stripped)"),
        ),
        // Optimized, no DWARF: found is present, missing proves nothing.
        (
            "bin/calls-release".to_owned(),
            rust_with(&["smallvec::SmallVec::insert_many"], &[], false),
        ),
        (
            "bin/nocall-release".to_owned(),
            rust_with(&["smallvec::SmallVec::push"], &[], false),
        ),
        // With DWARF, an inlined function's linkage name counts.
        (
            "bin/inlined".to_owned(),
            rust_with(&["main"], &["smallvec::SmallVec::insert_many"], true),
        ),
    ]);
    let pkg = |path: &str| {
        package(
            PackageKind::RustCrate,
            "smallvec",
            "1.6.0",
            "pkg:cargo/smallvec@1.6.0",
            path,
        )
    };
    let fs = findings(
        &[
            pkg("bin/calls"),
            pkg("bin/nocall"),
            pkg("bin/stripped"),
            pkg("bin/calls-release"),
            pkg("bin/nocall-release"),
            pkg("bin/inlined"),
        ],
        &map,
    );
    let s = |p: &str| {
        status_of(&fs, "RUSTSEC-2021-0003", p)
            .symbols
            .clone()
            .unwrap()
    };
    assert_eq!(s("bin/calls").status, SymbolStatus::Present);
    assert_eq!(s("bin/calls").found, ["smallvec::SmallVec::insert_many"]);
    assert_eq!(s("bin/nocall").status, SymbolStatus::Absent);
    let stripped = s("bin/stripped");
    assert_eq!(stripped.status, SymbolStatus::Unknown);
    assert_eq!(stripped.vulnerable, ["smallvec::SmallVec::insert_many"]);
    assert_eq!(s("bin/calls-release").status, SymbolStatus::Present);
    let release = s("bin/nocall-release");
    assert_eq!(release.status, SymbolStatus::Unknown);
    assert!(release.reason.unwrap().contains("no DWARF"));
    assert_eq!(s("bin/inlined").status, SymbolStatus::Present);
}

#[test]
fn present_symbols_end_the_sarif_code_flow_and_the_explanation() {
    let map = SymbolMap::from_tables([(
        "usr/bin/client".to_owned(),
        go_table(&["net/http.(*Client).Do"], &[]),
    )]);
    let snap = snapshot();
    let mut report = match_packages(&snap, &[stdlib("usr/bin/client")], None).unwrap();
    apply_symbols(&mut report.findings, &snap, &map).unwrap();
    let g1 = report
        .findings
        .iter_mut()
        .find(|f| f.records.iter().any(|r| *r == "GO-1"))
        .unwrap();
    g1.trace = vec!["/usr/bin/client (entrypoint)".into()];
    let text = explain_finding(g1);
    assert!(text.contains("vulnerable symbols: present (linked: net/http.Client.Do)"));
    let doc = FindingsDocument::new(
        ScanTarget {
            name: "t".into(),
            image_digest: None,
            sbom_digest: None,
            os: None,
        },
        DbRef::of(&snap),
        report,
    );
    let sarif: serde_json::Value =
        serde_json::from_slice(&doc.render(OutputFormat::Sarif).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["properties"]["symbols"]["status"] == "present")
        .unwrap();
    let steps = r["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .unwrap();
    assert_eq!(
        steps[0]["location"]["physicalLocation"]["artifactLocation"]["uri"],
        "usr/bin/client"
    );
    let last = &steps.last().unwrap()["location"];
    assert_eq!(
        last["logicalLocations"][0]["fullyQualifiedName"],
        "net/http.Client.Do"
    );
    assert_eq!(steps.len(), 2, "entrypoint (the binary), then the symbol");
    // Absent findings carry the evidence but no code flow.
    let absent = results
        .iter()
        .find(|r| r["properties"]["symbols"]["status"] == "absent")
        .unwrap();
    assert!(absent.get("codeFlows").is_none());
    // Same input, same bytes.
    assert_eq!(
        doc.render(OutputFormat::Sarif).unwrap(),
        doc.render(OutputFormat::Sarif).unwrap()
    );
}

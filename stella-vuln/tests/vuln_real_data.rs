#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Matching against real OSV records (Go vulndb JSON and the PyPA advisory database in YAML),
//! plus a Debian source-package match through hand-written records modelled on real DSAs.
//! Expected findings are written by hand from the records' ranges.
//!
//! The records are the subset of those databases in `tests/data/osv/` (see its PROVENANCE.md):
//! every Go record that names golang.org/x/text, google.golang.org/grpc or golang.org/x/net
//! (38), and every PyPA record of requests, redis, urllib3, jinja2 and the look-alike names
//! requests-kerberos, requests-xml and rediswrapper (27): 65 records, 12 GIT ranges. That is
//! every record naming a package of `packages()` in the corpus it was cut from (the whole PyPA
//! database and a 361-record Go vulndb selection), so the expected findings are the ones that
//! corpus gives, next to records of neighbouring and look-alike packages that must not match.

use std::path::Path;
use std::sync::OnceLock;

use stella_core::Timestamp;
use stella_scan::{Evidence, OsRelease, Package, PackageKind, SourcePackage};
use stella_vuln::import::{ImportMode, Importer};
use stella_vuln::matcher::{MatchReport, ProblemKind, Reachability, Status, match_packages};
use stella_vuln::osv::parse_record;
use stella_vuln::report::{DbRef, FindingsDocument, OutputFormat, ScanTarget};
use stella_vuln::snapshot::{Snapshot, SnapshotBuilder};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/osv");

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn real_snapshot() -> &'static Snapshot {
    static SNAP: OnceLock<Snapshot> = OnceLock::new();
    SNAP.get_or_init(|| {
        let mut files = Vec::new();
        walk(Path::new(DATA), &mut files);
        files.sort();
        let mut imp = Importer::new(ImportMode::Strict);
        for f in &files {
            let name = f.strip_prefix(DATA).unwrap().to_string_lossy().into_owned();
            imp.add_document(&name, &std::fs::read(f).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let date = Timestamp::parse_rfc3339("2026-08-21T00:00:00Z").unwrap();
        Snapshot::load(imp.builder().build(&date).unwrap()).unwrap()
    })
}

fn pkg(kind: PackageKind, name: &str, version: &str, purl: &str, path: &str) -> Package {
    let mut p = stella_scan::testing::package(kind, name, version, purl);
    p.evidence = vec![Evidence {
        path: path.into(),
        layer: Some(stella_core::Digest::of(b"layer-1")),
    }];
    p
}

fn packages() -> Vec<Package> {
    vec![
        pkg(
            PackageKind::GoModule,
            "golang.org/x/text",
            "v0.3.7",
            "pkg:golang/golang.org/x/text@v0.3.7",
            "usr/local/bin/app",
        ),
        pkg(
            PackageKind::GoModule,
            "google.golang.org/grpc",
            "v1.57.0",
            "pkg:golang/google.golang.org/grpc@v1.57.0",
            "usr/local/bin/app",
        ),
        pkg(
            PackageKind::Python,
            "requests",
            "2.19.1",
            "pkg:pypi/requests@2.19.1",
            "usr/lib/python3/site-packages/requests-2.19.1.dist-info/METADATA",
        ),
        pkg(
            PackageKind::Python,
            "redis",
            "4.5.2",
            "pkg:pypi/redis@4.5.2",
            "usr/lib/python3/site-packages/redis-4.5.2.dist-info/METADATA",
        ),
        // Fixed everywhere: no findings.
        pkg(
            PackageKind::Python,
            "requests",
            "2.32.3",
            "pkg:pypi/requests@2.32.3",
            "opt/venv/requests-2.32.3.dist-info/METADATA",
        ),
        // Unparsable version: reported, never "not affected".
        pkg(
            PackageKind::Python,
            "requests",
            "not a version",
            "pkg:pypi/requests@not%20a%20version",
            "opt/bad/METADATA",
        ),
    ]
}

/// (primary id, purl, fixed versions, every id)
type Expected = (
    &'static str,
    &'static str,
    Vec<&'static str>,
    Vec<&'static str>,
);

fn summary(r: &MatchReport) -> Vec<(String, String, Vec<String>, Vec<String>)> {
    r.findings
        .iter()
        .map(|f| {
            (
                f.id.to_string(),
                f.package.purl.to_string(),
                f.fixed_versions.iter().map(ToString::to_string).collect(),
                f.ids.iter().map(ToString::to_string).collect(),
            )
        })
        .collect()
}

#[test]
fn real_go_and_pypi_records_give_exactly_the_expected_findings() {
    let snap = real_snapshot();
    // The subset described at the top: 38 Go + 27 PyPA records.
    assert_eq!(snap.info().records, 65, "{:?}", snap.info());
    let report = match_packages(snap, &packages(), None).unwrap();
    let mut expected: Vec<Expected> = vec![
        // GO-2022-1059: introduced 0, fixed 0.3.8. (GO-2021-0113 is fixed in 0.3.7 itself.)
        (
            "CVE-2022-32149",
            "pkg:golang/golang.org/x/text@v0.3.7",
            vec!["0.3.8"],
            vec!["CVE-2022-32149", "GHSA-69ch-w2m2-3vjp", "GO-2022-1059"],
        ),
        // GO-2026-5970: introduced 0, fixed 0.39.0.
        (
            "CVE-2026-56852",
            "pkg:golang/golang.org/x/text@v0.3.7",
            vec!["0.39.0"],
            vec!["CVE-2026-56852", "GO-2026-5970"],
        ),
        // GO-2023-2153: [0,1.56.3) [1.57.0,1.57.1) [1.58.0,1.58.3): the second window.
        (
            "GHSA-m425-mq94-257g",
            "pkg:golang/google.golang.org/grpc@v1.57.0",
            vec!["1.57.1"],
            vec!["GHSA-m425-mq94-257g", "GO-2023-2153"],
        ),
        // GO-2026-4762: fixed 1.79.3.
        (
            "CVE-2026-33186",
            "pkg:golang/google.golang.org/grpc@v1.57.0",
            vec!["1.79.3"],
            vec!["CVE-2026-33186", "GHSA-p77j-4mvh-x3m3", "GO-2026-4762"],
        ),
        // GO-2026-6061: fixed 1.82.1. (GO-2024-2978 starts at 1.64.0.)
        (
            "GHSA-hrxh-6v49-42gf",
            "pkg:golang/google.golang.org/grpc@v1.57.0",
            vec!["1.82.1"],
            vec!["GHSA-hrxh-6v49-42gf", "GO-2026-6061"],
        ),
        // PYSEC-2018-28: [0, 2.20.0). (2014-13/14 fixed 2.3.0; 2015-17 is [2.1.0, 2.6.0).)
        (
            "CVE-2018-18074",
            "pkg:pypi/requests@2.19.1",
            vec!["2.20.0"],
            vec!["CVE-2018-18074", "GHSA-x84v-xcm2-53pg", "PYSEC-2018-28"],
        ),
        // PYSEC-2023-74: [2.3.0, 2.31.0).
        (
            "CVE-2023-32681",
            "pkg:pypi/requests@2.19.1",
            vec!["2.31.0"],
            vec!["CVE-2023-32681", "GHSA-j8r2-6x86-q33q", "PYSEC-2023-74"],
        ),
        // PYSEC-2023-45: ... [4.5.0, 4.5.3).
        (
            "CVE-2023-28858",
            "pkg:pypi/redis@4.5.2",
            vec!["4.5.3"],
            vec!["CVE-2023-28858", "PYSEC-2023-45"],
        ),
        // PYSEC-2023-46: ... [4.5.0, 4.5.4). PYSEC-2023-73 matches all versions but is withdrawn.
        (
            "CVE-2023-28859",
            "pkg:pypi/redis@4.5.2",
            vec!["4.5.4"],
            vec!["CVE-2023-28859", "PYSEC-2023-46"],
        ),
    ];
    expected.sort();
    let got = summary(&report);
    let want: Vec<(String, String, Vec<String>, Vec<String>)> = expected
        .iter()
        .map(|(id, purl, fixed, ids)| {
            (
                id.to_string(),
                purl.to_string(),
                fixed.iter().map(|s| s.to_string()).collect(),
                ids.iter().map(|s| s.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(report.withdrawn_skipped, 1, "PYSEC-2023-73 is withdrawn");
    for f in &report.findings {
        assert_eq!(f.status, Status::UnderInvestigation);
        assert_eq!(f.reachability, Reachability::Unknown);
        assert!(!f.evidence.locations.is_empty());
        assert!(!f.evidence.matched.is_empty());
    }
    // The GRPC window is explained by the range that contains the version.
    let grpc = report
        .findings
        .iter()
        .find(|f| f.id == "GHSA-m425-mq94-257g")
        .unwrap();
    assert_eq!(
        grpc.evidence.matched[0].introduced.as_deref(),
        Some("1.57.0")
    );
    assert_eq!(grpc.evidence.matched[0].fixed.as_deref(), Some("1.57.1"));
    // The unparsable version is a problem, per record that names the package.
    let bad: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.purl.contains("not%20a%20version"))
        .collect();
    assert!(!bad.is_empty());
    assert!(bad.iter().all(|p| p.kind == ProblemKind::UnparsableVersion));
}

#[test]
fn pypa_git_ranges_are_kept_and_counted() {
    let snap = real_snapshot();
    // The subset's PyPA records carry 12 GIT ranges (3 requests, 7 urllib3, 2 jinja2), the Go
    // records none.
    let info = snap.info();
    assert_eq!(info.git_ranges, 12, "{info:?}");
    assert_eq!(info.ecosystems.get("PyPI"), Some(&27), "{info:?}");
    assert_eq!(info.ecosystems.get("Go"), Some(&38), "{info:?}");
}

fn dsa_snapshot() -> Snapshot {
    // Modelled on DSA-5514-1 (glibc "Looney Tunables", CVE-2023-4911, fixed in bookworm in
    // 2.36-9+deb12u3) and DSA-5532-1 (openssl, CVE-2023-5363, fixed in 3.0.11-1~deb12u2), with a
    // second record for the same CVE as osv.dev's DEBIAN-CVE records carry it, to test merging.
    let recs = [
        r#"{"id":"DSA-5514-1","modified":"2023-10-03T00:00:00Z","published":"2023-10-03T00:00:00Z",
           "aliases":["CVE-2023-4911"],"summary":"glibc - security update",
           "affected":[{"package":{"ecosystem":"Debian:12","name":"glibc","purl":"pkg:deb/debian/glibc?arch=source"},
             "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.36-9+deb12u3"}]}]}]}"#,
        r#"{"id":"DEBIAN-CVE-2023-4911","modified":"2024-01-01T00:00:00Z",
           "aliases":["CVE-2023-4911"],"summary":"buffer overflow in ld.so GLIBC_TUNABLES",
           "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}],
           "affected":[{"package":{"ecosystem":"Debian:12","name":"glibc"},
             "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.36-9+deb12u3"}]}]},
             {"package":{"ecosystem":"Debian:11","name":"glibc"},
             "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.31-13+deb11u7"}]}]}]}"#,
        r#"{"id":"DSA-5532-1","modified":"2023-10-24T00:00:00Z","aliases":["CVE-2023-5363"],
           "affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},
             "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.11-1~deb12u2"}]}]}]}"#,
    ];
    let mut b = SnapshotBuilder::new();
    for (i, r) in recs.iter().enumerate() {
        b.add(
            &format!("{i}.json"),
            parse_record("r.json", r.as_bytes()).unwrap(),
        );
    }
    Snapshot::load(
        b.build(&Timestamp::parse_rfc3339("2024-06-01T00:00:00Z").unwrap())
            .unwrap(),
    )
    .unwrap()
}

fn deb(name: &str, version: &str, source: &str, source_version: &str) -> Package {
    let mut p = pkg(
        PackageKind::Deb,
        name,
        version,
        &format!("pkg:deb/debian/{name}@{version}?arch=amd64&distro=debian-12"),
        "var/lib/dpkg/status",
    );
    p.cataloger = "dpkg".into();
    p.source = Some(SourcePackage {
        name: source.into(),
        version: source_version.into(),
    });
    p
}

fn bookworm() -> OsRelease {
    OsRelease {
        id: "debian".into(),
        version_id: Some("12".into()),
        version_codename: Some("bookworm".into()),
        ..OsRelease::default()
    }
}

#[test]
fn debian_binary_matched_through_its_source_package() {
    let snap = dsa_snapshot();
    let pkgs = vec![
        deb("libc6", "2.36-9+deb12u1", "glibc", "2.36-9+deb12u1"),
        deb("libc-bin", "2.36-9+deb12u1", "glibc", "2.36-9+deb12u1"),
        // equal to the fix: not affected
        deb("libssl3", "3.0.11-1~deb12u2", "openssl", "3.0.11-1~deb12u2"),
        // a binNMU: the binary version differs, the source version is what counts
        deb(
            "openssl",
            "3.0.11-1~deb12u1+b1",
            "openssl",
            "3.0.11-1~deb12u1",
        ),
    ];
    let r = match_packages(&snap, &pkgs, Some(&bookworm())).unwrap();
    let got: Vec<(String, String, Vec<String>, Vec<String>)> = summary(&r);
    assert_eq!(
        got,
        vec![
            (
                "CVE-2023-4911".to_string(),
                "pkg:deb/debian/libc-bin@2.36-9+deb12u1?arch=amd64&distro=debian-12".to_string(),
                vec!["2.36-9+deb12u3".to_string()],
                vec![
                    "CVE-2023-4911".into(),
                    "DEBIAN-CVE-2023-4911".into(),
                    "DSA-5514-1".into()
                ],
            ),
            (
                "CVE-2023-4911".to_string(),
                "pkg:deb/debian/libc6@2.36-9+deb12u1?arch=amd64&distro=debian-12".to_string(),
                vec!["2.36-9+deb12u3".to_string()],
                vec![
                    "CVE-2023-4911".into(),
                    "DEBIAN-CVE-2023-4911".into(),
                    "DSA-5514-1".into()
                ],
            ),
            (
                "CVE-2023-5363".to_string(),
                "pkg:deb/debian/openssl@3.0.11-1~deb12u1+b1?arch=amd64&distro=debian-12"
                    .to_string(),
                vec!["3.0.11-1~deb12u2".to_string()],
                vec!["CVE-2023-5363".into(), "DSA-5532-1".into()],
            ),
        ]
    );
    let libc6 = &r.findings[1];
    assert_eq!(libc6.package.ecosystem, "Debian:12");
    assert_eq!(libc6.records[..], ["DEBIAN-CVE-2023-4911", "DSA-5514-1"]);
    assert_eq!(libc6.severity.score, Some(7.8));
    assert_eq!(libc6.evidence.matched.len(), 2);
    assert_eq!(libc6.evidence.cataloger, "dpkg");
    // The purls name their release (`distro=debian-12`): without the image's OS release each
    // package is still matched in its own.
    let own = match_packages(&snap, &pkgs, None).unwrap();
    assert_eq!(summary(&own), got);
    // Without any OS release (none given, no `distro` qualifier) a distro package cannot be
    // matched, and says so.
    let bare: Vec<Package> = pkgs
        .iter()
        .map(|p| Package {
            purl: p.purl.replace("&distro=debian-12", ""),
            ..p.clone()
        })
        .collect();
    assert!(bare.iter().all(|p| !p.purl.contains("distro")));
    let r = match_packages(&snap, &bare, None).unwrap();
    assert!(r.findings.is_empty());
    assert_eq!(r.problems.len(), 4);
    assert!(
        r.problems
            .iter()
            .all(|p| p.kind == ProblemKind::NoEcosystem)
    );
}

fn render_all(snap: &Snapshot, pkgs: &[Package]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let report = match_packages(snap, pkgs, None).unwrap();
    let doc = FindingsDocument::new(
        ScanTarget {
            name: "test".into(),
            image_digest: None,
            sbom_digest: None,
            os: None,
        },
        DbRef::of(snap),
        report,
    );
    (
        doc.render(OutputFormat::Json).unwrap(),
        doc.render(OutputFormat::Sarif).unwrap(),
        doc.render(OutputFormat::Table).unwrap(),
    )
}

#[test]
fn same_inputs_same_bytes_across_runs_and_thread_counts() {
    let snap = real_snapshot();
    let mut pkgs = packages();
    // more packages so the parallel split matters
    for i in 0..200 {
        pkgs.push(pkg(
            PackageKind::Python,
            "requests",
            &format!("2.{}.0", i % 32),
            &format!("pkg:pypi/requests@2.{}.0", i % 32),
            &format!("srv/app{i}/METADATA"),
        ));
    }
    let reference = render_all(snap, &pkgs);
    assert!(reference.0.len() > 1000);
    for threads in [1, 2, 8] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        for _ in 0..20 {
            let mut shuffled = pkgs.clone();
            shuffled.reverse();
            let out = pool.install(|| render_all(snap, &shuffled));
            assert!(out == reference, "output differs with {threads} threads");
        }
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/data/schemas/sarif-2.1.0/sarif-schema-2.1.0.json"
    );
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let (_, sarif, _) = render_all(real_snapshot(), &packages());
    let value: serde_json::Value = serde_json::from_slice(&sarif).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let runs = &value["runs"][0];
    let rules = runs["tool"]["driver"]["rules"].as_array().unwrap();
    let results = runs["results"].as_array().unwrap();
    assert_eq!(rules.len(), 9);
    assert_eq!(results.len(), 9);
    assert!(
        results
            .iter()
            .all(|r| r["partialFingerprints"]["stellaFinding/v1"].is_string())
    );
    assert!(
        results
            .iter()
            .all(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string())
    );
    // A broken document is rejected by the same validator (the check can fail).
    let mut broken = value.clone();
    broken["version"] = serde_json::json!("2.0.0");
    assert!(validator.iter_errors(&broken).next().is_some());
}

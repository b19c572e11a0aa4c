#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Severity from alias groups and from NVD, on real records: PyPA, Go vulndb and GitHub
//! advisories in `tests/data/severity/` and NVD CVE API 2.0 records in `tests/data/nvd/` (see
//! the PROVENANCE.md of each). Expected values are read off the records by hand (the vectors and
//! the scores NVD itself published for them).
//!
//! Also: npm packages of the bench image match GitHub advisories, and the OS release of a distro
//! package is taken from its own purl `distro` qualifier (a debian-12 component after a debian-7
//! one is matched as Debian 12).

use std::path::Path;

use stella_core::Timestamp;
use stella_scan::{Package, PackageKind};
use stella_vuln::import::{ImportMode, Importer};
use stella_vuln::matcher::{Finding, MatchReport, match_packages};
use stella_vuln::nvd::{nvd_records, parse_nvd};
use stella_vuln::osv::parse_record;
use stella_vuln::severity::{CvssVersion, Level, score_vector};
use stella_vuln::snapshot::{Snapshot, SnapshotBuilder};

const SEVERITY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/severity");
const NVD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/nvd");

fn files(dir: &str) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let name = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((name, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(Path::new(dir), Path::new(dir), &mut out);
    out.sort();
    out
}

fn date() -> Timestamp {
    Timestamp::parse_rfc3339("2026-08-21T00:00:00Z").unwrap()
}

/// The OSV subset, with or without the NVD records.
fn snapshot(with_nvd: bool) -> Snapshot {
    let mut imp = Importer::new(ImportMode::Strict);
    for (name, bytes) in files(SEVERITY) {
        imp.add_document(&name, &bytes).unwrap();
    }
    if with_nvd {
        for (name, bytes) in files(NVD) {
            if name.ends_with(".json") {
                imp.add_nvd(&name, &bytes).unwrap();
            }
        }
    }
    assert!(imp.stats().rejected.is_empty());
    Snapshot::load(imp.builder().build(&date()).unwrap()).unwrap()
}

fn pkg(kind: PackageKind, name: &str, version: &str, purl: &str) -> Package {
    stella_scan::testing::package(kind, name, version, purl)
}

/// Packages of the bench image (their installed versions) that the records name.
fn bench_packages() -> Vec<Package> {
    vec![
        pkg(
            PackageKind::Python,
            "urllib3",
            "1.23",
            "pkg:pypi/urllib3@1.23",
        ),
        pkg(PackageKind::Python, "Django", "3.2", "pkg:pypi/django@3.2"),
        pkg(
            PackageKind::GoModule,
            "stdlib",
            "v1.19.8",
            "pkg:golang/stdlib@v1.19.8",
        ),
        pkg(
            PackageKind::Npm,
            "lodash",
            "4.17.15",
            "pkg:npm/lodash@4.17.15",
        ),
        pkg(
            PackageKind::Npm,
            "minimist",
            "1.2.0",
            "pkg:npm/minimist@1.2.0",
        ),
        pkg(
            PackageKind::Npm,
            "express",
            "4.16.0",
            "pkg:npm/express@4.16.0",
        ),
        pkg(PackageKind::Npm, "cookie", "0.3.1", "pkg:npm/cookie@0.3.1"),
    ]
}

fn find<'a>(r: &'a MatchReport, id: &str, purl_name: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.id == id && f.package.name == purl_name)
        .unwrap_or_else(|| panic!("no finding {id} for {purl_name}: {:#?}", ids(r)))
}

fn ids(r: &MatchReport) -> Vec<(String, String, Level)> {
    r.findings
        .iter()
        .map(|f| {
            (
                f.id.to_string(),
                f.package.name.to_string(),
                f.severity.level,
            )
        })
        .collect()
}

/// PYSEC-2021-108 matches urllib3 1.23 (`introduced: 0`); its alias GHSA-q2q7-5pp4-w6pg
/// (`>= 1.25.4, < 1.26.5`) does not, yet it is in the group and gives the score.
#[test]
fn a_pysec_record_takes_the_score_of_its_unmatched_ghsa_alias() {
    let snap = snapshot(false);
    assert_eq!(
        snap.records_sharing_id("CVE-2021-33503").unwrap().len(),
        2,
        "PYSEC-2021-108 and GHSA-q2q7-5pp4-w6pg share the CVE"
    );
    let r = match_packages(&snap, &bench_packages(), None).unwrap();
    let f = find(&r, "CVE-2021-33503", "urllib3");
    assert_eq!(
        &*f.records,
        ["PYSEC-2021-108"],
        "only the PYSEC record matched"
    );
    assert_eq!(
        (f.severity.level, f.severity.score),
        (Level::High, Some(7.5))
    );
    let src = f.severity.source.as_ref().unwrap();
    assert_eq!(src.record, "GHSA-q2q7-5pp4-w6pg");
    assert_eq!(src.feed, "ghsa");
    assert_eq!(src.version, Some(CvssVersion::V3_1));
    assert_eq!(
        src.vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H")
    );
    // The GHSA's own rating is kept beside the vector.
    assert_eq!(f.severity.ratings.len(), 1);
    assert_eq!(f.severity.ratings[0].rating, "HIGH");
}

/// Go vulndb and PyPA carry no CVSS for CVE-2023-39325 and CVE-2022-41323: unknown without
/// NVD, NVD's v3.1 score with it.
#[test]
fn nvd_scores_what_the_go_and_pypa_records_do_not() {
    let without = match_packages(&snapshot(false), &bench_packages(), None).unwrap();
    let with = match_packages(&snapshot(true), &bench_packages(), None).unwrap();
    for (id, name) in [("CVE-2023-39325", "stdlib"), ("CVE-2022-41323", "Django")] {
        let before = find(&without, id, name);
        assert_eq!(before.severity.level, Level::Unknown, "{id}");
        assert!(before.severity.source.is_none());
        let after = find(&with, id, name);
        assert_eq!(
            (after.severity.level, after.severity.score),
            (Level::High, Some(7.5)),
            "{id}"
        );
        let src = after.severity.source.as_ref().unwrap();
        assert_eq!((src.record.as_str(), src.feed.as_str()), (id, "nvd"));
        // The finding's identity does not change: NVD records never match by themselves.
        assert_eq!(after.records, before.records);
        assert_eq!(after.ids, before.ids);
    }
    // Same findings otherwise (NVD adds no finding).
    assert_eq!(without.findings.len(), with.findings.len());
}

/// npm packages of the bench image have findings from the GitHub advisories, with the
/// advisories' severities; GHSA-4xc9-xhrj-v574 has no vector and falls back on its rating.
#[test]
fn npm_packages_have_findings_with_ghsa_severities() {
    let r = match_packages(&snapshot(false), &bench_packages(), None).unwrap();
    let minimist = find(&r, "CVE-2021-44906", "minimist");
    assert_eq!(
        (minimist.severity.level, minimist.severity.score),
        (Level::Critical, Some(9.8))
    );
    assert_eq!(minimist.package.ecosystem, "npm");
    let lodash = find(&r, "CVE-2021-23337", "lodash");
    assert_eq!(
        (lodash.severity.level, lodash.severity.score),
        (Level::High, Some(7.2))
    );
    // GHSA-4xc9-xhrj-v574 is fixed in 4.17.11: lodash 4.17.15 is not affected.
    assert!(!r.findings.iter().any(|f| f.id == "CVE-2018-16487"));
    // GHSA-pxg6-pf52-xh8x has no vector: its rating decides.
    let cookie = find(&r, "CVE-2024-47764", "cookie");
    assert_eq!(
        (cookie.severity.level, cookie.severity.score),
        (Level::Low, None)
    );
    let src = cookie.severity.source.as_ref().unwrap();
    assert_eq!(
        (
            src.record.as_str(),
            src.rating.as_deref(),
            src.vector.as_deref()
        ),
        ("GHSA-pxg6-pf52-xh8x", Some("LOW"), None)
    );
    // CVSS v4.0 decides before v3.1: GitHub's v4 vector of CVE-2024-43796 scores 2.3 (low),
    // its v3.1 vector 5.0 (medium); both are kept.
    let express = find(&r, "CVE-2024-43796", "express");
    assert_eq!(
        (express.severity.level, express.severity.score),
        (Level::Low, Some(2.3))
    );
    assert_eq!(
        express.severity.source.as_ref().unwrap().version,
        Some(CvssVersion::V4_0)
    );
    let v31: Vec<f64> = express
        .severity
        .vectors
        .iter()
        .filter(|v| v.version == Some(CvssVersion::V3_1))
        .map(|v| v.score)
        .collect();
    assert_eq!(v31, vec![5.0]);
    for name in ["lodash", "minimist", "express", "cookie"] {
        assert!(
            r.findings.iter().any(|f| f.package.name == name),
            "{name} has no finding"
        );
    }
}

/// NVD's own base scores (as published in each metric) equal the `cvss` crate's, for every
/// metric of the real records: a differential test of the scorer against NVD's calculator.
#[test]
fn nvd_published_scores_equal_ours() {
    let mut compared = 0;
    for (name, bytes) in files(NVD) {
        if !name.ends_with(".json") {
            continue;
        }
        for cve in parse_nvd(&name, &bytes).unwrap() {
            let m = &cve.metrics;
            for metric in m.v40.iter().chain(&m.v31).chain(&m.v30).chain(&m.v2) {
                let (version, ours) = score_vector(&metric.cvss_data.vector_string).unwrap();
                assert_eq!(
                    Some(ours),
                    metric.cvss_data.base_score,
                    "{} {}",
                    cve.id,
                    metric.cvss_data.vector_string
                );
                assert_eq!(Some(version.as_str()), metric.cvss_data.version.as_deref());
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 6, "metrics in the three fixture records");
}

/// The records made from the real NVD files: ids, times, CWE, CPE configurations, withdrawn
/// status, and the same records from the API-response envelope and from the bare objects.
#[test]
fn nvd_records_from_real_files() {
    let bare = std::fs::read(format!("{NVD}/CVE-2024-0181.json")).unwrap();
    let recs = nvd_records("CVE-2024-0181.json", &bare).unwrap();
    let r = &recs[0];
    assert_eq!(r.id, "CVE-2024-0181");
    assert_eq!(r.modified, "2024-05-17T02:34:22.837Z");
    assert_eq!(r.published.as_deref(), Some("2024-01-01T17:15:08.543Z"));
    assert!(r.withdrawn.is_none());
    assert!(r.affected.is_empty());
    let kinds: Vec<(&str, &str)> = r
        .severity
        .iter()
        .map(|s| (s.kind.as_str(), s.score.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:H/UI:R/S:C/C:L/I:L/A:N"),
            ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:H/UI:R/S:U/C:N/I:L/A:N"),
            ("CVSS_V2", "AV:N/AC:L/Au:M/C:N/I:P/A:N"),
        ]
    );
    let nvd = &r.database_specific.as_ref().unwrap()["nvd"];
    assert_eq!(nvd["cwes"], serde_json::json!(["CWE-79"]));
    assert_eq!(nvd["source"], "cna@vuldb.com");
    assert_eq!(nvd["metrics"].as_array().unwrap().len(), 3);
    assert_eq!(
        nvd["configurations"][0]["nodes"][0]["cpeMatch"][0]["criteria"],
        "cpe:2.3:a:nia:rrj_nueva_ecija_engineer_online_portal:1.0:*:*:*:*:*:*:*"
    );
    // The highest v3.1 score of the group wins: NVD's 4.8 over the CNA's 2.4.
    let (s, errors) = stella_vuln::severity::assess(&[r]);
    assert!(errors.is_empty());
    assert_eq!((s.level, s.score), (Level::Medium, Some(4.8)));

    let go = nvd_records(
        "CVE-2023-39325.json",
        &std::fs::read(format!("{NVD}/CVE-2023-39325.json")).unwrap(),
    )
    .unwrap();
    let cfg = &go[0].database_specific.as_ref().unwrap()["nvd"]["configurations"];
    assert_eq!(cfg.as_array().unwrap().len(), 3);
    assert_eq!(
        cfg[0]["nodes"][0]["cpeMatch"][0]["versionEndExcluding"],
        "1.20.10"
    );
    assert_eq!(go[0].references.first().unwrap().kind, "ADVISORY");

    // The API 2.0 envelope around the three records gives the same records in order.
    let mut items = Vec::new();
    let mut one_by_one = Vec::new();
    for (name, bytes) in files(NVD) {
        if name.ends_with(".json") {
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            items.push(serde_json::json!({ "cve": v }));
            one_by_one.extend(nvd_records(&name, &bytes).unwrap());
        }
    }
    let page = serde_json::json!({"resultsPerPage": 3, "startIndex": 0, "totalResults": 3,
        "format": "NVD_CVE", "version": "2.0", "timestamp": "2026-08-21T00:00:00.000",
        "vulnerabilities": items});
    let from_page = nvd_records("page.json", &serde_json::to_vec(&page).unwrap()).unwrap();
    assert_eq!(from_page, one_by_one);
}

/// Importing the same data twice (NVD included) gives the same snapshot bytes, and the header
/// counts the alias keys; a snapshot without shared ids has no `alias_keys` in its header.
#[test]
fn alias_keys_are_deterministic_and_counted() {
    let a = snapshot(true);
    let b = snapshot(true);
    assert_eq!(a.bytes(), b.bytes());
    // CVE-2021-33503, GHSA-q2q7… (PYSEC alias + GHSA id), CVE-2023-39325 (GO + NVD),
    // CVE-2022-41323 (PYSEC + NVD).
    assert_eq!(a.info().alias_keys, 4);
    assert!(
        a.keys().unwrap().iter().all(|(e, _)| !e.is_empty()),
        "alias keys are not listed as (ecosystem, name) keys"
    );
    let mut lone = SnapshotBuilder::new();
    lone.add(
        "x.json",
        parse_record(
            "x.json",
            br#"{"id":"GO-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-1"]}"#,
        )
        .unwrap(),
    );
    let bytes = lone.build(&date()).unwrap();
    let header = String::from_utf8_lossy(&bytes[12..200]).into_owned();
    assert!(!header.contains("alias_keys"), "{header}");
}

/// Transitive groups: A aliases X, B aliases X and Y, C (withdrawn) and D alias Y. The finding
/// of A takes D's score through B; a withdrawn record gives none.
#[test]
fn groups_are_transitive_and_skip_withdrawn_records() {
    let m = r#""modified":"2024-01-01T00:00:00Z""#;
    let docs = [
        format!(
            r#"{{"id":"PYSEC-A",{m},"aliases":["X"],"affected":[{{"package":{{"ecosystem":"PyPI","name":"a"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}}]}}]}}]}}"#
        ),
        format!(r#"{{"id":"GHSA-B",{m},"aliases":["X","Y"]}}"#),
        format!(
            r#"{{"id":"OSV-C",{m},"withdrawn":"2024-02-01T00:00:00Z","aliases":["Y"],"severity":[{{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}}]}}"#
        ),
        format!(
            r#"{{"id":"OSV-D",{m},"upstream":["Y"],"severity":[{{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}}]}}"#
        ),
    ];
    let mut b = SnapshotBuilder::new();
    for (i, d) in docs.iter().enumerate() {
        let rec = parse_record("r.json", d.as_bytes()).unwrap();
        rec.validate("r.json").unwrap();
        b.add(&i.to_string(), rec);
    }
    let snap = Snapshot::load(b.build(&date()).unwrap()).unwrap();
    let r = match_packages(
        &snap,
        &[pkg(PackageKind::Python, "a", "1.0", "pkg:pypi/a@1.0")],
        None,
    )
    .unwrap();
    assert_eq!(r.findings.len(), 1);
    let s = &r.findings[0].severity;
    assert_eq!(s.score, Some(7.5));
    assert_eq!(s.source.as_ref().unwrap().record, "OSV-D");
    assert!(s.vectors.iter().all(|v| v.source != "OSV-C"));
}

/// A debian-12 component after a debian-7 one in the same SBOM: each is matched in its own
/// release (the SBOM-level OS is the first `distro` seen, debian-7).
#[test]
fn each_component_is_matched_in_the_release_its_purl_names() {
    let sbom = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
      {"type":"library","name":"openssl","version":"1.0.1t-1+deb7u4",
       "purl":"pkg:deb/debian/openssl@1.0.1t-1%2Bdeb7u4?arch=amd64&distro=debian-7"},
      {"type":"library","name":"openssl","version":"3.0.11-1~deb12u2",
       "purl":"pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"}]}"#;
    let input = stella_scan::sbom_input::read_sbom(sbom).unwrap();
    assert_eq!(
        input.os.as_ref().and_then(|o| o.version_id.as_deref()),
        Some("7"),
        "the SBOM-level release is the first distro qualifier"
    );
    // Hand-written records (the shape of osv.dev's Debian exports; no Debian data is stored
    // here): one per release, each affecting every version below a fix.
    let mut b = SnapshotBuilder::new();
    for (id, eco, fixed) in [
        ("DSA-TEST-7", "Debian:7", "1.0.1t-1+deb7u5"),
        ("DSA-TEST-12", "Debian:12", "3.0.13-1~deb12u1"),
    ] {
        let doc = format!(
            r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"{eco}","name":"openssl"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}}]}}]}}"#
        );
        b.add(id, parse_record("r.json", doc.as_bytes()).unwrap());
    }
    let snap = Snapshot::load(b.build(&date()).unwrap()).unwrap();
    let r = match_packages(&snap, &input.packages, input.os.as_ref()).unwrap();
    let got: Vec<(String, String, String)> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.id.to_string(),
                f.package.version.to_string(),
                f.package.ecosystem.to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "DSA-TEST-12".to_owned(),
                "3.0.11-1~deb12u2".to_owned(),
                "Debian:12".to_owned()
            ),
            (
                "DSA-TEST-7".to_owned(),
                "1.0.1t-1+deb7u4".to_owned(),
                "Debian:7".to_owned()
            ),
        ]
    );
    assert!(r.problems.is_empty(), "{:?}", r.problems);
}

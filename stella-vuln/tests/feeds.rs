#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The feed importers on real fixture files (tests/data/feeds, see its PROVENANCE.md): each
//! published format read into OSV records, into a snapshot, and matched.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use stella_core::Timestamp;
use stella_scan::{OsRelease, Package, PackageKind, SourcePackage};
use stella_vuln::feeds::{FeedError, FeedLimits, FeedRecords, alpine, csaf, debian, ghsa, osv_zip};
use stella_vuln::matcher::match_packages;
use stella_vuln::osv::{Event, OsvRecord};
use stella_vuln::snapshot::{Snapshot, SnapshotBuilder};

const DATE: &str = "2024-07-01T00:00:00Z";

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/feeds")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(data(rel)).unwrap()
}

fn snapshot_of(records: Vec<OsvRecord>) -> Snapshot {
    let mut b = SnapshotBuilder::new();
    for r in records {
        b.add("feed", r);
    }
    Snapshot::load(b.build(&Timestamp::parse_rfc3339(DATE).unwrap()).unwrap()).unwrap()
}

fn by_id(records: &[OsvRecord]) -> BTreeMap<&str, &OsvRecord> {
    records.iter().map(|r| (r.id.as_str(), r)).collect()
}

/// (ecosystem, package) → events of each affected entry.
fn affected_of(r: &OsvRecord) -> BTreeMap<(String, String), Vec<Vec<Event>>> {
    let mut out: BTreeMap<(String, String), Vec<Vec<Event>>> = BTreeMap::new();
    for a in &r.affected {
        let p = a.package.as_ref().unwrap();
        out.entry((p.ecosystem.clone(), p.name.clone()))
            .or_default()
            .extend(a.ranges.iter().map(|r| r.events.clone()));
    }
    out
}

fn intro() -> Event {
    Event::Introduced("0".into())
}

fn deb_package(binary: &str, source: &str, version: &str) -> Package {
    let purl = format!("pkg:deb/debian/{binary}@{version}");
    let mut p = stella_scan::testing::package(PackageKind::Deb, binary, version, &purl);
    p.source = Some(SourcePackage {
        name: source.into(),
        version: version.into(),
    });
    p.cataloger = "dpkg".into();
    p
}

fn debian_os(version: &str) -> OsRelease {
    OsRelease {
        id: "debian".into(),
        version_id: Some(version.into()),
        version_codename: None,
        pretty_name: None,
        id_like: vec![],
    }
}

#[test]
fn debian_tracker_real_fixture() {
    let mut set = FeedRecords::new();
    debian::import(
        "tracker/data/json",
        &read("debian/tracker-vunnel.json"),
        DATE,
        &FeedLimits::default(),
        &mut set,
    )
    .unwrap();
    let stats = set.stats().clone();
    // prototypejs CVE-2007-2383: fixed_version 0 in stretch, jessie, buster (sid has no OSV
    // ecosystem, skipped before its status is read).
    assert_eq!(stats.not_affected, 3);
    assert_eq!(
        stats.skipped.get("release \"sid\" has no OSV ecosystem"),
        Some(&5)
    );
    let records = set.into_records().unwrap();
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "DEBIAN-CVE-2005-3111",
            "DEBIAN-CVE-2008-7220",
            "DEBIAN-CVE-2013-1444",
            "DEBIAN-CVE-2022-0456"
        ]
    );
    let recs = by_id(&records);
    let chromium = recs["DEBIAN-CVE-2022-0456"];
    assert_eq!(chromium.aliases, ["CVE-2022-0456"]);
    assert_eq!(chromium.modified, DATE);
    let aff = affected_of(chromium);
    let key = |eco: &str| (eco.to_owned(), "chromium".to_owned());
    assert_eq!(
        aff[&key("Debian:12")],
        [vec![intro(), Event::Fixed("98.0.4758.80-1".into())]]
    );
    assert_eq!(
        aff[&key("Debian:11")],
        [vec![intro(), Event::Fixed("98.0.4758.80-1~deb11u1".into())]]
    );
    // `open` (<unfixed>) in buster and stretch: every version affected.
    assert_eq!(aff[&key("Debian:10")], [vec![intro()]]);
    assert_eq!(aff[&key("Debian:9")], [vec![intro()]]);
    let buster = chromium
        .affected
        .iter()
        .find(|a| a.package.as_ref().unwrap().ecosystem == "Debian:10")
        .unwrap();
    assert_eq!(
        buster.ecosystem_specific.as_ref().unwrap()["urgency"],
        "end-of-life"
    );

    // Matched by source package and release: bullseye's chromium before the fix is affected,
    // the fixed one is not, and the binary package name plays no part.
    let snap = snapshot_of(records);
    let os11 = debian_os("11");
    let hit = match_packages(
        &snap,
        &[deb_package(
            "chromium-driver",
            "chromium",
            "90.0.4430.212-1",
        )],
        Some(&os11),
    )
    .unwrap();
    assert_eq!(hit.findings.len(), 1, "{:?}", hit.findings);
    assert_eq!(hit.findings[0].id, "CVE-2022-0456");
    let miss = match_packages(
        &snap,
        &[deb_package(
            "chromium-driver",
            "chromium",
            "98.0.4758.102-1~deb11u1",
        )],
        Some(&os11),
    )
    .unwrap();
    assert!(miss.findings.is_empty(), "{:?}", miss.findings);
    // buster: unfixed, so even the newest buster-security version is affected.
    let open = match_packages(
        &snap,
        &[deb_package(
            "chromium",
            "chromium",
            "90.0.4430.212-1~deb10u1",
        )],
        Some(&debian_os("10")),
    )
    .unwrap();
    assert_eq!(open.findings.len(), 1);
}

#[test]
fn alpine_secdb_real_fixtures_json_and_yaml() {
    let mut set = FeedRecords::new();
    for f in [
        "alpine/v3.11/main.json",
        "alpine/v3.3/community.json",
        "alpine/v3.15/main.yaml",
    ] {
        alpine::import(f, &read(f), DATE, &FeedLimits::default(), &mut set).unwrap();
    }
    assert_eq!(set.stats().documents, 3);
    let records = set.into_records().unwrap();
    // v3.11: XSA-248, XSA-252, CVE-2018-7540 (from "CVE-2018-7540 XSA-252"), CVE-2017-9669,
    // CVE-2017-9671; v3.15: 13 CVEs; v3.3 community: none.
    assert_eq!(records.len(), 18);
    let recs = by_id(&records);
    let xsa = affected_of(recs["ALPINE-XSA-252"]);
    assert_eq!(
        xsa[&("Alpine:v3.11".to_owned(), "xen".to_owned())],
        [
            vec![intro(), Event::Fixed("4.10-1-r1".into())],
            vec![intro(), Event::Fixed("4.10.0-r2".into())]
        ]
    );
    let zlib = affected_of(recs["ALPINE-CVE-2022-37434"]);
    assert_eq!(
        zlib[&("Alpine:v3.15".to_owned(), "zlib".to_owned())],
        [vec![intro(), Event::Fixed("1.2.12-r2".into())]]
    );
    assert_eq!(recs["ALPINE-CVE-2022-37434"].aliases, ["CVE-2022-37434"]);
    let snap = snapshot_of(records);
    assert_eq!(snap.lookup("Alpine:v3.15", "zsh").unwrap().len(), 4);
}

#[test]
fn ghsa_tree_real_files_in_the_published_layout() {
    let root = data("ghsa");
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    files.sort();
    assert_eq!(files.len(), 4);
    let mut set = FeedRecords::new();
    for rel in &files {
        ghsa::import_file(
            rel,
            &std::fs::read(root.join(rel)).unwrap(),
            &FeedLimits::default(),
            &mut set,
        )
        .unwrap();
    }
    // Another file of the repository is skipped, not an error.
    ghsa::import_file("README.md", b"# x", &FeedLimits::default(), &mut set).unwrap();
    assert_eq!(set.stats().skipped.values().sum::<u64>(), 1);
    let records = set.into_records().unwrap();
    let recs = by_id(&records);
    let lodash = recs["GHSA-jf85-cpcp-j695"];
    assert_eq!(lodash.aliases, ["CVE-2019-10744"]);
    assert!(!lodash.severity.is_empty());
    // Each record is the file's record unchanged.
    for rel in &files {
        let direct =
            stella_vuln::osv::parse_record(rel, &std::fs::read(root.join(rel)).unwrap()).unwrap();
        assert_eq!(recs[direct.id.as_str()], &direct);
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(root, &p, out);
        } else {
            out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
        }
    }
}

/// An osv.dev-style `all.zip`: one JSON per record at the root.
fn all_zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (n, d) in files {
        w.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(d).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn osv_all_zip_of_real_records() {
    let names = ["GO-2020-0012", "GO-2022-0636", "GO-2022-0649"];
    let files: Vec<(String, Vec<u8>)> = names
        .iter()
        .rev()
        .map(|n| (format!("{n}.json"), read(&format!("osv/{n}.json"))))
        .collect();
    let zip = all_zip(&files);
    let mut set = FeedRecords::new();
    osv_zip::import("Go/all.zip", &zip, &FeedLimits::default(), &mut set).unwrap();
    let records = set.into_records().unwrap();
    let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, names);
    for (name, bytes) in &files {
        let direct = stella_vuln::osv::parse_record(name, bytes).unwrap();
        assert!(records.contains(&direct), "{name}");
    }
    // A broken record is an error naming it.
    let mut bad = files.clone();
    bad.push(("GO-9999-0001.json".into(), b"{\"id\":".to_vec()));
    let err = osv_zip::import(
        "Go/all.zip",
        &all_zip(&bad),
        &FeedLimits::default(),
        &mut FeedRecords::new(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("GO-9999-0001.json"), "{err}");
}

#[test]
fn csaf_vex_real_suse_document() {
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/vectors/csaf/suse-vex-cve-2024-7264.json"),
    )
    .unwrap();
    let mut set = FeedRecords::new();
    csaf::import(
        "suse-vex-cve-2024-7264.json",
        &bytes,
        &FeedLimits::default(),
        &mut set,
    )
    .unwrap();
    let records = set.into_records().unwrap();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.id, "SUSE-CVE-2024-7264");
    assert_eq!(r.aliases, ["CVE-2024-7264"]);
    assert_eq!(r.modified, "2024-09-05T03:01:10Z");
    let aff = affected_of(r);
    let eco = "SUSE:SUSE Linux Enterprise Server 15 SP6".to_owned();
    // Fixed versions; the versionless known_affected curl/libcurl4 are covered by them.
    for name in ["curl", "libcurl4", "libcurl-devel"] {
        assert_eq!(
            aff[&(eco.clone(), name.to_owned())],
            [vec![intro(), Event::Fixed("8.6.0-150600.4.3.1".into())]],
            "{name}"
        );
    }
    assert_eq!(aff.len(), 3);
}

#[test]
fn csaf_red_hat_shape_epoch_and_not_affected() {
    let doc = br#"{"document":{"category":"csaf_vex","csaf_version":"2.0",
      "publisher":{"category":"vendor","name":"Red Hat Product Security","namespace":"https://www.redhat.com"},
      "title":"bind","tracking":{"id":"CVE-2024-4076","status":"final","version":"1",
      "initial_release_date":"2024-07-23T00:00:00Z","current_release_date":"2024-08-01T00:00:00Z",
      "revision_history":[{"date":"2024-07-23T00:00:00Z","number":"1","summary":"s"}]}},
      "product_tree":{"branches":[{"category":"vendor","name":"Red Hat","branches":[
        {"category":"product_name","name":"Red Hat Enterprise Linux 9","product":{"name":"Red Hat Enterprise Linux 9",
          "product_id":"AppStream-9","product_identification_helper":{"cpe":"cpe:/a:redhat:enterprise_linux:9::appstream"}}},
        {"category":"product_version","name":"bind-32:9.16.23-18.el9_4.6.src","product":{"name":"bind-32:9.16.23-18.el9_4.6.src",
          "product_id":"bind-32:9.16.23-18.el9_4.6.src","product_identification_helper":{"purl":"pkg:rpm/redhat/bind@9.16.23-18.el9_4.6?arch=src&epoch=32"}}},
        {"category":"product_version","name":"bind9.18","product":{"name":"bind9.18","product_id":"bind9.18",
          "product_identification_helper":{"purl":"pkg:rpm/redhat/bind9.18"}}}]}],
      "relationships":[
        {"category":"default_component_of","full_product_name":{"name":"bind as a component of RHEL 9","product_id":"AppStream-9:bind-32:9.16.23-18.el9_4.6.src"},
         "product_reference":"bind-32:9.16.23-18.el9_4.6.src","relates_to_product_reference":"AppStream-9"},
        {"category":"default_component_of","full_product_name":{"name":"bind9.18 as a component of RHEL 9","product_id":"AppStream-9:bind9.18"},
         "product_reference":"bind9.18","relates_to_product_reference":"AppStream-9"}]},
      "vulnerabilities":[{"cve":"CVE-2024-4076","product_status":{
        "fixed":["AppStream-9:bind-32:9.16.23-18.el9_4.6.src"],
        "known_not_affected":["AppStream-9:bind9.18"]}}]}"#;
    let mut set = FeedRecords::new();
    csaf::import("cve-2024-4076.json", doc, &FeedLimits::default(), &mut set).unwrap();
    assert_eq!(set.stats().not_affected, 1);
    let records = set.into_records().unwrap();
    assert_eq!(records[0].id, "REDHAT-CVE-2024-4076");
    let aff = affected_of(&records[0]);
    assert_eq!(
        aff[&(
            "Red Hat:Red Hat Enterprise Linux 9".to_owned(),
            "bind".to_owned()
        )],
        [vec![intro(), Event::Fixed("32:9.16.23-18.el9_4.6".into())]]
    );
    // Not CSAF at all: a typed error from the VEX crate's reader.
    assert!(matches!(
        csaf::import(
            "x.json",
            b"{}",
            &FeedLimits::default(),
            &mut FeedRecords::new()
        ),
        Err(FeedError::Csaf { .. })
    ));
}

#[test]
fn the_same_feeds_give_the_same_snapshot() {
    let build = || {
        let mut set = FeedRecords::new();
        debian::import(
            "j",
            &read("debian/tracker-vunnel.json"),
            DATE,
            &FeedLimits::default(),
            &mut set,
        )
        .unwrap();
        for f in ["alpine/v3.15/main.yaml", "alpine/v3.11/main.json"] {
            alpine::import(f, &read(f), DATE, &FeedLimits::default(), &mut set).unwrap();
        }
        let mut b = SnapshotBuilder::new();
        for r in set.into_records().unwrap() {
            b.add("feed", r);
        }
        b.build(&Timestamp::parse_rfc3339(DATE).unwrap()).unwrap()
    };
    assert_eq!(build(), build());
}

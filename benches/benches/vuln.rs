//! Vulnerability matching: snapshot build and load for a full record set (Go vulndb JSON + PyPA
//! YAML), and matching 2,000 packages.
//!
//! The record set is not in the repository (the tests carry only a small subset, in
//! `tests/data/osv/`): the bench reads `STELLA_BENCH_OSV=<dir>` or, by default, the directory
//! `../shared/data/osv` beside the repository (the whole PyPA advisory database at 3ccb6125 and
//! the Go vulndb records the team keeps there). When neither exists it prints why and measures
//! nothing.
//!
//! Targets (issue 6): load ≤ 50 ms per 100k records, match ≤ 10 ms per 2,000 packages.
//! Run: `cargo bench -p stella-benches --bench vuln`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use stella_core::Timestamp;
use stella_scan::{Package, PackageKind};
use stella_vuln::import::{ImportMode, Importer};
use stella_vuln::matcher::{MatchReport, match_packages};
use stella_vuln::snapshot::Snapshot;

const DEFAULT_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/osv");

/// The OSV directory to read: `STELLA_BENCH_OSV`, else [`DEFAULT_DATA`]; `None` when absent.
fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("STELLA_BENCH_OSV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA));
    dir.is_dir().then_some(dir)
}

fn documents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    stella_benches::files_under(dir)
        .into_iter()
        .map(|f| (f.display().to_string(), std::fs::read(&f).unwrap()))
        .collect()
}

fn build(docs: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut imp = Importer::new(ImportMode::Lenient);
    for (name, bytes) in docs {
        imp.add_document(name, bytes).unwrap();
    }
    let date = Timestamp::parse_rfc3339("2026-08-21T00:00:00Z").unwrap();
    imp.builder().build(&date).unwrap()
}

/// 2,000 packages over the snapshot's (ecosystem, name) keys, at low versions so most match.
fn packages(snap: &Snapshot) -> Vec<Package> {
    packages_at(snap, "v0.1.0", "1.0")
}

/// 2,000 packages over the snapshot's keys at the given Go and PyPI versions.
fn packages_at(snap: &Snapshot, go_version: &str, py_version: &str) -> Vec<Package> {
    let keys: Vec<(String, String)> = snap
        .keys()
        .unwrap()
        .into_iter()
        .filter(|(e, _)| e == "PyPI" || e == "Go")
        .collect();
    (0..2000)
        .map(|i| {
            let (eco, name) = &keys[(i * 7) % keys.len()];
            let (kind, version, purl) = if eco == "Go" {
                (
                    PackageKind::GoModule,
                    go_version.to_owned(),
                    format!("pkg:golang/{name}@{go_version}"),
                )
            } else {
                (
                    PackageKind::Python,
                    py_version.to_owned(),
                    format!("pkg:pypi/{name}@{py_version}"),
                )
            };
            Package {
                name: name.clone(),
                version,
                kind,
                purl,
                licenses: vec![],
                cpes: vec![],
                source: None,
                evidence: vec![],
                files: vec![],
                dependencies: vec![],
                cataloger: "bench".into(),
                metadata: Default::default(),
                license_acknowledgement: Default::default(),
                supplier: None,
                authors: vec![],
                hashes: vec![],
            }
        })
        .collect()
}

/// The SHA-256 of a report's JSON: printed so a change to the matcher can show it kept the
/// results byte for byte.
fn report_digest(report: &MatchReport) -> String {
    stella_core::Digest::of(&serde_json::to_vec(report).unwrap()).to_string()
}

fn bench(c: &mut Criterion) {
    let Some(dir) = data_dir() else {
        eprintln!(
            "SKIPPED vuln bench: no OSV record set (set STELLA_BENCH_OSV=<dir of OSV JSON/YAML>, \
             or place one at {DEFAULT_DATA})"
        );
        return;
    };
    let docs = documents(&dir);
    let bytes: Arc<[u8]> = build(&docs).into();
    let snap = Snapshot::load(bytes.clone()).unwrap();
    eprintln!(
        "snapshot: {} records, {} bytes, {} keys",
        snap.info().records,
        bytes.len(),
        snap.keys().unwrap().len()
    );
    eprintln!("snapshot digest {}", snap.digest());
    let mut g = c.benchmark_group("vuln");
    g.sample_size(10);
    g.bench_function("snapshot_build_full_data", |b| b.iter(|| build(&docs)));
    g.bench_function("snapshot_load_full_data", |b| {
        b.iter(|| Snapshot::load(bytes.clone()).unwrap())
    });
    // What load costs beyond hashing the file (the digest check is most of it).
    g.bench_function("sha256_of_snapshot_file", |b| {
        b.iter(|| stella_core::Digest::of(&bytes))
    });
    let pkgs = packages(&snap);
    let report = match_packages(&snap, &pkgs, None).unwrap();
    eprintln!(
        "match: {} packages -> {} findings, {} problems, report {}",
        pkgs.len(),
        report.findings.len(),
        report.problems.len(),
        report_digest(&report)
    );
    // Steady state: a loaded snapshot keeps the records it parsed.
    g.bench_function("match_2000_packages", |b| {
        b.iter(|| match_packages(&snap, &pkgs, None).unwrap())
    });
    // The same names at versions above every fix: lookups and range evaluation, few findings.
    let current = packages_at(&snap, "v999.0.0", "999.0");
    let current_report = match_packages(&snap, &current, None).unwrap();
    eprintln!(
        "match (current versions): {} findings, report {}",
        current_report.findings.len(),
        report_digest(&current_report)
    );
    g.bench_function("match_2000_packages_current_versions", |b| {
        b.iter(|| match_packages(&snap, &current, None).unwrap())
    });
    // Cold: load (digest check) plus the first match, which parses the records it touches.
    g.bench_function("load_and_first_match_2000_packages", |b| {
        b.iter(|| {
            let fresh = Snapshot::load(bytes.clone()).unwrap();
            match_packages(&fresh, &pkgs, None).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

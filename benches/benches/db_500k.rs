//! The vulnerability DB at 500,000 records: snapshot build (with sources in the header), load,
//! signature verification and matching 2,000 packages.
//!
//! The records are generated from the shapes of the real feed fixtures in the repository
//! (`stella-vuln/tests/data/feeds`: Go vulndb and GitHub advisories as OSV, Debian tracker and
//! Alpine secdb records as the feed importers make them, the SUSE CSAF VEX): each template is
//! cloned with a numbered id and package names, so sizes, nesting and the mix of ecosystems
//! are the real ones. Override the count with `STELLA_BENCH_DB_RECORDS`.
//!
//! A build at this size takes tens of seconds, more than criterion's ten-sample minimum allows
//! in a bench run, so this target has its own harness: the build is timed over 3 runs, load,
//! verification and matching over 10, and the median (and min/max) is printed.
//! Run: `cargo bench -p stella-benches --bench db_500k`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use stella::db::sign::{sign_snapshot, verify_snapshot};
use stella_attest::dsse::Keyring;
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_core::{Digest, SignatureAlgorithm, Timestamp};
use stella_scan::Package;
use stella_vuln::feeds::{FeedLimits, FeedRecords, alpine, csaf, debian};
use stella_vuln::matcher::match_packages;
use stella_vuln::osv::{OsvRecord, parse_record};
use stella_vuln::snapshot::{Snapshot, SnapshotBuilder, SnapshotSource};

const DATE: &str = "2026-12-01T00:00:00Z";

fn feeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../stella-vuln/tests/data/feeds")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(feeds().join(rel)).unwrap()
}

/// The real records every generated one is cloned from.
fn templates() -> Vec<OsvRecord> {
    let mut out = Vec::new();
    let mut files = stella_benches::files_under(&feeds().join("osv"));
    files.extend(stella_benches::files_under(&feeds().join("ghsa")));
    for f in files {
        out.push(parse_record("t.json", &std::fs::read(&f).unwrap()).unwrap());
    }
    let limits = FeedLimits::default();
    let mut set = FeedRecords::new();
    debian::import(
        "json",
        &read("debian/tracker-vunnel.json"),
        DATE,
        &limits,
        &mut set,
    )
    .unwrap();
    for f in ["alpine/v3.11/main.json", "alpine/v3.15/main.yaml"] {
        alpine::import(f, &read(f), DATE, &limits, &mut set).unwrap();
    }
    let vex = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/vectors/csaf/suse-vex-cve-2024-7264.json"),
    )
    .unwrap();
    csaf::import("vex.json", &vex, &limits, &mut set).unwrap();
    out.extend(set.into_records().unwrap());
    out
}

/// Record `i`: template `i % n` with a numbered id and package names.
fn generate(templates: &[OsvRecord], i: usize) -> OsvRecord {
    let mut r = templates[i % templates.len()].clone();
    r.id = format!("{}-{i}", r.id);
    for a in &mut r.affected {
        if let Some(p) = &mut a.package {
            p.name = format!("{}-{}", p.name, i / templates.len());
            p.purl = None;
        }
    }
    r
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Vec<Duration>, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let v = f();
        times.push(start.elapsed());
        last = Some(v);
    }
    times.sort();
    (times, last.unwrap())
}

fn show(what: &str, times: &[Duration]) {
    println!(
        "{what:<40} median {:>10.3} ms   min {:>10.3} ms   max {:>10.3} ms   ({} runs)",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
        times.len()
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run a small size then.
    let bench = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("STELLA_BENCH_DB_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { 500_000 } else { 2_000 });
    let templates = templates();
    let generated: Vec<OsvRecord> = (0..n).map(|i| generate(&templates, i)).collect();
    let json_bytes: usize = generated
        .iter()
        .map(|r| serde_json::to_vec(r).unwrap().len())
        .sum();
    println!(
        "{n} records from {} real templates, {:.1} MB of record JSON",
        templates.len(),
        json_bytes as f64 / 1e6
    );
    let date = Timestamp::parse_rfc3339(DATE).unwrap();
    let (build_times, bytes) = time(if bench { 3 } else { 1 }, || {
        let mut b = SnapshotBuilder::new();
        for r in &generated {
            b.add("gen", r.clone());
        }
        b.add_source(SnapshotSource {
            feed: "osv".into(),
            name: "generated".into(),
            digest: Digest::of(b"generated"),
            date: DATE.into(),
            records: n as u64,
        });
        b.build(&date).unwrap()
    });
    drop(generated);
    println!("snapshot: {:.1} MB", bytes.len() as f64 / 1e6);
    show("build (add + write)", &build_times);
    let runs = if bench { 10 } else { 1 };
    let (load_times, snap) = time(runs, || Snapshot::load(bytes.clone()).unwrap());
    show("load (digest + tables)", &load_times);
    assert_eq!(snap.len(), n);

    let key =
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &SystemRandom::new()).unwrap();
    let mut ring = Keyring::new();
    ring.add(key.public_key().clone()).unwrap();
    let envelope =
        sign_snapshot(&snap, &LocalSigner::new(key, SystemRandom::new()).unwrap()).unwrap();
    let (verify_times, _) = time(runs, || verify_snapshot(&snap, &envelope, &ring).unwrap());
    show("verify signature (hash + DSSE)", &verify_times);

    // 2,000 Go and npm packages over the generated names, at version 0.0.1 (inside every
    // `introduced 0` range).
    let keys: Vec<(String, String)> = snap
        .keys()
        .unwrap()
        .into_iter()
        .filter(|(e, _)| e == "Go" || e == "npm")
        .collect();
    let packages: Vec<Package> = (0..2000)
        .map(|i| {
            let (eco, name) = &keys[(i * 7919) % keys.len()];
            let (kind, version, purl) = if eco == "Go" {
                ("go-module", "v0.0.1", format!("pkg:golang/{name}@v0.0.1"))
            } else {
                ("npm", "0.0.1", format!("pkg:npm/{name}@0.0.1"))
            };
            // Through the package model's own JSON form, as an SBOM reader would give it.
            serde_json::from_value(serde_json::json!({
                "name": name, "version": version, "kind": kind, "purl": purl,
                "licenses": [], "cpes": [], "source": null, "evidence": [], "files": [],
                "dependencies": [], "cataloger": "bench", "metadata": {}
            }))
            .unwrap()
        })
        .collect();
    let (cold, report) = time(1, || {
        let fresh = Snapshot::load(bytes.clone()).unwrap();
        match_packages(&fresh, &packages, None).unwrap()
    });
    show("match 2,000 packages (fresh load)", &cold);
    let (warm, _) = time(runs, || match_packages(&snap, &packages, None).unwrap());
    show("match 2,000 packages (warm)", &warm);
    println!("findings: {}", report.findings.len());
}

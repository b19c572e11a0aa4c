//! stella-vex hot paths: merging 100 OpenVEX documents holding 100,000 statements in total, and
//! applying the result to 10,000 findings (target: both together ≤ 100 ms).
//!
//! Fixture: 100 documents × 1,000 statements over 5,000 vulnerabilities (each also known by a
//! GHSA alias) and 2,000 npm packages, statuses cycling through the four labels, half the
//! statements with versionless purls; 10,000 findings of versioned packages, half named by the
//! alias. Parsing the documents is measured separately.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::json;
use stella_core::Timestamp;
use stella_vex::{FindingRef, MergeOptions, TrustPolicy, VexSet, VexSource};

const DOCS: usize = 100;
const PER_DOC: usize = 1_000;
const VULNS: usize = 5_000;
const PACKAGES: usize = 2_000;
const FINDINGS: usize = 10_000;

fn documents() -> Vec<Vec<u8>> {
    (0..DOCS)
        .map(|d| {
            let statements: Vec<_> = (0..PER_DOC)
                .map(|i| {
                    let n = d * PER_DOC + i;
                    let v = (n * 7919) % VULNS;
                    let p = (n * 104_729) % PACKAGES;
                    let product = if n % 2 == 0 {
                        format!("pkg:npm/pkg-{p}")
                    } else {
                        format!("pkg:npm/pkg-{p}@1.{}.0", p % 10)
                    };
                    let mut s = json!({
                        "vulnerability": {"name": format!("CVE-2024-{v:05}"), "aliases": [format!("GHSA-{v:04x}-bench")]},
                        "products": [{"@id": product}],
                        "timestamp": format!("2024-{:02}-{:02}T00:00:00Z", 1 + n % 12, 1 + n % 28),
                    });
                    match n % 4 {
                        0 => {
                            s["status"] = json!("not_affected");
                            s["justification"] = json!("vulnerable_code_not_in_execute_path");
                        }
                        1 => {
                            s["status"] = json!("affected");
                            s["action_statement"] = json!("upgrade");
                        }
                        2 => s["status"] = json!("fixed"),
                        _ => s["status"] = json!("under_investigation"),
                    }
                    s
                })
                .collect();
            serde_json::to_vec(&json!({
                "@context": "https://openvex.dev/ns/v0.2.0",
                "@id": format!("https://example.com/vex/{d}"),
                "author": format!("author-{}", d % 7),
                "timestamp": "2024-01-01T00:00:00Z",
                "version": 1,
                "statements": statements,
            }))
            .unwrap()
        })
        .collect()
}

fn findings() -> Vec<FindingRef> {
    (0..FINDINGS)
        .map(|i| {
            let v = (i * 31) % VULNS;
            let p = (i * 17) % PACKAGES;
            let id = if i % 2 == 0 {
                format!("CVE-2024-{v:05}")
            } else {
                format!("GHSA-{v:04x}-bench")
            };
            FindingRef::new(id, format!("pkg:npm/pkg-{p}@1.{}.0", p % 10))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let docs = documents();
    let sources: Vec<VexSource> = docs
        .iter()
        .map(|d| VexSource::unsigned(d).unwrap())
        .collect();
    let findings = findings();
    let now = Timestamp::parse_rfc3339("2026-11-26T00:00:00Z").unwrap();
    let policy = TrustPolicy::permissive();
    let options = MergeOptions {
        now,
        author: "bench".into(),
        explain: false,
    };
    let mut group = c.benchmark_group("vex");
    group.sample_size(10);
    group.bench_function("parse_100_docs_100k_statements", |b| {
        b.iter(|| {
            for d in &docs {
                black_box(VexSource::unsigned(d).unwrap());
            }
        })
    });
    // The sources are moved into the set, so each iteration gets a fresh clone, made outside
    // the measured time.
    group.bench_function("merge_100_docs_100k_statements", |b| {
        b.iter_batched(
            || sources.clone(),
            |sources| {
                let set = VexSet::build(sources, &policy, now);
                black_box(set.merge(&options).unwrap())
            },
            BatchSize::LargeInput,
        )
    });
    // The two phases of a merge, apart: judging and indexing, then deciding.
    group.bench_function("build_100_docs_100k_statements", |b| {
        b.iter_batched(
            || sources.clone(),
            |sources| black_box(VexSet::build(sources, &policy, now)),
            BatchSize::LargeInput,
        )
    });
    let set = VexSet::build(sources.clone(), &policy, now);
    group.bench_function("decide_100k_statements", |b| {
        b.iter(|| black_box(set.merge(&options).unwrap()))
    });
    group.bench_function("apply_10k_findings", |b| {
        b.iter(|| black_box(set.apply(&findings)))
    });
    group.bench_function("merge_and_apply", |b| {
        b.iter_batched(
            || sources.clone(),
            |sources| {
                let set = VexSet::build(sources, &policy, now);
                let merged = set.merge(&options).unwrap();
                black_box((merged, set.apply(&findings)))
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

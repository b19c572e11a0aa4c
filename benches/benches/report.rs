//! stella-report: building and rendering the report of a run with 10,000 findings (target:
//! build + HTML render < 1 s). The page of that size stays usable because the script pages the
//! table (100 rows at a time); tests/report/test.sh checks the paging in Chromium.
//!
//! Fixture: 10,000 findings over 2,000 npm packages, severities and statuses cycling (a quarter
//! `under_investigation`), one in ten reachable with a four-step entry-trace chain, a gate input
//! with the statuses after VEX and a statement per `not_affected` finding, a decision record and
//! a CycloneDX SBOM of 2,000 packages over 4 layers.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use stella_core::Digest;
use stella_report::{Blobs, BuildOptions, RenderOptions, Report, html, markdown};

const FINDINGS: usize = 10_000;
const PACKAGES: usize = 2_000;
const STATUSES: [&str; 4] = ["affected", "under_investigation", "fixed", "not_affected"];
const LEVELS: [&str; 5] = ["critical", "high", "medium", "low", "unknown"];

fn layer(i: usize) -> String {
    format!("sha256:{:064x}", i % 4 + 1)
}

fn documents() -> (Vec<u8>, Blobs) {
    let mut findings = Vec::with_capacity(FINDINGS);
    let mut gate = Vec::with_capacity(FINDINGS);
    let mut vex = Vec::new();
    for i in 0..FINDINGS {
        let p = i % PACKAGES;
        let purl = format!("pkg:npm/pkg-{p}@1.{}.0", p % 10);
        let id = format!("CVE-2024-{i:05}");
        let status = STATUSES[i % 4];
        let reachable = i % 10 == 0;
        findings.push(json!({
            "id": id, "ids": [id, format!("GHSA-{i:04x}-bench")],
            "summary": format!("Prototype pollution in pkg-{p} via crafted input number {i}"),
            "package": {"name": format!("pkg-{p}"), "version": format!("1.{}.0", p % 10), "purl": purl, "ecosystem": "npm"},
            "fixed_versions": [format!("1.{}.1", p % 10)],
            "severity": {"level": LEVELS[i % 5], "score": 7.5, "vectors": [{"kind": "CVSS_V3", "score": 7.5, "source": format!("GHSA-{i:04x}-bench")}]},
            "status": "under_investigation",
            "reachability": if reachable { "reachable" } else { "unreachable" },
            "trace": if reachable { json!(["/usr/bin/node (entrypoint node)", "/app/index.js (node /app/index.js)", format!("/app/node_modules/pkg-{p}/index.js (require)"), format!("/app/node_modules/pkg-{p}/lib.js")]) } else { json!([]) },
            "evidence": {"locations": [{"layer": layer(p), "path": format!("app/node_modules/pkg-{p}/package.json")}]},
        }));
        gate.push(json!({"id": id, "package": {"purl": purl}, "exploitability": status}));
        if status == "not_affected" {
            vex.push(json!({"vuln_id": id, "product": purl, "status": status, "justification": "vulnerable_code_not_in_execute_path"}));
        }
    }
    let components: Vec<Value> = (0..PACKAGES)
        .map(|p| {
            json!({"type": "library", "purl": format!("pkg:npm/pkg-{p}@1.{}.0", p % 10),
            "properties": [{"name": "stella:layer_digest", "value": layer(p)}]})
        })
        .collect();
    let docs = [
        (
            "findings",
            json!({"db": {"date": "2024-06-01T00:00:00Z", "digest": format!("sha256:{:064x}", 9), "records": 50_000}, "findings": findings}),
        ),
        (
            "gate-input",
            json!({"findings": gate, "vex": vex, "waivers": []}),
        ),
        (
            "decision-record",
            json!({"decided_at": "2024-06-01T00:00:00Z", "policy": {"digest": format!("sha256:{:064x}", 7), "revision": "bench"}, "result": {"allow": false, "violations": ["critical findings affected"], "warnings": []}}),
        ),
        (
            "sbom-cyclonedx",
            json!({"metadata": {"component": {"properties": (0..4).map(|i| json!({"name": format!("stella:layer:{i:04}"), "value": layer(i)})).collect::<Vec<_>>()}}, "components": components}),
        ),
    ];
    let mut blobs = Blobs::new();
    let mut artifacts = Vec::new();
    for (kind, doc) in docs {
        let bytes = serde_json::to_vec(&doc).unwrap();
        let digest = Digest::of(&bytes).to_string();
        artifacts.push(json!({"kind": kind, "digest": digest}));
        blobs.insert(digest, bytes);
    }
    let run = json!({"image_digest": format!("sha256:{:064x}", 1), "image_name": "bench/app:1", "findings": FINDINGS, "artifacts": artifacts});
    (serde_json::to_vec(&run).unwrap(), blobs)
}

fn bench(c: &mut Criterion) {
    let (run, blobs) = documents();
    let options = BuildOptions::default();
    let report = Report::build(&run, &blobs, &options).unwrap();
    assert_eq!(report.counts.total, FINDINGS as u64);
    let page = html(&report, &RenderOptions::default());
    eprintln!(
        "report: {} findings, {} bytes of HTML",
        FINDINGS,
        page.len()
    );
    let mut group = c.benchmark_group("report_10k");
    group.sample_size(10);
    group.bench_function("build_and_render_html", |b| {
        b.iter(|| {
            let report = Report::build(black_box(&run), black_box(&blobs), &options).unwrap();
            html(&report, &RenderOptions::default())
        })
    });
    group.bench_function("render_html", |b| {
        b.iter(|| html(black_box(&report), &RenderOptions::default()))
    });
    group.bench_function("render_markdown", |b| {
        b.iter(|| markdown(black_box(&report), &RenderOptions::default()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

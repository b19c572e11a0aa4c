//! The policy gate: the seed's two policies (as written, v0 syntax) evaluated by stella-policy
//! (regorus RVM) on gate inputs of 100, 1,000 and 10,000 findings with 10% as many VEX
//! statements, plus the whole built-in bundle's `decide`.
//!
//! Input shape (the same files `compare-opa.sh` feeds OPA): finding `i` is `CVE-2024-<i>`,
//! CRITICAL when `i % 10 == 0` (else HIGH / MEDIUM / LOW), `affected`; every critical has one
//! justified `not_affected` VEX statement, so the seed's `waived(id)` scans the VEX list for
//! every critical and the gate allows; one attestation with an inclusion proof. The inputs are
//! written to `<target>/policy-bench/input-<n>.json` for the comparison script.
//!
//! `evaluate` is the gate as shipped (lookup indexing on, see `stella_policy::index`);
//! `evaluate_no_index` runs the modules exactly as written. Also timed: the same decisions
//! from an indexed formulation of the seed's first policy
//! (`indexed_evaluate`), to separate the engine's speed from the seed policy's quadratic
//! `waived(id)` scan.
//!
//! Run: `cargo bench -p stella-benches --bench policy`; against OPA: `benches/compare-opa.sh`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use stella_core::{FixedClock, Timestamp};
use stella_policy::{
    BuiltinOptions, Bundle, Gate, GateInput, GateOptions, SEED_EXPLOITABLE, SEED_REKOR,
    builtin_bundle,
};

/// The seed's first policy with `waived(id)` answered from a set built once by a complete rule
/// (one pass over the VEX list, cached by both engines) instead of a scan of the VEX list per critical: the same decisions, linear time.
/// Benchmarked beside the seed as written to separate the engine from the policy's algorithm.
const SEED_EXPLOITABLE_INDEXED: &str = r#"package stella.policy

default allow := false

exploitable(v) {
  v.severity == "CRITICAL"
  v.exploitability == "affected"
}

allow {
  not exploitable_some
}

exploitable_some {
  some v in input.findings
  exploitable(v)
  not waived(v.id)
}

waived_ids := {w.vuln_id |
  some w in input.vex
  w.status == "not_affected"
  w.justification != ""
}

waived(id) {
  waived_ids[id]
}
"#;

const IMG: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

fn input_json(n: usize) -> Value {
    let mut findings = Vec::with_capacity(n);
    let mut vex = Vec::with_capacity(n / 10);
    for i in 0..n {
        let id = format!("CVE-2024-{i:06}");
        let severity = if i % 10 == 0 {
            "CRITICAL"
        } else {
            ["HIGH", "MEDIUM", "LOW"][i % 3]
        };
        findings.push(json!({
            "id": id, "aliases": [format!("GHSA-{i:04x}-bench")], "severity": severity,
            "score": 7.5, "exploitability": "affected",
            "package": {"purl": format!("pkg:npm/pkg-{i}@1.{}.0", i % 7)},
            "fixed_versions": [format!("1.{}.1", i % 7)], "reachability": "unknown"
        }));
        if i % 10 == 0 {
            vex.push(json!({
                "vuln_id": id, "product": format!("pkg:npm/pkg-{i}@1.{}.0", i % 7),
                "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"
            }));
        }
    }
    json!({
        "image": {"digest": IMG, "name": "registry.example/bench:1"},
        "scan": {"scanner": {"name": "stella", "version": "0.1.0"}},
        "findings": findings, "vex": vex,
        "attestations": [{"id": "att-1", "predicateType": "https://cyclonedx.org/bom",
                          "subject_digests": [IMG],
                          "rekor": {"log_index": 1, "inclusion_proof": {"tree_size": 2, "hashes": []}}}],
        "waivers": []
    })
}

fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")));
    target.join("policy-bench")
}

fn bench(c: &mut Criterion) {
    let seed = Bundle::from_files(
        [
            ("seed_exploitable.rego", SEED_EXPLOITABLE.as_bytes()),
            ("seed_rekor.rego", SEED_REKOR.as_bytes()),
        ],
        None,
    )
    .unwrap();
    let gate = Gate::new(&seed, GateOptions::default()).unwrap();
    assert_eq!(gate.indexed_lookups(), 1);
    let as_written = Gate::new(
        &seed,
        GateOptions {
            index_lookups: false,
            ..GateOptions::default()
        },
    )
    .unwrap();
    let indexed = Bundle::from_files(
        [
            (
                "seed_exploitable_indexed.rego",
                SEED_EXPLOITABLE_INDEXED.as_bytes(),
            ),
            ("seed_rekor.rego", SEED_REKOR.as_bytes()),
        ],
        None,
    )
    .unwrap();
    let indexed_gate = Gate::new(&indexed, GateOptions::default()).unwrap();
    let builtin = builtin_bundle(BuiltinOptions::default()).unwrap();
    let builtin_gate = Gate::new(&builtin, GateOptions::default()).unwrap();
    let clock = FixedClock::new(Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap());
    let dir = out_dir();
    std::fs::create_dir_all(&dir).unwrap();

    let mut group = c.benchmark_group("policy_seed");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for n in [100usize, 1_000, 10_000] {
        let bytes = stella_core::canonical::to_canonical_vec(&input_json(n)).unwrap();
        std::fs::write(dir.join(format!("input-{n}.json")), &bytes).unwrap();
        let input = GateInput::from_json(&bytes).unwrap();
        // The verdict must be the expected one before it is timed.
        let verdict = gate.evaluate(&input).unwrap();
        assert!(
            verdict.allow && verdict.violations.is_empty(),
            "{verdict:?}"
        );
        assert_eq!(indexed_gate.evaluate(&input).unwrap(), verdict);
        assert_eq!(as_written.evaluate(&input).unwrap(), verdict);

        group.bench_with_input(BenchmarkId::new("evaluate", n), &input, |b, input| {
            b.iter(|| gate.evaluate(black_box(input)).unwrap())
        });
        group.bench_with_input(
            BenchmarkId::new("evaluate_no_index", n),
            &input,
            |b, input| b.iter(|| as_written.evaluate(black_box(input)).unwrap()),
        );
        group.bench_with_input(
            BenchmarkId::new("parse_and_evaluate", n),
            &bytes,
            |b, bytes| {
                b.iter(|| {
                    gate.evaluate(&GateInput::from_json(black_box(bytes)).unwrap())
                        .unwrap()
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("indexed_evaluate", n),
            &input,
            |b, input| b.iter(|| indexed_gate.evaluate(black_box(input)).unwrap()),
        );
        group.bench_with_input(BenchmarkId::new("builtin_decide", n), &input, |b, input| {
            b.iter(|| {
                builtin_gate
                    .decide(black_box(input), &builtin, &clock, "bench")
                    .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

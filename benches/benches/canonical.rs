//! RFC 8785 canonicalization throughput: ours (from a typed value and from raw bytes) against
//! `serde_json_canonicalizer` and `serde_jcs`, with plain `serde_json::to_vec` as the floor.
//!
//! Run: `cargo bench -p stella-benches --bench canonical`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    for (label, size) in [("1MB", 1usize << 20), ("100MB", 100usize << 20)] {
        let doc = stella_benches::sbom_like(size);
        let raw = serde_json::to_vec(&doc).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&raw).unwrap();
        // All implementations must agree before they are timed.
        let ours = stella_core::canonical::to_canonical_vec(&doc).unwrap();
        assert_eq!(ours, serde_json_canonicalizer::to_vec(&doc).unwrap());
        assert_eq!(ours, serde_jcs::to_vec(&doc).unwrap());
        assert_eq!(ours, stella_core::canonical::canonicalize(&raw).unwrap());

        let mut group = c.benchmark_group(format!("canonical/{label}"));
        group.throughput(Throughput::Bytes(raw.len() as u64));
        if size > 10 << 20 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(20));
        }
        group.bench_function("serde_json::to_vec (floor)", |b| {
            b.iter(|| serde_json::to_vec(black_box(&doc)).unwrap())
        });
        group.bench_function("stella to_canonical_vec (typed)", |b| {
            b.iter(|| stella_core::canonical::to_canonical_vec(black_box(&doc)).unwrap())
        });
        group.bench_function("serde_json_canonicalizer (typed)", |b| {
            b.iter(|| serde_json_canonicalizer::to_vec(black_box(&doc)).unwrap())
        });
        group.bench_function("serde_jcs (typed)", |b| {
            b.iter(|| serde_jcs::to_vec(black_box(&doc)).unwrap())
        });
        group.bench_function("stella canonicalize (raw bytes)", |b| {
            b.iter(|| stella_core::canonical::canonicalize(black_box(&raw)).unwrap())
        });
        group.bench_function("serde_json_canonicalizer (raw bytes via Value)", |b| {
            b.iter(|| {
                let v: serde_json::Value = serde_json::from_slice(black_box(&raw)).unwrap();
                serde_json_canonicalizer::to_vec(&v).unwrap()
            })
        });
        group.bench_function("serde_jcs (Value)", |b| {
            b.iter(|| serde_jcs::to_vec(black_box(&value)).unwrap())
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

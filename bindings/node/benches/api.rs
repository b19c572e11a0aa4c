// A benchmark harness (not library code): its fixtures unwrap and index as tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The Rust side of `benches/node/bench.sh`: the calls the Node benchmark times, made directly
//! on `stella_bindings_api`, so the difference is the cost of the binding.
//!
//! `cargo bench -p stella-ops-node --bench api` (release profile); criterion writes each
//! estimate to `<target>/criterion/node-compare/<name>/new/estimates.json`, which
//! `benches/node/bench.mjs` reads.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use stella_bindings_api as api;

fn fixture_image() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/conformance/image/image.tar");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("node-compare");
    let bytes = [7u8; 32];
    group.bench_function("digest_of_32", |b| {
        b.iter(|| api::digest_of(black_box(&bytes)))
    });
    let image = fixture_image();
    let options = api::SbomOptions {
        timestamp: "2024-06-01T00:00:00Z".into(),
        ..api::SbomOptions::default()
    };
    group.bench_function("sbom_from_image_bytes", |b| {
        b.iter(|| api::sbom_from_image_bytes(black_box(&image), &options).unwrap())
    });
    group.sample_size(20);
    group.bench_function("run_demo", |b| {
        b.iter(|| api::run(&api::RunOptions::default()).unwrap())
    });
    group.finish();
}

criterion_group!(api_benches, benches);
criterion_main!(api_benches);

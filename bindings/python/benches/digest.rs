// A benchmark harness (not library code): its fixtures unwrap and index as tests do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The Rust side of the Python call-overhead comparison (`benches/python/overhead.py`): the same
//! `stella-bindings-api` calls the Python benchmark makes, measured without Python.
//!
//! `cargo bench -p stella-ops-python --bench digest`

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use stella_bindings_api as api;

fn fixture_image() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/conformance/image/image.tar");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn bench(c: &mut Criterion) {
    let small = [7u8; 32];
    c.bench_function("digest_of/32B", |b| {
        b.iter(|| api::digest_of(black_box(&small)))
    });
    let image = fixture_image();
    let options = api::SbomOptions {
        timestamp: "2024-06-01T00:00:00Z".into(),
        ..api::SbomOptions::default()
    };
    c.bench_function("sbom_from_image_bytes/fixture", |b| {
        b.iter(|| api::sbom_from_image_bytes(black_box(&image), &options).map(|s| s.len()))
    });
    let run = api::RunOptions::default();
    c.bench_function("run/demo", |b| {
        b.iter(|| api::run(black_box(&run)).map(|r| r.artifacts.len()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

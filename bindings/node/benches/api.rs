//! The Rust side of `benches/node/`: the same calls the Node benchmark times, made directly on
//! `stella_bindings_api`, so the difference is the binding's cost.
//!
//! `cargo bench -p stella-ops-node --bench api` (release profile).

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
    let bytes = [7u8; 32];
    c.bench_function("rust/digest_of(32 bytes)", |b| {
        b.iter(|| api::digest_of(black_box(&bytes)))
    });
    let image = fixture_image();
    let options = api::SbomOptions {
        timestamp: "2024-06-01T00:00:00Z".into(),
        ..api::SbomOptions::default()
    };
    c.bench_function("rust/sbom_from_image_bytes(fixture)", |b| {
        b.iter(|| api::sbom_from_image_bytes(black_box(&image), &options).unwrap())
    });
    let mut group = c.benchmark_group("rust");
    group.sample_size(10);
    group.bench_function("run(demo)", |b| {
        b.iter(|| api::run(&api::RunOptions::default()).unwrap())
    });
    group.finish();
}

criterion_group!(api_benches, benches);
criterion_main!(api_benches);

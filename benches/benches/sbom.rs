//! The SBOM engine on a generated image: cold (every layer streamed, inflated and walked),
//! warm through the layer cache (every layer's phase-1 result from the cache, then merged and
//! cataloged: `scan_image_detailed`) and warm through the chain cache (the whole image's result
//! from the cache: `scan_image_sbom`, what `stella sbom --cache-dir` does), with the default
//! catalogers.
//!
//! The image is built in code (no fixture): three gzip layers of ~64 MiB uncompressed in
//! ~12 000 files — a Debian-like OS layer with a dpkg status of 120 packages and their `.list`
//! files, a Python layer with 16 dist-info directories, and an app layer with 60
//! `node_modules` packages. File contents mix text and pseudo-random words; they compress about
//! 12:1, so inflating is cheaper than in a real layer (~3:1): use `STELLA_BENCH_OCI` for the
//! cold-vs-warm ratio of a real image.
//!
//! With `STELLA_BENCH_OCI=<OCI layout dir>` (e.g. the image `../shared/tools/bench-image/
//! build-image.sh` writes to `out/oci`) and optionally `STELLA_BENCH_ROOTFS=<dir>`, the same
//! cold / warm cases run on that real image too.
//!
//! Run: `cargo bench -p stella-benches --bench sbom`

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stella_core::MemoryBlobStore;
use stella_scan::engine::{ScanOptions, scan_image_detailed, scan_image_sbom};
use stella_scan::testing::{BuiltImage, TestImage, TestLayer};
use stella_scan::{LayerCache, catalog::default_catalogers};

/// Deterministic filler: text with pseudo-random words (xorshift).
fn filler(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if x % 10 < 3 {
            out.extend_from_slice(&x.to_le_bytes());
        } else {
            out.extend_from_slice(b"lorem ipsum dolor sit amet ");
        }
    }
    out.truncate(len);
    out
}

fn image() -> BuiltImage {
    let mut os = TestLayer::new()
        .file(
            "usr/lib/os-release",
            b"ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
        )
        .symlink("etc/os-release", "../usr/lib/os-release");
    let mut status = String::new();
    for p in 0..120 {
        status.push_str(&format!(
            "Package: pkg{p}\nStatus: install ok installed\nPriority: optional\nSection: libs\n\
             Installed-Size: 100\nMaintainer: M <m@example.org>\nArchitecture: amd64\n\
             Version: 1.{p}-1\nDepends: libc6 (>= 2.36)\nDescription: package {p}\n\n"
        ));
        let mut list = String::new();
        for f in 0..60 {
            let path = format!("usr/lib/pkg{p}/file{f}.so");
            list.push_str(&format!("/{path}\n"));
            os = os.file(&path, &filler((p * 1000 + f) as u64, 6 * 1024));
        }
        os = os.file(&format!("var/lib/dpkg/info/pkg{p}.list"), list.as_bytes());
    }
    os = os.file("var/lib/dpkg/status", status.as_bytes());
    let mut py = TestLayer::new();
    for p in 0..16 {
        let dir = format!("usr/local/lib/python3.11/dist-packages/py{p}-2.{p}.0.dist-info");
        py = py
            .file(
                &format!("{dir}/METADATA"),
                format!("Metadata-Version: 2.1\nName: py{p}\nVersion: 2.{p}.0\nLicense: MIT\n")
                    .as_bytes(),
            )
            .file(&format!("{dir}/RECORD"), b"");
        for f in 0..40 {
            py = py.file(
                &format!("usr/local/lib/python3.11/dist-packages/py{p}/m{f}.py"),
                &filler((p * 77 + f) as u64, 8 * 1024),
            );
        }
    }
    let mut app = TestLayer::new();
    for p in 0..60 {
        app = app.file(
            &format!("app/node_modules/n{p}/package.json"),
            format!("{{\"name\":\"n{p}\",\"version\":\"0.{p}.1\",\"license\":\"ISC\"}}").as_bytes(),
        );
        for f in 0..20 {
            app = app.file(
                &format!("app/node_modules/n{p}/lib/f{f}.js"),
                &filler((p * 13 + f) as u64, 4 * 1024),
            );
        }
    }
    TestImage::new().layer(os).layer(py).layer(app).build()
}

fn bench(c: &mut Criterion) {
    let image = image();
    let catalogers = default_catalogers();
    let cold = ScanOptions::default();
    let first = scan_image_detailed(&image.source, &catalogers, &cold).unwrap();
    assert!(
        first.sbom.packages.len() >= 120,
        "{}",
        first.sbom.packages.len()
    );
    let store = MemoryBlobStore::new();
    let cache = LayerCache::new(&store);
    let warm = ScanOptions {
        cache: Some(&cache),
        ..ScanOptions::default()
    };
    scan_image_detailed(&image.source, &catalogers, &warm).unwrap();
    let again = scan_image_detailed(&image.source, &catalogers, &warm).unwrap();
    assert_eq!(again.stats.layers_read, 0);
    assert_eq!(again.sbom, first.sbom);

    let compressed: u64 = image.images[0].layers.iter().map(|l| l.size).sum();
    let mut group = c.benchmark_group("sbom/generated-3-layers");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Bytes(first.stats.decompressed_bytes));
    eprintln!(
        "image: {} compressed bytes, {} decompressed, {} paths, {} packages",
        compressed,
        first.stats.decompressed_bytes,
        first.stats.paths,
        first.sbom.packages.len()
    );
    group.bench_function("cold", |b| {
        b.iter(|| scan_image_detailed(black_box(&image.source), &catalogers, &cold).unwrap())
    });
    group.bench_function("warm (layer cache)", |b| {
        b.iter(|| scan_image_detailed(black_box(&image.source), &catalogers, &warm).unwrap())
    });
    assert!(
        scan_image_sbom(&image.source, &catalogers, &warm)
            .unwrap()
            .stats
            .chain_cached
    );
    group.bench_function("warm (chain cache)", |b| {
        b.iter(|| scan_image_sbom(black_box(&image.source), &catalogers, &warm).unwrap())
    });
    group.finish();
    real_image(c, &catalogers);
}

/// Cold and warm scans of a real image on disk, when `STELLA_BENCH_OCI` names its layout.
fn real_image(c: &mut Criterion, catalogers: &[Box<dyn stella_scan::Cataloger>]) {
    let Ok(dir) = std::env::var("STELLA_BENCH_OCI") else {
        return;
    };
    let layout = stella::image::OciLayout::open_dir(std::path::Path::new(&dir)).unwrap();
    let cold = ScanOptions::default();
    let first = scan_image_detailed(&layout, catalogers, &cold).unwrap();
    let store = MemoryBlobStore::new();
    let cache = LayerCache::new(&store);
    let warm = ScanOptions {
        cache: Some(&cache),
        ..ScanOptions::default()
    };
    scan_image_detailed(&layout, catalogers, &warm).unwrap();
    assert_eq!(
        scan_image_detailed(&layout, catalogers, &warm)
            .unwrap()
            .sbom,
        first.sbom
    );
    eprintln!(
        "{dir}: {} decompressed bytes, {} paths, {} packages",
        first.stats.decompressed_bytes,
        first.stats.paths,
        first.sbom.packages.len()
    );
    let mut group = c.benchmark_group("sbom/real-oci-layout");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("cold", |b| {
        b.iter(|| scan_image_detailed(black_box(&layout), catalogers, &cold).unwrap())
    });
    group.bench_function("warm (layer cache)", |b| {
        b.iter(|| scan_image_detailed(black_box(&layout), catalogers, &warm).unwrap())
    });
    let chained = scan_image_sbom(&layout, catalogers, &warm).unwrap();
    assert!(chained.stats.chain_cached);
    assert_eq!(chained.sbom, first.sbom);
    group.bench_function("warm (chain cache)", |b| {
        b.iter(|| scan_image_sbom(black_box(&layout), catalogers, &warm).unwrap())
    });
    if let Ok(root) = std::env::var("STELLA_BENCH_ROOTFS") {
        let rootfs = stella::image::RootfsDir::open(std::path::Path::new(&root)).unwrap();
        group.bench_function("rootfs dir", |b| {
            b.iter(|| stella_scan::scan_rootfs(black_box(&rootfs), catalogers, &cold).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

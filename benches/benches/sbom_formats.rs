//! The SBOM writers and readers by format on one generated SBOM of 2 000 packages (deb with
//! source packages, PyPI, npm; each with evidence, a CPE, licences and metadata): CycloneDX
//! JSON vs CycloneDX XML (built from the same JSON document, so XML costs JSON plus the
//! mapping), SPDX 3.0.1 and SPDX 2.3; and reading each back with `read_sbom` (strict: the
//! official-schema validation is part of the cost).
//!
//! Run: `cargo bench -p stella-benches --bench sbom_formats`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stella_core::{Digest, Timestamp};
use stella_scan::sbom::{WriteOptions, cyclonedx, cyclonedx_xml, spdx, spdx23};
use stella_scan::sbom_input::read_sbom;
use stella_scan::{Evidence, ImageInfo, OsRelease, Package, PackageKind, Sbom, SourcePackage};

fn sbom(n: usize) -> Sbom {
    let layer = Digest::of(b"layer");
    let packages = (0..n)
        .map(|i| {
            let (kind, purl, path) = match i % 3 {
                0 => (
                    PackageKind::Deb,
                    format!("pkg:deb/debian/lib{i}@1.{i}-1?arch=amd64&distro=debian-12"),
                    "var/lib/dpkg/status".to_owned(),
                ),
                1 => (
                    PackageKind::Python,
                    format!("pkg:pypi/py{i}@2.{i}.0"),
                    format!("usr/lib/python3/dist-packages/py{i}-2.{i}.0.dist-info/METADATA"),
                ),
                _ => (
                    PackageKind::Npm,
                    format!("pkg:npm/js{i}@3.{i}.0"),
                    format!("app/node_modules/js{i}/package.json"),
                ),
            };
            let mut metadata = BTreeMap::new();
            metadata.insert("architecture".to_owned(), "amd64".to_owned());
            metadata.insert(
                "maintainer".to_owned(),
                format!("Maintainer {i} <m{i}@example.org>"),
            );
            Package {
                name: format!("p{i}"),
                version: format!("1.{i}"),
                kind,
                purl,
                licenses: vec!["MIT".into(), "GPL-2.0-or-later OR Apache-2.0".into()],
                cpes: vec![format!("cpe:2.3:a:p{i}:p{i}:1.{i}:*:*:*:*:*:*:*")],
                source: (kind == PackageKind::Deb).then(|| SourcePackage {
                    name: format!("src{i}"),
                    version: format!("1.{i}-1"),
                }),
                evidence: vec![Evidence {
                    path,
                    layer: Some(layer),
                }],
                files: (0..5).map(|f| format!("usr/lib/p{i}/f{f}")).collect(),
                dependencies: if i > 0 {
                    vec![format!("p{}", i - 1)]
                } else {
                    vec![]
                },
                cataloger: "bench".into(),
                metadata,
                license_acknowledgement: Default::default(),
                supplier: None,
                authors: vec![],
                hashes: vec![],
            }
        })
        .collect();
    Sbom {
        image: ImageInfo {
            name: "bench/app:1".into(),
            manifest_digest: Some(Digest::of(b"manifest")),
            config_digest: Some(Digest::of(b"config")),
            platform: Some("linux/amd64".into()),
            layers: vec![layer],
            repository_url: None,
        },
        os: Some(OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..OsRelease::default()
        }),
        packages,
        catalogers: vec![("bench".into(), "1".into())],
        notes: vec![],
        scanner_version: "0.1.0".into(),
    }
}

fn bench(c: &mut Criterion) {
    let s = sbom(2000);
    let o = WriteOptions {
        timestamp: Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
        tool_name: "stella".into(),
        tool_version: "0.1.0".into(),
    };
    type Writer = fn(&Sbom, &WriteOptions) -> Result<Vec<u8>, stella_scan::ScanError>;
    let writers: [(&str, Writer); 4] = [
        ("cyclonedx-json", cyclonedx::write),
        ("cyclonedx-xml", cyclonedx_xml::write),
        ("spdx-json (3.0.1)", spdx::write),
        ("spdx-2.3-json", spdx23::write),
    ];
    let mut group = c.benchmark_group("sbom write (2000 packages)");
    group
        .measurement_time(Duration::from_secs(5))
        .sample_size(20);
    for (name, w) in writers {
        group.bench_function(name, |b| b.iter(|| black_box(w(&s, &o).unwrap())));
    }
    group.finish();

    let mut group = c.benchmark_group("sbom read, strict (2000 packages)");
    group
        .measurement_time(Duration::from_secs(5))
        .sample_size(20);
    for (name, w) in writers {
        let bytes = w(&s, &o).unwrap();
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(name, |b| b.iter(|| black_box(read_sbom(&bytes).unwrap())));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

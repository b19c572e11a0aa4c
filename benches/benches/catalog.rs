//! Cataloger throughput: a large dpkg status database (with `.list` ownership files) and many
//! Python METADATA files, through the public `Cataloger::catalog` API.
//!
//! Run: `cargo bench -p stella-benches --bench catalog`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stella_scan::catalog::dpkg::DpkgCataloger;
use stella_scan::catalog::python::PythonCataloger;
use stella_scan::{CatalogContext, CatalogInput, Cataloger, ExtractedFile, OsRelease};

fn file(path: String, data: String) -> ExtractedFile {
    ExtractedFile {
        path,
        layer: None,
        mode: 0o644,
        data: data.into_bytes().into(),
    }
}

/// `n` installed packages, each with a 3-line description, dependencies and a 20-file `.list`.
fn dpkg_files(n: usize) -> Vec<ExtractedFile> {
    let mut status = String::new();
    let mut files = Vec::new();
    for i in 0..n {
        status.push_str(&format!(
            "Package: pkg{i}\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: {}\nMaintainer: Someone <a@b.c>\nArchitecture: amd64\nSource: src{} (1.{i}-1)\nVersion: 1.{i}-1+deb12u1\nDepends: pkg{} (>= 1.0), libc6 (>= 2.34) | pkg{}\nDescription: package number {i}\n a longer description line\n another line\n\n",
            i * 10,
            i / 3,
            (i + 1) % n,
            (i + 7) % n
        ));
        let list: String = (0..20)
            .map(|j| format!("/usr/lib/pkg{i}/file{j}.so\n"))
            .collect();
        files.push(file(
            format!("var/lib/dpkg/info/pkg{i}.list"),
            format!("/.\n/usr\n/usr/lib\n/usr/lib/pkg{i}\n{list}"),
        ));
    }
    files.push(file("var/lib/dpkg/status".into(), status));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn python_files(n: usize) -> Vec<ExtractedFile> {
    let site = "usr/local/lib/python3.11/site-packages";
    let mut files = Vec::new();
    for i in 0..n {
        let dir = format!("{site}/dist{i}-1.{i}.0.dist-info");
        files.push(file(
            format!("{dir}/METADATA"),
            format!(
                "Metadata-Version: 2.1\nName: dist{i}\nVersion: 1.{i}.0\nSummary: x\nLicense: MIT\nClassifier: License :: OSI Approved :: MIT License\nRequires-Dist: dist{} (>=1)\nRequires-Dist: extra-thing ; extra == 'x'\n\n{}",
                (i + 1) % n,
                "long description text\n".repeat(50)
            ),
        ));
        let record: String = (0..30)
            .map(|j| format!("dist{i}/mod{j}.py,sha256=abc,100\n"))
            .collect();
        files.push(file(format!("{dir}/RECORD"), record));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn bench(c: &mut Criterion) {
    let context = CatalogContext {
        os: Some(OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..OsRelease::default()
        }),
    };
    let exists = |_: &str| true;

    let dpkg = dpkg_files(2000);
    let bytes: usize = dpkg.iter().map(|f| f.data.len()).sum();
    let mut g = c.benchmark_group("catalog");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("dpkg_2000_packages", |b| {
        b.iter(|| {
            let input = CatalogInput {
                files: &dpkg,
                context: &context,
                exists: &exists,
            };
            let pkgs = DpkgCataloger.catalog(&input).unwrap();
            assert_eq!(pkgs.len(), 2000);
        })
    });

    let py = python_files(1000);
    let bytes: usize = py.iter().map(|f| f.data.len()).sum();
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("python_1000_dist_info", |b| {
        b.iter(|| {
            let input = CatalogInput {
                files: &py,
                context: &context,
                exists: &exists,
            };
            let pkgs = PythonCataloger.catalog(&input).unwrap();
            assert_eq!(pkgs.len(), 1000);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

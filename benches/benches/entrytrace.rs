//! Entry-trace cost against the cold scan it rides on.
//!
//! The image is the SBOM bench's generated image (three gzip layers, ~64 MiB uncompressed,
//! ~12 000 files: a Debian-like OS layer of 120 dpkg packages with 60 `.so` files each, a Python
//! layer of 16 distributions with 40 modules each, an app layer of 60 npm packages) plus what an
//! entrypoint `python3 /app/main.py` needs: a `python3.11` ELF needing libc, the dist RECORDs, and
//! `/app/main.py` importing two of the 16 distributions.
//!
//! Measured: the cold scan with the default catalogers; the cold scan with the entry-trace
//! collector added and the trace run; the trace alone over a finished scan. The trace's share of
//! the cold scan is (scan+trace − scan) / scan. On the real image, the symbol-table collector of
//! symbol-level evidence (`stella_scan::symbols`, Go pclntab and ELF symbol tables) is added on
//! top, and its share of the cold scan is (scan+trace+symbols − scan+trace) / scan, from
//! interleaved runs; with the Go vulndb records (`STELLA_BENCH_OSV_GO`, default
//! `../shared/data/osv/go`) the findings' symbol evidence is applied and timed too.
//!
//! With `STELLA_BENCH_OCI=<OCI layout dir>` (e.g. the Debian image `../shared/tools/bench-image/
//! build-image.sh` writes to `out/oci`, entrypoint `python3 /app/main.py`), the same functions
//! run on that real image too (group `entrytrace/real-oci-layout`).
//!
//! Run: `cargo bench -p stella-benches --bench entrytrace`

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use stella_core::ImageSource;
use stella_scan::catalog::default_catalogers;
use stella_scan::engine::{ImageScan, ScanOptions, scan_image_detailed};
use stella_scan::entrytrace::{
    TraceCollector, TraceLimits, build_test_elf, trace_scan, wanted_by_trace,
};
use stella_scan::symbols::SymbolCollector;
use stella_scan::{CatalogInput, Cataloger, Package, ScanError};

/// Wants what the collector wants and keeps nothing: the cost of handing those files over.
#[derive(Debug)]
struct ReadOnly;

impl Cataloger for ReadOnly {
    fn name(&self) -> &'static str {
        "read-only"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn wants(&self, path: &str, mode: u32, _size: u64) -> bool {
        wanted_by_trace(path, mode)
    }
    fn extract(&self, _path: &str, _contents: &[u8]) -> Result<Option<Vec<u8>>, ScanError> {
        Ok(None)
    }
    fn catalog(&self, _input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError> {
        Ok(Vec::new())
    }
}
use stella_scan::image::ContainerConfig;
use stella_scan::testing::{BuiltImage, TestImage, TestLayer};

/// Deterministic filler: text lines with pseudo-random runs (xorshift), ~3:1 under gzip.
fn filler(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if x % 4 == 0 {
            out.extend_from_slice(&x.to_le_bytes());
        } else {
            out.extend_from_slice(b"lorem ipsum dolor sit amet ");
        }
    }
    out.truncate(len);
    out
}

fn image() -> BuiltImage {
    let libc = build_test_elf(None, &[], None, Some("libc.so.6"));
    let python = build_test_elf(
        Some("/lib64/ld-linux-x86-64.so.2"),
        &["libc.so.6"],
        None,
        None,
    );
    let mut os = TestLayer::new()
        .file(
            "usr/lib/os-release",
            b"ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
        )
        .symlink("etc/os-release", "../usr/lib/os-release")
        .file_mode("usr/lib/x86_64-linux-gnu/libc.so.6", &libc, 0o755)
        .file_mode("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", &libc, 0o755)
        .symlink("lib64", "usr/lib/x86_64-linux-gnu")
        .file_mode("usr/bin/python3.11", &python, 0o755)
        .symlink("usr/bin/python3", "python3.11")
        .file(
            "var/lib/dpkg/info/libc6:amd64.list",
            b"/usr/lib/x86_64-linux-gnu/libc.so.6\n/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n",
        )
        .file(
            "var/lib/dpkg/info/python3.11-minimal.list",
            b"/usr/bin/python3.11\n",
        );
    let mut status = String::from(
        "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9\n\n\
         Package: python3.11-minimal\nStatus: install ok installed\nArchitecture: amd64\n\
         Version: 3.11.2-6\n\n",
    );
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
    let site = "usr/local/lib/python3.11/dist-packages";
    let mut py = TestLayer::new();
    for p in 0..16 {
        let dir = format!("{site}/py{p}-2.{p}.0.dist-info");
        let mut record = String::new();
        let mut init = String::new();
        for f in 0..40 {
            let module = format!("py{p}/m{f}.py");
            record.push_str(&format!("{module},sha256=x,8192\n"));
            init.push_str(&format!("from . import m{f}\n"));
            let mut body = format!("import os\nfrom . import m{}\n", (f + 1) % 40).into_bytes();
            body.extend_from_slice(&filler((p * 77 + f) as u64, 8 * 1024));
            py = py.file(&format!("{site}/{module}"), &body);
        }
        record.push_str(&format!("py{p}/__init__.py,,\n"));
        py = py
            .file(&format!("{site}/py{p}/__init__.py"), init.as_bytes())
            .file(
                &format!("{dir}/METADATA"),
                format!("Metadata-Version: 2.1\nName: py{p}\nVersion: 2.{p}.0\nLicense: MIT\n")
                    .as_bytes(),
            )
            .file(&format!("{dir}/RECORD"), record.as_bytes());
    }
    let mut app = TestLayer::new().file(
        "app/main.py",
        b"import os\nimport py3\nfrom py7 import m5\n",
    );
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
    TestImage::new()
        .layer(os)
        .layer(py)
        .layer(app)
        .config(ContainerConfig {
            entrypoint: Some(vec!["python3".into(), "/app/main.py".into()]),
            env: Some(vec!["PATH=/usr/local/bin:/usr/bin:/bin".into()]),
            ..ContainerConfig::default()
        })
        .build()
}

/// The cataloger sets the benches compare.
struct Sets {
    /// The default catalogers.
    plain: Vec<Box<dyn Cataloger>>,
    /// The default catalogers and the trace collector.
    with_trace: Vec<Box<dyn Cataloger>>,
    /// The default catalogers and [`ReadOnly`].
    read_only: Vec<Box<dyn Cataloger>>,
    collector: TraceCollector,
    /// The default catalogers, the trace collector and the symbol-table collector (what
    /// `stella::scan` runs for a scan with findings).
    with_symbols: Vec<Box<dyn Cataloger>>,
    symbols: SymbolCollector,
}

impl Sets {
    fn new() -> Self {
        let collector = TraceCollector::new();
        let mut with_trace = default_catalogers();
        with_trace.push(collector.cataloger());
        let mut read_only = default_catalogers();
        read_only.push(Box::new(ReadOnly));
        let symbols = SymbolCollector::new();
        let mut with_symbols = default_catalogers();
        with_symbols.push(collector.cataloger());
        with_symbols.push(symbols.cataloger());
        Self {
            plain: default_catalogers(),
            with_trace,
            read_only,
            collector,
            with_symbols,
            symbols,
        }
    }
}

/// The five measurements of one image: cold scans with each set, with the trace, and the
/// trace alone over `scan` (a scan with the collector).
fn bench_image(
    c: &mut Criterion,
    group: &str,
    seconds: u64,
    source: &dyn ImageSource,
    sets: &Sets,
    scan: &ImageScan,
) {
    let options = ScanOptions::default();
    let limits = TraceLimits::default();
    let mut group = c.benchmark_group(group);
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(seconds));
    group.bench_function("cold scan", |b| {
        b.iter(|| scan_image_detailed(black_box(source), &sets.plain, &options).unwrap())
    });
    group.bench_function(
        "cold scan + reading the trace's files (kept: nothing)",
        |b| b.iter(|| scan_image_detailed(black_box(source), &sets.read_only, &options).unwrap()),
    );
    group.bench_function("cold scan + collector (no trace)", |b| {
        b.iter(|| scan_image_detailed(black_box(source), &sets.with_trace, &options).unwrap())
    });
    group.bench_function("cold scan + trace", |b| {
        b.iter(|| {
            let scan = scan_image_detailed(black_box(source), &sets.with_trace, &options).unwrap();
            trace_scan(&scan, &sets.collector, &limits).unwrap()
        })
    });
    group.bench_function("trace only", |b| {
        b.iter(|| trace_scan(black_box(scan), &sets.collector, &limits).unwrap())
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let image = image();
    let sets = Sets::new();
    let scan =
        scan_image_detailed(&image.source, &sets.with_trace, &ScanOptions::default()).unwrap();
    let report = trace_scan(&scan, &sets.collector, &TraceLimits::default()).unwrap();
    assert_eq!(summarize(&report), 4, "{report:#?}");
    bench_image(c, "entrytrace/bench-image", 10, &image.source, &sets, &scan);
    real_image(c);
}

/// Prints what the trace found: counts, and each reachable package's chain.
fn summarize(report: &stella_scan::entrytrace::TraceReport) -> usize {
    let count = |status: &str| {
        report
            .components
            .iter()
            .filter(|c| c.reachability.status() == status)
            .count()
    };
    eprintln!(
        "trace: {} files reached, {} reachable / {} not found / {} unknown of {} packages, \
         {} unresolved",
        report.reached_files.len(),
        count("reachable"),
        count("not_found_on_entry_paths"),
        count("unknown"),
        report.components.len(),
        report.unresolved.len()
    );
    for comp in report
        .components
        .iter()
        .filter(|c| c.reachability.status() == "reachable")
    {
        eprintln!("{}", report.explain(&comp.purl).unwrap_or_default());
    }
    for u in &report.unresolved {
        eprintln!("unresolved ({:?}) /{}: {}", u.scope, u.path, u.reason);
    }
    count("reachable")
}

/// The same functions on a real image, when `STELLA_BENCH_OCI` names its OCI layout.
fn real_image(c: &mut Criterion) {
    let Ok(dir) = std::env::var("STELLA_BENCH_OCI") else {
        return;
    };
    let layout = stella::image::OciLayout::open_dir(std::path::Path::new(&dir)).unwrap();
    let sets = Sets::new();
    let options = ScanOptions::default();
    let scan = scan_image_detailed(&layout, &sets.with_trace, &options).unwrap();
    let report = trace_scan(&scan, &sets.collector, &TraceLimits::default()).unwrap();
    eprintln!(
        "{dir}: {} decompressed bytes, {} paths, {} packages, {} files with trace facts",
        scan.stats.decompressed_bytes,
        scan.stats.paths,
        scan.sbom.packages.len(),
        sets.collector.facts().len()
    );
    assert!(summarize(&report) > 0, "{report:#?}");
    let plain_scan = scan_image_detailed(&layout, &sets.plain, &options).unwrap();
    assert_eq!(plain_scan.sbom.packages, scan.sbom.packages);

    interleaved(&layout, &sets);
    symbol_evidence(&layout, &sets);
    bench_image(c, "entrytrace/real-oci-layout", 15, &layout, &sets, &scan);
}

/// The symbol-table collector's cost: cold scans with the trace, without and with the symbol
/// collector, alternated (×8), as a share of the plain cold scan; then, with the Go vulndb
/// records, the findings' symbol evidence: applied, timed and counted.
fn symbol_evidence(layout: &stella::image::OciLayout, sets: &Sets) {
    let options = ScanOptions::default();
    let limits = TraceLimits::default();
    let (mut plain, mut trace, mut symbols) = (Vec::new(), Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..8 {
        let t = Instant::now();
        black_box(scan_image_detailed(layout, &sets.plain, &options).unwrap());
        plain.push(t.elapsed());
        let t = Instant::now();
        let scan = scan_image_detailed(layout, &sets.with_trace, &options).unwrap();
        black_box(trace_scan(&scan, &sets.collector, &limits).unwrap());
        trace.push(t.elapsed());
        let t = Instant::now();
        let scan = scan_image_detailed(layout, &sets.with_symbols, &options).unwrap();
        black_box(trace_scan(&scan, &sets.collector, &limits).unwrap());
        black_box(sets.symbols.symbols());
        symbols.push(t.elapsed());
        last = Some(scan);
    }
    for v in [&mut plain, &mut trace, &mut symbols] {
        v.sort();
    }
    let med = |v: &[Duration]| v[v.len() / 2];
    let share = |a: Duration, b: Duration, base: Duration| {
        (b.as_secs_f64() - a.as_secs_f64()) / base.as_secs_f64() * 100.0
    };
    eprintln!(
        "symbols interleaved x8: cold scan min {:.1?} median {:.1?}; + trace min {:.1?} \
         median {:.1?}; + trace + symbol tables min {:.1?} median {:.1?}; symbol tables' share \
         of the cold scan {:.1} % (min), {:.1} % (median); of the cold scan with the trace \
         {:.1} % (median)",
        plain[0],
        med(&plain),
        trace[0],
        med(&trace),
        symbols[0],
        med(&symbols),
        share(trace[0], symbols[0], plain[0]),
        share(med(&trace), med(&symbols), med(&plain)),
        share(med(&trace), med(&symbols), med(&trace)),
    );
    let map = sets.symbols.symbols();
    eprintln!("symbol tables collected: {} binaries", map.len());
    for path in map.paths() {
        if let Some(t) = map.get(path) {
            eprintln!(
                "  /{path}: {:?} {} functions, {} inlined-only, {}",
                t.language,
                t.functions.len(),
                t.inlined.len(),
                t.unreadable.as_deref().unwrap_or(&t.tables)
            );
        }
    }
    let dir = std::env::var("STELLA_BENCH_OSV_GO").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/osv/go").into()
    });
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "SKIPPED symbol evidence counts: no Go vulndb records at {dir} (STELLA_BENCH_OSV_GO)"
        );
        return;
    };
    let mut builder = stella_vuln::snapshot::SnapshotBuilder::new();
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().is_some_and(|x| x == "json") {
            let bytes = std::fs::read(&path).unwrap();
            let name = path.display().to_string();
            builder.add(
                &name,
                stella_vuln::osv::parse_record(&name, &bytes).unwrap(),
            );
        }
    }
    let date = stella_core::Timestamp::parse_rfc3339("2026-08-21T00:00:00Z").unwrap();
    let snap = stella_vuln::snapshot::Snapshot::load(builder.build(&date).unwrap()).unwrap();
    let scan = last.unwrap();
    let mut report =
        stella_vuln::matcher::match_packages(&snap, &scan.sbom.packages, scan.sbom.os.as_ref())
            .unwrap();
    let t = Instant::now();
    stella_vuln::symbols::apply_symbols(&mut report.findings, &snap, &map).unwrap();
    let applied = t.elapsed();
    let go: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.package.ecosystem == "Go")
        .cloned()
        .collect();
    let (p, a, u, n) = stella_vuln::symbols::count_statuses(&go);
    eprintln!(
        "Go findings: {} — symbol evidence present {p}, absent {a}, unknown {u}, none {n}          (applied in {applied:.1?})",
        go.len()
    );
    let mut by_binary: std::collections::BTreeMap<String, (usize, usize, usize)> =
        Default::default();
    for f in &go {
        let key = f
            .evidence
            .locations
            .first()
            .map_or(String::new(), |l| l.path.clone());
        let e = by_binary.entry(key).or_default();
        match f.symbols.as_ref().map(|s| s.status) {
            Some(stella_vuln::symbols::SymbolStatus::Present) => e.0 += 1,
            Some(stella_vuln::symbols::SymbolStatus::Absent) => e.1 += 1,
            _ => e.2 += 1,
        }
    }
    for (path, (p, a, u)) in by_binary {
        eprintln!("  /{path}: present {p}, absent {a}, unknown {u}");
    }
    let unknown_reasons: std::collections::BTreeSet<_> = go
        .iter()
        .filter_map(|f| f.symbols.as_ref()?.reason.clone())
        .collect();
    for r in unknown_reasons.iter().take(10) {
        eprintln!("  unknown because: {r}");
    }
}

/// Cold scans without and with the trace, alternated: on a loaded machine the load drifts
/// between criterion's functions, so the trace's share is also printed from pairs run
/// back to back (minimum and median of each).
fn interleaved(layout: &stella::image::OciLayout, sets: &Sets) {
    let options = ScanOptions::default();
    let limits = TraceLimits::default();
    let (mut without, mut with) = (Vec::new(), Vec::new());
    let (mut cpu_without, mut cpu_with) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..8 {
        let (t, c) = (Instant::now(), cpu_time());
        black_box(scan_image_detailed(layout, &sets.plain, &options).unwrap());
        without.push(t.elapsed());
        cpu_without += cpu_time().saturating_sub(c);
        let (t, c) = (Instant::now(), cpu_time());
        let scan = scan_image_detailed(layout, &sets.with_trace, &options).unwrap();
        black_box(trace_scan(&scan, &sets.collector, &limits).unwrap());
        with.push(t.elapsed());
        cpu_with += cpu_time().saturating_sub(c);
    }
    if cpu_without > Duration::ZERO {
        eprintln!(
            "interleaved x8, CPU time of the process (all threads): cold scan {:.1?}, cold scan \
             + trace {:.1?}; trace share {:.1} %",
            cpu_without / 8,
            cpu_with / 8,
            (cpu_with.as_secs_f64() / cpu_without.as_secs_f64() - 1.0) * 100.0
        );
    }
    without.sort();
    with.sort();
    let share = |a: Duration, b: Duration| (b.as_secs_f64() / a.as_secs_f64() - 1.0) * 100.0;
    let (min_a, min_b) = (without[0], with[0]);
    let (med_a, med_b) = (without[without.len() / 2], with[with.len() / 2]);
    eprintln!(
        "interleaved x8: cold scan min {min_a:.1?} median {med_a:.1?}; cold scan + trace min \
         {min_b:.1?} median {med_b:.1?}; trace share {:.1} % (min), {:.1} % (median)",
        share(min_a, min_b),
        share(med_a, med_b)
    );
}

/// User + system CPU time of this process so far (Linux `/proc/self/stat`; zero elsewhere).
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line (11 and 12 after the name), in ticks
    // of 1/100 s on Linux.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

criterion_group!(benches, bench);
criterion_main!(benches);

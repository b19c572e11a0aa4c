//! The engine: layer cache (cold, warm, shared layers), determinism across thread counts,
//! cataloger failures as notes.

mod engine_support;

use engine_support::{Broken, Lines, lines};
use stella_core::MemoryBlobStore;
use stella_scan::engine::{ScanOptions, scan_image, scan_image_detailed};
use stella_scan::testing::{TestImage, TestLayer};
use stella_scan::{Cataloger, LayerCache};

fn base_layers() -> Vec<TestLayer> {
    vec![
        TestLayer::new()
            .file("etc/os-release", b"ID=alpine\nVERSION_ID=3.20.3\n")
            .file("pkgs/base", b"1\n"),
        TestLayer::new().file("pkgs/mid", b"2\n").zstd(),
        TestLayer::new()
            .file("pkgs/top", b"3\n")
            .whiteout("pkgs/base"),
    ]
}

fn image(layers: Vec<TestLayer>) -> stella_scan::testing::BuiltImage {
    layers
        .into_iter()
        .fold(TestImage::new(), |i, l| i.layer(l))
        .build()
}

#[test]
fn warm_rescan_reads_no_layer_and_gives_the_same_sbom() {
    let img = image(base_layers());
    let store = MemoryBlobStore::new();
    let cache = LayerCache::new(&store);
    let options = ScanOptions {
        cache: Some(&cache),
        ..ScanOptions::default()
    };
    let uncached = scan_image(&img.source, &lines(), &ScanOptions::default()).unwrap();
    let cold = scan_image_detailed(&img.source, &lines(), &options).unwrap();
    assert_eq!(cold.stats.layers_read, 3);
    assert_eq!(cold.stats.layers_cached, 0);
    assert_eq!(cache.len(), 3);
    let warm = scan_image_detailed(&img.source, &lines(), &options).unwrap();
    assert_eq!(warm.stats.layers_read, 0);
    assert_eq!(warm.stats.layers_cached, 3);
    assert_eq!(warm.sbom, cold.sbom);
    assert_eq!(cold.sbom, uncached);
    assert_eq!(
        serde_json::to_vec(&warm.sbom).unwrap(),
        serde_json::to_vec(&uncached).unwrap()
    );
    assert_eq!(warm.sbom.os.as_ref().unwrap().id, "alpine");

    // The index survives a save / open round trip through the store.
    let index = cache.save().unwrap();
    let reopened = LayerCache::open(&store, &index).unwrap();
    let options = ScanOptions {
        cache: Some(&reopened),
        ..ScanOptions::default()
    };
    let again = scan_image_detailed(&img.source, &lines(), &options).unwrap();
    assert_eq!(again.stats.layers_cached, 3);
    assert_eq!(again.sbom, uncached);
}

#[test]
fn an_image_sharing_layers_reads_only_its_new_layers() {
    let store = MemoryBlobStore::new();
    let cache = LayerCache::new(&store);
    let options = ScanOptions {
        cache: Some(&cache),
        ..ScanOptions::default()
    };
    scan_image(&image(base_layers()).source, &lines(), &options).unwrap();
    let mut layers = base_layers();
    layers.pop();
    layers.push(TestLayer::new().file("pkgs/other", b"4\n"));
    let next = image(layers);
    let scan = scan_image_detailed(&next.source, &lines(), &options).unwrap();
    assert_eq!(scan.stats.layers_read, 1);
    assert_eq!(scan.stats.layers_cached, 2);
    let names: Vec<_> = scan.sbom.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["base", "mid", "other"]);
    let fresh = scan_image(&next.source, &lines(), &ScanOptions::default()).unwrap();
    assert_eq!(scan.sbom, fresh);
}

#[test]
fn a_different_cataloger_set_misses_the_cache() {
    #[derive(Debug)]
    struct LinesV2;
    impl Cataloger for LinesV2 {
        fn name(&self) -> &'static str {
            "lines"
        }
        fn version(&self) -> &'static str {
            "2"
        }
        fn wants(&self, p: &str, m: u32, s: u64) -> bool {
            Lines.wants(p, m, s)
        }
        fn catalog(
            &self,
            input: &stella_scan::CatalogInput<'_>,
        ) -> Result<Vec<stella_scan::Package>, stella_scan::ScanError> {
            Lines.catalog(input)
        }
    }
    let img = image(base_layers());
    let store = MemoryBlobStore::new();
    let cache = LayerCache::new(&store);
    let options = ScanOptions {
        cache: Some(&cache),
        ..ScanOptions::default()
    };
    scan_image(&img.source, &lines(), &options).unwrap();
    let v2: Vec<Box<dyn Cataloger>> = vec![Box::new(LinesV2)];
    let scan = scan_image_detailed(&img.source, &v2, &options).unwrap();
    assert_eq!(scan.stats.layers_read, 3);
    assert_eq!(scan.sbom.catalogers, vec![("lines".into(), "2".into())]);
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let mut img = TestImage::new();
    for i in 0..8 {
        let mut layer = TestLayer::new();
        for j in 0..20 {
            layer = layer.file(&format!("pkgs/p{i}-{j}"), format!("{i}.{j}\n").as_bytes());
        }
        if i > 0 {
            layer = layer.whiteout(&format!("pkgs/p{}-0", i - 1));
        }
        img = img.layer(if i % 2 == 0 { layer } else { layer.zstd() });
    }
    let img = img.build();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| scan_image(&img.source, &lines(), &ScanOptions::default()).unwrap())
    };
    let one = run(1);
    assert_eq!(one.packages.len(), 8 * 20 - 7);
    for threads in [2, 4, 8] {
        let other = run(threads);
        assert_eq!(
            serde_json::to_vec(&other).unwrap(),
            serde_json::to_vec(&one).unwrap()
        );
    }
}

#[test]
fn a_failing_cataloger_adds_notes_and_the_scan_goes_on() {
    let img = image(vec![
        TestLayer::new()
            .file("pkgs/good", b"1\n")
            .file("pkgs/bad", b"bad\n"),
    ]);
    let catalogers: Vec<Box<dyn Cataloger>> = vec![Box::new(Broken), Box::new(Lines)];
    let sbom = scan_image(&img.source, &catalogers, &ScanOptions::default()).unwrap();
    let names: Vec<_> = sbom.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["bad", "good"]);
    assert_eq!(sbom.notes.len(), 2, "{:?}", sbom.notes);
    assert!(sbom.notes[0].contains("broken: cataloging failed"));
    assert!(sbom.notes[1].contains("broken: extracting pkgs/bad"));
    assert_eq!(
        sbom.catalogers,
        vec![("broken".into(), "1".into()), ("lines".into(), "1".into())]
    );
}

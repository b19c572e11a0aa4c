#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The engine: layer cache (cold, warm, shared layers, whole chains of layers), determinism
//! across thread counts, cataloger failures as notes.

mod engine_support;

use engine_support::{Broken, Lines, lines};
use stella_core::{BlobStore, CoreError, Digest, MemoryBlobStore, Timestamp};
use stella_scan::engine::{ScanOptions, scan_image, scan_image_detailed, scan_image_sbom};
use stella_scan::image::ContainerConfig;
use stella_scan::sbom::{WriteOptions, cyclonedx, spdx};
use stella_scan::testing::{TestImage, TestLayer};
use stella_scan::{Cataloger, LayerCache, Sbom, ScanError, ScanLimits};

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

/// The base image with its top layer replaced by another.
fn base_with_new_top_layer() -> stella_scan::testing::BuiltImage {
    let mut layers = base_layers();
    layers.pop();
    layers.push(TestLayer::new().file("pkgs/other", b"4\n"));
    image(layers)
}

/// Default scan options with `cache`.
fn cached<'a>(cache: &'a LayerCache<'a>) -> ScanOptions<'a> {
    ScanOptions {
        cache: Some(cache),
        ..ScanOptions::default()
    }
}

#[test]
fn warm_rescan_reads_no_layer_and_gives_the_same_sbom() {
    let img = image(base_layers());
    let store = MemoryBlobStore::new();
    let cache = LayerCache::new(&store);
    let options = cached(&cache);
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
    let options = cached(&reopened);
    let again = scan_image_detailed(&img.source, &lines(), &options).unwrap();
    assert_eq!(again.stats.layers_cached, 3);
    assert_eq!(again.sbom, uncached);
}

#[test]
fn an_image_sharing_layers_reads_only_its_new_layers() {
    let store = MemoryBlobStore::new();
    let cache = LayerCache::new(&store);
    let options = cached(&cache);
    scan_image(&image(base_layers()).source, &lines(), &options).unwrap();
    let next = base_with_new_top_layer();
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
    let options = cached(&cache);
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

/// The CycloneDX and SPDX bytes of `sbom` at a fixed time.
fn documents(sbom: &Sbom) -> (Vec<u8>, Vec<u8>) {
    let options = WriteOptions {
        timestamp: Timestamp::from_unix_seconds(1_700_000_000).unwrap(),
        tool_name: "stella".into(),
        tool_version: "test".into(),
    };
    (
        cyclonedx::write(sbom, &options).unwrap(),
        spdx::write(sbom, &options).unwrap(),
    )
}

#[test]
fn a_chain_hit_reads_and_merges_nothing_and_gives_the_same_bytes() {
    let img = image(base_layers());
    let uncached = scan_image_detailed(&img.source, &lines(), &ScanOptions::default()).unwrap();
    let store = MemoryBlobStore::new();
    let cache = LayerCache::new(&store);
    let options = cached(&cache);
    let cold = scan_image_sbom(&img.source, &lines(), &options).unwrap();
    assert_eq!(
        (cold.stats.layers_read, cold.stats.chain_cached),
        (3, false)
    );
    assert_eq!((cache.len(), cache.chain_len()), (3, 1));
    let warm = scan_image_sbom(&img.source, &lines(), &options).unwrap();
    assert_eq!(warm.stats.layers_read, 0);
    assert_eq!(warm.stats.layers_cached, 3);
    assert!(warm.stats.chain_cached);
    assert_eq!(warm.stats.paths, uncached.stats.paths);
    assert_eq!(warm.sbom, uncached.sbom);
    assert_eq!(warm.image.manifest_digest, img.images[0].manifest.digest);
    assert_eq!(documents(&warm.sbom), documents(&uncached.sbom));

    // Through a save / open round trip of the index, still a hit with the same result.
    let index = cache.save().unwrap();
    let reopened = LayerCache::open(&store, &index).unwrap();
    assert_eq!((reopened.len(), reopened.chain_len()), (3, 1));
    let options = cached(&reopened);
    let again = scan_image_sbom(&img.source, &lines(), &options).unwrap();
    assert!(again.stats.chain_cached);
    assert_eq!(documents(&again.sbom), documents(&uncached.sbom));
    // A detailed scan (it needs the merged tree) still reads the layers from the cache.
    let detailed = scan_image_detailed(&img.source, &lines(), &options).unwrap();
    assert_eq!(detailed.stats.layers_cached, 3);
    assert!(!detailed.stats.chain_cached);
    assert_eq!(detailed.sbom, uncached.sbom);
}

#[test]
fn another_image_with_the_same_layers_hits_the_chain_and_keeps_its_own_identity() {
    let store = MemoryBlobStore::new();
    let cache = LayerCache::new(&store);
    let options = cached(&cache);
    scan_image_sbom(&image(base_layers()).source, &lines(), &options).unwrap();
    let other = base_layers()
        .into_iter()
        .fold(TestImage::new(), |i, l| i.layer(l))
        .config(ContainerConfig {
            entrypoint: Some(vec!["/bin/other".into()]),
            ..ContainerConfig::default()
        })
        .build();
    let fresh = scan_image(&other.source, &lines(), &ScanOptions::default()).unwrap();
    let hit = scan_image_sbom(&other.source, &lines(), &options).unwrap();
    assert!(hit.stats.chain_cached);
    assert_eq!(
        hit.sbom.image.manifest_digest,
        Some(other.images[0].manifest.digest)
    );
    assert_eq!(hit.sbom, fresh);
    assert_eq!(documents(&hit.sbom), documents(&fresh));
}

#[test]
fn an_image_sharing_only_base_layers_misses_the_chain_and_reuses_those_layers() {
    let store = MemoryBlobStore::new();
    let cache = LayerCache::new(&store);
    let options = cached(&cache);
    scan_image_sbom(&image(base_layers()).source, &lines(), &options).unwrap();
    let next = base_with_new_top_layer();
    let fresh = scan_image(&next.source, &lines(), &ScanOptions::default()).unwrap();
    let scan = scan_image_sbom(&next.source, &lines(), &options).unwrap();
    assert!(!scan.stats.chain_cached);
    assert_eq!((scan.stats.layers_read, scan.stats.layers_cached), (1, 2));
    let names: Vec<_> = scan.sbom.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["base", "mid", "other"]);
    assert_eq!(documents(&scan.sbom), documents(&fresh));
    // Each chain has its own result now; the base image's still answers for it.
    assert_eq!((cache.len(), cache.chain_len()), (4, 2));
    let again = scan_image_sbom(&next.source, &lines(), &options).unwrap();
    assert!(again.stats.chain_cached);
    assert_eq!(again.sbom, fresh);
    // The base layers alone are a different chain again.
    let mut base = base_layers();
    base.pop();
    let shorter = image(base);
    let scan = scan_image_sbom(&shorter.source, &lines(), &options).unwrap();
    assert!(!scan.stats.chain_cached);
    assert_eq!((scan.stats.layers_read, scan.stats.layers_cached), (0, 2));
    assert_eq!(
        scan.sbom,
        scan_image(&shorter.source, &lines(), &ScanOptions::default()).unwrap()
    );
}

#[test]
fn the_chain_result_depends_on_catalogers_and_the_link_limit() {
    let img = image(base_layers());
    let store = MemoryBlobStore::new();
    let cache = LayerCache::new(&store);
    let options = cached(&cache);
    scan_image_sbom(&img.source, &lines(), &options).unwrap();
    let with_broken: Vec<Box<dyn Cataloger>> = vec![Box::new(Broken), Box::new(Lines)];
    let scan = scan_image_sbom(&img.source, &with_broken, &options).unwrap();
    assert!(!scan.stats.chain_cached);
    assert_eq!(scan.stats.layers_read, 3);
    let mut options = options;
    options.limits.max_link_depth = 5;
    let scan = scan_image_sbom(&img.source, &lines(), &options).unwrap();
    assert!(
        !scan.stats.chain_cached,
        "phase 2 follows links: another limit, another key"
    );
    assert_eq!(
        scan.stats.layers_cached, 3,
        "phase 1 does not: the layers are reused"
    );

    // An image without layers: phase 2 still runs every cataloger (one that fails leaves a
    // note), so the catalogers key the chain even when no layer key does.
    let empty = TestImage::new().build();
    let options = cached(&cache);
    let plain = scan_image_sbom(&empty.source, &lines(), &options).unwrap();
    assert!(plain.sbom.notes.is_empty());
    let broken = scan_image_sbom(&empty.source, &with_broken, &options).unwrap();
    assert!(!broken.stats.chain_cached);
    assert_eq!(broken.sbom.notes.len(), 1, "{:?}", broken.sbom.notes);
    let again = scan_image_sbom(&empty.source, &with_broken, &options).unwrap();
    assert!(again.stats.chain_cached);
    assert_eq!(again.sbom, broken.sbom);
}

/// A store that keeps blobs as given and lets a test edit them, verifying every read as a
/// real store does.
#[derive(Debug, Default)]
struct EditableStore(std::sync::Mutex<std::collections::BTreeMap<Digest, Vec<u8>>>);

impl BlobStore for EditableStore {
    fn put(&self, bytes: &[u8]) -> Result<Digest, CoreError> {
        let d = Digest::of(bytes);
        self.0
            .lock()
            .unwrap()
            .entry(d)
            .or_insert_with(|| bytes.to_vec());
        Ok(d)
    }
    fn get(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        let bytes = self
            .0
            .lock()
            .unwrap()
            .get(digest)
            .cloned()
            .ok_or(CoreError::NotFound { digest: *digest })?;
        digest.verify(&bytes)?;
        Ok(bytes)
    }
    fn contains(&self, digest: &Digest) -> Result<bool, CoreError> {
        Ok(self.0.lock().unwrap().contains_key(digest))
    }
}

impl EditableStore {
    /// The digests of the blobs whose bytes start with `magic`.
    fn blobs_starting_with(&self, magic: &[u8]) -> Vec<Digest> {
        let blobs = self.0.lock().unwrap();
        blobs
            .iter()
            .filter(|(_, b)| b.starts_with(magic))
            .map(|(d, _)| *d)
            .collect()
    }
}

#[test]
fn a_tampered_chain_record_is_an_error_and_an_unreadable_one_is_rebuilt() {
    const CHAIN_MAGIC: &[u8] = b"stella-scan/chain-result/v3\n";
    let img = image(base_layers());
    let uncached = scan_image(&img.source, &lines(), &ScanOptions::default()).unwrap();
    let store = EditableStore::default();
    let cache = LayerCache::new(&store);
    let options = cached(&cache);
    scan_image_sbom(&img.source, &lines(), &options).unwrap();
    let index = cache.save().unwrap();
    let records = store.blobs_starting_with(CHAIN_MAGIC);
    assert_eq!(records.len(), 1);
    let record = records[0];

    // Tampered: the bytes under the record's digest changed (one package version).
    let original = store.get(&record).unwrap();
    let pos = original.windows(4).position(|w| w == b"pkgs").unwrap();
    let mut edited = original.clone();
    edited[pos] = b'P';
    store.0.lock().unwrap().insert(record, edited);
    let err = scan_image_sbom(&img.source, &lines(), &options).unwrap_err();
    assert!(
        matches!(err, ScanError::Core(CoreError::DigestMismatch { .. })),
        "{err:?}"
    );
    store.0.lock().unwrap().insert(record, original);

    // Unreadable (it verifies, but is not a record this version decodes): a miss; the layers
    // come from the cache, the chain is merged again and its record replaced.
    let garbage = store
        .put(b"stella-scan/chain-result/v2\nnot a record")
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&store.get(&index).unwrap()).unwrap();
    let text = String::from_utf8(store.get(&index).unwrap()).unwrap();
    let chain_key = doc["chains"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let pointed = text.replace(&record.to_string(), &garbage.to_string());
    assert_ne!(pointed, text);
    let bad_index = store.put(pointed.as_bytes()).unwrap();
    let reopened = LayerCache::open(&store, &bad_index).unwrap();
    let options = cached(&reopened);
    let scan = scan_image_sbom(&img.source, &lines(), &options).unwrap();
    assert!(!scan.stats.chain_cached);
    assert_eq!((scan.stats.layers_read, scan.stats.layers_cached), (0, 3));
    assert_eq!(scan.sbom, uncached);
    let rebuilt = scan_image_sbom(&img.source, &lines(), &options).unwrap();
    assert!(rebuilt.stats.chain_cached);
    assert_eq!(rebuilt.sbom, uncached);
    let saved: serde_json::Value =
        serde_json::from_slice(&store.get(&reopened.save().unwrap()).unwrap()).unwrap();
    assert_eq!(saved["chains"][&chain_key], record.to_string());
}

/// The limit a scan exceeded, if any.
fn exceeded<T: std::fmt::Debug>(result: Result<T, ScanError>) -> Option<&'static str> {
    match result {
        Ok(_) => None,
        Err(ScanError::LimitExceeded { limit, .. }) => Some(limit),
        Err(e) => panic!("not a limit error: {e:?}"),
    }
}

/// Image-wide and per-layer limits (entries, decompressed bytes) are keyed by neither cache
/// (they do not change a result that stays within them), so a hit charges the cached layers'
/// sizes to them: a scan over a limit fails the same way warm as cold, and one at the limit
/// passes both ways.
#[test]
fn a_cache_hit_counts_against_the_entry_and_byte_limits_as_a_walk_does() {
    let img = image(base_layers());
    let store = MemoryBlobStore::new();
    let cache = LayerCache::new(&store);
    let cached = ScanOptions {
        cache: Some(&cache),
        ..ScanOptions::default()
    };
    let cold = scan_image_sbom(&img.source, &lines(), &cached).unwrap();
    let total_bytes = cold.stats.decompressed_bytes;
    // The smallest limits a cold scan passes, found by trying.
    let smallest = |make: &dyn Fn(u64) -> ScanLimits| {
        (1..=total_bytes)
            .find(|&n| {
                let options = ScanOptions {
                    limits: make(n),
                    ..ScanOptions::default()
                };
                scan_image(&img.source, &lines(), &options).is_ok()
            })
            .unwrap()
    };
    let entries = |n| ScanLimits {
        max_entries: n,
        ..ScanLimits::default()
    };
    let layer_bytes = |n| ScanLimits {
        max_layer_bytes: n,
        ..ScanLimits::default()
    };
    let image_bytes = |n| ScanLimits {
        max_image_bytes: n,
        ..ScanLimits::default()
    };
    let cases: [(&str, &dyn Fn(u64) -> ScanLimits); 3] = [
        ("max_entries", &entries),
        ("max_layer_bytes", &layer_bytes),
        ("max_image_bytes", &image_bytes),
    ];
    for (name, make) in cases {
        let at = smallest(make);
        assert!(at > 1, "{name}");
        for (n, expected) in [(at, None), (at - 1, Some(name))] {
            let plain = ScanOptions {
                limits: make(n),
                ..ScanOptions::default()
            };
            let warm = ScanOptions {
                limits: make(n),
                cache: Some(&cache),
                ..ScanOptions::default()
            };
            assert_eq!(
                exceeded(scan_image(&img.source, &lines(), &plain)),
                expected
            );
            // Per-layer hits (the detailed scan) and the chain hit.
            let detailed = scan_image_detailed(&img.source, &lines(), &warm);
            if let Ok(scan) = &detailed {
                assert_eq!(scan.stats.layers_cached, 3);
            }
            assert_eq!(exceeded(detailed), expected, "{name} {n} layer hits");
            let chained = scan_image_sbom(&img.source, &lines(), &warm);
            if let Ok(scan) = &chained {
                assert!(scan.stats.chain_cached);
            }
            assert_eq!(exceeded(chained), expected, "{name} {n} chain hit");
        }
    }
}

/// `max_tar_header_bytes` changes what a layer walk accepts, so it is part of the layer key: a
/// layer walked (and cached) under the default limit must not answer a scan under a lower one,
/// warm (per-layer or chain hit) as cold.
#[test]
fn a_layer_cached_under_a_higher_tar_header_limit_does_not_answer_a_lower_one() {
    let comment = vec![b'x'; 4096];
    let img = image(vec![
        TestLayer::new()
            .pax(&[("comment", comment.as_slice())])
            .file("pkgs/base", b"1\n"),
    ]);
    let store = MemoryBlobStore::new();
    let cache = LayerCache::new(&store);
    scan_image_sbom(&img.source, &lines(), &cached(&cache)).unwrap();
    let low = ScanLimits {
        max_tar_header_bytes: 1024,
        ..ScanLimits::default()
    };
    let plain = ScanOptions {
        limits: low.clone(),
        ..ScanOptions::default()
    };
    let warm = ScanOptions {
        limits: low,
        cache: Some(&cache),
        ..ScanOptions::default()
    };
    let expected = Some("max_tar_header_bytes");
    assert_eq!(
        exceeded(scan_image(&img.source, &lines(), &plain)),
        expected
    );
    assert_eq!(
        exceeded(scan_image_detailed(&img.source, &lines(), &warm)),
        expected
    );
    assert_eq!(
        exceeded(scan_image_sbom(&img.source, &lines(), &warm)),
        expected
    );
}

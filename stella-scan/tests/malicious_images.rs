#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The malicious-image corpus (issue 12), built in code: every hostile layer or image gives its
//! specific typed error, or the correct result within the configured limits, and the peak heap
//! of the scan stays bounded (a counting global allocator in this test binary measures it).
//!
//! Nothing here touches the filesystem: the scanner reads from an in-memory [`ImageSource`] and
//! never writes by path. The on-disk readers (OCI layout, archives) have their own corpus in
//! `stella/tests/malicious_images.rs`, which also checks that nothing is written.
//!
//! Sizes chosen to keep the suite fast in a debug build:
//! - the gzip bomb is 1 GiB of zeros from ~1 MiB of gzip (concatenated gzip members of 16 MiB
//!   of zeros each, which the layer walk reads as one stream, as `gzip -d` does);
//! - "a million tiny files" is exactly 1,000,000 empty regular files in one uncompressed layer,
//!   generated as the walk reads it (512 MB of tar headers that never exist in memory) and
//!   walked by the same function the engine uses ([`walk_layer`]) and merged into a
//!   [`FileTree`]; the full engine runs the same shape with 100,000 files.

mod engine_support;
mod peak_heap;

use std::io::{self, Read, Write};

use engine_support::lines;
use peak_heap::{MIB, peak_of, serial};
use stella_core::{
    CoreError, Descriptor, Digest, ImageSource, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST,
    MemoryImageSource,
};
use stella_scan::engine::{ImageScan, ScanOptions, scan_image_detailed};
use stella_scan::image::layer::{WalkBudget, walk_layer};
use stella_scan::image::{FileTree, resolve};
use stella_scan::testing::{TestImage, TestLayer, gzip};
use stella_scan::{ImageError, LayerProblem, ScanError, ScanLimits};

// ---------------------------------------------------------------------------------------------
// Helpers.

fn run_scan(image: &dyn ImageSource, limits: ScanLimits) -> Result<ImageScan, ScanError> {
    scan_image_detailed(
        image,
        &lines(),
        &ScanOptions {
            limits,
            ..ScanOptions::default()
        },
    )
}

/// [`scan_image_detailed`] with the default catalogers under `limits`.
fn scan_defaults(image: &dyn ImageSource, limits: ScanLimits) -> Result<ImageScan, ScanError> {
    scan_image_detailed(
        image,
        &stella_scan::catalog::default_catalogers(),
        &ScanOptions {
            limits,
            ..ScanOptions::default()
        },
    )
}

/// A dpkg status paragraph padded with a continued `Description` to at least 1 MiB.
fn padded_to_mib(status: &[u8]) -> Vec<u8> {
    let mut v = status.to_vec();
    v.extend_from_slice(b"Description: x\n");
    while v.len() < MIB {
        v.extend_from_slice(b" padding padding padding padding padding padding padding\n");
    }
    v
}

fn names(scan: &ImageScan) -> Vec<String> {
    scan.sbom
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect()
}

fn limit_of(result: Result<ImageScan, ScanError>) -> (&'static str, u64, u64) {
    match result {
        Err(ScanError::LimitExceeded {
            limit, max, actual, ..
        }) => (limit, max, actual),
        other => panic!("expected LimitExceeded, got {:?}", other.map(|s| names(&s))),
    }
}

/// One tar header block for a regular file (or other kind) of `size` bytes.
fn header_block(path: &str, kind: tar::EntryType, size: u64) -> [u8; 512] {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(0o644);
    h.set_size(size);
    h.set_mtime(0);
    h.set_path(path).unwrap();
    h.set_cksum();
    *h.as_bytes()
}

/// An image of one layer blob as given (any bytes), plus a second ordinary layer.
fn image_with_raw_layer(blob: Vec<u8>) -> MemoryImageSource {
    let mut source = MemoryImageSource::new();
    let config_bytes = br#"{"architecture":"amd64","os":"linux"}"#;
    let config = source.add_blob(config_bytes.to_vec());
    let size = blob.len() as u64;
    let layer = source.add_blob(blob);
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_TYPE_OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config.to_string(), "size": config_bytes.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": layer.to_string(), "size": size}]
    });
    let m = source.add_blob(serde_json::to_vec(&manifest).unwrap());
    source.set_root(MEDIA_TYPE_OCI_MANIFEST, m);
    source
}

// ---------------------------------------------------------------------------------------------
// Paths and links.

#[test]
fn path_traversal_and_absolute_names_stay_inside_the_root() {
    let _s = serial();
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .raw_file(b"../../etc/passwd", b"root:x:0:0\n")
                .raw_file(b"/etc/shadow", b"root:*:\n")
                .raw_file(b"pkgs/../../../../pkgs/climber", b"1.0\n")
                .raw_file(b"/../pkgs/abs", b"2.0\n")
                .raw_file(b"./pkgs//./dotted", b"3.0\n"),
        )
        .build();
    let (scan, peak) = peak_of(|| run_scan(&image.source, ScanLimits::default()).unwrap());
    let paths: Vec<&str> = scan.tree.iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        vec![
            "etc/passwd",
            "etc/shadow",
            "pkgs/abs",
            "pkgs/climber",
            "pkgs/dotted"
        ]
    );
    assert_eq!(names(&scan), vec!["abs@2.0", "climber@1.0", "dotted@3.0"]);
    assert!(peak < 16 * MIB, "peak {peak}");
}

#[test]
fn links_out_of_the_root_resolve_inside_it() {
    let _s = serial();
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .file("pkgs/real", b"1.0\n")
                // Hard links whose targets climb out: normalized to image paths.
                .hardlink("pkgs/climbing", "../../../../pkgs/real")
                .hardlink("pkgs/absolute", "/pkgs/real")
                // A hard link to a host file the image does not have: no data, no package.
                .hardlink("pkgs/host", "/etc/passwd")
                .hardlink("pkgs/host2", "../../../../../etc/passwd")
                // Symbolic links out of the root: resolved against the image root only.
                .symlink("etc/os-release", "../../../../../../etc/os-release")
                .symlink("escape", "../../../../../etc")
                .symlink("abs", "/etc"),
        )
        .build();
    let (scan, peak) = peak_of(|| run_scan(&image.source, ScanLimits::default()).unwrap());
    assert_eq!(
        names(&scan),
        vec!["absolute@1.0", "climbing@1.0", "real@1.0"]
    );
    // The host's /etc/os-release is never read: the link lands on the image's own path, which
    // is the link itself (a loop), so no OS is identified.
    assert_eq!(scan.sbom.os, None);
    assert_eq!(scan.tree.resolve("escape/passwd", true, 40), None);
    assert_eq!(scan.tree.resolve("abs", true, 40).as_deref(), Some("etc"));
    assert_eq!(scan.tree.resolve_file("pkgs/host", 40), None);
    assert!(peak < 16 * MIB, "peak {peak}");
}

#[test]
fn symlink_loops_end_within_the_link_limit() {
    let _s = serial();
    let mut layer = TestLayer::new()
        .file("pkgs/real", b"1.0\n")
        .symlink("loop/a", "b")
        .symlink("loop/b", "a")
        .symlink("loop/self", "self")
        .symlink("loop/dir", ".")
        .symlink("loop/up", "../loop/up/x")
        .symlink("etc/os-release", "os-release");
    // A chain of 41 links (one more than Linux's MAXSYMLINKS and the default limit).
    for i in 0..41 {
        layer = layer.symlink(&format!("chain/l{i}"), &format!("l{}", i + 1));
    }
    layer = layer.symlink("chain/l41", "../pkgs/real");
    let image = TestImage::new().layer(layer).build();
    let (scan, peak) = peak_of(|| run_scan(&image.source, ScanLimits::default()).unwrap());
    assert_eq!(names(&scan), vec!["real@1.0"]);
    assert_eq!(scan.sbom.os, None);
    let t = &scan.tree;
    for looping in ["loop/a", "loop/b", "loop/self", "loop/up", "loop/a/x"] {
        assert_eq!(t.resolve(looping, true, 40), None, "{looping}");
    }
    // `dir -> .` is not a loop for the resolver: it is a path that stays where it is.
    let deep = format!("loop/{}real", "dir/".repeat(30));
    assert_eq!(t.resolve(&deep, true, 40), None);
    assert_eq!(
        t.resolve(&format!("loop/{}a", "dir/".repeat(39)), false, 40)
            .as_deref(),
        Some("loop/a")
    );
    // 41 links to follow from l1 (l1..l41) is one over the limit; from l2, exactly 40 passes.
    assert_eq!(t.resolve_file("chain/l1", 40), None);
    assert_eq!(
        t.resolve_file("chain/l2", 40).map(|(p, _)| p).as_deref(),
        Some("pkgs/real")
    );
    assert!(peak < 16 * MIB, "peak {peak}");
}

// ---------------------------------------------------------------------------------------------
// Decompression and size bombs.

/// A gzip layer of one file `pkgs/bomb` holding `gib` GiB of zeros, made of concatenated gzip
/// members so the blob is built without compressing a GiB.
fn gzip_bomb(gib: u64) -> (Vec<u8>, u64) {
    let chunk = 16 * MIB;
    let zeros = {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&vec![0u8; chunk]).unwrap();
        enc.finish().unwrap()
    };
    let size = gib << 30;
    let mut blob = gzip(&header_block("pkgs/bomb", tar::EntryType::Regular, size));
    for _ in 0..(size / chunk as u64) {
        blob.extend_from_slice(&zeros);
    }
    // A small ordinary file after the bomb, then the end-of-archive blocks.
    let mut tail = header_block("pkgs/after", tar::EntryType::Regular, 4).to_vec();
    tail.extend_from_slice(b"2.0\n");
    tail.resize(1024 + 1024, 0);
    blob.extend_from_slice(&gzip(&tail));
    (blob, size + 512 + 2048)
}

#[test]
fn gzip_bomb_of_one_gib_is_read_within_limits_in_bounded_memory() {
    let _s = serial();
    let (blob, decompressed) = gzip_bomb(1);
    assert!(
        blob.len() < 4 * MIB,
        "the bomb should be a few MB, is {}",
        blob.len()
    );
    assert!(decompressed > 1 << 30);
    let source = image_with_raw_layer(blob);
    let (scan, peak) = peak_of(|| run_scan(&source, ScanLimits::default()).unwrap());
    // The whole GiB was streamed (the layer is read to its end to check its digest), the file
    // was skipped with a note instead of being buffered, and the file after it was read.
    assert_eq!(scan.stats.decompressed_bytes, decompressed);
    assert_eq!(names(&scan), vec!["after@2.0"]);
    assert!(
        scan.sbom
            .notes
            .iter()
            .any(|n| n.contains("pkgs/bomb") && n.contains("max_file_bytes")),
        "{:?}",
        scan.sbom.notes
    );
    assert!(peak < 16 * MIB, "peak {peak}");
}

#[test]
fn gzip_bomb_stops_at_the_layer_limit() {
    let _s = serial();
    let (blob, _) = gzip_bomb(1);
    let source = image_with_raw_layer(blob);
    let limits = ScanLimits {
        max_layer_bytes: 64 << 20,
        ..ScanLimits::default()
    };
    let (result, peak) = peak_of(|| run_scan(&source, limits));
    let (limit, max, actual) = limit_of(result);
    assert_eq!((limit, max), ("max_layer_bytes", 64 << 20));
    // Counting stops within one read of the limit, not at the end of the bomb.
    assert!(actual > max && actual < max + (1 << 20), "{actual}");
    assert!(peak < 16 * MIB, "peak {peak}");
    let limits = ScanLimits {
        max_image_bytes: 32 << 20,
        ..ScanLimits::default()
    };
    let (limit, max, _) = limit_of(run_scan(&source, limits));
    assert_eq!((limit, max), ("max_image_bytes", 32 << 20));
}

#[test]
fn a_tar_entry_claiming_2_pow_63_bytes_is_an_error_not_an_allocation() {
    let _s = serial();
    for claimed in [1u64 << 63, u64::MAX] {
        let mut tar = header_block("pkgs/huge", tar::EntryType::Regular, claimed).to_vec();
        tar.extend_from_slice(b"1.0\n");
        tar.resize(512 + 512 + 1024, 0);
        let source = image_with_raw_layer(gzip(&tar));
        // Even with the per-file limit lifted, the file is not buffered at its claimed size.
        let limits = ScanLimits {
            max_file_bytes: u64::MAX,
            ..ScanLimits::default()
        };
        let (result, peak) = peak_of(|| run_scan(&source, limits));
        match result {
            Err(ScanError::Image(ImageError::Layer { reason, .. })) => {
                assert!(!reason.to_string().is_empty())
            }
            // The claim is checked against the image's retained budget before any buffer.
            Err(ScanError::LimitExceeded {
                limit: "max_retained_bytes",
                ..
            }) => {}
            other => panic!("claimed {claimed}: {:?}", other.map(|s| names(&s))),
        }
        assert!(peak < 16 * MIB, "claimed {claimed}: peak {peak}");
    }
}

#[test]
fn a_layer_descriptor_claiming_2_pow_63_bytes_is_refused_before_reading() {
    let _s = serial();
    let mut source = MemoryImageSource::new();
    let config = source.add_blob(b"{}".to_vec());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_TYPE_OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config.to_string(), "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": Digest::of(b"x").to_string(), "size": 1u64 << 63}]
    });
    let m = source.add_blob(serde_json::to_vec(&manifest).unwrap());
    source.set_root(MEDIA_TYPE_OCI_MANIFEST, m);
    let (result, peak) = peak_of(|| run_scan(&source, ScanLimits::default()));
    match result {
        Err(ScanError::Image(ImageError::Oversize {
            what, size, max, ..
        })) => {
            assert_eq!((what, size, max), ("layer", 1 << 63, 16 << 30));
        }
        other => panic!("{:?}", other.map(|s| names(&s))),
    }
    assert!(peak < MIB, "peak {peak}");
}

// ---------------------------------------------------------------------------------------------
// Counts and depth.

/// An uncompressed layer of `n` empty regular files, generated as it is read.
struct ManyFiles {
    n: u64,
    next: u64,
    block: Vec<u8>,
    pos: usize,
}

impl ManyFiles {
    fn new(n: u64) -> Self {
        Self {
            n,
            next: 0,
            block: Vec::new(),
            pos: 0,
        }
    }
    fn len(n: u64) -> u64 {
        n * 512 + 1024
    }
}

impl Read for ManyFiles {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.block.len() {
            self.pos = 0;
            self.block.clear();
            if self.next < self.n {
                let path = format!("d{:03}/f{:04}", self.next / 10_000, self.next % 10_000);
                self.block
                    .extend_from_slice(&header_block(&path, tar::EntryType::Regular, 0));
                self.next += 1;
            } else if self.next == self.n {
                self.block.resize(1024, 0);
                self.next += 1;
            } else {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.block.len() - self.pos);
        buf[..n].copy_from_slice(&self.block[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn a_million_tiny_files_are_walked_within_limits() {
    let _s = serial();
    const N: u64 = 1_000_000;
    let limits = ScanLimits::default();
    let ((listing, tree_len), peak) = peak_of(|| {
        let budget = WalkBudget::default();
        let mut visited = 0u64;
        let listing = walk_layer(
            &mut ManyFiles::new(N),
            "million",
            &limits,
            &budget,
            &mut |_, _| {
                visited += 1;
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(visited, N);
        let mut tree = FileTree::new();
        tree.apply_layer(0, &listing.entries).unwrap();
        (listing, tree.len())
    });
    assert_eq!(listing.entries.len() as u64, N);
    assert_eq!(listing.decompressed_bytes, ManyFiles::len(N));
    assert_eq!(tree_len as u64, N);
    // ~100 bytes per entry in the listing plus as much again in the tree: well under the
    // "~150 bytes per entry" ScanLimits::max_entries budgets for, doubled.
    assert!(peak < 320 * MIB, "peak {peak}");
}

#[test]
fn a_million_tiny_files_over_max_entries_stop_early() {
    let _s = serial();
    let limits = ScanLimits {
        max_entries: 100_000,
        ..ScanLimits::default()
    };
    let budget = WalkBudget::default();
    let mut stream = ManyFiles::new(1_000_000);
    let (result, peak) =
        peak_of(|| walk_layer(&mut stream, "million", &limits, &budget, &mut |_, _| Ok(())));
    match result {
        Err(ScanError::LimitExceeded {
            limit, max, actual, ..
        }) => assert_eq!((limit, max, actual), ("max_entries", 100_000, 100_001)),
        other => panic!("{other:?}"),
    }
    // The walk stopped at the limit: 900,000 entries were never generated.
    assert_eq!(stream.next, 100_001);
    assert!(peak < 64 * MIB, "peak {peak}");
}

/// The same shape through the whole engine, at 100,000 files (exactly at a limit of 100,000
/// entries passes; one more file fails).
#[test]
fn many_tiny_files_through_the_engine_at_the_entry_limit() {
    let _s = serial();
    let files = |n: u64| {
        let mut tar = Vec::with_capacity(ManyFiles::len(n) as usize);
        ManyFiles::new(n).read_to_end(&mut tar).unwrap();
        image_with_raw_layer(tar)
    };
    let limits = ScanLimits {
        max_entries: 100_000,
        ..ScanLimits::default()
    };
    let source = files(100_000);
    let (scan, _) = peak_of(|| run_scan(&source, limits.clone()).unwrap());
    assert_eq!(scan.stats.paths, 100_000);
    let source = files(100_001);
    let (limit, max, actual) = limit_of(run_scan(&source, limits));
    assert_eq!((limit, max, actual), ("max_entries", 100_000, 100_001));
}

fn deep_path(depth: usize) -> String {
    let mut p = "pkgs/".to_owned();
    p.push_str(&"a/".repeat(depth - 2));
    p.push_str("leaf");
    p
}

#[test]
fn directories_4096_deep_are_a_typed_error_by_default_and_correct_when_allowed() {
    let _s = serial();
    let path = deep_path(4096);
    assert_eq!(path.split('/').count(), 4096);
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .file(&path, b"4.0\n")
                .file("pkgs/x", b"1\n"),
        )
        .build();
    // Default limits: 8 KiB of path is over max_path_bytes (Linux PATH_MAX).
    let (limit, max, actual) = limit_of(run_scan(&image.source, ScanLimits::default()));
    assert_eq!(
        (limit, max, actual),
        ("max_path_bytes", 4096, path.len() as u64)
    );
    // Long paths allowed, depth not: max_path_depth.
    let long = ScanLimits {
        max_path_bytes: 1 << 20,
        ..ScanLimits::default()
    };
    let (limit, max, actual) = limit_of(run_scan(&image.source, long.clone()));
    assert_eq!((limit, max, actual), ("max_path_depth", 256, 4096));
    // Both allowed: the deep file is found, with no recursion on the depth.
    let deep = ScanLimits {
        max_path_depth: 4096,
        ..long
    };
    let (scan, peak) = peak_of(|| run_scan(&image.source, deep).unwrap());
    assert_eq!(names(&scan), vec!["leaf@4.0", "x@1"]);
    assert!(scan.tree.exists(&path));
    assert_eq!(
        scan.tree.resolve(&path, true, 40).as_deref(),
        Some(path.as_str())
    );
    assert!(peak < 64 * MIB, "peak {peak}");
}

// ---------------------------------------------------------------------------------------------
// Whiteouts and duplicates.

#[test]
fn whiteouts_naming_the_root_or_a_parent_are_refused() {
    let _s = serial();
    let lower = || TestLayer::new().file("pkgs/base", b"1\n");
    for marker in [
        ".wh.",
        ".wh..",
        ".wh...",
        "/.wh.",
        "pkgs/.wh..",
        "pkgs/.wh...",
    ] {
        let image = TestImage::new()
            .layer(lower())
            .layer(TestLayer::new().raw_file(marker.as_bytes(), b""))
            .build();
        match run_scan(&image.source, ScanLimits::default()) {
            Err(ScanError::Image(ImageError::InvalidWhiteout { path, .. })) => {
                assert_eq!(path, marker, "{marker}")
            }
            other => panic!("{marker}: {:?}", other.map(|s| names(&s))),
        }
    }
}

#[test]
fn an_opaque_root_hides_every_lower_layer_as_overlayfs_does() {
    let _s = serial();
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .file("pkgs/base", b"1\n")
                .file("etc/passwd", b""),
        )
        .layer(
            TestLayer::new()
                .raw_file(b".wh..wh..opq", b"")
                .file("pkgs/top", b"2\n"),
        )
        .build();
    let scan = run_scan(&image.source, ScanLimits::default()).unwrap();
    assert_eq!(names(&scan), vec!["top@2"]);
    let paths: Vec<&str> = scan.tree.iter().map(|(p, _)| p).collect();
    assert_eq!(paths, vec!["pkgs/top"]);
}

#[test]
fn duplicate_entries_in_one_layer_last_one_wins() {
    let _s = serial();
    let dup = || {
        TestLayer::new()
            .file("pkgs/dup", b"1\n")
            .file("pkgs/dup", b"2\n")
            .dir("pkgs/became-file")
            .file("pkgs/became-file/inner", b"9\n")
            .file("pkgs/became-file", b"3\n")
            .file("pkgs/became-dir", b"4\n")
            .dir("pkgs/became-dir")
    };
    // As the bottom layer and as an upper layer: the same merged result.
    for image in [
        TestImage::new().layer(dup()).build(),
        TestImage::new()
            .layer(TestLayer::new().file("pkgs/dup", b"0\n"))
            .layer(dup())
            .build(),
    ] {
        let scan = run_scan(&image.source, ScanLimits::default()).unwrap();
        assert_eq!(names(&scan), vec!["became-file@3", "dup@2"]);
        // A file replacing a directory of the same layer removes its children, as
        // containerd's and Docker's layer appliers do.
        assert!(!scan.tree.exists("pkgs/became-file/inner"));
        assert_eq!(
            scan.tree.node("pkgs/became-dir").map(|n| &n.kind),
            Some(&stella_scan::image::EntryKind::Dir)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Corrupt and lying structure.

#[test]
fn a_bad_tar_checksum_is_a_layer_error() {
    let _s = serial();
    let mut tar = TestLayer::new().file("pkgs/a", b"1\n").tar();
    tar[0] ^= 0x01; // the name changes; the stored checksum no longer matches
    for blob in [tar.clone(), gzip(&tar)] {
        let source = image_with_raw_layer(blob);
        match run_scan(&source, ScanLimits::default()) {
            // The tar reader's own message (a library's text, not ours to type).
            Err(ScanError::Image(ImageError::Layer {
                reason: LayerProblem::Stream(e),
                ..
            })) => {
                assert!(e.to_string().contains("checksum"), "{e}")
            }
            other => panic!("{:?}", other.map(|s| names(&s))),
        }
    }
}

#[test]
fn blobs_that_do_not_match_their_digest_are_refused() {
    let _s = serial();
    let image = TestImage::new()
        .layer(TestLayer::new().file("pkgs/a", b"1\n"))
        .build();
    let built = image.images[0].clone();
    let expect_mismatch =
        |source: &MemoryImageSource, what: &str| match run_scan(source, ScanLimits::default()) {
            Err(ScanError::Core(CoreError::DigestMismatch { expected, actual })) => {
                assert_ne!(expected, actual, "{what}")
            }
            other => panic!("{what}: {:?}", other.map(|s| names(&s))),
        };
    // The manifest: same length, one byte changed.
    let mut source = image.source.clone();
    let mut manifest = image.blobs[&built.manifest.digest].clone();
    let pos = manifest.len() / 2;
    manifest[pos] ^= 0x20;
    source.tamper(&built.manifest.digest, manifest);
    expect_mismatch(&source, "manifest");
    // The config.
    let mut source = image.source.clone();
    let mut config = image.blobs[&built.config.digest].clone();
    config[1] ^= 0x20;
    source.tamper(&built.config.digest, config);
    expect_mismatch(&source, "config");
    // A layer replaced by another valid layer of the same length.
    let mut source = image.source.clone();
    let other = TestLayer::new().file("pkgs/b", b"1\n").blob().0;
    assert_eq!(other.len() as u64, built.layers[0].size);
    source.tamper(&built.layers[0].digest, other);
    expect_mismatch(&source, "layer");
}

/// A source that serves the same index for every digest without verifying: the only way an
/// index can reference itself, since a digest names its content.
#[derive(Debug)]
struct SelfReferencing(Vec<u8>);

impl ImageSource for SelfReferencing {
    fn root(&self) -> Result<Descriptor, CoreError> {
        Ok(Descriptor::new(
            MEDIA_TYPE_OCI_INDEX,
            Digest::of(&self.0),
            self.0.len() as u64,
        ))
    }
    fn blob(&self, _: &Digest) -> Result<Vec<u8>, CoreError> {
        Ok(self.0.clone())
    }
    fn open_blob(&self, _: &Digest) -> Result<Box<dyn Read + Send + '_>, CoreError> {
        Ok(Box::new(self.0.as_slice()))
    }
}

#[test]
fn an_index_that_references_itself_is_a_cycle() {
    let _s = serial();
    // The index names the digest the source serves it under (its root digest): find the
    // fixed point of the size field first.
    let index_for = |digest: Digest, size: usize| {
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": MEDIA_TYPE_OCI_INDEX,
            "manifests": [{"mediaType": MEDIA_TYPE_OCI_INDEX, "digest": digest.to_string(),
                           "size": size}]
        }))
        .unwrap()
    };
    // The root digest depends on the bytes, so the self-reference goes through a lying source
    // whose root names whatever digest the index states.
    #[derive(Debug)]
    struct Lying(Vec<u8>, Digest);
    impl ImageSource for Lying {
        fn root(&self) -> Result<Descriptor, CoreError> {
            Ok(Descriptor::new(
                MEDIA_TYPE_OCI_INDEX,
                self.1,
                self.0.len() as u64,
            ))
        }
        fn blob(&self, _: &Digest) -> Result<Vec<u8>, CoreError> {
            Ok(self.0.clone())
        }
        fn open_blob(&self, _: &Digest) -> Result<Box<dyn Read + Send + '_>, CoreError> {
            Ok(Box::new(self.0.as_slice()))
        }
    }
    let me = Digest::of(b"me");
    let mut size = 0;
    let bytes = loop {
        let b = index_for(me, size);
        if b.len() == size {
            break b;
        }
        size = b.len();
    };
    let (result, peak) =
        peak_of(|| resolve(&Lying(bytes.clone(), me), None, &ScanLimits::default()));
    match result {
        Err(ScanError::Image(ImageError::IndexCycle { digest })) => assert_eq!(digest, me),
        other => panic!("{other:?}"),
    }
    assert!(peak < MIB, "peak {peak}");
    // A source serving one index under every digest (a longer cycle): also caught.
    let other = index_for(Digest::of(b"other"), size);
    let err = resolve(&SelfReferencing(other), None, &ScanLimits::default()).unwrap_err();
    assert!(
        matches!(
            err,
            ScanError::Image(ImageError::IndexCycle { .. } | ImageError::Parse { .. })
        ),
        "{err:?}"
    );
}

#[test]
fn a_chain_of_nested_indexes_stops_at_the_depth_limit() {
    let _s = serial();
    let built = TestImage::new()
        .layer(TestLayer::new().file("pkgs/a", b"1\n"))
        .build();
    let mut source = built.source.clone();
    let mut top = built.root.clone();
    let wrap = |source: &mut MemoryImageSource, inner: &Descriptor| {
        let bytes = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": MEDIA_TYPE_OCI_INDEX,
            "manifests": [{"mediaType": inner.media_type, "digest": inner.digest.to_string(),
                           "size": inner.size,
                           "platform": {"os": "linux", "architecture": "amd64"}}]
        }))
        .unwrap();
        let size = bytes.len() as u64;
        let digest = source.add_blob(bytes);
        Descriptor::new(MEDIA_TYPE_OCI_INDEX, digest, size)
    };
    // Exactly max_index_depth (8) nested indexes resolve; a ninth is one too many.
    for _ in 0..8 {
        top = wrap(&mut source, &top);
    }
    source.set_root(MEDIA_TYPE_OCI_INDEX, top.digest);
    let resolved = resolve(&source, None, &ScanLimits::default()).unwrap();
    assert_eq!(resolved.manifest_digest, built.root.digest);
    top = wrap(&mut source, &top);
    source.set_root(MEDIA_TYPE_OCI_INDEX, top.digest);
    match resolve(&source, None, &ScanLimits::default()) {
        Err(ScanError::LimitExceeded {
            limit, max, actual, ..
        }) => assert_eq!((limit, max, actual), ("max_index_depth", 8, 9)),
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// What the scan sees must be what the runtime sees: entries written through symbolic links,
// databases behind linked directories, hard links, whiteouts through links (issue: hiding a
// package from the SBOM).

const VULNERABLE: &[u8] =
    b"Package: openssl\nStatus: install ok installed\nVersion: 3.0.2-0ubuntu1\nArchitecture: amd64\n";
const BENIGN: &[u8] =
    b"Package: benign\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n";

/// Scans with every cataloger and default limits (optionally through a cache).
fn scan_all(image: &dyn ImageSource, cache: Option<&stella_scan::LayerCache<'_>>) -> ImageScan {
    scan_image_detailed(
        image,
        &stella_scan::catalog::default_catalogers(),
        &ScanOptions {
            cache,
            ..ScanOptions::default()
        },
    )
    .unwrap()
}

/// (name@version, evidence path) of every package.
fn found_at(scan: &ImageScan) -> Vec<(String, String)> {
    scan.sbom
        .packages
        .iter()
        .map(|p| {
            (
                format!("{}@{}", p.name, p.version),
                p.evidence
                    .first()
                    .map(|e| e.path.clone())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

/// No path of the merged tree leaves the root or keeps a `.`/`..` component.
fn assert_inside_root(scan: &ImageScan) {
    for (path, _) in scan.tree.iter() {
        assert!(
            !path.starts_with('/') && path.split('/').all(|c| !matches!(c, "" | "." | "..")),
            "{path}"
        );
    }
}

/// Scans cold, then warm through a per-layer and chain cache, and checks both agree.
fn scan_cold_and_warm(image: &dyn ImageSource) -> ImageScan {
    let cold = scan_all(image, None);
    let store = stella_core::MemoryBlobStore::new();
    let cache = stella_scan::LayerCache::new(&store);
    let first = scan_all(image, Some(&cache));
    let sbom = stella_scan::engine::scan_image_sbom(
        image,
        &stella_scan::catalog::default_catalogers(),
        &ScanOptions {
            cache: Some(&cache),
            ..ScanOptions::default()
        },
    )
    .unwrap();
    assert!(sbom.stats.chain_cached);
    assert_eq!(first.sbom, cold.sbom);
    assert_eq!(sbom.sbom, cold.sbom);
    assert_inside_root(&cold);
    cold
}

#[test]
fn a_dpkg_status_written_through_a_symlinked_directory_is_found() {
    let _s = serial();
    // One layer: `x -> /var/lib/dpkg`, then `x/status`: extraction writes var/lib/dpkg/status.
    for target in ["/var/lib/dpkg", "var/lib/dpkg", "../../../var/lib/./dpkg/"] {
        let image = TestImage::new()
            .layer(
                TestLayer::new()
                    .dir("var/lib/dpkg")
                    .symlink("x", target)
                    .file("x/status", VULNERABLE),
            )
            .build();
        let scan = scan_cold_and_warm(&image.source);
        assert_eq!(
            found_at(&scan),
            [(
                "openssl@3.0.2-0ubuntu1".into(),
                "var/lib/dpkg/status".into()
            )],
            "{target}"
        );
        assert!(scan.tree.node("var/lib/dpkg/status").is_some());
        assert!(scan.tree.node("x/status").is_none());
    }
    // The link in a lower layer, the file written through it in an upper one.
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .dir("var/lib/dpkg")
                .symlink("x", "/var/lib/dpkg"),
        )
        .layer(TestLayer::new().file("x/status", VULNERABLE))
        .build();
    let scan = scan_cold_and_warm(&image.source);
    assert_eq!(names(&scan), ["openssl@3.0.2-0ubuntu1"]);
    assert_eq!(
        scan.sbom.packages[0].evidence[0].layer,
        Some(scan.sbom.image.layers[1])
    );
}

#[test]
fn a_benign_status_overwritten_through_a_symlink_is_replaced() {
    let _s = serial();
    // Same layer: the literal benign file first, the vulnerable one through an alias after.
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .file("var/lib/dpkg/status", BENIGN)
                .symlink("x", "/var/lib")
                .file("x/dpkg/status", VULNERABLE),
        )
        .build();
    assert_eq!(
        names(&scan_cold_and_warm(&image.source)),
        ["openssl@3.0.2-0ubuntu1"]
    );
    // Across layers, the alias made in the upper layer.
    let image = TestImage::new()
        .layer(TestLayer::new().file("var/lib/dpkg/status", BENIGN))
        .layer(
            TestLayer::new()
                .symlink("y", "var/lib/dpkg")
                .file("y/status", VULNERABLE),
        )
        .build();
    assert_eq!(
        names(&scan_cold_and_warm(&image.source)),
        ["openssl@3.0.2-0ubuntu1"]
    );
}

#[test]
fn a_dpkg_directory_that_is_a_symlink_is_read_through_it() {
    let _s = serial();
    // var/lib/dpkg -> /opt/db: dpkg reads /opt/db/status.
    let one = TestImage::new()
        .layer(
            TestLayer::new()
                .symlink("var/lib/dpkg", "/opt/db")
                .file("opt/db/status", VULNERABLE),
        )
        .build();
    // The link added by an upper layer over a lower layer's directory of files.
    let two = TestImage::new()
        .layer(TestLayer::new().file("opt/db/status", VULNERABLE))
        .layer(TestLayer::new().symlink("var/lib/dpkg", "../../opt/db"))
        .build();
    // Linked twice: var -> v, v/lib/dpkg -> /v/lib/hidden.
    let three = TestImage::new()
        .layer(
            TestLayer::new()
                .symlink("var", "v")
                .symlink("v/lib/dpkg", "/v/lib/hidden")
                .file("v/lib/hidden/status", VULNERABLE),
        )
        .build();
    for image in [one, two, three] {
        let scan = scan_cold_and_warm(&image.source);
        assert_eq!(
            found_at(&scan),
            [(
                "openssl@3.0.2-0ubuntu1".into(),
                "var/lib/dpkg/status".into()
            )]
        );
    }
}

#[test]
fn a_status_that_is_a_link_to_a_file_the_cataloger_does_not_read_is_read() {
    let _s = serial();
    // A hard link, a symbolic link, and a distroless status.d entry hard-linked.
    let hard = TestImage::new()
        .layer(
            TestLayer::new()
                .file("opt/blob", VULNERABLE)
                .hardlink("var/lib/dpkg/status", "opt/blob"),
        )
        .build();
    let soft = TestImage::new()
        .layer(
            TestLayer::new()
                .file("opt/blob", VULNERABLE)
                .symlink("var/lib/dpkg/status", "../../../opt/blob"),
        )
        .build();
    let status_d = TestImage::new()
        .layer(TestLayer::new().file("opt/blob", VULNERABLE))
        .layer(TestLayer::new().hardlink("var/lib/dpkg/status.d/openssl", "/opt/blob"))
        .build();
    for image in [hard, soft, status_d] {
        assert_eq!(
            names(&scan_cold_and_warm(&image.source)),
            ["openssl@3.0.2-0ubuntu1"]
        );
    }
    // A hard link keeps the bytes it was made with when its target is replaced afterwards
    // (the runtime's inode), in the same layer and in a later one.
    let same_layer = TestImage::new()
        .layer(
            TestLayer::new()
                .file("opt/blob", VULNERABLE)
                .hardlink("var/lib/dpkg/status", "opt/blob")
                .file("opt/blob", BENIGN),
        )
        .build();
    let later = TestImage::new()
        .layer(
            TestLayer::new()
                .file("opt/blob", VULNERABLE)
                .hardlink("var/lib/dpkg/status", "opt/blob"),
        )
        .layer(TestLayer::new().file("opt/blob", BENIGN))
        .build();
    for image in [same_layer, later] {
        assert_eq!(
            names(&scan_cold_and_warm(&image.source)),
            ["openssl@3.0.2-0ubuntu1"]
        );
    }
}

#[test]
fn whiteouts_apply_at_the_path_they_resolve_to() {
    let _s = serial();
    // A whiteout through a linked directory removes the lower file it resolves to.
    let image = TestImage::new()
        .layer(TestLayer::new().file("var/lib/dpkg/status", VULNERABLE))
        .layer(
            TestLayer::new()
                .symlink("w", "/var/lib/dpkg")
                .whiteout("w/status"),
        )
        .build();
    let scan = scan_cold_and_warm(&image.source);
    assert!(names(&scan).is_empty(), "{:?}", names(&scan));
    // A directory that replaces a lower link is where a later whiteout applies; the link's
    // target keeps its file (as containerd leaves it).
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .symlink("x", "/var/lib/dpkg")
                .file("var/lib/dpkg/status", VULNERABLE),
        )
        .layer(TestLayer::new().dir("x").whiteout("x/status"))
        .build();
    assert_eq!(
        names(&scan_cold_and_warm(&image.source)),
        ["openssl@3.0.2-0ubuntu1"]
    );
}

#[test]
fn other_catalogers_databases_behind_links_are_found() {
    let _s = serial();
    let metadata = b"Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\n";
    let package_json = br#"{"name":"lodash","version":"4.17.15"}"#;
    let apk = b"P:musl\nV:1.2.3-r0\nA:x86_64\n\n";
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .file("opt/meta/METADATA", metadata)
                .file("opt/node/package.json", package_json)
                .file("opt/apk/installed", apk),
        )
        .layer(
            TestLayer::new()
                .symlink(
                    "usr/lib/python3/site-packages/requests-2.19.0.dist-info",
                    "/opt/meta",
                )
                .symlink("app/node_modules/lodash", "/opt/node")
                .symlink("lib/apk/db", "/opt/apk"),
        )
        .build();
    let scan = scan_cold_and_warm(&image.source);
    let mut got = names(&scan);
    got.sort();
    assert_eq!(got, ["lodash@4.17.15", "musl@1.2.3-r0", "requests@2.19.0"]);
}

#[test]
fn a_shared_upper_layer_means_what_its_lower_layers_make_it_mean() {
    let _s = serial();
    // The same upper layer over two different bottoms, through one cache: per-layer records
    // must not carry one image's view into the other.
    let upper = TestLayer::new().file("x/status", VULNERABLE);
    let linked = TestImage::new()
        .layer(TestLayer::new().symlink("x", "/var/lib/dpkg"))
        .layer(upper.clone())
        .build();
    let plain = TestImage::new()
        .layer(TestLayer::new().dir("x"))
        .layer(upper)
        .build();
    let store = stella_core::MemoryBlobStore::new();
    let cache = stella_scan::LayerCache::new(&store);
    for _ in 0..2 {
        assert_eq!(
            names(&scan_all(&linked.source, Some(&cache))),
            ["openssl@3.0.2-0ubuntu1"]
        );
        assert!(names(&scan_all(&plain.source, Some(&cache))).is_empty());
    }
}

#[test]
fn links_used_to_place_entries_stay_inside_the_root_and_loops_end() {
    let _s = serial();
    let mut layer = TestLayer::new()
        // Climbing out lands at the root.
        .symlink("up", "../../../../..")
        .file("up/var/lib/dpkg/status", VULNERABLE)
        // Loops: the entry stays at its literal path (extraction would fail there).
        .symlink("a", "b")
        .symlink("b", "a")
        .file("a/status", BENIGN)
        .symlink("self", "self/x")
        .file("self/y", BENIGN)
        // Names made of links to the root and to a directory itself end too.
        .symlink("r1", "/")
        .symlink("r2", "/")
        .symlink("d/again", ".");
    // A chain of 300 links (over the 255 extraction follows).
    for i in 0..300 {
        layer = layer.symlink(&format!("c/l{i}"), &format!("l{}", i + 1));
    }
    layer = layer
        .symlink("c/l300", "/var/lib/dpkg")
        .file("c/l0/status.d/x", BENIGN);
    let image = TestImage::new().layer(layer).build();
    let start = std::time::Instant::now();
    let scan = scan_cold_and_warm(&image.source);
    assert!(start.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(
        found_at(&scan),
        [(
            "openssl@3.0.2-0ubuntu1".into(),
            "var/lib/dpkg/status".into()
        )]
    );
    assert!(scan.tree.node("a/status").is_some());
}

#[test]
fn too_many_link_hops_or_names_are_typed_errors() {
    let _s = serial();
    let mut layer = TestLayer::new()
        .dir("var/lib/dpkg")
        .symlink("x", "/var/lib/dpkg");
    for i in 0..50 {
        layer = layer.file(&format!("x/status.d/p{i}"), BENIGN);
    }
    let image = TestImage::new().layer(layer).build();
    let limits = ScanLimits {
        max_link_hops: 10,
        ..ScanLimits::default()
    };
    assert_eq!(
        limit_of(scan_defaults(&image.source, limits)).0,
        "max_link_hops"
    );
    // Ten links to the root give every file millions of names: the budget stops it.
    let mut layer = TestLayer::new().file("opt/f", BENIGN);
    for i in 0..10 {
        layer = layer.symlink(&format!("r{i}"), "/");
    }
    let image = TestImage::new().layer(layer).build();
    let result = scan_defaults(
        &image.source,
        ScanLimits {
            max_alias_paths: 10_000,
            ..ScanLimits::default()
        },
    );
    assert_eq!(limit_of(result).0, "max_alias_paths");
}

// ---------------------------------------------------------------------------------------------
// Memory kept for the catalogers, and archive inflation, per image.

#[test]
fn metadata_kept_for_catalogers_has_one_budget_for_the_image() {
    let _s = serial();
    // 12 status.d files of 1 MiB in two layers against a 4 MiB budget.
    let big = padded_to_mib(BENIGN);
    let mut lower = TestLayer::new();
    let mut upper = TestLayer::new();
    for i in 0..6 {
        lower = lower.file(&format!("var/lib/dpkg/status.d/a{i}"), &big);
        upper = upper.file(&format!("var/lib/dpkg/status.d/b{i}"), &big);
    }
    let image = TestImage::new().layer(lower).layer(upper).build();
    let limits = ScanLimits {
        max_retained_bytes: 4 * MIB as u64,
        ..ScanLimits::default()
    };
    let result = scan_defaults(&image.source, limits);
    assert_eq!(limit_of(result).0, "max_retained_bytes");
}

#[test]
fn hard_links_to_one_big_metadata_file_share_one_copy() {
    let _s = serial();
    // 100 status.d hard links to one 1 MiB file: kept once, handed over 100 times.
    let big = padded_to_mib(VULNERABLE);
    let mut layer = TestLayer::new().file("var/lib/dpkg/status.d/openssl", &big);
    for i in 0..100 {
        layer = layer.hardlink(
            &format!("var/lib/dpkg/status.d/l{i}"),
            "var/lib/dpkg/status.d/openssl",
        );
    }
    let image = TestImage::new().layer(layer).build();
    let (scan, peak) = peak_of(|| scan_all(&image.source, None));
    assert_eq!(scan.sbom.packages.len(), 101);
    // The old engine copied the file once per link (over 100 MiB).
    assert!(peak < 48 * MIB, "peak {peak}");
    // Read once per link, the bytes handed over count against the same budget: 101 MiB of
    // parsing from a 1 MiB file is over a 32 MiB budget although 1 MiB is kept.
    let limits = ScanLimits {
        max_retained_bytes: 32 * MIB as u64,
        ..ScanLimits::default()
    };
    let result = scan_defaults(&image.source, limits);
    assert_eq!(limit_of(result).0, "max_retained_bytes");
}

/// A jar holding `nested` entries `lib/n{i}.jar` that deflate to almost nothing and inflate
/// to a jar of `each` stored zeros, which the cataloger inflates to walk it.
fn jar_bomb(nested: usize, each: usize) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let inner = {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        w.start_file("zeros", stored).unwrap();
        w.write_all(&vec![0u8; each]).unwrap();
        w.finish().unwrap().into_inner()
    };
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..nested {
        w.start_file(
            format!("lib/n{i}.jar"),
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
        w.write_all(&inner).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn many_jar_bombs_stop_at_the_images_archive_budget() {
    let _s = serial();
    // 40 jars each inflating 8 nested jars of 1 MiB: 320 MiB in all, against 64 MiB.
    let bomb = jar_bomb(8, MIB);
    let mut layer = TestLayer::new();
    for i in 0..40 {
        layer = layer.file(&format!("app/lib/bomb{i}.jar"), &bomb);
    }
    let image = TestImage::new().layer(layer).build();
    let limits = ScanLimits {
        max_archive_bytes: 64 * MIB as u64,
        ..ScanLimits::default()
    };
    let options = ScanOptions {
        limits: limits.clone(),
        ..ScanOptions::default()
    };
    let result = scan_image_detailed(
        &image.source,
        &stella_scan::catalog::default_catalogers(),
        &options,
    );
    assert_eq!(limit_of(result).0, "max_archive_bytes");
    // Entries too.
    let limits = ScanLimits {
        max_archive_entries: 100,
        ..ScanLimits::default()
    };
    let result = scan_defaults(&image.source, limits);
    assert_eq!(limit_of(result).0, "max_archive_entries");
    // Warm (the layer's record from the cache) fails as cold does.
    let store = stella_core::MemoryBlobStore::new();
    let cache = stella_scan::LayerCache::new(&store);
    let roomy = ScanOptions {
        cache: Some(&cache),
        ..ScanOptions::default()
    };
    scan_image_detailed(
        &image.source,
        &stella_scan::catalog::default_catalogers(),
        &roomy,
    )
    .unwrap();
    let tight = ScanOptions {
        cache: Some(&cache),
        limits: ScanLimits {
            max_archive_bytes: 64 * MIB as u64,
            ..ScanLimits::default()
        },
        ..ScanOptions::default()
    };
    let result = scan_image_detailed(
        &image.source,
        &stella_scan::catalog::default_catalogers(),
        &tight,
    );
    assert_eq!(limit_of(result).0, "max_archive_bytes");
}

// ---------------------------------------------------------------------------------------------
// A package database padded past max_file_bytes must not be skipped: skipped, it would hide
// every package it lists (from the SBOM, the scan and the gate).

#[test]
fn a_package_database_over_max_file_bytes_fails_the_scan_instead_of_hiding_its_packages() {
    let _s = serial();
    // A real status stanza followed by blank padding dpkg reads past: 2 KiB over a 1 KiB limit.
    let mut status = VULNERABLE.to_vec();
    status.resize(2048, b'\n');
    let limits = ScanLimits {
        max_file_bytes: 1024,
        ..ScanLimits::default()
    };
    let cases: [(&str, &[u8]); 4] = [
        ("var/lib/dpkg/status", &status),
        ("lib/apk/db/installed", &[b'\n'; 2048]),
        (
            "usr/lib/python3/dist-packages/x-1.0.dist-info/METADATA",
            &[b'\n'; 2048],
        ),
        ("usr/lib/node_modules/x/package.json", &[b' '; 2048]),
    ];
    for (path, data) in cases {
        let image = TestImage::new()
            .layer(TestLayer::new().file(path, data))
            .build();
        let result = scan_defaults(&image.source, limits.clone());
        match result {
            Err(ScanError::LimitExceeded {
                limit,
                max,
                actual,
                input,
            }) => {
                assert_eq!(
                    (limit, max, actual),
                    ("max_file_bytes", 1024, 2048),
                    "{path}"
                );
                assert_eq!(input, path);
            }
            other => panic!(
                "{path}: expected max_file_bytes, got {:?}",
                other.map(|s| names(&s))
            ),
        }
    }
    // A file no package database is (here a Go-binary-sized blob the Lines test cataloger
    // wants) is still skipped with a note and the scan goes on.
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .file("pkgs/big", &[b'a'; 2048])
                .file("pkgs/small", b"small@1\n"),
        )
        .build();
    let scan = run_scan(&image.source, limits).unwrap();
    assert!(
        scan.sbom
            .notes
            .iter()
            .any(|n| n.contains("pkgs/big") && n.contains("max_file_bytes")),
        "{:?}",
        scan.sbom.notes
    );
}

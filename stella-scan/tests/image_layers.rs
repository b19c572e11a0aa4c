#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Layer walking and the image model: compression, whiteouts, links, hostile paths, platform
//! selection, digest verification and limits — on images built in code.

mod engine_support;

use std::io::Read;

use engine_support::{found, lines};
use stella_core::{
    CoreError, Descriptor, Digest, ImageSource, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST,
    MemoryImageSource,
};
use stella_scan::engine::{ScanOptions, scan_image, scan_image_detailed};
use stella_scan::image::{Platform, resolve};
use stella_scan::testing::{TestImage, TestIndex, TestLayer};
use stella_scan::{ImageError, ScanError, ScanLimits};

fn names(sbom: &stella_scan::Sbom) -> Vec<String> {
    sbom.packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect()
}

#[test]
fn gzip_zstd_and_plain_layers_give_the_same_packages() {
    let layer = || {
        TestLayer::new()
            .dir("pkgs")
            .file("pkgs/alpha", b"1.0\n")
            .file("pkgs/beta", b"2.0\n")
    };
    let mut results = Vec::new();
    for l in [layer().gzip(), layer().zstd(), layer().uncompressed()] {
        let image = TestImage::new().layer(l).build();
        let sbom = scan_image(&image.source, &lines(), &ScanOptions::default()).unwrap();
        results.push(names(&sbom));
    }
    assert_eq!(results[0], vec!["alpha@1.0", "beta@2.0"]);
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], results[2]);
}

#[test]
fn compression_is_detected_by_magic_not_media_type() {
    // A gzip layer labelled as a plain tar still reads.
    let image = TestImage::new()
        .layer(TestLayer::new().file("pkgs/a", b"1\n").gzip())
        .build();
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&image.source.blob(&image.root.digest).unwrap()).unwrap();
    manifest["layers"][0]["mediaType"] = "application/vnd.oci.image.layer.v1.tar".into();
    let mut source = image.source.clone();
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let digest = source.add_blob(bytes);
    source.set_root(MEDIA_TYPE_OCI_MANIFEST, digest);
    let sbom = scan_image(&source, &lines(), &ScanOptions::default()).unwrap();
    assert_eq!(names(&sbom), vec!["a@1"]);
}

#[test]
fn whiteouts_and_opaque_directories_apply_in_layer_order() {
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .file("pkgs/gone", b"1\n")
                .file("pkgs/kept", b"1\n")
                .file("pkgs/replaced", b"1\n")
                .file("pkgs/sub/inner", b"1\n")
                .file("pkgs/opq/old", b"1\n"),
        )
        .layer(
            TestLayer::new()
                .whiteout("pkgs/gone")
                .whiteout("pkgs/sub")
                .opaque("pkgs/opq")
                .file("pkgs/opq/new", b"2\n")
                .file("pkgs/replaced", b"2\n")
                .zstd(),
        )
        .layer(
            TestLayer::new()
                // Re-added above a whiteout: visible again, from layer 2.
                .file("pkgs/gone", b"3\n")
                .uncompressed(),
        )
        .build();
    let scan = scan_image_detailed(&image.source, &lines(), &ScanOptions::default()).unwrap();
    let got = found(&scan.sbom);
    assert_eq!(
        got,
        vec![
            ("gone".into(), "3".into(), "pkgs/gone".into(), Some(2)),
            ("kept".into(), "1".into(), "pkgs/kept".into(), Some(0)),
            ("new".into(), "2".into(), "pkgs/opq/new".into(), Some(1)),
            (
                "replaced".into(),
                "2".into(),
                "pkgs/replaced".into(),
                Some(1)
            ),
        ]
    );
    assert!(!scan.tree.exists("pkgs/sub/inner"));
    assert!(!scan.tree.exists("pkgs/opq/old"));
    assert!(scan.tree.exists("pkgs/opq/new"));
}

#[test]
fn whiteout_does_not_hide_files_of_its_own_layer() {
    let image = TestImage::new()
        .layer(TestLayer::new().file("pkgs/x", b"1\n"))
        .layer(TestLayer::new().file("pkgs/x", b"2\n").whiteout("pkgs/x"))
        .build();
    let sbom = scan_image(&image.source, &lines(), &ScanOptions::default()).unwrap();
    assert_eq!(names(&sbom), vec!["x@2"]);
}

#[test]
fn symlinked_os_release_and_hard_links_resolve_inside_the_root() {
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .dir("usr/lib")
                .file(
                    "usr/lib/os-release",
                    b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
                )
                .symlink("etc/os-release", "../usr/lib/os-release")
                .file_mode("pkgs/real", b"7.1\n", 0o755)
                .hardlink("pkgs/linked", "pkgs/real")
                .symlink("pkgs/loop1", "loop2")
                .symlink("pkgs/loop2", "loop1")
                .symlink("escape", "../../../../../etc/shadow"),
        )
        .build();
    let scan = scan_image_detailed(&image.source, &lines(), &ScanOptions::default()).unwrap();
    let os = scan.sbom.os.clone().unwrap();
    assert_eq!(os.id, "debian");
    assert_eq!(os.version_id.as_deref(), Some("12"));
    assert_eq!(os.version_codename.as_deref(), Some("bookworm"));
    assert_eq!(names(&scan.sbom), vec!["linked@7.1", "real@7.1"]);
    assert_eq!(scan.sbom.packages[0].metadata["os"], "debian");
    assert_eq!(scan.sbom.packages[0].metadata["mode"], "755");
    assert_eq!(scan.tree.resolve("pkgs/loop1", true, 40), None);
    // The escaping link lands on the image's own etc/shadow, which does not exist.
    assert_eq!(scan.tree.resolve("escape", true, 40), None);
}

#[test]
fn hostile_tar_names_are_neutralized() {
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .raw_file(b"../../../pkgs/dotdot", b"1\n")
                .raw_file(b"/pkgs/absolute", b"2\n")
                .raw_file(b"./pkgs/./dotted", b"3\n"),
        )
        .build();
    let scan = scan_image_detailed(&image.source, &lines(), &ScanOptions::default()).unwrap();
    let paths: Vec<&str> = scan.tree.iter().map(|(p, _)| p).collect();
    assert_eq!(paths, vec!["pkgs/absolute", "pkgs/dotdot", "pkgs/dotted"]);
    assert_eq!(
        names(&scan.sbom),
        vec!["absolute@2", "dotdot@1", "dotted@3"]
    );
}

fn three_platforms() -> TestIndex {
    TestIndex::new()
        .image(TestImage::new().layer(TestLayer::new().file("pkgs/amd", b"1\n")))
        .image(
            TestImage::new()
                .platform(Platform::parse("linux/arm64/v8").unwrap())
                .layer(TestLayer::new().file("pkgs/arm", b"1\n").zstd()),
        )
        .image(
            TestImage::new()
                .platform(Platform::parse("linux/s390x").unwrap())
                .layer(TestLayer::new().file("pkgs/s390x", b"1\n")),
        )
}

#[test]
fn multi_platform_index_defaults_to_linux_amd64_and_is_selectable() {
    for nested in [false, true] {
        let index = if nested {
            three_platforms().nested().build()
        } else {
            three_platforms().build()
        };
        let default = scan_image(&index.source, &lines(), &ScanOptions::default()).unwrap();
        assert_eq!(names(&default), vec!["amd@1"]);
        assert_eq!(default.image.platform.as_deref(), Some("linux/amd64"));
        assert_eq!(
            default.image.manifest_digest,
            Some(index.images[0].manifest.digest)
        );
        let options = ScanOptions {
            platform: Some(Platform::parse("linux/arm64").unwrap()),
            ..ScanOptions::default()
        };
        let arm = scan_image(&index.source, &lines(), &options).unwrap();
        assert_eq!(names(&arm), vec!["arm@1"]);
        assert_eq!(arm.image.platform.as_deref(), Some("linux/arm64/v8"));
        let options = ScanOptions {
            platform: Some(Platform::parse("windows/amd64").unwrap()),
            ..ScanOptions::default()
        };
        match scan_image(&index.source, &lines(), &options) {
            Err(ScanError::Image(ImageError::NoMatchingPlatform { available, .. })) => {
                assert_eq!(available, "linux/amd64, linux/arm64/v8, linux/s390x")
            }
            other => panic!("expected NoMatchingPlatform, got {other:?}"),
        }
    }
}

#[test]
fn config_fields_are_parsed() {
    let config = stella_scan::image::ContainerConfig {
        entrypoint: Some(vec!["/bin/app".into()]),
        cmd: Some(vec!["--serve".into()]),
        env: Some(vec!["PATH=/usr/bin".into()]),
        working_dir: Some("/srv".into()),
        user: Some("1000:1000".into()),
        ..Default::default()
    };
    let image = TestImage::new()
        .config(config.clone())
        .docker_media_types()
        .layer(TestLayer::new().file("a", b""))
        .layer(TestLayer::new().file("b", b""))
        .build();
    let resolved = resolve(&image.source, None, &ScanLimits::default()).unwrap();
    assert_eq!(resolved.config.config, Some(config));
    assert_eq!(resolved.config.rootfs.diff_ids.len(), 2);
    assert_eq!(resolved.config.history.len(), 2);
    assert_eq!(
        resolved.config.rootfs.diff_ids[1],
        Digest::of(&image.images[0].layer_tars[1])
    );
}

/// A source that serves one fixed index for every digest and does not verify: the only way
/// an index can refer to itself, since digests name content.
#[derive(Debug)]
struct LyingSource(Vec<u8>);

impl ImageSource for LyingSource {
    fn root(&self) -> Result<Descriptor, CoreError> {
        Ok(Descriptor::new(
            MEDIA_TYPE_OCI_INDEX,
            Digest::of(b"root"),
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
fn index_cycles_are_rejected() {
    // Find the size that makes the claimed size equal to the served length.
    let mut len = 0;
    let bytes = loop {
        let index = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": MEDIA_TYPE_OCI_INDEX,
            "manifests": [{"mediaType": MEDIA_TYPE_OCI_INDEX, "digest": Digest::of(b"root").to_string(), "size": len}]
        });
        let bytes = serde_json::to_vec(&index).unwrap();
        if bytes.len() == len {
            break bytes;
        }
        len = bytes.len();
    };
    let err = resolve(&LyingSource(bytes), None, &ScanLimits::default()).unwrap_err();
    assert!(
        matches!(err, ScanError::Image(ImageError::IndexCycle { .. })),
        "{err:?}"
    );
}

#[test]
fn oversize_claims_are_rejected_before_reading() {
    let mut source = MemoryImageSource::new();
    let config = source.add_blob(b"{}".to_vec());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_TYPE_OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config.to_string(), "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": Digest::of(b"x").to_string(), "size": 1u64 << 63}]
    });
    let m = source.add_blob(serde_json::to_vec(&manifest).unwrap());
    source.set_root(MEDIA_TYPE_OCI_MANIFEST, m);
    let err = resolve(&source, None, &ScanLimits::default()).unwrap_err();
    assert!(
        matches!(err, ScanError::Image(ImageError::Oversize { size, .. }) if size == 1 << 63),
        "{err:?}"
    );
    // An index claiming a huge manifest.
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": MEDIA_TYPE_OCI_MANIFEST, "digest": m.to_string(), "size": 1u64 << 63}]
    });
    let i = source.add_blob(serde_json::to_vec(&index).unwrap());
    source.set_root(MEDIA_TYPE_OCI_INDEX, i);
    let err = resolve(&source, None, &ScanLimits::default()).unwrap_err();
    assert!(
        matches!(err, ScanError::Image(ImageError::Oversize { .. })),
        "{err:?}"
    );
}

#[test]
fn a_tampered_layer_is_a_digest_error() {
    let image = TestImage::new()
        .layer(TestLayer::new().file("pkgs/a", b"1\n").uncompressed())
        .build();
    let layer = image.images[0].layers[0].clone();
    let mut source = image.source.clone();
    // Same length, still a valid tar, different bytes: only the digest can tell.
    let mut tampered = image.blobs[&layer.digest].clone();
    let pos = tampered.windows(3).position(|w| w == b"1\n\0").unwrap();
    tampered[pos] = b'9';
    assert_eq!(tampered.len() as u64, layer.size);
    source.tamper(&layer.digest, tampered);
    let err = scan_image(&source, &lines(), &ScanOptions::default()).unwrap_err();
    assert!(
        matches!(err, ScanError::Core(CoreError::DigestMismatch { .. })),
        "{err:?}"
    );
}

#[test]
fn a_truncated_layer_is_an_error() {
    let image = TestImage::new()
        .layer(TestLayer::new().file("pkgs/a", b"1\n"))
        .build();
    let layer = image.images[0].layers[0].clone();
    let mut source = image.source.clone();
    let blob = &image.blobs[&layer.digest];
    source.tamper(&layer.digest, blob[..blob.len() / 2].to_vec());
    assert!(scan_image(&source, &lines(), &ScanOptions::default()).is_err());
}

fn limit_of(err: ScanError) -> &'static str {
    match err {
        ScanError::LimitExceeded { limit, .. } => limit,
        other => panic!("expected LimitExceeded, got {other:?}"),
    }
}

#[test]
fn limits_are_typed_errors_naming_the_limit() {
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .file("pkgs/a", &[b'x'; 4096])
                .file("pkgs/b", b"1\n")
                .file("deep/a/b/c/d/e/f", b""),
        )
        .build();
    let run = |limits: ScanLimits| {
        scan_image(
            &image.source,
            &lines(),
            &ScanOptions {
                limits,
                ..ScanOptions::default()
            },
        )
    };
    let base = ScanLimits::default;
    assert_eq!(
        limit_of(
            run(ScanLimits {
                max_entries: 2,
                ..base()
            })
            .unwrap_err()
        ),
        "max_entries"
    );
    assert_eq!(
        limit_of(
            run(ScanLimits {
                max_layer_bytes: 1024,
                ..base()
            })
            .unwrap_err()
        ),
        "max_layer_bytes"
    );
    assert_eq!(
        limit_of(
            run(ScanLimits {
                max_image_bytes: 1024,
                ..base()
            })
            .unwrap_err()
        ),
        "max_image_bytes"
    );
    assert_eq!(
        limit_of(
            run(ScanLimits {
                max_path_depth: 4,
                ..base()
            })
            .unwrap_err()
        ),
        "max_path_depth"
    );
    assert_eq!(
        limit_of(
            run(ScanLimits {
                max_path_bytes: 10,
                ..base()
            })
            .unwrap_err()
        ),
        "max_path_bytes"
    );
    // One file over max_file_bytes is skipped with a note; the scan goes on.
    let sbom = run(ScanLimits {
        max_file_bytes: 100,
        ..base()
    })
    .unwrap();
    assert_eq!(names(&sbom), vec!["b@1"]);
    assert!(
        sbom.notes
            .iter()
            .any(|n| n.contains("pkgs/a") && n.contains("max_file_bytes")),
        "{:?}",
        sbom.notes
    );
}

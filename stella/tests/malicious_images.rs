#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The malicious-image corpus for the on-disk readers (OCI layout directory, OCI archive,
//! `docker save` archive): hostile layers and archive members give a typed error or the correct
//! result, and nothing is ever written — the whole temporary directory (the image and a
//! sentinel `outside/` next to it, which hostile names aim at) is byte-for-byte unchanged after
//! each scan. The layer-level cases (bombs, a million files, deep paths, whiteouts, index
//! cycles) are in `stella-scan/tests/malicious_images.rs`, over the same layer walk.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use stella::image::testing::{write_docker_archive, write_oci_archive, write_oci_layout};
use stella::image::{ImageRef, OpenedImage, open_image};
use stella_core::{CoreError, Digest};
use stella_scan::catalog::default_catalogers;
use stella_scan::engine::{ImageScan, ScanOptions, scan_image_detailed};
use stella_scan::testing::{BuiltImage, TestImage, TestLayer};
use stella_scan::{ImageError, ScanError};

/// Every file, directory and link under `root` with its contents (links: their target), so a
/// scan that wrote, removed or changed anything is seen.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for item in std::fs::read_dir(&dir).unwrap() {
            let item = item.unwrap();
            let path = item.path();
            let kind = item.file_type().unwrap();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if kind.is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.insert(rel, format!("-> {}", target.display()).into_bytes());
            } else if kind.is_dir() {
                out.insert(rel, b"<dir>".to_vec());
                pending.push(path);
            } else {
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// A temporary directory with `outside/passwd` (what traversal names aim at) and room for the
/// image.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("outside")).unwrap();
        std::fs::write(dir.path().join("outside/passwd"), b"host:x:0:0\n").unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Opens and scans `reference` with the default catalogers, asserting nothing under the
    /// sandbox changed.
    fn scan(&self, reference: &str) -> Result<ImageScan, ScanError> {
        let before = snapshot(self.dir.path());
        let result = (|| {
            let OpenedImage::Image(source) = open_image(&ImageRef::parse(reference)?)? else {
                panic!("{reference} opened as a root filesystem");
            };
            scan_image_detailed(
                source.as_ref(),
                &default_catalogers(),
                &ScanOptions::default(),
            )
        })();
        assert_eq!(
            snapshot(self.dir.path()),
            before,
            "scanning {reference} changed the filesystem"
        );
        result
    }
}

/// A hostile image: traversal and absolute names, links out of the root, a link loop, a
/// duplicate entry, and an os-release reached through a symlink.
fn hostile_image() -> BuiltImage {
    TestImage::new()
        .layer(
            TestLayer::new()
                .raw_file(b"../../outside/passwd", b"overwritten\n")
                .raw_file(b"/outside/abs", b"absolute\n")
                .raw_file(b"../../../../../../../../tmp/stella-escape", b"x\n")
                .symlink("escape", "../../../outside")
                .symlink("abs-escape", "/../../outside/passwd")
                .hardlink("hard-escape", "../../outside/passwd")
                .symlink("loop-a", "loop-b")
                .symlink("loop-b", "loop-a")
                .file(
                    "usr/lib/os-release",
                    b"ID=alpine\nVERSION_ID=3.20.0\nPRETTY_NAME=\"Alpine\"\n",
                )
                .symlink("etc/os-release", "../../../../usr/lib/os-release")
                .file("lib/apk/db/installed", b"P:busybox\nV:1.0-r0\nA:x86_64\n\n")
                .file("lib/apk/db/installed", APK_DB),
        )
        .build()
}

const APK_DB: &[u8] = b"P:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\n\n";

fn check_hostile_scan(scan: &ImageScan) {
    let paths: Vec<&str> = scan.tree.iter().map(|(p, _)| p).collect();
    assert!(
        paths
            .iter()
            .all(|p| !p.starts_with('/') && !p.contains(".."))
    );
    assert!(paths.contains(&"outside/passwd") && paths.contains(&"tmp/stella-escape"));
    // The image's own "outside/passwd", never the host's.
    assert_eq!(
        scan.tree.resolve_file("hard-escape", 40).map(|(p, _)| p),
        Some("outside/passwd".to_owned())
    );
    assert_eq!(scan.tree.resolve("loop-a", true, 40), None);
    assert_eq!(scan.sbom.os.as_ref().map(|o| o.id.as_str()), Some("alpine"));
    // The duplicate apk database: the last entry wins.
    let packages: Vec<String> = scan
        .sbom
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    assert_eq!(packages, vec!["musl@1.2.5-r0"]);
    assert!(!Path::new("/tmp/stella-escape").exists());
}

#[test]
fn hostile_layers_in_an_oci_layout_write_nothing() {
    let sandbox = Sandbox::new();
    let image = hostile_image();
    write_oci_layout(&sandbox.path("layout"), &image.root, &image.blobs).unwrap();
    let scan = sandbox
        .scan(&format!("oci-dir:{}", sandbox.path("layout").display()))
        .unwrap();
    check_hostile_scan(&scan);
}

#[test]
fn hostile_layers_in_an_oci_archive_write_nothing() {
    let sandbox = Sandbox::new();
    let image = hostile_image();
    write_oci_archive(&sandbox.path("image.tar"), &image.root, &image.blobs).unwrap();
    let scan = sandbox
        .scan(&format!(
            "oci-archive:{}",
            sandbox.path("image.tar").display()
        ))
        .unwrap();
    check_hostile_scan(&scan);
}

#[test]
fn hostile_layers_in_a_docker_archive_write_nothing() {
    let sandbox = Sandbox::new();
    let image = hostile_image();
    let built = image.image().unwrap();
    write_docker_archive(
        &sandbox.path("docker.tar"),
        &built.config_bytes,
        &built.layer_tars,
        "evil:latest",
    )
    .unwrap();
    let scan = sandbox
        .scan(&format!(
            "docker-archive:{}",
            sandbox.path("docker.tar").display()
        ))
        .unwrap();
    check_hostile_scan(&scan);
}

/// A docker archive whose `manifest.json` names its config and layers with paths out of the
/// archive: names are normalized inside the archive, so they name members that do not exist.
#[test]
fn docker_manifest_paths_out_of_the_archive_are_refused() {
    let sandbox = Sandbox::new();
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    for (config_name, layers) in [
        ("../../outside/passwd", vec![]),
        ("/outside/passwd", vec![]),
        ("config.json", vec!["../../outside/passwd"]),
    ] {
        let path = sandbox.path("manifest.tar");
        let mut builder = tar::Builder::new(std::fs::File::create(&path).unwrap());
        let mut append = |name: &str, data: &[u8]| {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            builder.append_data(&mut h, name, data).unwrap();
        };
        let manifest = serde_json::to_vec(&serde_json::json!([
            {"Config": config_name, "RepoTags": ["x:y"], "Layers": layers}
        ]))
        .unwrap();
        append("manifest.json", &manifest);
        append("config.json", config);
        builder.into_inner().unwrap().flush().unwrap();
        match sandbox.scan(&format!("docker-archive:{}", path.display())) {
            Err(ScanError::Core(CoreError::Backend { .. }))
            | Err(ScanError::Image(ImageError::Layer { .. })) => {}
            other => panic!("{config_name} {layers:?}: {:?}", other.map(|s| s.sbom)),
        }
        std::fs::remove_file(&path).unwrap();
    }
}

/// A layout whose blob file is a symbolic link to a host file: the host bytes are read but do
/// not match the digest, so they are refused, not used.
#[test]
fn a_layout_blob_linked_to_a_host_file_is_a_digest_mismatch() {
    let sandbox = Sandbox::new();
    let image = TestImage::new()
        .layer(TestLayer::new().file("etc/hostname", b"box\n"))
        .build();
    let layout = sandbox.path("layout");
    write_oci_layout(&layout, &image.root, &image.blobs).unwrap();
    let config = image.image().unwrap().config.digest;
    let blob = layout.join("blobs/sha256").join(config.hex());
    std::fs::remove_file(&blob).unwrap();
    std::os::unix::fs::symlink(sandbox.path("outside/passwd"), &blob).unwrap();
    match sandbox.scan(&format!("oci-dir:{}", layout.display())) {
        Err(ScanError::Core(CoreError::DigestMismatch { expected, actual })) => {
            assert_eq!(expected, config);
            assert_eq!(actual, Digest::of(b"host:x:0:0\n"));
        }
        other => panic!("{:?}", other.map(|s| s.sbom)),
    }
}

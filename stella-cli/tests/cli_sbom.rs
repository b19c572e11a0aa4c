#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella sbom` from the command line, for every input form: an image built in code and
//! written to disk as an OCI layout, an OCI archive, a docker-save archive and a root
//! filesystem directory.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use stella::image::testing::{write_docker_archive, write_oci_archive, write_oci_layout};
use stella_scan::image::Platform;
use stella_scan::testing::{BuiltImage, TestImage, TestIndex, TestLayer};

const OS_RELEASE: &[u8] =
    b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";

const DPKG_STATUS: &[u8] = b"Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12000
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries

Package: zlib1g
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 160
Maintainer: Mark Brown <broonie@debian.org>
Architecture: amd64
Source: zlib
Version: 1:1.2.13.dfsg-1
Depends: libc6 (>= 2.14)
Description: compression library - runtime

Package: removed-pkg
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 1
Maintainer: Nobody <nobody@example.org>
Architecture: amd64
Version: 1.0
Description: whited out by the top layer
";

const METADATA: &[u8] =
    b"Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache-2.0\nSummary: HTTP\n";

/// (path, contents, mode) of the merged root filesystem the layered image gives.
fn rootfs_files() -> Vec<(&'static str, Vec<u8>, u32)> {
    let status = String::from_utf8(DPKG_STATUS.to_vec()).unwrap();
    let status = status
        .split("\n\nPackage: removed-pkg")
        .next()
        .unwrap()
        .to_owned()
        + "\n";
    vec![
        ("usr/lib/os-release", OS_RELEASE.to_vec(), 0o644),
        ("var/lib/dpkg/status", status.into_bytes(), 0o644),
        (
            "usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA",
            METADATA.to_vec(),
            0o644,
        ),
    ]
}

fn layered_image() -> TestImage {
    let status = String::from_utf8(DPKG_STATUS.to_vec()).unwrap();
    let without_removed = status
        .split("\n\nPackage: removed-pkg")
        .next()
        .unwrap()
        .to_owned()
        + "\n";
    TestImage::new()
        .layer(
            TestLayer::new()
                .dir("usr/lib")
                .file("usr/lib/os-release", OS_RELEASE)
                .symlink("etc/os-release", "../usr/lib/os-release")
                .file("var/lib/dpkg/status", DPKG_STATUS)
                .file(
                    "tmp/junk/pkg-1.0.dist-info/METADATA",
                    b"Name: junk\nVersion: 1\n",
                ),
        )
        .layer(
            TestLayer::new()
                .file("var/lib/dpkg/status", without_removed.as_bytes())
                .whiteout("tmp/junk")
                .zstd(),
        )
        .layer(
            TestLayer::new()
                .file(
                    "usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA",
                    METADATA,
                )
                .uncompressed(),
        )
}

/// [`layered_image`] written as an OCI layout in `dir/layout`.
fn layered_layout(dir: &Path) -> (BuiltImage, PathBuf) {
    let image = layered_image().build();
    let layout = dir.join("layout");
    write_oci_layout(&layout, &image.root, &image.blobs).unwrap();
    (image, layout)
}

fn write_all_forms(dir: &Path, image: &BuiltImage) -> Vec<String> {
    let layout = dir.join("layout");
    write_oci_layout(&layout, &image.root, &image.blobs).unwrap();
    let oci_archive = dir.join("image.oci.tar");
    write_oci_archive(&oci_archive, &image.root, &image.blobs).unwrap();
    let docker = dir.join("image.docker.tar");
    let first = image.image().unwrap();
    write_docker_archive(
        &docker,
        &first.config_bytes,
        &first.layer_tars,
        "test:latest",
    )
    .unwrap();
    let rootfs = dir.join("rootfs");
    for (path, data, _) in rootfs_files() {
        let p = rootfs.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
    std::fs::create_dir_all(rootfs.join("etc")).unwrap();
    std::os::unix::fs::symlink("../usr/lib/os-release", rootfs.join("etc/os-release")).unwrap();
    vec![
        format!("oci-dir:{}", layout.display()),
        layout.display().to_string(),
        format!("oci-archive:{}", oci_archive.display()),
        oci_archive.display().to_string(),
        format!("docker-archive:{}", docker.display()),
        docker.display().to_string(),
        format!("dir:{}", rootfs.display()),
        rootfs.display().to_string(),
    ]
}

fn sbom(args: &[&str]) -> serde_json::Value {
    let out = Command::cargo_bin("stella")
        .unwrap()
        .arg("sbom")
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stella sbom {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn components(doc: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "library")
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["version"].as_str().unwrap_or_default().to_owned(),
                c["purl"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_input_form_gives_the_same_packages() {
    let dir = tempfile::tempdir().unwrap();
    let image = layered_image().build();
    let forms = write_all_forms(dir.path(), &image);
    let mut first: Option<Vec<(String, String, String)>> = None;
    for form in &forms {
        let doc = sbom(&[form, "-o", "cyclonedx-json"]);
        assert_eq!(doc["bomFormat"], "CycloneDX");
        assert_eq!(doc["specVersion"], "1.6");
        let found = components(&doc);
        let names: Vec<&str> = found.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(names, vec!["libc6", "requests", "zlib1g"], "{form}");
        assert!(
            found.iter().any(|(n, v, p)| n == "zlib1g"
                && v == "1:1.2.13.dfsg-1"
                && p.starts_with("pkg:deb/debian/zlib1g")),
            "{form}: {found:?}"
        );
        match &first {
            None => first = Some(found),
            Some(f) => assert_eq!(f, &found, "{form}"),
        }
    }
}

#[test]
fn same_image_gives_identical_bytes_and_spdx_goes_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let (image, layout) = layered_layout(dir.path());
    let run = |format: &str, out: &Path| {
        Command::cargo_bin("stella")
            .unwrap()
            .args([
                "sbom",
                layout.to_str().unwrap(),
                "-o",
                format,
                "--output-file",
            ])
            .arg(out)
            .env_remove("SOURCE_DATE_EPOCH")
            .assert()
            .success();
        std::fs::read(out).unwrap()
    };
    let a = run("spdx-json", &dir.path().join("a.spdx.json"));
    let b = run("spdx-json", &dir.path().join("b.spdx.json"));
    assert_eq!(a, b);
    let doc: serde_json::Value = serde_json::from_slice(&a).unwrap();
    let text = doc.to_string();
    assert!(text.contains("\"libc6\""), "{text}");
    assert!(text.contains("2.31.0"));
    let c = run("cyclonedx-json", &dir.path().join("a.cdx.json"));
    let d = run("cyclonedx-json", &dir.path().join("b.cdx.json"));
    assert_eq!(c, d);
    let doc: serde_json::Value = serde_json::from_slice(&c).unwrap();
    assert!(
        doc["metadata"]["component"]
            .to_string()
            .contains(&image.root.digest.to_string())
            || doc
                .to_string()
                .contains(&image.images[0].manifest.digest.to_string())
    );
}

#[test]
fn platform_flag_picks_from_a_multi_platform_layout() {
    let dir = tempfile::tempdir().unwrap();
    let arm_status = b"Package: arm-only\nStatus: install ok installed\nArchitecture: arm64\nVersion: 3.0\nMaintainer: A <a@example.org>\nDescription: x\n";
    let index = TestIndex::new()
        .image(layered_image())
        .image(
            TestImage::new()
                .platform(Platform::parse("linux/arm64").unwrap())
                .layer(
                    TestLayer::new()
                        .file("etc/os-release", OS_RELEASE)
                        .file("var/lib/dpkg/status", arm_status)
                        .zstd(),
                ),
        )
        .build();
    let layout = dir.path().join("layout");
    write_oci_layout(&layout, &index.root, &index.blobs).unwrap();
    let path = layout.to_str().unwrap();
    let amd: Vec<String> = components(&sbom(&[path]))
        .into_iter()
        .map(|c| c.0)
        .collect();
    assert_eq!(amd, vec!["libc6", "requests", "zlib1g"]);
    let arm: Vec<String> = components(&sbom(&[path, "--platform", "linux/arm64"]))
        .into_iter()
        .map(|c| c.0)
        .collect();
    assert_eq!(arm, vec!["arm-only"]);
    fails_with(&[path, "--platform", "linux/riscv64"], "linux/riscv64");
}

/// Runs `stella sbom ARGS` and checks it exits 2 with `needle` on stderr.
fn fails_with(args: &[&str], needle: &str) {
    let out = Command::cargo_bin("stella")
        .unwrap()
        .arg("sbom")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(needle), "{args:?}: {stderr}");
}

#[test]
fn errors_name_the_input_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    fails_with(
        &["registry:example.org/app@sha256:abc"],
        "invalid image reference",
    );
    let missing = dir.path().join("nope");
    fails_with(&[missing.to_str().unwrap()], "nope");
    // A layout whose layer blob was altered on disk: the digest check stops the scan.
    let (image, layout) = layered_layout(dir.path());
    let layer = &image.images[0].layers[2]; // the uncompressed one
    let blob_path = layout.join("blobs/sha256").join(layer.digest.hex());
    let mut bytes = std::fs::read(&blob_path).unwrap();
    // Change file contents only (not a tar header), so only the digest can tell.
    let pos = bytes
        .windows(15)
        .position(|w| w == b"Version: 2.31.0")
        .unwrap();
    bytes[pos + 9] = b'9';
    std::fs::write(&blob_path, bytes).unwrap();
    fails_with(&[layout.to_str().unwrap()], "does not match its digest");
}

#[test]
fn cache_dir_rescans_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (image, layout) = layered_layout(dir.path());
    let cache = dir.path().join("cache");
    let run = || {
        let out = Command::cargo_bin("stella")
            .unwrap()
            .args(["sbom", layout.to_str().unwrap(), "--cache-dir"])
            .arg(&cache)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let uncached = sbom(&[layout.to_str().unwrap()]);
    let cold = run();
    let index = std::fs::read_to_string(cache.join("layer-cache-index")).unwrap();
    assert!(index.starts_with("sha256:"), "{index}");
    let blobs = std::fs::read_dir(cache.join("blobs/sha256"))
        .unwrap()
        .count();
    // One result per layer, one for the chain of layers, plus the index.
    assert_eq!(blobs, image.images[0].layers.len() + 2);
    let warm = run();
    assert_eq!(cold, warm);
    let warm: serde_json::Value = serde_json::from_slice(&warm).unwrap();
    assert_eq!(components(&warm), components(&uncached));
    // A corrupt pointer is a warning, not a failure.
    std::fs::write(cache.join("layer-cache-index"), "garbage").unwrap();
    assert_eq!(run(), cold);
}

/// The chain record (a whole image's result) answers a rescan with the same bytes in both
/// formats; edited on disk, it stops the scan with the store's digest error.
#[test]
fn cache_dir_chain_record_gives_the_same_bytes_and_is_verified() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (_, layout) = layered_layout(dir.path());
    let cache = dir.path().join("cache");
    let run = |format: &str| {
        Command::cargo_bin("stella")
            .unwrap()
            .args([
                "sbom",
                layout.to_str().unwrap(),
                "-o",
                format,
                "--cache-dir",
            ])
            .arg(&cache)
            .output()
            .unwrap()
    };
    for format in ["cyclonedx-json", "spdx-json"] {
        let uncached = Command::cargo_bin("stella")
            .unwrap()
            .args(["sbom", layout.to_str().unwrap(), "-o", format])
            .output()
            .unwrap();
        assert!(uncached.status.success());
        for _ in 0..2 {
            let out = run(format);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(out.stdout, uncached.stdout, "{format}");
        }
    }
    let record = std::fs::read_dir(cache.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            std::fs::read(p)
                .unwrap()
                .starts_with(b"stella-scan/chain-result/v3\n")
        })
        .expect("a chain record in the cache");
    let mut bytes = std::fs::read(&record).unwrap();
    let pos = bytes.windows(8).position(|w| w == b"requests").unwrap();
    bytes[pos] = b'R';
    std::fs::set_permissions(&record, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&record, bytes).unwrap();
    let out = run("cyclonedx-json");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not match its digest"), "{stderr}");
}

#[test]
fn an_output_file_that_is_not_a_regular_file_is_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let (_, layout) = layered_layout(dir.path());
    // A FIFO stands for /dev/null or a terminal: the atomic rename used for regular files
    // would replace the node itself (as root, `--output-file /dev/null` made /dev/null a file).
    let fifo = dir.path().join("out.fifo");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    Command::cargo_bin("stella")
        .unwrap()
        .args(["sbom", layout.to_str().unwrap(), "--output-file"])
        .arg(&fifo)
        .assert()
        .success();
    // Checked before joining: had the FIFO been replaced, the reader would wait forever.
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO is still a FIFO");
    let bytes = reader.join().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["bomFormat"], "CycloneDX");
}

/// The SBOM names the image without any local path: no byte of the directory the inputs sit
/// in appears in either format, whatever the input form; `--name` names it and its purl.
#[test]
fn no_host_path_appears_in_the_sbom() {
    let dir = tempfile::tempdir().unwrap();
    let image = layered_image().build();
    let forms = write_all_forms(dir.path(), &image);
    let host = dir.path().display().to_string();
    let tmp_name = dir.path().file_name().unwrap().to_str().unwrap().to_owned();
    for form in &forms {
        for format in ["cyclonedx-json", "spdx-json"] {
            let out = Command::cargo_bin("stella")
                .unwrap()
                .args(["sbom", form, "-o", format])
                .env("SOURCE_DATE_EPOCH", "1700000000")
                .output()
                .unwrap();
            assert!(out.status.success(), "{form}");
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(
                !text.contains(&host),
                "{form} {format}: host path in the SBOM"
            );
            assert!(
                !text.contains(&tmp_name),
                "{form} {format}: temp dir name in the SBOM"
            );
        }
        let doc = sbom(&[form]);
        let name = doc["metadata"]["component"]["name"].as_str().unwrap();
        assert!(!name.contains('/'), "{form}: {name}");
        if form.contains("docker") {
            // A docker archive is named by its RepoTags.
            assert_eq!(name, "test:latest", "{form}");
        } else if form.contains("rootfs") {
            assert_eq!(name, "rootfs", "{form}");
        }
    }
    let layout = format!("oci-dir:{}", dir.path().join("layout").display());
    let doc = sbom(&[&layout, "--name", "registry.example/team/app:1.2"]);
    let component = &doc["metadata"]["component"];
    assert_eq!(component["name"], "registry.example/team/app:1.2");
    let purl = component["purl"].as_str().unwrap();
    assert!(
        purl.starts_with(&format!("pkg:oci/app@{}", image.images[0].manifest.digest)),
        "{purl}"
    );
    assert!(purl.ends_with("?arch=amd64&tag=1.2"), "{purl}");

    // A layout's ref.name annotation names the image (index.json is not content-addressed).
    let index_path = dir.path().join("layout/index.json");
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    index["manifests"][0]["annotations"] =
        serde_json::json!({"org.opencontainers.image.ref.name": "stella-test"});
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    let doc = sbom(&[&layout]);
    assert_eq!(doc["metadata"]["component"]["name"], "stella-test");
    assert!(
        doc["metadata"]["component"]["purl"]
            .as_str()
            .unwrap()
            .starts_with("pkg:oci/stella-test@sha256:")
    );
}

/// `--quality` reports the NTIA minimum elements on stderr and leaves the document alone.
#[test]
fn quality_flag_reports_coverage_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let (_, layout) = layered_layout(dir.path());
    let path = layout.to_str().unwrap();
    let plain = Command::cargo_bin("stella")
        .unwrap()
        .args(["sbom", path])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    let out = Command::cargo_bin("stella")
        .unwrap()
        .args(["sbom", path, "--quality"])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, plain.stdout);
    let report = String::from_utf8(out.stderr).unwrap();
    assert!(report.contains("over 3 components"), "{report}");
    // libc6 and zlib1g have a Maintainer; requests names nobody.
    let supplier: Vec<&str> = report
        .lines()
        .find(|l| l.trim_start().starts_with("supplier"))
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(supplier.get(1), Some(&"2/3"), "{report}");
    assert!(report.contains("timestamp"), "{report}");
}

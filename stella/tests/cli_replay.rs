//! `stella replay`: identical bytes proved, a changed snapshot refused, a difference located.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use stella::image::testing::write_oci_layout;
use stella_scan::testing::{TestImage, TestLayer};

// The same fixture as cli_scan.rs: an OCI layout with a Debian glibc and a PyPI requests, and a
// snapshot of a DSA-modelled record plus the real PyPA requests records.
const PYPA_REQUESTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/data/osv/pypa/vulns/requests"
);

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
Version: 2.36-9+deb12u1
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
Description: compression library - runtime
";

const METADATA: &[u8] =
    b"Metadata-Version: 2.1\nName: requests\nVersion: 2.19.1\nLicense: Apache-2.0\nSummary: HTTP\n";

/// Modelled on DSA-5514-1 (glibc, CVE-2023-4911, fixed in bookworm in 2.36-9+deb12u3).
const DSA: &str = r#"{"id":"DSA-5514-1","modified":"2023-10-03T00:00:00Z","aliases":["CVE-2023-4911"],
 "summary":"glibc - security update",
 "affected":[{"package":{"ecosystem":"Debian:12","name":"glibc"},
 "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.36-9+deb12u3"}]}]}]}"#;

fn stella() -> Command {
    Command::cargo_bin("stella").unwrap()
}

/// Writes the test image (OCI layout) and a snapshot; returns (image dir, snapshot path).
fn fixture(dir: &Path) -> (PathBuf, PathBuf) {
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .file("etc/os-release", OS_RELEASE)
                .file("var/lib/dpkg/status", DPKG_STATUS),
        )
        .layer(TestLayer::new().file(
            "usr/local/lib/python3.11/site-packages/requests-2.19.1.dist-info/METADATA",
            METADATA,
        ))
        .build();
    let layout = dir.join("layout");
    write_oci_layout(&layout, &image.root, &image.blobs).unwrap();
    let osv = dir.join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    std::fs::write(osv.join("DSA-5514-1.json"), DSA).unwrap();
    let snap = dir.join("snap.db");
    let r = stella()
        .args([
            "db",
            "build",
            osv.to_str().unwrap(),
            PYPA_REQUESTS,
            "--output",
        ])
        .arg(&snap)
        .args(["--date", "2024-06-01T00:00:00Z"])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    (layout, snap)
}

fn scan_with_manifest(t: &std::path::Path, layout: &str, snap: &str) -> (String, String) {
    let result = t.join("findings.json");
    let manifest = t.join("scan.manifest.json");
    let r = stella()
        .args(["scan", layout, "--db", snap, "-o", "json", "--output-file"])
        .arg(&result)
        .arg("--manifest")
        .arg(&manifest)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    (result.display().to_string(), manifest.display().to_string())
}

#[test]
fn replay_proves_identical_bytes() {
    let t = tempfile::tempdir().unwrap();
    let (layout, snap) = fixture(t.path());
    let (_, manifest) =
        scan_with_manifest(t.path(), layout.to_str().unwrap(), snap.to_str().unwrap());
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    assert!(m["image_digest"].as_str().unwrap().starts_with("sha256:"));
    assert!(m["db_digest"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(m["db_date"], "2024-06-01T00:00:00Z");
    for _ in 0..3 {
        let r = stella().args(["replay", &manifest]).output().unwrap();
        assert_eq!(
            r.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&r.stderr)
        );
        assert!(String::from_utf8_lossy(&r.stdout).starts_with("identical"));
    }
}

#[test]
fn replay_refuses_another_snapshot() {
    let t = tempfile::tempdir().unwrap();
    let (layout, snap) = fixture(t.path());
    let (_, manifest) =
        scan_with_manifest(t.path(), layout.to_str().unwrap(), snap.to_str().unwrap());
    let other = t.path().join("other.db");
    let r = stella()
        .args([
            "db",
            "build",
            snap.parent().unwrap().join("osv").to_str().unwrap(),
            "--output",
        ])
        .arg(&other)
        .args(["--date", "2024-07-01T00:00:00Z"])
        .output()
        .unwrap();
    assert!(r.status.success());
    let r = stella()
        .args(["replay", &manifest, "--db"])
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("not the pinned snapshot"), "{err}");
}

#[test]
fn replay_locates_the_first_difference() {
    let t = tempfile::tempdir().unwrap();
    let (layout, snap) = fixture(t.path());
    let (result, manifest) =
        scan_with_manifest(t.path(), layout.to_str().unwrap(), snap.to_str().unwrap());
    // Pretend the pinned run produced other bytes: change the result file and its pin.
    let original = std::fs::read_to_string(&result).unwrap();
    let changed = original.replacen("CVE-2023-32681", "CVE-2023-99999", 1);
    let offset = original.find("CVE-2023-32681").unwrap();
    std::fs::write(&result, &changed).unwrap();
    let m = std::fs::read_to_string(&manifest).unwrap();
    let v: serde_json::Value = serde_json::from_str(&m).unwrap();
    let old = v["result_digest"].as_str().unwrap();
    let new = stella_core::Digest::of(changed.as_bytes()).to_string();
    std::fs::write(&manifest, m.replace(old, &new)).unwrap();
    let r = stella().args(["replay", &manifest]).output().unwrap();
    assert_eq!(
        r.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(out.starts_with("different"), "{out}");
    assert!(
        out.contains(&format!("first difference at byte {}", offset + 9)),
        "{out}"
    );
}

//! Shared fixture of `cli_scan.rs` and `cli_replay.rs`: an OCI layout with a Debian glibc and
//! a PyPI requests, and a snapshot of a DSA-modelled record plus the real PyPA requests records.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use stella::image::testing::write_oci_layout;
use stella_scan::testing::{TestImage, TestLayer};

pub const PYPA_REQUESTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/osv/pypa/vulns/requests"
);

pub const OS_RELEASE: &[u8] =
    b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";

pub const DPKG_STATUS: &[u8] = b"Package: libc6
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

pub const METADATA: &[u8] =
    b"Metadata-Version: 2.1\nName: requests\nVersion: 2.19.1\nLicense: Apache-2.0\nSummary: HTTP\n";

/// Modelled on DSA-5514-1 (glibc, CVE-2023-4911, fixed in bookworm in 2.36-9+deb12u3).
pub const DSA: &str = r#"{"id":"DSA-5514-1","modified":"2023-10-03T00:00:00Z","aliases":["CVE-2023-4911"],
 "summary":"glibc - security update",
 "affected":[{"package":{"ecosystem":"Debian:12","name":"glibc"},
 "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.36-9+deb12u3"}]}]}]}"#;

pub fn stella() -> Command {
    Command::cargo_bin("stella").unwrap()
}

/// Writes the test image (OCI layout) and a snapshot; returns (image dir, snapshot path).
pub fn fixture(dir: &Path) -> (PathBuf, PathBuf) {
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

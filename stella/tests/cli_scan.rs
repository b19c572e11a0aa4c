//! `stella scan` from the command line: an image built in code (OCI layout) and the SBOM
//! `stella sbom` writes for it give the same findings; json, sarif and table outputs; errors.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use stella::image::testing::write_oci_layout;
use stella_scan::testing::{TestImage, TestLayer};

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

fn scan(args: &[&str]) -> Vec<u8> {
    let out = stella().arg("scan").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "stella scan {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn image_and_its_sbom_give_the_same_findings() {
    let t = tempfile::tempdir().unwrap();
    let (layout, snap) = fixture(t.path());
    let (layout, snap) = (layout.to_str().unwrap(), snap.to_str().unwrap());
    let from_image: serde_json::Value =
        serde_json::from_slice(&scan(&[layout, "--db", snap, "-o", "json"])).unwrap();
    let ids: Vec<(String, String)> = from_image["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["package"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        vec![
            ("CVE-2018-18074".to_owned(), "requests".to_owned()),
            ("CVE-2023-32681".to_owned(), "requests".to_owned()),
            ("CVE-2023-4911".to_owned(), "libc6".to_owned()),
        ]
    );
    let libc = &from_image["findings"][2];
    assert_eq!(libc["package"]["source"]["name"], "glibc");
    assert_eq!(libc["status"], "under_investigation");
    assert_eq!(
        libc["evidence"]["locations"][0]["path"],
        "var/lib/dpkg/status"
    );
    assert!(
        libc["evidence"]["locations"][0]["layer"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert!(from_image["target"]["image_digest"].is_string());

    // our own CycloneDX SBOM of the image
    let sbom = stella()
        .args(["sbom", layout, "-o", "cyclonedx-json"])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert!(
        sbom.status.success(),
        "{}",
        String::from_utf8_lossy(&sbom.stderr)
    );
    let sbom_path = t.path().join("sbom.cdx.json");
    std::fs::write(&sbom_path, &sbom.stdout).unwrap();
    let from_sbom: serde_json::Value = serde_json::from_slice(&scan(&[
        "--sbom",
        sbom_path.to_str().unwrap(),
        "--db",
        snap,
        "-o",
        "json",
    ]))
    .unwrap();
    assert_eq!(from_sbom["findings"], from_image["findings"]);
    assert_eq!(
        from_sbom["target"]["image_digest"],
        from_image["target"]["image_digest"]
    );
    assert!(from_sbom["target"]["sbom_digest"].is_string());
}

#[test]
fn sarif_and_table_outputs() {
    let t = tempfile::tempdir().unwrap();
    let (layout, snap) = fixture(t.path());
    let out = t.path().join("r.sarif");
    scan(&[
        layout.to_str().unwrap(),
        "--db",
        snap.to_str().unwrap(),
        "-o",
        "sarif",
        "--output-file",
        out.to_str().unwrap(),
    ]);
    let sarif: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 3);
    let table = String::from_utf8(scan(&[
        layout.to_str().unwrap(),
        "--db",
        snap.to_str().unwrap(),
        "-o",
        "table",
    ]))
    .unwrap();
    assert!(table.starts_with("ID"), "{table}");
    assert!(
        table.contains("CVE-2023-4911") && table.contains("2.36-9+deb12u3"),
        "{table}"
    );
    assert!(table.contains("3 findings"), "{table}");
}

#[test]
fn errors_exit_2_with_the_input() {
    let t = tempfile::tempdir().unwrap();
    let (layout, snap) = fixture(t.path());
    // neither image nor SBOM
    let r = stella()
        .args(["scan", "--db", snap.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    // a missing snapshot
    let r = stella()
        .args(["scan", layout.to_str().unwrap(), "--db", "/nonexistent.db"])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("/nonexistent.db"));
    // an SBOM that is not one
    let junk = t.path().join("junk.json");
    std::fs::write(&junk, b"{\"hello\": 1}").unwrap();
    let r = stella()
        .args([
            "scan",
            "--sbom",
            junk.to_str().unwrap(),
            "--db",
            snap.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("junk.json") && err.contains("unrecognised"),
        "{err}"
    );
    // an image path that does not exist
    let r = stella()
        .args(["scan", "/nonexistent/image", "--db", snap.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("/nonexistent/image"));
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella scan` with the entry-trace: an image built in code whose entrypoint
//! `python3 /app/main.py` imports `requests`; its findings carry the chain (JSON `trace`, SARIF
//! `codeFlows`), and `--explain ID` prints it for a person.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use stella::image::testing::write_oci_layout;
use stella_scan::entrytrace::build_test_elf;
use stella_scan::image::ContainerConfig;
use stella_scan::testing::{TestImage, TestLayer};

const PYPA_REQUESTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/osv/pypa/vulns/requests"
);
const SITE: &str = "usr/local/lib/python3.11/site-packages";

fn stella() -> Command {
    Command::cargo_bin("stella").unwrap()
}

fn fixture(dir: &Path) -> (PathBuf, PathBuf) {
    let image = TestImage::new()
        .layer(
            TestLayer::new()
                .file_mode(
                    "usr/bin/python3.11",
                    &build_test_elf(None, &[], None, None),
                    0o755,
                )
                .symlink("usr/bin/python3", "python3.11")
                .file(
                    &format!("{SITE}/requests-2.19.1.dist-info/METADATA"),
                    b"Metadata-Version: 2.1\nName: requests\nVersion: 2.19.1\n",
                )
                .file(
                    &format!("{SITE}/requests-2.19.1.dist-info/RECORD"),
                    b"requests/__init__.py,,\nrequests-2.19.1.dist-info/METADATA,,\n",
                )
                .file(&format!("{SITE}/requests/__init__.py"), b"\n"),
        )
        .layer(TestLayer::new().file("app/main.py", b"import requests\n"))
        .config(ContainerConfig {
            entrypoint: Some(vec!["python3".into(), "/app/main.py".into()]),
            ..ContainerConfig::default()
        })
        .build();
    let layout = dir.join("layout");
    write_oci_layout(&layout, &image.root, &image.blobs).unwrap();
    let snap = dir.join("snap.db");
    let r = stella()
        .args(["db", "build", PYPA_REQUESTS, "--output"])
        .arg(&snap)
        .args(["--date", "2024-06-01T00:00:00Z"])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    (layout, snap)
}

fn scan(args: &[&str]) -> std::process::Output {
    stella().arg("scan").args(args).output().unwrap()
}

#[test]
fn findings_carry_the_chain_and_explain_prints_it() {
    let t = tempfile::tempdir().unwrap();
    let (layout, snap) = fixture(t.path());
    let (layout, snap) = (layout.to_str().unwrap(), snap.to_str().unwrap());

    let out = scan(&[layout, "--db", snap, "-o", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        assert_eq!(f["reachability"], "reachable", "{f}");
        let trace: Vec<&str> = f["trace"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(
            trace,
            vec![
                "/usr/bin/python3.11 (entrypoint python3)".to_string(),
                "/app/main.py (python3 /app/main.py)".to_string(),
                format!("/{SITE}/requests/__init__.py (line 1: import requests)"),
            ]
        );
    }
    let id = findings[0]["id"].as_str().unwrap().to_owned();

    let out = scan(&[layout, "--db", snap, "-o", "sarif"]);
    assert!(out.status.success());
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let flow = &sarif["runs"][0]["results"][0]["codeFlows"][0]["threadFlows"][0]["locations"];
    assert_eq!(flow.as_array().unwrap().len(), 3);
    assert_eq!(
        flow[1]["location"]["physicalLocation"]["artifactLocation"]["uri"],
        "app/main.py"
    );

    let out = scan(&[layout, "--db", snap, "--explain", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!("{id} in requests 2.19.1")),
        "{text}"
    );
    assert!(text.contains("reachable from the entrypoint"), "{text}");
    assert!(
        text.contains("  2. /app/main.py (python3 /app/main.py)"),
        "{text}"
    );

    let out = scan(&[layout, "--db", snap, "--explain", "NOPE-1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOPE-1"));
}

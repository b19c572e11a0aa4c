#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella replay`: identical bytes proved, a changed snapshot refused, a difference located.

mod common;
use common::{fixture, stella};

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

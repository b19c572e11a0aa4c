#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella db build` and `stella db info` from the command line.

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;

const GO_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/osv/go");

const REC_A: &str = r#"{"id":"GO-2099-0001","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2099-1"],
 "affected":[{"package":{"ecosystem":"Go","name":"example.com/mod"},
 "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.3"}]}]}]}"#;
const REC_B: &str = "id: PYSEC-2099-2\nmodified: 2024-02-01T00:00:00Z\naffected:\n- package:\n    ecosystem: PyPI\n    name: Thing\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: \"0\"\n    - fixed: \"2.0\"\n";
const BAD: &str = r#"{"id":"GO-2099-0003","modified":"last tuesday"}"#;

fn stella() -> Command {
    Command::cargo_bin("stella").unwrap()
}

fn write(path: &Path, data: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

fn build(args: &[&str]) -> std::process::Output {
    stella().arg("db").arg("build").args(args).output().unwrap()
}

#[test]
fn build_from_dir_zip_and_tar_gives_the_same_records() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    write(&src.join("go/GO-2099-0001.json"), REC_A.as_bytes());
    write(&src.join("pypa/thing/PYSEC-2099-2.yaml"), REC_B.as_bytes());
    write(&src.join("README.md"), b"not a record");
    // zip
    let zip_path = t.path().join("all.zip");
    {
        let f = std::fs::File::create(&zip_path).unwrap();
        let mut z = zip::ZipWriter::new(f);
        z.start_file(
            "GO-2099-0001.json",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        z.write_all(REC_A.as_bytes()).unwrap();
        z.start_file(
            "PYSEC-2099-2.yaml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        z.write_all(REC_B.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    // tar.gz
    let tgz_path = t.path().join("all.tar.gz");
    {
        let f = std::fs::File::create(&tgz_path).unwrap();
        let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
        let mut b = tar::Builder::new(gz);
        for (name, data) in [
            ("a/GO-2099-0001.json", REC_A),
            ("b/PYSEC-2099-2.yaml", REC_B),
        ] {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, data.as_bytes()).unwrap();
        }
        b.into_inner().unwrap().finish().unwrap();
    }
    let mut outputs = Vec::new();
    for (i, source) in [&src, &zip_path, &tgz_path].iter().enumerate() {
        let out = t.path().join(format!("snap{i}.db"));
        let r = build(&[source.to_str().unwrap(), "--output", out.to_str().unwrap()]);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let summary: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
        assert_eq!(summary["records"], 2);
        // no --date: the latest `modified`
        assert_eq!(summary["date"], "2024-02-01T00:00:00Z");
        outputs.push(std::fs::read(&out).unwrap());
    }
    // The same records from a tree, a zip and a tar.gz: the header names each source (so the
    // files differ), and `db diff` finds no record that differs.
    assert_ne!(outputs[0], outputs[1]);
    for i in 1..3 {
        let d = stella()
            .args(["db", "diff", "-o", "json"])
            .arg(t.path().join("snap0.db"))
            .arg(t.path().join(format!("snap{i}.db")))
            .output()
            .unwrap();
        assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stderr));
        let v: serde_json::Value = serde_json::from_slice(&d.stdout).unwrap();
        for k in ["added", "removed", "withdrawn", "changed"] {
            assert_eq!(v[k], serde_json::json!([]), "{k}");
        }
    }

    let info = stella()
        .args(["db", "info", t.path().join("snap0.db").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(info.status.success());
    let v: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    assert_eq!(v["records"], 2);
    assert_eq!(v["ecosystems"]["Go"], 1);
    assert_eq!(v["ecosystems"]["PyPI"], 1);
    assert!(v["digest"].as_str().unwrap().starts_with("sha256:"));
}

#[test]
fn strict_build_names_the_bad_record_and_lenient_counts_it() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    write(&src.join("GO-2099-0001.json"), REC_A.as_bytes());
    write(&src.join("GO-2099-0003.json"), BAD.as_bytes());
    let out = t.path().join("s.db");
    let r = build(&[src.to_str().unwrap(), "--output", out.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("GO-2099-0003") && err.contains("modified"),
        "{err}"
    );
    assert!(!out.exists());
    let r = build(&[
        src.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--lenient",
        "--date",
        "2025-01-01T00:00:00Z",
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(
        (summary["records"].as_u64(), summary["rejected"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(summary["date"], "2025-01-01T00:00:00Z");
}

#[test]
fn a_flipped_byte_fails_to_load() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("go.db");
    let r = build(&[
        GO_DIR,
        "--output",
        out.to_str().unwrap(),
        "--date",
        "2026-08-21T00:00:00Z",
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let mut bytes = std::fs::read(&out).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x20;
    let bad = t.path().join("bad.db");
    std::fs::write(&bad, &bytes).unwrap();
    let r = stella()
        .args(["db", "info", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("bad.db") && err.contains("digest mismatch"),
        "{err}"
    );
}

#[test]
fn bad_arguments_exit_2() {
    let t = tempfile::tempdir().unwrap();
    let r = build(&[
        "/nonexistent/osv",
        "--output",
        t.path().join("x").to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("/nonexistent/osv"));
    let r = build(&[
        GO_DIR,
        "--output",
        t.path().join("x").to_str().unwrap(),
        "--date",
        "soon",
    ]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("--date"));
}

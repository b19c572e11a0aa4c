#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella scan` from the command line: an image built in code (OCI layout) and the SBOM
//! `stella sbom` writes for it give the same findings; json, sarif and table outputs; errors.

mod common;
use common::*;

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

/// A credential pasted into an image reference is not echoed into the error (CI logs keep
/// stderr): `sbom`, `scan`, `run` and `attest` show the reference with userinfo redacted.
#[test]
fn errors_do_not_echo_credentials_in_image_references() {
    let t = tempfile::tempdir().unwrap();
    let (_, snap) = fixture(t.path());
    let key = t.path().join("k.pem");
    let db = snap.to_str().unwrap();
    for image in [
        "registry:me:s3cret@127.0.0.1:1/app:1",
        "registry:https://me:s3cret@127.0.0.1:1/app",
        "registry:me:s3c/ret@127.0.0.1:1/app",
        "docker:me:s3cret@host/app",
    ] {
        for args in [
            vec!["sbom", image],
            vec!["scan", image, "--db", db],
            vec!["attest", image, "--key", key.to_str().unwrap()],
        ] {
            let r = stella().args(&args).output().unwrap();
            let stderr = String::from_utf8_lossy(&r.stderr);
            assert_ne!(r.status.code(), Some(0), "{args:?}");
            assert!(
                !stderr.contains("s3c"),
                "{args:?} echoed the secret: {stderr}"
            );
        }
    }
}

/// Issue 21 (formats): the image, and its SBOM in every output format (CycloneDX JSON and XML,
/// SPDX 3.0.1, SPDX 2.3), give the same findings. The CycloneDX encodings give identical
/// findings documents; the SPDX ones carry what matching uses (purl, version, source package)
/// but not the evidence paths and cataloger, so the findings are compared without those.
#[test]
fn every_sbom_format_gives_the_findings_of_the_image() {
    let t = tempfile::tempdir().unwrap();
    let (layout, snap) = fixture(t.path());
    let (layout, snap) = (layout.to_str().unwrap(), snap.to_str().unwrap());
    let from_image: serde_json::Value =
        serde_json::from_slice(&scan(&[layout, "--db", snap, "-o", "json"])).unwrap();
    let findings = from_image["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    let without_evidence = |fs: &serde_json::Value| -> Vec<serde_json::Value> {
        fs.as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let mut f = f.clone();
                f.as_object_mut().unwrap().remove("evidence");
                f
            })
            .collect()
    };
    for (format, file) in [
        ("cyclonedx-json", "sbom.cdx.json"),
        ("cyclonedx-xml", "sbom.cdx.xml"),
        ("spdx-json", "sbom.spdx.json"),
        ("spdx-2.3-json", "sbom.spdx23.json"),
    ] {
        let sbom = stella()
            .args(["sbom", layout, "-o", format])
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .output()
            .unwrap();
        assert!(
            sbom.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&sbom.stderr)
        );
        let path = t.path().join(file);
        std::fs::write(&path, &sbom.stdout).unwrap();
        let out = stella()
            .args([
                "scan",
                "--sbom",
                path.to_str().unwrap(),
                "--db",
                snap,
                "-o",
                "json",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // strict reading: nothing was read past
        assert!(
            out.stderr.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        if format.starts_with("cyclonedx") {
            assert_eq!(got["findings"], from_image["findings"], "{format}");
            assert_eq!(
                got["target"]["image_digest"], from_image["target"]["image_digest"],
                "{format}"
            );
        } else {
            assert_eq!(
                without_evidence(&got["findings"]),
                without_evidence(&from_image["findings"]),
                "{format}"
            );
        }
    }
}

/// A schema-invalid SBOM is refused (exit 2, the JSON path named); `--lenient` reads it and
/// says how much it read past.
#[test]
fn an_invalid_sbom_is_refused_unless_lenient() {
    let t = tempfile::tempdir().unwrap();
    let (_, snap) = fixture(t.path());
    let bad = t.path().join("bad.cdx.json");
    std::fs::write(
        &bad,
        br#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
          {"type":"library","name":"requests","version":"2.19.1","purl":"pkg:pypi/requests@2.19.1",
           "hashes":[{"alg":"SHA-256","content":"not-hex"}]}]}"#,
    )
    .unwrap();
    let args = |lenient: bool| {
        let mut a = vec![
            "scan".to_owned(),
            "--sbom".to_owned(),
            bad.to_str().unwrap().to_owned(),
            "--db".to_owned(),
            snap.to_str().unwrap().to_owned(),
            "-o".to_owned(),
            "json".to_owned(),
        ];
        if lenient {
            a.push("--lenient".to_owned());
        }
        a
    };
    let r = stella().args(args(false)).output().unwrap();
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("/components/0/hashes/0/content") && err.contains("official schema"),
        "{err}"
    );
    let r = stella().args(args(true)).output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("read past 1 schema violation"), "{err}");
    let doc: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 2); // the two requests CVEs
}

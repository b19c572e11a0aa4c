#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! `stella::db::update` against a loopback HTTP server (127.0.0.1, port 0) that serves the real
//! feed fixtures (stella-vuln/tests/data/feeds, tests/vectors/csaf) in their published layouts,
//! and against the same layout mirrored into a directory.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use stella::db::build::DbBuild;
use stella::db::diff::diff;
use stella::db::update::{SourceSpec, UpdateError, UpdateOptions, update_source};
use stella_core::{Digest, Timestamp};
use stella_vuln::import::ImportMode;
use stella_vuln::snapshot::Snapshot;

const DATE: &str = "2024-10-01T00:00:00Z";

fn feeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../stella-vuln/tests/data/feeds")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(feeds_dir().join(rel)).unwrap()
}

fn suse_vex() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/vectors/csaf/suse-vex-cve-2024-7264.json"),
    )
    .unwrap()
}

fn go_all_zip() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for id in ["GO-2020-0012", "GO-2022-0636", "GO-2022-0649"] {
        w.start_file(
            format!("{id}.json"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        w.write_all(&read(&format!("osv/{id}.json"))).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The GHSA fixture tree as GitHub serves the repository tarball (one root directory).
fn ghsa_tarball() -> Vec<u8> {
    let root = feeds_dir().join("ghsa");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, format!("advisory-database-main/{name}"), data)
            .unwrap();
    };
    add("README.md", b"# GitHub Advisory Database\n");
    for rel in &files {
        add(rel, &std::fs::read(root.join(rel)).unwrap());
    }
    tar.into_inner().unwrap().finish().unwrap()
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(root, &p, out);
        } else {
            out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
        }
    }
}

/// The published layouts: path on the server → bytes.
fn layout(base: &str) -> BTreeMap<String, Vec<u8>> {
    let vex = suse_vex();
    let mut m = BTreeMap::new();
    m.insert("/Go/all.zip".into(), go_all_zip());
    m.insert(
        "/advisory-database/archive/refs/heads/main.tar.gz".into(),
        ghsa_tarball(),
    );
    m.insert(
        "/tracker/data/json".into(),
        read("debian/tracker-vunnel.json"),
    );
    m.insert("/v3.11/main.json".into(), read("alpine/v3.11/main.json"));
    m.insert("/v3.15/main.yaml".into(), read("alpine/v3.15/main.yaml"));
    m.insert(
        "/csaf/provider-metadata.json".into(),
        format!(
            r#"{{"canonical_url":"{base}/csaf/provider-metadata.json","distributions":[{{"directory_url":"{base}/csaf/vex"}}],"metadata_version":"2.0"}}"#
        )
        .into_bytes(),
    );
    m.insert(
        "/csaf/vex/index.txt".into(),
        b"2024/cve-2024-7264.json\n".to_vec(),
    );
    m.insert(
        "/csaf/vex/2024/cve-2024-7264.json.sha256".into(),
        format!("{}  cve-2024-7264.json\n", Digest::of(&vex).hex()).into_bytes(),
    );
    m.insert(
        "/csaf/vex/2024/cve-2024-7264.json.asc".into(),
        b"-----BEGIN PGP SIGNATURE-----\n".to_vec(),
    );
    m.insert("/csaf/vex/2024/cve-2024-7264.json".into(), vex);
    m
}

fn specs(base: &str) -> Vec<String> {
    vec![
        format!("osv={base}/Go/all.zip"),
        format!("ghsa={base}/advisory-database/archive/refs/heads/main.tar.gz"),
        format!("debian={base}/tracker/data/json"),
        format!("alpine={base}/v3.11/main.json"),
        format!("alpine={base}/v3.15/main.yaml"),
        format!("csaf={base}/csaf/provider-metadata.json"),
    ]
}

fn run(specs: &[String]) -> Result<(Snapshot, Vec<stella::db::update::SourceReport>), UpdateError> {
    let mut b = DbBuild::new(
        ImportMode::Strict,
        Some(Timestamp::parse_rfc3339(DATE).unwrap()),
    );
    let mut reports = Vec::new();
    for s in specs {
        let spec: SourceSpec = s.parse().unwrap();
        reports.push(update_source(&mut b, &spec, &UpdateOptions::default())?);
    }
    let built = b.finish()?;
    Ok((Snapshot::load(built.snapshot).unwrap(), reports))
}

fn ids(s: &Snapshot) -> Vec<String> {
    (0..s.len() as u32)
        .map(|i| s.record(i).unwrap().id.clone())
        .collect()
}

#[test]
fn update_over_http_reads_every_published_layout() {
    let base = serve_layout();
    let (snap, reports) = run(&specs(&base)).unwrap();
    let ids = ids(&snap);
    for want in [
        "GO-2022-0636",
        "GHSA-jf85-cpcp-j695",
        "DEBIAN-CVE-2022-0456",
        "ALPINE-CVE-2022-37434",
        "ALPINE-XSA-252",
        "SUSE-CVE-2024-7264",
    ] {
        assert!(ids.iter().any(|i| i == want), "{want} missing from {ids:?}");
    }
    // Every source is in the header, with the digest of what was served.
    let sources = &snap.info().sources;
    assert_eq!(sources.len(), 6);
    let debian = sources.iter().find(|s| s.feed == "debian").unwrap();
    assert_eq!(
        debian.digest,
        Digest::of(&read("debian/tracker-vunnel.json"))
    );
    assert_eq!(debian.name, format!("{base}/tracker/data/json"));
    assert_eq!(debian.date, DATE);
    assert_eq!(debian.records, 4);
    let osv = sources.iter().find(|s| s.feed == "osv").unwrap();
    assert_eq!(osv.digest, Digest::of(&go_all_zip()));
    assert_eq!(osv.records, 3);
    let ghsa = sources.iter().find(|s| s.feed == "ghsa").unwrap();
    assert_eq!(ghsa.records, 4);
    // The CSAF document's published SHA-256 was checked; its OpenPGP signature was not.
    let csaf = reports.iter().find(|r| r.feed == "csaf").unwrap();
    assert_eq!(
        (
            csaf.documents,
            csaf.digests_verified,
            csaf.unverified,
            csaf.signatures_not_checked
        ),
        (1, 1, 0, 1)
    );
    let csaf_source = sources.iter().find(|s| s.feed == "csaf").unwrap();
    assert_eq!(csaf_source.date, "2024-09-05T03:01:10Z");

    // The same layout mirrored into a directory gives the same records.
    let mirror = tempfile::tempdir().unwrap();
    for (path, bytes) in layout(&base) {
        let p = mirror.path().join(path.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let ghsa_clone = feeds_dir().join("ghsa");
    let m = |rel: &str| mirror.path().join(rel).display().to_string();
    let (mirrored, _) = run(&[
        format!("osv={}", m("Go")),
        format!("ghsa={}", ghsa_clone.display()),
        format!("debian={}", m("tracker/data/json")),
        format!("alpine={}", m("v3.11")),
        format!("alpine={}", m("v3.15")),
        format!("csaf={}", m("csaf/vex")),
    ])
    .unwrap();
    let d = diff(&snap, &mirrored).unwrap();
    assert!(d.is_empty(), "{}", d.to_text());
    // Deterministic: the same sources again give the same bytes.
    let (again, _) = run(&specs(&base)).unwrap();
    assert_eq!(again.bytes(), snap.bytes());
}

/// Serves the published layout; the provider metadata names the server itself, so the
/// listener is bound before the layout is made.
fn serve_layout() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    serve_on(l, layout(&base));
    base
}

/// Serves `files` (path → bytes) over HTTP/1.1 on the bound loopback listener, one request
/// per connection, 404 for anything else. The thread ends with the test process.
fn serve_on(listener: TcpListener, files: BTreeMap<String, Vec<u8>>) {
    let files = Arc::new(files);
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = request_line.split(' ').nth(1).unwrap_or("/").to_owned();
            let (status, body) = match files.get(&path) {
                Some(b) => ("200 OK", b.clone()),
                None => ("404 Not Found", b"not found".to_vec()),
            };
            let mut conn = conn;
            let _ = write!(
                conn,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(&body);
        }
    });
}

#[test]
fn a_csaf_document_that_does_not_match_its_digest_is_refused() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let mut files = layout(&base);
    files.insert(
        "/csaf/vex/2024/cve-2024-7264.json.sha256".into(),
        format!("{}  cve-2024-7264.json\n", Digest::of(b"another").hex()).into_bytes(),
    );
    serve_on(l, files);
    let err = run(&[format!("csaf={base}/csaf/provider-metadata.json")]).unwrap_err();
    assert!(matches!(err, UpdateError::DigestMismatch { .. }), "{err}");
}

#[test]
fn an_index_escaping_its_distribution_is_refused() {
    for bad in [
        "../../etc/passwd\n",
        "/etc/passwd\n",
        "http://evil.example/x.json\n",
    ] {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", l.local_addr().unwrap());
        let mut files = layout(&base);
        files.insert("/csaf/vex/index.txt".into(), bad.as_bytes().to_vec());
        serve_on(l, files);
        let err = run(&[format!("csaf={base}/csaf/vex")]).unwrap_err();
        assert!(matches!(err, UpdateError::Layout { .. }), "{bad}: {err}");
    }
}

#[test]
fn a_missing_source_is_a_typed_error() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    serve_on(l, layout(&base));
    let err = run(&[format!("debian={base}/nope")]).unwrap_err();
    assert!(
        matches!(err, UpdateError::Status { status: 404, .. }),
        "{err}"
    );
}

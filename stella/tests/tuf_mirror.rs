#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! stella::tuf: a trusted root through a TUF mirror directory and over HTTPS (a loopback
//! rustls server), on the repositories python-tuf generated (tests/vectors/tuf), with the cache
//! kept between runs.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use stella::tuf::{TufMirror, TufMirrorError, TufOptions, fetch_trusted_root};
use stella_attest::tuf::TufError;
use stella_core::Timestamp;

fn vectors() -> PathBuf {
    std::env::var_os("STELLA_TUF_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/tuf"))
}

fn case_now(case: &Path) -> Timestamp {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(case.join("case.json")).unwrap()).unwrap();
    Timestamp::parse_rfc3339(v["now"].as_str().unwrap()).unwrap()
}

fn case_expect(case: &Path) -> String {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(case.join("case.json")).unwrap()).unwrap();
    v["expect"].as_str().unwrap().to_owned()
}

/// Options for `case`: its trusted root as the initial root, and its kept timestamp and
/// snapshot (if any) in a fresh cache directory.
fn options(case: &Path, cache: &Path) -> TufOptions {
    let trusted = case.join("trusted");
    for name in ["root.json", "timestamp.json", "snapshot.json"] {
        if trusted.join(name).exists() {
            std::fs::copy(trusted.join(name), cache.join(name)).unwrap();
        }
    }
    let mut o = TufOptions::new(cache.to_owned());
    o.initial_root = std::fs::read(trusted.join("root.json")).unwrap();
    o
}

fn variant(e: &TufMirrorError) -> String {
    match e {
        TufMirrorError::Tuf(t) => format!("{t:?}")
            .split([' ', '{', '('])
            .next()
            .unwrap()
            .to_owned(),
        // TUF's root expiry, with what to do about it.
        TufMirrorError::RootExpired { .. } => "Expired".to_owned(),
        other => format!("{other:?}"),
    }
}

#[test]
fn every_generated_repository_through_a_mirror_directory() {
    let mut dirs: Vec<_> = std::fs::read_dir(vectors())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 28);
    for case in dirs {
        let cache = tempfile::tempdir().unwrap();
        let o = options(&case, cache.path());
        let got = fetch_trusted_root(&TufMirror::Dir(case.join("repo")), &o, case_now(&case));
        let expect = case_expect(&case);
        match got {
            Ok(bytes) => {
                assert_eq!(expect, "ok", "{}", case.display());
                assert!(String::from_utf8(bytes).unwrap().contains("trustedroot"));
            }
            Err(e) => assert_eq!(variant(&e), expect, "{}: {e}", case.display()),
        }
    }
}

#[test]
fn the_cache_keeps_the_newest_root_and_refuses_rollback_later() {
    let case = vectors().join("ok_rotation_mixed_keys");
    let cache = tempfile::tempdir().unwrap();
    let o = options(&case, cache.path());
    let now = case_now(&case);
    let mirror = TufMirror::Dir(case.join("repo"));
    let first = fetch_trusted_root(&mirror, &o, now).unwrap();
    assert_eq!(
        std::fs::read(cache.path().join("root.json")).unwrap(),
        std::fs::read(case.join("repo/4.root.json")).unwrap()
    );
    assert!(cache.path().join("timestamp.json").exists());
    assert!(cache.path().join("snapshot.json").exists());
    // A second run starts from the kept root 4 (the initial root 1 is older).
    assert_eq!(fetch_trusted_root(&mirror, &o, now).unwrap(), first);

    // A mirror that serves an older timestamp than the one kept: rollback.
    let older = tempfile::tempdir().unwrap();
    let rollback = vectors().join("fail_timestamp_rollback");
    copy_tree(&rollback.join("repo"), older.path());
    let cache2 = tempfile::tempdir().unwrap();
    let o2 = options(&rollback, cache2.path());
    let kept_ts = std::fs::read(cache2.path().join("timestamp.json")).unwrap();
    let err = fetch_trusted_root(
        &TufMirror::Dir(older.path().to_owned()),
        &o2,
        case_now(&rollback),
    )
    .unwrap_err();
    assert!(
        matches!(err, TufMirrorError::Tuf(TufError::Rollback { .. })),
        "{err}"
    );
    // Nothing is written after a failure.
    assert_eq!(
        std::fs::read(cache2.path().join("timestamp.json")).unwrap(),
        kept_ts
    );
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            copy_tree(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

#[test]
fn a_symbolic_link_in_the_mirror_is_refused() {
    let case = vectors().join("ok_ed25519");
    let mirror = tempfile::tempdir().unwrap();
    copy_tree(&case.join("repo"), mirror.path());
    let ts = mirror.path().join("timestamp.json");
    let real = mirror.path().join("real-timestamp.json");
    std::fs::rename(&ts, &real).unwrap();
    std::os::unix::fs::symlink(&real, &ts).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let err = fetch_trusted_root(
        &TufMirror::Dir(mirror.path().to_owned()),
        &options(&case, cache.path()),
        case_now(&case),
    )
    .unwrap_err();
    assert!(
        matches!(err, TufMirrorError::Tuf(TufError::Fetch { .. })),
        "{err}"
    );
}

#[test]
fn mirror_arguments() {
    assert_eq!(
        TufMirror::parse("https://tuf-repo-cdn.sigstore.dev/").unwrap(),
        TufMirror::Https("https://tuf-repo-cdn.sigstore.dev".into())
    );
    assert_eq!(
        TufMirror::parse("mirror").unwrap(),
        TufMirror::Dir("mirror".into())
    );
    assert!(TufMirror::parse("http://tuf-repo-cdn.sigstore.dev").is_err());
    assert!(TufMirror::parse("https://user:pw@example.com").is_err());
}

/// Serves `root` over HTTPS on loopback (HTTP/1.1, one request per connection) until the
/// listener is dropped with the test process.
fn serve_https(root: PathBuf) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tls");
    let certs: Vec<_> = rustls::pki_types::pem::PemObject::pem_file_iter(dir.join("server.pem"))
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key =
        <rustls::pki_types::PrivateKeyDer as rustls::pki_types::pem::PemObject>::from_pem_file(
            dir.join("server.key"),
        )
        .unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, stream);
            let mut reader = BufReader::new(&mut tls);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                    break;
                }
            }
            let path = line
                .split(' ')
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_owned();
            let file = root.join(&path);
            let response = match std::fs::read(&file) {
                Ok(body) if !path.contains("..") => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(&body);
                    r
                }
                _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
            };
            let _ = tls.write_all(&response);
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    format!("https://127.0.0.1:{port}")
}

#[test]
fn over_https_from_a_loopback_server() {
    let case = vectors().join("ok_rotation_mixed_keys");
    let url = serve_https(case.join("repo"));
    let ca =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tls/ca.pem")).unwrap();
    let now = case_now(&case);

    let cache = tempfile::tempdir().unwrap();
    let mut o = options(&case, cache.path());
    o.tls_roots_pem = Some(ca);
    let via_https = fetch_trusted_root(&TufMirror::parse(&url).unwrap(), &o, now).unwrap();
    let cache2 = tempfile::tempdir().unwrap();
    let via_dir = fetch_trusted_root(
        &TufMirror::Dir(case.join("repo")),
        &options(&case, cache2.path()),
        now,
    )
    .unwrap();
    assert_eq!(via_https, via_dir);
    assert_eq!(
        std::fs::read(cache.path().join("root.json")).unwrap(),
        std::fs::read(case.join("repo/4.root.json")).unwrap()
    );

    // Without the test CA the server's certificate is not trusted (Mozilla roots).
    let cache3 = tempfile::tempdir().unwrap();
    let err = fetch_trusted_root(
        &TufMirror::parse(&url).unwrap(),
        &options(&case, cache3.path()),
        now,
    )
    .unwrap_err();
    assert!(
        matches!(err, TufMirrorError::Tuf(TufError::Fetch { .. })),
        "{err}"
    );

    // A tampered target over HTTPS is refused like on disk.
    let bad = vectors().join("fail_tampered_target");
    let url = serve_https(bad.join("repo"));
    let cache4 = tempfile::tempdir().unwrap();
    let mut o = options(&bad, cache4.path());
    o.tls_roots_pem = Some(
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tls/ca.pem")).unwrap(),
    );
    let err = fetch_trusted_root(&TufMirror::parse(&url).unwrap(), &o, case_now(&bad)).unwrap_err();
    assert!(
        matches!(err, TufMirrorError::Tuf(TufError::HashMismatch { .. })),
        "{err}"
    );
}

/// The final root expired (python-tuf's `fail_root_expired` repository): the error names the
/// root expiry and says how to get past it, rather than only "root metadata expired".
#[test]
fn an_expired_final_root_says_what_to_do() {
    let case = vectors().join("fail_root_expired");
    let cache = tempfile::tempdir().unwrap();
    let o = options(&case, cache.path());
    let e =
        fetch_trusted_root(&TufMirror::Dir(case.join("repo")), &o, case_now(&case)).unwrap_err();
    assert!(matches!(e, TufMirrorError::RootExpired { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("expired at"), "{text}");
    assert!(text.contains("--tuf-root"), "{text}");
    assert!(text.contains("--trusted-root"), "{text}");
    // Nothing was kept from a failed refresh.
    assert!(!cache.path().join("trusted_root.json").exists());
}

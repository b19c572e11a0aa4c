#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! A FIFO (or a device) where a reader expects a file hung the reader forever: an OCI layout
//! whose `index.json`, `oci-layout` or blob is a FIFO, an image archive that is one, a root
//! filesystem file swapped for one, and every input the command line reads (`--db`, keys,
//! policies, VEX). Each is now a typed error, at once. Every case runs under a timeout, so a
//! regression fails instead of hanging the test run.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use stella::image::testing::write_oci_layout;
use stella::image::{ImageRef, OciLayout, TarFiles};
use stella_core::{CoreError, ImageSource};
use stella_scan::ScanError;
use stella_scan::testing::{TestImage, TestLayer};

/// Runs `f` on its own thread; fails the test if it has not returned within 20 s.
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("{what}: still blocked after 20 s"))
}

fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

struct Temp(PathBuf);

impl Temp {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "stella-fifo-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The error is an IO error saying the path is not a regular file.
fn is_not_regular(e: &std::io::Error) -> bool {
    e.kind() == ErrorKind::InvalidInput && e.to_string().contains("not a regular file")
}

fn scan_error_is_not_regular(e: &ScanError) -> bool {
    matches!(e, ScanError::Core(CoreError::Io { source, .. }) if is_not_regular(source))
}

fn layout(dir: &Path) -> stella_core::Digest {
    let image = TestImage::new()
        .layer(TestLayer::new().file("etc/hostname", b"box\n"))
        .build();
    write_oci_layout(dir, &image.root, &image.blobs).unwrap();
    image.root.digest
}

#[test]
fn oci_layout_index_json_or_marker_as_a_fifo_is_refused() {
    for name in ["index.json", "oci-layout"] {
        let temp = Temp::new(name);
        let dir = temp.0.join("layout");
        layout(&dir);
        mkfifo(&dir.join(name));
        let e = within(name, move || OciLayout::open_dir(&dir).unwrap_err());
        assert!(scan_error_is_not_regular(&e), "{name}: {e}");
    }
}

#[test]
fn oci_layout_blob_as_a_fifo_is_refused() {
    let temp = Temp::new("blob");
    let dir = temp.0.join("layout");
    let manifest = layout(&dir);
    mkfifo(&dir.join("blobs/sha256").join(manifest.hex()));
    let (e1, e2) = within("blob", move || {
        let source = OciLayout::open_dir(&dir).unwrap();
        let whole = source.blob(&manifest).unwrap_err();
        let streamed = source.open_blob(&manifest).err().unwrap();
        (whole, streamed)
    });
    for e in [e1, e2] {
        assert!(
            matches!(&e, CoreError::Io { source, .. } if is_not_regular(source)),
            "{e}"
        );
    }
}

#[test]
fn an_image_archive_that_is_a_fifo_is_refused() {
    let temp = Temp::new("archive");
    let path = temp.0.join("image.tar");
    mkfifo(&path);
    let p = path.clone();
    let e = within("TarFiles::index", move || TarFiles::index(&p).unwrap_err());
    assert!(scan_error_is_not_regular(&e), "{e}");
    let e = within("ImageRef::detect", move || {
        ImageRef::detect(&path).unwrap_err()
    });
    assert!(scan_error_is_not_regular(&e), "{e}");
}

#[test]
fn devices_are_refused_like_fifos() {
    // /dev/zero would be read forever (and fill memory).
    let e = within("/dev/zero", || {
        TarFiles::index(Path::new("/dev/zero")).unwrap_err()
    });
    assert!(scan_error_is_not_regular(&e), "{e}");
    let e = within("read_input /dev/zero", || {
        stella_cli::read_input(Path::new("/dev/zero")).unwrap_err()
    });
    assert!(e.to_string().contains("a device"), "{e}");
}

#[test]
fn command_line_inputs_that_are_fifos_are_refused() {
    let temp = Temp::new("cli");
    let fifo = temp.0.join("input.json");
    mkfifo(&fifo);
    // read_input is what --db, --input, keys, VEX documents and manifests are read with.
    let p = fifo.clone();
    let e = within("read_input", move || {
        stella_cli::read_input(&p).unwrap_err()
    });
    assert!(
        matches!(&e, stella_cli::CliError::Io { source, .. } if is_not_regular(source)),
        "{e}"
    );
    let key = stella_cli::KeyRef::File(fifo.clone());
    let e = within("key", move || key.read().unwrap_err());
    assert!(e.to_string().contains("a FIFO"), "{e}");
    // `stella db build --source FIFO`.
    let p = fifo.clone();
    let e = within("db import", move || {
        let mut importer =
            stella_vuln::import::Importer::new(stella_vuln::import::ImportMode::Strict);
        stella::db::import_source(&mut importer, &p).unwrap_err()
    });
    assert!(
        matches!(&e, stella::db::DbImportError::Io { source, .. } if is_not_regular(source)),
        "{e}"
    );
    // A FIFO inside a policy directory is skipped (only regular files are policy files), and
    // one named like a module is not read.
    let policy = temp.0.join("policy");
    std::fs::create_dir_all(&policy).unwrap();
    std::fs::write(
        policy.join("gate.rego"),
        "package stella.gate\nimport rego.v1\ndefault allow := true\n",
    )
    .unwrap();
    mkfifo(&policy.join("evil.rego"));
    let status = within("gate --policy", move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_stella"))
            .args(["gate", "--policy"])
            .arg(&policy)
            .args(["--input"])
            .arg(&fifo)
            .output()
            .unwrap()
    });
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(!status.status.success());
    assert!(stderr.contains("regular file"), "{stderr}");
}

#[test]
fn a_link_to_a_regular_file_is_still_read() {
    let temp = Temp::new("link");
    let target = temp.0.join("key.pem");
    std::fs::write(&target, b"bytes").unwrap();
    let link = temp.0.join("link.pem");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert_eq!(stella_cli::read_input(&link).unwrap(), b"bytes");
    assert_eq!(stella::files::read_regular(&link, 5).unwrap(), b"bytes");
    let e = stella::files::read_regular(&link, 4).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::FileTooLarge);
    let e = stella::files::read_regular_no_follow(&link, 5).unwrap_err();
    assert!(is_not_regular(&e), "{e}");
}

/// A FIFO given as a VEX input is refused by its type at once (it used to block in
/// `read_bounded`'s plain `File::open` until a writer appeared).
#[test]
fn vex_inputs_that_are_fifos_do_not_block() {
    let temp = Temp::new("vex");
    let fifo = temp.0.join("vex.fifo");
    mkfifo(&fifo);
    let f = fifo.display().to_string();
    let sarif = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/openvex/vexctl-sarif-filter/nginx-grype.sarif.json"
    )
    .to_owned();
    let cases: Vec<Vec<String>> = vec![
        vec!["validate".into(), f.clone()],
        vec!["merge".into(), "--allow-unsigned".into(), f.clone()],
        vec![
            "apply".into(),
            "--allow-unsigned".into(),
            "--findings".into(),
            sarif.clone(),
            "--vex".into(),
            f.clone(),
        ],
        vec![
            "filter".into(),
            "--allow-unsigned".into(),
            sarif,
            "--vex".into(),
            f.clone(),
        ],
        vec!["convert".into(), f.clone(), "--to".into(), "openvex".into()],
    ];
    for case in cases {
        let what = case.join(" ");
        let out = within(&what, move || {
            let mut args = vec!["vex".to_owned()];
            args.extend(case);
            std::process::Command::new(env!("CARGO_BIN_EXE_stella"))
                .args(&args)
                .output()
                .unwrap()
        });
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{what}");
        assert!(err.contains("FIFO"), "{what}: {err}");
    }
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The host adapters ([`HostStore`], [`HostImage`]) and the API over host content, with
//! foreign-style hosts written in Rust: honest ones give the conformance vectors' bytes; lying,
//! failing and panicking ones give typed errors, never wrong bytes or an unwind.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use stella_bindings_api::*;
use stella_core::{BlobStore, CoreError, Digest, ImageSource};

/// A conformance vector's bytes (tests/vectors/conformance), built into the test.
macro_rules! vectors {
    ($name:literal) => {
        include_bytes!(concat!("../../../tests/vectors/conformance/", $name)).to_vec()
    };
}

/// How a test host behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    /// Does what it is asked.
    Honest,
    /// Returns other bytes for these digests (all when empty).
    Tamper(Vec<String>),
    /// Fails every call with this error.
    Fail(HostError),
    /// Panics in every call.
    Panic,
}

impl Mode {
    fn misbehave(&self) -> Result<(), HostError> {
        match self {
            Mode::Fail(e) => Err(e.clone()),
            Mode::Panic => panic!("host bug"),
            Mode::Honest | Mode::Tamper(_) => Ok(()),
        }
    }

    fn tampers(&self, digest: &str) -> bool {
        matches!(self, Mode::Tamper(d) if d.is_empty() || d.iter().any(|x| x == digest))
    }
}

/// A store kept in memory, as a host app would keep one.
struct Store {
    blobs: Mutex<BTreeMap<String, Vec<u8>>>,
    mode: Mode,
}

impl Store {
    fn new(mode: Mode) -> Arc<Self> {
        Arc::new(Self {
            blobs: Mutex::default(),
            mode,
        })
    }
}

impl HostBlobStore for Store {
    fn put(&self, digest: &str, bytes: &[u8]) -> Result<(), HostError> {
        self.mode.misbehave()?;
        let mut blobs = self.blobs.lock().unwrap();
        blobs
            .entry(digest.to_owned())
            .or_insert_with(|| bytes.to_vec());
        Ok(())
    }

    fn get(&self, digest: &str) -> Result<Vec<u8>, HostError> {
        self.mode.misbehave()?;
        let mut bytes =
            self.blobs
                .lock()
                .unwrap()
                .get(digest)
                .cloned()
                .ok_or(HostError::NotFound {
                    message: digest.to_owned(),
                })?;
        if self.mode.tampers(digest) {
            bytes.push(b'!');
        }
        Ok(bytes)
    }

    fn contains(&self, digest: &str) -> Result<bool, HostError> {
        self.mode.misbehave()?;
        Ok(self.blobs.lock().unwrap().contains_key(digest))
    }
}

/// A host image source serving the conformance image (read with the library's own archive
/// reader), in chunks of at most `max_chunk` bytes.
struct Image {
    source: Box<dyn ImageSource>,
    mode: Mode,
    max_chunk: u64,
}

impl Image {
    fn new(mode: Mode, max_chunk: u64) -> Arc<Self> {
        let archive = vectors!("image/image.tar");
        let source = stella::image::open_image_bytes("<fixture>", archive).unwrap();
        Arc::new(Self {
            source,
            mode,
            max_chunk,
        })
    }
}

impl HostImageSource for Image {
    fn root(&self) -> Result<HostDescriptor, HostError> {
        self.mode.misbehave()?;
        let root = self.source.root().unwrap();
        Ok(HostDescriptor {
            media_type: root.media_type,
            digest: root.digest.to_string(),
            size: root.size,
        })
    }

    fn read_blob(&self, digest: &str, offset: u64, length: u64) -> Result<Vec<u8>, HostError> {
        self.mode.misbehave()?;
        let parsed = Digest::parse(digest).map_err(|e| HostError::Failed {
            message: e.to_string(),
        })?;
        // (The archive reader reports a missing member as an IO error.)
        let not_found = |_| HostError::NotFound {
            message: digest.to_owned(),
        };
        // The archive reader serves its index (the root) only as a small blob.
        let mut blob = Vec::new();
        if parsed == self.source.root().unwrap().digest {
            blob = self.source.blob(&parsed).map_err(not_found)?;
        } else {
            let mut reader = self.source.open_blob(&parsed).map_err(not_found)?;
            std::io::Read::read_to_end(&mut reader, &mut blob).unwrap();
        }
        if self.mode.tampers(digest) {
            blob.push(0);
        }
        let start = (offset as usize).min(blob.len());
        let end = (start + length.min(self.max_chunk) as usize).min(blob.len());
        Ok(blob[start..end].to_vec())
    }
}

fn cdx_options() -> SbomOptions {
    SbomOptions {
        format: SbomFormat::CycloneDxJson,
        name: "registry.example/app".into(),
        timestamp: "2024-06-01T00:00:00Z".into(),
        ..SbomOptions::default()
    }
}

fn scan_options() -> ScanOptions {
    ScanOptions {
        format: ScanFormat::Json,
        name: "registry.example/app".into(),
        ..ScanOptions::default()
    }
}

/// The digests of the fixture's layers (index → manifest → layers).
fn layer_digests() -> Vec<String> {
    let image = Image::new(Mode::Honest, u64::MAX);
    let source = &image.source;
    let index: serde_json::Value =
        serde_json::from_slice(&source.blob(&source.root().unwrap().digest).unwrap()).unwrap();
    let manifest = Digest::parse(index["manifests"][0]["digest"].as_str().unwrap()).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&source.blob(&manifest).unwrap()).unwrap();
    let layers: Vec<String> = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["digest"].as_str().unwrap().to_owned())
        .collect();
    assert!(!layers.is_empty());
    layers
}

// ---------------------------------------------------------------- the store adapter

#[test]
fn store_round_trip_keeps_the_blob_store_contract() {
    let host = Store::new(Mode::Honest);
    let store = HostStore::new(host.clone());
    let digest = store.put(b"sbom bytes").unwrap();
    assert_eq!(digest, Digest::of(b"sbom bytes"));
    // the host was given the digest the library computed
    assert!(host.blobs.lock().unwrap().contains_key(&digest.to_string()));
    assert_eq!(store.get(&digest).unwrap(), b"sbom bytes");
    assert!(store.contains(&digest).unwrap());
    assert_eq!(store.put(b"sbom bytes").unwrap(), digest); // a no-op
    assert_eq!(host.blobs.lock().unwrap().len(), 1);
    let mut reader: &[u8] = b"streamed";
    assert_eq!(
        store.put_reader(&mut reader).unwrap(),
        Digest::of(b"streamed")
    );
    let missing = Digest::of(b"missing");
    assert!(!store.contains(&missing).unwrap());
    assert!(matches!(
        store.get(&missing),
        Err(CoreError::NotFound { digest }) if digest == missing
    ));
}

#[test]
fn store_bytes_that_do_not_match_the_digest_are_rejected() {
    let store = HostStore::new(Store::new(Mode::Tamper(Vec::new())));
    let digest = store.put(b"attestation").unwrap();
    let err = store.get(&digest).unwrap_err();
    assert!(
        matches!(err, CoreError::DigestMismatch { expected, .. } if expected == digest),
        "{err}"
    );
    assert_eq!(ApiError::from(err).kind, ErrorKind::Verification);
}

#[test]
fn store_host_errors_map_to_typed_errors() {
    let io = HostStore::new(Store::new(Mode::Fail(HostError::Io {
        message: "disk full".into(),
    })));
    let err = io.put(b"x").unwrap_err();
    assert!(matches!(err, CoreError::Io { .. }), "{err}");
    let api = ApiError::from(err);
    assert_eq!(api.kind, ErrorKind::Io);
    assert!(api.message.contains("disk full"), "{}", api.message);
    assert!(api.message.contains("host blob store"), "{}", api.message);

    let digest = Digest::of(b"y");
    let not_found = HostStore::new(Store::new(Mode::Fail(HostError::NotFound {
        message: "gone".into(),
    })));
    assert!(matches!(
        not_found.get(&digest),
        Err(CoreError::NotFound { digest: d }) if d == digest
    ));

    let failed = HostStore::new(Store::new(Mode::Fail(HostError::Failed {
        message: "quota".into(),
    })));
    let err = failed.contains(&digest).unwrap_err();
    assert!(matches!(err, CoreError::Backend { .. }), "{err}");
    let api = ApiError::from(err);
    assert_eq!(api.kind, ErrorKind::Internal);
    assert!(api.message.contains("quota"), "{}", api.message);
}

#[test]
fn store_host_panic_is_contained() {
    let store = HostStore::new(Store::new(Mode::Panic));
    for result in [
        store.put(b"x").map(|_| ()),
        store.get(&Digest::of(b"x")).map(|_| ()),
        store.contains(&Digest::of(b"x")).map(|_| ()),
    ] {
        let err = result.unwrap_err();
        assert!(matches!(err, CoreError::Backend { .. }), "{err}");
        assert!(
            err.to_string().contains("the host panicked: host bug"),
            "{err}"
        );
    }
    let err = run_into_host_store(Store::new(Mode::Panic), &RunOptions::default()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Internal);
    assert!(err.message.contains("host bug"), "{}", err.message);
}

#[test]
fn run_into_host_store_stores_every_artifact() {
    let host = Store::new(Mode::Honest);
    let result = run_into_host_store(host.clone(), &RunOptions::default()).unwrap();
    assert!(result.allow);
    assert_eq!(result, run(&RunOptions::default()).unwrap());
    let store = HostStore::new(host.clone());
    assert!(
        result
            .artifacts
            .iter()
            .any(|a| a.kind == "decision-attestation")
    );
    for artifact in &result.artifacts {
        let digest = Digest::parse(&artifact.digest).unwrap();
        assert_eq!(store.get(&digest).unwrap(), artifact.bytes);
    }
    assert_eq!(
        host.blobs.lock().unwrap().len(),
        result
            .artifacts
            .iter()
            .map(|a| &a.digest)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
    let io = Store::new(Mode::Fail(HostError::Io {
        message: "read-only".into(),
    }));
    let err = run_into_host_store(io, &RunOptions::default()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io);
}

// ---------------------------------------------------------------- the image adapter

#[test]
fn host_image_gives_the_vectors_bytes_in_any_chunking() {
    for max_chunk in [u64::MAX, 7] {
        let sbom = sbom_from_host_image(Image::new(Mode::Honest, max_chunk), &cdx_options());
        assert_eq!(
            sbom.unwrap(),
            vectors!("image/sbom.cdx.json"),
            "{max_chunk}"
        );
    }
    let spdx = SbomOptions {
        format: SbomFormat::SpdxJson,
        ..cdx_options()
    };
    assert_eq!(
        sbom_from_host_image(Image::new(Mode::Honest, 100), &spdx).unwrap(),
        vectors!("image/sbom.spdx.json")
    );
    let findings = scan_host_image(
        Image::new(Mode::Honest, 100),
        &vectors!("db/snapshot.db"),
        &scan_options(),
    );
    assert_eq!(findings.unwrap(), vectors!("scan/findings.json"));
    let trace =
        entry_trace_host_image(Image::new(Mode::Honest, 100), &EntryTraceOptions::default());
    assert_eq!(trace.unwrap(), vectors!("scan/entry-trace.json"));
}

#[test]
fn host_image_tampered_content_is_rejected() {
    // every blob (the root index first)
    let err = sbom_from_host_image(Image::new(Mode::Tamper(Vec::new()), 100), &cdx_options())
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Verification, "{err}");
    // only the layers, which are streamed: the engine stops at the first byte past the
    // layer's descriptor size (a parse error naming the layer) before the digest check at end
    // of stream would; either way no result comes out
    let layers = layer_digests();
    let image = Image::new(Mode::Tamper(layers.clone()), 100);
    let err = scan_host_image(image, &vectors!("db/snapshot.db"), &scan_options()).unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Parse | ErrorKind::Verification),
        "{err}"
    );
    assert!(
        layers.iter().any(|l| err.message.contains(l.as_str())),
        "{err}"
    );
    // directly: a streamed blob fails at end of stream
    let image = HostImage::new(Image::new(Mode::Tamper(Vec::new()), 100));
    let layer = Digest::parse(&layer_digests()[0]).unwrap();
    let mut bytes = Vec::new();
    let err =
        std::io::Read::read_to_end(&mut image.open_blob(&layer).unwrap(), &mut bytes).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "{err}");
}

#[test]
fn host_image_errors_map_to_typed_errors() {
    let io = Image::new(
        Mode::Fail(HostError::Io {
            message: "network down".into(),
        }),
        100,
    );
    let err = sbom_from_host_image(io, &cdx_options()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io, "{err}");
    assert!(err.message.contains("network down"), "{}", err.message);

    let image = HostImage::new(Image::new(Mode::Honest, 100));
    let missing = Digest::of(b"no such blob");
    assert!(matches!(
        image.blob(&missing),
        Err(CoreError::NotFound { digest }) if digest == missing
    ));
    assert!(matches!(
        image.open_blob(&missing).map(|_| ()),
        Err(CoreError::NotFound { digest }) if digest == missing
    ));

    /// A root whose digest is not a digest.
    struct BadRoot;
    impl HostImageSource for BadRoot {
        fn root(&self) -> Result<HostDescriptor, HostError> {
            Ok(HostDescriptor {
                media_type: "application/vnd.oci.image.index.v1+json".into(),
                digest: "md5:abc".into(),
                size: 2,
            })
        }
        fn read_blob(&self, _: &str, _: u64, _: u64) -> Result<Vec<u8>, HostError> {
            Ok(Vec::new())
        }
    }
    let err = sbom_from_host_image(Arc::new(BadRoot), &cdx_options()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Parse, "{err}");
}

#[test]
fn host_image_panic_is_contained() {
    let err = sbom_from_host_image(Image::new(Mode::Panic, 100), &cdx_options()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Internal);
    assert!(
        err.message.contains("the host panicked: host bug"),
        "{}",
        err.message
    );
    let image = HostImage::new(Image::new(Mode::Panic, 100));
    let err = image.blob(&Digest::of(b"x")).unwrap_err();
    assert!(matches!(err, CoreError::Backend { .. }), "{err}");
}

/// A host that ignores the length asked for, or never ends a blob.
struct Unbounded {
    overlong: bool,
}

impl HostImageSource for Unbounded {
    fn root(&self) -> Result<HostDescriptor, HostError> {
        Err(HostError::Failed {
            message: "unused".into(),
        })
    }

    fn read_blob(&self, _: &str, _: u64, length: u64) -> Result<Vec<u8>, HostError> {
        let n = if self.overlong { length + 1 } else { length };
        Ok(vec![b' '; n as usize])
    }
}

#[test]
fn host_image_overlong_and_endless_answers_are_refused() {
    let overlong = HostImage::new(Arc::new(Unbounded { overlong: true }));
    let err = overlong.blob(&Digest::of(b"x")).unwrap_err();
    assert!(err.to_string().contains("asked for at most"), "{err}");
    assert!(overlong.open_blob(&Digest::of(b"x")).is_err());

    let endless = HostImage::new(Arc::new(Unbounded { overlong: false }));
    let err = endless.blob(&Digest::of(b"x")).unwrap_err();
    assert!(
        matches!(err, CoreError::LimitExceeded { max, .. } if max == stella::image::MAX_METADATA_BYTES),
        "{err}"
    );
}

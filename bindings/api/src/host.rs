//! Storage and image content supplied by the host application: the traits a binding's host
//! implements (a Swift protocol, …) so the library reads an image from, or stores artifacts
//! into, the host's own storage — what a Rust embedder does by implementing
//! [`stella_core::BlobStore`] and [`stella_core::ImageSource`].
//!
//! A host implements [`HostBlobStore`] and [`HostImageSource`], which take and return plain
//! strings and bytes (so a binding can declare them as foreign traits); [`HostStore`] and
//! [`HostImage`] adapt them to the `stella-core` traits the library uses. Nothing the host
//! returns is trusted:
//! - every blob is checked against the digest it was asked for, in Rust: a host returning other
//!   bytes is [`CoreError::DigestMismatch`] ([`ErrorKind::Verification`]); digests are
//!   computed in Rust, never taken from the host;
//! - a chunk longer than asked for, or a metadata blob over [`MAX_METADATA_BYTES`], is refused;
//! - a [`HostError`] becomes the crate's typed error ([`HostError::NotFound`] →
//!   [`CoreError::NotFound`], [`HostError::Io`] → [`CoreError::Io`] ([`ErrorKind::Io`]),
//!   [`HostError::Failed`] → [`CoreError::Backend`]);
//! - a host implementation that panics (a Rust one; foreign runtimes report their exceptions as
//!   errors) is caught at the call: [`CoreError::Backend`] ([`ErrorKind::Internal`]), never an
//!   unwind through the library or across the FFI.
//!
//! The API functions here ([`sbom_from_host_image`], [`scan_host_image`],
//! [`entry_trace_host_image`], [`run_into_host_store`]) are those of the same name without
//! `host` in the crate root, reading from or writing to the host instead of a path or bytes.

use std::fmt;
use std::io::{self, Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use stella::image::{MAX_METADATA_BYTES, OpenedImage};
use stella_core::{BlobStore, CoreError, Descriptor, Digest, ImageSource, VerifyingReader};

use crate::error::panic_text;
use crate::{
    ApiError, BYTES_NAME, EntryTraceOptions, ErrorKind, RunOptions, RunResult, SbomOptions,
    ScanOptions, guard, non_empty, render, run, scan_for_sbom, scan_traced, trace_json,
};

/// How many bytes [`HostImage`] asks a [`HostImageSource`] for in one call.
pub const HOST_READ_CHUNK: u64 = 1 << 20;

/// The backend name of a host store in errors.
const STORE: &str = "host blob store";
/// The backend name of a host image source in errors.
const IMAGE: &str = "host image source";

/// How a host's storage or image source failed; each case maps to a typed library error.
///
/// ```
/// use stella_bindings_api::HostError;
/// let e = HostError::Io { message: "disk full".into() };
/// assert_eq!(e.to_string(), "disk full");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// The host does not hold what was asked for (becomes [`CoreError::NotFound`]).
    #[error("not found: {message}")]
    NotFound {
        /// The host's message.
        message: String,
    },
    /// Reading or writing the host's storage failed (becomes [`CoreError::Io`], `E_IO`).
    #[error("{message}")]
    Io {
        /// The host's message.
        message: String,
    },
    /// Anything else the host reports (becomes [`CoreError::Backend`], `E_INTERNAL`).
    #[error("{message}")]
    Failed {
        /// The host's message.
        message: String,
    },
}

/// A content descriptor as a host gives it: the root index or manifest of a
/// [`HostImageSource`].
///
/// ```
/// use stella_bindings_api::{HostDescriptor, digest_of};
/// let root = HostDescriptor {
///     media_type: "application/vnd.oci.image.index.v1+json".into(),
///     digest: digest_of(b"{}"),
///     size: 2,
/// };
/// assert!(root.digest.starts_with("sha256:"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostDescriptor {
    /// The media type (an OCI or Docker index or manifest).
    pub media_type: String,
    /// The digest, `sha256:<hex>`.
    pub digest: String,
    /// The size in bytes.
    pub size: u64,
}

/// A content-addressed store the host keeps (a database, an app container, …). Digests are
/// `sha256:<64 lowercase hex>`, computed by the library.
///
/// ```
/// use std::collections::BTreeMap;
/// use std::sync::Mutex;
/// use stella_bindings_api::{HostBlobStore, HostError};
///
/// #[derive(Default)]
/// struct Memory(Mutex<BTreeMap<String, Vec<u8>>>);
///
/// impl HostBlobStore for Memory {
///     fn put(&self, digest: &str, bytes: &[u8]) -> Result<(), HostError> {
///         let mut blobs = self.0.lock().map_err(|e| HostError::Failed { message: e.to_string() })?;
///         blobs.entry(digest.to_owned()).or_insert_with(|| bytes.to_vec());
///         Ok(())
///     }
///     fn get(&self, digest: &str) -> Result<Vec<u8>, HostError> {
///         let blobs = self.0.lock().map_err(|e| HostError::Failed { message: e.to_string() })?;
///         blobs.get(digest).cloned().ok_or(HostError::NotFound { message: digest.to_owned() })
///     }
///     fn contains(&self, digest: &str) -> Result<bool, HostError> {
///         let blobs = self.0.lock().map_err(|e| HostError::Failed { message: e.to_string() })?;
///         Ok(blobs.contains_key(digest))
///     }
/// }
/// # let _ = Memory::default();
/// ```
pub trait HostBlobStore: Send + Sync {
    /// Stores `bytes` under `digest` (which the library computed from them). Storing a digest
    /// already held is a no-op; the store never overwrites or deletes.
    fn put(&self, digest: &str, bytes: &[u8]) -> Result<(), HostError>;

    /// The bytes stored under `digest`, or [`HostError::NotFound`]. The library verifies them.
    fn get(&self, digest: &str) -> Result<Vec<u8>, HostError>;

    /// Whether the store holds `digest`.
    fn contains(&self, digest: &str) -> Result<bool, HostError>;
}

/// Image content the host serves (from its own cache, a bundle, a network client, …): a root
/// index or manifest, and blobs by digest, read in chunks so layers need not be held whole.
/// The scan calls it from several threads at once (layers are read in parallel).
///
/// ```
/// use std::collections::BTreeMap;
/// use stella_bindings_api::{HostDescriptor, HostError, HostImageSource};
///
/// struct Blobs { root: HostDescriptor, blobs: BTreeMap<String, Vec<u8>> }
///
/// impl HostImageSource for Blobs {
///     fn root(&self) -> Result<HostDescriptor, HostError> {
///         Ok(self.root.clone())
///     }
///     fn read_blob(&self, digest: &str, offset: u64, length: u64) -> Result<Vec<u8>, HostError> {
///         let blob = self.blobs.get(digest).ok_or(HostError::NotFound { message: digest.into() })?;
///         let start = usize::try_from(offset).unwrap_or(usize::MAX).min(blob.len());
///         let end = start.saturating_add(usize::try_from(length).unwrap_or(usize::MAX)).min(blob.len());
///         Ok(blob.get(start..end).unwrap_or_default().to_vec())
///     }
/// }
/// # let _ = Blobs { root: HostDescriptor::default(), blobs: BTreeMap::new() };
/// ```
pub trait HostImageSource: Send + Sync {
    /// The descriptor of the image's top-level index or manifest.
    fn root(&self) -> Result<HostDescriptor, HostError>;

    /// Up to `length` bytes of the blob `digest`, starting at byte `offset`: fewer only at the
    /// end of the blob, none at or past it. [`HostError::NotFound`] when there is no such
    /// blob. The library asks for the root's own digest too (serve the index or manifest).
    fn read_blob(&self, digest: &str, offset: u64, length: u64) -> Result<Vec<u8>, HostError>;
}

/// Calls into the host: a [`HostError`] becomes the crate's typed error, a panic is caught.
fn call<T>(
    backend: &'static str,
    op: &str,
    digest: Option<&Digest>,
    body: impl FnOnce() -> Result<T, HostError>,
) -> Result<T, CoreError> {
    let what = || match digest {
        Some(d) => format!("{op} {d}"),
        None => op.to_owned(),
    };
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(HostError::NotFound { message })) => match digest {
            Some(d) => Err(CoreError::NotFound { digest: *d }),
            None => Err(CoreError::Backend {
                backend,
                source: format!("{}: not found: {message}", what()).into(),
            }),
        },
        Ok(Err(HostError::Io { message })) => Err(CoreError::Io {
            context: format!("{backend}: {}", what()),
            source: io::Error::other(message),
        }),
        Ok(Err(HostError::Failed { message })) => Err(CoreError::Backend {
            backend,
            source: format!("{}: {message}", what()).into(),
        }),
        Err(payload) => Err(CoreError::Backend {
            backend,
            source: format!("{}: the host panicked: {}", what(), panic_text(&*payload)).into(),
        }),
    }
}

/// A [`HostBlobStore`] as a [`stella_core::BlobStore`]: digests are computed and every blob
/// read back is verified in Rust; host errors and panics become [`CoreError`]s.
///
/// ```
/// use std::sync::Arc;
/// use stella_bindings_api::{HostBlobStore, HostError, HostStore};
/// use stella_core::{BlobStore, CoreError, Digest};
///
/// /// A host that hands back the wrong bytes.
/// struct Liar;
/// impl HostBlobStore for Liar {
///     fn put(&self, _: &str, _: &[u8]) -> Result<(), HostError> { Ok(()) }
///     fn get(&self, _: &str) -> Result<Vec<u8>, HostError> { Ok(b"other".to_vec()) }
///     fn contains(&self, _: &str) -> Result<bool, HostError> { Ok(true) }
/// }
///
/// let store = HostStore::new(Arc::new(Liar));
/// let digest = store.put(b"sbom")?;
/// assert_eq!(digest, Digest::of(b"sbom"));
/// assert!(matches!(store.get(&digest), Err(CoreError::DigestMismatch { .. })));
/// # Ok::<(), CoreError>(())
/// ```
#[derive(Clone)]
pub struct HostStore {
    host: Arc<dyn HostBlobStore>,
}

impl HostStore {
    /// The store over `host`.
    pub fn new(host: Arc<dyn HostBlobStore>) -> Self {
        Self { host }
    }
}

impl fmt::Debug for HostStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostStore").finish_non_exhaustive()
    }
}

impl BlobStore for HostStore {
    fn put(&self, bytes: &[u8]) -> Result<Digest, CoreError> {
        let digest = Digest::of(bytes);
        call(STORE, "put", Some(&digest), || {
            self.host.put(&digest.to_string(), bytes)
        })?;
        Ok(digest)
    }

    fn get(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        let bytes = call(STORE, "get", Some(digest), || {
            self.host.get(&digest.to_string())
        })?;
        digest.verify(&bytes)?;
        Ok(bytes)
    }

    fn contains(&self, digest: &Digest) -> Result<bool, CoreError> {
        call(STORE, "contains", Some(digest), || {
            self.host.contains(&digest.to_string())
        })
    }
}

/// A [`HostImageSource`] as a [`stella_core::ImageSource`]: the root's digest is parsed, small
/// blobs are bounded by [`MAX_METADATA_BYTES`] and verified, streamed blobs are verified at end
/// of stream ([`VerifyingReader`]); host errors and panics become [`CoreError`]s.
///
/// ```
/// use std::sync::Arc;
/// use stella_bindings_api::{HostDescriptor, HostError, HostImage, HostImageSource};
/// use stella_core::{CoreError, Digest, ImageSource};
///
/// /// A host whose every blob is the same bytes, whatever the digest.
/// struct Constant;
/// impl HostImageSource for Constant {
///     fn root(&self) -> Result<HostDescriptor, HostError> {
///         Err(HostError::Io { message: "offline".into() })
///     }
///     fn read_blob(&self, _: &str, offset: u64, _: u64) -> Result<Vec<u8>, HostError> {
///         Ok(if offset == 0 { b"{}".to_vec() } else { Vec::new() })
///     }
/// }
///
/// let image = HostImage::new(Arc::new(Constant));
/// assert_eq!(image.blob(&Digest::of(b"{}"))?, b"{}");
/// assert!(matches!(image.blob(&Digest::of(b"[]")), Err(CoreError::DigestMismatch { .. })));
/// assert!(matches!(image.root(), Err(CoreError::Io { .. })));
/// # Ok::<(), CoreError>(())
/// ```
#[derive(Clone)]
pub struct HostImage {
    host: Arc<dyn HostImageSource>,
}

impl HostImage {
    /// The image source over `host`.
    pub fn new(host: Arc<dyn HostImageSource>) -> Self {
        Self { host }
    }

    /// One chunk of at most `length` bytes from the host; a longer answer is refused.
    fn chunk(&self, digest: &Digest, offset: u64, length: u64) -> Result<Vec<u8>, CoreError> {
        let bytes = call(IMAGE, "read", Some(digest), || {
            self.host.read_blob(&digest.to_string(), offset, length)
        })?;
        if bytes.len() as u64 > length {
            return Err(CoreError::Backend {
                backend: IMAGE,
                source: format!(
                    "read {digest}: returned {} bytes when asked for at most {length}",
                    bytes.len()
                )
                .into(),
            });
        }
        Ok(bytes)
    }
}

impl fmt::Debug for HostImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostImage").finish_non_exhaustive()
    }
}

impl ImageSource for HostImage {
    fn root(&self) -> Result<Descriptor, CoreError> {
        let root = call(IMAGE, "root", None, || self.host.root())?;
        Ok(Descriptor::new(
            root.media_type,
            Digest::parse(&root.digest)?,
            root.size,
        ))
    }

    fn blob(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        let mut bytes = Vec::new();
        loop {
            let held = bytes.len() as u64;
            let want = (MAX_METADATA_BYTES + 1 - held).min(HOST_READ_CHUNK);
            let chunk = self.chunk(digest, held, want)?;
            if chunk.is_empty() {
                break;
            }
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > MAX_METADATA_BYTES {
                return Err(CoreError::LimitExceeded {
                    limit: "metadata blob bytes",
                    max: MAX_METADATA_BYTES,
                    actual: bytes.len() as u64,
                });
            }
        }
        digest.verify(&bytes)?;
        Ok(bytes)
    }

    fn open_blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, CoreError> {
        // The first chunk is read now, so a missing blob is `NotFound` here, not a read error.
        let first = self.chunk(digest, 0, HOST_READ_CHUNK)?;
        let reader = HostReader {
            image: self,
            digest: *digest,
            offset: first.len() as u64,
            done: first.is_empty(),
            chunk: Cursor::new(first),
        };
        Ok(Box::new(VerifyingReader::new(reader, *digest, None)))
    }
}

/// Reads a blob from the host chunk by chunk (verified by the [`VerifyingReader`] around it).
struct HostReader<'a> {
    image: &'a HostImage,
    digest: Digest,
    /// The offset of the next chunk to ask for.
    offset: u64,
    /// The host returned an empty chunk: end of blob.
    done: bool,
    chunk: Cursor<Vec<u8>>,
}

impl Read for HostReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.chunk.read(out)?;
            if n > 0 || self.done || out.is_empty() {
                return Ok(n);
            }
            let next = self
                .image
                .chunk(&self.digest, self.offset, HOST_READ_CHUNK)
                .map_err(|e| match e {
                    CoreError::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, e),
                    other => io::Error::other(other),
                })?;
            self.offset += next.len() as u64;
            self.done = next.is_empty();
            self.chunk = Cursor::new(next);
        }
    }
}

fn host_opened(source: Arc<dyn HostImageSource>) -> OpenedImage {
    OpenedImage::Image(Box::new(HostImage::new(source)))
}

// ---------------------------------------------------------------- the API over host content

/// The SBOM of the image a host serves (as [`crate::sbom_from_image_bytes`]; the name
/// defaults to `image`).
///
/// ```
/// use std::sync::Arc;
/// use stella_bindings_api::*;
///
/// struct Empty;
/// impl HostImageSource for Empty {
///     fn root(&self) -> Result<HostDescriptor, HostError> {
///         Err(HostError::NotFound { message: "no image".into() })
///     }
///     fn read_blob(&self, d: &str, _: u64, _: u64) -> Result<Vec<u8>, HostError> {
///         Err(HostError::NotFound { message: d.into() })
///     }
/// }
/// let options = SbomOptions { format: SbomFormat::CycloneDxJson, ..SbomOptions::default() };
/// let err = sbom_from_host_image(Arc::new(Empty), &options).unwrap_err();
/// assert_eq!(err.kind, ErrorKind::Internal); // a host failure without a digest: a backend error
/// assert!(err.message.contains("no image"), "{}", err.message);
/// ```
pub fn sbom_from_host_image(
    source: Arc<dyn HostImageSource>,
    options: &SbomOptions,
) -> Result<Vec<u8>, ApiError> {
    guard(|| {
        let name = non_empty(&options.name).unwrap_or(BYTES_NAME);
        scan_for_sbom(&host_opened(source), name, options)
    })
}

/// Scans the image a host serves against a DB snapshot (as [`crate::scan_image_bytes`]).
pub fn scan_host_image(
    source: Arc<dyn HostImageSource>,
    snapshot: &[u8],
    options: &ScanOptions,
) -> Result<Vec<u8>, ApiError> {
    guard(|| {
        let name = non_empty(&options.name).unwrap_or(BYTES_NAME);
        let scanned = scan_traced(&host_opened(source), name, &options.platform)?;
        render(name, scanned, None, snapshot, options.format)
    })
}

/// The entry-trace of the image a host serves, canonical JSON (as
/// [`crate::entry_trace_image_bytes`]).
pub fn entry_trace_host_image(
    source: Arc<dyn HostImageSource>,
    options: &EntryTraceOptions,
) -> Result<Vec<u8>, ApiError> {
    guard(|| trace_json(&host_opened(source), options))
}

/// Runs the golden path as [`crate::run`] does, then stores every artifact of the run into the
/// host's store (named by the digest the library computes) and returns the same result. A host
/// store failure fails the call; what was stored before it stays (the store is write-once).
///
/// ```
/// use std::collections::BTreeMap;
/// use std::sync::{Arc, Mutex};
/// use stella_bindings_api::*;
///
/// #[derive(Default)]
/// struct Memory(Mutex<BTreeMap<String, Vec<u8>>>);
/// impl HostBlobStore for Memory {
///     fn put(&self, digest: &str, bytes: &[u8]) -> Result<(), HostError> {
///         self.0.lock().unwrap().insert(digest.into(), bytes.to_vec());
///         Ok(())
///     }
///     fn get(&self, digest: &str) -> Result<Vec<u8>, HostError> {
///         self.0.lock().unwrap().get(digest).cloned().ok_or(HostError::NotFound { message: digest.into() })
///     }
///     fn contains(&self, digest: &str) -> Result<bool, HostError> {
///         Ok(self.0.lock().unwrap().contains_key(digest))
///     }
/// }
/// let host = Arc::new(Memory::default());
/// let result = run_into_host_store(host.clone(), &RunOptions::default())?; // the demo
/// for artifact in &result.artifacts {
///     assert_eq!(host.0.lock().unwrap()[&artifact.digest], artifact.bytes);
/// }
/// # Ok::<(), ApiError>(())
/// ```
pub fn run_into_host_store(
    store: Arc<dyn HostBlobStore>,
    options: &RunOptions,
) -> Result<RunResult, ApiError> {
    guard(|| {
        let result = run(options)?;
        let store = HostStore::new(store);
        for artifact in &result.artifacts {
            let digest = store.put(&artifact.bytes)?.to_string();
            if digest != artifact.digest {
                return Err(ApiError::new(
                    ErrorKind::Internal,
                    format!(
                        "artifact {} was reported as {} but hashes to {digest}",
                        artifact.kind, artifact.digest
                    ),
                ));
            }
        }
        Ok(result)
    })
}

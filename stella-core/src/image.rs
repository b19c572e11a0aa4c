//! Where image bytes come from: an OCI layout, an archive, a registry, or memory.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::digest::{Digest, VerifyingReader};
use crate::error::CoreError;

/// Media type of an OCI image index.
pub const MEDIA_TYPE_OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Media type of an OCI image manifest.
pub const MEDIA_TYPE_OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Media type of an OCI image config.
pub const MEDIA_TYPE_OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// Media type of a Docker v2 manifest list.
pub const MEDIA_TYPE_DOCKER_MANIFEST_LIST: &str =
    "application/vnd.docker.distribution.manifest.list.v2+json";
/// Media type of a Docker v2 schema 2 manifest.
pub const MEDIA_TYPE_DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// An OCI content descriptor: what a blob is, its digest and its size.
///
/// ```
/// use stella_core::{Descriptor, Digest, MEDIA_TYPE_OCI_MANIFEST};
///
/// let d = Descriptor::new(MEDIA_TYPE_OCI_MANIFEST, Digest::of(b"{}"), 2);
/// assert_eq!(d.size, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// The blob's media type.
    pub media_type: String,
    /// The blob's digest.
    pub digest: Digest,
    /// The blob's size in bytes.
    pub size: u64,
    /// Annotations, as OCI defines them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Descriptor {
    /// A descriptor with no annotations.
    pub fn new(media_type: impl Into<String>, digest: Digest, size: u64) -> Self {
        Self {
            media_type: media_type.into(),
            digest,
            size,
            annotations: BTreeMap::new(),
        }
    }
}

/// A source of image content, addressed by digest.
///
/// The source names its top-level object with [`ImageSource::root`] (an image index or a
/// manifest); everything else is reached by digest from there. Implementations verify what they
/// return: [`ImageSource::blob`] checks the digest before returning, and
/// [`ImageSource::open_blob`] returns a reader that fails at end of stream on a mismatch (wrap
/// the raw reader in [`VerifyingReader`]).
///
/// Contract (every implementation keeps it; `stella_core::testing::check_image_source` and
/// `check_image_source_rejects`, cargo feature `testing`, check it):
/// - `root` is stable, and the root and every index, manifest, config and layer reachable from
///   it are served by `blob` and by `open_blob` alike, matching the descriptor's digest and size
///   (`blob` may refuse a large blob with [`CoreError::LimitExceeded`]);
/// - `index`, `manifest` and `config` return what `blob` does;
/// - a digest the source does not hold is an error, from `blob` and from `open_blob`;
/// - bytes that do not match their digest are [`CoreError::DigestMismatch`] from `blob` and an
///   error from `open_blob` or its stream, on every request.
///
/// ```
/// use std::io::Read;
/// use stella_core::{ImageSource, MemoryImageSource, MEDIA_TYPE_OCI_MANIFEST};
///
/// let mut source = MemoryImageSource::new();
/// let layer = source.add_blob(b"layer bytes".to_vec());
/// let manifest = source.add_blob(br#"{"schemaVersion":2}"#.to_vec());
/// source.set_root(MEDIA_TYPE_OCI_MANIFEST, manifest);
///
/// assert_eq!(source.root()?.digest, manifest);
/// let mut bytes = Vec::new();
/// source.open_blob(&layer)?.read_to_end(&mut bytes)?;
/// assert_eq!(bytes, b"layer bytes");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait ImageSource: Send + Sync + Debug {
    /// The descriptor of the top-level index or manifest this source serves.
    fn root(&self) -> Result<Descriptor, CoreError>;

    /// A small blob (index, manifest, config) in full, verified against `digest`. Implementations
    /// should refuse blobs larger than they are willing to hold (see [`CoreError::LimitExceeded`]).
    fn blob(&self, digest: &Digest) -> Result<Vec<u8>, CoreError>;

    /// A streaming reader over a (possibly large) blob; it fails with `InvalidData` at end of
    /// stream unless the bytes match `digest`.
    fn open_blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, CoreError>;

    /// An image index by digest (same as [`ImageSource::blob`]; named for readability).
    fn index(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        self.blob(digest)
    }

    /// An image manifest by digest.
    fn manifest(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        self.blob(digest)
    }

    /// An image config by digest.
    fn config(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        self.blob(digest)
    }
}

/// An [`ImageSource`] held in memory, for tests and for embedders that already have the bytes.
#[derive(Debug, Default, Clone)]
pub struct MemoryImageSource {
    blobs: BTreeMap<Digest, Vec<u8>>,
    root: Option<Descriptor>,
}

impl MemoryImageSource {
    /// An empty source with no root.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a blob and returns its digest.
    pub fn add_blob(&mut self, bytes: Vec<u8>) -> Digest {
        let digest = Digest::of(&bytes);
        self.blobs.insert(digest, bytes);
        digest
    }

    /// Sets the top-level object (which must have been added with [`Self::add_blob`]).
    pub fn set_root(&mut self, media_type: &str, digest: Digest) {
        let size = self.blobs.get(&digest).map_or(0, |b| b.len() as u64);
        self.root = Some(Descriptor::new(media_type, digest, size));
    }

    /// Replaces the bytes stored under `digest` without changing the name, to test that
    /// consumers detect tampering.
    /// Test support (cargo feature `testing`): production code has no way to edit a blob.
    #[cfg(feature = "testing")]
    pub fn tamper(&mut self, digest: &Digest, bytes: Vec<u8>) {
        self.blobs.insert(*digest, bytes);
    }
}

impl ImageSource for MemoryImageSource {
    fn root(&self) -> Result<Descriptor, CoreError> {
        self.root.clone().ok_or(CoreError::Backend {
            backend: "memory-image",
            source: "no root index or manifest was set".into(),
        })
    }

    fn blob(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        let bytes = self
            .blobs
            .get(digest)
            .ok_or(CoreError::NotFound { digest: *digest })?;
        digest.verify(bytes)?;
        Ok(bytes.clone())
    }

    fn open_blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, CoreError> {
        let bytes = self
            .blobs
            .get(digest)
            .ok_or(CoreError::NotFound { digest: *digest })?;
        Ok(Box::new(VerifyingReader::new(
            bytes.as_slice(),
            *digest,
            Some(bytes.len() as u64),
        )))
    }
}

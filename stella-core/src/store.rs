//! Content-addressed, write-once blob storage.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io::Read;
use std::sync::RwLock;

use crate::digest::Digest;
use crate::error::CoreError;

/// A content-addressed, write-once store: every blob is named by the SHA-256 of its bytes.
///
/// Contract (every implementation keeps it; `stella_core::testing::check_blob_store`, cargo feature
/// `testing`, checks it):
/// - `put` returns the digest of the bytes; putting content that is already there is a no-op
///   that returns the same digest;
/// - there is no overwrite and no delete;
/// - `get` verifies the bytes against the digest before returning them, so a store edited behind
///   its back yields [`CoreError::DigestMismatch`], never wrong bytes;
/// - a missing digest is [`CoreError::NotFound`];
/// - `put_reader` stores nothing when its reader fails;
/// - concurrent `put`s of the same bytes all succeed with the same digest.
///
/// ```
/// use stella_core::{BlobStore, Digest, MemoryBlobStore};
///
/// let store = MemoryBlobStore::new();
/// let d = store.put(b"sbom bytes")?;
/// assert_eq!(d, Digest::of(b"sbom bytes"));
/// assert_eq!(store.get(&d)?, b"sbom bytes");
/// assert_eq!(store.put(b"sbom bytes")?, d); // no-op
/// # Ok::<(), stella_core::CoreError>(())
/// ```
pub trait BlobStore: Send + Sync + Debug {
    /// Stores `bytes` and returns their digest.
    fn put(&self, bytes: &[u8]) -> Result<Digest, CoreError>;

    /// Stores everything `reader` yields and returns its digest. The default reads into memory;
    /// stores for large blobs override it to stream.
    fn put_reader(&self, reader: &mut dyn Read) -> Result<Digest, CoreError> {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|source| CoreError::Io {
                context: "reading blob to store".into(),
                source,
            })?;
        self.put(&bytes)
    }

    /// Returns the bytes stored under `digest`, verified against it.
    fn get(&self, digest: &Digest) -> Result<Vec<u8>, CoreError>;

    /// Whether the store holds `digest`.
    fn contains(&self, digest: &Digest) -> Result<bool, CoreError>;
}

/// A [`BlobStore`] in memory, for tests and embedders that persist elsewhere.
#[derive(Debug, Default)]
pub struct MemoryBlobStore {
    blobs: RwLock<BTreeMap<Digest, Vec<u8>>>,
}

impl MemoryBlobStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The digests held, in order.
    pub fn digests(&self) -> Vec<Digest> {
        self.blobs
            .read()
            .map(|b| b.keys().copied().collect())
            .unwrap_or_default()
    }

    /// Replaces the bytes stored under `digest` without changing the name (inserting them if
    /// the digest is absent), to test that `get` refuses bytes edited behind the store's back.
    /// Test support (cargo feature `testing`): production code has no way to edit a blob.
    #[cfg(feature = "testing")]
    pub fn tamper(&self, digest: &Digest, bytes: &[u8]) {
        if let Ok(mut blobs) = self.blobs.write() {
            blobs.insert(*digest, bytes.to_vec());
        }
    }
}

fn poisoned() -> CoreError {
    CoreError::Backend {
        backend: "memory",
        source: "lock poisoned by a panic in another thread".into(),
    }
}

impl BlobStore for MemoryBlobStore {
    fn put(&self, bytes: &[u8]) -> Result<Digest, CoreError> {
        let digest = Digest::of(bytes);
        let mut blobs = self.blobs.write().map_err(|_| poisoned())?;
        blobs.entry(digest).or_insert_with(|| bytes.to_vec());
        Ok(digest)
    }

    fn get(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        let blobs = self.blobs.read().map_err(|_| poisoned())?;
        let bytes = blobs
            .get(digest)
            .ok_or(CoreError::NotFound { digest: *digest })?;
        digest.verify(bytes)?;
        Ok(bytes.clone())
    }

    fn contains(&self, digest: &Digest) -> Result<bool, CoreError> {
        Ok(self
            .blobs
            .read()
            .map_err(|_| poisoned())?
            .contains_key(digest))
    }
}

//! A registry image served as an [`ImageSource`]: pulled by digest, every object verified, small
//! ones kept in memory and, with a [`BlobStore`], every blob cached there.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};
use std::sync::{Arc, Mutex};

use stella_core::{BlobStore, CoreError, Descriptor, Digest, ImageSource};
use stella_scan::image::{ImageIndex, Platform, ResolvedImage};
use stella_scan::{ScanError, ScanLimits};

use super::{
    FetchedManifest, MANIFEST_MEDIA_TYPES, RegistryClient, RegistryError, RegistryRef,
    is_index_media_type, lock,
};

/// Most manifests and configs held in memory by one [`RegistryImage`].
const MAX_CACHED_METADATA: usize = 256;
/// Most bytes of manifests and configs held in memory by one [`RegistryImage`].
const MAX_CACHED_BYTES: usize = 64 << 20;

/// An image pulled from a registry by digest, served as an [`ImageSource`] whose root is the
/// manifest or index that digest names. Manifests (the root, and the entries of any index read
/// through it) come from `/v2/NAME/manifests/DIGEST`, everything else from
/// `/v2/NAME/blobs/DIGEST`; all of it is verified, and small objects are kept in memory.
///
/// ```no_run
/// use stella::image::registry::{RegistryClient, RegistryOptions, RegistryRef};
/// use stella_scan::{ScanLimits, image::Platform};
///
/// let reference = RegistryRef::parse("localhost:5000/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")?;
/// let image = RegistryClient::new(&reference, RegistryOptions::default())?.pull(&reference)?;
/// let arm = image.resolve_platform(Some(&Platform::parse("linux/arm64")?), &ScanLimits::default())?;
/// println!("{} layers", arm.layers.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RegistryImage {
    client: Arc<RegistryClient>,
    reference: RegistryRef,
    resolved_from_tag: bool,
    root: FetchedManifest,
    manifests: Mutex<BTreeSet<Digest>>,
    cache: Mutex<BTreeMap<Digest, Vec<u8>>>,
    store: Option<Arc<dyn BlobStore>>,
}

impl RegistryImage {
    /// Pulls `reference` with a shared client (see [`RegistryClient::pull`]).
    pub fn open(
        client: Arc<RegistryClient>,
        reference: &RegistryRef,
    ) -> Result<Self, RegistryError> {
        let (digest, resolved_from_tag) = match (&reference.digest, &reference.tag) {
            (Some(d), _) => (*d, false),
            (None, Some(tag)) => (client.resolve_tag(&reference.repository, tag)?, true),
            (None, None) => {
                return Err(RegistryError::Reference {
                    input: reference.to_string(),
                    reason: "neither tag nor digest",
                });
            }
        };
        let root = client.fetch_manifest(&reference.repository, &digest)?;
        let image = Self {
            client,
            reference: reference.with_digest(digest),
            resolved_from_tag,
            manifests: Mutex::new(BTreeSet::from([digest])),
            cache: Mutex::new(BTreeMap::new()),
            store: None,
            root,
        };
        image.note_children(&image.root.media_type, &image.root.bytes);
        Ok(image)
    }

    /// Caches every verified blob (manifests, configs, layers) in `store`, and serves blobs
    /// the store already holds from it. A blob that fails verification is never stored.
    pub fn with_store(mut self, store: Arc<dyn BlobStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The digest pulled (of the root manifest or index).
    pub fn digest(&self) -> Digest {
        self.root.digest
    }

    /// The reference, pinned to [`RegistryImage::digest`].
    pub fn reference(&self) -> &RegistryRef {
        &self.reference
    }

    /// The root manifest or index as received.
    pub fn root_manifest(&self) -> &FetchedManifest {
        &self.root
    }

    /// For a pull by tag: resolves the tag again and fails with [`RegistryError::TagMoved`]
    /// unless it still names the digest pulled. A pull by digest has nothing to confirm.
    pub fn confirm_tag(&self) -> Result<(), RegistryError> {
        let (true, Some(tag)) = (self.resolved_from_tag, &self.reference.tag) else {
            return Ok(());
        };
        let now = self.client.resolve_tag(&self.reference.repository, tag)?;
        if now != self.root.digest {
            return Err(RegistryError::TagMoved {
                reference: RegistryRef {
                    digest: None,
                    ..self.reference.clone()
                }
                .to_string(),
                pulled: self.root.digest,
                now,
            });
        }
        Ok(())
    }

    /// Picks one platform's manifest (default `linux/amd64`) and its config, fetching and
    /// verifying them: the scanner's own selection ([`stella_scan::image::resolve`]).
    pub fn resolve_platform(
        &self,
        platform: Option<&Platform>,
        limits: &ScanLimits,
    ) -> Result<ResolvedImage, ScanError> {
        stella_scan::image::resolve(self, platform, limits)
    }

    /// Pulls one platform's whole image into `store`: the root, any index on the way, the
    /// manifest, the config and every layer (streamed, verified before it is published).
    /// Returns every digest stored, root first then in manifest order.
    pub fn copy_to_store(
        &self,
        store: &dyn BlobStore,
        platform: Option<&Platform>,
        limits: &ScanLimits,
    ) -> Result<Vec<Digest>, ScanError> {
        let resolved = self.resolve_platform(platform, limits)?;
        let mut stored = Vec::new();
        let mut seen = BTreeSet::new();
        let metadata: Vec<Digest> = {
            let manifests = lock(&self.manifests);
            let mut list = vec![self.root.digest];
            list.extend(
                manifests
                    .iter()
                    .filter(|d| **d == resolved.manifest_digest || self.is_cached(d))
                    .copied(),
            );
            list.push(resolved.manifest_digest);
            list.push(resolved.config_digest);
            list
        };
        for digest in metadata {
            if !seen.insert(digest) {
                continue;
            }
            let bytes = self.blob(&digest)?;
            put_checked(store, &digest, &bytes)?;
            stored.push(digest);
        }
        for layer in &resolved.layers {
            if !seen.insert(layer.digest) {
                continue;
            }
            if !store.contains(&layer.digest)? {
                let mut reader = self
                    .client
                    .open_blob(&self.reference.repository, &layer.digest)?;
                let got = store.put_reader(&mut reader)?;
                if got != layer.digest {
                    return Err(ScanError::Core(CoreError::DigestMismatch {
                        expected: layer.digest,
                        actual: got,
                    }));
                }
            }
            stored.push(layer.digest);
        }
        Ok(stored)
    }

    fn is_cached(&self, digest: &Digest) -> bool {
        lock(&self.cache).contains_key(digest)
    }

    fn is_manifest(&self, digest: &Digest) -> bool {
        lock(&self.manifests).contains(digest)
    }

    /// Records the entries of an index as manifests (fetched from the manifests endpoint).
    fn note_children(&self, media_type: &str, bytes: &[u8]) {
        let looks_like_index = is_index_media_type(media_type)
            || (!media_type.contains("manifest")
                && serde_json::from_slice::<serde_json::Value>(bytes)
                    .is_ok_and(|v| v.get("manifests").is_some()));
        if !looks_like_index {
            return;
        }
        if let Ok(index) = serde_json::from_slice::<ImageIndex>(bytes) {
            let mut manifests = lock(&self.manifests);
            for entry in index.manifests.iter().take(10_000) {
                if MANIFEST_MEDIA_TYPES.contains(&entry.media_type.as_str()) {
                    manifests.insert(entry.digest);
                }
            }
        }
    }

    fn fetch_small(&self, digest: &Digest) -> Result<Vec<u8>, RegistryError> {
        if *digest == self.root.digest {
            return Ok(self.root.bytes.clone());
        }
        if let Some(bytes) = lock(&self.cache).get(digest) {
            return Ok(bytes.clone());
        }
        if let Some(store) = &self.store
            && store.contains(digest).map_err(RegistryError::Store)?
        {
            let bytes = store.get(digest).map_err(RegistryError::Store)?;
            if self.is_manifest(digest) {
                // A nested index read from the store still names manifests.
                self.note_children("", &bytes);
            }
            return self.remember(digest, bytes);
        }
        let repository = &self.reference.repository;
        let bytes = if self.is_manifest(digest) {
            let fetched = self.client.fetch_manifest(repository, digest)?;
            self.note_children(&fetched.media_type, &fetched.bytes);
            fetched.bytes
        } else {
            let max = self.client.options().max_metadata_bytes;
            self.client.fetch_blob(repository, digest, max)?
        };
        if let Some(store) = &self.store {
            put_checked(store.as_ref(), digest, &bytes).map_err(RegistryError::Store)?;
        }
        self.remember(digest, bytes)
    }

    fn remember(&self, digest: &Digest, bytes: Vec<u8>) -> Result<Vec<u8>, RegistryError> {
        let mut cache = lock(&self.cache);
        let held: usize = cache.values().map(Vec::len).sum();
        if cache.len() < MAX_CACHED_METADATA && held.saturating_add(bytes.len()) <= MAX_CACHED_BYTES
        {
            cache.insert(*digest, bytes.clone());
        }
        Ok(bytes)
    }
}

fn put_checked(store: &dyn BlobStore, digest: &Digest, bytes: &[u8]) -> Result<(), CoreError> {
    let got = store.put(bytes)?;
    if got != *digest {
        return Err(CoreError::DigestMismatch {
            expected: *digest,
            actual: got,
        });
    }
    Ok(())
}

impl ImageSource for RegistryImage {
    fn root(&self) -> Result<Descriptor, CoreError> {
        Ok(self.root.descriptor())
    }

    fn blob(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        Ok(self.fetch_small(digest)?)
    }

    fn open_blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, CoreError> {
        if *digest == self.root.digest || self.is_manifest(digest) || self.is_cached(digest) {
            return Ok(Box::new(Cursor::new(self.fetch_small(digest)?)));
        }
        let repository = &self.reference.repository;
        match &self.store {
            Some(store) => {
                if !store.contains(digest)? {
                    let mut reader = self.client.open_blob(repository, digest)?;
                    let got = store.put_reader(&mut reader)?;
                    if got != *digest {
                        return Err(CoreError::DigestMismatch {
                            expected: *digest,
                            actual: got,
                        });
                    }
                }
                // Held in memory: the BlobStore trait reads whole blobs.
                Ok(Box::new(Cursor::new(store.get(digest)?)))
            }
            None => Ok(self.client.open_blob(repository, digest)?),
        }
    }

    fn index(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        lock(&self.manifests).insert(*digest);
        self.blob(digest)
    }

    fn manifest(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        lock(&self.manifests).insert(*digest);
        self.blob(digest)
    }
}

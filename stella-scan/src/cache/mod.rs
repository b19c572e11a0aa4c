//! The layer cache, stored as blobs in a write-once [`BlobStore`]. It holds two kinds of
//! results:
//!
//! - **Per layer**: phase-1 results of one layer (its file listing and what each cataloger
//!   extracted), keyed by (layer digest, the set of cataloger names and versions, the limits
//!   that change phase 1). An image that shares only some layers with one scanned before reads
//!   only its other layers.
//! - **Per chain of layers**: what phase 2 made of a whole stack of layers (OS, packages, notes),
//!   keyed like an OCI ChainID by the per-layer keys of every layer in order, plus the cataloger
//!   set, the limit phase 2 uses (`max_link_depth`), the scanner version and the record format. The image's own identity (name,
//!   manifest, config, platform) is not cached: it is filled in from the image at hand. A hit
//!   skips merging the layers and cataloging; only [`crate::engine::scan_image_sbom`] (and
//!   [`crate::engine::scan_image`]) use it, since [`crate::engine::scan_image_detailed`] returns
//!   the merged tree, which the chain record does not hold.
//!
//! A store cannot be updated in place, so the cache keeps a small index (key → result blob)
//! in memory, loaded from an index blob with [`LayerCache::open`] and written as a new blob by
//! [`LayerCache::save`]; the caller keeps the index digest it returns (e.g. in a file next to
//! the store). Every read is verified by the store against its digest, so a cache hit yields
//! exactly the bytes a cold scan stored: a hit never changes a result. A blob whose bytes do
//! not match its digest (edited behind the store's back) is the store's typed error, which the
//! scan returns: a write-once store that changed is reported, not silently repaired (nor could
//! it be: the rebuilt record has the same bytes, so the same name, which the store refuses to
//! overwrite). A record that verifies but that this version cannot decode is a miss, and is
//! rebuilt.
//!
//! A per-layer record holds what phase 1 extracted under the layer's own tar paths, which
//! depends on the layer alone; what a layer's entries mean in the image (a path through a
//! symbolic link of a lower layer, a hard link) is decided when the chain is merged, so a
//! layer shared by images with different lower layers is read right in each. Format: layer
//! records v3 (each extraction keeps its file's ordinal in the layer, plus the layer's archive
//! work), layer keys v2, chain records v3 (plus the image-wide budgets used, and v3 the packages' supplier, authors, hashes and licence acknowledgement) and chain keys v2
//! (plus the image-wide budgets): records of the scanner before link resolution are never
//! served.
//!
//! Limits that do not change a result that stays within them (tar entries, decompressed bytes
//! per layer and per image) are in neither key: each record keeps its layers' counts, and a hit
//! charges them to the scan's limits as walking the layers would, so a scan over a limit fails
//! warm as it does cold.
//!
//! Trust: the cache is as trusted as the store holding it. Whoever can write the store's
//! directory can put a well-formed record under a key and make a scan report it.
//!
//! ```
//! use stella_core::MemoryBlobStore;
//! use stella_scan::LayerCache;
//!
//! let store = MemoryBlobStore::new();
//! let cache = LayerCache::new(&store);
//! assert!(cache.is_empty());
//! let index = cache.save()?;
//! let reopened = LayerCache::open(&store, &index)?;
//! assert_eq!(reopened.len(), 0);
//! # Ok::<(), stella_scan::ScanError>(())
//! ```

mod codec;
mod policy;

use std::collections::BTreeMap;
use std::sync::{RwLock, RwLockReadGuard};

use stella_core::{BlobStore, Digest};

use crate::error::{CacheProblem, ScanError};
pub(crate) use policy::{BudgetsUsed, ChainResult, Extracted, LayerResult, cache_key, chain_key};

/// Per-layer and per-chain results in a [`BlobStore`] (see the module docs).
#[derive(Debug)]
pub struct LayerCache<'a> {
    store: &'a dyn BlobStore,
    index: RwLock<Index>,
}

/// Key → result blob, for each kind of result.
#[derive(Debug, Default)]
struct Index {
    layers: BTreeMap<Digest, Digest>,
    chains: BTreeMap<Digest, Digest>,
}

/// Format tag of the index blob; v1 indexes (per-layer results only) are still read.
pub(crate) const INDEX_FORMAT: &str = "stella-scan/layer-cache-index/v2";
const INDEX_FORMAT_V1: &str = "stella-scan/layer-cache-index/v1";
fn cache_err(reason: CacheProblem) -> ScanError {
    ScanError::Cache { reason }
}

impl<'a> LayerCache<'a> {
    /// An empty cache over `store`.
    pub fn new(store: &'a dyn BlobStore) -> Self {
        Self {
            store,
            index: RwLock::new(Index::default()),
        }
    }

    /// A cache over `store` with the index saved earlier under `index`.
    pub fn open(store: &'a dyn BlobStore, index: &Digest) -> Result<Self, ScanError> {
        let bytes = store.get(index)?;
        let value: serde_json::Value = stella_core::canonical::from_slice_strict(&bytes)?;
        let format = value.get("format").and_then(|f| f.as_str());
        let v1 = format == Some(INDEX_FORMAT_V1);
        if format != Some(INDEX_FORMAT) && !v1 {
            return Err(cache_err(CacheProblem::NotAnIndex { index: *index }));
        }
        let map = |name: &'static str| -> Result<BTreeMap<Digest, Digest>, ScanError> {
            let entries = value.get(name).and_then(|e| e.as_object()).ok_or_else(|| {
                cache_err(CacheProblem::MissingTable {
                    index: *index,
                    table: name,
                })
            })?;
            let mut map = BTreeMap::new();
            for (k, v) in entries {
                let key = Digest::parse(k)?;
                let result = Digest::parse(v.as_str().unwrap_or_default())?;
                map.insert(key, result);
            }
            Ok(map)
        };
        let index = Index {
            layers: map("entries")?,
            chains: if v1 { BTreeMap::new() } else { map("chains")? },
        };
        Ok(Self {
            store,
            index: RwLock::new(index),
        })
    }

    /// Writes the index as a blob and returns its digest (the same entries give the same
    /// digest: the index is canonical JSON).
    pub fn save(&self) -> Result<Digest, ScanError> {
        let index = self.read_index()?;
        let text = |map: &BTreeMap<Digest, Digest>| -> BTreeMap<String, String> {
            map.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let doc = serde_json::json!({
            "format": INDEX_FORMAT,
            "entries": text(&index.layers),
            "chains": text(&index.chains),
        });
        let bytes = stella_core::canonical::to_canonical_vec(&doc)?;
        Ok(self.store.put(&bytes)?)
    }

    /// Number of cached layer results.
    pub fn len(&self) -> usize {
        self.index.read().map(|i| i.layers.len()).unwrap_or(0)
    }

    /// Number of cached results of whole chains of layers (one per image scanned with
    /// [`crate::engine::scan_image_sbom`] or [`crate::engine::scan_image_detailed`]; images
    /// with the same layers share one).
    pub fn chain_len(&self) -> usize {
        self.index.read().map(|i| i.chains.len()).unwrap_or(0)
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0 && self.chain_len() == 0
    }

    fn read_index(&self) -> Result<RwLockReadGuard<'_, Index>, ScanError> {
        self.index
            .read()
            .map_err(|_| cache_err(CacheProblem::LockPoisoned))
    }

    /// The bytes of the result blob indexed under `key` in `table`, if any (verified by the
    /// store against its digest).
    fn result_bytes(
        &self,
        table: fn(&Index) -> &BTreeMap<Digest, Digest>,
        key: &Digest,
    ) -> Result<Option<Vec<u8>>, ScanError> {
        let found = table(&*self.read_index()?).get(key).copied();
        match found {
            Some(blob) => Ok(Some(self.store.get(&blob)?)),
            None => Ok(None),
        }
    }

    /// Stores `bytes` as a blob and indexes it under `key` in `table`.
    fn put_result(
        &self,
        table: fn(&mut Index) -> &mut BTreeMap<Digest, Digest>,
        key: Digest,
        bytes: &[u8],
    ) -> Result<(), ScanError> {
        let blob = self.store.put(bytes)?;
        let mut index = self
            .index
            .write()
            .map_err(|_| cache_err(CacheProblem::LockPoisoned))?;
        table(&mut index).insert(key, blob);
        Ok(())
    }

    pub(crate) fn lookup(&self, key: &Digest) -> Result<Option<LayerResult>, ScanError> {
        // A result this version cannot decode is a miss: the layer is read again.
        Ok(self
            .result_bytes(|i| &i.layers, key)?
            .and_then(|bytes| LayerResult::decode(&bytes)))
    }

    pub(crate) fn insert(&self, key: Digest, result: &LayerResult) -> Result<(), ScanError> {
        self.put_result(|i| &mut i.layers, key, &result.encode())
    }

    /// Whether a chain result is indexed under `key` (its blob is not read).
    pub(crate) fn has_chain(&self, key: &Digest) -> Result<bool, ScanError> {
        Ok(self.read_index()?.chains.contains_key(key))
    }

    pub(crate) fn lookup_chain(&self, key: &Digest) -> Result<Option<ChainResult>, ScanError> {
        // A result this version cannot decode is a miss: the layers are merged again.
        Ok(self
            .result_bytes(|i| &i.chains, key)?
            .and_then(|bytes| ChainResult::decode(&bytes)))
    }

    /// Stores `record` (from [`ChainResult::encode`]) under `key`.
    pub(crate) fn insert_chain(&self, key: Digest, record: &[u8]) -> Result<(), ScanError> {
        self.put_result(|i| &mut i.chains, key, record)
    }
}

#[cfg(test)]
mod tests {
    use super::codec::tests::{encode, full_chain_result};
    use super::*;

    #[test]
    fn an_undecodable_chain_record_is_a_miss_and_a_tampered_one_an_error() {
        use stella_core::{CoreError, MemoryBlobStore};
        let store = MemoryBlobStore::new();
        let cache = LayerCache::new(&store);
        let key = chain_key(&[Digest::of(b"k")], &[], 40, "");
        assert!(cache.lookup_chain(&key).unwrap().is_none());
        cache.insert_chain(key, b"not a record").unwrap();
        assert!(cache.has_chain(&key).unwrap());
        assert_eq!(cache.lookup_chain(&key).unwrap(), None);
        let r = full_chain_result();
        cache.insert_chain(key, &encode(&r)).unwrap();
        assert_eq!(cache.lookup_chain(&key).unwrap(), Some(r));

        // A store that hands back other bytes than it was given (a file edited on disk): the
        // store's digest check fails and the lookup returns that error.
        #[derive(Debug)]
        struct Edited(MemoryBlobStore);
        impl BlobStore for Edited {
            fn put(&self, bytes: &[u8]) -> Result<Digest, CoreError> {
                self.0.put(bytes)
            }
            fn get(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
                let mut bytes = self.0.get(digest)?;
                if let Some(b) = bytes.last_mut() {
                    *b ^= 1;
                }
                digest.verify(&bytes)?;
                Ok(bytes)
            }
            fn contains(&self, digest: &Digest) -> Result<bool, CoreError> {
                self.0.contains(digest)
            }
        }
        let edited = Edited(MemoryBlobStore::new());
        let cache = LayerCache::new(&edited);
        cache
            .insert_chain(key, &encode(&full_chain_result()))
            .unwrap();
        assert!(matches!(
            cache.lookup_chain(&key),
            Err(ScanError::Core(CoreError::DigestMismatch { .. }))
        ));
    }

    #[test]
    fn a_v1_index_still_opens() {
        use stella_core::MemoryBlobStore;
        let store = MemoryBlobStore::new();
        let (k, v) = (Digest::of(b"k"), Digest::of(b"v"));
        let doc = serde_json::json!({
            "format": INDEX_FORMAT_V1,
            "entries": {k.to_string(): v.to_string()},
        });
        let index = store
            .put(&stella_core::canonical::to_canonical_vec(&doc).unwrap())
            .unwrap();
        let cache = LayerCache::open(&store, &index).unwrap();
        assert_eq!((cache.len(), cache.chain_len()), (1, 0));
        let saved = cache.save().unwrap();
        let reopened = LayerCache::open(&store, &saved).unwrap();
        assert_eq!((reopened.len(), reopened.chain_len()), (1, 0));
    }
}

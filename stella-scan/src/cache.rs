//! The layer cache: phase-1 results of one layer (its file listing and what each cataloger
//! extracted), keyed by (layer digest, the set of cataloger names and versions, the limits that
//! change phase 1), stored as blobs in a write-once [`BlobStore`].
//!
//! A store cannot be updated in place, so the cache keeps a small index (key → result blob)
//! in memory, loaded from an index blob with [`LayerCache::open`] and written as a new blob by
//! [`LayerCache::save`]; the caller keeps the index digest it returns (e.g. in a file next to
//! the store). Every read is verified by the store against its digest, so a cache hit yields
//! exactly the bytes a cold scan stored: a hit never changes a result.
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

use std::collections::BTreeMap;
use std::sync::RwLock;

use stella_core::{BlobStore, Digest};

use crate::error::ScanError;
use crate::image::{EntryKind, TreeEntry};

/// Per-layer phase-1 results in a [`BlobStore`] (see the module docs).
#[derive(Debug)]
pub struct LayerCache<'a> {
    store: &'a dyn BlobStore,
    index: RwLock<BTreeMap<Digest, Digest>>,
}

/// Format tag of the index blob and of result blobs; bump when either encoding changes.
const INDEX_FORMAT: &str = "stella-scan/layer-cache-index/v1";
const RESULT_MAGIC: &[u8] = b"stella-scan/layer-result/v1\n";

fn cache_err(reason: impl Into<String>) -> ScanError {
    ScanError::Cache {
        reason: reason.into(),
    }
}

impl<'a> LayerCache<'a> {
    /// An empty cache over `store`.
    pub fn new(store: &'a dyn BlobStore) -> Self {
        Self {
            store,
            index: RwLock::new(BTreeMap::new()),
        }
    }

    /// A cache over `store` with the index saved earlier under `index`.
    pub fn open(store: &'a dyn BlobStore, index: &Digest) -> Result<Self, ScanError> {
        let bytes = store.get(index)?;
        let value: serde_json::Value = stella_core::canonical::from_slice_strict(&bytes)?;
        if value.get("format").and_then(|f| f.as_str()) != Some(INDEX_FORMAT) {
            return Err(cache_err(format!(
                "index blob {index} is not a {INDEX_FORMAT} index"
            )));
        }
        let entries = value
            .get("entries")
            .and_then(|e| e.as_object())
            .ok_or_else(|| cache_err(format!("index blob {index} has no entries object")))?;
        let mut map = BTreeMap::new();
        for (k, v) in entries {
            let key = Digest::parse(k)?;
            let result = Digest::parse(v.as_str().unwrap_or_default())?;
            map.insert(key, result);
        }
        Ok(Self {
            store,
            index: RwLock::new(map),
        })
    }

    /// Writes the index as a blob and returns its digest (the same entries give the same
    /// digest: the index is canonical JSON).
    pub fn save(&self) -> Result<Digest, ScanError> {
        let index = self
            .index
            .read()
            .map_err(|_| cache_err("index lock poisoned"))?;
        let entries: BTreeMap<String, String> = index
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let doc = serde_json::json!({"format": INDEX_FORMAT, "entries": entries});
        let bytes = stella_core::canonical::to_canonical_vec(&doc)?;
        Ok(self.store.put(&bytes)?)
    }

    /// Number of cached layer results.
    pub fn len(&self) -> usize {
        self.index.read().map(|i| i.len()).unwrap_or(0)
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn lookup(&self, key: &Digest) -> Result<Option<LayerResult>, ScanError> {
        let found = self
            .index
            .read()
            .map_err(|_| cache_err("index lock poisoned"))?
            .get(key)
            .copied();
        let Some(blob) = found else {
            return Ok(None);
        };
        let bytes = self.store.get(&blob)?;
        // A result this version cannot decode is a miss: the layer is read again.
        Ok(LayerResult::decode(&bytes))
    }

    pub(crate) fn insert(&self, key: Digest, result: &LayerResult) -> Result<(), ScanError> {
        let blob = self.store.put(&result.encode())?;
        self.index
            .write()
            .map_err(|_| cache_err("index lock poisoned"))?
            .insert(key, blob);
        Ok(())
    }
}

/// One file a cataloger extracted in phase 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Extracted {
    /// The cataloger's name (or the engine's own `os-release` reader).
    pub cataloger: String,
    pub path: String,
    pub mode: u32,
    pub data: Vec<u8>,
}

/// Phase 1 of one layer: what the cache stores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LayerResult {
    pub entries: Vec<TreeEntry>,
    pub extracted: Vec<Extracted>,
    pub notes: Vec<String>,
    pub decompressed_bytes: u64,
}

/// The cache key of one layer under one set of catalogers and limits.
pub(crate) fn cache_key(layer: &Digest, catalogers: &[(String, String)], limits: &str) -> Digest {
    let mut text = format!("stella-scan layer cache v1\nlayer {layer}\nlimits {limits}\n");
    for (name, version) in catalogers {
        text.push_str(&format!("cataloger {name} {version}\n"));
    }
    Digest::of(text.as_bytes())
}

struct Writer(Vec<u8>);

impl Writer {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
}

struct Reader<'b>(&'b [u8]);

impl<'b> Reader<'b> {
    fn take(&mut self, n: u64) -> Option<&'b [u8]> {
        let n = usize::try_from(n).ok()?;
        if n > self.0.len() {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn u64(&mut self) -> Option<u64> {
        let b: [u8; 8] = self.take(8)?.try_into().ok()?;
        Some(u64::from_le_bytes(b))
    }
    fn bytes(&mut self) -> Option<&'b [u8]> {
        let n = self.u64()?;
        self.take(n)
    }
    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }
}

impl LayerResult {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(64 * 1024));
        w.0.extend_from_slice(RESULT_MAGIC);
        w.u64(self.decompressed_bytes);
        w.u64(self.entries.len() as u64);
        for e in &self.entries {
            w.bytes(e.path.as_bytes());
            let (tag, text) = match &e.kind {
                EntryKind::File => (0, ""),
                EntryKind::Dir => (1, ""),
                EntryKind::Symlink(t) => (2, t.as_str()),
                EntryKind::HardLink(t) => (3, t.as_str()),
                EntryKind::Whiteout => (4, ""),
                EntryKind::OpaqueWhiteout => (5, ""),
                EntryKind::Other => (6, ""),
            };
            w.u64(tag);
            w.bytes(text.as_bytes());
            w.u64(u64::from(e.mode));
            w.u64(e.size);
        }
        w.u64(self.extracted.len() as u64);
        for x in &self.extracted {
            w.bytes(x.cataloger.as_bytes());
            w.bytes(x.path.as_bytes());
            w.u64(u64::from(x.mode));
            w.bytes(&x.data);
        }
        w.u64(self.notes.len() as u64);
        for n in &self.notes {
            w.bytes(n.as_bytes());
        }
        w.0
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader(bytes);
        if r.take(RESULT_MAGIC.len() as u64)? != RESULT_MAGIC {
            return None;
        }
        let decompressed_bytes = r.u64()?;
        let n = r.u64()?;
        let mut entries = Vec::new();
        for _ in 0..n {
            let path = r.string()?;
            let tag = r.u64()?;
            let text = r.string()?;
            let kind = match tag {
                0 => EntryKind::File,
                1 => EntryKind::Dir,
                2 => EntryKind::Symlink(text),
                3 => EntryKind::HardLink(text),
                4 => EntryKind::Whiteout,
                5 => EntryKind::OpaqueWhiteout,
                6 => EntryKind::Other,
                _ => return None,
            };
            let mode = u32::try_from(r.u64()?).ok()?;
            let size = r.u64()?;
            entries.push(TreeEntry {
                path,
                kind,
                mode,
                size,
            });
        }
        let n = r.u64()?;
        let mut extracted = Vec::new();
        for _ in 0..n {
            extracted.push(Extracted {
                cataloger: r.string()?,
                path: r.string()?,
                mode: u32::try_from(r.u64()?).ok()?,
                data: r.bytes()?.to_vec(),
            });
        }
        let n = r.u64()?;
        let mut notes = Vec::new();
        for _ in 0..n {
            notes.push(r.string()?);
        }
        if !r.0.is_empty() {
            return None;
        }
        Some(Self {
            entries,
            extracted,
            notes,
            decompressed_bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_round_trips_and_rejects_truncation() {
        let r = LayerResult {
            entries: vec![TreeEntry {
                path: "a/b".into(),
                kind: EntryKind::Symlink("../c".into()),
                mode: 0o777,
                size: 0,
            }],
            extracted: vec![Extracted {
                cataloger: "dpkg".into(),
                path: "var/lib/dpkg/status".into(),
                mode: 0o644,
                data: b"Package: x\n".to_vec(),
            }],
            notes: vec!["n".into()],
            decompressed_bytes: 1024,
        };
        let bytes = r.encode();
        assert_eq!(LayerResult::decode(&bytes), Some(r));
        for cut in 0..bytes.len() {
            assert_eq!(LayerResult::decode(bytes.get(..cut).unwrap()), None);
        }
    }
}

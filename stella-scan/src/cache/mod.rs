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
//! work), layer keys v2, chain records v2 (plus the image-wide budgets used) and chain keys v2
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

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock, RwLockReadGuard};

use stella_core::{BlobStore, Digest};

use crate::error::ScanError;
use crate::image::{EntryKind, TreeEntry};
use crate::package::{Evidence, OsRelease, Package, PackageKind, SourcePackage};

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
const INDEX_FORMAT: &str = "stella-scan/layer-cache-index/v2";
const INDEX_FORMAT_V1: &str = "stella-scan/layer-cache-index/v1";
/// Format tags of result blobs; bump when an encoding changes.
const RESULT_MAGIC: &[u8] = b"stella-scan/layer-result/v3\n";
const CHAIN_MAGIC: &[u8] = b"stella-scan/chain-result/v2\n";

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
            return Err(cache_err(format!(
                "index blob {index} is not a {INDEX_FORMAT} index"
            )));
        }
        let map = |name: &str| -> Result<BTreeMap<Digest, Digest>, ScanError> {
            let entries = value
                .get(name)
                .and_then(|e| e.as_object())
                .ok_or_else(|| cache_err(format!("index blob {index} has no {name} object")))?;
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
            .map_err(|_| cache_err("index lock poisoned"))
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
            .map_err(|_| cache_err("index lock poisoned"))?;
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

/// One file a cataloger extracted in phase 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Extracted {
    /// The cataloger's name (or the engine's own `os-release` reader).
    pub cataloger: String,
    pub path: String,
    pub mode: u32,
    /// Ordinal of the file among the layer's regular-file entries (its
    /// [`crate::image::ContentId::file`]).
    pub file: u64,
    pub data: Arc<[u8]>,
}

/// Phase 1 of one layer: what the cache stores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LayerResult {
    pub entries: Vec<TreeEntry>,
    pub extracted: Vec<Extracted>,
    pub notes: Vec<String>,
    pub decompressed_bytes: u64,
    /// Tar entries counted against `max_entries` (a hit charges them, and the bytes, to the
    /// scan's limits as a walk would).
    pub tar_entries: u64,
    /// (bytes inflated, entries walked) of archives while extracting (a hit charges them to the
    /// image's archive budget as extracting would).
    pub archive: (u64, u64),
}

/// The cache key of one layer under one set of catalogers and limits.
pub(crate) fn cache_key(layer: &Digest, catalogers: &[(String, String)], limits: &str) -> Digest {
    let mut text = format!("stella-scan layer cache v2\nlayer {layer}\nlimits {limits}\n");
    for (name, version) in catalogers {
        text.push_str(&format!("cataloger {name} {version}\n"));
    }
    Digest::of(text.as_bytes())
}

/// Phase 2 of a whole chain of layers: what the chain cache stores. Everything of an
/// [`crate::Sbom`] that depends on the layers (and not on the image's name, manifest, config
/// or platform, which the engine fills in from the image at hand).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ChainResult {
    pub os: Option<OsRelease>,
    pub packages: Vec<Package>,
    pub notes: Vec<String>,
    /// Paths in the merged tree (for [`crate::engine::ScanStats::paths`]).
    pub paths: u64,
    /// (tar entries, decompressed bytes) of each layer, bottom first: a hit charges them to the
    /// scan's limits as walking the layers would.
    pub layer_sizes: Vec<(u64, u64)>,
    /// The image-wide budgets the cold scan used: a hit charges them again.
    pub budgets: BudgetsUsed,
}

/// The image-wide budgets a scan used (the chain key holds the limits; the record what was
/// used under them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct BudgetsUsed {
    /// Bytes kept for the catalogers at the end of the scan.
    pub retained: u64,
    /// Bytes inflated from archives.
    pub archive_bytes: u64,
    /// Archive entries walked.
    pub archive_entries: u64,
}

/// The cache key of a chain of layers: the per-layer keys in order (each covers the layer
/// digest, the catalogers and the phase-1 limits), the catalogers again (phase 2 runs them
/// even over no layer at all), the limits phase 2 uses, the scanner version (phase 2's code)
/// and the record format.
pub(crate) fn chain_key(
    layer_keys: &[Digest],
    catalogers: &[(String, String)],
    max_link_depth: u64,
    budgets: &str,
) -> Digest {
    // v2: the merged tree places entries through symbolic links and catalogers are asked about
    // every name of a file; a v1 record (made without) must not answer.
    let mut text = format!(
        "stella-scan chain cache v2\nscanner {}\nmax_link_depth {max_link_depth}\nbudgets {budgets}\n",
        env!("CARGO_PKG_VERSION")
    );
    for (name, version) in catalogers {
        text.push_str(&format!("cataloger {name} {version}\n"));
    }
    for key in layer_keys {
        text.push_str(&format!("layer-key {key}\n"));
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
    /// LEB128, for the chain record's many small numbers.
    fn var(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }
    fn var_str(&mut self, s: &str) {
        self.var(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn var_opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.var(0),
            Some(s) => {
                self.var(1);
                self.var_str(s);
            }
        }
    }
    fn var_strs(&mut self, list: &[String]) {
        self.var(list.len() as u64);
        for s in list {
            self.var_str(s);
        }
    }
    /// A list of paths, each as (bytes shared with the one before, the rest): sorted path
    /// lists share long prefixes, and fewer bytes are fewer to hash on every read.
    fn var_paths(&mut self, list: &[String]) {
        self.var(list.len() as u64);
        let mut prev = "";
        for s in list {
            let mut shared = s
                .bytes()
                .zip(prev.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            while !s.is_char_boundary(shared) {
                shared -= 1;
            }
            self.var(shared as u64);
            self.var_str(s.get(shared..).unwrap_or_default());
            prev = s;
        }
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
    fn var(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self.0.split_first()?;
            self.0 = rest;
            v |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    /// A count of items each at least one byte long: never more than the bytes left, so a
    /// crafted count cannot reserve memory the record does not back.
    fn count(&mut self) -> Option<usize> {
        let n = usize::try_from(self.var()?).ok()?;
        (n <= self.0.len()).then_some(n)
    }
    fn var_str(&mut self) -> Option<&'b str> {
        let n = self.var()?;
        std::str::from_utf8(self.take(n)?).ok()
    }
    fn var_string(&mut self) -> Option<String> {
        self.var_str().map(str::to_owned)
    }
    fn var_opt_string(&mut self) -> Option<Option<String>> {
        match self.var()? {
            0 => Some(None),
            1 => self.var_string().map(Some),
            _ => None,
        }
    }
    fn var_strings(&mut self) -> Option<Vec<String>> {
        let n = self.count()?;
        let mut list = Vec::with_capacity(n);
        for _ in 0..n {
            list.push(self.var_string()?);
        }
        Some(list)
    }
    /// Paths written by [`Writer::var_paths`]. Each shared prefix is charged to `budget`: a
    /// crafted record of many one-byte entries that each repeat a long prefix cannot expand
    /// into more memory than the budget (the caller's multiple of the record's length).
    fn var_paths(&mut self, budget: &mut usize) -> Option<Vec<String>> {
        let n = self.count()?;
        let mut list: Vec<String> = Vec::with_capacity(n);
        for _ in 0..n {
            let shared = usize::try_from(self.var()?).ok()?;
            *budget = budget.checked_sub(shared)?;
            let rest = self.var_str()?;
            let prev = list.last().map_or("", String::as_str);
            let head = prev.get(..shared)?;
            let mut s = String::with_capacity(shared + rest.len());
            s.push_str(head);
            s.push_str(rest);
            list.push(s);
        }
        Some(list)
    }
    fn digest(&mut self) -> Option<Digest> {
        let b: [u8; 32] = self.take(32)?.try_into().ok()?;
        Some(Digest::from_bytes(b))
    }
}

fn kind_tag(kind: PackageKind) -> u64 {
    match kind {
        PackageKind::Deb => 0,
        PackageKind::Apk => 1,
        PackageKind::Rpm => 2,
        PackageKind::Python => 3,
        PackageKind::Npm => 4,
        PackageKind::GoModule => 5,
        PackageKind::RustCrate => 6,
        PackageKind::Java => 7,
    }
}

fn kind_of(tag: u64) -> Option<PackageKind> {
    Some(match tag {
        0 => PackageKind::Deb,
        1 => PackageKind::Apk,
        2 => PackageKind::Rpm,
        3 => PackageKind::Python,
        4 => PackageKind::Npm,
        5 => PackageKind::GoModule,
        6 => PackageKind::RustCrate,
        7 => PackageKind::Java,
        _ => return None,
    })
}

impl ChainResult {
    /// The record of the SBOM's layer-dependent parts (see [`ChainResult`]).
    pub(crate) fn encode(
        os: Option<&OsRelease>,
        packages: &[Package],
        notes: &[String],
        paths: u64,
        layer_sizes: &[(u64, u64)],
        budgets: BudgetsUsed,
    ) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(256 * 1024));
        w.0.extend_from_slice(CHAIN_MAGIC);
        w.var(paths);
        w.var(layer_sizes.len() as u64);
        for &(entries, bytes) in layer_sizes {
            w.var(entries);
            w.var(bytes);
        }
        let BudgetsUsed {
            retained,
            archive_bytes,
            archive_entries,
        } = budgets;
        w.var(retained);
        w.var(archive_bytes);
        w.var(archive_entries);
        match os {
            None => w.var(0),
            Some(os) => {
                // Destructured whole, so a new field cannot be left out of the record.
                let OsRelease {
                    id,
                    version_id,
                    version_codename,
                    pretty_name,
                    id_like,
                } = os;
                w.var(1);
                w.var_str(id);
                w.var_opt_str(version_id.as_deref());
                w.var_opt_str(version_codename.as_deref());
                w.var_opt_str(pretty_name.as_deref());
                w.var_strs(id_like);
            }
        }
        w.var(packages.len() as u64);
        for p in packages {
            let Package {
                name,
                version,
                kind,
                purl,
                licenses,
                cpes,
                source,
                evidence,
                files,
                dependencies,
                cataloger,
                metadata,
            } = p;
            w.var_str(name);
            w.var_str(version);
            w.var(kind_tag(*kind));
            w.var_str(purl);
            w.var_strs(licenses);
            w.var_strs(cpes);
            match source {
                None => w.var(0),
                Some(SourcePackage { name, version }) => {
                    w.var(1);
                    w.var_str(name);
                    w.var_str(version);
                }
            }
            w.var(evidence.len() as u64);
            for Evidence { path, layer } in evidence {
                w.var_str(path);
                match layer {
                    None => w.var(0),
                    Some(d) => {
                        w.var(1);
                        w.0.extend_from_slice(d.as_bytes());
                    }
                }
            }
            w.var_paths(files);
            w.var_strs(dependencies);
            w.var_str(cataloger);
            w.var(metadata.len() as u64);
            for (k, v) in metadata {
                w.var_str(k);
                w.var_str(v);
            }
        }
        w.var_strs(notes);
        w.0
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader(bytes);
        if r.take(CHAIN_MAGIC.len() as u64)? != CHAIN_MAGIC {
            return None;
        }
        // Bytes the shared path prefixes may add beyond the record's own: sorted file lists
        // compress about 10x this way (the bench image's: 3.4 MB to 0.28 MB), so 64x is ample
        // for a real record and still bounds a crafted one.
        let mut expansion = bytes.len().saturating_mul(64);
        let paths = r.var()?;
        let n = r.count()?;
        let mut layer_sizes = Vec::with_capacity(n);
        for _ in 0..n {
            layer_sizes.push((r.var()?, r.var()?));
        }
        let budgets = BudgetsUsed {
            retained: r.var()?,
            archive_bytes: r.var()?,
            archive_entries: r.var()?,
        };
        let os = match r.var()? {
            0 => None,
            1 => Some(OsRelease {
                id: r.var_string()?,
                version_id: r.var_opt_string()?,
                version_codename: r.var_opt_string()?,
                pretty_name: r.var_opt_string()?,
                id_like: r.var_strings()?,
            }),
            _ => return None,
        };
        let n = r.count()?;
        let mut packages = Vec::with_capacity(n);
        for _ in 0..n {
            let name = r.var_string()?;
            let version = r.var_string()?;
            let kind = kind_of(r.var()?)?;
            let purl = r.var_string()?;
            let licenses = r.var_strings()?;
            let cpes = r.var_strings()?;
            let source = match r.var()? {
                0 => None,
                1 => Some(SourcePackage {
                    name: r.var_string()?,
                    version: r.var_string()?,
                }),
                _ => return None,
            };
            let n = r.count()?;
            let mut evidence = Vec::with_capacity(n);
            for _ in 0..n {
                let path = r.var_string()?;
                let layer = match r.var()? {
                    0 => None,
                    1 => Some(r.digest()?),
                    _ => return None,
                };
                evidence.push(Evidence { path, layer });
            }
            let files = r.var_paths(&mut expansion)?;
            let dependencies = r.var_strings()?;
            let cataloger = r.var_string()?;
            let n = r.count()?;
            let mut metadata = BTreeMap::new();
            for _ in 0..n {
                let k = r.var_string()?;
                let v = r.var_string()?;
                metadata.insert(k, v);
            }
            packages.push(Package {
                name,
                version,
                kind,
                purl,
                licenses,
                cpes,
                source,
                evidence,
                files,
                dependencies,
                cataloger,
                metadata,
            });
        }
        let notes = r.var_strings()?;
        if !r.0.is_empty() {
            return None;
        }
        Some(Self {
            os,
            packages,
            notes,
            paths,
            layer_sizes,
            budgets,
        })
    }
}

impl LayerResult {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(64 * 1024));
        w.0.extend_from_slice(RESULT_MAGIC);
        w.u64(self.decompressed_bytes);
        w.u64(self.tar_entries);
        w.u64(self.archive.0);
        w.u64(self.archive.1);
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
            w.u64(x.file);
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
        let tar_entries = r.u64()?;
        let archive = (r.u64()?, r.u64()?);
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
                file: r.u64()?,
                data: r.bytes()?.into(),
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
            tar_entries,
            archive,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_layer_result() -> LayerResult {
        LayerResult {
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
                file: 7,
                data: b"Package: x\n".as_slice().into(),
            }],
            notes: vec!["n".into()],
            decompressed_bytes: 1024,
            tar_entries: 3,
            archive: (5, 6),
        }
    }

    #[test]
    fn result_round_trips_and_rejects_truncation() {
        let r = sample_layer_result();
        let bytes = r.encode();
        assert_eq!(LayerResult::decode(&bytes), Some(r));
        for cut in 0..bytes.len() {
            assert_eq!(LayerResult::decode(bytes.get(..cut).unwrap()), None);
        }
    }

    fn full_chain_result() -> ChainResult {
        let layer = Digest::of(b"layer");
        let mut metadata = BTreeMap::new();
        metadata.insert("architecture".to_owned(), "amd64".to_owned());
        metadata.insert("maintainer".to_owned(), "Zoë <z@example.org>".to_owned());
        let deb = Package {
            name: "libc6".into(),
            version: "2.36-9+deb12u4".into(),
            kind: PackageKind::Deb,
            purl: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12".into(),
            licenses: vec!["LGPL-2.1-or-later".into(), "free text".into()],
            cpes: vec!["cpe:2.3:a:libc6:libc6:2.36:*:*:*:*:*:*:*".into()],
            source: Some(SourcePackage {
                name: "glibc".into(),
                version: "2.36-9".into(),
            }),
            evidence: vec![
                Evidence {
                    path: "var/lib/dpkg/info/libc6:amd64.list".into(),
                    layer: Some(layer),
                },
                Evidence {
                    path: "var/lib/dpkg/status".into(),
                    layer: None,
                },
            ],
            // Shared prefixes, one ending inside a two-byte character ("é" vs "è"), an empty
            // path and a path that is a prefix of the next.
            files: vec![
                "".into(),
                "etc/ld.so.conf.d/x86_64-linux-gnu.conf".into(),
                "usr/lib/x86_64-linux-gnu/libc.so.6".into(),
                "usr/lib/x86_64-linux-gnu/libc.so.6.1".into(),
                "usr/share/doc/é".into(),
                "usr/share/doc/è".into(),
            ],
            dependencies: vec!["libgcc-s1".into()],
            cataloger: "dpkg".into(),
            metadata,
        };
        let npm = Package {
            name: "left-pad".into(),
            version: "1.3.0".into(),
            kind: PackageKind::Npm,
            purl: "pkg:npm/left-pad@1.3.0".into(),
            licenses: vec![],
            cpes: vec![],
            source: None,
            evidence: vec![],
            files: vec![],
            dependencies: vec![],
            cataloger: "npm".into(),
            metadata: BTreeMap::new(),
        };
        ChainResult {
            os: Some(OsRelease {
                id: "debian".into(),
                version_id: Some("12".into()),
                version_codename: None,
                pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
                id_like: vec!["a".into(), "b".into()],
            }),
            packages: vec![deb, npm],
            notes: vec!["layer sha256:x: note".into()],
            paths: 21_000,
            layer_sizes: vec![(12, 80 << 20), (0, 1024), (300, 1)],
            budgets: BudgetsUsed {
                retained: 4096,
                archive_bytes: 1 << 20,
                archive_entries: 300,
            },
        }
    }

    fn encode(r: &ChainResult) -> Vec<u8> {
        ChainResult::encode(
            r.os.as_ref(),
            &r.packages,
            &r.notes,
            r.paths,
            &r.layer_sizes,
            r.budgets,
        )
    }

    #[test]
    fn chain_result_round_trips_every_field_and_rejects_truncation() {
        let r = full_chain_result();
        let bytes = encode(&r);
        assert_eq!(ChainResult::decode(&bytes), Some(r.clone()));
        for cut in 0..bytes.len() {
            assert_eq!(
                ChainResult::decode(bytes.get(..cut).unwrap()),
                None,
                "{cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(ChainResult::decode(&longer), None);
        let empty = ChainResult::default();
        assert_eq!(ChainResult::decode(&encode(&empty)), Some(empty));
    }

    #[test]
    fn chain_result_rejects_crafted_bytes_without_panicking() {
        let bytes = encode(&full_chain_result());
        // Every single-byte change either decodes to something or is refused: never a panic,
        // never an allocation the record does not back.
        for i in CHAIN_MAGIC.len()..bytes.len() {
            for v in [0x00, 0x7f, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] = v;
                let _ = ChainResult::decode(&b);
            }
        }
        // A count far beyond the record is refused before anything is reserved.
        let mut huge = CHAIN_MAGIC.to_vec();
        huge.extend_from_slice(&[0, 0, 0]); // paths 0, no layers, no OS
        huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
        assert_eq!(ChainResult::decode(&huge), None);
    }

    #[test]
    fn shared_path_prefixes_cannot_expand_a_record_without_bound() {
        // One 16 KiB path, then 8,000 paths that repeat all of it: about 40 KB encoded, 128 MB
        // decoded. Refused: the prefixes may add at most 64 times the record's length.
        let long = "d/".repeat(8 << 10);
        let mut r = full_chain_result();
        let mut files = vec![long.clone()];
        files.extend(std::iter::repeat_n(long, 8_000));
        r.packages[1].files = files;
        let bytes = encode(&r);
        assert!(bytes.len() < 64 << 10, "{}", bytes.len());
        assert_eq!(ChainResult::decode(&bytes), None);
        // The same lists at a size real images have decode.
        r.packages[1].files.truncate(40);
        assert_eq!(ChainResult::decode(&encode(&r)), Some(r));
    }

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
    fn chain_keys_cover_every_layer_in_order_the_catalogers_and_the_link_limit() {
        let (a, b) = (Digest::of(b"a"), Digest::of(b"b"));
        let set = [("dpkg".to_owned(), "1".to_owned())];
        let base = chain_key(&[a, b], &set, 40, "");
        assert_eq!(base, chain_key(&[a, b], &set, 40, ""));
        assert_ne!(base, chain_key(&[b, a], &set, 40, ""));
        assert_ne!(base, chain_key(&[a], &set, 40, ""));
        assert_ne!(base, chain_key(&[a, b, b], &set, 40, ""));
        assert_ne!(base, chain_key(&[a, b], &set, 41, ""));
        assert_ne!(base, chain_key(&[a, b], &set, 40, "retained=1"));
        assert_ne!(base, chain_key(&[a, b], &[], 40, ""));
        // No layers at all: the catalogers still tell results apart.
        assert_ne!(chain_key(&[], &set, 40, ""), chain_key(&[], &[], 40, ""));
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

    #[test]
    fn records_and_layer_keys_keep_their_bytes() {
        // The stored formats (layer records v3, chain records v2, layer keys v2) are fixed:
        // a change of these bytes is a new format, which needs a new version tag.
        let layer = Digest::of(&sample_layer_result().encode()).to_string();
        let chain = Digest::of(&encode(&full_chain_result())).to_string();
        let set = [("dpkg".to_owned(), "1".to_owned())];
        let key = cache_key(&Digest::of(b"layer"), &set, "max_file_bytes=1").to_string();
        assert_eq!(
            (layer.as_str(), chain.as_str(), key.as_str()),
            (
                "sha256:39d249ee41903ebfc4dc6fb107642ff8ed731a6ce259f7b28bdb82a23813a6e0",
                "sha256:193fc2f8c5bb9f8194c309fef350eaa85b6f39223d28be0ecd8cb571e1137134",
                "sha256:45031a8b75844144c295c158fe2a4467f90568c24f6f16df930b5f340ae688a8"
            )
        );
    }
}

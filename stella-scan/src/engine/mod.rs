//! The scan engine: resolves an image, walks its layers (in parallel, through the layer
//! cache), merges them into one file tree, identifies the OS and runs the catalogers' two
//! phases, giving an [`Sbom`].
//!
//! Output does not depend on thread count or on cache hits: layers are merged in manifest order
//! whatever order they finish in, packages are sorted by [`crate::Package::sort_key`] (then by
//! cataloger), notes and the cataloger list are sorted by their text.
//!
//! The merged tree is the filesystem extraction makes ([`FileTree::apply_layer`]): entries
//! written through symbolic links land at their targets (inside the root), whiteouts apply at
//! the path they resolve to, hard links share their target's content. Catalogers are asked
//! about every file's canonical path and, when they do not want it, about its other names
//! through links ([`crate::image::AliasIndex`]); a file that phase 1 did not extract under the
//! name it is handed over under is read again from its layer (the per-layer cache keeps what
//! phase 1 extracted under tar paths only, which depends on the layer alone).
//!
//! Limits of the analysis: a file reached under several names is handed to a cataloger once
//! per canonical path (hard links are several canonical paths), under the canonical path when
//! the cataloger wants it, else under the first of its names it wants. Names are built up to 8
//! links deep, each link used once per name. An entry whose directory is a regular file, or
//! that needs more than 255 links, stays at its literal path (extraction fails there).
//! Everything kept for catalogers counts against [`ScanLimits::max_retained_bytes`], archive
//! inflation against [`ScanLimits::max_archive_bytes`] and
//! [`ScanLimits::max_archive_entries`]: exceeding an image-wide budget fails the scan.
//!
//! ```
//! use stella_scan::engine::{scan_image, ScanOptions};
//! use stella_scan::testing::{TestImage, TestLayer};
//!
//! let image = TestImage::new()
//!     .layer(TestLayer::new().file("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n"))
//!     .build();
//! let sbom = scan_image(&image.source, &[], &ScanOptions::default())?;
//! assert_eq!(sbom.os.map(|os| os.id).as_deref(), Some("debian"));
//! assert_eq!(sbom.image.layers.len(), 1);
//! # Ok::<(), stella_scan::ScanError>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::io::Read;
use std::sync::Arc;

use rayon::prelude::*;
use stella_core::{Descriptor, Digest, ImageSource};

use crate::cache::{
    BudgetsUsed, ChainResult, Extracted, LayerCache, LayerResult, cache_key, chain_key,
};
use crate::error::ScanError;
use crate::image::layer::{ExactSize, WalkBudget, check_path, walk_layer};
use crate::image::{
    ContentId, EntryKind, FileTree, Platform, ResolvedImage, TreeEntry, normalize_path, resolve,
};
use crate::limits::{ArchiveBudget, RetainBudget, ScanLimits};
use crate::package::{
    CatalogContext, CatalogInput, Cataloger, ExtractedFile, ImageInfo, OsRelease, Sbom,
};

/// The engine's own phase-1 reader of os-release files (stored beside the catalogers' results
/// in the layer cache under this name, which no cataloger may take).
const OS_RELEASE: &str = "<os-release>";
const OS_RELEASE_PATHS: [&str; 2] = crate::catalog::os_release::PATHS;

/// How to scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions<'a> {
    /// The platform to pick from an index (default `linux/amd64`).
    pub platform: Option<Platform>,
    /// The limits.
    pub limits: ScanLimits,
    /// A layer cache, when phase-1 results should be reused and stored.
    pub cache: Option<&'a LayerCache<'a>>,
    /// A name for people (the input as given); default: the manifest digest, or `rootfs`.
    pub name: Option<String>,
    /// Where the image was pulled from (`registry.example/team/app`), for
    /// [`ImageInfo::repository_url`].
    pub repository_url: Option<String>,
}

/// Counts of a scan, for tests and progress output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Layers whose blob was read (cache misses).
    pub layers_read: usize,
    /// Layers whose phase-1 result came from the cache.
    pub layers_cached: usize,
    /// Decompressed bytes read.
    pub decompressed_bytes: u64,
    /// Paths in the merged tree.
    pub paths: usize,
    /// Whether the result of the whole chain of layers came from the cache (no layer was
    /// merged or cataloged; [`scan_image_sbom`] only).
    pub chain_cached: bool,
}

/// Everything a scan produced: the SBOM, and for later analyses (entry-trace) the image and
/// its merged tree.
#[derive(Debug, Clone)]
pub struct ImageScan {
    /// The SBOM.
    pub sbom: Sbom,
    /// The resolved image (`None` for a root filesystem).
    pub image: Option<ResolvedImage>,
    /// The merged file tree.
    pub tree: FileTree,
    /// Counts.
    pub stats: ScanStats,
}

/// A root filesystem to scan, supplied by a std adapter (the `stella` crate walks directories).
pub trait RootfsSource: Send + Sync + Debug {
    /// Every entry of the filesystem (paths relative to its root; any order). Hard links may be
    /// reported as regular files; directories and symbolic links are not followed.
    fn entries(&self, limits: &ScanLimits) -> Result<Vec<TreeEntry>, ScanError>;

    /// The contents of the regular file at `path` (a path [`RootfsSource::entries`] returned).
    fn open(&self, path: &str) -> Result<Box<dyn Read + Send + '_>, ScanError>;
}

/// What [`scan_image_sbom`] produced: the SBOM, the resolved image and counts (no merged
/// tree: a hit of the chain cache never builds one).
#[derive(Debug, Clone)]
pub struct ImageSbom {
    /// The SBOM.
    pub sbom: Sbom,
    /// The resolved image.
    pub image: ResolvedImage,
    /// Counts ([`ScanStats::chain_cached`] says whether the chain cache answered).
    pub stats: ScanStats,
}

/// Scans one platform's image of `source` and returns its SBOM.
pub fn scan_image(
    source: &dyn ImageSource,
    catalogers: &[Box<dyn Cataloger>],
    options: &ScanOptions<'_>,
) -> Result<Sbom, ScanError> {
    scan_image_sbom(source, catalogers, options).map(|s| s.sbom)
}

/// Like [`scan_image`], and also returns the resolved image and counts. With a cache in the
/// options, the result of the image's whole chain of layers is looked up first (see
/// [`LayerCache`]): a hit reads no layer and merges nothing; a miss scans as
/// [`scan_image_detailed`] does (reusing the layers the cache has) and stores the chain's
/// result.
///
/// ```
/// use stella_core::MemoryBlobStore;
/// use stella_scan::engine::{scan_image_sbom, ScanOptions};
/// use stella_scan::testing::{TestImage, TestLayer};
/// use stella_scan::LayerCache;
///
/// let image = TestImage::new()
///     .layer(TestLayer::new().file("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n"))
///     .build();
/// let store = MemoryBlobStore::new();
/// let cache = LayerCache::new(&store);
/// let options = ScanOptions { cache: Some(&cache), ..ScanOptions::default() };
/// let cold = scan_image_sbom(&image.source, &[], &options)?;
/// let warm = scan_image_sbom(&image.source, &[], &options)?;
/// assert!(!cold.stats.chain_cached && warm.stats.chain_cached);
/// assert_eq!(warm.sbom, cold.sbom);
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
pub fn scan_image_sbom(
    source: &dyn ImageSource,
    catalogers: &[Box<dyn Cataloger>],
    options: &ScanOptions<'_>,
) -> Result<ImageSbom, ScanError> {
    let prepared = prepare(source, catalogers, options)?;
    let resolved = &prepared.resolved;
    if let Some(cache) = options.cache
        && let Some(hit) = cache.lookup_chain(&prepared.chain)?
        && hit.layer_sizes.len() == resolved.layers.len()
    {
        // The layers' sizes count against the limits as if they had been walked.
        let budget = WalkBudget::default();
        for (layer, &(entries, bytes)) in resolved.layers.iter().zip(&hit.layer_sizes) {
            budget.charge(&layer.digest.to_string(), entries, bytes, &options.limits)?;
        }
        let image = format!("image {}", resolved.manifest_digest);
        let budgets = Budgets::new(&options.limits);
        budgets.retained.reserve(hit.budgets.retained, &image)?;
        budgets.archives.charge_cached(
            hit.budgets.archive_bytes,
            hit.budgets.archive_entries,
            &image,
        )?;
        let stats = ScanStats {
            layers_cached: resolved.layers.len(),
            paths: usize::try_from(hit.paths).unwrap_or(usize::MAX),
            chain_cached: true,
            ..ScanStats::default()
        };
        let sbom = Sbom {
            image: image_info(resolved, options),
            os: hit.os,
            packages: hit.packages,
            catalogers: prepared.set,
            notes: hit.notes,
            scanner_version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        return Ok(ImageSbom {
            sbom,
            image: prepared.resolved,
            stats,
        });
    }
    // A miss (or a record this version cannot decode): the chain's result is stored anew.
    let (sbom, _tree, stats) = prepared.scan(source, true, catalogers, options)?;
    Ok(ImageSbom {
        sbom,
        image: prepared.resolved,
        stats,
    })
}

fn cataloger_set(catalogers: &[Box<dyn Cataloger>]) -> Vec<(String, String)> {
    let mut set: Vec<(String, String)> = catalogers
        .iter()
        .map(|c| (c.name().to_owned(), c.version().to_owned()))
        .collect();
    set.sort();
    set
}

/// Like [`scan_image`], and also returns the resolved image, the merged tree and counts. With
/// a cache, layers are looked up one by one (the chain's result holds no tree); the chain's
/// result is stored too, for [`scan_image_sbom`].
pub fn scan_image_detailed(
    source: &dyn ImageSource,
    catalogers: &[Box<dyn Cataloger>],
    options: &ScanOptions<'_>,
) -> Result<ImageScan, ScanError> {
    let prepared = prepare(source, catalogers, options)?;
    let missing = match options.cache {
        Some(cache) => !cache.has_chain(&prepared.chain)?,
        None => false,
    };
    let (sbom, tree, stats) = prepared.scan(source, missing, catalogers, options)?;
    Ok(ImageScan {
        sbom,
        image: Some(prepared.resolved),
        tree,
        stats,
    })
}

/// What both image scans start from: the resolved image, the cataloger set, the per-layer
/// cache key of each layer in order, and the key of the whole chain.
struct Prepared {
    resolved: ResolvedImage,
    set: Vec<(String, String)>,
    keys: Vec<Digest>,
    chain: Digest,
}

impl Prepared {
    /// Scans the layers ([`scan_layers`]), storing the chain's result when `store_chain`.
    fn scan(
        &self,
        source: &dyn ImageSource,
        store_chain: bool,
        catalogers: &[Box<dyn Cataloger>],
        options: &ScanOptions<'_>,
    ) -> Result<(Sbom, FileTree, ScanStats), ScanError> {
        let store = store_chain.then_some(&self.chain);
        let (resolved, keys, set) = (&self.resolved, &self.keys, &self.set);
        scan_layers(source, resolved, keys, store, catalogers, set, options)
    }
}

fn prepare(
    source: &dyn ImageSource,
    catalogers: &[Box<dyn Cataloger>],
    options: &ScanOptions<'_>,
) -> Result<Prepared, ScanError> {
    let limits = &options.limits;
    let resolved = resolve(source, options.platform.as_ref(), limits)?;
    let set = cataloger_set(catalogers);
    let fingerprint = limits.fingerprint();
    let keys: Vec<Digest> = resolved
        .layers
        .iter()
        .map(|layer| cache_key(&layer.digest, &set, &fingerprint))
        .collect();
    let chain = chain_key(
        &keys,
        &set,
        limits.max_link_depth,
        &limits.budget_fingerprint(),
    );
    Ok(Prepared {
        resolved,
        set,
        keys,
        chain,
    })
}

fn image_info(resolved: &ResolvedImage, options: &ScanOptions<'_>) -> ImageInfo {
    ImageInfo {
        name: options
            .name
            .clone()
            .unwrap_or_else(|| resolved.manifest_digest.to_string()),
        manifest_digest: Some(resolved.manifest_digest),
        config_digest: Some(resolved.config_digest),
        platform: Some(resolved.platform.to_string()),
        layers: resolved.layers.iter().map(|d| d.digest).collect(),
        repository_url: options.repository_url.clone(),
    }
}

/// The image-wide budgets of one scan.
struct Budgets {
    retained: RetainBudget,
    archives: ArchiveBudget,
}

impl Budgets {
    fn new(limits: &ScanLimits) -> Self {
        Self {
            retained: RetainBudget::new(limits),
            archives: ArchiveBudget::new(limits),
        }
    }

    /// Charges a layer's cached phase-1 result as extracting it would have: its kept bytes
    /// (one copy per file where catalogers kept identical bytes) and its archive work.
    fn charge_cached(&self, result: &LayerResult, layer: &str) -> Result<(), ScanError> {
        self.retained
            .reserve(kept_bytes(&result.extracted), layer)?;
        let (bytes, entries) = result.archive;
        self.archives.charge_cached(bytes, entries, layer)
    }

    fn used(&self) -> BudgetsUsed {
        let (archive_bytes, archive_entries) = self.archives.image_used();
        BudgetsUsed {
            retained: self.retained.used(),
            archive_bytes,
            archive_entries,
        }
    }
}

/// Bytes of what phase 1 kept, one copy per file where several catalogers kept the same bytes
/// (as [`extract_as`] shares them).
fn kept_bytes(extracted: &[Extracted]) -> u64 {
    let mut total = 0u64;
    let mut seen: Vec<(u64, &Arc<[u8]>)> = Vec::new();
    for x in extracted {
        if seen
            .iter()
            .any(|(file, data)| *file == x.file && ***data == *x.data)
        {
            continue;
        }
        seen.retain(|(file, _)| *file == x.file);
        seen.push((x.file, &x.data));
        total = total.saturating_add(x.data.len() as u64);
    }
    total
}

/// Who extracts a file: the engine's own os-release reader or a cataloger (its index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Who {
    Os,
    Cataloger(usize),
}

impl Who {
    fn name(self, catalogers: &[Box<dyn Cataloger>]) -> &str {
        match self {
            Who::Os => OS_RELEASE,
            Who::Cataloger(i) => catalogers.get(i).map_or(OS_RELEASE, |c| c.name()),
        }
    }

    fn wants(self, catalogers: &[Box<dyn Cataloger>], path: &str, mode: u32, size: u64) -> bool {
        match self {
            Who::Os => OS_RELEASE_PATHS.contains(&path),
            Who::Cataloger(i) => catalogers.get(i).is_some_and(|c| c.wants(path, mode, size)),
        }
    }

    fn wants_every_name(self, catalogers: &[Box<dyn Cataloger>], path: &str) -> bool {
        match self {
            Who::Os => false,
            Who::Cataloger(i) => catalogers.get(i).is_some_and(|c| c.wants_every_name(path)),
        }
    }

    fn path_independent(self, catalogers: &[Box<dyn Cataloger>]) -> bool {
        match self {
            Who::Os => true,
            Who::Cataloger(i) => catalogers.get(i).is_some_and(|c| c.path_independent()),
        }
    }
}

/// Files to extract again from one layer: regular-file ordinal → (who, the path to extract
/// it under).
type Requests = BTreeMap<u64, Vec<(Who, String)>>;

/// What one extraction kept: (who, the path it was extracted under, the bytes).
type Kept = (Who, String, Arc<[u8]>);

/// One file extracted again: (ordinal, who, path, what was kept).
type Reextracted = (u64, Who, String, Arc<[u8]>);

/// Reads regular files of one layer again (by ordinal), for the names phase 1 did not extract
/// them under; notes go to the vector.
type Reread<'r> =
    dyn Fn(usize, &Requests, &mut Vec<String>) -> Result<Vec<Reextracted>, ScanError> + 'r;

/// A layer's blob stream, held to the size its descriptor states.
fn open_layer<'s>(
    source: &'s dyn ImageSource,
    layer: &Descriptor,
) -> Result<ExactSize<Box<dyn Read + Send + 's>>, ScanError> {
    Ok(ExactSize {
        inner: source.open_blob(&layer.digest)?,
        expected: layer.size,
        read: 0,
    })
}

/// Phase 1 of every layer (through the per-layer cache), the merge and phase 2; with a cache,
/// stores the chain's result under `store_chain` when given.
fn scan_layers(
    source: &dyn ImageSource,
    resolved: &ResolvedImage,
    keys: &[Digest],
    store_chain: Option<&Digest>,
    catalogers: &[Box<dyn Cataloger>],
    set: &[(String, String)],
    options: &ScanOptions<'_>,
) -> Result<(Sbom, FileTree, ScanStats), ScanError> {
    let limits = &options.limits;
    let budget = WalkBudget::default();
    let budgets = Budgets::new(limits);
    let results: Vec<Result<(LayerResult, bool), ScanError>> = resolved
        .layers
        .par_iter()
        .zip(keys.par_iter())
        .map(|(layer, &key)| {
            let name = layer.digest.to_string();
            if let Some(cache) = options.cache
                && let Some(hit) = cache.lookup(&key)?
            {
                budget.charge(&name, hit.tar_entries, hit.decompressed_bytes, limits)?;
                budgets.charge_cached(&hit, &format!("layer {name}"))?;
                return Ok((hit, true));
            }
            let mut bounded = open_layer(source, layer)?;
            let result = read_layer(&mut bounded, &name, catalogers, limits, &budget, &budgets)?;
            if let Some(cache) = options.cache {
                cache.insert(key, &result)?;
            }
            Ok((result, false))
        })
        .collect();
    let mut stats = ScanStats::default();
    let mut layers = Vec::with_capacity(results.len());
    for r in results {
        let (result, cached) = r?;
        if cached {
            stats.layers_cached += 1;
        } else {
            stats.layers_read += 1;
            stats.decompressed_bytes += result.decompressed_bytes;
        }
        layers.push(result);
    }
    let digests: Vec<Option<Digest>> = resolved.layers.iter().map(|d| Some(d.digest)).collect();
    let info = image_info(resolved, options);
    let reread = |index: usize, wanted: &Requests, notes: &mut Vec<String>| {
        let layer = resolved.layers.get(index).ok_or_else(|| {
            ScanError::Image(crate::error::ImageError::Layer {
                layer: format!("#{index}"),
                reason: crate::error::LayerProblem::NoSuchLayer,
            })
        })?;
        let name = layer.digest.to_string();
        let mut bounded = open_layer(source, layer)?;
        let archives = budgets.archives.for_layer();
        let mut ordinal = 0u64;
        let mut out = Vec::new();
        let mut layer_notes = Vec::new();
        walk_layer(
            &mut bounded,
            &name,
            limits,
            &WalkBudget::default(),
            &mut |entry, reader| {
                let file = ordinal;
                ordinal += 1;
                if let Some(requests) = wanted.get(&file) {
                    let kept = extract_as(
                        catalogers,
                        entry,
                        reader,
                        requests,
                        limits,
                        &budgets,
                        &archives,
                        &name,
                        &mut layer_notes,
                    )?;
                    out.extend(
                        kept.into_iter()
                            .map(|(who, path, data)| (file, who, path, data)),
                    );
                }
                Ok(())
            },
        )?;
        notes.extend(
            layer_notes
                .into_iter()
                .map(|n| format!("layer {name}: {n}")),
        );
        Ok(out)
    };
    let (sbom, tree) = finish(info, &layers, &digests, catalogers, limits, set, &reread)?;
    stats.paths = tree.len();
    if let (Some(cache), Some(chain)) = (options.cache, store_chain) {
        let sizes: Vec<(u64, u64)> = layers
            .iter()
            .map(|l| (l.tar_entries, l.decompressed_bytes))
            .collect();
        let record = ChainResult::encode(
            sbom.os.as_ref(),
            &sbom.packages,
            &sbom.notes,
            tree.len() as u64,
            &sizes,
            budgets.used(),
        );
        cache.insert_chain(*chain, &record)?;
    }
    Ok((sbom, tree, stats))
}

/// Scans a root filesystem (one pseudo-layer without a digest; no layer cache).
pub fn scan_rootfs(
    source: &dyn RootfsSource,
    catalogers: &[Box<dyn Cataloger>],
    options: &ScanOptions<'_>,
) -> Result<ImageScan, ScanError> {
    let limits = &options.limits;
    let raw = source.entries(limits)?;
    ScanLimits::check("max_entries", limits.max_entries, raw.len() as u64, || {
        "root filesystem".to_owned()
    })?;
    let mut entries = Vec::with_capacity(raw.len());
    for mut e in raw {
        check_path(&e.path, limits, "root filesystem")?;
        e.path = normalize_path(&e.path);
        if e.path.is_empty() {
            continue;
        }
        if let EntryKind::HardLink(t) = &e.kind {
            e.kind = EntryKind::HardLink(normalize_path(t));
        }
        entries.push(e);
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let mut layer = LayerResult {
        entries,
        ..LayerResult::default()
    };
    let files: Vec<&TreeEntry> = layer
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::File)
        .collect();
    let wanted: Vec<(u64, &TreeEntry)> = files
        .iter()
        .enumerate()
        .filter(|(_, e)| wanted_by(catalogers, e))
        .map(|(i, e)| (i as u64, *e))
        .collect();
    let budgets = Budgets::new(limits);
    let archives = budgets.archives.for_layer();
    let parts: Vec<Result<LayerResult, ScanError>> = wanted
        .par_iter()
        .map(|&(file, e)| {
            let mut part = LayerResult::default();
            let mut reader = source.open(&e.path)?;
            extract_file(
                catalogers,
                "rootfs",
                e,
                file,
                &mut reader,
                limits,
                &budgets,
                &archives,
                &mut part,
            )?;
            Ok(part)
        })
        .collect();
    for p in parts {
        let p = p?;
        layer.extracted.extend(p.extracted);
        layer.notes.extend(p.notes);
    }
    let reread = |_: usize, wanted: &Requests, notes: &mut Vec<String>| {
        let mut out = Vec::new();
        for (&file, requests) in wanted {
            let Some(entry) = usize::try_from(file).ok().and_then(|i| files.get(i)) else {
                continue;
            };
            let mut reader = source.open(&entry.path)?;
            let kept = extract_as(
                catalogers,
                entry,
                &mut reader,
                requests,
                limits,
                &budgets,
                &archives,
                "rootfs",
                notes,
            )?;
            out.extend(
                kept.into_iter()
                    .map(|(who, path, data)| (file, who, path, data)),
            );
        }
        Ok(out)
    };
    let info = ImageInfo {
        name: options.name.clone().unwrap_or_else(|| "rootfs".into()),
        manifest_digest: None,
        config_digest: None,
        platform: None,
        layers: Vec::new(),
        repository_url: None,
    };
    let set = cataloger_set(catalogers);
    let (sbom, tree) = finish(
        info,
        std::slice::from_ref(&layer),
        &[None],
        catalogers,
        limits,
        &set,
        &reread,
    )?;
    let stats = ScanStats {
        layers_read: 1,
        paths: tree.len(),
        ..ScanStats::default()
    };
    Ok(ImageScan {
        sbom,
        image: None,
        tree,
        stats,
    })
}

fn wanted_by(catalogers: &[Box<dyn Cataloger>], e: &TreeEntry) -> bool {
    OS_RELEASE_PATHS.contains(&e.path.as_str())
        || catalogers.iter().any(|c| c.wants(&e.path, e.mode, e.size))
}

/// Phase 1 for one regular file (the `file`-th of its layer) under its own path: asks every
/// cataloger, reads the file once (bounded), and keeps what each wanting cataloger extracts.
/// Failures of a cataloger become notes.
#[allow(clippy::too_many_arguments)]
fn extract_file(
    catalogers: &[Box<dyn Cataloger>],
    input: &str,
    entry: &TreeEntry,
    file: u64,
    reader: &mut dyn Read,
    limits: &ScanLimits,
    budgets: &Budgets,
    archives: &ArchiveBudget,
    out: &mut LayerResult,
) -> Result<(), ScanError> {
    let mut requests: Vec<(Who, String)> = Vec::new();
    if OS_RELEASE_PATHS.contains(&entry.path.as_str()) {
        requests.push((Who::Os, entry.path.clone()));
    }
    for (i, c) in catalogers.iter().enumerate() {
        if c.wants(&entry.path, entry.mode, entry.size) {
            requests.push((Who::Cataloger(i), entry.path.clone()));
        }
    }
    if requests.is_empty() {
        return Ok(());
    }
    let kept = extract_as(
        catalogers,
        entry,
        reader,
        &requests,
        limits,
        budgets,
        archives,
        input,
        &mut out.notes,
    )?;
    for (who, path, data) in kept {
        out.extracted.push(Extracted {
            cataloger: who.name(catalogers).to_owned(),
            path,
            mode: entry.mode,
            file,
            data,
        });
    }
    Ok(())
}

/// Reads one regular file (bounded by `max_file_bytes`, its size reserved from the retained
/// budget before the buffer is allocated) and extracts it for each request under the
/// request's path. What catalogers keep is charged to the retained budget before it is copied
/// into shared memory; identical kept bytes share one copy. A cataloger's
/// [`ScanError::LimitExceeded`] fails the scan; its other errors become notes.
#[allow(clippy::too_many_arguments)]
fn extract_as(
    catalogers: &[Box<dyn Cataloger>],
    entry: &TreeEntry,
    reader: &mut dyn Read,
    requests: &[(Who, String)],
    limits: &ScanLimits,
    budgets: &Budgets,
    archives: &ArchiveBudget,
    input: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Kept>, ScanError> {
    let Some((_, first)) = requests.first() else {
        return Ok(Vec::new());
    };
    if entry.size > limits.max_file_bytes {
        // A package database over the limit fails the scan: skipped, it would hide its
        // packages. Anything else is skipped with a note (one huge binary should not cost the
        // whole SBOM).
        let database = requests.iter().find(|(who, path)| match who {
            Who::Cataloger(i) => catalogers
                .get(*i)
                .is_some_and(|c| c.must_read_whole_at(path)),
            Who::Os => false,
        });
        if let Some((_, path)) = database {
            return Err(ScanError::LimitExceeded {
                limit: "max_file_bytes",
                max: limits.max_file_bytes,
                actual: entry.size,
                input: path.clone(),
            });
        }
        notes.push(format!(
            "skipped {first}: {} bytes is over max_file_bytes ({})",
            entry.size, limits.max_file_bytes
        ));
        return Ok(Vec::new());
    }
    budgets.retained.reserve(entry.size, first)?;
    let kept = read_and_extract(
        catalogers, entry, reader, requests, budgets, archives, input, notes,
    );
    budgets.retained.release(entry.size);
    kept
}

#[allow(clippy::too_many_arguments)]
fn read_and_extract(
    catalogers: &[Box<dyn Cataloger>],
    entry: &TreeEntry,
    reader: &mut dyn Read,
    requests: &[(Who, String)],
    budgets: &Budgets,
    archives: &ArchiveBudget,
    input: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Kept>, ScanError> {
    let layer_error = |reason: crate::error::LayerProblem| {
        ScanError::Image(crate::error::ImageError::Layer {
            layer: input.to_owned(),
            reason,
        })
    };
    // The size is the header's claim, already within max_file_bytes and reserved from the
    // retained budget: a failed allocation is an error, not an abort.
    let mut data: Vec<u8> = Vec::new();
    data.try_reserve_exact(usize::try_from(entry.size).unwrap_or(usize::MAX))
        .map_err(|e| {
            layer_error(crate::error::LayerProblem::Allocation {
                path: entry.path.clone(),
                size: entry.size,
                source: e,
            })
        })?;
    reader
        .take(entry.size)
        .read_to_end(&mut data)
        .map_err(|e| {
            layer_error(crate::error::LayerProblem::Read {
                path: entry.path.clone(),
                source: e,
            })
        })?;
    let mut shared: Option<Arc<[u8]>> = None;
    let mut out = Vec::new();
    for (who, path) in requests {
        // `None`: the bytes as they are (what the os-release reader keeps).
        let kept: Option<Vec<u8>> = match who {
            Who::Os => None,
            Who::Cataloger(i) => {
                let Some(c) = catalogers.get(*i) else {
                    continue;
                };
                match c.extract_with(path, &data, archives) {
                    Ok(Some(k)) => Some(k),
                    Ok(None) => continue,
                    Err(e @ ScanError::LimitExceeded { .. }) => return Err(e),
                    Err(e) => {
                        notes.push(format!("{}: extracting {path}: {e}", c.name()));
                        continue;
                    }
                }
            }
        };
        let arc = match kept {
            Some(k) if k != data => {
                budgets.retained.reserve(k.len() as u64, path)?;
                Arc::from(k)
            }
            _ => match &shared {
                Some(a) => Arc::clone(a),
                None => {
                    budgets.retained.reserve(data.len() as u64, path)?;
                    let a: Arc<[u8]> = Arc::from(data.as_slice());
                    shared = Some(Arc::clone(&a));
                    a
                }
            },
        };
        out.push((*who, path.clone(), arc));
    }
    Ok(out)
}

fn read_layer(
    raw: &mut dyn Read,
    name: &str,
    catalogers: &[Box<dyn Cataloger>],
    limits: &ScanLimits,
    budget: &WalkBudget,
    budgets: &Budgets,
) -> Result<LayerResult, ScanError> {
    let mut result = LayerResult::default();
    let archives = budgets.archives.for_layer();
    let mut ordinal = 0u64;
    let listing = walk_layer(raw, name, limits, budget, &mut |entry, reader| {
        let file = ordinal;
        ordinal += 1;
        extract_file(
            catalogers,
            name,
            entry,
            file,
            reader,
            limits,
            budgets,
            &archives,
            &mut result,
        )
    })?;
    result.entries = listing.entries;
    result.decompressed_bytes = listing.decompressed_bytes;
    result.tar_entries = listing.tar_entries;
    result.archive = archives.used();
    result.notes = result
        .notes
        .into_iter()
        .map(|n| format!("layer {name}: {n}"))
        .collect();
    Ok(result)
}

/// Merges the layers (placing entries through links as extraction does), decides which file
/// each cataloger gets under which name, extracts what phase 1 did not, identifies the OS and
/// runs phase 2.
///
/// Every regular file and hard link of the merged tree is offered to each cataloger under its
/// canonical path, else under the first (sorted) of its other names through symbolic links
/// that the cataloger wants: a database behind a linked directory, or reached through a link
/// or a hard link, is read with the bytes the runtime reads there. A file is handed to one
/// cataloger once per canonical path.
#[allow(clippy::too_many_arguments)]
fn finish(
    image: ImageInfo,
    layers: &[LayerResult],
    digests: &[Option<Digest>],
    catalogers: &[Box<dyn Cataloger>],
    limits: &ScanLimits,
    set: &[(String, String)],
    reread: &Reread<'_>,
) -> Result<(Sbom, FileTree), ScanError> {
    let mut tree = FileTree::with_link_hops(limits.max_link_hops);
    let mut notes: Vec<String> = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        tree.apply_layer(i, &layer.entries)?;
        notes.extend(layer.notes.iter().cloned());
    }
    let layer_digest = |i: usize| digests.get(i).copied().flatten();
    // The regular-file entries of each layer, by ordinal.
    let files: Vec<Vec<&TreeEntry>> = layers
        .iter()
        .map(|l| {
            l.entries
                .iter()
                .filter(|e| e.kind == EntryKind::File)
                .collect()
        })
        .collect();
    let entry_of = |c: ContentId| {
        files
            .get(c.layer)
            .and_then(|f| usize::try_from(c.file).ok().and_then(|i| f.get(i)))
            .copied()
    };
    // What phase 1 kept, by (who, layer, ordinal).
    let by_name: BTreeMap<&str, Who> = std::iter::once((OS_RELEASE, Who::Os))
        .chain(
            catalogers
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name(), Who::Cataloger(i))),
        )
        .collect();
    let mut kept: HashMap<(Who, usize, u64), &Extracted> = HashMap::new();
    for (i, layer) in layers.iter().enumerate() {
        for x in &layer.extracted {
            if let Some(&who) = by_name.get(x.cataloger.as_str()) {
                kept.insert((who, i, x.file), x);
            }
        }
    }
    let whos: Vec<Who> = std::iter::once(Who::Os)
        .chain((0..catalogers.len()).map(Who::Cataloger))
        .collect();
    // Which file each cataloger gets under which name.
    let index = tree.alias_index(limits.max_link_depth);
    let mut alias_budget = limits.max_alias_paths;
    let mut handed: Vec<(Who, String, usize, ContentId, &TreeEntry)> = Vec::new();
    for (path, node) in tree.iter() {
        if !matches!(node.kind, EntryKind::File | EntryKind::HardLink(_)) {
            continue;
        }
        let Some(content) = node.content else {
            continue;
        };
        let Some(entry) = entry_of(content) else {
            continue;
        };
        let mut aliases: Option<Vec<String>> = None;
        for &who in &whos {
            let wanted_here = who.wants(catalogers, path, entry.mode, entry.size);
            if wanted_here && who.wants_every_name(catalogers, path) {
                // Every name the cataloger wants: the canonical one and those through links.
                if aliases.is_none() {
                    aliases =
                        Some(index.aliases(path, &mut alias_budget, limits.max_alias_paths)?);
                }
                handed.push((who, path.to_owned(), node.layer, content, entry));
                for a in aliases.iter().flatten() {
                    if a != path && who.wants(catalogers, a, entry.mode, entry.size) {
                        handed.push((who, a.clone(), node.layer, content, entry));
                    }
                }
                continue;
            }
            let chosen = if wanted_here {
                Some(path.to_owned())
            } else {
                if aliases.is_none() {
                    aliases =
                        Some(index.aliases(path, &mut alias_budget, limits.max_alias_paths)?);
                }
                aliases
                    .iter()
                    .flatten()
                    .find(|a| who.wants(catalogers, a, entry.mode, entry.size))
                    .cloned()
            };
            if let Some(name) = chosen {
                handed.push((who, name, node.layer, content, entry));
            }
        }
    }
    // Their bytes: what phase 1 kept when it extracted the same file under the same name (or
    // the cataloger does not look at names), else read again.
    let mut ready: Vec<(Who, ExtractedFile)> = Vec::new();
    let mut requests: BTreeMap<usize, Requests> = BTreeMap::new();
    let mut pending: Vec<(Who, String, usize, ContentId, &TreeEntry)> = Vec::new();
    for (who, name, node_layer, content, entry) in handed {
        let processed = who.wants(catalogers, &entry.path, entry.mode, entry.size);
        if processed && (name == entry.path || who.path_independent(catalogers)) {
            if let Some(x) = kept.get(&(who, content.layer, content.file)) {
                ready.push((
                    who,
                    ExtractedFile {
                        path: name,
                        layer: layer_digest(node_layer),
                        mode: entry.mode,
                        data: Arc::clone(&x.data),
                    },
                ));
            }
            continue;
        }
        requests
            .entry(content.layer)
            .or_default()
            .entry(content.file)
            .or_default()
            .push((who, name.clone()));
        pending.push((who, name, node_layer, content, entry));
    }
    let mut again: HashMap<(usize, u64, Who, String), Arc<[u8]>> = HashMap::new();
    for (layer, wanted) in &requests {
        for (file, who, name, data) in reread(*layer, wanted, &mut notes)? {
            again.insert((*layer, file, who, name), data);
        }
    }
    for (who, name, node_layer, content, entry) in pending {
        if let Some(((_, _, _, name), data)) =
            again.remove_entry(&(content.layer, content.file, who, name))
        {
            ready.push((
                who,
                ExtractedFile {
                    path: name,
                    layer: layer_digest(node_layer),
                    mode: entry.mode,
                    data,
                },
            ));
        }
    }
    // What the catalogers will read: a file shared by many hard links is kept once but read
    // once per link, so the reading is bounded like the keeping (200 links to one 60 MiB file
    // would otherwise be 12 GB of parsing from an image of kilobytes).
    let handed = ready
        .iter()
        .fold(0u64, |n, (_, f)| n.saturating_add(f.data.len() as u64));
    ScanLimits::check(
        "max_retained_bytes",
        limits.max_retained_bytes,
        handed,
        || "the files handed to the catalogers".to_owned(),
    )?;
    let mut by_cataloger: BTreeMap<String, Vec<ExtractedFile>> = BTreeMap::new();
    for (who, file) in ready {
        by_cataloger
            .entry(who.name(catalogers).to_owned())
            .or_default()
            .push(file);
    }
    for files in by_cataloger.values_mut() {
        // One file per name (a name can be both a node kept at its literal path and another
        // file's name through a link): the first, in the canonical order above, stays.
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|later, kept| later.path == kept.path);
    }
    let os = identify_os(&tree, &by_cataloger, limits, &mut notes);
    let context = CatalogContext { os: os.clone() };
    let empty: Vec<ExtractedFile> = Vec::new();
    let outputs: Vec<Result<Vec<crate::Package>, String>> = catalogers
        .par_iter()
        .map(|c| {
            let files = by_cataloger.get(c.name()).unwrap_or(&empty);
            let exists = |p: &str| tree.exists(p);
            let input = CatalogInput {
                files,
                context: &context,
                exists: &exists,
            };
            c.catalog(&input)
                .map_err(|e| format!("{}: cataloging failed: {e}", c.name()))
        })
        .collect();
    let mut packages = Vec::new();
    for out in outputs {
        match out {
            Ok(p) => packages.extend(p),
            Err(note) => notes.push(note),
        }
    }
    packages.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.cataloger.cmp(&b.cataloger))
    });
    notes.sort();
    notes.dedup();
    let sbom = Sbom {
        image,
        os,
        packages,
        catalogers: set.to_vec(),
        notes,
        scanner_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    Ok((sbom, tree))
}

/// Reads `etc/os-release`, else `usr/lib/os-release`, from the merged tree (through links):
/// the file handed over under the candidate's own name, or under the path it resolves to.
fn identify_os(
    tree: &FileTree,
    extracted: &BTreeMap<String, Vec<ExtractedFile>>,
    limits: &ScanLimits,
    notes: &mut Vec<String>,
) -> Option<OsRelease> {
    let files = extracted.get(OS_RELEASE)?;
    for candidate in OS_RELEASE_PATHS {
        let Some(real) = tree.resolve(candidate, true, limits.max_link_depth) else {
            continue;
        };
        let Some(file) = files
            .iter()
            .find(|f| f.path == real)
            .or_else(|| files.iter().find(|f| f.path == candidate))
        else {
            continue;
        };
        match crate::catalog::os_release::parse(&file.data) {
            Ok(os) => return Some(os),
            Err(e) => notes.push(format!("os-release {real}: {e}")),
        }
    }
    None
}

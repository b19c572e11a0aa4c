//! The scan engine: resolves an image, walks its layers (in parallel, through the layer
//! cache), merges them into one file tree, identifies the OS and runs the catalogers' two
//! phases, giving an [`Sbom`].
//!
//! Output does not depend on thread count or on cache hits: layers are merged in manifest order
//! whatever order they finish in, packages are sorted by [`crate::Package::sort_key`] (then by
//! cataloger), notes and the cataloger list are sorted by their text.
//!
//! Limits of the analysis: a cataloger sees regular files under their own paths; a symbolic
//! link to a wanted file is not handed over a second time under the link's path, while a hard
//! link is (with the data extracted from its target, when the target was wanted too).
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

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io::Read;

use rayon::prelude::*;
use stella_core::{Digest, ImageSource};

use crate::cache::{ChainResult, Extracted, LayerCache, LayerResult, cache_key, chain_key};
use crate::error::ScanError;
use crate::image::layer::{ExactSize, WalkBudget, check_path, walk_layer};
use crate::image::{
    EntryKind, FileTree, Platform, ResolvedImage, TreeEntry, normalize_path, resolve,
};
use crate::limits::ScanLimits;
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
    let Prepared {
        resolved,
        set,
        keys,
        chain,
    } = prepare(source, catalogers, options)?;
    if let Some(cache) = options.cache
        && let Some(hit) = cache.lookup_chain(&chain)?
        && hit.layer_sizes.len() == resolved.layers.len()
    {
        // The layers' sizes count against the limits as if they had been walked.
        let budget = WalkBudget::default();
        for (layer, &(entries, bytes)) in resolved.layers.iter().zip(&hit.layer_sizes) {
            budget.charge(&layer.digest.to_string(), entries, bytes, &options.limits)?;
        }
        let stats = ScanStats {
            layers_cached: resolved.layers.len(),
            paths: usize::try_from(hit.paths).unwrap_or(usize::MAX),
            chain_cached: true,
            ..ScanStats::default()
        };
        let sbom = Sbom {
            image: image_info(&resolved, options),
            os: hit.os,
            packages: hit.packages,
            catalogers: set,
            notes: hit.notes,
            scanner_version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        return Ok(ImageSbom {
            sbom,
            image: resolved,
            stats,
        });
    }
    // A miss (or a record this version cannot decode): the chain's result is stored anew.
    let store = Some(&chain);
    let (sbom, _tree, stats) =
        scan_layers(source, &resolved, &keys, store, catalogers, &set, options)?;
    Ok(ImageSbom {
        sbom,
        image: resolved,
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
    let Prepared {
        resolved,
        set,
        keys,
        chain,
    } = prepare(source, catalogers, options)?;
    let missing = match options.cache {
        Some(cache) => !cache.has_chain(&chain)?,
        None => false,
    };
    let store = missing.then_some(&chain);
    let (sbom, tree, stats) =
        scan_layers(source, &resolved, &keys, store, catalogers, &set, options)?;
    Ok(ImageScan {
        sbom,
        image: Some(resolved),
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
    let chain = chain_key(&keys, &set, limits.max_link_depth);
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
    }
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
    let results: Vec<Result<(LayerResult, bool), ScanError>> = resolved
        .layers
        .par_iter()
        .zip(keys.par_iter())
        .map(|(layer, &key)| {
            if let Some(cache) = options.cache
                && let Some(hit) = cache.lookup(&key)?
            {
                let name = layer.digest.to_string();
                budget.charge(&name, hit.tar_entries, hit.decompressed_bytes, limits)?;
                return Ok((hit, true));
            }
            let blob = source.open_blob(&layer.digest)?;
            let mut bounded = ExactSize {
                inner: blob,
                expected: layer.size,
                read: 0,
            };
            let name = layer.digest.to_string();
            let result = read_layer(&mut bounded, &name, catalogers, limits, &budget)?;
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
    let (sbom, tree) = finish(info, &layers, &digests, catalogers, limits, set)?;
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
    let wanted: Vec<&TreeEntry> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::File && wanted_by(catalogers, e))
        .collect();
    let parts: Vec<Result<LayerResult, ScanError>> = wanted
        .par_iter()
        .map(|e| {
            let mut part = LayerResult::default();
            let mut reader = source.open(&e.path)?;
            extract_file(catalogers, "rootfs", e, &mut reader, limits, &mut part)?;
            Ok(part)
        })
        .collect();
    let mut result = LayerResult::default();
    for p in parts {
        let p = p?;
        result.extracted.extend(p.extracted);
        result.notes.extend(p.notes);
    }
    result.entries = entries;
    let info = ImageInfo {
        name: options.name.clone().unwrap_or_else(|| "rootfs".into()),
        manifest_digest: None,
        config_digest: None,
        platform: None,
        layers: Vec::new(),
    };
    let set = cataloger_set(catalogers);
    let (sbom, tree) = finish(info, &[result], &[None], catalogers, limits, &set)?;
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

/// Phase 1 for one regular file: asks every cataloger, reads the file once (bounded), and
/// keeps what each wanting cataloger extracts. Failures of a cataloger become notes.
fn extract_file(
    catalogers: &[Box<dyn Cataloger>],
    input: &str,
    entry: &TreeEntry,
    reader: &mut dyn Read,
    limits: &ScanLimits,
    out: &mut LayerResult,
) -> Result<(), ScanError> {
    let os = OS_RELEASE_PATHS.contains(&entry.path.as_str());
    let wanting: Vec<&dyn Cataloger> = catalogers
        .iter()
        .filter(|c| c.wants(&entry.path, entry.mode, entry.size))
        .map(|c| c.as_ref())
        .collect();
    if wanting.is_empty() && !os {
        return Ok(());
    }
    if entry.size > limits.max_file_bytes {
        out.notes.push(format!(
            "skipped {}: {} bytes is over max_file_bytes ({})",
            entry.path, entry.size, limits.max_file_bytes
        ));
        return Ok(());
    }
    // The size is the tar header's claim: reserve at most 8 MiB up front and let the data that
    // really arrives grow the buffer (a header may claim 2^63 bytes over four real ones).
    let mut data = Vec::with_capacity(usize::try_from(entry.size.min(8 << 20)).unwrap_or(0));
    reader
        .take(entry.size)
        .read_to_end(&mut data)
        .map_err(|e| {
            ScanError::Image(crate::error::ImageError::Layer {
                layer: input.to_owned(),
                reason: format!("reading {}: {e}", entry.path),
            })
        })?;
    if os {
        out.extracted.push(Extracted {
            cataloger: OS_RELEASE.into(),
            path: entry.path.clone(),
            mode: entry.mode,
            data: data.clone(),
        });
    }
    for c in wanting {
        match c.extract(&entry.path, &data) {
            Ok(Some(kept)) => out.extracted.push(Extracted {
                cataloger: c.name().into(),
                path: entry.path.clone(),
                mode: entry.mode,
                data: kept,
            }),
            Ok(None) => {}
            Err(e) => out
                .notes
                .push(format!("{}: extracting {}: {e}", c.name(), entry.path)),
        }
    }
    Ok(())
}

fn read_layer(
    raw: &mut dyn Read,
    name: &str,
    catalogers: &[Box<dyn Cataloger>],
    limits: &ScanLimits,
    budget: &WalkBudget,
) -> Result<LayerResult, ScanError> {
    let mut result = LayerResult::default();
    let listing = walk_layer(raw, name, limits, budget, &mut |entry, reader| {
        extract_file(catalogers, name, entry, reader, limits, &mut result)
    })?;
    result.entries = listing.entries;
    result.decompressed_bytes = listing.decompressed_bytes;
    result.tar_entries = listing.tar_entries;
    result.notes = result
        .notes
        .into_iter()
        .map(|n| format!("layer {name}: {n}"))
        .collect();
    Ok(result)
}

/// Merges the layers, identifies the OS and runs phase 2.
fn finish(
    image: ImageInfo,
    layers: &[LayerResult],
    digests: &[Option<Digest>],
    catalogers: &[Box<dyn Cataloger>],
    limits: &ScanLimits,
    set: &[(String, String)],
) -> Result<(Sbom, FileTree), ScanError> {
    let mut tree = FileTree::new();
    let mut notes: Vec<String> = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        tree.apply_layer(i, &layer.entries);
        notes.extend(layer.notes.iter().cloned());
    }
    let layer_digest = |i: usize| digests.get(i).copied().flatten();
    // Extracted files that survive: the merged tree's node at the path is a regular file from
    // the same layer (a later entry of the same layer replaces an earlier one).
    let mut survivors: BTreeMap<(&str, &str), ExtractedFile> = BTreeMap::new();
    for (i, layer) in layers.iter().enumerate() {
        for x in &layer.extracted {
            let alive = tree
                .node(&x.path)
                .is_some_and(|n| n.layer == i && n.kind == EntryKind::File);
            if alive {
                survivors.insert(
                    (x.cataloger.as_str(), x.path.as_str()),
                    ExtractedFile {
                        path: x.path.clone(),
                        layer: layer_digest(i),
                        mode: x.mode,
                        data: x.data.clone(),
                    },
                );
            }
        }
    }
    // Hard links: hand the target's extracted data to catalogers that want the link's path.
    let mut linked: Vec<((String, String), ExtractedFile)> = Vec::new();
    for (path, node) in tree.iter() {
        if !matches!(node.kind, EntryKind::HardLink(_)) {
            continue;
        }
        let Some((target, target_node)) = tree.resolve_file(path, limits.max_link_depth) else {
            continue;
        };
        for c in catalogers {
            let name = c.name();
            if survivors.contains_key(&(name, path))
                || !c.wants(path, target_node.mode, target_node.size)
            {
                continue;
            }
            if let Some(x) = survivors.get(&(name, target.as_str())) {
                linked.push((
                    (name.to_owned(), path.to_owned()),
                    ExtractedFile {
                        path: path.to_owned(),
                        layer: layer_digest(node.layer),
                        mode: target_node.mode,
                        data: x.data.clone(),
                    },
                ));
            }
        }
    }
    let mut by_cataloger: BTreeMap<String, Vec<ExtractedFile>> = BTreeMap::new();
    for ((name, _), file) in survivors {
        by_cataloger.entry(name.to_owned()).or_default().push(file);
    }
    for ((name, _), file) in linked {
        by_cataloger.entry(name).or_default().push(file);
    }
    for files in by_cataloger.values_mut() {
        files.sort_by(|a, b| a.path.cmp(&b.path));
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

/// Reads `etc/os-release`, else `usr/lib/os-release`, from the merged tree (through links).
fn identify_os(
    tree: &FileTree,
    extracted: &BTreeMap<String, Vec<ExtractedFile>>,
    limits: &ScanLimits,
    notes: &mut Vec<String>,
) -> Option<OsRelease> {
    let files = extracted.get(OS_RELEASE)?;
    for candidate in OS_RELEASE_PATHS {
        let Some((real, _)) = tree.resolve_file(candidate, limits.max_link_depth) else {
            continue;
        };
        let Some(file) = files.iter().find(|f| f.path == real) else {
            continue;
        };
        match crate::catalog::os_release::parse(&file.data) {
            Ok(os) => return Some(os),
            Err(e) => notes.push(format!("os-release {real}: {e}")),
        }
    }
    None
}

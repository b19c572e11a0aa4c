//! The adapter between the scan engine and the trace: a cataloger that distils every file the
//! trace may need during the engine's single layer walk, and a [`TraceFs`] over the merged
//! [`FileTree`] and those facts.
//!
//! The collector rides the engine's cataloger contract (it finds no packages; its phase 2 keeps
//! the surviving facts for the trace), so the layers are read once for the SBOM and the trace
//! together, and the facts are cached with the layer like any cataloger's extract. It appears in
//! the scan's cataloger list as `entrytrace`.
//!
//! ```
//! use stella_scan::engine::{scan_image_detailed, ScanOptions};
//! use stella_scan::entrytrace::{trace_scan, build_test_elf, TraceCollector, TraceLimits, Reachability};
//! use stella_scan::image::ContainerConfig;
//! use stella_scan::testing::{TestImage, TestLayer};
//!
//! let image = TestImage::new()
//!     .layer(TestLayer::new().file_mode("app/server", &build_test_elf(None, &[], None, None), 0o755))
//!     .config(ContainerConfig { entrypoint: Some(vec!["/app/server".into()]), ..Default::default() })
//!     .build();
//! let collector = TraceCollector::new();
//! let mut catalogers = stella_scan::catalog::default_catalogers();
//! catalogers.push(collector.cataloger());
//! let scan = scan_image_detailed(&image.source, &catalogers, &ScanOptions::default())?;
//! let report = trace_scan(&scan, &collector, &TraceLimits::default())?;
//! assert_eq!(report.reached_files, vec!["app/server".to_string()]);
//! # Ok::<(), stella_scan::ScanError>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use super::facts::{FileFacts, is_config_path};
use super::fs::{FsNode, TraceFs};
use super::report::{EntryConfig, TraceLimits, TraceReport};
use super::resolve::trace;
use crate::engine::ImageScan;
use crate::error::ScanError;
use crate::image::{ContainerConfig, EntryKind, FileTree};
use crate::package::{CatalogInput, Cataloger, Package};

/// Name of the collecting cataloger.
pub const COLLECTOR_NAME: &str = "entrytrace";

/// The collected facts by path. Each file's facts stay in the collector's encoding (what the
/// layer cache holds) until the trace reads them: a trace reads the few hundred files on its
/// paths, not the thousands collected.
///
/// ```
/// use stella_scan::entrytrace::FactsMap;
///
/// let facts = FactsMap::default();
/// assert!(facts.is_empty() && facts.get("app/main.py").is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactsMap {
    encoded: BTreeMap<String, Vec<u8>>,
}

impl FactsMap {
    /// Number of files with facts.
    pub fn len(&self) -> usize {
        self.encoded.len()
    }

    /// Whether no file has facts.
    pub fn is_empty(&self) -> bool {
        self.encoded.is_empty()
    }

    /// The facts of the file at `path`; `None` when none were collected, or when they do not
    /// decode (a cache entry written by another version): the trace then treats the file as
    /// unreadable (`unknown`, never `not_found`).
    pub fn get(&self, path: &str) -> Option<FileFacts> {
        serde_json::from_slice(self.encoded.get(path)?).ok()
    }
}

type Shared = Arc<Mutex<Arc<FactsMap>>>;

/// Collects file facts during a scan; hand [`TraceCollector::cataloger`] to the engine with the
/// other catalogers, then call [`trace_scan`].
#[derive(Debug, Clone, Default)]
pub struct TraceCollector {
    shared: Shared,
}

impl TraceCollector {
    /// A new, empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cataloger to add to the engine's list (it reports into this collector).
    pub fn cataloger(&self) -> Box<dyn Cataloger> {
        Box::new(CollectingCataloger {
            shared: self.shared.clone(),
        })
    }

    /// The facts collected by the last scan, by path (shared, not copied).
    pub fn facts(&self) -> Arc<FactsMap> {
        Arc::clone(&self.shared.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[derive(Debug)]
struct CollectingCataloger {
    shared: Shared,
}

/// Whether the trace may need a file's facts (path and mode only).
pub fn wanted_by_trace(path: &str, mode: u32) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    mode & 0o111 != 0
        || is_config_path(path)
        || name.ends_with(".py")
        || name.ends_with(".pyw")
        || name.ends_with(".js")
        || name.ends_with(".mjs")
        || name.ends_with(".cjs")
        || name.ends_with(".node")
        || name.ends_with(".so")
        || name.contains(".so.")
}

impl Cataloger for CollectingCataloger {
    fn name(&self) -> &'static str {
        COLLECTOR_NAME
    }

    fn version(&self) -> &'static str {
        "1"
    }

    fn wants(&self, path: &str, mode: u32, _size: u64) -> bool {
        wanted_by_trace(path, mode)
    }

    fn extract(&self, path: &str, contents: &[u8]) -> Result<Option<Vec<u8>>, ScanError> {
        let facts = FileFacts::analyze(path, contents);
        // Nothing the trace can use (a shared object that is not ELF, binary data): keep
        // nothing. The trace then finds the file's contents unavailable, which it treats as
        // conservatively as an unreadable file (`unknown`, never `not_found`).
        if !contents.starts_with(b"\x7fELF")
            && facts.elf.is_none()
            && facts.shebang.is_none()
            && facts.shebang_error.is_none()
            && facts.shell.is_none()
            && facts.python.is_none()
            && facts.node.is_none()
            && facts.text.is_none()
        {
            return Ok(None);
        }
        let bytes = serde_json::to_vec(&facts).map_err(|e| ScanError::Catalog {
            cataloger: COLLECTOR_NAME,
            path: path.to_owned(),
            reason: crate::error::CatalogProblem::Facts(e),
        })?;
        Ok(Some(bytes))
    }

    fn catalog(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError> {
        // Decoded when the trace reads a file (see `FactsMap::get`).
        let encoded = input
            .files
            .iter()
            .map(|f| (f.path.clone(), f.data.to_vec()))
            .collect();
        *self.shared.lock().unwrap_or_else(PoisonError::into_inner) =
            Arc::new(FactsMap { encoded });
        Ok(Vec::new())
    }
}

/// A [`TraceFs`] over a merged image tree and the facts collected for it.
#[derive(Debug)]
pub struct TreeFs<'a> {
    tree: &'a FileTree,
    facts: Arc<FactsMap>,
    /// Directory → its entries' names, sorted (borrowed from the tree's paths).
    children: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> TreeFs<'a> {
    /// Indexes the tree's directories (one pass).
    pub fn new(tree: &'a FileTree, facts: Arc<FactsMap>) -> Self {
        let mut children: HashMap<&'a str, Vec<&'a str>> = HashMap::new();
        for (path, _) in tree.iter() {
            let mut p = path;
            // Register every ancestor (directories implied by children).
            loop {
                let (dir, name) = p.rsplit_once('/').unwrap_or(("", p));
                let list = children.entry(dir).or_default();
                let known = list.last().is_some_and(|l| *l == name);
                if !known {
                    list.push(name);
                }
                if dir.is_empty() || known {
                    break;
                }
                p = dir;
            }
        }
        for list in children.values_mut() {
            list.sort();
            list.dedup();
        }
        Self {
            tree,
            facts,
            children,
        }
    }
}

impl TraceFs for TreeFs<'_> {
    fn node(&self, path: &str) -> Option<FsNode> {
        if path.is_empty() {
            return Some(FsNode::Dir);
        }
        match self.tree.node(path) {
            Some(n) => Some(match &n.kind {
                EntryKind::File | EntryKind::HardLink(_) => FsNode::File { mode: n.mode },
                EntryKind::Dir => FsNode::Dir,
                EntryKind::Symlink(t) => FsNode::Symlink(t.clone()),
                EntryKind::Whiteout | EntryKind::OpaqueWhiteout | EntryKind::Other => FsNode::Other,
            }),
            None => self.children.contains_key(path).then_some(FsNode::Dir),
        }
    }

    fn list(&self, dir: &str) -> Vec<String> {
        self.children
            .get(dir)
            .map(|l| l.iter().map(|n| (*n).to_owned()).collect())
            .unwrap_or_default()
    }

    fn facts(&self, path: &str) -> Result<Option<FileFacts>, ScanError> {
        if let Some(f) = self.facts.get(path) {
            return Ok(Some(f));
        }
        // A hard link: the facts of what it links to.
        if let Some((real, _)) = self.tree.resolve_file(path, 40)
            && real != path
        {
            return Ok(self.facts.get(&real));
        }
        Ok(None)
    }
}

impl From<&ContainerConfig> for EntryConfig {
    fn from(c: &ContainerConfig) -> Self {
        Self {
            entrypoint: c.entrypoint.clone().unwrap_or_default(),
            cmd: c.cmd.clone().unwrap_or_default(),
            env: c.env.clone().unwrap_or_default(),
            working_dir: c.working_dir.clone().filter(|w| !w.is_empty()),
            user: c.user.clone().filter(|u| !u.is_empty()),
        }
    }
}

/// Traces a finished scan: its image config's entrypoint over its merged tree, for its SBOM's
/// packages. A root filesystem scan has no config: use [`trace_tree`] with a config of your own.
pub fn trace_scan(
    scan: &ImageScan,
    collector: &TraceCollector,
    limits: &TraceLimits,
) -> Result<TraceReport, ScanError> {
    let config = scan
        .image
        .as_ref()
        .and_then(|i| i.config.config.as_ref())
        .map(EntryConfig::from)
        .unwrap_or_default();
    trace_tree(
        &config,
        &scan.tree,
        collector.facts(),
        &scan.sbom.packages,
        limits,
    )
}

/// Traces `config` over a merged tree with collected facts.
pub fn trace_tree(
    config: &EntryConfig,
    tree: &FileTree,
    facts: Arc<FactsMap>,
    packages: &[Package],
    limits: &TraceLimits,
) -> Result<TraceReport, ScanError> {
    let fs = TreeFs::new(tree, facts);
    trace(config, &fs, packages, limits)
}

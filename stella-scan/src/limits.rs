//! Bounds on what one scan may read: hostile images are expected (docs/design.md §3.7).

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::ScanError;

/// Configurable limits of a scan. Exceeding one is [`ScanError::LimitExceeded`] naming the
/// field, except [`ScanLimits::max_file_bytes`] for files that are not package databases, which
/// skips the one file with a note (one huge binary should not cost the whole SBOM); a package
/// database over it fails the scan ([`crate::Cataloger::must_read_whole`]). The image-wide budgets
/// ([`ScanLimits::max_retained_bytes`], [`ScanLimits::max_archive_bytes`],
/// [`ScanLimits::max_archive_entries`], [`ScanLimits::max_link_hops`],
/// [`ScanLimits::max_alias_paths`]) fail the scan rather than skip a file: a skipped file could
/// hide another file's packages (the one read after the budget ran out), and an SBOM that is
/// silently missing packages would let a gate allow what it should not.
///
/// ```
/// use stella_scan::ScanLimits;
///
/// let limits = ScanLimits { max_entries: 10, ..ScanLimits::default() };
/// assert_eq!(limits.max_entries, 10);
/// assert_eq!(ScanLimits::default().max_path_depth, 256);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanLimits {
    /// Decompressed bytes of one layer. Default 16 GiB: far above real layers (the largest
    /// common images have single layers of a few GiB), far below what fills a disk.
    pub max_layer_bytes: u64,
    /// Decompressed bytes of all layers of one image. Default 64 GiB, for the same reason.
    pub max_image_bytes: u64,
    /// Tar entries of one image (all layers) or files of a root filesystem. Default 4 million:
    /// a full distro image has ~100 000; the merged tree costs ~150 bytes per entry.
    pub max_entries: u64,
    /// Bytes of one file read into memory for a cataloger. Default 64 MiB: metadata files are
    /// kilobytes, Go/Rust binaries tens of MiB; bounded so peak memory stays small. A binary or
    /// archive over it is skipped with a note; a package database over it fails the scan, since
    /// skipping it would hide its packages.
    pub max_file_bytes: u64,
    /// Bytes of one path. Default 4096, Linux `PATH_MAX`.
    pub max_path_bytes: u64,
    /// Components of one path. Default 256 (Linux allows no more than 2048 bytes per path
    /// component chain in practice; real images stay under 30).
    pub max_path_depth: u64,
    /// Bytes of an index, manifest or config blob. Default 16 MiB: real ones are kilobytes; a
    /// config with a long history stays under 1 MiB.
    pub max_metadata_bytes: u64,
    /// Layers of one image. Default 1024 (overlayfs stacks at most 500 lower dirs).
    pub max_layers: u64,
    /// Nesting of image indexes. Default 8 (real images nest at most 2).
    pub max_index_depth: u64,
    /// Symbolic links followed while resolving one path. Default 40, Linux's `MAXSYMLINKS`.
    pub max_link_depth: u64,
    /// Bytes of the tar extension records the layer walk holds in memory for one entry: a PAX
    /// extended header (`x`, and `g`, though a global header is only skipped) or the GNU sparse
    /// map's extension blocks. Checked against the size a header declares, before any of it
    /// is read. Default 1 MiB: real PAX headers carry a path, a link target and a few extended
    /// attributes (Linux caps one attribute value at 64 KiB); real sparse maps a few blocks.
    /// GNU long names and long link targets (`L`, `K`) are held to
    /// [`ScanLimits::max_path_bytes`] instead.
    pub max_tar_header_bytes: u64,
    /// Bytes kept in memory for the catalogers over the whole image: what phase 1 keeps of every
    /// wanted file (metadata files, distilled binaries and archives), plus each file being read.
    /// Checked before each file is read (against the size its header states) and as each
    /// cataloger's result is kept; hard links and the names a symbolic link gives a file share
    /// one copy. The same bound applies to the bytes handed to the catalogers in phase 2 (a
    /// file reached through many hard links is read once per link). Default 1 GiB: a full
    /// distro's package metadata is tens of MiB, a large Node image's 50 000 `package.json`
    /// files about 100 MiB.
    pub max_retained_bytes: u64,
    /// Bytes inflated from archives (jars and the archives nested in them) over the whole
    /// image, checked before each entry is inflated. Default 2 GiB: catalogers inflate only
    /// manifests, `pom.properties` and nested jars, and a large fat-jar image needs a few
    /// hundred MiB; an image of zip bombs stops here instead of inflating 512 MiB per jar.
    pub max_archive_bytes: u64,
    /// Entries of archives (at every nesting level) over the whole image. Default 4 million:
    /// a fat jar has a few thousand entries per nested jar, a large Java image under a
    /// million in total.
    pub max_archive_entries: u64,
    /// Symbolic links followed while placing every entry of every layer at the path extraction
    /// puts it (an entry whose directory is a link lands at the link's target). Each entry may
    /// follow up to 255 links, as containerd and umoci do; this bounds the total. Default 16
    /// million: real images follow a handful.
    pub max_link_hops: u64,
    /// Other names (paths through symbolic links) considered for the files of the merged tree
    /// when asking catalogers which files they want. Default 4 million, one per path at
    /// `max_entries` (a merged-`/usr` image gives every file under `usr/lib` one more name).
    pub max_alias_paths: u64,
}

impl Default for ScanLimits {
    fn default() -> Self {
        Self {
            max_layer_bytes: 16 << 30,
            max_image_bytes: 64 << 30,
            max_entries: 4_000_000,
            max_file_bytes: 64 << 20,
            max_path_bytes: 4096,
            max_path_depth: 256,
            max_metadata_bytes: 16 << 20,
            max_layers: 1024,
            max_index_depth: 8,
            max_link_depth: 40,
            max_tar_header_bytes: 1 << 20,
            max_retained_bytes: 1 << 30,
            max_archive_bytes: 2 << 30,
            max_archive_entries: 4_000_000,
            max_link_hops: 16_000_000,
            max_alias_paths: 4_000_000,
        }
    }
}

impl ScanLimits {
    /// Returns [`ScanError::LimitExceeded`] when `actual > max`.
    pub(crate) fn check(
        limit: &'static str,
        max: u64,
        actual: u64,
        input: impl FnOnce() -> String,
    ) -> Result<(), ScanError> {
        if actual > max {
            return Err(ScanError::LimitExceeded {
                limit,
                max,
                actual,
                input: input(),
            });
        }
        Ok(())
    }

    /// A stable text of the image-wide budgets, part of the chain cache key: a chain record is
    /// only served under the budgets its cold scan stayed within.
    pub(crate) fn budget_fingerprint(&self) -> String {
        format!(
            "retained={};archive={};archive-entries={};hops={};aliases={}",
            self.max_retained_bytes,
            self.max_archive_bytes,
            self.max_archive_entries,
            self.max_link_hops,
            self.max_alias_paths
        )
    }

    /// A stable text of the limits that change phase-1 results (part of the layer cache key):
    /// a layer walked under a higher limit must not answer a scan under a lower one.
    pub(crate) fn fingerprint(&self) -> String {
        format!(
            "file={};path={};depth={};tar-header={}",
            self.max_file_bytes,
            self.max_path_bytes,
            self.max_path_depth,
            self.max_tar_header_bytes
        )
    }
}

/// The archive-inflation budget of one image ([`ScanLimits::max_archive_bytes`] and
/// [`ScanLimits::max_archive_entries`]), shared by every archive a cataloger opens, in every
/// layer, at every nesting level. Catalogers that inflate archives charge it before inflating
/// (see [`crate::Cataloger::extract_with`]). Each layer works on its own view
/// ([`ArchiveBudget::for_layer`]) so that what one layer used can be stored with its cached
/// result and charged again when the result is reused.
///
/// ```
/// use stella_scan::{ArchiveBudget, ScanLimits};
///
/// let limits = ScanLimits { max_archive_bytes: 100, ..ScanLimits::default() };
/// let image = ArchiveBudget::new(&limits);
/// let layer = image.for_layer();
/// layer.reserve_bytes(60, "a.jar")?;
/// assert!(layer.reserve_bytes(60, "b.jar").is_err());
/// layer.refund_bytes(50);
/// assert_eq!(layer.used(), (10, 0));
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ArchiveBudget {
    image: std::sync::Arc<ArchiveTotals>,
    layer: std::sync::Arc<ArchiveTotals>,
}

#[derive(Debug, Default)]
struct ArchiveTotals {
    max_bytes: u64,
    max_entries: u64,
    bytes: AtomicU64,
    entries: AtomicU64,
}

impl ArchiveBudget {
    /// A fresh budget for one image.
    pub fn new(limits: &ScanLimits) -> Self {
        let image = std::sync::Arc::new(ArchiveTotals {
            max_bytes: limits.max_archive_bytes,
            max_entries: limits.max_archive_entries,
            ..ArchiveTotals::default()
        });
        Self {
            layer: std::sync::Arc::new(ArchiveTotals::default()),
            image,
        }
    }

    /// A view for one layer: charges go to the image's totals and are also counted for the
    /// layer ([`ArchiveBudget::used`]).
    pub fn for_layer(&self) -> Self {
        Self {
            image: std::sync::Arc::clone(&self.image),
            layer: std::sync::Arc::new(ArchiveTotals::default()),
        }
    }

    /// Reserves `bytes` before inflating them; over the image's budget is
    /// [`ScanError::LimitExceeded`] (`max_archive_bytes`) naming `input`, and nothing is
    /// reserved.
    pub fn reserve_bytes(&self, bytes: u64, input: &str) -> Result<(), ScanError> {
        Self::reserve(
            &self.image.bytes,
            &self.layer.bytes,
            bytes,
            self.image.max_bytes,
            "max_archive_bytes",
            input,
        )
    }

    /// Gives back the part of a reservation that was not inflated (an entry shorter than its
    /// stated size).
    pub fn refund_bytes(&self, bytes: u64) {
        for counter in [&self.image.bytes, &self.layer.bytes] {
            release(counter, bytes);
        }
    }

    /// Charges `entries` archive entries (before walking them); over the image's budget is
    /// [`ScanError::LimitExceeded`] (`max_archive_entries`).
    pub fn charge_entries(&self, entries: u64, input: &str) -> Result<(), ScanError> {
        Self::reserve(
            &self.image.entries,
            &self.layer.entries,
            entries,
            self.image.max_entries,
            "max_archive_entries",
            input,
        )
    }

    /// (bytes inflated, entries walked) charged through this view.
    pub fn used(&self) -> (u64, u64) {
        (
            self.layer.bytes.load(Ordering::Relaxed),
            self.layer.entries.load(Ordering::Relaxed),
        )
    }

    /// (bytes inflated, entries walked) over the whole image.
    pub(crate) fn image_used(&self) -> (u64, u64) {
        (
            self.image.bytes.load(Ordering::Relaxed),
            self.image.entries.load(Ordering::Relaxed),
        )
    }

    /// Charges what a layer used before (its cached result) to the image's totals.
    pub(crate) fn charge_cached(
        &self,
        bytes: u64,
        entries: u64,
        input: &str,
    ) -> Result<(), ScanError> {
        self.reserve_bytes(bytes, input)?;
        self.charge_entries(entries, input)
    }

    fn reserve(
        image: &AtomicU64,
        layer: &AtomicU64,
        amount: u64,
        max: u64,
        limit: &'static str,
        input: &str,
    ) -> Result<(), ScanError> {
        reserve(image, amount, max, limit, input)?;
        layer.fetch_add(amount, Ordering::Relaxed);
        Ok(())
    }
}

/// Adds `amount` to `counter` unless that takes it over `max`: then
/// [`ScanError::LimitExceeded`] (`limit`, naming `input`) and nothing is added.
fn reserve(
    counter: &AtomicU64,
    amount: u64,
    max: u64,
    limit: &'static str,
    input: &str,
) -> Result<(), ScanError> {
    let mut actual = 0;
    let reserved = counter.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
        actual = v.saturating_add(amount);
        (actual <= max).then_some(actual)
    });
    reserved.map(|_| ()).map_err(|_| ScanError::LimitExceeded {
        limit,
        max,
        actual,
        input: input.to_owned(),
    })
}

/// Takes `amount` back from `counter` (saturating at zero).
fn release(counter: &AtomicU64, amount: u64) {
    let _ = counter.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
        Some(v.saturating_sub(amount))
    });
}

/// The budget of bytes kept in memory for the catalogers over one image
/// ([`ScanLimits::max_retained_bytes`]), shared by the layers read in parallel.
#[derive(Debug)]
pub(crate) struct RetainBudget {
    max: u64,
    used: AtomicU64,
}

impl RetainBudget {
    pub(crate) fn new(limits: &ScanLimits) -> Self {
        Self {
            max: limits.max_retained_bytes,
            used: AtomicU64::new(0),
        }
    }

    /// Reserves `bytes` before they are allocated; over the budget is
    /// [`ScanError::LimitExceeded`] (`max_retained_bytes`) and nothing is reserved.
    pub(crate) fn reserve(&self, bytes: u64, input: &str) -> Result<(), ScanError> {
        reserve(&self.used, bytes, self.max, "max_retained_bytes", input)
    }

    /// Gives back a reservation (a read buffer that was dropped).
    pub(crate) fn release(&self, bytes: u64) {
        release(&self.used, bytes);
    }

    /// Bytes reserved now.
    pub(crate) fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }
}

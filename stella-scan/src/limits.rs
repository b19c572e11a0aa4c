//! Bounds on what one scan may read: hostile images are expected (docs/design.md §3.7).

use crate::error::ScanError;

/// Configurable limits of a scan. Exceeding one is [`ScanError::LimitExceeded`] naming the
/// field, except [`ScanLimits::max_file_bytes`], which skips the one file with a note (one huge
/// binary should not cost the whole SBOM).
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
    /// kilobytes, Go/Rust binaries tens of MiB; bounded so peak memory stays small.
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

    /// A stable text of the limits that change phase-1 results (part of the layer cache key).
    pub(crate) fn fingerprint(&self) -> String {
        format!(
            "file={};path={};depth={}",
            self.max_file_bytes, self.max_path_bytes, self.max_path_depth
        )
    }
}

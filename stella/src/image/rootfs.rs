//! A root filesystem directory as a [`RootfsSource`].

use std::io::{BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use stella_scan::engine::RootfsSource;
use stella_scan::image::{EntryKind, TreeEntry};
use stella_scan::{ScanError, ScanLimits};

use super::io_err;
use crate::files::{Links, open_regular};

/// A root filesystem directory, walked in parallel. Symbolic links are listed, never followed;
/// files are opened only when a cataloger wants them, and only if the resolved path is still
/// inside the root.
#[derive(Debug, Clone)]
pub struct RootfsDir {
    root: PathBuf,
    canonical_root: PathBuf,
}

impl RootfsDir {
    /// Opens a directory.
    pub fn open(root: &Path) -> Result<Self, ScanError> {
        let canonical_root = root
            .canonicalize()
            .map_err(|e| io_err(format!("root filesystem {}", root.display()), e))?;
        Ok(Self {
            root: root.to_owned(),
            canonical_root,
        })
    }
}

/// A directory still to list: its path on disk and its path relative to the root.
type Pending = (PathBuf, String);

/// One directory's listing: its entries and its subdirectories.
type Listing = (Vec<TreeEntry>, Vec<Pending>);

/// Walks the tree level by level: every directory of one depth is listed in parallel (rayon),
/// their subdirectories form the next level. No recursion, so a hostile tree nested thousands
/// of levels deep cannot exhaust a stack; a tree deeper than `max_path_depth` (the deepest
/// path the scanner accepts) is refused as soon as the walk reaches that level.
fn walk(root: &Path, limits: &ScanLimits) -> Result<Vec<TreeEntry>, ScanError> {
    let seen = AtomicU64::new(0);
    let mut out = Vec::new();
    let mut level: Vec<Pending> = vec![(root.to_path_buf(), String::new())];
    let mut depth = 1u64;
    while !level.is_empty() {
        let listed: Vec<Result<Listing, ScanError>> = level
            .par_iter()
            .map(|(dir, prefix)| list_dir(dir, prefix, &seen, limits))
            .collect();
        let mut next = Vec::new();
        for ((dir, _), result) in level.iter().zip(listed) {
            let (entries, subdirs) = result?;
            // The entries of this level have `depth` path components.
            if depth > limits.max_path_depth && !entries.is_empty() {
                return Err(ScanError::LimitExceeded {
                    limit: "max_path_depth",
                    max: limits.max_path_depth,
                    actual: depth,
                    input: format!("root filesystem {}", dir.display()),
                });
            }
            out.extend(entries);
            next.extend(subdirs);
        }
        level = next;
        depth += 1;
    }
    Ok(out)
}

/// Lists one directory (not following links): its entries and its subdirectories. Directory
/// and link entries are typed from `readdir` alone; only regular files are stat'ed (for their
/// size and mode).
fn list_dir(
    dir: &Path,
    prefix: &str,
    seen: &AtomicU64,
    limits: &ScanLimits,
) -> Result<Listing, ScanError> {
    let context = || format!("root filesystem {}", dir.display());
    let mut out = Vec::new();
    let mut subdirs = Vec::new();
    for item in std::fs::read_dir(dir).map_err(|e| io_err(context(), e))? {
        let item = item.map_err(|e| io_err(context(), e))?;
        let name = item.file_name().to_string_lossy().into_owned();
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let ft = item
            .file_type()
            .map_err(|e| io_err(item.path().display().to_string(), e))?;
        let (kind, mode, size) = if ft.is_dir() {
            subdirs.push((item.path(), path.clone()));
            (EntryKind::Dir, 0o755, 0)
        } else if ft.is_symlink() {
            let target = std::fs::read_link(item.path())
                .map_err(|e| io_err(item.path().display().to_string(), e))?;
            (
                EntryKind::Symlink(target.to_string_lossy().into_owned()),
                0o777,
                0,
            )
        } else if ft.is_file() {
            let meta = item
                .metadata()
                .map_err(|e| io_err(item.path().display().to_string(), e))?;
            (
                EntryKind::File,
                meta.permissions().mode() & 0o7777,
                meta.len(),
            )
        } else {
            (EntryKind::Other, 0, 0)
        };
        out.push(TreeEntry {
            path,
            kind,
            mode,
            size,
        });
    }
    let total = seen.fetch_add(out.len() as u64, Ordering::Relaxed) + out.len() as u64;
    if total > limits.max_entries {
        return Err(ScanError::LimitExceeded {
            limit: "max_entries",
            max: limits.max_entries,
            actual: total,
            input: context(),
        });
    }
    Ok((out, subdirs))
}

impl RootfsSource for RootfsDir {
    fn entries(&self, limits: &ScanLimits) -> Result<Vec<TreeEntry>, ScanError> {
        walk(&self.root, limits)
    }

    fn open(&self, path: &str) -> Result<Box<dyn Read + Send + '_>, ScanError> {
        let full = self.root.join(path);
        let context = || full.display().to_string();
        // The engine only opens paths the walk listed as regular files; re-check so a path
        // swapped for a link since then cannot lead outside the root.
        let real = full.canonicalize().map_err(|e| io_err(context(), e))?;
        let meta = std::fs::symlink_metadata(&full).map_err(|e| io_err(context(), e))?;
        if !real.starts_with(&self.canonical_root) || !meta.file_type().is_file() {
            return Err(ScanError::Image(stella_scan::ImageError::Layer {
                layer: "rootfs".into(),
                reason: stella_scan::LayerProblem::NoLongerRegular {
                    path: path.to_owned(),
                },
            }));
        }
        let file = open_regular(&real, Links::Refuse).map_err(|e| io_err(context(), e))?;
        Ok(Box::new(BufReader::new(file)))
    }
}

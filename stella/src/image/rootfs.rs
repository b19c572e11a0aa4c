//! A root filesystem directory as a [`RootfsSource`].

use std::fs::File;
use std::io::{BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use stella_scan::engine::RootfsSource;
use stella_scan::image::{EntryKind, TreeEntry};
use stella_scan::{ScanError, ScanLimits};

use super::io_err;

/// A root filesystem directory. Symbolic links are listed, never followed while walking;
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

impl RootfsSource for RootfsDir {
    fn entries(&self, limits: &ScanLimits) -> Result<Vec<TreeEntry>, ScanError> {
        let mut out = Vec::new();
        let mut stack: Vec<(PathBuf, String)> = vec![(self.root.clone(), String::new())];
        while let Some((dir, prefix)) = stack.pop() {
            let context = || format!("root filesystem {}", dir.display());
            let read = std::fs::read_dir(&dir).map_err(|e| io_err(context(), e))?;
            for item in read {
                let item = item.map_err(|e| io_err(context(), e))?;
                let name = item.file_name().to_string_lossy().into_owned();
                let path = if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}/{name}")
                };
                let meta = std::fs::symlink_metadata(item.path())
                    .map_err(|e| io_err(item.path().display().to_string(), e))?;
                let mode = meta.permissions().mode() & 0o7777;
                let ft = meta.file_type();
                let (kind, size) = if ft.is_file() {
                    (EntryKind::File, meta.len())
                } else if ft.is_dir() {
                    stack.push((item.path(), path.clone()));
                    (EntryKind::Dir, 0)
                } else if ft.is_symlink() {
                    let target = std::fs::read_link(item.path())
                        .map_err(|e| io_err(item.path().display().to_string(), e))?;
                    (EntryKind::Symlink(target.to_string_lossy().into_owned()), 0)
                } else {
                    (EntryKind::Other, 0)
                };
                out.push(TreeEntry {
                    path,
                    kind,
                    mode,
                    size,
                });
                if out.len() as u64 > limits.max_entries {
                    return Err(ScanError::LimitExceeded {
                        limit: "max_entries",
                        max: limits.max_entries,
                        actual: out.len() as u64,
                        input: format!("root filesystem {}", self.root.display()),
                    });
                }
            }
        }
        Ok(out)
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
                reason: format!("{path} is no longer a regular file inside the root"),
            }));
        }
        let file = File::open(&real).map_err(|e| io_err(context(), e))?;
        Ok(Box::new(BufReader::new(file)))
    }
}

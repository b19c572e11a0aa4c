//! The file tree the trace walks: a small trait, an in-memory implementation, and symbolic
//! link resolution that never leaves the image root.

use std::collections::BTreeMap;

use super::facts::FileFacts;
use crate::error::ScanError;

/// What is at a path (links not followed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsNode {
    /// A regular file with its mode bits.
    File {
        /// Unix mode bits.
        mode: u32,
    },
    /// A directory.
    Dir,
    /// A symbolic link and its target as written.
    Symlink(String),
    /// A device, FIFO or socket.
    Other,
}

/// A read-only file tree. Paths are root-relative, normalized, without a leading `/`; the root
/// is `""`.
pub trait TraceFs {
    /// The node at exactly `path`, without following a link in the last component (earlier
    /// components are plain directories in the path given). A directory implied by children
    /// counts as [`FsNode::Dir`].
    fn node(&self, path: &str) -> Option<FsNode>;
    /// Names of the entries of the directory `dir`, sorted.
    fn list(&self, dir: &str) -> Vec<String>;
    /// The facts of the regular file at `path` (`Ok(None)` when the file is not available for
    /// analysis, e.g. skipped as too large).
    fn facts(&self, path: &str) -> Result<Option<FileFacts>, ScanError>;
}

/// Why a path did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unresolvable {
    /// No such path.
    Missing,
    /// More links than allowed (a loop or a long chain).
    LinkLimit,
}

/// Joins `rel` to the directory `base` (both root-relative), or restarts at the root for an
/// absolute `rel`, normalizing `.` and `..` lexically (`..` stops at the root).
pub(crate) fn join(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|c| !c.is_empty()).collect()
    };
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

/// The directory of a path (`""` for a top-level name).
pub(crate) fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Resolves `path` through symbolic links inside the root; returns the real path of what it
/// names. Every component's links are followed, the last one's too. `..` is applied to the
/// resolved prefix, so a link can never climb out of the root.
pub(crate) fn resolve(
    fs: &dyn TraceFs,
    path: &str,
    max_links: u32,
) -> Result<(String, FsNode), Unresolvable> {
    let mut pending: std::collections::VecDeque<String> = path
        .split('/')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    let mut resolved: Vec<String> = Vec::new();
    let mut links = 0u32;
    let mut last = FsNode::Dir;
    while let Some(c) = pending.pop_front() {
        match c.as_str() {
            "." => continue,
            ".." => {
                resolved.pop();
                continue;
            }
            _ => {}
        }
        resolved.push(c);
        let current = resolved.join("/");
        let node = fs.node(&current).ok_or(Unresolvable::Missing)?;
        match node {
            FsNode::Symlink(target) => {
                links += 1;
                if links > max_links {
                    return Err(Unresolvable::LinkLimit);
                }
                resolved.pop();
                if target.starts_with('/') {
                    resolved.clear();
                }
                for part in target.split('/').filter(|c| !c.is_empty()).rev() {
                    pending.push_front(part.to_owned());
                }
                last = FsNode::Dir;
            }
            FsNode::Dir => last = FsNode::Dir,
            other if pending.is_empty() => last = other,
            _ => return Err(Unresolvable::Missing),
        }
    }
    Ok((resolved.join("/"), last))
}

/// An in-memory [`TraceFs`], for tests and for callers that hold files in memory. Facts are
/// computed from the bytes with [`FileFacts::analyze`] on each read.
///
/// ```
/// use stella_scan::entrytrace::{MemoryFs, TraceFs, FsNode};
///
/// let fs = MemoryFs::new().file("app/main.py", b"import os\n").symlink("bin/app", "/app/main.py");
/// assert_eq!(fs.node("app"), Some(FsNode::Dir));
/// assert_eq!(fs.list("app"), vec!["main.py".to_string()]);
/// assert!(fs.facts("app/main.py").unwrap().unwrap().python.is_some());
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryFs {
    nodes: BTreeMap<String, (FsNode, Vec<u8>)>,
}

impl MemoryFs {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a regular file with mode `0o644`.
    pub fn file(self, path: &str, data: &[u8]) -> Self {
        self.file_mode(path, data, 0o644)
    }

    /// Adds an executable regular file (mode `0o755`).
    pub fn exe(self, path: &str, data: &[u8]) -> Self {
        self.file_mode(path, data, 0o755)
    }

    /// Adds a regular file with a mode.
    pub fn file_mode(mut self, path: &str, data: &[u8], mode: u32) -> Self {
        self.nodes
            .insert(join("", path), (FsNode::File { mode }, data.to_vec()));
        self
    }

    /// Adds a symbolic link.
    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        self.nodes
            .insert(join("", path), (FsNode::Symlink(target.into()), Vec::new()));
        self
    }

    /// Adds an (empty) directory.
    pub fn dir(mut self, path: &str) -> Self {
        self.nodes.insert(join("", path), (FsNode::Dir, Vec::new()));
        self
    }
}

impl TraceFs for MemoryFs {
    fn node(&self, path: &str) -> Option<FsNode> {
        if path.is_empty() {
            return Some(FsNode::Dir);
        }
        if let Some((n, _)) = self.nodes.get(path) {
            return Some(n.clone());
        }
        let prefix = format!("{path}/");
        self.nodes
            .range(prefix.clone()..)
            .next()
            .filter(|(k, _)| k.starts_with(&prefix))
            .map(|_| FsNode::Dir)
    }

    fn list(&self, dir: &str) -> Vec<String> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut out: Vec<String> = self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter_map(|(k, _)| k.get(prefix.len()..)?.split('/').next().map(str::to_owned))
            .collect();
        out.dedup();
        out
    }

    fn facts(&self, path: &str) -> Result<Option<FileFacts>, ScanError> {
        Ok(match self.nodes.get(path) {
            Some((FsNode::File { .. }, data)) => Some(FileFacts::analyze(path, data)),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_stays_inside_and_stops_on_loops() {
        let fs = MemoryFs::new()
            .file("usr/bin/python3.11", b"x")
            .symlink("usr/bin/python3", "python3.11")
            .symlink("bin", "usr/bin")
            .symlink("up", "../../../../usr")
            .symlink("a", "b")
            .symlink("b", "a")
            .symlink("self", "self/x");
        assert_eq!(
            resolve(&fs, "bin/python3", 40).unwrap().0,
            "usr/bin/python3.11"
        );
        assert_eq!(
            resolve(&fs, "up/bin/python3", 40).unwrap().0,
            "usr/bin/python3.11"
        );
        assert_eq!(resolve(&fs, "a", 40), Err(Unresolvable::LinkLimit));
        assert_eq!(resolve(&fs, "self", 40), Err(Unresolvable::LinkLimit));
        assert_eq!(resolve(&fs, "nope", 40), Err(Unresolvable::Missing));
        assert_eq!(
            resolve(&fs, "usr/bin/python3.11/x", 40),
            Err(Unresolvable::Missing)
        );
        assert_eq!(join("app/x", "../../../etc"), "etc");
        assert_eq!(join("app", "/usr/bin"), "usr/bin");
    }
}

//! Path normalization and the merged, read-only file tree of an image.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::ops::Bound;

use serde::{Deserialize, Serialize};

/// What an entry of a layer (or of a root filesystem) is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link with its target as written (relative to the link's directory, or
    /// absolute = relative to the image root).
    Symlink(String),
    /// A hard link to another path of the image (normalized, root-relative).
    HardLink(String),
    /// `.wh.<name>`: removes the path (and everything under it) from lower layers.
    Whiteout,
    /// `.wh..wh..opq` in a directory: removes the directory's children from lower layers.
    OpaqueWhiteout,
    /// A device, FIFO or other special file.
    Other,
}

/// One normalized entry of a layer: path (see [`normalize_path`]), kind, mode and size. For
/// [`EntryKind::Whiteout`] the path is the one removed; for [`EntryKind::OpaqueWhiteout`] it is
/// the directory emptied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeEntry {
    /// Normalized path inside the image.
    pub path: String,
    /// What it is.
    pub kind: EntryKind,
    /// Unix mode bits (permissions and set-id bits; the file type is in `kind`).
    pub mode: u32,
    /// Size in bytes (regular files; 0 otherwise).
    pub size: u64,
}

/// Normalizes a path from a tar header or a link target to the form every path inside the
/// scanner has: relative to the image root, `/`-separated, no empty, `.` or `..` components.
/// A `..` at the root stays at the root (as in a chroot), so nothing escapes. The root itself
/// is the empty string.
///
/// ```
/// use stella_scan::image::normalize_path;
/// assert_eq!(normalize_path("./usr//lib/../bin/"), "usr/bin");
/// assert_eq!(normalize_path("/../../etc/passwd"), "etc/passwd");
/// assert_eq!(normalize_path("./"), "");
/// ```
pub fn normalize_path(raw: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for component in raw.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

/// A path of the merged tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// What it is ([`EntryKind::Whiteout`] and [`EntryKind::OpaqueWhiteout`] never appear).
    pub kind: EntryKind,
    /// Unix mode bits.
    pub mode: u32,
    /// Size of a regular file.
    pub size: u64,
    /// Index (bottom = 0) of the layer that put the path there.
    pub layer: usize,
}

/// The merged, read-only view of an image's layers: whiteouts and opaque directories applied
/// in layer order, each path with the layer that put it there. Links are resolved inside the
/// image root only.
///
/// ```
/// use stella_scan::image::{EntryKind, FileTree, TreeEntry};
///
/// let entry = |path: &str, kind| TreeEntry { path: path.into(), kind, mode: 0o644, size: 0 };
/// let mut tree = FileTree::new();
/// tree.apply_layer(0, &[
///     entry("etc/os-release", EntryKind::Symlink("../usr/lib/os-release".into())),
///     entry("usr/lib/os-release", EntryKind::File),
///     entry("tmp/junk", EntryKind::File),
/// ]);
/// tree.apply_layer(1, &[entry("tmp", EntryKind::Whiteout)]);
/// assert_eq!(tree.resolve("etc/os-release", true, 40).as_deref(), Some("usr/lib/os-release"));
/// assert!(!tree.exists("tmp/junk"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct FileTree {
    nodes: BTreeMap<String, Node>,
}

impl FileTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of paths.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the tree is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Every path with its node, sorted by path.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.nodes.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The node at exactly `path` (no link resolution).
    pub fn node(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path)
    }

    fn remove_children(&mut self, dir: &str) {
        // Cheap check first: the key after `dir` must at least start with it.
        let candidate = self
            .nodes
            .range::<str, _>((Bound::Excluded(dir), Bound::Unbounded))
            .next()
            .is_some_and(|(k, _)| k.starts_with(dir));
        if !candidate {
            return;
        }
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let doomed: Vec<String> = self
            .nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            self.nodes.remove(&k);
        }
    }

    fn has_children(&self, dir: &str) -> bool {
        if dir.is_empty() {
            return !self.nodes.is_empty();
        }
        let prefix = format!("{dir}/");
        self.nodes
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
    }

    /// Applies one layer on top of the tree (an empty tree takes the layer as its bottom one):
    /// first its whiteouts (which, per the OCI layer spec,
    /// hide only what lower layers put there), then its entries in archive order (a later entry
    /// for the same path wins; a non-directory replacing a directory removes its children).
    pub fn apply_layer(&mut self, layer: usize, entries: &[TreeEntry]) {
        if self.nodes.is_empty() {
            // Bottom layer: nothing below to hide, so the map is built in one sorted pass; a
            // path listed twice keeps its last entry, as in later layers.
            self.nodes = entries
                .iter()
                .filter(|e| {
                    !matches!(e.kind, EntryKind::Whiteout | EntryKind::OpaqueWhiteout)
                        && !e.path.is_empty()
                })
                .map(|e| {
                    (
                        e.path.clone(),
                        Node {
                            kind: e.kind.clone(),
                            mode: e.mode,
                            size: e.size,
                            layer,
                        },
                    )
                })
                .collect();
            // A non-directory with children (a file listed after, or before, paths under its
            // own path) needs the archive order: rebuild entry by entry, as for later layers.
            // Every proper ancestor of every path, collected walking up from each path until an
            // ancestor already seen (whose own ancestors are then in the set too): one hash
            // lookup per path instead of a range search per non-directory.
            let mut ancestors: HashSet<&str> = HashSet::new();
            for k in self.nodes.keys() {
                let mut p = k.as_str();
                while let Some((parent, _)) = p.rsplit_once('/') {
                    if !ancestors.insert(parent) {
                        break;
                    }
                    p = parent;
                }
            }
            let conflict = self
                .nodes
                .iter()
                .any(|(k, n)| n.kind != EntryKind::Dir && ancestors.contains(k.as_str()));
            if !conflict {
                return;
            }
            self.nodes.clear();
        }
        for e in entries {
            match e.kind {
                EntryKind::Whiteout => {
                    self.nodes.remove(&e.path);
                    self.remove_children(&e.path);
                }
                EntryKind::OpaqueWhiteout => self.remove_children(&e.path),
                _ => {}
            }
        }
        for e in entries {
            if matches!(e.kind, EntryKind::Whiteout | EntryKind::OpaqueWhiteout)
                || e.path.is_empty()
            {
                continue;
            }
            if e.kind != EntryKind::Dir {
                self.remove_children(&e.path);
            }
            self.nodes.insert(
                e.path.clone(),
                Node {
                    kind: e.kind.clone(),
                    mode: e.mode,
                    size: e.size,
                    layer,
                },
            );
        }
    }

    /// Resolves `path` through symbolic links inside the image root and returns the path it
    /// names, if that exists (a directory implied by its children counts). Links in every
    /// component but the last are followed; the last is followed when `follow_last`. An
    /// absolute target restarts at the image root and `..` never climbs above it, so a link
    /// cannot escape. More than `max_links` links (a loop, or a chain too long) gives `None`.
    pub fn resolve(&self, path: &str, follow_last: bool, max_links: u64) -> Option<String> {
        let mut pending: VecDeque<String> = path
            .split('/')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        let mut resolved: Vec<String> = Vec::new();
        let mut links = 0u64;
        while let Some(component) = pending.pop_front() {
            match component.as_str() {
                "." => continue,
                ".." => {
                    resolved.pop();
                    continue;
                }
                _ => {}
            }
            resolved.push(component);
            let current = resolved.join("/");
            let is_last = pending.is_empty();
            match self.nodes.get(&current) {
                Some(Node {
                    kind: EntryKind::Symlink(target),
                    ..
                }) if !is_last || follow_last => {
                    links += 1;
                    if links > max_links {
                        return None;
                    }
                    resolved.pop();
                    if target.starts_with('/') {
                        resolved.clear();
                    }
                    for part in target.split('/').filter(|c| !c.is_empty()).rev() {
                        pending.push_front(part.to_owned());
                    }
                }
                Some(Node {
                    kind: EntryKind::Dir,
                    ..
                }) => {}
                Some(_) if is_last => {}
                Some(_) => return None, // a file used as a directory
                None if self.has_children(&current) => {}
                None => return None,
            }
        }
        Some(resolved.join("/"))
    }

    /// Whether `path` exists: directories in it resolved through links, the last component
    /// itself not followed (a dangling link exists).
    pub fn exists(&self, path: &str) -> bool {
        // Fast path: a literal node (a non-directory entry removes its children, so no ancestor
        // of a node is a link or a file).
        self.nodes.contains_key(path) || self.resolve(path, false, 40).is_some()
    }

    /// The regular file `path` names after following symbolic links and hard links (bounded by
    /// `max_links`), with its node.
    pub fn resolve_file(&self, path: &str, max_links: u64) -> Option<(String, &Node)> {
        let mut current = self.resolve(path, true, max_links)?;
        for _ in 0..=max_links {
            let node = self.nodes.get(&current)?;
            match &node.kind {
                EntryKind::File => return Some((current, node)),
                EntryKind::HardLink(target) => {
                    current = self.resolve(target, true, max_links)?;
                }
                _ => return None,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(path: &str, kind: EntryKind) -> TreeEntry {
        TreeEntry {
            path: path.into(),
            kind,
            mode: 0o644,
            size: 1,
        }
    }

    #[test]
    fn normalize_neutralizes_dotdot() {
        assert_eq!(normalize_path("../../../etc/shadow"), "etc/shadow");
        assert_eq!(normalize_path("a/b/../../../c"), "c");
        assert_eq!(normalize_path("/"), "");
    }

    #[test]
    fn symlink_loops_and_escapes() {
        let mut t = FileTree::new();
        t.apply_layer(
            0,
            &[
                e("a", EntryKind::Symlink("b".into())),
                e("b", EntryKind::Symlink("a".into())),
                e("up", EntryKind::Symlink("../../../../etc".into())),
                e("etc/passwd", EntryKind::File),
                e("abs", EntryKind::Symlink("/etc/passwd".into())),
            ],
        );
        assert_eq!(t.resolve("a", true, 40), None);
        assert_eq!(
            t.resolve("up/passwd", true, 40).as_deref(),
            Some("etc/passwd")
        );
        assert_eq!(t.resolve("abs", true, 40).as_deref(), Some("etc/passwd"));
        assert!(t.exists("a"));
        assert!(!t.exists("a/x"));
    }

    #[test]
    fn opaque_and_replacement() {
        let mut t = FileTree::new();
        t.apply_layer(
            0,
            &[
                e("d/x", EntryKind::File),
                e("d/y", EntryKind::File),
                e("f/z", EntryKind::File),
            ],
        );
        t.apply_layer(
            1,
            &[
                e("d", EntryKind::OpaqueWhiteout),
                e("d/new", EntryKind::File),
                e("f", EntryKind::File),
            ],
        );
        assert!(!t.exists("d/x"));
        assert_eq!(t.node("d/new").map(|n| n.layer), Some(1));
        assert!(!t.exists("f/z"));
        let mut t2 = FileTree::new();
        t2.apply_layer(0, &[e("f", EntryKind::Dir), e("f/z", EntryKind::File)]);
        t2.apply_layer(1, &[e("f", EntryKind::File)]);
        assert!(!t2.exists("f/z"));
    }

    /// In the bottom layer too, a non-directory replaces what an earlier entry put under its
    /// path, at any depth, and a later entry under a file's path is kept (archive order).
    #[test]
    fn bottom_layer_files_over_directories_follow_archive_order() {
        let paths = |t: &FileTree| t.iter().map(|(p, _)| p.to_owned()).collect::<Vec<_>>();
        let mut t = FileTree::new();
        t.apply_layer(0, &[e("x/y/z", EntryKind::File), e("x", EntryKind::File)]);
        assert_eq!(paths(&t), ["x"]);
        let mut t = FileTree::new();
        t.apply_layer(0, &[e("a", EntryKind::File), e("a/b", EntryKind::File)]);
        assert_eq!(paths(&t), ["a", "a/b"]);
        // Siblings that sort between a path and its children ("a-b", "a.b") change nothing.
        let mut t = FileTree::new();
        t.apply_layer(
            0,
            &[
                e("a/c", EntryKind::File),
                e("a-b", EntryKind::File),
                e("a.b", EntryKind::File),
                e("a", EntryKind::Symlink("t".into())),
            ],
        );
        assert_eq!(paths(&t), ["a", "a-b", "a.b"]);
        let mut t = FileTree::new();
        t.apply_layer(0, &[e("a-b", EntryKind::File), e("a/c", EntryKind::File)]);
        assert_eq!(paths(&t), ["a-b", "a/c"]);
    }
}

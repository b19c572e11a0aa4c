//! Path normalization and the merged, read-only file tree of an image.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::ops::Bound;

use serde::{Deserialize, Serialize};

use crate::error::ScanError;

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

/// Which file's bytes a path of the merged tree has: the layer (bottom = 0) and the ordinal of
/// the regular-file entry in that layer's archive order (the first regular file is 0). Hard
/// links share the content of the file they link to, as they share its inode at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContentId {
    /// Index (bottom = 0) of the layer whose archive holds the bytes.
    pub layer: usize,
    /// Ordinal of the regular-file entry among that layer's regular-file entries.
    pub file: u64,
}

/// A path of the merged tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// What it is ([`EntryKind::Whiteout`] and [`EntryKind::OpaqueWhiteout`] never appear; a
    /// hard link's target is the path it was resolved to when the layer was applied).
    pub kind: EntryKind,
    /// Unix mode bits.
    pub mode: u32,
    /// Size of a regular file.
    pub size: u64,
    /// Index (bottom = 0) of the layer that put the path there.
    pub layer: usize,
    /// The bytes of a regular file, or of the file a hard link links to (`None` for other
    /// kinds, and for a hard link whose target was not a regular file when it was made).
    pub content: Option<ContentId>,
}

/// Symbolic links followed while placing one archive entry: containerd (`fs.RootPath`) and
/// umoci (`securejoin`) both give up after 255, so an image that stays below lands its entries
/// where they do.
pub const EXTRACT_MAX_LINKS: u64 = 255;

/// The merged, read-only view of an image's layers, as extraction into one root directory
/// leaves it: each layer's entries applied in archive order at the path extraction puts them
/// (the directories of an entry's path resolved through symbolic links of the tree so far,
/// including links made earlier in the same layer, and never outside the root), whiteouts
/// removing what lower layers put at their resolved path, hard links sharing the content of
/// the file they resolve to. Each path keeps the layer that put it there.
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
///     // Extraction writes through the link: the file lands in `var/lib/dpkg`.
///     entry("x", EntryKind::Symlink("/var/lib/dpkg".into())),
///     entry("x/status", EntryKind::File),
/// ])?;
/// tree.apply_layer(1, &[entry("tmp", EntryKind::Whiteout)])?;
/// assert_eq!(tree.resolve("etc/os-release", true, 40).as_deref(), Some("usr/lib/os-release"));
/// assert!(!tree.exists("tmp/junk"));
/// assert!(tree.node("var/lib/dpkg/status").is_some());
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
#[derive(Debug, Clone)]
pub struct FileTree {
    nodes: BTreeMap<String, Node>,
    /// Links still to follow while placing entries ([`FileTree::with_link_hops`]).
    hops_left: u64,
    max_hops: u64,
}

impl Default for FileTree {
    fn default() -> Self {
        Self::with_link_hops(u64::MAX)
    }
}

/// Where an entry lands, and whether following links went over a bound.
enum Placed {
    /// The canonical path.
    At(String),
    /// Extraction would fail (a regular file used as a directory, or more than
    /// [`EXTRACT_MAX_LINKS`] links): the entry is kept at its literal path.
    Literal,
}

/// How [`walk`] treats the last component of a path, links and missing components.
#[derive(Debug, Clone, Copy)]
struct WalkRules {
    /// Whether a link in the last component is followed too.
    follow_last: bool,
    /// Links one walk may follow.
    max_links: u64,
    /// Whether a missing component is a directory made on the way (extraction), rather than
    /// one that exists only when paths under it do.
    make_missing: bool,
}

/// Why [`walk`] stopped short of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WalkStop {
    /// More than [`WalkRules::max_links`] links (a loop, or a chain too long).
    TooManyLinks,
    /// A component other than the last is neither a directory nor a link.
    NotADirectory,
    /// A component does not exist.
    Missing,
    /// The budget of link hops given to the walk ran out.
    OutOfHops,
}

/// The path `path` names in `nodes` with its components resolved through symbolic links under
/// `rules`: an absolute target restarts at the image root and `..` never climbs above it, so a
/// link cannot escape. Each link followed is charged to `hops`, when given.
fn walk(
    nodes: &BTreeMap<String, Node>,
    path: &str,
    rules: WalkRules,
    mut hops: Option<&mut u64>,
) -> Result<String, WalkStop> {
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
        match nodes.get(&current).map(|n| &n.kind) {
            Some(EntryKind::Symlink(target)) if !is_last || rules.follow_last => {
                links += 1;
                if links > rules.max_links {
                    return Err(WalkStop::TooManyLinks);
                }
                if let Some(left) = hops.as_deref_mut() {
                    *left = left.checked_sub(1).ok_or(WalkStop::OutOfHops)?;
                }
                resolved.pop();
                if target.starts_with('/') {
                    resolved.clear();
                }
                for part in target.split('/').filter(|c| !c.is_empty()).rev() {
                    pending.push_front(part.to_owned());
                }
            }
            Some(EntryKind::Dir) => {}
            Some(_) if is_last => {}
            Some(_) => return Err(WalkStop::NotADirectory),
            None if rules.make_missing || has_children(nodes, &current) => {}
            None => return Err(WalkStop::Missing),
        }
    }
    Ok(resolved.join("/"))
}

/// Whether any path of `nodes` is under `dir` (the root: whether there is any path).
fn has_children(nodes: &BTreeMap<String, Node>, dir: &str) -> bool {
    if dir.is_empty() {
        return !nodes.is_empty();
    }
    let prefix = format!("{dir}/");
    nodes
        .range(prefix.clone()..)
        .next()
        .is_some_and(|(k, _)| k.starts_with(&prefix))
}

impl FileTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty tree that follows at most `max_hops` symbolic links in total while placing
    /// entries ([`crate::ScanLimits::max_link_hops`]); going over is
    /// [`ScanError::LimitExceeded`] from [`FileTree::apply_layer`].
    pub fn with_link_hops(max_hops: u64) -> Self {
        Self {
            nodes: BTreeMap::new(),
            hops_left: max_hops,
            max_hops,
        }
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

    /// Removes the nodes strictly under `dir` that `keep` does not keep.
    fn remove_children_where(&mut self, dir: &str, keep: impl Fn(&Node) -> bool) {
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
            .filter(|(_, n)| !keep(n))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            self.nodes.remove(&k);
        }
    }

    fn remove_children(&mut self, dir: &str) {
        self.remove_children_where(dir, |_| false);
    }

    fn has_children(&self, dir: &str) -> bool {
        has_children(&self.nodes, dir)
    }

    /// Applies one layer on top of the tree (an empty tree takes the layer as its bottom one),
    /// entry by entry in archive order, as extraction does:
    ///
    /// - every entry lands at its path with the directories resolved through the symbolic
    ///   links of the tree so far (lower layers and earlier entries of this layer; absolute
    ///   targets restart at the image root, `..` stops there); a missing directory is made;
    ///   the last component is not followed (an entry replaces a link at its path);
    /// - a whiteout removes what *lower* layers put at its resolved path and under it, an
    ///   opaque whiteout what they put under its resolved directory (per the OCI layer spec,
    ///   never what this layer put there);
    /// - a later entry for the same path wins, and a non-directory replacing a directory
    ///   removes its children;
    /// - a hard link takes the content of the regular file its target resolves to (all links
    ///   followed) at that point.
    ///
    /// An entry whose directory is a regular file, or that needs more than
    /// [`EXTRACT_MAX_LINKS`] links, stays at its literal path (extraction would fail there).
    /// Following more links in total than [`FileTree::with_link_hops`] allows is
    /// [`ScanError::LimitExceeded`] (`max_link_hops`).
    pub fn apply_layer(&mut self, layer: usize, entries: &[TreeEntry]) -> Result<(), ScanError> {
        if self.nodes.is_empty() && self.apply_bottom(layer, entries) {
            return Ok(());
        }
        let mut ordinal = 0u64;
        for e in entries {
            match &e.kind {
                EntryKind::Whiteout => {
                    let path = self.place(&e.path)?;
                    if self.nodes.get(&path).is_some_and(|n| n.layer < layer) {
                        self.nodes.remove(&path);
                    }
                    self.remove_children_where(&path, |n| n.layer >= layer);
                    continue;
                }
                EntryKind::OpaqueWhiteout => {
                    let dir = self.place_dir(&e.path)?;
                    self.remove_children_where(&dir, |n| n.layer >= layer);
                    continue;
                }
                _ => {}
            }
            let content = match &e.kind {
                EntryKind::File => {
                    ordinal += 1;
                    Some(ContentId {
                        layer,
                        file: ordinal - 1,
                    })
                }
                _ => None,
            };
            if e.path.is_empty() {
                continue;
            }
            let path = self.place(&e.path)?;
            if path.is_empty() {
                continue; // resolved to the root itself
            }
            let (kind, content) = match &e.kind {
                EntryKind::HardLink(target) => {
                    let real = self.place_dir(target)?;
                    let content = self.nodes.get(&real).and_then(|n| n.content);
                    (EntryKind::HardLink(real), content)
                }
                k => (k.clone(), content),
            };
            if kind != EntryKind::Dir {
                self.remove_children(&path);
            }
            self.nodes.insert(
                path,
                Node {
                    kind,
                    mode: e.mode,
                    size: e.size,
                    layer,
                    content,
                },
            );
        }
        Ok(())
    }

    /// The bottom layer in one sorted pass, when archive order cannot matter: no path listed
    /// twice, no entry under a non-directory (a link or a file) of the layer, no hard link.
    /// Returns `false` (and leaves the tree empty) otherwise.
    fn apply_bottom(&mut self, layer: usize, entries: &[TreeEntry]) -> bool {
        let mut ordinal = 0u64;
        let mut listed = 0usize;
        let mut nodes = BTreeMap::new();
        for e in entries {
            let content = match e.kind {
                EntryKind::File => {
                    ordinal += 1;
                    Some(ContentId {
                        layer,
                        file: ordinal - 1,
                    })
                }
                EntryKind::HardLink(_) => return false,
                EntryKind::Whiteout | EntryKind::OpaqueWhiteout => continue,
                _ => None,
            };
            if e.path.is_empty() {
                continue;
            }
            listed += 1;
            nodes.insert(
                e.path.clone(),
                Node {
                    kind: e.kind.clone(),
                    mode: e.mode,
                    size: e.size,
                    layer,
                    content,
                },
            );
        }
        if nodes.len() != listed {
            return false;
        }
        // Every proper ancestor of every path, collected walking up from each path until an
        // ancestor already seen (whose own ancestors are then in the set too): one hash
        // lookup per path instead of a range search per non-directory.
        let mut ancestors: HashSet<&str> = HashSet::new();
        for k in nodes.keys() {
            let mut p = k.as_str();
            while let Some((parent, _)) = p.rsplit_once('/') {
                if !ancestors.insert(parent) {
                    break;
                }
                p = parent;
            }
        }
        let conflict = nodes
            .iter()
            .any(|(k, n)| n.kind != EntryKind::Dir && ancestors.contains(k.as_str()));
        if conflict {
            return false;
        }
        self.nodes = nodes;
        true
    }

    /// Where an entry at `path` lands: its directories resolved (see
    /// [`FileTree::apply_layer`]), its last component as is.
    fn place(&mut self, path: &str) -> Result<String, ScanError> {
        let (dir, base) = match path.rsplit_once('/') {
            Some((d, b)) => (d, b),
            None => return Ok(path.to_owned()),
        };
        // Fast path: every ancestor is a directory of the tree, or missing (made on the way).
        if self.plain_dirs(dir) {
            return Ok(path.to_owned());
        }
        match self.follow(dir)? {
            Placed::At(d) if d.is_empty() => Ok(base.to_owned()),
            Placed::At(d) => Ok(format!("{d}/{base}")),
            Placed::Literal => Ok(path.to_owned()),
        }
    }

    /// The directory (or hard link target) `path` names with every component resolved.
    fn place_dir(&mut self, path: &str) -> Result<String, ScanError> {
        if self.plain_dirs(path) {
            return Ok(path.to_owned());
        }
        Ok(match self.follow(path)? {
            Placed::At(d) => d,
            Placed::Literal => path.to_owned(),
        })
    }

    /// Whether `dir` and each of its ancestors is a directory node or missing.
    fn plain_dirs(&self, dir: &str) -> bool {
        if dir.is_empty() {
            return true;
        }
        let mut end = 0;
        loop {
            let next = dir
                .get(end..)
                .and_then(|rest| rest.find('/'))
                .map(|i| end + i);
            let prefix = match next {
                Some(i) => dir.get(..i).unwrap_or(dir),
                None => dir,
            };
            if self
                .nodes
                .get(prefix)
                .is_some_and(|n| n.kind != EntryKind::Dir)
            {
                return false;
            }
            match next {
                Some(i) => end = i + 1,
                None => return true,
            }
        }
    }

    /// Resolves every component of `path` through symbolic links, making missing directories
    /// (as extraction does: [`EXTRACT_MAX_LINKS`] links at most, each charged to the tree's hops).
    fn follow(&mut self, path: &str) -> Result<Placed, ScanError> {
        let rules = WalkRules {
            follow_last: true,
            max_links: EXTRACT_MAX_LINKS,
            make_missing: true,
        };
        match walk(&self.nodes, path, rules, Some(&mut self.hops_left)) {
            Ok(at) => Ok(Placed::At(at)),
            Err(WalkStop::OutOfHops) => Err(ScanError::LimitExceeded {
                limit: "max_link_hops",
                max: self.max_hops,
                actual: self.max_hops.saturating_add(1),
                input: format!("placing {path}"),
            }),
            Err(WalkStop::TooManyLinks | WalkStop::NotADirectory | WalkStop::Missing) => {
                Ok(Placed::Literal)
            }
        }
    }

    /// The other names of the tree's files: for every symbolic link that resolves (within
    /// `max_links`) to a directory or a file, the link's path is a name for it. See
    /// [`AliasIndex::aliases`].
    pub fn alias_index(&self, max_links: u64) -> AliasIndex {
        let mut index = AliasIndex::default();
        for (path, node) in &self.nodes {
            if !matches!(node.kind, EntryKind::Symlink(_)) {
                continue;
            }
            let Some(real) = self.resolve(path, true, max_links) else {
                continue;
            };
            let is_dir = real.is_empty()
                || match self.nodes.get(&real) {
                    Some(n) => n.kind == EntryKind::Dir,
                    None => self.has_children(&real),
                };
            let table = if is_dir {
                &mut index.dirs
            } else {
                &mut index.files
            };
            table.entry(real).or_default().push(path.clone());
        }
        index
    }

    /// Resolves `path` through symbolic links inside the image root and returns the path it
    /// names, if that exists (a directory implied by its children counts). Links in every
    /// component but the last are followed; the last is followed when `follow_last`. An
    /// absolute target restarts at the image root and `..` never climbs above it, so a link
    /// cannot escape. More than `max_links` links (a loop, or a chain too long) gives `None`.
    pub fn resolve(&self, path: &str, follow_last: bool, max_links: u64) -> Option<String> {
        let rules = WalkRules {
            follow_last,
            max_links,
            make_missing: false,
        };
        walk(&self.nodes, path, rules, None).ok()
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

/// Symbolic-link names of a tree's files (from [`FileTree::alias_index`]).
#[derive(Debug, Clone, Default)]
pub struct AliasIndex {
    /// Canonical directory → links that resolve to it.
    dirs: HashMap<String, Vec<String>>,
    /// Canonical file → links that resolve to it.
    files: HashMap<String, Vec<String>>,
}

/// How many links deep an alias may be built (a name made of links inside links): a fixed
/// database path of a few components needs at most one per component.
const MAX_ALIAS_DEPTH: usize = 8;

impl AliasIndex {
    /// Whether no link names a directory or a file.
    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty() && self.files.is_empty()
    }

    /// The other paths that resolve to the canonical `path` (sorted, without `path`): a link
    /// to it, and a link to one of its directories followed by the rest of the path, built up
    /// to 8 links deep with each link used once (a link to the root or to its own directory
    /// names everything again under itself, once). Each new name is charged to `budget`;
    /// running out is [`ScanError::LimitExceeded`] (`max_alias_paths`, with `max` its
    /// configured value) rather than a shorter list, so no name is silently left out.
    pub fn aliases<'a>(
        &'a self,
        path: &str,
        budget: &mut u64,
        max: u64,
    ) -> Result<Vec<String>, ScanError> {
        let mut found: BTreeSet<String> = BTreeSet::new();
        if self.is_empty() {
            return Ok(Vec::new());
        }
        let mut frontier: Vec<(String, Vec<&str>)> = vec![(path.to_owned(), Vec::new())];
        for _ in 0..MAX_ALIAS_DEPTH {
            let mut next: Vec<(String, Vec<&str>)> = Vec::new();
            for (q, used) in &frontier {
                let mut add = |name: String, link: &'a str| -> Result<(), ScanError> {
                    if name == path || found.contains(&name) || used.contains(&link) {
                        return Ok(());
                    }
                    *budget = budget
                        .checked_sub(1)
                        .ok_or_else(|| ScanError::LimitExceeded {
                            limit: "max_alias_paths",
                            max,
                            actual: max.saturating_add(1),
                            input: format!("names of {path}"),
                        })?;
                    found.insert(name.clone());
                    let mut now = used.clone();
                    now.push(link);
                    next.push((name, now));
                    Ok(())
                };
                for link in self.files.get(q.as_str()).into_iter().flatten() {
                    add(link.clone(), link)?;
                }
                for link in self.dirs.get("").into_iter().flatten() {
                    add(format!("{link}/{q}"), link)?;
                }
                for (i, _) in q.match_indices('/') {
                    let (dir, rest) = q.split_at(i);
                    for link in self.dirs.get(dir).into_iter().flatten() {
                        add(format!("{link}{rest}"), link)?;
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        Ok(found.into_iter().collect())
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
        )
        .unwrap();
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
        )
        .unwrap();
        t.apply_layer(
            1,
            &[
                e("d", EntryKind::OpaqueWhiteout),
                e("d/new", EntryKind::File),
                e("f", EntryKind::File),
            ],
        )
        .unwrap();
        assert!(!t.exists("d/x"));
        assert_eq!(t.node("d/new").map(|n| n.layer), Some(1));
        assert!(!t.exists("f/z"));
        let mut t2 = FileTree::new();
        t2.apply_layer(0, &[e("f", EntryKind::Dir), e("f/z", EntryKind::File)])
            .unwrap();
        t2.apply_layer(1, &[e("f", EntryKind::File)]).unwrap();
        assert!(!t2.exists("f/z"));
    }

    /// In the bottom layer too, a non-directory replaces what an earlier entry put under its
    /// path, at any depth, and a later entry under a file's path is kept (archive order).
    #[test]
    fn bottom_layer_files_over_directories_follow_archive_order() {
        let paths = |t: &FileTree| t.iter().map(|(p, _)| p.to_owned()).collect::<Vec<_>>();
        let mut t = FileTree::new();
        t.apply_layer(0, &[e("x/y/z", EntryKind::File), e("x", EntryKind::File)])
            .unwrap();
        assert_eq!(paths(&t), ["x"]);
        let mut t = FileTree::new();
        t.apply_layer(0, &[e("a", EntryKind::File), e("a/b", EntryKind::File)])
            .unwrap();
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
        )
        .unwrap();
        assert_eq!(paths(&t), ["a", "a-b", "a.b"]);
        let mut t = FileTree::new();
        t.apply_layer(0, &[e("a-b", EntryKind::File), e("a/c", EntryKind::File)])
            .unwrap();
        assert_eq!(paths(&t), ["a-b", "a/c"]);
    }

    /// Entries land where extraction puts them: through links of the same layer and of lower
    /// layers, never outside the root; a whiteout through a link hides only lower layers'
    /// paths; a hard link keeps the content it was made with.
    #[test]
    fn entries_whiteouts_and_hard_links_resolve_like_extraction() {
        let mut t = FileTree::new();
        t.apply_layer(
            0,
            &[
                e("x", EntryKind::Symlink("/var/lib/dpkg".into())),
                e("x/status", EntryKind::File),
                e("up", EntryKind::Symlink("../../..".into())),
                e("up/etc/passwd", EntryKind::File),
                e("h", EntryKind::HardLink("x/status".into())),
            ],
        )
        .unwrap();
        let paths = t.iter().map(|(p, _)| p.to_owned()).collect::<Vec<_>>();
        assert_eq!(paths, ["etc/passwd", "h", "up", "var/lib/dpkg/status", "x"]);
        let status = t.node("var/lib/dpkg/status").unwrap().content;
        assert_eq!(status, Some(ContentId { layer: 0, file: 0 }));
        assert_eq!(t.node("h").unwrap().content, status);
        t.apply_layer(
            1,
            &[
                e("x/new", EntryKind::File),
                e("x/.keep", EntryKind::File),
                e("var/lib/dpkg/status", EntryKind::File),
                e("x/status", EntryKind::Whiteout),
                e("x/new", EntryKind::Whiteout),
            ],
        )
        .unwrap();
        // The whiteout does not hide what its own layer wrote; the hard link keeps layer 0's.
        assert_eq!(
            t.node("var/lib/dpkg/status").unwrap().content,
            Some(ContentId { layer: 1, file: 2 })
        );
        assert!(t.node("var/lib/dpkg/new").is_some());
        assert_eq!(t.node("h").unwrap().content, status);
        t.apply_layer(2, &[e("x/.keep", EntryKind::Whiteout)])
            .unwrap();
        assert!(t.node("var/lib/dpkg/.keep").is_none());
        let index = t.alias_index(40);
        let mut budget = 100;
        assert_eq!(
            index
                .aliases("var/lib/dpkg/status", &mut budget, 100)
                .unwrap(),
            ["up/var/lib/dpkg/status", "up/x/status", "x/status"]
        );
    }

    #[test]
    fn link_hops_are_bounded_per_tree() {
        let mut t = FileTree::with_link_hops(2);
        let r = t.apply_layer(
            0,
            &[
                e("a", EntryKind::Symlink("b".into())),
                e("b", EntryKind::Dir),
                e("a/1", EntryKind::File),
                e("a/2", EntryKind::File),
                e("a/3", EntryKind::File),
            ],
        );
        assert!(matches!(
            r,
            Err(ScanError::LimitExceeded {
                limit: "max_link_hops",
                ..
            })
        ));
    }
}

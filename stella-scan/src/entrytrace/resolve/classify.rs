//! From the files reached to each package's [`Reachability`]: reachable with the shortest
//! chain, `not_found_on_entry_paths`, or `unknown` with the reasons that may reach it.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};

use super::{Missing, Tracer};
use crate::entrytrace::fs::{FsNode, join, resolve};
use crate::entrytrace::report::{ComponentTrace, Reachability, Scope};
use crate::package::{Package, PackageKind};

/// What the `unknown` reasons need to know about a package's file list, read in one pass.
struct OwnedFiles<'p> {
    os: bool,
    /// An owned path contains `/python`.
    python_files: bool,
    /// An owned path contains `node_modules/`.
    node_files: bool,
    /// File names of the owned paths.
    names: HashSet<&'p str>,
    /// Names directly inside a `site-packages` / `dist-packages` directory.
    site_entries: BTreeSet<&'p str>,
}

impl<'p> OwnedFiles<'p> {
    fn new(pkg: &'p Package) -> Self {
        let mut o = Self {
            os: matches!(
                pkg.kind,
                PackageKind::Deb | PackageKind::Apk | PackageKind::Rpm
            ),
            python_files: false,
            node_files: false,
            names: HashSet::with_capacity(pkg.files.len()),
            site_entries: BTreeSet::new(),
        };
        for f in &pkg.files {
            o.python_files |= f.contains("/python");
            o.node_files |= f.contains("node_modules/");
            o.names.insert(f.rsplit('/').next().unwrap_or(f.as_str()));
            let mut prev: Option<&str> = None;
            for part in f.split('/') {
                if matches!(prev, Some("site-packages" | "dist-packages")) {
                    o.site_entries.insert(part);
                }
                prev = Some(part);
            }
        }
        o
    }
}

fn scope_covers(scope: Scope, pkg: &Package, owned: &OwnedFiles<'_>) -> bool {
    match scope {
        Scope::All => true,
        Scope::Native => owned.os,
        Scope::Python => pkg.kind == PackageKind::Python || (owned.os && owned.python_files),
        Scope::Node => pkg.kind == PackageKind::Npm || (owned.os && owned.node_files),
    }
}

fn owns_missing(m: &Missing, pkg: &Package, owned: &OwnedFiles<'_>) -> bool {
    match m {
        Missing::Command(n) | Missing::Library(n) => owned.names.contains(n.as_str()),
        Missing::PyModule(top) => {
            let norm = |s: &str| s.to_ascii_lowercase().replace(['-', '.'], "_");
            let dotted = format!("{top}.");
            norm(&pkg.name) == norm(top)
                || owned.site_entries.iter().any(|n| {
                    *n == top.as_str()
                        || n.strip_suffix(".py") == Some(top.as_str())
                        || n.starts_with(&dotted)
                })
        }
        Missing::NodeModule(name) => pkg.kind == PackageKind::Npm && &pkg.name == name,
    }
}

/// `path` as [`join`]`("", path)` would write it, without copying when it is already normal.
fn normal_path(path: &str) -> Cow<'_, str> {
    let p = path.strip_prefix('/').unwrap_or(path);
    let plain = !p.is_empty()
        && !p.ends_with('/')
        && !p.starts_with('/')
        && p.split('/').all(|c| !matches!(c, "" | "." | ".."));
    if plain {
        Cow::Borrowed(p)
    } else {
        Cow::Owned(join("", path))
    }
}

/// The `node_modules/<name>` (or `node_modules/@scope/name`) directory a file belongs to.
fn npm_package_dir(path: &str) -> Option<String> {
    let at = path.rfind("node_modules/")?;
    let rest = path.get(at + "node_modules/".len()..)?;
    let mut parts = rest.split('/');
    let first = parts.next()?;
    let name_len = if first.starts_with('@') {
        first.len() + 1 + parts.next()?.len()
    } else {
        first.len()
    };
    // a file directly in node_modules is no package's
    parts.next()?;
    path.get(..at + "node_modules/".len() + name_len)
        .map(str::to_owned)
}

pub(super) fn classify(t: &Tracer<'_>, packages: &[Package]) -> Vec<ComponentTrace> {
    // file -> first reached index
    let first = |path: &str| t.index.get(path).copied();
    // Aliases: top-level directories that are links (merged /usr) map listed paths to real ones.
    let mut top_links: HashMap<String, Option<String>> = HashMap::new();
    let mut real_of = |f: &str| -> Option<String> {
        let top = f.split('/').next().unwrap_or(f);
        if !top_links.contains_key(top) {
            let target = match t.fs.node(top) {
                Some(FsNode::Symlink(_)) => resolve(t.fs, top, t.limits.max_link_depth)
                    .ok()
                    .map(|r| r.0),
                _ => None,
            };
            top_links.insert(top.to_owned(), target);
        }
        top_links
            .get(top)?
            .as_ref()
            .map(|real| join(real, f.get(top.len() + 1..).unwrap_or("")))
    };
    // npm package directory -> first reached file inside it (not inside a nested node_modules)
    let mut npm_dirs: HashMap<String, usize> = HashMap::new();
    for (i, r) in t.reached.iter().enumerate() {
        if let Some(dir) = npm_package_dir(&r.path) {
            npm_dirs.entry(dir).or_insert(i);
        }
    }
    let mut out: Vec<ComponentTrace> = Vec::with_capacity(packages.len());
    for pkg in packages {
        let mut best: Option<usize> = None;
        let mut consider = |i: Option<usize>| {
            if let Some(i) = i {
                best = Some(best.map_or(i, |b| b.min(i)));
            }
        };
        for f in &pkg.files {
            let f = normal_path(f);
            consider(first(&f));
            if let Some(r) = real_of(&f) {
                consider(first(&r));
            }
        }
        match pkg.kind {
            PackageKind::GoModule | PackageKind::RustCrate => {
                for e in &pkg.evidence {
                    consider(first(&join("", &e.path)));
                }
            }
            PackageKind::Npm => {
                for e in &pkg.evidence {
                    if let Some(dir) = e.path.strip_suffix("/package.json") {
                        consider(npm_dirs.get(&join("", dir)).copied());
                    }
                }
            }
            _ => {}
        }
        let reachability = if let Some(i) = best {
            Reachability::Reachable {
                file: t.path_of(i),
                chain: t.chain(i),
            }
        } else {
            let mut reasons: BTreeSet<String> = BTreeSet::new();
            let mapped = !pkg.files.is_empty()
                || matches!(
                    pkg.kind,
                    PackageKind::GoModule | PackageKind::RustCrate | PackageKind::Npm
                );
            if pkg.kind == PackageKind::Java {
                reasons.insert("Java class loading is not analyzed".into());
            } else if !mapped {
                reasons.insert("the package has no list of owned files".into());
            }
            let owned = OwnedFiles::new(pkg);
            for u in &t.unresolved {
                if reasons.len() < 16 && scope_covers(u.scope, pkg, &owned) {
                    let at = if u.path.is_empty() {
                        String::new()
                    } else {
                        format!("/{}: ", u.path)
                    };
                    reasons.insert(format!("{at}{}", u.reason));
                }
            }
            for m in &t.missing {
                if reasons.len() < 16 && owns_missing(m, pkg, &owned) {
                    let what = match m {
                        Missing::Command(n) => format!("command {n} is run but not found on PATH"),
                        Missing::Library(n) => {
                            format!("library {n} is needed but not found on the search path")
                        }
                        Missing::PyModule(n) => {
                            format!("module {n} is imported but not found on sys.path")
                        }
                        Missing::NodeModule(n) => {
                            format!("module {n} is required but not found in node_modules")
                        }
                    };
                    reasons.insert(what);
                }
            }
            if reasons.is_empty() {
                Reachability::NotFoundOnEntryPaths
            } else {
                Reachability::Unknown {
                    reasons: reasons.into_iter().collect(),
                }
            }
        };
        out.push(ComponentTrace {
            purl: pkg.purl.clone(),
            name: pkg.name.clone(),
            version: pkg.version.clone(),
            kind: pkg.kind,
            evidence: pkg
                .evidence
                .first()
                .map(|e| e.path.clone())
                .unwrap_or_default(),
            reachability,
        });
    }
    out.sort_by(|a, b| (&a.purl, &a.evidence).cmp(&(&b.purl, &b.evidence)));
    out
}

//! npm packages: installed `node_modules/**/package.json` trees and `package-lock.json` v1–v3.
//!
//! An installed package is a `package.json` directly in a `node_modules/<name>/` or
//! `node_modules/@scope/<name>/` directory. Its dependencies are resolved the way Node does:
//! the nearest `node_modules/<dep>` walking up from the package's directory. A lock file adds
//! the packages it pins (v1 nested `dependencies`, v2/v3 `packages`), skipping `dev: true`
//! entries; the project itself (the lock's root) is reported too. When the project's
//! `node_modules` exists in the image, a locked package whose directory is missing (an optional
//! platform package that was not installed) is not reported. A locked package that is also
//! installed is reported once, with both files as evidence. A `package.json` or lock that does not parse is skipped.
//!
//! Authors and the supplier come from `author` (else the first of `maintainers`, else the
//! repository's owner on a code host), the
//! package's hash from the lock's `integrity` (or an installed `package.json`'s
//! `_integrity`): the Subresource Integrity digest of the registry tarball. CPEs are
//! generated as `cpe:2.3:a:<name>:<name>:<version>:*:*:*:*:node.js:*:*`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{CatalogProblem, ScanError};
use crate::package::{
    CatalogInput, Cataloger, Evidence, ExtractedFile, Hash, HashAlgorithm, Package, PackageKind,
    Party,
};

use super::util::{cpe_for, err, evidence, finish, license, package, purl};

const NAME: &str = "npm";

/// The npm cataloger (see the module docs).
///
/// ```
/// use stella_scan::{CatalogContext, CatalogInput, Cataloger, ExtractedFile};
/// use stella_scan::catalog::npm::NpmCataloger;
///
/// let pj = br#"{"name":"@babel/core","version":"7.24.0","license":"MIT"}"#;
/// let files = [ExtractedFile { path: "app/node_modules/@babel/core/package.json".into(), layer: None, mode: 0o644, data: pj.as_slice().into() }];
/// let input = CatalogInput { files: &files, context: &CatalogContext::default(), exists: &|_| true };
/// let pkgs = NpmCataloger.catalog(&input)?;
/// assert_eq!(pkgs[0].purl, "pkg:npm/%40babel/core@7.24.0");
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct NpmCataloger;

/// The directory of an installed package (`…/node_modules/[@scope/]name`), from its
/// `package.json` path.
fn installed_dir(path: &str) -> Option<&str> {
    let dir = path.strip_suffix("/package.json")?;
    let (parent, last) = dir.rsplit_once('/')?;
    if parent.ends_with("node_modules") || parent == "node_modules" {
        return (!last.starts_with('.')).then_some(dir);
    }
    let (grand, scope) = parent.rsplit_once('/')?;
    (scope.starts_with('@') && (grand.ends_with("/node_modules") || grand == "node_modules"))
        .then_some(dir)
}

fn is_lock(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file == "package-lock.json" && !path.contains("node_modules/")
}

/// The purl of an npm package name (`@scope/name` → namespace `@scope`).
fn npm_purl(path: &str, name: &str, version: &str) -> Result<String, ScanError> {
    match name.split_once('/') {
        Some((scope, n)) if scope.starts_with('@') => {
            purl(NAME, path, "npm", Some(scope), n, version, &[])
        }
        _ => purl(NAME, path, "npm", None, name, version, &[]),
    }
}

/// Licences from `license` (string or `{type}`) or the old `licenses` array.
fn licenses(v: &Value) -> Vec<String> {
    let one = |l: &Value| match l {
        Value::String(s) => license(s),
        Value::Object(o) => o.get("type").and_then(Value::as_str).and_then(license),
        _ => None,
    };
    let mut out: Vec<String> = v.get("license").and_then(one).into_iter().collect();
    if out.is_empty() {
        if let Some(Value::Array(a)) = v.get("licenses") {
            out.extend(a.iter().filter_map(one));
        }
    }
    out
}

/// A person field: `"Name <email> (url)"` or `{ "name", "email", "url" }`.
fn person(v: &Value) -> Option<Party> {
    match v {
        Value::String(s) => Party::parse(s),
        Value::Object(o) => {
            let get = |k: &str| {
                o.get(k)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            let email = get("email");
            let name = get("name").or_else(|| email.clone())?;
            let mut p = Party::parse(&name)?;
            p.email = p.email.or(email);
            p.url = p.url.or_else(|| get("url"));
            Some(p)
        }
        _ => None,
    }
}

/// Upstream authors (`author`) and the supplier: the author, else the first of the
/// `maintainers` the registry wrote into older installs, else the owner of the `repository`
/// on a code host (`github.com/<owner>`, as for Go modules).
fn people(v: &Value) -> (Vec<Party>, Option<Party>) {
    let authors: Vec<Party> = v.get("author").and_then(person).into_iter().collect();
    let supplier = authors
        .first()
        .cloned()
        .or_else(|| {
            v.get("maintainers")
                .and_then(Value::as_array)
                .and_then(|a| a.iter().find_map(person))
        })
        .or_else(|| repository_owner(v.get("repository")?));
    (authors, supplier)
}

/// The owner of a `repository` on GitHub, GitLab or Bitbucket: the shorthand `owner/repo`,
/// `github:owner/repo` (`gitlab:`, `bitbucket:`), or a URL (`https://`, `git+https://`,
/// `git://`, `git+ssh://git@`, `git@host:owner/repo`), as a string or `{ "url": … }`.
fn repository_owner(repository: &Value) -> Option<Party> {
    let text = match repository {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("url").and_then(Value::as_str)?,
        _ => return None,
    }
    .trim();
    let (host, path) = if let Some((prefix, rest)) = text.split_once(':')
        && let Some(host) = match prefix {
            "github" => Some("github.com"),
            "gitlab" => Some("gitlab.com"),
            "bitbucket" => Some("bitbucket.org"),
            _ => None,
        } {
        (host, rest)
    } else if let Some((_, rest)) = text.split_once("://") {
        let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
        rest.split_once('/')?
    } else if let Some(rest) = text.strip_prefix("git@") {
        rest.split_once(':')?
    } else if !text.contains(':') && text.split('/').count() == 2 {
        ("github.com", text)
    } else {
        return None;
    };
    let host = host.split(':').next()?.to_ascii_lowercase();
    if !["github.com", "gitlab.com", "bitbucket.org"].contains(&host.as_str()) {
        return None;
    }
    let owner = path.trim_start_matches('/').split('/').next()?;
    let valid = !owner.is_empty()
        && owner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    valid.then(|| Party {
        name: format!("{host}/{owner}"),
        email: None,
        url: Some(format!("https://{host}/{owner}")),
    })
}

/// The hashes of a Subresource Integrity string (`sha512-<base64> sha1-<base64>`): every
/// entry whose algorithm CycloneDX names and whose digest has that algorithm's length.
pub(crate) fn integrity_hashes(sri: &str) -> Vec<Hash> {
    use base64::Engine as _;
    sri.split_whitespace()
        .take(8)
        .filter_map(|entry| {
            let (alg, rest) = entry.split_once('-')?;
            let alg = match alg {
                "sha1" => HashAlgorithm::Sha1,
                "sha256" => HashAlgorithm::Sha256,
                "sha384" => HashAlgorithm::Sha384,
                "sha512" => HashAlgorithm::Sha512,
                _ => return None,
            };
            // Options after `?` (SRI allows them) are not part of the digest.
            let b64 = rest.split('?').next()?;
            let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
            Hash::new(alg, &bytes)
        })
        .collect()
}

/// `cpe:2.3:a:<name>:<name>:<version>:*:*:*:*:node.js:*:*` (the scope dropped), the candidate
/// syft generates first for npm packages.
fn npm_cpe(name: &str, version: &str) -> String {
    let bare = name.rsplit('/').next().unwrap_or(name);
    cpe_for(bare, bare, version, "node.js")
}

fn dep_names(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Node's resolution: from `dir` (a package directory, or the project root) look for
/// `dir/node_modules/name`, then each ancestor's.
fn resolve<'m>(
    installed: &'m BTreeMap<String, String>,
    dir: &str,
    name: &str,
) -> Option<&'m String> {
    let mut cur = dir;
    loop {
        let candidate = if cur.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{cur}/node_modules/{name}")
        };
        if let Some(p) = installed.get(&candidate) {
            return Some(p);
        }
        if cur.is_empty() {
            return None;
        }
        cur = cur.rsplit_once('/').map_or("", |(p, _)| p);
    }
}

struct Found {
    pkg: Package,
    dir: String,
    deps: Vec<String>,
}

fn from_installed(f: &ExtractedFile, dir: &str) -> Result<Option<Found>, ScanError> {
    let Ok(v) = serde_json::from_slice::<Value>(&f.data) else {
        return Ok(None);
    };
    let (Some(name), Some(version)) = (
        v.get("name").and_then(Value::as_str),
        v.get("version").and_then(Value::as_str),
    ) else {
        return Ok(None);
    };
    if name.is_empty() || version.is_empty() {
        return Ok(None);
    }
    let mut pkg = package(
        name,
        version,
        PackageKind::Npm,
        npm_purl(&f.path, name, version)?,
        NAME,
    );
    pkg.licenses = licenses(&v);
    pkg.evidence.push(evidence(f));
    if let Some(a) = v.get("author").and_then(Value::as_str) {
        pkg.metadata.insert("author".into(), a.to_owned());
    }
    (pkg.authors, pkg.supplier) = people(&v);
    pkg.cpes.push(npm_cpe(name, version));
    if let Some(sri) = v.get("_integrity").and_then(Value::as_str) {
        pkg.hashes = integrity_hashes(sri);
    }
    let mut deps = dep_names(&v, "dependencies");
    deps.extend(dep_names(&v, "optionalDependencies"));
    Ok(Some(Found {
        pkg,
        dir: dir.to_owned(),
        deps,
    }))
}

/// Packages pinned by one lock file, with their directories relative to the image root.
fn from_lock(f: &ExtractedFile, exists: &dyn Fn(&str) -> bool) -> Result<Vec<Found>, ScanError> {
    let Ok(v) = serde_json::from_slice::<Value>(&f.data) else {
        return Ok(Vec::new());
    };
    let root = f.path.rsplit_once('/').map_or("", |(d, _)| d);
    let join = |rel: &str| match (root.is_empty(), rel.is_empty()) {
        (true, _) => rel.to_owned(),
        (false, true) => root.to_owned(),
        (false, false) => format!("{root}/{rel}"),
    };
    // With the project's node_modules present, a locked package whose directory is missing was
    // not installed (an optional platform package, an omitted dev tree): it is not reported.
    let installed_tree = exists(&join("node_modules"));
    let mut out = Vec::new();
    let mut add =
        |rel: &str, name: &str, entry: &Value, deps: Vec<String>| -> Result<(), ScanError> {
            let Some(version) = entry.get("version").and_then(Value::as_str) else {
                return Ok(());
            };
            if entry.get("dev").and_then(Value::as_bool) == Some(true)
                || entry.get("link").and_then(Value::as_bool) == Some(true)
                || version.is_empty()
                || (installed_tree && !rel.is_empty() && !exists(&join(rel)))
            {
                return Ok(());
            }
            let mut pkg = package(
                name,
                version,
                PackageKind::Npm,
                npm_purl(&f.path, name, version)?,
                NAME,
            );
            pkg.licenses = licenses(entry);
            pkg.evidence.push(evidence(f));
            pkg.cpes.push(npm_cpe(name, version));
            if let Some(sri) = entry.get("integrity").and_then(Value::as_str) {
                pkg.hashes = integrity_hashes(sri);
            }
            out.push(Found {
                pkg,
                dir: join(rel),
                deps,
            });
            Ok(())
        };
    if let Some(Value::Object(pkgs)) = v.get("packages") {
        // v2 / v3
        for (rel, entry) in pkgs {
            if rel.is_empty() {
                // the project itself
                if let Some(name) = entry
                    .get("name")
                    .or_else(|| v.get("name"))
                    .and_then(Value::as_str)
                {
                    let mut deps = dep_names(entry, "dependencies");
                    deps.extend(dep_names(entry, "optionalDependencies"));
                    add("", name, entry, deps)?;
                }
                continue;
            }
            let Some(idx) = rel.rfind("node_modules/") else {
                continue;
            };
            let name = entry
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(rel.get(idx + "node_modules/".len()..).unwrap_or(""));
            let mut deps = dep_names(entry, "dependencies");
            deps.extend(dep_names(entry, "optionalDependencies"));
            add(rel, name, entry, deps)?;
        }
    } else if let Some(Value::Object(deps)) = v.get("dependencies") {
        // v1: nested `dependencies`; the project itself from the top-level name and version
        if let Some(name) = v.get("name").and_then(Value::as_str) {
            let direct = deps
                .iter()
                .filter(|(_, e)| e.get("dev").and_then(Value::as_bool) != Some(true))
                .map(|(n, _)| n.clone())
                .collect();
            add("", name, &v, direct)?;
        }
        let mut stack: Vec<(String, &serde_json::Map<String, Value>)> = vec![(String::new(), deps)];
        let mut budget = 1_000_000usize;
        while let Some((prefix, map)) = stack.pop() {
            for (name, entry) in map {
                budget = budget.saturating_sub(1);
                if budget == 0 {
                    return Err(err(
                        NAME,
                        &f.path,
                        CatalogProblem::OverLimit {
                            what: "lock file nests too many dependencies",
                        },
                    ));
                }
                let rel = if prefix.is_empty() {
                    format!("node_modules/{name}")
                } else {
                    format!("{prefix}/node_modules/{name}")
                };
                let requires = dep_names(entry, "requires");
                add(&rel, name, entry, requires)?;
                if let Some(Value::Object(inner)) = entry.get("dependencies") {
                    stack.push((rel, inner));
                }
            }
        }
    }
    Ok(out)
}

impl Cataloger for NpmCataloger {
    fn name(&self) -> &'static str {
        NAME
    }
    fn must_read_whole(&self) -> bool {
        // A package database: skipping it would hide every package it lists.
        true
    }

    fn version(&self) -> &'static str {
        "3"
    }

    fn path_independent(&self) -> bool {
        // What extract keeps depends on the bytes only (the path appears in errors at most).
        true
    }

    fn wants(&self, path: &str, _mode: u32, _size: u64) -> bool {
        // No size filter here: a manifest or lock file is a package database, so the engine
        // fails the scan when one is over `max_file_bytes` (`must_read_whole`) rather than let
        // an oversized one hide its packages.
        installed_dir(path).is_some() || is_lock(path)
    }

    fn catalog(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError> {
        let mut found: Vec<Found> = Vec::new();
        for f in input.files {
            if let Some(dir) = installed_dir(&f.path) {
                found.extend(from_installed(f, dir)?);
            }
        }
        // installed package directory → its purl
        let mut installed: BTreeMap<String, String> = found
            .iter()
            .map(|f| (f.dir.clone(), f.pkg.purl.clone()))
            .collect();
        let mut by_purl: BTreeMap<String, usize> = BTreeMap::new();
        for (i, f) in found.iter().enumerate() {
            by_purl.entry(f.pkg.purl.clone()).or_insert(i);
        }
        for f in input.files.iter().filter(|f| is_lock(&f.path)) {
            for locked in from_lock(f, input.exists)? {
                if let Some(&i) = by_purl.get(&locked.pkg.purl) {
                    if let Some(existing) = found.get_mut(i) {
                        existing
                            .pkg
                            .evidence
                            .extend(locked.pkg.evidence.iter().map(|e| Evidence {
                                path: e.path.clone(),
                                layer: e.layer,
                            }));
                        // The lock's integrity when the installed manifest had none.
                        if existing.pkg.hashes.is_empty() {
                            existing.pkg.hashes = locked.pkg.hashes.clone();
                        }
                        if existing.pkg.licenses.is_empty() {
                            existing.pkg.licenses = locked.pkg.licenses.clone();
                        }
                    }
                    continue;
                }
                installed
                    .entry(locked.dir.clone())
                    .or_insert_with(|| locked.pkg.purl.clone());
                by_purl.insert(locked.pkg.purl.clone(), found.len());
                found.push(locked);
            }
        }
        let packages = found
            .into_iter()
            .map(|f| {
                let mut pkg = f.pkg;
                pkg.dependencies = f
                    .deps
                    .iter()
                    .filter_map(|d| resolve(&installed, &f.dir, d).cloned())
                    .filter(|p| *p != pkg.purl)
                    .collect();
                pkg
            })
            .collect();
        Ok(finish(packages))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::CatalogContext;

    fn file(path: &str, data: &str) -> ExtractedFile {
        ExtractedFile {
            path: path.into(),
            layer: None,
            mode: 0o644,
            data: data.as_bytes().into(),
        }
    }

    fn run(files: &[ExtractedFile]) -> Vec<Package> {
        NpmCataloger
            .catalog(&CatalogInput {
                files,
                context: &CatalogContext::default(),
                exists: &|_| true,
            })
            .unwrap()
    }

    #[test]
    fn installed_tree_resolves_nested_and_hoisted_dependencies() {
        let files = [
            file(
                "app/node_modules/a/package.json",
                r#"{"name":"a","version":"1.0.0","license":"MIT","dependencies":{"b":"^2","c":"*"}}"#,
            ),
            file(
                "app/node_modules/a/node_modules/b/package.json",
                r#"{"name":"b","version":"2.0.0","licenses":[{"type":"ISC"}]}"#,
            ),
            file(
                "app/node_modules/b/package.json",
                r#"{"name":"b","version":"1.0.0"}"#,
            ),
            file(
                "app/node_modules/@s/c/package.json",
                r#"{"name":"@s/c","version":"3.0.0","license":{"type":"BSD-3-Clause"}}"#,
            ),
            file(
                "app/node_modules/c/package.json",
                r#"{"name":"c","version":"0.1.0","dependencies":{"b":"1"}}"#,
            ),
            file("app/node_modules/broken/package.json", "{not json"),
            file(
                "app/node_modules/a/test/package.json",
                r#"{"name":"fixture","version":"0.0.0"}"#,
            ),
        ];
        let pkgs = run(&files);
        let purls: Vec<_> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls,
            [
                "pkg:npm/%40s/c@3.0.0",
                "pkg:npm/a@1.0.0",
                "pkg:npm/b@1.0.0",
                "pkg:npm/b@2.0.0",
                "pkg:npm/c@0.1.0"
            ]
        );
        assert_eq!(pkgs[1].dependencies, ["pkg:npm/b@2.0.0", "pkg:npm/c@0.1.0"]);
        assert_eq!(pkgs[4].dependencies, ["pkg:npm/b@1.0.0"]);
        assert_eq!(pkgs[0].licenses, ["BSD-3-Clause"]);
        assert_eq!(pkgs[3].licenses, ["ISC"]);
    }

    #[test]
    fn lock_v3_adds_uninstalled_packages_and_merges_installed_ones() {
        let lock = r#"{"name":"app","lockfileVersion":3,"packages":{
            "":{"name":"app","version":"1.0.0","dependencies":{"a":"^1"}},
            "node_modules/a":{"version":"1.0.0","license":"MIT","dependencies":{"d":"^4"}},
            "node_modules/d":{"version":"4.1.0"},
            "node_modules/devonly":{"version":"9.0.0","dev":true}}}"#;
        let files = [
            file(
                "app/node_modules/a/package.json",
                r#"{"name":"a","version":"1.0.0"}"#,
            ),
            file("app/package-lock.json", lock),
        ];
        let pkgs = run(&files);
        let purls: Vec<_> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls,
            ["pkg:npm/a@1.0.0", "pkg:npm/app@1.0.0", "pkg:npm/d@4.1.0"]
        );
        assert_eq!(pkgs[0].evidence.len(), 2);
        assert_eq!(pkgs[1].dependencies, ["pkg:npm/a@1.0.0"]);
        assert_eq!(pkgs[2].evidence[0].path, "app/package-lock.json");
        // With app/node_modules present, locked packages that are not installed are dropped.
        let installed = |p: &str| p == "app/node_modules" || p == "app/node_modules/a";
        let pkgs = NpmCataloger
            .catalog(&CatalogInput {
                files: &files,
                context: &CatalogContext::default(),
                exists: &installed,
            })
            .unwrap();
        let purls: Vec<_> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(purls, ["pkg:npm/a@1.0.0", "pkg:npm/app@1.0.0"]);
    }

    #[test]
    fn lock_v1_nested_dependencies() {
        let lock = r#"{"name":"app","version":"0.0.0","lockfileVersion":1,"dependencies":{
            "x":{"version":"1.2.3","requires":{"y":"^2"},"dependencies":{"y":{"version":"2.0.1"}}},
            "y":{"version":"1.0.0"},
            "t":{"version":"0.0.1","dev":true}}}"#;
        let pkgs = run(&[file("srv/package-lock.json", lock)]);
        let purls: Vec<_> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls,
            [
                "pkg:npm/app@0.0.0",
                "pkg:npm/x@1.2.3",
                "pkg:npm/y@1.0.0",
                "pkg:npm/y@2.0.1"
            ]
        );
        assert_eq!(pkgs[0].dependencies, ["pkg:npm/x@1.2.3", "pkg:npm/y@1.0.0"]);
        assert_eq!(pkgs[1].dependencies, ["pkg:npm/y@2.0.1"]);
    }

    #[test]
    fn wants_package_json_only_as_installed_packages() {
        let c = NpmCataloger;
        assert!(c.wants("usr/lib/node_modules/npm/package.json", 0o644, 100));
        assert!(c.wants("a/node_modules/@types/node/package.json", 0o644, 100));
        assert!(!c.wants("a/node_modules/x/lib/package.json", 0o644, 100));
        assert!(!c.wants("a/package.json", 0o644, 100));
        assert!(c.wants("a/package-lock.json", 0o644, 100));
        // Wanted at any size: the engine bounds it (max_file_bytes fails the scan).
        assert!(c.wants("a/package-lock.json", 0o644, 1 << 40));
        assert!(c.must_read_whole());
    }

    #[test]
    fn repository_owners_on_code_hosts() {
        let owner = |v: serde_json::Value| repository_owner(&v).map(|p| p.name);
        let cases = [
            (
                serde_json::json!("jshttp/accepts"),
                Some("github.com/jshttp"),
            ),
            (
                serde_json::json!("https://github.com/evanw/esbuild"),
                Some("github.com/evanw"),
            ),
            (
                serde_json::json!("git://github.com/isaacs/inherits"),
                Some("github.com/isaacs"),
            ),
            (
                serde_json::json!({"type": "git", "url": "git+https://github.com/ljharb/qs.git"}),
                Some("github.com/ljharb"),
            ),
            (
                serde_json::json!("git+ssh://git@gitlab.com/a/b.git"),
                Some("gitlab.com/a"),
            ),
            (
                serde_json::json!("git@github.com:o/r.git"),
                Some("github.com/o"),
            ),
            (serde_json::json!("gitlab:grp/proj"), Some("gitlab.com/grp")),
            (serde_json::json!("https://example.org/a/b"), None),
            (serde_json::json!("https://github.com/"), None),
            (serde_json::json!("a/b/c"), None),
            (serde_json::json!(7), None),
        ];
        for (v, want) in cases {
            assert_eq!(owner(v.clone()).as_deref(), want, "{v}");
        }
    }
}

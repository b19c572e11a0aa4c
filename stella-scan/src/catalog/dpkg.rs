//! Debian / Ubuntu packages from the dpkg database.
//!
//! Reads `var/lib/dpkg/status` (every paragraph whose `Status` says the package is installed),
//! the distroless form `var/lib/dpkg/status.d/<name>` (one paragraph per file, no `Status`
//! field; owned files from the `status.d/<name>.md5sums` beside it), and file ownership from
//! `var/lib/dpkg/info/<name>[:<arch>].list`. Directories in a `.list` (entries that are a
//! prefix of another entry) are not counted as owned files.
//!
//! Licences come from `usr/share/doc/<name>/copyright` as the runtime resolves it (the
//! directory is often a link to another package's; the engine hands the file over under every
//! name, see [`Cataloger::wants_every_name`]): a DEP-5 file's `License:` fields (declared), or
//! licence texts recognised in a free-form one (concluded); see [`super::license`]. Phase 1
//! keeps only that result. The supplier is the `Maintainer`.
//!
//! Not read: packages in states other than installed / triggers-pending /
//! triggers-awaited (config-files, half-installed, …), which have no complete file set.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{CatalogProblem, ScanError};
use crate::package::{CatalogInput, Cataloger, ExtractedFile, Package, PackageKind, SourcePackage};

use super::util::{
    cpe, distro_qualifier, err, evidence, field, finish, package, paragraphs, purl, utf8,
};

const NAME: &str = "dpkg";
const STATUS: &str = "var/lib/dpkg/status";
const STATUS_D: &str = "var/lib/dpkg/status.d/";
const INFO: &str = "var/lib/dpkg/info/";
const DOC: &str = "usr/share/doc/";
const COPYRIGHT: &str = "/copyright";

/// `usr/share/doc/<name>/copyright` → `<name>`.
fn copyright_owner(path: &str) -> Option<&str> {
    path.strip_prefix(DOC)?
        .strip_suffix(COPYRIGHT)
        .filter(|n| !n.is_empty() && !n.contains('/'))
}

/// The dpkg cataloger (see the module docs).
///
/// ```
/// use stella_scan::{CatalogContext, CatalogInput, Cataloger, ExtractedFile};
/// use stella_scan::catalog::dpkg::DpkgCataloger;
///
/// let status = b"Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\nSource: zlib\n";
/// let files = [ExtractedFile { path: "var/lib/dpkg/status".into(), layer: None, mode: 0o644, data: status.as_slice().into() }];
/// let input = CatalogInput { files: &files, context: &CatalogContext::default(), exists: &|_| true };
/// let pkgs = DpkgCataloger.catalog(&input)?;
/// assert_eq!(pkgs[0].purl, "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64");
/// assert_eq!(pkgs[0].source.as_ref().unwrap().name, "zlib");
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct DpkgCataloger;

impl Cataloger for DpkgCataloger {
    fn name(&self) -> &'static str {
        NAME
    }
    fn must_read_whole(&self) -> bool {
        // A package database: skipping it would hide every package it lists.
        true
    }

    fn version(&self) -> &'static str {
        "2"
    }

    fn must_read_whole_at(&self, path: &str) -> bool {
        // A copyright file over the limit loses one package's licence, not the database.
        copyright_owner(path).is_none()
    }

    fn wants_every_name(&self, path: &str) -> bool {
        copyright_owner(path).is_some()
    }

    fn extract(&self, path: &str, contents: &[u8]) -> Result<Option<Vec<u8>>, ScanError> {
        if copyright_owner(path).is_some() {
            return Ok(Some(super::license::distill(contents)));
        }
        Ok(Some(contents.to_vec()))
    }

    fn path_independent(&self) -> bool {
        // What extract keeps depends on the bytes only (the path appears in errors at most).
        true
    }

    fn wants(&self, path: &str, _mode: u32, _size: u64) -> bool {
        path == STATUS
            || path
                .strip_prefix(STATUS_D)
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
            || path
                .strip_prefix(INFO)
                .is_some_and(|rest| rest.ends_with(".list") && !rest.contains('/'))
            || copyright_owner(path).is_some()
    }

    fn catalog(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError> {
        let mut lists: BTreeMap<&str, &ExtractedFile> = BTreeMap::new();
        let mut md5sums: BTreeMap<&str, &ExtractedFile> = BTreeMap::new();
        let mut dbs = Vec::new();
        let mut copyrights: BTreeMap<&str, &ExtractedFile> = BTreeMap::new();
        for f in input.files {
            if let Some(owner) = copyright_owner(&f.path) {
                copyrights.insert(owner, f);
            } else if f
                .data
                .starts_with(super::license::DISTILLED_MAGIC.as_bytes())
            {
                // A copyright record handed over under a database name (a hard link between
                // the two): not a database.
                continue;
            } else if let Some(rest) = f.path.strip_prefix(INFO) {
                if let Some(stem) = rest.strip_suffix(".list") {
                    lists.insert(stem, f);
                }
            } else if let Some(rest) = f.path.strip_prefix(STATUS_D) {
                if let Some(stem) = rest.strip_suffix(".md5sums") {
                    md5sums.insert(stem, f);
                } else {
                    dbs.push((f, true));
                }
            } else {
                dbs.push((f, false));
            }
        }
        let distro = distro_qualifier(input.context);
        let namespace = input
            .context
            .os
            .as_ref()
            .map_or("debian", |o| o.id.as_str());
        let mut found: Vec<(Package, Vec<String>)> = Vec::new();
        for (db, distroless) in dbs {
            let text = utf8(NAME, &db.path, &db.data)?;
            for para in paragraphs(NAME, &db.path, text, false)? {
                let Some(name) = field(&para, "Package") else {
                    return Err(err(
                        NAME,
                        &db.path,
                        CatalogProblem::Incomplete {
                            what: "paragraph without a Package field",
                        },
                    ));
                };
                if !distroless && !is_installed(field(&para, "Status").unwrap_or("")) {
                    continue;
                }
                let version = field(&para, "Version").ok_or_else(|| {
                    err(
                        NAME,
                        &db.path,
                        CatalogProblem::PackageWithout {
                            package: name.to_owned(),
                            field: "Version",
                        },
                    )
                })?;
                let arch = field(&para, "Architecture").unwrap_or("");
                let p = purl(
                    NAME,
                    &db.path,
                    "deb",
                    Some(namespace),
                    name,
                    version,
                    &[("arch", arch), ("distro", distro.as_deref().unwrap_or(""))],
                )?;
                let mut pkg = package(name, version, PackageKind::Deb, p, NAME);
                pkg.source = Some(source(name, version, field(&para, "Source")));
                pkg.cpes.push(cpe(name, name, version));
                pkg.evidence.push(evidence(db));
                for (key, meta) in [
                    ("Architecture", "architecture"),
                    ("Maintainer", "maintainer"),
                    ("Installed-Size", "installed_size_kib"),
                ] {
                    if let Some(v) = field(&para, key) {
                        pkg.metadata.insert(meta.to_owned(), v.to_owned());
                    }
                }
                pkg.supplier = field(&para, "Maintainer").and_then(crate::package::Party::parse);
                if let Some(c) = copyrights.get(name) {
                    let (ack, licenses) = super::license::read_distilled(&c.data);
                    pkg.license_acknowledgement = ack;
                    pkg.licenses = licenses;
                }
                // Ownership: `.list` by name or name:arch; distroless md5sums by name.
                let owner = [format!("{name}:{arch}"), name.to_owned()]
                    .into_iter()
                    .find_map(|k| lists.get(k.as_str()).copied());
                if let Some(list) = owner {
                    pkg.evidence.push(evidence(list));
                    pkg.files = owned_files(utf8(NAME, &list.path, &list.data)?);
                } else if let Some(sums) = md5sums.get(name) {
                    pkg.evidence.push(evidence(sums));
                    pkg.files = utf8(NAME, &sums.path, &sums.data)?
                        .lines()
                        .filter_map(|l| l.split_once("  ").map(|(_, p)| clean_path(p)))
                        .filter(|p| !p.is_empty())
                        .collect();
                }
                let mut deps = Vec::new();
                for key in ["Pre-Depends", "Depends"] {
                    if let Some(v) = field(&para, key) {
                        deps.extend(dependency_names(v));
                    }
                }
                found.push((pkg, deps));
            }
        }
        // Dependencies: names of packages that are installed (any alternative that is).
        let installed: BTreeSet<String> = found.iter().map(|(p, _)| p.name.clone()).collect();
        let packages = found
            .into_iter()
            .map(|(mut p, deps)| {
                p.dependencies = deps
                    .into_iter()
                    .filter(|d| installed.contains(d) && *d != p.name)
                    .collect();
                p
            })
            .collect();
        Ok(finish(packages))
    }
}

/// `Status: want flag state` — the state says whether the files are all there.
fn is_installed(status: &str) -> bool {
    matches!(
        status.split_whitespace().nth(2),
        Some("installed" | "triggers-pending" | "triggers-awaited")
    )
}

/// `Source: name` or `Source: name (version)`; absent means the binary's own name and version.
fn source(name: &str, version: &str, field: Option<&str>) -> SourcePackage {
    let Some(f) = field.map(str::trim).filter(|f| !f.is_empty()) else {
        return SourcePackage {
            name: name.to_owned(),
            version: version.to_owned(),
        };
    };
    match f.split_once('(') {
        Some((n, rest)) => SourcePackage {
            name: n.trim().to_owned(),
            version: rest.trim_end().trim_end_matches(')').trim().to_owned(),
        },
        None => SourcePackage {
            name: f.to_owned(),
            version: version.to_owned(),
        },
    }
}

/// Names in a `Depends` value: `a (>= 1), b:any | c [amd64] <!nocheck>` gives a, b, c.
fn dependency_names(value: &str) -> Vec<String> {
    value
        .split([',', '|'])
        .filter_map(|alt| {
            let name = alt.trim().split([' ', '(', '[', '<']).next()?;
            let name = name.split(':').next()?.trim();
            (!name.is_empty()).then(|| name.to_owned())
        })
        .collect()
}

fn clean_path(p: &str) -> String {
    clean_path_str(p).to_owned()
}

fn clean_path_str(p: &str) -> &str {
    p.trim().trim_start_matches("./").trim_start_matches('/')
}

/// Entries of a `.list` file without the directories (entries that prefix another entry).
fn owned_files(list: &str) -> Vec<String> {
    // Sorted and de-duplicated as slices of the list; only the files are copied out.
    let mut all: Vec<&str> = list
        .lines()
        .map(clean_path_str)
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    all.sort_unstable();
    all.dedup();
    let mut files = Vec::with_capacity(all.len());
    for (i, p) in all.iter().enumerate() {
        let is_dir = all.get(i + 1).is_some_and(|next| {
            next.len() > p.len()
                && next.starts_with(p)
                && next.as_bytes().get(p.len()) == Some(&b'/')
        });
        if !is_dir {
            files.push((*p).to_owned());
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::{CatalogContext, OsRelease};

    fn file(path: &str, data: &str) -> ExtractedFile {
        ExtractedFile {
            path: path.into(),
            layer: None,
            mode: 0o644,
            data: data.as_bytes().into(),
        }
    }

    fn run(files: &[ExtractedFile], os: Option<OsRelease>) -> Result<Vec<Package>, ScanError> {
        let context = CatalogContext { os };
        DpkgCataloger.catalog(&CatalogInput {
            files,
            context: &context,
            exists: &|_| true,
        })
    }

    const STATUS_TEXT: &str = "Package: libc6\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nMulti-Arch: same\nSource: glibc (2.36-9+deb12u4)\nVersion: 2.36-9+deb12u4\nDepends: libgcc-s1\nDescription: GNU C Library\n shared libraries\n\nPackage: libgcc-s1\nStatus: install ok installed\nArchitecture: amd64\nSource: gcc-12 (12.2.0-14)\nVersion: 12.2.0-14\nDepends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\nArchitecture: all\n\nPackage: curl\nStatus: install ok installed\nVersion: 7.88.1-10+deb12u5\nArchitecture: amd64\nMaintainer: Alessandro Ghedini <ghedo@debian.org>\nDepends: libc6 (>= 2.34), libcurl4 (= 7.88.1-10+deb12u5) | libcurl3, zlib1g:any\n";

    #[test]
    fn reads_status_with_source_depends_and_ownership() {
        let os = OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..OsRelease::default()
        };
        let files = [
            file(
                "var/lib/dpkg/info/curl.list",
                "/.\n/usr\n/usr/bin\n/usr/bin/curl\n/usr/share/doc/curl/copyright\n",
            ),
            file(
                "var/lib/dpkg/info/libc6:amd64.list",
                "/.\n/lib/x86_64-linux-gnu/libc.so.6\n",
            ),
            file(STATUS, STATUS_TEXT),
        ];
        let pkgs = run(&files, Some(os)).unwrap();
        let names: Vec<_> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["curl", "libc6", "libgcc-s1"]);
        let curl = &pkgs[0];
        assert_eq!(
            curl.purl,
            "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12"
        );
        assert_eq!(curl.files, ["usr/bin/curl", "usr/share/doc/curl/copyright"]);
        assert_eq!(curl.dependencies, ["libc6"]);
        assert_eq!(curl.source.as_ref().unwrap().name, "curl");
        assert_eq!(
            curl.metadata["maintainer"],
            "Alessandro Ghedini <ghedo@debian.org>"
        );
        assert_eq!(curl.evidence.len(), 2);
        let libc = &pkgs[1];
        assert_eq!(libc.source.as_ref().unwrap().name, "glibc");
        assert_eq!(libc.source.as_ref().unwrap().version, "2.36-9+deb12u4");
        assert_eq!(libc.files, ["lib/x86_64-linux-gnu/libc.so.6"]);
        assert_eq!(libc.dependencies, ["libgcc-s1"]);
        assert_eq!(pkgs[2].dependencies, ["libc6"]);
        assert_eq!(pkgs[2].source.as_ref().unwrap().version, "12.2.0-14");
    }

    #[test]
    fn reads_distroless_status_d_with_md5sums() {
        let files = [
            file(
                "var/lib/dpkg/status.d/base-files",
                "Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n",
            ),
            file(
                "var/lib/dpkg/status.d/base-files.md5sums",
                "d41d8cd98f00b204e9800998ecf8427e  etc/debian_version\n",
            ),
            file(
                "var/lib/dpkg/status.d/tzdata",
                "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
            ),
        ];
        let pkgs = run(&files, None).unwrap();
        assert_eq!(pkgs.len(), 2);
        assert_eq!(pkgs[0].name, "base-files");
        assert_eq!(pkgs[0].files, ["etc/debian_version"]);
        assert!(pkgs[1].files.is_empty());
    }

    #[test]
    fn rejects_malformed_status() {
        assert!(run(&[file(STATUS, "Version: 1\n")], None).is_err());
        assert!(
            run(
                &[file(STATUS, "Package: a\nStatus: install ok installed\n")],
                None
            )
            .is_err()
        );
        assert!(run(&[file(STATUS, "garbage line\n")], None).is_err());
    }

    #[test]
    fn wants_only_dpkg_database_files() {
        let c = DpkgCataloger;
        assert!(c.wants(STATUS, 0o644, 10));
        assert!(c.wants("var/lib/dpkg/status.d/foo", 0o644, 10));
        assert!(c.wants("var/lib/dpkg/info/libc6:amd64.list", 0o644, 10));
        assert!(!c.wants("var/lib/dpkg/info/libc6.md5sums", 0o644, 10));
        assert!(!c.wants("var/lib/dpkg/status-old", 0o644, 10));
    }

    #[test]
    fn depends_names_drop_versions_arches_and_profiles() {
        assert_eq!(
            dependency_names("a (>= 1), b:any | c [amd64] <!nocheck>"),
            ["a", "b", "c"]
        );
    }
}

//! Alpine packages from the apk database `lib/apk/db/installed`.
//!
//! Each blank-line-separated record has one-letter keys (case matters): `P` name, `V` version,
//! `A` architecture, `L` licence, `o` origin (the source package), `m` maintainer, `D`
//! dependencies, `p` provides, `F` a directory and the `R` files inside it that the package
//! owns. Dependencies are resolved through `P` names and `p` provides (`so:`, `cmd:`, `pc:`);
//! conflicts (`!name`) are skipped.

use std::collections::BTreeMap;

use crate::error::{CatalogProblem, ScanError};
use crate::package::{CatalogInput, Cataloger, Package, PackageKind, SourcePackage};

use super::util::{cpe, distro_qualifier, err, evidence, finish, license, package, purl, utf8};

const NAME: &str = "apk";
const DB: &str = "lib/apk/db/installed";

/// The apk cataloger (see the module docs).
///
/// ```
/// use stella_scan::{CatalogContext, CatalogInput, Cataloger, ExtractedFile};
/// use stella_scan::catalog::apk::ApkCataloger;
///
/// let db = b"P:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\no:musl\n";
/// let files = [ExtractedFile { path: "lib/apk/db/installed".into(), layer: None, mode: 0o644, data: db.as_slice().into() }];
/// let input = CatalogInput { files: &files, context: &CatalogContext::default(), exists: &|_| true };
/// let pkgs = ApkCataloger.catalog(&input)?;
/// assert_eq!(pkgs[0].purl, "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64");
/// assert_eq!(pkgs[0].licenses, ["MIT"]);
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ApkCataloger;

#[derive(Default)]
struct Record<'a> {
    fields: Vec<(char, &'a str)>,
    files: Vec<String>,
}

impl<'a> Record<'a> {
    fn one(&self, key: char) -> Option<&'a str> {
        self.fields.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
    fn all(&self, key: char) -> impl Iterator<Item = &'a str> + '_ {
        self.fields
            .iter()
            .filter(move |(k, _)| *k == key)
            .map(|(_, v)| *v)
    }
}

fn records<'a>(path: &str, text: &'a str) -> Result<Vec<Record<'a>>, ScanError> {
    let mut out = Vec::new();
    let mut cur = Record::default();
    let mut dir = String::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            if !cur.fields.is_empty() {
                out.push(std::mem::take(&mut cur));
                dir.clear();
            }
            continue;
        }
        let mut chars = line.chars();
        let (Some(key), Some(':')) = (chars.next(), chars.next()) else {
            return Err(err(
                NAME,
                path,
                CatalogProblem::BadLine {
                    line: n + 1,
                    problem: "expected `K:value`",
                },
            ));
        };
        let value = chars.as_str();
        match key {
            'F' => dir = value.trim_matches('/').to_owned(),
            'R' if dir.is_empty() => cur.files.push(value.to_owned()),
            'R' => cur.files.push(format!("{dir}/{value}")),
            _ => {}
        }
        cur.fields.push((key, value));
    }
    if !cur.fields.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// The name part of a dependency / provides token: `so:libc.musl-x86_64.so.1=1` → the token
/// before any version operator.
fn dep_name(token: &str) -> &str {
    token.split(['=', '<', '>', '~']).next().unwrap_or(token)
}

impl Cataloger for ApkCataloger {
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

    fn path_independent(&self) -> bool {
        // What extract keeps depends on the bytes only (the path appears in errors at most).
        true
    }

    fn wants(&self, path: &str, _mode: u32, _size: u64) -> bool {
        path == DB
    }

    fn catalog(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError> {
        let distro = distro_qualifier(input.context);
        let namespace = input
            .context
            .os
            .as_ref()
            .map_or("alpine", |o| o.id.as_str());
        let mut packages = Vec::new();
        for db in input.files.iter().filter(|f| f.path == DB) {
            let text = utf8(NAME, &db.path, &db.data)?;
            let recs = records(&db.path, text)?;
            // provides → package name
            let mut provides: BTreeMap<&str, &str> = BTreeMap::new();
            for r in &recs {
                if let Some(name) = r.one('P') {
                    provides.insert(name, name);
                    for p in r.all('p').flat_map(str::split_whitespace) {
                        provides.entry(dep_name(p)).or_insert(name);
                    }
                }
            }
            for r in &recs {
                let name = r.one('P').ok_or_else(|| {
                    err(
                        NAME,
                        &db.path,
                        CatalogProblem::Incomplete {
                            what: "record without a P: (name) line",
                        },
                    )
                })?;
                let version = r.one('V').ok_or_else(|| {
                    err(
                        NAME,
                        &db.path,
                        CatalogProblem::PackageWithout {
                            package: name.to_owned(),
                            field: "V: line",
                        },
                    )
                })?;
                let arch = r.one('A').unwrap_or("");
                let p = purl(
                    NAME,
                    &db.path,
                    "apk",
                    Some(namespace),
                    name,
                    version,
                    &[("arch", arch), ("distro", distro.as_deref().unwrap_or(""))],
                )?;
                let mut pkg = package(name, version, PackageKind::Apk, p, NAME);
                pkg.licenses.extend(r.one('L').and_then(license));
                pkg.cpes.push(cpe(name, name, version));
                pkg.source = Some(SourcePackage {
                    name: r.one('o').unwrap_or(name).to_owned(),
                    version: version.to_owned(),
                });
                pkg.evidence.push(evidence(db));
                pkg.files = r.files.clone();
                pkg.supplier = r.one('m').and_then(crate::package::Party::parse);
                for (key, meta) in [('A', "architecture"), ('m', "maintainer"), ('c', "commit")] {
                    if let Some(v) = r.one(key) {
                        pkg.metadata.insert(meta.to_owned(), v.to_owned());
                    }
                }
                pkg.dependencies = r
                    .all('D')
                    .flat_map(str::split_whitespace)
                    .filter(|t| !t.starts_with('!'))
                    .filter_map(|t| provides.get(dep_name(t)).copied())
                    .filter(|d| *d != name)
                    .map(str::to_owned)
                    .collect();
                packages.push(pkg);
            }
        }
        Ok(finish(packages))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::{CatalogContext, ExtractedFile, OsRelease};

    const DB_TEXT: &str = "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nS:383152\nI:622592\nT:the musl c library (libc) implementation\nU:https://musl.libc.org/\nL:MIT\no:musl\nm:Natanael Copa <ncopa@alpinelinux.org>\nt:1712060000\nc:abc\np:so:libc.musl-x86_64.so.1=1\nF:lib\nR:ld-musl-x86_64.so.1\na:0:0:755\nR:libc.musl-x86_64.so.1\n\nC:Q1def=\nP:busybox\nV:1.36.1-r29\nA:x86_64\nL:GPL-2.0-only\no:busybox\nD:so:libc.musl-x86_64.so.1 !busybox-static\np:cmd:busybox=1.36.1-r29\nF:bin\nR:busybox\nF:etc\nR:securetty\n\nP:ssl_client\nV:1.36.1-r29\nA:x86_64\nL:GPL-2.0-only\no:busybox\nD:so:libc.musl-x86_64.so.1 busybox>=1.36\n";

    fn run(data: &str) -> Result<Vec<Package>, ScanError> {
        let files = [ExtractedFile {
            path: DB.into(),
            layer: None,
            mode: 0o644,
            data: data.as_bytes().into(),
        }];
        let context = CatalogContext {
            os: Some(OsRelease {
                id: "alpine".into(),
                version_id: Some("3.20.3".into()),
                ..OsRelease::default()
            }),
        };
        ApkCataloger.catalog(&CatalogInput {
            files: &files,
            context: &context,
            exists: &|_| true,
        })
    }

    #[test]
    fn reads_records_with_origin_files_and_dependencies() {
        let pkgs = run(DB_TEXT).unwrap();
        let names: Vec<_> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["busybox", "musl", "ssl_client"]);
        let musl = &pkgs[1];
        assert_eq!(
            musl.purl,
            "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"
        );
        assert_eq!(
            musl.files,
            ["lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1"]
        );
        assert_eq!(musl.licenses, ["MIT"]);
        assert_eq!(pkgs[0].files, ["bin/busybox", "etc/securetty"]);
        assert_eq!(pkgs[0].dependencies, ["musl"]);
        assert_eq!(pkgs[2].dependencies, ["busybox", "musl"]);
        assert_eq!(pkgs[2].source.as_ref().unwrap().name, "busybox");
    }

    #[test]
    fn rejects_malformed_records() {
        assert!(run("V:1\n").is_err());
        assert!(run("P:a\n").is_err());
        assert!(run("not a record\n").is_err());
    }
}

//! Python distributions: `*.dist-info/METADATA` (+ `RECORD` for owned files) and
//! `*.egg-info/PKG-INFO` (or a single-file `*.egg-info`).
//!
//! Licences, in order of preference: PEP 639 `License-Expression`, a short `License` field,
//! then the trove classifiers we can map to an SPDX id without guessing (MIT, Apache-2.0,
//! ISC, PSF-2.0, MPL-2.0, BSD-? is not guessed). Dependencies are the `Requires-Dist`
//! names without an `extra ==` marker that are installed in the same image, as purls.
//! A METADATA file that does not parse is skipped; the others are still cataloged.

use std::collections::BTreeMap;

use crate::error::{CatalogProblem, ScanError};
use crate::package::{CatalogInput, Cataloger, ExtractedFile, Package, PackageKind, Party};

use super::util::{
    cpe, err, evidence, field, fields, finish, license, package, paragraphs, purl, utf8,
};

const NAME: &str = "python";

/// The Python cataloger (see the module docs).
///
/// ```
/// use stella_scan::{CatalogContext, CatalogInput, Cataloger, ExtractedFile};
/// use stella_scan::catalog::python::PythonCataloger;
///
/// let meta = b"Metadata-Version: 2.1\nName: Flask_Cors\nVersion: 4.0.1\nLicense: MIT\n";
/// let files = [ExtractedFile { path: "usr/lib/python3/dist-packages/Flask_Cors-4.0.1.dist-info/METADATA".into(), layer: None, mode: 0o644, data: meta.as_slice().into() }];
/// let input = CatalogInput { files: &files, context: &CatalogContext::default(), exists: &|_| true };
/// let pkgs = PythonCataloger.catalog(&input)?;
/// assert_eq!(pkgs[0].purl, "pkg:pypi/flask-cors@4.0.1");
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct PythonCataloger;

/// What one METADATA / PKG-INFO file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonMetadata {
    /// `Name`, as written.
    pub name: String,
    /// `Version`.
    pub version: String,
    /// Licences (SPDX expression or free text), see the module docs.
    pub licenses: Vec<String>,
    /// `Requires-Dist` names (normalized) without an `extra` marker.
    pub requires: Vec<String>,
    /// `Author` / `Author-email`, when present.
    pub author: Option<String>,
    /// The upstream author: `Author` with the address of `Author-email` (which may also carry
    /// the name, `Name <address>`).
    pub author_party: Option<Party>,
    /// The maintainer, likewise from `Maintainer` / `Maintainer-email`.
    pub maintainer: Option<Party>,
}

/// A party from a core-metadata name field and its `-email` field (`a@x`, `Name <a@x>`, or a
/// comma-separated list of either: the first is kept).
fn metadata_party(name: Option<&str>, email: Option<&str>) -> Option<Party> {
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case("unknown"));
    let from_email = email
        .map(str::trim)
        .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case("unknown"))
        .and_then(|e| {
            let first = e.split(',').next().unwrap_or(e).trim();
            if first.contains('<') {
                Party::parse(first)
            } else {
                Some(Party {
                    name: first.to_owned(),
                    email: Some(first.to_owned()),
                    url: None,
                })
            }
        });
    match (name, from_email) {
        (Some(n), e) => {
            let mut p = Party::parse(n)?;
            if p.email.is_none() {
                p.email = e.and_then(|e| e.email);
            }
            Some(p)
        }
        (None, e) => e,
    }
}

/// PEP 503 normalization, as pip compares project names: the name is lower-cased with
/// Unicode's full case mapping, then every run of `-`, `_` and `.` becomes one `-`. This is
/// `packaging.utils.canonicalize_name` (the one pip vendors), which emulates PEP 503's
/// `re.sub(r"[-_.]+", "-", name).lower()` but lower-cases first: Python's `str.lower()` is
/// Unicode (`İ` becomes `i̇`, a word-final `Σ` becomes `ς`), and since a `.` does not end a word
/// for the final-sigma rule while a `-` does, the order shows in `ΟΔΟΣ.Α` (`οδοσ-α`, not
/// `οδος-α`). Nothing is trimmed and leading or trailing separators stay (`_x` is `-x`). The
/// one implementation for the Python cataloger and for the PyPI names of vulnerability records
/// (`stella-vuln`), so both sides of a match normalize alike.
///
/// ```
/// use stella_scan::catalog::python::normalize_name;
///
/// assert_eq!(normalize_name("Flask_SQLAlchemy"), "flask-sqlalchemy");
/// assert_eq!(normalize_name("zope.-_interface"), "zope-interface");
/// assert_eq!(normalize_name("ΟΔΟΣ.Α"), "οδοσ-α");
/// ```
pub fn normalize_name(name: &str) -> String {
    // `str::to_lowercase`, not per char: it applies the final-sigma rule as Python does.
    let lower = name.to_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut in_run = false;
    for c in lower.chars() {
        let sep = matches!(c, '-' | '_' | '.');
        match (sep, in_run) {
            (true, true) => {}
            (true, false) => out.push('-'),
            (false, _) => out.push(c),
        }
        in_run = sep;
    }
    out
}

/// A [`CatalogProblem::Incomplete`] error for the metadata file at `path`.
fn incomplete(path: &str, what: &'static str) -> ScanError {
    err(NAME, path, CatalogProblem::Incomplete { what })
}

fn classifier_license(c: &str) -> Option<&'static str> {
    let tail = c.strip_prefix("License :: ")?.rsplit(" :: ").next()?;
    Some(match tail {
        "MIT License" => "MIT",
        "Apache Software License" => "Apache-2.0",
        "ISC License (ISCL)" => "ISC",
        "Python Software Foundation License" => "PSF-2.0",
        "Mozilla Public License 2.0 (MPL 2.0)" => "MPL-2.0",
        "The Unlicense (Unlicense)" => "Unlicense",
        _ => return None,
    })
}

/// Parses a METADATA / PKG-INFO file (email-style headers; the body is ignored).
pub fn parse_metadata(path: &str, data: &[u8]) -> Result<PythonMetadata, ScanError> {
    let text = utf8(NAME, path, data)?;
    let paras = paragraphs(NAME, path, text, true)?;
    let head = paras
        .first()
        .ok_or_else(|| incomplete(path, "no header fields"))?;
    let name = field(head, "Name").ok_or_else(|| incomplete(path, "no Name field"))?;
    let version = field(head, "Version").ok_or_else(|| incomplete(path, "no Version field"))?;
    if name.is_empty() || version.is_empty() {
        return Err(incomplete(path, "empty Name or Version"));
    }
    let mut licenses: Vec<String> = Vec::new();
    if let Some(expr) = field(head, "License-Expression").and_then(license) {
        licenses.push(expr);
    } else if let Some(l) = field(head, "License").filter(|l| l.len() <= 64 && !l.contains('\n')) {
        licenses.extend(license(l));
    }
    if licenses.is_empty() {
        licenses.extend(
            fields(head, "Classifier")
                .filter_map(classifier_license)
                .map(str::to_owned),
        );
    }
    let requires = fields(head, "Requires-Dist")
        .filter(|r| !r.split_once(';').is_some_and(|(_, m)| m.contains("extra")))
        .filter_map(|r| {
            let n = r
                .split([' ', ';', '(', '[', '<', '>', '=', '!', '~'])
                .next()?;
            (!n.is_empty()).then(|| normalize_name(n.trim()))
        })
        .collect();
    let author = field(head, "Author")
        .or_else(|| field(head, "Author-email"))
        .filter(|a| !a.is_empty())
        .map(str::to_owned);
    let author_party = metadata_party(field(head, "Author"), field(head, "Author-email"));
    let maintainer = metadata_party(field(head, "Maintainer"), field(head, "Maintainer-email"));
    Ok(PythonMetadata {
        name: name.to_owned(),
        version: version.to_owned(),
        licenses,
        requires,
        author,
        author_party,
        maintainer,
    })
}

/// Joins `base/rel` and resolves `.`/`..`; `None` when it escapes the root.
fn join(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        base.split('/').filter(|p| !p.is_empty()).collect()
    };
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// The owned files listed in a RECORD (CSV `path,hash,size`), relative to the image root.
fn record_files(site: &str, record: &str) -> Vec<String> {
    // Most entries are plain relative paths (no empty, `.` or `..` segment): those are the
    // normalized site directory joined with the entry, without splitting and re-joining both.
    let site_norm = join(site, "").unwrap_or_default();
    record
        .lines()
        .filter_map(|l| {
            let p = if let Some(rest) = l.strip_prefix('"') {
                rest.split_once('"')?.0
            } else {
                l.split_once(',').map_or(l, |(p, _)| p)
            };
            if p.is_empty() {
                return None;
            }
            if !is_plain_relative(p) {
                return join(site, p);
            }
            if site_norm.is_empty() {
                return Some(p.to_owned());
            }
            let mut out = String::with_capacity(site_norm.len() + 1 + p.len());
            out.push_str(&site_norm);
            out.push('/');
            out.push_str(p);
            Some(out)
        })
        .collect()
}

/// Whether `p` is relative with no empty, `.` or `..` segment (so joining needs no
/// normalization).
fn is_plain_relative(p: &str) -> bool {
    !p.is_empty() && p.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
}

fn is_metadata(path: &str) -> bool {
    path.ends_with(".dist-info/METADATA")
        || path.ends_with(".egg-info/PKG-INFO")
        || path.ends_with(".egg-info")
}

impl Cataloger for PythonCataloger {
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
        is_metadata(path) || path.ends_with(".dist-info/RECORD")
    }

    fn catalog(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError> {
        let records: BTreeMap<&str, &ExtractedFile> = input
            .files
            .iter()
            .filter_map(|f| Some((f.path.strip_suffix("/RECORD")?, f)))
            .collect();
        let mut found = Vec::new();
        for f in input.files.iter().filter(|f| is_metadata(&f.path)) {
            let Ok(meta) = parse_metadata(&f.path, &f.data) else {
                continue;
            };
            let norm = normalize_name(&meta.name);
            let p = purl(NAME, &f.path, "pypi", None, &norm, &meta.version, &[])?;
            let mut pkg = package(&meta.name, &meta.version, PackageKind::Python, p, NAME);
            pkg.licenses = meta.licenses.clone();
            pkg.cpes.push(cpe(&norm, &norm, &meta.version));
            pkg.evidence.push(evidence(f));
            if let Some(a) = &meta.author {
                pkg.metadata.insert("author".to_owned(), a.clone());
            }
            pkg.authors.extend(meta.author_party.clone());
            pkg.supplier = meta
                .maintainer
                .clone()
                .or_else(|| meta.author_party.clone());
            let dir = f.path.strip_suffix("/METADATA").unwrap_or(&f.path);
            if let Some(rec) = records.get(dir) {
                pkg.evidence.push(evidence(rec));
                let site = dir.rsplit_once('/').map_or("", |(s, _)| s);
                if let Ok(text) = std::str::from_utf8(&rec.data) {
                    pkg.files = record_files(site, text);
                }
            }
            found.push((pkg, norm, meta.requires));
        }
        let by_name: BTreeMap<String, String> = found
            .iter()
            .map(|(p, n, _)| (n.clone(), p.purl.clone()))
            .collect();
        let packages = found
            .into_iter()
            .map(|(mut p, norm, reqs)| {
                p.dependencies = reqs
                    .iter()
                    .filter(|r| **r != norm)
                    .filter_map(|r| by_name.get(r).cloned())
                    .collect();
                p
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

    const SITE: &str = "usr/local/lib/python3.11/site-packages";

    /// The plain-path fast path gives what normalizing every entry gives.
    #[test]
    fn record_files_match_the_normalizing_join() {
        let record = "pkg/__init__.py,sha256=x,1\n../../../bin/tool,,\n./pkg/a.py,,\npkg//b.py,,\n\
                      /abs/c.py,,\n\"pkg/with,comma.py\",,\npkg/../up.py,,\n\nplain\n";
        for site in [
            "usr/lib/python3/dist-packages",
            "/usr/lib/./python3//site",
            "",
            "a/../b",
        ] {
            let reference: Vec<String> = record
                .lines()
                .filter_map(|l| {
                    let p = match l.strip_prefix('"') {
                        Some(rest) => rest.split_once('"')?.0,
                        None => l.split(',').next()?,
                    };
                    if p.is_empty() { None } else { join(site, p) }
                })
                .collect();
            assert_eq!(record_files(site, record), reference, "site {site:?}");
        }
        assert_eq!(
            record_files(
                "usr/lib/python3/dist-packages",
                "../../../bin/tool,,\npkg/m.py,,\n"
            ),
            ["usr/bin/tool", "usr/lib/python3/dist-packages/pkg/m.py"]
        );
    }

    #[test]
    fn reads_dist_info_with_record_and_dependencies() {
        let files = [
            file(
                &format!("{SITE}/requests-2.31.0.dist-info/METADATA"),
                "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\nClassifier: License :: OSI Approved :: Apache Software License\nRequires-Dist: charset-normalizer (<4,>=2)\nRequires-Dist: urllib3<3,>=1.21.1\nRequires-Dist: PySocks!=1.5.7,>=1.5.6 ; extra == 'socks'\n\nLong description: with a colon\n",
            ),
            file(
                &format!("{SITE}/requests-2.31.0.dist-info/RECORD"),
                "requests/__init__.py,sha256=abc,4924\n\"requests/a,b.py\",,\n../../../bin/req,,\nrequests-2.31.0.dist-info/RECORD,,\n",
            ),
            file(
                &format!("{SITE}/urllib3-2.0.7.dist-info/METADATA"),
                "Metadata-Version: 2.3\nName: urllib3\nVersion: 2.0.7\nLicense-Expression: MIT\n",
            ),
            file(
                &format!("{SITE}/broken-1.dist-info/METADATA"),
                "Name: broken\n",
            ),
            file(
                "usr/lib/python3/dist-packages/six-1.16.0.egg-info",
                "Metadata-Version: 1.2\nName: six\nVersion: 1.16.0\nClassifier: License :: OSI Approved :: MIT License\n",
            ),
        ];
        let pkgs = PythonCataloger
            .catalog(&CatalogInput {
                files: &files,
                context: &CatalogContext::default(),
                exists: &|_| true,
            })
            .unwrap();
        let names: Vec<_> = pkgs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["requests", "six", "urllib3"]);
        let req = &pkgs[0];
        assert_eq!(req.purl, "pkg:pypi/requests@2.31.0");
        assert_eq!(req.licenses, ["Apache 2.0"]);
        assert_eq!(req.dependencies, ["pkg:pypi/urllib3@2.0.7"]);
        assert_eq!(
            req.files,
            [
                "usr/local/bin/req",
                &format!("{SITE}/requests-2.31.0.dist-info/RECORD"),
                &format!("{SITE}/requests/__init__.py"),
                &format!("{SITE}/requests/a,b.py"),
            ]
        );
        assert_eq!(pkgs[1].licenses, ["MIT"]);
        assert_eq!(pkgs[2].licenses, ["MIT"]);
    }

    #[test]
    fn normalizes_names_per_pep_503() {
        assert_eq!(normalize_name("Flask_SQLAlchemy"), "flask-sqlalchemy");
        assert_eq!(normalize_name("a.-_b"), "a-b");
    }

    #[test]
    fn parse_metadata_rejects_missing_fields() {
        assert!(parse_metadata("p", b"Name: x\n").is_err());
        assert!(parse_metadata("p", b"Version: 1\n").is_err());
        assert!(parse_metadata("p", b"").is_err());
        assert!(parse_metadata("p", &[0xff]).is_err());
    }
}

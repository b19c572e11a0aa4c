//! Java archives: `*.jar`, `*.war`, `*.ear` (also Jenkins `*.hpi` / `*.jpi`), with nested
//! archives (e.g. `WEB-INF/lib/*.jar`, Spring Boot `BOOT-INF/lib/*.jar`) read recursively up to
//! depth 4.
//!
//! `extract` distils each archive to what phase 2 needs — the main section of
//! `META-INF/MANIFEST.MF` and every `META-INF/maven/**/pom.properties` — for it and each nested
//! archive (bounded: 64 MiB per nested entry, 512 MiB inflated and 100 000 entries per
//! top-level archive). Phase 2 reports one Maven package per `pom.properties`; an archive
//! without one is reported from its manifest (`Implementation-*` / `Bundle-*`) and file name
//! (`name-1.2.3.jar`). The purl namespace is the group id (`Implementation-Vendor-Id`, else the
//! artifact name, as syft does); licences from `Bundle-License`; the supplier from
//! `Implementation-Vendor` (else `Bundle-Vendor`, `Specification-Vendor`). The POM itself
//! (`pom.xml`: licences, organization) is not read.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use serde::{Deserialize, Serialize};

use crate::error::{CatalogProblem, ScanError};
use crate::limits::{ArchiveBudget, ScanLimits};
use crate::package::{CatalogInput, Cataloger, Package, PackageKind};

use super::util::{cpe, err, evidence, finish, license, package, purl};

const NAME: &str = "java-archive";
const MAX_DEPTH: usize = 4;
const MAX_NESTED: u64 = 64 << 20;
const MAX_TOTAL: u64 = 512 << 20;
const MAX_ENTRIES: usize = 100_000;
const MAX_LEN: u64 = 1 << 30;

/// The Java archive cataloger (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct JavaCataloger;

/// One `pom.properties`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PomProperties {
    /// `groupId`.
    pub group_id: String,
    /// `artifactId`.
    pub artifact_id: String,
    /// `version`.
    pub version: String,
}

/// What `extract` keeps of one archive (top-level or nested).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveFacts {
    /// Path of the archive: the image path, then `!/entry` for each nesting level.
    pub path: String,
    /// Main-section attributes of `META-INF/MANIFEST.MF`.
    pub manifest: BTreeMap<String, String>,
    /// Every `pom.properties`, sorted.
    pub poms: Vec<PomProperties>,
}

fn is_archive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".jar", ".war", ".ear", ".hpi", ".jpi"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// Parses the main section of a manifest (`Key: value`, continuation lines start with one
/// space and are joined without it).
pub fn parse_manifest(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut last: Option<String> = None;
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.is_empty() {
            break;
        }
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some(v) = last.as_ref().and_then(|k| out.get_mut(k)) {
                let v: &mut String = v;
                v.push_str(cont);
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim().to_owned();
            out.insert(k.clone(), v.trim().to_owned());
            last = Some(k);
        }
    }
    out
}

/// Parses a `pom.properties` (Java properties: `key=value` or `key: value`, `#`/`!` comments).
pub fn parse_pom_properties(text: &str) -> Option<PomProperties> {
    let mut m = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        if let Some(i) = line.find(['=', ':']) {
            let (k, v) = (line.get(..i)?, line.get(i + 1..)?);
            m.insert(k.trim(), v.trim());
        }
    }
    Some(PomProperties {
        group_id: (*m.get("groupId")?).to_owned(),
        artifact_id: (*m.get("artifactId")?).to_owned(),
        version: (*m.get("version")?).to_owned(),
    })
}

struct Budget<'b> {
    /// Bytes this archive (with its nested ones) may still inflate.
    bytes: u64,
    entries: usize,
    /// The image's budget, charged before each inflation.
    image: &'b ArchiveBudget,
}

fn read_entry<R: Read>(
    path: &str,
    entry: &mut R,
    size: u64,
    budget: &mut Budget<'_>,
) -> Result<Vec<u8>, ScanError> {
    let limit = size.min(MAX_NESTED);
    if budget.bytes < limit {
        return Err(err(
            NAME,
            path,
            CatalogProblem::OverLimit {
                what: "archive inflates past 512 MiB",
            },
        ));
    }
    // Reserved from the image's budget before inflating; what did not come is given back.
    budget.image.reserve_bytes(limit + 1, path)?;
    let mut buf = Vec::new();
    let read = entry.take(limit + 1).read_to_end(&mut buf);
    budget
        .image
        .refund_bytes((limit + 1).saturating_sub(buf.len() as u64));
    read.map_err(|e| err(NAME, path, CatalogProblem::ReadEntry(e)))?;
    budget.bytes = budget.bytes.saturating_sub(buf.len() as u64);
    Ok(buf)
}

fn walk(
    path: &str,
    data: &[u8],
    depth: usize,
    budget: &mut Budget<'_>,
    out: &mut Vec<ArchiveFacts>,
) -> Result<(), ScanError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(data))
        .map_err(|e| err(NAME, path, CatalogProblem::NotZip(e)))?;
    budget.image.charge_entries(zip.len() as u64, path)?;
    let mut facts = ArchiveFacts {
        path: path.to_owned(),
        manifest: BTreeMap::new(),
        poms: Vec::new(),
    };
    let mut nested = Vec::new();
    for i in 0..zip.len() {
        budget.entries += 1;
        if budget.entries > MAX_ENTRIES {
            return Err(err(
                NAME,
                path,
                CatalogProblem::OverLimit {
                    what: "more than 100000 archive entries",
                },
            ));
        }
        let mut entry = zip.by_index(i).map_err(|e| {
            err(
                NAME,
                path,
                CatalogProblem::ZipEntry {
                    index: i,
                    source: e,
                },
            )
        })?;
        if entry.is_dir() {
            continue;
        }
        let Ok(name) = entry.name().map(|n| n.into_owned()) else {
            continue;
        };
        let size = entry.size();
        if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
            let bytes = read_entry(path, &mut entry, size.min(1 << 20), budget)?;
            facts.manifest = parse_manifest(&String::from_utf8_lossy(&bytes));
        } else if name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties") {
            let bytes = read_entry(path, &mut entry, size.min(1 << 20), budget)?;
            facts
                .poms
                .extend(parse_pom_properties(&String::from_utf8_lossy(&bytes)));
        } else if depth < MAX_DEPTH && is_archive_name(&name) && size <= MAX_NESTED {
            let bytes = read_entry(path, &mut entry, size, budget)?;
            nested.push((format!("{path}!/{name}"), bytes));
        }
    }
    facts.poms.sort_by(|a, b| {
        (&a.group_id, &a.artifact_id, &a.version).cmp(&(&b.group_id, &b.artifact_id, &b.version))
    });
    facts.poms.dedup();
    out.push(facts);
    for (p, bytes) in nested {
        // A nested entry that is not a zip is skipped, not fatal for the outer archive; the
        // image's budget running out is.
        if let Err(e @ ScanError::LimitExceeded { .. }) = walk(&p, &bytes, depth + 1, budget, out) {
            return Err(e);
        }
    }
    Ok(())
}

/// Distils an archive and its nested archives (see the module docs), within the default
/// per-image archive budget ([`ScanLimits::max_archive_bytes`]).
pub fn read_archive(path: &str, data: &[u8]) -> Result<Vec<ArchiveFacts>, ScanError> {
    read_archive_within(path, data, &ArchiveBudget::new(&ScanLimits::default()))
}

/// [`read_archive`] charging `image`, the budget shared by every archive of one image: bytes
/// are reserved before each entry is inflated and entries before each archive is walked, so
/// many small bombs stop at the image's budget, not at 512 MiB each. Running out is
/// [`ScanError::LimitExceeded`], which fails the scan (see [`crate::Cataloger::extract_with`]).
pub fn read_archive_within(
    path: &str,
    data: &[u8],
    image: &ArchiveBudget,
) -> Result<Vec<ArchiveFacts>, ScanError> {
    let mut out = Vec::new();
    let mut budget = Budget {
        bytes: MAX_TOTAL,
        entries: 0,
        image,
    };
    walk(path, data, 0, &mut budget, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// `commons-lang3-3.12.0.jar` → (`commons-lang3`, `3.12.0`).
fn name_version_from_file(path: &str) -> (String, Option<String>) {
    let file = path.rsplit(['/', '!']).next().unwrap_or(path);
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let split = stem
        .char_indices()
        .filter(|(i, c)| {
            *c == '-'
                && stem
                    .get(i + 1..)
                    .is_some_and(|r| r.starts_with(|d: char| d.is_ascii_digit()))
        })
        .map(|(i, _)| i)
        .next();
    match split {
        Some(i) => (
            stem.get(..i).unwrap_or(stem).to_owned(),
            stem.get(i + 1..).map(str::to_owned),
        ),
        None => (stem.to_owned(), None),
    }
}

fn maven_package(
    image_path: &str,
    group: &str,
    artifact: &str,
    version: &str,
    archive: &str,
) -> Result<Package, ScanError> {
    let p = purl(
        NAME,
        image_path,
        "maven",
        Some(group),
        artifact,
        version,
        &[],
    )?;
    let mut pkg = package(artifact, version, PackageKind::Java, p, NAME);
    pkg.cpes.push(cpe(artifact, artifact, version));
    pkg.metadata.insert("group_id".into(), group.to_owned());
    pkg.metadata.insert("archive".into(), archive.to_owned());
    Ok(pkg)
}

impl Cataloger for JavaCataloger {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> &'static str {
        "2"
    }

    fn wants(&self, path: &str, _mode: u32, size: u64) -> bool {
        size <= MAX_LEN && is_archive_name(path)
    }

    fn extract(&self, path: &str, contents: &[u8]) -> Result<Option<Vec<u8>>, ScanError> {
        self.extract_with(path, contents, &ArchiveBudget::new(&ScanLimits::default()))
    }

    fn extract_with(
        &self,
        path: &str,
        contents: &[u8],
        archives: &ArchiveBudget,
    ) -> Result<Option<Vec<u8>>, ScanError> {
        let facts = read_archive_within(path, contents, archives)?;
        serde_json::to_vec(&facts)
            .map(Some)
            .map_err(|e| err(NAME, path, CatalogProblem::Encode(e)))
    }

    fn catalog(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError> {
        let mut packages = Vec::new();
        for f in input.files {
            let Ok(archives) = serde_json::from_slice::<Vec<ArchiveFacts>>(&f.data) else {
                return Err(err(NAME, &f.path, CatalogProblem::NotArchiveFacts));
            };
            for a in archives {
                let licenses: Vec<String> = a
                    .manifest
                    .get("Bundle-License")
                    .and_then(|l| license(l))
                    .into_iter()
                    .collect();
                let mut found = Vec::new();
                for pom in &a.poms {
                    found.push(maven_package(
                        &f.path,
                        &pom.group_id,
                        &pom.artifact_id,
                        &pom.version,
                        &a.path,
                    )?);
                }
                if found.is_empty() {
                    let (file_name, file_version) = name_version_from_file(&a.path);
                    let version = a
                        .manifest
                        .get("Implementation-Version")
                        .or_else(|| a.manifest.get("Bundle-Version"))
                        .cloned()
                        .or(file_version);
                    if let Some(version) = version.filter(|v| !v.is_empty()) {
                        let group = a
                            .manifest
                            .get("Implementation-Vendor-Id")
                            .cloned()
                            .unwrap_or_else(|| file_name.clone());
                        found.push(maven_package(
                            &f.path, &group, &file_name, &version, &a.path,
                        )?);
                    }
                }
                let supplier = [
                    "Implementation-Vendor",
                    "Bundle-Vendor",
                    "Specification-Vendor",
                ]
                .iter()
                .find_map(|k| a.manifest.get(*k))
                .and_then(|v| crate::package::Party::parse(v));
                for mut p in found {
                    p.licenses = licenses.clone();
                    p.supplier = supplier.clone();
                    p.evidence.push(evidence(f));
                    packages.push(p);
                }
            }
        }
        Ok(finish(packages))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::{CatalogContext, ExtractedFile};
    use std::io::Write;

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn war_with_nested_jars_poms_and_manifests() {
        let inner_pom = zip(&[(
            "META-INF/maven/org.apache.commons/commons-lang3/pom.properties",
            b"#Generated\nversion=3.12.0\ngroupId=org.apache.commons\nartifactId=commons-lang3\n",
        )]);
        let inner_manifest = zip(&[(
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\r\nImplementation-Version: 2.1\r\nBundle-License: Apache-2.0\r\n\r\nName: x\r\n",
        )]);
        let war = zip(&[
            (
                "META-INF/MANIFEST.MF",
                b"Manifest-Version: 1.0\nImplementation-Title: shop\n",
            ),
            ("WEB-INF/lib/commons-lang3-3.12.0.jar", &inner_pom),
            ("WEB-INF/lib/tiny-lib-2.1.jar", &inner_manifest),
            ("WEB-INF/lib/broken.jar", b"not a zip"),
            ("index.html", b"<html/>"),
        ]);
        let c = JavaCataloger;
        assert!(c.wants("opt/app/shop.war", 0o644, war.len() as u64));
        let kept = c.extract("opt/app/shop.war", &war).unwrap().unwrap();
        assert!(kept.len() < war.len());
        let files = [ExtractedFile {
            path: "opt/app/shop.war".into(),
            layer: None,
            mode: 0o644,
            data: kept.into(),
        }];
        let pkgs = c
            .catalog(&CatalogInput {
                files: &files,
                context: &CatalogContext::default(),
                exists: &|_| true,
            })
            .unwrap();
        let purls: Vec<_> = pkgs.iter().map(|p| p.purl.as_str()).collect();
        assert_eq!(
            purls,
            [
                "pkg:maven/org.apache.commons/commons-lang3@3.12.0",
                "pkg:maven/tiny-lib/tiny-lib@2.1"
            ]
        );
        assert_eq!(pkgs[1].licenses, ["Apache-2.0"]);
        assert_eq!(
            pkgs[0].metadata["archive"],
            "opt/app/shop.war!/WEB-INF/lib/commons-lang3-3.12.0.jar"
        );
    }

    #[test]
    fn manifest_continuations_and_file_names() {
        let m = parse_manifest("A: 1\nLong: abc\n def\n\nB: 2\n");
        assert_eq!(m["Long"], "abcdef");
        assert!(!m.contains_key("B"));
        assert_eq!(
            name_version_from_file("x/y/jackson-core-2.15.2.jar"),
            ("jackson-core".into(), Some("2.15.2".into()))
        );
        assert_eq!(
            name_version_from_file("a.jar!/lib/plain.jar"),
            ("plain".into(), None)
        );
        assert!(parse_pom_properties("groupId=a\n").is_none());
    }

    #[test]
    fn not_a_zip_is_a_typed_error() {
        assert!(
            JavaCataloger
                .extract("a.jar", b"PK but not really")
                .is_err()
        );
    }
}

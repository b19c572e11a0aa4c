//! Rust crates from binaries built with `cargo auditable`: the `.dep-v0` ELF section holds
//! zlib-compressed JSON `{"packages":[{"name","version","source","kind","dependencies":[i],
//! "root"}]}`.
//!
//! Reported: every package except `kind: "build"` ones (build-time only, not in the binary);
//! dependencies from the index lists. `extract` keeps only the decompressed JSON (at most
//! 8 MiB), never the binary.

use std::io::Read;

use serde::Deserialize;

use crate::error::{CatalogProblem, ScanError};
use crate::package::{CatalogInput, Cataloger, Package, PackageKind};

use super::util::{elf_section, err, evidence, finish, is_elf, is_executable, package, purl};

const NAME: &str = "cargo-auditable";
const MAX_JSON: u64 = 8 << 20;
const MAX_LEN: u64 = 1 << 30;

/// The cargo-auditable cataloger (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct CargoAuditableCataloger;

#[derive(Deserialize)]
struct Info {
    packages: Vec<Dep>,
}

#[derive(Deserialize)]
struct Dep {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    dependencies: Vec<usize>,
    #[serde(default)]
    root: bool,
}

/// Decompresses a `.dep-v0` section (bounded); `Ok(None)` when the binary has none.
pub fn read_dep_v0(path: &str, binary: &[u8]) -> Result<Option<Vec<u8>>, ScanError> {
    let Some(section) = elf_section(binary, ".dep-v0") else {
        return Ok(None);
    };
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(section)
        .take(MAX_JSON + 1)
        .read_to_end(&mut out)
        .map_err(|e| err(NAME, path, CatalogProblem::DepV0Inflate(e)))?;
    if out.len() as u64 > MAX_JSON {
        return Err(err(
            NAME,
            path,
            CatalogProblem::OverLimit {
                what: ".dep-v0 inflates past 8 MiB",
            },
        ));
    }
    Ok(Some(out))
}

/// Packages from the decompressed JSON of one binary at `path`.
pub fn parse_dep_v0(path: &str, json: &[u8]) -> Result<Vec<Package>, ScanError> {
    let info: Info =
        serde_json::from_slice(json).map_err(|e| err(NAME, path, CatalogProblem::DepV0Json(e)))?;
    let purls = info
        .packages
        .iter()
        .map(|d| purl(NAME, path, "cargo", None, &d.name, &d.version, &[]))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    for (d, p) in info.packages.iter().zip(&purls) {
        if d.kind.as_deref() == Some("build") {
            continue;
        }
        let mut pkg = package(&d.name, &d.version, PackageKind::RustCrate, p.clone(), NAME);
        pkg.dependencies = d
            .dependencies
            .iter()
            .filter_map(|i| {
                let dep = info.packages.get(*i)?;
                (dep.kind.as_deref() != Some("build")).then(|| purls.get(*i).cloned())?
            })
            .collect();
        if let Some(s) = &d.source {
            pkg.metadata.insert("source".into(), s.clone());
            // Built from the crates.io registry: that is who distributed the crate.
            if s == "crates.io" {
                pkg.supplier = Some(crate::package::Party {
                    name: "crates.io".into(),
                    email: None,
                    url: Some("https://crates.io".into()),
                });
            }
        }
        pkg.cpes
            .push(super::util::cpe_for(&d.name, &d.name, &d.version, "rust"));
        if d.root {
            pkg.metadata.insert("root".into(), "true".into());
        }
        out.push(pkg);
    }
    Ok(out)
}

impl Cataloger for CargoAuditableCataloger {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> &'static str {
        "2"
    }

    fn path_independent(&self) -> bool {
        // What extract keeps depends on the bytes only (the path appears in errors at most).
        true
    }

    fn wants(&self, _path: &str, mode: u32, size: u64) -> bool {
        is_executable(mode) && (64..=MAX_LEN).contains(&size)
    }

    fn extract(&self, path: &str, contents: &[u8]) -> Result<Option<Vec<u8>>, ScanError> {
        if !is_elf(contents) {
            return Ok(None);
        }
        read_dep_v0(path, contents)
    }

    fn catalog(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError> {
        let mut packages = Vec::new();
        for f in input.files {
            for mut p in parse_dep_v0(&f.path, &f.data)? {
                p.evidence.push(evidence(f));
                packages.push(p);
            }
        }
        Ok(finish(packages))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::golang::elf_with_section;
    use crate::package::{CatalogContext, ExtractedFile};
    use std::io::Write;

    const JSON: &str = r#"{"packages":[
        {"name":"app","version":"0.1.0","source":"local","dependencies":[1,2],"root":true},
        {"name":"serde","version":"1.0.197","source":"crates.io"},
        {"name":"cc","version":"1.0.90","source":"crates.io","kind":"build"}]}"#;

    fn compress(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn reads_dep_v0_and_skips_build_dependencies() {
        let elf = elf_with_section(".dep-v0", &compress(JSON.as_bytes()));
        let c = CargoAuditableCataloger;
        let kept = c.extract("usr/bin/app", &elf).unwrap().unwrap();
        assert_eq!(kept, JSON.as_bytes());
        let files = [ExtractedFile {
            path: "usr/bin/app".into(),
            layer: None,
            mode: 0o755,
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
        assert_eq!(purls, ["pkg:cargo/app@0.1.0", "pkg:cargo/serde@1.0.197"]);
        assert_eq!(pkgs[0].dependencies, ["pkg:cargo/serde@1.0.197"]);
        assert_eq!(pkgs[1].evidence[0].path, "usr/bin/app");
    }

    #[test]
    fn bad_sections_are_typed_errors() {
        let elf = elf_with_section(".dep-v0", b"not zlib");
        assert!(read_dep_v0("b", &elf).is_err());
        let elf = elf_with_section(".dep-v0", &compress(b"{\"packages\": 3}"));
        let json = read_dep_v0("b", &elf).unwrap().unwrap();
        assert!(parse_dep_v0("b", &json).is_err());
        assert_eq!(
            read_dep_v0("b", &elf_with_section(".text", b"x")).unwrap(),
            None
        );
    }
}

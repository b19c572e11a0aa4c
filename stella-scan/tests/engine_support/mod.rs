//! A small cataloger for engine tests: every file under `pkgs/` is a package named after the
//! file, with the file's first line as its version.

#![allow(dead_code)] // each test binary uses part of it

use std::collections::BTreeMap;

use stella_scan::{
    CatalogInput, CatalogProblem, Cataloger, Evidence, Package, PackageKind, ScanError,
};

#[derive(Debug)]
pub struct Lines;

impl Cataloger for Lines {
    fn name(&self) -> &'static str {
        "lines"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn wants(&self, path: &str, _mode: u32, _size: u64) -> bool {
        path.starts_with("pkgs/")
    }
    fn catalog(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError> {
        let os = input
            .context
            .os
            .as_ref()
            .map(|o| o.id.clone())
            .unwrap_or_default();
        Ok(input
            .files
            .iter()
            .map(|f| {
                let name = f.path.rsplit('/').next().unwrap_or_default().to_owned();
                let version = String::from_utf8_lossy(&f.data)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                let mut metadata = BTreeMap::new();
                metadata.insert("os".to_owned(), os.clone());
                metadata.insert("mode".to_owned(), format!("{:o}", f.mode));
                Package {
                    purl: format!("pkg:generic/{name}@{version}"),
                    name,
                    version,
                    kind: PackageKind::Deb,
                    licenses: vec![],
                    cpes: vec![],
                    source: None,
                    evidence: vec![Evidence {
                        path: f.path.clone(),
                        layer: f.layer,
                    }],
                    files: vec![],
                    dependencies: vec![],
                    cataloger: "lines".into(),
                    metadata,
                    license_acknowledgement: Default::default(),
                    supplier: None,
                    authors: vec![],
                    hashes: vec![],
                }
            })
            .collect())
    }
}

/// A cataloger that always fails in phase 2.
#[derive(Debug)]
pub struct Broken;

impl Cataloger for Broken {
    fn name(&self) -> &'static str {
        "broken"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn wants(&self, path: &str, _mode: u32, _size: u64) -> bool {
        path.starts_with("pkgs/")
    }
    fn extract(&self, path: &str, contents: &[u8]) -> Result<Option<Vec<u8>>, ScanError> {
        if contents.starts_with(b"bad") {
            return Err(ScanError::Catalog {
                cataloger: "broken",
                path: path.into(),
                reason: CatalogProblem::Other {
                    message: "bad contents".into(),
                },
            });
        }
        Ok(Some(contents.to_vec()))
    }
    fn catalog(&self, _input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError> {
        Err(ScanError::Catalog {
            cataloger: "broken",
            path: "-".into(),
            reason: CatalogProblem::Other {
                message: "always fails".into(),
            },
        })
    }
}

pub fn lines() -> Vec<Box<dyn Cataloger>> {
    vec![Box::new(Lines)]
}

/// (name, version, evidence path, layer index in `layers`) of each package.
pub fn found(sbom: &stella_scan::Sbom) -> Vec<(String, String, String, Option<usize>)> {
    sbom.packages
        .iter()
        .map(|p| {
            let e = &p.evidence[0];
            let layer = e
                .layer
                .and_then(|d| sbom.image.layers.iter().position(|l| *l == d));
            (p.name.clone(), p.version.clone(), e.path.clone(), layer)
        })
        .collect()
}

//! SBOM quality: how many components carry the NTIA minimum elements (supplier, name, version,
//! a unique identifier, a relationship) and the fields consumers rely on next to them
//! (licences, CPEs, hashes, authors).
//!
//! Counts are over packages (the OS component and the image itself are not counted). A
//! package has a relationship when the dependency graph the writers emit names it (it depends
//! on a package, or a package depends on it); every package is also contained in the image,
//! which the writers state for all of them and is not counted here. A package's unique
//! identifier is its purl. The document's author is the tool that wrote it (CycloneDX
//! `metadata.tools`, SPDX `createdBy`), and every document has a timestamp.

use std::collections::BTreeSet;

use super::{dependency_indexes, sorted_packages};
use crate::package::Sbom;

/// Coverage counts of one SBOM.
///
/// ```
/// use stella_scan::{ImageInfo, Sbom};
/// use stella_scan::sbom::quality::Quality;
/// let sbom = Sbom {
///     image: ImageInfo { name: "demo".into(), manifest_digest: None, config_digest: None, platform: None, layers: vec![], repository_url: None },
///     os: None, packages: vec![], catalogers: vec![], notes: vec![], scanner_version: "0.1.0".into(),
/// };
/// let q = Quality::of(&sbom);
/// assert_eq!(q.components, 0);
/// assert!(q.render().contains("supplier"));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quality {
    /// Packages counted.
    pub components: usize,
    /// With a supplier.
    pub supplier: usize,
    /// With a non-empty name.
    pub name: usize,
    /// With a non-empty version.
    pub version: usize,
    /// With a unique identifier (a purl no other package has).
    pub unique_id: usize,
    /// Named by the dependency graph.
    pub relationships: usize,
    /// With at least one licence.
    pub licenses: usize,
    /// With at least one CPE.
    pub cpes: usize,
    /// With at least one artifact hash.
    pub hashes: usize,
    /// With at least one author.
    pub authors: usize,
    /// Whether the document names its author (the tool that wrote it: always).
    pub document_author: bool,
    /// Whether the document has a timestamp (always).
    pub timestamp: bool,
}

impl Quality {
    /// Counts the coverage of `sbom`'s packages.
    pub fn of(sbom: &Sbom) -> Quality {
        let packages = sorted_packages(sbom);
        let deps = dependency_indexes(&packages);
        let mut related: BTreeSet<usize> = BTreeSet::new();
        for (i, d) in deps.iter().enumerate() {
            if !d.is_empty() {
                related.insert(i);
                related.extend(d.iter().copied());
            }
        }
        let mut purls: std::collections::BTreeMap<&str, usize> = Default::default();
        for p in &packages {
            *purls.entry(p.purl.as_str()).or_default() += 1;
        }
        let count = |f: &dyn Fn(usize, &crate::Package) -> bool| {
            packages
                .iter()
                .enumerate()
                .filter(|(i, p)| f(*i, p))
                .count()
        };
        Quality {
            components: packages.len(),
            supplier: count(&|_, p| p.supplier.is_some()),
            name: count(&|_, p| !p.name.is_empty()),
            version: count(&|_, p| !p.version.is_empty()),
            unique_id: count(&|_, p| {
                !p.purl.is_empty() && purls.get(p.purl.as_str()).copied() == Some(1)
            }),
            relationships: count(&|i, _| related.contains(&i)),
            licenses: count(&|_, p| !p.licenses.is_empty()),
            cpes: count(&|_, p| !p.cpes.is_empty()),
            hashes: count(&|_, p| !p.hashes.is_empty()),
            authors: count(&|_, p| !p.authors.is_empty()),
            document_author: true,
            timestamp: true,
        }
    }

    /// A short table for people: one line per element, `count/total (percent)`.
    pub fn render(&self) -> String {
        let pct = |n: usize| {
            if self.components == 0 {
                100.0
            } else {
                n as f64 * 100.0 / self.components as f64
            }
        };
        let mut out = format!(
            "SBOM quality (NTIA minimum elements) over {} components\n",
            self.components
        );
        for (label, n) in [
            ("supplier", self.supplier),
            ("name", self.name),
            ("version", self.version),
            ("unique id (purl)", self.unique_id),
            ("relationships", self.relationships),
            ("licenses", self.licenses),
            ("cpe", self.cpes),
            ("hashes", self.hashes),
            ("authors", self.authors),
        ] {
            out.push_str(&format!(
                "  {label:<18} {n:>6}/{:<6} {:>6.1} %\n",
                self.components,
                pct(n)
            ));
        }
        out.push_str(&format!(
            "  {:<18} {}\n  {:<18} {}\n",
            "document author",
            if self.document_author {
                "yes (tool)"
            } else {
                "no"
            },
            "timestamp",
            if self.timestamp { "yes" } else { "no" }
        ));
        out
    }
}

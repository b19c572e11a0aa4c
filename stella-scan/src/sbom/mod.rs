//! SBOM writers: CycloneDX 1.6 JSON ([`cyclonedx::write`]) and SPDX 3.0.1 JSON-LD
//! ([`spdx::write`]).
//!
//! Both take an [`Sbom`] and [`WriteOptions`] and return bytes. They are
//! deterministic: the same input gives the same bytes. Time enters only through
//! [`WriteOptions::timestamp`]; every list is sorted by a stated key (packages by
//! [`Package::sort_key`](crate::Package::sort_key), files by path, relationships by their
//! source then type); identifiers are derived from content, never random.
//!
//! Licences: a string that is one SPDX licence id is written as an id, a valid SPDX expression
//! as an expression, anything else as a named licence (CycloneDX `license.name`; SPDX 3 has no
//! place for free text outside `LicenseRef-`, so it is kept as a `comment` on the package).

use stella_core::{Digest, Timestamp};

use crate::package::{Package, PackageKind, Sbom};

pub mod cyclonedx;
pub mod spdx;
// CycloneDX 1.6 XML and SPDX 2.3 JSON (see their module docs).
pub mod cyclonedx_xml;
pub mod spdx23;

/// What the writers need besides the [`Sbom`]: the creation time and the tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOptions {
    /// Creation time written into the document (from the caller's clock; whole seconds are
    /// written).
    pub timestamp: Timestamp,
    /// Name of the tool that produced the document (e.g. `stella`).
    pub tool_name: String,
    /// Version of that tool.
    pub tool_version: String,
}

/// How a licence string is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LicenseForm {
    /// One SPDX licence id (canonical spelling).
    Id(String),
    /// A valid SPDX expression that is not a single known id (`MIT OR Apache-2.0`, `LicenseRef-x`).
    Expression(String),
    /// Anything else.
    Name(String),
}

/// Classifies one licence string (see the module docs).
pub(crate) fn classify_license(text: &str) -> LicenseForm {
    let t = text.trim();
    // `license_id` also answers for `GPL-2.0+` (dropping the `+`): only an exact match (up to
    // case) is an id.
    if let Some(id) = ::spdx::license_id(t).filter(|id| id.name.eq_ignore_ascii_case(t)) {
        return LicenseForm::Id(id.name.to_owned());
    }
    if ::spdx::Expression::parse(t).is_ok() {
        return LicenseForm::Expression(t.to_owned());
    }
    LicenseForm::Name(t.to_owned())
}

/// The whole-second RFC 3339 form of a timestamp (`2026-01-02T03:04:05Z`), which both formats
/// accept.
pub(crate) fn seconds_rfc3339(t: &Timestamp) -> String {
    Timestamp::from_unix_seconds(t.unix_seconds())
        .map(|s| s.to_rfc3339())
        .unwrap_or_else(|_| t.to_rfc3339())
}

/// The document's content identity: a UUID v5 (URL namespace) of the image manifest digest and
/// config digest; for an image without them (a root filesystem directory), of the image name
/// and the sorted package purls.
pub(crate) fn document_uuid(sbom: &Sbom) -> uuid::Uuid {
    let name = match (&sbom.image.manifest_digest, &sbom.image.config_digest) {
        (Some(m), Some(c)) => format!("stella-ops:sbom:{m}:{c}"),
        (Some(m), None) => format!("stella-ops:sbom:{m}"),
        _ => {
            let mut text = format!("stella-ops:sbom:dir:{}", sbom.image.name);
            for p in &sbom.packages {
                text.push('\n');
                text.push_str(&p.purl);
            }
            format!("stella-ops:sbom:{}", Digest::of(text.as_bytes()))
        }
    };
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes())
}

/// Packages in output order (by [`Package::sort_key`]), whatever order the input had.
pub(crate) fn sorted_packages(sbom: &Sbom) -> Vec<&Package> {
    let mut v: Vec<&Package> = sbom.packages.iter().collect();
    v.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    v
}

/// Stable per-package identifiers: the purl when no other package shares it, else the purl and
/// the first evidence path (unique after [`Package::sort_key`] de-duplication), else with an
/// ordinal.
pub(crate) fn package_refs(packages: &[&Package]) -> Vec<String> {
    let mut refs = Vec::with_capacity(packages.len());
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for p in packages {
        *seen.entry(p.purl.clone()).or_default() += 1;
    }
    let mut used = std::collections::BTreeSet::new();
    for p in packages {
        let mut r = if seen.get(&p.purl).copied().unwrap_or(0) <= 1 {
            p.purl.clone()
        } else {
            format!(
                "{}#{}",
                p.purl,
                p.evidence.first().map_or("", |e| e.path.as_str())
            )
        };
        let base = r.clone();
        let mut n = 1;
        while !used.insert(r.clone()) {
            n += 1;
            r = format!("{base}#{n}");
        }
        refs.push(r);
    }
    refs
}

/// Resolves each package's `dependencies` (names for OS packages, purls for language packages)
/// to indexes into `packages`, sorted and de-duplicated.
pub(crate) fn dependency_indexes(packages: &[&Package]) -> Vec<Vec<usize>> {
    use std::collections::BTreeMap;
    let mut by_purl: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_name: BTreeMap<(PackageKind, &str), usize> = BTreeMap::new();
    for (i, p) in packages.iter().enumerate() {
        by_purl.entry(p.purl.as_str()).or_insert(i);
        by_name.entry((p.kind, p.name.as_str())).or_insert(i);
    }
    packages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut deps: Vec<usize> = p
                .dependencies
                .iter()
                .filter_map(|d| {
                    by_purl
                        .get(d.as_str())
                        .or_else(|| by_name.get(&(p.kind, d.as_str())))
                        .copied()
                })
                .filter(|j| *j != i)
                .collect();
            deps.sort_unstable();
            deps.dedup();
            deps
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_licenses() {
        assert_eq!(classify_license("MIT"), LicenseForm::Id("MIT".into()));
        assert_eq!(
            classify_license("MIT OR Apache-2.0"),
            LicenseForm::Expression("MIT OR Apache-2.0".into())
        );
        assert_eq!(
            classify_license("Apache 2.0"),
            LicenseForm::Name("Apache 2.0".into())
        );
        assert_eq!(
            classify_license("GPL-2.0+"),
            LicenseForm::Name("GPL-2.0+".into())
        );
    }
}

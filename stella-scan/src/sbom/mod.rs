//! SBOM writers: CycloneDX 1.6 JSON ([`cyclonedx::write`]) and SPDX 3.0.1 JSON-LD
//! ([`spdx::write`]).
//!
//! Both take an [`Sbom`] and [`WriteOptions`] and return bytes. They are
//! deterministic: the same input gives the same bytes. Time enters only through
//! [`WriteOptions::timestamp`]; every list is sorted by a stated key (packages by
//! [`Package::sort_key`](crate::Package::sort_key), files by path, relationships by their
//! source then type); identifiers are derived from content, never random.
//!
//! Licences carry how they were found (CycloneDX 1.6 `acknowledgement`, SPDX 3
//! `hasDeclaredLicense` / `hasConcludedLicense`, from [`Package::license_acknowledgement`]).
//! Suppliers, authors and artifact hashes come from the package model too; CPEs are marked as
//! generated ([`CPE_SOURCE_PROPERTY`]). The image component carries its `pkg:oci` purl
//! ([`image_purl`]).
//!
//! Licences: a string that is one SPDX licence id is written as an id, a valid SPDX expression
//! as an expression, anything else as a named licence (CycloneDX `license.name`; SPDX 3 has no
//! place for free text outside `LicenseRef-`, so it is kept as a `comment` on the package).

use stella_core::{Digest, Timestamp};

use crate::package::{ImageInfo, Package, PackageKind, Party, Sbom};

/// The CycloneDX property that says where a component's CPEs (`cpe` and every `stella:cpe`
/// property) came from. Its one value today is `generated`: the scanner derived them from the
/// package's name, version and ecosystem (vendor / product candidates, as syft does), no
/// metadata stated them, so they may name a product the NVD spells otherwise.
pub const CPE_SOURCE_PROPERTY: &str = "stella:cpe_source";

/// A party's e-mail address when it is one (`local@domain`, no spaces or brackets): what the
/// CycloneDX `idn-email` format and SPDX `email` references accept.
pub(crate) fn contact_email(p: &Party) -> Option<&str> {
    let e = p.email.as_deref()?;
    let (local, domain) = e.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && e.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[]\\,;:\"".contains(c));
    ok.then_some(e)
}

/// A party's URL when it is an absolute `http(s)` URL without spaces (the `iri-reference`
/// format).
pub(crate) fn contact_url(p: &Party) -> Option<&str> {
    let u = p.url.as_deref()?;
    let ok = (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() > "https://".len()
        && u.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !"<>\"{}|\\^`".contains(c));
    ok.then_some(u)
}

/// The image's purl, `pkg:oci/<name>@sha256:…` (purl-spec `oci` type), with the
/// `repository_url`, `tag` and `arch` qualifiers where known. The name is the last path
/// component of [`ImageInfo::name`] without tag or digest, lower-cased. `None` without a
/// manifest digest (a root filesystem) or a usable name.
pub fn image_purl(image: &ImageInfo) -> Option<String> {
    let digest = image.manifest_digest?;
    let reference = image.name.split('@').next().unwrap_or("");
    let last = reference.rsplit('/').next().unwrap_or("");
    let (name, tag) = match last.split_once(':') {
        Some((n, t)) => (n, Some(t)),
        None => (last, None),
    };
    let name = name.to_ascii_lowercase();
    // A digest given as the name (`sha256:…`) names nothing.
    if name.is_empty() || name == "sha256" || name.contains(char::is_whitespace) {
        return None;
    }
    let mut p = packageurl::PackageUrl::new("oci", name).ok()?;
    p.with_version(digest.to_string()).ok()?;
    if let Some(arch) = image
        .platform
        .as_deref()
        .and_then(|pl| pl.split('/').nth(1))
        .filter(|a| !a.is_empty())
    {
        p.add_qualifier("arch", arch).ok()?;
    }
    if let Some(url) = image.repository_url.as_deref().filter(|u| !u.is_empty()) {
        p.add_qualifier("repository_url", url).ok()?;
    }
    if let Some(t) = tag.filter(|t| !t.is_empty()) {
        p.add_qualifier("tag", t).ok()?;
    }
    Some(p.to_string())
}

pub mod cyclonedx;
pub mod quality;
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

//! SPDX 2.3 JSON, by hand-written serde types (the shape of the official 2.3 JSON schema).
//!
//! Packages only, no `files`: the 2.3 schema requires checksums on every file and the SBOM has
//! none; evidence and owned files are in the CycloneDX and SPDX 3 outputs. The image is the
//! package `SPDXRef-image` (purpose `CONTAINER`, version = manifest digest, SHA256 checksum of
//! the manifest) that the document `DESCRIBES`; it `CONTAINS` the OS (`OPERATING-SYSTEM`) and
//! every package; packages `DEPENDS_ON` packages. Per package: the purl (`PACKAGE-MANAGER`
//! `purl`), CPEs (`SECURITY` `cpe23Type`), the declared licence (SPDX ids and expressions joined
//! with `AND`; other text as a `LicenseRef-` with its text in `hasExtractedLicensingInfos`), and
//! the source package as `sourceInfo: "built package from: NAME VERSION"` (the form trivy
//! writes; [`crate::sbom_input`] reads it back, so matching by source package survives).
//!
//! `SPDXID`s are `SPDXRef-<kind>-<first 16 hex of SHA-256 of the element's key>` (package key:
//! its CycloneDX bom-ref), the namespace is `urn:stella-ops:spdx:<document uuid>`: stable across
//! runs. Packages are sorted by SPDXID, relationships by (element, type, related).

use std::collections::BTreeMap;

use serde::Serialize;
use stella_core::Digest;

use crate::error::{CatalogProblem, ScanError};
use crate::package::Sbom;

use super::{
    LicenseForm, WriteOptions, classify_license, dependency_indexes, document_uuid, package_refs,
    seconds_rfc3339, sorted_packages,
};

/// The prefix of the `sourceInfo` that names a package's source package.
pub const SOURCE_INFO_PREFIX: &str = "built package from: ";

const NOASSERTION: &str = "NOASSERTION";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    packages: Vec<SpdxPackage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicense>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    download_location: &'static str,
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checksums: Vec<Checksum>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    license_concluded: &'static str,
    license_declared: String,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: &'static str,
    checksum_value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicense {
    license_id: String,
    extracted_text: String,
    name: String,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

fn spdx_id(kind: &str, key: &str) -> String {
    let d = Digest::of(key.as_bytes()).hex();
    format!("SPDXRef-{kind}-{}", d.get(..16).unwrap_or(&d))
}

fn relationship(from: &str, ty: &'static str, to: &str) -> Relationship {
    Relationship {
        spdx_element_id: from.to_owned(),
        relationship_type: ty,
        related_spdx_element: to.to_owned(),
    }
}

/// The declared licence expression of one package, registering `LicenseRef-`s for free text.
fn declared(texts: &[String], extracted: &mut BTreeMap<String, ExtractedLicense>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for t in texts {
        match classify_license(t) {
            LicenseForm::Id(s) => parts.push(s),
            LicenseForm::Expression(s) => parts.push(format!("({s})")),
            LicenseForm::Name(n) => {
                let id = spdx_id("stella", &n).replacen("SPDXRef-", "LicenseRef-", 1);
                extracted.entry(id.clone()).or_insert(ExtractedLicense {
                    license_id: id.clone(),
                    extracted_text: n.clone(),
                    name: n,
                });
                parts.push(id);
            }
        }
    }
    match parts.len() {
        0 => NOASSERTION.to_owned(),
        1 => parts
            .pop()
            .map(|p| {
                p.strip_prefix('(')
                    .and_then(|x| x.strip_suffix(')'))
                    .map(str::to_owned)
                    .unwrap_or(p)
            })
            .unwrap_or_default(),
        _ => parts.join(" AND "),
    }
}

/// Writes the SBOM as SPDX 2.3 JSON (pretty-printed, two-space indent, trailing newline).
///
/// ```
/// use stella_core::Timestamp;
/// use stella_scan::{ImageInfo, Sbom};
/// use stella_scan::sbom::{WriteOptions, spdx23};
///
/// let sbom = Sbom {
///     image: ImageInfo { name: "demo".into(), manifest_digest: None, config_digest: None, platform: None, layers: vec![], repository_url: None },
///     os: None, packages: vec![], catalogers: vec![], notes: vec![], scanner_version: "0.1.0".into(),
/// };
/// let opts = WriteOptions {
///     timestamp: Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
///     tool_name: "stella".into(), tool_version: "0.1.0".into(),
/// };
/// let a = spdx23::write(&sbom, &opts)?;
/// assert_eq!(a, spdx23::write(&sbom, &opts)?);
/// assert!(std::str::from_utf8(&a).unwrap().contains("\"spdxVersion\": \"SPDX-2.3\""));
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
pub fn write(sbom: &Sbom, options: &WriteOptions) -> Result<Vec<u8>, ScanError> {
    let packages = sorted_packages(sbom);
    let refs = package_refs(&packages);
    let deps = dependency_indexes(&packages);
    let image_id = "SPDXRef-image".to_owned();

    let mut out_packages = vec![SpdxPackage {
        spdx_id: image_id.clone(),
        name: sbom.image.name.clone(),
        version_info: sbom.image.manifest_digest.map(|d| d.to_string()),
        download_location: NOASSERTION,
        files_analyzed: false,
        checksums: sbom
            .image
            .manifest_digest
            .map(|d| Checksum {
                algorithm: "SHA256",
                checksum_value: d.hex(),
            })
            .into_iter()
            .collect(),
        source_info: None,
        license_concluded: NOASSERTION,
        license_declared: NOASSERTION.to_owned(),
        copyright_text: NOASSERTION,
        comment: None,
        external_refs: Vec::new(),
        primary_package_purpose: "CONTAINER",
    }];
    let mut relationships = vec![relationship("SPDXRef-DOCUMENT", "DESCRIBES", &image_id)];
    if let Some(os) = &sbom.os {
        let id = spdx_id("os", &os.id);
        relationships.push(relationship(&image_id, "CONTAINS", &id));
        out_packages.push(SpdxPackage {
            spdx_id: id,
            name: os.id.clone(),
            version_info: os.version_id.clone(),
            download_location: NOASSERTION,
            files_analyzed: false,
            checksums: Vec::new(),
            source_info: None,
            license_concluded: NOASSERTION,
            license_declared: NOASSERTION.to_owned(),
            copyright_text: NOASSERTION,
            comment: os.pretty_name.clone(),
            external_refs: Vec::new(),
            primary_package_purpose: "OPERATING-SYSTEM",
        });
    }
    let ids: Vec<String> = refs.iter().map(|r| spdx_id("Package", r)).collect();
    let mut extracted = BTreeMap::new();
    for ((p, id), dep) in packages.iter().zip(&ids).zip(&deps) {
        relationships.push(relationship(&image_id, "CONTAINS", id));
        for j in dep {
            if let Some(to) = ids.get(*j) {
                relationships.push(relationship(id, "DEPENDS_ON", to));
            }
        }
        let mut external_refs = vec![ExternalRef {
            reference_category: "PACKAGE-MANAGER",
            reference_type: "purl",
            reference_locator: p.purl.clone(),
        }];
        external_refs.extend(p.cpes.iter().map(|c| ExternalRef {
            reference_category: "SECURITY",
            reference_type: "cpe23Type",
            reference_locator: c.clone(),
        }));
        out_packages.push(SpdxPackage {
            spdx_id: id.clone(),
            name: p.name.clone(),
            version_info: (!p.version.is_empty()).then(|| p.version.clone()),
            download_location: NOASSERTION,
            files_analyzed: false,
            checksums: Vec::new(),
            source_info: p
                .source
                .as_ref()
                .map(|s| format!("{SOURCE_INFO_PREFIX}{} {}", s.name, s.version)),
            license_concluded: NOASSERTION,
            license_declared: declared(&p.licenses, &mut extracted),
            copyright_text: NOASSERTION,
            comment: None,
            external_refs,
            primary_package_purpose: "LIBRARY",
        });
    }
    out_packages.sort_by(|a, b| a.spdx_id.cmp(&b.spdx_id));
    relationships.sort();
    relationships.dedup();

    let uuid = document_uuid(sbom);
    let doc = Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: sbom.image.name.clone(),
        document_namespace: format!("urn:stella-ops:spdx:{uuid}"),
        creation_info: CreationInfo {
            created: seconds_rfc3339(&options.timestamp),
            creators: vec![
                "Organization: Stella Ops".to_owned(),
                format!("Tool: {}-{}", options.tool_name, options.tool_version),
            ],
        },
        packages: out_packages,
        has_extracted_licensing_infos: extracted.into_values().collect(),
        relationships,
    };
    let mut out = serde_json::to_vec_pretty(&doc).map_err(|e| ScanError::Catalog {
        cataloger: "spdx-2.3",
        path: sbom.image.name.clone(),
        reason: CatalogProblem::Serialize(e),
    })?;
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_licences() {
        let mut x = BTreeMap::new();
        assert_eq!(declared(&[], &mut x), "NOASSERTION");
        assert_eq!(declared(&["MIT".into()], &mut x), "MIT");
        assert_eq!(
            declared(&["MIT OR Apache-2.0".into()], &mut x),
            "MIT OR Apache-2.0"
        );
        let two = declared(&["MIT".into(), "Apache 2.0".into()], &mut x);
        assert!(two.starts_with("MIT AND LicenseRef-stella-"), "{two}");
        assert_eq!(x.len(), 1);
        assert!(::spdx::Expression::parse(&two).is_ok());
    }
}

//! CycloneDX 1.6 JSON, written with serde types of our own (`cyclonedx-bom` 0.8 stops at 1.5).
//!
//! Layout: `metadata.component` is the image (type `container`, version = manifest digest,
//! SHA-256 hash of the manifest); the OS, when known, is the first component (type
//! `operating-system`); packages follow sorted by [`Package::sort_key`](crate::Package::sort_key)
//! with `bom-ref` = purl (purl + first evidence path where purls repeat). Each package carries
//! its evidence files in `evidence.occurrences` (`location` = path, `additionalContext` = the
//! layer digest) and `stella:*` properties (cataloger, layer digests, source package, metadata),
//! sorted by name then value. `dependencies` lists every package with at least one resolved
//! dependency, sorted by `ref`, `dependsOn` sorted.

use serde::Serialize;

use crate::error::ScanError;
use crate::package::{LicenseAcknowledgement, Package, PackageKind, Party, Sbom};

use super::{
    CPE_SOURCE_PROPERTY, LicenseForm, WriteOptions, classify_license, contact_email, contact_url,
    dependency_indexes, document_uuid, image_purl, package_refs, seconds_rfc3339, sorted_packages,
};

/// The SPDX licence ids CycloneDX 1.6's `spdx.schema.json` enumerates (licence list 3.24.0;
/// copied sorted from the schema in `tests/data/schemas/cyclonedx-1.6`, see its PROVENANCE.md).
/// `license.id` must be one of them; a newer id (the `spdx` crate follows the current list)
/// is written as an expression or a name instead.
const CYCLONEDX_LICENSE_IDS: &str = include_str!("cyclonedx_license_ids.txt");

fn cyclonedx_knows(id: &str) -> bool {
    CYCLONEDX_LICENSE_IDS.lines().any(|l| l == id)
}

fn contact(p: &Party) -> Contact {
    Contact {
        name: Some(p.name.clone()),
        email: contact_email(p).map(str::to_owned),
    }
}

fn supplier(p: &Party) -> Supplier {
    Supplier {
        name: p.name.clone(),
        url: contact_url(p).map(str::to_owned).into_iter().collect(),
        contact: contact_email(p)
            .map(|e| Contact {
                name: None,
                email: Some(e.to_owned()),
            })
            .into_iter()
            .collect(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom<'a> {
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata<'a>,
    components: Vec<Component<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<Dependency>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    timestamp: String,
    tools: Tools<'a>,
    component: Component<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Tools<'a> {
    components: Vec<Component<'a>>,
}

#[derive(Serialize, Default)]
struct Component<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<Supplier>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Contact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpe: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<Evidence>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Hash {
    alg: &'static str,
    content: String,
}

/// `organizationalEntity`: a supplier.
#[derive(Serialize)]
struct Supplier {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    url: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    contact: Vec<Contact>,
}

/// `organizationalContact`: an author or a supplier's contact.
#[derive(Serialize)]
struct Contact {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice<'a> {
    License {
        license: License<'a>,
    },
    Expression {
        expression: String,
        acknowledgement: &'static str,
    },
}

#[derive(Serialize)]
struct License<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    acknowledgement: &'static str,
}

#[derive(Serialize)]
struct Evidence {
    occurrences: Vec<Occurrence>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Occurrence {
    location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_context: Option<String>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct Property {
    name: String,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

fn prop(name: &str, value: impl Into<String>) -> Property {
    Property {
        name: format!("stella:{name}"),
        value: value.into(),
    }
}

/// CycloneDX licences: all SPDX ids / named licences as a list, or — when any is a compound
/// expression and every entry is SPDX — one expression joining them with `AND`.
fn licenses(texts: &[String], acknowledgement: LicenseAcknowledgement) -> Vec<LicenseChoice<'_>> {
    let acknowledgement = acknowledgement.as_str();
    let forms: Vec<(LicenseForm, &str)> = texts
        .iter()
        .map(|t| {
            let form = match classify_license(t) {
                // An id newer than the schema's list is still an SPDX expression.
                LicenseForm::Id(id) if !cyclonedx_knows(&id) => LicenseForm::Expression(id),
                form => form,
            };
            (form, t.as_str())
        })
        .collect();
    let any_expr = forms
        .iter()
        .any(|(f, _)| matches!(f, LicenseForm::Expression(_)));
    let all_spdx = forms
        .iter()
        .all(|(f, _)| !matches!(f, LicenseForm::Name(_)));
    if any_expr && all_spdx {
        let parts: Vec<String> = forms
            .iter()
            .map(|(f, _)| match f {
                LicenseForm::Id(s) | LicenseForm::Expression(s) | LicenseForm::Name(s) => {
                    if forms.len() > 1 {
                        format!("({s})")
                    } else {
                        s.clone()
                    }
                }
            })
            .collect();
        return vec![LicenseChoice::Expression {
            expression: parts.join(" AND "),
            acknowledgement,
        }];
    }
    forms
        .into_iter()
        .map(|(f, raw)| LicenseChoice::License {
            license: match f {
                LicenseForm::Id(id) => License {
                    id: Some(id),
                    name: None,
                    acknowledgement,
                },
                LicenseForm::Expression(_) | LicenseForm::Name(_) => License {
                    id: None,
                    name: Some(raw),
                    acknowledgement,
                },
            },
        })
        .collect()
}

/// Every package is a `library`; the kind is in the purl type and the `stella:cataloger`
/// property.
fn component_type(_kind: PackageKind) -> &'static str {
    "library"
}

fn component<'a>(p: &'a Package, bom_ref: String) -> Component<'a> {
    let mut properties = vec![prop("cataloger", p.cataloger.clone())];
    let mut occurrences = Vec::new();
    for e in &p.evidence {
        occurrences.push(Occurrence {
            location: e.path.clone(),
            additional_context: e.layer.map(|d| format!("layer {d}")),
        });
        if let Some(d) = e.layer {
            properties.push(prop("layer_digest", d.to_string()));
        }
    }
    if let Some(src) = &p.source {
        properties.push(prop("source_name", src.name.clone()));
        properties.push(prop("source_version", src.version.clone()));
    }
    for cpe in p.cpes.iter().skip(1) {
        properties.push(prop("cpe", cpe.clone()));
    }
    if !p.cpes.is_empty() {
        properties.push(Property {
            name: CPE_SOURCE_PROPERTY.to_owned(),
            value: "generated".to_owned(),
        });
    }
    if !p.files.is_empty() {
        properties.push(prop("owned_file_count", p.files.len().to_string()));
    }
    for (k, v) in &p.metadata {
        properties.push(prop(&format!("metadata:{k}"), v.clone()));
    }
    properties.sort();
    properties.dedup();
    Component {
        kind: component_type(p.kind),
        bom_ref: Some(bom_ref),
        name: &p.name,
        version: (!p.version.is_empty()).then_some(p.version.as_str()),
        supplier: p.supplier.as_ref().map(supplier),
        authors: p.authors.iter().map(contact).collect(),
        hashes: p
            .hashes
            .iter()
            .map(|h| Hash {
                alg: h.alg.cyclonedx_name(),
                content: h.hex.clone(),
            })
            .collect(),
        licenses: licenses(&p.licenses, p.license_acknowledgement),
        cpe: p.cpes.first().map(String::as_str),
        purl: Some(&p.purl),
        evidence: (!occurrences.is_empty()).then_some(Evidence { occurrences }),
        properties,
        ..Component::default()
    }
}

/// Writes the SBOM as CycloneDX 1.6 JSON (pretty-printed, two-space indent, trailing newline).
///
/// ```
/// use stella_core::Timestamp;
/// use stella_scan::{ImageInfo, Sbom};
/// use stella_scan::sbom::{WriteOptions, cyclonedx};
///
/// let sbom = Sbom {
///     image: ImageInfo { name: "demo".into(), manifest_digest: None, config_digest: None, platform: None, layers: vec![], repository_url: None },
///     os: None, packages: vec![], catalogers: vec![], notes: vec![], scanner_version: "0.1.0".into(),
/// };
/// let opts = WriteOptions {
///     timestamp: Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
///     tool_name: "stella".into(), tool_version: "0.1.0".into(),
/// };
/// let a = cyclonedx::write(&sbom, &opts)?;
/// assert_eq!(a, cyclonedx::write(&sbom, &opts)?);
/// assert!(std::str::from_utf8(&a).unwrap().contains("\"specVersion\": \"1.6\""));
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
pub fn write(sbom: &Sbom, options: &WriteOptions) -> Result<Vec<u8>, ScanError> {
    let packages = sorted_packages(sbom);
    let refs = package_refs(&packages);
    let deps = dependency_indexes(&packages);

    let mut image_props = vec![prop("scanner_version", sbom.scanner_version.clone())];
    if let Some(c) = &sbom.image.config_digest {
        image_props.push(prop("config_digest", c.to_string()));
    }
    if let Some(p) = &sbom.image.platform {
        image_props.push(prop("platform", p.clone()));
    }
    for (i, l) in sbom.image.layers.iter().enumerate() {
        image_props.push(prop(&format!("layer:{i:04}"), l.to_string()));
    }
    image_props.sort();
    let manifest = sbom.image.manifest_digest.map(|d| d.to_string());
    let oci_purl = image_purl(&sbom.image);
    let image = Component {
        purl: oci_purl.as_deref(),
        kind: "container",
        bom_ref: Some("image".to_owned()),
        name: &sbom.image.name,
        version: manifest.as_deref(),
        hashes: sbom
            .image
            .manifest_digest
            .map(|d| Hash {
                alg: "SHA-256",
                content: d.hex(),
            })
            .into_iter()
            .collect(),
        properties: image_props,
        ..Component::default()
    };

    let mut meta_props: Vec<Property> = sbom
        .catalogers
        .iter()
        .map(|(n, v)| prop("cataloger_version", format!("{n} {v}")))
        .chain(sbom.notes.iter().map(|n| prop("note", n.clone())))
        .collect();
    meta_props.sort();

    let mut components = Vec::with_capacity(packages.len() + 1);
    if let Some(os) = &sbom.os {
        components.push(Component {
            kind: "operating-system",
            bom_ref: Some(format!("os:{}", os.id)),
            name: &os.id,
            version: os.version_id.as_deref(),
            properties: os
                .pretty_name
                .iter()
                .map(|n| prop("pretty_name", n.clone()))
                .collect(),
            ..Component::default()
        });
    }
    for (p, r) in packages.iter().zip(&refs) {
        components.push(component(p, r.clone()));
    }
    let mut dependencies: Vec<Dependency> = deps
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.is_empty())
        .filter_map(|(i, d)| {
            let mut on: Vec<String> = d.iter().filter_map(|j| refs.get(*j).cloned()).collect();
            on.sort();
            Some(Dependency {
                reference: refs.get(i)?.clone(),
                depends_on: on,
            })
        })
        .collect();
    dependencies.sort_by(|a, b| a.reference.cmp(&b.reference));

    let bom = Bom {
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: format!("urn:uuid:{}", document_uuid(sbom)),
        version: 1,
        metadata: Metadata {
            timestamp: seconds_rfc3339(&options.timestamp),
            tools: Tools {
                components: vec![Component {
                    kind: "application",
                    name: &options.tool_name,
                    version: Some(&options.tool_version),
                    ..Component::default()
                }],
            },
            component: image,
            properties: meta_props,
        },
        components,
        dependencies,
    };
    let mut out = serde_json::to_vec_pretty(&bom).map_err(|e| ScanError::Catalog {
        cataloger: "cyclonedx",
        path: sbom.image.name.clone(),
        reason: crate::error::CatalogProblem::Serialize(e),
    })?;
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_the_schema_does_not_list_are_not_written_as_ids() {
        assert!(cyclonedx_knows("MIT") && cyclonedx_knows("GPL-2.0-or-later"));
        assert!(!cyclonedx_knows("SMAIL-GPL") && !cyclonedx_knows("mit"));
        let texts = ["SMAIL-GPL".to_owned(), "public-domain".to_owned()];
        let list = licenses(&texts, LicenseAcknowledgement::Declared);
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(
            json,
            r#"[{"license":{"name":"SMAIL-GPL","acknowledgement":"declared"}},{"license":{"name":"public-domain","acknowledgement":"declared"}}]"#
        );
        let lines: Vec<&str> = CYCLONEDX_LICENSE_IDS.lines().collect();
        assert!(lines.windows(2).all(|w| w[0] < w[1]));
    }
}

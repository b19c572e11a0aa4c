//! SPDX 3.0.1 JSON-LD (core, software and simple-licensing profiles), by hand-written serde
//! types (`spdx-rs` reads and writes SPDX 2.x only).
//!
//! The graph holds one `CreationInfo` (blank node `_:creationinfo`, `created` = the caller's
//! timestamp), the creating `Organization` and `Tool`, the `SpdxDocument`, one `software_Sbom`
//! (type `analyzed`) whose root element is the image (`software_Package`, purpose
//! `container`), the OS and every package (`software_Package`), every evidence and owned file
//! (`software_File`, by path), licence expressions (`simplelicensing_LicenseExpression`) and
//! relationships: image `contains` OS and packages, package `contains` its files, package
//! `dependsOn` packages, package `hasDeclaredLicense` (or, for licences the scanner concluded
//! from licence texts, `hasConcludedLicense`) expression. The image's `software_packageUrl` is
//! its `pkg:oci` purl; a package's supplier is its `suppliedBy` `Agent`, its authors
//! `originatedBy` agents (one `Agent` element per distinct party, e-mail as an `email`
//! external identifier), its artifact hashes `verifiedUsing`.
//!
//! `spdxId`s are `urn:stella-ops:spdx:<document uuid>#<kind>-<first 16 hex of SHA-256 of the
//! element's key>` (package key: its CycloneDX bom-ref; file key: path), so they are stable
//! across runs. The graph is sorted: creation info first, then by `spdxId`; every `to` and
//! `element` list is sorted.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use stella_core::Digest;

use crate::error::ScanError;
use crate::package::{HashAlgorithm, LicenseAcknowledgement, Party, Sbom};

use super::{
    LicenseForm, WriteOptions, classify_license, contact_email, contact_url, dependency_indexes,
    document_uuid, image_purl, package_refs, seconds_rfc3339, sorted_packages,
};

/// The JSON-LD context every SPDX 3.0.1 document names.
pub const CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";
const CREATION_INFO: &str = "_:creationinfo";

#[derive(Serialize)]
struct Document {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@graph")]
    graph: Vec<Node>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Node {
    CreationInfo(CreationInfo),
    Element(Box<Element>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "@id")]
    id: &'static str,
    spec_version: &'static str,
    created: String,
    created_by: Vec<String>,
    created_using: Vec<String>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Element {
    #[serde(rename = "type")]
    kind: &'static str,
    spdx_id: String,
    creation_info: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    verified_using: Vec<Hash>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_identifier: Vec<ExternalIdentifier>,
    // Artifact
    #[serde(skip_serializing_if = "Option::is_none")]
    supplied_by: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    originated_by: Vec<String>,
    // Agent
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_ref: Vec<ExternalRef>,
    // SpdxDocument / Sbom
    #[serde(skip_serializing_if = "Vec::is_empty")]
    profile_conformance: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    root_element: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    element: Vec<String>,
    #[serde(rename = "software_sbomType", skip_serializing_if = "Vec::is_empty")]
    sbom_type: Vec<&'static str>,
    // Package / File
    #[serde(
        rename = "software_primaryPurpose",
        skip_serializing_if = "Option::is_none"
    )]
    primary_purpose: Option<&'static str>,
    #[serde(
        rename = "software_packageVersion",
        skip_serializing_if = "Option::is_none"
    )]
    package_version: Option<String>,
    #[serde(
        rename = "software_packageUrl",
        skip_serializing_if = "Option::is_none"
    )]
    package_url: Option<String>,
    /// The source package (`built package from: NAME VERSION`, as in SPDX 2.3 `sourceInfo`).
    #[serde(
        rename = "software_sourceInfo",
        skip_serializing_if = "Option::is_none"
    )]
    source_info: Option<String>,
    // LicenseExpression
    #[serde(
        rename = "simplelicensing_licenseExpression",
        skip_serializing_if = "Option::is_none"
    )]
    license_expression: Option<String>,
    // Relationship
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    relationship_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    to: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Hash {
    #[serde(rename = "type")]
    kind: &'static str,
    algorithm: &'static str,
    hash_value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalIdentifier {
    #[serde(rename = "type")]
    kind: &'static str,
    external_identifier_type: &'static str,
    identifier: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    #[serde(rename = "type")]
    kind: &'static str,
    external_ref_type: &'static str,
    locator: Vec<String>,
}

/// The `Agent` element of a party (one per distinct party, keyed by its fields): its name, an
/// e-mail address as an `email` external identifier, a URL as an `altWebPage` reference.
fn agent_element(ids: &Ids, party: &Party) -> (String, Element) {
    let key = format!(
        "{}\n{}\n{}",
        party.name,
        party.email.as_deref().unwrap_or(""),
        party.url.as_deref().unwrap_or("")
    );
    let id = ids.of("agent", &key);
    let mut external_ref = Vec::new();
    let external_identifier = contact_email(party)
        .map(|e| ExternalIdentifier {
            kind: "ExternalIdentifier",
            external_identifier_type: "email",
            identifier: e.to_owned(),
        })
        .into_iter()
        .collect();
    if let Some(u) = contact_url(party) {
        external_ref.push(ExternalRef {
            kind: "ExternalRef",
            external_ref_type: "altWebPage",
            locator: vec![u.to_owned()],
        });
    }
    let element = Element {
        kind: "Agent",
        spdx_id: id.clone(),
        creation_info: CREATION_INFO,
        name: Some(party.name.clone()),
        external_identifier,
        external_ref,
        ..Element::default()
    };
    (id, element)
}

fn spdx_hash_alg(alg: HashAlgorithm) -> &'static str {
    match alg {
        HashAlgorithm::Md5 => "md5",
        HashAlgorithm::Sha1 => "sha1",
        HashAlgorithm::Sha256 => "sha256",
        HashAlgorithm::Sha384 => "sha384",
        HashAlgorithm::Sha512 => "sha512",
    }
}

struct Ids {
    base: String,
}

impl Ids {
    fn of(&self, kind: &str, key: &str) -> String {
        let d = Digest::of(key.as_bytes()).hex();
        format!("{}#{kind}-{}", self.base, d.get(..16).unwrap_or(&d))
    }
    fn fixed(&self, name: &str) -> String {
        format!("{}#{name}", self.base)
    }
}

fn relationship(ids: &Ids, from: &str, ty: &'static str, mut to: Vec<String>) -> Element {
    to.sort();
    to.dedup();
    Element {
        kind: "Relationship",
        spdx_id: ids.of("relationship", &format!("{from} {ty}")),
        creation_info: CREATION_INFO,
        from: Some(from.to_owned()),
        relationship_type: Some(ty),
        to,
        ..Element::default()
    }
}

/// Writes the SBOM as SPDX 3.0.1 JSON-LD (pretty-printed, trailing newline).
///
/// ```
/// use stella_core::Timestamp;
/// use stella_scan::{ImageInfo, Sbom};
/// use stella_scan::sbom::{WriteOptions, spdx};
///
/// let sbom = Sbom {
///     image: ImageInfo { name: "demo".into(), manifest_digest: None, config_digest: None, platform: None, layers: vec![], repository_url: None },
///     os: None, packages: vec![], catalogers: vec![], notes: vec![], scanner_version: "0.1.0".into(),
/// };
/// let opts = WriteOptions {
///     timestamp: Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
///     tool_name: "stella".into(), tool_version: "0.1.0".into(),
/// };
/// let doc = spdx::write(&sbom, &opts)?;
/// assert!(std::str::from_utf8(&doc).unwrap().contains(spdx::CONTEXT));
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
pub fn write(sbom: &Sbom, options: &WriteOptions) -> Result<Vec<u8>, ScanError> {
    let ids = Ids {
        base: format!("urn:stella-ops:spdx:{}", document_uuid(sbom)),
    };
    let packages = sorted_packages(sbom);
    let refs = package_refs(&packages);
    let deps = dependency_indexes(&packages);

    let agent = ids.fixed("organization");
    let tool = ids.fixed("tool");
    let doc_id = ids.fixed("document");
    let sbom_id = ids.fixed("sbom");
    let image_id = ids.fixed("image");

    let mut elements: Vec<Element> = Vec::new();
    elements.push(Element {
        kind: "Organization",
        spdx_id: agent.clone(),
        creation_info: CREATION_INFO,
        name: Some("Stella Ops".to_owned()),
        ..Element::default()
    });
    elements.push(Element {
        kind: "Tool",
        spdx_id: tool.clone(),
        creation_info: CREATION_INFO,
        name: Some(format!("{} {}", options.tool_name, options.tool_version)),
        ..Element::default()
    });
    elements.push(Element {
        kind: "software_Package",
        spdx_id: image_id.clone(),
        creation_info: CREATION_INFO,
        name: Some(sbom.image.name.clone()),
        primary_purpose: Some("container"),
        package_version: sbom.image.manifest_digest.map(|d| d.to_string()),
        package_url: image_purl(&sbom.image),
        verified_using: sbom
            .image
            .manifest_digest
            .map(|d| Hash {
                kind: "Hash",
                algorithm: "sha256",
                hash_value: d.hex(),
            })
            .into_iter()
            .collect(),
        ..Element::default()
    });

    let mut image_contains = Vec::new();
    if let Some(os) = &sbom.os {
        let id = ids.of("os", &os.id);
        image_contains.push(id.clone());
        elements.push(Element {
            kind: "software_Package",
            spdx_id: id,
            creation_info: CREATION_INFO,
            name: Some(os.id.clone()),
            comment: os.pretty_name.clone(),
            primary_purpose: Some("operatingSystem"),
            package_version: os.version_id.clone(),
            ..Element::default()
        });
    }

    let pkg_ids: Vec<String> = refs.iter().map(|r| ids.of("package", r)).collect();
    let mut files: BTreeMap<&str, String> = BTreeMap::new();
    let mut licenses: BTreeMap<String, String> = BTreeMap::new();
    let mut agents: BTreeMap<String, Element> = BTreeMap::new();
    let mut relationships = Vec::new();
    for ((p, id), dep) in packages.iter().zip(&pkg_ids).zip(&deps) {
        image_contains.push(id.clone());
        let mut names = Vec::new();
        let mut declared = Vec::new();
        for l in &p.licenses {
            match classify_license(l) {
                LicenseForm::Id(e) | LicenseForm::Expression(e) => {
                    let lid = licenses
                        .entry(e.clone())
                        .or_insert_with(|| ids.of("license", &e))
                        .clone();
                    declared.push(lid);
                }
                LicenseForm::Name(n) => names.push(n),
            }
        }
        let mut agent = |party: &Party| {
            let (aid, element) = agent_element(&ids, party);
            agents.entry(aid.clone()).or_insert(element);
            aid
        };
        let supplied_by = p.supplier.as_ref().map(&mut agent);
        let mut originated_by: Vec<String> = p.authors.iter().map(&mut agent).collect();
        originated_by.sort();
        originated_by.dedup();
        let acknowledgement = p.license_acknowledgement;
        elements.push(Element {
            kind: "software_Package",
            spdx_id: id.clone(),
            creation_info: CREATION_INFO,
            name: Some(p.name.clone()),
            comment: (!names.is_empty())
                .then(|| format!("{} licence: {}", acknowledgement.as_str(), names.join("; "))),
            supplied_by,
            originated_by,
            verified_using: p
                .hashes
                .iter()
                .map(|h| Hash {
                    kind: "Hash",
                    algorithm: spdx_hash_alg(h.alg),
                    hash_value: h.hex.clone(),
                })
                .collect(),
            primary_purpose: Some("library"),
            package_version: (!p.version.is_empty()).then(|| p.version.clone()),
            package_url: Some(p.purl.clone()),
            source_info: p.source.as_ref().map(|s| {
                format!(
                    "{}{} {}",
                    super::spdx23::SOURCE_INFO_PREFIX,
                    s.name,
                    s.version
                )
            }),
            external_identifier: p
                .cpes
                .iter()
                .map(|c| ExternalIdentifier {
                    kind: "ExternalIdentifier",
                    external_identifier_type: "cpe23",
                    identifier: c.clone(),
                })
                .collect(),
            ..Element::default()
        });
        let mut contained = Vec::new();
        for path in p
            .evidence
            .iter()
            .map(|e| e.path.as_str())
            .chain(p.files.iter().map(String::as_str))
        {
            let fid = files
                .entry(path)
                .or_insert_with(|| ids.of("file", path))
                .clone();
            contained.push(fid);
        }
        if !contained.is_empty() {
            relationships.push(relationship(&ids, id, "contains", contained));
        }
        let on: Vec<String> = dep
            .iter()
            .filter_map(|j| pkg_ids.get(*j).cloned())
            .collect();
        if !on.is_empty() {
            relationships.push(relationship(&ids, id, "dependsOn", on));
        }
        if !declared.is_empty() {
            let ty = match acknowledgement {
                LicenseAcknowledgement::Declared => "hasDeclaredLicense",
                LicenseAcknowledgement::Concluded => "hasConcludedLicense",
            };
            relationships.push(relationship(&ids, id, ty, declared));
        }
    }
    if !image_contains.is_empty() {
        relationships.push(relationship(&ids, &image_id, "contains", image_contains));
    }
    for (path, id) in &files {
        elements.push(Element {
            kind: "software_File",
            spdx_id: id.clone(),
            creation_info: CREATION_INFO,
            name: Some((*path).to_owned()),
            ..Element::default()
        });
    }
    elements.extend(agents.into_values());
    for (expr, id) in licenses {
        elements.push(Element {
            kind: "simplelicensing_LicenseExpression",
            spdx_id: id,
            creation_info: CREATION_INFO,
            license_expression: Some(expr),
            ..Element::default()
        });
    }
    elements.extend(relationships);

    // The SBOM holds every element except the document, agents and itself; the document holds
    // everything but itself.
    let in_sbom: BTreeSet<String> = elements
        .iter()
        .map(|e| e.spdx_id.clone())
        .filter(|i| *i != agent && *i != tool)
        .collect();
    let mut in_doc = in_sbom.clone();
    in_doc.insert(agent.clone());
    in_doc.insert(tool.clone());
    in_doc.insert(sbom_id.clone());
    elements.push(Element {
        kind: "software_Sbom",
        spdx_id: sbom_id.clone(),
        creation_info: CREATION_INFO,
        name: Some(format!("SBOM of {}", sbom.image.name)),
        root_element: vec![image_id],
        element: in_sbom.into_iter().collect(),
        sbom_type: vec!["analyzed"],
        ..Element::default()
    });
    elements.push(Element {
        kind: "SpdxDocument",
        spdx_id: doc_id,
        creation_info: CREATION_INFO,
        name: Some(sbom.image.name.clone()),
        profile_conformance: vec!["core", "simpleLicensing", "software"],
        root_element: vec![sbom_id],
        element: in_doc.into_iter().collect(),
        ..Element::default()
    });
    elements.sort_by(|a, b| a.spdx_id.cmp(&b.spdx_id));

    let mut graph = vec![Node::CreationInfo(CreationInfo {
        kind: "CreationInfo",
        id: CREATION_INFO,
        spec_version: "3.0.1",
        created: seconds_rfc3339(&options.timestamp),
        created_by: vec![agent],
        created_using: vec![tool],
    })];
    graph.extend(elements.into_iter().map(|e| Node::Element(Box::new(e))));
    let mut out = serde_json::to_vec_pretty(&Document {
        context: CONTEXT,
        graph,
    })
    .map_err(|e| ScanError::Catalog {
        cataloger: "spdx",
        path: sbom.image.name.clone(),
        reason: crate::error::CatalogProblem::Serialize(e),
    })?;
    out.push(b'\n');
    Ok(out)
}

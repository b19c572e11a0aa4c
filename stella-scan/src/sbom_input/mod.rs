//! Reading SBOMs as scan input: CycloneDX 1.6 (own serde model), CycloneDX 1.3–1.5 (the
//! `cyclonedx-bom` crate), SPDX 2.3 (the `spdx-rs` crate) and SPDX 3.0.1 JSON-LD (own serde
//! model), from any tool, into [`Package`]s.
//!
//! What is read per component / package: name, version and purl (the purl's type gives the
//! [`PackageKind`]; components without a purl of a known type are skipped and counted); the
//! source package (`stella:source_name`/`stella:source_version` properties as our writer puts
//! them, trivy's `aquasecurity:trivy:SrcName`/`SrcVersion`, or syft's `upstream` purl
//! qualifier); evidence paths and layers (CycloneDX `evidence.occurrences` with our
//! `layer sha256:…` context, or syft's `syft:location:N:path`/`layerID` properties); the
//! cataloger (`stella:cataloger`, syft's `syft:package:foundBy`, else `sbom`); the OS from an
//! `operating-system` component (SPDX: a package whose purpose is `operatingSystem` /
//! `OPERATING-SYSTEM`), else from a purl `distro` qualifier (`debian-12`); the image digest
//! from the CycloneDX metadata component (`version` or SHA-256 hash of a `container`).
//!
//! Scanning our own CycloneDX SBOM of an image gives the same findings as scanning the image:
//! the writer keeps every field the matcher and the findings use.
//!
//! CycloneDX XML (1.3–1.6 namespaces) is read by mapping it to its JSON form ([`xml`]'s rules:
//! no DTD, bounded) and then exactly like JSON. SPDX 2.3 `sourceInfo` and SPDX 3
//! `software_sourceInfo` of the form `built package from: NAME VERSION` (our writers and
//! trivy's) give the source package.
//!
//! Validation: [`read_sbom`] is strict: CycloneDX 1.6 (JSON or XML), SPDX 2.3 and SPDX 3.0.1
//! must validate against their official JSON schemas (embedded), else
//! [`SbomInputError::Schema`] names the JSON paths that fail. CycloneDX 1.3–1.5 are checked
//! by the `cyclonedx-bom` crate's typed model and validator. [`read_sbom_with`] with
//! [`Validation::Lenient`] reads what it can as before and lists the violations in
//! [`SbomInput::warnings`].

mod schema;
pub mod xml;

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::Deserialize;
use stella_core::Digest;

use crate::error::{SbomFormatProblem, SbomInputError};
use crate::package::{Evidence, OsRelease, Package, PackageKind, SourcePackage};

/// Largest SBOM accepted (bytes).
pub const MAX_SBOM_BYTES: usize = 256 * 1024 * 1024;

/// Most schema violations carried by one [`SbomInputError::Schema`] (the total is counted).
pub const MAX_REPORTED_VIOLATIONS: usize = 20;

/// Most entries of [`SbomInput::warnings`] (a last entry counts the rest).
pub const MAX_WARNINGS: usize = 1000;

/// How strictly SBOM input is checked against its format's schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Validation {
    /// Schema-invalid input is refused ([`SbomInputError::Schema`]).
    #[default]
    Strict,
    /// Schema violations are listed in [`SbomInput::warnings`] and whatever can be read is
    /// read.
    Lenient,
}

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    CycloneDx16,
    /// CycloneDX 1.3, 1.4 or 1.5 JSON.
    CycloneDxLegacy,
    /// SPDX 2.3 JSON.
    Spdx23,
    /// SPDX 3.0.1 JSON-LD.
    Spdx301,
    /// CycloneDX XML (1.3–1.6 namespaces).
    CycloneDxXml,
}

/// Packages and context read from an SBOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomInput {
    /// The format.
    pub format: SbomFormat,
    /// The image the SBOM describes, when it says.
    pub image_digest: Option<Digest>,
    /// The image name, when it says.
    pub name: Option<String>,
    /// The OS.
    pub os: Option<OsRelease>,
    /// Packages, sorted by [`Package::sort_key`].
    pub packages: Vec<Package>,
    /// Components skipped (no purl, or a purl type without an ecosystem here), by purl or name,
    /// sorted.
    pub skipped: Vec<String>,
    /// What was read past: schema violations under [`Validation::Lenient`], and CycloneDX XML
    /// elements outside the subset read, each as `path: what`, in document order.
    pub warnings: Vec<String>,
}

impl SbomInput {
    /// Checks that this SBOM describes `image`: its stated image digest must be `image`. An
    /// SBOM that states no image digest cannot be bound to an image and is refused as well. Call
    /// it whenever an SBOM stands in for an image (a scan of image B must not use image A's
    /// SBOM).
    ///
    /// ```
    /// use stella_core::Digest;
    /// use stella_scan::sbom_input::read_sbom;
    /// use stella_scan::SbomInputError;
    ///
    /// let a = Digest::of(b"image A");
    /// let doc = format!(r#"{{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"metadata":{{"component":
    ///   {{"type":"container","name":"app","version":"{a}"}}}},"components":[]}}"#);
    /// let sbom = read_sbom(doc.as_bytes())?;
    /// assert_eq!(sbom.image_digest, Some(a));
    /// sbom.check_subject(&a)?;
    /// let b = Digest::of(b"image B");
    /// assert!(matches!(sbom.check_subject(&b), Err(SbomInputError::SubjectMismatch { .. })));
    /// # Ok::<(), SbomInputError>(())
    /// ```
    pub fn check_subject(&self, image: &Digest) -> Result<(), SbomInputError> {
        if self.image_digest.as_ref() == Some(image) {
            return Ok(());
        }
        Err(SbomInputError::SubjectMismatch {
            expected: *image,
            stated: self.image_digest,
        })
    }
}

/// One component in a format-neutral form.
#[derive(Debug, Default)]
struct Comp {
    name: String,
    version: Option<String>,
    purl: Option<String>,
    os: bool,
    properties: Vec<(String, String)>,
    occurrences: Vec<(String, Option<String>)>,
}

fn kind_of(purl_type: &str) -> Option<PackageKind> {
    Some(match purl_type {
        "deb" => PackageKind::Deb,
        "apk" => PackageKind::Apk,
        "rpm" => PackageKind::Rpm,
        "pypi" => PackageKind::Python,
        "npm" => PackageKind::Npm,
        "golang" => PackageKind::GoModule,
        "cargo" => PackageKind::RustCrate,
        "maven" => PackageKind::Java,
        _ => return None,
    })
}

fn prop<'a>(props: &'a [(String, String)], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn layer_of(context: &str) -> Option<Digest> {
    let t = context.trim();
    let t = t.strip_prefix("layer ").unwrap_or(t);
    Digest::parse(t).ok()
}

fn os_from_distro(q: &str) -> Option<OsRelease> {
    // purl `distro` qualifiers: `debian-12`, `alpine-3.20.3`, `ubuntu-22.04`.
    let (id, ver) = q.rsplit_once('-')?;
    Some(OsRelease {
        id: id.to_ascii_lowercase(),
        version_id: Some(ver.to_owned()),
        ..OsRelease::default()
    })
}

struct Converted {
    packages: Vec<Package>,
    skipped: Vec<String>,
    os: Option<OsRelease>,
}

fn convert(comps: Vec<Comp>) -> Converted {
    let mut packages = Vec::new();
    let mut skipped = Vec::new();
    let mut os = None;
    let mut distro_os = None;
    for c in comps {
        if c.os {
            if os.is_none() && !c.name.is_empty() {
                os = Some(OsRelease {
                    id: c.name.to_ascii_lowercase(),
                    version_id: c.version.clone(),
                    ..OsRelease::default()
                });
            }
            continue;
        }
        let Some(purl_text) = c.purl.clone() else {
            skipped.push(c.name.clone());
            continue;
        };
        let Ok(purl) = packageurl::PackageUrl::from_str(&purl_text) else {
            skipped.push(purl_text);
            continue;
        };
        let Some(kind) = kind_of(purl.ty()) else {
            skipped.push(purl_text);
            continue;
        };
        let qualifiers: BTreeMap<String, String> = purl
            .qualifiers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if distro_os.is_none() {
            distro_os = qualifiers.get("distro").and_then(|d| os_from_distro(d));
        }
        let version = c
            .version
            .clone()
            .filter(|v| !v.is_empty())
            .or_else(|| purl.version().map(str::to_owned))
            .unwrap_or_default();
        let purl_name = match (kind, purl.namespace()) {
            (PackageKind::GoModule, Some(ns)) => format!("{ns}/{}", purl.name()),
            (PackageKind::Npm, Some(ns)) => format!("{ns}/{}", purl.name()),
            _ => purl.name().to_owned(),
        };
        let name = if c.name.is_empty() {
            purl_name
        } else {
            c.name.clone()
        };
        let p = &c.properties;
        let source = match (
            prop(p, "stella:source_name").or_else(|| prop(p, "aquasecurity:trivy:SrcName")),
            prop(p, "stella:source_version").or_else(|| prop(p, "aquasecurity:trivy:SrcVersion")),
        ) {
            (Some(n), Some(v)) => Some(SourcePackage {
                name: n.to_owned(),
                version: v.to_owned(),
            }),
            (Some(n), None) => Some(SourcePackage {
                name: n.to_owned(),
                version: version.clone(),
            }),
            _ => qualifiers.get("upstream").map(|u| match u.split_once('@') {
                Some((n, v)) => SourcePackage {
                    name: n.to_owned(),
                    version: v.to_owned(),
                },
                None => SourcePackage {
                    name: u.clone(),
                    version: version.clone(),
                },
            }),
        };
        let mut evidence: Vec<Evidence> = c
            .occurrences
            .iter()
            .map(|(loc, ctx)| Evidence {
                path: loc.trim_start_matches('/').to_owned(),
                layer: ctx.as_deref().and_then(layer_of),
            })
            .collect();
        // syft: syft:location:N:path / syft:location:N:layerID
        let mut syft: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
        for (n, v) in p {
            if let Some(rest) = n.strip_prefix("syft:location:") {
                if let Some((idx, field)) = rest.split_once(':') {
                    let e = syft.entry(idx.to_owned()).or_default();
                    match field {
                        "path" => e.0 = Some(v.clone()),
                        "layerID" => e.1 = Some(v.clone()),
                        _ => {}
                    }
                }
            }
        }
        for (path, layer) in syft.into_values() {
            if let Some(path) = path {
                evidence.push(Evidence {
                    path: path.trim_start_matches('/').to_owned(),
                    layer: layer.as_deref().and_then(|l| Digest::parse(l).ok()),
                });
            }
        }
        evidence.sort();
        evidence.dedup();
        let cataloger = prop(p, "stella:cataloger")
            .or_else(|| prop(p, "syft:package:foundBy"))
            .unwrap_or("sbom")
            .to_owned();
        packages.push(Package {
            name,
            version,
            kind,
            purl: purl_text,
            licenses: Vec::new(),
            cpes: Vec::new(),
            source,
            evidence,
            files: Vec::new(),
            dependencies: Vec::new(),
            cataloger,
            metadata: BTreeMap::new(),
            license_acknowledgement: crate::package::LicenseAcknowledgement::Declared,
            supplier: None,
            authors: Vec::new(),
            hashes: Vec::new(),
        });
    }
    packages.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    packages.dedup();
    skipped.sort();
    Converted {
        packages,
        skipped,
        os: os.or(distro_os),
    }
}

// ---- CycloneDX 1.6 (own model: only what is read) ----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cdx16 {
    #[serde(default)]
    metadata: Option<Cdx16Metadata>,
    #[serde(default)]
    components: Vec<Cdx16Component>,
}

#[derive(Deserialize)]
struct Cdx16Metadata {
    #[serde(default)]
    component: Option<Cdx16Component>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Cdx16Component {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    purl: Option<String>,
    #[serde(default)]
    hashes: Vec<Cdx16Hash>,
    #[serde(default)]
    properties: Vec<CdxProperty>,
    #[serde(default)]
    evidence: Option<Cdx16Evidence>,
    #[serde(default)]
    components: Vec<Cdx16Component>,
}

#[derive(Deserialize)]
struct Cdx16Hash {
    alg: String,
    content: String,
}

#[derive(Deserialize)]
struct CdxProperty {
    name: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cdx16Evidence {
    #[serde(default)]
    occurrences: Vec<Cdx16Occurrence>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cdx16Occurrence {
    location: String,
    #[serde(default)]
    additional_context: Option<String>,
}

fn flatten16(c: Cdx16Component, out: &mut Vec<Comp>) {
    let os = c.kind == "operating-system";
    out.push(Comp {
        name: c.name,
        version: c.version,
        purl: c.purl,
        os,
        properties: c
            .properties
            .into_iter()
            .map(|p| (p.name, p.value))
            .collect(),
        occurrences: c
            .evidence
            .map(|e| {
                e.occurrences
                    .into_iter()
                    .map(|o| (o.location, o.additional_context))
                    .collect()
            })
            .unwrap_or_default(),
    });
    for sub in c.components {
        flatten16(sub, out);
    }
}

fn image_digest_of(c: &Cdx16Component) -> Option<Digest> {
    if c.kind != "container" {
        return None;
    }
    c.version
        .as_deref()
        .and_then(|v| Digest::parse(v).ok())
        .or_else(|| {
            c.hashes
                .iter()
                .find(|h| h.alg == "SHA-256")
                .and_then(|h| Digest::parse_hex(&h.content).ok())
        })
}

fn read_cdx16(value: serde_json::Value) -> Result<SbomInput, SbomInputError> {
    let doc: Cdx16 = serde_json::from_value(value).map_err(|e| SbomInputError::Parse {
        format: "CycloneDX 1.6",
        parser_message: e.to_string(),
    })?;
    let mut comps = Vec::new();
    let (image_digest, name) = match &doc.metadata.as_ref().and_then(|m| m.component.as_ref()) {
        Some(c) => (image_digest_of(c), Some(c.name.clone())),
        None => (None, None),
    };
    for c in doc.components {
        flatten16(c, &mut comps);
    }
    let conv = convert(comps);
    Ok(SbomInput {
        format: SbomFormat::CycloneDx16,
        image_digest,
        name,
        os: conv.os,
        packages: conv.packages,
        skipped: conv.skipped,
        warnings: Vec::new(),
    })
}

// ---- CycloneDX 1.3–1.5 (cyclonedx-bom) ----

fn flatten_legacy(c: &cyclonedx_bom::models::component::Component, out: &mut Vec<Comp>) {
    let kind = c.component_type.to_string();
    out.push(Comp {
        name: c.name.to_string(),
        version: c.version.as_ref().map(ToString::to_string),
        purl: c.purl.as_ref().map(ToString::to_string),
        os: kind == "operating-system",
        properties: c
            .properties
            .as_ref()
            .map(|p| {
                p.0.iter()
                    .map(|p| (p.name.clone(), p.value.to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        occurrences: c
            .evidence
            .as_ref()
            .and_then(|e| e.occurrences.as_ref())
            .map(|o| o.0.iter().map(|o| (o.location.clone(), None)).collect())
            .unwrap_or_default(),
    });
    if let Some(subs) = &c.components {
        for s in &subs.0 {
            flatten_legacy(s, out);
        }
    }
}

fn read_cdx_legacy(
    value: serde_json::Value,
    validation: Validation,
    warnings: &mut xml::Warnings,
) -> Result<SbomInput, SbomInputError> {
    use cyclonedx_bom::validation::Validate;
    let version = value
        .get("specVersion")
        .and_then(|v| v.as_str())
        .and_then(|v| cyclonedx_bom::models::bom::SpecVersion::from_str(v).ok());
    // The schema's licence choice is one of `license` or `expression`; cyclonedx-bom's model
    // silently keeps one when an entry has both, so that is checked here.
    let ambiguous = ambiguous_license_choices(&value);
    let bom = cyclonedx_bom::models::bom::Bom::parse_json_value(value).map_err(|e| {
        SbomInputError::Parse {
            format: "CycloneDX 1.3-1.5",
            parser_message: e.to_string(),
        }
    })?;
    let result = match version {
        Some(v) => bom.validate_version(v),
        None => bom.validate(),
    };
    if result.has_errors() || !ambiguous.is_empty() {
        let found: Vec<crate::error::SchemaViolation> = ambiguous
            .into_iter()
            .map(|path| crate::error::SchemaViolation {
                path,
                message: "a licence choice has both `license` and `expression`".to_owned(),
            })
            .chain(
                result
                    .errors()
                    .map(|(field, kind)| crate::error::SchemaViolation {
                        path: format!("/{field}"),
                        message: schema::shorten(format!("{kind:?}")),
                    }),
            )
            .collect();
        match validation {
            Validation::Lenient => {
                for v in found {
                    warnings.push(format!("{}: {}", v.path, v.message));
                }
            }
            Validation::Strict => {
                return Err(SbomInputError::Schema {
                    format: "CycloneDX 1.3-1.5",
                    total: found.len(),
                    violations: found.into_iter().take(MAX_REPORTED_VIOLATIONS).collect(),
                });
            }
        }
    }
    let mut comps = Vec::new();
    let mut image_digest = None;
    let mut name = None;
    if let Some(c) = bom.metadata.as_ref().and_then(|m| m.component.as_ref()) {
        name = Some(c.name.to_string());
        if c.component_type.to_string() == "container" {
            image_digest = c.version.as_ref().and_then(|v| Digest::parse(v).ok());
        }
    }
    if let Some(cs) = &bom.components {
        for c in &cs.0 {
            flatten_legacy(c, &mut comps);
        }
    }
    let conv = convert(comps);
    Ok(SbomInput {
        format: SbomFormat::CycloneDxLegacy,
        image_digest,
        name,
        os: conv.os,
        packages: conv.packages,
        skipped: conv.skipped,
        warnings: Vec::new(),
    })
}

/// JSON pointers of licence-choice entries (items of a `licenses` array) that carry both
/// `license` and `expression`.
fn ambiguous_license_choices(value: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let mut out = Vec::new();
    let mut stack: Vec<(&Value, String)> = vec![(value, String::new())];
    while let Some((v, path)) = stack.pop() {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    let here = format!("{path}/{k}");
                    if k == "licenses" {
                        for (i, item) in child.as_array().into_iter().flatten().enumerate() {
                            if item.get("license").is_some() && item.get("expression").is_some() {
                                out.push(format!("{here}/{i}"));
                            }
                        }
                    }
                    stack.push((child, here));
                }
            }
            Value::Array(a) => {
                for (i, child) in a.iter().enumerate() {
                    stack.push((child, format!("{path}/{i}")));
                }
            }
            _ => {}
        }
    }
    out.sort();
    out
}

// ---- SPDX 2.3 (spdx-rs) ----

/// `built package from: NAME VERSION` (SPDX `sourceInfo`, as our writers and trivy put it) as
/// the `stella:source_*` properties [`convert`] reads.
fn source_properties(source_info: Option<&str>) -> Vec<(String, String)> {
    let Some(rest) =
        source_info.and_then(|s| s.strip_prefix(crate::sbom::spdx23::SOURCE_INFO_PREFIX))
    else {
        return Vec::new();
    };
    let mut words = rest.split_whitespace();
    let mut out = Vec::new();
    if let Some(name) = words.next() {
        out.push(("stella:source_name".to_owned(), name.to_owned()));
        if let Some(version) = words.next() {
            out.push(("stella:source_version".to_owned(), version.to_owned()));
        }
    }
    out
}

fn read_spdx23(mut value: serde_json::Value) -> Result<SbomInput, SbomInputError> {
    // The official 2.3 schema spells the purpose `OPERATING-SYSTEM`; spdx-rs only knows
    // `OPERATING_SYSTEM` (and would refuse every schema-valid document that uses it).
    if let Some(packages) = value.get_mut("packages").and_then(|p| p.as_array_mut()) {
        for p in packages {
            if let Some(purpose) = p.get_mut("primaryPackagePurpose") {
                if purpose.as_str() == Some("OPERATING-SYSTEM") {
                    *purpose = serde_json::Value::String("OPERATING_SYSTEM".to_owned());
                }
            }
        }
    }
    let doc: spdx_rs::models::SPDX =
        serde_json::from_value(value).map_err(|e| SbomInputError::Parse {
            format: "SPDX 2.3",
            parser_message: e.to_string(),
        })?;
    let mut comps = Vec::new();
    for p in &doc.package_information {
        let purl = p
            .external_reference
            .iter()
            .find(|r| {
                r.reference_category
                    == spdx_rs::models::ExternalPackageReferenceCategory::PackageManager
                    && r.reference_type == "purl"
            })
            .map(|r| r.reference_locator.clone());
        let os = matches!(
            p.primary_package_purpose,
            Some(spdx_rs::models::PrimaryPackagePurpose::OperatingSystem)
        );
        comps.push(Comp {
            name: p.package_name.clone(),
            version: p.package_version.clone(),
            purl,
            os,
            properties: source_properties(p.source_information.as_deref()),
            ..Comp::default()
        });
    }
    let conv = convert(comps);
    Ok(SbomInput {
        format: SbomFormat::Spdx23,
        image_digest: None,
        name: Some(doc.document_creation_information.document_name.clone()),
        os: conv.os,
        packages: conv.packages,
        skipped: conv.skipped,
        warnings: Vec::new(),
    })
}

// ---- SPDX 3.0.1 (own model) ----

#[derive(Deserialize)]
struct Spdx3 {
    #[serde(rename = "@graph", default)]
    graph: Vec<Spdx3Element>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spdx3Element {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "software_packageVersion", default)]
    version: Option<String>,
    #[serde(rename = "software_packageUrl", default)]
    purl: Option<String>,
    #[serde(rename = "software_primaryPurpose", default)]
    purpose: Option<String>,
    #[serde(rename = "software_sourceInfo", default)]
    source_info: Option<String>,
    #[serde(default)]
    external_identifier: Vec<Spdx3ExternalIdentifier>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spdx3ExternalIdentifier {
    #[serde(default)]
    external_identifier_type: String,
    #[serde(default)]
    identifier: String,
}

fn read_spdx3(value: serde_json::Value) -> Result<SbomInput, SbomInputError> {
    let doc: Spdx3 = serde_json::from_value(value).map_err(|e| SbomInputError::Parse {
        format: "SPDX 3.0.1",
        parser_message: e.to_string(),
    })?;
    let mut comps = Vec::new();
    for e in doc.graph {
        if e.kind != "software_Package" {
            continue;
        }
        let purl = e.purl.or_else(|| {
            e.external_identifier
                .iter()
                .find(|x| x.external_identifier_type == "packageUrl")
                .map(|x| x.identifier.clone())
        });
        comps.push(Comp {
            name: e.name.unwrap_or_default(),
            version: e.version,
            purl,
            os: e.purpose.as_deref() == Some("operatingSystem"),
            properties: source_properties(e.source_info.as_deref()),
            ..Comp::default()
        });
    }
    let conv = convert(comps);
    Ok(SbomInput {
        format: SbomFormat::Spdx301,
        image_digest: None,
        name: None,
        os: conv.os,
        packages: conv.packages,
        skipped: conv.skipped,
        warnings: Vec::new(),
    })
}

/// Reads an SBOM, detecting the format from the document, strictly ([`Validation::Strict`]:
/// see the module docs).
///
/// ```
/// use stella_scan::sbom_input::{read_sbom, SbomFormat};
/// let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[
///   {"type":"library","name":"requests","version":"2.31.0","purl":"pkg:pypi/requests@2.31.0"}]}"#;
/// let input = read_sbom(doc).unwrap();
/// assert_eq!(input.format, SbomFormat::CycloneDx16);
/// assert_eq!(input.packages[0].name, "requests");
/// ```
pub fn read_sbom(bytes: &[u8]) -> Result<SbomInput, SbomInputError> {
    read_sbom_with(bytes, Validation::Strict)
}

/// Reads an SBOM (JSON or CycloneDX XML), detecting the format from the document, validated
/// as `validation` says.
///
/// ```
/// use stella_scan::sbom_input::{read_sbom_with, SbomFormat, Validation};
/// use stella_scan::SbomInputError;
/// let bad = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[
///   {"type":"library","name":"a","purl":"pkg:npm/a@1","hashes":[{"alg":"SHA-256","content":"xyz"}]}]}"#;
/// match read_sbom_with(bad, Validation::Strict) {
///     Err(SbomInputError::Schema { violations, .. }) => {
///         assert_eq!(violations[0].path, "/components/0/hashes/0/content")
///     }
///     other => panic!("{other:?}"),
/// }
/// let input = read_sbom_with(bad, Validation::Lenient)?;
/// assert_eq!(input.packages.len(), 1);
/// assert_eq!(input.warnings.len(), 1);
///
/// let xml = br#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1"><components>
///   <component type="library"><name>a</name><purl>pkg:npm/a@1</purl></component></components></bom>"#;
/// assert_eq!(read_sbom_with(xml, Validation::Strict)?.format, SbomFormat::CycloneDxXml);
/// # Ok::<(), SbomInputError>(())
/// ```
pub fn read_sbom_with(bytes: &[u8], validation: Validation) -> Result<SbomInput, SbomInputError> {
    if bytes.len() > MAX_SBOM_BYTES {
        return Err(SbomInputError::Limit {
            what: "SBOM size",
            limit: MAX_SBOM_BYTES as u64,
        });
    }
    let is_xml = xml::looks_like_xml(bytes);
    let (value, mut warnings): (serde_json::Value, xml::Warnings) = if is_xml {
        xml::to_json(bytes).map_err(|reason| SbomInputError::Xml { reason })?
    } else {
        // Strict (I-JSON): a duplicate key, a lone surrogate or an out-of-range number is
        // refused, so no two readers of the same SBOM can disagree on what it lists.
        let value = stella_core::canonical::from_slice_strict(bytes).map_err(|e| {
            SbomInputError::UnknownFormat {
                reason: SbomFormatProblem::NotStrictJson(e),
            }
        })?;
        (value, xml::Warnings::default())
    };
    let mut check = |schema: schema::Schema, format: &'static str, value: &serde_json::Value| {
        let keep = match validation {
            Validation::Lenient => MAX_WARNINGS,
            Validation::Strict => MAX_REPORTED_VIOLATIONS,
        };
        let (found, total) = schema::violations(schema, value, keep);
        if total == 0 {
            return Ok(());
        }
        match validation {
            Validation::Lenient => {
                for v in found {
                    warnings.push(format!("{}: {}", v.path, v.message));
                }
                warnings.count_more(total.saturating_sub(keep));
                Ok(())
            }
            Validation::Strict => Err(SbomInputError::Schema {
                format,
                total,
                violations: found,
            }),
        }
    };
    let mut input = if value.get("bomFormat").and_then(|v| v.as_str()) == Some("CycloneDX") {
        let spec = value
            .get("specVersion")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned();
        match spec.as_str() {
            "1.6" => {
                check(schema::Schema::CycloneDx16, "CycloneDX 1.6", &value)?;
                read_cdx16(value)?
            }
            "1.3" | "1.4" | "1.5" => read_cdx_legacy(value, validation, &mut warnings)?,
            _ => {
                return Err(SbomInputError::UnsupportedVersion {
                    format: "CycloneDX",
                    version: spec,
                });
            }
        }
    } else if let Some(v) = value.get("spdxVersion").and_then(|v| v.as_str()) {
        match v {
            "SPDX-2.3" => {
                check(schema::Schema::Spdx23, "SPDX 2.3", &value)?;
                read_spdx23(value)?
            }
            other => {
                return Err(SbomInputError::UnsupportedVersion {
                    format: "SPDX",
                    version: other.to_owned(),
                });
            }
        }
    } else {
        let context = value
            .get("@context")
            .map(|c| c.to_string())
            .unwrap_or_default();
        if context.contains("spdx.org/rdf/3.0.1") {
            check(schema::Schema::Spdx301, "SPDX 3.0.1", &value)?;
            read_spdx3(value)?
        } else if context.contains("spdx.org/rdf/3") {
            return Err(SbomInputError::UnsupportedVersion {
                format: "SPDX",
                version: context,
            });
        } else {
            return Err(SbomInputError::UnknownFormat {
                reason: SbomFormatProblem::NoFormatMarker,
            });
        }
    };
    if is_xml {
        input.format = SbomFormat::CycloneDxXml;
    }
    input.warnings = warnings.into_vec();
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stella_core::{CoreError, JsonError};

    #[test]
    fn a_duplicate_key_is_refused_not_last_one_wins() {
        let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[
          {"type":"library","name":"requests","version":"2.31.0",
           "purl":"pkg:pypi/requests@2.31.0","purl":"pkg:pypi/requests@2.99.0"}]}"#;
        assert!(matches!(
            read_sbom(doc),
            Err(SbomInputError::UnknownFormat {
                reason: SbomFormatProblem::NotStrictJson(CoreError::Json(
                    JsonError::DuplicateKey { .. }
                ))
            })
        ));
    }

    #[test]
    fn cyclonedx_16_reads_our_properties() {
        let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.6",
          "metadata":{"component":{"type":"container","name":"img","version":"sha256:0000000000000000000000000000000000000000000000000000000000000001"}},
          "components":[
           {"type":"operating-system","name":"debian","version":"12"},
           {"type":"library","name":"libssl3","version":"3.0.11-1~deb12u2",
            "purl":"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64",
            "evidence":{"occurrences":[{"location":"var/lib/dpkg/status","additionalContext":"layer sha256:0000000000000000000000000000000000000000000000000000000000000002"}]},
            "properties":[{"name":"stella:cataloger","value":"dpkg"},{"name":"stella:source_name","value":"openssl"},{"name":"stella:source_version","value":"3.0.11-1~deb12u2"}]},
           {"type":"library","name":"thing","purl":"pkg:generic/thing@1"}]}"#;
        let s = read_sbom(doc).unwrap();
        assert_eq!(s.os.as_ref().unwrap().id, "debian");
        assert!(s.image_digest.is_some());
        assert_eq!(s.packages.len(), 1);
        let p = &s.packages[0];
        assert_eq!(p.kind, PackageKind::Deb);
        assert_eq!(p.source.as_ref().unwrap().name, "openssl");
        assert_eq!(p.cataloger, "dpkg");
        assert!(p.evidence[0].layer.is_some());
        assert_eq!(s.skipped, vec!["pkg:generic/thing@1"]);
    }

    #[test]
    fn cyclonedx_14_via_crate_and_syft_qualifiers() {
        let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.4","version":1,"components":[
           {"type":"library","name":"libssl3","version":"3.0.11-1~deb12u2",
            "purl":"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl&distro=debian-12",
            "properties":[{"name":"syft:package:foundBy","value":"dpkg-db-cataloger"},
              {"name":"syft:location:0:path","value":"/var/lib/dpkg/status"}]}]}"#;
        let s = read_sbom(doc).unwrap();
        assert_eq!(s.format, SbomFormat::CycloneDxLegacy);
        assert_eq!(s.os.as_ref().unwrap().version_id.as_deref(), Some("12"));
        let p = &s.packages[0];
        assert_eq!(p.source.as_ref().unwrap().name, "openssl");
        assert_eq!(p.cataloger, "dpkg-db-cataloger");
        assert_eq!(p.evidence[0].path, "var/lib/dpkg/status");
    }

    #[test]
    fn spdx_23_and_3() {
        let doc23 = br#"{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x",
          "documentNamespace":"https://example.com/x","creationInfo":{"created":"2024-01-01T00:00:00Z","creators":["Tool: t"]},
          "packages":[{"name":"golang.org/x/net","SPDXID":"SPDXRef-1","versionInfo":"v0.17.0","downloadLocation":"NOASSERTION",
            "externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:golang/golang.org/x/net@v0.17.0"}]}]}"#;
        let s = read_sbom(doc23).unwrap();
        assert_eq!(s.format, SbomFormat::Spdx23);
        assert_eq!(s.packages[0].kind, PackageKind::GoModule);
        assert_eq!(s.packages[0].version, "v0.17.0");
        let doc3 = br#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[
          {"type":"software_Package","spdxId":"urn:a","name":"alpine","software_primaryPurpose":"operatingSystem","software_packageVersion":"3.20.3"},
          {"type":"software_Package","spdxId":"urn:b","name":"musl","software_packageVersion":"1.2.5-r0","software_packageUrl":"pkg:apk/alpine/musl@1.2.5-r0"}]}"#;
        // No creationInfo: schema-invalid, so refused strictly and read leniently.
        assert!(matches!(
            read_sbom(doc3),
            Err(SbomInputError::Schema {
                format: "SPDX 3.0.1",
                ..
            })
        ));
        let s = read_sbom_with(doc3, Validation::Lenient).unwrap();
        assert!(!s.warnings.is_empty());
        assert_eq!(s.format, SbomFormat::Spdx301);
        assert_eq!(s.os.unwrap().id, "alpine");
        assert_eq!(s.packages[0].kind, PackageKind::Apk);
    }

    #[test]
    fn unknown_and_unsupported() {
        assert!(matches!(
            read_sbom(b"{}"),
            Err(SbomInputError::UnknownFormat { .. })
        ));
        assert!(matches!(
            read_sbom(b"nope"),
            Err(SbomInputError::UnknownFormat { .. })
        ));
        assert!(matches!(
            read_sbom(br#"{"bomFormat":"CycloneDX","specVersion":"1.2"}"#),
            Err(SbomInputError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            read_sbom(br#"{"spdxVersion":"SPDX-2.2"}"#),
            Err(SbomInputError::UnsupportedVersion { .. })
        ));
    }
}

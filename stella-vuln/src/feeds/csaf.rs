//! CSAF 2.0 documents (vendor VEX such as Red Hat's per-CVE files under
//! `https://security.access.redhat.com/data/csaf/v2/vex/`, SUSE's, and CSAF security advisories)
//! as OSV records.
//!
//! The CSAF document is read by the VEX crate's CSAF reader ([`stella_vex::import_csaf`]: the
//! product tree, relationships, product groups and statuses, as `stella vex` reads CSAF), not a
//! second parser; this module maps its statements to OSV:
//! - one record per document, id `<VENDOR>-<tracking id>` when the tracking id is a bare CVE id
//!   (Red Hat's and SUSE's VEX files are named by CVE: `REDHAT-CVE-2024-7264`,
//!   `SUSE-CVE-2024-7264`), else the tracking id (`RHSA-2023:3408`); the documents'
//!   vulnerabilities are its aliases; `modified` is `tracking.current_release_date`;
//! - a `fixed` statement whose product has a purl with a version gives `introduced 0, fixed
//!   <version>` (`<epoch>:<version>` when the purl has an `epoch` qualifier); an `affected` one
//!   gives `introduced 0`; `not_affected` and `under_investigation` give no entry (counted);
//!   products without a purl (identified only by CSAF product id or CPE) are skipped and
//!   counted; a versionless `affected` product next to a `fixed` version of the same package
//!   and platform is dropped (the fixed range already says "affected before the fix");
//! - the ecosystem is `<Vendor>:<platform>`, the vendor from the purl namespace (`redhat` →
//!   `Red Hat`, `suse` → `SUSE`, else the publisher's name), the platform the product the
//!   package is a component of (`SUSE:SUSE Linux Enterprise Server 15 SP6`). The matcher does
//!   not yet map an image's OS release to these product names, so the records are kept and
//!   shown by `stella db diff` and `db info`, and match only once that mapping exists.

use std::collections::BTreeSet;

use super::{FeedError, FeedLimits, FeedRecords, push_affected};
use crate::osv::{Affected, AffectedPackage, Event, OsvRecord, Range, RangeType};
use stella_vex::{CsafOptions, Status, import_csaf};

/// Imports one CSAF document (see the module docs).
pub fn import(
    source_name: &str,
    bytes: &[u8],
    limits: &FeedLimits,
    out: &mut FeedRecords,
) -> Result<(), FeedError> {
    limits.check_size("CSAF document", bytes.len())?;
    let options = CsafOptions {
        limits: stella_core::canonical::JsonLimits {
            max_depth: limits.max_depth,
            max_bytes: bytes.len().max(1),
        },
        ..CsafOptions::default()
    };
    let imported = import_csaf(bytes, &options).map_err(|source| FeedError::Csaf {
        source_name: source_name.to_owned(),
        source: Box::new(source),
    })?;
    out.stats_mut().documents += 1;
    let doc = &imported.document;
    let tracking = imported
        .provenance
        .first()
        .map(|p| p.csaf_document.clone())
        .unwrap_or_else(|| doc.id.clone());
    let mut aliases = BTreeSet::new();
    let mut affected: Vec<Affected> = Vec::new();
    let mut vendor_of_doc: Option<String> = None;
    for (statement, prov) in doc.statements.iter().zip(&imported.provenance) {
        aliases.insert(statement.vulnerability.name.clone());
        aliases.extend(statement.vulnerability.aliases.iter().cloned());
        let events = match statement.status {
            Status::Fixed => None,
            Status::Affected => Some(vec![Event::Introduced("0".to_owned())]),
            Status::NotAffected => {
                out.stats_mut().not_affected += 1;
                continue;
            }
            Status::UnderInvestigation => {
                out.stats_mut().skip("under investigation");
                continue;
            }
        };
        for product in &statement.products {
            let Some(purl) = product
                .component
                .id
                .as_deref()
                .or(product.component.identifiers.purl.as_deref())
                .and_then(|p| p.parse::<packageurl::PackageUrl<'_>>().ok())
            else {
                out.stats_mut().skip("product without a purl");
                continue;
            };
            let vendor = match purl.namespace() {
                Some("redhat") => "Red Hat".to_owned(),
                Some("suse") => "SUSE".to_owned(),
                _ => doc.author.clone(),
            };
            vendor_of_doc.get_or_insert_with(|| vendor.clone());
            let events = match (&events, purl.version()) {
                (Some(e), _) => e.clone(),
                (None, Some(v)) if !v.is_empty() => {
                    let epoch = purl
                        .qualifiers()
                        .iter()
                        .find(|(k, _)| k.as_ref() == "epoch")
                        .map(|(_, v)| v.to_string())
                        .filter(|e| e != "0");
                    let fixed = match epoch {
                        Some(e) => format!("{e}:{v}"),
                        None => v.to_owned(),
                    };
                    vec![Event::Introduced("0".to_owned()), Event::Fixed(fixed)]
                }
                (None, _) => {
                    out.stats_mut().skip("fixed product without a version");
                    continue;
                }
            };
            let ecosystem = match &prov.platform {
                Some(p) => format!("{vendor}:{p}"),
                None => vendor,
            };
            out.stats_mut().statements += 1;
            push_affected(
                &mut affected,
                Affected {
                    package: Some(AffectedPackage {
                        ecosystem,
                        name: purl.name().to_owned(),
                        purl: None,
                    }),
                    severity: Vec::new(),
                    ranges: vec![Range {
                        kind: RangeType::Ecosystem,
                        repo: None,
                        events,
                        database_specific: None,
                    }],
                    versions: Vec::new(),
                    ecosystem_specific: None,
                    database_specific: Some(serde_json::json!({
                        "csaf_product_id": prov.product_id,
                        "csaf_status": prov.csaf_status,
                    })),
                },
            );
        }
    }
    // A versionless `affected` product next to a `fixed` version of the same package (SUSE and
    // Red Hat write both) means "affected before the fix": the fixed range says that, and the
    // open-ended one would also flag the fixed version.
    let fixed_packages: BTreeSet<(String, String)> = affected
        .iter()
        .filter(|a| {
            a.ranges
                .iter()
                .any(|r| r.events.iter().any(|e| matches!(e, Event::Fixed(_))))
        })
        .filter_map(|a| a.package.as_ref())
        .map(|p| (p.ecosystem.clone(), p.name.clone()))
        .collect();
    affected.retain(|a| {
        let open_only = a
            .ranges
            .iter()
            .all(|r| r.events.iter().all(|e| matches!(e, Event::Introduced(_))));
        let key = a
            .package
            .as_ref()
            .map(|p| (p.ecosystem.clone(), p.name.clone()));
        !(open_only && key.is_some_and(|k| fixed_packages.contains(&k)))
    });
    let id = if tracking.starts_with("CVE-") {
        let prefix: String = vendor_of_doc
            .as_deref()
            .unwrap_or(doc.author.as_str())
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_uppercase();
        format!("{prefix}-{tracking}")
    } else {
        tracking.clone()
    };
    aliases.remove(&id);
    affected.sort_by(|a, b| {
        let key = |x: &Affected| {
            x.package
                .as_ref()
                .map(|p| (p.ecosystem.clone(), p.name.clone()))
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| format!("{:?}", a.ranges).cmp(&format!("{:?}", b.ranges)))
    });
    let record = OsvRecord {
        schema_version: None,
        id,
        modified: doc.last_updated.unwrap_or(doc.timestamp).to_rfc3339(),
        published: None,
        withdrawn: None,
        aliases: aliases.into_iter().collect(),
        related: Vec::new(),
        upstream: Vec::new(),
        summary: None,
        details: doc
            .statements
            .first()
            .and_then(|s| s.vulnerability.description.as_deref())
            .map(Into::into),
        severity: Vec::new(),
        affected,
        references: Vec::new(),
        database_specific: Some(serde_json::json!({
            "source": "csaf",
            "csaf_document": tracking,
            "publisher": doc.author,
            "category": imported.category,
        })),
    };
    record.validate(source_name)?;
    out.add(record, limits)
}

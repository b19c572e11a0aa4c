//! Alpine's security database (`https://secdb.alpinelinux.org/<branch>/<repo>.json`, and the
//! same as `.yaml`): `{distroversion: "v3.20", reponame: "main", packages: [{pkg: {name,
//! secfixes: {fixed version: [ids]}}}]}`.
//!
//! Mapping, one OSV record `ALPINE-<id>` per advisory id, merged over every file imported into
//! the same [`FeedRecords`] (one record per id, one `affected` entry per branch and package):
//! - the ecosystem is `Alpine:<distroversion>` (`Alpine:v3.20`), the package name the secdb's
//!   (the apk **origin**, which the matcher looks Alpine packages up by);
//! - a fixed version `V` gives `introduced 0, fixed V`;
//! - the version `"0"` means the package was never affected (Alpine's convention): no entry,
//!   counted in [`super::FeedStats::not_affected`];
//! - an entry may hold several ids separated by spaces (`"CVE-2018-7540 XSA-252"`): each id is
//!   its own advisory; words that are not ids are skipped and counted.
//!
//! The secdb carries no dates: `modified` is the date the caller gives.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{FeedError, FeedKind, FeedLimits, FeedRecords, is_vuln_id};
use crate::osv::{Affected, AffectedPackage, Event, OsvRecord, Range, RangeType};

#[derive(Deserialize)]
struct Secdb {
    distroversion: String,
    #[serde(default)]
    reponame: Option<String>,
    #[serde(default)]
    packages: Vec<PackageEntry>,
}

#[derive(Deserialize)]
struct PackageEntry {
    pkg: Pkg,
}

#[derive(Deserialize)]
struct Pkg {
    name: String,
    #[serde(default)]
    secfixes: BTreeMap<String, Option<Fixes>>,
}

/// A version's ids: a list as published, or (in old files) an empty map.
#[derive(Deserialize)]
#[serde(untagged)]
enum Fixes {
    List(Vec<Option<String>>),
    Other(serde_json::Value),
}

/// Whether a branch name has the published shape (`v3.20`, `edge`).
fn valid_branch(s: &str) -> bool {
    s == "edge"
        || s.strip_prefix('v').is_some_and(|v| {
            !v.is_empty()
                && v.len() <= 16
                && v.split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
}

fn parse(source_name: &str, bytes: &[u8], limits: &FeedLimits) -> Result<Secdb, FeedError> {
    let shape = |message: String| FeedError::Shape {
        feed: FeedKind::Alpine,
        source_name: source_name.to_owned(),
        message,
    };
    let lower = source_name.to_ascii_lowercase();
    if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        serde_norway::from_slice(bytes).map_err(|e| shape(e.to_string()))
    } else {
        stella_core::canonical::from_slice_strict_with(bytes, &limits.json())
            .map_err(|e| shape(e.to_string()))
    }
}

/// Imports one secdb file (JSON, or YAML when the name ends in `.yaml`/`.yml`); `date`
/// (RFC 3339) becomes each record's `modified`.
pub fn import(
    source_name: &str,
    bytes: &[u8],
    date: &str,
    limits: &FeedLimits,
    out: &mut FeedRecords,
) -> Result<(), FeedError> {
    limits.check_size("Alpine secdb", bytes.len())?;
    let db = parse(source_name, bytes, limits)?;
    if !valid_branch(&db.distroversion) {
        return Err(FeedError::Shape {
            feed: FeedKind::Alpine,
            source_name: source_name.to_owned(),
            message: format!("distroversion {:?} is not a branch", db.distroversion),
        });
    }
    out.stats_mut().documents += 1;
    let ecosystem = format!("Alpine:{}", db.distroversion);
    for entry in &db.packages {
        let name = entry.pkg.name.trim();
        if name.is_empty() {
            out.stats_mut().skip("package without a name");
            continue;
        }
        for (version, fixes) in &entry.pkg.secfixes {
            let words: Vec<&str> = match fixes {
                Some(Fixes::List(l)) => l
                    .iter()
                    .flatten()
                    .flat_map(|s| s.split_whitespace())
                    .collect(),
                Some(Fixes::Other(v)) => {
                    // Old files write `{}` for a version without ids; anything else is noted.
                    if v.as_object().is_none_or(|o| !o.is_empty()) {
                        out.stats_mut().skip("secfixes entry is not a list of ids");
                    }
                    Vec::new()
                }
                None => Vec::new(),
            };
            for word in words {
                if !is_vuln_id(word) {
                    out.stats_mut().skip("secfixes word is not an advisory id");
                    continue;
                }
                if version.trim() == "0" {
                    out.stats_mut().not_affected += 1;
                    continue;
                }
                if version.trim().is_empty() {
                    out.stats_mut().skip("empty fixed version");
                    continue;
                }
                out.stats_mut().statements += 1;
                let rec = record(word, date, &ecosystem, name, version.trim(), &db);
                out.add(rec, limits)?;
            }
        }
    }
    Ok(())
}

fn record(id: &str, date: &str, ecosystem: &str, name: &str, fixed: &str, db: &Secdb) -> OsvRecord {
    let mut specific = serde_json::Map::new();
    if let Some(r) = &db.reponame {
        specific.insert("repository".into(), serde_json::Value::String(r.clone()));
    }
    OsvRecord {
        schema_version: None,
        id: format!("ALPINE-{id}"),
        modified: date.to_owned(),
        published: None,
        withdrawn: None,
        aliases: vec![id.to_owned()],
        related: Vec::new(),
        upstream: Vec::new(),
        summary: None,
        details: None,
        severity: Vec::new(),
        affected: vec![Affected {
            package: Some(AffectedPackage {
                ecosystem: ecosystem.to_owned(),
                name: name.to_owned(),
                purl: None,
            }),
            severity: Vec::new(),
            ranges: vec![Range {
                kind: RangeType::Ecosystem,
                repo: None,
                events: vec![
                    Event::Introduced("0".to_owned()),
                    Event::Fixed(fixed.to_owned()),
                ],
                database_specific: None,
            }],
            versions: Vec::new(),
            ecosystem_specific: Some(serde_json::Value::Object(specific)),
            database_specific: None,
        }],
        references: Vec::new(),
        database_specific: Some(serde_json::json!({"source": "alpine-secdb"})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATE: &str = "2024-09-01T00:00:00Z";

    #[test]
    fn zero_is_never_affected_and_branches_merge() {
        let a = br#"{"distroversion":"v3.19","reponame":"main","packages":[
          {"pkg":{"name":"busybox","secfixes":{"1.36.1-r16":["CVE-2016-10140","CVE-2017-5595"],
           "0":["CVE-2021-42373"]}}}]}"#;
        let b = br#"{"distroversion":"v3.20","reponame":"main","packages":[
          {"pkg":{"name":"busybox","secfixes":{"1.36.1-r20":["CVE-2016-10140"]}}}]}"#;
        let mut set = FeedRecords::new();
        import("v3.19/main.json", a, DATE, &FeedLimits::default(), &mut set).unwrap();
        import("v3.20/main.json", b, DATE, &FeedLimits::default(), &mut set).unwrap();
        assert_eq!(set.stats().not_affected, 1);
        let recs = set.into_records().unwrap();
        let ids: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["ALPINE-CVE-2016-10140", "ALPINE-CVE-2017-5595"]);
        let ecos: Vec<&str> = recs[0]
            .affected
            .iter()
            .map(|a| a.package.as_ref().unwrap().ecosystem.as_str())
            .collect();
        assert_eq!(ecos, ["Alpine:v3.19", "Alpine:v3.20"]);
    }

    #[test]
    fn bad_shapes_are_typed_errors() {
        let mut set = FeedRecords::new();
        for bad in [
            &br#"{"distroversion":"3.20/../x","packages":[]}"#[..],
            br#"{"packages":[]}"#,
            br#"{"distroversion":"v3.20","distroversion":"v3.21","packages":[]}"#,
            b"[]",
        ] {
            let err = import("x.json", bad, DATE, &FeedLimits::default(), &mut set).unwrap_err();
            assert!(matches!(err, FeedError::Shape { .. }), "{err}");
        }
    }
}

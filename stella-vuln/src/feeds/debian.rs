//! The Debian Security Tracker's JSON export (`https://security-tracker.debian.org/tracker/data/json`):
//! `{source package: {issue id: {description, scope, debianbug, releases: {codename: {status,
//! repositories, fixed_version, urgency, nodsa, nodsa_reason}}}}}`.
//!
//! Mapping, one OSV record `DEBIAN-<issue>` per issue (`DEBIAN-CVE-2024-1`, as osv.dev names the
//! records it converts from the tracker), with the issue as alias when it is a CVE, and one
//! `affected` entry per (source package, release):
//! - the package is the **source** package (the tracker's keys), the ecosystem `Debian:<major>`
//!   from the release codename ([`release_number`]: `bookworm` → `Debian:12`); the matcher looks
//!   distro packages up by their source package. `sid` and codenames not in the table are
//!   skipped and counted (no OSV ecosystem names them).
//! - `resolved` with a `fixed_version`: `introduced 0, fixed <version>`; `fixed_version` `0`:
//!   never affected, no entry (counted in [`super::FeedStats::not_affected`]).
//! - `open` (the tracker's `<unfixed>`; with `nodsa`, its `<no-dsa>`: the security team will
//!   not issue an advisory, the package stays vulnerable) and `undetermined`: `introduced 0`
//!   and no fix: every version is affected.
//! - `ecosystem_specific` keeps `status`, `urgency` (`low`, `medium`, `high`, `unimportant`,
//!   `end-of-life`, `not yet assigned`, a trailing `*` or `**` as written), `nodsa` and
//!   `nodsa_reason` (`postponed`, `ignored`, …) when present.
//! - The tracker carries no dates: `modified` is the date the caller gives (when the file was
//!   fetched), so the same file and date give the same records.
//!
//! The real file also writes an issue without releases as `"releases": []` (an empty list, not
//! an object); that is read as no releases.
//!
//! ```
//! use stella_vuln::feeds::{FeedLimits, FeedRecords, debian};
//! let json = br#"{"openssl":{"CVE-2024-4741":{"description":"UAF","releases":{
//!   "bookworm":{"status":"resolved","fixed_version":"3.0.14-1~deb12u1","urgency":"not yet assigned"},
//!   "bullseye":{"status":"open","urgency":"low","nodsa":"Minor issue","nodsa_reason":"postponed"}}}}}"#;
//! let mut set = FeedRecords::new();
//! debian::import("json", json, "2024-07-01T00:00:00Z", &FeedLimits::default(), &mut set)?;
//! let recs = set.into_records()?;
//! assert_eq!(recs[0].id, "DEBIAN-CVE-2024-4741");
//! let ecos: Vec<&str> = recs[0].affected.iter().map(|a| a.package.as_ref().unwrap().ecosystem.as_str()).collect();
//! assert_eq!(ecos, ["Debian:11", "Debian:12"]);
//! # Ok::<(), stella_vuln::feeds::FeedError>(())
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{FeedError, FeedKind, FeedLimits, FeedRecords, is_vuln_id, push_affected};
use crate::osv::{Affected, AffectedPackage, Event, OsvRecord, Range, RangeType};

/// Debian's major version of a release codename, `None` for `sid`/`experimental` and unknown
/// names.
pub fn release_number(codename: &str) -> Option<u32> {
    Some(match codename {
        "wheezy" => 7,
        "jessie" => 8,
        "stretch" => 9,
        "buster" => 10,
        "bullseye" => 11,
        "bookworm" => 12,
        "trixie" => 13,
        "forky" => 14,
        "duke" => 15,
        _ => return None,
    })
}

#[derive(Deserialize)]
struct Issue {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    debianbug: Option<serde_json::Value>,
    #[serde(default)]
    releases: Releases,
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Releases {
    Map(BTreeMap<String, Release>),
    /// `[]`, as the tracker writes an issue without releases.
    List(Vec<serde_json::Value>),
    #[default]
    None,
}

#[derive(Deserialize)]
struct Release {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    fixed_version: Option<String>,
    #[serde(default)]
    urgency: Option<String>,
    #[serde(default)]
    nodsa: Option<String>,
    #[serde(default)]
    nodsa_reason: Option<String>,
}

type Tracker = BTreeMap<String, BTreeMap<String, Issue>>;

/// Imports the tracker JSON (see the module docs); `date` (RFC 3339) becomes each record's
/// `modified`. Duplicate keys anywhere in the document are refused.
pub fn import(
    source_name: &str,
    bytes: &[u8],
    date: &str,
    limits: &FeedLimits,
    out: &mut FeedRecords,
) -> Result<(), FeedError> {
    limits.check_size("Debian tracker JSON", bytes.len())?;
    let tracker: Tracker = stella_core::canonical::from_slice_strict_with(bytes, &limits.json())
        .map_err(|e| FeedError::Shape {
            feed: FeedKind::Debian,
            source_name: source_name.to_owned(),
            message: e.to_string(),
        })?;
    out.stats_mut().documents += 1;
    // issue id → record, so one issue over many packages is one record.
    let mut records: BTreeMap<String, OsvRecord> = BTreeMap::new();
    for (package, issues) in &tracker {
        if package.is_empty() {
            out.stats_mut().skip("empty source package name");
            continue;
        }
        for (issue_id, issue) in issues {
            if !is_vuln_id(issue_id) {
                out.stats_mut().skip("issue id is not a vulnerability id");
                continue;
            }
            let releases = match &issue.releases {
                Releases::Map(m) => m,
                Releases::List(l) => {
                    if !l.is_empty() {
                        out.stats_mut().skip("releases is a non-empty list");
                    }
                    continue;
                }
                Releases::None => continue,
            };
            for (codename, rel) in releases {
                let Some(major) = release_number(codename) else {
                    out.stats_mut()
                        .skip(format!("release {codename:?} has no OSV ecosystem"));
                    continue;
                };
                let status = rel.status.as_deref().unwrap_or_default();
                let fixed = rel.fixed_version.as_deref().filter(|v| !v.is_empty());
                let mut events = vec![Event::Introduced("0".to_owned())];
                match (status, fixed) {
                    ("resolved", Some("0")) => {
                        out.stats_mut().not_affected += 1;
                        continue;
                    }
                    ("resolved", Some(v)) => events.push(Event::Fixed(v.to_owned())),
                    ("resolved", None) => {
                        out.stats_mut().skip("resolved without a fixed version");
                        continue;
                    }
                    ("open" | "undetermined", _) => {}
                    _ => {
                        out.stats_mut().skip(format!("unknown status {status:?}"));
                        continue;
                    }
                }
                let mut specific = serde_json::Map::new();
                for (k, v) in [
                    ("status", Some(status)),
                    ("urgency", rel.urgency.as_deref()),
                    ("nodsa", rel.nodsa.as_deref()),
                    ("nodsa_reason", rel.nodsa_reason.as_deref()),
                ] {
                    if let Some(v) = v {
                        specific.insert(k.to_owned(), serde_json::Value::String(v.to_owned()));
                    }
                }
                let affected = Affected {
                    package: Some(AffectedPackage {
                        ecosystem: format!("Debian:{major}"),
                        name: package.clone(),
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
                    ecosystem_specific: Some(serde_json::Value::Object(specific)),
                    database_specific: None,
                };
                out.stats_mut().statements += 1;
                let rec = records
                    .entry(issue_id.clone())
                    .or_insert_with(|| new_record(issue_id, issue, date));
                push_affected(&mut rec.affected, affected);
            }
        }
    }
    for (_, mut rec) in records {
        rec.affected.sort_by(|a, b| {
            let key = |x: &Affected| {
                x.package
                    .as_ref()
                    .map(|p| (p.name.clone(), p.ecosystem.clone()))
            };
            key(a).cmp(&key(b))
        });
        out.add(rec, limits)?;
    }
    Ok(())
}

fn new_record(issue_id: &str, issue: &Issue, date: &str) -> OsvRecord {
    let mut db = serde_json::Map::new();
    db.insert(
        "source".into(),
        serde_json::Value::String("debian-security-tracker".into()),
    );
    if let Some(s) = &issue.scope {
        db.insert("scope".into(), serde_json::Value::String(s.clone()));
    }
    if let Some(b) = &issue.debianbug {
        db.insert("debianbug".into(), b.clone());
    }
    OsvRecord {
        schema_version: None,
        id: format!("DEBIAN-{issue_id}"),
        modified: date.to_owned(),
        published: None,
        withdrawn: None,
        aliases: if issue_id.starts_with("CVE-") {
            vec![issue_id.to_owned()]
        } else {
            Vec::new()
        },
        related: Vec::new(),
        upstream: Vec::new(),
        summary: None,
        details: issue.description.as_deref().map(Into::into),
        severity: Vec::new(),
        affected: Vec::new(),
        references: Vec::new(),
        database_specific: Some(serde_json::Value::Object(db)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATE: &str = "2024-07-01T00:00:00Z";

    #[test]
    fn statuses_map_to_ranges() {
        let json = br#"{"openssl":{"CVE-2024-4741":{"releases":{
          "bookworm":{"status":"resolved","fixed_version":"3.0.14-1~deb12u1"},
          "trixie":{"status":"open","urgency":"low","nodsa":"Minor issue","nodsa_reason":"postponed"},
          "sid":{"status":"resolved","fixed_version":"0"},
          "buster":{"status":"resolved","fixed_version":"0"},
          "bullseye":{"status":"undetermined"},
          "jessie":{"status":"weird"}}},
          "not-an-id":{"releases":{"bookworm":{"status":"open"}}}},
          "zlib":{"TEMP-0000000-1":{"releases":[]}}}"#;
        let mut set = FeedRecords::new();
        import("json", json, DATE, &FeedLimits::default(), &mut set).unwrap();
        let stats = set.stats().clone();
        assert_eq!(stats.statements, 3);
        assert_eq!(stats.not_affected, 1);
        assert_eq!(stats.skipped.values().sum::<u64>(), 3, "{stats:?}");
        let recs = set.into_records().unwrap();
        assert_eq!(recs.len(), 1);
        let r = &recs[0];
        assert_eq!(r.aliases, ["CVE-2024-4741"]);
        let by_eco: BTreeMap<&str, &Affected> = r
            .affected
            .iter()
            .map(|a| (a.package.as_ref().unwrap().ecosystem.as_str(), a))
            .collect();
        assert_eq!(
            by_eco["Debian:12"].ranges[0].events,
            [
                Event::Introduced("0".into()),
                Event::Fixed("3.0.14-1~deb12u1".into())
            ]
        );
        assert_eq!(
            by_eco["Debian:13"].ranges[0].events,
            [Event::Introduced("0".into())]
        );
        assert_eq!(
            by_eco["Debian:13"].ecosystem_specific.as_ref().unwrap()["nodsa_reason"],
            "postponed"
        );
        assert_eq!(
            by_eco["Debian:11"].ecosystem_specific.as_ref().unwrap()["status"],
            "undetermined"
        );
    }

    #[test]
    fn duplicate_keys_and_non_json_are_refused() {
        let mut set = FeedRecords::new();
        for bad in [
            &br#"{"a":{},"a":{}}"#[..],
            b"not json",
            br#"{"a":{"CVE-1":{"releases":{"bookworm":{"status":7}}}}}"#,
        ] {
            assert!(matches!(
                import("json", bad, DATE, &FeedLimits::default(), &mut set),
                Err(FeedError::Shape { .. })
            ));
        }
    }
}

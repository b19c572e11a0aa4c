//! The OSV record model (OSV schema 1.6/1.7) and its strict validation.
//!
//! Records are read from JSON or YAML ([`parse_record`]). YAML scalars are read as the strings
//! they are written as (never as YAML dates or floats), so `modified: 2023-11-07T20:24:23Z`
//! stays that RFC 3339 string and a version `0.10` stays `0.10`; a YAML date without a time
//! (`2021-01-01`) or with a space separator is rewritten to RFC 3339.
//!
//! Validation ([`OsvRecord::validate`]) enforces what matching relies on; an error names the
//! record id. `GIT` ranges are kept but cannot be matched against package versions: the matcher
//! counts them and never reads them as "not affected".

use arcstr::ArcStr;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use stella_core::Timestamp;

use crate::error::{OsvProblem, OsvRangeProblem, VulnError};

/// Largest OSV document accepted (bytes).
pub const MAX_RECORD_BYTES: usize = 8 * 1024 * 1024;

/// One OSV vulnerability record.
///
/// ```
/// use stella_vuln::osv::parse_record;
/// let rec = parse_record("GO-1.json", br#"{"id":"GO-1","modified":"2024-01-01T00:00:00Z",
///   "affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},
///   "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.3"}]}]}]}"#).unwrap();
/// assert_eq!(rec.id, "GO-1");
/// rec.validate("GO-1.json").unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvRecord {
    /// `schema_version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// `id`.
    pub id: String,
    /// `modified` (RFC 3339).
    pub modified: String,
    /// `published` (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// `withdrawn` (RFC 3339): a withdrawn record never matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// `aliases`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// `related`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// `upstream`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    /// `summary`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<ArcStr>,
    /// `details` (CommonMark).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<ArcStr>,
    /// `severity`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<OsvSeverity>,
    /// `affected`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<Affected>,
    /// `references`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// `database_specific`, kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

/// One `severity[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsvSeverity {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4` or `Ubuntu`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector (CVSS) or the rating (Ubuntu).
    pub score: String,
}

/// One `references[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// Reference type (`ADVISORY`, `FIX`, `WEB`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// URL.
    pub url: String,
}

/// One `affected[]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// The package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<AffectedPackage>,
    /// Per-package severity (schema 1.6).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<OsvSeverity>,
    /// Ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// `ecosystem_specific`, kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<serde_json::Value>,
    /// `database_specific`, kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

/// `affected[].package`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedPackage {
    /// Ecosystem, e.g. `PyPI`, `Debian:12`.
    pub ecosystem: String,
    /// Name as the ecosystem spells it (distros: the source package).
    pub name: String,
    /// purl, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// The type of a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RangeType {
    /// Versions under the ecosystem's ordering.
    #[serde(rename = "ECOSYSTEM")]
    Ecosystem,
    /// SemVer 2.0 versions.
    #[serde(rename = "SEMVER")]
    Semver,
    /// Git commits: cannot be compared with package versions.
    #[serde(rename = "GIT")]
    Git,
}

/// `affected[].ranges[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// Range type.
    #[serde(rename = "type")]
    pub kind: RangeType,
    /// Repository (GIT ranges).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Events, in the record's order.
    pub events: Vec<Event>,
    /// `database_specific`, kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

/// One range event (exactly one key in the OSV object).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "RawEvent")]
pub enum Event {
    /// `introduced` (`"0"` means from the start).
    Introduced(String),
    /// `fixed`.
    Fixed(String),
    /// `last_affected`.
    LastAffected(String),
    /// `limit`.
    Limit(String),
}

/// The OSV event object as written (read through this so YAML and JSON behave alike).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
    limit: Option<String>,
}

impl TryFrom<RawEvent> for Event {
    type Error = String;
    fn try_from(raw: RawEvent) -> Result<Self, String> {
        match (raw.introduced, raw.fixed, raw.last_affected, raw.limit) {
            (Some(v), None, None, None) => Ok(Self::Introduced(v)),
            (None, Some(v), None, None) => Ok(Self::Fixed(v)),
            (None, None, Some(v), None) => Ok(Self::LastAffected(v)),
            (None, None, None, Some(v)) => Ok(Self::Limit(v)),
            _ => Err(
                "an event must have exactly one of introduced, fixed, last_affected, limit"
                    .to_owned(),
            ),
        }
    }
}

impl Event {
    /// The version (or commit) the event names.
    pub fn value(&self) -> &str {
        match self {
            Self::Introduced(v) | Self::Fixed(v) | Self::LastAffected(v) | Self::Limit(v) => v,
        }
    }
}

/// Which syntax a document is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// JSON.
    Json,
    /// YAML (the PyPA advisory database).
    Yaml,
}

impl Syntax {
    /// Syntax from a file name (`.json`, `.yaml`, `.yml`); `None` for other files.
    pub fn from_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(Self::Json)
        } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Some(Self::Yaml)
        } else {
            None
        }
    }
}

/// Parses one OSV document, choosing JSON or YAML from `source_name` (JSON when unknown).
pub fn parse_record(source_name: &str, bytes: &[u8]) -> Result<OsvRecord, VulnError> {
    let syntax = Syntax::from_name(source_name).unwrap_or(Syntax::Json);
    parse_record_as(source_name, bytes, syntax)
}

/// Parses one OSV document in the given syntax.
pub fn parse_record_as(
    source_name: &str,
    bytes: &[u8],
    syntax: Syntax,
) -> Result<OsvRecord, VulnError> {
    if bytes.len() > MAX_RECORD_BYTES {
        return Err(VulnError::Limit {
            what: "OSV document size",
            limit: MAX_RECORD_BYTES as u64,
        });
    }
    let err = |parser_message: String| VulnError::OsvParse {
        source_name: source_name.to_owned(),
        parser_message,
    };
    match syntax {
        Syntax::Json => serde_json::from_slice(bytes).map_err(|e| err(e.to_string())),
        Syntax::Yaml => {
            let mut rec: OsvRecord =
                serde_norway::from_slice(bytes).map_err(|e| err(e.to_string()))?;
            rec.modified = yaml_date_to_rfc3339(&rec.modified);
            rec.published = rec.published.as_deref().map(yaml_date_to_rfc3339);
            rec.withdrawn = rec.withdrawn.as_deref().map(yaml_date_to_rfc3339);
            Ok(rec)
        }
    }
}

/// Rewrites the YAML timestamp forms that are not RFC 3339 (`2021-01-01`, `2021-01-01
/// 10:00:00`, no zone) to RFC 3339 in UTC; anything else is returned as is (and validation
/// judges it).
fn yaml_date_to_rfc3339(text: &str) -> String {
    let t = text.trim();
    let b = t.as_bytes();
    let is_date = b.len() >= 10
        && b.iter().take(10).enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !is_date {
        return t.to_owned();
    }
    if b.len() == 10 {
        return format!("{t}T00:00:00Z");
    }
    let (date, rest) = t.split_at(10);
    let rest = rest.trim_start_matches([' ', '\t', 'T', 't']);
    let has_zone =
        rest.ends_with(['Z', 'z']) || rest.get(8..).is_some_and(|z| z.contains(['+', '-']));
    let zone = if has_zone { "" } else { "Z" };
    format!("{date}T{rest}{zone}")
}

fn check_time(id: &str, source: &str, field: &'static str, value: &str) -> Result<(), VulnError> {
    Timestamp::parse_rfc3339(value)
        .map(|_| ())
        .map_err(|e| VulnError::OsvInvalid {
            id: id.to_owned(),
            source_name: source.to_owned(),
            reason: OsvProblem::BadTime {
                field,
                value: value.to_owned(),
                source: e,
            },
        })
}

impl OsvRecord {
    /// Checks the record against the OSV schema rules matching depends on; the error names the
    /// record id.
    pub fn validate(&self, source_name: &str) -> Result<(), VulnError> {
        let id = self.id.as_str();
        let bad = |reason: OsvProblem| VulnError::OsvInvalid {
            id: id.to_owned(),
            source_name: source_name.to_owned(),
            reason,
        };
        if id.is_empty()
            || id.len() > 256
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        {
            return Err(bad(OsvProblem::InvalidId { id: id.to_owned() }));
        }
        check_time(id, source_name, "modified", &self.modified)?;
        if let Some(p) = &self.published {
            check_time(id, source_name, "published", p)?;
        }
        if let Some(w) = &self.withdrawn {
            check_time(id, source_name, "withdrawn", w)?;
        }
        for s in self
            .severity
            .iter()
            .chain(self.affected.iter().flat_map(|a| &a.severity))
        {
            if !matches!(
                s.kind.as_str(),
                "CVSS_V2" | "CVSS_V3" | "CVSS_V4" | "Ubuntu"
            ) {
                return Err(bad(OsvProblem::UnknownSeverityType {
                    kind: s.kind.clone(),
                }));
            }
            if s.score.is_empty() {
                return Err(bad(OsvProblem::EmptySeverityScore));
            }
        }
        for (i, a) in self.affected.iter().enumerate() {
            if let Some(p) = &a.package {
                if p.ecosystem.is_empty() || p.name.is_empty() {
                    return Err(bad(OsvProblem::EmptyPackage { affected: i }));
                }
            } else if !a.ranges.iter().all(|r| r.kind == RangeType::Git) {
                return Err(bad(OsvProblem::RangesWithoutPackage { affected: i }));
            }
            for (j, r) in a.ranges.iter().enumerate() {
                let at = |problem: OsvRangeProblem| {
                    bad(OsvProblem::Range {
                        affected: i,
                        range: j,
                        problem,
                    })
                };
                if r.events.is_empty() {
                    return Err(at(OsvRangeProblem::NoEvents));
                }
                if !r.events.iter().any(|e| matches!(e, Event::Introduced(_))) {
                    return Err(at(OsvRangeProblem::NoIntroduced));
                }
                if r.events.iter().any(|e| e.value().is_empty()) {
                    return Err(at(OsvRangeProblem::EmptyEventVersion));
                }
                if r.kind == RangeType::Git && r.repo.as_deref().is_none_or(str::is_empty) {
                    return Err(at(OsvRangeProblem::GitWithoutRepo));
                }
                if r.kind != RangeType::Git && r.events.iter().any(|e| matches!(e, Event::Limit(_)))
                {
                    // schema: `limit` is for GIT ranges only.
                    return Err(at(OsvRangeProblem::LimitOutsideGit));
                }
            }
        }
        Ok(())
    }

    /// Every id of the vulnerability: `id` and `aliases`, sorted and de-duplicated.
    pub fn all_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = std::iter::once(self.id.clone())
            .chain(self.aliases.iter().cloned())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// Normalizes a package name for the snapshot index, per ecosystem, after trimming white space:
/// PyPI per PEP 503 ([`stella_scan::catalog::python::normalize_name`], the Python cataloger's:
/// Unicode lower case, then runs of `-_.` become `-`); npm, crates.io, Maven, Go and distros
/// as written (their names are case-sensitive or already canonical), except crates.io where
/// `-` and `_` are the same crate and lower case is canonical.
pub fn normalize_name(ecosystem: &str, name: &str) -> String {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem);
    match base {
        "PyPI" => stella_scan::catalog::python::normalize_name(name.trim()),
        "crates.io" => name.trim().to_ascii_lowercase().replace('_', "-"),
        _ => name.trim().to_owned(),
    }
}

/// Counts of what an import kept and rejected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportStats {
    /// Records kept.
    pub records: u64,
    /// Records rejected (lenient import only): source name → error message, sorted by name.
    pub rejected: BTreeMap<String, String>,
    /// Files skipped because they are not `.json`/`.yaml`/`.yml`.
    pub skipped_files: u64,
    /// Records whose id appeared before (the later one, by source name order, replaced it).
    pub duplicates: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = r#"
id: PYSEC-2099-1
modified: 2023-11-07T20:24:23.946863Z
published: 2020-08-05 14:15:00
aliases:
- CVE-2099-1
affected:
- package:
    ecosystem: PyPI
    name: Some_Package
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: 0.10
    - fixed: 1.0
  versions:
  - 0.10
  - 0.11
"#;

    #[test]
    fn yaml_scalars_stay_strings() {
        let r = parse_record("x.yaml", YAML.as_bytes()).unwrap();
        assert_eq!(r.modified, "2023-11-07T20:24:23.946863Z");
        assert_eq!(r.published.as_deref(), Some("2020-08-05T14:15:00Z"));
        assert_eq!(r.affected[0].versions, vec!["0.10", "0.11"]);
        assert_eq!(
            r.affected[0].ranges[0].events,
            vec![Event::Introduced("0.10".into()), Event::Fixed("1.0".into())]
        );
        r.validate("x.yaml").unwrap();
    }

    #[test]
    fn yaml_dates_become_rfc3339() {
        assert_eq!(yaml_date_to_rfc3339("2021-01-01"), "2021-01-01T00:00:00Z");
        assert_eq!(
            yaml_date_to_rfc3339("2021-01-01 10:00:00"),
            "2021-01-01T10:00:00Z"
        );
        assert_eq!(
            yaml_date_to_rfc3339("2021-01-01T10:00:00+02:00"),
            "2021-01-01T10:00:00+02:00"
        );
    }

    #[test]
    fn invalid_records_name_their_id() {
        let bad = br#"{"id":"GHSA-xxxx","modified":"yesterday"}"#;
        let r = parse_record("a.json", bad).unwrap();
        let e = r.validate("a.json").unwrap_err();
        assert!(
            matches!(
                &e,
                VulnError::OsvInvalid {
                    id,
                    reason: OsvProblem::BadTime {
                        field: "modified",
                        ..
                    },
                    ..
                } if id == "GHSA-xxxx"
            ),
            "{e}"
        );
        assert!(e.to_string().contains("GHSA-xxxx"), "{e}");

        let no_intro = br#"{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1.0.0"}]}]}]}"#;
        let e = parse_record("b.json", no_intro)
            .unwrap()
            .validate("b.json")
            .unwrap_err();
        assert!(
            matches!(
                &e,
                VulnError::OsvInvalid {
                    id,
                    reason: OsvProblem::Range {
                        affected: 0,
                        range: 0,
                        problem: OsvRangeProblem::NoIntroduced
                    },
                    ..
                } if id == "X-1"
            ),
            "{e}"
        );

        let git = br#"{"id":"X-2","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"GIT","events":[{"introduced":"0"}]}]}]}"#;
        assert!(matches!(
            parse_record("c.json", git).unwrap().validate("c.json"),
            Err(VulnError::OsvInvalid {
                reason: OsvProblem::Range {
                    problem: OsvRangeProblem::GitWithoutRepo,
                    ..
                },
                ..
            })
        ));
    }

    #[test]
    fn events_need_exactly_one_known_key() {
        let two = br#"{"id":"X-3","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1"}]}]}]}"#;
        assert!(parse_record("d.json", two).is_err());
        let unknown = br#"{"id":"X-4","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"broken":"0"}]}]}]}"#;
        assert!(parse_record("e.json", unknown).is_err());
    }

    #[test]
    fn names_normalize_per_ecosystem() {
        assert_eq!(
            normalize_name("PyPI", "Some_Package..Name"),
            "some-package-name"
        );
        assert_eq!(normalize_name("crates.io", "Serde_Json"), "serde-json");
        assert_eq!(normalize_name("npm", "@Scope/Pkg"), "@Scope/Pkg");
        assert_eq!(normalize_name("Debian:12", "openssl"), "openssl");
    }
}

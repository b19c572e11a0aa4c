//! Severity of a finding from its alias group: CVSS v4.0, v3.1, v3.0 and v2 base scores
//! computed from the vectors, then the advisories' own ratings, each score kept with where it
//! came from.
//!
//! ## Why the `cvss` crate
//! The scores are computed by RustSec's `cvss` crate (the crate `cargo audit` and the RustSec
//! advisory database use; maintained by the RustSec team): it implements the FIRST
//! specifications' formulas for v2.0, v3.0 and v3.1 and v4.0's macro-vector lookup table, tells
//! v3.0 from v3.1, and is tested against the FIRST calculators' values. Writing the v4.0 lookup
//! table by hand is exactly the kind of code a well-kept crate should own.
//!
//! ## Which score a finding shows (precedence)
//! The records considered are the finding's **alias group**: the records it matched plus every
//! record of the snapshot that shares an id with one of them (`id`, `aliases` or `upstream`,
//! transitively; see [`crate::snapshot`]), e.g. PYSEC-2021-108 ↔ GHSA-q2q7-5pp4-w6pg ↔ the NVD
//! record CVE-2021-33503. Withdrawn records of the group are ignored. Then, first that applies:
//! 1. a CVSS **v4.0** vector: the highest v4.0 base score of the group;
//! 2. else a CVSS **v3.1** vector: the highest v3.1 base score;
//! 3. else a CVSS **v3.0** vector: the highest v3.0 base score;
//! 4. else a CVSS **v2.0** vector: the highest v2.0 base score;
//! 5. else a **rating** without a vector: `database_specific.severity` (GitHub advisories:
//!    `LOW`, `MODERATE`, `HIGH`, `CRITICAL`; also `MEDIUM`, `IMPORTANT`, `NEGLIGIBLE` as other
//!    databases write them) or an OSV `Ubuntu` severity: the highest level;
//! 6. else `unknown` (never `none`).
//!
//! The version decides before the score (a newer scoring system's judgement is preferred, as
//! GitHub and osv.dev show it); within one version the highest score wins, as a gate should err
//! towards the more severe reading when two sources disagree (ties: the smaller record id, then
//! the smaller vector, so the choice is deterministic). The chosen score is
//! [`Severity::source`]; every other score stays in [`Severity::vectors`] and
//! [`Severity::ratings`], each with its record, feed and (for vectors) CVSS version, so a policy
//! can apply its own precedence.
//!
//! ## Feeds
//! [`feed_of`] names the database a record comes from: records imported from NVD
//! ([`crate::nvd`]) say so in their `database_specific.nvd`; other records by the OSV id prefix
//! each database uses (`GHSA-` → `ghsa`, `PYSEC-` → `pypa`, `GO-` → `go`, …, else `osv`).

use std::str::FromStr;

use arcstr::ArcStr;
use serde::{Deserialize, Serialize};

use crate::error::VulnError;
use crate::osv::OsvRecord;

/// A severity level (CVSS qualitative rating scale, plus `unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// No rating could be determined.
    Unknown,
    /// 0.0.
    None,
    /// 0.1–3.9.
    Low,
    /// 4.0–6.9.
    Medium,
    /// 7.0–8.9.
    High,
    /// 9.0–10.0.
    Critical,
}

impl Level {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::None => "none",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    /// The rating of a CVSS score.
    pub fn from_score(score: f64) -> Self {
        if score >= 9.0 {
            Self::Critical
        } else if score >= 7.0 {
            Self::High
        } else if score >= 4.0 {
            Self::Medium
        } else if score > 0.0 {
            Self::Low
        } else {
            Self::None
        }
    }

    /// The level of a rating word as advisories write it (`CRITICAL`, `HIGH`/`IMPORTANT`,
    /// `MODERATE`/`MEDIUM`, `LOW`/`NEGLIGIBLE`; any case); `None` for other words.
    pub fn from_rating(text: &str) -> Option<Self> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "critical" => Self::Critical,
            "high" | "important" => Self::High,
            "moderate" | "medium" => Self::Medium,
            "low" | "negligible" => Self::Low,
            _ => return None,
        })
    }
}

/// A CVSS version, in precedence order (a later variant wins, see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CvssVersion {
    /// CVSS v2.0 (vectors without a `CVSS:` prefix).
    #[serde(rename = "2.0")]
    V2_0,
    /// CVSS v3.0.
    #[serde(rename = "3.0")]
    V3_0,
    /// CVSS v3.1.
    #[serde(rename = "3.1")]
    V3_1,
    /// CVSS v4.0.
    #[serde(rename = "4.0")]
    V4_0,
}

impl CvssVersion {
    /// `2.0`, `3.0`, `3.1` or `4.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2_0 => "2.0",
            Self::V3_0 => "3.0",
            Self::V3_1 => "3.1",
            Self::V4_0 => "4.0",
        }
    }
}

/// One CVSS vector of the group with its computed base score and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredVector {
    /// OSV severity type as the record gives it (`CVSS_V2`, `CVSS_V3`, `CVSS_V4`).
    pub kind: ArcStr,
    /// The vector as the record gives it.
    pub vector: ArcStr,
    /// The computed base score.
    pub score: f64,
    /// The record that carried it.
    pub source: ArcStr,
    /// The CVSS version the vector parsed as (`2.0`, `3.0`, `3.1`, `4.0`); always set by
    /// [`assess`] (absent only in findings documents written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<CvssVersion>,
    /// The feed of the record ([`feed_of`]: `ghsa`, `pypa`, `go`, `nvd`, …); empty only in
    /// findings documents written before it was recorded.
    #[serde(default)]
    pub feed: ArcStr,
}

/// A rating without a vector: an advisory's `database_specific.severity` or an OSV `Ubuntu`
/// severity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// Where the record writes it: `database_specific.severity` or `Ubuntu`.
    pub kind: ArcStr,
    /// The rating as written (`MODERATE`).
    pub rating: ArcStr,
    /// Its level.
    pub level: Level,
    /// The record that carried it.
    pub source: ArcStr,
    /// The feed of the record ([`feed_of`]).
    pub feed: ArcStr,
}

/// What decided a finding's level: the chosen CVSS vector or rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeveritySource {
    /// The record that carried it.
    pub record: ArcStr,
    /// The feed of the record ([`feed_of`]).
    pub feed: ArcStr,
    /// The CVSS version, when a vector decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<CvssVersion>,
    /// The vector, when a vector decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector: Option<ArcStr>,
    /// The rating as written, when a rating decided (`database_specific.severity` or `Ubuntu`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<ArcStr>,
}

/// The severity of a finding.
///
/// ```
/// use stella_vuln::osv::parse_record;
/// use stella_vuln::severity::{CvssVersion, Level, assess};
/// let ghsa = parse_record("g.json", br#"{"id":"GHSA-1","modified":"2024-01-01T00:00:00Z",
///   "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
///   "database_specific":{"severity":"HIGH"}}"#).unwrap();
/// let (s, errors) = assess(&[&ghsa]);
/// assert!(errors.is_empty());
/// assert_eq!((s.level, s.score), (Level::High, Some(7.5)));
/// let source = s.source.unwrap();
/// assert_eq!((source.record.as_str(), source.feed.as_str()), ("GHSA-1", "ghsa"));
/// assert_eq!(source.version, Some(CvssVersion::V3_1));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Severity {
    /// The level.
    pub level: Level,
    /// The chosen base score (see the module docs), when a CVSS vector was present.
    pub score: Option<f64>,
    /// Every CVSS vector of the group, sorted by (kind, vector, source).
    pub vectors: Vec<ScoredVector>,
    /// Every rating without a vector of the group, sorted by (source, kind, rating).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ratings: Vec<Rating>,
    /// What decided the level; `None` when it is `unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SeveritySource>,
}

/// Parses a CVSS vector (`CVSS:3.1/…`, `CVSS:4.0/…`, or a v2 vector without prefix) and
/// computes its base score.
///
/// ```
/// use stella_vuln::severity::{CvssVersion, score_vector};
/// assert_eq!(score_vector("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap(), (CvssVersion::V2_0, 7.5));
/// ```
pub fn score_vector(vector: &str) -> Result<(CvssVersion, f64), VulnError> {
    let v = vector.trim();
    let parsed = if v.starts_with("CVSS:") {
        cvss::Cvss::from_str(v)
    } else {
        cvss::v2::Vector::from_str(v).map(cvss::Cvss::CvssV20)
    };
    let parsed = parsed.map_err(|e| VulnError::Cvss {
        vector: vector.to_owned(),
        source: e,
    })?;
    let version = match &parsed {
        cvss::Cvss::CvssV20(_) => CvssVersion::V2_0,
        cvss::Cvss::CvssV30(_) => CvssVersion::V3_0,
        cvss::Cvss::CvssV31(_) => CvssVersion::V3_1,
        cvss::Cvss::CvssV40(_) => CvssVersion::V4_0,
        // `Cvss` is non-exhaustive: a version a later crate release adds is not ranked here.
        _ => {
            return Err(VulnError::Cvss {
                vector: vector.to_owned(),
                source: cvss::Error::UnsupportedVersion {
                    version: v.split('/').next().unwrap_or(v).to_owned(),
                },
            });
        }
    };
    Ok((version, parsed.score()))
}

/// Computes the base score of a CVSS vector (`CVSS:3.1/…`, `CVSS:4.0/…`, or a v2 vector).
///
/// ```
/// use stella_vuln::severity::base_score;
/// assert_eq!(base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap(), 9.8);
/// ```
pub fn base_score(vector: &str) -> Result<f64, VulnError> {
    score_vector(vector).map(|(_, score)| score)
}

/// The feed (database) a record comes from: `nvd` for records imported from NVD CVE data
/// (their `database_specific.nvd`), else by the OSV id prefix of each database: `GHSA-` →
/// `ghsa`, `PYSEC-` → `pypa`, `GO-` → `go`, `RUSTSEC-` → `rustsec`, `DSA-`/`DLA-`/`DTSA-`/
/// `DEBIAN-` → `debian`, `UBUNTU-`/`USN-` → `ubuntu`, `ALPINE-` → `alpine`, `RHSA-`/`RHBA-`/
/// `RHEA-` → `redhat`, `ALSA-`/`ALBA-`/`ALEA-` → `almalinux`, `RLSA-` → `rocky`, `SUSE-`/
/// `openSUSE-` → `suse`, `CGA-` → `chainguard`, `MAL-` → `malicious-packages`, `PSF-` → `psf`,
/// `BIT-` → `bitnami`, `CVE-` → `nvd`; anything else `osv`.
pub fn feed_of(record: &OsvRecord) -> &'static str {
    if record
        .database_specific
        .as_ref()
        .and_then(|d| d.get(crate::nvd::NVD_MARKER))
        .is_some()
    {
        return "nvd";
    }
    const PREFIXES: &[(&str, &str)] = &[
        ("GHSA-", "ghsa"),
        ("PYSEC-", "pypa"),
        ("GO-", "go"),
        ("RUSTSEC-", "rustsec"),
        ("DSA-", "debian"),
        ("DLA-", "debian"),
        ("DTSA-", "debian"),
        ("DEBIAN-", "debian"),
        ("UBUNTU-", "ubuntu"),
        ("USN-", "ubuntu"),
        ("ALPINE-", "alpine"),
        ("RHSA-", "redhat"),
        ("RHBA-", "redhat"),
        ("RHEA-", "redhat"),
        ("ALSA-", "almalinux"),
        ("ALBA-", "almalinux"),
        ("ALEA-", "almalinux"),
        ("RLSA-", "rocky"),
        ("SUSE-", "suse"),
        ("openSUSE-", "suse"),
        ("CGA-", "chainguard"),
        ("MAL-", "malicious-packages"),
        ("PSF-", "psf"),
        ("BIT-", "bitnami"),
        ("CVE-", "nvd"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| record.id.starts_with(prefix))
        .map_or("osv", |(_, feed)| feed)
}

/// The severity of an alias group (see the module docs for the precedence). Withdrawn records
/// are skipped. Vectors that do not parse are skipped and their errors returned beside the
/// result so callers can report them.
pub fn assess(records: &[&OsvRecord]) -> (Severity, Vec<VulnError>) {
    let mut vectors = Vec::new();
    let mut ratings = Vec::new();
    let mut errors = Vec::new();
    for rec in records.iter().filter(|r| r.withdrawn.is_none()) {
        let source = ArcStr::from(rec.id.as_str());
        let feed = ArcStr::from(feed_of(rec));
        let entries = rec
            .severity
            .iter()
            .chain(rec.affected.iter().flat_map(|a| &a.severity));
        for s in entries {
            match s.kind.as_str() {
                "CVSS_V2" | "CVSS_V3" | "CVSS_V4" => match score_vector(&s.score) {
                    Ok((version, score)) => vectors.push(ScoredVector {
                        kind: ArcStr::from(s.kind.as_str()),
                        vector: ArcStr::from(s.score.as_str()),
                        score,
                        source: source.clone(),
                        version: Some(version),
                        feed: feed.clone(),
                    }),
                    Err(e) => errors.push(e),
                },
                "Ubuntu" => {
                    if let Some(level) = Level::from_rating(&s.score) {
                        ratings.push(Rating {
                            kind: arcstr::literal!("Ubuntu"),
                            rating: ArcStr::from(s.score.as_str()),
                            level,
                            source: source.clone(),
                            feed: feed.clone(),
                        });
                    }
                }
                _ => {}
            }
        }
        let db_rating = rec
            .database_specific
            .as_ref()
            .and_then(|d| d.get("severity"))
            .and_then(|s| s.as_str());
        if let Some((text, level)) = db_rating.and_then(|t| Some((t, Level::from_rating(t)?))) {
            ratings.push(Rating {
                kind: arcstr::literal!("database_specific.severity"),
                rating: ArcStr::from(text),
                level,
                source: source.clone(),
                feed: feed.clone(),
            });
        }
    }
    vectors.sort_by(|a, b| (&a.kind, &a.vector, &a.source).cmp(&(&b.kind, &b.vector, &b.source)));
    vectors.dedup_by(|a, b| a.kind == b.kind && a.vector == b.vector && a.source == b.source);
    ratings.sort_by(|a, b| (&a.source, &a.kind, &a.rating).cmp(&(&b.source, &b.kind, &b.rating)));
    ratings.dedup();
    // The newest CVSS version present, its highest score; ties: smaller record id, then vector.
    let best_vector = vectors.iter().max_by(|a, b| {
        a.version
            .cmp(&b.version)
            .then(a.score.total_cmp(&b.score))
            .then_with(|| b.source.cmp(&a.source))
            .then_with(|| b.vector.cmp(&a.vector))
    });
    let best_rating = ratings.iter().max_by(|a, b| {
        a.level
            .cmp(&b.level)
            .then_with(|| b.source.cmp(&a.source))
            .then_with(|| b.kind.cmp(&a.kind))
    });
    let (level, score, source) = match (best_vector, best_rating) {
        (Some(v), _) => (
            Level::from_score(v.score),
            Some(v.score),
            Some(SeveritySource {
                record: v.source.clone(),
                feed: v.feed.clone(),
                version: v.version,
                vector: Some(v.vector.clone()),
                rating: None,
            }),
        ),
        (None, Some(r)) => (
            r.level,
            None,
            Some(SeveritySource {
                record: r.source.clone(),
                feed: r.feed.clone(),
                version: None,
                vector: None,
                rating: Some(r.rating.clone()),
            }),
        ),
        (None, None) => (Level::Unknown, None, None),
    };
    (
        Severity {
            level,
            score,
            vectors,
            ratings,
            source,
        },
        errors,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::parse_record;

    #[test]
    fn cvss_v3_spec_examples() {
        // CVSS v3.1 specification, section 7 examples and the calculator's reference vectors.
        let cases = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1), // CVE-2013-1937 (XSS)
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
            ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6),
        ];
        for (v, want) in cases {
            assert_eq!(base_score(v).unwrap(), want, "{v}");
        }
    }

    #[test]
    fn cvss_v4_examples() {
        // FIRST CVSS v4.0 calculator reference values.
        let cases = [
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
                10.0,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
                0.0,
            ),
        ];
        for (v, want) in cases {
            assert_eq!(base_score(v).unwrap(), want, "{v}");
        }
    }

    #[test]
    fn v2_and_bad_vectors() {
        assert_eq!(base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P").unwrap(), 7.5);
        assert!(matches!(
            base_score("CVSS:3.1/AV:X"),
            Err(VulnError::Cvss { .. })
        ));
    }

    #[test]
    fn versions_decide_before_scores_then_ratings() {
        // v4.0 beats a higher v3.1 score (the module's precedence).
        let a = parse_record("a.json", br#"{"id":"A","modified":"2024-01-01T00:00:00Z","severity":[
            {"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:L"},
            {"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}]}"#).unwrap();
        let (s, errs) = assess(&[&a]);
        assert!(errs.is_empty());
        assert_eq!(s.score, Some(2.3));
        assert_eq!(s.level, Level::Low);
        assert_eq!(s.vectors.len(), 2);
        assert_eq!(s.source.as_ref().unwrap().version, Some(CvssVersion::V4_0));
        // v3.1 beats v3.0, which beats v2.0, whatever the scores.
        let b = parse_record(
            "b.json",
            br#"{"id":"B","modified":"2024-01-01T00:00:00Z","severity":[
            {"type":"CVSS_V2","score":"AV:N/AC:L/Au:N/C:C/I:C/A:C"},
            {"type":"CVSS_V3","score":"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
            {"type":"CVSS_V3","score":"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"}]}"#,
        )
        .unwrap();
        let (s, _) = assess(&[&b]);
        assert_eq!((s.level, s.score), (Level::Low, Some(1.6)));
        let c = parse_record(
            "c.json",
            br#"{"id":"C","modified":"2024-01-01T00:00:00Z","severity":[
            {"type":"CVSS_V2","score":"AV:N/AC:L/Au:N/C:C/I:C/A:C"},
            {"type":"CVSS_V3","score":"CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}]}"#,
        )
        .unwrap();
        let (s, _) = assess(&[&c]);
        assert_eq!(s.score, Some(7.8));
        assert_eq!(s.source.unwrap().version, Some(CvssVersion::V3_0));
        // Only a rating.
        let d = parse_record("d.json", br#"{"id":"GHSA-d","modified":"2024-01-01T00:00:00Z","database_specific":{"severity":"MODERATE"}}"#).unwrap();
        let (s, _) = assess(&[&d]);
        assert_eq!((s.level, s.score), (Level::Medium, None));
        let src = s.source.unwrap();
        assert_eq!(
            (
                src.record.as_str(),
                src.feed.as_str(),
                src.rating.as_deref()
            ),
            ("GHSA-d", "ghsa", Some("MODERATE"))
        );
        // A vector anywhere in the group beats every rating.
        let (s, _) = assess(&[&d, &b]);
        assert_eq!(s.level, Level::Low);
        assert_eq!(s.ratings.len(), 1);
        // Nothing.
        let e = parse_record("e.json", br#"{"id":"E","modified":"2024-01-01T00:00:00Z"}"#).unwrap();
        let (s, _) = assess(&[&e]);
        assert_eq!((s.level, s.source), (Level::Unknown, None));
    }

    #[test]
    fn within_a_version_the_highest_score_wins_and_ties_are_deterministic() {
        let low = parse_record(
            "l.json",
            br#"{"id":"GHSA-b","modified":"2024-01-01T00:00:00Z","severity":[
            {"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:H/UI:R/S:U/C:N/I:L/A:N"}]}"#,
        )
        .unwrap();
        let high = parse_record(
            "h.json",
            br#"{"id":"PYSEC-a","modified":"2024-01-01T00:00:00Z","severity":[
            {"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}]}"#,
        )
        .unwrap();
        let twin = parse_record(
            "t.json",
            br#"{"id":"GHSA-a","modified":"2024-01-01T00:00:00Z","severity":[
            {"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}]}"#,
        )
        .unwrap();
        for order in [
            [&low, &high, &twin],
            [&twin, &high, &low],
            [&high, &twin, &low],
        ] {
            let (s, _) = assess(&order);
            assert_eq!(s.score, Some(7.5));
            assert_eq!(s.source.as_ref().unwrap().record, "GHSA-a");
            assert_eq!(s.vectors.len(), 3);
        }
        // Withdrawn records do not count.
        let mut gone = high.clone();
        gone.withdrawn = Some("2024-02-01T00:00:00Z".into());
        let (s, _) = assess(&[&low, &gone]);
        assert_eq!(s.score, Some(2.4));
    }

    #[test]
    fn feeds_by_prefix_and_nvd_marker() {
        let rec = |id: &str| {
            parse_record(
                "x.json",
                format!(r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z"}}"#).as_bytes(),
            )
            .unwrap()
        };
        for (id, feed) in [
            ("GHSA-x", "ghsa"),
            ("PYSEC-1", "pypa"),
            ("GO-2024-1", "go"),
            ("DSA-1", "debian"),
            ("CVE-1", "nvd"),
            ("STELLA-1", "osv"),
        ] {
            assert_eq!(feed_of(&rec(id)), feed, "{id}");
        }
        let nvd = parse_record(
            "n.json",
            br#"{"id":"X-1","modified":"2024-01-01T00:00:00Z","database_specific":{"nvd":{}}}"#,
        )
        .unwrap();
        assert_eq!(feed_of(&nvd), "nvd");
    }
}

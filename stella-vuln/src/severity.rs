//! Severity from OSV `severity` fields: CVSS v2, v3.0, v3.1 and v4.0 base scores computed from
//! the vectors (the `cvss` crate of RustSec implements the FIRST specifications' formulas,
//! including v4.0's macro-vector lookup), the vectors kept as given.
//!
//! ## Which score a finding shows
//! The highest CVSS v3.x base score among the merged records' vectors; without v3, the highest
//! v4.0; without either, the highest v2. Without any CVSS, a `database_specific.severity`
//! rating (as GitHub advisories carry: `LOW`, `MODERATE`, `HIGH`, `CRITICAL`) or an `Ubuntu`
//! rating gives the level alone; otherwise the level is `unknown` (never `none`).

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

    fn from_rating(text: &str) -> Option<Self> {
        Some(match text.to_ascii_lowercase().as_str() {
            "critical" => Self::Critical,
            "high" | "important" => Self::High,
            "moderate" | "medium" => Self::Medium,
            "low" | "negligible" => Self::Low,
            _ => return None,
        })
    }
}

/// One CVSS vector with its computed base score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredVector {
    /// OSV severity type (`CVSS_V3`, `CVSS_V4`, `CVSS_V2`).
    pub kind: ArcStr,
    /// The vector as the record gives it.
    pub vector: ArcStr,
    /// The computed base score.
    pub score: f64,
    /// The record that carried it.
    pub source: ArcStr,
}

/// The severity of a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Severity {
    /// The level.
    pub level: Level,
    /// The chosen base score (see the module docs), when a CVSS vector was present.
    pub score: Option<f64>,
    /// Every CVSS vector of the merged records, sorted by (kind, vector, source).
    pub vectors: Vec<ScoredVector>,
}

/// Computes the base score of a CVSS vector (`CVSS:3.1/…`, `CVSS:4.0/…`, or a v2 vector).
///
/// ```
/// use stella_vuln::severity::base_score;
/// assert_eq!(base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap(), 9.8);
/// ```
pub fn base_score(vector: &str) -> Result<f64, VulnError> {
    let v = vector.trim();
    let parsed = if v.starts_with("CVSS:") {
        cvss::Cvss::from_str(v)
    } else {
        cvss::v2::Vector::from_str(v).map(cvss::Cvss::CvssV20)
    };
    parsed.map(|c| c.score()).map_err(|e| VulnError::Cvss {
        vector: vector.to_owned(),
        source: e,
    })
}

/// The severity of a set of merged records. Vectors that do not parse are skipped and their
/// errors returned beside the result so callers can report them.
pub fn assess(records: &[&OsvRecord]) -> (Severity, Vec<VulnError>) {
    let mut vectors = Vec::new();
    let mut errors = Vec::new();
    let mut rating: Option<Level> = None;
    for rec in records {
        let entries = rec
            .severity
            .iter()
            .chain(rec.affected.iter().flat_map(|a| &a.severity));
        for s in entries {
            match s.kind.as_str() {
                "CVSS_V2" | "CVSS_V3" | "CVSS_V4" => match base_score(&s.score) {
                    Ok(score) => vectors.push(ScoredVector {
                        kind: ArcStr::from(s.kind.as_str()),
                        vector: ArcStr::from(s.score.as_str()),
                        score,
                        source: ArcStr::from(rec.id.as_str()),
                    }),
                    Err(e) => errors.push(e),
                },
                "Ubuntu" => rating = rating.max(Level::from_rating(&s.score)),
                _ => {}
            }
        }
        let db_rating = rec
            .database_specific
            .as_ref()
            .and_then(|d| d.get("severity"))
            .and_then(|s| s.as_str())
            .and_then(Level::from_rating);
        rating = rating.max(db_rating);
    }
    vectors.sort_by(|a, b| (&a.kind, &a.vector, &a.source).cmp(&(&b.kind, &b.vector, &b.source)));
    vectors.dedup_by(|a, b| a.kind == b.kind && a.vector == b.vector && a.source == b.source);
    let best = |kind: &str| {
        vectors
            .iter()
            .filter(|v| v.kind == kind)
            .map(|v| v.score)
            .fold(None, |acc: Option<f64>, s| {
                Some(acc.map_or(s, |a| a.max(s)))
            })
    };
    let score = best("CVSS_V3")
        .or_else(|| best("CVSS_V4"))
        .or_else(|| best("CVSS_V2"));
    let level = match score {
        Some(s) => Level::from_score(s),
        None => rating.unwrap_or(Level::Unknown),
    };
    (
        Severity {
            level,
            score,
            vectors,
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
    fn v3_preferred_then_rating() {
        let a = parse_record("a.json", br#"{"id":"A","modified":"2024-01-01T00:00:00Z","severity":[
            {"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"},
            {"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}]}"#).unwrap();
        let (s, errs) = assess(&[&a]);
        assert!(errs.is_empty());
        assert_eq!(s.score, Some(7.5));
        assert_eq!(s.level, Level::High);
        assert_eq!(s.vectors.len(), 2);
        let b = parse_record("b.json", br#"{"id":"B","modified":"2024-01-01T00:00:00Z","database_specific":{"severity":"MODERATE"}}"#).unwrap();
        let (s, _) = assess(&[&b]);
        assert_eq!((s.level, s.score), (Level::Medium, None));
        let c = parse_record("c.json", br#"{"id":"C","modified":"2024-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!(assess(&[&c]).0.level, Level::Unknown);
    }
}

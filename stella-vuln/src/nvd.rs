//! NVD CVE records as a severity source: the NVD CVE API 2.0 JSON and its feed files, read
//! into OSV-shaped records that join the alias groups of the snapshot by their CVE id.
//!
//! The Go vulnerability database and the Debian tracker carry no CVSS, and PyPA records rarely
//! do; grype and trivy fall back on NVD's scores for such CVEs, and so does Stella: a record
//! made from an NVD CVE has the CVE id as its `id`, no `affected` entries (it never matches a
//! package by itself: CPE matching is not done here) and the CVSS vectors of the CVE in its
//! `severity`, so the matcher's alias group of a `GO-…`/`PYSEC-…` record aliasing that CVE
//! takes its score from NVD when no other record of the group has one (see
//! [`crate::severity`]).
//!
//! ## Input
//! [`parse_nvd`] reads, by shape (the first that applies):
//! - an API 2.0 response or a 2.0 feed file (`nvdcve-2.0-<year>.json`, once decompressed): an
//!   object with `vulnerabilities: [{"cve": {…}}, …]`; its `format`, when present, must be
//!   `NVD_CVE`;
//! - one `{"cve": {…}}` item;
//! - one bare `cve` object (as mirrors such as fkie-cad/nvd-json-data-feeds store them).
//!
//! What is read of a CVE: `id`, `published`, `lastModified` (NVD writes them without a zone:
//! UTC, `Z` is appended), `vulnStatus` (`Rejected` → the record is withdrawn), `descriptions`
//! (the English one becomes `details`), `metrics.cvssMetricV40`, `cvssMetricV31`,
//! `cvssMetricV30`, `cvssMetricV2` (each vector, whatever its Primary/Secondary source),
//! `weaknesses` (CWE ids), `configurations` (CPE match criteria with their version bounds) and
//! `references`. Other fields are ignored; a field given twice is an error.
//!
//! ## The record made ([`NvdCve::to_osv`])
//! `severity`: one entry per distinct vector (`CVSS_V4`, `CVSS_V3` for 3.0 and 3.1, `CVSS_V2`);
//! `references`: the URLs (deduplicated; `Patch` → `FIX`, `Vendor Advisory`/`Third Party
//! Advisory` → `ADVISORY`, `Exploit` → `EVIDENCE`, `Issue Tracking` → `REPORT`, else `WEB`);
//! `database_specific.nvd` ([`NVD_MARKER`]): `{source, vulnStatus, cwes, metrics, configurations}`
//! where `metrics` keeps every metric with its `source` (the CNA or `nvd@nist.gov`), `type`
//! (`Primary`/`Secondary`), vector and NVD's own `baseScore`; this key is also how
//! [`crate::severity::feed_of`] knows the record came from NVD.
//!
//! ## Limits
//! A document is at most [`MAX_NVD_BYTES`]; a CVE id must look like `CVE-<year>-<digits>`.
//! The parser builds typed values only for the fields above (no untyped JSON tree of the whole
//! file), so memory follows what is kept.
//!
//! ```
//! use stella_vuln::nvd::parse_nvd;
//! let doc = br#"{"format":"NVD_CVE","version":"2.0","vulnerabilities":[{"cve":{
//!   "id":"CVE-2024-0001","published":"2024-01-01T00:00:00.000","lastModified":"2024-01-02T00:00:00.000",
//!   "vulnStatus":"Analyzed","descriptions":[{"lang":"en","value":"A bug."}],
//!   "metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{
//!     "version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H","baseScore":7.5}}]}}}]}"#;
//! let cves = parse_nvd("page-0.json", doc).unwrap();
//! let rec = cves[0].to_osv("page-0.json").unwrap();
//! assert_eq!(rec.id, "CVE-2024-0001");
//! assert_eq!(rec.modified, "2024-01-02T00:00:00.000Z");
//! assert_eq!(rec.severity[0].score, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H");
//! assert_eq!(stella_vuln::severity::feed_of(&rec), "nvd");
//! ```

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::VulnError;
use crate::osv::{OsvRecord, OsvSeverity, Reference};

/// The `database_specific` key of records made from NVD CVEs.
pub const NVD_MARKER: &str = "nvd";

/// Largest NVD document accepted (bytes): a year's 2.0 feed file, decompressed, is a few
/// hundred MiB.
pub const MAX_NVD_BYTES: usize = 1 << 30;

/// Why an NVD document or CVE was refused ([`VulnError::Nvd`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NvdProblem {
    /// The bytes are not JSON of an NVD shape (serde_json's message, for people).
    #[error("cannot parse: {parser_message}")]
    Parse {
        /// The parser's message.
        parser_message: String,
    },
    /// The document has none of the NVD shapes (no `vulnerabilities`, `cve` or `id`).
    #[error("not an NVD CVE document (no vulnerabilities, cve or id)")]
    NotNvd,
    /// The document's `format` is not `NVD_CVE`.
    #[error("format {format:?} is not NVD_CVE")]
    WrongFormat {
        /// The `format` given.
        format: String,
    },
    /// A CVE id that is not `CVE-<year>-<digits>`.
    #[error("CVE id {id:?} is not CVE-<year>-<digits>")]
    BadId {
        /// The id given.
        id: String,
    },
    /// A CVE without `lastModified` (the record's `modified`).
    #[error("{id}: no lastModified")]
    NoLastModified {
        /// The CVE id.
        id: String,
    },
}

fn nvd_err(source_name: &str, reason: NvdProblem) -> VulnError {
    VulnError::Nvd {
        source_name: source_name.to_owned(),
        reason,
    }
}

/// A `{lang, value}` text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LangString {
    /// Language (`en`).
    pub lang: String,
    /// The text.
    pub value: String,
}

/// The `cvssData` of a metric (only what is kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CvssData {
    /// `version` (`2.0`, `3.0`, `3.1`, `4.0`).
    #[serde(default)]
    pub version: Option<String>,
    /// `vectorString`.
    pub vector_string: String,
    /// NVD's `baseScore`.
    #[serde(default)]
    pub base_score: Option<f64>,
}

/// One CVSS metric of a CVE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metric {
    /// Who scored it (`nvd@nist.gov` or the CNA).
    #[serde(default)]
    pub source: Option<String>,
    /// `Primary` or `Secondary`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The vector and score.
    pub cvss_data: CvssData,
}

/// `metrics` of a CVE.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// `cvssMetricV40`.
    #[serde(rename = "cvssMetricV40", default)]
    pub v40: Vec<Metric>,
    /// `cvssMetricV31`.
    #[serde(rename = "cvssMetricV31", default)]
    pub v31: Vec<Metric>,
    /// `cvssMetricV30`.
    #[serde(rename = "cvssMetricV30", default)]
    pub v30: Vec<Metric>,
    /// `cvssMetricV2`.
    #[serde(rename = "cvssMetricV2", default)]
    pub v2: Vec<Metric>,
}

/// One `weaknesses[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weakness {
    /// Who assigned it.
    #[serde(default)]
    pub source: Option<String>,
    /// `Primary` or `Secondary`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The CWE ids (`CWE-770`, `NVD-CWE-Other`, `NVD-CWE-noinfo`).
    #[serde(default)]
    pub description: Vec<LangString>,
}

/// One CPE match criterion of a configuration node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CpeMatch {
    /// Whether the CPE is vulnerable (or only a platform condition).
    pub vulnerable: bool,
    /// The CPE 2.3 name.
    pub criteria: String,
    /// `versionStartIncluding`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_start_including: Option<String>,
    /// `versionStartExcluding`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_start_excluding: Option<String>,
    /// `versionEndIncluding`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_end_including: Option<String>,
    /// `versionEndExcluding`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_end_excluding: Option<String>,
}

/// One configuration node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// `AND` or `OR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Whether the node is negated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negate: Option<bool>,
    /// The criteria.
    #[serde(default)]
    pub cpe_match: Vec<CpeMatch>,
}

/// One `configurations[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configuration {
    /// `AND` or `OR` between the nodes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Whether the configuration is negated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negate: Option<bool>,
    /// The nodes.
    #[serde(default)]
    pub nodes: Vec<Node>,
}

/// One `references[]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NvdReference {
    /// The URL.
    pub url: String,
    /// Who added it.
    #[serde(default)]
    pub source: Option<String>,
    /// NVD's tags (`Patch`, `Vendor Advisory`, …).
    #[serde(default)]
    pub tags: Vec<String>,
}

/// One NVD CVE (the fields read; see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NvdCve {
    /// `CVE-YYYY-NNNN`.
    pub id: String,
    /// The CNA that published it.
    #[serde(default)]
    pub source_identifier: Option<String>,
    /// `published` as NVD writes it.
    #[serde(default)]
    pub published: Option<String>,
    /// `lastModified` as NVD writes it.
    #[serde(default)]
    pub last_modified: Option<String>,
    /// `vulnStatus` (`Analyzed`, `Modified`, `Awaiting Analysis`, `Rejected`, …).
    #[serde(default)]
    pub vuln_status: Option<String>,
    /// `descriptions`.
    #[serde(default)]
    pub descriptions: Vec<LangString>,
    /// `metrics`.
    #[serde(default)]
    pub metrics: Metrics,
    /// `weaknesses`.
    #[serde(default)]
    pub weaknesses: Vec<Weakness>,
    /// `configurations`.
    #[serde(default)]
    pub configurations: Vec<Configuration>,
    /// `references`.
    #[serde(default)]
    pub references: Vec<NvdReference>,
}

#[derive(Deserialize)]
struct Item {
    cve: NvdCve,
}

/// The top level of any of the accepted shapes; `id` only tells a bare CVE apart.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    vulnerabilities: Option<Vec<Item>>,
    #[serde(default)]
    cve: Option<NvdCve>,
    #[serde(default)]
    id: Option<serde::de::IgnoredAny>,
}

/// The document itself, or its gzip-decompressed content when it starts with the gzip magic
/// (the NVD feed files are published as `.json.gz`), bounded by [`MAX_NVD_BYTES`].
pub fn gunzip_if_needed<'a>(
    source_name: &str,
    bytes: &'a [u8],
) -> Result<std::borrow::Cow<'a, [u8]>, VulnError> {
    use std::io::Read;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(MAX_NVD_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            nvd_err(
                source_name,
                NvdProblem::Parse {
                    parser_message: format!("gzip: {e}"),
                },
            )
        })?;
    if out.len() > MAX_NVD_BYTES {
        return Err(VulnError::Limit {
            what: "NVD document size",
            limit: MAX_NVD_BYTES as u64,
        });
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// Parses an NVD document (see the module docs for the shapes), in the document's order.
pub fn parse_nvd(source_name: &str, bytes: &[u8]) -> Result<Vec<NvdCve>, VulnError> {
    if bytes.len() > MAX_NVD_BYTES {
        return Err(VulnError::Limit {
            what: "NVD document size",
            limit: MAX_NVD_BYTES as u64,
        });
    }
    let parse = |e: serde_json::Error| {
        nvd_err(
            source_name,
            NvdProblem::Parse {
                parser_message: e.to_string(),
            },
        )
    };
    let env: Envelope = serde_json::from_slice(bytes).map_err(parse)?;
    if let Some(format) = env.format.filter(|f| f != "NVD_CVE") {
        return Err(nvd_err(source_name, NvdProblem::WrongFormat { format }));
    }
    match (env.vulnerabilities, env.cve, env.id) {
        (Some(items), _, _) => Ok(items.into_iter().map(|i| i.cve).collect()),
        (None, Some(cve), _) => Ok(vec![cve]),
        (None, None, Some(_)) => Ok(vec![serde_json::from_slice(bytes).map_err(parse)?]),
        (None, None, None) => Err(nvd_err(source_name, NvdProblem::NotNvd)),
    }
}

/// Parses an NVD document into records (see [`parse_nvd`] and [`NvdCve::to_osv`]); a CVE that
/// cannot be made into a record fails the whole document. Each record is validated.
pub fn nvd_records(source_name: &str, bytes: &[u8]) -> Result<Vec<OsvRecord>, VulnError> {
    parse_nvd(source_name, bytes)?
        .iter()
        .map(|c| {
            let rec = c.to_osv(source_name)?;
            rec.validate(source_name)?;
            Ok(rec)
        })
        .collect()
}

/// NVD times have no zone (they are UTC): append `Z` to a time without one.
fn nvd_time(text: &str) -> String {
    let t = text.trim();
    let zoned =
        t.ends_with(['Z', 'z']) || t.get(19..).is_some_and(|rest| rest.contains(['+', '-']));
    if zoned { t.to_owned() } else { format!("{t}Z") }
}

fn valid_cve_id(id: &str) -> bool {
    let mut parts = id.splitn(3, '-');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some("CVE"), Some(year), Some(num))
            if year.len() == 4
                && year.bytes().all(|b| b.is_ascii_digit())
                && (4..=19).contains(&num.len())
                && num.bytes().all(|b| b.is_ascii_digit())
    )
}

fn reference_kind(tags: &[String]) -> &'static str {
    let has = |t: &str| tags.iter().any(|x| x == t);
    if has("Patch") {
        "FIX"
    } else if has("Vendor Advisory") || has("Third Party Advisory") {
        "ADVISORY"
    } else if has("Exploit") {
        "EVIDENCE"
    } else if has("Issue Tracking") {
        "REPORT"
    } else {
        "WEB"
    }
}

impl NvdCve {
    /// The metrics with their OSV severity type, newest CVSS version first.
    fn metrics(&self) -> impl Iterator<Item = (&'static str, &Metric)> {
        let m = &self.metrics;
        m.v40
            .iter()
            .map(|x| ("CVSS_V4", x))
            .chain(m.v31.iter().map(|x| ("CVSS_V3", x)))
            .chain(m.v30.iter().map(|x| ("CVSS_V3", x)))
            .chain(m.v2.iter().map(|x| ("CVSS_V2", x)))
    }

    /// The CWE ids of `weaknesses`, sorted and without duplicates.
    pub fn cwes(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .weaknesses
            .iter()
            .flat_map(|w| &w.description)
            .map(|d| d.value.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The OSV-shaped record of this CVE (see the module docs). Not validated here
    /// ([`nvd_records`] validates).
    pub fn to_osv(&self, source_name: &str) -> Result<OsvRecord, VulnError> {
        if !valid_cve_id(&self.id) {
            return Err(nvd_err(
                source_name,
                NvdProblem::BadId {
                    id: self.id.clone(),
                },
            ));
        }
        let modified = self.last_modified.as_deref().map(nvd_time).ok_or_else(|| {
            nvd_err(
                source_name,
                NvdProblem::NoLastModified {
                    id: self.id.clone(),
                },
            )
        })?;
        let mut severity: Vec<OsvSeverity> = Vec::new();
        for (kind, m) in self.metrics() {
            let vector = m.cvss_data.vector_string.trim();
            if vector.is_empty() || severity.iter().any(|s| s.kind == kind && s.score == vector) {
                continue;
            }
            severity.push(OsvSeverity {
                kind: kind.to_owned(),
                score: vector.to_owned(),
            });
        }
        let mut references: Vec<Reference> = Vec::new();
        for r in &self.references {
            if references.iter().any(|x| x.url == r.url) {
                continue;
            }
            references.push(Reference {
                kind: reference_kind(&r.tags).to_owned(),
                url: r.url.clone(),
            });
        }
        let details = self
            .descriptions
            .iter()
            .find(|d| d.lang == "en")
            .or_else(|| self.descriptions.first())
            .map(|d| arcstr::ArcStr::from(d.value.as_str()));
        let metrics: Vec<serde_json::Value> = self
            .metrics()
            .map(|(_, m)| {
                json!({
                    "version": m.cvss_data.version,
                    "source": m.source,
                    "type": m.kind,
                    "vector": m.cvss_data.vector_string,
                    "baseScore": m.cvss_data.base_score,
                })
            })
            .collect();
        let rejected = self.vuln_status.as_deref() == Some("Rejected");
        Ok(OsvRecord {
            schema_version: None,
            id: self.id.clone(),
            withdrawn: rejected.then(|| modified.clone()),
            modified,
            published: self.published.as_deref().map(nvd_time),
            aliases: Vec::new(),
            related: Vec::new(),
            upstream: Vec::new(),
            summary: None,
            details,
            severity,
            affected: Vec::new(),
            references,
            database_specific: Some(json!({
                NVD_MARKER: {
                    "source": self.source_identifier,
                    "vulnStatus": self.vuln_status,
                    "cwes": self.cwes(),
                    "metrics": metrics,
                    "configurations": self.configurations,
                }
            })),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_get_a_zone_once() {
        assert_eq!(
            nvd_time("2023-10-11T22:15:09.880"),
            "2023-10-11T22:15:09.880Z"
        );
        assert_eq!(nvd_time("2023-10-11T22:15:09Z"), "2023-10-11T22:15:09Z");
        assert_eq!(
            nvd_time("2020-02-17T13:02:54.234+00:00"),
            "2020-02-17T13:02:54.234+00:00"
        );
    }

    #[test]
    fn ids_are_checked() {
        for ok in ["CVE-2024-0181", "CVE-1999-0001", "CVE-2021-1234567"] {
            assert!(valid_cve_id(ok), "{ok}");
        }
        for bad in [
            "CVE-24-1",
            "CVE-2024-12",
            "GHSA-xxxx",
            "CVE-2024-12a4",
            "",
            "CVE-2024",
        ] {
            assert!(!valid_cve_id(bad), "{bad}");
        }
    }

    #[test]
    fn shapes_and_refusals() {
        let cve = r#"{"id":"CVE-2024-0001","lastModified":"2024-01-01T00:00:00.000"}"#;
        for doc in [
            format!(r#"{{"format":"NVD_CVE","vulnerabilities":[{{"cve":{cve}}}]}}"#),
            format!(r#"{{"cve":{cve}}}"#),
            cve.to_owned(),
        ] {
            let got = parse_nvd("d", doc.as_bytes()).unwrap();
            assert_eq!(got.len(), 1, "{doc}");
            assert_eq!(got[0].id, "CVE-2024-0001");
        }
        let err = |doc: &str| match parse_nvd("d", doc.as_bytes()) {
            Err(VulnError::Nvd { reason, .. }) => reason,
            other => panic!("{doc}: {other:?}"),
        };
        assert!(matches!(
            err(r#"{"format":"CVE_RECORD","vulnerabilities":[]}"#),
            NvdProblem::WrongFormat { .. }
        ));
        assert_eq!(err(r#"{"resultsPerPage":0}"#), NvdProblem::NotNvd);
        assert!(matches!(err("[1,2]"), NvdProblem::Parse { .. }));
        assert!(matches!(
            err(r#"{"vulnerabilities":[],"vulnerabilities":[]}"#),
            NvdProblem::Parse { .. }
        ));
        let no_time = parse_nvd("d", br#"{"id":"CVE-2024-0001"}"#).unwrap();
        assert!(matches!(
            no_time[0].to_osv("d"),
            Err(VulnError::Nvd {
                reason: NvdProblem::NoLastModified { .. },
                ..
            })
        ));
        let bad_id = parse_nvd(
            "d",
            br#"{"id":"CVE-X","lastModified":"2024-01-01T00:00:00"}"#,
        )
        .unwrap();
        assert!(matches!(
            bad_id[0].to_osv("d"),
            Err(VulnError::Nvd {
                reason: NvdProblem::BadId { .. },
                ..
            })
        ));
    }

    #[test]
    fn gzip_documents_are_read_and_bounded() {
        use std::io::Write;
        let doc = br#"{"format":"NVD_CVE","vulnerabilities":[{"cve":{"id":"CVE-2024-0003","lastModified":"2024-01-01T00:00:00"}}]}"#;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(doc).unwrap();
        let gz = gz.finish().unwrap();
        let plain = gunzip_if_needed("x.json.gz", &gz).unwrap();
        assert_eq!(&plain[..], &doc[..]);
        assert!(matches!(
            gunzip_if_needed("x.json", doc).unwrap(),
            std::borrow::Cow::Borrowed(_)
        ));
        // A truncated stream is an error (of the gzip reader or of the parser), not a panic.
        assert!(
            gunzip_if_needed("x.json.gz", &gz[..gz.len() / 2])
                .and_then(|b| parse_nvd("x.json.gz", &b))
                .is_err()
        );
    }

    #[test]
    fn rejected_cves_are_withdrawn() {
        let doc = br#"{"id":"CVE-2024-0002","lastModified":"2024-02-01T00:00:00.000","vulnStatus":"Rejected",
            "descriptions":[{"lang":"en","value":"** REJECT ** Not used."}]}"#;
        let recs = nvd_records("d", doc).unwrap();
        assert_eq!(
            recs[0].withdrawn.as_deref(),
            Some("2024-02-01T00:00:00.000Z")
        );
    }
}

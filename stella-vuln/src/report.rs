//! Writers: the findings JSON document, SARIF 2.1.0 and a human table.
//!
//! Every writer is deterministic: the document's lists are sorted (findings by
//! [`Finding::sort_key`], problems by their fields, SARIF rules by id, results in finding
//! order, locations by path) and JSON is written in RFC 8785 canonical form.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use stella_core::Digest;

use crate::error::{VulnError, WriteProblem};
use crate::matcher::{Finding, MatchProblem, MatchReport, Status};
use crate::severity::Level;
use crate::snapshot::Snapshot;
use stella_scan::OsRelease;

/// The findings document's format id.
pub const FINDINGS_FORMAT: &str = "stella-ops/findings@v1";
/// The scanner name written in outputs.
pub const SCANNER_NAME: &str = "stella-scan";
/// The scanner version written in outputs (this crate's version).
pub const SCANNER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What was scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanTarget {
    /// A name for people (image reference or SBOM file name as given).
    pub name: String,
    /// The image manifest digest, when scanning an image (or when the SBOM names it).
    pub image_digest: Option<Digest>,
    /// The SBOM document's digest, when scanning an SBOM.
    pub sbom_digest: Option<Digest>,
    /// The OS release used for distro ecosystems.
    pub os: Option<OsRelease>,
}

/// The DB snapshot a scan used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbRef {
    /// Snapshot digest.
    pub digest: Digest,
    /// Snapshot date.
    pub date: String,
    /// Records in it.
    pub records: u64,
}

impl DbRef {
    /// The reference to a loaded snapshot.
    pub fn of(snapshot: &Snapshot) -> Self {
        Self {
            digest: snapshot.digest(),
            date: snapshot.info().date.clone(),
            records: snapshot.info().records,
        }
    }
}

/// Counts, each status and severity counted separately (docs/design.md §3.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Packages examined.
    pub packages: u64,
    /// Findings.
    pub findings: u64,
    /// Findings per severity level.
    pub by_severity: BTreeMap<String, u64>,
    /// Findings per status.
    pub by_status: BTreeMap<String, u64>,
    /// Packages or records that could not be judged.
    pub problems: u64,
    /// Withdrawn records skipped.
    pub withdrawn_skipped: u64,
}

/// The findings JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingsDocument {
    /// [`FINDINGS_FORMAT`].
    pub format: String,
    /// Scanner name and version.
    pub scanner: BTreeMap<String, String>,
    /// What was scanned.
    pub target: ScanTarget,
    /// The snapshot.
    pub db: DbRef,
    /// Counts.
    pub summary: Summary,
    /// Findings, sorted by [`Finding::sort_key`].
    pub findings: Vec<Finding>,
    /// Problems, sorted.
    pub problems: Vec<MatchProblem>,
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::UnderInvestigation => "under_investigation",
        Status::Affected => "affected",
        Status::NotAffected => "not_affected",
        Status::Fixed => "fixed",
    }
}

impl FindingsDocument {
    /// Assembles the document from a match report.
    pub fn new(target: ScanTarget, db: DbRef, report: MatchReport) -> Self {
        let mut by_severity = BTreeMap::new();
        let mut by_status = BTreeMap::new();
        for f in &report.findings {
            *by_severity
                .entry(f.severity.level.as_str().to_owned())
                .or_insert(0) += 1;
            *by_status
                .entry(status_name(f.status).to_owned())
                .or_insert(0) += 1;
        }
        let mut scanner = BTreeMap::new();
        scanner.insert("name".to_owned(), SCANNER_NAME.to_owned());
        scanner.insert("version".to_owned(), SCANNER_VERSION.to_owned());
        Self {
            format: FINDINGS_FORMAT.to_owned(),
            scanner,
            target,
            db,
            summary: Summary {
                packages: report.packages,
                findings: report.findings.len() as u64,
                by_severity,
                by_status,
                problems: report.problems.len() as u64,
                withdrawn_skipped: report.withdrawn_skipped,
            },
            findings: report.findings,
            problems: report.problems,
        }
    }

    /// Canonical JSON (RFC 8785) bytes.
    pub fn to_json(&self) -> Result<Vec<u8>, VulnError> {
        stella_core::canonical::to_canonical_vec(self).map_err(|e| VulnError::Write {
            format: "findings JSON",
            reason: WriteProblem::Canonical(e),
        })
    }

    /// Renders in a format.
    pub fn render(&self, format: OutputFormat) -> Result<Vec<u8>, VulnError> {
        match format {
            OutputFormat::Json => self.to_json(),
            OutputFormat::Sarif => to_sarif(self),
            OutputFormat::Table => Ok(to_table(self).into_bytes()),
        }
    }
}

/// An output format of `stella scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// The findings document.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// A human table.
    Table,
}

impl OutputFormat {
    /// Name as on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Sarif => "sarif",
            Self::Table => "table",
        }
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = VulnError;
    fn from_str(s: &str) -> Result<Self, VulnError> {
        match s {
            "json" => Ok(Self::Json),
            "sarif" => Ok(Self::Sarif),
            "table" => Ok(Self::Table),
            other => Err(VulnError::Write {
                format: "output",
                reason: WriteProblem::UnknownOutputFormat {
                    name: other.to_owned(),
                },
            }),
        }
    }
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Critical | Level::High => "error",
        Level::Medium | Level::Unknown => "warning",
        Level::Low | Level::None => "note",
    }
}

/// The stable fingerprint of a finding: SHA-256 over primary id, purl, installed version and
/// evidence paths (NUL-separated).
pub fn fingerprint(f: &Finding) -> String {
    let mut s = String::new();
    s.push_str(&f.id);
    s.push('\0');
    s.push_str(&f.package.purl);
    s.push('\0');
    s.push_str(&f.package.version);
    for e in &f.evidence.locations {
        s.push('\0');
        s.push_str(&e.path);
    }
    Digest::of(s.as_bytes()).hex()
}

fn help_text(f: &Finding) -> String {
    let mut t = String::new();
    if let Some(s) = &f.summary {
        let _ = writeln!(t, "{s}");
        t.push('\n');
    }
    if let Some(d) = &f.details {
        let _ = writeln!(t, "{d}");
        t.push('\n');
    }
    let _ = writeln!(t, "Identifiers: {}", f.ids.join(", "));
    let _ = writeln!(t, "OSV records: {}", f.records.join(", "));
    if let Some(score) = f.severity.score {
        let _ = writeln!(t, "Severity: {} ({score})", f.severity.level.as_str());
    } else {
        let _ = writeln!(t, "Severity: {}", f.severity.level.as_str());
    }
    for v in &f.severity.vectors {
        let _ = writeln!(t, "{} {} = {} ({})", v.kind, v.vector, v.score, v.source);
    }
    t
}

/// Writes SARIF 2.1.0: one rule per vulnerability (primary id), one result per finding with
/// the evidence paths as locations and a stable fingerprint.
pub fn to_sarif(doc: &FindingsDocument) -> Result<Vec<u8>, VulnError> {
    let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
    for f in &doc.findings {
        rules.entry(f.id.as_str()).or_insert(f);
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules_json: Vec<Value> = rules
        .values()
        .map(|f| {
            let short: &str = f.summary.as_deref().unwrap_or(&f.id);
            let mut props = json!({
                "tags": ["security", "vulnerability", f.severity.level.as_str()],
                "aliases": f.ids,
                "records": f.records,
                "cvss": f.severity.vectors.iter().map(|v| json!({
                    "type": v.kind, "vector": v.vector, "score": v.score, "source": v.source
                })).collect::<Vec<_>>(),
            });
            if let (Some(score), Some(obj)) = (f.severity.score, props.as_object_mut()) {
                obj.insert("security-severity".to_owned(), json!(format!("{score:.1}")));
            }
            let first_record = f.records.first().cloned().unwrap_or_else(|| f.id.clone());
            json!({
                "id": f.id,
                "name": f.id.replace(['-', '.', ':'], "_"),
                "shortDescription": {"text": short},
                "fullDescription": {"text": f.details.as_deref().unwrap_or(short)},
                "help": {"text": help_text(f), "markdown": help_text(f)},
                "helpUri": format!("https://osv.dev/vulnerability/{first_record}"),
                "defaultConfiguration": {"level": sarif_level(f.severity.level)},
                "properties": props,
            })
        })
        .collect();
    let results: Vec<Value> = doc
        .findings
        .iter()
        .map(|f| {
            let mut locations: Vec<Value> = f
                .evidence
                .locations
                .iter()
                .map(|e| {
                    let mut loc = json!({
                        "physicalLocation": {"artifactLocation": {"uri": e.path}},
                        "logicalLocations": [{"name": f.package.purl, "kind": "package"}],
                    });
                    if let (Some(layer), Some(obj)) = (&e.layer, loc.as_object_mut()) {
                        obj.insert("properties".to_owned(), json!({"layer": layer.to_string()}));
                    }
                    loc
                })
                .collect();
            if locations.is_empty() {
                locations.push(json!({
                    "logicalLocations": [{"name": f.package.purl, "kind": "package"}]
                }));
            }
            let fixed = if f.fixed_versions.is_empty() {
                "no fixed version known".to_owned()
            } else {
                format!("fixed in {}", f.fixed_versions.join(", "))
            };
            let mut result = json!({
                "ruleId": f.id,
                "ruleIndex": index.get(f.id.as_str()).copied().unwrap_or(0),
                "level": sarif_level(f.severity.level),
                "message": {"text": format!(
                    "{} {} is affected by {} ({}; {})",
                    f.package.name, f.package.version, f.id,
                    f.severity.level.as_str(), fixed
                )},
                "locations": locations,
                "partialFingerprints": {"stellaFinding/v1": fingerprint(f)},
                "properties": {
                    "purl": f.package.purl,
                    "installedVersion": f.package.version,
                    "fixedVersions": f.fixed_versions,
                    "ecosystem": f.package.ecosystem,
                    "status": status_name(f.status),
                    "reachability": f.reachability,
                    "cataloger": f.evidence.cataloger,
                    "matched": f.evidence.matched,
                },
            });
            let steps: Vec<Value> = f
                .trace
                .iter()
                .map(|step| {
                    let (uri, how) = step
                        .split_once(" (")
                        .map_or((step.as_str(), ""), |(p, h)| (p, h.trim_end_matches(')')));
                    json!({"location": {
                        "physicalLocation": {"artifactLocation": {"uri": uri.trim_start_matches('/')}},
                        "message": {"text": if how.is_empty() { step.as_str() } else { how }},
                    }})
                })
                .collect();
            // The entry-trace chain, when there is one: as a code flow (IDEs show it as a path)
            // and as text in the properties.
            if !f.trace.is_empty()
                && let Some(obj) = result.as_object_mut()
            {
                obj.insert(
                    "codeFlows".to_owned(),
                    json!([{
                        "message": {"text": format!("entrypoint to {}", f.package.purl)},
                        "threadFlows": [{"locations": steps}],
                    }]),
                );
                if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
                    props.insert("trace".to_owned(), json!(f.trace));
                }
            }
            if let (Some(sym), Some(obj)) = (&f.symbols, result.as_object_mut()) {
                if let Some(props) = obj.get_mut("properties").and_then(Value::as_object_mut) {
                    props.insert("symbols".to_owned(), json!(sym));
                }
                if !sym.found.is_empty() {
                    obj.insert("codeFlows".to_owned(), symbol_flows(f, sym, &steps));
                }
            }
            result
        })
        .collect();
    let sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": SCANNER_NAME,
                "version": SCANNER_VERSION,
                "informationUri": "https://github.com/stella-ops/stella-ops",
                "rules": rules_json,
            }},
            "results": results,
            "properties": {
                "target": doc.target,
                "db": doc.db,
            },
        }],
    });
    stella_core::canonical::to_canonical_vec(&sarif).map_err(|e| VulnError::Write {
        format: "SARIF",
        reason: WriteProblem::Canonical(e),
    })
}

/// The code flows of a finding whose binary links vulnerable symbols: one per symbol found,
/// from the entrypoint (the entry-trace steps, when there are) to the binary, then the symbol
/// as the last location.
fn symbol_flows(f: &Finding, sym: &crate::symbols::SymbolEvidence, trace: &[Value]) -> Value {
    let binary = sym.binaries.first().map_or("", String::as_str).to_owned();
    let flows: Vec<Value> = sym
        .found
        .iter()
        .map(|symbol| {
            let mut steps = trace.to_vec();
            let ends_at_binary = f
                .trace
                .last()
                .is_some_and(|s| s.trim_start_matches('/').starts_with(binary.as_str()));
            if !ends_at_binary {
                steps.push(json!({"location": {
                    "physicalLocation": {"artifactLocation": {"uri": binary}},
                    "message": {"text": "the binary"},
                }}));
            }
            steps.push(json!({"location": {
                "physicalLocation": {"artifactLocation": {"uri": binary}},
                "logicalLocations": [{"fullyQualifiedName": symbol, "kind": "function"}],
                "message": {"text": format!("links the vulnerable symbol {symbol}")},
            }}));
            json!({
                "message": {"text": format!("entrypoint to {symbol} in /{binary}")},
                "threadFlows": [{"locations": steps}],
            })
        })
        .collect();
    Value::Array(flows)
}

/// A human table, one finding per line, then the problem count.
pub fn to_table(doc: &FindingsDocument) -> String {
    let header = ["ID", "SEVERITY", "PACKAGE", "INSTALLED", "FIXED", "STATUS"];
    let rows: Vec<[String; 6]> = doc
        .findings
        .iter()
        .map(|f| {
            [
                f.id.to_string(),
                match f.severity.score {
                    Some(s) => format!("{} {s:.1}", f.severity.level.as_str()),
                    None => f.severity.level.as_str().to_owned(),
                },
                f.package.name.to_string(),
                f.package.version.to_string(),
                if f.fixed_versions.is_empty() {
                    "-".to_owned()
                } else {
                    f.fixed_versions.join(", ")
                },
                status_name(f.status).to_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[&str]| {
        let mut l = String::new();
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                let _ = write!(l, "{c:<w$}  ");
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut out, &header);
    for r in &rows {
        let cells: Vec<&str> = r.iter().map(String::as_str).collect();
        line(&mut out, &cells);
    }
    let _ = writeln!(
        out,
        "\n{} findings in {} packages ({} under investigation); {} problems; DB {} ({})",
        doc.summary.findings,
        doc.summary.packages,
        doc.summary
            .by_status
            .get("under_investigation")
            .copied()
            .unwrap_or(0),
        doc.summary.problems,
        doc.db.digest,
        doc.db.date
    );
    for p in &doc.problems {
        let _ = writeln!(
            out,
            "problem: {} {:?}{}: {}",
            p.purl,
            p.kind,
            p.record
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            p.detail
        );
    }
    out
}

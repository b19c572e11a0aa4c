//! The report's model: what one run says, normalized from the documents the pipeline wrote.

use std::fmt;

use stella_core::Timestamp;

/// A finding's VEX status after the VEX in force was applied (OpenVEX v0.2.0 statuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// A statement says the product is affected.
    Affected,
    /// A statement says it is fixed.
    Fixed,
    /// A statement says it is not affected.
    NotAffected,
    /// No statement decided it (or one says it is being investigated): the risk nobody
    /// assessed yet, always counted on its own.
    UnderInvestigation,
}

impl Status {
    /// Every status, in the order the report shows them.
    pub const ALL: [Status; 4] = [
        Status::Affected,
        Status::UnderInvestigation,
        Status::Fixed,
        Status::NotAffected,
    ];

    /// The OpenVEX name (`affected`, `fixed`, `not_affected`, `under_investigation`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Affected => "affected",
            Status::Fixed => "fixed",
            Status::NotAffected => "not_affected",
            Status::UnderInvestigation => "under_investigation",
        }
    }

    /// Parses an OpenVEX status name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Status::Affected => 0,
            Status::UnderInvestigation => 1,
            Status::Fixed => 2,
            Status::NotAffected => 3,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finding's severity level (`none` and unknown ratings are shown together as `unknown`, as
/// the run report counts them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// CVSS 9.0–10.0.
    Critical,
    /// 7.0–8.9.
    High,
    /// 4.0–6.9.
    Medium,
    /// 0.1–3.9.
    Low,
    /// None or no rating.
    Unknown,
}

impl Severity {
    /// Every level, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Unknown,
    ];

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Unknown => "unknown",
        }
    }

    /// Parses a level as the findings JSON or the gate input writes it (any case; `none` is
    /// `unknown`).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "critical" => Some(Severity::Critical),
            "high" => Some(Severity::High),
            "medium" => Some(Severity::Medium),
            "low" => Some(Severity::Low),
            "none" | "unknown" => Some(Severity::Unknown),
            _ => None,
        }
    }

    /// 4 for critical down to 0 for unknown (the sort key).
    pub fn rank(self) -> u8 {
        match self {
            Severity::Critical => 4,
            Severity::High => 3,
            Severity::Medium => 2,
            Severity::Low => 1,
            Severity::Unknown => 0,
        }
    }

    pub(crate) fn index(self) -> usize {
        4 - usize::from(self.rank())
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the entry-trace found a path from the image's entrypoint to the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reachability {
    /// A chain from the entrypoint reaches the package's files.
    Reachable,
    /// No chain does.
    Unreachable,
    /// Not analysed, or the trace could not tell.
    Unknown,
}

impl Reachability {
    /// The name the findings JSON uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Reachability::Reachable => "reachable",
            Reachability::Unreachable => "unreachable",
            Reachability::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Reachability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding: a vulnerability in one package, with its status after VEX.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The vulnerability id the scan reports (a CVE when there is one).
    pub id: String,
    /// Its other ids (GHSA, PYSEC, DSA, …), without `id`.
    pub aliases: Vec<String>,
    /// The one-line summary of the advisory, when it has one.
    pub summary: Option<String>,
    /// Package name as installed.
    pub package: String,
    /// The ecosystem it was matched in (`PyPI`, `npm`, `Debian:12`, …).
    pub ecosystem: String,
    /// Its purl.
    pub purl: String,
    /// Installed version.
    pub installed: String,
    /// Versions that fix it.
    pub fixed: Vec<String>,
    /// Severity level.
    pub severity: Severity,
    /// The score behind the level, when one was computed.
    pub score: Option<f64>,
    /// Where the rating comes from (`CVSS_V3 GHSA-…`), when the findings say.
    pub severity_source: Option<String>,
    /// Status after VEX.
    pub status: Status,
    /// The VEX justification (`vulnerable_code_not_in_execute_path`, …), when a statement
    /// gives one.
    pub justification: Option<String>,
    /// The deciding statement's impact or action statement, when it has one.
    pub statement: Option<String>,
    /// Reachability from the entrypoint.
    pub reachability: Reachability,
    /// The entry-trace chain (entrypoint first, the package's file last) of a reachable finding.
    pub trace: Vec<String>,
    /// The layers the package's files are in.
    pub layers: Vec<String>,
}

/// The image the run is about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Image {
    /// Name or reference.
    pub name: String,
    /// Manifest digest.
    pub digest: String,
    /// Platform (`linux/amd64`), when the SBOM records it.
    pub platform: Option<String>,
    /// Operating system (pretty name), when detected.
    pub os: Option<String>,
    /// Layer digests, bottom first.
    pub layers: Vec<String>,
}

/// The transparency-log receipt of an envelope, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The log's origin line (from the checkpoint), when the receipt has a checkpoint.
    pub origin: Option<String>,
    /// The entry's index.
    pub log_index: u64,
    /// The tree size the proof is for.
    pub tree_size: u64,
    /// The root hash (hex) the proof leads to.
    pub root_hash: String,
}

/// The gate's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the image may ship.
    pub allow: bool,
    /// Why not.
    pub violations: Vec<String>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// The policy bundle's digest.
    pub policy_digest: String,
    /// The policy's revision, when the decision record was read.
    pub policy_revision: Option<String>,
    /// When the decision was made, when the decision record was read.
    pub decided_at: Option<Timestamp>,
    /// Who ran it.
    pub actor: Option<String>,
    /// Key ids that signed the decision envelope.
    pub signed_by: Vec<String>,
    /// The decision envelope's log receipt.
    pub receipt: Option<Receipt>,
}

/// How far one link of the evidence chain was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Checked: the digest matches, and signatures and proofs verified where the link has
    /// them; the text says what was checked.
    Verified(String),
    /// The bytes match the digest, but something could not be checked (no key given); the text
    /// says what.
    Partial(String),
    /// A check failed; the text says which.
    Failed(String),
    /// The artifact is not there.
    Missing(String),
}

impl Verification {
    /// `verified`, `partial`, `failed` or `missing`.
    pub fn label(&self) -> &'static str {
        match self {
            Verification::Verified(_) => "verified",
            Verification::Partial(_) => "partial",
            Verification::Failed(_) => "failed",
            Verification::Missing(_) => "missing",
        }
    }

    /// What was (or was not) checked.
    pub fn detail(&self) -> &str {
        match self {
            Verification::Verified(t)
            | Verification::Partial(t)
            | Verification::Failed(t)
            | Verification::Missing(t) => t,
        }
    }
}

/// One link of the evidence chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceLink {
    /// The step: `SBOM`, `SBOM attestation`, `transparency receipt`, `scan`, `VEX`, `decision`.
    pub step: &'static str,
    /// What the artifact is (the run report's kind name).
    pub kind: String,
    /// Its digest, when the run recorded one.
    pub digest: Option<String>,
    /// How far it was checked.
    pub verification: Verification,
}

/// A waiver the gate saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// The vulnerability it waives.
    pub vuln_id: String,
    /// Why.
    pub reason: String,
    /// When it expires.
    pub expires: Timestamp,
    /// Whether it was still valid at decision time.
    pub valid: bool,
}

/// The vulnerability DB snapshot the scan used.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Database {
    /// Its date (RFC 3339, as recorded).
    pub date: String,
    /// Its digest.
    pub digest: String,
    /// Advisory records in it.
    pub records: u64,
}

/// An entry-trace path shared by one or more reachable findings of one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracePath {
    /// The chain, entrypoint first.
    pub steps: Vec<String>,
    /// The package at its end (`name version`).
    pub package: String,
    /// The findings that path reaches.
    pub findings: Vec<String>,
}

/// A count under a label (an ecosystem, a layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// The label.
    pub label: String,
    /// The count.
    pub count: u64,
}

/// Findings counted by status, by severity, and by both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// All findings.
    pub total: u64,
    /// By status, indexed as [`Status::ALL`].
    pub by_status: [u64; 4],
    /// By severity, indexed as [`Severity::ALL`].
    pub by_severity: [u64; 5],
    /// `matrix[severity][status]`, indexed as [`Severity::ALL`] and [`Status::ALL`].
    pub matrix: [[u64; 4]; 5],
}

impl Counts {
    /// Counts `findings`.
    pub fn of(findings: &[Finding]) -> Self {
        let mut c = Counts::default();
        for f in findings {
            c.total += 1;
            if let Some(n) = c.by_status.get_mut(f.status.index()) {
                *n += 1;
            }
            if let Some(n) = c.by_severity.get_mut(f.severity.index()) {
                *n += 1;
            }
            if let Some(n) = c
                .matrix
                .get_mut(f.severity.index())
                .and_then(|row| row.get_mut(f.status.index()))
            {
                *n += 1;
            }
        }
        c
    }

    /// The count of one status.
    pub fn status(&self, status: Status) -> u64 {
        self.by_status.get(status.index()).copied().unwrap_or(0)
    }

    /// The count of one severity.
    pub fn severity(&self, severity: Severity) -> u64 {
        self.by_severity.get(severity.index()).copied().unwrap_or(0)
    }

    /// The count of one cell of the severity × status matrix.
    pub fn cell(&self, severity: Severity, status: Status) -> u64 {
        self.matrix
            .get(severity.index())
            .and_then(|row| row.get(status.index()))
            .copied()
            .unwrap_or(0)
    }
}

/// Everything the report shows about one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The image.
    pub image: Image,
    /// The gate's decision (absent when the run report and decision record are both absent).
    pub decision: Option<Decision>,
    /// Every finding, sorted by severity (most severe first), then id, then purl.
    pub findings: Vec<Finding>,
    /// The counts of `findings`.
    pub counts: Counts,
    /// Entry-trace paths of the reachable findings, one per distinct (chain, package).
    pub paths: Vec<TracePath>,
    /// The evidence chain, SBOM to decision.
    pub evidence: Vec<EvidenceLink>,
    /// Waivers, soonest expiry first.
    pub waivers: Vec<Waiver>,
    /// Packages in the SBOM.
    pub packages: u64,
    /// Packages by ecosystem (purl type), largest first.
    pub by_ecosystem: Vec<Bar>,
    /// Packages by layer, in layer order.
    pub by_layer: Vec<Bar>,
    /// The DB snapshot.
    pub database: Database,
    /// When the run scanned (the decision time), when known.
    pub scanned_at: Option<Timestamp>,
    /// Inconsistencies between the documents (a count in the run report that the findings do
    /// not give, an artifact the run lists but the caller did not supply), shown on the page.
    pub problems: Vec<String>,
}

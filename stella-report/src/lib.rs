//! Stella Ops report: the page a person reads after a run.
//!
//! [`Report::build`] reads what the pipeline already wrote — the run report (`stella run
//! --json`) and the artifacts it lists by digest (findings JSON, gate input, decision record,
//! CycloneDX SBOM, DSSE envelopes, log receipts) — into one [`Report`]: the image, the gate's
//! decision, findings with their status after VEX (`under_investigation` always counted on its
//! own), the severity × status matrix, entry-trace paths of reachable findings, the evidence
//! chain with how far each link was verified, waivers, packages by ecosystem and by layer, and
//! the DB snapshot. [`Diff::between`] compares two reports (new, fixed, status changed).
//! [`html`] renders one self-contained page (inline CSS and SVG, a small vanilla script for
//! sorting, filtering and paging under a Content-Security-Policy that forbids every network
//! request; the page reads fine without the script) and [`markdown`] a CI step summary or PR
//! comment.
//!
//! The crate does no IO and reads no clock: "now" (for waiver expiry and the DB's age) is the
//! caller's, and the same inputs give the same bytes. Everything that comes from the documents
//! is treated as hostile: escaped for HTML text and attributes or for Markdown, never placed in
//! a URL, a script or a style.
//!
//! ```
//! use stella_report::{Blobs, BuildOptions, RenderOptions, Report, html, markdown};
//! use stella_core::Digest;
//!
//! let findings = br#"{"db":{"date":"2024-06-01T00:00:00Z","digest":"sha256:00","records":1},
//!   "findings":[{"id":"CVE-1","package":{"name":"<script>","version":"1","purl":"pkg:npm/x@1"},
//!   "severity":{"level":"high"},"status":"under_investigation"}]}"#;
//! let digest = Digest::of(findings).to_string();
//! let run = format!(r#"{{"image_digest":"sha256:ab","image_name":"app:1",
//!   "artifacts":[{{"kind":"findings","digest":"{digest}"}}]}}"#);
//! let report = Report::build(run.as_bytes(), &Blobs::from([(digest, findings.to_vec())]),
//!     &BuildOptions::default())?;
//! let page = html(&report, &RenderOptions::default());
//! assert!(page.contains("&lt;script&gt;") && !page.contains("<script>\""));
//! assert!(markdown(&report, &RenderOptions::default()).contains("under\\_investigation"));
//! # Ok::<(), stella_report::ReportError>(())
//! ```
//!
//! Dependencies: `stella-core` (digests, timestamps, the strict JSON parser), `stella-attest`
//! (DSSE, keys, log receipts and Merkle proofs for the evidence chain), `serde`/`serde_json`
//! (the documents), `sha2` and `base64` (the page's Content-Security-Policy hashes),
//! `thiserror`.

mod build;
mod diff;
mod escape;
mod html;
mod markdown;
mod model;

pub use build::{Blobs, BuildOptions};
pub use diff::{Change, Diff};
pub use html::html;
pub use markdown::markdown;
pub use model::{
    Bar, Counts, Database, Decision, EvidenceLink, Finding, Image, Reachability, Receipt, Report,
    Severity, Status, TracePath, Verification, Waiver,
};

use stella_core::{CoreError, Timestamp};

/// How a report is rendered.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions<'a> {
    /// "Now", for waiver expiry and the DB's age (default: the decision time, so the page says
    /// what held when the run decided; the crate never reads a clock).
    pub now: Option<Timestamp>,
    /// A generation time to print in the footer (default none: the same inputs give the same
    /// bytes).
    pub generated_at: Option<Timestamp>,
    /// A waiver expiring within this many days of "now" is highlighted (default 14).
    pub expiring_within_days: u32,
    /// Findings table rows per page when the script runs (default 100; the page without the
    /// script shows every row).
    pub page_size: u32,
    /// The most findings the Markdown lists (default 50; the counts always cover all).
    pub markdown_rows: usize,
    /// The comparison with a base run, shown when given.
    pub diff: Option<&'a Diff>,
}

impl Default for RenderOptions<'_> {
    fn default() -> Self {
        Self {
            now: None,
            generated_at: None,
            expiring_within_days: 14,
            page_size: 100,
            markdown_rows: 50,
            diff: None,
        }
    }
}

/// Why a report could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A document is not valid JSON within the limits, or not of the expected shape.
    #[error("{what}: {source}")]
    Document {
        /// Which document.
        what: &'static str,
        /// The parser's error.
        source: CoreError,
    },
    /// A field holds a value the report cannot show truthfully (an unknown VEX status, a
    /// severity level or a timestamp that does not parse).
    #[error("{what}: {field} has an unexpected value {value:?}")]
    Field {
        /// Which document.
        what: &'static str,
        /// Which field.
        field: &'static str,
        /// The value (truncated).
        value: String,
    },
    /// An artifact the report needs is not listed by the run or not supplied (or its bytes do
    /// not match its digest).
    #[error("the run's {kind} artifact ({digest}) is missing or does not match its digest")]
    MissingArtifact {
        /// The artifact kind.
        kind: &'static str,
        /// Its digest as the run lists it (empty when the run lists none).
        digest: String,
    },
}

//! # stella-vuln
//!
//! Vulnerability matching against a pinned OSV snapshot: explainable, replayable, SARIF. Pure,
//! like the other core crates: bytes and values in, values out (the `stella` crate walks
//! directories and reads files).
//!
//! `stella-scan` says what is in an image ([`stella_scan::Package`]s, the OS release, the
//! entry-trace); this crate says which of it is vulnerable. It depends on `stella-scan` for
//! that vocabulary and for the entry-trace report that [`reachability`] reads; `stella-scan`
//! never depends on this crate.
//!
//! ## The path through this module
//! 1. [`osv`]: the OSV record model (schema 1.6/1.7) read from JSON or YAML, with strict
//!    validation naming the record id.
//! 2. [`import`]: documents, zip and tar archives into a [`snapshot::SnapshotBuilder`], strict or
//!    lenient (the `stella` crate walks directories).
//! 3. [`snapshot`]: one compact, content-addressed file with an index by (ecosystem, normalized
//!    package name), the caller's date, a record count and a digest trailer; loading checks the
//!    digest and parses only the header.
//! 4. [`version`]: the version orderings of each ecosystem family.
//! 5. [`matcher`]: packages against the snapshot into [`matcher::Finding`]s (aliases merged,
//!    distro packages by source package, evidence and matched ranges kept), and the
//!    [`matcher::MatchProblem`]s that could not be judged.
//! 6. [`severity`]: a finding's severity from its alias group: CVSS v4.0, v3.1, v3.0, v2 base
//!    scores from the vectors, then the advisories' ratings, each with its record and feed;
//!    [`nvd`]: NVD CVE API 2.0 records as a severity source for CVE aliases.
//! 7. [`report`]: the findings JSON document, SARIF 2.1.0 and a human table.
//! 8. [`manifest`]: the scan manifest that pins the inputs and the result, and the replay check.
//! 9. [`reachability`]: each finding's reachability and chain from a `stella-scan` entry-trace.
//! 10. [`symbols`]: each Go/Rust binary finding's symbol-level evidence (is the vulnerable
//!     function linked?) from the records' vulnerable symbols and `stella-scan`'s symbol tables.
//!
//! Every fallible function returns [`VulnError`].
//!
//! ```
//! use stella_core::Timestamp;
//! use stella_vuln::{matcher, osv, report, snapshot};
//! use stella_scan::{Package, PackageKind};
//!
//! let mut b = snapshot::SnapshotBuilder::new();
//! b.add("GO-1.json", osv::parse_record("GO-1.json", br#"{"id":"GO-2024-1","modified":"2024-01-01T00:00:00Z",
//!   "aliases":["CVE-2024-1"],"affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},
//!   "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.3"}]}]}]}"#).unwrap());
//! let date = Timestamp::parse_rfc3339("2024-06-01T00:00:00Z").unwrap();
//! let snap = snapshot::Snapshot::load(b.build(&date).unwrap()).unwrap();
//! let pkg = Package { name: "example.com/m".into(), version: "v1.2.0".into(),
//!   kind: PackageKind::GoModule, purl: "pkg:golang/example.com/m@v1.2.0".into(),
//!   licenses: vec![], cpes: vec![], source: None, evidence: vec![], files: vec![],
//!   dependencies: vec![], cataloger: "go-binary".into(), metadata: Default::default(), license_acknowledgement: Default::default(), supplier: None, authors: vec![], hashes: vec![] };
//! let found = matcher::match_packages(&snap, &[pkg], None).unwrap();
//! let doc = report::FindingsDocument::new(
//!     report::ScanTarget { name: "demo".into(), image_digest: None, sbom_digest: None, os: None },
//!     report::DbRef::of(&snap), found);
//! assert_eq!(doc.findings[0].id, "CVE-2024-1");
//! let sarif = doc.render(report::OutputFormat::Sarif).unwrap();
//! assert_eq!(sarif, doc.render(report::OutputFormat::Sarif).unwrap());
//! ```
//!
//! ## Dependencies and why
//! - `stella-core`: digests, timestamps, canonical JSON (snapshot header, manifests, SARIF).
//! - `stella-scan`: the package model matched here, PEP 503 name normalisation
//!   ([`stella_scan::catalog::python::normalize_name`], shared with the Python cataloger) and the
//!   entry-trace report.
//! - `thiserror`: [`VulnError`].
//! - `serde`, `serde_json`: the OSV model, findings documents and manifests.
//! - `hex`: the snapshot trailer digest in errors.
//! - `semver`: SemVer parsing for npm, Go and crates.io (Cargo's own crate).
//! - `pep440_rs`: PEP 440 versions (astral's, as uv uses).
//! - `rpm-version`: `rpmvercmp` with `~` and `^`.
//! - `cvss`: CVSS v2/v3.x/v4.0 vector parsing and base scores (RustSec's, maintained with the
//!   RustSec advisory database and `cargo audit`): the FIRST formulas and v4.0's macro-vector
//!   table, v3.0 told from v3.1; our test compares it with the base scores NVD publishes.
//! - `zip`, `tar`, `flate2`: OSV archives as osv.dev exports them; `flate2` (with the `zlib-rs`
//!   backend, named here because the snapshot's bytes and digest depend on it) also deflates the
//!   snapshot's record chunks.
//! - `serde_norway`: the PyPA advisory database is YAML (the maintained serde_yaml fork).
//! - `arcstr`: the texts of findings ([`matcher::Finding`]) are reference-counted strings shared
//!   with the loaded snapshot and between the findings of one package, so a scan that finds
//!   thousands of vulnerabilities does not copy (and later free) tens of thousands of strings;
//!   unlike `Arc<str>` they compare with `&str` and `String` directly (`finding.id ==
//!   "CVE-2024-1"`) and string literals cost no allocation. They serialize as plain strings.
//! - `packageurl`: npm scopes and Maven groups read from a package's purl.
//! - `rayon`: matching packages in parallel; results are collected in order and sorted.
//! - `stella-vex`: [`feeds::csaf`] reads CSAF documents with the VEX crate's CSAF reader, the
//!   one `stella vex` uses (no second CSAF parser).
//!
//! ## Limits
//! - Only the ecosystems in [`version`] are ordered; others are reported, never "not affected".
//! - NVD records score CVE aliases; their CPE configurations are kept but not matched.
//! - GIT ranges are kept and counted but cannot be compared with package versions.
//! - Red Hat / SUSE distro ecosystems need product names the OS release does not give; RPM
//!   distros other than AlmaLinux and Rocky Linux are reported as without an ecosystem.

#![forbid(unsafe_code)]

mod compiled;
mod error;
pub mod feeds;
pub mod import;
pub mod manifest;
pub mod matcher;
pub mod nvd;
pub mod osv;
pub mod reachability;
pub mod report;
pub mod severity;
pub mod snapshot;
pub mod symbols;
pub mod version;

pub use error::{
    ArchiveProblem, ManifestProblem, OsvProblem, OsvRangeProblem, SnapshotFault, VersionProblem,
    VulnError, WriteProblem,
};

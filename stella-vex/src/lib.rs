//! # stella-vex
//!
//! Exploitability over enumeration: OpenVEX v0.2.0 authored, validated, merged with provenance
//! and applied to findings — all pure (bytes and values in, values out; time only through the
//! caller's [`Timestamp`](stella_core::Timestamp)).
//!
//! - [`Document`] / [`Statement`]: the OpenVEX model; [`Document::parse`] also reads the older
//!   v0.0.1 shape, [`validate()`] checks the specification's rules, each violation naming its
//!   statement.
//! - [`VexSet`]: trusted, unexpired VEX (see [`TrustPolicy`]) indexed for
//!   [`merge`](VexSet::merge) — one decision per (vulnerability incl. aliases, product) with the
//!   deciding and superseded statements — and [`apply`](VexSet::apply) to [`FindingRef`]s, where
//!   a finding without a statement stays `under_investigation` and is counted separately.
//! - [`generate`]: VEX from findings under a YAML [`VexPolicy`].
//! - [`Waiver`]: break-glass VEX with an expiry; expired waivers are ignored and reported.
//! - [`spdx`]: OpenVEX ↔ SPDX 3.0.1 security-profile VEX relationships.
//! - What others publish: [`Document::parse_compat`] reads legacy and incomplete OpenVEX as
//!   go-vex does, saying what it assumed ([`Upgrade`]), while [`validate_strict`] refuses what
//!   the OpenVEX 0.2.0 schema refuses; [`import_csaf`] (CSAF 2.0 VEX and advisories, with
//!   provenance); [`from_cyclonedx`] / [`to_cyclonedx`] (CycloneDX 1.4–1.6 VEX);
//!   [`read_any`] / [`write_as`] between all of them; [`VexSource::from_bundle`] (OpenVEX
//!   attestations in Sigstore bundles, through an [`AttestationVerifier`]).
//! - [`filter_sarif`]: VEX applied to Grype, Trivy and Snyk SARIF as `vexctl filter` does.
//!
//! ```
//! use stella_core::Timestamp;
//! use stella_vex::{Document, FindingRef, MergeOptions, Status, TrustPolicy, VexSet, VexSource,
//!     ValidationOptions, validate};
//!
//! let vendor = br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/a",
//!   "author":"vendor","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[
//!   {"vulnerability":{"name":"CVE-2024-1"},"products":[{"@id":"pkg:npm/x"}],
//!    "status":"affected","action_statement":"upgrade to 2.0"}]}"#;
//! let later = br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/b",
//!   "author":"vendor","timestamp":"2024-03-01T00:00:00Z","version":1,"statements":[
//!   {"vulnerability":{"name":"CVE-2024-1"},"products":[{"@id":"pkg:npm/x"}],
//!    "status":"fixed"}]}"#;
//! let now = Timestamp::parse_rfc3339("2024-06-01T00:00:00Z")?;
//! let sources = vec![VexSource::unsigned(vendor)?, VexSource::unsigned(later)?];
//! for s in &sources {
//!     validate(&s.document, &ValidationOptions::at(now))?;
//! }
//! let set = VexSet::build(sources, &TrustPolicy::permissive(), now);
//! let merged = set.merge(&MergeOptions { now, author: "Stella Ops".into(), explain: true })?;
//! assert_eq!(merged.decisions[0].decided_by.status, Status::Fixed);
//! assert_eq!(merged.decisions[0].superseded[0].status, Status::Affected);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Dependencies and why
//! - `stella-core`: `Timestamp`, `Digest`, the strict JSON parser and RFC 8785.
//! - `stella-attest`: DSSE envelopes and keyrings for signed VEX and waivers.
//! - `serde`, `serde_json`: the data model.
//! - `packageurl`: purl parsing with the per-type canonicalization the purl spec requires.
//! - `serde_norway`: the YAML policy files. It is the maintained fork of the archived
//!   `serde_yaml`; `serde_yml` was not chosen because of its maintenance and soundness record.
//! - `thiserror`: [`VexError`].
//! - `uuid`: the deterministic (v5) `serialNumber` of the CycloneDX VEX we write.
//!
//! Signed VEX and signed waivers are DSSE envelopes (`stella-attest`) around in-toto statements;
//! [`VexSource::signed`] and [`Waiver::from_signed`] verify them against the caller's keyring
//! before reading anything, and the verified key ids are what the trust policy judges.

mod attestation;
mod bundle;
mod compat;
mod csaf;
mod cyclonedx;
mod error;
mod findings;
mod formats;
mod generate;
mod matching;
mod model;
mod sarif_filter;
pub mod spdx;
mod trust;
mod validate;
mod vex_set;
mod waiver;

pub use attestation::{
    ATTEST_WAIVER_PREDICATE_TYPE, OPENVEX_PREDICATE_TYPES, sign_document, sign_waiver,
};
pub use bundle::{AttestationVerifier, KeyVerifier, KeylessVerifier, is_sigstore_bundle};
pub use compat::{Upgrade, validate_compat, validate_strict};
pub use csaf::{CsafImport, CsafOptions, CsafProvenance, import_csaf};
pub use cyclonedx::{MAX_CYCLONEDX_STATEMENTS, from_cyclonedx, is_cyclonedx, to_cyclonedx};
pub use error::{Invalid, SpdxProblem, VexError, Violation, ViolationKind, WaiverError};
pub use findings::{
    FindingRef, NOT_FOUND_ON_ENTRY_PATHS, SYMBOLS_ABSENT, findings_from_json, findings_from_sarif,
    read_findings,
};
pub use formats::{VexFormat, detect_format, read_any, write_as};
pub use generate::{Condition, MACHINE_DERIVED, Rule, VexPolicy, generate, is_machine_derived};
pub use matching::{Purl, Subject, cpe_covers, image_digest};
pub use model::{
    CONTEXT_UNVERSIONED, CONTEXT_V0_2_0, Component, DEFAULT_MAX_DOCUMENT_BYTES, Document,
    HASH_ALGORITHMS, Identifiers, Justification, ParseOptions, Product, Statement, Status,
    Vulnerability,
};
pub use sarif_filter::{
    FilterOptions, FilterReport, Filtered, FilteredResult, Scanner, filter_sarif,
};
pub use trust::{Distrust, Issuer, TrustPolicy, VexSource};
pub use validate::{ValidationOptions, validate};
pub use vex_set::{
    Applied, AppliedFinding, Decision, ExpiredWaiver, MergeFilter, MergeOptions, Merged,
    Provenance, SourceProvenance, StatusCounts, Untrusted, Upgraded, VexSet,
};
pub use waiver::{WAIVER_PREDICATE_TYPE, Waiver};

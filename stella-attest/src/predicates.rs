//! The predicates Stella Ops writes and reads, each a typed struct with its predicate type URI.
//!
//! | type | URI | what |
//! |---|---|---|
//! | [`SbomReference`] | `https://stella-ops.org/attestations/sbom/1` | points at an SBOM by digest |
//! | [`CycloneDxBom`] | `https://cyclonedx.org/bom` | a whole CycloneDX BOM (`cosign attest --type cyclonedx`) |
//! | [`SpdxDocument`] | `https://spdx.dev/Document` | a whole SPDX document (`cosign attest --type spdxjson`) |
//! | [`SlsaProvenanceV1`] | `https://slsa.dev/provenance/v1` | SLSA Build Provenance v1 |
//! | [`OpenVexDocument`] | `https://openvex.dev/ns/v0.2.0` | an OpenVEX v0.2.0 document |
//! | [`ScanResult`] | `https://stella-ops.org/attestations/scan-result/1` | a vulnerability scan's pinned inputs and summary |
//! | [`PolicyDecision`] | `https://stella-ops.org/attestations/policy-decision/1` | a gate decision and what it was made from |
//! | [`Waiver`] | `https://stella-ops.org/attestations/waiver/1` | an accepted risk, scoped and with an expiry |
//!
//! Foreign predicates (CycloneDX, SPDX, OpenVEX) are carried as JSON: their models live in
//! `stella-scan` and `stella-vex`, which validate them; SLSA provenance is typed here and, as
//! the in-toto parsing rules ask, ignores fields it does not know. Our own predicates refuse
//! unknown fields, name every digest `sha256:<hex>` and every time RFC 3339 UTC; their lists
//! are written sorted by the key stated on each field.
//!
//! ```
//! use stella_attest::predicates::{Predicate, ScanResult};
//! assert_eq!(ScanResult::PREDICATE_TYPE, "https://stella-ops.org/attestations/scan-result/1");
//! ```

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use stella_core::{Digest, Timestamp};

/// A predicate: a serde type with its in-toto predicate type URI.
pub trait Predicate: Serialize + DeserializeOwned {
    /// The `predicateType` URI.
    const PREDICATE_TYPE: &'static str;
}

/// Where an SBOM is: its digest, and optionally a URI to fetch it from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SbomLocation {
    /// `sha256:` of the SBOM's exact bytes (its name in the blob store).
    pub digest: Digest,
    /// Where it may be fetched (informational; the digest is what binds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// `https://stella-ops.org/attestations/sbom/1`: the seed's SBOM reference. The statement's
/// subject is the image; this predicate names the SBOM describing it by digest, so the SBOM
/// itself can be stored once and attested without being embedded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SbomReference {
    /// `CycloneDX` or `SPDX`.
    pub sbom_format: String,
    /// The format's spec version (`1.6`, `3.0.1`).
    pub sbom_version: String,
    /// The SBOM's media type (`application/vnd.cyclonedx+json`, `application/spdx+json`).
    pub media_type: String,
    /// The SBOM's digest and location.
    pub location: SbomLocation,
}

impl Predicate for SbomReference {
    const PREDICATE_TYPE: &'static str = "https://stella-ops.org/attestations/sbom/1";
}

/// `https://cyclonedx.org/bom`: a CycloneDX BOM embedded as the predicate, as
/// `cosign attest --type cyclonedx` writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CycloneDxBom(pub serde_json::Value);

impl Predicate for CycloneDxBom {
    const PREDICATE_TYPE: &'static str = "https://cyclonedx.org/bom";
}

/// `https://spdx.dev/Document`: an SPDX document embedded as the predicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SpdxDocument(pub serde_json::Value);

impl Predicate for SpdxDocument {
    const PREDICATE_TYPE: &'static str = "https://spdx.dev/Document";
}

/// `https://openvex.dev/ns/v0.2.0`: an OpenVEX document (modelled in `stella-vex`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OpenVexDocument(pub serde_json::Value);

impl Predicate for OpenVexDocument {
    const PREDICATE_TYPE: &'static str = "https://openvex.dev/ns/v0.2.0";
}

/// An in-toto ResourceDescriptor (used by SLSA provenance).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDescriptor {
    /// A URI identifying the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Algorithm → lowercase hex digest.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub digest: BTreeMap<String, String>,
    /// A name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where it was downloaded from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_location: Option<String>,
    /// Its media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Its content, base64 (small resources only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Free-form annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<serde_json::Map<String, serde_json::Value>>,
}

/// SLSA Provenance v1 `buildDefinition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlsaBuildDefinition {
    /// URI of the build template.
    pub build_type: String,
    /// Parameters under external control.
    pub external_parameters: serde_json::Value,
    /// Parameters under the builder's control.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_parameters: Option<serde_json::Value>,
    /// Artifacts the build depended on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resolved_dependencies: Vec<ResourceDescriptor>,
}

/// SLSA Provenance v1 `runDetails.builder`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlsaBuilder {
    /// URI of the builder (the trust anchor).
    pub id: String,
    /// Versions of the builder's components.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub version: BTreeMap<String, String>,
    /// The builder's own dependencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub builder_dependencies: Vec<ResourceDescriptor>,
}

/// SLSA Provenance v1 `runDetails.metadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlsaBuildMetadata {
    /// The builder's id for this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invocation_id: Option<String>,
    /// RFC 3339 start time (as written by the builder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_on: Option<String>,
    /// RFC 3339 end time (as written by the builder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_on: Option<String>,
}

/// SLSA Provenance v1 `runDetails`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlsaRunDetails {
    /// The builder.
    pub builder: SlsaBuilder,
    /// Run metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<SlsaBuildMetadata>,
    /// Extra artifacts the build produced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub byproducts: Vec<ResourceDescriptor>,
}

/// `https://slsa.dev/provenance/v1`: SLSA Build Provenance v1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlsaProvenanceV1 {
    /// What was built and from what.
    pub build_definition: SlsaBuildDefinition,
    /// Who built it and how the run went.
    pub run_details: SlsaRunDetails,
}

impl Predicate for SlsaProvenanceV1 {
    const PREDICATE_TYPE: &'static str = "https://slsa.dev/provenance/v1";
}

/// A tool and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// The tool's name (`stella`).
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The vulnerability database snapshot a scan used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DatabaseSnapshot {
    /// `sha256:` of the snapshot file.
    pub digest: Digest,
    /// When the snapshot's data was taken.
    pub snapshot_date: Timestamp,
}

/// Findings counted by severity. Vulnerabilities without a VEX statement are also counted in
/// `under_investigation` (docs/design.md §3: unknown is visible).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SeverityCounts {
    /// Critical.
    pub critical: u64,
    /// High.
    pub high: u64,
    /// Medium.
    pub medium: u64,
    /// Low.
    pub low: u64,
    /// No or unknown severity.
    pub unknown: u64,
    /// Findings whose VEX status is `under_investigation` (including those with no statement).
    pub under_investigation: u64,
}

/// `https://stella-ops.org/attestations/scan-result/1`: a vulnerability scan of the subject
/// image. It pins everything the result depends on (scanner version, DB snapshot, SBOM,
/// configuration) so a replay can prove identical bytes, names the full findings document by
/// digest, and summarizes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScanResult {
    /// The scanner.
    pub scanner: Tool,
    /// The vulnerability database snapshot.
    pub database: DatabaseSnapshot,
    /// `sha256:` of the SBOM the scan matched against.
    pub sbom_digest: Digest,
    /// `sha256:` of the scan configuration (canonical JSON).
    pub config_digest: Digest,
    /// `sha256:` of the full findings document.
    pub findings_digest: Digest,
    /// The findings document's media type (`application/sarif+json`, ...).
    pub findings_media_type: String,
    /// Counts by severity.
    pub summary: SeverityCounts,
    /// When the scan ran (from the caller's `Clock`).
    pub scanned_at: Timestamp,
}

impl Predicate for ScanResult {
    const PREDICATE_TYPE: &'static str = "https://stella-ops.org/attestations/scan-result/1";
}

/// A gate's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// May ship.
    Allow,
    /// May not ship.
    Deny,
}

/// One input a decision was made from, by digest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DecisionInput {
    /// What the input is (`findings`, `vex`, `attestations`, `waivers`, `sbom`).
    pub name: String,
    /// `sha256:` of its exact bytes.
    pub digest: Digest,
}

/// `https://stella-ops.org/attestations/policy-decision/1`: a gate decision record about the
/// subject image — the verdict, the policy (by digest) and engine that made it, every input by
/// digest, and the reasons, so the decision can be replayed and audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyDecision {
    /// allow or deny.
    pub verdict: Verdict,
    /// `sha256:` of the policy bundle evaluated.
    pub policy_digest: Digest,
    /// The policy engine (`regorus`) and its version.
    pub engine: Tool,
    /// The inputs, sorted by (name, digest).
    pub inputs: Vec<DecisionInput>,
    /// Human-readable reasons for the verdict, sorted.
    pub reasons: Vec<String>,
    /// When the decision was made (from the caller's `Clock`).
    pub decided_at: Timestamp,
}

impl PolicyDecision {
    /// Sorts `inputs` and `reasons` by their stated keys (call before signing).
    pub fn normalize(&mut self) {
        self.inputs.sort();
        self.reasons.sort();
    }
}

impl Predicate for PolicyDecision {
    const PREDICATE_TYPE: &'static str = "https://stella-ops.org/attestations/policy-decision/1";
}

/// `https://stella-ops.org/attestations/waiver/1`: an accepted risk. The statement's subject is
/// the image the waiver is for; the waiver names one vulnerability, optionally narrowed to some
/// packages, with who accepted it, why, and until when. An expired waiver waives nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Waiver {
    /// The vulnerability id (`CVE-2024-1234`, `GHSA-…`), as the findings name it.
    pub vulnerability: String,
    /// Package URLs the waiver is limited to, sorted; empty means every package of the subject.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
    /// Why the risk is accepted.
    pub justification: String,
    /// Who accepted it (a person or team).
    pub author: String,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// When it stops applying.
    pub expires_at: Timestamp,
}

impl Waiver {
    /// True while `now` is before `expires_at` (and not before `issued_at`).
    pub fn is_active_at(&self, now: &Timestamp) -> bool {
        self.issued_at.unix_nanos() <= now.unix_nanos()
            && now.unix_nanos() < self.expires_at.unix_nanos()
    }
}

impl Predicate for Waiver {
    const PREDICATE_TYPE: &'static str = "https://stella-ops.org/attestations/waiver/1";
}

//! The golden path: image → SBOM → statement → DSSE → log receipt → store → scan → VEX → gate
//! → decision record.
//!
//! [`Pipeline`] is pure logic over the core traits: it reads the image through an
//! [`ImageSource`](stella_core::ImageSource) (or a root filesystem), scanned by
//! [`crate::scan::catalog`], keeps every artifact in a [`BlobStore`], logs every envelope in a
//! [`TransparencyLog`], takes time only from a [`Clock`], signs with a [`Signer`], and appends
//! one record per step to an [`AuditSink`]. Only the adapters given to it do IO; the same run
//! over the same inputs with a fixed clock and a deterministic signer (Ed25519) gives the same
//! artifact digests. [`Pipeline::run`] runs the steps below in order, one method each.
//!
//! | step | artifact (media type) |
//! |---|---|
//! | SBOM | CycloneDX 1.6 (`application/vnd.cyclonedx+json`), SPDX 3.0.1 (`application/spdx+json`) |
//! | attest | one DSSE envelope per SBOM, an in-toto Statement v1 with the SBOM-reference predicate about the image digest |
//! | log | one log receipt per envelope: leaf index, inclusion proof, signed checkpoint |
//! | scan | findings JSON, SARIF 2.1.0, and a signed scan-result attestation |
//! | VEX | the VEX generated under the VEX policy, signed; the OpenVEX document in force (the caller's trusted VEX merged with the generated), with provenance |
//! | gate | the gate input, the decision record and its signed envelope |
//!
//! The embedded demo's inputs are `stella_demo::Demo::run_inputs` (crate `stella-demo`).
//!
//! ```
//! use std::sync::Arc;
//! use stella::image::OpenedImage;
//! use stella::pipeline::{MemoryAudit, Pipeline, RunInputs};
//! use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
//! use stella_attest::transparency::MemoryLog;
//! use stella_core::{FixedClock, MemoryBlobStore, SignatureAlgorithm, Timestamp};
//! use stella_policy::{BuiltinOptions, GateOptions, builtin_bundle};
//! use stella_scan::testing::{TestImage, TestLayer};
//! use stella_vuln::import::{ImportMode, Importer};
//! use stella_vuln::snapshot::Snapshot;
//!
//! // A Debian image with one package, and a snapshot without advisories.
//! let image = TestImage::new()
//!     .layer(TestLayer::new()
//!         .file("etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n")
//!         .file("var/lib/dpkg/status", b"Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n"))
//!     .build();
//! let time = Timestamp::parse_rfc3339("2024-06-01T00:00:00Z")?;
//! let snapshot = Snapshot::load(Importer::new(ImportMode::Strict).builder().build(&time)?)?;
//! let policy = builtin_bundle(BuiltinOptions::default())?;
//!
//! let store = MemoryBlobStore::default();
//! let key = PrivateKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new())?;
//! let signer = Arc::new(LocalSigner::new(key, SystemRandom::new())?);
//! let log = MemoryLog::new("example.com/log", signer.clone())?;
//! let clock = FixedClock::new(time);
//! let pipeline = Pipeline { store: &store, log: &log, clock: &clock, signer: signer.as_ref() };
//! let mut audit = MemoryAudit::default();
//! let report = pipeline.run(RunInputs {
//!     image: OpenedImage::Image(Box::new(image.source)),
//!     name: "example.com/app:1".into(),
//!     platform: None,
//!     snapshot: &snapshot,
//!     vex: Vec::new(),
//!     trust: Default::default(),
//!     vex_policy: stella::vex::default_vex_policy(),
//!     policy: &policy,
//!     gate: GateOptions::default(),
//!     actor: "example".into(),
//! }, &mut audit)?;
//! assert_eq!(report.packages, 1);
//! assert!(report.gate.allow);
//! assert_eq!(audit.events.len(), report.audit.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use serde::Serialize;
use stella_attest::AttestError;
use stella_attest::predicates::{
    DatabaseSnapshot, SbomLocation, SbomReference, ScanResult, SeverityCounts, Tool,
};
use stella_attest::statement::{Statement, Subject};
use stella_core::{
    BlobStore, Clock, CoreError, Digest, LogReceipt, Signer, Timestamp, TransparencyLog, canonical,
};
use stella_policy::{Bundle, Gate, GateOptions, PolicyError};

use crate::gate_input::GateInputBuilder;
use crate::image::OpenedImage;
use crate::scan::{Cataloged, FindingsError, ScanRequest, catalog};
use stella_scan::ScanError;
use stella_scan::image::Platform;
use stella_scan::sbom::{WriteOptions, cyclonedx, spdx};
use stella_vex::{
    Applied, MergeOptions, Merged, Status, StatusCounts, TrustPolicy, VexError, VexPolicy, VexSet,
    VexSource, generate, read_findings,
};
use stella_vuln::VulnError;
use stella_vuln::matcher;
use stella_vuln::report::{FindingsDocument, OutputFormat};
use stella_vuln::severity::Level;
use stella_vuln::snapshot::Snapshot;

/// The DSSE envelope media type.
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";

/// Everything a run reads besides the adapters.
#[derive(Debug)]
pub struct RunInputs<'a> {
    /// The image (a root filesystem has no manifest digest, so it cannot be attested or
    /// gated: a run over one fails at the attest step with [`PipelineError::NoImageDigest`]).
    pub image: OpenedImage,
    /// Its name or reference, written into the SBOM and the gate input.
    pub name: String,
    /// Platform to pick from a multi-platform image (default linux/amd64).
    pub platform: Option<Platform>,
    /// The vulnerability DB snapshot.
    pub snapshot: &'a Snapshot,
    /// VEX supplied by the caller (documents, signed envelopes, waivers).
    pub vex: Vec<VexSource>,
    /// Which VEX counts.
    pub trust: TrustPolicy,
    /// Rules that turn findings into VEX statements (e.g. unreachable → `not_affected`); the
    /// generated document is merged with `vex` under `trust` as an unsigned source authored by
    /// the policy's author.
    pub vex_policy: VexPolicy,
    /// The policy bundle of the gate.
    pub policy: &'a Bundle,
    /// Gate options (query, limits).
    pub gate: GateOptions,
    /// Who runs it (recorded in the decision record and the audit log).
    pub actor: String,
}

/// One audit event: what a step read, what ran, what it produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// When (from the pipeline's clock).
    pub time: Timestamp,
    /// Who.
    pub actor: String,
    /// The step: `sbom`, `attest`, `log`, `scan`, `vex`, `decision`.
    pub kind: String,
    /// Inputs by name (digests or values).
    pub inputs: BTreeMap<String, String>,
    /// Versions of what ran.
    pub versions: BTreeMap<String, String>,
    /// Outputs (digests, verdicts).
    pub result: BTreeMap<String, String>,
}

/// Where the pipeline appends its audit events (the hash-chained
/// [`AuditLog`](crate::store::AuditLog) in a store; [`MemoryAudit`] in tests).
pub trait AuditSink {
    /// Appends one event durably; returns the digest of the written record.
    fn append(&mut self, event: &AuditEvent) -> Result<Digest, CoreError>;
}

/// An [`AuditSink`] that keeps events in memory.
#[derive(Debug, Default)]
pub struct MemoryAudit {
    /// The events, oldest first.
    pub events: Vec<AuditEvent>,
}

impl AuditSink for MemoryAudit {
    fn append(&mut self, event: &AuditEvent) -> Result<Digest, CoreError> {
        let bytes = canonical::to_canonical_vec(event)?;
        self.events.push(event.clone());
        Ok(Digest::of(&bytes))
    }
}

impl AuditSink for crate::store::AuditLog {
    fn append(&mut self, event: &AuditEvent) -> Result<Digest, CoreError> {
        crate::store::AuditLog::append(
            self,
            event.time,
            &event.actor,
            &event.kind,
            event.inputs.clone(),
            event.versions.clone(),
            event.result.clone(),
        )
        .map_err(|e| CoreError::Backend {
            backend: "audit-log",
            source: Box::new(e),
        })
    }
}

/// What an artifact of a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    /// The CycloneDX 1.6 SBOM.
    SbomCyclonedx,
    /// The SPDX 3.0.1 SBOM.
    SbomSpdx,
    /// The DSSE envelope attesting the CycloneDX SBOM.
    SbomCyclonedxAttestation,
    /// The DSSE envelope attesting the SPDX SBOM.
    SbomSpdxAttestation,
    /// The log receipt of the CycloneDX SBOM attestation.
    SbomCyclonedxReceipt,
    /// The log receipt of the SPDX SBOM attestation.
    SbomSpdxReceipt,
    /// The findings JSON.
    Findings,
    /// The findings as SARIF 2.1.0.
    Sarif,
    /// The signed scan-result attestation.
    ScanAttestation,
    /// The log receipt of the scan-result attestation.
    ScanReceipt,
    /// The VEX the pipeline's VEX policy generated, signed (absent when no rule matched).
    GeneratedVexAttestation,
    /// The OpenVEX document in force (absent when no statement is trusted).
    Openvex,
    /// The gate input.
    GateInput,
    /// The decision record (canonical JSON).
    DecisionRecord,
    /// The signed decision record.
    DecisionAttestation,
    /// The log receipt of the decision attestation.
    DecisionReceipt,
}

impl std::fmt::Display for ArtifactKind {
    /// The kind's name as the report writes it (`sbom-cyclonedx`, `decision-receipt`, …).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A unit variant always serializes to its name; nothing else is written.
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => f.write_str(&name),
            _ => Ok(()),
        }
    }
}

/// One stored artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Artifact {
    /// What it is.
    pub kind: ArtifactKind,
    /// Its digest: its name in the blob store.
    pub digest: Digest,
    /// Its media type.
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Findings counted by severity level (every level present).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SeveritySummary {
    /// Critical.
    pub critical: u64,
    /// High.
    pub high: u64,
    /// Medium.
    pub medium: u64,
    /// Low.
    pub low: u64,
    /// None or unknown.
    pub unknown: u64,
}

/// The gate's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateSummary {
    /// Whether the image may ship.
    pub allow: bool,
    /// Why not (sorted).
    pub violations: Vec<String>,
    /// Warnings (sorted).
    pub warnings: Vec<String>,
    /// The policy bundle's digest.
    pub policy_digest: Digest,
}

/// The result of a run: every artifact by digest and the summary `stella run` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// The image's manifest digest.
    pub image_digest: Digest,
    /// Its name.
    pub image_name: String,
    /// Packages in the SBOM.
    pub packages: u64,
    /// Findings (one per vulnerability and package).
    pub findings: u64,
    /// Findings by severity.
    pub by_severity: SeveritySummary,
    /// Findings by VEX status; `under_investigation` counts those no statement covers.
    pub by_vex_status: StatusCounts,
    /// The gate.
    pub gate: GateSummary,
    /// Every artifact, in the order written.
    pub artifacts: Vec<Artifact>,
    /// The digests of the audit records appended, in order.
    pub audit: Vec<Digest>,
}

impl RunReport {
    /// The report as RFC 8785 canonical JSON.
    pub fn to_canonical_json(&self) -> Result<Vec<u8>, CoreError> {
        canonical::to_canonical_vec(self)
    }

    /// The digest of one artifact kind, if the run wrote it.
    pub fn artifact(&self, kind: ArtifactKind) -> Option<&Artifact> {
        self.artifacts.iter().find(|a| a.kind == kind)
    }
}

/// The step a failure happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// Reading the image and writing the SBOM.
    Sbom,
    /// Building and signing statements.
    Attest,
    /// Appending to the transparency log.
    Log,
    /// Storing an artifact.
    Store,
    /// Matching against the DB.
    Scan,
    /// Generating, merging and applying VEX.
    Vex,
    /// Evaluating the policy.
    Gate,
    /// Appending to the audit log.
    Audit,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Step::Sbom => "sbom",
            Step::Attest => "attest",
            Step::Log => "log",
            Step::Store => "store",
            Step::Scan => "scan",
            Step::Vex => "vex",
            Step::Gate => "gate",
            Step::Audit => "audit",
        })
    }
}

/// Why a run failed, with the step it failed in.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// Reading the image or writing the SBOM failed.
    #[error("{step}: {source}")]
    Scan {
        /// The step.
        step: Step,
        /// The scanner's error.
        source: ScanError,
    },
    /// Matching or rendering findings failed.
    #[error("{step}: {source}")]
    Vuln {
        /// The step.
        step: Step,
        /// The matcher's error.
        source: VulnError,
    },
    /// Building or signing a statement failed.
    #[error("{step}: {source}")]
    Attest {
        /// The step.
        step: Step,
        /// The attestation error.
        source: AttestError,
    },
    /// A store, log, clock or audit adapter failed.
    #[error("{step}: {source}")]
    Core {
        /// The step.
        step: Step,
        /// The adapter's error.
        source: CoreError,
    },
    /// VEX generation, merge or parsing failed.
    #[error("{step}: {source}")]
    Vex {
        /// The step.
        step: Step,
        /// The VEX error.
        source: VexError,
    },
    /// The gate failed to evaluate (not a deny: a deny is a result).
    #[error("{step}: {source}")]
    Policy {
        /// The step.
        step: Step,
        /// The policy error.
        source: PolicyError,
    },
    /// The image has no manifest digest (a root filesystem): nothing to attest or gate.
    #[error(
        "attest: the image has no manifest digest (a root filesystem directory); attestations and decisions must name an image digest"
    )]
    NoImageDigest,
}

fn core(step: Step) -> impl Fn(CoreError) -> PipelineError {
    move |source| PipelineError::Core { step, source }
}

fn attest(step: Step) -> impl Fn(AttestError) -> PipelineError {
    move |source| PipelineError::Attest { step, source }
}

/// The golden-path pipeline over the core traits.
#[derive(Debug, Clone, Copy)]
pub struct Pipeline<'a> {
    /// Where every artifact goes (write-once, content-addressed).
    pub store: &'a dyn BlobStore,
    /// Where every envelope is logged.
    pub log: &'a dyn TransparencyLog,
    /// The only source of time.
    pub clock: &'a dyn Clock,
    /// Signs statements and decision records.
    pub signer: &'a dyn Signer,
}

/// The stored outputs of a run, collected as it goes.
struct Outputs<'p> {
    store: &'p dyn BlobStore,
    artifacts: Vec<Artifact>,
}

impl Outputs<'_> {
    fn put(
        &mut self,
        kind: ArtifactKind,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Digest, PipelineError> {
        let digest = self.store.put(bytes).map_err(core(Step::Store))?;
        self.artifacts.push(Artifact {
            kind,
            digest,
            media_type: media_type.to_owned(),
            size: bytes.len() as u64,
        });
        Ok(digest)
    }
}

fn map<I: IntoIterator<Item = (&'static str, String)>>(items: I) -> BTreeMap<String, String> {
    items.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn versions() -> BTreeMap<String, String> {
    map([("stella", env!("CARGO_PKG_VERSION").to_owned())])
}

/// One run as it goes: the stored artifacts, the audit trail so far and the attestations
/// logged (for the gate input).
struct RunState<'r> {
    out: Outputs<'r>,
    audit: &'r mut dyn AuditSink,
    trail: Vec<Digest>,
    actor: String,
    attestations: Vec<(Digest, Statement, LogReceipt)>,
}

/// What the SBOM step produced.
struct Sboms {
    cataloged: Cataloged,
    image_digest: Digest,
    cyclonedx: Digest,
    spdx: Digest,
    packages: u64,
}

/// What the steps after the SBOM know of the run: the image, its SBOM, the snapshot.
struct Target<'t> {
    name: &'t str,
    image_digest: Digest,
    subject: Subject,
    /// The CycloneDX SBOM's digest (the scan's and the gate's SBOM).
    sbom: Digest,
    snapshot: &'t Snapshot,
}

/// What the scan step produced.
struct Findings {
    doc: FindingsDocument,
    json: Vec<u8>,
    digest: Digest,
    sarif: Digest,
}

/// What the VEX step produced.
struct VexOutcome {
    now: Timestamp,
    applied: Applied,
    merged: Option<Merged>,
    openvex: Option<Digest>,
}

impl Pipeline<'_> {
    /// Appends one audit event (timed by the pipeline's clock) and keeps its digest.
    fn audit(
        &self,
        run: &mut RunState<'_>,
        kind: &str,
        inputs: BTreeMap<String, String>,
        result: BTreeMap<String, String>,
    ) -> Result<(), PipelineError> {
        let event = AuditEvent {
            time: self.clock.now(),
            actor: run.actor.clone(),
            kind: kind.to_owned(),
            inputs,
            versions: versions(),
            result,
        };
        run.trail
            .push(run.audit.append(&event).map_err(core(Step::Audit))?);
        Ok(())
    }

    /// Signs `statement`, stores the envelope and logs it; returns (envelope digest, receipt).
    fn sign_and_log(
        &self,
        out: &mut Outputs<'_>,
        statement: &Statement,
        kinds: (ArtifactKind, ArtifactKind),
    ) -> Result<(Digest, LogReceipt), PipelineError> {
        let envelope = statement
            .sign(&[self.signer])
            .and_then(|e| e.to_json())
            .map_err(attest(Step::Attest))?;
        let envelope_digest = out.put(kinds.0, DSSE_MEDIA_TYPE, &envelope)?;
        let receipt = self.log.append(&envelope).map_err(core(Step::Log))?;
        let receipt_bytes = canonical::to_canonical_vec(&receipt).map_err(core(Step::Log))?;
        out.put(kinds.1, "application/json", &receipt_bytes)?;
        Ok((envelope_digest, receipt))
    }

    /// Runs the whole golden path and returns the report. Every artifact is in the store
    /// before this returns; each step appends its audit event as it finishes, so a run that
    /// fails part-way leaves an audit trail up to the failure.
    pub fn run(
        &self,
        inputs: RunInputs<'_>,
        audit: &mut dyn AuditSink,
    ) -> Result<RunReport, PipelineError> {
        let RunInputs {
            image,
            name,
            platform,
            snapshot,
            vex,
            trust,
            vex_policy,
            policy,
            gate,
            actor,
        } = inputs;
        let mut run = RunState {
            out: Outputs {
                store: self.store,
                artifacts: Vec::new(),
            },
            audit,
            trail: Vec::new(),
            actor,
            attestations: Vec::new(),
        };
        let sboms = self.sbom(&mut run, &image, &name, platform)?;
        let target = Target {
            name: &name,
            image_digest: sboms.image_digest,
            subject: Subject::new(name.clone(), sboms.image_digest),
            sbom: sboms.cyclonedx,
            snapshot,
        };
        self.attest_sboms(&mut run, &target, &sboms)?;
        let packages = sboms.packages;
        let findings = self.scan(&mut run, &target, sboms.cataloged)?;
        let vex = self.vex(&mut run, &target, &findings, vex, trust, &vex_policy)?;
        let by_severity = severity_summary(&findings.doc.findings);
        self.attest_scan(&mut run, &target, &findings, &vex, &by_severity)?;
        let gate = self.gate(&mut run, &target, &findings, &vex, policy, &gate)?;
        let image_digest = target.image_digest;
        Ok(RunReport {
            image_digest,
            image_name: name,
            packages,
            findings: findings.doc.findings.len() as u64,
            by_severity,
            by_vex_status: vex.applied.counts,
            gate,
            artifacts: run.out.artifacts,
            audit: run.trail,
        })
    }

    /// Step 1, SBOM: catalogs the image (with the entry-trace collector riding along) and
    /// stores its CycloneDX and SPDX SBOMs.
    fn sbom(
        &self,
        run: &mut RunState<'_>,
        image: &OpenedImage,
        name: &str,
        platform: Option<Platform>,
    ) -> Result<Sboms, PipelineError> {
        let sbom_err = |source| PipelineError::Scan {
            step: Step::Sbom,
            source,
        };
        let cataloged = catalog(image, &ScanRequest::traced(name, platform)).map_err(sbom_err)?;
        let sbom = cataloged.sbom();
        let image_digest = sbom
            .image
            .manifest_digest
            .ok_or(PipelineError::NoImageDigest)?;
        let write_options = WriteOptions {
            timestamp: self.clock.now(),
            tool_name: "stella".into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
        };
        let cdx = cyclonedx::write(sbom, &write_options).map_err(sbom_err)?;
        let spdx_bytes = spdx::write(sbom, &write_options).map_err(sbom_err)?;
        let packages = sbom.packages.len();
        let cdx_digest = run.out.put(
            ArtifactKind::SbomCyclonedx,
            "application/vnd.cyclonedx+json",
            &cdx,
        )?;
        let spdx_digest =
            run.out
                .put(ArtifactKind::SbomSpdx, "application/spdx+json", &spdx_bytes)?;
        self.audit(
            run,
            "sbom",
            map([
                ("image", image_digest.to_string()),
                ("name", name.to_owned()),
            ]),
            map([
                ("cyclonedx", cdx_digest.to_string()),
                ("spdx", spdx_digest.to_string()),
                ("packages", packages.to_string()),
            ]),
        )?;
        Ok(Sboms {
            cataloged,
            image_digest,
            cyclonedx: cdx_digest,
            spdx: spdx_digest,
            packages: packages as u64,
        })
    }

    /// Step 2, attest and log: one signed SBOM-reference statement per SBOM, each logged.
    fn attest_sboms(
        &self,
        run: &mut RunState<'_>,
        target: &Target<'_>,
        sboms: &Sboms,
    ) -> Result<(), PipelineError> {
        for (format, version, media_type, digest, kinds) in [
            (
                "CycloneDX",
                "1.6",
                "application/vnd.cyclonedx+json",
                sboms.cyclonedx,
                (
                    ArtifactKind::SbomCyclonedxAttestation,
                    ArtifactKind::SbomCyclonedxReceipt,
                ),
            ),
            (
                "SPDX",
                "3.0.1",
                "application/spdx+json",
                sboms.spdx,
                (
                    ArtifactKind::SbomSpdxAttestation,
                    ArtifactKind::SbomSpdxReceipt,
                ),
            ),
        ] {
            let statement = Statement::builder()
                .subject_digests(target.subject.clone())
                .predicate(&SbomReference {
                    sbom_format: format.to_owned(),
                    sbom_version: version.to_owned(),
                    media_type: media_type.to_owned(),
                    location: SbomLocation { digest, uri: None },
                })
                .and_then(|b| b.build())
                .map_err(attest(Step::Attest))?;
            let (envelope, receipt) = self.sign_and_log(&mut run.out, &statement, kinds)?;
            self.audit(
                run,
                "attest",
                map([
                    ("image", target.image_digest.to_string()),
                    ("sbom", digest.to_string()),
                ]),
                map([
                    ("envelope", envelope.to_string()),
                    ("signer", self.signer.key_id().to_owned()),
                    ("log_index", receipt.log_index.to_string()),
                ]),
            )?;
            run.attestations.push((envelope, statement, receipt));
        }
        Ok(())
    }

    /// Step 3, scan: matches against the snapshot, traces, stores the findings JSON and SARIF.
    fn scan(
        &self,
        run: &mut RunState<'_>,
        target: &Target<'_>,
        cataloged: Cataloged,
    ) -> Result<Findings, PipelineError> {
        let vuln_err = |source| PipelineError::Vuln {
            step: Step::Scan,
            source,
        };
        let doc = cataloged
            .findings(target.name, Some(target.sbom), target.snapshot)
            .map_err(|e| match e {
                FindingsError::Vuln(source) => vuln_err(source),
                FindingsError::Scan(source) => PipelineError::Scan {
                    step: Step::Scan,
                    source,
                },
            })?;
        let json = doc.render(OutputFormat::Json).map_err(vuln_err)?;
        let sarif = doc.render(OutputFormat::Sarif).map_err(vuln_err)?;
        let digest = run
            .out
            .put(ArtifactKind::Findings, "application/json", &json)?;
        let sarif = run
            .out
            .put(ArtifactKind::Sarif, "application/sarif+json", &sarif)?;
        Ok(Findings {
            doc,
            json,
            digest,
            sarif,
        })
    }

    /// Step 4, VEX: generated under the VEX policy (signed, and trusted under the pipeline's
    /// own key), merged with the caller's, applied; stores the OpenVEX document in force.
    fn vex(
        &self,
        run: &mut RunState<'_>,
        target: &Target<'_>,
        findings: &Findings,
        mut sources: Vec<VexSource>,
        mut trust: TrustPolicy,
        vex_policy: &VexPolicy,
    ) -> Result<VexOutcome, PipelineError> {
        let now = self.clock.now();
        let vex_err = |source| PipelineError::Vex {
            step: Step::Vex,
            source,
        };
        let refs =
            read_findings(&findings.json, &canonical::JsonLimits::default()).map_err(vex_err)?;
        let mut generated = generate(&refs, vex_policy, now).map_err(vex_err)?;
        // Only what a rule decided: a generated `under_investigation` says nothing an absent
        // statement does not, and being newer it would outrank the caller's VEX.
        generated
            .statements
            .retain(|s| s.status != Status::UnderInvestigation);
        if !generated.statements.is_empty() {
            // The pipeline signs what its VEX policy decided and trusts its own key for it, at
            // precedence 0: any issuer the caller ranks higher still wins.
            let envelope = stella_vex::sign_document(
                &generated,
                &[(target.name.to_owned(), target.image_digest)],
                self.signer,
            )
            .map_err(vex_err)?;
            run.out.put(
                ArtifactKind::GeneratedVexAttestation,
                DSSE_MEDIA_TYPE,
                &envelope,
            )?;
            let public =
                stella_attest::keys::PublicKey::from_spki_der(&self.signer.public_key_spki_der())
                    .map_err(|e| attest(Step::Vex)(e.into()))?;
            let mut ring = stella_attest::dsse::Keyring::new();
            ring.add(public).map_err(|e| attest(Step::Vex)(e.into()))?;
            sources.push(VexSource::signed(&envelope, &ring).map_err(vex_err)?);
            let own = self.signer.key_id().to_owned();
            if !trust.issuers.iter().any(|i| i.key_ids.contains(&own)) {
                trust.issuers.push(stella_vex::Issuer {
                    name: format!("stella pipeline ({})", vex_policy.author),
                    key_ids: vec![own],
                    ..stella_vex::Issuer::default()
                });
            }
        }
        let set = VexSet::build(sources, &trust, now);
        let applied = set.apply(&refs);
        // With no trusted statement at all there is no VEX document to write: every finding
        // is `under_investigation`, and the counts say so.
        let merged = match set.merge(&MergeOptions {
            now,
            author: vex_policy.author.clone(),
            explain: true,
        }) {
            Ok(m) => Some(m),
            Err(VexError::NoTrustedStatements { .. }) => None,
            Err(e) => return Err(vex_err(e)),
        };
        let openvex = match &merged {
            Some(m) => {
                let openvex = m.document.to_json().map_err(vex_err)?;
                Some(
                    run.out
                        .put(ArtifactKind::Openvex, "application/openvex+json", &openvex)?,
                )
            }
            None => None,
        };
        Ok(VexOutcome {
            now,
            applied,
            merged,
            openvex,
        })
    }

    /// Step 5, attest the scan: the signed scan-result statement (its summary counts what VEX
    /// left `under_investigation`), logged; then the audit events of the scan and VEX steps.
    fn attest_scan(
        &self,
        run: &mut RunState<'_>,
        target: &Target<'_>,
        findings: &Findings,
        vex: &VexOutcome,
        by_severity: &SeveritySummary,
    ) -> Result<(), PipelineError> {
        let counts = &vex.applied.counts;
        let snapshot = target.snapshot;
        let scan_statement = Statement::builder()
            .subject_digests(target.subject.clone())
            .predicate(&ScanResult {
                scanner: Tool {
                    name: "stella".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                },
                database: DatabaseSnapshot {
                    digest: snapshot.digest(),
                    snapshot_date: Timestamp::parse_rfc3339(&snapshot.info().date).map_err(
                        |e| {
                            core(Step::Scan)(CoreError::Backend {
                                backend: "snapshot",
                                source: Box::new(e),
                            })
                        },
                    )?,
                },
                sbom_digest: target.sbom,
                config_digest: Digest::of(br#"{"format":"json"}"#),
                findings_digest: findings.digest,
                findings_media_type: "application/json".into(),
                summary: SeverityCounts {
                    critical: by_severity.critical,
                    high: by_severity.high,
                    medium: by_severity.medium,
                    low: by_severity.low,
                    unknown: by_severity.unknown,
                    under_investigation: counts.under_investigation as u64,
                },
                scanned_at: vex.now,
            })
            .and_then(|b| b.build())
            .map_err(attest(Step::Attest))?;
        let (scan_envelope, scan_receipt) = self.sign_and_log(
            &mut run.out,
            &scan_statement,
            (ArtifactKind::ScanAttestation, ArtifactKind::ScanReceipt),
        )?;
        run.attestations
            .push((scan_envelope, scan_statement, scan_receipt));
        self.audit(
            run,
            "scan",
            map([
                ("image", target.image_digest.to_string()),
                ("sbom", target.sbom.to_string()),
                ("db", snapshot.digest().to_string()),
            ]),
            map([
                ("findings", findings.digest.to_string()),
                ("sarif", findings.sarif.to_string()),
                ("attestation", scan_envelope.to_string()),
                ("count", findings.doc.findings.len().to_string()),
            ]),
        )?;
        self.audit(
            run,
            "vex",
            map([("findings", findings.digest.to_string())]),
            map([
                (
                    "openvex",
                    vex.openvex
                        .map_or_else(|| "none".to_owned(), |d| d.to_string()),
                ),
                ("affected", counts.affected.to_string()),
                ("fixed", counts.fixed.to_string()),
                ("not_affected", counts.not_affected.to_string()),
                (
                    "under_investigation",
                    counts.under_investigation.to_string(),
                ),
            ]),
        )
    }

    /// Step 6, gate: builds and stores the gate input, decides, stores the decision record and
    /// its signed, logged envelope.
    fn gate(
        &self,
        run: &mut RunState<'_>,
        target: &Target<'_>,
        findings: &Findings,
        vex: &VexOutcome,
        policy: &Bundle,
        options: &GateOptions,
    ) -> Result<GateSummary, PipelineError> {
        let policy_err = |source| PipelineError::Policy {
            step: Step::Gate,
            source,
        };
        let mut builder = GateInputBuilder::new(target.image_digest, Some(target.name.to_owned()))
            .scan(scan_manifest(
                &findings.doc,
                target.snapshot,
                target.sbom,
                findings.digest,
            ))
            .findings(&findings.doc.findings, &vex.applied.findings);
        if let Some(m) = &vex.merged {
            builder = builder.vex(&m.document);
        }
        for (envelope, statement, receipt) in &run.attestations {
            builder = builder.attestation(
                *envelope,
                statement,
                Some(self.signer.key_id()),
                Some(receipt),
            );
        }
        let gate_input = builder.build();
        let input_bytes = gate_input.to_canonical_json().map_err(policy_err)?;
        run.out
            .put(ArtifactKind::GateInput, "application/json", &input_bytes)?;
        let gate = Gate::new(policy, options.clone()).map_err(policy_err)?;
        let record = gate
            .decide(&gate_input, policy, self.clock, &run.actor)
            .map_err(policy_err)?;
        let record_bytes = record.to_canonical_json().map_err(policy_err)?;
        let record_digest = run.out.put(
            ArtifactKind::DecisionRecord,
            "application/json",
            &record_bytes,
        )?;
        let statement = record.to_statement().map_err(policy_err)?;
        let (decision_envelope, decision_receipt) = self.sign_and_log(
            &mut run.out,
            &statement,
            (
                ArtifactKind::DecisionAttestation,
                ArtifactKind::DecisionReceipt,
            ),
        )?;
        let mut violations = record.result.violations.clone();
        violations.sort();
        let mut warnings = record.result.warnings.clone();
        warnings.sort();
        self.audit(
            run,
            "decision",
            map([
                ("image", target.image_digest.to_string()),
                ("input", record.input_digest.to_string()),
                ("policy", record.policy.digest.to_string()),
            ]),
            map([
                (
                    "verdict",
                    if record.result.allow { "allow" } else { "deny" }.to_owned(),
                ),
                ("record", record_digest.to_string()),
                ("envelope", decision_envelope.to_string()),
                ("log_index", decision_receipt.log_index.to_string()),
            ]),
        )?;
        Ok(GateSummary {
            allow: record.result.allow,
            violations,
            warnings,
            policy_digest: record.policy.digest,
        })
    }
}

fn severity_summary(findings: &[matcher::Finding]) -> SeveritySummary {
    let mut s = SeveritySummary::default();
    for f in findings {
        match f.severity.level {
            Level::Critical => s.critical += 1,
            Level::High => s.high += 1,
            Level::Medium => s.medium += 1,
            Level::Low => s.low += 1,
            Level::None | Level::Unknown => s.unknown += 1,
        }
    }
    s
}

fn scan_manifest(
    doc: &FindingsDocument,
    snapshot: &Snapshot,
    sbom: Digest,
    findings: Digest,
) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    let s = |v: String| serde_json::Value::String(v);
    m.insert(
        "scanner".into(),
        s(format!("stella {}", env!("CARGO_PKG_VERSION"))),
    );
    m.insert("db_digest".into(), s(snapshot.digest().to_string()));
    m.insert("db_date".into(), s(snapshot.info().date.clone()));
    m.insert("sbom_digest".into(), s(sbom.to_string()));
    m.insert("findings_digest".into(), s(findings.to_string()));
    m.insert(
        "packages".into(),
        serde_json::Value::from(doc.summary.packages),
    );
    m
}

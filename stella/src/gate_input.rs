//! The gate input built from the outputs of the other crates: a scan's findings
//! (`stella-scan`) with the VEX applied to them and the VEX in force (`stella-vex`), verified
//! attestations with their log receipts (`stella-attest`), and waivers.
//!
//! `stella-policy` defines the input (its schema and strict parser) and stays free of the
//! scanner and VEX crates; this builder is the bridge, used by the pipeline, by `stella gate
//! --findings`, and by anyone gating from library calls.
//!
//! ```
//! use stella::gate_input::GateInputBuilder;
//! use stella_core::{Digest, Timestamp};
//!
//! let image = Digest::of(b"manifest");
//! let now = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z")?;
//! let input = GateInputBuilder::new(image, Some("shop-api:1.0".into()))
//!     .waiver("CVE-2024-1", "accepted until the fix ships", Timestamp::parse_rfc3339("2026-02-01T00:00:00Z")?, now)
//!     .build();
//! assert_eq!(input.image.map(|i| i.digest), Some(image.to_string()));
//! assert!(input.waivers[0].valid);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use stella_attest::statement::Statement;
use stella_attest::transparency::bundle::{Verification, VerifiedContent};
use stella_core::{Digest, LogReceipt, Timestamp};
use stella_policy::GateInput;
use stella_policy::input::{
    self, Attestation, Finding, Image, PackageRef, Reachability, Rekor, Score, ScoreKind, Severity,
    Symbols, VexStatement, VexStatus, Waiver,
};
use stella_vex::{AppliedFinding, Component, Document, Status};
use stella_vuln::matcher;
use stella_vuln::severity::Level;
use stella_vuln::symbols::SymbolStatus;

/// Builds a [`GateInput`]; [`GateInputBuilder::build`] sorts every list by its stated key, so
/// the order of calls does not change the input's digest.
#[derive(Debug, Clone)]
pub struct GateInputBuilder {
    input: GateInput,
}

/// The gate's VEX status of an OpenVEX status.
pub fn vex_status(s: Status) -> VexStatus {
    match s {
        Status::NotAffected => VexStatus::NotAffected,
        Status::Affected => VexStatus::Affected,
        Status::Fixed => VexStatus::Fixed,
        Status::UnderInvestigation => VexStatus::UnderInvestigation,
    }
}

/// The gate's scores of a finding's severity: every CVSS vector and rating of its alias group
/// (in the finding's order: vectors, then ratings), and the one that decided its level.
pub fn scores(severity: &stella_vuln::severity::Severity) -> (Option<Score>, Vec<Score>) {
    let vectors = severity.vectors.iter().map(|v| Score {
        kind: ScoreKind::Cvss,
        record: v.source.to_string(),
        feed: v.feed.to_string(),
        severity: self::severity(Level::from_score(v.score)),
        version: v.version.map(|x| x.as_str().to_owned()),
        vector: Some(v.vector.to_string()),
        score: Some(v.score),
        rating: None,
    });
    let ratings = severity.ratings.iter().map(|r| Score {
        kind: ScoreKind::Rating,
        record: r.source.to_string(),
        feed: r.feed.to_string(),
        severity: self::severity(r.level),
        version: None,
        vector: None,
        score: None,
        rating: Some(r.rating.to_string()),
    });
    let all: Vec<Score> = vectors.chain(ratings).collect();
    let chosen = severity.source.as_ref().and_then(|src| {
        all.iter()
            .find(|s| {
                s.record == src.record.as_str()
                    && match (&src.vector, &src.rating) {
                        (Some(v), _) => s.vector.as_deref() == Some(v.as_str()),
                        (None, Some(r)) => s.rating.as_deref() == Some(r.as_str()),
                        (None, None) => false,
                    }
            })
            .cloned()
    });
    (chosen, all)
}

/// The gate's severity of a scan severity level.
pub fn severity(level: Level) -> Severity {
    match level {
        Level::Critical => Severity::Critical,
        Level::High => Severity::High,
        Level::Medium => Severity::Medium,
        Level::Low => Severity::Low,
        Level::None => Severity::None,
        Level::Unknown => Severity::Unknown,
    }
}

impl GateInputBuilder {
    /// An input about the image `digest` with no findings, VEX, attestations or waivers yet.
    pub fn new(image: Digest, name: Option<String>) -> Self {
        Self {
            input: GateInput {
                image: Some(Image {
                    digest: image.to_string(),
                    name,
                }),
                scan: serde_json::Map::new(),
                findings: Vec::new(),
                vex: Vec::new(),
                attestations: Vec::new(),
                waivers: Vec::new(),
                context: serde_json::Map::new(),
            },
        }
    }

    /// Sets the caller's own data, `input.context` (environment, namespace, team, …), for
    /// policies that read it (`input.context.environment == "prod"`).
    pub fn context(mut self, context: serde_json::Map<String, serde_json::Value>) -> Self {
        self.input.context = context;
        self
    }

    /// Sets the scan manifest (free-form: scanner, DB snapshot, digests).
    pub fn scan(mut self, manifest: serde_json::Map<String, serde_json::Value>) -> Self {
        self.input.scan = manifest;
        self
    }

    /// Adds the DB snapshot's freshness to the scan manifest as `input.scan.db_freshness`
    /// (`date`, `age_days`, `max_age_days`, `stale`; see [`crate::db::freshness`]).
    pub fn db_freshness(mut self, freshness: &crate::db::freshness::Freshness) -> Self {
        if let Ok(v) = serde_json::to_value(freshness) {
            self.input.scan.insert("db_freshness".to_owned(), v);
        }
        self
    }

    /// Adds the scan's findings, each with the VEX status `applied` gives it (a finding VEX
    /// does not cover is `under_investigation`).
    pub fn findings(mut self, findings: &[matcher::Finding], applied: &[AppliedFinding]) -> Self {
        let status_of = |f: &matcher::Finding| {
            applied
                .iter()
                .find(|a| {
                    a.finding.vulnerability == f.id
                        && a.finding.purl.as_deref() == Some(f.package.purl.as_str())
                })
                .map_or(VexStatus::UnderInvestigation, |a| vex_status(a.status))
        };
        self.input.findings.extend(findings.iter().map(|f| {
            let (severity_source, scores) = scores(&f.severity);
            Finding {
                id: f.id.to_string(),
                aliases: f
                    .ids
                    .iter()
                    .filter(|i| **i != f.id)
                    .map(ToString::to_string)
                    .collect(),
                severity: severity(f.severity.level),
                score: f.severity.score,
                exploitability: status_of(f),
                package: Some(PackageRef {
                    purl: f.package.purl.to_string(),
                }),
                fixed_versions: f.fixed_versions.iter().map(ToString::to_string).collect(),
                reachability: match f.reachability {
                    matcher::Reachability::Reachable => Reachability::Reachable,
                    matcher::Reachability::Unreachable => Reachability::Unreachable,
                    matcher::Reachability::Unknown => Reachability::Unknown,
                },
                symbols: f.symbols.as_ref().map(|s| Symbols {
                    status: match s.status {
                        SymbolStatus::Present => input::SymbolStatus::Present,
                        SymbolStatus::Absent => input::SymbolStatus::Absent,
                        SymbolStatus::Unknown => input::SymbolStatus::Unknown,
                    },
                    vulnerable: s.vulnerable.clone(),
                    found: s.found.clone(),
                }),
                severity_source,
                scores,
            }
        }));
        self
    }

    /// Adds the statements of the VEX in force (a merged OpenVEX document): one entry per
    /// (vulnerability, product or subcomponent).
    ///
    /// A `not_affected` statement that `stella_vex::generate` decided (no person reviewed it,
    /// e.g. from the entry-trace) has an `impact_statement` starting with
    /// [`stella_vex::MACHINE_DERIVED`] (`machine-derived:`), so a Rego policy can tell it from a
    /// person's decision without a schema change:
    /// `startswith(object.get(v, "impact_statement", ""), "machine-derived:")`.
    pub fn vex(mut self, document: &Document) -> Self {
        let id_of = |c: &Component| c.identifiers.purl.clone().or_else(|| c.id.clone());
        for st in &document.statements {
            for product in &st.products {
                let ids = std::iter::once(id_of(&product.component))
                    .chain(product.subcomponents.iter().map(id_of))
                    .flatten();
                for id in ids {
                    self.input.vex.push(VexStatement {
                        vuln_id: st.vulnerability.name.clone(),
                        product: Some(id),
                        status: vex_status(st.status),
                        justification: st.justification.map(|j| j.to_string()),
                        impact_statement: st.impact_statement.clone(),
                        action_statement: st.action_statement.clone(),
                    });
                }
            }
        }
        self
    }

    /// Adds a verified attestation: its envelope digest (the id), its statement, who signed it,
    /// and its log receipt when it was logged. Pass only statements whose envelope verified.
    pub fn attestation(
        mut self,
        envelope: Digest,
        statement: &Statement,
        signer: Option<&str>,
        receipt: Option<&LogReceipt>,
    ) -> Self {
        let mut subjects: Vec<String> = statement
            .subjects()
            .iter()
            .filter_map(|s| s.sha256().map(|d| d.to_string()))
            .collect();
        subjects.sort();
        subjects.dedup();
        self.input.attestations.push(Attestation {
            id: envelope.to_string(),
            predicate_type: Some(statement.predicate_type().to_owned()),
            subject_digests: subjects,
            signer: signer.map(str::to_owned),
            signer_issuer: None,
            rekor: receipt.map(|r| Rekor {
                log_index: Some(r.log_index),
                inclusion_proof: serde_json::to_value(&r.inclusion_proof).ok(),
            }),
        });
        self
    }

    /// Adds a Sigstore bundle that verified ([`Bundle::verify`](stella_attest::transparency::bundle::Bundle::verify)),
    /// identified by `bundle` (the digest of its JSON). Its signer is what verified: for a
    /// keyless bundle the certificate identity (`signer`, the SAN) and its OIDC issuer
    /// (`signer_issuer`), so a policy can require "signed by this workflow"; for a key-based
    /// one the key id. A DSSE bundle contributes its in-toto statement's predicate type and
    /// subjects; a message-signature bundle the signed artifact's digest. The log index is the
    /// first verified Rekor entry's.
    ///
    /// An envelope whose payload is not an in-toto statement is
    /// [`AttestError`](stella_attest::AttestError) (pass only attestations to the gate).
    pub fn sigstore_bundle(
        mut self,
        bundle: Digest,
        verification: &Verification,
    ) -> Result<Self, stella_attest::AttestError> {
        let (predicate_type, mut subjects) = match &verification.content {
            VerifiedContent::Dsse(envelope) => {
                let statement = Statement::from_json(envelope.payload())?;
                let subjects: Vec<String> = statement
                    .subjects()
                    .iter()
                    .filter_map(|s| s.sha256().map(|d| d.to_string()))
                    .collect();
                (Some(statement.predicate_type().to_owned()), subjects)
            }
            VerifiedContent::Artifact { digest } => (None, vec![digest.to_string()]),
            // Content this version does not know binds nothing (a binding policy then denies).
            _ => (None, Vec::new()),
        };
        subjects.sort();
        subjects.dedup();
        let log_index = verification
            .log_entries
            .iter()
            .map(|e| e.log_index)
            .chain(verification.rekor_v2_entries.iter().map(|e| e.log_index))
            .next();
        self.input.attestations.push(Attestation {
            id: bundle.to_string(),
            predicate_type,
            subject_digests: subjects,
            signer: Some(verification.signer.id().to_owned()),
            signer_issuer: verification.signer.issuer().map(str::to_owned),
            rekor: log_index.map(|i| Rekor {
                log_index: Some(i),
                inclusion_proof: None,
            }),
        });
        Ok(self)
    }

    /// Adds a waiver of `vuln_id`, valid while `now` is before `expires`.
    pub fn waiver(
        mut self,
        vuln_id: impl Into<String>,
        reason: impl Into<String>,
        expires: Timestamp,
        now: Timestamp,
    ) -> Self {
        self.input
            .waivers
            .push(Waiver::new(vuln_id, reason, expires, now));
        self
    }

    /// Adds a VEX waiver (`stella-vex`): one gate waiver per vulnerability it names, when it is
    /// about this image.
    pub fn vex_waiver(mut self, waiver: &stella_vex::Waiver, now: Timestamp) -> Self {
        let image = self.input.image.as_ref().map(|i| i.digest.as_str());
        if image == Some(waiver.artifact.to_string().as_str()) {
            for v in &waiver.vulnerabilities {
                self.input.waivers.push(Waiver::new(
                    v.clone(),
                    waiver.reason.clone(),
                    waiver.expires,
                    now,
                ));
            }
        }
        self
    }

    /// The input, every list sorted.
    pub fn build(mut self) -> GateInput {
        self.input.sort();
        self.input
    }
}

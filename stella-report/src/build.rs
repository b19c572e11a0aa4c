//! Reading the run's documents into a [`Report`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use stella_attest::dsse::{Envelope, Keyring, PAYLOAD_TYPE_IN_TOTO};
use stella_attest::keys::PublicKey;
use stella_attest::transparency::merkle;
use stella_attest::transparency::note::NoteVerifier;
use stella_attest::transparency::verify_receipt;
use stella_core::canonical::{JsonLimits, from_slice_strict_with};
use stella_core::{Digest, LogReceipt, Timestamp};

use crate::ReportError;
use crate::model::{
    Bar, Counts, Database, Decision, EvidenceLink, Finding, Image, Reachability, Receipt, Report,
    Severity, Status, TracePath, Verification, Waiver,
};

/// The artifacts of a run by digest (`sha256:<hex>`), as the caller read them from its store.
/// The report checks every one against its digest, so a store that lies shows as `failed`.
pub type Blobs = BTreeMap<String, Vec<u8>>;

/// How to read and check the documents.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Public keys that may have signed the run's envelopes and its log's checkpoints (the
    /// run's key). Without any, signatures and checkpoints show as not checked (`partial`).
    pub keys: Vec<PublicKey>,
    /// Bounds on each JSON document (size, depth).
    pub limits: JsonLimits,
}

#[derive(Deserialize)]
struct RunDoc {
    image_digest: String,
    image_name: String,
    #[serde(default)]
    packages: Option<u64>,
    #[serde(default)]
    findings: Option<u64>,
    #[serde(default)]
    by_vex_status: BTreeMap<String, u64>,
    #[serde(default)]
    gate: Option<GateDoc>,
    #[serde(default)]
    artifacts: Vec<ArtifactDoc>,
    /// `audit log` when the caller rebuilt the run report from a store's audit log (which
    /// does not name the log receipts).
    #[serde(default)]
    source: Option<String>,
}

#[derive(Deserialize)]
struct GateDoc {
    allow: bool,
    #[serde(default)]
    violations: Vec<String>,
    #[serde(default)]
    warnings: Vec<String>,
    policy_digest: String,
}

#[derive(Deserialize)]
struct ArtifactDoc {
    kind: String,
    digest: String,
}

#[derive(Deserialize)]
struct FindingsDoc {
    db: DbDoc,
    findings: Vec<FindingDoc>,
    #[serde(default)]
    target: Option<TargetDoc>,
}

#[derive(Deserialize)]
struct DbDoc {
    date: String,
    digest: String,
    #[serde(default)]
    records: u64,
}

#[derive(Deserialize)]
struct TargetDoc {
    #[serde(default)]
    os: Option<OsDoc>,
}

#[derive(Deserialize)]
struct OsDoc {
    #[serde(default)]
    pretty_name: Option<String>,
}

#[derive(Deserialize)]
struct FindingDoc {
    id: String,
    #[serde(default)]
    ids: Vec<String>,
    #[serde(default)]
    summary: Option<String>,
    package: PackageDoc,
    #[serde(default)]
    fixed_versions: Vec<String>,
    severity: SeverityDoc,
    status: String,
    #[serde(default)]
    reachability: Option<String>,
    #[serde(default)]
    trace: Vec<String>,
    #[serde(default)]
    evidence: Option<FindingEvidenceDoc>,
}

#[derive(Deserialize)]
struct PackageDoc {
    name: String,
    version: String,
    purl: String,
    #[serde(default)]
    ecosystem: Option<String>,
}

#[derive(Deserialize)]
struct SeverityDoc {
    level: String,
    #[serde(default)]
    score: Option<f64>,
    #[serde(default)]
    vectors: Vec<VectorDoc>,
}

#[derive(Deserialize)]
struct VectorDoc {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    score: Option<f64>,
}

#[derive(Deserialize)]
struct FindingEvidenceDoc {
    #[serde(default)]
    locations: Vec<LocationDoc>,
}

#[derive(Deserialize)]
struct LocationDoc {
    #[serde(default)]
    layer: Option<String>,
}

#[derive(Deserialize)]
struct GateInputDoc {
    #[serde(default)]
    findings: Vec<GateFindingDoc>,
    #[serde(default)]
    vex: Vec<GateVexDoc>,
    #[serde(default)]
    waivers: Vec<WaiverDoc>,
}

#[derive(Deserialize)]
struct GateFindingDoc {
    id: String,
    package: GatePackageDoc,
    exploitability: String,
}

#[derive(Deserialize)]
struct GatePackageDoc {
    purl: String,
}

#[derive(Deserialize)]
struct GateVexDoc {
    vuln_id: String,
    product: String,
    status: String,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    impact_statement: Option<String>,
    #[serde(default)]
    action_statement: Option<String>,
}

#[derive(Deserialize)]
struct WaiverDoc {
    vuln_id: String,
    reason: String,
    expires: String,
    valid: bool,
}

#[derive(Deserialize)]
struct DecisionDoc {
    decided_at: String,
    #[serde(default)]
    actor: Option<String>,
    policy: PolicyDoc,
    result: ResultDoc,
}

#[derive(Deserialize)]
struct PolicyDoc {
    digest: String,
    #[serde(default)]
    revision: Option<String>,
}

#[derive(Deserialize)]
struct ResultDoc {
    allow: bool,
    #[serde(default)]
    violations: Vec<String>,
    #[serde(default)]
    warnings: Vec<String>,
}

#[derive(Deserialize)]
struct CycloneDoc {
    #[serde(default)]
    metadata: Option<CdxMetadata>,
    #[serde(default)]
    components: Vec<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxMetadata {
    #[serde(default)]
    component: Option<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxComponent {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    purl: Option<String>,
    #[serde(default)]
    properties: Vec<CdxProperty>,
}

#[derive(Deserialize)]
struct CdxProperty {
    name: String,
    #[serde(default)]
    value: String,
}

fn parse<T: DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
    limits: &JsonLimits,
) -> Result<T, ReportError> {
    from_slice_strict_with(bytes, limits).map_err(|source| ReportError::Document { what, source })
}

/// The artifacts of the run: kind → digest, and the bytes the caller supplied.
struct Artifacts<'a> {
    by_kind: BTreeMap<String, String>,
    blobs: &'a Blobs,
}

impl Artifacts<'_> {
    fn digest(&self, kind: &str) -> Option<&str> {
        self.by_kind.get(kind).map(String::as_str)
    }

    /// The bytes of `kind` when the run lists it, the caller supplied them and they match.
    fn bytes(&self, kind: &str) -> Option<&[u8]> {
        let digest = self.digest(kind)?;
        let bytes = self.blobs.get(digest)?;
        (Digest::of(bytes).to_string() == digest).then_some(bytes.as_slice())
    }
}

impl Report {
    /// Builds the report of one run from its run report (`stella run --json`, the pipeline's
    /// `RunReport` as JSON) and the artifacts it lists, by digest.
    ///
    /// The findings document is required (a [`ReportError::MissingArtifact`] without it);
    /// the gate input (statuses after VEX, justifications, waivers), the decision record, the
    /// CycloneDX SBOM (platform, layers, packages) and the envelopes and receipts of the
    /// evidence chain are used when given, and their absence is shown. Every document goes
    /// through the strict JSON parser within `options.limits`.
    ///
    /// ```
    /// use stella_report::{Blobs, BuildOptions, Report, Status};
    /// use stella_core::Digest;
    ///
    /// let findings = br#"{"db":{"date":"2024-06-01T00:00:00Z","digest":"sha256:00","records":1},
    ///   "findings":[{"id":"CVE-1","package":{"name":"a","version":"1","purl":"pkg:npm/a@1"},
    ///   "severity":{"level":"high"},"status":"under_investigation"}]}"#;
    /// let digest = Digest::of(findings).to_string();
    /// let run = format!(r#"{{"image_digest":"sha256:ab","image_name":"app:1",
    ///   "artifacts":[{{"kind":"findings","digest":"{digest}"}}]}}"#);
    /// let blobs = Blobs::from([(digest, findings.to_vec())]);
    /// let report = Report::build(run.as_bytes(), &blobs, &BuildOptions::default())?;
    /// assert_eq!(report.counts.status(Status::UnderInvestigation), 1);
    /// # Ok::<(), stella_report::ReportError>(())
    /// ```
    pub fn build(
        run_report: &[u8],
        blobs: &Blobs,
        options: &BuildOptions,
    ) -> Result<Report, ReportError> {
        let limits = &options.limits;
        let run: RunDoc = parse("run report", run_report, limits)?;
        let artifacts = Artifacts {
            by_kind: run
                .artifacts
                .iter()
                .map(|a| (a.kind.clone(), a.digest.clone()))
                .collect(),
            blobs,
        };
        let mut problems = Vec::new();
        let findings_bytes =
            artifacts
                .bytes("findings")
                .ok_or_else(|| ReportError::MissingArtifact {
                    kind: "findings",
                    digest: artifacts.digest("findings").unwrap_or("").to_owned(),
                })?;
        let findings_doc: FindingsDoc = parse("findings", findings_bytes, limits)?;
        let gate_input: Option<GateInputDoc> = artifacts
            .bytes("gate-input")
            .map(|b| parse("gate input", b, limits))
            .transpose()?;
        let decision_doc: Option<DecisionDoc> = artifacts
            .bytes("decision-record")
            .map(|b| parse("decision record", b, limits))
            .transpose()?;
        let sbom: Option<CycloneDoc> = artifacts
            .bytes("sbom-cyclonedx")
            .map(|b| parse("CycloneDX SBOM", b, limits))
            .transpose()?;
        let receipt_doc: Option<LogReceipt> = artifacts
            .bytes("decision-receipt")
            .map(|b| parse("decision receipt", b, limits))
            .transpose()?;

        let findings = join_findings(findings_doc.findings, gate_input.as_ref(), &run)?;
        let counts = Counts::of(&findings);
        check_counts(&run, &counts, &mut problems);

        let mut image = Image {
            name: run.image_name.clone(),
            digest: run.image_digest.clone(),
            os: findings_doc
                .target
                .and_then(|t| t.os)
                .and_then(|o| o.pretty_name),
            ..Image::default()
        };
        let (by_ecosystem, by_layer, sbom_packages) = match &sbom {
            Some(sbom) => packages(sbom, &mut image),
            None => {
                problems.push(
                    "the CycloneDX SBOM was not supplied: no platform, layers or package breakdown"
                        .to_owned(),
                );
                (Vec::new(), Vec::new(), None)
            }
        };
        let packages_total = sbom_packages.or(run.packages).unwrap_or(0);
        if let (Some(listed), Some(counted)) = (run.packages, sbom_packages) {
            if listed != counted {
                problems.push(format!(
                    "the run report counts {listed} packages, the SBOM lists {counted}"
                ));
            }
        }

        let from_audit = run.source.as_deref() == Some("audit log");
        let evidence = evidence_chain(&artifacts, &run.image_digest, &options.keys, from_audit);
        let signed_by = signers(&artifacts, "decision-attestation");
        let decision = decision(&run, decision_doc, signed_by, receipt_doc, &mut problems)?;
        let scanned_at = decision.as_ref().and_then(|d| d.decided_at);

        let mut waivers = Vec::new();
        for w in gate_input.map(|g| g.waivers).unwrap_or_default() {
            let expires = Timestamp::parse_rfc3339(&w.expires).map_err(|_| ReportError::Field {
                what: "gate input",
                field: "waivers[].expires",
                value: truncate(&w.expires),
            })?;
            waivers.push(Waiver {
                vuln_id: w.vuln_id,
                reason: w.reason,
                expires,
                valid: w.valid,
            });
        }
        waivers.sort_by(|a, b| {
            (a.expires, &a.vuln_id, &a.reason).cmp(&(b.expires, &b.vuln_id, &b.reason))
        });

        Ok(Report {
            image,
            decision,
            paths: trace_paths(&findings),
            counts,
            findings,
            evidence,
            waivers,
            packages: packages_total,
            by_ecosystem,
            by_layer,
            database: Database {
                date: findings_doc.db.date,
                digest: findings_doc.db.digest,
                records: findings_doc.db.records,
            },
            scanned_at,
            problems,
        })
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(80).collect()
}

fn join_findings(
    docs: Vec<FindingDoc>,
    gate: Option<&GateInputDoc>,
    run: &RunDoc,
) -> Result<Vec<Finding>, ReportError> {
    // (id, purl) → status after VEX, as the gate saw it.
    let applied: BTreeMap<(&str, &str), &str> = gate
        .map(|g| {
            g.findings
                .iter()
                .map(|f| {
                    (
                        (f.id.as_str(), f.package.purl.as_str()),
                        f.exploitability.as_str(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    // vulnerability id → the statements about it, with their position in the document.
    let mut vex_by_id: BTreeMap<&str, Vec<(usize, &GateVexDoc)>> = BTreeMap::new();
    for (i, s) in gate
        .map(|g| g.vex.as_slice())
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        vex_by_id
            .entry(s.vuln_id.as_str())
            .or_default()
            .push((i, s));
    }
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        let status_text = applied
            .get(&(doc.id.as_str(), doc.package.purl.as_str()))
            .copied()
            .unwrap_or(doc.status.as_str());
        let status = Status::parse(status_text).ok_or_else(|| ReportError::Field {
            what: "findings",
            field: "status",
            value: truncate(status_text),
        })?;
        let severity = Severity::parse(&doc.severity.level).ok_or_else(|| ReportError::Field {
            what: "findings",
            field: "severity.level",
            value: truncate(&doc.severity.level),
        })?;
        let reachability = match doc.reachability.as_deref() {
            Some("reachable") => Reachability::Reachable,
            Some("unreachable") => Reachability::Unreachable,
            _ => Reachability::Unknown,
        };
        let aliases: Vec<String> = doc.ids.iter().filter(|i| **i != doc.id).cloned().collect();
        // The first statement (in document order) about one of the finding's names with its
        // status, about its package, else about the image.
        let candidates: Vec<(usize, &GateVexDoc)> = {
            let mut c: Vec<(usize, &GateVexDoc)> = std::iter::once(doc.id.as_str())
                .chain(aliases.iter().map(String::as_str))
                .filter_map(|name| vex_by_id.get(name))
                .flatten()
                .copied()
                .filter(|(_, s)| s.status == status.as_str())
                .collect();
            c.sort_by_key(|(i, _)| *i);
            c
        };
        let statement = candidates
            .iter()
            .find(|(_, s)| s.product == doc.package.purl)
            .or_else(|| {
                candidates
                    .iter()
                    .find(|(_, s)| s.product == run.image_digest)
            })
            .map(|(_, s)| *s);
        let severity_source = doc
            .severity
            .vectors
            .iter()
            .find(|v| v.score == doc.severity.score)
            .or(doc.severity.vectors.first())
            .and_then(|v| match (&v.kind, &v.source) {
                (Some(k), Some(s)) => Some(format!("{k} from {s}")),
                (Some(k), None) => Some(k.clone()),
                (None, Some(s)) => Some(s.clone()),
                (None, None) => None,
            });
        let layers: BTreeSet<String> = doc
            .evidence
            .map(|e| e.locations.into_iter().filter_map(|l| l.layer).collect())
            .unwrap_or_default();
        out.push(Finding {
            aliases,
            summary: doc.summary,
            ecosystem: doc.package.ecosystem.unwrap_or_default(),
            package: doc.package.name,
            purl: doc.package.purl,
            installed: doc.package.version,
            fixed: doc.fixed_versions,
            severity,
            score: doc.severity.score,
            severity_source,
            status,
            justification: statement.and_then(|s| s.justification.clone()),
            statement: statement.and_then(|s| {
                s.impact_statement
                    .clone()
                    .or_else(|| s.action_statement.clone())
            }),
            reachability,
            trace: if reachability == Reachability::Reachable {
                doc.trace
            } else {
                Vec::new()
            },
            layers: layers.into_iter().collect(),
            id: doc.id,
        });
    }
    out.sort_by(|a, b| {
        (b.severity.rank(), a.status.index(), &a.id, &a.purl).cmp(&(
            a.severity.rank(),
            b.status.index(),
            &b.id,
            &b.purl,
        ))
    });
    Ok(out)
}

fn check_counts(run: &RunDoc, counts: &Counts, problems: &mut Vec<String>) {
    if let Some(listed) = run.findings {
        if listed != counts.total {
            problems.push(format!(
                "the run report counts {listed} findings, the findings document has {}",
                counts.total
            ));
        }
    }
    for status in Status::ALL {
        if let Some(listed) = run.by_vex_status.get(status.as_str()) {
            let counted = counts.status(status);
            if *listed != counted {
                problems.push(format!(
                    "the run report counts {listed} {status}, the findings after VEX give {counted}"
                ));
            }
        }
    }
}

fn property<'c>(c: &'c CdxComponent, name: &str) -> Option<&'c str> {
    c.properties
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str())
}

/// Packages by ecosystem and by layer, and the package count; fills the image's platform and
/// layers.
fn packages(sbom: &CycloneDoc, image: &mut Image) -> (Vec<Bar>, Vec<Bar>, Option<u64>) {
    if let Some(top) = sbom.metadata.as_ref().and_then(|m| m.component.as_ref()) {
        image.platform = property(top, "stella:platform").map(str::to_owned);
        let mut layers: Vec<(&str, &str)> = top
            .properties
            .iter()
            .filter_map(|p| {
                p.name
                    .strip_prefix("stella:layer:")
                    .map(|n| (n, p.value.as_str()))
            })
            .collect();
        layers.sort();
        image.layers = layers.into_iter().map(|(_, v)| v.to_owned()).collect();
    }
    let mut ecosystems: BTreeMap<String, u64> = BTreeMap::new();
    let mut layers: BTreeMap<String, u64> = BTreeMap::new();
    let mut total = 0u64;
    for c in &sbom.components {
        if c.kind.as_deref() == Some("operating-system") {
            continue;
        }
        total += 1;
        let ecosystem = c
            .purl
            .as_deref()
            .and_then(|p| p.strip_prefix("pkg:"))
            .and_then(|p| p.split('/').next())
            .unwrap_or("(no purl)");
        *ecosystems.entry(ecosystem.to_owned()).or_default() += 1;
        let layer = property(c, "stella:layer_digest").unwrap_or("(unknown layer)");
        *layers.entry(layer.to_owned()).or_default() += 1;
    }
    let mut by_ecosystem: Vec<Bar> = ecosystems
        .into_iter()
        .map(|(label, count)| Bar { label, count })
        .collect();
    by_ecosystem.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    // Layers in image order (every layer, even one with no packages), then any the image
    // does not list.
    let mut by_layer: Vec<Bar> = image
        .layers
        .iter()
        .map(|l| Bar {
            label: l.clone(),
            count: layers.remove(l).unwrap_or(0),
        })
        .collect();
    by_layer.extend(
        layers
            .into_iter()
            .map(|(label, count)| Bar { label, count }),
    );
    (by_ecosystem, by_layer, Some(total))
}

fn trace_paths(findings: &[Finding]) -> Vec<TracePath> {
    let mut paths: BTreeMap<(String, &[String]), Vec<String>> = BTreeMap::new();
    for f in findings {
        if f.reachability == Reachability::Reachable && !f.trace.is_empty() {
            paths
                .entry((format!("{} {}", f.package, f.installed), &f.trace))
                .or_default()
                .push(f.id.clone());
        }
    }
    paths
        .into_iter()
        .map(|((package, steps), mut ids)| {
            ids.sort();
            ids.dedup();
            TracePath {
                steps: steps.to_vec(),
                package,
                findings: ids,
            }
        })
        .collect()
}

fn signers(artifacts: &Artifacts<'_>, kind: &str) -> Vec<String> {
    artifacts
        .bytes(kind)
        .and_then(|b| Envelope::from_json(b).ok())
        .map(|e| {
            let mut ids: Vec<String> = e
                .signatures()
                .iter()
                .map(|s| s.keyid().to_owned())
                .collect();
            ids.sort();
            ids.dedup();
            ids
        })
        .unwrap_or_default()
}

fn decision(
    run: &RunDoc,
    doc: Option<DecisionDoc>,
    signed_by: Vec<String>,
    receipt: Option<LogReceipt>,
    problems: &mut Vec<String>,
) -> Result<Option<Decision>, ReportError> {
    let receipt = receipt.map(|r| Receipt {
        origin: r.checkpoint.0.lines().next().map(str::to_owned),
        log_index: r.log_index,
        tree_size: r.inclusion_proof.tree_size,
        root_hash: hex_of(&r.inclusion_proof.root_hash.0),
    });
    let decision = match (doc, &run.gate) {
        (Some(d), gate) => {
            if let Some(g) = gate {
                if g.allow != d.result.allow || g.policy_digest != d.policy.digest {
                    problems.push(
                        "the run report's gate summary and the decision record disagree; the decision record is shown".to_owned(),
                    );
                }
            }
            let decided_at =
                Timestamp::parse_rfc3339(&d.decided_at).map_err(|_| ReportError::Field {
                    what: "decision record",
                    field: "decided_at",
                    value: truncate(&d.decided_at),
                })?;
            let mut violations = d.result.violations;
            violations.sort();
            let mut warnings = d.result.warnings;
            warnings.sort();
            Some(Decision {
                allow: d.result.allow,
                violations,
                warnings,
                policy_digest: d.policy.digest,
                policy_revision: d.policy.revision,
                decided_at: Some(decided_at),
                actor: d.actor,
                signed_by,
                receipt,
            })
        }
        (None, Some(g)) => Some(Decision {
            allow: g.allow,
            violations: g.violations.clone(),
            warnings: g.warnings.clone(),
            policy_digest: g.policy_digest.clone(),
            policy_revision: None,
            decided_at: None,
            actor: None,
            signed_by,
            receipt,
        }),
        (None, None) => None,
    };
    Ok(decision)
}

fn hex_of(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The chain SBOM → attestation → receipt → scan → VEX → decision, one link per artifact.
fn evidence_chain(
    artifacts: &Artifacts<'_>,
    image_digest: &str,
    keys: &[PublicKey],
    from_audit: bool,
) -> Vec<EvidenceLink> {
    const CHAIN: [(&str, &str); 13] = [
        ("SBOM", "sbom-cyclonedx"),
        ("SBOM", "sbom-spdx"),
        ("SBOM attestation", "sbom-cyclonedx-attestation"),
        ("transparency receipt", "sbom-cyclonedx-receipt"),
        ("SBOM attestation", "sbom-spdx-attestation"),
        ("transparency receipt", "sbom-spdx-receipt"),
        ("scan", "findings"),
        ("scan attestation", "scan-attestation"),
        ("transparency receipt", "scan-receipt"),
        ("VEX", "openvex"),
        ("decision", "decision-record"),
        ("decision attestation", "decision-attestation"),
        ("transparency receipt", "decision-receipt"),
    ];
    CHAIN
        .iter()
        .map(|(step, kind)| {
            let digest = artifacts.digest(kind).map(str::to_owned);
            let verification = match &digest {
                None if from_audit => Verification::Missing(
                    "not named by the audit log; give the run report (stella run --json) for it"
                        .to_owned(),
                ),
                None if *kind == "openvex" => Verification::Missing(
                    "no VEX statement was trusted in this run, so there is no OpenVEX document"
                        .to_owned(),
                ),
                None => Verification::Missing("the run did not record this artifact".to_owned()),
                Some(d) => check_link(artifacts, kind, d, image_digest, keys),
            };
            EvidenceLink {
                step,
                kind: (*kind).to_owned(),
                digest,
                verification,
            }
        })
        .collect()
}

fn check_link(
    artifacts: &Artifacts<'_>,
    kind: &str,
    digest: &str,
    image_digest: &str,
    keys: &[PublicKey],
) -> Verification {
    let Some(bytes) = artifacts.blobs.get(digest) else {
        return Verification::Missing("listed by the run, but not in the store".to_owned());
    };
    if Digest::of(bytes).to_string() != digest {
        return Verification::Failed("the stored bytes do not match the digest".to_owned());
    }
    if kind.ends_with("-attestation") {
        check_envelope(bytes, image_digest, keys)
    } else if let Some(base) = kind.strip_suffix("-receipt") {
        let envelope_kind = format!("{base}-attestation");
        match artifacts.bytes(&envelope_kind) {
            Some(envelope) => check_receipt(bytes, envelope, keys),
            None => Verification::Missing(format!(
                "the receipt's envelope ({envelope_kind}) is not in the store"
            )),
        }
    } else {
        Verification::Verified("the bytes match the digest".to_owned())
    }
}

fn keyring(keys: &[PublicKey]) -> Option<Keyring> {
    let mut ring = Keyring::new();
    for k in keys {
        ring.add(k.clone()).ok()?;
    }
    Some(ring)
}

fn check_envelope(bytes: &[u8], image_digest: &str, keys: &[PublicKey]) -> Verification {
    let envelope = match Envelope::from_json(bytes) {
        Ok(e) => e,
        Err(e) => return Verification::Failed(format!("not a DSSE envelope: {e}")),
    };
    if keys.is_empty() {
        return Verification::Partial(
            "the bytes match the digest; the signature was not checked (no public key given)"
                .to_owned(),
        );
    }
    let Some(ring) = keyring(keys) else {
        return Verification::Failed("the public keys given do not form a keyring".to_owned());
    };
    let verified = match envelope.verify(&ring, &[PAYLOAD_TYPE_IN_TOTO]) {
        Ok(v) => v,
        Err(e) => return Verification::Failed(format!("DSSE signature: {e}")),
    };
    let hex = image_digest.strip_prefix("sha256:").unwrap_or(image_digest);
    let about_image = serde_json::from_slice::<serde_json::Value>(verified.payload())
        .ok()
        .and_then(|s| s.get("subject").and_then(|v| v.as_array()).cloned())
        .is_some_and(|subjects| {
            subjects
                .iter()
                .any(|s| s.pointer("/digest/sha256").and_then(|v| v.as_str()) == Some(hex))
        });
    if !about_image {
        return Verification::Failed(
            "the signed statement's subject is not the image digest".to_owned(),
        );
    }
    Verification::Verified(format!(
        "DSSE signature by {} over an in-toto statement about the image",
        verified.key_ids().join(", ")
    ))
}

fn check_receipt(bytes: &[u8], envelope: &[u8], keys: &[PublicKey]) -> Verification {
    let receipt: LogReceipt = match serde_json::from_slice(bytes) {
        Ok(r) => r,
        Err(e) => return Verification::Failed(format!("not a log receipt: {e}")),
    };
    let leaf = merkle::leaf_hash(envelope);
    if receipt.leaf_hash != leaf {
        return Verification::Failed("the receipt's leaf hash is not the envelope's".to_owned());
    }
    let proof = &receipt.inclusion_proof;
    if let Err(e) = merkle::verify_inclusion(
        &leaf,
        proof.log_index,
        proof.tree_size,
        &proof.hashes,
        &proof.root_hash,
    ) {
        return Verification::Failed(format!("inclusion proof: {e}"));
    }
    if keys.is_empty() {
        return Verification::Partial(format!(
            "the inclusion proof of leaf {} checks against the root of a tree of {}; the checkpoint signature was not checked (no public key given)",
            proof.log_index, proof.tree_size
        ));
    }
    let origin = receipt.checkpoint.0.lines().next().unwrap_or("");
    let trusted: Vec<NoteVerifier> = keys
        .iter()
        .filter_map(|k| NoteVerifier::new(origin, k.spki_der(), Arc::new(k.clone())).ok())
        .collect();
    match verify_receipt(envelope, &receipt, &trusted) {
        Ok(_) => Verification::Verified(format!(
            "leaf {} included in the signed checkpoint of a tree of {}",
            proof.log_index, proof.tree_size
        )),
        Err(e) => Verification::Failed(format!("receipt: {e}")),
    }
}

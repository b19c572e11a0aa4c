//! The gate input: the one JSON document a policy sees as `input`.
//!
//! The schema is `schema/gate-input.schema.json` in this crate (JSON Schema 2020-12), and
//! [`GATE_INPUT_SCHEMA`] holds its text.
//!
//! What people write by hand is accepted: the seed's own minimal example,
//! `{"findings":[{"id","severity","exploitability"}],"vex":[{"vuln_id","status","justification"}],
//! "attestations":[{"id","rekor"}]}`, is a valid input. A field a policy needs to identify an
//! item or to decide on it is required (a finding's `id`, `severity`, `exploitability`; a VEX
//! statement's `vuln_id` and `status`; an attestation's `id`; a waiver's every field); every
//! other field is optional, and the policy sees its documented default (below), so "absent" and
//! "the default" are the same document and have the same digest. `severity` and
//! `exploitability` stay required on purpose: a default for either (`UNKNOWN`,
//! `under_investigation`) would let a finding that forgot them pass a "deny CRITICAL affected"
//! policy silently.
//!
//! | field | type | default when absent | meaning |
//! |---|---|---|---|
//! | `image` | `{digest, name?}` | absent (`input.image` undefined) | the image the decision is about (`sha256:…`) |
//! | `scan` | object | `{}` | the scan manifest (scanner version, DB snapshot, config hash, …), free-form |
//! | `findings[]` | [`Finding`] | `[]` | `id`, `aliases[]` (`[]`), `severity` (`CRITICAL`…`UNKNOWN`), `score?`, `exploitability` (the VEX-applied status), `package?` (`{purl}`), `fixed_versions[]` (`[]`), `reachability` (`unknown`) |
//! | `vex[]` | [`VexStatement`] | `[]` | `vuln_id`, `product?`, `status`, `justification?`, `impact_statement?`, `action_statement?` |
//! | `attestations[]` | [`Attestation`] | `[]` | `id`, `predicateType?`, `subject_digests[]` (`[]`), `signer?`, `signer_issuer?` (keyless), `rekor?` (`log_index?`, `inclusion_proof?`) |
//! | `waivers[]` | [`Waiver`] | `[]` | `vuln_id`, `reason`, `expires` (RFC 3339), `valid` (not yet expired at decision time) |
//! | `context` | object | `{}` (`input.context` undefined) | the caller's own data for their policies (environment, namespace, team, …): free JSON, at most [`MAX_CONTEXT_BYTES`] and [`MAX_CONTEXT_DEPTH`] levels, bounded while it is parsed |
//!
//! Typed fields stay typed: an unknown field is refused at every level (so `"severty"` or
//! `"reachabilty"` is an error, not a silently ignored field whose default then applies), except
//! inside the two free-form objects, `scan` and `context`. That is the choice between OPA's
//! "anything goes" input and a schema: a policy author who wants data of their own puts it under
//! `input.context` (`input.context.environment == "prod"`), and a typo in a field Stella defines
//! is still caught.
//!
//! Optional fields without a default are omitted, never `null`, so a policy's `not x.field`
//! means "absent".

use serde::{Deserialize, Serialize};
use stella_core::{Digest, Timestamp, canonical};

use crate::error::{InputError, InputProblem, PolicyError};

/// The JSON Schema of the gate input.
pub const GATE_INPUT_SCHEMA: &str = include_str!("../schema/gate-input.schema.json");

/// Limits on the gate input JSON.
pub const MAX_INPUT_BYTES: usize = 256 << 20;

/// Most bytes of `input.context`, counted while it is parsed (each string and key by its
/// length, each other value and each container as 8 bytes), so a huge context is refused before
/// it is held in memory: a caller's environment, namespace and team are a few hundred bytes.
pub const MAX_CONTEXT_BYTES: usize = 1 << 20;

/// Deepest nesting of arrays and objects inside `input.context` (the context object itself is
/// level 1).
pub const MAX_CONTEXT_DEPTH: usize = 32;

/// The gate input (see the module docs for the schema).
///
/// ```
/// use stella_policy::GateInput;
///
/// let input = GateInput::from_json(br#"{
///   "image": {"digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000"},
///   "scan": {}, "findings": [], "vex": [], "attestations": [], "waivers": []
/// }"#)?;
/// assert!(input.findings.is_empty());
/// assert_eq!(input.digest()?, input.digest()?);
/// # Ok::<(), stella_policy::PolicyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateInput {
    /// The image the decision is about (absent: the decision is about no particular image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    /// The scan manifest (free-form object; default `{}`).
    #[serde(default)]
    pub scan: serde_json::Map<String, serde_json::Value>,
    /// Vulnerability findings with their VEX-applied status (default `[]`).
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// VEX statements in force (default `[]`).
    #[serde(default)]
    pub vex: Vec<VexStatement>,
    /// Attestations about the image (default `[]`).
    #[serde(default)]
    pub attestations: Vec<Attestation>,
    /// Waivers, with whether each is still valid at decision time (default `[]`).
    #[serde(default)]
    pub waivers: Vec<Waiver>,
    /// The caller's own data (`input.context`): free JSON, bounded by [`MAX_CONTEXT_BYTES`] and
    /// [`MAX_CONTEXT_DEPTH`] while it is parsed. Empty is the same as absent.
    #[serde(
        default,
        skip_serializing_if = "serde_json::Map::is_empty",
        deserialize_with = "crate::context::deserialize"
    )]
    pub context: serde_json::Map<String, serde_json::Value>,
}

/// The image a decision is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// `sha256:<hex>` of the image manifest.
    pub digest: String,
    /// The image name or reference, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Severity as the seed's policies spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Critical.
    Critical,
    /// High.
    High,
    /// Medium.
    Medium,
    /// Low.
    Low,
    /// None.
    None,
    /// Unknown.
    Unknown,
}

/// An OpenVEX status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    /// Not affected.
    NotAffected,
    /// Affected.
    Affected,
    /// Fixed.
    Fixed,
    /// Under investigation (the default when no statement covers a finding).
    UnderInvestigation,
}

/// Whether vulnerable code is reachable from the image entrypoint (default `unknown`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reachability {
    /// A chain from the entrypoint reaches it.
    Reachable,
    /// No chain reaches it.
    Unreachable,
    /// Not analysed.
    #[default]
    Unknown,
}

/// Whether a compiled binary links the vulnerable symbols (symbol-level evidence).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SymbolStatus {
    /// At least one vulnerable symbol is linked.
    Present,
    /// Every vulnerable symbol was checked and none is linked.
    Absent,
    /// Nothing can be concluded (no symbols in the record, tables unreadable).
    Unknown,
}

/// A finding's symbol-level evidence, beside its reachability: a policy reads both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Symbols {
    /// The status.
    pub status: SymbolStatus,
    /// The vulnerable symbols the records name.
    pub vulnerable: Vec<String>,
    /// Those linked in the binary.
    pub found: Vec<String>,
}

/// A package coordinate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageRef {
    /// The package URL.
    pub purl: String,
}

/// One vulnerability finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// The vulnerability id (CVE, GHSA, OSV id).
    pub id: String,
    /// Other ids of the same vulnerability (default `[]`).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Severity.
    pub severity: Severity,
    /// CVSS base score, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The VEX-applied status of this finding.
    pub exploitability: VexStatus,
    /// The affected package, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageRef>,
    /// Versions that fix it (default `[]`).
    #[serde(default)]
    pub fixed_versions: Vec<String>,
    /// Reachability (default `unknown`).
    #[serde(default)]
    pub reachability: Reachability,
    /// Symbol-level evidence (Go and Rust binaries), when it was computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbols: Option<Symbols>,
    /// The score that decided `severity` (absent when it is `UNKNOWN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity_source: Option<Score>,
    /// Every score of the finding's alias group: each CVSS vector and each rating, with the
    /// record and feed it came from (default `[]`), so a policy can apply its own precedence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<Score>,
}

/// What a [`Score`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreKind {
    /// A CVSS vector with its base score.
    Cvss,
    /// A rating without a vector (`database_specific.severity`, an `Ubuntu` severity).
    Rating,
}

/// One score of a finding's alias group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Score {
    /// A CVSS vector or a rating.
    pub kind: ScoreKind,
    /// The advisory record that carries it (`GHSA-…`, `CVE-…` from NVD, …).
    pub record: String,
    /// The feed of that record (`ghsa`, `pypa`, `go`, `nvd`, `osv`, …).
    pub feed: String,
    /// The level this score gives.
    pub severity: Severity,
    /// The CVSS version (`2.0`, `3.0`, `3.1`, `4.0`), for a vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The vector, for a vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
    /// The base score, for a vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The rating as written (`MODERATE`), for a rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<String>,
}

/// One VEX statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VexStatement {
    /// The vulnerability id.
    pub vuln_id: String,
    /// The product (purl or image reference) the statement is about, when named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// The status.
    pub status: VexStatus,
    /// The `not_affected` justification, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    /// The impact statement, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact_statement: Option<String>,
    /// The action statement, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_statement: Option<String>,
}

/// One attestation about the image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    /// An id for messages (the envelope digest, say).
    pub id: String,
    /// The in-toto predicate type, when known.
    #[serde(
        rename = "predicateType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub predicate_type: Option<String>,
    /// The subject digests of the statement (`sha256:…`; default `[]`).
    #[serde(default)]
    pub subject_digests: Vec<String>,
    /// Who signed it, when verified: a key id, or a keyless (Fulcio) signer's certificate
    /// identity (its Subject Alternative Name: a workflow URI, an e-mail address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// For a keyless signer, the OIDC issuer that vouched for `signer` (for GitHub Actions
    /// `https://token.actions.githubusercontent.com`), so a policy can require "signed by this
    /// workflow, as GitHub says"; absent for a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer_issuer: Option<String>,
    /// The transparency-log entry, when logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rekor: Option<Rekor>,
}

/// A transparency-log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rekor {
    /// The entry's index in the log, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
    /// The inclusion proof, when one was obtained and verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion_proof: Option<serde_json::Value>,
}

/// A waiver: an accepted risk with an expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The vulnerability id it waives.
    pub vuln_id: String,
    /// Why.
    pub reason: String,
    /// When it expires.
    pub expires: Timestamp,
    /// Whether it was still valid at decision time (`expires` later than the decision clock).
    pub valid: bool,
}

impl Waiver {
    /// A waiver whose `valid` is computed against `now` (valid while `now < expires`).
    pub fn new(
        vuln_id: impl Into<String>,
        reason: impl Into<String>,
        expires: Timestamp,
        now: Timestamp,
    ) -> Self {
        Self {
            vuln_id: vuln_id.into(),
            reason: reason.into(),
            valid: now.unix_nanos() < expires.unix_nanos(),
            expires,
        }
    }
}

impl GateInput {
    /// Parses a gate input strictly (no duplicate keys, no unknown fields, every required field
    /// present) and checks the image and subject digests.
    pub fn from_json(bytes: &[u8]) -> Result<Self, PolicyError> {
        if bytes.len() > MAX_INPUT_BYTES {
            return Err(InputError::Schema {
                reason: InputProblem::TooLarge {
                    actual: bytes.len(),
                    max: MAX_INPUT_BYTES,
                },
            }
            .into());
        }
        let input: Self = canonical::from_slice_strict(bytes).map_err(|e| InputError::Schema {
            reason: InputProblem::Json(e),
        })?;
        input.check()?;
        Ok(input)
    }

    fn check(&self) -> Result<(), InputError> {
        if let Some(image) = &self.image {
            if Digest::parse(&image.digest).is_err() {
                return Err(InputError::BadDigest {
                    field: "image.digest",
                    value: image.digest.clone(),
                });
            }
        }
        for a in &self.attestations {
            for d in &a.subject_digests {
                if Digest::parse(d).is_err() {
                    return Err(InputError::BadDigest {
                        field: "attestations[].subject_digests[]",
                        value: d.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The input's RFC 8785 canonical JSON.
    pub fn to_canonical_json(&self) -> Result<Vec<u8>, PolicyError> {
        canonical::to_canonical_vec(self).map_err(|reason| InputError::Convert { reason }.into())
    }

    /// SHA-256 of [`GateInput::to_canonical_json`]: the input digest of a decision record.
    pub fn digest(&self) -> Result<Digest, PolicyError> {
        Ok(Digest::of(&self.to_canonical_json()?))
    }

    /// Sorts every list by its stated key, so inputs built in any order are the same document:
    /// findings by (`id`, `package.purl`), VEX by (`vuln_id`, `product`), attestations by `id`,
    /// waivers by (`vuln_id`, `expires`); an absent package or product sorts first.
    pub fn sort(&mut self) {
        self.findings
            .sort_by(|a, b| (&a.id, purl(a)).cmp(&(&b.id, purl(b))));
        self.vex
            .sort_by(|a, b| (&a.vuln_id, &a.product).cmp(&(&b.vuln_id, &b.product)));
        self.attestations.sort_by(|a, b| a.id.cmp(&b.id));
        self.waivers.sort_by(|a, b| {
            (&a.vuln_id, a.expires.unix_nanos()).cmp(&(&b.vuln_id, b.expires.unix_nanos()))
        });
    }

    /// The input as the engine's value type, built directly (no JSON text, no intermediate
    /// `serde_json::Value`) with each object key allocated once and shared.
    pub(crate) fn to_engine_value(&self) -> Result<regorus::Value, PolicyError> {
        let mut b = ValueBuilder::default();
        let findings: Vec<_> = self.findings.iter().map(|f| b.finding(f)).collect();
        let vex: Vec<_> = self.vex.iter().map(|v| b.vex(v)).collect();
        let attestations = self
            .attestations
            .iter()
            .map(|a| b.attestation(a))
            .collect::<Result<Vec<_>, _>>()?;
        let waivers: Vec<_> = self.waivers.iter().map(|w| b.waiver(w)).collect();
        let scan = json_value(&serde_json::Value::Object(self.scan.clone()));
        let mut fields = vec![
            ("attestations", regorus::Value::from(attestations)),
            ("findings", regorus::Value::from(findings)),
            ("scan", scan),
            ("vex", regorus::Value::from(vex)),
            ("waivers", regorus::Value::from(waivers)),
        ];
        if let Some(image) = &self.image {
            let mut i = vec![("digest", str_value(&image.digest))];
            if let Some(name) = &image.name {
                i.push(("name", str_value(name)));
            }
            fields.push(("image", b.object(i)));
        }
        if !self.context.is_empty() {
            let context = json_value(&serde_json::Value::Object(self.context.clone()));
            fields.push(("context", context));
        }
        Ok(b.object(fields))
    }
}

fn purl(f: &Finding) -> Option<&str> {
    f.package.as_ref().map(|p| p.purl.as_str())
}

fn str_value(s: &str) -> regorus::Value {
    regorus::Value::from(s)
}

fn json_value(v: &serde_json::Value) -> regorus::Value {
    regorus::Value::from(v.clone())
}

fn strings(items: &[String]) -> regorus::Value {
    regorus::Value::from(items.iter().map(|s| str_value(s)).collect::<Vec<_>>())
}

fn enum_text<T: Serialize>(v: &T) -> regorus::Value {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => regorus::Value::from(s),
        Ok(other) => json_value(&other),
        Err(_) => regorus::Value::Undefined,
    }
}

/// Builds engine objects with shared key strings.
#[derive(Default)]
struct ValueBuilder {
    keys: std::collections::HashMap<&'static str, regorus::Value>,
}

impl ValueBuilder {
    fn key(&mut self, k: &'static str) -> regorus::Value {
        self.keys
            .entry(k)
            .or_insert_with(|| regorus::Value::from(k))
            .clone()
    }

    fn object(&mut self, fields: Vec<(&'static str, regorus::Value)>) -> regorus::Value {
        let map: std::collections::BTreeMap<regorus::Value, regorus::Value> =
            fields.into_iter().map(|(k, v)| (self.key(k), v)).collect();
        regorus::Value::from(map)
    }

    fn finding(&mut self, f: &Finding) -> regorus::Value {
        let mut fields = vec![
            ("id", str_value(&f.id)),
            ("aliases", strings(&f.aliases)),
            ("severity", enum_text(&f.severity)),
            ("exploitability", enum_text(&f.exploitability)),
            ("fixed_versions", strings(&f.fixed_versions)),
            ("reachability", enum_text(&f.reachability)),
        ];
        if let Some(score) = f.score {
            fields.push(("score", regorus::Value::from(score)));
        }
        if let Some(package) = &f.package {
            let package = self.object(vec![("purl", str_value(&package.purl))]);
            fields.push(("package", package));
        }
        if let Some(source) = &f.severity_source {
            let source = self.score(source);
            fields.push(("severity_source", source));
        }
        if !f.scores.is_empty() {
            let scores: Vec<_> = f.scores.iter().map(|s| self.score(s)).collect();
            fields.push(("scores", regorus::Value::from(scores)));
        }
        self.object(fields)
    }

    fn score(&mut self, s: &Score) -> regorus::Value {
        let mut fields = vec![
            ("kind", enum_text(&s.kind)),
            ("record", str_value(&s.record)),
            ("feed", str_value(&s.feed)),
            ("severity", enum_text(&s.severity)),
        ];
        for (k, o) in [
            ("version", &s.version),
            ("vector", &s.vector),
            ("rating", &s.rating),
        ] {
            if let Some(text) = o {
                fields.push((k, str_value(text)));
            }
        }
        if let Some(score) = s.score {
            fields.push(("score", regorus::Value::from(score)));
        }
        self.object(fields)
    }

    fn vex(&mut self, v: &VexStatement) -> regorus::Value {
        let mut fields = vec![
            ("vuln_id", str_value(&v.vuln_id)),
            ("status", enum_text(&v.status)),
        ];
        for (k, o) in [
            ("product", &v.product),
            ("justification", &v.justification),
            ("impact_statement", &v.impact_statement),
            ("action_statement", &v.action_statement),
        ] {
            if let Some(text) = o {
                fields.push((k, str_value(text)));
            }
        }
        self.object(fields)
    }

    fn attestation(&mut self, a: &Attestation) -> Result<regorus::Value, PolicyError> {
        let mut fields = vec![
            ("id", str_value(&a.id)),
            ("subject_digests", strings(&a.subject_digests)),
        ];
        if let Some(t) = &a.predicate_type {
            fields.push(("predicateType", str_value(t)));
        }
        if let Some(signer) = &a.signer {
            fields.push(("signer", str_value(signer)));
        }
        if let Some(issuer) = &a.signer_issuer {
            fields.push(("signer_issuer", str_value(issuer)));
        }
        if let Some(rekor) = &a.rekor {
            let mut r = Vec::new();
            if let Some(index) = rekor.log_index {
                r.push(("log_index", regorus::Value::from(index)));
            }
            if let Some(proof) = &rekor.inclusion_proof {
                r.push(("inclusion_proof", json_value(proof)));
            }
            let r = self.object(r);
            fields.push(("rekor", r));
        }
        Ok(self.object(fields))
    }

    fn waiver(&mut self, w: &Waiver) -> regorus::Value {
        self.object(vec![
            ("vuln_id", str_value(&w.vuln_id)),
            ("reason", str_value(&w.reason)),
            ("expires", regorus::Value::from(w.expires.to_rfc3339())),
            ("valid", regorus::Value::from(w.valid)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMG: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    fn minimal() -> serde_json::Value {
        serde_json::json!({
            "image": {"digest": IMG}, "scan": {}, "findings": [], "vex": [],
            "attestations": [], "waivers": []
        })
    }

    /// The seed's own example input, as the issue quotes it.
    const SEED_MINIMAL: &str = r#"{"findings":[{"id":"CVE-2024-1","severity":"CRITICAL","exploitability":"affected"}],
        "vex":[{"vuln_id":"CVE-2024-1","status":"not_affected","justification":"component_not_present"}],
        "attestations":[{"id":"att-1","rekor":{"inclusion_proof":{"tree_size":1,"hashes":[]}}}]}"#;

    #[test]
    fn the_seed_minimal_input_parses_with_documented_defaults() {
        let input = GateInput::from_json(SEED_MINIMAL.as_bytes()).unwrap();
        assert_eq!(input.image, None);
        assert!(input.scan.is_empty() && input.waivers.is_empty() && input.context.is_empty());
        let f = &input.findings[0];
        assert_eq!(
            (f.aliases.len(), f.package.as_ref(), f.fixed_versions.len()),
            (0, None, 0)
        );
        assert_eq!(f.reachability, Reachability::Unknown);
        assert_eq!(input.vex[0].product, None);
        assert_eq!(input.attestations[0].predicate_type, None);
        assert_eq!(
            input.attestations[0].rekor.as_ref().unwrap().log_index,
            None
        );
        // Absent and the documented default are the same document.
        let explicit = serde_json::json!({
            "scan": {}, "waivers": [],
            "findings": [{"id": "CVE-2024-1", "aliases": [], "severity": "CRITICAL",
                          "exploitability": "affected", "fixed_versions": [], "reachability": "unknown"}],
            "vex": [{"vuln_id": "CVE-2024-1", "status": "not_affected", "justification": "component_not_present"}],
            "attestations": [{"id": "att-1", "subject_digests": [],
                              "rekor": {"inclusion_proof": {"tree_size": 1, "hashes": []}}}],
            "context": {}
        });
        let explicit = GateInput::from_json(explicit.to_string().as_bytes()).unwrap();
        assert_eq!(input.digest().unwrap(), explicit.digest().unwrap());
        assert_eq!(input, explicit);
        // The engine sees the defaults.
        assert_eq!(
            input.to_engine_value().unwrap(),
            regorus::Value::from(serde_json::to_value(&input).unwrap())
        );
    }

    #[test]
    fn fields_a_policy_decides_on_stay_required() {
        for (field, finding) in [
            (
                "severity",
                serde_json::json!({"id": "CVE-1", "exploitability": "affected"}),
            ),
            (
                "exploitability",
                serde_json::json!({"id": "CVE-1", "severity": "LOW"}),
            ),
            (
                "id",
                serde_json::json!({"severity": "LOW", "exploitability": "affected"}),
            ),
        ] {
            let v = serde_json::json!({ "findings": [finding] });
            let e = GateInput::from_json(v.to_string().as_bytes()).unwrap_err();
            assert!(
                e.to_string().contains(&format!("missing field `{field}`")),
                "{e}"
            );
        }
        let e = GateInput::from_json(br#"{"vex":[{"vuln_id":"CVE-1"}]}"#).unwrap_err();
        assert!(e.to_string().contains("missing field `status`"), "{e}");
    }

    #[test]
    fn typos_in_typed_fields_are_refused_and_context_is_free() {
        for bad in [
            r#"{"findings":[{"id":"C","severity":"LOW","exploitability":"affected","reachabilty":"reachable"}]}"#,
            r#"{"vex":[{"vuln_id":"C","status":"affected","justifcation":"x"}]}"#,
            r#"{"environment":"prod"}"#,
            r#"{"image":{"digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","tag":"x"}}"#,
        ] {
            let e = GateInput::from_json(bad.as_bytes()).unwrap_err();
            assert!(e.to_string().contains("unknown field"), "{bad}: {e}");
        }
        let ok = r#"{"context":{"environment":"prod","team":{"name":"payments","oncall":["a","b"]},"n":1.5,"x":null}}"#;
        let input = GateInput::from_json(ok.as_bytes()).unwrap();
        assert_eq!(input.context["environment"], "prod");
        assert_eq!(
            input.to_engine_value().unwrap(),
            regorus::Value::from(serde_json::to_value(&input).unwrap())
        );
        let e = GateInput::from_json(br#"{"context":["prod"]}"#).unwrap_err();
        assert!(e.to_string().contains("must be a JSON object"), "{e}");
    }

    #[test]
    fn context_is_bounded_while_parsing() {
        // The context object is level 1: MAX_CONTEXT_DEPTH nested objects fit, one more not.
        let nested = |levels: usize| {
            format!(
                r#"{{"context":{}1{}}}"#,
                r#"{"a":"#.repeat(levels),
                "}".repeat(levels)
            )
        };
        GateInput::from_json(nested(MAX_CONTEXT_DEPTH).as_bytes()).unwrap();
        let e = GateInput::from_json(nested(MAX_CONTEXT_DEPTH + 1).as_bytes()).unwrap_err();
        assert!(e.to_string().contains("nests deeper"), "{e}");
        let big = format!(
            r#"{{"context":{{"s":"{}"}}}}"#,
            "x".repeat(MAX_CONTEXT_BYTES)
        );
        let e = GateInput::from_json(big.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("larger than"), "{e}");
        let many = format!(
            r#"{{"context":{{"s":[{}0]}}}}"#,
            "0,".repeat(MAX_CONTEXT_BYTES / 8)
        );
        let e = GateInput::from_json(many.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("larger than"), "{e}");
    }

    #[test]
    fn missing_list_is_the_empty_list_and_bad_digest_is_refused() {
        let mut v = minimal();
        v.as_object_mut().unwrap().remove("vex");
        let input = GateInput::from_json(v.to_string().as_bytes()).unwrap();
        assert!(input.vex.is_empty());
        let mut v = minimal();
        v["extra"] = serde_json::json!(1);
        assert!(GateInput::from_json(v.to_string().as_bytes()).is_err());
        let mut v = minimal();
        v["image"]["digest"] = serde_json::json!("latest");
        let e = GateInput::from_json(v.to_string().as_bytes()).unwrap_err();
        assert!(matches!(
            e,
            PolicyError::Input(InputError::BadDigest { .. })
        ));
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let text = format!(
            r#"{{"image":{{"digest":"{IMG}"}},"scan":{{}},"findings":[],"findings":[],"vex":[],"attestations":[],"waivers":[]}}"#
        );
        assert!(GateInput::from_json(text.as_bytes()).is_err());
    }

    #[test]
    fn engine_value_equals_the_json_document() {
        let v = serde_json::json!({
            "image": {"digest": IMG, "name": "app"}, "scan": {"db": {"date": "2026-01-01"}},
            "findings": [{"id": "CVE-1", "aliases": ["GHSA-1"], "severity": "CRITICAL", "score": 9.8,
                          "exploitability": "under_investigation", "package": {"purl": "pkg:npm/a@1"},
                          "fixed_versions": ["2"], "reachability": "unknown"}],
            "context": {"environment": "prod"},
            "vex": [{"vuln_id": "CVE-1", "product": "p", "status": "not_affected",
                     "justification": "component_not_present", "impact_statement": "i"}],
            "attestations": [{"id": "a", "predicateType": "t", "subject_digests": [IMG], "signer": "k",
                              "rekor": {"log_index": 3, "inclusion_proof": {"hashes": ["x"]}}}],
            "waivers": [{"vuln_id": "CVE-2", "reason": "r", "expires": "2027-01-01T00:00:00Z", "valid": true}]
        });
        let input = GateInput::from_json(v.to_string().as_bytes()).unwrap();
        let direct = input.to_engine_value().unwrap();
        assert_eq!(
            direct,
            regorus::Value::from(serde_json::to_value(&input).unwrap())
        );
        assert_eq!(direct, regorus::Value::from(v));
    }

    #[test]
    fn waiver_validity_follows_the_clock() {
        let exp = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
        let before = Timestamp::parse_rfc3339("2025-12-31T23:59:59Z").unwrap();
        assert!(Waiver::new("CVE-1", "r", exp, before).valid);
        assert!(!Waiver::new("CVE-1", "r", exp, exp).valid);
    }
}

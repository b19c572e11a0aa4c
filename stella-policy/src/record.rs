//! Decision records: what was decided, over what, by which policy and engine, when and by whom.

use serde::{Deserialize, Serialize};
use stella_attest::dsse::Envelope;
use stella_attest::predicates::{self, DecisionInput, PolicyDecision};
use stella_attest::statement::Statement;
use stella_core::{Clock, Digest, Signer, Timestamp, canonical};

use crate::bundle::Bundle;
use crate::error::{PolicyError, RecordError, RecordProblem};
use crate::gate::{ENGINE_NAME, ENGINE_VERSION, EvalLimits, Gate, GateOptions, Verdict};
use crate::input::GateInput;

/// The version of Stella that made a record (this crate's version).
pub const STELLA_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The `schema` field of every decision record.
pub const RECORD_SCHEMA: &str = "https://stella-ops.dev/policy-decision/v1";

/// The policy a decision was made under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRef {
    /// The bundle digest ([`Bundle::digest`]).
    pub digest: Digest,
    /// The bundle revision, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// The query evaluated.
    pub query: String,
}

/// The engine a decision was made by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineRef {
    /// `regorus`.
    pub name: String,
    /// The engine version.
    pub version: String,
}

/// A decision record. Its bytes ([`DecisionRecord::to_canonical_json`]) are RFC 8785 canonical
/// JSON; the same input, bundle, clock and actor always give the same bytes.
///
/// ```
/// use stella_core::{FixedClock, Timestamp};
/// use stella_policy::{builtin_bundle, BuiltinOptions, Gate, GateInput, GateOptions, replay, Replay};
///
/// let bundle = builtin_bundle(BuiltinOptions::default())?;
/// let gate = Gate::new(&bundle, GateOptions::default())?;
/// let input = GateInput::from_json(br#"{
///   "image": {"digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000"},
///   "scan": {}, "findings": [], "vex": [], "attestations": [], "waivers": []
/// }"#)?;
/// let clock = FixedClock::new(Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap());
/// let record = gate.decide(&input, &bundle, &clock, "ci@example")?;
/// assert!(record.result.allow);
/// assert_eq!(replay(&record, &input, &bundle)?, Replay::Identical);
/// # Ok::<(), stella_policy::PolicyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRecord {
    /// [`RECORD_SCHEMA`].
    pub schema: String,
    /// The digest of the image the decision is about (`input.image.digest`); absent when the
    /// input names no image (such a record cannot be signed as a statement about an image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_digest: Option<Digest>,
    /// The digest of the canonical gate input ([`GateInput::digest`]).
    pub input_digest: Digest,
    /// The policy.
    pub policy: PolicyRef,
    /// The engine.
    pub engine: EngineRef,
    /// The Stella version.
    pub stella_version: String,
    /// The verdict.
    pub result: Verdict,
    /// When, from the caller's [`Clock`].
    pub decided_at: Timestamp,
    /// Who asked (caller supplied: a CI job, a user, a service identity).
    pub actor: String,
}

impl DecisionRecord {
    /// RFC 8785 canonical JSON of the record.
    pub fn to_canonical_json(&self) -> Result<Vec<u8>, PolicyError> {
        canonical::to_canonical_vec(self).map_err(|source| RecordError::Canonical { source }.into())
    }

    /// Parses a record strictly (duplicate keys and unknown fields refused).
    pub fn from_json(bytes: &[u8]) -> Result<Self, PolicyError> {
        let record: Self = canonical::from_slice_strict(bytes).map_err(|e| RecordError::Parse {
            reason: RecordProblem::Json(e),
        })?;
        if record.schema != RECORD_SCHEMA {
            return Err(RecordError::Parse {
                reason: RecordProblem::Schema {
                    found: record.schema,
                    expected: RECORD_SCHEMA,
                },
            }
            .into());
        }
        Ok(record)
    }

    /// The record as stella-attest's policy-decision predicate
    /// (`https://stella-ops.org/attestations/policy-decision/1`): verdict, bundle digest, engine,
    /// reasons (the violations, then each warning prefixed `warn: `, sorted) and time; its inputs
    /// are the gate input (`gate-input`) and this record's own canonical bytes
    /// (`decision-record`), so the signature binds every field of the record, the actor, query
    /// and revision included.
    pub fn to_predicate(&self) -> Result<PolicyDecision, PolicyError> {
        let mut reasons = self.result.violations.clone();
        reasons.extend(self.result.warnings.iter().map(|w| format!("warn: {w}")));
        let mut decision = PolicyDecision {
            verdict: if self.result.allow {
                predicates::Verdict::Allow
            } else {
                predicates::Verdict::Deny
            },
            policy_digest: self.policy.digest,
            engine: predicates::Tool {
                name: self.engine.name.clone(),
                version: self.engine.version.clone(),
            },
            inputs: vec![
                DecisionInput {
                    name: "decision-record".to_owned(),
                    digest: Digest::of(&self.to_canonical_json()?),
                },
                DecisionInput {
                    name: "gate-input".to_owned(),
                    digest: self.input_digest,
                },
            ],
            reasons,
            decided_at: self.decided_at,
        };
        decision.normalize();
        Ok(decision)
    }

    /// The in-toto Statement v1 about the image (subject: `image_digest`) with
    /// [`DecisionRecord::to_predicate`] as predicate.
    ///
    /// A record about no image ([`DecisionRecord::image_digest`] absent) has no subject:
    /// [`RecordError::NoImage`].
    pub fn to_statement(&self) -> Result<Statement, PolicyError> {
        let image = self.image_digest.ok_or(RecordError::NoImage)?;
        Statement::builder()
            .subject(image.to_string(), image)
            .predicate(&self.to_predicate()?)
            .and_then(|b| b.build())
            .map_err(|source| PolicyError::Sign { source })
    }

    /// Signs [`DecisionRecord::to_statement`] into a DSSE envelope with every signer given. The
    /// record itself is stored beside the envelope; its digest is in the predicate's inputs.
    pub fn sign(&self, signers: &[&dyn Signer]) -> Result<Envelope, PolicyError> {
        self.to_statement()?
            .sign(signers)
            .map_err(|source| PolicyError::Sign { source })
    }
}

impl Gate {
    /// Evaluates `input` and records the decision. `bundle` must be the bundle this gate was
    /// built from (its digest and revision go into the record).
    pub fn decide(
        &self,
        input: &GateInput,
        bundle: &Bundle,
        clock: &dyn Clock,
        actor: &str,
    ) -> Result<DecisionRecord, PolicyError> {
        let result = self.evaluate(input)?;
        let image_digest = input
            .image
            .as_ref()
            .map(|image| {
                Digest::parse(&image.digest).map_err(|_| crate::error::InputError::BadDigest {
                    field: "image.digest",
                    value: image.digest.clone(),
                })
            })
            .transpose()?;
        Ok(DecisionRecord {
            schema: RECORD_SCHEMA.to_owned(),
            image_digest,
            input_digest: input.digest()?,
            policy: PolicyRef {
                digest: bundle.digest(),
                revision: bundle.revision().map(str::to_owned),
                query: self.options().query.clone(),
            },
            engine: EngineRef {
                name: ENGINE_NAME.to_owned(),
                version: ENGINE_VERSION.to_owned(),
            },
            stella_version: STELLA_VERSION.to_owned(),
            result,
            decided_at: clock.now(),
            actor: actor.to_owned(),
        })
    }
}

/// The outcome of [`replay`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// The re-evaluation produced a byte-identical record.
    Identical,
    /// The first field (in record order) that differs.
    Differs {
        /// The field path, e.g. `result.violations`.
        field: String,
        /// The recorded value, as canonical JSON.
        recorded: String,
        /// The replayed value, as canonical JSON.
        replayed: String,
    },
}

/// Re-evaluates `input` under `bundle` with the record's query, time and actor, and
/// reports whether the new record is byte-identical to `record` or the first field that
/// differs. Uses the default [`EvalLimits`]; see [`replay_with`].
pub fn replay(
    record: &DecisionRecord,
    input: &GateInput,
    bundle: &Bundle,
) -> Result<Replay, PolicyError> {
    replay_with(record, input, bundle, EvalLimits::default())
}

/// As [`replay`], with explicit limits.
pub fn replay_with(
    record: &DecisionRecord,
    input: &GateInput,
    bundle: &Bundle,
    limits: EvalLimits,
) -> Result<Replay, PolicyError> {
    let gate = Gate::new(
        bundle,
        GateOptions {
            query: record.policy.query.clone(),
            limits,
            ..GateOptions::default()
        },
    )?;
    let clock = stella_core::FixedClock::new(record.decided_at);
    let again = gate.decide(input, bundle, &clock, &record.actor)?;
    let a = serde_json::to_value(record).map_err(|e| RecordError::Parse {
        reason: RecordProblem::Value(e),
    })?;
    let b = serde_json::to_value(&again).map_err(|e| RecordError::Parse {
        reason: RecordProblem::Value(e),
    })?;
    const FIELDS: [&str; 13] = [
        "schema",
        "image_digest",
        "input_digest",
        "policy.digest",
        "policy.revision",
        "policy.query",
        "engine.name",
        "engine.version",
        "stella_version",
        "result.allow",
        "result.violations",
        "result.warnings",
        "decided_at",
    ];
    for field in FIELDS.iter().chain(["actor"].iter()) {
        let pointer = format!("/{}", field.replace('.', "/"));
        let (x, y) = (a.pointer(&pointer), b.pointer(&pointer));
        if x != y {
            let show = |v: Option<&serde_json::Value>| {
                v.map_or_else(
                    || "(absent)".to_owned(),
                    |v| canonical::to_canonical_string(v).unwrap_or_else(|_| v.to_string()),
                )
            };
            return Ok(Replay::Differs {
                field: (*field).to_owned(),
                recorded: show(x),
                replayed: show(y),
            });
        }
    }
    if record.to_canonical_json()? == again.to_canonical_json()? {
        Ok(Replay::Identical)
    } else {
        Ok(Replay::Differs {
            field: "(record bytes)".to_owned(),
            recorded: String::from_utf8_lossy(&record.to_canonical_json()?).into_owned(),
            replayed: String::from_utf8_lossy(&again.to_canonical_json()?).into_owned(),
        })
    }
}

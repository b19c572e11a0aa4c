//! Waivers: break-glass exceptions that are VEX statements with an expiry.
//!
//! A waiver names an artifact (by digest), vulnerability ids, a reason, an approver, and when
//! it was created and expires. It is a VEX statement — `not_affected` with a justification, or
//! `affected` with an action statement describing compensating controls — carried in our waiver
//! predicate ([`WAIVER_PREDICATE_TYPE`]) and meant to be signed as an in-toto attestation.
//! There is no renew: an expired waiver is ignored by merge and apply and reported as expired;
//! extending it means issuing a new signed waiver.

use serde::{Deserialize, Serialize};
use stella_core::canonical::{from_slice_strict, to_canonical_vec};
use stella_core::{Digest, Timestamp};

use crate::error::{VexError, WaiverError};
use crate::model::{
    CONTEXT_V0_2_0, Component, Document, Justification, Product, Statement, Status, Vulnerability,
};

/// The in-toto predicate type of a Stella Ops waiver.
pub const WAIVER_PREDICATE_TYPE: &str = "https://stella-ops.org/attestations/vex-waiver/1";

/// A waiver (the predicate of a waiver attestation).
///
/// ```
/// use stella_core::{Digest, Timestamp};
/// use stella_vex::{Justification, Status, Waiver};
///
/// let w = Waiver::new(
///     Digest::of(b"image"),
///     vec!["CVE-2024-1234".into()],
///     "only reachable through the admin port, which is firewalled",
///     "alice@example.com",
///     Timestamp::parse_rfc3339("2026-01-01T00:00:00Z")?,
///     Timestamp::parse_rfc3339("2026-02-01T00:00:00Z")?,
///     Status::NotAffected,
///     Some(Justification::InlineMitigationsAlreadyExist),
///     None,
/// )?;
/// assert!(w.is_expired_at(Timestamp::parse_rfc3339("2026-02-01T00:00:00Z")?));
/// assert_eq!(Waiver::parse(&w.to_json()?)?, w);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The artifact (image) digest the waiver applies to.
    pub artifact: Digest,
    /// The vulnerability ids waived, sorted and deduplicated.
    pub vulnerabilities: Vec<String>,
    /// Why (free text, for humans).
    pub reason: String,
    /// Who approved it.
    pub approver: String,
    /// When it was created.
    pub created: Timestamp,
    /// When it stops counting.
    pub expires: Timestamp,
    /// `not_affected` or `affected`.
    pub status: Status,
    /// The justification (required for `not_affected`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<Justification>,
    /// Why not affected, in words (a `not_affected` waiver needs this or a justification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact_statement: Option<String>,
    /// Compensating controls (required for `affected`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_statement: Option<String>,
}

impl Waiver {
    /// Builds and checks a waiver.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        artifact: Digest,
        mut vulnerabilities: Vec<String>,
        reason: impl Into<String>,
        approver: impl Into<String>,
        created: Timestamp,
        expires: Timestamp,
        status: Status,
        justification: Option<Justification>,
        action_statement: Option<String>,
    ) -> Result<Self, VexError> {
        vulnerabilities.sort();
        vulnerabilities.dedup();
        let w = Self {
            artifact,
            vulnerabilities,
            reason: reason.into(),
            approver: approver.into(),
            created,
            expires,
            status,
            justification,
            impact_statement: None,
            action_statement,
        };
        w.check()?;
        Ok(w)
    }

    pub(crate) fn check(&self) -> Result<(), WaiverError> {
        if self.expires <= self.created {
            return Err(WaiverError::ExpiryNotAfterCreation {
                created: self.created.to_string(),
                expires: self.expires.to_string(),
            });
        }
        if self.vulnerabilities.is_empty()
            || self.vulnerabilities.iter().any(|v| v.trim().is_empty())
        {
            return Err(WaiverError::NoVulnerabilities);
        }
        if self.approver.trim().is_empty() {
            return Err(WaiverError::Empty { field: "approver" });
        }
        if self.reason.trim().is_empty() {
            return Err(WaiverError::Empty { field: "reason" });
        }
        let ok = match self.status {
            Status::NotAffected => {
                self.justification.is_some()
                    || self
                        .impact_statement
                        .as_deref()
                        .is_some_and(|t| !t.trim().is_empty())
            }
            Status::Affected => self
                .action_statement
                .as_deref()
                .is_some_and(|a| !a.trim().is_empty()),
            Status::Fixed | Status::UnderInvestigation => false,
        };
        if !ok {
            return Err(WaiverError::WrongStatus {
                status: self.status.to_string(),
            });
        }
        Ok(())
    }

    /// Parses a waiver predicate (strict JSON) and checks it.
    pub fn parse(bytes: &[u8]) -> Result<Self, VexError> {
        let w: Self = from_slice_strict(bytes).map_err(|source| VexError::Json {
            what: "waiver",
            source,
        })?;
        w.check()?;
        Ok(w)
    }

    /// Reads the waiver out of an unsigned in-toto statement, checking its predicate type.
    pub fn from_statement(statement: &serde_json::Value) -> Result<Self, VexError> {
        let found = statement
            .get("predicateType")
            .and_then(|t| t.as_str())
            .unwrap_or_default();
        if found != WAIVER_PREDICATE_TYPE {
            return Err(WaiverError::PredicateType {
                found: found.chars().take(200).collect(),
                expected: WAIVER_PREDICATE_TYPE,
            }
            .into());
        }
        Self::from_predicate(
            statement
                .get("predicate")
                .unwrap_or(&serde_json::Value::Null),
        )
    }

    /// Reads and checks a waiver predicate given as JSON.
    pub fn from_predicate(predicate: &serde_json::Value) -> Result<Self, VexError> {
        let w: Self = serde_json::from_value(predicate.clone()).map_err(|e| VexError::Shape {
            what: "waiver",
            message: e.to_string(),
        })?;
        w.check()?;
        Ok(w)
    }

    /// The canonical (RFC 8785) JSON of the predicate.
    pub fn to_json(&self) -> Result<Vec<u8>, VexError> {
        to_canonical_vec(self).map_err(|source| VexError::Json {
            what: "waiver",
            source,
        })
    }

    /// SHA-256 of [`Waiver::to_json`].
    pub fn digest(&self) -> Result<Digest, VexError> {
        Ok(Digest::of(&self.to_json()?))
    }

    /// True from `expires` on.
    pub fn is_expired_at(&self, now: Timestamp) -> bool {
        now >= self.expires
    }

    /// The waiver as an OpenVEX document: author = approver, one statement per vulnerability,
    /// product = the artifact (`@id` = its digest, `hashes.sha-256`), status notes naming the
    /// expiry and reason.
    pub fn to_document(&self) -> Result<Document, VexError> {
        let digest = self.digest()?;
        let mut product = Product {
            component: Component {
                id: Some(self.artifact.to_string()),
                ..Component::default()
            },
            subcomponents: Vec::new(),
        };
        product
            .component
            .hashes
            .insert("sha-256".into(), self.artifact.hex());
        let statements = self
            .vulnerabilities
            .iter()
            .map(|v| Statement {
                timestamp: Some(self.created),
                justification: self.justification,
                impact_statement: self.impact_statement.clone(),
                action_statement: self.action_statement.clone(),
                status_notes: Some(format!(
                    "waiver approved by {}, expires {}: {}",
                    self.approver, self.expires, self.reason
                )),
                ..Statement::new(
                    Vulnerability::named(v.clone()),
                    vec![product.clone()],
                    self.status,
                )
            })
            .collect();
        Ok(Document {
            context: CONTEXT_V0_2_0.into(),
            id: format!("https://stella-ops.org/waivers/sha256-{}", digest.hex()),
            author: self.approver.clone(),
            role: Some("waiver approver".into()),
            timestamp: self.created,
            last_updated: None,
            version: 1,
            tooling: None,
            statements,
        })
    }
}

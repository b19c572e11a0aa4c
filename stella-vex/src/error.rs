//! The error type of `stella-vex`.

use std::fmt;

use stella_core::{CoreError, TimestampError};

/// Everything that can go wrong in `stella-vex`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VexError {
    /// The input is not strict JSON (syntax, duplicate keys, depth or size limits).
    #[error("{what} is not acceptable JSON: {source}")]
    Json {
        /// Which input (`OpenVEX document`, `SARIF log`, …).
        what: &'static str,
        /// What the strict parser reported.
        source: CoreError,
    },
    /// The JSON is well formed but does not have the shape expected.
    #[error("{what} has an unexpected shape: {message}")]
    Shape {
        /// Which input.
        what: &'static str,
        /// What serde reported.
        message: String,
    },
    /// An OpenVEX document broke one or more rules of the specification.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// A package URL could not be parsed.
    #[error("invalid purl {purl:?}: {reason}")]
    Purl {
        /// The purl (truncated).
        purl: String,
        /// What the purl parser reported.
        reason: String,
    },
    /// A DSSE envelope could not be parsed or did not verify.
    #[error("signed VEX: {source}")]
    Signature {
        /// What `stella-attest` reported.
        source: stella_attest::AttestError,
    },
    /// A waiver was malformed.
    #[error(transparent)]
    Waiver(#[from] WaiverError),
    /// The YAML VEX policy file or the trust policy could not be read.
    #[error("{what}: {message}")]
    Policy {
        /// Which policy (`VEX policy`, `trust policy`).
        what: &'static str,
        /// What was wrong.
        message: String,
    },
    /// An SPDX 3.0.1 document could not be mapped to OpenVEX.
    #[error("SPDX 3.0.1 VEX mapping: {element}: {reason}")]
    Spdx {
        /// The element (spdxId or type) concerned.
        element: String,
        /// What was wrong.
        reason: SpdxProblem,
    },
    /// A merge found nothing it may apply.
    #[error(
        "no trusted statements to merge: {untrusted} untrusted document(s) or statement(s), {expired_waivers} expired waiver(s) (pass --allow-unsigned or a trust policy naming the issuers)"
    )]
    NoTrustedStatements {
        /// Untrusted documents or statements.
        untrusted: usize,
        /// Expired waivers.
        expired_waivers: usize,
    },
    /// A capability Stella does not have (said, not faked).
    #[error("not supported: {what}")]
    Unsupported {
        /// What.
        what: &'static str,
    },
    /// A filter (`merge --product/--vuln`, a CSAF product filter) kept nothing.
    #[error(
        "no statement matches the filter (products {products:?}, vulnerabilities {vulnerabilities:?})"
    )]
    NothingMatchesFilter {
        /// The product filter.
        products: Vec<String>,
        /// The vulnerability filter.
        vulnerabilities: Vec<String>,
    },
    /// A count limit was exceeded.
    #[error("{what} limit exceeded: {actual} > {max}")]
    Limit {
        /// Which limit.
        what: &'static str,
        /// The configured maximum.
        max: usize,
        /// The value seen.
        actual: usize,
    },
}

/// All violations found in one OpenVEX document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Invalid {
    /// The document's `@id` (empty when it had none).
    pub document: String,
    /// Each rule broken, in document order.
    pub violations: Vec<Violation>,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "OpenVEX document {:?} is invalid ({} problem{})",
            self.document,
            self.violations.len(),
            if self.violations.len() == 1 { "" } else { "s" }
        )?;
        for v in &self.violations {
            write!(f, "; {v}")?;
        }
        Ok(())
    }
}

/// One broken rule, with where it was broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The 0-based statement index, `None` for document-level problems.
    pub statement: Option<usize>,
    /// The statement's `@id`, when it has one.
    pub statement_id: Option<String>,
    /// What was wrong.
    pub kind: ViolationKind,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.statement, &self.statement_id) {
            (Some(i), Some(id)) => write!(f, "statement #{i} ({id}): {}", self.kind),
            (Some(i), None) => write!(f, "statement #{i}: {}", self.kind),
            (None, _) => write!(f, "document: {}", self.kind),
        }
    }
}

/// The rules of the OpenVEX specification (and our hostile-input rules) a document can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ViolationKind {
    /// A required field is absent or empty.
    #[error("required field {field} is missing or empty")]
    MissingField {
        /// The field.
        field: &'static str,
    },
    /// `@context` is not an OpenVEX context.
    #[error("@context {context:?} is not an OpenVEX context")]
    UnknownContext {
        /// The value found.
        context: String,
    },
    /// A status other than the four VEX statuses.
    #[error(
        "unknown status {status:?} (expected not_affected, affected, fixed or under_investigation)"
    )]
    UnknownStatus {
        /// The value found.
        status: String,
    },
    /// A justification other than the five VEX labels.
    #[error("unknown justification {justification:?}")]
    UnknownJustification {
        /// The value found.
        justification: String,
    },
    /// A timestamp that is not RFC 3339.
    #[error("{field} {value:?} is not an RFC 3339 timestamp")]
    InvalidTimestamp {
        /// The field.
        field: &'static str,
        /// The value found (truncated).
        value: String,
    },
    /// A timestamp later than now plus the allowed clock skew.
    #[error("{field} {value} is in the future (now {now}, allowed skew {skew_seconds} s)")]
    FutureTimestamp {
        /// The field.
        field: &'static str,
        /// The timestamp.
        value: String,
        /// The caller's now.
        now: String,
        /// The allowed skew.
        skew_seconds: i64,
    },
    /// What the OpenVEX v0.2.0 schema refuses and a lenient read upgraded (see
    /// [`crate::Upgrade`]).
    #[error("not OpenVEX v0.2.0: {upgrade}")]
    NotV020 {
        /// The upgrade, described.
        upgrade: String,
    },
    /// A version that is not a positive integer.
    #[error("version {value:?} is not a positive integer")]
    InvalidVersion {
        /// The value found.
        value: String,
    },
    /// `not_affected` without a justification or an impact statement.
    #[error("status not_affected needs a justification or an impact_statement")]
    NotAffectedWithoutJustification,
    /// `affected` without an action statement.
    #[error("status affected needs an action_statement")]
    AffectedWithoutAction,
    /// A statement that names no product.
    #[error("statement names no product")]
    NoProducts,
    /// A product or subcomponent with neither `@id`, identifiers nor hashes.
    #[error("product #{product} has no @id, identifiers or hashes")]
    UnidentifiedProduct {
        /// 0-based product index.
        product: usize,
    },
    /// A purl that does not parse.
    #[error("product #{product}: invalid purl {purl:?}: {reason}")]
    InvalidPurl {
        /// 0-based product index.
        product: usize,
        /// The purl (truncated).
        purl: String,
        /// What the parser reported.
        reason: String,
    },
    /// A hash algorithm outside the OpenVEX hash names table.
    #[error("product #{product}: unknown hash algorithm {algorithm:?}")]
    UnknownHashAlgorithm {
        /// 0-based product index.
        product: usize,
        /// The key found.
        algorithm: String,
    },
    /// An identifier type other than purl, cpe22, cpe23.
    #[error("product #{product}: unknown identifier type {identifier:?}")]
    UnknownIdentifier {
        /// 0-based product index.
        product: usize,
        /// The key found.
        identifier: String,
    },
    /// Two statements with the same `@id`.
    #[error("duplicate statement @id {id:?} (first at statement #{first})")]
    DuplicateId {
        /// The repeated id.
        id: String,
        /// The index of the first statement with it.
        first: usize,
    },
    /// The document states two different statuses for the same vulnerability and product at
    /// the same time.
    #[error(
        "contradicts statement #{other}: {vulnerability} on {product} is both {status} and {other_status} at the same time"
    )]
    Contradiction {
        /// The other statement's index.
        other: usize,
        /// The vulnerability.
        vulnerability: String,
        /// The product key.
        product: String,
        /// This statement's status.
        status: String,
        /// The other statement's status.
        other_status: String,
    },
    /// A document with no statements.
    #[error("document has no statements")]
    NoStatements,
    /// A field with a type other than the specification's.
    #[error("{field} has the wrong type: {message}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What serde reported.
        message: String,
    },
}

/// What is wrong with a waiver.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WaiverError {
    /// The expiry is not after the creation time.
    #[error("waiver expires {expires} not after it was created {created}")]
    ExpiryNotAfterCreation {
        /// Created.
        created: String,
        /// Expires.
        expires: String,
    },
    /// A waiver without vulnerability ids.
    #[error("waiver names no vulnerability")]
    NoVulnerabilities,
    /// A waiver's statement has a status a waiver cannot have.
    #[error(
        "waiver status must be not_affected with a justification or affected with an action statement (compensating controls), got {status}"
    )]
    WrongStatus {
        /// The status found.
        status: String,
    },
    /// A required text field is empty.
    #[error("waiver field {field} is empty")]
    Empty {
        /// The field.
        field: &'static str,
    },
    /// The predicate type is not the waiver predicate.
    #[error("predicate type {found:?} is not {expected}")]
    PredicateType {
        /// What was found.
        found: String,
        /// The waiver predicate type.
        expected: &'static str,
    },
}

/// What is wrong with an SPDX 3.0.1 document mapped to OpenVEX ([`VexError::Spdx`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpdxProblem {
    /// No `@graph` array.
    #[error("missing or not an array")]
    NoGraph,
    /// A required element (the `SpdxDocument`, its `CreationInfo`) is absent.
    #[error("missing")]
    Missing,
    /// The `SpdxDocument` has no `spdxId`.
    #[error("no spdxId")]
    NoSpdxId,
    /// The `CreationInfo` has no `created` time.
    #[error("no created time")]
    NoCreatedTime,
    /// The `CreationInfo` names no `createdBy` agent present in the graph.
    #[error("no createdBy agent in the graph")]
    NoCreatedBy,
    /// The `createdBy` agent has no name.
    #[error("agent has no name")]
    AgentHasNoName,
    /// A relationship names a target that is not in the graph.
    #[error("relationship target is not in the graph")]
    TargetNotInGraph,
    /// A VEX relationship without `from`.
    #[error("no from")]
    NoFrom,
    /// A VEX relationship whose `from` is not in the graph.
    #[error("from is not in the graph")]
    FromNotInGraph,
    /// A vulnerability element without a name.
    #[error("vulnerability has no name")]
    VulnerabilityHasNoName,
    /// A justification outside the SPDX 3.0.1 VEX justification types.
    #[error("unknown justification {justification:?}")]
    UnknownJustification {
        /// The value found.
        justification: String,
    },
    /// A VEX relationship without `to`.
    #[error("no to")]
    NoTo,
    /// A time field that is not RFC 3339.
    #[error("{field}: {source}")]
    BadTime {
        /// The field.
        field: String,
        /// What the timestamp parser reported.
        source: TimestampError,
    },
}

//! Reading OpenVEX as the reference implementations do (go-vex `Open`, vexctl `merge`/
//! `filter`): legacy v0.0.1 documents and documents without a `timestamp` or `version` are
//! upgraded, and every upgrade is recorded so a merge can say what it assumed and `stella vex
//! validate` can refuse what the OpenVEX v0.2.0 JSON schema refuses.

use std::fmt;

use serde::Serialize;
use stella_core::Timestamp;

use crate::error::{Invalid, VexError, Violation, ViolationKind};
use crate::model::Document;
use crate::validate::{ValidationOptions, validate};

/// One way a document departed from OpenVEX v0.2.0 and how it was read.
///
/// ```
/// use stella_vex::Upgrade;
///
/// assert!(Upgrade::MissingVersion.breaks_schema());
/// assert_eq!(Upgrade::MissingVersion.to_string(), "no document version: version 1 assumed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "upgrade", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Upgrade {
    /// The `@context` is the unversioned or v0.0.1 one; the document was read as v0.2.0.
    LegacyContext {
        /// The context found.
        context: String,
    },
    /// Statements in the v0.0.1 shape (string vulnerability or products, statement-level
    /// subcomponents, string version), rewritten to the v0.2.0 shape.
    LegacyStatements {
        /// How many statements.
        count: usize,
    },
    /// Statements with fields OpenVEX v0.2.0 does not define (e.g. `statement`): ignored.
    UnknownStatementFields {
        /// How many statements.
        count: usize,
        /// The first such field.
        first: String,
    },
    /// The document version is a string (`"1"`); read as the number.
    StringVersion {
        /// The string found.
        value: String,
    },
    /// No document version: version 1 assumed.
    MissingVersion,
    /// No document timestamp: the earliest statement timestamp is assumed, else the document's
    /// `last_updated`, else the Unix epoch (the oldest, so an undated statement never
    /// outranks a dated one by recency).
    MissingTimestamp {
        /// The timestamp assumed.
        assumed: Timestamp,
    },
    /// A top-level field OpenVEX v0.2.0 does not define (e.g. v0.0.1's `format`): ignored.
    UnknownField {
        /// The field name.
        field: String,
    },
}

impl Upgrade {
    /// True when the OpenVEX v0.2.0 JSON schema refuses what this upgrade accepted (all but a
    /// legacy `@context`, which the schema types only as a URI).
    pub fn breaks_schema(&self) -> bool {
        !matches!(self, Upgrade::LegacyContext { .. })
    }
}

impl fmt::Display for Upgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Upgrade::LegacyContext { context } => {
                write!(f, "@context {context:?} (v0.0.1): read as v0.2.0")
            }
            Upgrade::LegacyStatements { count } => write!(
                f,
                "{count} statement(s) in the v0.0.1 shape: rewritten to the v0.2.0 shape"
            ),
            Upgrade::UnknownStatementFields { count, first } => write!(
                f,
                "{count} statement(s) with fields OpenVEX v0.2.0 does not define (first: {first:?}): ignored"
            ),
            Upgrade::StringVersion { value } => {
                write!(f, "version {value:?} is a string: read as a number")
            }
            Upgrade::MissingVersion => f.write_str("no document version: version 1 assumed"),
            Upgrade::MissingTimestamp { assumed } => {
                write!(f, "no document timestamp: {assumed} assumed")
            }
            Upgrade::UnknownField { field } => {
                write!(f, "unknown top-level field {field:?}: ignored")
            }
        }
    }
}

/// `stella vex validate`: parses `bytes` and checks them against the OpenVEX v0.2.0 schema's
/// strictness and the specification's rules ([`validate()`]), collecting every violation.
/// What [`Document::parse_compat`] upgrades and the schema refuses (a string version, an
/// unknown top-level field, a missing timestamp or version, v0.0.1 statements) is a violation
/// here.
///
/// ```
/// use stella_vex::{ValidationOptions, VexError, validate_strict};
///
/// let doc = br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/v",
///   "author":"a","timestamp":"2024-01-01T00:00:00Z","version":"1","statements":[
///   {"vulnerability":{"name":"CVE-2024-1"},"products":[{"@id":"pkg:npm/x"}],"status":"fixed"}]}"#;
/// let Err(VexError::Invalid(invalid)) = validate_strict(doc, &ValidationOptions::default()) else {
///     panic!("a string version breaks the schema");
/// };
/// assert_eq!(invalid.violations.len(), 1);
/// ```
pub fn validate_strict(bytes: &[u8], options: &ValidationOptions) -> Result<Document, VexError> {
    let (doc, upgrades) = Document::parse_compat(bytes)?;
    let mut violations: Vec<Violation> = upgrades
        .iter()
        .filter(|u| u.breaks_schema())
        .map(|u| Violation {
            statement: None,
            statement_id: None,
            kind: ViolationKind::NotV020 {
                upgrade: u.to_string(),
            },
        })
        .collect();
    match validate(&doc, options) {
        Ok(()) => {}
        Err(VexError::Invalid(rest)) => violations.extend(rest.violations),
        Err(other) => return Err(other),
    }
    if violations.is_empty() {
        Ok(doc)
    } else {
        Err(Invalid {
            document: doc.id,
            violations,
        }
        .into())
    }
}

/// What merge and apply check of a source read leniently: the specification's rules
/// ([`validate()`]), except that in a document that was upgraded (`upgrades` not empty) a
/// statement naming no product — v0.0.1 allowed them, e.g. vexctl's `test.vex.json` — is not an
/// error: it applies to nothing, and is returned as a warning so the caller can say so.
///
/// ```
/// use stella_vex::{Document, ValidationOptions, ViolationKind, validate_compat};
///
/// let legacy = br#"{"@context":"https://openvex.dev/ns","@id":"x","author":"a",
///   "timestamp":"2022-08-29T17:48:53Z","statements":[
///   {"vulnerability":"CVE-2021-44228","status":"affected","action_statement":"upgrade"}]}"#;
/// let (doc, upgrades) = Document::parse_compat(legacy)?;
/// let warnings = validate_compat(&doc, &upgrades, &ValidationOptions::default())?;
/// assert_eq!(warnings[0].kind, ViolationKind::NoProducts);
/// # Ok::<(), stella_vex::VexError>(())
/// ```
pub fn validate_compat(
    doc: &Document,
    upgrades: &[Upgrade],
    options: &ValidationOptions,
) -> Result<Vec<Violation>, VexError> {
    match validate(doc, options) {
        Ok(()) => Ok(Vec::new()),
        Err(VexError::Invalid(invalid)) if !upgrades.is_empty() => {
            let (warnings, errors): (Vec<_>, Vec<_>) = invalid
                .violations
                .into_iter()
                .partition(|v| v.kind == ViolationKind::NoProducts);
            if errors.is_empty() {
                Ok(warnings)
            } else {
                Err(Invalid {
                    document: invalid.document,
                    violations: errors,
                }
                .into())
            }
        }
        Err(e) => Err(e),
    }
}

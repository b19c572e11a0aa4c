//! The OpenVEX rules a parsed document must keep.

use std::collections::HashMap;

use stella_core::Timestamp;

use crate::error::{Invalid, VexError, Violation, ViolationKind};
use crate::matching::Purl;
use crate::model::{Document, Status, component_identified};

/// What [`validate()`] checks beyond the specification's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidationOptions {
    /// The caller's now; timestamps later than `now + max_skew_seconds` are refused. `None`
    /// skips the future check.
    pub now: Option<Timestamp>,
    /// Allowed clock skew in seconds (default 300).
    pub max_skew_seconds: i64,
}

impl Default for ValidationOptions {
    fn default() -> Self {
        Self {
            now: None,
            max_skew_seconds: 300,
        }
    }
}

impl ValidationOptions {
    /// Options checking timestamps against `now` with the default skew.
    pub fn at(now: Timestamp) -> Self {
        Self {
            now: Some(now),
            ..Self::default()
        }
    }
}

/// Checks a document against the OpenVEX rules, collecting every violation:
///
/// - at least one statement; every statement names at least one product, and every product and
///   subcomponent is identified (`@id`, identifiers or hashes); purls parse;
/// - `not_affected` has a justification or an impact statement; `affected` has an action
///   statement;
/// - statement `@id`s are unique;
/// - the document does not contradict itself (two statuses for the same vulnerability and
///   product at the same effective time);
/// - no timestamp lies beyond `now + skew` (when `now` is given).
///
/// (Unknown statuses and justifications, bad timestamps and missing required fields are
/// already refused by [`Document::parse`].)
///
/// ```
/// use stella_vex::{Document, ValidationOptions, VexError, ViolationKind, validate};
///
/// let doc = Document::parse(br#"{"@context":"https://openvex.dev/ns/v0.2.0",
///   "@id":"https://example.com/vex/1","author":"a","timestamp":"2024-01-01T00:00:00Z",
///   "version":1,"statements":[{"vulnerability":{"name":"CVE-2024-1"},
///   "products":[{"@id":"pkg:npm/x@1"}],"status":"not_affected"}]}"#)?;
/// let Err(VexError::Invalid(invalid)) = validate(&doc, &ValidationOptions::default()) else {
///     panic!("expected a violation");
/// };
/// assert_eq!(invalid.violations[0].statement, Some(0));
/// assert_eq!(invalid.violations[0].kind, ViolationKind::NotAffectedWithoutJustification);
/// # Ok::<(), VexError>(())
/// ```
pub fn validate(doc: &Document, options: &ValidationOptions) -> Result<(), VexError> {
    let mut v = Vec::new();
    let future = |field: &'static str, t: &Timestamp| -> Option<ViolationKind> {
        let now = options.now?;
        let limit = now.checked_add_seconds(options.max_skew_seconds)?;
        (*t > limit).then(|| ViolationKind::FutureTimestamp {
            field,
            value: t.to_string(),
            now: now.to_string(),
            skew_seconds: options.max_skew_seconds,
        })
    };
    let doc_at = |kind| Violation {
        statement: None,
        statement_id: None,
        kind,
    };
    if doc.statements.is_empty() {
        v.push(doc_at(ViolationKind::NoStatements));
    }
    if let Some(k) = future("timestamp", &doc.timestamp) {
        v.push(doc_at(k));
    }
    if let Some(k) = doc
        .last_updated
        .as_ref()
        .and_then(|t| future("last_updated", t))
    {
        v.push(doc_at(k));
    }
    let mut ids: HashMap<&str, usize> = HashMap::new();
    // (vulnerability id, product key, effective time) -> (statement, status)
    let mut seen: HashMap<(&str, String, Timestamp), (usize, Status)> = HashMap::new();
    for (i, s) in doc.statements.iter().enumerate() {
        let at = |kind| Violation {
            statement: Some(i),
            statement_id: s.id.clone(),
            kind,
        };
        if let Some(id) = s.id.as_deref() {
            if let Some(first) = ids.get(id) {
                v.push(at(ViolationKind::DuplicateId {
                    id: id.to_owned(),
                    first: *first,
                }));
            } else {
                ids.insert(id, i);
            }
        }
        if s.products.is_empty() {
            v.push(at(ViolationKind::NoProducts));
        }
        for (p, prod) in s.products.iter().enumerate() {
            for c in std::iter::once(&prod.component).chain(&prod.subcomponents) {
                if !component_identified(c) {
                    v.push(at(ViolationKind::UnidentifiedProduct { product: p }));
                }
                if let Some(purl) = c.effective_purl() {
                    if let Err(VexError::Purl { purl, reason }) = Purl::parse(purl) {
                        v.push(at(ViolationKind::InvalidPurl {
                            product: p,
                            purl,
                            reason,
                        }));
                    }
                }
            }
        }
        match s.status {
            Status::NotAffected
                if s.justification.is_none()
                    && s.impact_statement
                        .as_deref()
                        .is_none_or(|t| t.trim().is_empty()) =>
            {
                v.push(at(ViolationKind::NotAffectedWithoutJustification));
            }
            Status::Affected
                if s.action_statement
                    .as_deref()
                    .is_none_or(|t| t.trim().is_empty()) =>
            {
                v.push(at(ViolationKind::AffectedWithoutAction));
            }
            _ => {}
        }
        for (field, t) in [
            ("timestamp", s.timestamp),
            ("last_updated", s.last_updated),
            ("action_statement_timestamp", s.action_statement_timestamp),
        ] {
            if let Some(k) = t.as_ref().and_then(|t| future(field, t)) {
                v.push(at(k));
            }
        }
        let when = doc.statement_time(s);
        for prod in &s.products {
            let key = prod.component.key();
            for vid in s.vulnerability.ids() {
                match seen.get(&(vid, key.clone(), when)) {
                    Some((other, status)) if *status != s.status && *other != i => {
                        v.push(at(ViolationKind::Contradiction {
                            other: *other,
                            vulnerability: vid.to_owned(),
                            product: key.clone(),
                            status: s.status.to_string(),
                            other_status: status.to_string(),
                        }));
                    }
                    Some(_) => {}
                    None => {
                        seen.insert((vid, key.clone(), when), (i, s.status));
                    }
                }
            }
        }
    }
    if v.is_empty() {
        Ok(())
    } else {
        Err(Invalid {
            document: doc.id.clone(),
            violations: v,
        }
        .into())
    }
}

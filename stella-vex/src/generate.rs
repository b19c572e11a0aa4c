//! Generating VEX from findings under a small YAML VEX policy.
//!
//! Every (vulnerability, package) pair of the findings gets one statement with status
//! `under_investigation`, unless a rule of the policy matches it; the first matching rule (in
//! file order) sets the status and the fields it names. A rule never fires on its own: a
//! finding the entry-trace marked `not_found_on_entry_paths` becomes `not_affected` only when a
//! rule says so.
//!
//! ## A generated `not_affected` needs a complete trace
//!
//! A `not_affected` rule that rests on the entry-trace — it has a `reachability` condition, the
//! justification `vulnerable_code_not_in_execute_path`, or `impact_statement_from_trace` — fires
//! only for a finding whose reachability is exactly [`NOT_FOUND_ON_ENTRY_PATHS`] (the trace saw
//! every path for that package). `reachable`, `unknown`, a missing label or any other label never
//! matches such a rule (the next rule is tried), and a policy whose `not_affected` rule asks for
//! another reachability label is refused when it is read.
//!
//! ## A generated `not_affected` from symbols needs every symbol checked
//!
//! A `not_affected` rule that rests on symbol-level evidence — it has a `symbols` condition or
//! the justification `vulnerable_code_not_present` — fires only for a finding whose symbol
//! status is exactly [`SYMBOLS_ABSENT`] (every vulnerable symbol its records name was looked
//! for in readable symbol tables of every binary, and none is linked). `present`, `unknown`
//! (a record without symbols, a stripped Rust binary, an unreadable table) or no symbol evidence
//! never matches such a rule, and a policy whose `not_affected` rule asks for another symbol
//! status is refused when it is read. Without an impact statement of the rule's own, the
//! statement's says which symbols were checked in which binaries.
//!
//! ```yaml
//! rules:
//!   - name: vulnerable code not linked
//!     when: { symbols: absent }
//!     status: not_affected
//!     justification: vulnerable_code_not_present
//! ```
//!
//! ## Machine-derived statements
//!
//! Every statement a rule decided is marked as machine-derived, in the specification's fields, so
//! that a reader (and the gate's Rego, which sees `impact_statement`) can tell it from a person's
//! decision: its `status_notes` and — for `not_affected` — its `impact_statement` start with
//! [`MACHINE_DERIVED`]; the document's `tooling` names `stella-vex`. [`is_machine_derived`] reads
//! the mark back.
//!
//! ```yaml
//! author: "Example Security Team <security@example.com>"
//! role: "Security Team"          # optional
//! rules:
//!   - name: unreachable code is not affected
//!     when:
//!       reachability: not_found_on_entry_paths   # optional: the finding's reachability label
//!       vulnerabilities: [CVE-2024-1234]          # optional: any id of the finding
//!       purl: pkg:npm/lodash                      # optional: covers the package (versionless = all)
//!     status: not_affected
//!     justification: vulnerable_code_not_in_execute_path
//!     impact_statement_from_trace: true           # the entry-trace becomes the impact statement
//!   - name: accepted risk
//!     when: { vulnerabilities: [CVE-2023-9999] }
//!     status: affected
//!     action_statement: "Upgrade scheduled; WAF rule 12 blocks the vector."
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use stella_core::{Digest, Timestamp};

use crate::error::VexError;
use crate::findings::{FindingRef, NOT_FOUND_ON_ENTRY_PATHS, SYMBOLS_ABSENT};
use crate::matching::{Purl, Subject};
use crate::model::{
    CONTEXT_V0_2_0, Document, Justification, Product, Statement, Status, Vulnerability,
};
use crate::validate::{ValidationOptions, validate};

/// The mark that starts the `status_notes` (and, for `not_affected`, the `impact_statement`) of
/// every statement [`generate`] decided by a rule: no person reviewed it.
pub const MACHINE_DERIVED: &str = "machine-derived:";

/// Whether a statement carries the [`MACHINE_DERIVED`] mark (in `status_notes` or
/// `impact_statement`).
///
/// ```
/// use stella_vex::{is_machine_derived, Product, Statement, Status, Vulnerability};
///
/// let mut s = Statement::new(Vulnerability::named("CVE-2024-1"), vec![Product::purl("pkg:npm/a@1")], Status::Fixed);
/// assert!(!is_machine_derived(&s));
/// s.status_notes = Some("machine-derived: set by VEX policy rule \"x\"".into());
/// assert!(is_machine_derived(&s));
/// ```
pub fn is_machine_derived(statement: &Statement) -> bool {
    let marked = |t: &Option<String>| t.as_deref().is_some_and(|t| t.starts_with(MACHINE_DERIVED));
    marked(&statement.status_notes) || marked(&statement.impact_statement)
}

/// A VEX policy file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VexPolicy {
    /// The author of generated documents.
    pub author: String,
    /// The author's role.
    #[serde(default)]
    pub role: Option<String>,
    /// The rules, first match wins.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// One rule of a VEX policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A name, written into the statement's `status_notes`.
    pub name: String,
    /// When it applies (all given conditions must hold; none given = every finding).
    #[serde(default)]
    pub when: Condition,
    /// The status to set.
    pub status: Status,
    /// The justification (for `not_affected`).
    #[serde(default)]
    pub justification: Option<Justification>,
    /// A fixed impact statement.
    #[serde(default)]
    pub impact_statement: Option<String>,
    /// Use the finding's entry-trace as the impact statement.
    #[serde(default)]
    pub impact_statement_from_trace: bool,
    /// The action statement (for `affected`).
    #[serde(default)]
    pub action_statement: Option<String>,
}

impl Rule {
    /// Whether the rule's `not_affected` rests on the entry-trace: then it may only fire for a
    /// finding the trace found on no entry path (see the module docs).
    fn rests_on_trace(&self) -> bool {
        self.status == Status::NotAffected
            && (self.when.reachability.is_some()
                || self.justification == Some(Justification::VulnerableCodeNotInExecutePath)
                || self.impact_statement_from_trace)
    }

    /// Whether the rule's `not_affected` rests on symbol-level evidence: then it may only fire
    /// for a finding whose symbols are [`SYMBOLS_ABSENT`] (see the module docs).
    fn rests_on_symbols(&self) -> bool {
        self.status == Status::NotAffected
            && (self.when.symbols.is_some()
                || self.justification == Some(Justification::VulnerableCodeNotPresent))
    }
}

/// The conditions of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The finding's reachability label must equal this.
    #[serde(default)]
    pub reachability: Option<String>,
    /// One of the finding's ids must be in this list.
    #[serde(default)]
    pub vulnerabilities: Vec<String>,
    /// This purl must cover the finding's package.
    #[serde(default)]
    pub purl: Option<String>,
    /// The finding's symbol-level status must equal this (`present`, `absent`, `unknown`).
    #[serde(default)]
    pub symbols: Option<String>,
}

impl VexPolicy {
    /// Parses a policy file. YAML via `serde_norway`; unknown keys, statuses and justifications
    /// are errors; rules are checked so that every statement they produce is valid OpenVEX.
    pub fn from_yaml(text: &str) -> Result<Self, VexError> {
        let p: Self = serde_norway::from_str(text).map_err(|e| VexError::Policy {
            what: "VEX policy",
            message: e.to_string(),
        })?;
        if p.author.trim().is_empty() {
            return Err(VexError::Policy {
                what: "VEX policy",
                message: "author is empty".into(),
            });
        }
        for r in &p.rules {
            let bad = |m: &str| VexError::Policy {
                what: "VEX policy",
                message: format!("rule {:?}: {m}", r.name),
            };
            if let Some(purl) = &r.when.purl {
                Purl::parse(purl).map_err(|e| bad(&e.to_string()))?;
            }
            match r.status {
                Status::NotAffected
                    if r.justification.is_none()
                        && r.impact_statement.is_none()
                        && !r.impact_statement_from_trace =>
                {
                    return Err(bad(
                        "not_affected needs a justification or an impact statement",
                    ));
                }
                Status::NotAffected
                    if r.when
                        .reachability
                        .as_deref()
                        .is_some_and(|l| l != NOT_FOUND_ON_ENTRY_PATHS && l != "unreachable") =>
                {
                    return Err(bad(
                        "not_affected may only be generated for reachability not_found_on_entry_paths (a complete entry-trace)",
                    ));
                }
                Status::NotAffected
                    if r.when
                        .symbols
                        .as_deref()
                        .is_some_and(|l| l != SYMBOLS_ABSENT) =>
                {
                    return Err(bad(
                        "not_affected may only be generated for symbols absent (every vulnerable symbol checked, none linked)",
                    ));
                }
                Status::Affected if r.action_statement.is_none() => {
                    return Err(bad("affected needs an action_statement"));
                }
                _ => {}
            }
        }
        Ok(p)
    }

    /// The first rule for `f`; `absent`: whether every finding of `f`'s (vulnerability, purl)
    /// has its symbols absent (one package version in several binaries gives one statement:
    /// it may say `not_affected` only when no binary links the symbols).
    fn rule_for(&self, f: &FindingRef, package: &Subject, absent: bool) -> Option<&Rule> {
        let complete = complete_trace(f);
        self.rules.iter().find(|r| {
            let c = &r.when;
            (complete || !r.rests_on_trace())
                && (absent || !r.rests_on_symbols())
                && c.symbols
                    .as_deref()
                    .is_none_or(|want| f.symbols.as_deref() == Some(want))
                && c.reachability.as_deref().is_none_or(|want| {
                    let want = if want == "unreachable" {
                        NOT_FOUND_ON_ENTRY_PATHS
                    } else {
                        want
                    };
                    f.reachability.as_deref() == Some(want)
                })
                && (c.vulnerabilities.is_empty()
                    || f.ids().any(|id| c.vulnerabilities.iter().any(|v| v == id)))
                && c.purl.as_ref().is_none_or(|p| {
                    Purl::parse(p)
                        .ok()
                        .zip(package.purl.as_ref())
                        .is_some_and(|(rule, pkg)| rule.covers(pkg.as_ref()))
                })
        })
    }
}

/// Generates an OpenVEX document from findings: one statement per (vulnerability, package purl)
/// — findings without a purl are skipped — sorted by vulnerability then purl, status
/// `under_investigation` unless a rule decides. The document `@id` is derived from the
/// statements' content; `now` is its timestamp. The result is validated before it is returned;
/// findings that give no statement give a document with no statements (which [`validate()`]
/// would refuse: a caller writing it out decides what to do with it).
///
/// ```
/// use stella_core::Timestamp;
/// use stella_vex::{FindingRef, Status, VexPolicy, generate};
///
/// let policy = VexPolicy::from_yaml("author: team\nrules:\n  - name: unreachable\n    when: {reachability: not_found_on_entry_paths}\n    status: not_affected\n    justification: vulnerable_code_not_in_execute_path\n")?;
/// let mut f = FindingRef::new("CVE-2024-1", "pkg:npm/a@1.0.0");
/// f.reachability = Some("not_found_on_entry_paths".into());
/// let g = FindingRef::new("CVE-2024-2", "pkg:npm/b@2.0.0");
/// let doc = generate(&[f, g], &policy, Timestamp::parse_rfc3339("2026-01-01T00:00:00Z")?)?;
/// assert_eq!(doc.statements[0].status, Status::NotAffected);
/// assert_eq!(doc.statements[1].status, Status::UnderInvestigation);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn generate(
    findings: &[FindingRef],
    policy: &VexPolicy,
    now: Timestamp,
) -> Result<Document, VexError> {
    let mut by_key: BTreeMap<(String, String), Statement> = BTreeMap::new();
    // Per (vulnerability, purl): whether every finding has its symbols absent.
    let mut all_absent: BTreeMap<(&str, &str), bool> = BTreeMap::new();
    for f in findings {
        if let Some(purl) = &f.purl {
            let absent = f.symbols.as_deref() == Some(SYMBOLS_ABSENT);
            all_absent
                .entry((f.vulnerability.as_str(), purl.as_str()))
                .and_modify(|a| *a &= absent)
                .or_insert(absent);
        }
    }
    for f in findings {
        let Some(purl) = &f.purl else { continue };
        let key = (f.vulnerability.clone(), purl.clone());
        if by_key.contains_key(&key) {
            continue;
        }
        let package = f.package_subject();
        let mut vul = Vulnerability::named(f.vulnerability.clone());
        vul.aliases = f.aliases.clone();
        let mut product = Product::purl(purl.clone());
        if let Some(a) = &f.artifact {
            // The package is a subcomponent of the artifact (image) it was found in.
            product = Product {
                component: crate::model::Component::purl(a.clone()),
                subcomponents: vec![crate::model::Component::purl(purl.clone())],
            };
            if let Ok(d) = Digest::parse(a) {
                product.component.hashes.insert("sha-256".into(), d.hex());
            }
        }
        let mut st = Statement::new(vul, vec![product], Status::UnderInvestigation);
        let absent = all_absent
            .get(&(f.vulnerability.as_str(), purl.as_str()))
            .copied()
            .unwrap_or(false);
        if let Some(rule) = policy.rule_for(f, &package, absent) {
            st.status = rule.status;
            st.justification = rule.justification;
            st.action_statement = rule.action_statement.clone();
            st.impact_statement = if rule.impact_statement_from_trace && !f.trace.is_empty() {
                Some(format!("entry-trace: {}", f.trace.join(" -> ")))
            } else {
                rule.impact_statement.clone()
            };
            if rule.impact_statement_from_trace
                && f.trace.is_empty()
                && rule.impact_statement.is_none()
            {
                st.impact_statement = f
                    .reachability
                    .as_ref()
                    .map(|r| format!("entry-trace reachability: {r}"));
            }
            if st.status == Status::NotAffected
                && rule.rests_on_symbols()
                && st.impact_statement.is_none()
            {
                st.impact_statement = Some(format!(
                    "symbol tables of {} link none of the vulnerable symbols {}",
                    f.symbol_binaries
                        .iter()
                        .map(|b| format!("/{b}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    f.symbols_checked.join(", ")
                ));
            }
            if st.status == Status::NotAffected {
                // The gate reads `impact_statement`: the mark must be there too.
                let why = match st.impact_statement.take() {
                    Some(text) => text,
                    None if complete_trace(f) => {
                        "the entry-trace found no path from the image's entrypoint to the package"
                            .to_owned()
                    }
                    None => format!("set by VEX policy rule {:?}", rule.name),
                };
                st.impact_statement = Some(format!("{MACHINE_DERIVED} {why}"));
            }
            st.status_notes = Some(format!(
                "{MACHINE_DERIVED} set by VEX policy rule {:?} from scan findings, not reviewed by a person",
                rule.name
            ));
        }
        by_key.insert(key, st);
    }
    let statements: Vec<Statement> = by_key.into_values().collect();
    let body = serde_json::to_vec(&statements).map_err(|e| VexError::Shape {
        what: "generated VEX",
        message: e.to_string(),
    })?;
    let doc = Document {
        context: CONTEXT_V0_2_0.to_owned(),
        id: format!(
            "https://stella-ops.org/vex/generated/sha256-{}",
            Digest::of(&body).hex()
        ),
        author: policy.author.clone(),
        role: policy.role.clone(),
        timestamp: now,
        last_updated: None,
        version: 1,
        tooling: Some(format!("stella-vex {}", env!("CARGO_PKG_VERSION"))),
        statements,
    };
    // No findings (a clean image): an empty document is a valid result here; the caller decides
    // whether to write it (the pipeline omits it). Everything else is validated.
    if !doc.statements.is_empty() {
        validate(&doc, &ValidationOptions::at(now))?;
    }
    Ok(doc)
}

fn complete_trace(f: &FindingRef) -> bool {
    f.reachability.as_deref() == Some(NOT_FOUND_ON_ENTRY_PATHS)
}

//! [`VexSet::apply`]: the status of each finding under the trusted VEX.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::{ExpiredWaiver, Provenance, SubjectKey, Untrusted, VexSet};
use crate::findings::FindingRef;
use crate::matching::{Purl, PurlCache, Subject};
use crate::model::{Justification, Status};

impl VexSet {
    /// Applies the trusted VEX to findings: each finding gets the status of the best matching
    /// statement (same deciding rule as [`VexSet::merge`]), or `under_investigation` when none
    /// matches. Findings are returned sorted by vulnerability, purl, artifact.
    pub fn apply(&self, findings: &[FindingRef]) -> Applied {
        // Sorted first (stable: equal findings keep their input order), then applied in order.
        let mut sorted: Vec<&FindingRef> = findings.iter().collect();
        sorted.sort_by(|a, b| {
            (&a.vulnerability, &a.purl, &a.artifact).cmp(&(&b.vulnerability, &b.purl, &b.artifact))
        });
        let mut out = Vec::with_capacity(findings.len());
        let mut counts = StatusCounts::default();
        let mut scratch: Vec<usize> = Vec::new();
        let mut purls = PurlCache::default();
        let mut packages: HashMap<&str, (Option<Arc<Purl>>, SubjectKey)> = HashMap::new();
        let mut artifacts: HashMap<&str, Option<(Subject, SubjectKey)>> = HashMap::new();
        for f in sorted {
            scratch.clear();
            for id in f.ids() {
                if let Some(list) = self.ids.lookup(id).and_then(|ix| {
                    let start = *self.cand_offsets.get(ix)?;
                    let end = *self.cand_offsets.get(ix + 1)?;
                    self.cands_by_id.get(start..end)
                }) {
                    scratch.extend_from_slice(list);
                }
            }
            scratch.sort_unstable();
            scratch.dedup();
            // The cheap necessary condition first; the full match only for what passes.
            let (package_purl, package_key) = match f.purl.as_deref() {
                Some(p) => packages
                    .entry(p)
                    .or_insert_with(|| self.subject_key(p, purls.parse(p)))
                    .clone(),
                None => (None, SubjectKey::default()),
            };
            let artifact = match f.artifact.as_deref() {
                Some(a) => artifacts.entry(a).or_insert_with(|| {
                    f.artifact_subject().map(|s| {
                        let key =
                            self.subject_key(s.id.as_deref().unwrap_or_default(), s.purl.clone());
                        (s, key.1)
                    })
                }),
                None => &None,
            };
            let artifact_key = artifact.as_ref().map(|(_, k)| *k);
            scratch.retain(|ci| {
                self.match_keys.get(*ci).is_some_and(|m| {
                    m.may_match(&package_key) || artifact_key.is_some_and(|a| m.may_match(&a))
                })
            });
            if !scratch.is_empty() {
                let package = Subject {
                    purl: package_purl,
                    ..f.package_subject_unparsed()
                };
                let artifact = artifact.as_ref().map(|(s, _)| s);
                scratch.retain(|ci| {
                    match (
                        self.candidates.get(*ci).and_then(|c| self.product(c)),
                        self.prepared.get(*ci),
                    ) {
                        (Some(product), Some(prepared)) => {
                            prepared.covers(product, &package, artifact)
                        }
                        _ => false,
                    }
                });
            }
            scratch.sort_unstable_by(|a, b| self.order(*a, *b));
            let winner = scratch.first().copied();
            let st = winner
                .and_then(|w| self.candidates.get(w))
                .and_then(|c| self.statement(c));
            let status = st.map_or(Status::UnderInvestigation, |s| s.status);
            counts.add(status);
            out.push(AppliedFinding {
                finding: f.clone(),
                status,
                justification: st.and_then(|s| s.justification),
                impact_statement: st.and_then(|s| s.impact_statement.clone()),
                action_statement: st.and_then(|s| s.action_statement.clone()),
                decided_by: winner.and_then(|w| self.provenance(w)),
                superseded: self.provenances(scratch.get(1..).unwrap_or_default()),
            });
        }
        Applied {
            counts,
            findings: out,
            untrusted: self.untrusted.clone(),
            expired_waivers: self.expired.clone(),
        }
    }
}

/// A finding with the VEX decision applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedFinding {
    /// The finding.
    pub finding: FindingRef,
    /// Its status (`under_investigation` when no statement matched).
    pub status: Status,
    /// The deciding statement's justification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<Justification>,
    /// The deciding statement's impact statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact_statement: Option<String>,
    /// The deciding statement's action statement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_statement: Option<String>,
    /// The deciding statement, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<Provenance>,
    /// Other matching statements it overrode, best first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub superseded: Vec<Provenance>,
}

/// Findings per status. All four are always present; `under_investigation` is the unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StatusCounts {
    /// `affected`.
    pub affected: usize,
    /// `fixed`.
    pub fixed: usize,
    /// `not_affected`.
    pub not_affected: usize,
    /// `under_investigation` (no statement, or a statement saying so).
    pub under_investigation: usize,
}

impl StatusCounts {
    fn add(&mut self, s: Status) {
        match s {
            Status::Affected => self.affected += 1,
            Status::Fixed => self.fixed += 1,
            Status::NotAffected => self.not_affected += 1,
            Status::UnderInvestigation => self.under_investigation += 1,
        }
    }
}

/// The result of applying VEX to findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Counts per status.
    pub counts: StatusCounts,
    /// The findings, sorted by vulnerability, purl, artifact.
    pub findings: Vec<AppliedFinding>,
    /// Statements not applied because untrusted.
    pub untrusted: Vec<Untrusted>,
    /// Waivers ignored as expired.
    pub expired_waivers: Vec<ExpiredWaiver>,
}

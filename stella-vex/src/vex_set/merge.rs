//! [`VexSet::merge`]: one decision per (vulnerability, product) and a merged OpenVEX document,
//! with the provenance of each decision.

use std::fmt::{self, Write as _};

use serde::Serialize;
use stella_core::{Digest, Timestamp};

use super::{ExpiredWaiver, Provenance, Untrusted, Upgraded, VexSet};
use crate::error::VexError;
use crate::matching::Purl;
use crate::model::{CONTEXT_V0_2_0, Document, Statement};

/// One merge decision: for a vulnerability and product, which statement decided and which it
/// superseded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The winner's vulnerability name.
    pub vulnerability: String,
    /// Every id of the vulnerability seen across the candidates, sorted.
    pub ids: Vec<String>,
    /// The product key (purl, else `@id`, CPE or hash).
    pub product: String,
    /// The deciding statement.
    pub decided_by: Provenance,
    /// The statements it overrode, best first.
    pub superseded: Vec<Provenance>,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on {}: {}",
            self.vulnerability, self.product, self.decided_by.status
        )?;
        write!(f, "\n  decided by: {}", self.decided_by)?;
        for s in &self.superseded {
            write!(f, "\n  superseded: {s}")?;
        }
        Ok(())
    }
}

impl VexSet {
    /// Every candidate, grouped by the (vulnerability group, product) it decides, each group
    /// best first; and per candidate that group.
    fn grouped(&self) -> (Vec<usize>, Vec<(usize, usize)>) {
        let groups: Vec<(usize, usize)> = self
            .candidates
            .iter()
            .map(|c| {
                (
                    self.roots.get(c.vuln).copied().unwrap_or(c.vuln),
                    c.product_id,
                )
            })
            .collect();
        let group_of = |ci: usize| groups.get(ci).copied().unwrap_or_default();
        let all: Vec<usize> = (0..self.candidates.len()).collect();
        let by_product = counting_sort(&all, self.product_keys.len(), |ci| group_of(ci).1);
        let mut grouped = counting_sort(&by_product, self.roots.len(), |ci| group_of(ci).0);
        for members in grouped.chunk_by_mut(|a, b| group_of(*a) == group_of(*b)) {
            members.sort_unstable_by(|a, b| self.order(*a, *b));
        }
        (grouped, groups)
    }

    /// Merges into one decision per (vulnerability, product), and an OpenVEX document holding
    /// each winning statement narrowed to its product, sorted by vulnerability name then product
    /// key. With `options.explain` each statement's `status_notes` also names the deciding
    /// document and what it superseded (the document stays valid OpenVEX).
    pub fn merge(&self, options: &MergeOptions) -> Result<Merged, VexError> {
        let (grouped, group_of) = self.grouped();
        let group_of = |ci: usize| group_of.get(ci).copied();
        // One group per decision, sorted by the winner's vulnerability name, then product key
        // (through their precomputed ranks; no two groups share both).
        let mut groups: Vec<_> = grouped
            .chunk_by(|a, b| group_of(*a) == group_of(*b))
            .filter_map(|members| {
                let c = self.candidates.get(*members.first()?)?;
                let rank = (
                    self.id_rank.get(c.vuln).copied(),
                    self.product_rank.get(c.product_id).copied(),
                );
                Some((rank, members))
            })
            .collect();
        groups.sort_unstable_by_key(|(rank, _)| *rank);
        let mut decisions = Vec::with_capacity(groups.len());
        let mut statements = Vec::with_capacity(groups.len());
        let mut id_scratch: Vec<usize> = Vec::new();
        for (_, members) in groups {
            let Some((&win, rest)) = members.split_first() else {
                continue;
            };
            let (Some(decided_by), Some(c)) = (self.provenance(win), self.candidates.get(win))
            else {
                continue;
            };
            let (Some(st), Some(src)) = (self.statement(c), self.sources.get(c.source)) else {
                continue;
            };
            // Every id the group's statements name, sorted by name (ranks are a permutation,
            // so equal ranks are equal ids).
            id_scratch.clear();
            for m in members {
                if let Some(mc) = self.candidates.get(*m) {
                    id_scratch.extend_from_slice(
                        self.statement_ids.get(mc.ids.clone()).unwrap_or_default(),
                    );
                }
            }
            id_scratch.sort_unstable_by_key(|i| self.id_rank.get(*i).copied());
            id_scratch.dedup();
            let d = Decision {
                vulnerability: st.vulnerability.name.clone(),
                ids: id_scratch
                    .iter()
                    .filter_map(|i| self.ids.names().get(*i).cloned())
                    .collect(),
                product: self
                    .product_keys
                    .get(c.product_id)
                    .cloned()
                    .unwrap_or_default(),
                decided_by,
                superseded: self.provenances(rest),
            };
            // The winning statement narrowed to the decided product, with its effective
            // timestamp written out (the source document's is not carried over).
            let mut s = Statement {
                id: st.id.clone(),
                version: st.version,
                vulnerability: st.vulnerability.clone(),
                timestamp: Some(st.timestamp.unwrap_or(src.document.timestamp)),
                last_updated: st.last_updated,
                products: st.products.get(c.product).cloned().into_iter().collect(),
                status: st.status,
                supplier: st.supplier.clone(),
                status_notes: st.status_notes.clone(),
                justification: st.justification,
                impact_statement: st.impact_statement.clone(),
                action_statement: st.action_statement.clone(),
                action_statement_timestamp: st.action_statement_timestamp,
            };
            if options.explain {
                let mut note = s.status_notes.take().unwrap_or_default();
                if !note.is_empty() {
                    note.push_str(" | ");
                }
                // Writing into a String cannot fail.
                let _ = write!(note, "stella-vex merge: decided by {}", d.decided_by);
                for sup in &d.superseded {
                    let _ = write!(note, "; superseded {sup}");
                }
                s.status_notes = Some(note);
            }
            statements.push(s);
            decisions.push(d);
        }
        if statements.is_empty() {
            return Err(VexError::NoTrustedStatements {
                untrusted: self.untrusted.len(),
                expired_waivers: self.expired.len(),
            });
        }
        let mut digests: Vec<String> = self.sources.iter().map(|s| s.digest.to_string()).collect();
        digests.sort();
        let id_digest = Digest::of(digests.join("\n").as_bytes());
        let document = Document {
            context: CONTEXT_V0_2_0.to_owned(),
            id: format!(
                "https://stella-ops.org/vex/merged/sha256-{}",
                id_digest.hex()
            ),
            author: options.author.clone(),
            role: Some("merge of trusted VEX".into()),
            timestamp: options.now,
            last_updated: None,
            version: 1,
            tooling: Some(format!("stella-vex {}", env!("CARGO_PKG_VERSION"))),
            statements,
        };
        Ok(Merged {
            document,
            decisions,
            upgraded: self.upgraded(),
            untrusted: self.untrusted.clone(),
            expired_waivers: self.expired.clone(),
        })
    }
}

/// What [`VexSet::merge`] writes into the merged document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeOptions {
    /// The merged document's timestamp (the caller's clock).
    pub now: Timestamp,
    /// The merged document's author.
    pub author: String,
    /// Write provenance into each statement's `status_notes`.
    pub explain: bool,
}

/// The result of a merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Merged {
    /// The merged OpenVEX document.
    pub document: Document,
    /// One decision per (vulnerability, product), sorted by vulnerability then product.
    pub decisions: Vec<Decision>,
    /// The trusted sources that were read as legacy or incomplete OpenVEX, and how they were
    /// upgraded (omitted when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub upgraded: Vec<Upgraded>,
    /// Statements not applied because untrusted.
    pub untrusted: Vec<Untrusted>,
    /// Waivers ignored as expired.
    pub expired_waivers: Vec<ExpiredWaiver>,
}

/// Which decisions of a merge to keep, as `vexctl merge --product --vuln` filters: a decision
/// is kept when its product matches one of `products` (empty: any) and one of its
/// vulnerability ids (name or alias) is one of `vulnerabilities` (empty: any).
///
/// A product matches when the text is equal, or when both are purls and either covers the
/// other (a versionless purl covers every version; see [`crate::Purl::covers`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeFilter {
    /// Product identifiers (purls or `@id`s).
    pub products: Vec<String>,
    /// Vulnerability ids.
    pub vulnerabilities: Vec<String>,
}

impl MergeFilter {
    /// True when nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.products.is_empty() && self.vulnerabilities.is_empty()
    }

    fn keeps(&self, d: &Decision) -> bool {
        let product_ok = self.products.is_empty()
            || self.products.iter().any(|p| {
                p == &d.product
                    || match (Purl::parse(p), Purl::parse(&d.product)) {
                        (Ok(a), Ok(b)) => a.covers(&b) || b.covers(&a),
                        _ => false,
                    }
            });
        let vuln_ok = self.vulnerabilities.is_empty()
            || d.ids.iter().any(|id| self.vulnerabilities.contains(id));
        product_ok && vuln_ok
    }
}

impl Merged {
    /// The merge narrowed to the decisions `filter` keeps (the merged document's statements
    /// with them; untrusted, expired and upgraded sources are kept as reported). Refuses with
    /// [`VexError::NothingMatchesFilter`] when nothing is left: an OpenVEX document needs a
    /// statement.
    ///
    /// ```
    /// use stella_core::Timestamp;
    /// use stella_vex::{MergeFilter, MergeOptions, TrustPolicy, VexSet, VexSource};
    ///
    /// let vex = br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/v",
    ///   "author":"a","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[
    ///   {"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:npm/x"}],"status":"fixed"},
    ///   {"vulnerability":{"name":"CVE-2"},"products":[{"@id":"pkg:npm/y"}],"status":"fixed"}]}"#;
    /// let now = Timestamp::parse_rfc3339("2024-06-01T00:00:00Z")?;
    /// let set = VexSet::build(vec![VexSource::unsigned(vex)?], &TrustPolicy::permissive(), now);
    /// let merged = set.merge(&MergeOptions { now, author: "me".into(), explain: false })?;
    /// let only = merged.filtered(&MergeFilter { products: vec!["pkg:npm/y@1.0".into()], ..MergeFilter::default() })?;
    /// assert_eq!(only.document.statements.len(), 1);
    /// assert_eq!(only.decisions[0].vulnerability, "CVE-2");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn filtered(mut self, filter: &MergeFilter) -> Result<Merged, VexError> {
        if filter.is_empty() {
            return Ok(self);
        }
        let decisions = std::mem::take(&mut self.decisions);
        let statements = std::mem::take(&mut self.document.statements);
        for (d, s) in decisions.into_iter().zip(statements) {
            if filter.keeps(&d) {
                self.decisions.push(d);
                self.document.statements.push(s);
            }
        }
        if self.decisions.is_empty() {
            return Err(VexError::NothingMatchesFilter {
                products: filter.products.clone(),
                vulnerabilities: filter.vulnerabilities.clone(),
            });
        }
        Ok(self)
    }

    /// The human-readable explanation: one block per decision, then the untrusted statements
    /// and expired waivers.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        for d in &self.decisions {
            out.push_str(&d.to_string());
            out.push('\n');
        }
        for u in &self.upgraded {
            out.push_str(&u.to_string());
            out.push('\n');
        }
        for u in &self.untrusted {
            out.push_str(&format!(
                "untrusted: {} by {:?} [{}]{}: {}\n",
                u.document,
                u.author,
                u.digest,
                u.statement
                    .map(|s| format!(" statement #{s}"))
                    .unwrap_or_default(),
                serde_json::to_string(&u.reason).unwrap_or_default()
            ));
        }
        for w in &self.expired_waivers {
            out.push_str(&format!(
                "expired waiver: {} for {} ({}) approved by {:?}, expired {}{}\n",
                w.digest,
                w.artifact,
                w.vulnerabilities.join(", "),
                w.approver,
                w.expires,
                if w.not_yet_valid {
                    " (not yet valid)"
                } else {
                    ""
                }
            ));
        }
        out
    }
}

/// `items` reordered by `bucket(item)` (in `0..buckets`), keeping their order within a bucket:
/// a counting sort, O(items + buckets).
fn counting_sort(items: &[usize], buckets: usize, bucket: impl Fn(usize) -> usize) -> Vec<usize> {
    let last = buckets.saturating_sub(1);
    let bucket = |i: usize| bucket(i).min(last);
    // First the size of each bucket (at b + 1), then where the next item of bucket b goes.
    let mut next = vec![0usize; buckets + 1];
    for &i in items {
        if let Some(n) = next.get_mut(bucket(i) + 1) {
            *n += 1;
        }
    }
    let mut total = 0;
    for n in &mut next {
        total += *n;
        *n = total;
    }
    let mut out = vec![0usize; items.len()];
    for &i in items {
        if let Some(n) = next.get_mut(bucket(i)) {
            if let Some(slot) = out.get_mut(*n) {
                *slot = i;
            }
            *n += 1;
        }
    }
    out
}

//! Merging many VEX documents with provenance, and applying VEX to findings.
//!
//! Both start from a [`VexSet`]: every statement × product of every trusted, unexpired source,
//! indexed by each vulnerability id it names (name and aliases).
//!
//! **Deciding rule.** Among the statements about the same vulnerability (the name or any alias
//! in common, transitively) and product, the winner is the one with
//! 1. the highest issuer precedence (trust policy), then
//! 2. the latest effective time (statement `last_updated`, else statement `timestamp`, else the
//!    document's `timestamp`), then — exact ties only —
//! 3. the most cautious status (`affected` > `under_investigation` > `fixed` > `not_affected`),
//!    then
//! 4. the smallest source digest, then the lowest statement index, then the lowest product index.
//!
//! Every other candidate is recorded as superseded, so an explanation names the deciding
//! document (`@id`, author, digest) and statement and everything it overrode.

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;
use stella_core::{Digest, Timestamp};

use crate::error::VexError;
use crate::findings::FindingRef;
use crate::matching::{PreparedProduct, PurlCache, Subject};
use crate::model::{CONTEXT_V0_2_0, Document, Justification, Statement, Status};
use crate::trust::{Distrust, TrustPolicy, VexSource};

/// Where a statement came from: the provenance recorded for every decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The document `@id`.
    pub document: String,
    /// The document author.
    pub author: String,
    /// SHA-256 of the document bytes (of the predicate for waivers).
    pub digest: Digest,
    /// 0-based statement index in the document.
    pub statement: usize,
    /// The statement `@id`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_id: Option<String>,
    /// The trust-policy issuer it was attributed to.
    pub issuer: String,
    /// The issuer's precedence.
    pub precedence: i64,
    /// The statement's status.
    pub status: Status,
    /// The effective time used for ordering.
    pub timestamp: Timestamp,
    /// The verified signing key ids, for signed sources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signers: Vec<String>,
    /// True when the statement came from a waiver.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub waiver: bool,
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at {} by {:?} (issuer {}, precedence {}) in {} [{}] statement #{}",
            self.status,
            self.timestamp,
            self.author,
            self.issuer,
            self.precedence,
            self.document,
            self.digest,
            self.statement
        )?;
        if let Some(id) = &self.statement_id {
            write!(f, " ({id})")?;
        }
        if self.waiver {
            f.write_str(" [waiver]")?;
        }
        Ok(())
    }
}

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

/// Statements that were not applied because their issuer is not trusted for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Untrusted {
    /// The document `@id`.
    pub document: String,
    /// The author.
    pub author: String,
    /// The document digest.
    pub digest: Digest,
    /// The statement index, when only some statements were refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<usize>,
    /// Why.
    #[serde(flatten)]
    pub reason: Distrust,
}

/// A waiver that was ignored because it has expired (or is not valid yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiredWaiver {
    /// The waiver digest.
    pub digest: Digest,
    /// The artifact it waived for.
    pub artifact: Digest,
    /// The vulnerabilities it waived.
    pub vulnerabilities: Vec<String>,
    /// Who approved it.
    pub approver: String,
    /// When it expired.
    pub expires: Timestamp,
    /// True when it was ignored because its creation time is still in the future.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_yet_valid: bool,
}

#[derive(Debug, Clone)]
struct Candidate {
    source: usize,
    statement: usize,
    product: usize,
    prepared: PreparedProduct,
    /// Index into `product_keys`.
    product_id: usize,
    /// Id index of the statement's vulnerability name.
    vuln: usize,
    issuer: usize,
    precedence: i64,
    time: Timestamp,
    status: Status,
}

/// Allowed clock skew (seconds): a waiver created later than now plus this is not valid yet, and
/// a statement dated later than now plus this is not applied.
const CLOCK_SKEW_SECONDS: i64 = 300;

/// Trusted, unexpired VEX ready to merge or apply.
///
/// ```
/// use stella_core::Timestamp;
/// use stella_vex::{FindingRef, Status, TrustPolicy, VexSet, VexSource};
///
/// let vex = br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1",
///   "author":"vendor","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[
///   {"vulnerability":{"name":"CVE-2024-1","aliases":["GHSA-xxxx-yyyy-zzzz"]},
///    "products":[{"@id":"pkg:npm/left-pad"}],"status":"not_affected",
///    "justification":"vulnerable_code_not_present"}]}"#;
/// let now = Timestamp::parse_rfc3339("2024-06-01T00:00:00Z")?;
/// let set = VexSet::build(vec![VexSource::unsigned(vex)?], &TrustPolicy::permissive(), now);
/// let applied = set.apply(&[FindingRef::new("GHSA-xxxx-yyyy-zzzz", "pkg:npm/left-pad@1.3.0")]);
/// assert_eq!(applied.findings[0].status, Status::NotAffected);
/// assert_eq!(applied.counts.under_investigation, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct VexSet {
    sources: Vec<VexSource>,
    issuers: Vec<(String, i64)>,
    candidates: Vec<Candidate>,
    /// Every vulnerability id (names and aliases), interned, with the alias groups.
    ids: UnionFind,
    /// Per id index: the candidates whose statement names that id.
    cands_by_id: Vec<Vec<usize>>,
    /// Per id index: its group's root, and its rank in the sorted id names.
    roots: Vec<usize>,
    id_rank: Vec<usize>,
    /// Product keys, interned, and their rank in sorted order.
    product_keys: Vec<String>,
    product_rank: Vec<usize>,
    untrusted: Vec<Untrusted>,
    expired: Vec<ExpiredWaiver>,
}

impl VexSet {
    /// Judges every source against `policy` at `now`: expired (or not yet valid) waivers,
    /// untrusted documents or statements, and statements dated more than five minutes after
    /// `now` are set aside and reported; the rest are indexed.
    pub fn build(sources: Vec<VexSource>, policy: &TrustPolicy, now: Timestamp) -> Self {
        let mut set = Self {
            sources: Vec::new(),
            issuers: Vec::new(),
            candidates: Vec::new(),
            ids: UnionFind::default(),
            cands_by_id: Vec::new(),
            roots: Vec::new(),
            id_rank: Vec::new(),
            product_keys: Vec::new(),
            product_rank: Vec::new(),
            untrusted: Vec::new(),
            expired: Vec::new(),
        };
        let future_limit = now.checked_add_seconds(CLOCK_SKEW_SECONDS);
        let mut purls = PurlCache::default();
        let mut product_index: HashMap<String, usize> = HashMap::new();
        for source in sources {
            if let Some(w) = source.as_waiver() {
                let not_yet = now
                    .checked_add_seconds(CLOCK_SKEW_SECONDS)
                    .is_some_and(|limit| w.created > limit);
                if w.is_expired_at(now) || not_yet {
                    set.expired.push(ExpiredWaiver {
                        digest: source.digest,
                        artifact: w.artifact,
                        vulnerabilities: w.vulnerabilities.clone(),
                        approver: w.approver.clone(),
                        expires: w.expires,
                        not_yet_valid: !w.is_expired_at(now),
                    });
                    continue;
                }
            }
            let issuer = match policy.judge(&source) {
                Ok(i) => i,
                Err(reason) => {
                    set.untrusted.push(Untrusted {
                        document: source.document.id.clone(),
                        author: source.document.author.clone(),
                        digest: source.digest,
                        statement: None,
                        reason,
                    });
                    continue;
                }
            };
            let si = set.sources.len();
            let ii = set.issuers.len();
            set.issuers.push((issuer.name.clone(), issuer.precedence));
            let doc = &source.document;
            for (st_i, st) in doc.statements.iter().enumerate() {
                let time = doc.statement_time(st);
                if future_limit.is_some_and(|limit| time > limit) {
                    set.untrusted.push(Untrusted {
                        document: doc.id.clone(),
                        author: doc.author.clone(),
                        digest: source.digest,
                        statement: Some(st_i),
                        reason: Distrust::FutureTimestamp {
                            timestamp: time.to_string(),
                        },
                    });
                    continue;
                }
                // Ids named together in a statement are one vulnerability.
                let vuln = set.ids.id(&st.vulnerability.name);
                for alias in &st.vulnerability.aliases {
                    let a = set.ids.id(alias);
                    set.ids.union(vuln, a);
                }
                for (p_i, product) in st.products.iter().enumerate() {
                    let product_key = product.component.key();
                    if !issuer.may_speak_for(product) {
                        set.untrusted.push(Untrusted {
                            document: doc.id.clone(),
                            author: doc.author.clone(),
                            digest: source.digest,
                            statement: Some(st_i),
                            reason: Distrust::OutOfScope {
                                issuer: issuer.name.clone(),
                                product: product_key,
                            },
                        });
                        continue;
                    }
                    let product_id = match product_index.get(&product_key) {
                        Some(id) => *id,
                        None => {
                            let id = set.product_keys.len();
                            set.product_keys.push(product_key.clone());
                            product_index.insert(product_key, id);
                            id
                        }
                    };
                    let ci = set.candidates.len();
                    set.candidates.push(Candidate {
                        source: si,
                        statement: st_i,
                        product: p_i,
                        prepared: PreparedProduct::new(product, &mut purls),
                        product_id,
                        vuln,
                        issuer: ii,
                        precedence: issuer.precedence,
                        time,
                        status: st.status,
                    });
                    for id in st.vulnerability.ids() {
                        let ix = set.ids.id(id);
                        if set.cands_by_id.len() <= ix {
                            set.cands_by_id.resize_with(ix + 1, Vec::new);
                        }
                        if let Some(list) = set.cands_by_id.get_mut(ix) {
                            if list.last() != Some(&ci) {
                                list.push(ci);
                            }
                        }
                    }
                }
            }
            set.sources.push(source);
        }
        set.untrusted.sort_by(|a, b| {
            (&a.document, a.digest, a.statement).cmp(&(&b.document, b.digest, b.statement))
        });
        set.expired.sort_by_key(|a| a.digest);
        let n = set.ids.names.len();
        set.roots = (0..n).map(|i| set.ids.find(i)).collect();
        set.id_rank = ranks(&set.ids.names);
        set.product_rank = ranks(&set.product_keys);
        set
    }

    /// Statements that were not applied because their issuer is not trusted for them, sorted by
    /// document `@id`, digest and statement.
    pub fn untrusted(&self) -> &[Untrusted] {
        &self.untrusted
    }

    /// Waivers that were ignored as expired, sorted by digest.
    pub fn expired_waivers(&self) -> &[ExpiredWaiver] {
        &self.expired
    }

    fn statement(&self, c: &Candidate) -> Option<&Statement> {
        self.sources
            .get(c.source)
            .and_then(|s| s.document.statements.get(c.statement))
    }

    fn order(&self, a: usize, b: usize) -> std::cmp::Ordering {
        let (Some(ca), Some(cb)) = (self.candidates.get(a), self.candidates.get(b)) else {
            return a.cmp(&b);
        };
        let da = self.sources.get(ca.source).map(|s| s.digest);
        let db = self.sources.get(cb.source).map(|s| s.digest);
        cb.precedence
            .cmp(&ca.precedence)
            .then(cb.time.cmp(&ca.time))
            .then(cb.status.caution().cmp(&ca.status.caution()))
            .then(da.cmp(&db))
            .then(ca.statement.cmp(&cb.statement))
            .then(ca.product.cmp(&cb.product))
    }

    fn provenance(&self, ci: usize) -> Option<Provenance> {
        let c = self.candidates.get(ci)?;
        let src = self.sources.get(c.source)?;
        let st = self.statement(c)?;
        let (issuer, precedence) = self.issuers.get(c.issuer).cloned()?;
        Some(Provenance {
            document: src.document.id.clone(),
            author: src.document.author.clone(),
            digest: src.digest,
            statement: c.statement,
            statement_id: st.id.clone(),
            issuer,
            precedence,
            status: c.status,
            timestamp: c.time,
            signers: src.signers().to_vec(),
            waiver: src.as_waiver().is_some(),
        })
    }

    /// Merges into one decision per (vulnerability, product), and an OpenVEX document holding
    /// each winning statement narrowed to its product, sorted by vulnerability name then product
    /// key. With `options.explain` each statement's `status_notes` also names the deciding
    /// document and what it superseded (the document stays valid OpenVEX).
    pub fn merge(&self, options: &MergeOptions) -> Result<Merged, VexError> {
        // Group by (vulnerability group, product); within a group, best first.
        let group_of = |ci: usize| {
            self.candidates.get(ci).map(|c| {
                (
                    self.roots.get(c.vuln).copied().unwrap_or(c.vuln),
                    c.product_id,
                )
            })
        };
        let mut order: Vec<usize> = (0..self.candidates.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            group_of(a).cmp(&group_of(b)).then_with(|| self.order(a, b))
        });
        let mut decisions = Vec::new();
        let mut winners = Vec::new();
        for members in order.chunk_by(|&a, &b| group_of(a) == group_of(b)) {
            let Some((&win, rest)) = members.split_first() else {
                continue;
            };
            let (Some(decided_by), Some(c)) = (self.provenance(win), self.candidates.get(win))
            else {
                continue;
            };
            let Some(st) = self.statement(c) else {
                continue;
            };
            let mut id_refs: Vec<&str> = Vec::new();
            for m in members {
                if let Some(s) = self.candidates.get(*m).and_then(|mc| self.statement(mc)) {
                    id_refs.extend(s.vulnerability.ids());
                }
            }
            id_refs.sort_unstable();
            id_refs.dedup();
            let ids = id_refs.into_iter().map(str::to_owned).collect();
            decisions.push(Decision {
                vulnerability: st.vulnerability.name.clone(),
                ids,
                product: self
                    .product_keys
                    .get(c.product_id)
                    .cloned()
                    .unwrap_or_default(),
                decided_by,
                superseded: rest.iter().filter_map(|r| self.provenance(*r)).collect(),
            });
            winners.push(win);
        }
        // Sorted by vulnerability name, then product key (through their precomputed ranks).
        let rank = |ci: usize| {
            self.candidates.get(ci).map(|c| {
                (
                    self.id_rank.get(c.vuln).copied(),
                    self.product_rank.get(c.product_id).copied(),
                )
            })
        };
        let mut pairs: Vec<(Decision, usize)> = decisions.into_iter().zip(winners).collect();
        pairs.sort_unstable_by_key(|(_, w)| rank(*w));
        let mut sorted_decisions = Vec::with_capacity(pairs.len());
        let mut statements = Vec::with_capacity(pairs.len());
        for (d, win) in pairs {
            let Some(c) = self.candidates.get(win) else {
                continue;
            };
            let (Some(st), Some(src)) = (self.statement(c), self.sources.get(c.source)) else {
                continue;
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
                note.push_str(&format!("stella-vex merge: decided by {}", d.decided_by));
                for sup in &d.superseded {
                    note.push_str(&format!("; superseded {sup}"));
                }
                s.status_notes = Some(note);
            }
            statements.push(s);
            sorted_decisions.push(d);
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
            decisions: sorted_decisions,
            untrusted: self.untrusted.clone(),
            expired_waivers: self.expired.clone(),
        })
    }

    /// Applies the trusted VEX to findings: each finding gets the status of the best matching
    /// statement (same deciding rule as [`VexSet::merge`]), or `under_investigation` when none
    /// matches. Findings are returned sorted by vulnerability, purl, artifact.
    pub fn apply(&self, findings: &[FindingRef]) -> Applied {
        let mut out = Vec::with_capacity(findings.len());
        let mut counts = StatusCounts::default();
        let mut scratch: Vec<usize> = Vec::new();
        let mut purls = PurlCache::default();
        for f in findings {
            scratch.clear();
            for id in f.ids() {
                if let Some(list) = self
                    .ids
                    .index
                    .get(id)
                    .and_then(|ix| self.cands_by_id.get(*ix))
                {
                    scratch.extend_from_slice(list);
                }
            }
            scratch.sort_unstable();
            scratch.dedup();
            let package = Subject {
                purl: f.purl.as_deref().and_then(|p| purls.parse(p)),
                ..f.package_subject_unparsed()
            };
            let artifact = f.artifact_subject();
            scratch.retain(|ci| {
                self.candidates
                    .get(*ci)
                    .is_some_and(|c| c.prepared.covers(&package, artifact.as_ref()))
            });
            scratch.sort_by(|a, b| self.order(*a, *b));
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
                superseded: scratch
                    .get(1..)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|c| self.provenance(*c))
                    .collect(),
            });
        }
        out.sort_by(|a, b| {
            (
                &a.finding.vulnerability,
                &a.finding.purl,
                &a.finding.artifact,
            )
                .cmp(&(
                    &b.finding.vulnerability,
                    &b.finding.purl,
                    &b.finding.artifact,
                ))
        });
        Applied {
            counts,
            findings: out,
            untrusted: self.untrusted.clone(),
            expired_waivers: self.expired.clone(),
        }
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
    /// Statements not applied because untrusted.
    pub untrusted: Vec<Untrusted>,
    /// Waivers ignored as expired.
    pub expired_waivers: Vec<ExpiredWaiver>,
}

impl Merged {
    /// The human-readable explanation: one block per decision, then the untrusted statements
    /// and expired waivers.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        for d in &self.decisions {
            out.push_str(&d.to_string());
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

/// For each name, its rank in sorted order.
fn ranks(names: &[String]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_unstable_by(|a, b| names.get(*a).cmp(&names.get(*b)));
    let mut rank = vec![0; names.len()];
    for (r, i) in order.into_iter().enumerate() {
        if let Some(slot) = rank.get_mut(i) {
            *slot = r;
        }
    }
    rank
}

/// Interned vulnerability ids with union-find over "named together".
#[derive(Debug, Clone, Default)]
struct UnionFind {
    parent: Vec<usize>,
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl UnionFind {
    fn id(&mut self, name: &str) -> usize {
        if let Some(i) = self.index.get(name) {
            return *i;
        }
        let i = self.parent.len();
        self.parent.push(i);
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }

    fn find(&mut self, mut i: usize) -> usize {
        while let Some(&p) = self.parent.get(i) {
            if p == i {
                break;
            }
            let gp = self.parent.get(p).copied().unwrap_or(p);
            if let Some(slot) = self.parent.get_mut(i) {
                *slot = gp;
            }
            i = p;
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            if let Some(slot) = self.parent.get_mut(hi) {
                *slot = lo;
            }
        }
    }
}

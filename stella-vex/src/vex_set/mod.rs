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
//! 3. when applying to a finding two statements' products match it, the more specific one (a
//!    purl naming a version over one naming every version: a vendor listing `curl` as affected
//!    and `curl@8.6.0-150600.4.3.1` as fixed, as SUSE's CSAF VEX does, means the fixed version
//!    is fixed), then
//! 4. the most cautious status (`affected` > `under_investigation` > `fixed` > `not_affected`),
//!    then
//! 5. the smallest source digest, then the lowest statement index, then the lowest product index.
//!
//! Every other candidate is recorded as superseded, so an explanation names the deciding
//! document (`@id`, author, digest) and statement and everything it overrode.
//!
//! - [`VexSet::build`] (here): judge every source against the trust policy and index the
//!   candidates (statement × product) by vulnerability id; the helpers both jobs share.
//! - [`merge`]: [`VexSet::merge`], one decision per (vulnerability, product).
//! - [`apply`]: [`VexSet::apply`], the status of each finding.
//! - [`ids`]: the vulnerability ids, interned and grouped (a `stella_core` union-find).

mod apply;
mod ids;
mod merge;

use std::cmp::{Ordering, Reverse};
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;
use stella_core::{Digest, Timestamp};

use crate::compat::Upgrade;
use crate::matching::{PreparedProduct, Purl, PurlCache};
use crate::model::{Product, Statement, Status};
use crate::trust::{Distrust, TrustPolicy, VexSource};

pub use apply::{Applied, AppliedFinding, StatusCounts};
use ids::VulnIds;
pub use merge::{Decision, MergeFilter, MergeOptions, Merged};

impl VexSet {
    /// The trusted sources that were upgraded when read, in source order.
    pub fn upgraded(&self) -> Vec<Upgraded> {
        self.sources
            .iter()
            .filter(|s| !s.upgrades().is_empty())
            .map(|s| Upgraded {
                document: s.document.id.clone(),
                digest: s.digest,
                upgrades: s.upgrades().to_vec(),
            })
            .collect()
    }
}

/// What a provenance says about the source document a statement came from, shared (`Arc`) by
/// every provenance from that source, so recording one copies no strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceProvenance {
    /// The document `@id`.
    pub document: String,
    /// The document author.
    pub author: String,
    /// SHA-256 of the document bytes (of the predicate for waivers).
    pub digest: Digest,
    /// The trust-policy issuer it was attributed to.
    pub issuer: String,
    /// The issuer's precedence.
    pub precedence: i64,
    /// The verified signing key ids, for signed sources.
    pub signers: Vec<String>,
    /// True when the source is a waiver.
    pub waiver: bool,
}

/// Where a statement came from: the provenance recorded for every decision. Serialized flat:
/// `document`, `author`, `digest`, `statement`, `statement_id` (when set), `issuer`,
/// `precedence`, `status`, `timestamp`, `signers` (when any), `waiver` (when true).
///
/// ```
/// use stella_core::Timestamp;
/// use stella_vex::{MergeOptions, TrustPolicy, VexSet, VexSource};
///
/// let vex = br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1",
///   "author":"vendor","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[
///   {"vulnerability":{"name":"CVE-2024-1"},"products":[{"@id":"pkg:npm/x"}],
///    "status":"fixed"}]}"#;
/// let now = Timestamp::parse_rfc3339("2024-06-01T00:00:00Z")?;
/// let set = VexSet::build(vec![VexSource::unsigned(vex)?], &TrustPolicy::permissive(), now);
/// let merged = set.merge(&MergeOptions { now, author: "me".into(), explain: false })?;
/// let p = &merged.decisions[0].decided_by;
/// assert_eq!(p.source.document, "https://example.com/vex/1");
/// assert_eq!((p.source.author.as_str(), p.statement), ("vendor", 0));
/// let json = serde_json::to_value(p)?;
/// assert_eq!((&json["author"], &json["statement"]), (&"vendor".into(), &0.into()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The source document, shared with every other provenance from it.
    pub source: Arc<SourceProvenance>,
    /// 0-based statement index in the document.
    pub statement: usize,
    /// The statement `@id`, if any.
    pub statement_id: Option<Arc<str>>,
    /// The statement's status.
    pub status: Status,
    /// The effective time used for ordering.
    pub timestamp: Timestamp,
}

impl Serialize for Provenance {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let src = &*self.source;
        let len = 8
            + usize::from(self.statement_id.is_some())
            + usize::from(!src.signers.is_empty())
            + usize::from(src.waiver);
        let mut s = serializer.serialize_struct("Provenance", len)?;
        s.serialize_field("document", &src.document)?;
        s.serialize_field("author", &src.author)?;
        s.serialize_field("digest", &src.digest)?;
        s.serialize_field("statement", &self.statement)?;
        match &self.statement_id {
            Some(id) => s.serialize_field("statement_id", &**id)?,
            None => s.skip_field("statement_id")?,
        }
        s.serialize_field("issuer", &src.issuer)?;
        s.serialize_field("precedence", &src.precedence)?;
        s.serialize_field("status", &self.status)?;
        s.serialize_field("timestamp", &self.timestamp)?;
        if src.signers.is_empty() {
            s.skip_field("signers")?;
        } else {
            s.serialize_field("signers", &src.signers)?;
        }
        if src.waiver {
            s.serialize_field("waiver", &true)?;
        } else {
            s.skip_field("waiver")?;
        }
        s.end()
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let src = &*self.source;
        write!(
            f,
            "{} at {} by {:?} (issuer {}, precedence {}) in {} [{}] statement #{}",
            self.status,
            self.timestamp,
            src.author,
            src.issuer,
            src.precedence,
            src.document,
            src.digest,
            self.statement
        )?;
        if let Some(id) = &self.statement_id {
            write!(f, " ({id})")?;
        }
        if src.waiver {
            f.write_str(" [waiver]")?;
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

/// A trusted source read as legacy or incomplete OpenVEX, with how it was upgraded (what the
/// merge explanation reports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Upgraded {
    /// The document `@id`.
    pub document: String,
    /// The source digest.
    pub digest: Digest,
    /// The upgrades, in the order found.
    pub upgrades: Vec<Upgrade>,
}

impl fmt::Display for Upgraded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "upgraded: {} [{}]:", self.document, self.digest)?;
        for (i, u) in self.upgrades.iter().enumerate() {
            write!(f, "{} {u}", if i == 0 { "" } else { ";" })?;
        }
        Ok(())
    }
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

/// The deciding rule as integers, best first in ascending order: issuer precedence and
/// effective time (descending), specificity (descending: a product naming a version before one
/// naming every version, which only differs between candidates of different products, i.e. in
/// `apply`), caution (descending), then the rank of the source digest, the statement index and
/// the product index (ascending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct OrderKey {
    precedence: Reverse<i64>,
    time: Reverse<i128>,
    specificity: Reverse<u8>,
    caution: Reverse<u8>,
    digest_rank: usize,
    statement: usize,
    product: usize,
}

#[derive(Debug, Clone)]
struct Candidate {
    source: usize,
    statement: usize,
    product: usize,
    /// Index into `product_keys`.
    product_id: usize,
    /// Id index of the statement's vulnerability name.
    vuln: usize,
    /// The statement's vulnerability ids (name, then aliases): a range of `statement_ids`.
    ids: Range<usize>,
    /// The statement `@id`, shared by the statement's candidates.
    statement_id: Option<Arc<str>>,
    time: Timestamp,
    status: Status,
    key: OrderKey,
}

/// What a candidate's product can match, as interned integers: a necessary condition checked
/// before the full match, so most non-matching candidates are rejected without reading their
/// product.
#[derive(Debug, Clone, Copy)]
struct MatchKey {
    /// The interned (type, namespace, name) of the product's purl, when it has one that parses.
    package: Option<usize>,
    /// The product `@id`, interned among the product texts.
    id: Option<usize>,
    /// The product has hashes or CPEs: only the full match can tell.
    other: bool,
}

/// The same for a finding's package or artifact.
#[derive(Debug, Clone, Copy, Default)]
struct SubjectKey {
    package: Option<usize>,
    id: Option<usize>,
}

impl MatchKey {
    /// False only when this product cannot match the subject (no shared purl package, no equal
    /// `@id`, and nothing else to compare).
    fn may_match(&self, s: &SubjectKey) -> bool {
        self.other
            || (self.package.is_some() && self.package == s.package)
            || (self.id.is_some() && self.id == s.id)
    }
}

/// A product purl parsed, with its package index in `VexSet::packages`.
type ParsedPurl = (Arc<Purl>, usize);

/// A purl's package identity: type, namespace, name.
type PackageName = (String, Option<String>, String);

fn package_name(p: &Purl) -> PackageName {
    (p.ty.clone(), p.namespace.clone(), p.name.clone())
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
    /// Per source: what its provenances name.
    info: Vec<Arc<SourceProvenance>>,
    candidates: Vec<Candidate>,
    /// Per candidate: its product's purls, parsed.
    prepared: Vec<PreparedProduct>,
    /// Per candidate: what its product can match.
    match_keys: Vec<MatchKey>,
    /// Purl package identities of the products, interned.
    packages: HashMap<PackageName, usize>,
    /// Product texts (keys and `@id`s), interned: index into `product_keys`.
    product_index: HashMap<String, usize>,
    /// The id indices of every statement's vulnerability ids (see `Candidate::ids`).
    statement_ids: Vec<usize>,
    /// Every vulnerability id (names and aliases), interned, with the alias groups.
    ids: VulnIds,
    /// Per id index `i`: the candidates whose statement names that id, ascending, are
    /// `cands_by_id[cand_offsets[i]..cand_offsets[i + 1]]`.
    cands_by_id: Vec<usize>,
    cand_offsets: Vec<usize>,
    /// Per id index: its group's root, and its rank in the sorted id names.
    roots: Vec<usize>,
    id_rank: Vec<usize>,
    /// Product texts (keys and `@id`s), interned, and their rank in sorted order.
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
            info: Vec::new(),
            candidates: Vec::new(),
            prepared: Vec::new(),
            match_keys: Vec::new(),
            packages: HashMap::new(),
            product_index: HashMap::new(),
            statement_ids: Vec::new(),
            ids: VulnIds::default(),
            cands_by_id: Vec::new(),
            cand_offsets: Vec::new(),
            roots: Vec::new(),
            id_rank: Vec::new(),
            product_keys: Vec::new(),
            product_rank: Vec::new(),
            untrusted: Vec::new(),
            expired: Vec::new(),
        };
        let future_limit = now.checked_add_seconds(CLOCK_SKEW_SECONDS);
        // At most one candidate per product of every statement.
        let most: usize = sources
            .iter()
            .flat_map(|s| &s.document.statements)
            .map(|st| st.products.len())
            .sum();
        set.candidates.reserve(most);
        set.prepared.reserve(most);
        set.match_keys.reserve(most);
        // (id index, candidate) for every id a candidate's statement names, each once.
        let mut id_cands: Vec<(usize, usize)> = Vec::with_capacity(most);
        let mut purls = PurlCache::default();
        // Per product text: its purl parsed with its package index, once a product with an
        // effective purl had that key (such a product's key is its effective purl).
        let mut product_purls: Vec<Option<Option<ParsedPurl>>> = Vec::new();
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
            let doc = &source.document;
            set.info.push(Arc::new(SourceProvenance {
                document: doc.id.clone(),
                author: doc.author.clone(),
                digest: source.digest,
                issuer: issuer.name.clone(),
                precedence: issuer.precedence,
                signers: source.signers().to_vec(),
                waiver: source.as_waiver().is_some(),
            }));
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
                let ids_start = set.statement_ids.len();
                set.statement_ids.push(vuln);
                for alias in &st.vulnerability.aliases {
                    let a = set.ids.id(alias);
                    set.ids.union(vuln, a);
                    set.statement_ids.push(a);
                }
                let ids = ids_start..set.statement_ids.len();
                let statement_id: Option<Arc<str>> = st.id.as_deref().map(Arc::from);
                let time_key = time.unix_nanos();
                for (p_i, product) in st.products.iter().enumerate() {
                    let key = product.component.key_ref();
                    let product_id = set.intern_text(&key, &mut product_purls);
                    let parsed = match product.component.effective_purl() {
                        None => None,
                        Some(text) => match product_purls.get_mut(product_id) {
                            Some(Some(parsed)) => parsed.clone(),
                            Some(slot) => slot
                                .insert(purls.parse(text).map(|p| {
                                    let next = set.packages.len();
                                    let package =
                                        *set.packages.entry(package_name(&p)).or_insert(next);
                                    (p, package)
                                }))
                                .clone(),
                            None => None,
                        },
                    };
                    let (purl, package) = match parsed {
                        Some((p, package)) => (Some(p), Some(package)),
                        None => (None, None),
                    };
                    if !issuer.may_speak_for(purl.as_deref()) {
                        set.untrusted.push(Untrusted {
                            document: doc.id.clone(),
                            author: doc.author.clone(),
                            digest: source.digest,
                            statement: Some(st_i),
                            reason: Distrust::OutOfScope {
                                issuer: issuer.name.clone(),
                                product: key.into_owned(),
                            },
                        });
                        continue;
                    }
                    let ci = set.candidates.len();
                    set.candidates.push(Candidate {
                        source: si,
                        statement: st_i,
                        product: p_i,
                        product_id,
                        vuln,
                        ids: ids.clone(),
                        statement_id: statement_id.clone(),
                        time,
                        status: st.status,
                        key: OrderKey {
                            precedence: Reverse(issuer.precedence),
                            time: Reverse(time_key),
                            specificity: Reverse(u8::from(
                                purl.as_deref().is_some_and(|p| p.version.is_some()),
                            )),
                            caution: Reverse(st.status.caution()),
                            // Set once every source is known.
                            digest_rank: 0,
                            statement: st_i,
                            product: p_i,
                        },
                    });
                    let c = &product.component;
                    let id = c.id.as_deref().map(|id| {
                        if id == key.as_ref() {
                            product_id
                        } else {
                            set.intern_text(id, &mut product_purls)
                        }
                    });
                    set.match_keys.push(MatchKey {
                        package,
                        id,
                        other: !c.hashes.is_empty()
                            || c.identifiers.cpe23.is_some()
                            || c.identifiers.cpe22.is_some()
                            || crate::matching::component_image_digest(c).is_some(),
                    });
                    set.prepared
                        .push(PreparedProduct::new(product, purl, &mut purls));
                    let named = set.statement_ids.get(ids.clone()).unwrap_or_default();
                    for (k, &ix) in named.iter().enumerate() {
                        if !named.get(..k).unwrap_or_default().contains(&ix) {
                            id_cands.push((ix, ci));
                        }
                    }
                }
            }
            set.sources.push(source);
        }
        // Equal digests get equal ranks, so the key orders exactly as the digests do.
        let mut by_digest: Vec<(Digest, usize)> = set
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.digest, i))
            .collect();
        by_digest.sort_unstable();
        let mut digest_rank = vec![0; by_digest.len()];
        let mut previous: Option<(Digest, usize)> = None;
        for (position, (digest, si)) in by_digest.into_iter().enumerate() {
            let rank = match previous {
                Some((d, r)) if d == digest => r,
                _ => position,
            };
            previous = Some((digest, rank));
            if let Some(slot) = digest_rank.get_mut(si) {
                *slot = rank;
            }
        }
        for c in &mut set.candidates {
            c.key.digest_rank = digest_rank.get(c.source).copied().unwrap_or(usize::MAX);
        }
        // The candidates by id, flat: a counting sort on the id, candidates ascending within.
        let n_ids = set.ids.names().len();
        set.cand_offsets = vec![0; n_ids + 1];
        for (ix, _) in &id_cands {
            if let Some(n) = set.cand_offsets.get_mut(ix + 1) {
                *n += 1;
            }
        }
        let mut total = 0;
        for n in &mut set.cand_offsets {
            total += *n;
            *n = total;
        }
        let mut next = set.cand_offsets.clone();
        set.cands_by_id = vec![0; id_cands.len()];
        for (ix, ci) in id_cands {
            if let Some(n) = next.get_mut(ix) {
                if let Some(slot) = set.cands_by_id.get_mut(*n) {
                    *slot = ci;
                }
                *n += 1;
            }
        }
        set.untrusted.sort_by(|a, b| {
            (&a.document, a.digest, a.statement).cmp(&(&b.document, b.digest, b.statement))
        });
        set.expired.sort_by_key(|a| a.digest);
        let n = set.ids.names().len();
        set.roots = (0..n).map(|i| set.ids.find(i)).collect();
        set.id_rank = ranks(set.ids.names());
        set.product_rank = ranks(&set.product_keys);
        set
    }

    /// The index of a product text, interned on first sight.
    fn intern_text<T>(&mut self, text: &str, per_text: &mut Vec<Option<T>>) -> usize {
        if let Some(id) = self.product_index.get(text) {
            return *id;
        }
        let id = self.product_keys.len();
        self.product_keys.push(text.to_owned());
        self.product_index.insert(text.to_owned(), id);
        per_text.push(None);
        id
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

    fn product(&self, c: &Candidate) -> Option<&Product> {
        self.statement(c).and_then(|st| st.products.get(c.product))
    }

    /// The deciding rule: best first. Candidates equal under the rule (the same statement of
    /// two byte-identical sources) keep their index order.
    fn order(&self, a: usize, b: usize) -> Ordering {
        match (self.candidates.get(a), self.candidates.get(b)) {
            (Some(ca), Some(cb)) => ca.key.cmp(&cb.key).then(a.cmp(&b)),
            _ => a.cmp(&b),
        }
    }

    fn provenance(&self, ci: usize) -> Option<Provenance> {
        let c = self.candidates.get(ci)?;
        Some(Provenance {
            source: self.info.get(c.source)?.clone(),
            statement: c.statement,
            statement_id: c.statement_id.clone(),
            status: c.status,
            timestamp: c.time,
        })
    }

    /// The keys of a subject known by the text `id`, whose purl parsed is `purl`.
    fn subject_key(&self, id: &str, purl: Option<Arc<Purl>>) -> (Option<Arc<Purl>>, SubjectKey) {
        let key = SubjectKey {
            package: purl
                .as_deref()
                .and_then(|p| self.packages.get(&package_name(p)).copied()),
            id: self.product_index.get(id).copied(),
        };
        (purl, key)
    }

    fn provenances(&self, candidates: &[usize]) -> Vec<Provenance> {
        let mut out = Vec::with_capacity(candidates.len());
        out.extend(candidates.iter().filter_map(|c| self.provenance(*c)));
        out
    }
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

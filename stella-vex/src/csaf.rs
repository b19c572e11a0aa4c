//! CSAF 2.0 VEX (and CSAF security advisories, which carry the same `product_status`) read as
//! OpenVEX statements, with the provenance of each: which CSAF document and which CSAF product
//! id it came from.
//!
//! Mapping (OASIS CSAF 2.0 §3.2.3 product tree, §3.2.3.12 vulnerabilities):
//! - **products**: every `full_product_name` of the product tree — in `branches` (walked to any
//!   depth the JSON limits allow), `full_product_names` and `relationships` — by `product_id`.
//!   A product's identity is its `product_identification_helper`: `purl` (an empty version,
//!   `pkg:rpm/suse/curl@?…`, is read as none), `cpe`, `hashes` (`sha256` → `sha-256`, …). A
//!   relationship product (`X as a component of Y`) is identified by its component `X`: the
//!   statement is about the package a scan finds; the platform `Y` is named in the statement's
//!   `status_notes`. A product with no helper keeps its CSAF product id as `@id` (it then only
//!   matches a finding naming that id). Product groups (`group_ids`) are expanded.
//! - **status**: `known_not_affected` → `not_affected`; `known_affected`, `first_affected`,
//!   `last_affected` → `affected`; `fixed`, `first_fixed` → `fixed`; `recommended` (SUSE writes
//!   its fixes so) → `fixed`; `under_investigation` → `under_investigation`.
//! - **justification**: a `flags` label naming the product (the five CSAF labels are OpenVEX's);
//!   else a `threats` entry of category `impact` becomes the impact statement.
//! - **action statement** of `affected`: the `remediations` naming the product (`category:
//!   details`); without one, a pointer to the CSAF document (OpenVEX requires an action).
//! - **vulnerability**: `cve`, else the first of `ids`; the other `ids` that are vulnerability
//!   ids (CVE-, GHSA-, …) become aliases.
//! - **document**: `@id` is `tracking.id` (as go-vex reads it), author the publisher's name,
//!   timestamp `tracking.current_release_date`, version `tracking.version` when it is an integer,
//!   else the number of revisions.
//!
//! One statement per (vulnerability, product), so each carries exactly one CSAF product id.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::Value;
use stella_core::Timestamp;
use stella_core::canonical::{JsonLimits, from_slice_strict_with};

use crate::error::VexError;
use crate::formats::items;
use crate::model::{
    CONTEXT_V0_2_0, Component, Document, Justification, Product, Statement, Status, Vulnerability,
};

/// Limits and filters of [`import_csaf`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsafOptions {
    /// JSON limits (default 64 MiB, depth 64: product trees nest).
    pub limits: JsonLimits,
    /// Most statements produced (default 200,000).
    pub max_statements: usize,
    /// Keep only products whose CSAF product id or purl is one of these (empty: all), as
    /// go-vex's `OpenCSAF(path, products)` does.
    pub products: Vec<String>,
}

impl Default for CsafOptions {
    fn default() -> Self {
        Self {
            limits: JsonLimits {
                max_depth: 64,
                max_bytes: 64 * 1024 * 1024,
            },
            max_statements: 200_000,
            products: Vec::new(),
        }
    }
}

/// Where one imported statement came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CsafProvenance {
    /// The statement's index in the imported document.
    pub statement: usize,
    /// The CSAF document's `tracking.id`.
    pub csaf_document: String,
    /// The CSAF product id.
    pub product_id: String,
    /// The CSAF `product_status` list it was in.
    pub csaf_status: String,
    /// For a relationship product, the platform it is a component of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
}

/// The result of [`import_csaf`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsafImport {
    /// The OpenVEX document (valid OpenVEX v0.2.0: see [`crate::validate()`]).
    pub document: Document,
    /// Per statement, where it came from.
    pub provenance: Vec<CsafProvenance>,
    /// The document's CSAF category (`csaf_vex`, `csaf_security_advisory`, …).
    pub category: String,
}

#[derive(Debug, Clone, Default)]
struct ProductInfo {
    name: String,
    component: Component,
    platform: Option<String>,
}

fn shape(message: impl Into<String>) -> VexError {
    VexError::Shape {
        what: "CSAF document",
        message: message.into(),
    }
}

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn strs(v: Option<&Value>) -> impl Iterator<Item = &str> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

/// A purl as CSAF producers write it, made parseable: an empty version (`name@?q` or `name@`)
/// is dropped.
fn normalize_purl(p: &str) -> String {
    if let Some(i) = p.find("@?") {
        let (a, b) = p.split_at(i);
        return format!("{a}{}", b.get(1..).unwrap_or_default());
    }
    p.strip_suffix('@').unwrap_or(p).to_owned()
}

/// The CSAF hash algorithm names (§3.1.3.3.2) in OpenVEX's table.
fn hash_name(csaf: &str) -> Option<&'static str> {
    Some(match csaf.to_ascii_lowercase().as_str() {
        "md5" => "md5",
        "sha1" => "sha1",
        "sha256" => "sha-256",
        "sha384" => "sha-384",
        "sha512" => "sha-512",
        _ => return None,
    })
}

fn component_of(full: &Value) -> Component {
    let id = text(full, "/product_id").unwrap_or_default();
    let helper = full
        .get("product_identification_helper")
        .unwrap_or(&Value::Null);
    let mut c = Component::default();
    if let Some(p) = text(helper, "/purl") {
        c.identifiers.purl = Some(normalize_purl(p));
    }
    if let Some(cpe) = text(helper, "/cpe") {
        c.identifiers.set_cpe(cpe);
    }
    for h in items(helper, "hashes") {
        for fh in items(h, "file_hashes") {
            if let (Some(alg), Some(value)) = (
                text(fh, "/algorithm").and_then(hash_name),
                text(fh, "/value"),
            ) {
                c.hashes.insert(alg.to_owned(), value.to_ascii_lowercase());
            }
        }
    }
    // The purl is the product's `@id` when there is one (as OpenVEX examples write it);
    // without any helper the CSAF product id is all there is.
    c.id = c.identifiers.purl.take();
    if c.id.is_none() && c.identifiers.is_empty() && c.hashes.is_empty() {
        c.id = Some(id.to_owned());
    }
    c
}

fn walk_branches(branches: &Value, out: &mut BTreeMap<String, ProductInfo>) {
    for b in branches.as_array().into_iter().flatten() {
        if let Some(p) = b.get("product") {
            add_product(p, out);
        }
        if let Some(children) = b.get("branches") {
            walk_branches(children, out);
        }
    }
}

fn add_product(full: &Value, out: &mut BTreeMap<String, ProductInfo>) {
    let Some(id) = text(full, "/product_id") else {
        return;
    };
    out.insert(
        id.to_owned(),
        ProductInfo {
            name: text(full, "/name").unwrap_or(id).to_owned(),
            component: component_of(full),
            platform: None,
        },
    );
}

fn products(tree: &Value) -> BTreeMap<String, ProductInfo> {
    let mut out = BTreeMap::new();
    if let Some(b) = tree.get("branches") {
        walk_branches(b, &mut out);
    }
    for p in items(tree, "full_product_names") {
        add_product(p, &mut out);
    }
    for r in items(tree, "relationships") {
        let (Some(full), Some(reference)) =
            (r.get("full_product_name"), text(r, "/product_reference"))
        else {
            continue;
        };
        let Some(id) = text(full, "/product_id") else {
            continue;
        };
        let platform = text(r, "/relates_to_product_reference")
            .map(|p| out.get(p).map_or(p, |i| i.name.as_str()).to_owned());
        // The component's identity, else the relationship product's own helper.
        let component = match out.get(reference) {
            Some(c) if !c.component.identifiers.is_empty() || c.component.id.is_some() => {
                c.component.clone()
            }
            _ => component_of(full),
        };
        out.insert(
            id.to_owned(),
            ProductInfo {
                name: text(full, "/name").unwrap_or(id).to_owned(),
                component,
                platform,
            },
        );
    }
    out
}

/// Product ids named by `product_ids` and `group_ids` of an entry.
fn named_ids<'a>(entry: &'a Value, groups: &'a HashMap<String, Vec<String>>) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = strs(entry.get("product_ids")).map(str::to_owned).collect();
    for g in strs(entry.get("group_ids")) {
        if let Some(members) = groups.get(g) {
            ids.extend(members.iter().cloned());
        }
    }
    ids
}

fn is_vuln_id(s: &str) -> bool {
    ["CVE-", "GHSA-", "GO-", "PYSEC-", "RUSTSEC-", "OSV-"]
        .iter()
        .any(|p| s.starts_with(p))
}

const STATUS_LISTS: [(&str, Status); 8] = [
    ("known_not_affected", Status::NotAffected),
    ("known_affected", Status::Affected),
    ("first_affected", Status::Affected),
    ("last_affected", Status::Affected),
    ("fixed", Status::Fixed),
    ("first_fixed", Status::Fixed),
    ("recommended", Status::Fixed),
    ("under_investigation", Status::UnderInvestigation),
];

/// The bytes of text a statement holds (what one statement per product repeats).
fn statement_text_len(s: &Statement) -> usize {
    [
        s.vulnerability.description.as_deref(),
        s.impact_statement.as_deref(),
        s.action_statement.as_deref(),
        s.status_notes.as_deref(),
        s.id.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(str::len)
    .sum::<usize>()
        + s.vulnerability.name.len()
        + s.vulnerability
            .aliases
            .iter()
            .map(String::len)
            .sum::<usize>()
}

/// Reads a CSAF 2.0 document (see the module docs) into OpenVEX. A document with nothing to
/// import (no vulnerability naming a product status, or nothing the product filter keeps) is an
/// error: OpenVEX needs a statement.
///
/// ```
/// use stella_vex::{CsafOptions, Status, import_csaf};
///
/// let csaf = br#"{"document":{"category":"csaf_vex","csaf_version":"2.0",
///   "publisher":{"category":"vendor","name":"Example","namespace":"https://example.com"},
///   "title":"t","tracking":{"id":"EX-1","status":"final","version":"1",
///   "initial_release_date":"2024-01-01T00:00:00Z","current_release_date":"2024-01-02T00:00:00Z",
///   "revision_history":[{"date":"2024-01-01T00:00:00Z","number":"1","summary":"s"}]}},
///   "product_tree":{"full_product_names":[{"name":"x 1","product_id":"P1",
///     "product_identification_helper":{"purl":"pkg:npm/x@1.0.0"}}]},
///   "vulnerabilities":[{"cve":"CVE-2024-1","product_status":{"known_not_affected":["P1"]},
///     "flags":[{"label":"vulnerable_code_not_present","product_ids":["P1"]}]}]}"#;
/// let imported = import_csaf(csaf, &CsafOptions::default())?;
/// let s = &imported.document.statements[0];
/// assert_eq!(s.status, Status::NotAffected);
/// assert_eq!(s.products[0].component.id.as_deref(), Some("pkg:npm/x@1.0.0"));
/// assert_eq!(imported.provenance[0].product_id, "P1");
/// # Ok::<(), stella_vex::VexError>(())
/// ```
pub fn import_csaf(bytes: &[u8], options: &CsafOptions) -> Result<CsafImport, VexError> {
    let csaf: Value =
        from_slice_strict_with(bytes, &options.limits).map_err(|source| VexError::Json {
            what: "CSAF document",
            source,
        })?;
    let doc = csaf
        .get("document")
        .ok_or_else(|| shape("no `document` object"))?;
    let category = text(doc, "/category")
        .ok_or_else(|| shape("no document.category"))?
        .to_owned();
    match text(doc, "/csaf_version") {
        Some("2.0") => {}
        other => {
            return Err(shape(format!(
                "csaf_version {other:?}: only CSAF 2.0 is read"
            )));
        }
    }
    let tracking_id = text(doc, "/tracking/id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| shape("no document.tracking.id"))?
        .to_owned();
    let author = text(doc, "/publisher/name")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| shape("no document.publisher.name"))?
        .to_owned();
    let timestamp = text(doc, "/tracking/current_release_date")
        .ok_or_else(|| shape("no document.tracking.current_release_date"))
        .and_then(|t| {
            Timestamp::parse_rfc3339(t)
                .map_err(|_| shape(format!("current_release_date {t:?} is not RFC 3339")))
        })?;
    let revisions = doc
        .pointer("/tracking/revision_history")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let version = text(doc, "/tracking/version")
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|v| *v >= 1)
        .unwrap_or_else(|| u64::try_from(revisions.max(1)).unwrap_or(1));
    let tree = csaf.get("product_tree").unwrap_or(&Value::Null);
    let products = products(tree);
    let groups: HashMap<String, Vec<String>> = items(tree, "product_groups")
        .filter_map(|g| {
            Some((
                text(g, "/group_id")?.to_owned(),
                strs(g.get("product_ids")).map(str::to_owned).collect(),
            ))
        })
        .collect();
    let wanted = |pid: &str, info: Option<&ProductInfo>| {
        options.products.is_empty()
            || options.products.iter().any(|w| {
                w == pid
                    || info.is_some_and(|i| {
                        i.component.effective_purl() == Some(w.as_str())
                            || i.component.id.as_deref() == Some(w.as_str())
                    })
            })
    };
    let mut statements = Vec::new();
    let mut provenance = Vec::new();
    // One statement per product repeats the vulnerability's texts per product: a document
    // naming 100,000 products in one remediation of 1 MiB would cost 100 GB. The texts the
    // statements hold are counted against a budget of four times the input (plus 1 MiB).
    let budget = bytes.len().saturating_mul(4).saturating_add(1 << 20);
    let mut spent = 0usize;
    for v in items(&csaf, "vulnerabilities") {
        let ids: Vec<&str> = items(v, "ids").filter_map(|i| text(i, "/text")).collect();
        let Some(name) = text(v, "/cve")
            .or_else(|| ids.first().copied())
            .filter(|n| !n.trim().is_empty())
        else {
            continue;
        };
        let vulnerability = Vulnerability {
            id: None,
            name: name.to_owned(),
            description: items(v, "notes")
                .find(|n| text(n, "/category") == Some("description"))
                .and_then(|n| text(n, "/text"))
                .map(str::to_owned),
            aliases: ids
                .iter()
                .filter(|i| **i != name && is_vuln_id(i))
                .map(|i| (*i).to_owned())
                .collect(),
        };
        // Per product: justification, impact, remediation.
        let mut justification: HashMap<String, Justification> = HashMap::new();
        for f in items(v, "flags") {
            if let Some(j) = text(f, "/label").and_then(Justification::parse) {
                for pid in named_ids(f, &groups) {
                    justification.entry(pid).or_insert(j);
                }
            }
        }
        let mut impact: HashMap<String, &str> = HashMap::new();
        for t in items(v, "threats").filter(|t| text(t, "/category") == Some("impact")) {
            if let Some(d) = text(t, "/details") {
                for pid in named_ids(t, &groups) {
                    impact.entry(pid).or_insert(d);
                }
            }
        }
        // Per product: the indices of its remediations (the texts are not copied per product).
        let mut lines: Vec<String> = Vec::new();
        let mut action: HashMap<String, Vec<usize>> = HashMap::new();
        for r in items(v, "remediations") {
            let line = lines.len();
            lines.push(format!(
                "{}: {}",
                text(r, "/category").unwrap_or("remediation"),
                text(r, "/details").unwrap_or_default()
            ));
            for pid in named_ids(r, &groups) {
                action.entry(pid).or_default().push(line);
            }
        }
        let Some(status_obj) = v.get("product_status") else {
            continue;
        };
        for (list, status) in &STATUS_LISTS {
            for pid in strs(status_obj.get(*list)) {
                let info = products.get(pid);
                if !wanted(pid, info) {
                    continue;
                }
                if statements.len() == options.max_statements {
                    return Err(VexError::Limit {
                        what: "statements imported from a CSAF document",
                        max: options.max_statements,
                        actual: options.max_statements.saturating_add(1),
                    });
                }
                let component = info.map_or_else(
                    || Component {
                        id: Some(pid.to_owned()),
                        ..Component::default()
                    },
                    |i| i.component.clone(),
                );
                let mut s = Statement::new(
                    vulnerability.clone(),
                    vec![Product {
                        component,
                        subcomponents: Vec::new(),
                    }],
                    *status,
                );
                s.id = Some(format!("{tracking_id}#{name}/{pid}"));
                let platform = info.and_then(|i| i.platform.clone());
                let mut note = format!("CSAF {tracking_id} ({author}): {list} {pid:?}");
                if let Some(p) = &platform {
                    note.push_str(&format!(" (component of {p})"));
                }
                s.status_notes = Some(note);
                match status {
                    Status::NotAffected => {
                        s.justification = justification.get(pid).copied();
                        s.impact_statement = impact.get(pid).map(|d| (*d).to_owned());
                        if s.justification.is_none() && s.impact_statement.is_none() {
                            s.impact_statement = Some(format!(
                                "CSAF {tracking_id} lists it as known_not_affected without a flag or impact statement"
                            ));
                        }
                    }
                    Status::Affected => {
                        s.action_statement = Some(match action.get(pid) {
                            Some(ix) => ix
                                .iter()
                                .filter_map(|i| lines.get(*i).map(String::as_str))
                                .collect::<Vec<_>>()
                                .join("; "),
                            None => format!("see CSAF document {tracking_id}"),
                        });
                    }
                    Status::Fixed | Status::UnderInvestigation => {}
                }
                spent = spent
                    .saturating_add(statement_text_len(&s))
                    .saturating_add(pid.len());
                if spent > budget {
                    return Err(VexError::Limit {
                        what: "bytes of statement text imported from a CSAF document",
                        max: budget,
                        actual: spent,
                    });
                }
                provenance.push(CsafProvenance {
                    statement: statements.len(),
                    csaf_document: tracking_id.clone(),
                    product_id: pid.to_owned(),
                    csaf_status: (*list).to_owned(),
                    platform,
                });
                statements.push(s);
            }
        }
    }
    // An OpenVEX document needs a statement: say why there is none rather than write an
    // invalid document.
    if statements.is_empty() {
        return Err(if options.products.is_empty() {
            shape("no vulnerability with a product status to read")
        } else {
            VexError::NothingMatchesFilter {
                products: options.products.clone(),
                vulnerabilities: Vec::new(),
            }
        });
    }
    Ok(CsafImport {
        document: Document {
            context: CONTEXT_V0_2_0.to_owned(),
            id: tracking_id,
            author,
            role: text(doc, "/publisher/category").map(str::to_owned),
            timestamp,
            last_updated: None,
            version,
            tooling: Some(format!(
                "stella-vex {} (CSAF 2.0 import)",
                env!("CARGO_PKG_VERSION")
            )),
            statements,
        },
        provenance,
        category,
    })
}

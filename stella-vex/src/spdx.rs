//! OpenVEX ↔ SPDX 3.0.1 security-profile VEX relationships.
//!
//! Each (statement, product, subcomponent-or-none) becomes one
//! `security_Vex{Affected,NotAffected,Fixed,UnderInvestigation}VulnAssessmentRelationship` from a
//! `security_Vulnerability` to a `software_Package`, in a JSON-LD `@graph` with one
//! `CreationInfo`, a `Person` for the author, a `Tool` for the tooling, an `SpdxDocument` and an
//! `Organization` per supplier.
//!
//! | OpenVEX | SPDX 3.0.1 |
//! |---|---|
//! | document `@id` | `SpdxDocument.spdxId` (and the base of generated ids) |
//! | `author` / `role` | `CreationInfo.createdBy` → `Person.name` / `Person.description` |
//! | `timestamp` | `CreationInfo.created` |
//! | `version` | `security_vexVersion` (as text) |
//! | `tooling` | `CreationInfo.createdUsing` → `Tool.name` |
//! | vulnerability `@id` / `name` / `description` / `aliases` | `security_Vulnerability` `spdxId` / `name` / `description` / `externalIdentifier` (`cve` for `CVE-…`, else `securityOther`) |
//! | product / subcomponent `@id` | `software_Package.spdxId` |
//! | `identifiers.purl` / `cpe22` / `cpe23` | `software_packageUrl` / `externalIdentifier` `cpe22` / `cpe23` |
//! | `hashes` | `verifiedUsing` `Hash` (`sha-256` ↔ `sha256`, `sha3-256` ↔ `sha3_256`, `blake2b-256` ↔ `blake2b256`, …) |
//! | subcomponent | `security_assessedElement` (one relationship per subcomponent) |
//! | `status` | relationship type and class (`affects`, `doesNotAffect`, `fixedIn`, `underInvestigationFor`) |
//! | `justification` | `security_justificationType` (camelCase) |
//! | `impact_statement` | `security_impactStatement` |
//! | `action_statement` / `action_statement_timestamp` | `security_actionStatement` / `security_actionStatementTime` |
//! | `status_notes` | `security_statusNotes` |
//! | statement `timestamp` / `last_updated` | `security_publishedTime` / `security_modifiedTime` |
//! | `supplier` | `suppliedBy` → `Organization.name` |
//!
//! **Lost OpenVEX → SPDX**: statement `@id` and `version`; document `last_updated`; sub-second
//! precision of every timestamp (SPDX requires `YYYY-MM-DDTHH:MM:SSZ`); the `blake2s-256` hash
//! (no SPDX algorithm); a product's `@id` when it is not an IRI (a generated id is used).
//!
//! **Lost SPDX → OpenVEX**: `security_impactStatementTime`, `security_withdrawnTime`,
//! `completeness`, `startTime`/`endTime`, every relationship other than the four VEX classes,
//! every element property not in the table, hash algorithms OpenVEX has no name for, agents after
//! the first in `createdBy`. Relationships we did not write (their ids do not follow our
//! `#vex-S-P-C` pattern) each become their own statement.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use stella_core::Timestamp;

use crate::error::{SpdxProblem, VexError};
use crate::model::{
    CONTEXT_V0_2_0, Component, Document, Identifiers, Justification, Product, Statement, Status,
    Vulnerability,
};

/// The SPDX 3.0.1 JSON-LD context.
pub const SPDX_CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";

const HASHES: [(&str, &str); 11] = [
    ("md5", "md5"),
    ("sha1", "sha1"),
    ("sha-256", "sha256"),
    ("sha-384", "sha384"),
    ("sha-512", "sha512"),
    ("sha3-224", "sha3_224"),
    ("sha3-256", "sha3_256"),
    ("sha3-384", "sha3_384"),
    ("sha3-512", "sha3_512"),
    ("blake2b-256", "blake2b256"),
    ("blake2b-512", "blake2b512"),
];

fn class_of(s: Status) -> (&'static str, &'static str) {
    match s {
        Status::Affected => ("security_VexAffectedVulnAssessmentRelationship", "affects"),
        Status::NotAffected => (
            "security_VexNotAffectedVulnAssessmentRelationship",
            "doesNotAffect",
        ),
        Status::Fixed => ("security_VexFixedVulnAssessmentRelationship", "fixedIn"),
        Status::UnderInvestigation => (
            "security_VexUnderInvestigationVulnAssessmentRelationship",
            "underInvestigationFor",
        ),
    }
}

fn status_of(class: &str) -> Option<Status> {
    Status::ALL.into_iter().find(|s| class_of(*s).0 == class)
}

fn justification_to_spdx(j: Justification) -> &'static str {
    match j {
        Justification::ComponentNotPresent => "componentNotPresent",
        Justification::VulnerableCodeNotPresent => "vulnerableCodeNotPresent",
        Justification::VulnerableCodeNotInExecutePath => "vulnerableCodeNotInExecutePath",
        Justification::VulnerableCodeCannotBeControlledByAdversary => {
            "vulnerableCodeCannotBeControlledByAdversary"
        }
        Justification::InlineMitigationsAlreadyExist => "inlineMitigationsAlreadyExist",
    }
}

fn justification_from_spdx(s: &str) -> Option<Justification> {
    let s = s.rsplit('/').next().unwrap_or(s);
    Justification::ALL
        .into_iter()
        .find(|j| justification_to_spdx(*j) == s)
}

/// The prefix of the spdxId given to a document whose OpenVEX `@id` is not an IRI.
const GENERATED_DOCUMENT_IRI: &str = "urn:stella-vex:openvex-document:sha256-";

/// The IRI an OpenVEX document `@id` becomes in SPDX: itself when it is an IRI (a scheme, no
/// white space), else a name derived from its SHA-256.
fn spdx_base(id: &str) -> String {
    let scheme = id.split_once(':').is_some_and(|(s, _)| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if scheme && !id.contains(char::is_whitespace) && !id.starts_with("_:") {
        id.to_owned()
    } else {
        format!(
            "{GENERATED_DOCUMENT_IRI}{}",
            stella_core::Digest::of(id.as_bytes()).hex()
        )
    }
}

/// Whole seconds, `Z`: the only form SPDX 3.0.1 accepts.
fn spdx_time(t: &Timestamp) -> String {
    Timestamp::from_unix_seconds(t.unix_seconds())
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|_| t.to_rfc3339())
}

struct Graph {
    base: String,
    elements: Vec<Value>,
    ids: BTreeMap<String, String>,
    counter: usize,
}

impl Graph {
    fn element_id(&mut self, wanted: Option<&str>, kind: &str) -> String {
        match wanted {
            Some(id) if id.contains(':') && !id.starts_with("_:") => id.to_owned(),
            _ => {
                self.counter += 1;
                format!("{}#{kind}-{}", self.base, self.counter)
            }
        }
    }

    fn component(&mut self, c: &Component) -> String {
        let key = serde_json::to_string(c).unwrap_or_default();
        if let Some(id) = self.ids.get(&key) {
            return id.clone();
        }
        let id = self.element_id(c.id.as_deref(), "package");
        let mut e = Map::new();
        e.insert("type".into(), json!("software_Package"));
        e.insert("spdxId".into(), json!(id));
        e.insert("creationInfo".into(), json!("_:creationinfo"));
        e.insert("name".into(), json!(c.key()));
        if let Some(p) = &c.identifiers.purl {
            e.insert("software_packageUrl".into(), json!(p));
        }
        let mut ext = Vec::new();
        for (t, v) in [
            ("cpe22", &c.identifiers.cpe22),
            ("cpe23", &c.identifiers.cpe23),
        ] {
            if let Some(v) = v {
                ext.push(json!({"type": "ExternalIdentifier", "externalIdentifierType": t, "identifier": v}));
            }
        }
        if !ext.is_empty() {
            e.insert("externalIdentifier".into(), Value::Array(ext));
        }
        let hashes: Vec<Value> = c
            .hashes
            .iter()
            .filter_map(|(alg, v)| {
                HASHES
                    .iter()
                    .find(|(o, _)| o == alg)
                    .map(|(_, s)| json!({"type": "Hash", "algorithm": s, "hashValue": v}))
            })
            .collect();
        if !hashes.is_empty() {
            e.insert("verifiedUsing".into(), Value::Array(hashes));
        }
        self.elements.push(Value::Object(e));
        self.ids.insert(key, id.clone());
        id
    }
}

/// Maps an OpenVEX document to an SPDX 3.0.1 JSON-LD document (see the module docs for the
/// field mapping and what is lost).
///
/// ```
/// use stella_vex::{Document, spdx};
///
/// let doc = Document::parse(br#"{"@context":"https://openvex.dev/ns/v0.2.0",
///   "@id":"https://example.com/vex/1","author":"a","timestamp":"2024-01-01T00:00:00Z",
///   "version":1,"statements":[{"vulnerability":{"name":"CVE-2024-1"},
///   "products":[{"@id":"pkg:npm/x@1"}],"status":"fixed"}]}"#)?;
/// let graph = spdx::to_spdx(&doc);
/// assert_eq!(spdx::from_spdx(&graph)?, doc);
/// # Ok::<(), stella_vex::VexError>(())
/// ```
pub fn to_spdx(doc: &Document) -> Value {
    let base = spdx_base(&doc.id);
    let mut g = Graph {
        base: base.clone(),
        elements: Vec::new(),
        ids: BTreeMap::new(),
        counter: 0,
    };
    let author_id = format!("{base}#author");
    let mut creation = Map::new();
    creation.insert("type".into(), json!("CreationInfo"));
    creation.insert("@id".into(), json!("_:creationinfo"));
    creation.insert("created".into(), json!(spdx_time(&doc.timestamp)));
    creation.insert("createdBy".into(), json!([author_id]));
    creation.insert("specVersion".into(), json!("3.0.1"));
    if doc.tooling.is_some() {
        creation.insert("createdUsing".into(), json!([format!("{base}#tooling")]));
    }
    g.elements.push(Value::Object(creation));
    let mut person = Map::new();
    person.insert("type".into(), json!("Person"));
    person.insert("spdxId".into(), json!(author_id));
    person.insert("creationInfo".into(), json!("_:creationinfo"));
    person.insert("name".into(), json!(doc.author));
    if let Some(r) = &doc.role {
        person.insert("description".into(), json!(r));
    }
    g.elements.push(Value::Object(person));
    if let Some(t) = &doc.tooling {
        g.elements
            .push(json!({"type": "Tool", "spdxId": format!("{base}#tooling"),
            "creationInfo": "_:creationinfo", "name": t}));
    }
    let mut vulns: BTreeMap<String, String> = BTreeMap::new();
    let mut suppliers: BTreeMap<String, String> = BTreeMap::new();
    let mut rels = Vec::new();
    for (si, st) in doc.statements.iter().enumerate() {
        let vkey = serde_json::to_string(&st.vulnerability).unwrap_or_default();
        let vid = match vulns.get(&vkey) {
            Some(id) => id.clone(),
            None => {
                let id = g.element_id(st.vulnerability.id.as_deref(), "vulnerability");
                let mut e = Map::new();
                e.insert("type".into(), json!("security_Vulnerability"));
                e.insert("spdxId".into(), json!(id));
                e.insert("creationInfo".into(), json!("_:creationinfo"));
                e.insert("name".into(), json!(st.vulnerability.name));
                if let Some(d) = &st.vulnerability.description {
                    e.insert("description".into(), json!(d));
                }
                let ext: Vec<Value> = st
                    .vulnerability
                    .aliases
                    .iter()
                    .map(|a| {
                        let t = if a.starts_with("CVE-") { "cve" } else { "securityOther" };
                        json!({"type": "ExternalIdentifier", "externalIdentifierType": t, "identifier": a})
                    })
                    .collect();
                if !ext.is_empty() {
                    e.insert("externalIdentifier".into(), Value::Array(ext));
                }
                g.elements.push(Value::Object(e));
                vulns.insert(vkey, id.clone());
                id
            }
        };
        let supplier = st.supplier.as_ref().map(|s| {
            suppliers
                .entry(s.clone())
                .or_insert_with(|| {
                    format!(
                        "{}#supplier-{}",
                        doc.id,
                        stella_core::Digest::of(s.as_bytes()).hex()
                    )
                })
                .clone()
        });
        for (pi, p) in st.products.iter().enumerate() {
            let pid = g.component(&p.component);
            let subs: Vec<Option<String>> = if p.subcomponents.is_empty() {
                vec![None]
            } else {
                p.subcomponents
                    .iter()
                    .map(|c| Some(g.component(c)))
                    .collect()
            };
            for (ci, sub) in subs.into_iter().enumerate() {
                let (class, rtype) = class_of(st.status);
                let mut r = Map::new();
                r.insert("type".into(), json!(class));
                r.insert("spdxId".into(), json!(format!("{base}#vex-{si}-{pi}-{ci}")));
                r.insert("creationInfo".into(), json!("_:creationinfo"));
                r.insert("from".into(), json!(vid));
                r.insert("to".into(), json!([pid]));
                r.insert("relationshipType".into(), json!(rtype));
                r.insert("security_vexVersion".into(), json!(doc.version.to_string()));
                if let Some(s) = sub {
                    r.insert("security_assessedElement".into(), json!(s));
                }
                if let Some(t) = &st.timestamp {
                    r.insert("security_publishedTime".into(), json!(spdx_time(t)));
                }
                if let Some(t) = &st.last_updated {
                    r.insert("security_modifiedTime".into(), json!(spdx_time(t)));
                }
                if let Some(n) = &st.status_notes {
                    r.insert("security_statusNotes".into(), json!(n));
                }
                if let Some(s) = &supplier {
                    r.insert("suppliedBy".into(), json!(s));
                }
                match st.status {
                    Status::NotAffected => {
                        if let Some(j) = st.justification {
                            r.insert(
                                "security_justificationType".into(),
                                json!(justification_to_spdx(j)),
                            );
                        }
                        if let Some(i) = &st.impact_statement {
                            r.insert("security_impactStatement".into(), json!(i));
                        }
                    }
                    Status::Affected => {
                        r.insert(
                            "security_actionStatement".into(),
                            json!(st.action_statement.clone().unwrap_or_default()),
                        );
                        if let Some(t) = &st.action_statement_timestamp {
                            r.insert("security_actionStatementTime".into(), json!(spdx_time(t)));
                        }
                    }
                    Status::Fixed | Status::UnderInvestigation => {}
                }
                rels.push(Value::Object(r));
            }
        }
    }
    for (name, id) in &suppliers {
        g.elements.push(json!({"type": "Organization", "spdxId": id,
            "creationInfo": "_:creationinfo", "name": name}));
    }
    let rel_ids: Vec<Value> = rels
        .iter()
        .filter_map(|r| r.get("spdxId").cloned())
        .collect();
    let mut all: Vec<Value> = g
        .elements
        .iter()
        .filter_map(|e| e.get("spdxId").cloned())
        .collect();
    all.extend(rel_ids.iter().cloned());
    let mut spdx_document = json!({
        "type": "SpdxDocument",
        "spdxId": base,
        "creationInfo": "_:creationinfo",
        "profileConformance": ["core", "security", "software"],
        "element": all,
        "rootElement": rel_ids,
    });
    // An OpenVEX `@id` that is not an IRI (v0.0.1 documents have `my-vexdoc2`) cannot be an
    // spdxId: the document gets a generated IRI and keeps the `@id` as its name.
    if base != doc.id {
        if let Some(o) = spdx_document.as_object_mut() {
            o.insert("name".into(), json!(doc.id));
        }
    }
    g.elements.push(spdx_document);
    g.elements.extend(rels);
    json!({"@context": SPDX_CONTEXT, "@graph": g.elements})
}

fn spdx_err(element: &str, reason: SpdxProblem) -> VexError {
    VexError::Spdx {
        element: element.chars().take(200).collect(),
        reason,
    }
}

fn text(e: &Value, k: &str) -> Option<String> {
    e.get(k).and_then(Value::as_str).map(str::to_owned)
}

fn time(e: &Value, k: &str, id: &str) -> Result<Option<Timestamp>, VexError> {
    text(e, k)
        .map(|t| {
            Timestamp::parse_rfc3339(&t).map_err(|source| {
                spdx_err(
                    id,
                    SpdxProblem::BadTime {
                        field: k.to_owned(),
                        source,
                    },
                )
            })
        })
        .transpose()
}

/// Maps an SPDX 3.0.1 JSON-LD document's VEX relationships back to OpenVEX (see the module docs
/// for what is lost). Needs an `SpdxDocument` (its `spdxId` becomes the OpenVEX `@id`) and a
/// `CreationInfo` with `created` and a `createdBy` agent (the author).
pub fn from_spdx(value: &Value) -> Result<Document, VexError> {
    let graph = value
        .get("@graph")
        .and_then(Value::as_array)
        .ok_or_else(|| spdx_err("@graph", SpdxProblem::NoGraph))?;
    let mut by_id: BTreeMap<String, &Value> = BTreeMap::new();
    let mut creation: Option<&Value> = None;
    let mut spdx_doc: Option<&Value> = None;
    for e in graph {
        match e.get("type").and_then(Value::as_str) {
            Some("CreationInfo") => creation = creation.or(Some(e)),
            Some("SpdxDocument") => spdx_doc = spdx_doc.or(Some(e)),
            _ => {}
        }
        if let Some(id) = e.get("spdxId").and_then(Value::as_str) {
            by_id.insert(id.to_owned(), e);
        }
    }
    let spdx_doc = spdx_doc.ok_or_else(|| spdx_err("SpdxDocument", SpdxProblem::Missing))?;
    let doc_id =
        text(spdx_doc, "spdxId").ok_or_else(|| spdx_err("SpdxDocument", SpdxProblem::NoSpdxId))?;
    let creation = creation.ok_or_else(|| spdx_err("CreationInfo", SpdxProblem::Missing))?;
    let timestamp = time(creation, "created", "CreationInfo")?
        .ok_or_else(|| spdx_err("CreationInfo", SpdxProblem::NoCreatedTime))?;
    let author_el = creation
        .get("createdBy")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
        .and_then(|id| by_id.get(id).copied())
        .ok_or_else(|| spdx_err("CreationInfo", SpdxProblem::NoCreatedBy))?;
    let author = text(author_el, "name")
        .ok_or_else(|| spdx_err("createdBy", SpdxProblem::AgentHasNoName))?;
    let role = text(author_el, "description");
    let tooling = creation
        .get("createdUsing")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
        .and_then(|id| by_id.get(id))
        .and_then(|t| text(t, "name"));
    let generated = |id: &str, kind: &str| {
        id.strip_prefix(doc_id.as_str())
            .and_then(|r| r.strip_prefix(&format!("#{kind}-")))
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
    };
    let component = |id: &str| -> Result<Component, VexError> {
        let e = by_id
            .get(id)
            .ok_or_else(|| spdx_err(id, SpdxProblem::TargetNotInGraph))?;
        let mut c = Component {
            id: (!generated(id, "package")).then(|| id.to_owned()),
            identifiers: Identifiers {
                purl: text(e, "software_packageUrl"),
                ..Identifiers::default()
            },
            hashes: BTreeMap::new(),
        };
        for x in e
            .get("externalIdentifier")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let v = text(x, "identifier");
            match x.get("externalIdentifierType").and_then(Value::as_str) {
                Some("cpe22") => c.identifiers.cpe22 = v,
                Some("cpe23") => c.identifiers.cpe23 = v,
                Some("packageUrl") if c.identifiers.purl.is_none() => c.identifiers.purl = v,
                _ => {}
            }
        }
        for h in e
            .get("verifiedUsing")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let alg = h
                .get("algorithm")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if let (Some((o, _)), Some(v)) =
                (HASHES.iter().find(|(_, s)| *s == alg), text(h, "hashValue"))
            {
                c.hashes.insert((*o).to_owned(), v);
            }
        }
        Ok(c)
    };
    let mut version: Option<u64> = None;
    // statement key -> (statement, product index -> product)
    let mut statements: BTreeMap<(usize, usize), (Statement, BTreeMap<usize, Product>)> =
        BTreeMap::new();
    let mut foreign = 0usize;
    for (order, r) in graph.iter().enumerate() {
        let Some(status) = r.get("type").and_then(Value::as_str).and_then(status_of) else {
            continue;
        };
        let rid = text(r, "spdxId").unwrap_or_default();
        let from = text(r, "from").ok_or_else(|| spdx_err(&rid, SpdxProblem::NoFrom))?;
        let ve = by_id
            .get(&from)
            .ok_or_else(|| spdx_err(&rid, SpdxProblem::FromNotInGraph))?;
        let vulnerability = Vulnerability {
            id: (!generated(&from, "vulnerability")).then(|| from.clone()),
            name: text(ve, "name")
                .ok_or_else(|| spdx_err(&from, SpdxProblem::VulnerabilityHasNoName))?,
            description: text(ve, "description"),
            aliases: ve
                .get("externalIdentifier")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| text(x, "identifier"))
                .collect(),
        };
        if version.is_none() {
            version = text(r, "security_vexVersion").and_then(|v| v.parse().ok());
        }
        let supplier = match text(r, "suppliedBy") {
            Some(id) => by_id.get(&id).and_then(|e| text(e, "name")),
            None => None,
        };
        let mut st = Statement::new(vulnerability, Vec::new(), status);
        st.timestamp = time(r, "security_publishedTime", &rid)?;
        st.last_updated = time(r, "security_modifiedTime", &rid)?;
        st.status_notes = text(r, "security_statusNotes");
        st.supplier = supplier;
        st.justification = text(r, "security_justificationType")
            .map(|j| {
                justification_from_spdx(&j).ok_or_else(|| {
                    spdx_err(
                        &rid,
                        SpdxProblem::UnknownJustification {
                            justification: j.clone(),
                        },
                    )
                })
            })
            .transpose()?;
        st.impact_statement = text(r, "security_impactStatement");
        st.action_statement = text(r, "security_actionStatement");
        st.action_statement_timestamp = time(r, "security_actionStatementTime", &rid)?;
        let targets: Vec<String> = r
            .get("to")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect();
        if targets.is_empty() {
            return Err(spdx_err(&rid, SpdxProblem::NoTo));
        }
        let sub = text(r, "security_assessedElement")
            .map(|s| component(&s))
            .transpose()?;
        // Our own ids: <doc>#vex-S-P-C; anything else is a statement of its own.
        let ours = rid
            .strip_prefix(&format!("{doc_id}#vex-"))
            .map(|rest| {
                rest.split('-')
                    .filter_map(|n| n.parse::<usize>().ok())
                    .collect::<Vec<_>>()
            })
            .filter(|n| n.len() == 3);
        let (skey, pbase) = match ours.as_deref() {
            Some([s, p, _]) => ((*s, 0), *p),
            _ => {
                foreign += 1;
                ((usize::MAX / 2 + order, foreign), 0)
            }
        };
        let entry = statements
            .entry(skey)
            .or_insert_with(|| (st, BTreeMap::new()));
        for (k, t) in targets.iter().enumerate() {
            let product = entry.1.entry(pbase + k).or_insert(Product {
                component: component(t)?,
                subcomponents: Vec::new(),
            });
            if let Some(s) = &sub {
                product.subcomponents.push(s.clone());
            }
        }
    }
    let statements: Vec<Statement> = statements
        .into_values()
        .map(|(mut st, products)| {
            st.products = products.into_values().collect();
            st
        })
        .collect();
    let id = match text(spdx_doc, "name") {
        Some(name) if doc_id.starts_with(GENERATED_DOCUMENT_IRI) => name.to_owned(),
        _ => doc_id,
    };
    Ok(Document {
        context: CONTEXT_V0_2_0.to_owned(),
        id,
        author,
        role,
        timestamp,
        last_updated: None,
        version: version.unwrap_or(1),
        tooling,
        statements,
    })
}

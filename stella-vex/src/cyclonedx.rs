//! CycloneDX VEX (CycloneDX 1.4–1.6 `vulnerabilities[]` with `analysis`) ↔ OpenVEX.
//!
//! | CycloneDX | OpenVEX |
//! |---|---|
//! | `serialNumber` (+ `version`) | document `@id` (`version`) |
//! | `metadata.timestamp` / first of `metadata.authors`, `manufacturer`, `supplier` | `timestamp` / `author` |
//! | `vulnerabilities[].id`, `references[].id` | vulnerability `name`, `aliases` |
//! | `affects[].ref` → the component (`purl`, `cpe`, `hashes`, else its `bom-ref`) | product; a component nested in another names that one as the product and itself as the subcomponent |
//! | `analysis.state`: `resolved`, `resolved_with_pedigree` / `exploitable` / `in_triage` / `not_affected`, `false_positive` | `fixed` / `affected` / `under_investigation` / `not_affected` |
//! | `analysis.justification` | `justification` (see below) |
//! | `analysis.response[]`, `detail` | `action_statement` of `affected`; `detail` is the `impact_statement` of `not_affected` |
//! | `analysis.firstIssued` / `lastUpdated` | statement `timestamp` / `last_updated` |
//!
//! Justifications have no one-to-one mapping (CycloneDX has nine, OpenVEX five). In:
//! `code_not_present` → `vulnerable_code_not_present`, `code_not_reachable` →
//! `vulnerable_code_not_in_execute_path`, `requires_dependency` → `component_not_present`,
//! `requires_configuration` and `requires_environment` →
//! `vulnerable_code_cannot_be_controlled_by_adversary`, the four `protected_*` →
//! `inline_mitigations_already_exist`; the original label is kept in the impact statement.
//! Out: the reverse of the exact pairs, `vulnerable_code_cannot_be_controlled_by_adversary` →
//! `requires_environment`, `inline_mitigations_already_exist` → `protected_by_mitigating_control`.
//! What CycloneDX cannot hold is written as vulnerability `properties` (`openvex:justification`,
//! `openvex:impact_statement`, `openvex:action_statement`, `openvex:status_notes`,
//! `openvex:statement_id`) and read back, so OpenVEX → CycloneDX → OpenVEX keeps the statement.
//!
//! Lost CycloneDX → OpenVEX: `affects[].versions` (ranges; Stella matches exact versions),
//! ratings, CWEs, advisories, `recommendation`/`workaround` (kept only through `detail`), a
//! vulnerability without `analysis` (a vulnerability report, not VEX: read as
//! `under_investigation`).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};
use stella_core::canonical::{JsonLimits, from_slice_strict_with};
use stella_core::{Digest, Timestamp};

use crate::compat::Upgrade;
use crate::error::VexError;
use crate::formats::items;
use crate::model::{
    CONTEXT_V0_2_0, Component, Document, Justification, Product, Statement, Status, Vulnerability,
};

/// Most vulnerabilities × affected components read from one BOM.
pub const MAX_CYCLONEDX_STATEMENTS: usize = 200_000;

fn shape(message: impl Into<String>) -> VexError {
    VexError::Shape {
        what: "CycloneDX VEX",
        message: message.into(),
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn justification_in(label: &str) -> Option<Justification> {
    Some(match label {
        "code_not_present" => Justification::VulnerableCodeNotPresent,
        "code_not_reachable" => Justification::VulnerableCodeNotInExecutePath,
        "requires_dependency" => Justification::ComponentNotPresent,
        "requires_configuration" | "requires_environment" => {
            Justification::VulnerableCodeCannotBeControlledByAdversary
        }
        "protected_by_compiler"
        | "protected_at_runtime"
        | "protected_at_perimeter"
        | "protected_by_mitigating_control" => Justification::InlineMitigationsAlreadyExist,
        _ => return None,
    })
}

fn justification_out(j: Justification) -> &'static str {
    match j {
        Justification::ComponentNotPresent => "requires_dependency",
        Justification::VulnerableCodeNotPresent => "code_not_present",
        Justification::VulnerableCodeNotInExecutePath => "code_not_reachable",
        Justification::VulnerableCodeCannotBeControlledByAdversary => "requires_environment",
        Justification::InlineMitigationsAlreadyExist => "protected_by_mitigating_control",
    }
}

fn state_in(state: &str) -> Option<Status> {
    Some(match state {
        "resolved" | "resolved_with_pedigree" => Status::Fixed,
        "exploitable" => Status::Affected,
        "in_triage" => Status::UnderInvestigation,
        "not_affected" | "false_positive" => Status::NotAffected,
        _ => return None,
    })
}

fn state_out(s: Status) -> &'static str {
    match s {
        Status::Fixed => "resolved",
        Status::Affected => "exploitable",
        Status::UnderInvestigation => "in_triage",
        Status::NotAffected => "not_affected",
    }
}

/// The CycloneDX hash algorithm names OpenVEX also has.
fn hash_in(alg: &str) -> Option<&'static str> {
    Some(match alg {
        "MD5" => "md5",
        "SHA-1" => "sha1",
        "SHA-256" => "sha-256",
        "SHA-384" => "sha-384",
        "SHA-512" => "sha-512",
        "SHA3-256" => "sha3-256",
        "SHA3-384" => "sha3-384",
        "SHA3-512" => "sha3-512",
        "BLAKE2b-256" => "blake2b-256",
        "BLAKE2b-512" => "blake2b-512",
        _ => return None,
    })
}

fn hash_out(alg: &str) -> Option<&'static str> {
    Some(match alg {
        "md5" => "MD5",
        "sha1" => "SHA-1",
        "sha-256" => "SHA-256",
        "sha-384" => "SHA-384",
        "sha-512" => "SHA-512",
        "sha3-256" => "SHA3-256",
        "sha3-384" => "SHA3-384",
        "sha3-512" => "SHA3-512",
        "blake2b-256" => "BLAKE2b-256",
        "blake2b-512" => "BLAKE2b-512",
        _ => return None,
    })
}

fn component_in(c: &Value) -> Component {
    let mut out = Component::default();
    match (text(c, "purl"), prop(c, "openvex:id")) {
        // An OpenVEX product with both an `@id` and a purl identifier (written by us).
        (Some(p), Some(id)) => {
            out.id = Some(id.to_owned());
            out.identifiers.purl = Some(p.to_owned());
        }
        (Some(p), None) if prop(c, "openvex:purl_identifier").is_some() => {
            out.identifiers.purl = Some(p.to_owned());
        }
        (Some(p), None) => out.id = Some(p.to_owned()),
        (None, Some(id)) => out.id = Some(id.to_owned()),
        (None, None) => {}
    }
    if let Some(cpe) = text(c, "cpe") {
        out.identifiers.set_cpe(cpe);
    }
    for h in items(c, "hashes") {
        if let (Some(alg), Some(v)) = (text(h, "alg").and_then(hash_in), text(h, "content")) {
            out.hashes.insert(alg.to_owned(), v.to_ascii_lowercase());
        }
    }
    if out.id.is_none() && out.identifiers.is_empty() && out.hashes.is_empty() {
        out.id = text(c, "bom-ref")
            .or_else(|| text(c, "name"))
            .map(str::to_owned);
    }
    out
}

/// Every component by `bom-ref`, with the component it is nested in (if any).
fn index_components<'a>(
    list: &'a Value,
    parent: Option<&'a Value>,
    out: &mut HashMap<&'a str, (&'a Value, Option<&'a Value>)>,
) {
    for c in list.as_array().into_iter().flatten() {
        if let Some(r) = text(c, "bom-ref") {
            out.insert(r, (c, parent));
        }
        if let Some(children) = c.get("components") {
            index_components(children, Some(c), out);
        }
    }
}

fn prop<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    items(v, "properties")
        .find(|p| text(p, "name") == Some(name))
        .and_then(|p| text(p, "value"))
}

fn time(v: &Value, key: &str) -> Result<Option<Timestamp>, VexError> {
    text(v, key)
        .map(|t| {
            Timestamp::parse_rfc3339(t).map_err(|_| shape(format!("{key} {t:?} is not RFC 3339")))
        })
        .transpose()
}

/// The parts that are there, joined with `; ` (`None` when none is).
fn join_parts<const N: usize>(parts: [Option<String>; N]) -> Option<String> {
    let parts: Vec<String> = parts.into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// True when `value` looks like a CycloneDX BOM.
pub fn is_cyclonedx(value: &Value) -> bool {
    value.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX")
}

/// Reads the VEX of a CycloneDX 1.4–1.6 BOM (JSON) as OpenVEX (see the module docs), with what
/// had to be assumed ([`Upgrade::MissingTimestamp`] when the BOM has no `metadata.timestamp`).
///
/// ```
/// use stella_vex::{Justification, Status, from_cyclonedx};
///
/// let bom = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,
///   "serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
///   "metadata":{"timestamp":"2024-01-01T00:00:00Z","authors":[{"name":"Acme"}]},
///   "components":[{"bom-ref":"lib","type":"library","name":"x","purl":"pkg:npm/x@1.0.0"}],
///   "vulnerabilities":[{"id":"CVE-2024-1","affects":[{"ref":"lib"}],
///     "analysis":{"state":"not_affected","justification":"code_not_reachable"}}]}"#;
/// let (doc, _) = from_cyclonedx(bom)?;
/// let s = &doc.statements[0];
/// assert_eq!(s.status, Status::NotAffected);
/// assert_eq!(s.justification, Some(Justification::VulnerableCodeNotInExecutePath));
/// assert_eq!(s.products[0].component.id.as_deref(), Some("pkg:npm/x@1.0.0"));
/// # Ok::<(), stella_vex::VexError>(())
/// ```
pub fn from_cyclonedx(bytes: &[u8]) -> Result<(Document, Vec<Upgrade>), VexError> {
    let limits = JsonLimits {
        max_depth: 64,
        max_bytes: 64 * 1024 * 1024,
    };
    let bom: Value = from_slice_strict_with(bytes, &limits).map_err(|source| VexError::Json {
        what: "CycloneDX VEX",
        source,
    })?;
    if !is_cyclonedx(&bom) {
        return Err(shape("not a CycloneDX BOM (bomFormat)"));
    }
    match text(&bom, "specVersion") {
        Some("1.4" | "1.5" | "1.6") => {}
        other => {
            return Err(shape(format!(
                "specVersion {other:?}: CycloneDX VEX is read from 1.4, 1.5 and 1.6"
            )));
        }
    }
    let mut components = HashMap::new();
    if let Some(c) = bom.pointer("/metadata/component") {
        if let Some(r) = text(c, "bom-ref") {
            components.insert(r, (c, None));
        }
        if let Some(children) = c.get("components") {
            index_components(children, Some(c), &mut components);
        }
    }
    if let Some(list) = bom.get("components") {
        index_components(list, None, &mut components);
    }
    let metadata = bom.get("metadata").unwrap_or(&Value::Null);
    let author = metadata
        .get("authors")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find_map(|x| text(x, "name")))
        .or_else(|| {
            metadata
                .pointer("/manufacturer/name")
                .and_then(Value::as_str)
        })
        .or_else(|| metadata.pointer("/supplier/name").and_then(Value::as_str))
        .unwrap_or("unknown (CycloneDX BOM names no author)")
        .to_owned();
    let mut upgrades = Vec::new();
    let mut statements = Vec::new();
    for v in items(&bom, "vulnerabilities") {
        let Some(name) = text(v, "id") else {
            continue;
        };
        let mut aliases: Vec<String> = items(v, "references")
            .filter_map(|r| text(r, "id"))
            .filter(|id| *id != name)
            .map(str::to_owned)
            .collect();
        aliases.sort();
        aliases.dedup();
        let vulnerability = Vulnerability {
            id: prop(v, "openvex:vulnerability_id").map(str::to_owned),
            name: name.to_owned(),
            description: text(v, "description").map(str::to_owned),
            aliases,
        };
        let analysis = v.get("analysis").unwrap_or(&Value::Null);
        let state = text(analysis, "state");
        let status = match state {
            None => Status::UnderInvestigation,
            Some(s) => state_in(s).ok_or_else(|| shape(format!("analysis.state {s:?}")))?,
        };
        let cdx_justification = text(analysis, "justification");
        let justification = prop(v, "openvex:justification")
            .and_then(Justification::parse)
            .or_else(|| cdx_justification.and_then(justification_in));
        let detail = text(analysis, "detail");
        let responses: Vec<&str> = items(analysis, "response")
            .filter_map(Value::as_str)
            .collect();
        let first = time(analysis, "firstIssued")?;
        let last = time(analysis, "lastUpdated")?;
        let mut products: Vec<Product> = Vec::new();
        for a in items(v, "affects") {
            let Some(r) = text(a, "ref") else {
                continue;
            };
            if products.len() == MAX_CYCLONEDX_STATEMENTS {
                return Err(VexError::Limit {
                    what: "affected components of a CycloneDX vulnerability",
                    max: MAX_CYCLONEDX_STATEMENTS,
                    actual: MAX_CYCLONEDX_STATEMENTS.saturating_add(1),
                });
            }
            // A BOM-Link (`urn:cdx:serial/version#bom-ref`) names a component of this or
            // another BOM: the part after `#`.
            let local = r
                .strip_prefix("urn:cdx:")
                .and_then(|rest| rest.split_once('#'))
                .map_or(r, |(_, b)| b);
            match components.get(local) {
                Some((c, Some(parent))) => {
                    // Components nested in the same parent: one product, its subcomponents.
                    let parent = component_in(parent);
                    let sub = component_in(c);
                    match products.iter_mut().find(|p| p.component == parent) {
                        Some(p) => p.subcomponents.push(sub),
                        None => products.push(Product {
                            component: parent,
                            subcomponents: vec![sub],
                        }),
                    }
                }
                Some((c, None)) => products.push(Product {
                    component: component_in(c),
                    subcomponents: Vec::new(),
                }),
                None => products.push(Product {
                    component: Component {
                        id: Some(r.to_owned()),
                        ..Component::default()
                    },
                    subcomponents: Vec::new(),
                }),
            }
        }
        if products.is_empty() {
            continue;
        }
        {
            if statements.len() == MAX_CYCLONEDX_STATEMENTS {
                return Err(VexError::Limit {
                    what: "statements read from a CycloneDX BOM",
                    max: MAX_CYCLONEDX_STATEMENTS,
                    actual: MAX_CYCLONEDX_STATEMENTS.saturating_add(1),
                });
            }
            let mut s = Statement::new(vulnerability.clone(), products, status);
            s.id = prop(v, "openvex:statement_id").map(str::to_owned);
            s.timestamp = first;
            s.last_updated = last;
            s.justification = justification.filter(|_| status == Status::NotAffected);
            s.status_notes = prop(v, "openvex:status_notes").map(str::to_owned);
            match status {
                Status::NotAffected => {
                    let relabelled = cdx_justification
                        .filter(|j| justification_in(j).map(justification_out) != Some(*j))
                        .map(|j| format!("CycloneDX justification: {j}"));
                    s.impact_statement = prop(v, "openvex:impact_statement")
                        .map(str::to_owned)
                        .or_else(|| {
                            join_parts([
                                (state == Some("false_positive"))
                                    .then(|| "CycloneDX: false_positive".to_owned()),
                                relabelled,
                                detail.map(str::to_owned),
                            ])
                        });
                }
                Status::Affected => {
                    s.action_statement = prop(v, "openvex:action_statement")
                        .map(str::to_owned)
                        .or_else(|| {
                            join_parts([
                                (!responses.is_empty())
                                    .then(|| format!("response: {}", responses.join(", "))),
                                detail.map(str::to_owned),
                                text(v, "recommendation").map(str::to_owned),
                                text(v, "workaround").map(str::to_owned),
                            ])
                        })
                        .or_else(|| Some("no response given in the CycloneDX VEX".to_owned()));
                }
                Status::Fixed | Status::UnderInvestigation => {
                    if s.status_notes.is_none() {
                        s.status_notes = detail.map(str::to_owned);
                    }
                }
            }
            statements.push(s);
        }
    }
    let timestamp = match time(metadata, "timestamp")? {
        Some(t) => t,
        None => {
            let assumed = statements
                .iter()
                .filter_map(|s| s.timestamp.or(s.last_updated))
                .min()
                .or_else(|| Timestamp::from_unix_seconds(0).ok())
                .ok_or_else(|| shape("no usable timestamp"))?;
            upgrades.push(Upgrade::MissingTimestamp { assumed });
            assumed
        }
    };
    let serial = prop(metadata, "openvex:document_id")
        .or_else(|| text(&bom, "serialNumber"))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("urn:cdx:sha256-{}", Digest::of(bytes).hex()));
    Ok((
        Document {
            context: CONTEXT_V0_2_0.to_owned(),
            id: serial,
            author,
            role: None,
            timestamp,
            last_updated: None,
            version: bom
                .get("version")
                .and_then(Value::as_u64)
                .filter(|v| *v >= 1)
                .unwrap_or(1),
            tooling: Some(format!(
                "stella-vex {} (CycloneDX import)",
                env!("CARGO_PKG_VERSION")
            )),
            statements,
        },
        upgrades,
    ))
}

fn component_out(c: &Component, bom_ref: &str) -> Value {
    let mut o = Map::new();
    o.insert("bom-ref".into(), json!(bom_ref));
    o.insert("type".into(), json!("library"));
    let purl = c.effective_purl();
    let name = purl
        .and_then(|p| crate::matching::Purl::parse(p).ok())
        .map(|p| p.name)
        .unwrap_or_else(|| c.key());
    o.insert("name".into(), json!(name));
    if let Some(p) = purl {
        o.insert("purl".into(), json!(p));
    }
    if let Some(cpe) = c
        .identifiers
        .cpe23
        .as_ref()
        .or(c.identifiers.cpe22.as_ref())
    {
        o.insert("cpe".into(), json!(cpe));
    }
    let hashes: Vec<Value> = c
        .hashes
        .iter()
        .filter_map(|(a, v)| Some(json!({"alg": hash_out(a)?, "content": v})))
        .collect();
    if !hashes.is_empty() {
        o.insert("hashes".into(), Value::Array(hashes));
    }
    // Which of `@id` and `identifiers.purl` the OpenVEX product had, so it reads back the same.
    let id_prop = match (&c.id, &c.identifiers.purl) {
        (Some(id), Some(_)) => Some(json!({"name": "openvex:id", "value": id})),
        (Some(id), None) if Some(id.as_str()) != purl => {
            Some(json!({"name": "openvex:id", "value": id}))
        }
        (None, Some(_)) => Some(json!({"name": "openvex:purl_identifier", "value": "true"})),
        _ => None,
    };
    if let Some(p) = id_prop {
        o.insert("properties".into(), json!([p]));
    }
    Value::Object(o)
}

/// Writes an OpenVEX document as a CycloneDX 1.6 VEX BOM (see the module docs): one
/// component per product (its subcomponents nested in it), one vulnerability per statement,
/// deterministic (`serialNumber` a UUID v5 of the document `@id` and `version`; components
/// sorted by `bom-ref`).
///
/// ```
/// use stella_vex::{Document, from_cyclonedx, to_cyclonedx};
///
/// let doc = Document::parse(br#"{"@context":"https://openvex.dev/ns/v0.2.0",
///   "@id":"https://example.com/v","author":"a","timestamp":"2024-01-01T00:00:00Z","version":1,
///   "statements":[{"vulnerability":{"name":"CVE-2024-1"},"products":[{"@id":"pkg:npm/x@1"}],
///   "status":"not_affected","justification":"component_not_present"}]}"#)?;
/// let bom = to_cyclonedx(&doc)?;
/// let (back, _) = from_cyclonedx(&bom)?;
/// assert_eq!(back.statements[0].justification, doc.statements[0].justification);
/// # Ok::<(), stella_vex::VexError>(())
/// ```
pub fn to_cyclonedx(doc: &Document) -> Result<Vec<u8>, VexError> {
    // Products (with their subcomponents) by bom-ref.
    let mut products: BTreeMap<String, (Component, BTreeMap<String, Component>)> = BTreeMap::new();
    let mut vulnerabilities = Vec::new();
    for s in &doc.statements {
        let mut affects = Vec::new();
        for p in &s.products {
            let key = p.component.key();
            let entry = products
                .entry(key.clone())
                .or_insert_with(|| (p.component.clone(), BTreeMap::new()));
            if p.subcomponents.is_empty() {
                affects.push(json!({"ref": key}));
            }
            for sub in &p.subcomponents {
                let sub_ref = format!("{key}|{}", sub.key());
                entry.1.insert(sub_ref.clone(), sub.clone());
                affects.push(json!({"ref": sub_ref}));
            }
        }
        let mut analysis = Map::new();
        analysis.insert("state".into(), json!(state_out(s.status)));
        if let Some(j) = s.justification {
            analysis.insert("justification".into(), json!(justification_out(j)));
        }
        let detail = match s.status {
            Status::NotAffected => s.impact_statement.clone(),
            Status::Affected => s.action_statement.clone(),
            _ => s.status_notes.clone(),
        };
        if let Some(d) = detail {
            analysis.insert("detail".into(), json!(d));
        }
        analysis.insert(
            "firstIssued".into(),
            json!(s.timestamp.unwrap_or(doc.timestamp)),
        );
        if let Some(t) = s.last_updated {
            analysis.insert("lastUpdated".into(), json!(t));
        }
        let mut props = Vec::new();
        for (name, value) in [
            ("openvex:vulnerability_id", s.vulnerability.id.clone()),
            ("openvex:statement_id", s.id.clone()),
            (
                "openvex:justification",
                s.justification.map(|j| j.to_string()),
            ),
            ("openvex:impact_statement", s.impact_statement.clone()),
            ("openvex:action_statement", s.action_statement.clone()),
            ("openvex:status_notes", s.status_notes.clone()),
        ] {
            if let Some(v) = value {
                props.push(json!({"name": name, "value": v}));
            }
        }
        let mut v = Map::new();
        v.insert("id".into(), json!(s.vulnerability.name));
        if let Some(d) = &s.vulnerability.description {
            v.insert("description".into(), json!(d));
        }
        if !s.vulnerability.aliases.is_empty() {
            v.insert(
                "references".into(),
                Value::Array(
                    s.vulnerability
                        .aliases
                        .iter()
                        .map(|a| json!({"id": a, "source": {"name": "alias"}}))
                        .collect(),
                ),
            );
        }
        v.insert("analysis".into(), Value::Object(analysis));
        v.insert("affects".into(), Value::Array(affects));
        if !props.is_empty() {
            v.insert("properties".into(), Value::Array(props));
        }
        vulnerabilities.push(Value::Object(v));
    }
    let components: Vec<Value> = products
        .iter()
        .map(|(key, (c, subs))| {
            let mut o = component_out(c, key);
            if !subs.is_empty() {
                if let Some(obj) = o.as_object_mut() {
                    obj.insert(
                        "components".into(),
                        Value::Array(subs.iter().map(|(r, sc)| component_out(sc, r)).collect()),
                    );
                }
            }
            o
        })
        .collect();
    let serial = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("{}#{}", doc.id, doc.version).as_bytes(),
    );
    let bom = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{serial}"),
        "version": doc.version,
        "metadata": {
            "timestamp": doc.timestamp,
            "authors": [{"name": doc.author}],
            "tools": {"components": [{"type": "application", "name": "stella-vex",
                "version": env!("CARGO_PKG_VERSION")}]},
            "properties": [{"name": "openvex:document_id", "value": doc.id}],
        },
        "components": components,
        "vulnerabilities": vulnerabilities,
    });
    let mut out = serde_json::to_vec_pretty(&bom).map_err(|e| shape(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

//! The finding side: what VEX is applied to and generated from.
//!
//! `stella-vex` does not depend on `stella-scan` (siblings, docs/design.md §2), so findings
//! come in as [`FindingRef`]s, read from any SARIF 2.1.0 log ([`findings_from_sarif`]) or from
//! the Stella findings JSON ([`findings_from_json`]), each reading only the fields it needs.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use stella_core::Digest;
use stella_core::canonical::{JsonLimits, from_slice_strict_with};

use crate::error::VexError;
use crate::matching::Subject;

/// The reachability label the entry-trace gives a package no entrypoint reaches.
pub const NOT_FOUND_ON_ENTRY_PATHS: &str = "not_found_on_entry_paths";

/// One finding: a vulnerability in a package, optionally inside an artifact.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct FindingRef {
    /// The vulnerability id (e.g. `GHSA-…` or `CVE-…`).
    pub vulnerability: String,
    /// Other ids of the same vulnerability.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The vulnerable package's purl.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Hashes of the package (OpenVEX hash names).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub hashes: BTreeMap<String, String>,
    /// CPEs of the package.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cpes: Vec<String>,
    /// The artifact (image) the package is in: a purl (`pkg:oci/…`) or a digest `sha256:…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
    /// Reachability from the entry-trace (e.g. [`NOT_FOUND_ON_ENTRY_PATHS`], `reachable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reachability: Option<String>,
    /// The entry-trace evidence (entrypoint → … → file), for impact statements.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<String>,
    /// Symbol-level evidence of a compiled binary's finding: [`SYMBOLS_ABSENT`], `present` or
    /// `unknown` (the `symbols.status` stella-vuln writes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symbols: Option<String>,
    /// The vulnerable symbols that were checked (for impact statements).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub symbols_checked: Vec<String>,
    /// The binaries whose symbol tables were read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub symbol_binaries: Vec<String>,
}

/// The symbol status of a finding whose binary links none of the vulnerable symbols (every one
/// checked, every table readable).
pub const SYMBOLS_ABSENT: &str = "absent";

/// (status, checked symbols, binaries) of a `symbols` object as stella-vuln writes it.
fn symbol_fields(v: Option<&Value>) -> (Option<String>, Vec<String>, Vec<String>) {
    match v {
        Some(o @ Value::Object(_)) => (
            first_str(o, &["status"]),
            strs(o.get("vulnerable")),
            strs(o.get("binaries")),
        ),
        _ => (None, Vec::new(), Vec::new()),
    }
}

impl FindingRef {
    /// A finding of `vulnerability` in the package `purl`.
    pub fn new(vulnerability: impl Into<String>, purl: impl Into<String>) -> Self {
        Self {
            vulnerability: vulnerability.into(),
            purl: Some(purl.into()),
            ..Self::default()
        }
    }

    /// The vulnerability id followed by the aliases.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.vulnerability.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// The package as a matching subject.
    pub fn package_subject(&self) -> Subject {
        let mut s = match &self.purl {
            Some(p) => Subject::from_purl(p),
            None => Subject::default(),
        };
        s.hashes
            .extend(self.hashes.iter().map(|(k, v)| (k.clone(), v.clone())));
        s.cpes.extend(self.cpes.iter().cloned());
        s
    }

    /// The package as a subject without its purl parsed (the caller parses it).
    pub(crate) fn package_subject_unparsed(&self) -> Subject {
        Subject {
            purl: None,
            id: self.purl.clone(),
            hashes: self.hashes.clone(),
            cpes: self.cpes.clone(),
        }
    }

    /// The artifact as a matching subject.
    pub fn artifact_subject(&self) -> Option<Subject> {
        let a = self.artifact.as_deref()?;
        Some(match Digest::parse(a) {
            Ok(d) => Subject::from_digest(&d),
            Err(_) => Subject::from_purl(a),
        })
    }
}

fn strs(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn first_str(obj: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str).map(str::to_owned))
}

/// `stella-scan` writes `unreachable` for what the entry-trace calls not found on entry paths;
/// both read as [`NOT_FOUND_ON_ENTRY_PATHS`].
fn normalize_reachability(label: String) -> String {
    if label == "unreachable" {
        NOT_FOUND_ON_ENTRY_PATHS.to_owned()
    } else {
        label
    }
}

const PURL_KEYS: [&str; 4] = ["purl", "packageUrl", "package_url", "package-url"];

/// Reads findings from a SARIF 2.1.0 log, generically: for each `runs[].results[]` the
/// vulnerability is `ruleId` (or `rule.id`); the purl, aliases, reachability, trace and artifact
/// come from the result's `properties` (`purl`/`packageUrl`, `aliases`, `reachability`,
/// `trace`/`entryTrace`, `symbols`, `artifact`/`imageDigest`), falling back to the rule's `properties` and
/// then the run's `properties`. Results without a rule id are skipped.
pub fn findings_from_sarif(bytes: &[u8], limits: &JsonLimits) -> Result<Vec<FindingRef>, VexError> {
    let log: Value = from_slice_strict_with(bytes, limits).map_err(|source| VexError::Json {
        what: "SARIF log",
        source,
    })?;
    let runs = log
        .get("runs")
        .and_then(Value::as_array)
        .ok_or_else(|| VexError::Shape {
            what: "SARIF log",
            message: "no runs array".into(),
        })?;
    let mut out = Vec::new();
    for run in runs {
        let empty = Value::Null;
        let run_props = run.get("properties").unwrap_or(&empty);
        let rules: BTreeMap<String, &Value> = run
            .pointer("/tool/driver/rules")
            .and_then(Value::as_array)
            .map(|rs| {
                rs.iter()
                    .filter_map(|r| Some((r.get("id")?.as_str()?.to_owned(), r)))
                    .collect()
            })
            .unwrap_or_default();
        for result in run
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            // An empty id names no rule: skipped like a missing one (a finding needs an id).
            let Some(rule_id) = first_str(result, &["ruleId"])
                .or_else(|| {
                    result
                        .pointer("/rule/id")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .filter(|id| !id.is_empty())
            else {
                continue;
            };
            let props = result.get("properties").unwrap_or(&empty);
            let rule_props = rules
                .get(&rule_id)
                .and_then(|r| r.get("properties"))
                .unwrap_or(&empty);
            let pick = |keys: &[&str]| {
                first_str(props, keys)
                    .or_else(|| first_str(rule_props, keys))
                    .or_else(|| first_str(run_props, keys))
            };
            let vulnerability = first_str(props, &["vulnerability", "vulnerabilityId"])
                .or_else(|| first_str(rule_props, &["vulnerability", "vulnerabilityId"]))
                .filter(|v| !v.is_empty())
                .unwrap_or(rule_id);
            let mut aliases = strs(props.get("aliases"));
            aliases.extend(strs(rule_props.get("aliases")));
            aliases.sort();
            aliases.dedup();
            aliases.retain(|a| *a != vulnerability);
            let mut trace = strs(props.get("trace"));
            trace.extend(strs(props.get("entryTrace")));
            let (symbols, symbols_checked, symbol_binaries) = symbol_fields(props.get("symbols"));
            out.push(FindingRef {
                vulnerability,
                aliases,
                purl: pick(&PURL_KEYS),
                hashes: BTreeMap::new(),
                cpes: strs(props.get("cpes")),
                artifact: pick(&["artifact", "imageDigest", "image"]).or_else(|| {
                    run_props
                        .pointer("/target/image_digest")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                }),
                reachability: pick(&["reachability"]).map(normalize_reachability),
                trace,
                symbols,
                symbols_checked,
                symbol_binaries,
            });
        }
    }
    Ok(out)
}

/// Reads the Stella findings JSON (`stella scan -o json`, format `stella-ops/findings@v1` of
/// `stella_vuln`), tolerantly: an object with a `findings` array (or a bare array). Per
/// finding: the vulnerability from `vulnerability` / `id` / `vulnerability_id` (a string, or an
/// object with `id`/`name`), aliases from `aliases` and `ids`, the purl from `purl` or
/// `package.purl`, `reachability` (string or `{status}`; `unreachable` reads as
/// [`NOT_FOUND_ON_ENTRY_PATHS`]), `trace` / `entry_trace`, `symbols` (`{status, vulnerable,
/// binaries}`), and the artifact from `artifact` /
/// `image` or the top-level `target.image_digest` / `image_digest` / `artifact`. Unknown fields
/// are ignored.
pub fn findings_from_json(bytes: &[u8], limits: &JsonLimits) -> Result<Vec<FindingRef>, VexError> {
    let doc: Value = from_slice_strict_with(bytes, limits).map_err(|source| VexError::Json {
        what: "findings JSON",
        source,
    })?;
    let top_artifact = first_str(&doc, &["image_digest", "artifact", "image"])
        .or_else(|| {
            doc.pointer("/target/image_digest")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .or_else(|| {
            doc.pointer("/image/digest")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    let items = match &doc {
        Value::Array(a) => a,
        _ => doc
            .get("findings")
            .and_then(Value::as_array)
            .ok_or_else(|| VexError::Shape {
                what: "findings JSON",
                message: "no findings array".into(),
            })?,
    };
    let mut out = Vec::new();
    for (i, f) in items.iter().enumerate() {
        let vul = f
            .get("vulnerability")
            .or_else(|| f.get("vulnerability_id"))
            .or_else(|| f.get("id"));
        let (vulnerability, mut aliases) = match vul {
            Some(Value::String(s)) => (s.clone(), Vec::new()),
            Some(o @ Value::Object(_)) => (
                first_str(o, &["id", "name"]).unwrap_or_default(),
                strs(o.get("aliases")),
            ),
            _ => (String::new(), Vec::new()),
        };
        if vulnerability.is_empty() {
            return Err(VexError::Shape {
                what: "findings JSON",
                message: format!("finding #{i} has no vulnerability id"),
            });
        }
        aliases.extend(strs(f.get("aliases")));
        aliases.extend(strs(f.get("ids")));
        aliases.sort();
        aliases.dedup();
        aliases.retain(|a| *a != vulnerability);
        let purl = first_str(f, &PURL_KEYS)
            .or_else(|| f.get("package").and_then(|p| first_str(p, &PURL_KEYS)));
        let reachability = match f.get("reachability") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(o @ Value::Object(_)) => first_str(o, &["status", "state", "label"]),
            _ => None,
        }
        .map(normalize_reachability);
        let mut trace = strs(f.get("trace"));
        trace.extend(strs(f.get("entry_trace")));
        if let Some(Value::Object(_)) = f.get("reachability") {
            trace.extend(strs(f.pointer("/reachability/trace")));
        }
        let (symbols, symbols_checked, symbol_binaries) = symbol_fields(f.get("symbols"));
        out.push(FindingRef {
            vulnerability,
            aliases,
            purl,
            hashes: BTreeMap::new(),
            cpes: strs(f.get("cpes")),
            artifact: first_str(f, &["artifact", "image"]).or_else(|| top_artifact.clone()),
            reachability,
            trace,
            symbols,
            symbols_checked,
            symbol_binaries,
        });
    }
    Ok(out)
}

/// Reads findings from either format: SARIF when the document has `runs`, else findings JSON.
pub fn read_findings(bytes: &[u8], limits: &JsonLimits) -> Result<Vec<FindingRef>, VexError> {
    let probe: Value = from_slice_strict_with(bytes, limits).map_err(|source| VexError::Json {
        what: "findings",
        source,
    })?;
    if probe.get("runs").is_some() {
        findings_from_sarif(bytes, limits)
    } else {
        findings_from_json(bytes, limits)
    }
}

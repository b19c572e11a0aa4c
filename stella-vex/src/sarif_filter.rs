//! `stella vex filter`: VEX applied to the SARIF of a vulnerability scanner (Grype, Trivy,
//! Snyk, or any SARIF 2.1.0 log whose results name a vulnerability), as `vexctl filter` does,
//! with the trust, precedence and provenance of [`VexSet`].
//!
//! Each result becomes a [`FindingRef`]:
//! - **vulnerability**: the rule id; Grype's rule ids carry the package after the vulnerability
//!   (`CVE-2023-27103-libde265-0`), so a leading CVE/GHSA/… id is split off and the full rule id
//!   kept as an alias. Snyk's rule ids are Snyk ids; the CVEs its rules name in their full
//!   description (`(CVE-2023-27103) libde265/libde265-0@1.0.11-1`) are aliases.
//! - **package** (a purl, when the tool says enough to build one): the result's or rule's
//!   `properties` (`purl`, …); else Grype's rule help (`Package`, `Version`, `Type`, `Data
//!   Namespace`); else Snyk's full description and rule id (`SNYK-DEBIAN12-…`, tag `deb`).
//!   Trivy's SARIF names the package only in text (`library/nginx: libde265-0@1.0.11-1`, no
//!   type): its results are matched by vulnerability and image, not by package (see
//!   [`FilteredResult::package`]).
//! - **artifact**: the scanned image, from `image` in [`FilterOptions`] or from the log (Trivy's
//!   run `properties.repoDigests`/`imageName`, Grype's logical location names, Snyk's artifact
//!   URI `nginx@sha256_…`), as its digest. A VEX product naming the image (`pkg:oci/…@sha256:…`,
//!   an image reference with that digest, or the bare digest) then covers every result of the
//!   scan; one naming a package covers the results in that package.
//!
//! Results decided `not_affected` or `fixed` get a SARIF 2.1.0 §3.35 suppression (`kind:
//! external`, `status: accepted`, the VEX justification as `justification`, the deciding
//! statement in its `properties`), or are removed with [`FilterOptions::remove`]. A statement
//! saying `under_investigation` adds a suppression with `status: underReview`, which leaves
//! the result visible (§3.35.3); `affected` and results no statement covers are left as they
//! are. The output is deterministic: object keys sorted, results in their input order.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};
use stella_core::canonical::{JsonLimits, from_slice_strict_with};

use crate::error::VexError;
use crate::findings::FindingRef;
use crate::formats::items;
use crate::matching::image_digest;
use crate::model::Status;
use crate::vex_set::{AppliedFinding, VexSet};

/// How [`filter_sarif`] runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterOptions {
    /// The scanned image (`sha256:…`, `pkg:oci/…@sha256:…` or `REPO@sha256:…`); overrides what
    /// the log says. Without a digest it is compared as text with product `@id`s.
    pub image: Option<String>,
    /// Remove suppressed results instead of marking them.
    pub remove: bool,
    /// JSON limits for the log.
    pub limits: JsonLimits,
}

/// The scanner a run came from, told by `tool.driver.name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scanner {
    /// Anchore Grype.
    Grype,
    /// Aqua Trivy.
    Trivy,
    /// Snyk (Container or Open Source).
    Snyk,
    /// Any other SARIF producer: rule ids and properties are read generically.
    Other,
}

impl Scanner {
    fn of(driver_name: &str) -> Self {
        let n = driver_name.to_ascii_lowercase();
        if n.starts_with("grype") {
            Scanner::Grype
        } else if n.starts_with("trivy") {
            Scanner::Trivy
        } else if n.starts_with("snyk") {
            Scanner::Snyk
        } else {
            Scanner::Other
        }
    }
}

/// What happened to one result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilteredResult {
    /// Run index.
    pub run: usize,
    /// Result index in the input run.
    pub result: usize,
    /// The rule id.
    pub rule_id: String,
    /// The vulnerability id read from it.
    pub vulnerability: String,
    /// The package purl built for it, when the tool said enough.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The VEX status (`under_investigation` when no statement covers it).
    pub status: Status,
    /// True when the result was suppressed (or removed).
    pub suppressed: bool,
    /// The deciding statement, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
}

/// The filter's report: per run its scanner and image, and per result what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterReport {
    /// Per run: the scanner and the image digest used (if any).
    pub runs: Vec<(Scanner, Option<String>)>,
    /// Results read.
    pub results: usize,
    /// Results suppressed (or removed).
    pub suppressed: usize,
    /// Every result with a VEX statement, and every suppressed one, in input order.
    pub decided: Vec<FilteredResult>,
}

/// The filtered log and its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filtered {
    /// The SARIF log, pretty-printed with sorted keys and a final newline.
    pub sarif: Vec<u8>,
    /// What was done.
    pub report: FilterReport,
}

fn shape(message: impl Into<String>) -> VexError {
    VexError::Shape {
        what: "SARIF log",
        message: message.into(),
    }
}

/// Applies `set` to a SARIF 2.1.0 log (see the module docs).
///
/// ```
/// use stella_core::Timestamp;
/// use stella_vex::{FilterOptions, TrustPolicy, VexSet, VexSource, filter_sarif};
///
/// let vex = br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/v",
///   "author":"a","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[
///   {"vulnerability":{"name":"CVE-2023-27103"},"status":"not_affected",
///    "justification":"component_not_present",
///    "products":[{"@id":"pkg:oci/nginx@sha256%3A13d22ec63300e16014d4a42aed735207a8b33c223cff19627dd3042e5a10a3a0"}]}]}"#;
/// let sarif = br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Grype"}},"results":[
///   {"ruleId":"CVE-2023-27103-libde265-0","message":{"text":"x"}},
///   {"ruleId":"CVE-2005-2541-tar","message":{"text":"y"}}]}]}"#;
/// let now = Timestamp::parse_rfc3339("2024-06-01T00:00:00Z")?;
/// let set = VexSet::build(vec![VexSource::unsigned(vex)?], &TrustPolicy::permissive(), now);
/// let options = FilterOptions {
///     image: Some("nginx@sha256:13d22ec63300e16014d4a42aed735207a8b33c223cff19627dd3042e5a10a3a0".into()),
///     remove: true,
///     ..FilterOptions::default()
/// };
/// let out = filter_sarif(sarif, &set, &options)?;
/// assert_eq!(out.report.suppressed, 1);
/// let log: serde_json::Value = serde_json::from_slice(&out.sarif)?;
/// assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn filter_sarif(
    bytes: &[u8],
    set: &VexSet,
    options: &FilterOptions,
) -> Result<Filtered, VexError> {
    let mut log: Value =
        from_slice_strict_with(bytes, &options.limits).map_err(|source| VexError::Json {
            what: "SARIF log",
            source,
        })?;
    let runs = log
        .get_mut("runs")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| shape("no runs array"))?;
    let given_image = options
        .image
        .as_deref()
        .map(|i| image_digest(i).map_or_else(|| i.to_owned(), |hex| format!("sha256:{hex}")));
    let mut report = FilterReport {
        runs: Vec::new(),
        results: 0,
        suppressed: 0,
        decided: Vec::new(),
    };
    for (ri, run) in runs.iter_mut().enumerate() {
        let scanner = Scanner::of(
            run.pointer("/tool/driver/name")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        );
        let rules: BTreeMap<String, Value> = run
            .pointer("/tool/driver/rules")
            .and_then(Value::as_array)
            .map(|rs| {
                rs.iter()
                    .filter_map(|r| Some((r.get("id")?.as_str()?.to_owned(), r.clone())))
                    .collect()
            })
            .unwrap_or_default();
        let image = given_image.clone().or_else(|| run_image(run));
        report.runs.push((scanner, image.clone()));
        let Some(results) = run.get_mut("results").and_then(Value::as_array_mut) else {
            continue;
        };
        let mut kept = Vec::with_capacity(results.len());
        for (i, mut result) in std::mem::take(results).into_iter().enumerate() {
            report.results += 1;
            let Some(rule_id) = result
                .get("ruleId")
                .or_else(|| result.pointer("/rule/id"))
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
                .map(str::to_owned)
            else {
                kept.push(result);
                continue;
            };
            let rule = rules.get(&rule_id).unwrap_or(&Value::Null);
            let image = image.clone().or_else(|| result_image(&result));
            let finding = finding_of(scanner, &rule_id, &result, rule, image);
            let applied = set.apply(std::slice::from_ref(&finding));
            let Some(a) = applied.findings.into_iter().next() else {
                kept.push(result);
                continue;
            };
            let suppress = matches!(a.status, Status::NotAffected | Status::Fixed);
            if let Some(d) = &a.decided_by {
                report.decided.push(FilteredResult {
                    run: ri,
                    result: i,
                    rule_id: rule_id.clone(),
                    vulnerability: finding.vulnerability.clone(),
                    package: finding.purl.clone(),
                    status: a.status,
                    suppressed: suppress,
                    decided_by: Some(d.to_string()),
                });
            }
            if suppress {
                report.suppressed += 1;
                if options.remove {
                    continue;
                }
            }
            if a.decided_by.is_some() && a.status != Status::Affected {
                add_suppression(&mut result, &a, suppress);
            }
            kept.push(result);
        }
        *results = kept;
    }
    let mut sarif = serde_json::to_vec_pretty(&log).map_err(|e| shape(e.to_string()))?;
    sarif.push(b'\n');
    Ok(Filtered { sarif, report })
}

/// The SARIF §3.35 suppression for a VEX decision.
fn add_suppression(result: &mut Value, a: &AppliedFinding, accepted: bool) {
    let mut text = format!("VEX {}", a.status);
    if let Some(j) = a.justification {
        text.push_str(&format!(": {j}"));
    }
    if let Some(t) = a.impact_statement.as_deref().filter(|t| !t.is_empty()) {
        // A suppression justification is a short text; VEX can be long, and is copied into
        // every result it covers: at most 1,000 characters of it.
        let short: String = t.chars().take(1000).collect();
        text.push_str(&format!(" — {short}"));
        if short.len() < t.len() {
            text.push('…');
        }
    }
    let mut props = Map::new();
    props.insert("vexStatus".into(), json!(a.status));
    if let Some(j) = a.justification {
        props.insert("vexJustification".into(), json!(j));
    }
    if let Some(d) = &a.decided_by {
        props.insert("vexDocument".into(), json!(d.source.document));
        props.insert("vexAuthor".into(), json!(d.source.author));
        props.insert("vexDigest".into(), json!(d.source.digest.to_string()));
        props.insert("vexStatement".into(), json!(d.statement));
        props.insert("vexIssuer".into(), json!(d.source.issuer));
    }
    let suppression = json!({
        "kind": "external",
        "status": if accepted { "accepted" } else { "underReview" },
        "justification": text,
        "properties": props,
    });
    if let Some(obj) = result.as_object_mut() {
        match obj.get_mut("suppressions").and_then(Value::as_array_mut) {
            Some(list) => list.push(suppression),
            None => {
                obj.insert("suppressions".into(), Value::Array(vec![suppression]));
            }
        }
    }
}

/// The image digest a run names: Trivy's `properties.repoDigests`/`imageName`, else the first
/// result's (see [`result_image`]).
fn run_image(run: &Value) -> Option<String> {
    let props = run.get("properties");
    let from_props = props
        .and_then(|p| p.get("repoDigests"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .chain(
            props
                .and_then(|p| p.get("imageName"))
                .and_then(Value::as_str),
        )
        .find_map(image_digest);
    from_props
        .or_else(|| {
            run.get("results")
                .and_then(Value::as_array)
                .and_then(|rs| rs.iter().find_map(result_image))
        })
        .map(|hex| format!("sha256:{hex}"))
}

/// The image digest a result's locations name: Grype's logical location
/// `IMAGE@sha256:…@sha256:<layer>:/path` (the first digest is the image's), Snyk's artifact
/// URI `IMAGE@sha256_…`. Returned as lowercase hex.
fn result_image(result: &Value) -> Option<String> {
    let locations = result.get("locations")?.as_array()?;
    for l in locations {
        if let Some(fq) = items(l, "logicalLocations")
            .find_map(|x| x.get("fullyQualifiedName").and_then(Value::as_str))
        {
            if let Some((_, rest)) = fq.split_once("@sha256:") {
                let hex: String = rest.chars().take(64).collect();
                if let Some(h) = image_digest(&format!("sha256:{hex}")) {
                    return Some(h);
                }
            }
        }
        if let Some(uri) = l
            .pointer("/physicalLocation/artifactLocation/uri")
            .and_then(Value::as_str)
        {
            if let Some((_, hex)) = uri.split_once("@sha256_") {
                if let Some(h) = image_digest(&format!("sha256:{hex}")) {
                    return Some(h);
                }
            }
        }
    }
    None
}

/// Splits a leading vulnerability id (`CVE-YYYY-N…`, `GHSA-xxxx-xxxx-xxxx`, `GO-YYYY-N…`,
/// `PYSEC-…`, `RUSTSEC-…`, `OSV-…`) from what follows it (`-package`).
fn split_vulnerability(rule_id: &str) -> Option<(&str, &str)> {
    let (prefix, rest) = rule_id.split_once('-')?;
    let take = match prefix {
        "GHSA" => 3,
        "CVE" | "GO" | "PYSEC" | "RUSTSEC" | "OSV" => 2,
        _ => return None,
    };
    // The id ends after `take` more dash-separated groups.
    let mut end = prefix.len();
    let mut groups = 0;
    for (i, ch) in rest.char_indices() {
        if ch == '-' {
            groups += 1;
            if groups == take {
                end = prefix.len() + 1 + i;
                break;
            }
        }
    }
    if groups < take {
        end = rule_id.len();
    }
    let (id, tail) = rule_id.split_at(end);
    Some((id, tail.strip_prefix('-').unwrap_or(tail)))
}

/// Every CVE id in `text` (letters `CVE-`, digits, `-`, digits).
fn cves_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("CVE-") {
        let tail = rest.get(at..).unwrap_or_default();
        let len = tail
            .char_indices()
            .skip(4)
            .find(|(_, c)| !(c.is_ascii_digit() || *c == '-'))
            .map_or(tail.len(), |(i, _)| i);
        let id = tail.get(..len).unwrap_or_default().trim_end_matches('-');
        if split_vulnerability(id).is_some_and(|(v, _)| v == id) && id.matches('-').count() == 2 {
            out.push(id.to_owned());
        }
        rest = tail.get(4..).unwrap_or_default();
    }
    out
}

/// A field `Key: value` of a text block (Grype's rule help).
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(key)?.strip_prefix(':'))
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// A purl from a package type as scanners name it, a distro, a name and a version. `None`
/// for types whose purl needs more than the scanner says (e.g. Maven's group).
fn build_purl(ty: &str, distro: Option<&str>, name: &str, version: Option<&str>) -> Option<String> {
    let (purl_type, namespace, name) = match ty {
        "deb" | "rpm" | "apk" => (ty, Some(distro?.to_owned()), name.to_owned()),
        "npm" => match name.strip_prefix('@').and_then(|n| n.split_once('/')) {
            Some((scope, n)) => ("npm", Some(format!("@{scope}")), n.to_owned()),
            None => ("npm", None, name.to_owned()),
        },
        "python" | "pypi" => ("pypi", None, name.to_owned()),
        "gem" => ("gem", None, name.to_owned()),
        "rust-crate" | "cargo" => ("cargo", None, name.to_owned()),
        "go-module" | "golang" => match name.rsplit_once('/') {
            Some((ns, n)) => ("golang", Some(ns.to_owned()), n.to_owned()),
            None => ("golang", None, name.to_owned()),
        },
        _ => return None,
    };
    let mut p = packageurl::PackageUrl::new(purl_type, name).ok()?;
    if let Some(ns) = namespace {
        p.with_namespace(ns).ok()?;
    }
    if let Some(v) = version {
        p.with_version(v.to_owned()).ok()?;
    }
    Some(p.to_string())
}

/// The distro of a Snyk rule id (`SNYK-DEBIAN12-…` → `debian`).
fn snyk_distro(rule_id: &str) -> Option<String> {
    let seg = rule_id.split('-').nth(1)?;
    let letters: String = seg
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_lowercase();
    (!letters.is_empty()).then_some(letters)
}

fn finding_of(
    scanner: Scanner,
    rule_id: &str,
    result: &Value,
    rule: &Value,
    image: Option<String>,
) -> FindingRef {
    let text = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_owned);
    let prop = |keys: &[&str]| {
        keys.iter().find_map(|k| {
            text(result, &format!("/properties/{k}"))
                .or_else(|| text(rule, &format!("/properties/{k}")))
        })
    };
    let mut vulnerability = rule_id.to_owned();
    let mut aliases = Vec::new();
    let mut purl = prop(&["purl", "packageUrl", "package_url"]);
    match scanner {
        Scanner::Grype => {
            if let Some((id, _)) = split_vulnerability(rule_id) {
                if id != rule_id {
                    vulnerability = id.to_owned();
                    aliases.push(rule_id.to_owned());
                }
            }
            if purl.is_none() {
                let help = text(rule, "/help/text").unwrap_or_default();
                let distro = field(&help, "Data Namespace").and_then(|ns| ns.split(':').next());
                purl = match (field(&help, "Type"), field(&help, "Package")) {
                    (Some(ty), Some(name)) => build_purl(ty, distro, name, field(&help, "Version")),
                    _ => None,
                };
            }
        }
        Scanner::Snyk => {
            let desc = text(rule, "/fullDescription/text").unwrap_or_default();
            aliases.extend(cves_in(desc.split(')').next().unwrap_or_default()));
            if purl.is_none() {
                // `(CVE-…) source/binary@version`
                let pkg = desc.rsplit(") ").next().unwrap_or_default().trim();
                let (path, version) = pkg.split_once('@').unwrap_or((pkg, ""));
                let name = path.rsplit('/').next().unwrap_or(path);
                let tags: Vec<&str> = rule
                    .pointer("/properties/tags")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let ty = ["deb", "rpm", "apk", "npm", "pypi", "gem", "cargo", "golang"]
                    .into_iter()
                    .find(|t| tags.contains(t));
                if let (Some(ty), false) = (ty, name.is_empty()) {
                    purl = build_purl(
                        ty,
                        snyk_distro(rule_id).as_deref(),
                        name,
                        (!version.is_empty()).then_some(version),
                    );
                }
            }
        }
        Scanner::Trivy | Scanner::Other => {
            if let Some((id, tail)) = split_vulnerability(rule_id) {
                if id != rule_id && !tail.is_empty() {
                    vulnerability = id.to_owned();
                    aliases.push(rule_id.to_owned());
                }
            }
        }
    }
    aliases.sort();
    aliases.dedup();
    aliases.retain(|a| *a != vulnerability);
    FindingRef {
        vulnerability,
        aliases,
        purl,
        artifact: image,
        ..FindingRef::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vulnerability_ids_split_from_grype_rule_ids() {
        assert_eq!(
            split_vulnerability("CVE-2023-27103-libde265-0"),
            Some(("CVE-2023-27103", "libde265-0"))
        );
        assert_eq!(
            split_vulnerability("GHSA-abcd-efgh-ijkl-lodash"),
            Some(("GHSA-abcd-efgh-ijkl", "lodash"))
        );
        assert_eq!(
            split_vulnerability("CVE-2011-3374"),
            Some(("CVE-2011-3374", ""))
        );
        assert_eq!(split_vulnerability("SNYK-DEBIAN12-APT-1541449"), None);
        assert_eq!(
            cves_in("(CVE-2023-27103) libde265/x@1"),
            vec!["CVE-2023-27103"]
        );
        assert_eq!(
            snyk_distro("SNYK-DEBIAN12-APT-1").as_deref(),
            Some("debian")
        );
    }

    #[test]
    fn purls_from_scanner_fields() {
        assert_eq!(
            build_purl("deb", Some("debian"), "libde265-0", Some("1.0.11-1")).as_deref(),
            Some("pkg:deb/debian/libde265-0@1.0.11-1")
        );
        assert_eq!(
            build_purl("npm", None, "@types/node", Some("1.0.0")).as_deref(),
            Some("pkg:npm/%40types/node@1.0.0")
        );
        assert_eq!(build_purl("deb", None, "x", None), None);
        assert_eq!(build_purl("java-archive", None, "x", None), None);
    }
}

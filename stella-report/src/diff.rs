//! What changed between two runs: new findings, fixed ones, and status changes.

use std::collections::BTreeMap;

use crate::model::{Database, Finding, Image, Report, Status};

/// A finding present in both runs whose status after VEX changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The finding as the newer run has it.
    pub finding: Finding,
    /// Its status in the base run.
    pub from: Status,
    /// Its installed version in the base run (differs from the finding's when the package
    /// moved to another still-affected version).
    pub from_version: String,
}

/// The comparison of a run (the head) with a base run, of the same image or of two images.
///
/// Findings are matched by (vulnerability id, ecosystem, package name), so a package upgraded
/// to a version that is no longer affected shows as *fixed*, and one still affected at its new
/// version as unchanged (or as a status change). When a package is installed more than once,
/// the occurrences are paired in purl order.
///
/// ```
/// # use stella_report::{Blobs, BuildOptions, Report, Diff};
/// # use stella_core::Digest;
/// # fn report(findings: &str) -> Report {
/// #     let digest = Digest::of(findings.as_bytes()).to_string();
/// #     let run = format!(r#"{{"image_digest":"sha256:ab","image_name":"app","artifacts":[{{"kind":"findings","digest":"{digest}"}}]}}"#);
/// #     Report::build(run.as_bytes(), &Blobs::from([(digest, findings.as_bytes().to_vec())]), &BuildOptions::default()).unwrap()
/// # }
/// let f = |id: &str| format!(r#"{{"id":"{id}","package":{{"name":"a","version":"1","purl":"pkg:npm/a@1"}},"severity":{{"level":"low"}},"status":"affected"}}"#);
/// let doc = |fs: &[String]| format!(r#"{{"db":{{"date":"2024-01-01T00:00:00Z","digest":"sha256:00"}},"findings":[{}]}}"#, fs.join(","));
/// let base = report(&doc(&[f("CVE-1"), f("CVE-2")]));
/// let head = report(&doc(&[f("CVE-2"), f("CVE-3")]));
/// let diff = Diff::between(&base, &head);
/// assert_eq!(diff.new[0].id, "CVE-3");
/// assert_eq!(diff.fixed[0].id, "CVE-1");
/// assert_eq!(diff.unchanged, 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// The base run's image.
    pub base_image: Image,
    /// The base run's DB snapshot.
    pub base_database: Database,
    /// In the head, not in the base.
    pub new: Vec<Finding>,
    /// In the base, not in the head (as the base had them).
    pub fixed: Vec<Finding>,
    /// In both, with another status.
    pub changed: Vec<Change>,
    /// In both, same status.
    pub unchanged: u64,
}

type Key<'a> = (&'a str, &'a str, &'a str);

fn by_key(findings: &[Finding]) -> BTreeMap<Key<'_>, Vec<&Finding>> {
    let mut map: BTreeMap<Key<'_>, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        map.entry((f.id.as_str(), f.ecosystem.as_str(), f.package.as_str()))
            .or_default()
            .push(f);
    }
    for list in map.values_mut() {
        list.sort_by(|a, b| a.purl.cmp(&b.purl));
    }
    map
}

impl Diff {
    /// Compares `head` with `base`.
    pub fn between(base: &Report, head: &Report) -> Diff {
        let old = by_key(&base.findings);
        let new_map = by_key(&head.findings);
        let mut diff = Diff {
            base_image: base.image.clone(),
            base_database: base.database.clone(),
            new: Vec::new(),
            fixed: Vec::new(),
            changed: Vec::new(),
            unchanged: 0,
        };
        for (key, heads) in &new_map {
            let bases = old.get(key).map(Vec::as_slice).unwrap_or_default();
            for (i, h) in heads.iter().enumerate() {
                match bases.get(i) {
                    None => diff.new.push((*h).clone()),
                    Some(b) if b.status != h.status => diff.changed.push(Change {
                        finding: (*h).clone(),
                        from: b.status,
                        from_version: b.installed.clone(),
                    }),
                    Some(_) => diff.unchanged += 1,
                }
            }
        }
        for (key, bases) in &old {
            let paired = new_map.get(key).map_or(0, Vec::len);
            diff.fixed
                .extend(bases.iter().skip(paired).map(|b| (*b).clone()));
        }
        let order = |a: &Finding, b: &Finding| {
            (b.severity.rank(), &a.id, &a.purl).cmp(&(a.severity.rank(), &b.id, &b.purl))
        };
        diff.new.sort_by(order);
        diff.fixed.sort_by(order);
        diff.changed.sort_by(|a, b| order(&a.finding, &b.finding));
        diff
    }
}

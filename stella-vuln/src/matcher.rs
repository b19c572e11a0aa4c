//! Matching packages against a snapshot, and the findings it produces.
//!
//! ## What is matched with what
//! - Language packages by their OSV ecosystem ([`PackageKind::osv_ecosystem`]) and name (npm
//!   and Maven names taken from the purl: `@scope/name`, `group:artifact`).
//! - Distro packages by the ecosystem of their OS release: the one their purl's `distro`
//!   qualifier names (`distro=debian-12`, [`purl_distro`]), per component, else the image's (or
//!   SBOM's) OS release given to [`match_packages`] (`Debian:12`, `Ubuntu:22.04`
//!   and `Ubuntu:22.04:LTS`, `Alpine:v3.20`, `AlmaLinux:9`, `Rocky Linux:9`, `Wolfi`,
//!   `Chainguard`) and by their **source** package name and version (dpkg `Source:`, apk
//!   origin) when the cataloger recorded one, as distro advisories are keyed by source package.
//! - `affected[].versions` match the installed version exactly (or equal under the scheme);
//!   `ECOSYSTEM` ranges use the ecosystem's order, `SEMVER` ranges SemVer precedence (Go's
//!   rules for Go). Events are evaluated as the OSV spec's algorithm does: sorted, `introduced`
//!   opens, `fixed` closes at that version, `last_affected` closes after it.
//! - Withdrawn records never match (counted). `GIT` ranges cannot be compared with package
//!   versions: an affected entry with only GIT ranges is reported as [`ProblemKind::GitRangeOnly`]
//!   — never as "not affected".
//! - A package whose ecosystem has no ordering, or whose version (or a range event) does not
//!   parse, is reported in [`MatchReport::problems`].
//!
//! ## Aliases and the primary id
//! The records that match one package are merged when they share any id (their `id` or an
//! alias, transitively). The merged finding lists every id; its primary id is the lexically
//! smallest `CVE-` id, else the smallest `GHSA-` id, else the smallest id.
//!
//! ## Severity: the alias group
//! A finding's severity is assessed over its **alias group**: its matched records plus every
//! record of the snapshot sharing an id (`id`, `aliases`, `upstream`) with one of them,
//! transitively, through the snapshot's alias-group keys (see [`crate::snapshot`]); at most
//! [`MAX_GROUP_RECORDS`] records (a larger group is cut there and reported as
//! [`ProblemKind::AliasGroupTruncated`]). So a PYSEC record without CVSS takes the score of the
//! GitHub advisory or the NVD record of the same CVE even when that advisory's ranges do not
//! match the installed version. The group's severity is computed once per record and kept with
//! the loaded snapshot. The precedence and the recorded sources are in [`crate::severity`].
//!
//! ## Shared texts
//! A finding's strings are [`ArcStr`]s (and its id lists `Arc<[ArcStr]>`) shared with the
//! loaded snapshot's compiled records and with the other findings of the same package:
//! building or dropping a finding allocates little. They compare with `&str` and `String`,
//! dereference to `&str`, and serialize as plain JSON strings.
//!
//! ## Determinism
//! Packages are matched in parallel (rayon) but results are collected in input order and then
//! sorted: findings by (primary id, purl, installed version, first evidence path), problems by
//! (purl, kind, detail).

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;

use arcstr::ArcStr;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use stella_core::union_find::DisjointSets;
use stella_scan::{Evidence, OsRelease, Package, PackageKind, SourcePackage};

use crate::compiled::{
    CompiledAffected, CompiledEvent, CompiledRecord, EventKind, RANGE_TYPE_ALL,
    RANGE_TYPE_VERSIONS, primary_id, text_hash,
};
use crate::error::VulnError;
use crate::osv::{Affected, OsvRecord, RangeType, normalize_name};
use crate::severity::{Severity, assess};
use crate::snapshot::{Snapshot, group_ids};
use crate::version::{Scheme, Version};

/// The status of a finding; VEX changes it later (stella-vex applies statements).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// No statement yet (the default, docs/design.md §3.4).
    UnderInvestigation,
    /// A statement says the product is affected.
    Affected,
    /// A statement says the product is not affected.
    NotAffected,
    /// A statement says the vulnerability is fixed in the product.
    Fixed,
}

/// Whether the vulnerable code is reachable from the image's entrypoint; filled by the
/// entry-trace work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reachability {
    /// Not analysed (the default).
    Unknown,
    /// A chain from the entrypoint reaches the package's files.
    Reachable,
    /// No chain from the entrypoint reaches them.
    Unreachable,
}

/// The package a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingPackage {
    /// Name as installed.
    pub name: ArcStr,
    /// Installed version.
    pub version: ArcStr,
    /// purl.
    pub purl: ArcStr,
    /// Kind.
    pub kind: PackageKind,
    /// The OSV ecosystem it was matched in.
    pub ecosystem: ArcStr,
    /// The source package it was matched by, for distro packages.
    pub source: Option<SourcePackage>,
}

/// Why a record matched: the affected entry's range (or version list) that contains the
/// installed version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MatchedRange {
    /// The OSV record.
    pub record: ArcStr,
    /// `ECOSYSTEM`, `SEMVER`, `versions` (explicit list) or `all` (an entry without ranges or
    /// versions).
    pub range_type: ArcStr,
    /// The package name in the record.
    pub package: ArcStr,
    /// The version compared (the source version for distro packages).
    pub compared_version: ArcStr,
    /// The `introduced` event of the window that contains the version.
    pub introduced: Option<ArcStr>,
    /// The `fixed` event closing that window.
    pub fixed: Option<ArcStr>,
    /// The `last_affected` event closing that window.
    pub last_affected: Option<ArcStr>,
}

/// The explanation of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingEvidence {
    /// The files that show the package, with the layer that put each there.
    pub locations: Vec<Evidence>,
    /// The cataloger that found the package.
    pub cataloger: ArcStr,
    /// The matched ranges, sorted.
    pub matched: Vec<MatchedRange>,
}

/// One vulnerability in one package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The primary id (see the module docs).
    pub id: ArcStr,
    /// Every id (primary included), sorted. Shared with the snapshot when the finding comes
    /// from one record (the usual case).
    pub ids: Arc<[ArcStr]>,
    /// The OSV records merged into this finding, sorted.
    pub records: Arc<[ArcStr]>,
    /// The package.
    pub package: FindingPackage,
    /// Versions that fix it: the `fixed` event closing each matched window (the nearest fix
    /// upwards), in version order.
    pub fixed_versions: Vec<ArcStr>,
    /// Severity.
    pub severity: Severity,
    /// The summary of the primary record (else the first record with one).
    pub summary: Option<ArcStr>,
    /// The details of that record (CommonMark).
    pub details: Option<ArcStr>,
    /// Why.
    pub evidence: FindingEvidence,
    /// Status; `under_investigation` until VEX says otherwise.
    pub status: Status,
    /// Reachability; `unknown` until entry-trace fills it.
    pub reachability: Reachability,
    /// The entry-trace chain when reachable: one step per entry, entrypoint first, as
    /// `/path (how it was reached)`, ending at the package's file; empty otherwise (filled by
    /// `stella_scan::entrytrace::apply_to_findings`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trace: Vec<String>,
    /// Symbol-level evidence for a Go or Rust binary's finding: whether the binary links the
    /// vulnerable functions the records name; `None` until [`crate::symbols::apply_symbols`]
    /// fills it (only for Go-module and Rust-crate findings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbols: Option<crate::symbols::SymbolEvidence>,
}

impl Finding {
    /// The sort key of findings: (primary id, purl, installed version, first evidence path).
    pub fn sort_key(&self) -> (&str, &str, &str, &str) {
        (
            &self.id,
            &self.package.purl,
            &self.package.version,
            self.evidence
                .locations
                .first()
                .map_or("", |e| e.path.as_str()),
        )
    }
}

/// Why a package (or one record for it) could not be judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// No OSV ecosystem is known for the package (e.g. a distro package without an OS release).
    NoEcosystem,
    /// The ecosystem has no version ordering here.
    UnknownEcosystem,
    /// The installed version does not parse under the ecosystem's rules.
    UnparsableVersion,
    /// A range event of a record does not parse.
    UnparsableRange,
    /// A record names the package only through GIT ranges (commits), which cannot be compared
    /// with a package version.
    GitRangeOnly,
    /// A CVSS vector of a matched record does not parse (the finding stands; its score lacks it).
    UnparsableSeverity,
    /// The alias group of a finding has more than [`MAX_GROUP_RECORDS`] records; its severity
    /// was assessed over the first ones reached.
    AliasGroupTruncated,
}

/// A package (or record) that could not be judged; never silently "not affected".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MatchProblem {
    /// The package's purl.
    pub purl: String,
    /// What went wrong.
    pub kind: ProblemKind,
    /// The record concerned, if any.
    pub record: Option<String>,
    /// Details.
    pub detail: String,
}

/// The result of matching.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchReport {
    /// Findings, sorted by [`Finding::sort_key`].
    pub findings: Vec<Finding>,
    /// Problems, sorted.
    pub problems: Vec<MatchProblem>,
    /// Packages examined.
    pub packages: u64,
    /// Withdrawn records seen for the packages (skipped).
    pub withdrawn_skipped: u64,
}

/// The OS release a purl's `distro` qualifier names: `debian-12`, `alpine-3.20.3`,
/// `ubuntu-22.04`, `rocky-9.3`; Debian and Ubuntu codenames (`debian-bookworm`,
/// `ubuntu-jammy`) are read as their version. `None` without the qualifier or when it has no
/// `<id>-<version>` form.
///
/// ```
/// use stella_vuln::matcher::purl_distro;
/// let os = purl_distro("pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12").unwrap();
/// assert_eq!((os.id.as_str(), os.version_id.as_deref()), ("debian", Some("12")));
/// assert_eq!(purl_distro("pkg:deb/debian/bash@5.2?distro=debian-bookworm").unwrap().version_id.as_deref(), Some("12"));
/// assert!(purl_distro("pkg:npm/lodash@4.17.15").is_none());
/// ```
pub fn purl_distro(purl: &str) -> Option<OsRelease> {
    const CODENAMES: &[(&str, &str, &str)] = &[
        ("debian", "trixie", "13"),
        ("debian", "bookworm", "12"),
        ("debian", "bullseye", "11"),
        ("debian", "buster", "10"),
        ("debian", "stretch", "9"),
        ("debian", "jessie", "8"),
        ("debian", "wheezy", "7"),
        ("ubuntu", "noble", "24.04"),
        ("ubuntu", "jammy", "22.04"),
        ("ubuntu", "focal", "20.04"),
        ("ubuntu", "bionic", "18.04"),
        ("ubuntu", "xenial", "16.04"),
    ];
    let parsed = packageurl::PackageUrl::from_str(purl).ok()?;
    let distro = parsed
        .qualifiers()
        .iter()
        .find(|(k, _)| k.as_ref() == "distro")
        .map(|(_, v)| v.to_string())?;
    let (id, version) = distro.trim().rsplit_once('-')?;
    let id = id.to_ascii_lowercase();
    if id.is_empty() || version.is_empty() {
        return None;
    }
    let version = if version.starts_with(|c: char| c.is_ascii_digit()) {
        version.to_owned()
    } else {
        let lower = version.to_ascii_lowercase();
        CODENAMES
            .iter()
            .find(|(os, name, _)| *os == id && *name == lower)
            .map(|(_, _, v)| (*v).to_owned())?
    };
    Some(OsRelease {
        id,
        version_id: Some(version),
        ..OsRelease::default()
    })
}

/// OSV ecosystems for a distro package under an OS release; empty when unknown.
pub fn distro_ecosystems(kind: PackageKind, os: Option<&OsRelease>) -> Vec<String> {
    let Some(os) = os else { return Vec::new() };
    let version = os.version_id.as_deref().unwrap_or("");
    let major = version.split('.').next().unwrap_or("");
    let major_minor: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
    match (kind, os.id.as_str()) {
        (PackageKind::Deb, "debian") if !major.is_empty() => vec![format!("Debian:{major}")],
        (PackageKind::Deb, "ubuntu") if !version.is_empty() => {
            vec![format!("Ubuntu:{version}"), format!("Ubuntu:{version}:LTS")]
        }
        (PackageKind::Apk, "alpine") if !major_minor.is_empty() => {
            vec![format!("Alpine:v{major_minor}")]
        }
        (PackageKind::Apk, "wolfi") => vec!["Wolfi".to_owned()],
        (PackageKind::Apk, "chainguard") => vec!["Chainguard".to_owned()],
        (PackageKind::Rpm, "almalinux") if !major.is_empty() => {
            vec![format!("AlmaLinux:{major}")]
        }
        (PackageKind::Rpm, "rocky") if !major.is_empty() => vec![format!("Rocky Linux:{major}")],
        _ => Vec::new(),
    }
}

/// The name a package has in OSV records of its ecosystem.
fn osv_name(pkg: &Package) -> Cow<'_, str> {
    let from_purl = || packageurl::PackageUrl::from_str(&pkg.purl).ok();
    match pkg.kind {
        PackageKind::Npm => from_purl()
            .map(|p| match p.namespace() {
                Some(ns) => Cow::Owned(format!("{ns}/{}", p.name())),
                None => Cow::Owned(p.name().to_owned()),
            })
            .unwrap_or(Cow::Borrowed(&pkg.name)),
        PackageKind::Java => from_purl()
            .and_then(|p| {
                p.namespace()
                    .map(|ns| Cow::Owned(format!("{ns}:{}", p.name())))
            })
            .unwrap_or(Cow::Borrowed(&pkg.name)),
        _ => Cow::Borrowed(&pkg.name),
    }
}

/// One affected entry judged for one version.
enum Judgement {
    /// The matched ranges were appended to the caller's vector.
    Affected,
    NotAffected,
    Problem(ProblemKind, String),
}

/// The installed version of one package, parsed once per scheme it is compared under.
struct InstalledVersion {
    /// The text, shared by the matched ranges that cite it.
    text: ArcStr,
    /// [`text_hash`] of `text`.
    hash: u64,
    parsed: Vec<(Scheme, Result<Version, String>)>,
}

impl InstalledVersion {
    fn new(text: &str) -> Self {
        Self {
            text: ArcStr::from(text),
            hash: text_hash(text),
            parsed: Vec::new(),
        }
    }

    fn parse(&mut self, scheme: Scheme) -> Result<&Version, &str> {
        let at = match self.parsed.iter().position(|(s, _)| *s == scheme) {
            Some(at) => at,
            None => {
                let parsed = scheme.parse(&self.text).map_err(|e| e.to_string());
                self.parsed.push((scheme, parsed));
                self.parsed.len() - 1
            }
        };
        match self.parsed.get(at) {
            Some((_, Ok(v))) => Ok(v),
            Some((_, Err(e))) => Err(e),
            None => Err("the parsed version is missing"),
        }
    }
}

/// Judges one affected entry for the installed version, appending the matched ranges to
/// `matched` (which is left as it was unless the answer is [`Judgement::Affected`]).
fn judge(
    record: &ArcStr,
    affected: &Affected,
    compiled: &CompiledAffected,
    installed: &mut InstalledVersion,
    matched: &mut Vec<MatchedRange>,
) -> Judgement {
    let start = matched.len();
    let judgement = judge_into(record, affected, compiled, installed, matched, start);
    if !matches!(judgement, Judgement::Affected) {
        matched.truncate(start);
    }
    judgement
}

fn judge_into(
    record: &ArcStr,
    affected: &Affected,
    compiled: &CompiledAffected,
    installed: &mut InstalledVersion,
    matched: &mut Vec<MatchedRange>,
    start: usize,
) -> Judgement {
    let version = ArcStr::clone(&installed.text);
    let matched_range = |range_type: &ArcStr| MatchedRange {
        record: ArcStr::clone(record),
        range_type: ArcStr::clone(range_type),
        package: ArcStr::clone(&compiled.package),
        compared_version: ArcStr::clone(&version),
        introduced: None,
        fixed: None,
        last_affected: None,
    };
    let mut comparable = false;
    let mut problem: Option<(ProblemKind, String)> = None;
    // Explicit versions: an exact string match; equality under the scheme too when the entry
    // has no comparable ranges (otherwise the ranges, which the list enumerates, decide).
    if !affected.versions.is_empty() {
        comparable = true;
        let hash = installed.hash;
        let scheme_installed = match compiled.eco_scheme {
            Some(s) if !compiled.has_ranges => installed.parse(s).ok(),
            _ => None,
        };
        let table = &compiled.versions_by_hash;
        let from = table.partition_point(|(h, _)| *h < hash);
        let exact = table.get(from..).is_some_and(|same| {
            same.iter().take_while(|(h, _)| *h == hash).any(|(_, i)| {
                affected
                    .versions
                    .get(*i as usize)
                    .is_some_and(|v| **v == *version)
            })
        });
        let hit = exact
            || scheme_installed.is_some_and(|i| {
                compiled
                    .versions
                    .iter()
                    .flatten()
                    .any(|p| p.compare(i).is_some_and(|o| o.is_eq()))
            });
        if hit {
            matched.push(matched_range(&RANGE_TYPE_VERSIONS));
        }
    }
    for cr in &compiled.ranges {
        comparable = true;
        let scheme = match &cr.scheme {
            Ok(s) => *s,
            Err(e) => return Judgement::Problem(ProblemKind::UnknownEcosystem, e.clone()),
        };
        let installed = match installed.parse(scheme) {
            Ok(v) => v,
            Err(e) => return Judgement::Problem(ProblemKind::UnparsableVersion, e.to_owned()),
        };
        let events = match &cr.events {
            Ok(events) => events,
            Err(b) => {
                problem = Some((ProblemKind::UnparsableRange, b.clone()));
                continue;
            }
        };
        let mut vulnerable = false;
        let mut window: Option<&CompiledEvent> = None;
        let mut closing: Option<&CompiledEvent> = None;
        for e in events {
            let ge = |v: &Option<Version>| {
                v.as_ref()
                    .is_none_or(|v| installed.compare(v).is_some_and(|o| o.is_ge()))
            };
            match e.kind {
                EventKind::Introduced => {
                    if ge(&e.version) {
                        vulnerable = true;
                        window = Some(e);
                        closing = None;
                    }
                }
                EventKind::Fixed => {
                    if ge(&e.version) {
                        vulnerable = false;
                    } else if vulnerable && closing.is_none() {
                        closing = Some(e);
                    }
                }
                EventKind::LastAffected => {
                    let gt = e
                        .version
                        .as_ref()
                        .is_some_and(|v| installed.compare(v).is_some_and(|o| o.is_gt()));
                    if gt {
                        vulnerable = false;
                    } else if vulnerable && closing.is_none() {
                        closing = Some(e);
                    }
                }
                EventKind::Limit => {}
            }
        }
        if vulnerable {
            let closing_text = |kind: EventKind| {
                closing
                    .filter(|e| e.kind == kind)
                    .map(|e| ArcStr::clone(&e.text))
            };
            matched.push(MatchedRange {
                introduced: window.map(|e| ArcStr::clone(&e.text)),
                fixed: closing_text(EventKind::Fixed),
                last_affected: closing_text(EventKind::LastAffected),
                ..matched_range(&cr.range_type)
            });
        }
    }
    if matched.len() > start {
        return Judgement::Affected;
    }
    if let Some((k, d)) = problem {
        return Judgement::Problem(k, d);
    }
    if !comparable && affected.ranges.iter().any(|r| r.kind == RangeType::Git) {
        return Judgement::Problem(
            ProblemKind::GitRangeOnly,
            "the record gives only GIT (commit) ranges for this package".to_owned(),
        );
    }
    if !comparable {
        // An affected entry without ranges or versions: OSV says every version is affected.
        matched.push(matched_range(&RANGE_TYPE_ALL));
        return Judgement::Affected;
    }
    Judgement::NotAffected
}

/// A matched record with its matched ranges and the index (in the package's ecosystems) of
/// the ecosystem it matched in.
type Hit<'a> = (&'a CompiledRecord, Vec<MatchedRange>, usize);

struct PackageMatches {
    findings: Vec<Finding>,
    problems: Vec<MatchProblem>,
    withdrawn: u64,
}

/// Working space of [`match_package`], reused from one package to the next by a rayon worker
/// (it only holds capacity between packages; every use starts by clearing).
#[derive(Default)]
struct Scratch<'s> {
    index_key: Vec<u8>,
    postings: Vec<u32>,
    ranges: Vec<MatchedRange>,
    hits: Vec<Hit<'s>>,
    taken: Vec<Option<Hit<'s>>>,
    aliases: Vec<(&'s str, usize)>,
    group: DisjointSets,
    members: Vec<(usize, usize)>,
    recs: Vec<Hit<'s>>,
    all_ids: Vec<&'s ArcStr>,
    rec_refs: Vec<&'s OsvRecord>,
}

fn match_package<'s>(
    snapshot: &'s Snapshot,
    pkg: &Package,
    os: Option<&OsRelease>,
    scratch: &mut Scratch<'s>,
) -> Result<PackageMatches, VulnError> {
    let mut out = PackageMatches {
        findings: Vec::new(),
        problems: Vec::new(),
        withdrawn: 0,
    };
    let problem = |kind, record: Option<&str>, detail: String| MatchProblem {
        purl: pkg.purl.clone(),
        kind,
        record: record.map(str::to_owned),
        detail,
    };
    let is_distro = matches!(
        pkg.kind,
        PackageKind::Deb | PackageKind::Apk | PackageKind::Rpm
    );
    // The component's own OS release (its purl's `distro`) before the image's.
    let own_os = if is_distro {
        purl_distro(&pkg.purl)
    } else {
        None
    };
    let os = own_os.as_ref().or(os);
    let ecosystems: Vec<Cow<'static, str>> = match pkg.kind.osv_ecosystem() {
        Some(e) => vec![Cow::Borrowed(e)],
        None => distro_ecosystems(pkg.kind, os)
            .into_iter()
            .map(Cow::Owned)
            .collect(),
    };
    let Some(first_ecosystem) = ecosystems.first() else {
        out.problems.push(problem(
            ProblemKind::NoEcosystem,
            None,
            match os {
                Some(o) => format!(
                    "no OSV ecosystem for {:?} packages on OS {:?} {:?}",
                    pkg.kind, o.id, o.version_id
                ),
                None => format!("no OS release known for a {:?} package", pkg.kind),
            },
        ));
        return Ok(out);
    };
    let (name, version): (Cow<'_, str>, &str) = match (&pkg.source, is_distro) {
        (Some(src), true) => (Cow::Borrowed(&src.name), &src.version),
        _ => (osv_name(pkg), &pkg.version),
    };
    if let Err(e) = Scheme::for_ecosystem(first_ecosystem) {
        out.problems
            .push(problem(ProblemKind::UnknownEcosystem, None, e.to_string()));
        return Ok(out);
    }
    let Scratch {
        index_key,
        postings,
        ranges,
        hits,
        taken,
        aliases,
        group,
        members,
        recs,
        all_ids,
        rec_refs,
    } = scratch;
    // Records matched, in the order met; a record met twice (under two ecosystems) is merged
    // below.
    hits.clear();
    ranges.clear();
    let mut installed = InstalledVersion::new(version);
    for (eco_index, eco) in ecosystems.iter().enumerate() {
        let want = normalize_name(eco, &name);
        snapshot.lookup_normalized_into(eco, &want, index_key, postings)?;
        for &idx in postings.iter() {
            let compiled = snapshot.compiled(idx)?;
            let rec = compiled.record.as_ref();
            if rec.withdrawn.is_some() {
                out.withdrawn += 1;
                continue;
            }
            for (a, ca) in rec.affected.iter().zip(&compiled.affected) {
                let Some((e, n)) = &ca.key else { continue };
                if *e != **eco || *n != want {
                    continue;
                }
                match judge(&compiled.id, a, ca, &mut installed, ranges) {
                    Judgement::Affected | Judgement::NotAffected => {}
                    Judgement::Problem(kind, detail) => {
                        out.problems.push(problem(kind, Some(&rec.id), detail));
                    }
                }
            }
            if !ranges.is_empty() {
                hits.push((compiled, std::mem::take(ranges), eco_index));
            }
        }
    }
    if hits.is_empty() {
        return Ok(out);
    }
    // One hit per record id (the first ecosystem it matched in keeps it), in id order.
    hits.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    hits.dedup_by(|later, kept| {
        let same = later.0.id == kept.0.id;
        if same {
            kept.1.append(&mut later.1);
        }
        same
    });
    // Merge records sharing ids (union-find over the matched records): (alias, hit) pairs
    // sorted by alias, so hits that share an alias are neighbours.
    group.reset(hits.len());
    aliases.clear();
    aliases.extend(
        hits.iter()
            .enumerate()
            .flat_map(|(i, h)| h.0.all_ids.iter().map(move |a| (a.as_str(), i))),
    );
    aliases.sort_unstable();
    for pair in aliases.windows(2) {
        if let [(a, i), (b, j)] = pair
            && a == b
        {
            group.union(*i, *j);
        }
    }
    // (root, member) pairs in root order, members ascending: one run per group.
    members.clear();
    members.extend((0..hits.len()).map(|i| (group.find(i), i)));
    members.sort_unstable();
    // The hits in id order, each taken once by its group.
    taken.clear();
    taken.extend(hits.drain(..).map(Some));
    let mut locations = pkg.evidence.clone();
    locations.sort();
    locations.dedup();
    // The package's texts, shared by its findings.
    let shared = FindingPackage {
        name: ArcStr::from(pkg.name.as_str()),
        version: ArcStr::from(pkg.version.as_str()),
        purl: ArcStr::from(pkg.purl.as_str()),
        kind: pkg.kind,
        ecosystem: ArcStr::new(),
        source: if is_distro { pkg.source.clone() } else { None },
    };
    let cataloger = ArcStr::from(pkg.cataloger.as_str());
    let ecosystem_texts: Vec<ArcStr> = ecosystems.iter().map(|e| ArcStr::from(&**e)).collect();
    out.findings
        .reserve(members.chunk_by(|a, b| a.0 == b.0).count());
    for run in members.chunk_by(|a, b| a.0 == b.0) {
        recs.clear();
        recs.extend(
            run.iter()
                .filter_map(|(_, i)| taken.get_mut(*i).and_then(Option::take)),
        );
        let Some(ecosystem) = recs.first().and_then(|h| ecosystem_texts.get(h.2)).cloned() else {
            continue;
        };
        all_ids.clear();
        rec_refs.clear();
        let mut matched: Vec<MatchedRange> = Vec::new();
        for (rec, ranges, _) in recs.iter_mut() {
            all_ids.extend(rec.all_ids.iter());
            rec_refs.push(rec.record.as_ref());
            if matched.is_empty() {
                std::mem::swap(&mut matched, ranges);
            } else {
                matched.append(ranges);
            }
        }
        // One record (the usual case) shares what it computed when it was compiled. Hits are
        // in id order, so the records of a group are too.
        let (ids, records, primary): (Arc<[ArcStr]>, Arc<[ArcStr]>, ArcStr) = match recs.as_slice()
        {
            [(one, ..)] => (
                Arc::clone(&one.all_ids),
                Arc::clone(&one.ids_of_record),
                ArcStr::clone(&one.primary),
            ),
            _ => {
                all_ids.sort_unstable();
                all_ids.dedup();
                (
                    all_ids.iter().copied().cloned().collect(),
                    recs.iter().map(|r| ArcStr::clone(&r.0.id)).collect(),
                    primary_id(all_ids),
                )
            }
        };
        // The fixed versions of the matched ranges, sorted by version.
        let mut fixed: Vec<ArcStr> = matched.iter().filter_map(|m| m.fixed.clone()).collect();
        if fixed.len() > 1 {
            let scheme = Scheme::for_ecosystem(&ecosystem).ok();
            crate::version::sort_by_version(&mut fixed, |a, b| {
                scheme
                    .and_then(|s| s.compare(a, b).ok())
                    .unwrap_or_else(|| a.cmp(b))
                    .then_with(|| a.cmp(b))
            });
            fixed.dedup();
        }
        if matched.len() > 1 {
            matched.sort();
            matched.dedup();
        }
        // The alias group of the first record (the smallest id), assessed once per record; the
        // matched records are in it unless the snapshot has no alias keys or the group was cut.
        let Some(first) = recs.first().map(|h| h.0) else {
            continue;
        };
        let group = group_severity(snapshot, first)?;
        let covered = recs
            .iter()
            .all(|h| group.members.binary_search(&h.0.index).is_ok());
        let severity = if covered {
            group.severity.clone()
        } else {
            let mut all: Vec<&OsvRecord> = rec_refs.clone();
            for m in &group.members {
                all.push(snapshot.compiled(*m)?.record.as_ref());
            }
            all.sort_by(|a, b| a.id.cmp(&b.id));
            all.dedup_by(|a, b| a.id == b.id);
            let (severity, errors) = assess(&all);
            for e in errors {
                out.problems.push(problem(
                    ProblemKind::UnparsableSeverity,
                    Some(&primary),
                    e.to_string(),
                ));
            }
            severity
        };
        for (kind, e) in &group.problems {
            out.problems.push(problem(*kind, Some(&primary), e.clone()));
        }
        // The summary of the record whose id is the primary id, else the first with one.
        let text_rec = rec_refs
            .iter()
            .find(|r| r.id == primary && r.summary.is_some())
            .or_else(|| rec_refs.iter().find(|r| r.summary.is_some()))
            .or_else(|| rec_refs.first());
        out.findings.push(Finding {
            id: primary,
            ids,
            records,
            package: FindingPackage {
                ecosystem,
                ..shared.clone()
            },
            fixed_versions: fixed,
            severity,
            summary: text_rec.and_then(|r| r.summary.clone()),
            details: text_rec.and_then(|r| r.details.clone()),
            evidence: FindingEvidence {
                locations: locations.clone(),
                cataloger: ArcStr::clone(&cataloger),
                matched,
            },
            status: Status::UnderInvestigation,
            reachability: Reachability::Unknown,
            trace: Vec::new(),
            symbols: None,
        });
    }
    Ok(out)
}

/// Most records in one alias group (see the module docs).
pub const MAX_GROUP_RECORDS: usize = 256;

/// The severity of a record's alias group, with the group's record indices (sorted) and the
/// problems met assessing it.
pub(crate) struct GroupSeverity {
    pub(crate) severity: Severity,
    pub(crate) members: Vec<u32>,
    pub(crate) problems: Vec<(ProblemKind, String)>,
}

/// The alias group of `start` (its records reached through the snapshot's alias keys, withdrawn
/// records left out), assessed on first need and kept with the compiled record.
fn group_severity<'s>(
    snapshot: &'s Snapshot,
    start: &'s CompiledRecord,
) -> Result<&'s GroupSeverity, VulnError> {
    if let Some(done) = start.group_severity.get() {
        return Ok(done);
    }
    let mut members: Vec<u32> = vec![start.index];
    let mut queue: Vec<&'s CompiledRecord> = vec![start];
    let mut followed: std::collections::BTreeSet<&'s str> = std::collections::BTreeSet::new();
    let (mut key, mut postings) = (Vec::new(), Vec::new());
    let mut truncated = false;
    while let Some(rec) = queue.pop() {
        for id in group_ids(&rec.record) {
            if !followed.insert(id) {
                continue;
            }
            snapshot.records_sharing_id_into(id, &mut key, &mut postings)?;
            for &idx in &postings {
                if members.contains(&idx) {
                    continue;
                }
                let other = snapshot.compiled(idx)?;
                if other.record.withdrawn.is_some() {
                    continue;
                }
                if members.len() >= MAX_GROUP_RECORDS {
                    truncated = true;
                    break;
                }
                members.push(idx);
                queue.push(other);
            }
        }
    }
    members.sort_unstable();
    let records: Vec<&OsvRecord> = members
        .iter()
        .map(|m| snapshot.compiled(*m).map(|c| c.record.as_ref()))
        .collect::<Result<_, _>>()?;
    let (severity, errors) = assess(&records);
    let mut problems: Vec<(ProblemKind, String)> = errors
        .iter()
        .map(|e| (ProblemKind::UnparsableSeverity, e.to_string()))
        .collect();
    if truncated {
        problems.push((
            ProblemKind::AliasGroupTruncated,
            format!(
                "the alias group of {} has more than {MAX_GROUP_RECORDS} records",
                start.id
            ),
        ));
    }
    let made = GroupSeverity {
        severity,
        members,
        problems,
    };
    Ok(start.group_severity.get_or_init(|| made))
}

/// Matches packages against a snapshot (in parallel on the current rayon pool).
///
/// ```
/// use stella_core::Timestamp;
/// use stella_vuln::matcher::match_packages;
/// use stella_vuln::osv::parse_record;
/// use stella_vuln::snapshot::{Snapshot, SnapshotBuilder};
/// use stella_scan::{Package, PackageKind};
///
/// let mut b = SnapshotBuilder::new();
/// b.add("r", parse_record("r.json", br#"{"id":"PYSEC-1","modified":"2024-01-01T00:00:00Z",
///   "aliases":["CVE-2024-1"],"affected":[{"package":{"ecosystem":"PyPI","name":"requests"},
///   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.32.0"}]}]}]}"#).unwrap());
/// let snap = Snapshot::load(b.build(&Timestamp::parse_rfc3339("2024-06-01T00:00:00Z").unwrap()).unwrap()).unwrap();
/// let pkg = Package { name: "requests".into(), version: "2.31.0".into(), kind: PackageKind::Python,
///   purl: "pkg:pypi/requests@2.31.0".into(), licenses: vec![], cpes: vec![], source: None,
///   evidence: vec![], files: vec![], dependencies: vec![], cataloger: "python".into(),
///   metadata: Default::default(), license_acknowledgement: Default::default(), supplier: None, authors: vec![], hashes: vec![] };
/// let report = match_packages(&snap, &[pkg], None).unwrap();
/// assert_eq!(report.findings[0].id, "CVE-2024-1");
/// assert_eq!(report.findings[0].fixed_versions, vec!["2.32.0"]);
/// ```
pub fn match_packages(
    snapshot: &Snapshot,
    packages: &[Package],
    os: Option<&OsRelease>,
) -> Result<MatchReport, VulnError> {
    let results: Vec<Result<PackageMatches, VulnError>> = packages
        .par_iter()
        .map_init(Scratch::default, |scratch, p| {
            match_package(snapshot, p, os, scratch)
        })
        .collect();
    let results: Vec<PackageMatches> = results.into_iter().collect::<Result<_, _>>()?;
    let mut findings = Vec::with_capacity(results.iter().map(|r| r.findings.len()).sum());
    let mut problems = Vec::new();
    let mut withdrawn = 0;
    for r in results {
        findings.extend(r.findings);
        problems.extend(r.problems);
        withdrawn += r.withdrawn;
    }
    // Sort an index rather than the findings themselves (large structs), then move each once.
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|a, b| {
        let key = |i: &usize| findings.get(*i).map(Finding::sort_key);
        key(a).cmp(&key(b))
    });
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    let findings: Vec<Finding> = order
        .iter()
        .filter_map(|i| slots.get_mut(*i).and_then(Option::take))
        .collect();
    problems.sort();
    problems.dedup();
    Ok(MatchReport {
        findings,
        problems,
        packages: packages.len() as u64,
        withdrawn_skipped: withdrawn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::parse_record;
    use crate::snapshot::SnapshotBuilder;
    use stella_core::Timestamp;

    fn snap(records: &[&str]) -> Snapshot {
        let mut b = SnapshotBuilder::new();
        for (i, r) in records.iter().enumerate() {
            let rec = parse_record("r.json", r.as_bytes()).unwrap();
            rec.validate("r.json").unwrap();
            b.add(&i.to_string(), rec);
        }
        let date = Timestamp::parse_rfc3339("2024-01-01T00:00:00Z").unwrap();
        Snapshot::load(b.build(&date).unwrap()).unwrap()
    }

    fn py(name: &str, version: &str) -> Package {
        Package {
            name: name.into(),
            version: version.into(),
            kind: PackageKind::Python,
            purl: format!("pkg:pypi/{name}@{version}"),
            licenses: vec![],
            cpes: vec![],
            source: None,
            evidence: vec![],
            files: vec![],
            dependencies: vec![],
            cataloger: "python".into(),
            metadata: std::collections::BTreeMap::new(),
            license_acknowledgement: Default::default(),
            supplier: None,
            authors: vec![],
            hashes: vec![],
        }
    }

    const M: &str = r#""modified":"2024-01-01T00:00:00Z""#;

    #[test]
    fn version_lists_alone_match_by_scheme_equality() {
        let s = snap(&[&format!(
            r#"{{"id":"PYSEC-1",{M},"affected":[{{"package":{{"ecosystem":"PyPI","name":"a"}},"versions":["1.0"]}}]}}"#
        )]);
        let r = match_packages(&s, &[py("a", "1.0.0"), py("a", "1.1")], None).unwrap();
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].package.version, "1.0.0");
        assert_eq!(r.findings[0].evidence.matched[0].range_type, "versions");
    }

    #[test]
    fn last_affected_includes_the_version_itself() {
        let s = snap(&[&format!(
            r#"{{"id":"PYSEC-2",{M},"affected":[{{"package":{{"ecosystem":"PyPI","name":"a"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"1.0"}},{{"last_affected":"1.5"}}]}}]}}]}}"#
        )]);
        let r = match_packages(
            &s,
            &[
                py("a", "0.9"),
                py("a", "1.0"),
                py("a", "1.5"),
                py("a", "1.5.1"),
            ],
            None,
        )
        .unwrap();
        let versions: Vec<&str> = r
            .findings
            .iter()
            .map(|f| f.package.version.as_str())
            .collect();
        assert_eq!(versions, vec!["1.0", "1.5"]);
        assert_eq!(
            r.findings[0].evidence.matched[0].last_affected.as_deref(),
            Some("1.5")
        );
        assert!(r.findings[0].fixed_versions.is_empty());
    }

    #[test]
    fn git_only_ranges_are_reported_not_dropped() {
        let s = snap(&[&format!(
            r#"{{"id":"PYSEC-3",{M},"affected":[{{"package":{{"ecosystem":"PyPI","name":"a"}},"ranges":[{{"type":"GIT","repo":"https://example.com/a","events":[{{"introduced":"0"}},{{"fixed":"abcdef"}}]}}]}}]}}"#
        )]);
        let r = match_packages(&s, &[py("a", "1.0")], None).unwrap();
        assert!(r.findings.is_empty());
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].kind, ProblemKind::GitRangeOnly);
        assert_eq!(r.problems[0].record.as_deref(), Some("PYSEC-3"));
    }

    #[test]
    fn withdrawn_records_never_match_and_unparsable_events_are_reported() {
        let s = snap(&[
            &format!(
                r#"{{"id":"PYSEC-4",{M},"withdrawn":"2024-01-02T00:00:00Z","affected":[{{"package":{{"ecosystem":"PyPI","name":"a"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}}]}}]}}]}}"#
            ),
            &format!(
                r#"{{"id":"PYSEC-5",{M},"affected":[{{"package":{{"ecosystem":"PyPI","name":"a"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"not-a-version!"}}]}}]}}]}}"#
            ),
        ]);
        let r = match_packages(&s, &[py("a", "1.0")], None).unwrap();
        assert!(r.findings.is_empty());
        assert_eq!(r.withdrawn_skipped, 1);
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].kind, ProblemKind::UnparsableRange);
    }

    #[test]
    fn distros_without_an_ecosystem_are_reported() {
        let s = snap(&[]);
        let mut p = py("bash", "5.2-1.fc40");
        p.kind = PackageKind::Rpm;
        let fedora = OsRelease {
            id: "fedora".into(),
            version_id: Some("40".into()),
            ..OsRelease::default()
        };
        let r = match_packages(&s, &[p], Some(&fedora)).unwrap();
        assert_eq!(r.problems[0].kind, ProblemKind::NoEcosystem);
        assert_eq!(
            distro_ecosystems(
                PackageKind::Apk,
                Some(&OsRelease {
                    id: "alpine".into(),
                    version_id: Some("3.20.3".into()),
                    ..OsRelease::default()
                })
            ),
            vec!["Alpine:v3.20"]
        );
    }
}

//! OSV records prepared for matching: what a loaded [`Snapshot`](crate::snapshot::Snapshot)
//! keeps per record so that matching parses only the installed version. The snapshot builds
//! these ([`CompiledRecord::new`]); the matcher reads them. Neither imports the other for it.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};

use arcstr::ArcStr;

use crate::error::VulnError;
use crate::matcher::GroupSeverity;
use crate::osv::{Affected, Event, OsvRecord, RangeType, normalize_name};
use crate::version::{Scheme, Version};

fn scheme_for_range(kind: RangeType, ecosystem: &str) -> Result<Scheme, VulnError> {
    match kind {
        RangeType::Semver if ecosystem.starts_with("Go") => Ok(Scheme::Go),
        RangeType::Semver => Ok(Scheme::Npm),
        _ => Scheme::for_ecosystem(ecosystem),
    }
}

fn parse_event(scheme: Scheme, e: &Event) -> Result<Option<Version>, VulnError> {
    if matches!(e, Event::Introduced(v) if v == "0") {
        return Ok(None);
    }
    scheme.parse(e.value()).map(Some)
}

/// A record prepared for matching, once per loaded [`Snapshot`](crate::snapshot::Snapshot) (which keeps it): each affected
/// entry's (ecosystem, normalized name), its range events parsed and ordered under the range's
/// scheme, its version list parsed, and (on first need) the severity of its alias group. Matching a package then
/// parses only the installed version (once per scheme), so a snapshot that has seen a record
/// never parses its events again.
pub(crate) struct CompiledRecord {
    /// The record.
    pub(crate) record: Arc<OsvRecord>,
    /// One per `record.affected` entry, in order.
    pub(crate) affected: Vec<CompiledAffected>,
    /// The record's index in the snapshot.
    pub(crate) index: u32,
    /// The severity of the record's alias group (see [`crate::severity`]), errors as text;
    /// assessed by the matcher on first need and kept.
    pub(crate) group_severity: OnceLock<GroupSeverity>,
    /// The record's id, shared by the findings it produces.
    pub(crate) id: ArcStr,
    /// [`OsvRecord::all_ids`], shared by the findings.
    pub(crate) all_ids: Arc<[ArcStr]>,
    /// `[id]`: [`Finding::records`](crate::matcher::Finding::records) of a finding from this record alone.
    pub(crate) ids_of_record: Arc<[ArcStr]>,
    /// The primary id of a finding from this record alone.
    pub(crate) primary: ArcStr,
}

/// One affected entry prepared for matching.
pub(crate) struct CompiledAffected {
    /// (ecosystem, normalized name); `None` for an entry without a package.
    pub(crate) key: Option<(String, String)>,
    /// The package name as the record writes it (for [`MatchedRange::package`](crate::matcher::MatchedRange::package)).
    pub(crate) package: ArcStr,
    /// Whether the entry has a range that is not GIT (then its version list is not compared
    /// under the scheme: the ranges decide).
    pub(crate) has_ranges: bool,
    /// (hash of the version text, index into the entry's `versions`), sorted: the exact-text
    /// lookup is a binary search over this contiguous table, confirmed by comparing the text
    /// (PyPI records enumerate hundreds of versions; searching the strings themselves chases a
    /// pointer per probe).
    pub(crate) versions_by_hash: Vec<(u64, u32)>,
    /// The ecosystem's scheme, for the version list.
    pub(crate) eco_scheme: Option<Scheme>,
    /// The version list parsed under `eco_scheme`, aligned with `versions`; empty when the
    /// entry has comparable ranges or no scheme.
    pub(crate) versions: Vec<Option<Version>>,
    /// The entry's non-GIT ranges.
    pub(crate) ranges: Vec<CompiledRange>,
}

/// One non-GIT range prepared for matching.
pub(crate) struct CompiledRange {
    /// The range's scheme, or why there is none.
    pub(crate) scheme: Result<Scheme, String>,
    /// [`MatchedRange::range_type`](crate::matcher::MatchedRange::range_type) of a match: `SEMVER` or `ECOSYSTEM`.
    pub(crate) range_type: ArcStr,
    /// The events, sorted by version (`"0"` first, ties in the record's order); or the error of
    /// the last event that does not parse.
    pub(crate) events: Result<Vec<CompiledEvent>, String>,
}

/// One range event prepared for matching.
pub(crate) struct CompiledEvent {
    /// The version parsed under the range's scheme; `None` for `introduced: "0"`.
    pub(crate) version: Option<Version>,
    /// The event's kind.
    pub(crate) kind: EventKind,
    /// The event's text, shared by the matched ranges that cite it.
    pub(crate) text: ArcStr,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    Introduced,
    Fixed,
    LastAffected,
    Limit,
}

/// Shared texts of [`MatchedRange::range_type`](crate::matcher::MatchedRange::range_type).
pub(crate) const RANGE_TYPE_VERSIONS: ArcStr = arcstr::literal!("versions");
pub(crate) const RANGE_TYPE_ALL: ArcStr = arcstr::literal!("all");

impl CompiledRecord {
    pub(crate) fn new(index: u32, record: Arc<OsvRecord>) -> Self {
        let affected = record.affected.iter().map(CompiledAffected::new).collect();
        let all_ids: Arc<[ArcStr]> = record.all_ids().into_iter().map(ArcStr::from).collect();
        let id = all_ids
            .iter()
            .find(|i| **i == record.id)
            .cloned()
            .unwrap_or_else(|| ArcStr::from(record.id.as_str()));
        let primary = primary_id(&all_ids.iter().collect::<Vec<_>>());
        Self {
            affected,
            index,
            group_severity: OnceLock::new(),
            ids_of_record: Arc::from([ArcStr::clone(&id)]),
            id,
            primary,
            all_ids,
            record,
        }
    }
}

impl CompiledAffected {
    pub(crate) fn new(affected: &Affected) -> Self {
        let Some(p) = &affected.package else {
            return Self {
                key: None,
                package: ArcStr::from(""),
                versions_by_hash: Vec::new(),
                has_ranges: false,
                eco_scheme: None,
                versions: Vec::new(),
                ranges: Vec::new(),
            };
        };
        let eco = p.ecosystem.as_str();
        let has_ranges = affected.ranges.iter().any(|r| r.kind != RangeType::Git);
        let eco_scheme = Scheme::for_ecosystem(eco).ok();
        let mut versions_by_hash: Vec<(u64, u32)> = affected
            .versions
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((text_hash(v), u32::try_from(i).ok()?)))
            .collect();
        versions_by_hash.sort_unstable();
        let versions = match eco_scheme {
            Some(s) if !has_ranges => affected.versions.iter().map(|v| s.parse(v).ok()).collect(),
            _ => Vec::new(),
        };
        let ranges = affected
            .ranges
            .iter()
            .filter(|r| r.kind != RangeType::Git)
            .map(|range| {
                let scheme = scheme_for_range(range.kind, eco).map_err(|e| e.to_string());
                let events = match scheme {
                    Ok(scheme) => parse_events(scheme, &range.events),
                    Err(_) => Ok(Vec::new()),
                };
                CompiledRange {
                    scheme,
                    range_type: match range.kind {
                        RangeType::Semver => arcstr::literal!("SEMVER"),
                        _ => arcstr::literal!("ECOSYSTEM"),
                    },
                    events,
                }
            })
            .collect();
        Self {
            key: Some((p.ecosystem.clone(), normalize_name(eco, &p.name))),
            package: ArcStr::from(p.name.as_str()),
            versions_by_hash,
            has_ranges,
            eco_scheme,
            versions,
            ranges,
        }
    }
}

/// The hash of a version text for the exact-text lookup. Only compared within one process, and
/// every hit is confirmed by comparing the text, so a collision cannot change a result.
pub(crate) fn text_hash(text: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// A range's events parsed under `scheme` and sorted by version ("0" first; ties keep the
/// record's order), or the error of the last event that does not parse.
fn parse_events(scheme: Scheme, events: &[Event]) -> Result<Vec<CompiledEvent>, String> {
    let mut out: Vec<CompiledEvent> = Vec::with_capacity(events.len());
    let mut bad = None;
    for e in events {
        match parse_event(scheme, e) {
            Ok(version) => out.push(CompiledEvent {
                version,
                kind: match e {
                    Event::Introduced(_) => EventKind::Introduced,
                    Event::Fixed(_) => EventKind::Fixed,
                    Event::LastAffected(_) => EventKind::LastAffected,
                    Event::Limit(_) => EventKind::Limit,
                },
                text: ArcStr::from(e.value()),
            }),
            Err(err) => bad = Some(err.to_string()),
        }
    }
    if let Some(b) = bad {
        return Err(b);
    }
    // A stable sort: ties keep the record's order.
    // Never `sort_by`: some reference orders are not transitive (see `sort_by_version`).
    crate::version::sort_by_version(&mut out, |a, b| match (&a.version, &b.version) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => x.compare(y).unwrap_or(std::cmp::Ordering::Equal),
    });
    Ok(out)
}

/// `ids` sorted and without duplicates.
pub(crate) fn primary_id(ids: &[&ArcStr]) -> ArcStr {
    ids.iter()
        .find(|i| i.starts_with("CVE-"))
        .or_else(|| ids.iter().find(|i| i.starts_with("GHSA-")))
        .or_else(|| ids.first())
        .map_or_else(ArcStr::new, |i| ArcStr::clone(i))
}

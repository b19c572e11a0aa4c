//! `stella db diff OLD NEW`: what an update changes, so an operator can review it before
//! mirroring it into an air-gapped site.
//!
//! Records are compared by id: **added** (only in NEW), **removed** (only in OLD),
//! **withdrawn** (in both, and NEW sets `withdrawn` where OLD did not), **changed** (in both,
//! different JSON; with both `modified` times). Lists are sorted by id, so the same two
//! snapshots always give the same output, as JSON ([`SnapshotDiff`], canonical) or text
//! ([`SnapshotDiff::to_text`]).
//!
//! ```
//! use stella::db::diff::diff;
//! use stella_core::Timestamp;
//! use stella_vuln::osv::parse_record;
//! use stella_vuln::snapshot::{Snapshot, SnapshotBuilder};
//!
//! let snap = |docs: &[&str]| {
//!     let mut b = SnapshotBuilder::new();
//!     for d in docs { b.add("x", parse_record("x.json", d.as_bytes()).unwrap()); }
//!     Snapshot::load(b.build(&Timestamp::parse_rfc3339("2024-06-01T00:00:00Z").unwrap()).unwrap()).unwrap()
//! };
//! let old = snap(&[r#"{"id":"GO-1","modified":"2024-01-01T00:00:00Z"}"#]);
//! let new = snap(&[r#"{"id":"GO-2","modified":"2024-01-01T00:00:00Z"}"#]);
//! let d = diff(&old, &new)?;
//! assert_eq!(d.added, ["GO-2"]);
//! assert_eq!(d.removed, ["GO-1"]);
//! # Ok::<(), stella_vuln::VulnError>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use stella_core::Digest;
use stella_vuln::VulnError;
use stella_vuln::snapshot::Snapshot;

/// One side of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffSide {
    /// The snapshot digest.
    pub digest: Digest,
    /// Its date.
    pub date: String,
    /// Its record count.
    pub records: u64,
}

/// A record present in both snapshots whose JSON differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changed {
    /// The id.
    pub id: String,
    /// `modified` in OLD.
    pub old_modified: String,
    /// `modified` in NEW.
    pub new_modified: String,
}

/// The difference between two snapshots (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotDiff {
    /// OLD.
    pub old: DiffSide,
    /// NEW.
    pub new: DiffSide,
    /// Ids only in NEW.
    pub added: Vec<String>,
    /// Ids only in OLD.
    pub removed: Vec<String>,
    /// Ids NEW withdraws.
    pub withdrawn: Vec<String>,
    /// Records whose JSON changed (withdrawn ones included).
    pub changed: Vec<Changed>,
}

fn ids(s: &Snapshot) -> Result<BTreeMap<String, u32>, VulnError> {
    let mut out = BTreeMap::new();
    for i in 0..u32::try_from(s.len()).unwrap_or(u32::MAX) {
        out.insert(s.record(i)?.id.clone(), i);
    }
    Ok(out)
}

fn side(s: &Snapshot) -> DiffSide {
    DiffSide {
        digest: s.digest(),
        date: s.info().date.clone(),
        records: s.info().records,
    }
}

/// Compares two snapshots record by record.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Result<SnapshotDiff, VulnError> {
    let (a, b) = (ids(old)?, ids(new)?);
    let mut d = SnapshotDiff {
        old: side(old),
        new: side(new),
        added: b.keys().filter(|k| !a.contains_key(*k)).cloned().collect(),
        removed: a.keys().filter(|k| !b.contains_key(*k)).cloned().collect(),
        withdrawn: Vec::new(),
        changed: Vec::new(),
    };
    for (id, &i) in &a {
        let Some(&j) = b.get(id) else { continue };
        if old.record_json(i)? == new.record_json(j)? {
            continue;
        }
        let (ra, rb) = (old.record(i)?, new.record(j)?);
        if ra.withdrawn.is_none() && rb.withdrawn.is_some() {
            d.withdrawn.push(id.clone());
        }
        d.changed.push(Changed {
            id: id.clone(),
            old_modified: ra.modified.clone(),
            new_modified: rb.modified.clone(),
        });
    }
    Ok(d)
}

impl SnapshotDiff {
    /// Whether the two snapshots hold the same records.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// Canonical JSON (RFC 8785).
    pub fn to_json(&self) -> Result<Vec<u8>, stella_core::CoreError> {
        stella_core::canonical::to_canonical_vec(self)
    }

    /// Text for people: a summary line, then `+ id`, `- id`, `! id` (withdrawn), `~ id
    /// old-modified -> new-modified`, each group sorted by id.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "old {} ({}, {} records)\nnew {} ({}, {} records)\n{} added, {} removed, {} withdrawn, {} changed\n",
            self.old.digest,
            self.old.date,
            self.old.records,
            self.new.digest,
            self.new.date,
            self.new.records,
            self.added.len(),
            self.removed.len(),
            self.withdrawn.len(),
            self.changed.len()
        );
        for id in &self.added {
            out.push_str(&format!("+ {id}\n"));
        }
        for id in &self.removed {
            out.push_str(&format!("- {id}\n"));
        }
        for id in &self.withdrawn {
            out.push_str(&format!("! {id}\n"));
        }
        for c in &self.changed {
            out.push_str(&format!(
                "~ {} {} -> {}\n",
                c.id, c.old_modified, c.new_modified
            ));
        }
        out
    }
}

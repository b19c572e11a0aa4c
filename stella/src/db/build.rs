//! Building a snapshot from several feeds, recording each source in the snapshot header.
//!
//! A [`DbBuild`] takes sources of every [`FeedKind`] from the filesystem ([`DbBuild::add_path`])
//! or as fetched bytes ([`DbBuild::add_document`], used by `stella db update`), and
//! [`DbBuild::finish`] writes the snapshot. Each source becomes a
//! [`SnapshotSource`] in the header: its feed, name, SHA-256 (a directory's covers its sorted
//! `digest  path` listing) and date, and the records it gave.
//!
//! Dates: the snapshot date is the caller's (`--date`), else the latest `modified` of the
//! records that carry one (OSV, GHSA, CSAF). Debian's tracker and Alpine's secdb carry no
//! dates; their records are dated with the snapshot date, so they are imported last, once it
//! is known. A source's own date is the latest `modified` of its records, or the date it was
//! fetched when the caller gives one (HTTP `Last-Modified`), else the snapshot date.

use std::collections::BTreeMap;
use std::path::Path;

use stella_core::{Digest, Timestamp};
use stella_vuln::feeds::{
    FeedKind, FeedLimits, FeedRecords, FeedStats, alpine, csaf, debian, ghsa,
};
use stella_vuln::import::{ImportMode, Importer};
use stella_vuln::osv::ImportStats;
use stella_vuln::snapshot::SnapshotSource;

use super::{DbImportError, import_source, io, walk};
use crate::files::{MAX_INPUT_BYTES, read_regular, read_regular_no_follow};

/// A snapshot being built from feeds.
///
/// ```
/// use stella::db::build::DbBuild;
/// use stella_vuln::feeds::FeedKind;
/// use stella_vuln::import::ImportMode;
/// use stella_vuln::snapshot::Snapshot;
///
/// let mut b = DbBuild::new(ImportMode::Strict, None);
/// b.add_document(FeedKind::Alpine, "v3.20/main.json",
///     br#"{"distroversion":"v3.20","packages":[{"pkg":{"name":"zlib","secfixes":{"1.3.1-r0":["CVE-2023-45853"]}}}]}"#,
///     None)?;
/// b.add_document(FeedKind::Osv, "GO-1.json",
///     br#"{"id":"GO-1","modified":"2024-05-01T00:00:00Z"}"#, None)?;
/// let built = b.finish()?;
/// let snap = Snapshot::load(built.snapshot)?;
/// assert_eq!(snap.info().date, "2024-05-01T00:00:00Z");
/// assert_eq!(snap.info().sources.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct DbBuild {
    importer: Importer,
    feeds: FeedRecords,
    limits: FeedLimits,
    date: Option<Timestamp>,
    sources: Vec<PendingSource>,
    /// Documents of date-less feeds, imported in `finish` once the date is known.
    deferred: Vec<(usize, FeedKind, String, Vec<u8>)>,
    /// Per open tree: (path, digest, own date) of its files.
    tree_listing: BTreeMap<usize, Vec<(String, Digest, Option<String>)>>,
}

/// A many-file source being added ([`DbBuild::begin_tree`]).
#[derive(Debug)]
pub struct Tree {
    index: usize,
    feed: FeedKind,
    before: u64,
    latest: Option<String>,
}

#[derive(Debug)]
struct PendingSource {
    feed: FeedKind,
    name: String,
    digest: Digest,
    date: Option<String>,
    records: u64,
}

/// A finished build.
#[derive(Debug)]
pub struct Built {
    /// The snapshot bytes.
    pub snapshot: Vec<u8>,
    /// The OSV import's statistics (rejected records in lenient mode, duplicates).
    pub osv: ImportStats,
    /// The other feeds' statistics.
    pub feeds: FeedStats,
}

impl DbBuild {
    /// A build; `date` is the snapshot date, `None` to take the latest `modified`.
    pub fn new(mode: ImportMode, date: Option<Timestamp>) -> Self {
        Self {
            importer: Importer::new(mode),
            feeds: FeedRecords::new(),
            limits: FeedLimits::default(),
            date,
            sources: Vec::new(),
            deferred: Vec::new(),
            tree_listing: BTreeMap::new(),
        }
    }

    fn records_now(&self) -> u64 {
        self.importer.builder().len() as u64
            + self.importer.stats().duplicates
            + self.feeds.len() as u64
    }

    /// Adds a source of `feed` from the filesystem: an OSV file, archive or tree; a GHSA tree
    /// (the repository's root or any directory above `advisories/`); a Debian tracker JSON
    /// file; an Alpine secdb file or a tree of `<branch>/<repo>.json|yaml`; a CSAF document or a
    /// tree of them. Directories are walked in sorted order, symbolic links not followed.
    /// The source is recorded under its file or directory name (not the whole path), so the
    /// same sources in two places give the same snapshot.
    pub fn add_path(&mut self, feed: FeedKind, path: &Path) -> Result<(), DbImportError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let meta = std::fs::metadata(path).map_err(io(path))?;
        if !meta.is_dir() {
            let bytes = read_regular(path, MAX_INPUT_BYTES).map_err(io(path))?;
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if feed == FeedKind::Osv {
                // Archives and single documents, as `import_source` reads them.
                let before = self.records_now();
                import_source(&mut self.importer, path)?;
                let records = self.records_now() - before;
                self.sources.push(PendingSource {
                    feed,
                    name,
                    digest: Digest::of(&bytes),
                    date: None,
                    records,
                });
                return Ok(());
            }
            return self.add_named(feed, &name, &file_name, &bytes, None);
        }
        let mut files = Vec::new();
        walk(path, path, &mut files)?;
        files.sort();
        let tree = self.begin_tree(feed, &name, None);
        for rel in &files {
            let full = path.join(rel);
            let bytes = read_regular_no_follow(&full, MAX_INPUT_BYTES).map_err(io(&full))?;
            self.tree_file(&tree, rel, bytes)?;
        }
        self.end_tree(tree);
        Ok(())
    }

    /// Starts a source made of many files (a directory, a tarball, a CSAF provider's
    /// directory): one [`SnapshotSource`] whose digest covers the sorted `digest  path`
    /// listing of its files.
    pub fn begin_tree(&mut self, feed: FeedKind, name: &str, date: Option<String>) -> Tree {
        let index = self.sources.len();
        self.sources.push(PendingSource {
            feed,
            name: name.to_owned(),
            digest: Digest::of(b""),
            date,
            records: 0,
        });
        Tree {
            index,
            feed,
            before: self.records_now(),
            latest: None,
        }
    }

    /// Adds one file of a tree by its path in it. OSV: `.zip` exports and OSV documents;
    /// GHSA: files of the published layout (others are counted as skipped); CSAF: `.json`
    /// documents; Debian, Alpine: `.json` (and Alpine `.yaml`) files.
    pub fn tree_file(
        &mut self,
        tree: &Tree,
        rel: &str,
        bytes: Vec<u8>,
    ) -> Result<(), DbImportError> {
        let mut tree_latest = None;
        let lower = rel.to_ascii_lowercase();
        match tree.feed {
            FeedKind::Osv => {
                if lower.ends_with(".zip") {
                    self.importer.add_zip(rel, &bytes)?;
                } else {
                    self.importer.add_document(rel, &bytes)?;
                }
            }
            FeedKind::Ghsa => ghsa::import_file(rel, &bytes, &self.limits, &mut self.feeds)?,
            FeedKind::Csaf => {
                if lower.ends_with(".json") {
                    tree_latest = self.import_csaf(rel, &bytes)?;
                }
            }
            FeedKind::Debian | FeedKind::Alpine => {
                if lower.ends_with(".json")
                    || (tree.feed == FeedKind::Alpine
                        && (lower.ends_with(".yaml") || lower.ends_with(".yml")))
                {
                    self.deferred
                        .push((tree.index, tree.feed, rel.to_owned(), bytes.clone()));
                }
            }
        }
        self.tree_listing.entry(tree.index).or_default().push((
            rel.to_owned(),
            Digest::of(&bytes),
            tree_latest,
        ));
        Ok(())
    }

    /// Ends a tree: its digest, record count and date.
    pub fn end_tree(&mut self, tree: Tree) {
        let mut files = self.tree_listing.remove(&tree.index).unwrap_or_default();
        files.sort();
        let mut listing = String::new();
        let mut latest: Option<String> = tree.latest;
        for (rel, digest, date) in files {
            listing.push_str(&format!("{}  {rel}\n", digest.hex()));
            latest = latest.max(date);
        }
        let records = self.records_now() - tree.before;
        if let Some(s) = self.sources.get_mut(tree.index) {
            s.digest = Digest::of(listing.as_bytes());
            s.records = records;
            if s.date.is_none() {
                s.date = latest;
            }
        }
    }

    fn import_csaf(&mut self, name: &str, bytes: &[u8]) -> Result<Option<String>, DbImportError> {
        csaf::import(name, bytes, &self.limits, &mut self.feeds)?;
        Ok(csaf_date(bytes))
    }

    /// Adds one fetched document of `feed` by name: an OSV document or `all.zip`, a GHSA file
    /// by its path in the tree, a Debian tracker JSON, an Alpine secdb file or a CSAF document.
    /// `date` is the source's own date when known (HTTP `Last-Modified`, RFC 3339).
    pub fn add_document(
        &mut self,
        feed: FeedKind,
        name: &str,
        bytes: &[u8],
        date: Option<String>,
    ) -> Result<(), DbImportError> {
        self.add_named(feed, name, name, bytes, date)
    }

    fn add_named(
        &mut self,
        feed: FeedKind,
        recorded: &str,
        name: &str,
        bytes: &[u8],
        date: Option<String>,
    ) -> Result<(), DbImportError> {
        let before = self.records_now();
        let index = self.sources.len();
        let mut own_date = date;
        match feed {
            FeedKind::Osv => {
                if name.to_ascii_lowercase().ends_with(".zip") {
                    self.importer.add_zip(name, bytes)?;
                } else {
                    self.importer.add_document(name, bytes)?;
                }
            }
            FeedKind::Ghsa => ghsa::import_file(name, bytes, &self.limits, &mut self.feeds)?,
            FeedKind::Csaf => {
                let d = self.import_csaf(name, bytes)?;
                own_date = own_date.or(d);
            }
            FeedKind::Debian | FeedKind::Alpine => {
                self.deferred
                    .push((index, feed, name.to_owned(), bytes.to_vec()));
            }
        }
        let records = self.records_now() - before;
        self.sources.push(PendingSource {
            feed,
            name: recorded.to_owned(),
            digest: Digest::of(bytes),
            date: own_date,
            records,
        });
        Ok(())
    }

    /// Adds NVD CVE data (an API 2.0 response, a 2.0 feed file, one CVE, or a directory of
    /// them) as a severity source for CVE aliases; see [`super::import_nvd_source`]. NVD
    /// records name no affected packages, so they never match on their own.
    pub fn add_nvd_path(&mut self, path: &Path) -> Result<(), DbImportError> {
        super::import_nvd_source(&mut self.importer, path)
    }

    /// Writes the snapshot (see the module docs for the dates).
    pub fn finish(mut self) -> Result<Built, DbImportError> {
        let date = match self.date {
            Some(d) => d,
            None => {
                let feed_latest = self
                    .feeds
                    .latest_modified()
                    .and_then(|m| Timestamp::parse_rfc3339(&m).ok());
                let osv_latest = self
                    .importer
                    .builder()
                    .latest_modified()
                    .and_then(|m| Timestamp::parse_rfc3339(&m).ok());
                match (feed_latest, osv_latest) {
                    (Some(a), Some(b)) => {
                        if a.unix_nanos() >= b.unix_nanos() {
                            a
                        } else {
                            b
                        }
                    }
                    (Some(a), None) | (None, Some(a)) => a,
                    (None, None) => return Err(DbImportError::NoDate),
                }
            }
        };
        let date_text = date.to_rfc3339();
        for (index, feed, name, bytes) in std::mem::take(&mut self.deferred) {
            let before = self.feeds.len();
            match feed {
                FeedKind::Debian => {
                    debian::import(&name, &bytes, &date_text, &self.limits, &mut self.feeds)?
                }
                _ => alpine::import(&name, &bytes, &date_text, &self.limits, &mut self.feeds)?,
            }
            if let Some(s) = self.sources.get_mut(index) {
                s.records += (self.feeds.len() - before) as u64;
            }
        }
        let feed_stats = self.feeds.stats().clone();
        let records = std::mem::take(&mut self.feeds).into_records()?;
        let builder = self.importer.builder_mut();
        for r in records {
            builder.add("feed", r);
        }
        for s in self.sources {
            builder.add_source(SnapshotSource {
                feed: s.feed.name().to_owned(),
                name: s.name,
                digest: s.digest,
                date: s.date.unwrap_or_else(|| date_text.clone()),
                records: s.records,
            });
        }
        let snapshot = self.importer.builder().build(&date)?;
        Ok(Built {
            snapshot,
            osv: self.importer.stats().clone(),
            feeds: feed_stats,
        })
    }
}

/// `tracking.current_release_date` of a CSAF document, RFC 3339.
fn csaf_date(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Doc {
        document: Inner,
    }
    #[derive(serde::Deserialize)]
    struct Inner {
        tracking: Tracking,
    }
    #[derive(serde::Deserialize)]
    struct Tracking {
        current_release_date: String,
    }
    let d: Doc = serde_json::from_slice(bytes).ok()?;
    Timestamp::parse_rfc3339(&d.document.tracking.current_release_date)
        .ok()
        .map(|t| t.to_rfc3339())
}

//! RPM packages from the rpm database, in each of its three formats, looked for where rpm
//! keeps it (`var/lib/rpm/`, `usr/lib/sysimage/rpm/`) and read in rpm's own order of
//! preference when an image holds more than one (rpm's `dbDetectBackend`: sqlite, ndb,
//! Berkeley DB):
//!
//! - `rpmdb.sqlite` of current Fedora / RHEL 9+ / UBI 9+ / Rocky / Alma / Amazon Linux 2023 /
//!   openSUSE, in WAL mode since rpm 4.16, with the committed frames of the
//!   `rpmdb.sqlite-wal` beside it folded in as SQLite folds them ([`apply_wal`]);
//! - `Packages.db`, SUSE's ndb ([`read_ndb`]);
//! - `Packages`, the Berkeley DB hash database of RHEL/CentOS ≤ 8, Amazon Linux 2 and older
//!   SUSE, parsed directly, both byte orders ([`read_bdb`]).
//!
//! Each yields the same RPM header blobs, parsed by [`parse_header`].
//!
//! An `rpmdb.sqlite` is opened in memory, read-only, with SQLite itself (`rusqlite`,
//! bundled, `serialize` feature for `sqlite3_deserialize`): SQLite is the reference reader of
//! its own format and is hardened against corrupt files, which a hand-written b-tree reader
//! would have to earn; no file is opened, so the crate stays free of IO.
//!
//! The database is untrusted, and SQL in its schema runs when it is queried (a `Packages`
//! *view* over an endless recursive query ran forever and filled the host's temp directory).
//! So the connection is defensive (`SQLITE_DBCONFIG_DEFENSIVE`), trusts no function in the
//! schema (`trusted_schema` off), has views and triggers disabled, keeps temporary data in
//! memory (`temp_store = MEMORY`, nothing written to disk), caps string and blob lengths, and
//! runs under a progress handler that stops any statement after [`MAX_SQLITE_STEPS`] virtual
//! machine steps; before the query, the schema must hold no view or trigger and `Packages`
//! must be a plain table whose columns are stored, not generated. (SQLite's heap limits,
//! `sqlite3_hard_heap_limit64`, are process-wide and need `unsafe`; the checks above bound
//! memory instead: the one query reads a plain table of a database already in memory.)
//!
//! The file list of a header is expanded from directory indexes (one directory name shared
//! by many files), so its size is bounded as expanded: at most [`MAX_FILES_EXPANSION`] times
//! the header's size (or 4 MiB for a small header). Each header blob (a row of the sqlite
//! `Packages` table, an ndb blob, a Berkeley DB value) is an RPM header (`il`, `dl`, `il` 16-byte index entries, data store);
//! we read NAME, VERSION, RELEASE, EPOCH, ARCH, LICENSE, VENDOR, SOURCERPM, the file list
//! (DIRNAMES / BASENAMES / DIRINDEXES), REQUIRENAME and PROVIDENAME.

use std::collections::BTreeMap;

use crate::error::{CatalogProblem, ScanError};
use crate::package::{CatalogInput, Cataloger, Package, PackageKind, SourcePackage};

use super::util::{cpe, distro_qualifier, err, evidence, finish, license, package, purl};

mod bdb;
mod ndb;
mod wal;

pub use bdb::read_bdb;
pub use ndb::read_ndb;
pub use wal::apply_wal;

const NAME: &str = "rpm";
/// The directories rpm keeps its database in (`%_dbpath`).
const DB_DIRS: [&str; 2] = ["var/lib/rpm/", "usr/lib/sysimage/rpm/"];
const SQLITE: &str = "rpmdb.sqlite";
const WAL_SUFFIX: &str = "-wal";
const NDB: &str = "Packages.db";
const BDB: &str = "Packages";

/// An rpm database format, in rpm's order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Format {
    Sqlite,
    Ndb,
    Bdb,
}

/// The format of the database at `path`, if it is one (a `-wal` log is not).
fn format(path: &str) -> Option<Format> {
    let name = DB_DIRS.iter().find_map(|d| path.strip_prefix(d))?;
    match name {
        SQLITE => Some(Format::Sqlite),
        NDB => Some(Format::Ndb),
        BDB => Some(Format::Bdb),
        _ => None,
    }
}

/// Whether `path` is the write-ahead log of an `rpmdb.sqlite`.
fn is_wal(path: &str) -> bool {
    path.strip_suffix(WAL_SUFFIX)
        .is_some_and(|db| format(db) == Some(Format::Sqlite))
}
/// Largest header blob read (rpm itself caps headers at 256 MiB; real ones are < 1 MiB).
const MAX_HEADER: usize = 64 << 20;
/// How many times its header's size the expanded file list of a package may be (a directory
/// name stored once stands for every file in it: real headers expand 2-5 times, a package of
/// many short names in deep directories up to ~17).
pub const MAX_FILES_EXPANSION: usize = 32;
/// The expanded file list a header of any size may have.
const MIN_FILES_BUDGET: usize = 4 << 20;
/// Virtual machine steps any one statement on an `rpmdb.sqlite` may take. Reading the
/// `Packages` table of a real database takes some 10 steps a package (a few 10 000 in all);
/// 10^8 steps take about a second.
pub const MAX_SQLITE_STEPS: u64 = 100_000_000;
/// How often (in steps) the progress handler runs.
const SQLITE_STEP_GRANULARITY: u64 = 1000;

/// The RPM cataloger (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct RpmCataloger;

/// What one RPM header says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RpmHeader {
    /// NAME.
    pub name: String,
    /// VERSION.
    pub version: String,
    /// RELEASE.
    pub release: String,
    /// EPOCH, when set.
    pub epoch: Option<u32>,
    /// ARCH.
    pub arch: String,
    /// LICENSE.
    pub license: Option<String>,
    /// VENDOR.
    pub vendor: Option<String>,
    /// SOURCERPM (`name-version-release.src.rpm`).
    pub source_rpm: Option<String>,
    /// Owned files, from DIRNAMES / BASENAMES / DIRINDEXES (no leading `/`).
    pub files: Vec<String>,
    /// REQUIRENAME.
    pub requires: Vec<String>,
    /// PROVIDENAME.
    pub provides: Vec<String>,
}

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_VENDOR: u32 = 1011;
const TAG_LICENSE: u32 = 1014;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;
const TAG_PROVIDENAME: u32 = 1047;
const TAG_REQUIRENAME: u32 = 1049;
const TAG_DIRINDEXES: u32 = 1116;
const TAG_BASENAMES: u32 = 1117;
const TAG_DIRNAMES: u32 = 1118;

/// The tags [`parse_header`] reads.
const READ_TAGS: [u32; 13] = [
    TAG_NAME,
    TAG_VERSION,
    TAG_RELEASE,
    TAG_EPOCH,
    TAG_VENDOR,
    TAG_LICENSE,
    TAG_ARCH,
    TAG_SOURCERPM,
    TAG_PROVIDENAME,
    TAG_REQUIRENAME,
    TAG_DIRINDEXES,
    TAG_BASENAMES,
    TAG_DIRNAMES,
];

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// The `u32` at `at` of `b` in the given byte order (shared by every rpm database format).
fn u32_at(b: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(s)
    } else {
        u32::from_le_bytes(s)
    })
}

/// Header blobs are big-endian.
fn be32(b: &[u8], at: usize) -> Option<u32> {
    u32_at(b, at, true)
}

/// `count` NUL-terminated strings starting at `offset` of the data store.
fn strings(store: &[u8], offset: usize, count: usize) -> Option<Vec<String>> {
    let mut out = Vec::with_capacity(count.min(4096));
    let mut pos = offset;
    for _ in 0..count {
        let rest = store.get(pos..)?;
        let end = rest.iter().position(|b| *b == 0)?;
        out.push(String::from_utf8_lossy(rest.get(..end)?).into_owned());
        pos = pos.checked_add(end + 1)?;
    }
    Some(out)
}

fn ints(store: &[u8], offset: usize, count: usize) -> Option<Vec<u32>> {
    (0..count)
        .map(|i| be32(store, offset.checked_add(i.checked_mul(4)?)?))
        .collect()
}

/// Parses one header blob as stored in `rpmdb.sqlite` (no lead, no magic).
pub fn parse_header(path: &str, blob: &[u8]) -> Result<RpmHeader, ScanError> {
    let bad = |problem: &'static str| err(NAME, path, CatalogProblem::RpmHeader { problem });
    if blob.len() > MAX_HEADER {
        return Err(bad("larger than 64 MiB"));
    }
    let il = be32(blob, 0).ok_or_else(|| bad("truncated"))? as usize;
    let dl = be32(blob, 4).ok_or_else(|| bad("truncated"))? as usize;
    let index_end = il
        .checked_mul(16)
        .and_then(|n| n.checked_add(8))
        .ok_or_else(|| bad("index count overflows"))?;
    let store = blob
        .get(
            index_end
                ..index_end
                    .checked_add(dl)
                    .ok_or_else(|| bad("size overflows"))?,
        )
        .ok_or_else(|| bad("index or data store past the end of the blob"))?;
    let mut h = RpmHeader::default();
    let mut dirnames = Vec::new();
    let mut basenames = Vec::new();
    let mut dirindexes = Vec::new();
    // Each tag read is read once: entries repeating a tag (all pointing at the same large
    // region of the store) would otherwise cost `il` times the store.
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..il {
        let at = 8 + i * 16;
        let (Some(tag), Some(ty), Some(offset), Some(count)) = (
            be32(blob, at),
            be32(blob, at + 4),
            be32(blob, at + 8),
            be32(blob, at + 12),
        ) else {
            return Err(bad("truncated index entry"));
        };
        let (offset, count) = (offset as usize, count as usize);
        if count > dl {
            return Err(bad("entry count larger than the data store"));
        }
        if READ_TAGS.contains(&tag) && !seen.insert(tag) {
            return Err(bad("a tag listed twice"));
        }
        let str_one = || -> Result<String, ScanError> {
            match ty {
                TYPE_STRING | TYPE_I18NSTRING | TYPE_STRING_ARRAY => strings(store, offset, 1)
                    .and_then(|mut v| v.pop())
                    .ok_or_else(|| bad("string past the data store")),
                _ => Err(bad("expected a string")),
            }
        };
        let str_all = || -> Result<Vec<String>, ScanError> {
            if ty != TYPE_STRING_ARRAY {
                return Err(bad("expected a string array"));
            }
            strings(store, offset, count).ok_or_else(|| bad("string array past the data store"))
        };
        match tag {
            TAG_NAME => h.name = str_one()?,
            TAG_VERSION => h.version = str_one()?,
            TAG_RELEASE => h.release = str_one()?,
            TAG_ARCH => h.arch = str_one()?,
            TAG_LICENSE => h.license = Some(str_one()?),
            TAG_VENDOR => h.vendor = Some(str_one()?),
            TAG_SOURCERPM => h.source_rpm = Some(str_one()?),
            TAG_EPOCH if ty == TYPE_INT32 => {
                h.epoch = ints(store, offset, 1).and_then(|v| v.first().copied());
            }
            TAG_PROVIDENAME => h.provides = str_all()?,
            TAG_REQUIRENAME => h.requires = str_all()?,
            TAG_DIRNAMES => dirnames = str_all()?,
            TAG_BASENAMES => basenames = str_all()?,
            TAG_DIRINDEXES if ty == TYPE_INT32 => {
                dirindexes =
                    ints(store, offset, count).ok_or_else(|| bad("DIRINDEXES past the store"))?;
            }
            _ => {}
        }
    }
    if h.name.is_empty() || h.version.is_empty() {
        return Err(bad("no NAME or VERSION"));
    }
    // The expanded list is a product (files × directory name length): bound it before
    // building it.
    let budget = blob
        .len()
        .saturating_mul(MAX_FILES_EXPANSION)
        .max(MIN_FILES_BUDGET);
    let mut expanded = 0usize;
    for (base, di) in basenames.iter().zip(&dirindexes) {
        if let Some(dir) = dirnames.get(*di as usize) {
            expanded = expanded.saturating_add(dir.len() + base.len());
            if expanded > budget {
                return Err(ScanError::LimitExceeded {
                    limit: "rpm expanded file list bytes",
                    max: budget as u64,
                    actual: expanded as u64,
                    input: format!("{NAME}: {path}: header of {}", h.name),
                });
            }
        }
    }
    h.files.reserve(basenames.len().min(dirindexes.len()));
    for (base, di) in basenames.iter().zip(&dirindexes) {
        if let Some(dir) = dirnames.get(*di as usize) {
            let full = format!("{dir}{base}");
            h.files.push(full.trim_start_matches('/').to_owned());
        }
    }
    Ok(h)
}

/// Reads every header blob of the `Packages` table of an in-memory `rpmdb.sqlite`, on a
/// hardened connection (see the module docs): a database whose schema holds a view or a
/// trigger, or whose `Packages` is not a plain table, is refused before it is queried, and a
/// statement that runs past [`MAX_SQLITE_STEPS`] is stopped with
/// [`ScanError::LimitExceeded`].
pub fn read_sqlite(path: &str, db: &[u8]) -> Result<Vec<Vec<u8>>, ScanError> {
    read_sqlite_wal(path, db, None)
}

/// [`read_sqlite`] of the database SQLite sees in `db` and the `-wal` log beside it, if any
/// (see [`apply_wal`]): a WAL-mode database (rpm ≥ 4.16) opens from memory, and the
/// transactions still in its log are read.
pub fn read_sqlite_wal(
    path: &str,
    db: &[u8],
    wal: Option<&[u8]>,
) -> Result<Vec<Vec<u8>>, ScanError> {
    let image = apply_wal(path, db, wal)?;
    let mut conn = open_hardened(path, &image)?;
    check_schema(path, &conn)?;
    let steps = step_budget(&mut conn, path)?;
    let sql = |e: rusqlite::Error| sqlite_err(path, &steps, e);
    let mut stmt = conn
        .prepare("SELECT blob FROM Packages ORDER BY hnum")
        .map_err(sql)?;
    let rows = stmt
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .map_err(sql)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(sql)
}

/// An in-memory, read-only, defensive connection over the database bytes.
fn open_hardened(path: &str, db: &[u8]) -> Result<rusqlite::Connection, ScanError> {
    use rusqlite::config::DbConfig;
    use rusqlite::limits::Limit;
    let sql = |e: rusqlite::Error| err(NAME, path, CatalogProblem::Sqlite(e));
    let mut conn = rusqlite::Connection::open_in_memory().map_err(sql)?;
    for (config, on) in [
        (DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true),
        (DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false),
        (DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false),
        (DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false),
    ] {
        conn.set_db_config(config, on).map_err(sql)?;
    }
    // Nothing the database holds is longer than the largest header we read.
    let length = i32::try_from(MAX_HEADER + 1024).unwrap_or(i32::MAX);
    for (limit, value) in [
        (Limit::SQLITE_LIMIT_LENGTH, length),
        (Limit::SQLITE_LIMIT_SQL_LENGTH, 1 << 20),
        (Limit::SQLITE_LIMIT_EXPR_DEPTH, 100),
        (Limit::SQLITE_LIMIT_COMPOUND_SELECT, 16),
        (Limit::SQLITE_LIMIT_ATTACHED, 0),
    ] {
        conn.set_limit(limit, value).map_err(sql)?;
    }
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(sql)?;
    conn.deserialize_read_exact(rusqlite::MAIN_DB, db, db.len(), true)
        .map_err(sql)?;
    Ok(conn)
}

/// Refuses a schema with views or triggers, and a `Packages` that is not a plain table with
/// stored `hnum` and `blob` columns. Reading the schema runs none of its SQL.
fn check_schema(path: &str, conn: &rusqlite::Connection) -> Result<(), ScanError> {
    let sql = |e: rusqlite::Error| err(NAME, path, CatalogProblem::Sqlite(e));
    let refuse = |problem: CatalogProblem| err(NAME, path, problem);
    let mut stmt = conn
        .prepare("SELECT type, name, sql FROM main.sqlite_schema")
        .map_err(sql)?;
    let objects = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    let mut packages = false;
    for (kind, name, text) in &objects {
        if kind == "view" || kind == "trigger" {
            return Err(refuse(CatalogProblem::RpmSchemaObject {
                kind: kind.clone(),
                name: name.clone(),
            }));
        }
        if name.eq_ignore_ascii_case("Packages") {
            let plain = kind == "table"
                && text.as_deref().is_some_and(|t| {
                    t.trim_start()
                        .get(..12)
                        .is_some_and(|p| p.eq_ignore_ascii_case("CREATE TABLE"))
                });
            if !plain {
                return Err(refuse(CatalogProblem::RpmPackagesNotPlain));
            }
            packages = true;
        }
    }
    if !packages {
        return Err(refuse(CatalogProblem::RpmNoPackages));
    }
    // hidden: 0 a stored column, 1 a virtual table's hidden column, 2/3 a generated column.
    let mut stmt = conn
        .prepare("SELECT name, hidden FROM pragma_table_xinfo('Packages')")
        .map_err(sql)?;
    let columns = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    for wanted in ["hnum", "blob"] {
        match columns.iter().find(|(n, _)| n.eq_ignore_ascii_case(wanted)) {
            Some((_, 0)) => {}
            Some(_) => {
                return Err(refuse(CatalogProblem::RpmGeneratedColumn {
                    column: wanted,
                }));
            }
            None => return Err(refuse(CatalogProblem::RpmMissingColumn { column: wanted })),
        }
    }
    Ok(())
}

/// Installs the step budget: every statement after this is stopped past
/// [`MAX_SQLITE_STEPS`]. Returns the counter (in units of the handler's granularity).
fn step_budget(
    conn: &mut rusqlite::Connection,
    path: &str,
) -> Result<std::sync::Arc<std::sync::atomic::AtomicU64>, ScanError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    let steps = std::sync::Arc::new(AtomicU64::new(0));
    let counter = std::sync::Arc::clone(&steps);
    let max = MAX_SQLITE_STEPS / SQLITE_STEP_GRANULARITY;
    conn.progress_handler(
        SQLITE_STEP_GRANULARITY as std::ffi::c_int,
        Some(move || counter.fetch_add(1, Ordering::Relaxed) + 1 > max),
    )
    .map_err(|e| err(NAME, path, CatalogProblem::Sqlite(e)))?;
    Ok(steps)
}

/// A SQLite error: [`ScanError::LimitExceeded`] when the step budget stopped the statement.
fn sqlite_err(path: &str, steps: &std::sync::atomic::AtomicU64, e: rusqlite::Error) -> ScanError {
    let used = steps
        .load(std::sync::atomic::Ordering::Relaxed)
        .saturating_mul(SQLITE_STEP_GRANULARITY);
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted)
        && used > MAX_SQLITE_STEPS
    {
        return ScanError::LimitExceeded {
            limit: "rpmdb.sqlite query steps",
            max: MAX_SQLITE_STEPS,
            actual: used,
            input: format!("{NAME}: {path}"),
        };
    }
    err(NAME, path, CatalogProblem::Sqlite(e))
}

/// `bash-5.2.15-3.fc38.src.rpm` → (`bash`, `5.2.15-3.fc38`).
fn split_source_rpm(s: &str) -> Option<(String, String)> {
    let stem = s
        .strip_suffix(".src.rpm")
        .or_else(|| s.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    Some((name.to_owned(), format!("{version}-{release}")))
}

impl Cataloger for RpmCataloger {
    fn name(&self) -> &'static str {
        NAME
    }
    fn must_read_whole(&self) -> bool {
        // A package database: skipping it would hide every package it lists.
        true
    }

    fn version(&self) -> &'static str {
        // 2: Berkeley DB, ndb and WAL logs read.
        "2"
    }

    fn wants(&self, path: &str, _mode: u32, _size: u64) -> bool {
        format(path).is_some() || is_wal(path)
    }

    fn path_independent(&self) -> bool {
        // `extract` keeps every byte, whatever the path.
        true
    }

    fn catalog(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError> {
        let distro = distro_qualifier(input.context);
        let namespace = input
            .context
            .os
            .as_ref()
            .map_or("redhat", |o| o.id.as_str());
        // rpm reads one database: the first format, in its order of preference, found.
        let chosen = input.files.iter().filter_map(|f| format(&f.path)).min();
        let mut headers = Vec::new();
        for f in input.files {
            let Some(kind) = format(&f.path).filter(|k| Some(*k) == chosen) else {
                continue;
            };
            let blobs = match kind {
                Format::Sqlite => {
                    let log = format!("{}{WAL_SUFFIX}", f.path);
                    let wal = input.files.iter().find(|w| w.path == log);
                    read_sqlite_wal(&f.path, &f.data, wal.map(|w| &*w.data))?
                }
                Format::Ndb => read_ndb(&f.path, &f.data)?,
                Format::Bdb => read_bdb(&f.path, &f.data)?,
            };
            for blob in blobs {
                headers.push((f, parse_header(&f.path, &blob)?));
            }
        }
        // provides (and owned files) → package name, for dependencies
        let mut provides: BTreeMap<&str, &str> = BTreeMap::new();
        for (_, h) in &headers {
            provides.entry(h.name.as_str()).or_insert(&h.name);
            for p in h.provides.iter().chain(&h.files) {
                provides.entry(p.as_str()).or_insert(&h.name);
            }
        }
        let mut packages = Vec::new();
        for (f, h) in &headers {
            if h.name == "gpg-pubkey" {
                continue;
            }
            let vr = if h.release.is_empty() {
                h.version.clone()
            } else {
                format!("{}-{}", h.version, h.release)
            };
            let epoch = h.epoch.map(|e| e.to_string());
            let version = match &epoch {
                Some(e) => format!("{e}:{vr}"),
                None => vr.clone(),
            };
            let p = purl(
                NAME,
                &f.path,
                "rpm",
                Some(namespace),
                &h.name,
                &vr,
                &[
                    ("arch", h.arch.as_str()),
                    ("distro", distro.as_deref().unwrap_or("")),
                    ("epoch", epoch.as_deref().unwrap_or("")),
                ],
            )?;
            let mut pkg = package(&h.name, &version, PackageKind::Rpm, p, NAME);
            pkg.licenses.extend(h.license.as_deref().and_then(license));
            pkg.cpes.push(cpe(
                h.vendor.as_deref().unwrap_or(&h.name),
                &h.name,
                &version,
            ));
            pkg.source = h
                .source_rpm
                .as_deref()
                .and_then(split_source_rpm)
                .map(|(name, version)| SourcePackage { name, version });
            pkg.evidence.push(evidence(f));
            pkg.files = h.files.clone();
            pkg.metadata.insert("architecture".into(), h.arch.clone());
            if let Some(v) = &h.vendor {
                pkg.metadata.insert("vendor".into(), v.clone());
                pkg.supplier = crate::package::Party::parse(v);
            }
            pkg.dependencies = h
                .requires
                .iter()
                .filter(|r| !r.starts_with("rpmlib("))
                .filter_map(|r| provides.get(r.as_str()).map(|n| (*n).to_owned()))
                .filter(|n| *n != h.name)
                .collect();
            packages.push(pkg);
        }
        Ok(finish(packages))
    }
}

/// Test helper: an RPM header blob from (tag, type, value) entries.
#[cfg(test)]
pub(crate) fn build_header(entries: &[(u32, u32, Vec<String>, Vec<u32>)]) -> Vec<u8> {
    let mut index = Vec::new();
    let mut store = Vec::new();
    for (tag, ty, strs, nums) in entries {
        if *ty == TYPE_INT32 {
            while store.len() % 4 != 0 {
                store.push(0);
            }
        }
        let offset = store.len() as u32;
        let count = if *ty == TYPE_INT32 {
            nums.len()
        } else {
            strs.len()
        } as u32;
        if *ty == TYPE_INT32 {
            for n in nums {
                store.extend(n.to_be_bytes());
            }
        } else {
            for s in strs {
                store.extend(s.as_bytes());
                store.push(0);
            }
        }
        for v in [*tag, *ty, offset, count] {
            index.extend(v.to_be_bytes());
        }
    }
    let mut blob = Vec::new();
    blob.extend((entries.len() as u32).to_be_bytes());
    blob.extend((store.len() as u32).to_be_bytes());
    blob.extend(index);
    blob.extend(store);
    blob
}

/// Test helper: a serialized `rpmdb.sqlite` holding the given header blobs.
#[cfg(test)]
pub(crate) fn build_rpmdb(blobs: &[Vec<u8>]) -> Vec<u8> {
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);",
    )
    .unwrap();
    for b in blobs {
        conn.execute("INSERT INTO Packages (blob) VALUES (?1)", [b])
            .unwrap();
    }
    conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::{CatalogContext, ExtractedFile, OsRelease};

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn bash() -> Vec<u8> {
        build_header(&[
            (TAG_NAME, TYPE_STRING, s(&["bash"]), vec![]),
            (TAG_VERSION, TYPE_STRING, s(&["5.2.15"]), vec![]),
            (TAG_RELEASE, TYPE_STRING, s(&["3.fc38"]), vec![]),
            (TAG_EPOCH, TYPE_INT32, vec![], vec![1]),
            (TAG_ARCH, TYPE_STRING, s(&["x86_64"]), vec![]),
            (TAG_LICENSE, TYPE_STRING, s(&["GPL-3.0-or-later"]), vec![]),
            (TAG_VENDOR, TYPE_STRING, s(&["Fedora Project"]), vec![]),
            (
                TAG_SOURCERPM,
                TYPE_STRING,
                s(&["bash-5.2.15-3.fc38.src.rpm"]),
                vec![],
            ),
            (
                TAG_REQUIRENAME,
                TYPE_STRING_ARRAY,
                s(&["libc.so.6()(64bit)", "rpmlib(X)"]),
                vec![],
            ),
            (TAG_DIRINDEXES, TYPE_INT32, vec![], vec![0, 1]),
            (
                TAG_BASENAMES,
                TYPE_STRING_ARRAY,
                s(&["bash", "bash.1.gz"]),
                vec![],
            ),
            (
                TAG_DIRNAMES,
                TYPE_STRING_ARRAY,
                s(&["/usr/bin/", "/usr/share/man/man1/"]),
                vec![],
            ),
        ])
    }

    fn glibc() -> Vec<u8> {
        build_header(&[
            (TAG_NAME, TYPE_STRING, s(&["glibc"]), vec![]),
            (TAG_VERSION, TYPE_STRING, s(&["2.37"]), vec![]),
            (TAG_RELEASE, TYPE_STRING, s(&["4.fc38"]), vec![]),
            (TAG_ARCH, TYPE_STRING, s(&["x86_64"]), vec![]),
            (
                TAG_PROVIDENAME,
                TYPE_STRING_ARRAY,
                s(&["libc.so.6()(64bit)"]),
                vec![],
            ),
        ])
    }

    #[test]
    fn reads_rpmdb_sqlite() {
        let db = build_rpmdb(&[bash(), glibc()]);
        let files = [ExtractedFile {
            path: "var/lib/rpm/rpmdb.sqlite".into(),
            layer: None,
            mode: 0o644,
            data: db.into(),
        }];
        let context = CatalogContext {
            os: Some(OsRelease {
                id: "fedora".into(),
                version_id: Some("38".into()),
                ..OsRelease::default()
            }),
        };
        let pkgs = RpmCataloger
            .catalog(&CatalogInput {
                files: &files,
                context: &context,
                exists: &|_| true,
            })
            .unwrap();
        assert_eq!(pkgs.len(), 2);
        let b = &pkgs[0];
        assert_eq!(b.version, "1:5.2.15-3.fc38");
        assert_eq!(
            b.purl,
            "pkg:rpm/fedora/bash@5.2.15-3.fc38?arch=x86_64&distro=fedora-38&epoch=1"
        );
        assert_eq!(b.files, ["usr/bin/bash", "usr/share/man/man1/bash.1.gz"]);
        assert_eq!(b.dependencies, ["glibc"]);
        assert_eq!(b.licenses, ["GPL-3.0-or-later"]);
        assert_eq!(
            b.source,
            Some(SourcePackage {
                name: "bash".into(),
                version: "5.2.15-3.fc38".into()
            })
        );
        assert_eq!(pkgs[1].version, "2.37-4.fc38");
    }

    #[test]
    fn a_berkeley_db_that_is_not_one_is_a_typed_error() {
        let c = RpmCataloger;
        let data = c
            .extract("var/lib/rpm/Packages", b"\0\0\0\0bdb")
            .unwrap()
            .unwrap();
        let files = [ExtractedFile {
            path: "var/lib/rpm/Packages".into(),
            layer: None,
            mode: 0o644,
            data: data.into(),
        }];
        let e = c
            .catalog(&CatalogInput {
                files: &files,
                context: &CatalogContext::default(),
                exists: &|_| true,
            })
            .unwrap_err();
        assert!(
            matches!(
                &e,
                ScanError::Catalog {
                    reason: CatalogProblem::RpmBdb { .. },
                    path,
                    ..
                } if path == "var/lib/rpm/Packages"
            ),
            "{e}"
        );
    }

    #[test]
    fn wants_every_database_and_the_log_and_nothing_else() {
        let c = RpmCataloger;
        for dir in DB_DIRS {
            for name in [SQLITE, "rpmdb.sqlite-wal", NDB, BDB] {
                assert!(c.wants(&format!("{dir}{name}"), 0o644, 1), "{dir}{name}");
            }
            for name in ["rpmdb.sqlite-shm", "Index.db", "Name", "Packages.db-wal"] {
                assert!(!c.wants(&format!("{dir}{name}"), 0o644, 1), "{dir}{name}");
            }
        }
        assert!(!c.wants("opt/var/lib/rpm/Packages", 0o644, 1));
    }

    #[test]
    fn hostile_headers_and_databases_are_errors() {
        assert!(parse_header("p", &[0, 0, 0, 1]).is_err());
        assert!(parse_header("p", &[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]).is_err());
        let mut h = bash();
        h.truncate(h.len() - 10);
        assert!(parse_header("p", &h).is_err());
        assert!(read_sqlite("p", b"SQLite format 3\0garbage").is_err());
        assert!(read_sqlite("p", b"").is_err());
    }

    /// Runs `f` on a thread and fails the test if it takes longer than `secs` (a regression to
    /// a hang fails instead of hanging the test run).
    fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(std::time::Duration::from_secs(secs))
            .expect("did not finish in time")
    }

    /// A database built from `schema` (SQL run on an empty database), serialized.
    fn db_with(schema: &str) -> Vec<u8> {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(schema).unwrap();
        conn.serialize(rusqlite::MAIN_DB).unwrap().to_vec()
    }

    #[test]
    fn rpmdb_whose_packages_is_an_endless_recursive_view_is_refused_quickly() {
        let db = db_with(
            "CREATE VIEW Packages AS WITH RECURSIVE r(hnum, blob) AS \
             (SELECT 1, zeroblob(1000) UNION ALL SELECT hnum + 1, blob FROM r) \
             SELECT hnum, blob FROM r;",
        );
        let start = std::time::Instant::now();
        let e = within(60, move || read_sqlite("var/lib/rpm/rpmdb.sqlite", &db)).unwrap_err();
        assert!(
            matches!(
                &e,
                ScanError::Catalog {
                    reason: CatalogProblem::RpmSchemaObject { kind, .. },
                    ..
                } if kind == "view"
            ),
            "{e}"
        );
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn rpmdb_with_a_trigger_or_generated_blob_is_refused() {
        let trigger = db_with(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);\
             CREATE TABLE t (x);\
             CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM t; END;",
        );
        let e = read_sqlite("p", &trigger).unwrap_err();
        assert!(
            matches!(
                &e,
                ScanError::Catalog {
                    reason: CatalogProblem::RpmSchemaObject { kind, .. },
                    ..
                } if kind == "trigger"
            ),
            "{e}"
        );
        let generated = db_with(
            "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, \
             blob BLOB GENERATED ALWAYS AS (zeroblob(hnum * 1000000)) VIRTUAL);",
        );
        let e = read_sqlite("p", &generated).unwrap_err();
        assert!(
            matches!(
                &e,
                ScanError::Catalog {
                    reason: CatalogProblem::RpmGeneratedColumn { column: "blob" },
                    ..
                }
            ),
            "{e}"
        );
        let none = db_with("CREATE TABLE Other (x);");
        let e = read_sqlite("p", &none).unwrap_err();
        assert!(
            matches!(
                &e,
                ScanError::Catalog {
                    reason: CatalogProblem::RpmNoPackages,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn a_runaway_statement_stops_at_the_step_budget() {
        let db = build_rpmdb(&[bash()]);
        let e = within(60, move || {
            let mut conn = open_hardened("p", &db).unwrap();
            let steps = step_budget(&mut conn, "p").unwrap();
            conn.query_row(
                "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) \
                 SELECT count(*) FROM r",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(|e| sqlite_err("p", &steps, e))
            .unwrap_err()
        });
        assert!(
            matches!(
                e,
                ScanError::LimitExceeded {
                    max: MAX_SQLITE_STEPS,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn the_hardened_connection_writes_nothing() {
        let db = build_rpmdb(&[bash()]);
        let conn = open_hardened("p", &db).unwrap();
        assert!(conn.execute("DELETE FROM Packages", []).is_err());
        assert!(conn.execute_batch("CREATE TABLE x (y)").is_err());
        let temp: i64 = conn
            .query_row("PRAGMA temp_store", [], |r| r.get(0))
            .unwrap();
        assert_eq!(temp, 2, "temp_store = MEMORY");
    }

    #[test]
    fn directory_indexes_multiplying_one_long_name_are_bounded_as_expanded() {
        // One 10 KB directory name shared by 20 000 one-letter files: a 130 KB header that
        // expands to 200 MB of paths (the reported image: 68 KB → 3.4 GB and an abort).
        let files = 20_000;
        let dir = format!("/{}/", "d".repeat(10_000));
        let blob = build_header(&[
            (TAG_NAME, TYPE_STRING, s(&["bomb"]), vec![]),
            (TAG_VERSION, TYPE_STRING, s(&["1"]), vec![]),
            (TAG_DIRINDEXES, TYPE_INT32, vec![], vec![0; files]),
            (
                TAG_BASENAMES,
                TYPE_STRING_ARRAY,
                vec!["a".into(); files],
                vec![],
            ),
            (TAG_DIRNAMES, TYPE_STRING_ARRAY, vec![dir], vec![]),
        ]);
        assert!(blob.len() < 200_000);
        let e = parse_header("p", &blob).unwrap_err();
        assert!(
            matches!(
                e,
                ScanError::LimitExceeded {
                    limit: "rpm expanded file list bytes",
                    ..
                }
            ),
            "{e}"
        );
        // A real-shaped header (deep directories, short names) is read.
        let dirs: Vec<String> = (0..50)
            .map(|i| format!("/usr/src/kernels/6.5.6-300.fc39.x86_64/include/dir{i}/"))
            .collect();
        let names: Vec<String> = (0..5000).map(|i| format!("f{i}.h")).collect();
        let blob = build_header(&[
            (TAG_NAME, TYPE_STRING, s(&["kernel-devel"]), vec![]),
            (TAG_VERSION, TYPE_STRING, s(&["6.5.6"]), vec![]),
            (
                TAG_DIRINDEXES,
                TYPE_INT32,
                vec![],
                (0..5000).map(|i| i % 50).collect(),
            ),
            (TAG_BASENAMES, TYPE_STRING_ARRAY, names, vec![]),
            (TAG_DIRNAMES, TYPE_STRING_ARRAY, dirs, vec![]),
        ]);
        assert_eq!(parse_header("p", &blob).unwrap().files.len(), 5000);
    }

    #[test]
    fn a_tag_repeated_to_reread_the_store_is_refused() {
        let big: Vec<String> = (0..1000).map(|i| format!("provide-{i}")).collect();
        let mut entries = vec![
            (TAG_NAME, TYPE_STRING, s(&["x"]), vec![]),
            (TAG_VERSION, TYPE_STRING, s(&["1"]), vec![]),
        ];
        for _ in 0..2 {
            entries.push((TAG_PROVIDENAME, TYPE_STRING_ARRAY, big.clone(), vec![]));
        }
        let e = parse_header("p", &build_header(&entries)).unwrap_err();
        assert!(
            matches!(
                &e,
                ScanError::Catalog {
                    reason: CatalogProblem::RpmHeader {
                        problem: "a tag listed twice"
                    },
                    ..
                }
            ),
            "{e}"
        );
    }
}

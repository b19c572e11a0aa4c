//! RPM packages from the SQLite rpm database of current Fedora / RHEL 9+ / UBI 9+ / CentOS
//! Stream 9+ / openSUSE (`var/lib/rpm/rpmdb.sqlite`, `usr/lib/sysimage/rpm/rpmdb.sqlite`).
//!
//! The database bytes are opened in memory, read-only, with SQLite itself (`rusqlite`,
//! bundled, `serialize` feature for `sqlite3_deserialize`): SQLite is the reference reader of
//! its own format and is hardened against corrupt files, which a hand-written b-tree reader
//! would have to earn; no file is opened, so the crate stays free of IO. Each row of the
//! `Packages` table is an RPM header blob (`il`, `dl`, `il` 16-byte index entries, data store);
//! we read NAME, VERSION, RELEASE, EPOCH, ARCH, LICENSE, VENDOR, SOURCERPM, the file list
//! (DIRNAMES / BASENAMES / DIRINDEXES), REQUIRENAME and PROVIDENAME.
//!
//! Not read: the Berkeley DB `var/lib/rpm/Packages` of RHEL/CentOS ≤ 8 and older Fedora, and
//! the `Packages.db` ndb format of SUSE; finding one gives a typed "not supported" error naming
//! the file, so the scan notes it instead of silently reporting nothing.

use std::collections::BTreeMap;

use crate::error::ScanError;
use crate::package::{CatalogInput, Cataloger, Package, PackageKind, SourcePackage};

use super::util::{cpe, distro_qualifier, err, evidence, finish, license, package, purl};

const NAME: &str = "rpm";
const SQLITE_PATHS: [&str; 2] = [
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
];
const UNSUPPORTED: [&str; 4] = [
    "var/lib/rpm/Packages",
    "var/lib/rpm/Packages.db",
    "usr/lib/sysimage/rpm/Packages",
    "usr/lib/sysimage/rpm/Packages.db",
];
/// Largest header blob read (rpm itself caps headers at 256 MiB; real ones are < 1 MiB).
const MAX_HEADER: usize = 64 << 20;

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

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([
        *s.first()?,
        *s.get(1)?,
        *s.get(2)?,
        *s.get(3)?,
    ]))
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
    let bad = |what: &str| err(NAME, path, format!("bad RPM header: {what}"));
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
    for (base, di) in basenames.iter().zip(&dirindexes) {
        if let Some(dir) = dirnames.get(*di as usize) {
            let full = format!("{dir}{base}");
            h.files.push(full.trim_start_matches('/').to_owned());
        }
    }
    Ok(h)
}

/// Reads every header blob of the `Packages` table of an in-memory `rpmdb.sqlite`.
pub fn read_sqlite(path: &str, db: &[u8]) -> Result<Vec<Vec<u8>>, ScanError> {
    let sql = |e: rusqlite::Error| err(NAME, path, format!("sqlite: {e}"));
    let mut conn = rusqlite::Connection::open_in_memory().map_err(sql)?;
    conn.deserialize_read_exact(rusqlite::MAIN_DB, db, db.len(), true)
        .map_err(sql)?;
    let mut stmt = conn
        .prepare("SELECT blob FROM Packages ORDER BY hnum")
        .map_err(sql)?;
    let rows = stmt
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .map_err(sql)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(sql)
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

    fn version(&self) -> &'static str {
        "1"
    }

    fn wants(&self, path: &str, _mode: u32, _size: u64) -> bool {
        SQLITE_PATHS.contains(&path) || UNSUPPORTED.contains(&path)
    }

    fn extract(&self, path: &str, contents: &[u8]) -> Result<Option<Vec<u8>>, ScanError> {
        if UNSUPPORTED.contains(&path) {
            // Keep a marker only: phase 2 reports the unsupported format.
            return Ok(Some(Vec::new()));
        }
        Ok(Some(contents.to_vec()))
    }

    fn catalog(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError> {
        let distro = distro_qualifier(input.context);
        let namespace = input
            .context
            .os
            .as_ref()
            .map_or("redhat", |o| o.id.as_str());
        let has_sqlite = input
            .files
            .iter()
            .any(|f| SQLITE_PATHS.contains(&f.path.as_str()));
        let mut headers = Vec::new();
        for f in input.files {
            if UNSUPPORTED.contains(&f.path.as_str()) {
                if has_sqlite {
                    continue;
                }
                let format = if f.path.ends_with(".db") {
                    "ndb"
                } else {
                    "Berkeley DB"
                };
                return Err(err(
                    NAME,
                    &f.path,
                    format!(
                        "the {format} rpm database format is not supported (only rpmdb.sqlite)"
                    ),
                ));
            }
            for blob in read_sqlite(&f.path, &f.data)? {
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
            path: SQLITE_PATHS[0].into(),
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
    fn berkeley_db_is_a_typed_not_supported_error() {
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
        assert!(e.to_string().contains("not supported"), "{e}");
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
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The rpm database in each of its formats, as rpm itself wrote it (tests/data/rpmdb, made by
//! its generate.sh): a WAL-mode `rpmdb.sqlite` with transactions still in its
//! `rpmdb.sqlite-wal`, Berkeley DB hash `Packages` in both byte orders and three page layouts,
//! and an ndb `Packages.db`. Stella's package list must be exactly what `rpm -qa` printed for
//! each (the `expected*.txt` recorded beside it). The log is also checked against SQLite
//! itself for every torn or corrupted frame, and hostile edits of the real files give typed
//! errors, never a hang or a panic.

use std::path::{Path, PathBuf};

use stella_scan::catalog::rpm::{
    RpmCataloger, RpmHeader, apply_wal, parse_header, read_bdb, read_ndb, read_sqlite_wal,
};
use stella_scan::{
    CatalogContext, CatalogInput, CatalogProblem, Cataloger, ExtractedFile, ScanError,
};

fn data(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/rpmdb")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn expected(rel: &str) -> Vec<String> {
    String::from_utf8(data(rel))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `rpm -qa --qf '%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE} %{ARCH}\n' | sort` of headers.
fn qa(blobs: &[Vec<u8>]) -> Vec<String> {
    let mut lines: Vec<String> = blobs
        .iter()
        .map(|b| {
            let h: RpmHeader = parse_header("p", b).unwrap();
            let epoch = h.epoch.map_or("(none)".to_owned(), |e| e.to_string());
            format!("{} {epoch}:{}-{} {}", h.name, h.version, h.release, h.arch)
        })
        .collect();
    lines.sort();
    lines
}

const SQLITE: &str = "sqlite-wal/rpmdb.sqlite";
const WAL: &str = "sqlite-wal/rpmdb.sqlite-wal";
const BDBS: [&str; 3] = ["bdb-le", "bdb-be", "bdb-inline"];

#[test]
fn wal_mode_sqlite_with_its_log_is_what_rpm_lists() {
    let db = data(SQLITE);
    assert_eq!(&db[18..20], &[2, 2], "rpm ≥ 4.16 writes WAL mode");
    let wal = data(WAL);
    let with_log = read_sqlite_wal("rpmdb.sqlite", &db, Some(&wal)).unwrap();
    assert_eq!(qa(&with_log), expected("sqlite-wal/expected.txt"));
    // The database file alone (as images ship it, with an empty log): rpm's list without the
    // transactions of the log.
    for log in [None, Some(&[][..])] {
        let alone = read_sqlite_wal("rpmdb.sqlite", &db, log).unwrap();
        assert_eq!(qa(&alone), expected("sqlite-wal/expected-db-only.txt"));
    }
    assert_ne!(
        expected("sqlite-wal/expected.txt"),
        expected("sqlite-wal/expected-db-only.txt")
    );
}

#[test]
fn berkeley_db_packages_is_what_rpm_lists_in_both_byte_orders() {
    for dir in BDBS {
        let blobs = read_bdb("Packages", &data(&format!("{dir}/Packages"))).unwrap();
        assert_eq!(
            qa(&blobs),
            expected(&format!("{dir}/expected.txt")),
            "{dir}"
        );
    }
    // The three are the same headers: only the page layout and byte order differ.
    let le = read_bdb("p", &data("bdb-le/Packages")).unwrap();
    assert_eq!(le, read_bdb("p", &data("bdb-be/Packages")).unwrap());
    assert_eq!(le, read_bdb("p", &data("bdb-inline/Packages")).unwrap());
}

#[test]
fn ndb_packages_db_is_what_rpm_lists() {
    let blobs = read_ndb("Packages.db", &data("ndb/Packages.db")).unwrap();
    assert_eq!(qa(&blobs), expected("ndb/expected.txt"));
}

fn file(path: &str, bytes: Vec<u8>) -> ExtractedFile {
    ExtractedFile {
        path: path.into(),
        layer: None,
        mode: 0o644,
        data: bytes.into(),
    }
}

fn catalog(files: &mut [ExtractedFile]) -> Result<Vec<String>, ScanError> {
    let c = RpmCataloger;
    for f in files.iter_mut() {
        assert!(c.wants(&f.path, f.mode, f.data.len() as u64), "{}", f.path);
        f.data = c.extract(&f.path, &f.data)?.unwrap().into();
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let pkgs = c.catalog(&CatalogInput {
        files,
        context: &CatalogContext::default(),
        exists: &|_| true,
    })?;
    let mut lines: Vec<String> = pkgs
        .iter()
        .map(|p| {
            let arch = &p.metadata["architecture"];
            let v = if p.version.contains(':') {
                p.version.clone()
            } else {
                format!("(none):{}", p.version)
            };
            format!("{} {v} {arch}", p.name)
        })
        .collect();
    lines.sort();
    Ok(lines)
}

#[test]
fn the_cataloger_reads_each_format_where_rpm_keeps_it() {
    let full = expected("ndb/expected.txt");
    for dir in ["var/lib/rpm/", "usr/lib/sysimage/rpm/"] {
        let mut sqlite = [
            file(&format!("{dir}rpmdb.sqlite"), data(SQLITE)),
            file(&format!("{dir}rpmdb.sqlite-wal"), data(WAL)),
        ];
        assert_eq!(catalog(&mut sqlite).unwrap(), full, "{dir}");
        let mut ndb = [file(&format!("{dir}Packages.db"), data("ndb/Packages.db"))];
        assert_eq!(catalog(&mut ndb).unwrap(), full, "{dir}");
        for bdb in BDBS {
            let mut f = [file(
                &format!("{dir}Packages"),
                data(&format!("{bdb}/Packages")),
            )];
            assert_eq!(catalog(&mut f).unwrap(), full, "{dir} {bdb}");
        }
    }
    // A log beside another directory's database is not this database's log.
    let mut elsewhere = [
        file("var/lib/rpm/rpmdb.sqlite", data(SQLITE)),
        file("usr/lib/sysimage/rpm/rpmdb.sqlite-wal", data(WAL)),
    ];
    assert_eq!(
        catalog(&mut elsewhere).unwrap(),
        expected("sqlite-wal/expected-db-only.txt")
    );
    // Several databases: rpm's order of preference (sqlite, ndb, Berkeley DB) picks one.
    let mut all = [
        file("var/lib/rpm/Packages", b"stale, unread".to_vec()),
        file("var/lib/rpm/Packages.db", data("ndb/Packages.db")),
        file("var/lib/rpm/rpmdb.sqlite", data(SQLITE)),
    ];
    assert_eq!(
        catalog(&mut all).unwrap(),
        expected("sqlite-wal/expected-db-only.txt")
    );
    let mut ndb_over_bdb = [
        file("var/lib/rpm/Packages", b"stale, unread".to_vec()),
        file("usr/lib/sysimage/rpm/Packages.db", data("ndb/Packages.db")),
    ];
    assert_eq!(catalog(&mut ndb_over_bdb).unwrap(), full);
}

/// A scratch directory for SQLite's own reading of a database and its log.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("stella-rpmdb-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// What SQLite itself reads from `db` with `wal` beside it (recovery of the log included).
fn sqlite_reads(dir: &Path, db: &[u8], wal: &[u8]) -> Vec<Vec<u8>> {
    for f in ["rpmdb.sqlite-shm", "rpmdb.sqlite-wal", "rpmdb.sqlite"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    std::fs::write(dir.join("rpmdb.sqlite"), db).unwrap();
    std::fs::write(dir.join("rpmdb.sqlite-wal"), wal).unwrap();
    let conn = rusqlite::Connection::open(dir.join("rpmdb.sqlite")).unwrap();
    let mut stmt = conn
        .prepare("SELECT blob FROM Packages ORDER BY hnum")
        .unwrap();
    stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_torn_or_corrupted_log_reads_as_sqlite_reads_it() {
    let db = data(SQLITE);
    let wal = data(WAL);
    let dir = scratch("wal");
    let frame = 24 + 4096;
    let frames = (wal.len() - 32) / frame;
    assert!(frames > 10, "{frames}");
    let mut seen = std::collections::BTreeSet::new();
    for k in 0..frames {
        let start = 32 + k * frame;
        let mut variants = vec![
            // torn: the log ends inside frame k
            wal[..start + frame / 2].to_vec(),
        ];
        // a bit flipped in frame k's page (its checksum, and every later one, fails)
        let mut flipped = wal.clone();
        flipped[start + 24 + 100] ^= 1;
        variants.push(flipped);
        // frame k from an older log generation (another salt)
        let mut salted = wal.clone();
        salted[start + 8] ^= 0x80;
        variants.push(salted);
        for v in variants {
            let ours = read_sqlite_wal("rpmdb.sqlite", &db, Some(&v)).unwrap();
            let theirs = sqlite_reads(&dir, &db, &v);
            assert_eq!(ours, theirs, "frame {k}");
            seen.insert(ours.len());
        }
    }
    // The cuts fall between several different transactions.
    assert!(seen.len() >= 3, "{seen:?}");
    // Garbage after the last frame, and a log whose header is invalid.
    let mut tail = wal.clone();
    tail.extend(std::iter::repeat_n(0xa5u8, 5000));
    assert_eq!(
        read_sqlite_wal("rpmdb.sqlite", &db, Some(&tail)).unwrap(),
        sqlite_reads(&dir, &db, &tail)
    );
    let mut header = wal.clone();
    header[27] ^= 1;
    assert_eq!(
        qa(&read_sqlite_wal("rpmdb.sqlite", &db, Some(&header)).unwrap()),
        expected("sqlite-wal/expected-db-only.txt")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_log_that_lies_is_a_typed_error() {
    let db = data(SQLITE);
    let wal = data(WAL);
    // Another page size than the database's: the log header and every frame re-checksummed
    // would be needed to make it valid, so take a database header that claims 8 KiB instead.
    let mut other = db.clone();
    other[16..18].copy_from_slice(&8192u16.to_be_bytes());
    let e = apply_wal("rpmdb.sqlite", &other, Some(&wal)).unwrap_err();
    assert!(
        matches!(
            e,
            ScanError::Catalog {
                reason: CatalogProblem::RpmWal { .. },
                ..
            }
        ),
        "{e}"
    );
    // Not a database at all, no log: left to SQLite, which refuses it.
    assert!(read_sqlite_wal("p", b"not sqlite", None).is_err());
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn is_bdb_error(e: &ScanError) -> bool {
    matches!(
        e,
        ScanError::Catalog {
            reason: CatalogProblem::RpmBdb { .. },
            ..
        }
    )
}

#[test]
fn berkeley_db_chains_that_loop_or_lie_are_refused() {
    let orig = data("bdb-le/Packages");
    let page = 4096;
    let page_type = |p: usize| orig[p * page + 25];
    let last = le32(&orig, 32) as usize;
    // A hash page whose "next page" is itself: a loop.
    let hash = (1..=last)
        .find(|p| matches!(page_type(*p), 2 | 13))
        .unwrap();
    let mut looped = orig.clone();
    looped[hash * page + 16..hash * page + 20].copy_from_slice(&(hash as u32).to_le_bytes());
    let e = read_bdb("Packages", &looped).unwrap_err();
    assert!(is_bdb_error(&e), "{e}");
    // An overflow page chained back to another overflow page: a page reached twice.
    let overflow: Vec<usize> = (1..=last).filter(|p| page_type(*p) == 7).collect();
    let mut back = orig.clone();
    let (a, b) = (overflow[0], overflow[1]);
    back[b * page + 16..b * page + 20].copy_from_slice(&(a as u32).to_le_bytes());
    back[b * page + 22..b * page + 24].copy_from_slice(&1u16.to_le_bytes());
    let e = read_bdb("Packages", &back).unwrap_err();
    assert!(is_bdb_error(&e), "{e}");
    // The file cut short of its last page.
    let e = read_bdb("Packages", &orig[..orig.len() - page]).unwrap_err();
    assert!(is_bdb_error(&e), "{e}");
    // An item claiming 4 GiB: refused before anything is allocated.
    let u16_at = |at: usize| u16::from_le_bytes([orig[at], orig[at + 1]]) as usize;
    let offpage = (1..=last)
        .filter(|p| matches!(page_type(*p), 2 | 13))
        .flat_map(|p| {
            let n = u16_at(p * page + 20);
            (0..n / 2).map(move |i| p * page + u16_at(p * page + 26 + 4 * i + 2))
        })
        .find(|at| orig[*at] == 3)
        .expect("an off-page value");
    let mut huge = orig.clone();
    huge[offpage + 8..offpage + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = read_bdb("Packages", &huge).unwrap_err();
    assert!(matches!(e, ScanError::LimitExceeded { .. }), "{e}");
    // A btree is not rpm's Packages.
    let mut btree = orig.clone();
    btree[12..16].copy_from_slice(&0x0005_3162u32.to_le_bytes());
    let e = read_bdb("Packages", &btree).unwrap_err();
    assert!(
        matches!(
            e,
            ScanError::Catalog {
                reason: CatalogProblem::RpmDatabaseFormat { .. },
                ..
            }
        ),
        "{e}"
    );
}

fn is_ndb_error(e: &ScanError) -> bool {
    matches!(
        e,
        ScanError::Catalog {
            reason: CatalogProblem::RpmNdb { .. },
            ..
        }
    )
}

/// An edit of a database file.
type Edit = dyn Fn(&mut Vec<u8>);

#[test]
fn ndb_slots_that_lie_are_refused() {
    let orig = data("ndb/Packages.db");
    let used: Vec<usize> = (32..4096)
        .step_by(16)
        .filter(|at| le32(&orig, at + 8) != 0)
        .collect();
    assert_eq!(used.len(), 5, "five packages, gamma's slot freed");
    let (a, b) = (used[0], used[1]);
    let edits: [(&str, Box<Edit>); 5] = [
        ("slot magic", Box::new(move |d| d[b] = b'x')),
        (
            "past the end",
            Box::new(move |d| {
                let n = d.len() as u32 / 16;
                d[a + 8..a + 12].copy_from_slice(&n.to_le_bytes());
            }),
        ),
        (
            "same package twice",
            Box::new(move |d| {
                let idx = d[a + 4..a + 8].to_vec();
                d[b + 4..b + 8].copy_from_slice(&idx);
            }),
        ),
        (
            "overlap",
            Box::new(move |d| {
                let off = d[a + 8..a + 12].to_vec();
                d[b + 8..b + 12].copy_from_slice(&off);
            }),
        ),
        ("truncated", Box::new(|d| d.truncate(d.len() - 16))),
    ];
    for (what, edit) in edits {
        let mut d = orig.clone();
        edit(&mut d);
        let e = read_ndb("Packages.db", &d).unwrap_err();
        assert!(is_ndb_error(&e), "{what}: {e}");
    }
}

/// Every single-byte edit of the metadata and of a spread of positions: an error or a list
/// of headers, never a panic, never more bytes than the file holds.
#[test]
fn edited_databases_never_panic_or_grow() {
    for (rel, read) in [
        (
            "bdb-le/Packages",
            read_bdb as fn(&str, &[u8]) -> Result<Vec<Vec<u8>>, ScanError>,
        ),
        ("bdb-be/Packages", read_bdb),
        ("ndb/Packages.db", read_ndb),
    ] {
        let orig = data(rel);
        let positions = (0..600).chain((600..orig.len()).step_by(97));
        for at in positions {
            for x in [0x01u8, 0x80, 0xff] {
                let mut d = orig.clone();
                d[at] ^= x;
                if let Ok(blobs) = read(rel, &d) {
                    let total: usize = blobs.iter().map(Vec::len).sum();
                    assert!(total <= d.len(), "{rel} @{at}");
                    for b in blobs {
                        let _ = parse_header(rel, &b);
                    }
                }
            }
        }
    }
}

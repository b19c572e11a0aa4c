//! The rpm database in its three formats at image scale: 1,000 real rpm header blobs (those
//! Debian's rpm wrote to stella-scan/tests/data/rpmdb, repeated; one of them owns 400 files)
//! in a WAL-mode `rpmdb.sqlite` with every transaction still in its `-wal` log, in a Berkeley
//! DB hash `Packages` (4 KiB pages, every header on overflow pages) and in an ndb
//! `Packages.db`, each read and every header parsed, then the whole cataloger on each. The
//! sqlite database without a log (what rpm leaves after a clean exit) is the baseline: reading
//! the other formats must cost no more than it.
//!
//! Run: `cargo bench -p stella-benches --bench rpmdb`

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stella_scan::catalog::rpm::{RpmCataloger, parse_header, read_bdb, read_ndb, read_sqlite_wal};
use stella_scan::{CatalogContext, CatalogInput, Cataloger, ExtractedFile};

const PACKAGES: usize = 1000;

fn blobs() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../stella-scan/tests/data/rpmdb");
    let db = std::fs::read(dir.join("sqlite-wal/rpmdb.sqlite")).unwrap();
    let wal = std::fs::read(dir.join("sqlite-wal/rpmdb.sqlite-wal")).unwrap();
    let real = read_sqlite_wal("rpmdb.sqlite", &db, Some(&wal)).unwrap();
    real.iter().cycle().take(PACKAGES).cloned().collect()
}

/// A WAL-mode database written by SQLite with every row in the log (no checkpoint), and the
/// same database checkpointed (the log folded in, as rpm leaves it).
fn sqlite(blobs: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let dir = std::env::temp_dir().join(format!("stella-bench-rpmdb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rpmdb.sqlite");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
         CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);
         PRAGMA wal_checkpoint(TRUNCATE);",
    )
    .unwrap();
    for b in blobs {
        conn.execute("INSERT INTO Packages (blob) VALUES (?1)", [b])
            .unwrap();
    }
    let db = std::fs::read(&path).unwrap();
    let wal = std::fs::read(dir.join("rpmdb.sqlite-wal")).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    let folded = std::fs::read(&path).unwrap();
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
    (db, wal, folded)
}

/// A Berkeley DB hash database (little-endian, 4 KiB pages, one bucket chain, every value on
/// overflow pages) laid out as Berkeley DB lays one out.
fn bdb(blobs: &[Vec<u8>]) -> Vec<u8> {
    const PS: usize = 4096;
    let put16 = |p: &mut [u8], at: usize, v: usize| {
        p[at..at + 2].copy_from_slice(&(v as u16).to_le_bytes())
    };
    let put32 = |p: &mut [u8], at: usize, v: usize| {
        p[at..at + 4].copy_from_slice(&(v as u32).to_le_bytes())
    };
    let per_page = (PS - 26) / (2 * 2 + 5 + 12);
    let hash_pages = blobs.len().div_ceil(per_page);
    let chunk = PS - 26;
    let overflow_pages: usize = blobs.iter().map(|b| b.len().div_ceil(chunk)).sum();
    let last = hash_pages + overflow_pages;
    let mut file = vec![0u8; (last + 1) * PS];
    {
        let meta = &mut file[..PS];
        put32(meta, 12, 0x0006_1561);
        put32(meta, 16, 9);
        put32(meta, 20, PS);
        meta[25] = 8;
        put32(meta, 32, last);
        put32(meta, 96, 1); // spares[0]: bucket 0 on page 1
    }
    let mut next_overflow = hash_pages + 1;
    for (page_no, group) in blobs.chunks(per_page).enumerate() {
        let page_no = page_no + 1;
        let mut items = Vec::new();
        for (i, blob) in group.iter().enumerate() {
            let first = next_overflow;
            for (j, piece) in blob.chunks(chunk).enumerate() {
                let no = first + j;
                let p = &mut file[no * PS..(no + 1) * PS];
                put32(p, 8, no);
                let more = (j + 1) * chunk < blob.len();
                put32(p, 16, if more { no + 1 } else { 0 });
                put16(p, 22, piece.len());
                p[25] = 7;
                p[26..26 + piece.len()].copy_from_slice(piece);
            }
            next_overflow += blob.len().div_ceil(chunk);
            items.push(((page_no - 1) * per_page + i + 1, first, blob.len()));
        }
        let p = &mut file[page_no * PS..(page_no + 1) * PS];
        put32(p, 8, page_no);
        put32(p, 16, if page_no < hash_pages { page_no + 1 } else { 0 });
        put16(p, 20, 2 * items.len());
        p[25] = 13;
        let mut end = PS;
        for (i, (instance, first, len)) in items.into_iter().enumerate() {
            let key = end - 5;
            p[key] = 1;
            put32(p, key + 1, instance);
            let value = key - 12;
            p[value] = 3;
            put32(p, value + 4, first);
            put32(p, value + 8, len);
            put16(p, 26 + 4 * i, key);
            put16(p, 28 + 4 * i, value);
            end = value;
        }
        put16(p, 22, end);
    }
    file
}

/// An ndb `Packages.db` as rpm's `rpmpkg.c` writes one.
fn ndb(blobs: &[Vec<u8>]) -> Vec<u8> {
    let slot_pages = (32 + 16 * blobs.len()).div_ceil(4096);
    let mut file = vec![0u8; slot_pages * 4096];
    file[..4].copy_from_slice(b"RpmP");
    file[12..16].copy_from_slice(&(slot_pages as u32).to_le_bytes());
    for slot in file[32..].chunks_mut(16) {
        slot[..4].copy_from_slice(b"Slot");
    }
    for (i, blob) in blobs.iter().enumerate() {
        let blkoff = file.len() / 16;
        let blkcnt = (16 + blob.len() + 12).div_ceil(16);
        let slot = 32 + 16 * i;
        for (at, v) in [(4, i + 1), (8, blkoff), (12, blkcnt)] {
            file[slot + at..slot + at + 4].copy_from_slice(&(v as u32).to_le_bytes());
        }
        let start = file.len();
        file.resize(start + blkcnt * 16, 0);
        let r = &mut file[start..];
        r[..4].copy_from_slice(b"BlbS");
        r[4..8].copy_from_slice(&(i as u32 + 1).to_le_bytes());
        r[12..16].copy_from_slice(&(blob.len() as u32).to_le_bytes());
        r[16..16 + blob.len()].copy_from_slice(blob);
        let tail = r.len() - 12;
        r[tail + 4..tail + 8].copy_from_slice(&(blob.len() as u32).to_le_bytes());
        r[tail + 8..].copy_from_slice(b"BlbE");
    }
    file
}

fn file(path: &str, data: &[u8]) -> ExtractedFile {
    ExtractedFile {
        path: path.into(),
        layer: None,
        mode: 0o644,
        data: data.into(),
    }
}

fn bench(c: &mut Criterion) {
    let blobs = blobs();
    let bytes: usize = blobs.iter().map(Vec::len).sum();
    let (db, wal, folded) = sqlite(&blobs);
    assert_eq!(&db[18..20], &[2, 2]);
    let bdb = bdb(&blobs);
    let ndb = ndb(&blobs);
    assert_eq!(read_bdb("p", &bdb).unwrap(), blobs);
    assert_eq!(read_ndb("p", &ndb).unwrap(), blobs);
    assert_eq!(read_sqlite_wal("p", &db, Some(&wal)).unwrap(), blobs);
    assert_eq!(read_sqlite_wal("p", &folded, None).unwrap(), blobs);
    println!(
        "rpmdb: {PACKAGES} headers, {} MB of headers; sqlite {} MB + log {} MB (folded {} MB), Berkeley DB {} MB, ndb {} MB",
        bytes >> 20,
        db.len() >> 20,
        wal.len() >> 20,
        folded.len() >> 20,
        bdb.len() >> 20,
        ndb.len() >> 20
    );

    let parse_all = |blobs: Vec<Vec<u8>>| {
        for b in &blobs {
            parse_header("p", b).unwrap();
        }
        blobs.len()
    };
    let mut g = c.benchmark_group("rpmdb");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(20);
    g.bench_function("sqlite_folded_read_and_parse", |b| {
        b.iter(|| parse_all(read_sqlite_wal("p", &folded, None).unwrap()))
    });
    g.bench_function("sqlite_with_wal_read_and_parse", |b| {
        b.iter(|| parse_all(read_sqlite_wal("p", &db, Some(&wal)).unwrap()))
    });
    g.bench_function("bdb_read_and_parse", |b| {
        b.iter(|| parse_all(read_bdb("p", &bdb).unwrap()))
    });
    g.bench_function("ndb_read_and_parse", |b| {
        b.iter(|| parse_all(read_ndb("p", &ndb).unwrap()))
    });
    let context = CatalogContext::default();
    let exists = |_: &str| true;
    for (name, files) in [
        (
            "catalog_sqlite_with_wal",
            vec![
                file("var/lib/rpm/rpmdb.sqlite", &db),
                file("var/lib/rpm/rpmdb.sqlite-wal", &wal),
            ],
        ),
        ("catalog_bdb", vec![file("var/lib/rpm/Packages", &bdb)]),
        ("catalog_ndb", vec![file("var/lib/rpm/Packages.db", &ndb)]),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let input = CatalogInput {
                    files: &files,
                    context: &context,
                    exists: &exists,
                };
                RpmCataloger.catalog(&input).unwrap().len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

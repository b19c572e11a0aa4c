//! `rpmdb.sqlite` in WAL mode (rpm ≥ 4.16 sets `PRAGMA journal_mode = WAL`): the committed
//! frames of the `rpmdb.sqlite-wal` beside it applied to the database image, as SQLite's own
//! recovery does when it opens such a database, and the image switched to rollback-journal
//! mode so that it can be opened from memory.
//!
//! SQLite's in-memory database (`sqlite3_deserialize`) has no shared memory, so it cannot open
//! a database whose header says WAL (bytes 18–19 = 2: "unable to open database file"). The
//! pages are the same in either mode; only those two bytes differ, so a copy with them set to
//! 1 (legacy) reads exactly what SQLite reads from the file once the log is folded in.
//!
//! The log is read as SQLite's `walIndexRecover` reads it (sqlite.org/fileformat2.html §4): a
//! 32-byte header (magic `0x377f0682`/`0x377f0683` giving the checksum byte order, format
//! 3007000, page size, checkpoint sequence, two salts, a checksum of the first 24 bytes), then
//! frames of a 24-byte header (page number, database size in pages for a commit frame, the two
//! salts, a running checksum over the frame header's first 8 bytes and the page) and a page.
//! A log whose header is invalid is empty; frames are taken up to the last commit frame before
//! the first frame that does not check out (a salt from an older log generation, a checksum
//! break, a torn tail): what a crash left half-written is ignored, as SQLite ignores it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::error::{CatalogProblem, ScanError};

use super::super::util::err;
use super::{NAME, be32};

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
const WAL_MAGIC_LE: u32 = 0x377f_0682;
const WAL_MAGIC_BE: u32 = 0x377f_0683;
const WAL_VERSION: u32 = 3_007_000;
const WAL_HEADER: usize = 32;
const FRAME_HEADER: usize = 24;
/// Offset of the file format write/read versions in the database header (1 legacy, 2 WAL).
const WRITE_VERSION: usize = 18;
const READ_VERSION: usize = 19;

/// SQLite's WAL checksum over `data` (a multiple of 8 bytes), continuing from `s`.
fn checksum(big_endian: bool, mut s: (u32, u32), data: &[u8]) -> (u32, u32) {
    for pair in data.chunks_exact(8) {
        let word = |i: usize| {
            let w: [u8; 4] = pair
                .get(i..i + 4)
                .and_then(|x| x.try_into().ok())
                .unwrap_or_default();
            if big_endian {
                u32::from_be_bytes(w)
            } else {
                u32::from_le_bytes(w)
            }
        };
        s.0 = s.0.wrapping_add(word(0)).wrapping_add(s.1);
        s.1 = s.1.wrapping_add(word(4)).wrapping_add(s.0);
    }
    s
}

/// The database page size from its header (bytes 16–17, big-endian; 1 means 65536), if valid.
fn db_page_size(db: &[u8]) -> Option<usize> {
    let raw = u16::from_be_bytes([*db.get(16)?, *db.get(17)?]);
    let size = if raw == 1 { 65536 } else { usize::from(raw) };
    (size.is_power_of_two() && (512..=65536).contains(&size)).then_some(size)
}

/// The committed frames of a log: its page size, the database size in pages after the last
/// commit, and for each page written the offset of its newest committed copy in `wal`.
struct Committed {
    page_size: usize,
    db_pages: usize,
    pages: BTreeMap<usize, usize>,
}

/// Reads the log as SQLite's recovery does; `None` for a log with no valid header or no
/// committed frame (SQLite then reads the database file alone).
fn committed_frames(wal: &[u8]) -> Option<Committed> {
    let header = wal.get(..WAL_HEADER)?;
    let magic = be32(header, 0)?;
    if magic != WAL_MAGIC_LE && magic != WAL_MAGIC_BE {
        return None;
    }
    let big_endian = magic == WAL_MAGIC_BE;
    let page_size = be32(header, 8)? as usize;
    if be32(header, 4)? != WAL_VERSION
        || !page_size.is_power_of_two()
        || !(512..=65536).contains(&page_size)
    {
        return None;
    }
    let salts = (be32(header, 16)?, be32(header, 20)?);
    let mut sum = checksum(big_endian, (0, 0), header.get(..24)?);
    if sum != (be32(header, 24)?, be32(header, 28)?) {
        return None;
    }
    let frame_size = FRAME_HEADER + page_size;
    let (mut pages, mut pending) = (BTreeMap::new(), BTreeMap::new());
    let mut db_pages = None;
    let mut at = WAL_HEADER;
    while let Some(frame) = wal.get(at..at.checked_add(frame_size)?) {
        let (page_no, commit) = (be32(frame, 0)? as usize, be32(frame, 4)? as usize);
        if page_no == 0 || (be32(frame, 8)?, be32(frame, 12)?) != salts {
            break;
        }
        sum = checksum(big_endian, sum, frame.get(..8)?);
        sum = checksum(big_endian, sum, frame.get(FRAME_HEADER..)?);
        if sum != (be32(frame, 16)?, be32(frame, 20)?) {
            break;
        }
        pending.insert(page_no, at + FRAME_HEADER);
        if commit != 0 {
            pages.append(&mut pending);
            db_pages = Some(commit);
        }
        at += frame_size;
    }
    db_pages.map(|db_pages| Committed {
        page_size,
        db_pages,
        pages,
    })
}

/// The database image SQLite reads from `db` and the `-wal` log beside it, in rollback-journal
/// mode (header bytes 18–19 = 1) so that it opens from memory. A database not in WAL mode and
/// without a log is returned as is; bytes that are not a database at all are left for SQLite
/// to refuse.
///
/// Errors: a log whose committed frames have another page size than the database, or claim a
/// database larger than the database and the log together hold
/// ([`CatalogProblem::RpmWal`]).
///
/// ```
/// // A database that is not in WAL mode and has no log is read as it is.
/// let db = b"SQLite format 3\0\x10\x00\x01\x01".to_vec();
/// let image = stella_scan::catalog::rpm::apply_wal("var/lib/rpm/rpmdb.sqlite", &db, None).unwrap();
/// assert_eq!(&*image, &db[..]);
/// ```
pub fn apply_wal<'a>(
    path: &str,
    db: &'a [u8],
    wal: Option<&[u8]>,
) -> Result<Cow<'a, [u8]>, ScanError> {
    let bad = |problem: &'static str| err(NAME, path, CatalogProblem::RpmWal { problem });
    let mut image = match wal.and_then(committed_frames) {
        None if !in_wal_mode(db) => return Ok(Cow::Borrowed(db)),
        None => db.to_vec(),
        Some(c) => {
            if db.len() >= 100 && db_page_size(db) != Some(c.page_size) {
                return Err(bad("page size differs from the database's"));
            }
            let size = c
                .db_pages
                .checked_mul(c.page_size)
                .filter(|n| *n <= db.len().saturating_add(wal.map_or(0, <[u8]>::len)))
                .ok_or_else(|| bad("commit frame claims a database larger than the files"))?;
            let mut image = vec![0u8; size];
            let keep = db.len().min(size);
            if let (Some(to), Some(from)) = (image.get_mut(..keep), db.get(..keep)) {
                to.copy_from_slice(from);
            }
            for (page_no, offset) in c.pages.range(1..=c.db_pages) {
                let at = (page_no - 1) * c.page_size;
                let from = wal.and_then(|w| w.get(*offset..offset + c.page_size));
                if let (Some(to), Some(from)) = (image.get_mut(at..at + c.page_size), from) {
                    to.copy_from_slice(from);
                }
            }
            image
        }
    };
    if image.starts_with(SQLITE_MAGIC) {
        for at in [WRITE_VERSION, READ_VERSION] {
            if let Some(b) = image.get_mut(at) {
                if *b == 2 {
                    *b = 1;
                }
            }
        }
    }
    Ok(Cow::Owned(image))
}

/// Whether the database header says WAL mode (either version byte 2).
fn in_wal_mode(db: &[u8]) -> bool {
    db.starts_with(SQLITE_MAGIC)
        && (db.get(WRITE_VERSION) == Some(&2) || db.get(READ_VERSION) == Some(&2))
}

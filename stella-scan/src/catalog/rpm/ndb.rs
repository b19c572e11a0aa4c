//! SUSE's ndb `Packages.db` (rpm's own "new database" format, `--enable-ndb`), read as rpm's
//! `rpmpkg.c` reads it.
//!
//! Layout (all numbers little-endian): a 32-byte header (magic `RpmP`, version 0, generation,
//! number of 4096-byte slot pages, next package index), then slots of 16 bytes filling the
//! slot pages (magic `Slot`, package index, blob offset and blob length in 16-byte blocks; a
//! zero offset is a free slot). A blob starts with a 16-byte head (magic `BlbS`, package
//! index, generation, length) followed by the header blob, padding, and a 12-byte tail
//! (Adler-32, length, magic `BlbE`) ending its last block.
//!
//! Checked as rpm checks them when it reads (file size a multiple of 16; every slot's magic; a
//! used slot has a package index and a length and lies past the slot pages and inside the
//! file; a blob's head names its slot's package, its length fills exactly the slot's blocks,
//! and its tail repeats the length), plus what rpm's writer guarantees and an attacker need
//! not: no package index twice and no two blobs overlapping, so the bytes copied out are at
//! most the file's size. The Adler-32 is not verified: rpm's read path does not verify it
//! either (only `rpmdb --verifydb` does), and a package rpm lists must not go missing here.

use crate::error::{CatalogProblem, ScanError};

use super::super::util::err;
use super::{NAME, u32_at};

const PKGDB_MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
const BLOBHEAD_MAGIC: u32 = u32::from_le_bytes(*b"BlbS");
const BLOBTAIL_MAGIC: u32 = u32::from_le_bytes(*b"BlbE");
const HEADER_SIZE: usize = 32;
const SLOT_SIZE: usize = 16;
const BLK_SIZE: u64 = 16;
const PAGE_SIZE: usize = 4096;
const BLOBHEAD_SIZE: u64 = 16;
const BLOBTAIL_SIZE: u64 = 12;

fn le32(b: &[u8], at: usize) -> Option<u32> {
    u32_at(b, at, false)
}

/// One used slot.
struct Slot {
    pkgidx: u32,
    blkoff: u64,
    blkcnt: u64,
}

/// Every header blob of an ndb `Packages.db`, in package-index order.
///
/// Errors: [`CatalogProblem::RpmNdb`] for a file that is not an ndb database or whose slots
/// or blobs do not check out (see the module docs).
///
/// ```
/// use stella_scan::catalog::rpm::read_ndb;
/// // An empty database: the header and one page of free slots.
/// let mut db = vec![0u8; 4096];
/// db[..4].copy_from_slice(b"RpmP");
/// db[12] = 1; // one slot page
/// for slot in db[32..].chunks_mut(16) {
///     slot[..4].copy_from_slice(b"Slot");
/// }
/// assert!(read_ndb("usr/lib/sysimage/rpm/Packages.db", &db).unwrap().is_empty());
/// assert!(read_ndb("usr/lib/sysimage/rpm/Packages.db", b"RpmP").is_err());
/// ```
pub fn read_ndb(path: &str, file: &[u8]) -> Result<Vec<Vec<u8>>, ScanError> {
    let bad = |problem: &'static str| err(NAME, path, CatalogProblem::RpmNdb { problem });
    if le32(file, 0) != Some(PKGDB_MAGIC) || file.len() < HEADER_SIZE {
        return Err(bad("not an ndb database (no RpmP header)"));
    }
    if le32(file, 4) != Some(0) {
        return Err(bad("unsupported version"));
    }
    if file.len() as u64 % BLK_SIZE != 0 {
        return Err(bad("file size not a multiple of 16"));
    }
    let file_blocks = file.len() as u64 / BLK_SIZE;
    let slot_pages = le32(file, 12).unwrap_or(0) as usize;
    let slot_area = slot_pages
        .checked_mul(PAGE_SIZE)
        .filter(|n| *n <= file.len())
        .ok_or_else(|| bad("slot pages past the end of the file"))?;
    let min_blkoff = (slot_area as u64) / BLK_SIZE;
    let mut slots = Vec::new();
    for at in (HEADER_SIZE..slot_area).step_by(SLOT_SIZE) {
        if le32(file, at) != Some(SLOT_MAGIC) {
            return Err(bad("bad slot magic"));
        }
        let field = |i: usize| u64::from(le32(file, at + i).unwrap_or(0));
        let (pkgidx, blkoff, blkcnt) = (field(4) as u32, field(8), field(12));
        if blkoff == 0 {
            continue;
        }
        if blkoff + blkcnt > file_blocks {
            return Err(bad("blob past the end of the file"));
        }
        if pkgidx == 0 || blkcnt == 0 || blkoff < min_blkoff {
            return Err(bad("bad slot"));
        }
        slots.push(Slot {
            pkgidx,
            blkoff,
            blkcnt,
        });
    }
    slots.sort_by_key(|s| s.blkoff);
    for pair in slots.windows(2) {
        if let [a, b] = pair {
            if a.blkoff + a.blkcnt > b.blkoff {
                return Err(bad("blobs overlap"));
            }
        }
    }
    slots.sort_by_key(|s| s.pkgidx);
    if slots
        .windows(2)
        .any(|w| matches!(w, [a, b] if a.pkgidx == b.pkgidx))
    {
        return Err(bad("a package index in two slots"));
    }
    slots.iter().map(|s| blob(file, s).map_err(bad)).collect()
}

/// The header blob a slot points at, checked as rpm's `rpmpkgReadBlob` checks it.
fn blob(file: &[u8], slot: &Slot) -> Result<Vec<u8>, &'static str> {
    if slot.blkcnt < (BLOBHEAD_SIZE + BLOBTAIL_SIZE).div_ceil(BLK_SIZE) {
        return Err("blob smaller than its head and tail");
    }
    // In range: the slot was checked against the file's blocks.
    let start = (slot.blkoff * BLK_SIZE) as usize;
    let end = ((slot.blkoff + slot.blkcnt) * BLK_SIZE) as usize;
    let region = file
        .get(start..end)
        .ok_or("blob past the end of the file")?;
    if le32(region, 0) != Some(BLOBHEAD_MAGIC) {
        return Err("bad blob head magic");
    }
    if le32(region, 4) != Some(slot.pkgidx) {
        return Err("blob head names another package index");
    }
    let len = u64::from(le32(region, 12).unwrap_or(0));
    if slot.blkcnt != (BLOBHEAD_SIZE + len + BLOBTAIL_SIZE).div_ceil(BLK_SIZE) {
        return Err("blob length does not fill its slot's blocks");
    }
    let tail = region
        .len()
        .checked_sub(BLOBTAIL_SIZE as usize)
        .ok_or("blob smaller than its head and tail")?;
    if le32(region, tail + 4) != Some(len as u32) {
        return Err("blob tail length differs from its head");
    }
    if le32(region, tail + 8) != Some(BLOBTAIL_MAGIC) {
        return Err("bad blob tail magic");
    }
    region
        .get(BLOBHEAD_SIZE as usize..(BLOBHEAD_SIZE + len) as usize)
        .map(<[u8]>::to_vec)
        .ok_or("blob past the end of its slot")
}

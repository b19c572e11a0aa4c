//! The Berkeley DB `Packages` of RHEL/CentOS ≤ 8, Amazon Linux 2 and older SUSE: a BDB hash
//! database whose keys are rpm header instance numbers (4 bytes, the database's byte order)
//! and whose values are header blobs, read the way rpm's own read-only reader (`bdb_ro`)
//! walks it, without Berkeley DB.
//!
//! Layout (Berkeley DB 4.x/5.x, hash versions 8–10, either byte order, told by the magic):
//! page 0 is the metadata page (magic `0x061561` at 12, version at 16, page size at 20,
//! encryption at 24, last page at 32, highest bucket at 72, the 32 "spares" at 96: bucket `b`
//! lives on page `b + spares[bit length of b]`). A hash page (type 2 or 13) has a 26-byte
//! header (own page number at 8, next page of the bucket at 16, entry count at 20) and then
//! 2-byte offsets of its items, which alternate key and value and fill the page from the end.
//! An item is inline (`1`, the bytes follow) or off-page (`3`, then the first overflow page
//! and the total length); overflow pages (type 7) hold `hf_offset` bytes each after their
//! header and chain through "next page".
//!
//! Every page number is checked against the file before it is read and every page is read at
//! most once (a bucket chain or overflow chain that loops or two items sharing pages is a lie
//! and refused), so the work and the memory are bounded by the file's size; a length is
//! checked against the page or the file before anything is allocated. Keys that are not
//! 4 bytes or are 0 (rpm's "next instance" record) are skipped, as rpm skips them.

use crate::error::{CatalogProblem, ScanError};

use super::{MAX_HEADER, NAME, u32_at};

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
/// The page header before a hash page's offsets and an overflow page's data.
const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;

/// A problem found in the file (kept apart from the path until it becomes an error).
type Problem = &'static str;

struct Db<'a> {
    file: &'a [u8],
    big_endian: bool,
    page_size: usize,
    /// Pages reached so far (each page belongs to one bucket chain or one overflow item).
    seen: Vec<bool>,
}

fn rd16(big_endian: bool, b: &[u8], at: usize) -> Option<u16> {
    let s: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(if big_endian {
        u16::from_be_bytes(s)
    } else {
        u16::from_le_bytes(s)
    })
}

impl<'a> Db<'a> {
    fn u16(&self, b: &[u8], at: usize) -> Option<u16> {
        rd16(self.big_endian, b, at)
    }

    fn u32(&self, b: &[u8], at: usize) -> Option<u32> {
        u32_at(b, at, self.big_endian)
    }

    /// Page `no` (never page 0, the metadata), once: reaching a page twice is refused.
    fn page(&mut self, no: u32) -> Result<&'a [u8], Problem> {
        let index = no as usize;
        match self.seen.get_mut(index) {
            None => return Err("page number past the last page"),
            Some(_) if index == 0 => return Err("page chain reaches the metadata page"),
            Some(true) => return Err("page chain loops (a page reached twice)"),
            Some(seen) => *seen = true,
        }
        let start = index
            .checked_mul(self.page_size)
            .ok_or("page offset overflows")?;
        let page = self
            .file
            .get(start..start + self.page_size)
            .ok_or("page past the end of the file")?;
        if self.u32(page, 8) != Some(no) {
            return Err("page does not carry its own page number");
        }
        Ok(page)
    }

    /// An off-page item: `len` bytes along the overflow chain from page `first`.
    fn overflow(&mut self, first: u32, len: usize) -> Result<Vec<u8>, ScanError> {
        if len == 0 {
            return Err(Problem::into_err("empty overflow item"));
        }
        if len > MAX_HEADER || len > self.file.len() {
            return Err(ScanError::LimitExceeded {
                limit: "rpm Berkeley DB item bytes",
                max: MAX_HEADER.min(self.file.len()) as u64,
                actual: len as u64,
                input: String::new(),
            });
        }
        let mut out = Vec::with_capacity(len);
        let mut next = first;
        while out.len() < len {
            let page = self.page(next).map_err(Problem::into_err)?;
            if page.get(25) != Some(&P_OVERFLOW) {
                return Err(Problem::into_err(
                    "overflow chain reaches a page of another type",
                ));
            }
            let used = usize::from(self.u16(page, 22).unwrap_or(0));
            let data = page
                .get(PAGE_HEADER..PAGE_HEADER + used)
                .filter(|d| d.len() <= len - out.len())
                .ok_or(Problem::into_err("overflow page holds more than its item"))?;
            out.extend_from_slice(data);
            next = self.u32(page, 16).unwrap_or(0);
        }
        Ok(out)
    }

    /// The item at `off` spanning `len` bytes of `page`.
    fn item(&mut self, page: &'a [u8], off: usize, len: usize) -> Result<Vec<u8>, ScanError> {
        let bytes = page
            .get(off..off.saturating_add(len))
            .filter(|b| !b.is_empty())
            .ok_or(Problem::into_err("item past the end of its page"))?;
        match bytes.first() {
            Some(&H_KEYDATA) => Ok(bytes.get(1..).unwrap_or_default().to_vec()),
            Some(&H_OFFPAGE) if bytes.len() == 12 => {
                let (Some(first), Some(total)) = (self.u32(bytes, 4), self.u32(bytes, 8)) else {
                    return Err(Problem::into_err("truncated off-page item"));
                };
                self.overflow(first, total as usize)
            }
            Some(&H_OFFPAGE) => Err(Problem::into_err("off-page item of the wrong size")),
            _ => Err(Problem::into_err(
                "item of a type rpm's Packages does not use (duplicates)",
            )),
        }
    }
}

/// A problem becomes an error once the path is known (see [`read_bdb`]).
trait IntoErr {
    fn into_err(self) -> ScanError;
}

impl IntoErr for Problem {
    fn into_err(self) -> ScanError {
        ScanError::Catalog {
            cataloger: NAME,
            path: String::new(),
            reason: CatalogProblem::RpmBdb { problem: self },
        }
    }
}

/// Names the file in an error built without it.
fn with_path(path: &str, e: ScanError) -> ScanError {
    match e {
        ScanError::Catalog {
            cataloger, reason, ..
        } => ScanError::Catalog {
            cataloger,
            path: path.to_owned(),
            reason,
        },
        ScanError::LimitExceeded {
            limit, max, actual, ..
        } => ScanError::LimitExceeded {
            limit,
            max,
            actual,
            input: format!("{NAME}: {path}"),
        },
        other => other,
    }
}

/// Every header blob of a Berkeley DB `Packages` file, in instance-number order.
///
/// Errors: [`CatalogProblem::RpmBdb`] for a file that is not a Berkeley DB hash database or
/// lies about its structure (a page or an item past the end, a chain that loops, an encrypted
/// database), [`CatalogProblem::RpmDatabaseFormat`] for a btree, and
/// [`ScanError::LimitExceeded`] for an item over 64 MiB.
///
/// ```
/// use stella_scan::catalog::rpm::read_bdb;
/// // Not a Berkeley DB file: a typed error, never a panic.
/// assert!(read_bdb("var/lib/rpm/Packages", b"not a database").is_err());
/// ```
pub fn read_bdb(path: &str, file: &[u8]) -> Result<Vec<Vec<u8>>, ScanError> {
    read(file).map_err(|e| with_path(path, e))
}

fn read(file: &[u8]) -> Result<Vec<Vec<u8>>, ScanError> {
    let magic = file
        .get(12..16)
        .and_then(|m| <[u8; 4]>::try_from(m).ok())
        .ok_or(Problem::into_err("shorter than a metadata page"))?;
    let big_endian = match (u32::from_le_bytes(magic), u32::from_be_bytes(magic)) {
        (HASH_MAGIC, _) => false,
        (_, HASH_MAGIC) => true,
        (BTREE_MAGIC, _) | (_, BTREE_MAGIC) => {
            return Err(ScanError::Catalog {
                cataloger: NAME,
                path: String::new(),
                reason: CatalogProblem::RpmDatabaseFormat {
                    format: "Berkeley DB btree",
                },
            });
        }
        _ => return Err(Problem::into_err("not a Berkeley DB hash database")),
    };
    let mut db = Db {
        file,
        big_endian,
        page_size: 0,
        seen: Vec::new(),
    };
    let meta = file
        .get(..512)
        .ok_or(Problem::into_err("shorter than a metadata page"))?;
    let field = |at: usize| u32_at(meta, at, big_endian).unwrap_or(0);
    if !(8..=10).contains(&field(16)) {
        return Err(Problem::into_err("unsupported hash version"));
    }
    let page_size = field(20) as usize;
    if !page_size.is_power_of_two() || !(512..=65536).contains(&page_size) {
        return Err(Problem::into_err("invalid page size"));
    }
    if meta.get(24) != Some(&0) {
        return Err(Problem::into_err("encrypted database"));
    }
    let last_page = field(32) as usize;
    let pages = last_page
        .checked_add(1)
        .filter(|n| n.checked_mul(page_size).is_some_and(|b| b <= file.len()))
        .ok_or(Problem::into_err("last page past the end of the file"))?;
    let max_bucket = field(72);
    if max_bucket as usize >= pages {
        return Err(Problem::into_err("more buckets than pages"));
    }
    let spares: Vec<u32> = (0..32).map(|i| field(96 + 4 * i)).collect();
    db.page_size = page_size;
    db.seen = vec![false; pages];

    let mut blobs: Vec<(u32, Vec<u8>)> = Vec::new();
    for bucket in 0..=max_bucket {
        let bits = (u32::BITS - bucket.leading_zeros()) as usize;
        let mut next = spares
            .get(bits)
            .and_then(|s| s.checked_add(bucket))
            .ok_or(Problem::into_err("bucket page number overflows"))?;
        while next != 0 {
            let page = db.page(next).map_err(Problem::into_err)?;
            if !matches!(page.get(25), Some(&(P_HASH_UNSORTED | P_HASH | P_HASHMETA))) {
                return Err(Problem::into_err(
                    "bucket chain reaches a page that is not a hash page",
                ));
            }
            let entries = usize::from(rd16(big_endian, page, 20).unwrap_or(0));
            if PAGE_HEADER + 2 * entries > page_size {
                return Err(Problem::into_err("more entries than the page holds"));
            }
            let offset =
                |i: usize| usize::from(rd16(big_endian, page, PAGE_HEADER + 2 * i).unwrap_or(0));
            for pair in 0..entries / 2 {
                let (k, v) = (offset(2 * pair), offset(2 * pair + 1));
                if k >= page_size || v >= page_size {
                    return Err(Problem::into_err("item offset past the end of its page"));
                }
                // Items fill the page from its end: an item ends where the previous begins.
                let key_end = if pair == 0 {
                    page_size
                } else {
                    offset(2 * pair - 1)
                };
                let key_len = key_end
                    .checked_sub(k)
                    .ok_or(Problem::into_err("items out of order"))?;
                let value_len = k
                    .checked_sub(v)
                    .ok_or(Problem::into_err("items out of order"))?;
                let key = db.item(page, k, key_len)?;
                let value = db.item(page, v, value_len)?;
                let instance = <[u8; 4]>::try_from(key.as_slice())
                    .ok()
                    .and_then(|k| u32_at(&k, 0, big_endian))
                    .unwrap_or(0);
                if instance != 0 {
                    blobs.push((instance, value));
                }
            }
            next = db.u32(page, 16).unwrap_or(0);
        }
    }
    blobs.sort_by_key(|(instance, _)| *instance);
    Ok(blobs.into_iter().map(|(_, blob)| blob).collect())
}

//! The vulnerability DB snapshot: one compact, content-addressed file.
//!
//! ## Format (version 2, all integers little-endian)
//!
//! ```text
//! magic      8 bytes  "STLOSV01"
//! header     u32 length + canonical JSON (RFC 8785): {"format":2,"date":…,"records":N,
//!            "ecosystems":{name: count}, "git_ranges": n}
//! keys       u32 count, then per key (sorted by bytes): u32 string offset, u32 string length,
//!            u32 first posting, u32 posting count
//! postings   u32 count, then u32 record indices (per key sorted by record id)
//! records    u32 count, then per record: u32 chunk, u32 offset, u32 length (into the chunk
//!            once inflated)
//! chunks     u32 count, then per chunk: u64 offset, u32 length (into the blob), u32 inflated
//!            length (at most 16 MiB)
//! strings    u32 length + key strings ("<ecosystem>\0<normalized name>")
//! blob       u64 length + the chunks: raw DEFLATE (RFC 1951) of the records as compact JSON,
//!            sorted by id, about 64 KiB of JSON per chunk (a record never spans two chunks)
//! trailer    32 bytes: SHA-256 of everything before it
//! ```
//!
//! ## Alias groups
//! Besides the (ecosystem, name) keys, the key table holds one key per id that two or more
//! records share (`id`, `aliases` or `upstream` of each): `"\0" + id` (an empty ecosystem,
//! which no OSV record can have), whose postings are the records carrying that id. The matcher
//! follows these keys transitively to find a finding's alias group (PYSEC ↔ GHSA ↔ CVE/NVD; see
//! [`crate::severity`]). Ids that only one record carries get no key, so a snapshot without
//! shared ids is byte for byte what it was before alias keys existed, and a snapshot without
//! alias keys (older builds) still loads and matches: its groups are the matched records alone.
//! The header's `alias_keys` counts these keys (absent when zero); [`Snapshot::keys`] leaves
//! them out.
//!
//! The snapshot's digest ([`Snapshot::digest`]) is that trailer — the SHA-256 of the file
//! without its last 32 bytes — and is what scan manifests pin. Loading ([`Snapshot::load`])
//! checks magic, every table bound and the trailer (so one flipped byte fails the load), and
//! parses only the header: lookups binary-search the key table in place, a chunk is inflated
//! when a record in it is first asked for, and a record's JSON is parsed only then.
//!
//! Why compressed: loading hashes the whole file, and hashing is most of the load; OSV JSON
//! deflates about 5:1 in 64 KiB chunks (the benchmark corpus of 3,022 Go vulndb and PyPA records: 5.2 MB of JSON in 0.96 MB),
//! so the load hashes a fifth of the bytes, while a match inflates only the chunks it touches.
//! Format 1 (uncompressed) files are refused with "unsupported format": rebuild them.
//!
//! The same records, date and build of this crate always give the same bytes: records are
//! sorted by id (a duplicate id keeps the record with the latest `modified`, then the later
//! source), keys by bytes, and the deflater (zlib-rs, pinned by Cargo.lock) is deterministic.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use stella_core::{Digest, Timestamp};

use crate::compiled::CompiledRecord;
use crate::error::{SnapshotFault, VulnError, WriteProblem};
use crate::osv::{OsvRecord, RangeType, normalize_name};

const MAGIC: &[u8; 8] = b"STLOSV01";
const FORMAT: u32 = 2;
/// JSON bytes per chunk before a new one is started.
const CHUNK_TARGET: usize = 64 << 10;
/// Largest inflated chunk accepted (a chunk holds at least one record, so this also bounds a
/// record).
pub const MAX_CHUNK_BYTES: usize = 16 << 20;
/// Largest snapshot accepted by [`Snapshot::load`] (bytes).
pub const MAX_SNAPSHOT_BYTES: usize = 4 << 30;

/// What the header of a snapshot says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    /// Format version (2).
    pub format: u32,
    /// The snapshot date given by the caller at build time (RFC 3339).
    pub date: String,
    /// Number of records.
    pub records: u64,
    /// Records per ecosystem (an affected entry's ecosystem; a record counts once per
    /// ecosystem it names).
    pub ecosystems: BTreeMap<String, u64>,
    /// GIT ranges kept (they cannot be matched against package versions).
    pub git_ranges: u64,
    /// Withdrawn records kept (they never match).
    pub withdrawn: u64,
    /// Alias-group keys: ids shared by two or more records (see the module docs); omitted from
    /// the header when zero.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub alias_keys: u64,
    /// The sources the snapshot was built from, sorted (feed, name); absent from snapshots
    /// built without [`SnapshotBuilder::add_source`], whose bytes are unchanged by it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SnapshotSource>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Longest id (or alias) that gets an alias-group key; OSV ids are at most 256 bytes.
const MAX_ALIAS_KEY_BYTES: usize = 256;

/// The ids a record is grouped by: its `id`, `aliases` and `upstream`.
pub(crate) fn group_ids(rec: &OsvRecord) -> impl Iterator<Item = &str> {
    std::iter::once(rec.id.as_str())
        .chain(rec.aliases.iter().map(String::as_str))
        .chain(rec.upstream.iter().map(String::as_str))
        .filter(|id| !id.is_empty() && id.len() <= MAX_ALIAS_KEY_BYTES)
}

/// One source of a snapshot, as recorded in its header: which feed, which file (or tree), its
/// digest and date, and how many records it gave.
///
/// ```
/// use stella_core::{Digest, Timestamp};
/// use stella_vuln::snapshot::{Snapshot, SnapshotBuilder, SnapshotSource};
/// let mut b = SnapshotBuilder::new();
/// b.add_source(SnapshotSource { feed: "debian".into(), name: "tracker/data/json".into(),
///     digest: Digest::of(b"{}"), date: "2024-07-01T00:00:00Z".into(), records: 0 });
/// let snap = Snapshot::load(b.build(&Timestamp::parse_rfc3339("2024-07-01T00:00:00Z").unwrap()).unwrap()).unwrap();
/// assert_eq!(snap.info().sources[0].feed, "debian");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SnapshotSource {
    /// The feed kind (`osv`, `ghsa`, `debian`, `alpine`, `csaf`; see `feeds::FeedKind`).
    pub feed: String,
    /// The file, directory or URL as given (a directory's digest covers its listing).
    pub name: String,
    /// SHA-256 of the source's bytes (of a directory: of its sorted `digest  path` listing).
    pub digest: Digest,
    /// The source's date (RFC 3339): its latest record `modified`, the date it was fetched, or
    /// the snapshot date for feeds that carry none.
    pub date: String,
    /// Records it contributed: OSV documents accepted, or for the other feeds the record ids
    /// it added (an id an earlier source of the same build already gave is merged, not
    /// counted again).
    pub records: u64,
}

/// Collects records for a snapshot.
///
/// ```
/// use stella_core::Timestamp;
/// use stella_vuln::osv::parse_record;
/// use stella_vuln::snapshot::{Snapshot, SnapshotBuilder};
///
/// let mut b = SnapshotBuilder::new();
/// b.add("GO-1.json", parse_record("GO-1.json", br#"{"id":"GO-1","modified":"2024-01-01T00:00:00Z",
///   "affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},
///   "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.3"}]}]}]}"#).unwrap());
/// let bytes = b.build(&Timestamp::parse_rfc3339("2024-06-01T00:00:00Z").unwrap()).unwrap();
/// let snap = Snapshot::load(bytes).unwrap();
/// assert_eq!(snap.info().records, 1);
/// assert_eq!(snap.lookup("Go", "example.com/m").unwrap().len(), 1);
/// ```
#[derive(Debug, Default)]
pub struct SnapshotBuilder {
    records: BTreeMap<String, (String, OsvRecord)>,
    duplicates: u64,
    sources: Vec<SnapshotSource>,
}

impl SnapshotBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a (validated) record; `source_name` breaks ties between duplicate ids.
    pub fn add(&mut self, source_name: &str, record: OsvRecord) {
        match self.records.get(&record.id) {
            Some((prev_source, prev)) => {
                self.duplicates += 1;
                let newer = (record.modified.as_str(), source_name)
                    > (prev.modified.as_str(), prev_source.as_str());
                if newer {
                    self.records
                        .insert(record.id.clone(), (source_name.to_owned(), record));
                }
            }
            None => {
                self.records
                    .insert(record.id.clone(), (source_name.to_owned(), record));
            }
        }
    }

    /// Records a source in the header ([`SnapshotInfo::sources`]).
    pub fn add_source(&mut self, source: SnapshotSource) {
        self.sources.push(source);
    }

    /// Records added so far (after de-duplication).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no record was added.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The latest `modified` time among the records (RFC 3339 as written), a deterministic
    /// default for the snapshot date.
    pub fn latest_modified(&self) -> Option<String> {
        self.records
            .values()
            .filter_map(|(_, r)| {
                Timestamp::parse_rfc3339(&r.modified)
                    .ok()
                    .map(|t| (t.unix_nanos(), r.modified.clone()))
            })
            .max()
            .map(|(_, m)| m)
    }

    /// Duplicate ids seen.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Writes the snapshot bytes, dated `date` (the caller's choice, never the clock).
    pub fn build(&self, date: &Timestamp) -> Result<Vec<u8>, VulnError> {
        let too_big = |what: &'static str| VulnError::Limit {
            what,
            limit: u64::from(u32::MAX),
        };
        let mut blob = Vec::new();
        // Per record: (chunk, offset in the inflated chunk, length).
        let mut offsets: Vec<(u32, u32, u32)> = Vec::with_capacity(self.records.len());
        // Per chunk: (offset in the blob, deflated length, inflated length).
        let mut chunks: Vec<(u64, u32, u32)> = Vec::new();
        let mut chunk: Vec<u8> = Vec::with_capacity(CHUNK_TARGET * 2);
        let mut keys: BTreeMap<Vec<u8>, Vec<u32>> = BTreeMap::new();
        let mut info = SnapshotInfo {
            format: FORMAT,
            date: date.to_rfc3339(),
            records: self.records.len() as u64,
            ecosystems: BTreeMap::new(),
            git_ranges: 0,
            withdrawn: 0,
            alias_keys: 0,
            sources: {
                let mut s = self.sources.clone();
                s.sort();
                s
            },
        };
        // id → the records carrying it (in index order), for the alias-group keys.
        let mut carriers: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        for (index, (_, rec)) in self.records.values().enumerate() {
            let index = u32::try_from(index).map_err(|_| too_big("record count"))?;
            let json = serde_json::to_vec(rec).map_err(|e| VulnError::Write {
                format: "snapshot",
                reason: WriteProblem::Json(e),
            })?;
            if json.len() > MAX_CHUNK_BYTES {
                return Err(VulnError::Limit {
                    what: "record size",
                    limit: MAX_CHUNK_BYTES as u64,
                });
            }
            if !chunk.is_empty() && chunk.len() + json.len() > CHUNK_TARGET {
                chunks.push(deflate_chunk(&chunk, &mut blob)?);
                chunk.clear();
            }
            let chunk_index = u32::try_from(chunks.len()).map_err(|_| too_big("chunks"))?;
            let offset = u32::try_from(chunk.len()).map_err(|_| too_big("chunk size"))?;
            let len = u32::try_from(json.len()).map_err(|_| too_big("record size"))?;
            offsets.push((chunk_index, offset, len));
            chunk.extend_from_slice(&json);
            if rec.withdrawn.is_some() {
                info.withdrawn += 1;
            }
            let mut ecos = Vec::new();
            for a in &rec.affected {
                info.git_ranges +=
                    a.ranges.iter().filter(|r| r.kind == RangeType::Git).count() as u64;
                if let Some(p) = &a.package {
                    let key = index_key(&p.ecosystem, &p.name);
                    let postings = keys.entry(key).or_default();
                    if postings.last() != Some(&index) {
                        postings.push(index);
                    }
                    ecos.push(p.ecosystem.clone());
                }
            }
            ecos.sort();
            ecos.dedup();
            for e in ecos {
                *info.ecosystems.entry(e).or_default() += 1;
            }
            for id in group_ids(rec) {
                let records = carriers.entry(id).or_default();
                if records.last() != Some(&index) {
                    records.push(index);
                }
            }
        }
        for (id, records) in carriers {
            if records.len() > 1 {
                let mut key = Vec::with_capacity(id.len() + 1);
                write_index_key(&mut key, "", id);
                // An unvalidated record with an empty ecosystem could own this key already.
                let postings = keys.entry(key).or_default();
                postings.extend(records);
                postings.sort_unstable();
                postings.dedup();
                info.alias_keys += 1;
            }
        }
        if !chunk.is_empty() {
            chunks.push(deflate_chunk(&chunk, &mut blob)?);
        }
        let header =
            stella_core::canonical::to_canonical_vec(&info).map_err(|e| VulnError::Write {
                format: "snapshot header",
                reason: WriteProblem::Canonical(e),
            })?;
        let mut out = Vec::with_capacity(blob.len() + 1024);
        out.extend_from_slice(MAGIC);
        put_u32(
            &mut out,
            u32::try_from(header.len()).map_err(|_| too_big("header"))?,
        );
        out.extend_from_slice(&header);
        let mut strings = Vec::new();
        let mut postings_all: Vec<u32> = Vec::new();
        put_u32(
            &mut out,
            u32::try_from(keys.len()).map_err(|_| too_big("keys"))?,
        );
        for (key, postings) in &keys {
            let so = u32::try_from(strings.len()).map_err(|_| too_big("strings"))?;
            strings.extend_from_slice(key);
            put_u32(&mut out, so);
            put_u32(
                &mut out,
                u32::try_from(key.len()).map_err(|_| too_big("key"))?,
            );
            put_u32(
                &mut out,
                u32::try_from(postings_all.len()).map_err(|_| too_big("postings"))?,
            );
            put_u32(
                &mut out,
                u32::try_from(postings.len()).map_err(|_| too_big("postings"))?,
            );
            postings_all.extend_from_slice(postings);
        }
        put_u32(
            &mut out,
            u32::try_from(postings_all.len()).map_err(|_| too_big("postings"))?,
        );
        for p in &postings_all {
            put_u32(&mut out, *p);
        }
        put_u32(
            &mut out,
            u32::try_from(offsets.len()).map_err(|_| too_big("records"))?,
        );
        for (c, o, l) in &offsets {
            put_u32(&mut out, *c);
            put_u32(&mut out, *o);
            put_u32(&mut out, *l);
        }
        put_u32(
            &mut out,
            u32::try_from(chunks.len()).map_err(|_| too_big("chunks"))?,
        );
        for (o, l, raw) in &chunks {
            out.extend_from_slice(&o.to_le_bytes());
            put_u32(&mut out, *l);
            put_u32(&mut out, *raw);
        }
        put_u32(
            &mut out,
            u32::try_from(strings.len()).map_err(|_| too_big("strings"))?,
        );
        out.extend_from_slice(&strings);
        out.extend_from_slice(&(blob.len() as u64).to_le_bytes());
        out.extend_from_slice(&blob);
        let digest = Digest::of(&out);
        out.extend_from_slice(digest.as_bytes());
        Ok(out)
    }
}

/// Deflates one chunk of record JSON onto `blob`; returns its chunk-table entry.
fn deflate_chunk(raw: &[u8], blob: &mut Vec<u8>) -> Result<(u64, u32, u32), VulnError> {
    use std::io::Write;
    let write_error = |e: std::io::Error| VulnError::Write {
        format: "snapshot chunk",
        reason: WriteProblem::Deflate(e),
    };
    let offset = blob.len() as u64;
    let mut enc = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(raw.len() / 3),
        flate2::Compression::best(),
    );
    enc.write_all(raw).map_err(write_error)?;
    let deflated = enc.finish().map_err(write_error)?;
    blob.extend_from_slice(&deflated);
    let too_big = |what: &'static str| VulnError::Limit {
        what,
        limit: u64::from(u32::MAX),
    };
    Ok((
        offset,
        u32::try_from(deflated.len()).map_err(|_| too_big("chunk size"))?,
        u32::try_from(raw.len()).map_err(|_| too_big("chunk size"))?,
    ))
}

fn index_key(ecosystem: &str, name: &str) -> Vec<u8> {
    let mut k = Vec::new();
    write_index_key(&mut k, ecosystem, &normalize_name(ecosystem, name));
    k
}

/// The index key of (ecosystem, an already normalized name) into `out` (cleared first).
fn write_index_key(out: &mut Vec<u8>, ecosystem: &str, normalized: &str) {
    out.clear();
    out.extend_from_slice(ecosystem.as_bytes());
    out.push(0);
    out.extend_from_slice(normalized.as_bytes());
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// A loaded snapshot: the file's bytes plus the offsets of its tables.
///
/// Cheap to clone (the bytes and the parsed-record memo are shared). Records are parsed on
/// first use and kept, so matching against a loaded snapshot again does not parse again.
#[derive(Clone)]
pub struct Snapshot {
    bytes: Arc<[u8]>,
    parsed: Arc<[OnceLock<Arc<OsvRecord>>]>,
    /// Records prepared for matching (keys normalized, range events parsed), made on first use.
    compiled: Arc<[OnceLock<CompiledRecord>]>,
    /// Chunks inflated on first use.
    inflated: Arc<[OnceLock<Box<[u8]>>]>,
    info: SnapshotInfo,
    digest: Digest,
    keys: (usize, usize),
    postings: (usize, usize),
    records: (usize, usize),
    chunks: (usize, usize),
    strings: (usize, usize),
    blob: (usize, usize),
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("digest", &self.digest)
            .field("info", &self.info)
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

fn corrupt(fault: SnapshotFault) -> VulnError {
    VulnError::Snapshot { fault }
}

impl Cursor<'_> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<(usize, usize), VulnError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| corrupt(SnapshotFault::Truncated(what)))?;
        let start = self.pos;
        self.pos = end;
        Ok((start, end))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, VulnError> {
        let (s, e) = self.take(4, what)?;
        let b: [u8; 4] = self
            .bytes
            .get(s..e)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| corrupt(SnapshotFault::Truncated(what)))?;
        Ok(u32::from_le_bytes(b))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, VulnError> {
        let (s, e) = self.take(8, what)?;
        let b: [u8; 8] = self
            .bytes
            .get(s..e)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| corrupt(SnapshotFault::Truncated(what)))?;
        Ok(u64::from_le_bytes(b))
    }
    fn table(
        &mut self,
        count: usize,
        width: usize,
        what: &'static str,
    ) -> Result<(usize, usize), VulnError> {
        let n = count
            .checked_mul(width)
            .ok_or_else(|| corrupt(SnapshotFault::TooLarge(what)))?;
        self.take(n, what)
    }
}

/// Slot `index` of a lazily filled table: made by `make` on first use and kept (a failure is
/// returned and not kept); an index past the table is corrupt.
fn memo<'a, T>(
    slots: &'a [OnceLock<T>],
    index: u32,
    what: &'static str,
    make: impl FnOnce() -> Result<T, VulnError>,
) -> Result<&'a T, VulnError> {
    let slot = slots
        .get(index as usize)
        .ok_or_else(|| corrupt(SnapshotFault::OutOfRange { what, index }))?;
    if let Some(v) = slot.get() {
        return Ok(v);
    }
    let made = make()?;
    Ok(slot.get_or_init(|| made))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at.checked_add(4)?)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    bytes
        .get(at..at.checked_add(8)?)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
}

impl Snapshot {
    /// Loads snapshot bytes: checks the trailer digest and every table bound, parses the header.
    pub fn load(bytes: impl Into<Arc<[u8]>>) -> Result<Self, VulnError> {
        let bytes: Arc<[u8]> = bytes.into();
        if bytes.len() > MAX_SNAPSHOT_BYTES {
            return Err(VulnError::Limit {
                what: "snapshot size",
                limit: MAX_SNAPSHOT_BYTES as u64,
            });
        }
        if bytes.len() < MAGIC.len() + 32 || bytes.get(..MAGIC.len()) != Some(MAGIC.as_slice()) {
            return Err(corrupt(SnapshotFault::NotASnapshot));
        }
        let body_len = bytes.len() - 32;
        let body = bytes.get(..body_len).unwrap_or(&[]);
        let stated = bytes.get(body_len..).unwrap_or(&[]);
        let actual = Digest::of(body);
        if actual.as_bytes().as_slice() != stated {
            return Err(VulnError::SnapshotDigest {
                stated: hex::encode(stated),
                actual: actual.hex(),
            });
        }
        let mut c = Cursor {
            bytes: body,
            pos: MAGIC.len(),
        };
        let hl = c.u32("header length")? as usize;
        let (hs, he) = c.take(hl, "header")?;
        let info: SnapshotInfo = serde_json::from_slice(body.get(hs..he).unwrap_or(&[]))
            .map_err(|e| corrupt(SnapshotFault::Header(e.to_string())))?;
        if info.format != FORMAT {
            return Err(corrupt(SnapshotFault::UnsupportedFormat(info.format)));
        }
        let nkeys = c.u32("key count")? as usize;
        let keys = c.table(nkeys, 16, "key table")?;
        let npost = c.u32("posting count")? as usize;
        let postings = c.table(npost, 4, "postings")?;
        let nrec = c.u32("record count")? as usize;
        let records = c.table(nrec, 12, "record table")?;
        let nchunks = c.u32("chunk count")? as usize;
        let chunks = c.table(nchunks, 16, "chunk table")?;
        let sl = c.u32("strings length")? as usize;
        let strings = c.take(sl, "strings")?;
        let bl = usize::try_from(c.u64("blob length")?)
            .map_err(|_| corrupt(SnapshotFault::TooLarge("blob")))?;
        let blob = c.take(bl, "blob")?;
        if c.pos != body_len {
            return Err(corrupt(SnapshotFault::TrailingBytes));
        }
        if info.records != nrec as u64 {
            return Err(corrupt(SnapshotFault::RecordCountMismatch));
        }
        let digest = actual;
        let parsed: Arc<[OnceLock<Arc<OsvRecord>>]> = (0..nrec).map(|_| OnceLock::new()).collect();
        let compiled: Arc<[OnceLock<CompiledRecord>]> =
            (0..nrec).map(|_| OnceLock::new()).collect();
        let inflated: Arc<[OnceLock<Box<[u8]>>]> = (0..nchunks).map(|_| OnceLock::new()).collect();
        Ok(Self {
            bytes,
            parsed,
            compiled,
            inflated,
            chunks,
            info,
            digest,
            keys,
            postings,
            records,
            strings,
            blob,
        })
    }

    /// The header.
    pub fn info(&self) -> &SnapshotInfo {
        &self.info
    }

    /// The digest scans pin (SHA-256 of the file without its 32-byte trailer).
    pub fn digest(&self) -> Digest {
        self.digest
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn key_at(&self, i: usize) -> Result<(&[u8], usize, usize), VulnError> {
        let at = self.keys.0 + i * 16;
        let b = &self.bytes;
        let (Some(so), Some(sl), Some(po), Some(pc)) = (
            read_u32(b, at),
            read_u32(b, at + 4),
            read_u32(b, at + 8),
            read_u32(b, at + 12),
        ) else {
            return Err(corrupt(SnapshotFault::OutOfBounds("key table entry")));
        };
        let s = self.strings.0 + so as usize;
        let key = b
            .get(s..s + sl as usize)
            .filter(|_| s + sl as usize <= self.strings.1)
            .ok_or_else(|| corrupt(SnapshotFault::OutOfBounds("key string")))?;
        Ok((key, po as usize, pc as usize))
    }

    /// Indices of the records naming (ecosystem, package name) in an `affected` entry, sorted.
    /// `ecosystem` is matched exactly (`Debian:12`); the name is normalized as at build time.
    pub fn lookup(&self, ecosystem: &str, name: &str) -> Result<Vec<u32>, VulnError> {
        let mut out = Vec::new();
        let normalized = normalize_name(ecosystem, name);
        self.lookup_normalized_into(ecosystem, &normalized, &mut Vec::new(), &mut out)?;
        Ok(out)
    }

    /// [`Snapshot::lookup`] of a name already normalized ([`normalize_name`]), into `out`
    /// (cleared first), building the index key in `key`: for callers that reuse both vectors.
    pub(crate) fn lookup_normalized_into(
        &self,
        ecosystem: &str,
        normalized: &str,
        key: &mut Vec<u8>,
        out: &mut Vec<u32>,
    ) -> Result<(), VulnError> {
        out.clear();
        write_index_key(key, ecosystem, normalized);
        let want = key;
        let n = (self.keys.1 - self.keys.0) / 16;
        let (mut lo, mut hi) = (0usize, n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (key, po, pc) = self.key_at(mid)?;
            match key.cmp(want.as_slice()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    // `pc` is read from the file: reserve no more than the postings table holds.
                    let room = self.postings.1.saturating_sub(self.postings.0) / 4;
                    out.reserve(pc.min(room));
                    for k in 0..pc {
                        let at = self.postings.0 + (po + k) * 4;
                        if at + 4 > self.postings.1 {
                            return Err(corrupt(SnapshotFault::OutOfBounds("posting")));
                        }
                        out.push(
                            read_u32(&self.bytes, at)
                                .ok_or_else(|| corrupt(SnapshotFault::Unreadable("posting")))?,
                        );
                    }
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    /// Indices of the records whose `id`, `aliases` or `upstream` include `id`, sorted, when
    /// two or more records share it (the alias-group key, see the module docs); empty when only
    /// one record (or none) carries it, and for snapshots built without alias keys.
    pub fn records_sharing_id(&self, id: &str) -> Result<Vec<u32>, VulnError> {
        let mut out = Vec::new();
        self.records_sharing_id_into(id, &mut Vec::new(), &mut out)?;
        Ok(out)
    }

    /// [`Snapshot::records_sharing_id`] into `out` (cleared first), building the key in `key`.
    pub(crate) fn records_sharing_id_into(
        &self,
        id: &str,
        key: &mut Vec<u8>,
        out: &mut Vec<u32>,
    ) -> Result<(), VulnError> {
        self.lookup_normalized_into("", id, key, out)
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        (self.records.1 - self.records.0) / 12
    }

    /// Whether the snapshot has no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The raw JSON of record `index` (its chunk is inflated on first use and kept).
    pub fn record_json(&self, index: u32) -> Result<&[u8], VulnError> {
        let at = self.records.0 + index as usize * 12;
        if at + 12 > self.records.1 {
            return Err(corrupt(SnapshotFault::OutOfRange {
                what: "record",
                index,
            }));
        }
        let (Some(chunk), Some(off), Some(len)) = (
            read_u32(&self.bytes, at),
            read_u32(&self.bytes, at + 4),
            read_u32(&self.bytes, at + 8),
        ) else {
            return Err(corrupt(SnapshotFault::Unreadable("record table entry")));
        };
        let raw = self.chunk(chunk)?;
        let start = off as usize;
        start
            .checked_add(len as usize)
            .and_then(|end| raw.get(start..end))
            .ok_or_else(|| {
                corrupt(SnapshotFault::EntryOutOfBounds {
                    what: "record",
                    index,
                })
            })
    }

    /// Chunk `chunk` inflated, on first use and kept.
    fn chunk(&self, chunk: u32) -> Result<&[u8], VulnError> {
        memo(&self.inflated, chunk, "chunk", || self.inflate(chunk)).map(|raw| &**raw)
    }

    /// Inflates chunk `chunk` (bounded by its stated length, which must be exact).
    fn inflate(&self, chunk: u32) -> Result<Box<[u8]>, VulnError> {
        let at = self.chunks.0 + chunk as usize * 16;
        let (Some(off), Some(len), Some(raw_len)) = (
            read_u64(&self.bytes, at),
            read_u32(&self.bytes, at + 8),
            read_u32(&self.bytes, at + 12),
        ) else {
            return Err(corrupt(SnapshotFault::Unreadable("chunk table entry")));
        };
        let raw_len = raw_len as usize;
        if raw_len > MAX_CHUNK_BYTES {
            return Err(corrupt(SnapshotFault::ChunkTooLarge {
                chunk,
                stated: raw_len,
                limit: MAX_CHUNK_BYTES,
            }));
        }
        let input = usize::try_from(off)
            .ok()
            .and_then(|o| o.checked_add(self.blob.0))
            .and_then(|start| Some((start, start.checked_add(len as usize)?)))
            .filter(|(_, end)| *end <= self.blob.1)
            .and_then(|(start, end)| self.bytes.get(start..end))
            .ok_or_else(|| {
                corrupt(SnapshotFault::EntryOutOfBounds {
                    what: "chunk",
                    index: chunk,
                })
            })?;
        // Inflate into exactly the stated capacity: a chunk that inflates to more (or less),
        // or does not end where stated, is corrupt.
        let mut out = Vec::with_capacity(raw_len);
        let mut inflater = flate2::Decompress::new(false);
        let status = inflater
            .decompress_vec(input, &mut out, flate2::FlushDecompress::Finish)
            .map_err(|e| {
                corrupt(SnapshotFault::Inflate {
                    chunk,
                    inflater_message: e.to_string(),
                })
            })?;
        if status != flate2::Status::StreamEnd
            || out.len() != raw_len
            || inflater.total_in() != u64::from(len)
        {
            return Err(corrupt(SnapshotFault::InflatedSize {
                chunk,
                stated: raw_len,
            }));
        }
        Ok(out.into_boxed_slice())
    }

    /// Record `index`, parsed on first use and kept.
    pub fn record(&self, index: u32) -> Result<Arc<OsvRecord>, VulnError> {
        memo(&self.parsed, index, "record", || {
            serde_json::from_slice(self.record_json(index)?)
                .map(Arc::new)
                .map_err(|e| {
                    corrupt(SnapshotFault::Record {
                        index,
                        parser_message: e.to_string(),
                    })
                })
        })
        .map(Arc::clone)
    }

    /// Record `index` prepared for matching, made on first use and kept.
    pub(crate) fn compiled(&self, index: u32) -> Result<&CompiledRecord, VulnError> {
        memo(&self.compiled, index, "record", || {
            Ok(CompiledRecord::new(index, self.record(index)?))
        })
    }

    /// Every distinct (ecosystem, normalized name) index key, sorted; the alias-group keys are
    /// left out.
    pub fn keys(&self) -> Result<Vec<(String, String)>, VulnError> {
        let n = (self.keys.1 - self.keys.0) / 16;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let (key, _, _) = self.key_at(i)?;
            if key.first() == Some(&0) {
                continue;
            }
            let s = String::from_utf8_lossy(key);
            let (e, name) = s.split_once('\0').unwrap_or((&s, ""));
            out.push((e.to_owned(), name.to_owned()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::parse_record;

    fn rec(id: &str, modified: &str, eco: &str, name: &str) -> OsvRecord {
        parse_record(
            "t.json",
            format!(
                r#"{{"id":"{id}","modified":"{modified}","affected":[{{"package":{{"ecosystem":"{eco}","name":"{name}"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"2.0"}}]}}]}}]}}"#
            )
            .as_bytes(),
        )
        .unwrap()
    }

    fn date() -> Timestamp {
        Timestamp::parse_rfc3339("2024-06-01T00:00:00Z").unwrap()
    }

    #[test]
    fn round_trip_and_lookup() {
        let mut b = SnapshotBuilder::new();
        b.add(
            "b",
            rec("PYSEC-2", "2024-01-01T00:00:00Z", "PyPI", "Foo_Bar"),
        );
        b.add(
            "a",
            rec("PYSEC-1", "2024-01-01T00:00:00Z", "PyPI", "foo-bar"),
        );
        b.add(
            "c",
            rec("DSA-1", "2024-01-01T00:00:00Z", "Debian:12", "openssl"),
        );
        let bytes = b.build(&date()).unwrap();
        let s = Snapshot::load(bytes.clone()).unwrap();
        assert_eq!(s.info().records, 3);
        assert_eq!(s.info().date, "2024-06-01T00:00:00Z");
        let hits = s.lookup("PyPI", "FOO.bar").unwrap();
        let ids: Vec<String> = hits
            .iter()
            .map(|i| s.record(*i).unwrap().id.clone())
            .collect();
        assert_eq!(ids, vec!["PYSEC-1", "PYSEC-2"]);
        assert!(s.lookup("Debian:11", "openssl").unwrap().is_empty());
        assert_eq!(s.lookup("Debian:12", "openssl").unwrap().len(), 1);
        assert_eq!(s.digest(), Digest::of(&bytes[..bytes.len() - 32]));
    }

    #[test]
    fn same_records_same_bytes_in_any_order() {
        let mut a = SnapshotBuilder::new();
        let mut b = SnapshotBuilder::new();
        let r1 = rec("GO-1", "2024-01-01T00:00:00Z", "Go", "m");
        let r2 = rec("GO-2", "2024-01-01T00:00:00Z", "Go", "n");
        a.add("1", r1.clone());
        a.add("2", r2.clone());
        b.add("2", r2);
        b.add("1", r1);
        assert_eq!(a.build(&date()).unwrap(), b.build(&date()).unwrap());
    }

    #[test]
    fn duplicates_keep_the_latest_modified() {
        let mut b = SnapshotBuilder::new();
        b.add("new", rec("GO-1", "2024-02-01T00:00:00Z", "Go", "new"));
        b.add("old", rec("GO-1", "2024-01-01T00:00:00Z", "Go", "old"));
        assert_eq!(b.duplicates(), 1);
        let s = Snapshot::load(b.build(&date()).unwrap()).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s.lookup("Go", "new").unwrap().len(), 1);
    }

    #[test]
    fn every_flipped_byte_fails_to_load() {
        let mut b = SnapshotBuilder::new();
        b.add("a", rec("GO-1", "2024-01-01T00:00:00Z", "Go", "m"));
        let bytes = b.build(&date()).unwrap();
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            assert!(Snapshot::load(bad).is_err(), "flip at {i} loaded");
        }
        for n in 0..bytes.len() {
            assert!(Snapshot::load(bytes[..n].to_vec()).is_err());
        }
    }

    /// Many records span several chunks; every record reads back as the builder wrote it.
    #[test]
    fn records_across_chunks_read_back() {
        let mut b = SnapshotBuilder::new();
        for i in 0..600 {
            b.add(
                "a",
                rec(
                    &format!("GO-{i:04}"),
                    "2024-01-01T00:00:00Z",
                    "Go",
                    &format!("m{i}"),
                ),
            );
        }
        let bytes = b.build(&date()).unwrap();
        let snap = Snapshot::load(bytes).unwrap();
        assert!(
            snap.inflated.len() > 1,
            "one chunk only: {}",
            snap.inflated.len()
        );
        for i in 0..600u32 {
            let id = format!("GO-{i:04}");
            assert_eq!(snap.record(i).unwrap().id, id);
            let json: serde_json::Value =
                serde_json::from_slice(snap.record_json(i).unwrap()).unwrap();
            assert_eq!(json["id"], id.as_str());
        }
        assert!(snap.record(600).is_err());
    }

    /// Re-seals a modified snapshot (a hostile file can carry a correct trailer).
    fn reseal(mut body: Vec<u8>) -> Vec<u8> {
        body.truncate(body.len() - 32);
        let d = Digest::of(&body);
        body.extend_from_slice(d.as_bytes());
        body
    }

    /// The offset of the chunk table in a one-record snapshot built by `rec`.
    fn chunk_table_at(bytes: &[u8]) -> usize {
        let mut c = Cursor {
            bytes,
            pos: MAGIC.len(),
        };
        let hl = c.u32("h").unwrap() as usize;
        c.take(hl, "h").unwrap();
        let nk = c.u32("k").unwrap() as usize;
        c.table(nk, 16, "k").unwrap();
        let np = c.u32("p").unwrap() as usize;
        c.table(np, 4, "p").unwrap();
        let nr = c.u32("r").unwrap() as usize;
        c.table(nr, 12, "r").unwrap();
        assert_eq!(c.u32("c").unwrap(), 1);
        c.pos
    }

    #[test]
    fn a_chunk_that_lies_about_its_length_is_corrupt_not_a_panic() {
        let mut b = SnapshotBuilder::new();
        b.add("a", rec("GO-1", "2024-01-01T00:00:00Z", "Go", "m"));
        let good = b.build(&date()).unwrap();
        let at = chunk_table_at(&good);
        let raw_len = read_u32(&good, at + 12).unwrap();
        for (field, value) in [
            // inflated length one short, one long, over the limit
            (12, raw_len - 1),
            (12, raw_len + 1),
            (12, u32::MAX),
            // deflated length one short (the stream does not end), past the blob
            (8, read_u32(&good, at + 8).unwrap() - 1),
            (8, u32::MAX),
        ] {
            let mut bad = good.clone();
            bad[at + field..at + field + 4].copy_from_slice(&value.to_le_bytes());
            let snap = Snapshot::load(reseal(bad)).unwrap();
            let err = snap.record(0).unwrap_err();
            assert!(
                matches!(err, VulnError::Snapshot { .. }),
                "{field}/{value}: {err}"
            );
        }
        // An offset past the blob.
        let mut bad = good.clone();
        bad[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        let snap = Snapshot::load(reseal(bad)).unwrap();
        assert!(snap.record(0).is_err());
        // The untouched file reads.
        assert_eq!(Snapshot::load(good).unwrap().record(0).unwrap().id, "GO-1");
    }
}

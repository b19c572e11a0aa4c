//! Streaming one layer blob: decompression (detected by magic bytes), the tar walk, path
//! normalization, whiteouts and the decompressed-size limits. A layer is never held in memory
//! whole: entries are visited as the stream passes, and a tar record the walk must hold (a GNU
//! long name or link, a PAX header, a GNU sparse map) is checked against its limit by the size
//! its header declares, before any of it is read. zstd skippable frames are skipped.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};

use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

use super::tree::{EntryKind, TreeEntry, normalize_path};
use crate::error::{ImageError, LayerProblem, ScanError};
use crate::limits::ScanLimits;

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// A plain tar.
    None,
    /// gzip (RFC 1952), possibly several members.
    Gzip,
    /// Zstandard, possibly several frames.
    Zstd,
}

impl Compression {
    /// Detects compression from a blob's first bytes; the media type is only a hint, since
    /// archives in the wild label uncompressed tars as gzip and the other way round.
    ///
    /// ```
    /// use stella_scan::image::layer::Compression;
    /// assert_eq!(Compression::detect(&[0x1f, 0x8b, 8]), Compression::Gzip);
    /// assert_eq!(Compression::detect(&[0x28, 0xb5, 0x2f, 0xfd]), Compression::Zstd);
    /// assert_eq!(Compression::detect(&[0x5e, 0x2a, 0x4d, 0x18]), Compression::Zstd);
    /// assert_eq!(Compression::detect(b"etc/"), Compression::None);
    /// ```
    pub fn detect(magic: &[u8]) -> Self {
        match magic {
            [0x1f, 0x8b, ..] => Self::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Self::Zstd,
            // A skippable frame first (RFC 8878 §3.1.2; a zstd:chunked layer may begin with one).
            [0x50..=0x5f, 0x2a, 0x4d, 0x18, ..] => Self::Zstd,
            _ => Self::None,
        }
    }
}

/// Counters shared by the layers of one image walked in parallel.
#[derive(Debug, Default)]
pub struct WalkBudget {
    /// Decompressed bytes read so far over all layers.
    pub image_bytes: AtomicU64,
    /// Entries seen so far over all layers.
    pub entries: AtomicU64,
}

/// What a layer walk saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerListing {
    /// Every entry in archive order, normalized.
    pub entries: Vec<TreeEntry>,
    /// Decompressed bytes of the layer.
    pub decompressed_bytes: u64,
    /// Tar entries of the layer as counted against [`ScanLimits::max_entries`] (whiteouts,
    /// the root directory and metadata-only entries included, so it can exceed
    /// `entries.len()`).
    pub tar_entries: u64,
}

impl WalkBudget {
    /// Charges a layer whose walk was not repeated (its result came from a cache) against the
    /// image-wide and per-layer limits, as walking it would have: the same limit is exceeded
    /// (with the layer's totals as the actual values), so a cache hit does not turn a scan
    /// over a limit into one that passes.
    pub fn charge(
        &self,
        layer: &str,
        tar_entries: u64,
        decompressed_bytes: u64,
        limits: &ScanLimits,
    ) -> Result<(), ScanError> {
        let input = || format!("layer {layer}");
        ScanLimits::check(
            "max_layer_bytes",
            limits.max_layer_bytes,
            decompressed_bytes,
            input,
        )?;
        let total = self
            .image_bytes
            .fetch_add(decompressed_bytes, Ordering::Relaxed)
            .saturating_add(decompressed_bytes);
        ScanLimits::check("max_image_bytes", limits.max_image_bytes, total, input)?;
        let seen = self
            .entries
            .fetch_add(tar_entries, Ordering::Relaxed)
            .saturating_add(tar_entries);
        ScanLimits::check("max_entries", limits.max_entries, seen, input)
    }
}

/// The magic numbers of Zstandard skippable frames (RFC 8878 §3.1.2): a 4-byte little-endian
/// length follows, then that many bytes a decoder ignores. zstd:chunked layers carry their
/// table of contents in one; `zstd -d` skips them anywhere in a stream.
const ZSTD_SKIPPABLE: std::ops::RangeInclusive<u32> = 0x184D_2A50..=0x184D_2A5F;

/// Multi-frame Zstandard decoder over a buffered reader (ruzstd's streaming decoder reads one
/// frame; layers written with several frames are legal). Skippable frames before, between and
/// after data frames are skipped as they stream (never buffered); their bytes together are
/// held to `max_skipped` (the layer limit), so an endless run of them ends.
struct ZstdReader<R> {
    source: R,
    decoder: FrameDecoder,
    in_frame: bool,
    skipped: u64,
    max_skipped: u64,
}

impl<R: BufRead> ZstdReader<R> {
    fn new(source: R, max_skipped: u64) -> Self {
        Self {
            source,
            decoder: FrameDecoder::new(),
            in_frame: false,
            skipped: 0,
            max_skipped,
        }
    }

    /// Skips the rest of a skippable frame whose magic number was read.
    fn skip_frame(&mut self) -> io::Result<()> {
        let mut len = [0u8; 4];
        self.source.read_exact(&mut len)?;
        let len = u64::from(u32::from_le_bytes(len));
        self.skipped = self.skipped.saturating_add(len.saturating_add(8));
        if self.skipped > self.max_skipped {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "zstd skippable frames of more than {} bytes",
                    self.max_skipped
                ),
            ));
        }
        let copied = io::copy(&mut (&mut self.source).take(len), &mut io::sink())?;
        if copied != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "zstd skippable frame ends early",
            ));
        }
        Ok(())
    }
}

impl<R: BufRead> Read for ZstdReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if !self.in_frame {
                if self.source.fill_buf()?.is_empty() {
                    return Ok(0);
                }
                let mut magic = [0u8; 4];
                self.source.read_exact(&mut magic)?;
                if ZSTD_SKIPPABLE.contains(&u32::from_le_bytes(magic)) {
                    self.skip_frame()?;
                    continue;
                }
                self.decoder
                    .reset((&magic[..]).chain(&mut self.source))
                    .map_err(io::Error::other)?;
                self.in_frame = true;
            }
            while self.decoder.can_collect() == 0 && !self.decoder.is_finished() {
                self.decoder
                    .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBlocks(1))
                    .map_err(io::Error::other)?;
            }
            let n = self.decoder.read(buf)?;
            if n > 0 {
                return Ok(n);
            }
            if self.decoder.is_finished() && self.decoder.can_collect() == 0 {
                self.in_frame = false;
            }
        }
    }
}

/// Counts decompressed bytes and stops at the layer and image limits.
struct Counting<'a, R> {
    inner: R,
    read: u64,
    limits: &'a ScanLimits,
    budget: &'a WalkBudget,
    exceeded: Option<(&'static str, u64, u64)>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        let total = self
            .budget
            .image_bytes
            .fetch_add(n as u64, Ordering::Relaxed)
            + n as u64;
        if self.read > self.limits.max_layer_bytes {
            self.exceeded = Some(("max_layer_bytes", self.limits.max_layer_bytes, self.read));
        } else if total > self.limits.max_image_bytes {
            self.exceeded = Some(("max_image_bytes", self.limits.max_image_bytes, total));
        }
        if self.exceeded.is_some() {
            return Err(io::Error::other("scan limit exceeded"));
        }
        Ok(n)
    }
}

/// Size of a tar block.
const BLOCK: usize = 512;

/// What the block at [`TarGuard::next_block`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A tar header.
    Header,
    /// A GNU sparse map extension block (the `blocks`-th one is next); the entry's `data`
    /// bytes follow the last one.
    SparseExt { data: u64, blocks: u64 },
    /// Past the end of the archive, or after a header the `tar` crate refuses too: bytes pass
    /// through unread.
    Done,
}

/// Reads the tar stream just ahead of the `tar` crate, one header at a time, and refuses an
/// extension record whose *declared* size is over its limit before a byte of it is passed on.
///
/// The crate reads a GNU long name or long link (`L`, `K`) and a PAX header (`x`) into memory
/// whole before it yields the entry they describe, so a header declaring an 8 GiB name made it
/// buffer 8 GiB (gzip or zstd make that a layer of a few MB); it also reads every GNU sparse
/// extension block of an entry into its map. The guard follows the archive's layout exactly
/// as the crate does (the same header parser, the PAX `size` override, the sparse extension
/// blocks) so it always knows where the next header is, and:
///
/// * holds `L` and `K` records to [`ScanLimits::max_path_bytes`] (+ 1 for the NUL),
/// * holds PAX `x` and `g` headers, and the extension blocks of one sparse map, to
///   [`ScanLimits::max_tar_header_bytes`].
///
/// Refusing fails the read; `refused` names the limit for the caller's typed error.
struct TarGuard<'a, R> {
    inner: R,
    limits: &'a ScanLimits,
    /// Bytes passed on so far.
    pos: u64,
    /// Where the next block to inspect starts.
    next_block: u64,
    expect: Expect,
    /// The inspected block being passed on.
    block: [u8; BLOCK],
    block_len: usize,
    block_served: usize,
    /// A PAX `x` record being passed on: its data's start, its size and its bytes so far.
    pax_capture: Option<(u64, u64, Vec<u8>)>,
    /// The last PAX record, for the entry it describes (its `size` overrides the header's).
    pax_pending: Option<Vec<u8>>,
    /// The limit a declared size went over: (limit, max, declared).
    refused: Option<(&'static str, u64, u64)>,
}

impl<'a, R: Read> TarGuard<'a, R> {
    fn new(inner: R, limits: &'a ScanLimits) -> Self {
        Self {
            inner,
            limits,
            pos: 0,
            next_block: 0,
            expect: Expect::Header,
            block: [0; BLOCK],
            block_len: 0,
            block_served: 0,
            pax_capture: None,
            pax_pending: None,
            refused: None,
        }
    }

    fn refuse(&mut self, limit: &'static str, max: u64, declared: u64) -> io::Result<()> {
        self.refused = Some((limit, max, declared));
        self.expect = Expect::Done;
        Err(io::Error::other(format!(
            "tar record declares {declared} bytes, over {limit} ({max})"
        )))
    }

    /// Reads the block at `next_block` and inspects it.
    fn fill_block(&mut self) -> io::Result<()> {
        let mut len = 0;
        while let Some(rest) = self.block.get_mut(len..).filter(|r| !r.is_empty()) {
            match self.inner.read(rest)? {
                0 => break,
                n => len += n,
            }
        }
        self.block_len = len;
        self.block_served = 0;
        if len < BLOCK {
            // The end of the stream (the crate reports a short block itself).
            self.expect = Expect::Done;
            return Ok(());
        }
        let start = self.pos;
        match self.expect {
            Expect::Header => self.inspect_header(start),
            Expect::SparseExt { data, blocks } => self.inspect_sparse_ext(start, data, blocks),
            Expect::Done => Ok(()),
        }
    }

    fn inspect_header(&mut self, start: u64) -> io::Result<()> {
        if let Some((_, size, data)) = self.pax_capture.take()
            && data.len() as u64 == size
        {
            self.pax_pending = Some(data);
        }
        if self.block.iter().all(|b| *b == 0) {
            // The crate ends the archive at the first zero block.
            self.expect = Expect::Done;
            return Ok(());
        }
        let header = tar::Header::from_byte_slice(&self.block);
        let kind = header.entry_type();
        let (long_name, pax_local) = (
            kind.is_gnu_longname() || kind.is_gnu_longlink(),
            kind.is_pax_local_extensions(),
        );
        let is_extension = long_name || pax_local || kind.is_pax_global_extensions();
        let recognized = header.as_gnu().is_some() || header.as_ustar().is_some();
        // Records the crate reads whole and keeps for the next entry.
        let swallowed = recognized && (long_name || pax_local);
        let sparse_extended = !swallowed
            && kind.is_gnu_sparse()
            && header.as_gnu().is_some_and(tar::GnuHeader::is_extended);
        let Ok(mut size) = header.entry_size() else {
            self.expect = Expect::Done; // the crate refuses this header too
            return Ok(());
        };
        let pending = self.pax_pending.take();
        if !is_extension && let Some(s) = pending.as_deref().and_then(pax_size) {
            size = s;
        }
        if swallowed {
            self.pax_pending = pending;
        }
        if swallowed && long_name {
            let max = self.limits.max_path_bytes;
            // The record ends in a NUL (as every writer writes it): the path is one byte less.
            if size > max.saturating_add(1) {
                return self.refuse("max_path_bytes", max, size - 1);
            }
        }
        if (swallowed && pax_local) || kind.is_pax_global_extensions() {
            let max = self.limits.max_tar_header_bytes;
            if size > max {
                return self.refuse("max_tar_header_bytes", max, size);
            }
        }
        let data_start = start + BLOCK as u64;
        if swallowed && pax_local {
            // Grown as the bytes arrive: the declared size is not allocated up front.
            let capacity = usize::try_from(size).unwrap_or(0).min(64 << 10);
            self.pax_capture = Some((data_start, size, Vec::with_capacity(capacity)));
        }
        if sparse_extended {
            self.next_block = data_start;
            self.expect = Expect::SparseExt {
                data: size,
                blocks: 0,
            };
            return Ok(());
        }
        match padded(size).and_then(|p| data_start.checked_add(p)) {
            Some(next) => {
                self.next_block = next;
                self.expect = Expect::Header;
            }
            None => self.expect = Expect::Done, // the crate refuses the size too
        }
        Ok(())
    }

    fn inspect_sparse_ext(&mut self, start: u64, data: u64, blocks: u64) -> io::Result<()> {
        let blocks = blocks + 1;
        let max = self.limits.max_tar_header_bytes;
        let bytes = blocks.saturating_mul(BLOCK as u64);
        if bytes > max {
            return self.refuse("max_tar_header_bytes", max, bytes);
        }
        let mut ext = tar::GnuExtSparseHeader::new();
        ext.as_mut_bytes().copy_from_slice(&self.block);
        let after = start + BLOCK as u64;
        if ext.is_extended() {
            self.next_block = after;
            self.expect = Expect::SparseExt { data, blocks };
        } else {
            match padded(data).and_then(|p| after.checked_add(p)) {
                Some(next) => {
                    self.next_block = next;
                    self.expect = Expect::Header;
                }
                None => self.expect = Expect::Done,
            }
        }
        Ok(())
    }
}

/// `size` rounded up to whole blocks.
fn padded(size: u64) -> Option<u64> {
    Some(size.checked_add(BLOCK as u64 - 1)? & !(BLOCK as u64 - 1))
}

/// The `size` of a PAX record, read as the `tar` crate reads it (the first `size` key; a
/// malformed record or value means none).
fn pax_size(records: &[u8]) -> Option<u64> {
    for record in tar::PaxExtensions::new(records) {
        let record = record.ok()?;
        if record.key() != Ok("size") {
            continue;
        }
        return record.value().ok()?.parse().ok();
    }
    None
}

impl<R: Read> Read for TarGuard<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.refused.is_some() {
            return Err(io::Error::other("tar stream refused"));
        }
        if self.block_served >= self.block_len
            && self.expect != Expect::Done
            && self.pos == self.next_block
        {
            self.fill_block()?;
        }
        if let Some(rest) = self.block.get(self.block_served..self.block_len)
            && !rest.is_empty()
        {
            let n = rest.len().min(buf.len());
            if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.block_served += n;
            self.pos += n as u64;
            return Ok(n);
        }
        let want = match self.expect {
            Expect::Done => buf.len(),
            _ => usize::try_from(self.next_block.saturating_sub(self.pos))
                .unwrap_or(usize::MAX)
                .min(buf.len()),
        };
        let Some(dst) = buf.get_mut(..want) else {
            return Ok(0);
        };
        let n = self.inner.read(dst)?;
        if let Some((start, size, data)) = &mut self.pax_capture
            && self.pos == *start + data.len() as u64
        {
            let take = usize::try_from(size.saturating_sub(data.len() as u64))
                .unwrap_or(usize::MAX)
                .min(n);
            data.extend_from_slice(dst.get(..take).unwrap_or_default());
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// Turns an IO error from the layer stream into the scan error it stands for: a digest
/// mismatch from the source's verifying reader stays one.
fn layer_error(layer: &str, err: io::Error) -> ScanError {
    match err.downcast::<stella_core::CoreError>() {
        Ok(core) => ScanError::Core(core),
        Err(err) => ScanError::Image(ImageError::Layer {
            layer: layer.to_owned(),
            reason: LayerProblem::Stream(err),
        }),
    }
}

/// Walks one layer blob: detects its compression, streams the tar, and calls `visit` for
/// every regular file with a reader over its contents (the visitor reads as much as it wants;
/// the rest is skipped). Returns every normalized entry. Whiteout marker files become
/// [`EntryKind::Whiteout`] / [`EntryKind::OpaqueWhiteout`] entries and are not visited. The
/// stream is read to its end, so a verifying reader from the source gets to check the digest.
pub fn walk_layer(
    raw: &mut dyn Read,
    layer: &str,
    limits: &ScanLimits,
    budget: &WalkBudget,
    visit: &mut dyn FnMut(&TreeEntry, &mut dyn Read) -> Result<(), ScanError>,
) -> Result<LayerListing, ScanError> {
    let mut raw = BufReader::with_capacity(256 * 1024, raw);
    let magic = raw.fill_buf().map_err(|e| layer_error(layer, e))?;
    let compression = Compression::detect(magic);
    let decoder: Box<dyn Read + '_> = match compression {
        Compression::None => Box::new(&mut raw),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(&mut raw)),
        Compression::Zstd => Box::new(ZstdReader::new(&mut raw, limits.max_layer_bytes)),
    };
    let mut counted = Counting {
        inner: decoder,
        read: 0,
        limits,
        budget,
        exceeded: None,
    };
    let mut tar_entries = 0;
    let mut guard = TarGuard::new(&mut counted, limits);
    let result = walk_tar(&mut guard, layer, limits, budget, &mut tar_entries, visit);
    if let Some((limit, max, actual)) = guard.refused {
        // Refused on a header's declared size: the declared bytes are not read.
        return Err(ScanError::LimitExceeded {
            limit,
            max,
            actual,
            input: format!("layer {layer}"),
        });
    }
    let result = result.and_then(|entries| {
        io::copy(&mut counted, &mut io::sink())
            .map(|_| entries)
            .map_err(|e| layer_error(layer, e))
    });
    if let Some((limit, max, actual)) = counted.exceeded {
        return Err(ScanError::LimitExceeded {
            limit,
            max,
            actual,
            input: format!("layer {layer}"),
        });
    }
    let entries = result?;
    let decompressed_bytes = counted.read;
    drop(counted);
    io::copy(&mut raw, &mut io::sink()).map_err(|e| layer_error(layer, e))?;
    Ok(LayerListing {
        entries,
        decompressed_bytes,
        tar_entries,
    })
}

fn walk_tar(
    stream: &mut dyn Read,
    layer: &str,
    limits: &ScanLimits,
    budget: &WalkBudget,
    counted: &mut u64,
    visit: &mut dyn FnMut(&TreeEntry, &mut dyn Read) -> Result<(), ScanError>,
) -> Result<Vec<TreeEntry>, ScanError> {
    let mut archive = tar::Archive::new(stream);
    let mut out = Vec::new();
    let entries = archive.entries().map_err(|e| layer_error(layer, e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| layer_error(layer, e))?;
        *counted += 1;
        let seen = budget.entries.fetch_add(1, Ordering::Relaxed) + 1;
        ScanLimits::check("max_entries", limits.max_entries, seen, || {
            format!("layer {layer}")
        })?;
        let header = entry.header();
        let kind = header.entry_type();
        let mode = header.mode().unwrap_or(0) & 0o7777;
        let raw_path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        check_path(&raw_path, limits, layer)?;
        let path = normalize_path(&raw_path);
        let link = entry
            .link_name_bytes()
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        if let Some(l) = &link {
            check_path(l, limits, layer)?;
        }
        let (dir, base) = match path.rsplit_once('/') {
            Some((d, b)) => (d, b),
            None => ("", path.as_str()),
        };
        if let Some(hidden) = base.strip_prefix(".wh.") {
            let (path, kind) = if hidden == ".wh..opq" {
                (dir.to_owned(), EntryKind::OpaqueWhiteout)
            } else if hidden.starts_with(".wh.") {
                continue; // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not content
            } else if matches!(hidden, "" | "." | "..") {
                return Err(ScanError::Image(ImageError::InvalidWhiteout {
                    layer: layer.to_owned(),
                    path: raw_path,
                }));
            } else if dir.is_empty() {
                (hidden.to_owned(), EntryKind::Whiteout)
            } else {
                (format!("{dir}/{hidden}"), EntryKind::Whiteout)
            };
            out.push(TreeEntry {
                path,
                kind,
                mode,
                size: 0,
            });
            continue;
        }
        if path.is_empty() {
            continue; // the root directory itself
        }
        let size = entry.size();
        let kind = match kind {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                EntryKind::File
            }
            tar::EntryType::Directory => EntryKind::Dir,
            tar::EntryType::Symlink => EntryKind::Symlink(link.unwrap_or_default()),
            tar::EntryType::Link => EntryKind::HardLink(normalize_path(&link.unwrap_or_default())),
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => EntryKind::Other,
            _ => continue, // pax global headers and other metadata-only entries
        };
        let size = if kind == EntryKind::File { size } else { 0 };
        let tree_entry = TreeEntry {
            path,
            kind,
            mode,
            size,
        };
        if tree_entry.kind == EntryKind::File {
            visit(&tree_entry, &mut entry)?;
        }
        out.push(tree_entry);
    }
    Ok(out)
}

/// Checks a raw path (or link target) against the length and depth limits.
pub(crate) fn check_path(raw: &str, limits: &ScanLimits, input: &str) -> Result<(), ScanError> {
    ScanLimits::check(
        "max_path_bytes",
        limits.max_path_bytes,
        raw.len() as u64,
        || format!("{input}: path {:?}", truncate(raw)),
    )?;
    let depth = raw.split('/').filter(|c| !c.is_empty()).count() as u64;
    ScanLimits::check("max_path_depth", limits.max_path_depth, depth, || {
        format!("{input}: path {:?}", truncate(raw))
    })
}

fn truncate(s: &str) -> String {
    s.chars().take(120).collect()
}

/// Holds a blob stream to the size its descriptor states: longer or shorter is an error (the
/// source's verifying reader checks the digest when the stream ends).
pub(crate) struct ExactSize<R> {
    pub(crate) inner: R,
    pub(crate) expected: u64,
    pub(crate) read: u64,
}

impl<R: Read> Read for ExactSize<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.expected {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "blob is longer than its descriptor's {} bytes",
                    self.expected
                ),
            ));
        }
        if n == 0 && !buf.is_empty() && self.read != self.expected {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "blob is {} bytes, its descriptor says {}",
                    self.read, self.expected
                ),
            ));
        }
        Ok(n)
    }
}

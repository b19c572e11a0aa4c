//! Streaming one layer blob: decompression (detected by magic bytes), the tar walk, path
//! normalization, whiteouts and the decompressed-size limits. A layer is never held in memory
//! whole: entries are visited as the stream passes.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};

use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

use super::tree::{EntryKind, TreeEntry, normalize_path};
use crate::error::{ImageError, ScanError};
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
    /// assert_eq!(Compression::detect(b"etc/"), Compression::None);
    /// ```
    pub fn detect(magic: &[u8]) -> Self {
        match magic {
            [0x1f, 0x8b, ..] => Self::Gzip,
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Self::Zstd,
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

/// Multi-frame Zstandard decoder over a buffered reader (ruzstd's streaming decoder reads one
/// frame; layers written with several frames are legal).
struct ZstdReader<R> {
    source: R,
    decoder: FrameDecoder,
    in_frame: bool,
}

impl<R: BufRead> ZstdReader<R> {
    fn new(source: R) -> Self {
        Self {
            source,
            decoder: FrameDecoder::new(),
            in_frame: false,
        }
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
                self.decoder
                    .reset(&mut self.source)
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

/// Turns an IO error from the layer stream into the scan error it stands for: a digest
/// mismatch from the source's verifying reader stays one.
fn layer_error(layer: &str, err: io::Error) -> ScanError {
    let text = err.to_string();
    if let Some(inner) = err.into_inner()
        && let Ok(core) = inner.downcast::<stella_core::CoreError>()
    {
        return ScanError::Core(*core);
    }
    ScanError::Image(ImageError::Layer {
        layer: layer.to_owned(),
        reason: text,
    })
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
        Compression::Zstd => Box::new(ZstdReader::new(&mut raw)),
    };
    let mut counted = Counting {
        inner: decoder,
        read: 0,
        limits,
        budget,
        exceeded: None,
    };
    let mut tar_entries = 0;
    let result = walk_tar(&mut counted, layer, limits, budget, &mut tar_entries, visit);
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

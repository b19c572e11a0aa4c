//! What is cached, and under which key: the per-layer record of phase 1 ([`LayerResult`]) and
//! its key ([`cache_key`]: layer digest, catalogers, phase-1 limits), the per-chain record of
//! phase 2 ([`ChainResult`]) and its key ([`chain_key`]: every layer key in order, catalogers,
//! the link limit, the image-wide budgets, the scanner version). How a record is written as
//! bytes is [`super::codec`]'s job.

use std::sync::Arc;

use stella_core::Digest;

use crate::image::TreeEntry;
use crate::package::{OsRelease, Package};

/// One file a cataloger extracted in phase 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Extracted {
    /// The cataloger's name (or the engine's own `os-release` reader).
    pub cataloger: String,
    pub path: String,
    pub mode: u32,
    /// Ordinal of the file among the layer's regular-file entries (its
    /// [`crate::image::ContentId::file`]).
    pub file: u64,
    pub data: Arc<[u8]>,
}

/// Phase 1 of one layer: what the cache stores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LayerResult {
    pub entries: Vec<TreeEntry>,
    pub extracted: Vec<Extracted>,
    pub notes: Vec<String>,
    pub decompressed_bytes: u64,
    /// Tar entries counted against `max_entries` (a hit charges them, and the bytes, to the
    /// scan's limits as a walk would).
    pub tar_entries: u64,
    /// (bytes inflated, entries walked) of archives while extracting (a hit charges them to the
    /// image's archive budget as extracting would).
    pub archive: (u64, u64),
}

/// The cache key of one layer under one set of catalogers and limits.
pub(crate) fn cache_key(layer: &Digest, catalogers: &[(String, String)], limits: &str) -> Digest {
    let mut text = format!("stella-scan layer cache v2\nlayer {layer}\nlimits {limits}\n");
    for (name, version) in catalogers {
        text.push_str(&format!("cataloger {name} {version}\n"));
    }
    Digest::of(text.as_bytes())
}

/// Phase 2 of a whole chain of layers: what the chain cache stores. Everything of an
/// [`crate::Sbom`] that depends on the layers (and not on the image's name, manifest, config
/// or platform, which the engine fills in from the image at hand).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ChainResult {
    pub os: Option<OsRelease>,
    pub packages: Vec<Package>,
    pub notes: Vec<String>,
    /// Paths in the merged tree (for [`crate::engine::ScanStats::paths`]).
    pub paths: u64,
    /// (tar entries, decompressed bytes) of each layer, bottom first: a hit charges them to the
    /// scan's limits as walking the layers would.
    pub layer_sizes: Vec<(u64, u64)>,
    /// The image-wide budgets the cold scan used: a hit charges them again.
    pub budgets: BudgetsUsed,
}

/// The image-wide budgets a scan used (the chain key holds the limits; the record what was
/// used under them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct BudgetsUsed {
    /// Bytes kept for the catalogers at the end of the scan.
    pub retained: u64,
    /// Bytes inflated from archives.
    pub archive_bytes: u64,
    /// Archive entries walked.
    pub archive_entries: u64,
}

/// The cache key of a chain of layers: the per-layer keys in order (each covers the layer
/// digest, the catalogers and the phase-1 limits), the catalogers again (phase 2 runs them
/// even over no layer at all), the limits phase 2 uses, the scanner version (phase 2's code)
/// and the record format.
pub(crate) fn chain_key(
    layer_keys: &[Digest],
    catalogers: &[(String, String)],
    max_link_depth: u64,
    budgets: &str,
) -> Digest {
    // v2: the merged tree places entries through symbolic links and catalogers are asked about
    // every name of a file; a v1 record (made without) must not answer.
    let mut text = format!(
        "stella-scan chain cache v2\nscanner {}\nmax_link_depth {max_link_depth}\nbudgets {budgets}\n",
        env!("CARGO_PKG_VERSION")
    );
    for (name, version) in catalogers {
        text.push_str(&format!("cataloger {name} {version}\n"));
    }
    for key in layer_keys {
        text.push_str(&format!("layer-key {key}\n"));
    }
    Digest::of(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_keys_cover_every_layer_in_order_the_catalogers_and_the_link_limit() {
        let (a, b) = (Digest::of(b"a"), Digest::of(b"b"));
        let set = [("dpkg".to_owned(), "1".to_owned())];
        let base = chain_key(&[a, b], &set, 40, "");
        assert_eq!(base, chain_key(&[a, b], &set, 40, ""));
        assert_ne!(base, chain_key(&[b, a], &set, 40, ""));
        assert_ne!(base, chain_key(&[a], &set, 40, ""));
        assert_ne!(base, chain_key(&[a, b, b], &set, 40, ""));
        assert_ne!(base, chain_key(&[a, b], &set, 41, ""));
        assert_ne!(base, chain_key(&[a, b], &set, 40, "retained=1"));
        assert_ne!(base, chain_key(&[a, b], &[], 40, ""));
        // No layers at all: the catalogers still tell results apart.
        assert_ne!(chain_key(&[], &set, 40, ""), chain_key(&[], &[], 40, ""));
    }
}

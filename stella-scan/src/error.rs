//! The error type of `stella-scan`: one enum, with a nested enum per domain where needed.

use stella_core::CoreError;

/// Everything that can go wrong in `stella-scan`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// An error from `stella-core` (digests, JSON, an image source or blob store).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A cataloger could not parse a metadata file.
    #[error("{cataloger}: cannot parse {path}: {reason}")]
    Catalog {
        /// The cataloger's name.
        cataloger: &'static str,
        /// The file (path inside the image).
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// An image's structure (index, manifest, config, layers, paths) is wrong or unsupported.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// A configured scan limit ([`crate::ScanLimits`]) was exceeded.
    #[error("scan limit {limit} exceeded by {input}: {actual} > {max}")]
    LimitExceeded {
        /// Which limit (the [`crate::ScanLimits`] field name).
        limit: &'static str,
        /// The configured maximum.
        max: u64,
        /// The value seen (a lower bound when counting stopped early).
        actual: u64,
        /// The input that went over it (a layer digest, a path, the image).
        input: String,
    },
    /// A layer cache entry could not be read or written.
    #[error("layer cache: {reason}")]
    Cache {
        /// What was wrong.
        reason: String,
    },
    /// Reading an SBOM as scan input.
    #[error(transparent)]
    SbomInput(#[from] SbomInputError),
}

/// What went wrong reading an SBOM as scan input ([`crate::sbom_input`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SbomInputError {
    /// The document is not a CycloneDX or SPDX JSON document we recognise.
    #[error("SBOM input: unrecognised document: {reason}")]
    UnknownFormat {
        /// What was seen.
        reason: String,
    },
    /// A recognised format in a version we do not read.
    #[error("SBOM input: {format} version {version:?} is not supported")]
    UnsupportedVersion {
        /// The format.
        format: &'static str,
        /// The version found.
        version: String,
    },
    /// The document does not parse under its format.
    #[error("SBOM input: {format}: {reason}")]
    Parse {
        /// The format.
        format: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The SBOM is about another image than the one it was presented for (or names none), so
    /// it cannot stand for that image (a confused deputy: image A's SBOM scanned as image B).
    #[error(
        "SBOM input: the SBOM describes {}, not the image {expected}",
        stated.map_or_else(|| "no image digest".to_owned(), |d| format!("image {d}"))
    )]
    SubjectMismatch {
        /// The image the SBOM was presented for.
        expected: stella_core::Digest,
        /// The image digest the SBOM states, if any.
        stated: Option<stella_core::Digest>,
    },
    /// The document is over a size limit.
    #[error("SBOM input: {what} exceeds the limit of {limit}")]
    Limit {
        /// What was too large.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
}

/// What is wrong with an image's structure ([`crate::image`], the layer walk).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// An index, manifest or config is not valid JSON of its kind.
    #[error("{what} {digest}: {reason}")]
    Parse {
        /// `index`, `manifest` or `config`.
        what: &'static str,
        /// The blob's digest.
        digest: stella_core::Digest,
        /// What was wrong.
        reason: String,
    },
    /// A media type this scanner does not read (e.g. a Docker schema 1 manifest).
    #[error("{digest}: unsupported media type {media_type:?} for {what}")]
    UnsupportedMediaType {
        /// What the blob was expected to be.
        what: &'static str,
        /// The blob's digest.
        digest: stella_core::Digest,
        /// The media type found.
        media_type: String,
    },
    /// No manifest in the index matches the requested platform.
    #[error("no image for platform {wanted} in index {index} (available: {available})")]
    NoMatchingPlatform {
        /// The platform asked for.
        wanted: String,
        /// The index digest.
        index: stella_core::Digest,
        /// The platforms the index offers, comma-separated.
        available: String,
    },
    /// An index refers to itself, directly or through nested indexes.
    #[error("image index {digest} refers to itself (a cycle of nested indexes)")]
    IndexCycle {
        /// The index met twice.
        digest: stella_core::Digest,
    },
    /// A descriptor claims a size over the limit for its kind of blob.
    #[error("{what} {digest} claims {size} bytes, over the limit of {max}")]
    Oversize {
        /// What the blob is.
        what: &'static str,
        /// Its digest.
        digest: stella_core::Digest,
        /// The size claimed.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// A layer could not be decompressed or is not a valid tar stream.
    #[error("layer {layer}: {reason}")]
    Layer {
        /// The layer digest (`rootfs` for a directory scan).
        layer: String,
        /// What was wrong.
        reason: String,
    },
    /// A whiteout marker that names no file of the directory: `.wh.` (empty), `.wh..` or
    /// `.wh...` would hide the directory itself, its parent or the image root, which no layer
    /// tool writes (an opaque directory is `.wh..wh..opq`).
    #[error("layer {layer}: whiteout {path:?} names no file (it would hide `.`, `..` or `/`)")]
    InvalidWhiteout {
        /// The layer digest.
        layer: String,
        /// The marker's path as written in the tar.
        path: String,
    },
    /// An input form or feature that is not supported yet.
    #[error("not supported yet: {what}")]
    Unsupported {
        /// What was asked for.
        what: String,
    },
}

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
}

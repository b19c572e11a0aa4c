//! # stella-scan
//!
//! What is inside an image: the image model over [`stella_core::ImageSource`], package
//! catalogers, CycloneDX 1.6 / SPDX 3.0.1 writers, SBOMs read as scan input, the layer cache and
//! entry-trace. Pure: bytes, readers and trait objects in, values out. What in an image is
//! vulnerable is `stella-vuln`'s job: it takes this crate's [`Package`]s and entry-trace reports
//! (this crate does not depend on it).
//!
//! The shared vocabulary lives in [`package`]: [`Package`] (one found component), [`Sbom`] (what
//! a cataloging run produced for one image) and the [`Cataloger`] contract.
//!
//! [`engine::scan_image`] turns an [`stella_core::ImageSource`] into an [`Sbom`]: [`image`]
//! resolves the platform's manifest and streams each layer, the catalogers' phase 1 runs during
//! the walk (cached per layer by [`LayerCache`]), and phase 2 runs over the merged tree, all
//! within [`ScanLimits`]. The cache also keeps phase 2's result per chain of layers, so a rescan
//! of the same layers ([`engine::scan_image_sbom`]) reads and merges none of them.
//!
//! Image-side dependencies and why: `tar` (streamed layer entries, and the test image builder),
//! `flate2` with the `zlib-rs` backend (gzip layers: about three times GNU gzip's speed),
//! `ruzstd` (zstd layers in pure Rust, no C build), `rayon` (layers walked in parallel; output
//! is merged in layer order so it does not change), `rustc-demangle` (the Rust symbol names of
//! cargo-auditable binaries, legacy and v0, for [`symbols`]: the compiler team's own demangler),
//! `base64` (the digests of npm's Subresource Integrity strings, decoded to CycloneDX hex
//! hashes; the RustCrypto-era standard crate the workspace already uses for DSSE). Licences
//! are classified and validated with `spdx` (Embark's SPDX licence list and expression parser,
//! kept current with the SPDX list; used instead of a hand-written id table so that ids,
//! exceptions and expressions are checked against the real list).
//!
//! SBOM-side: `quick-xml` (CycloneDX XML output and input: a streaming parser that never
//! processes DTDs, so a DOCTYPE is refused and no entity is ever expanded, and a writer with
//! indentation; widely used and maintained), `jsonschema` (SBOM input is validated against the
//! official CycloneDX 1.6, SPDX 2.3 and SPDX 3.0.1 JSON schemas, embedded, before it is read).

#![forbid(unsafe_code)]

pub mod catalog;
pub mod entrytrace;
mod error;
pub mod package;
pub mod sbom;
pub mod symbols;

// Image model, layer walk, engine and layer cache.
mod cache;
pub mod engine;
pub mod image;
mod limits;
pub mod sbom_input;
#[cfg(feature = "testing")]
pub mod testing;

pub use cache::LayerCache;
pub use engine::{ImageScan, RootfsSource, ScanOptions, scan_image, scan_rootfs};
pub use error::{
    CacheProblem, CatalogProblem, ImageError, ImageParseProblem, LayerProblem, SbomFormatProblem,
    SbomInputError, ScanError,
};
pub use error::{SbomWriteProblem, SchemaViolation, XmlProblem};
pub use limits::{ArchiveBudget, ScanLimits};
pub use package::{
    CatalogContext, CatalogInput, Cataloger, Evidence, ExtractedFile, ImageInfo, OsRelease,
    Package, PackageKind, Sbom, SourcePackage,
};
pub use package::{Hash, HashAlgorithm, LicenseAcknowledgement, Party};

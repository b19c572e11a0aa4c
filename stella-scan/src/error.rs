//! The error type of `stella-scan`: one enum, with a nested enum per domain where needed.
//!
//! Causes are typed where callers may branch on them: where our code picks the cause from a
//! fixed set (not UTF-8, a missing field, a size mismatch, a schema object an rpm database must
//! not have, a duplicate key reported by the strict JSON reader), the variant carries a
//! `#[non_exhaustive]` cause enum ([`CatalogProblem`], [`CacheProblem`],
//! [`SbomFormatProblem`], [`ImageParseProblem`], [`LayerProblem`]) whose `Display` is the
//! message text; match on the enum, never on the text. Where the text is another library's
//! message passed through (serde_json, zip, rusqlite, packageurl, tar, flate2), the cause
//! carries that library's error type, or, when several libraries meet in one variant, a
//! `String` named for what it is (`parser_message`): the underlying parser's message, for
//! people, not for matching.

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
        reason: CatalogProblem,
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
        reason: CacheProblem,
    },
    /// Reading an SBOM as scan input.
    #[error(transparent)]
    SbomInput(#[from] SbomInputError),
    /// Writing an SBOM in a format built from another writer's document (CycloneDX XML).
    #[error("writing {format}: {reason}")]
    SbomWrite {
        /// The format being written.
        format: &'static str,
        /// What went wrong.
        reason: SbomWriteProblem,
    },
}

/// Why an SBOM writer failed ([`ScanError::SbomWrite`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SbomWriteProblem {
    /// The intermediate JSON document could not be built or read back.
    #[error(transparent)]
    Json(serde_json::Error),
    /// The document has a field the XML mapping does not know (a writer gained a field the
    /// XML table lacks): refused rather than dropped.
    #[error("no XML mapping for the JSON field at {path}")]
    NoXmlMapping {
        /// JSON pointer of the field.
        path: String,
    },
    /// The XML writer failed.
    #[error(transparent)]
    Xml(std::io::Error),
}

/// What went wrong reading an SBOM as scan input ([`crate::sbom_input`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SbomInputError {
    /// The document is not a CycloneDX or SPDX JSON document we recognise.
    #[error("SBOM input: unrecognised document: {reason}")]
    UnknownFormat {
        /// What was seen.
        reason: SbomFormatProblem,
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
    #[error("SBOM input: {format}: {parser_message}")]
    Parse {
        /// The format.
        format: &'static str,
        /// The underlying parser's message (serde_json or cyclonedx-bom), for people, not for
        /// matching.
        parser_message: String,
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
    /// The document breaks its format's official schema (strict reading; `lenient` reading
    /// keeps these as warnings instead). The first violations, in document order.
    #[error(
        "SBOM input: {format} does not validate against its official schema: {}{}",
        violations.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
        if *total > violations.len() { format!(" (and {} more)", total - violations.len()) } else { String::new() }
    )]
    Schema {
        /// The format (and version) whose schema was applied.
        format: &'static str,
        /// The first violations (at most [`crate::sbom_input::MAX_REPORTED_VIOLATIONS`]).
        violations: Vec<SchemaViolation>,
        /// How many violations there are in all.
        total: usize,
    },
    /// A CycloneDX XML document that is refused before or while it is parsed.
    #[error("SBOM input: CycloneDX XML: {reason}")]
    Xml {
        /// What was wrong.
        reason: XmlProblem,
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
        reason: ImageParseProblem,
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
        reason: LayerProblem,
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

/// Why a cataloger could not read a metadata file ([`ScanError::Catalog`]).
///
/// ```
/// use stella_scan::{CatalogProblem, ScanError};
/// let e = stella_scan::catalog::os_release::parse(b"no equals sign\n").unwrap_err();
/// assert!(matches!(
///     e,
///     ScanError::Catalog { reason: CatalogProblem::BadLine { line: 1, .. }, .. }
/// ));
/// assert_eq!(e.to_string(), "os-release: cannot parse os-release: line 1: expected KEY=value");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogProblem {
    /// The file is not UTF-8.
    #[error("not UTF-8: {0}")]
    NotUtf8(#[source] std::str::Utf8Error),
    /// The file is larger than the cataloger reads.
    #[error("larger than {max} bytes")]
    FileTooLarge {
        /// The most bytes read.
        max: usize,
    },
    /// A line does not have the shape of the file format.
    #[error("line {line}: {problem}")]
    BadLine {
        /// The line number (from 1).
        line: usize,
        /// What the line lacks (`expected KEY=value`, `unterminated quote`, …).
        problem: &'static str,
    },
    /// A record or the file lacks something every record must have (`no Name field`,
    /// `paragraph without a Package field`, …).
    #[error("{what}")]
    Incomplete {
        /// What is missing, as the message says it.
        what: &'static str,
    },
    /// A package record lacks a field.
    #[error("package {package} has no {field}")]
    PackageWithout {
        /// The package's name.
        package: String,
        /// The field missing (`Version`, `V: line`).
        field: &'static str,
    },
    /// A bound of the cataloger was reached (`archive inflates past 512 MiB`,
    /// `lock file nests too many dependencies`, …).
    #[error("{what}")]
    OverLimit {
        /// Which bound, as the message says it.
        what: &'static str,
    },
    /// Go build information that is truncated or in a layout not read.
    #[error("{problem}")]
    GoBuildInfo {
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A package URL could not be formed from the file's fields.
    #[error("cannot form a purl: {0}")]
    Purl(#[source] packageurl::Error),
    /// The file is not a zip archive.
    #[error("not a zip archive: {0}")]
    NotZip(#[source] zip::result::ZipError),
    /// An entry of a zip archive cannot be opened.
    #[error("entry {index}: {source}")]
    ZipEntry {
        /// The entry's index in the archive.
        index: usize,
        /// What the zip reader reported.
        source: zip::result::ZipError,
    },
    /// An entry of an archive cannot be read (decompression failed).
    #[error("cannot read entry: {0}")]
    ReadEntry(#[source] std::io::Error),
    /// What a cataloger extracted cannot be encoded as JSON.
    #[error("cannot encode: {0}")]
    Encode(#[source] serde_json::Error),
    /// What a cataloger extracted earlier is not what it reads back.
    #[error("extracted data is not archive facts")]
    NotArchiveFacts,
    /// An SBOM document cannot be serialized.
    #[error("cannot serialize: {0}")]
    Serialize(#[source] serde_json::Error),
    /// Entry-trace facts cannot be encoded as JSON.
    #[error("{0}")]
    Facts(#[source] serde_json::Error),
    /// A cargo-auditable `.dep-v0` section does not decompress.
    #[error(".dep-v0 does not inflate: {0}")]
    DepV0Inflate(#[source] std::io::Error),
    /// A cargo-auditable `.dep-v0` section is not the expected JSON.
    #[error(".dep-v0 JSON: {0}")]
    DepV0Json(#[source] serde_json::Error),
    /// An RPM header blob is malformed.
    #[error("bad RPM header: {problem}")]
    RpmHeader {
        /// What is wrong with it (`truncated`, `a tag listed twice`, …).
        problem: &'static str,
    },
    /// An rpm database in a format not read (a Berkeley DB btree where rpm keeps a hash).
    #[error("the {format} rpm database format is not supported")]
    RpmDatabaseFormat {
        /// The format (`Berkeley DB btree`).
        format: &'static str,
    },
    /// SQLite refused the rpm database or a query over it.
    #[error("sqlite: {0}")]
    Sqlite(#[source] rusqlite::Error),
    /// The rpm database's schema has a view or trigger (refused: it could run code on read).
    #[error("not an rpm database: the schema has a {kind} ({name:?})")]
    RpmSchemaObject {
        /// `view` or `trigger`.
        kind: String,
        /// Its name.
        name: String,
    },
    /// The rpm database's `Packages` is not a plain table.
    #[error("not an rpm database: Packages is not a plain table")]
    RpmPackagesNotPlain,
    /// The rpm database has no `Packages` table.
    #[error("not an rpm database: no Packages table")]
    RpmNoPackages,
    /// A column of `Packages` the cataloger reads is generated.
    #[error("not an rpm database: Packages.{column} is a generated column")]
    RpmGeneratedColumn {
        /// `hnum` or `blob`.
        column: &'static str,
    },
    /// A column of `Packages` the cataloger reads is missing.
    #[error("not an rpm database: Packages has no {column} column")]
    RpmMissingColumn {
        /// `hnum` or `blob`.
        column: &'static str,
    },
    /// The write-ahead log beside an `rpmdb.sqlite` (`rpmdb.sqlite-wal`) cannot be applied.
    #[error("rpmdb.sqlite write-ahead log: {problem}")]
    RpmWal {
        /// What is wrong with it (`page size differs from the database's`, …).
        problem: &'static str,
    },
    /// A Berkeley DB `Packages` file is malformed (or uses a feature rpm's reader lacks).
    #[error("Berkeley DB rpm database: {problem}")]
    RpmBdb {
        /// What is wrong with it (`page chain loops`, `overflow page past the end`, …).
        problem: &'static str,
    },
    /// An ndb `Packages.db` file is malformed.
    #[error("ndb rpm database: {problem}")]
    RpmNdb {
        /// What is wrong with it (`bad slot magic`, `blob past the end of the file`, …).
        problem: &'static str,
    },
    /// A cataloger outside this crate (a [`crate::Cataloger`] implementation) refused the
    /// file; its own message.
    #[error("{message}")]
    Other {
        /// The cataloger's message.
        message: String,
    },
}

/// Why the layer cache could not be read or written ([`ScanError::Cache`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheProblem {
    /// The index blob does not carry a layer cache index format tag this version reads.
    #[error("index blob {index} is not a {} index", crate::cache::INDEX_FORMAT)]
    NotAnIndex {
        /// The index blob's digest.
        index: stella_core::Digest,
    },
    /// The index blob lacks one of its tables.
    #[error("index blob {index} has no {table} object")]
    MissingTable {
        /// The index blob's digest.
        index: stella_core::Digest,
        /// The table (`layers`, `chains`).
        table: &'static str,
    },
    /// A thread panicked while holding the index lock.
    #[error("index lock poisoned")]
    LockPoisoned,
}

/// One place where an SBOM breaks its schema ([`SbomInputError::Schema`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at {path}: {message}")]
pub struct SchemaViolation {
    /// JSON pointer of the offending value in the document (for XML input: in its JSON form,
    /// the same path the JSON encoding of the same BOM would have), `""` for the root.
    pub path: String,
    /// The validator's message, for people, not for matching.
    pub message: String,
}

/// Why a CycloneDX XML document was refused ([`SbomInputError::Xml`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XmlProblem {
    /// A document type declaration: DTDs (and so entity declarations, external entities and
    /// entity expansion) are refused outright.
    #[error("a DOCTYPE (DTD) is not accepted")]
    Doctype,
    /// The bytes are not UTF-8, or the declaration names another encoding.
    #[error("not UTF-8")]
    NotUtf8,
    /// A reference to an entity other than the five predefined ones and character references.
    #[error("undefined entity &{0};")]
    UnknownEntity(String),
    /// The root is not a CycloneDX `bom` element in a CycloneDX namespace we read.
    #[error("the root element is not a CycloneDX bom (1.3-1.6 namespace): {0}")]
    NotCycloneDx(String),
    /// An element that may appear once appears twice.
    #[error("element {0} appears more than once")]
    Duplicate(String),
    /// Elements nest deeper than the limit.
    #[error("elements nest deeper than {0}")]
    TooDeep(usize),
    /// More elements than the limit.
    #[error("more than {0} elements")]
    TooManyElements(usize),
    /// An element with more attributes than the limit.
    #[error("an element has more than {0} attributes")]
    TooManyAttributes(usize),
    /// The XML is not well-formed (the parser's message, for people).
    #[error("not well-formed: {0}")]
    Syntax(String),
}

/// Why a document is not an SBOM we recognise ([`SbomInputError::UnknownFormat`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SbomFormatProblem {
    /// The document is not strict JSON (syntax, a duplicate key, a lone surrogate, …).
    #[error("not strict JSON: {0}")]
    NotStrictJson(#[source] CoreError),
    /// The JSON has neither a CycloneDX nor an SPDX marker.
    #[error("neither CycloneDX (bomFormat) nor SPDX (spdxVersion, @context)")]
    NoFormatMarker,
}

/// Why an index, manifest or config was refused ([`ImageError::Parse`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageParseProblem {
    /// The blob is not strict JSON of its kind (boxed: it keeps [`ScanError`] small).
    #[error(transparent)]
    Json(Box<CoreError>),
    /// The blob's length is not the size its descriptor claims.
    #[error("descriptor says {claimed} bytes, blob has {actual} bytes")]
    SizeMismatch {
        /// The descriptor's size.
        claimed: u64,
        /// The blob's length.
        actual: u64,
    },
}

/// Why a layer (or a docker archive, or a root file system) could not be read
/// ([`ImageError::Layer`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LayerProblem {
    /// The decompressor or the tar reader failed (their message).
    #[error(transparent)]
    Stream(std::io::Error),
    /// A layer index past the image's layers.
    #[error("no such layer")]
    NoSuchLayer,
    /// A file's contents could not be allocated.
    #[error("cannot allocate {size} bytes for {path}: {source}")]
    Allocation {
        /// The file's path.
        path: String,
        /// Its size.
        size: u64,
        /// What the allocator reported.
        source: std::collections::TryReserveError,
    },
    /// A file's contents could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file's path.
        path: String,
        /// What the reader reported.
        source: std::io::Error,
    },
    /// A docker archive's `manifest.json` lists no image.
    #[error("manifest.json lists no image")]
    NoImageInArchive,
    /// A layer a docker archive's manifest names is not in the archive.
    #[error("layer {name} is not in the archive")]
    MissingMember {
        /// The member name.
        name: String,
    },
    /// A docker archive's config has fewer diff_ids than layers.
    #[error("config has no diff_id for layer {index}")]
    NoDiffId {
        /// The layer's index.
        index: usize,
    },
    /// A file of a root file system scan changed into a non-regular file (or moved outside the
    /// root) after the walk listed it.
    #[error("{path} is no longer a regular file inside the root")]
    NoLongerRegular {
        /// The path (relative to the root).
        path: String,
    },
}

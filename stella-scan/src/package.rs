//! The shared model: packages found in an image, the SBOM of one image, and the contract every
//! cataloger keeps.
//!
//! ## The cataloger contract (two phases; the walker owns traversal)
//!
//! 1. **Extract**, during the layer walk: for every regular file of every layer the walker asks
//!    each cataloger [`Cataloger::wants`] (cheap: path, mode and size only). For a wanted file it
//!    reads the contents (bounded by the scan limits) and calls [`Cataloger::extract`] (through
//!    [`Cataloger::extract_with`], which carries the image's archive budget), which keeps
//!    what phase 2 needs — the whole file for small metadata (dpkg status, METADATA, package.json)
//!    or a distilled form (a Go binary's build info, a jar's manifest and pom.properties). What
//!    `extract` keeps is what the layer cache stores, keyed by (layer digest, cataloger name and
//!    version), so it must depend only on the path and the bytes.
//! 2. **Catalog**, once the layers are merged: [`Cataloger::catalog`] receives the extracted
//!    files of the merged image (each with the layer that put it there) and the image context,
//!    and returns packages. One cataloger failing adds a note to the scan and the scan goes on.
//!
//! The merged image is the filesystem a container sees: entries written through symbolic links
//! land at the links' targets, whiteouts apply where they resolve, hard links have their
//! target's bytes. Each of its regular files (and hard links) is offered to a cataloger under
//! its canonical path, else under the first (sorted) of its other names through symbolic links
//! that the cataloger wants (`var/lib/dpkg/status` when `var/lib/dpkg` links to another
//! directory). A file the walk did not extract under that name (its tar path was another) is
//! read again from its layer, so the catalogers always see the bytes the runtime reads.
//!
//! Paths are relative to the image root, `/`-separated, without a leading `/` or any `.`/`..`
//! component (e.g. `var/lib/dpkg/status`).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use stella_core::Digest;

use crate::error::ScanError;

/// The kind of a package, by the ecosystem that installed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PackageKind {
    /// A Debian/Ubuntu package from the dpkg database.
    Deb,
    /// An Alpine package from the apk database.
    Apk,
    /// An RPM package from the rpm database.
    Rpm,
    /// A Python distribution (dist-info / egg-info).
    Python,
    /// An npm package (node_modules or a lock file).
    Npm,
    /// A Go module (from a binary's build info).
    GoModule,
    /// A Rust crate (from a cargo-auditable binary).
    RustCrate,
    /// A Java archive (jar/war/ear) or a Maven artifact inside one.
    Java,
}

impl PackageKind {
    /// The OSV ecosystem name for packages of this kind, where it does not depend on the OS
    /// release (`Debian:12`, `Alpine:v3.20` and RPM distros are resolved with [`OsRelease`]).
    pub fn osv_ecosystem(&self) -> Option<&'static str> {
        match self {
            Self::Python => Some("PyPI"),
            Self::Npm => Some("npm"),
            Self::GoModule => Some("Go"),
            Self::RustCrate => Some("crates.io"),
            Self::Java => Some("Maven"),
            Self::Deb | Self::Apk | Self::Rpm => None,
        }
    }
}

/// The source package a binary package was built from (dpkg `Source:`, apk origin, rpm source
/// rpm). Distro advisories are keyed by it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SourcePackage {
    /// Source package name.
    pub name: String,
    /// Source package version (may differ from the binary's).
    pub version: String,
}

/// A file that shows a package is present.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Evidence {
    /// Path inside the image (no leading `/`).
    pub path: String,
    /// Digest of the layer (compressed blob, as in the manifest) that put the file there; `None`
    /// for a root filesystem directory scan.
    pub layer: Option<Digest>,
}

/// One component found in an image.
///
/// Lists inside a package are kept sorted and de-duplicated by the cataloger so that output is
/// deterministic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Package name as its ecosystem spells it.
    pub name: String,
    /// Installed version, exactly as the metadata states it (dpkg versions keep their epoch).
    pub version: String,
    /// Kind / ecosystem.
    pub kind: PackageKind,
    /// Package URL (purl-spec), built with the `packageurl` crate.
    pub purl: String,
    /// SPDX license ids or expressions where the metadata states them; free text kept as-is
    /// otherwise (writers decide how to emit non-SPDX text).
    pub licenses: Vec<String>,
    /// CPE 2.3 names where derivable.
    pub cpes: Vec<String>,
    /// The source package, for distro packages.
    pub source: Option<SourcePackage>,
    /// The metadata file(s) that evidence the package (e.g. `var/lib/dpkg/status`).
    pub evidence: Vec<Evidence>,
    /// Files the package owns (dpkg `.list`, apk, rpm, Python RECORD), sorted; may be empty.
    pub files: Vec<String>,
    /// Names (for OS packages) or purls (for language packages) of direct dependencies, sorted.
    pub dependencies: Vec<String>,
    /// The cataloger that found it (its [`Cataloger::name`]).
    pub cataloger: String,
    /// Other facts worth keeping (architecture, maintainer, Go version, …), sorted by key.
    pub metadata: BTreeMap<String, String>,
    /// How [`Package::licenses`] were found: stated by the package's metadata (`Declared`:
    /// dpkg DEP-5 `License:` fields, rpm `License`, apk `L:`, PEP 639, npm `license`, …) or
    /// inferred from licence texts (`Concluded`: a free-form Debian `copyright` file).
    pub license_acknowledgement: LicenseAcknowledgement,
    /// Who supplied (distributed) the package (NTIA "supplier name"): dpkg `Maintainer`, rpm
    /// `Vendor` (else `Packager`), apk `m:`, Python `Maintainer` (else `Author`), npm
    /// `author`, Maven `organization`, the Go module path's host (and owner on code hosts).
    pub supplier: Option<Party>,
    /// The package's upstream authors where the metadata names them (Python `Author`, npm
    /// `author`, Maven `developers`), in the metadata's order.
    pub authors: Vec<Party>,
    /// Hashes of the package's distributed artifact where its metadata records them (npm
    /// `integrity`), sorted. Never derived from another algorithm's value.
    pub hashes: Vec<Hash>,
}

/// How a package's licences were established (CycloneDX 1.6 `license.acknowledgement`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum LicenseAcknowledgement {
    /// Stated by the package's own metadata.
    #[default]
    Declared,
    /// Inferred by the scanner from licence texts it recognised.
    Concluded,
}

impl LicenseAcknowledgement {
    /// The CycloneDX 1.6 spelling (`declared` / `concluded`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Declared => "declared",
            Self::Concluded => "concluded",
        }
    }
}

/// A person or organisation named by package metadata (`Name <email> (url)` and the like).
///
/// ```
/// let p = stella_scan::Party::parse("Debian Python Team <team+python@tracker.debian.org>").unwrap();
/// assert_eq!(p.name, "Debian Python Team");
/// assert_eq!(p.email.as_deref(), Some("team+python@tracker.debian.org"));
/// assert!(stella_scan::Party::parse("  ").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Party {
    /// The name (or, when only an address is given, the address).
    pub name: String,
    /// An e-mail address, when given.
    pub email: Option<String>,
    /// A URL, when given.
    pub url: Option<String>,
}

impl Party {
    /// Most bytes of a name kept (metadata fields are free text; longer ones are cut at a
    /// character boundary).
    pub const MAX_NAME_BYTES: usize = 512;

    /// Parses the common `Name <email> (url)` form (npm's person string, RFC 822 addresses in
    /// dpkg/apk/rpm/Python metadata). Only the first address of a comma-separated list is
    /// kept. `None` for text with no name and no address.
    pub fn parse(text: &str) -> Option<Party> {
        let mut rest = text.trim();
        // `A <a@x>, B <b@y>`: the first party.
        if let Some(end) = rest.find('>')
            && let Some(after) = rest.get(end + 1..)
            && after.trim_start().starts_with(',')
        {
            rest = rest.get(..=end).unwrap_or(rest);
        }
        let mut url = None;
        if let (Some(open), true) = (rest.rfind('('), rest.ends_with(')')) {
            let inner = rest.get(open + 1..rest.len() - 1).unwrap_or("").trim();
            if inner.contains("://") {
                url = Some(cut(inner));
                rest = rest.get(..open).unwrap_or("").trim_end();
            }
        }
        let mut email = None;
        if let (Some(open), true) = (rest.find('<'), rest.ends_with('>')) {
            let inner = rest.get(open + 1..rest.len() - 1).unwrap_or("").trim();
            if !inner.is_empty() {
                email = Some(cut(inner));
            }
            rest = rest.get(..open).unwrap_or("").trim_end();
        }
        let name = rest.trim().trim_matches('"').trim();
        let name = match (name.is_empty(), &email) {
            (false, _) => cut(name),
            (true, Some(e)) => e.clone(),
            (true, None) => return None,
        };
        Some(Party { name, email, url })
    }
}

/// `text` cut to [`Party::MAX_NAME_BYTES`] at a character boundary.
fn cut(text: &str) -> String {
    let mut end = text.len().min(Party::MAX_NAME_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or("").to_owned()
}

/// A hash algorithm, by the name CycloneDX gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// MD5.
    Md5,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The CycloneDX `hash-alg` name (`MD5`, `SHA-1`, `SHA-256`, `SHA-384`, `SHA-512`).
    pub fn cyclonedx_name(&self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha1 => "SHA-1",
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }

    /// The length of a digest in bytes.
    pub fn digest_len(&self) -> usize {
        match self {
            Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

/// One digest of an artifact: the algorithm and the digest in lowercase hex.
///
/// ```
/// use stella_scan::{Hash, HashAlgorithm};
/// let h = Hash::new(HashAlgorithm::Md5, &[0u8; 16]).unwrap();
/// assert_eq!(h.hex, "00000000000000000000000000000000");
/// assert!(Hash::new(HashAlgorithm::Sha256, &[0u8; 16]).is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Hash {
    /// The algorithm.
    pub alg: HashAlgorithm,
    /// The digest, lowercase hex, exactly [`HashAlgorithm::digest_len`] bytes long.
    pub hex: String,
}

impl Hash {
    /// A hash from raw digest bytes; `None` when the length is not the algorithm's.
    pub fn new(alg: HashAlgorithm, digest: &[u8]) -> Option<Hash> {
        (digest.len() == alg.digest_len()).then(|| Hash {
            alg,
            hex: digest.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }
}

impl Package {
    /// The stable sort key of packages in every output: (purl, name, version, first evidence path).
    pub fn sort_key(&self) -> (&str, &str, &str, &str) {
        (
            &self.purl,
            &self.name,
            &self.version,
            self.evidence.first().map_or("", |e| e.path.as_str()),
        )
    }
}

/// The operating system of the image, from `etc/os-release` (or `usr/lib/os-release`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsRelease {
    /// `ID` (e.g. `debian`, `alpine`, `fedora`).
    pub id: String,
    /// `VERSION_ID` (e.g. `12`, `3.20.3`).
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` (e.g. `bookworm`).
    pub version_codename: Option<String>,
    /// `PRETTY_NAME`.
    pub pretty_name: Option<String>,
    /// `ID_LIKE`, split on whitespace.
    pub id_like: Vec<String>,
}

/// What the catalogers know about the image as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogContext {
    /// The OS, when identified.
    pub os: Option<OsRelease>,
}

/// One extracted file handed to phase 2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractedFile {
    /// Path inside the image.
    pub path: String,
    /// Layer that put it there (`None` for a root filesystem directory).
    pub layer: Option<Digest>,
    /// Unix mode bits of the file.
    pub mode: u32,
    /// What [`Cataloger::extract`] kept (shared: a file reached under several names, such as
    /// hard links, is kept once).
    pub data: Arc<[u8]>,
}

/// Phase-2 input of one cataloger: its extracted files that survive in the merged image, sorted
/// by path, plus a view of every path in the merged image.
#[derive(Clone, Copy)]
pub struct CatalogInput<'a> {
    /// The cataloger's surviving extracted files, sorted by path.
    pub files: &'a [ExtractedFile],
    /// Image-wide facts.
    pub context: &'a CatalogContext,
    /// Whether a path exists in the merged image (any file type), for catalogers that check
    /// ownership lists against what is really there.
    pub exists: &'a dyn Fn(&str) -> bool,
}

impl Debug for CatalogInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogInput")
            .field("files", &self.files.len())
            .field("context", self.context)
            .finish_non_exhaustive()
    }
}

/// A package cataloger (see the module docs for the contract).
pub trait Cataloger: Send + Sync + Debug {
    /// A short stable name (`dpkg`, `apk`, `python`, …).
    fn name(&self) -> &'static str;
    /// The cataloger's own version: bump it whenever its output for the same input changes (it
    /// keys the layer cache).
    fn version(&self) -> &'static str;
    /// Cheap pre-filter on a regular file of a layer.
    fn wants(&self, path: &str, mode: u32, size: u64) -> bool;
    /// Phase 1: keeps what phase 2 needs from one wanted file. The default keeps every byte.
    fn extract(&self, path: &str, contents: &[u8]) -> Result<Option<Vec<u8>>, ScanError> {
        let _ = path;
        Ok(Some(contents.to_vec()))
    }
    /// Phase 1 as the engine calls it: [`Cataloger::extract`] with the image's archive budget,
    /// which a cataloger that inflates archives must charge before inflating. The default
    /// ignores the budget. A [`ScanError::LimitExceeded`] returned here fails the scan (an
    /// image-wide budget ran out, and the files after it would go unread); any other error
    /// becomes a note.
    fn extract_with(
        &self,
        path: &str,
        contents: &[u8],
        archives: &crate::ArchiveBudget,
    ) -> Result<Option<Vec<u8>>, ScanError> {
        let _ = archives;
        self.extract(path, contents)
    }
    /// Whether what [`Cataloger::extract`] keeps depends on the bytes only, not on the path.
    /// When it does not depend on the path, a file extracted under one name is handed over
    /// under its other names (a hard link, a name through a symbolic link) without reading it
    /// again; otherwise the engine reads it again and extracts it under the name it hands
    /// over. Default `false` (always correct, sometimes slower).
    fn path_independent(&self) -> bool {
        false
    }
    /// Whether a file this cataloger wants must be read whole: when `true`, a wanted file over
    /// [`crate::ScanLimits::max_file_bytes`] fails the scan with
    /// [`ScanError::LimitExceeded`] instead of being skipped with a note. Package databases
    /// (dpkg `status`, apk `installed`, `rpmdb.sqlite`, Python metadata, `package.json`)
    /// answer `true`: a skipped database would hide every package it lists, and an image could
    /// pad one past the limit to hide them from the SBOM, the scan and the gate. Catalogers of
    /// large binaries and archives keep the default `false`: one skipped file loses only its
    /// own packages, and real ones (Go binaries, fat jars) can exceed the limit.
    fn must_read_whole(&self) -> bool {
        false
    }
    /// [`Cataloger::must_read_whole`] for one wanted file: a cataloger that wants both a
    /// database and auxiliary files (dpkg's `copyright` files) answers `false` for the
    /// auxiliary ones, which are then skipped with a note when over the limit. The default
    /// answers [`Cataloger::must_read_whole`] for every path.
    fn must_read_whole_at(&self, path: &str) -> bool {
        let _ = path;
        self.must_read_whole()
    }
    /// Whether a wanted file must be handed over under every name it has in the merged image
    /// (its canonical path and each name through symbolic links that the cataloger wants),
    /// not only under the first: dpkg's `usr/share/doc/<pkg>/copyright`, where
    /// `usr/share/doc/<pkg>` is often a link to another package's directory. Default `false`.
    fn wants_every_name(&self, path: &str) -> bool {
        let _ = path;
        false
    }
    /// Phase 2: packages from the surviving extracted files.
    fn catalog(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError>;
}

/// The image an SBOM describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInfo {
    /// A name for people: the image reference as given, never a local filesystem path when
    /// the command line names it (a registry reference, an OCI layout's ref.name annotation, a
    /// docker archive's tag, `--name`), else the manifest digest; `rootfs` for a directory.
    pub name: String,
    /// Digest of the image manifest (the image's identity); `None` for a root filesystem dir.
    pub manifest_digest: Option<Digest>,
    /// Digest of the image config blob.
    pub config_digest: Option<Digest>,
    /// Platform, e.g. `linux/amd64`.
    pub platform: Option<String>,
    /// Layer digests in order, bottom first.
    pub layers: Vec<Digest>,
    /// Where the image was pulled from (`registry.example/team/app`, no scheme), when known:
    /// the purl `repository_url` qualifier of the image component.
    pub repository_url: Option<String>,
}

/// Everything one cataloging run produced for one image: the input of the SBOM writers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sbom {
    /// The image.
    pub image: ImageInfo,
    /// The OS, when identified.
    pub os: Option<OsRelease>,
    /// Packages, sorted by [`Package::sort_key`].
    pub packages: Vec<Package>,
    /// Names and versions of the catalogers that ran, sorted.
    pub catalogers: Vec<(String, String)>,
    /// Notes about what could not be read (a cataloger that failed, a file over a limit), sorted.
    pub notes: Vec<String>,
    /// The version of the scanner that produced it (stella-scan's crate version).
    pub scanner_version: String,
}

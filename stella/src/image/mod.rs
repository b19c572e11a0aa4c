//! Image readers for the input forms of `stella sbom` (docs/design.md §5): an OCI image layout
//! directory, an OCI archive (a tar of a layout), a `docker save` archive, an image in a
//! registry ([`registry`]) and a root filesystem directory. All but the last implement
//! [`ImageSource`]; the directory implements
//! [`RootfsSource`](stella_scan::engine::RootfsSource). Every blob is verified against its
//! digest as it is read, and nothing from an image is ever written to the host.
//!
//! ```no_run
//! use stella::image::{ImageRef, open_image, OpenedImage};
//!
//! let reference = ImageRef::parse("oci-dir:./my-image")?;
//! match open_image(&reference)? {
//!     OpenedImage::Image(source) => { let _ = source.root(); }
//!     OpenedImage::Rootfs(dir) => { let _ = dir; }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod archive;
mod layout;
pub mod registry;
mod rootfs;
#[cfg(feature = "testing")]
pub mod testing;

use std::fmt;
use std::path::{Path, PathBuf};

use stella_core::{CoreError, ImageSource};
use stella_scan::{ImageError, ScanError};

pub use archive::{DockerArchive, TarFiles};
pub use layout::OciLayout;
pub use rootfs::RootfsDir;

/// Largest index, manifest or config blob a reader returns whole (16 MiB; real ones are
/// kilobytes).
pub const MAX_METADATA_BYTES: u64 = 16 << 20;

/// Which input form an image reference names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    /// `oci-dir:P`: an OCI image layout directory.
    OciDir(PathBuf),
    /// `oci-archive:P`: a tar of an OCI image layout.
    OciArchive(PathBuf),
    /// `docker-archive:P`: a `docker save` tar.
    DockerArchive(PathBuf),
    /// `dir:P`: a root filesystem directory.
    Dir(PathBuf),
    /// `registry:HOST[:PORT]/NAME[:TAG][@sha256:…]`: an image in an OCI distribution registry.
    /// [`open_image`] pulls it with [`registry::RegistryOptions::from_env`] (credentials for
    /// that registry host only, looked up as [`registry::CREDENTIAL_LOOKUP`] says); a tag is
    /// resolved to a digest once, when the image is opened.
    Registry(registry::RegistryRef),
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OciDir(p) => write!(f, "oci-dir:{}", p.display()),
            Self::OciArchive(p) => write!(f, "oci-archive:{}", p.display()),
            Self::DockerArchive(p) => write!(f, "docker-archive:{}", p.display()),
            Self::Dir(p) => write!(f, "dir:{}", p.display()),
            Self::Registry(r) => write!(f, "registry:{r}"),
        }
    }
}

fn unsupported(what: impl Into<String>) -> ScanError {
    ScanError::Image(ImageError::Unsupported { what: what.into() })
}

impl ImageRef {
    /// Parses `oci-dir:P`, `oci-archive:P`, `docker-archive:P`, `dir:P`,
    /// `registry:HOST[:PORT]/NAME[:TAG][@sha256:…]`, or a bare path whose form is detected from
    /// what is there.
    pub fn parse(text: &str) -> Result<Self, ScanError> {
        if let Some((scheme, rest)) = text.split_once(':') {
            let path = PathBuf::from(rest);
            match scheme {
                "oci-dir" | "oci" => return Ok(Self::OciDir(path)),
                "oci-archive" => return Ok(Self::OciArchive(path)),
                "docker-archive" => return Ok(Self::DockerArchive(path)),
                "dir" => return Ok(Self::Dir(path)),
                "registry" => return Ok(Self::Registry(registry::RegistryRef::parse(rest)?)),
                "docker" => {
                    return Err(unsupported(format!(
                        "reading images from a docker daemon ({}); use registry:REF, or \
                         `docker save` and scan the archive",
                        Self::redacted(text)
                    )));
                }
                _ => {}
            }
        }
        Self::detect(Path::new(text))
    }

    /// `text` (an image argument, as [`ImageRef::parse`] takes) as a message may show it: a
    /// `registry:` or `docker:` reference with whatever could be userinfo (`user:password@`)
    /// replaced by `<redacted>` ([`registry::redact_reference`]); paths unchanged. Errors and
    /// logs that echo what the user typed use this, so a credential pasted into a reference is
    /// not copied into CI logs.
    ///
    /// ```
    /// use stella::image::ImageRef;
    /// assert_eq!(ImageRef::redacted("registry:me:pw@r.example/app"), "registry:<redacted>@r.example/app");
    /// assert_eq!(ImageRef::redacted("oci-archive:/tmp/a@b/image.tar"), "oci-archive:/tmp/a@b/image.tar");
    /// ```
    pub fn redacted(text: &str) -> String {
        match text.split_once(':') {
            Some((scheme @ ("registry" | "docker"), rest)) => {
                format!("{scheme}:{}", registry::redact_reference(rest))
            }
            _ => text.to_owned(),
        }
    }

    /// Detects the form of a bare path: a directory with an `oci-layout` file is a layout,
    /// another directory a root filesystem; a tar with `oci-layout` and `index.json` is an
    /// OCI archive, one with `manifest.json` a docker archive.
    pub fn detect(path: &Path) -> Result<Self, ScanError> {
        let meta = std::fs::metadata(path).map_err(|source| {
            ScanError::Core(CoreError::Io {
                context: format!("image {}", path.display()),
                source,
            })
        })?;
        if meta.is_dir() {
            if path.join("oci-layout").is_file() {
                return Ok(Self::OciDir(path.to_owned()));
            }
            return Ok(Self::Dir(path.to_owned()));
        }
        let files = TarFiles::index(path)?;
        if files.contains("oci-layout") && files.contains("index.json") {
            Ok(Self::OciArchive(path.to_owned()))
        } else if files.contains("manifest.json") {
            Ok(Self::DockerArchive(path.to_owned()))
        } else {
            Err(unsupported(format!(
                "{}: a file that is neither an OCI archive (no oci-layout/index.json) nor a \
                 docker-save archive (no manifest.json); compressed archives are not read",
                path.display()
            )))
        }
    }
}

/// An opened image: a content source, or a root filesystem.
#[derive(Debug)]
pub enum OpenedImage {
    /// An OCI layout, OCI archive or docker archive.
    Image(Box<dyn ImageSource>),
    /// A root filesystem directory.
    Rootfs(RootfsDir),
}

/// Opens the image a reference names.
pub fn open_image(reference: &ImageRef) -> Result<OpenedImage, ScanError> {
    Ok(match reference {
        ImageRef::OciDir(p) => OpenedImage::Image(Box::new(OciLayout::open_dir(p)?)),
        ImageRef::OciArchive(p) => {
            OpenedImage::Image(Box::new(OciLayout::open_archive(TarFiles::index(p)?)?))
        }
        ImageRef::DockerArchive(p) => {
            let files = TarFiles::index(p)?;
            if files.contains("manifest.json") {
                OpenedImage::Image(Box::new(DockerArchive::open(files)?))
            } else if files.contains("index.json") {
                OpenedImage::Image(Box::new(OciLayout::open_archive(files)?))
            } else {
                return Err(unsupported(format!(
                    "{}: not a docker-save archive (no manifest.json)",
                    p.display()
                )));
            }
        }
        ImageRef::Dir(p) => OpenedImage::Rootfs(RootfsDir::open(p)?),
        ImageRef::Registry(r) => {
            let client = registry::RegistryClient::new(r, registry::RegistryOptions::from_env()?)?;
            OpenedImage::Image(Box::new(client.pull(r)?))
        }
    })
}

/// Opens an OCI archive or a `docker save` archive held in memory (uncompressed tar bytes),
/// detected as [`ImageRef::detect`] detects a file: `oci-layout` and `index.json` make an OCI
/// archive, `manifest.json` a docker archive. `name` stands for the archive in messages.
///
/// ```
/// let err = stella::image::open_image_bytes("<bytes>", b"not a tar".to_vec()).unwrap_err();
/// assert!(err.to_string().contains("<bytes>"));
/// ```
pub fn open_image_bytes(
    name: &str,
    bytes: impl Into<std::sync::Arc<[u8]>>,
) -> Result<Box<dyn ImageSource>, ScanError> {
    let files = TarFiles::index_bytes(name, bytes)?;
    if files.contains("oci-layout") && files.contains("index.json") {
        Ok(Box::new(OciLayout::open_archive(files)?))
    } else if files.contains("manifest.json") {
        Ok(Box::new(DockerArchive::open(files)?))
    } else {
        Err(unsupported(format!(
            "{name}: neither an OCI archive (no oci-layout/index.json) nor a docker-save \
             archive (no manifest.json); compressed archives are not read"
        )))
    }
}

pub(crate) fn io_err(context: impl Into<String>, source: std::io::Error) -> CoreError {
    CoreError::Io {
        context: context.into(),
        source,
    }
}

/// The OCI annotation naming an image in a layout's `index.json`.
pub const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";

/// What an SBOM calls an image: a name that is never a local filesystem path, and where it was
/// pulled from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomImageName {
    /// The image reference as given, without local paths: `--name`, else the registry
    /// reference (`HOST/REPOSITORY[:TAG][@DIGEST]`), else the OCI layout's
    /// `org.opencontainers.image.ref.name` of the manifest scanned, else a docker archive's
    /// first `RepoTags` entry, else `None` (the writers then use the manifest digest, or
    /// `rootfs` for a directory).
    pub name: Option<String>,
    /// `HOST/REPOSITORY` of a registry image (the purl `repository_url` qualifier).
    pub repository_url: Option<String>,
}

/// Names an image for its SBOM (see [`SbomImageName`]): `chosen` (a `--name` flag) wins;
/// `manifest` is the digest of the manifest the scan resolved (it picks the layout's index
/// entry). Reads only `index.json` (already in memory) or a docker archive's `manifest.json`.
///
/// ```
/// use stella::image::{ImageRef, OpenedImage, RootfsDir, sbom_image_name};
/// let dir = std::env::temp_dir();
/// let opened = OpenedImage::Rootfs(RootfsDir::open(&dir).unwrap());
/// let reference = ImageRef::Dir(dir.clone());
/// // A root filesystem has no name of its own: never its path.
/// assert_eq!(sbom_image_name(&reference, &opened, None, None).name, None);
/// let named = sbom_image_name(&reference, &opened, None, Some("team/app:1"));
/// assert_eq!(named.name.as_deref(), Some("team/app:1"));
/// ```
pub fn sbom_image_name(
    reference: &ImageRef,
    opened: &OpenedImage,
    manifest: Option<&stella_core::Digest>,
    chosen: Option<&str>,
) -> SbomImageName {
    let repository_url = match reference {
        ImageRef::Registry(r) => Some(format!("{}/{}", r.registry, r.repository)),
        _ => None,
    };
    let chosen = chosen.map(str::trim).filter(|c| !c.is_empty());
    let name = match (chosen, reference) {
        (Some(c), _) => Some(c.to_owned()),
        (None, ImageRef::Registry(r)) => Some(r.to_string()),
        (None, ImageRef::DockerArchive(p)) => match opened {
            OpenedImage::Image(source) => {
                layout_ref_name(source.as_ref(), manifest).or_else(|| docker_repo_tag(p))
            }
            OpenedImage::Rootfs(_) => None,
        },
        (None, ImageRef::OciDir(_) | ImageRef::OciArchive(_)) => match opened {
            OpenedImage::Image(source) => layout_ref_name(source.as_ref(), manifest),
            OpenedImage::Rootfs(_) => None,
        },
        (None, ImageRef::Dir(_)) => None,
    };
    SbomImageName {
        name,
        repository_url,
    }
}

/// The `org.opencontainers.image.ref.name` of the index entry for `manifest` (or of the only
/// entry), when the source's root is an index.
fn layout_ref_name(
    source: &dyn ImageSource,
    manifest: Option<&stella_core::Digest>,
) -> Option<String> {
    let root = source.root().ok()?;
    let bytes = source.index(&root.digest).ok()?;
    let index: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let entries = index.get("manifests")?.as_array()?;
    let name_of = |e: &serde_json::Value| {
        e.get("annotations")?
            .get(REF_NAME_ANNOTATION)?
            .as_str()
            .map(str::trim)
            .filter(|n| !n.is_empty() && !n.contains(char::is_control))
            .map(str::to_owned)
    };
    let matching = manifest.and_then(|m| {
        let m = m.to_string();
        entries
            .iter()
            .find(|e| e.get("digest").and_then(|d| d.as_str()) == Some(m.as_str()))
            .and_then(name_of)
    });
    matching.or_else(|| match entries.as_slice() {
        [only] => name_of(only),
        _ => None,
    })
}

/// The first `RepoTags` entry of a docker archive.
fn docker_repo_tag(path: &Path) -> Option<String> {
    let files = TarFiles::index(path).ok()?;
    let archive = DockerArchive::open(files).ok()?;
    archive
        .tags()
        .iter()
        .map(|t| t.trim())
        .find(|t| !t.is_empty() && !t.contains(char::is_control))
        .map(str::to_owned)
}

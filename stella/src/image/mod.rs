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

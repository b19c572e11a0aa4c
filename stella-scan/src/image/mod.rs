//! The image model: OCI image index (with platform selection), OCI and Docker v2 manifests, the
//! image config, the layer walk and the merged file tree.
//!
//! [`resolve`] goes from an [`ImageSource`]'s root to one platform's manifest and config;
//! [`layer`] streams one layer blob (tar, tar+gzip, tar+zstd, detected by magic bytes) into
//! normalized [`TreeEntry`] values; [`FileTree`] applies layers in order (whiteouts, opaque
//! directories) and resolves links without ever leaving the image root.
//!
//! ```
//! use stella_scan::image::{resolve, Platform};
//! use stella_scan::ScanLimits;
//! use stella_scan::testing::{TestImage, TestLayer};
//!
//! let image = TestImage::new()
//!     .layer(TestLayer::new().file("etc/hostname", b"box\n"))
//!     .build();
//! let resolved = resolve(&image.source, None, &ScanLimits::default())?;
//! assert_eq!(resolved.platform, Platform::parse("linux/amd64")?);
//! assert_eq!(resolved.layers.len(), 1);
//! # Ok::<(), stella_scan::ScanError>(())
//! ```

pub mod layer;
mod tree;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use stella_core::{
    Descriptor, Digest, ImageSource, MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST_LIST,
    MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST,
};

pub use tree::{
    AliasIndex, ContentId, EXTRACT_MAX_LINKS, EntryKind, FileTree, Node, TreeEntry, normalize_path,
};

use crate::error::{ImageError, ImageParseProblem, ScanError};
use crate::limits::ScanLimits;

/// Media type of a Docker v2 image config.
pub const MEDIA_TYPE_DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";

/// An OS/architecture(/variant) pair, as in an index's `platform` and `stella sbom --platform`.
///
/// ```
/// use stella_scan::image::Platform;
/// let p = Platform::parse("linux/arm64/v8")?;
/// assert_eq!(p.to_string(), "linux/arm64/v8");
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    /// `os` (e.g. `linux`).
    pub os: String,
    /// `architecture` (e.g. `amd64`).
    pub architecture: String,
    /// `variant` (e.g. `v8`), when given.
    pub variant: Option<String>,
}

impl Platform {
    /// The default platform: `linux/amd64`.
    pub fn linux_amd64() -> Self {
        Self {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: None,
        }
    }

    /// Parses `os/arch[/variant]`.
    pub fn parse(text: &str) -> Result<Self, ScanError> {
        let parts: Vec<&str> = text.split('/').collect();
        let bad = || {
            ScanError::Image(ImageError::Unsupported {
                what: format!("platform {text:?} (expected os/arch or os/arch/variant)"),
            })
        };
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Self {
                os: (*os).into(),
                architecture: (*arch).into(),
                variant: None,
            }),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Self {
                    os: (*os).into(),
                    architecture: (*arch).into(),
                    variant: Some((*variant).into()),
                })
            }
            _ => Err(bad()),
        }
    }

    /// Whether an index entry's platform satisfies this request (a request without a variant
    /// accepts any variant).
    fn accepts(&self, other: &Platform) -> bool {
        self.os == other.os
            && self.architecture == other.architecture
            && (self.variant.is_none() || self.variant == other.variant)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// `platform` of an index entry (OCI image-index spec).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformSpec {
    /// CPU architecture.
    pub architecture: String,
    /// Operating system.
    pub os: String,
    /// `os.version`.
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub os_version: Option<String>,
    /// `os.features`.
    #[serde(rename = "os.features", default, skip_serializing_if = "Vec::is_empty")]
    pub os_features: Vec<String>,
    /// CPU variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl PlatformSpec {
    /// As a [`Platform`].
    pub fn platform(&self) -> Platform {
        Platform {
            os: self.os.clone(),
            architecture: self.architecture.clone(),
            variant: self.variant.clone(),
        }
    }
}

/// One entry of an image index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexEntry {
    /// Media type of the referenced manifest or index.
    pub media_type: String,
    /// Its digest.
    pub digest: Digest,
    /// Its size.
    pub size: u64,
    /// The platform it is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<PlatformSpec>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An OCI image index or Docker manifest list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageIndex {
    /// Always 2.
    pub schema_version: u32,
    /// The media type, when stated (OCI layouts' `index.json` often omit it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The manifests (or nested indexes).
    #[serde(default)]
    pub manifests: Vec<IndexEntry>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An OCI image manifest or Docker v2 schema 2 manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageManifest {
    /// Always 2.
    pub schema_version: u32,
    /// The media type, when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The config blob.
    pub config: Descriptor,
    /// The layers, bottom first.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// The runtime part of an image config (`config` in the OCI image config spec; Docker's
/// capitalized keys).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerConfig {
    /// `User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `ExposedPorts` keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    /// `Env` (`NAME=value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Vec<String>>,
    /// `Entrypoint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    /// `Cmd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    /// `Volumes` keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<BTreeMap<String, serde_json::Value>>,
    /// `WorkingDir`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// `Labels`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// `StopSignal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
}

/// `rootfs` of an image config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootFs {
    /// Always `layers`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Digests of the uncompressed layer tars, bottom first.
    #[serde(default)]
    pub diff_ids: Vec<Digest>,
}

/// One `history` entry of an image config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// When the step ran (RFC 3339 text, kept as given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The command of the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// Author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Whether the step made no layer.
    #[serde(default)]
    pub empty_layer: bool,
}

/// An OCI / Docker image config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageConfig {
    /// CPU architecture.
    #[serde(default)]
    pub architecture: String,
    /// Operating system.
    #[serde(default)]
    pub os: String,
    /// CPU variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Creation time (RFC 3339 text, kept as given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The runtime configuration (entrypoint, cmd, env, user, working dir).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ContainerConfig>,
    /// The uncompressed layer digests.
    #[serde(default)]
    pub rootfs: RootFs,
    /// The build history.
    #[serde(default)]
    pub history: Vec<History>,
}

/// One platform's image, resolved from a source's root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedImage {
    /// Digest of the manifest.
    pub manifest_digest: Digest,
    /// The manifest.
    pub manifest: ImageManifest,
    /// Digest of the config blob.
    pub config_digest: Digest,
    /// The config.
    pub config: ImageConfig,
    /// The platform (from the index entry, else from the config).
    pub platform: Platform,
    /// The layers, bottom first (the manifest's).
    pub layers: Vec<Descriptor>,
}

fn is_index_type(media_type: &str) -> bool {
    media_type == MEDIA_TYPE_OCI_INDEX || media_type == MEDIA_TYPE_DOCKER_MANIFEST_LIST
}

fn is_manifest_type(media_type: &str) -> bool {
    media_type == MEDIA_TYPE_OCI_MANIFEST || media_type == MEDIA_TYPE_DOCKER_MANIFEST
}

fn parse<T: serde::de::DeserializeOwned>(
    what: &'static str,
    digest: &Digest,
    bytes: &[u8],
) -> Result<T, ScanError> {
    stella_core::canonical::from_slice_strict(bytes).map_err(|e| {
        ScanError::Image(ImageError::Parse {
            what,
            digest: *digest,
            reason: ImageParseProblem::Json(Box::new(e)),
        })
    })
}

fn check_size(
    what: &'static str,
    digest: &Digest,
    size: u64,
    limits: &ScanLimits,
) -> Result<(), ScanError> {
    if size > limits.max_metadata_bytes {
        return Err(ScanError::Image(ImageError::Oversize {
            what,
            digest: *digest,
            size,
            max: limits.max_metadata_bytes,
        }));
    }
    Ok(())
}

/// Fetches a small blob and checks it has the size its descriptor claims.
fn fetch(
    source: &dyn ImageSource,
    what: &'static str,
    digest: &Digest,
    size: u64,
    limits: &ScanLimits,
) -> Result<Vec<u8>, ScanError> {
    check_size(what, digest, size, limits)?;
    let bytes = source.blob(digest)?;
    if bytes.len() as u64 != size {
        return Err(ScanError::Image(ImageError::Parse {
            what,
            digest: *digest,
            reason: ImageParseProblem::SizeMismatch {
                claimed: size,
                actual: bytes.len() as u64,
            },
        }));
    }
    Ok(bytes)
}

/// Sniffs whether JSON is an index (has `manifests`) or a manifest (has `config`), for roots
/// whose media type is missing or generic.
fn sniff_kind(bytes: &[u8]) -> Option<bool> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let obj = value.as_object()?;
    if obj.contains_key("manifests") {
        Some(true)
    } else if obj.contains_key("config") {
        Some(false)
    } else {
        None
    }
}

/// Resolves a source's root to one platform's manifest and config.
///
/// `platform` defaults to `linux/amd64`. Index entries without a platform are taken when no
/// entry names one (single-image OCI layouts); attestation manifests (`unknown/unknown`) are
/// never picked. Nested indexes are followed up to [`ScanLimits::max_index_depth`]; an index
/// met twice is [`ImageError::IndexCycle`].
pub fn resolve(
    source: &dyn ImageSource,
    platform: Option<&Platform>,
    limits: &ScanLimits,
) -> Result<ResolvedImage, ScanError> {
    let wanted = platform.cloned().unwrap_or_else(Platform::linux_amd64);
    let root = source.root()?;
    let mut seen = BTreeSet::new();
    let mut current = root.digest;
    let mut media_type = root.media_type.clone();
    let mut size = root.size;
    let mut entry_platform: Option<Platform> = None;
    let mut depth = 0u64;
    loop {
        let bytes = fetch(source, "index or manifest", &current, size, limits)?;
        let is_index = if is_index_type(&media_type) {
            true
        } else if is_manifest_type(&media_type) {
            false
        } else {
            match sniff_kind(&bytes) {
                Some(kind) => kind,
                None => {
                    return Err(ScanError::Image(ImageError::UnsupportedMediaType {
                        what: "image index or manifest",
                        digest: current,
                        media_type,
                    }));
                }
            }
        };
        if !is_index {
            return resolve_manifest(source, current, &bytes, entry_platform, limits);
        }
        if !seen.insert(current) {
            return Err(ScanError::Image(ImageError::IndexCycle { digest: current }));
        }
        depth += 1;
        ScanLimits::check("max_index_depth", limits.max_index_depth, depth, || {
            format!("index {current}")
        })?;
        let index: ImageIndex = parse("index", &current, &bytes)?;
        let entry = select(&index, &wanted, &current)?;
        if seen.contains(&entry.digest) {
            return Err(ScanError::Image(ImageError::IndexCycle {
                digest: entry.digest,
            }));
        }
        entry_platform = entry.platform.as_ref().map(PlatformSpec::platform);
        current = entry.digest;
        media_type = entry.media_type.clone();
        size = entry.size;
    }
}

fn select<'a>(
    index: &'a ImageIndex,
    wanted: &Platform,
    digest: &Digest,
) -> Result<&'a IndexEntry, ScanError> {
    let candidates: Vec<&IndexEntry> = index
        .manifests
        .iter()
        .filter(|e| is_index_type(&e.media_type) || is_manifest_type(&e.media_type))
        .filter(|e| {
            e.platform
                .as_ref()
                .is_none_or(|p| p.os != "unknown" && p.architecture != "unknown")
        })
        .collect();
    let any_platform = candidates.iter().any(|e| e.platform.is_some());
    let found = if any_platform {
        candidates.iter().find(|e| {
            e.platform
                .as_ref()
                .is_some_and(|p| wanted.accepts(&p.platform()))
        })
    } else {
        // Single-image layouts: index.json names one manifest without a platform.
        candidates.first()
    };
    found.copied().ok_or_else(|| {
        let mut available: Vec<String> = candidates
            .iter()
            .filter_map(|e| e.platform.as_ref().map(|p| p.platform().to_string()))
            .collect();
        available.sort();
        available.dedup();
        ScanError::Image(ImageError::NoMatchingPlatform {
            wanted: wanted.to_string(),
            index: *digest,
            available: available.join(", "),
        })
    })
}

fn resolve_manifest(
    source: &dyn ImageSource,
    digest: Digest,
    bytes: &[u8],
    entry_platform: Option<Platform>,
    limits: &ScanLimits,
) -> Result<ResolvedImage, ScanError> {
    let manifest: ImageManifest = parse("manifest", &digest, bytes)?;
    if manifest.schema_version != 2 {
        return Err(ScanError::Image(ImageError::UnsupportedMediaType {
            what: "manifest (schema version)",
            digest,
            media_type: format!("schemaVersion {}", manifest.schema_version),
        }));
    }
    ScanLimits::check(
        "max_layers",
        limits.max_layers,
        manifest.layers.len() as u64,
        || format!("manifest {digest}"),
    )?;
    for layer in &manifest.layers {
        if layer.size > limits.max_layer_bytes {
            return Err(ScanError::Image(ImageError::Oversize {
                what: "layer",
                digest: layer.digest,
                size: layer.size,
                max: limits.max_layer_bytes,
            }));
        }
    }
    let config_digest = manifest.config.digest;
    let config_bytes = fetch(
        source,
        "config",
        &config_digest,
        manifest.config.size,
        limits,
    )?;
    let config: ImageConfig = parse("config", &config_digest, &config_bytes)?;
    let platform = entry_platform.unwrap_or_else(|| Platform {
        os: config.os.clone(),
        architecture: config.architecture.clone(),
        variant: config.variant.clone(),
    });
    Ok(ResolvedImage {
        manifest_digest: digest,
        layers: manifest.layers.clone(),
        manifest,
        config_digest,
        config,
        platform,
    })
}

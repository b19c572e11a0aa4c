//! Tar archives of images: an index of members (one pass over the tar, no extraction) that
//! serves each member by seeking, and the `docker save` format on top of it.

use std::collections::BTreeMap;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use stella_core::{
    CoreError, Descriptor, Digest, ImageSource, MEDIA_TYPE_DOCKER_MANIFEST, VerifyingReader,
    canonical,
};
use stella_scan::image::{ImageConfig, ImageManifest, MEDIA_TYPE_DOCKER_CONFIG, normalize_path};
use stella_scan::{ImageError, LayerProblem, ScanError};

use super::{MAX_METADATA_BYTES, io_err};
use crate::files::{Links, open_regular};

/// Most members an image archive may have (a docker archive of 1000 layers has ~3000).
const MAX_MEMBERS: usize = 1_000_000;

/// The regular-file members of a tar archive on disk or in memory: path → (data offset, size).
#[derive(Debug, Clone)]
pub struct TarFiles {
    path: PathBuf,
    /// The whole archive, when it was given as bytes ([`TarFiles::index_bytes`]).
    bytes: Option<Arc<[u8]>>,
    members: BTreeMap<String, (u64, u64)>,
}

impl TarFiles {
    /// Reads the archive's headers once (member data is skipped, not read).
    pub fn index(path: &Path) -> Result<Self, ScanError> {
        let context = || format!("archive {}", path.display());
        let file = open_regular(path, Links::Follow).map_err(|e| io_err(context(), e))?;
        let members = index_members(BufReader::new(file), &context)?;
        Ok(Self {
            path: path.to_owned(),
            bytes: None,
            members,
        })
    }

    /// Indexes an archive held in memory; `name` stands for it in messages (e.g. `<bytes>`).
    pub fn index_bytes(name: &str, bytes: impl Into<Arc<[u8]>>) -> Result<Self, ScanError> {
        let bytes: Arc<[u8]> = bytes.into();
        let context = || format!("archive {name}");
        let members = index_members(Cursor::new(bytes.as_ref()), &context)?;
        Ok(Self {
            path: PathBuf::from(name),
            bytes: Some(bytes),
            members,
        })
    }

    /// Whether the archive has a regular file at `name` (normalized).
    pub fn contains(&self, name: &str) -> bool {
        self.members.contains_key(name)
    }

    /// The size of a member.
    pub fn size(&self, name: &str) -> Option<u64> {
        self.members.get(name).map(|(_, s)| *s)
    }

    /// The archive's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A reader over one member.
    pub fn open(&self, name: &str) -> Result<Box<dyn Read + Send + '_>, CoreError> {
        let (offset, size) = *self.members.get(name).ok_or_else(|| CoreError::Backend {
            backend: "image-archive",
            source: format!("{}: no member {name}", self.path.display()).into(),
        })?;
        if let Some(bytes) = &self.bytes {
            let member = usize::try_from(offset)
                .ok()
                .zip(usize::try_from(size).ok())
                .and_then(|(start, len)| bytes.get(start..start.checked_add(len)?))
                .ok_or_else(|| CoreError::Backend {
                    backend: "image-archive",
                    source: format!("{}: member {name} is out of bounds", self.path.display())
                        .into(),
                })?;
            return Ok(Box::new(member));
        }
        let context = || format!("archive {} member {name}", self.path.display());
        let mut file = open_regular(&self.path, Links::Follow).map_err(|e| io_err(context(), e))?;
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| io_err(context(), e))?;
        Ok(Box::new(BufReader::with_capacity(
            256 * 1024,
            file.take(size),
        )))
    }

    /// A whole member, refused when larger than `max` bytes.
    pub fn read(&self, name: &str, max: u64) -> Result<Vec<u8>, CoreError> {
        let size = self.size(name).unwrap_or(0);
        if size > max {
            return Err(CoreError::LimitExceeded {
                limit: "metadata blob bytes",
                max,
                actual: size,
            });
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        self.open(name)?
            .read_to_end(&mut bytes)
            .map_err(|e| io_err(format!("archive {} member {name}", self.path.display()), e))?;
        Ok(bytes)
    }
}

/// Reads a tar's headers once (member data is skipped): regular-file path → (offset, size).
fn index_members(
    reader: impl Read,
    context: &dyn Fn() -> String,
) -> Result<BTreeMap<String, (u64, u64)>, ScanError> {
    let mut archive = tar::Archive::new(reader);
    let mut members = BTreeMap::new();
    for entry in archive.entries().map_err(|e| io_err(context(), e))? {
        let entry = entry.map_err(|e| io_err(context(), e))?;
        if !matches!(
            entry.header().entry_type(),
            tar::EntryType::Regular | tar::EntryType::Continuous
        ) {
            continue;
        }
        let name = normalize_path(&String::from_utf8_lossy(&entry.path_bytes()));
        members.insert(name, (entry.raw_file_position(), entry.size()));
        if members.len() > MAX_MEMBERS {
            return Err(ScanError::LimitExceeded {
                limit: "archive members",
                max: MAX_MEMBERS as u64,
                actual: members.len() as u64,
                input: context(),
            });
        }
    }
    Ok(members)
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

/// A `docker save` archive (`manifest.json`, a config, one tar per layer), served as an image
/// whose manifest is a Docker v2 manifest built from `manifest.json`. Layers are named by
/// their digest: the `blobs/sha256/<hex>` member name where the archive uses one, else the
/// config's `diff_ids` (the digest of the uncompressed tar, which is what older `docker save`
/// writes); each is verified as it streams. Only the first image of the archive is read.
#[derive(Debug)]
pub struct DockerArchive {
    files: TarFiles,
    manifest: Vec<u8>,
    manifest_digest: Digest,
    members: BTreeMap<Digest, String>,
    tags: Vec<String>,
}

fn archive_err(files: &TarFiles, reason: LayerProblem) -> ScanError {
    ScanError::Image(ImageError::Layer {
        layer: files.path().display().to_string(),
        reason,
    })
}

impl DockerArchive {
    /// Opens a docker archive from its member index.
    pub fn open(files: TarFiles) -> Result<Self, ScanError> {
        let manifest_json = files.read("manifest.json", MAX_METADATA_BYTES)?;
        let entries: Vec<DockerManifestEntry> = canonical::from_slice_strict(&manifest_json)?;
        let first = entries
            .into_iter()
            .next()
            .ok_or_else(|| archive_err(&files, LayerProblem::NoImageInArchive))?;
        let config_name = normalize_path(&first.config);
        let config_bytes = files.read(&config_name, MAX_METADATA_BYTES)?;
        let config_digest = Digest::of(&config_bytes);
        let config: ImageConfig = canonical::from_slice_strict(&config_bytes)?;
        let mut members = BTreeMap::new();
        members.insert(config_digest, config_name);
        let mut layers = Vec::new();
        for (i, layer) in first.layers.iter().enumerate() {
            let name = normalize_path(layer);
            let size = files.size(&name).ok_or_else(|| {
                archive_err(&files, LayerProblem::MissingMember { name: name.clone() })
            })?;
            let digest = match name.strip_prefix("blobs/sha256/") {
                Some(hex) => Digest::parse_hex(hex)?,
                None => *config
                    .rootfs
                    .diff_ids
                    .get(i)
                    .ok_or_else(|| archive_err(&files, LayerProblem::NoDiffId { index: i }))?,
            };
            layers.push(Descriptor::new(
                "application/vnd.docker.image.rootfs.diff.tar",
                digest,
                size,
            ));
            members.insert(digest, name);
        }
        let manifest = ImageManifest {
            schema_version: 2,
            media_type: Some(MEDIA_TYPE_DOCKER_MANIFEST.into()),
            config: Descriptor::new(
                MEDIA_TYPE_DOCKER_CONFIG,
                config_digest,
                config_bytes.len() as u64,
            ),
            layers,
            annotations: BTreeMap::new(),
        };
        let manifest = canonical::to_canonical_vec(&manifest)?;
        Ok(Self {
            manifest_digest: Digest::of(&manifest),
            manifest,
            members,
            tags: first.repo_tags.unwrap_or_default(),
            files,
        })
    }

    /// The `RepoTags` of the image, as `docker save` wrote them.
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    fn member(&self, digest: &Digest) -> Result<&str, CoreError> {
        self.members
            .get(digest)
            .map(String::as_str)
            .ok_or(CoreError::NotFound { digest: *digest })
    }
}

impl ImageSource for DockerArchive {
    fn root(&self) -> Result<Descriptor, CoreError> {
        Ok(Descriptor::new(
            MEDIA_TYPE_DOCKER_MANIFEST,
            self.manifest_digest,
            self.manifest.len() as u64,
        ))
    }

    fn blob(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        if *digest == self.manifest_digest {
            return Ok(self.manifest.clone());
        }
        let bytes = self.files.read(self.member(digest)?, MAX_METADATA_BYTES)?;
        digest.verify(&bytes)?;
        Ok(bytes)
    }

    fn open_blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, CoreError> {
        if *digest == self.manifest_digest {
            return Ok(Box::new(std::io::Cursor::new(self.manifest.clone())));
        }
        let name = self.member(digest)?;
        let size = self.files.size(name);
        Ok(Box::new(VerifyingReader::new(
            self.files.open(name)?,
            *digest,
            size,
        )))
    }
}

//! The in-code test image builder (cargo feature `testing`): layers from an in-memory file
//! tree (files, directories, symlinks, hard links, whiteouts, modes), compressed with gzip,
//! zstd or not at all, assembled into an image — or an index of several platforms — in a
//! [`MemoryImageSource`]. No binary fixture is ever committed; the `stella` crate writes the
//! same images to disk as OCI layouts and archives.
//!
//! ```
//! use stella_scan::testing::{TestImage, TestLayer, TestIndex};
//! use stella_scan::image::Platform;
//!
//! let amd = TestImage::new().layer(TestLayer::new().file("a", b"x").zstd());
//! let arm = TestImage::new()
//!     .platform(Platform::parse("linux/arm64")?)
//!     .layer(TestLayer::new().file("b", b"y"));
//! let built = TestIndex::new().image(amd).image(arm).build();
//! assert_eq!(built.images.len(), 2);
//! # Ok::<(), stella_scan::ScanError>(())
//! ```

use std::collections::BTreeMap;
use std::io::Write;

use stella_core::{
    Descriptor, Digest, MEDIA_TYPE_OCI_CONFIG, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST,
    MemoryImageSource,
};

use crate::package::{Package, PackageKind};

use crate::image::{
    ContainerConfig, History, ImageConfig, ImageIndex, ImageManifest, IndexEntry, Platform,
    PlatformSpec, RootFs,
};

/// A package with this identity, cataloger `test` and every other field empty: for tests that
/// match, score or write packages without scanning an image (set the fields a test needs).
///
/// ```
/// use stella_scan::package::PackageKind;
/// let p = stella_scan::testing::package(PackageKind::Python, "a", "1.0", "pkg:pypi/a@1.0");
/// assert!(p.evidence.is_empty() && p.source.is_none());
/// ```
pub fn package(kind: PackageKind, name: &str, version: &str, purl: &str) -> Package {
    Package {
        name: name.into(),
        version: version.into(),
        kind,
        purl: purl.into(),
        licenses: vec![],
        cpes: vec![],
        source: None,
        evidence: vec![],
        files: vec![],
        dependencies: vec![],
        cataloger: "test".into(),
        metadata: BTreeMap::new(),
        license_acknowledgement: Default::default(),
        supplier: None,
        authors: vec![],
        hashes: vec![],
    }
}

/// Media type of an uncompressed OCI layer.
pub const MEDIA_TYPE_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
/// Media type of a gzip OCI layer.
pub const MEDIA_TYPE_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// Media type of a zstd OCI layer.
pub const MEDIA_TYPE_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";

/// How a test layer is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestCompression {
    /// Plain tar.
    None,
    /// gzip.
    Gzip,
    /// Zstandard.
    Zstd,
}

#[derive(Debug, Clone)]
enum TestEntry {
    File {
        path: String,
        data: Vec<u8>,
        mode: u32,
    },
    Dir {
        path: String,
        mode: u32,
    },
    Symlink {
        path: String,
        target: String,
    },
    HardLink {
        path: String,
        target: String,
    },
    Raw {
        name: Vec<u8>,
        data: Vec<u8>,
    },
    Pax {
        records: Vec<(String, Vec<u8>)>,
    },
}

/// One layer, as an ordered list of tar entries.
#[derive(Debug, Clone)]
pub struct TestLayer {
    entries: Vec<TestEntry>,
    compression: TestCompression,
}

impl Default for TestLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl TestLayer {
    /// An empty gzip layer.
    pub fn new() -> Self {
        Self {
            entries: Vec::new(),
            compression: TestCompression::Gzip,
        }
    }

    /// Adds a regular file with mode 0644.
    pub fn file(self, path: &str, data: &[u8]) -> Self {
        self.file_mode(path, data, 0o644)
    }

    /// Adds a regular file with a mode.
    pub fn file_mode(mut self, path: &str, data: &[u8], mode: u32) -> Self {
        self.entries.push(TestEntry::File {
            path: path.into(),
            data: data.to_vec(),
            mode,
        });
        self
    }

    /// Adds a directory (mode 0755).
    pub fn dir(mut self, path: &str) -> Self {
        self.entries.push(TestEntry::Dir {
            path: path.into(),
            mode: 0o755,
        });
        self
    }

    /// Adds a symbolic link.
    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        self.entries.push(TestEntry::Symlink {
            path: path.into(),
            target: target.into(),
        });
        self
    }

    /// Adds a hard link to `target` (a root-relative path).
    pub fn hardlink(mut self, path: &str, target: &str) -> Self {
        self.entries.push(TestEntry::HardLink {
            path: path.into(),
            target: target.into(),
        });
        self
    }

    /// Adds a whiteout hiding `path` of lower layers.
    pub fn whiteout(self, path: &str) -> Self {
        let (dir, base) = path.rsplit_once('/').unwrap_or(("", path));
        let marker = if dir.is_empty() {
            format!(".wh.{base}")
        } else {
            format!("{dir}/.wh.{base}")
        };
        self.file(&marker, b"")
    }

    /// Makes `dir` opaque: its lower-layer children are hidden.
    pub fn opaque(self, dir: &str) -> Self {
        self.file(&format!("{dir}/.wh..wh..opq"), b"")
    }

    /// Adds a regular file whose tar name is written as given (up to 100 bytes, no checks):
    /// for hostile names such as `../../etc/passwd` or `/abs`.
    pub fn raw_file(mut self, name: &[u8], data: &[u8]) -> Self {
        self.entries.push(TestEntry::Raw {
            name: name.to_vec(),
            data: data.to_vec(),
        });
        self
    }

    /// Adds a PAX extended header (`x`) with `records`, which applies to the next entry.
    pub fn pax(mut self, records: &[(&str, &[u8])]) -> Self {
        self.entries.push(TestEntry::Pax {
            records: records
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.to_vec()))
                .collect(),
        });
        self
    }

    /// Compresses the layer with gzip (the default).
    pub fn gzip(mut self) -> Self {
        self.compression = TestCompression::Gzip;
        self
    }

    /// Compresses the layer with Zstandard.
    pub fn zstd(mut self) -> Self {
        self.compression = TestCompression::Zstd;
        self
    }

    /// Leaves the layer uncompressed.
    pub fn uncompressed(mut self) -> Self {
        self.compression = TestCompression::None;
        self
    }

    /// The layer as an uncompressed tar (deterministic: mtime 0, uid/gid 0).
    pub fn tar(&self) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for e in &self.entries {
            // Writing into a Vec cannot fail; a bad path is a test-author error worth a panic.
            let r = match e {
                TestEntry::File { path, data, mode } => {
                    let mut h = header(tar::EntryType::Regular, *mode, data.len() as u64);
                    builder.append_data(&mut h, path, data.as_slice())
                }
                TestEntry::Dir { path, mode } => {
                    let mut h = header(tar::EntryType::Directory, *mode, 0);
                    builder.append_data(&mut h, path, std::io::empty())
                }
                TestEntry::Symlink { path, target } => {
                    let mut h = header(tar::EntryType::Symlink, 0o777, 0);
                    builder.append_link(&mut h, path, target)
                }
                TestEntry::HardLink { path, target } => {
                    let mut h = header(tar::EntryType::Link, 0o644, 0);
                    builder.append_link(&mut h, path, target)
                }
                TestEntry::Raw { name, data } => {
                    let mut h = header(tar::EntryType::Regular, 0o644, data.len() as u64);
                    let bytes = h.as_mut_bytes();
                    for (slot, b) in bytes
                        .iter_mut()
                        .take(100)
                        .zip(name.iter().copied().chain(std::iter::repeat(0)).take(100))
                    {
                        *slot = b;
                    }
                    h.set_cksum();
                    builder.append(&h, data.as_slice())
                }
                TestEntry::Pax { records } => builder
                    .append_pax_extensions(records.iter().map(|(k, v)| (k.as_str(), v.as_slice()))),
            };
            #[allow(clippy::panic)]
            if let Err(err) = r {
                panic!("test layer entry {e:?}: {err}");
            }
        }
        #[allow(clippy::expect_used)]
        builder
            .into_inner()
            .expect("finishing a tar in memory cannot fail")
    }

    /// The layer blob (compressed as chosen) and its media type.
    pub fn blob(&self) -> (Vec<u8>, &'static str) {
        let tar = self.tar();
        match self.compression {
            TestCompression::None => (tar, MEDIA_TYPE_LAYER_TAR),
            TestCompression::Gzip => (gzip(&tar), MEDIA_TYPE_LAYER_GZIP),
            TestCompression::Zstd => (
                ruzstd::encoding::compress_to_vec(
                    tar.as_slice(),
                    ruzstd::encoding::CompressionLevel::Fastest,
                ),
                MEDIA_TYPE_LAYER_ZSTD,
            ),
        }
    }
}

fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(0);
    h.set_uid(0);
    h.set_gid(0);
    h
}

/// gzip-compresses bytes (deterministic header: no name, mtime 0).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// One platform's image: layers plus config fields.
#[derive(Debug, Clone)]
pub struct TestImage {
    layers: Vec<TestLayer>,
    platform: Platform,
    config: ContainerConfig,
    docker_media_types: bool,
}

impl Default for TestImage {
    fn default() -> Self {
        Self::new()
    }
}

/// One image as built: its blobs and descriptors.
#[derive(Debug, Clone)]
pub struct BuiltManifest {
    /// The manifest descriptor (with its platform in `platform`).
    pub manifest: Descriptor,
    /// The config descriptor.
    pub config: Descriptor,
    /// Layer descriptors, bottom first.
    pub layers: Vec<Descriptor>,
    /// The uncompressed tar of each layer (what a `docker save` archive holds).
    pub layer_tars: Vec<Vec<u8>>,
    /// The config bytes.
    pub config_bytes: Vec<u8>,
    /// The platform.
    pub platform: Platform,
}

/// A built image or index: the source, the root descriptor and every blob.
#[derive(Debug, Clone)]
pub struct BuiltImage {
    /// An in-memory source serving it.
    pub source: MemoryImageSource,
    /// The root (an index or a manifest).
    pub root: Descriptor,
    /// Every blob by digest (manifests, configs, layers, indexes).
    pub blobs: BTreeMap<Digest, Vec<u8>>,
    /// The images, in the order they were added.
    pub images: Vec<BuiltManifest>,
}

impl BuiltImage {
    fn from_parts(
        blobs: BTreeMap<Digest, Vec<u8>>,
        root: Descriptor,
        images: Vec<BuiltManifest>,
    ) -> Self {
        let mut source = MemoryImageSource::new();
        for bytes in blobs.values() {
            source.add_blob(bytes.clone());
        }
        source.set_root(&root.media_type, root.digest);
        Self {
            source,
            root,
            blobs,
            images,
        }
    }

    /// The single image (the first one of an index).
    pub fn image(&self) -> Option<&BuiltManifest> {
        self.images.first()
    }
}

fn json(value: &impl serde::Serialize) -> Vec<u8> {
    // The canonical form keeps test images byte-identical across runs; our own model types
    // always serialize.
    stella_core::canonical::to_canonical_vec(value).unwrap_or_default()
}

impl TestImage {
    /// An empty linux/amd64 image.
    pub fn new() -> Self {
        Self {
            layers: Vec::new(),
            platform: Platform::linux_amd64(),
            config: ContainerConfig::default(),
            docker_media_types: false,
        }
    }

    /// Adds a layer on top.
    pub fn layer(mut self, layer: TestLayer) -> Self {
        self.layers.push(layer);
        self
    }

    /// Sets the platform.
    pub fn platform(mut self, platform: Platform) -> Self {
        self.platform = platform;
        self
    }

    /// Sets the runtime config (entrypoint, cmd, env, user, working dir).
    pub fn config(mut self, config: ContainerConfig) -> Self {
        self.config = config;
        self
    }

    /// Uses Docker v2 media types for the manifest and config instead of OCI ones.
    pub fn docker_media_types(mut self) -> Self {
        self.docker_media_types = true;
        self
    }

    fn build_parts(&self, blobs: &mut BTreeMap<Digest, Vec<u8>>) -> BuiltManifest {
        let mut layers = Vec::new();
        let mut layer_tars = Vec::new();
        let mut diff_ids = Vec::new();
        let mut history = Vec::new();
        for layer in &self.layers {
            let tar = layer.tar();
            diff_ids.push(Digest::of(&tar));
            let (blob, media_type) = layer.blob();
            let media_type = if self.docker_media_types {
                match layer.compression {
                    TestCompression::Gzip => "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    _ => media_type,
                }
            } else {
                media_type
            };
            let digest = Digest::of(&blob);
            layers.push(Descriptor::new(media_type, digest, blob.len() as u64));
            blobs.insert(digest, blob);
            layer_tars.push(tar);
            history.push(History {
                created_by: Some(format!("test layer {}", layers.len())),
                ..History::default()
            });
        }
        let config = ImageConfig {
            architecture: self.platform.architecture.clone(),
            os: self.platform.os.clone(),
            variant: self.platform.variant.clone(),
            created: Some("1970-01-01T00:00:00Z".into()),
            author: None,
            config: Some(self.config.clone()),
            rootfs: RootFs {
                kind: "layers".into(),
                diff_ids,
            },
            history,
        };
        let config_bytes = json(&config);
        let (config_type, manifest_type) = if self.docker_media_types {
            (
                crate::image::MEDIA_TYPE_DOCKER_CONFIG,
                stella_core::MEDIA_TYPE_DOCKER_MANIFEST,
            )
        } else {
            (MEDIA_TYPE_OCI_CONFIG, MEDIA_TYPE_OCI_MANIFEST)
        };
        let config_desc = Descriptor::new(
            config_type,
            Digest::of(&config_bytes),
            config_bytes.len() as u64,
        );
        blobs.insert(config_desc.digest, config_bytes.clone());
        let manifest = ImageManifest {
            schema_version: 2,
            media_type: Some(manifest_type.into()),
            config: config_desc.clone(),
            layers: layers.clone(),
            annotations: BTreeMap::new(),
        };
        let manifest_bytes = json(&manifest);
        let manifest_desc = Descriptor::new(
            manifest_type,
            Digest::of(&manifest_bytes),
            manifest_bytes.len() as u64,
        );
        blobs.insert(manifest_desc.digest, manifest_bytes);
        BuiltManifest {
            manifest: manifest_desc,
            config: config_desc,
            layers,
            layer_tars,
            config_bytes,
            platform: self.platform.clone(),
        }
    }

    /// Builds the image with its manifest as the root.
    pub fn build(&self) -> BuiltImage {
        let mut blobs = BTreeMap::new();
        let built = self.build_parts(&mut blobs);
        BuiltImage::from_parts(blobs, built.manifest.clone(), vec![built])
    }
}

/// Several images behind an OCI image index.
#[derive(Debug, Clone, Default)]
pub struct TestIndex {
    images: Vec<TestImage>,
    nested: bool,
}

impl TestIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an image.
    pub fn image(mut self, image: TestImage) -> Self {
        self.images.push(image);
        self
    }

    /// Puts the index inside an outer index (as some registries serve multi-arch images).
    pub fn nested(mut self) -> Self {
        self.nested = true;
        self
    }

    /// Builds the index (the root) and every image.
    pub fn build(&self) -> BuiltImage {
        let mut blobs = BTreeMap::new();
        let mut built = Vec::new();
        let mut entries = Vec::new();
        for image in &self.images {
            let b = image.build_parts(&mut blobs);
            entries.push(IndexEntry {
                media_type: b.manifest.media_type.clone(),
                digest: b.manifest.digest,
                size: b.manifest.size,
                platform: Some(PlatformSpec {
                    architecture: b.platform.architecture.clone(),
                    os: b.platform.os.clone(),
                    os_version: None,
                    os_features: Vec::new(),
                    variant: b.platform.variant.clone(),
                }),
                annotations: BTreeMap::new(),
            });
            built.push(b);
        }
        let index = ImageIndex {
            schema_version: 2,
            media_type: Some(MEDIA_TYPE_OCI_INDEX.into()),
            manifests: entries,
            annotations: BTreeMap::new(),
        };
        let bytes = json(&index);
        let mut root =
            Descriptor::new(MEDIA_TYPE_OCI_INDEX, Digest::of(&bytes), bytes.len() as u64);
        blobs.insert(root.digest, bytes);
        if self.nested {
            let outer = ImageIndex {
                schema_version: 2,
                media_type: Some(MEDIA_TYPE_OCI_INDEX.into()),
                manifests: vec![IndexEntry {
                    media_type: MEDIA_TYPE_OCI_INDEX.into(),
                    digest: root.digest,
                    size: root.size,
                    platform: None,
                    annotations: BTreeMap::new(),
                }],
                annotations: BTreeMap::new(),
            };
            let bytes = json(&outer);
            root = Descriptor::new(MEDIA_TYPE_OCI_INDEX, Digest::of(&bytes), bytes.len() as u64);
            blobs.insert(root.digest, bytes);
        }
        BuiltImage::from_parts(blobs, root, built)
    }
}

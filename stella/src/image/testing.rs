//! Test support: writes an image built in memory (e.g. with `stella_scan::testing`, feature
//! `testing`) to disk in each input form, so tests never commit binary images. File names come
//! from digests only. Compiled only with the `testing` feature of `stella` (off by default: a
//! crate whose tests use it enables it in its dev-dependencies).
//!
//! ```
//! use std::collections::BTreeMap;
//! use stella_core::{Descriptor, Digest, MEDIA_TYPE_OCI_MANIFEST};
//!
//! let dir = std::env::temp_dir().join(format!("stella-doc-{}", std::process::id()));
//! let manifest = br#"{"schemaVersion":2}"#.to_vec();
//! let root = Descriptor::new(MEDIA_TYPE_OCI_MANIFEST, Digest::of(&manifest), manifest.len() as u64);
//! let blobs = BTreeMap::from([(root.digest, manifest)]);
//! stella::image::testing::write_oci_layout(&dir, &root, &blobs)?;
//! assert!(dir.join("oci-layout").is_file());
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use stella_core::{Descriptor, Digest, MEDIA_TYPE_OCI_INDEX};

const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// The `index.json` of a layout whose top-level object is `root`: the index itself, or an index
/// naming the one manifest.
fn index_json(root: &Descriptor, blobs: &BTreeMap<Digest, Vec<u8>>) -> Vec<u8> {
    if root.media_type == MEDIA_TYPE_OCI_INDEX {
        if let Some(bytes) = blobs.get(&root.digest) {
            return bytes.clone();
        }
    }
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_TYPE_OCI_INDEX,
        "manifests": [root],
    });
    stella_core::canonical::to_canonical_vec(&index).unwrap_or_default()
}

/// Writes an OCI image layout directory.
pub fn write_oci_layout(
    dir: &Path,
    root: &Descriptor,
    blobs: &BTreeMap<Digest, Vec<u8>>,
) -> io::Result<()> {
    let blob_dir = dir.join("blobs").join("sha256");
    std::fs::create_dir_all(&blob_dir)?;
    std::fs::write(dir.join("oci-layout"), OCI_LAYOUT)?;
    std::fs::write(dir.join("index.json"), index_json(root, blobs))?;
    for (digest, bytes) in blobs {
        std::fs::write(blob_dir.join(digest.hex()), bytes)?;
    }
    Ok(())
}

fn append(builder: &mut tar::Builder<impl Write>, name: &str, bytes: &[u8]) -> io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    builder.append_data(&mut header, name, bytes)
}

/// Writes an OCI archive: a tar of the layout [`write_oci_layout`] writes.
pub fn write_oci_archive(
    path: &Path,
    root: &Descriptor,
    blobs: &BTreeMap<Digest, Vec<u8>>,
) -> io::Result<()> {
    let mut builder = tar::Builder::new(std::fs::File::create(path)?);
    append(&mut builder, "oci-layout", OCI_LAYOUT)?;
    append(&mut builder, "index.json", &index_json(root, blobs))?;
    for (digest, bytes) in blobs {
        append(
            &mut builder,
            &format!("blobs/sha256/{}", digest.hex()),
            bytes,
        )?;
    }
    builder.into_inner()?.sync_all()
}

/// Writes a `docker save` archive in the classic layout: `manifest.json`, `<config hex>.json`
/// and `<diff id hex>/layer.tar` (uncompressed layer tars).
pub fn write_docker_archive(
    path: &Path,
    config: &[u8],
    layer_tars: &[Vec<u8>],
    tag: &str,
) -> io::Result<()> {
    let config_name = format!("{}.json", Digest::of(config).hex());
    let layer_names: Vec<String> = layer_tars
        .iter()
        .map(|t| format!("{}/layer.tar", Digest::of(t).hex()))
        .collect();
    let manifest = serde_json::json!([{
        "Config": config_name,
        "RepoTags": [tag],
        "Layers": layer_names,
    }]);
    let manifest = serde_json::to_vec(&manifest).map_err(io::Error::other)?;
    let mut builder = tar::Builder::new(std::fs::File::create(path)?);
    append(&mut builder, "manifest.json", &manifest)?;
    append(&mut builder, &config_name, config)?;
    for (name, tar) in layer_names.iter().zip(layer_tars) {
        append(&mut builder, name, tar)?;
    }
    builder.into_inner()?.sync_all()
}

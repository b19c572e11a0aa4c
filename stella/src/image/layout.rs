//! OCI image layouts (image-spec `image-layout.md`): a directory, or a tar of one.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use stella_core::{
    CoreError, Descriptor, Digest, ImageSource, MEDIA_TYPE_OCI_INDEX, VerifyingReader,
};
use stella_scan::{ImageError, ScanError};

use super::archive::TarFiles;
use super::{MAX_METADATA_BYTES, io_err};
use crate::files::{Links, open_regular};

#[derive(Debug)]
enum Files {
    Dir(PathBuf),
    Tar(TarFiles),
}

/// An OCI image layout, served as an [`ImageSource`] whose root is `index.json`. Blobs are
/// read from `blobs/sha256/<hex>` (the digest names the file, so no path comes from the image)
/// and verified against their digest as they stream.
#[derive(Debug)]
pub struct OciLayout {
    files: Files,
    index: Vec<u8>,
    index_digest: Digest,
}

fn blob_name(digest: &Digest) -> String {
    format!("blobs/sha256/{}", digest.hex())
}

impl OciLayout {
    /// Opens a layout directory.
    pub fn open_dir(dir: &Path) -> Result<Self, ScanError> {
        Self::open(Files::Dir(dir.to_owned()))
    }

    /// Opens a layout inside a tar archive (an OCI archive).
    pub fn open_archive(files: TarFiles) -> Result<Self, ScanError> {
        Self::open(Files::Tar(files))
    }

    fn open(files: Files) -> Result<Self, ScanError> {
        let marker = read_small(&files, "oci-layout")?;
        let marker: serde_json::Value = serde_json::from_slice(&marker).map_err(|e| {
            ScanError::Image(ImageError::Unsupported {
                what: format!("{}: oci-layout is not JSON: {e}", files.describe()),
            })
        })?;
        if marker.get("imageLayoutVersion").and_then(|v| v.as_str()) != Some("1.0.0") {
            return Err(ScanError::Image(ImageError::Unsupported {
                what: format!(
                    "{}: OCI layout version {} (only 1.0.0 is read)",
                    files.describe(),
                    marker
                        .get("imageLayoutVersion")
                        .unwrap_or(&serde_json::Value::Null)
                ),
            }));
        }
        let index = read_small(&files, "index.json")?;
        Ok(Self {
            index_digest: Digest::of(&index),
            index,
            files,
        })
    }
}

impl Files {
    fn describe(&self) -> String {
        match self {
            Files::Dir(d) => d.display().to_string(),
            Files::Tar(t) => t.path().display().to_string(),
        }
    }

    fn open(&self, name: &str) -> Result<(Box<dyn Read + Send + '_>, u64), CoreError> {
        match self {
            Files::Dir(dir) => {
                let path = dir.join(name);
                let context = || path.display().to_string();
                let file = open_regular(&path, Links::Follow).map_err(|e| io_err(context(), e))?;
                let len = file.metadata().map_err(|e| io_err(context(), e))?.len();
                Ok((Box::new(BufReader::with_capacity(256 * 1024, file)), len))
            }
            Files::Tar(t) => {
                let len = t.size(name).unwrap_or(0);
                Ok((t.open(name)?, len))
            }
        }
    }
}

fn read_small(files: &Files, name: &str) -> Result<Vec<u8>, CoreError> {
    let (reader, len) = files.open(name)?;
    if len > MAX_METADATA_BYTES {
        return Err(CoreError::LimitExceeded {
            limit: "metadata blob bytes",
            max: MAX_METADATA_BYTES,
            actual: len,
        });
    }
    let mut bytes = Vec::new();
    reader
        .take(MAX_METADATA_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_err(format!("{}/{name}", files.describe()), e))?;
    Ok(bytes)
}

impl ImageSource for OciLayout {
    fn root(&self) -> Result<Descriptor, CoreError> {
        Ok(Descriptor::new(
            MEDIA_TYPE_OCI_INDEX,
            self.index_digest,
            self.index.len() as u64,
        ))
    }

    fn blob(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        if *digest == self.index_digest {
            return Ok(self.index.clone());
        }
        let bytes = read_small(&self.files, &blob_name(digest)).map_err(|e| match e {
            CoreError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                CoreError::NotFound { digest: *digest }
            }
            other => other,
        })?;
        digest.verify(&bytes)?;
        Ok(bytes)
    }

    fn open_blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, CoreError> {
        // The root is index.json, which need not also be a blob under blobs/sha256.
        if *digest == self.index_digest {
            return Ok(Box::new(std::io::Cursor::new(self.index.clone())));
        }
        let (reader, len) = self.files.open(&blob_name(digest)).map_err(|e| match e {
            CoreError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                CoreError::NotFound { digest: *digest }
            }
            other => other,
        })?;
        Ok(Box::new(VerifyingReader::new(reader, *digest, Some(len))))
    }
}

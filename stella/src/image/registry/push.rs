//! Pushing blobs, manifests and whole images to a registry (monolithic uploads): tests load a
//! real registry with it, and `stella::oci` attaches artifacts and mirrors images with it.

use std::io::Read;

use stella_core::{CoreError, Descriptor, Digest, ImageSource};
use stella_scan::ScanError;
use stella_scan::image::{ImageIndex, ImageManifest};

use super::http::{self, Timing};
use super::{ProtocolProblem, RegistryClient, RegistryError, is_index_media_type};

impl RegistryClient {
    /// Uploads a blob (monolithic: `POST` an upload session, then `PUT` the bytes with
    /// `?digest=`), unless the registry already has it (`HEAD`). Returns its digest.
    pub fn push_blob(&self, repository: &str, bytes: &[u8]) -> Result<Digest, RegistryError> {
        let digest = Digest::of(bytes);
        let url = self.blob_url(repository, &digest);
        let head = self
            .transport
            .request(Timing::Whole, http::Method::Head, &url, &[], None)?;
        if head.status().as_u16() == 200 {
            return Ok(digest);
        }
        let start = format!("{}/v2/{repository}/blobs/uploads/", self.transport.base());
        let response =
            self.transport
                .request(Timing::Whole, http::Method::Post, &start, &[], Some(&[]))?;
        let response = http::expect_status(response, "POST", &start, &[202])?;
        let location =
            http::header(&response, "location").ok_or_else(|| RegistryError::Protocol {
                url: start.clone(),
                reason: ProtocolProblem::UploadWithoutLocation,
            })?;
        let upload = http::resolve_location(&start, &location)?;
        let separator = if upload.contains('?') { '&' } else { '?' };
        let put = format!("{upload}{separator}digest={digest}");
        let response = self.transport.request(
            Timing::Stream,
            http::Method::Put,
            &put,
            &[("content-type", "application/octet-stream")],
            Some(bytes),
        )?;
        http::expect_status(response, "PUT", &put, &[201, 204])?;
        Ok(digest)
    }

    /// Uploads a manifest or index under `reference` (a tag, or its digest). Returns the
    /// digest of the bytes.
    pub fn push_manifest(
        &self,
        repository: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<Digest, RegistryError> {
        match self.put_manifest_if(
            repository,
            reference,
            media_type,
            bytes,
            super::Precondition::None,
        )? {
            super::ConditionalPut::Written(digest) => Ok(digest),
            // No condition was sent: a 412 is the registry's own refusal.
            super::ConditionalPut::PreconditionFailed => Err(RegistryError::Status {
                method: "PUT",
                url: self.manifest_url(repository, reference),
                status: 412,
                codes: Vec::new(),
            }),
        }
    }

    /// Uploads a whole image from a source (its root: an index with its manifests, or a
    /// manifest; configs and layers first, then manifests, the root last, tagged `tag`).
    /// Blobs are read whole, so this is for fixtures and small images. Returns the root's
    /// digest.
    pub fn push_image(
        &self,
        repository: &str,
        tag: &str,
        source: &dyn ImageSource,
    ) -> Result<Digest, ScanError> {
        let root = source.root()?;
        self.push_tree(repository, source, &root, 0)?;
        let bytes = source.blob(&root.digest)?;
        Ok(self.push_manifest(repository, tag, &root.media_type, &bytes)?)
    }

    fn push_tree(
        &self,
        repository: &str,
        source: &dyn ImageSource,
        node: &Descriptor,
        depth: u32,
    ) -> Result<(), ScanError> {
        const MAX_DEPTH: u32 = 8;
        if depth > MAX_DEPTH {
            return Err(ScanError::Core(CoreError::LimitExceeded {
                limit: "index depth",
                max: u64::from(MAX_DEPTH),
                actual: u64::from(depth),
            }));
        }
        let bytes = source.blob(&node.digest)?;
        if is_index_media_type(&node.media_type) {
            let index: ImageIndex = stella_core::canonical::from_slice_strict(&bytes)?;
            for entry in &index.manifests {
                let child = Descriptor::new(entry.media_type.clone(), entry.digest, entry.size);
                self.push_tree(repository, source, &child, depth + 1)?;
                let child_bytes = source.blob(&entry.digest)?;
                self.push_manifest(
                    repository,
                    &entry.digest.to_string(),
                    &entry.media_type,
                    &child_bytes,
                )?;
            }
        } else {
            let manifest: ImageManifest = stella_core::canonical::from_slice_strict(&bytes)?;
            for blob in std::iter::once(&manifest.config).chain(&manifest.layers) {
                let mut data = Vec::new();
                source
                    .open_blob(&blob.digest)?
                    .take(self.options().max_blob_bytes)
                    .read_to_end(&mut data)
                    .map_err(|e| {
                        ScanError::Core(CoreError::Io {
                            context: format!("reading {} to push", blob.digest),
                            source: e,
                        })
                    })?;
                self.push_blob(repository, &data)?;
            }
        }
        Ok(())
    }
}

//! Air-gap mirrors: images copied by digest with every artifact attached to them, to another
//! registry ([`RegistrySink`]) or an OCI image layout directory ([`LayoutSink`]).
//!
//! [`mirror_image`] copies one image: its manifest tree (an index, its manifests, their configs
//! and layers) byte for byte, so the mirrored image has the same digest; its OCI referrers (each
//! checked: its `subject` must be the image) with their blobs, indexed at the destination (the
//! destination registry's referrers API or tag schema; the layout's `index.json`); the DSSE layers
//! of cosign's `.att`, merged into the destination's `.att`; cosign's `.sig` manifest as is.
//! [`attach_file`] adds a file (the vulnerability DB snapshot, the Sigstore trust root) to a
//! mirrored image as one more referrer, so a machine with only the mirror finds everything it
//! verifies and scans with.
//!
//! Not copied: referrers of referrers (a signature on an SBOM artifact), and platforms of an
//! index are all copied (no platform filter).
//!
//! ```no_run
//! use stella::image::registry::{RegistryOptions, RegistryRef};
//! use stella::oci::OciRepository;
//! use stella::oci_mirror::{LayoutSink, mirror_image};
//!
//! let image = RegistryRef::parse("127.0.0.1:5000/team/app:v1")?;
//! let source = OciRepository::open(&image, RegistryOptions::from_env()?)?;
//! let mut sink = LayoutSink::create(std::path::Path::new("mirror"))?;
//! let report = mirror_image(&source, &image, &mut sink)?;
//! sink.finish()?;
//! println!("{} referrers", report.referrers);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use stella_core::oci_artifact::{
    ANNOTATION_PREDICATE_TYPE, ArtifactManifest, CosignTag, EMPTY_BLOB, MEDIA_TYPE_OCI_EMPTY,
    ReferrerDescriptor, cosign_tag,
};
use stella_core::{Descriptor, Digest, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST};
use stella_scan::image::{ImageIndex, ImageManifest};

use crate::image::registry::RegistryRef;
use crate::oci::{OciError, OciRepository};

/// The OCI annotation naming a layout entry (a tag).
pub const ANNOTATION_REF_NAME: &str = "org.opencontainers.image.ref.name";
/// `artifactType` of a vulnerability DB snapshot attached by a mirror.
pub const ARTIFACT_TYPE_DB_SNAPSHOT: &str = "application/vnd.stella-ops.vuln-db-snapshot.v1+json";
/// `artifactType` of a Sigstore trusted root attached by a mirror.
pub const ARTIFACT_TYPE_TRUSTED_ROOT: &str =
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1";

/// Largest blob a mirror copies (1 GiB: blobs are held in memory while copied).
const MAX_MIRROR_BLOB: u64 = 1 << 30;
/// Deepest index nesting copied.
const MAX_DEPTH: u32 = 8;

/// Where a mirror writes.
pub trait MirrorSink {
    /// Stores a blob (config, layer, artifact payload) under its digest.
    fn blob(&mut self, bytes: &[u8]) -> Result<(), OciError>;
    /// Stores a manifest or index under its digest, and under `tag` when given.
    fn manifest(
        &mut self,
        media_type: &str,
        bytes: &[u8],
        tag: Option<&str>,
    ) -> Result<(), OciError>;
    /// Records a mirrored image's root (stored already), named by `tag` when it had one.
    fn image(&mut self, root: &Descriptor, tag: Option<&str>) -> Result<(), OciError>;
    /// Records that the manifest `referrer` (stored already) refers to `subject`.
    fn referrer(
        &mut self,
        subject: &Descriptor,
        referrer: &ReferrerDescriptor,
    ) -> Result<(), OciError>;
    /// Adds a DSSE envelope to cosign's `.att` of `subject`.
    fn cosign_attestation(
        &mut self,
        subject: &Digest,
        envelope: &[u8],
        predicate_type: &str,
    ) -> Result<(), OciError>;
}

/// What [`mirror_image`] copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MirrorReport {
    /// The image's root descriptor (same digest as the source's).
    pub image: Option<Descriptor>,
    /// Manifests and indexes copied.
    pub manifests: usize,
    /// Blobs copied.
    pub blobs: usize,
    /// OCI referrers copied.
    pub referrers: usize,
    /// cosign attestation layers copied.
    pub cosign_attestations: usize,
    /// Whether cosign's `.sig` was copied.
    pub cosign_signatures: bool,
}

fn copy_tree(
    source: &OciRepository,
    node: &Descriptor,
    sink: &mut dyn MirrorSink,
    tag: Option<&str>,
    depth: u32,
    report: &mut MirrorReport,
) -> Result<(), OciError> {
    if depth > MAX_DEPTH {
        return Err(OciError::Tampered {
            digest: node.digest,
            reason: format!("index nesting deeper than {MAX_DEPTH}"),
        });
    }
    let client = source.client();
    let repo = source.repository();
    let fetched = client.fetch_manifest(repo, &node.digest)?;
    let is_index = fetched.media_type == MEDIA_TYPE_OCI_INDEX
        || fetched.media_type == stella_core::MEDIA_TYPE_DOCKER_MANIFEST_LIST;
    let format = |e: stella_core::CoreError| OciError::Format(e.into());
    if is_index {
        let index: ImageIndex =
            stella_core::canonical::from_slice_strict(&fetched.bytes).map_err(format)?;
        for entry in &index.manifests {
            let child = Descriptor::new(entry.media_type.clone(), entry.digest, entry.size);
            copy_tree(source, &child, sink, None, depth + 1, report)?;
        }
    } else {
        let manifest: ImageManifest =
            stella_core::canonical::from_slice_strict(&fetched.bytes).map_err(format)?;
        for blob in std::iter::once(&manifest.config).chain(&manifest.layers) {
            let bytes = client.fetch_blob(repo, &blob.digest, MAX_MIRROR_BLOB.min(blob.size))?;
            sink.blob(&bytes)?;
            report.blobs += 1;
        }
    }
    sink.manifest(&fetched.media_type, &fetched.bytes, tag)?;
    report.manifests += 1;
    Ok(())
}

/// Copies one image with everything attached to it (see the module documentation).
pub fn mirror_image(
    source: &OciRepository,
    reference: &RegistryRef,
    sink: &mut dyn MirrorSink,
) -> Result<MirrorReport, OciError> {
    let subject = source.subject(reference)?;
    let mut report = MirrorReport::default();
    copy_tree(source, &subject, sink, None, 0, &mut report)?;
    sink.image(&subject, reference.tag.as_deref())?;
    let client = source.client();
    let repo = source.repository();
    let (referrers, _) = source.referrers(&subject.digest, None)?;
    for r in referrers {
        let fetched = client.fetch_manifest(repo, &r.digest)?;
        let manifest = ArtifactManifest::parse(&fetched.bytes, &source.limits)?;
        manifest.check_subject(&subject.digest)?;
        for blob in std::iter::once(&manifest.config).chain(&manifest.layers) {
            let bytes = client.fetch_blob(repo, &blob.digest, MAX_MIRROR_BLOB.min(blob.size))?;
            sink.blob(&bytes)?;
            report.blobs += 1;
        }
        sink.manifest(&fetched.media_type, &fetched.bytes, None)?;
        sink.referrer(&subject, &r)?;
        report.referrers += 1;
    }
    for a in source.cosign_attestations(&subject.digest)? {
        let predicate_type = a
            .layer
            .annotations
            .get(ANNOTATION_PREDICATE_TYPE)
            .cloned()
            .unwrap_or_default();
        sink.cosign_attestation(&subject.digest, &a.envelope, &predicate_type)?;
        report.cosign_attestations += 1;
    }
    let sig_tag = cosign_tag(&subject.digest, CosignTag::Signatures);
    if let Some(found) = client.manifest_if_present(repo, &sig_tag)? {
        let manifest = ArtifactManifest::parse(&found.manifest.bytes, &source.limits)?;
        for blob in std::iter::once(&manifest.config).chain(&manifest.layers) {
            let bytes = client.fetch_blob(repo, &blob.digest, MAX_MIRROR_BLOB.min(blob.size))?;
            sink.blob(&bytes)?;
            report.blobs += 1;
        }
        sink.manifest(
            &found.manifest.media_type,
            &found.manifest.bytes,
            Some(&sig_tag),
        )?;
        report.cosign_signatures = true;
    }
    report.image = Some(subject);
    Ok(report)
}

/// Attaches a file to a mirrored image as a referrer of `artifact_type` (the DB snapshot, the
/// trust root). Returns the artifact manifest's digest.
pub fn attach_file(
    sink: &mut dyn MirrorSink,
    subject: &Descriptor,
    artifact_type: &str,
    bytes: &[u8],
    title: &str,
) -> Result<Digest, OciError> {
    let mut annotations = BTreeMap::new();
    annotations.insert(
        "org.opencontainers.image.title".to_owned(),
        title.to_owned(),
    );
    let built =
        ArtifactManifest::build_typed(artifact_type, artifact_type, bytes, subject, annotations)?;
    sink.blob(EMPTY_BLOB)?;
    sink.blob(bytes)?;
    sink.manifest(MEDIA_TYPE_OCI_MANIFEST, &built.bytes, None)?;
    sink.referrer(subject, &built.referrer())?;
    Ok(built.digest)
}

/// A mirror into another registry repository.
#[derive(Debug)]
pub struct RegistrySink {
    /// The destination.
    pub repo: OciRepository,
}

impl MirrorSink for RegistrySink {
    fn blob(&mut self, bytes: &[u8]) -> Result<(), OciError> {
        self.repo
            .client()
            .push_blob(self.repo.repository(), bytes)?;
        Ok(())
    }

    fn manifest(
        &mut self,
        media_type: &str,
        bytes: &[u8],
        tag: Option<&str>,
    ) -> Result<(), OciError> {
        let digest = Digest::of(bytes).to_string();
        let client = self.repo.client();
        client.push_manifest(self.repo.repository(), &digest, media_type, bytes)?;
        if let Some(tag) = tag {
            client.push_manifest(self.repo.repository(), tag, media_type, bytes)?;
        }
        Ok(())
    }

    fn image(&mut self, root: &Descriptor, tag: Option<&str>) -> Result<(), OciError> {
        if let Some(tag) = tag {
            let fetched = self
                .repo
                .client()
                .fetch_manifest(self.repo.repository(), &root.digest)?;
            self.repo.client().push_manifest(
                self.repo.repository(),
                tag,
                &root.media_type,
                &fetched.bytes,
            )?;
        }
        Ok(())
    }

    fn referrer(
        &mut self,
        subject: &Descriptor,
        referrer: &ReferrerDescriptor,
    ) -> Result<(), OciError> {
        self.repo.index_referrer(&subject.digest, referrer)?;
        Ok(())
    }

    fn cosign_attestation(
        &mut self,
        subject: &Digest,
        envelope: &[u8],
        predicate_type: &str,
    ) -> Result<(), OciError> {
        self.repo
            .attach_cosign_attestation(subject, envelope, predicate_type)?;
        Ok(())
    }
}

/// A mirror into an OCI image layout directory: blobs under `blobs/sha256/<hex>`, and an
/// `index.json` listing the images first (named by their tag), then every referrer (with its
/// `artifactType`) and cosign's tags, each list sorted, written by [`LayoutSink::finish`].
#[derive(Debug)]
pub struct LayoutSink {
    dir: PathBuf,
    images: Vec<Descriptor>,
    others: BTreeMap<Digest, Descriptor>,
    cosign: BTreeMap<Digest, Vec<Descriptor>>,
}

fn io(path: &Path, e: std::io::Error) -> OciError {
    OciError::Format(
        stella_core::CoreError::Io {
            context: path.display().to_string(),
            source: e,
        }
        .into(),
    )
}

impl LayoutSink {
    /// A layout at `dir` (created; an existing `index.json` there is replaced at `finish`).
    pub fn create(dir: &Path) -> Result<Self, OciError> {
        let blobs = dir.join("blobs").join("sha256");
        std::fs::create_dir_all(&blobs).map_err(|e| io(&blobs, e))?;
        Ok(Self {
            dir: dir.to_owned(),
            images: Vec::new(),
            others: BTreeMap::new(),
            cosign: BTreeMap::new(),
        })
    }

    fn write_atomic(&self, path: &Path, bytes: &[u8]) -> Result<(), OciError> {
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        let mut f = std::fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| io(&tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| io(path, e))
    }

    /// Writes the cosign `.att` manifests, `index.json` and `oci-layout`.
    pub fn finish(&mut self) -> Result<(), OciError> {
        let cosign = std::mem::take(&mut self.cosign);
        for (subject, layers) in cosign {
            let (built, config) = stella_core::oci_artifact::cosign_attestation_manifest(layers)?;
            self.blob(&config)?;
            let tag = cosign_tag(&subject, CosignTag::Attestations);
            self.manifest(MEDIA_TYPE_OCI_MANIFEST, &built.bytes, Some(&tag))?;
        }
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct LayoutIndex<'a> {
            schema_version: u32,
            media_type: &'static str,
            manifests: Vec<&'a Descriptor>,
        }
        let bytes = stella_core::canonical::to_canonical_vec(&LayoutIndex {
            schema_version: 2,
            media_type: MEDIA_TYPE_OCI_INDEX,
            manifests: self.images.iter().chain(self.others.values()).collect(),
        })
        .map_err(|e| OciError::Format(e.into()))?;
        self.write_atomic(&self.dir.join("index.json"), &bytes)?;
        self.write_atomic(
            &self.dir.join("oci-layout"),
            br#"{"imageLayoutVersion":"1.0.0"}"#,
        )
    }
}

impl MirrorSink for LayoutSink {
    fn blob(&mut self, bytes: &[u8]) -> Result<(), OciError> {
        let path = self
            .dir
            .join("blobs")
            .join("sha256")
            .join(Digest::of(bytes).hex());
        if path.exists() {
            return Ok(());
        }
        self.write_atomic(&path, bytes)
    }

    fn manifest(
        &mut self,
        media_type: &str,
        bytes: &[u8],
        tag: Option<&str>,
    ) -> Result<(), OciError> {
        self.blob(bytes)?;
        if let Some(tag) = tag {
            let mut d = Descriptor::new(media_type, Digest::of(bytes), bytes.len() as u64);
            d.annotations
                .insert(ANNOTATION_REF_NAME.to_owned(), tag.to_owned());
            self.others.insert(d.digest, d);
        }
        Ok(())
    }

    fn image(&mut self, root: &Descriptor, tag: Option<&str>) -> Result<(), OciError> {
        let mut d = Descriptor::new(root.media_type.clone(), root.digest, root.size);
        if let Some(tag) = tag {
            d.annotations
                .insert(ANNOTATION_REF_NAME.to_owned(), tag.to_owned());
        }
        if !self.images.iter().any(|i| i.digest == d.digest) {
            self.images.push(d);
        }
        Ok(())
    }

    fn referrer(
        &mut self,
        _subject: &Descriptor,
        referrer: &ReferrerDescriptor,
    ) -> Result<(), OciError> {
        let mut d = Descriptor::new(referrer.media_type.clone(), referrer.digest, referrer.size);
        d.annotations = referrer.annotations.clone();
        if let Some(t) = &referrer.artifact_type {
            // A Descriptor has no artifactType field; the layout keeps it as an annotation too
            // (discovery reads each manifest's own artifactType and subject).
            d.annotations
                .insert("dev.stella-ops.artifactType".to_owned(), t.clone());
        }
        self.others.insert(d.digest, d);
        Ok(())
    }

    fn cosign_attestation(
        &mut self,
        subject: &Digest,
        envelope: &[u8],
        predicate_type: &str,
    ) -> Result<(), OciError> {
        self.blob(envelope)?;
        let layer = stella_core::oci_artifact::cosign_attestation_layer(envelope, predicate_type);
        let layers = self.cosign.entry(*subject).or_default();
        if !layers.iter().any(|l| l.digest == layer.digest) {
            layers.push(layer);
        }
        Ok(())
    }
}

/// The referrers of `subject` in an OCI layout written by [`LayoutSink`] (or any layout listing
/// its artifact manifests in `index.json`): each manifest entry whose own `subject` is the
/// image, read and checked through `source` (which verifies digests). Returns
/// `(referrer, manifest, payload)` triples.
pub fn layout_referrers(
    source: &dyn stella_core::ImageSource,
    subject: &Digest,
    limits: &stella_core::oci_artifact::ArtifactLimits,
) -> Result<Vec<(ReferrerDescriptor, ArtifactManifest, Vec<u8>)>, OciError> {
    let root = source.root().map_err(|e| OciError::Format(e.into()))?;
    let bytes = source
        .blob(&root.digest)
        .map_err(|e| OciError::Format(e.into()))?;
    let index: ImageIndex = stella_core::canonical::from_slice_strict(&bytes)
        .map_err(|e| OciError::Format(e.into()))?;
    let mut out = Vec::new();
    for entry in index.manifests.iter().take(limits.max_referrers) {
        if entry.media_type != MEDIA_TYPE_OCI_MANIFEST || entry.digest == *subject {
            continue;
        }
        let bytes = source
            .blob(&entry.digest)
            .map_err(|e| OciError::Format(e.into()))?;
        let Ok(manifest) = ArtifactManifest::parse(&bytes, limits) else {
            continue;
        };
        if manifest
            .subject
            .as_ref()
            .is_none_or(|s| s.digest != *subject)
            || manifest.config.media_type != MEDIA_TYPE_OCI_EMPTY
        {
            continue;
        }
        let layer = manifest.payload_layer()?.clone();
        let payload = source
            .blob(&layer.digest)
            .map_err(|e| OciError::Format(e.into()))?;
        let referrer = ReferrerDescriptor {
            media_type: MEDIA_TYPE_OCI_MANIFEST.to_owned(),
            digest: entry.digest,
            size: entry.size,
            artifact_type: manifest.artifact_type.clone(),
            annotations: manifest.annotations.clone(),
        };
        out.push((referrer, manifest, payload));
    }
    Ok(out)
}

//! OCI 1.1 artifacts attached to images: artifact manifests with a `subject`, the referrers
//! index (the referrers API's answer and the referrers tag schema's index), and cosign's
//! signature and attestation layout (`sha256-<hex>.att` / `.sig` tags).
//!
//! Everything here is pure: manifests and indexes are built as canonical (RFC 8785) JSON, so the
//! same inputs give the same bytes and the same digest, and every parser of registry bytes is
//! bounded ([`ArtifactLimits`]) and strict (duplicate keys, lone surrogates and excess depth are
//! refused by [`crate::canonical`]). The IO (pushing, discovery, the tag-schema update under
//! concurrent writers) is `stella::oci`'s.
//!
//! What a parsed artifact manifest promises is only its shape: that its `subject` names the
//! image a caller asked about, and that a layer's bytes hash to the layer's digest, are checked
//! by the caller ([`ArtifactManifest::check_subject`], [`ArtifactManifest::payload_layer`] and
//! [`Digest::verify`]).
//!
//! ```
//! use stella_core::{Descriptor, Digest, MEDIA_TYPE_OCI_MANIFEST};
//! use stella_core::oci_artifact::{ArtifactKind, ArtifactManifest, ReferrersIndex};
//!
//! let image = Descriptor::new(MEDIA_TYPE_OCI_MANIFEST, Digest::of(b"image manifest"), 14);
//! let sbom = br#"{"bomFormat":"CycloneDX"}"#;
//! let built = ArtifactManifest::build(ArtifactKind::CycloneDx, sbom, &image, Default::default())?;
//! let parsed = ArtifactManifest::parse(&built.bytes, &Default::default())?;
//! parsed.check_subject(&image.digest)?;
//! assert_eq!(parsed.kind(), Some(ArtifactKind::CycloneDx));
//!
//! // The referrers index lists it (what the referrers API answers, or the tag schema holds).
//! let index = ReferrersIndex::default().with(built.referrer());
//! let bytes = index.to_bytes()?;
//! let back = ReferrersIndex::parse(&bytes, &Default::default())?;
//! assert_eq!(back.manifests.len(), 1);
//! assert_eq!(stella_core::oci_artifact::referrers_tag(&image.digest), format!("sha256-{}", image.digest.hex()));
//! # Ok::<(), stella_core::oci_artifact::ArtifactError>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::canonical::{self, JsonLimits};
use crate::digest::Digest;
use crate::error::CoreError;
use crate::image::{
    Descriptor, MEDIA_TYPE_OCI_CONFIG, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST,
};

/// The OCI empty descriptor's media type (`{}`, the config of an artifact manifest).
pub const MEDIA_TYPE_OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// The bytes of the OCI empty blob.
pub const EMPTY_BLOB: &[u8] = b"{}";
/// A DSSE envelope (the layer media type of in-toto attestations, ours and cosign's).
pub const MEDIA_TYPE_DSSE_ENVELOPE: &str = "application/vnd.dsse.envelope.v1+json";
/// A Sigstore bundle v0.3.
pub const MEDIA_TYPE_SIGSTORE_BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// cosign's simple-signing payload (the layer media type of `.sig` manifests).
pub const MEDIA_TYPE_COSIGN_SIMPLESIGNING: &str =
    "application/vnd.dev.cosign.simplesigning.v1+json";
/// cosign's annotation holding the Rekor bundle of a signature or attestation layer.
pub const ANNOTATION_COSIGN_BUNDLE: &str = "dev.sigstore.cosign/bundle";
/// cosign's annotation holding a layer's base64 signature (empty for attestation layers).
pub const ANNOTATION_COSIGN_SIGNATURE: &str = "dev.cosignproject.cosign/signature";
/// cosign's annotation naming an attestation layer's predicate type.
pub const ANNOTATION_PREDICATE_TYPE: &str = "predicateType";
/// The OCI annotation stating when an artifact was created.
pub const ANNOTATION_CREATED: &str = "org.opencontainers.image.created";

/// Bounds on what the parsers accept from a registry.
///
/// ```
/// let limits = stella_core::oci_artifact::ArtifactLimits::default();
/// assert_eq!(limits.max_manifest_bytes, 4 << 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactLimits {
    /// Largest manifest or index parsed (default 4 MiB, the distribution registry's own limit).
    pub max_manifest_bytes: usize,
    /// Most layers in one artifact manifest (default 1 000).
    pub max_layers: usize,
    /// Most entries in one referrers index (default 10 000).
    pub max_referrers: usize,
    /// Most annotations on one descriptor or manifest (default 256).
    pub max_annotations: usize,
}

impl Default for ArtifactLimits {
    fn default() -> Self {
        Self {
            max_manifest_bytes: 4 << 20,
            max_layers: 1_000,
            max_referrers: 10_000,
            max_annotations: 256,
        }
    }
}

/// What went wrong building or reading an artifact manifest or referrers index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// Not strict JSON, or not the shape expected.
    #[error("{what}: {source}")]
    Json {
        /// Which document.
        what: &'static str,
        /// The parser's error.
        source: CoreError,
    },
    /// A bound of [`ArtifactLimits`] was exceeded.
    #[error("{what} exceeds its limit: {actual} > {max}")]
    Limit {
        /// Which bound.
        what: &'static str,
        /// The bound.
        max: u64,
        /// What was found.
        actual: u64,
    },
    /// A field has a value the format does not allow.
    #[error("{what}: {field} is {found:?}, expected {expected}")]
    Invalid {
        /// Which document.
        what: &'static str,
        /// The field.
        field: &'static str,
        /// What it holds (cut to 200 characters).
        found: String,
        /// What it must be.
        expected: &'static str,
    },
    /// The artifact's `subject` is not the image it was found for (a referrer moved from one
    /// image to another).
    #[error("artifact subject is {found}, not the image {expected}")]
    SubjectMismatch {
        /// The image asked about.
        expected: Digest,
        /// The subject the manifest names, if any.
        found: String,
    },
    /// The manifest has no layer of the media type asked for.
    #[error("artifact manifest has no {media_type} layer")]
    NoPayload {
        /// The media type looked for.
        media_type: String,
    },
    /// Serializing failed.
    #[error(transparent)]
    Core(#[from] CoreError),
}

fn cut(s: &str) -> String {
    s.chars().take(200).collect()
}

/// The kinds of artifact Stella attaches to an image, each with its OCI `artifactType` and the
/// media type of its one layer.
///
/// ```
/// use stella_core::oci_artifact::ArtifactKind;
///
/// let kind = ArtifactKind::parse("cyclonedx").unwrap();
/// assert_eq!(kind.artifact_type(), "application/vnd.cyclonedx+json");
/// assert_eq!(ArtifactKind::from_artifact_type(kind.artifact_type()), Some(kind));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ArtifactKind {
    /// A CycloneDX JSON SBOM.
    CycloneDx,
    /// An SPDX JSON SBOM.
    Spdx,
    /// An in-toto statement in a DSSE envelope.
    InTotoDsse,
    /// A SARIF 2.1.0 log.
    Sarif,
    /// An OpenVEX document.
    OpenVex,
    /// A Stella Ops gate decision record.
    DecisionRecord,
    /// A Sigstore bundle v0.3.
    SigstoreBundle,
}

impl ArtifactKind {
    /// Every kind, in order.
    pub const ALL: [ArtifactKind; 7] = [
        ArtifactKind::CycloneDx,
        ArtifactKind::Spdx,
        ArtifactKind::InTotoDsse,
        ArtifactKind::Sarif,
        ArtifactKind::OpenVex,
        ArtifactKind::DecisionRecord,
        ArtifactKind::SigstoreBundle,
    ];

    /// The OCI `artifactType`.
    pub fn artifact_type(self) -> &'static str {
        match self {
            ArtifactKind::CycloneDx => "application/vnd.cyclonedx+json",
            ArtifactKind::Spdx => "application/spdx+json",
            ArtifactKind::InTotoDsse => "application/vnd.in-toto+json",
            ArtifactKind::Sarif => "application/sarif+json",
            ArtifactKind::OpenVex => "application/vnd.openvex+json",
            ArtifactKind::DecisionRecord => "application/vnd.stella-ops.decision-record.v1+json",
            ArtifactKind::SigstoreBundle => MEDIA_TYPE_SIGSTORE_BUNDLE_V03,
        }
    }

    /// The media type of the artifact's layer (its payload).
    pub fn layer_media_type(self) -> &'static str {
        match self {
            ArtifactKind::InTotoDsse => MEDIA_TYPE_DSSE_ENVELOPE,
            other => other.artifact_type(),
        }
    }

    /// The short name (`cyclonedx`, `spdx`, `intoto`, `sarif`, `openvex`, `decision`,
    /// `sigstore-bundle`).
    pub fn name(self) -> &'static str {
        match self {
            ArtifactKind::CycloneDx => "cyclonedx",
            ArtifactKind::Spdx => "spdx",
            ArtifactKind::InTotoDsse => "intoto",
            ArtifactKind::Sarif => "sarif",
            ArtifactKind::OpenVex => "openvex",
            ArtifactKind::DecisionRecord => "decision",
            ArtifactKind::SigstoreBundle => "sigstore-bundle",
        }
    }

    /// The kind of a short name or an `artifactType`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == text || k.artifact_type() == text)
    }

    /// The kind whose `artifactType` this is.
    pub fn from_artifact_type(artifact_type: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.artifact_type() == artifact_type)
    }

    /// Whether the payload is something signed that `stella verify` checks (a DSSE envelope or
    /// a Sigstore bundle).
    pub fn is_signed(self) -> bool {
        matches!(
            self,
            ArtifactKind::InTotoDsse | ArtifactKind::SigstoreBundle
        )
    }
}

/// A descriptor as the referrers index lists it: a [`Descriptor`] with the referrer's
/// `artifactType`.
///
/// ```
/// use stella_core::{Digest, MEDIA_TYPE_OCI_MANIFEST};
/// use stella_core::oci_artifact::ReferrerDescriptor;
///
/// let r = ReferrerDescriptor::new(MEDIA_TYPE_OCI_MANIFEST, Digest::of(b"m"), 1, Some("application/spdx+json".into()));
/// assert_eq!(r.artifact_type.as_deref(), Some("application/spdx+json"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferrerDescriptor {
    /// The referrer manifest's media type.
    pub media_type: String,
    /// Its digest.
    pub digest: Digest,
    /// Its size.
    pub size: u64,
    /// Its `artifactType` (or its config media type, as the referrers API reports it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The manifest's annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl ReferrerDescriptor {
    /// A descriptor with no annotations.
    pub fn new(
        media_type: impl Into<String>,
        digest: Digest,
        size: u64,
        artifact_type: Option<String>,
    ) -> Self {
        Self {
            media_type: media_type.into(),
            digest,
            size,
            artifact_type,
            annotations: BTreeMap::new(),
        }
    }

    /// The kind of artifact, when it is one Stella knows.
    pub fn kind(&self) -> Option<ArtifactKind> {
        self.artifact_type
            .as_deref()
            .and_then(ArtifactKind::from_artifact_type)
    }
}

/// An OCI image manifest used as an artifact: `artifactType`, an empty config, layers and a
/// `subject`. Also the shape of cosign's `.att` / `.sig` manifests (no `subject`, no
/// `artifactType`, an image config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactManifest {
    /// Always 2.
    pub schema_version: u32,
    /// `application/vnd.oci.image.manifest.v1+json`.
    pub media_type: String,
    /// The artifact type (absent on cosign's manifests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The config descriptor (the empty blob for artifacts).
    pub config: Descriptor,
    /// The layers: the payloads.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// The image this artifact is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// An artifact manifest as built: the manifest, its canonical bytes and their digest, and the
/// blobs it needs pushed first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltManifest {
    /// The manifest.
    pub manifest: ArtifactManifest,
    /// Its canonical bytes.
    pub bytes: Vec<u8>,
    /// Their digest.
    pub digest: Digest,
}

impl BuiltManifest {
    fn new(manifest: ArtifactManifest) -> Result<Self, ArtifactError> {
        let bytes = canonical::to_canonical_vec(&manifest)?;
        Ok(Self {
            digest: Digest::of(&bytes),
            manifest,
            bytes,
        })
    }

    /// Its descriptor, as a referrers index lists it (with the manifest's annotations).
    pub fn referrer(&self) -> ReferrerDescriptor {
        ReferrerDescriptor {
            media_type: MEDIA_TYPE_OCI_MANIFEST.to_owned(),
            digest: self.digest,
            size: self.bytes.len() as u64,
            artifact_type: self
                .manifest
                .artifact_type
                .clone()
                .or_else(|| Some(self.manifest.config.media_type.clone())),
            annotations: self.manifest.annotations.clone(),
        }
    }
}

fn check_annotations(
    what: &'static str,
    annotations: &BTreeMap<String, String>,
    limits: &ArtifactLimits,
) -> Result<(), ArtifactError> {
    if annotations.len() > limits.max_annotations {
        return Err(ArtifactError::Limit {
            what,
            max: limits.max_annotations as u64,
            actual: annotations.len() as u64,
        });
    }
    Ok(())
}

fn check_len(
    what: &'static str,
    bytes: &[u8],
    limits: &ArtifactLimits,
) -> Result<(), ArtifactError> {
    if bytes.len() > limits.max_manifest_bytes {
        return Err(ArtifactError::Limit {
            what,
            max: limits.max_manifest_bytes as u64,
            actual: bytes.len() as u64,
        });
    }
    Ok(())
}

fn strict<T: serde::de::DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, ArtifactError> {
    canonical::from_slice_strict_with(bytes, &JsonLimits::default())
        .map_err(|source| ArtifactError::Json { what, source })
}

impl ArtifactManifest {
    /// The artifact manifest of one payload of `kind` about `subject`: an empty config, one
    /// layer, `artifactType` of the kind. Deterministic: the annotations given are the only
    /// ones (no creation time is added; pass [`ANNOTATION_CREATED`] to state one).
    pub fn build(
        kind: ArtifactKind,
        payload: &[u8],
        subject: &Descriptor,
        annotations: BTreeMap<String, String>,
    ) -> Result<BuiltManifest, ArtifactError> {
        Self::build_typed(
            kind.artifact_type(),
            kind.layer_media_type(),
            payload,
            subject,
            annotations,
        )
    }

    /// [`ArtifactManifest::build`] for an `artifactType` and layer media type of the caller's
    /// (artifacts of no [`ArtifactKind`]: findings JSON, log receipts, gate input).
    pub fn build_typed(
        artifact_type: &str,
        layer_media_type: &str,
        payload: &[u8],
        subject: &Descriptor,
        annotations: BTreeMap<String, String>,
    ) -> Result<BuiltManifest, ArtifactError> {
        let layer = Descriptor::new(layer_media_type, Digest::of(payload), payload.len() as u64);
        BuiltManifest::new(ArtifactManifest {
            schema_version: 2,
            media_type: MEDIA_TYPE_OCI_MANIFEST.to_owned(),
            artifact_type: Some(artifact_type.to_owned()),
            config: Descriptor::new(
                MEDIA_TYPE_OCI_EMPTY,
                Digest::of(EMPTY_BLOB),
                EMPTY_BLOB.len() as u64,
            ),
            layers: vec![layer],
            subject: Some(Descriptor::new(
                subject.media_type.clone(),
                subject.digest,
                subject.size,
            )),
            annotations,
        })
    }

    /// Parses an artifact (or cosign) manifest from a registry: bounded, strict, schema version
    /// 2, the OCI manifest media type, within [`ArtifactLimits`].
    pub fn parse(bytes: &[u8], limits: &ArtifactLimits) -> Result<Self, ArtifactError> {
        const WHAT: &str = "artifact manifest";
        check_len(WHAT, bytes, limits)?;
        let manifest: Self = strict(WHAT, bytes)?;
        if manifest.schema_version != 2 {
            return Err(ArtifactError::Invalid {
                what: WHAT,
                field: "schemaVersion",
                found: manifest.schema_version.to_string(),
                expected: "2",
            });
        }
        if manifest.media_type != MEDIA_TYPE_OCI_MANIFEST {
            return Err(ArtifactError::Invalid {
                what: WHAT,
                field: "mediaType",
                found: cut(&manifest.media_type),
                expected: MEDIA_TYPE_OCI_MANIFEST,
            });
        }
        if manifest.layers.len() > limits.max_layers {
            return Err(ArtifactError::Limit {
                what: "artifact manifest layers",
                max: limits.max_layers as u64,
                actual: manifest.layers.len() as u64,
            });
        }
        check_annotations(WHAT, &manifest.annotations, limits)?;
        for layer in &manifest.layers {
            check_annotations("artifact layer", &layer.annotations, limits)?;
        }
        Ok(manifest)
    }

    /// The kind, from `artifactType` (or, failing that, the config media type).
    pub fn kind(&self) -> Option<ArtifactKind> {
        self.artifact_type
            .as_deref()
            .and_then(ArtifactKind::from_artifact_type)
            .or_else(|| ArtifactKind::from_artifact_type(&self.config.media_type))
    }

    /// Fails unless the manifest's `subject` is `image` (a referrer listed for one image whose
    /// manifest names another was moved or forged).
    pub fn check_subject(&self, image: &Digest) -> Result<(), ArtifactError> {
        match &self.subject {
            Some(s) if s.digest == *image => Ok(()),
            other => Err(ArtifactError::SubjectMismatch {
                expected: *image,
                found: other
                    .as_ref()
                    .map_or_else(|| "absent".to_owned(), |s| s.digest.to_string()),
            }),
        }
    }

    /// The layer holding the payload of the manifest's kind (the first of its layer media
    /// type).
    pub fn payload_layer(&self) -> Result<&Descriptor, ArtifactError> {
        let media_type = self.kind().map_or_else(
            || {
                self.layers
                    .first()
                    .map(|l| l.media_type.clone())
                    .unwrap_or_default()
            },
            |k| k.layer_media_type().to_owned(),
        );
        self.layers
            .iter()
            .find(|l| l.media_type == media_type)
            .ok_or(ArtifactError::NoPayload { media_type })
    }
}

/// An image index listing the referrers of one image: what the referrers API answers, and what
/// the referrers tag schema's tag (`sha256-<hex>`) holds.
///
/// [`ReferrersIndex::to_bytes`] writes the entries sorted by digest, without duplicates, as
/// canonical JSON, so two writers that merged the same set write the same bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferrersIndex {
    /// The referrers.
    #[serde(default)]
    pub manifests: Vec<ReferrerDescriptor>,
    /// Annotations of the index.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct IndexDoc {
    schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Vec<ReferrerDescriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

impl ReferrersIndex {
    /// Parses a referrers index from a registry (an API answer or the tag-schema tag): bounded,
    /// strict, schema version 2, the OCI index media type when stated.
    pub fn parse(bytes: &[u8], limits: &ArtifactLimits) -> Result<Self, ArtifactError> {
        const WHAT: &str = "referrers index";
        check_len(WHAT, bytes, limits)?;
        let doc: IndexDoc = strict(WHAT, bytes)?;
        if doc.schema_version != 2 {
            return Err(ArtifactError::Invalid {
                what: WHAT,
                field: "schemaVersion",
                found: doc.schema_version.to_string(),
                expected: "2",
            });
        }
        if let Some(t) = doc.media_type.as_deref()
            && t != MEDIA_TYPE_OCI_INDEX
        {
            return Err(ArtifactError::Invalid {
                what: WHAT,
                field: "mediaType",
                found: cut(t),
                expected: MEDIA_TYPE_OCI_INDEX,
            });
        }
        if doc.manifests.len() > limits.max_referrers {
            return Err(ArtifactError::Limit {
                what: "referrers",
                max: limits.max_referrers as u64,
                actual: doc.manifests.len() as u64,
            });
        }
        check_annotations(WHAT, &doc.annotations, limits)?;
        for m in &doc.manifests {
            check_annotations("referrer descriptor", &m.annotations, limits)?;
        }
        Ok(Self {
            manifests: doc.manifests,
            annotations: doc.annotations,
        })
    }

    /// This index with `referrer` added (replacing an entry of the same digest).
    pub fn with(mut self, referrer: ReferrerDescriptor) -> Self {
        self.manifests.retain(|m| m.digest != referrer.digest);
        self.manifests.push(referrer);
        self
    }

    /// This index with every entry of `other` it lacks added.
    pub fn merged(mut self, other: &ReferrersIndex) -> Self {
        for m in &other.manifests {
            if !self.contains(&m.digest) {
                self.manifests.push(m.clone());
            }
        }
        self
    }

    /// Whether a referrer of this digest is listed.
    pub fn contains(&self, digest: &Digest) -> bool {
        self.manifests.iter().any(|m| m.digest == *digest)
    }

    /// The entries whose `artifactType` is `artifact_type` (all when `None`).
    pub fn filtered(&self, artifact_type: Option<&str>) -> Vec<&ReferrerDescriptor> {
        self.manifests
            .iter()
            .filter(|m| artifact_type.is_none_or(|t| m.artifact_type.as_deref() == Some(t)))
            .collect()
    }

    /// The canonical bytes: an OCI image index, entries sorted by digest, one per digest.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ArtifactError> {
        let mut manifests: Vec<ReferrerDescriptor> = Vec::with_capacity(self.manifests.len());
        let mut sorted = self.manifests.clone();
        sorted.sort_by_key(|a| a.digest);
        for m in sorted {
            if manifests.last().is_none_or(|l| l.digest != m.digest) {
                manifests.push(m);
            }
        }
        Ok(canonical::to_canonical_vec(&IndexDoc {
            schema_version: 2,
            media_type: Some(MEDIA_TYPE_OCI_INDEX.to_owned()),
            manifests,
            annotations: self.annotations.clone(),
        })?)
    }
}

/// The referrers tag schema's tag for an image digest: `sha256-<hex>`.
pub fn referrers_tag(subject: &Digest) -> String {
    format!("sha256-{}", subject.hex())
}

/// Which of cosign's tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CosignTag {
    /// `sha256-<hex>.att`: attestations (DSSE envelope layers).
    Attestations,
    /// `sha256-<hex>.sig`: signatures (simple-signing layers).
    Signatures,
}

/// cosign's tag for an image digest: `sha256-<hex>.att` or `sha256-<hex>.sig`.
pub fn cosign_tag(subject: &Digest, which: CosignTag) -> String {
    let suffix = match which {
        CosignTag::Attestations => "att",
        CosignTag::Signatures => "sig",
    };
    format!("sha256-{}.{suffix}", subject.hex())
}

/// cosign's image config of an `.att` / `.sig` manifest: the layers' digests as `diff_ids`.
fn cosign_config(layers: &[Descriptor]) -> Result<Vec<u8>, ArtifactError> {
    let diff_ids: Vec<String> = layers.iter().map(|l| l.digest.to_string()).collect();
    Ok(canonical::to_canonical_vec(&serde_json::json!({
        "architecture": "",
        "config": {},
        "created": "0001-01-01T00:00:00Z",
        "history": [{"created": "0001-01-01T00:00:00Z"}],
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))?)
}

/// A cosign `.att` manifest (and its config blob) holding `layers`: what cosign writes for
/// attestations, its layers DSSE envelopes annotated with their predicate type and an empty
/// signature annotation. Layers are kept in the order given (cosign appends).
pub fn cosign_attestation_manifest(
    layers: Vec<Descriptor>,
) -> Result<(BuiltManifest, Vec<u8>), ArtifactError> {
    let config = cosign_config(&layers)?;
    let built = BuiltManifest::new(ArtifactManifest {
        schema_version: 2,
        media_type: MEDIA_TYPE_OCI_MANIFEST.to_owned(),
        artifact_type: None,
        config: Descriptor::new(
            MEDIA_TYPE_OCI_CONFIG,
            Digest::of(&config),
            config.len() as u64,
        ),
        layers,
        subject: None,
        annotations: BTreeMap::new(),
    })?;
    Ok((built, config))
}

/// The descriptor of a DSSE envelope as a cosign attestation layer.
pub fn cosign_attestation_layer(envelope: &[u8], predicate_type: &str) -> Descriptor {
    let mut d = Descriptor::new(
        MEDIA_TYPE_DSSE_ENVELOPE,
        Digest::of(envelope),
        envelope.len() as u64,
    );
    d.annotations.insert(
        ANNOTATION_PREDICATE_TYPE.to_owned(),
        predicate_type.to_owned(),
    );
    d.annotations
        .insert(ANNOTATION_COSIGN_SIGNATURE.to_owned(), String::new());
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image() -> Descriptor {
        Descriptor::new(MEDIA_TYPE_OCI_MANIFEST, Digest::of(b"img"), 3)
    }

    #[test]
    fn build_is_deterministic_and_canonical() {
        let a =
            ArtifactManifest::build(ArtifactKind::Sarif, b"{}", &image(), BTreeMap::new()).unwrap();
        let b =
            ArtifactManifest::build(ArtifactKind::Sarif, b"{}", &image(), BTreeMap::new()).unwrap();
        assert_eq!(a, b);
        assert!(canonical::is_canonical(&a.bytes));
        assert_eq!(a.digest, Digest::of(&a.bytes));
        let parsed = ArtifactManifest::parse(&a.bytes, &ArtifactLimits::default()).unwrap();
        assert_eq!(parsed, a.manifest);
        assert_eq!(parsed.payload_layer().unwrap().digest, Digest::of(b"{}"));
    }

    #[test]
    fn every_kind_round_trips() {
        for k in ArtifactKind::ALL {
            assert_eq!(ArtifactKind::parse(k.name()), Some(k));
            assert_eq!(ArtifactKind::from_artifact_type(k.artifact_type()), Some(k));
            let m = ArtifactManifest::build(k, b"x", &image(), BTreeMap::new()).unwrap();
            assert_eq!(m.manifest.kind(), Some(k));
            assert_eq!(m.referrer().kind(), Some(k));
        }
    }

    #[test]
    fn swapped_subject_is_refused() {
        let m =
            ArtifactManifest::build(ArtifactKind::Spdx, b"x", &image(), BTreeMap::new()).unwrap();
        m.manifest.check_subject(&image().digest).unwrap();
        assert!(matches!(
            m.manifest.check_subject(&Digest::of(b"other")),
            Err(ArtifactError::SubjectMismatch { .. })
        ));
        let mut no_subject = m.manifest.clone();
        no_subject.subject = None;
        assert!(no_subject.check_subject(&image().digest).is_err());
    }

    #[test]
    fn index_sorts_and_dedupes() {
        let r = |b: &[u8]| ReferrerDescriptor::new(MEDIA_TYPE_OCI_MANIFEST, Digest::of(b), 1, None);
        let one = ReferrersIndex::default()
            .with(r(b"b"))
            .with(r(b"a"))
            .with(r(b"b"));
        let two = ReferrersIndex::default().with(r(b"a")).with(r(b"b"));
        assert_eq!(one.to_bytes().unwrap(), two.to_bytes().unwrap());
        let mut dup = two.clone();
        dup.manifests.push(r(b"a"));
        assert_eq!(dup.to_bytes().unwrap(), two.to_bytes().unwrap());
        let back =
            ReferrersIndex::parse(&two.to_bytes().unwrap(), &ArtifactLimits::default()).unwrap();
        assert_eq!(back.manifests.len(), 2);
        assert!(back.contains(&Digest::of(b"a")));
        let merged = ReferrersIndex::default().with(r(b"c")).merged(&back);
        assert_eq!(merged.manifests.len(), 3);
    }

    #[test]
    fn hostile_documents_are_refused() {
        let limits = ArtifactLimits {
            max_manifest_bytes: 64,
            ..ArtifactLimits::default()
        };
        let big = vec![b' '; 65];
        assert!(matches!(
            ReferrersIndex::parse(&big, &limits),
            Err(ArtifactError::Limit { .. })
        ));
        let dup = br#"{"schemaVersion":2,"schemaVersion":2,"manifests":[]}"#;
        assert!(ReferrersIndex::parse(dup, &ArtifactLimits::default()).is_err());
        let v1 = br#"{"schemaVersion":1,"manifests":[]}"#;
        assert!(ReferrersIndex::parse(v1, &ArtifactLimits::default()).is_err());
        let wrong = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","manifests":[]}"#;
        assert!(ReferrersIndex::parse(wrong, &ArtifactLimits::default()).is_err());
        let short = br#"{"schemaVersion":2,"manifests":[{"mediaType":"m","digest":"sha256:a1a1a1","size":1}]}"#;
        assert!(ReferrersIndex::parse(short, &ArtifactLimits::default()).is_err());
        let many = ArtifactLimits {
            max_referrers: 1,
            ..ArtifactLimits::default()
        };
        let r = |b: &[u8]| ReferrerDescriptor::new(MEDIA_TYPE_OCI_MANIFEST, Digest::of(b), 1, None);
        let two = ReferrersIndex::default()
            .with(r(b"a"))
            .with(r(b"b"))
            .to_bytes()
            .unwrap();
        assert!(matches!(
            ReferrersIndex::parse(&two, &many),
            Err(ArtifactError::Limit { .. })
        ));
    }

    #[test]
    fn tags() {
        let d = Digest::of(b"x");
        assert_eq!(referrers_tag(&d), format!("sha256-{}", d.hex()));
        assert_eq!(
            cosign_tag(&d, CosignTag::Attestations),
            format!("sha256-{}.att", d.hex())
        );
        assert_eq!(
            cosign_tag(&d, CosignTag::Signatures),
            format!("sha256-{}.sig", d.hex())
        );
    }

    #[test]
    fn cosign_manifest_shape() {
        let env = br#"{"payloadType":"application/vnd.in-toto+json","payload":"","signatures":[]}"#;
        let layer = cosign_attestation_layer(env, "https://cyclonedx.org/bom");
        let (built, config) = cosign_attestation_manifest(vec![layer.clone()]).unwrap();
        assert_eq!(built.manifest.config.digest, Digest::of(&config));
        assert!(built.manifest.subject.is_none());
        let parsed = ArtifactManifest::parse(&built.bytes, &ArtifactLimits::default()).unwrap();
        assert_eq!(parsed.layers, vec![layer]);
        assert_eq!(
            parsed.layers[0].annotations[ANNOTATION_COSIGN_SIGNATURE],
            ""
        );
    }
}

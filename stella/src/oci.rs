//! Artifacts where the ecosystem looks for them: attached to images in OCI registries.
//!
//! [`OciRepository`] is one repository of one registry (the [`RegistryClient`] with its
//! credentials and limits). It
//! - attaches an artifact (SBOM, DSSE envelope, SARIF, VEX, decision record, Sigstore bundle) to
//!   an image as an OCI 1.1 artifact manifest whose `subject` is the image manifest
//!   ([`OciRepository::attach`]): blobs first, the manifest by digest (write-once: nothing is
//!   ever pushed under a tag that could replace an artifact), then, when the registry lacks the
//!   referrers API, the referrers tag schema's index (`sha256-<hex>`) updated;
//! - discovers what is attached ([`OciRepository::referrers`]): the referrers API
//!   (`GET /v2/<name>/referrers/<digest>?artifactType=`), else the tag schema;
//! - fetches and checks one artifact ([`OciRepository::fetch_artifact`]): the manifest against
//!   its digest, its `subject` against the image (a referrer listed for one image that names
//!   another is refused), its payload layer against its digest;
//! - reads and writes cosign's attestation layout ([`OciRepository::attach_cosign_attestation`],
//!   [`OciRepository::cosign_attestations`]): the `sha256-<hex>.att` tag, DSSE envelope layers;
//! - serves as a write-once [`BlobStore`] ([`RegistryBlobStore`]).
//!
//! ## Tags under concurrent writers
//! The tag schema's index and cosign's `.att` manifest are read-modify-write state under a tag.
//! The update ([`TagUpdatePolicy`]) reads the tag, merges, writes with `If-Match` on the `ETag`
//! read (or `If-None-Match: *` for a new tag: registries that honour conditional requests refuse
//! a lost update with `412`, and the update retries), then — because docker's distribution 2.x
//! ignores those conditions — waits a settle time and re-reads twice: if its entry is gone
//! (another writer's write, based on an older read, replaced it) it merges again and rewrites.
//! A write is sent only within [`TagUpdatePolicy::max_read_age`] of its read, and the settle time
//! is longer than that, so a writer whose read preceded ours and whose write lands after our
//! second check would have to spend more than the difference in flight. Without a registry that
//! honours conditions this is not linearizable, only bounded; a lost entry loses discoverability
//! through the tag only (the artifact manifest itself is pushed by digest and stays), and the
//! next writer's merge keeps every entry it read.
//!
//! ```no_run
//! use std::collections::BTreeMap;
//! use stella::image::registry::{RegistryOptions, RegistryRef};
//! use stella::oci::OciRepository;
//! use stella_core::oci_artifact::ArtifactKind;
//!
//! let image = RegistryRef::parse("127.0.0.1:5000/team/app:v1")?;
//! let repo = OciRepository::open(&image, RegistryOptions::from_env()?)?;
//! let subject = repo.subject(&image)?;
//! let sbom = std::fs::read("sbom.cdx.json")?;
//! let attached = repo.attach(&subject, ArtifactKind::CycloneDx, &sbom, BTreeMap::new())?;
//! let (found, _how) = repo.referrers(&subject.digest, Some(ArtifactKind::CycloneDx.artifact_type()))?;
//! assert!(found.iter().any(|r| r.digest == attached.digest));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use stella_core::oci_artifact::{
    ArtifactError, ArtifactKind, ArtifactLimits, ArtifactManifest, BuiltManifest, CosignTag,
    EMPTY_BLOB, MEDIA_TYPE_DSSE_ENVELOPE, ReferrerDescriptor, ReferrersIndex,
    cosign_attestation_layer, cosign_attestation_manifest, cosign_tag, referrers_tag,
};
use stella_core::{
    BlobStore, CoreError, Descriptor, Digest, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST,
};

use crate::image::registry::{
    ConditionalPut, Precondition, RegistryClient, RegistryError, RegistryOptions, RegistryRef,
    TaggedManifest,
};

/// What went wrong attaching, discovering or fetching artifacts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OciError {
    /// The registry request failed.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A manifest or index from the registry was not a valid artifact document.
    #[error(transparent)]
    Format(#[from] ArtifactError),
    /// The tag's index could not be updated to hold the entry within the policy's attempts.
    #[error(
        "tag {tag}: the update did not hold in {attempts} rounds (lost to concurrent writers, or \
         the registry answers slower than the read window); giving up"
    )]
    TagUpdateLost {
        /// The tag.
        tag: String,
        /// Attempts made.
        attempts: u32,
    },
    /// A referrer's listing disagrees with the manifest it names.
    #[error("referrer {digest}: {reason}")]
    Tampered {
        /// The referrer's manifest digest.
        digest: Digest,
        /// What disagreed.
        reason: String,
    },
    /// The image reference has no digest and no tag to resolve.
    #[error("{0}: give a tag or a digest")]
    NoReference(String),
    /// A tag holds something other than what the tag schema or cosign's layout puts there.
    #[error("tag {tag} holds a {media_type}, not a {expected}")]
    UnexpectedTagContent {
        /// The tag.
        tag: String,
        /// What it holds.
        media_type: String,
        /// What it should hold.
        expected: &'static str,
    },
}

/// How the tag-schema and cosign tag updates behave under concurrent writers (see the module
/// documentation).
///
/// ```
/// let p = stella::oci::TagUpdatePolicy::default();
/// assert!(p.settle > p.max_read_age);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagUpdatePolicy {
    /// Most read-merge-write rounds before [`OciError::TagUpdateLost`] (default 24).
    pub attempts: u32,
    /// How long after a write the entry is checked, twice (default 300 ms).
    pub settle: Duration,
    /// Longest time between the answer to the read and the sending of the write of one round;
    /// older reads are redone (default 150 ms).
    pub max_read_age: Duration,
}

impl Default for TagUpdatePolicy {
    fn default() -> Self {
        Self {
            attempts: 24,
            settle: Duration::from_millis(300),
            max_read_age: Duration::from_millis(150),
        }
    }
}

/// How referrers were discovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discovery {
    /// The registry's referrers API.
    ReferrersApi,
    /// The referrers tag schema (`sha256-<hex>` tag holding an index).
    TagSchema,
}

impl Discovery {
    /// `referrers-api` or `tag-schema`.
    pub fn name(self) -> &'static str {
        match self {
            Discovery::ReferrersApi => "referrers-api",
            Discovery::TagSchema => "tag-schema",
        }
    }
}

/// An artifact attached by [`OciRepository::attach`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    /// The artifact manifest's digest.
    pub digest: Digest,
    /// Its descriptor as listed among the referrers.
    pub referrer: ReferrerDescriptor,
    /// How it is discoverable: the registry's API, or the tag schema this call updated.
    pub discovery: Discovery,
}

/// One artifact fetched and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedArtifact {
    /// The artifact manifest's digest.
    pub digest: Digest,
    /// The manifest.
    pub manifest: ArtifactManifest,
    /// Its kind, when Stella knows it.
    pub kind: Option<ArtifactKind>,
    /// The payload layer's descriptor.
    pub layer: Descriptor,
    /// The payload bytes, verified against the layer digest.
    pub payload: Vec<u8>,
}

/// One attestation layer of cosign's `.att` manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignAttestation {
    /// The layer (media type, digest, cosign's annotations).
    pub layer: Descriptor,
    /// The DSSE envelope bytes, verified against the layer digest.
    pub envelope: Vec<u8>,
}

/// One repository of one registry, for attaching and discovering artifacts (see the module
/// documentation).
#[derive(Debug, Clone)]
pub struct OciRepository {
    client: Arc<RegistryClient>,
    repository: String,
    /// Bounds on the documents read.
    pub limits: ArtifactLimits,
    /// Largest payload fetched (default 256 MiB).
    pub max_payload_bytes: u64,
    /// The tag update under concurrent writers.
    pub tag_update: TagUpdatePolicy,
}

fn jitter(max: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    let millis = u64::try_from(max.as_millis()).unwrap_or(u64::MAX).max(1);
    Duration::from_millis(h.finish() % millis)
}

impl OciRepository {
    /// The repository `reference` names, on a client with `options`.
    pub fn open(reference: &RegistryRef, options: RegistryOptions) -> Result<Self, OciError> {
        let client = RegistryClient::new(reference, options)?;
        Ok(Self::new(Arc::new(client), &reference.repository))
    }

    /// `repository` on an existing client.
    pub fn new(client: Arc<RegistryClient>, repository: &str) -> Self {
        Self {
            client,
            repository: repository.to_owned(),
            limits: ArtifactLimits::default(),
            max_payload_bytes: 256 << 20,
            tag_update: TagUpdatePolicy::default(),
        }
    }

    /// The client.
    pub fn client(&self) -> &Arc<RegistryClient> {
        &self.client
    }

    /// The repository name.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The descriptor of the image `reference` names (its digest, or its tag resolved once):
    /// the subject artifacts are attached to.
    pub fn subject(&self, reference: &RegistryRef) -> Result<Descriptor, OciError> {
        let digest = match (&reference.digest, &reference.tag) {
            (Some(d), _) => *d,
            (None, Some(tag)) => self.client.resolve_tag(&self.repository, tag)?,
            (None, None) => return Err(OciError::NoReference(reference.repository.clone())),
        };
        let fetched = self.client.fetch_manifest(&self.repository, &digest)?;
        Ok(fetched.descriptor())
    }

    /// Pushes a manifest built here, after its blobs.
    fn push_built(&self, built: &BuiltManifest, blobs: &[&[u8]]) -> Result<(), OciError> {
        for blob in blobs {
            self.client.push_blob(&self.repository, blob)?;
        }
        self.client.push_manifest(
            &self.repository,
            &built.digest.to_string(),
            MEDIA_TYPE_OCI_MANIFEST,
            &built.bytes,
        )?;
        Ok(())
    }

    /// Attaches `payload` of `kind` to the image `subject` (see the module documentation).
    pub fn attach(
        &self,
        subject: &Descriptor,
        kind: ArtifactKind,
        payload: &[u8],
        annotations: BTreeMap<String, String>,
    ) -> Result<Attached, OciError> {
        self.attach_typed(
            subject,
            kind.artifact_type(),
            kind.layer_media_type(),
            payload,
            annotations,
        )
    }

    /// [`OciRepository::attach`] with an `artifactType` and layer media type of the caller's
    /// (artifacts of no [`ArtifactKind`]: findings JSON, log receipts, gate input).
    pub fn attach_typed(
        &self,
        subject: &Descriptor,
        artifact_type: &str,
        layer_media_type: &str,
        payload: &[u8],
        annotations: BTreeMap<String, String>,
    ) -> Result<Attached, OciError> {
        let built = ArtifactManifest::build_typed(
            artifact_type,
            layer_media_type,
            payload,
            subject,
            annotations,
        )?;
        self.push_built(&built, &[EMPTY_BLOB, payload])?;
        let referrer = built.referrer();
        let discovery = self.index_referrer(&subject.digest, &referrer)?;
        Ok(Attached {
            digest: built.digest,
            referrer,
            discovery,
        })
    }

    /// Makes an artifact manifest already pushed discoverable: nothing when the registry has the
    /// referrers API (it indexes `subject` itself), else the tag schema's index updated.
    pub fn index_referrer(
        &self,
        subject: &Digest,
        referrer: &ReferrerDescriptor,
    ) -> Result<Discovery, OciError> {
        if self
            .client
            .referrers_api(&self.repository, subject, None)?
            .is_some()
        {
            return Ok(Discovery::ReferrersApi);
        }
        let tag = referrers_tag(subject);
        self.update_tag(
            &tag,
            |bytes| self.parse_tag_index(&tag, bytes),
            |index: &ReferrersIndex| index.contains(&referrer.digest),
            |index: ReferrersIndex| Ok((index.with(referrer.clone()), Vec::new())),
            |index: &ReferrersIndex| Ok((MEDIA_TYPE_OCI_INDEX, index.to_bytes()?)),
        )?;
        Ok(Discovery::TagSchema)
    }

    fn parse_tag_index(
        &self,
        tag: &str,
        found: &TaggedManifest,
    ) -> Result<ReferrersIndex, OciError> {
        if found.manifest.media_type != MEDIA_TYPE_OCI_INDEX {
            return Err(OciError::UnexpectedTagContent {
                tag: tag.to_owned(),
                media_type: found.manifest.media_type.chars().take(200).collect(),
                expected: MEDIA_TYPE_OCI_INDEX,
            });
        }
        Ok(ReferrersIndex::parse(&found.manifest.bytes, &self.limits)?)
    }

    /// The read-merge-write loop of a tag (see [`TagUpdatePolicy`]). `merge` returns the new
    /// state and the blobs to push before it.
    fn update_tag<S: Default>(
        &self,
        tag: &str,
        parse: impl Fn(&TaggedManifest) -> Result<S, OciError>,
        holds: impl Fn(&S) -> bool,
        merge: impl Fn(S) -> Result<(S, Vec<Vec<u8>>), OciError>,
        serialize: impl Fn(&S) -> Result<(&'static str, Vec<u8>), OciError>,
    ) -> Result<(), OciError> {
        let read = || -> Result<(S, Option<String>), OciError> {
            match self.client.manifest_if_present(&self.repository, tag)? {
                None => Ok((S::default(), None)),
                Some(found) => Ok((parse(&found)?, found.etag.clone().or(Some(String::new())))),
            }
        };
        let policy = &self.tag_update;
        let mut wrote = false;
        // One read-merge-write round: `Ok(true)` when the entry is in place and stayed.
        let round = |wrote: &mut bool| -> Result<bool, OciError> {
            let (state, etag) = read()?;
            // The age of the read is counted from its answer: a registry that checks a bcrypt
            // password on every request (htpasswd) takes longer to answer than the window.
            let read_at = Instant::now();
            if holds(&state) {
                if !*wrote {
                    return Ok(true);
                }
                // Written by us (or merged by another writer): it must still be there after
                // two settle times, past any write based on an older read.
                std::thread::sleep(policy.settle);
                if holds(&read()?.0) {
                    std::thread::sleep(policy.settle);
                    if holds(&read()?.0) {
                        return Ok(true);
                    }
                }
                return Ok(false);
            }
            let (merged, blobs) = merge(state)?;
            let (media_type, bytes) = serialize(&merged)?;
            let mut read_at = read_at;
            if !blobs.is_empty() {
                // Blobs are content-addressed: pushing them changes no tag. Then the tag is
                // checked again, so the window covers only the check and the write.
                let before = self
                    .client
                    .manifest_if_present(&self.repository, tag)?
                    .map(|f| f.manifest.digest);
                for blob in &blobs {
                    self.client.push_blob(&self.repository, blob)?;
                }
                let now = self
                    .client
                    .manifest_if_present(&self.repository, tag)?
                    .map(|f| f.manifest.digest);
                if now != before {
                    return Ok(false);
                }
                read_at = Instant::now();
            }
            if read_at.elapsed() > policy.max_read_age {
                return Ok(false); // the read is too old to write on
            }
            let precondition = match etag.as_deref() {
                None => Precondition::Absent,
                Some("") => Precondition::None,
                Some(e) => Precondition::Matches(e),
            };
            match self.client.put_manifest_if(
                &self.repository,
                tag,
                media_type,
                &bytes,
                precondition,
            )? {
                ConditionalPut::Written(_) => {
                    *wrote = true;
                    std::thread::sleep(policy.settle / 4 + jitter(policy.settle / 4));
                }
                ConditionalPut::PreconditionFailed => {
                    std::thread::sleep(jitter(policy.max_read_age));
                }
            }
            Ok(false)
        };
        for _ in 0..policy.attempts {
            match round(&mut wrote) {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                // A registry under concurrent writes of one tag may answer 5xx (docker's
                // distribution reading a tag link while another request rewrites it) or 429:
                // the round is retried, counting as an attempt.
                Err(OciError::Registry(RegistryError::Status { status, .. }))
                    if status >= 500 || status == 429 =>
                {
                    std::thread::sleep(jitter(policy.settle));
                }
                Err(e) => return Err(e),
            }
        }
        Err(OciError::TagUpdateLost {
            tag: tag.to_owned(),
            attempts: policy.attempts,
        })
    }

    /// The referrers of `subject` (all, or those of `artifact_type`), and how they were found:
    /// the referrers API, else the tag schema (no tag: none). A filter the registry did not
    /// apply is applied here.
    pub fn referrers(
        &self,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<(Vec<ReferrerDescriptor>, Discovery), OciError> {
        if let Some(answer) = self
            .client
            .referrers_api(&self.repository, subject, artifact_type)?
        {
            let mut all = ReferrersIndex::default();
            for page in &answer.pages {
                all = all.merged(&ReferrersIndex::parse(page, &self.limits)?);
                if all.manifests.len() > self.limits.max_referrers {
                    return Err(ArtifactError::Limit {
                        what: "referrers",
                        max: self.limits.max_referrers as u64,
                        actual: all.manifests.len() as u64,
                    }
                    .into());
                }
            }
            let found = all.filtered(artifact_type).into_iter().cloned().collect();
            return Ok((found, Discovery::ReferrersApi));
        }
        let tag = referrers_tag(subject);
        let index = match self.client.manifest_if_present(&self.repository, &tag)? {
            None => ReferrersIndex::default(),
            Some(found) => self.parse_tag_index(&tag, &found)?,
        };
        let mut found: Vec<ReferrerDescriptor> =
            index.filtered(artifact_type).into_iter().cloned().collect();
        found.sort_by_key(|a| a.digest);
        found.dedup_by(|a, b| a.digest == b.digest);
        Ok((found, Discovery::TagSchema))
    }

    fn fetch_payload(&self, layer: &Descriptor) -> Result<Vec<u8>, OciError> {
        let bytes = self.client.fetch_blob(
            &self.repository,
            &layer.digest,
            self.max_payload_bytes.min(layer.size),
        )?;
        if bytes.len() as u64 != layer.size {
            return Err(OciError::Tampered {
                digest: layer.digest,
                reason: format!(
                    "layer is {} bytes, its descriptor says {}",
                    bytes.len(),
                    layer.size
                ),
            });
        }
        Ok(bytes)
    }

    /// Fetches one referrer of `subject` and checks it: the manifest against its digest, its
    /// `subject` against `subject` (a swapped subject is [`ArtifactError::SubjectMismatch`]),
    /// its `artifactType` against the listing, the payload against its layer digest and size.
    pub fn fetch_artifact(
        &self,
        subject: &Digest,
        referrer: &ReferrerDescriptor,
    ) -> Result<FetchedArtifact, OciError> {
        let fetched = self
            .client
            .fetch_manifest(&self.repository, &referrer.digest)?;
        let manifest = ArtifactManifest::parse(&fetched.bytes, &self.limits)?;
        manifest.check_subject(subject)?;
        if let (Some(listed), Some(actual)) = (&referrer.artifact_type, &manifest.artifact_type)
            && listed != actual
        {
            return Err(OciError::Tampered {
                digest: referrer.digest,
                reason: format!("listed as {listed}, the manifest says {actual}"),
            });
        }
        let layer = manifest.payload_layer()?.clone();
        let payload = self.fetch_payload(&layer)?;
        Ok(FetchedArtifact {
            digest: referrer.digest,
            kind: manifest.kind(),
            manifest,
            layer,
            payload,
        })
    }

    /// Adds a DSSE `envelope` to cosign's attestation manifest of `subject`
    /// (`sha256-<hex>.att`), as `cosign attest` does: one more layer, annotated with the
    /// predicate type and an empty signature annotation. Returns the envelope layer's digest.
    pub fn attach_cosign_attestation(
        &self,
        subject: &Digest,
        envelope: &[u8],
        predicate_type: &str,
    ) -> Result<Digest, OciError> {
        let layer = cosign_attestation_layer(envelope, predicate_type);
        self.client.push_blob(&self.repository, envelope)?;
        let tag = cosign_tag(subject, CosignTag::Attestations);
        let digest = layer.digest;
        self.update_tag(
            &tag,
            |found| {
                let m = ArtifactManifest::parse(&found.manifest.bytes, &self.limits)?;
                Ok(m.layers)
            },
            |layers: &Vec<Descriptor>| layers.iter().any(|l| l.digest == digest),
            |mut layers: Vec<Descriptor>| {
                layers.push(layer.clone());
                let (_, config) = cosign_attestation_manifest(layers.clone())?;
                Ok((layers, vec![config]))
            },
            |layers: &Vec<Descriptor>| {
                let (built, _) = cosign_attestation_manifest(layers.clone())?;
                Ok((MEDIA_TYPE_OCI_MANIFEST, built.bytes))
            },
        )?;
        Ok(digest)
    }

    /// The DSSE envelopes in cosign's attestation manifest of `subject` (none when the tag is
    /// absent), each verified against its layer digest. Layers of other media types are
    /// skipped.
    pub fn cosign_attestations(
        &self,
        subject: &Digest,
    ) -> Result<Vec<CosignAttestation>, OciError> {
        let tag = cosign_tag(subject, CosignTag::Attestations);
        let Some(found) = self.client.manifest_if_present(&self.repository, &tag)? else {
            return Ok(Vec::new());
        };
        let manifest = ArtifactManifest::parse(&found.manifest.bytes, &self.limits)?;
        manifest
            .layers
            .into_iter()
            .filter(|l| l.media_type == MEDIA_TYPE_DSSE_ENVELOPE)
            .map(|layer| {
                let envelope = self.fetch_payload(&layer)?;
                Ok(CosignAttestation { layer, envelope })
            })
            .collect()
    }
}

/// A write-once [`BlobStore`] over one registry repository: `put` uploads a blob (a no-op when
/// the registry has it), `get` downloads and verifies it, `contains` asks with `HEAD`. Blobs are
/// named only by digest, so nothing can replace one; retention is the registry's (an unreferenced
/// blob may be garbage-collected by the registry's own policy).
///
/// ```no_run
/// use stella::image::registry::{RegistryOptions, RegistryRef};
/// use stella::oci::{OciRepository, RegistryBlobStore};
/// use stella_core::BlobStore;
///
/// let r = RegistryRef::parse("127.0.0.1:5000/stella/store")?;
/// let store = RegistryBlobStore::new(OciRepository::open(&r, RegistryOptions::default())?);
/// let d = store.put(b"artifact")?;
/// assert_eq!(store.get(&d)?, b"artifact");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RegistryBlobStore {
    repo: OciRepository,
    /// Largest blob `get` reads (default 256 MiB).
    pub max_blob_bytes: u64,
}

impl RegistryBlobStore {
    /// A store over `repo`.
    pub fn new(repo: OciRepository) -> Self {
        Self {
            repo,
            max_blob_bytes: 256 << 20,
        }
    }

    /// The repository.
    pub fn repository(&self) -> &OciRepository {
        &self.repo
    }
}

fn backend(e: RegistryError) -> CoreError {
    CoreError::Backend {
        backend: "registry",
        source: Box::new(e),
    }
}

impl BlobStore for RegistryBlobStore {
    fn put(&self, bytes: &[u8]) -> Result<Digest, CoreError> {
        self.repo
            .client
            .push_blob(&self.repo.repository, bytes)
            .map_err(backend)
    }

    fn get(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        if !self.contains(digest)? {
            return Err(CoreError::NotFound { digest: *digest });
        }
        match self
            .repo
            .client
            .fetch_blob(&self.repo.repository, digest, self.max_blob_bytes)
        {
            Ok(b) => Ok(b),
            Err(RegistryError::DigestMismatch {
                expected, actual, ..
            }) => Err(CoreError::DigestMismatch { expected, actual }),
            Err(e) => Err(backend(e)),
        }
    }

    fn contains(&self, digest: &Digest) -> Result<bool, CoreError> {
        self.repo
            .client
            .blob_exists(&self.repo.repository, digest)
            .map_err(backend)
    }
}

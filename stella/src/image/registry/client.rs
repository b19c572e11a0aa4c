//! The registry client (one registry host), its options, and pulling manifests and blobs.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

#[cfg(doc)]
use stella_core::{CoreError, ImageSource};
use stella_core::{Descriptor, Digest};

#[cfg(doc)]
use super::CREDENTIAL_LOOKUP;
use super::http::{self, Timing, Transport};
use super::{
    CredentialProvider, Credentials, DockerConfig, HostCredentials, MANIFEST_MEDIA_TYPES,
    ProtocolProblem, RegistryError, RegistryImage, RegistryRef,
};

/// How a [`RegistryClient`] talks to a registry: credentials, transport policy and limits.
///
/// ```
/// use stella::image::registry::{Credentials, RegistryOptions};
///
/// let options = RegistryOptions::default()
///     .with_credentials("ghcr.io", Credentials::new("ci", "token"))?;
/// assert_eq!(options.credentials.len(), 1);
/// assert!(!options.insecure);
/// # Ok::<(), stella::image::registry::RegistryError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Where the registry's credentials come from: asked in order, for the client's registry
    /// only, the first time it answers `401`; the first with credentials wins. Anonymous when
    /// empty or when none has any.
    pub credentials: Vec<Arc<dyn CredentialProvider>>,
    /// Allow plain HTTP to registries that are not on loopback (loopback always may), for
    /// anonymous pulls: credentials never cross plain HTTP off loopback.
    pub insecure: bool,
    /// Largest manifest or index read (default 4 MiB, the distribution registry's own limit).
    pub max_manifest_bytes: u64,
    /// Largest blob read whole through [`ImageSource::blob`] (configs; default 16 MiB).
    pub max_metadata_bytes: u64,
    /// Largest blob streamed (layers; default 8 GiB).
    pub max_blob_bytes: u64,
    /// Most redirects followed for one request (default 5).
    pub max_redirects: u32,
    /// Connect timeout (default 30 s).
    pub connect_timeout: Duration,
    /// Longest wait for any one read from the network (default 120 s).
    pub read_timeout: Duration,
    /// Longest time for a whole call that returns a small answer (manifests, tokens, configs,
    /// error bodies), body included (default 120 s): a server trickling bytes cannot hold a
    /// pull forever. Layer downloads and uploads are bounded per read only.
    pub request_timeout: Duration,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        Self {
            credentials: Vec::new(),
            insecure: false,
            max_manifest_bytes: 4 << 20,
            max_metadata_bytes: crate::image::MAX_METADATA_BYTES,
            max_blob_bytes: 8 << 30,
            max_redirects: 5,
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(120),
            request_timeout: Duration::from_secs(120),
        }
    }
}

impl RegistryOptions {
    /// What `stella` uses for `registry:` references: the defaults, `insecure` from
    /// `STELLA_REGISTRY_INSECURE=1`, and the credential lookup of [`CREDENTIAL_LOOKUP`]
    /// ([`HostCredentials::from_env`], then [`DockerConfig::from_env`]). Fails when the
    /// `STELLA_REGISTRY_*` credential variables are incomplete.
    pub fn from_env() -> Result<Self, RegistryError> {
        let mut credentials: Vec<Arc<dyn CredentialProvider>> = Vec::new();
        if let Some(host) = HostCredentials::from_env()? {
            credentials.push(Arc::new(host));
        }
        credentials.push(Arc::new(DockerConfig::from_env()));
        Ok(Self {
            credentials,
            insecure: std::env::var("STELLA_REGISTRY_INSECURE").is_ok_and(|v| v == "1"),
            ..Self::default()
        })
    }

    /// Adds `credentials` for `registry` (`HOST[:PORT]`; see [`HostCredentials::new`]) after
    /// the providers already listed.
    pub fn with_credentials(
        mut self,
        registry: &str,
        credentials: Credentials,
    ) -> Result<Self, RegistryError> {
        self.credentials
            .push(Arc::new(HostCredentials::new(registry, credentials)?));
        Ok(self)
    }
}

/// A manifest or index as received: its bytes, the digest of those bytes and its media type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedManifest {
    /// The exact bytes received.
    pub bytes: Vec<u8>,
    /// Their SHA-256.
    pub digest: Digest,
    /// The media type (the manifest's `mediaType`, else the `Content-Type`).
    pub media_type: String,
}

impl FetchedManifest {
    /// Its descriptor.
    pub fn descriptor(&self) -> Descriptor {
        Descriptor::new(
            self.media_type.clone(),
            self.digest,
            self.bytes.len() as u64,
        )
    }
}

/// A client of one registry (one `HOST[:PORT]`): the HTTP transport, the auth state (the
/// last bearer token) and the limits. Cheap to share behind an [`Arc`].
///
/// ```no_run
/// use stella::image::registry::{RegistryClient, RegistryOptions, RegistryRef};
///
/// let reference = RegistryRef::parse("localhost:5000/app:v1")?;
/// let client = RegistryClient::new(&reference, RegistryOptions::default())?;
/// let digest = client.resolve_tag("app", "v1")?;
/// let manifest = client.fetch_manifest("app", &digest)?;
/// assert_eq!(manifest.digest, digest);
/// # Ok::<(), stella::image::registry::RegistryError>(())
/// ```
#[derive(Debug)]
pub struct RegistryClient {
    pub(super) transport: Transport,
    registry: String,
}

fn strip_params(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or_default().trim()
}

/// The media type of a received manifest: its own `mediaType` field, else the header.
fn manifest_media_type(
    url: &str,
    bytes: &[u8],
    content_type: Option<&str>,
) -> Result<String, RegistryError> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Probe {
        #[serde(default)]
        media_type: Option<String>,
        #[serde(default)]
        schema_version: Option<u64>,
    }
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| RegistryError::Protocol {
        url: url.to_owned(),
        reason: ProtocolProblem::ManifestNotJson(e),
    })?;
    let header = content_type.map(strip_params).filter(|t| !t.is_empty());
    // OCI distribution spec: a manifest whose `mediaType` differs from its `Content-Type` should
    // be rejected. A generic header (`application/json`, …) from an older registry or a proxy
    // is tolerated; two different manifest types are a confusion we refuse.
    if let (Some(body), Some(header)) = (probe.media_type.as_deref(), header)
        && body != header
        && MANIFEST_MEDIA_TYPES.contains(&header)
    {
        return Err(RegistryError::MediaTypeMismatch {
            url: url.to_owned(),
            header: header.to_owned(),
            body: body.chars().take(200).collect(),
        });
    }
    let media_type = probe
        .media_type
        .or_else(|| header.map(str::to_owned))
        .unwrap_or_default();
    if probe.schema_version == Some(1)
        || media_type.starts_with("application/vnd.docker.distribution.manifest.v1")
    {
        return Err(RegistryError::UnsupportedMediaType {
            url: url.to_owned(),
            media_type: if media_type.is_empty() {
                "schemaVersion 1".into()
            } else {
                media_type
            },
        });
    }
    Ok(media_type)
}

pub(super) fn check_digest_header(
    url: &str,
    header: Option<&str>,
    actual: &Digest,
) -> Result<(), RegistryError> {
    // Only a hint: a sha256 header must agree with the bytes; other algorithms are ignored.
    if let Some(h) = header.map(str::trim)
        && h.starts_with("sha256:")
        && Digest::parse(h).ok().as_ref() != Some(actual)
    {
        return Err(RegistryError::DigestHeaderMismatch {
            url: url.to_owned(),
            header: h.chars().take(100).collect(),
            actual: *actual,
        });
    }
    Ok(())
}

impl RegistryClient {
    /// A client for the registry `reference` names. HTTPS unless the registry is loopback or
    /// `options.insecure` is set.
    pub fn new(reference: &RegistryRef, options: RegistryOptions) -> Result<Self, RegistryError> {
        let host = reference.api_host().to_owned();
        let plain = reference.is_loopback() || options.insecure;
        let base = format!("{}://{host}", if plain { "http" } else { "https" });
        Ok(Self {
            transport: Transport::new(base, reference.registry.clone(), options),
            registry: reference.registry.clone(),
        })
    }

    /// The registry's `HOST[:PORT]`.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The options in force.
    pub fn options(&self) -> &RegistryOptions {
        self.transport.options()
    }

    pub(super) fn manifest_url(&self, repository: &str, reference: &str) -> String {
        format!(
            "{}/v2/{repository}/manifests/{reference}",
            self.transport.base()
        )
    }

    pub(super) fn blob_url(&self, repository: &str, digest: &Digest) -> String {
        format!("{}/v2/{repository}/blobs/{digest}", self.transport.base())
    }

    /// `GET` of a manifest (any of [`MANIFEST_MEDIA_TYPES`]): the URL and the response, whatever
    /// its status.
    pub(super) fn request_manifest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<(String, ::ureq::http::Response<::ureq::Body>), RegistryError> {
        let url = self.manifest_url(repository, reference);
        let accept = MANIFEST_MEDIA_TYPES.join(", ");
        let response = self.transport.request(
            Timing::Whole,
            http::Method::Get,
            &url,
            &[("accept", accept.as_str())],
            None,
        )?;
        Ok((url, response))
    }

    /// A manifest response read: `200` required, the body bounded, the digest header checked
    /// against the bytes, the media type from the body (or the header).
    pub(super) fn read_manifest(
        &self,
        url: &str,
        response: ::ureq::http::Response<::ureq::Body>,
    ) -> Result<FetchedManifest, RegistryError> {
        let response = http::expect_status(response, "GET", url, &[200])?;
        let content_type = http::header(&response, "content-type");
        let digest_header = http::header(&response, "docker-content-digest");
        let max = self.options().max_manifest_bytes;
        let bytes = http::read_body(response, url, "manifest", max)?;
        let digest = Digest::of(&bytes);
        check_digest_header(url, digest_header.as_deref(), &digest)?;
        let media_type = manifest_media_type(url, &bytes, content_type.as_deref())?;
        Ok(FetchedManifest {
            bytes,
            digest,
            media_type,
        })
    }

    fn get_manifest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<FetchedManifest, RegistryError> {
        let (url, response) = self.request_manifest(repository, reference)?;
        self.read_manifest(&url, response)
    }

    /// Resolves a tag to the digest of the manifest (or index) it names now: the SHA-256 of the
    /// manifest bytes received (a `GET`, so the digest is computed, not taken from a header).
    pub fn resolve_tag(&self, repository: &str, tag: &str) -> Result<Digest, RegistryError> {
        Ok(self.get_manifest(repository, tag)?.digest)
    }

    /// Fetches a manifest or index by digest and checks the bytes hash to it.
    pub fn fetch_manifest(
        &self,
        repository: &str,
        digest: &Digest,
    ) -> Result<FetchedManifest, RegistryError> {
        let fetched = self.get_manifest(repository, &digest.to_string())?;
        if fetched.digest != *digest {
            return Err(RegistryError::DigestMismatch {
                url: self.manifest_url(repository, &digest.to_string()),
                expected: *digest,
                actual: fetched.digest,
            });
        }
        Ok(fetched)
    }

    /// A blob in full (at most `max` bytes), checked against its digest.
    pub fn fetch_blob(
        &self,
        repository: &str,
        digest: &Digest,
        max: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        let url = self.blob_url(repository, digest);
        let response = self.blob_response(Timing::Whole, repository, digest)?;
        let bytes = http::read_body(response, &url, "blob", max)?;
        let actual = Digest::of(&bytes);
        if actual != *digest {
            return Err(RegistryError::DigestMismatch {
                url,
                expected: *digest,
                actual,
            });
        }
        Ok(bytes)
    }

    fn blob_response(
        &self,
        timing: Timing,
        repository: &str,
        digest: &Digest,
    ) -> Result<::ureq::http::Response<::ureq::Body>, RegistryError> {
        let url = self.blob_url(repository, digest);
        let response = self
            .transport
            .request(timing, http::Method::Get, &url, &[], None)?;
        http::expect_status(response, "GET", &url, &[200])
    }

    /// A streaming reader over a blob: it fails (`InvalidData`, wrapping
    /// [`CoreError::DigestMismatch`] or [`CoreError::LimitExceeded`]) as soon as the stream
    /// passes [`RegistryOptions::max_blob_bytes`] or its `Content-Length`, and at the end
    /// unless the bytes match `digest`. Redirects to blob storage are followed.
    pub fn open_blob(
        &self,
        repository: &str,
        digest: &Digest,
    ) -> Result<Box<dyn Read + Send + 'static>, RegistryError> {
        let url = self.blob_url(repository, digest);
        let response = self.blob_response(Timing::Stream, repository, digest)?;
        let max = self.options().max_blob_bytes;
        http::verified_stream(response, &url, *digest, max)
    }

    /// Pulls `reference`: a reference with a digest is pulled by that digest; one with only a
    /// tag is resolved to a digest here, once, and only that digest is used afterwards. The
    /// root (manifest or index) is fetched and verified now; everything else on demand.
    pub fn pull(self, reference: &RegistryRef) -> Result<RegistryImage, RegistryError> {
        RegistryImage::open(Arc::new(self), reference)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stella_core::{MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST};

    fn base(reference: &str, insecure: bool) -> String {
        let r = RegistryRef::parse(reference).unwrap();
        let options = RegistryOptions {
            insecure,
            ..RegistryOptions::default()
        };
        RegistryClient::new(&r, options)
            .unwrap()
            .transport
            .base()
            .to_owned()
    }

    #[test]
    fn https_unless_loopback_or_insecure() {
        assert_eq!(base("ghcr.io/a/b:1", false), "https://ghcr.io");
        assert_eq!(base("alpine", false), "https://registry-1.docker.io");
        assert_eq!(base("ghcr.io/a/b:1", true), "http://ghcr.io");
        assert_eq!(base("localhost:5000/a", false), "http://localhost:5000");
        assert_eq!(base("127.0.0.1:5000/a", false), "http://127.0.0.1:5000");
    }

    #[test]
    fn schema1_and_non_json_manifests_are_refused() {
        let url = "http://x/v2/a/manifests/t";
        assert!(matches!(
            manifest_media_type(url, br#"{"schemaVersion":1,"name":"a"}"#, None),
            Err(RegistryError::UnsupportedMediaType { .. })
        ));
        assert!(matches!(
            manifest_media_type(
                url,
                b"{}",
                Some("application/vnd.docker.distribution.manifest.v1+prettyjws")
            ),
            Err(RegistryError::UnsupportedMediaType { .. })
        ));
        assert!(matches!(
            manifest_media_type(url, b"<html>", None),
            Err(RegistryError::Protocol {
                reason: ProtocolProblem::ManifestNotJson(_),
                ..
            })
        ));
        assert_eq!(
            manifest_media_type(
                url,
                b"{}",
                Some("application/vnd.oci.image.index.v1+json; charset=utf-8")
            )
            .unwrap(),
            MEDIA_TYPE_OCI_INDEX
        );
    }

    #[test]
    fn media_type_must_agree_with_a_manifest_content_type() {
        let url = "http://x/v2/a/manifests/t";
        let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"}"#;
        assert!(matches!(
            manifest_media_type(url, index, Some(MEDIA_TYPE_OCI_MANIFEST)),
            Err(RegistryError::MediaTypeMismatch { .. })
        ));
        for tolerated in [Some("application/json"), Some(MEDIA_TYPE_OCI_INDEX), None] {
            assert_eq!(
                manifest_media_type(url, index, tolerated).unwrap(),
                MEDIA_TYPE_OCI_INDEX
            );
        }
    }

    #[test]
    fn digest_header_is_a_hint_that_must_agree() {
        let d = Digest::of(b"x");
        check_digest_header("u", None, &d).unwrap();
        check_digest_header("u", Some(&d.to_string()), &d).unwrap();
        check_digest_header("u", Some("sha512:abcd"), &d).unwrap();
        assert!(check_digest_header("u", Some(&Digest::of(b"y").to_string()), &d).is_err());
        assert!(check_digest_header("u", Some("sha256:zz"), &d).is_err());
    }
}

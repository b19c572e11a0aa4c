//! Pulling images from an OCI distribution registry (the `/v2/` API of docker's
//! `distribution`, GHCR, ECR, Docker Hub, Harbor, …) over HTTP(S), served as an
//! [`ImageSource`] so the scanner reads a registry image the way it reads an OCI layout.
//!
//! The registry is not trusted:
//! - every manifest and blob is checked against the digest that named it (a manifest fetched
//!   by tag is named by the SHA-256 of the bytes received; `Docker-Content-Digest` is only a
//!   hint, and a hint that disagrees with the bytes is an error);
//! - a pull by tag resolves the tag to a digest once ([`RegistryClient::resolve_tag`]) and
//!   uses only the digest after that; [`RegistryImage::confirm_tag`] re-resolves the tag and
//!   fails with [`RegistryError::TagMoved`] when it now names something else (TOCTOU);
//! - every response body is bounded ([`RegistryOptions`]), redirects are followed only for
//!   reads, at most [`RegistryOptions::max_redirects`] times, never from HTTPS down to HTTP;
//! - plain HTTP is spoken only to loopback registries or when [`RegistryOptions::insecure`] is
//!   set.
//!
//! Credentials belong to one registry host. [`RegistryOptions::credentials`] lists
//! [`CredentialProvider`]s, asked for the client's registry (`HOST[:PORT]`) the first time it
//! answers `401`: [`HostCredentials`] (one host's credentials, also from
//! `STELLA_REGISTRY_HOST` / `STELLA_REGISTRY_USERNAME` / `STELLA_REGISTRY_PASSWORD`) and
//! [`DockerConfig`] (docker's and podman's credential files and `docker-credential-*`
//! helpers). The order `stella` uses ([`RegistryOptions::from_env`]) is [`CREDENTIAL_LOOKUP`]:
//!
//! 1. `STELLA_REGISTRY_HOST` + `STELLA_REGISTRY_USERNAME` + `STELLA_REGISTRY_PASSWORD`, only
//!    when the host is the image's registry (a user name or password without the host is
//!    [`RegistryError::CredentialEnv`]);
//! 2. `$REGISTRY_AUTH_FILE`, else `${XDG_RUNTIME_DIR}/containers/auth.json`;
//! 3. `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json`;
//! 4. `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`;
//!
//! in each file `credHelpers[host]`, else `credsStore`, else `auths[host]`. The credentials are
//! sent only to the registry's own origin (basic) and to the token realm of a challenge that
//! origin sent (basic, or an identity token's refresh grant), and only over HTTPS or to a
//! loopback host, even with [`RegistryOptions::insecure`]
//! ([`RegistryError::InsecureCredentials`]); the token obtained goes only to the registry's
//! origin. Nothing is sent along a redirect to another origin, a `401` from another origin
//! (blob storage) is not answered ([`RegistryError::ForeignChallenge`]), URLs with userinfo
//! are refused ([`RegistryError::UrlCredentials`]), and no password, token or
//! `Authorization` header appears in `Debug` output or errors.
//!
//! Manifests and indexes of both the OCI and the Docker v2 media types are read; platform
//! selection in an index is the scanner's ([`stella_scan::image::resolve`], `linux/amd64` by
//! default), available here as [`RegistryImage::resolve_platform`]. A [`BlobStore`] given with
//! [`RegistryImage::with_store`] caches every verified blob; [`RegistryImage::copy_to_store`]
//! pulls one platform's whole image into a store.
//!
//! Not supported (each fails with a typed error, never a guess): schema-1 manifests
//! ([`RegistryError::UnsupportedMediaType`]), digests other than SHA-256, challenges other
//! than `Bearer` and `Basic`, `~/.dockercfg` (docker's pre-1.7 file) and containers'
//! `registries.conf` credential-helper lists (not read: no credentials from them), chunked
//! uploads and cross-repository mounts when pushing, a `Location` that is a
//! relative path other than an absolute path (`/…`). A blob served with `Content-Encoding:
//! gzip` is decoded by the HTTP client and then fails its digest check (we ask for `identity`).
//! With a [`BlobStore`], a layer read through [`ImageSource::open_blob`] is stored first and
//! then read back whole (the trait has no streaming read); without one it streams.
//!
//! Pushing ([`RegistryClient::push_blob`], [`RegistryClient::push_manifest`],
//! [`RegistryClient::push_image`]: a monolithic `POST` + `PUT` upload, then the manifest) is here
//! so tests can load a real registry with our own code.
//!
//! ```no_run
//! use stella::image::registry::{RegistryClient, RegistryOptions, RegistryRef};
//! use stella_core::ImageSource;
//!
//! let reference = RegistryRef::parse("127.0.0.1:5000/team/app:v1")?;
//! let client = RegistryClient::new(&reference, RegistryOptions::default())?;
//! let image = client.pull(&reference)?; // the tag is resolved to a digest here, once
//! println!("pulled {}", image.digest());
//! let root = image.root()?; // the manifest or index, verified against that digest
//! image.confirm_tag()?; // fails with RegistryError::TagMoved if the tag moved meanwhile
//! # let _ = root;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod auth;
mod credentials;
mod http;
mod reference;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use stella_core::{
    BlobStore, CoreError, Descriptor, Digest, ImageSource, MEDIA_TYPE_DOCKER_MANIFEST,
    MEDIA_TYPE_DOCKER_MANIFEST_LIST, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST,
};
use stella_scan::image::{ImageIndex, ImageManifest, Platform, ResolvedImage};
use stella_scan::{ScanError, ScanLimits};

pub use auth::Credentials;
pub use credentials::{
    CREDENTIAL_LOOKUP, ConfigProblem, CredentialProvider, DockerConfig, HelperProblem,
    HostCredentials, canonical_registry,
};
pub use reference::{DOCKER_HUB, RegistryRef};

use http::{Timing, Transport};

/// The manifest media types asked for (`Accept`) and read.
pub const MANIFEST_MEDIA_TYPES: [&str; 4] = [
    MEDIA_TYPE_OCI_INDEX,
    MEDIA_TYPE_OCI_MANIFEST,
    MEDIA_TYPE_DOCKER_MANIFEST_LIST,
    MEDIA_TYPE_DOCKER_MANIFEST,
];

/// Everything that can go wrong talking to a registry.
///
/// Through the [`ImageSource`] trait these become [`CoreError`]s: a digest mismatch is
/// [`CoreError::DigestMismatch`], a size limit [`CoreError::LimitExceeded`], a `404` for a blob
/// [`CoreError::NotFound`], everything else [`CoreError::Backend`] with this error as its
/// source (`backend` = `"registry"`), so callers can downcast to match on it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The image reference could not be parsed.
    #[error("invalid image reference {input:?}: {reason}")]
    Reference {
        /// The reference (truncated).
        input: String,
        /// What was wrong.
        reason: &'static str,
    },
    /// Plain HTTP to a host that is not loopback, without the `insecure` option (or an HTTPS
    /// to HTTP redirect).
    #[error("refusing plain HTTP to {url} (only loopback registries, or with the insecure option)")]
    InsecureTransport {
        /// The URL refused.
        url: String,
    },
    /// The request could not be sent or the response not read (connection, TLS, timeout).
    #[error("{method} {url}: {source}")]
    Transport {
        /// The HTTP method.
        method: &'static str,
        /// The URL.
        url: String,
        /// What failed.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The registry answered with an unexpected status.
    #[error("{method} {url}: HTTP {status}{}", if codes.is_empty() { String::new() } else { format!(" ({})", codes.join(", ")) })]
    Status {
        /// The HTTP method.
        method: &'static str,
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
        /// The distribution error codes of the body (`MANIFEST_UNKNOWN`, `BLOB_UNKNOWN`,
        /// `DENIED`, …), when it had any.
        codes: Vec<String>,
    },
    /// Still `401` after answering the registry's challenge, or a challenge needing
    /// credentials that were not given.
    #[error("{url}: unauthorized ({reason})")]
    Unauthorized {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A `WWW-Authenticate` challenge that is missing, malformed or of an unknown scheme.
    #[error("{url}: unsupported authentication challenge {challenge:?}")]
    UnsupportedChallenge {
        /// The URL that answered `401`.
        url: String,
        /// The header (truncated).
        challenge: String,
    },
    /// The token endpoint answered without a usable token.
    #[error("token endpoint {realm}: {reason}")]
    Token {
        /// The realm URL.
        realm: String,
        /// What was wrong.
        reason: String,
    },
    /// Bytes did not hash to the digest that named them.
    #[error("{url}: content does not match its digest: expected {expected}, got {actual}")]
    DigestMismatch {
        /// Where the bytes came from.
        url: String,
        /// The digest asked for.
        expected: Digest,
        /// The digest of what was received.
        actual: Digest,
    },
    /// A `Docker-Content-Digest` header that disagrees with the bytes received.
    #[error("{url}: Docker-Content-Digest {header:?} does not match the content ({actual})")]
    DigestHeaderMismatch {
        /// Where the bytes came from.
        url: String,
        /// The header value (truncated).
        header: String,
        /// The digest of what was received.
        actual: Digest,
    },
    /// A response larger than the configured limit (by its `Content-Length`, or by counting).
    #[error("{url}: {what} exceeds {max} bytes (at least {actual})")]
    TooLarge {
        /// Where.
        url: String,
        /// Which limit (`manifest`, `blob`, `token response`, …).
        what: &'static str,
        /// The limit.
        max: u64,
        /// The size announced or seen (a lower bound when counting stopped).
        actual: u64,
    },
    /// More redirects than [`RegistryOptions::max_redirects`].
    #[error("{url}: more than {max} redirects")]
    TooManyRedirects {
        /// The URL first asked.
        url: String,
        /// The limit.
        max: u32,
    },
    /// A redirect without a usable `Location`.
    #[error("{url}: bad redirect: {reason}")]
    BadRedirect {
        /// The URL that redirected.
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// A manifest of a media type that is not read (schema 1, an artifact, …).
    #[error("{url}: unsupported manifest media type {media_type:?}")]
    UnsupportedMediaType {
        /// The manifest URL.
        url: String,
        /// Its media type.
        media_type: String,
    },
    /// A manifest whose `mediaType` is another manifest type than its `Content-Type`.
    #[error("{url}: Content-Type {header:?} but the manifest says mediaType {body:?}")]
    MediaTypeMismatch {
        /// The manifest URL.
        url: String,
        /// The `Content-Type` (without parameters).
        header: String,
        /// The manifest's `mediaType` (truncated).
        body: String,
    },
    /// The tag names another digest than when it was resolved for the pull.
    #[error("tag {reference} moved during the pull: resolved to {pulled}, now {now}")]
    TagMoved {
        /// The reference (with its tag).
        reference: String,
        /// The digest pulled.
        pulled: Digest,
        /// The digest the tag names now.
        now: Digest,
    },
    /// A response that breaks the distribution protocol (a missing `Location`, bad JSON …).
    #[error("{url}: {reason}")]
    Protocol {
        /// Where.
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// The blob store caching pulled blobs failed.
    #[error("blob store: {0}")]
    Store(#[source] CoreError),
    /// Credentials would cross plain HTTP to a host that is not loopback (a plain-HTTP
    /// registry, or a token realm on plain HTTP): refused, with or without
    /// [`RegistryOptions::insecure`].
    #[error(
        "refusing to send registry credentials over plain HTTP to {url} (HTTPS, or loopback only)"
    )]
    InsecureCredentials {
        /// Where they would have gone (userinfo redacted).
        url: String,
    },
    /// A `401` from another origin than the registry's (blob storage a redirect led to): not
    /// answered with the registry's credentials or a token for them.
    #[error("{url} asks for credentials, but it is not the registry {registry}: none are sent")]
    ForeignChallenge {
        /// The URL that answered `401`.
        url: String,
        /// The registry's base URL.
        registry: String,
    },
    /// A URL with userinfo (`user:password@host`) in a redirect, realm or upload location.
    #[error("refusing a URL with credentials in it: {url}")]
    UrlCredentials {
        /// The URL, userinfo redacted.
        url: String,
    },
    /// The `STELLA_REGISTRY_*` credential variables are incomplete or invalid.
    #[error("{variable} {reason}")]
    CredentialEnv {
        /// The variable at fault.
        variable: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// A credential file (docker `config.json`, containers `auth.json`) could not be used.
    #[error("credential file {}: {reason}", path.display())]
    CredentialConfig {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        reason: ConfigProblem,
    },
    /// The credential helper the config names for a registry could not give its credentials.
    #[error("credential helper docker-credential-{helper} for {registry}: {problem}")]
    CredentialHelper {
        /// The helper's name (after `docker-credential-`).
        helper: String,
        /// The registry (canonical `HOST[:PORT]`).
        registry: String,
        /// What went wrong.
        problem: HelperProblem,
    },
}

impl From<RegistryError> for CoreError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::DigestMismatch {
                expected, actual, ..
            } => CoreError::DigestMismatch { expected, actual },
            RegistryError::TooLarge {
                what, max, actual, ..
            } => CoreError::LimitExceeded {
                limit: what,
                max,
                actual,
            },
            RegistryError::Store(e) => e,
            other => CoreError::Backend {
                backend: "registry",
                source: Box::new(other),
            },
        }
    }
}

impl From<RegistryError> for ScanError {
    fn from(e: RegistryError) -> Self {
        ScanError::Core(e.into())
    }
}

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
    transport: Transport,
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
        reason: format!("manifest is not JSON: {e}"),
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

fn check_digest_header(
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

    fn manifest_url(&self, repository: &str, reference: &str) -> String {
        format!(
            "{}/v2/{repository}/manifests/{reference}",
            self.transport.base()
        )
    }

    fn blob_url(&self, repository: &str, digest: &Digest) -> String {
        format!("{}/v2/{repository}/blobs/{digest}", self.transport.base())
    }

    fn get_manifest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<FetchedManifest, RegistryError> {
        let url = self.manifest_url(repository, reference);
        let accept = MANIFEST_MEDIA_TYPES.join(", ");
        let response = self.transport.request(
            Timing::Whole,
            http::Method::Get,
            &url,
            &[("accept", accept.as_str())],
            None,
        )?;
        let response = http::expect_status(response, "GET", &url, &[200])?;
        let content_type = http::header(&response, "content-type");
        let digest_header = http::header(&response, "docker-content-digest");
        let max = self.options().max_manifest_bytes;
        let bytes = http::read_body(response, &url, "manifest", max)?;
        let digest = Digest::of(&bytes);
        check_digest_header(&url, digest_header.as_deref(), &digest)?;
        let media_type = manifest_media_type(&url, &bytes, content_type.as_deref())?;
        Ok(FetchedManifest {
            bytes,
            digest,
            media_type,
        })
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
                reason: "upload session answer has no Location".into(),
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
        let url = self.manifest_url(repository, reference);
        let response = self.transport.request(
            Timing::Whole,
            http::Method::Put,
            &url,
            &[("content-type", media_type)],
            Some(bytes),
        )?;
        let response = http::expect_status(response, "PUT", &url, &[201, 204])?;
        let digest = Digest::of(bytes);
        check_digest_header(
            &url,
            http::header(&response, "docker-content-digest").as_deref(),
            &digest,
        )?;
        Ok(digest)
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
        let is_index = node.media_type == MEDIA_TYPE_OCI_INDEX
            || node.media_type == MEDIA_TYPE_DOCKER_MANIFEST_LIST;
        if is_index {
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

/// Most manifests and configs held in memory by one [`RegistryImage`].
const MAX_CACHED_METADATA: usize = 256;
/// Most bytes of manifests and configs held in memory by one [`RegistryImage`].
const MAX_CACHED_BYTES: usize = 64 << 20;

/// An image pulled from a registry by digest, served as an [`ImageSource`] whose root is the
/// manifest or index that digest names. Manifests (the root, and the entries of any index read
/// through it) come from `/v2/NAME/manifests/DIGEST`, everything else from
/// `/v2/NAME/blobs/DIGEST`; all of it is verified, and small objects are kept in memory.
///
/// ```no_run
/// use stella::image::registry::{RegistryClient, RegistryOptions, RegistryRef};
/// use stella_scan::{ScanLimits, image::Platform};
///
/// let reference = RegistryRef::parse("localhost:5000/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")?;
/// let image = RegistryClient::new(&reference, RegistryOptions::default())?.pull(&reference)?;
/// let arm = image.resolve_platform(Some(&Platform::parse("linux/arm64")?), &ScanLimits::default())?;
/// println!("{} layers", arm.layers.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RegistryImage {
    client: Arc<RegistryClient>,
    reference: RegistryRef,
    resolved_from_tag: bool,
    root: FetchedManifest,
    manifests: Mutex<BTreeSet<Digest>>,
    cache: Mutex<BTreeMap<Digest, Vec<u8>>>,
    store: Option<Arc<dyn BlobStore>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn is_index_media_type(media_type: &str) -> bool {
    media_type == MEDIA_TYPE_OCI_INDEX || media_type == MEDIA_TYPE_DOCKER_MANIFEST_LIST
}

impl RegistryImage {
    /// Pulls `reference` with a shared client (see [`RegistryClient::pull`]).
    pub fn open(
        client: Arc<RegistryClient>,
        reference: &RegistryRef,
    ) -> Result<Self, RegistryError> {
        let (digest, resolved_from_tag) = match (&reference.digest, &reference.tag) {
            (Some(d), _) => (*d, false),
            (None, Some(tag)) => (client.resolve_tag(&reference.repository, tag)?, true),
            (None, None) => {
                return Err(RegistryError::Reference {
                    input: reference.to_string(),
                    reason: "neither tag nor digest",
                });
            }
        };
        let root = client.fetch_manifest(&reference.repository, &digest)?;
        let image = Self {
            client,
            reference: reference.with_digest(digest),
            resolved_from_tag,
            manifests: Mutex::new(BTreeSet::from([digest])),
            cache: Mutex::new(BTreeMap::new()),
            store: None,
            root,
        };
        image.note_children(&image.root.media_type, &image.root.bytes);
        Ok(image)
    }

    /// Caches every verified blob (manifests, configs, layers) in `store`, and serves blobs
    /// the store already holds from it. A blob that fails verification is never stored.
    pub fn with_store(mut self, store: Arc<dyn BlobStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The digest pulled (of the root manifest or index).
    pub fn digest(&self) -> Digest {
        self.root.digest
    }

    /// The reference, pinned to [`RegistryImage::digest`].
    pub fn reference(&self) -> &RegistryRef {
        &self.reference
    }

    /// The root manifest or index as received.
    pub fn root_manifest(&self) -> &FetchedManifest {
        &self.root
    }

    /// For a pull by tag: resolves the tag again and fails with [`RegistryError::TagMoved`]
    /// unless it still names the digest pulled. A pull by digest has nothing to confirm.
    pub fn confirm_tag(&self) -> Result<(), RegistryError> {
        let (true, Some(tag)) = (self.resolved_from_tag, &self.reference.tag) else {
            return Ok(());
        };
        let now = self.client.resolve_tag(&self.reference.repository, tag)?;
        if now != self.root.digest {
            return Err(RegistryError::TagMoved {
                reference: RegistryRef {
                    digest: None,
                    ..self.reference.clone()
                }
                .to_string(),
                pulled: self.root.digest,
                now,
            });
        }
        Ok(())
    }

    /// Picks one platform's manifest (default `linux/amd64`) and its config, fetching and
    /// verifying them: the scanner's own selection ([`stella_scan::image::resolve`]).
    pub fn resolve_platform(
        &self,
        platform: Option<&Platform>,
        limits: &ScanLimits,
    ) -> Result<ResolvedImage, ScanError> {
        stella_scan::image::resolve(self, platform, limits)
    }

    /// Pulls one platform's whole image into `store`: the root, any index on the way, the
    /// manifest, the config and every layer (streamed, verified before it is published).
    /// Returns every digest stored, root first then in manifest order.
    pub fn copy_to_store(
        &self,
        store: &dyn BlobStore,
        platform: Option<&Platform>,
        limits: &ScanLimits,
    ) -> Result<Vec<Digest>, ScanError> {
        let resolved = self.resolve_platform(platform, limits)?;
        let mut stored = Vec::new();
        let mut seen = BTreeSet::new();
        let metadata: Vec<Digest> = {
            let manifests = lock(&self.manifests);
            let mut list = vec![self.root.digest];
            list.extend(
                manifests
                    .iter()
                    .filter(|d| **d == resolved.manifest_digest || self.is_cached(d))
                    .copied(),
            );
            list.push(resolved.manifest_digest);
            list.push(resolved.config_digest);
            list
        };
        for digest in metadata {
            if !seen.insert(digest) {
                continue;
            }
            let bytes = self.blob(&digest)?;
            put_checked(store, &digest, &bytes)?;
            stored.push(digest);
        }
        for layer in &resolved.layers {
            if !seen.insert(layer.digest) {
                continue;
            }
            if !store.contains(&layer.digest)? {
                let mut reader = self
                    .client
                    .open_blob(&self.reference.repository, &layer.digest)?;
                let got = store.put_reader(&mut reader)?;
                if got != layer.digest {
                    return Err(ScanError::Core(CoreError::DigestMismatch {
                        expected: layer.digest,
                        actual: got,
                    }));
                }
            }
            stored.push(layer.digest);
        }
        Ok(stored)
    }

    fn is_cached(&self, digest: &Digest) -> bool {
        lock(&self.cache).contains_key(digest)
    }

    fn is_manifest(&self, digest: &Digest) -> bool {
        lock(&self.manifests).contains(digest)
    }

    /// Records the entries of an index as manifests (fetched from the manifests endpoint).
    fn note_children(&self, media_type: &str, bytes: &[u8]) {
        let looks_like_index = is_index_media_type(media_type)
            || (!media_type.contains("manifest")
                && serde_json::from_slice::<serde_json::Value>(bytes)
                    .is_ok_and(|v| v.get("manifests").is_some()));
        if !looks_like_index {
            return;
        }
        if let Ok(index) = serde_json::from_slice::<ImageIndex>(bytes) {
            let mut manifests = lock(&self.manifests);
            for entry in index.manifests.iter().take(10_000) {
                if MANIFEST_MEDIA_TYPES.contains(&entry.media_type.as_str()) {
                    manifests.insert(entry.digest);
                }
            }
        }
    }

    fn fetch_small(&self, digest: &Digest) -> Result<Vec<u8>, RegistryError> {
        if *digest == self.root.digest {
            return Ok(self.root.bytes.clone());
        }
        if let Some(bytes) = lock(&self.cache).get(digest) {
            return Ok(bytes.clone());
        }
        if let Some(store) = &self.store
            && store.contains(digest).map_err(RegistryError::Store)?
        {
            let bytes = store.get(digest).map_err(RegistryError::Store)?;
            if self.is_manifest(digest) {
                // A nested index read from the store still names manifests.
                self.note_children("", &bytes);
            }
            return self.remember(digest, bytes);
        }
        let repository = &self.reference.repository;
        let bytes = if self.is_manifest(digest) {
            let fetched = self.client.fetch_manifest(repository, digest)?;
            self.note_children(&fetched.media_type, &fetched.bytes);
            fetched.bytes
        } else {
            let max = self.client.options().max_metadata_bytes;
            self.client.fetch_blob(repository, digest, max)?
        };
        if let Some(store) = &self.store {
            put_checked(store.as_ref(), digest, &bytes).map_err(RegistryError::Store)?;
        }
        self.remember(digest, bytes)
    }

    fn remember(&self, digest: &Digest, bytes: Vec<u8>) -> Result<Vec<u8>, RegistryError> {
        let mut cache = lock(&self.cache);
        let held: usize = cache.values().map(Vec::len).sum();
        if cache.len() < MAX_CACHED_METADATA && held.saturating_add(bytes.len()) <= MAX_CACHED_BYTES
        {
            cache.insert(*digest, bytes.clone());
        }
        Ok(bytes)
    }
}

fn put_checked(store: &dyn BlobStore, digest: &Digest, bytes: &[u8]) -> Result<(), CoreError> {
    let got = store.put(bytes)?;
    if got != *digest {
        return Err(CoreError::DigestMismatch {
            expected: *digest,
            actual: got,
        });
    }
    Ok(())
}

impl ImageSource for RegistryImage {
    fn root(&self) -> Result<Descriptor, CoreError> {
        Ok(self.root.descriptor())
    }

    fn blob(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        Ok(self.fetch_small(digest)?)
    }

    fn open_blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>, CoreError> {
        if *digest == self.root.digest || self.is_manifest(digest) || self.is_cached(digest) {
            return Ok(Box::new(Cursor::new(self.fetch_small(digest)?)));
        }
        let repository = &self.reference.repository;
        match &self.store {
            Some(store) => {
                if !store.contains(digest)? {
                    let mut reader = self.client.open_blob(repository, digest)?;
                    let got = store.put_reader(&mut reader)?;
                    if got != *digest {
                        return Err(CoreError::DigestMismatch {
                            expected: *digest,
                            actual: got,
                        });
                    }
                }
                // Held in memory: the BlobStore trait reads whole blobs.
                Ok(Box::new(Cursor::new(store.get(digest)?)))
            }
            None => Ok(self.client.open_blob(repository, digest)?),
        }
    }

    fn index(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        lock(&self.manifests).insert(*digest);
        self.blob(digest)
    }

    fn manifest(&self, digest: &Digest) -> Result<Vec<u8>, CoreError> {
        lock(&self.manifests).insert(*digest);
        self.blob(digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            Err(RegistryError::Protocol { .. })
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

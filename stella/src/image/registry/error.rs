//! The registry client's error type, and how it maps to the core and scan errors.

use stella_core::{CoreError, Digest};
use stella_scan::ScanError;

#[cfg(doc)]
use super::RegistryOptions;
use super::{ConfigProblem, HelperProblem};
#[cfg(doc)]
use stella_core::ImageSource;

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
        reason: AuthProblem,
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
        /// The realm URL (userinfo redacted).
        realm: String,
        /// What was wrong.
        reason: TokenProblem,
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
        reason: RedirectProblem,
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
        reason: ProtocolProblem,
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

/// Why a registry (or its token endpoint) still answers `401`: [`RegistryError::Unauthorized`].
///
/// ```
/// use stella::image::registry::AuthProblem;
///
/// assert_eq!(AuthProblem::CredentialsRefused.to_string(), "credentials refused");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthProblem {
    /// The registry asks for basic credentials and no provider has any for it.
    #[error("the registry asks for basic credentials and none were found for it")]
    NoBasicCredentials,
    /// The credentials (or token) just obtained are the ones already refused.
    #[error("credentials refused")]
    CredentialsRefused,
    /// Still `401` after answering the challenge with the registry's credentials.
    #[error("still 401 with the credentials found for this registry")]
    RefusedWithCredentials,
    /// Still `401` after answering the challenge with an anonymous token.
    #[error("still 401 with an anonymous token (credentials may be needed)")]
    RefusedAnonymous,
    /// The token endpoint answered `401`.
    #[error("the token endpoint refused the credentials")]
    TokenEndpointRefused,
}

/// What was wrong with a token endpoint's answer: [`RegistryError::Token`]. No part of the
/// answer is echoed (it could hold a token).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenProblem {
    /// The challenge's realm is not an `http(s)://` URL.
    #[error("realm is not an http(s) URL")]
    RealmNotHttp,
    /// The answer is not JSON.
    #[error("answer is not token JSON (error at line {line}, column {column})")]
    NotJson {
        /// The line of the error.
        line: usize,
        /// The column of the error.
        column: usize,
    },
    /// The JSON has no non-empty `token` or `access_token`.
    #[error("answer has neither token nor access_token")]
    NoToken,
    /// The token has characters that cannot go in an `Authorization` header.
    #[error("token has characters not allowed in a header")]
    NotHeaderSafe,
}

/// What was wrong with a redirect or an upload `Location`: [`RegistryError::BadRedirect`].
/// `location` is the header's value, truncated to 200 characters, userinfo redacted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RedirectProblem {
    /// A redirect status without a `Location` header.
    #[error("HTTP {status} without Location")]
    NoLocation {
        /// The redirect status.
        status: u16,
    },
    /// A `Location` longer than 8 KiB.
    #[error("Location too long: {location:?}")]
    TooLong {
        /// The `Location` (truncated, userinfo redacted).
        location: String,
    },
    /// A `Location` that is not a URL.
    #[error("unparsable Location: {location:?}")]
    Unparsable {
        /// The `Location` (truncated, userinfo redacted).
        location: String,
    },
    /// The URL the `Location` is relative to could not be parsed.
    #[error("unparsable base URL: {location:?}")]
    UnparsableBase {
        /// The `Location` (truncated, userinfo redacted).
        location: String,
    },
    /// The URL the `Location` is relative to has no scheme or host.
    #[error("base URL without origin: {location:?}")]
    BaseWithoutOrigin {
        /// The `Location` (truncated, userinfo redacted).
        location: String,
    },
    /// A relative `Location` other than an absolute path (`/…`), or another scheme.
    #[error("relative Location that is not an absolute path: {location:?}")]
    NotAbsolutePath {
        /// The `Location` (truncated, userinfo redacted).
        location: String,
    },
}

/// How a response breaks the distribution protocol: [`RegistryError::Protocol`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolProblem {
    /// A manifest that is not JSON (the parser's message: a manifest holds no secret).
    #[error("manifest is not JSON: {0}")]
    ManifestNotJson(serde_json::Error),
    /// The answer opening an upload session has no `Location`.
    #[error("upload session answer has no Location")]
    UploadWithoutLocation,
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

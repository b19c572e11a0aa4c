//! The HTTP side of the registry client: `ureq` agents (loopback hosts never through a proxy) with
//! our own redirect handling (so credentials never follow a redirect to another origin and HTTPS
//! never downgrades), the token flow, and bounded body reads.
//!
//! Where credentials go: the registry's credentials (looked up when the registry first
//! answers `401`) are sent only to the registry's own origin (basic) or to the token realm of
//! a challenge the registry's origin itself sent (basic, or an identity token), and only over
//! HTTPS or to a loopback host ([`credentials_may_go_to`]); the token obtained is sent only to
//! the registry's origin. A `401` from any other origin (blob storage a redirect led to) is
//! not answered. URLs with userinfo (`user:password@`) are refused everywhere.

use std::io::{self, Read};
use std::sync::Mutex;

use stella_core::{CoreError, Digest, VerifyingReader};
use ureq::Body;
use ureq::http::{Response, Uri};

use super::auth::{Challenge, Credentials, parse_challenge};
use super::reference::is_loopback_host;
use super::{AuthProblem, RedirectProblem, RegistryError, RegistryOptions, TokenProblem, lock};

/// Largest token-endpoint answer read.
const MAX_TOKEN_RESPONSE: u64 = 1 << 20;
/// Largest error body read (for its distribution error codes).
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// The HTTP methods the client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    /// Existence checks (pushes, the referrers tag schema).
    Head,
    Post,
    /// Pushes (blobs, manifests, artifacts, the referrers tag schema's index).
    Put,
}

impl Method {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }

    /// Whether redirects are followed: for reads (`GET`, `HEAD`) only.
    fn follows_redirects(self) -> bool {
        matches!(self, Method::Get | Method::Head)
    }
}

/// How long a call may take as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timing {
    /// Small answers (manifests, tokens, configs, errors): the whole call, body included, is
    /// bounded by [`RegistryOptions::request_timeout`].
    Whole,
    /// Streams (layers, uploads): only each read is bounded
    /// ([`RegistryOptions::read_timeout`]).
    Stream,
}

/// The `Authorization` header in use for the registry's origin, and the registry's
/// credentials once looked up. `Debug` shows neither.
#[derive(Default)]
struct AuthState {
    header: Option<String>,
    /// `None` until looked up; then the answer of the providers.
    credentials: Option<Option<Credentials>>,
}

impl std::fmt::Debug for AuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthState")
            .field("header", &self.header.as_ref().map(|_| "<redacted>"))
            .field("credentials", &self.credentials)
            .finish()
    }
}

/// One registry's HTTP transport.
#[derive(Debug)]
pub(crate) struct Transport {
    /// For every host but loopback: with the environment's proxy, if any.
    agent: ureq::Agent,
    /// For loopback hosts: never through a proxy (an environment proxy must not see, or
    /// break, loopback traffic: plain HTTP, credentials included, is allowed there only
    /// because it never leaves the machine).
    direct: ureq::Agent,
    base: String,
    /// The registry's name as the reference gives it (what credentials are looked up for).
    registry: String,
    options: RegistryOptions,
    auth: Mutex<AuthState>,
}

/// Whether credentials (or a token obtained with them) may be sent to `url`: over HTTPS, or
/// over plain HTTP to a loopback host only (even with [`RegistryOptions::insecure`], which
/// allows plain HTTP for anonymous pulls). A URL with userinfo never.
pub(crate) fn credentials_may_go_to(url: &str) -> bool {
    let Ok(uri) = url.parse::<Uri>() else {
        return false;
    };
    let Some(authority) = uri.authority() else {
        return false;
    };
    if authority.as_str().contains('@') {
        return false;
    }
    match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("https") => true,
        Some("http") => is_loopback_host(authority.as_str()),
        _ => false,
    }
}

/// Where the authority (`[userinfo@]host[:port]`) of `url` starts and ends, read as text (the
/// URL need not parse): after `scheme://`, after a leading `//`, or (a bare `userinfo@host/…`)
/// at the start; up to the first `/`, `?` or `#`.
fn authority_span(url: &str) -> (usize, usize) {
    let first_delimiter = url.find(['/', '?', '#']).unwrap_or(url.len());
    let start = match url.find("://") {
        Some(i) if i < first_delimiter => i + 3,
        _ if url.starts_with("//") => 2,
        _ => 0,
    };
    let rest = url.get(start..).unwrap_or_default();
    (
        start,
        start + rest.find(['/', '?', '#']).unwrap_or(rest.len()),
    )
}

/// Whether `url` has userinfo (`user:password@`), read as text so that a URL that does not
/// parse is caught too.
fn has_userinfo(url: &str) -> bool {
    let (start, end) = authority_span(url);
    url.get(start..end).is_some_and(|a| a.contains('@'))
}

/// `url` without userinfo, for error messages (any form [`authority_span`] reads).
fn redact_userinfo(url: &str) -> String {
    let (start, end) = authority_span(url);
    let at = url
        .get(start..end)
        .and_then(|authority| authority.rfind('@'))
        .map(|i| start + i);
    match (at, url.get(..start)) {
        (Some(at), Some(scheme)) => {
            format!("{scheme}<redacted>{}", url.get(at..).unwrap_or_default())
        }
        _ => url.to_owned(),
    }
}

/// `scheme://host[:port]` of a URL, lowercased, with the default port made explicit.
fn origin(url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let authority = uri.authority()?;
    let port = authority
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    Some(format!(
        "{scheme}://{}:{port}",
        authority.host().to_ascii_lowercase()
    ))
}

fn host_of(url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    Some(uri.authority()?.as_str().to_owned())
}

/// Resolves a `Location` against the URL that sent it: absolute URLs, and absolute paths on
/// the same origin (what registries and blob stores send).
pub(crate) fn resolve_location(base: &str, location: &str) -> Result<String, RegistryError> {
    let shown = || {
        redact_userinfo(location)
            .chars()
            .take(200)
            .collect::<String>()
    };
    let bad = |problem: fn(String) -> RedirectProblem| RegistryError::BadRedirect {
        url: base.to_owned(),
        reason: problem(shown()),
    };
    let unparsable = || bad(|location| RedirectProblem::Unparsable { location });
    if location.len() > 8192 {
        return Err(bad(|location| RedirectProblem::TooLong { location }));
    }
    if location.starts_with("http://") || location.starts_with("https://") {
        location.parse::<Uri>().map_err(|_| unparsable())?;
        return Ok(location.to_owned());
    }
    if location.starts_with('/') && !location.starts_with("//") {
        let uri: Uri = base
            .parse()
            .map_err(|_| bad(|location| RedirectProblem::UnparsableBase { location }))?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(bad(|location| RedirectProblem::BaseWithoutOrigin {
                location,
            }));
        };
        let joined = format!("{scheme}://{authority}{location}");
        joined.parse::<Uri>().map_err(|_| unparsable())?;
        return Ok(joined);
    }
    Err(bad(|location| RedirectProblem::NotAbsolutePath {
        location,
    }))
}

/// A header's value as text, when present and valid.
pub(crate) fn header(response: &Response<Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn transport_err(
    method: Method,
    url: &str,
    e: impl std::error::Error + Send + Sync + 'static,
) -> RegistryError {
    RegistryError::Transport {
        method: method.as_str(),
        url: url.to_owned(),
        source: Box::new(e),
    }
}

/// Reads a whole body, refusing more than `max` bytes (by `Content-Length` first, then by
/// counting).
pub(crate) fn read_body(
    response: Response<Body>,
    url: &str,
    what: &'static str,
    max: u64,
) -> Result<Vec<u8>, RegistryError> {
    let too_large = |actual| RegistryError::TooLarge {
        url: url.to_owned(),
        what,
        max,
        actual,
    };
    let body = response.into_body();
    if let Some(len) = body.content_length()
        && len > max
    {
        return Err(too_large(len));
    }
    let mut bytes = Vec::new();
    body.into_reader()
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| transport_err(Method::Get, url, e))?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Turns an unexpected status into [`RegistryError::Status`] with the body's error codes.
pub(crate) fn expect_status(
    response: Response<Body>,
    method: &'static str,
    url: &str,
    ok: &[u16],
) -> Result<Response<Body>, RegistryError> {
    let status = response.status().as_u16();
    if ok.contains(&status) {
        return Ok(response);
    }
    #[derive(serde::Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Vec<ErrorEntry>,
    }
    #[derive(serde::Deserialize)]
    struct ErrorEntry {
        #[serde(default)]
        code: String,
    }
    let codes = read_body(response, url, "error body", MAX_ERROR_BODY)
        .ok()
        .and_then(|b| serde_json::from_slice::<Errors>(&b).ok())
        .map(|e| {
            e.errors
                .into_iter()
                .take(8)
                .map(|e| e.code.chars().take(64).collect())
                .collect()
        })
        .unwrap_or_default();
    Err(RegistryError::Status {
        method,
        url: url.to_owned(),
        status,
        codes,
    })
}

/// Fails at the first byte past `max` (a hostile server streaming forever).
struct Capped<R> {
    inner: R,
    read: u64,
    max: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read = self.read.saturating_add(n as u64);
        if self.read > self.max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                CoreError::LimitExceeded {
                    limit: "blob",
                    max: self.max,
                    actual: self.read,
                },
            ));
        }
        Ok(n)
    }
}

/// A blob body as a verified, bounded stream.
pub(crate) fn verified_stream(
    response: Response<Body>,
    url: &str,
    digest: Digest,
    max: u64,
) -> Result<Box<dyn Read + Send + 'static>, RegistryError> {
    let body = response.into_body();
    let length = body.content_length();
    if let Some(len) = length
        && len > max
    {
        return Err(RegistryError::TooLarge {
            url: url.to_owned(),
            what: "blob",
            max,
            actual: len,
        });
    }
    let capped = Capped {
        inner: body.into_reader(),
        read: 0,
        max,
    };
    Ok(Box::new(VerifyingReader::new(capped, digest, length)))
}

impl Transport {
    pub(crate) fn new(base: String, registry: String, options: RegistryOptions) -> Self {
        let config = || {
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .timeout_connect(Some(options.connect_timeout))
                .timeout_per_read(Some(options.read_timeout))
                // Blobs are verified byte for byte: ask for them as stored.
                .accept_encoding("identity")
                .user_agent(concat!("stella/", env!("CARGO_PKG_VERSION")))
        };
        Self {
            agent: ureq::Agent::new_with_config(config().build()),
            direct: ureq::Agent::new_with_config(config().proxy(None).build()),
            base,
            registry,
            options,
            auth: Mutex::new(AuthState::default()),
        }
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    pub(crate) fn options(&self) -> &RegistryOptions {
        &self.options
    }

    /// Whether plain HTTP to `url`'s host is allowed (and that it has no userinfo).
    fn check_scheme(&self, url: &str) -> Result<(), RegistryError> {
        if has_userinfo(url) {
            return Err(RegistryError::UrlCredentials {
                url: redact_userinfo(url),
            });
        }
        if url.starts_with("https://") {
            return Ok(());
        }
        let loopback = host_of(url).is_some_and(|h| is_loopback_host(&h));
        if url.starts_with("http://") && (loopback || self.options.insecure) {
            return Ok(());
        }
        Err(RegistryError::InsecureTransport {
            url: url.to_owned(),
        })
    }

    /// Whether a redirect from `current` to `next` may be followed: never from HTTPS down to
    /// plain HTTP, unless to loopback or with [`RegistryOptions::insecure`].
    fn check_redirect(&self, current: &str, next: &str) -> Result<(), RegistryError> {
        if current.starts_with("https://") && next.starts_with("http://") {
            let loopback = host_of(next).is_some_and(|h| is_loopback_host(&h));
            if !(loopback || self.options.insecure) {
                return Err(RegistryError::InsecureTransport {
                    url: redact_userinfo(next),
                });
            }
        }
        Ok(())
    }

    /// One request, following redirects for `GET`/`HEAD`. `auth` is attached only while the
    /// URL is on `auth_origin`. Returns the response and the URL that gave it.
    fn execute(
        &self,
        timing: Timing,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        auth: Option<(&str, &str)>,
    ) -> Result<(Response<Body>, String), RegistryError> {
        let mut current = url.to_owned();
        let mut hops = 0u32;
        loop {
            self.check_scheme(&current)?;
            let mut builder = ureq::http::Request::builder()
                .method(method.as_str())
                .uri(&current);
            for (name, value) in headers {
                builder = builder.header(*name, *value);
            }
            if let Some((auth_origin, value)) = auth
                && origin(&current).as_deref() == Some(auth_origin)
            {
                builder = builder.header("authorization", value);
            }
            let whole = match timing {
                Timing::Whole => Some(self.options.request_timeout),
                Timing::Stream => None,
            };
            let response = match body {
                Some(bytes) => self.run(builder.body(bytes), whole),
                None => self.run(builder.body(()), whole),
            }
            .map_err(|e| transport_err(method, &current, e))?;
            let status = response.status().as_u16();
            let redirect = matches!(status, 301 | 302 | 303 | 307 | 308);
            if !redirect || !method.follows_redirects() {
                return Ok((response, current));
            }
            hops += 1;
            if hops > self.options.max_redirects {
                return Err(RegistryError::TooManyRedirects {
                    url: url.to_owned(),
                    max: self.options.max_redirects,
                });
            }
            let location =
                header(&response, "location").ok_or_else(|| RegistryError::BadRedirect {
                    url: current.clone(),
                    reason: RedirectProblem::NoLocation { status },
                })?;
            let next = resolve_location(&current, &location)?;
            self.check_redirect(&current, &next)?;
            current = next;
        }
    }

    fn run<S: ureq::AsSendBody>(
        &self,
        request: Result<ureq::http::Request<S>, ureq::http::Error>,
        whole: Option<std::time::Duration>,
    ) -> Result<Response<Body>, ureq::Error> {
        let request = request?;
        let agent = self.agent_for(request.uri());
        let request = agent
            .configure_request(request)
            .timeout_global(whole)
            .build();
        agent.run(request)
    }

    /// The agent for a URL: [`Transport::direct`] (no proxy) for loopback hosts, whether the
    /// registry, its token realm or a redirect names them.
    fn agent_for(&self, uri: &Uri) -> &ureq::Agent {
        match uri.authority() {
            Some(a) if is_loopback_host(a.as_str()) => &self.direct,
            _ => &self.agent,
        }
    }

    /// The registry's credentials: asked of the providers once, the first time they are
    /// needed.
    fn credentials(&self) -> Result<Option<Credentials>, RegistryError> {
        if let Some(known) = &lock(&self.auth).credentials {
            return Ok(known.clone());
        }
        let mut found = None;
        for provider in &self.options.credentials {
            if let Some(c) = provider.credentials(&self.registry)? {
                found = Some(c);
                break;
            }
        }
        lock(&self.auth).credentials = Some(found.clone());
        Ok(found)
    }

    /// A request to the registry, answering one `401` challenge (bearer token or basic) that
    /// the registry's own origin sent.
    pub(crate) fn request(
        &self,
        timing: Timing,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Response<Body>, RegistryError> {
        let registry_origin = origin(&self.base).unwrap_or_default();
        let current = lock(&self.auth).header.clone();
        let (response, answered_by) = self.execute(
            timing,
            method,
            url,
            headers,
            body,
            current.as_deref().map(|h| (registry_origin.as_str(), h)),
        )?;
        if response.status().as_u16() != 401 {
            return Ok(response);
        }
        if origin(&answered_by).as_deref() != Some(registry_origin.as_str()) {
            // Blob storage (or whatever a redirect led to) asking for credentials: it gets
            // neither the registry's credentials nor a token for them.
            return Err(RegistryError::ForeignChallenge {
                url: answered_by,
                registry: self.base.clone(),
            });
        }
        let challenge_text = header(&response, "www-authenticate").unwrap_or_default();
        let unsupported = || RegistryError::UnsupportedChallenge {
            url: url.to_owned(),
            challenge: challenge_text.chars().take(300).collect(),
        };
        let challenge = parse_challenge(&challenge_text).ok_or_else(unsupported)?;
        let credentials = match challenge.scheme.as_str() {
            "bearer" | "basic" => self.credentials()?,
            _ => return Err(unsupported()),
        };
        if credentials.is_some() && !credentials_may_go_to(&self.base) {
            // A token obtained with the credentials, or the credentials themselves, would
            // cross plain HTTP.
            return Err(RegistryError::InsecureCredentials {
                url: self.base.clone(),
            });
        }
        let new_header = match (challenge.scheme.as_str(), &credentials) {
            ("bearer", _) => format!(
                "Bearer {}",
                self.fetch_token(url, &challenge, credentials.as_ref())?
            ),
            (_, Some(c)) => c.basic_header(),
            (_, None) => {
                return Err(RegistryError::Unauthorized {
                    url: url.to_owned(),
                    reason: AuthProblem::NoBasicCredentials,
                });
            }
        };
        if current.as_deref() == Some(new_header.as_str()) {
            return Err(RegistryError::Unauthorized {
                url: url.to_owned(),
                reason: AuthProblem::CredentialsRefused,
            });
        }
        lock(&self.auth).header = Some(new_header.clone());
        let (response, _) = self.execute(
            timing,
            method,
            url,
            headers,
            body,
            Some((registry_origin.as_str(), new_header.as_str())),
        )?;
        if response.status().as_u16() == 401 {
            return Err(RegistryError::Unauthorized {
                url: url.to_owned(),
                reason: if credentials.is_some() {
                    AuthProblem::RefusedWithCredentials
                } else {
                    AuthProblem::RefusedAnonymous
                },
            });
        }
        Ok(response)
    }

    /// The token flow: `GET realm?service=…&scope=…` (with basic credentials when there are
    /// some), or with an identity token the OAuth2 `POST realm` of `grant_type=refresh_token`.
    /// Credentials go to the realm only over HTTPS or to loopback.
    fn fetch_token(
        &self,
        url: &str,
        challenge: &Challenge,
        credentials: Option<&Credentials>,
    ) -> Result<String, RegistryError> {
        let realm =
            challenge
                .params
                .get("realm")
                .ok_or_else(|| RegistryError::UnsupportedChallenge {
                    url: url.to_owned(),
                    challenge: "Bearer challenge without realm".into(),
                })?;
        let token_err = |reason: TokenProblem| RegistryError::Token {
            realm: redact_userinfo(realm),
            reason,
        };
        if !(realm.starts_with("https://") || realm.starts_with("http://")) {
            return Err(token_err(TokenProblem::RealmNotHttp));
        }
        if credentials.is_some() && !credentials_may_go_to(realm) {
            return Err(RegistryError::InsecureCredentials {
                url: redact_userinfo(realm),
            });
        }
        let scopes = |key: &str| -> Vec<String> {
            challenge
                .params
                .get(key)
                .map(|value| {
                    value
                        .split(' ')
                        .filter(|p| !p.is_empty())
                        .map(|part| percent_encoding::utf8_percent_encode(part, QUERY).to_string())
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut query = Vec::new();
        for key in ["service", "scope"] {
            for part in scopes(key) {
                query.push(format!("{key}={part}"));
            }
        }
        let realm_origin = origin(realm).unwrap_or_default();
        let post = matches!(
            credentials,
            Some(Credentials {
                identity_token: Some(_),
                ..
            })
        );
        let (response, token_url) = match credentials {
            Some(Credentials {
                identity_token: Some(refresh),
                ..
            }) => {
                // OAuth2 refresh-token grant (distribution's token spec): the token in the
                // body, `scope` space-separated, never in the URL.
                let encode = |v: &str| percent_encoding::utf8_percent_encode(v, QUERY).to_string();
                let mut form = vec![
                    "grant_type=refresh_token".to_owned(),
                    "client_id=stella".to_owned(),
                    format!("refresh_token={}", encode(refresh)),
                ];
                if let Some(service) = challenge.params.get("service") {
                    form.push(format!("service={}", encode(service)));
                }
                if let Some(scope) = challenge.params.get("scope") {
                    form.push(format!("scope={}", encode(scope)));
                }
                let form = form.join("&");
                let (response, _) = self.execute(
                    Timing::Whole,
                    Method::Post,
                    realm,
                    &[
                        ("accept", "application/json"),
                        ("content-type", "application/x-www-form-urlencoded"),
                    ],
                    Some(form.as_bytes()),
                    None,
                )?;
                (response, realm.clone())
            }
            _ => {
                let separator = if realm.contains('?') { '&' } else { '?' };
                let token_url = if query.is_empty() {
                    realm.clone()
                } else {
                    format!("{realm}{separator}{}", query.join("&"))
                };
                let basic = credentials.map(Credentials::basic_header);
                let (response, _) = self.execute(
                    Timing::Whole,
                    Method::Get,
                    &token_url,
                    &[("accept", "application/json")],
                    None,
                    basic.as_deref().map(|h| (realm_origin.as_str(), h)),
                )?;
                (response, token_url)
            }
        };
        if response.status().as_u16() == 401 {
            return Err(RegistryError::Unauthorized {
                url: token_url,
                reason: AuthProblem::TokenEndpointRefused,
            });
        }
        let method = if post { "POST" } else { "GET" };
        let response = expect_status(response, method, &token_url, &[200])?;
        let bytes = read_body(response, &token_url, "token response", MAX_TOKEN_RESPONSE)?;
        #[derive(serde::Deserialize)]
        struct TokenResponse {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
        }
        // The serde message is not echoed: it could quote part of a token.
        let parsed: TokenResponse = serde_json::from_slice(&bytes).map_err(|e| {
            token_err(TokenProblem::NotJson {
                line: e.line(),
                column: e.column(),
            })
        })?;
        let token = parsed
            .token
            .filter(|t| !t.is_empty())
            .or(parsed.access_token.filter(|t| !t.is_empty()))
            .ok_or_else(|| token_err(TokenProblem::NoToken))?;
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(token_err(TokenProblem::NotHeaderSafe));
        }
        Ok(token)
    }
}

/// What is escaped in a query value: everything but RFC 3986 unreserved characters.
const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_make_default_ports_explicit() {
        assert_eq!(
            origin("https://Example.com/v2/").as_deref(),
            Some("https://example.com:443")
        );
        assert_eq!(
            origin("http://127.0.0.1:5000/x").as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert_ne!(origin("http://a:80/"), origin("https://a/"));
    }

    #[test]
    fn locations_resolve_or_are_refused() {
        let base = "https://r.example/v2/a/blobs/sha256:00";
        assert_eq!(
            resolve_location(base, "/v2/a/blobs/uploads/x?_state=1").unwrap(),
            "https://r.example/v2/a/blobs/uploads/x?_state=1"
        );
        assert_eq!(
            resolve_location(base, "https://cdn.example/b?sig=1").unwrap(),
            "https://cdn.example/b?sig=1"
        );
        for bad in [
            "relative/path",
            "//evil.example/x",
            "ftp://x/y",
            "javascript:1",
        ] {
            assert!(resolve_location(base, bad).is_err(), "{bad}");
        }
        assert!(matches!(
            resolve_location(base, "relative/path"),
            Err(RegistryError::BadRedirect {
                reason: RedirectProblem::NotAbsolutePath { location },
                ..
            }) if location == "relative/path"
        ));
        assert!(matches!(
            resolve_location(base, &format!("/{}", "a".repeat(9000))),
            Err(RegistryError::BadRedirect {
                reason: RedirectProblem::TooLong { location },
                ..
            }) if location.len() == 200
        ));
    }

    #[test]
    fn credentials_go_over_https_or_to_loopback_only() {
        for ok in [
            "https://auth.example/token",
            "HTTPS://auth.example:8443/token?x=1",
            "http://127.0.0.1:5000/token",
            "http://localhost/token",
            "http://[::1]:80/token",
        ] {
            assert!(credentials_may_go_to(ok), "{ok}");
        }
        for refused in [
            // A realm on another host over plain HTTP.
            "http://auth.example/token",
            "http://10.0.0.1:5000/token",
            "http://localhost.example/token",
            "http://127.0.0.1.nip.io/token",
            // Userinfo, other schemes, garbage.
            "https://user:pw@auth.example/token",
            "http://u@127.0.0.1/token",
            "ftp://auth.example/token",
            "auth.example/token",
            "",
        ] {
            assert!(!credentials_may_go_to(refused), "{refused}");
        }
    }

    #[test]
    fn loopback_urls_never_go_through_a_proxy() {
        let t = Transport::new(
            "https://r.example".into(),
            "r.example".into(),
            RegistryOptions::default(),
        );
        assert!(t.direct.config().proxy().is_none());
        for loopback in [
            "http://localhost:5000/token",
            "http://127.0.0.1/v2/",
            "http://[::1]:8080/x",
        ] {
            let uri: Uri = loopback.parse().unwrap();
            assert!(std::ptr::eq(t.agent_for(&uri), &t.direct), "{loopback}");
        }
        let uri: Uri = "https://r.example/v2/".parse().unwrap();
        assert!(std::ptr::eq(t.agent_for(&uri), &t.agent));
    }

    #[test]
    fn userinfo_is_redacted() {
        assert_eq!(
            redact_userinfo("https://ci:s3cret@r.example/v2/?a=b@c"),
            "https://<redacted>@r.example/v2/?a=b@c"
        );
        assert_eq!(
            redact_userinfo("https://r.example/x@y"),
            "https://r.example/x@y"
        );
    }

    #[test]
    fn userinfo_of_any_url_form_is_redacted() {
        assert_eq!(
            redact_userinfo("//ci:s3cret@evil.example/x"),
            "//<redacted>@evil.example/x"
        );
        assert_eq!(
            redact_userinfo("ci:s3cret@evil.example/x"),
            "<redacted>@evil.example/x"
        );
        assert_eq!(redact_userinfo("/v2/a@b"), "/v2/a@b");
    }

    #[test]
    fn bad_locations_do_not_echo_userinfo() {
        let base = "https://r.example/v2/a/blobs/sha256:00";
        let long = format!("https://ci:s3cret@cdn.example/{}", "a".repeat(9000));
        for location in [
            "ftp://ci:s3cret@cdn.example/b",
            "//ci:s3cret@cdn.example/b",
            "https://ci:s3cret@cdn.example/a b",
            "ci:s3cret@cdn.example/b",
            long.as_str(),
        ] {
            let err = resolve_location(base, location).unwrap_err();
            assert!(
                matches!(err, RegistryError::BadRedirect { .. }),
                "{location}: {err}"
            );
            let text = format!("{err} {err:?}");
            assert!(!text.contains("s3cret"), "{text}");
        }
    }

    #[test]
    fn urls_with_userinfo_are_refused_unechoed_even_unparsable() {
        let t = Transport::new(
            "https://r.example".into(),
            "r.example".into(),
            RegistryOptions::default(),
        );
        for url in [
            "https://ci:s3cret@r.example/token",
            "https://ci:s3 cret@r.example/token",
            "http://ci:s3 cret@127.0.0.1:5000/token",
        ] {
            let err = t.check_scheme(url).unwrap_err();
            assert!(
                matches!(err, RegistryError::UrlCredentials { .. }),
                "{url}: {err}"
            );
            let text = format!("{err} {err:?}");
            assert!(!text.contains("s3"), "{text}");
        }
        // A redirect from HTTPS down to plain HTTP, with userinfo: refused, unechoed.
        let err = t
            .check_redirect(
                "https://r.example/v2/a/blobs/sha256:00",
                "http://ci:s3cret@cdn.example/b",
            )
            .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("s3cret"), "{text}");
        assert!(matches!(
            t.check_redirect("https://r.example/v2/x", "http://cdn.example/b"),
            Err(RegistryError::InsecureTransport { .. })
        ));
        t.check_redirect("https://r.example/v2/x", "https://cdn.example/b")
            .unwrap();
    }

    #[test]
    fn debug_output_shows_no_header_or_credentials() {
        let state = AuthState {
            header: Some("Basic Y2k6czNjcmV0".into()),
            credentials: Some(Some(Credentials::new("ci", "s3cret"))),
        };
        let text = format!("{state:?}");
        assert!(!text.contains("Y2k6") && !text.contains("s3cret"), "{text}");
    }

    #[test]
    fn capped_reader_fails_past_the_limit() {
        let mut r = Capped {
            inner: &[0u8; 10][..],
            read: 0,
            max: 9,
        };
        let err = r.read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }
}

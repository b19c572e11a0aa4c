//! The HTTP side of the registry client: one `ureq` agent with its own redirect handling (so
//! credentials never follow a redirect to another origin and HTTPS never downgrades), the
//! token flow, and bounded body reads.

use std::io::{self, Read};
use std::sync::Mutex;

use stella_core::{CoreError, Digest, VerifyingReader};
use ureq::Body;
use ureq::http::{Response, Uri};

use super::auth::{Challenge, parse_challenge};
use super::reference::is_loopback_host;
use super::{RegistryError, RegistryOptions, lock};

/// Largest token-endpoint answer read.
const MAX_TOKEN_RESPONSE: u64 = 1 << 20;
/// Largest error body read (for its distribution error codes).
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// The HTTP methods the client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Head,
    Post,
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

/// The `Authorization` header in use for the registry's origin.
#[derive(Debug, Default)]
struct AuthState {
    header: Option<String>,
}

/// One registry's HTTP transport.
#[derive(Debug)]
pub(crate) struct Transport {
    agent: ureq::Agent,
    base: String,
    options: RegistryOptions,
    auth: Mutex<AuthState>,
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
    let bad = |reason: &str| RegistryError::BadRedirect {
        url: base.to_owned(),
        reason: format!(
            "{reason}: {:?}",
            location.chars().take(200).collect::<String>()
        ),
    };
    if location.len() > 8192 {
        return Err(bad("Location too long"));
    }
    if location.starts_with("http://") || location.starts_with("https://") {
        location
            .parse::<Uri>()
            .map_err(|_| bad("unparsable Location"))?;
        return Ok(location.to_owned());
    }
    if location.starts_with('/') && !location.starts_with("//") {
        let uri: Uri = base.parse().map_err(|_| bad("unparsable base URL"))?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(bad("base URL without origin"));
        };
        let joined = format!("{scheme}://{authority}{location}");
        joined
            .parse::<Uri>()
            .map_err(|_| bad("unparsable Location"))?;
        return Ok(joined);
    }
    Err(bad("relative Location that is not an absolute path"))
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
    pub(crate) fn new(base: String, loopback: bool, options: RegistryOptions) -> Self {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(options.connect_timeout))
            .timeout_per_read(Some(options.read_timeout))
            // Blobs are verified byte for byte: ask for them as stored.
            .accept_encoding("identity")
            .user_agent(concat!("stella/", env!("CARGO_PKG_VERSION")));
        if loopback {
            // An environment proxy must not see (or break) loopback traffic.
            config = config.proxy(None);
        }
        Self {
            agent: ureq::Agent::new_with_config(config.build()),
            base,
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

    /// Whether plain HTTP to `url`'s host is allowed.
    fn check_scheme(&self, url: &str) -> Result<(), RegistryError> {
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

    /// One request, following redirects for `GET`/`HEAD`. `auth` is attached only while the
    /// URL is on `auth_origin`.
    fn execute(
        &self,
        timing: Timing,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        auth: Option<(&str, &str)>,
    ) -> Result<Response<Body>, RegistryError> {
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
            if !redirect || !matches!(method, Method::Get | Method::Head) {
                return Ok(response);
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
                    reason: format!("HTTP {status} without Location"),
                })?;
            let next = resolve_location(&current, &location)?;
            if current.starts_with("https://") && next.starts_with("http://") {
                let loopback = host_of(&next).is_some_and(|h| is_loopback_host(&h));
                if !(loopback || self.options.insecure) {
                    return Err(RegistryError::InsecureTransport { url: next });
                }
            }
            current = next;
        }
    }

    fn run<S: ureq::AsSendBody>(
        &self,
        request: Result<ureq::http::Request<S>, ureq::http::Error>,
        whole: Option<std::time::Duration>,
    ) -> Result<Response<Body>, ureq::Error> {
        let request = self
            .agent
            .configure_request(request?)
            .timeout_global(whole)
            .build();
        self.agent.run(request)
    }

    /// A request to the registry, answering one `401` challenge (bearer token or basic).
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
        let response = self.execute(
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
        let challenge_text = header(&response, "www-authenticate").unwrap_or_default();
        let unsupported = || RegistryError::UnsupportedChallenge {
            url: url.to_owned(),
            challenge: challenge_text.chars().take(300).collect(),
        };
        let challenge = parse_challenge(&challenge_text).ok_or_else(unsupported)?;
        let new_header = match challenge.scheme.as_str() {
            "bearer" => format!("Bearer {}", self.fetch_token(url, &challenge)?),
            "basic" => match &self.options.credentials {
                Some(c) => c.basic_header(),
                None => {
                    return Err(RegistryError::Unauthorized {
                        url: url.to_owned(),
                        reason: "the registry asks for basic credentials and none were given"
                            .into(),
                    });
                }
            },
            _ => return Err(unsupported()),
        };
        if current.as_deref() == Some(new_header.as_str()) {
            return Err(RegistryError::Unauthorized {
                url: url.to_owned(),
                reason: "credentials refused".into(),
            });
        }
        lock(&self.auth).header = Some(new_header.clone());
        let response = self.execute(
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
                reason: if self.options.credentials.is_some() {
                    "still 401 with the token obtained for these credentials".into()
                } else {
                    "still 401 with an anonymous token (credentials may be needed)".into()
                },
            });
        }
        Ok(response)
    }

    /// The token flow: `GET realm?service=…&scope=…` (with basic credentials when given).
    fn fetch_token(&self, url: &str, challenge: &Challenge) -> Result<String, RegistryError> {
        let realm =
            challenge
                .params
                .get("realm")
                .ok_or_else(|| RegistryError::UnsupportedChallenge {
                    url: url.to_owned(),
                    challenge: "Bearer challenge without realm".into(),
                })?;
        let token_err = |reason: String| RegistryError::Token {
            realm: realm.clone(),
            reason,
        };
        if !(realm.starts_with("https://") || realm.starts_with("http://")) {
            return Err(token_err("realm is not an http(s) URL".into()));
        }
        let mut query = Vec::new();
        for key in ["service", "scope"] {
            if let Some(value) = challenge.params.get(key) {
                for part in value.split(' ').filter(|p| !p.is_empty()) {
                    query.push(format!(
                        "{key}={}",
                        percent_encoding::utf8_percent_encode(part, QUERY)
                    ));
                }
            }
        }
        let separator = if realm.contains('?') { '&' } else { '?' };
        let token_url = if query.is_empty() {
            realm.clone()
        } else {
            format!("{realm}{separator}{}", query.join("&"))
        };
        let basic = self.options.credentials.as_ref().map(|c| c.basic_header());
        let realm_origin = origin(&token_url).unwrap_or_default();
        let response = self.execute(
            Timing::Whole,
            Method::Get,
            &token_url,
            &[("accept", "application/json")],
            None,
            basic.as_deref().map(|h| (realm_origin.as_str(), h)),
        )?;
        if response.status().as_u16() == 401 {
            return Err(RegistryError::Unauthorized {
                url: token_url,
                reason: "the token endpoint refused the credentials".into(),
            });
        }
        let response = expect_status(response, "GET", &token_url, &[200])?;
        let bytes = read_body(response, &token_url, "token response", MAX_TOKEN_RESPONSE)?;
        #[derive(serde::Deserialize)]
        struct TokenResponse {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
        }
        let parsed: TokenResponse = serde_json::from_slice(&bytes)
            .map_err(|e| token_err(format!("answer is not token JSON: {e}")))?;
        let token = parsed
            .token
            .filter(|t| !t.is_empty())
            .or(parsed.access_token.filter(|t| !t.is_empty()))
            .ok_or_else(|| token_err("answer has neither token nor access_token".into()))?;
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(token_err(
                "token has characters not allowed in a header".into(),
            ));
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

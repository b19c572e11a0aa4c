//! Registry authentication: the credentials of one registry and the `WWW-Authenticate`
//! challenge of the distribution token flow (`Bearer realm=…,service=…,scope=…`).

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;

/// A user name and password (or token) for a registry, as `docker login` stores them, and
/// optionally an OAuth2 identity (refresh) token. They belong to one registry: a
/// [`CredentialProvider`](super::CredentialProvider) hands them out per registry host. Neither
/// the password nor the identity token ever appears in `Debug` output.
///
/// ```
/// use stella::image::registry::Credentials;
///
/// let c = Credentials::new("ci", "s3cret");
/// assert!(!format!("{c:?}").contains("s3cret"));
/// let t = Credentials::identity_token("00000000-0000-0000-0000-000000000000", "refresh");
/// assert!(!format!("{t:?}").contains("refresh"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password or access token.
    pub password: String,
    /// An OAuth2 refresh token (`identitytoken` in docker's config, or a credential helper's
    /// `Secret` when its `Username` is `<token>`): exchanged at the bearer token realm with
    /// `grant_type=refresh_token` instead of basic credentials.
    pub identity_token: Option<String>,
}

impl Credentials {
    /// Credentials from a user name and password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
            identity_token: None,
        }
    }

    /// Credentials that are an OAuth2 identity (refresh) token, as `docker login` stores for
    /// registries that issue them (Azure, Harbor with OIDC, …).
    pub fn identity_token(username: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: String::new(),
            identity_token: Some(token.into()),
        }
    }

    /// The `Authorization: Basic …` header value.
    pub(crate) fn basic_header(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field(
                "identity_token",
                &self.identity_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// One parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    /// The scheme, lowercased (`bearer`, `basic`).
    pub scheme: String,
    /// The auth-params, keys lowercased.
    pub params: BTreeMap<String, String>,
}

/// Longest challenge header read (real ones are a few hundred bytes).
const MAX_CHALLENGE_LEN: usize = 8 * 1024;

/// Parses the first challenge of a `WWW-Authenticate` value (RFC 9110 §11.6.1): a scheme, then
/// comma-separated `key=token` or `key="quoted string"` params. Returns `None` for text that
/// is not a challenge.
pub(crate) fn parse_challenge(header: &str) -> Option<Challenge> {
    if header.len() > MAX_CHALLENGE_LEN {
        return None;
    }
    let header = header.trim();
    let (scheme, mut rest) = match header.find(' ') {
        Some(i) => (header.get(..i)?, header.get(i + 1..)?),
        None => (header, ""),
    };
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return None;
    }
    let mut params = BTreeMap::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            break;
        }
        let eq = rest.find('=')?;
        let key = rest.get(..eq)?.trim().to_ascii_lowercase();
        if key.is_empty() || key.contains([' ', ',', '"']) {
            // The start of a second challenge (`Basic realm=…, Bearer …`): stop at it.
            break;
        }
        rest = rest.get(eq + 1..)?.trim_start();
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => out.push(chars.next()?.1),
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => out.push(c),
                }
            }
            value = out;
            rest = quoted.get(end?..)?;
        } else {
            let end = rest.find([',', ' ']).unwrap_or(rest.len());
            value = rest.get(..end)?.to_owned();
            rest = rest.get(end..)?;
        }
        params.insert(key, value);
    }
    Some(Challenge {
        scheme: scheme.to_ascii_lowercase(),
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_docker_hub_challenge() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#,
        )
        .unwrap();
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.params["realm"], "https://auth.docker.io/token");
        assert_eq!(c.params["service"], "registry.docker.io");
        assert_eq!(c.params["scope"], "repository:library/alpine:pull");
    }

    #[test]
    fn parses_tokens_escapes_and_basic() {
        let c =
            parse_challenge(r#"Bearer realm=http://x/t, error="insufficient_scope", scope="a\"b""#)
                .unwrap();
        assert_eq!(c.params["realm"], "http://x/t");
        assert_eq!(c.params["error"], "insufficient_scope");
        assert_eq!(c.params["scope"], "a\"b");
        let c = parse_challenge(r#"Basic realm="Registry Realm""#).unwrap();
        assert_eq!(c.scheme, "basic");
        assert_eq!(c.params["realm"], "Registry Realm");
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for h in [
            "",
            "Bearer realm=\"unterminated",
            "Bearer =x",
            "B@d realm=x",
            "Bearer realm",
        ] {
            let _ = parse_challenge(h);
        }
        assert!(parse_challenge("").is_none());
        assert!(parse_challenge("Bearer realm=\"unterminated").is_none());
        assert!(parse_challenge(&"x".repeat(10_000)).is_none());
    }

    #[test]
    fn basic_header_is_rfc7617() {
        // RFC 7617 §2 example.
        assert_eq!(
            Credentials::new("Aladdin", "open sesame").basic_header(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    proptest::proptest! {
        #[test]
        fn challenge_parser_never_panics(input in "\\PC{0,400}") {
            let _ = parse_challenge(&input);
        }

        #[test]
        fn quoted_params_round_trip(realm in "[ -~]{0,60}", scope in "[ -~]{0,60}") {
            let quote = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"");
            let header = format!(
                "Bearer realm=\"{}\",service=\"svc\",scope=\"{}\"",
                quote(&realm),
                quote(&scope)
            );
            let c = parse_challenge(&header).unwrap();
            proptest::prop_assert_eq!(&c.params["realm"], &realm);
            proptest::prop_assert_eq!(&c.params["scope"], &scope);
        }
    }
}

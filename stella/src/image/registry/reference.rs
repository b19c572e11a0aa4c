//! Image references in the form docker, crane and syft accept:
//! `[HOST[:PORT]/]NAME[:TAG][@sha256:HEX]`.

use std::fmt;
use std::net::IpAddr;

use stella_core::Digest;

use super::RegistryError;

/// The registry a reference without a host names (Docker Hub), as docker normalizes it.
pub const DOCKER_HUB: &str = "docker.io";
/// The host Docker Hub's distribution API is served from.
const DOCKER_HUB_API: &str = "registry-1.docker.io";
/// Longest repository name (docker's `NameTotalLengthMax`).
const MAX_NAME_LEN: usize = 255;
/// Longest tag (OCI distribution spec: 128 characters).
const MAX_TAG_LEN: usize = 128;

/// A parsed image reference: which registry, which repository, and a tag and/or a digest.
///
/// Parsing follows the reference grammar of `distribution/reference` (what docker, crane and
/// syft use): a first path component with a `.` or a `:`, or `localhost`, is a registry host;
/// otherwise the registry is Docker Hub and a one-component name gets `library/`. A reference
/// with neither tag nor digest means the tag `latest`. When both are given, the digest is what
/// is pulled (the tag is kept for display only).
///
/// ```
/// use stella::image::registry::RegistryRef;
///
/// let r = RegistryRef::parse("127.0.0.1:5000/team/app:v1")?;
/// assert_eq!(r.registry, "127.0.0.1:5000");
/// assert_eq!(r.repository, "team/app");
/// assert_eq!(r.tag.as_deref(), Some("v1"));
/// assert!(r.is_loopback());
///
/// let hub = RegistryRef::parse("alpine")?;
/// assert_eq!(hub.to_string(), "docker.io/library/alpine:latest");
/// # Ok::<(), stella::image::registry::RegistryError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegistryRef {
    /// `HOST[:PORT]` (`docker.io` for Docker Hub).
    pub registry: String,
    /// The repository path, e.g. `library/alpine`.
    pub repository: String,
    /// The tag, when given (or `latest` when neither tag nor digest was given).
    pub tag: Option<String>,
    /// The manifest digest, when given.
    pub digest: Option<Digest>,
}

fn bad(input: &str, reason: &'static str) -> RegistryError {
    RegistryError::Reference {
        input: redact_reference(input).chars().take(300).collect(),
        reason,
    }
}

/// `input` as an error may show it: whatever comes before an `@` that does not start a digest
/// (`@sha256:…`, `@sha512:…`) could be userinfo (`user:password@host/…`, a URL's, a password
/// with `/` or `@` in it) and is replaced by `<redacted>`.
///
/// ```
/// use stella::image::registry::redact_reference;
/// assert_eq!(redact_reference("me:s3cret@r.example/app:1"), "<redacted>@r.example/app:1");
/// assert_eq!(redact_reference("r.example/app@sha256:ab"), "r.example/app@sha256:ab");
/// ```
pub fn redact_reference(input: &str) -> String {
    let (name, digest) = match input.rsplit_once('@') {
        Some((name, digest)) if digest.starts_with("sha256:") || digest.starts_with("sha512:") => {
            (name, Some(digest))
        }
        _ => (input, None),
    };
    let mut shown = match name.rsplit_once('@') {
        Some((_, rest)) => format!("<redacted>@{rest}"),
        None => name.to_owned(),
    };
    if let Some(digest) = digest {
        shown.push('@');
        shown.push_str(digest);
    }
    shown
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`: one path component of a repository name.
fn valid_component(c: &str) -> bool {
    let bytes = c.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let Some(&b) = bytes.get(i) else { break };
        if alnum(b) {
            i += 1;
            continue;
        }
        // A separator run: `.`, `_`, `__` or one or more `-`, followed by an alphanumeric.
        let run_end = bytes
            .iter()
            .skip(i)
            .position(|&x| alnum(x))
            .map_or(bytes.len(), |p| i + p);
        let run = bytes.get(i..run_end).unwrap_or_default();
        let ok = matches!(run, b"." | b"_" | b"__") || run.iter().all(|&x| x == b'-');
        if !ok {
            return false;
        }
        i = run_end;
    }
    true
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn valid_tag(t: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    match t.as_bytes().split_first() {
        Some((&first, rest)) => {
            t.len() <= MAX_TAG_LEN
                && word(first)
                && rest.iter().all(|&b| word(b) || b == b'.' || b == b'-')
        }
        None => false,
    }
}

/// `HOST[:PORT]` where HOST is a DNS name, an IPv4 address or a bracketed IPv6 address.
pub(crate) fn valid_host(h: &str) -> bool {
    let (host, port) = if let Some(rest) = h.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        if inside.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        match after {
            "" => return true,
            p => match p.strip_prefix(':') {
                Some(port) => (None, Some(port)),
                None => return false,
            },
        }
    } else {
        match h.rsplit_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(h), None),
        }
    };
    if let Some(port) = port
        && (port.is_empty()
            || port.len() > 5
            || !port.bytes().all(|b| b.is_ascii_digit())
            || port.parse::<u32>().map_or(true, |p| p == 0 || p > 65535))
    {
        return false;
    }
    match host {
        None => true,
        Some(host) => {
            !host.is_empty()
                && host.len() <= 253
                && host.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
        }
    }
}

impl RegistryRef {
    /// Parses a reference (without the `registry:` prefix of [`crate::image::ImageRef`]).
    pub fn parse(input: &str) -> Result<Self, RegistryError> {
        if input.is_empty() {
            return Err(bad(input, "empty reference"));
        }
        if input.len() > MAX_NAME_LEN + MAX_TAG_LEN + 80 {
            return Err(bad(input, "reference too long"));
        }
        if input
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(bad(input, "whitespace or control character in reference"));
        }
        if input.contains("://") {
            return Err(bad(
                input,
                "a reference has no URL scheme (write HOST[:PORT]/NAME[:TAG][@sha256:...])",
            ));
        }
        let (rest, digest) = match input.split_once('@') {
            Some((userinfo, after)) if after.contains('/') && !userinfo.contains('/') => {
                // `user:password@host/name`: credentials do not belong in a reference, and
                // are not echoed back in the error.
                return Err(bad(
                    input,
                    "credentials (USER:PASSWORD@) do not belong in an image reference",
                ));
            }
            Some((rest, digest)) => {
                let digest = Digest::parse(digest)
                    .map_err(|_| bad(input, "digest is not sha256:<64 lowercase hex>"))?;
                (rest, Some(digest))
            }
            None => (input, None),
        };
        // A tag is after the last `:` that follows the last `/` (a `:` before it is a port).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest.get(last_slash..).and_then(|t| t.rfind(':')) {
            Some(colon) => {
                let at = last_slash + colon;
                (
                    rest.get(..at).unwrap_or_default(),
                    Some(rest.get(at + 1..).unwrap_or_default()),
                )
            }
            None => (rest, None),
        };
        if let Some(tag) = tag
            && !valid_tag(tag)
        {
            return Err(bad(input, "invalid tag"));
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, path))
                if first.contains('.')
                    || first.contains(':')
                    || first.starts_with('[')
                    || first == "localhost" =>
            {
                if !valid_host(first) {
                    return Err(bad(input, "invalid registry host"));
                }
                (first.to_owned(), path.to_owned())
            }
            _ => {
                let path = if name.contains('/') {
                    name.to_owned()
                } else {
                    format!("library/{name}")
                };
                (DOCKER_HUB.to_owned(), path)
            }
        };
        let registry = match registry.as_str() {
            "index.docker.io" | "registry-1.docker.io" => DOCKER_HUB.to_owned(),
            _ => registry,
        };
        if path.is_empty() || path.len() > MAX_NAME_LEN {
            return Err(bad(input, "repository name is empty or longer than 255"));
        }
        if !path.split('/').all(valid_component) {
            return Err(bad(
                input,
                "invalid repository name (lowercase letters, digits and . _ __ - separators)",
            ));
        }
        let tag = match (tag, digest) {
            (Some(t), _) => Some(t.to_owned()),
            (None, None) => Some("latest".to_owned()),
            (None, Some(_)) => None,
        };
        Ok(Self {
            registry,
            repository: path,
            tag,
            digest,
        })
    }

    /// The `HOST[:PORT]` the distribution API is reached at (`registry-1.docker.io` for
    /// Docker Hub).
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// Whether the registry is on this machine (`localhost`, `127.0.0.0/8`, `[::1]`): the only
    /// hosts spoken to over plain HTTP without the `insecure` option.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.registry)
    }

    /// The same reference pinned to `digest` (the tag is kept for display).
    pub fn with_digest(&self, digest: Digest) -> Self {
        Self {
            digest: Some(digest),
            ..self.clone()
        }
    }
}

/// Whether `HOST[:PORT]` (IPv6 in brackets, or a bare IP address) names this machine.
pub(crate) fn is_loopback_host(host_port: &str) -> bool {
    let host = if let Ok(ip) = host_port.parse::<IpAddr>() {
        return ip.is_loopback();
    } else if let Some(rest) = host_port.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, _)) => h,
            None => return false,
        }
    } else {
        host_port.split_once(':').map_or(host_port, |(h, _)| h)
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl fmt::Display for RegistryRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_the_forms_crane_accepts() {
        let r = RegistryRef::parse("ghcr.io/org/app:1.2").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("ghcr.io", "org/app", Some("1.2"))
        );
        let r = RegistryRef::parse(&format!("localhost:5000/app@sha256:{HEX}")).unwrap();
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.unwrap().hex(), HEX);
        let r = RegistryRef::parse(&format!("127.0.0.1:5000/a/b:t@sha256:{HEX}")).unwrap();
        assert_eq!(r.tag.as_deref(), Some("t"));
        assert!(r.digest.is_some());
        assert_eq!(r.to_string(), format!("127.0.0.1:5000/a/b:t@sha256:{HEX}"));
        let r = RegistryRef::parse("[::1]:5000/x").unwrap();
        assert_eq!(r.registry, "[::1]:5000");
        assert!(r.is_loopback());
        assert_eq!(r.tag.as_deref(), Some("latest"));
    }

    #[test]
    fn docker_hub_names_are_normalized() {
        let r = RegistryRef::parse("ubuntu:24.04").unwrap();
        assert_eq!(r.registry, "docker.io");
        assert_eq!(r.repository, "library/ubuntu");
        assert_eq!(r.api_host(), "registry-1.docker.io");
        let r = RegistryRef::parse("bitnami/redis").unwrap();
        assert_eq!(r.repository, "bitnami/redis");
        let r = RegistryRef::parse("index.docker.io/library/busybox").unwrap();
        assert_eq!(r.registry, "docker.io");
        assert!(!r.is_loopback());
    }

    #[test]
    fn loopback_detection() {
        for h in [
            "localhost",
            "localhost:5000",
            "127.0.0.1",
            "127.9.9.9:80",
            "[::1]:443",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "example.com",
            "10.0.0.1:5000",
            "localhost.example.com",
            "[2001:db8::1]",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn rejects_malformed_references() {
        for input in [
            "",
            "UPPER/case",
            "a//b",
            "a/b:",
            "a/b:-tag",
            "a/b@sha256:abc",
            "a/b@md5:0123",
            "host:99999/a",
            "host:/a",
            "http://host/a",
            "a b",
            "a/-b",
            "a/b_-c",
            "[::1/a",
            "a/b:t\n",
        ] {
            assert!(
                matches!(
                    RegistryRef::parse(input),
                    Err(RegistryError::Reference { .. })
                ),
                "{input:?} was accepted"
            );
        }
        let err = RegistryRef::parse("ci:s3cret@ghcr.io/org/app:1").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("s3cret"), "{err}");
        assert!(err.to_string().contains("ghcr.io/org/app:1"), "{err}");
        let long = format!("ci:s3cret@ghcr.io/{}", "a".repeat(600));
        let spaced = "ci:s3cret@ghcr.io/org/app:1 ";
        for with_credentials in [
            // A URL, a password with `/` or `@` in it, no path, too long, a space.
            "https://ci:s3cret@ghcr.io/org/app:1",
            "ci:s3/cret@ghcr.io/org/app:1",
            "ci:p@s3cret@ghcr.io/org/app:1",
            "ci:s3cret@ghcr.io",
            "ci:s3cret@ghcr.io/org/app@sha256:zz",
            long.as_str(),
            spaced,
        ] {
            let err = RegistryRef::parse(with_credentials).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(!text.contains("s3") && !text.contains("cret"), "{text}");
        }
        // A digest reference's name is still shown.
        let err = RegistryRef::parse("ghcr.io/org/app@sha256:zz").unwrap_err();
        assert!(
            err.to_string().contains("ghcr.io/org/app@sha256:zz"),
            "{err}"
        );
        let long = format!("a/{}", "b".repeat(300));
        assert!(RegistryRef::parse(&long).is_err());
        let tag = format!("a:{}", "t".repeat(129));
        assert!(RegistryRef::parse(&tag).is_err());
    }

    #[test]
    fn component_grammar() {
        for ok in ["a", "a.b", "a_b", "a__b", "a---b", "a1.b2-c3"] {
            assert!(valid_component(ok), "{ok}");
        }
        for no in ["", ".a", "a.", "a..b", "a___b", "a._b", "A"] {
            assert!(!valid_component(no), "{no}");
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn component() -> impl Strategy<Value = String> {
            "[a-z0-9]{1,8}((\\.|_|__|-{1,3})[a-z0-9]{1,8}){0,2}"
        }

        proptest! {
            #[test]
            fn parse_never_panics(input in "\\PC{0,300}") {
                let _ = RegistryRef::parse(&input);
            }

            #[test]
            fn display_round_trips(
                host in prop_oneof![
                    Just("localhost:5000".to_owned()),
                    Just("[::1]:443".to_owned()),
                    "[a-z]{1,10}\\.[a-z]{2,5}(:[1-9][0-9]{0,3})?",
                ],
                path in proptest::collection::vec(component(), 1..4),
                tag in proptest::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}"),
                digest in proptest::option::of(any::<[u8; 8]>()),
            ) {
                let mut text = format!("{host}/{}", path.join("/"));
                if let Some(t) = &tag {
                    text.push(':');
                    text.push_str(t);
                }
                if let Some(d) = digest {
                    text.push('@');
                    text.push_str(&Digest::of(&d).to_string());
                }
                let parsed = RegistryRef::parse(&text).unwrap();
                prop_assert_eq!(&parsed.registry, &host);
                prop_assert_eq!(&parsed.repository, &path.join("/"));
                let again = RegistryRef::parse(&parsed.to_string()).unwrap();
                prop_assert_eq!(again, parsed);
            }
        }
    }
}

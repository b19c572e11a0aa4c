//! Product matching: does a statement's product cover a finding's package or artifact?
//!
//! Rules (OpenVEX leaves matching to processors; these are ours):
//! - **purl**: type, namespace and name must be equal after the `packageurl` crate's per-type
//!   canonicalization (e.g. pypi names lowercased). A statement purl without a version covers
//!   every version; with one, versions must be equal as text (no range semantics). Every
//!   qualifier the statement gives must be present with the same value in the subject
//!   (qualifiers narrow); qualifiers the statement omits are free. `upstream` (the source
//!   package, which syft and SUSE's CSAF write) describes rather than narrows — the same binary
//!   package always has the same source — and is not compared. A statement subpath must equal
//!   the subject's.
//! - **hashes**: any algorithm both sides give with equal values (hex compared
//!   case-insensitively).
//! - **CPE**: 2.3 formatted strings compared attribute by attribute, `*` (ANY) in the statement
//!   matching anything and missing trailing attributes treated as ANY; 2.2 URIs compared
//!   component by component the same way.
//! - **@id**: equal text.
//! - **images**: a component naming an image by digest — `pkg:oci/NAME@sha256:…` (the OCI purl's
//!   version is the manifest digest), an image reference `REPO@sha256:…`, or a bare `sha256:…` —
//!   matches a subject with that sha-256 (an artifact given as a digest or as any of those
//!   forms): the digest is the image's identity, the name is not (`pkg:oci/nginx` and
//!   `docker.io/library/nginx` are the same image when the digests agree).
//!
//! Limits: no version ranges (`vers:`), no CPE-to-purl translation, no SBOM relationship walking.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use packageurl::PackageUrl;

use crate::error::VexError;
use crate::model::{Component, Product};

/// A parsed, canonical purl with owned parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Purl {
    /// Package type.
    pub ty: String,
    /// Namespace, if any.
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
    /// Version, if any.
    pub version: Option<String>,
    /// Qualifiers, sorted by key.
    pub qualifiers: BTreeMap<String, String>,
    /// Subpath, if any.
    pub subpath: Option<String>,
}

impl Purl {
    /// Parses and canonicalizes a purl.
    ///
    /// ```
    /// use stella_vex::Purl;
    ///
    /// let any = Purl::parse("pkg:npm/lodash")?;
    /// let one = Purl::parse("pkg:npm/lodash@4.17.20")?;
    /// assert!(any.covers(&one));
    /// assert!(!one.covers(&any));
    /// # Ok::<(), stella_vex::VexError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, VexError> {
        let p: PackageUrl<'static> =
            text.parse()
                .map_err(|e: packageurl::Error| VexError::Purl {
                    purl: text.chars().take(200).collect(),
                    reason: e.to_string(),
                })?;
        Ok(Self {
            ty: p.ty().to_owned(),
            namespace: p.namespace().map(str::to_owned),
            name: p.name().to_owned(),
            version: p.version().map(str::to_owned),
            qualifiers: p
                .qualifiers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            subpath: p.subpath().map(str::to_owned),
        })
    }

    /// True when this purl (from a statement or trust scope) covers `subject` (from a finding).
    pub fn covers(&self, subject: &Purl) -> bool {
        self.ty == subject.ty
            && self.namespace == subject.namespace
            && self.name == subject.name
            && self
                .version
                .as_ref()
                .is_none_or(|v| subject.version.as_ref() == Some(v))
            && self
                .qualifiers
                .iter()
                .filter(|(k, _)| k.as_str() != "upstream")
                .all(|(k, v)| subject.qualifiers.get(k) == Some(v))
            && self
                .subpath
                .as_ref()
                .is_none_or(|s| subject.subpath.as_ref() == Some(s))
    }

    /// The versionless `type/namespace/name` key used to index purls.
    pub fn package_key(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{}/{}", self.ty, ns, self.name),
            None => format!("{}/{}", self.ty, self.name),
        }
    }
}

/// What a product is matched against: one package or artifact of a finding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// Its purl, parsed (shared: the same purl is parsed once per apply).
    pub purl: Option<Arc<Purl>>,
    /// Its raw identifier text (purl, digest or IRI), compared with `@id`.
    pub id: Option<String>,
    /// Hashes by OpenVEX hash name (`sha-256`, …).
    pub hashes: BTreeMap<String, String>,
    /// CPEs (2.2 or 2.3).
    pub cpes: Vec<String>,
}

impl Subject {
    /// A subject known by a purl (parsed if it parses; kept as `id` either way). A text naming
    /// an image by digest ([`image_digest`]) also carries that digest as its `sha-256`.
    pub fn from_purl(purl: &str) -> Self {
        let mut hashes = BTreeMap::new();
        if let Some(hex) = image_digest(purl) {
            hashes.insert("sha-256".to_owned(), hex);
        }
        Self {
            purl: Purl::parse(purl).ok().map(Arc::new),
            id: Some(purl.to_owned()),
            hashes,
            ..Self::default()
        }
    }

    /// A subject known by an image or file digest `sha256:<hex>`.
    pub fn from_digest(digest: &stella_core::Digest) -> Self {
        let mut hashes = BTreeMap::new();
        hashes.insert("sha-256".to_owned(), digest.hex());
        Self {
            id: Some(digest.to_string()),
            hashes,
            ..Self::default()
        }
    }
}

/// The sha-256 (lowercase hex) of an image named by digest: `sha256:<hex>`, an OCI purl
/// `pkg:oci/NAME@sha256:<hex>` (`%3A` or `:`), or an image reference `REPO@sha256:<hex>`.
/// `None` for anything else.
///
/// ```
/// use stella_vex::image_digest;
///
/// let hex = "13d22ec63300e16014d4a42aed735207a8b33c223cff19627dd3042e5a10a3a0";
/// for text in [
///     format!("pkg:oci/nginx@sha256%3A{hex}"),
///     format!("docker.io/library/nginx@sha256:{hex}"),
///     format!("sha256:{hex}"),
/// ] {
///     assert_eq!(image_digest(&text).as_deref(), Some(hex));
/// }
/// assert_eq!(image_digest("pkg:deb/debian/tar@1.34"), None);
/// ```
pub fn image_digest(text: &str) -> Option<String> {
    let tail = if text.starts_with("pkg:") {
        let p = Purl::parse(text).ok()?;
        if p.ty != "oci" {
            return None;
        }
        p.version?
    } else if text.starts_with("sha256:") {
        text.to_owned()
    } else {
        // An image reference: the digest follows the last `@`.
        text.rsplit_once('@')?.1.to_owned()
    };
    let hex = tail.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

/// The image digest a statement component names (its purl, else its `@id`).
pub(crate) fn component_image_digest(c: &Component) -> Option<String> {
    c.effective_purl()
        .and_then(image_digest)
        .or_else(|| c.id.as_deref().and_then(image_digest))
}

/// Parsed purls by text, so each distinct purl is parsed once per build or apply.
#[derive(Debug, Default)]
pub(crate) struct PurlCache(HashMap<String, Option<Arc<Purl>>>);

impl PurlCache {
    pub fn parse(&mut self, text: &str) -> Option<Arc<Purl>> {
        if let Some(p) = self.0.get(text) {
            return p.clone();
        }
        let parsed = Purl::parse(text).ok().map(Arc::new);
        self.0.insert(text.to_owned(), parsed.clone());
        parsed
    }
}

/// Does statement component `c`, whose purl parsed is `purl`, match `s`?
fn component_matches(c: &Component, purl: Option<&Purl>, s: &Subject) -> bool {
    if let (Some(p), Some(sp)) = (purl, &s.purl) {
        if p.covers(sp.as_ref()) {
            return true;
        }
    }
    if let (Some(id), Some(sid)) = (&c.id, &s.id) {
        if id == sid {
            return true;
        }
    }
    if let (Some(hex), Some(sub)) = (component_image_digest(c), s.hashes.get("sha-256")) {
        if sub.eq_ignore_ascii_case(&hex) {
            return true;
        }
    }
    if c.hashes.iter().any(|(alg, val)| {
        s.hashes
            .get(alg)
            .is_some_and(|sv| sv.eq_ignore_ascii_case(val))
    }) {
        return true;
    }
    s.cpes.iter().any(|cpe| {
        c.identifiers
            .cpe23
            .as_deref()
            .is_some_and(|p| cpe_covers(p, cpe))
            || c.identifiers
                .cpe22
                .as_deref()
                .is_some_and(|p| cpe_covers(p, cpe))
    })
}

/// The parsed purls of a statement product (product and subcomponents), so matching parses
/// nothing; the rest of the product is read from the statement itself.
#[derive(Debug, Clone)]
pub(crate) struct PreparedProduct {
    pub purl: Option<Arc<Purl>>,
    pub subcomponents: Vec<Option<Arc<Purl>>>,
}

impl PreparedProduct {
    /// `purl` is the product's effective purl, already parsed (`None` when it has none or it
    /// does not parse).
    pub fn new(p: &Product, purl: Option<Arc<Purl>>, cache: &mut PurlCache) -> Self {
        Self {
            purl,
            subcomponents: p
                .subcomponents
                .iter()
                .map(|c| c.effective_purl().and_then(|t| cache.parse(t)))
                .collect(),
        }
    }

    /// Does product `p` (the one this was prepared from) cover a finding in `package` inside
    /// `artifact`?
    ///
    /// Without subcomponents the product must match the package or the artifact. With
    /// subcomponents the product must match the artifact or the package, and one subcomponent
    /// must match the package: the statement speaks only about those subcomponents inside that
    /// product.
    pub fn covers(&self, p: &Product, package: &Subject, artifact: Option<&Subject>) -> bool {
        let purl = self.purl.as_deref();
        let product_hit = component_matches(&p.component, purl, package)
            || artifact.is_some_and(|a| component_matches(&p.component, purl, a));
        if !product_hit {
            return false;
        }
        p.subcomponents.is_empty()
            || p.subcomponents
                .iter()
                .zip(&self.subcomponents)
                .any(|(c, purl)| component_matches(c, purl.as_deref(), package))
    }
}

/// True when CPE `pattern` (from a statement) covers CPE `subject`. Both must be the same
/// binding (2.3 formatted string or 2.2 URI).
pub fn cpe_covers(pattern: &str, subject: &str) -> bool {
    let split = |s: &str| -> Option<(bool, Vec<String>)> {
        if let Some(rest) = s.strip_prefix("cpe:2.3:") {
            Some((true, split_cpe23(rest)))
        } else {
            s.strip_prefix("cpe:/").map(|rest| {
                (
                    false,
                    rest.split(':').map(str::to_ascii_lowercase).collect(),
                )
            })
        }
    };
    let (Some((p23, p)), Some((s23, s))) = (split(pattern), split(subject)) else {
        return false;
    };
    if p23 != s23 {
        return false;
    }
    p.iter().enumerate().all(|(i, pv)| {
        let any = pv == "*" || pv.is_empty();
        any || s.get(i).is_some_and(|sv| sv == pv)
    })
}

fn split_cpe23(rest: &str) -> Vec<String> {
    // Attributes are separated by unescaped colons; `\:` is a literal colon.
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for ch in rest.chars() {
        if escaped {
            cur.push('\\');
            cur.push(ch);
            escaped = false;
        } else if ch == '\\' {
            escaped = true;
        } else if ch == ':' {
            out.push(std::mem::take(&mut cur).to_ascii_lowercase());
        } else {
            cur.push(ch);
        }
    }
    out.push(cur.to_ascii_lowercase());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_versionless_and_qualifiers() {
        let any = Purl::parse("pkg:apk/wolfi/git").unwrap();
        let arm = Purl::parse("pkg:apk/wolfi/git@2.39.0-r1?arch=armv7").unwrap();
        let x86 = Purl::parse("pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64&distro=wolfi").unwrap();
        let only_x86 = Purl::parse("pkg:apk/wolfi/git?arch=x86_64").unwrap();
        assert!(any.covers(&arm) && any.covers(&x86));
        assert!(only_x86.covers(&x86));
        assert!(!only_x86.covers(&arm));
        assert!(!arm.covers(&any));
        let other = Purl::parse("pkg:apk/wolfi/git-lfs@2.39.0-r1").unwrap();
        assert!(!any.covers(&other));
    }

    #[test]
    fn purl_canonicalization_applies() {
        let a = Purl::parse("pkg:pypi/Django").unwrap();
        let b = Purl::parse("pkg:PYPI/django@4.2").unwrap();
        assert!(a.covers(&b));
        assert!(Purl::parse("not a purl").is_err());
    }

    #[test]
    fn cpe_wildcards() {
        assert!(cpe_covers(
            "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*",
            "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"
        ));
        assert!(!cpe_covers(
            "cpe:2.3:a:apache:log4j:2.15.0:*:*:*:*:*:*:*",
            "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*"
        ));
        assert!(cpe_covers(
            "cpe:/a:apache:log4j",
            "cpe:/a:apache:log4j:2.4:-"
        ));
        assert!(!cpe_covers(
            "cpe:/a:apache:log4j",
            "cpe:2.3:a:apache:log4j:2.4"
        ));
    }

    #[test]
    fn subcomponents_narrow_the_product() {
        let mut p = Product::purl("pkg:oci/app@sha256%3Aabc");
        p.subcomponents.push(Component::purl("pkg:npm/lodash"));
        let mut cache = PurlCache::default();
        let purl = cache.parse("pkg:oci/app@sha256%3Aabc");
        let prepared = PreparedProduct::new(&p, purl, &mut cache);
        let image = Subject::from_purl("pkg:oci/app@sha256%3Aabc");
        let lodash = Subject::from_purl("pkg:npm/lodash@4.17.20");
        let express = Subject::from_purl("pkg:npm/express@4.0.0");
        assert!(prepared.covers(&p, &lodash, Some(&image)));
        assert!(!prepared.covers(&p, &express, Some(&image)));
        assert!(!prepared.covers(&p, &lodash, None));
    }
}

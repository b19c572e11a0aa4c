//! The requests artifact attachment needs beyond pulling and pushing: the referrers API
//! (`GET /v2/<name>/referrers/<digest>[?artifactType=]`, with `Link` pagination), a manifest
//! read that tells "absent" apart (`404`) and keeps the `ETag`, a conditional manifest `PUT`
//! (`If-Match` / `If-None-Match: *`, honoured where the registry supports it), and blob
//! existence. The answers are bytes: parsing them is `stella_core::oci_artifact`'s, with its
//! bounds.

use stella_core::Digest;

use super::client::check_digest_header;
use super::http::{self, Timing};
use super::{FetchedManifest, RegistryClient, RegistryError};

/// Most pages of a referrers API answer followed (`Link: <…>; rel="next"`).
const MAX_REFERRER_PAGES: usize = 64;

/// What the referrers API answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferrersPages {
    /// Each page's bytes (an image index each), in order.
    pub pages: Vec<Vec<u8>>,
    /// Whether the registry said it applied the `artifactType` filter
    /// (`OCI-Filters-Applied: artifactType`) on every page; when not, the caller filters.
    pub filter_applied: bool,
}

/// A manifest read by tag that may be absent, with the `ETag` the registry sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggedManifest {
    /// The manifest as received, checked against its digest header.
    pub manifest: FetchedManifest,
    /// The `ETag`, when the registry sent one.
    pub etag: Option<String>,
}

/// How a conditional manifest `PUT` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionalPut {
    /// Written (the registry answered 201 or 204); the digest of the bytes.
    Written(Digest),
    /// The registry refused the condition (`412 Precondition Failed`): the tag changed since
    /// it was read.
    PreconditionFailed,
}

/// The precondition of a conditional `PUT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition<'a> {
    /// No condition.
    None,
    /// The tag must still have this `ETag` (`If-Match`).
    Matches(&'a str),
    /// The tag must not exist yet (`If-None-Match: *`).
    Absent,
}

/// The `next` target of a `Link` header, if any (`<url>; rel="next"`).
fn next_link(link: &str) -> Option<&str> {
    link.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then_some(target)
    })
}

impl RegistryClient {
    /// The referrers API for `subject`, filtered by `artifact_type` when given. `Ok(None)` when
    /// the registry answers `404` (it lacks the API: the caller falls back to the referrers tag
    /// schema). Each page is bounded by [`super::RegistryOptions::max_manifest_bytes`]; at most
    /// 64 pages are followed.
    pub fn referrers_api(
        &self,
        repository: &str,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Option<ReferrersPages>, RegistryError> {
        let mut url = format!(
            "{}/v2/{repository}/referrers/{subject}",
            self.transport.base()
        );
        if let Some(t) = artifact_type {
            let encoded =
                percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC);
            url.push_str(&format!("?artifactType={encoded}"));
        }
        let mut pages = Vec::new();
        let mut filter_applied = true;
        loop {
            let response = self.transport.request(
                Timing::Whole,
                http::Method::Get,
                &url,
                &[("accept", stella_core::MEDIA_TYPE_OCI_INDEX)],
                None,
            )?;
            if response.status().as_u16() == 404 && pages.is_empty() {
                return Ok(None);
            }
            let response = http::expect_status(response, "GET", &url, &[200])?;
            let applied = http::header(&response, "oci-filters-applied")
                .is_some_and(|h| h.split(',').any(|f| f.trim() == "artifactType"));
            filter_applied &= artifact_type.is_none() || applied;
            let link = http::header(&response, "link");
            let max = self.options().max_manifest_bytes;
            pages.push(http::read_body(response, &url, "referrers index", max)?);
            let Some(next) = link.as_deref().and_then(next_link) else {
                break;
            };
            if pages.len() >= MAX_REFERRER_PAGES {
                return Err(RegistryError::TooLarge {
                    url,
                    what: "referrers pages",
                    max: MAX_REFERRER_PAGES as u64,
                    actual: pages.len() as u64 + 1,
                });
            }
            url = http::resolve_location(&url, next)?;
        }
        Ok(Some(ReferrersPages {
            pages,
            filter_applied,
        }))
    }

    /// The manifest or index a tag names now, or `None` when the tag does not exist (`404`),
    /// with the `ETag` for a conditional update.
    pub fn manifest_if_present(
        &self,
        repository: &str,
        tag: &str,
    ) -> Result<Option<TaggedManifest>, RegistryError> {
        let (url, response) = self.request_manifest(repository, tag)?;
        if response.status().as_u16() == 404 {
            return Ok(None);
        }
        let etag = http::header(&response, "etag");
        let manifest = self.read_manifest(&url, response)?;
        Ok(Some(TaggedManifest { manifest, etag }))
    }

    /// Uploads a manifest under `reference` on a condition: `412` is
    /// [`ConditionalPut::PreconditionFailed`]. A registry that ignores conditional requests
    /// (docker's distribution 2.x) writes regardless; the caller verifies after writing.
    pub fn put_manifest_if(
        &self,
        repository: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
        precondition: Precondition<'_>,
    ) -> Result<ConditionalPut, RegistryError> {
        let url = self.manifest_url(repository, reference);
        let mut headers = vec![("content-type", media_type)];
        match precondition {
            Precondition::None => {}
            Precondition::Matches(etag) => headers.push(("if-match", etag)),
            Precondition::Absent => headers.push(("if-none-match", "*")),
        }
        let response = self.transport.request(
            Timing::Whole,
            http::Method::Put,
            &url,
            &headers,
            Some(bytes),
        )?;
        if response.status().as_u16() == 412 {
            return Ok(ConditionalPut::PreconditionFailed);
        }
        let response = http::expect_status(response, "PUT", &url, &[201, 204])?;
        let digest = Digest::of(bytes);
        check_digest_header(
            &url,
            http::header(&response, "docker-content-digest").as_deref(),
            &digest,
        )?;
        Ok(ConditionalPut::Written(digest))
    }

    /// Whether the registry holds a blob (`HEAD`: 200 yes, 404 no).
    pub fn blob_exists(&self, repository: &str, digest: &Digest) -> Result<bool, RegistryError> {
        let url = self.blob_url(repository, digest);
        let response =
            self.transport
                .request(Timing::Whole, http::Method::Head, &url, &[], None)?;
        if response.status().as_u16() == 404 {
            return Ok(false);
        }
        http::expect_status(response, "HEAD", &url, &[200])?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::next_link;

    #[test]
    fn link_next() {
        assert_eq!(
            next_link(r#"</v2/a/referrers/sha256:x?n=1&last=y>; rel="next""#),
            Some("/v2/a/referrers/sha256:x?n=1&last=y")
        );
        assert_eq!(next_link(r#"<http://h/x>; rel="prev""#), None);
        assert_eq!(
            next_link(r#"<http://h/p>; rel="prev", <http://h/n>; rel=next"#),
            Some("http://h/n")
        );
        assert_eq!(next_link("garbage"), None);
    }
}

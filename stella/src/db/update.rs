//! `stella db update --source KIND=URL|DIR …`: reading the feeds' published layouts over
//! HTTP(S) or from a mirrored directory into a [`DbBuild`].
//!
//! | `KIND` | URL | mirrored DIR (or file) |
//! |---|---|---|
//! | `osv` | an export, `…/<Ecosystem>/all.zip` (or one OSV document) | a tree of `all.zip` files and/or OSV documents |
//! | `ghsa` | the repository tarball (`.tar.gz`/`.tgz`), e.g. `https://github.com/github/advisory-database/archive/refs/heads/main.tar.gz` | a clone of `github/advisory-database` |
//! | `debian` | `https://security-tracker.debian.org/tracker/data/json` | the saved JSON file |
//! | `alpine` | one secdb file, `https://secdb.alpinelinux.org/<branch>/<repo>.json` | a tree of `<branch>/<repo>.json` |
//! | `csaf` | `provider-metadata.json` (its `distributions[].directory_url`), or a distribution directory URL | a mirror of a distribution directory |
//!
//! What can be verified is: a CSAF distribution lists its documents in `index.txt` and
//! publishes `<document>.sha256` (or `.sha512`) beside each; every document with one is checked
//! and a mismatch is an error ([`UpdateError::DigestMismatch`]); documents without one are
//! counted as unverified. CSAF OpenPGP signatures (`.asc`) are **not** checked (no OpenPGP
//! implementation is linked): the report counts them. The other feeds publish no digests; each
//! source's SHA-256 is recorded in the snapshot's header (and so in its signature).
//!
//! Every response is bounded ([`UpdateOptions::max_document_bytes`]); paths read from
//! `index.txt` must be relative and stay inside the distribution (no `..`, no scheme, no
//! leading `/`), so a hostile index cannot send the reader elsewhere.

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use stella_core::Digest;
use stella_vuln::feeds::FeedKind;

use super::DbImportError;
use super::build::DbBuild;
use crate::files::read_regular_no_follow;

/// One `--source KIND=LOCATION`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// The feed.
    pub feed: FeedKind,
    /// Where it is.
    pub location: Location,
}

/// A URL or a local path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `http://` or `https://`.
    Url(String),
    /// A directory or file.
    Path(PathBuf),
}

impl std::str::FromStr for SourceSpec {
    type Err = UpdateError;
    fn from_str(s: &str) -> Result<Self, UpdateError> {
        let bad = |reason: &str| UpdateError::BadSource {
            spec: s.chars().take(200).collect(),
            reason: reason.to_owned(),
        };
        let (kind, location) = s
            .split_once('=')
            .ok_or_else(|| bad("expected KIND=URL|DIR (kind: osv, ghsa, debian, alpine, csaf)"))?;
        let feed = FeedKind::from_name(kind)
            .ok_or_else(|| bad("unknown kind (osv, ghsa, debian, alpine, csaf)"))?;
        if location.is_empty() {
            return Err(bad("empty location"));
        }
        let location = if location.starts_with("https://") || location.starts_with("http://") {
            Location::Url(location.to_owned())
        } else if location.contains("://") {
            return Err(bad("only http:// and https:// URLs are read"));
        } else {
            Location::Path(PathBuf::from(location))
        };
        Ok(Self { feed, location })
    }
}

/// Bounds and settings of an update.
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    /// Largest response or file read (default 1 GiB: an `all.zip` export, the GHSA tarball).
    pub max_document_bytes: u64,
    /// Most documents read from one CSAF distribution (default 500,000).
    pub max_documents: usize,
    /// Timeout of each HTTP request (default 10 minutes).
    pub timeout: Duration,
}

impl Default for UpdateOptions {
    fn default() -> Self {
        Self {
            max_document_bytes: 1 << 30,
            max_documents: 500_000,
            timeout: Duration::from_secs(600),
        }
    }
}

/// Why an update failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// A `--source` is not `KIND=URL|DIR`.
    #[error("--source {spec:?}: {reason}")]
    BadSource {
        /// The argument.
        spec: String,
        /// Why.
        reason: String,
    },
    /// An HTTP request failed.
    #[error("{url}: {source}")]
    Http {
        /// The URL.
        url: String,
        /// The client's error.
        source: Box<ureq::Error>,
    },
    /// An HTTP response was not 200.
    #[error("{url}: HTTP status {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// A document's published digest does not match its bytes.
    #[error("{url}: published {algorithm} {expected} but the document's is {actual}")]
    DigestMismatch {
        /// The document.
        url: String,
        /// `sha256` or `sha512`.
        algorithm: &'static str,
        /// The published digest.
        expected: String,
        /// The document's.
        actual: String,
    },
    /// The feed's layout is not what it publishes (no `directory_url`, a path escaping the
    /// distribution, an unreadable digest file, …).
    #[error("{location}: {reason}")]
    Layout {
        /// Where.
        location: String,
        /// What.
        reason: String,
    },
    /// More documents than [`UpdateOptions::max_documents`].
    #[error("{location}: more than {limit} documents")]
    TooMany {
        /// The distribution.
        location: String,
        /// The limit.
        limit: usize,
    },
    /// Reading a file or stream failed.
    #[error("{path}: {source}")]
    Io {
        /// The path or URL.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Importing what was read failed (boxed: it is large).
    #[error(transparent)]
    Import(Box<DbImportError>),
}

impl From<DbImportError> for UpdateError {
    fn from(e: DbImportError) -> Self {
        Self::Import(Box::new(e))
    }
}

/// What one source gave.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceReport {
    /// The feed.
    pub feed: String,
    /// The location as given.
    pub location: String,
    /// Documents read.
    pub documents: u64,
    /// Documents whose published digest was checked and matched.
    pub digests_verified: u64,
    /// Documents with no published digest.
    pub unverified: u64,
    /// Published OpenPGP signatures not checked (CSAF `.asc`).
    pub signatures_not_checked: u64,
}

/// Reads files by relative path from a URL base or a directory.
trait Getter {
    /// The bytes at `rel` (`None` when absent: HTTP 404 or no such file).
    fn get(&mut self, rel: &str) -> Result<Option<Vec<u8>>, UpdateError>;
    /// The name of `rel` for reports and errors.
    fn name(&self, rel: &str) -> String;
}

struct Http {
    base: String,
    agent: ureq::Agent,
    max: u64,
}

impl Http {
    fn new(base: &str, options: &UpdateOptions) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(5)
            .timeout_global(Some(options.timeout))
            .user_agent(concat!("stella/", env!("CARGO_PKG_VERSION")))
            .build();
        Self {
            base: base.to_owned(),
            agent: ureq::Agent::new_with_config(config),
            max: options.max_document_bytes,
        }
    }

    fn fetch(&self, url: &str) -> Result<Option<Vec<u8>>, UpdateError> {
        let http = |source| UpdateError::Http {
            url: url.to_owned(),
            source: Box::new(source),
        };
        let mut response = self.agent.get(url).call().map_err(http)?;
        match response.status().as_u16() {
            200 => {}
            404 => return Ok(None),
            status => {
                return Err(UpdateError::Status {
                    url: url.to_owned(),
                    status,
                });
            }
        }
        response
            .body_mut()
            .with_config()
            .limit(self.max)
            .read_to_vec()
            .map(Some)
            .map_err(http)
    }
}

impl Getter for Http {
    fn get(&mut self, rel: &str) -> Result<Option<Vec<u8>>, UpdateError> {
        let url = self.name(rel);
        self.fetch(&url)
    }
    fn name(&self, rel: &str) -> String {
        if rel.is_empty() {
            self.base.clone()
        } else {
            format!("{}/{rel}", self.base.trim_end_matches('/'))
        }
    }
}

struct Dir {
    root: PathBuf,
    max: u64,
}

impl Getter for Dir {
    fn get(&mut self, rel: &str) -> Result<Option<Vec<u8>>, UpdateError> {
        let path = self.root.join(rel);
        match read_regular_no_follow(&path, self.max) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(UpdateError::Io {
                path: path.display().to_string(),
                source,
            }),
        }
    }
    fn name(&self, rel: &str) -> String {
        self.root.join(rel).display().to_string()
    }
}

/// Whether a path read from a published index stays inside its base.
fn safe_relative(rel: &str) -> bool {
    !rel.is_empty()
        && rel.len() <= 1024
        && !rel.starts_with('/')
        && !rel.contains("://")
        && !rel.contains('\\')
        && !rel.chars().any(char::is_control)
        && rel
            .split('/')
            .all(|p| !p.is_empty() && p != ".." && p != ".")
}

/// Reads one source into `build` (see the module docs).
pub fn update_source(
    build: &mut DbBuild,
    spec: &SourceSpec,
    options: &UpdateOptions,
) -> Result<SourceReport, UpdateError> {
    let shown = match &spec.location {
        Location::Url(u) => u.clone(),
        Location::Path(p) => p.display().to_string(),
    };
    let mut report = SourceReport {
        feed: spec.feed.name().to_owned(),
        location: shown.clone(),
        ..SourceReport::default()
    };
    match (&spec.location, spec.feed) {
        (Location::Path(p), FeedKind::Csaf) if p.is_dir() => {
            let mut dir = Dir {
                root: p.clone(),
                max: options.max_document_bytes,
            };
            csaf_distribution(build, &mut dir, &shown, options, &mut report)?;
        }
        (Location::Path(p), feed) => {
            build.add_path(feed, p)?;
            report.documents += 1;
            report.unverified += 1;
        }
        (Location::Url(url), FeedKind::Csaf) => {
            let http = Http::new(url, options);
            if url.ends_with("provider-metadata.json") {
                let meta = http.fetch(url)?.ok_or_else(|| UpdateError::Status {
                    url: url.clone(),
                    status: 404,
                })?;
                for dir_url in directory_urls(url, &meta)? {
                    let mut getter = Http::new(&dir_url, options);
                    csaf_distribution(build, &mut getter, &dir_url, options, &mut report)?;
                }
            } else {
                let mut getter = http;
                csaf_distribution(build, &mut getter, url, options, &mut report)?;
            }
        }
        (Location::Url(url), FeedKind::Ghsa) => {
            let http = Http::new(url, options);
            let bytes = http.fetch(url)?.ok_or_else(|| UpdateError::Status {
                url: url.clone(),
                status: 404,
            })?;
            ghsa_tarball(build, url, &bytes, &mut report)?;
        }
        (Location::Url(url), feed) => {
            let http = Http::new(url, options);
            let bytes = http.fetch(url)?.ok_or_else(|| UpdateError::Status {
                url: url.clone(),
                status: 404,
            })?;
            // The name the importers see: the URL's last segment keeps `.zip` / `.yaml`.
            build.add_document(feed, url, &bytes, None)?;
            report.documents += 1;
            report.unverified += 1;
        }
    }
    Ok(report)
}

/// `distributions[].directory_url` of a CSAF provider-metadata document.
fn directory_urls(url: &str, meta: &[u8]) -> Result<Vec<String>, UpdateError> {
    #[derive(serde::Deserialize)]
    struct Meta {
        #[serde(default)]
        distributions: Vec<Distribution>,
    }
    #[derive(serde::Deserialize)]
    struct Distribution {
        #[serde(default)]
        directory_url: Option<String>,
    }
    let layout = |reason: String| UpdateError::Layout {
        location: url.to_owned(),
        reason,
    };
    let m: Meta =
        stella_core::canonical::from_slice_strict(meta).map_err(|e| layout(e.to_string()))?;
    let urls: Vec<String> = m
        .distributions
        .into_iter()
        .filter_map(|d| d.directory_url)
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .collect();
    if urls.is_empty() {
        return Err(layout(
            "no distributions[].directory_url (ROLIE-only providers are not read)".into(),
        ));
    }
    Ok(urls)
}

/// Reads a CSAF distribution directory: `index.txt`, each document, its `.sha256`/`.sha512`.
fn csaf_distribution(
    build: &mut DbBuild,
    getter: &mut dyn Getter,
    shown: &str,
    options: &UpdateOptions,
    report: &mut SourceReport,
) -> Result<(), UpdateError> {
    let layout = |reason: &str| UpdateError::Layout {
        location: shown.to_owned(),
        reason: reason.to_owned(),
    };
    let index = getter
        .get("index.txt")?
        .ok_or_else(|| layout("no index.txt"))?;
    let index = String::from_utf8(index).map_err(|_| layout("index.txt is not UTF-8"))?;
    let mut paths: Vec<&str> = index
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    paths.sort_unstable();
    paths.dedup();
    if paths.len() > options.max_documents {
        return Err(UpdateError::TooMany {
            location: shown.to_owned(),
            limit: options.max_documents,
        });
    }
    let tree = build.begin_tree(FeedKind::Csaf, shown, None);
    for rel in paths {
        if !safe_relative(rel) {
            return Err(UpdateError::Layout {
                location: shown.to_owned(),
                reason: format!("index.txt names {rel:?}, not a relative path inside it"),
            });
        }
        let bytes = getter.get(rel)?.ok_or_else(|| UpdateError::Status {
            url: getter.name(rel),
            status: 404,
        })?;
        report.documents += 1;
        let mut verified = false;
        for (ext, algorithm) in [("sha512", "sha512"), ("sha256", "sha256")] {
            let Some(published) = getter.get(&format!("{rel}.{ext}"))? else {
                continue;
            };
            let text = String::from_utf8_lossy(&published);
            let expected = text
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let actual = if algorithm == "sha256" {
                Digest::of(&bytes).hex()
            } else {
                use sha2::Digest as _;
                hex::encode(sha2::Sha512::digest(&bytes))
            };
            if expected != actual {
                return Err(UpdateError::DigestMismatch {
                    url: getter.name(rel),
                    algorithm,
                    expected: expected.chars().take(200).collect(),
                    actual,
                });
            }
            verified = true;
            break;
        }
        if verified {
            report.digests_verified += 1;
        } else {
            report.unverified += 1;
        }
        if getter.get(&format!("{rel}.asc"))?.is_some() {
            report.signatures_not_checked += 1;
        }
        build.tree_file(&tree, rel, bytes)?;
    }
    build.end_tree(tree);
    Ok(())
}

/// Reads the GHSA repository tarball (gzip) entry by entry: only the files of the published
/// layout are kept (each bounded by the importer).
fn ghsa_tarball(
    build: &mut DbBuild,
    url: &str,
    bytes: &[u8],
    report: &mut SourceReport,
) -> Result<(), UpdateError> {
    let io = |source| UpdateError::Io {
        path: url.to_owned(),
        source,
    };
    let tree = build.begin_tree(FeedKind::Ghsa, url, None);
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    for entry in archive.entries().map_err(io)? {
        let mut entry = entry.map_err(io)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().map_err(io)?.to_string_lossy().into_owned();
        if !path.contains(stella_vuln::feeds::ghsa::REVIEWED_DIR) {
            continue;
        }
        let mut data = Vec::new();
        (&mut entry)
            .take(stella_vuln::osv::MAX_RECORD_BYTES as u64 + 1)
            .read_to_end(&mut data)
            .map_err(io)?;
        report.documents += 1;
        report.unverified += 1;
        build.tree_file(&tree, &path, data)?;
    }
    build.end_tree(tree);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_and_paths() {
        let s: SourceSpec = "debian=https://security-tracker.debian.org/tracker/data/json"
            .parse()
            .unwrap();
        assert_eq!(s.feed, FeedKind::Debian);
        assert!(matches!(s.location, Location::Url(_)));
        let s: SourceSpec = "ghsa=/srv/mirror/advisory-database".parse().unwrap();
        assert!(matches!(s.location, Location::Path(_)));
        for bad in ["debian", "nvd=x", "osv=", "osv=ftp://x/all.zip"] {
            assert!(bad.parse::<SourceSpec>().is_err(), "{bad}");
        }
        assert!(safe_relative("2024/cve-2024-1.json"));
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "http://evil/x",
            "a//b",
            "a\\b",
        ] {
            assert!(!safe_relative(bad), "{bad}");
        }
    }
}

//! The IO side of TUF: a Sigstore `trusted_root.json` verified through a TUF repository, read
//! from a local mirror directory (air-gap) or over HTTPS, with the last trusted root, timestamp
//! and snapshot kept in a cache directory between runs. Verification itself is
//! [`stella_attest::tuf`] (pure); this module only fetches bytes and keeps them.
//!
//! A mirror directory has Sigstore's repository layout: `<dir>/N.root.json`,
//! `<dir>/timestamp.json`, `<dir>/N.snapshot.json`, `<dir>/N.targets.json` and
//! `<dir>/targets/<sha256>.trusted_root.json` — what `wget -r` of the repository, or
//! `tuf-repo-cdn.sigstore.dev` copied by hand, gives. Files are read as regular files only
//! (no symbolic link in the last component, no FIFO, bounded size).
//!
//! The root of trust is the one kept in the cache when it is at least as new as the
//! `initial_root` (by default Sigstore's production root, version 15, shipped in the binary:
//! [`SIGSTORE_PRODUCTION_ROOT`]); the cache is written only after a full verification, each
//! file atomically (temporary file, then rename).
//!
//! Expiry: as the TUF specification says (§5.3), an expired root is a valid *starting* point
//! — the client walks `N.root.json`, `N+1.root.json`, … from it, each signed by a threshold of
//! the previous root's keys and its own — and only the *final* root must be unexpired. The
//! built-in version 15 expired on 2026-11-20: a mirror that carries Sigstore's later roots
//! still verifies from it (and the cache then keeps the newest); a mirror that does not (an
//! air-gapped copy taken before the next root was published) fails with
//! [`TufMirrorError::RootExpired`], which says what to do. No newer fully signed Sigstore root
//! was available to this repository when v15 expired (the published `16.root.json` of
//! sigstore/root-signing that was at hand carries one of the three root signatures it needs,
//! a signing event in progress; `stella-attest/tests/tuf.rs` shows it is refused).
//!
//! ```no_run
//! use stella::tuf::{TufMirror, TufOptions, fetch_trusted_root};
//! use stella_core::Timestamp;
//!
//! let mirror = TufMirror::parse("/srv/mirrors/sigstore-tuf")?;
//! let options = TufOptions::new("/var/cache/stella/tuf".into());
//! let now = Timestamp::parse_rfc3339("2026-12-07T12:00:00Z")?;
//! let trusted_root_json = fetch_trusted_root(&mirror, &options, now)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use stella_attest::tuf::{
    KeptMetadata, Role, TrustedMetadata, TufError, TufLimits, TufRepository, refresh_target,
};
use stella_core::Timestamp;

/// Sigstore's production TUF root (version 15; sigstore-python commit
/// 27db13db157ecae5606eb22ec0be299ef348c370, Apache-2.0): the default root of trust.
pub const SIGSTORE_PRODUCTION_ROOT: &[u8] =
    include_bytes!("../data/tuf/sigstore-production.root.json");

/// The target a Sigstore TUF repository serves the trusted root as.
pub const TRUSTED_ROOT_TARGET: &str = "trusted_root.json";

/// Where a TUF repository is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TufMirror {
    /// A local directory with the repository's files.
    Dir(PathBuf),
    /// An `https://` base URL (the metadata root: `<url>/timestamp.json`, ...).
    Https(String),
}

impl TufMirror {
    /// `https://…` is a remote repository, anything else a directory. `http://` is refused:
    /// TUF metadata is signed, but a plain-HTTP mirror still lets anyone on the path withhold
    /// updates unseen.
    pub fn parse(text: &str) -> Result<Self, TufMirrorError> {
        if text.starts_with("https://") {
            if text.contains(char::is_whitespace) || text.contains('@') {
                return Err(TufMirrorError::BadMirror {
                    mirror: text.chars().take(200).collect(),
                    reason: "a URL with whitespace or userinfo",
                });
            }
            return Ok(Self::Https(text.trim_end_matches('/').to_owned()));
        }
        if text.contains("://") {
            return Err(TufMirrorError::BadMirror {
                mirror: text.chars().take(200).collect(),
                reason: "only https:// URLs or local directories",
            });
        }
        Ok(Self::Dir(PathBuf::from(text)))
    }
}

/// How [`fetch_trusted_root`] runs.
#[derive(Debug, Clone)]
pub struct TufOptions {
    /// Where the last trusted root, timestamp and snapshot are kept (created if missing).
    pub cache_dir: PathBuf,
    /// The root trusted when the cache has none (or an older one).
    pub initial_root: Vec<u8>,
    /// Bounds on the repository's documents.
    pub limits: TufLimits,
    /// HTTPS only: trust these PEM CA certificates instead of the Mozilla roots (a private
    /// mirror, or tests).
    pub tls_roots_pem: Option<Vec<u8>>,
    /// HTTPS only: the longest a whole request may take (default 60 s).
    pub timeout: Duration,
}

impl TufOptions {
    /// Sigstore's production root as the initial root, default limits, Mozilla roots.
    pub fn new(cache_dir: PathBuf) -> Self {
        Self {
            cache_dir,
            initial_root: SIGSTORE_PRODUCTION_ROOT.to_vec(),
            limits: TufLimits::default(),
            tls_roots_pem: None,
            timeout: Duration::from_secs(60),
        }
    }
}

/// Why no trusted root came out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TufMirrorError {
    /// The mirror argument is not usable.
    #[error("TUF mirror {mirror:?}: {reason}")]
    BadMirror {
        /// The argument (truncated).
        mirror: String,
        /// Why.
        reason: &'static str,
    },
    /// The repository's metadata or target did not verify (or could not be fetched).
    #[error(transparent)]
    Tuf(#[from] TufError),
    /// The newest root of trust the mirror chains to (from the built-in or given root, through
    /// every `N.root.json` the mirror holds) has expired: TUF trusts no expired root, so nothing
    /// can be verified until a newer signed root is available. An expired *starting* root is
    /// fine — only the last one of the chain must be current.
    #[error(
        "the TUF root of trust expired at {expires} and the mirror holds no newer signed root (N.root.json): refresh the mirror from the repository, or start from a newer root obtained out of band (stella verify --tuf-root FILE), or verify against a trusted_root.json file (--trusted-root)"
    )]
    RootExpired {
        /// When the newest root expired.
        expires: Timestamp,
    },
    /// The cache directory could not be read or written.
    #[error("TUF cache {path}: {source}")]
    Cache {
        /// The file or directory.
        path: PathBuf,
        /// The IO error.
        source: io::Error,
    },
    /// The TLS roots given are not PEM certificates.
    #[error("TLS roots: {reason}")]
    TlsRoots {
        /// Why.
        reason: String,
    },
}

const CACHE_FILES: [&str; 3] = ["root.json", "timestamp.json", "snapshot.json"];

/// Verifies the trusted root through the TUF repository at `mirror` and returns its bytes.
/// On success the cache holds the new root, timestamp and snapshot.
pub fn fetch_trusted_root(
    mirror: &TufMirror,
    options: &TufOptions,
    now: Timestamp,
) -> Result<Vec<u8>, TufMirrorError> {
    let limits = options.limits;
    let cache = |path: &Path, source| TufMirrorError::Cache {
        path: path.to_owned(),
        source,
    };
    std::fs::create_dir_all(&options.cache_dir).map_err(|e| cache(&options.cache_dir, e))?;
    let mut kept: [Option<Vec<u8>>; 3] = [None, None, None];
    for (slot, name) in kept.iter_mut().zip(CACHE_FILES) {
        let path = options.cache_dir.join(name);
        *slot = match crate::files::read_regular_no_follow(&path, limits.max_root_bytes as u64) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(cache(&path, e)),
        };
    }
    let [kept_root, kept_timestamp, kept_snapshot] = kept;
    let initial_version =
        TrustedMetadata::from_trusted_root(&options.initial_root, limits)?.root_version();
    // The kept root, when it verifies and is not older than the initial one; its timestamp and
    // snapshot go with it only.
    let use_kept = kept_root.as_deref().is_some_and(|r| {
        TrustedMetadata::from_trusted_root(r, limits)
            .is_ok_and(|t| t.root_version() >= initial_version)
    });
    let kept = if use_kept {
        KeptMetadata {
            root: kept_root.as_deref().unwrap_or_default(),
            timestamp: kept_timestamp.as_deref(),
            snapshot: kept_snapshot.as_deref(),
        }
    } else {
        KeptMetadata {
            root: &options.initial_root,
            timestamp: None,
            snapshot: None,
        }
    };
    let refreshed = match mirror {
        TufMirror::Dir(dir) => refresh_target(
            kept,
            &mut DirRepository { dir },
            now,
            TRUSTED_ROOT_TARGET,
            limits,
        )
        .map_err(actionable)?,
        TufMirror::Https(base) => refresh_target(
            kept,
            &mut HttpsRepository::new(base, options)?,
            now,
            TRUSTED_ROOT_TARGET,
            limits,
        )
        .map_err(actionable)?,
    };
    let t = &refreshed.trusted;
    for (name, bytes) in CACHE_FILES.into_iter().zip([
        Some(t.root_bytes()),
        t.timestamp_bytes(),
        t.snapshot_bytes(),
    ]) {
        if let Some(bytes) = bytes {
            write_atomic(&options.cache_dir, name, bytes)
                .map_err(|e| cache(&options.cache_dir.join(name), e))?;
        }
    }
    Ok(refreshed.target)
}

/// An expired final root says what to do about it.
fn actionable(e: TufError) -> TufMirrorError {
    match e {
        TufError::Expired {
            role: Role::Root,
            expires,
        } => TufMirrorError::RootExpired { expires },
        other => TufMirrorError::Tuf(other),
    }
}

fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, dir.join(name)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Only plain relative paths the workflow builds (`2.root.json`, `targets/<hex>.<name>`).
fn relative(path: &str) -> Result<&Path, Box<dyn std::error::Error + Send + Sync>> {
    let p = Path::new(path);
    if path.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(format!("not a plain relative path: {path:?}").into());
    }
    Ok(p)
}

struct DirRepository<'a> {
    dir: &'a Path,
}

impl TufRepository for DirRepository<'_> {
    fn fetch(
        &mut self,
        path: &str,
        max_bytes: u64,
    ) -> Result<Option<Vec<u8>>, Box<dyn std::error::Error + Send + Sync>> {
        let full = self.dir.join(relative(path)?);
        match crate::files::read_regular_no_follow(&full, max_bytes) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Box::new(e)),
        }
    }
}

struct HttpsRepository<'a> {
    base: &'a str,
    agent: ureq::Agent,
}

impl<'a> HttpsRepository<'a> {
    fn new(base: &'a str, options: &TufOptions) -> Result<Self, TufMirrorError> {
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(pem) = &options.tls_roots_pem {
            let mut certs = Vec::new();
            for item in ureq::tls::parse_pem(pem) {
                match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
                    Ok(_) => {}
                    Err(e) => {
                        return Err(TufMirrorError::TlsRoots {
                            reason: e.to_string(),
                        });
                    }
                }
            }
            if certs.is_empty() {
                return Err(TufMirrorError::TlsRoots {
                    reason: "no CERTIFICATE block".to_owned(),
                });
            }
            tls = tls.root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(certs)));
        }
        let config = ureq::Agent::config_builder()
            .https_only(true)
            .http_status_as_error(false)
            .max_redirects(3)
            .timeout_global(Some(options.timeout))
            .user_agent(concat!("stella/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls.build())
            .build();
        Ok(Self {
            base,
            agent: ureq::Agent::new_with_config(config),
        })
    }
}

impl TufRepository for HttpsRepository<'_> {
    fn fetch(
        &mut self,
        path: &str,
        max_bytes: u64,
    ) -> Result<Option<Vec<u8>>, Box<dyn std::error::Error + Send + Sync>> {
        let url = format!("{}/{}", self.base, relative(path)?.display());
        let mut response = self.agent.get(&url).call()?;
        match response.status().as_u16() {
            200 => {}
            // What python-tuf and go-tuf take as "no such version" when walking roots.
            403 | 404 => return Ok(None),
            status => return Err(format!("HTTP status {status}").into()),
        }
        let bytes = response
            .body_mut()
            .with_config()
            .limit(max_bytes)
            .read_to_vec()?;
        Ok(Some(bytes))
    }
}

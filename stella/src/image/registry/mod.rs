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
//! Pushing (`RegistryClient::push_blob`, `push_manifest`, `push_image`: a monolithic `POST` +
//! `PUT` upload, then the manifest) loads a registry with our own code; since artifacts are
//! attached to images in registries (`stella::oci`, issue 23) it is always compiled (the
//! `registry-push` feature is kept, empty, so crates naming it still build). The referrers API
//! and the referrers tag schema are read and written by `RegistryClient::referrers_api`,
//! `head_manifest` and `put_manifest_if` (conditional on an `ETag` where the registry honours
//! one).
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
mod cached;
mod client;
mod credentials;
mod error;
mod http;
mod push;
mod reference;
mod referrers;

use std::sync::{Mutex, PoisonError};

#[cfg(doc)]
use stella_core::{BlobStore, ImageSource};

use stella_core::{
    MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST_LIST, MEDIA_TYPE_OCI_INDEX,
    MEDIA_TYPE_OCI_MANIFEST,
};

pub use auth::Credentials;
pub use cached::RegistryImage;
pub use client::{FetchedManifest, RegistryClient, RegistryOptions};
pub use credentials::{
    CREDENTIAL_LOOKUP, ConfigProblem, CredentialProvider, DockerConfig, HELPER_OUTPUT_WITHHELD,
    HelperProblem, HostCredentials, canonical_registry,
};
pub use error::{AuthProblem, ProtocolProblem, RedirectProblem, RegistryError, TokenProblem};
pub use reference::{DOCKER_HUB, RegistryRef, redact_reference};
pub use referrers::{ConditionalPut, Precondition, ReferrersPages, TaggedManifest};

/// The manifest media types asked for (`Accept`) and read.
pub const MANIFEST_MEDIA_TYPES: [&str; 4] = [
    MEDIA_TYPE_OCI_INDEX,
    MEDIA_TYPE_OCI_MANIFEST,
    MEDIA_TYPE_DOCKER_MANIFEST_LIST,
    MEDIA_TYPE_DOCKER_MANIFEST,
];

fn is_index_media_type(media_type: &str) -> bool {
    media_type == MEDIA_TYPE_OCI_INDEX || media_type == MEDIA_TYPE_DOCKER_MANIFEST_LIST
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

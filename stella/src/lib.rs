//! # stella
//!
//! The batteries around the pure Stella Ops crates: std adapters for the core traits, the image
//! readers, one scan composition ([`scan`]), the store ([`store::Store`]) and the golden-path
//! pipeline ([`pipeline`]). The `stella` command line is the `stella-cli` package and the
//! embedded demo the `stella-demo` package: embedders of this library compile neither.
//!
//! ## Dependencies and why
//! - `tar`: reading OCI and docker-save archives in place (members served by seeking).
//! - `rayon`: walking root filesystem directories in parallel.
//! - `fs4`: the exclusive `flock` of the file-backed transparency log (one writer; released by
//!   the kernel when a process dies, so a crash leaves no stale lock).
//! - `sha2`: record checksums of the file-backed transparency log.
//! - `ureq` (rustls): HTTP(S) for the Rekor client ([`rekor`]) and the registry client
//!   ([`image::registry`]); used only when a caller names a Rekor URL or a registry image;
//!   and for an HTTPS TUF mirror ([`tuf`]).
//! - `percent-encoding`: the registry token request's query.
//! - `base64`, `hex`: Rekor request bodies, registry basic auth, Rekor log ids.
//! - `libc`: the `O_NONBLOCK` / `O_NOFOLLOW` flags [`files`] opens input files with (so a FIFO
//!   is refused by its type instead of blocking the open); constants only, no `unsafe`.
//!
//! ## Features
//! Both off by default, for tests only (stella's own tests turn them on through a dev-dependency
//! on itself; another crate's tests enable them in its dev-dependencies):
//! - `registry-push`: empty, kept so crates naming it still build: pushing
//!   (`RegistryClient::push_blob`, `push_manifest`, `push_image` in [`image::registry`]) is
//!   always compiled since [`oci`] attaches artifacts to images in registries.
//! - `testing`: `image::testing`, writing images built in memory to disk as OCI layouts, OCI
//!   archives and `docker save` archives.

pub mod db;
pub mod files;
pub mod gate_input;
pub mod image;
pub mod limits;
pub mod oci;
pub mod oci_mirror;
pub mod pipeline;
pub mod rekor;
pub mod run_record;
pub mod scan;
pub mod store;
pub mod tuf;
pub mod vex;

//! # stella-core
//!
//! The floor every other Stella Ops crate stands on:
//!
//! - [`Digest`]: SHA-256 content addresses, `sha256:<64 lowercase hex>` and nothing else, with a
//!   streaming [`Hasher`] and a [`VerifyingReader`];
//! - [`canonical`]: RFC 8785 canonical JSON from `serde` values or raw bytes, and the strict
//!   parser (duplicate keys, lone surrogates, out-of-range numbers and excess depth rejected);
//! - the traits through which pure code reaches the world — [`BlobStore`], [`ImageSource`],
//!   [`TransparencyLog`], [`Clock`], [`Signer`] / [`Verifier`] — all object-safe, `Send + Sync +
//!   Debug` and fallible, with in-memory implementations ([`MemoryBlobStore`],
//!   [`MemoryImageSource`], [`FixedClock`]; the in-memory Merkle log and local keys live in
//!   `stella-attest` because they need its cryptography);
//! - [`oci_artifact`]: OCI 1.1 artifact manifests with a `subject`, the referrers index and
//!   tag schema, and cosign's `.att` / `.sig` layout (pure; the registry IO is `stella::oci`'s);
//! - [`union_find`]: disjoint sets with a deterministic representative (the matcher's alias
//!   groups and the VEX merge's id groups);
//! - [`CoreError`], the crate's one error type;
//! - `testing` (cargo feature `testing`, off by default): the contract suite every
//!   implementation of [`BlobStore`], [`ImageSource`] and [`TransparencyLog`] runs in its tests.
//!
//! This crate does no IO: bytes and readers come in, values go out.
//!
//! ```
//! use stella_core::{canonical, BlobStore, Digest, MemoryBlobStore};
//!
//! let statement = serde_json::json!({"predicateType": "x", "_type": "y"});
//! let bytes = canonical::to_canonical_vec(&statement)?;
//! assert_eq!(bytes, br#"{"_type":"y","predicateType":"x"}"#);
//!
//! let store = MemoryBlobStore::new();
//! let digest = store.put(&bytes)?;
//! assert_eq!(digest, Digest::of(&bytes));
//! # Ok::<(), stella_core::CoreError>(())
//! ```
//!
//! ## Dependencies and why
//! - `sha2`: SHA-256 (see [`digest`] for why not `ring`).
//! - `serde`, `serde_json` (with `float_roundtrip`): the data model and typed parsing after the
//!   strict check.
//! - `ryu-js`: shortest round-trip doubles formatted exactly as ECMAScript does, which RFC 8785
//!   requires.
//! - `itoa`: fast integer formatting (already a dependency of `serde_json`).
//! - `hex`: digest text. `thiserror`: the error enum. `time`: RFC 3339 timestamps.

pub mod canonical;
mod clock;
pub mod digest;
mod error;
mod image;
mod log;
pub mod oci_artifact;
mod sign;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod union_find;

pub use clock::{Clock, FixedClock, Timestamp, TimestampError};
pub use digest::{Digest, Hasher, VerifyingReader};
pub use error::{CoreError, DigestError, JsonError};
pub use image::{
    Descriptor, ImageSource, MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST_LIST,
    MEDIA_TYPE_OCI_CONFIG, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_OCI_MANIFEST, MemoryImageSource,
};
pub use log::{
    ConsistencyProof, InclusionProof, LogReceipt, MerkleHash, SignedCheckpoint, TransparencyLog,
};
pub use sign::{SignatureAlgorithm, Signer, Verifier};
pub use store::{BlobStore, MemoryBlobStore};

//! # stella-attest
//!
//! Who vouches for an artifact, and proof that the claim was logged: keys, DSSE envelopes,
//! in-toto statements and predicates, RFC 9162 Merkle proofs, C2SP checkpoints, an in-memory
//! Merkle log, Rekor entries and Sigstore bundles — all pure, IO-free.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod dsse;
mod error;
pub mod keys;
pub mod transparency;

pub use error::AttestError;

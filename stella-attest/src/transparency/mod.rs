//! Transparency: RFC 9162 Merkle proofs, C2SP signed-note checkpoints, the in-memory Merkle log,
//! Rekor entries and Sigstore bundles.
//!
//! - [`merkle`]: leaf/node hashing, roots, inclusion and consistency proofs (generate and
//!   verify), for trees of any size.
//! - [`note`]: C2SP signed notes and tlog checkpoints — parse, write, sign, verify with
//!   Ed25519 or ECDSA P-256 note keys.
//! - [`MemoryLog`]: an append-only in-memory Merkle log implementing
//!   [`stella_core::TransparencyLog`].
//! - [`rekor`]: Rekor v1 entry bodies (`hashedrekord`, `intoto` v0.0.2, `dsse` v0.0.1), log
//!   entries, signed entry timestamps and their verification.
//! - [`bundle`]: Sigstore bundles v0.1–v0.3 (proto3 JSON) — parse, write, verify offline.
//!
//! Signatures are checked through [`stella_core::Verifier`] trait objects and made through
//! [`stella_core::Signer`], so any key backend can stand behind a log or a trust root.

mod b64;
pub mod bundle;
mod error;
mod log;
pub mod merkle;
pub mod note;
pub mod rekor;

pub use error::TransparencyError;
pub use log::MemoryLog;

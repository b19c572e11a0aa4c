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
//! - [`rekor_v2`]: Rekor v2 (rekor-tiles) entries — `hashedrekord` / `dsse` v0.0.2 bodies,
//!   checkpoint-only inclusion proofs, v2 log ids and origins, and what a body must record.
//! - [`x509`]: X.509 path validation of Fulcio and TSA certificates to a trusted root's
//!   certificate authorities (`rustls-webpki`, `x509-cert`).
//! - [`timestamp`]: RFC 3161 signed timestamps (`cms`, `der`) verified against a trusted root's
//!   timestamp authorities.
//! - [`bundle`]: Sigstore bundles v0.1–v0.3 (proto3 JSON) — parse, write, verify offline.
//!
//! Signatures are checked through [`stella_core::Verifier`] trait objects and made through
//! [`stella_core::Signer`], so any key backend can stand behind a log or a trust root.
//!
//! Dependencies used here and why: `sha2` for RFC 9162 leaf/node hashes and note key ids;
//! `base64` for note signatures, checkpoint roots, Rekor bodies and proto3 JSON `bytes`;
//! `serde`/`serde_json` for the bundle and Rekor models, with `stella-core`'s strict parser
//! (duplicate keys refused) and RFC 8785 writer (Rekor bodies, SET payloads); `hex` for Rekor log
//! ids and hashes; the [`crate::keys`] module (`ring`) for the keys of bundles and trust roots;
//! `rustls-webpki` (ring backend) for certificate paths and `x509-cert`, `der` and `cms`
//! (RustCrypto) for certificates and RFC 3161 tokens.
//! Test-only: `sigstore-verify` (sigstore-rust) as a differential oracle for bundles.
//!
//! Limits: keyless (Fulcio certificate) bundles are not verified (their certificate chain and
//! identity are not checked; [`bundle::Bundle::verify_with_key`] returns
//! [`TransparencyError::NotSupported`]) and trust root validity periods are not enforced by the
//! bundle verifier. The building blocks for those — [`x509`], [`timestamp`] and [`rekor_v2`] —
//! are verified on their own here and are not yet wired into [`bundle`].

mod b64;
pub mod bundle;
mod error;
mod log;
pub mod merkle;
pub mod note;
pub mod rekor;
pub mod rekor_v2;
#[cfg(feature = "testing")]
pub mod testing;
pub mod timestamp;
pub mod x509;

pub use error::TransparencyError;
pub use log::{MemoryLog, verify_receipt};

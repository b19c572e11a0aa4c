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
//! - [`fulcio`]: Fulcio code-signing certificates — SAN identity, OIDC issuer and the other
//!   `1.3.6.1.4.1.57264.1.*` claims.
//! - [`sct`]: the Signed Certificate Timestamps embedded in a Fulcio certificate, verified
//!   against a trusted root's CT logs.
//! - [`identity`]: the identity policy of keyless verification (cosign's
//!   `--certificate-identity[-regexp]`, `--certificate-oidc-issuer[-regexp]`, GitHub claims).
//! - [`bundle`]: Sigstore bundles v0.1–v0.3 (proto3 JSON) — parse, write, verify offline,
//!   key-based and keyless, against a full `trusted_root.json`.
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
//! `regex` (RE2 syntax, linear time) for the identity policy's regular expressions.
//!
//! Limits: online lookups (Rekor, TUF) are the caller's; [`bundle::Bundle::verify_with_key`]
//! (the key-based API kept for existing callers) still refuses keyless bundles — use
//! [`bundle::Bundle::verify`] with a [`bundle::TrustedRoot`] for them.

mod b64;
pub mod bundle;
mod error;
pub mod fulcio;
pub mod identity;
mod log;
pub mod merkle;
pub mod note;
pub mod rekor;
pub mod rekor_v2;
pub mod sct;
#[cfg(feature = "testing")]
pub mod testing;
pub mod timestamp;
pub mod x509;

pub use error::TransparencyError;
pub use log::{MemoryLog, verify_receipt};

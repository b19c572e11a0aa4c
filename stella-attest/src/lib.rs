//! # stella-attest
//!
//! Who vouches for an artifact, and proof that the claim was logged: keys, DSSE envelopes,
//! in-toto statements and predicates, RFC 9162 Merkle proofs, C2SP checkpoints, an in-memory
//! Merkle log, Rekor entries and Sigstore bundles — all pure, IO-free.
//!
//! - [`keys`]: ECDSA P-256 (default) and Ed25519 keys, PEM/DER import and export, key ids,
//!   signing ([`keys::LocalSigner`], a `stella_core::Signer`) and verification.
//! - [`dsse`]: DSSE v1 envelopes — PAE, signing with one or many signers, verification against a
//!   [`dsse::Keyring`] with a threshold of distinct keys. The payload is reachable only through
//!   [`dsse::VerifiedEnvelope`].
//! - [`statement`]: in-toto Statement v1 (and legacy v0.1 read), and [`statement::StatementPolicy`]
//!   — allowed payload and predicate types, expected subject, required signers.
//! - [`predicates`]: the predicate types we write and read.
//! - [`transparency`]: Merkle proofs, checkpoints, logs, Rekor and Sigstore bundles.
//! - [`tuf`]: TUF metadata verification (the client workflow over bytes the caller fetched), to
//!   refresh a Sigstore trusted root from a mirrored TUF repository.
//!
//! ```
//! use stella_attest::dsse::{Envelope, Keyring};
//! use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
//! use stella_attest::predicates::{Predicate, SpdxDocument};
//! use stella_attest::statement::{Statement, StatementPolicy};
//! use stella_core::{Digest, SignatureAlgorithm};
//!
//! let key = PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &SystemRandom::new())?;
//! let mut keyring = Keyring::new();
//! keyring.add(key.public_key().clone())?;
//! let signer = LocalSigner::new(key, SystemRandom::new())?;
//!
//! let image = Digest::of(b"manifest bytes");
//! let spdx = SpdxDocument(serde_json::json!({"spdxVersion": "SPDX-2.3"}));
//! let statement = Statement::builder().subject("app", image).predicate(&spdx)?.build()?;
//! let envelope = statement.sign(&[&signer])?.to_json()?;
//!
//! let verified = StatementPolicy::new()
//!     .allow_predicate_type(SpdxDocument::PREDICATE_TYPE)
//!     .expect_subject(image)
//!     .verify(&Envelope::from_json(&envelope)?, &keyring)?;
//! assert_eq!(verified.statement().predicate_as::<SpdxDocument>()?, spdx);
//! # Ok::<(), stella_attest::AttestError>(())
//! ```
//!
//! ## Dependencies and why
//! - `ring`: ECDSA P-256 and Ed25519 signing and verification (about 4x the pure-Rust `p256`
//!   throughput on P-256).
//! - `p256` (and its re-exported `pkcs8`/`spki`/`der`/`pem`): the key encodings `ring` has no API
//!   for (SEC1, PKCS#8 without the public key, SPKI, PEM), low-S normalization and DER ⇄ `r||s`.
//! - `base64`: DSSE's standard and URL-safe base64. `zeroize`: private key bytes.
//! - `serde`, `serde_json`: envelope, statement and predicate models; `stella-core`'s strict
//!   parser and RFC 8785 writer for statements. `sha2`, `hex`: digests (SHA-256, and SHA-384 /
//!   SHA-512 for artifact matching and TUF hashes). `thiserror`: errors.
//! - [`tuf`] adds no dependency: `ring` verifies its RSA-PSS keys (and, through [`keys`], its
//!   Ed25519 and ECDSA ones), `p256`'s `spki` re-export reads RSA SubjectPublicKeyInfo, and OLPC
//!   canonical JSON is written here (stella-core's canonical JSON is RFC 8785, a different
//!   byte form; no maintained crate writes securesystemslib's form exactly, and it is 60 lines
//!   tested byte for byte against securesystemslib's `encode_canonical`).
//! - `rustls-webpki` (ring backend), `x509-cert` (with its `sct` feature), `der`, `cms`:
//!   keyless Sigstore — certificate paths, Fulcio extensions, embedded SCT lists, RFC 3161
//!   tokens (see [`transparency`]); `p256` also verifies a P-256 signature from an artifact
//!   digest alone (`ring` verifies whole messages only).
//! - `p384`, `p521` (RustCrypto, the family of `p256`, same `ecdsa` and `elliptic-curve`
//!   versions so nothing is duplicated): P-384 and P-521 signatures verified from a SHA-2
//!   digest alone (`--artifact-digest`), which `ring` cannot do (and has no P-521 at all);
//!   pure Rust, maintained, and the prehash verifier is a documented `hazmat` API of theirs.
//! - `regex`: the identity policy's regular expressions (RE2 syntax, linear time, as cosign's
//!   Go `regexp`).

pub mod dsse;
mod error;
pub mod keys;
pub mod predicates;
pub mod statement;
pub mod transparency;
pub mod tuf;

pub use error::AttestError;

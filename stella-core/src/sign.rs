//! Signing and verification as the pure crates see them, so a KMS, an HSM or a local key can
//! stand behind the same calls. Local keys (ECDSA P-256, Ed25519) live in `stella-attest`.

use std::fmt::Debug;

use crate::error::CoreError;

/// A signature algorithm Stella Ops signs or verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// ECDSA over NIST P-256 with SHA-256 (cosign's default). Signatures are ASN.1 DER.
    EcdsaP256Sha256,
    /// Ed25519 (RFC 8032), 64-byte signatures.
    Ed25519,
}

impl SignatureAlgorithm {
    /// A stable lowercase name (`ecdsa-p256-sha256`, `ed25519`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::EcdsaP256Sha256 => "ecdsa-p256-sha256",
            Self::Ed25519 => "ed25519",
        }
    }
}

/// Something that signs messages with one private key.
///
/// The message is signed as given (for DSSE, the PAE bytes); the implementation hashes as its
/// algorithm requires.
pub trait Signer: Send + Sync + Debug {
    /// The key's stable id (for local keys: `sha256:` of the SPKI DER; see `stella-attest`).
    fn key_id(&self) -> &str;
    /// The algorithm this key signs with.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// The public key as DER SubjectPublicKeyInfo.
    fn public_key_spki_der(&self) -> Vec<u8>;
    /// Signs `message`.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CoreError>;
}

/// Something that verifies signatures made with one key.
pub trait Verifier: Send + Sync + Debug {
    /// The key's stable id.
    fn key_id(&self) -> &str;
    /// The algorithm this key verifies.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// Verifies `signature` over `message`; an invalid signature is
    /// [`CoreError::BadSignature`], never `Ok`.
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), CoreError>;
}

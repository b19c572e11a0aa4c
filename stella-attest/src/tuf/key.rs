//! TUF public keys in the metadata key formats: `ed25519` (hex raw key), `ecdsa` /
//! `ecdsa-sha2-nistp256` (PEM SubjectPublicKeyInfo as securesystemslib and Sigstore write it, or
//! the legacy hex SEC1 point go-tuf wrote) and `rsa` with scheme `rsassa-pss-sha256` (PEM SPKI).

use p256::pkcs8::der::Decode as _;
use p256::pkcs8::spki::SubjectPublicKeyInfoRef;
use ring::signature as ring_sig;
use serde::Deserialize;

use super::TufError;
use crate::keys::PublicKey;

/// rsaEncryption (RFC 8017 A.1).
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

/// The key object of a root's `keys` map.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WireKey {
    keytype: String,
    scheme: String,
    keyval: WireKeyVal,
}

#[derive(Debug, Clone, Deserialize)]
struct WireKeyVal {
    public: String,
}

/// A key that verifies TUF signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TufKey {
    /// Ed25519 or ECDSA P-256 with SHA-256 (through [`PublicKey`]).
    Stella(PublicKey),
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (securesystemslib's signing
    /// parameters); PKCS#1 `RSAPublicKey` DER.
    RsaPss(Vec<u8>),
}

impl TufKey {
    /// Parses a key object; `keyid` names it in errors.
    pub(crate) fn parse(keyid: &str, wire: &WireKey) -> Result<Self, TufError> {
        let bad = |reason: String| TufError::Key {
            keyid: truncate(keyid),
            reason,
        };
        let public = wire.keyval.public.as_str();
        match (wire.keytype.as_str(), wire.scheme.as_str()) {
            ("ed25519", "ed25519") => {
                let raw = hex::decode(public).map_err(|e| bad(format!("ed25519 hex: {e}")))?;
                PublicKey::from_ed25519_raw(&raw)
                    .map(Self::Stella)
                    .map_err(|e| bad(e.to_string()))
            }
            ("ecdsa" | "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256") => {
                let key = if public.trim_start().starts_with("-----BEGIN") {
                    PublicKey::from_pem(public).map_err(|e| bad(e.to_string()))?
                } else {
                    let point = hex::decode(public).map_err(|e| bad(format!("ecdsa key: {e}")))?;
                    PublicKey::from_p256_sec1(&point).map_err(|e| bad(e.to_string()))?
                };
                if key.algorithm() != stella_core::SignatureAlgorithm::EcdsaP256Sha256 {
                    return Err(bad("an ecdsa-sha2-nistp256 key that is not P-256".into()));
                }
                Ok(Self::Stella(key))
            }
            ("rsa", "rsassa-pss-sha256") => {
                let der =
                    crate::keys::pem_der(public, "PUBLIC KEY").map_err(|e| bad(e.to_string()))?;
                let info = SubjectPublicKeyInfoRef::from_der(&der)
                    .map_err(|e| bad(format!("RSA SPKI: {e}")))?;
                if info.algorithm.oid.to_string() != RSA_ENCRYPTION {
                    return Err(bad("an rsa key whose SPKI is not rsaEncryption".into()));
                }
                let pkcs1 = info
                    .subject_public_key
                    .as_bytes()
                    .ok_or_else(|| bad("RSA key bits are not whole bytes".into()))?;
                Ok(Self::RsaPss(pkcs1.to_vec()))
            }
            (keytype, scheme) => Err(TufError::UnsupportedKey {
                keyid: truncate(keyid),
                keytype: truncate(keytype),
                scheme: truncate(scheme),
            }),
        }
    }

    /// Whether `signature` over `message` verifies.
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Stella(key) => key.verify(message, signature).is_ok(),
            Self::RsaPss(pkcs1) => {
                ring_sig::UnparsedPublicKey::new(&ring_sig::RSA_PSS_2048_8192_SHA256, pkcs1)
                    .verify(message, signature)
                    .is_ok()
            }
        }
    }

    /// The key material, to count two key ids holding the same key once.
    pub(crate) fn material(&self) -> &[u8] {
        match self {
            Self::Stella(key) => key.spki_der(),
            Self::RsaPss(pkcs1) => pkcs1,
        }
    }
}

pub(crate) fn truncate(s: &str) -> String {
    s.chars().take(120).collect()
}

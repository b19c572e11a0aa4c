//! Keys: ECDSA P-256 with SHA-256 (the default, as cosign) and Ed25519.
//!
//! ## API summary
//!
//! - [`PublicKey`]: import from SPKI DER ([`PublicKey::from_spki_der`]), PEM `PUBLIC KEY`
//!   ([`PublicKey::from_pem`]), either of those told apart by content
//!   ([`PublicKey::from_pem_or_der`], what a key file may hold), a raw 32-byte Ed25519 key as
//!   C2SP signed notes carry it ([`PublicKey::from_ed25519_raw`]) or a SEC1 P-256 point
//!   ([`PublicKey::from_p256_sec1`]);
//!   export with [`PublicKey::spki_der`] / [`PublicKey::to_pem`]; [`PublicKey::key_id`];
//!   [`PublicKey::verify`] (accepts DER and fixed-size `r||s` ECDSA signatures, high-S accepted)
//!   and [`PublicKey::verify_strict`] (high-S refused with [`KeyError::HighS`]). `PublicKey`
//!   implements [`stella_core::Verifier`].
//! - [`PrivateKey`]: [`PrivateKey::generate`] from a caller-given RNG; import PKCS#8 or SEC1, DER
//!   or PEM ([`PrivateKey::from_pkcs8_der`], [`PrivateKey::from_sec1_der`],
//!   [`PrivateKey::from_der`], [`PrivateKey::from_pem`], [`PrivateKey::from_pem_or_der`]); export PKCS#8 / SEC1 DER and PEM (in
//!   [`Zeroizing`] buffers); [`PrivateKey::public_key`]. Key bytes are zeroized on drop and
//!   `Debug` prints only the algorithm and key id.
//! - [`LocalSigner`]: a private key ready to sign (the ring key schedule built once), with the
//!   RNG ECDSA needs; implements [`stella_core::Signer`], so a KMS or HSM signer can stand in its
//!   place. ECDSA signatures are written as ASN.1 DER, always low-S.
//!
//! ## The key id rule
//!
//! A key's id is `sha256:` followed by the lowercase hex SHA-256 of its SubjectPublicKeyInfo DER
//! (for P-256, the SPKI with the uncompressed point, as `openssl` and Go write it). This is the
//! fingerprint Sigstore uses as a public key "hint" (there base64, here hex with the algorithm
//! prefix, as every other digest in Stella Ops) and that `stella_core::Signer` documents. It
//! depends only on the public key, so the same key has the same id everywhere.
//!
//! ## Why `ring` and `p256`
//!
//! Signing and verifying go through `ring` (P-256 sign about 4x and verify about 4x the
//! throughput of the pure-Rust `p256`). `ring` has no API for SEC1 private keys, for PKCS#8
//! without the public key, for SPKI or for PEM, and cannot write keys it did not generate; the
//! `p256` crate (with its `pkcs8`/`spki`/`der`/`pem` re-exports) parses and writes those
//! encodings, normalizes ECDSA `s` and converts between DER and `r||s` signatures.
//!
//! ## RNG
//!
//! A pure crate reads no entropy of its own: key generation and ECDSA signing take a
//! [`SecureRandom`] from the caller (re-exported from `ring`; the `stella` crate passes
//! [`SystemRandom`]). `ring` hedges ECDSA nonces with the key and message as well as the RNG.
//!
//! ## One key per input
//!
//! A PEM input holding more than one key block (two `PUBLIC KEY`s, a public and a private key,
//! a key and a certificate) is refused with [`KeyError::MultipleKeys`], for public and private
//! keys alike: cosign's key files hold one key, and using "the first" would let whoever
//! prepends a block choose the key. An `EC PARAMETERS` block before a SEC1 key (as
//! `openssl ecparam -genkey` writes it) is not a key and is skipped.
//!
//! ## Limits
//!
//! Encrypted private keys (`ENCRYPTED PRIVATE KEY`, cosign's `ENCRYPTED SIGSTORE PRIVATE KEY`)
//! are refused with [`KeyError::EncryptedKey`]. `ring` keeps its own copy of the key schedule in
//! a [`LocalSigner`], which `ring` does not zeroize; the bytes this module holds are zeroized.
//!
//! ```
//! use stella_attest::keys::{LocalSigner, PrivateKey, PublicKey, SystemRandom};
//! use stella_core::SignatureAlgorithm;
//!
//! let rng = SystemRandom::new();
//! let key = PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &rng)?;
//! let public = PublicKey::from_pem(&key.public_key().to_pem())?;
//! assert_eq!(public.key_id(), key.key_id());
//!
//! let signer = LocalSigner::new(key, rng)?;
//! let signature = signer.sign(b"hello")?;
//! public.verify(b"hello", &signature)?;
//! assert!(public.verify(b"hellO", &signature).is_err());
//! # Ok::<(), stella_attest::AttestError>(())
//! ```

use std::fmt;

use p256::elliptic_curve::sec1::ToSec1Point;
use p256::pkcs8::der::{Decode, pem};
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
    ObjectIdentifier, PrivateKeyInfoRef, SubjectPublicKeyInfoRef,
};
pub use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self as ring_sig, KeyPair as _};
use stella_core::{CoreError, Digest, SignatureAlgorithm};
pub use zeroize::Zeroizing;

/// `id-ecPublicKey` (RFC 5480).
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `id-Ed25519` (RFC 8410).
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4); the 32-byte key follows.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
/// DER prefix of an Ed25519 PKCS#8 v1 OneAsymmetricKey (RFC 8410 §7); the 32-byte seed follows.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// The longest PEM or DER key input accepted (keys are a few hundred bytes).
pub const MAX_KEY_INPUT: usize = 64 * 1024;

/// What can be wrong with a key or a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The input is not PEM, or its base64 body is malformed.
    #[error("key is not valid PEM: {reason}")]
    Pem {
        /// What is wrong with the PEM text.
        reason: PemProblem,
    },
    /// The input holds more than one key block. A key file holds exactly one key (as cosign
    /// requires); which of several keys was meant is not guessed.
    #[error("key input holds {count} PEM key blocks; exactly one key is expected (split the file)")]
    MultipleKeys {
        /// How many PEM blocks (other than `EC PARAMETERS`) were found.
        count: usize,
    },
    /// Bytes that are neither PEM text (no `-----BEGIN` line) nor DER (a leading SEQUENCE).
    #[error("key is neither PEM (no -----BEGIN line) nor DER (does not start with a SEQUENCE)")]
    UnknownEncoding,
    /// A PEM block whose label is not a key this module reads.
    #[error(
        "PEM label {label:?} is not a supported key (expected PUBLIC KEY, PRIVATE KEY or EC PRIVATE KEY)"
    )]
    UnsupportedPemLabel {
        /// The label found.
        label: String,
    },
    /// A password-protected private key.
    #[error("encrypted private key ({label}) is not supported; decrypt it first")]
    EncryptedKey {
        /// The PEM label.
        label: String,
    },
    /// The DER structure could not be parsed.
    #[error("malformed {format} key: {reason}")]
    MalformedKey {
        /// Which encoding was being parsed (`SPKI`, `PKCS#8`, `SEC1`, `raw Ed25519`).
        format: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A key of an algorithm or curve other than P-256 and Ed25519.
    #[error("unsupported key algorithm {oid} (supported: ECDSA P-256, Ed25519)")]
    UnsupportedAlgorithm {
        /// The algorithm OID (and curve, where known) found.
        oid: String,
    },
    /// The public key embedded with a private key does not belong to it.
    #[error("the public key in the {format} structure does not match the private key")]
    PublicKeyMismatch {
        /// The encoding.
        format: &'static str,
    },
    /// An operation that does not exist for this key type (e.g. SEC1 export of Ed25519).
    #[error("{operation} is not supported for {algorithm} keys")]
    UnsupportedOperation {
        /// What was asked.
        operation: &'static str,
        /// The key's algorithm name.
        algorithm: &'static str,
    },
    /// The input exceeds [`MAX_KEY_INPUT`].
    #[error("key input of {length} bytes exceeds the limit of {max}")]
    TooLarge {
        /// Input length.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// The caller's RNG failed.
    #[error("the random number generator failed")]
    Rng,
    /// `ring` refused the key material.
    #[error("key rejected: {reason}")]
    Rejected {
        /// `ring`'s reason.
        reason: String,
    },
    /// A signature that is not a well-formed encoding for the key's algorithm (truncated,
    /// trailing bytes, wrong length, zero or out-of-range scalars).
    #[error("malformed {algorithm} signature of {length} bytes")]
    MalformedSignature {
        /// The algorithm name.
        algorithm: &'static str,
        /// The signature's length.
        length: usize,
    },
    /// An ECDSA signature with `s` above n/2, refused by strict verification (malleability).
    #[error("ECDSA signature under key {key_id} has a high S value (not canonical low-S)")]
    HighS {
        /// The key id.
        key_id: String,
    },
    /// A well-formed signature that does not verify under the key.
    #[error("signature does not verify under key {key_id}")]
    BadSignature {
        /// The key id.
        key_id: String,
    },
}

/// What is wrong with a PEM key input ([`KeyError::Pem`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PemProblem {
    /// No `-----BEGIN` line (other than `EC PARAMETERS`) in the input.
    #[error("no -----BEGIN line")]
    NoBegin,
    /// A `-----BEGIN` line without its closing dashes.
    #[error("unterminated BEGIN line")]
    UnterminatedBegin,
    /// A block without the `-----END` line of its label.
    #[error("{}", truncate(&format!("no -----END {label}----- line")))]
    NoEnd {
        /// The block's label.
        label: String,
    },
    /// The block's body is not padded standard base64, has encapsulated headers, or is empty.
    #[error("{}", truncate(&format!("PEM body: {reason}")))]
    Body {
        /// What is wrong.
        reason: String,
    },
}

fn truncate(s: &str) -> String {
    s.chars().take(80).collect()
}

fn malformed(format: &'static str, reason: impl fmt::Display) -> KeyError {
    KeyError::MalformedKey {
        format,
        reason: truncate(&reason.to_string()),
    }
}

fn check_size(len: usize) -> Result<(), KeyError> {
    if len > MAX_KEY_INPUT {
        return Err(KeyError::TooLarge {
            length: len,
            max: MAX_KEY_INPUT,
        });
    }
    Ok(())
}

/// The stable key id of an SPKI DER (see the module docs).
pub fn key_id_of_spki(spki_der: &[u8]) -> String {
    Digest::of(spki_der).to_string()
}

/// A public key: ECDSA P-256 or Ed25519.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    algorithm: SignatureAlgorithm,
    /// Canonical SPKI DER.
    spki_der: Vec<u8>,
    /// What `ring` verifies with: the uncompressed SEC1 point, or the 32-byte Ed25519 key.
    raw: Vec<u8>,
    key_id: String,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("algorithm", &self.algorithm.name())
            .field("key_id", &self.key_id)
            .finish()
    }
}

impl PublicKey {
    fn from_parts(algorithm: SignatureAlgorithm, spki_der: Vec<u8>, raw: Vec<u8>) -> Self {
        let key_id = key_id_of_spki(&spki_der);
        Self {
            algorithm,
            spki_der,
            raw,
            key_id,
        }
    }

    fn from_p256(key: &p256::PublicKey) -> Result<Self, KeyError> {
        let spki = key
            .to_public_key_der()
            .map_err(|e| malformed("SPKI", e))?
            .as_bytes()
            .to_vec();
        let raw = key.to_sec1_point(false).as_bytes().to_vec();
        Ok(Self::from_parts(
            SignatureAlgorithm::EcdsaP256Sha256,
            spki,
            raw,
        ))
    }

    /// A raw 32-byte Ed25519 public key, as C2SP signed notes and RFC 8032 carry it.
    pub fn from_ed25519_raw(raw: &[u8]) -> Result<Self, KeyError> {
        let key: [u8; 32] = raw.try_into().map_err(|_| {
            malformed(
                "raw Ed25519",
                format_args!("{} bytes, expected 32", raw.len()),
            )
        })?;
        let mut spki = ED25519_SPKI_PREFIX.to_vec();
        spki.extend_from_slice(&key);
        Ok(Self::from_parts(
            SignatureAlgorithm::Ed25519,
            spki,
            key.to_vec(),
        ))
    }

    /// A P-256 point in SEC1 encoding (compressed or uncompressed).
    pub fn from_p256_sec1(point: &[u8]) -> Result<Self, KeyError> {
        let key = p256::PublicKey::from_sec1_bytes(point)
            .map_err(|_| malformed("SEC1 point", "not a point on P-256"))?;
        Self::from_p256(&key)
    }

    /// A DER SubjectPublicKeyInfo (RFC 5280 / RFC 5480 / RFC 8410).
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        check_size(der.len())?;
        let info = SubjectPublicKeyInfoRef::from_der(der).map_err(|e| malformed("SPKI", e))?;
        let oid = info.algorithm.oid;
        if oid == OID_EC_PUBLIC_KEY {
            let key = p256::PublicKey::from_public_key_der(der).map_err(|e| {
                KeyError::UnsupportedAlgorithm {
                    oid: truncate(&format!("{oid} (not a P-256 key: {e})")),
                }
            })?;
            Self::from_p256(&key)
        } else if oid == OID_ED25519 {
            if info.algorithm.parameters.is_some() {
                return Err(malformed(
                    "SPKI",
                    "Ed25519 algorithm parameters must be absent",
                ));
            }
            let raw = info
                .subject_public_key
                .as_bytes()
                .ok_or_else(|| malformed("SPKI", "public key bit string has unused bits"))?;
            Self::from_ed25519_raw(raw)
        } else {
            Err(KeyError::UnsupportedAlgorithm {
                oid: oid.to_string(),
            })
        }
    }

    /// A PEM `PUBLIC KEY` block. Text around the block is ignored; a second PEM block is
    /// [`KeyError::MultipleKeys`] (one key per file, as cosign requires).
    pub fn from_pem(pem_text: &str) -> Result<Self, KeyError> {
        check_size(pem_text.len())?;
        let (label, der) = decode_pem(pem_text)?;
        match label.as_str() {
            "PUBLIC KEY" => Self::from_spki_der(&der),
            _ => Err(KeyError::UnsupportedPemLabel { label }),
        }
    }

    /// A public key file's bytes, PEM or DER SubjectPublicKeyInfo, told apart by content (see
    /// [`KeyEncoding::detect`]), not by file name: what cosign's `--key` accepts.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self, KeyError> {
        check_size(bytes.len())?;
        match KeyEncoding::detect(bytes)? {
            KeyEncoding::Pem(text) => Self::from_pem(text),
            KeyEncoding::Der => Self::from_spki_der(bytes),
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    /// The stable key id: `sha256:<hex of the SPKI DER>`.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The key as `ring` uses it: the 65-byte uncompressed SEC1 point, or the 32-byte Ed25519 key.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// PEM `PUBLIC KEY` with LF line endings.
    pub fn to_pem(&self) -> String {
        pem_encode("PUBLIC KEY", &self.spki_der)
    }

    /// Verifies `signature` over `message`. ECDSA signatures may be ASN.1 DER or fixed-size
    /// `r||s` (64 bytes); high-S ECDSA signatures are accepted, as Go's `crypto/ecdsa` (cosign)
    /// and OpenSSL (securesystemslib) do not normalize `s`. See [`PublicKey::verify_strict`].
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        self.verify_with(message, signature, false)
    }

    /// As [`PublicKey::verify`], but a high-S ECDSA signature is [`KeyError::HighS`].
    pub fn verify_strict(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        self.verify_with(message, signature, true)
    }

    pub(crate) fn verify_with(
        &self,
        message: &[u8],
        signature: &[u8],
        reject_high_s: bool,
    ) -> Result<(), KeyError> {
        let bad = || KeyError::BadSignature {
            key_id: self.key_id.clone(),
        };
        match self.algorithm {
            SignatureAlgorithm::Ed25519 => {
                if signature.len() != 64 {
                    return Err(KeyError::MalformedSignature {
                        algorithm: self.algorithm.name(),
                        length: signature.len(),
                    });
                }
                ring_sig::UnparsedPublicKey::new(&ring_sig::ED25519, &self.raw)
                    .verify(message, signature)
                    .map_err(|_| bad())
            }
            _ => {
                // Fast path: a DER signature goes to ring as is (ring parses DER strictly);
                // `p256` parses only to tell a malformed signature from a bad one, to check S in
                // strict mode, and to read the fixed-size form.
                if !reject_high_s
                    && signature.len() != 64
                    && ring_sig::UnparsedPublicKey::new(
                        &ring_sig::ECDSA_P256_SHA256_ASN1,
                        &self.raw,
                    )
                    .verify(message, signature)
                    .is_ok()
                {
                    return Ok(());
                }
                let sig = parse_ecdsa_signature(signature)?;
                if reject_high_s && sig.normalize_s() != sig {
                    return Err(KeyError::HighS {
                        key_id: self.key_id.clone(),
                    });
                }
                let fixed = sig.to_bytes();
                ring_sig::UnparsedPublicKey::new(&ring_sig::ECDSA_P256_SHA256_FIXED, &self.raw)
                    .verify(message, fixed.as_slice())
                    .map_err(|_| bad())
            }
        }
    }
}

/// Parses an ECDSA P-256 signature: ASN.1 DER, or 64 bytes `r||s` when it is not DER.
fn parse_ecdsa_signature(signature: &[u8]) -> Result<p256::ecdsa::Signature, KeyError> {
    p256::ecdsa::Signature::from_der(signature)
        .or_else(|e| {
            if signature.len() == 64 {
                p256::ecdsa::Signature::from_slice(signature)
            } else {
                Err(e)
            }
        })
        .map_err(|_| KeyError::MalformedSignature {
            algorithm: SignatureAlgorithm::EcdsaP256Sha256.name(),
            length: signature.len(),
        })
}

impl stella_core::Verifier for PublicKey {
    fn key_id(&self) -> &str {
        &self.key_id
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), CoreError> {
        PublicKey::verify(self, message, signature).map_err(|e| key_to_core(&self.key_id, e))
    }
}

fn key_to_core(key_id: &str, e: KeyError) -> CoreError {
    match e {
        KeyError::BadSignature { key_id } => CoreError::BadSignature { key_id },
        other => CoreError::Backend {
            backend: "stella-attest keys",
            source: Box::new(KeyedError {
                key_id: key_id.to_owned(),
                source: other,
            }),
        },
    }
}

/// A [`KeyError`] with the key it concerned, as carried inside a [`CoreError`].
#[derive(Debug, thiserror::Error)]
#[error("key {key_id}: {source}")]
pub struct KeyedError {
    /// The key id.
    pub key_id: String,
    /// The error.
    #[source]
    pub source: KeyError,
}

/// A private key: ECDSA P-256 or Ed25519. Its bytes are zeroized on drop; `Debug` shows only the
/// algorithm and key id.
pub struct PrivateKey {
    public: PublicKey,
    /// The P-256 scalar (big-endian) or the Ed25519 seed.
    secret: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.public.algorithm.name())
            .field("key_id", &self.public.key_id)
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Generates a key with the caller's RNG.
    pub fn generate(
        algorithm: SignatureAlgorithm,
        rng: &dyn SecureRandom,
    ) -> Result<Self, KeyError> {
        match algorithm {
            SignatureAlgorithm::Ed25519 => {
                let mut seed = Zeroizing::new([0u8; 32]);
                rng.fill(seed.as_mut_slice()).map_err(|_| KeyError::Rng)?;
                Self::ed25519_from_seed(seed, None)
            }
            _ => {
                let doc = ring_sig::EcdsaKeyPair::generate_pkcs8(
                    &ring_sig::ECDSA_P256_SHA256_ASN1_SIGNING,
                    rng,
                )
                .map_err(|_| KeyError::Rng)?;
                Self::from_pkcs8_der(doc.as_ref())
            }
        }
    }

    fn ed25519_from_seed(
        seed: Zeroizing<[u8; 32]>,
        expected_public: Option<&[u8]>,
    ) -> Result<Self, KeyError> {
        let pair = ring_sig::Ed25519KeyPair::from_seed_unchecked(seed.as_slice()).map_err(|e| {
            KeyError::Rejected {
                reason: e.to_string(),
            }
        })?;
        let public = PublicKey::from_ed25519_raw(pair.public_key().as_ref())?;
        if let Some(expected) = expected_public
            && expected != public.raw()
        {
            return Err(KeyError::PublicKeyMismatch { format: "PKCS#8" });
        }
        Ok(Self {
            public,
            secret: seed,
        })
    }

    fn from_p256_secret(secret: &p256::SecretKey) -> Result<Self, KeyError> {
        let public = PublicKey::from_p256(&secret.public_key())?;
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(secret.to_bytes().as_slice());
        Ok(Self {
            public,
            secret: bytes,
        })
    }

    /// A PKCS#8 (RFC 5208 / RFC 5958) `PrivateKeyInfo` in DER, P-256 or Ed25519.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        check_size(der.len())?;
        let info = PrivateKeyInfoRef::from_der(der).map_err(|e| malformed("PKCS#8", e))?;
        let oid = info.algorithm.oid;
        if oid == OID_EC_PUBLIC_KEY {
            let secret = p256::SecretKey::from_pkcs8_der(der).map_err(|e| {
                KeyError::UnsupportedAlgorithm {
                    oid: truncate(&format!("{oid} (not a P-256 key: {e})")),
                }
            })?;
            Self::from_p256_secret(&secret)
        } else if oid == OID_ED25519 {
            // RFC 8410 §7: the privateKey OCTET STRING holds a CurvePrivateKey OCTET STRING.
            let inner = info.private_key.as_bytes();
            let seed = match inner {
                [0x04, 0x20, rest @ ..] if rest.len() == 32 => rest,
                _ => {
                    return Err(malformed(
                        "PKCS#8",
                        "Ed25519 private key is not a 32-byte seed",
                    ));
                }
            };
            let mut bytes = Zeroizing::new([0u8; 32]);
            bytes.copy_from_slice(seed);
            let public = match &info.public_key {
                Some(bits) => Some(
                    bits.as_bytes()
                        .ok_or_else(|| malformed("PKCS#8", "public key has unused bits"))?,
                ),
                None => None,
            };
            Self::ed25519_from_seed(bytes, public)
        } else {
            Err(KeyError::UnsupportedAlgorithm {
                oid: oid.to_string(),
            })
        }
    }

    /// A SEC1 (RFC 5915) `ECPrivateKey` in DER (P-256 only).
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, KeyError> {
        check_size(der.len())?;
        let secret = p256::SecretKey::from_sec1_der(der).map_err(|e| malformed("SEC1", e))?;
        Self::from_p256_secret(&secret)
    }

    /// DER of either PKCS#8 or SEC1 (tried in that order).
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        match Self::from_pkcs8_der(der) {
            Ok(key) => Ok(key),
            Err(pkcs8_err @ KeyError::MalformedKey { .. }) => {
                Self::from_sec1_der(der).map_err(|_| pkcs8_err)
            }
            Err(e) => Err(e),
        }
    }

    /// PEM `PRIVATE KEY` (PKCS#8) or `EC PRIVATE KEY` (SEC1; a preceding `EC PARAMETERS` block,
    /// as `openssl ecparam -genkey` writes, is skipped). A second key block is
    /// [`KeyError::MultipleKeys`].
    pub fn from_pem(pem_text: &str) -> Result<Self, KeyError> {
        check_size(pem_text.len())?;
        let (label, der) = decode_pem(pem_text)?;
        let der = Zeroizing::new(der);
        match label.as_str() {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "EC PRIVATE KEY" => Self::from_sec1_der(&der),
            l if l.contains("ENCRYPTED") => Err(KeyError::EncryptedKey { label }),
            _ => Err(KeyError::UnsupportedPemLabel { label }),
        }
    }

    /// A private key file's bytes: PEM (as [`PrivateKey::from_pem`]) or DER PKCS#8 / SEC1 (as
    /// [`PrivateKey::from_der`]), told apart by content (see [`KeyEncoding::detect`]).
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self, KeyError> {
        check_size(bytes.len())?;
        match KeyEncoding::detect(bytes)? {
            KeyEncoding::Pem(text) => Self::from_pem(text),
            KeyEncoding::Der => Self::from_der(bytes),
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        self.public.algorithm
    }

    /// The key id of the public key.
    pub fn key_id(&self) -> &str {
        &self.public.key_id
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn p256_secret(&self) -> Result<p256::SecretKey, KeyError> {
        p256::SecretKey::from_slice(self.secret.as_slice())
            .map_err(|_| malformed("SEC1", "scalar out of range"))
    }

    /// PKCS#8 DER: for P-256 with the public key (as `openssl` writes it), for Ed25519 the RFC 8410
    /// v1 form.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        match self.algorithm() {
            SignatureAlgorithm::Ed25519 => {
                let mut der = Zeroizing::new(Vec::with_capacity(48));
                der.extend_from_slice(&ED25519_PKCS8_PREFIX);
                der.extend_from_slice(self.secret.as_slice());
                Ok(der)
            }
            _ => {
                let doc = self
                    .p256_secret()?
                    .to_pkcs8_der()
                    .map_err(|e| malformed("PKCS#8", e))?;
                Ok(Zeroizing::new(doc.as_bytes().to_vec()))
            }
        }
    }

    /// PKCS#8 PEM (`PRIVATE KEY`), LF line endings.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        let der = self.to_pkcs8_der()?;
        Ok(Zeroizing::new(pem_encode("PRIVATE KEY", &der)))
    }

    /// SEC1 `ECPrivateKey` DER (P-256 only).
    pub fn to_sec1_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        match self.algorithm() {
            SignatureAlgorithm::Ed25519 => Err(KeyError::UnsupportedOperation {
                operation: "SEC1 export",
                algorithm: self.algorithm().name(),
            }),
            _ => self
                .p256_secret()?
                .to_sec1_der()
                .map_err(|e| malformed("SEC1", e)),
        }
    }

    /// SEC1 PEM (`EC PRIVATE KEY`, P-256 only), LF line endings.
    pub fn to_sec1_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        let der = self.to_sec1_der()?;
        Ok(Zeroizing::new(pem_encode("EC PRIVATE KEY", &der)))
    }
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    // Encoding to a String cannot fail for a valid label; fall back to an empty string rather
    // than panicking (never reached: both labels used here are valid).
    pem::encode_string(label, LineEnding::LF, der).unwrap_or_default()
}

/// How a key file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyEncoding<'a> {
    /// PEM text (the input, as text).
    Pem(&'a str),
    /// DER.
    Der,
}

impl<'a> KeyEncoding<'a> {
    /// Tells PEM from DER by content: UTF-8 text with a `-----BEGIN ` line is PEM; bytes that
    /// start with a DER SEQUENCE tag (`0x30`) are DER; anything else is
    /// [`KeyError::UnknownEncoding`]. (A DER key is never valid PEM and PEM text may begin
    /// with `0`, the same byte as the SEQUENCE tag, so PEM is tested first.)
    pub fn detect(bytes: &'a [u8]) -> Result<Self, KeyError> {
        if let Ok(text) = std::str::from_utf8(bytes)
            && text.contains(PEM_BEGIN)
        {
            return Ok(Self::Pem(text));
        }
        match bytes.first() {
            Some(0x30) => Ok(Self::Der),
            _ => Err(KeyError::UnknownEncoding),
        }
    }
}

const PEM_BEGIN: &str = "-----BEGIN ";

/// One PEM block: its label and the whole block's text.
fn next_pem_block(rest: &str) -> Result<Option<(&str, &str, &str)>, KeyError> {
    let Some(start) = rest.find(PEM_BEGIN) else {
        return Ok(None);
    };
    let block = rest.get(start..).unwrap_or_default();
    let label_end = block
        .get(PEM_BEGIN.len()..)
        .and_then(|s| s.find("-----"))
        .ok_or(KeyError::Pem {
            reason: PemProblem::UnterminatedBegin,
        })?;
    let label = block
        .get(PEM_BEGIN.len()..PEM_BEGIN.len() + label_end)
        .unwrap_or_default();
    let end_marker = format!("-----END {label}-----");
    let end = block.find(&end_marker).ok_or_else(|| KeyError::Pem {
        reason: PemProblem::NoEnd {
            label: label.to_owned(),
        },
    })? + end_marker.len();
    Ok(Some((
        label,
        block.get(..end).unwrap_or_default(),
        block.get(end..).unwrap_or_default(),
    )))
}

/// Decodes the one PEM block whose label is not `EC PARAMETERS`; a second such block is
/// [`KeyError::MultipleKeys`] (counting every block in the input).
fn decode_pem(text: &str) -> Result<(String, Vec<u8>), KeyError> {
    let mut found: Option<&str> = None;
    let mut count = 0usize;
    let mut rest = text;
    while let Some((label, block, after)) = next_pem_block(rest)? {
        rest = after;
        if label == "EC PARAMETERS" {
            continue;
        }
        count += 1;
        found.get_or_insert(block);
    }
    if count > 1 {
        return Err(KeyError::MultipleKeys { count });
    }
    let block = found.ok_or(KeyError::Pem {
        reason: PemProblem::NoBegin,
    })?;
    let (label, der) = decode_pem_block(block)?;
    Ok((label.to_owned(), der))
}

/// Decodes one PEM block (`-----BEGIN L-----` … `-----END L-----`) as Go's `encoding/pem` and
/// OpenSSL read it, not only as RFC 7468's strict form: body lines of any length (Sigstore and
/// TUF metadata carry keys with 76-column or single-line bodies), `\r\n` or `\n` line ends,
/// spaces and tabs ignored. The body must still be padded standard base64 and encapsulated
/// headers (`Proc-Type:` …, encrypted PEM) are refused.
fn decode_pem_block(block: &str) -> Result<(&str, Vec<u8>), KeyError> {
    let problem = |reason: &str| KeyError::Pem {
        reason: PemProblem::Body {
            reason: reason.to_owned(),
        },
    };
    let block = block.trim();
    let after_begin = block.strip_prefix(PEM_BEGIN).ok_or(KeyError::Pem {
        reason: PemProblem::NoBegin,
    })?;
    let (label, rest) = after_begin.split_once("-----").ok_or(KeyError::Pem {
        reason: PemProblem::UnterminatedBegin,
    })?;
    let end_marker = format!("-----END {label}-----");
    let body = rest
        .strip_suffix(end_marker.as_str())
        .ok_or_else(|| KeyError::Pem {
            reason: PemProblem::NoEnd {
                label: label.to_owned(),
            },
        })?;
    if !(body.starts_with('\n') || body.starts_with("\r\n")) {
        return Err(problem("text after the BEGIN line"));
    }
    if body.contains(':') {
        return Err(problem(
            "encapsulated headers (encrypted PEM) are not supported",
        ));
    }
    let cleaned: String = body
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n' | ' ' | '\t'))
        .collect();
    if cleaned.is_empty() {
        return Err(problem("empty body"));
    }
    let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &cleaned)
        .map_err(|e| problem(&e.to_string()))?;
    Ok((label, der))
}

/// The DER of the one PEM block of `text`, which must carry `label` (used for TUF keys).
pub(crate) fn pem_der(text: &str, label: &str) -> Result<Vec<u8>, KeyError> {
    check_size(text.len())?;
    let (found, der) = decode_pem(text)?;
    if found != label {
        return Err(KeyError::Pem {
            reason: PemProblem::Body {
                reason: format!("label {:?}, expected {label:?}", truncate(&found)),
            },
        });
    }
    Ok(der)
}

enum RingPair {
    P256(ring_sig::EcdsaKeyPair),
    Ed25519(ring_sig::Ed25519KeyPair),
}

/// A private key ready to sign, with the RNG ECDSA signing needs. Implements
/// [`stella_core::Signer`].
pub struct LocalSigner<R> {
    key: PrivateKey,
    pair: RingPair,
    rng: R,
}

impl<R> fmt::Debug for LocalSigner<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSigner")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl<R: SecureRandom> LocalSigner<R> {
    /// Builds the `ring` key schedule for `key`.
    pub fn new(key: PrivateKey, rng: R) -> Result<Self, KeyError> {
        let rejected = |e: ring::error::KeyRejected| KeyError::Rejected {
            reason: e.to_string(),
        };
        let pair = match key.algorithm() {
            SignatureAlgorithm::Ed25519 => RingPair::Ed25519(
                ring_sig::Ed25519KeyPair::from_seed_unchecked(key.secret.as_slice())
                    .map_err(rejected)?,
            ),
            _ => RingPair::P256(
                ring_sig::EcdsaKeyPair::from_private_key_and_public_key(
                    &ring_sig::ECDSA_P256_SHA256_FIXED_SIGNING,
                    key.secret.as_slice(),
                    key.public.raw(),
                    &rng,
                )
                .map_err(rejected)?,
            ),
        };
        Ok(Self { key, pair, rng })
    }

    /// The private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key.public
    }

    /// The key id.
    pub fn key_id(&self) -> &str {
        self.key.key_id()
    }

    /// Signs `message`: Ed25519 (64 bytes) or ECDSA P-256 SHA-256 as ASN.1 DER with low S.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.pair {
            RingPair::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
            RingPair::P256(pair) => {
                let fixed = pair.sign(&self.rng, message).map_err(|_| KeyError::Rng)?;
                let sig = p256::ecdsa::Signature::from_slice(fixed.as_ref()).map_err(|_| {
                    KeyError::MalformedSignature {
                        algorithm: SignatureAlgorithm::EcdsaP256Sha256.name(),
                        length: fixed.as_ref().len(),
                    }
                })?;
                Ok(sig.normalize_s().to_der().as_bytes().to_vec())
            }
        }
    }
}

impl<R: SecureRandom + Send + Sync> stella_core::Signer for LocalSigner<R> {
    fn key_id(&self) -> &str {
        self.key.key_id()
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.key.algorithm()
    }

    fn public_key_spki_der(&self) -> Vec<u8> {
        self.key.public.spki_der.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CoreError> {
        LocalSigner::sign(self, message).map_err(|e| CoreError::Sign {
            key_id: self.key.key_id().to_owned(),
            source: Box::new(e),
        })
    }
}

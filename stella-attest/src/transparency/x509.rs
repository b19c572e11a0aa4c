//! X.509 certificate path validation for Sigstore: Fulcio signing certificates and RFC 3161
//! timestamp authority (TSA) certificates, against the certificate authorities of a trusted root.
//!
//! ## What is checked
//!
//! [`verify_chain`] builds a path from a leaf certificate to one of the given
//! [`CertificateAuthority`] chains and checks, at the given time (the signing or timestamp time,
//! not "now"):
//!
//! - every signature on the path (ECDSA P-256/P-384, Ed25519, RSA PKCS#1 v1.5 and PSS);
//! - the validity period of every certificate on the path, the authority's root included, with
//!   both ends inclusive (RFC 5280 §4.1.2.5);
//! - basic constraints (a CA certificate is refused as the leaf, an end-entity certificate as an
//!   issuer, path length constraints) and name constraints;
//! - the extended key usage: the leaf must list the required purpose (code signing for Fulcio,
//!   time stamping for a TSA); an intermediate that lists purposes must list it too (as Go's
//!   `crypto/x509` and so sigstore-go do). A TSA leaf's EKU must moreover be critical and hold
//!   only `id-kp-timeStamping` (RFC 3161 §2.3);
//! - the authority's own validity window from the trusted root ([`TimeWindow`], both ends
//!   inclusive, as the protobuf-specs `TimeRange` is a closed interval).
//!
//! Revocation is not checked (Sigstore certificates are short-lived and carry no CRL or OCSP
//! pointers).
//!
//! ## Why these crates
//!
//! Path building and signature checks are `rustls-webpki`'s (the validator of rustls, used by
//! sigstore-rs too) with its `ring` backend, which the workspace already uses for keys.
//! `webpki` does not expose validity periods, arbitrary extensions or the SubjectPublicKeyInfo as
//! a key, so [`ParsedCertificate`] reads those with `x509-cert` (RustCrypto).
//!
//! ```
//! use stella_attest::transparency::x509::{CertificateAuthority, TimeWindow, ParsedCertificate};
//!
//! // A trusted root lists each chain leaf-most first, root last.
//! let authority = CertificateAuthority {
//!     chain: vec![],
//!     valid_for: TimeWindow { start: Some(1_650_000_000), end: None },
//! };
//! assert!(authority.valid_for.contains(1_700_000_000));
//! assert!(!authority.valid_for.contains(1_600_000_000));
//! assert!(ParsedCertificate::parse(b"not a certificate").is_err());
//! ```

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use der::{Decode, Encode};
use rustls_pki_types::{
    AlgorithmIdentifier, CertificateDer, InvalidSignature, SignatureVerificationAlgorithm, UnixTime,
};
use webpki::{EndEntityCert, KeyUsage};
use x509_cert::Certificate;

use super::TransparencyError;
use crate::keys::PublicKey;

/// The largest certificate accepted, in bytes (Fulcio certificates are 1–3 KiB).
pub const MAX_CERTIFICATE_BYTES: usize = 64 * 1024;
/// The most certificates accepted in one chain (leaf, intermediates and root together).
pub const MAX_CHAIN_LENGTH: usize = 10;

/// DER body of OID 1.3.6.1.5.5.7.3.3, `id-kp-codeSigning`.
const EKU_CODE_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];
/// DER body of OID 1.3.6.1.5.5.7.3.8, `id-kp-timeStamping`.
const EKU_TIME_STAMPING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];
/// `id-ce-extKeyUsage`.
const OID_EXT_KEY_USAGE: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.37");
/// `id-ce-basicConstraints`.
const OID_BASIC_CONSTRAINTS: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("2.5.29.19");

/// A closed time interval in Unix seconds; an absent end is unbounded on that side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeWindow {
    /// The first second of the window, inclusive; `None`: unbounded.
    pub start: Option<i64>,
    /// The last second of the window, inclusive; `None`: unbounded.
    pub end: Option<i64>,
}

impl TimeWindow {
    /// The window without bounds.
    pub const UNBOUNDED: TimeWindow = TimeWindow {
        start: None,
        end: None,
    };

    /// Whether `t` lies in the window, both ends included.
    pub fn contains(&self, t: i64) -> bool {
        self.start.is_none_or(|s| s <= t) && self.end.is_none_or(|e| t <= e)
    }
}

/// One certificate authority of a trusted root: a Fulcio CA or a timestamp authority.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertificateAuthority {
    /// The DER certificates, **leaf-most first and root last**, as `trusted_root.json` lists
    /// them (`certChain.certificates`). The last one is the trust anchor; the others are
    /// intermediates. For a TSA, the first one is the TSA's signing certificate when the chain
    /// has more than one (used when a timestamp token embeds no certificate).
    pub chain: Vec<Vec<u8>>,
    /// The authority's `validFor` window from the trusted root.
    pub valid_for: TimeWindow,
}

/// The most verified certificate links a [`LinkCache`] keeps.
pub const MAX_CACHED_LINKS: usize = 1024;

/// Certificate signatures already verified: a trusted root's links between its own
/// certificates (a Fulcio intermediate under its root, a TSA certificate under its CA), which
/// every verification against that root would otherwise check again with the same bytes.
///
/// Sound by construction: an entry is the exact bytes of a signature check that passed — the
/// signature algorithm, the issuer's public key, the signed `tbsCertificate` and the signature —
/// and a check is answered from the cache only for those exact bytes; a failure is never
/// cached. Only links whose signed certificate is one of the trusted root's own certificates
/// (`trusted`) are kept, so a bundle's leaf is verified every time; at most
/// [`MAX_CACHED_LINKS`] entries (further links are verified and not kept). Shared by clones of
/// its [`TrustedRoot`](super::bundle::TrustedRoot) and safe to use from several threads.
#[derive(Default)]
pub struct LinkCache {
    /// The `tbsCertificate` DER of every certificate of the trusted root.
    trusted: HashSet<Vec<u8>>,
    /// Verified links, each `len(alg) ‖ alg ‖ len(key) ‖ key ‖ len(tbs) ‖ tbs ‖ signature`.
    verified: Mutex<HashSet<Vec<u8>>>,
}

impl std::fmt::Debug for LinkCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkCache")
            .field("trusted_certificates", &self.trusted.len())
            .field("verified_links", &self.len())
            .finish()
    }
}

impl LinkCache {
    /// A cache for links that sign one of `certificates` (DER; those that do not parse are
    /// left out).
    pub fn for_certificates<'a>(certificates: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let trusted = certificates
            .into_iter()
            .filter_map(|der| {
                Certificate::from_der(der)
                    .ok()?
                    .tbs_certificate
                    .to_der()
                    .ok()
            })
            .collect();
        Self {
            trusted,
            verified: Mutex::new(HashSet::new()),
        }
    }

    /// How many verified links are kept.
    pub fn len(&self) -> usize {
        self.verified.lock().map(|v| v.len()).unwrap_or(0)
    }

    /// Whether no link is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn key(alg: &AlgorithmIdentifier, [public_key, tbs, signature]: [&[u8]; 3]) -> Vec<u8> {
        let alg: &[u8] = alg.as_ref();
        let mut key =
            Vec::with_capacity(alg.len() + public_key.len() + tbs.len() + signature.len() + 24);
        for part in [alg, public_key, tbs] {
            key.extend_from_slice(&u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
            key.extend_from_slice(part);
        }
        key.extend_from_slice(signature);
        key
    }
}

/// A webpki signature algorithm answered from a [`LinkCache`] for the exact bytes of a check
/// that passed before.
#[derive(Debug)]
struct CachedAlgorithm<'a> {
    inner: &'a dyn SignatureVerificationAlgorithm,
    caches: &'a [&'a LinkCache],
}

impl SignatureVerificationAlgorithm for CachedAlgorithm<'_> {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let Some(cache) = self.caches.iter().find(|c| c.trusted.contains(message)) else {
            return self.inner.verify_signature(public_key, message, signature);
        };
        let key = LinkCache::key(
            &self.inner.signature_alg_id(),
            [public_key, message, signature],
        );
        if cache.verified.lock().is_ok_and(|v| v.contains(&key)) {
            return Ok(());
        }
        self.inner
            .verify_signature(public_key, message, signature)?;
        if let Ok(mut v) = cache.verified.lock()
            && v.len() < MAX_CACHED_LINKS
        {
            v.insert(key);
        }
        Ok(())
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.inner.signature_alg_id()
    }

    fn fips(&self) -> bool {
        self.inner.fips()
    }
}

/// A shared [`LinkCache`] that compares equal to any other (it holds no meaning of its owner's,
/// only work saved).
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedLinkCache(pub(crate) Arc<LinkCache>);

impl PartialEq for SharedLinkCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SharedLinkCache {}

/// The purpose a leaf certificate must be issued for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtendedKeyUsage {
    /// `id-kp-codeSigning` (1.3.6.1.5.5.7.3.3): Fulcio signing certificates.
    CodeSigning,
    /// `id-kp-timeStamping` (1.3.6.1.5.5.7.3.8), critical and alone: TSA certificates.
    TimeStamping,
}

impl ExtendedKeyUsage {
    fn oid(self) -> &'static [u8] {
        match self {
            ExtendedKeyUsage::CodeSigning => EKU_CODE_SIGNING,
            ExtendedKeyUsage::TimeStamping => EKU_TIME_STAMPING,
        }
    }

    /// The purpose's name.
    pub fn name(self) -> &'static str {
        match self {
            ExtendedKeyUsage::CodeSigning => "codeSigning",
            ExtendedKeyUsage::TimeStamping => "timeStamping",
        }
    }
}

/// Why a certificate or a chain was refused (inside [`TransparencyError::Certificate`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// Not a well-formed DER X.509 certificate, or too large.
    #[error("malformed: {reason}")]
    Malformed {
        /// What the parser said.
        reason: String,
    },
    /// A certificate on the path expired before the time of use.
    #[error("expired: not after {not_after}, used at {at} (Unix seconds)")]
    Expired {
        /// The time checked.
        at: i64,
        /// The certificate's last valid second.
        not_after: i64,
    },
    /// A certificate on the path is not yet valid at the time of use.
    #[error("not yet valid: not before {not_before}, used at {at} (Unix seconds)")]
    NotYetValid {
        /// The time checked.
        at: i64,
        /// The certificate's first valid second.
        not_before: i64,
    },
    /// No chain leads from the certificate to an authority of the trusted root.
    #[error("no path to a trusted certificate authority")]
    UnknownIssuer,
    /// The path leads to an authority whose trusted-root validity window excludes the time.
    #[error("the issuing authority (trusted root index {authority}) is not valid at {at}")]
    AuthorityNotValidAt {
        /// Index of the authority in the list given.
        authority: usize,
        /// The time checked.
        at: i64,
    },
    /// A signature on the path does not verify, or uses an unsupported algorithm.
    #[error("bad signature: {reason}")]
    BadSignature {
        /// What failed.
        reason: String,
    },
    /// The leaf, or an intermediate, is not issued for the required purpose.
    #[error("extended key usage does not allow {required}: {reason}")]
    WrongExtendedKeyUsage {
        /// The required purpose.
        required: &'static str,
        /// What the certificate has instead.
        reason: String,
    },
    /// A CA certificate presented as the leaf.
    #[error("a CA certificate is used as the leaf")]
    CaAsLeaf,
    /// Basic or name constraints of the path are violated.
    #[error("constraints violated: {reason}")]
    Constraints {
        /// Which constraint.
        reason: String,
    },
    /// The public key is of a kind this crate does not verify with.
    #[error("unsupported public key: {reason}")]
    UnsupportedKey {
        /// What the key is.
        reason: String,
    },
}

fn cert_err(what: &'static str, problem: CertificateProblem) -> TransparencyError {
    TransparencyError::Certificate { what, problem }
}

fn malformed(what: &'static str, reason: impl ToString) -> TransparencyError {
    cert_err(
        what,
        CertificateProblem::Malformed {
            reason: reason.to_string(),
        },
    )
}

fn secs(t: UnixTime) -> i64 {
    i64::try_from(t.as_secs()).unwrap_or(i64::MAX)
}

/// Maps a webpki error to a [`CertificateProblem`].
fn problem_of(err: &webpki::Error, at: i64, eku: ExtendedKeyUsage) -> CertificateProblem {
    use webpki::Error as E;
    match err {
        E::CertExpired { not_after, .. } => CertificateProblem::Expired {
            at,
            not_after: secs(*not_after),
        },
        E::CertNotValidYet { not_before, .. } => CertificateProblem::NotYetValid {
            at,
            not_before: secs(*not_before),
        },
        E::UnknownIssuer => CertificateProblem::UnknownIssuer,
        E::InvalidSignatureForPublicKey
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
        | E::SignatureAlgorithmMismatch => CertificateProblem::BadSignature {
            reason: format!("{err:?}"),
        },
        E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension => {
            CertificateProblem::WrongExtendedKeyUsage {
                required: eku.name(),
                reason: format!("{err:?}"),
            }
        }
        E::CaUsedAsEndEntity => CertificateProblem::CaAsLeaf,
        E::EndEntityUsedAsCa
        | E::PathLenConstraintViolated
        | E::NameConstraintViolation
        | E::MaximumPathDepthExceeded
        | E::MaximumPathBuildCallsExceeded
        | E::MaximumSignatureChecksExceeded
        | E::MaximumNameConstraintComparisonsExceeded => CertificateProblem::Constraints {
            reason: format!("{err:?}"),
        },
        other => CertificateProblem::Malformed {
            reason: format!("{other:?}"),
        },
    }
}

/// How specific a chain failure is: when no authority accepts a leaf, the most specific
/// failure is reported.
fn rank(p: &CertificateProblem) -> u8 {
    match p {
        CertificateProblem::UnknownIssuer => 0,
        CertificateProblem::Malformed { .. } => 1,
        CertificateProblem::AuthorityNotValidAt { .. } => 3,
        _ => 2,
    }
}

/// A parsed X.509 certificate with the accessors Sigstore verification needs.
#[derive(Debug, Clone)]
pub struct ParsedCertificate {
    der: Vec<u8>,
    cert: Certificate,
}

impl ParsedCertificate {
    /// Parses one DER certificate (trailing bytes refused).
    pub fn parse(der: &[u8]) -> Result<Self, TransparencyError> {
        TransparencyError::check_limit("certificate bytes", MAX_CERTIFICATE_BYTES, der.len())?;
        let cert = Certificate::from_der(der).map_err(|e| malformed("certificate", e))?;
        Ok(Self {
            der: der.to_vec(),
            cert,
        })
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The parsed certificate (RustCrypto `x509-cert`), for extensions this module does not
    /// interpret (Fulcio OIDs, SCTs, subject alternative names).
    pub fn inner(&self) -> &Certificate {
        &self.cert
    }

    /// The validity period `[notBefore, notAfter]` in Unix seconds, both ends inclusive.
    pub fn validity(&self) -> TimeWindow {
        let v = &self.cert.tbs_certificate.validity;
        let to = |t: x509_cert::time::Time| i64::try_from(t.to_unix_duration().as_secs()).ok();
        TimeWindow {
            start: to(v.not_before),
            end: to(v.not_after),
        }
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> Result<Vec<u8>, TransparencyError> {
        self.cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| malformed("certificate public key", e))
    }

    /// The subject public key as the crate's [`PublicKey`] (ECDSA P-256 or Ed25519; other keys
    /// are [`CertificateProblem::UnsupportedKey`]).
    pub fn public_key(&self) -> Result<PublicKey, TransparencyError> {
        let spki = self.spki_der()?;
        PublicKey::from_spki_der(&spki).map_err(|e| {
            cert_err(
                "certificate public key",
                CertificateProblem::UnsupportedKey {
                    reason: e.to_string(),
                },
            )
        })
    }

    /// The serial number's big-endian bytes (as encoded, sign byte included).
    pub fn serial(&self) -> &[u8] {
        self.cert.tbs_certificate.serial_number.as_bytes()
    }

    /// The DER issuer name.
    pub fn issuer_der(&self) -> Result<Vec<u8>, TransparencyError> {
        self.cert
            .tbs_certificate
            .issuer
            .to_der()
            .map_err(|e| malformed("certificate issuer", e))
    }

    /// The DER subject name.
    pub fn subject_der(&self) -> Result<Vec<u8>, TransparencyError> {
        self.cert
            .tbs_certificate
            .subject
            .to_der()
            .map_err(|e| malformed("certificate subject", e))
    }

    /// The extension with this OID (dotted form): its criticality and its `extnValue` octets.
    /// A certificate with the same extension twice is malformed (RFC 5280 §4.2).
    pub fn extension(&self, oid: &str) -> Result<Option<(bool, &[u8])>, TransparencyError> {
        let oid = der::asn1::ObjectIdentifier::new(oid)
            .map_err(|e| malformed("extension OID argument", e))?;
        let mut found = None;
        for ext in self.cert.tbs_certificate.extensions.iter().flatten() {
            if ext.extn_id == oid {
                if found.is_some() {
                    return Err(malformed("certificate", "an extension appears twice"));
                }
                found = Some((ext.critical, ext.extn_value.as_bytes()));
            }
        }
        Ok(found)
    }

    /// Whether the basic constraints mark this certificate as a CA.
    pub fn is_ca(&self) -> Result<bool, TransparencyError> {
        match self.extension(&OID_BASIC_CONSTRAINTS.to_string())? {
            None => Ok(false),
            Some((_, value)) => {
                let bc = x509_cert::ext::pkix::BasicConstraints::from_der(value)
                    .map_err(|e| malformed("basic constraints", e))?;
                Ok(bc.ca)
            }
        }
    }

    /// The extended key usage purposes (dotted OIDs) and whether the extension is critical;
    /// `None` when the certificate has no EKU extension.
    pub fn extended_key_usage(&self) -> Result<Option<(bool, Vec<String>)>, TransparencyError> {
        match self.extension(&OID_EXT_KEY_USAGE.to_string())? {
            None => Ok(None),
            Some((critical, value)) => {
                let eku = x509_cert::ext::pkix::ExtendedKeyUsage::from_der(value)
                    .map_err(|e| malformed("extended key usage", e))?;
                Ok(Some((
                    critical,
                    eku.0.iter().map(|o| o.to_string()).collect(),
                )))
            }
        }
    }

    /// Verifies `signature` over `message` with this certificate's key, the hash given by
    /// `hash` (ECDSA P-256/P-384 with that hash; Ed25519 ignores it; RSA PKCS#1 v1.5).
    /// ECDSA signatures are ASN.1 DER.
    pub fn verify_signature(
        &self,
        hash: SignatureHash,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), TransparencyError> {
        let der = CertificateDer::from(self.der.as_slice());
        let ee = EndEntityCert::try_from(&der).map_err(|e| malformed("certificate", e))?;
        let candidates: &[&dyn SignatureVerificationAlgorithm] = match hash {
            SignatureHash::Sha256 => &[
                webpki::ring::ECDSA_P256_SHA256,
                webpki::ring::ECDSA_P384_SHA256,
                webpki::ring::ED25519,
                webpki::ring::RSA_PKCS1_2048_8192_SHA256,
            ],
            SignatureHash::Sha384 => &[
                webpki::ring::ECDSA_P256_SHA384,
                webpki::ring::ECDSA_P384_SHA384,
                webpki::ring::ED25519,
                webpki::ring::RSA_PKCS1_2048_8192_SHA384,
            ],
            SignatureHash::Sha512 => &[
                webpki::ring::ED25519,
                webpki::ring::RSA_PKCS1_2048_8192_SHA512,
            ],
        };
        let mut last = None;
        for alg in candidates {
            match ee.verify_signature(*alg, message, signature) {
                Ok(()) => return Ok(()),
                Err(webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)) => {}
                Err(e) => last = Some(e),
            }
        }
        Err(cert_err(
            "signature by certificate key",
            match last {
                Some(e) => CertificateProblem::BadSignature {
                    reason: format!("{e:?}"),
                },
                None => CertificateProblem::UnsupportedKey {
                    reason: format!("no {hash:?} signature algorithm fits the key"),
                },
            },
        ))
    }
}

/// The hash of a signature made with a certificate's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureHash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// A chain [`verify_chain`] accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedChain {
    /// Index, in the authorities given, of the one the chain leads to.
    pub authority_index: usize,
    /// The path, leaf first and the authority's root last (DER).
    pub chain: Vec<Vec<u8>>,
}

fn unix_time(at: i64, what: &'static str) -> Result<UnixTime, TransparencyError> {
    let secs = u64::try_from(at).map_err(|_| TransparencyError::InvalidField {
        field: what,
        value: at.to_string(),
        reason: "a time before 1970 is not supported",
    })?;
    Ok(UnixTime::since_unix_epoch(Duration::from_secs(secs)))
}

/// Checks the leaf's own EKU rule (see the module docs).
fn check_leaf_eku(
    leaf: &ParsedCertificate,
    eku: ExtendedKeyUsage,
) -> Result<(), CertificateProblem> {
    let wrong = |reason: String| CertificateProblem::WrongExtendedKeyUsage {
        required: eku.name(),
        reason,
    };
    let required = match eku {
        ExtendedKeyUsage::CodeSigning => "1.3.6.1.5.5.7.3.3",
        ExtendedKeyUsage::TimeStamping => "1.3.6.1.5.5.7.3.8",
    };
    let (critical, purposes) = match leaf.extended_key_usage() {
        Ok(Some(found)) => found,
        Ok(None) => return Err(wrong("the certificate has no extended key usage".into())),
        Err(e) => {
            return Err(CertificateProblem::Malformed {
                reason: e.to_string(),
            });
        }
    };
    if !purposes.iter().any(|p| p == required) {
        return Err(wrong(format!("it lists {purposes:?}")));
    }
    if eku == ExtendedKeyUsage::TimeStamping && (!critical || purposes.len() != 1) {
        return Err(wrong(
            "a TSA certificate's EKU must be critical and hold only timeStamping (RFC 3161 §2.3)"
                .into(),
        ));
    }
    Ok(())
}

/// Verifies that `leaf_der` chains, at `at_unix_secs`, to one of `authorities`, for the
/// purpose `required_eku` (see the module docs for every check).
///
/// `intermediates` are extra untrusted certificates that may complete a path (for example a
/// chain carried in the bundle); the authorities' own intermediates are always used. The first
/// authority whose chain accepts the leaf *and* whose window contains the time wins. When none
/// does, the error is the most specific failure seen ([`CertificateProblem::AuthorityNotValidAt`]
/// when a path exists but its authority's window excludes the time, then expiry, signature or
/// usage problems, then [`CertificateProblem::UnknownIssuer`]).
pub fn verify_chain(
    leaf_der: &[u8],
    intermediates: &[&[u8]],
    authorities: &[CertificateAuthority],
    at_unix_secs: i64,
    required_eku: ExtendedKeyUsage,
) -> Result<VerifiedChain, TransparencyError> {
    verify_chain_cached(
        leaf_der,
        intermediates,
        authorities,
        at_unix_secs,
        required_eku,
        &[],
    )
}

/// As [`verify_chain`], with a signature over a certificate one of `caches` is for answered
/// from that cache when the same check passed before (see [`LinkCache`]).
pub fn verify_chain_cached(
    leaf_der: &[u8],
    intermediates: &[&[u8]],
    authorities: &[CertificateAuthority],
    at_unix_secs: i64,
    required_eku: ExtendedKeyUsage,
    caches: &[&LinkCache],
) -> Result<VerifiedChain, TransparencyError> {
    const WHAT: &str = "certificate chain";
    let leaf = ParsedCertificate::parse(leaf_der)?;
    let time = unix_time(at_unix_secs, "verification time")?;
    TransparencyError::check_limit(
        "intermediate certificates",
        MAX_CHAIN_LENGTH,
        intermediates.len(),
    )?;
    for der in intermediates {
        ParsedCertificate::parse(der)?;
    }
    let leaf_cert = CertificateDer::from(leaf_der);
    let ee = EndEntityCert::try_from(&leaf_cert).map_err(|e| malformed(WHAT, e))?;
    check_leaf_eku(&leaf, required_eku).map_err(|p| cert_err(WHAT, p))?;

    let cached: Vec<CachedAlgorithm<'_>>;
    let algorithms: Vec<&dyn SignatureVerificationAlgorithm> = if caches.is_empty() {
        webpki::ALL_VERIFICATION_ALGS.to_vec()
    } else {
        cached = webpki::ALL_VERIFICATION_ALGS
            .iter()
            .map(|inner| CachedAlgorithm {
                inner: *inner,
                caches,
            })
            .collect();
        cached
            .iter()
            .map(|a| a as &dyn SignatureVerificationAlgorithm)
            .collect()
    };
    let mut best: Option<CertificateProblem> = None;
    let mut note = |p: CertificateProblem| {
        if best.as_ref().is_none_or(|b| rank(&p) > rank(b)) {
            best = Some(p);
        }
    };
    for (index, authority) in authorities.iter().enumerate() {
        match verify_with_authority(
            &ee,
            intermediates,
            authority,
            time,
            at_unix_secs,
            required_eku,
            &algorithms,
        ) {
            Ok(chain) if authority.valid_for.contains(at_unix_secs) => {
                return Ok(VerifiedChain {
                    authority_index: index,
                    chain,
                });
            }
            Ok(_) => note(CertificateProblem::AuthorityNotValidAt {
                authority: index,
                at: at_unix_secs,
            }),
            Err(p) => note(p),
        }
    }
    Err(cert_err(
        WHAT,
        best.unwrap_or(CertificateProblem::UnknownIssuer),
    ))
}

/// One authority: webpki path building, then the root's own validity.
fn verify_with_authority(
    ee: &EndEntityCert<'_>,
    extra: &[&[u8]],
    authority: &CertificateAuthority,
    time: UnixTime,
    at: i64,
    eku: ExtendedKeyUsage,
    algorithms: &[&dyn SignatureVerificationAlgorithm],
) -> Result<Vec<Vec<u8>>, CertificateProblem> {
    let Some((root_der, own_intermediates)) = authority.chain.split_last() else {
        return Err(CertificateProblem::UnknownIssuer);
    };
    if authority.chain.len() > MAX_CHAIN_LENGTH {
        return Err(CertificateProblem::Constraints {
            reason: format!(
                "the authority's chain has {} certificates, at most {MAX_CHAIN_LENGTH} are accepted",
                authority.chain.len()
            ),
        });
    }
    let root_cert = CertificateDer::from(root_der.as_slice());
    let anchor = webpki::anchor_from_trusted_cert(&root_cert).map_err(|e| {
        CertificateProblem::Malformed {
            reason: format!("trusted root certificate: {e:?}"),
        }
    })?;
    let pool: Vec<CertificateDer<'_>> = own_intermediates
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .chain(extra.iter().map(|c| CertificateDer::from(*c)))
        .collect();
    let anchors = [anchor];
    let path = ee
        .verify_for_usage(
            algorithms,
            &anchors,
            &pool,
            time,
            KeyUsage::required_if_present(eku.oid()),
            None,
            None,
        )
        .map_err(|e| problem_of(&e, at, eku))?;
    // webpki does not check the trust anchor's validity period; Go's crypto/x509 (sigstore-go)
    // does, so an expired root does not vouch for anything.
    let root = ParsedCertificate::parse(root_der).map_err(|e| CertificateProblem::Malformed {
        reason: e.to_string(),
    })?;
    let window = root.validity();
    if let Some(nb) = window.start.filter(|nb| at < *nb) {
        return Err(CertificateProblem::NotYetValid { at, not_before: nb });
    }
    if let Some(na) = window.end.filter(|na| at > *na) {
        return Err(CertificateProblem::Expired { at, not_after: na });
    }
    let mut chain = vec![path.end_entity().der().to_vec()];
    chain.extend(path.intermediate_certificates().map(|c| c.der().to_vec()));
    chain.push(root_der.clone());
    Ok(chain)
}

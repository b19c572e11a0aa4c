//! RFC 3161 signed timestamps, as Sigstore bundles carry them
//! (`verificationMaterial.timestampVerificationData.rfc3161Timestamps[].signedTimestamp`: a DER
//! `TimeStampResp`), verified offline against the timestamp authorities of a trusted root.
//!
//! [`verify_timestamp`] checks, in this order:
//!
//! 1. the response parses (DER `TimeStampResp`, status *granted* or *grantedWithMods*, a
//!    `TimeStampToken` that is a CMS `SignedData` over an `id-ct-TSTInfo` with exactly one
//!    signer) — [`TimestampProblem::Malformed`], [`TimestampProblem::NotGranted`];
//! 2. the message imprint is the hash (SHA-256/384/512) of the timestamped bytes — for Sigstore
//!    the bundle's message signature, or the DSSE envelope's signature —
//!    [`TimestampProblem::ImprintMismatch`];
//! 3. the signed attributes: present, `content-type` is `id-ct-TSTInfo`, `message-digest` is the
//!    hash of the encapsulated TSTInfo — [`TimestampProblem::SignedAttributes`];
//! 4. per timestamp authority of the trusted root (as sigstore-go does): the signer certificate
//!    is the authority's first certificate (its TSA certificate) — an embedded certificate that
//!    the signer identifier designates must be that same certificate — or, for an authority
//!    that lists only a root, the embedded certificate the signer identifier designates; the
//!    signer identifier and, when present, the `signingCertificate`/`signingCertificateV2`
//!    attribute (ESSCertID hash and issuer/serial) match it; it chains with
//!    [`super::x509::verify_chain`] to the authority for `timeStamping` at the token's
//!    `genTime` (so the certificates and the authority's `validFor` window are checked at that
//!    time, both ends inclusive); and the CMS signature over the signed attributes verifies
//!    with its key.
//!
//! When no authority accepts the token, the most specific failure is returned. The nonce and
//! the TSA name are not checked (offline: no request to compare them with).
//!
//! Parsing is RustCrypto's `cms`, `x509-cert` and `der` crates; hashing is `ring`'s. Signed
//! attributes are checked in their DER form (RFC 5652 §5.4 requires DER for the signed bytes).
//!
//! ```
//! use stella_attest::transparency::timestamp::{TimestampProblem, verify_timestamp};
//! use stella_attest::transparency::TransparencyError;
//!
//! let err = verify_timestamp(b"\x30\x00", b"signature", &[]).unwrap_err();
//! assert!(matches!(
//!     err,
//!     TransparencyError::Timestamp { problem: TimestampProblem::Malformed { .. } }
//! ));
//! ```

use cms::cert::IssuerAndSerialNumber;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{Any, Int, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence, Tagged};
use oids::*;
use ring::digest;
use x509_cert::ext::pkix::name::GeneralName;

use super::TransparencyError;
use super::x509::{
    CertificateAuthority, ExtendedKeyUsage, LinkCache, ParsedCertificate, SignatureHash,
    verify_chain_cached,
};

/// The largest `signedTimestamp` accepted, in bytes (tokens with embedded chains are a few KiB).
pub const MAX_TIMESTAMP_BYTES: usize = 256 * 1024;
/// The most certificates a token may embed.
pub const MAX_EMBEDDED_CERTIFICATES: usize = 10;

mod oids {
    use der::asn1::ObjectIdentifier as O;
    pub(super) const ID_SIGNED_DATA: O = O::new_unwrap("1.2.840.113549.1.7.2");
    pub(super) const ID_CT_TST_INFO: O = O::new_unwrap("1.2.840.113549.1.9.16.1.4");
    pub(super) const ID_CONTENT_TYPE: O = O::new_unwrap("1.2.840.113549.1.9.3");
    pub(super) const ID_MESSAGE_DIGEST: O = O::new_unwrap("1.2.840.113549.1.9.4");
    pub(super) const ID_SIGNING_CERTIFICATE: O = O::new_unwrap("1.2.840.113549.1.9.16.2.12");
    pub(super) const ID_SIGNING_CERTIFICATE_V2: O = O::new_unwrap("1.2.840.113549.1.9.16.2.47");
    pub(super) const SHA1: O = O::new_unwrap("1.3.14.3.2.26");
    pub(super) const SHA256: O = O::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub(super) const SHA384: O = O::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub(super) const SHA512: O = O::new_unwrap("2.16.840.1.101.3.4.2.3");
    pub(super) const ECDSA_SHA256: O = O::new_unwrap("1.2.840.10045.4.3.2");
    pub(super) const ECDSA_SHA384: O = O::new_unwrap("1.2.840.10045.4.3.3");
    pub(super) const ECDSA_SHA512: O = O::new_unwrap("1.2.840.10045.4.3.4");
    pub(super) const EC_PUBLIC_KEY: O = O::new_unwrap("1.2.840.10045.2.1");
    pub(super) const RSA_ENCRYPTION: O = O::new_unwrap("1.2.840.113549.1.1.1");
    pub(super) const SHA256_RSA: O = O::new_unwrap("1.2.840.113549.1.1.11");
    pub(super) const SHA384_RSA: O = O::new_unwrap("1.2.840.113549.1.1.12");
    pub(super) const SHA512_RSA: O = O::new_unwrap("1.2.840.113549.1.1.13");
    pub(super) const ED25519: O = O::new_unwrap("1.3.101.112");
}

/// Why a timestamp was refused (inside [`TransparencyError::Timestamp`]). Problems with the
/// TSA's certificate chain are [`TransparencyError::Certificate`] instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampProblem {
    /// Not a well-formed DER `TimeStampResp` / `TimeStampToken`.
    #[error("malformed: {reason}")]
    Malformed {
        /// What was wrong.
        reason: String,
    },
    /// The response's status is not granted.
    #[error("the TSA did not grant the request (PKIStatus {status})")]
    NotGranted {
        /// The PKIStatus value.
        status: u32,
    },
    /// A hash or signature algorithm this module does not verify.
    #[error("unsupported {what} algorithm {oid}")]
    UnsupportedAlgorithm {
        /// Which algorithm slot.
        what: &'static str,
        /// The OID.
        oid: String,
    },
    /// The message imprint is not the hash of the timestamped bytes.
    #[error("the message imprint does not match the timestamped signature")]
    ImprintMismatch,
    /// The signed attributes are absent or disagree with the token.
    #[error("signed attributes: {reason}")]
    SignedAttributes {
        /// What was wrong.
        reason: &'static str,
    },
    /// No certificate fits the signer identifier, or the authority's TSA certificate is not the
    /// one the token names.
    #[error("signer certificate: {reason}")]
    SignerCertificate {
        /// What was wrong.
        reason: &'static str,
    },
    /// The CMS signature does not verify with the signer certificate's key.
    #[error("the TSA signature does not verify: {reason}")]
    BadSignature {
        /// What the verifier said.
        reason: String,
    },
}

fn ts_err(problem: TimestampProblem) -> TransparencyError {
    TransparencyError::Timestamp { problem }
}

fn malformed(reason: impl ToString) -> TransparencyError {
    ts_err(TimestampProblem::Malformed {
        reason: reason.to_string(),
    })
}

/// `PKIStatusInfo` (RFC 3161 §2.4.2).
#[derive(Sequence)]
struct PkiStatusInfo {
    status: u32,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    fail_info: Option<der::asn1::BitString>,
}

/// `TimeStampResp` (RFC 3161 §2.4.2).
#[derive(Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    time_stamp_token: Option<ContentInfo>,
}

/// `MessageImprint` (RFC 3161 §2.4.1).
#[derive(Sequence)]
struct MessageImprint {
    hash_algorithm: x509_cert::spki::AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

/// `Accuracy` (RFC 3161 §2.4.2).
#[derive(Sequence)]
struct Accuracy {
    #[asn1(optional = "true")]
    seconds: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    millis: Option<Int>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    micros: Option<Int>,
}

/// `TSTInfo` (RFC 3161 §2.4.2). `genTime` is read as raw content because DER
/// `GeneralizedTime` may carry fractional seconds, which `der` does not accept.
#[derive(Sequence)]
struct TstInfo {
    version: u8,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Int,
    gen_time: Any,
    #[asn1(optional = "true")]
    accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    ordering: bool,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<x509_cert::ext::Extensions>,
}

/// `IssuerSerial` (RFC 5035).
#[derive(Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: Int,
}

/// `ESSCertID` (RFC 2634) and `ESSCertIDv2` (RFC 5035), read alike: the v1 form has no hash
/// algorithm (SHA-1).
#[derive(Sequence)]
struct EssCertId {
    #[asn1(optional = "true")]
    hash_algorithm: Option<x509_cert::spki::AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

/// `SigningCertificate` / `SigningCertificateV2`.
#[derive(Sequence)]
struct SigningCertificate {
    certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

/// A `signingCertificate` (false) or `signingCertificateV2` (true) attribute.
type EssAttribute = (bool, SigningCertificate);

/// A hash algorithm of a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampHash {
    /// SHA-1 (accepted only in a v1 ESSCertID, never for imprints or signatures).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl TimestampHash {
    fn from_oid(oid: &ObjectIdentifier, what: &'static str) -> Result<Self, TransparencyError> {
        match *oid {
            SHA256 => Ok(Self::Sha256),
            SHA384 => Ok(Self::Sha384),
            SHA512 => Ok(Self::Sha512),
            SHA1 => Ok(Self::Sha1),
            _ => Err(ts_err(TimestampProblem::UnsupportedAlgorithm {
                what,
                oid: oid.to_string(),
            })),
        }
    }

    fn strong(self, what: &'static str) -> Result<Self, TransparencyError> {
        if self == Self::Sha1 {
            return Err(ts_err(TimestampProblem::UnsupportedAlgorithm {
                what,
                oid: SHA1.to_string(),
            }));
        }
        Ok(self)
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        let alg = match self {
            Self::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
            Self::Sha512 => &digest::SHA512,
        };
        digest::digest(alg, data).as_ref().to_vec()
    }

    fn signature_hash(self) -> SignatureHash {
        match self {
            Self::Sha384 => SignatureHash::Sha384,
            Self::Sha512 => SignatureHash::Sha512,
            Self::Sha1 | Self::Sha256 => SignatureHash::Sha256,
        }
    }
}

/// The parsed, not yet verified, content of a timestamp response.
#[derive(Debug, Clone)]
pub struct TimestampToken {
    signer: SignerInfo,
    tst_info_der: Vec<u8>,
    gen_time: i64,
    imprint_hash: TimestampHash,
    imprint: Vec<u8>,
    serial: Vec<u8>,
    embedded: Vec<Vec<u8>>,
}

impl TimestampToken {
    /// Parses a DER `TimeStampResp` (what a Sigstore bundle's `signedTimestamp` holds).
    pub fn parse(der: &[u8]) -> Result<Self, TransparencyError> {
        TransparencyError::check_limit("RFC 3161 timestamp bytes", MAX_TIMESTAMP_BYTES, der.len())?;
        let resp =
            TimeStampResp::from_der(der).map_err(|e| malformed(format!("TimeStampResp: {e}")))?;
        if resp.status.status > 1 {
            return Err(ts_err(TimestampProblem::NotGranted {
                status: resp.status.status,
            }));
        }
        let token = resp
            .time_stamp_token
            .ok_or_else(|| malformed("a granted response without a TimeStampToken"))?;
        if token.content_type != ID_SIGNED_DATA {
            return Err(malformed("the TimeStampToken is not a CMS SignedData"));
        }
        let signed_data: SignedData = token
            .content
            .decode_as()
            .map_err(|e| malformed(format!("SignedData: {e}")))?;
        if signed_data.encap_content_info.econtent_type != ID_CT_TST_INFO {
            return Err(malformed("the encapsulated content is not a TSTInfo"));
        }
        let econtent = signed_data
            .encap_content_info
            .econtent
            .as_ref()
            .ok_or_else(|| malformed("the SignedData has no encapsulated TSTInfo"))?;
        let octets: OctetString = econtent
            .decode_as()
            .map_err(|e| malformed(format!("eContent: {e}")))?;
        let tst_info_der = octets.as_bytes().to_vec();
        let tst =
            TstInfo::from_der(&tst_info_der).map_err(|e| malformed(format!("TSTInfo: {e}")))?;
        if tst.version != 1 {
            return Err(malformed(format!("TSTInfo version {}", tst.version)));
        }
        let gen_time = parse_generalized_time(&tst.gen_time)?;
        let imprint_hash = TimestampHash::from_oid(
            &tst.message_imprint.hash_algorithm.oid,
            "message imprint hash",
        )?
        .strong("message imprint hash")?;
        let signers = signed_data.signer_infos.0.as_slice();
        let [signer] = signers else {
            return Err(malformed(format!(
                "the SignedData has {} signers, expected exactly one",
                signers.len()
            )));
        };
        let signer = signer.clone();
        let mut embedded = Vec::new();
        if let Some(set) = &signed_data.certificates {
            TransparencyError::check_limit(
                "certificates embedded in a timestamp",
                MAX_EMBEDDED_CERTIFICATES,
                set.0.len(),
            )?;
            for choice in set.0.iter() {
                if let cms::cert::CertificateChoices::Certificate(c) = choice {
                    embedded.push(
                        c.to_der()
                            .map_err(|e| malformed(format!("certificate: {e}")))?,
                    );
                }
            }
        }
        Ok(Self {
            imprint: tst.message_imprint.hashed_message.as_bytes().to_vec(),
            serial: tst.serial_number.as_bytes().to_vec(),
            signer,
            tst_info_der,
            gen_time,
            imprint_hash,
            embedded,
        })
    }

    /// The token's `genTime`, Unix seconds (fractions of a second dropped).
    pub fn gen_time(&self) -> i64 {
        self.gen_time
    }

    /// The message imprint's hash algorithm and value.
    pub fn message_imprint(&self) -> (TimestampHash, &[u8]) {
        (self.imprint_hash, &self.imprint)
    }

    /// The TSTInfo serial number (big-endian bytes as encoded).
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }

    /// The DER certificates the token embeds.
    pub fn embedded_certificates(&self) -> &[Vec<u8>] {
        &self.embedded
    }

    /// Checks the imprint against the timestamped bytes.
    fn check_imprint(&self, timestamped: &[u8]) -> Result<(), TransparencyError> {
        if self.imprint_hash.digest(timestamped) != self.imprint {
            return Err(ts_err(TimestampProblem::ImprintMismatch));
        }
        Ok(())
    }

    /// The signed attributes: content type and message digest; returns their DER (the signed
    /// bytes) and the signing-certificate attribute, if any.
    fn check_signed_attributes(
        &self,
    ) -> Result<(Vec<u8>, Option<EssAttribute>), TransparencyError> {
        let bad = |reason| ts_err(TimestampProblem::SignedAttributes { reason });
        let attrs = self
            .signer
            .signed_attrs
            .as_ref()
            .ok_or_else(|| bad("absent (RFC 3161 requires them)"))?;
        let single = |oid: ObjectIdentifier| -> Result<Option<Any>, TransparencyError> {
            let mut found = None;
            for a in attrs.iter().filter(|a| a.oid == oid) {
                if found.is_some() || a.values.len() != 1 {
                    return Err(bad("an attribute appears twice or has several values"));
                }
                found = a.values.iter().next().cloned();
            }
            Ok(found)
        };
        let content_type: ObjectIdentifier = single(ID_CONTENT_TYPE)?
            .ok_or_else(|| bad("no content-type attribute"))?
            .decode_as()
            .map_err(|_| bad("content-type attribute is not an OID"))?;
        if content_type != ID_CT_TST_INFO {
            return Err(bad("content-type attribute is not id-ct-TSTInfo"));
        }
        let digest_hash = TimestampHash::from_oid(&self.signer.digest_alg.oid, "signer digest")?
            .strong("signer digest")?;
        let message_digest: OctetString = single(ID_MESSAGE_DIGEST)?
            .ok_or_else(|| bad("no message-digest attribute"))?
            .decode_as()
            .map_err(|_| bad("message-digest attribute is not an OCTET STRING"))?;
        if message_digest.as_bytes() != digest_hash.digest(&self.tst_info_der).as_slice() {
            return Err(bad("message-digest does not match the TSTInfo"));
        }
        let v1 = single(ID_SIGNING_CERTIFICATE)?;
        let v2 = single(ID_SIGNING_CERTIFICATE_V2)?;
        let signing_certificate = match (v1, v2) {
            (_, Some(any)) => Some((true, any)),
            (Some(any), None) => Some((false, any)),
            (None, None) => None,
        }
        .map(|(is_v2, any)| {
            any.decode_as::<SigningCertificate>()
                .map(|sc| (is_v2, sc))
                .map_err(|_| bad("signing-certificate attribute is malformed"))
        })
        .transpose()?;
        let signed_bytes = attrs
            .to_der()
            .map_err(|e| malformed(format!("signed attributes: {e}")))?;
        Ok((signed_bytes, signing_certificate))
    }

    /// The hash the CMS signature uses.
    fn signature_hash(&self) -> Result<TimestampHash, TransparencyError> {
        let oid = self.signer.signature_algorithm.oid;
        let by_digest = || {
            TimestampHash::from_oid(&self.signer.digest_alg.oid, "signer digest")?
                .strong("signer digest")
        };
        match oid {
            ECDSA_SHA256 | SHA256_RSA => Ok(TimestampHash::Sha256),
            ECDSA_SHA384 | SHA384_RSA => Ok(TimestampHash::Sha384),
            ECDSA_SHA512 | SHA512_RSA => Ok(TimestampHash::Sha512),
            EC_PUBLIC_KEY | RSA_ENCRYPTION | ED25519 => by_digest(),
            other => Err(ts_err(TimestampProblem::UnsupportedAlgorithm {
                what: "signature",
                oid: other.to_string(),
            })),
        }
    }
}

/// `YYYYMMDDHHMMSS[.f+]Z` to Unix seconds.
fn parse_generalized_time(any: &Any) -> Result<i64, TransparencyError> {
    if any.tag() != der::Tag::GeneralizedTime {
        return Err(malformed("genTime is not a GeneralizedTime"));
    }
    let text = std::str::from_utf8(any.value()).map_err(|_| malformed("genTime is not ASCII"))?;
    let bad = || malformed(format!("genTime {text:?} is not YYYYMMDDHHMMSS[.fff]Z"));
    let body = text.strip_suffix('Z').ok_or_else(bad)?;
    let (whole, fraction) = match body.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    // DER: a fraction has digits and no trailing zero (X.690 §11.7).
    if let Some(f) = fraction {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) || f.ends_with('0') {
            return Err(bad());
        }
    }
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, TransparencyError> {
        whole.get(r).and_then(|s| s.parse().ok()).ok_or_else(bad)
    };
    let (y, mo, d, h, mi, s) = (
        num(0..4)?,
        num(4..6)?,
        num(6..8)?,
        num(8..10)?,
        num(10..12)?,
        num(12..14)?,
    );
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if d < 1 || d > days_in_month || h > 23 || mi > 59 || s > 59 {
        return Err(bad());
    }
    Ok(days_from_civil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A timestamp [`verify_timestamp`] accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTimestamp {
    /// The token's `genTime`, Unix seconds.
    pub time: i64,
    /// Index, in the authorities given, of the TSA that signed it.
    pub authority_index: usize,
    /// The TSA certificate path used, signer first and the authority's root last (DER).
    pub chain: Vec<Vec<u8>>,
}

/// Verifies a DER `TimeStampResp` over `timestamped` (the bytes whose hash is the message
/// imprint) against the timestamp authorities of a trusted root. See the module docs for every
/// check and the order they run in.
pub fn verify_timestamp(
    response_der: &[u8],
    timestamped: &[u8],
    tsas: &[CertificateAuthority],
) -> Result<VerifiedTimestamp, TransparencyError> {
    verify_timestamp_cached(response_der, timestamped, tsas, &[])
}

/// As [`verify_timestamp`], with the signatures inside the authorities' chains answered from
/// `caches` when the same check passed before ([`super::x509::LinkCache`]).
pub fn verify_timestamp_cached(
    response_der: &[u8],
    timestamped: &[u8],
    tsas: &[CertificateAuthority],
    caches: &[&LinkCache],
) -> Result<VerifiedTimestamp, TransparencyError> {
    let token = TimestampToken::parse(response_der)?;
    token.check_imprint(timestamped)?;
    let (signed_attrs, signing_certificate) = token.check_signed_attributes()?;
    let signature_hash = token.signature_hash()?;

    let mut best: Option<(u8, TransparencyError)> = None;
    for (index, authority) in tsas.iter().enumerate() {
        match verify_with_authority(
            &token,
            authority,
            index,
            &signed_attrs,
            signing_certificate.as_ref(),
            signature_hash,
            caches,
        ) {
            Ok(chain) => {
                return Ok(VerifiedTimestamp {
                    time: token.gen_time,
                    authority_index: index,
                    chain,
                });
            }
            Err(e) => {
                let r = rank(&e);
                if best.as_ref().is_none_or(|(b, _)| r > *b) {
                    best = Some((r, e));
                }
            }
        }
    }
    Err(best.map(|(_, e)| e).unwrap_or_else(|| {
        ts_err(TimestampProblem::SignerCertificate {
            reason: "the trusted root has no timestamp authority",
        })
    }))
}

/// How specific a per-authority failure is (higher: reported in preference).
fn rank(e: &TransparencyError) -> u8 {
    use super::x509::CertificateProblem as C;
    match e {
        TransparencyError::Timestamp {
            problem: TimestampProblem::SignerCertificate { .. },
        } => 0,
        TransparencyError::Certificate {
            problem: C::UnknownIssuer,
            ..
        } => 1,
        TransparencyError::Certificate {
            problem: C::AuthorityNotValidAt { .. },
            ..
        } => 4,
        TransparencyError::Certificate { .. } => 3,
        _ => 2,
    }
}

/// Whether a certificate is the one a CMS signer identifier designates.
fn designates(sid: &SignerIdentifier, cert: &ParsedCertificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer,
            serial_number,
        }) => {
            let tbs = &cert.inner().tbs_certificate;
            tbs.issuer == *issuer && tbs.serial_number == *serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => cert
            .extension("2.5.29.14")
            .ok()
            .flatten()
            .and_then(|(_, v)| OctetString::from_der(v).ok())
            .is_some_and(|v| v.as_bytes() == ski.0.as_bytes()),
    }
}

fn signer_problem(reason: &'static str) -> TransparencyError {
    ts_err(TimestampProblem::SignerCertificate { reason })
}

fn verify_with_authority(
    token: &TimestampToken,
    authority: &CertificateAuthority,
    index: usize,
    signed_attrs: &[u8],
    signing_certificate: Option<&EssAttribute>,
    signature_hash: TimestampHash,
    caches: &[&LinkCache],
) -> Result<Vec<Vec<u8>>, TransparencyError> {
    let sid = &token.signer.sid;
    let named_embedded = token
        .embedded
        .iter()
        .filter_map(|der| ParsedCertificate::parse(der).ok())
        .find(|c| designates(sid, c));
    let signer = match authority.chain.as_slice() {
        [] => return Err(signer_problem("the authority has no certificate")),
        [_root] => named_embedded.ok_or_else(|| {
            signer_problem("the authority lists only a root and the token embeds no certificate its signer identifier names")
        })?,
        [tsa_leaf, ..] => {
            let leaf = ParsedCertificate::parse(tsa_leaf)?;
            if !designates(sid, &leaf) {
                return Err(signer_problem(
                    "the signer identifier does not name the authority's TSA certificate",
                ));
            }
            if let Some(embedded) = &named_embedded {
                if embedded.der() != leaf.der() {
                    return Err(signer_problem(
                        "the embedded signer certificate is not the authority's TSA certificate",
                    ));
                }
            }
            leaf
        }
    };
    if let Some((is_v2, sc)) = signing_certificate {
        check_ess_cert_id(*is_v2, sc, &signer)?;
    }
    let others: Vec<&[u8]> = token
        .embedded
        .iter()
        .map(Vec::as_slice)
        .filter(|d| *d != signer.der())
        .collect();
    let one = std::slice::from_ref(authority);
    let chain = verify_chain_cached(
        signer.der(),
        &others,
        one,
        token.gen_time,
        ExtendedKeyUsage::TimeStamping,
        caches,
    )
    .map_err(|e| match e {
        TransparencyError::Certificate { problem, .. } => TransparencyError::Certificate {
            what: "timestamp authority certificate chain",
            problem: match problem {
                super::x509::CertificateProblem::AuthorityNotValidAt { at, .. } => {
                    super::x509::CertificateProblem::AuthorityNotValidAt {
                        authority: index,
                        at,
                    }
                }
                other => other,
            },
        },
        other => other,
    })?;
    signer
        .verify_signature(
            signature_hash.signature_hash(),
            signed_attrs,
            token.signer.signature.as_bytes(),
        )
        .map_err(|e| {
            ts_err(TimestampProblem::BadSignature {
                reason: e.to_string(),
            })
        })?;
    Ok(chain.chain)
}

/// The first ESSCertID(v2) must designate the signer certificate (RFC 5035 §5.4).
fn check_ess_cert_id(
    is_v2: bool,
    sc: &SigningCertificate,
    signer: &ParsedCertificate,
) -> Result<(), TransparencyError> {
    let bad = |reason| ts_err(TimestampProblem::SignedAttributes { reason });
    let first = sc
        .certs
        .first()
        .ok_or_else(|| bad("signing-certificate attribute lists no certificate"))?;
    let hash = match (&first.hash_algorithm, is_v2) {
        (None, true) => TimestampHash::Sha256,
        (None, false) => TimestampHash::Sha1,
        (Some(_), false) => return Err(bad("a v1 ESSCertID has no hash algorithm")),
        (Some(alg), true) => TimestampHash::from_oid(&alg.oid, "ESSCertIDv2 hash")?,
    };
    if first.cert_hash.as_bytes() != hash.digest(signer.der()).as_slice() {
        return Err(bad(
            "the ESSCertID hash does not match the signer certificate",
        ));
    }
    if let Some(is) = &first.issuer_serial {
        let tbs = &signer.inner().tbs_certificate;
        let issuer_matches = is
            .issuer
            .iter()
            .any(|n| matches!(n, GeneralName::DirectoryName(name) if *name == tbs.issuer));
        if !issuer_matches || is.serial_number.as_bytes() != tbs.serial_number.as_bytes() {
            return Err(bad(
                "the ESSCertID issuer and serial do not match the signer certificate",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gt(s: &str) -> Result<i64, TransparencyError> {
        let any = Any::new(der::Tag::GeneralizedTime, s.as_bytes()).unwrap();
        parse_generalized_time(&any)
    }

    #[test]
    fn generalized_time() {
        assert_eq!(gt("19700101000000Z").unwrap(), 0);
        assert_eq!(gt("20250612120220Z").unwrap(), 1_749_729_740);
        assert_eq!(gt("20250612120220.5Z").unwrap(), 1_749_729_740);
        assert_eq!(gt("20000229235959Z").unwrap(), 951_868_799);
        for bad in [
            "20250612120220",
            "2025061212022Z",
            "20250612120220.Z",
            "20250612120220.50Z",
            "20250230120220Z",
            "20190229000000Z",
            "20251312120220Z",
            "20250612240000Z",
            "20250612126000Z",
            "2025061212022aZ",
            "+0250612120220Z",
        ] {
            assert!(gt(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn days_from_civil_matches_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }
}

//! Signed Certificate Timestamps (RFC 6962) embedded in a Fulcio certificate: the SCT list
//! extension (`1.3.6.1.4.1.11129.2.4.2`) is parsed, the precertificate each SCT signed is
//! rebuilt (the leaf's `TBSCertificate` without the SCT list extension, with the SHA-256 of the
//! issuer's key), and each SCT's signature is checked under the CT log of the trusted root
//! whose log id it names, at the SCT's time within that log key's validity window.
//!
//! As sigstore-go (threshold 1), the certificate passes when at least one SCT verifies; SCTs
//! from logs the trusted root does not list are skipped. SCT extensions (non-empty for static
//! CT logs) are part of the signed data.
//!
//! The TLS-encoded list is parsed by `x509-cert`'s `sct` feature (RustCrypto, `tls_codec`).
//!
//! ```
//! use stella_attest::transparency::sct::parse_sct_list;
//!
//! // An empty list (two zero length bytes) holds no SCT; garbage is refused.
//! assert!(parse_sct_list(&[0x04, 0x02, 0x00, 0x00])?.is_empty());
//! assert!(parse_sct_list(b"junk").is_err());
//! # Ok::<(), stella_attest::transparency::TransparencyError>(())
//! ```

use der::oid::AssociatedOid;
use der::{Decode, Encode};
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use x509_cert::ext::pkix::SignedCertificateTimestampList;
use x509_cert::ext::pkix::sct::{HashAlgorithm, SignatureAlgorithm, SignedCertificateTimestamp};

use super::TransparencyError;
use super::bundle::LogInstance;
use super::fulcio::FulcioCertificate;

/// The most SCTs read from one certificate.
pub const MAX_SCTS: usize = 32;

/// One parsed SCT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sct {
    /// The CT log id (SHA-256 of its key).
    pub log_id: [u8; 32],
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// The SCT extensions (opaque bytes).
    pub extensions: Vec<u8>,
    /// TLS `HashAlgorithm` code.
    pub hash: u8,
    /// TLS `SignatureAlgorithm` code.
    pub signature_algorithm: u8,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

/// An SCT whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedSct {
    /// The CT log id, hex.
    pub log_id: String,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
}

fn sct_err(reason: impl Into<String>) -> TransparencyError {
    TransparencyError::Sct {
        reason: reason.into(),
    }
}

fn from_x509(sct: SignedCertificateTimestamp) -> Sct {
    Sct {
        log_id: sct.log_id.key_id,
        timestamp_ms: sct.timestamp,
        extensions: sct.extensions.as_slice().to_vec(),
        hash: hash_code(&sct.signature.algorithm.hash),
        signature_algorithm: sig_code(&sct.signature.algorithm.signature),
        signature: sct.signature.signature.as_slice().to_vec(),
    }
}

fn hash_code(h: &HashAlgorithm) -> u8 {
    match h {
        HashAlgorithm::None => 0,
        HashAlgorithm::Md5 => 1,
        HashAlgorithm::Sha1 => 2,
        HashAlgorithm::Sha224 => 3,
        HashAlgorithm::Sha256 => 4,
        HashAlgorithm::Sha384 => 5,
        HashAlgorithm::Sha512 => 6,
        HashAlgorithm::Intrinsic => 8,
    }
}

fn sig_code(s: &SignatureAlgorithm) -> u8 {
    match s {
        SignatureAlgorithm::Anonymous => 0,
        SignatureAlgorithm::Rsa => 1,
        SignatureAlgorithm::Dsa => 2,
        SignatureAlgorithm::Ecdsa => 3,
        SignatureAlgorithm::Ed25519 => 7,
        SignatureAlgorithm::Ed448 => 8,
    }
}

/// Parses the DER value of the SCT list extension (an OCTET STRING holding the TLS-encoded
/// `SignedCertificateTimestampList`). At most [`MAX_SCTS`]; trailing bytes refused.
pub fn parse_sct_list(extension_value: &[u8]) -> Result<Vec<Sct>, TransparencyError> {
    let list = SignedCertificateTimestampList::from_der(extension_value)
        .map_err(|e| sct_err(format!("SCT list extension is not DER: {e}")))?;
    let serialized = list
        .parse_timestamps()
        .map_err(|e| sct_err(format!("SCT list is malformed: {e:?}")))?;
    TransparencyError::check_limit("SCTs in a certificate", MAX_SCTS, serialized.len())?;
    serialized
        .iter()
        .map(|s| {
            s.parse_timestamp()
                .map(from_x509)
                .map_err(|e| sct_err(format!("SCT is malformed: {e:?}")))
        })
        .collect()
}

/// The bytes an embedded SCT signs (RFC 6962 §3.2, `precert_entry`).
fn signed_data(sct: &Sct, issuer_key_hash: &[u8; 32], precert_tbs: &[u8]) -> Option<Vec<u8>> {
    let tbs_len = u32::try_from(precert_tbs.len()).ok()?;
    let ext_len = u16::try_from(sct.extensions.len()).ok()?;
    if tbs_len >= 1 << 24 {
        return None;
    }
    let mut out = Vec::with_capacity(precert_tbs.len() + sct.extensions.len() + 64);
    out.push(0); // sct_version v1
    out.push(0); // signature_type certificate_timestamp
    out.extend_from_slice(&sct.timestamp_ms.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes()); // entry_type precert_entry
    out.extend_from_slice(issuer_key_hash);
    out.extend_from_slice(tbs_len.to_be_bytes().get(1..)?);
    out.extend_from_slice(precert_tbs);
    out.extend_from_slice(&ext_len.to_be_bytes());
    out.extend_from_slice(&sct.extensions);
    Some(out)
}

/// The leaf's `TBSCertificate` without the SCT list extension, DER.
fn precert_tbs(leaf: &FulcioCertificate) -> Result<Vec<u8>, TransparencyError> {
    let mut tbs = leaf.parsed().inner().tbs_certificate.clone();
    if let Some(exts) = tbs.extensions.as_mut() {
        exts.retain(|e| e.extn_id != SignedCertificateTimestampList::OID);
    }
    tbs.to_der()
        .map_err(|e| sct_err(format!("cannot re-encode the precertificate: {e}")))
}

/// Verifies the SCTs embedded in `leaf` (issued by the key `issuer_spki_der`) against the CT
/// logs `ctlogs`: at least one must verify (see the module docs). Errors:
/// [`TransparencyError::Sct`] (no SCT extension, malformed list, none verified — with the
/// reason of each).
pub fn verify_embedded_scts(
    leaf: &FulcioCertificate,
    issuer_spki_der: &[u8],
    ctlogs: &[LogInstance],
) -> Result<Vec<VerifiedSct>, TransparencyError> {
    let ext = leaf
        .parsed()
        .extension(&SignedCertificateTimestampList::OID.to_string())?
        .ok_or_else(|| sct_err("the certificate has no embedded SCT"))?;
    let scts = parse_sct_list(ext.1)?;
    if scts.is_empty() {
        return Err(sct_err("the certificate's SCT list is empty"));
    }
    let issuer_key_hash: [u8; 32] = Sha256::digest(issuer_spki_der).into();
    let tbs = precert_tbs(leaf)?;
    let mut verified = Vec::new();
    let mut reasons = Vec::new();
    for sct in &scts {
        match verify_one(sct, &issuer_key_hash, &tbs, ctlogs) {
            Ok(v) => verified.push(v),
            Err(reason) => reasons.push(reason),
        }
    }
    if verified.is_empty() {
        return Err(sct_err(format!("no SCT verified: {}", reasons.join("; "))));
    }
    Ok(verified)
}

fn verify_one(
    sct: &Sct,
    issuer_key_hash: &[u8; 32],
    tbs: &[u8],
    ctlogs: &[LogInstance],
) -> Result<VerifiedSct, String> {
    let log_id = hex::encode(sct.log_id);
    let log = ctlogs
        .iter()
        .find(|l| l.log_id == sct.log_id)
        .ok_or_else(|| format!("SCT from CT log {log_id}, which the trusted root does not list"))?;
    let seconds = i64::try_from(sct.timestamp_ms / 1000)
        .map_err(|_| "SCT timestamp out of range".to_owned())?;
    log.check_valid_at(seconds, "CT log key")
        .map_err(|e| e.to_string())?;
    // The algorithm the log key implies must be the one the SCT names (ECDSA or RSA with
    // SHA-256, Ed25519 with its intrinsic hash).
    let expected = match log.key_details.as_str() {
        "PKIX_ED25519" => (8, 7),
        d if d.starts_with("PKCS1_RSA") || d.starts_with("PKIX_RSA") => (4, 1),
        d if d.contains("P384") => (5, 3),
        _ => (4, 3),
    };
    if (sct.hash, sct.signature_algorithm) != expected {
        return Err(format!(
            "SCT from {log_id} names algorithm ({}, {}), the log key is {}",
            sct.hash, sct.signature_algorithm, log.key_details
        ));
    }
    let data = signed_data(sct, issuer_key_hash, tbs).ok_or("SCT data too large")?;
    log.verify(&data, &sct.signature, "signed certificate timestamp")
        .map_err(|e| e.to_string())?;
    Ok(VerifiedSct {
        log_id,
        timestamp_ms: sct.timestamp_ms,
    })
}

//! Fulcio code-signing certificates: the signer's identity (the one Subject Alternative Name),
//! the OIDC issuer and the other claims Fulcio copies from the OIDC token into its extensions
//! under `1.3.6.1.4.1.57264.1`, the certificate's key and validity, and signature checks under
//! a DER SubjectPublicKeyInfo.
//!
//! Extensions `…1.1` to `…1.6` (issuer v1 and the GitHub workflow claims) hold the raw string
//! bytes; `…1.8` and later hold a DER `UTF8String` (Fulcio's "v2" encoding). When a certificate
//! carries both issuer extensions they must agree.
//!
//! Parsing uses `x509-cert` (RustCrypto): it exposes the extensions, names and validity that
//! `rustls-webpki` (the path validation of [`super::x509`]) does not.
//!
//! ```
//! use stella_attest::transparency::fulcio::FulcioCertificate;
//! # let der = stella_attest::transparency::fulcio::doc_example_certificate();
//! let cert = FulcioCertificate::from_der(&der)?;
//! assert_eq!(cert.identity().issuer, "https://token.actions.githubusercontent.com");
//! # Ok::<(), stella_attest::transparency::TransparencyError>(())
//! ```

use std::collections::BTreeMap;

use der::Decode;
use der::asn1::Utf8StringRef;
use serde::Serialize;
use stella_core::Timestamp;
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

use super::TransparencyError;
use super::b64;
use super::x509::{CertificateProblem, ParsedCertificate, TimeWindow};

/// The Fulcio OID arc, `1.3.6.1.4.1.57264.1`.
pub const FULCIO_OID_ARC: &str = "1.3.6.1.4.1.57264.1";

/// The Fulcio certificate extensions this crate reads: (last OID arc, name, encoding).
/// `true` = DER `UTF8String` (v2), `false` = raw bytes (v1, deprecated).
const FULCIO_EXTENSIONS: &[(u32, &str, bool)] = &[
    (1, "issuer_v1", false),
    (2, "github_workflow_trigger", false),
    (3, "github_workflow_sha", false),
    (4, "github_workflow_name", false),
    (5, "github_workflow_repository", false),
    (6, "github_workflow_ref", false),
    (8, "issuer", true),
    (9, "build_signer_uri", true),
    (10, "build_signer_digest", true),
    (11, "runner_environment", true),
    (12, "source_repository_uri", true),
    (13, "source_repository_digest", true),
    (14, "source_repository_ref", true),
    (15, "source_repository_identifier", true),
    (16, "source_repository_owner_uri", true),
    (17, "source_repository_owner_identifier", true),
    (18, "build_config_uri", true),
    (19, "build_config_digest", true),
    (20, "build_trigger", true),
    (21, "run_invocation_uri", true),
    (22, "source_repository_visibility_at_signing", true),
];

/// The Fulcio `otherName` SAN type for a username identity, `1.3.6.1.4.1.57264.1.7`.
const OTHER_NAME_USERNAME: &str = "1.3.6.1.4.1.57264.1.7";

/// A Fulcio extension, by name (see [`FulcioIdentity::extensions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FulcioExtension(&'static str);

impl FulcioExtension {
    /// `1.3.6.1.4.1.57264.1.2`: GitHub workflow trigger (v1).
    pub const GITHUB_WORKFLOW_TRIGGER: Self = Self("github_workflow_trigger");
    /// `…1.3`: GitHub workflow commit SHA (v1).
    pub const GITHUB_WORKFLOW_SHA: Self = Self("github_workflow_sha");
    /// `…1.4`: GitHub workflow name (v1).
    pub const GITHUB_WORKFLOW_NAME: Self = Self("github_workflow_name");
    /// `…1.5`: GitHub workflow repository (v1).
    pub const GITHUB_WORKFLOW_REPOSITORY: Self = Self("github_workflow_repository");
    /// `…1.6`: GitHub workflow ref (v1).
    pub const GITHUB_WORKFLOW_REF: Self = Self("github_workflow_ref");
    /// `…1.9`: build signer URI.
    pub const BUILD_SIGNER_URI: Self = Self("build_signer_uri");
    /// `…1.10`: build signer digest.
    pub const BUILD_SIGNER_DIGEST: Self = Self("build_signer_digest");
    /// `…1.11`: runner environment.
    pub const RUNNER_ENVIRONMENT: Self = Self("runner_environment");
    /// `…1.12`: source repository URI.
    pub const SOURCE_REPOSITORY_URI: Self = Self("source_repository_uri");
    /// `…1.13`: source repository digest.
    pub const SOURCE_REPOSITORY_DIGEST: Self = Self("source_repository_digest");
    /// `…1.14`: source repository ref.
    pub const SOURCE_REPOSITORY_REF: Self = Self("source_repository_ref");
    /// `…1.15`: source repository identifier.
    pub const SOURCE_REPOSITORY_IDENTIFIER: Self = Self("source_repository_identifier");
    /// `…1.16`: source repository owner URI.
    pub const SOURCE_REPOSITORY_OWNER_URI: Self = Self("source_repository_owner_uri");
    /// `…1.17`: source repository owner identifier.
    pub const SOURCE_REPOSITORY_OWNER_IDENTIFIER: Self = Self("source_repository_owner_identifier");
    /// `…1.18`: build config URI.
    pub const BUILD_CONFIG_URI: Self = Self("build_config_uri");
    /// `…1.19`: build config digest.
    pub const BUILD_CONFIG_DIGEST: Self = Self("build_config_digest");
    /// `…1.20`: build trigger.
    pub const BUILD_TRIGGER: Self = Self("build_trigger");
    /// `…1.21`: run invocation URI.
    pub const RUN_INVOCATION_URI: Self = Self("run_invocation_uri");
    /// `…1.22`: source repository visibility at signing.
    pub const SOURCE_REPOSITORY_VISIBILITY: Self = Self("source_repository_visibility_at_signing");

    /// The extension's name (the key in [`FulcioIdentity::extensions`]).
    pub fn name(&self) -> &'static str {
        self.0
    }
}

/// The kind of the certificate's Subject Alternative Name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SanKind {
    /// An `rfc822Name` (e-mail address).
    Email,
    /// A `uniformResourceIdentifier` (e.g. a CI workflow URI).
    Uri,
    /// A Fulcio `otherName` username (`1.3.6.1.4.1.57264.1.7`).
    Username,
}

/// Who a Fulcio certificate says signed: the SAN, the OIDC issuer and the other claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FulcioIdentity {
    /// The Subject Alternative Name (exactly one is allowed).
    pub san: String,
    /// What kind of name `san` is.
    pub san_kind: SanKind,
    /// The OIDC issuer (extension `…1.8`, or the deprecated `…1.1`).
    pub issuer: String,
    /// Every Fulcio extension present, by name (`issuer_v1`, `github_workflow_ref`,
    /// `source_repository_uri`, …), sorted.
    pub extensions: BTreeMap<&'static str, String>,
}

impl FulcioIdentity {
    /// The value of one extension, if present.
    pub fn extension(&self, ext: FulcioExtension) -> Option<&str> {
        self.extensions.get(ext.name()).map(String::as_str)
    }
}

/// A parsed Fulcio leaf certificate: the [`ParsedCertificate`] of [`super::x509`] and the
/// identity read from it.
#[derive(Debug, Clone)]
pub struct FulcioCertificate {
    parsed: ParsedCertificate,
    spki_der: Vec<u8>,
    validity: TimeWindow,
    identity: FulcioIdentity,
}

fn malformed(what: &'static str, reason: impl ToString) -> TransparencyError {
    TransparencyError::Certificate {
        what,
        problem: CertificateProblem::Malformed {
            reason: reason.to_string().chars().take(200).collect(),
        },
    }
}

fn cert_err(what: &'static str) -> impl Fn(der::Error) -> TransparencyError {
    move |e| malformed(what, e)
}

impl FulcioCertificate {
    /// Parses a DER certificate and reads its identity. Refused: more than
    /// [`super::x509::MAX_CERTIFICATE_BYTES`], trailing bytes, no or several SANs, no OIDC
    /// issuer, issuer v1 and v2 disagreeing, an extension repeated, a non-UTF-8 claim.
    pub fn from_der(der_bytes: &[u8]) -> Result<Self, TransparencyError> {
        let parsed = ParsedCertificate::parse(der_bytes)?;
        let spki_der = parsed.spki_der()?;
        let validity = parsed.validity();
        let identity = read_identity(parsed.inner())?;
        Ok(Self {
            parsed,
            spki_der,
            validity,
            identity,
        })
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        self.parsed.der()
    }

    /// The parsed certificate.
    pub fn parsed(&self) -> &ParsedCertificate {
        &self.parsed
    }

    /// The subject key, DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The identity (SAN, issuer, claims).
    pub fn identity(&self) -> &FulcioIdentity {
        &self.identity
    }

    /// The validity period `[notBefore, notAfter]`, Unix seconds, both ends inclusive.
    pub fn validity(&self) -> TimeWindow {
        self.validity
    }

    /// Checks that the certificate is valid at `t` (Unix seconds, both ends inclusive):
    /// [`TransparencyError::CertificateNotValidAt`] otherwise.
    pub fn check_valid_at(&self, t: i64, source: &'static str) -> Result<(), TransparencyError> {
        let v = self.validity;
        if v.start.is_some() && v.end.is_some() && v.contains(t) {
            return Ok(());
        }
        Err(TransparencyError::CertificateNotValidAt {
            timestamp: source,
            time: rfc3339(t),
            not_before: v.start.map(rfc3339).unwrap_or_default(),
            not_after: v.end.map(rfc3339).unwrap_or_default(),
        })
    }

    /// Verifies `signature` over `message` under the certificate's key (see [`verify_spki`]).
    pub fn verify(
        &self,
        message: &[u8],
        signature: &[u8],
        what: &'static str,
    ) -> Result<(), TransparencyError> {
        verify_spki(&self.spki_der, message, signature, what)
    }

    /// The certificate as PEM.
    pub fn to_pem(&self) -> String {
        pem_wrap("CERTIFICATE", self.der())
    }
}

/// RFC 3339 text of Unix seconds (or `@<seconds>` when out of range).
pub(crate) fn rfc3339(t: i64) -> String {
    Timestamp::from_unix_seconds(t)
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|_| format!("@{t}"))
}

/// PEM text of DER bytes under `label`, lines of 64 columns.
pub(crate) fn pem_wrap(label: &str, der_bytes: &[u8]) -> String {
    let b64 = b64::encode(der_bytes);
    let mut out = format!("-----BEGIN {label}-----\n");
    let mut rest = b64.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(64));
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn read_identity(cert: &Certificate) -> Result<FulcioIdentity, TransparencyError> {
    let mut sans: Vec<(SanKind, String)> = Vec::new();
    let mut extensions: BTreeMap<&'static str, String> = BTreeMap::new();
    let exts = cert
        .tbs_certificate
        .extensions
        .as_deref()
        .unwrap_or_default();
    let mut saw_san = false;
    for ext in exts {
        let oid = ext.extn_id.to_string();
        let value = ext.extn_value.as_bytes();
        if ext.extn_id == const_oid_san() {
            if saw_san {
                return Err(malformed(
                    "leaf certificate",
                    "two subjectAltName extensions",
                ));
            }
            saw_san = true;
            let names = SubjectAltName::from_der(value).map_err(cert_err("subjectAltName"))?;
            for name in names.0 {
                match name {
                    GeneralName::Rfc822Name(n) => sans.push((SanKind::Email, n.to_string())),
                    GeneralName::UniformResourceIdentifier(n) => {
                        sans.push((SanKind::Uri, n.to_string()));
                    }
                    GeneralName::OtherName(o) if o.type_id.to_string() == OTHER_NAME_USERNAME => {
                        let s: Utf8StringRef<'_> =
                            o.value.decode_as().map_err(cert_err("otherName SAN"))?;
                        sans.push((SanKind::Username, s.as_str().to_owned()));
                    }
                    _ => {
                        return Err(malformed(
                            "subjectAltName",
                            "only e-mail, URI and Fulcio username names are allowed",
                        ));
                    }
                }
            }
            continue;
        }
        let Some(arc) = oid
            .strip_prefix(FULCIO_OID_ARC)
            .and_then(|rest| rest.strip_prefix('.'))
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Some(&(_, name, v2)) = FULCIO_EXTENSIONS.iter().find(|(a, _, _)| *a == arc) else {
            continue;
        };
        let text = if v2 {
            Utf8StringRef::from_der(value)
                .map_err(cert_err("Fulcio extension"))?
                .as_str()
                .to_owned()
        } else {
            std::str::from_utf8(value)
                .map_err(|_| malformed("Fulcio extension", "v1 claim is not UTF-8"))?
                .to_owned()
        };
        if extensions.insert(name, text).is_some() {
            return Err(malformed("Fulcio extension", "an extension appears twice"));
        }
    }
    let (san_kind, san) = match sans.len() {
        0 => return Err(malformed("leaf certificate", "no Subject Alternative Name")),
        1 => sans.remove(0),
        _ => {
            return Err(malformed(
                "leaf certificate",
                "more than one Subject Alternative Name",
            ));
        }
    };
    let issuer = match (extensions.get("issuer"), extensions.get("issuer_v1")) {
        (Some(v2), Some(v1)) if v2 != v1 => {
            return Err(malformed(
                "leaf certificate",
                "OIDC issuer extensions v1 (1.1) and v2 (1.8) disagree",
            ));
        }
        (Some(v), _) | (None, Some(v)) => v.clone(),
        (None, None) => return Err(malformed("leaf certificate", "no OIDC issuer extension")),
    };
    Ok(FulcioIdentity {
        san,
        san_kind,
        issuer,
        extensions,
    })
}

fn const_oid_san() -> der::oid::ObjectIdentifier {
    der::oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME
}

/// A signature check under a DER SubjectPublicKeyInfo (a certificate's or a trusted-root log's
/// key): ECDSA P-256 with SHA-256, ECDSA P-384
/// with SHA-384, Ed25519 (through `ring`). Other keys: [`TransparencyError::UnsupportedKey`].
/// ECDSA signatures are ASN.1 DER; high-S values are accepted (as cosign and sigstore-go do).
pub fn verify_spki(
    spki_der: &[u8],
    message: &[u8],
    signature: &[u8],
    what: &'static str,
) -> Result<(), TransparencyError> {
    let (kind, key) = key_kind(spki_der, what)?;
    let algorithm = kind
        .ring_algorithm()
        .ok_or(TransparencyError::UnsupportedKey {
            what,
            reason: "ECDSA P-521 is verified from a digest only",
        })?;
    ring::signature::UnparsedPublicKey::new(algorithm, key)
        .verify(message, signature)
        .map_err(|_| TransparencyError::BadSignature {
            name: crate::keys::key_id_of_spki(spki_der),
            what,
        })
}

/// A signature check over a message given only by its digest (`--artifact-digest`): ECDSA
/// P-256, P-384 or P-521 over `prehash`, the message's SHA-256, SHA-384 or SHA-512 (whichever
/// the signer hashed with), through RustCrypto's prehash verifiers (`p256`, `p384`, `p521`;
/// `ring` verifies whole messages only). A prehash longer than the curve order is truncated
/// as ECDSA specifies (FIPS 186-5 §6.4.2); one shorter than half the order's size is refused.
/// Ed25519 and RSA PKCS#1 keys sign the message itself (or hash it inside), so no digest can
/// stand in for it: [`TransparencyError::NotSupported`].
pub fn verify_spki_prehashed(
    spki_der: &[u8],
    prehash: &[u8],
    signature: &[u8],
    what: &'static str,
) -> Result<(), TransparencyError> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    let (kind, key) = key_kind(spki_der, what)?;
    let bad = || TransparencyError::BadSignature {
        name: crate::keys::key_id_of_spki(spki_der),
        what,
    };
    match kind {
        KeyKind::P256 => {
            let verifying = p256::ecdsa::VerifyingKey::from_sec1_bytes(key).map_err(|_| bad())?;
            let sig = p256::ecdsa::DerSignature::from_bytes(signature).map_err(|_| bad())?;
            verifying.verify_prehash(prehash, &sig).map_err(|_| bad())
        }
        KeyKind::P384 => {
            let verifying = p384::ecdsa::VerifyingKey::from_sec1_bytes(key).map_err(|_| bad())?;
            let sig = p384::ecdsa::DerSignature::from_bytes(signature).map_err(|_| bad())?;
            verifying.verify_prehash(prehash, &sig).map_err(|_| bad())
        }
        KeyKind::P521 => {
            let verifying = p521::ecdsa::VerifyingKey::from_sec1_bytes(key).map_err(|_| bad())?;
            let sig = p521::ecdsa::Signature::from_der(signature).map_err(|_| bad())?;
            verifying.verify_prehash(prehash, &sig).map_err(|_| bad())
        }
        KeyKind::Ed25519 | KeyKind::Rsa => Err(TransparencyError::NotSupported {
            feature: "verification from a digest with an Ed25519 or RSA key (give the artifact)",
        }),
    }
}

/// The key types [`verify_spki`] verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    P256,
    P384,
    /// Verified from a digest only ([`verify_spki_prehashed`]); `ring` has no P-521.
    P521,
    Ed25519,
    Rsa,
}

impl KeyKind {
    fn ring_algorithm(self) -> Option<&'static dyn ring::signature::VerificationAlgorithm> {
        match self {
            Self::P256 => Some(&ring::signature::ECDSA_P256_SHA256_ASN1),
            Self::P384 => Some(&ring::signature::ECDSA_P384_SHA384_ASN1),
            Self::P521 => None,
            Self::Ed25519 => Some(&ring::signature::ED25519),
            Self::Rsa => Some(&ring::signature::RSA_PKCS1_2048_8192_SHA256),
        }
    }
}

fn key_kind<'a>(
    spki_der: &'a [u8],
    what: &'static str,
) -> Result<(KeyKind, &'a [u8]), TransparencyError> {
    use der::oid::db::{rfc5912, rfc8410};
    let spki = x509_cert::spki::SubjectPublicKeyInfoRef::from_der(spki_der).map_err(|_| {
        TransparencyError::UnsupportedKey {
            what,
            reason: "not a DER SubjectPublicKeyInfo",
        }
    })?;
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or(TransparencyError::UnsupportedKey {
            what,
            reason: "key bit string has unused bits",
        })?;
    let oid = spki.algorithm.oid;
    if oid == rfc8410::ID_ED_25519 {
        return Ok((KeyKind::Ed25519, key));
    }
    if oid == rfc5912::ID_EC_PUBLIC_KEY {
        let curve =
            spki.algorithm
                .parameters_oid()
                .map_err(|_| TransparencyError::UnsupportedKey {
                    what,
                    reason: "EC key without a named curve",
                })?;
        if curve == rfc5912::SECP_256_R_1 {
            return Ok((KeyKind::P256, key));
        }
        if curve == rfc5912::SECP_384_R_1 {
            return Ok((KeyKind::P384, key));
        }
        if curve == rfc5912::SECP_521_R_1 {
            return Ok((KeyKind::P521, key));
        }
        return Err(TransparencyError::UnsupportedKey {
            what,
            reason: "EC curve other than P-256, P-384 or P-521",
        });
    }
    if oid == rfc5912::RSA_ENCRYPTION {
        return Ok((KeyKind::Rsa, key));
    }
    Err(TransparencyError::UnsupportedKey {
        what,
        reason: "key type other than ECDSA P-256/P-384, Ed25519 or RSA",
    })
}

/// The certificate of the module docs' example (a conformance-suite Fulcio leaf). Not part of
/// the supported API.
#[doc(hidden)]
pub fn doc_example_certificate() -> Vec<u8> {
    b64::decode(DOC_CERT, "example").unwrap_or_default()
}

const DOC_CERT: &str = concat!(
    "MIIIMTCCB7egAwIBAgIUaL/tsmQTHk21mt1Uuk+w7avDBz4wCgYIKoZIzj0EAwMwNzEVMBMGA1UEChMMc2lnc3Rvcm",
    "UuZGV2MR4wHAYDVQQDExVzaWdzdG9yZS1pbnRlcm1lZGlhdGUwHhcNMjQwMzE5MTcyNjI2WhcNMjQwMzE5MTczNjI2",
    "WjAAMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE22S1j/NkEXzBPQAuamHXLpwx+RPnnzZQl/pkEZ8xorvKnzujCS",
    "1mVTBo9kBxmYWo2DHtyVyfgnuOqVTzLYmho6OCBtYwggbSMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggrBgEF",
    "BQcDAzAdBgNVHQ4EFgQUFv1SCziEKN2rRyrjeVlFbSLg1/QwHwYDVR0jBBgwFoAU39Ppz1YkEZb5qNjpKFWixi4YZD",
    "8wgaUGA1UdEQEB/wSBmjCBl4aBlGh0dHBzOi8vZ2l0aHViLmNvbS9zaWdzdG9yZS1jb25mb3JtYW5jZS9leHRyZW1l",
    "bHktZGFuZ2Vyb3VzLXB1YmxpYy1vaWRjLWJlYWNvbi8uZ2l0aHViL3dvcmtmbG93cy9leHRyZW1lbHktZGFuZ2Vyb3",
    "VzLW9pZGMtYmVhY29uLnltbEByZWZzL2hlYWRzL21haW4wOQYKKwYBBAGDvzABAQQraHR0cHM6Ly90b2tlbi5hY3Rp",
    "b25zLmdpdGh1YnVzZXJjb250ZW50LmNvbTAfBgorBgEEAYO/MAECBBF3b3JrZmxvd19kaXNwYXRjaDA2BgorBgEEAY",
    "O/MAEDBChjN2IzZGZiMzM1ZjA1MWUxYzg2YmRhNGM3MTZmYWM5N2RmNjJhZDgxMC0GCisGAQQBg78wAQQEH0V4dHJl",
    "bWVseSBkYW5nZXJvdXMgT0lEQyBiZWFjb24wSQYKKwYBBAGDvzABBQQ7c2lnc3RvcmUtY29uZm9ybWFuY2UvZXh0cm",
    "VtZWx5LWRhbmdlcm91cy1wdWJsaWMtb2lkYy1iZWFjb24wHQYKKwYBBAGDvzABBgQPcmVmcy9oZWFkcy9tYWluMDsG",
    "CisGAQQBg78wAQgELQwraHR0cHM6Ly90b2tlbi5hY3Rpb25zLmdpdGh1YnVzZXJjb250ZW50LmNvbTCBpgYKKwYBBA",
    "GDvzABCQSBlwyBlGh0dHBzOi8vZ2l0aHViLmNvbS9zaWdzdG9yZS1jb25mb3JtYW5jZS9leHRyZW1lbHktZGFuZ2Vy",
    "b3VzLXB1YmxpYy1vaWRjLWJlYWNvbi8uZ2l0aHViL3dvcmtmbG93cy9leHRyZW1lbHktZGFuZ2Vyb3VzLW9pZGMtYm",
    "VhY29uLnltbEByZWZzL2hlYWRzL21haW4wOAYKKwYBBAGDvzABCgQqDChjN2IzZGZiMzM1ZjA1MWUxYzg2YmRhNGM3",
    "MTZmYWM5N2RmNjJhZDgxMB0GCisGAQQBg78wAQsEDwwNZ2l0aHViLWhvc3RlZDBeBgorBgEEAYO/MAEMBFAMTmh0dH",
    "BzOi8vZ2l0aHViLmNvbS9zaWdzdG9yZS1jb25mb3JtYW5jZS9leHRyZW1lbHktZGFuZ2Vyb3VzLXB1YmxpYy1vaWRj",
    "LWJlYWNvbjA4BgorBgEEAYO/MAENBCoMKGM3YjNkZmIzMzVmMDUxZTFjODZiZGE0YzcxNmZhYzk3ZGY2MmFkODEwHw",
    "YKKwYBBAGDvzABDgQRDA9yZWZzL2hlYWRzL21haW4wGQYKKwYBBAGDvzABDwQLDAk2MzI1OTY4OTcwNwYKKwYBBAGD",
    "vzABEAQpDCdodHRwczovL2dpdGh1Yi5jb20vc2lnc3RvcmUtY29uZm9ybWFuY2UwGQYKKwYBBAGDvzABEQQLDAkxMz",
    "E4MDQ1NjMwgaYGCisGAQQBg78wARIEgZcMgZRodHRwczovL2dpdGh1Yi5jb20vc2lnc3RvcmUtY29uZm9ybWFuY2Uv",
    "ZXh0cmVtZWx5LWRhbmdlcm91cy1wdWJsaWMtb2lkYy1iZWFjb24vLmdpdGh1Yi93b3JrZmxvd3MvZXh0cmVtZWx5LW",
    "Rhbmdlcm91cy1vaWRjLWJlYWNvbi55bWxAcmVmcy9oZWFkcy9tYWluMDgGCisGAQQBg78wARMEKgwoYzdiM2RmYjMz",
    "NWYwNTFlMWM4NmJkYTRjNzE2ZmFjOTdkZjYyYWQ4MTAhBgorBgEEAYO/MAEUBBMMEXdvcmtmbG93X2Rpc3BhdGNoMI",
    "GBBgorBgEEAYO/MAEVBHMMcWh0dHBzOi8vZ2l0aHViLmNvbS9zaWdzdG9yZS1jb25mb3JtYW5jZS9leHRyZW1lbHkt",
    "ZGFuZ2Vyb3VzLXB1YmxpYy1vaWRjLWJlYWNvbi9hY3Rpb25zL3J1bnMvODM0NzQ4MTYyOC9hdHRlbXB0cy8xMBYGCi",
    "sGAQQBg78wARYECAwGcHVibGljMIGKBgorBgEEAdZ5AgQCBHwEegB4AHYA3T0wasbHETJjGR4cmWc3AqJKXrjePK3/",
    "h4pygC8p7o4AAAGOV8AHpgAABAMARzBFAiBFeMbpFarlPwb0naTr4mjWDvXApOd9ORqOk36Brt9SmwIhAJJvjor+DX",
    "UXr7S3Vm9jVFT3CL0BxcKGj86m5mYzQvubMAoGCCqGSM49BAMDA2gAMGUCMA8lTixdS4iN9mAUduObcSJmhZLyvK7z",
    "aX05DLEDCgPWxDHk+JBZUKYRIuHHgwFnOwIxALMamo9dfENMzRgNCzYfp/y+rSOhVjXXE9mCn6BuJETlpRDfGvxUg/",
    "5LF9f4lYqozA==",
);

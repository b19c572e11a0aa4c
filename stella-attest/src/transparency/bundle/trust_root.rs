//! [`TrustRoot`]: the Rekor logs a verifier trusts, given directly or read from a Sigstore
//! `trusted_root.json`; [`TrustedRoot`]: the whole `trusted_root.json` (protobuf-specs
//! `TrustedRoot` v0.1 / v0.2) — Rekor logs, Fulcio certificate authorities, CT logs and
//! timestamp authorities, each with its validity window — for keyless verification.

use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use stella_core::canonical;

use crate::keys::PublicKey;
use crate::transparency::TransparencyError;
use crate::transparency::b64::serde_bytes;
use crate::transparency::fulcio::{rfc3339, verify_spki};
use crate::transparency::rekor::RekorLogKey;
use crate::transparency::x509::{
    CertificateAuthority, LinkCache, MAX_CHAIN_LENGTH, ParsedCertificate, SharedLinkCache,
    TimeWindow,
};

/// The Rekor logs a verifier trusts.
#[derive(Debug, Clone, Default)]
pub struct TrustRoot {
    logs: Vec<RekorLogKey>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireTrustedRoot {
    #[serde(default)]
    media_type: String,
    #[serde(default)]
    tlogs: Vec<WireTlog>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireTlog {
    #[serde(default)]
    public_key: Option<WirePublicKey>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePublicKey {
    #[serde(with = "serde_bytes", default)]
    raw_bytes: Vec<u8>,
    #[serde(default)]
    key_details: String,
}

impl TrustRoot {
    /// Trusts exactly these logs.
    pub fn new(logs: Vec<RekorLogKey>) -> Self {
        Self { logs }
    }

    /// The Rekor logs (`tlogs`) of a Sigstore `trusted_root.json`
    /// (`application/vnd.dev.sigstore.trustedroot+json;version=0.1`) whose keys are ECDSA P-256
    /// or Ed25519; other entries (RSA keys, empty keys) are skipped. Certificate authorities, CT
    /// logs and timestamp authorities are not read (keyless verification is not implemented).
    /// Key validity periods are not enforced.
    pub fn from_trusted_root_json(bytes: &[u8]) -> Result<Self, TransparencyError> {
        let wire: WireTrustedRoot =
            canonical::from_slice_strict(bytes).map_err(|e| TransparencyError::Json {
                what: "trusted root",
                reason: e.to_string(),
            })?;
        if !wire
            .media_type
            .starts_with("application/vnd.dev.sigstore.trustedroot")
        {
            return Err(TransparencyError::UnsupportedMediaType {
                media_type: wire.media_type.chars().take(100).collect(),
            });
        }
        let mut logs = Vec::new();
        for tlog in wire.tlogs {
            let Some(key) = tlog.public_key else {
                continue;
            };
            if key.raw_bytes.is_empty()
                || !matches!(
                    key.key_details.as_str(),
                    "PKIX_ECDSA_P256_SHA_256" | "PKIX_ED25519"
                )
            {
                continue;
            }
            if let Ok(public) = PublicKey::from_spki_der(&key.raw_bytes) {
                logs.push(RekorLogKey::from_public_key(&public));
            }
        }
        if logs.is_empty() {
            return Err(TransparencyError::MissingField {
                what: "trusted root",
                field: "a Rekor log with an ECDSA P-256 or Ed25519 key",
            });
        }
        Ok(Self { logs })
    }

    /// The trusted logs.
    pub fn logs(&self) -> &[RekorLogKey] {
        &self.logs
    }

    pub(super) fn find(&self, log_id: &[u8; 32]) -> Result<&RekorLogKey, TransparencyError> {
        self.logs
            .iter()
            .find(|l| l.log_id() == log_id)
            .ok_or_else(|| TransparencyError::UnknownLog {
                log_id: hex::encode(log_id),
            })
    }
}

/// The largest `trusted_root.json` accepted, in bytes.
pub const MAX_TRUSTED_ROOT_BYTES: usize = 4 << 20;
/// The most entries accepted in each list of a trusted root.
pub const MAX_TRUSTED_ROOT_ENTRIES: usize = 256;

/// Media type of `trusted_root.json` v0.1.
pub const TRUSTED_ROOT_MEDIA_TYPE_V0_1: &str =
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
/// Media type of `trusted_root.json` v0.2.
pub const TRUSTED_ROOT_MEDIA_TYPE_V0_2: &str = "application/vnd.dev.sigstore.trustedroot.v0.2+json";

/// A transparency log (Rekor) or certificate transparency log of a trusted root: its id, key
/// and the window in which the key may be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogInstance {
    /// The log's base URL (informational).
    pub base_url: String,
    /// The log id as the trusted root declares it (`logId.keyId`): the SHA-256 of the key's
    /// DER SPKI for Rekor v1 and CT logs; a C2SP-style id for Rekor v2 logs.
    pub log_id: [u8; 32],
    /// The protobuf-specs `PublicKeyDetails` name (`PKIX_ECDSA_P256_SHA_256`, `PKIX_ED25519`,
    /// `PKCS1_RSA_PKCS1V5`, …).
    pub key_details: String,
    /// The key bytes (DER SPKI; a PKCS#1 `RSAPublicKey` for `PKCS1_RSA_*` keys).
    pub key_bytes: Vec<u8>,
    /// When the key may be used (both ends inclusive).
    pub valid_for: TimeWindow,
}

impl LogInstance {
    /// Verifies a signature by this log's key over `message`.
    pub fn verify(
        &self,
        message: &[u8],
        signature: &[u8],
        what: &'static str,
    ) -> Result<(), TransparencyError> {
        if self.key_details.starts_with("PKCS1_RSA_PKCS1V5") {
            return ring::signature::UnparsedPublicKey::new(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                &self.key_bytes,
            )
            .verify(message, signature)
            .map_err(|_| TransparencyError::BadSignature {
                name: hex::encode(self.log_id),
                what,
            });
        }
        verify_spki(&self.key_bytes, message, signature, what).map_err(|e| match e {
            TransparencyError::BadSignature { what, .. } => TransparencyError::BadSignature {
                name: hex::encode(self.log_id),
                what,
            },
            other => other,
        })
    }

    /// Checks that the key may be used at `t` (Unix seconds):
    /// [`TransparencyError::OutsideValidity`] otherwise.
    pub fn check_valid_at(&self, t: i64, what: &'static str) -> Result<(), TransparencyError> {
        check_window(&self.valid_for, t, what)
    }

    /// The log as a Rekor v1 [`RekorLogKey`] (ECDSA P-256 or Ed25519 SPKI keys only).
    pub fn rekor_key(&self) -> Result<RekorLogKey, TransparencyError> {
        let key = PublicKey::from_spki_der(&self.key_bytes).map_err(|_| {
            TransparencyError::UnsupportedKey {
                what: "Rekor log key",
                reason: "only ECDSA P-256 and Ed25519 log keys are supported",
            }
        })?;
        Ok(RekorLogKey::from_public_key(&key))
    }
}

/// Checks that `t` lies in `window`: [`TransparencyError::OutsideValidity`] otherwise.
pub(crate) fn check_window(
    window: &TimeWindow,
    t: i64,
    what: &'static str,
) -> Result<(), TransparencyError> {
    if window.contains(t) {
        return Ok(());
    }
    Err(TransparencyError::OutsideValidity {
        what,
        time: rfc3339(t),
        window: format!(
            "{} to {}",
            window.start.map(rfc3339).unwrap_or_else(|| "-".to_owned()),
            window.end.map(rfc3339).unwrap_or_else(|| "-".to_owned())
        ),
    })
}

/// A Sigstore `trusted_root.json`: everything keyless verification trusts.
///
/// ```
/// use stella_attest::transparency::bundle::TrustedRoot;
///
/// let json = br#"{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
///   "tlogs": [{"baseUrl": "https://rekor.example", "hashAlgorithm": "SHA2_256",
///     "publicKey": {"rawBytes": "MCowBQYDK2VwAyEAt8rlp1knGwjfbcXAYPYAkn0XiLz1x8O4t0YkEhie244=",
///       "keyDetails": "PKIX_ED25519", "validFor": {"start": "2025-09-23T00:00:00Z"}},
///     "logId": {"keyId": "zxGZFVvd0FEmjR8WrFwMdcAJ9vtaY/QXf44Y1wUeP6A="}}]}"#;
/// let root = TrustedRoot::from_json(json)?;
/// assert_eq!(root.tlogs().len(), 1);
/// assert!(root.certificate_authorities().is_empty());
/// # Ok::<(), stella_attest::transparency::TransparencyError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedRoot {
    tlogs: Vec<LogInstance>,
    ctlogs: Vec<LogInstance>,
    certificate_authorities: Vec<CertificateAuthority>,
    timestamp_authorities: Vec<CertificateAuthority>,
    /// The signatures between this root's own certificates that verified (see
    /// [`TrustedRoot::link_cache`]).
    links: SharedLinkCache,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireFullRoot {
    #[serde(default)]
    media_type: String,
    #[serde(default)]
    tlogs: Vec<WireLog>,
    #[serde(default)]
    ctlogs: Vec<WireLog>,
    #[serde(default)]
    certificate_authorities: Vec<WireAuthority>,
    #[serde(default)]
    timestamp_authorities: Vec<WireAuthority>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireLog {
    #[serde(default)]
    base_url: String,
    #[serde(default)]
    public_key: Option<WireLogKey>,
    #[serde(default)]
    log_id: Option<WireLogId>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireLogKey {
    #[serde(with = "serde_bytes", default)]
    raw_bytes: Vec<u8>,
    #[serde(default)]
    key_details: String,
    #[serde(default)]
    valid_for: Option<WireTimeRange>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireLogId {
    #[serde(with = "serde_bytes", default)]
    key_id: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireTimeRange {
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireAuthority {
    #[serde(default)]
    cert_chain: Option<WireChain>,
    #[serde(default)]
    valid_for: Option<WireTimeRange>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireChain {
    #[serde(default)]
    certificates: Vec<WireCert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCert {
    #[serde(with = "serde_bytes", default)]
    raw_bytes: Vec<u8>,
}

fn time_window(
    range: Option<WireTimeRange>,
    field: &'static str,
) -> Result<TimeWindow, TransparencyError> {
    let range = range.ok_or(TransparencyError::MissingField {
        what: "trusted root",
        field,
    })?;
    let parse = |text: &str| {
        stella_core::Timestamp::parse_rfc3339(text)
            .map(|t| t.unix_seconds())
            .map_err(|_| TransparencyError::InvalidField {
                field,
                value: text.chars().take(64).collect(),
                reason: "not an RFC 3339 time",
            })
    };
    // A missing start is refused (as sigstore-go does) rather than read as "always valid".
    let start = parse(
        range
            .start
            .as_deref()
            .ok_or(TransparencyError::MissingField {
                what: "trusted root validFor",
                field: "start",
            })?,
    )?;
    let end = range.end.as_deref().map(parse).transpose()?;
    if end.is_some_and(|e| e < start) {
        return Err(TransparencyError::InvalidField {
            field,
            value: String::new(),
            reason: "end before start",
        });
    }
    Ok(TimeWindow {
        start: Some(start),
        end,
    })
}

fn bounded<T>(list: Vec<T>, what: &'static str) -> Result<Vec<T>, TransparencyError> {
    TransparencyError::check_limit(what, MAX_TRUSTED_ROOT_ENTRIES, list.len())?;
    Ok(list)
}

fn log_instance(wire: WireLog, what: &'static str) -> Result<LogInstance, TransparencyError> {
    let key = wire.public_key.ok_or(TransparencyError::MissingField {
        what,
        field: "publicKey",
    })?;
    if key.raw_bytes.is_empty() {
        return Err(TransparencyError::MissingField {
            what,
            field: "publicKey.rawBytes",
        });
    }
    let valid_for = time_window(key.valid_for, "publicKey.validFor")?;
    let log_id = match wire.log_id {
        Some(id) => <[u8; 32]>::try_from(id.key_id.as_slice()).map_err(|_| {
            TransparencyError::HashLength {
                field: "logId.keyId",
                length: id.key_id.len(),
            }
        })?,
        None => Sha256::digest(&key.raw_bytes).into(),
    };
    Ok(LogInstance {
        base_url: wire.base_url.chars().take(512).collect(),
        log_id,
        key_details: key.key_details.chars().take(64).collect(),
        key_bytes: key.raw_bytes,
        valid_for,
    })
}

fn authority(wire: WireAuthority) -> Result<CertificateAuthority, TransparencyError> {
    let chain = wire.cert_chain.ok_or(TransparencyError::MissingField {
        what: "trusted root authority",
        field: "certChain",
    })?;
    if chain.certificates.is_empty() {
        return Err(TransparencyError::MissingField {
            what: "trusted root authority",
            field: "certChain.certificates",
        });
    }
    TransparencyError::check_limit(
        "trusted root authority certificates",
        MAX_CHAIN_LENGTH,
        chain.certificates.len(),
    )?;
    let mut certs = Vec::with_capacity(chain.certificates.len());
    for c in chain.certificates {
        ParsedCertificate::parse(&c.raw_bytes)?;
        certs.push(c.raw_bytes);
    }
    Ok(CertificateAuthority {
        chain: certs,
        valid_for: time_window(wire.valid_for, "validFor")?,
    })
}

impl TrustedRoot {
    /// Parses a `trusted_root.json` (v0.1 or v0.2 media type). Strict: duplicate JSON keys,
    /// a log without a key or without `validFor.start`, a malformed log id, an authority
    /// without certificates or with one that does not parse, are refused; lists are bounded by
    /// [`MAX_TRUSTED_ROOT_ENTRIES`]. Keys of kinds this crate cannot verify with are kept (a
    /// signature under them fails with [`TransparencyError::UnsupportedKey`]).
    pub fn from_json(bytes: &[u8]) -> Result<Self, TransparencyError> {
        TransparencyError::check_limit("trusted root bytes", MAX_TRUSTED_ROOT_BYTES, bytes.len())?;
        let wire: WireFullRoot =
            canonical::from_slice_strict(bytes).map_err(|e| TransparencyError::Json {
                what: "trusted root",
                reason: e.to_string().chars().take(200).collect(),
            })?;
        if wire.media_type != TRUSTED_ROOT_MEDIA_TYPE_V0_1
            && wire.media_type != TRUSTED_ROOT_MEDIA_TYPE_V0_2
        {
            return Err(TransparencyError::UnsupportedMediaType {
                media_type: wire.media_type.chars().take(100).collect(),
            });
        }
        let tlogs = bounded(wire.tlogs, "trusted root tlogs")?
            .into_iter()
            .map(|l| log_instance(l, "trusted root tlog"))
            .collect::<Result<Vec<_>, _>>()?;
        let ctlogs = bounded(wire.ctlogs, "trusted root ctlogs")?
            .into_iter()
            .map(|l| log_instance(l, "trusted root ctlog"))
            .collect::<Result<Vec<_>, _>>()?;
        let certificate_authorities = bounded(
            wire.certificate_authorities,
            "trusted root certificateAuthorities",
        )?
        .into_iter()
        .map(authority)
        .collect::<Result<Vec<_>, _>>()?;
        let timestamp_authorities = bounded(
            wire.timestamp_authorities,
            "trusted root timestampAuthorities",
        )?
        .into_iter()
        .map(authority)
        .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(
            tlogs,
            ctlogs,
            certificate_authorities,
            timestamp_authorities,
        ))
    }

    /// A trusted root made of its parts.
    pub fn new(
        tlogs: Vec<LogInstance>,
        ctlogs: Vec<LogInstance>,
        certificate_authorities: Vec<CertificateAuthority>,
        timestamp_authorities: Vec<CertificateAuthority>,
    ) -> Self {
        let links = LinkCache::for_certificates(
            certificate_authorities
                .iter()
                .chain(&timestamp_authorities)
                .flat_map(|a| a.chain.iter().map(Vec::as_slice)),
        );
        Self {
            tlogs,
            ctlogs,
            certificate_authorities,
            timestamp_authorities,
            links: SharedLinkCache(std::sync::Arc::new(links)),
        }
    }

    /// The signatures between this root's own certificates (a Fulcio intermediate under its
    /// root, a TSA certificate under its CA) that verified once, so that verifying many bundles
    /// against one `TrustedRoot` checks each such link once ([`LinkCache`]: exact bytes,
    /// successes only, bounded). Parse a root once and verify with it many times to benefit.
    pub fn link_cache(&self) -> &LinkCache {
        &self.links.0
    }

    /// The transparency (Rekor) logs.
    pub fn tlogs(&self) -> &[LogInstance] {
        &self.tlogs
    }

    /// The certificate transparency logs.
    pub fn ctlogs(&self) -> &[LogInstance] {
        &self.ctlogs
    }

    /// The Fulcio certificate authorities.
    pub fn certificate_authorities(&self) -> &[CertificateAuthority] {
        &self.certificate_authorities
    }

    /// The RFC 3161 timestamp authorities.
    pub fn timestamp_authorities(&self) -> &[CertificateAuthority] {
        &self.timestamp_authorities
    }

    /// The Rekor log with this id: [`TransparencyError::UnknownLog`] otherwise.
    pub fn tlog(&self, log_id: &[u8]) -> Result<&LogInstance, TransparencyError> {
        self.tlogs
            .iter()
            .find(|l| l.log_id.as_slice() == log_id)
            .ok_or_else(|| TransparencyError::UnknownLog {
                log_id: hex::encode(log_id),
            })
    }
}

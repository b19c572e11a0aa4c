//! [`TrustRoot`]: the Rekor logs a verifier trusts, given directly or read from a Sigstore
//! `trusted_root.json`.

use serde::Deserialize;
use stella_core::canonical;

use crate::keys::PublicKey;
use crate::transparency::TransparencyError;
use crate::transparency::b64::serde_bytes;
use crate::transparency::rekor::RekorLogKey;

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

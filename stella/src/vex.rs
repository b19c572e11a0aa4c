//! Reading VEX inputs the way `stella vex merge|apply` and the bindings do: which trust policy
//! applies, and what kind of input a document is (a DSSE envelope of signed VEX or a waiver, a
//! waiver predicate, or an unsigned OpenVEX document).
//!
//! ```
//! use stella::vex::{read_source, trust_policy};
//!
//! let doc = br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1",
//!   "author":"Example","timestamp":"2024-01-01T00:00:00Z","version":1,
//!   "statements":[{"vulnerability":{"name":"CVE-2024-0001"},
//!     "products":[{"@id":"pkg:npm/left-pad@1.0.0"}],"status":"under_investigation"}]}"#;
//! let source = read_source(doc, None)?;
//! assert!(source.as_waiver().is_none());
//! let policy = trust_policy(None, true, None)?;
//! assert!(policy.allow_unsigned);
//! # Ok::<(), stella::vex::VexInputError>(())
//! ```

use stella_attest::dsse::Keyring;
use stella_core::CoreError;
use stella_core::canonical::{self, JsonLimits};
use stella_vex::{Issuer, TrustPolicy, VexError, VexSource, Waiver};

/// Why a VEX input could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VexInputError {
    /// The input is a signed envelope and no keys were given to verify it.
    #[error("the input is a signed envelope; give the public key(s) to verify it")]
    NeedsKey,
    /// The input is not JSON.
    #[error(transparent)]
    Json(#[from] CoreError),
    /// The VEX library refused the input or the policy.
    #[error(transparent)]
    Vex(#[from] VexError),
}

/// The trust policy: the YAML policy when given, else permissive when unsigned input is
/// allowed, else the default (signed input only). `allow_unsigned` always allows unsigned
/// input. Without a YAML policy, the keyring's keys are the trusted issuers.
pub fn trust_policy(
    policy_yaml: Option<&str>,
    allow_unsigned: bool,
    keyring: Option<&Keyring>,
) -> Result<TrustPolicy, VexInputError> {
    let mut policy = match policy_yaml {
        Some(text) => TrustPolicy::from_yaml(text)?,
        None if allow_unsigned => TrustPolicy::permissive(),
        None => TrustPolicy::default(),
    };
    if allow_unsigned {
        policy.allow_unsigned = true;
    }
    if policy_yaml.is_none() {
        if let Some(ring) = keyring {
            for id in ring.ids() {
                policy.issuers.push(Issuer {
                    name: id.to_owned(),
                    key_ids: vec![id.to_owned()],
                    ..Issuer::default()
                });
            }
            policy.trust_any_author = allow_unsigned;
        }
    }
    Ok(policy)
}

/// Reads one VEX input: a DSSE envelope (verified against `keyring`), a waiver predicate, or
/// an unsigned OpenVEX document. Validation against the OpenVEX rules is the caller's (it
/// needs a clock).
pub fn read_source(bytes: &[u8], keyring: Option<&Keyring>) -> Result<VexSource, VexInputError> {
    let probe: serde_json::Value =
        canonical::from_slice_strict_with(bytes, &JsonLimits::default())?;
    if probe.get("payloadType").is_some() && probe.get("signatures").is_some() {
        let ring = keyring.ok_or(VexInputError::NeedsKey)?;
        return Ok(VexSource::signed(bytes, ring)?);
    }
    if probe.get("approver").is_some() && probe.get("expires").is_some() {
        return Ok(VexSource::waiver(Waiver::parse(bytes)?)?);
    }
    Ok(VexSource::unsigned(bytes)?)
}

//! Reading VEX inputs the way `stella vex merge|apply|filter` and the bindings do: which trust
//! policy applies, and what kind of input a document is (a DSSE envelope of signed VEX or a
//! waiver, a Sigstore bundle of an OpenVEX attestation, a waiver predicate, or an unsigned
//! document: OpenVEX, CSAF 2.0, CycloneDX VEX or SPDX 3 VEX); and the VEX policy a real run uses when
//! its caller names none ([`default_vex_policy`]).
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
use stella_vex::{
    AttestationVerifier, Issuer, TrustPolicy, VexError, VexPolicy, VexSource, Waiver,
};

/// The author [`default_vex_policy`] names.
pub const DEFAULT_VEX_POLICY_AUTHOR: &str = "stella default VEX policy";

/// The VEX policy of a run over a real image (`stella run IMAGE`, the bindings' `run` with an
/// image) when the caller gives none: **no rules**. The pipeline then decides nothing on its
/// own — it generates, signs and trusts no statement — so a finding's VEX status comes only
/// from the VEX the run's trust policy counts, and every finding nothing covers stays
/// `under_investigation` (the built-in gate policy warns about critical ones, or denies with
/// `deny_under_investigation`).
///
/// What it trusts, and why:
/// - **Only statements from issuers the caller chose.** The trust policy of a real run counts
///   VEX signed by a key the caller named (`--vex-key`, `vex_public_keys_pem`) or listed
///   (`--trust`); unsigned documents count only when the caller says so (`--allow-unsigned`,
///   `allow_unsigned_vex`). As with sigstore (verification names the identity it expects) and
///   OPA (`default allow := false`), a default fails closed: nothing unsigned or from an
///   unknown issuer suppresses a finding.
/// - **Not the pipeline's own heuristics.** A rule such as the demo's (`unreachable` →
///   `not_affected`, [`stella_vex::VexPolicy`]) suppresses findings no person reviewed, on the
///   strength of the entry-trace, which starts from the image config's entrypoint: a deployment
///   that overrides the command (Kubernetes `command`/`args`, `docker run IMAGE CMD`), a
///   shell-out, a plugin loaded by name or a `docker exec` runs code the trace never saw. And
///   the pipeline trusts what it generated under its own key at precedence 0, where the newest
///   statement wins: a generated `not_affected` would outrank a signed vendor `affected` of the
///   same precedence (what `--vex-key` issuers get).
///
/// A caller who accepts the entry-trace as evidence opts in with a VEX policy of their own
/// (`--vex-policy`, YAML; [`VexPolicy::from_yaml`]), e.g.:
///
/// ```yaml
/// author: "Example Security Team <security@example.com>"
/// rules:
///   - name: unreachable
///     when: {reachability: not_found_on_entry_paths}
///     status: not_affected
///     justification: vulnerable_code_not_in_execute_path
/// ```
///
/// ```
/// let policy = stella::vex::default_vex_policy();
/// assert!(policy.rules.is_empty());
/// assert_eq!(policy.author, stella::vex::DEFAULT_VEX_POLICY_AUTHOR);
/// ```
pub fn default_vex_policy() -> VexPolicy {
    VexPolicy {
        author: DEFAULT_VEX_POLICY_AUTHOR.to_owned(),
        role: None,
        rules: Vec::new(),
    }
}

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
    /// The input could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path (`-` for standard input).
        path: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// The input is unsigned and the trust policy counts only signed VEX: refused unparsed.
    #[error(
        "unsigned VEX is not read: the trust policy counts only signed VEX (allow unsigned VEX to count it)"
    )]
    Unsigned,
    /// The input is a Sigstore bundle and nothing was given to verify it with (signing keys
    /// and trusted Rekor log keys, or a keyless verifier).
    #[error(
        "the input is a Sigstore bundle; give the signing key(s) and the trusted Rekor log key(s) to verify it"
    )]
    NeedsBundleVerifier,
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

/// Most bytes of one VEX input: the largest signed envelope that can carry an OpenVEX
/// document within [`stella_vex::ParseOptions`]'s default byte limit (16 MiB) — base64 of it
/// plus 64 KiB. Unsigned documents are held to the 16 MiB itself when parsed.
pub const MAX_VEX_INPUT_BYTES: usize = (stella_vex::DEFAULT_MAX_DOCUMENT_BYTES / 3) * 4 + 64 * 1024;

/// What kind of VEX input a text is, told by its top-level keys alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Envelope,
    Bundle,
    Waiver,
    Document,
}

/// Reads only the top-level keys (values skipped without being kept): one pass, no allocation
/// beyond a key. `None` when the text is not a JSON object (the full parse then says why).
fn probe(bytes: &[u8]) -> Option<Kind> {
    use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = [bool; 6];
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut seen = [false; 6];
            while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                let at = [
                    "payloadType",
                    "signatures",
                    "approver",
                    "expires",
                    "mediaType",
                    "verificationMaterial",
                ]
                .iter()
                .position(|n| *n == k);
                if let Some(slot) = at.and_then(|i| seen.get_mut(i)) {
                    *slot = true;
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(seen)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let [
        payload_type,
        signatures,
        approver,
        expires,
        media_type,
        material,
    ] = de.deserialize_map(Keys).ok()?;
    Some(if payload_type && signatures {
        Kind::Envelope
    } else if media_type && material {
        Kind::Bundle
    } else if approver && expires {
        Kind::Waiver
    } else {
        Kind::Document
    })
}

/// Reads one VEX input: a DSSE envelope (verified against `keyring`), a waiver predicate, or
/// an unsigned OpenVEX document. Validation against the OpenVEX rules is the caller's (it
/// needs a clock). See [`read_source_for`] to refuse what a trust policy would ignore before
/// parsing it.
pub fn read_source(bytes: &[u8], keyring: Option<&Keyring>) -> Result<VexSource, VexInputError> {
    read_source_inner(bytes, keyring, None, None)
}

/// [`read_source`] under a trust policy, cheapest rejection first: the size
/// ([`MAX_VEX_INPUT_BYTES`]), then — told by the top-level keys alone — an unsigned input
/// (document or waiver) when the policy counts only signed VEX is refused with
/// [`VexInputError::Unsigned`] without being parsed, and an envelope is verified before its
/// payload is read as OpenVEX.
///
/// ```
/// use stella::vex::{read_source_for, VexInputError};
/// use stella_vex::TrustPolicy;
///
/// let doc = br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"a","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[]}"#;
/// assert!(matches!(read_source_for(doc, None, &TrustPolicy::default()), Err(VexInputError::Unsigned)));
/// ```
pub fn read_source_for(
    bytes: &[u8],
    keyring: Option<&Keyring>,
    policy: &TrustPolicy,
) -> Result<VexSource, VexInputError> {
    read_source_inner(bytes, keyring, Some(policy), None)
}

/// [`read_source_for`] that also reads OpenVEX attestations in Sigstore bundles, verified by
/// `bundles` (e.g. [`stella_vex::KeyVerifier`] with the trust policy's keys and the trusted
/// Rekor keys; a keyless verifier plugs in here once `stella-attest` has one). Without a
/// verifier a bundle is refused with [`VexInputError::NeedsBundleVerifier`].
pub fn read_source_with(
    bytes: &[u8],
    keyring: Option<&Keyring>,
    policy: &TrustPolicy,
    bundles: Option<&dyn AttestationVerifier>,
) -> Result<VexSource, VexInputError> {
    read_source_inner(bytes, keyring, Some(policy), bundles)
}

fn read_source_inner(
    bytes: &[u8],
    keyring: Option<&Keyring>,
    policy: Option<&TrustPolicy>,
    bundles: Option<&dyn AttestationVerifier>,
) -> Result<VexSource, VexInputError> {
    if bytes.len() > MAX_VEX_INPUT_BYTES {
        return Err(VexError::Limit {
            what: "bytes of a VEX input",
            max: MAX_VEX_INPUT_BYTES,
            actual: bytes.len(),
        }
        .into());
    }
    let kind = probe(bytes).unwrap_or(Kind::Document);
    let signed = matches!(kind, Kind::Envelope | Kind::Bundle);
    if !signed && policy.is_some_and(|p| !p.allow_unsigned) {
        return Err(VexInputError::Unsigned);
    }
    match kind {
        Kind::Envelope => {
            let ring = keyring.ok_or(VexInputError::NeedsKey)?;
            Ok(VexSource::signed(bytes, ring)?)
        }
        Kind::Bundle => {
            let verifier = bundles.ok_or(VexInputError::NeedsBundleVerifier)?;
            Ok(VexSource::from_bundle(bytes, verifier)?)
        }
        Kind::Waiver => Ok(VexSource::waiver(Waiver::parse(bytes)?)?),
        Kind::Document => Ok(VexSource::unsigned(bytes)?),
    }
}

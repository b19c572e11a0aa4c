//! OpenVEX attached as an in-toto attestation in a Sigstore bundle (what `vexctl attest` and
//! `cosign attest --type openvex` produce: a DSSE envelope, payload type in-toto, predicate type
//! `https://openvex.dev/ns/v0.2.0`), verified before anything in it is read.
//!
//! Who may sign is the caller's [`AttestationVerifier`]:
//! - [`KeyVerifier`] (built): the signature verifies under one of the trust policy's public
//!   keys and every transparency-log entry verifies against the caller's Rekor keys
//!   ([`stella_attest::transparency::bundle::Bundle::verify_with_key`]); the verified key id is
//!   the signer the [`crate::TrustPolicy`] judges (`issuers[].key_ids`).
//! - [`KeylessVerifier`] (a Fulcio certificate): the bundle verifies offline against a Sigstore
//!   trusted root under the caller's identity policy (certificate identity and OIDC issuer, as
//!   cosign spells them; [`Bundle::verify`]), and the verified certificate identity (e.g.
//!   `https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1`) is the signer
//!   the trust policy judges (name it under an issuer's `key_ids`). [`KeyVerifier`] refuses a
//!   keyless bundle with a typed error ([`VexError::Signature`] carrying `NotSupported`), never
//!   a pass.

use stella_attest::dsse::VerifiedEnvelope;
use stella_attest::keys::PublicKey;
use stella_attest::statement::StatementPolicy;
use stella_attest::transparency::TransparencyError;
use stella_attest::transparency::bundle::{
    ArtifactInput, Bundle, TrustRoot, TrustedRoot, VerificationPolicy, VerifiedContent,
};
use stella_core::Digest;

use crate::attestation::OPENVEX_PREDICATE_TYPES;
use crate::error::VexError;
use crate::model::{Document, ParseOptions};
use crate::trust::VexSource;

/// Verifies a Sigstore bundle's signature and says who signed: the hook through which key-based
/// and (later) keyless verification plug into VEX reading.
pub trait AttestationVerifier {
    /// Verifies `bundle` (signature, transparency-log entries, signer) and returns the DSSE
    /// envelope it carries with the signer ids the trust policy judges. An error for any bundle
    /// whose signer it cannot establish.
    fn verify(&self, bundle: &Bundle) -> Result<(VerifiedEnvelope, Vec<String>), VexError>;
}

/// Key-based verification: any of `keys`, log entries against `trust`.
///
/// ```no_run
/// use stella_attest::transparency::bundle::TrustRoot;
/// use stella_vex::{KeyVerifier, VexSource};
///
/// # fn demo(bundle_json: &[u8], key: stella_attest::keys::PublicKey,
/// #         trust: TrustRoot) -> Result<(), stella_vex::VexError> {
/// let keys = [key];
/// let source = VexSource::from_bundle(bundle_json, &KeyVerifier { keys: &keys, trust: &trust })?;
/// println!("{} signed by {:?}", source.document.id, source.signers());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct KeyVerifier<'a> {
    /// The signing keys the trust policy accepts.
    pub keys: &'a [PublicKey],
    /// The transparency logs trusted for the bundle's entries.
    pub trust: &'a TrustRoot,
}

fn sig(source: TransparencyError) -> VexError {
    VexError::Signature {
        source: source.into(),
    }
}

impl AttestationVerifier for KeyVerifier<'_> {
    fn verify(&self, bundle: &Bundle) -> Result<(VerifiedEnvelope, Vec<String>), VexError> {
        if !bundle.is_key_based() {
            return Err(sig(TransparencyError::NotSupported {
                feature: "keyless (Fulcio certificate) OpenVEX attestations with a key verifier: use KeylessVerifier",
            }));
        }
        let mut last = None;
        for key in self.keys {
            match bundle.verify_with_key(key, None, self.trust) {
                Ok(v) => {
                    return match v.content {
                        VerifiedContent::Dsse(env) => Ok((env, vec![v.key_id])),
                        _ => Err(VexError::Shape {
                            what: "Sigstore bundle",
                            message:
                                "signs an artifact, not an in-toto attestation (DSSE envelope)"
                                    .into(),
                        }),
                    };
                }
                Err(e) => last = Some(e),
            }
        }
        Err(match last {
            Some(e) => sig(e),
            None => VexError::Shape {
                what: "Sigstore bundle",
                message: "no key to verify the bundle with".into(),
            },
        })
    }
}

/// Keyless verification: the bundle's Fulcio certificate, SCTs, signing time and log entries
/// against `root`, and its identity against `policy` ([`Bundle::verify`]); the signer is the
/// certificate identity (its SAN), or the key id for a key-based `policy`.
///
/// ```no_run
/// use stella_attest::transparency::bundle::{TrustedRoot, VerificationPolicy};
/// use stella_attest::transparency::identity::{CertificateIdentity, StringMatcher};
/// use stella_vex::{KeylessVerifier, VexSource};
///
/// # fn demo(bundle_json: &[u8], root_json: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
/// let root = TrustedRoot::from_json(root_json)?;
/// let policy = VerificationPolicy::identity(CertificateIdentity::new(
///     StringMatcher::exact("https://github.com/org/repo/.github/workflows/vex.yml@refs/heads/main"),
///     StringMatcher::exact("https://token.actions.githubusercontent.com"),
/// ));
/// let source = VexSource::from_bundle(bundle_json, &KeylessVerifier { policy: &policy, root: &root })?;
/// println!("{} signed by {:?}", source.document.id, source.signers());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct KeylessVerifier<'a> {
    /// Who must have signed (a certificate identity policy; see `stella_attest`'s `identity`).
    pub policy: &'a VerificationPolicy,
    /// The Sigstore trusted root: Fulcio CAs, CT logs, Rekor logs, timestamp authorities.
    pub root: &'a TrustedRoot,
}

impl AttestationVerifier for KeylessVerifier<'_> {
    fn verify(&self, bundle: &Bundle) -> Result<(VerifiedEnvelope, Vec<String>), VexError> {
        let v = bundle
            .verify(self.policy, ArtifactInput::None, self.root)
            .map_err(sig)?;
        let signer = v.signer.id().to_owned();
        match v.content {
            VerifiedContent::Dsse(env) => Ok((env, vec![signer])),
            _ => Err(VexError::Shape {
                what: "Sigstore bundle",
                message: "signs an artifact, not an in-toto attestation (DSSE envelope)".into(),
            }),
        }
    }
}

/// True when `bytes` look like a Sigstore bundle (a `mediaType` naming one).
pub fn is_sigstore_bundle(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "mediaType")]
        media_type: Option<String>,
    }
    serde_json::from_slice::<Probe>(bytes)
        .ok()
        .and_then(|p| p.media_type)
        .is_some_and(|m| m.starts_with("application/vnd.dev.sigstore.bundle"))
}

impl VexSource {
    /// An OpenVEX attestation in a Sigstore bundle: the bundle is verified by `verifier`
    /// (signature, log entries, signer) and its in-toto statement must have an OpenVEX
    /// predicate type before the predicate is read (as go-vex reads it: legacy shapes are
    /// upgraded and recorded). The signers are what `verifier` established; the digest is that
    /// of the verified in-toto statement.
    pub fn from_bundle(bytes: &[u8], verifier: &dyn AttestationVerifier) -> Result<Self, VexError> {
        let bundle = Bundle::parse(bytes).map_err(sig)?;
        let (envelope, signers) = verifier.verify(&bundle)?;
        let mut policy = StatementPolicy::new();
        for t in OPENVEX_PREDICATE_TYPES {
            policy = policy.allow_predicate_type(t);
        }
        let statement = policy
            .check(&envelope)
            .map_err(|source| VexError::Signature { source })?
            .into_statement();
        let payload = statement
            .to_payload()
            .map_err(|source| VexError::Signature { source })?;
        let (document, upgrades) =
            Document::from_value_compat(statement.predicate(), &ParseOptions::default())?;
        let mut source = VexSource::from_document(document, Digest::of(&payload));
        let mut signers = signers;
        signers.sort();
        signers.dedup();
        source.signers = signers;
        source.upgrades = upgrades;
        Ok(source)
    }
}

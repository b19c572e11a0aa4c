//! `stella verify INPUT --key K`: verify a DSSE envelope holding an in-toto statement, or a
//! key-based Sigstore bundle (see `verify_bundle`).
//!
//! Exit 0 only when the input verified under the keys (at least `--threshold` distinct ones)
//! and passed every constraint the flags state: `--type` (allowed predicate types; when
//! absent, the statement's own type is reported and accepted), `--subject` (a digest that
//! must be among the subjects, any of them), `--require-signer` (key ids that must have
//! signed), `--artifact` (a file that must be among the subjects, compared on the strongest of
//! sha512, sha384, sha256 the subject has), `--strict-low-s`.
//! `--payload-type T` verifies a plain envelope of any payload type (signatures and
//! `--require-signer` only); `--tuf-mirror` takes a bundle's trusted root from a TUF repository
//! (see `tuf`).
//! A verification failure prints why on stderr and exits 1; unreadable input exits 2.
//!
//! Every constraint is read once into [`Constraints`] and applied on every input kind, or the
//! command refuses it for that kind with a usage error (exit 2), never ignores it: a flag the
//! verifier cannot honour is a false "Verified OK" waiting to happen. The bundle-only flags
//! (`--rekor-key`, `--trusted-root`) are refused for a plain envelope, which has no log entry.
//!
//! The input kinds are recognised in [`Input::detect`].

use std::path::PathBuf;

use serde::Serialize;
use stella_attest::AttestError;
use stella_attest::dsse::{DsseError, Envelope, Keyring, PAYLOAD_TYPE_IN_TOTO, VerifiedEnvelope};
use stella_attest::keys::PublicKey;
use stella_attest::statement::{
    ArtifactDigests, Statement, StatementError, StatementPolicy, Subject, VerifiedStatement,
};
use stella_attest::transparency::bundle::Bundle;
use stella_core::Digest;

use super::attest::predicate_type_uri;
use super::key::read_public_key;
use super::{CliError, KeyRef, Outcome, read_input, write_output};

/// `stella verify`: verify a signed attestation.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The envelope or Sigstore bundle file (`-` for stdin), or an image in a registry
    /// (`registry:HOST/REPO[:TAG|@sha256:…]`) or an OCI layout mirror (`oci-dir:DIR`): every
    /// attestation attached to it (OCI referrers and cosign's `.att`) is verified and reported;
    /// exit 0 when at least one passed.
    pub input: PathBuf,
    /// A trusted public key (file or `env://VAR`); repeat for several. Required for envelopes
    /// and key-based bundles; a keyless bundle is verified with `--certificate-identity` and
    /// `--certificate-oidc-issuer` instead.
    #[arg(long)]
    pub key: Vec<KeyRef>,
    /// How many distinct keys must have signed.
    #[arg(long, default_value_t = 1)]
    pub threshold: usize,
    /// Allowed predicate type (URI or short name, as for `stella attest`); repeatable.
    #[arg(long = "type")]
    pub predicate_types: Vec<String>,
    /// A digest (`sha256:<hex>`) that must be one of the subjects; repeatable.
    #[arg(long)]
    pub subject: Vec<String>,
    /// A key id that must be among the signers; repeatable.
    #[arg(long)]
    pub require_signer: Vec<String>,
    /// Refuse high-S ECDSA signatures.
    #[arg(long)]
    pub strict_low_s: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// DSSE envelopes: the payload type to accept (default `application/vnd.in-toto+json`, an
    /// in-toto statement). Another type verifies the envelope's signatures over any payload;
    /// the statement constraints (`--type`, `--subject`, `--artifact`) are then refused.
    #[arg(long, value_name = "TYPE")]
    pub payload_type: Option<String>,
    /// Options for Sigstore bundles (see `verify_bundle`).
    #[command(flatten)]
    pub bundle: super::verify_bundle::BundleArgs,
    /// Sigstore bundles: the trusted root through a TUF repository (see `tuf`).
    #[command(flatten)]
    pub tuf: super::tuf::TufArgs,
}

/// A recognised input.
#[derive(Debug)]
pub enum Input {
    /// A DSSE envelope.
    Envelope(Envelope),
    /// A Sigstore bundle (see `verify_bundle`).
    Bundle(Box<Bundle>),
}

impl Input {
    /// Recognises and parses the input bytes: a JSON object with a Sigstore bundle
    /// `mediaType` is a bundle, anything else must be a DSSE envelope.
    pub fn detect(name: &str, bytes: &[u8]) -> Result<Self, CliError> {
        if super::verify_bundle::is_bundle(bytes) {
            return Bundle::parse(bytes)
                .map(|b| Self::Bundle(Box::new(b)))
                .map_err(|e| CliError::library(name.to_owned(), e));
        }
        Envelope::from_json(bytes)
            .map(Self::Envelope)
            .map_err(|e| CliError::library(name.to_owned(), e))
    }
}

/// The file given with `--artifact`.
#[derive(Debug)]
pub struct Artifact {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its sha256, sha384 and sha512 (matched against subjects on the strongest algorithm a
    /// subject has).
    pub digests: ArtifactDigests,
}

/// Everything the caller asked of the input, whatever its kind.
#[derive(Debug)]
pub struct Constraints {
    /// Allowed predicate type URIs; empty: the statement's own type is accepted.
    pub predicate_types: Vec<String>,
    /// Digests that must each be among the subjects.
    pub subjects: Vec<Digest>,
    /// Key ids that must each be among the verified signers.
    pub require_signers: Vec<String>,
    /// An artifact whose SHA-256 must be among the subjects (an envelope) or be the signed
    /// message (a message-signature bundle).
    pub artifact: Option<Artifact>,
    /// How many distinct keys must have signed.
    pub threshold: usize,
    /// Refuse high-S ECDSA signatures.
    pub strict_low_s: bool,
}

impl Constraints {
    /// Reads the constraints from the flags; a malformed `--subject` is a usage error.
    pub fn from_args(args: &Args) -> Result<Self, CliError> {
        let subjects = args
            .subject
            .iter()
            .map(|s| {
                Digest::parse(s).map_err(|e| CliError::Usage {
                    what: "--subject",
                    value: s.clone(),
                    reason: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let artifact = match &args.bundle.artifact {
            Some(path) => {
                let bytes = read_input(path)?;
                Some(Artifact {
                    digests: ArtifactDigests::of(&bytes),
                    bytes,
                })
            }
            None => None,
        };
        Ok(Self {
            predicate_types: args
                .predicate_types
                .iter()
                .map(|t| predicate_type_uri(t).to_owned())
                .collect(),
            subjects,
            require_signers: args.require_signer.clone(),
            artifact,
            threshold: args.threshold,
            strict_low_s: args.strict_low_s,
        })
    }

    /// Applies the statement constraints (`--type`, `--subject`, `--artifact`,
    /// `--require-signer`) to an envelope whose signatures verified, whatever carried it.
    pub fn check_statement(
        &self,
        verified: &VerifiedEnvelope,
    ) -> Result<VerifiedStatement, AttestError> {
        let mut policy = StatementPolicy::new();
        // Without --type the statement's own type is accepted (and reported); an envelope of
        // another payload type is refused by the policy's payload type check below.
        if self.predicate_types.is_empty() && verified.payload_type() == PAYLOAD_TYPE_IN_TOTO {
            let statement = Statement::from_json(verified.payload())?;
            policy = policy.allow_predicate_type(statement.predicate_type());
        }
        for t in &self.predicate_types {
            policy = policy.allow_predicate_type(t.as_str());
        }
        for s in &self.subjects {
            policy = policy.expect_subject(*s);
        }
        if let Some(a) = &self.artifact {
            // On the strongest algorithm the subject has (sha512, sha384, sha256): an npm
            // provenance subject carries sha512 only.
            policy = policy.expect_artifact(a.digests.clone());
        }
        for k in &self.require_signers {
            policy = policy.require_signer(k.as_str());
        }
        policy.check(verified)
    }
}

/// What verified, whatever the input kind.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedSummary {
    /// `true` (a summary exists only for what verified).
    pub verified: bool,
    /// The input kind (`dsse-envelope`).
    pub kind: &'static str,
    /// The envelope payload type.
    pub payload_type: String,
    /// The statement `_type`.
    pub statement_type: &'static str,
    /// The predicate type.
    pub predicate_type: String,
    /// The subjects, in statement order.
    pub subjects: Vec<Subject>,
    /// Key ids of the distinct keys that verified, sorted.
    pub key_ids: Vec<String>,
}

/// Whether an error means "did not verify" (exit 1) rather than "could not be processed".
pub fn is_verification_failure(e: &AttestError) -> bool {
    matches!(
        e,
        AttestError::Dsse(
            DsseError::PayloadTypeNotAllowed { .. }
                | DsseError::NoSignatures
                | DsseError::UnknownKeyId { .. }
                | DsseError::NoKeyVerified { .. }
                | DsseError::Signature { .. }
                | DsseError::Verifier { .. }
                | DsseError::ThresholdNotMet { .. }
        ) | AttestError::Statement(
            StatementError::PredicateTypeNotAllowed { .. }
                | StatementError::SubjectMismatch { .. }
                | StatementError::ArtifactMismatch { .. }
                | StatementError::MissingSigner { .. }
                | StatementError::LegacyNotAllowed
        )
    )
}

/// The keyring of `--key` with the threshold and low-S rule of the constraints.
pub(crate) fn envelope_keyring(
    keys: Vec<PublicKey>,
    constraints: &Constraints,
) -> Result<Keyring, CliError> {
    let mut keyring = Keyring::new();
    for public in keys {
        keyring
            .add(public)
            .map_err(|e| CliError::library("--key", e))?;
    }
    keyring.set_threshold(constraints.threshold);
    keyring.reject_high_s(constraints.strict_low_s);
    Ok(keyring)
}

pub(crate) fn verify_envelope(
    constraints: &Constraints,
    envelope: &Envelope,
    keyring: &Keyring,
) -> Result<VerifiedSummary, AttestError> {
    let verified = envelope.verify(keyring, &[PAYLOAD_TYPE_IN_TOTO])?;
    let statement = constraints.check_statement(&verified)?;
    Ok(VerifiedSummary {
        verified: true,
        kind: "dsse-envelope",
        payload_type: verified.payload_type().to_owned(),
        statement_type: statement.statement().version().type_uri(),
        predicate_type: statement.statement().predicate_type().to_owned(),
        subjects: statement.statement().subjects().to_vec(),
        key_ids: statement.key_ids().to_vec(),
    })
}

/// What verified of an envelope whose payload is not an in-toto statement.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedPayload {
    /// `true` (a summary exists only for what verified).
    pub verified: bool,
    /// The input kind (`dsse-envelope`).
    pub kind: &'static str,
    /// The envelope payload type.
    pub payload_type: String,
    /// `sha256:<hex>` of the payload.
    pub payload_digest: String,
    /// The payload's length in bytes.
    pub payload_length: usize,
    /// Key ids of the distinct keys that verified, sorted.
    pub key_ids: Vec<String>,
}

/// `--payload-type` other than in-toto: the signatures (and `--require-signer`) only.
fn verify_payload(
    constraints: &Constraints,
    envelope: &Envelope,
    keyring: &Keyring,
    payload_type: &str,
) -> Result<VerifiedPayload, AttestError> {
    let verified = envelope.verify(keyring, &[payload_type])?;
    for required in &constraints.require_signers {
        if !verified.key_ids().iter().any(|k| k == required) {
            return Err(StatementError::MissingSigner {
                key_id: required.clone(),
                verified: verified.key_ids().to_vec(),
            }
            .into());
        }
    }
    Ok(VerifiedPayload {
        verified: true,
        kind: "dsse-envelope",
        payload_type: verified.payload_type().to_owned(),
        payload_digest: Digest::of(verified.payload()).to_string(),
        payload_length: verified.payload().len(),
        key_ids: verified.key_ids().to_vec(),
    })
}

/// Verifies a DSSE envelope input.
fn run_envelope(
    args: &Args,
    name: &str,
    envelope: &Envelope,
    keys: Vec<PublicKey>,
    constraints: &Constraints,
) -> Result<Outcome, CliError> {
    // The bundle-only flags ask for a transparency log check an envelope cannot give.
    if !args.bundle.rekor_key.is_empty()
        || args.bundle.trusted_root.is_some()
        || args.bundle.has_identity_flags()
        || args.bundle.artifact_digest.is_some()
        || args.tuf.tuf_mirror.is_some()
    {
        return Err(CliError::Usage {
            what: "--rekor-key / --trusted-root / --certificate-* / --artifact-digest / --tuf-mirror",
            value: name.to_owned(),
            reason: "a DSSE envelope carries no transparency log entry or certificate to \
                     check; verify a Sigstore bundle instead, or drop the flag"
                .to_owned(),
        });
    }
    if keys.is_empty() {
        return Err(CliError::Usage {
            what: "--key",
            value: name.to_owned(),
            reason: "a DSSE envelope is verified with --key".to_owned(),
        });
    }
    let keyring = envelope_keyring(keys, constraints)?;
    if let Some(payload_type) = args
        .payload_type
        .as_deref()
        .filter(|t| *t != PAYLOAD_TYPE_IN_TOTO)
    {
        if !constraints.predicate_types.is_empty()
            || !constraints.subjects.is_empty()
            || constraints.artifact.is_some()
        {
            return Err(CliError::Usage {
                what: "--type / --subject / --artifact",
                value: payload_type.to_owned(),
                reason: "these constrain an in-toto statement; a payload of another type has \
                         none to check"
                    .to_owned(),
            });
        }
        return match verify_payload(constraints, envelope, &keyring, payload_type) {
            Ok(summary) => {
                print_payload_summary(name, &summary, args.json)?;
                Ok(Outcome::Ok)
            }
            Err(e) if is_verification_failure(&e) => {
                eprintln!("stella: verification failed: {name}: {e}");
                Ok(Outcome::Deny)
            }
            Err(e) => Err(CliError::library(name.to_owned(), e)),
        };
    }
    match verify_envelope(constraints, envelope, &keyring) {
        Ok(summary) => {
            print_summary(name, &summary, args.json)?;
            Ok(Outcome::Ok)
        }
        Err(e) if is_verification_failure(&e) => {
            eprintln!("stella: verification failed: {name}: {e}");
            Ok(Outcome::Deny)
        }
        Err(e) => Err(CliError::library(name.to_owned(), e)),
    }
}

fn print_payload_summary(
    name: &str,
    summary: &VerifiedPayload,
    json: bool,
) -> Result<(), CliError> {
    let out = if json {
        let mut out = stella_core::canonical::to_canonical_vec(summary)
            .map_err(|e| CliError::library(name.to_owned(), e))?;
        out.push(b'\n');
        out
    } else {
        let mut text = format!(
            "Verified OK: {name}\npayload type:   {}\npayload:        {} ({} bytes)\n",
            summary.payload_type, summary.payload_digest, summary.payload_length
        );
        for k in &summary.key_ids {
            text.push_str(&format!("signed by:      {k}\n"));
        }
        text.into_bytes()
    };
    write_output(None, &out)
}

fn print_summary(name: &str, summary: &VerifiedSummary, json: bool) -> Result<(), CliError> {
    let mut out = if json {
        stella_core::canonical::to_canonical_vec(summary)
            .map_err(|e| CliError::library(name.to_owned(), e))?
    } else {
        let mut text = format!(
            "Verified OK: {name}\npayload type:   {}\nstatement:      {}\npredicate type: {}\n",
            summary.payload_type, summary.statement_type, summary.predicate_type
        );
        for s in &summary.subjects {
            let digests: Vec<String> = s.digest.iter().map(|(a, v)| format!("{a}:{v}")).collect();
            text.push_str(&format!(
                "subject:        {} {}\n",
                s.name.as_deref().unwrap_or("_"),
                digests.join(" ")
            ));
        }
        for k in &summary.key_ids {
            text.push_str(&format!("signed by:      {k}\n"));
        }
        text.into_bytes()
    };
    if json {
        out.push(b'\n');
    }
    write_output(None, &out)
}

/// Runs `stella verify`.
pub fn run(args: Args) -> Result<Outcome, CliError> {
    // `registry:HOST/REPO[:TAG|@sha256:…]`: the attestations attached to that image.
    if let Some(image) = args
        .input
        .to_str()
        .and_then(|s| s.strip_prefix("registry:"))
    {
        return super::artifacts::verify_image(&args, image);
    }
    // `oci-dir:DIR`: the attestations of the image in an OCI layout mirror.
    if let Some(text) = args.input.to_str().filter(|s| s.starts_with("oci-dir:")) {
        return super::artifacts::verify_image(&args, text);
    }
    let name = args.input.display().to_string();
    let bytes = read_input(&args.input)?;
    let input = Input::detect(&name, &bytes)?;
    let constraints = Constraints::from_args(&args)?;
    let keys = args
        .key
        .iter()
        .map(read_public_key)
        .collect::<Result<Vec<_>, _>>()?;
    match &input {
        Input::Envelope(envelope) => run_envelope(&args, &name, envelope, keys, &constraints),
        Input::Bundle(_)
            if args
                .payload_type
                .as_deref()
                .is_some_and(|t| t != PAYLOAD_TYPE_IN_TOTO) =>
        {
            Err(CliError::Usage {
                what: "--payload-type",
                value: name,
                reason: "applies to plain DSSE envelopes; a bundle's DSSE content is checked \
                         as an in-toto statement"
                    .to_owned(),
            })
        }
        Input::Bundle(bundle) => {
            let mut bundle_args = args.bundle.clone();
            if let Some(path) = super::tuf::trusted_root_file(&args.tuf)? {
                bundle_args.trusted_root = Some(path);
            }
            super::verify_bundle::run(bundle, &keys, &bundle_args, &constraints, args.json, &name)
        }
    }
}

//! `stella verify ENVELOPE --key K`: verify a DSSE envelope holding an in-toto statement.
//!
//! Exit 0 only when the envelope verified under the keys (at least `--threshold` distinct ones)
//! and the statement passed the policy given by the flags: `--type` (allowed predicate types;
//! when absent, the statement's own type is reported and accepted), `--subject` (a digest that
//! must be among the subjects, any of them), `--require-signer` (key ids that must have signed).
//! A verification failure prints why on stderr and exits 1; unreadable input exits 2.
//!
//! The input kinds are recognised in [`Input::detect`]; each kind's verification ends in a
//! [`VerifiedSummary`], printed the same way. A Sigstore bundle kind is to be added in its own
//! file next to this one, as one more [`Input`] variant and one more arm in [`verify_input`].

use std::path::PathBuf;

use serde::Serialize;
use stella_attest::AttestError;
use stella_attest::dsse::{DsseError, Envelope, Keyring, PAYLOAD_TYPE_IN_TOTO};
use stella_attest::statement::{Statement, StatementError, StatementPolicy, Subject};
use stella_core::Digest;

use super::attest::predicate_type_uri;
use super::key::read_public_key;
use super::{CliError, KeyRef, Outcome, read_input, write_output};

/// `stella verify`: verify a signed attestation.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The envelope file (`-` for stdin).
    pub input: PathBuf,
    /// A trusted public key (file or `env://VAR`); repeat for several.
    #[arg(long, required = true)]
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
    /// Options for Sigstore bundles (see `verify_bundle`).
    #[command(flatten)]
    pub bundle: super::verify_bundle::BundleArgs,
}

/// A recognised input.
#[derive(Debug)]
pub enum Input {
    /// A DSSE envelope.
    Envelope(Envelope),
}

impl Input {
    /// Recognises and parses the input bytes.
    pub fn detect(name: &str, bytes: &[u8]) -> Result<Self, CliError> {
        Envelope::from_json(bytes)
            .map(Self::Envelope)
            .map_err(|e| CliError::library(name.to_owned(), e))
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
fn is_verification_failure(e: &AttestError) -> bool {
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
                | StatementError::MissingSigner { .. }
                | StatementError::LegacyNotAllowed
        )
    )
}

fn verify_envelope(
    args: &Args,
    envelope: &Envelope,
    keyring: &Keyring,
) -> Result<VerifiedSummary, AttestError> {
    let verified = envelope.verify(keyring, &[PAYLOAD_TYPE_IN_TOTO])?;
    let mut policy = StatementPolicy::new();
    if args.predicate_types.is_empty() {
        let statement = Statement::from_json(verified.payload())?;
        policy = policy.allow_predicate_type(statement.predicate_type());
    }
    for t in &args.predicate_types {
        policy = policy.allow_predicate_type(predicate_type_uri(t));
    }
    for s in &args.subject {
        policy = policy.expect_subject(Digest::parse(s)?);
    }
    for k in &args.require_signer {
        policy = policy.require_signer(k.as_str());
    }
    let statement = policy.check(&verified)?;
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

/// Verifies one input.
pub fn verify_input(
    args: &Args,
    input: &Input,
    keyring: &Keyring,
) -> Result<VerifiedSummary, AttestError> {
    match input {
        Input::Envelope(envelope) => verify_envelope(args, envelope, keyring),
    }
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
    let name = args.input.display().to_string();
    let bytes = read_input(&args.input)?;
    if super::verify_bundle::is_bundle(&bytes) {
        return super::verify_bundle::run(&args.key, &args.bundle, args.json, &name, &bytes);
    }
    let input = Input::detect(&name, &bytes)?;
    let mut keyring = Keyring::new();
    for key in &args.key {
        let public = read_public_key(key)?;
        keyring
            .add(public)
            .map_err(|e| CliError::library("--key", e))?;
    }
    keyring.set_threshold(args.threshold);
    keyring.reject_high_s(args.strict_low_s);
    match verify_input(&args, &input, &keyring) {
        Ok(summary) => {
            print_summary(&name, &summary, args.json)?;
            Ok(Outcome::Ok)
        }
        Err(e) if is_verification_failure(&e) => {
            eprintln!("stella: verification failed: {name}: {e}");
            Ok(Outcome::Deny)
        }
        Err(e) => Err(CliError::library(name, e)),
    }
}

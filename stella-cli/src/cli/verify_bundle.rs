//! `stella verify BUNDLE --key K --rekor-key R [--artifact F]`: offline verification of a
//! key-based Sigstore bundle (v0.1–v0.3 JSON).
//!
//! The bundle verifies when its signature (over `--artifact` for a message signature, over the
//! DSSE PAE for an envelope) verifies under one of the `--key`s, and every transparency log
//! entry is from a log named by `--rekor-key` (or the `tlogs` of `--trusted-root`), with a valid
//! SET / inclusion proof / signed checkpoint, and records exactly this signature and key.
//! Keyless (Fulcio certificate) bundles are refused with a "not supported" error (exit 2): their
//! certificate chain and identity are not verified by Stella Ops, so they never pass.
//!
//! Every constraint of `stella verify` applies, as for a plain envelope:
//! - a DSSE bundle: the envelope must hold an in-toto statement (payload type
//!   `application/vnd.in-toto+json`) that passes `--type`, `--subject`, `--artifact` (its
//!   SHA-256 among the subjects) and `--require-signer` (the key the signature verified under);
//! - a message-signature bundle: `--artifact` is required and must be the signed message (its
//!   digest and the signature); `--subject` must be that digest; `--require-signer` must be
//!   the key that verified; `--type` cannot apply (no statement) and is refused (exit 2);
//! - `--strict-low-s` refuses a high-S ECDSA signature; `--threshold` above 1 can never be met
//!   by a bundle's single signature and is refused (exit 2).
//!
//! Exit codes: 0 verified, 1 did not verify (reason on stderr), 2 unusable input.

use std::path::PathBuf;

use serde::Serialize;
use stella_attest::AttestError;
use stella_attest::keys::PublicKey;
use stella_attest::statement::{Subject, VerifiedStatement};
use stella_attest::transparency::TransparencyError;
use stella_attest::transparency::bundle::{Bundle, TrustRoot, VerifiedBundle, VerifiedContent};
use stella_attest::transparency::rekor::RekorLogKey;

use super::key::read_public_key;
use super::verify::Constraints;
use super::{CliError, KeyRef, Outcome, read_input, write_output};

/// The bundle-only options of `stella verify`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BundleArgs {
    /// Sigstore bundles: a trusted Rekor log public key (file or `env://VAR`); repeatable.
    #[arg(long)]
    pub rekor_key: Vec<KeyRef>,
    /// Sigstore bundles: a Sigstore `trusted_root.json` whose Rekor logs are trusted.
    #[arg(long)]
    pub trusted_root: Option<PathBuf>,
    /// The artifact: its SHA-256 must be a subject of the statement (an envelope, a DSSE
    /// bundle); for a message-signature bundle, the signed artifact (required).
    #[arg(long)]
    pub artifact: Option<PathBuf>,
}

/// Whether the input looks like a Sigstore bundle (a JSON object whose `mediaType` is a
/// Sigstore bundle media type).
pub fn is_bundle(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Probe {
        #[serde(default)]
        media_type: String,
    }
    serde_json::from_slice::<Probe>(bytes)
        .map(|p| {
            p.media_type
                .starts_with("application/vnd.dev.sigstore.bundle")
        })
        .unwrap_or(false)
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    verified: bool,
    kind: &'static str,
    media_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statement_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    predicate_type: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    subjects: Vec<Subject>,
    key_id: String,
    log_entries: Vec<EntrySummary>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct EntrySummary {
    log_index: u64,
    integrated_time: i64,
    set_verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    checkpoint_origin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    checkpoint_size: Option<u64>,
}

fn summarize(
    bundle: &Bundle,
    v: &VerifiedBundle,
    statement: Option<&VerifiedStatement>,
) -> Summary {
    let (artifact_digest, payload_type) = match &v.content {
        VerifiedContent::Artifact { digest } => (Some(digest.to_string()), None),
        VerifiedContent::Dsse(e) => (None, Some(e.payload_type().to_owned())),
        _ => (None, None),
    };
    let st = statement.map(VerifiedStatement::statement);
    Summary {
        verified: true,
        kind: "sigstore-bundle",
        media_type: bundle.media_type.clone(),
        artifact_digest,
        payload_type,
        statement_type: st.map(|s| s.version().type_uri()),
        predicate_type: st.map(|s| s.predicate_type().to_owned()),
        subjects: st.map(|s| s.subjects().to_vec()).unwrap_or_default(),
        key_id: v.key_id.clone(),
        log_entries: v
            .log_entries
            .iter()
            .map(|e| EntrySummary {
                log_index: e.log_index,
                integrated_time: e.integrated_time,
                set_verified: e.set_verified,
                checkpoint_origin: e.checkpoint.as_ref().map(|c| c.origin.clone()),
                checkpoint_size: e.checkpoint.as_ref().map(|c| c.size),
            })
            .collect(),
    }
}

/// Whether an error means "did not verify" (exit 1) rather than "could not be processed" (2).
fn is_verification_failure(e: &TransparencyError) -> bool {
    matches!(
        e,
        TransparencyError::BadSignature { .. }
            | TransparencyError::Mismatch { .. }
            | TransparencyError::RootMismatch { .. }
            | TransparencyError::ProofLength { .. }
            | TransparencyError::IndexOutOfRange { .. }
            | TransparencyError::CheckpointMismatch { .. }
            | TransparencyError::NoTrustedSignature { .. }
            | TransparencyError::UnknownLog { .. }
            | TransparencyError::NotCanonical { .. }
            | TransparencyError::HighS { .. }
            | TransparencyError::ArtifactNotSubject { .. }
    )
}

/// Why a bundle did not pass (exit 1), or could not be processed (exit 2).
enum Failure {
    Transparency(TransparencyError),
    Statement(AttestError),
    /// A constraint on a message signature that the verified content does not meet.
    Constraint(String),
}

/// Refuses the constraints a bundle can never meet or that do not apply to its content.
fn refuse_inapplicable(bundle: &Bundle, c: &Constraints) -> Result<(), CliError> {
    if c.threshold != 1 {
        return Err(CliError::Usage {
            what: "--threshold",
            value: c.threshold.to_string(),
            reason: "a Sigstore bundle carries exactly one signature; only --threshold 1 \
                     can be met"
                .to_owned(),
        });
    }
    if bundle.message_signature.is_some() {
        if !c.predicate_types.is_empty() {
            return Err(CliError::Usage {
                what: "--type",
                value: c.predicate_types.join(", "),
                reason: "this bundle is a signature over an artifact, not an in-toto \
                         statement: it has no predicate type to check"
                    .to_owned(),
            });
        }
        if c.artifact.is_none() {
            return Err(CliError::Usage {
                what: "--artifact",
                value: String::new(),
                reason: "this bundle signs an artifact; give the artifact file".to_owned(),
            });
        }
    }
    Ok(())
}

/// Applies the caller's constraints to what verified under `key`.
fn check_constraints(
    v: &VerifiedBundle,
    c: &Constraints,
) -> Result<Option<VerifiedStatement>, Failure> {
    match &v.content {
        VerifiedContent::Dsse(envelope) => c
            .check_statement(envelope)
            .map(Some)
            .map_err(Failure::Statement),
        VerifiedContent::Artifact { digest } => {
            // The signed message is the one "subject" of a message signature; the artifact was
            // checked against it by the library (digest and signature).
            for s in &c.subjects {
                if s != digest {
                    return Err(Failure::Constraint(format!(
                        "--subject {s} is not the signed artifact {digest}"
                    )));
                }
            }
            for k in &c.require_signers {
                if *k != v.key_id {
                    return Err(Failure::Constraint(format!(
                        "required signer {k} did not sign (verified: {})",
                        v.key_id
                    )));
                }
            }
            Ok(None)
        }
        _ => Err(Failure::Constraint(
            "the bundle's content is of a kind this command cannot check".to_owned(),
        )),
    }
}

/// The Rekor log keys named by `--rekor-key` and the `tlogs` of `--trusted-root` (shared with
/// `stella vex`, which reads OpenVEX attestations from Sigstore bundles).
pub(crate) fn rekor_logs(
    rekor_key: &[KeyRef],
    trusted_root: Option<&std::path::Path>,
) -> Result<Vec<RekorLogKey>, CliError> {
    let mut logs: Vec<RekorLogKey> = Vec::new();
    for k in rekor_key {
        logs.push(RekorLogKey::from_public_key(&read_public_key(k)?));
    }
    if let Some(path) = trusted_root {
        let root = TrustRoot::from_trusted_root_json(&read_input(path)?)
            .map_err(|e| CliError::library(path.display().to_string(), e))?;
        logs.extend(root.logs().iter().cloned());
    }
    Ok(logs)
}

/// Verifies a parsed bundle with the keys and the constraints of `stella verify`.
pub fn run(
    bundle: &Bundle,
    keys: &[PublicKey],
    opts: &BundleArgs,
    constraints: &Constraints,
    json: bool,
    name: &str,
) -> Result<Outcome, CliError> {
    let logs = rekor_logs(&opts.rekor_key, opts.trusted_root.as_deref())?;
    if logs.is_empty() {
        return Err(CliError::Usage {
            what: "--rekor-key / --trusted-root",
            value: String::new(),
            reason: "a Sigstore bundle needs at least one trusted Rekor log key".to_owned(),
        });
    }
    let trust = TrustRoot::new(logs);
    refuse_inapplicable(bundle, constraints)?;
    let artifact = constraints.artifact.as_ref().map(|a| a.bytes.as_slice());
    let mut last_failure: Option<TransparencyError> = None;
    let mut outcome: Option<Result<(VerifiedBundle, Option<VerifiedStatement>), Failure>> = None;
    for key in keys {
        let verified = if constraints.strict_low_s {
            bundle.verify_with_key_strict(key, artifact, &trust)
        } else {
            bundle.verify_with_key(key, artifact, &trust)
        };
        match verified {
            Ok(v) => {
                outcome = Some(check_constraints(&v, constraints).map(|s| (v, s)));
                break;
            }
            // Another key may be the signer.
            Err(
                e @ TransparencyError::BadSignature {
                    what: "artifact", ..
                },
            )
            | Err(
                e @ TransparencyError::BadSignature {
                    what: "DSSE envelope",
                    ..
                },
            ) => {
                last_failure = Some(e);
            }
            Err(e) => {
                outcome = Some(Err(Failure::Transparency(e)));
                break;
            }
        }
    }
    let outcome = match (outcome, last_failure) {
        (Some(o), _) => o,
        (None, Some(e)) => Err(Failure::Transparency(e)),
        (None, None) => {
            return Err(CliError::Usage {
                what: "--key",
                value: String::new(),
                reason: "no key given".to_owned(),
            });
        }
    };
    match outcome {
        Ok((v, statement)) => {
            let summary = summarize(bundle, &v, statement.as_ref());
            print(name, &summary, json).map(|()| Outcome::Ok)
        }
        Err(Failure::Transparency(e)) if is_verification_failure(&e) => {
            eprintln!("stella: verification failed: {name}: {e}");
            Ok(Outcome::Deny)
        }
        Err(Failure::Transparency(e)) => Err(CliError::library(name.to_owned(), e)),
        Err(Failure::Statement(e)) if super::verify::is_verification_failure(&e) => {
            eprintln!("stella: verification failed: {name}: {e}");
            Ok(Outcome::Deny)
        }
        Err(Failure::Statement(e)) => Err(CliError::library(name.to_owned(), e)),
        Err(Failure::Constraint(reason)) => {
            eprintln!("stella: verification failed: {name}: {reason}");
            Ok(Outcome::Deny)
        }
    }
}

fn print(name: &str, s: &Summary, json: bool) -> Result<(), CliError> {
    let out = if json {
        let mut v = stella_core::canonical::to_canonical_vec(s)
            .map_err(|e| CliError::library(name.to_owned(), e))?;
        v.push(b'\n');
        v
    } else {
        let mut text = format!("Verified OK: {name}\nbundle:         {}\n", s.media_type);
        if let Some(d) = &s.artifact_digest {
            text.push_str(&format!("artifact:       {d}\n"));
        }
        if let Some(t) = &s.payload_type {
            text.push_str(&format!("payload type:   {t}\n"));
        }
        if let Some(t) = s.statement_type {
            text.push_str(&format!("statement:      {t}\n"));
        }
        if let Some(t) = &s.predicate_type {
            text.push_str(&format!("predicate type: {t}\n"));
        }
        for sub in &s.subjects {
            let digests: Vec<String> = sub.digest.iter().map(|(a, v)| format!("{a}:{v}")).collect();
            text.push_str(&format!(
                "subject:        {} {}\n",
                sub.name.as_deref().unwrap_or("_"),
                digests.join(" ")
            ));
        }
        text.push_str(&format!("signed by:      {}\n", s.key_id));
        for e in &s.log_entries {
            text.push_str(&format!(
                "log entry:      index {} integrated {}{}\n",
                e.log_index,
                e.integrated_time,
                match (&e.checkpoint_origin, e.checkpoint_size) {
                    (Some(o), Some(n)) => format!(", in checkpoint {o:?} size {n}"),
                    _ => String::new(),
                }
            ));
        }
        text.into_bytes()
    };
    write_output(None, &out)
}

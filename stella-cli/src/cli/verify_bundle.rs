//! `stella verify BUNDLE --key K --rekor-key R [--artifact F]`: offline verification of a
//! key-based Sigstore bundle (v0.1–v0.3 JSON); `stella verify BUNDLE --trusted-root F
//! --certificate-identity I --certificate-oidc-issuer O [--artifact F | --artifact-digest D]`:
//! a keyless (Fulcio certificate) bundle.
//!
//! ## Keyless bundles
//!
//! Verified by `Bundle::verify` against the whole `--trusted-root` (Fulcio CAs, Rekor v1/v2
//! logs, CT logs, timestamp authorities): certificate chain and validity at every verified
//! signing time (SET integrated time, RFC 3161 timestamps), embedded SCT, signature, log
//! entries, and the identity policy — `--certificate-identity` or `-regexp` (the SAN) and
//! `--certificate-oidc-issuer` or `-regexp`, both required (as cosign), plus the exact
//! `--certificate-github-workflow-{trigger,sha,name,repository,ref}` claims. Without them the
//! command refuses to run (exit 2) unless `--insecure-ignore-identity` says, explicitly, that
//! any identity the trusted CA certified is acceptable (every cryptographic check still runs).
//! `--json` prints the report of every check and its result, on failure too. `--key`,
//! `--rekor-key`, `--require-signer` and `--strict-low-s` do not apply to keyless bundles and
//! are refused (exit 2).
//!
//! ## Key-based bundles
//!
//! The bundle verifies when its signature (over `--artifact` for a message signature, over the
//! DSSE PAE for an envelope) verifies under one of the `--key`s, and every transparency log
//! entry is from a log named by `--rekor-key` (or the `tlogs` of `--trusted-root`), with a valid
//! SET / inclusion proof / signed checkpoint, and records exactly this signature and key.
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
use stella_attest::transparency::bundle::{
    ArtifactInput, Bundle, Check, TrustRoot, TrustedRoot, Verification, VerificationPolicy,
    VerifiedBundle, VerifiedContent, VerifiedSigner, VerifiedTimestamp,
};
use stella_attest::transparency::identity::{IdentityFlags, IdentityPolicy};
use stella_attest::transparency::rekor::RekorLogKey;
use stella_core::Digest;

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
    #[arg(long, conflicts_with = "artifact_digest")]
    pub artifact: Option<PathBuf>,
    /// Keyless bundles: the artifact by its digest (`sha256:<hex>`) instead of `--artifact`.
    #[arg(long)]
    pub artifact_digest: Option<String>,
    /// Keyless bundles: who must have signed.
    #[command(flatten)]
    pub identity: IdentityArgs,
    /// Keyless bundles: the least number of transparency log entries (default 1, as
    /// sigstore-go). 0 accepts a bundle with no log entry when an RFC 3161 timestamp dates it
    /// (GitHub's timestamp-only attestations): its signature was then never logged publicly.
    /// Entries a bundle carries are verified whatever the threshold.
    #[arg(long, value_name = "N")]
    pub tlog_threshold: Option<usize>,
    /// Keyless bundles: the least number of embedded SCTs that must verify under the trusted
    /// root's CT logs (default 1). 0 skips the SCT check (a Fulcio without a CT log, such as
    /// GitHub's).
    #[arg(long, value_name = "N")]
    pub sct_threshold: Option<usize>,
}

/// The keyless identity flags, as cosign spells them (`stella verify`, `stella vex`); turned
/// into a policy by [`IdentityPolicy::from_flags`], the one rule set.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct IdentityArgs {
    /// Keyless bundles: the signer's identity (the certificate's SAN), exactly.
    #[arg(long, conflicts_with = "certificate_identity_regexp")]
    pub certificate_identity: Option<String>,
    /// Keyless bundles: a regular expression the certificate's SAN must match (unanchored, as
    /// cosign's; anchor with ^…$).
    #[arg(long)]
    pub certificate_identity_regexp: Option<String>,
    /// Keyless bundles: the OIDC issuer of the certificate, exactly.
    #[arg(long, conflicts_with = "certificate_oidc_issuer_regexp")]
    pub certificate_oidc_issuer: Option<String>,
    /// Keyless bundles: a regular expression the certificate's OIDC issuer must match.
    #[arg(long)]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Keyless bundles: the GitHub workflow trigger (Fulcio extension 1.3.6.1.4.1.57264.1.2).
    #[arg(long)]
    pub certificate_github_workflow_trigger: Option<String>,
    /// Keyless bundles: the GitHub workflow commit SHA (extension …1.3).
    #[arg(long)]
    pub certificate_github_workflow_sha: Option<String>,
    /// Keyless bundles: the GitHub workflow name (extension …1.4).
    #[arg(long)]
    pub certificate_github_workflow_name: Option<String>,
    /// Keyless bundles: the GitHub workflow repository (extension …1.5).
    #[arg(long)]
    pub certificate_github_workflow_repository: Option<String>,
    /// Keyless bundles: the GitHub workflow ref (extension …1.6).
    #[arg(long)]
    pub certificate_github_workflow_ref: Option<String>,
    /// Keyless bundles, INSECURE: accept any identity the trusted Fulcio CA certified. Skips
    /// only the SAN, issuer and claim checks; the chain, SCT, timestamps, log entries and
    /// signature are still verified.
    #[arg(long, conflicts_with_all = [
        "certificate_identity", "certificate_identity_regexp",
        "certificate_oidc_issuer", "certificate_oidc_issuer_regexp",
    ])]
    pub insecure_ignore_identity: bool,
}

impl BundleArgs {
    /// Whether any keyless identity flag (or threshold) was given.
    pub fn has_identity_flags(&self) -> bool {
        self.identity.flags().any() || self.tlog_threshold.is_some() || self.sct_threshold.is_some()
    }

    /// The identity policy the flags state ([`IdentityPolicy::from_flags`]); none is
    /// [`TransparencyError::MissingIdentityPolicy`].
    fn identity_policy(&self) -> Result<IdentityPolicy, CliError> {
        identity_policy_of(&self.identity.flags())
    }
}

impl IdentityArgs {
    /// The identity flags as given.
    pub fn flags(&self) -> IdentityFlags {
        IdentityFlags {
            certificate_identity: self.certificate_identity.clone(),
            certificate_identity_regexp: self.certificate_identity_regexp.clone(),
            certificate_oidc_issuer: self.certificate_oidc_issuer.clone(),
            certificate_oidc_issuer_regexp: self.certificate_oidc_issuer_regexp.clone(),
            github_workflow_trigger: self.certificate_github_workflow_trigger.clone(),
            github_workflow_sha: self.certificate_github_workflow_sha.clone(),
            github_workflow_name: self.certificate_github_workflow_name.clone(),
            github_workflow_repository: self.certificate_github_workflow_repository.clone(),
            github_workflow_ref: self.certificate_github_workflow_ref.clone(),
            insecure_ignore_identity: self.insecure_ignore_identity,
        }
    }
}

/// The identity policy of `flags` ([`IdentityPolicy::from_flags`]) for a command that verifies
/// keyless bundles: a flag error is a usage error (exit 2), no flag at all
/// [`TransparencyError::MissingIdentityPolicy`].
pub(crate) fn identity_policy_of(flags: &IdentityFlags) -> Result<IdentityPolicy, CliError> {
    match IdentityPolicy::from_flags(flags) {
        Ok(Some(policy)) => Ok(policy),
        Ok(None) => Err(CliError::library(
            "--certificate-identity / --certificate-oidc-issuer",
            TransparencyError::MissingIdentityPolicy,
        )),
        Err(e) => Err(CliError::Usage {
            what: "--certificate-identity / --certificate-oidc-issuer",
            value: String::new(),
            reason: e.to_string(),
        }),
    }
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
    if !bundle.is_key_based() {
        return run_keyless(bundle, keys, opts, constraints, json, name);
    }
    if opts.has_identity_flags() || opts.artifact_digest.is_some() {
        return Err(CliError::Usage {
            what: "--certificate-* / --insecure-ignore-identity / --artifact-digest / --tlog-threshold / --sct-threshold",
            value: name.to_owned(),
            reason: "this bundle is key-based: verify it with --key (and --artifact)".to_owned(),
        });
    }
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

/// The `--json` report of a keyless verification, printed whether it verified or not.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct KeylessReport<'a> {
    verified: bool,
    kind: &'static str,
    media_type: &'a str,
    checks: &'a [Check],
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signer: Option<&'a VerifiedSigner>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamps: Option<&'a [VerifiedTimestamp]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact_digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    predicate_type: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    subjects: Vec<Subject>,
}

/// Refuses the flags a keyless bundle cannot honour.
fn refuse_for_keyless(
    keys: &[PublicKey],
    opts: &BundleArgs,
    c: &Constraints,
    name: &str,
) -> Result<(), CliError> {
    let refuse = |what: &'static str, reason: &str| {
        Err(CliError::Usage {
            what,
            value: name.to_owned(),
            reason: reason.to_owned(),
        })
    };
    if !keys.is_empty() {
        return refuse(
            "--key",
            "this bundle is keyless (a Fulcio certificate): verify it with --trusted-root, \
             --certificate-identity and --certificate-oidc-issuer instead of a key",
        );
    }
    if !opts.rekor_key.is_empty() {
        return refuse(
            "--rekor-key",
            "a keyless bundle is verified against a whole --trusted-root (CAs, logs, CT logs, \
             timestamp authorities)",
        );
    }
    if !c.require_signers.is_empty() {
        return refuse(
            "--require-signer",
            "a keyless bundle has no key id to require; use --certificate-identity",
        );
    }
    if c.strict_low_s {
        return refuse(
            "--strict-low-s",
            "not applied to certificate signatures; drop the flag",
        );
    }
    Ok(())
}

/// Verifies a keyless bundle (see the module docs).
fn run_keyless(
    bundle: &Bundle,
    keys: &[PublicKey],
    opts: &BundleArgs,
    constraints: &Constraints,
    json: bool,
    name: &str,
) -> Result<Outcome, CliError> {
    refuse_for_keyless(keys, opts, constraints, name)?;
    refuse_inapplicable(bundle, constraints).or_else(|e| match e {
        // A digest stands in for the artifact file of a message signature.
        CliError::Usage {
            what: "--artifact", ..
        } if opts.artifact_digest.is_some() => Ok(()),
        other => Err(other),
    })?;
    let path = opts.trusted_root.as_ref().ok_or_else(|| CliError::Usage {
        what: "--trusted-root",
        value: String::new(),
        reason: "a keyless bundle is verified against a Sigstore trusted_root.json".to_owned(),
    })?;
    let root = TrustedRoot::from_json(&read_input(path)?)
        .map_err(|e| CliError::library(path.display().to_string(), e))?;
    let policy = VerificationPolicy::identity(opts.identity_policy()?)
        .with_tlog_threshold(opts.tlog_threshold.unwrap_or(1))
        .with_sct_threshold(opts.sct_threshold.unwrap_or(1));
    let digest = opts
        .artifact_digest
        .as_ref()
        .map(|d| {
            Digest::parse(d).map_err(|e| CliError::Usage {
                what: "--artifact-digest",
                value: d.clone(),
                reason: e.to_string(),
            })
        })
        .transpose()?;
    let artifact = match (&constraints.artifact, digest) {
        (Some(a), _) => ArtifactInput::Bytes(&a.bytes),
        (None, Some(d)) => ArtifactInput::Sha256(d),
        (None, None) => ArtifactInput::None,
    };
    let report = bundle.verify_report(&policy, artifact, &root);
    let mut checks = report.checks;
    let outcome = report.result.map_err(Failure::Transparency).and_then(|v| {
        let statement = match &v.content {
            VerifiedContent::Dsse(envelope) => Some(
                constraints
                    .check_statement(envelope)
                    .map_err(Failure::Statement)?,
            ),
            VerifiedContent::Artifact { digest } => {
                for s in &constraints.subjects {
                    if s != digest {
                        return Err(Failure::Constraint(format!(
                            "--subject {s} is not the signed artifact {digest}"
                        )));
                    }
                }
                None
            }
            _ => {
                return Err(Failure::Constraint(
                    "the bundle's content is of a kind this command cannot check".to_owned(),
                ));
            }
        };
        Ok((v, statement))
    });
    // The statement constraints are one more check of the report.
    if let Ok((
        Verification {
            content: VerifiedContent::Dsse(_),
            ..
        },
        _,
    ))
    | Err(Failure::Statement(_)) = &outcome
    {
        checks.push(Check {
            name: "statement",
            passed: outcome.is_ok(),
            detail: match &outcome {
                Err(Failure::Statement(e)) => e.to_string(),
                _ => "the in-toto statement meets --type / --subject / --artifact".to_owned(),
            },
        });
    }
    if let Err(Failure::Constraint(reason)) = &outcome {
        checks.push(Check {
            name: "constraints",
            passed: false,
            detail: reason.clone(),
        });
    }
    if json {
        let (v, st) = match &outcome {
            Ok((v, st)) => (Some(v), st.as_ref().map(VerifiedStatement::statement)),
            Err(_) => (None, None),
        };
        let report = KeylessReport {
            verified: outcome.is_ok(),
            kind: "sigstore-bundle",
            media_type: &bundle.media_type,
            checks: &checks,
            error: match &outcome {
                Ok(_) => None,
                Err(Failure::Transparency(e)) => Some(e.to_string()),
                Err(Failure::Statement(e)) => Some(e.to_string()),
                Err(Failure::Constraint(r)) => Some(r.clone()),
            },
            signer: v.map(|v| &v.signer),
            timestamps: v.map(|v| v.timestamps.as_slice()),
            artifact_digest: v.and_then(|v| match &v.content {
                VerifiedContent::Artifact { digest } => Some(digest.to_string()),
                _ => None,
            }),
            payload_type: v.and_then(|v| match &v.content {
                VerifiedContent::Dsse(e) => Some(e.payload_type().to_owned()),
                _ => None,
            }),
            predicate_type: st.map(|s| s.predicate_type().to_owned()),
            subjects: st.map(|s| s.subjects().to_vec()).unwrap_or_default(),
        };
        let mut out = stella_core::canonical::to_canonical_vec(&report)
            .map_err(|e| CliError::library(name.to_owned(), e))?;
        out.push(b'\n');
        write_output(None, &out)?;
    }
    match outcome {
        Ok((v, statement)) => {
            if !json {
                print_keyless(name, &v, statement.as_ref())?;
            }
            Ok(Outcome::Ok)
        }
        Err(Failure::Transparency(
            e @ (TransparencyError::MissingIdentityPolicy
            | TransparencyError::WrongVerificationMaterial { .. }
            | TransparencyError::NotSupported { .. }),
        )) => Err(CliError::library(name.to_owned(), e)),
        Err(Failure::Transparency(e)) => {
            eprintln!("stella: verification failed: {name}: {e}");
            Ok(Outcome::Deny)
        }
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

fn print_keyless(
    name: &str,
    v: &Verification,
    statement: Option<&VerifiedStatement>,
) -> Result<(), CliError> {
    let mut text = format!("Verified OK: {name}\n");
    if let VerifiedSigner::Certificate { identity, .. } = &v.signer {
        text.push_str(&format!("identity:       {}\n", identity.san));
        text.push_str(&format!("issuer:         {}\n", identity.issuer));
    }
    match &v.content {
        VerifiedContent::Artifact { digest } => {
            text.push_str(&format!("artifact:       {digest}\n"));
        }
        VerifiedContent::Dsse(e) => {
            text.push_str(&format!("payload type:   {}\n", e.payload_type()));
        }
        _ => {}
    }
    if let Some(st) = statement.map(VerifiedStatement::statement) {
        text.push_str(&format!("predicate type: {}\n", st.predicate_type()));
    }
    for t in &v.timestamps {
        let at = stella_core::Timestamp::from_unix_seconds(t.unix_seconds)
            .map(|t| t.to_string())
            .unwrap_or_else(|_| t.unix_seconds.to_string());
        text.push_str(&format!("signed at:      {at} ({:?})\n", t.source));
    }
    write_output(None, text.as_bytes())
}

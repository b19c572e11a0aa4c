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
//! Exit codes: 0 verified, 1 did not verify (reason on stderr), 2 unusable input.

use std::path::PathBuf;

use serde::Serialize;
use stella_attest::keys::PublicKey;
use stella_attest::transparency::TransparencyError;
use stella_attest::transparency::bundle::{Bundle, TrustRoot, VerifiedBundle, VerifiedContent};
use stella_attest::transparency::rekor::RekorLogKey;

use super::key::read_public_key;
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
    /// Sigstore bundles with a message signature: the signed artifact.
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

fn summarize(bundle: &Bundle, key: &PublicKey, v: &VerifiedBundle) -> Summary {
    let (artifact_digest, payload_type) = match &v.content {
        VerifiedContent::Artifact { digest } => (Some(digest.to_string()), None),
        VerifiedContent::Dsse { payload_type, .. } => (None, Some(payload_type.clone())),
        _ => (None, None),
    };
    Summary {
        verified: true,
        kind: "sigstore-bundle",
        media_type: bundle.media_type.clone(),
        artifact_digest,
        payload_type,
        key_id: key.key_id().to_owned(),
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
    )
}

/// Verifies the bundle in `bytes` (read from `name`) with the keys and options of
/// `stella verify`.
pub fn run(
    keys: &[KeyRef],
    opts: &BundleArgs,
    json: bool,
    name: &str,
    bytes: &[u8],
) -> Result<Outcome, CliError> {
    let bundle = Bundle::parse(bytes).map_err(|e| CliError::library(name.to_owned(), e))?;
    let mut logs: Vec<RekorLogKey> = Vec::new();
    for k in &opts.rekor_key {
        logs.push(RekorLogKey::from_public_key(&read_public_key(k)?));
    }
    if let Some(path) = &opts.trusted_root {
        let root = TrustRoot::from_trusted_root_json(&read_input(path)?)
            .map_err(|e| CliError::library(path.display().to_string(), e))?;
        logs.extend(root.logs().iter().cloned());
    }
    if logs.is_empty() {
        return Err(CliError::Usage {
            what: "--rekor-key / --trusted-root",
            value: String::new(),
            reason: "a Sigstore bundle needs at least one trusted Rekor log key".to_owned(),
        });
    }
    let trust = TrustRoot::new(logs);
    let artifact = match &opts.artifact {
        Some(path) => Some(read_input(path)?),
        None => None,
    };
    if bundle.message_signature.is_some() && artifact.is_none() {
        return Err(CliError::Usage {
            what: "--artifact",
            value: String::new(),
            reason: "this bundle signs an artifact; give the artifact file".to_owned(),
        });
    }
    let mut last_failure: Option<TransparencyError> = None;
    for k in keys {
        let key = read_public_key(k)?;
        match bundle.verify_with_key(&key, artifact.as_deref(), &trust) {
            Ok(v) => {
                let summary = summarize(&bundle, &key, &v);
                return print(name, &summary, json).map(|()| Outcome::Ok);
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
            Err(e) if is_verification_failure(&e) => {
                eprintln!("stella: verification failed: {name}: {e}");
                return Ok(Outcome::Deny);
            }
            Err(e) => return Err(CliError::library(name.to_owned(), e)),
        }
    }
    match last_failure {
        Some(e) => {
            eprintln!("stella: verification failed: {name}: {e}");
            Ok(Outcome::Deny)
        }
        None => Err(CliError::Usage {
            what: "--key",
            value: String::new(),
            reason: "no key given".to_owned(),
        }),
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

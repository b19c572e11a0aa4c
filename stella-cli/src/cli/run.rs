//! `stella run [IMAGE | --demo] [--store DIR] [--deterministic]`: the whole golden path.
//!
//! image → SBOM (CycloneDX 1.6, SPDX 3.0.1) → in-toto statement → DSSE → transparency-log
//! receipt → scan (findings, SARIF) → VEX → gate → signed decision record, every artifact kept
//! in the store directory under its digest (`blobs/sha256/<hex>`, write-once, verified on
//! read), every step appended to the store's hash-chained audit log (`audit/audit.log`), and
//! every envelope appended to the store's transparency log (`tlog/`, a [`FileLog`] signed by
//! the run's key: a store keeps one key and one origin). A rerun into the same store appends
//! new leaves, so its receipts (and the report's digests of them) differ from the first run's;
//! two deterministic runs into fresh stores are byte-identical.
//!
//! With no IMAGE (or `--demo`) it runs the embedded demo ([`stella_demo`]): an image, an OSV
//! snapshot and a vendor VEX built in code, the built-in policy, the demo's VEX policy, and the
//! public demo key — offline, nothing read from outside the binary. `--deterministic` fixes the
//! clock (at the demo time, or `--time`), so a rerun gives the same digests.
//!
//! Over an image, the VEX policy is `--vex-policy`, else [`stella::vex::default_vex_policy`]:
//! no rules, so only VEX from issuers the trust flags name changes a finding's status.
//!
//! Exit codes: 0 the gate allows, 1 it denies, 2 an error.

use std::path::PathBuf;
use std::sync::Arc;

use stella_attest::keys::{LocalSigner, SystemRandom};
use stella_core::{Clock, FixedClock, Signer, Timestamp};
use stella_policy::{BuiltinOptions, GateOptions, builtin_bundle};

use super::vex::{TrustArgs, keyring, policy as trust_policy, read_sources};
use super::{CliError, KeyRef, Outcome, read_input, write_output};
use stella::pipeline::{Pipeline, RunInputs, RunReport};
use stella::store::{AuditLog, DEFAULT_LOG_ORIGIN, FileLog, FsBlobStore, Store, SystemClock};
use stella_demo::{DEMO_TIME, Demo};

/// Arguments of `stella run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The image (as for `stella sbom`); none, or `--demo`, runs the embedded demo.
    pub image: Option<String>,
    /// Run the embedded demo image, DB, VEX and policy.
    #[arg(long, conflicts_with = "image")]
    pub demo: bool,
    /// The store directory (created if missing), or `oci://HOST/REPO`: the registry as the
    /// store. Then IMAGE is `registry:…`, the run writes into a temporary directory store (its
    /// transparency and audit logs) and attaches every artifact to the image digest in
    /// HOST/REPO (the image is copied there by digest first when it lives elsewhere), where
    /// `stella artifacts list` and `stella verify registry:…` find them.
    #[arg(long, default_value = ".stella")]
    pub store: PathBuf,
    /// Fix the clock (at the demo time, or `--time`) so reruns give the same digests.
    #[arg(long)]
    pub deterministic: bool,
    /// The fixed time of a deterministic run (RFC 3339).
    #[arg(long, requires = "deterministic")]
    pub time: Option<String>,
    /// The vulnerability DB snapshot (required with IMAGE).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// The signing key (file or `env://VAR`); default with `--demo`: the public demo key.
    #[arg(long)]
    pub key: Option<KeyRef>,
    /// A policy bundle directory (default: the built-in policy).
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// VEX documents, signed VEX envelopes or waivers to apply; repeatable.
    #[arg(long = "vex")]
    pub vex: Vec<PathBuf>,
    /// Count unsigned VEX from `--vex` (default: only VEX signed by a `--vex-key`).
    #[arg(long)]
    pub allow_unsigned: bool,
    /// A VEX trust policy (YAML): issuers by key id or identity, product scopes, precedence.
    #[arg(long)]
    pub trust: Option<PathBuf>,
    /// A public key (file or `env://VAR`) that verifies signed VEX and waivers; repeatable.
    #[arg(long = "vex-key")]
    pub vex_key: Vec<KeyRef>,
    /// A VEX policy (YAML) turning findings into statements (default: none, so only trusted
    /// VEX changes a finding's status; the demo's marks unreachable packages `not_affected`).
    #[arg(long = "vex-policy")]
    pub vex_policy: Option<PathBuf>,
    /// Platform to pick from a multi-platform image (os/arch[/variant]).
    #[arg(long)]
    pub platform: Option<String>,
    /// The origin line of the store's transparency log (`STORE/tlog`); fixed when the log is
    /// created, and the log's signing key is the run's key.
    #[arg(long, default_value = DEFAULT_LOG_ORIGIN)]
    pub log_origin: String,
    /// Who runs it (recorded in the decision and the audit log).
    #[arg(long, default_value = "stella run")]
    pub actor: String,
    /// Print the run report as canonical JSON instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// Print nothing (the exit code says allow / deny / error).
    #[arg(long, short)]
    pub quiet: bool,
}

fn usage(what: &'static str, value: impl Into<String>, reason: impl Into<String>) -> CliError {
    CliError::Usage {
        what,
        value: value.into(),
        reason: reason.into(),
    }
}

/// Runs `stella run`.
pub fn run(mut args: Args) -> Result<Outcome, CliError> {
    if let Some(dest) = args
        .store
        .to_str()
        .and_then(|s| s.strip_prefix("oci://"))
        .map(str::to_owned)
    {
        let image = args.image.clone().unwrap_or_default();
        if args.demo || !image.starts_with("registry:") {
            return Err(usage(
                "--store",
                format!("oci://{dest}"),
                "the registry as the store needs IMAGE as registry:HOST/REPO[:TAG|@sha256:…]",
            ));
        }
        let local = std::env::temp_dir().join(format!(
            "stella-run-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        args.store = local.clone();
        let quiet = args.quiet;
        args.quiet = true;
        let json = std::mem::take(&mut args.json);
        let result = run_into_registry(args, &image, &dest, quiet, json);
        let _ = std::fs::remove_dir_all(&local);
        return result;
    }
    let (report, store, audit, log) = execute(&args)?;
    if args.json {
        let mut bytes = report
            .to_canonical_json()
            .map_err(|e| CliError::library("run report", e))?;
        bytes.push(b'\n');
        write_output(None, &bytes)?;
    } else if !args.quiet {
        write_output(None, summary(&report, &store, &audit, &log).as_bytes())?;
    }
    Ok(if report.gate.allow {
        Outcome::Ok
    } else {
        Outcome::Deny
    })
}

/// The run itself (into the directory store `args.store`): the report and the opened store.
fn execute(args: &Args) -> Result<(RunReport, FsBlobStore, AuditLog, FileLog), CliError> {
    let clock: Box<dyn Clock> = if args.deterministic {
        let text = args.time.as_deref().unwrap_or(DEMO_TIME);
        Box::new(FixedClock::new(
            Timestamp::parse_rfc3339(text).map_err(|e| usage("--time", text, e.to_string()))?,
        ))
    } else {
        Box::new(SystemClock)
    };
    let demo = args.image.is_none() || args.demo;
    let signer: Arc<dyn Signer> = match (&args.key, demo) {
        (Some(key), _) => Arc::new(
            LocalSigner::new(super::key::read_private_key(key)?, SystemRandom::new())
                .map_err(|e| CliError::library("signing key", e))?,
        ),
        (None, true) => Arc::new(
            stella_demo::demo_key()
                .and_then(|k| LocalSigner::new(k, SystemRandom::new()))
                .map_err(|e| CliError::library("demo key", e))?,
        ),
        (None, false) => {
            return Err(usage(
                "--key",
                "",
                "a run over an image signs its attestations and decision: give --key FILE|env://VAR",
            ));
        }
    };
    let store_name = args.store.display().to_string();
    let Store {
        blobs: store,
        log,
        mut audit,
    } = Store::open(&args.store, &args.log_origin, signer.clone())
        .map_err(|e| CliError::library(&store_name, e))?;
    let pipeline = Pipeline {
        store: &store,
        log: &log,
        clock: clock.as_ref(),
        signer: signer.as_ref(),
    };

    let report = if demo {
        let built = Demo::build().map_err(|e| CliError::library("demo", e))?;
        let inputs = built
            .run_inputs()
            .map_err(|e| CliError::library("demo", e))?;
        pipeline
            .run(inputs, &mut audit)
            .map_err(|e| CliError::library("demo", e))?
    } else {
        run_image(args, &pipeline, &mut audit, clock.now())?
    };

    Ok((report, store, audit, log))
}

/// `--store oci://DEST`: the run into the temporary directory store `args.store`, then every
/// artifact attached to the image digest in DEST.
fn run_into_registry(
    args: Args,
    image: &str,
    dest: &str,
    quiet: bool,
    json: bool,
) -> Result<Outcome, CliError> {
    use stella::pipeline::ArtifactKind as Kind;
    use stella_core::BlobStore as _;
    use stella_core::oci_artifact::ArtifactKind as Oci;
    let store_dir = args.store.clone();
    let target = super::artifacts::open_target(image)?;
    let dest_ref = stella::image::registry::RegistryRef::parse(dest)
        .map_err(|e| CliError::library(dest, e))?;
    let options = stella::image::registry::RegistryOptions::from_env()
        .map_err(|e| CliError::library(dest, e))?;
    let dest_repo = stella::oci::OciRepository::open(&dest_ref, options)
        .map_err(|e| CliError::library(dest, e))?;
    if dest_ref.registry != target.reference.registry
        || dest_ref.repository != target.reference.repository
    {
        let mut sink = stella::oci_mirror::RegistrySink {
            repo: dest_repo.clone(),
        };
        stella::oci_mirror::mirror_image(&target.repo, &target.reference, &mut sink)
            .map_err(|e| CliError::library(dest, e))?;
    }
    let (report, blobs, _audit, _log) = execute(&args)?;
    let mut lines = Vec::new();
    for a in &report.artifacts {
        let bytes = blobs
            .get(&a.digest)
            .map_err(|e| CliError::library(store_dir.display().to_string(), e))?;
        let (artifact_type, layer) = match a.kind {
            Kind::SbomCyclonedx => (
                Oci::CycloneDx.artifact_type(),
                Oci::CycloneDx.layer_media_type(),
            ),
            Kind::SbomSpdx => (Oci::Spdx.artifact_type(), Oci::Spdx.layer_media_type()),
            Kind::Sarif => (Oci::Sarif.artifact_type(), Oci::Sarif.layer_media_type()),
            Kind::Openvex => (
                Oci::OpenVex.artifact_type(),
                Oci::OpenVex.layer_media_type(),
            ),
            Kind::DecisionRecord => (
                Oci::DecisionRecord.artifact_type(),
                Oci::DecisionRecord.layer_media_type(),
            ),
            Kind::SbomCyclonedxAttestation
            | Kind::SbomSpdxAttestation
            | Kind::ScanAttestation
            | Kind::GeneratedVexAttestation
            | Kind::DecisionAttestation => (
                Oci::InTotoDsse.artifact_type(),
                Oci::InTotoDsse.layer_media_type(),
            ),
            Kind::Findings => (
                "application/vnd.stella-ops.findings.v1+json",
                "application/vnd.stella-ops.findings.v1+json",
            ),
            Kind::GateInput => (
                "application/vnd.stella-ops.gate-input.v1+json",
                "application/vnd.stella-ops.gate-input.v1+json",
            ),
            Kind::SbomCyclonedxReceipt
            | Kind::SbomSpdxReceipt
            | Kind::ScanReceipt
            | Kind::DecisionReceipt => (
                "application/vnd.stella-ops.log-receipt.v1+json",
                "application/vnd.stella-ops.log-receipt.v1+json",
            ),
        };
        let mut annotations = std::collections::BTreeMap::new();
        annotations.insert(
            "dev.stella-ops.artifact.kind".to_owned(),
            a.kind.to_string(),
        );
        let attached = dest_repo
            .attach_typed(&target.subject, artifact_type, layer, &bytes, annotations)
            .map_err(|e| CliError::library(dest, e))?;
        lines.push(format!(
            "attached {:<28} {} ({})\n",
            a.kind.to_string(),
            attached.digest,
            attached.discovery.name()
        ));
    }
    if json {
        let mut bytes = report
            .to_canonical_json()
            .map_err(|e| CliError::library("run report", e))?;
        bytes.push(b'\n');
        write_output(None, &bytes)?;
    } else if !quiet {
        let mut text = format!(
            "image     {}@{}\ngate      {}\nstore     oci://{dest}\n",
            target.shown,
            report.image_digest,
            if report.gate.allow { "allow" } else { "deny" }
        );
        text.push_str(&lines.concat());
        write_output(None, text.as_bytes())?;
    }
    Ok(if report.gate.allow {
        Outcome::Ok
    } else {
        Outcome::Deny
    })
}

fn run_image(
    args: &Args,
    pipeline: &Pipeline<'_>,
    audit: &mut AuditLog,
    now: Timestamp,
) -> Result<RunReport, CliError> {
    let image = args.image.clone().unwrap_or_default();
    let db = args
        .db
        .as_ref()
        .ok_or_else(|| usage("--db", "", "a run over an image needs --db SNAPSHOT"))?;
    let snapshot = super::scan::load_snapshot(db)?;
    let platform = super::parse_platform(args.platform.as_deref())?;
    let bundle = match &args.policy {
        Some(dir) => super::gate::load_bundle(dir, None)?,
        None => builtin_bundle(BuiltinOptions::default())
            .map_err(|e| CliError::library("built-in policy bundle", e))?,
    };
    let trust_args = TrustArgs {
        allow_unsigned: args.allow_unsigned,
        trust: args.trust.clone(),
        key: args.vex_key.clone(),
    };
    let ring = keyring(&trust_args.key)?;
    let trust = trust_policy(&trust_args, ring.as_ref())?;
    let vex = read_sources(&args.vex, ring.as_ref(), &trust, now)?;
    let vex_policy = match &args.vex_policy {
        Some(path) => {
            let text = String::from_utf8(read_input(path)?)
                .map_err(|e| usage("--vex-policy", path.display().to_string(), e.to_string()))?;
            stella_vex::VexPolicy::from_yaml(&text)
                .map_err(|e| CliError::library(path.display().to_string(), e))?
        }
        None => stella::vex::default_vex_policy(),
    };
    let arg = super::open_image_arg(&image)?;
    // The name signed into the SBOM: never a local path.
    let name = super::sbom::image_name(&arg, platform.as_ref(), None)?.0;
    pipeline
        .run(
            RunInputs {
                image: arg.opened,
                name,
                platform,
                snapshot: &snapshot,
                vex,
                trust,
                vex_policy,
                policy: &bundle,
                gate: GateOptions::default(),
                actor: args.actor.clone(),
            },
            audit,
        )
        .map_err(|e| CliError::library(arg.shown, e))
}

/// The summary `stella run` prints.
pub fn summary(report: &RunReport, store: &FsBlobStore, audit: &AuditLog, log: &FileLog) -> String {
    let s = &report.by_severity;
    let v = &report.by_vex_status;
    let mut out = format!(
        "image     {} @ {}\npackages  {}\nfindings  {} (critical {}, high {}, medium {}, low {}, unknown {})\nVEX       affected {}, fixed {}, not_affected {}\n          under_investigation {}\ngate      {} (policy {})\n",
        report.image_name,
        report.image_digest,
        report.packages,
        report.findings,
        s.critical,
        s.high,
        s.medium,
        s.low,
        s.unknown,
        v.affected,
        v.fixed,
        v.not_affected,
        v.under_investigation,
        if report.gate.allow { "ALLOW" } else { "DENY" },
        report.gate.policy_digest,
    );
    for r in &report.gate.violations {
        out.push_str(&format!("          violation: {r}\n"));
    }
    for r in &report.gate.warnings {
        out.push_str(&format!("          warning: {r}\n"));
    }
    out.push_str(&format!("store     {}\n", store.root().display()));
    for a in &report.artifacts {
        let kind = a.kind.to_string();
        out.push_str(&format!(
            "  {kind:<28} {}\n  {:<28} {}\n",
            a.digest,
            "",
            store.path_of(&a.digest).display()
        ));
    }
    out.push_str(&format!(
        "audit     {} ({} records, {} from this run)\n",
        audit.path().display(),
        audit.records().len(),
        report.audit.len()
    ));
    out.push_str(&format!(
        "log       {} (origin {}, {} entries)\n",
        log.path().display(),
        log.origin(),
        log.size().unwrap_or_default()
    ));
    out
}

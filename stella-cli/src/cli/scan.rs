//! `stella scan IMAGE|--sbom F [--lenient] --db SNAPSHOT [-o json|sarif|table] [--output-file F]
//! [--manifest M] [--explain ID]`.
//!
//! Scans an image (the same inputs as `stella sbom`) or an SBOM (CycloneDX 1.3–1.6 JSON or XML,
//! SPDX 2.3, SPDX 3.0.1) against a DB snapshot. An SBOM must validate against its format's
//! official schema unless `--lenient` is given. With `--manifest`, also writes the scan manifest that
//! `stella replay` checks: image digest, SBOM digest, scanner version, snapshot digest and
//! date, config hash and result digest.
//!
//! An image scan also runs the entry-trace (`stella_scan::entrytrace`): each finding gets its
//! reachability from the image's entrypoint and, when reachable, the chain (JSON `trace`, SARIF
//! `codeFlows`). `--explain ID` prints that chain for one finding (by id or alias) for a person.
//!
//! The DB as a pinned artifact:
//! - **Signature.** With DB keys configured (`--db-key K`, repeatable, or the `STELLA_DB_KEYS`
//!   environment variable: key files separated by `:`), the snapshot must carry a DSSE envelope
//!   (`--db-signature F`, default `<db>.dsse.json`) that one of them signed, about this file
//!   (`stella::db::sign`); an unsigned snapshot, a wrong key or a tampered file is refused
//!   before anything is scanned. Without keys the signature is not checked.
//! - **Rollback.** With `--store DIR`, the scan records the snapshot's date and digest in the
//!   store (`stella::store::DbPin`) and a later scan with an older snapshot is refused;
//!   `--allow-rollback` uses it anyway and appends a `db-rollback` record to the store's audit
//!   log.
//! - **Freshness.** `--max-db-age-days N` (or `STELLA_DB_MAX_AGE_DAYS`) warns on stderr when
//!   the snapshot is older than N days.

use std::path::{Path, PathBuf};

use clap::{Args as ClapArgs, ValueEnum};
use stella_core::Digest;
use stella_scan::sbom_input::{Validation, read_sbom_with};
use stella_vuln::manifest::{InputLocations, ScanConfig, ScanManifest};
use stella_vuln::matcher::Finding;
use stella_vuln::reachability::explain_finding;
use stella_vuln::report::OutputFormat;
use stella_vuln::snapshot::Snapshot;

use super::{CliError, KeyRef, Outcome, read_input, write_output};
use stella::scan::{ScanRequest, ScannedImage, catalog, findings_document};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The findings JSON document.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// A table for people.
    Table,
}

impl From<Format> for OutputFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::Json => OutputFormat::Json,
            Format::Sarif => OutputFormat::Sarif,
            Format::Table => OutputFormat::Table,
        }
    }
}

/// Arguments of `stella scan`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The image (as for `stella sbom`); give either it or --sbom.
    #[arg(required_unless_present = "sbom", conflicts_with = "sbom")]
    pub image: Option<String>,
    /// Scan this SBOM instead of an image.
    #[arg(long)]
    pub sbom: Option<PathBuf>,
    /// The DB snapshot (from `stella db build`).
    #[arg(long)]
    pub db: PathBuf,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    pub output: Format,
    /// Write the result to this file (atomically) instead of stdout.
    #[arg(long = "output-file")]
    pub output_file: Option<PathBuf>,
    /// Also write the scan manifest (for `stella replay`) to this file.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Platform to pick from a multi-platform image (os/arch[/variant]).
    #[arg(long)]
    pub platform: Option<String>,
    /// Print the entry-trace chain of the finding with this id (or alias) instead of the report.
    #[arg(long)]
    pub explain: Option<String>,
    /// Read an --sbom that breaks its format's official schema anyway (what can be read is
    /// read; the number of violations and skipped components is printed on stderr). Without
    /// it such an SBOM is refused, naming the failing JSON paths.
    #[arg(long, requires = "sbom")]
    pub lenient: bool,

    /// A public key trusted to sign DB snapshots (repeatable; also `STELLA_DB_KEYS`, key files
    /// separated by `:`). With any key configured, an unsigned or wrongly signed snapshot is
    /// refused.
    #[arg(long = "db-key")]
    pub db_keys: Vec<KeyRef>,
    /// The snapshot's DSSE envelope (default: `<db>.dsse.json`).
    #[arg(long = "db-signature")]
    pub db_signature: Option<PathBuf>,
    /// A store directory: the snapshot's date and digest are recorded there, and a later scan
    /// with an older snapshot is refused.
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// Scan with a snapshot older than the store's record (appends an audit record).
    #[arg(long = "allow-rollback", requires = "store")]
    pub allow_rollback: bool,
    /// Who runs the scan (the audit record of --allow-rollback names it).
    #[arg(long, default_value = "stella-cli")]
    pub actor: String,
    /// Warn when the snapshot is older than this many days (also `STELLA_DB_MAX_AGE_DAYS`).
    #[arg(long = "max-db-age-days")]
    pub max_db_age_days: Option<u64>,
}

/// The DB keys of `--db-key` and `STELLA_DB_KEYS`.
fn db_keys(flags: &[KeyRef]) -> Vec<KeyRef> {
    let mut keys = flags.to_vec();
    if let Ok(env) = std::env::var("STELLA_DB_KEYS") {
        keys.extend(env.split(':').filter(|s| !s.is_empty()).map(KeyRef::parse));
    }
    keys
}

/// Checks the snapshot's signature (when keys are configured), its freshness and the store's
/// rollback record, before anything is scanned.
fn check_db(args: &Args, snapshot: &Snapshot) -> Result<(), CliError> {
    let shown = args.db.display().to_string();
    let keys = db_keys(&args.db_keys);
    if !keys.is_empty() {
        let mut keyring = stella_attest::dsse::Keyring::new();
        for k in &keys {
            keyring
                .add(super::key::read_public_key(k)?)
                .map_err(|e| CliError::library("--db-key", e))?;
        }
        let env_path = args
            .db_signature
            .clone()
            .unwrap_or_else(|| stella::db::sign::envelope_path(&args.db));
        let envelope = match std::fs::metadata(&env_path) {
            Ok(_) => read_input(&env_path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(CliError::library(
                    &shown,
                    stella::db::sign::DbTrustError::Unsigned {
                        path: env_path.display().to_string(),
                    },
                ));
            }
            Err(source) => {
                return Err(CliError::Io {
                    path: env_path.display().to_string(),
                    source,
                });
            }
        };
        stella::db::sign::verify_snapshot(snapshot, &envelope, &keyring)
            .map_err(|e| CliError::library(&shown, e))?;
    }
    let now = stella_core::Clock::now(&stella::store::SystemClock);
    let max_age = match args.max_db_age_days {
        Some(d) => Some(d),
        None => match std::env::var("STELLA_DB_MAX_AGE_DAYS") {
            Ok(v) => Some(v.parse::<u64>().map_err(|e| CliError::Usage {
                what: "STELLA_DB_MAX_AGE_DAYS",
                value: v.clone(),
                reason: e.to_string(),
            })?),
            Err(_) => None,
        },
    };
    if let Some(max) = max_age {
        let f = stella::db::freshness::Freshness::of(&snapshot.info().date, &now, max)
            .map_err(|e| CliError::library(&shown, e))?;
        if let Some(w) = f.warning() {
            eprintln!("stella: warning: {w}");
        }
    }
    if let Some(store) = &args.store {
        let date = stella_core::Timestamp::parse_rfc3339(&snapshot.info().date)
            .map_err(|e| CliError::library(&shown, e))?;
        let pin = stella::store::DbPin::open(store)
            .map_err(|e| CliError::library(store.display().to_string(), e))?;
        let allow = args.allow_rollback.then_some((args.actor.as_str(), now));
        let outcome = pin
            .check_and_record(&date, snapshot.digest(), allow)
            .map_err(|e| CliError::library(&shown, e))?;
        if outcome == stella::store::PinOutcome::RollbackAllowed {
            eprintln!(
                "stella: warning: DB rollback allowed (--allow-rollback): {shown} is older than the snapshot the store recorded; audited in {}",
                store.join("audit/audit.log").display()
            );
        }
    }
    Ok(())
}

/// What one scan produced.
pub(crate) struct Executed {
    pub result: Vec<u8>,
    pub image_digest: Option<Digest>,
    pub sbom_digest: Option<Digest>,
    /// The findings (for `--explain`).
    pub findings: Vec<Finding>,
}

fn packages_of_image(image: &str, platform: Option<&str>) -> Result<ScannedImage, CliError> {
    let platform = super::parse_platform(platform)?;
    let arg = super::open_image_arg(image)?;
    catalog(&arg.opened, &ScanRequest::traced(image, platform))
        .and_then(|c| c.into_scanned())
        .map_err(|e| CliError::library(arg.shown, e))
}

/// Runs one scan and renders the result (shared with `stella replay`); an SBOM is read strictly.
pub(crate) fn execute(
    image: Option<&str>,
    sbom: Option<&Path>,
    snapshot: &Snapshot,
    format: OutputFormat,
    platform: Option<&str>,
) -> Result<Executed, CliError> {
    execute_with(image, sbom, snapshot, format, platform, Validation::Strict)
}

/// [`execute`] with the SBOM validation to apply.
fn execute_with(
    image: Option<&str>,
    sbom: Option<&Path>,
    snapshot: &Snapshot,
    format: OutputFormat,
    platform: Option<&str>,
    validation: Validation,
) -> Result<Executed, CliError> {
    let (name, scanned, sbom_digest) = match (image, sbom) {
        (Some(image), None) => (image.to_owned(), packages_of_image(image, platform)?, None),
        (None, Some(path)) => {
            let bytes = read_input(path)?;
            let input = read_sbom_with(&bytes, validation)
                .map_err(|e| CliError::library(path.display().to_string(), e))?;
            if validation == Validation::Lenient
                && !(input.warnings.is_empty() && input.skipped.is_empty())
            {
                eprintln!(
                    "stella: --lenient: {}: read past {} schema violation(s) or unread element(s); skipped {} component(s)",
                    path.display(),
                    input.warnings.len(),
                    input.skipped.len()
                );
                for w in input.warnings.iter().take(20) {
                    eprintln!("  {w}");
                }
            }
            let scanned = ScannedImage::from(input);
            (
                path.display().to_string(),
                scanned,
                Some(Digest::of(&bytes)),
            )
        }
        _ => {
            return Err(CliError::Usage {
                what: "IMAGE/--sbom",
                value: String::new(),
                reason: "give exactly one of IMAGE or --sbom".to_owned(),
            });
        }
    };
    let image_digest = scanned.image_digest;
    let doc = findings_document(&name, scanned, sbom_digest, snapshot)
        .map_err(|e| CliError::library(&name, e))?;
    let result = doc
        .render(format)
        .map_err(|e| CliError::library(&name, e))?;
    Ok(Executed {
        result,
        image_digest,
        sbom_digest,
        findings: doc.findings,
    })
}

/// Loads a snapshot file.
pub(crate) fn load_snapshot(path: &Path) -> Result<Snapshot, CliError> {
    let bytes = read_input(path)?;
    Snapshot::load(bytes).map_err(|e| CliError::library(path.display().to_string(), e))
}

/// Runs `stella scan`.
pub fn run(args: Args) -> Result<Outcome, CliError> {
    let snapshot = load_snapshot(&args.db)?;
    check_db(&args, &snapshot)?;
    let format: OutputFormat = args.output.into();
    let validation = if args.lenient {
        Validation::Lenient
    } else {
        Validation::Strict
    };
    let done = execute_with(
        args.image.as_deref(),
        args.sbom.as_deref(),
        &snapshot,
        format,
        args.platform.as_deref(),
        validation,
    )?;
    match &args.explain {
        Some(id) => {
            let text: String = done
                .findings
                .iter()
                .filter(|f| f.id == *id || f.ids.iter().any(|a| a == id))
                .map(explain_finding)
                .collect();
            if text.is_empty() {
                return Err(CliError::Usage {
                    what: "--explain",
                    value: id.clone(),
                    reason: "no finding has this id or alias".to_owned(),
                });
            }
            write_output(args.output_file.as_deref(), text.as_bytes())?;
        }
        None => write_output(args.output_file.as_deref(), &done.result)?,
    }
    if let Some(path) = &args.manifest {
        let manifest = ScanManifest::new(
            done.image_digest,
            done.sbom_digest,
            snapshot.digest(),
            snapshot.info().date.clone(),
            &ScanConfig { format },
            &done.result,
            InputLocations {
                image: args.image.clone(),
                sbom: args.sbom.as_ref().map(|p| p.display().to_string()),
                db: Some(args.db.display().to_string()),
                result: args.output_file.as_ref().map(|p| p.display().to_string()),
            },
        )
        .map_err(|e| CliError::library(path.display().to_string(), e))?;
        let bytes = manifest
            .to_json()
            .map_err(|e| CliError::library(path.display().to_string(), e))?;
        write_output(Some(path), &bytes)?;
    }
    Ok(Outcome::Ok)
}

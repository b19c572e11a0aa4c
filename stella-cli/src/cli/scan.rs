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

use std::path::{Path, PathBuf};

use clap::{Args as ClapArgs, ValueEnum};
use stella_core::Digest;
use stella_scan::sbom_input::{Validation, read_sbom_with};
use stella_vuln::manifest::{InputLocations, ScanConfig, ScanManifest};
use stella_vuln::matcher::Finding;
use stella_vuln::reachability::explain_finding;
use stella_vuln::report::OutputFormat;
use stella_vuln::snapshot::Snapshot;

use super::{CliError, Outcome, read_input, write_output};
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

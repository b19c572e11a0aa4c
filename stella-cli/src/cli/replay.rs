//! `stella replay MANIFEST [--db SNAPSHOT] [--image IMAGE] [--sbom F] [--result F]`.
//!
//! Reruns the scan a manifest pins and proves the result bytes identical (exit 0), or reports
//! the first difference (exit 1). Inputs default to the locations the manifest recorded. A
//! snapshot whose digest is not the pinned one is refused (exit 2), and so is an image or SBOM
//! whose digest differs from the pin.

use std::path::{Path, PathBuf};

use clap::Args as ClapArgs;
use stella_core::Digest;
use stella_vuln::manifest::{ScanManifest, first_difference};
use stella_vuln::report::SCANNER_VERSION;

use super::scan::{execute, load_snapshot};
use super::{CliError, Outcome, read_input, write_output};

/// Arguments of `stella replay`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The scan manifest (from `stella scan --manifest`).
    pub manifest: PathBuf,
    /// The DB snapshot (default: the path the manifest recorded).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// The image (default: the one the manifest recorded).
    #[arg(long, conflicts_with = "sbom")]
    pub image: Option<String>,
    /// The SBOM (default: the one the manifest recorded).
    #[arg(long)]
    pub sbom: Option<PathBuf>,
    /// The original result, to locate a difference (default: the recorded output file).
    #[arg(long)]
    pub result: Option<PathBuf>,
}

fn pin_mismatch(what: &'static str, pinned: Option<Digest>, actual: Option<Digest>) -> CliError {
    CliError::Usage {
        what,
        value: actual
            .map(|d| d.to_string())
            .unwrap_or_else(|| "none".into()),
        reason: format!(
            "the manifest pins {}",
            pinned
                .map(|d| d.to_string())
                .unwrap_or_else(|| "none".into())
        ),
    }
}

/// Runs `stella replay`.
pub fn run(args: Args) -> Result<Outcome, CliError> {
    let manifest_input = args.manifest.display().to_string();
    let manifest = ScanManifest::parse(&read_input(&args.manifest)?)
        .map_err(|e| CliError::library(&manifest_input, e))?;
    let db = args
        .db
        .clone()
        .or_else(|| manifest.inputs.db.as_ref().map(PathBuf::from))
        .ok_or_else(|| CliError::Usage {
            what: "--db",
            value: String::new(),
            reason: "the manifest records no snapshot path; give --db".to_owned(),
        })?;
    let snapshot = load_snapshot(&db)?;
    manifest
        .check_snapshot(&snapshot)
        .map_err(|e| CliError::library(db.display().to_string(), e))?;
    if manifest.scanner_version != SCANNER_VERSION {
        eprintln!(
            "stella: note: the manifest was written by scanner {} and this is {SCANNER_VERSION}",
            manifest.scanner_version
        );
    }
    let (image, sbom) = match (&args.image, &args.sbom) {
        (Some(i), _) => (Some(i.clone()), None),
        (None, Some(s)) => (None, Some(s.clone())),
        (None, None) => (
            manifest.inputs.image.clone(),
            manifest.inputs.sbom.as_ref().map(PathBuf::from),
        ),
    };
    let done = execute(
        image.as_deref(),
        sbom.as_deref(),
        &snapshot,
        manifest.config.format,
        None,
    )?;
    if done.sbom_digest != manifest.sbom_digest {
        return Err(pin_mismatch("SBOM", manifest.sbom_digest, done.sbom_digest));
    }
    if done.image_digest != manifest.image_digest {
        return Err(pin_mismatch(
            "image",
            manifest.image_digest,
            done.image_digest,
        ));
    }
    let digest = Digest::of(&done.result);
    if manifest.verify_result(&done.result).is_ok() {
        write_output(None, format!("identical: result {digest}\n").as_bytes())?;
        return Ok(Outcome::Ok);
    }
    let mut text = format!(
        "different: the manifest pins result {} and the replay gave {digest}\n",
        manifest.result_digest
    );
    let original = args
        .result
        .clone()
        .or_else(|| manifest.inputs.result.as_ref().map(PathBuf::from));
    match original.as_deref().map(read_original) {
        Some(Ok(bytes)) if Digest::of(&bytes) == manifest.result_digest => {
            if let Some(d) = first_difference(&bytes, &done.result) {
                text.push_str(&format!(
                    "first difference at byte {} (line {}):\n  pinned: {:?}\n  replay: {:?}\n",
                    d.offset, d.line, d.expected, d.actual
                ));
            }
        }
        Some(Ok(_)) => text.push_str("the original result file no longer matches the pin\n"),
        Some(Err(e)) => text.push_str(&format!("the original result is unreadable: {e}\n")),
        None => text.push_str("no original result file to locate the difference (--result)\n"),
    }
    write_output(None, text.as_bytes())?;
    Ok(Outcome::Deny)
}

fn read_original(path: &Path) -> Result<Vec<u8>, CliError> {
    read_input(path)
}

//! `stella db build SOURCE… [--nvd PATH]… --output SNAPSHOT [--date RFC3339] [--lenient]` and
//! `stella db info SNAPSHOT`.
//!
//! The snapshot date is the caller's: `--date`, else the latest `modified` time of the imported
//! records (so the same sources give the same snapshot bytes); never the clock.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Subcommand};
use stella_core::Timestamp;
use stella_vuln::import::{ImportMode, Importer};
use stella_vuln::snapshot::Snapshot;

use super::{CliError, Outcome, read_input, write_output};
use stella::db::{import_nvd_source, import_source};

/// Arguments of `stella db`.
#[derive(Debug, ClapArgs)]
pub struct Args {
    /// The operation.
    #[command(subcommand)]
    pub command: DbCommand,
}

/// `stella db` operations.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Build a snapshot from OSV sources (directories, .zip, .tar[.gz], single documents).
    Build {
        /// The sources.
        #[arg(required = true)]
        sources: Vec<PathBuf>,
        /// The snapshot file to write (atomically).
        #[arg(long)]
        output: PathBuf,
        /// The snapshot date (RFC 3339); default: the latest `modified` of the records.
        #[arg(long)]
        date: Option<String>,
        /// Skip (and count) records that break the OSV schema instead of failing.
        #[arg(long)]
        lenient: bool,
        /// NVD CVE data as a severity source for CVE aliases: an NVD CVE API 2.0 response, a
        /// 2.0 feed file (`nvdcve-2.0-<year>.json[.gz]`), one CVE, or a directory of them
        /// (repeatable).
        #[arg(long = "nvd", value_name = "PATH")]
        nvd: Vec<PathBuf>,
    },
    /// Print a snapshot's header and digest as JSON.
    Info {
        /// The snapshot file.
        snapshot: PathBuf,
    },
}

/// Runs `stella db`.
pub fn run(args: Args) -> Result<Outcome, CliError> {
    match args.command {
        DbCommand::Build {
            sources,
            output,
            date,
            lenient,
            nvd,
        } => build(&sources, &nvd, &output, date.as_deref(), lenient),
        DbCommand::Info { snapshot } => info(&snapshot),
    }
}

fn build(
    sources: &[PathBuf],
    nvd: &[PathBuf],
    output: &std::path::Path,
    date: Option<&str>,
    lenient: bool,
) -> Result<Outcome, CliError> {
    let mut importer = Importer::new(if lenient {
        ImportMode::Lenient
    } else {
        ImportMode::Strict
    });
    for s in sources {
        import_source(&mut importer, s)
            .map_err(|e| CliError::library(s.display().to_string(), e))?;
    }
    for s in nvd {
        import_nvd_source(&mut importer, s)
            .map_err(|e| CliError::library(s.display().to_string(), e))?;
    }
    let date = match date {
        Some(d) => Timestamp::parse_rfc3339(d).map_err(|e| CliError::Usage {
            what: "--date",
            value: d.to_owned(),
            reason: e.to_string(),
        })?,
        None => importer
            .builder()
            .latest_modified()
            .and_then(|m| Timestamp::parse_rfc3339(&m).ok())
            .ok_or_else(|| CliError::Usage {
                what: "--date",
                value: String::new(),
                reason: "no records imported to take a date from; give --date".to_owned(),
            })?,
    };
    let bytes = importer
        .builder()
        .build(&date)
        .map_err(|e| CliError::library(output.display().to_string(), e))?;
    let snap = Snapshot::load(bytes.clone())
        .map_err(|e| CliError::library(output.display().to_string(), e))?;
    write_output(Some(output), &bytes)?;
    let stats = importer.stats();
    let summary = serde_json::json!({
        "snapshot": output.display().to_string(),
        "digest": snap.digest().to_string(),
        "date": snap.info().date,
        "records": snap.info().records,
        "rejected": stats.rejected.len(),
        "duplicates": stats.duplicates,
        "skipped_files": stats.skipped_files,
        "alias_keys": snap.info().alias_keys,
    });
    for (source, reason) in &stats.rejected {
        eprintln!("stella: rejected {source}: {reason}");
    }
    let mut text =
        serde_json::to_vec_pretty(&summary).map_err(|e| CliError::library("summary", e))?;
    text.push(b'\n');
    write_output(None, &text)?;
    Ok(Outcome::Ok)
}

fn info(path: &std::path::Path) -> Result<Outcome, CliError> {
    let bytes = read_input(path)?;
    let snap =
        Snapshot::load(bytes).map_err(|e| CliError::library(path.display().to_string(), e))?;
    let mut value = serde_json::to_value(snap.info())
        .map_err(|e| CliError::library(path.display().to_string(), e))?;
    if let Some(obj) = value.as_object_mut() {
        obj.insert(
            "digest".to_owned(),
            serde_json::Value::String(snap.digest().to_string()),
        );
        obj.insert(
            "keys".to_owned(),
            serde_json::Value::from(
                snap.keys()
                    .map_err(|e| CliError::library(path.display().to_string(), e))?
                    .len(),
            ),
        );
    }
    let mut text = serde_json::to_vec_pretty(&value).map_err(|e| CliError::library("info", e))?;
    text.push(b'\n');
    write_output(None, &text)?;
    Ok(Outcome::Ok)
}

//! `stella db build SOURCE… [--feed KIND=PATH…] [--nvd PATH…] --output SNAPSHOT [--date RFC3339] [--lenient]
//! [--sign-key KEY]`, `stella db update --source KIND=URL|DIR… --output SNAPSHOT …`,
//! `stella db sign SNAPSHOT --key KEY`, `stella db diff OLD NEW [-o json|text]` and
//! `stella db info SNAPSHOT`.
//!
//! The snapshot date is the caller's: `--date`, else the latest `modified` time of the imported
//! records (so the same sources give the same snapshot bytes); never the clock. Each source is
//! recorded in the snapshot header (feed, name, SHA-256, date, records; see
//! `stella::db::build`); a local source is named by its file or directory name, so the same
//! sources in two places give the same snapshot. With `--sign-key`, the DSSE envelope of the
//! snapshot (`stella::db::sign`) is written beside it as `<output>.dsse.json`.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Subcommand};
use stella_core::Timestamp;
use stella_vuln::import::ImportMode;
use stella_vuln::snapshot::Snapshot;

use super::{CliError, KeyRef, Outcome, read_input, write_output};
use stella::db::build::{Built, DbBuild};
use stella::db::update::{SourceSpec, UpdateOptions, update_source};
use stella_vuln::feeds::FeedKind;

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
        /// A source of another feed: KIND=PATH, KIND one of osv, ghsa, debian, alpine, csaf
        /// (repeatable).
        #[arg(long = "feed", value_name = "KIND=PATH")]
        feeds: Vec<String>,
        /// NVD CVE data as a severity source for CVE aliases: an NVD CVE API 2.0 response, a
        /// 2.0 feed file (`nvdcve-2.0-<year>.json[.gz]`), one CVE, or a directory of them
        /// (repeatable).
        #[arg(long = "nvd", value_name = "PATH")]
        nvd: Vec<PathBuf>,
        /// Sign the snapshot with this key (a file or `env://VAR`); the envelope is written to
        /// `<output>.dsse.json`.
        #[arg(long = "sign-key")]
        sign_key: Option<KeyRef>,
    },
    /// Build a snapshot from the feeds' published layouts, over HTTP(S) or from mirrors.
    Update {
        /// KIND=URL|DIR (repeatable): osv (all.zip), ghsa (tarball URL or clone), debian
        /// (tracker JSON), alpine (secdb file or tree), csaf (provider-metadata.json or a
        /// distribution directory).
        #[arg(long = "source", value_name = "KIND=URL|DIR", required = true)]
        sources: Vec<String>,
        /// Output, date, lenient mode and signing key, as for `build`.
        #[command(flatten)]
        out: UpdateOutput,
        /// Most documents read from one CSAF distribution.
        #[arg(long = "max-documents", default_value_t = 500_000)]
        max_documents: usize,
    },
    /// Sign an existing snapshot (writes `<snapshot>.dsse.json`, or --output).
    Sign {
        /// The snapshot file.
        snapshot: PathBuf,
        /// The private key: a file or `env://VAR`.
        #[arg(long)]
        key: KeyRef,
        /// Where to write the envelope.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Records added, removed, withdrawn and changed between two snapshots.
    Diff {
        /// The old snapshot.
        old: PathBuf,
        /// The new snapshot.
        new: PathBuf,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
        format: DiffFormat,
    },
    /// Print a snapshot's header and digest as JSON.
    Info {
        /// The snapshot file.
        snapshot: PathBuf,
    },
}

/// The snapshot options `stella db update` shares with `build`.
#[derive(Debug, ClapArgs)]
pub struct UpdateOutput {
    /// The snapshot file to write (atomically).
    #[arg(long)]
    output: PathBuf,
    /// The snapshot date (RFC 3339); default: the latest `modified` of the records.
    #[arg(long)]
    date: Option<String>,
    /// Skip (and count) OSV records that break the schema instead of failing.
    #[arg(long)]
    lenient: bool,
    /// Sign the snapshot with this key; the envelope is written to `<output>.dsse.json`.
    #[arg(long = "sign-key")]
    sign_key: Option<KeyRef>,
}

/// `stella db diff` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Canonical JSON.
    Json,
    /// Lines for people.
    Text,
}

/// Runs `stella db`.
pub fn run(args: Args) -> Result<Outcome, CliError> {
    match args.command {
        DbCommand::Build {
            sources,
            output,
            date,
            lenient,
            feeds,
            nvd,
            sign_key,
        } => build_feeds(
            &sources,
            &feeds,
            &nvd,
            &output,
            date.as_deref(),
            lenient,
            sign_key.as_ref(),
        ),
        DbCommand::Update {
            sources,
            out,
            max_documents,
        } => update(
            &sources,
            &out.output,
            out.date.as_deref(),
            out.lenient,
            out.sign_key.as_ref(),
            max_documents,
        ),
        DbCommand::Sign {
            snapshot,
            key,
            output,
        } => sign(&snapshot, &key, output.as_deref()),
        DbCommand::Diff { old, new, format } => diff(&old, &new, format),
        DbCommand::Info { snapshot } => info(&snapshot),
    }
}

fn mode(lenient: bool) -> ImportMode {
    if lenient {
        ImportMode::Lenient
    } else {
        ImportMode::Strict
    }
}

fn parse_date(date: Option<&str>) -> Result<Option<Timestamp>, CliError> {
    date.map(|d| {
        Timestamp::parse_rfc3339(d).map_err(|e| CliError::Usage {
            what: "--date",
            value: d.to_owned(),
            reason: e.to_string(),
        })
    })
    .transpose()
}

fn no_date(e: stella::db::DbImportError, output: &std::path::Path) -> CliError {
    match e {
        stella::db::DbImportError::NoDate => CliError::Usage {
            what: "--date",
            value: String::new(),
            reason: "no records imported to take a date from; give --date".to_owned(),
        },
        other => CliError::library(output.display().to_string(), other),
    }
}

/// `stella db build`: every source through [`DbBuild`], recorded in the header.
fn build_feeds(
    sources: &[PathBuf],
    feeds: &[String],
    nvd: &[PathBuf],
    output: &std::path::Path,
    date: Option<&str>,
    lenient: bool,
    sign_key: Option<&KeyRef>,
) -> Result<Outcome, CliError> {
    let mut b = DbBuild::new(mode(lenient), parse_date(date)?);
    for s in sources {
        b.add_path(FeedKind::Osv, s)
            .map_err(|e| CliError::library(s.display().to_string(), e))?;
    }
    for f in feeds {
        let (kind, path) = f.split_once('=').ok_or_else(|| CliError::Usage {
            what: "--feed",
            value: f.clone(),
            reason: "expected KIND=PATH".to_owned(),
        })?;
        let kind = FeedKind::from_name(kind).ok_or_else(|| CliError::Usage {
            what: "--feed",
            value: f.clone(),
            reason: "KIND is one of osv, ghsa, debian, alpine, csaf".to_owned(),
        })?;
        b.add_path(kind, std::path::Path::new(path))
            .map_err(|e| CliError::library(path.to_owned(), e))?;
    }
    for s in nvd {
        b.add_nvd_path(s)
            .map_err(|e| CliError::library(s.display().to_string(), e))?;
    }
    let built = b.finish().map_err(|e| no_date(e, output))?;
    finish_build(built, output, sign_key, serde_json::Value::Null)
}

/// Writes a built snapshot (and its envelope), prints the summary.
fn finish_build(
    built: Built,
    output: &std::path::Path,
    sign_key: Option<&KeyRef>,
    report: serde_json::Value,
) -> Result<Outcome, CliError> {
    let shown = output.display().to_string();
    let snap = Snapshot::load(built.snapshot.clone()).map_err(|e| CliError::library(&shown, e))?;
    let envelope = sign_key
        .map(|key| -> Result<Vec<u8>, CliError> {
            let signer = stella_attest::keys::LocalSigner::new(
                super::key::read_private_key(key)?,
                stella_attest::keys::SystemRandom::new(),
            )
            .map_err(|e| CliError::library("--sign-key", e))?;
            stella::db::sign::sign_snapshot(&snap, &signer)
                .map_err(|e| CliError::library(&shown, e))
        })
        .transpose()?;
    write_output(Some(output), &built.snapshot)?;
    let envelope_path = stella::db::sign::envelope_path(output);
    if let Some(env) = &envelope {
        write_output(Some(&envelope_path), env)?;
    }
    for (source, reason) in &built.osv.rejected {
        eprintln!("stella: rejected {source}: {reason}");
    }
    let mut summary = serde_json::json!({
        "snapshot": shown,
        "digest": snap.digest().to_string(),
        "date": snap.info().date,
        "records": snap.info().records,
        "rejected": built.osv.rejected.len(),
        "duplicates": built.osv.duplicates,
        "skipped_files": built.osv.skipped_files,
        "alias_keys": snap.info().alias_keys,
        "sources": snap.info().sources,
        "feeds": built.feeds,
    });
    if let Some(obj) = summary.as_object_mut() {
        if envelope.is_some() {
            obj.insert(
                "envelope".into(),
                serde_json::Value::String(envelope_path.display().to_string()),
            );
        }
        if !report.is_null() {
            obj.insert("update".into(), report);
        }
    }
    let mut text =
        serde_json::to_vec_pretty(&summary).map_err(|e| CliError::library("summary", e))?;
    text.push(b'\n');
    write_output(None, &text)?;
    Ok(Outcome::Ok)
}

fn update(
    sources: &[String],
    output: &std::path::Path,
    date: Option<&str>,
    lenient: bool,
    sign_key: Option<&KeyRef>,
    max_documents: usize,
) -> Result<Outcome, CliError> {
    let options = UpdateOptions {
        max_documents,
        ..UpdateOptions::default()
    };
    let mut b = DbBuild::new(mode(lenient), parse_date(date)?);
    let mut reports = Vec::new();
    for s in sources {
        let spec: SourceSpec = s.parse().map_err(|e| CliError::library("--source", e))?;
        let report =
            update_source(&mut b, &spec, &options).map_err(|e| CliError::library(s.clone(), e))?;
        if report.signatures_not_checked > 0 {
            eprintln!(
                "stella: {}: {} OpenPGP signatures published but not checked (digests were)",
                report.location, report.signatures_not_checked
            );
        }
        reports.push(report);
    }
    let built = b.finish().map_err(|e| no_date(e, output))?;
    let report = serde_json::to_value(&reports).map_err(|e| CliError::library("report", e))?;
    finish_build(built, output, sign_key, report)
}

fn sign(
    snapshot: &std::path::Path,
    key: &KeyRef,
    output: Option<&std::path::Path>,
) -> Result<Outcome, CliError> {
    let snap = super::scan::load_snapshot(snapshot)?;
    let signer = stella_attest::keys::LocalSigner::new(
        super::key::read_private_key(key)?,
        stella_attest::keys::SystemRandom::new(),
    )
    .map_err(|e| CliError::library("--key", e))?;
    let env = stella::db::sign::sign_snapshot(&snap, &signer)
        .map_err(|e| CliError::library(snapshot.display().to_string(), e))?;
    let path = output
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| stella::db::sign::envelope_path(snapshot));
    write_output(Some(&path), &env)?;
    Ok(Outcome::Ok)
}

fn diff(
    old: &std::path::Path,
    new: &std::path::Path,
    format: DiffFormat,
) -> Result<Outcome, CliError> {
    let a = super::scan::load_snapshot(old)?;
    let b = super::scan::load_snapshot(new)?;
    let d = stella::db::diff::diff(&a, &b)
        .map_err(|e| CliError::library(new.display().to_string(), e))?;
    let mut text = match format {
        DiffFormat::Json => d.to_json().map_err(|e| CliError::library("diff", e))?,
        DiffFormat::Text => d.to_text().into_bytes(),
    };
    if format == DiffFormat::Json {
        text.push(b'\n');
    }
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

//! `stella report [RUN-REPORT.json] [--store DIR] -o html|markdown [--base OLD]`: the page a
//! person reads after a run.
//!
//! Reads the run (the run report `stella run --json` printed, with the artifacts it lists from
//! the store; or, without a run report, the last complete run of the store's audit log) and
//! renders one self-contained HTML page (`-o html`, the default) or Markdown for a CI step
//! summary or a PR comment (`-o markdown`), with [`stella_report`]. `--base OLD` (a run report,
//! or a store directory whose last run is taken) adds what changed since that run: new findings,
//! fixed ones, status changes.
//!
//! The evidence chain's signatures and checkpoints are checked with `--key PUB` (the run's
//! public key; repeatable) or `--demo-key` (the public demo key of `stella run --demo`); without
//! one they show as not checked. "Now" for waiver expiry and the DB's age is `--now`, else the
//! decision time; the output has no generation time unless `--generated-at` is given, so the
//! same run gives the same bytes.
//!
//! Exit codes: 0 written, 2 an error.

use std::path::{Path, PathBuf};

use stella::run_record::load_run;
use stella_core::Timestamp;
use stella_report::{BuildOptions, Diff, RenderOptions, Report};

use super::key::read_public_key;
use super::{CliError, KeyRef, Outcome, write_output};

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One self-contained HTML page.
    Html,
    /// Markdown (GitHub-flavoured tables, no HTML).
    Markdown,
}

/// Arguments of `stella report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The run report (`stella run --json` output); default: the last run in the store's audit
    /// log (whose records do not name the log receipts).
    pub run_report: Option<PathBuf>,
    /// The store directory the run wrote.
    #[arg(long, default_value = ".stella")]
    pub store: PathBuf,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "html")]
    pub output: Format,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long = "output-file")]
    pub output_file: Option<PathBuf>,
    /// A base run to compare with: a run report file, or a store directory (its last run).
    #[arg(long)]
    pub base: Option<PathBuf>,
    /// The store of a `--base` run report (default: `--store`).
    #[arg(long = "base-store", requires = "base")]
    pub base_store: Option<PathBuf>,
    /// A public key (file or `env://VAR`) that signed the run's envelopes and log checkpoints;
    /// repeatable.
    #[arg(long = "key")]
    pub key: Vec<KeyRef>,
    /// Trust the public demo key (`stella run --demo` signs with it; never trust it otherwise).
    #[arg(long)]
    pub demo_key: bool,
    /// "Now" for waiver expiry and the DB's age (RFC 3339; default: the decision time).
    #[arg(long)]
    pub now: Option<String>,
    /// Print this generation time (RFC 3339) in the report (default: none).
    #[arg(long = "generated-at")]
    pub generated_at: Option<String>,
    /// Highlight waivers expiring within this many days of "now".
    #[arg(long = "expiring-within-days", default_value_t = 14)]
    pub expiring_within_days: u32,
}

fn time(what: &'static str, text: Option<&str>) -> Result<Option<Timestamp>, CliError> {
    text.map(|t| {
        Timestamp::parse_rfc3339(t).map_err(|e| CliError::Usage {
            what,
            value: t.to_owned(),
            reason: e.to_string(),
        })
    })
    .transpose()
}

fn build(
    store: &Path,
    run_report: Option<&Path>,
    options: &BuildOptions,
) -> Result<Report, CliError> {
    let shown = run_report.unwrap_or(store).display().to_string();
    let loaded = load_run(store, run_report).map_err(|e| CliError::library(&shown, e))?;
    Report::build(&loaded.run_report, &loaded.blobs, options)
        .map_err(|e| CliError::library(shown, e))
}

/// Runs `stella report`.
pub fn run(args: Args) -> Result<Outcome, CliError> {
    let mut keys = args
        .key
        .iter()
        .map(read_public_key)
        .collect::<Result<Vec<_>, _>>()?;
    if args.demo_key {
        let demo = stella_demo::demo_key().map_err(|e| CliError::library("demo key", e))?;
        keys.push(demo.public_key().clone());
    }
    let options = BuildOptions {
        keys,
        ..BuildOptions::default()
    };
    let now = time("--now", args.now.as_deref())?;
    let generated_at = time("--generated-at", args.generated_at.as_deref())?;
    let report = build(&args.store, args.run_report.as_deref(), &options)?;
    let diff = match &args.base {
        None => None,
        Some(base) if base.is_dir() => Some(build(base, None, &options)?),
        Some(base) => Some(build(
            args.base_store.as_deref().unwrap_or(&args.store),
            Some(base),
            &options,
        )?),
    }
    .map(|base| Diff::between(&base, &report));
    let render = RenderOptions {
        now,
        generated_at,
        expiring_within_days: args.expiring_within_days,
        diff: diff.as_ref(),
        ..RenderOptions::default()
    };
    let text = match args.output {
        Format::Html => stella_report::html(&report, &render),
        Format::Markdown => stella_report::markdown(&report, &render),
    };
    write_output(args.output_file.as_deref(), text.as_bytes())?;
    Ok(Outcome::Ok)
}

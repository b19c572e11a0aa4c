//! The `stella` command line (docs/design.md §5).
//!
//! Each subcommand lives in its own module and exposes `Args` (a `clap::Args` struct) and
//! `run(args) -> Result<Outcome, CliError>`. Exit codes follow syft/grype habits: 0 success (or
//! gate allow), 1 a negative verdict (gate deny, verification found a problem the command reports
//! as a result rather than an error), 2 any error — printed to stderr with the input that caused it.

mod artifacts;
mod attest;
mod db;
mod gate;
mod key;
mod mirror;
mod output;
mod replay;
mod report;
mod run;
mod sbom;
mod scan;
mod tuf;
mod verify;
mod verify_bundle;
mod vex;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use output::{KeyRef, read_input, write_output};

/// Exit code of a successful run (or a gate that allows).
pub const EXIT_OK: u8 = 0;
/// Exit code of a negative verdict (a gate that denies).
pub const EXIT_DENY: u8 = 1;
/// Exit code of an error.
pub const EXIT_ERROR: u8 = 2;

/// What a subcommand reports when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done; exit 0.
    Ok,
    /// A negative verdict; exit 1.
    Deny,
}

/// A command-line failure: what went wrong, with the input that caused it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The IO error.
        source: std::io::Error,
    },
    /// A command-line value was not usable.
    #[error("invalid {what} {value:?}: {reason}")]
    Usage {
        /// Which argument.
        what: &'static str,
        /// The value given.
        value: String,
        /// Why it was refused.
        reason: String,
    },
    /// An error from one of the library crates, with the input it concerned.
    #[error("{input}: {source}")]
    Library {
        /// The input (file, image, key reference) being processed.
        input: String,
        /// The underlying error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl CliError {
    /// Wraps a library error with the input it concerned.
    pub fn library(
        input: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Library {
            input: input.into(),
            source: source.into(),
        }
    }
}

/// `--platform` as given (`os/arch[/variant]`), or a usage error naming it.
pub(crate) fn parse_platform(
    platform: Option<&str>,
) -> Result<Option<stella_scan::image::Platform>, CliError> {
    platform
        .map(stella_scan::image::Platform::parse)
        .transpose()
        .map_err(|e| CliError::Usage {
            what: "--platform",
            value: platform.unwrap_or_default().to_owned(),
            reason: e.to_string(),
        })
}

/// An image argument, opened, with the text errors show for it.
pub(crate) struct ImageArg {
    /// The opened image.
    pub(crate) opened: stella::image::OpenedImage,
    /// The argument with whatever could be userinfo redacted ([`ImageRef::redacted`](stella::image::ImageRef::redacted)): every
    /// error about this image names it by this, so a credential pasted into a reference stays
    /// out of logs.
    pub(crate) shown: String,
    /// The parsed reference (what names the image in an SBOM comes from it).
    pub(crate) reference: stella::image::ImageRef,
}

/// Parses and opens an image argument; errors name it redacted (see [`ImageArg::shown`]).
pub(crate) fn open_image_arg(image: &str) -> Result<ImageArg, CliError> {
    use stella::image::{ImageRef, open_image};
    let shown = ImageRef::redacted(image);
    let reference = ImageRef::parse(image).map_err(|e| CliError::library(&shown, e))?;
    let opened = open_image(&reference).map_err(|e| CliError::library(&shown, e))?;
    Ok(ImageArg {
        opened,
        shown,
        reference,
    })
}

/// Stella Ops: SBOM, attest, scan, VEX and gate container images, offline and deterministically.
#[derive(Debug, Parser)]
#[command(
    name = "stella",
    version,
    about,
    long_about = None,
    after_long_help = stella::image::registry::CREDENTIAL_LOOKUP
)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands (docs/design.md §5).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the SBOM of an image (CycloneDX 1.6 or SPDX 3.0.1 JSON).
    Sbom(sbom::Args),
    /// Generate a signing key pair, or print a key's public key.
    Key(key::Args),
    /// Sign an in-toto statement about an image into a DSSE envelope.
    Attest(attest::Args),
    /// Verify a signed attestation (exit 0 only if verified).
    // Boxed: its many bundle, identity and TUF flags make it the largest variant by far.
    Verify(Box<verify::Args>),
    /// OpenVEX: validate, merge (with provenance), apply to findings, create from findings.
    Vex(vex::Args),
    /// Decide whether an image may ship: a Rego policy over findings, VEX, attestations, waivers.
    Gate(gate::Args),
    /// Build or inspect a vulnerability DB snapshot from OSV records.
    Db(db::Args),
    /// Match an image's or an SBOM's packages against a DB snapshot (json, sarif, table).
    Scan(scan::Args),
    /// Rerun a scan from its manifest and prove the result bytes identical.
    Replay(replay::Args),
    /// The whole golden path into a store: SBOM, attest, log, scan, VEX, gate (`--demo`).
    Run(run::Args),
    /// The report a person reads: one self-contained HTML page or Markdown for CI, with `--base` diff.
    Report(report::Args),
    /// What is attached to an image in a registry: list, attach, get (OCI referrers, cosign).
    Artifacts(artifacts::Args),
    /// Copy images by digest with every attached artifact, a DB snapshot and a trust root, to
    /// an OCI layout or another registry (air gap).
    Mirror(mirror::Args),
}

/// Runs the command line with the process arguments and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { EXIT_OK });
        }
    };
    match run(cli) {
        Ok(Outcome::Ok) => ExitCode::from(EXIT_OK),
        Ok(Outcome::Deny) => ExitCode::from(EXIT_DENY),
        Err(e) => {
            let mut printed = e.to_string();
            eprintln!("stella: error: {printed}");
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                // Most messages already embed their cause; print only what adds something.
                let text = cause.to_string();
                if !printed.contains(&text) {
                    eprintln!("  caused by: {text}");
                    printed = text;
                }
                source = cause.source();
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<Outcome, CliError> {
    match cli.command {
        Command::Sbom(args) => sbom::run(args),
        Command::Key(args) => key::run(args),
        Command::Attest(args) => attest::run(args),
        Command::Verify(args) => verify::run(*args),
        Command::Vex(args) => vex::run(args),
        Command::Gate(args) => gate::run(args),
        Command::Db(args) => db::run(args),
        Command::Scan(args) => scan::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Run(args) => run::run(args),
        Command::Report(args) => report::run(args),
        Command::Artifacts(args) => artifacts::run(args),
        Command::Mirror(args) => mirror::run(args),
    }
}

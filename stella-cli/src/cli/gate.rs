//! `stella gate --policy DIR | --builtin --input F [--json]`: evaluate a Rego policy bundle over a
//! gate input and decide whether the image may ship.
//!
//! Exit 0 when the policy allows, 1 when it denies, 2 on any error (unreadable or invalid
//! bundle or input, Rego syntax error with file:line:col, a policy that exceeds its limits).
//!
//! The bundle directory is walked recursively: every `*.rego` file is a module (named by its
//! `/`-separated path relative to DIR), `data.json` at the top is the data document, and an
//! OPA-style `.manifest` at the top may give a `revision` (`--revision` overrides it). Other
//! files, hidden directories and symbolic links are ignored. `--json` prints the decision record
//! (canonical JSON); without it a short summary is printed. `--key K --envelope-file F`
//! additionally signs the record (DSSE, in-toto statement with the policy-decision predicate).

use std::path::{Path, PathBuf};
use std::time::Duration;

use stella_attest::keys::{LocalSigner, SystemRandom};
use stella_core::{Clock, FixedClock, Timestamp};
use stella_policy::{
    BuiltinOptions, Bundle, EvalLimits, Gate, GateInput, GateOptions, UnderInvestigation,
    builtin_bundle,
};

use super::key::read_private_key;
use super::{CliError, KeyRef, Outcome, read_input, write_output};

/// `stella gate`: evaluate a policy over a gate input.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy bundle directory (`*.rego`, optional `data.json` and `.manifest`).
    #[arg(long, required_unless_present = "builtin", conflicts_with = "builtin")]
    pub policy: Option<PathBuf>,
    /// Use the built-in bundle (the seed policies plus waivers, under_investigation criticals
    /// and attestation-to-image binding).
    #[arg(long)]
    pub builtin: bool,
    /// With --builtin: deny (instead of warn) on critical findings still under investigation.
    #[arg(long, requires = "builtin")]
    pub deny_under_investigation: bool,
    /// The gate input JSON (`-` for stdin); schema: stella-policy/schema/gate-input.schema.json.
    #[arg(long)]
    pub input: PathBuf,
    /// Print the decision record (canonical JSON) instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// The package to evaluate.
    #[arg(long, default_value = stella_policy::DEFAULT_QUERY)]
    pub query: String,
    /// The bundle revision to record (a VCS commit); overrides `.manifest`'s `revision`.
    #[arg(long)]
    pub revision: Option<String>,
    /// Who is asking, recorded in the decision.
    #[arg(long, default_value = "stella-cli")]
    pub actor: String,
    /// The decision time (RFC 3339) instead of the system clock, for reproducible records.
    #[arg(long)]
    pub time: Option<String>,
    /// Most engine instructions per rule evaluation.
    #[arg(long, default_value_t = EvalLimits::default().max_instructions)]
    pub max_instructions: u64,
    /// Most milliseconds per rule evaluation (0: no time limit).
    #[arg(long, default_value_t = 60_000)]
    pub timeout_ms: u64,
    /// Evaluate the modules exactly as written, without lookup indexing (same decisions,
    /// slower on "scan for a key" functions such as the seed's `waived`).
    #[arg(long)]
    pub no_index: bool,
    /// Sign the decision with this private key (file or `env://VAR`).
    #[arg(long, requires = "envelope_file")]
    pub key: Option<KeyRef>,
    /// Where to write the signed decision envelope.
    #[arg(long, requires = "key")]
    pub envelope_file: Option<PathBuf>,
}

/// The system clock (the CLI is where the outside world comes in).
#[derive(Debug)]
struct SystemNow;

impl Clock for SystemNow {
    fn now(&self) -> Timestamp {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX));
        // Whole seconds: records stay short and RFC 3339 without fractions. The system clock
        // reads as the epoch if it is outside Timestamp's range.
        Timestamp::from_unix_seconds(i64::try_from(nanos / 1_000_000_000).unwrap_or(0))
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// Runs `stella gate`.
pub fn run(args: Args) -> Result<Outcome, CliError> {
    let bundle = match &args.policy {
        Some(dir) => load_bundle(dir, args.revision.clone())?,
        None => builtin_bundle(BuiltinOptions {
            under_investigation: if args.deny_under_investigation {
                UnderInvestigation::Deny
            } else {
                UnderInvestigation::Warn
            },
        })
        .map_err(|e| CliError::library("built-in policy bundle", e))?,
    };
    let bundle_name = args.policy.as_ref().map_or_else(
        || "built-in policy bundle".to_owned(),
        |p| p.display().to_string(),
    );
    let input_name = args.input.display().to_string();
    let input = GateInput::from_json(&read_input(&args.input)?)
        .map_err(|e| CliError::library(&input_name, e))?;
    let gate = Gate::new(
        &bundle,
        GateOptions {
            query: args.query.clone(),
            limits: EvalLimits {
                max_instructions: args.max_instructions,
                max_time: (args.timeout_ms > 0).then(|| Duration::from_millis(args.timeout_ms)),
            },
            index_lookups: !args.no_index,
        },
    )
    .map_err(|e| CliError::library(&bundle_name, e))?;
    let clock: Box<dyn Clock> = match &args.time {
        Some(t) => Box::new(FixedClock::new(Timestamp::parse_rfc3339(t).map_err(
            |e| CliError::Usage {
                what: "--time",
                value: t.clone(),
                reason: e.to_string(),
            },
        )?)),
        None => Box::new(SystemNow),
    };
    let record = gate
        .decide(&input, &bundle, clock.as_ref(), &args.actor)
        .map_err(|e| CliError::library(format!("{bundle_name} over {input_name}"), e))?;

    if let (Some(key), Some(path)) = (&args.key, &args.envelope_file) {
        let signer = LocalSigner::new(read_private_key(key)?, SystemRandom::new())
            .map_err(|e| CliError::library("signing key", e))?;
        let envelope = record
            .sign(&[&signer])
            .map_err(|e| CliError::library("decision record", e))?;
        let bytes = envelope
            .to_json()
            .map_err(|e| CliError::library("decision envelope", e))?;
        write_output(Some(path), &bytes)?;
    }

    if args.json {
        let mut bytes = record
            .to_canonical_json()
            .map_err(|e| CliError::library("decision record", e))?;
        bytes.push(b'\n');
        write_output(None, &bytes)?;
    } else {
        let mut text = format!(
            "{}: {} (policy {}{})\n",
            if record.result.allow { "ALLOW" } else { "DENY" },
            input
                .image
                .as_ref()
                .map_or("(no image)", |i| i.digest.as_str()),
            record.policy.digest,
            record
                .policy
                .revision
                .as_deref()
                .map(|r| format!(" @ {r}"))
                .unwrap_or_default()
        );
        for v in &record.result.violations {
            text.push_str(&format!("  violation: {v}\n"));
        }
        for w in &record.result.warnings {
            text.push_str(&format!("  warning: {w}\n"));
        }
        write_output(None, text.as_bytes())?;
    }
    Ok(if record.result.allow {
        Outcome::Ok
    } else {
        Outcome::Deny
    })
}

/// Most files walked in a bundle directory (the pure crate limits what it accepts further).
const MAX_WALK_ENTRIES: usize = 10_000;

pub(crate) fn load_bundle(dir: &Path, revision: Option<String>) -> Result<Bundle, CliError> {
    let io = |path: &Path, source| CliError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    let mut seen = 0usize;
    while let Some((path, prefix)) = stack.pop() {
        let entries = std::fs::read_dir(&path).map_err(|e| io(&path, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io(&path, e))?;
            seen += 1;
            if seen > MAX_WALK_ENTRIES {
                return Err(CliError::Usage {
                    what: "--policy",
                    value: dir.display().to_string(),
                    reason: format!("more than {MAX_WALK_ENTRIES} entries"),
                });
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry.file_type().map_err(|e| io(&entry.path(), e))?;
            let rel = format!("{prefix}{name}");
            if kind.is_dir() && !name.starts_with('.') {
                stack.push((entry.path(), format!("{rel}/")));
            } else if kind.is_file()
                && (name.ends_with(".rego")
                    || (prefix.is_empty() && name == stella_policy::DATA_FILE))
            {
                let bytes = stella::files::read_regular_no_follow(
                    &entry.path(),
                    stella::files::MAX_INPUT_BYTES,
                )
                .map_err(|e| io(&entry.path(), e))?;
                files.push((rel, bytes));
            }
        }
    }
    let revision = match revision {
        Some(r) => Some(r),
        None => manifest_revision(dir)?,
    };
    files.sort();
    Bundle::from_files(
        files.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
        revision,
    )
    .map_err(|e| CliError::library(dir.display().to_string(), e))
}

/// The `revision` of an OPA-style `.manifest`, when there is one.
fn manifest_revision(dir: &Path) -> Result<Option<String>, CliError> {
    let path = dir.join(".manifest");
    if !path.is_file() {
        return Ok(None);
    }
    let bytes = read_input(&path)?;
    let value: serde_json::Value = stella_core::canonical::from_slice_strict(&bytes)
        .map_err(|e| CliError::library(path.display().to_string(), e))?;
    match value.get("revision") {
        None => Ok(None),
        Some(serde_json::Value::String(r)) => Ok(Some(r.clone())),
        Some(_) => Err(CliError::Usage {
            what: ".manifest",
            value: path.display().to_string(),
            reason: "revision must be a string".into(),
        }),
    }
}

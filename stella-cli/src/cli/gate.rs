//! `stella gate --policy DIR|BUNDLE.tar.gz | --builtin --input F [--json] [--explain]`: evaluate
//! a Rego policy bundle over a gate input and decide whether the image may ship; `stella gate
//! test DIR|BUNDLE.tar.gz [--json]`: run the bundle's `test_*` rules as `opa test` does.
//!
//! Exit 0 when the policy allows, 1 when it denies, 2 on any error (unreadable or invalid
//! bundle or input, Rego syntax error with file:line:col, a policy that exceeds its limits).
//! `gate test` exits 0 when every test passes (skipped `todo_test_` rules do not count), 1 when
//! any fails or errors, 2 when the bundle does not load.
//!
//! A bundle directory is walked recursively as OPA loads one: every `*.rego` file is a module
//! (named by its `/`-separated path relative to DIR; `*_test.rego` files are tests, run by
//! `gate test` and not evaluated by the gate), every `data.json` / `data.yaml` / `data.yml` is
//! data at its directory's path, and an OPA `.manifest` at the top gives the `revision`
//! recorded in the decision (`--revision` overrides it) and `roots` that are enforced. Other
//! files, hidden directories and symbolic links are ignored. A path ending in `.tar.gz` or
//! `.tgz` is read as OPA's bundle format (`opa build` output). `--json` prints the decision
//! record (canonical JSON); without it a short summary is printed. `--explain` adds why: each
//! rule's value and the findings, VEX statements, attestations and waivers that decide it (see
//! `stella_policy::explain`); with `--json` the output is `{"record":…,"explanation":…}`.
//! `--key K --envelope-file F` additionally signs the record (DSSE, in-toto statement with the
//! policy-decision predicate).

use std::path::{Path, PathBuf};
use std::time::Duration;

use stella_attest::keys::{LocalSigner, SystemRandom};
use stella_core::{Clock, FixedClock, Timestamp};
use stella_policy::test_runner::Outcome as TestOutcome;
use stella_policy::{
    BuiltinOptions, Bundle, EvalLimits, Gate, GateInput, GateOptions, UnderInvestigation,
    builtin_bundle,
};

use super::key::read_private_key;
use super::{CliError, KeyRef, Outcome, read_input, write_output};

/// `stella gate`: evaluate a policy over a gate input.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    /// `test DIR`: run the bundle's policy tests instead of deciding.
    #[command(subcommand)]
    pub command: Option<GateCommand>,
    /// The policy bundle: a directory (`*.rego`, `data.json`/`data.yaml`, `.manifest`) or an
    /// OPA `.tar.gz` bundle.
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
    #[arg(long, required = true)]
    pub input: Option<PathBuf>,
    /// Print the decision record (canonical JSON) instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Explain the decision: each rule's value and the input items that decide it.
    #[arg(long)]
    pub explain: bool,
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

/// The subcommands of `stella gate`.
#[derive(Debug, clap::Subcommand)]
pub enum GateCommand {
    /// Run the `test_*` rules of a policy bundle, as `opa test` does.
    Test(TestArgs),
}

/// `stella gate test`.
#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// The policy bundle: a directory or an OPA `.tar.gz` bundle.
    pub bundle: PathBuf,
    /// Print the results as JSON (an array of {package, name, outcome, message?}).
    #[arg(long)]
    pub json: bool,
    /// Most milliseconds per test (0: no time limit).
    #[arg(long, default_value_t = 60_000)]
    pub timeout_ms: u64,
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
    if let Some(GateCommand::Test(t)) = args.command {
        return run_tests(&t);
    }
    let Some(input_path) = args.input.clone() else {
        return Err(CliError::Usage {
            what: "--input",
            value: String::new(),
            reason: "the gate input is required".into(),
        });
    };
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
    let input_name = input_path.display().to_string();
    let input = GateInput::from_json(&read_input(&input_path)?)
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

    let explanation = if args.explain {
        Some(
            gate.explain(&bundle, &input)
                .map_err(|e| CliError::library(format!("{bundle_name} over {input_name}"), e))?,
        )
    } else {
        None
    };

    if args.json {
        let mut bytes = record
            .to_canonical_json()
            .map_err(|e| CliError::library("decision record", e))?;
        if let Some(explanation) = &explanation {
            bytes = stella_core::canonical::to_canonical_vec(
                &serde_json::json!({ "record": &record, "explanation": explanation }),
            )
            .map_err(|e| CliError::library("explanation", e))?;
        }
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
        if let Some(explanation) = &explanation {
            text.push_str(&explain_text(explanation));
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
    let name = dir.to_string_lossy();
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        let bytes = stella::files::read_regular(dir, stella::files::MAX_INPUT_BYTES)
            .map_err(|e| io(dir, e))?;
        return Bundle::from_tar_gz(&bytes, revision, &stella_policy::BundleLimits::default())
            .map_err(|e| CliError::library(dir.display().to_string(), e));
    }
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
                    || name == stella_policy::DATA_FILE
                    || stella_policy::DATA_YAML_FILES.contains(&name.as_str())
                    || (prefix.is_empty() && name == stella_policy::MANIFEST_FILE))
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
    files.sort();
    Bundle::from_files(
        files.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
        revision,
    )
    .map_err(|e| CliError::library(dir.display().to_string(), e))
}

/// Runs `stella gate test`.
fn run_tests(args: &TestArgs) -> Result<Outcome, CliError> {
    let bundle = load_bundle(&args.bundle, None)?;
    let limits = EvalLimits {
        max_time: (args.timeout_ms > 0).then(|| Duration::from_millis(args.timeout_ms)),
        ..EvalLimits::default()
    };
    let results = stella_policy::test_runner::run_tests(&bundle, limits)
        .map_err(|e| CliError::library(args.bundle.display().to_string(), e))?;
    let failed = results
        .iter()
        .filter(|r| matches!(r.outcome, TestOutcome::Fail | TestOutcome::Error))
        .count();
    let mut out = if args.json {
        stella_core::canonical::to_canonical_vec(&results)
            .map_err(|e| CliError::library("test results", e))?
    } else {
        let mut text = String::new();
        for r in &results {
            let word = match r.outcome {
                TestOutcome::Pass => "PASS",
                TestOutcome::Fail => "FAIL",
                TestOutcome::Error => "ERROR",
                TestOutcome::Skip => "SKIPPED",
            };
            text.push_str(&format!("{}.{}: {word}", r.package, r.name));
            if let Some(m) = &r.message {
                text.push_str(&format!(" ({m})"));
            }
            text.push('\n');
        }
        let passed = results
            .iter()
            .filter(|r| r.outcome == TestOutcome::Pass)
            .count();
        let run = results
            .iter()
            .filter(|r| r.outcome != TestOutcome::Skip)
            .count();
        text.push_str(&"-".repeat(80));
        text.push_str(&format!("\nPASS: {passed}/{run}\n"));
        if failed > 0 {
            text.push_str(&format!("FAIL: {failed}/{run}\n"));
        }
        text.into_bytes()
    };
    if args.json {
        out.push(b'\n');
    }
    write_output(None, &out)?;
    Ok(if failed > 0 {
        Outcome::Deny
    } else {
        Outcome::Ok
    })
}

/// The `--explain` text: each rule, its value, and the items that decide it.
fn explain_text(e: &stella_policy::explain::Explanation) -> String {
    let show = |v: &serde_json::Value| {
        stella_core::canonical::to_canonical_string(v).unwrap_or_else(|_| v.to_string())
    };
    let mut text = format!("explanation of {}:\n", e.query);
    for r in &e.rules {
        let value = r
            .value
            .as_ref()
            .map_or_else(|| "undefined".to_owned(), show);
        text.push_str(&format!("  {} = {value}\n", r.rule));
        for i in &r.items {
            let mut why = Vec::new();
            for m in &i.produces {
                why.push(format!("produces {}", show(m)));
            }
            for m in &i.suppresses {
                why.push(format!("keeps out {}", show(m)));
            }
            // In an item's effect, null stands for "undefined".
            let shown = |v: &serde_json::Value| {
                if v.is_null() {
                    "undefined".to_owned()
                } else {
                    show(v)
                }
            };
            if let Some(v) = &i.without {
                why.push(format!("without it: {}", shown(v)));
            }
            if let Some(v) = &i.alone {
                why.push(format!("alone: {}", shown(v)));
            }
            text.push_str(&format!(
                "    {} ({}): {}\n",
                i.item,
                i.label,
                why.join("; ")
            ));
        }
    }
    if let Some(reason) = &e.attribution_skipped {
        text.push_str(&format!("  (attribution skipped: {reason})\n"));
    }
    text
}

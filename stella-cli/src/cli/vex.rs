//! `stella vex validate | merge | apply | create` (docs/design.md §5): OpenVEX on the command line.
//!
//! - `validate F…`: parse and check each document against the OpenVEX rules; exit 2 with every
//!   violation (naming its statement) on the first invalid file.
//! - `merge F… [--allow-unsigned] [--trust P] [--key K]… [--explain] [--output-file F]`: merge
//!   trusted VEX into one OpenVEX document; `--explain` prints which statement decided each
//!   (vulnerability, product) and what it superseded on stderr, and writes the same provenance
//!   into the statements' `status_notes`.
//! - `apply --findings F --vex V… […]`: apply VEX to findings (SARIF 2.1.0 or Stella findings
//!   JSON); prints per-status counts and each finding's status as JSON.
//! - `create --from F [--policy vex-policy.yaml] [--author A]`: one `under_investigation`
//!   statement per (vulnerability, package), then the policy's rules.
//! - `filter SARIF --vex V… [--image REF] [--remove]`: VEX applied to a scanner's SARIF (Grype,
//!   Trivy, Snyk) as `vexctl filter` does: SARIF suppressions (or removal) for results VEX says
//!   are `not_affected` or `fixed`; see [`stella_vex::filter_sarif`].
//! - `convert F --to openvex|cyclonedx|spdx3 [--product P]…`: VEX from OpenVEX, CSAF 2.0,
//!   CycloneDX or SPDX 3 into another format.
//!
//! `merge`/`apply`/`filter` read OpenVEX (legacy v0.0.1 documents and documents without a
//! timestamp or version are upgraded as go-vex reads them, and said so on stderr and in the
//! `--explain` output), CSAF 2.0, CycloneDX VEX, SPDX 3 VEX, and OpenVEX attestations in
//! Sigstore bundles (key-based ones verified with `--key` and `--rekor-key`/`--trusted-root`;
//! keyless ones under `--trusted-root` and the identity flags of `stella verify`:
//! `--certificate-identity[-regexp]`, `--certificate-oidc-issuer[-regexp]`, the GitHub workflow
//! claims, or `--insecure-ignore-identity`; without `--trust`, the signers those flags accepted
//! count as the `--key`s do). `merge --product
//! P --vuln V` keeps only those decisions, as `vexctl merge` does. `validate` stays strict: what
//! the OpenVEX 0.2.0 schema refuses is refused.
//!
//! Inputs to `merge`/`apply` may be OpenVEX documents, waiver predicates, or DSSE envelopes
//! (signed VEX or waivers), which are verified against `--key` before they are read. Unsigned
//! input counts only with `--allow-unsigned` or a trust policy that allows it; signed input counts
//! when its key is an issuer of the trust policy, or, without a policy, is one of the `--key`s.
//! Untrusted statements and expired waivers are reported on stderr, never applied. Time comes
//! from `--now` (RFC 3339) or the system clock.

use std::path::{Path, PathBuf};

use stella_attest::dsse::Keyring;
use stella_attest::keys::PublicKey;
use stella_attest::transparency::bundle::{TrustRoot, TrustedRoot, VerificationPolicy};
use stella_core::Timestamp;
use stella_core::canonical::JsonLimits;
use stella_vex::{
    AttestationVerifier, KeyVerifier, KeylessVerifier, MergeFilter, MergeOptions, TrustPolicy,
    ValidationOptions, VexPolicy, VexSet, VexSource, generate, read_findings, validate,
    validate_compat, validate_strict,
};

use stella::vex::VexInputError;

use super::key::read_public_key;
use super::{CliError, KeyRef, Outcome, read_input, write_output};

/// `stella vex`: author, validate, merge and apply OpenVEX.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The operation.
    #[command(subcommand)]
    pub command: VexCommand,
}

/// The `stella vex` operations.
#[derive(Debug, clap::Subcommand)]
pub enum VexCommand {
    /// Check OpenVEX documents against the specification's rules.
    Validate(ValidateArgs),
    /// Merge trusted VEX documents into one, with provenance.
    Merge(MergeArgs),
    /// Apply VEX to findings (SARIF or Stella findings JSON).
    Apply(ApplyArgs),
    /// Create VEX from findings under a YAML VEX policy.
    Create(CreateArgs),
    /// Apply VEX to a scanner's SARIF (Grype, Trivy, Snyk, …), as `vexctl filter` does.
    Filter(FilterArgs),
    /// Convert VEX between OpenVEX, CycloneDX and SPDX 3 (reading CSAF 2.0 too).
    Convert(ConvertArgs),
}

/// Options shared by the commands that read time.
#[derive(Debug, clap::Args)]
pub struct ClockArgs {
    /// The current time (RFC 3339); default: the system clock.
    #[arg(long)]
    pub now: Option<String>,
}

impl ClockArgs {
    fn now(&self) -> Result<Timestamp, CliError> {
        match &self.now {
            Some(t) => Timestamp::parse_rfc3339(t).map_err(|e| CliError::Usage {
                what: "--now",
                value: t.clone(),
                reason: e.to_string(),
            }),
            None => {
                let secs = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                Timestamp::from_unix_seconds(i64::try_from(secs).unwrap_or(0)).map_err(|e| {
                    CliError::Usage {
                        what: "system clock",
                        value: secs.to_string(),
                        reason: e.to_string(),
                    }
                })
            }
        }
    }
}

/// Which VEX counts.
#[derive(Debug, clap::Args)]
pub struct TrustArgs {
    /// Count unsigned VEX (every author, equal precedence, unless `--trust` names issuers).
    #[arg(long)]
    pub allow_unsigned: bool,
    /// A trust policy (YAML): issuers by key id or identity, product scopes, precedence.
    #[arg(long)]
    pub trust: Option<PathBuf>,
    /// A public key (file or `env://VAR`) to verify signed VEX and waivers; repeatable.
    #[arg(long)]
    pub key: Vec<KeyRef>,
}

/// The trust options of the commands that read VEX (merge, apply, filter).
#[derive(Debug, clap::Args)]
pub struct VexReadArgs {
    /// Trust.
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Sigstore bundles.
    #[command(flatten)]
    pub bundles: BundleTrustArgs,
}

/// How OpenVEX attestations in Sigstore bundles are verified: key-based ones with the `--key`s,
/// keyless ones (a Fulcio certificate) under the identity flags and `--trusted-root`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BundleTrustArgs {
    /// Sigstore bundles: a trusted Rekor log public key (file or `env://VAR`); repeatable.
    #[arg(long)]
    pub rekor_key: Vec<KeyRef>,
    /// Sigstore bundles: a Sigstore `trusted_root.json` whose Rekor logs are trusted (and, for
    /// keyless bundles, its Fulcio CAs, CT logs and timestamp authorities).
    #[arg(long)]
    pub trusted_root: Option<PathBuf>,
    /// Keyless bundles: who must have signed (as `stella verify`).
    #[command(flatten)]
    pub identity: super::verify_bundle::IdentityArgs,
}

/// The keyless verification material: the identity policy and the whole trusted root.
struct KeylessMaterial {
    policy: VerificationPolicy,
    root: TrustedRoot,
}

/// Bundles of either kind, each to its verifier; remembers the keyless signers it verified.
struct BundleVerifier<'a> {
    key: Option<KeyVerifier<'a>>,
    keyless: Option<KeylessVerifier<'a>>,
    keyless_signers: std::cell::RefCell<Vec<String>>,
}

impl AttestationVerifier for BundleVerifier<'_> {
    fn verify(
        &self,
        bundle: &stella_attest::transparency::bundle::Bundle,
    ) -> Result<(stella_attest::dsse::VerifiedEnvelope, Vec<String>), stella_vex::VexError> {
        match (&self.key, &self.keyless, bundle.is_key_based()) {
            (_, Some(keyless), false) => {
                let (envelope, signers) = keyless.verify(bundle)?;
                self.keyless_signers
                    .borrow_mut()
                    .extend(signers.iter().cloned());
                Ok((envelope, signers))
            }
            (Some(key), _, _) => key.verify(bundle),
            // Keyless material only: a key-based bundle verifies under no key (`--key`).
            (None, Some(keyless), true) => keyless.verify(bundle),
            (None, None, _) => Err(stella_vex::VexError::Shape {
                what: "Sigstore bundle",
                message: "no verification material".into(),
            }),
        }
    }
}

impl BundleTrustArgs {
    /// The keyless material when identity flags are given: they need `--trusted-root` (the
    /// whole trusted root; `--rekor-key`s do not apply to keyless bundles).
    fn keyless(&self) -> Result<Option<KeylessMaterial>, CliError> {
        let flags = self.identity.flags();
        if !flags.any() {
            return Ok(None);
        }
        let policy = super::verify_bundle::identity_policy_of(&flags)?;
        let Some(path) = &self.trusted_root else {
            return Err(CliError::Usage {
                what: "--trusted-root",
                value: String::new(),
                reason: "keyless bundles (the --certificate-* flags) are verified against a Sigstore trusted root: give --trusted-root".into(),
            });
        };
        let root = TrustedRoot::from_json(&read_input(path)?)
            .map_err(|e| CliError::library(name(path), e))?;
        Ok(Some(KeylessMaterial {
            policy: VerificationPolicy::identity(policy),
            root,
        }))
    }

    /// The signing keys (`--key`) and trusted logs, when any log is named.
    fn material(&self, keys: &[KeyRef]) -> Result<Option<(Vec<PublicKey>, TrustRoot)>, CliError> {
        let logs = super::verify_bundle::rekor_logs(&self.rekor_key, self.trusted_root.as_deref())?;
        if logs.is_empty() {
            return Ok(None);
        }
        let keys = keys
            .iter()
            .map(read_public_key)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some((keys, TrustRoot::new(logs))))
    }
}

/// `stella vex validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// OpenVEX documents (`-` for stdin).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Clock for the future-timestamp check.
    #[command(flatten)]
    pub clock: ClockArgs,
}

/// `stella vex merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// VEX documents, waivers or signed envelopes.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Which VEX counts, and how signed VEX is verified.
    #[command(flatten)]
    pub inputs: VexReadArgs,
    /// Print which statement decided each (vulnerability, product) and what it superseded.
    #[arg(long)]
    pub explain: bool,
    /// The merged document's author.
    #[arg(long, default_value = "Stella Ops")]
    pub author: String,
    /// Keep only decisions about this product (purl or @id; a versionless purl covers every
    /// version), as `vexctl merge --product`; repeatable.
    #[arg(long)]
    pub product: Vec<String>,
    /// Keep only decisions about this vulnerability (name or alias), as `vexctl merge
    /// --vuln`; repeatable.
    #[arg(long)]
    pub vuln: Vec<String>,
    /// Where to write the merged document (default stdout).
    #[arg(long, short = 'o')]
    pub output_file: Option<PathBuf>,
    /// Clock.
    #[command(flatten)]
    pub clock: ClockArgs,
}

/// `stella vex apply`.
#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// Findings: SARIF 2.1.0 or Stella findings JSON.
    #[arg(long)]
    pub findings: PathBuf,
    /// VEX documents, waivers or signed envelopes; repeatable.
    #[arg(long, required = true)]
    pub vex: Vec<PathBuf>,
    /// Which VEX counts, and how signed VEX is verified.
    #[command(flatten)]
    pub inputs: VexReadArgs,
    /// Where to write the result (default stdout).
    #[arg(long, short = 'o')]
    pub output_file: Option<PathBuf>,
    /// Clock.
    #[command(flatten)]
    pub clock: ClockArgs,
}

/// `stella vex filter`.
#[derive(Debug, clap::Args)]
pub struct FilterArgs {
    /// The SARIF 2.1.0 log (`-` for stdin).
    pub sarif: PathBuf,
    /// VEX documents, waivers or signed envelopes; repeatable.
    #[arg(long, required = true, num_args = 1..)]
    pub vex: Vec<PathBuf>,
    /// The scanned image (`sha256:…`, `pkg:oci/…@sha256:…` or `REPO@sha256:…`); default: what
    /// the log names.
    #[arg(long)]
    pub image: Option<String>,
    /// Remove the results VEX suppresses instead of adding SARIF suppressions to them.
    #[arg(long)]
    pub remove: bool,
    /// Which VEX counts, and how signed VEX is verified.
    #[command(flatten)]
    pub inputs: VexReadArgs,
    /// Where to write the filtered SARIF (default stdout).
    #[arg(long, short = 'o')]
    pub output_file: Option<PathBuf>,
    /// Clock.
    #[command(flatten)]
    pub clock: ClockArgs,
}

/// `stella vex convert`.
#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// The VEX document: OpenVEX, CSAF 2.0, CycloneDX VEX or SPDX 3 VEX (told by its content;
    /// `-` for stdin).
    pub file: PathBuf,
    /// The format to write: `openvex`, `cyclonedx` or `spdx3`.
    #[arg(long, value_parser = ["openvex", "cyclonedx", "spdx3"])]
    pub to: String,
    /// CSAF input: keep only these CSAF product ids or purls (as go-vex's `OpenCSAF` does);
    /// repeatable.
    #[arg(long)]
    pub product: Vec<String>,
    /// Where to write the result (default stdout).
    #[arg(long, short = 'o')]
    pub output_file: Option<PathBuf>,
}

/// `stella vex create`.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// Findings: SARIF 2.1.0 or Stella findings JSON.
    #[arg(long = "from", alias = "findings")]
    pub from: PathBuf,
    /// The YAML VEX policy; without one every statement is `under_investigation`.
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// The author when no policy names one.
    #[arg(long, default_value = "Stella Ops")]
    pub author: String,
    /// Where to write the document (default stdout).
    #[arg(long, short = 'o')]
    pub output_file: Option<PathBuf>,
    /// Clock.
    #[command(flatten)]
    pub clock: ClockArgs,
}

/// Runs `stella vex`.
pub fn run(args: Args) -> Result<Outcome, CliError> {
    match args.command {
        VexCommand::Validate(a) => run_validate(a),
        VexCommand::Merge(a) => run_merge(a),
        VexCommand::Apply(a) => run_apply(a),
        VexCommand::Create(a) => run_create(a),
        VexCommand::Filter(a) => run_filter(a),
        VexCommand::Convert(a) => run_convert(a),
    }
}

fn name(path: &Path) -> String {
    path.display().to_string()
}

fn run_validate(args: ValidateArgs) -> Result<Outcome, CliError> {
    let now = args.clock.now()?;
    let mut report = String::new();
    for file in &args.files {
        let bytes = read_bounded(
            file,
            stella_vex::DEFAULT_MAX_DOCUMENT_BYTES,
            "bytes of an OpenVEX document",
        )
        .map_err(|e| CliError::library(name(file), e))?;
        // Strict: what merge and apply upgrade (v0.0.1 shapes, a string version, unknown
        // top-level fields, a missing timestamp or version) the v0.2.0 schema refuses.
        let doc = validate_strict(&bytes, &ValidationOptions::at(now))
            .map_err(|e| CliError::library(name(file), e))?;
        report.push_str(&format!(
            "{}: valid OpenVEX ({} statement{})\n",
            name(file),
            doc.statements.len(),
            if doc.statements.len() == 1 { "" } else { "s" }
        ));
    }
    write_output(None, report.as_bytes())?;
    Ok(Outcome::Ok)
}

pub(crate) fn keyring(keys: &[KeyRef]) -> Result<Option<Keyring>, CliError> {
    if keys.is_empty() {
        return Ok(None);
    }
    let mut ring = Keyring::new();
    for k in keys {
        let public = read_public_key(k)?;
        ring.add(public)
            .map_err(|e| CliError::library(format!("{k:?}"), e))?;
    }
    Ok(Some(ring))
}

pub(crate) fn policy(args: &TrustArgs, ring: Option<&Keyring>) -> Result<TrustPolicy, CliError> {
    let text = match &args.trust {
        Some(path) => Some(
            String::from_utf8(read_input(path)?).map_err(|e| CliError::Usage {
                what: "--trust",
                value: name(path),
                reason: e.to_string(),
            })?,
        ),
        None => None,
    };
    stella::vex::trust_policy(text.as_deref(), args.allow_unsigned, ring)
        .map_err(|e| CliError::library(args.trust.as_deref().map(name).unwrap_or_default(), e))
}

/// Reads at most `max` bytes of `path` (`-`: standard input) through [`stella::files`], as
/// every other file the command line reads: only a regular file (a link to one is followed) is
/// opened — a FIFO, device or directory is refused by its type without blocking — and a larger
/// input is refused by its length (a regular file's, before anything is read) with a typed limit
/// error, never read into memory whole.
pub(crate) fn read_bounded(
    path: &Path,
    max: usize,
    what: &'static str,
) -> Result<Vec<u8>, VexInputError> {
    let cap = max as u64;
    let result = if path == Path::new("-") {
        stella::files::read_capped(std::io::stdin().lock(), Path::new("<stdin>"), cap, 0)
    } else {
        stella::files::read_regular(path, cap)
    };
    result.map_err(|source| {
        if source.kind() == std::io::ErrorKind::FileTooLarge {
            // The exact size of a regular file is known without reading it; a pipe is over by
            // at least one byte.
            let actual = std::fs::metadata(path)
                .ok()
                .filter(|m| m.is_file())
                .and_then(|m| usize::try_from(m.len()).ok())
                .unwrap_or(max.saturating_add(1));
            VexInputError::Vex(stella_vex::VexError::Limit { what, max, actual })
        } else {
            VexInputError::Io {
                path: path.display().to_string(),
                source,
            }
        }
    })
}

/// Reads a VEX input of at most [`stella::vex::MAX_VEX_INPUT_BYTES`] under the trust policy.
fn read_source(
    path: &Path,
    ring: Option<&Keyring>,
    trust: &TrustPolicy,
    bundles: Option<&dyn AttestationVerifier>,
) -> Result<VexSource, VexInputError> {
    let bytes = read_bounded(
        path,
        stella::vex::MAX_VEX_INPUT_BYTES,
        "bytes of a VEX input",
    )?;
    stella::vex::read_source_with(&bytes, ring, trust, bundles)
}

pub(crate) fn read_sources(
    files: &[PathBuf],
    ring: Option<&Keyring>,
    trust: &TrustPolicy,
    now: Timestamp,
) -> Result<Vec<VexSource>, CliError> {
    read_sources_with(files, ring, trust, now, None)
}

/// The VEX inputs of merge, apply and filter: with the Sigstore bundle material when given.
fn read_sources_for(
    files: &[PathBuf],
    inputs: &VexReadArgs,
    now: Timestamp,
) -> Result<(TrustPolicy, Vec<VexSource>), CliError> {
    let (trust_args, bundle_args) = (&inputs.trust, &inputs.bundles);
    let ring = keyring(&trust_args.key)?;
    let mut policy = policy(trust_args, ring.as_ref())?;
    let material = bundle_args.material(&trust_args.key)?;
    let keyless = bundle_args.keyless()?;
    let verifier = BundleVerifier {
        key: material
            .as_ref()
            .map(|(keys, trust)| KeyVerifier { keys, trust }),
        keyless: keyless.as_ref().map(|k| KeylessVerifier {
            policy: &k.policy,
            root: &k.root,
        }),
        keyless_signers: Default::default(),
    };
    let any = verifier.key.is_some() || verifier.keyless.is_some();
    let sources = read_sources_with(
        files,
        ring.as_ref(),
        &policy,
        now,
        any.then_some(&verifier as &dyn AttestationVerifier),
    )?;
    // Without a trust policy, the signers the identity flags accepted count, as the `--key`s
    // do: the flags said who may sign.
    if trust_args.trust.is_none() {
        let mut signers = verifier.keyless_signers.take();
        signers.sort();
        signers.dedup();
        for signer in signers {
            if !policy.issuers.iter().any(|i| i.key_ids.contains(&signer)) {
                policy.issuers.push(stella_vex::Issuer {
                    name: signer.clone(),
                    key_ids: vec![signer],
                    ..stella_vex::Issuer::default()
                });
            }
        }
    }
    Ok((policy, sources))
}

fn read_sources_with(
    files: &[PathBuf],
    ring: Option<&Keyring>,
    trust: &TrustPolicy,
    now: Timestamp,
    bundles: Option<&dyn AttestationVerifier>,
) -> Result<Vec<VexSource>, CliError> {
    let mut sources = Vec::with_capacity(files.len());
    for f in files {
        let source = match read_source(f, ring, trust, bundles) {
            Ok(s) => s,
            // Would be judged untrusted anyway: reported, never parsed.
            Err(VexInputError::Unsigned) => {
                eprintln!(
                    "stella: warning: not applied (untrusted): {}: unsigned VEX is not read; the trust policy counts only signed VEX (pass --allow-unsigned to count it)",
                    name(f)
                );
                continue;
            }
            Err(VexInputError::NeedsBundleVerifier) => {
                return Err(CliError::Usage {
                    what: "--rekor-key / --trusted-root",
                    value: name(f),
                    reason: "the input is a Sigstore bundle; give the signing key(s) with --key and the trusted Rekor log(s) with --rekor-key or --trusted-root, or, for a keyless bundle, --trusted-root with --certificate-identity and --certificate-oidc-issuer"
                        .into(),
                });
            }
            Err(VexInputError::NeedsKey) => {
                return Err(CliError::Usage {
                    what: "--key",
                    value: name(f),
                    reason: "the input is a signed envelope; give the public key(s) to verify it with --key"
                        .into(),
                });
            }
            Err(e) => return Err(CliError::library(name(f), e)),
        };
        if source.as_waiver().is_none() {
            let warnings = validate_compat(
                &source.document,
                source.upgrades(),
                &ValidationOptions::at(now),
            )
            .map_err(|e| CliError::library(name(f), e))?;
            if !source.upgrades().is_empty() {
                let what: Vec<String> = source.upgrades().iter().map(|u| u.to_string()).collect();
                eprintln!(
                    "stella: note: {}: not OpenVEX v0.2.0, upgraded as go-vex reads it: {}",
                    name(f),
                    what.join("; ")
                );
            }
            for w in warnings {
                eprintln!(
                    "stella: warning: {}: {w}; the statement applies to nothing",
                    name(f)
                );
            }
        }
        sources.push(source);
    }
    Ok(sources)
}

fn report_set(set: &VexSet) {
    for u in set.untrusted() {
        eprintln!(
            "stella: warning: not applied (untrusted): {} by {:?}{}: {}",
            u.document,
            u.author,
            u.statement
                .map(|s| format!(" statement #{s}"))
                .unwrap_or_default(),
            serde_json::to_string(&u.reason).unwrap_or_default()
        );
    }
    for w in set.expired_waivers() {
        eprintln!(
            "stella: warning: waiver {} for {} ({}) approved by {:?} {} {}; ignored",
            w.digest,
            w.artifact,
            w.vulnerabilities.join(", "),
            w.approver,
            if w.not_yet_valid {
                "is not valid yet, expires"
            } else {
                "expired"
            },
            w.expires
        );
    }
}

fn run_merge(args: MergeArgs) -> Result<Outcome, CliError> {
    let now = args.clock.now()?;
    let (policy, sources) = read_sources_for(&args.files, &args.inputs, now)?;
    let set = VexSet::build(sources, &policy, now);
    report_set(&set);
    let merged = set
        .merge(&MergeOptions {
            now,
            author: args.author.clone(),
            explain: args.explain,
        })
        .and_then(|m| {
            m.filtered(&MergeFilter {
                products: args.product.clone(),
                vulnerabilities: args.vuln.clone(),
            })
        })
        .map_err(|e| {
            let inputs: Vec<String> = args.files.iter().map(|f| name(f)).collect();
            CliError::library(inputs.join(", "), e)
        })?;
    if args.explain {
        eprint!("{}", merged.explain());
    }
    let bytes = merged
        .document
        .to_json()
        .map_err(|e| CliError::library("merged document", e))?;
    write_output(args.output_file.as_deref(), &bytes)?;
    Ok(Outcome::Ok)
}

fn run_apply(args: ApplyArgs) -> Result<Outcome, CliError> {
    let now = args.clock.now()?;
    let findings_bytes = read_input(&args.findings)?;
    let findings = read_findings(&findings_bytes, &JsonLimits::default())
        .map_err(|e| CliError::library(name(&args.findings), e))?;
    let (policy, sources) = read_sources_for(&args.vex, &args.inputs, now)?;
    let set = VexSet::build(sources, &policy, now);
    report_set(&set);
    let applied = set.apply(&findings);
    let mut bytes =
        serde_json::to_vec_pretty(&applied).map_err(|e| CliError::library("apply result", e))?;
    bytes.push(b'\n');
    write_output(args.output_file.as_deref(), &bytes)?;
    Ok(Outcome::Ok)
}

fn run_create(args: CreateArgs) -> Result<Outcome, CliError> {
    let now = args.clock.now()?;
    let findings_bytes = read_input(&args.from)?;
    let findings = read_findings(&findings_bytes, &JsonLimits::default())
        .map_err(|e| CliError::library(name(&args.from), e))?;
    let policy = match &args.policy {
        Some(path) => {
            let text = String::from_utf8(read_input(path)?).map_err(|e| CliError::Usage {
                what: "--policy",
                value: name(path),
                reason: e.to_string(),
            })?;
            VexPolicy::from_yaml(&text).map_err(|e| CliError::library(name(path), e))?
        }
        None => VexPolicy {
            author: args.author.clone(),
            role: None,
            rules: Vec::new(),
        },
    };
    let doc =
        generate(&findings, &policy, now).map_err(|e| CliError::library(name(&args.from), e))?;
    // A document with no statements is not valid OpenVEX to hand out: say so, as before.
    validate(&doc, &ValidationOptions::at(now))
        .map_err(|e| CliError::library(name(&args.from), e))?;
    let bytes = doc
        .to_json()
        .map_err(|e| CliError::library("generated document", e))?;
    write_output(args.output_file.as_deref(), &bytes)?;
    Ok(Outcome::Ok)
}

fn run_filter(args: FilterArgs) -> Result<Outcome, CliError> {
    let now = args.clock.now()?;
    let sarif = read_input(&args.sarif)?;
    let (policy, sources) = read_sources_for(&args.vex, &args.inputs, now)?;
    let set = VexSet::build(sources, &policy, now);
    report_set(&set);
    let filtered = stella_vex::filter_sarif(
        &sarif,
        &set,
        &stella_vex::FilterOptions {
            image: args.image.clone(),
            remove: args.remove,
            limits: JsonLimits::default(),
        },
    )
    .map_err(|e| CliError::library(name(&args.sarif), e))?;
    let r = &filtered.report;
    eprintln!(
        "stella: {}: {} result(s), {} {} by VEX",
        name(&args.sarif),
        r.results,
        r.suppressed,
        if args.remove { "removed" } else { "suppressed" }
    );
    write_output(args.output_file.as_deref(), &filtered.sarif)?;
    Ok(Outcome::Ok)
}

fn run_convert(args: ConvertArgs) -> Result<Outcome, CliError> {
    let bytes = read_bounded(
        &args.file,
        stella::vex::MAX_VEX_INPUT_BYTES,
        "bytes of a VEX input",
    )
    .map_err(|e| CliError::library(name(&args.file), e))?;
    let to = stella_vex::VexFormat::parse(&args.to).ok_or_else(|| CliError::Usage {
        what: "--to",
        value: args.to.clone(),
        reason: "one of openvex, cyclonedx, spdx3".into(),
    })?;
    let from = stella_vex::detect_format(&bytes);
    let doc = if from == stella_vex::VexFormat::Csaf {
        stella_vex::import_csaf(
            &bytes,
            &stella_vex::CsafOptions {
                products: args.product.clone(),
                ..stella_vex::CsafOptions::default()
            },
        )
        .map_err(|e| CliError::library(name(&args.file), e))?
        .document
    } else {
        if !args.product.is_empty() {
            return Err(CliError::Usage {
                what: "--product",
                value: args.product.join(", "),
                reason: format!("filters CSAF input; {} is {from}", name(&args.file)),
            });
        }
        let (doc, upgrades, _) =
            stella_vex::read_any(&bytes).map_err(|e| CliError::library(name(&args.file), e))?;
        if !upgrades.is_empty() {
            let what: Vec<String> = upgrades.iter().map(|u| u.to_string()).collect();
            eprintln!(
                "stella: note: {}: upgraded as go-vex reads it: {}",
                name(&args.file),
                what.join("; ")
            );
        }
        doc
    };
    if doc.statements.is_empty() {
        return Err(CliError::Usage {
            what: "input",
            value: name(&args.file),
            reason: "no statement to convert (a VEX document needs one; check --product)".into(),
        });
    }
    let out = stella_vex::write_as(&doc, to).map_err(|e| CliError::library(name(&args.file), e))?;
    eprintln!(
        "stella: {}: {from} -> {to}, {} statement(s)",
        name(&args.file),
        doc.statements.len()
    );
    write_output(args.output_file.as_deref(), &out)?;
    Ok(Outcome::Ok)
}

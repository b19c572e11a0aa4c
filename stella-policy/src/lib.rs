//! # stella-policy
//!
//! The policy gate: may this image ship? Code-reviewable Rego (run by the `regorus` engine) over
//! one input document — findings with their VEX-applied status, VEX statements, attestations,
//! waivers, the image and the scan manifest — and a decision record of every verdict.
//!
//! - [`Bundle`]: Rego modules plus `data.json`/`data.yaml` files placed at their directory's
//!   path, as OPA lays out a bundle (also read from OPA's `.tar.gz` format, `.manifest` roots
//!   enforced), named by the digest of their canonical manifest, with an optional revision (the
//!   manifest's, or the caller's). OPA syntax v0 and v1 are both accepted, module by
//!   module ([`syntax`] states the rule), so the seed's example policies run as written.
//! - [`GateInput`]: the input schema ([`input`] documents it; [`GATE_INPUT_SCHEMA`] is the JSON
//!   Schema): what people write by hand is accepted (the seed's minimal example), every optional
//!   field has a documented default, an unknown field is refused except inside the free-form
//!   `scan` and the caller's own `context` (bounded while parsed).
//! - [`Gate`]: evaluates `data.stella.policy` (or another package): `allow`, `violation` /
//!   `deny`, `warn`; bounded by [`EvalLimits`]. Before anything is compiled, the parsed modules
//!   are checked: recursion (direct, mutual, through rules, `data.` references, imports, `with`)
//!   is refused ([`RegoError::Recursion`]), as is any builtin not on
//!   [`analysis::ALLOWED_BUILTINS`], the
//!   pure ones ([`RegoError::ForbiddenBuiltin`]: `rand.intn`, `time.now_ns`, `http.send`, …),
//!   so the same input and bundle always give the same decision; rule chains deeper than
//!   [`analysis::MAX_RULE_DEPTH`] are refused and evaluation runs on a thread with a fixed stack
//!   ([`EVAL_STACK_BYTES`]), so a policy cannot overflow the stack.
//! - [`builtin_bundle`]: the seed's two policies plus waiver expiry, `under_investigation`
//!   criticals and attestation-to-image binding.
//! - [`index`]: lookup indexing, the rewrite that makes the seed's per-finding VEX scan a
//!   set lookup (same decisions, linear time; [`GateOptions::index_lookups`]).
//! - [`Gate::explain`] ([`explain`]): why each rule has its value, which findings, VEX
//!   statements, attestations or waivers decide it, from the engine's own answers.
//! - [`test_runner::run_tests`]: `test_*` rules run as `opa test` runs them.
//! - [`DecisionRecord`]: canonical JSON, signable as an in-toto attestation
//!   ([`DecisionRecord::sign`]); [`replay`] proves a decision byte for byte.
//!
//! ```
//! use stella_core::{FixedClock, Timestamp};
//! use stella_policy::{builtin_bundle, BuiltinOptions, Gate, GateInput, GateOptions};
//!
//! let bundle = builtin_bundle(BuiltinOptions::default())?;
//! let gate = Gate::new(&bundle, GateOptions::default())?;
//! let input = GateInput::from_json(br#"{
//!   "image": {"digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000"},
//!   "scan": {},
//!   "findings": [{"id": "CVE-2024-1", "aliases": [], "severity": "CRITICAL",
//!                 "exploitability": "affected", "package": {"purl": "pkg:npm/a@1"},
//!                 "fixed_versions": [], "reachability": "reachable"}],
//!   "vex": [], "attestations": [], "waivers": []
//! }"#)?;
//! let clock = FixedClock::new(Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap());
//! let record = gate.decide(&input, &bundle, &clock, "ci")?;
//! assert!(!record.result.allow);
//! # Ok::<(), stella_policy::PolicyError>(())
//! ```
//!
//! This crate does no IO and reads no clock of its own: bundles and inputs come in as bytes,
//! time comes from a [`stella_core::Clock`]. (The optional [`EvalLimits::max_time`] lets regorus
//! read a monotonic clock to abort a runaway evaluation; it is off by default.)
//!
//! ## Dependencies and why
//! - `regorus`: the Rego engine (features `arc` for `Send + Sync` values, `std` for the
//!   execution timer, `rvm` for the compiled VM and its deterministic instruction limit; the
//!   default features would add ~20 builtin families we do not need and double the build time).
//!   The load-time checks walk its parsed modules through `regorus::unstable` (the AST) and
//!   `Engine::get_modules`, which are not covered by semver: the version is pinned exactly.
//! - `anyhow`: regorus reports errors as `anyhow::Error`; they are mapped to [`PolicyError`] and
//!   never leave the crate.
//! - `stella-core`: digests, RFC 8785 canonical JSON, the strict parser, `Clock`, `Signer`.
//! - `stella-attest`: the in-toto statement, the policy-decision predicate and DSSE envelopes
//!   of signed decision records.
//! - `serde`, `serde_json`: the input and record types. `thiserror`: the error enum.
//! - `flate2`, `tar`: OPA's `.tar.gz` bundle format ([`Bundle::from_tar_gz`]), read from bytes
//!   within [`BundleLimits`] (the same crates the OSV import and the image reader use).
//! - `serde_norway`: `data.yaml` files of a bundle (OPA accepts YAML data; the workspace's
//!   YAML crate, the maintained serde_yaml fork).

pub mod analysis;
mod builtin;
mod bundle;
mod context;
mod error;
pub mod explain;
mod gate;
pub mod index;
pub mod input;
mod record;
pub mod syntax;
pub mod test_runner;

pub use builtin::{
    BuiltinOptions, SEED_EXPLOITABLE, SEED_REKOR, STELLA_BUILTIN, UnderInvestigation,
    builtin_bundle,
};
pub use bundle::{Bundle, BundleLimits, DATA_FILE, DATA_YAML_FILES, MANIFEST_FILE, Module};
pub use error::{
    BundleError, DataProblem, EvalError, InputError, InputProblem, PolicyError, RecordError,
    RecordProblem, RegoError,
};
pub use gate::{
    DEFAULT_QUERY, ENGINE_NAME, ENGINE_VERSION, EVAL_STACK_BYTES, EvalLimits, Gate, GateOptions,
    TEST_SUFFIX, Verdict,
};
pub use input::{
    Attestation, Finding, GATE_INPUT_SCHEMA, GateInput, Image, MAX_CONTEXT_BYTES,
    MAX_CONTEXT_DEPTH, PackageRef, Reachability, Rekor, Severity, VexStatement, VexStatus, Waiver,
};
pub use record::{
    DecisionRecord, EngineRef, PolicyRef, RECORD_SCHEMA, Replay, STELLA_VERSION, replay,
    replay_with,
};

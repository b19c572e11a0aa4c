//! Evaluating a bundle's decision rules over a gate input.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use regorus::rvm::RegoVM;
use regorus::rvm::program::Program;
use regorus::rvm::vm::VmError;
use regorus::utils::limits::ExecutionTimerConfig;
use regorus::{CompiledPolicy, Engine, Value};
use serde::{Deserialize, Serialize};

use crate::analysis;
use crate::bundle::Bundle;
use crate::error::{BundleError, EvalError, PolicyError, RegoError};
use crate::index;
use crate::input::GateInput;
use crate::syntax::{self, Prepared};

/// The query evaluated when the caller names none.
pub const DEFAULT_QUERY: &str = "data.stella.policy";

/// The name of the Rego engine, as recorded in decision records.
pub const ENGINE_NAME: &str = "regorus";
/// The version of the Rego engine this crate is built against (pinned in the workspace).
pub const ENGINE_VERSION: &str = "0.14.1";

/// Bounds on one evaluation, so a hostile or buggy policy cannot hang a CI.
///
/// Evaluation runs on regorus' compiled RVM: the policy is compiled once per [`Gate`]. (regorus'
/// tree-walking interpreter is not used: it has no instruction limit, is slower on the seed
/// policy, and in 0.14.1 fails on a function whose definitions are split across modules, which
/// the built-in bundle's `waived` is.)
///
/// `max_instructions` is deterministic (the same input and policy always stop at the same
/// point) and counts per rule evaluated (`allow`, `violation`,
/// `deny`, `warn`: at most four per decision). regorus' own default is 25,000 instructions,
/// which a 1,000-finding input already exceeds with the seed policy; Stella's default,
/// 500,000,000, lets the seed policy run on 100,000 findings with 10,000 VEX statements
/// (about 2 × 10⁸ instructions) and stops a runaway loop after a few seconds.
///
/// `max_time` is regorus' cooperative execution timer (it reads a monotonic clock inside the
/// engine only to abort; a result never depends on it). `None` (the default) leaves it off, so
/// a pure caller stays deterministic; the `stella` CLI sets it.
///
/// The native stack is bounded too: loading and each evaluation run on a thread with an
/// [`EVAL_STACK_BYTES`] stack, recursion is refused when the bundle loads and the depth of rule
/// chains is at most [`crate::analysis::MAX_RULE_DEPTH`].
///
/// Not bounded: the memory of a single builtin call (`numbers.range(1, 1e9)` allocates its
/// whole array before the next instruction is counted). regorus can cap memory only through
/// its `allocator-memory-limits` feature, which installs mimalloc as the process's global
/// allocator — not something a library may impose on its embedder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalLimits {
    /// Most RVM instructions per rule evaluation.
    pub max_instructions: u64,
    /// Most wall-clock time per rule evaluation, when set.
    pub max_time: Option<Duration>,
}

impl Default for EvalLimits {
    fn default() -> Self {
        Self {
            max_instructions: 500_000_000,
            max_time: None,
        }
    }
}

/// How a [`Gate`] is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateOptions {
    /// The package to evaluate, `data.`-rooted (default [`DEFAULT_QUERY`]).
    pub query: String,
    /// Evaluation bounds.
    pub limits: EvalLimits,
    /// Apply the lookup indexing of [`crate::index`] (default on): the same decisions, linear
    /// instead of quadratic time for "scan for a key" functions such as the seed's `waived`.
    pub index_lookups: bool,
}

impl Default for GateOptions {
    fn default() -> Self {
        Self {
            query: DEFAULT_QUERY.to_owned(),
            limits: EvalLimits::default(),
            index_lookups: true,
        }
    }
}

/// The result of a gate evaluation.
///
/// `allow` is true only when the package's `allow` (if it defines one) is true **and** the
/// `violation` and `deny` sets (if defined) are empty. `violations` is the union of `violation`
/// and `deny`, `warnings` the `warn` set; both sorted by code point and free of duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    /// Whether the gate lets the image through.
    pub allow: bool,
    /// Why not (from `violation` and `deny`).
    pub violations: Vec<String>,
    /// Warnings (from `warn`); they never deny.
    pub warnings: Vec<String>,
}

/// Which decision rules the queried package defines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Rules {
    allow: bool,
    violation: bool,
    deny: bool,
    warn: bool,
}

/// A loaded, compiled policy bundle, ready to evaluate inputs.
///
/// ```
/// use stella_policy::{Bundle, Gate, GateInput, GateOptions};
///
/// let bundle = Bundle::from_files(
///     [("gate.rego", &b"package stella.policy\n\nallow { count(input.findings) == 0 }\n"[..])],
///     None,
/// )?;
/// let gate = Gate::new(&bundle, GateOptions::default())?;
/// let input = GateInput::from_json(br#"{
///   "image": {"digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000"},
///   "scan": {}, "findings": [], "vex": [], "attestations": [], "waivers": []
/// }"#)?;
/// assert!(gate.evaluate(&input)?.allow);
/// # Ok::<(), stella_policy::PolicyError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Gate {
    options: GateOptions,
    rules: Rules,
    compiled: CompiledPolicy,
    program: Arc<Program>,
    data: Option<Value>,
    indexed: usize,
}

impl Gate {
    /// Loads `bundle` into the engine (detecting each module's syntax, see [`crate::syntax`]),
    /// refuses recursion, builtins not on [`crate::analysis::ALLOWED_BUILTINS`] and rule chains deeper
    /// than [`crate::analysis::MAX_RULE_DEPTH`] ([`RegoError::Recursion`],
    /// [`RegoError::ForbiddenBuiltin`], [`RegoError::UnknownFunction`], [`RegoError::TooDeep`]),
    /// finds the decision rules of the queried package and compiles them; then, unless
    /// [`GateOptions::index_lookups`] is off, applies the lookup indexing of [`crate::index`].
    pub fn new(bundle: &Bundle, options: GateOptions) -> Result<Self, PolicyError> {
        if options
            .query
            .strip_prefix("data.")
            .is_none_or(|p| p.is_empty())
        {
            return Err(RegoError::BadQuery {
                query: options.query.clone(),
            }
            .into());
        }
        let data = bundle.data().map(|json| Value::from(json.clone()));
        let as_written = policy_modules(bundle);
        let roots = bundle.roots();
        let (rules, compiled, program) = on_eval_stack(&options.query, || {
            load(&as_written, data.as_ref(), roots, &options.query)
        })?;
        let mut gate = Self {
            options,
            rules,
            compiled,
            program,
            data,
            indexed: 0,
        };
        if gate.options.index_lookups && !as_written.iter().any(|(_, t)| index::uses_with(t)) {
            let mut changed = 0;
            let rewritten: Vec<(String, String)> = as_written
                .iter()
                .enumerate()
                .map(|(k, (name, text))| match index::rewrite(text, k) {
                    Some((new, count)) => {
                        changed += count;
                        (name.clone(), new)
                    }
                    None => (name.clone(), text.clone()),
                })
                .collect();
            if changed > 0 {
                let query = &gate.options.query;
                let data = gate.data.as_ref();
                if let Ok((rules, compiled, program)) =
                    on_eval_stack(query, || load(&rewritten, data, roots, query))
                {
                    if rules == gate.rules {
                        gate.compiled = compiled;
                        gate.program = program;
                        gate.indexed = changed;
                    }
                }
            }
        }
        Ok(gate)
    }

    /// How many function definitions run with lookup indexing (see [`crate::index`]); 0 when
    /// it is off or nothing matched.
    pub fn indexed_lookups(&self) -> usize {
        self.indexed
    }

    /// The options this gate was built with.
    pub fn options(&self) -> &GateOptions {
        &self.options
    }

    /// Evaluates the decision rules over `input` (on a thread of its own, see
    /// [`EvalLimits`]).
    pub fn evaluate(&self, input: &GateInput) -> Result<Verdict, PolicyError> {
        let value = input.to_engine_value()?;
        on_eval_stack(&self.options.query, || self.evaluate_value(value))
    }

    /// Evaluates over an input already in the engine's value type.
    fn evaluate_value(&self, input: Value) -> Result<Verdict, PolicyError> {
        let q = &self.options.query;
        let mut runner = Runner::new(
            &self.compiled,
            &self.program,
            self.data.as_ref(),
            self.options.limits,
        )?;
        runner.set_input(input);
        let mut eval = |rule: &str| runner.eval(rule);
        let mut verdict = Verdict {
            allow: true,
            violations: Vec::new(),
            warnings: Vec::new(),
        };
        if self.rules.allow {
            let rule = format!("{q}.allow");
            match eval(&rule)? {
                Value::Bool(b) => verdict.allow = b,
                Value::Undefined => verdict.allow = false,
                other => {
                    return Err(EvalError::NonBooleanAllow {
                        rule,
                        value: json_text(&other),
                    }
                    .into());
                }
            }
        }
        for (has, name, warn) in [
            (self.rules.violation, "violation", false),
            (self.rules.deny, "deny", false),
            (self.rules.warn, "warn", true),
        ] {
            if !has {
                continue;
            }
            let rule = format!("{q}.{name}");
            let value = eval(&rule)?;
            let messages = messages(&rule, &value)?;
            if warn {
                verdict.warnings.extend(messages);
            } else {
                verdict.violations.extend(messages);
            }
        }
        verdict.violations.sort();
        verdict.violations.dedup();
        verdict.warnings.sort();
        verdict.warnings.dedup();
        if !verdict.violations.is_empty() {
            verdict.allow = false;
        }
        Ok(verdict)
    }
}

/// The stack size of the thread that loads, compiles and evaluates a policy. regorus' VM
/// evaluates a rule or function reference by a native call (about 55 KiB of stack per level in
/// a debug build, a few KiB optimized), so the stack is fixed here rather than inherited from
/// whichever thread the caller happens to use, and the nesting is bounded at load time by
/// [`crate::analysis::MAX_RULE_DEPTH`] (recursion is refused outright, see [`crate::analysis`]). The stack is
/// reserved address space; only the pages used are backed by memory.
pub const EVAL_STACK_BYTES: usize = 64 << 20;

/// Runs `f` on a thread with an [`EVAL_STACK_BYTES`] stack.
pub(crate) fn on_eval_stack<T: Send>(
    query: &str,
    f: impl FnOnce() -> Result<T, PolicyError> + Send,
) -> Result<T, PolicyError> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("stella-policy-eval".to_owned())
            .stack_size(EVAL_STACK_BYTES)
            .spawn_scoped(scope, f)
            .map_err(|e| EvalError::Engine {
                rule: query.to_owned(),
                message: format!("the evaluation thread could not be started: {e}"),
            })?;
        handle.join().unwrap_or_else(|_| {
            Err(EvalError::Engine {
                rule: query.to_owned(),
                message: "the evaluation thread panicked".to_owned(),
            }
            .into())
        })
    })
}

/// Loads modules (name, text as written) and data, checks the parsed modules (builtins and
/// recursion, see [`crate::analysis`]), finds the decision rules of `query` and compiles them
/// for the RVM.
fn load(
    modules: &[(String, String)],
    data: Option<&Value>,
    roots: Option<&[String]>,
    query: &str,
) -> Result<(Rules, CompiledPolicy, Arc<Program>), PolicyError> {
    let (mut engine, prepared, packages) = parse_checked(modules, data, roots)?;
    let mut rules = Rules::default();
    for ((name, _), pkg) in modules.iter().zip(&packages) {
        if pkg == query {
            let has = |r: &str| engine.has_declared_rule_rooted_at(name, r).unwrap_or(false);
            rules.allow |= has("allow");
            rules.violation |= has("violation");
            rules.deny |= has("deny");
            rules.warn |= has("warn");
        }
    }
    if !(rules.allow || rules.violation || rules.deny) {
        return Err(RegoError::NoDecisionRule {
            query: query.to_owned(),
        }
        .into());
    }
    let names = rule_names(query, rules);
    let (compiled, program) = compile_entry_points(&mut engine, &names, &prepared)?;
    Ok((rules, compiled, program))
}

/// The modules a gate evaluates: every module but the tests (`*_test.rego`, OPA's naming;
/// they are part of the bundle's identity and run by [`crate::test_runner`], and regorus'
/// compiler would refuse the `with` they use), as (name, text as written).
pub(crate) fn policy_modules(bundle: &Bundle) -> Vec<(String, String)> {
    bundle
        .modules()
        .iter()
        .filter(|m| !m.name().ends_with(TEST_SUFFIX))
        .map(|m| (m.name().to_owned(), m.text().to_owned()))
        .collect()
}

/// The file-name suffix of policy test modules (as OPA names them).
pub const TEST_SUFFIX: &str = "_test.rego";

/// Compiles `names` (full rule paths, `data.a.b.rule`) as the RVM program's entry points.
pub(crate) fn compile_entry_points(
    engine: &mut Engine,
    names: &[String],
    prepared: &[(String, Prepared)],
) -> Result<(CompiledPolicy, Arc<Program>), PolicyError> {
    let first = names.first().cloned().unwrap_or_default();
    let compiled = engine
        .compile_with_entrypoint(&first.as_str().into())
        .map_err(|e| map_load_error(&e.to_string(), prepared))?;
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let program =
        regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, &refs)
            .map_err(|e| map_load_error(&e.to_string(), prepared))?;
    Ok((compiled, program))
}

/// A VM over a compiled program, with data and limits set, evaluating entry points by name.
pub(crate) struct Runner {
    vm: RegoVM,
    limits: EvalLimits,
}

impl Runner {
    pub(crate) fn new(
        compiled: &CompiledPolicy,
        program: &Arc<Program>,
        data: Option<&Value>,
        limits: EvalLimits,
    ) -> Result<Self, PolicyError> {
        let mut vm = RegoVM::new_with_policy(compiled.clone());
        vm.load_program(program.clone());
        vm.set_max_instructions(usize::try_from(limits.max_instructions).unwrap_or(usize::MAX));
        vm.set_execution_timer_config(timer(limits));
        if let Some(data) = data {
            vm.set_data(data.clone()).map_err(|e| EvalError::Engine {
                rule: "data".to_owned(),
                message: e.to_string(),
            })?;
        }
        Ok(Self { vm, limits })
    }

    pub(crate) fn set_input(&mut self, input: Value) {
        self.vm.set_input(input);
    }

    pub(crate) fn eval(&mut self, rule: &str) -> Result<Value, PolicyError> {
        self.vm
            .execute_entry_point_by_name(rule)
            .map_err(|e| map_vm_error(rule, &e, &self.limits))
    }
}

pub(crate) fn timer(limits: EvalLimits) -> Option<ExecutionTimerConfig> {
    limits.max_time.map(|limit| ExecutionTimerConfig {
        limit,
        check_interval: NonZeroU32::MIN.saturating_add(999),
    })
}

/// An engine with modules and data loaded, the prepared texts and each module's package.
pub(crate) type Parsed = (Engine, Vec<(String, Prepared)>, Vec<String>);

/// Parses modules (name, text as written) into an engine with `data`, checks each package
/// against the manifest's `roots`, and checks the parsed modules (builtins and recursion, see
/// [`crate::analysis`]). Returns the engine, the prepared texts and each module's package
/// (`data.a.b`, in module order).
pub(crate) fn parse_checked(
    modules: &[(String, String)],
    data: Option<&Value>,
    roots: Option<&[String]>,
) -> Result<Parsed, PolicyError> {
    let mut engine = Engine::new();
    engine.set_rego_v0(true);
    // `print` output is gathered, never written to stderr.
    engine.set_gather_prints(true);
    let mut prepared: Vec<(String, Prepared)> = Vec::new();
    let mut packages = Vec::new();
    for (name, text) in modules {
        let p = syntax::prepare(text);
        let loaded = engine.add_policy(name.clone(), p.text.clone());
        prepared.push((name.clone(), p));
        let pkg = loaded.map_err(|e| map_load_error(&e.to_string(), &prepared))?;
        if let Some(roots) = roots {
            let comps: Vec<String> = pkg
                .strip_prefix("data.")
                .unwrap_or(&pkg)
                .split('.')
                .map(str::to_owned)
                .collect();
            if !crate::bundle::package_in_roots(roots, &comps) {
                return Err(BundleError::OutsideRoots { path: pkg }.into());
            }
        }
        packages.push(pkg);
    }
    if let Some(v) = data {
        engine
            .add_data(v.clone())
            .map_err(|e| map_load_error(&e.to_string(), &prepared))?;
    }
    let parsed = engine.get_modules().clone();
    analysis::check(&parsed, &prepared)?;
    Ok((engine, prepared, packages))
}

fn rule_names(query: &str, rules: Rules) -> Vec<String> {
    [
        (rules.allow, "allow"),
        (rules.violation, "violation"),
        (rules.deny, "deny"),
        (rules.warn, "warn"),
    ]
    .into_iter()
    .filter(|(has, _)| *has)
    .map(|(_, n)| format!("{query}.{n}"))
    .collect()
}

pub(crate) fn json_text(v: &Value) -> String {
    v.to_json_str().unwrap_or_else(|_| format!("{v:?}"))
}

fn messages(rule: &str, value: &Value) -> Result<Vec<String>, PolicyError> {
    let bad = || EvalError::BadMessages {
        rule: rule.to_owned(),
        value: json_text(value),
    };
    match value {
        Value::Undefined => Ok(Vec::new()),
        Value::Set(set) => set
            .iter()
            .map(|m| match m {
                Value::String(s) => Ok(s.to_string()),
                _ => Err(bad().into()),
            })
            .collect(),
        // A rule the RVM found no instance of comes back as an empty array or object.
        Value::Array(a) if a.is_empty() => Ok(Vec::new()),
        Value::Object(o) if o.is_empty() => Ok(Vec::new()),
        _ => Err(bad().into()),
    }
}

/// Maps an engine error from loading or compiling to a typed error, with the position mapped
/// back to the file as written.
fn map_load_error(text: &str, prepared: &[(String, Prepared)]) -> PolicyError {
    if let Some((file, line, col, message)) = parse_position(text) {
        let col = prepared
            .iter()
            .find(|(name, _)| *name == file)
            .map_or(col, |(_, p)| p.original_column(line, col));
        return RegoError::Syntax {
            file,
            line,
            col,
            message,
        }
        .into();
    }
    RegoError::Compile {
        message: text.trim().to_owned(),
    }
    .into()
}

/// regorus reports `\n--> file:line:col\n  |\n… \nerror: message`.
fn parse_position(text: &str) -> Option<(String, u32, u32, String)> {
    let start = text.find("--> ")? + 4;
    let rest = text.get(start..)?;
    let head = rest.lines().next()?;
    let mut parts = head.rsplitn(3, ':');
    let col = parts.next()?.trim().parse().ok()?;
    let line = parts.next()?.trim().parse().ok()?;
    let file = parts.next()?.to_owned();
    let message = text
        .rfind("error: ")
        .and_then(|i| text.get(i + 7..))
        .map_or_else(|| text.trim().to_owned(), |m| m.trim().to_owned());
    Some((file, line, col, message))
}

fn map_vm_error(rule: &str, e: &VmError, limits: &EvalLimits) -> PolicyError {
    match e {
        VmError::InstructionLimitExceeded { .. } => EvalError::InstructionLimit {
            limit: limits.max_instructions,
        }
        .into(),
        VmError::TimeLimitExceeded { limit, .. } => EvalError::TimeLimit {
            limit_ms: u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
        }
        .into(),
        other => EvalError::Engine {
            rule: rule.to_owned(),
            message: other.to_string(),
        }
        .into(),
    }
}

//! The error type of `stella-policy`.

/// Everything that can go wrong loading a policy bundle, building a gate input, evaluating a
/// policy or replaying a decision.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The policy bundle was not usable.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// A Rego module failed to parse or compile.
    #[error(transparent)]
    Rego(#[from] RegoError),
    /// The gate input was not valid.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Evaluation failed or produced an unusable result.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// A decision record was not valid or could not be written.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// Signing a decision record failed.
    #[error("signing the decision record failed: {source}")]
    Sign {
        /// What stella-attest reported.
        #[source]
        source: stella_attest::AttestError,
    },
}

/// A policy bundle problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The bundle holds no `.rego` module.
    #[error("policy bundle has no .rego module")]
    Empty,
    /// A file name is not a relative path of `/`-separated, non-empty, non-`..` components.
    #[error("policy bundle file name {name:?} is not a plain relative path")]
    BadName {
        /// The name given.
        name: String,
    },
    /// The same file name was given twice.
    #[error("policy bundle file {name:?} given twice")]
    Duplicate {
        /// The name.
        name: String,
    },
    /// A file is neither a `.rego` module, a data file nor the top `.manifest`.
    #[error(
        "policy bundle file {name:?} is neither a .rego module, data.json/data.yaml nor .manifest"
    )]
    UnknownFile {
        /// The name.
        name: String,
    },
    /// A module is not UTF-8.
    #[error("policy module {name} is not UTF-8 (at byte {valid_up_to})")]
    NotUtf8 {
        /// The module's name.
        name: String,
        /// How many leading bytes are valid UTF-8.
        valid_up_to: usize,
    },
    /// The data JSON is not a strict JSON object.
    #[error("policy data {name}: {reason}")]
    BadData {
        /// The file name.
        name: String,
        /// What was wrong.
        reason: DataProblem,
    },
    /// Two data files give the same leaf (OPA refuses the merge too).
    #[error("policy data {name} conflicts with another data file at {path}")]
    DataConflict {
        /// The file merged last.
        name: String,
        /// The data path both define.
        path: String,
    },
    /// A package or data path lies outside every root of the bundle's `.manifest`.
    #[error("{path} is outside the roots of the bundle's .manifest")]
    OutsideRoots {
        /// The package or data path (`data.a.b`).
        path: String,
    },
    /// The bundle's `.manifest` is not usable (overlapping roots).
    #[error("policy bundle .manifest: {reason}")]
    BadManifest {
        /// What was wrong.
        reason: String,
    },
    /// A part of OPA's bundle format Stella does not read (signatures, Wasm, plans, delta
    /// bundles, links): refused rather than silently ignored.
    #[error("policy bundle file {name:?}: {what} are not supported")]
    Unsupported {
        /// The file.
        name: String,
        /// What is not supported.
        what: &'static str,
    },
    /// The `.tar.gz` bundle could not be read (gzip, tar, or over the decompression limit).
    #[error("policy bundle archive: {reason}")]
    Archive {
        /// What the gzip or tar reader reported.
        reason: String,
    },
    /// A size or count limit was exceeded.
    #[error("policy bundle {limit} exceeded: {actual} > {max}")]
    Limit {
        /// Which limit.
        limit: &'static str,
        /// The configured maximum.
        max: u64,
        /// The value seen.
        actual: u64,
    },
}

/// A Rego module that the engine refused, with its position in the file as written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegoError {
    /// A parse or compile error at a position.
    #[error("{file}:{line}:{col}: {message}")]
    Syntax {
        /// The module's file name in the bundle.
        file: String,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        col: u32,
        /// The engine's message.
        message: String,
    },
    /// A compile-time error the engine reported without a position (for example an undefined
    /// reference found while compiling the decision rules).
    #[error("policy does not compile: {message}")]
    Compile {
        /// The engine's message.
        message: String,
    },
    /// The query is not a `data.` path.
    #[error("query {query:?} is not a data document path such as data.stella.policy")]
    BadQuery {
        /// The query given.
        query: String,
    },
    /// A rule or function depends on itself: directly, through other rules or functions, or
    /// through a `data.` reference to its own package. OPA refuses recursion when it compiles a
    /// policy; regorus 0.14.1 would recurse until the stack overflows.
    #[error("{file}:{line}:{col}: recursion: {}", cycle.join(" -> "))]
    Recursion {
        /// The module's file name in the bundle.
        file: String,
        /// 1-based line of the reference that closes the cycle.
        line: u32,
        /// 1-based column.
        col: u32,
        /// The rules of the cycle in call order, the first repeated at the end
        /// (`data.p.f -> data.p.g -> data.p.f`).
        cycle: Vec<String>,
    },
    /// A call of a builtin that is not on the allow-list of pure builtins (it reads the clock,
    /// randomness, the network or the environment, or is debug output): decisions must be
    /// reproducible.
    #[error("{file}:{line}:{col}: builtin {builtin} is not allowed in a policy: {reason}")]
    ForbiddenBuiltin {
        /// The module's file name in the bundle.
        file: String,
        /// 1-based line of the call.
        line: u32,
        /// 1-based column.
        col: u32,
        /// The builtin as called (`rand.intn`).
        builtin: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A call of a function that is neither defined by the bundle nor an allowed builtin.
    #[error("{file}:{line}:{col}: unknown function {name}")]
    UnknownFunction {
        /// The module's file name in the bundle.
        file: String,
        /// 1-based line of the call.
        line: u32,
        /// 1-based column.
        col: u32,
        /// The function as called.
        name: String,
    },
    /// Rules and functions depend on each other more levels deep than the gate evaluates
    /// ([`crate::analysis::MAX_RULE_DEPTH`], which bounds the evaluator's stack use).
    #[error("{file}:{line}:{col}: rules depend on each other {depth} levels deep, more than {max}: {}", chain.join(" -> "))]
    TooDeep {
        /// The module's file name in the bundle.
        file: String,
        /// 1-based line of the first rule of the chain.
        line: u32,
        /// 1-based column.
        col: u32,
        /// The depth found.
        depth: usize,
        /// The limit.
        max: usize,
        /// The chain, outermost rule first.
        chain: Vec<String>,
    },
    /// The queried package defines none of `allow`, `violation`, `deny`.
    #[error("policy package {query} defines neither allow nor violation/deny")]
    NoDecisionRule {
        /// The query.
        query: String,
    },
}

/// A gate input that does not follow the schema.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The input is too large, not strict JSON, or misses / mistypes a field.
    #[error("gate input does not follow the schema: {reason}")]
    Schema {
        /// What was wrong.
        reason: InputProblem,
    },
    /// A digest field is not `sha256:<hex>`.
    #[error("gate input field {field}: {value:?} is not a sha256 digest")]
    BadDigest {
        /// The field.
        field: &'static str,
        /// The value.
        value: String,
    },
    /// The input could not be written as canonical JSON.
    #[error("gate input could not be converted: {reason}")]
    Convert {
        /// What the canonical JSON writer reported.
        reason: stella_core::CoreError,
    },
}

/// An evaluation problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// `allow` evaluated to something other than a boolean.
    #[error("{rule} must be a boolean, got {value}")]
    NonBooleanAllow {
        /// The rule path.
        rule: String,
        /// The value, as JSON.
        value: String,
    },
    /// `violation`, `deny` or `warn` evaluated to something other than a set of strings.
    #[error("{rule} must be a set of strings, got {value}")]
    BadMessages {
        /// The rule path.
        rule: String,
        /// The value, as JSON.
        value: String,
    },
    /// The evaluation exceeded the instruction limit.
    #[error("policy evaluation exceeded {limit} instructions (EvalLimits::max_instructions)")]
    InstructionLimit {
        /// The limit in force.
        limit: u64,
    },
    /// The evaluation exceeded the time limit.
    #[error("policy evaluation exceeded the time limit of {limit_ms} ms (EvalLimits::max_time)")]
    TimeLimit {
        /// The limit in force, in milliseconds.
        limit_ms: u64,
    },
    /// The engine failed at run time (a builtin error, a conflict, an undefined function).
    #[error("policy evaluation of {rule} failed: {message}")]
    Engine {
        /// The rule being evaluated.
        rule: String,
        /// The engine's message.
        message: String,
    },
}

/// A decision record problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The record bytes are not a valid decision record.
    #[error("decision record is not valid: {reason}")]
    Parse {
        /// What was wrong.
        reason: RecordProblem,
    },
    /// Canonical JSON could not be produced.
    #[error("decision record could not be canonicalized: {source}")]
    Canonical {
        /// The core error.
        #[source]
        source: stella_core::CoreError,
    },
    /// The record is about no image (the input named none), so it cannot be an in-toto
    /// statement about one.
    #[error(
        "the decision record names no image (input.image was absent), so it has no subject to sign"
    )]
    NoImage,
    /// The replay's input or bundle is not the one the record names.
    #[error("replay {what} digest {actual} does not match the record's {expected}")]
    Mismatch {
        /// `input` or `policy bundle`.
        what: &'static str,
        /// The digest in the record.
        expected: String,
        /// The digest of what was given.
        actual: String,
    },
}

/// Why a policy bundle's data document (or its manifest) was refused
/// ([`BundleError::BadData`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataProblem {
    /// The document is not strict JSON (syntax, duplicate keys, depth or number limits).
    #[error(transparent)]
    Json(stella_core::CoreError),
    /// The document is JSON but not an object.
    #[error("the data document must be a JSON object")]
    NotAnObject,
    /// A YAML data document is not valid YAML, holds a duplicate key or non-string key, or is
    /// over its bounds.
    #[error("{message}")]
    Yaml {
        /// The YAML reader's message.
        message: String,
    },
    /// The bundle manifest could not be written as canonical JSON.
    #[error(transparent)]
    Canonical(stella_core::CoreError),
}

/// Why a gate input does not follow the schema ([`InputError::Schema`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputProblem {
    /// The input is larger than the parser accepts.
    #[error("input is {actual} bytes, more than the {max} allowed")]
    TooLarge {
        /// The input's size in bytes.
        actual: usize,
        /// The most bytes accepted.
        max: usize,
    },
    /// The input is not strict JSON, or misses / mistypes a field (the message names the
    /// field and position).
    #[error(transparent)]
    Json(stella_core::CoreError),
}

/// Why decision record bytes are not a valid record ([`RecordError::Parse`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordProblem {
    /// The bytes are not strict JSON, or miss / mistype a field.
    #[error(transparent)]
    Json(stella_core::CoreError),
    /// The record names another schema than this version writes.
    #[error("schema is {found:?}, expected {expected:?}")]
    Schema {
        /// The record's `schema`.
        found: String,
        /// The schema this version reads.
        expected: &'static str,
    },
    /// The record could not be turned into a JSON value to compare with its replay.
    #[error(transparent)]
    Value(serde_json::Error),
}

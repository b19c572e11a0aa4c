//! Policy unit tests, as `opa test` runs them: every rule whose name starts with `test_`, in any
//! package of the bundle, is a test.
//!
//! A test **passes** when it is defined and not `false`, **fails** when it is `false` or
//! undefined (its body did not hold), and is an **error** when evaluating it failed (a builtin
//! error, a conflict, a limit). A rule named `todo_test_…` is **skipped**, as OPA skips it.
//! Tests usually mock the input and data with `with input as {…}` / `with data.x as …`.
//!
//! Tests run on regorus' tree-walking interpreter, not the compiled RVM the gate uses: the
//! RVM compiler of regorus 0.14.1 does not support `with`, which nearly every test uses. So a
//! test runs under [`EvalLimits::max_time`] only (the interpreter has no instruction count;
//! `stella gate test` sets a time limit), on the evaluation thread of
//! [`crate::EVAL_STACK_BYTES`], after the same load-time checks as a gate (recursion,
//! builtins, depth). The interpreter of 0.14.1 fails on a function whose definitions are
//! split across modules (the built-in bundle's `waived`); such a test is reported as an error,
//! never as a pass. Results are sorted by package, then name, and carry no timings, so a run's
//! output is deterministic.
//!
//! One difference from OPA: a test name defined twice is one rule whose definitions are
//! alternatives (it passes if either body holds), where OPA reports `test_x` and `test_x#01`
//! separately.
//!
//! ```
//! use stella_policy::{Bundle, EvalLimits};
//! use stella_policy::test_runner::{run_tests, Outcome};
//!
//! let bundle = Bundle::from_files(
//!     [
//!         ("gate.rego", &b"package stella.policy\nimport rego.v1\ndefault allow := false\nallow if input.context.environment == \"dev\"\n"[..]),
//!         ("gate_test.rego", b"package stella.policy_test\nimport rego.v1\nimport data.stella.policy\ntest_dev_allowed if policy.allow with input as {\"context\": {\"environment\": \"dev\"}}\ntest_prod_denied if not policy.allow with input as {\"context\": {\"environment\": \"prod\"}}\n"),
//!     ],
//!     None,
//! )?;
//! let results = run_tests(&bundle, EvalLimits::default())?;
//! assert_eq!(results.len(), 2);
//! assert!(results.iter().all(|r| r.outcome == Outcome::Pass));
//! # Ok::<(), stella_policy::PolicyError>(())
//! ```

use regorus::Value;
use serde::Serialize;

use crate::analysis;
use crate::bundle::Bundle;
use crate::error::PolicyError;
use crate::gate::{self, EvalLimits};

/// The outcome of one test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Defined and not `false`.
    Pass,
    /// `false` or undefined.
    Fail,
    /// Evaluation failed.
    Error,
    /// A `todo_test_` rule, not run.
    Skip,
}

/// One test's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestResult {
    /// The package (`data.stella.policy_test`).
    pub package: String,
    /// The rule (`test_dev_allowed`).
    pub name: String,
    /// Pass, fail, error or skip.
    pub outcome: Outcome,
    /// The error, or the value of a failed test (`false` / `undefined`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Runs every `test_*` rule of `bundle` (see the module docs). Loading problems (syntax,
/// recursion, forbidden builtins, roots) are errors of the whole run; a test that fails to
/// evaluate is an [`Outcome::Error`] result.
pub fn run_tests(bundle: &Bundle, limits: EvalLimits) -> Result<Vec<TestResult>, PolicyError> {
    let modules: Vec<(String, String)> = bundle
        .modules()
        .iter()
        .map(|m| (m.name().to_owned(), m.text().to_owned()))
        .collect();
    let data = bundle.data().map(|json| Value::from(json.clone()));
    let roots = bundle.roots();
    gate::on_eval_stack("tests", || {
        let (mut engine, _, _) = gate::parse_checked(&modules, data.as_ref(), roots)?;
        let named = analysis::named_rules(engine.get_modules());
        let mut results = Vec::new();
        let mut to_run = Vec::new();
        for r in &named {
            if r.function {
                continue;
            }
            if r.name.starts_with("todo_test_") {
                results.push(TestResult {
                    package: r.package.clone(),
                    name: r.name.clone(),
                    outcome: Outcome::Skip,
                    message: None,
                });
            } else if r.name.starts_with("test_") {
                to_run.push(r);
            }
        }
        if let Some(config) = gate::timer(limits) {
            engine.set_execution_timer_config(config);
        }
        for r in to_run {
            let path = format!("{}.{}", r.package, r.name);
            let (outcome, message) = match engine.eval_rule(path) {
                Ok(Value::Bool(false)) => (Outcome::Fail, Some("false".to_owned())),
                Ok(Value::Undefined) => (Outcome::Fail, Some("undefined".to_owned())),
                Ok(_) => (Outcome::Pass, None),
                Err(e) => (Outcome::Error, Some(e.to_string().trim().to_owned())),
            };
            results.push(TestResult {
                package: r.package.clone(),
                name: r.name.clone(),
                outcome,
                message,
            });
        }
        results.sort_by(|a, b| (&a.package, &a.name).cmp(&(&b.package, &b.name)));
        Ok(results)
    })
}

//! The policy gate on untrusted bytes: a gate input (strict parse, then the built-in bundle's
//! evaluation under a small instruction limit) and, the same bytes, a Rego module (syntax
//! detection, supplied imports, regorus' parser and compiler). Errors are fine; panics are not.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use stella_policy::{
    BuiltinOptions, Bundle, EvalLimits, Gate, GateInput, GateOptions, builtin_bundle,
};

fn gate() -> &'static Gate {
    static GATE: OnceLock<Gate> = OnceLock::new();
    GATE.get_or_init(|| {
        let bundle = builtin_bundle(BuiltinOptions::default()).expect("built-in bundle loads");
        let options = GateOptions {
            limits: EvalLimits {
                max_instructions: 1_000_000,
                max_time: None,
            },
            ..GateOptions::default()
        };
        Gate::new(&bundle, options).expect("built-in bundle compiles")
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = GateInput::from_json(data) {
        if let Ok(verdict) = gate().evaluate(&input) {
            // A denial always says why (the built-in policy names each finding that makes the
            // seed's allow rule say no).
            assert!(verdict.allow || !verdict.violations.is_empty());
        }
        let again = GateInput::from_json(&input.to_canonical_json().expect("re-serializes"))
            .expect("canonical input re-parses");
        assert_eq!(again.digest().ok(), input.digest().ok());
    }
    if let Ok(bundle) = Bundle::from_files([("fuzz.rego", data)], None) {
        let options = GateOptions {
            limits: EvalLimits {
                max_instructions: 100_000,
                max_time: None,
            },
            ..GateOptions::default()
        };
        let _ = Gate::new(&bundle, options);
    }
});

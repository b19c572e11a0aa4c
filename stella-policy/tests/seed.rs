#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Table tests of the seed policies as written, the built-in bundle, decision records and replay.

use serde_json::{Value, json};
use stella_core::{FixedClock, Timestamp};
use stella_policy::{
    BuiltinOptions, Bundle, EvalError, EvalLimits, Gate, GateInput, GateOptions, PolicyError,
    RegoError, Replay, SEED_EXPLOITABLE, SEED_REKOR, UnderInvestigation, builtin_bundle, replay,
};

const IMG: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const OTHER: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

fn finding(id: &str, severity: &str, status: &str) -> Value {
    json!({"id": id, "aliases": [], "severity": severity, "exploitability": status,
           "package": {"purl": "pkg:npm/left-pad@1.0.0"}, "fixed_versions": ["1.0.1"],
           "reachability": "reachable"})
}

fn input(findings: Value, vex: Value, attestations: Value, waivers: Value) -> GateInput {
    let v = json!({"image": {"digest": IMG, "name": "registry.example/app"}, "scan": {"scanner": "stella"},
                   "findings": findings, "vex": vex, "attestations": attestations, "waivers": waivers});
    GateInput::from_json(v.to_string().as_bytes()).unwrap()
}

fn seed_bundle() -> Bundle {
    Bundle::from_files(
        [
            ("exploitable.rego", SEED_EXPLOITABLE.as_bytes()),
            ("rekor.rego", SEED_REKOR.as_bytes()),
        ],
        Some("seed".into()),
    )
    .unwrap()
}

/// Every table runs with lookup indexing (the default) and without: the decisions must agree.
fn options_under_test() -> [GateOptions; 2] {
    [
        GateOptions::default(),
        GateOptions {
            index_lookups: false,
            ..GateOptions::default()
        },
    ]
}

/// (name, input, allow, violations, warnings)
type Case = (
    &'static str,
    GateInput,
    bool,
    Vec<&'static str>,
    Vec<&'static str>,
);

fn clock() -> FixedClock {
    FixedClock::new(Timestamp::parse_rfc3339("2026-11-26T12:00:00Z").unwrap())
}

fn logged(id: &str, digest: &str) -> Value {
    json!({"id": id, "predicateType": "https://cyclonedx.org/bom", "subject_digests": [digest],
           "rekor": {"log_index": 7, "inclusion_proof": {"tree_size": 8, "hashes": []}}})
}

#[test]
fn seed_policies_table() {
    let crit = || json!([finding("CVE-2024-0001", "CRITICAL", "affected")]);
    // (name, input, allow, violations)
    let cases: Vec<(&str, GateInput, bool, Vec<&str>)> = vec![
        (
            "no findings",
            input(json!([]), json!([]), json!([]), json!([])),
            true,
            vec![],
        ),
        (
            "waived critical",
            input(
                crit(),
                json!([{"vuln_id": "CVE-2024-0001", "product": "pkg:npm/left-pad@1.0.0",
                        "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]),
                json!([]),
                json!([]),
            ),
            true,
            vec![],
        ),
        (
            "unwaived affected critical",
            input(crit(), json!([]), json!([]), json!([])),
            false,
            vec![],
        ),
        (
            "not_affected with empty justification does not waive",
            input(
                crit(),
                json!([{"vuln_id": "CVE-2024-0001", "product": "p", "status": "not_affected", "justification": ""}]),
                json!([]),
                json!([]),
            ),
            false,
            vec![],
        ),
        (
            "not_affected without justification does not waive",
            input(
                crit(),
                json!([{"vuln_id": "CVE-2024-0001", "product": "p", "status": "not_affected"}]),
                json!([]),
                json!([]),
            ),
            false,
            vec![],
        ),
        (
            "justified statement for another id does not waive",
            input(
                crit(),
                json!([{"vuln_id": "CVE-2024-9999", "product": "p", "status": "not_affected", "justification": "component_not_present"}]),
                json!([]),
                json!([]),
            ),
            false,
            vec![],
        ),
        (
            "affected high is not exploitable",
            input(
                json!([finding("CVE-2024-0002", "HIGH", "affected")]),
                json!([]),
                json!([]),
                json!([]),
            ),
            true,
            vec![],
        ),
        (
            "fixed critical is not exploitable",
            input(
                json!([finding("CVE-2024-0002", "CRITICAL", "fixed")]),
                json!([]),
                json!([]),
                json!([]),
            ),
            true,
            vec![],
        ),
        (
            "attestation without proof",
            input(
                json!([]),
                json!([]),
                json!([{"id": "att-1", "predicateType": "https://slsa.dev/provenance/v1", "subject_digests": [IMG]},
                       {"id": "att-2", "predicateType": "x", "subject_digests": [IMG], "rekor": {"log_index": 1}},
                       logged("att-3", IMG)]),
                json!([]),
            ),
            false,
            vec![
                "Attestation att-1 lacks Rekor inclusion proof",
                "Attestation att-2 lacks Rekor inclusion proof",
            ],
        ),
    ];
    let bundle = seed_bundle();
    for options in options_under_test() {
        let index = options.index_lookups;
        let gate = Gate::new(&bundle, options).unwrap();
        assert_eq!(gate.indexed_lookups(), usize::from(index));
        for (name, input, allow, violations) in &cases {
            let v = gate.evaluate(input).unwrap();
            assert_eq!(v.allow, *allow, "{name}");
            assert_eq!(v.violations, *violations, "{name}");
            assert!(v.warnings.is_empty(), "{name}");
        }
    }
}

#[test]
fn builtin_bundle_table() {
    let crit = |status: &str| json!([finding("CVE-2024-0001", "CRITICAL", status)]);
    let waiver = |expires: &str| {
        let exp = Timestamp::parse_rfc3339(expires).unwrap();
        serde_json::to_value([stella_policy::Waiver::new(
            "CVE-2024-0001",
            "accepted",
            exp,
            clock_now(),
        )])
        .unwrap()
    };
    let warn = "Critical vulnerability CVE-2024-0001 is under investigation";
    let cases: Vec<Case> = vec![
        (
            "valid waiver waives",
            input(
                crit("affected"),
                json!([]),
                json!([]),
                waiver("2027-01-01T00:00:00Z"),
            ),
            true,
            vec![],
            vec![],
        ),
        (
            "expired waiver does not count",
            input(
                crit("affected"),
                json!([]),
                json!([]),
                waiver("2026-01-01T00:00:00Z"),
            ),
            false,
            vec!["Critical vulnerability CVE-2024-0001 is affected and not waived"],
            vec![],
        ),
        (
            "under_investigation critical warns",
            input(crit("under_investigation"), json!([]), json!([]), json!([])),
            true,
            vec![],
            vec![warn],
        ),
        (
            "attestation about another image",
            input(
                json!([]),
                json!([]),
                json!([logged("att-9", OTHER), logged("att-1", IMG)]),
                json!([]),
            ),
            false,
            vec![
                "Attestation att-9 does not bind the scanned image sha256:1111111111111111111111111111111111111111111111111111111111111111",
            ],
            vec![],
        ),
        (
            "unlogged attestation (seed rule still applies)",
            input(
                json!([]),
                json!([]),
                json!([{"id": "a", "predicateType": "p", "subject_digests": [IMG]}]),
                json!([]),
            ),
            false,
            vec!["Attestation a lacks Rekor inclusion proof"],
            vec![],
        ),
    ];
    let bundle = builtin_bundle(BuiltinOptions::default()).unwrap();
    for options in options_under_test() {
        let index = options.index_lookups;
        let gate = Gate::new(&bundle, options).unwrap();
        assert_eq!(gate.indexed_lookups(), 2 * usize::from(index));
        for (name, input, allow, violations, warnings) in &cases {
            let v = gate.evaluate(input).unwrap();
            assert_eq!(v.allow, *allow, "{name}");
            assert_eq!(v.violations, *violations, "{name}");
            assert_eq!(v.warnings, *warnings, "{name}");
        }
    }
    // Configured to deny.
    let deny = builtin_bundle(BuiltinOptions {
        under_investigation: UnderInvestigation::Deny,
    })
    .unwrap();
    assert_ne!(deny.digest(), bundle.digest());
    let gate = Gate::new(&deny, GateOptions::default()).unwrap();
    let v = gate
        .evaluate(&input(
            crit("under_investigation"),
            json!([]),
            json!([]),
            json!([]),
        ))
        .unwrap();
    assert!(!v.allow);
    assert_eq!(v.violations, vec![warn]);
    assert!(v.warnings.is_empty());
}

fn clock_now() -> Timestamp {
    use stella_core::Clock;
    clock().now()
}

#[test]
fn decision_record_is_canonical_and_replays_byte_identical() {
    let bundle = builtin_bundle(BuiltinOptions::default()).unwrap();
    let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
    let inp = input(
        json!([
            finding("CVE-2024-0001", "CRITICAL", "affected"),
            finding("CVE-2024-0002", "CRITICAL", "under_investigation")
        ]),
        json!([]),
        json!([logged("att-1", IMG)]),
        json!([]),
    );
    let record = gate.decide(&inp, &bundle, &clock(), "ci@example").unwrap();
    let bytes = record.to_canonical_json().unwrap();
    assert!(stella_core::canonical::is_canonical(&bytes));
    let again = gate.decide(&inp, &bundle, &clock(), "ci@example").unwrap();
    assert_eq!(bytes, again.to_canonical_json().unwrap());
    let parsed = stella_policy::DecisionRecord::from_json(&bytes).unwrap();
    assert_eq!(parsed, record);
    assert_eq!(replay(&parsed, &inp, &bundle).unwrap(), Replay::Identical);

    let text = String::from_utf8(bytes).unwrap();
    for needle in [
        "\"engine\":{\"name\":\"regorus\",\"version\":\"0.14.1\"}",
        "\"decided_at\":\"2026-11-26T12:00:00Z\"",
        "\"actor\":\"ci@example\"",
        "\"query\":\"data.stella.policy\"",
        "\"revision\":\"stella-policy/0.1.0/builtin\"",
        &format!("\"input_digest\":\"{}\"", inp.digest().unwrap()),
        &format!("\"digest\":\"{}\"", bundle.digest()),
        "\"result\":{\"allow\":false,\"violations\":[\"Critical vulnerability CVE-2024-0001 is affected and not waived\"],\"warnings\":[\"Critical vulnerability CVE-2024-0002 is under investigation\"]}",
    ] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }

    // A changed policy byte changes the bundle digest, and replay names the first difference.
    let changed_text =
        stella_policy::STELLA_BUILTIN.replace("is under investigation", "is under  investigation");
    let changed = Bundle::from_files(
        [
            ("seed_exploitable.rego", SEED_EXPLOITABLE.as_bytes()),
            ("seed_rekor.rego", SEED_REKOR.as_bytes()),
            ("stella_builtin.rego", changed_text.as_bytes()),
            (
                "data.json",
                br#"{"stella":{"config":{"under_investigation":"warn"}}}"#,
            ),
        ],
        Some("stella-policy/0.1.0/builtin".into()),
    )
    .unwrap();
    assert_ne!(changed.digest(), bundle.digest());
    match replay(&record, &inp, &changed).unwrap() {
        Replay::Differs { field, .. } => assert_eq!(field, "policy.digest"),
        Replay::Identical => panic!("a changed policy replayed identical"),
    }
    // A changed input is reported as the input digest.
    let other = input(
        json!([]),
        json!([]),
        json!([logged("att-1", IMG)]),
        json!([]),
    );
    match replay(&record, &other, &bundle).unwrap() {
        Replay::Differs { field, .. } => assert_eq!(field, "input_digest"),
        Replay::Identical => panic!("a changed input replayed identical"),
    }
}

#[test]
fn syntax_errors_point_at_the_file_as_written() {
    // The seed style (no future.keywords import) gets an import inserted on line 1; the error on
    // line 4 must still say line 4, and the column of the file as written.
    let text = "package stella.policy\n\nallow {\n  some v in input.findings; v.x == \n}\n";
    let bundle = Bundle::from_files([("bad.rego", text.as_bytes())], None).unwrap();
    let err = Gate::new(&bundle, GateOptions::default()).unwrap_err();
    match &err {
        PolicyError::Rego(RegoError::Syntax { file, line, .. }) => {
            assert_eq!(file, "bad.rego");
            assert_eq!(*line, 5, "{err}");
        }
        other => panic!("expected a syntax error, got {other}"),
    }
    assert!(err.to_string().starts_with("bad.rego:5:"), "{err}");

    // An error on the package line after the inserted import maps back to the original column.
    let text = "package stella.policy ]\nallow { some v in input.x }\n";
    let bundle = Bundle::from_files([("pkg.rego", text.as_bytes())], None).unwrap();
    let err = Gate::new(&bundle, GateOptions::default()).unwrap_err();
    match &err {
        PolicyError::Rego(RegoError::Syntax { line, col, .. }) => {
            assert_eq!((*line, *col), (1, 23), "{err}");
        }
        other => panic!("expected a syntax error, got {other}"),
    }
}

#[test]
fn undefined_references_are_typed_errors() {
    let text = "package stella.policy\n\nallow {\n  undefined_var == 1\n}\n";
    let bundle = Bundle::from_files([("u.rego", text.as_bytes())], None).unwrap();
    let err = Gate::new(&bundle, GateOptions::default()).unwrap_err();
    match &err {
        PolicyError::Rego(RegoError::Syntax {
            file,
            line,
            col,
            message,
        }) => {
            assert_eq!((file.as_str(), *line, *col), ("u.rego", 4, 3), "{err}");
            assert!(message.contains("undefined_var"), "{message}");
        }
        other => panic!("expected a positioned error, got {other}"),
    }
}

#[test]
fn a_package_without_decision_rules_is_an_error() {
    let bundle = Bundle::from_files(
        [("x.rego", &b"package stella.policy\nfoo := 1\n"[..])],
        None,
    )
    .unwrap();
    let err = Gate::new(&bundle, GateOptions::default()).unwrap_err();
    assert!(
        matches!(err, PolicyError::Rego(RegoError::NoDecisionRule { .. })),
        "{err}"
    );
    let other_pkg =
        Bundle::from_files([("x.rego", &b"package other\nallow := true\n"[..])], None).unwrap();
    assert!(Gate::new(&other_pkg, GateOptions::default()).is_err());
    let bad_query = GateOptions {
        query: "stella.policy".into(),
        ..GateOptions::default()
    };
    assert!(matches!(
        Gate::new(&seed_bundle(), bad_query).unwrap_err(),
        PolicyError::Rego(RegoError::BadQuery { .. })
    ));
}

#[test]
fn non_boolean_allow_is_an_error() {
    let bundle = Bundle::from_files(
        [("x.rego", &b"package stella.policy\nallow := \"yes\"\n"[..])],
        None,
    )
    .unwrap();
    for options in options_under_test() {
        let gate = Gate::new(&bundle, options).unwrap();
        let err = gate
            .evaluate(&input(json!([]), json!([]), json!([]), json!([])))
            .unwrap_err();
        assert!(
            matches!(err, PolicyError::Eval(EvalError::NonBooleanAllow { .. })),
            "{err}"
        );
        assert!(err.to_string().contains("\"yes\""), "{err}");
    }
    let bundle = Bundle::from_files(
        [(
            "x.rego",
            &b"package stella.policy\nviolation[1] { true }\n"[..],
        )],
        None,
    )
    .unwrap();
    let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
    let err = gate
        .evaluate(&input(json!([]), json!([]), json!([]), json!([])))
        .unwrap_err();
    assert!(
        matches!(err, PolicyError::Eval(EvalError::BadMessages { .. })),
        "{err}"
    );
}

#[test]
fn a_runaway_policy_stops_at_the_instruction_limit() {
    let text = "package stella.policy\n\nallow {\n  r := numbers.range(1, 100000)\n  some x in r\n  some y in r\n  x * y == -1\n}\n";
    let bundle = Bundle::from_files([("loop.rego", text.as_bytes())], None).unwrap();
    let gate = Gate::new(
        &bundle,
        GateOptions {
            limits: EvalLimits {
                max_instructions: 100_000,
                max_time: None,
            },
            ..GateOptions::default()
        },
    )
    .unwrap();
    let err = gate
        .evaluate(&input(json!([]), json!([]), json!([]), json!([])))
        .unwrap_err();
    assert!(
        matches!(
            err,
            PolicyError::Eval(EvalError::InstructionLimit { limit: 100_000 })
        ),
        "{err}"
    );
}

#[test]
fn a_runaway_policy_stops_at_the_time_limit() {
    let text = "package stella.policy\n\nallow {\n  r := numbers.range(1, 100000)\n  some x in r\n  some y in r\n  x * y == -1\n}\n";
    let bundle = Bundle::from_files([("loop.rego", text.as_bytes())], None).unwrap();
    let gate = Gate::new(
        &bundle,
        GateOptions {
            limits: EvalLimits {
                max_instructions: u64::MAX,
                max_time: Some(std::time::Duration::from_millis(50)),
            },
            ..GateOptions::default()
        },
    )
    .unwrap();
    let err = gate
        .evaluate(&input(json!([]), json!([]), json!([]), json!([])))
        .unwrap_err();
    assert!(
        matches!(
            err,
            PolicyError::Eval(EvalError::TimeLimit { limit_ms: 50 })
        ),
        "{err}"
    );
}

#[test]
fn a_signed_decision_verifies_and_binds_the_record() {
    use stella_attest::dsse::Keyring;
    use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
    use stella_attest::predicates::{PolicyDecision, Predicate, Verdict};
    use stella_attest::statement::StatementPolicy;

    let bundle = builtin_bundle(BuiltinOptions::default()).unwrap();
    let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
    let inp = input(
        json!([finding("CVE-2024-0001", "CRITICAL", "under_investigation")]),
        json!([]),
        json!([{"id": "a", "predicateType": "p", "subject_digests": [IMG]}]),
        json!([]),
    );
    let record = gate.decide(&inp, &bundle, &clock(), "ci").unwrap();
    let key = PrivateKey::generate(
        stella_core::SignatureAlgorithm::Ed25519,
        &SystemRandom::new(),
    )
    .unwrap();
    let signer = LocalSigner::new(key, SystemRandom::new()).unwrap();
    let envelope = record.sign(&[&signer]).unwrap();
    let mut keyring = Keyring::new();
    keyring.add(signer.public_key().clone()).unwrap();
    let verified = StatementPolicy::new()
        .allow_predicate_type(PolicyDecision::PREDICATE_TYPE)
        .expect_subject(stella_core::Digest::parse(IMG).unwrap())
        .verify(&envelope, &keyring)
        .unwrap();
    let decision: PolicyDecision = verified.statement().predicate_as().unwrap();
    assert_eq!(decision.verdict, Verdict::Deny);
    assert_eq!(decision.policy_digest, bundle.digest());
    assert_eq!(
        decision.reasons,
        vec![
            "Attestation a lacks Rekor inclusion proof".to_owned(),
            "warn: Critical vulnerability CVE-2024-0001 is under investigation".to_owned(),
        ]
    );
    let record_digest = stella_core::Digest::of(&record.to_canonical_json().unwrap());
    assert!(
        decision
            .inputs
            .iter()
            .any(|i| i.name == "decision-record" && i.digest == record_digest)
    );
    assert!(
        decision
            .inputs
            .iter()
            .any(|i| i.name == "gate-input" && i.digest == inp.digest().unwrap())
    );
}

#[test]
fn a_call_to_an_undefined_function_is_a_typed_error() {
    let text = "package stella.policy\n\nallow {\n  no_such_function(input.image)\n}\n";
    let bundle = Bundle::from_files([("f.rego", text.as_bytes())], None).unwrap();
    let err = match Gate::new(&bundle, GateOptions::default()) {
        Err(e) => e,
        Ok(gate) => gate
            .evaluate(&input(json!([]), json!([]), json!([]), json!([])))
            .unwrap_err(),
    };
    assert!(err.to_string().contains("no_such_function"), "{err}");
}

#[test]
fn lookup_indexing_agrees_with_the_policy_as_written_on_mixed_inputs() {
    let bundle = builtin_bundle(BuiltinOptions::default()).unwrap();
    let indexed = Gate::new(&bundle, GateOptions::default()).unwrap();
    let plain = Gate::new(
        &bundle,
        GateOptions {
            index_lookups: false,
            ..GateOptions::default()
        },
    )
    .unwrap();
    assert_eq!(indexed.indexed_lookups(), 2);
    let statuses = ["affected", "not_affected", "fixed", "under_investigation"];
    let severities = ["CRITICAL", "HIGH", "CRITICAL", "LOW"];
    let mut state = 0x2545_f491_u64;
    let mut next = |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % m).unwrap()
    };
    let (mut allowed, mut denied) = (0, 0);
    for _ in 0..60 {
        let ids = 1 + next(12) as u64;
        let findings: Vec<Value> = (0..next(15))
            .map(|_| {
                let id = format!("CVE-{}", next(ids));
                finding(&id, severities[next(4)], statuses[next(4)])
            })
            .collect();
        let vex: Vec<Value> = (0..next(10))
            .map(|_| {
                let mut s = json!({"vuln_id": format!("CVE-{}", next(ids)), "product": "p",
                                   "status": statuses[next(4)]});
                match next(3) {
                    0 => {}
                    1 => s["justification"] = json!(""),
                    _ => s["justification"] = json!("inline_mitigations_already_exist"),
                }
                s
            })
            .collect();
        let waivers: Vec<Value> = (0..next(3))
            .map(|_| {
                json!({"vuln_id": format!("CVE-{}", next(ids)), "reason": "r",
                       "expires": "2027-01-01T00:00:00Z", "valid": next(2) == 0})
            })
            .collect();
        let inp = input(json!(findings), json!(vex), json!([]), json!(waivers));
        let a = indexed.evaluate(&inp).unwrap();
        assert_eq!(a, plain.evaluate(&inp).unwrap(), "{inp:?}");
        if a.allow {
            allowed += 1;
        } else {
            denied += 1;
        }
    }
    // The generator exercises both verdicts.
    assert!(
        allowed > 5 && denied > 5,
        "{allowed} allowed, {denied} denied"
    );
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Hostile policies: recursion in every form, non-deterministic builtins, deep rule chains; and
//! decisions that must be byte-identical however often and on whichever thread they are made.
//!
//! A regression of the recursion checks does not fail an assertion: regorus' VM recurses on the
//! native stack and the whole test process aborts with a stack overflow.

use serde_json::json;
use stella_core::{FixedClock, Timestamp};
use stella_policy::analysis::{ALLOWED_BUILTINS, MAX_RULE_DEPTH};
use stella_policy::{
    BuiltinOptions, Bundle, Gate, GateInput, GateOptions, PolicyError, RegoError, builtin_bundle,
};

const IMG: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

fn empty_input() -> GateInput {
    let v = json!({"image": {"digest": IMG}, "scan": {}, "findings": [], "vex": [],
                   "attestations": [], "waivers": []});
    GateInput::from_json(v.to_string().as_bytes()).unwrap()
}

/// Loads `files` and, should loading succeed, evaluates them: the error either gives.
fn outcome(files: &[(&str, &str)]) -> Result<(), PolicyError> {
    let bundle = Bundle::from_files(files.iter().map(|(n, t)| (*n, t.as_bytes())), None)?;
    for options in [
        GateOptions::default(),
        GateOptions {
            index_lookups: false,
            ..GateOptions::default()
        },
    ] {
        let gate = Gate::new(&bundle, options)?;
        gate.evaluate(&empty_input())?;
    }
    Ok(())
}

/// (name, modules, the cycle reported)
type RecursionCase = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    Vec<&'static str>,
);

#[test]
fn recursion_in_every_form_is_refused_when_the_policy_loads() {
    let cases: Vec<RecursionCase> = vec![
        (
            "direct function recursion",
            vec![(
                "p.rego",
                "package stella.policy\nimport rego.v1\nf(x) := y if { y := f(x) }\nallow if { f(1) }\n",
            )],
            vec!["data.stella.policy.f", "data.stella.policy.f"],
        ),
        (
            "mutual function recursion",
            vec![(
                "p.rego",
                "package stella.policy\nimport rego.v1\nf(x) := y if { y := g(x) }\ng(x) := y if { y := f(x) }\nallow if { f(1) }\n",
            )],
            vec![
                "data.stella.policy.f",
                "data.stella.policy.g",
                "data.stella.policy.f",
            ],
        ),
        (
            "rules depending on each other (v1)",
            vec![(
                "p.rego",
                "package stella.policy\nimport rego.v1\na if { b }\nb if { a }\nallow if { a }\n",
            )],
            vec![
                "data.stella.policy.a",
                "data.stella.policy.b",
                "data.stella.policy.a",
            ],
        ),
        (
            "rules depending on each other (v0, the seed's syntax)",
            vec![(
                "p.rego",
                "package stella.policy\ndefault allow := false\nallow { not a }\na { b }\nb { c }\nc { a }\n",
            )],
            vec![
                "data.stella.policy.a",
                "data.stella.policy.b",
                "data.stella.policy.c",
                "data.stella.policy.a",
            ],
        ),
        (
            "a rule's value depending on itself",
            vec![(
                "p.rego",
                "package stella.policy\nimport rego.v1\nn := x if { x := n + 1 }\nallow if { n > 0 }\n",
            )],
            vec!["data.stella.policy.n", "data.stella.policy.n"],
        ),
        (
            "data. references to the own package",
            vec![(
                "p.rego",
                "package stella.policy\nimport rego.v1\na if { data.stella.policy.b }\nb if { data.stella.policy.a }\nallow if { a }\n",
            )],
            vec![
                "data.stella.policy.a",
                "data.stella.policy.b",
                "data.stella.policy.a",
            ],
        ),
        (
            "a bracketed data reference",
            vec![(
                "p.rego",
                "package stella.policy\nimport rego.v1\na if { data[\"stella\"][\"policy\"].a }\nallow if { a }\n",
            )],
            vec!["data.stella.policy.a", "data.stella.policy.a"],
        ),
        (
            "a computed data reference into the own package",
            vec![(
                "p.rego",
                "package stella.policy\nimport rego.v1\na if { x := \"b\"; data.stella.policy[x] }\nb := true\nallow if { a }\n",
            )],
            vec!["data.stella.policy.a", "data.stella.policy.a"],
        ),
        (
            "a reference to the whole data document",
            vec![(
                "p.rego",
                "package stella.policy\nimport rego.v1\nallow if { count(data) > 0 }\n",
            )],
            vec!["data.stella.policy.allow", "data.stella.policy.allow"],
        ),
        (
            "through an import alias",
            vec![(
                "p.rego",
                "package stella.policy\nimport rego.v1\nimport data.stella.policy as me\nf(x) if { me.f(x) }\nallow if { f(1) }\n",
            )],
            vec!["data.stella.policy.f", "data.stella.policy.f"],
        ),
        (
            "across two packages",
            vec![
                (
                    "a.rego",
                    "package stella.policy\nimport rego.v1\nallow if { data.lib.ok }\nhelper if { data.lib.ok }\n",
                ),
                (
                    "b.rego",
                    "package lib\nimport rego.v1\nok if { data.stella.policy.helper }\n",
                ),
            ],
            vec![
                "data.stella.policy.helper",
                "data.lib.ok",
                "data.stella.policy.helper",
            ],
        ),
        (
            "across two modules of one package",
            vec![
                (
                    "a.rego",
                    "package stella.policy\nimport rego.v1\nallow if { g(1) }\nf(x) if { g(x) }\n",
                ),
                (
                    "b.rego",
                    "package stella.policy\nimport rego.v1\ng(x) if { f(x) }\n",
                ),
            ],
            vec![
                "data.stella.policy.f",
                "data.stella.policy.g",
                "data.stella.policy.f",
            ],
        ),
        (
            "inside a comprehension",
            vec![(
                "p.rego",
                "package stella.policy\nimport rego.v1\ns contains x if { some x in [y | some y in s] }\nallow if { count(s) == 0 }\n",
            )],
            vec!["data.stella.policy.s", "data.stella.policy.s"],
        ),
        (
            "inside every and not",
            vec![(
                "p.rego",
                "package stella.policy\nimport rego.v1\na if { every x in [1] { not b(x) } }\nb(x) if { a }\nallow if { a }\n",
            )],
            vec![
                "data.stella.policy.a",
                "data.stella.policy.b",
                "data.stella.policy.a",
            ],
        ),
        (
            "a local that shadows nothing: the loop variable is the rule",
            vec![(
                "p.rego",
                "package stella.policy\nimport rego.v1\nv if { some x in [1]; v }\nallow if { v }\n",
            )],
            vec!["data.stella.policy.v", "data.stella.policy.v"],
        ),
        (
            "through a with replacement",
            vec![(
                "p.rego",
                "package stella.policy\nimport rego.v1\nf(x) := 1\ng(x) := y if { y := f(x) with f as g }\nallow if { g(1) == 1 }\n",
            )],
            vec!["data.stella.policy.g", "data.stella.policy.g"],
        ),
        (
            "a partial set in a ref head",
            vec![(
                "p.rego",
                "package stella.policy\nimport rego.v1\nq.r contains x if { some x in q.r }\nallow if { count(q.r) == 0 }\n",
            )],
            vec!["data.stella.policy.q.r", "data.stella.policy.q.r"],
        ),
    ];
    for (name, files, cycle) in cases {
        match outcome(&files) {
            Err(PolicyError::Rego(RegoError::Recursion {
                cycle: got,
                file,
                line,
                col,
            })) => {
                if name == "direct function recursion" {
                    // The reference that closes the cycle: `f` in `y := f(x)`.
                    assert_eq!((line, col), (3, 21));
                }
                assert_eq!(got, cycle, "{name}");
                assert!(files.iter().any(|(n, _)| *n == file), "{name}: {file}");
                assert!(line >= 2, "{name}: line {line}");
            }
            other => panic!("{name}: expected a recursion error, got {other:?}"),
        }
    }
}

#[test]
fn rules_that_only_look_alike_are_not_recursion() {
    // A local variable named like a rule, a rule of another package with the same name, a
    // reference to a sibling of the rule's own path, and a function argument named like the
    // function: none is a cycle.
    let files = [
        (
            "p.rego",
            "package stella.policy\nimport rego.v1\n\
             helper := 1\n\
             f(helper) := helper + 1\n\
             cfg.a := 1\n\
             cfg.b := x if { x := cfg.a + 1 }\n\
             allow if {\n  helper := 5\n  helper > 1\n  f(2) == 3\n  data.lib.allow\n  cfg.b == 2\n}\n",
        ),
        (
            "lib.rego",
            "package lib\nimport rego.v1\nallow if { data.stella.policy.helper == 1 }\n",
        ),
        // A library imported under the name of an OPA builtin namespace regorus does not
        // compile in (`net.`) calls the library's function.
        (
            "net.rego",
            "package net\nimport rego.v1\nf(x) if { x == 1 }\n",
        ),
        (
            "q.rego",
            "package stella.policy\nimport rego.v1\nimport data.net\nviolation contains \"net\" if { not net.f(1) }\n",
        ),
    ];
    outcome(&files).unwrap();
}

#[test]
fn non_deterministic_builtins_are_refused_by_name_when_the_policy_loads() {
    let calls = [
        ("rand.intn", "rand.intn(\"k\", 10) == 3"),
        ("time.now_ns", "time.now_ns() > 0"),
        ("uuid.rfc4122", "uuid.rfc4122(\"k\") != \"\""),
        (
            "http.send",
            "http.send({\"method\": \"get\", \"url\": \"http://x\"})",
        ),
        ("opa.runtime", "opa.runtime().env"),
        ("net.lookup_ip_addr", "net.lookup_ip_addr(\"example.com\")"),
        ("io.jwt.decode_verify", "io.jwt.decode_verify(\"t\", {})"),
        (
            "crypto.x509.parse_and_verify_certificates",
            "crypto.x509.parse_and_verify_certificates(\"c\")",
        ),
        ("print", "print(\"x\")"),
        ("trace", "trace(\"x\")"),
        ("__builtin_host_await", "__builtin_host_await(1, \"id\")"),
    ];
    for (builtin, expr) in calls {
        // Where the call is: the queried rule, a helper function, a rule's value, a rule
        // nothing refers to, another package.
        let places = [
            format!("package stella.policy\nimport rego.v1\nallow if {{ {expr} }}\n"),
            format!(
                "package stella.policy\nimport rego.v1\nf(x) if {{ x; {expr} }}\nallow if {{ f(true) }}\n"
            ),
            format!(
                "package stella.policy\nimport rego.v1\nv := [1 | {expr}]\nallow if {{ count(v) > 0 }}\n"
            ),
            format!(
                "package stella.policy\nimport rego.v1\nallow := true\nunused if {{ {expr} }}\n"
            ),
            format!(
                "package stella.policy\nimport rego.v1\nallow := true\n\npackage other\nx if {{ {expr} }}\n"
            ),
        ];
        for (k, text) in places.iter().enumerate() {
            let files: Vec<(&str, &str)> = match text.split_once("\n\npackage ") {
                Some((a, _)) => {
                    let b = text.get(a.len() + 2..).unwrap();
                    vec![("a.rego", a), ("b.rego", b)]
                }
                None => vec![("a.rego", text.as_str())],
            };
            match outcome(&files) {
                Err(PolicyError::Rego(RegoError::ForbiddenBuiltin {
                    builtin: got,
                    line,
                    col,
                    ..
                })) => {
                    assert_eq!(got, builtin, "{builtin} at place {k}");
                    if k == 0 {
                        // `allow if { ` is 11 characters: the call starts in column 12.
                        assert_eq!((line, col), (3, 12), "{builtin}");
                    }
                    assert!(line >= 2, "{builtin} at place {k}: line {line}");
                }
                other => panic!("{builtin} at place {k}: expected ForbiddenBuiltin, got {other:?}"),
            }
        }
    }
    // The target or the replacement of a `with`.
    for text in [
        "package stella.policy\nimport rego.v1\nallow if { count([1]) == 1 with count as rand.intn }\n",
        "package stella.policy\nimport rego.v1\nallow if { true with time.now_ns as 1 }\n",
    ] {
        assert!(
            matches!(
                outcome(&[("a.rego", text)]),
                Err(PolicyError::Rego(RegoError::ForbiddenBuiltin { .. }))
            ),
            "{text}"
        );
    }
    // An unknown function is a typed error too, with its position.
    match outcome(&[(
        "a.rego",
        "package stella.policy\nimport rego.v1\nallow if { no_such.fn(1) }\n",
    )]) {
        Err(PolicyError::Rego(RegoError::UnknownFunction { name, line, .. })) => {
            assert_eq!((name.as_str(), line), ("no_such.fn", 3));
        }
        other => panic!("expected UnknownFunction, got {other:?}"),
    }
}

#[test]
fn allowed_builtins_still_work() {
    let text = "package stella.policy\nimport rego.v1\nallow if {\n  count([1, 2]) == 2\n  sprintf(\"%s-%d\", [\"a\", 1]) == \"a-1\"\n  object.get({\"k\": 1}, \"k\", 0) == 1\n  lower(\"A\") == \"a\"\n  json.marshal({\"b\": 1, \"a\": [2]}) == \"{\\\"a\\\":[2],\\\"b\\\":1}\"\n  sort([3, 1]) == [1, 3]\n}\n";
    let bundle = Bundle::from_files([("a.rego", text.as_bytes())], None).unwrap();
    let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
    assert!(gate.evaluate(&empty_input()).unwrap().allow);
    assert!(ALLOWED_BUILTINS.contains(&"sprintf"));
    assert!(!ALLOWED_BUILTINS.contains(&"rand.intn"));
}

/// A chain of `len` rules, `allow` first, the last true; with `nest` comprehensions around
/// each reference.
fn chain(len: usize, nest: usize) -> String {
    let mut text = String::from("package stella.policy\nimport rego.v1\nallow if { a1 }\n");
    for i in 1..len - 1 {
        let mut e = format!("a{}", i + 1);
        for _ in 0..nest {
            e = format!("[1 | {e}]");
        }
        text.push_str(&format!("a{i} if {{ y := {e}; y }}\n"));
    }
    text.push_str(&format!(
        "a{} if {{ count(input.findings) == 0 }}\n",
        len - 1
    ));
    text
}

#[test]
fn the_deepest_allowed_rule_chain_evaluates_on_a_small_caller_stack() {
    // The gate evaluates on a thread of its own with a fixed stack, so a caller's small stack
    // does not matter; before, a chain this deep overflowed it (about 50 KiB per level in a
    // debug build) and aborted the process.
    let text = chain(MAX_RULE_DEPTH, 0);
    let bundle = Bundle::from_files([("chain.rego", text.as_bytes())], None).unwrap();
    let verdict = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || {
            let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
            gate.evaluate(&empty_input()).unwrap()
        })
        .unwrap()
        .join()
        .unwrap();
    assert!(verdict.allow);

    // Nested comprehensions around every reference: the same bound holds.
    let text = "package stella.policy\nimport rego.v1\nallow if { a1 }\n".to_owned()
        + &(1..MAX_RULE_DEPTH - 1)
            .map(|i| {
                format!(
                    "a{i} if {{ y := [1 | [1 | [1 | [1 | [1 | [1 | [1 | [1 | [1 | [1 | a{}]]]]]]]]]]; count(y) == 1 }}\n",
                    i + 1
                )
            })
            .collect::<String>()
        + &format!("a{} if {{ count(input.findings) == 0 }}\n", MAX_RULE_DEPTH - 1);
    let bundle = Bundle::from_files([("nested.rego", text.as_bytes())], None).unwrap();
    let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
    assert!(gate.evaluate(&empty_input()).unwrap().allow);
}

#[test]
fn a_rule_chain_deeper_than_the_limit_is_refused_when_the_policy_loads() {
    let text = chain(MAX_RULE_DEPTH + 1, 0);
    match outcome(&[("chain.rego", &text)]) {
        Err(PolicyError::Rego(RegoError::TooDeep {
            depth, max, chain, ..
        })) => {
            assert_eq!((depth, max), (MAX_RULE_DEPTH + 1, MAX_RULE_DEPTH));
            assert_eq!(chain.len(), MAX_RULE_DEPTH + 1);
            assert_eq!(chain.first().unwrap(), "data.stella.policy.allow");
        }
        other => panic!("expected TooDeep, got {other:?}"),
    }
}

fn varied_input() -> GateInput {
    let mut findings = Vec::new();
    let mut vex = Vec::new();
    let mut waivers = Vec::new();
    for i in 0..60 {
        let (sev, status) = match i % 4 {
            0 => ("CRITICAL", "affected"),
            1 => ("CRITICAL", "under_investigation"),
            2 => ("HIGH", "affected"),
            _ => ("CRITICAL", "not_affected"),
        };
        let id = format!("CVE-2099-{i:04}");
        findings.push(
            json!({"id": id, "aliases": [format!("GHSA-{i}")], "severity": sev,
            "exploitability": status, "package": {"purl": format!("pkg:npm/p{}@1.0.0", i % 7)},
            "fixed_versions": [], "reachability": "reachable"}),
        );
        if i % 8 == 0 {
            vex.push(
                json!({"vuln_id": id, "product": format!("pkg:npm/p{}@1.0.0", i % 7),
                "status": "not_affected", "justification": "vulnerable_code_not_present"}),
            );
        }
        if i % 12 == 4 {
            waivers.push(json!({"vuln_id": id, "reason": "accepted",
                "expires": "2099-01-01T00:00:00Z", "valid": i % 24 == 4}));
        }
    }
    let attestations = json!([
        {"id": "att-1", "predicateType": "https://slsa.dev/provenance/v1", "subject_digests": [IMG]},
        {"id": "att-2", "predicateType": "https://cyclonedx.org/bom",
         "subject_digests": ["sha256:2222222222222222222222222222222222222222222222222222222222222222"],
         "rekor": {"log_index": 7, "inclusion_proof": {"tree_size": 8, "hashes": []}}}
    ]);
    let v = json!({"image": {"digest": IMG}, "scan": {"scanner": "stella"}, "findings": findings,
                   "vex": vex, "attestations": attestations, "waivers": waivers});
    GateInput::from_json(v.to_string().as_bytes()).unwrap()
}

#[test]
fn decisions_are_byte_identical_across_runs_and_threads() {
    let bundle = builtin_bundle(BuiltinOptions::default()).unwrap();
    let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
    let input = varied_input();
    let clock = FixedClock::new(Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap());
    let first = gate
        .decide(&input, &bundle, &clock, "ci")
        .unwrap()
        .to_canonical_json()
        .unwrap();
    let record: serde_json::Value = serde_json::from_slice(&first).unwrap();
    // The input exercises every rule: violations and warnings are both non-empty.
    assert!(
        !record["result"]["violations"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(!record["result"]["warnings"].as_array().unwrap().is_empty());

    let run = |n: usize| {
        (0..n)
            .map(|_| {
                gate.decide(&input, &bundle, &clock, "ci")
                    .unwrap()
                    .to_canonical_json()
                    .unwrap()
            })
            .collect::<Vec<_>>()
    };
    for bytes in run(50) {
        assert_eq!(bytes, first);
    }
    // The same gate shared by two threads, and a gate built afresh on each.
    std::thread::scope(|s| {
        let shared = [s.spawn(|| run(25)), s.spawn(|| run(25))];
        let fresh = [0, 1].map(|_| {
            s.spawn(|| {
                let bundle = builtin_bundle(BuiltinOptions::default()).unwrap();
                let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
                gate.decide(&input, &bundle, &clock, "ci")
                    .unwrap()
                    .to_canonical_json()
                    .unwrap()
            })
        });
        for h in shared {
            for bytes in h.join().unwrap() {
                assert_eq!(bytes, first);
            }
        }
        for h in fresh {
            assert_eq!(h.join().unwrap(), first);
        }
    });
}

#[test]
fn the_builtin_bundle_reproduces_the_conformance_records() {
    let bundle = builtin_bundle(BuiltinOptions::default()).unwrap();
    let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
    let clock = FixedClock::new(Timestamp::parse_rfc3339("2024-06-01T00:00:00Z").unwrap());
    for (input, expected) in [
        (
            &include_bytes!("../../tests/vectors/conformance/policy/input-affected.json")[..],
            &include_bytes!("../../tests/vectors/conformance/policy/decision-deny.json")[..],
        ),
        (
            include_bytes!("../../tests/vectors/conformance/policy/input-not-affected.json"),
            include_bytes!("../../tests/vectors/conformance/policy/decision-allow.json"),
        ),
    ] {
        let input = GateInput::from_json(input).unwrap();
        let bytes = gate
            .decide(&input, &bundle, &clock, "conformance")
            .unwrap()
            .to_canonical_json()
            .unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            String::from_utf8_lossy(expected).trim_end()
        );
    }
}

#[test]
fn wide_references_keep_the_analysis_linear() {
    // 6,000 rules each naming a package of 6,000 rules: with an edge per rule named the graph
    // had 36 million edges (4,000 × 4,000 took 48 s in a debug build); a reference to a subtree
    // is one edge now (1.2 s for 4,000 × 4,000).
    let n = 6_000;
    let mut lib = String::from("package lib\nimport rego.v1\n");
    let mut policy = String::from("package stella.policy\nimport rego.v1\nallow := true\n");
    for i in 0..n {
        lib.push_str(&format!("l{i} := {i}\n"));
        policy.push_str(&format!("b{i} if {{ data.lib }}\n"));
    }
    let bundle = Bundle::from_files(
        [("lib.rego", lib.as_bytes()), ("p.rego", policy.as_bytes())],
        None,
    )
    .unwrap();
    let started = std::time::Instant::now();
    Gate::new(&bundle, GateOptions::default()).unwrap();
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");

    // The same width closing a cycle is still found.
    policy.push_str("package_wide if { data.stella }\n");
    match outcome(&[("lib.rego", &lib), ("p.rego", &policy)]) {
        Err(PolicyError::Rego(RegoError::Recursion { cycle, .. })) => {
            assert_eq!(
                cycle,
                [
                    "data.stella.policy.package_wide",
                    "data.stella.policy.package_wide"
                ]
            );
        }
        other => panic!("expected a recursion error, got {other:?}"),
    }
}

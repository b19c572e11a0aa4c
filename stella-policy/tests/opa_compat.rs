#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! What OPA users write: the seed's minimal input, `input.context`, data files at directory
//! paths, `.manifest` roots and revision, `.tar.gz` bundles, `test_*` rules, and `--explain`.

use std::io::Write;

use serde_json::json;
use stella_core::{FixedClock, Timestamp};
use stella_policy::explain::Explanation;
use stella_policy::test_runner::{Outcome, run_tests};
use stella_policy::{
    BuiltinOptions, Bundle, BundleError, BundleLimits, EvalLimits, Gate, GateInput, GateOptions,
    PolicyError, RecordError, SEED_EXPLOITABLE, SEED_REKOR, builtin_bundle,
};

/// The seed's example input, with exactly the fields the seed names.
fn seed_minimal(status: &str, vex_status: &str, proof: bool) -> GateInput {
    let rekor = if proof {
        json!({"inclusion_proof": {"tree_size": 1, "hashes": []}})
    } else {
        json!({})
    };
    let v = json!({
        "findings": [{"id": "CVE-2024-3094", "severity": "CRITICAL", "exploitability": status}],
        "vex": [{"vuln_id": "CVE-2024-3094", "status": vex_status, "justification": "vulnerable_code_not_in_execute_path"}],
        "attestations": [{"id": "sbom-1", "rekor": rekor}]
    });
    GateInput::from_json(v.to_string().as_bytes()).unwrap()
}

fn seed_bundle() -> Bundle {
    Bundle::from_files(
        [
            ("seed_exploitable.rego", SEED_EXPLOITABLE.as_bytes()),
            ("seed_rekor.rego", SEED_REKOR.as_bytes()),
        ],
        Some("seed".into()),
    )
    .unwrap()
}

fn clock() -> FixedClock {
    FixedClock::new(Timestamp::parse_rfc3339("2026-12-07T00:00:00Z").unwrap())
}

#[test]
fn the_seed_minimal_input_works_with_the_seed_policies_as_written() {
    let bundle = seed_bundle();
    for index_lookups in [true, false] {
        let gate = Gate::new(
            &bundle,
            GateOptions {
                index_lookups,
                ..GateOptions::default()
            },
        )
        .unwrap();
        // Affected critical, waived by a not_affected VEX statement with a justification, logged.
        let v = gate
            .evaluate(&seed_minimal("affected", "not_affected", true))
            .unwrap();
        assert!(v.allow && v.violations.is_empty(), "{v:?}");
        // The VEX statement says affected: nothing waives it.
        let v = gate
            .evaluate(&seed_minimal("affected", "affected", true))
            .unwrap();
        assert!(!v.allow, "{v:?}");
        // No inclusion proof: the seed's Rekor rule fires.
        let v = gate
            .evaluate(&seed_minimal("fixed", "affected", false))
            .unwrap();
        assert!(!v.allow);
        assert_eq!(
            v.violations,
            ["Attestation sbom-1 lacks Rekor inclusion proof"]
        );
    }
    // A decision record without an image: recorded, but not signable as a statement about one.
    let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
    let record = gate
        .decide(
            &seed_minimal("affected", "not_affected", true),
            &bundle,
            &clock(),
            "t",
        )
        .unwrap();
    assert_eq!(record.image_digest, None);
    let text = String::from_utf8(record.to_canonical_json().unwrap()).unwrap();
    assert!(!text.contains("image_digest"), "{text}");
    assert!(matches!(
        record.to_statement().unwrap_err(),
        PolicyError::Record(RecordError::NoImage)
    ));
    // The built-in bundle reads it too. Its image-binding rule needs `input.image`: without
    // one, an attestation cannot be bound to anything, and the built-in policy says so as a
    // violation instead of letting the binding rule pass vacuously (a false ALLOW).
    let builtin = builtin_bundle(BuiltinOptions::default()).unwrap();
    let gate = Gate::new(&builtin, GateOptions::default()).unwrap();
    let v = gate
        .evaluate(&seed_minimal("affected", "not_affected", true))
        .unwrap();
    assert!(!v.allow, "{v:?}");
    assert_eq!(
        v.violations,
        ["Attestation sbom-1 cannot be bound: the input names no image"]
    );
    let v = gate
        .evaluate(&seed_minimal("affected", "affected", true))
        .unwrap();
    assert!(!v.allow, "{v:?}");
    assert!(
        v.violations
            .iter()
            .any(|m| m == "Critical vulnerability CVE-2024-3094 is affected and not waived"),
        "{v:?}"
    );
    // With the image named, the same attestation must bind it: the usual rule decides.
    let mut bound = seed_minimal("affected", "not_affected", true);
    bound.image = Some(stella_policy::input::Image {
        digest: format!("sha256:{}", "1".repeat(64)),
        name: None,
    });
    bound.attestations[0].subject_digests = vec![format!("sha256:{}", "1".repeat(64))];
    let v = gate.evaluate(&bound).unwrap();
    assert!(v.allow && v.violations.is_empty(), "{v:?}");
}

#[test]
fn a_policy_reading_input_context_environment_works() {
    let bundle = Bundle::from_files(
        [(
            "env.rego",
            &br#"package stella.policy
import rego.v1

default allow := false
allow if input.context.environment == "dev"
allow if {
	input.context.environment == "prod"
	count(input.findings) == 0
}
violation contains msg if {
	input.context.environment == "prod"
	some f in input.findings
	msg := sprintf("%s blocks a %s release of team %s", [f.id, input.context.environment, input.context.team.name])
}
"#[..],
        )],
        None,
    )
    .unwrap();
    let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
    let with = |env: &str| {
        let v = json!({
            "findings": [{"id": "CVE-1", "severity": "LOW", "exploitability": "affected"}],
            "context": {"environment": env, "team": {"name": "payments"}}
        });
        gate.evaluate(&GateInput::from_json(v.to_string().as_bytes()).unwrap())
            .unwrap()
    };
    assert!(with("dev").allow);
    let prod = with("prod");
    assert!(!prod.allow);
    assert_eq!(
        prod.violations,
        ["CVE-1 blocks a prod release of team payments"]
    );
    // No context: the rules reading it are undefined, the default holds.
    let none = GateInput::from_json(br#"{"findings":[]}"#).unwrap();
    assert!(!gate.evaluate(&none).unwrap().allow);
}

const POLICY_WITH_DATA: &[u8] = br#"package stella.policy
import rego.v1

default allow := false
allow if {
	some f in input.findings
	f.severity in data.team.limits.allowed
	data.stella.config.mode == "strict"
}
"#;

#[test]
fn data_files_are_placed_at_their_directory_path_and_merged() {
    let bundle = Bundle::from_files(
        [
            ("policy/gate.rego", POLICY_WITH_DATA),
            ("data.json", br#"{"stella":{"config":{"mode":"strict"}}}"#),
            ("team/limits/data.yaml", b"allowed:\n  - LOW\n  - MEDIUM\n"),
        ],
        None,
    )
    .unwrap();
    assert_eq!(
        bundle.data().unwrap(),
        &json!({"stella": {"config": {"mode": "strict"}}, "team": {"limits": {"allowed": ["LOW", "MEDIUM"]}}})
    );
    let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
    let input = |sev: &str| {
        let v = json!({"findings": [{"id": "C", "severity": sev, "exploitability": "affected"}]});
        GateInput::from_json(v.to_string().as_bytes()).unwrap()
    };
    assert!(gate.evaluate(&input("LOW")).unwrap().allow);
    assert!(!gate.evaluate(&input("HIGH")).unwrap().allow);

    // The same leaf from two files is a conflict; disjoint keys merge.
    let e = Bundle::from_files(
        [
            ("gate.rego", POLICY_WITH_DATA),
            ("data.json", &br#"{"team":{"limits":{"allowed":[]}}}"#[..]),
            ("team/limits/data.json", br#"{"allowed":["LOW"]}"#),
        ],
        None,
    )
    .unwrap_err();
    assert!(
        matches!(e, PolicyError::Bundle(BundleError::DataConflict { ref path, .. }) if path == "data.team.limits.allowed"),
        "{e}"
    );
    // YAML: duplicate keys and non-object top-level data are refused.
    let e = Bundle::from_files(
        [
            ("gate.rego", POLICY_WITH_DATA),
            ("x/data.yaml", b"a: 1\na: 2\n"),
        ],
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("twice"), "{e}");
    let e = Bundle::from_files(
        [("gate.rego", POLICY_WITH_DATA), ("data.yml", b"- 1\n")],
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("must be a JSON object"), "{e}");
}

#[test]
fn manifest_revision_is_recorded_and_roots_are_enforced() {
    let manifest =
        br#"{"revision":"4f2d9c1","roots":["stella","team"],"metadata":{"owner":"sec"}}"#;
    let files = |extra: Vec<(&'static str, &'static [u8])>| {
        let mut v: Vec<(&str, &[u8])> = vec![
            (".manifest", manifest),
            ("stella/policy/gate.rego", POLICY_WITH_DATA),
            ("stella/config/data.json", br#"{"mode":"strict"}"#),
            ("team/limits/data.json", br#"{"allowed":["LOW"]}"#),
        ];
        v.extend(extra);
        v
    };
    let bundle = Bundle::from_files(files(vec![]), None).unwrap();
    assert_eq!(bundle.revision(), Some("4f2d9c1"));
    // The manifest is not part of the identity; a caller's revision overrides it.
    let plain = Bundle::from_files(files(vec![]).into_iter().skip(1), Some("x".into())).unwrap();
    assert_eq!(plain.digest(), bundle.digest());
    let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
    let input = GateInput::from_json(
        br#"{"findings":[{"id":"C","severity":"LOW","exploitability":"affected"}]}"#,
    )
    .unwrap();
    let record = gate.decide(&input, &bundle, &clock(), "t").unwrap();
    assert!(record.result.allow);
    assert_eq!(record.policy.revision.as_deref(), Some("4f2d9c1"));

    // Data outside the roots.
    let e = Bundle::from_files(files(vec![("other/data.json", br#"{"x":1}"#)]), None).unwrap_err();
    assert!(
        matches!(e, PolicyError::Bundle(BundleError::OutsideRoots { ref path }) if path == "data.other"),
        "{e}"
    );
    // A package outside the roots is refused when the bundle loads.
    let b = Bundle::from_files(
        files(vec![("elsewhere.rego", b"package other\nx := 1\n")]),
        None,
    )
    .unwrap();
    let e = Gate::new(&b, GateOptions::default()).unwrap_err();
    assert!(
        matches!(e, PolicyError::Bundle(BundleError::OutsideRoots { ref path }) if path == "data.other"),
        "{e}"
    );
    // Overlapping roots.
    let e = Bundle::from_files(
        [
            (
                ".manifest",
                &br#"{"revision":"r","roots":["stella","stella/policy"]}"#[..],
            ),
            ("stella/policy/gate.rego", POLICY_WITH_DATA),
        ],
        None,
    )
    .unwrap_err();
    assert!(
        matches!(e, PolicyError::Bundle(BundleError::BadManifest { .. })),
        "{e}"
    );
    // Wasm in the manifest is refused by name.
    let e = Bundle::from_files(
        [
            (
                ".manifest",
                &br#"{"revision":"r","wasm":[{"entrypoint":"a/b","module":"/policy.wasm"}]}"#[..],
            ),
            ("gate.rego", POLICY_WITH_DATA),
        ],
        None,
    )
    .unwrap_err();
    assert!(
        matches!(e, PolicyError::Bundle(BundleError::Unsupported { .. })),
        "{e}"
    );
}

/// One tar entry: (name as written into the header, entry type, body, link target).
type Entry<'a> = (&'a str, tar::EntryType, &'a [u8], Option<&'a str>);

/// A `.tar.gz` written the way `opa build` writes one: names with a leading `/` (set through
/// the raw header name, which `tar::Builder::append_data` would strip).
fn targz(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, kind, body, link) in entries {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(*kind);
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        if let Some(l) = link {
            h.set_link_name(l).unwrap();
        }
        let raw = &mut h.as_old_mut().name;
        raw.fill(0);
        raw[..name.len()].copy_from_slice(name.as_bytes());
        h.set_cksum();
        b.append(&h, *body).unwrap();
    }
    let tar = b.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

const REG: tar::EntryType = tar::EntryType::Regular;

#[test]
fn opa_tar_gz_bundles_load_with_their_revision_and_roots() {
    // The layout `opa build -b dir` writes: /data.json (merged data), modules, /.manifest.
    let bytes = targz(&[
        ("/data.json", REG, br#"{"stella":{"config":{"mode":"strict"}},"team":{"limits":{"allowed":["LOW"]}}}"#, None),
        ("/stella/policy/gate.rego", REG, POLICY_WITH_DATA, None),
        ("/stella/policy/gate_test.rego", REG, b"package stella.policy_test\nimport rego.v1\nimport data.stella.policy\ntest_low_allowed if policy.allow with input as {\"findings\": [{\"severity\": \"LOW\"}]}\n", None),
        ("/README.md", REG, b"ignored, as OPA ignores it", None),
        ("/.manifest", REG, br#"{"revision":"v1.2.3","roots":["stella","team"],"rego_version":1}"#, None),
    ]);
    let bundle = Bundle::from_tar_gz(&bytes, None, &BundleLimits::default()).unwrap();
    assert_eq!(bundle.revision(), Some("v1.2.3"));
    let names: Vec<&str> = bundle.modules().iter().map(|m| m.name()).collect();
    assert_eq!(
        names,
        ["stella/policy/gate.rego", "stella/policy/gate_test.rego"]
    );
    let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
    let input = GateInput::from_json(
        br#"{"findings":[{"id":"C","severity":"LOW","exploitability":"affected"}]}"#,
    )
    .unwrap();
    let record = gate.decide(&input, &bundle, &clock(), "t").unwrap();
    assert!(record.result.allow);
    assert_eq!(record.policy.revision.as_deref(), Some("v1.2.3"));
    let tests = run_tests(&bundle, EvalLimits::default()).unwrap();
    assert_eq!(tests.len(), 1);
    assert_eq!(tests[0].outcome, Outcome::Pass, "{tests:?}");
    // The same files read from a directory-style list give the same identity.
    let same = Bundle::from_tar_gz(&bytes, Some("other".into()), &BundleLimits::default()).unwrap();
    assert_eq!(same.digest(), bundle.digest());
    assert_eq!(same.revision(), Some("other"));
}

#[test]
fn hostile_tar_gz_bundles_are_refused() {
    let gate = ("/gate.rego", REG, POLICY_WITH_DATA, None);
    let refuse = |entries: &[Entry<'_>], limits: &BundleLimits| {
        Bundle::from_tar_gz(&targz(entries), None, limits).unwrap_err()
    };
    let d = BundleLimits::default();
    let e = refuse(&[gate, ("/../evil.rego", REG, b"package x", None)], &d);
    assert!(
        matches!(e, PolicyError::Bundle(BundleError::BadName { .. })),
        "{e}"
    );
    let e = refuse(
        &[
            gate,
            ("/a.rego", tar::EntryType::Symlink, b"", Some("/etc/passwd")),
        ],
        &d,
    );
    assert!(
        matches!(e, PolicyError::Bundle(BundleError::Unsupported { .. })),
        "{e}"
    );
    let e = refuse(
        &[
            gate,
            ("/b.rego", tar::EntryType::Link, b"", Some("gate.rego")),
        ],
        &d,
    );
    assert!(
        matches!(e, PolicyError::Bundle(BundleError::Unsupported { .. })),
        "{e}"
    );
    let e = refuse(&[gate, ("/f", tar::EntryType::Fifo, b"", None)], &d);
    assert!(
        matches!(e, PolicyError::Bundle(BundleError::Unsupported { .. })),
        "{e}"
    );
    let e = refuse(&[gate, ("/gate.rego", REG, POLICY_WITH_DATA, None)], &d);
    assert!(
        matches!(e, PolicyError::Bundle(BundleError::Duplicate { .. })),
        "{e}"
    );
    let e = refuse(&[gate, ("./gate.rego", REG, POLICY_WITH_DATA, None)], &d);
    assert!(
        matches!(e, PolicyError::Bundle(BundleError::Duplicate { .. })),
        "{e}"
    );
    let e = refuse(&[gate, ("/.signatures.json", REG, b"{}", None)], &d);
    assert!(e.to_string().contains("signed bundles"), "{e}");
    let e = refuse(&[gate, ("/policy.wasm", REG, b"\0asm", None)], &d);
    assert!(
        matches!(e, PolicyError::Bundle(BundleError::Unsupported { .. })),
        "{e}"
    );
    let e = refuse(&[("/patch.json", REG, b"{}", None)], &d);
    assert!(e.to_string().contains("delta bundles"), "{e}");
    // Limits: entry count, per-file size, decompressed bytes (a gzip bomb of zeros).
    let tight = BundleLimits {
        max_archive_entries: 2,
        ..d
    };
    let e = refuse(
        &[gate, ("/x", REG, b"", None), ("/y", REG, b"", None)],
        &tight,
    );
    assert!(e.to_string().contains("archive entry count"), "{e}");
    let big = vec![b' '; d.max_module_bytes + 1];
    let e = refuse(&[gate, ("/big.rego", REG, &big, None)], &d);
    assert!(e.to_string().contains("archive file size"), "{e}");
    let zeros = vec![0u8; 4 << 20];
    let small = BundleLimits {
        max_archive_bytes: 1 << 20,
        ..d
    };
    let e = refuse(&[gate, ("/skipped.bin", REG, &zeros, None)], &small);
    assert!(e.to_string().contains("max_archive_bytes"), "{e}");
    // Not gzip at all.
    let e = Bundle::from_tar_gz(b"not a bundle", None, &d).unwrap_err();
    assert!(
        matches!(e, PolicyError::Bundle(BundleError::Archive { .. })),
        "{e}"
    );
}

#[test]
fn policy_tests_pass_fail_error_and_skip() {
    let bundle = Bundle::from_files(
        [
            ("gate.rego", POLICY_WITH_DATA),
            ("data.json", br#"{"stella":{"config":{"mode":"strict"}},"team":{"limits":{"allowed":["LOW"]}}}"#),
            (
                "gate_test.rego",
                &br#"package stella.policy_test
import rego.v1
import data.stella.policy

low := {"findings": [{"severity": "LOW"}]}

test_low_allowed if policy.allow with input as low
test_high_denied if not policy.allow with input as {"findings": [{"severity": "HIGH"}]}
test_wrong_expectation if not policy.allow with input as low
test_mocked_data if policy.allow with input as {"findings": [{"severity": "HIGH"}]} with data.team.limits.allowed as ["HIGH"]
test_builtin_error if to_number("x") == 1
todo_test_later if false
test_false := false
"#[..],
            ),
        ],
        None,
    )
    .unwrap();
    let results = run_tests(&bundle, EvalLimits::default()).unwrap();
    let got: Vec<(&str, Outcome)> = results
        .iter()
        .map(|r| (r.name.as_str(), r.outcome))
        .collect();
    assert_eq!(
        got,
        [
            ("test_builtin_error", Outcome::Error),
            ("test_false", Outcome::Fail),
            ("test_high_denied", Outcome::Pass),
            ("test_low_allowed", Outcome::Pass),
            ("test_mocked_data", Outcome::Pass),
            ("test_wrong_expectation", Outcome::Fail),
            ("todo_test_later", Outcome::Skip),
        ]
    );
    assert!(
        results
            .iter()
            .all(|r| r.package == "data.stella.policy_test")
    );
    assert_eq!(
        results[5].message.as_deref(),
        Some("undefined"),
        "{results:?}"
    );
    assert_eq!(results, run_tests(&bundle, EvalLimits::default()).unwrap());
}

fn explain(bundle: &Bundle, input: &serde_json::Value) -> Explanation {
    let gate = Gate::new(bundle, GateOptions::default()).unwrap();
    let input = GateInput::from_json(input.to_string().as_bytes()).unwrap();
    let e = gate.explain(bundle, &input).unwrap();
    assert_eq!(e.verdict, gate.evaluate(&input).unwrap());
    e
}

#[test]
fn explain_names_the_findings_vex_and_attestations_behind_each_rule() {
    let bundle = seed_bundle();
    let input = json!({
        "findings": [
            {"id": "CVE-1", "severity": "CRITICAL", "exploitability": "affected"},
            {"id": "CVE-2", "severity": "CRITICAL", "exploitability": "affected"},
            {"id": "CVE-3", "severity": "LOW", "exploitability": "affected"}
        ],
        "vex": [{"vuln_id": "CVE-1", "status": "not_affected", "justification": "component_not_present"},
                {"vuln_id": "CVE-9", "status": "not_affected", "justification": "component_not_present"}],
        "attestations": [{"id": "a1", "rekor": {"inclusion_proof": {}}}, {"id": "a2"}]
    });
    let e = explain(&bundle, &input);
    let j = serde_json::to_value(&e).unwrap();
    let rule = |name: &str| {
        j["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(e.functions, ["exploitable", "waived"]);
    // allow is false because of CVE-2 alone (CVE-1 is waived by vex[0], CVE-3 is LOW).
    let allow = rule("allow");
    assert_eq!(allow["value"], false);
    assert_eq!(
        allow["items"],
        json!([{"item": "findings[1]", "label": "CVE-2 -", "without": true, "alone": false}])
    );
    // Without CVE-2, vex[0] decides it: removing the statement turns allow false.
    let mut only_waived = input.clone();
    only_waived["findings"].as_array_mut().unwrap().remove(1);
    let e2 = explain(&bundle, &only_waived);
    let allow2 = e2.rules.iter().find(|r| r.rule == "allow").unwrap();
    assert_eq!(allow2.value, Some(json!(true)));
    let items: Vec<(&str, &str)> = allow2
        .items
        .iter()
        .map(|i| (i.item.as_str(), i.label.as_str()))
        .collect();
    // CVE-1 itself does not change allow (it is waived either way); the statement does.
    assert_eq!(items, [("vex[0]", "CVE-1 not_affected -")]);
    assert_eq!(allow2.items[0].without, Some(json!(false)));
    // violation: a2 produces its message; a1 nothing.
    let violation = rule("violation");
    assert_eq!(
        violation["value"],
        json!(["Attestation a2 lacks Rekor inclusion proof"])
    );
    assert_eq!(
        violation["items"],
        json!([{"item": "attestations[1]", "label": "a2", "produces": ["Attestation a2 lacks Rekor inclusion proof"]}])
    );
    // Deterministic.
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        serde_json::to_string(&explain(&bundle, &input)).unwrap()
    );
}

#[test]
fn explain_shows_suppression_by_a_waiver_in_the_builtin_bundle() {
    let bundle = builtin_bundle(BuiltinOptions::default()).unwrap();
    let img = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    let input = json!({
        "image": {"digest": img},
        "findings": [{"id": "CVE-1", "severity": "CRITICAL", "exploitability": "affected"}],
        "waivers": [{"vuln_id": "CVE-1", "reason": "r", "expires": "2027-01-01T00:00:00Z", "valid": true}]
    });
    let e = explain(&bundle, &input);
    assert!(e.verdict.allow);
    let violation = e.rules.iter().find(|r| r.rule == "violation").unwrap();
    let w = violation
        .items
        .iter()
        .find(|i| i.item == "waivers[0]")
        .unwrap();
    assert_eq!(
        w.suppresses,
        [json!(
            "Critical vulnerability CVE-1 is affected and not waived"
        )]
    );
}

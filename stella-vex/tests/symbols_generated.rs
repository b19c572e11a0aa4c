#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Generated VEX from symbol-level evidence: `absent` (every vulnerable symbol checked, none
//! linked) may become `not_affected` / `vulnerable_code_not_present`, machine-derived; nothing
//! else may, and one package version in several binaries gets `not_affected` only when no
//! binary links the symbols.

use stella_core::Timestamp;
use stella_core::canonical::JsonLimits;
use stella_vex::{
    FindingRef, Justification, Status, VexPolicy, findings_from_json, generate, is_machine_derived,
};

const POLICY: &str = "author: team\nrules:\n  - name: not linked\n    when: {symbols: absent}\n    status: not_affected\n    justification: vulnerable_code_not_present\n";

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap()
}

fn finding(id: &str, purl: &str, symbols: Option<&str>, binary: &str) -> FindingRef {
    let mut f = FindingRef::new(id, purl);
    f.symbols = symbols.map(str::to_owned);
    f.symbols_checked = vec!["net/http.Client.Do".into()];
    f.symbol_binaries = vec![binary.into()];
    f
}

#[test]
fn absent_becomes_not_affected_machine_derived_and_nothing_else_does() {
    let policy = VexPolicy::from_yaml(POLICY).unwrap();
    let fs = [
        finding(
            "GO-1",
            "pkg:golang/stdlib@v1.21.0",
            Some("absent"),
            "usr/bin/a",
        ),
        finding(
            "GO-2",
            "pkg:golang/stdlib@v1.21.0",
            Some("present"),
            "usr/bin/a",
        ),
        finding(
            "GO-3",
            "pkg:golang/stdlib@v1.21.0",
            Some("unknown"),
            "usr/bin/a",
        ),
        finding("GO-4", "pkg:golang/stdlib@v1.21.0", None, "usr/bin/a"),
    ];
    let doc = generate(&fs, &policy, now()).unwrap();
    let st = |id: &str| {
        doc.statements
            .iter()
            .find(|s| s.vulnerability.name == id)
            .unwrap()
    };
    let g1 = st("GO-1");
    assert_eq!(g1.status, Status::NotAffected);
    assert_eq!(
        g1.justification,
        Some(Justification::VulnerableCodeNotPresent)
    );
    assert!(is_machine_derived(g1));
    let impact = g1.impact_statement.as_deref().unwrap();
    assert!(impact.starts_with("machine-derived:"), "{impact}");
    assert!(impact.contains("/usr/bin/a") && impact.contains("net/http.Client.Do"));
    for id in ["GO-2", "GO-3", "GO-4"] {
        assert_eq!(st(id).status, Status::UnderInvestigation, "{id}");
    }
}

#[test]
fn one_binary_linking_the_symbol_keeps_the_package_version_open() {
    let policy = VexPolicy::from_yaml(POLICY).unwrap();
    let purl = "pkg:golang/stdlib@v1.21.0";
    for order in [
        ["absent", "present"],
        ["present", "absent"],
        ["absent", "unknown"],
    ] {
        let fs = [
            finding("GO-1", purl, Some(order[0]), "usr/bin/a"),
            finding("GO-1", purl, Some(order[1]), "usr/bin/b"),
        ];
        let doc = generate(&fs, &policy, now()).unwrap();
        assert_eq!(doc.statements.len(), 1);
        assert_eq!(
            doc.statements[0].status,
            Status::UnderInvestigation,
            "{order:?}"
        );
    }
    let fs = [
        finding("GO-1", purl, Some("absent"), "usr/bin/a"),
        finding("GO-1", purl, Some("absent"), "usr/bin/b"),
    ];
    let doc = generate(&fs, &policy, now()).unwrap();
    assert_eq!(doc.statements[0].status, Status::NotAffected);
}

#[test]
fn a_justification_of_not_present_needs_absent_symbols_and_other_labels_are_refused() {
    // The justification alone rests the rule on symbols: it fires only for absent.
    let policy = VexPolicy::from_yaml(
        "author: team\nrules:\n  - name: not present\n    status: not_affected\n    justification: vulnerable_code_not_present\n",
    )
    .unwrap();
    let fs = [
        finding(
            "GO-1",
            "pkg:golang/stdlib@v1.21.0",
            Some("unknown"),
            "usr/bin/a",
        ),
        finding("GO-2", "pkg:npm/a@1.0.0", None, "usr/bin/a"),
        finding(
            "GO-3",
            "pkg:golang/stdlib@v1.21.0",
            Some("absent"),
            "usr/bin/a",
        ),
    ];
    let doc = generate(&fs, &policy, now()).unwrap();
    let statuses: Vec<_> = doc.statements.iter().map(|s| s.status).collect();
    assert_eq!(
        statuses,
        [
            Status::UnderInvestigation,
            Status::UnderInvestigation,
            Status::NotAffected
        ]
    );
    for label in ["present", "unknown"] {
        let err = VexPolicy::from_yaml(&format!(
            "author: team\nrules:\n  - name: x\n    when: {{symbols: {label}}}\n    status: not_affected\n    justification: vulnerable_code_not_present\n"
        ))
        .unwrap_err();
        assert!(err.to_string().contains("symbols absent"), "{err}");
    }
}

#[test]
fn findings_json_carries_the_symbol_status() {
    let json = br#"{"findings":[{"id":"GO-1","package":{"purl":"pkg:golang/stdlib@v1.21.0"},
      "symbols":{"status":"absent","binaries":["usr/bin/a"],"vulnerable":["net/http.Client.Do"]}},
      {"id":"GO-2","package":{"purl":"pkg:golang/stdlib@v1.21.0"}}]}"#;
    let fs = findings_from_json(json, &JsonLimits::default()).unwrap();
    assert_eq!(fs[0].symbols.as_deref(), Some("absent"));
    assert_eq!(fs[0].symbols_checked, ["net/http.Client.Do"]);
    assert_eq!(fs[0].symbol_binaries, ["usr/bin/a"]);
    assert_eq!(fs[1].symbols, None);
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Signed VEX and waivers (DSSE + in-toto via stella-attest), VEX generation under a YAML
//! policy, and reading findings from SARIF and findings JSON.

mod common;

use common::*;
use serde_json::json;
use stella_attest::dsse::Keyring;
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_core::canonical::JsonLimits;
use stella_core::{Digest, SignatureAlgorithm};
use stella_vex::{
    Distrust, Document, FindingRef, Justification, MACHINE_DERIVED, Status, TrustPolicy, VexError,
    VexPolicy, VexSet, VexSource, Waiver, findings_from_json, findings_from_sarif, generate,
    is_machine_derived, read_findings, sign_document, sign_waiver,
};

fn key() -> (LocalSigner<SystemRandom>, Keyring, String) {
    let k = PrivateKey::generate(SignatureAlgorithm::Ed25519, &SystemRandom::new()).unwrap();
    let public = k.public_key().clone();
    let id = public.key_id().to_owned();
    let mut ring = Keyring::new();
    ring.add(public).unwrap();
    (LocalSigner::new(k, SystemRandom::new()).unwrap(), ring, id)
}

fn vendor_doc() -> Document {
    Document::parse(&doc(
        "https://example.com/vex/signed",
        "vendor@example.com",
        "2024-01-01T00:00:00Z",
        json!([{"vulnerability": {"name": "CVE-2024-7"}, "products": [{"@id": "pkg:npm/x"}],
                "status": "not_affected", "justification": "component_not_present"}]),
    ))
    .unwrap()
}

#[test]
fn signed_vex_counts_by_key_id_and_tampering_is_refused() {
    let (signer, ring, key_id) = key();
    let envelope = sign_document(
        &vendor_doc(),
        &[("img".into(), Digest::of(b"img"))],
        &signer,
    )
    .unwrap();
    let source = VexSource::signed(&envelope, &ring).unwrap();
    assert_eq!(source.signers(), std::slice::from_ref(&key_id));
    assert_eq!(source.document, vendor_doc());

    let policy = TrustPolicy::from_yaml(&format!(
        "issuers:\n  - name: vendor\n    key_ids: [\"{key_id}\"]\n    precedence: 100\n"
    ))
    .unwrap();
    let now = ts("2026-01-01T00:00:00Z");
    let set = VexSet::build(vec![source], &policy, now);
    let applied = set.apply(&[FindingRef::new("CVE-2024-7", "pkg:npm/x@1.0.0")]);
    assert_eq!(applied.findings[0].status, Status::NotAffected);
    assert_eq!(
        applied.findings[0]
            .decided_by
            .as_ref()
            .unwrap()
            .source
            .signers,
        [key_id]
    );

    // Signed by a key the policy does not know: verified, but untrusted and reported.
    let (other_signer, other_ring, other_id) = key();
    let env2 = sign_document(
        &vendor_doc(),
        &[("img".into(), Digest::of(b"img"))],
        &other_signer,
    )
    .unwrap();
    let set = VexSet::build(
        vec![VexSource::signed(&env2, &other_ring).unwrap()],
        &policy,
        now,
    );
    assert_eq!(
        set.untrusted()[0].reason,
        Distrust::UnknownKey { key_id: other_id }
    );

    // Not verifiable with our keyring: an error, never a document.
    assert!(matches!(
        VexSource::signed(&env2, &ring),
        Err(VexError::Signature { .. })
    ));
    // One flipped byte in the payload: an error.
    let mut env: serde_json::Value = serde_json::from_slice(&envelope).unwrap();
    let payload = env["payload"].as_str().unwrap().to_owned();
    let mut chars: Vec<char> = payload.chars().collect();
    chars[10] = if chars[10] == 'A' { 'B' } else { 'A' };
    env["payload"] = json!(chars.into_iter().collect::<String>());
    let tampered = serde_json::to_vec(&env).unwrap();
    assert!(matches!(
        VexSource::signed(&tampered, &ring),
        Err(VexError::Signature { .. })
    ));
    // Unsigned policies do not make unsigned documents count.
    let unsigned = VexSource::from_document(vendor_doc(), Digest::of(b"x"));
    let set = VexSet::build(vec![unsigned], &policy, now);
    assert_eq!(set.untrusted()[0].reason, Distrust::Unsigned);
}

#[test]
fn signed_waiver_round_trip_and_expiry() {
    let (signer, ring, key_id) = key();
    let image = Digest::of(b"image");
    let w = Waiver::new(
        image,
        vec!["CVE-2024-8".into(), "CVE-2024-8".into()],
        "compensating control: WAF",
        "ciso@example.com",
        ts("2026-01-01T00:00:00Z"),
        ts("2026-02-01T00:00:00Z"),
        Status::Affected,
        None,
        Some("WAF rule 12 blocks the vector".into()),
    )
    .unwrap();
    assert_eq!(w.vulnerabilities, ["CVE-2024-8"]);
    let env = sign_waiver(&w, &signer).unwrap();
    let (back, ids) = Waiver::from_signed(&env, &ring).unwrap();
    assert_eq!(back, w);
    assert_eq!(ids, std::slice::from_ref(&key_id));
    let source = VexSource::signed(&env, &ring).unwrap();
    assert!(source.as_waiver().is_some());
    let policy = TrustPolicy::from_yaml(&format!(
        "issuers:\n  - name: security\n    key_ids: [\"{key_id}\"]\n"
    ))
    .unwrap();
    let mut f = FindingRef::new("CVE-2024-8", "pkg:npm/y@1");
    f.artifact = Some(image.to_string());
    let during = VexSet::build(vec![source.clone()], &policy, ts("2026-01-15T00:00:00Z"))
        .apply(std::slice::from_ref(&f));
    assert_eq!(during.findings[0].status, Status::Affected);
    assert_eq!(
        during.findings[0].action_statement.as_deref(),
        Some("WAF rule 12 blocks the vector")
    );
    let after = VexSet::build(vec![source], &policy, ts("2026-02-01T00:00:00Z")).apply(&[f]);
    assert_eq!(after.findings[0].status, Status::UnderInvestigation);
    assert_eq!(after.expired_waivers.len(), 1);
}

#[test]
fn stella_attest_waiver_predicate_is_read_as_a_not_affected_waiver() {
    use stella_attest::predicates::Waiver as AttestWaiver;
    use stella_attest::statement::Statement;
    let (signer, ring, _) = key();
    let image = Digest::of(b"image");
    let w = AttestWaiver {
        vulnerability: "CVE-2024-9".into(),
        packages: vec![],
        justification: "only reachable from the admin network".into(),
        author: "ciso@example.com".into(),
        issued_at: ts("2026-01-01T00:00:00Z"),
        expires_at: ts("2026-03-01T00:00:00Z"),
    };
    let env = Statement::builder()
        .subject("registry.example/app", image)
        .predicate(&w)
        .unwrap()
        .build()
        .unwrap()
        .sign(&[&signer])
        .unwrap()
        .to_json()
        .unwrap();
    let (waiver, _) = Waiver::from_signed(&env, &ring).unwrap();
    assert_eq!(waiver.artifact, image);
    assert_eq!(waiver.vulnerabilities, ["CVE-2024-9"]);
    assert_eq!(waiver.status, Status::NotAffected);
    assert_eq!(
        waiver.impact_statement.as_deref(),
        Some("only reachable from the admin network")
    );
    assert_eq!(waiver.expires, ts("2026-03-01T00:00:00Z"));
    let source = VexSource::signed(&env, &ring).unwrap();
    let set = VexSet::build(
        vec![source],
        &TrustPolicy::permissive(),
        ts("2026-02-01T00:00:00Z"),
    );
    let mut f = FindingRef::new("CVE-2024-9", "pkg:npm/z@1");
    f.artifact = Some(image.to_string());
    assert_eq!(set.apply(&[f]).findings[0].status, Status::NotAffected);
    // Another predicate type is refused before anything is read.
    let other = Statement::builder()
        .subject("x", image)
        .raw_predicate("https://example.com/other", json!({}))
        .build()
        .unwrap()
        .sign(&[&signer])
        .unwrap()
        .to_json()
        .unwrap();
    assert!(matches!(
        VexSource::signed(&other, &ring),
        Err(VexError::Signature { .. })
    ));
}

const POLICY: &str = r#"
author: "Example Security Team <security@example.com>"
role: "Security Team"
rules:
  - name: unreachable
    when:
      reachability: not_found_on_entry_paths
    status: not_affected
    justification: vulnerable_code_not_in_execute_path
    impact_statement_from_trace: true
  - name: accepted
    when:
      vulnerabilities: [CVE-2023-9999]
      purl: pkg:npm/legacy
    status: affected
    action_statement: "Upgrade scheduled for Q3"
"#;

#[test]
fn generate_from_findings_under_a_yaml_policy() {
    let policy = VexPolicy::from_yaml(POLICY).unwrap();
    let mut unreachable = FindingRef::new("CVE-2024-1", "pkg:npm/a@1.0.0");
    unreachable.reachability = Some("not_found_on_entry_paths".into());
    unreachable.trace = vec!["/app/server.js".into(), "node_modules/a/index.js".into()];
    let mut reachable = FindingRef::new("CVE-2024-2", "pkg:npm/b@1.0.0");
    reachable.reachability = Some("reachable".into());
    let accepted = FindingRef::new("CVE-2023-9999", "pkg:npm/legacy@0.1.0");
    let dup = FindingRef::new("CVE-2024-2", "pkg:npm/b@1.0.0");
    let now = ts("2026-11-26T00:00:00Z");
    let d = generate(
        &[
            reachable.clone(),
            accepted.clone(),
            unreachable.clone(),
            dup,
        ],
        &policy,
        now,
    )
    .unwrap();
    assert_eq!(d.statements.len(), 3);
    let names: Vec<_> = d
        .statements
        .iter()
        .map(|s| s.vulnerability.name.as_str())
        .collect();
    assert_eq!(names, ["CVE-2023-9999", "CVE-2024-1", "CVE-2024-2"]);
    assert_eq!(d.statements[0].status, Status::Affected);
    assert_eq!(d.statements[1].status, Status::NotAffected);
    assert_eq!(
        d.statements[1].justification,
        Some(Justification::VulnerableCodeNotInExecutePath)
    );
    assert_eq!(
        d.statements[1].impact_statement.as_deref(),
        Some("machine-derived: entry-trace: /app/server.js -> node_modules/a/index.js")
    );
    // Every rule decision says it was machine-derived; an undecided statement does not.
    assert!(is_machine_derived(&d.statements[0]));
    assert!(is_machine_derived(&d.statements[1]));
    assert!(!is_machine_derived(&d.statements[2]));
    assert!(
        d.statements[0]
            .status_notes
            .as_deref()
            .unwrap()
            .starts_with(MACHINE_DERIVED)
    );
    assert_eq!(d.statements[2].status, Status::UnderInvestigation);
    assert_eq!(d.timestamp, now);
    assert_schema_valid(&openvex_validator(), &d.to_json().unwrap());
    // Deterministic whatever the finding order.
    let again = generate(&[unreachable, accepted, reachable], &policy, now).unwrap();
    assert_eq!(again.to_json().unwrap(), d.to_json().unwrap());
    // Without a policy rule nothing becomes not_affected.
    let empty = VexPolicy::from_yaml("author: x\n").unwrap();
    let mut f = FindingRef::new("CVE-2024-1", "pkg:npm/a@1.0.0");
    f.reachability = Some("not_found_on_entry_paths".into());
    assert_eq!(
        generate(&[f], &empty, now).unwrap().statements[0].status,
        Status::UnderInvestigation
    );
}

/// A `not_affected` rule that rests on the trace but has no reachability condition (or names
/// the package): it fired for findings whose trace was unknown or even reachable.
#[test]
fn generated_not_affected_needs_a_complete_trace() {
    let policy = VexPolicy::from_yaml(
        "author: team\nrules:\n  - name: a is unreachable\n    when: {purl: pkg:npm/a}\n    status: not_affected\n    justification: vulnerable_code_not_in_execute_path\n  - name: trace says\n    status: not_affected\n    impact_statement_from_trace: true\n",
    )
    .unwrap();
    let now = ts("2026-11-26T00:00:00Z");
    for label in [None, Some("unknown"), Some("reachable"), Some("error")] {
        let mut f = FindingRef::new("CVE-2024-1", "pkg:npm/a@1.0.0");
        f.reachability = label.map(str::to_owned);
        let d = generate(&[f], &policy, now).unwrap();
        assert_eq!(
            d.statements[0].status,
            Status::UnderInvestigation,
            "{label:?}"
        );
    }
    let mut f = FindingRef::new("CVE-2024-1", "pkg:npm/a@1.0.0");
    f.reachability = Some("not_found_on_entry_paths".into());
    let d = generate(&[f], &policy, now).unwrap();
    assert_eq!(d.statements[0].status, Status::NotAffected);
    assert_eq!(
        d.statements[0].impact_statement.as_deref(),
        Some(
            "machine-derived: the entry-trace found no path from the image's entrypoint to the package"
        )
    );
    // A rule that does not rest on the trace (a person named the vulnerability) still applies.
    let human = VexPolicy::from_yaml(
        "author: team\nrules:\n  - name: vendor says\n    when: {vulnerabilities: [CVE-2024-1]}\n    status: not_affected\n    justification: inline_mitigations_already_exist\n",
    )
    .unwrap();
    let mut f = FindingRef::new("CVE-2024-1", "pkg:npm/a@1.0.0");
    f.reachability = Some("reachable".into());
    let d = generate(&[f], &human, now).unwrap();
    assert_eq!(d.statements[0].status, Status::NotAffected);
    assert!(is_machine_derived(&d.statements[0]));
}

/// A clean image has no findings: generating gives an empty document, not an error.
#[test]
fn no_findings_generate_an_empty_document() {
    let policy = VexPolicy::from_yaml("author: team\n").unwrap();
    let d = generate(&[], &policy, ts("2026-11-26T00:00:00Z")).unwrap();
    assert!(d.statements.is_empty());
    let again = generate(&[], &policy, ts("2026-11-26T00:00:00Z")).unwrap();
    assert_eq!(d.to_json().unwrap(), again.to_json().unwrap());
}

#[test]
fn bad_policies_are_refused() {
    for bad in [
        "rules: []\n",
        "author: a\nrules:\n  - name: r\n    status: not_affected\n",
        "author: a\nrules:\n  - name: r\n    status: affected\n",
        "author: a\nrules:\n  - name: r\n    status: exploitable\n",
        "author: a\nrules:\n  - name: r\n    status: fixed\n    when: {purl: 'pkg:'}\n",
        "author: a\nunknown: 1\n",
        // A generated not_affected may only rest on a complete trace.
        "author: a\nrules:\n  - name: r\n    when: {reachability: unknown}\n    status: not_affected\n    justification: vulnerable_code_not_in_execute_path\n",
        "author: a\nrules:\n  - name: r\n    when: {reachability: reachable}\n    status: not_affected\n    impact_statement: fine\n",
    ] {
        assert!(
            matches!(VexPolicy::from_yaml(bad), Err(VexError::Policy { .. })),
            "{bad}"
        );
    }
}

#[test]
fn findings_from_sarif_and_json() {
    let sarif = json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {"name": "scanner", "rules": [
                {"id": "CVE-2024-1", "properties": {"aliases": ["GHSA-1111-2222-3333"]}}
            ]}},
            "properties": {"imageDigest": Digest::of(b"img").to_string()},
            "results": [
                {"ruleId": "CVE-2024-1", "message": {"text": "x"},
                 "properties": {"purl": "pkg:npm/a@1.0.0", "reachability": "not_found_on_entry_paths",
                                "entryTrace": ["/bin/app"]}},
                {"message": {"text": "no rule"}}
            ]
        }]
    });
    let bytes = serde_json::to_vec(&sarif).unwrap();
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(test_data("schemas/sarif-2.1.0/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    assert!(jsonschema::validator_for(&schema).unwrap().is_valid(&sarif));
    let f = findings_from_sarif(&bytes, &JsonLimits::default()).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].vulnerability, "CVE-2024-1");
    assert_eq!(f[0].aliases, ["GHSA-1111-2222-3333"]);
    assert_eq!(f[0].purl.as_deref(), Some("pkg:npm/a@1.0.0"));
    assert_eq!(f[0].artifact, Some(Digest::of(b"img").to_string()));
    assert_eq!(f[0].trace, ["/bin/app"]);
    assert_eq!(read_findings(&bytes, &JsonLimits::default()).unwrap(), f);

    let findings = json!({
        "image_digest": Digest::of(b"img").to_string(),
        "findings": [
            {"vulnerability": {"id": "GHSA-9", "aliases": ["CVE-9"]}, "package": {"purl": "pkg:pypi/django@4.2"},
             "reachability": {"status": "reachable", "trace": ["/usr/bin/gunicorn"]}, "extra": true},
            {"id": "CVE-8", "purl": "pkg:npm/b@1"}
        ]
    });
    let f = findings_from_json(
        &serde_json::to_vec(&findings).unwrap(),
        &JsonLimits::default(),
    )
    .unwrap();
    assert_eq!(f[0].vulnerability, "GHSA-9");
    assert_eq!(f[0].aliases, ["CVE-9"]);
    assert_eq!(f[0].purl.as_deref(), Some("pkg:pypi/django@4.2"));
    assert_eq!(f[0].reachability.as_deref(), Some("reachable"));
    assert_eq!(f[0].trace, ["/usr/bin/gunicorn"]);
    assert_eq!(f[1].artifact, Some(Digest::of(b"img").to_string()));
    // The shape stella_vuln writes (format stella-ops/findings@v1), fields we do not need
    // included to show they are ignored.
    let scan = json!({
        "format": "stella-ops/findings@v1",
        "scanner": {"name": "stella-scan", "version": "0.1.0"},
        "target": {"name": "app.tar", "image_digest": Digest::of(b"img").to_string(), "sbom_digest": null, "os": null},
        "findings": [{
            "id": "GHSA-jfh8-c2jp-5v3q", "ids": ["CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q"],
            "records": ["GHSA-jfh8-c2jp-5v3q"],
            "package": {"name": "log4j-core", "version": "2.14.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                        "kind": "java-archive", "ecosystem": "Maven", "source": null},
            "fixed_versions": ["2.15.0"], "severity": {"level": "critical"}, "summary": null, "details": null,
            "evidence": {"locations": [{"path": "app/lib/log4j-core-2.14.1.jar", "layer": null}], "cataloger": "java", "matched": []},
            "status": "under_investigation", "reachability": "unreachable"
        }],
        "problems": []
    });
    let f =
        findings_from_json(&serde_json::to_vec(&scan).unwrap(), &JsonLimits::default()).unwrap();
    assert_eq!(f[0].vulnerability, "GHSA-jfh8-c2jp-5v3q");
    assert_eq!(f[0].aliases, ["CVE-2021-44228"]);
    assert_eq!(
        f[0].purl.as_deref(),
        Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
    );
    assert_eq!(
        f[0].reachability.as_deref(),
        Some(stella_vex::NOT_FOUND_ON_ENTRY_PATHS)
    );
    assert_eq!(f[0].artifact, Some(Digest::of(b"img").to_string()));
    // Their SARIF names the image under the run's properties.target.
    let sarif = json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "stella-scan", "rules": []}},
        "results": [{"ruleId": "CVE-1", "message": {"text": "x"}, "properties": {"purl": "pkg:npm/a@1", "reachability": "unreachable"}}],
        "properties": {"target": {"name": "app", "image_digest": Digest::of(b"img").to_string()}}}]});
    let f =
        findings_from_sarif(&serde_json::to_vec(&sarif).unwrap(), &JsonLimits::default()).unwrap();
    assert_eq!(f[0].artifact, Some(Digest::of(b"img").to_string()));
    assert_eq!(
        f[0].reachability.as_deref(),
        Some(stella_vex::NOT_FOUND_ON_ENTRY_PATHS)
    );
    assert!(matches!(
        findings_from_json(
            br#"{"findings":[{"purl":"pkg:npm/x@1"}]}"#,
            &JsonLimits::default()
        ),
        Err(VexError::Shape { .. })
    ));
    assert!(matches!(
        findings_from_sarif(b"{}", &JsonLimits::default()),
        Err(VexError::Shape { .. })
    ));
}

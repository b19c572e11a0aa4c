#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Merge and apply: the issue's "Done when" cases and the deciding rule.

mod common;

use common::*;
use serde_json::json;
use stella_core::Digest;
use stella_vex::{
    Distrust, Document, FindingRef, Justification, MergeOptions, Status, TrustPolicy,
    ValidationOptions, VexError, VexSet, VexSource, Waiver, validate,
};

fn src(bytes: &[u8]) -> VexSource {
    VexSource::unsigned(bytes).unwrap()
}

fn opts(explain: bool) -> MergeOptions {
    MergeOptions {
        now: ts("2026-11-26T12:00:00Z"),
        author: "Stella Ops".into(),
        explain,
    }
}

fn stmt(vuln: &str, product: &str, status: &str) -> serde_json::Value {
    let mut s =
        json!({"vulnerability": {"name": vuln}, "products": [{"@id": product}], "status": status});
    match status {
        "not_affected" => s["justification"] = json!("vulnerable_code_not_present"),
        "affected" => s["action_statement"] = json!("upgrade"),
        _ => {}
    }
    s
}

#[test]
fn two_authors_disagree_latest_wins_and_both_are_recorded() {
    let alice = doc(
        "https://example.com/vex/alice",
        "alice@vendor.example",
        "2024-01-01T00:00:00Z",
        json!([stmt("CVE-2024-1000", "pkg:npm/left-pad@1.3.0", "affected")]),
    );
    let bob = doc(
        "https://example.com/vex/bob",
        "bob@distro.example",
        "2024-02-01T00:00:00Z",
        json!([stmt(
            "CVE-2024-1000",
            "pkg:npm/left-pad@1.3.0",
            "not_affected"
        )]),
    );
    let set = VexSet::build(
        vec![src(&alice), src(&bob)],
        &TrustPolicy::permissive(),
        ts("2026-01-01T00:00:00Z"),
    );
    let merged = set.merge(&opts(true)).unwrap();
    assert_eq!(merged.decisions.len(), 1);
    let d = &merged.decisions[0];
    assert_eq!(d.decided_by.status, Status::NotAffected);
    assert_eq!(d.decided_by.source.author, "bob@distro.example");
    assert_eq!(d.decided_by.source.document, "https://example.com/vex/bob");
    assert_eq!(d.decided_by.source.digest, Digest::of(&bob));
    assert_eq!(d.superseded.len(), 1);
    assert_eq!(d.superseded[0].source.author, "alice@vendor.example");
    assert_eq!(d.superseded[0].status, Status::Affected);
    // The explanation names both, and the merged document carries it and stays valid OpenVEX.
    let text = merged.explain();
    assert!(
        text.contains("decided by: not_affected") && text.contains("superseded: affected"),
        "{text}"
    );
    let notes = merged.document.statements[0]
        .status_notes
        .as_deref()
        .unwrap();
    assert!(notes.contains("bob@distro.example") && notes.contains("alice@vendor.example"));
    let out = merged.document.to_json().unwrap();
    assert_schema_valid(&openvex_validator(), &out);
    validate(
        &Document::parse(&out).unwrap(),
        &ValidationOptions::default(),
    )
    .unwrap();
}

#[test]
fn merge_is_deterministic_whatever_the_input_order() {
    let a = doc(
        "https://example.com/a",
        "a",
        "2024-01-01T00:00:00Z",
        json!([
            stmt("CVE-2", "pkg:npm/b@1", "fixed"),
            stmt("CVE-1", "pkg:npm/a@1", "under_investigation")
        ]),
    );
    let b = doc(
        "https://example.com/b",
        "b",
        "2024-01-01T00:00:00Z",
        json!([
            stmt("CVE-1", "pkg:npm/a@1", "fixed"),
            stmt("CVE-3", "pkg:npm/c", "not_affected")
        ]),
    );
    let now = ts("2026-01-01T00:00:00Z");
    let one = VexSet::build(vec![src(&a), src(&b)], &TrustPolicy::permissive(), now)
        .merge(&opts(true))
        .unwrap();
    let two = VexSet::build(vec![src(&b), src(&a)], &TrustPolicy::permissive(), now)
        .merge(&opts(true))
        .unwrap();
    assert_eq!(
        one.document.to_json().unwrap(),
        two.document.to_json().unwrap()
    );
    assert_eq!(one.decisions, two.decisions);
    let names: Vec<_> = one
        .decisions
        .iter()
        .map(|d| d.vulnerability.as_str())
        .collect();
    assert_eq!(names, ["CVE-1", "CVE-2", "CVE-3"]);
    // Same time, same precedence: the more cautious status wins the exact tie.
    assert_eq!(
        one.decisions[0].decided_by.status,
        Status::UnderInvestigation
    );
    assert_eq!(one.decisions[0].superseded[0].status, Status::Fixed);
}

#[test]
fn versionless_purl_statement_covers_a_versioned_finding() {
    let vex = doc(
        "https://example.com/vex/1",
        "vendor",
        "2024-01-01T00:00:00Z",
        json!([stmt(
            "CVE-2024-2000",
            "pkg:deb/debian/openssl?arch=amd64",
            "not_affected"
        )]),
    );
    let set = VexSet::build(
        vec![src(&vex)],
        &TrustPolicy::permissive(),
        ts("2026-01-01T00:00:00Z"),
    );
    let applied = set.apply(&[
        FindingRef::new(
            "CVE-2024-2000",
            "pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12",
        ),
        // Qualifiers narrow: another architecture is not covered.
        FindingRef::new(
            "CVE-2024-2000",
            "pkg:deb/debian/openssl@3.0.11-1?arch=arm64",
        ),
        // Another package is not covered.
        FindingRef::new(
            "CVE-2024-2000",
            "pkg:deb/debian/libssl3@3.0.11-1?arch=amd64",
        ),
    ]);
    let by_purl = |p: &str| {
        applied
            .findings
            .iter()
            .find(|f| f.finding.purl.as_deref() == Some(p))
            .unwrap()
    };
    assert_eq!(
        by_purl("pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12").status,
        Status::NotAffected
    );
    assert_eq!(
        by_purl("pkg:deb/debian/openssl@3.0.11-1?arch=arm64").status,
        Status::UnderInvestigation
    );
    assert_eq!(
        by_purl("pkg:deb/debian/libssl3@3.0.11-1?arch=amd64").status,
        Status::UnderInvestigation
    );
    assert_eq!(applied.counts.not_affected, 1);
    assert_eq!(applied.counts.under_investigation, 2);
    assert_eq!(applied.counts.affected + applied.counts.fixed, 0);
}

#[test]
fn cve_and_ghsa_aliases_match_both_ways() {
    // The statement names the CVE with the GHSA as alias; the finding names only the GHSA.
    let vendor = doc(
        "https://example.com/vex/vendor",
        "vendor",
        "2024-01-01T00:00:00Z",
        json!([{"vulnerability": {"name": "CVE-2021-44228", "aliases": ["GHSA-jfh8-c2jp-5v3q"]},
                "products": [{"@id": "pkg:maven/org.apache.logging.log4j/log4j-core"}],
                "status": "affected", "action_statement": "upgrade to 2.17.1"}]),
    );
    // A later statement names only the GHSA: it is the same vulnerability and supersedes.
    let team = doc(
        "https://example.com/vex/team",
        "team",
        "2024-05-01T00:00:00Z",
        json!([{"vulnerability": {"name": "GHSA-jfh8-c2jp-5v3q"},
                "products": [{"@id": "pkg:maven/org.apache.logging.log4j/log4j-core"}],
                "status": "fixed"}]),
    );
    let set = VexSet::build(
        vec![src(&vendor), src(&team)],
        &TrustPolicy::permissive(),
        ts("2026-01-01T00:00:00Z"),
    );
    let merged = set.merge(&opts(false)).unwrap();
    assert_eq!(merged.decisions.len(), 1, "{:#?}", merged.decisions);
    assert_eq!(
        merged.decisions[0].ids,
        ["CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q"]
    );
    assert_eq!(merged.decisions[0].decided_by.status, Status::Fixed);

    let mut by_ghsa = FindingRef::new(
        "GHSA-jfh8-c2jp-5v3q",
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
    );
    by_ghsa.aliases = vec![];
    let mut by_cve = FindingRef::new(
        "CVE-2021-44228",
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
    );
    by_cve.aliases = vec!["GHSA-jfh8-c2jp-5v3q".into()];
    let only_vendor = VexSet::build(
        vec![src(&vendor)],
        &TrustPolicy::permissive(),
        ts("2026-01-01T00:00:00Z"),
    );
    let applied = only_vendor.apply(&[by_ghsa.clone(), by_cve.clone()]);
    assert!(
        applied
            .findings
            .iter()
            .all(|f| f.status == Status::Affected)
    );
    assert_eq!(
        applied.findings[0].action_statement.as_deref(),
        Some("upgrade to 2.17.1")
    );
    let applied = set.apply(&[by_ghsa, by_cve]);
    assert!(
        applied.findings.iter().all(|f| f.status == Status::Fixed),
        "{applied:#?}"
    );
    assert_eq!(applied.findings[0].superseded.len(), 1);
}

#[test]
fn expired_waiver_is_ignored_and_reported_a_live_one_applies() {
    let image = Digest::of(b"image manifest");
    let waiver = |expires: &str| {
        Waiver::new(
            image,
            vec!["CVE-2024-3000".into()],
            "admin port firewalled",
            "ciso@example.com",
            ts("2026-01-01T00:00:00Z"),
            ts(expires),
            Status::NotAffected,
            Some(Justification::InlineMitigationsAlreadyExist),
            None,
        )
        .unwrap()
    };
    let mut finding = FindingRef::new("CVE-2024-3000", "pkg:npm/express@4.0.0");
    finding.artifact = Some(image.to_string());
    let now = ts("2026-06-01T00:00:00Z");

    let expired = VexSource::waiver(waiver("2026-03-01T00:00:00Z")).unwrap();
    let set = VexSet::build(vec![expired], &TrustPolicy::permissive(), now);
    let applied = set.apply(std::slice::from_ref(&finding));
    assert_eq!(applied.findings[0].status, Status::UnderInvestigation);
    assert_eq!(applied.expired_waivers.len(), 1);
    assert_eq!(applied.expired_waivers[0].approver, "ciso@example.com");
    assert_eq!(
        applied.expired_waivers[0].expires,
        ts("2026-03-01T00:00:00Z")
    );
    assert!(!applied.expired_waivers[0].not_yet_valid);
    match set.merge(&opts(true)) {
        Err(VexError::NoTrustedStatements {
            expired_waivers: 1, ..
        }) => {}
        other => panic!("{other:?}"),
    }

    let live = VexSource::waiver(waiver("2026-12-01T00:00:00Z")).unwrap();
    let set = VexSet::build(vec![live], &TrustPolicy::permissive(), now);
    let applied = set.apply(std::slice::from_ref(&finding));
    assert_eq!(applied.findings[0].status, Status::NotAffected);
    assert!(
        applied.findings[0]
            .decided_by
            .as_ref()
            .unwrap()
            .source
            .waiver
    );
    assert!(applied.expired_waivers.is_empty());
    // The same finding in another image is not waived.
    let mut elsewhere = finding.clone();
    elsewhere.artifact = Some(Digest::of(b"other image").to_string());
    assert_eq!(
        set.apply(&[elsewhere]).findings[0].status,
        Status::UnderInvestigation
    );
}

#[test]
fn waiver_rules() {
    let image = Digest::of(b"i");
    let mk = |created: &str, expires: &str, status, j, a: Option<&str>| {
        Waiver::new(
            image,
            vec!["CVE-1".into()],
            "r",
            "a",
            ts(created),
            ts(expires),
            status,
            j,
            a.map(String::from),
        )
    };
    assert!(
        mk(
            "2026-01-02T00:00:00Z",
            "2026-01-01T00:00:00Z",
            Status::NotAffected,
            Some(Justification::ComponentNotPresent),
            None
        )
        .is_err()
    );
    assert!(
        mk(
            "2026-01-01T00:00:00Z",
            "2026-02-01T00:00:00Z",
            Status::NotAffected,
            None,
            None
        )
        .is_err()
    );
    assert!(
        mk(
            "2026-01-01T00:00:00Z",
            "2026-02-01T00:00:00Z",
            Status::Fixed,
            None,
            None
        )
        .is_err()
    );
    assert!(
        mk(
            "2026-01-01T00:00:00Z",
            "2026-02-01T00:00:00Z",
            Status::Affected,
            None,
            Some("WAF rule 12")
        )
        .is_ok()
    );
    let w = mk(
        "2026-01-01T00:00:00Z",
        "2026-02-01T00:00:00Z",
        Status::Affected,
        None,
        Some("WAF rule 12"),
    )
    .unwrap();
    let d = w.to_document().unwrap();
    validate(&d, &ValidationOptions::default()).unwrap();
    assert_schema_valid(&openvex_validator(), &d.to_json().unwrap());
    assert_eq!(Waiver::parse(&w.to_json().unwrap()).unwrap(), w);
}

#[test]
fn subcomponent_statement_applies_only_inside_its_product() {
    let vex = doc(
        "https://example.com/vex/sub",
        "vendor",
        "2024-01-01T00:00:00Z",
        json!([{"vulnerability": {"name": "CVE-2024-4000"},
                "products": [{"@id": "pkg:oci/shop@sha256%3A1111?repository_url=registry.example/shop",
                              "subcomponents": [{"@id": "pkg:npm/lodash"}]}],
                "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]),
    );
    let set = VexSet::build(
        vec![src(&vex)],
        &TrustPolicy::permissive(),
        ts("2026-01-01T00:00:00Z"),
    );
    let in_shop = |purl: &str| {
        let mut f = FindingRef::new("CVE-2024-4000", purl);
        f.artifact = Some("pkg:oci/shop@sha256%3A1111?repository_url=registry.example/shop".into());
        f
    };
    let mut elsewhere = FindingRef::new("CVE-2024-4000", "pkg:npm/lodash@4.17.20");
    elsewhere.artifact = Some("pkg:oci/blog@sha256%3A2222".into());
    let applied = set.apply(&[
        in_shop("pkg:npm/lodash@4.17.20"),
        in_shop("pkg:npm/express@4.0.0"),
        elsewhere,
    ]);
    let status = |purl: &str, art: &str| {
        applied
            .findings
            .iter()
            .find(|f| {
                f.finding.purl.as_deref() == Some(purl)
                    && f.finding.artifact.as_deref().unwrap().contains(art)
            })
            .unwrap()
            .status
    };
    assert_eq!(
        status("pkg:npm/lodash@4.17.20", "shop"),
        Status::NotAffected
    );
    assert_eq!(
        status("pkg:npm/express@4.0.0", "shop"),
        Status::UnderInvestigation
    );
    assert_eq!(
        status("pkg:npm/lodash@4.17.20", "blog"),
        Status::UnderInvestigation
    );
}

#[test]
fn precedence_beats_recency_and_untrusted_is_reported_not_applied() {
    let policy = TrustPolicy::from_yaml(
        r#"
allow_unsigned: true
issuers:
  - name: vendor
    identities: ["vendor@example.com"]
    products: ["pkg:npm/widget"]
    precedence: 100
  - name: our-team
    identities: ["team@example.com"]
    precedence: 10
"#,
    )
    .unwrap();
    let vendor = doc(
        "https://example.com/vex/vendor",
        "vendor@example.com",
        "2024-01-01T00:00:00Z",
        json!([
            stmt("CVE-5", "pkg:npm/widget@1.0.0", "not_affected"),
            stmt("CVE-5", "pkg:npm/gadget@1.0.0", "not_affected")
        ]),
    );
    let team = doc(
        "https://example.com/vex/team",
        "team@example.com",
        "2024-06-01T00:00:00Z",
        json!([stmt("CVE-5", "pkg:npm/widget@1.0.0", "affected")]),
    );
    let stranger = doc(
        "https://example.com/vex/stranger",
        "mallory@example.com",
        "2025-01-01T00:00:00Z",
        json!([stmt("CVE-5", "pkg:npm/widget@1.0.0", "fixed")]),
    );
    let set = VexSet::build(
        vec![src(&vendor), src(&team), src(&stranger)],
        &policy,
        ts("2026-01-01T00:00:00Z"),
    );
    let applied = set.apply(&[
        FindingRef::new("CVE-5", "pkg:npm/widget@1.0.0"),
        FindingRef::new("CVE-5", "pkg:npm/gadget@1.0.0"),
    ]);
    // The vendor (precedence 100) wins over the more recent team statement (10).
    assert_eq!(
        applied.findings[1].finding.purl.as_deref(),
        Some("pkg:npm/widget@1.0.0")
    );
    assert_eq!(applied.findings[1].status, Status::NotAffected);
    assert_eq!(applied.findings[1].superseded[0].source.issuer, "our-team");
    // The vendor may not speak for gadget: that statement is reported, not applied.
    assert_eq!(applied.findings[0].status, Status::UnderInvestigation);
    let reasons: Vec<&Distrust> = applied.untrusted.iter().map(|u| &u.reason).collect();
    assert!(
        reasons.contains(&&Distrust::UnknownIdentity {
            author: "mallory@example.com".into()
        }),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| matches!(r, Distrust::OutOfScope { issuer, .. } if issuer == "vendor"))
    );

    // Without allow_unsigned nothing unsigned counts.
    let strict = TrustPolicy {
        allow_unsigned: false,
        ..policy
    };
    let set = VexSet::build(vec![src(&vendor)], &strict, ts("2026-01-01T00:00:00Z"));
    assert_eq!(set.untrusted()[0].reason, Distrust::Unsigned);
    assert!(matches!(
        set.merge(&opts(false)),
        Err(VexError::NoTrustedStatements { untrusted: 1, .. })
    ));
}

#[test]
fn findings_without_statements_are_under_investigation_and_counted_apart() {
    let vex = doc(
        "https://example.com/vex/1",
        "v",
        "2024-01-01T00:00:00Z",
        json!([
            stmt("CVE-1", "pkg:npm/a", "affected"),
            stmt("CVE-2", "pkg:npm/b", "fixed")
        ]),
    );
    let set = VexSet::build(
        vec![src(&vex)],
        &TrustPolicy::permissive(),
        ts("2026-01-01T00:00:00Z"),
    );
    let applied = set.apply(&[
        FindingRef::new("CVE-1", "pkg:npm/a@1"),
        FindingRef::new("CVE-2", "pkg:npm/b@1"),
        FindingRef::new("CVE-3", "pkg:npm/c@1"),
        FindingRef::new("CVE-4", "pkg:npm/d@1"),
    ]);
    assert_eq!(
        (
            applied.counts.affected,
            applied.counts.fixed,
            applied.counts.not_affected,
            applied.counts.under_investigation
        ),
        (1, 1, 0, 2)
    );
    let json = serde_json::to_value(applied.counts).unwrap();
    assert_eq!(json["under_investigation"], 2);
    assert_eq!(json["not_affected"], 0, "every status is always reported");
    assert!(applied.findings[2].decided_by.is_none());
}

#[test]
fn statements_from_the_future_are_not_applied() {
    let vex = doc(
        "https://example.com/vex/f",
        "v",
        "2024-01-01T00:00:00Z",
        json!([{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/a"}],
                "status": "fixed", "timestamp": "2030-01-01T00:00:00Z"},
               stmt("CVE-1", "pkg:npm/a", "affected")]),
    );
    let set = VexSet::build(
        vec![src(&vex)],
        &TrustPolicy::permissive(),
        ts("2026-01-01T00:00:00Z"),
    );
    assert_eq!(
        set.untrusted()[0].reason,
        Distrust::FutureTimestamp {
            timestamp: "2030-01-01T00:00:00Z".into()
        }
    );
    let applied = set.apply(&[FindingRef::new("CVE-1", "pkg:npm/a@1")]);
    assert_eq!(applied.findings[0].status, Status::Affected);
}

#[test]
fn products_match_by_purl_id_cpe_and_hash_whatever_the_key() {
    // One product known by an IRI `@id` and a purl identifier (key: the purl), one by a CPE
    // only, one by a hash only.
    let vex = doc(
        "https://example.com/vex/ids",
        "vendor",
        "2024-01-01T00:00:00Z",
        json!([
            {"vulnerability": {"name": "CVE-1"}, "status": "fixed",
             "products": [{"@id": "https://example.com/product/x",
                           "identifiers": {"purl": "pkg:npm/x"}}]},
            {"vulnerability": {"name": "CVE-2"}, "status": "fixed",
             "products": [{"identifiers": {"cpe23": "cpe:2.3:a:acme:tool:*:*:*:*:*:*:*:*"}}]},
            {"vulnerability": {"name": "CVE-3"}, "status": "fixed",
             "products": [{"hashes": {"sha-256": "AB12"}}]}
        ]),
    );
    let set = VexSet::build(
        vec![src(&vex)],
        &TrustPolicy::permissive(),
        ts("2026-01-01T00:00:00Z"),
    );
    let status = |f: FindingRef| set.apply(&[f]).findings[0].status;
    // By purl (the key), and by the `@id` text, which is not the key.
    assert_eq!(
        status(FindingRef::new("CVE-1", "pkg:npm/x@1.0.0")),
        Status::Fixed
    );
    assert_eq!(
        status(FindingRef::new("CVE-1", "https://example.com/product/x")),
        Status::Fixed
    );
    assert_eq!(
        status(FindingRef::new("CVE-1", "pkg:npm/y@1.0.0")),
        Status::UnderInvestigation
    );
    // By CPE and by hash, with an unrelated purl.
    let mut cpe = FindingRef::new("CVE-2", "pkg:npm/unrelated@1");
    cpe.cpes = vec!["cpe:2.3:a:acme:tool:2.0:*:*:*:*:*:*:*".into()];
    assert_eq!(status(cpe.clone()), Status::Fixed);
    cpe.cpes = vec!["cpe:2.3:a:other:tool:2.0:*:*:*:*:*:*:*".into()];
    assert_eq!(status(cpe), Status::UnderInvestigation);
    let mut hashed = FindingRef::new("CVE-3", "pkg:npm/unrelated@1");
    hashed.hashes.insert("sha-256".into(), "ab12".into());
    assert_eq!(status(hashed.clone()), Status::Fixed);
    hashed.hashes.insert("sha-256".into(), "cd34".into());
    assert_eq!(status(hashed), Status::UnderInvestigation);
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Bad input: every rule of the specification as a typed violation naming the statement, and no
//! panic on garbage.

mod common;

use common::*;
use serde_json::json;
use stella_vex::{Document, ValidationOptions, VexError, ViolationKind, validate};

fn violations(bytes: &[u8], options: &ValidationOptions) -> Vec<(Option<usize>, ViolationKind)> {
    let err = match Document::parse(bytes) {
        Err(e) => e,
        Ok(doc) => match validate(&doc, options) {
            Err(e) => e,
            Ok(()) => return Vec::new(),
        },
    };
    match err {
        VexError::Invalid(inv) => inv
            .violations
            .into_iter()
            .map(|v| (v.statement, v.kind))
            .collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn one(statement: serde_json::Value) -> Vec<(Option<usize>, ViolationKind)> {
    let ok = json!({"vulnerability": {"name": "CVE-0"}, "products": [{"@id": "pkg:npm/ok"}], "status": "fixed"});
    violations(
        &doc(
            "https://example.com/d",
            "a",
            "2024-01-01T00:00:00Z",
            json!([ok, statement]),
        ),
        &ValidationOptions::at(ts("2024-06-01T00:00:00Z")),
    )
}

#[test]
fn statuses_and_justifications_are_closed_sets() {
    let v = one(
        json!({"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/x"}], "status": "exploitable"}),
    );
    assert_eq!(
        v,
        [(
            Some(1),
            ViolationKind::UnknownStatus {
                status: "exploitable".into()
            }
        )]
    );
    let v = one(
        json!({"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/x"}],
        "status": "not_affected", "justification": "trust_me"}),
    );
    assert_eq!(
        v,
        [(
            Some(1),
            ViolationKind::UnknownJustification {
                justification: "trust_me".into()
            }
        )]
    );
}

#[test]
fn status_requirements() {
    let v = one(
        json!({"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/x"}], "status": "not_affected"}),
    );
    assert_eq!(
        v,
        [(Some(1), ViolationKind::NotAffectedWithoutJustification)]
    );
    // An impact statement alone is enough.
    let v = one(
        json!({"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/x"}],
        "status": "not_affected", "impact_statement": "never loaded"}),
    );
    assert!(v.is_empty());
    let v = one(
        json!({"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/x"}], "status": "affected"}),
    );
    assert_eq!(v, [(Some(1), ViolationKind::AffectedWithoutAction)]);
}

#[test]
fn products_must_be_present_identified_and_purls_valid() {
    let v = one(json!({"vulnerability": {"name": "CVE-1"}, "status": "fixed"}));
    assert_eq!(v, [(Some(1), ViolationKind::NoProducts)]);
    let v = one(json!({"vulnerability": {"name": "CVE-1"}, "products": [{}], "status": "fixed"}));
    assert_eq!(
        v,
        [(Some(1), ViolationKind::UnidentifiedProduct { product: 0 })]
    );
    let v = one(
        json!({"vulnerability": {"name": "CVE-1"}, "products": [{"identifiers": {"purl": "pkg:/nope"}}], "status": "fixed"}),
    );
    assert!(
        matches!(
            v.as_slice(),
            [(Some(1), ViolationKind::InvalidPurl { product: 0, .. })]
        ),
        "{v:?}"
    );
    let v = one(
        json!({"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "x:y", "hashes": {"crc32": "00"}}], "status": "fixed"}),
    );
    assert_eq!(
        v,
        [(
            Some(1),
            ViolationKind::UnknownHashAlgorithm {
                product: 0,
                algorithm: "crc32".into()
            }
        )]
    );
}

#[test]
fn timestamps_rfc3339_and_not_in_the_future() {
    let v = one(
        json!({"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/x"}], "status": "fixed", "timestamp": "yesterday"}),
    );
    assert_eq!(
        v,
        [(
            Some(1),
            ViolationKind::InvalidTimestamp {
                field: "timestamp",
                value: "yesterday".into()
            }
        )]
    );
    // 10 minutes ahead of now is beyond the 5-minute skew; 2 minutes is within it.
    let v = one(
        json!({"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/x"}], "status": "fixed", "timestamp": "2024-06-01T00:10:00Z"}),
    );
    assert!(
        matches!(
            v.as_slice(),
            [(
                Some(1),
                ViolationKind::FutureTimestamp {
                    field: "timestamp",
                    ..
                }
            )]
        ),
        "{v:?}"
    );
    let v = one(
        json!({"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/x"}], "status": "fixed", "timestamp": "2024-06-01T00:02:00Z"}),
    );
    assert!(v.is_empty());
}

#[test]
fn duplicate_ids_and_self_contradiction() {
    let s = |status: &str| {
        json!({"@id": "https://example.com/s/1", "vulnerability": {"name": "CVE-1"},
        "products": [{"@id": "pkg:npm/x@1"}], "status": status})
    };
    let v = violations(
        &doc(
            "https://example.com/d",
            "a",
            "2024-01-01T00:00:00Z",
            json!([s("fixed"), s("under_investigation")]),
        ),
        &ValidationOptions::default(),
    );
    assert!(
        v.contains(&(
            Some(1),
            ViolationKind::DuplicateId {
                id: "https://example.com/s/1".into(),
                first: 0
            }
        )),
        "{v:?}"
    );
    assert!(
        v.iter()
            .any(|(i, k)| *i == Some(1)
                && matches!(k, ViolationKind::Contradiction { other: 0, .. })),
        "{v:?}"
    );
}

#[test]
fn document_level_rules() {
    let v = violations(
        br#"{"@context":"https://example.com/ns","statements":[]}"#,
        &ValidationOptions::default(),
    );
    let kinds: Vec<_> = v.iter().map(|(_, k)| k.clone()).collect();
    assert!(kinds.contains(&ViolationKind::UnknownContext {
        context: "https://example.com/ns".into()
    }));
    assert!(kinds.contains(&ViolationKind::MissingField { field: "@id" }));
    assert!(kinds.contains(&ViolationKind::MissingField { field: "author" }));
    assert!(kinds.contains(&ViolationKind::MissingField { field: "timestamp" }));
    assert!(kinds.contains(&ViolationKind::MissingField { field: "version" }));
    assert!(kinds.contains(&ViolationKind::NoStatements));
    assert!(v.iter().all(|(s, _)| s.is_none()));
    let v = violations(
        br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x:1","author":"a","timestamp":"2024-01-01T00:00:00Z","version":0,"statements":[1]}"#,
        &ValidationOptions::default(),
    );
    assert!(
        v.iter()
            .any(|(_, k)| matches!(k, ViolationKind::InvalidVersion { .. }))
    );
    assert!(v.iter().any(|(s, k)| *s == Some(0)
        && matches!(
            k,
            ViolationKind::WrongType {
                field: "statement",
                ..
            }
        )));
}

#[test]
fn error_messages_name_the_statement() {
    let bytes = doc(
        "https://example.com/d",
        "a",
        "2024-01-01T00:00:00Z",
        json!([{"@id": "https://example.com/s/7", "vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/x"}], "status": "affected"}]),
    );
    let doc = Document::parse(&bytes).unwrap();
    let msg = validate(&doc, &ValidationOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("statement #0 (https://example.com/s/7)") && msg.contains("action_statement"),
        "{msg}"
    );
}

#[test]
fn duplicate_json_keys_and_garbage_never_panic() {
    assert!(matches!(
        Document::parse(br#"{"@id":"a","@id":"b"}"#),
        Err(VexError::Json { .. })
    ));
    let base = std::fs::read(vectors("spec-v0.2.0-spring-log4j.repaired.json")).unwrap();
    // Every truncation and a sweep of single-byte corruptions: errors, never panics.
    for cut in 0..base.len() {
        let _ = Document::parse(&base[..cut]);
    }
    for i in (0..base.len()).step_by(3) {
        for b in [b'"', b'{', b']', b'0', b'\\', 0xff] {
            let mut m = base.clone();
            m[i] = b;
            if let Ok(d) = Document::parse(&m) {
                let _ = validate(&d, &ValidationOptions::default());
            }
        }
    }
    // Deep nesting is refused by the limit, not the stack.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        Document::parse(deep.as_bytes()),
        Err(VexError::Json { .. })
    ));
}

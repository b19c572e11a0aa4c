#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! OpenVEX documents as an attack surface: a document far larger than any real one, or with
//! millions of statements, products or subcomponents, is refused with a typed limit error
//! before the memory it asks for is allocated (a 157 MB document used to need 5.9 GB).

use stella_vex::{DEFAULT_MAX_DOCUMENT_BYTES, Document, ParseOptions, VexError};

fn doc(statements: &str) -> String {
    format!(
        r#"{{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1",
  "author":"a","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[{statements}]}}"#
    )
}

fn statement(i: usize, products: &str) -> String {
    format!(
        r#"{{"vulnerability":{{"name":"CVE-2024-{i}"}},"products":[{products}],"status":"fixed"}}"#
    )
}

fn repeat(item: &str, n: usize) -> String {
    let mut s = String::with_capacity((item.len() + 1) * n);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str(item);
    }
    s
}

fn limit_of(r: Result<Document, VexError>) -> (&'static str, usize) {
    match r {
        Err(VexError::Limit { what, max, .. }) => (what, max),
        other => panic!("expected a limit error, got {other:?}"),
    }
}

#[test]
fn a_document_over_the_byte_limit_is_refused_before_parsing() {
    // Valid JSON padded past the limit with whitespace.
    let mut bytes = doc(&statement(1, r#"{"@id":"pkg:npm/a"}"#)).into_bytes();
    bytes.resize(DEFAULT_MAX_DOCUMENT_BYTES + 1, b' ');
    let start = std::time::Instant::now();
    let (what, max) = limit_of(Document::parse(&bytes));
    assert_eq!(
        (what, max),
        ("bytes of an OpenVEX document", DEFAULT_MAX_DOCUMENT_BYTES)
    );
    // Refused by its length alone: no pass over the bytes.
    assert!(start.elapsed() < std::time::Duration::from_millis(50));
    // The same bytes under a raised limit parse.
    let options = ParseOptions {
        json: stella_core::canonical::JsonLimits {
            max_bytes: bytes.len(),
            max_depth: 32,
        },
        ..ParseOptions::default()
    };
    assert_eq!(
        Document::parse_with(&bytes, &options)
            .unwrap()
            .statements
            .len(),
        1
    );
}

#[test]
fn too_many_statements_are_refused_while_reading() {
    let one = statement(1, r#"{"@id":"pkg:npm/a"}"#);
    let defaults = ParseOptions::default();
    let text = doc(&repeat(&one, defaults.max_statements + 1));
    assert!(text.len() < DEFAULT_MAX_DOCUMENT_BYTES);
    assert_eq!(
        limit_of(Document::parse(text.as_bytes())),
        ("statements per document", defaults.max_statements)
    );
    // Exactly at the limit is fine (checked on a small limit to keep the test quick).
    let options = ParseOptions {
        max_statements: 3,
        ..ParseOptions::default()
    };
    let distinct: Vec<String> = (0..3)
        .map(|i| statement(i, r#"{"@id":"pkg:npm/a"}"#))
        .collect();
    assert!(Document::parse_with(doc(&distinct.join(",")).as_bytes(), &options).is_ok());
}

#[test]
fn too_many_products_or_subcomponents_are_refused_while_reading() {
    let d = ParseOptions::default();
    let products = repeat(r#"{"@id":"pkg:npm/a"}"#, d.max_products + 1);
    assert_eq!(
        limit_of(Document::parse(doc(&statement(1, &products)).as_bytes())),
        ("products per statement", d.max_products)
    );
    let subs = repeat(r#"{"@id":"pkg:npm/s"}"#, d.max_subcomponents + 1);
    let product = format!(r#"{{"@id":"pkg:oci/img","subcomponents":[{subs}]}}"#);
    assert_eq!(
        limit_of(Document::parse(doc(&statement(1, &product)).as_bytes())),
        ("subcomponents per product", d.max_subcomponents)
    );
    // v0.0.1 statement-level subcomponents.
    let old = format!(
        r#"{{"vulnerability":"CVE-1","products":["pkg:oci/img"],"subcomponents":[{}],"status":"fixed"}}"#,
        repeat(r#""pkg:npm/s""#, d.max_subcomponents + 1)
    );
    assert_eq!(
        limit_of(Document::parse(doc(&old).as_bytes())),
        ("subcomponents per product", d.max_subcomponents)
    );
    // Any other list in a statement (aliases) is bounded too.
    let aliases = repeat(r#""GHSA-x""#, d.max_products + 1);
    let st = format!(
        r#"{{"vulnerability":{{"name":"CVE-1","aliases":[{aliases}]}},"products":[{{"@id":"pkg:npm/a"}}],"status":"fixed"}}"#
    );
    assert_eq!(
        limit_of(Document::parse(doc(&st).as_bytes())),
        ("entries of a list in a statement", d.max_products)
    );
}

#[test]
fn the_predicate_path_has_the_same_count_limits() {
    let options = ParseOptions {
        max_products: 2,
        ..ParseOptions::default()
    };
    let products = repeat(r#"{"@id":"pkg:npm/a"}"#, 3);
    let value: serde_json::Value = serde_json::from_str(&doc(&statement(1, &products))).unwrap();
    assert!(matches!(
        Document::from_value(&value, &options),
        Err(VexError::Limit {
            what: "products per statement",
            max: 2,
            ..
        })
    ));
}

#[test]
fn streaming_reads_the_same_documents_as_before() {
    // Wrong shapes still give the same violations, document-level first.
    for (text, needle) in [
        (
            r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"a","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":{}}"#,
            "statements has the wrong type: expected an array, found an object",
        ),
        (
            r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"a","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[]}"#,
            "document has no statements",
        ),
        (
            r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"a","timestamp":"2024-01-01T00:00:00Z","version":1}"#,
            "required field statements is missing",
        ),
        (
            r#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[{"vulnerability":{"name":"CVE-1"},"status":"bogus"}]}"#,
            "document: required field author is missing or empty; statement #0: unknown status",
        ),
        (r#"[1,2]"#, "unexpected shape"),
        (r#"{"a":1,"a":2}"#, "not acceptable JSON"),
    ] {
        let e = Document::parse(text.as_bytes()).unwrap_err().to_string();
        assert!(e.contains(needle), "{text}: {e}");
    }
}

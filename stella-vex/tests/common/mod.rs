//! Helpers shared by the integration tests.
#![allow(dead_code)]

use serde_json::{Value, json};
use stella_core::Timestamp;

pub fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

/// A file under the repository's `tests/data/` (see its PROVENANCE.md files).
pub fn test_data(path: &str) -> std::path::PathBuf {
    std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data")).join(path)
}

pub fn vectors(path: &str) -> std::path::PathBuf {
    std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/openvex"
    ))
    .join(path)
}

/// The bytes of a file under the repository's `tests/vectors/` (see the PROVENANCE.md there).
pub fn vector_bytes(path: &str) -> Vec<u8> {
    let p =
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors")).join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn openvex_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_slice(
        &std::fs::read(test_data("schemas/openvex/openvex_json_schema.json")).unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

pub fn assert_schema_valid(validator: &jsonschema::Validator, bytes: &[u8]) {
    let v: Value = serde_json::from_slice(bytes).unwrap();
    let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "schema errors: {errors:?}\n{}",
        String::from_utf8_lossy(bytes)
    );
}

/// A v0.2.0 document with the given statements.
pub fn doc(id: &str, author: &str, timestamp: &str, statements: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": id,
        "author": author,
        "timestamp": timestamp,
        "version": 1,
        "statements": statements,
    }))
    .unwrap()
}

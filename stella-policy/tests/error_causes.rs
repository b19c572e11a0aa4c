#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The typed causes inside `BadData`, `InputError::Schema` and `RecordError::Parse`: callers
//! branch on them, and the messages read as they always did.

use stella_core::CoreError;
use stella_policy::{
    Bundle, BundleError, DATA_FILE, DataProblem, DecisionRecord, GateInput, InputError,
    InputProblem, PolicyError, RecordError, RecordProblem,
};

#[test]
fn policy_data_that_is_not_an_object_or_not_json_is_told_apart() {
    let e =
        Bundle::from_files([("a.rego", &b"package a"[..]), (DATA_FILE, b"[1]")], None).unwrap_err();
    assert!(matches!(
        &e,
        PolicyError::Bundle(BundleError::BadData {
            reason: DataProblem::NotAnObject,
            ..
        })
    ));
    assert_eq!(
        e.to_string(),
        "policy data data.json: the data document must be a JSON object"
    );
    let e = Bundle::from_files(
        [
            ("a.rego", &b"package a"[..]),
            (DATA_FILE, br#"{"a":1,"a":2}"#),
        ],
        None,
    )
    .unwrap_err();
    let PolicyError::Bundle(BundleError::BadData {
        reason: DataProblem::Json(json),
        ..
    }) = &e
    else {
        panic!("{e:?}")
    };
    assert!(matches!(json, CoreError::Json(_)), "{json:?}");
    assert_eq!(e.to_string(), format!("policy data data.json: {json}"));
}

#[test]
fn a_gate_input_that_is_not_strict_json_is_a_json_cause() {
    // (`{}` is a valid input now: every list defaults to empty; a finding without its
    // severity is not.)
    let e = GateInput::from_json(br#"{"findings":[{"id":"C"}]}"#).unwrap_err();
    let PolicyError::Input(InputError::Schema {
        reason: InputProblem::Json(json),
    }) = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(
        e.to_string(),
        format!("gate input does not follow the schema: {json}")
    );
    // The size cause, as its message reads (building a 256 MiB input to trigger it is left to
    // the limits tests of the CLI).
    let too_large = InputError::Schema {
        reason: InputProblem::TooLarge { actual: 10, max: 5 },
    };
    assert_eq!(
        too_large.to_string(),
        "gate input does not follow the schema: input is 10 bytes, more than the 5 allowed"
    );
}

#[test]
fn a_record_of_another_schema_is_told_apart_from_bad_json() {
    let e = DecisionRecord::from_json(b"{").unwrap_err();
    assert!(matches!(
        e,
        PolicyError::Record(RecordError::Parse {
            reason: RecordProblem::Json(_)
        })
    ));
    // A real record (a conformance vector) under another schema name.
    let record = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/conformance/policy/decision-allow.json"
    ))
    .unwrap();
    assert!(DecisionRecord::from_json(record.as_bytes()).is_ok());
    let other = record.replace(stella_policy::RECORD_SCHEMA, "other/v9");
    let e = DecisionRecord::from_json(other.as_bytes()).unwrap_err();
    let PolicyError::Record(RecordError::Parse {
        reason: RecordProblem::Schema { found, expected },
    }) = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!(
        (found.as_str(), *expected),
        ("other/v9", stella_policy::RECORD_SCHEMA)
    );
    assert_eq!(
        e.to_string(),
        format!(
            "decision record is not valid: schema is \"other/v9\", expected {:?}",
            stella_policy::RECORD_SCHEMA
        )
    );
}

//! in-toto statements of arbitrary bytes: never panics; a statement that parses writes a
//! payload that parses back to the same statement, its predicate is an object or absent, and
//! matching against an artifact never panics and is consistent with the subjects' digests.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_attest::statement::{ArtifactDigests, Statement};

fuzz_target!(|data: &[u8]| {
    let Ok(statement) = Statement::from_json(data) else {
        return;
    };
    let payload = statement.to_payload().expect("a parsed statement writes");
    let again = Statement::from_json(&payload).expect("its payload parses");
    assert_eq!(again, statement);
    assert!(statement.predicate().is_object() || statement.predicate().is_null());
    let artifact = ArtifactDigests::of(data);
    for s in statement.subjects() {
        if s.matches(&artifact) {
            let alg = s.strongest_common(&artifact).expect("a match has a common algorithm");
            assert_eq!(s.digest.get(alg).map(String::as_str), artifact.get(alg));
        }
    }
});

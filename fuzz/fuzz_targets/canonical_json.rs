//! Strict parse + canonicalize of arbitrary bytes: never panics, and whatever is accepted
//! canonicalizes to a fixed point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_core::canonical;

fuzz_target!(|data: &[u8]| {
    if let Ok(once) = canonical::canonicalize(data) {
        let twice = canonical::canonicalize(&once).expect("canonical output must re-parse");
        assert_eq!(once, twice, "canonicalization is not idempotent");
        assert!(canonical::is_canonical(&once));
    }
});

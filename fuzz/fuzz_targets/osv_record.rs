//! OSV records from arbitrary JSON and YAML: parsing and validation never panic, and a record
//! that validates survives a JSON round trip unchanged (what the snapshot stores).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_vuln::osv::{OsvRecord, Syntax, parse_record_as};

fuzz_target!(|data: &[u8]| {
    for syntax in [Syntax::Json, Syntax::Yaml] {
        if let Ok(rec) = parse_record_as("fuzz", data, syntax) {
            if rec.validate("fuzz").is_ok() {
                let json = serde_json::to_vec(&rec).unwrap();
                let again: OsvRecord = serde_json::from_slice(&json).unwrap();
                assert_eq!(again, rec);
            }
        }
    }
});

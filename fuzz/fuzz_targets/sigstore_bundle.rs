//! Sigstore bundle and Rekor body parsing of arbitrary bytes: never panics; a parsed bundle
//! writes JSON that parses back to the same bundle, and its log entries convert or fail with an
//! error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_attest::transparency::bundle::{Bundle, TrustRoot};
use stella_attest::transparency::rekor::{EntryBody, LogEntry};

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = Bundle::parse(data) {
        let json = bundle.to_json().expect("a parsed bundle must serialize");
        assert_eq!(
            Bundle::parse(&json).expect("written bundle must parse"),
            bundle
        );
        for entry in &bundle.verification_material.tlog_entries {
            if let Ok(e) = entry.to_log_entry() {
                let _ = EntryBody::parse(&e.body);
            }
        }
        // No trusted log: verification must fail, never pass or panic.
        assert!(
            bundle
                .verify_transparency(None, &TrustRoot::new(Vec::new()))
                .is_err()
        );
    }
    if let Ok(body) = EntryBody::parse(data) {
        let bytes = body
            .to_canonical_bytes()
            .expect("a parsed body must serialize");
        assert_eq!(
            EntryBody::parse(&bytes).expect("written body must parse"),
            body
        );
    }
    let _ = LogEntry::from_api_json(data);
});

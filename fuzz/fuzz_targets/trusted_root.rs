//! Sigstore trusted_root.json from arbitrary bytes: parsing never panics, lists stay within
//! their bounds, and a parsed root verifies no bundle of garbage.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_attest::transparency::bundle::{MAX_TRUSTED_ROOT_ENTRIES, TrustedRoot};

fuzz_target!(|data: &[u8]| {
    if let Ok(root) = TrustedRoot::from_json(data) {
        assert!(root.tlogs().len() <= MAX_TRUSTED_ROOT_ENTRIES);
        assert!(root.ctlogs().len() <= MAX_TRUSTED_ROOT_ENTRIES);
        assert!(root.certificate_authorities().len() <= MAX_TRUSTED_ROOT_ENTRIES);
        assert!(root.timestamp_authorities().len() <= MAX_TRUSTED_ROOT_ENTRIES);
        for log in root.tlogs() {
            assert!(log.verify(b"message", b"not a signature", "fuzz").is_err());
        }
    }
});

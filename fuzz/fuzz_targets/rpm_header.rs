//! RPM header blob parsing of arbitrary bytes: never panics, and an accepted header has a name
//! and a version.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::catalog::rpm::parse_header;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = parse_header("rpmdb.sqlite", data) {
        assert!(!h.name.is_empty() && !h.version.is_empty());
    }
});

//! cargo-auditable `.dep-v0` reading (ELF section + bounded zlib) and JSON parsing of
//! arbitrary bytes: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::catalog::rust_audit::{parse_dep_v0, read_dep_v0};

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(json)) = read_dep_v0("bin/x", data) {
        let _ = parse_dep_v0("bin/x", &json);
    }
    let _ = parse_dep_v0("bin/x", data);
});

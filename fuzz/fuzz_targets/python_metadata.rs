//! Python METADATA / PKG-INFO parsing of arbitrary bytes: never panics, and an accepted file
//! has a non-empty name and version.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::catalog::python::parse_metadata;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = parse_metadata("x.dist-info/METADATA", data) {
        assert!(!m.name.is_empty() && !m.version.is_empty());
    }
});

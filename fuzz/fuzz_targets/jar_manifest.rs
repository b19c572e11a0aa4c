//! Java archive distillation (zip, nested archives, MANIFEST.MF, pom.properties) of arbitrary
//! bytes: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::catalog::java::{parse_manifest, parse_pom_properties, read_archive};

fuzz_target!(|data: &[u8]| {
    let _ = read_archive("app.jar", data);
    let text = String::from_utf8_lossy(data);
    let _ = parse_manifest(&text);
    let _ = parse_pom_properties(&text);
});

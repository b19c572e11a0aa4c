//! Go build info reading from arbitrary bytes (ELF or not) and module text parsing: never
//! panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::catalog::golang::{parse_modinfo, read_buildinfo};

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((version, modinfo))) = read_buildinfo("bin/x", data) {
        let _ = parse_modinfo(&version, &modinfo);
    }
    let _ = parse_modinfo("go1.22.0", &String::from_utf8_lossy(data));
});

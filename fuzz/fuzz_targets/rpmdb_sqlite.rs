//! `rpmdb.sqlite` reading of arbitrary bytes (SQLite's own parser on a hardened, in-memory,
//! read-only connection with a step budget, then the header blobs it returns): never panics,
//! never hangs past the step budget, and every accepted header has a name and a version.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::catalog::rpm::{parse_header, read_sqlite};

fuzz_target!(|data: &[u8]| {
    if let Ok(blobs) = read_sqlite("var/lib/rpm/rpmdb.sqlite", data) {
        for blob in blobs {
            if let Ok(h) = parse_header("var/lib/rpm/rpmdb.sqlite", &blob) {
                assert!(!h.name.is_empty() && !h.version.is_empty());
            }
        }
    }
});

//! Berkeley DB `Packages` reading of arbitrary bytes (the hash pages, bucket and overflow
//! chains, both byte orders, then the header blobs it returns): never panics, never loops,
//! never returns more bytes than the file holds, and every accepted header has a name and a
//! version.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::catalog::rpm::{parse_header, read_bdb};

fuzz_target!(|data: &[u8]| {
    if let Ok(blobs) = read_bdb("var/lib/rpm/Packages", data) {
        assert!(blobs.iter().map(Vec::len).sum::<usize>() <= data.len());
        for blob in blobs {
            if let Ok(h) = parse_header("var/lib/rpm/Packages", &blob) {
                assert!(!h.name.is_empty() && !h.version.is_empty());
            }
        }
    }
});

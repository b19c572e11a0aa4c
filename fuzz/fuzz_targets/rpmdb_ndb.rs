//! ndb `Packages.db` reading of arbitrary bytes (header, slot pages, blob heads and tails,
//! then the header blobs it returns): never panics, never returns more bytes than the file
//! holds, and every accepted header has a name and a version.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::catalog::rpm::{parse_header, read_ndb};

fuzz_target!(|data: &[u8]| {
    if let Ok(blobs) = read_ndb("usr/lib/sysimage/rpm/Packages.db", data) {
        assert!(blobs.iter().map(Vec::len).sum::<usize>() <= data.len());
        for blob in blobs {
            if let Ok(h) = parse_header("usr/lib/sysimage/rpm/Packages.db", &blob) {
                assert!(!h.name.is_empty() && !h.version.is_empty());
            }
        }
    }
});

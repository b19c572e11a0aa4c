//! The Debian Security Tracker importer on arbitrary bytes: never panics, and whatever it
//! accepts validates as OSV.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_vuln::feeds::{FeedLimits, FeedRecords, debian};

fuzz_target!(|data: &[u8]| {
    let mut set = FeedRecords::new();
    if debian::import(
        "json",
        data,
        "2024-01-01T00:00:00Z",
        &FeedLimits::default(),
        &mut set,
    )
    .is_ok()
    {
        for r in set.into_records().unwrap() {
            r.validate("fuzz").unwrap();
        }
    }
});

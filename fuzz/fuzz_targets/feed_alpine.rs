//! The Alpine secdb importer on arbitrary JSON and YAML: never panics, and whatever it accepts
//! validates as OSV.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_vuln::feeds::{FeedLimits, FeedRecords, alpine};

fuzz_target!(|data: &[u8]| {
    for name in ["main.json", "main.yaml"] {
        let mut set = FeedRecords::new();
        if alpine::import(
            name,
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
    }
});

//! The feed importers that read one document (Debian Security Tracker JSON, Alpine secdb JSON
//! and YAML, CSAF through the VEX crate's reader) on arbitrary bytes: none panics, and every
//! record one accepts validates as OSV.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_vuln::feeds::{FeedError, FeedLimits, FeedRecords, alpine, csaf, debian};

const DATE: &str = "2024-01-01T00:00:00Z";

fuzz_target!(|data: &[u8]| {
    let limits = FeedLimits::default();
    let importers: [&dyn Fn(&mut FeedRecords) -> Result<(), FeedError>; 4] = [
        &|set| debian::import("json", data, DATE, &limits, set),
        &|set| alpine::import("main.json", data, DATE, &limits, set),
        &|set| alpine::import("main.yaml", data, DATE, &limits, set),
        &|set| csaf::import("csaf.json", data, &limits, set),
    ];
    for import in importers {
        let mut set = FeedRecords::new();
        if import(&mut set).is_ok() {
            for r in set.into_records().unwrap() {
                r.validate("fuzz").unwrap();
            }
        }
    }
});

//! CSAF documents as an OSV feed: the mapping over the VEX crate's CSAF reader never panics,
//! and whatever it accepts validates as OSV.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_vuln::feeds::{FeedLimits, FeedRecords, csaf};

fuzz_target!(|data: &[u8]| {
    let mut set = FeedRecords::new();
    if csaf::import("csaf.json", data, &FeedLimits::default(), &mut set).is_ok() {
        for r in set.into_records().unwrap() {
            r.validate("fuzz").unwrap();
        }
    }
});

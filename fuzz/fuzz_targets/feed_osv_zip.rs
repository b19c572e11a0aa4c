//! osv.dev `all.zip` exports from arbitrary bytes: the bounded zip reader never panics and
//! never returns more than its limits allow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_vuln::feeds::{FeedLimits, FeedRecords, osv_zip};

fuzz_target!(|data: &[u8]| {
    let limits = FeedLimits {
        max_entries: 64,
        max_total_bytes: 1 << 20,
        ..FeedLimits::default()
    };
    if let Ok(entries) = osv_zip::entries("all.zip", data, &limits) {
        assert!(entries.len() <= 64);
        assert!(entries.iter().map(|(_, d)| d.len() as u64).sum::<u64>() <= 1 << 20);
    }
    let _ = osv_zip::import("all.zip", data, &limits, &mut FeedRecords::new());
});

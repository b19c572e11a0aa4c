//! GHSA tree files: an arbitrary path (first line) and document (the rest); the layout check
//! and importer never panic, and an accepted record is named by its path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_vuln::feeds::{FeedLimits, FeedRecords, ghsa};

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let path = String::from_utf8_lossy(&data[..split]).into_owned();
    let doc = data.get(split + 1..).unwrap_or_default();
    let mut set = FeedRecords::new();
    if ghsa::import_file(&path, doc, &FeedLimits::default(), &mut set).is_ok() {
        let id = ghsa::id_of_path(&path).unwrap();
        for r in set.into_records().unwrap() {
            assert_eq!(Some(r.id.as_str()), id);
        }
    }
});

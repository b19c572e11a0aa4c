//! Snapshot loading from arbitrary bytes: never panics; whatever loads answers lookups and
//! record reads without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_scan::vuln::snapshot::Snapshot;

fuzz_target!(|data: &[u8]| {
    if let Ok(snap) = Snapshot::load(data.to_vec()) {
        let _ = snap.lookup("PyPI", "requests");
        if let Ok(keys) = snap.keys() {
            for (e, n) in keys.iter().take(16) {
                let _ = snap.lookup(e, n);
            }
        }
        for i in 0..snap.len().min(16) {
            let _ = snap.record(i as u32);
        }
    }
});

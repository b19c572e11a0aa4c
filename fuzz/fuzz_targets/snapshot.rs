//! Snapshot loading from arbitrary bytes: never panics; whatever loads answers lookups and
//! record reads without panicking.
//!
//! The input is a snapshot *body*: the target appends its correct SHA-256 trailer (as a hostile
//! file can), so mutations reach the table and chunk parsing behind the digest check; the input
//! is also loaded as given, which exercises the digest check itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_core::Digest;
use stella_vuln::snapshot::Snapshot;

fn exercise(bytes: Vec<u8>) {
    if let Ok(snap) = Snapshot::load(bytes) {
        let _ = snap.lookup("PyPI", "requests");
        if let Ok(keys) = snap.keys() {
            for (e, n) in keys.iter().take(16) {
                let _ = snap.lookup(e, n);
            }
        }
        for i in 0..snap.len().min(16) {
            let _ = snap.record(i as u32);
            let _ = snap.record_json(i as u32);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut sealed = data.to_vec();
    sealed.extend_from_slice(Digest::of(data).as_bytes());
    exercise(sealed);
    exercise(data.to_vec());
});

//! C2SP signed-note and checkpoint parsing of arbitrary bytes: never panics; whatever parses
//! writes back to the same note text, and a parsed checkpoint body round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_attest::transparency::note::{Checkpoint, SignedNote};

fuzz_target!(|data: &[u8]| {
    if let Ok(note) = SignedNote::parse(data) {
        assert_eq!(note.to_text().as_bytes(), data, "note does not round-trip");
        if let Ok(checkpoint) = Checkpoint::parse_body(note.text()) {
            let body = checkpoint.to_body();
            assert_eq!(
                Checkpoint::parse_body(&body).expect("written checkpoint must parse"),
                checkpoint
            );
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Checkpoint::parse_body(text);
    }
});

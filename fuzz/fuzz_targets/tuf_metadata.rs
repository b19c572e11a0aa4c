//! TUF metadata of arbitrary bytes: never panics, in every role and at every step of the client
//! workflow. A root that loads has a version ≥ 1 and verifies again from its own bytes; no
//! input becomes the next root of a real repository's root (the fuzzer cannot sign); the OLPC
//! canonical form of any JSON value is deterministic and parses back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_attest::tuf::{TrustedMetadata, TufLimits, encode_canonical};
use stella_core::Timestamp;

/// A python-tuf generated repository (tests/vectors/tuf/ok_ed25519).
const ROOT: &[u8] = include_bytes!("../../tests/vectors/tuf/ok_ed25519/trusted/root.json");
const TIMESTAMP: &[u8] = include_bytes!("../../tests/vectors/tuf/ok_ed25519/repo/timestamp.json");

fuzz_target!(|data: &[u8]| {
    let limits = TufLimits::default();
    if let Ok(t) = TrustedMetadata::from_trusted_root(data, limits) {
        assert!(t.root_version() >= 1);
        assert!(TrustedMetadata::from_trusted_root(t.root_bytes(), limits).is_ok());
    }
    let now = Timestamp::from_unix_seconds(1_700_000_000).expect("a valid time");
    let mut trusted = TrustedMetadata::from_trusted_root(ROOT, limits).expect("the seed root");
    assert!(trusted.clone().update_root(data).is_err());
    let _ = trusted.clone().load_kept_timestamp(data);
    let _ = trusted.clone().update_timestamp(data, now);
    // With the repository's own timestamp trusted, the input as snapshot, targets and target.
    let far = Timestamp::from_unix_seconds(0).expect("a valid time");
    if trusted.update_timestamp(TIMESTAMP, far).is_ok() {
        let _ = trusted.clone().load_kept_snapshot(data);
        if trusted.update_snapshot(data, far).is_ok() {
            let _ = trusted.targets_path();
            if trusted.update_targets(data, far).is_ok() {
                let _ = trusted.target_path("trusted_root.json");
                let _ = trusted.verify_target("trusted_root.json", data);
            }
        }
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data)
        && let Ok(bytes) = encode_canonical(&value)
    {
        assert_eq!(encode_canonical(&value).expect("deterministic"), bytes);
        let again: serde_json::Value =
            serde_json::from_slice(&bytes).expect("canonical JSON is JSON");
        assert_eq!(again, value);
    }
});

//! Rekor v2 entry bodies (`hashedrekord` / `dsse` v0.0.2) of arbitrary bytes: never panics;
//! whatever parses is canonical JSON of a v2 kind with hashes of their algorithm's length.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_attest::transparency::rekor_v2::EntryBodyV2;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = EntryBodyV2::parse(data) {
        assert!(stella_core::canonical::is_canonical(data));
        match body {
            EntryBodyV2::HashedRekord { data, signature } => {
                assert_eq!(data.digest.len(), data.algorithm.digest_len());
                assert!(!signature.content.is_empty());
            }
            EntryBodyV2::Dsse {
                payload_hash,
                signatures,
            } => {
                assert_eq!(payload_hash.digest.len(), payload_hash.algorithm.digest_len());
                assert!(!signatures.is_empty());
            }
        }
    }
});

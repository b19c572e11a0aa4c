//! RFC 3161 `TimeStampResp` parsing and verification of arbitrary bytes: never panics; a
//! parsed token's fields are self-consistent, and verification against no authority fails.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_attest::transparency::timestamp::{TimestampToken, verify_timestamp};

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = TimestampToken::parse(data) {
        let (_, imprint) = token.message_imprint();
        assert!(imprint.len() <= data.len());
        assert!(token.embedded_certificates().len() <= 10);
        assert!(verify_timestamp(data, imprint, &[]).is_err());
    }
});

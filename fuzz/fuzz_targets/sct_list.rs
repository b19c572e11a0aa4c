//! SCT list extension values and Fulcio certificates from arbitrary bytes: parsing never
//! panics, a list holds at most MAX_SCTS, and the SCTs of a certificate that parses never verify
//! against an empty CT log list.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_attest::transparency::fulcio::FulcioCertificate;
use stella_attest::transparency::sct::{MAX_SCTS, parse_sct_list, verify_embedded_scts};

fuzz_target!(|data: &[u8]| {
    if let Ok(scts) = parse_sct_list(data) {
        assert!(scts.len() <= MAX_SCTS);
    }
    if let Ok(cert) = FulcioCertificate::from_der(data) {
        assert!(verify_embedded_scts(&cert, cert.spki_der(), &[]).is_err());
    }
});

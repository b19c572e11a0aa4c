//! DSSE envelope parsing and verification, and in-toto statement parsing, on arbitrary bytes:
//! never panics; a parsed envelope re-serializes and re-parses to itself; verification against a
//! fixed keyring (the DSSE spec's example P-256 key and test vector key A) only ever succeeds with
//! the payload and type the envelope carried.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use stella_attest::dsse::{Envelope, Keyring, PAYLOAD_TYPE_IN_TOTO};
use stella_attest::keys::PublicKey;
use stella_attest::statement::Statement;

fn keyring() -> &'static Keyring {
    static KEYRING: OnceLock<Keyring> = OnceLock::new();
    KEYRING.get_or_init(|| {
        let mut k = Keyring::new();
        // tests/vectors/dsse/vectors.json, key "A".
        let a = hex_decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        k.add_as("A", PublicKey::from_ed25519_raw(&a).expect("vector key A"))
            .expect("fresh keyring");
        // tests/vectors/dsse/protocol-example-key.txt (X, Y in hex).
        let point = hex_decode(concat!(
            "04",
            "67cd390f77aa359cb08c2235f652270493a9ed832b0abcc01f70954c0390d238",
            "0c782bd54e269125a44f4433aff1432ce94e12bca73aa67ac80cea12608ddf74"
        ));
        k.add(PublicKey::from_p256_sec1(&point).expect("spec example key"))
            .expect("distinct key");
        k
    })
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    if let Ok(envelope) = Envelope::from_json(data) {
        let json = envelope.to_json().expect("a parsed envelope serializes");
        let again = Envelope::from_json(&json).expect("our own output parses");
        assert_eq!(
            again, envelope,
            "envelope JSON round trip changed the envelope"
        );
        let types = [PAYLOAD_TYPE_IN_TOTO, "http://example.com/HelloWorld"];
        if let Ok(verified) = envelope.verify(keyring(), &types) {
            assert_eq!(verified.payload_type(), envelope.payload_type());
            assert_eq!(
                envelope.payload_digest(),
                stella_core::Digest::of(verified.payload())
            );
            let _ = Statement::from_json(verified.payload());
        }
    }
    if let Ok(statement) = Statement::from_json(data) {
        let payload = statement
            .to_payload()
            .expect("a parsed statement serializes");
        let again = Statement::from_json(&payload).expect("our own statement output parses");
        assert_eq!(
            again, statement,
            "statement round trip changed the statement"
        );
    }
});

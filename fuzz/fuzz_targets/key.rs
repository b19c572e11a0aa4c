//! Key file parsing of arbitrary bytes (PEM or DER, told apart by content): never panics; a key
//! that loads exports to PEM and DER that load back to the same key, and an input with two
//! key blocks never loads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stella_attest::keys::{KeyError, PrivateKey, PublicKey};

fuzz_target!(|data: &[u8]| {
    if let Ok(public) = PublicKey::from_pem_or_der(data) {
        assert_eq!(
            PublicKey::from_pem_or_der(public.spki_der()).expect("SPKI DER must load"),
            public
        );
        let pem = public.to_pem();
        assert_eq!(
            PublicKey::from_pem_or_der(pem.as_bytes()).expect("PEM must load"),
            public
        );
        // The same key twice in one input is refused, never "the first".
        assert_eq!(
            PublicKey::from_pem(&format!("{pem}{pem}")),
            Err(KeyError::MultipleKeys { count: 2 })
        );
    }
    if let Ok(private) = PrivateKey::from_pem_or_der(data) {
        let der = private.to_pkcs8_der().expect("a loaded key must export");
        let again = PrivateKey::from_pem_or_der(&der).expect("PKCS#8 DER must load");
        assert_eq!(again.key_id(), private.key_id());
    }
});

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Keys: import of OpenSSL-written encodings, export round trips, key ids, signature formats.

use stella_attest::keys::{KeyError, LocalSigner, PemProblem, PrivateKey, PublicKey, SystemRandom};
use stella_core::SignatureAlgorithm;

const P256_PKCS8: &str = include_str!("data/keys/p256-pkcs8.pem");
const P256_SEC1: &str = include_str!("data/keys/p256-sec1.pem");
const P256_SEC1_PARAMS: &str = include_str!("data/keys/p256-sec1-params.pem");
const P256_PUB: &str = include_str!("data/keys/p256-pub.pem");
const P256_PUB_DER: &[u8] = include_bytes!("data/keys/p256-pub.der");
const P256_PUB_COMPRESSED_DER: &[u8] = include_bytes!("data/keys/p256-pub-compressed.der");
const ED_PKCS8: &str = include_str!("data/keys/ed25519-pkcs8.pem");
const ED_PUB: &str = include_str!("data/keys/ed25519-pub.pem");
const P384: &str = include_str!("data/keys/p384.pem");
const ENCRYPTED: &str = include_str!("data/keys/p256-encrypted.pem");
const MSG: &[u8] = include_bytes!("data/keys/msg.txt");
const P256_SIG: &[u8] = include_bytes!("data/keys/p256-msg.sig");
const ED_SIG: &[u8] = include_bytes!("data/keys/ed25519-msg.sig");

const P256_ID: &str = "sha256:c90667458d89cd304c64ea0b71c5af651ec7f9685a1e8a266faa32d836c4210a";
const ED_ID: &str = "sha256:1ed1c053a138b4ecfdd24d6d15ca9a7a1cc87160bd45f9211552ab76e7a0e81d";

fn signer(key: PrivateKey) -> LocalSigner<SystemRandom> {
    LocalSigner::new(key, SystemRandom::new()).unwrap()
}

#[test]
fn key_ids_are_sha256_of_openssl_spki_der() {
    let p = PublicKey::from_pem(P256_PUB).unwrap();
    assert_eq!(p.key_id(), P256_ID);
    assert_eq!(p.spki_der(), P256_PUB_DER);
    assert_eq!(p.algorithm(), SignatureAlgorithm::EcdsaP256Sha256);
    assert_eq!(p.to_pem(), P256_PUB);
    let e = PublicKey::from_pem(ED_PUB).unwrap();
    assert_eq!(e.key_id(), ED_ID);
    assert_eq!(e.algorithm(), SignatureAlgorithm::Ed25519);
    assert_eq!(e.to_pem(), ED_PUB);
    assert_eq!(e.raw().len(), 32);
    // The raw 32-byte form (C2SP notes) gives the same key and id.
    let raw = PublicKey::from_ed25519_raw(e.raw()).unwrap();
    assert_eq!(raw, e);
    // A compressed point imports to the same canonical (uncompressed) SPKI and id.
    let c = PublicKey::from_spki_der(P256_PUB_COMPRESSED_DER).unwrap();
    assert_eq!(c.key_id(), P256_ID);
    assert_eq!(PublicKey::from_p256_sec1(p.raw()).unwrap(), p);
}

#[test]
fn private_keys_in_every_openssl_encoding_import() {
    let pkcs8 = PrivateKey::from_pem(P256_PKCS8).unwrap();
    let sec1 = PrivateKey::from_pem(P256_SEC1).unwrap();
    assert_eq!(pkcs8.key_id(), P256_ID);
    assert_eq!(sec1.key_id(), P256_ID);
    let with_params = PrivateKey::from_pem(P256_SEC1_PARAMS).unwrap();
    assert_eq!(with_params.algorithm(), SignatureAlgorithm::EcdsaP256Sha256);
    let ed = PrivateKey::from_pem(ED_PKCS8).unwrap();
    assert_eq!(ed.key_id(), ED_ID);
}

#[test]
fn export_round_trips() {
    let rng = SystemRandom::new();
    for alg in [
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::Ed25519,
    ] {
        let key = PrivateKey::generate(alg, &rng).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        assert_eq!(
            PrivateKey::from_pkcs8_der(&der).unwrap().key_id(),
            key.key_id()
        );
        assert_eq!(PrivateKey::from_der(&der).unwrap().key_id(), key.key_id());
        let pem = key.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_eq!(PrivateKey::from_pem(&pem).unwrap().key_id(), key.key_id());
        let public = key.public_key();
        assert_eq!(
            PublicKey::from_spki_der(public.spki_der()).unwrap(),
            *public
        );
        assert_eq!(PublicKey::from_pem(&public.to_pem()).unwrap(), *public);
        if alg == SignatureAlgorithm::EcdsaP256Sha256 {
            let sec1 = key.to_sec1_der().unwrap();
            assert_eq!(
                PrivateKey::from_sec1_der(&sec1).unwrap().key_id(),
                key.key_id()
            );
            assert_eq!(PrivateKey::from_der(&sec1).unwrap().key_id(), key.key_id());
            let pem = key.to_sec1_pem().unwrap();
            assert_eq!(PrivateKey::from_pem(&pem).unwrap().key_id(), key.key_id());
        } else {
            assert!(matches!(
                key.to_sec1_der(),
                Err(KeyError::UnsupportedOperation { .. })
            ));
        }
    }
    // Export of an imported key is byte-identical to what OpenSSL wrote (Ed25519 v1 form).
    let ed = PrivateKey::from_pem(ED_PKCS8).unwrap();
    assert_eq!(ed.to_pkcs8_pem().unwrap().as_str(), ED_PKCS8);
    let sec1 = PrivateKey::from_pem(P256_SEC1).unwrap();
    assert_eq!(sec1.to_sec1_pem().unwrap().as_str(), P256_SEC1);
}

#[test]
fn openssl_signatures_verify() {
    let p = PublicKey::from_pem(P256_PUB).unwrap();
    p.verify(MSG, P256_SIG).unwrap();
    let e = PublicKey::from_pem(ED_PUB).unwrap();
    e.verify(MSG, ED_SIG).unwrap();
    assert!(matches!(
        e.verify(b"other", ED_SIG),
        Err(KeyError::BadSignature { key_id }) if key_id == ED_ID
    ));
    assert!(matches!(
        p.verify(b"other", P256_SIG),
        Err(KeyError::BadSignature { .. })
    ));
}

#[test]
fn ecdsa_accepts_der_and_fixed_writes_der_low_s() {
    let key = PrivateKey::from_pem(P256_PKCS8).unwrap();
    let public = key.public_key().clone();
    let s = signer(key);
    for _ in 0..32 {
        let sig = s.sign(MSG).unwrap();
        assert_eq!(sig.first(), Some(&0x30), "DER SEQUENCE");
        let parsed = p256::ecdsa::Signature::from_der(&sig).unwrap();
        assert_eq!(parsed.normalize_s(), parsed, "low S");
        public.verify_strict(MSG, &sig).unwrap();
        let fixed = parsed.to_bytes();
        public.verify(MSG, &fixed).unwrap();
    }
}

fn high_s(sig: &[u8]) -> Vec<u8> {
    use p256::elliptic_curve::PrimeField as _;
    let parsed = p256::ecdsa::Signature::from_der(sig).unwrap();
    let (r, s) = parsed.split_scalars();
    let neg = -*s;
    let flipped = p256::ecdsa::Signature::from_scalars(r.to_repr(), neg.to_repr()).unwrap();
    assert_ne!(flipped.normalize_s(), flipped);
    flipped.to_der().as_bytes().to_vec()
}

#[test]
fn high_s_accepted_by_default_refused_by_strict() {
    let key = PrivateKey::from_pem(P256_PKCS8).unwrap();
    let public = key.public_key().clone();
    let sig = signer(key).sign(MSG).unwrap();
    let high = high_s(&sig);
    public.verify(MSG, &high).unwrap();
    assert!(matches!(
        public.verify_strict(MSG, &high),
        Err(KeyError::HighS { key_id }) if key_id == P256_ID
    ));
}

#[test]
fn truncated_and_malformed_signatures_are_typed_errors() {
    let p = PublicKey::from_pem(P256_PUB).unwrap();
    for len in 0..P256_SIG.len() {
        let r = p.verify(MSG, &P256_SIG[..len]);
        assert!(
            matches!(r, Err(KeyError::MalformedSignature { length, .. }) if length == len)
                || (len == 64 && matches!(r, Err(KeyError::BadSignature { .. }))),
            "{len}: {r:?}"
        );
    }
    let mut trailing = P256_SIG.to_vec();
    trailing.push(0);
    assert!(matches!(
        p.verify(MSG, &trailing),
        Err(KeyError::MalformedSignature { .. })
    ));
    assert!(matches!(
        p.verify(MSG, &[0u8; 64]),
        Err(KeyError::MalformedSignature { .. })
    ));
    let e = PublicKey::from_pem(ED_PUB).unwrap();
    assert!(matches!(
        e.verify(MSG, &ED_SIG[..63]),
        Err(KeyError::MalformedSignature { length: 63, .. })
    ));
}

#[test]
fn bad_keys_are_typed_errors() {
    assert!(matches!(
        PrivateKey::from_pem(P384),
        Err(KeyError::UnsupportedAlgorithm { .. })
    ));
    assert!(matches!(
        PrivateKey::from_pem(ENCRYPTED),
        Err(KeyError::EncryptedKey { .. })
    ));
    assert!(matches!(
        PrivateKey::from_pem(P256_PUB),
        Err(KeyError::UnsupportedPemLabel { .. })
    ));
    assert!(matches!(
        PublicKey::from_pem(P256_PKCS8),
        Err(KeyError::UnsupportedPemLabel { .. })
    ));
    assert!(matches!(
        PublicKey::from_pem("hello"),
        Err(KeyError::Pem {
            reason: PemProblem::NoBegin
        })
    ));
    assert!(matches!(
        PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n"),
        Err(KeyError::Pem {
            reason: PemProblem::Body { .. }
        })
    ));
    let no_end = PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n").unwrap_err();
    assert!(
        matches!(&no_end, KeyError::Pem { reason: PemProblem::NoEnd { label } } if label == "PUBLIC KEY")
    );
    assert_eq!(
        no_end.to_string(),
        "key is not valid PEM: no -----END PUBLIC KEY----- line"
    );
    assert!(matches!(
        PublicKey::from_ed25519_raw(&[0u8; 31]),
        Err(KeyError::MalformedKey { .. })
    ));
    for len in 0..P256_PUB_DER.len() {
        assert!(
            PublicKey::from_spki_der(&P256_PUB_DER[..len]).is_err(),
            "truncated SPKI at {len}"
        );
    }
    assert!(matches!(
        PrivateKey::from_der(b"\x30\x03\x02\x01\x00"),
        Err(KeyError::MalformedKey { .. })
    ));
    let huge = "A".repeat(stella_attest::keys::MAX_KEY_INPUT + 1);
    assert!(matches!(
        PublicKey::from_pem(&huge),
        Err(KeyError::TooLarge { .. })
    ));
}

#[test]
fn pkcs8_with_mismatched_public_key_is_refused() {
    // RFC 8410 v2 (OneAsymmetricKey) with a public key that is not the seed's.
    let ed = PrivateKey::from_pem(ED_PKCS8).unwrap();
    let v1 = ed.to_pkcs8_der().unwrap();
    let seed = &v1[16..];
    let mut v2 = vec![
        0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    v2.extend_from_slice(seed);
    v2.extend_from_slice(&[0x81, 0x21, 0x00]);
    let mut public = ed.public_key().raw().to_vec();
    assert_eq!(
        PrivateKey::from_pkcs8_der(&[v2.clone(), public.clone()].concat())
            .unwrap()
            .key_id(),
        ED_ID
    );
    public[0] ^= 1;
    assert!(matches!(
        PrivateKey::from_pkcs8_der(&[v2, public].concat()),
        Err(KeyError::PublicKeyMismatch { .. })
    ));
}

#[test]
fn debug_never_prints_secret_material() {
    let key = PrivateKey::from_pem(P256_PKCS8).unwrap();
    let der = key.to_pkcs8_der().unwrap();
    let debug = format!(
        "{key:?} {:?}",
        signer(PrivateKey::from_pem(P256_PKCS8).unwrap())
    );
    assert!(debug.contains(P256_ID));
    let scalar_hex = hex::encode(&der[36..68]);
    assert!(!debug.contains(&scalar_hex));
    assert!(!debug.contains(&format!("{:?}", &der[36..40])));
}

#[test]
fn core_traits_are_implemented() {
    let rng = SystemRandom::new();
    for alg in [
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::Ed25519,
    ] {
        let key = PrivateKey::generate(alg, &rng).unwrap();
        let public = key.public_key().clone();
        let s: Box<dyn stella_core::Signer> = Box::new(signer(key));
        assert_eq!(s.algorithm(), alg);
        assert_eq!(s.key_id(), public.key_id());
        assert_eq!(s.public_key_spki_der(), public.spki_der());
        let sig = s.sign(MSG).unwrap();
        let v: &dyn stella_core::Verifier = &public;
        v.verify(MSG, &sig).unwrap();
        assert!(matches!(
            v.verify(b"x", &sig),
            Err(stella_core::CoreError::BadSignature { .. })
        ));
        assert!(v.verify(MSG, &sig[..10]).is_err());
    }
}

fn generated(alg: SignatureAlgorithm) -> PrivateKey {
    PrivateKey::generate(alg, &SystemRandom::new()).unwrap()
}

#[test]
fn pem_input_with_two_keys_is_refused_not_first_used() {
    for alg in [
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::Ed25519,
    ] {
        let a = generated(alg);
        let b = generated(alg);
        let (a_pub, b_pub) = (a.public_key().to_pem(), b.public_key().to_pem());
        let (a_priv, b_priv) = (
            a.to_pkcs8_pem().unwrap().to_string(),
            b.to_pkcs8_pem().unwrap().to_string(),
        );
        // Two public keys: which one was meant is not guessed.
        let two_public = format!("{a_pub}{b_pub}");
        assert_eq!(
            PublicKey::from_pem(&two_public),
            Err(KeyError::MultipleKeys { count: 2 })
        );
        assert_eq!(
            PublicKey::from_pem_or_der(two_public.as_bytes()),
            Err(KeyError::MultipleKeys { count: 2 })
        );
        // Two private keys.
        let two_private = format!("{a_priv}\n{b_priv}");
        assert!(matches!(
            PrivateKey::from_pem(&two_private),
            Err(KeyError::MultipleKeys { count: 2 })
        ));
        assert!(matches!(
            PrivateKey::from_pem_or_der(two_private.as_bytes()),
            Err(KeyError::MultipleKeys { count: 2 })
        ));
        // A public and a private key, in either order, and three blocks with comment text.
        assert_eq!(
            PublicKey::from_pem(&format!("{a_pub}{b_priv}")),
            Err(KeyError::MultipleKeys { count: 2 })
        );
        assert!(matches!(
            PrivateKey::from_pem(&format!("{a_priv}{b_pub}")),
            Err(KeyError::MultipleKeys { count: 2 })
        ));
        assert_eq!(
            PublicKey::from_pem(&format!("# keys\n{a_pub}# more\n{a_pub}{b_pub}")),
            Err(KeyError::MultipleKeys { count: 3 })
        );
        // One key with text around it still loads.
        assert_eq!(
            PublicKey::from_pem(&format!("comment\n{a_pub}trailing\n")).unwrap(),
            *a.public_key()
        );
    }
    // `EC PARAMETERS` before a SEC1 key is not a second key (openssl ecparam -genkey).
    assert!(PrivateKey::from_pem(P256_SEC1_PARAMS).is_ok());
    // ...but a second SEC1 key after it is.
    assert!(matches!(
        PrivateKey::from_pem(&format!("{P256_SEC1_PARAMS}{P256_SEC1}")),
        Err(KeyError::MultipleKeys { count: 2 })
    ));
}

#[test]
fn der_keys_load_by_content_not_name() {
    for alg in [
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::Ed25519,
    ] {
        let key = generated(alg);
        let public = key.public_key().clone();
        // DER SPKI public key, DER PKCS#8 private key.
        assert_eq!(
            PublicKey::from_pem_or_der(public.spki_der()).unwrap(),
            public
        );
        let pkcs8 = key.to_pkcs8_der().unwrap();
        let from_der = PrivateKey::from_pem_or_der(&pkcs8).unwrap();
        assert_eq!(from_der.key_id(), key.key_id());
        // PEM still loads through the same entry points.
        assert_eq!(
            PublicKey::from_pem_or_der(public.to_pem().as_bytes()).unwrap(),
            public
        );
        assert_eq!(
            PrivateKey::from_pem_or_der(key.to_pkcs8_pem().unwrap().as_bytes())
                .unwrap()
                .key_id(),
            key.key_id()
        );
        // A DER-loaded private key signs what the DER-loaded public key verifies.
        let sig = signer(from_der).sign(b"der").unwrap();
        PublicKey::from_pem_or_der(public.spki_der())
            .unwrap()
            .verify(b"der", &sig)
            .unwrap();
        // DER with trailing bytes is refused.
        let mut trailing = public.spki_der().to_vec();
        trailing.push(0);
        assert!(PublicKey::from_pem_or_der(&trailing).is_err());
    }
    // SEC1 DER private keys load too.
    let p = generated(SignatureAlgorithm::EcdsaP256Sha256);
    let sec1 = p.to_sec1_der().unwrap();
    assert_eq!(
        PrivateKey::from_pem_or_der(&sec1).unwrap().key_id(),
        p.key_id()
    );
    // A private key's DER is not a public key.
    assert!(matches!(
        PublicKey::from_pem_or_der(&p.to_pkcs8_der().unwrap()),
        Err(KeyError::MalformedKey { format: "SPKI", .. })
    ));
    // Neither PEM nor DER.
    assert_eq!(
        PublicKey::from_pem_or_der(b"not a key"),
        Err(KeyError::UnknownEncoding)
    );
    assert!(matches!(
        PrivateKey::from_pem_or_der(b""),
        Err(KeyError::UnknownEncoding)
    ));
    // PEM text whose first byte is '0' (0x30, the DER SEQUENCE tag) is still PEM.
    let pem = format!("0 leading comment\n{}", p.public_key().to_pem());
    assert_eq!(
        PublicKey::from_pem_or_der(pem.as_bytes()).unwrap(),
        *p.public_key()
    );
    let huge = vec![0x30u8; stella_attest::keys::MAX_KEY_INPUT + 1];
    assert!(matches!(
        PublicKey::from_pem_or_der(&huge),
        Err(KeyError::TooLarge { .. })
    ));
}

#[test]
fn openssl_der_spki_key_verifies_an_openssl_signature() {
    // p256-pub.der and p256-msg.sig were written by `openssl pkey -outform DER` and
    // `openssl dgst -sha256 -sign` (see data/keys/README.md).
    let p = PublicKey::from_pem_or_der(P256_PUB_DER).unwrap();
    assert_eq!(p.key_id(), P256_ID);
    p.verify(MSG, P256_SIG).unwrap();
    assert!(p.verify(b"other", P256_SIG).is_err());
    let c = PublicKey::from_pem_or_der(P256_PUB_COMPRESSED_DER).unwrap();
    c.verify(MSG, P256_SIG).unwrap();
}

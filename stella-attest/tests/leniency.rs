#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! What real-world clients write and the specifications allow: base64 with line breaks in DSSE
//! envelopes, PEM bodies with lines of any length, DER SubjectPublicKeyInfo keys.

use base64::Engine as _;
use stella_attest::dsse::{Envelope, Keyring};
use stella_attest::keys::{KeyError, LocalSigner, PemProblem, PrivateKey, PublicKey, SystemRandom};
use stella_core::SignatureAlgorithm;

fn wrap(text: &str, width: usize, eol: &str) -> String {
    text.as_bytes()
        .chunks(width)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(eol)
}

#[test]
fn dsse_base64_with_line_breaks_verifies() {
    let key =
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &SystemRandom::new()).unwrap();
    let mut keyring = Keyring::new();
    keyring.add(key.public_key().clone()).unwrap();
    let signer = LocalSigner::new(key, SystemRandom::new()).unwrap();
    let payload = vec![b'x'; 300];
    let env = Envelope::sign("text/plain", payload.clone(), &[&signer]).unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(&env.to_json().unwrap()).unwrap();
    for (field, eol) in [("payload", "\n"), ("payload", "\r\n")] {
        let mut j = json.clone();
        j[field] = wrap(json[field].as_str().unwrap(), 76, eol).into();
        j["signatures"][0]["sig"] =
            wrap(json["signatures"][0]["sig"].as_str().unwrap(), 20, eol).into();
        let parsed = Envelope::from_json(&serde_json::to_vec(&j).unwrap()).unwrap();
        let verified = parsed.verify(&keyring, &["text/plain"]).unwrap();
        assert_eq!(verified.payload(), payload.as_slice());
    }
    // Anything else outside the alphabet is still refused (Go refuses it).
    let text = json["payload"].as_str().unwrap().to_owned();
    for junk in [" ", "\t", "\u{b}", "*"] {
        json["payload"] = format!("{}{junk}{}", &text[..8], &text[8..]).into();
        assert!(
            Envelope::from_json(&serde_json::to_vec(&json).unwrap()).is_err(),
            "{junk:?}"
        );
    }
}

/// The PEM forms Python's `cryptography` 50.0.2 (`load_pem_public_key`) and Go's
/// `encoding/pem` both read: any line length, CRLF, spaces and tabs in the body. Both refuse an
/// unpadded body; encapsulated headers, which both skip, are refused here (no public key has
/// them; encrypted PEM is not supported).
#[test]
fn pem_bodies_of_any_line_length() {
    let key =
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &SystemRandom::new()).unwrap();
    let public = key.public_key().clone();
    let b64 = base64::engine::general_purpose::STANDARD.encode(public.spki_der());
    let pem = |body: &str, eol: &str| {
        format!("-----BEGIN PUBLIC KEY-----{eol}{body}{eol}-----END PUBLIC KEY-----{eol}")
    };
    for text in [
        pem(&b64, "\n"),
        pem(&wrap(&b64, 76, "\n"), "\n"),
        pem(&wrap(&b64, 64, "\r\n"), "\r\n"),
        pem(&wrap(&b64, 16, " "), "\n"),
        pem(&wrap(&b64, 64, "\n\t"), "\n"),
    ] {
        assert_eq!(PublicKey::from_pem(&text).unwrap(), public, "{text}");
    }
    assert!(matches!(
        PublicKey::from_pem(&pem(b64.trim_end_matches('='), "\n")),
        Err(KeyError::Pem {
            reason: PemProblem::Body { .. }
        })
    ));
    assert!(matches!(
        PublicKey::from_pem(&pem(&format!("Proc-Type: 4,ENCRYPTED\n\n{b64}"), "\n")),
        Err(KeyError::Pem {
            reason: PemProblem::Body { .. }
        })
    ));
    // Private keys too (same reader).
    let pkcs8 = key.to_pkcs8_pem().unwrap();
    let body: String = pkcs8.lines().filter(|l| !l.starts_with("-----")).collect();
    let one_line = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n");
    assert_eq!(
        PrivateKey::from_pem(&one_line).unwrap().public_key(),
        &public
    );
}

#[test]
fn der_subject_public_key_info() {
    for alg in [
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::Ed25519,
    ] {
        let public = PrivateKey::generate(alg, &SystemRandom::new())
            .unwrap()
            .public_key()
            .clone();
        assert_eq!(
            PublicKey::from_pem_or_der(public.spki_der()).unwrap(),
            public
        );
        assert_eq!(PublicKey::from_spki_der(public.spki_der()).unwrap(), public);
    }
}

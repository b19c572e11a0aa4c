#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! DSSE: spec vectors, round trips, multi-signature thresholds, tampering, bad input.

use std::sync::Arc;

use base64::Engine as _;
use stella_attest::AttestError;
use stella_attest::dsse::{
    Base64Problem, DsseError, Envelope, EnvelopeLimits, EnvelopeSignature, Keyring,
    PAYLOAD_TYPE_IN_TOTO, pae,
};
use stella_attest::keys::{KeyError, LocalSigner, PrivateKey, PublicKey, SystemRandom};
use stella_core::{SignatureAlgorithm, Signer};

const VECTORS: &str = include_str!("../../tests/vectors/dsse/vectors.json");
const EXAMPLE: &str = include_str!("../../tests/vectors/dsse/protocol-example-envelope.json");
const EXAMPLE_KEY: &str = include_str!("../../tests/vectors/dsse/protocol-example-key.txt");
const EXAMPLE_PAE: &[u8] = include_bytes!("../../tests/vectors/dsse/protocol-example-pae.bin");

fn signer(alg: SignatureAlgorithm) -> LocalSigner<SystemRandom> {
    let key = PrivateKey::generate(alg, &SystemRandom::new()).unwrap();
    LocalSigner::new(key, SystemRandom::new()).unwrap()
}

fn keyring(keys: &[&PublicKey], threshold: usize) -> Keyring {
    let mut ring = Keyring::new();
    for k in keys {
        ring.add((*k).clone()).unwrap();
    }
    ring.set_threshold(threshold);
    ring
}

/// Big-endian 32 bytes of a decimal number.
fn decimal_to_be32(decimal: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for digit in decimal.bytes() {
        let mut carry = u32::from(digit - b'0');
        for byte in out.iter_mut().rev() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        assert_eq!(carry, 0);
    }
    out
}

#[test]
fn dsse_protocol_example_envelope_verifies() {
    let field = |name: &str| {
        EXAMPLE_KEY
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap()
            .trim()
    };
    let mut point = vec![0x04];
    point.extend_from_slice(&decimal_to_be32(field("X:")));
    point.extend_from_slice(&decimal_to_be32(field("Y:")));
    let public = PublicKey::from_p256_sec1(&point).unwrap();
    let envelope = Envelope::from_json(EXAMPLE.as_bytes()).unwrap();
    assert_eq!(envelope.signatures()[0].sig().len(), 64, "r||s form");
    let verified = envelope
        .verify(&keyring(&[&public], 1), &["http://example.com/HelloWorld"])
        .unwrap();
    assert_eq!(verified.payload(), b"hello world");
    assert_eq!(
        pae(verified.payload_type(), verified.payload()),
        EXAMPLE_PAE
    );
    assert_eq!(
        envelope.payload_digest(),
        stella_core::Digest::of(b"hello world")
    );
    assert_eq!(verified.key_ids(), [public.key_id().to_owned()]);
    // The private scalar in the spec is the one for this public key.
    let d = decimal_to_be32(field("d:"));
    let sec1 = [
        &[0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20][..],
        &d,
        &[
            0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
        ],
    ]
    .concat();
    let private = PrivateKey::from_sec1_der(&sec1).unwrap();
    assert_eq!(private.public_key(), &public);
}

#[test]
fn dsse_repository_vectors() {
    let doc: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    let keys = doc["keys"].as_object().unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 9);
    for v in vectors {
        let id = v["id"].as_str().unwrap();
        let mut ring = Keyring::new();
        for name in v["trustedKeys"].as_array().unwrap() {
            let name = name.as_str().unwrap();
            let raw = hex::decode(keys[name]["public"].as_str().unwrap()).unwrap();
            ring.add_as(name, PublicKey::from_ed25519_raw(&raw).unwrap())
                .unwrap();
        }
        ring.set_threshold(v["threshold"].as_u64().unwrap() as usize);
        let allowed: Vec<&str> = v["supportedPayloadTypes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let json = serde_json::to_vec(&v["envelope"]).unwrap();
        let envelope = Envelope::from_json(&json).unwrap();
        let result = envelope.verify(&ring, &allowed);
        match v["expect"].as_str().unwrap() {
            "accept" => {
                let verified = result.unwrap_or_else(|e| panic!("{id}: {e}"));
                assert_eq!(
                    hex::encode(pae(verified.payload_type(), verified.payload())),
                    v["pae"].as_str().unwrap(),
                    "{id}"
                );
                let payload = v["envelope"]["payload"].as_str().unwrap();
                let url = base64::engine::general_purpose::URL_SAFE;
                let std = base64::engine::general_purpose::STANDARD;
                let expected = std
                    .decode(payload)
                    .or_else(|_| url.decode(payload))
                    .unwrap();
                assert_eq!(verified.payload(), expected, "{id}");
            }
            _ => assert!(result.is_err(), "{id} must be rejected"),
        }
    }
}

#[test]
fn pae_matches_spec() {
    assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
    assert_eq!(
        pae("application/vnd.exämple+json", b"x"),
        "DSSEv1 29 application/vnd.exämple+json 1 x".as_bytes()
    );
}

#[test]
fn round_trip_both_key_types_single_and_multi() {
    let p = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let e = signer(SignatureAlgorithm::Ed25519);
    let payload = br#"{"_type":"https://in-toto.io/Statement/v1"}"#.to_vec();
    for signers in [vec![&p as &dyn Signer], vec![&e], vec![&p, &e]] {
        let env = Envelope::sign(PAYLOAD_TYPE_IN_TOTO, payload.clone(), &signers).unwrap();
        let json = env.to_json().unwrap();
        assert!(stella_core::canonical::is_canonical(&json));
        let parsed = Envelope::from_json(&json).unwrap();
        assert_eq!(parsed, env);
        assert_eq!(parsed.to_json().unwrap(), json, "stable bytes");
        let ring = keyring(&[p.public_key(), e.public_key()], signers.len());
        let verified = parsed.verify(&ring, &[PAYLOAD_TYPE_IN_TOTO]).unwrap();
        assert_eq!(verified.payload(), payload);
        assert_eq!(verified.payload_type(), PAYLOAD_TYPE_IN_TOTO);
        let mut expected: Vec<String> = signers.iter().map(|s| s.key_id().to_owned()).collect();
        expected.sort();
        assert_eq!(verified.key_ids(), expected);
        for (sig, s) in parsed.signatures().iter().zip(&signers) {
            assert_eq!(sig.keyid(), s.key_id());
        }
    }
}

#[test]
fn threshold_counts_distinct_keys() {
    let a = signer(SignatureAlgorithm::Ed25519);
    let b = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let twice = Envelope::sign("t", b"x".to_vec(), &[&a, &a]).unwrap();
    let ring = keyring(&[a.public_key(), b.public_key()], 2);
    match twice.verify(&ring, &["t"]) {
        Err(AttestError::Dsse(DsseError::ThresholdNotMet {
            threshold: 2,
            verified: 1,
            ..
        })) => {}
        other => panic!("{other:?}"),
    }
    // The same key under two ids is still one key.
    let mut aliased = Keyring::new();
    aliased.add(a.public_key().clone()).unwrap();
    aliased.add_as("alias", a.public_key().clone()).unwrap();
    aliased.set_threshold(2);
    assert_eq!(aliased.distinct_keys(), 1);
    assert!(matches!(
        twice.verify(&aliased, &["t"]),
        Err(AttestError::Dsse(DsseError::InvalidThreshold {
            threshold: 2,
            keys: 1
        }))
    ));
    let mut zero = keyring(&[a.public_key()], 1);
    zero.set_threshold(0);
    assert!(matches!(
        twice.verify(&zero, &["t"]),
        Err(AttestError::Dsse(DsseError::InvalidThreshold { .. }))
    ));
    let both = Envelope::sign("t", b"x".to_vec(), &[&a, &b]).unwrap();
    assert_eq!(both.verify(&ring, &["t"]).unwrap().key_ids().len(), 2);
    // One good and one bad signature: 1 of 2 fails with both reasons listed.
    let mut one_bad = both.clone();
    let mut sig = one_bad.signatures()[1].sig().to_vec();
    let last = sig.len() - 1;
    sig[last] ^= 1;
    one_bad = Envelope::from_parts(
        one_bad.payload_type(),
        b"x".to_vec(),
        vec![
            one_bad.signatures()[0].clone(),
            EnvelopeSignature::new(b.key_id(), sig),
        ],
    );
    match one_bad.verify(&ring, &["t"]) {
        Err(AttestError::Dsse(DsseError::ThresholdNotMet {
            verified: 1,
            rejections,
            ..
        })) => assert!(matches!(
            rejections.as_slice(),
            [DsseError::Signature { index: 1, .. }]
        )),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        one_bad
            .verify(&keyring(&[a.public_key(), b.public_key()], 1), &["t"])
            .unwrap()
            .key_ids(),
        [a.key_id().to_owned()]
    );
    let mut dup = Keyring::new();
    dup.add(a.public_key().clone()).unwrap();
    assert!(matches!(
        dup.add(a.public_key().clone()),
        Err(DsseError::DuplicateKeyId { .. })
    ));
}

fn flip(bytes: &[u8], i: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[i] ^= 0x01;
    out
}

#[test]
fn tampering_any_byte_fails_verification() {
    for alg in [
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::Ed25519,
    ] {
        let s = signer(alg);
        let ring = keyring(&[s.public_key()], 1);
        let payload = br#"{"a":[1,2],"b":"c"}"#.to_vec();
        let payload_type = "application/vnd.x+json";
        let env = Envelope::sign(payload_type, payload.clone(), &[&s]).unwrap();
        let sig = env.signatures()[0].clone();
        for i in 0..payload.len() {
            let t = Envelope::from_parts(payload_type, flip(&payload, i), vec![sig.clone()]);
            assert!(matches!(
                t.verify(&ring, &[payload_type]),
                Err(AttestError::Dsse(DsseError::Signature {
                    source: KeyError::BadSignature { .. },
                    ..
                }))
            ));
        }
        for i in 0..payload_type.len() {
            let ty = String::from_utf8(flip(payload_type.as_bytes(), i)).unwrap();
            let t = Envelope::from_parts(ty.clone(), payload.clone(), vec![sig.clone()]);
            assert!(matches!(
                t.verify(&ring, &[&ty]),
                Err(AttestError::Dsse(DsseError::Signature {
                    source: KeyError::BadSignature { .. },
                    ..
                }))
            ));
            // And with only the real type allowed, the swapped type is refused outright.
            assert!(matches!(
                t.verify(&ring, &[payload_type]),
                Err(AttestError::Dsse(DsseError::PayloadTypeNotAllowed { .. }))
            ));
        }
        for i in 0..sig.sig().len() {
            let t = Envelope::from_parts(
                payload_type,
                payload.clone(),
                vec![EnvelopeSignature::new(sig.keyid(), flip(sig.sig(), i))],
            );
            assert!(matches!(
                t.verify(&ring, &[payload_type]),
                Err(AttestError::Dsse(DsseError::Signature {
                    source: KeyError::BadSignature { .. } | KeyError::MalformedSignature { .. },
                    ..
                }))
            ));
        }
        // Every byte of the serialized envelope: either an error, or (keyid is an unauthenticated
        // hint) the very same verified content.
        let json = env.to_json().unwrap();
        for i in 0..json.len() {
            let t = flip(&json, i);
            if let Ok(v) = Envelope::from_json(&t).and_then(|e| e.verify(&ring, &[payload_type])) {
                assert_eq!(v.payload(), payload);
                assert_eq!(v.payload_type(), payload_type);
            }
        }
    }
}

#[test]
fn high_s_refused_when_keyring_is_strict() {
    use p256::elliptic_curve::PrimeField as _;
    let s = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let env = Envelope::sign("t", b"x".to_vec(), &[&s]).unwrap();
    let parsed = p256::ecdsa::Signature::from_der(env.signatures()[0].sig()).unwrap();
    let (r, sv) = parsed.split_scalars();
    let high = p256::ecdsa::Signature::from_scalars(r.to_repr(), (-*sv).to_repr()).unwrap();
    let t = Envelope::from_parts(
        "t",
        b"x".to_vec(),
        vec![EnvelopeSignature::new(
            s.key_id(),
            high.to_der().as_bytes().to_vec(),
        )],
    );
    let mut ring = keyring(&[s.public_key()], 1);
    t.verify(&ring, &["t"]).unwrap();
    ring.reject_high_s(true);
    assert!(matches!(
        t.verify(&ring, &["t"]),
        Err(AttestError::Dsse(DsseError::Signature {
            source: KeyError::HighS { .. },
            ..
        }))
    ));
}

#[test]
fn key_ids_unknown_and_foreign() {
    let s = signer(SignatureAlgorithm::Ed25519);
    let other = signer(SignatureAlgorithm::Ed25519);
    let env = Envelope::sign("t", b"x".to_vec(), &[&s]).unwrap();
    let foreign = Envelope::from_parts(
        "t",
        b"x".to_vec(),
        vec![EnvelopeSignature::new(
            "their-id",
            env.signatures()[0].sig().to_vec(),
        )],
    );
    // A key id from another scheme still verifies against the right key...
    foreign
        .verify(&keyring(&[s.public_key()], 1), &["t"])
        .unwrap();
    // ...and when no keyring key verifies it, the unknown id is the error.
    assert!(matches!(
        foreign.verify(&keyring(&[other.public_key()], 1), &["t"]),
        Err(AttestError::Dsse(DsseError::UnknownKeyId { index: 0, keyid })) if keyid == "their-id"
    ));
    let anonymous = Envelope::from_parts(
        "t",
        b"x".to_vec(),
        vec![EnvelopeSignature::new(
            "",
            env.signatures()[0].sig().to_vec(),
        )],
    );
    let third = signer(SignatureAlgorithm::EcdsaP256Sha256);
    assert!(matches!(
        anonymous.verify(
            &keyring(&[other.public_key(), third.public_key()], 1),
            &["t"]
        ),
        Err(AttestError::Dsse(DsseError::NoKeyVerified {
            index: 0,
            tried: 2
        }))
    ));
}

#[test]
fn external_verifier_in_keyring() {
    let s = signer(SignatureAlgorithm::EcdsaP256Sha256);
    let env = Envelope::sign("t", b"x".to_vec(), &[&s]).unwrap();
    let mut ring = Keyring::new();
    ring.add_verifier(Arc::new(s.public_key().clone())).unwrap();
    env.verify(&ring, &["t"]).unwrap();
    let bad = Envelope::from_parts("t", b"y".to_vec(), vec![env.signatures()[0].clone()]);
    assert!(matches!(
        bad.verify(&ring, &["t"]),
        Err(AttestError::Dsse(DsseError::Verifier {
            source: stella_core::CoreError::BadSignature { .. },
            ..
        }))
    ));
}

#[test]
fn bad_envelopes_are_typed_errors() {
    let s = signer(SignatureAlgorithm::Ed25519);
    let ring = keyring(&[s.public_key()], 1);
    let dsse = |r: Result<Envelope, AttestError>| match r {
        Err(AttestError::Dsse(e)) => e,
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        dsse(Envelope::from_json(br#"{"payload":"!!","payloadType":"t","signatures":[]}"#)),
        DsseError::Base64 { field, .. } if field == "payload"
    ));
    assert!(matches!(
        dsse(Envelope::from_json(
            br#"{"payload":"","payloadType":"t","signatures":[{"sig":"a+b_"}]}"#
        )),
        DsseError::Base64 { field, reason: Base64Problem::MixedAlphabets }
            if field == "signatures[0].sig"
    ));
    assert!(matches!(
        dsse(Envelope::from_json(
            br#"{"payload":"a","payloadType":"t","signatures":[]}"#
        )),
        DsseError::Base64 {
            reason: Base64Problem::Decode(_),
            ..
        }
    ));
    assert!(matches!(
        dsse(Envelope::from_json(
            br#"{"payload":"","payload":"","payloadType":"t","signatures":[]}"#
        )),
        DsseError::EnvelopeJson { .. }
    ));
    assert!(matches!(
        dsse(Envelope::from_json(
            br#"{"payload":"","payloadType":"t","signatures":[],"extra":1}"#
        )),
        DsseError::EnvelopeJson { .. }
    ));
    assert!(matches!(
        dsse(Envelope::from_json(
            br#"{"payload":"","payloadType":"\ud800","signatures":[]}"#
        )),
        DsseError::EnvelopeJson { .. }
    ));
    assert!(matches!(
        dsse(Envelope::from_json(b"[")),
        DsseError::EnvelopeJson { .. }
    ));
    let limits = EnvelopeLimits {
        max_bytes: 10,
        ..EnvelopeLimits::default()
    };
    assert!(matches!(
        dsse(Envelope::from_json_with(&[b' '; 11], &limits)),
        DsseError::TooLarge {
            length: 11,
            max: 10
        }
    ));
    let many = format!(
        r#"{{"payload":"","payloadType":"t","signatures":[{}]}}"#,
        vec![r#"{"sig":""}"#; 33].join(",")
    );
    assert!(matches!(
        dsse(Envelope::from_json(many.as_bytes())),
        DsseError::TooManySignatures { count: 33, max: 32 }
    ));
    let none = Envelope::from_json(br#"{"payload":"","payloadType":"t","signatures":[]}"#).unwrap();
    assert!(matches!(
        none.verify(&ring, &["t"]),
        Err(AttestError::Dsse(DsseError::NoSignatures))
    ));
    assert!(matches!(
        Envelope::sign("t", vec![], &[]),
        Err(AttestError::Dsse(DsseError::NoSignatures))
    ));
    // URL-safe and unpadded input is accepted; output is standard and padded.
    let env = Envelope::sign("t", vec![0xfb, 0xff], &[&s]).unwrap();
    let json = String::from_utf8(env.to_json().unwrap()).unwrap();
    assert!(json.contains(r#""payload":"+/8=""#), "{json}");
    let url = json
        .replace("+/8=", "-_8")
        .replace('+', "-")
        .replace('/', "_");
    let parsed = Envelope::from_json(url.as_bytes()).unwrap();
    assert_eq!(
        parsed.verify(&ring, &["t"]).unwrap().payload(),
        [0xfb, 0xff]
    );
}

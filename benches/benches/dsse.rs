//! DSSE sign and verify of a 1 KiB payload through our API (envelope parse + PAE + verify; sign +
//! envelope JSON) against the raw `ring` primitive on the same PAE bytes, for ECDSA P-256 and
//! Ed25519. Target: our verify overhead ≤ 10% over raw ring.
//!
//! Run: `cargo bench -p stella-benches --bench dsse`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ring::signature::{self, KeyPair as _};
use stella_attest::dsse::{Envelope, Keyring};
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_core::SignatureAlgorithm;

const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// The raw `ring` verification algorithm and signing closure a benchmark compares against.
type RawPrimitive = (
    &'static dyn signature::VerificationAlgorithm,
    Box<dyn Fn(&[u8]) -> Vec<u8>>,
);

fn payload() -> Vec<u8> {
    // 1 KiB of JSON-ish text.
    let mut p = br#"{"_type":"https://in-toto.io/Statement/v1","predicate":{"x":""#.to_vec();
    while p.len() < 1022 {
        p.push(b'a' + (p.len() % 26) as u8);
    }
    p.extend_from_slice(b"\"}");
    p.truncate(1024);
    p
}

fn bench(c: &mut Criterion) {
    let payload = payload();
    assert_eq!(payload.len(), 1024);
    let rng = SystemRandom::new();
    for (label, alg) in [
        ("p256", SignatureAlgorithm::EcdsaP256Sha256),
        ("ed25519", SignatureAlgorithm::Ed25519),
    ] {
        let key = PrivateKey::generate(alg, &rng).unwrap();
        let pkcs8 = key.to_pkcs8_der().unwrap();
        let public = key.public_key().clone();
        let signer = LocalSigner::new(key, SystemRandom::new()).unwrap();
        let mut keyring = Keyring::new();
        keyring.add(public.clone()).unwrap();

        let envelope = Envelope::sign(PAYLOAD_TYPE, payload.clone(), &[&signer]).unwrap();
        let json = envelope.to_json().unwrap();
        let pae = stella_attest::dsse::pae(PAYLOAD_TYPE, &payload);
        let sig = envelope.signatures()[0].sig().to_vec();
        let (verify_alg, sign_raw): RawPrimitive = match alg {
            SignatureAlgorithm::Ed25519 => {
                // ring reads RFC 8410 v1 PKCS#8 with `from_pkcs8_maybe_unchecked`.
                let pair = signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&pkcs8).unwrap();
                assert_eq!(pair.public_key().as_ref(), public.raw());
                (
                    &signature::ED25519,
                    Box::new(move |m: &[u8]| pair.sign(m).as_ref().to_vec()),
                )
            }
            _ => {
                let pair = signature::EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                    &pkcs8,
                    &rng,
                )
                .unwrap();
                let rng = SystemRandom::new();
                (
                    &signature::ECDSA_P256_SHA256_ASN1,
                    Box::new(move |m: &[u8]| pair.sign(&rng, m).unwrap().as_ref().to_vec()),
                )
            }
        };
        let raw_key = signature::UnparsedPublicKey::new(verify_alg, public.raw().to_vec());
        raw_key.verify(&pae, &sig).unwrap();

        let mut group = c.benchmark_group(format!("dsse/{label}/1KiB"));
        group.throughput(Throughput::Elements(1));
        group.bench_function("verify: ring raw (PAE + sig given)", |b| {
            b.iter(|| raw_key.verify(black_box(&pae), black_box(&sig)).unwrap())
        });
        group.bench_function("verify: stella (parse JSON + PAE + verify)", |b| {
            b.iter(|| {
                Envelope::from_json(black_box(&json))
                    .unwrap()
                    .verify(&keyring, &[PAYLOAD_TYPE])
                    .unwrap()
            })
        });
        // What our path adds before the signature check: JSON parse + base64 decode (the PAE
        // is one 1 KiB copy), measured alone because on a loaded machine the difference of two
        // noisy verify timings is not a usable overhead figure.
        group.bench_function("verify overhead: stella envelope parse only", |b| {
            b.iter(|| Envelope::from_json(black_box(&json)).unwrap())
        });
        group.bench_function("sign: ring raw (PAE given)", |b| {
            b.iter(|| sign_raw(black_box(&pae)))
        });
        group.bench_function("sign: stella (PAE + sign + envelope JSON)", |b| {
            b.iter(|| {
                Envelope::sign(PAYLOAD_TYPE, black_box(payload.clone()), &[&signer])
                    .unwrap()
                    .to_json()
                    .unwrap()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

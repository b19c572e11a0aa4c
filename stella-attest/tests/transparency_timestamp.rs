#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! RFC 3161 timestamps (transparency::timestamp) on the sigstore-conformance bundles: every
//! token of every copied case, with the result expected at this layer, and tampering.

mod sigstore_cases;

use sigstore_cases::{case, cases, unix};
use stella_attest::transparency::TransparencyError;
use stella_attest::transparency::timestamp::{
    TimestampHash, TimestampProblem, TimestampToken, verify_timestamp,
};
use stella_attest::transparency::x509::{
    CertificateAuthority, CertificateProblem, ParsedCertificate, TimeWindow,
};

/// What this layer must say about each case's timestamp (the bundle-level verdict of a case
/// may fail for other reasons, checked by other layers).
fn expected(name: &str) -> Result<(), fn(&TransparencyError) -> bool> {
    match name {
        "rekor2-timestamp-outside-trust-root-tsa-validity_fail" => Err(|e| {
            matches!(
                e,
                TransparencyError::Certificate {
                    problem: CertificateProblem::AuthorityNotValidAt { authority: 0, .. },
                    ..
                }
            )
        }),
        "rekor2-timestamp-outside-tsa-cert-validity_fail" => Err(|e| {
            matches!(
                e,
                TransparencyError::Certificate {
                    problem: CertificateProblem::Expired { .. },
                    ..
                }
            )
        }),
        "rekor2-timestamp-payload-mismatch_fail" => Err(|e| {
            matches!(
                e,
                TransparencyError::Timestamp {
                    problem: TimestampProblem::ImprintMismatch
                }
            )
        }),
        "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail"
        | "rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail" => Err(|e| {
            matches!(
                e,
                TransparencyError::Timestamp {
                    problem: TimestampProblem::SignerCertificate { .. }
                }
            )
        }),
        _ => Ok(()),
    }
}

#[test]
fn every_case_timestamp_gives_the_expected_result() {
    let mut checked = 0;
    for (name, _) in cases() {
        let c = case(&name);
        let tokens = c.timestamps();
        if name == "rekor2-no-timestamp_fail" || name == "intoto-expired-certificate_fail" {
            assert!(tokens.is_empty());
            continue;
        }
        assert_eq!(tokens.len(), 1, "{name}");
        for t in tokens {
            let r = verify_timestamp(&t, &c.signature(), &c.tsas());
            match (expected(&name), r) {
                (Ok(()), Ok(v)) => {
                    let token = TimestampToken::parse(&t).unwrap();
                    assert_eq!(v.time, token.gen_time(), "{name}");
                    assert_eq!(v.authority_index, 0, "{name}");
                    assert!(v.chain.len() >= 2, "{name}");
                }
                (Err(is_expected), Err(e)) => assert!(is_expected(&e), "{name}: {e:?}"),
                (want, got) => panic!("{name}: expected {:?}, got {got:?}", want.is_ok()),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 27);
}

#[test]
fn token_fields_of_the_happy_path() {
    let c = case("rekor2-happy-path");
    let t = TimestampToken::parse(&c.timestamps()[0]).unwrap();
    assert_eq!(t.gen_time(), unix("2025-06-12T12:02:20Z"));
    let (hash, imprint) = t.message_imprint();
    assert_eq!(hash, TimestampHash::Sha256);
    assert_eq!(imprint.len(), 32);
    assert_eq!(t.embedded_certificates(), &c.tsas()[0].chain[..1]);
    assert!(!t.serial().is_empty());
    let without = case("rekor2-timestamp-without-embedded-cert");
    let t = TimestampToken::parse(&without.timestamps()[0]).unwrap();
    assert!(t.embedded_certificates().is_empty());
}

#[test]
fn tsa_validity_end_is_inclusive() {
    let c = case("trust-root-tsa-validity-end-inclusive");
    let tsas = c.tsas();
    let end = tsas[0].valid_for.end.unwrap();
    let v = verify_timestamp(&c.timestamps()[0], &c.signature(), &tsas).unwrap();
    assert_eq!(v.time, end);
    let mut earlier = tsas.clone();
    earlier[0].valid_for.end = Some(end - 1);
    let e = verify_timestamp(&c.timestamps()[0], &c.signature(), &earlier).unwrap_err();
    assert!(
        matches!(
            e,
            TransparencyError::Certificate {
                problem: CertificateProblem::AuthorityNotValidAt { authority: 0, at },
                ..
            } if at == end
        ),
        "{e:?}"
    );
    let mut later = tsas;
    later[0].valid_for.start = Some(end + 1);
    later[0].valid_for.end = None;
    assert!(verify_timestamp(&c.timestamps()[0], &c.signature(), &later).is_err());
}

#[test]
fn the_tsa_time_may_lie_outside_the_signing_certificate_for_this_layer() {
    // intoto-tsa-timestamp-outside-cert-validity_fail: the token itself is good; the bundle
    // fails because genTime is outside the Fulcio certificate's validity (checked by the
    // bundle verifier with this time).
    let c = case("intoto-tsa-timestamp-outside-cert-validity_fail");
    let v = verify_timestamp(&c.timestamps()[0], &c.signature(), &c.tsas()).unwrap();
    let leaf = ParsedCertificate::parse(&c.leaf()).unwrap();
    assert!(!leaf.validity().contains(v.time));
    // And rekor2-timestamp-with-incorrect-time_fail likewise.
    let c = case("rekor2-timestamp-with-incorrect-time_fail");
    let v = verify_timestamp(&c.timestamps()[0], &c.signature(), &c.tsas()).unwrap();
    let leaf = ParsedCertificate::parse(&c.leaf()).unwrap();
    assert!(!leaf.validity().contains(v.time));
}

fn problem(r: Result<impl std::fmt::Debug, TransparencyError>) -> TimestampProblem {
    match r {
        Err(TransparencyError::Timestamp { problem }) => problem,
        other => panic!("expected a timestamp error, got {other:?}"),
    }
}

#[test]
fn tampered_tokens_are_refused() {
    let c = case("rekor2-happy-path");
    let token = c.timestamps()[0].clone();
    let sig = c.signature();
    let tsas = c.tsas();
    verify_timestamp(&token, &sig, &tsas).unwrap();

    // Another signature: the imprint does not match.
    let mut other = sig.clone();
    other[10] ^= 1;
    assert_eq!(
        problem(verify_timestamp(&token, &other, &tsas)),
        TimestampProblem::ImprintMismatch
    );

    // The TSA's signature (the token's last bytes).
    let mut bad = token.clone();
    let n = bad.len();
    bad[n - 5] ^= 1;
    assert!(matches!(
        problem(verify_timestamp(&bad, &sig, &tsas)),
        TimestampProblem::BadSignature { .. }
    ));

    // genTime moved by one second: the message-digest attribute no longer matches.
    let at = token
        .windows(15)
        .position(|w| w == b"20250612120220Z")
        .unwrap();
    let mut moved = token.clone();
    moved[at + 13] = b'1';
    assert!(matches!(
        problem(verify_timestamp(&moved, &sig, &tsas)),
        TimestampProblem::SignedAttributes { .. }
    ));

    // PKIStatus rejection (2).
    assert_eq!(&token[4..9], &[0x30, 0x03, 0x02, 0x01, 0x00]);
    let mut rejected = token.clone();
    rejected[8] = 2;
    assert_eq!(
        problem(verify_timestamp(&rejected, &sig, &tsas)),
        TimestampProblem::NotGranted { status: 2 }
    );

    // Truncations and garbage.
    for cut in [1, 10, 100, token.len() / 2] {
        assert!(matches!(
            problem(verify_timestamp(&token[..token.len() - cut], &sig, &tsas)),
            TimestampProblem::Malformed { .. }
        ));
    }
    let mut trailing = token.clone();
    trailing.push(0);
    assert!(matches!(
        problem(verify_timestamp(&trailing, &sig, &tsas)),
        TimestampProblem::Malformed { .. }
    ));
    assert!(matches!(
        verify_timestamp(&vec![0x30; 1 << 20], &sig, &tsas),
        Err(TransparencyError::LimitExceeded { .. })
    ));
}

#[test]
fn authorities_that_do_not_issue_the_token_are_refused() {
    let c = case("rekor2-happy-path");
    let token = c.timestamps()[0].clone();
    let sig = c.signature();
    // No TSA at all, or only the Fulcio CA.
    assert!(matches!(
        problem(verify_timestamp(&token, &sig, &[])),
        TimestampProblem::SignerCertificate { .. }
    ));
    assert!(matches!(
        problem(verify_timestamp(&token, &sig, &c.fulcio())),
        TimestampProblem::SignerCertificate { .. }
    ));
    // The right TSA after a wrong one: found, with its index.
    let mut both = c.fulcio();
    both.extend(c.tsas());
    assert_eq!(
        verify_timestamp(&token, &sig, &both)
            .unwrap()
            .authority_index,
        1
    );
    // An authority listing only the TSA's root: the token must embed its signer.
    let w = case("rekor2-timestamp-without-embedded-cert");
    let root_only = CertificateAuthority {
        chain: vec![w.tsas()[0].chain.last().unwrap().clone()],
        valid_for: TimeWindow::UNBOUNDED,
    };
    verify_timestamp(&w.timestamps()[0], &w.signature(), &w.tsas()).unwrap();
    assert!(matches!(
        problem(verify_timestamp(
            &w.timestamps()[0],
            &w.signature(),
            std::slice::from_ref(&root_only)
        )),
        TimestampProblem::SignerCertificate { .. }
    ));
    let e = case("rekor2-timestamp-with-embedded-cert");
    let root_only = CertificateAuthority {
        chain: vec![e.tsas()[0].chain.last().unwrap().clone()],
        valid_for: TimeWindow::UNBOUNDED,
    };
    let v = verify_timestamp(&e.timestamps()[0], &e.signature(), &[root_only]).unwrap();
    assert_eq!(v.chain.len(), 2);
}

#[test]
fn an_embedded_certificate_must_be_the_authoritys_tsa_certificate() {
    // The embedded-cert token against a trusted root whose TSA certificate is another one
    // (the happy path's root has the same TSA; swap in the Fulcio intermediate as "leaf").
    let e = case("rekor2-timestamp-with-embedded-cert");
    let mut tsas = e.tsas();
    let fulcio_intermediate = e.fulcio()[0].chain[0].clone();
    tsas[0].chain.insert(0, fulcio_intermediate);
    assert!(matches!(
        problem(verify_timestamp(&e.timestamps()[0], &e.signature(), &tsas)),
        TimestampProblem::SignerCertificate { .. }
    ));
}

/// Differential: sigstore-rust's RFC 3161 verifier (`sigstore-tsa`, one authority at a time,
/// no validity window) must accept exactly the (token, bytes, authority) triples we accept,
/// over every conformance token against every timestamp authority of every copied trusted root,
/// with the right and a wrong timestamped signature, and tampered tokens.
#[test]
fn sigstore_rust_agrees_on_every_token_and_authority() {
    use sigstore_types::{DerCertificate, SignatureBytes, TimestampToken as Theirs, TsaAuthority};

    let mut authorities: Vec<CertificateAuthority> = Vec::new();
    let mut inputs: Vec<(String, Vec<u8>, Vec<u8>)> = Vec::new();
    for (name, _) in cases() {
        let c = case(&name);
        for a in c.tsas() {
            if a.chain.len() >= 2 && !authorities.iter().any(|x| x.chain == a.chain) {
                authorities.push(CertificateAuthority {
                    chain: a.chain,
                    valid_for: TimeWindow::UNBOUNDED,
                });
            }
        }
        for t in c.timestamps() {
            let sig = c.signature();
            let mut wrong = sig.clone();
            wrong[7] ^= 1;
            let mut bad_sig = t.clone();
            let n = bad_sig.len();
            bad_sig[n - 5] ^= 1;
            inputs.push((name.clone(), t.clone(), sig.clone()));
            inputs.push((format!("{name} wrong bytes"), t.clone(), wrong));
            inputs.push((format!("{name} bad TSA signature"), bad_sig, sig));
        }
    }
    assert!(authorities.len() >= 3, "{}", authorities.len());
    let (mut agreed, mut accepted) = (0, 0);
    for a in &authorities {
        let (root, rest) = a.chain.split_last().unwrap();
        let (leaf, mids) = rest.split_first().unwrap();
        let theirs_authority = TsaAuthority::new(
            DerCertificate::from_bytes(leaf),
            mids.iter().map(|m| DerCertificate::from_bytes(m)).collect(),
            DerCertificate::from_bytes(root),
            None,
        );
        for (label, token, sig) in &inputs {
            let ours = verify_timestamp(token, sig, std::slice::from_ref(a));
            let theirs = sigstore_tsa::verify_timestamp_for_authority(
                &Theirs::from_bytes(token),
                &SignatureBytes::from_bytes(sig),
                &theirs_authority,
            );
            assert_eq!(
                ours.is_ok(),
                theirs.is_ok(),
                "{label}: ours {ours:?}, sigstore-rust {theirs:?}"
            );
            if let (Ok(o), Ok(t)) = (&ours, &theirs) {
                assert_eq!(o.time, t.as_second(), "{label}");
                accepted += 1;
            }
            agreed += 1;
        }
    }
    assert!(accepted >= 20, "{accepted}");
    assert!(agreed >= 200, "{agreed}");
}

/// Every single-byte change and every truncation of a real token: no panic, and a changed
/// token that still verifies has changed nothing signed (same time and imprint: the change was
/// in the unsigned envelope, e.g. a status text or an embedded copy of a certificate).
#[test]
fn mutated_tokens_never_panic_and_never_change_what_is_signed() {
    let c = case("rekor2-timestamp-with-embedded-cert");
    let token = c.timestamps()[0].clone();
    let sig = c.signature();
    let tsas = c.tsas();
    let good = TimestampToken::parse(&token).unwrap();
    let check = |bytes: &[u8]| {
        if let Ok(v) = verify_timestamp(bytes, &sig, &tsas) {
            let t = TimestampToken::parse(bytes).unwrap();
            assert_eq!(v.time, good.gen_time());
            assert_eq!(t.message_imprint(), good.message_imprint());
        }
    };
    for i in 0..token.len() {
        for x in [0x01u8, 0x80, 0xff] {
            let mut m = token.clone();
            m[i] ^= x;
            check(&m);
        }
        check(&token[..i]);
    }
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! X.509 chain validation (transparency::x509) on real Sigstore certificates: the Fulcio leaf
//! and the staging Fulcio and TSA chains of the sigstore-conformance cases.

mod sigstore_cases;

use sigstore_cases::{case, unix};
use stella_attest::transparency::TransparencyError;
use stella_attest::transparency::x509::{
    CertificateAuthority, CertificateProblem, ExtendedKeyUsage, ParsedCertificate, SignatureHash,
    TimeWindow, verify_chain,
};

/// The RFC 3161 time of rekor2-happy-path's timestamp (its signing time).
fn signing_time() -> i64 {
    unix("2025-06-12T12:02:20Z")
}

fn problem(r: Result<impl std::fmt::Debug, TransparencyError>) -> CertificateProblem {
    match r {
        Err(TransparencyError::Certificate { problem, .. }) => problem,
        other => panic!("expected a certificate error, got {other:?}"),
    }
}

#[test]
fn fulcio_leaf_chains_to_the_staging_ca_at_signing_time() {
    let c = case("rekor2-happy-path");
    let cas = c.fulcio();
    let v = verify_chain(
        &c.leaf(),
        &[],
        &cas,
        signing_time(),
        ExtendedKeyUsage::CodeSigning,
    )
    .unwrap();
    assert_eq!(v.authority_index, 0);
    assert_eq!(v.chain.len(), 3);
    assert_eq!(v.chain[0], c.leaf());
    assert_eq!(v.chain[1], cas[0].chain[0]);
    assert_eq!(v.chain[2], cas[0].chain[1]);
}

#[test]
fn leaf_validity_ends_are_inclusive_and_outside_is_refused() {
    let c = case("rekor2-happy-path");
    let cas = c.fulcio();
    let leaf = ParsedCertificate::parse(&c.leaf()).unwrap();
    let w = leaf.validity();
    assert_eq!(w.start, Some(unix("2025-06-12T12:02:16Z")));
    assert_eq!(w.end, Some(unix("2025-06-12T12:12:16Z")));
    let (nb, na) = (w.start.unwrap(), w.end.unwrap());
    for t in [nb, na] {
        verify_chain(&c.leaf(), &[], &cas, t, ExtendedKeyUsage::CodeSigning).unwrap();
    }
    assert_eq!(
        problem(verify_chain(
            &c.leaf(),
            &[],
            &cas,
            na + 1,
            ExtendedKeyUsage::CodeSigning
        )),
        CertificateProblem::Expired {
            at: na + 1,
            not_after: na
        }
    );
    assert_eq!(
        problem(verify_chain(
            &c.leaf(),
            &[],
            &cas,
            nb - 1,
            ExtendedKeyUsage::CodeSigning
        )),
        CertificateProblem::NotYetValid {
            at: nb - 1,
            not_before: nb
        }
    );
}

#[test]
fn wrong_purpose_and_wrong_authorities_are_refused() {
    let c = case("rekor2-happy-path");
    assert!(matches!(
        problem(verify_chain(
            &c.leaf(),
            &[],
            &c.fulcio(),
            signing_time(),
            ExtendedKeyUsage::TimeStamping
        )),
        CertificateProblem::WrongExtendedKeyUsage {
            required: "timeStamping",
            ..
        }
    ));
    assert_eq!(
        problem(verify_chain(
            &c.leaf(),
            &[],
            &c.tsas(),
            signing_time(),
            ExtendedKeyUsage::CodeSigning
        )),
        CertificateProblem::UnknownIssuer
    );
    assert_eq!(
        problem(verify_chain(
            &c.leaf(),
            &[],
            &[],
            signing_time(),
            ExtendedKeyUsage::CodeSigning
        )),
        CertificateProblem::UnknownIssuer
    );
    // Only the intermediate: no anchor to end on.
    let mut partial = c.fulcio();
    partial[0].chain.pop();
    let only_root = CertificateAuthority {
        chain: vec![c.fulcio()[0].chain[1].clone()],
        valid_for: TimeWindow::UNBOUNDED,
    };
    // The intermediate as the anchor is accepted (the trust root's last certificate is trusted,
    // self-signed or not); the root alone needs the intermediate from elsewhere.
    verify_chain(
        &c.leaf(),
        &[],
        &partial,
        signing_time(),
        ExtendedKeyUsage::CodeSigning,
    )
    .unwrap();
    assert_eq!(
        problem(verify_chain(
            &c.leaf(),
            &[],
            std::slice::from_ref(&only_root),
            signing_time(),
            ExtendedKeyUsage::CodeSigning
        )),
        CertificateProblem::UnknownIssuer
    );
    let intermediate = c.fulcio()[0].chain[0].clone();
    verify_chain(
        &c.leaf(),
        &[&intermediate],
        &[only_root],
        signing_time(),
        ExtendedKeyUsage::CodeSigning,
    )
    .unwrap();
}

#[test]
fn authority_window_is_closed_and_enforced() {
    let c = case("rekor2-happy-path");
    let t = signing_time();
    let mut cas = c.fulcio();
    cas[0].valid_for.end = Some(t);
    verify_chain(&c.leaf(), &[], &cas, t, ExtendedKeyUsage::CodeSigning).unwrap();
    for window in [
        TimeWindow {
            start: None,
            end: Some(t - 1),
        },
        TimeWindow {
            start: Some(t + 1),
            end: None,
        },
    ] {
        cas[0].valid_for = window;
        assert_eq!(
            problem(verify_chain(
                &c.leaf(),
                &[],
                &cas,
                t,
                ExtendedKeyUsage::CodeSigning
            )),
            CertificateProblem::AuthorityNotValidAt {
                authority: 0,
                at: t
            }
        );
    }
    // A second, valid authority holding the same chain wins, with its index.
    let mut second = cas[0].clone();
    second.valid_for = TimeWindow::UNBOUNDED;
    cas.push(second);
    let v = verify_chain(&c.leaf(), &[], &cas, t, ExtendedKeyUsage::CodeSigning).unwrap();
    assert_eq!(v.authority_index, 1);
}

#[test]
fn certificate_issued_outside_the_trusted_root_window_is_refused() {
    // intoto-expired-certificate_fail: the leaf is valid in 2030, the CA only since 2023 and
    // the CA's own certificate expires before 2030.
    let c = case("intoto-expired-certificate_fail");
    let leaf = ParsedCertificate::parse(&c.leaf()).unwrap();
    let at = leaf.validity().start.unwrap();
    let p = problem(verify_chain(
        &c.leaf(),
        &[],
        &c.fulcio(),
        at,
        ExtendedKeyUsage::CodeSigning,
    ));
    assert!(
        matches!(
            p,
            CertificateProblem::Expired { .. } | CertificateProblem::AuthorityNotValidAt { .. }
        ),
        "{p:?}"
    );
}

#[test]
fn ca_certificate_as_leaf_is_refused() {
    let c = case("rekor2-happy-path");
    let cas = c.fulcio();
    let intermediate = cas[0].chain[0].clone();
    assert_eq!(
        problem(verify_chain(
            &intermediate,
            &[],
            &cas,
            signing_time(),
            ExtendedKeyUsage::CodeSigning
        )),
        CertificateProblem::CaAsLeaf
    );
    assert!(
        ParsedCertificate::parse(&intermediate)
            .unwrap()
            .is_ca()
            .unwrap()
    );
    assert!(
        !ParsedCertificate::parse(&c.leaf())
            .unwrap()
            .is_ca()
            .unwrap()
    );
}

#[test]
fn tampered_certificates_are_refused() {
    let c = case("rekor2-happy-path");
    let cas = c.fulcio();
    let leaf = c.leaf();
    // Last byte: inside the issuer's ECDSA signature.
    let mut bad_sig = leaf.clone();
    let n = bad_sig.len();
    bad_sig[n - 3] ^= 1;
    // A byte of the subject public key: signature over the TBS no longer matches.
    let spki = ParsedCertificate::parse(&leaf).unwrap().spki_der().unwrap();
    let at = leaf
        .windows(spki.len())
        .position(|w| w == spki.as_slice())
        .unwrap();
    let mut bad_key = leaf.clone();
    bad_key[at + spki.len() - 1] ^= 1;
    for bad in [&bad_sig, &bad_key] {
        let p = problem(verify_chain(
            bad,
            &[],
            &cas,
            signing_time(),
            ExtendedKeyUsage::CodeSigning,
        ));
        assert!(
            matches!(p, CertificateProblem::BadSignature { .. }),
            "{p:?}"
        );
    }
    // Truncated / trailing bytes / garbage.
    for bytes in [
        &leaf[..leaf.len() - 1],
        &[leaf.as_slice(), &[0]].concat()[..],
        b"\x30\x03abc",
    ] {
        let p = problem(verify_chain(
            bytes,
            &[],
            &cas,
            signing_time(),
            ExtendedKeyUsage::CodeSigning,
        ));
        assert!(matches!(p, CertificateProblem::Malformed { .. }), "{p:?}");
    }
    // Too large.
    let huge = vec![0u8; 1 << 20];
    assert!(matches!(
        verify_chain(
            &huge,
            &[],
            &cas,
            signing_time(),
            ExtendedKeyUsage::CodeSigning
        ),
        Err(TransparencyError::LimitExceeded { .. })
    ));
    // A negative time.
    assert!(verify_chain(&leaf, &[], &cas, -1, ExtendedKeyUsage::CodeSigning).is_err());
}

#[test]
fn tsa_certificate_chains_for_time_stamping() {
    let c = case("rekor2-happy-path");
    let tsas = c.tsas();
    let tsa_leaf = tsas[0].chain[0].clone();
    let v = verify_chain(
        &tsa_leaf,
        &[],
        &tsas,
        signing_time(),
        ExtendedKeyUsage::TimeStamping,
    )
    .unwrap();
    assert_eq!(v.chain.len(), 2);
    assert!(matches!(
        problem(verify_chain(
            &tsa_leaf,
            &[],
            &tsas,
            signing_time(),
            ExtendedKeyUsage::CodeSigning
        )),
        CertificateProblem::WrongExtendedKeyUsage {
            required: "codeSigning",
            ..
        }
    ));
    let parsed = ParsedCertificate::parse(&tsa_leaf).unwrap();
    let (critical, purposes) = parsed.extended_key_usage().unwrap().unwrap();
    assert!(critical);
    assert_eq!(purposes, ["1.3.6.1.5.5.7.3.8"]);
    // P-384: not one of the crate's key types, so a typed refusal (the signature check of the
    // certificate itself goes through webpki and works).
    assert!(matches!(
        problem(parsed.public_key()),
        CertificateProblem::UnsupportedKey { .. }
    ));
}

#[test]
fn leaf_accessors_and_signature() {
    let c = case("rekor2-happy-path");
    let leaf = ParsedCertificate::parse(&c.leaf()).unwrap();
    let key = leaf.public_key().unwrap();
    assert_eq!(key.spki_der(), leaf.spki_der().unwrap().as_slice());
    let (critical, issuer) = leaf.extension("1.3.6.1.4.1.57264.1.1").unwrap().unwrap();
    assert!(!critical);
    assert_eq!(issuer, b"https://token.actions.githubusercontent.com");
    assert!(leaf.extension("1.2.3.4").unwrap().is_none());
    assert!(leaf.extension("not an oid").is_err());
    let artifact = std::fs::read(sigstore_cases::data_dir().join("a.txt")).unwrap();
    let sig = c.signature();
    leaf.verify_signature(SignatureHash::Sha256, &artifact, &sig)
        .unwrap();
    key.verify(&artifact, &sig).unwrap();
    assert!(matches!(
        problem(leaf.verify_signature(SignatureHash::Sha256, b"other", &sig)),
        CertificateProblem::BadSignature { .. }
    ));
    assert!(matches!(
        problem(leaf.verify_signature(SignatureHash::Sha384, &artifact, &sig)),
        CertificateProblem::BadSignature { .. }
    ));
    assert_eq!(leaf.serial().len(), 20);
    assert!(!leaf.issuer_der().unwrap().is_empty());
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The tamper suite (issue 12): small real artifacts of the golden path, made with the library,
//! and for every byte position one flipped bit (bit `position % 8`, so every bit of a byte is
//! exercised along the artifact) must make verification — or the store's read check — fail with
//! the expected kind of error. Also the confused deputy: an attestation or an SBOM for image A
//! presented for image B is refused.
//!
//! Covered elsewhere and not repeated here: a snapshot with any flipped byte fails to load
//! (`stella-scan` `vuln::snapshot` unit test `every_flipped_byte_fails_to_load`, and
//! `cli_db.rs` `a_flipped_byte_fails_to_load`); replay with a snapshot other than the manifest's
//! pin is refused (`cli_replay.rs`, "not the pinned snapshot"); a layer, manifest or config whose
//! bytes do not match their digest (`stella-scan/tests/malicious_images.rs`).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;

use serde_json::json;
use stella::store::FsBlobStore;
use stella_attest::AttestError;
use stella_attest::dsse::{DsseError, Envelope, Keyring};
use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
use stella_attest::predicates::{CycloneDxBom, PolicyDecision, Predicate};
use stella_attest::statement::{Statement, StatementError, StatementPolicy};
use stella_attest::transparency::note::NoteVerifier;
use stella_attest::transparency::{MemoryLog, TransparencyError, verify_receipt};
use stella_core::{
    BlobStore, CoreError, Digest, FixedClock, LogReceipt, SignatureAlgorithm, Timestamp,
    TransparencyLog, canonical,
};
use stella_policy::{BuiltinOptions, DecisionRecord, Gate, GateInput, GateOptions, builtin_bundle};
use stella_scan::SbomInputError;
use stella_scan::sbom_input::read_sbom;
use stella_vex::{Document, VexError, VexSource, sign_document};

fn new_signer() -> (LocalSigner<SystemRandom>, Keyring) {
    let rng = SystemRandom::new();
    let key = PrivateKey::generate(SignatureAlgorithm::Ed25519, &rng).unwrap();
    let mut ring = Keyring::new();
    ring.add(key.public_key().clone()).unwrap();
    (LocalSigner::new(key, rng).unwrap(), ring)
}

fn image_a() -> Digest {
    Digest::of(b"image A manifest")
}

fn image_b() -> Digest {
    Digest::of(b"image B manifest")
}

/// A small CycloneDX 1.6 SBOM of image A.
fn sbom_of(image: Digest) -> Vec<u8> {
    canonical::to_canonical_vec(&json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": {"type": "container", "name": "app", "version": image.to_string()}},
        "components": [{"type": "library", "name": "requests", "version": "2.19.1",
                        "purl": "pkg:pypi/requests@2.19.1"}]
    }))
    .unwrap()
}

/// Flips bit `i % 8` of byte `i`, for every `i`, and checks that `verify` fails each time with
/// an error whose kind (from `kind`) is one of `allowed`. Returns how many flips gave each kind.
fn every_flip_fails<E: Debug>(
    what: &str,
    artifact: &[u8],
    verify: impl Fn(&[u8]) -> Result<(), E>,
    kind: impl Fn(&E) -> &'static str,
    allowed: &[&str],
) -> BTreeMap<&'static str, usize> {
    every_flip_fails_except(what, artifact, &[], verify, kind, allowed)
}

/// [`every_flip_fails`], except that in the `unsigned` byte ranges a flip may also verify
/// (counted as `unsigned`): DSSE's `keyid` is an unauthenticated hint (DSSE protocol: "MUST NOT
/// be used for security decisions"), so a changed hint still verifies by trying every trusted
/// key. A stored envelope is still protected there by the store's digest check.
fn every_flip_fails_except<E: Debug>(
    what: &str,
    artifact: &[u8],
    unsigned: &[std::ops::Range<usize>],
    verify: impl Fn(&[u8]) -> Result<(), E>,
    kind: impl Fn(&E) -> &'static str,
    allowed: &[&str],
) -> BTreeMap<&'static str, usize> {
    verify(artifact).unwrap_or_else(|e| panic!("{what}: the untouched artifact fails: {e:?}"));
    let mut kinds = BTreeMap::new();
    for i in 0..artifact.len() {
        let mut bytes = artifact.to_vec();
        bytes[i] ^= 1 << (i % 8);
        match verify(&bytes) {
            Ok(()) if unsigned.iter().any(|r| r.contains(&i)) => {
                *kinds.entry("unsigned").or_default() += 1;
            }
            Ok(()) => panic!(
                "{what}: flipping bit {} of byte {i} ({:?} -> {:?}) went undetected",
                i % 8,
                artifact[i] as char,
                bytes[i] as char
            ),
            Err(e) => {
                let k = kind(&e);
                assert!(
                    allowed.contains(&k),
                    "{what}: byte {i}: unexpected error kind {k}: {e:?}"
                );
                *kinds.entry(k).or_default() += 1;
            }
        }
    }
    assert_eq!(kinds.values().sum::<usize>(), artifact.len());
    kinds
}

/// The byte ranges of every `keyid` value in envelope JSON (the DSSE unauthenticated hint).
fn keyid_ranges(envelope: &[u8]) -> Vec<std::ops::Range<usize>> {
    let key = b"\"keyid\":\"";
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = envelope[from..].windows(key.len()).position(|w| w == key) {
        let start = from + at + key.len();
        let len = envelope[start..].iter().position(|&b| b == b'"').unwrap();
        out.push(start..start + len);
        from = start + len;
    }
    assert!(!out.is_empty(), "no keyid in the envelope");
    out
}

fn attest_kind(e: &AttestError) -> &'static str {
    match e {
        AttestError::Dsse(DsseError::EnvelopeJson { .. }) => "envelope-json",
        AttestError::Dsse(DsseError::Base64 { .. }) => "base64",
        AttestError::Dsse(DsseError::PayloadTypeNotAllowed { .. }) => "payload-type",
        AttestError::Dsse(
            DsseError::Signature { .. }
            | DsseError::NoKeyVerified { .. }
            | DsseError::UnknownKeyId { .. }
            | DsseError::ThresholdNotMet { .. },
        ) => "signature",
        AttestError::Statement(StatementError::SubjectMismatch { .. }) => "subject",
        AttestError::Statement(_) => "statement",
        _ => "other",
    }
}

const ENVELOPE_KINDS: [&str; 4] = ["envelope-json", "base64", "payload-type", "signature"];

/// The SBOM attestation of image A: an in-toto statement (subject: the image) with the
/// CycloneDX SBOM as predicate, in a DSSE envelope.
fn sbom_attestation(signer: &LocalSigner<SystemRandom>) -> Vec<u8> {
    let predicate: serde_json::Value = serde_json::from_slice(&sbom_of(image_a())).unwrap();
    Statement::builder()
        .subject("app", image_a())
        .predicate(&CycloneDxBom(predicate))
        .unwrap()
        .build()
        .unwrap()
        .sign(&[signer])
        .unwrap()
        .to_json()
        .unwrap()
}

fn verify_sbom_attestation(bytes: &[u8], ring: &Keyring, image: Digest) -> Result<(), AttestError> {
    let envelope = Envelope::from_json(bytes)?;
    StatementPolicy::new()
        .allow_predicate_type(CycloneDxBom::PREDICATE_TYPE)
        .expect_subject(image)
        .verify(&envelope, ring)
        .map(drop)
}

#[test]
fn sbom_attestation_every_flipped_bit_is_refused() {
    let (signer, ring) = new_signer();
    let envelope = sbom_attestation(&signer);
    let kinds = every_flip_fails_except(
        "SBOM attestation",
        &envelope,
        &keyid_ranges(&envelope),
        |b| verify_sbom_attestation(b, &ring, image_a()),
        attest_kind,
        &ENVELOPE_KINDS,
    );
    // Most of the envelope is the base64 payload: those flips fail the signature.
    assert!(kinds["signature"] > envelope.len() / 2, "{kinds:?}");
}

#[test]
fn attestation_for_image_a_is_refused_for_image_b() {
    let (signer, ring) = new_signer();
    let envelope = sbom_attestation(&signer);
    verify_sbom_attestation(&envelope, &ring, image_a()).unwrap();
    let err = verify_sbom_attestation(&envelope, &ring, image_b()).unwrap_err();
    assert_eq!(attest_kind(&err), "subject", "{err:?}");
}

#[test]
fn scan_refuses_an_sbom_of_another_image() {
    let sbom = read_sbom(&sbom_of(image_a())).unwrap();
    sbom.check_subject(&image_a()).unwrap();
    match sbom.check_subject(&image_b()) {
        Err(SbomInputError::SubjectMismatch { expected, stated }) => {
            assert_eq!((expected, stated), (image_b(), Some(image_a())))
        }
        other => panic!("{other:?}"),
    }
    // An SBOM that names no image cannot stand for any image.
    let anonymous =
        read_sbom(br#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[]}"#)
            .unwrap();
    assert!(matches!(
        anonymous.check_subject(&image_a()),
        Err(SbomInputError::SubjectMismatch { stated: None, .. })
    ));
}

fn transparency_kind(e: &TransparencyError) -> &'static str {
    match e {
        TransparencyError::NoteFormat { .. } | TransparencyError::InvalidField { .. } => {
            "checkpoint-format"
        }
        TransparencyError::BadSignature { .. } | TransparencyError::NoTrustedSignature { .. } => {
            "checkpoint-signature"
        }
        TransparencyError::Mismatch { .. } | TransparencyError::CheckpointMismatch { .. } => {
            "mismatch"
        }
        TransparencyError::RootMismatch { .. }
        | TransparencyError::IndexOutOfRange { .. }
        | TransparencyError::ProofLength { .. }
        | TransparencyError::EmptyTree { .. } => "proof",
        _ => "other",
    }
}

#[derive(Debug)]
enum ReceiptError {
    Parse(#[allow(dead_code)] CoreError),
    Verify(TransparencyError),
}

#[test]
fn inclusion_proof_and_checkpoint_every_flipped_bit_is_refused() {
    let (signer, _) = new_signer();
    let (log_key, _) = new_signer();
    let public = log_key.public_key().clone();
    let log = MemoryLog::new("stella.example/log", Arc::new(log_key)).unwrap();
    // A few entries before and after, so the proof has hashes on both sides.
    for i in 0..5u8 {
        log.append(&[i]).unwrap();
    }
    let entry = sbom_attestation(&signer);
    let receipt = log.append(&entry).unwrap();
    assert!(receipt.inclusion_proof.hashes.len() >= 2);
    let trusted = [NoteVerifier::new(
        "stella.example/log",
        public.spki_der(),
        Arc::new(public.clone()),
    )
    .unwrap()];
    let stored = canonical::to_canonical_vec(&receipt).unwrap();
    let check = |bytes: &[u8]| -> Result<(), ReceiptError> {
        let receipt: LogReceipt =
            canonical::from_slice_strict(bytes).map_err(ReceiptError::Parse)?;
        verify_receipt(&entry, &receipt, &trusted)
            .map(drop)
            .map_err(ReceiptError::Verify)
    };
    let kinds = every_flip_fails(
        "log receipt",
        &stored,
        check,
        |e| match e {
            ReceiptError::Parse(_) => "json",
            ReceiptError::Verify(t) => transparency_kind(t),
        },
        &[
            "json",
            "checkpoint-format",
            "checkpoint-signature",
            "mismatch",
            "proof",
        ],
    );
    for k in ["json", "checkpoint-signature", "mismatch", "proof"] {
        assert!(kinds.contains_key(k), "no flip gave {k}: {kinds:?}");
    }
    // The checkpoint note alone, as stored in a checkpoint file: every flip is refused too.
    let note = receipt.checkpoint.0.clone();
    every_flip_fails(
        "checkpoint",
        note.as_bytes(),
        |b| {
            let mut r = receipt.clone();
            r.checkpoint.0 = String::from_utf8(b.to_vec()).map_err(|_| "utf-8")?;
            verify_receipt(&entry, &r, &trusted)
                .map(drop)
                .map_err(|e| transparency_kind(&e))
        },
        |k: &&'static str| k,
        &["utf-8", "checkpoint-format", "checkpoint-signature"],
    );
    // The entry itself changed: its leaf hash no longer matches.
    let mut other = entry.clone();
    other[10] ^= 1;
    assert!(matches!(
        verify_receipt(&other, &receipt, &trusted),
        Err(TransparencyError::Mismatch {
            field: "leaf hash",
            ..
        })
    ));
}

fn vex_document() -> Document {
    Document::parse(
        &canonical::to_canonical_vec(&json!({
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "https://example.com/vex/1",
            "author": "vendor@example.com",
            "timestamp": "2024-01-01T00:00:00Z",
            "version": 1,
            "statements": [{"vulnerability": {"name": "CVE-2024-7"},
                            "products": [{"@id": "pkg:npm/x@1.0.0"}],
                            "status": "not_affected",
                            "justification": "component_not_present"}]
        }))
        .unwrap(),
    )
    .unwrap()
}

#[test]
fn signed_openvex_every_flipped_bit_is_refused() {
    let (signer, ring) = new_signer();
    let envelope = sign_document(&vex_document(), &[("app".into(), image_a())], &signer).unwrap();
    assert_eq!(
        VexSource::signed(&envelope, &ring).unwrap().document,
        vex_document()
    );
    every_flip_fails_except(
        "signed OpenVEX",
        &envelope,
        &keyid_ranges(&envelope),
        |b| VexSource::signed(b, &ring).map(drop),
        |e| match e {
            VexError::Signature { source } => attest_kind(source),
            _ => "other",
        },
        &ENVELOPE_KINDS,
    );
}

/// A decision record and its signed statement; verification as a consumer does it: the
/// envelope verifies for the image with the policy-decision predicate, the record parses, and
/// the record's digest is the `decision-record` input the signature covers.
fn verify_decision(
    record: &[u8],
    envelope: &[u8],
    ring: &Keyring,
    image: Digest,
) -> Result<(), &'static str> {
    let envelope = Envelope::from_json(envelope).map_err(|e| attest_kind(&e))?;
    let verified = StatementPolicy::new()
        .allow_predicate_type(PolicyDecision::PREDICATE_TYPE)
        .expect_subject(image)
        .verify(&envelope, ring)
        .map_err(|e| attest_kind(&e))?;
    let decision: PolicyDecision = verified
        .statement()
        .predicate_as()
        .map_err(|_| "predicate")?;
    let parsed = DecisionRecord::from_json(record).map_err(|_| "record-json")?;
    let signed = decision
        .inputs
        .iter()
        .find(|i| i.name == "decision-record")
        .ok_or("predicate")?;
    if signed.digest != Digest::of(record) {
        return Err("record-digest");
    }
    if parsed.image_digest != Some(image) {
        return Err("subject");
    }
    Ok(())
}

#[test]
fn decision_record_and_its_envelope_every_flipped_bit_is_refused() {
    let (signer, ring) = new_signer();
    let bundle = builtin_bundle(BuiltinOptions::default()).unwrap();
    let gate = Gate::new(&bundle, GateOptions::default()).unwrap();
    let input = GateInput::from_json(
        format!(
            r#"{{"image": {{"digest": "{}"}}, "scan": {{}}, "findings": [], "vex": [],
                 "attestations": [], "waivers": []}}"#,
            image_a()
        )
        .as_bytes(),
    )
    .unwrap();
    let clock = FixedClock::new(Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap());
    let record = gate.decide(&input, &bundle, &clock, "ci@example").unwrap();
    let record_bytes = record.to_canonical_json().unwrap();
    let envelope = record.sign(&[&signer]).unwrap().to_json().unwrap();
    verify_decision(&record_bytes, &envelope, &ring, image_a()).unwrap();
    assert_eq!(
        verify_decision(&record_bytes, &envelope, &ring, image_b()),
        Err("subject")
    );
    every_flip_fails(
        "decision record",
        &record_bytes,
        |b| verify_decision(b, &envelope, &ring, image_a()),
        |k: &&'static str| k,
        &["record-json", "record-digest"],
    );
    every_flip_fails_except(
        "decision envelope",
        &envelope,
        &keyid_ranges(&envelope),
        |b| verify_decision(&record_bytes, b, &ring, image_a()),
        |k: &&'static str| k,
        &ENVELOPE_KINDS,
    );
}

#[test]
fn stored_blob_every_flipped_bit_fails_the_read_check() {
    let dir = tempfile::tempdir().unwrap();
    let store = FsBlobStore::open(dir.path()).unwrap();
    let blob = sbom_of(image_a());
    let digest = store.put(&blob).unwrap();
    let path = store.path_of(&digest);
    let write = |bytes: &[u8]| {
        let mut perms = std::fs::metadata(&path).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&path, perms).unwrap();
        std::fs::write(&path, bytes).unwrap();
    };
    every_flip_fails(
        "stored blob",
        &blob,
        |b| {
            write(b);
            store.get(&digest).map(drop)
        },
        |e| match e {
            CoreError::DigestMismatch { expected, .. } if *expected == digest => "digest",
            _ => "other",
        },
        &["digest"],
    );
    write(&blob);
    assert_eq!(store.get(&digest).unwrap(), blob);
}

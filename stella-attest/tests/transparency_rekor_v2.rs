#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! Rekor v2 entries (transparency::rekor_v2) on the sigstore-conformance rekor2-* bundles: every
//! case's log entry gives the result expected at this layer (the `_fail` cases that concern the
//! entry, checkpoint or inclusion proof each with its specific error), plus tampering.

mod sigstore_cases;

use serde_json::Value;
use sigstore_cases::{Case, b64, case, cases};
use stella_attest::keys::PublicKey;
use stella_attest::transparency::TransparencyError;
use stella_attest::transparency::rekor::RekorInclusionProof;
use stella_attest::transparency::rekor_v2::{
    EntryBodyV2, LoggedContent, LoggedHashAlgorithm, LoggedSigner, RekorV2Entry, RekorV2Log,
    VerifiedV2Entry, verify_entry,
};
use stella_attest::transparency::timestamp::verify_timestamp;
use stella_attest::transparency::x509::TimeWindow;
use stella_core::MerkleHash;

fn hash32(s: &str) -> MerkleHash {
    MerkleHash(b64(s).try_into().unwrap())
}

fn entry_of(v: &Value) -> RekorV2Entry {
    let proof = &v["inclusionProof"];
    RekorV2Entry {
        kind: v["kindVersion"]["kind"].as_str().unwrap().to_string(),
        version: v["kindVersion"]["version"].as_str().unwrap().to_string(),
        log_id: b64(v["logId"]["keyId"].as_str().unwrap()),
        log_index: v["logIndex"].as_str().unwrap().parse().unwrap(),
        body: b64(v["canonicalizedBody"].as_str().unwrap()),
        inclusion_proof: proof.as_object().map(|_| RekorInclusionProof {
            log_index: proof["logIndex"].as_str().unwrap().parse().unwrap(),
            root_hash: hash32(proof["rootHash"].as_str().unwrap()),
            tree_size: proof["treeSize"].as_str().unwrap().parse().unwrap(),
            hashes: proof["hashes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| hash32(h.as_str().unwrap()))
                .collect(),
            checkpoint: proof["checkpoint"]["envelope"].as_str().map(str::to_string),
        }),
    }
}

fn logs(c: &Case) -> Vec<RekorV2Log> {
    c.root["tlogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let key = PublicKey::from_spki_der(&b64(t["publicKey"]["rawBytes"].as_str().unwrap()))
                .unwrap();
            let window = TimeWindow {
                start: t["publicKey"]["validFor"]["start"]
                    .as_str()
                    .map(sigstore_cases::unix),
                end: t["publicKey"]["validFor"]["end"]
                    .as_str()
                    .map(sigstore_cases::unix),
            };
            let log =
                RekorV2Log::from_base_url(t["baseUrl"].as_str().unwrap(), &key, window).unwrap();
            // The trusted root's log id is the one derived from origin and key.
            assert_eq!(
                log.log_id().as_slice(),
                b64(t["logId"]["keyId"].as_str().unwrap()).as_slice(),
                "{}",
                c.name
            );
            log
        })
        .collect()
}

/// Verifies a case's first entry with everything taken from the bundle.
fn verify_case(c: &Case, entry: &RekorV2Entry) -> Result<VerifiedV2Entry, TransparencyError> {
    let b = &c.bundle;
    let leaf = c.leaf();
    let signer = LoggedSigner::Certificate(&leaf);
    let signing_time = c
        .timestamps()
        .first()
        .and_then(|t| verify_timestamp(t, &c.signature(), &c.tsas()).ok())
        .map(|v| v.time);
    if let Some(env) = b.get("dsseEnvelope") {
        let payload = b64(env["payload"].as_str().unwrap());
        let sigs: Vec<Vec<u8>> = env["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| b64(s["sig"].as_str().unwrap()))
            .collect();
        let sig_refs: Vec<&[u8]> = sigs.iter().map(Vec::as_slice).collect();
        let content = LoggedContent::Envelope {
            payload_type: env["payloadType"].as_str().unwrap(),
            payload: &payload,
            signatures: &sig_refs,
        };
        verify_entry(entry, &content, &signer, &logs(c), signing_time)
    } else {
        let md = &b["messageSignature"]["messageDigest"];
        let digest = b64(md["digest"].as_str().unwrap());
        let sig = c.signature();
        let content = LoggedContent::MessageSignature {
            algorithm: LoggedHashAlgorithm::from_proto_name(md["algorithm"].as_str().unwrap())
                .unwrap(),
            digest: &digest,
            signature: &sig,
        };
        verify_entry(entry, &content, &signer, &logs(c), signing_time)
    }
}

/// What this layer must say about each case's entry.
fn expected(name: &str) -> Result<(), fn(&TransparencyError) -> bool> {
    use TransparencyError as E;
    match name {
        "rekor2-checkpoint-missing-log-signature_fail"
        | "rekor2-checkpoint-missing-origin_fail"
        | "rekor2-checkpoint-missing-root-hash_fail"
        | "rekor2-checkpoint-missing-size_fail" => Err(|e| matches!(e, E::NoteFormat { .. })),
        // The origin line and the signature name both renamed: not this log's checkpoint.
        "rekor2-checkpoint-no-matching-signature_fail" => Err(|e| {
            matches!(
                e,
                E::CheckpointMismatch {
                    field: "origin",
                    ..
                }
            )
        }),
        "rekor2-dsse-invalid-sig_fail" | "rekor2-dsse-mismatch-sig_fail" => Err(|e| {
            matches!(
                e,
                E::Mismatch {
                    field: "signature",
                    ..
                }
            )
        }),
        "rekor2-dsse-mismatch-envelope_fail" => Err(|e| {
            matches!(
                e,
                E::Mismatch {
                    field: "digest of the envelope's PAE",
                    ..
                }
            )
        }),
        "rekor2-no-inclusion-proof_fail" => Err(|e| {
            matches!(
                e,
                E::MissingField {
                    what: "Rekor v2 entry",
                    ..
                }
            )
        }),
        // The other rekor2 _fail cases fail on their timestamp (transparency_timestamp.rs) or
        // on the signing certificate's validity at the timestamp; the entry itself is good.
        _ => Ok(()),
    }
}

#[test]
fn every_rekor2_case_entry_gives_the_expected_result() {
    let mut checked = 0;
    for (name, _) in cases() {
        let c = case(&name);
        let entry = c.tlog_entry();
        let kind = entry["kindVersion"]["kind"].as_str().unwrap();
        let version = entry["kindVersion"]["version"].as_str().unwrap();
        if !stella_attest::transparency::rekor_v2::is_v2_kind(kind, version) {
            assert!(!name.starts_with("rekor2-"), "{name}");
            continue;
        }
        let r = verify_case(&c, &entry_of(entry));
        match (expected(&name), r) {
            (Ok(()), Ok(v)) => {
                assert_eq!(v.log_index, entry_of(entry).log_index, "{name}");
                assert_eq!(v.body.kind(), "hashedrekord", "{name}");
            }
            (Err(is_expected), Err(e)) => assert!(is_expected(&e), "{name}: {e:?}"),
            (want, got) => panic!("{name}: expected ok={}, got {got:?}", want.is_ok()),
        }
        checked += 1;
    }
    assert_eq!(checked, 27);
}

fn happy() -> (Case, RekorV2Entry) {
    let c = case("rekor2-happy-path");
    let e = entry_of(c.tlog_entry());
    (c, e)
}

fn checkpoint_mut(e: &mut RekorV2Entry) -> &mut String {
    e.inclusion_proof
        .as_mut()
        .unwrap()
        .checkpoint
        .as_mut()
        .unwrap()
}

fn err(r: Result<VerifiedV2Entry, TransparencyError>) -> TransparencyError {
    r.expect_err("must fail")
}

#[test]
fn tampered_proofs_and_checkpoints_are_refused() {
    use TransparencyError as E;
    let (c, e) = happy();
    verify_case(&c, &e).unwrap();

    let mut t = e.clone();
    t.log_index -= 1;
    assert!(matches!(
        err(verify_case(&c, &t)),
        E::Mismatch {
            field: "inclusion proof logIndex",
            ..
        }
    ));
    t.inclusion_proof.as_mut().unwrap().log_index -= 1;
    assert!(matches!(err(verify_case(&c, &t)), E::RootMismatch { .. }));

    let mut t = e.clone();
    t.inclusion_proof.as_mut().unwrap().hashes[2].0[0] ^= 1;
    assert!(matches!(err(verify_case(&c, &t)), E::RootMismatch { .. }));

    let mut t = e.clone();
    t.inclusion_proof.as_mut().unwrap().hashes.pop();
    assert!(matches!(err(verify_case(&c, &t)), E::ProofLength { .. }));

    let mut t = e.clone();
    t.inclusion_proof.as_mut().unwrap().root_hash.0[0] ^= 1;
    assert!(matches!(
        err(verify_case(&c, &t)),
        E::CheckpointMismatch {
            field: "root hash",
            ..
        }
    ));

    let mut t = e.clone();
    t.inclusion_proof.as_mut().unwrap().tree_size += 1;
    assert!(matches!(
        err(verify_case(&c, &t)),
        E::CheckpointMismatch {
            field: "tree size",
            ..
        }
    ));

    // The log's own signature, one bit off: a known key that fails.
    let mut t = e.clone();
    let cp = checkpoint_mut(&mut t);
    let line_start = cp.rfind('\u{2014}').unwrap();
    let sig_at = cp[line_start..].rfind(' ').unwrap() + line_start + 10;
    let mut bytes = cp.clone().into_bytes();
    bytes[sig_at] = if bytes[sig_at] == b'A' { b'B' } else { b'A' };
    *cp = String::from_utf8(bytes).unwrap();
    assert!(
        matches!(err(verify_case(&c, &t)), E::BadSignature { .. }),
        "{:?}",
        verify_case(&c, &t)
    );

    // A checkpoint for another size, still signed: the body text no longer matches the
    // signature.
    let mut t = e.clone();
    let cp = checkpoint_mut(&mut t);
    *cp = cp.replacen("\n736\n", "\n737\n", 1);
    assert!(matches!(err(verify_case(&c, &t)), E::BadSignature { .. }));

    let mut t = e.clone();
    t.inclusion_proof.as_mut().unwrap().checkpoint = None;
    assert!(matches!(
        err(verify_case(&c, &t)),
        E::MissingField {
            field: "checkpoint",
            ..
        }
    ));
}

#[test]
fn tampered_entries_are_refused() {
    use TransparencyError as E;
    let (c, e) = happy();

    // One byte of the body: its leaf hash leaves the tree.
    let mut t = e.clone();
    let at = t.body.len() / 2;
    t.body[at] ^= 1;
    assert!(matches!(err(verify_case(&c, &t)), E::RootMismatch { .. }));

    let mut t = e.clone();
    t.log_id[0] ^= 1;
    assert!(matches!(err(verify_case(&c, &t)), E::UnknownLog { .. }));

    let mut t = e.clone();
    t.kind = "dsse".into();
    assert!(matches!(
        err(verify_case(&c, &t)),
        E::Mismatch {
            field: "kindVersion (the body has another kind)",
            ..
        }
    ));

    let mut t = e.clone();
    t.version = "0.0.1".into();
    assert!(matches!(
        err(verify_case(&c, &t)),
        E::UnsupportedEntryKind { .. }
    ));
}

/// The happy path's entry with its bundle's message digest, signature and certificate, and
/// its trusted root's logs.
struct Happy {
    c: Case,
    e: RekorV2Entry,
    logs: Vec<RekorV2Log>,
    digest: Vec<u8>,
    sig: Vec<u8>,
    leaf: Vec<u8>,
}

impl Happy {
    fn new() -> Self {
        let (c, e) = happy();
        let md = &c.bundle["messageSignature"]["messageDigest"];
        Self {
            logs: logs(&c),
            digest: b64(md["digest"].as_str().unwrap()),
            sig: c.signature(),
            leaf: c.leaf(),
            c,
            e,
        }
    }

    /// `entry` against a message signature `(algorithm, digest, signature)` by `signer`.
    fn check(
        &self,
        entry: &RekorV2Entry,
        algorithm: LoggedHashAlgorithm,
        digest: &[u8],
        signature: &[u8],
        signer: LoggedSigner<'_>,
        at: Option<i64>,
    ) -> Result<VerifiedV2Entry, TransparencyError> {
        let content = LoggedContent::MessageSignature {
            algorithm,
            digest,
            signature,
        };
        verify_entry(entry, &content, &signer, &self.logs, at)
    }

    /// `entry` against the bundle's own content.
    fn verify(
        &self,
        entry: &RekorV2Entry,
        at: Option<i64>,
    ) -> Result<VerifiedV2Entry, TransparencyError> {
        let signer = LoggedSigner::Certificate(&self.leaf);
        self.check(
            entry,
            LoggedHashAlgorithm::Sha256,
            &self.digest,
            &self.sig,
            signer,
            at,
        )
    }
}

#[test]
fn the_body_must_record_the_bundles_content_and_signer() {
    let h = Happy::new();
    let (e, digest, sig, leaf) = (&h.e, &h.digest, &h.sig, &h.leaf);
    let sha256 = LoggedHashAlgorithm::Sha256;
    h.verify(e, None).unwrap();
    let mut other_digest = digest.clone();
    other_digest[0] ^= 1;
    let mut other_sig = sig.clone();
    other_sig[5] ^= 1;
    let other_cert = h.c.fulcio()[0].chain[0].clone();
    let key = stella_attest::transparency::x509::ParsedCertificate::parse(leaf)
        .unwrap()
        .spki_der()
        .unwrap();
    let cert = LoggedSigner::Certificate(leaf);
    for (algorithm, d, s, signer, field) in [
        (sha256, &other_digest, sig, cert, "digest"),
        (
            LoggedHashAlgorithm::Sha384,
            digest,
            sig,
            cert,
            "digest algorithm",
        ),
        (sha256, digest, &other_sig, cert, "signature"),
        (
            sha256,
            digest,
            sig,
            LoggedSigner::Certificate(&other_cert),
            "verifier",
        ),
        (
            sha256,
            digest,
            sig,
            LoggedSigner::PublicKey(&key),
            "verifier",
        ),
    ] {
        match h.check(e, algorithm, d, s, signer, None) {
            Err(TransparencyError::Mismatch { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    // A message signature recorded, an envelope presented.
    let sigs: [&[u8]; 1] = [sig];
    let envelope = LoggedContent::Envelope {
        payload_type: "application/vnd.in-toto+json",
        payload: b"{}",
        signatures: &sigs,
    };
    assert!(matches!(
        err(verify_entry(e, &envelope, &cert, &h.logs, None)),
        TransparencyError::Mismatch {
            field: "digest of the envelope's PAE",
            ..
        }
    ));
}

#[test]
fn the_log_must_be_valid_at_the_signing_time() {
    let mut h = Happy::new();
    let start = h.logs[1].valid_for().start.unwrap();
    h.verify(&h.e, Some(start)).unwrap();
    assert!(matches!(
        err(h.verify(&h.e, Some(start - 1))),
        TransparencyError::LogNotValidAt { at, .. } if at == start - 1
    ));
    // Only the v1 log of the same trusted root: the entry's log is unknown.
    h.logs.remove(1);
    assert!(matches!(
        err(h.verify(&h.e, None)),
        TransparencyError::UnknownLog { .. }
    ));
}

#[test]
fn bodies_must_be_canonical_strict_and_complete() {
    let (_, e) = happy();
    let body = EntryBodyV2::parse(&e.body).unwrap();
    let EntryBodyV2::HashedRekord { data, signature } = &body else {
        panic!("{body:?}")
    };
    assert_eq!(data.algorithm, LoggedHashAlgorithm::Sha256);
    assert_eq!(signature.key_details, "PKIX_ECDSA_P256_SHA_256");
    let text = String::from_utf8(e.body.clone()).unwrap();
    let spaced = text.replacen(":", ": ", 1);
    assert!(matches!(
        EntryBodyV2::parse(spaced.as_bytes()),
        Err(TransparencyError::NotCanonical { .. })
    ));
    let duplicated = text.replacen(
        "{\"apiVersion\":\"0.0.2\",",
        "{\"apiVersion\":\"0.0.2\",\"apiVersion\":\"0.0.2\",",
        1,
    );
    assert!(matches!(
        EntryBodyV2::parse(duplicated.as_bytes()),
        Err(TransparencyError::Json { .. })
    ));
    let unknown = text.replacen("\"spec\":{", "\"spec\":{\"other\":1,", 1);
    assert!(EntryBodyV2::parse(unknown.as_bytes()).is_err());
    for (from, to) in [
        ("\"algorithm\":\"SHA2_256\"", "\"algorithm\":\"SHA2_384\""),
        (
            "\"keyDetails\":\"PKIX_ECDSA_P256_SHA_256\"",
            "\"keyDetails\":\"\"",
        ),
        ("\"x509Certificate\"", "\"publicKeyX\""),
        ("\"apiVersion\":\"0.0.2\"", "\"apiVersion\":\"0.0.3\""),
    ] {
        let changed = text.replacen(from, to, 1);
        assert_ne!(changed, text);
        assert!(EntryBodyV2::parse(changed.as_bytes()).is_err(), "{to}");
    }
}

/// Every single-byte change of the body or of the checkpoint (which carries only the log's
/// signature) is refused, and none panics.
#[test]
fn every_one_byte_change_of_body_or_checkpoint_is_refused() {
    let h = Happy::new();
    let e = &h.e;
    h.verify(e, None).unwrap();
    let mut t = e.clone();
    for i in 0..e.body.len() {
        t.body[i] ^= 0x20;
        assert!(h.verify(&t, None).is_err(), "body byte {i}");
        t.body[i] ^= 0x20;
    }
    let note = e
        .inclusion_proof
        .as_ref()
        .unwrap()
        .checkpoint
        .clone()
        .unwrap();
    for i in 0..note.len() {
        let mut bytes = note.clone().into_bytes();
        bytes[i] ^= 0x01;
        *checkpoint_mut(&mut t) = String::from_utf8_lossy(&bytes).into_owned();
        assert!(h.verify(&t, None).is_err(), "checkpoint byte {i}");
    }
}

/// A synthetic Rekor v2 log: `dsse` v0.0.2 and `hashedrekord` v0.0.2 entries written here
/// (no public dsse v0.0.2 bundle exists yet), in a tree signed by an Ed25519 or an ECDSA log key
/// with a witness cosignature beside it.
mod synthetic {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;
    use stella_attest::dsse::pae;
    use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
    use stella_attest::transparency::merkle::{MerkleTree, leaf_hash};
    use stella_attest::transparency::note::{Checkpoint, NoteSigner};
    use stella_core::SignatureAlgorithm;

    const ORIGIN: &str = "log2099.rekor.example.test";

    fn signer(alg: SignatureAlgorithm) -> LocalSigner<SystemRandom> {
        let rng = SystemRandom::new();
        LocalSigner::new(PrivateKey::generate(alg, &rng).unwrap(), rng).unwrap()
    }

    fn b64e(b: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    struct World {
        log: RekorV2Log,
        entry: RekorV2Entry,
        author_spki: Vec<u8>,
        payload: Vec<u8>,
        sig: Vec<u8>,
    }

    fn world(log_alg: SignatureAlgorithm, kind: &str) -> World {
        let author = signer(SignatureAlgorithm::EcdsaP256Sha256);
        let author_spki = author.public_key().spki_der().to_vec();
        let payload = br#"{"_type":"https://in-toto.io/Statement/v1"}"#.to_vec();
        let payload_type = "application/vnd.in-toto+json";
        let sig = author.sign(&pae(payload_type, &payload)).unwrap();
        let signature = json!({
            "content": b64e(&sig),
            "verifier": {"keyDetails": "PKIX_ECDSA_P256_SHA_256", "publicKey": {"rawBytes": b64e(&author_spki)}}
        });
        let body = if kind == "dsse" {
            json!({"apiVersion": "0.0.2", "kind": "dsse", "spec": {"dsseV002": {
                "payloadHash": {"algorithm": "SHA2_256", "digest": b64e(&LoggedHashAlgorithm::Sha256.digest(&payload))},
                "signatures": [signature]}}})
        } else {
            json!({"apiVersion": "0.0.2", "kind": "hashedrekord", "spec": {"hashedRekordV002": {
                "data": {"algorithm": "SHA2_384", "digest": b64e(&LoggedHashAlgorithm::Sha384.digest(&pae(payload_type, &payload)))},
                "signature": signature}}})
        };
        let body = stella_core::canonical::to_canonical_vec(&body).unwrap();
        let mut tree = MerkleTree::new();
        for i in 0u32..5 {
            tree.push(leaf_hash(&i.to_be_bytes()));
        }
        let index = tree.push(leaf_hash(&body));
        tree.push(leaf_hash(b"after"));
        let size = tree.size();
        let root = tree.root(size).unwrap();
        let log_key = signer(log_alg);
        let witness = signer(SignatureAlgorithm::Ed25519);
        let note = Checkpoint::new(ORIGIN, size, root)
            .sign(&[
                NoteSigner::new("witness.example.test", &witness).unwrap(),
                NoteSigner::new(ORIGIN, &log_key).unwrap(),
            ])
            .unwrap();
        let public = log_key.public_key().clone();
        let log = RekorV2Log::new(
            ORIGIN,
            public.spki_der(),
            Arc::new(public.clone()),
            TimeWindow::UNBOUNDED,
        )
        .unwrap();
        let entry = RekorV2Entry {
            kind: kind.into(),
            version: "0.0.2".into(),
            log_id: log.log_id().to_vec(),
            log_index: index,
            body,
            inclusion_proof: Some(RekorInclusionProof {
                log_index: index,
                root_hash: root,
                tree_size: size,
                hashes: tree.inclusion_proof(index, size).unwrap(),
                checkpoint: Some(note.0),
            }),
        };
        World {
            log,
            entry,
            author_spki,
            payload,
            sig,
        }
    }

    fn verify(w: &World, sigs: &[&[u8]], key: &[u8]) -> Result<VerifiedV2Entry, TransparencyError> {
        verify_entry(
            &w.entry,
            &LoggedContent::Envelope {
                payload_type: "application/vnd.in-toto+json",
                payload: &w.payload,
                signatures: sigs,
            },
            &LoggedSigner::PublicKey(key),
            std::slice::from_ref(&w.log),
            None,
        )
    }

    #[test]
    fn log_ids_follow_the_rekor_tiles_rule() {
        let ed = world(SignatureAlgorithm::Ed25519, "dsse");
        let ec = world(SignatureAlgorithm::EcdsaP256Sha256, "dsse");
        // ECDSA: SHA-256 of the SPKI (as a Rekor v1 log id); Ed25519: depends on the origin.
        use sha2::Digest;
        assert_eq!(
            ec.log.log_id().as_slice(),
            sha2::Sha256::digest(ec.log.spki_der()).as_slice()
        );
        assert_ne!(
            ed.log.log_id().as_slice(),
            sha2::Sha256::digest(ed.log.spki_der()).as_slice()
        );
    }

    #[test]
    fn dsse_and_hashedrekord_entries_verify_under_both_log_key_types() {
        for alg in [
            SignatureAlgorithm::Ed25519,
            SignatureAlgorithm::EcdsaP256Sha256,
        ] {
            for kind in ["dsse", "hashedrekord"] {
                let w = world(alg, kind);
                let v = verify(&w, &[&w.sig], &w.author_spki).unwrap();
                assert_eq!(v.body.kind(), kind);
                assert_eq!(v.checkpoint.origin, ORIGIN);
                // Another signature, another payload, another signer.
                let mut other = w.sig.clone();
                other[4] ^= 1;
                assert!(matches!(
                    verify(&w, &[&other], &w.author_spki),
                    Err(TransparencyError::Mismatch {
                        field: "signature",
                        ..
                    })
                ));
                let mut w2 = world(alg, kind);
                w2.payload.push(b' ');
                w2.sig = w.sig.clone();
                assert!(matches!(
                    verify(&w2, &[&w2.sig], &w2.author_spki),
                    Err(TransparencyError::Mismatch { .. })
                ));
                let stranger = signer(SignatureAlgorithm::EcdsaP256Sha256);
                assert!(matches!(
                    verify(&w, &[&w.sig], stranger.public_key().spki_der()),
                    Err(TransparencyError::Mismatch {
                        field: "verifier",
                        ..
                    })
                ));
                // A second envelope signature the entry does not record.
                assert!(verify(&w, &[&w.sig, &w.sig], &w.author_spki).is_err());
                // The checkpoint signed by the right origin but another key: untrusted.
                let mut w3 = world(alg, kind);
                w3.log = world(alg, kind).log;
                w3.entry.log_id = w3.log.log_id().to_vec();
                assert!(matches!(
                    verify(&w3, &[&w3.sig], &w3.author_spki),
                    Err(TransparencyError::NoTrustedSignature { .. })
                ));
            }
        }
    }

    #[test]
    fn a_dsse_entry_cannot_stand_for_a_message_signature() {
        let w = world(SignatureAlgorithm::Ed25519, "dsse");
        let digest = [0u8; 32];
        let r = verify_entry(
            &w.entry,
            &LoggedContent::MessageSignature {
                algorithm: LoggedHashAlgorithm::Sha256,
                digest: &digest,
                signature: &w.sig,
            },
            &LoggedSigner::PublicKey(&w.author_spki),
            std::slice::from_ref(&w.log),
            None,
        );
        assert!(matches!(r, Err(TransparencyError::Mismatch { .. })));
    }
}

#![cfg(test)] // clippy.toml's allow-*-in-tests then covers the helpers too (rust-clippy#11119)
//! The Rekor client against a loopback HTTP server that answers with recorded, real Rekor v1
//! responses (see `fixtures/rekor/README.md`) or with responses a small fake Rekor signs.
//! No test reaches the network.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use stella::rekor::{RekorClient, RekorError, RekorInputProblem, RekorJsonProblem};
use stella_attest::keys::{LocalSigner, PrivateKey, PublicKey, SystemRandom};
use stella_attest::transparency::TransparencyError;
use stella_attest::transparency::merkle::{self, MerkleTree};
use stella_attest::transparency::note::{Checkpoint, NoteSigner};
use stella_attest::transparency::rekor::{
    BodySignature, DsseV001, EntryBody, LogEntry, RekorHash, RekorLogKey,
};
use stella_core::{CoreError, Digest, JsonError, SignatureAlgorithm, Signer};

const B64: base64::engine::general_purpose::GeneralPurpose =
    base64::engine::general_purpose::STANDARD;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("tests/fixtures/rekor/{name}")).unwrap()
}

fn log_key(pub_file: &str) -> RekorLogKey {
    let pem = String::from_utf8(fixture(pub_file)).unwrap();
    RekorLogKey::from_public_key(&PublicKey::from_pem(&pem).unwrap())
}

#[derive(Debug, Clone)]
struct Request {
    method: String,
    target: String,
    body: Vec<u8>,
}

type Handler = dyn Fn(&Request) -> (u16, Vec<u8>) + Send + Sync;

/// A loopback HTTP/1.1 server: one request per connection, answered by `handler`.
struct Server {
    url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

fn serve(handler: impl Fn(&Request) -> (u16, Vec<u8>) + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = requests.clone();
    let handler: Arc<Handler> = Arc::new(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                continue;
            }
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or_default().to_owned();
            let target = parts.next().unwrap_or_default().to_owned();
            let mut length = 0usize;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                let header = header.trim_end();
                if header.is_empty() {
                    break;
                }
                if let Some((k, v)) = header.split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse().unwrap();
                    }
                }
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).unwrap();
            let request = Request {
                method,
                target,
                body,
            };
            let (status, response) = handler(&request);
            seen.lock().unwrap().push(request);
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                response.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&response);
        }
    });
    Server { url, requests }
}

/// The one key (the UUID) of a recorded response.
fn uuid_of(response: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(response).unwrap();
    v.as_object().unwrap().keys().next().unwrap().clone()
}

fn log_index_of(response: &[u8]) -> u64 {
    let v: serde_json::Value = serde_json::from_slice(response).unwrap();
    v.as_object().unwrap().values().next().unwrap()["logIndex"]
        .as_u64()
        .unwrap()
}

const RECORDED: [(&str, &str, &str); 3] = [
    (
        "staging-hashedrekord-entry.json",
        "staging-rekor.pub",
        "hashedrekord",
    ),
    ("production-dsse-entry.json", "production-rekor.pub", "dsse"),
    (
        "production-intoto-entry.json",
        "production-rekor.pub",
        "intoto",
    ),
];

#[test]
fn fetches_and_verifies_real_recorded_entries_by_uuid_and_by_index() {
    for (file, key, kind) in RECORDED {
        let response = fixture(file);
        let uuid = uuid_of(&response);
        let index = log_index_of(&response);
        let served = response.clone();
        let server = serve(move |_| (200, served.clone()));
        let client = RekorClient::new(&server.url, log_key(key)).unwrap();

        let entry = client.entry_by_uuid(&uuid).unwrap();
        assert_eq!(entry.uuid, uuid);
        assert_eq!(entry.verified.log_index, index);
        assert_eq!(entry.verified.body.kind(), kind);
        assert!(entry.verified.set_verified, "{file}: SET");
        assert!(entry.verified.checkpoint.is_some(), "{file}: checkpoint");
        // The 64-hex form (leaf hash without the tree id) names the same entry.
        let leaf = &uuid[uuid.len() - 64..];
        assert_eq!(client.entry_by_uuid(leaf).unwrap().uuid, uuid);

        let by_index = client.entry_by_index(index).unwrap();
        assert_eq!(by_index.entry, entry.entry);
        // The server answers every request with this entry: another index is refused.
        assert!(matches!(
            client.entry_by_index(index + 1),
            Err(RekorError::IndexMismatch { requested, returned }) if requested == index + 1 && returned == index
        ));
        // And so is another UUID.
        let other = format!("{:064x}", 7u8);
        assert!(matches!(
            client.entry_by_uuid(&other),
            Err(RekorError::UuidMismatch { .. })
        ));
        let requests = server.requests.lock().unwrap();
        assert_eq!(requests[0].method, "GET");
        assert_eq!(requests[0].target, format!("/api/v1/log/entries/{uuid}"));
        assert_eq!(
            requests[2].target,
            format!("/api/v1/log/entries?logIndex={index}")
        );
    }
}

/// Serves `bytes` for any request and fetches by index `index`.
fn fetch_with(
    bytes: Vec<u8>,
    key: &str,
    index: u64,
) -> Result<stella::rekor::RekorEntry, RekorError> {
    let server = serve(move |_| (200, bytes.clone()));
    RekorClient::new(&server.url, log_key(key))
        .unwrap()
        .entry_by_index(index)
}

fn edit_entry(response: &[u8], edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(response).unwrap();
    let entry = v.as_object_mut().unwrap().values_mut().next().unwrap();
    edit(entry);
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn tampered_or_incomplete_responses_are_refused() {
    let response = fixture("production-dsse-entry.json");
    let index = log_index_of(&response);
    let key = "production-rekor.pub";
    assert!(fetch_with(response.clone(), key, index).is_ok());

    // A proof hash changed: the proof no longer leads to the checkpoint's root.
    let bad_proof = edit_entry(&response, |e| {
        e["verification"]["inclusionProof"]["hashes"][3] = format!("{:064x}", 1).into();
    });
    assert!(matches!(
        fetch_with(bad_proof, key, index),
        Err(RekorError::Verify {
            source: TransparencyError::RootMismatch { .. },
            ..
        })
    ));
    // The integration time changed: the signed entry timestamp no longer verifies.
    let bad_time = edit_entry(&response, |e| {
        e["integratedTime"] = (e["integratedTime"].as_i64().unwrap() - 3600).into();
    });
    assert!(matches!(
        fetch_with(bad_time, key, index),
        Err(RekorError::Verify {
            source: TransparencyError::BadSignature { .. },
            ..
        })
    ));
    // Signed by a log we do not trust.
    assert!(matches!(
        fetch_with(response.clone(), "staging-rekor.pub", index),
        Err(RekorError::Verify {
            source: TransparencyError::UnknownLog { .. },
            ..
        })
    ));
    // No signed entry timestamp / no checkpoint.
    let no_set = edit_entry(&response, |e| {
        e["verification"]
            .as_object_mut()
            .unwrap()
            .remove("signedEntryTimestamp");
    });
    assert!(matches!(
        fetch_with(no_set, key, index),
        Err(RekorError::Incomplete { .. })
    ));
    let no_checkpoint = edit_entry(&response, |e| {
        e["verification"]["inclusionProof"]
            .as_object_mut()
            .unwrap()
            .remove("checkpoint");
    });
    assert!(matches!(
        fetch_with(no_checkpoint, key, index),
        Err(RekorError::Verify {
            source: TransparencyError::MissingField { .. },
            ..
        })
    ));
    // Another entry's body under this UUID.
    let other_body = edit_entry(&response, |e| {
        let staging = fixture("staging-hashedrekord-entry.json");
        let s: serde_json::Value = serde_json::from_slice(&staging).unwrap();
        e["body"] = s.as_object().unwrap().values().next().unwrap()["body"].clone();
    });
    assert!(matches!(
        fetch_with(other_body, key, index),
        Err(RekorError::UuidMismatch { .. })
    ));
    // Not JSON, duplicate keys, two entries.
    assert!(matches!(
        fetch_with(b"<html>".to_vec(), key, index),
        Err(RekorError::BadJson { .. })
    ));
    let text = String::from_utf8(response.clone()).unwrap();
    let dup = text.replacen("\"logIndex\"", "\"logIndex\": 1, \"logIndex\"", 1);
    assert!(matches!(
        fetch_with(dup.into_bytes(), key, index),
        Err(RekorError::BadJson {
            reason: RekorJsonProblem::Json(CoreError::Json(JsonError::DuplicateKey { .. })),
            ..
        })
    ));
    let two = format!(
        "{{\"{}\": {{}}, {}",
        "a".repeat(64),
        text.trim_start().strip_prefix('{').unwrap()
    );
    assert!(matches!(
        fetch_with(two.into_bytes(), key, index),
        Err(RekorError::BadJson {
            reason: RekorJsonProblem::NotOneEntry,
            ..
        })
    ));
}

#[test]
fn http_errors_are_typed_with_rekors_message() {
    // Rekor's error model (openapi `Error`): {"code": …, "message": …}.
    let server = serve(|r| {
        if r.target.contains("logIndex") {
            (
                404,
                br#"{"code":404,"message":"log entry not found"}"#.to_vec(),
            )
        } else {
            (500, b"oops".to_vec())
        }
    });
    let client = RekorClient::new(&server.url, log_key("production-rekor.pub")).unwrap();
    match client.entry_by_index(5) {
        Err(RekorError::Status {
            status: 404,
            message: Some(m),
            ..
        }) => assert_eq!(m, "log entry not found"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        client.entry_by_uuid(&"ab".repeat(32)),
        Err(RekorError::Status {
            status: 500,
            message: None,
            ..
        })
    ));
    assert!(matches!(
        client.entry_by_uuid("not-a-uuid"),
        Err(RekorError::BadInput {
            reason: RekorInputProblem::BadUuid { .. }
        })
    ));
    assert!(matches!(
        RekorClient::new("ftp://x", log_key("production-rekor.pub")),
        Err(RekorError::BadUrl { .. })
    ));
    // Nothing listening: a transport error, not a panic.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let client = RekorClient::new(&url, log_key("production-rekor.pub")).unwrap();
    assert!(matches!(
        client.entry_by_index(1),
        Err(RekorError::Transport { .. })
    ));
}

/// The signing certificate (PEM) recorded in a real entry's body.
fn recorded_verifier(response: &[u8]) -> String {
    let entry = LogEntry::from_api_json(response).unwrap();
    let pem = match EntryBody::parse(&entry.body).unwrap() {
        EntryBody::Dsse(d) => d.signatures[0].verifier_pem.clone(),
        EntryBody::Intoto(i) => i.signatures[0].verifier_pem.clone(),
        other => panic!("{other:?}"),
    };
    String::from_utf8(pem).unwrap()
}

#[test]
fn submitting_the_real_dsse_envelope_matches_the_real_recorded_entry() {
    let response = fixture("production-dsse-entry.json");
    let envelope = fixture("production-dsse-envelope.json");
    let pem = recorded_verifier(&response);
    let served = response.clone();
    let server = serve(move |_| (201, served.clone()));
    let client = RekorClient::new(&server.url, log_key("production-rekor.pub")).unwrap();
    let entry = client.submit_dsse(&envelope, &pem).unwrap();
    assert_eq!(entry.uuid, uuid_of(&response));

    // What was sent is a `dsse` v0.0.1 proposed entry carrying the envelope bytes verbatim.
    let sent = server.requests.lock().unwrap()[0].clone();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.target, "/api/v1/log/entries");
    let proposed: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(proposed["kind"], "dsse");
    assert_eq!(proposed["apiVersion"], "0.0.1");
    let content = &proposed["spec"]["proposedContent"];
    assert_eq!(
        content["envelope"].as_str().unwrap().as_bytes(),
        &envelope[..]
    );
    assert_eq!(
        B64.decode(content["verifiers"][0].as_str().unwrap())
            .unwrap(),
        pem.as_bytes()
    );

    // The same entry returned for another envelope: refused.
    let other = String::from_utf8(envelope.clone()).unwrap().replacen(
        "\"keyid\":\"\"",
        "\"keyid\":\"k\"",
        1,
    );
    assert!(matches!(
        client.submit_dsse(other.as_bytes(), &pem),
        Err(RekorError::BodyMismatch {
            field: "envelopeHash",
            ..
        })
    ));
    // Or with another verifier.
    let rng = SystemRandom::new();
    let stranger = PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &rng).unwrap();
    assert!(matches!(
        client.submit_dsse(&envelope, &stranger.public_key().to_pem()),
        Err(RekorError::BodyMismatch {
            field: "verifier",
            ..
        })
    ));
    // A status other than 201 Created.
    let conflict = serve(|_| {
        (
            409,
            br#"{"code":409,"message":"an equivalent entry already exists in the transparency log"}"#
                .to_vec(),
        )
    });
    let client = RekorClient::new(&conflict.url, log_key("production-rekor.pub")).unwrap();
    assert!(matches!(
        client.submit_dsse(&envelope, &pem),
        Err(RekorError::Status { status: 409, .. })
    ));
}

#[test]
fn submitting_the_real_intoto_envelope_matches_the_real_recorded_entry() {
    let response = fixture("production-intoto-entry.json");
    let envelope = fixture("production-intoto-envelope.json");
    let pem = recorded_verifier(&response);
    let served = response.clone();
    let server = serve(move |_| (201, served.clone()));
    let client = RekorClient::new(&server.url, log_key("production-rekor.pub")).unwrap();
    let entry = client.submit_intoto(&envelope, &pem).unwrap();
    assert_eq!(entry.verified.body.kind(), "intoto");

    // The proposed entry: envelope hash computed as Rekor does (it equals the real entry's
    // `hash`), payload and signature base64-encoded twice, the PEM base64-encoded.
    let sent = server.requests.lock().unwrap()[0].clone();
    let proposed: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(proposed["kind"], "intoto");
    assert_eq!(proposed["apiVersion"], "0.0.2");
    let content = &proposed["spec"]["content"];
    assert_eq!(
        content["hash"]["value"],
        "0fe845f4dcbf2f3386e91edfedab855c68d1a662c86723ea0e34668a3cd9b505"
    );
    assert_eq!(
        content["payloadHash"]["value"],
        "9b70a8a48e709d349d343042329f7da6c4660768c68630971cf5219398975a36"
    );
    let env: serde_json::Value = serde_json::from_slice(&envelope).unwrap();
    let once = |v: &serde_json::Value| {
        String::from_utf8(B64.decode(v.as_str().unwrap()).unwrap()).unwrap()
    };
    assert_eq!(once(&content["envelope"]["payload"]), env["payload"]);
    assert_eq!(
        once(&content["envelope"]["signatures"][0]["sig"]),
        env["signatures"][0]["sig"]
    );
    assert_eq!(
        once(&content["envelope"]["signatures"][0]["publicKey"]),
        pem
    );
    assert!(content["envelope"]["signatures"][0].get("keyid").is_none());

    // The recorded entry does not match the dsse kind, nor another payload type.
    assert!(matches!(
        client.submit_dsse(&envelope, &pem),
        Err(RekorError::BodyMismatch { .. })
    ));
    let other = String::from_utf8(envelope)
        .unwrap()
        .replace("application/vnd.in-toto+json", "text/plain");
    assert!(matches!(
        client.submit_intoto(other.as_bytes(), &pem),
        Err(RekorError::BodyMismatch {
            field: "payloadType",
            ..
        })
    ));
}

/// A one-tree fake Rekor for our own envelopes: canonicalizes a `dsse` proposed entry the way
/// Rekor does, appends it, and answers with the entry, SET and inclusion proof it signs.
struct FakeRekor {
    key: LocalSigner<SystemRandom>,
    tree: MerkleTree,
    entries: Vec<Vec<u8>>,
}

impl FakeRekor {
    fn new() -> Self {
        let rng = SystemRandom::new();
        let key = LocalSigner::new(
            PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &rng).unwrap(),
            rng,
        )
        .unwrap();
        Self {
            key,
            tree: MerkleTree::new(),
            entries: Vec::new(),
        }
    }

    fn log_key(&self) -> RekorLogKey {
        RekorLogKey::from_public_key(self.key.public_key())
    }

    fn create(&mut self, proposed: &[u8]) -> (u16, Vec<u8>) {
        let v: serde_json::Value = serde_json::from_slice(proposed).unwrap();
        if v["kind"] != "dsse" {
            return (
                400,
                br#"{"code":400,"message":"unsupported kind"}"#.to_vec(),
            );
        }
        let content = &v["spec"]["proposedContent"];
        let envelope = content["envelope"].as_str().unwrap();
        let verifier = B64
            .decode(content["verifiers"][0].as_str().unwrap())
            .unwrap();
        let env: serde_json::Value = serde_json::from_str(envelope).unwrap();
        let payload = B64.decode(env["payload"].as_str().unwrap()).unwrap();
        let body = EntryBody::Dsse(DsseV001 {
            envelope_hash: Some(RekorHash::sha256(&Digest::of(envelope.as_bytes()))),
            payload_hash: Some(RekorHash::sha256(&Digest::of(&payload))),
            signatures: env["signatures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| BodySignature {
                    signature: B64.decode(s["sig"].as_str().unwrap()).unwrap(),
                    verifier_pem: verifier.clone(),
                })
                .collect(),
        })
        .to_canonical_bytes()
        .unwrap();
        let index = self.tree.push(merkle::leaf_hash(&body));
        let response = self.entry_json(index, &body);
        self.entries.push(response.clone());
        (201, response)
    }

    fn entry_json(&self, index: u64, body: &[u8]) -> Vec<u8> {
        let size = self.tree.size();
        let root = self.tree.root(size).unwrap();
        let hashes = self.tree.inclusion_proof(index, size).unwrap();
        let checkpoint = Checkpoint::new("rekor.test - 42", size, root)
            .sign(&[NoteSigner::new("rekor.test", &self.key).unwrap()])
            .unwrap();
        let mut entry = LogEntry {
            body: body.to_vec(),
            integrated_time: 1_700_000_000 + index as i64,
            log_id: *self.log_key().log_id(),
            log_index: index,
            inclusion_proof: None,
            signed_entry_timestamp: None,
        };
        let set = self.key.sign(&entry.set_payload().unwrap()).unwrap();
        entry.signed_entry_timestamp = Some(set.clone());
        let uuid = format!("{:016x}{}", 42u64, hex::encode(merkle::leaf_hash(body).0));
        serde_json::to_vec(&serde_json::json!({ uuid: {
            "body": B64.encode(body),
            "integratedTime": entry.integrated_time,
            "logID": hex::encode(entry.log_id),
            "logIndex": index,
            "verification": {
                "inclusionProof": {
                    "checkpoint": checkpoint.0,
                    "hashes": hashes.iter().map(|h| hex::encode(h.0)).collect::<Vec<_>>(),
                    "logIndex": index,
                    "rootHash": hex::encode(root.0),
                    "treeSize": size,
                },
                "signedEntryTimestamp": B64.encode(&set),
            }
        }}))
        .unwrap()
    }
}

#[test]
fn round_trip_with_a_fake_rekor_for_our_own_envelopes() {
    use stella_attest::dsse::Envelope;
    let rng = SystemRandom::new();
    let author = LocalSigner::new(
        PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &rng).unwrap(),
        SystemRandom::new(),
    )
    .unwrap();
    let rekor = Arc::new(Mutex::new(FakeRekor::new()));
    let key = rekor.lock().unwrap().log_key();
    let fake = rekor.clone();
    let server = serve(move |r| {
        let mut rekor = fake.lock().unwrap();
        match (r.method.as_str(), r.target.as_str()) {
            ("POST", "/api/v1/log/entries") => rekor.create(&r.body),
            ("GET", t) if t.starts_with("/api/v1/log/entries?logIndex=") => {
                let i: usize = t.rsplit('=').next().unwrap().parse().unwrap();
                match rekor.entries.get(i) {
                    Some(e) => (200, e.clone()),
                    None => (404, br#"{"code":404,"message":"not found"}"#.to_vec()),
                }
            }
            ("GET", t) => {
                let uuid = t.rsplit('/').next().unwrap();
                let hit = rekor.entries.iter().find(|e| uuid_of(e).ends_with(uuid));
                match hit {
                    Some(e) => (200, e.clone()),
                    None => (404, Vec::new()),
                }
            }
            _ => (405, Vec::new()),
        }
    });
    let client = RekorClient::new(&format!("{}/", server.url), key).unwrap();
    let pem = author.public_key().to_pem();
    let mut uuids = Vec::new();
    for i in 0..5 {
        let statement = format!("{{\"_type\":\"https://in-toto.io/Statement/v1\",\"n\":{i}}}");
        let envelope = Envelope::sign(
            "application/vnd.in-toto+json",
            statement.clone().into_bytes(),
            &[&author as &dyn Signer],
        )
        .unwrap()
        .to_json()
        .unwrap();
        let entry = client.submit_dsse(&envelope, &pem).unwrap();
        assert_eq!(entry.verified.log_index, i);
        // The recorded body also passes stella-attest's envelope check with the author's key.
        let sig = &entry.entry;
        let body = EntryBody::parse(&sig.body).unwrap();
        let parsed = Envelope::from_json(&envelope).unwrap();
        let sigs: Vec<&[u8]> = parsed.signatures().iter().map(|s| s.sig()).collect();
        body.check_envelope(
            "application/vnd.in-toto+json",
            statement.as_bytes(),
            &sigs,
            author.public_key().spki_der(),
        )
        .unwrap();
        uuids.push(entry.uuid);
    }
    // Earlier entries now come back with proofs for the larger tree, still verified.
    for (i, uuid) in uuids.iter().enumerate() {
        let e = client.entry_by_uuid(uuid).unwrap();
        assert_eq!(e.verified.log_index, i as u64);
        assert_eq!(client.entry_by_index(i as u64).unwrap().uuid, *uuid);
    }
    assert!(matches!(
        client.entry_by_index(99),
        Err(RekorError::Status { status: 404, .. })
    ));
    // intoto is refused by this fake: the error carries Rekor's message.
    let envelope = Envelope::sign("text/plain", b"x".to_vec(), &[&author as &dyn Signer])
        .unwrap()
        .to_json()
        .unwrap();
    match client.submit_intoto(&envelope, &pem) {
        Err(RekorError::Status {
            status: 400,
            message: Some(m),
            ..
        }) => assert_eq!(m, "unsupported kind"),
        other => panic!("{other:?}"),
    }
    // Malformed input never reaches the server.
    let before = server.requests.lock().unwrap().len();
    assert!(matches!(
        client.submit_dsse(b"{\"payload\":1}", &pem),
        Err(RekorError::BadInput { .. })
    ));
    assert!(matches!(
        client.submit_dsse(&envelope, "not a pem"),
        Err(RekorError::BadInput {
            reason: RekorInputProblem::BadVerifier
        })
    ));
    assert_eq!(server.requests.lock().unwrap().len(), before);
}

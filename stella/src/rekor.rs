//! A Rekor v1 client: submit DSSE envelopes as `dsse` v0.0.1 or `intoto` v0.0.2 entries, fetch
//! entries by UUID or log index, and verify every entry it returns before handing it back.
//!
//! Nothing here runs unless a caller builds a [`RekorClient`] with a URL: there is no default
//! Rekor instance and no network use by any other part of Stella Ops (offline first). The
//! client is compiled in by default rather than behind a cargo feature because the `stella`
//! crate already links an HTTP stack (`ureq`, for registries), so a feature would save nothing
//! and would leave the CLI and the tests with two builds to keep working.
//!
//! What "verified" means for every entry returned ([`RekorEntry`]):
//! - the response is one entry, as JSON with duplicate keys refused, within a size limit;
//! - its UUID ends in the RFC 9162 leaf hash of its body (the body is the one the UUID names);
//! - [`LogEntry::verify`] with the log's key passed: log id, canonical body of a supported kind,
//!   the signed entry timestamp, the inclusion proof of the body's leaf, and the checkpoint's
//!   signature, size and root — both a SET and a proof with a checkpoint are required;
//! - for a fetch by UUID or index, it is the entry asked for; for a submission, its body
//!   records exactly the envelope submitted (payload hash, envelope hash, payload type,
//!   signatures and the verifier key or certificate).
//!
//! ```no_run
//! use stella::rekor::RekorClient;
//! use stella_attest::keys::PublicKey;
//! use stella_attest::transparency::rekor::RekorLogKey;
//!
//! let log_key = RekorLogKey::from_public_key(&PublicKey::from_pem(&std::fs::read_to_string("rekor.pub")?)?);
//! let client = RekorClient::new("https://rekor.example", log_key)?;
//! let envelope = std::fs::read("statement.dsse.json")?;
//! let signer_pem = std::fs::read_to_string("signer.pub")?;
//! let entry = client.submit_dsse(&envelope, &signer_pem)?;
//! println!("logged at index {} as {}", entry.verified.log_index, entry.uuid);
//! let again = client.entry_by_uuid(&entry.uuid)?;
//! assert_eq!(again.entry.body, entry.entry.body);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use stella_attest::transparency::TransparencyError;
use stella_attest::transparency::rekor::{
    BodySignature, EntryBody, LogEntry, RekorHash, RekorLogKey, VerifiedEntry,
};
use stella_core::{Digest, canonical};

/// The largest response body read from Rekor, in bytes (an entry body may be up to 16 MiB,
/// base64 in the response).
pub const MAX_RESPONSE_BYTES: u64 = 32 << 20;
/// The largest envelope accepted for submission, in bytes.
pub const MAX_ENVELOPE_BYTES: usize = 16 << 20;

const B64: base64::engine::general_purpose::GeneralPurpose =
    base64::engine::general_purpose::STANDARD;

/// What can go wrong talking to Rekor or checking what it returned.
///
/// Causes are typed where callers may branch on them: where our code picks the cause from a
/// fixed set, the variant carries a `#[non_exhaustive]` cause enum ([`RekorJsonProblem`], [`RekorInputProblem`]) whose `Display` is
/// the message text; match on the enum, never on the text. Where the text is another
/// library's message passed through, the cause carries that library's error type
/// (`CoreError`, `serde_json::Error`, `TransparencyError`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RekorError {
    /// The base URL is not an `http://` or `https://` URL.
    #[error("Rekor URL {url:?} is not an http(s) URL")]
    BadUrl {
        /// The URL given.
        url: String,
    },
    /// The request failed before a response arrived (connection, TLS, timeout, IO).
    #[error("Rekor request {url}: {source}")]
    Transport {
        /// The request URL.
        url: String,
        /// The HTTP client's error.
        source: Box<ureq::Error>,
    },
    /// Rekor answered with a status other than the expected one.
    #[error("Rekor {url} answered HTTP {status}{}", message.as_ref().map(|m| format!(": {m}")).unwrap_or_default())]
    Status {
        /// The request URL.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The `message` of Rekor's error JSON, if there was one (truncated).
        message: Option<String>,
    },
    /// The response is not the JSON of one log entry.
    #[error("Rekor {url} returned malformed JSON: {reason}")]
    BadJson {
        /// The request URL.
        url: String,
        /// What was wrong.
        reason: RekorJsonProblem,
    },
    /// The entry did not verify: log id, body, signed entry timestamp, inclusion proof or
    /// checkpoint.
    #[error("Rekor entry {uuid} does not verify: {source}")]
    Verify {
        /// The entry's UUID.
        uuid: String,
        /// Why.
        source: TransparencyError,
    },
    /// The entry lacks a signed entry timestamp or an inclusion proof with a checkpoint.
    #[error("Rekor entry {uuid} has no {missing}")]
    Incomplete {
        /// The entry's UUID.
        uuid: String,
        /// What is missing.
        missing: &'static str,
    },
    /// The entry's UUID does not name its body (or is not the UUID asked for).
    #[error("Rekor entry UUID {uuid} does not match {expected}")]
    UuidMismatch {
        /// The UUID in the response.
        uuid: String,
        /// What it should have matched (the requested UUID or the body's leaf hash).
        expected: String,
    },
    /// A fetch by index returned another index.
    #[error("asked Rekor for log index {requested}, got {returned}")]
    IndexMismatch {
        /// The index asked for.
        requested: u64,
        /// The index returned.
        returned: u64,
    },
    /// The entry's body is not the one for the envelope that was submitted.
    #[error("Rekor entry {uuid} is for a different envelope: {field} differs")]
    BodyMismatch {
        /// The entry's UUID.
        uuid: String,
        /// The first field found to differ.
        field: &'static str,
    },
    /// The envelope or verifier given for submission is malformed.
    #[error("cannot submit to Rekor: {reason}")]
    BadInput {
        /// What was wrong.
        reason: RekorInputProblem,
    },
}

/// Why a Rekor response is not the JSON of one log entry ([`RekorError::BadJson`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RekorJsonProblem {
    /// The body is not strict JSON (syntax, a duplicate key, …).
    #[error(transparent)]
    Json(stella_core::CoreError),
    /// The JSON is not an object with exactly one entry.
    #[error("expected an object holding one entry")]
    NotOneEntry,
    /// The one entry is not a Rekor log entry.
    #[error(transparent)]
    Entry(TransparencyError),
}

/// Why an envelope, verifier or UUID given to the client is refused
/// ([`RekorError::BadInput`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RekorInputProblem {
    /// The envelope is over the size limit.
    #[error("envelope is {size} bytes, more than {max}")]
    EnvelopeTooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The envelope is not strict JSON.
    #[error("envelope: {0}")]
    EnvelopeJson(#[source] stella_core::CoreError),
    /// The envelope is JSON but not a DSSE envelope.
    #[error("envelope: {0}")]
    EnvelopeShape(#[source] serde_json::Error),
    /// The envelope is not UTF-8.
    #[error("envelope is not UTF-8")]
    EnvelopeNotUtf8,
    /// The envelope's payload is not base64.
    #[error("envelope payload is not base64")]
    PayloadNotBase64,
    /// The envelope has no signatures.
    #[error("envelope has no signatures")]
    NoSignatures,
    /// A signature of the envelope is not base64.
    #[error("envelope signature is not base64")]
    SignatureNotBase64,
    /// The verifier is neither a PEM public key nor a PEM certificate.
    #[error("verifier is not a PEM public key or certificate")]
    BadVerifier,
    /// The envelope could not be written as canonical JSON.
    #[error(transparent)]
    Canonical(stella_core::CoreError),
    /// The proposed entry could not be encoded as JSON.
    #[error(transparent)]
    Encode(serde_json::Error),
    /// An entry UUID that is not 64 or 80 hex digits.
    #[error("entry UUID {uuid:?} is not 64 or 80 hex digits")]
    BadUuid {
        /// The UUID given (its first 100 characters).
        uuid: String,
    },
}

/// A Rekor entry that verified (see the [module docs](self) for what was checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekorEntry {
    /// The entry's UUID as Rekor names it (64 hex digits, or 80 with the tree id in front).
    pub uuid: String,
    /// The entry as returned, with its proof and signed entry timestamp.
    pub entry: LogEntry,
    /// What verification established (index, integrated time, parsed body, checkpoint).
    pub verified: VerifiedEntry,
}

/// A client of one Rekor v1 instance, trusting one log key.
#[derive(Debug)]
pub struct RekorClient {
    base: String,
    agent: ureq::Agent,
    log_key: RekorLogKey,
}

/// A DSSE envelope in its JSON form (fields as the DSSE spec names them).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEnvelope {
    payload: String,
    payload_type: String,
    signatures: Vec<WireEnvelopeSig>,
}

#[derive(Deserialize)]
struct WireEnvelopeSig {
    #[serde(default)]
    keyid: Option<String>,
    sig: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Proposed<S> {
    api_version: &'static str,
    kind: &'static str,
    spec: S,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProposedDsseSpec<'a> {
    proposed_content: ProposedDsseContent<'a>,
}

#[derive(Serialize)]
struct ProposedDsseContent<'a> {
    envelope: &'a str,
    verifiers: Vec<String>,
}

#[derive(Serialize)]
struct ProposedIntotoSpec {
    content: ProposedIntotoContent,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProposedIntotoContent {
    envelope: IntotoEnvelope,
    hash: RekorHash,
    payload_hash: RekorHash,
}

/// The envelope as an `intoto` v0.0.2 entry carries it: with the verifier in each signature.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IntotoEnvelope {
    payload: String,
    payload_type: String,
    signatures: Vec<IntotoSig>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IntotoSig {
    #[serde(skip_serializing_if = "Option::is_none")]
    keyid: Option<String>,
    public_key: String,
    sig: String,
}

#[derive(Deserialize)]
struct ApiError {
    #[serde(default)]
    message: Option<String>,
}

/// A parsed submission: the envelope's parts and the verifier.
struct Submission {
    envelope: WireEnvelope,
    payload: Vec<u8>,
    signatures: Vec<Vec<u8>>,
    verifier_der: Vec<u8>,
}

fn bad_input(reason: RekorInputProblem) -> RekorError {
    RekorError::BadInput { reason }
}

/// The DER of the first PEM block (a `PUBLIC KEY` or a `CERTIFICATE`).
fn pem_der(pem: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(pem).ok()?;
    let start = text.find("-----BEGIN ")?;
    let rest = text.get(start..)?;
    let body_start = rest.find('\n')? + 1;
    let body_end = rest.find("-----END ")?;
    let body: String = rest
        .get(body_start..body_end)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    B64.decode(body).ok()
}

fn parse_submission(envelope_json: &[u8], verifier_pem: &str) -> Result<Submission, RekorError> {
    if envelope_json.len() > MAX_ENVELOPE_BYTES {
        return Err(bad_input(RekorInputProblem::EnvelopeTooLarge {
            size: envelope_json.len(),
            max: MAX_ENVELOPE_BYTES,
        }));
    }
    canonical::validate_strict(envelope_json)
        .map_err(|e| bad_input(RekorInputProblem::EnvelopeJson(e)))?;
    let envelope: WireEnvelope = serde_json::from_slice(envelope_json)
        .map_err(|e| bad_input(RekorInputProblem::EnvelopeShape(e)))?;
    let payload = B64
        .decode(&envelope.payload)
        .map_err(|_| bad_input(RekorInputProblem::PayloadNotBase64))?;
    if envelope.signatures.is_empty() {
        return Err(bad_input(RekorInputProblem::NoSignatures));
    }
    let signatures = envelope
        .signatures
        .iter()
        .map(|s| B64.decode(&s.sig))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| bad_input(RekorInputProblem::SignatureNotBase64))?;
    let verifier_der = pem_der(verifier_pem.as_bytes())
        .ok_or_else(|| bad_input(RekorInputProblem::BadVerifier))?;
    Ok(Submission {
        envelope,
        payload,
        signatures,
        verifier_der,
    })
}

/// The `hash` of an `intoto` v0.0.2 entry: SHA-256 of the RFC 8785 JSON of the envelope with
/// the payload and signatures base64-encoded once, each signature carrying the verifier PEM
/// (and its `keyid` only when non-empty) — how Rekor and sigstore clients compute it.
fn intoto_envelope_hash(sub: &Submission, verifier_pem: &str) -> Result<Digest, RekorError> {
    let env = IntotoEnvelope {
        payload: sub.envelope.payload.clone(),
        payload_type: sub.envelope.payload_type.clone(),
        signatures: sub
            .envelope
            .signatures
            .iter()
            .map(|s| IntotoSig {
                keyid: s.keyid.clone().filter(|k| !k.is_empty()),
                public_key: verifier_pem.to_owned(),
                sig: s.sig.clone(),
            })
            .collect(),
    };
    let bytes = canonical::to_canonical_vec(&env)
        .map_err(|e| bad_input(RekorInputProblem::Canonical(e)))?;
    Ok(Digest::of(&bytes))
}

impl RekorClient {
    /// A client of the Rekor instance at `base_url` (`https://…`; `http://` is accepted for
    /// local instances), trusting `log_key`. Requests time out after 60 s and redirects are
    /// not followed.
    pub fn new(base_url: &str, log_key: RekorLogKey) -> Result<Self, RekorError> {
        if !(base_url.starts_with("https://") || base_url.starts_with("http://"))
            || base_url.contains(char::is_whitespace)
        {
            return Err(RekorError::BadUrl {
                url: base_url.chars().take(200).collect(),
            });
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(60)))
            .user_agent(concat!("stella/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Self {
            base: base_url.trim_end_matches('/').to_owned(),
            agent: ureq::Agent::new_with_config(config),
            log_key,
        })
    }

    /// The log key this client trusts.
    pub fn log_key(&self) -> &RekorLogKey {
        &self.log_key
    }

    /// Submits a DSSE envelope (its JSON bytes, sent as they are) as a `dsse` v0.0.1 entry
    /// whose signatures `verifier_pem` (a PEM public key or certificate) verifies, and returns
    /// the verified entry. Rekor's `envelopeHash` is the SHA-256 of exactly these bytes.
    pub fn submit_dsse(
        &self,
        envelope_json: &[u8],
        verifier_pem: &str,
    ) -> Result<RekorEntry, RekorError> {
        let sub = parse_submission(envelope_json, verifier_pem)?;
        let envelope = std::str::from_utf8(envelope_json)
            .map_err(|_| bad_input(RekorInputProblem::EnvelopeNotUtf8))?;
        let proposed = Proposed {
            api_version: "0.0.1",
            kind: "dsse",
            spec: ProposedDsseSpec {
                proposed_content: ProposedDsseContent {
                    envelope,
                    verifiers: vec![B64.encode(verifier_pem)],
                },
            },
        };
        let entry = self.post_entry(&proposed)?;
        let EntryBody::Dsse(body) = &entry.verified.body else {
            return Err(mismatch(&entry, "kind (expected dsse)"));
        };
        check_hash(
            &entry,
            body.payload_hash.as_ref(),
            &Digest::of(&sub.payload),
            "payloadHash",
        )?;
        check_hash(
            &entry,
            body.envelope_hash.as_ref(),
            &Digest::of(envelope_json),
            "envelopeHash",
        )?;
        check_signatures(&entry, &body.signatures, &sub)?;
        Ok(entry)
    }

    /// Submits a DSSE envelope as an `intoto` v0.0.2 entry (the older kind; `dsse` is
    /// preferred) whose signatures `verifier_pem` verifies, and returns the verified entry.
    pub fn submit_intoto(
        &self,
        envelope_json: &[u8],
        verifier_pem: &str,
    ) -> Result<RekorEntry, RekorError> {
        let sub = parse_submission(envelope_json, verifier_pem)?;
        let envelope_hash = intoto_envelope_hash(&sub, verifier_pem)?;
        let payload_hash = Digest::of(&sub.payload);
        // intoto v0.0.2 carries the payload and the signatures base64-encoded twice.
        let twice = |s: &str| B64.encode(s.as_bytes());
        let proposed = Proposed {
            api_version: "0.0.2",
            kind: "intoto",
            spec: ProposedIntotoSpec {
                content: ProposedIntotoContent {
                    envelope: IntotoEnvelope {
                        payload: twice(&sub.envelope.payload),
                        payload_type: sub.envelope.payload_type.clone(),
                        signatures: sub
                            .envelope
                            .signatures
                            .iter()
                            .map(|s| IntotoSig {
                                keyid: s.keyid.clone().filter(|k| !k.is_empty()),
                                public_key: B64.encode(verifier_pem),
                                sig: twice(&s.sig),
                            })
                            .collect(),
                    },
                    hash: RekorHash::sha256(&envelope_hash),
                    payload_hash: RekorHash::sha256(&payload_hash),
                },
            },
        };
        let entry = self.post_entry(&proposed)?;
        let EntryBody::Intoto(body) = &entry.verified.body else {
            return Err(mismatch(&entry, "kind (expected intoto)"));
        };
        if body.payload_type != sub.envelope.payload_type {
            return Err(mismatch(&entry, "payloadType"));
        }
        check_hash(
            &entry,
            body.payload_hash.as_ref(),
            &payload_hash,
            "payloadHash",
        )?;
        check_hash(&entry, body.envelope_hash.as_ref(), &envelope_hash, "hash")?;
        check_signatures(&entry, &body.signatures, &sub)?;
        Ok(entry)
    }

    /// Fetches the entry with `uuid` (64 hex digits, or 80 with a tree id in front) and
    /// verifies it; its body must be the one the UUID names.
    pub fn entry_by_uuid(&self, uuid: &str) -> Result<RekorEntry, RekorError> {
        let valid = matches!(uuid.len(), 64 | 80) && uuid.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err(bad_input(RekorInputProblem::BadUuid {
                uuid: uuid.chars().take(100).collect(),
            }));
        }
        let url = format!("{}/api/v1/log/entries/{}", self.base, uuid);
        let entry = self.get_entry(&url)?;
        let want = uuid.to_ascii_lowercase();
        let got = entry.uuid.to_ascii_lowercase();
        let same = got == want
            || (want.len() == 64 && got.ends_with(&want))
            || (got.len() == 64 && want.ends_with(&got));
        if !same {
            return Err(RekorError::UuidMismatch {
                uuid: entry.uuid,
                expected: uuid.to_owned(),
            });
        }
        Ok(entry)
    }

    /// Fetches the entry at `log_index` and verifies it.
    pub fn entry_by_index(&self, log_index: u64) -> Result<RekorEntry, RekorError> {
        let url = format!("{}/api/v1/log/entries?logIndex={log_index}", self.base);
        let entry = self.get_entry(&url)?;
        if entry.verified.log_index != log_index {
            return Err(RekorError::IndexMismatch {
                requested: log_index,
                returned: entry.verified.log_index,
            });
        }
        Ok(entry)
    }

    fn post_entry<S: Serialize>(&self, proposed: &Proposed<S>) -> Result<RekorEntry, RekorError> {
        let url = format!("{}/api/v1/log/entries", self.base);
        let body =
            serde_json::to_vec(proposed).map_err(|e| bad_input(RekorInputProblem::Encode(e)))?;
        let response = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .send(&body[..]);
        self.read_entry(&url, response, 201)
    }

    fn get_entry(&self, url: &str) -> Result<RekorEntry, RekorError> {
        let response = self
            .agent
            .get(url)
            .header("Accept", "application/json")
            .call();
        self.read_entry(url, response, 200)
    }

    fn read_entry(
        &self,
        url: &str,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        expected: u16,
    ) -> Result<RekorEntry, RekorError> {
        let transport = |e: ureq::Error| RekorError::Transport {
            url: url.to_owned(),
            source: Box::new(e),
        };
        let mut response = response.map_err(transport)?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
            .map_err(transport)?;
        if status != expected {
            let message = serde_json::from_slice::<ApiError>(&bytes)
                .ok()
                .and_then(|e| e.message)
                .map(|m| m.chars().take(512).collect());
            return Err(RekorError::Status {
                url: url.to_owned(),
                status,
                message,
            });
        }
        let bad_json = |reason: RekorJsonProblem| RekorError::BadJson {
            url: url.to_owned(),
            reason,
        };
        let value: serde_json::Value = canonical::from_slice_strict(&bytes)
            .map_err(|e| bad_json(RekorJsonProblem::Json(e)))?;
        let uuid = match &value {
            serde_json::Value::Object(map) if map.len() == 1 => {
                map.keys().next().cloned().unwrap_or_default()
            }
            _ => return Err(bad_json(RekorJsonProblem::NotOneEntry)),
        };
        let entry =
            LogEntry::from_api_json(&bytes).map_err(|e| bad_json(RekorJsonProblem::Entry(e)))?;
        // The UUID is (a tree id and) the entry's leaf hash: it must name this body.
        let leaf = hex::encode(entry.leaf_hash().0);
        let named = uuid.len() >= 64
            && uuid
                .get(uuid.len() - 64..)
                .is_some_and(|tail| tail.eq_ignore_ascii_case(&leaf));
        if !named {
            return Err(RekorError::UuidMismatch {
                uuid,
                expected: format!("the body's leaf hash {leaf}"),
            });
        }
        let verified = entry
            .verify(&self.log_key, true)
            .map_err(|source| RekorError::Verify {
                uuid: uuid.clone(),
                source,
            })?;
        if !verified.set_verified {
            return Err(RekorError::Incomplete {
                uuid,
                missing: "signed entry timestamp",
            });
        }
        Ok(RekorEntry {
            uuid,
            entry,
            verified,
        })
    }
}

fn mismatch(entry: &RekorEntry, field: &'static str) -> RekorError {
    RekorError::BodyMismatch {
        uuid: entry.uuid.clone(),
        field,
    }
}

fn check_hash(
    entry: &RekorEntry,
    recorded: Option<&RekorHash>,
    expected: &Digest,
    field: &'static str,
) -> Result<(), RekorError> {
    match recorded {
        Some(h) if h.algorithm == "sha256" && h.value.eq_ignore_ascii_case(&expected.hex()) => {
            Ok(())
        }
        _ => Err(mismatch(entry, field)),
    }
}

/// The recorded signatures are exactly the envelope's, each with the submitted verifier.
fn check_signatures(
    entry: &RekorEntry,
    recorded: &[BodySignature],
    sub: &Submission,
) -> Result<(), RekorError> {
    if recorded.len() != sub.signatures.len() {
        return Err(mismatch(entry, "number of signatures"));
    }
    for sig in &sub.signatures {
        let found = recorded
            .iter()
            .find(|r| r.signature == *sig)
            .ok_or_else(|| mismatch(entry, "signature"))?;
        if pem_der(&found.verifier_pem).as_deref() != Some(&sub.verifier_der[..]) {
            return Err(mismatch(entry, "verifier"));
        }
    }
    Ok(())
}

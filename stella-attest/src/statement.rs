//! in-toto Statement v1 (`https://in-toto.io/Statement/v1`), and reading the legacy v0.1.
//!
//! - [`Statement::builder`] makes a v1 statement: subjects (name + digest set) sorted by
//!   (name, sha256, digest set), a predicate type URI and a predicate (a JSON object).
//!   [`Statement::to_payload`] writes it as RFC 8785 canonical JSON, [`Statement::sign`] wraps it
//!   in a DSSE envelope with payload type `application/vnd.in-toto+json`.
//! - [`Statement::from_json`] parses strictly (duplicate keys are refused) either v1 or the
//!   legacy `https://in-toto.io/Statement/v0.1` that many existing attestations (cosign before
//!   v2, SLSA v0.2 provenance) use. Unknown fields are ignored, as the in-toto parsing rules
//!   require; every subject has a non-empty DigestSet whose values of the algorithms the in-toto
//!   specification defines (sha256, sha384, sha512, sha3_*, gitCommit, dirHash, ...) are
//!   lowercase hex of their length — other algorithm names are kept, unchecked, and never
//!   matched on. A present predicate must be a JSON object.
//! - Matching an artifact ([`ArtifactDigests`], [`Subject::matches`]) uses the strongest
//!   algorithm both sides have, in the order of [`MATCH_ALGORITHMS`] (sha512, sha3_512,
//!   sha384, sha3_384, sha512_256, sha256, sha3_256, sha512_224, sha224, sha3_224), and only it.
//! - [`StatementPolicy`] is the verification policy, the confused-deputy defence: the allowed
//!   payload and predicate types (anything else is an error, never a silent skip), the
//!   expected subject digest (matched against *every* subject, not only the first) and the
//!   signer key ids that must be among the verified ones. [`StatementPolicy::verify`] is the
//!   one call from envelope bytes to a [`VerifiedStatement`].
//!
//! ```
//! use stella_attest::dsse::{Envelope, Keyring};
//! use stella_attest::keys::{LocalSigner, PrivateKey, SystemRandom};
//! use stella_attest::predicates::{SbomLocation, SbomReference};
//! use stella_attest::statement::{Statement, StatementPolicy};
//! use stella_core::{Digest, SignatureAlgorithm};
//!
//! let image = Digest::of(b"image manifest");
//! let predicate = SbomReference {
//!     sbom_format: "CycloneDX".into(),
//!     sbom_version: "1.6".into(),
//!     media_type: "application/vnd.cyclonedx+json".into(),
//!     location: SbomLocation { digest: Digest::of(b"sbom"), uri: None },
//! };
//! let statement = Statement::builder().subject("registry.example/app", image).predicate(&predicate)?.build()?;
//!
//! let key = PrivateKey::generate(SignatureAlgorithm::EcdsaP256Sha256, &SystemRandom::new())?;
//! let mut keyring = Keyring::new();
//! keyring.add(key.public_key().clone())?;
//! let signer = LocalSigner::new(key, SystemRandom::new())?;
//! let envelope_json = statement.sign(&[&signer])?.to_json()?;
//!
//! let verified = StatementPolicy::new()
//!     .allow_predicate_type(SbomReference::PREDICATE_TYPE)
//!     .expect_subject(image)
//!     .verify(&Envelope::from_json(&envelope_json)?, &keyring)?;
//! let sbom: SbomReference = verified.statement().predicate_as()?;
//! assert_eq!(sbom, predicate);
//! # use stella_attest::predicates::Predicate as _;
//! # Ok::<(), stella_attest::AttestError>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use stella_core::{CoreError, Digest, JsonError, Signer};

use crate::AttestError;
use crate::dsse::{Envelope, Keyring, PAYLOAD_TYPE_IN_TOTO, VerifiedEnvelope};
use crate::predicates::Predicate;

/// `_type` of in-toto Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// `_type` of the legacy in-toto Statement v0.1 (read only).
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";

/// What can be wrong with a statement, or with it against a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatementError {
    /// The payload is not strictly valid JSON (syntax, duplicate keys, lone surrogates, ...).
    #[error("statement JSON: {source}")]
    Json {
        /// What the strict parser reported.
        source: JsonError,
    },
    /// Valid JSON without the statement's shape (missing field, wrong type).
    #[error("statement does not have the in-toto shape: {reason}")]
    Shape {
        /// What serde reported.
        reason: String,
    },
    /// A `_type` other than Statement v1 or v0.1.
    #[error("statement _type {statement_type:?} is not in-toto Statement v1 or v0.1")]
    UnknownType {
        /// The `_type` found (truncated).
        statement_type: String,
    },
    /// No subjects.
    #[error("statement has no subjects")]
    NoSubjects,
    /// A subject with an empty digest set (a DigestSet has one or more entries).
    #[error("subject {index} has an empty digest set")]
    EmptyDigestSet {
        /// Index of the subject.
        index: usize,
    },
    /// A digest value of an algorithm the in-toto DigestSet specification defines that is not
    /// lowercase hex of that algorithm's length.
    #[error(
        "subject {index} digest {algorithm}:{value:?} is not lowercase hex of the right length"
    )]
    BadDigest {
        /// Index of the subject.
        index: usize,
        /// The algorithm key.
        algorithm: String,
        /// The value (truncated).
        value: String,
    },
    /// The predicate type is not a URI.
    #[error("predicate type {predicate_type:?} is not a URI")]
    PredicateTypeNotUri {
        /// The value (truncated).
        predicate_type: String,
    },
    /// No predicate type given to the builder.
    #[error("statement builder has no predicate type")]
    MissingPredicateType,
    /// The statement's predicate type is not one the policy allows.
    #[error("predicate type {predicate_type:?} is not allowed (allowed: {allowed:?})")]
    PredicateTypeNotAllowed {
        /// The statement's predicate type (truncated).
        predicate_type: String,
        /// What the policy allowed.
        allowed: Vec<String>,
    },
    /// A legacy v0.1 statement where the policy asks for v1 only.
    #[error("statement is legacy in-toto v0.1 and the policy accepts v1 only")]
    LegacyNotAllowed,
    /// No subject has the expected digest.
    #[error("no subject has digest {expected}; subjects: {found:?}")]
    SubjectMismatch {
        /// The digest the policy expected.
        expected: Digest,
        /// The sha256 digests of the statement's subjects.
        found: Vec<String>,
    },
    /// No subject matches the artifact on the strongest algorithm both have (see
    /// [`Subject::matches`]).
    #[error("no subject matches artifact {expected}; subjects: {found:?}")]
    ArtifactMismatch {
        /// The artifact's strongest digest (`algorithm:hex`).
        expected: String,
        /// Every subject digest (`algorithm:hex`, truncated).
        found: Vec<String>,
    },
    /// A predicate that is present and not a JSON object (in-toto Statement v1: the predicate
    /// is an object, or absent).
    #[error("predicate is a JSON {kind}, not an object")]
    PredicateNotObject {
        /// What it is (`string`, `array`, ...).
        kind: &'static str,
    },
    /// An artifact digest given in an unusable form (see [`ArtifactDigests`]).
    #[error("artifact digest {value:?}: {reason}")]
    BadArtifactDigest {
        /// The value (truncated).
        value: String,
        /// Why.
        reason: &'static str,
    },
    /// A signer the policy requires is not among the keys that verified.
    #[error("required signer {key_id} did not sign (verified: {verified:?})")]
    MissingSigner {
        /// The required key id.
        key_id: String,
        /// The key ids that verified.
        verified: Vec<String>,
    },
    /// [`Statement::predicate_as`] asked for a predicate of another type.
    #[error("predicate type is {actual:?}, not {expected:?}")]
    PredicateTypeMismatch {
        /// The type asked for.
        expected: &'static str,
        /// The statement's predicate type (truncated).
        actual: String,
    },
    /// The predicate does not have the shape of its type.
    #[error("predicate of type {predicate_type} is malformed: {reason}")]
    Predicate {
        /// The predicate type.
        predicate_type: &'static str,
        /// What serde reported.
        reason: String,
    },
}

fn truncate(s: &str) -> String {
    s.chars().take(120).collect()
}

/// Which in-toto Statement version a statement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatementVersion {
    /// The legacy `https://in-toto.io/Statement/v0.1` (read only).
    V01,
    /// `https://in-toto.io/Statement/v1`.
    V1,
}

impl StatementVersion {
    /// The `_type` URI.
    pub fn type_uri(&self) -> &'static str {
        match self {
            Self::V01 => STATEMENT_V01,
            Self::V1 => STATEMENT_V1,
        }
    }
}

/// The DigestSet algorithms whose values the in-toto specification defines as lowercase hex,
/// with their length in hex digits (`None`: any even length — extendable-output and
/// variable-length functions). Any other algorithm name is kept as is and never used for
/// matching (the specification: consumers ignore unrecognized algorithms).
const HEX_ALGORITHMS: &[(&str, Option<usize>)] = &[
    ("sha224", Some(56)),
    ("sha256", Some(64)),
    ("sha384", Some(96)),
    ("sha512", Some(128)),
    ("sha512_224", Some(56)),
    ("sha512_256", Some(64)),
    ("sha3_224", Some(56)),
    ("sha3_256", Some(64)),
    ("sha3_384", Some(96)),
    ("sha3_512", Some(128)),
    ("shake128", None),
    ("shake256", None),
    ("blake2b", None),
    ("blake2s", None),
    ("ripemd160", Some(40)),
    ("sm3", Some(64)),
    ("gost", None),
    ("sha1", Some(40)),
    ("md5", Some(32)),
    ("dirHash", Some(64)),
    // Statement v0.1's name for the same Go module dirhash.
    ("goModuleH1", Some(64)),
    ("gitCommit", None),
    ("gitTree", None),
    ("gitBlob", None),
    ("gitTag", None),
];

/// The algorithms an artifact is matched on, strongest first: wider SHA-2 and SHA-3 digests
/// before narrower ones, SHA-2 before SHA-3 of the same width. Not used for matching, though
/// kept in subjects: SHA-1, MD5, RIPEMD-160 (broken or too short), the variable-length and
/// regional functions (shake*, blake2*, gost, sm3) and the git and dirhash identifiers (not a
/// digest of the artifact's bytes).
pub const MATCH_ALGORITHMS: &[&str] = &[
    "sha512",
    "sha3_512",
    "sha384",
    "sha3_384",
    "sha512_256",
    "sha256",
    "sha3_256",
    "sha512_224",
    "sha224",
    "sha3_224",
];

fn is_lower_hex(value: &str) -> bool {
    !value.is_empty()
        && value.len() % 2 == 0
        && value
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `value` is a valid `algorithm` digest: lowercase hex of the algorithm's length for
/// the algorithms the specification defines (git objects: SHA-1 or SHA-256 length), anything
/// for others.
fn digest_value_ok(algorithm: &str, value: &str) -> bool {
    match HEX_ALGORITHMS.iter().find(|(a, _)| *a == algorithm) {
        None => true,
        Some((a, _)) if a.starts_with("git") => {
            is_lower_hex(value) && (value.len() == 40 || value.len() == 64)
        }
        Some((_, Some(len))) => is_lower_hex(value) && value.len() == *len,
        Some((_, None)) => is_lower_hex(value),
    }
}

/// The digests of an artifact, to match against subjects ([`Subject::matches`],
/// [`Statement::matches_artifact`], [`StatementPolicy::expect_artifact`]): computed from its
/// bytes ([`ArtifactDigests::of`]: sha256, sha384, sha512) or given (`sha512:<hex>`).
///
/// ```
/// use stella_attest::statement::{ArtifactDigests, Subject};
///
/// let tarball = b"package tarball";
/// // An npm provenance subject carries only sha512.
/// let subject: Subject = serde_json::from_value(serde_json::json!({
///     "name": "pkg:npm/left-pad@1.3.0",
///     "digest": {"sha512": ArtifactDigests::of(tarball).get("sha512").unwrap()},
/// }))?;
/// assert!(subject.matches(&ArtifactDigests::of(tarball)));
/// assert!(!subject.matches(&ArtifactDigests::of(b"another tarball")));
/// // A sha256-only artifact shares no algorithm with it: no match.
/// let sha256_only = ArtifactDigests::from(stella_core::Digest::of(tarball));
/// assert!(!subject.matches(&sha256_only));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ArtifactDigests(BTreeMap<String, String>);

impl ArtifactDigests {
    /// sha256, sha384 and sha512 of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::Digest as _;
        let mut map = BTreeMap::new();
        map.insert(
            "sha256".to_owned(),
            hex::encode(sha2::Sha256::digest(bytes)),
        );
        map.insert(
            "sha384".to_owned(),
            hex::encode(sha2::Sha384::digest(bytes)),
        );
        map.insert(
            "sha512".to_owned(),
            hex::encode(sha2::Sha512::digest(bytes)),
        );
        Self(map)
    }

    /// Parses `algorithm:hex` (one of [`MATCH_ALGORITHMS`], hex of its length; uppercase hex
    /// is lowered).
    pub fn parse(text: &str) -> Result<Self, StatementError> {
        let bad = |reason| StatementError::BadArtifactDigest {
            value: truncate(text),
            reason,
        };
        let (algorithm, value) = text
            .split_once(':')
            .ok_or_else(|| bad("expected algorithm:hex"))?;
        let mut out = Self::default();
        out.insert(algorithm, &value.to_ascii_lowercase())
            .map_err(|_| bad("not a matching algorithm with hex of its length"))?;
        Ok(out)
    }

    /// Adds a digest (one of [`MATCH_ALGORITHMS`], lowercase hex of its length).
    pub fn insert(&mut self, algorithm: &str, hex: &str) -> Result<(), StatementError> {
        if !MATCH_ALGORITHMS.contains(&algorithm) || !digest_value_ok(algorithm, hex) {
            return Err(StatementError::BadArtifactDigest {
                value: truncate(&format!("{algorithm}:{hex}")),
                reason: "not a matching algorithm with lowercase hex of its length",
            });
        }
        self.0.insert(algorithm.to_owned(), hex.to_owned());
        Ok(())
    }

    /// The hex digest for `algorithm`, if known.
    pub fn get(&self, algorithm: &str) -> Option<&str> {
        self.0.get(algorithm).map(String::as_str)
    }

    /// The strongest digest known, as `algorithm:hex` (for messages).
    pub fn strongest(&self) -> String {
        MATCH_ALGORITHMS
            .iter()
            .find_map(|a| self.0.get(*a).map(|v| format!("{a}:{v}")))
            .unwrap_or_default()
    }
}

impl From<Digest> for ArtifactDigests {
    fn from(digest: Digest) -> Self {
        let mut map = BTreeMap::new();
        map.insert("sha256".to_owned(), digest.hex());
        Self(map)
    }
}

/// One subject: an optional name and a DigestSet (algorithm → value; lowercase hex for the
/// algorithms the in-toto specification defines, anything for others).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The artifact's name (image reference, file name); `None` or `_` when not meaningful.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Algorithm → digest; at least one entry.
    pub digest: BTreeMap<String, String>,
}

impl Subject {
    /// A subject named `name` with a sha256 digest.
    pub fn new(name: impl Into<String>, digest: Digest) -> Self {
        let mut map = BTreeMap::new();
        map.insert("sha256".to_owned(), digest.hex());
        Self {
            name: Some(name.into()),
            digest: map,
        }
    }

    /// The sha256 digest, if the subject has one.
    pub fn sha256(&self) -> Option<Digest> {
        self.digest
            .get("sha256")
            .and_then(|hex| Digest::parse_hex(hex).ok())
    }

    /// The strongest of [`MATCH_ALGORITHMS`] that both this subject and `artifact` have.
    pub fn strongest_common(&self, artifact: &ArtifactDigests) -> Option<&'static str> {
        MATCH_ALGORITHMS
            .iter()
            .copied()
            .find(|a| self.digest.contains_key(*a) && artifact.0.contains_key(*a))
    }

    /// Whether this subject is `artifact`: compared on the strongest algorithm both have
    /// ([`Self::strongest_common`]) and only on it — a subject whose sha512 differs does not
    /// match through an equal sha256. No common algorithm: no match.
    pub fn matches(&self, artifact: &ArtifactDigests) -> bool {
        self.strongest_common(artifact)
            .is_some_and(|a| self.digest.get(a) == artifact.0.get(a))
    }

    fn check(&self, index: usize) -> Result<(), StatementError> {
        if self.digest.is_empty() {
            return Err(StatementError::EmptyDigestSet { index });
        }
        for (algorithm, value) in &self.digest {
            if !digest_value_ok(algorithm, value) {
                return Err(StatementError::BadDigest {
                    index,
                    algorithm: truncate(algorithm),
                    value: truncate(value),
                });
            }
        }
        Ok(())
    }
}

fn is_uri(s: &str) -> bool {
    // RFC 3986: scheme ":" ... — a scheme is a letter then letters, digits, "+", "-", ".".
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[derive(Serialize, Deserialize)]
struct WireStatement {
    #[serde(rename = "_type")]
    statement_type: String,
    subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    predicate_type: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    predicate: serde_json::Value,
}

/// An in-toto statement: subjects, a predicate type and a predicate.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    version: StatementVersion,
    subjects: Vec<Subject>,
    predicate_type: String,
    predicate: serde_json::Value,
}

impl Statement {
    /// A builder for a v1 statement.
    pub fn builder() -> StatementBuilder {
        StatementBuilder::default()
    }

    /// Parses a statement (v1 or legacy v0.1) strictly: duplicate keys, lone surrogates and
    /// out-of-range numbers are refused; unknown fields are ignored.
    pub fn from_json(bytes: &[u8]) -> Result<Self, AttestError> {
        let wire: WireStatement =
            stella_core::canonical::from_slice_strict(bytes).map_err(|e| match e {
                CoreError::Json(JsonError::Serde { message }) => StatementError::Shape {
                    reason: truncate(&message),
                },
                CoreError::Json(source) => StatementError::Json { source },
                other => StatementError::Shape {
                    reason: truncate(&other.to_string()),
                },
            })?;
        let version = match wire.statement_type.as_str() {
            STATEMENT_V1 => StatementVersion::V1,
            STATEMENT_V01 => StatementVersion::V01,
            other => {
                return Err(StatementError::UnknownType {
                    statement_type: truncate(other),
                }
                .into());
            }
        };
        let statement = Self {
            version,
            subjects: wire.subject,
            predicate_type: wire.predicate_type,
            predicate: wire.predicate,
        };
        statement.check()?;
        Ok(statement)
    }

    fn check(&self) -> Result<(), StatementError> {
        if self.subjects.is_empty() {
            return Err(StatementError::NoSubjects);
        }
        for (i, s) in self.subjects.iter().enumerate() {
            s.check(i)?;
        }
        let kind = match &self.predicate {
            // Absent (or null, which JSON decoders of the protobuf form read as absent).
            serde_json::Value::Null | serde_json::Value::Object(_) => None,
            serde_json::Value::Bool(_) => Some("boolean"),
            serde_json::Value::Number(_) => Some("number"),
            serde_json::Value::String(_) => Some("string"),
            serde_json::Value::Array(_) => Some("array"),
        };
        if let Some(kind) = kind {
            return Err(StatementError::PredicateNotObject { kind });
        }
        if !is_uri(&self.predicate_type) {
            return Err(StatementError::PredicateTypeNotUri {
                predicate_type: truncate(&self.predicate_type),
            });
        }
        Ok(())
    }

    /// The statement as RFC 8785 canonical JSON: the DSSE payload.
    pub fn to_payload(&self) -> Result<Vec<u8>, AttestError> {
        let wire = WireStatement {
            statement_type: self.version.type_uri().to_owned(),
            subject: self.subjects.clone(),
            predicate_type: self.predicate_type.clone(),
            predicate: self.predicate.clone(),
        };
        Ok(stella_core::canonical::to_canonical_vec(&wire)?)
    }

    /// Signs the statement into a DSSE envelope (payload type `application/vnd.in-toto+json`).
    pub fn sign(&self, signers: &[&dyn Signer]) -> Result<Envelope, AttestError> {
        Envelope::sign(PAYLOAD_TYPE_IN_TOTO, self.to_payload()?, signers)
    }

    /// v1 or legacy v0.1.
    pub fn version(&self) -> StatementVersion {
        self.version
    }

    /// The subjects, in statement order.
    pub fn subjects(&self) -> &[Subject] {
        &self.subjects
    }

    /// The predicate type URI.
    pub fn predicate_type(&self) -> &str {
        &self.predicate_type
    }

    /// The predicate as JSON (`Null` when absent).
    pub fn predicate(&self) -> &serde_json::Value {
        &self.predicate
    }

    /// The predicate as a typed [`Predicate`]; the statement's predicate type must be `P`'s.
    pub fn predicate_as<P: Predicate>(&self) -> Result<P, AttestError> {
        if self.predicate_type != P::PREDICATE_TYPE {
            return Err(StatementError::PredicateTypeMismatch {
                expected: P::PREDICATE_TYPE,
                actual: truncate(&self.predicate_type),
            }
            .into());
        }
        serde_json::from_value(self.predicate.clone()).map_err(|e| {
            StatementError::Predicate {
                predicate_type: P::PREDICATE_TYPE,
                reason: truncate(&e.to_string()),
            }
            .into()
        })
    }

    /// True when some subject (any of them) has this sha256 digest, compared as
    /// [`Self::matches_artifact`] does for an artifact known by its sha256 only.
    pub fn has_subject(&self, digest: &Digest) -> bool {
        self.matches_artifact(&ArtifactDigests::from(*digest))
    }

    /// True when some subject (any of them) [`Subject::matches`] the artifact.
    pub fn matches_artifact(&self, artifact: &ArtifactDigests) -> bool {
        self.subjects.iter().any(|s| s.matches(artifact))
    }
}

/// Builds a v1 [`Statement`]. Subjects are written sorted by (name, sha256, digest set).
#[derive(Debug, Default, Clone)]
pub struct StatementBuilder {
    subjects: Vec<Subject>,
    predicate_type: Option<String>,
    predicate: serde_json::Value,
}

impl StatementBuilder {
    /// Adds a subject with a sha256 digest.
    pub fn subject(mut self, name: impl Into<String>, digest: Digest) -> Self {
        self.subjects.push(Subject::new(name, digest));
        self
    }

    /// Adds a subject with a full digest set (checked by `build`).
    pub fn subject_digests(mut self, subject: Subject) -> Self {
        self.subjects.push(subject);
        self
    }

    /// Sets a typed predicate and its type.
    pub fn predicate<P: Predicate>(mut self, predicate: &P) -> Result<Self, AttestError> {
        self.predicate =
            serde_json::to_value(predicate).map_err(|e| StatementError::Predicate {
                predicate_type: P::PREDICATE_TYPE,
                reason: truncate(&e.to_string()),
            })?;
        self.predicate_type = Some(P::PREDICATE_TYPE.to_owned());
        Ok(self)
    }

    /// Sets a predicate of any type as JSON (e.g. one read from a file for `stella attest`).
    pub fn raw_predicate(
        mut self,
        predicate_type: impl Into<String>,
        predicate: serde_json::Value,
    ) -> Self {
        self.predicate_type = Some(predicate_type.into());
        self.predicate = predicate;
        self
    }

    /// Checks and builds the statement.
    pub fn build(mut self) -> Result<Statement, AttestError> {
        let predicate_type = self
            .predicate_type
            .ok_or(StatementError::MissingPredicateType)?;
        self.subjects.sort_by(|a, b| {
            (a.name.as_deref(), a.digest.get("sha256"), &a.digest).cmp(&(
                b.name.as_deref(),
                b.digest.get("sha256"),
                &b.digest,
            ))
        });
        let statement = Statement {
            version: StatementVersion::V1,
            subjects: self.subjects,
            predicate_type,
            predicate: self.predicate,
        };
        statement.check()?;
        // Refuse predicates canonical JSON cannot write (NaN cannot occur in a Value; this
        // catches nothing else today but keeps `to_payload` infallible in practice).
        statement.to_payload()?;
        Ok(statement)
    }
}

/// A statement from an envelope that verified and passed a [`StatementPolicy`].
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedStatement {
    statement: Statement,
    key_ids: Vec<String>,
}

impl VerifiedStatement {
    /// The statement.
    pub fn statement(&self) -> &Statement {
        &self.statement
    }

    /// The statement, owned.
    pub fn into_statement(self) -> Statement {
        self.statement
    }

    /// Keyring ids of the distinct keys that signed, sorted.
    pub fn key_ids(&self) -> &[String] {
        &self.key_ids
    }
}

/// What a caller accepts of a signed statement. Everything not allowed is an error.
///
/// Defaults: payload type `application/vnd.in-toto+json` only, no predicate type allowed (the
/// caller must name the ones it evaluates), any subject, no required signers beyond the
/// keyring threshold, legacy v0.1 accepted.
#[derive(Debug, Clone)]
pub struct StatementPolicy {
    payload_types: Vec<String>,
    predicate_types: Vec<String>,
    expected_subjects: Vec<Digest>,
    expected_artifacts: Vec<ArtifactDigests>,
    required_signers: Vec<String>,
    allow_legacy: bool,
}

impl Default for StatementPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl StatementPolicy {
    /// The default policy (see the type docs).
    pub fn new() -> Self {
        Self {
            payload_types: vec![PAYLOAD_TYPE_IN_TOTO.to_owned()],
            predicate_types: Vec::new(),
            expected_subjects: Vec::new(),
            expected_artifacts: Vec::new(),
            required_signers: Vec::new(),
            allow_legacy: true,
        }
    }

    /// Also accepts envelopes of this payload type.
    pub fn allow_payload_type(mut self, payload_type: impl Into<String>) -> Self {
        self.payload_types.push(payload_type.into());
        self
    }

    /// Accepts statements of this predicate type.
    pub fn allow_predicate_type(mut self, predicate_type: impl Into<String>) -> Self {
        self.predicate_types.push(predicate_type.into());
        self
    }

    /// Requires a subject with this sha256 digest (any subject may match). Called more than
    /// once, every digest must be among the subjects.
    pub fn expect_subject(mut self, digest: Digest) -> Self {
        self.expected_subjects.push(digest);
        self
    }

    /// Requires a subject that [`Subject::matches`] this artifact (on the strongest algorithm
    /// both have: an npm provenance subject with only `sha512` matches
    /// [`ArtifactDigests::of`] its tarball). Called more than once, every artifact must match.
    pub fn expect_artifact(mut self, artifact: ArtifactDigests) -> Self {
        self.expected_artifacts.push(artifact);
        self
    }

    /// Requires that the key with this keyring id is among the verified signers.
    pub fn require_signer(mut self, key_id: impl Into<String>) -> Self {
        self.required_signers.push(key_id.into());
        self
    }

    /// Whether legacy Statement v0.1 is accepted (default true).
    pub fn allow_legacy_v01(mut self, allow: bool) -> Self {
        self.allow_legacy = allow;
        self
    }

    /// Verifies `envelope` against `keyring`, parses its statement and applies this policy.
    pub fn verify(
        &self,
        envelope: &Envelope,
        keyring: &Keyring,
    ) -> Result<VerifiedStatement, AttestError> {
        let allowed: Vec<&str> = self.payload_types.iter().map(String::as_str).collect();
        let verified = envelope.verify(keyring, &allowed)?;
        self.check(&verified)
    }

    /// Applies this policy to an envelope that already verified (its payload type is checked
    /// again against this policy).
    pub fn check(&self, verified: &VerifiedEnvelope) -> Result<VerifiedStatement, AttestError> {
        if !self
            .payload_types
            .iter()
            .any(|t| t == verified.payload_type())
        {
            return Err(crate::dsse::DsseError::PayloadTypeNotAllowed {
                payload_type: truncate(verified.payload_type()),
                allowed: self.payload_types.clone(),
            }
            .into());
        }
        let statement = Statement::from_json(verified.payload())?;
        if statement.version == StatementVersion::V01 && !self.allow_legacy {
            return Err(StatementError::LegacyNotAllowed.into());
        }
        if !self.predicate_types.contains(&statement.predicate_type) {
            return Err(StatementError::PredicateTypeNotAllowed {
                predicate_type: truncate(&statement.predicate_type),
                allowed: self.predicate_types.clone(),
            }
            .into());
        }
        for expected in &self.expected_subjects {
            if !statement.has_subject(expected) {
                return Err(StatementError::SubjectMismatch {
                    expected: *expected,
                    found: statement
                        .subjects
                        .iter()
                        .filter_map(|s| s.digest.get("sha256").cloned())
                        .collect(),
                }
                .into());
            }
        }
        for expected in &self.expected_artifacts {
            if !statement.matches_artifact(expected) {
                return Err(StatementError::ArtifactMismatch {
                    expected: expected.strongest(),
                    found: statement
                        .subjects
                        .iter()
                        .flat_map(|s| s.digest.iter().map(|(a, v)| truncate(&format!("{a}:{v}"))))
                        .collect(),
                }
                .into());
            }
        }
        for required in &self.required_signers {
            if !verified.key_ids().iter().any(|k| k == required) {
                return Err(StatementError::MissingSigner {
                    key_id: required.clone(),
                    verified: verified.key_ids().to_vec(),
                }
                .into());
            }
        }
        Ok(VerifiedStatement {
            statement,
            key_ids: verified.key_ids().to_vec(),
        })
    }
}

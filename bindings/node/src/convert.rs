//! The JavaScript shapes of the API's option and result structs (`#[napi(object)]`: plain
//! objects, camelCase keys) and their conversions to and from `stella_bindings_api`'s types.
//!
//! Conventions: every option field is optional and a missing (or `null`) field is the Rust
//! default; bytes come in as `Uint8Array` (a `Buffer` is one) and go out as `Buffer`; enums are
//! their string names; integers are JS numbers, refused with `E_INVALID_ARGUMENT` when they are
//! not whole numbers in `0..=Number.MAX_SAFE_INTEGER` (results beyond that range are refused with
//! `E_LIMIT` rather than rounded).

use napi::bindgen_prelude::{Buffer, Uint8Array};
use napi_derive::napi;
use stella_bindings_api as api;
use stella_bindings_api::{ApiError, ErrorKind};

use crate::errors::invalid;

/// A JavaScript option object (absent: `None`) converted to the API's option struct.
pub trait ToApi {
    /// The API's option struct.
    type Api;
    /// Converts, refusing invalid values with `E_INVALID_ARGUMENT`.
    fn to_api(self) -> Result<Self::Api, ApiError>;
}

/// `Number.MAX_SAFE_INTEGER`: the largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A JS number as a `u64`: a whole number in `0..=MAX_SAFE_INTEGER`.
fn whole(value: Option<f64>, what: &str) -> Result<u64, ApiError> {
    match value {
        None => Ok(0),
        Some(v)
            if v.is_finite()
                && v.fract() == 0.0
                && (0.0..=MAX_SAFE_INTEGER as f64).contains(&v) =>
        {
            // In range and whole: the cast is exact.
            Ok(v as u64)
        }
        Some(v) => Err(invalid(format!(
            "{what}: {v} is not a whole number in 0..=Number.MAX_SAFE_INTEGER"
        ))),
    }
}

/// A `u64` result as a JS number, refused when a JS number cannot hold it exactly.
fn number(value: u64, what: &str) -> Result<f64, ApiError> {
    if value <= MAX_SAFE_INTEGER {
        // At most 2^53 - 1: exact in an f64.
        Ok(value as f64)
    } else {
        Err(ApiError::new(
            ErrorKind::Limit,
            format!("{what}: {value} is beyond Number.MAX_SAFE_INTEGER"),
        ))
    }
}

fn text(value: Option<String>) -> String {
    value.unwrap_or_default()
}

fn bytes(value: Option<Uint8Array>) -> Vec<u8> {
    value.map(|b| b.to_vec()).unwrap_or_default()
}

fn strings(value: Option<Vec<String>>) -> Vec<String> {
    value.unwrap_or_default()
}

fn flag(value: Option<bool>) -> bool {
    value.unwrap_or(false)
}

// ------------------------------------------------------------------ keys

/// Options of `generateKey`.
#[napi(object)]
pub struct GenerateKeyOptions {
    /// The algorithm; default `'ecdsa-p256'` (`'ed25519'` signs deterministically).
    #[napi(ts_type = "'ecdsa-p256' | 'ed25519'")]
    pub algorithm: Option<String>,
}

impl ToApi for Option<GenerateKeyOptions> {
    type Api = api::GenerateKeyOptions;
    fn to_api(self) -> Result<api::GenerateKeyOptions, ApiError> {
        let o = self;
        let algorithm = match o.and_then(|o| o.algorithm) {
            None => api::KeyAlgorithm::default(),
            Some(name) => api::KeyAlgorithm::parse(&name).ok_or_else(|| {
                invalid(format!(
                    "algorithm {name:?}: expected 'ecdsa-p256' or 'ed25519'"
                ))
            })?,
        };
        Ok(Self::Api { algorithm })
    }
}

/// A private key with its public half, PEM text.
#[napi(object)]
pub struct KeyPair {
    /// `'ecdsa-p256'` or `'ed25519'`.
    #[napi(ts_type = "'ecdsa-p256' | 'ed25519'")]
    pub algorithm: String,
    /// The private key, PKCS#8 PEM. Secret.
    pub private_pem: String,
    /// The public key, SPKI PEM.
    pub public_pem: String,
    /// Hex SHA-256 of the DER SubjectPublicKeyInfo (what DSSE `keyid`s hold).
    pub key_id: String,
}

impl From<api::KeyPair> for KeyPair {
    fn from(k: api::KeyPair) -> Self {
        Self {
            algorithm: k.algorithm.name().to_owned(),
            private_pem: k.private_pem,
            public_pem: k.public_pem,
            key_id: k.key_id,
        }
    }
}

/// A public key, PEM text.
#[napi(object)]
pub struct PublicKeyInfo {
    /// `'ecdsa-p256'` or `'ed25519'`.
    #[napi(ts_type = "'ecdsa-p256' | 'ed25519'")]
    pub algorithm: String,
    /// The public key, SPKI PEM.
    pub public_pem: String,
    /// Hex SHA-256 of the DER SubjectPublicKeyInfo.
    pub key_id: String,
}

impl From<api::PublicKeyInfo> for PublicKeyInfo {
    fn from(k: api::PublicKeyInfo) -> Self {
        Self {
            algorithm: k.algorithm.name().to_owned(),
            public_pem: k.public_pem,
            key_id: k.key_id,
        }
    }
}

// ------------------------------------------------------------------ DSSE and in-toto

/// Options of `dsseSign`.
#[napi(object)]
pub struct DsseSignOptions {
    /// The payload type; default `application/vnd.in-toto+json`.
    pub payload_type: Option<String>,
}

impl ToApi for Option<DsseSignOptions> {
    type Api = api::DsseSignOptions;
    fn to_api(self) -> Result<api::DsseSignOptions, ApiError> {
        let o = self;
        Ok(api::DsseSignOptions {
            payload_type: text(o.and_then(|o| o.payload_type)),
        })
    }
}

/// Options of `dsseVerify`.
#[napi(object)]
pub struct DsseVerifyOptions {
    /// The trusted public keys, PEM (a private key PEM gives its public half). At least one.
    pub public_keys_pem: Option<Vec<String>>,
    /// How many distinct keys must have signed; default (and 0) 1.
    pub threshold: Option<f64>,
    /// Accepted payload types; default only `application/vnd.in-toto+json`.
    pub payload_types: Option<Vec<String>>,
    /// Refuse ECDSA signatures with a high S value; default false.
    pub reject_high_s: Option<bool>,
}

impl ToApi for Option<DsseVerifyOptions> {
    type Api = api::DsseVerifyOptions;
    fn to_api(self) -> Result<api::DsseVerifyOptions, ApiError> {
        let Some(o) = self else {
            return Ok(Default::default());
        };
        let threshold = whole(o.threshold, "threshold")?;
        Ok(Self::Api {
            public_keys_pem: strings(o.public_keys_pem),
            threshold: u32::try_from(threshold)
                .map_err(|_| invalid(format!("threshold {threshold} is too large")))?,
            payload_types: strings(o.payload_types),
            reject_high_s: flag(o.reject_high_s),
        })
    }
}

/// A DSSE envelope whose signatures verified.
#[napi(object)]
pub struct VerifiedEnvelope {
    /// The payload type.
    pub payload_type: String,
    /// The payload, returned only because the signatures verified.
    pub payload: Buffer,
    /// The key ids whose signatures verified, sorted.
    pub key_ids: Vec<String>,
}

impl From<api::VerifiedEnvelope> for VerifiedEnvelope {
    fn from(v: api::VerifiedEnvelope) -> Self {
        Self {
            payload_type: v.payload_type,
            payload: v.payload.into(),
            key_ids: v.key_ids,
        }
    }
}

/// One subject of an in-toto statement.
#[napi(object)]
pub struct StatementSubject {
    /// The subject's name (`''`: none).
    pub name: String,
    /// Its SHA-256 digest, `sha256:<hex>`.
    pub digest: String,
}

impl From<StatementSubject> for api::StatementSubject {
    fn from(s: StatementSubject) -> Self {
        Self {
            name: s.name,
            digest: s.digest,
        }
    }
}

impl From<api::StatementSubject> for StatementSubject {
    fn from(s: api::StatementSubject) -> Self {
        Self {
            name: s.name,
            digest: s.digest,
        }
    }
}

/// Options of `statementBuild`.
#[napi(object)]
pub struct StatementOptions {
    /// The subjects (at least one).
    pub subjects: Option<Vec<StatementSubject>>,
    /// The predicate type URI.
    pub predicate_type: Option<String>,
    /// The predicate, a JSON object (any formatting; written canonically).
    pub predicate_json: Option<Uint8Array>,
}

impl ToApi for Option<StatementOptions> {
    type Api = api::StatementOptions;
    fn to_api(self) -> Result<api::StatementOptions, ApiError> {
        let Some(o) = self else {
            return Ok(api::StatementOptions::default());
        };
        Ok(api::StatementOptions {
            subjects: o
                .subjects
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            predicate_type: text(o.predicate_type),
            predicate_json: bytes(o.predicate_json),
        })
    }
}

/// A parsed in-toto statement.
#[napi(object)]
pub struct StatementInfo {
    /// The statement `_type` URI.
    pub statement_type: String,
    /// The predicate type URI.
    pub predicate_type: String,
    /// The subjects, in document order (sha256 digests only).
    pub subjects: Vec<StatementSubject>,
    /// The predicate, canonical JSON (RFC 8785).
    pub predicate_json: Buffer,
}

impl From<api::StatementInfo> for StatementInfo {
    fn from(s: api::StatementInfo) -> Self {
        Self {
            statement_type: s.statement_type,
            predicate_type: s.predicate_type,
            subjects: s.subjects.into_iter().map(Into::into).collect(),
            predicate_json: s.predicate_json.into(),
        }
    }
}

// ------------------------------------------------------------------ images

/// Options of `sbomFromImagePath` / `sbomFromImageBytes`.
#[napi(object)]
pub struct SbomOptions {
    /// The format; default `'cyclonedx-json'` (CycloneDX 1.6), or `'spdx-json'` (SPDX 3.0.1).
    #[napi(ts_type = "'cyclonedx-json' | 'spdx-json'")]
    pub format: Option<String>,
    /// The document timestamp (RFC 3339); default the image config's `created`, else the
    /// system clock.
    pub timestamp: Option<String>,
    /// `os/arch[/variant]` of a multi-platform image; default linux/amd64.
    pub platform: Option<String>,
    /// The image's name in the document; default the path (or `image` for bytes).
    pub name: Option<String>,
}

impl ToApi for Option<SbomOptions> {
    type Api = api::SbomOptions;
    fn to_api(self) -> Result<api::SbomOptions, ApiError> {
        let Some(o) = self else {
            return Ok(Default::default());
        };
        Ok(Self::Api {
            format: match o.format.as_deref() {
                None | Some("cyclonedx-json") => api::SbomFormat::CycloneDxJson,
                Some("spdx-json") => api::SbomFormat::SpdxJson,
                Some(other) => {
                    return Err(invalid(format!(
                        "format {other:?}: expected 'cyclonedx-json' or 'spdx-json'"
                    )));
                }
            },
            timestamp: text(o.timestamp),
            platform: text(o.platform),
            name: text(o.name),
        })
    }
}

/// Options of the scan functions.
#[napi(object)]
pub struct ScanOptions {
    /// The output format; default `'json'` (Stella findings JSON), or `'sarif'` (SARIF 2.1.0).
    #[napi(ts_type = "'json' | 'sarif'")]
    pub format: Option<String>,
    /// `os/arch[/variant]` of a multi-platform image; default linux/amd64.
    pub platform: Option<String>,
    /// The target's name in the output; default the path (or `image` / `sbom` for bytes).
    pub name: Option<String>,
}

impl ToApi for Option<ScanOptions> {
    type Api = api::ScanOptions;
    fn to_api(self) -> Result<api::ScanOptions, ApiError> {
        let Some(o) = self else {
            return Ok(Default::default());
        };
        Ok(Self::Api {
            format: match o.format.as_deref() {
                None | Some("json") => api::ScanFormat::Json,
                Some("sarif") => api::ScanFormat::Sarif,
                Some(other) => {
                    return Err(invalid(format!(
                        "format {other:?}: expected 'json' or 'sarif'"
                    )));
                }
            },
            platform: text(o.platform),
            name: text(o.name),
        })
    }
}

/// Options of the entry-trace functions.
#[napi(object)]
pub struct EntryTraceOptions {
    /// `os/arch[/variant]` of a multi-platform image; default linux/amd64.
    pub platform: Option<String>,
}

impl ToApi for Option<EntryTraceOptions> {
    type Api = api::EntryTraceOptions;
    fn to_api(self) -> Result<api::EntryTraceOptions, ApiError> {
        let o = self;
        Ok(api::EntryTraceOptions {
            platform: text(o.and_then(|o| o.platform)),
        })
    }
}

/// One named input file (an OSV document, a Rego module).
#[napi(object)]
pub struct NamedBytes {
    /// Its name (a relative path).
    pub name: String,
    /// Its bytes.
    pub bytes: Uint8Array,
}

impl From<NamedBytes> for api::NamedBytes {
    fn from(n: NamedBytes) -> Self {
        Self {
            name: n.name,
            bytes: n.bytes.to_vec(),
        }
    }
}

/// Converts a list of named files.
pub fn named(files: Vec<NamedBytes>) -> Vec<api::NamedBytes> {
    files.into_iter().map(Into::into).collect()
}

/// Copies a list of byte arrays.
pub fn byte_list(list: Vec<Uint8Array>) -> Vec<Vec<u8>> {
    list.iter().map(|b| b.to_vec()).collect()
}

/// Options of `dbBuild`.
#[napi(object)]
pub struct DbBuildOptions {
    /// The snapshot date (RFC 3339); default the latest `modified` of the records.
    pub date: Option<String>,
    /// Skip records that do not parse instead of failing; default false.
    pub lenient: Option<bool>,
}

impl ToApi for Option<DbBuildOptions> {
    type Api = api::DbBuildOptions;
    fn to_api(self) -> Result<api::DbBuildOptions, ApiError> {
        let Some(o) = self else {
            return Ok(api::DbBuildOptions::default());
        };
        Ok(api::DbBuildOptions {
            date: text(o.date),
            lenient: flag(o.lenient),
        })
    }
}

// ------------------------------------------------------------------ VEX

/// Options of `vexValidate`.
#[napi(object)]
pub struct VexValidateOptions {
    /// "Now" for the timestamp checks (RFC 3339); default the system clock.
    pub now: Option<String>,
}

impl ToApi for Option<VexValidateOptions> {
    type Api = api::VexValidateOptions;
    fn to_api(self) -> Result<api::VexValidateOptions, ApiError> {
        let o = self;
        Ok(api::VexValidateOptions {
            now: text(o.and_then(|o| o.now)),
        })
    }
}

/// The result of `vexValidate`.
#[napi(object)]
pub struct VexValidation {
    /// The document's `@id`.
    pub id: String,
    /// How many statements it has.
    pub statements: u32,
}

impl From<api::VexValidation> for VexValidation {
    fn from(v: api::VexValidation) -> Self {
        Self {
            id: v.id,
            statements: v.statements,
        }
    }
}

/// Which VEX inputs count, and the clock (options of `vexMerge` and `vexApply`).
#[napi(object)]
pub struct VexMergeOptions {
    /// "Now" (RFC 3339); default the system clock.
    pub now: Option<String>,
    /// The merged document's author; default `Stella Ops`.
    pub author: Option<String>,
    /// Write each decision's provenance into `status_notes`; default false.
    pub explain: Option<bool>,
    /// Count unsigned documents; default false (only signed input from a trusted key counts).
    pub allow_unsigned: Option<bool>,
    /// Public keys (PEM) that verify signed (DSSE) inputs.
    pub trusted_keys_pem: Option<Vec<String>>,
    /// A trust policy (YAML, as `stella vex merge --trust`); default none.
    pub trust_policy_yaml: Option<String>,
}

impl ToApi for Option<VexMergeOptions> {
    type Api = api::VexMergeOptions;
    fn to_api(self) -> Result<api::VexMergeOptions, ApiError> {
        let Some(o) = self else {
            return Ok(api::VexMergeOptions::default());
        };
        Ok(api::VexMergeOptions {
            now: text(o.now),
            author: text(o.author),
            explain: flag(o.explain),
            allow_unsigned: flag(o.allow_unsigned),
            trusted_keys_pem: strings(o.trusted_keys_pem),
            trust_policy_yaml: text(o.trust_policy_yaml),
        })
    }
}

/// The result of `vexMerge`.
#[napi(object)]
pub struct VexMerged {
    /// The merged OpenVEX document.
    pub document: Buffer,
    /// Which statement decided each (vulnerability, product), and what was not applied and why.
    pub explanation: String,
    /// The same decisions as data, canonical JSON.
    pub decisions_json: Buffer,
}

impl From<api::VexMerged> for VexMerged {
    fn from(v: api::VexMerged) -> Self {
        Self {
            document: v.document.into(),
            explanation: v.explanation,
            decisions_json: v.decisions_json.into(),
        }
    }
}

/// Options of `vexGenerate`.
#[napi(object)]
pub struct VexGenerateOptions {
    /// The document timestamp (RFC 3339); default the system clock.
    pub now: Option<String>,
    /// The author when no policy is given; default `Stella Ops`.
    pub author: Option<String>,
    /// A VEX policy (YAML); default none: every finding is `under_investigation`.
    pub policy_yaml: Option<String>,
}

impl ToApi for Option<VexGenerateOptions> {
    type Api = api::VexGenerateOptions;
    fn to_api(self) -> Result<api::VexGenerateOptions, ApiError> {
        let Some(o) = self else {
            return Ok(api::VexGenerateOptions::default());
        };
        Ok(api::VexGenerateOptions {
            now: text(o.now),
            author: text(o.author),
            policy_yaml: text(o.policy_yaml),
        })
    }
}

// ------------------------------------------------------------------ policy

/// Options of `policyEvaluate`.
#[napi(object)]
pub struct PolicyOptions {
    /// The bundle's files (`*.rego`, optional `data.json`); default the built-in bundle.
    pub bundle_files: Option<Vec<NamedBytes>>,
    /// The bundle revision to record; default none.
    pub revision: Option<String>,
    /// Built-in bundle only: deny (instead of warn on) `under_investigation` criticals.
    pub deny_under_investigation: Option<bool>,
    /// The decision time (RFC 3339) recorded; default the system clock.
    pub time: Option<String>,
    /// Who asked, recorded; default `stella-bindings`.
    pub actor: Option<String>,
    /// The Rego query; default `data.stella.policy`.
    pub query: Option<String>,
    /// The instruction limit; default (and 0) the library's.
    pub max_instructions: Option<f64>,
}

impl ToApi for Option<PolicyOptions> {
    type Api = api::PolicyOptions;
    fn to_api(self) -> Result<api::PolicyOptions, ApiError> {
        let Some(o) = self else {
            return Ok(Default::default());
        };
        Ok(Self::Api {
            bundle_files: named(o.bundle_files.unwrap_or_default()),
            revision: text(o.revision),
            deny_under_investigation: flag(o.deny_under_investigation),
            time: text(o.time),
            actor: text(o.actor),
            query: text(o.query),
            max_instructions: whole(o.max_instructions, "maxInstructions")?,
        })
    }
}

/// A gate decision.
#[napi(object)]
pub struct PolicyDecision {
    /// Whether the policy allows.
    pub allow: bool,
    /// Why it denies, in policy order.
    pub violations: Vec<String>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// The decision record, canonical JSON.
    pub record: Buffer,
}

impl From<api::PolicyDecision> for PolicyDecision {
    fn from(d: api::PolicyDecision) -> Self {
        Self {
            allow: d.allow,
            violations: d.violations,
            warnings: d.warnings,
            record: d.record.into(),
        }
    }
}

// ------------------------------------------------------------------ transparency

/// A verified inclusion proof.
#[napi(object)]
pub struct InclusionVerified {
    /// The leaf's RFC 9162 hash, hex.
    pub leaf_hash: String,
    /// The leaf index.
    pub log_index: f64,
    /// The tree size.
    pub tree_size: f64,
    /// The root the proof leads to, hex.
    pub root_hash: String,
}

impl TryFrom<api::InclusionVerified> for InclusionVerified {
    type Error = ApiError;
    fn try_from(v: api::InclusionVerified) -> Result<Self, ApiError> {
        Ok(Self {
            leaf_hash: v.leaf_hash,
            log_index: number(v.log_index, "logIndex")?,
            tree_size: number(v.tree_size, "treeSize")?,
            root_hash: v.root_hash,
        })
    }
}

/// A trusted signed-note key.
#[napi(object)]
pub struct NoteKey {
    /// The key name (the log origin, usually).
    pub name: String,
    /// The public key, PEM (Ed25519 or ECDSA P-256).
    pub public_pem: String,
}

/// Options of `checkpointVerify`.
#[napi(object)]
pub struct CheckpointOptions {
    /// The trusted note keys (at least one).
    pub trusted_keys: Option<Vec<NoteKey>>,
    /// Check the tree size (with `expectedRootHash`); default (and 0) no check.
    pub expected_size: Option<f64>,
    /// Check the root hash (hex); default no check.
    pub expected_root_hash: Option<String>,
}

impl ToApi for Option<CheckpointOptions> {
    type Api = api::CheckpointOptions;
    fn to_api(self) -> Result<api::CheckpointOptions, ApiError> {
        let Some(o) = self else {
            return Ok(Default::default());
        };
        Ok(Self::Api {
            trusted_keys: o
                .trusted_keys
                .unwrap_or_default()
                .into_iter()
                .map(|k| api::NoteKey {
                    name: k.name,
                    public_pem: k.public_pem,
                })
                .collect(),
            expected_size: whole(o.expected_size, "expectedSize")?,
            expected_root_hash: text(o.expected_root_hash),
        })
    }
}

/// A verified C2SP checkpoint.
#[napi(object)]
pub struct CheckpointVerified {
    /// The log origin.
    pub origin: String,
    /// The tree size.
    pub size: f64,
    /// The root hash, hex.
    pub root_hash: String,
    /// The names of the trusted keys whose signatures verified.
    pub signers: Vec<String>,
}

impl TryFrom<api::CheckpointVerified> for CheckpointVerified {
    type Error = ApiError;
    fn try_from(v: api::CheckpointVerified) -> Result<Self, ApiError> {
        Ok(Self {
            origin: v.origin,
            size: number(v.size, "size")?,
            root_hash: v.root_hash,
            signers: v.signers,
        })
    }
}

/// Options of `sigstoreBundleVerify`.
#[napi(object)]
pub struct BundleVerifyOptions {
    /// The signer's candidate public keys, PEM (at least one).
    pub public_keys_pem: Option<Vec<String>>,
    /// Trusted Rekor log public keys, PEM.
    pub rekor_keys_pem: Option<Vec<String>>,
    /// A Sigstore `trusted_root.json` whose Rekor logs are trusted; default none.
    pub trusted_root_json: Option<Uint8Array>,
    /// The signed artifact: required for a message-signature bundle; for a DSSE bundle,
    /// optional, and when given it must be a subject of the envelope's in-toto statement.
    pub artifact: Option<Uint8Array>,
    /// Instead of `artifact`: its SHA-256, `sha256:<hex>`.
    pub artifact_digest: Option<String>,
    /// Keyless: the certificate identity (SAN) that must have signed, exactly.
    pub certificate_identity: Option<String>,
    /// Keyless: a regular expression the identity must match (unanchored, as cosign's).
    pub certificate_identity_regexp: Option<String>,
    /// Keyless: the OIDC issuer that must have vouched for the identity, exactly.
    pub certificate_oidc_issuer: Option<String>,
    /// Keyless: a regular expression the OIDC issuer must match (unanchored).
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Keyless: accept any identity the trusted Fulcio CA certified (**insecure**: skips only
    /// the identity checks); default false.
    pub insecure_ignore_identity: Option<bool>,
    /// With `trustedRootJson`: the least number of transparency log entries (default 1).
    /// 0 accepts a bundle without log entry that an RFC 3161 timestamp dates (GitHub's
    /// timestamp-only attestations).
    pub tlog_threshold: Option<u32>,
    /// Keyless: the least number of embedded SCTs that must verify (default 1); 0 skips the
    /// SCT check (a Fulcio without a CT log, such as GitHub's).
    pub sct_threshold: Option<u32>,
}

impl ToApi for Option<BundleVerifyOptions> {
    type Api = api::BundleVerifyOptions;
    fn to_api(self) -> Result<api::BundleVerifyOptions, ApiError> {
        let Some(o) = self else {
            return Ok(api::BundleVerifyOptions::default());
        };
        Ok(api::BundleVerifyOptions {
            public_keys_pem: strings(o.public_keys_pem),
            rekor_keys_pem: strings(o.rekor_keys_pem),
            trusted_root_json: bytes(o.trusted_root_json),
            artifact: bytes(o.artifact),
            artifact_digest: text(o.artifact_digest),
            certificate_identity: text(o.certificate_identity),
            certificate_identity_regexp: text(o.certificate_identity_regexp),
            certificate_oidc_issuer: text(o.certificate_oidc_issuer),
            certificate_oidc_issuer_regexp: text(o.certificate_oidc_issuer_regexp),
            insecure_ignore_identity: o.insecure_ignore_identity.unwrap_or(false),
            tlog_threshold: o.tlog_threshold,
            sct_threshold: o.sct_threshold,
        })
    }
}

/// A verified Sigstore bundle.
#[napi(object)]
pub struct BundleVerified {
    /// The bundle media type.
    pub media_type: String,
    /// The artifact digest (`sha256:<hex>`) of a message-signature bundle; `''` otherwise.
    pub artifact_digest: String,
    /// The DSSE payload type of an envelope bundle; `''` otherwise.
    pub payload_type: String,
    /// The verified DSSE payload of an envelope bundle; empty otherwise.
    pub payload: Buffer,
    /// The id of the key that verified (key-based bundles); `''` for a keyless bundle.
    pub key_id: String,
    /// The log index of each verified transparency-log entry.
    pub log_indexes: Vec<f64>,
    /// Keyless bundles: the verified certificate identity (SAN); `''` otherwise.
    pub signer_identity: String,
    /// Keyless bundles: the certificate's OIDC issuer; `''` otherwise.
    pub signer_issuer: String,
    /// The verified signing times, Unix seconds; empty when verified against log keys only.
    pub signing_times: Vec<f64>,
}

impl TryFrom<api::BundleVerified> for BundleVerified {
    type Error = ApiError;
    fn try_from(v: api::BundleVerified) -> Result<Self, ApiError> {
        Ok(Self {
            media_type: v.media_type,
            artifact_digest: v.artifact_digest,
            payload_type: v.payload_type,
            payload: v.payload.into(),
            key_id: v.key_id,
            log_indexes: v
                .log_indexes
                .iter()
                .map(|i| number(*i, "logIndex"))
                .collect::<Result<_, _>>()?,
            signer_identity: v.signer_identity,
            signer_issuer: v.signer_issuer,
            // Unix seconds of real signing times are far inside f64's exact integer range.
            signing_times: v.signing_times.iter().map(|t| *t as f64).collect(),
        })
    }
}

// ------------------------------------------------------------------ pipeline

/// Options of `run`, the whole pipeline. With no `imagePath`, the embedded demo.
#[napi(object)]
pub struct RunOptions {
    /// The image path; default `''`: the embedded demo (offline, deterministic).
    pub image_path: Option<String>,
    /// The image's name in documents; default the path (or the demo's name).
    pub name: Option<String>,
    /// The DB snapshot (`dbBuild`); required with an image, ignored by the demo.
    pub snapshot: Option<Uint8Array>,
    /// The signing key (PKCS#8 / SEC1 PEM); required with an image; default for the demo: the
    /// public demo key.
    pub private_key_pem: Option<String>,
    /// The store directory (blobs, audit log, transparency log); default: in memory.
    pub store_dir: Option<String>,
    /// The fixed clock (RFC 3339); default the system clock (the demo: its own fixed time).
    pub time: Option<String>,
    /// VEX inputs (OpenVEX, DSSE-signed OpenVEX, waivers), in order (image runs).
    pub vex: Option<Vec<Uint8Array>>,
    /// Public keys (PEM) that verify signed VEX and waivers.
    pub vex_public_keys_pem: Option<Vec<String>>,
    /// Count unsigned VEX; default false.
    pub allow_unsigned_vex: Option<bool>,
    /// `os/arch[/variant]` of a multi-platform image; default the host's.
    pub platform: Option<String>,
    /// Who runs it (recorded); default `stella api`.
    pub actor: Option<String>,
}

impl ToApi for Option<RunOptions> {
    type Api = api::RunOptions;
    fn to_api(self) -> Result<api::RunOptions, ApiError> {
        let Some(o) = self else {
            return Ok(api::RunOptions::default());
        };
        Ok(api::RunOptions {
            image_path: text(o.image_path),
            name: text(o.name),
            snapshot: bytes(o.snapshot),
            private_key_pem: text(o.private_key_pem),
            store_dir: text(o.store_dir),
            time: text(o.time),
            vex: byte_list(o.vex.unwrap_or_default()),
            vex_public_keys_pem: strings(o.vex_public_keys_pem),
            allow_unsigned_vex: flag(o.allow_unsigned_vex),
            platform: text(o.platform),
            actor: text(o.actor),
        })
    }
}

/// One artifact of a run, with its bytes.
#[napi(object)]
pub struct RunArtifact {
    /// The kind (`'sbom-cyclonedx'`, `'decision-attestation'`, …).
    pub kind: String,
    /// Its digest, `sha256:<hex>`.
    pub digest: String,
    /// Its media type.
    pub media_type: String,
    /// Its bytes.
    pub bytes: Buffer,
}

/// The result of `run`.
#[napi(object)]
pub struct RunResult {
    /// Whether the gate allows the image.
    pub allow: bool,
    /// The run report, canonical JSON (what `stella run --json` prints, without the newline).
    pub report_json: Buffer,
    /// Every artifact, in report order.
    pub artifacts: Vec<RunArtifact>,
}

impl From<api::RunResult> for RunResult {
    fn from(r: api::RunResult) -> Self {
        Self {
            allow: r.allow,
            report_json: r.report_json.into(),
            artifacts: r
                .artifacts
                .into_iter()
                .map(|a| RunArtifact {
                    kind: a.kind,
                    digest: a.digest,
                    media_type: a.media_type,
                    bytes: a.bytes.into(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_only() {
        assert_eq!(whole(None, "x").unwrap(), 0);
        assert_eq!(whole(Some(7.0), "x").unwrap(), 7);
        assert_eq!(
            whole(Some(9_007_199_254_740_991.0), "x").unwrap(),
            MAX_SAFE_INTEGER
        );
        for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 9_007_199_254_740_992.0] {
            let e = whole(Some(bad), "x").unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidArgument, "{bad}");
        }
    }

    #[test]
    fn results_beyond_safe_integers_are_refused() {
        assert_eq!(
            number(MAX_SAFE_INTEGER, "x").unwrap(),
            9_007_199_254_740_991.0
        );
        assert_eq!(number(u64::MAX, "x").unwrap_err().kind, ErrorKind::Limit);
    }

    #[test]
    fn enum_names_parse_or_fail() {
        let o = (Some(SbomOptions {
            format: Some("spdx-json".into()),
            timestamp: None,
            platform: None,
            name: None,
        }))
        .to_api()
        .unwrap();
        assert_eq!(o.format, api::SbomFormat::SpdxJson);
        let e = (Some(ScanOptions {
            format: Some("xml".into()),
            platform: None,
            name: None,
        }))
        .to_api()
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
        let e = (Some(GenerateKeyOptions {
            algorithm: Some("rsa".into()),
        }))
        .to_api()
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument);
    }
}

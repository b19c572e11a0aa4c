//! The API's option and result types, declared to uniffi as remote types: each declaration
//! repeats the field list of `stella_bindings_api::types` so uniffi generates the lowering and
//! lifting code (Swift structs and enums, Python classes) for the API's own types — no copy and
//! no hand-written conversion. A field added to or removed from an API type fails to compile
//! here until the declaration follows.
//!
//! Fields whose default is "empty / 0 / false" carry `#[uniffi(default)]`, so the Swift
//! initializers take them as defaulted arguments. Enum fields have no default (uniffi's Swift
//! generator has no default for enum types in proc-macro mode): give the format or algorithm.

use stella_bindings_api::{
    BundleVerified, BundleVerifyOptions, CheckpointOptions, CheckpointVerified, DbBuildOptions,
    DsseSignOptions, DsseVerifyOptions, EntryTraceOptions, GenerateKeyOptions, InclusionVerified,
    KeyAlgorithm, KeyPair, NamedBytes, NoteKey, PolicyDecision, PolicyOptions, PublicKeyInfo,
    RunArtifact, RunOptions, RunResult, SbomFormat, SbomOptions, ScanFormat, ScanOptions,
    StatementInfo, StatementOptions, StatementSubject, VerifiedEnvelope, VexGenerateOptions,
    VexMergeOptions, VexMerged, VexValidateOptions, VexValidation,
};

/// A key algorithm.
#[uniffi::remote(Enum)]
pub enum KeyAlgorithm {
    /// ECDSA P-256 with SHA-256 (signatures are randomized).
    EcdsaP256,
    /// Ed25519 (signatures are deterministic).
    Ed25519,
}

/// An SBOM format.
#[uniffi::remote(Enum)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    CycloneDxJson,
    /// SPDX 3.0.1 JSON-LD.
    SpdxJson,
}

/// A scan output format.
#[uniffi::remote(Enum)]
pub enum ScanFormat {
    /// The Stella findings JSON document.
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

/// Options of `generateKey`.
#[uniffi::remote(Record)]
pub struct GenerateKeyOptions {
    /// The algorithm (`.ecdsaP256` is the API's default).
    pub algorithm: KeyAlgorithm,
}

/// A private key with its public half, as PEM text.
#[uniffi::remote(Record)]
pub struct KeyPair {
    /// The algorithm.
    pub algorithm: KeyAlgorithm,
    /// The private key, PKCS#8 PEM. Secret: the binding keeps no copy.
    pub private_pem: String,
    /// The public key, SPKI PEM.
    pub public_pem: String,
    /// The key id: hex SHA-256 of the DER SubjectPublicKeyInfo.
    pub key_id: String,
}

/// A public key, as PEM text.
#[uniffi::remote(Record)]
pub struct PublicKeyInfo {
    /// The algorithm.
    pub algorithm: KeyAlgorithm,
    /// The public key, SPKI PEM.
    pub public_pem: String,
    /// The key id (hex SHA-256 of the DER SPKI).
    pub key_id: String,
}

/// Options of `dsseSign`.
#[uniffi::remote(Record)]
pub struct DsseSignOptions {
    /// The payload type; empty means `application/vnd.in-toto+json`.
    #[uniffi(default)]
    pub payload_type: String,
}

/// Options of `dsseVerify`.
#[uniffi::remote(Record)]
pub struct DsseVerifyOptions {
    /// Trusted public keys, PEM (a private key PEM gives its public half). At least one.
    #[uniffi(default)]
    pub public_keys_pem: Vec<String>,
    /// How many distinct keys must have signed; 0 means 1.
    #[uniffi(default)]
    pub threshold: u32,
    /// Accepted payload types; empty means only `application/vnd.in-toto+json`.
    #[uniffi(default)]
    pub payload_types: Vec<String>,
    /// Refuse ECDSA signatures with a high S value.
    #[uniffi(default)]
    pub reject_high_s: bool,
}

/// A DSSE envelope whose signatures verified.
#[uniffi::remote(Record)]
pub struct VerifiedEnvelope {
    /// The payload type.
    pub payload_type: String,
    /// The payload bytes, returned only because the signatures verified.
    pub payload: Vec<u8>,
    /// The key ids whose signatures verified, sorted.
    pub key_ids: Vec<String>,
}

/// One subject of an in-toto statement.
#[uniffi::remote(Record)]
pub struct StatementSubject {
    /// The subject's name (may be empty: none).
    pub name: String,
    /// Its SHA-256 digest, `sha256:<hex>`.
    pub digest: String,
}

/// Options of `statementBuild`.
#[uniffi::remote(Record)]
pub struct StatementOptions {
    /// The subjects (at least one).
    #[uniffi(default)]
    pub subjects: Vec<StatementSubject>,
    /// The predicate type URI.
    #[uniffi(default)]
    pub predicate_type: String,
    /// The predicate, a JSON object (any formatting; written canonically).
    #[uniffi(default)]
    pub predicate_json: Vec<u8>,
}

/// A parsed in-toto statement.
#[uniffi::remote(Record)]
pub struct StatementInfo {
    /// The statement `_type` URI.
    pub statement_type: String,
    /// The predicate type URI.
    pub predicate_type: String,
    /// The subjects, in document order (sha256 digests only).
    pub subjects: Vec<StatementSubject>,
    /// The predicate, canonical JSON (RFC 8785).
    pub predicate_json: Vec<u8>,
}

/// Options of the SBOM functions.
#[uniffi::remote(Record)]
pub struct SbomOptions {
    /// The format (`.cycloneDxJson` is the API's default).
    pub format: SbomFormat,
    /// The document timestamp (RFC 3339); empty: the image's `created`, else the system clock.
    #[uniffi(default)]
    pub timestamp: String,
    /// `os/arch[/variant]` of a multi-platform image; empty means linux/amd64.
    #[uniffi(default)]
    pub platform: String,
    /// The image's name in the document; empty means the path (or `image` for bytes).
    #[uniffi(default)]
    pub name: String,
}

/// Options of the scan functions.
#[uniffi::remote(Record)]
pub struct ScanOptions {
    /// The output format (`.json` is the API's default).
    pub format: ScanFormat,
    /// `os/arch[/variant]` of a multi-platform image; empty means linux/amd64.
    #[uniffi(default)]
    pub platform: String,
    /// The target's name in the output; empty means the path (or `image` / `sbom` for bytes).
    #[uniffi(default)]
    pub name: String,
}

/// Options of the entry-trace functions.
#[uniffi::remote(Record)]
pub struct EntryTraceOptions {
    /// `os/arch[/variant]` of a multi-platform image; empty means linux/amd64.
    #[uniffi(default)]
    pub platform: String,
}

/// One named input file (an OSV document, a Rego module).
#[uniffi::remote(Record)]
pub struct NamedBytes {
    /// Its name (a relative path).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Options of `dbBuild`.
#[uniffi::remote(Record)]
pub struct DbBuildOptions {
    /// The snapshot date (RFC 3339); empty means the latest `modified` of the records.
    #[uniffi(default)]
    pub date: String,
    /// Skip records that do not parse instead of failing.
    #[uniffi(default)]
    pub lenient: bool,
}

/// Options of `vexValidate`.
#[uniffi::remote(Record)]
pub struct VexValidateOptions {
    /// "Now" for the timestamp checks (RFC 3339); empty means the system clock.
    #[uniffi(default)]
    pub now: String,
}

/// The result of `vexValidate`.
#[uniffi::remote(Record)]
pub struct VexValidation {
    /// The document's `@id`.
    pub id: String,
    /// How many statements it has.
    pub statements: u32,
}

/// Which VEX inputs count, and the clock (options of `vexMerge` and `vexApply`).
#[uniffi::remote(Record)]
pub struct VexMergeOptions {
    /// "Now" (RFC 3339); empty means the system clock.
    #[uniffi(default)]
    pub now: String,
    /// The merged document's author; empty means `Stella Ops`.
    #[uniffi(default)]
    pub author: String,
    /// Write each decision's provenance into the statements' `status_notes`.
    #[uniffi(default)]
    pub explain: bool,
    /// Count unsigned documents (default: only signed input from a trusted key counts).
    #[uniffi(default)]
    pub allow_unsigned: bool,
    /// Public keys (PEM) that verify signed (DSSE) inputs.
    #[uniffi(default)]
    pub trusted_keys_pem: Vec<String>,
    /// A trust policy (YAML, as `stella vex merge --trust`); empty means none.
    #[uniffi(default)]
    pub trust_policy_yaml: String,
}

/// The result of `vexMerge`.
#[uniffi::remote(Record)]
pub struct VexMerged {
    /// The merged OpenVEX document.
    pub document: Vec<u8>,
    /// The human-readable explanation of every decision.
    pub explanation: String,
    /// The same decisions as data, canonical JSON (RFC 8785).
    pub decisions_json: Vec<u8>,
}

/// Options of `vexGenerate`.
#[uniffi::remote(Record)]
pub struct VexGenerateOptions {
    /// The document timestamp (RFC 3339); empty means the system clock.
    #[uniffi(default)]
    pub now: String,
    /// The author when no policy is given; empty means `Stella Ops`.
    #[uniffi(default)]
    pub author: String,
    /// A VEX policy (YAML, as `stella vex create --policy`); empty means none.
    #[uniffi(default)]
    pub policy_yaml: String,
}

/// Options of `policyEvaluate`.
#[uniffi::remote(Record)]
pub struct PolicyOptions {
    /// The bundle's files (`*.rego`, optional `data.json`); empty means the built-in bundle.
    #[uniffi(default)]
    pub bundle_files: Vec<NamedBytes>,
    /// The bundle revision to record; empty means none.
    #[uniffi(default)]
    pub revision: String,
    /// Built-in bundle only: deny (instead of warn on) `under_investigation` criticals.
    #[uniffi(default)]
    pub deny_under_investigation: bool,
    /// The decision time (RFC 3339); empty means the system clock.
    #[uniffi(default)]
    pub time: String,
    /// Who asked; empty means `stella-bindings`.
    #[uniffi(default)]
    pub actor: String,
    /// The Rego query; empty means `data.stella.policy`.
    #[uniffi(default)]
    pub query: String,
    /// The instruction limit; 0 means the library default.
    #[uniffi(default)]
    pub max_instructions: u64,
}

/// A gate decision (a deny is a result, not an error).
#[uniffi::remote(Record)]
pub struct PolicyDecision {
    /// Whether the policy allows.
    pub allow: bool,
    /// Violations (why it denies), in policy order.
    pub violations: Vec<String>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// The decision record, canonical JSON (RFC 8785).
    pub record: Vec<u8>,
}

/// A verified inclusion proof.
#[uniffi::remote(Record)]
pub struct InclusionVerified {
    /// The leaf's RFC 9162 hash, hex.
    pub leaf_hash: String,
    /// The leaf index.
    pub log_index: u64,
    /// The tree size.
    pub tree_size: u64,
    /// The root the proof leads to, hex.
    pub root_hash: String,
}

/// A trusted signed-note key.
#[uniffi::remote(Record)]
pub struct NoteKey {
    /// The key name (the log origin, usually).
    pub name: String,
    /// The public key, PEM (Ed25519 or ECDSA P-256).
    pub public_pem: String,
}

/// Options of `checkpointVerify`.
#[uniffi::remote(Record)]
pub struct CheckpointOptions {
    /// The trusted note keys (at least one).
    #[uniffi(default)]
    pub trusted_keys: Vec<NoteKey>,
    /// Check against this tree size (with `expectedRootHash`); 0 means no check.
    #[uniffi(default)]
    pub expected_size: u64,
    /// Check against this root hash (hex); empty means no check.
    #[uniffi(default)]
    pub expected_root_hash: String,
}

/// A verified C2SP checkpoint.
#[uniffi::remote(Record)]
pub struct CheckpointVerified {
    /// The log origin.
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The root hash, hex.
    pub root_hash: String,
    /// The names of the trusted keys whose signatures verified.
    pub signers: Vec<String>,
}

/// Options of `sigstoreBundleVerify`.
#[uniffi::remote(Record)]
pub struct BundleVerifyOptions {
    /// The signer's candidate public keys, PEM (at least one).
    #[uniffi(default)]
    pub public_keys_pem: Vec<String>,
    /// Trusted Rekor log public keys, PEM.
    #[uniffi(default)]
    pub rekor_keys_pem: Vec<String>,
    /// A Sigstore `trusted_root.json` whose Rekor logs are trusted; empty means none.
    #[uniffi(default)]
    pub trusted_root_json: Vec<u8>,
    /// The signed artifact: required for a message-signature bundle; for a DSSE bundle,
    /// optional, and when given it must be a subject of the envelope's in-toto statement.
    /// Empty means none.
    #[uniffi(default)]
    pub artifact: Vec<u8>,
    /// Instead of `artifact`: its SHA-256 as `sha256:<hex>`. Empty means none.
    #[uniffi(default)]
    pub artifact_digest: String,
    /// Keyless: the certificate identity (SAN) that must have signed, exactly.
    #[uniffi(default)]
    pub certificate_identity: String,
    /// Keyless: a regular expression the identity must match (unanchored, as cosign's).
    #[uniffi(default)]
    pub certificate_identity_regexp: String,
    /// Keyless: the OIDC issuer that must have vouched for the identity, exactly.
    #[uniffi(default)]
    pub certificate_oidc_issuer: String,
    /// Keyless: a regular expression the OIDC issuer must match (unanchored).
    #[uniffi(default)]
    pub certificate_oidc_issuer_regexp: String,
    /// Keyless: accept any identity the trusted Fulcio CA certified (**insecure**: skips only
    /// the identity checks).
    #[uniffi(default)]
    pub insecure_ignore_identity: bool,
    /// With `trustedRootJson`: the least number of transparency log entries (nil: 1). 0
    /// accepts a bundle without log entry that an RFC 3161 timestamp dates (GitHub's
    /// timestamp-only attestations).
    #[uniffi(default)]
    pub tlog_threshold: Option<u32>,
    /// Keyless: the least number of embedded SCTs that must verify (nil: 1); 0 skips the SCT
    /// check (a Fulcio without a CT log, such as GitHub's).
    #[uniffi(default)]
    pub sct_threshold: Option<u32>,
}

/// A verified Sigstore bundle.
#[uniffi::remote(Record)]
pub struct BundleVerified {
    /// The bundle media type.
    pub media_type: String,
    /// The artifact digest (`sha256:<hex>`) of a message-signature bundle; empty otherwise.
    pub artifact_digest: String,
    /// The DSSE payload type of an envelope bundle; empty otherwise.
    pub payload_type: String,
    /// The DSSE payload of an envelope bundle (verified); empty otherwise.
    pub payload: Vec<u8>,
    /// The id of the key that verified (key-based bundles); empty for a keyless bundle.
    pub key_id: String,
    /// The log index of each verified transparency log entry.
    pub log_indexes: Vec<u64>,
    /// Keyless bundles: the verified certificate identity (SAN); empty otherwise.
    pub signer_identity: String,
    /// Keyless bundles: the certificate's OIDC issuer; empty otherwise.
    pub signer_issuer: String,
    /// The verified signing times, Unix seconds; empty when verified against log keys only.
    pub signing_times: Vec<i64>,
}

/// Options of `run`, the whole pipeline; all defaults run the embedded demo.
#[uniffi::remote(Record)]
pub struct RunOptions {
    /// The image path; empty runs the embedded demo.
    #[uniffi(default)]
    pub image_path: String,
    /// The image's name in documents; empty: the path (or the demo's name).
    #[uniffi(default)]
    pub name: String,
    /// The DB snapshot (`dbBuild`); required with an image, ignored by the demo.
    #[uniffi(default)]
    pub snapshot: Vec<u8>,
    /// The signing key (PKCS#8 / SEC1 PEM); required with an image.
    #[uniffi(default)]
    pub private_key_pem: String,
    /// The store directory (created if missing); empty: in memory, nothing written.
    #[uniffi(default)]
    pub store_dir: String,
    /// The fixed clock (RFC 3339); empty: the system clock (the demo's own fixed time).
    #[uniffi(default)]
    pub time: String,
    /// VEX inputs (OpenVEX JSON, DSSE-signed OpenVEX, waivers), in order (image runs).
    #[uniffi(default)]
    pub vex: Vec<Vec<u8>>,
    /// Public keys (PEM) that verify signed VEX and waivers.
    #[uniffi(default)]
    pub vex_public_keys_pem: Vec<String>,
    /// Count unsigned VEX.
    #[uniffi(default)]
    pub allow_unsigned_vex: bool,
    /// `os/arch[/variant]` to pick from a multi-platform image; empty: the default.
    #[uniffi(default)]
    pub platform: String,
    /// Who runs it (recorded); empty: `"stella api"`.
    #[uniffi(default)]
    pub actor: String,
}

/// One artifact of a run, with its bytes.
#[uniffi::remote(Record)]
pub struct RunArtifact {
    /// The artifact kind (`"sbom-cyclonedx"`, `"decision-attestation"`, …).
    pub kind: String,
    /// Its digest, `sha256:<hex>`.
    pub digest: String,
    /// Its media type.
    pub media_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The result of `run`.
#[uniffi::remote(Record)]
pub struct RunResult {
    /// Whether the gate allows the image.
    pub allow: bool,
    /// The run report, canonical JSON.
    pub report_json: Vec<u8>,
    /// Every artifact, in report order.
    pub artifacts: Vec<RunArtifact>,
}

//! The option and result structs of the API: plain, owned, `Clone`, no lifetimes or generics,
//! so pyo3 / napi / uniffi bind them field by field. Options derive `Default`; every default is
//! stated on its field.

/// A key algorithm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// ECDSA P-256 with SHA-256 (the default; signatures are randomized).
    #[default]
    EcdsaP256,
    /// Ed25519 (signatures are deterministic: same key and message, same bytes).
    Ed25519,
}

impl KeyAlgorithm {
    /// The name used in results and manifests: `"ecdsa-p256"` or `"ed25519"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::EcdsaP256 => "ecdsa-p256",
            Self::Ed25519 => "ed25519",
        }
    }

    /// Parses [`KeyAlgorithm::name`] back.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "ecdsa-p256" => Some(Self::EcdsaP256),
            "ed25519" => Some(Self::Ed25519),
            _ => None,
        }
    }
}

/// Options of [`crate::generate_key`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateKeyOptions {
    /// The algorithm; default ECDSA P-256.
    pub algorithm: KeyAlgorithm,
}

/// A private key with its public half, as PEM text.
///
/// ```
/// use stella_bindings_api::{GenerateKeyOptions, KeyAlgorithm, generate_key, import_private_key};
/// let key = generate_key(&GenerateKeyOptions { algorithm: KeyAlgorithm::Ed25519 })?;
/// assert!(key.private_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
/// assert_eq!(import_private_key(&key.private_pem)?.key_id, key.key_id);
/// # Ok::<(), stella_bindings_api::ApiError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPair {
    /// The algorithm.
    pub algorithm: KeyAlgorithm,
    /// The private key, PKCS#8 PEM (`BEGIN PRIVATE KEY`). Secret: the bindings hand it to the
    /// caller and keep no copy.
    pub private_pem: String,
    /// The public key, SPKI PEM (`BEGIN PUBLIC KEY`).
    pub public_pem: String,
    /// The key id: `sha256:<hex>` of the DER SubjectPublicKeyInfo (what DSSE `keyid`s hold).
    pub key_id: String,
}

/// A public key, as PEM text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyInfo {
    /// The algorithm.
    pub algorithm: KeyAlgorithm,
    /// The public key, SPKI PEM.
    pub public_pem: String,
    /// The key id: `sha256:<hex>` of the DER SPKI.
    pub key_id: String,
}

/// Options of [`crate::dsse_sign`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DsseSignOptions {
    /// The payload type; empty means `application/vnd.in-toto+json`.
    pub payload_type: String,
}

/// Options of [`crate::dsse_verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DsseVerifyOptions {
    /// The keyring: trusted public keys, PEM (a private key PEM is accepted and its public half
    /// used). At least one.
    pub public_keys_pem: Vec<String>,
    /// How many distinct keys must have signed; 0 means 1.
    pub threshold: u32,
    /// Accepted payload types; empty means only `application/vnd.in-toto+json`.
    pub payload_types: Vec<String>,
    /// Refuse ECDSA signatures with a high S value (non-malleable form only); default false.
    pub reject_high_s: bool,
}

/// A DSSE envelope whose signatures verified.
///
/// ```
/// use stella_bindings_api::*;
/// let key = generate_key(&GenerateKeyOptions { algorithm: KeyAlgorithm::Ed25519 })?;
/// let envelope = dsse_sign(b"{}", &[key.private_pem.clone()], &DsseSignOptions::default())?;
/// let verified = dsse_verify(&envelope, &DsseVerifyOptions {
///     public_keys_pem: vec![key.public_pem.clone()],
///     ..DsseVerifyOptions::default()
/// })?;
/// assert_eq!(verified.payload, b"{}");
/// assert_eq!(verified.key_ids, vec![key.key_id]);
/// # Ok::<(), ApiError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedEnvelope {
    /// The payload type.
    pub payload_type: String,
    /// The payload bytes, returned only because the signatures verified.
    pub payload: Vec<u8>,
    /// The key ids whose signatures verified, sorted.
    pub key_ids: Vec<String>,
}

/// One subject of an in-toto statement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementSubject {
    /// The subject's name (may be empty: none).
    pub name: String,
    /// Its SHA-256 digest, `sha256:<hex>`.
    pub digest: String,
}

/// Options of [`crate::statement_build`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementOptions {
    /// The subjects (at least one).
    pub subjects: Vec<StatementSubject>,
    /// The predicate type URI.
    pub predicate_type: String,
    /// The predicate, a JSON object (any formatting; written canonically).
    pub predicate_json: Vec<u8>,
}

/// A parsed in-toto statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementInfo {
    /// The statement `_type` URI.
    pub statement_type: String,
    /// The predicate type URI.
    pub predicate_type: String,
    /// The subjects, in document order; only the sha256 digest of each is reported.
    pub subjects: Vec<StatementSubject>,
    /// The predicate, canonical JSON (RFC 8785).
    pub predicate_json: Vec<u8>,
}

/// An SBOM format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON (the default).
    #[default]
    CycloneDxJson,
    /// SPDX 3.0.1 JSON-LD.
    SpdxJson,
}

/// Options of the SBOM functions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SbomOptions {
    /// The format; default CycloneDX 1.6.
    pub format: SbomFormat,
    /// The document timestamp (RFC 3339). Empty: the image config's `created`, else the system
    /// clock (give one for reproducible bytes from a root filesystem directory).
    pub timestamp: String,
    /// The platform of a multi-platform image, `os/arch[/variant]`; empty means linux/amd64.
    pub platform: String,
    /// The image's name in the document; empty means the path (or `image` for bytes).
    pub name: String,
}

/// A scan output format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ScanFormat {
    /// The Stella findings JSON document (the default).
    #[default]
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

/// Options of the scan functions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanOptions {
    /// The output format; default findings JSON.
    pub format: ScanFormat,
    /// The platform of a multi-platform image; empty means linux/amd64.
    pub platform: String,
    /// The target's name in the output; empty means the path (or `image` / `sbom` for bytes).
    pub name: String,
}

/// Options of the entry-trace functions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryTraceOptions {
    /// The platform of a multi-platform image; empty means linux/amd64.
    pub platform: String,
}

/// One named input file (an OSV document, a Rego module).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedBytes {
    /// Its name (a relative path).
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Options of [`crate::db_build`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DbBuildOptions {
    /// The snapshot date (RFC 3339); empty means the latest `modified` of the records.
    pub date: String,
    /// Skip records that do not parse instead of failing; default false (strict).
    pub lenient: bool,
}

/// Options of [`crate::vex_validate`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VexValidateOptions {
    /// "Now" for the timestamp checks (RFC 3339); empty means the system clock.
    pub now: String,
}

/// The result of [`crate::vex_validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexValidation {
    /// The document's `@id`.
    pub id: String,
    /// How many statements it has.
    pub statements: u32,
}

/// Which VEX inputs count, and the clock (options of [`crate::vex_merge`] and
/// [`crate::vex_apply`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VexMergeOptions {
    /// "Now" (RFC 3339): the merged document's timestamp and the waiver-expiry clock; empty
    /// means the system clock.
    pub now: String,
    /// The merged document's author; empty means `Stella Ops`.
    pub author: String,
    /// Write each decision's provenance into the statements' `status_notes`; default false.
    pub explain: bool,
    /// Count unsigned documents; default false (only signed input from a trusted key counts).
    pub allow_unsigned: bool,
    /// Public keys (PEM) that verify signed (DSSE) inputs; without a trust policy they are the
    /// trusted issuers.
    pub trusted_keys_pem: Vec<String>,
    /// A trust policy (YAML, as `stella vex merge --trust`); empty means none.
    pub trust_policy_yaml: String,
}

/// The result of [`crate::vex_merge`].
///
/// ```
/// use stella_bindings_api::*;
/// let doc = br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1",
///   "author":"Example","timestamp":"2024-01-01T00:00:00Z","version":1,
///   "statements":[{"vulnerability":{"name":"CVE-2024-0001"},
///     "products":[{"@id":"pkg:npm/left-pad@1.0.0"}],"status":"not_affected",
///     "justification":"vulnerable_code_not_present"}]}"#;
/// let merged = vex_merge(&[doc.to_vec()], &VexMergeOptions {
///     now: "2024-06-01T00:00:00Z".into(), allow_unsigned: true, ..VexMergeOptions::default()
/// })?;
/// assert!(merged.explanation.contains("CVE-2024-0001"));
/// # Ok::<(), ApiError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexMerged {
    /// The merged OpenVEX document (as the library writes it).
    pub document: Vec<u8>,
    /// The human-readable explanation: which statement decided each (vulnerability, product),
    /// what it superseded, and what was not applied and why.
    pub explanation: String,
    /// The same decisions as data, canonical JSON (RFC 8785).
    pub decisions_json: Vec<u8>,
}

/// Options of [`crate::vex_generate`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VexGenerateOptions {
    /// The document timestamp (RFC 3339); empty means the system clock.
    pub now: String,
    /// The author when no policy is given; empty means `Stella Ops`.
    pub author: String,
    /// A VEX policy (YAML, as `stella vex create --policy`); empty means none: every finding
    /// becomes `under_investigation`.
    pub policy_yaml: String,
}

/// Options of [`crate::policy_evaluate`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyOptions {
    /// The bundle's files: `*.rego` modules and an optional top-level `data.json`. Empty means
    /// the built-in bundle.
    pub bundle_files: Vec<NamedBytes>,
    /// The bundle revision to record; empty means none.
    pub revision: String,
    /// Built-in bundle only: deny (instead of warn on) `under_investigation` criticals.
    pub deny_under_investigation: bool,
    /// The decision time (RFC 3339) recorded; empty means the system clock (whole seconds).
    pub time: String,
    /// Who asked, recorded; empty means `stella-bindings`.
    pub actor: String,
    /// The Rego query; empty means `data.stella.policy`.
    pub query: String,
    /// The instruction limit; 0 means the library default.
    pub max_instructions: u64,
}

/// A gate decision.
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// A trusted signed-note key (options of [`crate::checkpoint_verify`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoteKey {
    /// The key name (the log origin, usually).
    pub name: String,
    /// The public key, PEM (Ed25519 or ECDSA P-256).
    pub public_pem: String,
}

/// Options of [`crate::checkpoint_verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckpointOptions {
    /// The trusted note keys (at least one).
    pub trusted_keys: Vec<NoteKey>,
    /// Check the checkpoint against this tree size (with `expected_root_hash`); 0 means no
    /// check.
    pub expected_size: u64,
    /// Check the checkpoint against this root hash (hex); empty means no check.
    pub expected_root_hash: String,
}

/// A verified C2SP checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Options of [`crate::sigstore_bundle_verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleVerifyOptions {
    /// The signer's candidate public keys, PEM (at least one).
    pub public_keys_pem: Vec<String>,
    /// Trusted Rekor log public keys, PEM.
    pub rekor_keys_pem: Vec<String>,
    /// A Sigstore `trusted_root.json` whose Rekor logs are trusted; empty means none.
    pub trusted_root_json: Vec<u8>,
    /// The signed artifact: required for a message-signature bundle (its digest and signature
    /// are checked). For a DSSE bundle, optional; when given, the envelope must hold an in-toto
    /// statement with a subject of the artifact's SHA-256, or the bundle does not verify.
    /// Empty means none.
    pub artifact: Vec<u8>,
    /// Instead of `artifact`: its SHA-256 as `sha256:<hex>` (a message-signature bundle's
    /// digest, or a subject of a DSSE bundle's statement). Empty means none.
    pub artifact_digest: String,
    /// Keyless bundles: the certificate identity (Subject Alternative Name) that must have
    /// signed, exactly (cosign's `--certificate-identity`). Empty means not given.
    pub certificate_identity: String,
    /// Keyless bundles: a regular expression the certificate identity must match
    /// (`--certificate-identity-regexp`; unanchored, as cosign's: anchor it with `^…$`).
    /// Empty means not given.
    pub certificate_identity_regexp: String,
    /// Keyless bundles: the OIDC issuer that must have vouched for the identity, exactly
    /// (`--certificate-oidc-issuer`). Empty means not given.
    pub certificate_oidc_issuer: String,
    /// Keyless bundles: a regular expression the OIDC issuer must match
    /// (`--certificate-oidc-issuer-regexp`; unanchored, as cosign's). Empty means not given.
    pub certificate_oidc_issuer_regexp: String,
    /// Keyless bundles: accept any identity the trusted Fulcio CA certified. **Insecure**: it
    /// skips only the identity and issuer checks (the chain, SCT, log and signing time are still
    /// verified). Must be chosen by name; an empty identity policy is refused.
    pub insecure_ignore_identity: bool,
    /// With `trusted_root_json`: the least number of transparency log entries (sigstore-go's
    /// threshold); `None` means 1. `Some(0)` accepts a bundle without any log entry when an
    /// RFC 3161 timestamp dates it (GitHub's timestamp-only attestations; its signature was
    /// never logged publicly). Entries a bundle carries are verified whatever the threshold.
    pub tlog_threshold: Option<u32>,
    /// Keyless bundles: the least number of embedded SCTs that must verify under the trusted
    /// root's CT logs; `None` means 1. `Some(0)` skips the SCT check (a Fulcio without a CT
    /// log, such as GitHub's).
    pub sct_threshold: Option<u32>,
}

/// A verified Sigstore bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// Keyless bundles: the verified certificate identity (Subject Alternative Name); empty
    /// for a key-based bundle.
    pub signer_identity: String,
    /// Keyless bundles: the OIDC issuer of the verified certificate; empty for a key-based
    /// bundle.
    pub signer_issuer: String,
    /// The verified signing times, Unix seconds (Rekor integrated times and RFC 3161
    /// timestamps), in the order they were verified; empty when verified against log keys only
    /// (no trusted root).
    pub signing_times: Vec<i64>,
}

/// Options of [`crate::run`], the whole pipeline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// The image path (as [`crate::sbom_from_image_path`] takes); empty runs the embedded demo
    /// (its image, DB snapshot, vendor VEX, policy and public demo key).
    pub image_path: String,
    /// The image's name in documents; empty: the path (or the demo's name).
    pub name: String,
    /// The DB snapshot ([`crate::db_build`]); required with an image, ignored by the demo.
    pub snapshot: Vec<u8>,
    /// The signing key (PKCS#8 / SEC1 PEM) of attestations, the decision and the store's log;
    /// required with an image; empty with the demo: the public demo key.
    pub private_key_pem: String,
    /// The store directory (created if missing): blobs, audit log and transparency log kept
    /// as `stella run --store` keeps them. Empty: in memory, nothing written.
    pub store_dir: String,
    /// The fixed clock (RFC 3339) that makes a run deterministic; empty: the system clock
    /// (the demo's empty default is its own fixed time, so the demo is deterministic).
    pub time: String,
    /// VEX inputs (OpenVEX JSON, DSSE-signed OpenVEX, waivers), in order (image runs).
    pub vex: Vec<Vec<u8>>,
    /// Public keys (PEM) that verify signed VEX and waivers.
    pub vex_public_keys_pem: Vec<String>,
    /// Count unsigned VEX (default: only VEX signed by a `vex_public_keys_pem` key).
    pub allow_unsigned_vex: bool,
    /// `os/arch[/variant]` to pick from a multi-platform image; empty: the host's default.
    pub platform: String,
    /// Who runs it (recorded in the decision and the audit); empty: `"stella api"`.
    pub actor: String,
}

/// One artifact of a run, with its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// The result of [`crate::run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResult {
    /// Whether the gate allows the image.
    pub allow: bool,
    /// The run report as canonical JSON (the bytes `stella run --json` prints, without the
    /// newline).
    pub report_json: Vec<u8>,
    /// Every artifact, in report order.
    pub artifacts: Vec<RunArtifact>,
}

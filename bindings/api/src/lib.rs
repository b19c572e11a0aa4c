//! # stella-bindings-api
//!
//! The one API surface the Python (`stella_ops`), Node and Swift bindings expose. Each binding
//! is a thin wrapper over this crate: it converts these plain types and maps [`ApiError`] to
//! its language's error, nothing more. Every operation exists once, here, and is itself only a
//! composition of the Stella Ops library crates — no logic beyond converting types and mapping
//! errors.
//!
//! ## Conventions
//! - Documents and bytes cross as `&[u8]` / `Vec<u8>`, text as `&str` / `String`. JSON the
//!   API writes itself is canonical (RFC 8785); documents a library writes in its own form
//!   (SBOMs, SARIF, findings, OpenVEX) are returned exactly as the library writes them.
//! - Options are small `Default` structs ([`types`]); an empty string or 0 means "the default"
//!   as each field's docs say, so bindings can offer keyword arguments.
//! - One error, [`ApiError`] `{ kind, message }`, with a stable [`ErrorKind`] and
//!   [`ErrorKind::code`] (`"E_PARSE"`, …).
//! - Panics never cross: every public function runs under [`std::panic::catch_unwind`] and a
//!   panic becomes [`ErrorKind::Internal`]. [`force_panic_for_tests`] proves it per binding.
//!   The three infallible hashing functions ([`digest_of`], [`digest_of_hex`],
//!   [`merkle_leaf_hash`]) only run SHA-256 over the bytes given, which cannot panic; they
//!   return plain strings. The panic message still goes to the process's panic hook (stderr
//!   by default); a binding may install its own hook.
//! - Deterministic: clocks come in as options (`now`, `time`, `timestamp`, RFC 3339). Only
//!   when such an option is empty is the system clock read. Ed25519 signatures are
//!   deterministic; ECDSA P-256 signatures are randomized (verify them, do not compare bytes).
//!
//! ## The surface
//! | area | functions |
//! |---|---|
//! | JSON, digests | [`canonicalize_json`], [`digest_of`], [`digest_of_hex`] |
//! | keys | [`generate_key`], [`import_private_key`], [`public_key_from_pem`] |
//! | DSSE | [`dsse_sign`], [`dsse_verify`] |
//! | in-toto | [`statement_build`], [`statement_parse`] |
//! | SBOM | [`sbom_from_image_path`], [`sbom_from_image_bytes`] |
//! | vulnerabilities | [`db_build`], [`scan_image_path`], [`scan_image_bytes`], [`scan_sbom`] |
//! | entry-trace | [`entry_trace_image_path`], [`entry_trace_image_bytes`] |
//! | VEX | [`vex_validate`], [`vex_merge`], [`vex_apply`], [`vex_generate`] |
//! | policy | [`policy_evaluate`] |
//! | transparency | [`merkle_leaf_hash`], [`merkle_verify_inclusion`], [`checkpoint_verify`], [`sigstore_bundle_verify`] |
//! | pipeline | [`run`] |
//! | host content ([`host`]) | [`sbom_from_host_image`], [`scan_host_image`], [`entry_trace_host_image`], [`run_into_host_store`] |
//! | tests | [`force_panic_for_tests`] |
//!
//! ## Example
//! ```
//! use stella_bindings_api::*;
//!
//! assert_eq!(canonicalize_json(br#"{"b":1, "a":[1.0, 2e1]}"#)?, br#"{"a":[1,20],"b":1}"#);
//! assert_eq!(
//!     digest_of(b"abc"),
//!     "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
//! );
//! let key = generate_key(&GenerateKeyOptions::default())?; // ECDSA P-256
//! let statement = statement_build(&StatementOptions {
//!     subjects: vec![StatementSubject { name: "app".into(), digest: digest_of(b"app") }],
//!     predicate_type: "https://example.com/predicate/v1".into(),
//!     predicate_json: br#"{"ok":true}"#.to_vec(),
//! })?;
//! let envelope = dsse_sign(&statement, &[key.private_pem.clone()], &DsseSignOptions::default())?;
//! let verified = dsse_verify(&envelope, &DsseVerifyOptions {
//!     public_keys_pem: vec![key.public_pem],
//!     ..DsseVerifyOptions::default()
//! })?;
//! assert_eq!(statement_parse(&verified.payload)?.subjects[0].name, "app");
//! # Ok::<(), ApiError>(())
//! ```
//!
//! ## Dependencies and why
//! - `stella`, `stella-core`, `stella-attest`, `stella-scan`, `stella-vex`, `stella-policy`:
//!   the libraries this surface composes (image readers, the scan composition and the store
//!   come from `stella`).
//! - `stella-demo`: the embedded demo [`run`] runs when given no image.
//! - `serde` / `serde_json`: reading the JSON arguments the API takes (inclusion proofs) and
//!   writing its canonical JSON results through `stella-core`'s RFC 8785 writer.
//! - `thiserror`: the `Display`/`Error` impls of [`ApiError`].

mod error;
pub mod host;
pub mod types;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use stella::image::{ImageRef, OpenedImage, open_image, open_image_bytes};
use stella::scan::{ScanRequest, ScannedImage, catalog, findings_document};
use stella_attest::dsse::{Envelope, Keyring, PAYLOAD_TYPE_IN_TOTO};
use stella_attest::keys::{KeyError, LocalSigner, PrivateKey, PublicKey, SystemRandom};
use stella_attest::statement::{Statement, Subject};
use stella_attest::transparency::bundle::{
    ArtifactInput, Bundle, TrustRoot, TrustedRoot, VerificationPolicy, VerifiedContent,
};
use stella_attest::transparency::identity::{IdentityFlags, IdentityPolicy};
use stella_attest::transparency::merkle;
use stella_attest::transparency::note::{Checkpoint, NoteVerifier};
use stella_attest::transparency::rekor::RekorLogKey;
use stella_core::canonical::{self, JsonLimits};
use stella_core::{Digest, FixedClock, InclusionProof, MerkleHash, SignatureAlgorithm, Timestamp};
use stella_policy::{BuiltinOptions, EvalLimits, Gate, GateInput, GateOptions, UnderInvestigation};
use stella_scan::image::Platform;
use stella_scan::sbom::{WriteOptions, cyclonedx, spdx};
use stella_scan::sbom_input::read_sbom;
use stella_vex::{
    Document, MergeOptions, ValidationOptions, VexPolicy, VexSet, VexSource, generate,
    read_findings, validate,
};
use stella_vuln::import::{ImportMode, Importer};
use stella_vuln::report::OutputFormat;
use stella_vuln::snapshot::Snapshot;

pub use error::{ApiError, ErrorKind};
pub use host::*;
pub use types::*;

/// The name bytes inputs have in messages and results when the caller gives none.
const BYTES_NAME: &str = "image";

/// Runs `body` so that a panic inside it returns [`ErrorKind::Internal`] instead of unwinding
/// into the caller (a foreign runtime).
fn guard<T>(body: impl FnOnce() -> Result<T, ApiError>) -> Result<T, ApiError> {
    catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(ApiError::from_panic(&*payload)))
}

/// Panics inside the API's panic guard, so each binding's tests can check that a panic in the
/// library surfaces as an error (exception, rejected Promise, thrown Swift error) of kind
/// [`ErrorKind::Internal`] and does not abort the host process. Never call it otherwise.
///
/// ```
/// let err = stella_bindings_api::force_panic_for_tests().unwrap_err();
/// assert_eq!(err.kind, stella_bindings_api::ErrorKind::Internal);
/// assert!(err.message.contains("forced panic"));
/// ```
#[allow(clippy::panic)]
pub fn force_panic_for_tests() -> Result<(), ApiError> {
    guard(|| panic!("forced panic for tests"))
}

fn non_empty(text: &str) -> Option<&str> {
    if text.is_empty() { None } else { Some(text) }
}

/// The timestamp of an option: parsed when given, else the system clock (whole seconds).
fn time_or_now(text: &str, what: &str) -> Result<Timestamp, ApiError> {
    match non_empty(text) {
        Some(t) => {
            Timestamp::parse_rfc3339(t).map_err(|e| ApiError::invalid(format!("{what}: {e}")))
        }
        None => system_now(),
    }
}

fn system_now() -> Result<Timestamp, ApiError> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Ok(Timestamp::from_unix_seconds(
        i64::try_from(seconds).unwrap_or(0),
    )?)
}

fn platform(text: &str) -> Result<Option<Platform>, ApiError> {
    non_empty(text)
        .map(Platform::parse)
        .transpose()
        .map_err(|e| ApiError::invalid(format!("platform {text:?}: {e}")))
}

fn algorithm_of(a: SignatureAlgorithm) -> Result<KeyAlgorithm, ApiError> {
    match a {
        SignatureAlgorithm::EcdsaP256Sha256 => Ok(KeyAlgorithm::EcdsaP256),
        SignatureAlgorithm::Ed25519 => Ok(KeyAlgorithm::Ed25519),
        other => Err(ApiError::new(
            ErrorKind::Unsupported,
            format!("key algorithm {other:?}"),
        )),
    }
}

// ---------------------------------------------------------------- JSON and digests

/// Canonicalizes a JSON document (RFC 8785 / JCS): strict parse (duplicate keys and lone
/// surrogates refused), keys sorted by UTF-16 code units, numbers in ECMAScript form.
pub fn canonicalize_json(json: &[u8]) -> Result<Vec<u8>, ApiError> {
    guard(|| Ok(canonical::canonicalize(json)?))
}

/// The SHA-256 digest of `bytes`, `sha256:<hex>`.
pub fn digest_of(bytes: &[u8]) -> String {
    Digest::of(bytes).to_string()
}

/// The SHA-256 digest of `bytes` as 64 lowercase hex digits.
pub fn digest_of_hex(bytes: &[u8]) -> String {
    Digest::of(bytes).hex()
}

// ---------------------------------------------------------------- keys

fn key_pair(key: &PrivateKey) -> Result<KeyPair, ApiError> {
    Ok(KeyPair {
        algorithm: algorithm_of(key.algorithm())?,
        private_pem: key.to_pkcs8_pem()?.to_string(),
        public_pem: key.public_key().to_pem(),
        key_id: key.key_id().to_owned(),
    })
}

/// Generates a key pair with the system's secure RNG.
pub fn generate_key(options: &GenerateKeyOptions) -> Result<KeyPair, ApiError> {
    guard(|| {
        let algorithm = match options.algorithm {
            KeyAlgorithm::EcdsaP256 => SignatureAlgorithm::EcdsaP256Sha256,
            KeyAlgorithm::Ed25519 => SignatureAlgorithm::Ed25519,
        };
        key_pair(&PrivateKey::generate(algorithm, &SystemRandom::new())?)
    })
}

/// Imports a private key from PEM (PKCS#8 `PRIVATE KEY`, or SEC1 `EC PRIVATE KEY`) and exports
/// it as a [`KeyPair`] (PKCS#8 and SPKI PEM).
pub fn import_private_key(pem: &str) -> Result<KeyPair, ApiError> {
    guard(|| key_pair(&PrivateKey::from_pem(pem)?))
}

fn read_public_key(pem: &str) -> Result<PublicKey, ApiError> {
    match PublicKey::from_pem(pem) {
        Ok(k) => Ok(k),
        Err(KeyError::UnsupportedPemLabel { .. }) => {
            Ok(PrivateKey::from_pem(pem)?.public_key().clone())
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads a public key from PEM (`PUBLIC KEY`; a private key PEM gives its public half).
pub fn public_key_from_pem(pem: &str) -> Result<PublicKeyInfo, ApiError> {
    guard(|| {
        let key = read_public_key(pem)?;
        Ok(PublicKeyInfo {
            algorithm: algorithm_of(key.algorithm())?,
            public_pem: key.to_pem(),
            key_id: key.key_id().to_owned(),
        })
    })
}

// ---------------------------------------------------------------- DSSE and in-toto

/// Signs `payload` into a DSSE envelope (JSON) with every private key given (PEM), in order.
pub fn dsse_sign(
    payload: &[u8],
    private_keys_pem: &[String],
    options: &DsseSignOptions,
) -> Result<Vec<u8>, ApiError> {
    guard(|| {
        if private_keys_pem.is_empty() {
            return Err(ApiError::invalid(
                "dsse_sign: give at least one private key",
            ));
        }
        let signers = private_keys_pem
            .iter()
            .map(|pem| {
                Ok(LocalSigner::new(
                    PrivateKey::from_pem(pem)?,
                    SystemRandom::new(),
                )?)
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let refs: Vec<&dyn stella_core::Signer> = signers
            .iter()
            .map(|s| s as &dyn stella_core::Signer)
            .collect();
        let payload_type = non_empty(&options.payload_type).unwrap_or(PAYLOAD_TYPE_IN_TOTO);
        Ok(Envelope::sign(payload_type, payload.to_vec(), &refs)?.to_json()?)
    })
}

fn keyring(public_keys_pem: &[String], threshold: u32) -> Result<Keyring, ApiError> {
    let mut ring = Keyring::new();
    for pem in public_keys_pem {
        ring.add(read_public_key(pem)?)?;
    }
    ring.set_threshold(usize::try_from(threshold.max(1)).unwrap_or(usize::MAX));
    Ok(ring)
}

/// Verifies a DSSE envelope against a keyring with a threshold; returns the payload only when
/// verified. A signature that does not verify is an error of kind
/// [`ErrorKind::Verification`], never a `false`.
pub fn dsse_verify(
    envelope: &[u8],
    options: &DsseVerifyOptions,
) -> Result<VerifiedEnvelope, ApiError> {
    guard(|| {
        if options.public_keys_pem.is_empty() {
            return Err(ApiError::invalid(
                "dsse_verify: give at least one public key",
            ));
        }
        let mut ring = keyring(&options.public_keys_pem, options.threshold)?;
        ring.reject_high_s(options.reject_high_s);
        let envelope = Envelope::from_json(envelope)?;
        let types: Vec<&str> = if options.payload_types.is_empty() {
            vec![PAYLOAD_TYPE_IN_TOTO]
        } else {
            options.payload_types.iter().map(String::as_str).collect()
        };
        let verified = envelope.verify(&ring, &types)?;
        let mut key_ids = verified.key_ids().to_vec();
        key_ids.sort();
        Ok(VerifiedEnvelope {
            payload_type: verified.payload_type().to_owned(),
            payload: verified.into_payload(),
            key_ids,
        })
    })
}

/// Builds an in-toto Statement v1 and returns its payload bytes (as the library writes it for
/// signing).
pub fn statement_build(options: &StatementOptions) -> Result<Vec<u8>, ApiError> {
    guard(|| {
        let predicate: serde_json::Value = canonical::from_slice_strict(&options.predicate_json)?;
        let mut builder = Statement::builder();
        for s in &options.subjects {
            let digest = Digest::parse(&s.digest)?;
            let mut subject = Subject::new(s.name.as_str(), digest);
            if s.name.is_empty() {
                subject.name = None;
            }
            builder = builder.subject_digests(subject);
        }
        let statement = builder
            .raw_predicate(options.predicate_type.clone(), predicate)
            .build()?;
        Ok(statement.to_payload()?)
    })
}

/// Parses an in-toto statement (v1, or v0.1 as the library accepts).
pub fn statement_parse(bytes: &[u8]) -> Result<StatementInfo, ApiError> {
    guard(|| {
        let statement = Statement::from_json(bytes)?;
        Ok(StatementInfo {
            statement_type: statement.version().type_uri().to_owned(),
            predicate_type: statement.predicate_type().to_owned(),
            subjects: statement
                .subjects()
                .iter()
                .map(|s| StatementSubject {
                    name: s.name.clone().unwrap_or_default(),
                    digest: s.sha256().map(|d| d.to_string()).unwrap_or_default(),
                })
                .collect(),
            predicate_json: canonical::to_canonical_vec(statement.predicate())?,
        })
    })
}

// ---------------------------------------------------------------- images: SBOM, scan, trace

fn open_path(path: &str) -> Result<OpenedImage, ApiError> {
    Ok(open_image(&ImageRef::parse(path)?)?)
}

fn open_bytes(archive: &[u8]) -> Result<OpenedImage, ApiError> {
    Ok(OpenedImage::Image(open_image_bytes(
        "<bytes>",
        Arc::<[u8]>::from(archive),
    )?))
}

fn scan_for_sbom(
    opened: &OpenedImage,
    name: &str,
    options: &SbomOptions,
) -> Result<Vec<u8>, ApiError> {
    let request = ScanRequest {
        name: name.to_owned(),
        platform: platform(&options.platform)?,
        cache: None,
        entry_trace: false,
        repository_url: None,
    };
    let scan = catalog(opened, &request)?;
    let created = scan
        .image()
        .and_then(|i| i.config.created.as_deref())
        .and_then(|c| Timestamp::parse_rfc3339(c).ok());
    let timestamp = match (non_empty(&options.timestamp), created) {
        (Some(t), _) => time_or_now(t, "timestamp")?,
        (None, Some(created)) => created,
        (None, None) => system_now()?,
    };
    let write = WriteOptions {
        timestamp,
        tool_name: "stella".into(),
        tool_version: stella_version().into(),
    };
    Ok(match options.format {
        SbomFormat::CycloneDxJson => cyclonedx::write(scan.sbom(), &write),
        SbomFormat::SpdxJson => spdx::write(scan.sbom(), &write),
    }?)
}

/// The version of Stella Ops written into documents (`tool_version`), the `stella` crate's.
fn stella_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The SBOM of an image at a path: an OCI layout directory, an OCI or docker-save archive, a
/// root filesystem directory (detected), or `oci-dir:P`, `oci-archive:P`, `docker-archive:P`,
/// `dir:P`.
pub fn sbom_from_image_path(path: &str, options: &SbomOptions) -> Result<Vec<u8>, ApiError> {
    guard(|| {
        let name = non_empty(&options.name).unwrap_or(path);
        scan_for_sbom(&open_path(path)?, name, options)
    })
}

/// The SBOM of an image archive given as bytes (an uncompressed OCI archive or `docker save`
/// tar).
pub fn sbom_from_image_bytes(archive: &[u8], options: &SbomOptions) -> Result<Vec<u8>, ApiError> {
    guard(|| {
        let name = non_empty(&options.name).unwrap_or(BYTES_NAME);
        scan_for_sbom(&open_bytes(archive)?, name, options)
    })
}

/// Builds a vulnerability DB snapshot from OSV documents (JSON or YAML, one record each, or
/// zip / tar archives of them by name).
pub fn db_build(documents: &[NamedBytes], options: &DbBuildOptions) -> Result<Vec<u8>, ApiError> {
    guard(|| {
        let mode = if options.lenient {
            ImportMode::Lenient
        } else {
            ImportMode::Strict
        };
        let mut importer = Importer::new(mode);
        for d in documents {
            let lower = d.name.to_ascii_lowercase();
            if lower.ends_with(".zip") {
                importer.add_zip(&d.name, &d.bytes)?;
            } else if lower.ends_with(".tar") {
                importer.add_tar(&d.name, d.bytes.as_slice())?;
            } else {
                importer.add_document(&d.name, &d.bytes)?;
            }
        }
        let date = match non_empty(&options.date) {
            Some(t) => time_or_now(t, "date")?,
            None => match importer.builder().latest_modified() {
                Some(m) => Timestamp::parse_rfc3339(&m)?,
                None => return Err(ApiError::invalid("db_build: no records and no date")),
            },
        };
        Ok(importer.builder().build(&date)?)
    })
}

fn render(
    name: &str,
    scanned: ScannedImage,
    sbom_digest: Option<Digest>,
    snapshot: &[u8],
    format: ScanFormat,
) -> Result<Vec<u8>, ApiError> {
    let snapshot = Snapshot::load(Arc::<[u8]>::from(snapshot))?;
    let doc = findings_document(name, scanned, sbom_digest, &snapshot)?;
    Ok(doc.render(match format {
        ScanFormat::Json => OutputFormat::Json,
        ScanFormat::Sarif => OutputFormat::Sarif,
    })?)
}

/// Scans an image at a path (as [`sbom_from_image_path`]) against a DB snapshot: findings JSON
/// or SARIF, each finding with its entry-trace reachability.
pub fn scan_image_path(
    path: &str,
    snapshot: &[u8],
    options: &ScanOptions,
) -> Result<Vec<u8>, ApiError> {
    guard(|| {
        let name = non_empty(&options.name).unwrap_or(path);
        let scanned = scan_traced(&open_path(path)?, name, &options.platform)?;
        render(name, scanned, None, snapshot, options.format)
    })
}

/// Scans an image archive given as bytes against a DB snapshot.
pub fn scan_image_bytes(
    archive: &[u8],
    snapshot: &[u8],
    options: &ScanOptions,
) -> Result<Vec<u8>, ApiError> {
    guard(|| {
        let name = non_empty(&options.name).unwrap_or(BYTES_NAME);
        let scanned = scan_traced(&open_bytes(archive)?, name, &options.platform)?;
        render(name, scanned, None, snapshot, options.format)
    })
}

/// Scans an SBOM (CycloneDX 1.3–1.6, SPDX 2.3, SPDX 3.0.1) against a DB snapshot.
pub fn scan_sbom(sbom: &[u8], snapshot: &[u8], options: &ScanOptions) -> Result<Vec<u8>, ApiError> {
    guard(|| {
        let input = read_sbom(sbom)?;
        let scanned = ScannedImage::from(input);
        let name = non_empty(&options.name).unwrap_or("sbom");
        render(
            name,
            scanned,
            Some(Digest::of(sbom)),
            snapshot,
            options.format,
        )
    })
}

/// Catalogs with the entry-trace collector and traces.
fn scan_traced(
    opened: &OpenedImage,
    name: &str,
    platform_text: &str,
) -> Result<ScannedImage, ApiError> {
    let request = ScanRequest::traced(name, platform(platform_text)?);
    Ok(catalog(opened, &request)?.into_scanned()?)
}

fn trace_json(opened: &OpenedImage, options: &EntryTraceOptions) -> Result<Vec<u8>, ApiError> {
    let scanned = scan_traced(opened, BYTES_NAME, &options.platform)?;
    match scanned.trace {
        Some(trace) => Ok(canonical::to_canonical_vec(&trace)?),
        None => Err(ApiError::new(
            ErrorKind::Unsupported,
            "entry-trace: a root filesystem directory has no image config (no entrypoint)",
        )),
    }
}

/// The entry-trace of an image at a path: from the config's entrypoint through the files it
/// runs and imports, canonical JSON.
pub fn entry_trace_image_path(
    path: &str,
    options: &EntryTraceOptions,
) -> Result<Vec<u8>, ApiError> {
    guard(|| trace_json(&open_path(path)?, options))
}

/// The entry-trace of an image archive given as bytes, canonical JSON.
pub fn entry_trace_image_bytes(
    archive: &[u8],
    options: &EntryTraceOptions,
) -> Result<Vec<u8>, ApiError> {
    guard(|| trace_json(&open_bytes(archive)?, options))
}

// ---------------------------------------------------------------- VEX

/// Parses and validates an OpenVEX document against the OpenVEX rules; every violation is in
/// the error message.
pub fn vex_validate(
    document: &[u8],
    options: &VexValidateOptions,
) -> Result<VexValidation, ApiError> {
    guard(|| {
        let now = time_or_now(&options.now, "now")?;
        let doc = Document::parse(document)?;
        validate(&doc, &ValidationOptions::at(now))?;
        Ok(VexValidation {
            id: doc.id.clone(),
            statements: u32::try_from(doc.statements.len()).unwrap_or(u32::MAX),
        })
    })
}

/// A VEX input, read and (unless a waiver) validated at `now`.
fn vex_source(bytes: &[u8], ring: Option<&Keyring>, now: Timestamp) -> Result<VexSource, ApiError> {
    let source = stella::vex::read_source(bytes, ring)?;
    if source.as_waiver().is_none() {
        validate(&source.document, &ValidationOptions::at(now))?;
    }
    Ok(source)
}

fn vex_set(
    documents: &[Vec<u8>],
    options: &VexMergeOptions,
    now: Timestamp,
) -> Result<VexSet, ApiError> {
    let ring = if options.trusted_keys_pem.is_empty() {
        None
    } else {
        Some(keyring(&options.trusted_keys_pem, 1)?)
    };
    let policy = stella::vex::trust_policy(
        non_empty(&options.trust_policy_yaml),
        options.allow_unsigned,
        ring.as_ref(),
    )?;
    let sources = documents
        .iter()
        .map(|d| vex_source(d, ring.as_ref(), now))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(VexSet::build(sources, &policy, now))
}

/// Merges trusted VEX (OpenVEX documents, waivers, DSSE-signed either) into one OpenVEX
/// document, with the explanation of every decision.
pub fn vex_merge(documents: &[Vec<u8>], options: &VexMergeOptions) -> Result<VexMerged, ApiError> {
    guard(|| {
        let now = time_or_now(&options.now, "now")?;
        let set = vex_set(documents, options, now)?;
        let merged = set.merge(&MergeOptions {
            now,
            author: non_empty(&options.author)
                .unwrap_or("Stella Ops")
                .to_owned(),
            explain: options.explain,
        })?;
        Ok(VexMerged {
            document: merged.document.to_json()?,
            explanation: merged.explain(),
            decisions_json: canonical::to_canonical_vec(&merged.decisions)?,
        })
    })
}

/// Applies trusted VEX to findings (SARIF 2.1.0 or Stella findings JSON): each finding's
/// status and the per-status counts, canonical JSON.
pub fn vex_apply(
    findings: &[u8],
    documents: &[Vec<u8>],
    options: &VexMergeOptions,
) -> Result<Vec<u8>, ApiError> {
    guard(|| {
        let now = time_or_now(&options.now, "now")?;
        let findings = read_findings(findings, &JsonLimits::default())?;
        let set = vex_set(documents, options, now)?;
        Ok(canonical::to_canonical_vec(&set.apply(&findings))?)
    })
}

/// Generates OpenVEX from findings: one `under_investigation` statement per (vulnerability,
/// package), then the policy's rules.
pub fn vex_generate(findings: &[u8], options: &VexGenerateOptions) -> Result<Vec<u8>, ApiError> {
    guard(|| {
        let now = time_or_now(&options.now, "now")?;
        let findings = read_findings(findings, &JsonLimits::default())?;
        let policy = match non_empty(&options.policy_yaml) {
            Some(yaml) => VexPolicy::from_yaml(yaml)?,
            None => VexPolicy {
                author: non_empty(&options.author)
                    .unwrap_or("Stella Ops")
                    .to_owned(),
                role: None,
                rules: Vec::new(),
            },
        };
        let doc = generate(&findings, &policy, now)?;
        // No findings give a document with no statements, which is not valid OpenVEX to hand
        // out: refused as before (the pipeline omits it instead).
        stella_vex::validate(&doc, &stella_vex::ValidationOptions::at(now))?;
        Ok(doc.to_json()?)
    })
}

// ---------------------------------------------------------------- policy

/// Evaluates a gate input (JSON, the stella-policy input schema) under a Rego bundle (or the
/// built-in one) and returns the decision with its record. A deny is a result
/// (`allow == false`), not an error.
pub fn policy_evaluate(
    input_json: &[u8],
    options: &PolicyOptions,
) -> Result<PolicyDecision, ApiError> {
    guard(|| {
        let revision = non_empty(&options.revision).map(str::to_owned);
        let bundle = if options.bundle_files.is_empty() {
            stella_policy::builtin_bundle(BuiltinOptions {
                under_investigation: if options.deny_under_investigation {
                    UnderInvestigation::Deny
                } else {
                    UnderInvestigation::Warn
                },
            })?
        } else {
            let mut files: Vec<(&str, &[u8])> = options
                .bundle_files
                .iter()
                .map(|f| (f.name.as_str(), f.bytes.as_slice()))
                .collect();
            files.sort();
            stella_policy::Bundle::from_files(files, revision)?
        };
        let input = GateInput::from_json(input_json)?;
        let defaults = GateOptions::default();
        let gate = Gate::new(
            &bundle,
            GateOptions {
                query: non_empty(&options.query).map_or(defaults.query, str::to_owned),
                limits: EvalLimits {
                    max_instructions: if options.max_instructions == 0 {
                        defaults.limits.max_instructions
                    } else {
                        options.max_instructions
                    },
                    ..defaults.limits
                },
                ..defaults
            },
        )?;
        let clock = FixedClock::new(time_or_now(&options.time, "time")?);
        let actor = non_empty(&options.actor).unwrap_or("stella-bindings");
        let record = gate.decide(&input, &bundle, &clock, actor)?;
        Ok(PolicyDecision {
            allow: record.result.allow,
            violations: record.result.violations.clone(),
            warnings: record.result.warnings.clone(),
            record: record.to_canonical_json()?,
        })
    })
}

// ---------------------------------------------------------------- transparency

/// The RFC 9162 leaf hash of `data` (SHA-256 of `0x00 || data`), hex.
pub fn merkle_leaf_hash(data: &[u8]) -> String {
    hash_hex(&merkle::leaf_hash(data))
}

fn hash_hex(hash: &MerkleHash) -> String {
    hash.0.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hash(text: &str, what: &str) -> Result<MerkleHash, ApiError> {
    let digest = Digest::parse_hex(text).map_err(|e| ApiError::invalid(format!("{what}: {e}")))?;
    Ok(MerkleHash(*digest.as_bytes()))
}

/// Verifies that `leaf_data` is in a tree: `proof_json` is an inclusion proof
/// `{"logIndex":N,"treeSize":N,"rootHash":"<hex>","hashes":["<hex>",…]}` (RFC 9162, hashes
/// leaf level first). A proof that does not lead to the root is [`ErrorKind::Verification`].
pub fn merkle_verify_inclusion(
    leaf_data: &[u8],
    proof_json: &[u8],
) -> Result<InclusionVerified, ApiError> {
    guard(|| {
        let proof: InclusionProof = canonical::from_slice_strict(proof_json)?;
        let leaf = merkle::leaf_hash(leaf_data);
        merkle::verify_inclusion(
            &leaf,
            proof.log_index,
            proof.tree_size,
            &proof.hashes,
            &proof.root_hash,
        )?;
        Ok(InclusionVerified {
            leaf_hash: hash_hex(&leaf),
            log_index: proof.log_index,
            tree_size: proof.tree_size,
            root_hash: hash_hex(&proof.root_hash),
        })
    })
}

/// Verifies a C2SP signed-note checkpoint against trusted note keys and, when asked, against
/// an expected tree size and root.
pub fn checkpoint_verify(
    note: &[u8],
    options: &CheckpointOptions,
) -> Result<CheckpointVerified, ApiError> {
    guard(|| {
        if options.trusted_keys.is_empty() {
            return Err(ApiError::invalid(
                "checkpoint_verify: give at least one trusted key",
            ));
        }
        let trusted = options
            .trusted_keys
            .iter()
            .map(|k| {
                let key = read_public_key(&k.public_pem)?;
                Ok(NoteVerifier::new(
                    &k.name,
                    key.spki_der(),
                    Arc::new(key.clone()),
                )?)
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let verified = Checkpoint::verify(note, &trusted)?;
        if options.expected_size != 0 || !options.expected_root_hash.is_empty() {
            let root = parse_hash(&options.expected_root_hash, "expected_root_hash")?;
            verified
                .checkpoint
                .check_matches(options.expected_size, &root, "expected")?;
        }
        Ok(CheckpointVerified {
            origin: verified.checkpoint.origin.clone(),
            size: verified.checkpoint.size,
            root_hash: hash_hex(&verified.checkpoint.root_hash),
            signers: verified.signers,
        })
    })
}

/// Verifies a Sigstore bundle (v0.1–v0.3 JSON) offline.
///
/// - Keyless (a Fulcio certificate): give `trusted_root_json` and an identity policy
///   (`certificate_identity[_regexp]` with `certificate_oidc_issuer[_regexp]`, or
///   `insecure_ignore_identity` by name). The certificate must chain to a Fulcio CA of the
///   trusted root at a verified signing time (a Rekor integrated time or an RFC 3161 timestamp),
///   carry a valid SCT, and name a matching identity; every Rekor v1 / v2 entry must verify.
///   A keyless bundle without an identity policy is [`ErrorKind::InvalidArgument`], never a pass.
/// - Key-based with a trusted root (`public_keys_pem` and `trusted_root_json`, no
///   `rekor_keys_pem`): the same checks as keyless, with the signature under one of the keys
///   instead of a certificate (as cosign's `--key` with a trusted root).
/// - Key-based with bare Rekor keys (`rekor_keys_pem`, optionally with the logs of
///   `trusted_root_json`): the signature under one of `public_keys_pem`, and every
///   transparency-log entry against those log keys; no signing-time checks
///   (`signing_times` is empty).
pub fn sigstore_bundle_verify(
    bundle: &[u8],
    options: &BundleVerifyOptions,
) -> Result<BundleVerified, ApiError> {
    guard(|| {
        // The options are checked before the bundle is read.
        let identity = identity_policy(options)?;
        if identity.is_none() && options.public_keys_pem.is_empty() {
            return Err(ApiError::invalid(
                "sigstore_bundle_verify: give at least one public key, or a certificate identity policy for a keyless bundle",
            ));
        }
        // A trusted root alone (no bare Rekor keys) asks for the whole sigstore-go verification,
        // key-based bundles included: signing time, log validity windows, every check.
        let full = identity.is_some()
            || !options.artifact_digest.is_empty()
            || options.tlog_threshold.is_some()
            || options.sct_threshold.is_some()
            || (!options.trusted_root_json.is_empty() && options.rekor_keys_pem.is_empty());
        if full && options.trusted_root_json.is_empty() {
            return Err(ApiError::invalid(
                "sigstore_bundle_verify: keyless verification (or artifact_digest, tlog_threshold, sct_threshold) needs trusted_root_json",
            ));
        }
        let parsed = Bundle::parse(bundle)?;
        if full {
            return verify_bundle_with_policy(&parsed, options, identity);
        }
        verify_bundle_with_keys(&parsed, options)
    })
}

/// The identity policy the options state, if any ([`IdentityPolicy::from_flags`]: cosign's
/// flag rules, the same as the command line's).
fn identity_policy(options: &BundleVerifyOptions) -> Result<Option<IdentityPolicy>, ApiError> {
    let o = options;
    let given = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    IdentityPolicy::from_flags(&IdentityFlags {
        certificate_identity: given(&o.certificate_identity),
        certificate_identity_regexp: given(&o.certificate_identity_regexp),
        certificate_oidc_issuer: given(&o.certificate_oidc_issuer),
        certificate_oidc_issuer_regexp: given(&o.certificate_oidc_issuer_regexp),
        insecure_ignore_identity: o.insecure_ignore_identity,
        ..IdentityFlags::default()
    })
    .map_err(|e| ApiError::invalid(format!("sigstore_bundle_verify: {e}")))
}

/// What a verified bundle's content says, as the bindings return it.
fn verified_content(content: VerifiedContent) -> (String, String, Vec<u8>) {
    match content {
        VerifiedContent::Artifact { digest } => (digest.to_string(), String::new(), Vec::new()),
        VerifiedContent::Dsse(envelope) => (
            String::new(),
            envelope.payload_type().to_owned(),
            envelope.into_payload(),
        ),
        _ => (String::new(), String::new(), Vec::new()),
    }
}

/// The full sigstore-go verification ([`Bundle::verify`]): keyless with an identity policy, or
/// key-based against a whole trusted root.
fn verify_bundle_with_policy(
    bundle: &Bundle,
    options: &BundleVerifyOptions,
    identity: Option<IdentityPolicy>,
) -> Result<BundleVerified, ApiError> {
    if !options.rekor_keys_pem.is_empty() {
        return Err(ApiError::invalid(
            "sigstore_bundle_verify: keyless verification and artifact_digest take the Rekor logs from the trusted root; leave rekor_keys_pem empty",
        ));
    }
    let root = TrustedRoot::from_json(&options.trusted_root_json)?;
    let digest;
    let artifact = match (
        options.artifact.is_empty(),
        options.artifact_digest.is_empty(),
    ) {
        (false, true) => ArtifactInput::Bytes(&options.artifact),
        (true, false) => {
            digest = Digest::parse(&options.artifact_digest)?;
            ArtifactInput::Sha256(digest)
        }
        (true, true) => ArtifactInput::None,
        (false, false) => {
            return Err(ApiError::invalid(
                "sigstore_bundle_verify: give artifact or artifact_digest, not both",
            ));
        }
    };
    let policies = match identity {
        Some(identity) => {
            if !options.public_keys_pem.is_empty() {
                return Err(ApiError::invalid(
                    "sigstore_bundle_verify: give public keys or a certificate identity policy, not both",
                ));
            }
            vec![VerificationPolicy::identity(identity)]
        }
        None => options
            .public_keys_pem
            .iter()
            .map(|pem| Ok(VerificationPolicy::key(read_public_key(pem)?)))
            .collect::<Result<Vec<_>, ApiError>>()?,
    };
    let threshold = |n: Option<u32>| n.map_or(1, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let policies: Vec<VerificationPolicy> = policies
        .into_iter()
        .map(|p| {
            p.with_tlog_threshold(threshold(options.tlog_threshold))
                .with_sct_threshold(threshold(options.sct_threshold))
        })
        .collect();
    let mut last: Option<ApiError> = None;
    for policy in &policies {
        match bundle.verify(policy, artifact, &root) {
            Ok(v) => {
                let (artifact_digest, payload_type, payload) = verified_content(v.content);
                // A key-based signer fills key_id; a keyless one signer_identity and issuer.
                let issuer = v.signer.issuer().map(str::to_owned);
                let (key_id, signer_identity) = match issuer {
                    None => (v.signer.id().to_owned(), String::new()),
                    Some(_) => (String::new(), v.signer.id().to_owned()),
                };
                let signer_issuer = issuer.unwrap_or_default();
                return Ok(BundleVerified {
                    media_type: bundle.media_type.clone(),
                    artifact_digest,
                    payload_type,
                    payload,
                    key_id,
                    log_indexes: v
                        .log_entries
                        .iter()
                        .map(|e| e.log_index)
                        .chain(v.rekor_v2_entries.iter().map(|e| e.log_index))
                        .collect(),
                    signer_identity,
                    signer_issuer,
                    signing_times: v.timestamps.iter().map(|t| t.unix_seconds).collect(),
                });
            }
            // Another key may be the signer.
            Err(e @ stella_attest::transparency::TransparencyError::BadSignature { .. })
                if policies.len() > 1 =>
            {
                last = Some(e.into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(last.unwrap_or_else(|| ApiError::invalid("no key given")))
}

/// Key-based verification against trusted Rekor log keys ([`Bundle::verify_with_key`]).
fn verify_bundle_with_keys(
    bundle: &Bundle,
    options: &BundleVerifyOptions,
) -> Result<BundleVerified, ApiError> {
    let mut logs = options
        .rekor_keys_pem
        .iter()
        .map(|pem| Ok(RekorLogKey::from_public_key(&read_public_key(pem)?)))
        .collect::<Result<Vec<_>, ApiError>>()?;
    if !options.trusted_root_json.is_empty() {
        logs.extend(
            TrustRoot::from_trusted_root_json(&options.trusted_root_json)?
                .logs()
                .iter()
                .cloned(),
        );
    }
    if logs.is_empty() {
        return Err(ApiError::invalid(
            "sigstore_bundle_verify: give at least one Rekor key or a trusted root",
        ));
    }
    let trust = TrustRoot::new(logs);
    let artifact = if options.artifact.is_empty() && bundle.message_signature.is_none() {
        None
    } else {
        Some(options.artifact.as_slice())
    };
    let mut last: Option<ApiError> = None;
    for pem in &options.public_keys_pem {
        let key = read_public_key(pem)?;
        match bundle.verify_with_key(&key, artifact, &trust) {
            Ok(v) => {
                let (artifact_digest, payload_type, payload) = verified_content(v.content);
                return Ok(BundleVerified {
                    media_type: bundle.media_type.clone(),
                    artifact_digest,
                    payload_type,
                    payload,
                    key_id: v.key_id.clone(),
                    log_indexes: v.log_entries.iter().map(|e| e.log_index).collect(),
                    signer_identity: String::new(),
                    signer_issuer: String::new(),
                    signing_times: Vec::new(),
                });
            }
            // Another key may be the signer.
            Err(e @ stella_attest::transparency::TransparencyError::BadSignature { .. }) => {
                last = Some(e.into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(last.unwrap_or_else(|| ApiError::invalid("no key given")))
}

// ---------------------------------------------------------------- the pipeline

/// Runs the whole golden path: image → SBOMs → signed, logged attestations → scan → VEX →
/// gate → signed decision record; the built-in policy. With an empty
/// [`RunOptions::image_path`], the embedded demo (offline, deterministic). With a
/// [`RunOptions::store_dir`], everything is kept there as `stella run --store` keeps it.
///
/// ```
/// let run = stella_bindings_api::run(&stella_bindings_api::RunOptions::default())?;
/// assert!(run.allow);
/// assert!(run.artifacts.iter().any(|a| a.kind == "decision-attestation"));
/// # Ok::<(), stella_bindings_api::ApiError>(())
/// ```
pub fn run(options: &RunOptions) -> Result<RunResult, ApiError> {
    use stella::pipeline::{Pipeline, RunInputs};
    use stella::store::{DEFAULT_LOG_ORIGIN, Store, SystemClock};
    use stella_attest::transparency::MemoryLog;
    use stella_core::{BlobStore, Clock, MemoryBlobStore, Signer, TransparencyLog};

    guard(|| {
        let demo = options.image_path.is_empty();
        let clock: Box<dyn Clock> = match (non_empty(&options.time), demo) {
            (Some(t), _) => Box::new(FixedClock::new(time_or_now(t, "time")?)),
            (None, true) => Box::new(FixedClock::new(Timestamp::parse_rfc3339(
                stella_demo::DEMO_TIME,
            )?)),
            (None, false) => Box::new(SystemClock),
        };
        let key = match (non_empty(&options.private_key_pem), demo) {
            (Some(pem), _) => PrivateKey::from_pem(pem)?,
            (None, true) => stella_demo::demo_key()?,
            (None, false) => {
                return Err(ApiError::invalid(
                    "run: an image run signs its attestations and decision: give private_key_pem",
                ));
            }
        };
        let signer: Arc<dyn Signer> = Arc::new(LocalSigner::new(key, SystemRandom::new())?);
        let (store, log, mut audit): (
            Box<dyn BlobStore>,
            Box<dyn TransparencyLog>,
            Box<dyn stella::pipeline::AuditSink>,
        ) = match non_empty(&options.store_dir) {
            Some(dir) => {
                let opened = Store::open(
                    std::path::Path::new(dir),
                    DEFAULT_LOG_ORIGIN,
                    signer.clone(),
                )
                .map_err(|e| match e {
                    stella::store::StoreError::Blobs(e) => ApiError::from(e),
                    e => ApiError::from_error(ErrorKind::Io, &e),
                })?;
                (
                    Box::new(opened.blobs),
                    Box::new(opened.log),
                    Box::new(opened.audit),
                )
            }
            None => (
                Box::new(MemoryBlobStore::new()),
                Box::new(MemoryLog::new(DEFAULT_LOG_ORIGIN, signer.clone())?),
                Box::new(stella::pipeline::MemoryAudit::default()),
            ),
        };
        let pipeline = Pipeline {
            store: store.as_ref(),
            log: log.as_ref(),
            clock: clock.as_ref(),
            signer: signer.as_ref(),
        };
        let report = if demo {
            let built = stella_demo::Demo::build()
                .map_err(|e| ApiError::from_error(ErrorKind::Internal, &e))?;
            let inputs = built
                .run_inputs()
                .map_err(|e| ApiError::from_error(ErrorKind::Internal, &e))?;
            pipeline
                .run(inputs, audit.as_mut())
                .map_err(pipeline_error)?
        } else {
            if options.snapshot.is_empty() {
                return Err(ApiError::invalid(
                    "run: an image run needs a DB snapshot (db_build)",
                ));
            }
            let snapshot = Snapshot::load(Arc::<[u8]>::from(options.snapshot.as_slice()))?;
            let ring = if options.vex_public_keys_pem.is_empty() {
                None
            } else {
                Some(keyring(&options.vex_public_keys_pem, 1)?)
            };
            let trust = stella::vex::trust_policy(None, options.allow_unsigned_vex, ring.as_ref())?;
            let vex = options
                .vex
                .iter()
                .map(|bytes| stella::vex::read_source(bytes, ring.as_ref()))
                .collect::<Result<Vec<_>, _>>()?;
            let bundle = stella_policy::builtin_bundle(BuiltinOptions::default())?;
            let vex_policy = stella::vex::default_vex_policy();
            let inputs = RunInputs {
                image: open_path(&options.image_path)?,
                name: non_empty(&options.name)
                    .unwrap_or(&options.image_path)
                    .to_owned(),
                platform: platform(&options.platform)?,
                snapshot: &snapshot,
                vex,
                trust,
                vex_policy,
                policy: &bundle,
                gate: GateOptions::default(),
                actor: non_empty(&options.actor).unwrap_or("stella api").to_owned(),
            };
            pipeline
                .run(inputs, audit.as_mut())
                .map_err(pipeline_error)?
        };
        let artifacts = report
            .artifacts
            .iter()
            .map(|a| {
                Ok(RunArtifact {
                    kind: a.kind.to_string(),
                    digest: a.digest.to_string(),
                    media_type: a.media_type.clone(),
                    bytes: store.get(&a.digest)?,
                })
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok(RunResult {
            allow: report.gate.allow,
            report_json: report.to_canonical_json()?,
            artifacts,
        })
    })
}

fn pipeline_error(e: stella::pipeline::PipelineError) -> ApiError {
    use stella::pipeline::PipelineError as P;
    // The message names the step ("attest: …"); the kind is the failing library's.
    let message = ApiError::from_error(ErrorKind::Internal, &e).message;
    let kind = match e {
        P::Scan { source, .. } => ApiError::from(source).kind,
        P::Vuln { source, .. } => ApiError::from(source).kind,
        P::Attest { source, .. } => ApiError::from(source).kind,
        P::Core { source, .. } => ApiError::from(source).kind,
        P::Vex { source, .. } => ApiError::from(source).kind,
        P::Policy { source, .. } => ApiError::from(source).kind,
        _ => ErrorKind::InvalidArgument,
    };
    ApiError::new(kind, message)
}

//! # stella-ops-python
//!
//! The pyo3 extension module `stella_ops._native`, re-exported by the Python package
//! `stella_ops` (`python/stella_ops/__init__.py`). A thin wrapper over
//! [`stella_bindings_api`]: each function converts its arguments (options become keyword
//! arguments with the Rust defaults), calls the API function of the same name, and converts the
//! result or maps the [`stella_bindings_api::ApiError`] to the exception of its kind
//! ([`errors`]). Nothing else happens here.
//!
//! - Bytes in and out are Python `bytes`; records are frozen classes ([`convert`]).
//! - Every call that does real work runs with the GIL released ([`Python::detach`]), so Python
//!   threads run SBOM, scan, VEX, policy and pipeline calls in parallel. The three hashing
//!   functions and `canonicalize_json` release it only for inputs of 64 KiB or more: for small
//!   inputs releasing would cost more than the call.
//! - A panic inside the library never crosses: the API turns it into an
//!   [`ErrorKind::Internal`](stella_bindings_api::ErrorKind) error (`InternalError` here);
//!   pyo3 would turn any other one into `pyo3_runtime.PanicException`, never an abort.
//!
//! ## Dependencies and why
//! - `stella-bindings-api`: the one API surface every binding wraps.
//! - `pyo3` (abi3-py39): the CPython binding; one wheel for CPython 3.9 and later.
//! - `criterion` (dev): `benches/digest.rs`, the Rust side of the per-call overhead
//!   comparison in `benches/python/`.

mod convert;
mod errors;

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use stella_bindings_api as api;
use stella_bindings_api::ApiError;

use convert::{
    BundleVerified, CheckpointVerified, InclusionVerified, KeyPair, NamedBytesArg, NoteKeyArg,
    PolicyDecision, PublicKeyInfo, RunResult, StatementInfo, SubjectArg, VerifiedEnvelope,
    VexMerged, VexValidation, byte_list, path_text,
};

/// Inputs at least this large are hashed or canonicalized with the GIL released.
const DETACH_AT: usize = 64 * 1024;

/// Runs `work` with the GIL released and maps its error to the exception of its kind.
fn detached<T: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> Result<T, ApiError> + Send,
) -> PyResult<T> {
    py.detach(work).map_err(|e| errors::to_py(py, e))
}

/// Runs `work` with the GIL released only when `len` is at least [`DETACH_AT`].
fn maybe_detached<T: Send>(py: Python<'_>, len: usize, work: impl FnOnce() -> T + Send) -> T {
    if len >= DETACH_AT {
        py.detach(work)
    } else {
        work()
    }
}

fn to_bytes(py: Python<'_>, bytes: &[u8]) -> Py<PyBytes> {
    PyBytes::new(py, bytes).unbind()
}

// ---------------------------------------------------------------- JSON and digests

/// Canonicalizes a JSON document (RFC 8785).
#[pyfunction]
fn canonicalize_json(py: Python<'_>, json: &[u8]) -> PyResult<Py<PyBytes>> {
    let out = maybe_detached(py, json.len(), || api::canonicalize_json(json))
        .map_err(|e| errors::to_py(py, e))?;
    Ok(to_bytes(py, &out))
}

/// `sha256:<hex>` of the bytes.
#[pyfunction]
fn digest_of(py: Python<'_>, data: &[u8]) -> String {
    maybe_detached(py, data.len(), || api::digest_of(data))
}

/// The SHA-256 of the bytes, 64 hex digits.
#[pyfunction]
fn digest_of_hex(py: Python<'_>, data: &[u8]) -> String {
    maybe_detached(py, data.len(), || api::digest_of_hex(data))
}

// ---------------------------------------------------------------- keys

/// Generates a key pair (`"ecdsa-p256"` or `"ed25519"`).
#[pyfunction]
#[pyo3(
    signature = (*, algorithm = "ecdsa-p256".to_owned()),
    text_signature = "(*, algorithm = 'ecdsa-p256')"
)]
fn generate_key(py: Python<'_>, algorithm: String) -> PyResult<KeyPair> {
    let options = api::GenerateKeyOptions {
        algorithm: convert::key_algorithm(py, &algorithm)?,
    };
    detached(py, || api::generate_key(&options)).map(convert::key_pair)
}

/// Imports a private key (PKCS#8 or SEC1 PEM).
#[pyfunction]
fn import_private_key(py: Python<'_>, pem: String) -> PyResult<KeyPair> {
    detached(py, || api::import_private_key(&pem)).map(convert::key_pair)
}

/// Reads a public key PEM (a private key PEM gives its public half).
#[pyfunction]
fn public_key_from_pem(py: Python<'_>, pem: String) -> PyResult<PublicKeyInfo> {
    detached(py, || api::public_key_from_pem(&pem)).map(convert::public_key_info)
}

// ---------------------------------------------------------------- DSSE and in-toto

/// Signs `payload` into a DSSE envelope (JSON bytes) with every private key, in order.
#[pyfunction]
#[pyo3(
    signature = (payload, private_keys_pem, *, payload_type = String::new()),
    text_signature = "(payload, private_keys_pem, *, payload_type = '')"
)]
fn dsse_sign(
    py: Python<'_>,
    payload: &[u8],
    private_keys_pem: Vec<String>,
    payload_type: String,
) -> PyResult<Py<PyBytes>> {
    let options = api::DsseSignOptions { payload_type };
    let out = detached(py, || api::dsse_sign(payload, &private_keys_pem, &options))?;
    Ok(to_bytes(py, &out))
}

/// Verifies a DSSE envelope; returns the payload only when verified.
#[pyfunction]
#[pyo3(
    signature = (
        envelope, *, public_keys_pem = Vec::new(), threshold = 0, payload_types = Vec::new(),
        reject_high_s = false
    ),
    text_signature = "(envelope, *, public_keys_pem = (), threshold = 0, payload_types = (), reject_high_s = False)"
)]
fn dsse_verify(
    py: Python<'_>,
    envelope: &[u8],
    public_keys_pem: Vec<String>,
    threshold: u32,
    payload_types: Vec<String>,
    reject_high_s: bool,
) -> PyResult<VerifiedEnvelope> {
    let options = api::DsseVerifyOptions {
        public_keys_pem,
        threshold,
        payload_types,
        reject_high_s,
    };
    let v = detached(py, || api::dsse_verify(envelope, &options))?;
    Ok(convert::verified_envelope(py, v))
}

/// Builds an in-toto Statement v1; returns its payload bytes.
#[pyfunction]
#[pyo3(signature = (*, subjects, predicate_type, predicate_json))]
fn statement_build(
    py: Python<'_>,
    subjects: Vec<SubjectArg<'_>>,
    predicate_type: String,
    predicate_json: &[u8],
) -> PyResult<Py<PyBytes>> {
    let options = api::StatementOptions {
        subjects: subjects.into_iter().map(SubjectArg::into_api).collect(),
        predicate_type,
        predicate_json: predicate_json.to_vec(),
    };
    let out = detached(py, || api::statement_build(&options))?;
    Ok(to_bytes(py, &out))
}

/// Parses an in-toto statement.
#[pyfunction]
fn statement_parse(py: Python<'_>, data: &[u8]) -> PyResult<StatementInfo> {
    let info = detached(py, || api::statement_parse(data))?;
    convert::statement_info(py, info)
}

// ---------------------------------------------------------------- SBOM, scan, entry-trace

fn sbom_options(
    py: Python<'_>,
    format: &str,
    timestamp: String,
    platform: String,
    name: String,
) -> PyResult<api::SbomOptions> {
    Ok(api::SbomOptions {
        format: convert::sbom_format(py, format)?,
        timestamp,
        platform,
        name,
    })
}

/// The SBOM of an image at a path (OCI layout, OCI / docker archive, rootfs directory).
#[pyfunction]
#[pyo3(
    signature = (
        path, *, format = "cyclonedx-json".to_owned(), timestamp = String::new(), platform = String::new(),
        name = String::new()
    ),
    text_signature = "(path, *, format = 'cyclonedx-json', timestamp = '', platform = '', name = '')"
)]
fn sbom_from_image_path(
    py: Python<'_>,
    path: PathBuf,
    format: String,
    timestamp: String,
    platform: String,
    name: String,
) -> PyResult<Py<PyBytes>> {
    let path = path_text(py, path, "path")?;
    let options = sbom_options(py, &format, timestamp, platform, name)?;
    let out = detached(py, || api::sbom_from_image_path(&path, &options))?;
    Ok(to_bytes(py, &out))
}

/// The SBOM of an image archive given as bytes.
#[pyfunction]
#[pyo3(
    signature = (
        archive, *, format = "cyclonedx-json".to_owned(), timestamp = String::new(), platform = String::new(),
        name = String::new()
    ),
    text_signature = "(archive, *, format = 'cyclonedx-json', timestamp = '', platform = '', name = '')"
)]
fn sbom_from_image_bytes(
    py: Python<'_>,
    archive: &[u8],
    format: String,
    timestamp: String,
    platform: String,
    name: String,
) -> PyResult<Py<PyBytes>> {
    let options = sbom_options(py, &format, timestamp, platform, name)?;
    let out = detached(py, || api::sbom_from_image_bytes(archive, &options))?;
    Ok(to_bytes(py, &out))
}

/// Builds a vulnerability DB snapshot from OSV documents.
#[pyfunction]
#[pyo3(
    signature = (documents, *, date = String::new(), lenient = false),
    text_signature = "(documents, *, date = '', lenient = False)"
)]
fn db_build(
    py: Python<'_>,
    documents: Vec<NamedBytesArg<'_>>,
    date: String,
    lenient: bool,
) -> PyResult<Py<PyBytes>> {
    let documents: Vec<api::NamedBytes> =
        documents.into_iter().map(NamedBytesArg::into_api).collect();
    let options = api::DbBuildOptions { date, lenient };
    let out = detached(py, || api::db_build(&documents, &options))?;
    Ok(to_bytes(py, &out))
}

fn scan_options(
    py: Python<'_>,
    format: &str,
    platform: String,
    name: String,
) -> PyResult<api::ScanOptions> {
    Ok(api::ScanOptions {
        format: convert::scan_format(py, format)?,
        platform,
        name,
    })
}

/// Scans an image at a path against a DB snapshot: findings JSON or SARIF.
#[pyfunction]
#[pyo3(
    signature = (
        path, snapshot, *, format = "json".to_owned(), platform = String::new(), name = String::new()
    ),
    text_signature = "(path, snapshot, *, format = 'json', platform = '', name = '')"
)]
fn scan_image_path(
    py: Python<'_>,
    path: PathBuf,
    snapshot: &[u8],
    format: String,
    platform: String,
    name: String,
) -> PyResult<Py<PyBytes>> {
    let path = path_text(py, path, "path")?;
    let options = scan_options(py, &format, platform, name)?;
    let out = detached(py, || api::scan_image_path(&path, snapshot, &options))?;
    Ok(to_bytes(py, &out))
}

/// Scans an image archive given as bytes against a DB snapshot.
#[pyfunction]
#[pyo3(
    signature = (
        archive, snapshot, *, format = "json".to_owned(), platform = String::new(), name = String::new()
    ),
    text_signature = "(archive, snapshot, *, format = 'json', platform = '', name = '')"
)]
fn scan_image_bytes(
    py: Python<'_>,
    archive: &[u8],
    snapshot: &[u8],
    format: String,
    platform: String,
    name: String,
) -> PyResult<Py<PyBytes>> {
    let options = scan_options(py, &format, platform, name)?;
    let out = detached(py, || api::scan_image_bytes(archive, snapshot, &options))?;
    Ok(to_bytes(py, &out))
}

/// Scans an SBOM (CycloneDX 1.3–1.6, SPDX 2.3, SPDX 3.0.1) against a DB snapshot.
#[pyfunction]
#[pyo3(
    signature = (
        sbom, snapshot, *, format = "json".to_owned(), platform = String::new(), name = String::new()
    ),
    text_signature = "(sbom, snapshot, *, format = 'json', platform = '', name = '')"
)]
fn scan_sbom(
    py: Python<'_>,
    sbom: &[u8],
    snapshot: &[u8],
    format: String,
    platform: String,
    name: String,
) -> PyResult<Py<PyBytes>> {
    let options = scan_options(py, &format, platform, name)?;
    let out = detached(py, || api::scan_sbom(sbom, snapshot, &options))?;
    Ok(to_bytes(py, &out))
}

/// The entry-trace of an image at a path, canonical JSON.
#[pyfunction]
#[pyo3(
    signature = (path, *, platform = String::new()),
    text_signature = "(path, *, platform = '')"
)]
fn entry_trace_image_path(
    py: Python<'_>,
    path: PathBuf,
    platform: String,
) -> PyResult<Py<PyBytes>> {
    let path = path_text(py, path, "path")?;
    let options = api::EntryTraceOptions { platform };
    let out = detached(py, || api::entry_trace_image_path(&path, &options))?;
    Ok(to_bytes(py, &out))
}

/// The entry-trace of an image archive given as bytes, canonical JSON.
#[pyfunction]
#[pyo3(
    signature = (archive, *, platform = String::new()),
    text_signature = "(archive, *, platform = '')"
)]
fn entry_trace_image_bytes(
    py: Python<'_>,
    archive: &[u8],
    platform: String,
) -> PyResult<Py<PyBytes>> {
    let options = api::EntryTraceOptions { platform };
    let out = detached(py, || api::entry_trace_image_bytes(archive, &options))?;
    Ok(to_bytes(py, &out))
}

// ---------------------------------------------------------------- VEX

/// Validates an OpenVEX document.
#[pyfunction]
#[pyo3(
    signature = (document, *, now = String::new()),
    text_signature = "(document, *, now = '')"
)]
fn vex_validate(py: Python<'_>, document: &[u8], now: String) -> PyResult<VexValidation> {
    let options = api::VexValidateOptions { now };
    detached(py, || api::vex_validate(document, &options)).map(convert::vex_validation)
}

#[allow(clippy::too_many_arguments)]
fn vex_merge_options(
    now: String,
    author: String,
    explain: bool,
    allow_unsigned: bool,
    trusted_keys_pem: Vec<String>,
    trust_policy_yaml: String,
) -> api::VexMergeOptions {
    api::VexMergeOptions {
        now,
        author,
        explain,
        allow_unsigned,
        trusted_keys_pem,
        trust_policy_yaml,
    }
}

/// Merges trusted VEX into one OpenVEX document, with the explanation of every decision.
#[pyfunction]
#[pyo3(
    signature = (
        documents, *, now = String::new(), author = String::new(), explain = false,
        allow_unsigned = false, trusted_keys_pem = Vec::new(), trust_policy_yaml = String::new()
    ),
    text_signature = "(documents, *, now = '', author = '', explain = False, allow_unsigned = False, trusted_keys_pem = (), trust_policy_yaml = '')"
)]
#[allow(clippy::too_many_arguments)]
fn vex_merge(
    py: Python<'_>,
    documents: Vec<Bound<'_, PyBytes>>,
    now: String,
    author: String,
    explain: bool,
    allow_unsigned: bool,
    trusted_keys_pem: Vec<String>,
    trust_policy_yaml: String,
) -> PyResult<VexMerged> {
    let documents = byte_list(documents);
    let options = vex_merge_options(
        now,
        author,
        explain,
        allow_unsigned,
        trusted_keys_pem,
        trust_policy_yaml,
    );
    let merged = detached(py, || api::vex_merge(&documents, &options))?;
    Ok(convert::vex_merged(py, merged))
}

/// Applies trusted VEX to findings (SARIF or findings JSON); canonical JSON.
#[pyfunction]
#[pyo3(
    signature = (
        findings, documents, *, now = String::new(), author = String::new(), explain = false,
        allow_unsigned = false, trusted_keys_pem = Vec::new(), trust_policy_yaml = String::new()
    ),
    text_signature = "(findings, documents, *, now = '', author = '', explain = False, allow_unsigned = False, trusted_keys_pem = (), trust_policy_yaml = '')"
)]
#[allow(clippy::too_many_arguments)]
fn vex_apply(
    py: Python<'_>,
    findings: &[u8],
    documents: Vec<Bound<'_, PyBytes>>,
    now: String,
    author: String,
    explain: bool,
    allow_unsigned: bool,
    trusted_keys_pem: Vec<String>,
    trust_policy_yaml: String,
) -> PyResult<Py<PyBytes>> {
    let documents = byte_list(documents);
    let options = vex_merge_options(
        now,
        author,
        explain,
        allow_unsigned,
        trusted_keys_pem,
        trust_policy_yaml,
    );
    let out = detached(py, || api::vex_apply(findings, &documents, &options))?;
    Ok(to_bytes(py, &out))
}

/// Generates OpenVEX from findings.
#[pyfunction]
#[pyo3(
    signature = (
        findings, *, now = String::new(), author = String::new(), policy_yaml = String::new()
    ),
    text_signature = "(findings, *, now = '', author = '', policy_yaml = '')"
)]
fn vex_generate(
    py: Python<'_>,
    findings: &[u8],
    now: String,
    author: String,
    policy_yaml: String,
) -> PyResult<Py<PyBytes>> {
    let options = api::VexGenerateOptions {
        now,
        author,
        policy_yaml,
    };
    let out = detached(py, || api::vex_generate(findings, &options))?;
    Ok(to_bytes(py, &out))
}

// ---------------------------------------------------------------- policy

/// Evaluates a gate input under a Rego bundle (or the built-in one); a deny is a result.
#[pyfunction]
#[pyo3(
    signature = (
        input_json, *, bundle_files = Vec::new(), revision = String::new(),
        deny_under_investigation = false, time = String::new(), actor = String::new(),
        query = String::new(), max_instructions = 0
    ),
    text_signature = "(input_json, *, bundle_files = (), revision = '', deny_under_investigation = False, time = '', actor = '', query = '', max_instructions = 0)"
)]
#[allow(clippy::too_many_arguments)]
fn policy_evaluate(
    py: Python<'_>,
    input_json: &[u8],
    bundle_files: Vec<NamedBytesArg<'_>>,
    revision: String,
    deny_under_investigation: bool,
    time: String,
    actor: String,
    query: String,
    max_instructions: u64,
) -> PyResult<PolicyDecision> {
    let options = api::PolicyOptions {
        bundle_files: bundle_files
            .into_iter()
            .map(NamedBytesArg::into_api)
            .collect(),
        revision,
        deny_under_investigation,
        time,
        actor,
        query,
        max_instructions,
    };
    let decision = detached(py, || api::policy_evaluate(input_json, &options))?;
    Ok(convert::policy_decision(py, decision))
}

// ---------------------------------------------------------------- transparency

/// The RFC 9162 leaf hash of the bytes, hex.
#[pyfunction]
fn merkle_leaf_hash(py: Python<'_>, data: &[u8]) -> String {
    maybe_detached(py, data.len(), || api::merkle_leaf_hash(data))
}

/// Verifies an inclusion proof (JSON) of `leaf_data`.
#[pyfunction]
fn merkle_verify_inclusion(
    py: Python<'_>,
    leaf_data: &[u8],
    proof_json: &[u8],
) -> PyResult<InclusionVerified> {
    detached(py, || api::merkle_verify_inclusion(leaf_data, proof_json))
        .map(convert::inclusion_verified)
}

/// Verifies a C2SP signed-note checkpoint against trusted note keys.
#[pyfunction]
#[pyo3(
    signature = (
        note, *, trusted_keys = Vec::new(), expected_size = 0, expected_root_hash = String::new()
    ),
    text_signature = "(note, *, trusted_keys = (), expected_size = 0, expected_root_hash = '')"
)]
fn checkpoint_verify(
    py: Python<'_>,
    note: &[u8],
    trusted_keys: Vec<NoteKeyArg<'_>>,
    expected_size: u64,
    expected_root_hash: String,
) -> PyResult<CheckpointVerified> {
    let options = api::CheckpointOptions {
        trusted_keys: trusted_keys.into_iter().map(NoteKeyArg::into_api).collect(),
        expected_size,
        expected_root_hash,
    };
    detached(py, || api::checkpoint_verify(note, &options)).map(convert::checkpoint_verified)
}

/// Verifies a Sigstore bundle offline: keyless (a certificate identity policy and a trusted
/// root) or key-based (public keys and Rekor keys or a trusted root).
#[pyfunction]
#[pyo3(
    signature = (
        bundle, *, public_keys_pem = Vec::new(), rekor_keys_pem = Vec::new(),
        trusted_root_json = None, artifact = None, artifact_digest = String::new(),
        certificate_identity = String::new(), certificate_identity_regexp = String::new(),
        certificate_oidc_issuer = String::new(), certificate_oidc_issuer_regexp = String::new(),
        insecure_ignore_identity = false, tlog_threshold = None, sct_threshold = None
    ),
    text_signature = "(bundle, *, public_keys_pem = (), rekor_keys_pem = (), trusted_root_json = None, artifact = None, artifact_digest = '', certificate_identity = '', certificate_identity_regexp = '', certificate_oidc_issuer = '', certificate_oidc_issuer_regexp = '', insecure_ignore_identity = False, tlog_threshold = None, sct_threshold = None)"
)]
#[allow(clippy::too_many_arguments)]
fn sigstore_bundle_verify(
    py: Python<'_>,
    bundle: &[u8],
    public_keys_pem: Vec<String>,
    rekor_keys_pem: Vec<String>,
    trusted_root_json: Option<&[u8]>,
    artifact: Option<&[u8]>,
    artifact_digest: String,
    certificate_identity: String,
    certificate_identity_regexp: String,
    certificate_oidc_issuer: String,
    certificate_oidc_issuer_regexp: String,
    insecure_ignore_identity: bool,
    tlog_threshold: Option<u32>,
    sct_threshold: Option<u32>,
) -> PyResult<BundleVerified> {
    let options = api::BundleVerifyOptions {
        public_keys_pem,
        rekor_keys_pem,
        trusted_root_json: trusted_root_json.unwrap_or_default().to_vec(),
        artifact: artifact.unwrap_or_default().to_vec(),
        artifact_digest,
        certificate_identity,
        certificate_identity_regexp,
        certificate_oidc_issuer,
        certificate_oidc_issuer_regexp,
        insecure_ignore_identity,
        tlog_threshold,
        sct_threshold,
    };
    let v = detached(py, || api::sigstore_bundle_verify(bundle, &options))?;
    Ok(convert::bundle_verified(py, v))
}

// ---------------------------------------------------------------- the pipeline

/// Runs the whole golden path (the embedded demo when `image_path` is empty).
#[pyfunction]
#[pyo3(
    signature = (
        *, image_path = PathBuf::new(), name = String::new(), snapshot = None,
        private_key_pem = String::new(), store_dir = PathBuf::new(), time = String::new(),
        vex = Vec::new(), vex_public_keys_pem = Vec::new(), allow_unsigned_vex = false,
        platform = String::new(), actor = String::new()
    ),
    text_signature = "(*, image_path = '', name = '', snapshot = None, private_key_pem = '', store_dir = '', time = '', vex = (), vex_public_keys_pem = (), allow_unsigned_vex = False, platform = '', actor = '')"
)]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    image_path: PathBuf,
    name: String,
    snapshot: Option<&[u8]>,
    private_key_pem: String,
    store_dir: PathBuf,
    time: String,
    vex: Vec<Bound<'_, PyBytes>>,
    vex_public_keys_pem: Vec<String>,
    allow_unsigned_vex: bool,
    platform: String,
    actor: String,
) -> PyResult<RunResult> {
    let options = api::RunOptions {
        image_path: path_text(py, image_path, "image_path")?,
        name,
        snapshot: snapshot.unwrap_or_default().to_vec(),
        private_key_pem,
        store_dir: path_text(py, store_dir, "store_dir")?,
        time,
        vex: byte_list(vex),
        vex_public_keys_pem,
        allow_unsigned_vex,
        platform,
        actor,
    };
    let result = detached(py, || api::run(&options))?;
    convert::run_result(py, result)
}

/// Panics inside the library's panic guard; must raise `InternalError`. Tests only.
#[pyfunction]
fn force_panic_for_tests(py: Python<'_>) -> PyResult<()> {
    detached(py, api::force_panic_for_tests)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    convert::register(m)?;
    m.add_function(wrap_pyfunction!(canonicalize_json, m)?)?;
    m.add_function(wrap_pyfunction!(digest_of, m)?)?;
    m.add_function(wrap_pyfunction!(digest_of_hex, m)?)?;
    m.add_function(wrap_pyfunction!(generate_key, m)?)?;
    m.add_function(wrap_pyfunction!(import_private_key, m)?)?;
    m.add_function(wrap_pyfunction!(public_key_from_pem, m)?)?;
    m.add_function(wrap_pyfunction!(dsse_sign, m)?)?;
    m.add_function(wrap_pyfunction!(dsse_verify, m)?)?;
    m.add_function(wrap_pyfunction!(statement_build, m)?)?;
    m.add_function(wrap_pyfunction!(statement_parse, m)?)?;
    m.add_function(wrap_pyfunction!(sbom_from_image_path, m)?)?;
    m.add_function(wrap_pyfunction!(sbom_from_image_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(db_build, m)?)?;
    m.add_function(wrap_pyfunction!(scan_image_path, m)?)?;
    m.add_function(wrap_pyfunction!(scan_image_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(scan_sbom, m)?)?;
    m.add_function(wrap_pyfunction!(entry_trace_image_path, m)?)?;
    m.add_function(wrap_pyfunction!(entry_trace_image_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(vex_validate, m)?)?;
    m.add_function(wrap_pyfunction!(vex_merge, m)?)?;
    m.add_function(wrap_pyfunction!(vex_apply, m)?)?;
    m.add_function(wrap_pyfunction!(vex_generate, m)?)?;
    m.add_function(wrap_pyfunction!(policy_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(merkle_leaf_hash, m)?)?;
    m.add_function(wrap_pyfunction!(merkle_verify_inclusion, m)?)?;
    m.add_function(wrap_pyfunction!(checkpoint_verify, m)?)?;
    m.add_function(wrap_pyfunction!(sigstore_bundle_verify, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(force_panic_for_tests, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

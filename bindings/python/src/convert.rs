//! The records the functions return (and the three small input records), and the conversions
//! between them and the `stella-bindings-api` types. Records are immutable (`frozen`); bytes
//! fields are `bytes`, lists of records are tuples, lists of strings are lists.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use stella_bindings_api as api;

use crate::errors::invalid;

/// The `repr` of one field: bytes as their length (documents can be megabytes), a private key
/// never shown, anything else as Python's `repr`.
fn field_repr(name: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if name == "private_pem" {
        return Ok("'<redacted>'".to_owned());
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(format!("<{} bytes>", bytes.as_bytes().len()));
    }
    Ok(value.repr()?.to_string())
}

/// The `repr` of a record: its class name and every field.
macro_rules! record_repr {
    ($slf:ident, $name:ident, $($field:ident),*) => {{
        let parts: Vec<String> = vec![$(
            format!(
                "{}={}",
                stringify!($field),
                field_repr(stringify!($field), &$slf.getattr(stringify!($field))?)?
            )
        ),*];
        Ok(format!("{}({})", stringify!($name), parts.join(", ")))
    }};
}

/// Declares a frozen record class with read-only attributes and a `repr`; with `new`, also a
/// constructor taking every field (the input records).
macro_rules! record {
    ($(#[$doc:meta])* $name:ident: new {
        $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)?
    }) => {
        $(#[$doc])*
        #[pyclass(frozen, get_all, module = "stella_ops")]
        pub struct $name {
            $($(#[$fdoc])* pub $field: $ty,)*
        }

        #[pymethods]
        impl $name {
            #[new]
            fn py_new($($field: $ty),*) -> Self {
                Self { $($field),* }
            }

            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                record_repr!(slf, $name, $($field),*)
            }
        }
    };
    ($(#[$doc:meta])* $name:ident {
        $($(#[$fdoc:meta])* $field:ident : $ty:ty),* $(,)?
    }) => {
        $(#[$doc])*
        #[pyclass(frozen, get_all, module = "stella_ops")]
        pub struct $name {
            $($(#[$fdoc])* pub $field: $ty,)*
        }

        #[pymethods]
        impl $name {
            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                record_repr!(slf, $name, $($field),*)
            }
        }
    };
}

record! {
    /// A private key with its public half, PEM text.
    KeyPair {
        /// `"ecdsa-p256"` or `"ed25519"`.
        algorithm: &'static str,
        /// PKCS#8 PEM (secret; not shown by `repr`).
        private_pem: String,
        /// SPKI PEM.
        public_pem: String,
        /// `sha256:<hex>` of the DER SPKI (what DSSE `keyid`s hold).
        key_id: String,
    }
}

record! {
    /// A public key, PEM text.
    PublicKeyInfo {
        /// `"ecdsa-p256"` or `"ed25519"`.
        algorithm: &'static str,
        /// SPKI PEM.
        public_pem: String,
        /// `sha256:<hex>` of the DER SPKI (what DSSE `keyid`s hold).
        key_id: String,
    }
}

record! {
    /// A DSSE envelope whose signatures verified.
    VerifiedEnvelope {
        /// The payload type.
        payload_type: String,
        /// The verified payload.
        payload: Py<PyBytes>,
        /// The key ids whose signatures verified, sorted.
        key_ids: Vec<String>,
    }
}

record! {
    /// One subject of an in-toto statement (input of `statement_build`, part of `StatementInfo`).
    StatementSubject: new {
        /// The name (may be empty).
        name: String,
        /// `sha256:<hex>`.
        digest: String,
    }
}

record! {
    /// A parsed in-toto statement.
    StatementInfo {
        /// The `_type` URI.
        statement_type: String,
        /// The predicate type URI.
        predicate_type: String,
        /// The subjects in document order.
        subjects: Py<PyTuple>,
        /// The predicate, canonical JSON.
        predicate_json: Py<PyBytes>,
    }
}

record! {
    /// A named input file (an OSV document, a Rego module).
    NamedBytes: new {
        /// Its name (a relative path).
        name: String,
        /// Its bytes.
        bytes: Py<PyBytes>,
    }
}

record! {
    /// The result of `vex_validate`.
    VexValidation {
        /// The document's `@id`.
        id: String,
        /// How many statements it has.
        statements: u32,
    }
}

record! {
    /// The result of `vex_merge`.
    VexMerged {
        /// The merged OpenVEX document.
        document: Py<PyBytes>,
        /// The human-readable explanation of every decision.
        explanation: String,
        /// The decisions as canonical JSON.
        decisions_json: Py<PyBytes>,
    }
}

record! {
    /// A gate decision.
    PolicyDecision {
        /// Whether the policy allows.
        allow: bool,
        /// Why it denies, in policy order.
        violations: Vec<String>,
        /// Warnings.
        warnings: Vec<String>,
        /// The decision record, canonical JSON.
        record: Py<PyBytes>,
    }
}

record! {
    /// A verified inclusion proof.
    InclusionVerified {
        /// The leaf's RFC 9162 hash, hex.
        leaf_hash: String,
        /// The leaf index.
        log_index: u64,
        /// The tree size.
        tree_size: u64,
        /// The root, hex.
        root_hash: String,
    }
}

record! {
    /// A trusted signed-note key (input of `checkpoint_verify`).
    NoteKey: new {
        /// The key name (usually the log origin).
        name: String,
        /// The public key, PEM.
        public_pem: String,
    }
}

record! {
    /// A verified C2SP checkpoint.
    CheckpointVerified {
        /// The log origin.
        origin: String,
        /// The tree size.
        size: u64,
        /// The root hash, hex.
        root_hash: String,
        /// The trusted key names whose signatures verified.
        signers: Vec<String>,
    }
}

record! {
    /// A verified Sigstore bundle.
    BundleVerified {
        /// The bundle media type.
        media_type: String,
        /// `sha256:<hex>` of a message-signature bundle's artifact; empty otherwise.
        artifact_digest: String,
        /// The DSSE payload type of an envelope bundle; empty otherwise.
        payload_type: String,
        /// The verified DSSE payload of an envelope bundle; empty otherwise.
        payload: Py<PyBytes>,
        /// The id of the key that verified (key-based bundles); empty for a keyless bundle.
        key_id: String,
        /// The log index of each verified transparency-log entry.
        log_indexes: Vec<u64>,
        /// Keyless bundles: the verified certificate identity (SAN); empty otherwise.
        signer_identity: String,
        /// Keyless bundles: the certificate's OIDC issuer; empty otherwise.
        signer_issuer: String,
        /// The verified signing times, Unix seconds; empty when verified against log keys only.
        signing_times: Vec<i64>,
    }
}

record! {
    /// One artifact of a run.
    RunArtifact {
        /// The kind (`"sbom-cyclonedx"`, `"decision-attestation"`, ...).
        kind: String,
        /// `sha256:<hex>`.
        digest: String,
        /// The media type.
        media_type: String,
        /// Its bytes.
        bytes: Py<PyBytes>,
    }
}

record! {
    /// The result of `run`.
    RunResult {
        /// Whether the gate allows the image.
        allow: bool,
        /// The run report, canonical JSON.
        report_json: Py<PyBytes>,
        /// Every artifact, in report order.
        artifacts: Py<PyTuple>,
    }
}

/// Registers every record class.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<KeyPair>()?;
    m.add_class::<PublicKeyInfo>()?;
    m.add_class::<VerifiedEnvelope>()?;
    m.add_class::<StatementSubject>()?;
    m.add_class::<StatementInfo>()?;
    m.add_class::<NamedBytes>()?;
    m.add_class::<VexValidation>()?;
    m.add_class::<VexMerged>()?;
    m.add_class::<PolicyDecision>()?;
    m.add_class::<InclusionVerified>()?;
    m.add_class::<NoteKey>()?;
    m.add_class::<CheckpointVerified>()?;
    m.add_class::<BundleVerified>()?;
    m.add_class::<RunArtifact>()?;
    m.add_class::<RunResult>()?;
    Ok(())
}

// ------------------------------------------------------------------ results

fn bytes(py: Python<'_>, b: &[u8]) -> Py<PyBytes> {
    PyBytes::new(py, b).unbind()
}

pub fn key_pair(k: api::KeyPair) -> KeyPair {
    KeyPair {
        algorithm: k.algorithm.name(),
        private_pem: k.private_pem,
        public_pem: k.public_pem,
        key_id: k.key_id,
    }
}

pub fn public_key_info(k: api::PublicKeyInfo) -> PublicKeyInfo {
    PublicKeyInfo {
        algorithm: k.algorithm.name(),
        public_pem: k.public_pem,
        key_id: k.key_id,
    }
}

pub fn verified_envelope(py: Python<'_>, v: api::VerifiedEnvelope) -> VerifiedEnvelope {
    VerifiedEnvelope {
        payload_type: v.payload_type,
        payload: bytes(py, &v.payload),
        key_ids: v.key_ids,
    }
}

pub fn statement_info(py: Python<'_>, s: api::StatementInfo) -> PyResult<StatementInfo> {
    let subjects = s
        .subjects
        .into_iter()
        .map(|s| {
            Py::new(
                py,
                StatementSubject {
                    name: s.name,
                    digest: s.digest,
                },
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(StatementInfo {
        statement_type: s.statement_type,
        predicate_type: s.predicate_type,
        subjects: PyTuple::new(py, subjects)?.unbind(),
        predicate_json: bytes(py, &s.predicate_json),
    })
}

pub fn vex_validation(v: api::VexValidation) -> VexValidation {
    VexValidation {
        id: v.id,
        statements: v.statements,
    }
}

pub fn vex_merged(py: Python<'_>, v: api::VexMerged) -> VexMerged {
    VexMerged {
        document: bytes(py, &v.document),
        explanation: v.explanation,
        decisions_json: bytes(py, &v.decisions_json),
    }
}

pub fn policy_decision(py: Python<'_>, d: api::PolicyDecision) -> PolicyDecision {
    PolicyDecision {
        allow: d.allow,
        violations: d.violations,
        warnings: d.warnings,
        record: bytes(py, &d.record),
    }
}

pub fn inclusion_verified(v: api::InclusionVerified) -> InclusionVerified {
    InclusionVerified {
        leaf_hash: v.leaf_hash,
        log_index: v.log_index,
        tree_size: v.tree_size,
        root_hash: v.root_hash,
    }
}

pub fn checkpoint_verified(v: api::CheckpointVerified) -> CheckpointVerified {
    CheckpointVerified {
        origin: v.origin,
        size: v.size,
        root_hash: v.root_hash,
        signers: v.signers,
    }
}

pub fn bundle_verified(py: Python<'_>, v: api::BundleVerified) -> BundleVerified {
    BundleVerified {
        media_type: v.media_type,
        artifact_digest: v.artifact_digest,
        payload_type: v.payload_type,
        payload: bytes(py, &v.payload),
        key_id: v.key_id,
        log_indexes: v.log_indexes,
        signer_identity: v.signer_identity,
        signer_issuer: v.signer_issuer,
        signing_times: v.signing_times,
    }
}

pub fn run_result(py: Python<'_>, r: api::RunResult) -> PyResult<RunResult> {
    let artifacts = r
        .artifacts
        .into_iter()
        .map(|a| {
            Py::new(
                py,
                RunArtifact {
                    kind: a.kind,
                    digest: a.digest,
                    media_type: a.media_type,
                    bytes: bytes(py, &a.bytes),
                },
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(RunResult {
        allow: r.allow,
        report_json: bytes(py, &r.report_json),
        artifacts: PyTuple::new(py, artifacts)?.unbind(),
    })
}

// ------------------------------------------------------------------ arguments

/// A subject argument: a `StatementSubject` or a `(name, digest)` tuple.
#[derive(FromPyObject)]
pub enum SubjectArg<'py> {
    Record(Bound<'py, StatementSubject>),
    Pair((String, String)),
}

impl SubjectArg<'_> {
    pub fn into_api(self) -> api::StatementSubject {
        match self {
            Self::Record(r) => {
                let r = r.get();
                api::StatementSubject {
                    name: r.name.clone(),
                    digest: r.digest.clone(),
                }
            }
            Self::Pair((name, digest)) => api::StatementSubject { name, digest },
        }
    }
}

/// A named-bytes argument: a `NamedBytes` or a `(name, bytes)` tuple.
#[derive(FromPyObject)]
pub enum NamedBytesArg<'py> {
    Record(Bound<'py, NamedBytes>),
    Pair((String, Bound<'py, PyBytes>)),
}

impl NamedBytesArg<'_> {
    pub fn into_api(self) -> api::NamedBytes {
        match self {
            Self::Record(r) => {
                let py = r.py();
                let r = r.get();
                api::NamedBytes {
                    name: r.name.clone(),
                    bytes: r.bytes.bind(py).as_bytes().to_vec(),
                }
            }
            Self::Pair((name, bytes)) => api::NamedBytes {
                name,
                bytes: bytes.as_bytes().to_vec(),
            },
        }
    }
}

/// A note-key argument: a `NoteKey` or a `(name, public_pem)` tuple.
#[derive(FromPyObject)]
pub enum NoteKeyArg<'py> {
    Record(Bound<'py, NoteKey>),
    Pair((String, String)),
}

impl NoteKeyArg<'_> {
    pub fn into_api(self) -> api::NoteKey {
        match self {
            Self::Record(r) => {
                let r = r.get();
                api::NoteKey {
                    name: r.name.clone(),
                    public_pem: r.public_pem.clone(),
                }
            }
            Self::Pair((name, public_pem)) => api::NoteKey { name, public_pem },
        }
    }
}

/// A list of `bytes` (VEX documents), copied into the owned form the API takes.
pub fn byte_list(items: Vec<Bound<'_, PyBytes>>) -> Vec<Vec<u8>> {
    items.iter().map(|b| b.as_bytes().to_vec()).collect()
}

/// A path argument (`str` or `os.PathLike`) as the UTF-8 text the API takes.
pub fn path_text(py: Python<'_>, path: PathBuf, what: &str) -> PyResult<String> {
    path.into_os_string()
        .into_string()
        .map_err(|p| invalid(py, format!("{what}: not UTF-8: {p:?}")))
}

/// The key algorithm named `"ecdsa-p256"` or `"ed25519"`.
pub fn key_algorithm(py: Python<'_>, name: &str) -> PyResult<api::KeyAlgorithm> {
    api::KeyAlgorithm::parse(name).ok_or_else(|| {
        invalid(
            py,
            format!("algorithm {name:?}: expected \"ecdsa-p256\" or \"ed25519\""),
        )
    })
}

/// The SBOM format named `"cyclonedx-json"` or `"spdx-json"`.
pub fn sbom_format(py: Python<'_>, name: &str) -> PyResult<api::SbomFormat> {
    match name {
        "cyclonedx-json" => Ok(api::SbomFormat::CycloneDxJson),
        "spdx-json" => Ok(api::SbomFormat::SpdxJson),
        other => Err(invalid(
            py,
            format!("format {other:?}: expected \"cyclonedx-json\" or \"spdx-json\""),
        )),
    }
}

/// The scan format named `"json"` or `"sarif"`.
pub fn scan_format(py: Python<'_>, name: &str) -> PyResult<api::ScanFormat> {
    match name {
        "json" => Ok(api::ScanFormat::Json),
        "sarif" => Ok(api::ScanFormat::Sarif),
        other => Err(invalid(
            py,
            format!("format {other:?}: expected \"json\" or \"sarif\""),
        )),
    }
}

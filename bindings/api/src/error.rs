//! [`ApiError`]: the one error every function of the API returns, with a small stable
//! [`ErrorKind`] the bindings map to exception classes (Python), `error.code` (Node) and enum
//! cases (Swift), and the mapping from every library error.
//!
//! The library error enums are `#[non_exhaustive]`, so each mapping lists the variants it
//! classifies and sends a variant added later to the kind its crate's errors mostly are
//! (`Parse` for parsers); a unit test per kind proves each is reachable.

use std::any::Any;
use std::fmt;

use stella::image::registry::RegistryError;
use stella::vex::VexInputError;
use stella_attest::AttestError;
use stella_attest::dsse::DsseError;
use stella_attest::keys::KeyError;
use stella_attest::statement::StatementError;
use stella_attest::transparency::TransparencyError;
use stella_core::{CoreError, DigestError, JsonError, TimestampError};
use stella_policy::{EvalError, PolicyError};
use stella_scan::{ImageError, SbomInputError, ScanError};
use stella_vex::VexError;
use stella_vuln::VulnError;

/// What kind of failure an [`ApiError`] is. The set and the [`ErrorKind::code`] strings are
/// stable: bindings expose them to callers who match on them.
///
/// ```
/// use stella_bindings_api::{ErrorKind, canonicalize_json};
/// let err = canonicalize_json(b"{").unwrap_err();
/// assert_eq!(err.kind, ErrorKind::Parse);
/// assert_eq!(err.kind.code(), "E_PARSE");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// An argument or option is malformed or missing (a bad timestamp, an unknown format, a key
    /// that is not PEM, no keys given where some are needed).
    InvalidArgument,
    /// An input document could not be parsed or is not well-formed (JSON, DSSE, statement,
    /// SBOM, OSV, OpenVEX, image metadata, checkpoint, bundle).
    Parse,
    /// Something signed or proven did not verify (signature, threshold, inclusion proof,
    /// checkpoint, digest mismatch, untrusted log).
    Verification,
    /// The policy engine failed: a Rego syntax or compile error, a bad query, a policy that
    /// returns the wrong shape. (A policy that *denies* is not an error.)
    Policy,
    /// A configured limit was exceeded (size, depth, count, instructions, time).
    Limit,
    /// Reading a file failed.
    Io,
    /// The input is valid but uses something Stella Ops does not support (keyless bundles,
    /// registry references, an unsupported algorithm or media type).
    Unsupported,
    /// A bug: a panic inside the library, or an error that should not happen.
    Internal,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 8] = [
        Self::InvalidArgument,
        Self::Parse,
        Self::Verification,
        Self::Policy,
        Self::Limit,
        Self::Io,
        Self::Unsupported,
        Self::Internal,
    ];

    /// The stable code string (`"E_PARSE"`, …), e.g. for a Node `error.code`.
    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidArgument => "E_INVALID_ARGUMENT",
            Self::Parse => "E_PARSE",
            Self::Verification => "E_VERIFICATION",
            Self::Policy => "E_POLICY",
            Self::Limit => "E_LIMIT",
            Self::Io => "E_IO",
            Self::Unsupported => "E_UNSUPPORTED",
            Self::Internal => "E_INTERNAL",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The error of every API function: a [`kind`](ApiError::kind) to match on and the library's
/// message (with its causes) to show.
///
/// ```
/// use stella_bindings_api::{ErrorKind, dsse_verify, DsseVerifyOptions};
/// let err = dsse_verify(b"{}", &DsseVerifyOptions::default()).unwrap_err();
/// assert_eq!(err.kind, ErrorKind::InvalidArgument); // no public keys given
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ApiError {
    /// What kind of failure this is.
    pub kind: ErrorKind,
    /// The human-readable message (the library error and its causes).
    pub message: String,
}

impl ApiError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// An [`ErrorKind::InvalidArgument`] error.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, message)
    }

    pub(crate) fn from_error(kind: ErrorKind, e: &dyn std::error::Error) -> Self {
        let mut message = e.to_string();
        let mut source = e.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        Self::new(kind, message)
    }

    /// The error for a panic caught at the API boundary.
    pub(crate) fn from_panic(payload: &(dyn Any + Send)) -> Self {
        let what = panic_text(payload);
        Self::new(ErrorKind::Internal, format!("panic in stella: {what}"))
    }
}

/// The message of a caught panic's payload (`&str` or `String`), else a placeholder.
pub(crate) fn panic_text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}

fn json_kind(e: &JsonError) -> ErrorKind {
    match e {
        JsonError::TooDeep { .. } | JsonError::TooLarge { .. } => ErrorKind::Limit,
        JsonError::Serde { .. } => ErrorKind::Parse,
        _ => ErrorKind::Parse,
    }
}

fn core_kind(e: &CoreError) -> ErrorKind {
    match e {
        CoreError::Digest(_) => ErrorKind::Parse,
        CoreError::Json(j) => json_kind(j),
        CoreError::DigestMismatch { .. } | CoreError::BadSignature { .. } => {
            ErrorKind::Verification
        }
        CoreError::LimitExceeded { .. } => ErrorKind::Limit,
        CoreError::Io { .. } => ErrorKind::Io,
        CoreError::NotFound { .. } | CoreError::LogRange { .. } => ErrorKind::InvalidArgument,
        CoreError::Backend { source, .. } => match source.downcast_ref::<RegistryError>() {
            Some(r) => registry_kind(r),
            None => ErrorKind::Internal,
        },
        CoreError::Sign { .. } => ErrorKind::Internal,
        _ => ErrorKind::Internal,
    }
}

fn registry_kind(e: &RegistryError) -> ErrorKind {
    match e {
        // What the caller asked for or configured cannot be done safely: a bad reference,
        // plain HTTP, credentials over plain HTTP or in a URL, half-set or unreadable
        // credential settings.
        RegistryError::Reference { .. }
        | RegistryError::InsecureTransport { .. }
        | RegistryError::InsecureCredentials { .. }
        | RegistryError::UrlCredentials { .. }
        | RegistryError::CredentialEnv { .. }
        | RegistryError::CredentialConfig { .. } => ErrorKind::InvalidArgument,
        RegistryError::DigestMismatch { .. } | RegistryError::DigestHeaderMismatch { .. } => {
            ErrorKind::Verification
        }
        RegistryError::TooLarge { .. } => ErrorKind::Limit,
        RegistryError::UnsupportedChallenge { .. } => ErrorKind::Unsupported,
        RegistryError::Store(c) => core_kind(c),
        _ => ErrorKind::Io,
    }
}

fn key_kind(e: &KeyError) -> ErrorKind {
    match e {
        KeyError::Pem { .. }
        | KeyError::MultipleKeys { .. }
        | KeyError::UnknownEncoding
        | KeyError::UnsupportedPemLabel { .. }
        | KeyError::MalformedKey { .. }
        | KeyError::PublicKeyMismatch { .. }
        | KeyError::MalformedSignature { .. } => ErrorKind::Parse,
        KeyError::EncryptedKey { .. }
        | KeyError::UnsupportedAlgorithm { .. }
        | KeyError::UnsupportedOperation { .. } => ErrorKind::Unsupported,
        KeyError::TooLarge { .. } => ErrorKind::Limit,
        KeyError::Rng => ErrorKind::Internal,
        KeyError::Rejected { .. } | KeyError::HighS { .. } | KeyError::BadSignature { .. } => {
            ErrorKind::Verification
        }
        _ => ErrorKind::Parse,
    }
}

fn dsse_kind(e: &DsseError) -> ErrorKind {
    match e {
        DsseError::EnvelopeJson { .. } => ErrorKind::Parse,
        DsseError::TooLarge { .. } | DsseError::TooManySignatures { .. } => ErrorKind::Limit,
        DsseError::PayloadTypeNotAllowed { .. }
        | DsseError::NoSignatures
        | DsseError::UnknownKeyId { .. }
        | DsseError::NoKeyVerified { .. }
        | DsseError::Signature { .. }
        | DsseError::Verifier { .. }
        | DsseError::ThresholdNotMet { .. } => ErrorKind::Verification,
        DsseError::InvalidThreshold { .. } | DsseError::DuplicateKeyId { .. } => {
            ErrorKind::InvalidArgument
        }
        _ => ErrorKind::Verification,
    }
}

fn statement_kind(e: &StatementError) -> ErrorKind {
    match e {
        StatementError::PredicateTypeNotAllowed { .. }
        | StatementError::LegacyNotAllowed
        | StatementError::SubjectMismatch { .. }
        | StatementError::ArtifactMismatch { .. }
        | StatementError::MissingSigner { .. } => ErrorKind::Verification,
        StatementError::Json { .. }
        | StatementError::Shape { .. }
        | StatementError::UnknownType { .. }
        | StatementError::NoSubjects
        | StatementError::BadDigest { .. }
        | StatementError::PredicateTypeNotUri { .. }
        | StatementError::MissingPredicateType
        | StatementError::PredicateTypeMismatch { .. }
        | StatementError::Predicate { .. } => ErrorKind::Parse,
        _ => ErrorKind::Parse,
    }
}

fn transparency_kind(e: &TransparencyError) -> ErrorKind {
    use TransparencyError as T;
    match e {
        T::BadSignature { .. }
        | T::Mismatch { .. }
        | T::RootMismatch { .. }
        | T::ProofLength { .. }
        | T::IndexOutOfRange { .. }
        | T::CheckpointMismatch { .. }
        | T::NoTrustedSignature { .. }
        | T::UnknownLog { .. }
        | T::NotCanonical { .. }
        | T::HighS { .. }
        | T::ArtifactNotSubject { .. } => ErrorKind::Verification,
        T::EmptyTree { .. } | T::SizeBeyondTree { .. } | T::SizesOutOfOrder { .. } => {
            ErrorKind::InvalidArgument
        }
        T::HashLength { .. }
        | T::NoteFormat { .. }
        | T::DuplicateSignature { .. }
        | T::BadKeyName { .. }
        | T::Base64 { .. }
        | T::Json { .. }
        | T::MissingField { .. }
        | T::InvalidField { .. } => ErrorKind::Parse,
        T::UnsupportedKey { .. }
        | T::UnsupportedEntryKind { .. }
        | T::UnsupportedMediaType { .. }
        | T::NotSupported { .. } => ErrorKind::Unsupported,
        T::LimitExceeded { .. } => ErrorKind::Limit,
        // The caller's options, not the bundle: a keyless bundle with no identity policy, a key
        // for a keyless bundle or an identity policy for a key-based one.
        T::MissingIdentityPolicy | T::WrongVerificationMaterial { .. } => {
            ErrorKind::InvalidArgument
        }
        T::Key { source, .. } => core_kind(source),
        _ => ErrorKind::Verification,
    }
}

fn attest_kind(e: &AttestError) -> ErrorKind {
    match e {
        AttestError::Core(c) => core_kind(c),
        AttestError::Key(k) => key_kind(k),
        AttestError::Dsse(d) => dsse_kind(d),
        AttestError::Statement(s) => statement_kind(s),
        AttestError::Transparency(t) => transparency_kind(t),
        _ => ErrorKind::Internal,
    }
}

fn vuln_kind(e: &VulnError) -> ErrorKind {
    match e {
        VulnError::Limit { .. } => ErrorKind::Limit,
        VulnError::SnapshotDigest { .. } | VulnError::SnapshotPin { .. } => ErrorKind::Verification,
        VulnError::UnknownEcosystem { .. } => ErrorKind::Unsupported,
        VulnError::Write { .. } => ErrorKind::Internal,
        VulnError::OsvParse { .. }
        | VulnError::OsvInvalid { .. }
        | VulnError::Archive { .. }
        | VulnError::Snapshot { .. }
        | VulnError::Version { .. }
        | VulnError::Cvss { .. }
        | VulnError::Manifest { .. } => ErrorKind::Parse,
        _ => ErrorKind::Parse,
    }
}

fn scan_kind(e: &ScanError) -> ErrorKind {
    match e {
        ScanError::Core(c) => core_kind(c),
        ScanError::Image(i) => match i {
            ImageError::UnsupportedMediaType { .. } | ImageError::Unsupported { .. } => {
                ErrorKind::Unsupported
            }
            ImageError::Oversize { .. } => ErrorKind::Limit,
            ImageError::NoMatchingPlatform { .. } => ErrorKind::InvalidArgument,
            ImageError::Parse { .. } | ImageError::IndexCycle { .. } | ImageError::Layer { .. } => {
                ErrorKind::Parse
            }
            _ => ErrorKind::Parse,
        },
        ScanError::LimitExceeded { .. } => ErrorKind::Limit,
        ScanError::SbomInput(s) => sbom_input_kind(s),
        ScanError::Catalog { .. } => ErrorKind::Parse,
        ScanError::Cache { .. } => ErrorKind::Internal,
        _ => ErrorKind::Parse,
    }
}

fn sbom_input_kind(e: &SbomInputError) -> ErrorKind {
    match e {
        SbomInputError::Limit { .. } => ErrorKind::Limit,
        SbomInputError::UnsupportedVersion { .. } => ErrorKind::Unsupported,
        SbomInputError::UnknownFormat { .. } | SbomInputError::Parse { .. } => ErrorKind::Parse,
        _ => ErrorKind::Parse,
    }
}

fn vex_kind(e: &VexError) -> ErrorKind {
    match e {
        VexError::Json { .. }
        | VexError::Shape { .. }
        | VexError::Invalid(_)
        | VexError::Purl { .. }
        | VexError::Waiver(_)
        | VexError::Spdx { .. } => ErrorKind::Parse,
        VexError::Signature { .. } | VexError::NoTrustedStatements { .. } => {
            ErrorKind::Verification
        }
        VexError::Policy { .. } => ErrorKind::InvalidArgument,
        VexError::Limit { .. } => ErrorKind::Limit,
        _ => ErrorKind::Parse,
    }
}

fn policy_kind(e: &PolicyError) -> ErrorKind {
    match e {
        PolicyError::Bundle(stella_policy::BundleError::Limit { .. }) => ErrorKind::Limit,
        PolicyError::Bundle(_) => ErrorKind::Policy,
        PolicyError::Rego(_) => ErrorKind::Policy,
        PolicyError::Input(_) => ErrorKind::Parse,
        PolicyError::Eval(EvalError::InstructionLimit { .. } | EvalError::TimeLimit { .. }) => {
            ErrorKind::Limit
        }
        PolicyError::Eval(_) => ErrorKind::Policy,
        PolicyError::Record(_) => ErrorKind::Verification,
        PolicyError::Sign { .. } => ErrorKind::Internal,
        _ => ErrorKind::Policy,
    }
}

macro_rules! map_error {
    ($($ty:ty => $kind:expr),* $(,)?) => {$(
        impl From<$ty> for ApiError {
            fn from(e: $ty) -> Self {
                let kind: fn(&$ty) -> ErrorKind = $kind;
                Self::from_error(kind(&e), &e)
            }
        }
    )*};
}

map_error! {
    CoreError => core_kind,
    JsonError => json_kind,
    AttestError => attest_kind,
    KeyError => key_kind,
    DsseError => dsse_kind,
    StatementError => statement_kind,
    TransparencyError => transparency_kind,
    ScanError => scan_kind,
    VulnError => vuln_kind,
    SbomInputError => sbom_input_kind,
    VexError => vex_kind,
    PolicyError => policy_kind,
    TimestampError => |_| ErrorKind::InvalidArgument,
    DigestError => |_| ErrorKind::Parse,
    VexInputError => |e| match e {
        VexInputError::NeedsKey => ErrorKind::InvalidArgument,
        VexInputError::Json(c) => core_kind(c),
        VexInputError::Vex(v) => vex_kind(v),
        _ => ErrorKind::Parse,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_errors_map_to_their_kinds() {
        let io = CoreError::Io {
            context: "x".into(),
            source: std::io::Error::other("gone"),
        };
        let e = ApiError::from(io);
        assert_eq!(e.kind, ErrorKind::Io);
        assert!(e.message.contains("gone"), "{}", e.message);
        let cases: Vec<(ApiError, ErrorKind)> = vec![
            (
                TransparencyError::NotSupported { feature: "keyless" }.into(),
                ErrorKind::Unsupported,
            ),
            (
                TransparencyError::LimitExceeded {
                    what: "proof",
                    max: 1,
                    actual: 2,
                }
                .into(),
                ErrorKind::Limit,
            ),
            (DsseError::NoSignatures.into(), ErrorKind::Verification),
            (
                AttestError::Statement(StatementError::NoSubjects).into(),
                ErrorKind::Parse,
            ),
            (KeyError::Rng.into(), ErrorKind::Internal),
            (
                CoreError::LimitExceeded {
                    limit: "bytes",
                    max: 1,
                    actual: 2,
                }
                .into(),
                ErrorKind::Limit,
            ),
            (
                ScanError::Core(CoreError::DigestMismatch {
                    expected: stella_core::Digest::of(b"a"),
                    actual: stella_core::Digest::of(b"b"),
                })
                .into(),
                ErrorKind::Verification,
            ),
        ];
        for (error, kind) in cases {
            assert_eq!(error.kind, kind, "{error}");
        }
    }

    #[test]
    fn refused_registry_credentials_are_invalid_arguments() {
        let refused = [
            RegistryError::InsecureCredentials {
                url: "http://registry.example/v2/".into(),
            },
            RegistryError::UrlCredentials {
                url: "https://redacted@registry.example/".into(),
            },
            RegistryError::CredentialEnv {
                variable: "STELLA_REGISTRY_HOST",
                reason: "is not set",
            },
        ];
        for e in &refused {
            assert_eq!(registry_kind(e), ErrorKind::InvalidArgument, "{e}");
        }
    }

    #[test]
    fn panic_payloads_become_messages() {
        let e = ApiError::from_panic(&"boom");
        assert_eq!(e.kind, ErrorKind::Internal);
        assert!(e.message.contains("boom"));
        let e = ApiError::from_panic(&String::from("owned boom"));
        assert!(e.message.contains("owned boom"));
        let e = ApiError::from_panic(&42u32);
        assert!(e.message.contains("non-string"));
    }
}

//! The error type of `stella-attest`: one enum, with a nested enum per domain.

use stella_core::CoreError;

use crate::dsse::DsseError;
use crate::keys::KeyError;
use crate::statement::StatementError;
use crate::transparency::TransparencyError;

/// Everything that can go wrong in `stella-attest`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AttestError {
    /// An error from `stella-core` (digests, canonical JSON, a signer or log backend).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A key or a signature could not be parsed, or a signature did not verify.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A DSSE envelope could not be parsed, signed or verified.
    #[error(transparent)]
    Dsse(#[from] DsseError),
    /// An in-toto statement was malformed, or failed a verification policy.
    #[error(transparent)]
    Statement(#[from] StatementError),
    /// Merkle proofs, checkpoints, the log, Rekor entries and Sigstore bundles.
    #[error(transparent)]
    Transparency(#[from] TransparencyError),
}

//! Transparency: RFC 9162 Merkle proofs, C2SP signed-note checkpoints, the in-memory Merkle log,
//! Rekor entries and Sigstore bundles.

/// What can go wrong verifying or building transparency data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransparencyError {}

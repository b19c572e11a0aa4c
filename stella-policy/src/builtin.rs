//! The built-in policy bundle shipped with the crate.
//!
//! - `seed_exploitable.rego` and `seed_rekor.rego`: the seed's two policies exactly as written
//!   (v0 syntax without `import future.keywords.in`; see [`crate::syntax`] for how they load).
//!   An affected CRITICAL finding denies unless a `not_affected` VEX statement with a
//!   justification waives it; an attestation without a Rekor inclusion proof is a violation.
//! - `stella_builtin.rego`: a valid (unexpired) waiver waives like VEX; an expired one does not
//!   count; `under_investigation` criticals warn, or deny when configured; every attestation must
//!   bind the scanned image digest.
//! - `data.json`: `{"stella":{"config":{"under_investigation":"warn"|"deny"}}}`.

use crate::bundle::{Bundle, DATA_FILE};
use crate::error::PolicyError;

/// The seed's first policy, as written.
pub const SEED_EXPLOITABLE: &str = include_str!("../policies/seed_exploitable.rego");
/// The seed's second policy, as written.
pub const SEED_REKOR: &str = include_str!("../policies/seed_rekor.rego");
/// Stella's additions.
pub const STELLA_BUILTIN: &str = include_str!("../policies/stella_builtin.rego");

/// What the built-in bundle does with critical findings still `under_investigation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnderInvestigation {
    /// Warn (the default): the gate still allows.
    #[default]
    Warn,
    /// Deny.
    Deny,
}

/// Options of the built-in bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BuiltinOptions {
    /// Treatment of `under_investigation` criticals.
    pub under_investigation: UnderInvestigation,
}

/// The built-in bundle, with revision `stella-policy/<version>/builtin`.
///
/// ```
/// use stella_policy::{builtin_bundle, BuiltinOptions, Gate, GateOptions};
///
/// let bundle = builtin_bundle(BuiltinOptions::default())?;
/// assert_eq!(bundle.modules().len(), 3);
/// let _gate = Gate::new(&bundle, GateOptions::default())?;
/// # Ok::<(), stella_policy::PolicyError>(())
/// ```
pub fn builtin_bundle(options: BuiltinOptions) -> Result<Bundle, PolicyError> {
    let data: &[u8] = match options.under_investigation {
        UnderInvestigation::Warn => br#"{"stella":{"config":{"under_investigation":"warn"}}}"#,
        UnderInvestigation::Deny => br#"{"stella":{"config":{"under_investigation":"deny"}}}"#,
    };
    Bundle::from_files(
        [
            ("seed_exploitable.rego", SEED_EXPLOITABLE.as_bytes()),
            ("seed_rekor.rego", SEED_REKOR.as_bytes()),
            ("stella_builtin.rego", STELLA_BUILTIN.as_bytes()),
            (DATA_FILE, data),
        ],
        Some(format!(
            "stella-policy/{}/builtin",
            env!("CARGO_PKG_VERSION")
        )),
    )
}

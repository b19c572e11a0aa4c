//! Who must have signed a keyless bundle: the identity policy, as cosign and sigstore-go spell
//! it.
//!
//! - `--certificate-identity` / `--certificate-identity-regexp`: the certificate's Subject
//!   Alternative Name (e-mail, URI or Fulcio username), exact or by regular expression;
//! - `--certificate-oidc-issuer` / `--certificate-oidc-issuer-regexp`: the OIDC issuer
//!   (Fulcio extension `1.3.6.1.4.1.57264.1.8`, or the deprecated `…1.1`);
//! - `--certificate-github-workflow-{trigger,sha,name,repository,ref}`: the GitHub workflow
//!   claims (extensions `…1.2` to `…1.6`), exact; any other Fulcio extension can be required
//!   with [`CertificateIdentity::with_extension`].
//!
//! Regular expressions are the `regex` crate's (RE2 syntax, linear time) and, as Go's
//! `regexp.MatchString` in cosign and sigstore-go, **unanchored**: `github\.com/org/` matches
//! anywhere in the name. Anchor with `^…$` to match the whole value.
//!
//! A keyless verification needs an [`IdentityPolicy`]. The explicit
//! [`IdentityPolicy::InsecureIgnoreIdentity`] accepts a certificate from *anyone* the trusted
//! Fulcio CA certified: it skips the SAN, issuer and claim checks only — the certificate
//! chain, its validity at the signing time, the SCTs, the signature, the transparency log and
//! the timestamps are all still verified.
//!
//! ```
//! use stella_attest::transparency::identity::{CertificateIdentity, IdentityPolicy, StringMatcher};
//! use stella_attest::transparency::fulcio::FulcioCertificate;
//! # let der = stella_attest::transparency::fulcio::doc_example_certificate();
//! let cert = FulcioCertificate::from_der(&der)?;
//! let policy = IdentityPolicy::from(CertificateIdentity::new(
//!     StringMatcher::regexp(r"^https://github\.com/sigstore-conformance/")?,
//!     StringMatcher::exact("https://token.actions.githubusercontent.com"),
//! ));
//! policy.check(cert.identity())?;
//! # Ok::<(), stella_attest::transparency::TransparencyError>(())
//! ```
//!
//! The rules that turn those flags into a policy (both the SAN and the issuer, each exact or by
//! regular expression, never both forms of one; claims only with an identity; the insecure
//! opt-out alone) are in one place, [`IdentityPolicy::from_flags`], used by the `stella` command
//! line, `stella vex` and the bindings alike:
//!
//! ```
//! use stella_attest::transparency::identity::{IdentityFlags, IdentityFlagsError, IdentityPolicy};
//!
//! let flags = IdentityFlags {
//!     certificate_identity_regexp: Some(r"^https://github\.com/org/".into()),
//!     certificate_oidc_issuer: Some("https://token.actions.githubusercontent.com".into()),
//!     ..IdentityFlags::default()
//! };
//! assert!(IdentityPolicy::from_flags(&flags)?.is_some());
//! // No flag at all: no identity policy (a keyless bundle is then refused).
//! assert!(IdentityPolicy::from_flags(&IdentityFlags::default())?.is_none());
//! // Half an identity is an error, not a weaker policy.
//! let half = IdentityFlags { certificate_oidc_issuer: Some("https://accounts.google.com".into()), ..IdentityFlags::default() };
//! assert!(matches!(IdentityPolicy::from_flags(&half), Err(IdentityFlagsError::Incomplete { .. })));
//! # Ok::<(), IdentityFlagsError>(())
//! ```

use std::fmt;

use super::TransparencyError;
use super::fulcio::{FulcioExtension, FulcioIdentity};

/// The longest regular expression accepted, in bytes.
pub const MAX_REGEXP_BYTES: usize = 4096;

/// How one certificate value must look.
#[derive(Clone)]
pub enum StringMatcher {
    /// Equal to this string.
    Exact(String),
    /// Matched (unanchored) by this regular expression.
    Regexp(regex::Regex),
}

impl fmt::Debug for StringMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for StringMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exact(s) => write!(f, "{s:?}"),
            Self::Regexp(r) => write!(f, "/{}/", r.as_str()),
        }
    }
}

impl StringMatcher {
    /// Equal to `value`.
    pub fn exact(value: impl Into<String>) -> Self {
        Self::Exact(value.into())
    }

    /// Matched by the regular expression `pattern` (unanchored; see the module docs). A
    /// pattern that does not compile, or longer than [`MAX_REGEXP_BYTES`], is
    /// [`TransparencyError::InvalidField`].
    pub fn regexp(pattern: &str) -> Result<Self, TransparencyError> {
        TransparencyError::check_limit("identity regexp bytes", MAX_REGEXP_BYTES, pattern.len())?;
        regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .map(Self::Regexp)
            .map_err(|_| TransparencyError::InvalidField {
                field: "identity regexp",
                value: pattern.chars().take(100).collect(),
                reason: "not a valid regular expression",
            })
    }

    /// Whether `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Self::Exact(s) => s == value,
            Self::Regexp(r) => r.is_match(value),
        }
    }

    fn check(&self, field: &'static str, value: Option<&str>) -> Result<(), TransparencyError> {
        match value {
            Some(v) if self.matches(v) => Ok(()),
            _ => Err(TransparencyError::IdentityMismatch {
                field,
                expected: self.to_string(),
                actual: value.unwrap_or_default().chars().take(200).collect(),
            }),
        }
    }
}

/// One acceptable signer: a SAN, an OIDC issuer and, optionally, Fulcio extension values.
#[derive(Debug, Clone)]
pub struct CertificateIdentity {
    san: StringMatcher,
    issuer: StringMatcher,
    extensions: Vec<(FulcioExtension, String)>,
}

impl CertificateIdentity {
    /// A signer whose SAN matches `san` and whose OIDC issuer matches `issuer`.
    pub fn new(san: StringMatcher, issuer: StringMatcher) -> Self {
        Self {
            san,
            issuer,
            extensions: Vec::new(),
        }
    }

    /// Also requires the Fulcio extension `ext` to equal `value` (cosign's
    /// `--certificate-github-workflow-*` flags use the `GITHUB_WORKFLOW_*` extensions).
    pub fn with_extension(mut self, ext: FulcioExtension, value: impl Into<String>) -> Self {
        self.extensions.push((ext, value.into()));
        self
    }

    /// Checks a certificate's identity against this signer.
    pub fn check(&self, id: &FulcioIdentity) -> Result<(), TransparencyError> {
        self.san.check("subject alternative name", Some(&id.san))?;
        self.issuer.check("OIDC issuer", Some(&id.issuer))?;
        for (ext, value) in &self.extensions {
            StringMatcher::Exact(value.clone()).check(ext.name(), id.extension(*ext))?;
        }
        Ok(())
    }
}

/// Who may have signed a keyless bundle.
#[derive(Debug, Clone)]
pub enum IdentityPolicy {
    /// Any of these signers (at least one required; an empty list matches nothing).
    AnyOf(Vec<CertificateIdentity>),
    /// **Insecure**: any identity the trusted Fulcio CA certified. Skips only the SAN, issuer
    /// and claim checks; every cryptographic check still runs (see the module docs).
    InsecureIgnoreIdentity,
}

impl From<CertificateIdentity> for IdentityPolicy {
    fn from(id: CertificateIdentity) -> Self {
        Self::AnyOf(vec![id])
    }
}

impl IdentityPolicy {
    /// Checks a certificate's identity: [`TransparencyError::IdentityMismatch`] (of the first
    /// signer, when none matches) or `Ok`.
    pub fn check(&self, id: &FulcioIdentity) -> Result<(), TransparencyError> {
        match self {
            Self::InsecureIgnoreIdentity => Ok(()),
            Self::AnyOf(ids) => {
                let mut first = None;
                for want in ids {
                    match want.check(id) {
                        Ok(()) => return Ok(()),
                        Err(e) => {
                            first.get_or_insert(e);
                        }
                    }
                }
                Err(first.unwrap_or(TransparencyError::MissingIdentityPolicy))
            }
        }
    }

    /// Whether this is the insecure policy.
    pub fn is_insecure(&self) -> bool {
        matches!(self, Self::InsecureIgnoreIdentity)
    }
}

/// One identity flag, as cosign spells it on a command line (the bindings take the same
/// options in snake_case or camelCase).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentityFlag {
    /// `--certificate-identity`.
    Identity,
    /// `--certificate-identity-regexp`.
    IdentityRegexp,
    /// `--certificate-oidc-issuer`.
    OidcIssuer,
    /// `--certificate-oidc-issuer-regexp`.
    OidcIssuerRegexp,
    /// One of `--certificate-github-workflow-{trigger,sha,name,repository,ref}`.
    GithubWorkflowClaim,
    /// `--insecure-ignore-identity`.
    InsecureIgnoreIdentity,
}

impl IdentityFlag {
    /// The command-line spelling.
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::Identity => "--certificate-identity",
            Self::IdentityRegexp => "--certificate-identity-regexp",
            Self::OidcIssuer => "--certificate-oidc-issuer",
            Self::OidcIssuerRegexp => "--certificate-oidc-issuer-regexp",
            Self::GithubWorkflowClaim => "--certificate-github-workflow-*",
            Self::InsecureIgnoreIdentity => "--insecure-ignore-identity",
        }
    }
}

impl fmt::Display for IdentityFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cli_name())
    }
}

/// The identity flags as given (each `None` when absent), for [`IdentityPolicy::from_flags`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityFlags {
    /// The certificate's SAN, exactly.
    pub certificate_identity: Option<String>,
    /// A regular expression the SAN must match (unanchored).
    pub certificate_identity_regexp: Option<String>,
    /// The OIDC issuer, exactly.
    pub certificate_oidc_issuer: Option<String>,
    /// A regular expression the OIDC issuer must match (unanchored).
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// The GitHub workflow trigger (extension `1.3.6.1.4.1.57264.1.2`), exactly.
    pub github_workflow_trigger: Option<String>,
    /// The GitHub workflow commit SHA (extension `…1.3`), exactly.
    pub github_workflow_sha: Option<String>,
    /// The GitHub workflow name (extension `…1.4`), exactly.
    pub github_workflow_name: Option<String>,
    /// The GitHub workflow repository (extension `…1.5`), exactly.
    pub github_workflow_repository: Option<String>,
    /// The GitHub workflow ref (extension `…1.6`), exactly.
    pub github_workflow_ref: Option<String>,
    /// Accept any identity the trusted Fulcio CA certified (see
    /// [`IdentityPolicy::InsecureIgnoreIdentity`]).
    pub insecure_ignore_identity: bool,
}

impl IdentityFlags {
    /// The GitHub workflow claims given, with their Fulcio extensions.
    pub fn github_claims(&self) -> impl Iterator<Item = (FulcioExtension, &str)> {
        [
            (
                FulcioExtension::GITHUB_WORKFLOW_TRIGGER,
                &self.github_workflow_trigger,
            ),
            (
                FulcioExtension::GITHUB_WORKFLOW_SHA,
                &self.github_workflow_sha,
            ),
            (
                FulcioExtension::GITHUB_WORKFLOW_NAME,
                &self.github_workflow_name,
            ),
            (
                FulcioExtension::GITHUB_WORKFLOW_REPOSITORY,
                &self.github_workflow_repository,
            ),
            (
                FulcioExtension::GITHUB_WORKFLOW_REF,
                &self.github_workflow_ref,
            ),
        ]
        .into_iter()
        .filter_map(|(e, v)| v.as_deref().map(|v| (e, v)))
    }

    /// Whether any identity flag was given.
    pub fn any(&self) -> bool {
        self.certificate_identity.is_some()
            || self.certificate_identity_regexp.is_some()
            || self.certificate_oidc_issuer.is_some()
            || self.certificate_oidc_issuer_regexp.is_some()
            || self.github_claims().next().is_some()
            || self.insecure_ignore_identity
    }
}

/// Why identity flags do not make a policy (see [`IdentityPolicy::from_flags`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityFlagsError {
    /// `--insecure-ignore-identity` with an identity, issuer or claim flag.
    #[error(
        "{} cannot be combined with {flag}",
        IdentityFlag::InsecureIgnoreIdentity
    )]
    InsecureWithIdentity {
        /// The identity flag given with it.
        flag: IdentityFlag,
    },
    /// Both the exact and the regular-expression form of one value.
    #[error("give {exact} or {regexp}, not both")]
    ExactAndRegexp {
        /// The exact form.
        exact: IdentityFlag,
        /// The regular-expression form.
        regexp: IdentityFlag,
    },
    /// Only part of an identity: both the SAN and the OIDC issuer are required.
    #[error(
        "a keyless identity needs both the identity (SAN) and the OIDC issuer: {missing} (or its -regexp form) is missing"
    )]
    Incomplete {
        /// The flag missing (its exact form).
        missing: IdentityFlag,
    },
    /// A regular expression that does not compile or is too long.
    #[error("{flag} {pattern:?}: {reason}")]
    BadRegexp {
        /// The flag.
        flag: IdentityFlag,
        /// The pattern (truncated).
        pattern: String,
        /// Why.
        reason: String,
    },
}

impl IdentityPolicy {
    /// The policy cosign's identity flags state: the SAN and the OIDC issuer, each exact or by
    /// regular expression (never both forms of one), plus the exact GitHub workflow claims; or
    /// [`IdentityPolicy::InsecureIgnoreIdentity`], alone. `Ok(None)` when no flag is given (a
    /// keyless bundle is then refused with [`TransparencyError::MissingIdentityPolicy`]); half
    /// an identity (claims included) is [`IdentityFlagsError::Incomplete`], never a weaker
    /// policy.
    pub fn from_flags(flags: &IdentityFlags) -> Result<Option<Self>, IdentityFlagsError> {
        let given = [
            (IdentityFlag::Identity, flags.certificate_identity.is_some()),
            (
                IdentityFlag::IdentityRegexp,
                flags.certificate_identity_regexp.is_some(),
            ),
            (
                IdentityFlag::OidcIssuer,
                flags.certificate_oidc_issuer.is_some(),
            ),
            (
                IdentityFlag::OidcIssuerRegexp,
                flags.certificate_oidc_issuer_regexp.is_some(),
            ),
            (
                IdentityFlag::GithubWorkflowClaim,
                flags.github_claims().next().is_some(),
            ),
        ];
        if flags.insecure_ignore_identity {
            if let Some((flag, _)) = given.iter().find(|(_, g)| *g) {
                return Err(IdentityFlagsError::InsecureWithIdentity { flag: *flag });
            }
            return Ok(Some(Self::InsecureIgnoreIdentity));
        }
        if !given.iter().any(|(_, g)| *g) {
            return Ok(None);
        }
        let san = matcher(
            flags.certificate_identity.as_deref(),
            flags.certificate_identity_regexp.as_deref(),
            (IdentityFlag::Identity, IdentityFlag::IdentityRegexp),
        )?;
        let issuer = matcher(
            flags.certificate_oidc_issuer.as_deref(),
            flags.certificate_oidc_issuer_regexp.as_deref(),
            (IdentityFlag::OidcIssuer, IdentityFlag::OidcIssuerRegexp),
        )?;
        let (san, issuer) = match (san, issuer) {
            (Some(san), Some(issuer)) => (san, issuer),
            (None, _) => {
                return Err(IdentityFlagsError::Incomplete {
                    missing: IdentityFlag::Identity,
                });
            }
            (_, None) => {
                return Err(IdentityFlagsError::Incomplete {
                    missing: IdentityFlag::OidcIssuer,
                });
            }
        };
        let mut id = CertificateIdentity::new(san, issuer);
        for (ext, value) in flags.github_claims() {
            id = id.with_extension(ext, value);
        }
        Ok(Some(id.into()))
    }
}

/// One value's matcher from its exact and regexp flags (at most one of them).
fn matcher(
    exact: Option<&str>,
    regexp: Option<&str>,
    (exact_flag, regexp_flag): (IdentityFlag, IdentityFlag),
) -> Result<Option<StringMatcher>, IdentityFlagsError> {
    match (exact, regexp) {
        (Some(_), Some(_)) => Err(IdentityFlagsError::ExactAndRegexp {
            exact: exact_flag,
            regexp: regexp_flag,
        }),
        (Some(e), None) => Ok(Some(StringMatcher::exact(e))),
        (None, Some(r)) => {
            StringMatcher::regexp(r)
                .map(Some)
                .map_err(|e| IdentityFlagsError::BadRegexp {
                    flag: regexp_flag,
                    pattern: r.chars().take(100).collect(),
                    reason: e.to_string(),
                })
        }
        (None, None) => Ok(None),
    }
}

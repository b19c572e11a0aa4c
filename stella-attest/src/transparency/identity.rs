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

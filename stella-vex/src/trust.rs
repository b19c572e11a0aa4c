//! Who may speak for which products, and with what precedence.

use serde::{Deserialize, Serialize};
use stella_core::Digest;

use crate::compat::Upgrade;
use crate::error::VexError;
use crate::matching::Purl;
use crate::model::Document;
use crate::waiver::Waiver;

/// A trust policy: the issuers whose statements count, and how much.
///
/// ```
/// use stella_vex::TrustPolicy;
///
/// let policy = TrustPolicy::from_yaml(r#"
/// allow_unsigned: true
/// issuers:
///   - name: vendor
///     identities: ["Spring Builds <spring-builds@users.noreply.github.com>"]
///     products: ["pkg:maven/org.springframework.boot"]
///     precedence: 100
///   - name: our-team
///     identities: ["secteam@example.com"]
///     precedence: 10
/// "#)?;
/// assert_eq!(policy.issuers.len(), 2);
/// # Ok::<(), stella_vex::VexError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustPolicy {
    /// Whether unsigned documents may count at all (their author is then matched against
    /// `identities`). Default false.
    #[serde(default)]
    pub allow_unsigned: bool,
    /// When true, an author (unsigned, when allowed) or verified signer that no issuer names
    /// is still trusted, with precedence 0 and no product scope (what `stella vex merge
    /// --allow-unsigned` uses without a policy file). Default false.
    #[serde(default)]
    pub trust_any_author: bool,
    /// The issuers.
    #[serde(default)]
    pub issuers: Vec<Issuer>,
}

/// One trusted issuer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    /// A name for reports.
    pub name: String,
    /// Signing key ids that identify this issuer (signed documents).
    #[serde(default)]
    pub key_ids: Vec<String>,
    /// Author identities that identify this issuer (compared with the document `author`; for
    /// unsigned documents only when `allow_unsigned`).
    #[serde(default)]
    pub identities: Vec<String>,
    /// purls this issuer may speak for (a versionless purl covers every version); empty means
    /// every product.
    #[serde(default)]
    pub products: Vec<String>,
    /// Higher wins (e.g. vendor 100 over distro 50 over our own team 10).
    #[serde(default)]
    pub precedence: i64,
}

impl TrustPolicy {
    /// Every author trusted, unsigned allowed, precedence 0: merge by time alone.
    pub fn permissive() -> Self {
        Self {
            allow_unsigned: true,
            trust_any_author: true,
            issuers: Vec::new(),
        }
    }

    /// Reads a policy from YAML (or JSON, which is YAML).
    pub fn from_yaml(text: &str) -> Result<Self, VexError> {
        let p: Self = serde_norway::from_str(text).map_err(|e| VexError::Policy {
            what: "trust policy",
            message: e.to_string(),
        })?;
        for i in &p.issuers {
            for purl in &i.products {
                Purl::parse(purl).map_err(|e| VexError::Policy {
                    what: "trust policy",
                    message: format!("issuer {:?}: {e}", i.name),
                })?;
            }
        }
        Ok(p)
    }

    /// Decides whether `source` counts, and with which issuer.
    pub(crate) fn judge(&self, source: &VexSource) -> Result<TrustedIssuer, Distrust> {
        match source.signers.as_slice() {
            [] if !self.allow_unsigned => Err(Distrust::Unsigned),
            [] => {
                let author = &source.document.author;
                if let Some(i) = self
                    .issuers
                    .iter()
                    .find(|i| i.identities.iter().any(|id| id == author))
                {
                    Ok(TrustedIssuer::of(i))
                } else if self.trust_any_author {
                    Ok(TrustedIssuer {
                        name: author.clone(),
                        precedence: 0,
                        scope: Vec::new(),
                    })
                } else {
                    Err(Distrust::UnknownIdentity {
                        author: author.clone(),
                    })
                }
            }
            signers => match self
                .issuers
                .iter()
                .filter(|i| i.key_ids.iter().any(|k| signers.contains(k)))
                .max_by_key(|i| i.precedence)
            {
                Some(i) => Ok(TrustedIssuer::of(i)),
                // An open policy trusts every verified signer too.
                None if self.trust_any_author => Ok(TrustedIssuer {
                    name: signers.join(","),
                    precedence: 0,
                    scope: Vec::new(),
                }),
                None => Err(Distrust::UnknownKey {
                    key_id: signers.join(","),
                }),
            },
        }
    }
}

/// An issuer a source was attributed to.
#[derive(Debug, Clone)]
pub(crate) struct TrustedIssuer {
    pub name: String,
    pub precedence: i64,
    pub scope: Vec<Purl>,
}

impl TrustedIssuer {
    fn of(i: &Issuer) -> Self {
        Self {
            name: i.name.clone(),
            precedence: i.precedence,
            scope: i
                .products
                .iter()
                .filter_map(|p| Purl::parse(p).ok())
                .collect(),
        }
    }

    /// May this issuer speak for a product whose effective purl, parsed, is `purl` (`None`
    /// when it has none or it does not parse)?
    pub fn may_speak_for(&self, purl: Option<&Purl>) -> bool {
        if self.scope.is_empty() {
            return true;
        }
        purl.is_some_and(|p| self.scope.iter().any(|s| s.covers(p)))
    }
}

/// Why statements were not applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Distrust {
    /// The document is unsigned and the policy does not allow unsigned VEX.
    Unsigned,
    /// Signed by a key no issuer has.
    UnknownKey {
        /// The key id.
        key_id: String,
    },
    /// Unsigned, and the author is not an identity of any issuer.
    UnknownIdentity {
        /// The author.
        author: String,
    },
    /// The issuer may not speak for this product.
    OutOfScope {
        /// The issuer.
        issuer: String,
        /// The product key.
        product: String,
    },
    /// The statement claims a time later than now plus the allowed skew: it would win every
    /// merge by recency, so it is not applied.
    FutureTimestamp {
        /// The statement's effective time.
        timestamp: String,
    },
}

/// One VEX input to merge or apply: a parsed document with its digest and, when it came signed
/// and verified, the key id that signed it; or a waiver.
#[derive(Debug, Clone)]
pub struct VexSource {
    /// The document.
    pub document: Document,
    /// SHA-256 of the bytes it was read from (of the waiver predicate for waivers).
    pub digest: Digest,
    /// The key ids whose signatures verified; empty for unsigned input. Only set by
    /// verification.
    pub(crate) signers: Vec<String>,
    /// The waiver this document came from, if any.
    pub(crate) waiver: Option<Waiver>,
    /// How the document was upgraded to OpenVEX v0.2.0 when read (empty for v0.2.0 input).
    pub(crate) upgrades: Vec<Upgrade>,
}

impl VexSource {
    /// An unsigned VEX document read from `bytes` (parsed, not yet validated): OpenVEX —
    /// legacy v0.0.1 documents and documents without a timestamp or version are read as go-vex
    /// reads them ([`Document::parse_compat`]; [`VexSource::upgrades`] says what was assumed)
    /// — or CSAF 2.0, CycloneDX VEX or SPDX 3 VEX ([`crate::read_any`]).
    pub fn unsigned(bytes: &[u8]) -> Result<Self, VexError> {
        let (document, upgrades, _) = crate::formats::read_any(bytes)?;
        Ok(Self {
            document,
            digest: Digest::of(bytes),
            signers: Vec::new(),
            waiver: None,
            upgrades,
        })
    }

    /// An unsigned document already parsed, with the digest of the bytes it came from.
    pub fn from_document(document: Document, digest: Digest) -> Self {
        Self {
            document,
            digest,
            signers: Vec::new(),
            waiver: None,
            upgrades: Vec::new(),
        }
    }

    /// An unsigned waiver (counts only where the trust policy allows unsigned input).
    pub fn waiver(waiver: Waiver) -> Result<Self, VexError> {
        let document = waiver.to_document()?;
        Ok(Self {
            digest: waiver.digest()?,
            document,
            signers: Vec::new(),
            waiver: Some(waiver),
            upgrades: Vec::new(),
        })
    }

    /// The key ids whose signatures verified (empty for unsigned sources), sorted.
    pub fn signers(&self) -> &[String] {
        &self.signers
    }

    /// How the document was upgraded to OpenVEX v0.2.0 when read (empty for v0.2.0 input).
    pub fn upgrades(&self) -> &[Upgrade] {
        &self.upgrades
    }

    /// The waiver this source is, if it is one.
    pub fn as_waiver(&self) -> Option<&Waiver> {
        self.waiver.as_ref()
    }
}

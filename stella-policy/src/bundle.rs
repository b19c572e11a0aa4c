//! Policy bundles: Rego modules plus optional data JSON, named by the digest of their manifest.

use std::collections::BTreeMap;

use stella_core::{Digest, canonical};

use crate::error::{BundleError, DataProblem, PolicyError};
use crate::syntax::{self, Syntax};

/// The file name of a bundle's data document.
pub const DATA_FILE: &str = "data.json";

/// Limits on what a bundle may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleLimits {
    /// Most files (modules plus data).
    pub max_files: usize,
    /// Largest module, in bytes.
    pub max_module_bytes: usize,
    /// Largest data document, in bytes.
    pub max_data_bytes: usize,
    /// Deepest nesting of `[` and `{` in a module (outside strings and comments). regorus'
    /// parser takes time exponential in it (16 levels: 1 s, 20 levels: 19 s, measured with
    /// regorus 0.14.1), so a hostile bundle could hang `Gate::new`; 12 levels parse in under
    /// 0.1 s and real policies nest under 6.
    pub max_module_nesting: usize,
}

impl Default for BundleLimits {
    fn default() -> Self {
        Self {
            max_files: 1_000,
            max_module_bytes: 1 << 20,
            max_data_bytes: 16 << 20,
            max_module_nesting: 12,
        }
    }
}

/// One Rego module of a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    name: String,
    text: String,
    digest: Digest,
    syntax: Syntax,
}

impl Module {
    /// The module's file name in the bundle (`/`-separated relative path).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The module's text, as written.
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The SHA-256 of the module's bytes.
    pub fn digest(&self) -> Digest {
        self.digest
    }
    /// The syntax the module was detected as (see [`crate::syntax`]).
    pub fn syntax(&self) -> Syntax {
        self.syntax
    }
}

/// A policy bundle: Rego modules, an optional data document and an optional revision.
///
/// Its identity ([`Bundle::digest`]) is the SHA-256 of its canonical manifest,
/// `{"files":{"<name>":"sha256:<hex>",…}}` in RFC 8785 form (names sorted by UTF-16 code units, as
/// RFC 8785 sorts keys). The revision (a VCS commit, say) is recorded alongside, not hashed:
/// the same bytes under two revisions are the same policy.
///
/// ```
/// use stella_policy::Bundle;
///
/// let bundle = Bundle::from_files(
///     [("gate.rego", &b"package stella.policy\ndefault allow := true\n"[..])],
///     Some("abc123".into()),
/// )?;
/// assert_eq!(bundle.modules().len(), 1);
/// assert_eq!(bundle.revision(), Some("abc123"));
/// assert!(bundle.digest().to_string().starts_with("sha256:"));
/// # Ok::<(), stella_policy::PolicyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    modules: Vec<Module>,
    data: Option<serde_json::Value>,
    data_digest: Option<Digest>,
    revision: Option<String>,
    manifest: Vec<u8>,
    digest: Digest,
}

impl Bundle {
    /// Builds a bundle from `(name, bytes)` pairs with the default [`BundleLimits`]. Names ending
    /// in `.rego` are modules; `data.json` is the data document; anything else is refused.
    pub fn from_files<'a, I, N>(files: I, revision: Option<String>) -> Result<Self, PolicyError>
    where
        I: IntoIterator<Item = (N, &'a [u8])>,
        N: AsRef<str>,
    {
        Self::from_files_with(files, revision, &BundleLimits::default())
    }

    /// As [`Bundle::from_files`], with explicit limits.
    pub fn from_files_with<'a, I, N>(
        files: I,
        revision: Option<String>,
        limits: &BundleLimits,
    ) -> Result<Self, PolicyError>
    where
        I: IntoIterator<Item = (N, &'a [u8])>,
        N: AsRef<str>,
    {
        let mut modules = BTreeMap::new();
        let mut data = None;
        let mut manifest = BTreeMap::new();
        let mut count = 0usize;
        for (name, bytes) in files {
            let name = name.as_ref();
            count += 1;
            if count > limits.max_files {
                return Err(BundleError::Limit {
                    limit: "file count",
                    max: limits.max_files as u64,
                    actual: count as u64,
                }
                .into());
            }
            check_name(name)?;
            if manifest.contains_key(name) {
                return Err(BundleError::Duplicate { name: name.into() }.into());
            }
            let digest = Digest::of(bytes);
            if name == DATA_FILE {
                if bytes.len() > limits.max_data_bytes {
                    return Err(BundleError::Limit {
                        limit: "data size",
                        max: limits.max_data_bytes as u64,
                        actual: bytes.len() as u64,
                    }
                    .into());
                }
                let value: serde_json::Value =
                    canonical::from_slice_strict(bytes).map_err(|e| BundleError::BadData {
                        name: name.into(),
                        reason: DataProblem::Json(e),
                    })?;
                if !value.is_object() {
                    return Err(BundleError::BadData {
                        name: name.into(),
                        reason: DataProblem::NotAnObject,
                    }
                    .into());
                }
                data = Some((value, digest));
            } else if name.ends_with(".rego") {
                if bytes.len() > limits.max_module_bytes {
                    return Err(BundleError::Limit {
                        limit: "module size",
                        max: limits.max_module_bytes as u64,
                        actual: bytes.len() as u64,
                    }
                    .into());
                }
                let text = std::str::from_utf8(bytes).map_err(|e| BundleError::NotUtf8 {
                    name: name.into(),
                    valid_up_to: e.valid_up_to(),
                })?;
                let nesting = syntax::max_bracket_nesting(text);
                if nesting > limits.max_module_nesting {
                    return Err(BundleError::Limit {
                        limit: "module bracket nesting",
                        max: limits.max_module_nesting as u64,
                        actual: nesting as u64,
                    }
                    .into());
                }
                let syntax = syntax::prepare(text).syntax;
                modules.insert(
                    name.to_owned(),
                    Module {
                        name: name.to_owned(),
                        text: text.to_owned(),
                        digest,
                        syntax,
                    },
                );
            } else {
                return Err(BundleError::UnknownFile { name: name.into() }.into());
            }
            manifest.insert(name.to_owned(), digest.to_string());
        }
        if modules.is_empty() {
            return Err(BundleError::Empty.into());
        }
        let manifest = canonical::to_canonical_vec(&serde_json::json!({ "files": manifest }))
            .map_err(|e| BundleError::BadData {
                name: "manifest".into(),
                reason: DataProblem::Canonical(e),
            })?;
        let digest = Digest::of(&manifest);
        let (data, data_digest) = match data {
            Some((v, d)) => (Some(v), Some(d)),
            None => (None, None),
        };
        Ok(Self {
            modules: modules.into_values().collect(),
            data,
            data_digest,
            revision,
            manifest,
            digest,
        })
    }

    /// The modules, sorted by name.
    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    /// The data document, when the bundle has one.
    pub fn data(&self) -> Option<&serde_json::Value> {
        self.data.as_ref()
    }

    /// The digest of the data document's bytes, when the bundle has one.
    pub fn data_digest(&self) -> Option<Digest> {
        self.data_digest
    }

    /// The revision recorded alongside the bundle (not part of its digest).
    pub fn revision(&self) -> Option<&str> {
        self.revision.as_deref()
    }

    /// The canonical manifest the digest is taken over.
    pub fn manifest(&self) -> &[u8] {
        &self.manifest
    }

    /// The bundle's identity: SHA-256 of [`Bundle::manifest`].
    pub fn digest(&self) -> Digest {
        self.digest
    }
}

fn check_name(name: &str) -> Result<(), BundleError> {
    let ok = !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && !name.contains('\0')
        && name
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..");
    if ok {
        Ok(())
    } else {
        Err(BundleError::BadName { name: name.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_byte_changes_digest_and_order_does_not() {
        let a = Bundle::from_files(
            [
                ("a.rego", &b"package a\nx := 1\n"[..]),
                ("b.rego", b"package b\n"),
            ],
            None,
        )
        .unwrap();
        let b = Bundle::from_files(
            [
                ("b.rego", &b"package b\n"[..]),
                ("a.rego", b"package a\nx := 1\n"),
            ],
            Some("rev".into()),
        )
        .unwrap();
        assert_eq!(a.digest(), b.digest());
        let c = Bundle::from_files(
            [
                ("a.rego", &b"package a\nx := 2\n"[..]),
                ("b.rego", b"package b\n"),
            ],
            None,
        )
        .unwrap();
        assert_ne!(a.digest(), c.digest());
        assert_eq!(
            std::str::from_utf8(a.manifest()).unwrap(),
            format!(
                "{{\"files\":{{\"a.rego\":\"{}\",\"b.rego\":\"{}\"}}}}",
                Digest::of(b"package a\nx := 1\n"),
                Digest::of(b"package b\n")
            )
        );
    }

    #[test]
    fn bad_bundles_are_typed_errors() {
        let e = Bundle::from_files([("../x.rego", &b""[..])], None).unwrap_err();
        assert!(matches!(
            e,
            PolicyError::Bundle(BundleError::BadName { .. })
        ));
        let e = Bundle::from_files([("x.txt", &b""[..])], None).unwrap_err();
        assert!(matches!(
            e,
            PolicyError::Bundle(BundleError::UnknownFile { .. })
        ));
        let e = Bundle::from_files([(DATA_FILE, &b"{}"[..])], None).unwrap_err();
        assert!(matches!(e, PolicyError::Bundle(BundleError::Empty)));
        let e = Bundle::from_files([("a.rego", &b"package a"[..]), (DATA_FILE, b"[1]")], None)
            .unwrap_err();
        assert!(matches!(
            e,
            PolicyError::Bundle(BundleError::BadData { .. })
        ));
        let e =
            Bundle::from_files([("a.rego", &b"package a"[..]), ("a.rego", b"")], None).unwrap_err();
        assert!(matches!(
            e,
            PolicyError::Bundle(BundleError::Duplicate { .. })
        ));
        let e = Bundle::from_files([("a.rego", &b"\xff"[..])], None).unwrap_err();
        assert!(matches!(
            e,
            PolicyError::Bundle(BundleError::NotUtf8 { .. })
        ));
    }
}

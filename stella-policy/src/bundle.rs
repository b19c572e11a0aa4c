//! Policy bundles: Rego modules plus data documents, named by the digest of their manifest,
//! laid out as OPA lays out a bundle.
//!
//! - Every `*.rego` file is a module, named by its `/`-separated path.
//! - Every file named `data.json`, `data.yaml` or `data.yml` is data, placed at the path of its
//!   directory: `data.json` at the top is the whole `data` document (it must be an object),
//!   `team/limits/data.yaml` is `data.team.limits`. Objects from several files merge; the same
//!   leaf from two files is an error ([`BundleError::DataConflict`]), as OPA refuses it.
//! - `.manifest` at the top is OPA's bundle manifest: its `revision` is recorded (the "rule
//!   commit" of the decision record, unless the caller gives one), its `roots` are enforced when
//!   the bundle is loaded: every package and every data path must lie under a root
//!   ([`BundleError::OutsideRoots`]), and roots must not overlap. `rego_version` and `metadata`
//!   are read as OPA writes them and not used (Stella detects the syntax module by module, see
//!   [`crate::syntax`]); a manifest naming `wasm` modules is refused
//!   ([`BundleError::Unsupported`]): Stella evaluates Rego, not compiled Wasm.
//! - [`Bundle::from_tar_gz`] reads OPA's `.tar.gz` bundle format (`opa build` output) within
//!   [`BundleLimits`]; signed bundles (`.signatures.json`), Wasm (`*.wasm`), plans and delta
//!   bundles (`patch.json`) are refused by name rather than read without their meaning.

use std::collections::BTreeMap;
use std::io::Read;

use serde::Deserialize;
use stella_core::{Digest, canonical};

use crate::error::{BundleError, DataProblem, PolicyError};
use crate::syntax::{self, Syntax};

/// The file name of a bundle's JSON data documents.
pub const DATA_FILE: &str = "data.json";

/// The file names of a bundle's YAML data documents.
pub const DATA_YAML_FILES: [&str; 2] = ["data.yaml", "data.yml"];

/// The file name of OPA's bundle manifest (at the top of the bundle).
pub const MANIFEST_FILE: &str = ".manifest";

/// Deepest nesting of a YAML data document (JSON documents are bounded by the strict parser).
const MAX_YAML_DEPTH: usize = 128;

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
    /// Most entries of a `.tar.gz` bundle (directories and skipped files included).
    pub max_archive_entries: usize,
    /// Most bytes decompressed from a `.tar.gz` bundle (headers included): the decompressed
    /// stream is cut there, so neither a gzip bomb nor a huge PAX header can allocate more.
    pub max_archive_bytes: u64,
}

impl Default for BundleLimits {
    fn default() -> Self {
        Self {
            max_files: 1_000,
            max_module_bytes: 1 << 20,
            max_data_bytes: 16 << 20,
            max_module_nesting: 12,
            max_archive_entries: 10_000,
            max_archive_bytes: 64 << 20,
        }
    }
}

/// The parts of OPA's `.manifest` that Stella reads (other fields are accepted and ignored, as
/// OPA ignores unknown ones).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
struct ManifestFile {
    #[serde(default)]
    revision: Option<String>,
    #[serde(default)]
    roots: Option<Vec<String>>,
    #[serde(default)]
    wasm: Vec<serde_json::Value>,
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
    roots: Option<Vec<String>>,
    manifest: Vec<u8>,
    digest: Digest,
}

impl Bundle {
    /// Builds a bundle from `(name, bytes)` pairs with the default [`BundleLimits`]. Names ending
    /// in `.rego` are modules; `data.json` / `data.yaml` / `data.yml` (at any directory) are data
    /// (see the module docs); `.manifest` at the top is OPA's manifest; anything else is refused.
    /// `revision`, when given, overrides the manifest's. The identity ([`Bundle::digest`]) covers
    /// the modules and data files, not the manifest (it carries the revision, which is not part
    /// of the identity).
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
        let mut data_files: Vec<(Vec<String>, String, serde_json::Value)> = Vec::new();
        let mut manifest = BTreeMap::new();
        let mut opa_manifest: Option<ManifestFile> = None;
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
            if manifest.contains_key(name) || (name == MANIFEST_FILE && opa_manifest.is_some()) {
                return Err(BundleError::Duplicate { name: name.into() }.into());
            }
            let (dir, base) = match name.rsplit_once('/') {
                Some((dir, base)) => (dir.split('/').map(str::to_owned).collect(), base),
                None => (Vec::new(), name),
            };
            if name == MANIFEST_FILE {
                check_size(limits.max_data_bytes, bytes.len(), "manifest size")?;
                let m: ManifestFile =
                    canonical::from_slice_strict(bytes).map_err(|e| BundleError::BadData {
                        name: name.into(),
                        reason: DataProblem::Json(e),
                    })?;
                if !m.wasm.is_empty() {
                    return Err(BundleError::Unsupported {
                        name: name.into(),
                        what: "Wasm modules (the manifest's `wasm`)",
                    }
                    .into());
                }
                opa_manifest = Some(m);
                continue;
            }
            let digest = Digest::of(bytes);
            if base == DATA_FILE || DATA_YAML_FILES.contains(&base) {
                check_size(limits.max_data_bytes, bytes.len(), "data size")?;
                let value = if base == DATA_FILE {
                    canonical::from_slice_strict(bytes).map_err(|e| BundleError::BadData {
                        name: name.into(),
                        reason: DataProblem::Json(e),
                    })?
                } else {
                    parse_yaml(name, bytes, limits.max_data_bytes)?
                };
                if dir.is_empty() && !value.is_object() {
                    return Err(BundleError::BadData {
                        name: name.into(),
                        reason: DataProblem::NotAnObject,
                    }
                    .into());
                }
                data_files.push((dir, name.to_owned(), value));
            } else if name.ends_with(".rego") {
                check_size(limits.max_module_bytes, bytes.len(), "module size")?;
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
        let data = merge_data(data_files)?;
        let data_digest = data
            .as_ref()
            .map(|d| canonical::to_canonical_vec(d).map(|b| Digest::of(&b)))
            .transpose()
            .map_err(|e| BundleError::BadData {
                name: DATA_FILE.into(),
                reason: DataProblem::Canonical(e),
            })?;
        let opa_manifest = opa_manifest.unwrap_or_default();
        let roots = opa_manifest.roots;
        if let Some(roots) = &roots {
            check_roots(roots, data.as_ref())?;
        }
        Ok(Self {
            modules: modules.into_values().collect(),
            data,
            data_digest,
            revision: revision.or(opa_manifest.revision),
            roots,
            manifest,
            digest,
        })
    }

    /// Reads OPA's `.tar.gz` bundle format (as `opa build` writes it: names with or without a
    /// leading `/`), within `limits`: entry count, decompressed bytes, per-file sizes; names
    /// with `..`, links, devices and FIFOs are refused, and so are signed bundles
    /// (`.signatures.json`: Stella does not verify OPA's JWT signatures, and reading a signed
    /// bundle as unsigned would drop the check its author asked for), Wasm, plans and delta
    /// bundles. Other files are skipped, as OPA skips them. The modules, data and manifest then
    /// go through [`Bundle::from_files_with`] (duplicate names refused there).
    ///
    /// ```
    /// use stella_policy::{Bundle, BundleLimits};
    ///
    /// let mut tar = tar::Builder::new(Vec::new());
    /// for (name, body) in [
    ///     ("/.manifest", &br#"{"revision":"7f3c2e1","roots":["stella"]}"#[..]),
    ///     ("/stella/policy/gate.rego", b"package stella.policy\ndefault allow := true\n"),
    /// ] {
    ///     let mut h = tar::Header::new_gnu();
    ///     h.set_size(body.len() as u64);
    ///     h.set_mode(0o644);
    ///     tar.append_data(&mut h, name.trim_start_matches('/'), body)?;
    /// }
    /// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    /// std::io::Write::write_all(&mut gz, &tar.into_inner()?)?;
    /// let bundle = Bundle::from_tar_gz(&gz.finish()?, None, &BundleLimits::default())?;
    /// assert_eq!(bundle.revision(), Some("7f3c2e1"));
    /// assert_eq!(bundle.roots(), Some(&["stella".to_owned()][..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_tar_gz(
        bytes: &[u8],
        revision: Option<String>,
        limits: &BundleLimits,
    ) -> Result<Self, PolicyError> {
        let files = read_tar_gz(bytes, limits)?;
        Self::from_files_with(
            files.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
            revision,
            limits,
        )
    }

    /// The manifest's `roots`, when the bundle has a `.manifest` that names them (enforced when
    /// the bundle is loaded: [`BundleError::OutsideRoots`]).
    pub fn roots(&self) -> Option<&[String]> {
        self.roots.as_deref()
    }

    /// The modules, sorted by name.
    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    /// The data document (every data file merged at its path), when the bundle has data.
    pub fn data(&self) -> Option<&serde_json::Value> {
        self.data.as_ref()
    }

    /// The SHA-256 of the merged data document's RFC 8785 canonical JSON, when the bundle has
    /// data.
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

fn check_size(max: usize, actual: usize, limit: &'static str) -> Result<(), BundleError> {
    if actual > max {
        return Err(BundleError::Limit {
            limit,
            max: max as u64,
            actual: actual as u64,
        });
    }
    Ok(())
}

fn parse_yaml(
    name: &str,
    bytes: &[u8],
    max_bytes: usize,
) -> Result<serde_json::Value, BundleError> {
    let bad = |message: String| BundleError::BadData {
        name: name.into(),
        reason: DataProblem::Yaml { message },
    };
    let de = serde_norway::Deserializer::from_slice(bytes);
    crate::context::bounded_value(de, "YAML data", max_bytes.saturating_mul(2), MAX_YAML_DEPTH)
        .map_err(|e| bad(e.to_string()))
}

/// Places each data file at its directory's path and merges them (objects merge key by key;
/// the same leaf twice is a conflict). Files are merged in name order, so the result does not
/// depend on the order they were given in.
fn merge_data(
    mut files: Vec<(Vec<String>, String, serde_json::Value)>,
) -> Result<Option<serde_json::Value>, BundleError> {
    if files.is_empty() {
        return Ok(None);
    }
    files.sort_by(|a, b| a.1.cmp(&b.1));
    let mut root = serde_json::Value::Object(serde_json::Map::new());
    for (dir, name, value) in files {
        let mut tree = value;
        for key in dir.iter().rev() {
            let mut m = serde_json::Map::new();
            m.insert(key.clone(), tree);
            tree = serde_json::Value::Object(m);
        }
        merge_into(&mut root, tree, &mut Vec::new(), &name)?;
    }
    Ok(Some(root))
}

fn merge_into(
    into: &mut serde_json::Value,
    from: serde_json::Value,
    path: &mut Vec<String>,
    name: &str,
) -> Result<(), BundleError> {
    match (into, from) {
        (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => {
                        path.push(k);
                        merge_into(existing, v, path, name)?;
                        path.pop();
                    }
                    None => {
                        a.insert(k, v);
                    }
                }
            }
            Ok(())
        }
        _ => Err(BundleError::DataConflict {
            name: name.into(),
            path: format!("data.{}", path.join(".")),
        }),
    }
}

/// OPA's root rules: roots are `/`-separated paths, the empty root contains everything, no root
/// may contain another, and every data path must lie under a root (a path that is a prefix of
/// a root may only hold objects leading to it).
fn check_roots(roots: &[String], data: Option<&serde_json::Value>) -> Result<(), BundleError> {
    let segs: Vec<Vec<&str>> = roots.iter().map(|r| root_segments(r)).collect();
    for (i, a) in segs.iter().enumerate() {
        for b in segs.iter().skip(i + 1) {
            if root_contains(a, b) || root_contains(b, a) {
                return Err(BundleError::BadManifest {
                    reason: format!("roots {a:?} and {b:?} overlap"),
                });
            }
        }
    }
    if let Some(data) = data {
        check_data_roots(&segs, data, &mut Vec::new())?;
    }
    Ok(())
}

fn root_segments(root: &str) -> Vec<&str> {
    let root = root.trim_matches('/');
    if root.is_empty() {
        Vec::new()
    } else {
        root.split('/').collect()
    }
}

/// Whether `root` contains `path` (is a prefix of it, segment by segment).
fn root_contains(root: &[&str], path: &[&str]) -> bool {
    root.len() <= path.len() && root.iter().zip(path).all(|(a, b)| a == b)
}

fn check_data_roots(
    roots: &[Vec<&str>],
    value: &serde_json::Value,
    path: &mut Vec<String>,
) -> Result<(), BundleError> {
    let here: Vec<&str> = path.iter().map(String::as_str).collect();
    if roots.iter().any(|r| root_contains(r, &here)) {
        return Ok(());
    }
    let leads_to_root = roots.iter().any(|r| root_contains(&here, r));
    match value {
        serde_json::Value::Object(map) if leads_to_root => {
            for (k, v) in map {
                path.push(k.clone());
                check_data_roots(roots, v, path)?;
                path.pop();
            }
            Ok(())
        }
        _ => Err(BundleError::OutsideRoots {
            path: format!("data.{}", path.join(".")),
        }),
    }
}

/// Whether the package `data.a.b` (given as `a.b` components) lies under one of `roots`.
pub(crate) fn package_in_roots(roots: &[String], package: &[String]) -> bool {
    let here: Vec<&str> = package.iter().map(String::as_str).collect();
    roots
        .iter()
        .any(|r| root_contains(&root_segments(r), &here))
}

/// The entries of a `.tar.gz` bundle that [`Bundle::from_files_with`] reads.
fn read_tar_gz(bytes: &[u8], limits: &BundleLimits) -> Result<Vec<(String, Vec<u8>)>, BundleError> {
    let archive_err = |e: std::io::Error| BundleError::Archive {
        reason: e.to_string(),
    };
    let gz = flate2::read::GzDecoder::new(bytes);
    let mut limited = Limited {
        inner: gz,
        left: limits.max_archive_bytes,
        max: limits.max_archive_bytes,
    };
    let mut archive = tar::Archive::new(&mut limited);
    let mut out = Vec::new();
    let mut count = 0usize;
    for entry in archive.entries().map_err(archive_err)? {
        let mut entry = entry.map_err(archive_err)?;
        count += 1;
        check_size(limits.max_archive_entries, count, "archive entry count")?;
        let raw = entry.path().map_err(archive_err)?;
        let Some(raw) = raw.to_str().map(str::to_owned) else {
            return Err(BundleError::BadName {
                name: raw.to_string_lossy().into_owned(),
            });
        };
        let mut name = raw.as_str();
        while let Some(rest) = name.strip_prefix("./").or_else(|| name.strip_prefix('/')) {
            name = rest;
        }
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !(kind.is_file() || kind == tar::EntryType::Continuous) {
            return Err(BundleError::Unsupported {
                name: raw.clone(),
                what: "links, devices and FIFOs",
            });
        }
        check_name(name)?;
        let base = name.rsplit('/').next().unwrap_or(name);
        let refused = match base {
            ".signatures.json" => {
                Some("signed bundles (.signatures.json is not verified by Stella)")
            }
            "patch.json" => Some("delta bundles (patch.json)"),
            "plan.json" => Some("plan bundles (plan.json)"),
            _ if base.ends_with(".wasm") => Some("Wasm modules"),
            _ => None,
        };
        if let Some(what) = refused {
            return Err(BundleError::Unsupported {
                name: name.into(),
                what,
            });
        }
        let max = if name.ends_with(".rego") {
            limits.max_module_bytes
        } else if name == MANIFEST_FILE || base == DATA_FILE || DATA_YAML_FILES.contains(&base) {
            limits.max_data_bytes
        } else {
            continue;
        };
        let size = usize::try_from(entry.size()).unwrap_or(usize::MAX);
        check_size(max, size, "archive file size")?;
        let mut body = Vec::with_capacity(size);
        entry
            .by_ref()
            .take(max as u64 + 1)
            .read_to_end(&mut body)
            .map_err(archive_err)?;
        check_size(max, body.len(), "archive file size")?;
        out.push((name.to_owned(), body));
    }
    Ok(out)
}

/// A reader that fails once more than `max` bytes were read through it.
struct Limited<R> {
    inner: R,
    left: u64,
    max: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One more byte means the stream is over the limit; a clean end is fine.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(format!(
                    "more than {} bytes decompressed (BundleLimits::max_archive_bytes)",
                    self.max
                ))),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(buf.get_mut(..want).unwrap_or_default())?;
        self.left = self.left.saturating_sub(n as u64);
        Ok(n)
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

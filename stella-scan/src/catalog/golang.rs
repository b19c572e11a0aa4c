//! Go modules from the build information Go embeds in its binaries (`go version -m`).
//!
//! Reads the `.go.buildinfo` ELF section (or, in a binary without section headers, the
//! 16-byte-aligned `\xff Go buildinf:` magic anywhere in the file). Only the layout of Go 1.18
//! and later is read (flags bit 2: the version and module strings inline); older binaries,
//! whose strings are behind pointers into the data segment, give a typed "not supported"
//! error naming the file. `extract` keeps only the Go version and the module text, never the
//! binary.
//!
//! Reported: `stdlib` at the Go version, the main module (a `(devel)` build gets the
//! pseudo-version of its VCS stamp, else no version),
//! and every `dep` (with `=>` replacements applied); the main module depends on every dep.
//! Build info names no licence; the supplier and a generated CPE come from the module path
//! (see `module_attribution`: the code host's owner, the Go project for `golang.org/x/…`
//! and `stdlib` (`cpe:2.3:a:golang:go:<version>`), else the host).

use std::collections::BTreeMap;

use crate::error::{CatalogProblem, ScanError};
use crate::package::{CatalogInput, Cataloger, Package, PackageKind, Party};

use super::util::{cpe, elf_section, err, evidence, finish, is_elf, is_executable, package, purl};

/// Code hosts whose first path component after the host is the owner.
const CODE_HOSTS: &[&str] = &["bitbucket.org", "codeberg.org", "github.com", "gitlab.com"];

/// The supplier and the CPE candidate of a module, from its path alone: on a code host the
/// owner (`github.com/evanw`; vendor `evanw`, product the repository), under `golang.org/x/`
/// the Go project (vendor `golang`), elsewhere the host (`go.uber.org`; vendor the host's
/// second-level label). The product drops a major-version suffix (`/v2`, `.v3`).
fn module_attribution(module: &str, version: &str) -> (Option<Party>, Option<String>) {
    let mut parts = module.split('/');
    let host = parts.next().unwrap_or("").to_ascii_lowercase();
    if host.is_empty() || !host.contains('.') {
        return (None, None);
    }
    let rest: Vec<&str> = parts.collect();
    let strip_major = |p: &str| -> String {
        let p = match p.rsplit_once(".v") {
            Some((base, n))
                if !base.is_empty() && !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) =>
            {
                base
            }
            _ => p,
        };
        p.to_owned()
    };
    let product = rest
        .iter()
        .rev()
        .find(|p| {
            !(p.len() > 1
                && p.starts_with('v')
                && p.get(1..)
                    .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit())))
        })
        .map(|p| strip_major(p));
    let party = |name: String| Party {
        url: Some(format!("https://{name}")),
        name,
        email: None,
    };
    if CODE_HOSTS.contains(&host.as_str())
        && let (Some(owner), Some(repo)) = (rest.first(), rest.get(1))
    {
        let supplier = party(format!("{host}/{owner}"));
        return (
            Some(supplier),
            Some(cpe(owner, &strip_major(repo), version)),
        );
    }
    let vendor = if host == "golang.org" {
        "golang".to_owned()
    } else {
        let labels: Vec<&str> = host.split('.').collect();
        labels
            .len()
            .checked_sub(2)
            .and_then(|i| labels.get(i))
            .map_or_else(|| host.clone(), |l| (*l).to_owned())
    };
    let cpe = product.map(|p| cpe(&vendor, &p, version));
    (Some(party(host)), cpe)
}

const NAME: &str = "go-binary";
const MAGIC: &[u8] = b"\xff Go buildinf:";
/// Largest binary looked at.
const MAX_LEN: u64 = 1 << 30;
/// Largest module text kept.
const MAX_MODINFO: usize = 4 << 20;

/// The Go binary cataloger (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct GoBinaryCataloger;

/// What a Go binary's build information says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildInfo {
    /// The toolchain version, e.g. `go1.22.1`.
    pub go_version: String,
    /// The main package path (`path` line).
    pub path: Option<String>,
    /// The main module: (path, version).
    pub main: Option<(String, String)>,
    /// Dependency modules: (path, version), replacements applied, sorted.
    pub deps: Vec<(String, String)>,
    /// `build` settings (`GOOS`, `GOARCH`, `vcs.revision`, …).
    pub settings: BTreeMap<String, String>,
}

fn uvarint(data: &[u8]) -> Option<(u64, usize)> {
    let mut x = 0u64;
    for (i, b) in data.iter().take(10).enumerate() {
        x |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((x, i + 1));
        }
    }
    None
}

fn read_string(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, n) = uvarint(data)?;
    let len = usize::try_from(len).ok()?;
    let rest = data.get(n..)?;
    Some((rest.get(..len)?, rest.get(len..)?))
}

/// A [`CatalogProblem::GoBuildInfo`] error for the binary at `path`.
fn go_info(path: &str, problem: &'static str) -> ScanError {
    err(NAME, path, CatalogProblem::GoBuildInfo { problem })
}

/// Finds the build info blob: the ELF section, else the aligned magic.
fn locate(data: &[u8]) -> Option<&[u8]> {
    if let Some(s) = elf_section(data, ".go.buildinfo") {
        if s.starts_with(MAGIC) {
            return Some(s);
        }
    }
    (0..data.len())
        .step_by(16)
        .find(|&i| data.get(i..).is_some_and(|d| d.starts_with(MAGIC)))
        .and_then(|i| data.get(i..))
}

/// Reads (Go version, module text) from a binary; `Ok(None)` when it has no Go build info.
pub fn read_buildinfo(path: &str, data: &[u8]) -> Result<Option<(String, String)>, ScanError> {
    let Some(blob) = locate(data) else {
        return Ok(None);
    };
    let flags = blob.get(15).copied().unwrap_or(0);
    if flags & 2 == 0 {
        return Err(go_info(
            path,
            "Go build info in the pre-1.18 pointer layout is not supported",
        ));
    }
    let body = blob
        .get(32..)
        .ok_or_else(|| go_info(path, "truncated build info header"))?;
    let (version, rest) =
        read_string(body).ok_or_else(|| go_info(path, "truncated Go version string"))?;
    let (mut modinfo, _) =
        read_string(rest).ok_or_else(|| go_info(path, "truncated module information"))?;
    // The module text is framed by two 16-byte sentinels.
    if modinfo.len() >= 33 && modinfo.get(modinfo.len() - 17) == Some(&b'\n') {
        modinfo = modinfo.get(16..modinfo.len() - 16).unwrap_or(modinfo);
    }
    if modinfo.len() > MAX_MODINFO {
        return Err(err(
            NAME,
            path,
            CatalogProblem::OverLimit {
                what: "module information larger than 4 MiB",
            },
        ));
    }
    let version = String::from_utf8_lossy(version).into_owned();
    let modinfo = String::from_utf8_lossy(modinfo).into_owned();
    Ok(Some((version, modinfo)))
}

/// Parses the module text (`path`, `mod`, `dep`, `=>`, `build` lines, tab-separated).
pub fn parse_modinfo(go_version: &str, text: &str) -> BuildInfo {
    let mut info = BuildInfo {
        go_version: go_version.to_owned(),
        ..BuildInfo::default()
    };
    let mut last_dep: Option<usize> = None;
    for line in text.lines() {
        let mut f = line.split('\t');
        match (f.next(), f.next(), f.next()) {
            (Some("path"), Some(p), _) => info.path = Some(p.to_owned()),
            (Some("mod"), Some(p), v) => {
                info.main = Some((p.to_owned(), v.unwrap_or("").to_owned()));
                last_dep = None;
            }
            (Some("dep"), Some(p), Some(v)) => {
                info.deps.push((p.to_owned(), v.to_owned()));
                last_dep = Some(info.deps.len() - 1);
            }
            (Some("=>"), Some(p), v) => {
                if let Some(d) = last_dep.and_then(|i| info.deps.get_mut(i)) {
                    // A local replacement (no version) keeps the required version.
                    if let Some(v) = v.filter(|v| !v.is_empty()) {
                        *d = (p.to_owned(), v.to_owned());
                    }
                }
            }
            (Some("build"), Some(kv), _) => {
                if let Some((k, v)) = kv.split_once('=') {
                    info.settings.insert(k.to_owned(), v.to_owned());
                }
            }
            _ => {}
        }
    }
    info.deps.sort();
    info.deps.dedup();
    info
}

/// The main module's version: as recorded, or for a `(devel)` build with VCS stamping the Go
/// pseudo-version `v0.0.0-<commit time>-<12 hex of the revision>` (what syft reports), else
/// empty (the module is still reported, without a version, as trivy does).
fn main_version(recorded: &str, settings: &BTreeMap<String, String>) -> String {
    if !recorded.is_empty() && recorded != "(devel)" {
        return recorded.to_owned();
    }
    match (settings.get("vcs.revision"), settings.get("vcs.time")) {
        (Some(rev), Some(time)) if rev.len() >= 12 => {
            let stamp: String = time.chars().filter(char::is_ascii_digit).take(14).collect();
            if stamp.len() == 14 {
                format!("v0.0.0-{stamp}-{}", rev.get(..12).unwrap_or(rev))
            } else {
                String::new()
            }
        }
        _ => String::new(),
    }
}

fn go_purl(path: &str, module: &str, version: &str) -> Result<String, ScanError> {
    match module.rsplit_once('/') {
        Some((ns, name)) => purl(NAME, path, "golang", Some(ns), name, version, &[]),
        None => purl(NAME, path, "golang", None, module, version, &[]),
    }
}

impl Cataloger for GoBinaryCataloger {
    fn name(&self) -> &'static str {
        NAME
    }

    fn version(&self) -> &'static str {
        "3"
    }

    fn path_independent(&self) -> bool {
        // What extract keeps depends on the bytes only (the path appears in errors at most).
        true
    }

    fn wants(&self, _path: &str, mode: u32, size: u64) -> bool {
        is_executable(mode) && (64..=MAX_LEN).contains(&size)
    }

    fn extract(&self, path: &str, contents: &[u8]) -> Result<Option<Vec<u8>>, ScanError> {
        if !is_elf(contents) {
            return Ok(None);
        }
        Ok(read_buildinfo(path, contents)?.map(|(v, m)| format!("{v}\n{m}").into_bytes()))
    }

    fn catalog(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError> {
        let mut packages = Vec::new();
        for f in input.files {
            let text = String::from_utf8_lossy(&f.data);
            let (version, modinfo) = text.split_once('\n').unwrap_or((&text, ""));
            let info = parse_modinfo(version, modinfo);
            let mut dep_purls = Vec::new();
            for (module, v) in &info.deps {
                let mut p = package(
                    module,
                    v,
                    PackageKind::GoModule,
                    go_purl(&f.path, module, v)?,
                    NAME,
                );
                p.evidence.push(evidence(f));
                let (supplier, cpe) = module_attribution(module, v);
                p.supplier = supplier;
                p.cpes.extend(cpe);
                dep_purls.push(p.purl.clone());
                packages.push(p);
            }
            if let Some(std_version) = info.go_version.strip_prefix("go") {
                // `go1.22.1 X:boringcrypto` → v1.22.1
                let v = format!("v{}", std_version.split_whitespace().next().unwrap_or(""));
                let mut p = package(
                    "stdlib",
                    &v,
                    PackageKind::GoModule,
                    purl(NAME, &f.path, "golang", None, "stdlib", &v, &[])?,
                    NAME,
                );
                p.evidence.push(evidence(f));
                p.supplier = Some(Party {
                    name: "golang.org".to_owned(),
                    email: None,
                    url: Some("https://golang.org".to_owned()),
                });
                p.cpes.push(cpe("golang", "go", v.trim_start_matches('v')));
                packages.push(p);
            }
            if let Some((module, recorded)) = info.main.as_ref() {
                let v = main_version(recorded, &info.settings);
                let mut p = package(
                    module,
                    &v,
                    PackageKind::GoModule,
                    go_purl(&f.path, module, &v)?,
                    NAME,
                );
                p.evidence.push(evidence(f));
                let (supplier, cpe) = module_attribution(module, &v);
                p.supplier = supplier;
                p.cpes.extend(cpe);
                p.dependencies = dep_purls.clone();
                p.metadata
                    .insert("go_version".into(), info.go_version.clone());
                for key in ["GOOS", "GOARCH", "vcs.revision"] {
                    if let Some(v) = info.settings.get(key) {
                        p.metadata.insert(key.to_owned(), v.clone());
                    }
                }
                packages.push(p);
            }
        }
        Ok(finish(packages))
    }
}

/// Test helpers: the build info blob as Go 1.18+ writes it.
#[cfg(test)]
pub(crate) fn encode_buildinfo(go_version: &str, modinfo: &str) -> Vec<u8> {
    fn put(out: &mut Vec<u8>, s: &[u8]) {
        let mut n = s.len() as u64;
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                break;
            }
            out.push(b | 0x80);
        }
        out.extend_from_slice(s);
    }
    let mut blob = MAGIC.to_vec();
    blob.push(8); // pointer size
    blob.push(2); // flags: inline strings
    blob.resize(32, 0);
    put(&mut blob, go_version.as_bytes());
    let mut framed = hex_sentinel("3077af0c9274080241e1c107e6d618e6");
    framed.extend_from_slice(modinfo.as_bytes());
    framed.extend(hex_sentinel("f932433186182072008242104116d8f2"));
    put(&mut blob, &framed);
    blob
}

#[cfg(test)]
fn hex_sentinel(h: &str) -> Vec<u8> {
    hex::decode(h).unwrap()
}

/// A small ELF object with one named section holding `data`.
#[cfg(test)]
pub(crate) fn elf_with_section(name: &str, data: &[u8]) -> Vec<u8> {
    use object::write::Object;
    use object::{Architecture, BinaryFormat, Endianness, SectionKind};
    let mut obj = Object::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little);
    let id = obj.add_section(Vec::new(), name.as_bytes().to_vec(), SectionKind::Data);
    obj.append_section_data(id, data, 16);
    obj.write().unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::{CatalogContext, ExtractedFile};

    const MODINFO: &str = "path\texample.com/app/cmd/app\nmod\texample.com/app\tv1.4.0\th1:abc=\ndep\tgithub.com/google/uuid\tv1.6.0\th1:xyz=\ndep\tgolang.org/x/net\tv0.20.0\th1:q=\n=>\tgolang.org/x/net\tv0.23.0\th1:r=\ndep\tgithub.com/local/thing\tv0.1.0\n=>\t../thing\t\nbuild\tGOOS=linux\nbuild\tGOARCH=amd64\n";

    #[test]
    fn reads_buildinfo_from_an_elf_section_and_catalogs_modules() {
        let elf = elf_with_section(".go.buildinfo", &encode_buildinfo("go1.22.1", MODINFO));
        let c = GoBinaryCataloger;
        assert!(c.wants("usr/local/bin/app", 0o755, elf.len() as u64));
        let kept = c.extract("usr/local/bin/app", &elf).unwrap().unwrap();
        assert!(kept.len() < elf.len() + 1 && kept.starts_with(b"go1.22.1\n"));
        let files = [ExtractedFile {
            path: "usr/local/bin/app".into(),
            layer: None,
            mode: 0o755,
            data: kept.into(),
        }];
        let pkgs = c
            .catalog(&CatalogInput {
                files: &files,
                context: &CatalogContext::default(),
                exists: &|_| true,
            })
            .unwrap();
        let got: Vec<_> = pkgs
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("example.com/app", "v1.4.0"),
                ("github.com/google/uuid", "v1.6.0"),
                ("github.com/local/thing", "v0.1.0"),
                ("golang.org/x/net", "v0.23.0"),
                ("stdlib", "v1.22.1"),
            ]
        );
        assert_eq!(pkgs[1].purl, "pkg:golang/github.com/google/uuid@v1.6.0");
        assert_eq!(pkgs[0].dependencies.len(), 3);
        assert_eq!(pkgs[0].metadata["GOARCH"], "amd64");
    }

    #[test]
    fn devel_main_module_gets_the_vcs_pseudo_version() {
        let mut settings = BTreeMap::new();
        assert_eq!(main_version("(devel)", &settings), "");
        settings.insert("vcs.revision".into(), "04ef75fd7ff5a1b2c3d4e5f6".into());
        settings.insert("vcs.time".into(), "2022-08-08T14:19:30Z".into());
        assert_eq!(
            main_version("(devel)", &settings),
            "v0.0.0-20220808141930-04ef75fd7ff5"
        );
        assert_eq!(main_version("v1.2.3", &settings), "v1.2.3");
    }

    #[test]
    fn finds_the_magic_without_section_headers() {
        let mut data = b"\x7fELF".to_vec();
        data.resize(64, 0);
        data.extend(encode_buildinfo("go1.21.0", "mod\tx\t(devel)\t\n"));
        let (v, m) = read_buildinfo("bin/x", &data).unwrap().unwrap();
        assert_eq!(v, "go1.21.0");
        assert_eq!(m, "mod\tx\t(devel)\t\n");
    }

    #[test]
    fn old_layout_and_truncation_are_typed_errors_and_non_go_is_none() {
        let mut old = encode_buildinfo("go1.16", "");
        old[15] = 0;
        assert!(read_buildinfo("bin/old", &elf_with_section(".go.buildinfo", &old)).is_err());
        let blob = encode_buildinfo("go1.22.1", MODINFO);
        let cut = elf_with_section(".go.buildinfo", &blob[..40]);
        assert!(read_buildinfo("bin/cut", &cut).is_err());
        assert_eq!(
            read_buildinfo("bin/c", &elf_with_section(".data", b"hello")).unwrap(),
            None
        );
        assert_eq!(
            GoBinaryCataloger.extract("bin/sh", b"#!/bin/sh\n").unwrap(),
            None
        );
    }
}

#[cfg(test)]
mod attribution_tests {
    use super::*;

    #[test]
    fn module_paths_give_supplier_and_cpe() {
        let (s, c) = module_attribution("github.com/evanw/esbuild", "v0.14.54");
        assert_eq!(s.unwrap().name, "github.com/evanw");
        assert_eq!(c.unwrap(), "cpe:2.3:a:evanw:esbuild:v0.14.54:*:*:*:*:*:*:*");
        let (s, c) = module_attribution("github.com/go-yaml/yaml/v3", "v3.0.1");
        assert_eq!(s.unwrap().name, "github.com/go-yaml");
        assert_eq!(c.unwrap(), "cpe:2.3:a:go-yaml:yaml:v3.0.1:*:*:*:*:*:*:*");
        let (s, c) = module_attribution("golang.org/x/sys", "v0.1.0");
        assert_eq!(s.unwrap().name, "golang.org");
        assert_eq!(c.unwrap(), "cpe:2.3:a:golang:sys:v0.1.0:*:*:*:*:*:*:*");
        let (s, c) = module_attribution("gopkg.in/yaml.v3", "v3.0.1");
        assert_eq!(s.unwrap().name, "gopkg.in");
        assert_eq!(c.unwrap(), "cpe:2.3:a:gopkg:yaml:v3.0.1:*:*:*:*:*:*:*");
        let (_, c) = module_attribution("example.com/kv.v", "v1");
        assert_eq!(c.unwrap(), "cpe:2.3:a:example:kv.v:v1:*:*:*:*:*:*:*");
        assert_eq!(module_attribution("example/local", "v1"), (None, None));
        assert_eq!(module_attribution("", ""), (None, None));
    }
}

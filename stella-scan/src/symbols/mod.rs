//! Symbol tables of compiled binaries: which functions a Go or Rust executable links, so a
//! vulnerability finding can say whether the vulnerable function is in the binary at all
//! (`stella_vuln::symbols` does the matching).
//!
//! - **Go**: the function table (`pclntab`, see [`gopclntab`]) from the `.gopclntab` section
//!   (or `.data.rel.ro.gopclntab`), or found by its magic when the section headers are gone;
//!   stripping (`-ldflags=-s -w`, `strip`) keeps it, since the runtime needs it. Names in the
//!   ELF symbol table (`.symtab`, when present) are added. A Go binary is one with Go build
//!   information (`.go.buildinfo` or its magic) or a `.gopclntab` section.
//! - **Rust** (binaries with a cargo-auditable `.dep-v0` section): the ELF symbol table,
//!   demangled (legacy and v0, with `rustc-demangle`) to paths such as
//!   `smallvec::SmallVec::insert_many` (generic arguments, hashes and crate disambiguators
//!   dropped; `<T as Trait>::f` read as `T::f`), plus the Rust linkage names in the DWARF
//!   string table (`.debug_str`, which names functions inlined into their callers) as
//!   [`BinarySymbols::inlined`]. A stripped binary has no such table: its symbols are
//!   [`BinarySymbols::unreadable`]. A binary without DWARF (the release profile's default) has
//!   its symbols read, but an optimized build inlines generic and small functions into their
//!   callers without a trace, so a missing symbol proves nothing there:
//!   [`BinarySymbols::absence_unknown`] says so.
//!
//! What is kept per binary is a [`BinarySymbols`] (JSON), never the binary: the collecting
//! cataloger ([`SymbolCollector`]) rides the engine's layer walk like the entry-trace
//! collector, so the tables are read once per layer and cached with it.
//!
//! A table says what is *linked*: a function the compiler inlined everywhere leaves no
//! function-table entry (Go records it in the name table and Rust's DWARF in its linkage
//! names, both read as [`BinarySymbols::inlined`]; without DWARF a Rust binary keeps no trace
//! of it), which `docs/security.md` states as the limit of a symbol-level `absent`.
//!
//! ```
//! use stella_scan::symbols::{read_symbols, rust_function_path};
//! assert!(read_symbols(b"#!/bin/sh\n").is_none());
//! assert_eq!(
//!     rust_function_path("_ZN8smallvec17SmallVec$LT$A$GT$11insert_many17h0123456789abcdefE").as_deref(),
//!     Some("smallvec::SmallVec::insert_many"),
//! );
//! ```

pub mod gopclntab;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::catalog::util::{elf_section, is_elf, is_executable};
use crate::error::{CatalogProblem, ScanError};
use crate::package::{CatalogInput, Cataloger, Package};

/// Name of the collecting cataloger.
pub const COLLECTOR_NAME: &str = "symbols";
/// Largest binary looked at (as the Go and cargo-auditable catalogers).
const MAX_LEN: u64 = 1 << 30;
/// Most names kept per binary (a larger table is a lie or not worth matching).
pub const MAX_NAMES: usize = 4_000_000;

/// The language a symbol table was read for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SymbolLanguage {
    /// A Go binary: names as the Go linker writes them (`net/http.(*Client).Do`).
    Go,
    /// A Rust binary: demangled, normalized paths (`smallvec::SmallVec::insert_many`).
    Rust,
}

/// The functions one binary links.
///
/// ```
/// use stella_scan::symbols::{BinarySymbols, SymbolLanguage};
/// let s = BinarySymbols::unreadable(SymbolLanguage::Rust, "no symbol table (stripped)");
/// assert!(s.functions.is_empty() && s.unreadable.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BinarySymbols {
    /// Go or Rust.
    pub language: SymbolLanguage,
    /// The tables read, e.g. `gopclntab go1.18 + symtab`, `symtab`.
    pub tables: String,
    /// Function names (Go: as linked; Rust: normalized paths), sorted, unique.
    pub functions: Vec<String>,
    /// Go: names only in the name table (functions inlined everywhere), sorted, unique.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inlined: Vec<String>,
    /// `GOOS` of the binary, from its ELF header (Go only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goos: Option<String>,
    /// `GOARCH` of the binary, from its ELF machine (Go only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goarch: Option<String>,
    /// Why no table could be read (then `functions` is empty and nothing may be concluded
    /// from a symbol's absence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
    /// Why the tables, though read, cannot show that a function is absent (a Rust binary
    /// without DWARF: its inlined functions leave no name); a symbol found is still present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absence_unknown: Option<String>,
}

impl BinarySymbols {
    /// A binary whose tables could not be read, and why.
    pub fn unreadable(language: SymbolLanguage, why: &str) -> Self {
        Self {
            language,
            tables: String::new(),
            functions: Vec::new(),
            inlined: Vec::new(),
            goos: None,
            goarch: None,
            unreadable: Some(why.to_owned()),
            absence_unknown: None,
        }
    }
}

/// The `GOARCH` of an ELF machine, as Go names it.
fn goarch(file: &object::File<'_>) -> Option<&'static str> {
    use object::{Architecture, Object};
    let little = file.is_little_endian();
    Some(match file.architecture() {
        Architecture::X86_64 => "amd64",
        Architecture::I386 => "386",
        Architecture::Aarch64 => "arm64",
        Architecture::Arm => "arm",
        Architecture::PowerPc64 if little => "ppc64le",
        Architecture::PowerPc64 => "ppc64",
        Architecture::S390x => "s390x",
        Architecture::Riscv64 => "riscv64",
        Architecture::Mips if little => "mipsle",
        Architecture::Mips => "mips",
        Architecture::Mips64 if little => "mips64le",
        Architecture::Mips64 => "mips64",
        Architecture::LoongArch64 => "loong64",
        _ => return None,
    })
}

/// The `GOOS` of an ELF file by its OS ABI byte (Go writes 9 for FreeBSD; Linux binaries
/// carry 0).
fn goos(data: &[u8]) -> &'static str {
    match data.get(7) {
        Some(9) => "freebsd",
        Some(12) => "openbsd",
        _ => "linux",
    }
}

/// The function symbols (`STT_FUNC`, defined) of the ELF symbol table, raw names; `Err` when
/// the names add up to more than twice the file (string-table entries pointing inside each
/// other's names, which would otherwise let a small file expand into gigabytes).
fn symtab_functions<'d>(
    file: &object::File<'d>,
    file_len: usize,
) -> Result<Option<Vec<&'d str>>, &'static str> {
    use object::{Object, ObjectSymbol, SymbolKind};
    if file.symbol_table().is_none() {
        return Ok(None);
    }
    let mut total = 0usize;
    let mut names = Vec::new();
    for name in file
        .symbols()
        .filter(|s| s.kind() == SymbolKind::Text && !s.is_undefined())
        .filter_map(|s| s.name().ok())
        .filter(|n| !n.is_empty())
        .take(MAX_NAMES)
    {
        total = total.saturating_add(name.len());
        if total > file_len.saturating_mul(2) {
            return Err("the symbol table's names overlap beyond the file's size");
        }
        names.push(name);
    }
    Ok(Some(names))
}

/// Whether an ELF binary is a Go program: a Go section, or the build info magic when the
/// section headers are gone.
fn is_go(data: &[u8], file: Option<&object::File<'_>>) -> bool {
    use object::Object;
    match file {
        Some(f) if f.sections().next().is_some() => {
            f.section_by_name(".go.buildinfo").is_some()
                || f.section_by_name(".gopclntab").is_some()
        }
        _ => memchr::memmem::find(data, b"\xff Go buildinf:").is_some(),
    }
}

/// Reads the symbol tables of a Go or cargo-auditable Rust ELF binary; `None` for anything
/// else (other ELF files, scripts, data).
pub fn read_symbols(data: &[u8]) -> Option<BinarySymbols> {
    if !is_elf(data) {
        return None;
    }
    let file = object::File::parse(data).ok();
    if is_go(data, file.as_ref()) {
        return Some(read_go(data, file.as_ref()));
    }
    if elf_section(data, ".dep-v0").is_some() {
        return Some(read_rust(file.as_ref(), data.len()));
    }
    None
}

fn read_go(data: &[u8], file: Option<&object::File<'_>>) -> BinarySymbols {
    use object::{Object, ObjectSection};
    let section = file.and_then(|f| {
        f.section_by_name(".gopclntab")
            .or_else(|| f.section_by_name(".data.rel.ro.gopclntab"))
            .and_then(|s| s.data().ok())
    });
    let pcln = match section {
        Some(s) => gopclntab::parse_pclntab(s).map_err(|e| e.to_string()),
        None => gopclntab::find_pclntab(data).ok_or_else(|| "no Go pclntab found".to_owned()),
    };
    let mut problem = None;
    let symtab = match file.map(|f| symtab_functions(f, data.len())) {
        Some(Ok(Some(names))) => names,
        Some(Err(e)) => {
            problem = Some(e.to_owned());
            Vec::new()
        }
        _ => Vec::new(),
    };
    let mut tables = Vec::new();
    let mut functions = BTreeSet::new();
    let mut inlined = Vec::new();
    match pcln {
        Ok(g) => {
            tables.push(format!("gopclntab {}", g.version.label()));
            functions.extend(g.functions);
            inlined = g.inlined;
        }
        Err(e) => problem = problem.or(Some(e)),
    }
    if !symtab.is_empty() {
        tables.push("symtab".to_owned());
        functions.extend(symtab.into_iter().map(str::to_owned));
    }
    if functions.is_empty() {
        let why = problem.unwrap_or_else(|| "the Go function table is empty".to_owned());
        return BinarySymbols::unreadable(SymbolLanguage::Go, &why);
    }
    inlined.retain(|n| !functions.contains(n));
    BinarySymbols {
        language: SymbolLanguage::Go,
        tables: tables.join(" + "),
        functions: functions.into_iter().take(MAX_NAMES).collect(),
        inlined,
        goos: Some(goos(data).to_owned()),
        goarch: file.and_then(goarch).map(str::to_owned),
        unreadable: None,
        absence_unknown: None,
    }
}

fn read_rust(file: Option<&object::File<'_>>, len: usize) -> BinarySymbols {
    let names = match file.map(|f| symtab_functions(f, len)) {
        Some(Ok(Some(names))) if !names.is_empty() => names,
        Some(Err(e)) => return BinarySymbols::unreadable(SymbolLanguage::Rust, e),
        _ => {
            return BinarySymbols::unreadable(SymbolLanguage::Rust, "no symbol table (stripped)");
        }
    };
    let functions: BTreeSet<String> = names.into_iter().filter_map(rust_function_path).collect();
    if functions.is_empty() {
        return BinarySymbols::unreadable(
            SymbolLanguage::Rust,
            "the symbol table has no Rust function names",
        );
    }
    // DWARF keeps the linkage names of functions inlined into their callers; without it, an
    // optimized build's inlined functions leave no trace, and absence proves nothing.
    let debug_str = file.and_then(|f| {
        use object::{Object, ObjectSection};
        f.section_by_name(".debug_str").and_then(|s| s.data().ok())
    });
    let (tables, inlined, absence_unknown) = match debug_str {
        Some(strings) => {
            let inlined: BTreeSet<String> = strings
                .split(|b| *b == 0)
                .filter(|n| n.starts_with(b"_ZN") || n.starts_with(b"_R"))
                .filter_map(|n| std::str::from_utf8(n).ok())
                .filter_map(rust_function_path)
                .filter(|p| !functions.contains(p))
                .collect();
            ("symtab + DWARF linkage names", inlined.into_iter().collect(), None)
        }
        None => (
            "symtab",
            Vec::new(),
            Some(
                "no DWARF debug information: a Rust function inlined into its callers (an optimized build) leaves no symbol, so a missing symbol does not show the code is absent"
                    .to_owned(),
            ),
        ),
    };
    BinarySymbols {
        language: SymbolLanguage::Rust,
        tables: tables.to_owned(),
        functions: functions.into_iter().collect(),
        inlined,
        goos: None,
        goarch: None,
        unreadable: None,
        absence_unknown,
    }
}

/// A Rust symbol (legacy `_ZN…E` or v0 `_R…` mangling) as the path RustSec writes in
/// `affects.functions`: demangled without hash or crate disambiguators, generic arguments
/// dropped, a qualified `<T as Trait>::f` or `<T>::f` read as `T::f`, trailing
/// `{{closure}}`/`{closure#n}` segments dropped (a closure is code of its function). `None`
/// for a name that is not a Rust mangled name.
pub fn rust_function_path(symbol: &str) -> Option<String> {
    let demangled = rustc_demangle::try_demangle(symbol).ok()?;
    let text = format!("{demangled:#}");
    let mut path = normalize_rust_path(&text);
    while let Some((head, last)) = path.rsplit_once("::") {
        if !(last.starts_with("{{closure") || last.starts_with("{closure")) {
            break;
        }
        path = head.to_owned();
    }
    (!path.is_empty()).then_some(path)
}

/// Drops generic arguments and reads qualified paths (see [`rust_function_path`]).
fn normalize_rust_path(s: &str) -> String {
    let s = s.trim();
    if let Some(inner_rest) = s.strip_prefix('<') {
        // The qualified self type runs to the matching `>`.
        let mut depth = 1usize;
        let mut end = None;
        for (i, c) in inner_rest.char_indices() {
            match c {
                '<' => depth += 1,
                '>' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        if let Some(end) = end {
            let inner = inner_rest.get(..end).unwrap_or("");
            let rest = inner_rest.get(end + 1..).unwrap_or("");
            let self_type = split_as(inner);
            let mut out = normalize_rust_path(self_type);
            out.push_str(&normalize_rust_path(rest));
            return out;
        }
    }
    let mut out = gopclntab::without_groups(s, '<', '>');
    while out.contains("::::") {
        out = out.replace("::::", "::");
    }
    out.trim_end_matches("::").to_owned()
}

/// The self type of `T as Trait` (at nesting depth 0), else the whole text.
fn split_as(inner: &str) -> &str {
    let mut depth = 0usize;
    for (i, c) in inner.char_indices() {
        match c {
            '<' | '[' | '(' => depth += 1,
            '>' | ']' | ')' => depth = depth.saturating_sub(1),
            ' ' if depth == 0 && inner.get(i..).is_some_and(|r| r.starts_with(" as ")) => {
                return inner.get(..i).unwrap_or(inner);
            }
            _ => {}
        }
    }
    inner
}

/// The collected symbol tables by path. Each stays in the collector's JSON encoding (what the
/// layer cache holds) until a finding asks for it.
///
/// ```
/// use stella_scan::symbols::SymbolMap;
/// let map = SymbolMap::default();
/// assert!(map.is_empty() && map.get("usr/bin/app").is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolMap {
    encoded: BTreeMap<String, Arc<[u8]>>,
}

impl SymbolMap {
    /// Number of binaries with tables.
    pub fn len(&self) -> usize {
        self.encoded.len()
    }

    /// Whether no binary has tables.
    pub fn is_empty(&self) -> bool {
        self.encoded.is_empty()
    }

    /// The paths with tables, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.encoded.keys().map(String::as_str)
    }

    /// The tables of the binary at `path` (image path, no leading `/`); `None` when none were
    /// collected. A cache entry that does not decode (written by another version) reads as
    /// unreadable, never as an empty table.
    pub fn get(&self, path: &str) -> Option<BinarySymbols> {
        let bytes = self.encoded.get(path)?;
        Some(serde_json::from_slice(bytes).unwrap_or_else(|_| {
            BinarySymbols::unreadable(
                SymbolLanguage::Go,
                "the collected symbol table does not decode",
            )
        }))
    }

    /// A map from decoded tables (for tests and callers with tables of their own).
    pub fn from_tables(tables: impl IntoIterator<Item = (String, BinarySymbols)>) -> Self {
        Self {
            encoded: tables
                .into_iter()
                .filter_map(|(p, t)| Some((p, Arc::from(serde_json::to_vec(&t).ok()?))))
                .collect(),
        }
    }
}

type Shared = Arc<Mutex<Arc<SymbolMap>>>;

/// Collects the symbol tables of Go and Rust binaries during a scan: hand
/// [`SymbolCollector::cataloger`] to the engine with the other catalogers, then read
/// [`SymbolCollector::symbols`].
///
/// ```
/// use stella_scan::symbols::SymbolCollector;
/// let collector = SymbolCollector::new();
/// let mut catalogers = stella_scan::catalog::default_catalogers();
/// catalogers.push(collector.cataloger());
/// assert!(collector.symbols().is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct SymbolCollector {
    shared: Shared,
}

impl SymbolCollector {
    /// A new, empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cataloger to add to the engine's list (it reports into this collector).
    pub fn cataloger(&self) -> Box<dyn Cataloger> {
        Box::new(CollectingCataloger {
            shared: self.shared.clone(),
        })
    }

    /// The tables collected by the last scan, by path (shared, not copied).
    pub fn symbols(&self) -> Arc<SymbolMap> {
        Arc::clone(&self.shared.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[derive(Debug)]
struct CollectingCataloger {
    shared: Shared,
}

impl Cataloger for CollectingCataloger {
    fn name(&self) -> &'static str {
        COLLECTOR_NAME
    }

    fn version(&self) -> &'static str {
        "1"
    }

    fn path_independent(&self) -> bool {
        true
    }

    fn wants(&self, _path: &str, mode: u32, size: u64) -> bool {
        is_executable(mode) && (64..=MAX_LEN).contains(&size)
    }

    fn extract(&self, path: &str, contents: &[u8]) -> Result<Option<Vec<u8>>, ScanError> {
        let Some(symbols) = read_symbols(contents) else {
            return Ok(None);
        };
        serde_json::to_vec(&symbols)
            .map(Some)
            .map_err(|e| ScanError::Catalog {
                cataloger: COLLECTOR_NAME,
                path: path.to_owned(),
                reason: CatalogProblem::Facts(e),
            })
    }

    fn catalog(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, ScanError> {
        let encoded = input
            .files
            .iter()
            .map(|f| (f.path.clone(), Arc::clone(&f.data)))
            .collect();
        *self.shared.lock().unwrap_or_else(PoisonError::into_inner) =
            Arc::new(SymbolMap { encoded });
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_paths_from_legacy_and_v0_names() {
        let p = |s: &str| rust_function_path(s);
        assert_eq!(
            p("_ZN8smallvec17SmallVec$LT$A$GT$11insert_many17h0123456789abcdefE").unwrap(),
            "smallvec::SmallVec::insert_many"
        );
        // <smallvec::SmallVec<A> as core::ops::drop::Drop>::drop (legacy)
        assert_eq!(
            p("_ZN69_$LT$smallvec..SmallVec$LT$A$GT$$u20$as$u20$core..ops..drop..Drop$GT$4drop17h0123456789abcdefE").unwrap(),
            "smallvec::SmallVec::drop"
        );
        // v0: <smallvec::SmallVec<[u8; 4]>>::insert_many::<core::iter::Once<u8>>
        let v0 = rustc_demangle::try_demangle(
            "_RINvMs_NtCs4fqI2P2rA04_8smallvec5innerINtB4_8SmallVecAhj4_E11insert_manyINtNtNtCs1234_4core4iter7sources4OnceNtB2_1XEEB2_",
        );
        if let Ok(d) = v0 {
            let text = format!("{d:#}");
            assert!(!normalize_rust_path(&text).contains('<'), "{text}");
        }
        assert_eq!(
            normalize_rust_path(
                "<smallvec::SmallVec<[u8; 4]>>::insert_many::<core::iter::Once<u8>>"
            ),
            "smallvec::SmallVec::insert_many"
        );
        assert_eq!(
            normalize_rust_path("<alloc::vec::Vec<T, A> as core::ops::Drop>::drop"),
            "alloc::vec::Vec::drop"
        );
        assert_eq!(p("main"), None);
        assert_eq!(
            rust_function_path("_ZN8smallvec8SmallVec11insert_many28_$u7b$$u7b$closure$u7d$$u7d$17h0123456789abcdefE").as_deref(),
            Some("smallvec::SmallVec::insert_many")
        );
    }

    #[test]
    fn non_go_non_rust_elf_has_no_table() {
        let elf = crate::catalog::golang::elf_with_section(".data", b"hello");
        assert!(read_symbols(&elf).is_none());
    }

    #[test]
    fn a_go_elf_with_a_pclntab_section_reads_its_functions() {
        let tab = gopclntab::build_pclntab(
            gopclntab::PclntabVersion::Go118,
            false,
            8,
            &["main.main", "net/http.(*Transport).RoundTrip"],
            &["encoding/xml.isName"],
        );
        let elf = crate::catalog::golang::elf_with_section(".gopclntab", &tab);
        let got = read_symbols(&elf).unwrap();
        assert_eq!(got.language, SymbolLanguage::Go);
        assert_eq!(
            got.functions,
            ["main.main", "net/http.(*Transport).RoundTrip"]
        );
        assert_eq!(got.inlined, ["encoding/xml.isName"]);
        assert_eq!(got.goarch.as_deref(), Some("amd64"));
        assert_eq!(got.tables, "gopclntab go1.18");
        // A corrupt table is unreadable, never an empty (absent-everything) one.
        let bad = crate::catalog::golang::elf_with_section(".gopclntab", &tab[..20]);
        let got = read_symbols(&bad).unwrap();
        assert!(got.unreadable.is_some() && got.functions.is_empty());
    }

    #[test]
    fn a_stripped_rust_binary_is_unreadable() {
        let elf = crate::catalog::golang::elf_with_section(".dep-v0", b"x");
        let got = read_symbols(&elf).unwrap();
        assert_eq!(got.language, SymbolLanguage::Rust);
        assert_eq!(
            got.unreadable.as_deref(),
            Some("no symbol table (stripped)")
        );
    }
}

//! Symbol-level evidence: whether the binary a Go or Rust finding came from links the
//! vulnerable functions its OSV records name (what `govulncheck -mode=binary` does for Go).
//!
//! The records say which functions are vulnerable:
//! - the Go vulndb: `affected[].ecosystem_specific.imports[]` — `{path, symbols, goos,
//!   goarch}`; `symbols` as `Func` or `Type.Method`; an import without `symbols` means the
//!   whole package;
//! - RustSec: `affected[].ecosystem_specific.affects.functions` — paths such as
//!   `smallvec::SmallVec::insert_many`.
//!
//! The binary's tables come from `stella_scan::symbols` (collected during the scan). Each
//! Go-module and Rust-crate finding gets a [`SymbolEvidence`] with one of three statuses:
//! - [`SymbolStatus::Present`]: at least one vulnerable symbol is in the binary (listed in
//!   `found`); for a whole-package import, some function of the package is linked;
//! - [`SymbolStatus::Absent`]: every record of the finding lists symbols, every binary of the
//!   finding had readable tables, and none of the symbols (nor, for a whole-package import, any
//!   function of the package) is linked or — Go — recorded as inlined;
//! - [`SymbolStatus::Unknown`]: a record lists no symbols, a binary's tables could not be read
//!   (a stripped Rust binary), cannot show absence (a Rust binary without DWARF, whose inlined
//!   functions leave no name), or no table was collected for the binary; `reason` says which.
//!
//! An import restricted to other platforms (`goos`/`goarch` not naming the binary's) does not
//! apply, as in `govulncheck`. A vulnerable symbol found only as an inlined function (Go's name
//! table) counts as present: its code is in the binary.
//!
//! ```
//! use stella_vuln::symbols::{SymbolStatus, vulnerable_symbols};
//! use stella_vuln::osv::parse_record;
//!
//! let rec = parse_record("GO-1.json", br#"{"id":"GO-2024-1","modified":"2024-01-01T00:00:00Z",
//!   "affected":[{"package":{"ecosystem":"Go","name":"stdlib"},
//!   "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.22.1"}]}],
//!   "ecosystem_specific":{"imports":[{"path":"net/http","symbols":["Client.Do"]}]}}]}"#).unwrap();
//! let spec = vulnerable_symbols(&rec, "Go", "stdlib");
//! assert_eq!(spec.go[0].path, "net/http");
//! assert_eq!(SymbolStatus::Absent.as_str(), "absent");
//! ```

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stella_scan::PackageKind;
use stella_scan::symbols::gopclntab::split_go_name;
use stella_scan::symbols::{BinarySymbols, SymbolLanguage, SymbolMap};

use crate::error::VulnError;
use crate::matcher::Finding;
use crate::osv::{OsvRecord, normalize_name};
use crate::snapshot::Snapshot;

/// Whether the vulnerable symbols are in the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SymbolStatus {
    /// At least one vulnerable symbol is linked.
    Present,
    /// Every vulnerable symbol was checked and none is linked.
    Absent,
    /// Nothing can be concluded (see [`SymbolEvidence::reason`]).
    Unknown,
}

impl SymbolStatus {
    /// The label: `present`, `absent`, `unknown`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Absent => "absent",
            Self::Unknown => "unknown",
        }
    }
}

/// A finding's symbol-level evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SymbolEvidence {
    /// The status.
    pub status: SymbolStatus,
    /// The binaries whose tables were read (image paths), sorted.
    pub binaries: Vec<String>,
    /// The vulnerable symbols the records name for this package (Go: `path.Symbol`, or `path`
    /// alone for a whole-package import; Rust: the path), sorted.
    pub vulnerable: Vec<String>,
    /// The vulnerable symbols found in a binary, sorted (as in `vulnerable`; for a
    /// whole-package import, the linked functions of the package, at most 16).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub found: Vec<String>,
    /// Why the status is `unknown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One Go vulndb import: a package path, its vulnerable symbols (empty: the whole package) and
/// the platforms it is limited to (empty: all).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GoImport {
    /// The package path (`net/http`).
    pub path: String,
    /// `Func` or `Type.Method` names; empty for the whole package.
    pub symbols: Vec<String>,
    /// `goos` restriction.
    pub goos: Vec<String>,
    /// `goarch` restriction.
    pub goarch: Vec<String>,
}

/// What one record says is vulnerable in one package.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VulnerableSymbols {
    /// Go imports (Go ecosystem).
    pub go: Vec<GoImport>,
    /// Rust function paths (crates.io).
    pub rust: Vec<String>,
}

impl VulnerableSymbols {
    /// Whether the record names no symbol for the package.
    pub fn is_empty(&self) -> bool {
        self.go.is_empty() && self.rust.is_empty()
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The vulnerable symbols `record` names for the package `name` of `ecosystem` (`Go` or
/// `crates.io`), from every affected entry about that package.
pub fn vulnerable_symbols(record: &OsvRecord, ecosystem: &str, name: &str) -> VulnerableSymbols {
    let want = normalize_name(ecosystem, name);
    let mut out = VulnerableSymbols::default();
    for a in &record.affected {
        let Some(p) = &a.package else { continue };
        if p.ecosystem != ecosystem || normalize_name(ecosystem, &p.name) != want {
            continue;
        }
        let Some(es) = &a.ecosystem_specific else {
            continue;
        };
        for imp in es
            .get("imports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(path) = imp.get("path").and_then(Value::as_str) {
                out.go.push(GoImport {
                    path: path.to_owned(),
                    symbols: strings(imp.get("symbols")),
                    goos: strings(imp.get("goos")),
                    goarch: strings(imp.get("goarch")),
                });
            }
        }
        out.rust.extend(strings(es.pointer("/affects/functions")));
    }
    out.rust.sort();
    out.rust.dedup();
    out
}

/// A binary's Go functions as (package path, symbol) pairs, linked and inlined-only apart.
struct GoIndex {
    linked: HashMap<String, HashSet<String>>,
    inlined: HashMap<String, HashSet<String>>,
}

impl GoIndex {
    fn new(t: &BinarySymbols) -> Self {
        let index = |names: &[String]| {
            let mut m: HashMap<String, HashSet<String>> = HashMap::new();
            for n in names {
                if let Some((pkg, sym)) = split_go_name(n) {
                    m.entry(pkg).or_default().insert(sym);
                }
            }
            m
        };
        Self {
            linked: index(&t.functions),
            inlined: index(&t.inlined),
        }
    }

    fn has(&self, pkg: &str, sym: &str) -> bool {
        [&self.linked, &self.inlined]
            .iter()
            .any(|m| m.get(pkg).is_some_and(|s| s.contains(sym)))
    }

    fn package_functions(&self, pkg: &str) -> Vec<String> {
        let mut v: Vec<String> = [&self.linked, &self.inlined]
            .iter()
            .filter_map(|m| m.get(pkg))
            .flatten()
            .map(|s| format!("{pkg}.{s}"))
            .collect();
        v.sort();
        v.dedup();
        v.truncate(16);
        v
    }
}

fn applies(list: &[String], value: Option<&str>) -> bool {
    list.is_empty() || value.is_none_or(|v| list.iter().any(|l| l == v))
}

/// What one binary's tables say about one set of vulnerable symbols: (found, checked).
fn check_binary(
    table: &BinarySymbols,
    go_index: Option<&GoIndex>,
    spec: &VulnerableSymbols,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut found = BTreeSet::new();
    let mut checked = BTreeSet::new();
    match (table.language, go_index) {
        (SymbolLanguage::Go, Some(index)) => {
            for imp in &spec.go {
                if !applies(&imp.goos, table.goos.as_deref())
                    || !applies(&imp.goarch, table.goarch.as_deref())
                {
                    continue;
                }
                if imp.symbols.is_empty() {
                    checked.insert(imp.path.clone());
                    found.extend(index.package_functions(&imp.path));
                }
                for s in &imp.symbols {
                    let full = format!("{}.{s}", imp.path);
                    if index.has(&imp.path, s) {
                        found.insert(full.clone());
                    }
                    checked.insert(full);
                }
            }
        }
        (SymbolLanguage::Rust, _) => {
            for f in &spec.rust {
                if table.functions.binary_search(f).is_ok()
                    || table.inlined.binary_search(f).is_ok()
                {
                    found.insert(f.clone());
                }
                checked.insert(f.clone());
            }
        }
        _ => {}
    }
    (found, checked)
}

/// Gives each Go-module and Rust-crate finding its [`SymbolEvidence`] from the binaries' tables
/// (`symbols`, collected during the scan) and the records' vulnerable symbols (read from
/// `snapshot`). Other findings are left as they are (`symbols: None`).
///
/// ```
/// use stella_scan::symbols::SymbolMap;
/// # use stella_core::Timestamp;
/// # use stella_vuln::snapshot::{Snapshot, SnapshotBuilder};
/// # let snap = Snapshot::load(SnapshotBuilder::new().build(&Timestamp::parse_rfc3339("2024-06-01T00:00:00Z").unwrap()).unwrap()).unwrap();
/// let mut findings = Vec::new();
/// stella_vuln::symbols::apply_symbols(&mut findings, &snap, &SymbolMap::default()).unwrap();
/// assert!(findings.is_empty());
/// ```
pub fn apply_symbols(
    findings: &mut [Finding],
    snapshot: &Snapshot,
    symbols: &SymbolMap,
) -> Result<(), VulnError> {
    let mut tables: HashMap<String, Option<(BinarySymbols, Option<GoIndex>)>> = HashMap::new();
    for f in findings.iter_mut() {
        if !matches!(
            f.package.kind,
            PackageKind::GoModule | PackageKind::RustCrate
        ) {
            continue;
        }
        // The records of the finding, by id.
        let mut specs = Vec::new();
        for index in snapshot.lookup(&f.package.ecosystem, &f.package.name)? {
            let record = snapshot.record(index)?;
            if f.records.iter().any(|r| *r == record.id) {
                specs.push((
                    record.id.clone(),
                    vulnerable_symbols(&record, &f.package.ecosystem, &f.package.name),
                ));
            }
        }
        let mut found = BTreeSet::new();
        let mut checked = BTreeSet::new();
        let mut binaries = BTreeSet::new();
        let mut unknown: Vec<String> = Vec::new();
        for (id, spec) in &specs {
            if spec.is_empty() {
                unknown.push(format!("{id} lists no vulnerable symbols"));
            }
        }
        for loc in &f.evidence.locations {
            let entry = tables.entry(loc.path.clone()).or_insert_with(|| {
                symbols.get(&loc.path).map(|t| {
                    let index = (t.language == SymbolLanguage::Go).then(|| GoIndex::new(&t));
                    (t, index)
                })
            });
            let Some((table, index)) = entry.as_ref() else {
                unknown.push(format!("no symbol table was collected for /{}", loc.path));
                continue;
            };
            binaries.insert(loc.path.clone());
            if let Some(why) = &table.unreadable {
                unknown.push(format!("/{}: {why}", loc.path));
                continue;
            }
            if let Some(why) = &table.absence_unknown {
                unknown.push(format!("/{}: {why}", loc.path));
            }
            for (_, spec) in &specs {
                let (fo, ch) = check_binary(table, index.as_ref(), spec);
                found.extend(fo);
                checked.extend(ch);
            }
        }
        for (_, spec) in &specs {
            checked.extend(spec.rust.iter().cloned());
            for imp in &spec.go {
                if imp.symbols.is_empty() {
                    checked.insert(imp.path.clone());
                }
                checked.extend(imp.symbols.iter().map(|s| format!("{}.{s}", imp.path)));
            }
        }
        if f.evidence.locations.is_empty() {
            unknown.push("the package has no binary to read".to_owned());
        }
        let status = if !found.is_empty() {
            SymbolStatus::Present
        } else if unknown.is_empty() {
            SymbolStatus::Absent
        } else {
            SymbolStatus::Unknown
        };
        unknown.sort();
        unknown.dedup();
        f.symbols = Some(SymbolEvidence {
            status,
            binaries: binaries.into_iter().collect(),
            vulnerable: checked.into_iter().collect(),
            found: found.into_iter().collect(),
            reason: (status == SymbolStatus::Unknown).then(|| unknown.join("; ")),
        });
    }
    Ok(())
}

/// Counts of the statuses over findings: (present, absent, unknown, without evidence).
pub fn count_statuses(findings: &[Finding]) -> (usize, usize, usize, usize) {
    let mut c = (0, 0, 0, 0);
    for f in findings {
        match f.symbols.as_ref().map(|s| s.status) {
            Some(SymbolStatus::Present) => c.0 += 1,
            Some(SymbolStatus::Absent) => c.1 += 1,
            Some(SymbolStatus::Unknown) => c.2 += 1,
            None => c.3 += 1,
        }
    }
    c
}

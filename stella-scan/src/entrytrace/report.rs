//! The trace's inputs and its report.

use serde::{Deserialize, Serialize};

use crate::package::PackageKind;

/// The runtime part of an image config the trace starts from (the OCI `config` object's
/// `Entrypoint`, `Cmd`, `Env`, `WorkingDir`, `User`). Shell-form instructions are stored by the
/// builder as `["/bin/sh", "-c", "..."]`, which the trace reads as a shell command line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryConfig {
    /// `Entrypoint`.
    pub entrypoint: Vec<String>,
    /// `Cmd` (arguments to the entrypoint, or the command when there is no entrypoint).
    pub cmd: Vec<String>,
    /// `Env` as `NAME=value`.
    pub env: Vec<String>,
    /// `WorkingDir` (default `/`).
    pub working_dir: Option<String>,
    /// `User` (recorded in the report; file permissions are not checked).
    pub user: Option<String>,
}

impl EntryConfig {
    /// The value of an environment variable (the last assignment wins, as in Docker).
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env.iter().rev().find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then_some(v)
        })
    }

    /// The command line the container runs: `Entrypoint` followed by `Cmd`.
    pub fn argv(&self) -> Vec<String> {
        self.entrypoint.iter().chain(&self.cmd).cloned().collect()
    }
}

/// Bounds of one trace; reaching one stops the trace and makes every package not reached
/// `unknown` (never `not_found_on_entry_paths`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLimits {
    /// Files reached. Default 200 000 (a Python app with a large dependency tree reaches some
    /// thousands).
    pub max_files: usize,
    /// Work units (path lookups, imports and commands considered). Default 5 000 000.
    pub max_work: u64,
    /// Symbolic links followed for one path. Default 40 (Linux `MAXSYMLINKS`).
    pub max_link_depth: u32,
    /// Nested `#!` interpreters. Default 4 (Linux `BINPRM_MAX_RECURSION`).
    pub max_interpreter_depth: u32,
}

impl Default for TraceLimits {
    fn default() -> Self {
        Self {
            max_files: 200_000,
            max_work: 5_000_000,
            max_link_depth: 40,
            max_interpreter_depth: 4,
        }
    }
}

/// How a file was reached from the previous step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// The program of the image's entrypoint / cmd.
    Entrypoint,
    /// Run by a shell script line, a wrapper (`env`, `gosu`, …) or `sh -c`.
    Exec,
    /// Read by a shell with `.` / `source`.
    Source,
    /// The interpreter of a `#!` line.
    Shebang,
    /// A script run by an interpreter (`python3 app.py`, `sh run.sh`).
    Script,
    /// An ELF file's program interpreter (`PT_INTERP`).
    ProgramInterpreter,
    /// A shared library of `DT_NEEDED`.
    Needed,
    /// A Python module imported.
    Import,
    /// A Node module required / imported.
    Require,
    /// Run by an interpreter at start-up whatever the program: a Python site `.pth` file's
    /// `import` lines, a module preloaded by `NODE_OPTIONS`.
    Startup,
}

/// One step of a chain: the file reached and how.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Step {
    /// The file reached (root-relative real path, links resolved).
    pub path: String,
    /// How.
    pub kind: StepKind,
    /// For people: what named it (e.g. `DT_NEEDED libssl.so.3`, `line 7: exec gosu`,
    /// `import requests`).
    pub detail: String,
}

/// Which packages an unresolved item may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every package.
    All,
    /// OS packages (deb, apk, rpm).
    Native,
    /// Python packages and OS packages owning Python files.
    Python,
    /// npm packages and OS packages owning `node_modules` files.
    Node,
}

/// Something on an entry path the analysis could not follow.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Unresolved {
    /// Which packages it may reach.
    pub scope: Scope,
    /// The file where it was met (empty for the config itself).
    pub path: String,
    /// Why.
    pub reason: String,
}

/// What the trace says about one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Reachability {
    /// A file the package owns is on an entry path; the chain is the shortest one found, from
    /// the entrypoint program to that file.
    Reachable {
        /// The owned file reached.
        file: String,
        /// The chain, entrypoint first.
        chain: Vec<Step>,
    },
    /// The analysis saw every path from the entrypoint (for this package's scope) and none
    /// reaches a file the package owns.
    NotFoundOnEntryPaths,
    /// The analysis cannot tell.
    Unknown {
        /// Why, sorted.
        reasons: Vec<String>,
    },
}

impl Reachability {
    /// The status name as serialized (`reachable`, `not_found_on_entry_paths`, `unknown`).
    pub fn status(&self) -> &'static str {
        match self {
            Self::Reachable { .. } => "reachable",
            Self::NotFoundOnEntryPaths => "not_found_on_entry_paths",
            Self::Unknown { .. } => "unknown",
        }
    }

    /// The OpenVEX justification this result supports: `vulnerable_code_not_in_execute_path`
    /// for `not_found_on_entry_paths`, nothing otherwise. A proposal for a VEX author to accept,
    /// never a suppression by itself.
    pub fn vex_justification(&self) -> Option<&'static str> {
        matches!(self, Self::NotFoundOnEntryPaths).then_some("vulnerable_code_not_in_execute_path")
    }

    fn rank(&self) -> u8 {
        match self {
            Self::Reachable { .. } => 0,
            Self::Unknown { .. } => 1,
            Self::NotFoundOnEntryPaths => 2,
        }
    }
}

/// The trace result of one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentTrace {
    /// The package's purl.
    pub purl: String,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Kind.
    pub kind: PackageKind,
    /// The first evidence path of the package (tells apart two copies with one purl).
    pub evidence: String,
    /// The result.
    pub reachability: Reachability,
}

/// The result of [`super::trace`]. Every list is sorted: components by (purl, evidence),
/// files by path, unresolved items by (scope, path, reason).
///
/// ```
/// use stella_scan::entrytrace::{trace, EntryConfig, MemoryFs, TraceLimits};
///
/// let report = trace(&EntryConfig::default(), &MemoryFs::new(), &[], &TraceLimits::default())?;
/// assert_eq!(report.unresolved.len(), 1); // no entrypoint: nothing can be ruled out
/// assert!(report.for_package("pkg:pypi/x@1").is_none());
/// # Ok::<(), stella_scan::ScanError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceReport {
    /// The command line traced (entrypoint + cmd).
    pub argv: Vec<String>,
    /// The user the container runs as, as configured.
    pub user: Option<String>,
    /// Every file reached, sorted.
    pub reached_files: Vec<String>,
    /// What could not be followed, sorted.
    pub unresolved: Vec<Unresolved>,
    /// Per package, sorted by (purl, evidence).
    pub components: Vec<ComponentTrace>,
}

impl TraceReport {
    /// The result for a purl. When several packages share it (copies in two directories), the
    /// most reachable one is returned (reachable, then unknown, then not found).
    pub fn for_package(&self, purl: &str) -> Option<&Reachability> {
        self.components
            .iter()
            .filter(|c| c.purl == purl)
            .map(|c| &c.reachability)
            .min_by_key(|r| r.rank())
    }

    /// The chain to one package as text for people, one step per line.
    pub fn explain(&self, purl: &str) -> Option<String> {
        let r = self.for_package(purl)?;
        let mut out = format!("{purl}: {}\n", r.status());
        match r {
            Reachability::Reachable { file, chain } => {
                out.push_str(&format!("  entrypoint: {}\n", self.argv.join(" ")));
                for (i, s) in chain.iter().enumerate() {
                    out.push_str(&format!("  {}. /{} ({})\n", i + 1, s.path, s.detail));
                }
                out.push_str(&format!("  owned file: /{file}\n"));
            }
            Reachability::NotFoundOnEntryPaths => {
                out.push_str("  no file of the package is on an entry path\n");
            }
            Reachability::Unknown { reasons } => {
                for r in reasons {
                    out.push_str(&format!("  - {r}\n"));
                }
            }
        }
        Some(out)
    }
}

//! Entry-trace: from the image's entrypoint to the packages it can load — the static,
//! explainable "why" behind a finding.
//!
//! [`trace`] starts from the config's `Entrypoint` + `Cmd` (with `WorkingDir`, `Env` `PATH` /
//! `LD_LIBRARY_PATH` / `PYTHONPATH` / `NODE_PATH`), resolves each program inside the image root
//! (symbolic links followed, never out of the root, loops bounded) and follows, breadth first:
//!
//! * `#!` lines to their interpreter (`env` with `PATH` lookup, `-S`), at most
//!   [`TraceLimits::max_interpreter_depth`] deep, like the kernel;
//! * shell scripts' literal commands (`exec`, plain command lines, `. file`), with `"$@"`
//!   replaced by the script's arguments, and `sh -c "..."`;
//! * wrappers that run their arguments (`env`, `gosu`, `su-exec`, `tini`, `dumb-init`, …);
//! * ELF `PT_INTERP` and `DT_NEEDED`, searched in `DT_RPATH` (when there is no `DT_RUNPATH`),
//!   `LD_LIBRARY_PATH`, `DT_RUNPATH` (`$ORIGIN`, `$LIB` expanded), `ld.so.conf` (with `include`),
//!   musl's `ld-musl-*.path` and the default directories;
//! * Python: the script (or `-m` module, or `-c` code) and, recursively, the modules it imports,
//!   resolved on the interpreter's `sys.path` (script directory, `PYTHONPATH`, the standard
//!   library, `site-packages` / `dist-packages`, a virtualenv's `pyvenv.cfg`), including C
//!   extension modules (then their `DT_NEEDED`);
//! * Python's start-up, for every interpreter the trace reaches, whatever it runs: in each site
//!   directory it would use (the user site — `PYTHONUSERBASE`, `$HOME/.local`, `/root/.local`
//!   for root —, `site-packages`, `dist-packages`, of every prefix incl. `PYTHONHOME` and a
//!   virtualenv), the `import` lines of every `*.pth` file, then `sitecustomize` and
//!   `usercustomize` anywhere on `sys.path`; a `.pth` path line puts its directory on the
//!   search path. `-S` / `-s` / `-I` are not read (the hooks count anyway: over, never under);
//! * Node: the script and its `require` / `import`, through relative paths and `node_modules`
//!   (`package.json` `main`, `index.js`), and the modules `-r` / `--require` / `--import` /
//!   `--loader` preload, on the command line or in the config's `NODE_OPTIONS`.
//!
//! Every file reached is mapped to the packages that own it (dpkg/apk/rpm file lists, Python
//! `RECORD`, an npm package's directory, a Go / Rust binary's embedded modules). The result for
//! each package is a [`Reachability`]: `reachable` with the shortest chain from the entrypoint,
//! `not_found_on_entry_paths`, or `unknown` with the reasons.
//!
//! ## Conservative by rule
//!
//! `not_found_on_entry_paths` is said only when nothing the analysis could not see might reach
//! the package. Whatever it cannot see is recorded as [`Unresolved`] with a [`Scope`], and every
//! package in that scope that was not reached is `unknown`:
//!
//! * [`Scope::All`]: a shell `eval`, a command word with a variable, a command substitution, a
//!   program that is neither ELF nor a script, an unreadable or malformed ELF, a `#!` chain too
//!   deep or naming itself, a symlink loop on the path, the image having no entrypoint, a
//!   limit reached;
//! * [`Scope::Native`] (OS packages): a reached ELF file importing `dlopen`;
//! * [`Scope::Python`] (Python packages, and OS packages owning Python files): `__import__` /
//!   `importlib` / `exec` with a computed argument outside the standard library; a start-up
//!   `.pth` file that cannot be read, or whose `import` line does more than import (touches
//!   `sys.path`, `sys.modules` or the import hooks, `eval`s, `exec`s, opens files); a user site
//!   directory when the user's home is not configured; a Python given no program (it reads
//!   standard input — also where `PYTHONSTARTUP` would run: that hook is for interactive
//!   sessions only, so it is never an entry path of its own);
//! * [`Scope::Node`] (npm packages, and OS packages owning `node_modules` files): `require` /
//!   `import()` with a computed argument, a computed preload, a `NODE_OPTIONS` that does not
//!   split, node given no program.
//!
//! A command, library or module that is not found at all makes `unknown` only the packages that
//! own a file of that name. Packages without a file list (and Java archives, since class loading
//! is not analyzed) are always `unknown` unless reached.
//!
//! ## Limits of the analysis (plainly)
//!
//! * Static only: no branch is evaluated (all count), no variable is expanded, `PATH` changes
//!   made at run time are not seen.
//! * What a program does at run time beyond loading code is invisible: a binary that runs
//!   another program (`system`, `fork`/`exec`, `subprocess`) is traced only when it is a shell
//!   script or a known wrapper; `dlopen` is only flagged (scope `Native`), not followed.
//! * Python dynamic imports inside the standard library are assumed to load standard library
//!   modules; a `.pth` `import` line is read like any Python line (its literal imports are
//!   followed; the calls it makes into those modules are covered by reading the modules'
//!   imports); import hooks installed by code are not evaluated (the `.pth` lines that install
//!   them are `unknown`); namespace packages are found by directory.
//! * Node: `package.json` `exports` maps are not evaluated (`main`, then `index.js`, are used);
//!   ES module loaders and bundler aliases are not seen.
//! * Library search ignores hardware-capability subdirectories and `LD_PRELOAD`; `DT_RPATH` is
//!   taken from the loading object only.
//! * Interpreters other than sh/bash/dash/ash, Python and Node (Ruby, Perl, PHP, the JVM) are
//!   reached as files, but what they load is not read.
//!
//! ```
//! use stella_scan::entrytrace::{trace, EntryConfig, MemoryFs, TraceLimits};
//!
//! let fs = MemoryFs::new()
//!     .exe("usr/local/bin/entry.sh", b"#!/bin/sh\nexec /app/server \"$@\"\n")
//!     .exe("bin/sh", &stella_scan::entrytrace::build_test_elf(None, &[], None, None))
//!     .exe("app/server", &stella_scan::entrytrace::build_test_elf(None, &[], None, None));
//! let config = EntryConfig {
//!     entrypoint: vec!["/usr/local/bin/entry.sh".into()],
//!     cmd: vec!["--port".into(), "80".into()],
//!     ..EntryConfig::default()
//! };
//! let report = trace(&config, &fs, &[], &TraceLimits::default())?;
//! assert!(report.reached_files.contains(&"app/server".to_string()));
//! assert!(report.unresolved.is_empty());
//! # Ok::<(), stella_scan::ScanError>(())
//! ```

mod elf;
mod facts;
mod fs;
mod image;
mod lines;
mod node;
mod python;
mod report;
mod resolve;
mod shebang;
mod shell;

#[cfg(any(test, feature = "testing"))]
pub use elf::build_test_elf;
pub use elf::{DEFAULT_LIB_DIRS, ElfError, ElfFacts, LdConfLine, expand_origin, parse_ld_so_conf};
pub use facts::{FileFacts, MAX_CONFIG_BYTES, MAX_SCRIPT_BYTES, is_config_path};
pub use fs::{FsNode, MemoryFs, TraceFs};
pub use image::{
    COLLECTOR_NAME, FactsMap, TraceCollector, TreeFs, trace_scan, trace_tree, wanted_by_trace,
};
pub use node::{JsImports, is_core_module};
pub use python::{PyDynamic, PyImport, PyImports};
pub use report::{
    ComponentTrace, EntryConfig, Reachability, Scope, Step, StepKind, TraceLimits, TraceReport,
    Unresolved,
};
pub use resolve::trace;
pub use shebang::{MAX_SHEBANG_LINE, Shebang, ShebangError};
pub use shell::{ShellCommand, ShellScript, ShellUnresolved, Word};

//! Static reading of Python imports.
//!
//! Read: `import a.b as c, d`, `from a.b import c, (d, e)` (over several lines), relative
//! `from .x import y` / `from .. import z`, and `__import__("lit")` /
//! `importlib.import_module("lit")` with a literal. Imports anywhere in the file count, at any
//! indentation and in any branch (`try: import x` / `except ImportError`), so the result
//! over-approximates what runs. Recorded as dynamic (so the trace says `unknown`):
//! `__import__` / `import_module` / `importlib.util` loaders / `runpy` / `exec` with anything but
//! a literal — except `import_module` of a relative name (`"." + x`, `f"{__name__}.x"`), which can
//! only load the importing package's own modules.

use serde::{Deserialize, Serialize};

/// One import statement's target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PyImport {
    /// 1-based line.
    pub line: usize,
    /// Leading dots of a relative import (0: absolute).
    pub level: u32,
    /// Dotted module (empty for `from . import x`).
    pub module: String,
    /// Names of a `from` import (each may be a submodule); empty for `import`.
    pub names: Vec<String>,
}

/// A dynamic import the reader cannot resolve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PyDynamic {
    /// 1-based line.
    pub line: usize,
    /// What was seen.
    pub reason: String,
}

/// The imports of one Python file.
///
/// ```
/// use stella_scan::entrytrace::PyImports;
///
/// let i = PyImports::parse("import os, requests.adapters as a\nfrom .util import (x,\n  y)\n");
/// assert_eq!(i.imports.len(), 3);
/// assert_eq!(i.imports[1].module, "requests.adapters");
/// assert_eq!(i.imports[2].level, 1);
/// assert_eq!(i.imports[2].names, vec!["x", "y"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PyImports {
    /// Imports in file order.
    pub imports: Vec<PyImport>,
    /// Dynamic imports.
    pub dynamic: Vec<PyDynamic>,
}

/// Most imports kept from one file.
pub const MAX_IMPORTS: usize = 20_000;

const MAX_STATEMENT: usize = 64 * 1024;

/// What a line of Python may need to be read: `import` (also in `__import__`, `import_module`),
/// dynamic loaders, and triple quotes (docstring state).
static PY_FINDERS: std::sync::LazyLock<Vec<memchr::memmem::Finder<'static>>> =
    std::sync::LazyLock::new(|| {
        [
            "import",
            "exec(",
            "run_module(",
            "run_path(",
            "load_source(",
            "SourceFileLoader(",
            "spec_from_file_location(",
            "\"\"\"",
            "'''",
        ]
        .iter()
        .map(|p| memmem_finder(p))
        .collect()
    });

fn memmem_finder(p: &'static str) -> memchr::memmem::Finder<'static> {
    memchr::memmem::Finder::new(p.as_bytes())
}

/// Line-reading state carried between lines.
#[derive(Default)]
struct PyState {
    in_triple: Option<&'static str>,
    /// A statement continued over lines: (first line, text so far, in parentheses).
    pending: Option<(usize, String, bool)>,
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|p| {
            !p.is_empty()
                && p.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !p.starts_with(|c: char| c.is_ascii_digit())
        })
}

/// A string literal at the start of `s` (after whitespace): its contents.
fn literal_arg(s: &str) -> Option<&str> {
    let s = s.trim_start();
    let q = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = s.get(1..)?;
    let end = rest.find(q)?;
    let lit = rest.get(..end)?;
    let after = rest.get(end + 1..)?.trim_start();
    (after.starts_with(')') && !lit.contains('\\')).then_some(lit)
}

fn relative_arg(s: &str) -> bool {
    let s = s.trim_start();
    let s = s.trim_start_matches(['f', 'r', 'b']);
    s.starts_with("\".")
        || s.starts_with("'.")
        || s.starts_with("\"{__name__}.")
        || s.starts_with("'{__name__}.")
        || s.starts_with("__name__ +")
        || s.starts_with("__name__+")
}

impl PyImports {
    /// Reads a file's imports.
    pub fn parse(text: &str) -> Self {
        Self::parse_bytes(text.as_bytes())
    }

    /// Reads a file's imports from bytes (invalid UTF-8 is replaced). Only the lines holding
    /// `import`, a dynamic-loading call or a triple quote are decoded and read (found with a
    /// SIMD substring search), plus the continuation lines of a statement.
    pub fn parse_bytes(data: &[u8]) -> Self {
        let mut out = Self::default();
        let starts = super::lines::interesting_line_starts(data, &PY_FINDERS);
        let mut state = PyState::default();
        let mut counter = super::lines::LineCounter::default();
        let mut cursor = 0usize;
        for start in starts {
            if start < cursor {
                continue;
            }
            let mut at = start;
            loop {
                let (line, next) = super::lines::line_at(data, at);
                let lineno = counter.line_of(data, at);
                if out.imports.len() >= MAX_IMPORTS {
                    out.dynamic.push(PyDynamic {
                        line: lineno,
                        reason: format!("more than {MAX_IMPORTS} imports; the rest is not read"),
                    });
                    return out;
                }
                let text = String::from_utf8_lossy(line);
                out.read_line(&mut state, lineno, &text);
                cursor = next;
                if state.pending.is_none() || next >= data.len() {
                    break;
                }
                at = next;
            }
        }
        if let Some((start, acc, _)) = state.pending.take() {
            out.statement(start, &acc);
        }
        out
    }

    fn read_line(&mut self, state: &mut PyState, lineno: usize, raw: &str) {
        // Triple-quoted strings (docstrings): skip their contents.
        let mut line = raw;
        if let Some(q) = state.in_triple {
            match line.find(q) {
                Some(p) => {
                    state.in_triple = None;
                    line = line.get(p + 3..).unwrap_or("");
                }
                None => return,
            }
        }
        for q in ["\"\"\"", "'''"] {
            // Most lines have no quote at all: skip the substring search for them.
            let quote = if q.starts_with('"') { b'"' } else { b'\'' };
            if memchr::memchr(quote, line.as_bytes()).is_none() {
                continue;
            }
            if let Some(p) = line.find(q) {
                let after = line.get(p + 3..).unwrap_or("");
                if !after.contains(q) {
                    state.in_triple = Some(q);
                    line = line.get(..p).unwrap_or("");
                }
                break;
            }
        }
        let code = line.split('#').next().unwrap_or("");
        if let Some((start, mut acc, paren)) = state.pending.take() {
            acc.push(' ');
            acc.push_str(code.trim_end().trim_end_matches('\\'));
            let done = if paren {
                code.contains(')')
            } else {
                !code.trim_end().ends_with('\\')
            };
            if done || acc.len() > MAX_STATEMENT {
                self.statement(start, &acc);
            } else {
                state.pending = Some((start, acc, paren));
            }
            return;
        }
        for stmt in code.split(';') {
            let t = stmt.trim();
            let is_import = t.starts_with("from ") || t.starts_with("import ");
            if is_import && t.starts_with("from ") && t.contains('(') && !t.contains(')') {
                state.pending = Some((lineno, t.to_owned(), true));
                continue;
            }
            if is_import && t.ends_with('\\') {
                state.pending = Some((lineno, t.trim_end_matches('\\').to_owned(), false));
                continue;
            }
            self.statement(lineno, t);
        }
        self.dynamic_calls(lineno, code);
    }

    fn statement(&mut self, line: usize, t: &str) {
        if let Some(rest) = t.strip_prefix("import ") {
            for part in rest.split(',') {
                let name = part.split_whitespace().next().unwrap_or("");
                if is_ident(name) {
                    self.imports.push(PyImport {
                        line,
                        level: 0,
                        module: name.to_owned(),
                        names: Vec::new(),
                    });
                }
            }
        } else if let Some(rest) = t.strip_prefix("from ") {
            let Some((module, names)) = rest.split_once(" import") else {
                return;
            };
            let module = module.trim();
            let level = module.chars().take_while(|c| *c == '.').count() as u32;
            let module = module.trim_start_matches('.');
            if !(is_ident(module) || (module.is_empty() && level > 0)) {
                return;
            }
            let names: Vec<String> = names
                .replace(['(', ')', '\\'], " ")
                .split(',')
                .filter_map(|n| n.split_whitespace().next())
                .filter(|n| is_ident(n))
                .map(str::to_owned)
                .collect();
            self.imports.push(PyImport {
                line,
                level,
                module: module.to_owned(),
                names,
            });
        }
    }

    fn dynamic_calls(&mut self, line: usize, code: &str) {
        const CALLS: &[&str] = &[
            "__import__(",
            "import_module(",
            "spec_from_file_location(",
            "SourceFileLoader(",
            "load_source(",
            "run_module(",
            "run_path(",
            "exec(",
        ];
        for call in CALLS {
            let mut from = 0;
            while let Some(p) = code.get(from..).and_then(|s| s.find(call)) {
                let at = from + p;
                from = at + call.len();
                // A method or function named e.g. `my_exec(` is not `exec(`.
                let before = code.get(..at).and_then(|b| b.chars().last());
                if *call == "exec("
                    && before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    continue;
                }
                if t_is_def(code, at) {
                    continue;
                }
                let arg = code.get(from..).unwrap_or("");
                if matches!(*call, "__import__(" | "import_module(") {
                    if let Some(lit) = literal_arg(arg)
                        && is_ident(lit)
                    {
                        self.imports.push(PyImport {
                            line,
                            level: 0,
                            module: lit.to_owned(),
                            names: Vec::new(),
                        });
                        continue;
                    }
                    if relative_arg(arg) {
                        continue;
                    }
                }
                self.dynamic.push(PyDynamic {
                    line,
                    reason: format!("{}...) with a computed argument", call),
                });
            }
        }
    }
}

fn t_is_def(code: &str, at: usize) -> bool {
    code.get(..at)
        .is_some_and(|b| b.trim_end().ends_with("def") || b.trim_end().ends_with("def ."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_forms() {
        let i = PyImports::parse(
            "\"\"\"doc\nimport notthis\n\"\"\"\nimport a, b.c as d\nfrom e.f import g as h, i\n\
             from .. import j\nfrom . k import l\ntry:\n    import ujson as json\nexcept ImportError:\n\
             \x20   import json\nfrom m import \\\n    n\nimport x; import y\n",
        );
        let mods: Vec<(u32, &str)> = i
            .imports
            .iter()
            .map(|x| (x.level, x.module.as_str()))
            .collect();
        assert_eq!(
            mods,
            vec![
                (0, "a"),
                (0, "b.c"),
                (0, "e.f"),
                (2, ""),
                (0, "ujson"),
                (0, "json"),
                (0, "m"),
                (0, "x"),
                (0, "y")
            ]
        );
        assert_eq!(i.imports[2].names, vec!["g", "i"]);
        assert_eq!(i.imports[3].names, vec!["j"]);
        assert_eq!(i.imports[6].names, vec!["n"]);
        assert!(i.dynamic.is_empty());
    }

    #[test]
    fn line_numbers_and_binary_noise() {
        let mut data = b"x = 1\n\xff\xfe garbage\n\n  import a  # c\n".to_vec();
        data.extend_from_slice(b"s = '''\nimport not_me\n'''\nfrom b import (\n c,\n d)\n");
        let i = PyImports::parse_bytes(&data);
        let got: Vec<(usize, &str)> = i
            .imports
            .iter()
            .map(|x| (x.line, x.module.as_str()))
            .collect();
        assert_eq!(got, vec![(4, "a"), (8, "b")]);
        assert_eq!(i.imports[1].names, vec!["c", "d"]);
    }

    #[test]
    fn dynamic_imports() {
        let i = PyImports::parse(
            "m = __import__(name)\nimportlib.import_module('yaml')\n\
             importlib.import_module('.backends.' + x, __name__)\nexec(code)\n\
             def my_exec(x): pass\nself.exec(q)\nimport_module(f\"plugins.{p}\")\n",
        );
        assert_eq!(i.imports.len(), 1);
        assert_eq!(i.imports[0].module, "yaml");
        let lines: Vec<usize> = i.dynamic.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![1, 4, 7], "{:?}", i.dynamic);
    }
}
